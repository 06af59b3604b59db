package analytics

import (
	"slices"
	"strings"
	"sync"

	"github.com/gitpulse/gitpulse/internal/index"
)

// timeline holds what the time-shaped queries (heatmap, activity, punch
// card, authors) read besides the view's time order. Each part is built
// by the first query that needs it, so that a view costs nothing more to
// make; at a million commits they take 1 MB (cells), 8 MB (identity
// sums) and 12 bytes per commit that touches excluded files per
// remembered exclusion set.
type timeline struct {
	cellOnce sync.Once
	// cell[k] is the punch card cell of commit byTime[k] (see punchCell),
	// noCell when git cannot read its date.
	cell []uint8

	sumsOnce sync.Once
	// identAdded and identDeleted run parallel to View.identTime: each
	// identity's running totals, in time order, of the lines its commits
	// added and deleted, modulo 2^32 (exact differences: no identity's
	// total reaches 2^32, else there are none). Nil without line
	// statistics.
	identAdded, identDeleted []uint32

	// fixes remembers the lineFix of Filter.Exclude lists (keyed as
	// View.excluded keys them), holding fixEntries entries in all, under
	// fixMu.
	fixMu      sync.Mutex
	fixes      map[string]*lineFix
	fixEntries int
}

// noCell is the punch card cell of a commit of unknown date.
const noCell = 0xff

// punchCell returns the punch card cell of Unix time t in a zone offset
// minutes from UTC: weekday (0 = Sunday) * 24 + hour of the local time.
func punchCell(t int64, offset int16) uint8 {
	days, secs := floorDiv(t+int64(offset)*60, secondsPerDay)
	// 1970-01-01, day 0, was a Thursday (weekday 4).
	weekday := (days%7 + 7 + 4) % 7
	return uint8(weekday*24 + secs/3600)
}

// punchCells returns the punch card cells of the commits in time order.
func (v *View) punchCells() []uint8 {
	v.tl.cellOnce.Do(func() {
		x := v.x
		cells := make([]uint8, len(v.byTime))
		for k, i := range v.byTime {
			if t := v.sortedTime[k]; t == index.UnknownTime {
				cells[k] = noCell
			} else {
				cells[k] = punchCell(t, x.AuthorZone[i])
			}
		}
		v.tl.cell = cells
	})
	return v.tl.cell
}

// identSums returns the running line totals per identity (see timeline),
// nil without line statistics or when an identity changed 2^32 lines or
// more.
func (v *View) identSums() (added, deleted []uint32) {
	v.tl.sumsOnce.Do(func() {
		x := v.x
		if !v.stats {
			return
		}
		added, deleted := make([]uint32, len(v.identPos)), make([]uint32, len(v.identPos))
		for a := range len(v.identOff) - 1 {
			var runAdded, runDeleted uint64
			for e := v.identOff[a]; e < v.identOff[a+1]; e++ {
				i := v.identPos[e]
				runAdded += uint64(x.Added[i])
				runDeleted += uint64(x.Deleted[i])
				added[e], deleted[e] = uint32(runAdded), uint32(runDeleted)
			}
			if runAdded >= 1<<32 || runDeleted >= 1<<32 {
				return
			}
		}
		v.tl.identAdded, v.tl.identDeleted = added, deleted
	})
	return v.tl.identAdded, v.tl.identDeleted
}

// lineFix lists, for one set of excluded paths, the commits that changed
// excluded files and the lines they changed in them: a commit's lines
// less its excluded ones are then what query.lines counts, without
// reading its changes.
type lineFix struct {
	// rank holds the commits' places in View.byTime, ascending.
	rank []uint32
	// added and deleted are the lines each changed in excluded files.
	added, deleted []uint32
}

// after returns the index of the first entry of f at or after time rank
// k (0 for a nil f).
func (f *lineFix) after(k int) int {
	if f == nil {
		return 0
	}
	n, _ := slices.BinarySearch(f.rank, uint32(k))
	return n
}

// The lineFix memo holds at most maxFixSets sets and fixEntriesPerCommit
// entries per commit of the history in all.
const (
	maxFixSets          = 8
	fixEntriesPerCommit = 2
)

