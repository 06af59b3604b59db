package analytics

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// maxPairFiles is the most files of a commit whose pairs the pair lists
// hold: coupling with a larger MaxFiles reads the window's commits.
const maxPairFiles = 64

// Fields of a pairLists head, each 6 bits wide but the first (7): the
// number of files of the entry's commit (at most 127), its number of
// partners, and how many of them were changed with its file by 2, 3 and
// 5 commits at least over the whole history.
const (
	headLen  = 7
	headCut2 = 13
	headCut3 = 19
	headCut5 = 25
)

// pairLists hold, for every change of a non-merge commit of at most
// maxPairFiles files (an entry of the churn sums), its partners: the
// files of its commit after its own in path order. Coupling then reads,
// file by file, the files each one was changed with, front to back, and
// counts them in a table of one counter per file, instead of finding the
// pairs of each commit of the window.
type pairLists struct {
	sums *churnSums
	// head[e] describes entry e (see headLen and after).
	head []uint32
	// base[e/16] is the place in the partners of the first partner of
	// entry e when e is a multiple of 16: the others add up the lengths
	// of the entries before them.
	base []uint32
	// The partners of each entry, by path rank, those changed with it
	// most often over the whole history first (so that pairs changed
	// together too rarely to reach MinShared are not read, see the head's
	// cuts).
	partners partnerList
	// files[k] is the number of files of the commit of time rank k, at
	// most 255; 0 for a merge (or a commit of no file).
	files []uint8
	// fileRuns are the running counts of files (see fileRunCounts).
	fileRuns []uint32
	// work[r] is the number of entries and partners of the paths of
	// ranks below r, to share the paths between two goroutines.
	work []uint64
	// whole answers over the whole history without filters.
	whole wholeTables
	// often answers over the whole history with a file filter only.
	often oftenPairs
	// authors are the author lists of the identities with the most
	// commits.
	authors []*authorLists
}

// maxTableShared is the largest MinShared wholeTables count pairs for.
const maxTableShared = 8

// frequentShared is how many commits of at most maxPairFiles files must
// have changed a pair together over the whole history for wholeTables
// to list it.
const frequentShared = 64

// wholeTables answer coupling over the whole history without an author
// or file filter: the number of pairs that reach MinShared is read from
// a table, and the pairs listed are among those changed together most
// often.
type wholeTables struct {
	// pairsAt[m-1][n] counts the pairs whose m-th commit, by file count
	// (fewest first), has n files: the pairs changed together by m
	// commits of at most M files are those of pairsAt[m-1][:M+1].
	pairsAt [maxTableShared][maxPairFiles + 1]int
	// frequent is how many commits changed each frequent pair together
	// at least (frequentShared but in tests). Frequent pair k is of paths of ranks freqA[k] < freqB[k]; the file counts
	// of its commits are freqFiles[freqOff[k]:freqOff[k+1]], ascending.
	frequent              uint32
	freqA, freqB, freqOff []uint32
	freqFiles             []uint8
	// commitFiles[n] counts the non-merge commits of n files (at most
	// 255).
	commitFiles [256]int
}

// pairShape chooses how pair lists are made: the views' is
// defaultPairShape, tests use others to reach every part of the code.
type pairShape struct {
	// frequent is how many commits must have changed a pair together
	// for wholeTables to list it.
	frequent uint32
	// wide stores the partners in 32 bits however few the paths.
	wide bool
}

// defaultPairShape is the shape of a view's pair lists.
var defaultPairShape = pairShape{frequent: frequentShared}

// pairLists returns the view's pair lists, made on first use (with the
// churn sums); nil when line statistics (which hold each commit's files)
// are pending, or when the pairs are too many for 32-bit places.
func (v *View) pairLists() *pairLists {
	v.pairsOnce.Do(func() {
		if s := v.churnSums(); s != nil {
			v.pairs = v.buildPairLists(s, defaultPairShape)
		}
	})
	return v.pairs
}

// buildPairLists makes the pair lists: the partners of each path are
// counted from the commits, then filled in path by path, half of the
// paths in another goroutine.
func (v *View) buildPairLists(s *churnSums, shape pairShape) *pairLists {
	x := v.x
	pl := &pairLists{sums: s, head: make([]uint32, len(s.rank)), files: make([]uint8, len(v.byTime)),
		work: make([]uint64, len(x.Paths)+1)}
	cf := v.commitFiles(pl)
	// work first counts each path's partners: a file has as many in a
	// commit as the commit has files after it.
	for k := range v.byTime {
		r := cf.ranks[cf.off[k]:cf.off[k+1]]
		for j, rank := range r {
			pl.work[rank+1] += uint64(len(r) - 1 - j)
		}
	}
	for r := range x.Paths {
		pl.work[r+1] += pl.work[r]
	}
	total := pl.work[len(x.Paths)]
	if total > math.MaxUint32 {
		return nil // places in the partners are 32 bits: coupling reads the commits
	}
	pl.partners = makePartnerList(int(total), len(x.Paths) > 1<<16 || shape.wide)
	mid, _ := slices.BinarySearch(pl.work, total/2)
	var wg sync.WaitGroup
	var upper wholeTables
	var upperOften oftenPairs
	start := make([]uint32, len(x.Paths)+1)
	wg.Go(func() { upper, upperOften = v.fillPartners(pl, cf, shape.frequent, mid, len(x.Paths), start) })
	pl.whole, pl.often = v.fillPartners(pl, cf, shape.frequent, 0, mid, start)
	wg.Wait()
	pl.whole.add(&upper)
	pl.often.start = start
	pl.often.add(&upperOften, pl.partners.isWide())
	pl.whole.frequent = shape.frequent
	for _, n := range pl.files {
		pl.whole.commitFiles[n]++
	}
	pl.whole.commitFiles[0] = 0 // merges, and commits of no file
	pl.fileRuns = fileRunCounts(pl.files)
	pl.base = partnerBases(pl.head)
	pl.authors = v.buildAuthorLists(pl)
	// From now on, work counts each path's entries too (the entries lie
	// in path order).
	for r, p := range v.byPath {
		pl.work[r+1] += uint64(s.stop[p])
	}
	return pl
}

