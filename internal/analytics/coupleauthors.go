package analytics

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// authorLists are the entries of the pair lists of the commits of one of
// the identities with the most commits, apart: coupling filtered to a
// few identities reads the entries of those among them that have lists,
// and the commits of the others (few, see coupleAuthors), instead of
// every entry of the window.
type authorLists struct {
	// ident is the identity.
	ident uint32
	// The entries of the path of rank r are [start[r], start[r+1]), by
	// ascending time rank (rank[e]); head[e] and the partners are those
	// of the pair lists, but for the order of each entry's partners and
	// the head's cuts: by how often the identities with lists changed
	// them with the path together, over the whole history. Identities
	// with lists change a pair together at most as often as they all
	// do, so a query of some of them reads no more partners than that
	// count allows, fewer than the whole history's count would.
	start, rank, head []uint32
	// base[e/16] is the place in the partners of the first partner of
	// entry e when e is a multiple of 16 (see pairLists.base).
	base     []uint32
	partners partnerList
	// files are the file counts of the identity's commits, in the order
	// of View.identPos (see pairLists.files), with their running counts
	// fileRuns (see fileRunCounts).
	files    []uint8
	fileRuns []uint32
}

// authorListShare bounds the identities that get author lists: each has
// one commit in authorListShare at least, and all of them together
// change half the entries at most.
const authorListShare = 32

// buildAuthorLists makes the author lists of the identities with the
// most commits (see authorListShare), in one pass over the entries.
func (v *View) buildAuthorLists(pl *pairLists) []*authorLists {
	s := pl.sums
	entries := make([]int, len(v.lowerName))
	for _, a := range s.ident {
		entries[a]++
	}
	idents := make([]uint32, 0, len(entries))
	for a, n := range entries {
		if n > 0 && (v.identOff[a+1]-v.identOff[a])*authorListShare >= uint32(len(v.byTime)) {
			idents = append(idents, uint32(a))
		}
	}
	slices.SortFunc(idents, func(a, b uint32) int { return cmp.Or(cmp.Compare(entries[b], entries[a]), cmp.Compare(a, b)) })
	// slot[a] is 1 + the place of identity a's lists.
	slot := make([]int, len(entries))
	var lists []*authorLists
	sum := 0
	for _, a := range idents {
		if sum += entries[a]; 2*sum > len(s.ident) {
			break
		}
		slot[a] = len(lists) + 1
		lists = append(lists, &authorLists{ident: a, start: make([]uint32, len(v.byPath)+1)})
	}
	if len(lists) == 0 {
		return nil
	}
	// Each list's entries and partners before those of the path of rank
	// r are start[r] and places[k][r], counted, then filled in, over the
	// paths of two halves of the work side by side.
	places := make([][]uint32, len(lists))
	for k := range lists {
		places[k] = make([]uint32, len(v.byPath)+1)
	}
	n := len(v.byPath)
	mid, _ := slices.BinarySearch(pl.work, pl.work[n]/2)
	halves := func(do func(r0, r1 int)) {
		var wg sync.WaitGroup
		wg.Go(func() { do(mid, n) })
		do(0, mid)
		wg.Wait()
	}
	halves(func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			p := v.byPath[r]
			for e := s.start[p]; e < s.stop[p]; e++ {
				if k := slot[s.ident[e]]; k > 0 {
					lists[k-1].start[r+1]++
					places[k-1][r+1] += pl.head[e] >> headLen & 63
				}
			}
		}
	})
	for k, l := range lists {
		for r := range n {
			l.start[r+1] += l.start[r]
			places[k][r+1] += places[k][r]
		}
		l.rank, l.head = make([]uint32, l.start[n]), make([]uint32, l.start[n])
		l.partners = makePartnerList(int(places[k][n]), pl.partners.isWide())
	}
	halves(func(r0, r1 int) {
		next, at := make([]uint32, len(lists)), make([]uint32, len(lists))
		for k, l := range lists {
			next[k], at[k] = l.start[r0], places[k][r0]
		}
		o := listOrder{shared: make([]uint32, len(v.byPath))}
		for r := r0; r < r1; r++ {
			p := v.byPath[r]
			from := uint64(pl.partnerAt(s.start[p]))
			for e := s.start[p]; e < s.stop[p]; e++ {
				h := pl.head[e]
				m := uint64(h >> headLen & 63)
				if k := slot[s.ident[e]] - 1; k >= 0 {
					l := lists[k]
					l.rank[next[k]], l.head[next[k]] = s.rank[e], h
					next[k]++
					l.partners.copyAt(uint64(at[k]), pl.partners, from, m)
					at[k] += uint32(m)
				}
				from += m
			}
			o.sort(lists, places, r)
		}
	})
	for _, l := range lists {
		l.base = partnerBases(l.head)
		l.files = make([]uint8, v.identOff[l.ident+1]-v.identOff[l.ident])
		for j, i := range v.identPos[v.identOff[l.ident]:v.identOff[l.ident+1]] {
			l.files[j] = v.fileCount(int(i))
		}
		l.fileRuns = fileRunCounts(l.files)
	}
	return lists
}

// listOrder puts the partners of the author lists' entries of a path in
// order of how often the identities with lists changed them with it,
// together (see authorLists).
type listOrder struct {
	// shared[b] counts the commits of those identities that changed the
	// path at hand with the path of rank b; touched are the paths met.
	shared, touched []uint32
	// entry holds an entry's partners while they are put in order.
	entry []uint32
	class [4][maxPairFiles]uint32
}

