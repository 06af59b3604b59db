package analytics

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
)

// The time-shaped queries read pre-aggregates (punch card cells, running
// line totals per identity, lines in excluded files per commit) and walk
// the commits in time order. These tests compare them with scans of
// every commit that follow the definitions: time.Time's weekday and hour,
// a bucket found by search, a set of names per bucket, the lines of each
// change.

// scanBuckets is sumBuckets by a scan of every commit in position order.
func scanBuckets(v *View, f Filter, bounds []int64) bucketSums {
	n := len(bounds) - 1
	s := bucketSums{commits: make([]int, n), authors: make([]int, n), added: make([]int, n), deleted: make([]int, n)}
	names := make([]map[string]bool, n)
	q := v.compile(f)
	for i := range v.x.Len() {
		if !q.matches(i) {
			continue
		}
		t := v.x.AuthorTime[i]
		b, found := slices.BinarySearch(bounds, t)
		if !found {
			b--
		}
		s.commits[b]++
		if names[b] == nil {
			names[b] = map[string]bool{}
		}
		names[b][v.x.Idents[v.x.Author[i]].Name] = true
		added, deleted := q.lines(i)
		s.added[b] += added
		s.deleted[b] += deleted
	}
	for b := range names {
		s.authors[b] = len(names[b])
	}
	return s
}

// scanHeatmap and scanActivity are Heatmap and Activity from scanBuckets.
func scanHeatmap(v *View, f Filter, period string, now time.Time) HeatmapData {
	f.From, f.To = heatmapRange(f.From, f.To, now)
	period = choosePeriod(period, f.From, f.To)
	h := HeatmapData{TimePeriod: period, Data: []HeatmapPoint{}, Metadata: HeatmapMetadata{DateRange: dateRange(f.From, f.To)}}
	if f.To.Before(f.From) {
		return h
	}
	bounds := bucketBounds(period, f.From, f.To)
	s := scanBuckets(v, f, bounds)
	for k := range len(bounds) - 1 {
		h.Data = append(h.Data, HeatmapPoint{Date: formatDay(bounds[k]), Count: s.commits[k], Authors: s.authors[k]})
		h.Metadata.TotalCommits += s.commits[k]
	}
	return h
}

func scanActivity(v *View, f Filter, period string, now time.Time) ActivityData {
	f = ActivityWindow(f, now)
	period = choosePeriod(period, f.From, f.To)
	a := ActivityData{TimePeriod: period, Data: []ActivityPoint{}, Metadata: ActivityTotals{DateRange: dateRange(f.From, f.To)},
		StatsPending: !v.stats}
	if f.To.Before(f.From) {
		return a
	}
	bounds := bucketBounds(period, f.From, f.To)
	s := scanBuckets(v, f, bounds)
	for k := range len(bounds) - 1 {
		a.Data = append(a.Data, ActivityPoint{Date: formatDay(bounds[k]), Commits: s.commits[k], Authors: s.authors[k],
			Additions: s.added[k], Deletions: s.deleted[k]})
		a.Metadata.TotalCommits += s.commits[k]
		a.Metadata.TotalAdditions += s.added[k]
		a.Metadata.TotalDeletions += s.deleted[k]
	}
	return a
}

// scanPunchcard is Punchcard from each commit's date in its author's zone.
func scanPunchcard(v *View, f Filter) PunchcardData {
	d := PunchcardData{Data: make([]PunchcardCell, 7*24)}
	for c := range d.Data {
		d.Data[c] = PunchcardCell{Day: c / 24, Hour: c % 24}
	}
	q := v.compile(f)
	for i := range v.x.Len() {
		if q.matches(i) && v.x.DateKnown(i) {
			at := v.x.AuthorDate(i)
			d.Data[int(at.Weekday())*24+at.Hour()].Commits++
			d.TotalCommits++
		}
	}
	return d
}