// commitRanks are the files of each commit by time rank: those of the
// commit of time rank k are ranks[off[k]:off[k+1]], path ranks in
// ascending order; none for a merge or a commit of one file or of more
// than maxPairFiles.
type commitRanks struct {
	off, ranks []uint32
}

// commitFiles lists the files of each commit by time rank, and fills in
// pl.files.
func (v *View) commitFiles(pl *pairLists) commitRanks {
	x := v.x
	cf := commitRanks{off: make([]uint32, len(v.byTime)+1)}
	for k, i := range v.byTime {
		if x.IsMerge(int(i)) {
			cf.off[k+1] = uint32(len(cf.ranks))
			continue
		}
		lo, hi := x.Changes(int(i))
		pl.files[k] = v.fileCount(int(i))
		if hi-lo >= 2 && hi-lo <= maxPairFiles {
			at := len(cf.ranks)
			for _, p := range x.ChangePath[lo:hi] {
				cf.ranks = append(cf.ranks, v.pathRank[p])
			}
			slices.Sort(cf.ranks[at:])
		}
		cf.off[k+1] = uint32(len(cf.ranks))
	}
	return cf
}

// add adds the tables of other paths.
func (t *wholeTables) add(o *wholeTables) {
	for m := range t.pairsAt {
		for n := range t.pairsAt[m] {
			t.pairsAt[m][n] += o.pairsAt[m][n]
		}
	}
	base := uint32(len(t.freqFiles))
	t.freqA, t.freqB = append(t.freqA, o.freqA...), append(t.freqB, o.freqB...)
	for _, off := range o.freqOff[1:] {
		t.freqOff = append(t.freqOff, base+off)
	}
	t.freqFiles = append(t.freqFiles, o.freqFiles...)
}

// oftenShared is how many commits of at most maxPairFiles files must have
// changed a pair together over the whole history for oftenPairs to list
// it.
const oftenShared = 3

// oftenPairs are the pairs of files changed together by oftenShared
// commits at least over the whole history (of at most maxPairFiles
// files each), path by path, to answer coupling with a file filter but
// no author filter over the whole history (see coupleOften): those of
// the path of rank r are [start[r], start[r+1]), the most shared first
// (then by rank), pair k of the paths of ranks r and partners.at(k)
// (after r), changed together by the commits of file counts files[off[k]:
// off[k+1]], ascending.
type oftenPairs struct {
	start, off []uint32
	partners   partnerList
	files      []uint8
	// partner are the partners while the pairs are made.
	partner []uint32
}

// add adds the pairs of the paths after those of p, made apart, and
// turns start from counts of pairs into places; the partners go into
// a partnerList as wide as the pair lists'.
func (p *oftenPairs) add(o *oftenPairs, wide bool) {
	n := len(p.partner) + len(o.partner)
	p.partners = makePartnerList(n, wide)
	for k, b := range slices.Concat(p.partner, o.partner) {
		p.partners.set(uint64(k), b)
	}
	p.partner = nil
	off := make([]uint32, 0, n+1)
	off = append(off, p.off...)
	base := uint32(len(p.files))
	for _, k := range o.off[1:] {
		off = append(off, base+k)
	}
	p.off = off
	p.files = slices.Concat(p.files, o.files)
	for r := range len(p.start) - 1 {
		p.start[r+1] += p.start[r]
	}
}

// partnerList holds partners, path ranks, in 16 bits each (narrow)
// when there are at most 1<<16 paths, else (or in a test's wide shape)
// in 32 (wide): one of the two is set.
type partnerList struct {
	narrow []uint16
	wide   []uint32
}

// makePartnerList returns a partnerList of n partners, 32 bits each with
// wide.
func makePartnerList(n int, wide bool) partnerList {
	if wide {
		return partnerList{wide: make([]uint32, n)}
	}
	return partnerList{narrow: make([]uint16, n)}
}

// isWide reports whether the partners are 32 bits each.
func (l partnerList) isWide() bool {
	return l.narrow == nil
}

// at returns the partner at place i.
func (l partnerList) at(i uint64) uint32 {
	if l.narrow != nil {
		return uint32(l.narrow[i])
	}
	return l.wide[i]
}

