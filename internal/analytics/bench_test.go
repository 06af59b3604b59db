package analytics_test

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/latency"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// bench is a git/git-sized history (80k commits, a merge every 10, 2.5k
// authors, 7.4k paths), generated and indexed once per test binary.
var bench struct {
	once sync.Once
	view *analytics.View
	now  time.Time // the newest author date
}

func benchView(b *testing.B) (*analytics.View, time.Time) {
	b.Helper()
	bench.once.Do(func() {
		dir := testrepo.Generate(b, testrepo.Synthetic{Commits: 80000, MergeEvery: 10, Authors: 2500, Files: 7400, FilesPerCmt: 2})
		bench.view = mustView(b, dir)
		x := bench.view.Index()
		bench.now = time.Unix(x.AuthorTime[0], 0).UTC()
		b.Logf("history: %d commits, %d file changes, %d paths, %d identities",
			x.Len(), len(x.ChangePath), len(x.Paths), len(x.Idents))
	})
	if bench.view == nil {
		b.Fatal("benchmark history not built")
	}
	return bench.view, bench.now
}

type benchFilter struct {
	name string
	f    analytics.Filter
}

// benchFilters are the filter combinations every query is measured with.
func benchFilters(now time.Time) []benchFilter {
	lastYear := now.AddDate(-1, 0, 0)
	return []benchFilter{
		{"all", analytics.Filter{}},
		{"one author", analytics.Filter{Authors: []string{"author123@"}}},
		{"three authors", analytics.Filter{Authors: []string{"author123@", "AUTHOR7@", "side"}}},
		{"broad author", analytics.Filter{Authors: []string{"author1"}}},
		{"last year", analytics.Filter{From: lastYear, To: now}},
		{"author and last year", analytics.Filter{Authors: []string{"author1"}, From: lastYear, To: now}},
	}
}

func BenchmarkNewView(b *testing.B) {
	v, _ := benchView(b)
	x := v.Index()
	b.ReportAllocs()
	for b.Loop() {
		analytics.NewView(x)
	}
}

// BenchmarkNewViewSaved times NewView on the saved index that
// GITPULSE_BENCH_INDEX names (skipped when unset), e.g. one of 1M commits:
//
//	GITPULSE_BENCH_INDEX=/path/to/1m.idx go test -run '^$' -bench NewViewSaved ./internal/analytics/
func BenchmarkNewViewSaved(b *testing.B) {
	path := os.Getenv("GITPULSE_BENCH_INDEX")
	if path == "" {
		b.Skip("set GITPULSE_BENCH_INDEX to a saved index to run this benchmark")
	}
	x, err := index.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		analytics.NewView(x)
	}
}

func BenchmarkCommits(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Commits(f, 1, 100) })
	b.Run("all, page 500", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v.Commits(analytics.Filter{}, 500, 100)
		}
	})
}

func BenchmarkHeatmap(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Heatmap(f, "", now) })
	whole := analytics.Filter{From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: now}
	for _, period := range []string{"month", "week", "day"} {
		b.Run("whole history by "+period, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v.Heatmap(whole, period, now)
			}
		})
	}
}

func BenchmarkContributors(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Contributors(f) })
}

func BenchmarkChurn(b *testing.B) {
	v, now := benchView(b)
	filters := append(benchFilters(now),
		benchFilter{"extensions", analytics.Filter{Extensions: []string{"go", "md"}}},
		benchFilter{"paths", analytics.Filter{Paths: []string{"dir3", "dir7/file17.md"}}},
		benchFilter{"min changes", analytics.Filter{MinChanges: 400}},
		benchFilter{"everything", analytics.Filter{Authors: []string{"author1"}, From: now.AddDate(-3, 0, 0), To: now,
			Extensions: []string{"go"}, Paths: []string{"dir1", "dir2"}, MinChanges: 5}},
	)
	benchEach(b, filters, func(f analytics.Filter) { v.Churn(f) })
}

func BenchmarkSummary(b *testing.B) {
	v, now := benchView(b)
	info := analytics.RepoInfo{Name: "git", Owner: "git", URL: "https://github.com/git/git.git", Platform: "github"}
	b.ReportAllocs()
	for b.Loop() {
		v.Summary(info, now, false)
	}
}

