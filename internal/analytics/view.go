// Package analytics computes every analytics answer of gitpulse (commits,
// activity heatmaps, contributors, code churn, repository summaries) from a
// history index, by scanning its columns in memory.
//
// It is the single source of truth for the response bodies of spec 002:
// the command line prints these types with --json and the HTTP API serves
// them unchanged, so they carry the spec's exact JSON field names.
//
// A View wraps an immutable index with the derived data that every query
// needs (lower-cased identities, contributor names, file extensions, a
// time-sorted order of the commits), computed once. A query then costs one
// pass over a few columns: identities are matched once per query (there are
// thousands, against tens of thousands of commits), date bounds become a
// binary search in the time-sorted order, and per-path totals are kept in
// arrays indexed by path id.
package analytics

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
)

// View is an index prepared for queries. It is immutable and safe for
// concurrent use.
type View struct {
	x *index.Index
	// stats says whether the view answers with line statistics: its index
	// has them all, or this is the covered view of an index whose
	// statistics cover only its newest commits (see StatsFor).
	stats bool
	// covered is, for an index whose statistics cover only its newest
	// commits, the view that answers from them; coveredFrom is the least
	// author time a query's dates must start at for it to (one past the
	// newest author time of the commits not covered).
	covered     *View
	coveredFrom int64

	// prepared is what NewView derives from x, shared with the covered
	// view.
	prepared

	// sums give the churn of a window from running totals (see
	// churnSums), made once under sumsOnce.
	sumsOnce sync.Once
	sums     *churnSums
	// dirs are the commits per directory of the depths asked for.
	dirs dirLogs
	// idents are the totals per path and author identity, and runs the
	// changes of the identities with the most commits by path, made with
	// sums.
	idents *pathIdents
	runs   *identRuns
	// dirIdentCache holds the totals per directory and identity of the
	// depths ownership asked for.
	dirIdentCache depthCache[*dirIdents]
	// ownerGroupCache holds ownership's groups of every file by
	// directory, per depth.
	ownerGroupCache depthCache[*ownerGroups]
	// pairs are coupling's pair lists (see pairLists), made once under
	// pairsOnce.
	pairsOnce sync.Once
	pairs     *pairLists
	// tl holds what heatmaps, activity, the punch card and author
	// statistics read, made by the first query that needs it.
	tl timeline

	// excludeMemo remembers the exclusion sets of Filter.Exclude lists
	// (see excluded), under excludeMu.
	excludeMu   sync.Mutex
	excludeMemo map[string][]bool
}

// prepared is what NewView derives from an index, the same whether the
// view answers with line statistics or not.
type prepared struct {
	// Per identity (index.Index.Idents): lower-cased name and email for
	// author filters, and the contributor name id (meaningful for authors
	// only).
	lowerName, lowerEmail []string
	nameID                []uint32
	// bot says per identity whether IsBot calls it a bot.
	bot []bool
	// names are the distinct author names, sorted case-insensitively
	// (ties by exact string): name id n is names[n].
	names []string

	// pathExt is each path's extension id in extID.
	pathExt []uint32
	extID   map[string]uint32
	// byPath lists the path ids in byte order of the paths; pathRank is
	// each path's place in it.
	byPath, pathRank []uint32

	// byTime lists commit positions by ascending author time (ties: older
	// in git log order first); sortedTime[k] is the author time of byTime[k].
	byTime     []int32
	sortedTime []int64
	// sortedIdent[k] is the author identity of byTime[k]: queries in time
	// order read it in order instead of jumping through Author.
	sortedIdent []uint32
	// identOff and identTime list each identity's commits by time: the
	// author times of identity a's commits are identTime[identOff[a]:
	// identOff[a+1]], ascending (committer-only identities have none).
	// How many commits of some authors fall in a window is then a pair
	// of binary searches per identity instead of a scan of the window.
	identOff  []uint32
	identTime []int64
	// identPos are the positions of the commits of identTime, and
	// identRank their time ranks (places in byTime).
	identPos  []int32
	identRank []uint32

	// created is the author time of the oldest root commit; exactCreated
	// is false when the history has no root (or none with a known date);
	// maxTime when no commit has a known date.
	created      int64
	exactCreated bool
}