// scanAuthors is Authors by a scan of every commit.
func scanAuthors(v *View, f Filter) AuthorsResponse {
	type totals struct {
		commits, added, deleted int
		first, last             *time.Time
	}
	byName := map[string]*totals{}
	q := v.compile(f)
	for i := range v.x.Len() {
		if !q.matches(i) {
			continue
		}
		name := v.x.Idents[v.x.Author[i]].Name
		t := byName[name]
		if t == nil {
			t = &totals{}
			byName[name] = t
		}
		t.commits++
		added, deleted := q.lines(i)
		t.added += added
		t.deleted += deleted
		if v.x.DateKnown(i) {
			at := utc(v.x.AuthorTime[i])
			if t.first == nil || at.Before(*t.first) {
				t.first = &at
			}
			if t.last == nil || at.After(*t.last) {
				t.last = &at
			}
		}
	}
	res := AuthorsResponse{Authors: []AuthorStats{}, StatsPending: !v.stats}
	for name, t := range byName {
		res.Authors = append(res.Authors, AuthorStats{Name: name, Commits: t.commits, Additions: t.added, Deletions: t.deleted,
			FirstCommit: t.first, LastCommit: t.last})
	}
	slices.SortFunc(res.Authors, func(a, b AuthorStats) int {
		return cmp.Or(cmp.Compare(b.Commits, a.Commits), cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)),
			cmp.Compare(a.Name, b.Name))
	})
	return res
}

// timeFilters are fastPathFilters with more exclusion sets, so that the
// lines in excluded files are subtracted by a lineFix as well as read
// change by change, windows from midnight to the last second of a day
// (buckets whole to their last second), authors by e-mail (one
// identity of a name that has several, in timeViews) and all but bots.
func timeFilters(v *View) []Filter {
	filters := fastPathFilters(v)
	excludes := [][]string{nil, {"*.md", "docs/"}, {"src/"}, {ExcludeDefault}, {"*"}}
	r := rand.New(rand.NewPCG(7, 8))
	known, _ := slices.BinarySearch(v.sortedTime, index.UnknownTime+1)
	oldest, newest := startOfDay(utc(v.sortedTime[known])), utc(v.sortedTime[len(v.sortedTime)-1])
	for k := range filters {
		if k%3 == 0 {
			filters[k].Exclude = excludes[k/3%len(excludes)]
		}
		if k%7 == 0 {
			from := oldest.AddDate(0, 0, r.IntN(int(newest.Sub(oldest).Hours()/24)))
			filters[k].From, filters[k].To = from, from.AddDate(0, r.IntN(40), r.IntN(60)).Add(-time.Nanosecond)
		}
		switch k % 10 {
		case 4:
			id := v.x.Idents[v.x.Author[r.IntN(v.x.Len())]]
			filters[k].Authors = []string{id.Email}
		case 9:
			filters[k].Authors, filters[k].ExcludeBots = nil, true
		}
	}
	return filters
}

// timeViews are generatedViews and one where pairs of identities share a
// name (distinct authors are names, filters match identities: one of a
// pair by e-mail, or all but the bots), and one
// with a date centuries away (no calendar: its buckets are counted commit
// by commit).
func timeViews(t *testing.T) []*View {
	views := generatedViews(t)
	x := views[0].x
	shared := *x
	shared.Idents = slices.Clone(x.Idents)
	for a := 1; a < len(shared.Idents); a += 2 {
		shared.Idents[a].Name = shared.Idents[a-1].Name
		if a%4 == 1 {
			// A bot: ExcludeBots drops one identity of the name.
			shared.Idents[a].Email = fmt.Sprintf("build%d[bot]@example.com", a)
		}
	}
	far := *x
	far.AuthorTime = slices.Clone(x.AuthorTime)
	far.AuthorTime[7] += 800 * 365 * secondsPerDay
	views = append(views, NewView(&shared), NewView(&far))
	if len(views[2].names) >= len(views[0].names) || views[3].calendar() != nil {
		t.Fatal("no names shared, or a calendar over eight centuries")
	}
	return views
}