// lineFix returns the lineFix of q's exclusion set (made from the
// Filter.Exclude items), or nil: when q excludes nothing or there are no
// line statistics; when its window holds fewer than a sixteenth of the
// history's commits (reading their changes costs less than a pass over
// all of them) and no lineFix is remembered; or when a commit's totals
// are not the sums of its changes (then only reading them gives
// query.lines' answer).
func (v *View) lineFix(items []string, q *query, lo, hi int) *lineFix {
	if q.excluded == nil || !v.stats {
		return nil
	}
	key := strings.Join(items, "\x00")
	v.tl.fixMu.Lock()
	fix, ok := v.tl.fixes[key]
	v.tl.fixMu.Unlock()
	if ok || (hi-lo)*16 < len(v.byTime) {
		return fix
	}
	fix = v.buildLineFix(q.excluded)
	size := 0
	if fix != nil {
		size = len(fix.rank)
	}
	v.tl.fixMu.Lock()
	defer v.tl.fixMu.Unlock()
	if len(v.tl.fixes) >= maxFixSets || v.tl.fixEntries+size > fixEntriesPerCommit*len(v.byTime) {
		clear(v.tl.fixes)
		v.tl.fixEntries = 0
	}
	if v.tl.fixes == nil {
		v.tl.fixes = map[string]*lineFix{}
	}
	if _, ok := v.tl.fixes[key]; !ok {
		v.tl.fixes[key] = fix
		v.tl.fixEntries += size
	}
	return fix
}

// buildLineFix makes the lineFix of the paths excluded marks, or returns
// nil when a commit's line totals differ from the sums of its changes.
func (v *View) buildLineFix(excluded []bool) *lineFix {
	x := v.x
	fix := &lineFix{}
	for k, i := range v.byTime {
		lo, hi := x.Changes(int(i))
		var added, deleted, exAdded, exDeleted uint64
		for j := lo; j < hi; j++ {
			a, d := uint64(x.ChangeAdded[j]), uint64(x.ChangeDeleted[j])
			added += a
			deleted += d
			if excluded[x.ChangePath[j]] {
				exAdded += a
				exDeleted += d
			}
		}
		if added != uint64(x.Added[i]) || deleted != uint64(x.Deleted[i]) {
			return nil
		}
		if exAdded != 0 || exDeleted != 0 {
			fix.rank = append(fix.rank, uint32(k))
			fix.added = append(fix.added, uint32(exAdded))
			fix.deleted = append(fix.deleted, uint32(exDeleted))
		}
	}
	// Trim the slack of append.
	fix.rank, fix.added, fix.deleted = slices.Clip(fix.rank), slices.Clip(fix.added), slices.Clip(fix.deleted)
	return fix
}

// bucketSums are per-bucket totals of the commits a query selects.
type bucketSums struct {
	// commits and authors count the commits and their distinct author
	// names; added and deleted (nil when not asked for) their lines.
	commits, authors, added, deleted []int
}

// sumBuckets sums up the commits q selects per bucket of bounds (the
// start times of the buckets, then the end of the last one, covering q's
// dates), and with lines (only with line statistics) the lines they
// changed in files not excluded, as query.lines counts them. items are
// the Filter.Exclude items q was compiled from.
func (v *View) sumBuckets(q *query, items []string, bounds []int64, lines bool) bucketSums {
	n := len(bounds) - 1
	s := bucketSums{commits: make([]int, n), authors: make([]int, n)}
	lo, hi := v.span(q.from, q.to)
	var fix *lineFix
	if lines {
		s.added, s.deleted = make([]int, n), make([]int, n)
		fix = v.lineFix(items, q, lo, hi)
	}
	// Without a lineFix, lines in excluded files are found change by
	// change.
	direct := lines && q.excluded != nil && fix == nil
	x := v.x
	// stamp[name] is 1 + the last bucket the name was counted in; commits
	// come in time order, so buckets never go back.
	stamp := make([]int32, len(v.names))
	fp := fix.after(lo)
	k := lo
	for b := 0; b < n && k < hi; b++ {
		end, bucket := bounds[b+1], int32(b+1)
		// The bucket's totals are kept in registers, and a name's first
		// commit is counted without a branch (which the next commit's
		// author would make unpredictable).
		commits, authors, added, deleted := 0, 0, 0, 0
		for ; k < hi && v.sortedTime[k] < end; k++ {
			var exAdded, exDeleted uint32
			if fix != nil && fp < len(fix.rank) && int(fix.rank[fp]) == k {
				exAdded, exDeleted = fix.added[fp], fix.deleted[fp]
				fp++
			}
			a := v.sortedIdent[k]
			if q.authors != nil && !q.authors[a] {
				continue
			}
			commits++
			name := v.nameID[a]
			first := 0
			if stamp[name] != bucket {
				first = 1
			}
			stamp[name] = bucket
			authors += first
			if !lines {
				continue
			}
			i := int(v.byTime[k])
			if direct {
				a, d := q.lines(i)
				added += a
				deleted += d
			} else {
				added += int(x.Added[i] - exAdded)
				deleted += int(x.Deleted[i] - exDeleted)
			}
		}
		s.commits[b], s.authors[b] = commits, authors
		if lines {
			s.added[b], s.deleted[b] = added, deleted
		}
	}
	return s
}