// NewView prepares x for queries. x must not be modified afterwards.
func NewView(x *index.Index) *View {
	v := newView(x, x.HasStats)
	if !x.HasStats && x.Covered() > 0 {
		v.covered = &View{x: x, stats: true, prepared: v.prepared, excludeMemo: map[string][]bool{}}
		v.coveredFrom = minTime
		for _, t := range x.AuthorTime[x.Covered():] {
			v.coveredFrom = max(v.coveredFrom, t+1)
		}
	}
	return v
}

func newView(x *index.Index, stats bool) *View {
	v := &View{x: x, stats: stats, excludeMemo: map[string][]bool{}}
	n := x.Len()
	v.byTime, v.sortedTime = make([]int32, n), make([]int64, n)
	v.identTime, v.identPos, v.identRank = make([]int64, n), make([]int32, n), make([]uint32, n)
	v.sortedIdent = make([]uint32, n)
	// Sorting by time, most of the work, goes on beside the rest (and
	// sorts in two goroutines itself); what follows the time order is
	// filled in two goroutines again.
	var wg sync.WaitGroup
	wg.Go(func() { timeOrder(x.AuthorTime, v.byTime, v.sortedTime, v.identTime) })
	v.prepareIdents()
	v.preparePaths()
	v.identOff = offsets(x.Author, len(x.Idents))
	wg.Wait()
	wg.Go(func() { v.prepareIdentTimes(false) })
	v.prepareIdentTimes(true)
	v.prepareCreated()
	wg.Wait()
	return v
}

// Stats reports whether the view answers with line statistics; without
// them, answers say statsPending.
func (v *View) Stats() bool { return v.stats }

// StatsFor returns the view that answers f with line statistics: v when
// its index has them for every commit, or when they cover only the newest
// commits and every commit with an author date in f's range is among
// them, the view of those (whose answers to f are those of the complete
// index); else nil. Only the reports that read nothing outside f's date
// range (churn, activity, authors, ownership, coupling) may use the
// latter.
func (v *View) StatsFor(f Filter) *View {
	if v.stats {
		return v
	}
	if from, _ := dateBounds(f); v.covered != nil && from >= v.coveredFrom {
		return v.covered
	}
	return nil
}

// StatsSince returns the earliest author date from which query dates are
// covered by the line statistics of an index that has them for its newest
// commits only (see StatsFor); ok is false for other indexes.
func (v *View) StatsSince() (since time.Time, ok bool) {
	if v.covered == nil {
		return time.Time{}, false
	}
	return time.Unix(v.coveredFrom, 0).UTC(), true
}

// Index returns the index the view was made from.
func (v *View) Index() *index.Index { return v.x }

func (v *View) prepareIdents() {
	ids := v.x.Idents
	v.lowerName = make([]string, len(ids))
	v.lowerEmail = make([]string, len(ids))
	v.bot = make([]bool, len(ids))
	for i, id := range ids {
		v.lowerName[i] = strings.ToLower(id.Name)
		v.lowerEmail[i] = strings.ToLower(id.Email)
		v.bot[i] = IsBot(id.Name, id.Email)
	}
	// Idents holds committers too: only authors are contributors.
	isAuthor := make([]bool, len(ids))
	for _, a := range v.x.Author {
		isAuthor[a] = true
	}
	type name struct{ lower, exact string }
	var names []name
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if isAuthor[i] && !seen[id.Name] {
			seen[id.Name] = true
			names = append(names, name{v.lowerName[i], id.Name})
		}
	}
	// Case-insensitively, ties by the exact string so that the order is
	// total.
	slices.SortFunc(names, func(a, b name) int {
		return cmp.Or(cmp.Compare(a.lower, b.lower), cmp.Compare(a.exact, b.exact))
	})
	rank := make(map[string]uint32, len(names))
	v.names = make([]string, len(names))
	for n, nm := range names {
		v.names[n] = nm.exact
		rank[nm.exact] = uint32(n)
	}
	v.nameID = make([]uint32, len(ids))
	for i, id := range ids {
		v.nameID[i] = rank[id.Name] // 0, unused, for committers only
	}
}

