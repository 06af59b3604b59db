package cli

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/latency"
)

// benchFilterCount is how many filter combinations every query is timed
// with.
const benchFilterCount = 120

// benchCase is one filter combination with the options of the queries
// that take more than a filter.
type benchCase struct {
	f      analytics.Filter
	period string
	churn  analytics.ChurnOptions
	depth  int
	couple analytics.CouplingOptions
	page   int
}

// benchCases draws benchFilterCount combinations from the index itself:
// its busiest, middling and rarest authors and a substring many match,
// windows from a month to the whole history (and open on one side),
// its commonest extensions and top directories, exclusions, bots left
// out or not, minimum changes, periods, directory groupings and pages.
// Dimensions cycle with coprime lengths, so the combinations differ.
func benchCases(v *analytics.View, newest time.Time) []benchCase {
	x := v.Index()
	byCommits := v.Authors(analytics.Filter{}).Authors // most commits first
	name := func(rank int) string {
		if len(byCommits) == 0 {
			return "nobody"
		}
		return byCommits[min(rank, len(byCommits)-1)].Name
	}
	authorSets := [][]string{nil, {name(0)}, {name(0), name(1), name(2)}, {name(len(byCommits) / 10)},
		{name(len(byCommits) - 1)}, {"a"}, nil}
	var oldest time.Time
	for i := x.Len() - 1; i >= 0; i-- {
		if x.DateKnown(i) {
			oldest = time.Unix(x.AuthorTime[i], 0)
			break
		}
	}
	windows := [][2]time.Time{{}, {newest.AddDate(0, -1, 0), newest}, {newest.AddDate(0, -3, 0), newest},
		{newest.AddDate(-1, 0, 0), newest}, {newest.AddDate(-3, 0, 0), newest}, {newest.AddDate(-6, 0, 0), newest.AddDate(-5, 0, 0)},
		{oldest, newest}, {newest.AddDate(-2, 0, 0), time.Time{}}, {time.Time{}, newest.AddDate(-8, 0, 0)}, {}, {}}
	exts, dirs := commonExtensionsAndDirs(x)
	extSets := [][]string{nil, exts[:min(1, len(exts))], exts[:min(2, len(exts))], {"c", "h"}, nil}
	pathSets := [][]string{nil, dirs[:min(1, len(dirs))], nil, dirs[:min(3, len(dirs))]}
	excludes := [][]string{nil, {analytics.ExcludeDefault}, nil, {"*.md", "docs/"}, nil, {"vendor/**", "*.min.js"}}
	periods := []string{"", analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth}
	out := make([]benchCase, benchFilterCount)
	for k := range out {
		w := windows[k%len(windows)]
		out[k] = benchCase{
			f: analytics.Filter{Authors: authorSets[k%len(authorSets)], From: w[0], To: w[1],
				Extensions: extSets[k%len(extSets)], Paths: pathSets[k%len(pathSets)],
				ExcludeBots: k%3 == 1, Exclude: excludes[k%len(excludes)], MinChanges: []int{0, 0, 10}[k%3]},
			period: periods[k%len(periods)],
			churn:  analytics.ChurnOptions{Limit: []int{0, 200}[k%2], DirectoryDepth: k % 3},
			depth:  1 + k%3,
			couple: analytics.CouplingOptions{MinShared: 1 + k%5, MaxFiles: 10 + k%50},
			page:   []int{1, 1, 1, 5, 50}[k%5],
		}
	}
	return out
}

// commonExtensionsAndDirs returns the extensions and the top-level
// directories of the index's paths, those with the most paths first.
func commonExtensionsAndDirs(x *index.Index) (exts, dirs []string) {
	extN, dirN := map[string]int{}, map[string]int{}
	for _, p := range x.Paths {
		if e := index.Extension(p); e != "" {
			extN[e]++
		}
		if top, _, ok := strings.Cut(p, "/"); ok {
			dirN[top]++
		}
	}
	byCount := func(m map[string]int) []string {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
		return keys
	}
	return byCount(extN), byCount(dirN)
}

// String describes the case: the filter's fields and the options that
// are set.
func (c benchCase) String() string {
	var b strings.Builder
	day := func(t time.Time) string {
		if t.IsZero() {
			return "open"
		}
		return t.Format(time.DateOnly)
	}
	f := c.f
	fmt.Fprintf(&b, "authors %q, %s to %s", f.Authors, day(f.From), day(f.To))
	for _, field := range []struct {
		name string
		list []string
	}{{"extensions", f.Extensions}, {"paths", f.Paths}, {"exclude", f.Exclude}} {
		if len(field.list) > 0 {
			fmt.Fprintf(&b, ", %s %q", field.name, field.list)
		}
	}
	if f.ExcludeBots {
		b.WriteString(", bots left out")
	}
	if f.MinChanges > 0 {
		fmt.Fprintf(&b, ", min changes %d", f.MinChanges)
	}
	fmt.Fprintf(&b, "; period %q, churn limit %d depth %d, depth %d, coupling min shared %d max files %d, page %d",
		c.period, c.churn.Limit, c.churn.DirectoryDepth, c.depth, c.couple.MinShared, c.couple.MaxFiles, c.page)
	return b.String()
}

