package analytics

import (
	"cmp"
	"math"
	"slices"
)

// Coupling defaults.
const (
	DefaultCouplingLimit = 50
	DefaultMinShared     = 3
	DefaultMaxFiles      = 50
)

// CouplingResponse is the body of /api/repositories/coupling.
type CouplingResponse struct {
	Coupling CouplingData `json:"coupling"`
}

// CouplingData lists the pairs of files that change together.
type CouplingData struct {
	// Pairs are sorted by shared commits, most first, then by confidence,
	// then by paths; never nil.
	Pairs    []CoupledPair    `json:"pairs"`
	Summary  CouplingSummary  `json:"summary"`
	Metadata CouplingMetadata `json:"metadata"`
	// StatsPending reports that line statistics (which hold the files of
	// each commit) are still being indexed; Pairs is empty until they are.
	StatsPending bool `json:"statsPending"`
}

// CoupledPair is two files and the commits that changed both.
type CoupledPair struct {
	// Path is the file of the two changed by fewer commits (the first by
	// path order on a tie), CoupledPath the other.
	Path        string `json:"path"`
	CoupledPath string `json:"coupledPath"`
	// SharedCommits counts the counted commits that changed both.
	SharedCommits int `json:"sharedCommits"`
	// PathCommits and CoupledCommits count the counted commits that
	// changed each.
	PathCommits    int `json:"pathCommits"`
	CoupledCommits int `json:"coupledCommits"`
	// Support is SharedCommits over all counted commits.
	Support float64 `json:"support"`
	// Confidence is SharedCommits / PathCommits: how often a change to
	// Path came with one to CoupledPath, the larger of the two directions;
	// CoupledConfidence is the other, SharedCommits / CoupledCommits.
	// Ratios have four decimals.
	Confidence        float64 `json:"confidence"`
	CoupledConfidence float64 `json:"coupledConfidence"`
}

// CouplingSummary counts what coupling looked at.
type CouplingSummary struct {
	// Commits counts the counted commits: non-merge, matching the
	// filter, at most MaxFiles files, one listed file at least.
	Commits int `json:"commits"`
	// BulkCommits counts the matching non-merge commits left out for
	// changing more than MaxFiles files.
	BulkCommits int `json:"bulkCommits"`
	// Pairs counts every pair with at least MinShared shared commits,
	// before the limit.
	Pairs int `json:"pairs"`
}

// CouplingMetadata echoes how coupling was computed.
type CouplingMetadata struct {
	DateRange DateRange       `json:"dateRange"`
	Options   CouplingOptions `json:"options"`
	Filters   ChurnFilters    `json:"filters"`
}

// CouplingOptions shape a coupling answer.
type CouplingOptions struct {
	// Limit keeps that many pairs (DefaultCouplingLimit when 0).
	Limit int `json:"limit"`
	// MinShared is the least shared commits of a listed pair
	// (DefaultMinShared when 0).
	MinShared int `json:"minShared"`
	// MaxFiles leaves out bulk commits that changed more files than this
	// (all their files, listed or not: a mass reformat or a vendor update
	// couples nothing); DefaultMaxFiles when 0.
	MaxFiles int `json:"maxFiles"`
}

// withDefaults fills in the options left at 0.
func (o CouplingOptions) withDefaults() CouplingOptions {
	return CouplingOptions{
		Limit:     cmp.Or(max(o.Limit, 0), DefaultCouplingLimit),
		MinShared: cmp.Or(max(o.MinShared, 0), DefaultMinShared),
		MaxFiles:  cmp.Or(max(o.MaxFiles, 0), DefaultMaxFiles),
	}
}

