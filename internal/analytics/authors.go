package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
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
	totals := make([]authorTotals, len(v.names))
	q := v.compile(f)
	lo, hi := v.span(q.from, q.to)
	fix := v.lineFix(f.Exclude, &q, lo, hi)
	sumAdded, sumDeleted := v.identSums()
	// The lines of an identity's commits in the window are a difference
	// of its running totals, less those in excluded files; else they are
	// counted commit by commit.
	bySums := sumAdded != nil && (q.excluded == nil || fix != nil)
	for a := range len(v.identOff) - 1 {
		if q.authors != nil && !q.authors[a] {
			continue
		}
		start, end := v.identSpan(a, q.from, q.to)
		if start == end {
			continue
		}
		t := &totals[v.nameID[a]]
		if t.commits == 0 {
			t.first, t.last = maxTime, minTime
		}
		t.commits += end - start
		// Unknown dates sort first.
		times := v.identTime[start:end]
		if known, _ := slices.BinarySearch(times, index.UnknownTime+1); known < len(times) {
			t.first, t.last = min(t.first, times[known]), max(t.last, times[len(times)-1])
		}
		switch {
		case bySums:
			added, deleted := sumAdded[end-1], sumDeleted[end-1]
			if start > int(v.identOff[a]) {
				added -= sumAdded[start-1]
				deleted -= sumDeleted[start-1]
			}
			t.added += int(added)
			t.deleted += int(deleted)
		case v.stats:
			for _, i := range v.identPos[start:end] {
				added, deleted := q.lines(int(i))
				t.added += added
				t.deleted += deleted
			}
		}
	}
	if bySums && fix != nil {
		for e := fix.after(lo); e < len(fix.rank) && int(fix.rank[e]) < hi; e++ {
			if a := v.sortedIdent[fix.rank[e]]; q.authors == nil || q.authors[a] {
				t := &totals[v.nameID[a]]
				t.added -= int(fix.added[e])
				t.deleted -= int(fix.deleted[e])
			}
		}
	}
	// Name ids are in case-insensitive order already: they break ties
	// of commits (sorting ids, not AuthorStats, which are ten times
	// larger).
	var order []int
	for n, a := range totals {
		if a.commits > 0 {
			order = append(order, n)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(totals[b].commits, totals[a].commits), cmp.Compare(a, b))
	})
	res := AuthorsResponse{Authors: make([]AuthorStats, len(order)), StatsPending: !v.stats}
	for k, n := range order {
		a := totals[n]
		s := AuthorStats{Name: v.names[n], Commits: a.commits, Additions: a.added, Deletions: a.deleted}
		if a.first <= a.last {
			first, last := utc(a.first), utc(a.last)
			s.FirstCommit, s.LastCommit = &first, &last
		}
		res.Authors[k] = s
	}
	return res
}
