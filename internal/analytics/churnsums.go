package analytics

import (
	"iter"
	"math"
	"slices"
)

// churnSums list, per path, the changes of the non-merge commits by author
// time, with running totals of their lines and their authors: the churn
// of a date window without an author filter is then two binary searches
// per path instead of a pass over every change in the window (at a
// million commits, 4.5 million), and ownership and coupling read the
// changes of a path in a window as one run of entries.
type churnSums struct {
	// Path p's entries are [start[p], stop[p]), one per change, by
	// ascending time rank (the commit's place in View.byTime). The paths'
	// entries follow each other in path order (View.byPath), the order
	// in which ownership and the directories of churn read them: a query
	// over many paths reads the entries front to back.
	start, stop, rank []uint32
	// order and place are View.byPath and View.pathRank.
	order, place []uint32
	// added and deleted are the path's running totals up to and with
	// each entry, modulo 2^32: differences give each change's lines
	// exactly, and a window's totals when exact.
	added, deleted []uint32
	// ident is the author identity of each entry's commit.
	ident []uint32
	// commits is the number of time ranks.
	commits int
	// checkpoint holds buckets+1 rows of places in the entries, one per
	// path in path order (see makeCheckpoints): a query reads one or two
	// rows front to back; buckets is 0 when there are none.
	checkpoint []uint32
	buckets    int
	// exact reports that no path's lines added and deleted together
	// reach 2^32, so that differences of running totals are a window's
	// totals (and no sum of a path's lines wraps).
	exact bool
}

// churnSums returns the view's running totals, built by the first call
// with the totals per path and identity, those per directory and identity
// of the first prewarmOwnerDepths depths, and the directory logs of the
// first prewarmDepths depths (a quarter of a second at a million
// commits: only churn, ownership and coupling need them), or nil when
// line statistics are pending.
func (v *View) churnSums() *churnSums {
	v.sumsOnce.Do(func() {
		if !v.stats {
			return
		}
		v.dirs.mu.Lock()
		v.sums = v.buildChurnSums(newLogFill(v.prewarmLogs()))
		v.dirs.mu.Unlock()
		if v.sums.exact {
			v.idents = v.buildPathIdents(v.sums, topIdents)
			v.runs = v.buildIdentRuns(v.sums, bigIdentShare)
			v.prewarmDirIdents(v.idents)
		}
	})
	return v.sums
}

// buildChurnSums makes the churn sums, and fills in the directory logs
// of logs on the way.
func (v *View) buildChurnSums(logs *logFill) *churnSums {
	x := v.x
	s := &churnSums{start: make([]uint32, len(x.Paths)), stop: make([]uint32, len(x.Paths)), exact: true, commits: x.Len(),
		order: v.byPath, place: v.pathRank}
	addedTotal, deletedTotal := make([]uint64, len(x.Paths)), make([]uint64, len(x.Paths))
	for i := range x.Len() {
		if x.IsMerge(i) {
			continue
		}
		lo, hi := x.Changes(i)
		logs.count(i, x.ChangePath[lo:hi])
		for j := lo; j < hi; j++ {
			p := x.ChangePath[j]
			s.stop[p]++
			addedTotal[p] += uint64(x.ChangeAdded[j])
			deletedTotal[p] += uint64(x.ChangeDeleted[j])
		}
	}
	n := uint32(0)
	for _, p := range v.byPath {
		if addedTotal[p]+deletedTotal[p] > math.MaxUint32 {
			s.exact = false
		}
		s.start[p] = n
		n += s.stop[p]
		s.stop[p] = n
	}
	logs.counted()
	next := slices.Clone(s.start)
	s.rank, s.added, s.deleted, s.ident = make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)
	for k, i := range v.byTime {
		if x.IsMerge(int(i)) {
			continue
		}
		lo, hi := x.Changes(int(i))
		logs.fill(k, x.ChangePath[lo:hi])
		for j := lo; j < hi; j++ {
			p := x.ChangePath[j]
			e := next[p]
			next[p]++
			s.rank[e], s.ident[e] = uint32(k), v.sortedIdent[k]
			s.added[e], s.deleted[e] = x.ChangeAdded[j], x.ChangeDeleted[j]
			if e > s.start[p] {
				s.added[e] += s.added[e-1]
				s.deleted[e] += s.deleted[e-1]
			}
		}
	}
	s.makeCheckpoints(s.bucketsFor())
	return s
}