// Coupling finds the pairs of files changed together by the non-merge
// commits matching f (authors, dates, bots) that changed at most
// opts.MaxFiles files, among the files f lists (extensions, paths,
// exclusions): temporal coupling. It reads the pair lists (see
// pairLists): for each listed file, the files after it in each of its
// counted commits, counted in a table of one counter per file; over the
// whole history without a filter, the whole tables (see wholeTables).
// When the author filter keeps few commits, or MaxFiles is above
// maxPairFiles, it reads the commits' own files (see coupleScan).
func (v *View) Coupling(f Filter, opts CouplingOptions) CouplingData {
	opts = opts.withDefaults()
	exts := normalise(f.Extensions, extension)
	paths := normalise(f.Paths, pathPrefix)
	d := CouplingData{
		Pairs: []CoupledPair{},
		Metadata: CouplingMetadata{
			DateRange: v.historyRange(f.From, f.To), Options: opts,
			Filters: ChurnFilters{Extensions: exts, Paths: paths, Authors: f.Authors, ExcludeBots: f.ExcludeBots, Exclude: f.Exclude},
		},
		StatsPending: !v.stats,
	}
	if d.StatsPending {
		return d
	}
	keep := v.pathFilter(exts, paths, v.excluded(f.Exclude))
	q := v.compile(f)
	v.everyAuthor(&q)
	lo, hi := v.span(q.from, q.to)
	if opts.MaxFiles <= maxPairFiles && !fewCommits(&q, lo, hi) {
		if pl := v.pairLists(); pl != nil {
			whole := q.authors == nil && lo == 0 && hi == len(v.byTime)
			if whole && keep == nil && v.coupleWhole(pl, opts, &d) {
				return d
			}
			if whole && keep != nil && opts.MinShared >= oftenShared {
				v.coupleOften(pl, keep, opts, &d)
				return d
			}
			v.couplePairs(pl, &q, keep, opts, &d)
			return d
		}
	}
	v.coupleScan(&q, keep, opts, &d)
	return d
}

// fewCommits reports whether q's author filter keeps so few of the
// commits of time ranks [lo, hi) that reading their files costs less
// than reading the pair lists of the window.
func fewCommits(q *query, lo, hi int) bool {
	return q.authors != nil && q.count()*32 < hi-lo
}

// coupleScan fills in d's pairs and summary from the files of q's
// commits: one pass over them, which also lists the files that can reach
// MinShared (see pairFiles), then for each file one pass over the files
// after it in those lists: one step per pair of such files in a commit,
// and no pair table.
func (v *View) coupleScan(q *query, keep []bool, opts CouplingOptions, d *CouplingData) {
	x := v.x
	listed := func(p uint32) bool { return keep == nil || keep[p] }
	// commits[p]: counted commits of p; several: the counted commits
	// with two listed files or more, the only ones with pairs.
	commits := make([]uint32, len(x.Paths))
	var several []int32
	pairable := 0 // their listed files
	for i := range q.selected() {
		if x.IsMerge(i) {
			continue
		}
		lo, hi := x.Changes(i)
		if hi-lo > opts.MaxFiles {
			d.Summary.BulkCommits++
			continue
		}
		n := 0
		for j := lo; j < hi; j++ {
			if p := x.ChangePath[j]; listed(p) {
				commits[p]++
				n++
			}
		}
		if n > 0 {
			d.Summary.Commits++
		}
		if n > 1 {
			several = append(several, int32(i))
			pairable += n
		}
	}
	minShared := uint32(opts.MinShared)
	files := v.pairFiles(several, pairable, func(p uint32) bool { return listed(p) && commits[p] >= minShared })
	// after[r] are the places in files of the occurrences of the file of
	// rank r but the last of a commit.
	const end = math.MaxUint32
	afterN := make([]uint32, len(x.Paths)+1)
	for k := 0; k < len(files); k++ {
		if files[k+1] != end {
			afterN[files[k]+1]++
		} else {
			k++ // past the commit's last file and its end
		}
	}
	for r := range x.Paths {
		afterN[r+1] += afterN[r]
	}
	after := make([]uint32, afterN[len(x.Paths)])
	next := slices.Clone(afterN[:len(x.Paths)])
	for k := 0; k < len(files); k++ {
		if files[k+1] != end {
			r := files[k]
			after[next[r]] = uint32(k)
			next[r]++
		} else {
			k++
		}
	}
	shared := make([]uint32, len(x.Paths))
	var touched []uint32
	top := bestPairs{limit: opts.Limit, rank: v.pathRank}
	for a := range x.Paths {
		for _, k := range after[afterN[a]:afterN[a+1]] {
			for _, b := range files[k+1:] {
				if b == end {
					break
				}
				if shared[b] == 0 {
					touched = append(touched, b)
				}
				shared[b]++
			}
		}
		for _, b := range touched {
			if n := shared[b]; n >= minShared {
				d.Summary.Pairs++
				if top.wants(n) {
					top.add(newPairKey(v.byPath[a], v.byPath[b], n, commits, v.pathRank))
				}
			}
			shared[b] = 0
		}
		touched = touched[:0]
	}
	v.listPairs(top.sorted(), d)
}