type queryTiming struct {
	name string
	// Timings are over the filter combinations: Best99 is over each
	// one's fastest run.
	latency.Timings
	// slowest are the cases whose fastest runs were the slowest.
	slowest []slowCase
}

// slowCase is a case, its number in benchCases and its fastest run.
type slowCase struct {
	k    int
	best time.Duration
	c    benchCase
}

// benchQueries times every analytics query over the benchCases, each
// combination runs times, and notes the slowest cases of each.
func benchQueries(v *analytics.View, runs, slowest int) []queryTiming {
	x := v.Index()
	newest := time.Now()
	if x.Len() > 0 {
		newest = time.Unix(x.AuthorTime[0], 0)
	}
	cases := benchCases(v, newest)
	queries := []struct {
		name string
		run  func(c benchCase)
	}{
		{"commits", func(c benchCase) { v.Commits(c.f, c.page, 50) }},
		{"heatmap", func(c benchCase) { v.Heatmap(c.f, c.period, newest) }},
		{"contributors", func(c benchCase) { v.Contributors(c.f) }},
		{"churn", func(c benchCase) { v.ChurnWith(c.f, c.churn) }},
		{"summary", func(benchCase) { v.Summary(analytics.RepoInfo{}, newest, false) }},
		{"full-data", func(c benchCase) { v.FullData(c.f, c.page, 100, newest) }},
		{"activity", func(c benchCase) { v.Activity(c.f, c.period, newest) }},
		{"punchcard", func(c benchCase) { v.Punchcard(c.f) }},
		{"authors", func(c benchCase) { v.Authors(c.f) }},
		{"ownership", func(c benchCase) { v.Ownership(c.f, c.depth) }},
		{"coupling", func(c benchCase) { v.Coupling(c.f, c.couple) }},
	}
	var out []queryTiming
	for _, q := range queries {
		rec := latency.NewRecorder(len(cases))
		for range max(runs, 1) {
			for k, c := range cases {
				rec.Time(k, func() { q.run(c) })
			}
		}
		qt := queryTiming{name: q.name, Timings: rec.Timings()}
		ks, best := rec.Slowest(slowest)
		for j, k := range ks {
			qt.slowest = append(qt.slowest, slowCase{k, best[j], cases[k]})
		}
		out = append(out, qt)
	}
	return out
}

// coldStep is one step of the cold sequence and its median time.
type coldStep struct {
	name string
	d    time.Duration
}

// coldSequence times, runs times from a freshly loaded index each, what a
// person's first visit asks (as GitRay's benchmark does): the summary,
// the first page of commits, a churn filter never asked before (the
// last year of the two commonest extensions) and a contributors filter
// never asked before (the last year): each step's median.
func coldSequence(indexPath string, runs int) ([]coldStep, error) {
	names := []string{"load index + prepare", "summary", "commits page 1", "churn, new filter", "contributors, new filter"}
	times := make([][]time.Duration, len(names))
	for range max(runs, 1) {
		start := time.Now()
		x, err := index.Load(indexPath)
		if err != nil {
			return nil, err
		}
		v := analytics.NewView(x)
		times[0] = append(times[0], time.Since(start))
		newest := time.Now()
		if x.Len() > 0 {
			newest = time.Unix(x.AuthorTime[0], 0)
		}
		exts, _ := commonExtensionsAndDirs(x)
		steps := []func(){
			func() { v.Summary(analytics.RepoInfo{}, time.Now(), false) },
			func() { v.Commits(analytics.Filter{}, 1, analytics.DefaultLimit) },
			func() {
				v.Churn(analytics.Filter{From: newest.AddDate(-1, 0, 0), Extensions: exts[:min(2, len(exts))]})
			},
			func() { v.Contributors(analytics.Filter{From: newest.AddDate(-1, 0, 0)}) },
		}
		for k, step := range steps {
			start := time.Now()
			step()
			times[k+1] = append(times[k+1], time.Since(start))
		}
	}
	out := make([]coldStep, len(names))
	for k, n := range names {
		out[k] = coldStep{n, middle(times[k])}
	}
	return out, nil
}
