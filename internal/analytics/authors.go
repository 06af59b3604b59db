package analytics

import (
	"cmp"
	"slices"
	"time"
)

// AuthorsResponse is the body of /api/repositories/authors.
type AuthorsResponse struct {
	Authors []AuthorStats `json:"authors"`
	// StatsPending reports that line statistics are still being indexed:
	// additions and deletions are zero until they are.
	StatsPending bool `json:"statsPending"`
}

// AuthorStats is what one mailmapped author did.
type AuthorStats struct {
	Name    string `json:"name"`
	Commits int    `json:"commits"`
	// Additions and Deletions are the lines changed by the author's
	// non-merge commits.
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
	// FirstCommit and LastCommit are the author's oldest and newest author
	// dates in UTC; nil (null) when git can read none of them.
	FirstCommit *time.Time `json:"firstCommit"`
	LastCommit  *time.Time `json:"lastCommit"`
}

// authorTotals accumulates one author name's statistics.
type authorTotals struct {
	commits, added, deleted int
	first, last             int64
}

// Authors sums up, per mailmapped author name, the commits matching f's
// authors and dates (the whole history without dates): how many, the
// lines they changed and the first and last author dates. The list is
// sorted by commits, most first, then by name case-insensitively; never
// nil.
func (v *View) Authors(f Filter) AuthorsResponse {
	x := v.x
	totals := make([]authorTotals, len(v.names))
	q := v.compile(f)
	for i, t := range q.each() {
		a := &totals[v.nameID[x.Author[i]]]
		if a.commits == 0 {
			a.first, a.last = maxTime, minTime
		}
		a.commits++
		added, deleted := q.lines(i)
		a.added += added
		a.deleted += deleted
		if x.DateKnown(i) {
			a.first, a.last = min(a.first, t), max(a.last, t)
		}
	}
	res := AuthorsResponse{Authors: []AuthorStats{}, StatsPending: !v.stats}
	for n, a := range totals {
		if a.commits == 0 {
			continue
		}
		s := AuthorStats{Name: v.names[n], Commits: a.commits, Additions: a.added, Deletions: a.deleted}
		if a.first <= a.last {
			first, last := utc(a.first), utc(a.last)
			s.FirstCommit, s.LastCommit = &first, &last
		}
		res.Authors = append(res.Authors, s)
	}
	// names are in case-insensitive order already: a stable sort by
	// commits keeps it among equals.
	slices.SortStableFunc(res.Authors, func(a, b AuthorStats) int { return cmp.Compare(b.Commits, a.Commits) })
	return res
}