// pairFiles lists, for each commit of several (positions, with at most
// pairable files that keep allows) with two files or more that keep
// allows, those files by their ranks in path order,
// ascending, then math.MaxUint32. The commits come by their first file:
// in path order the files of a directory follow each other, and the
// files a file shares commits with are mostly in its directory, so that
// reading its commits, file after file, reads nearby lists.
func (v *View) pairFiles(several []int32, pairable int, keep func(p uint32) bool) []uint32 {
	const end = math.MaxUint32
	x := v.x
	lists := make([]uint32, 0, pairable+len(several))
	starts := make([]int, 0, len(several))
	// at[r] is where the commits whose first file has rank r go.
	at := make([]int, len(x.Paths)+1)
	for _, i := range several {
		lo, hi := x.Changes(int(i))
		start := len(lists)
		for _, p := range x.ChangePath[lo:hi] {
			if keep(p) {
				lists = append(lists, v.pathRank[p])
			}
		}
		if len(lists)-start < 2 {
			lists = lists[:start]
			continue
		}
		slices.Sort(lists[start:])
		lists = append(lists, end)
		at[lists[start]+1] += len(lists) - start
		starts = append(starts, start)
	}
	for r := range x.Paths {
		at[r+1] += at[r]
	}
	files := make([]uint32, len(lists))
	for c, start := range starts {
		stop := len(lists)
		if c+1 < len(starts) {
			stop = starts[c+1]
		}
		r := lists[start]
		at[r] += copy(files[at[r]:], lists[start:stop])
	}
	return files
}

// pairKey is a coupled pair while pairs are ranked.
type pairKey struct {
	path, coupled                       uint32 // path ids: path has fewer commits
	shared, pathCommits, coupledCommits uint32
}

// newPairKey orders files a and b, which share shared commits: the one
// with fewer commits first (the first in path order on a tie).
func newPairKey(a, b, shared uint32, commits []uint32, rank []uint32) pairKey {
	if commits[b] < commits[a] || (commits[b] == commits[a] && rank[b] < rank[a]) {
		a, b = b, a
	}
	return pairKey{path: a, coupled: b, shared: shared, pathCommits: commits[a], coupledCommits: commits[b]}
}

// before reports whether pair p is listed before q: more shared
// commits, then a higher confidence (shared / pathCommits: fewer path
// commits for as many shared), then by the paths (rank is each path's
// place in path order).
func (p pairKey) before(q pairKey, rank []uint32) bool {
	if p.shared != q.shared {
		return p.shared > q.shared
	}
	if p.pathCommits != q.pathCommits {
		return p.pathCommits < q.pathCommits
	}
	if p.path != q.path {
		return rank[p.path] < rank[q.path]
	}
	return rank[p.coupled] < rank[q.coupled]
}

// bestPairs keeps the first limit pairs added: a buffer sorted and cut
// back to limit whenever it holds 4 x limit, after which a pair that
// would come after the last one kept is dropped at once.
type bestPairs struct {
	limit int
	rank  []uint32
	keys  []pairKey
	// cutoff is the last pair kept at the last cut, valid when full.
	cutoff pairKey
	full   bool
}

// wants reports whether a pair of shared commits may be kept: not when
// the last pair kept shares more.
func (h *bestPairs) wants(shared uint32) bool {
	return !h.full || shared >= h.cutoff.shared
}

func (h *bestPairs) add(k pairKey) {
	if h.full && !k.before(h.cutoff, h.rank) {
		return
	}
	h.keys = append(h.keys, k)
	if len(h.keys) >= 4*h.limit {
		h.keys = h.sorted()
		h.cutoff, h.full = h.keys[len(h.keys)-1], true
	}
}

// sorted returns the first limit pairs, in order.
func (h *bestPairs) sorted() []pairKey {
	slices.SortFunc(h.keys, func(p, q pairKey) int {
		if p.before(q, h.rank) {
			return -1
		}
		if q.before(p, h.rank) {
			return 1
		}
		return 0
	})
	return h.keys[:min(h.limit, len(h.keys))]
}
