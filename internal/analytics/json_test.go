package analytics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/analytics"
)

// TestJSONFieldNames pins the wire shape of every body to spec 002.
func TestJSONFieldNames(t *testing.T) {
	b := sharedBasic(t)
	now := at(t, "2024-03-05T12:00:00Z")
	v := b.view
	commit := []string{"sha", "message", "author", "author.name", "author.email", "date", "stats", "stats.additions",
		"stats.deletions", "filesChanged", "isMerge"}
	heatmap := []string{"timePeriod", "data", "data[].date", "data[].count", "data[].authors", "metadata",
		"metadata.totalCommits", "metadata.dateRange", "metadata.dateRange.start", "metadata.dateRange.end"}
	page := slices.Concat([]string{"commits", "page", "limit", "total", "hasMore", "statsPending"}, prefixed("commits[].", commit))
	tests := []struct {
		name string
		body any
		want []string
	}{
		{"commits", v.Commits(analytics.Filter{}, 1, 2), page},
		{"heatmap", analytics.HeatmapResponse{HeatmapData: v.Heatmap(analytics.Filter{}, "", now)},
			append([]string{"heatmapData"}, prefixed("heatmapData.", heatmap)...)},
		{"contributors", analytics.ContributorsResponse{Contributors: v.Contributors(analytics.Filter{})},
			[]string{"contributors", "contributors[].login"}},
		{"churn", analytics.ChurnResponse{ChurnData: v.Churn(analytics.Filter{MinChanges: 1, Extensions: []string{"go"}})},
			append([]string{"churnData"}, prefixed("churnData.", []string{
				"files", "files[].path", "files[].additions", "files[].deletions", "files[].changes", "files[].commits",
				"files[].riskLevel", "summary", "summary.totalFiles", "summary.highRiskFiles", "summary.averageChanges",
				"metadata", "metadata.dateRange", "metadata.dateRange.start", "metadata.dateRange.end",
				"metadata.filters", "metadata.filters.minChanges", "metadata.filters.extensions",
				"metadata.riskThresholds", "metadata.riskThresholds.critical", "metadata.riskThresholds.high",
				"metadata.riskThresholds.medium", "statsPending",
			})...)},
		{"summary", analytics.SummaryResponse{Summary: v.Summary(gitray, now, true)},
			append([]string{"summary"}, prefixed("summary.", []string{
				"repository", "repository.name", "repository.owner", "repository.url", "repository.platform",
				"repository.defaultBranch", "created", "created.date", "created.source", "age", "age.years",
				"age.months", "age.formatted", "lastCommit", "lastCommit.date", "lastCommit.relativeTime",
				"lastCommit.sha", "lastCommit.author", "stats", "stats.totalCommits", "stats.contributors",
				"stats.status", "metadata", "metadata.cached", "metadata.dataSource", "metadata.createdDateAccuracy",
				"metadata.lastUpdated",
			})...)},
		{"full data", v.FullData(analytics.Filter{}, 1, 2, now),
			slices.Concat(page, []string{"heatmapData", "isValidHeatmap"}, prefixed("heatmapData.", heatmap))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, "keys", jsonKeys(t, tt.body), slices.Sorted(slices.Values(tt.want)))
		})
	}
}

// TestJSONValues checks the encoding of values the spec shows: dates and
// the null parts of an empty summary.
func TestJSONValues(t *testing.T) {
	b := sharedBasic(t)
	raw := mustJSON(t, b.view.Commits(analytics.Filter{}, 9, 1))
	if !strings.Contains(raw, `"date":"2024-01-01T10:00:00Z"`) {
		t.Errorf("commit date not RFC 3339 UTC: %s", raw)
	}
	s := analytics.Summary{Stats: analytics.RepoStats{Status: "empty"}}
	raw = mustJSON(t, s)
	for _, part := range []string{`"created":null`, `"age":null`, `"lastCommit":null`, `"totalCommits":0`, `"contributors":0`} {
		if !strings.Contains(raw, part) {
			t.Errorf("empty summary lacks %s: %s", part, raw)
		}
	}
}

func prefixed(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for k, key := range keys {
		out[k] = prefix + key
	}
	return out
}
