package analytics_test

import (
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

var gitray = analytics.RepoInfo{Name: "gitray", Owner: "jonasyr", URL: "https://github.com/jonasyr/gitray.git", Platform: "github"}

func TestSummary(t *testing.T) {
	b := sharedBasic(t)
	now := at(t, "2024-03-05T12:00:00Z").Add(300 * time.Millisecond)
	got := b.view.Summary(gitray, now, false)
	want := analytics.Summary{
		Repository: analytics.Repository{Name: "gitray", Owner: "jonasyr", URL: "https://github.com/jonasyr/gitray.git",
			Platform: "github", DefaultBranch: "main"},
		// L1: the oldest root, though L2 has an older author date and C1
		// comes last in git log order.
		Created: &analytics.Created{Date: at(t, "2023-06-01T00:00:00Z"), Source: "git-log"},
		Age:     &analytics.Age{Years: 0, Months: 9, Formatted: "9mo"},
		LastCommit: &analytics.LastCommit{Date: at(t, "2024-03-04T10:00:00Z"), RelativeTime: "1 day ago",
			SHA: b.sha["C6"], Author: "Carol"},
		Stats: analytics.RepoStats{TotalCommits: 9, Contributors: 4, Status: "active"},
		Metadata: analytics.SummaryMeta{Cached: false, DataSource: "git-sparse-clone", CreatedDateAccuracy: "exact",
			LastUpdated: at(t, "2024-03-05T12:00:00Z")},
	}
	check(t, "summary", got, want)

	cached := b.view.Summary(gitray, now, true).Metadata
	if !cached.Cached || cached.DataSource != "cache" {
		t.Errorf("cached metadata %+v", cached)
	}
	if age := b.view.Summary(gitray, at(t, "2025-12-01T00:00:00Z"), false).Age; *age != (analytics.Age{Years: 2, Months: 6, Formatted: "2.5y"}) {
		t.Errorf("age %+v, want 2y 6mo = 2.5y", age)
	}
}

func TestSummaryStatus(t *testing.T) {
	b := sharedBasic(t)
	last := at(t, "2024-03-04T10:00:00Z")
	day := 24 * time.Hour
	tests := []struct {
		since    time.Duration
		status   string
		relative string
	}{
		{0, "active", "just now"},
		{30 * day, "active", "1 month ago"},
		{30*day + time.Second, "inactive", "1 month ago"},
		{180 * day, "inactive", "6 months ago"},
		{180*day + time.Second, "archived", "6 months ago"},
		{3 * 365 * day, "archived", "3 years ago"},
	}
	for _, tt := range tests {
		t.Run(tt.since.String(), func(t *testing.T) {
			s := b.view.Summary(gitray, last.Add(tt.since), false)
			if s.Stats.Status != tt.status || s.LastCommit.RelativeTime != tt.relative {
				t.Errorf("status %q, %q; want %q, %q", s.Stats.Status, s.LastCommit.RelativeTime, tt.status, tt.relative)
			}
		})
	}
}

func TestEmptyRepository(t *testing.T) {
	v := mustView(t, testrepo.New(t).Dir)
	now := at(t, "2024-03-05T12:00:00Z")
	all := analytics.Filter{}

	s := v.Summary(gitray, now, false)
	if s.Stats != (analytics.RepoStats{Status: "empty"}) || s.Created != nil || s.Age != nil || s.LastCommit != nil ||
		s.Repository.DefaultBranch != "main" {
		t.Errorf("summary %+v", s)
	}
	if p := v.Commits(all, 1, 10); len(p.Commits) != 0 || p.Commits == nil || p.Total != 0 || p.HasMore {
		t.Errorf("commits %+v", p)
	}
	if c := v.Contributors(all); len(c) != 0 || c == nil {
		t.Errorf("contributors %+v", c)
	}
	h := v.Heatmap(all, "", now)
	if len(h.Data) != 365 || h.Metadata.TotalCommits != 0 || !h.Valid() {
		t.Errorf("heatmap: %d points, %d commits", len(h.Data), h.Metadata.TotalCommits)
	}
	c := v.Churn(all)
	if len(c.Files) != 0 || c.Files == nil || c.Summary != (analytics.ChurnSummary{}) || c.Metadata.DateRange != (analytics.DateRange{}) {
		t.Errorf("churn %+v", c)
	}
	if d := v.FullData(all, 1, 10, now); len(d.Commits) != 0 || !d.IsValidHeatmap {
		t.Errorf("full data %+v", d)
	}
}

func TestStatsPending(t *testing.T) {
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Files: files("a.go", "1\n")})
	v := mustMetadataView(t, r.Dir)
	p := v.Commits(analytics.Filter{}, 1, 10)
	if !p.StatsPending || len(p.Commits) != 1 || p.Commits[0].Stats != nil || p.Commits[0].FilesChanged != nil {
		t.Errorf("commits %+v", p)
	}
	c := v.Churn(analytics.Filter{})
	if !c.StatsPending || len(c.Files) != 0 || c.Files == nil {
		t.Errorf("churn %+v", c)
	}
	if s := v.Summary(gitray, time.Now(), false); s.Stats.TotalCommits != 1 || s.Stats.Contributors != 1 {
		t.Errorf("summary stats %+v", s.Stats)
	}
}

func TestSummaryWithoutRoot(t *testing.T) {
	s := analytics.NewView(shallowIndex()).Summary(gitray, time.Unix(300, 0), false)
	if s.Created.Date != time.Unix(100, 0).UTC() || s.Metadata.CreatedDateAccuracy != "approximate" {
		t.Errorf("created %+v, accuracy %q; want the oldest commit, approximate", s.Created, s.Metadata.CreatedDateAccuracy)
	}
}