func TestTimeQueriesEqualScans(t *testing.T) {
	periods := []string{"", PeriodDay, PeriodWeek, PeriodMonth}
	fixed := 0
	for vk, v := range timeViews(t) {
		now := utc(v.sortedTime[len(v.sortedTime)-1])
		filters := timeFilters(v)
		for fk, f := range filters {
			period := periods[fk%len(periods)]
			if got, want := v.Heatmap(f, period, now), scanHeatmap(v, f, period, now); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v, period %q: heatmap differs from the scan's", vk, fk, f, period)
			}
			if got, want := v.Activity(f, period, now), scanActivity(v, f, period, now); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v, period %q: activity %+v, scan %+v", vk, fk, f, period, got.Metadata, want.Metadata)
			}
			if got, want := v.Punchcard(f), scanPunchcard(v, f); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v: punch card differs from the scan's", vk, fk, f)
			}
			if got, want := v.Authors(f), scanAuthors(v, f); !reflect.DeepEqual(got, want) {
				t.Fatalf("view %d, filter %d %+v: authors\n%+v\nscan\n%+v", vk, fk, f, got, want)
			}
			q := v.compile(f)
			lo, hi := v.span(q.from, q.to)
			if v.lineFix(f.Exclude, &q, lo, hi) != nil {
				fixed++
			}
		}
	}
	if fixed == 0 {
		t.Fatal("no filter had its excluded lines subtracted by a lineFix")
	}
}

// TestTimeQueriesWithoutSums checks the fallbacks: an identity past 2^32
// lines has no running totals, and a commit whose totals are not the sums
// of its changes no lineFix; lines are then counted commit by commit.
func TestTimeQueriesWithoutSums(t *testing.T) {
	const big = 3_000_000_000
	// Three commits a day apart, the last one by B.
	x := &index.Index{
		Idents: []index.Ident{{Name: "A", Email: "a@example.com"}, {Name: "B", Email: "b@example.com"}}, Author: []uint32{0, 0, 1},
		AuthorTime: []int64{3*secondsPerDay + 5, 2*secondsPerDay + 5, secondsPerDay + 5}, AuthorZone: make([]int16, 3), Parents: []uint16{1, 1, 0},
		HasStats: true, Added: []uint32{big, big, 5}, Deleted: []uint32{0, 0, 9}, FilesChanged: []uint32{1, 2, 1},
		ChangeOff: []uint32{0, 1, 3, 4}, ChangePath: []uint32{0, 0, 1, 1}, ChangeAdded: []uint32{big, big, 0, 1},
		ChangeDeleted: []uint32{0, 0, 0, 2}, Paths: []string{"a.txt", "b.md"},
	}
	v := NewView(x)
	if added, _ := v.identSums(); added != nil {
		t.Fatal("running totals kept for an identity past 2^32 lines")
	}
	q := v.compile(Filter{Exclude: []string{"*.md"}})
	if v.lineFix([]string{"*.md"}, &q, 0, 3) != nil {
		t.Fatal("a lineFix made for a commit whose totals are not its changes' sums")
	}
	now := utc(4 * secondsPerDay)
	for _, authors := range [][]string{nil, {"a@"}, {"b@"}} {
		for _, exclude := range [][]string{nil, {"*.md"}, {"*.txt"}} {
			f := Filter{Authors: authors, Exclude: exclude}
			if got, want := v.Authors(f), scanAuthors(v, f); !reflect.DeepEqual(got, want) {
				t.Fatalf("filter %+v: authors %+v, scan %+v", f, got, want)
			}
			f.From = utc(0)
			if got, want := v.Activity(f, PeriodDay, now), scanActivity(v, f, PeriodDay, now); !reflect.DeepEqual(got, want) {
				t.Fatalf("filter %+v: activity %+v, scan %+v", f, got.Data, want.Data)
			}
		}
	}
}