// set sets the partner at place i to path rank b.
func (l partnerList) set(i uint64, b uint32) {
	if l.narrow != nil {
		l.narrow[i] = uint16(b)
	} else {
		l.wide[i] = b
	}
}

// copyAt copies the n partners of src from place from to place at of l,
// which is as wide.
func (l partnerList) copyAt(at uint64, src partnerList, from, n uint64) {
	if l.narrow != nil {
		copy(l.narrow[at:], src.narrow[from:from+n])
	} else {
		copy(l.wide[at:], src.wide[from:from+n])
	}
}

// fillPartners fills in the heads and partners of the entries of the
// paths of ranks [r0, r1), and returns their whole tables but for
// commitFiles, and their often changed pairs (their counts in
// oftenN[r+1] for the path of rank r, see oftenPairs.add). The commits are read once, in
// time order, each file's partners written at the end of its path's so
// far; then each path's partners are counted and put in order, all of
// them close together.
func (v *View) fillPartners(pl *pairLists, cf commitRanks, frequent uint32, r0, r1 int, oftenN []uint32) (wholeTables, oftenPairs) {
	s := pl.sums
	t := wholeTables{freqOff: []uint32{0}}
	often := oftenPairs{off: []uint32{0}}
	// next[r-r0] is the next entry of the path of rank r, at[r-r0] the
	// place of its next partner.
	next, at := make([]uint32, r1-r0), make([]uint64, r1-r0)
	for r := r0; r < r1; r++ {
		next[r-r0], at[r-r0] = s.start[v.byPath[r]], pl.work[r]
	}
	for k := range v.byTime {
		list := cf.ranks[cf.off[k]:cf.off[k+1]]
		for j, r := range list {
			if int(r) < r0 || int(r) >= r1 {
				continue
			}
			e := next[int(r)-r0]
			for s.rank[e] < uint32(k) {
				e++
			}
			next[int(r)-r0] = e + 1
			after := list[j+1:]
			pl.head[e] = uint32(len(after)) << headLen
			for i, b := range after {
				pl.partners.set(at[int(r)-r0]+uint64(i), b)
			}
			at[int(r)-r0] += uint64(len(after))
		}
	}
	// shared[b] is how often the path at hand was changed with the path
	// of rank b, freq[b] 1 + its place among the frequent pairs.
	shared, freq := make([]uint32, len(v.byPath)), make([]uint32, len(v.byPath))
	// oft[b] is 1 + the place among the path's often changed pairs of
	// the pair with the path of rank b.
	oft := make([]uint32, len(v.byPath))
	var oftKeys []uint64
	touched := make([]uint32, len(v.byPath))
	// pairsAt is t.pairsAt with a row for the pairs past maxTableShared.
	var pairsAt [maxTableShared + 1][maxPairFiles + 1]int
	// The path's partners: those of its entry start+j are list[off[j]:
	// off[j+1]].
	var list []uint32
	var off []int
	// byFiles lists the path's entries with partners by their commits'
	// file counts (above 32 bits).
	var byFiles []uint64
	var class [4][maxPairFiles]uint32
	for r := r0; r < r1; r++ {
		p := v.byPath[r]
		start, stop := s.start[p], s.stop[p]
		list, off, byFiles = list[:0], append(off[:0], 0), byFiles[:0]
		for i := pl.work[r]; i < pl.work[r+1]; i++ {
			list = append(list, pl.partners.at(i))
		}
		for e := start; e < stop; e++ {
			length := int(pl.head[e] >> headLen)
			if length > 0 {
				byFiles = append(byFiles, uint64(pl.files[s.rank[e]])<<32|uint64(e-start))
			}
			off = append(off, off[len(off)-1]+length)
		}
		partners := func(j uint64) []uint32 { return list[off[uint32(j)]:off[uint32(j)+1]] }
		slices.Sort(byFiles)
		// Counting the pairs by file count, fewest first, finds the
		// file count of each one's m-th commit.
		nt := 0
		for _, fe := range byFiles {
			n := fe >> 32
			for _, b := range partners(fe) {
				g := shared[b]
				touched[nt] = b
				nt += int((g|-g)>>31 ^ 1) // g == 0
				shared[b] = g + 1
				pairsAt[min(g, maxTableShared)][n]++
			}
		}
		met := touched[:nt]
		first := len(t.freqA)
		for _, b := range met {
			if shared[b] >= frequent {
				t.freqA, t.freqB = append(t.freqA, uint32(r)), append(t.freqB, b)
				t.freqOff = append(t.freqOff, t.freqOff[len(t.freqOff)-1]+shared[b])
				freq[b] = uint32(len(t.freqA))
			}
		}
		if len(t.freqA) > first {
			at := slices.Clone(t.freqOff[first : len(t.freqOff)-1])
			t.freqFiles = append(t.freqFiles, make([]uint8, t.freqOff[len(t.freqOff)-1]-t.freqOff[first])...)
			fillFileCounts(byFiles, partners, freq, uint32(first), at, t.freqFiles)
		}
		// The often changed pairs, most shared first (the complement of
		// their shared commits above 32 bits), then by rank.
		oftKeys = oftKeys[:0]
		for _, b := range met {
			if g := shared[b]; g >= oftenShared {
				oftKeys = append(oftKeys, uint64(^g)<<32|uint64(b))
			}
		}
		slices.Sort(oftKeys)
		oftenN[r+1] = uint32(len(oftKeys))
		oftFirst := len(often.off) - 1
		for k, key := range oftKeys {
			b := uint32(key)
			often.partner = append(often.partner, b)
			often.off = append(often.off, often.off[len(often.off)-1]+shared[b])
			oft[b] = uint32(k + 1)
		}
		if len(oftKeys) > 0 {
			at := slices.Clone(often.off[oftFirst : len(often.off)-1])
			often.files = append(often.files, make([]uint8, often.off[len(often.off)-1]-often.off[oftFirst])...)
			fillFileCounts(byFiles, partners, oft, 0, at, often.files)
			for _, key := range oftKeys {
				oft[uint32(key)] = 0
			}
		}
		// Each entry's partners by how often they were changed together.
		w := pl.work[r]
		for e := start; e < stop; e++ {
			list := partners(uint64(e - start))
			pl.head[e] |= uint32(min(pl.files[s.rank[e]], 127)) | orderPartners(list, shared, &class, pl.partners, w)
			w += uint64(len(list))
		}
		for _, b := range met {
			shared[b], freq[b] = 0, 0
		}
	}
	copy(t.pairsAt[:], pairsAt[:maxTableShared])
	return t, often
}