func (v *View) preparePaths() {
	paths := v.x.Paths
	v.pathExt = make([]uint32, len(paths))
	v.extID = make(map[string]uint32)
	for p, name := range paths {
		ext := index.Extension(name)
		id, ok := v.extID[ext]
		if !ok {
			id = uint32(len(v.extID))
			v.extID[ext] = id
		}
		v.pathExt[p] = id
	}
	v.byPath = make([]uint32, len(paths))
	for p := range v.byPath {
		v.byPath[p] = uint32(p)
	}
	slices.SortFunc(v.byPath, func(a, b uint32) int { return cmp.Compare(paths[a], paths[b]) })
	v.pathRank = make([]uint32, len(paths))
	for r, p := range v.byPath {
		v.pathRank[p] = uint32(r)
	}
}

// offsets returns where each key's run starts in a counting sort of keys,
// all below n: key k's elements go to [off[k], off[k+1]).
func offsets(keys []uint32, n int) []uint32 {
	off := make([]uint32, n+1)
	for _, k := range keys {
		off[k+1]++
	}
	for k := range n {
		off[k+1] += off[k]
	}
	return off
}

// grouped returns vals in a stable counting sort by keys (each val's key
// at the same place, all below n) and where each key's run starts: key
// k's values are out[start[k]:start[k+1]].
func grouped(keys, vals []uint32, n int) (start, out []uint32) {
	start = offsets(keys, n)
	out = make([]uint32, len(keys))
	next := slices.Clone(start[:n])
	for j, k := range keys {
		out[next[k]] = vals[j]
		next[k]++
	}
	return start, out
}

// prepareIdentTimes fills sortedIdent and lists each identity's commits
// in time order, for the older half of the time order or else the newer
// one: a counting sort by identity of the time order keeps it within
// each. The older half fills each identity's range from its start, the
// newer from its end, so that they need not count each other's commits.
func (v *View) prepareIdentTimes(older bool) {
	author := v.x.Author
	h := len(v.byTime) / 2
	if older {
		next := slices.Clone(v.identOff[:len(v.identOff)-1])
		for k, i := range v.byTime[:h] {
			a := author[i]
			v.sortedIdent[k] = a
			v.identTime[next[a]], v.identPos[next[a]], v.identRank[next[a]] = v.sortedTime[k], i, uint32(k)
			next[a]++
		}
		return
	}
	end := slices.Clone(v.identOff[1:])
	for k := len(v.byTime) - 1; k >= h; k-- {
		i := v.byTime[k]
		a := author[i]
		v.sortedIdent[k] = a
		end[a]--
		v.identTime[end[a]], v.identPos[end[a]], v.identRank[end[a]] = v.sortedTime[k], i, uint32(k)
	}
}

func (v *View) prepareCreated() {
	x := v.x
	// A history cut short (a shallow clone) may have no root: then the
	// oldest commit known stands in for it.
	v.created, v.exactCreated = maxTime, true
	for i, parents := range x.Parents {
		if parents == 0 && x.DateKnown(i) {
			v.created = min(v.created, x.AuthorTime[i])
		}
	}
	if v.created == maxTime {
		// Unknown dates sort first: the oldest known one stands in.
		known, _ := slices.BinarySearch(v.sortedTime, index.UnknownTime+1)
		if known < len(v.sortedTime) {
			v.created, v.exactCreated = v.sortedTime[known], false
		}
	}
}

// span returns the range [lo, hi) of byTime whose author times lie within
// [from, to].
func (v *View) span(from, to int64) (lo, hi int) { return within(v.sortedTime, from, to) }

// identCount returns how many commits of identity a have author times
// within [from, to].
func (v *View) identCount(a int, from, to int64) int {
	lo, hi := v.identSpan(a, from, to)
	return hi - lo
}

// identSpan returns the range of identTime and identPos that holds the
// commits of identity a with author times within [from, to].
func (v *View) identSpan(a int, from, to int64) (lo, hi int) {
	start := int(v.identOff[a])
	lo, hi = within(v.identTime[start:v.identOff[a+1]], from, to)
	return start + lo, start + hi
}

// within returns the range [lo, hi) of the ascending times that lie
// within [from, to].
func within(times []int64, from, to int64) (lo, hi int) {
	lo, _ = slices.BinarySearch(times, from)
	if to == maxTime {
		return lo, len(times)
	}
	n, _ := slices.BinarySearch(times[lo:], to+1)
	return lo, lo + n
}
