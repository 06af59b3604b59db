package analytics_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// file is a ChurnFile of low risk.
func file(path string, added, deleted, commits int) analytics.ChurnFile {
	return analytics.ChurnFile{Path: path, Additions: added, Deletions: deleted, Changes: added + deleted,
		Commits: commits, RiskLevel: analytics.Risk(commits)}
}

func TestChurn(t *testing.T) {
	b := sharedBasic(t)
	type cf = analytics.ChurnFile
	x, a, old, readme, mailmap, guide, z := file("src/x.go", 8, 2, 3), file("a.go", 4, 1, 3), file("legacy/old.c", 3, 0, 2),
		file("README.md", 2, 0, 1), file(".mailmap", 1, 0, 1), file("docs/Guide.MD", 1, 0, 1), file("lib/z.txt", 1, 0, 1)
	history := analytics.DateRange{Start: "2023-05-01", End: "2024-03-04"}
	tests := []struct {
		name    string
		f       analytics.Filter
		want    []cf
		average float64
		filters analytics.ChurnFilters
		window  analytics.DateRange
	}{
		// The merge M brings legacy/old.c in: still 2 commits, not 3.
		{"whole history", analytics.Filter{}, []cf{x, a, old, readme, mailmap, guide, z}, 3.3, analytics.ChurnFilters{}, history},
		{"extension", analytics.Filter{Extensions: []string{"md"}}, []cf{readme, guide}, 1.5,
			analytics.ChurnFilters{Extensions: []string{"md"}}, history},
		{"extensions with dots and capitals", analytics.Filter{Extensions: []string{".MD", "Go"}}, []cf{x, a, readme, guide}, 4.5,
			analytics.ChurnFilters{Extensions: []string{"md", "go"}}, history},
		{"unknown extension", analytics.Filter{Extensions: []string{"rs"}}, []cf{}, 0,
			analytics.ChurnFilters{Extensions: []string{"rs"}}, history},
		{"directory", analytics.Filter{Paths: []string{"src"}}, []cf{x}, 10, analytics.ChurnFilters{Paths: []string{"src"}}, history},
		{"directories, slashes", analytics.Filter{Paths: []string{"src/", "./legacy"}}, []cf{x, old}, 6.5,
			analytics.ChurnFilters{Paths: []string{"src", "legacy"}}, history},
		{"file", analytics.Filter{Paths: []string{"a.go"}}, []cf{a}, 5, analytics.ChurnFilters{Paths: []string{"a.go"}}, history},
		{"not a path component", analytics.Filter{Paths: []string{"sr"}}, []cf{}, 0, analytics.ChurnFilters{Paths: []string{"sr"}}, history},
		{"path and extension", analytics.Filter{Paths: []string{"docs", "src"}, Extensions: []string{"md"}}, []cf{guide}, 1,
			analytics.ChurnFilters{Paths: []string{"docs", "src"}, Extensions: []string{"md"}}, history},
		{"min changes", analytics.Filter{MinChanges: 3}, []cf{x, a, old}, 6, analytics.ChurnFilters{MinChanges: 3}, history},
		{"author", analytics.Filter{Authors: []string{"CAROL"}}, []cf{file("src/x.go", 3, 2, 2), file("a.go", 0, 1, 1)}, 3,
			analytics.ChurnFilters{Authors: []string{"CAROL"}}, history},
		{"dates", analytics.Filter{From: at(t, "2024-01-02"), To: endOf(t, "2024-01-08")},
			[]cf{file("src/x.go", 7, 2, 2), file("a.go", 1, 0, 1), guide}, 3.7,
			analytics.ChurnFilters{}, analytics.DateRange{Start: "2024-01-02", End: "2024-01-08"}},
		{"from only", analytics.Filter{From: at(t, "2024-02-01")},
			[]cf{file("a.go", 0, 1, 1), z, file("src/x.go", 1, 0, 1)}, 1,
			analytics.ChurnFilters{}, analytics.DateRange{Start: "2024-02-01", End: "2024-03-04"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := b.view.Churn(tt.f)
			check(t, "files", d.Files, tt.want)
			check(t, "summary", d.Summary, analytics.ChurnSummary{TotalFiles: len(tt.want), AverageChanges: tt.average})
			check(t, "metadata", d.Metadata, analytics.ChurnMetadata{DateRange: tt.window, Filters: tt.filters,
				RiskThresholds: analytics.RiskThresholds{Critical: 50, High: 30, Medium: 15}})
			if d.StatsPending {
				t.Error("stats pending")
			}
		})
	}
}

func TestChurnRiskLevels(t *testing.T) {
	r := testrepo.New(t)
	// hot/critical.c is touched by 50 commits, high.c by 30, medium.c by
	// 15 and low.c by 14: each commit rewrites the one line of each.
	start := at(t, "2024-01-01T00:00:00Z")
	for k := range 50 {
		fs := map[string][]byte{}
		for name, n := range map[string]int{"critical": 50, "high": 30, "medium": 15, "low": 14} {
			if k < n {
				fs["hot/"+name+".c"] = fmt.Appendf(nil, "%d\n", k)
			}
		}
		r.Commit(testrepo.Commit{Date: start.Add(time.Duration(k) * time.Hour), Files: fs})
	}
	d := mustView(t, r.Dir).Churn(analytics.Filter{})
	want := []analytics.ChurnFile{
		{Path: "hot/critical.c", Additions: 50, Deletions: 49, Changes: 99, Commits: 50, RiskLevel: analytics.RiskCritical},
		{Path: "hot/high.c", Additions: 30, Deletions: 29, Changes: 59, Commits: 30, RiskLevel: analytics.RiskHigh},
		{Path: "hot/medium.c", Additions: 15, Deletions: 14, Changes: 29, Commits: 15, RiskLevel: analytics.RiskMedium},
		{Path: "hot/low.c", Additions: 14, Deletions: 13, Changes: 27, Commits: 14, RiskLevel: analytics.RiskLow},
	}
	check(t, "files", d.Files, want)
	check(t, "summary", d.Summary, analytics.ChurnSummary{TotalFiles: 4, HighRiskFiles: 2, AverageChanges: 53.5})
}

func TestRisk(t *testing.T) {
	for commits, want := range map[int]analytics.RiskLevel{
		0: "low", 14: "low", 15: "medium", 29: "medium", 30: "high", 49: "high", 50: "critical", 1000: "critical",
	} {
		if got := analytics.Risk(commits); got != want {
			t.Errorf("Risk(%d) = %s, want %s", commits, got, want)
		}
	}
}

// TestChurnSkipsMerges guards the rule itself, on an index whose merge
// carries file changes (the builder records none for merges).
func TestChurnSkipsMerges(t *testing.T) {
	d := analytics.NewView(shallowIndex()).Churn(analytics.Filter{})
	check(t, "files", d.Files, []analytics.ChurnFile{file("f.go", 1, 0, 1)})
}