// orderPartners writes an entry's partners to dst from place w, by how
// often each was changed with the entry's path (shared, by path rank):
// five times or more, three or four, twice, once; and returns the head's
// cut fields that count them (see headCut2).
func orderPartners(partners, shared []uint32, class *[4][maxPairFiles]uint32, dst partnerList, w uint64) uint32 {
	var n [4]int
	for _, b := range partners {
		g := shared[b]
		c := 3 - atLeast(g, 2) - atLeast(g, 3) - atLeast(g, 5)
		class[c][n[c]] = b
		n[c]++
	}
	for c := range class {
		for _, b := range class[c][:n[c]] {
			dst.set(w, b)
			w++
		}
	}
	cut2, cut3, cut5 := n[0]+n[1]+n[2], n[0]+n[1], n[0]
	return uint32(cut2)<<headCut2 | uint32(cut3)<<headCut3 | uint32(cut5)<<headCut5
}

// fillFileCounts writes the file counts of a path's entries with
// partners, byFiles (their file counts above 32 bits, ascending, and
// their places, see partners), into out for the pairs place marks: the
// partner of rank b is pair place[b]-1-first (none when place[b] is 0),
// whose next file count goes to out[at[pair]].
func fillFileCounts(byFiles []uint64, partners func(j uint64) []uint32, place []uint32, first uint32, at []uint32, out []uint8) {
	for _, fe := range byFiles {
		for _, b := range partners(fe) {
			if k := place[b]; k > 0 {
				out[at[k-1-first]] = uint8(fe >> 32)
				at[k-1-first]++
			}
		}
	}
}

// atLeast returns 1 when g >= n, else 0 (both below 1<<31), without a
// branch.
func atLeast(g, n uint32) uint32 {
	return (n - 1 - g) >> 31
}

// partnerAt returns the place of entry e's first partner.
func (pl *pairLists) partnerAt(e uint32) uint32 {
	return partnerPlace(pl.head, pl.base, e)
}

// pairCount is a pair of files (path ranks, a before b) and its shared
// commits while coupling's answer is found.
type pairCount struct {
	a, b, shared uint32
}

// pairCounter is one coupling query over the pair lists.
type pairCounter struct {
	v  *View
	pl *pairLists
	// lo and hi are the window's time ranks; authors is the author
	// filter (nil: everyone), keep and keepRank the files listed by path
	// id and by rank (nil: every file).
	lo, hi         int
	authors        []bool
	keep, keepRank []bool
	maxFiles       uint32
	minShared      uint32
	limit          int
	// commits[p] gets the counted commits of listed path p.
	commits []uint32
	// lists, when not nil, are the author lists read instead of the
	// pair lists (then with fewer, the commits of the identities kept
	// without lists).
	lists []*authorLists
	fewer *fewerCommits
}

// pairWorker counts the pairs of the paths of one range of ranks.
type pairWorker struct {
	// pairs counts the pairs changed together by MinShared counted
	// commits at least, singles those that were changed together once
	// over the whole history (when MinShared is 1 and they are not
	// read one by one).
	pairs, singles int
	// cands holds the pairs that may be listed: those that share the
	// most commits, at least cut, pruned when they are pruneAt.
	cands   []pairCount
	cut     uint32
	pruneAt int
	// seen marks the time ranks of counted commits (with a file filter).
	seen []uint64
	// touch is what reading partner lists ahead gave, kept so that the
	// reads are made.
	touch uint32
}

