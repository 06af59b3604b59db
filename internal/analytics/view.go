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

	"github.com/gitpulse/gitpulse/internal/index"
)

// View is an index prepared for queries. It is immutable and safe for
// concurrent use.
type View struct {
	x *index.Index

	// Per identity (index.Index.Idents): lower-cased name and email for
	// author filters, and the contributor name id (meaningful for authors
	// only).
	lowerName, lowerEmail []string
	nameID                []uint32
	// names are the distinct author names, sorted case-insensitively
	// (ties by exact string): name id n is names[n].
	names []string

	// pathExt is each path's extension id in extID.
	pathExt []uint32
	extID   map[string]uint32
	// byPath lists the path ids in byte order of the paths.
	byPath []uint32

	// byTime lists commit positions by ascending author time (ties: older
	// in git log order first); sortedTime[k] is the author time of byTime[k].
	byTime     []int32
	sortedTime []int64

	// created is the author time of the oldest root commit.
	created int64
}

// NewView prepares x for queries. x must not be modified afterwards.
func NewView(x *index.Index) *View {
	v := &View{x: x}
	v.prepareIdents()
	v.preparePaths()
	v.prepareTimes()
	return v
}

// Index returns the index the view was made from.
func (v *View) Index() *index.Index { return v.x }

func (v *View) prepareIdents() {
	ids := v.x.Idents
	v.lowerName = make([]string, len(ids))
	v.lowerEmail = make([]string, len(ids))
	for i, id := range ids {
		v.lowerName[i] = strings.ToLower(id.Name)
		v.lowerEmail[i] = strings.ToLower(id.Email)
	}
	// Idents holds committers too: only authors are contributors.
	isAuthor := make([]bool, len(ids))
	for _, a := range v.x.Author {
		isAuthor[a] = true
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if isAuthor[i] && !seen[id.Name] {
			seen[id.Name] = true
			v.names = append(v.names, id.Name)
		}
	}
	slices.SortFunc(v.names, compareNames)
	rank := make(map[string]uint32, len(v.names))
	for n, name := range v.names {
		rank[name] = uint32(n)
	}
	v.nameID = make([]uint32, len(ids))
	for i, id := range ids {
		v.nameID[i] = rank[id.Name] // 0, unused, for committers only
	}
}

// compareNames orders contributor names case-insensitively, ties by the
// exact string so that the order is total.
func compareNames(a, b string) int {
	if c := cmp.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
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
}

func (v *View) prepareTimes() {
	x := v.x
	n := x.Len()
	v.byTime = make([]int32, n)
	for k := range v.byTime {
		// git log lists newest first, so the reversed order is nearly
		// sorted already.
		v.byTime[k] = int32(n - 1 - k)
	}
	slices.SortStableFunc(v.byTime, func(a, b int32) int {
		return cmp.Compare(x.AuthorTime[a], x.AuthorTime[b])
	})
	v.sortedTime = make([]int64, n)
	for k, i := range v.byTime {
		v.sortedTime[k] = x.AuthorTime[i]
	}
	first := true
	for i, parents := range x.Parents {
		if parents == 0 && (first || x.AuthorTime[i] < v.created) {
			v.created, first = x.AuthorTime[i], false
		}
	}
}

// span returns the range [lo, hi) of byTime whose author times lie within
// [from, to].
func (v *View) span(from, to int64) (lo, hi int) {
	lo, _ = slices.BinarySearch(v.sortedTime, from)
	hi = lo
	if to < maxTime {
		hi, _ = slices.BinarySearch(v.sortedTime[lo:], to+1)
		hi += lo
	} else {
		hi = len(v.sortedTime)
	}
	return lo, hi
}