// change returns the lines added and deleted by path p's entry e, the
// difference of its running totals and the previous entry's.
func (s *churnSums) change(p, e uint32) (added, deleted uint32) {
	added, deleted = s.added[e], s.deleted[e]
	if e > s.start[p] {
		added -= s.added[e-1]
		deleted -= s.deleted[e-1]
	}
	return added, deleted
}

// window returns the range [first, end) of path p's entries whose time
// ranks are in [lo, hi).
func (s *churnSums) window(p uint32, lo, hi int) (first, end uint32) {
	first = s.start[p]
	if lo > 0 {
		first = s.firstAt(p, lo)
	}
	if hi == s.commits {
		return first, s.stop[p]
	}
	return first, s.firstAt(p, hi)
}

// firstAt returns path p's first entry of time rank r or later (its end
// when none is): a binary search between the checkpoints around r.
func (s *churnSums) firstAt(p uint32, r int) uint32 {
	if r >= s.commits {
		return s.stop[p]
	}
	lo, hi := s.around(p, r)
	k, _ := slices.BinarySearch(s.rank[lo:hi], uint32(r))
	return lo + uint32(k)
}

// around returns the entries of path p between which its first entry of
// time rank r or later lies (r below s.commits): the checkpoints of r's
// bucket, or p's first entry and its end when there are none.
func (s *churnSums) around(p uint32, r int) (lo, hi uint32) {
	if s.buckets == 0 {
		return s.start[p], s.stop[p]
	}
	j := r * s.buckets / s.commits
	n, c := len(s.order), int(s.place[p])
	return s.checkpoint[j*n+c], s.checkpoint[(j+1)*n+c]
}

// maxBuckets bounds the checkpoints per path.
const maxBuckets = 64

// bucketsFor returns how many buckets makeCheckpoints should make: at
// most maxBuckets, about one per 8 entries of the average path, none
// below 2.
func (s *churnSums) bucketsFor() int {
	paths := len(s.start)
	if paths == 0 || s.commits == 0 {
		return 0
	}
	if b := min(maxBuckets, len(s.rank)/(8*paths)); b >= 2 {
		return b
	}
	return 0
}

// makeCheckpoints divides the time ranks into b buckets (none when b is
// 0), bucket j starting at rank ceil(j*commits/b), and notes for each
// path (in path order) the first entry of each bucket or later: a path's entries of a
// window's start are then found among a bucket's few instead of all (the
// binary search over all of a path's entries reads a cache line per
// step).
func (s *churnSums) makeCheckpoints(b int) {
	s.buckets, s.checkpoint = b, nil
	if b == 0 {
		return
	}
	n := len(s.order)
	s.checkpoint = make([]uint32, n*(b+1))
	for r, p := range s.order {
		e := s.start[p]
		for j := range b {
			// The first rank of bucket j: ceil(j*commits/b).
			first := uint32((j*s.commits + b - 1) / b)
			for e < s.stop[p] && s.rank[e] < first {
				e++
			}
			s.checkpoint[j*n+r] = e
		}
		s.checkpoint[b*n+r] = s.stop[p]
	}
}

// totals fills in the totals of the paths keep allows (all when nil) over
// the commits of time ranks [lo, hi). The sums must be exact.
func (s *churnSums) totals(totals []pathTotals, keep []bool, lo, hi int) {
	for _, p := range s.order {
		if keep != nil && !keep[p] {
			continue
		}
		first, end := s.window(p, lo, hi)
		if first == end {
			continue
		}
		added, deleted := s.added[end-1], s.deleted[end-1]
		if first > s.start[p] {
			added -= s.added[first-1]
			deleted -= s.deleted[first-1]
		}
		totals[p] = pathTotals{added: uint64(added), deleted: uint64(deleted), commits: end - first}
	}
}