func BenchmarkFullData(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.FullData(f, 1, 100, now) })
}

// benchEach runs query as one sub-benchmark per filter.
func benchEach(b *testing.B, filters []benchFilter, query func(analytics.Filter)) {
	for _, bf := range filters {
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				query(bf.f)
			}
		})
	}
}

func BenchmarkActivity(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Activity(f, "", now) })
	whole := analytics.Filter{From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: now}
	for _, period := range []string{"month", "week", "day"} {
		b.Run("whole history by "+period, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				v.Activity(whole, period, now)
			}
		})
	}
}

func BenchmarkPunchcard(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Punchcard(f) })
}

func BenchmarkAuthors(b *testing.B) {
	v, now := benchView(b)
	benchEach(b, benchFilters(now), func(f analytics.Filter) { v.Authors(f) })
}

func BenchmarkChurnShaped(b *testing.B) {
	v, now := benchView(b)
	for _, opts := range []analytics.ChurnOptions{{Limit: 200}, {DirectoryDepth: 1}, {Limit: 200, DirectoryDepth: 2}} {
		b.Run(fmt.Sprintf("limit %d depth %d", opts.Limit, opts.DirectoryDepth), func(b *testing.B) {
			benchEach(b, benchFilters(now), func(f analytics.Filter) { v.ChurnWith(f, opts) })
		})
	}
}

// BenchmarkInsightsSpread times activity, punch card, author statistics,
// shaped churn, ownership and coupling over 100 filter combinations
// (authors, windows from a month to the whole history, both, bots left
// out or not, exclusions, periods, directory depths, coupling options)
// and reports the median and 99th percentile of one answer, and the 99th
// percentile over the filters of each one's fastest run (p99-best-ms):
// what an answer costs without the pauses of a machine shared with other
// work, where one descheduling costs more than the answer.
func BenchmarkInsightsSpread(b *testing.B) {
	v, now := benchView(b)
	var filters []analytics.Filter
	authorSets := [][]string{nil, {"author1"}, {"author123@"}, {"author7@", "side"}, {"AUTHOR2", "author99@", "author1000@"}}
	windows := [][2]time.Time{{}}
	for _, months := range []int{1, 3, 6, 12, 24, 48, 96, 120, 200} {
		windows = append(windows, [2]time.Time{now.AddDate(0, -months, 0), now})
		windows = append(windows, [2]time.Time{now.AddDate(0, -months-12, 0), now.AddDate(0, -12, 0)})
	}
	excludes := [][]string{nil, {analytics.ExcludeDefault}, nil, {"dir3/", "*.md"}}
	for k := 0; len(filters) < 100; k++ {
		w := windows[k%len(windows)]
		filters = append(filters, analytics.Filter{Authors: authorSets[k%len(authorSets)], From: w[0], To: w[1],
			ExcludeBots: k%3 == 1, Exclude: excludes[k%len(excludes)]})
	}
	periods := []string{"", analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth}
	queries := []struct {
		name string
		run  func(k int, f analytics.Filter)
	}{
		{"activity", func(k int, f analytics.Filter) { v.Activity(f, periods[k%len(periods)], now) }},
		{"punchcard", func(_ int, f analytics.Filter) { v.Punchcard(f) }},
		{"authors", func(_ int, f analytics.Filter) { v.Authors(f) }},
		{"churn limit+directories", func(k int, f analytics.Filter) {
			v.ChurnWith(f, analytics.ChurnOptions{Limit: 200, DirectoryDepth: 1 + k%3})
		}},
		{"ownership", func(k int, f analytics.Filter) { v.Ownership(f, 1+k%3) }},
		{"coupling", func(k int, f analytics.Filter) {
			v.Coupling(f, analytics.CouplingOptions{MinShared: 1 + k%5, MaxFiles: 10 + k%50})
		}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			rec := latency.NewRecorder(len(filters))
			for b.Loop() {
				for k, f := range filters {
					rec.Time(k, func() { q.run(k, f) })
				}
			}
			t := rec.Timings()
			b.ReportMetric(float64(t.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(t.P99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(t.Best99.Microseconds())/1000, "p99-best-ms")
		})
	}
}
