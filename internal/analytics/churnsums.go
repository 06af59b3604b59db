package analytics

import (
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
	// Path p's entries are [off[p], off[p+1]), one per change, by
	// ascending time rank (the commit's place in View.byTime).
	off, rank []uint32
	// added and deleted are the path's running totals up to and with
	// each entry, modulo 2^32: differences give each change's lines
	// exactly, and a window's totals when exact.
	added, deleted []uint32
	// ident is the author identity of each entry's commit.
	ident []uint32
	// exact reports that no path's total reaches 2^32 lines, so that
	// differences of running totals are a window's totals.
	exact bool
}

// churnSums returns the view's running totals, built by the first call
// (a quarter of a second at a million commits: only churn, ownership and
// coupling need them), or nil when line statistics are pending.
func (v *View) churnSums() *churnSums {
	v.sumsOnce.Do(func() { v.sums = v.buildChurnSums() })
	return v.sums
}

func (v *View) buildChurnSums() *churnSums {
	x := v.x
	if !v.stats {
		return nil
	}
	s := &churnSums{off: make([]uint32, len(x.Paths)+1), exact: true}
	addedTotal, deletedTotal := make([]uint64, len(x.Paths)), make([]uint64, len(x.Paths))
	for i := range x.Len() {
		if x.IsMerge(i) {
			continue
		}
		lo, hi := x.Changes(i)
		for j := lo; j < hi; j++ {
			p := x.ChangePath[j]
			s.off[p+1]++
			addedTotal[p] += uint64(x.ChangeAdded[j])
			deletedTotal[p] += uint64(x.ChangeDeleted[j])
		}
	}
	for p := range x.Paths {
		if addedTotal[p] > math.MaxUint32 || deletedTotal[p] > math.MaxUint32 {
			s.exact = false
		}
		s.off[p+1] += s.off[p]
	}
	next := slices.Clone(s.off[:len(x.Paths)])
	n := s.off[len(x.Paths)]
	s.rank, s.added, s.deleted, s.ident = make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)
	for k, i := range v.byTime {
		if x.IsMerge(int(i)) {
			continue
		}
		lo, hi := x.Changes(int(i))
		for j := lo; j < hi; j++ {
			p := x.ChangePath[j]
			e := next[p]
			next[p]++
			s.rank[e], s.ident[e] = uint32(k), v.sortedIdent[k]
			s.added[e], s.deleted[e] = x.ChangeAdded[j], x.ChangeDeleted[j]
			if e > s.off[p] {
				s.added[e] += s.added[e-1]
				s.deleted[e] += s.deleted[e-1]
			}
		}
	}
	return s
}

// window returns the range [first, end) of path p's entries whose time
// ranks are in [lo, hi).
func (s *churnSums) window(p uint32, lo, hi int) (first, end uint32) {
	start := s.off[p]
	ranks := s.rank[start:s.off[p+1]]
	a, _ := slices.BinarySearch(ranks, uint32(lo))
	b, _ := slices.BinarySearch(ranks[a:], uint32(hi))
	return start + uint32(a), start + uint32(a+b)
}

// lines returns the lines added + deleted (modulo 2^32) by entry e of
// path p.
func (s *churnSums) lines(p, e uint32) uint32 {
	n := s.added[e] + s.deleted[e]
	if e > s.off[p] {
		n -= s.added[e-1] + s.deleted[e-1]
	}
	return n
}

// totals fills in the totals of the paths keep allows (all when nil) over
// the commits of time ranks [lo, hi). The sums must be exact.
func (s *churnSums) totals(totals []pathTotals, keep []bool, lo, hi int) {
	for p := range totals {
		if keep != nil && !keep[p] {
			continue
		}
		first, end := s.window(uint32(p), lo, hi)
		if first == end {
			continue
		}
		added, deleted := s.added[end-1], s.deleted[end-1]
		if first > s.off[p] {
			added -= s.added[first-1]
			deleted -= s.deleted[first-1]
		}
		totals[p] = pathTotals{added: uint64(added), deleted: uint64(deleted), commits: end - first}
	}
}

// churnBySums fills in the churn totals of q's commits for the paths keep
// allows (all when nil): from the running totals of the window, less the
// changes of the commits that the author filter drops; or, when those are
// more than the ones it keeps, the changes of the kept commits alone.
func (v *View) churnBySums(q *query, totals []pathTotals, keep []bool) {
	sums := v.churnSums()
	lo, hi := v.span(q.from, q.to)
	if q.authors == nil {
		sums.totals(totals, keep, lo, hi)
		return
	}
	kept := 0
	for a, ok := range q.authors {
		if ok {
			kept += v.identCount(a, q.from, q.to)
		}
	}
	subtract := kept >= hi-lo-kept
	if subtract {
		sums.totals(totals, keep, lo, hi)
	}
	x := v.x
	for a, ok := range q.authors {
		if ok == subtract {
			continue
		}
		from, to := v.identSpan(a, q.from, q.to)
		for _, i := range v.identPos[from:to] {
			if x.IsMerge(int(i)) {
				continue
			}
			clo, chi := x.Changes(int(i))
			for j := clo; j < chi; j++ {
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
}