// couplePairs fills in d's pairs and summary from the pair lists: keep
// (nil: every file) says per path whether the filter lists it.
func (v *View) couplePairs(pl *pairLists, q *query, keep []bool, opts CouplingOptions, d *CouplingData) {
	c := &pairCounter{v: v, pl: pl, authors: q.authors, keep: keep, maxFiles: uint32(opts.MaxFiles),
		minShared: uint32(opts.MinShared), limit: opts.Limit, commits: make([]uint32, len(v.byPath))}
	c.lo, c.hi = v.span(q.from, q.to)
	if lists, ok := v.authorPlan(pl, q, c.lo, c.hi); ok {
		c.lists, c.fewer = lists, v.fewerCommits(q, lists, keep, opts.MaxFiles)
	}
	if keep != nil {
		c.keepRank = make([]bool, len(keep))
		for p, ok := range keep {
			c.keepRank[v.pathRank[p]] = ok
		}
	}
	// Pairs changed together once over the whole history are counted,
	// not read, unless the pairs listed may share one commit.
	singles := c.minShared == 1
	w := c.run(singles)
	top := v.topPairs(w, c.commits, opts.Limit)
	if singles && w[0].singles+w[1].singles > 0 && (len(top) < opts.Limit || top[len(top)-1].shared < 2) {
		w = c.run(false)
		top = v.topPairs(w, c.commits, opts.Limit)
	}
	d.Summary.Pairs = w[0].pairs + w[1].pairs + w[0].singles + w[1].singles
	d.Summary.BulkCommits, d.Summary.Commits = v.commitCounts(pl, q, c.lo, c.hi, opts.MaxFiles)
	if keep != nil {
		n := 0
		for k, word := range w[0].seen {
			n += bits.OnesCount64(word | w[1].seen[k])
		}
		if c.fewer != nil {
			n += c.fewer.counted
		}
		d.Summary.Commits = n
	}
	v.listPairs(top, d)
}

// listPairs lists the pairs of top in d, whose summary is filled in.
func (v *View) listPairs(top []pairKey, d *CouplingData) {
	x := v.x
	for _, k := range top {
		d.Pairs = append(d.Pairs, CoupledPair{
			Path: x.Paths[k.path], CoupledPath: x.Paths[k.coupled], SharedCommits: int(k.shared),
			PathCommits: int(k.pathCommits), CoupledCommits: int(k.coupledCommits),
			Support:    ratio(int(k.shared), d.Summary.Commits),
			Confidence: ratio(int(k.shared), int(k.pathCommits)), CoupledConfidence: ratio(int(k.shared), int(k.coupledCommits)),
		})
	}
}

// pairChunks is how many runs of paths of about as much work each the
// two goroutines of a coupling query take in turn: a filter may list
// the paths of one part of the path order only (a directory, an
// extension common there), and each goroutine takes the next run when
// it is done with its own.
const pairChunks = 64

// run counts the pairs in two goroutines, which take runs of paths in
// turn (see pairChunks), or in one when the window holds little.
func (c *pairCounter) run(singles bool) [2]pairWorker {
	var w [2]pairWorker
	n := len(c.v.byPath)
	if uint64(c.hi-c.lo)*32 < uint64(len(c.v.byTime)) {
		done := false
		c.count(&w[0], func() (int, int, bool) {
			if done {
				return 0, 0, false
			}
			done = true
			return 0, n, true
		}, singles)
		w[1].seen = make([]uint64, len(w[0].seen))
		return w
	}
	take := c.pl.chunks()
	var wg sync.WaitGroup
	wg.Go(func() { c.count(&w[1], take, singles) })
	c.count(&w[0], take, singles)
	wg.Wait()
	return w
}

// chunks returns a function that gives the runs of path ranks of
// pairChunks, one at a time to whichever goroutine asks, then false.
func (pl *pairLists) chunks() func() (r0, r1 int, ok bool) {
	n := len(pl.work) - 1
	total := pl.work[n]
	var next atomic.Int32
	return func() (r0, r1 int, ok bool) {
		k := uint64(next.Add(1) - 1)
		if k >= pairChunks {
			return 0, 0, false
		}
		r0, _ = slices.BinarySearch(pl.work, total*k/pairChunks)
		r1, _ = slices.BinarySearch(pl.work, total*(k+1)/pairChunks)
		if k == pairChunks-1 {
			r1 = n
		}
		return r0, r1, true
	}
}

// count counts the pairs of the paths of the ranks take gives, a run
// [r0, r1) at a time, into w.
func (c *pairCounter) count(w *pairWorker, take func() (r0, r1 int, ok bool), singles bool) {
	if ps := c.pl.partners; !ps.isWide() {
		countPairs(c, ps.narrow, w, take, singles)
	} else {
		countPairs(c, ps.wide, w, take, singles)
	}
}

