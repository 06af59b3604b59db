package analytics

import "time"

// DefaultLimit is the page size used when a caller asks for none.
const DefaultLimit = 100

// CommitsPage is one page of the commits matching a filter, the body of
// /api/repositories/commits.
type CommitsPage struct {
	// Commits are in git log order, newest first; never nil.
	Commits []Commit `json:"commits"`
	Page    int      `json:"page"`
	Limit   int      `json:"limit"`
	// Total counts every matching commit, on all pages.
	Total int `json:"total"`
	// HasMore reports whether later pages hold more commits.
	HasMore bool `json:"hasMore"`
	// StatsPending reports that line statistics are still being indexed:
	// commits carry no stats or filesChanged yet.
	StatsPending bool `json:"statsPending"`
}

// Commit is one commit as the API lists it.
type Commit struct {
	SHA string `json:"sha"`
	// Message is the subject line.
	Message string `json:"message"`
	Author  Author `json:"author"`
	// Date is the author date in UTC; the zero time (0001-01-01) when git
	// cannot read it, and then DateUnknown is set.
	Date        time.Time `json:"date"`
	DateUnknown bool      `json:"dateUnknown,omitempty"`
	// Stats is nil (omitted) while line statistics are pending; merges
	// have 0/0.
	Stats *Stats `json:"stats,omitempty"`
	// FilesChanged is nil (omitted) while line statistics are pending.
	FilesChanged *int `json:"filesChanged,omitempty"`
	IsMerge      bool `json:"isMerge"`
}

// Author is a mailmapped commit author.
type Author struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Stats are a commit's changed line counts.
type Stats struct {
	Additions int `json:"additions"`
	Deletions int `json:"deletions"`
}

// Commits returns page page (from 1) of limit commits matching f's authors
// and dates, in git log order. A page past the end is empty; page < 1 is
// page 1 and limit < 1 is DefaultLimit.
func (v *View) Commits(f Filter, page, limit int) CommitsPage {
	page = max(page, 1)
	if limit < 1 {
		limit = DefaultLimit
	}
	q := v.compile(f)
	skip := (page - 1) * limit
	res := CommitsPage{Page: page, Limit: limit, StatsPending: !v.stats, Total: q.count()}
	// The page's commits are the first matching ones past skip: the scan
	// stops as soon as it has them.
	want := min(max(res.Total-skip, 0), limit)
	picked := make([]int, 0, want)
	seen := 0
	for i := 0; len(picked) < want && i < v.x.Len(); i++ {
		if q.matches(i) {
			if seen >= skip {
				picked = append(picked, i)
			}
			seen++
		}
	}
	res.HasMore = res.Total > skip+limit
	res.Commits = make([]Commit, len(picked))
	for k, i := range picked {
		res.Commits[k] = v.commit(i)
	}
	return res
}

// commit describes commit i.
func (v *View) commit(i int) Commit {
	x := v.x
	id := x.Idents[x.Author[i]]
	c := Commit{
		SHA:     x.Hash(i),
		Message: x.Subject(i),
		Author:  Author{Name: id.Name, Email: id.Email},
		IsMerge: x.IsMerge(i),
	}
	if x.DateKnown(i) {
		c.Date = utc(x.AuthorTime[i])
	} else {
		c.DateUnknown = true
	}
	if v.stats {
		files := int(x.FilesChanged[i])
		c.Stats = &Stats{Additions: int(x.Added[i]), Deletions: int(x.Deleted[i])}
		c.FilesChanged = &files
	}
	return c
}