// churnBySums fills in the churn totals of q's commits for the paths keep
// allows (all when nil): from the running totals of the window, less the
// changes of the identities that the author filter drops; or, when those
// cost more than the ones it keeps, the changes of the kept identities
// alone; or, when what is to visit so is more than a quarter of the
// window's commits (each costs a few cache misses, where authorTotals
// reads about four changes of the window per commit with a branch often
// mispredicted), path by path (see authorTotals). An identity's changes are visited commit by commit, or
// run by run when it has runs (see identRuns) and fewer of them than
// commits in the window.
func (v *View) churnBySums(q *query, totals []pathTotals, keep []bool) {
	sums := v.churnSums()
	lo, hi := v.span(q.from, q.to)
	if q.authors == nil {
		sums.totals(totals, keep, lo, hi)
		return
	}
	cost, kept, dropped := v.visitCosts(q)
	subtract := dropped < kept
	if visit := min(kept, dropped); visit*4 > hi-lo {
		v.authorTotals(totals, keep, lo, hi, q.authors)
		return
	}
	if subtract {
		sums.totals(totals, keep, lo, hi)
	}
	x := v.x
	for id, ok := range q.authors {
		if ok == subtract || cost[id] == 0 {
			continue
		}
		if cost[id] < 0 {
			v.runs.add(totals, keep, id, lo, hi, subtract)
			continue
		}
		for j := range v.identChanges(q, id) {
			p := x.ChangePath[j]
			if keep != nil && !keep[p] {
				continue
			}
			t := &totals[p]
			if subtract {
				t.added -= uint64(x.ChangeAdded[j])
				t.deleted -= uint64(x.ChangeDeleted[j])
				t.commits--
			} else {
				t.added += uint64(x.ChangeAdded[j])
				t.deleted += uint64(x.ChangeDeleted[j])
				t.commits++
			}
		}
	}
}

// identChanges yields the changes (places in the index's change
// columns) of identity id's non-merge commits in q's window.
func (v *View) identChanges(q *query, id int) iter.Seq[int] {
	return func(yield func(int) bool) {
		x := v.x
		from, to := v.identSpan(id, q.from, q.to)
		for _, i := range v.identPos[from:to] {
			if x.IsMerge(int(i)) {
				continue
			}
			lo, hi := x.Changes(int(i))
			for j := lo; j < hi; j++ {
				if !yield(j) {
					return
				}
			}
		}
	}
}

// visitCosts returns what visiting each identity's changes in q's window
// costs (see churnBySums): its commits in the window, or its runs (as
// -runs) when it has runs and fewer of them; and the costs of the
// identities q keeps and of those it drops, added up.
func (v *View) visitCosts(q *query) (cost []int, kept, dropped int) {
	cost = make([]int, len(q.authors))
	for id, ok := range q.authors {
		c := v.identCount(id, q.from, q.to)
		if c > 0 && v.runs.has(id) && v.runs.runs(id) < c {
			c = v.runs.runs(id)
			cost[id] = -c
		} else {
			cost[id] = c
		}
		if ok {
			kept += c
		} else {
			dropped += c
		}
	}
	return cost, kept, dropped
}

// authorTotals fills in the totals of the paths keep allows (all when nil)
// over the commits of time ranks [lo, hi) by the identities authors keeps,
// path by path: from its entries in the window, or when those outside it
// are fewer, from its totals per identity less the entries outside the
// window (see pathIdents; without them, from the window's entries).
func (v *View) authorTotals(totals []pathTotals, keep []bool, lo, hi int, authors []bool) {
	s, pi := v.churnSums(), v.pathIdents()
	bit := identBits(authors)
	for _, p := range s.order {
		if keep != nil && !keep[p] {
			continue
		}
		first, end := s.window(p, lo, hi)
		start, stop := s.start[p], s.stop[p]
		if pi == nil || end-first <= stop-start-(end-first)+pi.stop[p]-pi.start[p] {
			totals[p] = s.sum(p, first, end, authors, pathTotals{}, 1)
			continue
		}
		var t pathTotals
		for k := pi.start[p]; k < pi.stop[p]; k++ {
			b := bit[pi.ident[k]]
			t.added += b * uint64(pi.added[k])
			t.deleted += b * uint64(pi.deleted[k])
			t.commits += uint32(b) * pi.commits[k]
		}
		t = s.sum(p, start, first, authors, t, -1)
		totals[p] = s.sum(p, end, stop, authors, t, -1)
	}
}