// countPairs counts the pairs of the paths of the ranks take gives into w,
// reading partners: with singles, the pairs changed together once over
// the whole history are counted without being read. Whether an entry is
// counted, and whether a partner is listed or met for the first time,
// is unpredictable: they are counted without branches (0 or 1), so that
// the processor does not guess.
func countPairs[T uint16 | uint32](c *pairCounter, partners []T, w *pairWorker, take func() (r0, r1 int, ok bool), singles bool) {
	v, pl, s := c.v, c.pl, c.pl.sums
	*w = pairWorker{pruneAt: 4*c.limit + 64}
	if c.keep != nil {
		w.seen = make([]uint64, (len(v.byTime)+63)/64)
	}
	// cut is the head field with the number of partners to read.
	cut := headCut(c.minShared, singles)
	kept := keptIdents(c.authors)
	// shared[b] counts the commits shared with the path of rank b, from
	// 1<<31 when it is not listed: it is then never met for the first
	// time (at 0), and never read (a query adds fewer than 1<<31).
	shared := make([]uint32, len(v.byPath))
	if c.keepRank != nil {
		for b, ok := range c.keepRank {
			shared[b] = (1 ^ b2u(ok)) << 31
		}
	}
	t := pairTally[T]{shared: shared, touched: make([]T, len(v.byPath)), singles: singles, everyFile: c.keepRank == nil}
	// The author lists' partners, when they are read instead.
	lists := make([][]T, len(c.lists))
	for k, l := range c.lists {
		if !l.partners.isWide() {
			lists[k] = any(l.partners.narrow).([]T)
		} else {
			lists[k] = any(l.partners.wide).([]T)
		}
	}
	var runs []partnerRun
	const end = math.MaxUint32
	for r0, r1, ok := take(); ok; r0, r1, ok = take() {
		for r := r0; r < r1; r++ {
			p := v.byPath[r]
			if c.keep != nil && !c.keep[p] {
				continue
			}
			n := uint32(0)
			t.nt = 0
			if c.lists == nil {
				first, end := s.window(p, c.lo, c.hi)
				if first == end {
					continue
				}
				runs, n = c.entryRuns(runs[:0], pl.head, pl.base, first, end, cut, kept, s.ident, s.rank, w.seen)
				t.read(partners, runs, w)
			} else {
				// The commits of the identities without lists first: a
				// pair they changed together most times reaches
				// MinShared only if the lists hold MinShared-most of its
				// commits, so the partners that the identities with lists
				// changed with the path fewer times are not read (see
				// authorLists); with MinShared 1, every one is.
				listCut := cut
				if fc := c.fewer; fc != nil {
					n += fc.commits[p]
					for _, k := range fc.after[fc.afterN[r]:fc.afterN[r+1]] {
						for _, b := range fc.files[k+1:] {
							if b == end {
								break
							}
							t.add(T(b))
						}
					}
					if t.nt > 0 {
						most := uint32(0)
						for _, b := range t.touched[:t.nt] {
							most = max(most, shared[b])
						}
						listCut = headCut(c.minShared-min(most, c.minShared), false)
					}
				}
				for k, l := range c.lists {
					first, end := l.window(r, c.lo, c.hi, len(v.byTime))
					var m uint32
					runs, m = c.entryRuns(runs[:0], l.head, l.base, first, end, listCut, nil, nil, l.rank, w.seen)
					n += m
					t.read(lists[k], runs, w)
				}
				if n == 0 {
					continue
				}
			}
			c.commits[p] = n
			for _, b := range t.touched[:t.nt] {
				n := shared[b]
				shared[b] = 0
				w.pairs += int(b2u(n >= c.minShared))
				if n >= w.cut && n >= c.minShared {
					w.cands = append(w.cands, pairCount{uint32(r), uint32(b), n})
					if len(w.cands) >= w.pruneAt {
						w.prune(c.limit)
					}
				}
			}
		}
	}
	w.touch = t.sink
}

// headCut returns the head field with the number of partners to read of
// each entry for pairs that must share m commits: those changed together
// m times at least (for m of 2, 3 or 5, or the next of those below m),
// every partner when m is under 2, but those changed together twice at
// least with singles (the others are counted, not read).
func headCut(m uint32, singles bool) uint32 {
	switch {
	case m >= 5:
		return headCut5
	case m >= 3:
		return headCut3
	case m == 2 || singles:
		return headCut2
	}
	return headLen
}

// entryRuns appends to runs the partners to read of the counted entries
// of [first, end) of heads (with their bases, see partnerBases): those
// whose commit has at most maxFiles files and, with kept, whose
// identity (ident[e]) it keeps; the head field cut is the number to
// read. It marks their time ranks (rank[e]) in seen, when not nil, and
// returns how many it counted.
func (c *pairCounter) entryRuns(runs []partnerRun, heads, base []uint32, first, end, cut uint32, kept, ident, rank []uint32, seen []uint64) ([]partnerRun, uint32) {
	if first == end {
		return runs, 0
	}
	maxFiles := c.maxFiles
	at := partnerPlace(heads, base, first)
	n := uint32(0)
	for e := first; e < end; e++ {
		h := heads[e]
		from := at
		at += h >> headLen & 63
		// counted is 1 when the entry's commit has at most maxFiles
		// files and the author filter keeps it.
		counted := 1 ^ (maxFiles-h&127)>>31
		if kept != nil {
			counted &= kept[ident[e]]
		}
		n += counted
		if seen != nil {
			k := rank[e]
			seen[k>>6] |= uint64(counted) << (k & 63)
		}
		all := h >> headLen & 63
		runs = append(runs, partnerRun{from, h >> cut & 63, all})
		runs = runs[:len(runs)-1+int(counted&((0-all)>>31))]
	}
	return runs, n
}

// pairTally counts the commits a path shares with others.
type pairTally[T uint16 | uint32] struct {
	// shared[b] counts the commits shared with the path of rank b (see
	// countPairs); touched[:nt] are the paths met so far.
	shared  []uint32
	touched []T
	nt      int
	// singles: the partners changed together once over the whole
	// history are counted in pairWorker.singles, not read; without a
	// file filter (everyFile), not even looked at.
	singles, everyFile bool
	// sink is what reading partner lists ahead gave, kept so that the
	// reads are made.
	sink uint32
}