// sort orders the partners of every list's entries of the path of rank r
// (whose first partner in list k is places[k][r]) and sets their heads'
// cuts.
func (o *listOrder) sort(lists []*authorLists, places [][]uint32, r int) {
	o.touched = o.touched[:0]
	for k, l := range lists {
		for j := uint64(places[k][r]); j < uint64(places[k][r+1]); j++ {
			b := l.partners.at(j)
			if o.shared[b] == 0 {
				o.touched = append(o.touched, b)
			}
			o.shared[b]++
		}
	}
	for k, l := range lists {
		at := uint64(places[k][r])
		for e := l.start[r]; e < l.start[r+1]; e++ {
			m := uint64(l.head[e] >> headLen & 63)
			o.entry = o.entry[:0]
			for j := at; j < at+m; j++ {
				o.entry = append(o.entry, l.partners.at(j))
			}
			l.head[e] = l.head[e]&(1<<headCut2-1) | orderPartners(o.entry, o.shared, &o.class, l.partners, at)
			at += m
		}
	}
	for _, b := range o.touched {
		o.shared[b] = 0
	}
}

// partnerBases returns the place of the first partner of every 16th
// entry of heads.
func partnerBases(heads []uint32) []uint32 {
	base := make([]uint32, (len(heads)+15)/16)
	at := uint32(0)
	for e, h := range heads {
		if e%16 == 0 {
			base[e/16] = at
		}
		at += h >> headLen & 63
	}
	return base
}

// partnerPlace returns the place of entry e's first partner, given the
// heads and their bases.
func partnerPlace(heads, base []uint32, e uint32) uint32 {
	at := base[e/16]
	for _, h := range heads[e&^15 : e] {
		at += h >> headLen & 63
	}
	return at
}

// window returns the range [first, end) of the entries of the path of
// rank r whose time ranks are in [lo, hi), of commits commits in all.
func (l *authorLists) window(r, lo, hi, commits int) (first, end uint32) {
	first, end = l.start[r], l.start[r+1]
	if lo > 0 {
		k, _ := slices.BinarySearch(l.rank[first:end], uint32(lo))
		first += uint32(k)
	}
	if hi < commits {
		k, _ := slices.BinarySearch(l.rank[first:end], uint32(hi))
		end = first + uint32(k)
	}
	return first, end
}

// fewerCommits are the counted commits of the identities that a coupling
// query keeps and that have no author lists, few: their listed files by
// path rank, each commit's files ascending, then math.MaxUint32, and for
// each path rank the places in files of its occurrences but the last of
// a commit (after[afterN[r]:afterN[r+1]]).
type fewerCommits struct {
	files, after, afterN []uint32
	// commits[p] counts the commits of path id p; counted those with a
	// listed file.
	commits []uint32
	counted int
}

// authorPlan returns the author lists of the identities q keeps, and
// reports whether coupling should read them and the commits of the
// other identities it keeps: when q keeps an identity with lists, and
// the others have fewer than one commit in 32 of the window's.
func (v *View) authorPlan(pl *pairLists, q *query, lo, hi int) ([]*authorLists, bool) {
	if q.authors == nil || len(pl.authors) == 0 {
		return nil, false
	}
	var lists []*authorLists
	has := make([]bool, len(q.authors))
	for _, l := range pl.authors {
		if q.authors[l.ident] {
			lists = append(lists, l)
			has[l.ident] = true
		}
	}
	if len(lists) == 0 {
		return nil, false
	}
	others := 0
	for a, ok := range q.authors {
		if ok && !has[a] {
			others += v.identCount(a, q.from, q.to)
		}
	}
	return lists, others*32 < hi-lo
}

// fewerCommits lists the counted commits of the identities q keeps that
// have no lists among lists: non-merge, at most maxFiles files.
func (v *View) fewerCommits(q *query, lists []*authorLists, keep []bool, maxFiles int) *fewerCommits {
	x := v.x
	has := make([]bool, len(q.authors))
	for _, l := range lists {
		has[l.ident] = true
	}
	fc := &fewerCommits{commits: make([]uint32, len(x.Paths)), afterN: make([]uint32, len(x.Paths)+1)}
	const end = math.MaxUint32
	for a, ok := range q.authors {
		if !ok || has[a] {
			continue
		}
		lo, hi := v.identSpan(a, q.from, q.to)
		for _, i := range v.identPos[lo:hi] {
			if x.IsMerge(int(i)) {
				continue
			}
			clo, chi := x.Changes(int(i))
			if chi-clo > maxFiles {
				continue
			}
			start := len(fc.files)
			for _, p := range x.ChangePath[clo:chi] {
				if keep == nil || keep[p] {
					fc.commits[p]++
					fc.files = append(fc.files, v.pathRank[p])
				}
			}
			if len(fc.files) > start {
				fc.counted++
			}
			if len(fc.files)-start < 2 {
				fc.files = fc.files[:start]
				continue
			}
			slices.Sort(fc.files[start:])
			for _, r := range fc.files[start : len(fc.files)-1] {
				fc.afterN[r+1]++
			}
			fc.files = append(fc.files, end)
		}
	}
	for r := range x.Paths {
		fc.afterN[r+1] += fc.afterN[r]
	}
	fc.after = make([]uint32, fc.afterN[len(x.Paths)])
	next := slices.Clone(fc.afterN[:len(x.Paths)])
	for k := 0; k < len(fc.files); k++ {
		if fc.files[k+1] != end {
			r := fc.files[k]
			fc.after[next[r]] = uint32(k)
			next[r]++
		} else {
			k++ // past the commit's last file and its end
		}
	}
	return fc
}