// TestBucketBoundsAndDays compares the bucket arithmetic with time.Time's
// calendar: bounds by AddDate, days by Format.
func TestBucketBoundsAndDays(t *testing.T) {
	calendarBounds := func(period string, from, to time.Time) []int64 {
		start, months, days := startOfDay(from), 0, 1
		switch period {
		case PeriodWeek:
			start, days = start.AddDate(0, 0, -(int(start.Weekday())+6)%7), 7
		case PeriodMonth:
			start, months, days = start.AddDate(0, 0, 1-start.Day()), 1, 0
		}
		bounds := []int64{start.Unix()}
		for at := start; !at.After(to); {
			at = at.AddDate(0, months, days)
			bounds = append(bounds, at.Unix())
		}
		return bounds
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 500 {
		from := time.Unix(r.Int64N(4e9)-1e9, r.Int64N(2e9)).In(time.FixedZone("", 3600*(r.IntN(25)-12)))
		to := from.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
		if r.IntN(2) == 0 {
			to = startOfDay(to) // the first second of a bucket
		}
		for _, period := range []string{PeriodDay, PeriodWeek, PeriodMonth} {
			got, want := bucketBounds(period, from, to), calendarBounds(period, from, to)
			if !slices.Equal(got, want) {
				t.Fatalf("%s buckets from %v to %v: %v, want %v", period, from, to, got, want)
			}
			days := bucketDays(got)
			for k, at := range got {
				if days[k] != formatDay(at) {
					t.Fatalf("day of %d: %s, want %s", at, days[k], formatDay(at))
				}
			}
		}
	}
	// Years of other than four digits are formatted by time.Time.
	for _, starts := range [][]int64{{-62167219200 - secondsPerDay, 0}, {253402300800, 0}, {-62167219200, 253402300799}} {
		days := bucketDays(starts)
		for k, at := range starts {
			if days[k] != formatDay(at) {
				t.Fatalf("day of %d: %s, want %s", at, days[k], formatDay(at))
			}
		}
	}
}

// TestLineFixMemoBounded checks that a view forgets its lineFix sets
// rather than hold more than maxFixSets, or more entries than
// fixEntriesPerCommit per commit.
func TestLineFixMemoBounded(t *testing.T) {
	v := NewView(generatedViews(t)[0].x)
	n := len(v.byTime)
	for k := range 3 * maxFixSets {
		items := []string{"/" + v.x.Paths[k*7%len(v.x.Paths)]} // a few commits' lines
		if k >= 2*maxFixSets {
			items = []string{"*", fmt.Sprint(k)} // every commit's lines
		}
		q := v.compile(Filter{Exclude: items})
		if fix := v.lineFix(items, &q, 0, n); fix == nil || len(fix.rank) == 0 {
			t.Fatalf("exclusion %q: no lineFix", items)
		}
		v.tl.fixMu.Lock()
		sets, entries := len(v.tl.fixes), v.fixEntries()
		v.tl.fixMu.Unlock()
		if sets > maxFixSets || entries > fixEntriesPerCommit*n+n {
			t.Fatalf("after %d exclusion sets: %d remembered with %d entries (%d commits)", k+1, sets, entries, n)
		}
	}
}

// TestLineFixOneBuildAtATime checks that a query with a new exclusion set
// starts no second build while one is being made: it gets no lineFix (and
// reads the changes), even for a window that would wait, and the set is
// not remembered; once no build runs, the set gets its lineFix.
func TestLineFixOneBuildAtATime(t *testing.T) {
	v := NewView(generatedViews(t)[0].x)
	n := len(v.byTime)
	items := []string{"*.md"}
	q := v.compile(Filter{Exclude: items})
	v.tl.fixMu.Lock()
	v.tl.building = true
	v.tl.fixMu.Unlock()
	if fix := v.lineFix(items, &q, 0, n); fix != nil {
		t.Fatal("a second lineFix made while one was being made")
	}
	v.tl.fixMu.Lock()
	remembered := len(v.tl.fixes)
	v.tl.building = false
	v.tl.fixMu.Unlock()
	if remembered != 0 {
		t.Fatalf("%d exclusion sets remembered while a build ran", remembered)
	}
	if fix := v.lineFix(items, &q, 0, n); fix == nil || len(fix.rank) == 0 {
		t.Fatal("no lineFix once no build ran")
	}
	v.tl.fixMu.Lock()
	defer v.tl.fixMu.Unlock()
	if v.tl.building {
		t.Fatal("still building after the lineFix was made")
	}
}