// sum adds to t (sign 1) or takes from it (sign -1) path p's entries
// [from, to) by the identities authors keeps.
func (s *churnSums) sum(p, from, to uint32, authors []bool, t pathTotals, sign int) pathTotals {
	for e := from; e < to; e++ {
		if !authors[s.ident[e]] {
			continue
		}
		added, deleted := s.change(p, e)
		t.added += uint64(int64(sign) * int64(added))
		t.deleted += uint64(int64(sign) * int64(deleted))
		t.commits += uint32(sign)
	}
	return t
}

// pathIdents are, per path, the totals of each author identity's changes
// over the whole history (non-merge commits): churn and ownership over a
// window that holds most of a path's changes start from them and take
// away the changes outside it.
type pathIdents struct {
	// Path p's identities are ident[start[p]:stop[p]], with the lines
	// they added and deleted and their commits (paths in path order,
	// like the churn sums').
	start, stop                    []uint32
	ident, added, deleted, commits []uint32
	// distinct[p] says whether path p's identities all have different
	// names.
	distinct []bool
	// Path p's identities with the most lines (added + deleted) are
	// top[p*width:][:tops[p]], places in ident, most lines first: its
	// width first with lines, or all of them with lines when fewer. Who
	// is active on a file (see ActiveShare) is read from them unless the
	// query leaves out all of them, or the last is active too.
	top   []uint32
	tops  []uint8
	width int
}

// topIdents is how many identities with the most lines pathIdents notes
// per path (at most 255).
const topIdents = 8

// pathIdents returns the view's totals per path and identity, made with
// the churn sums; nil when those are not exact (a total would wrap).
func (v *View) pathIdents() *pathIdents {
	v.churnSums()
	return v.idents
}

// buildPathIdents makes the totals per path and identity, noting width
// identities with the most lines per path.
func (v *View) buildPathIdents(s *churnSums, width int) *pathIdents {
	x := v.x
	pi := &pathIdents{start: make([]uint32, len(x.Paths)), stop: make([]uint32, len(x.Paths)), distinct: make([]bool, len(x.Paths)),
		top: make([]uint32, len(x.Paths)*width), tops: make([]uint8, len(x.Paths)), width: width}
	// Count each path's identities, then fill them in. at[id] is 1 +
	// the place of identity id among the current path's, or (while
	// counting) 1 + the path; named[name] is 1 + the last path with an
	// identity of name.
	at, named := make([]uint32, len(x.Idents)), make([]uint32, len(v.names))
	n := uint32(0)
	for _, p := range v.byPath {
		pi.start[p] = n
		pi.distinct[p] = true
		for _, id := range s.ident[s.start[p]:s.stop[p]] {
			if at[id] == uint32(p)+1 {
				continue
			}
			at[id] = uint32(p) + 1
			n++
			if name := v.nameID[id]; named[name] == uint32(p)+1 {
				pi.distinct[p] = false
			} else {
				named[name] = uint32(p) + 1
			}
		}
		pi.stop[p] = n
	}
	pi.ident, pi.added, pi.deleted, pi.commits = make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)
	clear(at)
	for _, p := range v.byPath {
		base, next := pi.start[p], pi.start[p]
		for e := s.start[p]; e < s.stop[p]; e++ {
			id := s.ident[e]
			if at[id] == 0 {
				pi.ident[next] = id
				next++
				at[id] = next - base
			}
			k := base + at[id] - 1
			added, deleted := s.change(p, e)
			pi.added[k] += added
			pi.deleted[k] += deleted
			pi.commits[k]++
		}
		for _, id := range pi.ident[base:next] {
			at[id] = 0
		}
		pi.noteTop(p)
	}
	return pi
}

// lines returns the lines (added + deleted) of identity entry k.
func (pi *pathIdents) lines(k uint32) uint32 { return pi.added[k] + pi.deleted[k] }

// noteTop notes path p's identities with the most lines (an insertion
// into the few kept so far).
func (pi *pathIdents) noteTop(p uint32) {
	w := pi.width
	top := pi.top[int(p)*w : (int(p)+1)*w]
	n := 0
	for k := pi.start[p]; k < pi.stop[p]; k++ {
		lines := pi.lines(k)
		if lines == 0 || (n == w && lines <= pi.lines(top[n-1])) {
			continue
		}
		j := min(n, w-1)
		for ; j > 0 && pi.lines(top[j-1]) < lines; j-- {
			top[j] = top[j-1]
		}
		top[j] = k
		n = min(n+1, w)
	}
	pi.tops[p] = uint8(n)
}