// add counts one commit shared with the path of rank b.
func (t *pairTally[T]) add(b T) {
	old := t.shared[b]
	t.touched[t.nt] = b
	t.nt += int((old|-old)>>31 ^ 1) // old == 0
	t.shared[b] = old + 1
}

// read counts the partners of runs: a partner list is touched a few
// entries ahead, so that memory is read while others are counted.
func (t *pairTally[T]) read(partners []T, runs []partnerRun, w *pairWorker) {
	const ahead = 8
	// In locals, that the compiler keeps in registers.
	shared, touched, nt, sink, singles := t.shared, t.touched, t.nt, t.sink, 0
	for k, run := range runs {
		if k+ahead < len(runs) {
			sink ^= uint32(partners[runs[k+ahead].from])
		}
		read := run.from + run.read
		for _, b := range partners[run.from:read] {
			old := shared[b]
			touched[nt] = b
			nt += int((old|-old)>>31 ^ 1) // old == 0
			shared[b] = old + 1
		}
		if t.singles {
			if t.everyFile {
				singles += int(run.all - run.read)
				continue
			}
			for _, b := range partners[read : run.from+run.all] {
				singles += int(shared[b]>>31 ^ 1) // listed
			}
		}
	}
	t.nt, t.sink = nt, sink
	w.singles += singles
}

// partnerRun is the partners of one entry: those to read, and all.
type partnerRun struct {
	from, read, all uint32
}

// keptIdents returns 1 per identity authors keeps, 0 per other; nil
// for nil.
func keptIdents(authors []bool) []uint32 {
	if authors == nil {
		return nil
	}
	kept := make([]uint32, len(authors))
	for a, ok := range authors {
		kept[a] = b2u(ok)
	}
	return kept
}

// b2u returns 1 for true, 0 for false.
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// prune keeps the candidates that share as many commits as the limit-th
// most at least.
func (w *pairWorker) prune(limit int) {
	counts := make([]uint32, len(w.cands))
	for k, c := range w.cands {
		counts[k] = c.shared
	}
	slices.SortFunc(counts, func(a, b uint32) int { return cmp.Compare(b, a) })
	w.cut = counts[min(limit, len(counts))-1]
	w.cands = slices.DeleteFunc(w.cands, func(c pairCount) bool { return c.shared < w.cut })
	w.pruneAt = max(2*len(w.cands), 4*limit+64)
}

// topPairs returns the first limit pairs of the workers' candidates.
func (v *View) topPairs(ws [2]pairWorker, commits []uint32, limit int) []pairKey {
	top := bestPairs{limit: limit, rank: v.pathRank}
	for _, w := range ws {
		for _, c := range w.cands {
			if top.wants(c.shared) {
				top.add(newPairKey(v.byPath[c.a], v.byPath[c.b], c.shared, commits, v.pathRank))
			}
		}
	}
	return top.sorted()
}

// fileRunStep is how many commits a row of running counts steps over.
const fileRunStep = 1024

// fileRunRow is the length of a row of fileRuns: commits of a file at
// least, then of 1 to n files for n up to maxPairFiles.
const fileRunRow = maxPairFiles + 1

// fileRunCounts returns, for every fileRunStep-th commit of those files
// describes (their file counts) and the end, a row of fileRunRow counts
// of the commits before it: [0] those with a file at least, [n] those of
// 1 to n files. The counts of a run of commits are then the difference
// of two rows and of the commits of the two partial steps at its ends
// (see countFiles).
func fileRunCounts(files []uint8) []uint32 {
	rows := len(files)/fileRunStep + 1
	out := make([]uint32, rows*fileRunRow)
	var byFiles [256]uint32
	for b := range rows {
		row := out[b*fileRunRow : (b+1)*fileRunRow]
		sum := uint32(0)
		for n := 1; n < len(byFiles); n++ {
			sum += byFiles[n]
			if n < fileRunRow {
				row[n] = sum
			}
		}
		row[0] = sum
		for _, n := range files[min(b*fileRunStep, len(files)):min((b+1)*fileRunStep, len(files))] {
			byFiles[n]++
		}
	}
	return out
}

// countFiles counts, of the commits files[lo:hi] describes (their file
// counts, see pairLists.files, with runs their fileRunCounts), those of
// more than maxFiles files (at most maxPairFiles), and the others with a
// file at least.
func countFiles(files []uint8, runs []uint32, lo, hi, maxFiles int) (bulk, counted int) {
	// upTo returns the counts of the commits below k: with a file at
	// least, and of 1 to maxFiles.
	upTo := func(k int) (filed, within int) {
		b := k / fileRunStep
		row := runs[b*fileRunRow : (b+1)*fileRunRow]
		filed, within = int(row[0]), int(row[maxFiles])
		for _, n := range files[b*fileRunStep : k] {
			if n > 0 {
				filed++
				if int(n) <= maxFiles {
					within++
				}
			}
		}
		return filed, within
	}
	filed0, within0 := upTo(lo)
	filed1, within1 := upTo(hi)
	return (filed1 - filed0) - (within1 - within0), within1 - within0
}

