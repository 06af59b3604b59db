package analytics

import (
	"iter"
	"math"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/index"
)

// Filter selects the commits (and, for churn, the files) a query looks at.
// The zero Filter selects everything.
type Filter struct {
	// Authors select commits whose mailmapped author name or email one
	// of them is a part of, as activity.MatchAuthor says (case is
	// ignored). Empty: every author.
	Authors []string
	// From and To bound the author date, both inclusive; a zero time
	// leaves that side open.
	From, To time.Time
	// Extensions keeps files with one of these extensions (without the
	// dot; case and a leading dot are ignored). Empty: every file. Churn
	// only.
	Extensions []string
	// Paths keeps files at or under one of these paths (a file, or a
	// directory with or without a trailing slash). Empty: every file.
	// Churn only.
	Paths []string
	// MinChanges keeps files with at least this many changed lines; zero
	// means no minimum. Churn only.
	MinChanges int
	// ExcludeBots drops the commits of authors IsBot calls bots.
	ExcludeBots bool
	// Exclude drops the files these patterns match (see compilePattern;
	// ExcludeDefault stands for DefaultExclude) from every count made of
	// files or lines: churn, the line counts of activity and authors,
	// ownership and coupling. Commits are still counted.
	Exclude []string
}

const (
	minTime = math.MinInt64
	maxTime = math.MaxInt64
)

// query is a Filter's commit selection compiled against a view.
type query struct {
	v *View
	// authors says per identity whether it passes the author filter; nil
	// passes every identity.
	authors []bool
	// from and to are the inclusive author time bounds in Unix seconds.
	from, to int64
	// excluded says per path whether Filter.Exclude drops it; nil drops
	// none.
	excluded []bool
}

func (v *View) compile(f Filter) query {
	q := query{v: v}
	q.from, q.to = dateBounds(f)
	if len(f.Authors) > 0 || f.ExcludeBots {
		q.authors = make([]bool, len(v.lowerName))
		match := activity.LowerAuthors(f.Authors)
		for id := range q.authors {
			q.authors[id] = (len(f.Authors) == 0 || match.Match(v.lowerName[id], v.lowerEmail[id])) &&
				!(f.ExcludeBots && v.bot[id])
		}
	}
	q.excluded = v.excluded(f.Exclude)
	return q
}

// dateBounds returns f's inclusive author time bounds in Unix seconds.
func dateBounds(f Filter) (from, to int64) {
	from, to = minTime, maxTime
	if !f.From.IsZero() {
		from = f.From.Unix()
		if f.From.Nanosecond() > 0 {
			from++ // a commit in that second is before From
		}
	}
	if !f.To.IsZero() {
		to = f.To.Unix()
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		// A commit whose date git cannot read is in no date range.
		from = max(from, index.UnknownTime+1)
	}
	return from, to
}

// lines returns the lines commit i added and deleted in the files the
// filter does not exclude (zero until line statistics are in).
func (q *query) lines(i int) (added, deleted int) {
	x := q.v.x
	if !q.v.stats {
		return 0, 0
	}
	if q.excluded == nil {
		return int(x.Added[i]), int(x.Deleted[i])
	}
	lo, hi := x.Changes(i)
	for j := lo; j < hi; j++ {
		if !q.excluded[x.ChangePath[j]] {
			added += int(x.ChangeAdded[j])
			deleted += int(x.ChangeDeleted[j])
		}
	}
	return added, deleted
}

// author reports whether commit i passes the author filter.
func (q *query) author(i int) bool {
	return q.authors == nil || q.authors[q.v.x.Author[i]]
}

// count returns how many commits pass the filter: the commits in the
// date range less, per identity, those the author filter drops (or the
// sum over the identities it keeps, when they are fewer).
func (q *query) count() int {
	lo, hi := q.v.span(q.from, q.to)
	if q.authors == nil {
		return hi - lo
	}
	kept := 0
	for _, ok := range q.authors {
		if ok {
			kept++
		}
	}
	sumKept := kept <= len(q.authors)/2
	n := 0
	for a, ok := range q.authors {
		if ok == sumKept {
			n += q.v.identCount(a, q.from, q.to)
		}
	}
	if sumKept {
		return n
	}
	return hi - lo - n
}

// matches reports whether commit i passes the filter.
func (q *query) matches(i int) bool {
	t := q.v.x.AuthorTime[i]
	return t >= q.from && t <= q.to && q.author(i)
}

// each yields the position and author time of every matching commit, in
// whichever order reads memory faster: when the matching commits are
// many, by position, reading the columns in order (from the first to the
// last position of a commit in the date range); otherwise by time, as
// timeOrdered. The same commits either way: for sums and counts only.
func (q *query) each() iter.Seq2[int, int64] {
	lo, hi := q.v.span(q.from, q.to)
	// A commit visited by time costs a few cache misses; one by position
	// a few sequential reads: by position is cheaper from about one
	// commit in the range in randomRead.
	const randomRead = 16
	if (hi-lo)*randomRead < 4096 {
		return q.timeOrdered()
	}
	first, last := q.v.x.Len(), -1
	if lo > 0 || hi < q.v.x.Len() {
		for _, i := range q.v.byTime[lo:hi] {
			first, last = min(first, int(i)), max(last, int(i))
		}
	} else {
		first, last = 0, q.v.x.Len()-1
	}
	if (last - first + 1) > (hi-lo)*randomRead {
		return q.timeOrdered()
	}
	return func(yield func(int, int64) bool) {
		times := q.v.x.AuthorTime
		for i := first; i <= last; i++ {
			if t := times[i]; t >= q.from && t <= q.to && q.author(i) && !yield(i, t) {
				return
			}
		}
	}
}

// selected yields the position of every matching commit: through the
// lists of the identities the author filter keeps when their commits
// are fewer than a sixteenth of the window's, else as each does.
func (q *query) selected() iter.Seq[int] {
	lo, hi := q.v.span(q.from, q.to)
	if q.authors == nil || q.count()*16 >= hi-lo {
		return func(yield func(int) bool) {
			for i := range q.each() {
				if !yield(i) {
					return
				}
			}
		}
	}
	return func(yield func(int) bool) {
		for a, ok := range q.authors {
			if !ok {
				continue
			}
			start, end := q.v.identSpan(a, q.from, q.to)
			for _, i := range q.v.identPos[start:end] {
				if !yield(int(i)) {
					return
				}
			}
		}
	}
}

// everyAuthor drops q's author filter when it keeps every identity that
// authored a commit.
func (v *View) everyAuthor(q *query) {
	for a, ok := range q.authors {
		if !ok && v.identOff[a+1] > v.identOff[a] {
			return
		}
	}
	q.authors = nil
}

// timeOrdered yields the position and author time of every matching
// commit, by ascending author time.
func (q *query) timeOrdered() iter.Seq2[int, int64] {
	return func(yield func(int, int64) bool) {
		lo, hi := q.v.span(q.from, q.to)
		for k := lo; k < hi; k++ {
			if (q.authors == nil || q.authors[q.v.sortedIdent[k]]) && !yield(int(q.v.byTime[k]), q.v.sortedTime[k]) {
				return
			}
		}
	}
}
