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
	// cell runs parallel to View.identTime: the punch card cell of each
	// commit (see punchCell), noCell when git cannot read its date.
	cell []uint8

	// sumsOnce makes cal and the identity sums.
	sumsOnce sync.Once
	// cal is the view's calendar (nil when it has none).
	cal *calendar
	// identAdded and identDeleted run parallel to View.identTime: each
	// identity's running totals, in time order, of the lines its commits
	// added and deleted, modulo 2^32 (exact differences: no identity's
	// total reaches 2^32, else there are none). Nil without line
	// statistics.
	identAdded, identDeleted []uint32

	// fixes remembers the lineFix of Filter.Exclude lists (keyed as
	// View.excluded keys them), under fixMu.
	fixMu sync.Mutex
	fixes map[string]*fixBuild
	// building says a lineFix is being made: one at a time, so that
	// requests with ever new exclusion sets cannot pile builds up.
	building bool
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

// punchCells returns the punch card cells of the commits in the order of
// View.identTime.
func (v *View) punchCells() []uint8 {
	v.tl.cellOnce.Do(func() {
		x := v.x
		cells := make([]uint8, len(v.identTime))
		for e, t := range v.identTime {
			if t == index.UnknownTime {
				cells[e] = noCell
			} else {
				cells[e] = punchCell(t, x.AuthorZone[v.identPos[e]])
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
	v.tl.sumsOnce.Do(v.buildTimeSums)
	return v.tl.identAdded, v.tl.identDeleted
}

// calendar returns the view's calendar; nil when no commit has a known
// date or they span more than maxCalendarDays.
func (v *View) calendar() *calendar {
	v.tl.sumsOnce.Do(v.buildTimeSums)
	return v.tl.cal
}

// buildTimeSums makes the calendar and the identity line sums in one pass
// over the commits in time order (18 ms at a million commits).
func (v *View) buildTimeSums() {
	x := v.x
	c := v.newCalendar()
	var added, deleted []uint32
	var next []uint32
	var runAdded, runDeleted []uint64
	if v.stats {
		added, deleted = make([]uint32, len(v.identTime)), make([]uint32, len(v.identTime))
		// An identity's entries in identTime are its commits in time
		// order: next[a] is where its next one goes.
		next = slices.Clone(v.identOff[:len(v.identOff)-1])
		runAdded, runDeleted = make([]uint64, len(next)), make([]uint64, len(next))
	}
	for k, i := range v.byTime {
		var a, d uint32
		if v.stats {
			a, d = x.Added[i], x.Deleted[i]
			id := v.sortedIdent[k]
			e := next[id]
			next[id]++
			runAdded[id] += uint64(a)
			runDeleted[id] += uint64(d)
			added[e], deleted[e] = uint32(runAdded[id]), uint32(runDeleted[id])
		}
		if c != nil {
			c.add(v, k, a, d)
		}
	}
	if c != nil {
		c.finish(len(v.byTime))
	}
	v.tl.cal = c
	for id := range runAdded {
		if runAdded[id] >= 1<<32 || runDeleted[id] >= 1<<32 {
			return
		}
	}
	v.tl.identAdded, v.tl.identDeleted = added, deleted
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

// A view remembers at most maxFixSets lineFix sets, and forgets them all
// before it makes another when those made hold more than
// fixEntriesPerCommit entries (12 bytes each) per commit of the history.
// At a million commits, each of the bench's exclusion sets takes 1-2.3 MB.
const (
	maxFixSets          = 8
	fixEntriesPerCommit = 2
)

// fixBuild is a lineFix being made or made: fix is set when done is
// closed.
type fixBuild struct {
	done chan struct{}
	fix  *lineFix
}

// lineFix returns the lineFix of q's exclusion set (made from the
// Filter.Exclude items), or nil: when q excludes nothing, without line
// statistics, when a commit's totals are not the sums of its changes
// (then only reading them gives query.lines' answer), or while it is
// being made for a window [lo, hi) of time ranks that holds fewer than a
// sixteenth of the history's commits: reading their changes costs less
// than waiting. The first query with an exclusion set starts making its
// lineFix in the background (tens of milliseconds at a million commits),
// unless another set's is being made (then it gets nil); one with a
// larger window waits for it.
func (v *View) lineFix(items []string, q *query, lo, hi int) *lineFix {
	if q.excluded == nil || !v.stats {
		return nil
	}
	key := strings.Join(items, "\x00")
	v.tl.fixMu.Lock()
	b, ok := v.tl.fixes[key]
	if !ok && v.tl.building {
		// Another set's is being made: this query reads the changes.
		v.tl.fixMu.Unlock()
		return nil
	}
	if !ok {
		if v.tl.fixes == nil || len(v.tl.fixes) >= maxFixSets || v.fixEntries() > fixEntriesPerCommit*len(v.byTime) {
			v.tl.fixes = map[string]*fixBuild{}
		}
		b = &fixBuild{done: make(chan struct{})}
		v.tl.fixes[key] = b
		excluded := q.excluded
		v.tl.building = true
		go func() {
			fix := v.buildLineFix(excluded)
			v.tl.fixMu.Lock()
			b.fix, v.tl.building = fix, false
			v.tl.fixMu.Unlock()
			close(b.done)
		}()
	}
	v.tl.fixMu.Unlock()
	if (hi-lo)*16 >= len(v.byTime) {
		<-b.done
		return b.fix
	}
	select {
	case <-b.done:
		return b.fix
	default:
		return nil
	}
}

// fixEntries returns how many entries the lineFix sets made hold; the
// caller holds fixMu.
func (v *View) fixEntries() int {
	n := 0
	for _, b := range v.tl.fixes {
		select {
		case <-b.done:
			if b.fix != nil {
				n += len(b.fix.rank)
			}
		default:
		}
	}
	return n
}

// buildLineFix makes the lineFix of the paths excluded marks, or returns
// nil when a commit's line totals differ from the sums of its changes. It
// reads the changes in their order (in time order, a million commits'
// take four times as long) and puts the lines of each commit at its time
// rank.
func (v *View) buildLineFix(excluded []bool) *lineFix {
	x := v.x
	n := len(v.byTime)
	rankOf := make([]uint32, n)
	for k, i := range v.byTime {
		rankOf[i] = uint32(k)
	}
	// exAdded and exDeleted by time rank.
	exAdded, exDeleted := make([]uint32, n), make([]uint32, n)
	entries := 0
	for i := range n {
		lo, hi := x.Changes(i)
		var added, deleted, ea, ed uint64
		for j := lo; j < hi; j++ {
			a, d := uint64(x.ChangeAdded[j]), uint64(x.ChangeDeleted[j])
			added += a
			deleted += d
			if excluded[x.ChangePath[j]] {
				ea += a
				ed += d
			}
		}
		if added != uint64(x.Added[i]) || deleted != uint64(x.Deleted[i]) {
			return nil
		}
		if ea|ed != 0 {
			k := rankOf[i]
			exAdded[k], exDeleted[k] = uint32(ea), uint32(ed)
			entries++
		}
	}
	fix := &lineFix{rank: make([]uint32, 0, entries), added: make([]uint32, 0, entries), deleted: make([]uint32, 0, entries)}
	for k := range n {
		if exAdded[k]|exDeleted[k] != 0 {
			fix.rank = append(fix.rank, uint32(k))
			fix.added = append(fix.added, exAdded[k])
			fix.deleted = append(fix.deleted, exDeleted[k])
		}
	}
	return fix
}