// commitCounts counts the non-merge commits of q among time ranks [lo,
// hi): those of more than maxFiles files (bulk) and the others with a
// file at least. Without an author filter, from running counts (see
// fileRunCounts); with one, from the commits of the identities kept or,
// when they are more, from the window's less those of the identities
// dropped, when either is few (the identities with author lists count
// from their own running counts); else by a pass over the window.
func (v *View) commitCounts(pl *pairLists, q *query, lo, hi, maxFiles int) (bulk, counted int) {
	if q.authors == nil {
		return countFiles(pl.files, pl.fileRuns, lo, hi, maxFiles)
	}
	lists := make([]*authorLists, len(q.authors))
	for _, l := range pl.authors {
		lists[l.ident] = l
	}
	// The commits of the identities without lists, kept and dropped.
	kept, dropped := 0, 0
	for a, ok := range q.authors {
		if lists[a] != nil {
			continue
		}
		if n := v.identCount(a, q.from, q.to); ok {
			kept += n
		} else {
			dropped += n
		}
	}
	if min(kept, dropped)*identWalkShare < hi-lo {
		if kept <= dropped {
			return v.identCommitCounts(q, lists, true, maxFiles)
		}
		bulk, counted = countFiles(pl.files, pl.fileRuns, lo, hi, maxFiles)
		b, c := v.identCommitCounts(q, lists, false, maxFiles)
		return bulk - b, counted - c
	}
	mf := uint32(maxFiles)
	keptIdent := keptIdents(q.authors)
	var over, within uint32
	for k, n := range pl.files[lo:hi] {
		keep := keptIdent[v.sortedIdent[lo+k]]
		// Without branches: whether n is above maxFiles, or 1 to
		// maxFiles.
		big := (mf - uint32(n)) >> 31
		over += keep & big
		within += keep & (1 ^ big) & (1 ^ (uint32(n)-1)>>31)
	}
	return int(over), int(within)
}

// identWalkShare: commitCounts walks the commits of the identities kept
// (or dropped) when they are fewer than one in identWalkShare of the
// window's.
const identWalkShare = 4

// identCommitCounts counts the non-merge commits in q's dates of the
// identities q keeps (kept) or drops (!kept): those of more than maxFiles
// files (bulk) and the others with a file at least. lists[a] are the
// author lists of identity a, when it has them.
func (v *View) identCommitCounts(q *query, lists []*authorLists, kept bool, maxFiles int) (bulk, counted int) {
	for a, ok := range q.authors {
		if ok != kept {
			continue
		}
		lo, hi := v.identSpan(a, q.from, q.to)
		if l := lists[a]; l != nil {
			start := int(v.identOff[a])
			b, c := countFiles(l.files, l.fileRuns, lo-start, hi-start, maxFiles)
			bulk, counted = bulk+b, counted+c
			continue
		}
		for _, i := range v.identPos[lo:hi] {
			switch n := int(v.fileCount(int(i))); {
			case n > maxFiles:
				bulk++
			case n > 0:
				counted++
			}
		}
	}
	return bulk, counted
}

// fileCount returns the number of files of commit i, at most 255; 0 for
// a merge.
func (v *View) fileCount(i int) uint8 {
	if v.x.IsMerge(i) {
		return 0
	}
	lo, hi := v.x.Changes(i)
	return uint8(min(hi-lo, 255))
}

// coupleWhole fills in d's pairs and summary over the whole history
// without filters from the whole tables, and reports whether it could:
// not when MinShared is above maxTableShared, nor when fewer than Limit
// frequent pairs share more commits than any other pair can.
func (v *View) coupleWhole(pl *pairLists, opts CouplingOptions, d *CouplingData) bool {
	t := &pl.whole
	m, maxFiles := opts.MinShared, opts.MaxFiles
	if m > maxTableShared {
		return false
	}
	var cands []pairCount
	for k := range t.freqA {
		files := t.freqFiles[t.freqOff[k]:t.freqOff[k+1]]
		n, _ := slices.BinarySearch(files, uint8(maxFiles+1))
		if n >= m {
			cands = append(cands, pairCount{t.freqA[k], t.freqB[k], uint32(n)})
		}
	}
	if len(cands) < opts.Limit {
		return false
	}
	w := pairWorker{cands: cands}
	w.prune(opts.Limit)
	if w.cut < t.frequent {
		return false
	}
	// The commits of the files of the pairs that may be listed.
	s := pl.sums
	commits := make([]uint32, len(v.byPath))
	for _, c := range w.cands {
		for _, r := range []uint32{c.a, c.b} {
			p := v.byPath[r]
			if commits[p] > 0 {
				continue
			}
			for _, h := range pl.head[s.start[p]:s.stop[p]] {
				if h&127 <= uint32(maxFiles) {
					commits[p]++
				}
			}
		}
	}
	for _, pairs := range t.pairsAt[m-1][:maxFiles+1] {
		d.Summary.Pairs += pairs
	}
	for n, c := range t.commitFiles {
		if n > maxFiles {
			d.Summary.BulkCommits += c
		} else {
			d.Summary.Commits += c
		}
	}
	v.listPairs(v.topPairs([2]pairWorker{w}, commits, opts.Limit), d)
	return true
}
