package analytics_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// basic is a small history whose every answer is known by hand. In git log
// order (position 0 is the head):
//
//	C6 Carol <carol@corp.test>         2024-03-04 10:00  src/x.go +1, a.go -1
//	M  Alice Smith <alice@example.com> 2024-02-21 09:00  merges the unrelated history "legacy"
//	L2 Dave <dave@old.example>         2023-05-01 00:00  legacy/old.c +1 (committed 2024-02-19 11:00)
//	L1 Dave <dave@old.example>         2023-06-01 00:00  legacy/old.c +2 (a root; committed 2024-02-19 10:00)
//	C5 bob <bob@home.example>          2024-02-15 08:00  lib/z.txt +1
//	C4 Carol <carol@corp.test>         2024-01-08 12:00  src/x.go +2 -2
//	C3 Alice Smith <alice@example.com> 2024-01-02 15:00  a.go +1, docs/Guide.MD +1
//	C2 bob <bob@example.org>           2024-01-02 09:00  src/x.go +5
//	C1 Alice <alice@old.example>       2024-01-01 10:00  .mailmap +1, a.go +3, README.md +2 (a root)
//
// The .mailmap turns C1's author into Alice Smith <alice@example.com>. The
// oldest root (L1) is neither the last commit in git log order (C1) nor the
// oldest author date (L2). bob has two addresses, so two identities but
// one name.
type basic struct {
	view  *analytics.View
	sha   map[string]string // label -> hash
	label map[string]string // hash -> label
}

const (
	alice      = "Alice <alice@old.example>"
	aliceSmith = "Alice Smith <alice@example.com>"
	bobOrg     = "bob <bob@example.org>"
	bobHome    = "bob <bob@home.example>"
	carol      = "Carol <carol@corp.test>"
	dave       = "Dave <dave@old.example>"
)

// shared holds the basic fixture, built once by the first test that needs
// it: views are immutable, and building takes seconds on a busy machine.
var shared struct {
	sync.Mutex
	b *basic
}

// sharedBasic returns the basic fixture.
func sharedBasic(t *testing.T) *basic {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.b == nil {
		shared.b = newBasic(t)
	}
	return shared.b
}

func newBasic(t *testing.T) *basic {
	t.Helper()
	r := testrepo.New(t)
	sha := map[string]string{}
	commit := func(label, author, date, msg string, fs map[string][]byte) {
		sha[label] = r.Commit(testrepo.Commit{Author: author, Date: at(t, date), Message: msg, Files: fs})
	}
	commit("C1", alice, "2024-01-01T10:00:00Z", "init", files(
		".mailmap", "Alice Smith <alice@example.com> <alice@old.example>\n",
		"a.go", "1\n2\n3\n", "README.md", "r\nr\n"))
	commit("C2", bobOrg, "2024-01-02T09:00:00Z", "add x", files("src/x.go", "x1\nx2\nx3\nx4\nx5\n"))
	commit("C3", aliceSmith, "2024-01-02T15:00:00Z", "guide", files("a.go", "1\n2\n3\n4\n", "docs/Guide.MD", "g\n"))
	commit("C4", carol, "2024-01-08T12:00:00Z", "carol x", files("src/x.go", "x1\nx2\nX3\nX4\nx5\n"))
	commit("C5", bobHome, "2024-02-15T08:00:00Z", "z", files("lib/z.txt", "z\n"))

	r.Git("checkout", "-q", "--orphan", "legacy")
	r.Git("rm", "-rfq", ".")
	sha["L1"] = commitAt(t, r, testrepo.Commit{Author: dave, Date: at(t, "2023-06-01T00:00:00Z"), Message: "legacy root",
		Files: files("legacy/old.c", "o\no\n")}, "2024-02-19T10:00:00Z")
	sha["L2"] = commitAt(t, r, testrepo.Commit{Author: dave, Date: at(t, "2023-05-01T00:00:00Z"), Message: "backdated",
		Files: files("legacy/old.c", "o\no\no\n")}, "2024-02-19T11:00:00Z")
	r.Git("checkout", "-q", "main")
	env := []string{"GIT_AUTHOR_NAME=Alice Smith", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_AUTHOR_DATE=2024-02-21T09:00:00Z", "GIT_COMMITTER_DATE=2024-02-21T09:00:00Z"}
	if _, err := testrepo.Run(r.Dir, env, nil, "merge", "-q", "--no-ff", "--allow-unrelated-histories", "-m", "merge legacy", "legacy"); err != nil {
		t.Fatal(err)
	}
	sha["M"] = r.Git("rev-parse", "HEAD")
	commit("C6", carol, "2024-03-04T10:00:00Z", "final", files("src/x.go", "x1\nx2\nX3\nX4\nx5\nx6\n", "a.go", "1\n2\n3\n"))

	b := &basic{view: mustView(t, r.Dir), sha: sha, label: map[string]string{}}
	for l, h := range sha {
		b.label[h] = l
	}
	return b
}

// labels names the commits of a page.
func (b *basic) labels(cs []analytics.Commit) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, b.label[c.SHA])
	}
	return out
}

func TestCommitsPaging(t *testing.T) {
	b := sharedBasic(t)
	tests := []struct {
		name        string
		page, limit int
		want        []string
		more        bool
	}{
		{"first page", 1, 4, []string{"C6", "M", "L2", "L1"}, true},
		{"second page", 2, 4, []string{"C5", "C4", "C3", "C2"}, true},
		{"last page", 3, 4, []string{"C1"}, false},
		{"past the end", 4, 4, []string{}, false},
		{"exact fit", 1, 9, []string{"C6", "M", "L2", "L1", "C5", "C4", "C3", "C2", "C1"}, false},
		{"defaults", 0, 0, []string{"C6", "M", "L2", "L1", "C5", "C4", "C3", "C2", "C1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.view.Commits(analytics.Filter{}, tt.page, tt.limit)
			check(t, "commits", b.labels(p.Commits), tt.want)
			if p.Total != 9 || p.HasMore != tt.more || p.StatsPending {
				t.Errorf("total %d hasMore %v statsPending %v, want 9 %v false", p.Total, p.HasMore, p.StatsPending, tt.more)
			}
			if p.Commits == nil {
				t.Error("commits is nil, want an empty list")
			}
		})
	}
	if p := b.view.Commits(analytics.Filter{}, 0, 0); p.Page != 1 || p.Limit != analytics.DefaultLimit {
		t.Errorf("defaults: page %d limit %d", p.Page, p.Limit)
	}
}

func TestCommitFields(t *testing.T) {
	b := sharedBasic(t)
	all := b.view.Commits(analytics.Filter{}, 1, 100).Commits
	two := 2
	check(t, "C3", all[6], analytics.Commit{
		SHA: b.sha["C3"], Message: "guide", Author: analytics.Author{Name: "Alice Smith", Email: "alice@example.com"},
		Date: at(t, "2024-01-02T15:00:00Z"), Stats: &analytics.Stats{Additions: 2}, FilesChanged: &two,
	})
	merge := all[1]
	if !merge.IsMerge || *merge.Stats != (analytics.Stats{}) || *merge.FilesChanged != 0 || merge.Message != "merge legacy" {
		t.Errorf("merge: %+v", merge)
	}
	if c1 := all[8]; c1.Author != (analytics.Author{Name: "Alice Smith", Email: "alice@example.com"}) {
		t.Errorf("C1 author %+v, want the mailmapped identity", c1.Author)
	}
	if got := all[0].Date.Location(); got != time.UTC {
		t.Errorf("date location %v, want UTC", got)
	}
}

func TestCommitsFilters(t *testing.T) {
	b := sharedBasic(t)
	tests := []struct {
		name string
		f    analytics.Filter
		want []string
	}{
		{"name substring, any case", analytics.Filter{Authors: []string{"ALICE"}}, []string{"M", "C3", "C1"}},
		{"email substring", analytics.Filter{Authors: []string{"corp.test"}}, []string{"C6", "C4"}},
		{"one of two emails", analytics.Filter{Authors: []string{"@home"}}, []string{"C5"}},
		{"mailmapped email only", analytics.Filter{Authors: []string{"old.example"}}, []string{"L2", "L1"}},
		{"union", analytics.Filter{Authors: []string{"bob", "dave"}}, []string{"L2", "L1", "C5", "C2"}},
		{"no match", analytics.Filter{Authors: []string{"nobody"}}, []string{}},
		{"inclusive dates", analytics.Filter{From: at(t, "2024-01-02T09:00:00Z"), To: at(t, "2024-01-08T12:00:00Z")}, []string{"C4", "C3", "C2"}},
		{"exclusive after a second", analytics.Filter{From: at(t, "2024-01-02T09:00:01Z"), To: at(t, "2024-01-08T11:59:59Z")}, []string{"C3"}},
		{"sub-second from", analytics.Filter{From: at(t, "2024-01-02T09:00:00Z").Add(time.Millisecond), To: endOf(t, "2024-01-02")}, []string{"C3"}},
		{"whole day", analytics.Filter{From: at(t, "2024-01-02"), To: endOf(t, "2024-01-02")}, []string{"C3", "C2"}},
		{"from only", analytics.Filter{From: at(t, "2024-02-15")}, []string{"C6", "M", "C5"}},
		{"to only", analytics.Filter{To: endOf(t, "2023-12-31")}, []string{"L2", "L1"}},
		{"time zone", analytics.Filter{From: time.Date(2024, 1, 2, 10, 0, 0, 0, time.FixedZone("", 3600))}, []string{"C6", "M", "C5", "C4", "C3", "C2"}},
		{"authors and dates", analytics.Filter{Authors: []string{"carol", "bob"}, From: at(t, "2024-01-02"), To: endOf(t, "2024-02-15")}, []string{"C5", "C4", "C2"}},
		{"from after to", analytics.Filter{From: at(t, "2024-03-01"), To: at(t, "2024-01-01")}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.view.Commits(tt.f, 1, 100)
			check(t, "commits", b.labels(p.Commits), tt.want)
			if p.Total != len(tt.want) {
				t.Errorf("total %d, want %d", p.Total, len(tt.want))
			}
		})
	}
	t.Run("filtered paging", func(t *testing.T) {
		f := analytics.Filter{Authors: []string{"bob", "dave"}}
		p := b.view.Commits(f, 2, 3)
		check(t, "page 2", b.labels(p.Commits), []string{"C2"})
		if p.Total != 4 || p.HasMore {
			t.Errorf("total %d hasMore %v", p.Total, p.HasMore)
		}
	})
}

func TestHeatmap(t *testing.T) {
	b := sharedBasic(t)
	type pt = analytics.HeatmapPoint
	now := at(t, "2024-03-05T12:00:00Z")
	tests := []struct {
		name   string
		f      analytics.Filter
		period string
		want   analytics.HeatmapData
	}{
		{
			name: "days with zero buckets and merged identities",
			f:    analytics.Filter{From: at(t, "2024-01-01"), To: endOf(t, "2024-01-08")},
			want: analytics.HeatmapData{TimePeriod: "day", Data: []pt{
				{"2024-01-01", 1, 1}, {"2024-01-02", 2, 2}, {"2024-01-03", 0, 0}, {"2024-01-04", 0, 0},
				{"2024-01-05", 0, 0}, {"2024-01-06", 0, 0}, {"2024-01-07", 0, 0}, {"2024-01-08", 1, 1},
			}, Metadata: analytics.HeatmapMetadata{TotalCommits: 4, DateRange: analytics.DateRange{Start: "2024-01-01", End: "2024-01-08"}}},
		},
		{
			// C1 (mailmapped) and C3 are both Alice Smith: 2 authors, not 3.
			name: "weeks", period: "week",
			f: analytics.Filter{From: at(t, "2024-01-01"), To: endOf(t, "2024-01-14")},
			want: analytics.HeatmapData{TimePeriod: "week", Data: []pt{{"2024-01-01", 3, 2}, {"2024-01-08", 1, 1}},
				Metadata: analytics.HeatmapMetadata{TotalCommits: 4, DateRange: analytics.DateRange{Start: "2024-01-01", End: "2024-01-14"}}},
		},
		{
			name: "weeks start on Monday, range cuts the first", period: "week",
			f: analytics.Filter{From: at(t, "2024-01-03"), To: endOf(t, "2024-01-09")},
			want: analytics.HeatmapData{TimePeriod: "week", Data: []pt{{"2024-01-01", 0, 0}, {"2024-01-08", 1, 1}},
				Metadata: analytics.HeatmapMetadata{TotalCommits: 1, DateRange: analytics.DateRange{Start: "2024-01-03", End: "2024-01-09"}}},
		},
		{
			name: "months", period: "month",
			f: analytics.Filter{From: at(t, "2023-05-01"), To: endOf(t, "2024-03-31")},
			want: analytics.HeatmapData{TimePeriod: "month", Data: []pt{
				{"2023-05-01", 1, 1}, {"2023-06-01", 1, 1}, {"2023-07-01", 0, 0}, {"2023-08-01", 0, 0},
				{"2023-09-01", 0, 0}, {"2023-10-01", 0, 0}, {"2023-11-01", 0, 0}, {"2023-12-01", 0, 0},
				{"2024-01-01", 4, 3}, {"2024-02-01", 2, 2}, {"2024-03-01", 1, 1},
			}, Metadata: analytics.HeatmapMetadata{TotalCommits: 9, DateRange: analytics.DateRange{Start: "2023-05-01", End: "2024-03-31"}}},
		},
		{
			// bob's two addresses are one author.
			name: "authors filter", period: "month",
			f: analytics.Filter{Authors: []string{"BOB", "carol"}, From: at(t, "2024-01-01"), To: endOf(t, "2024-03-31")},
			want: analytics.HeatmapData{TimePeriod: "month", Data: []pt{{"2024-01-01", 2, 2}, {"2024-02-01", 1, 1}, {"2024-03-01", 1, 1}},
				Metadata: analytics.HeatmapMetadata{TotalCommits: 4, DateRange: analytics.DateRange{Start: "2024-01-01", End: "2024-03-31"}}},
		},
		{
			name: "from only ends now",
			f:    analytics.Filter{From: at(t, "2024-03-01")},
			want: analytics.HeatmapData{TimePeriod: "day", Data: []pt{
				{"2024-03-01", 0, 0}, {"2024-03-02", 0, 0}, {"2024-03-03", 0, 0}, {"2024-03-04", 1, 1}, {"2024-03-05", 0, 0},
			}, Metadata: analytics.HeatmapMetadata{TotalCommits: 1, DateRange: analytics.DateRange{Start: "2024-03-01", End: "2024-03-05"}}},
		},
		{
			name: "from after to",
			f:    analytics.Filter{From: at(t, "2024-03-01"), To: at(t, "2024-01-01")},
			want: analytics.HeatmapData{TimePeriod: "day", Data: []pt{},
				Metadata: analytics.HeatmapMetadata{DateRange: analytics.DateRange{Start: "2024-03-01", End: "2024-01-01"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := b.view.Heatmap(tt.f, tt.period, now)
			check(t, "heatmap", h, tt.want)
			if !h.Valid() {
				t.Error("heatmap not valid")
			}
		})
	}
}

func TestHeatmapDefaultRanges(t *testing.T) {
	b := sharedBasic(t)
	now := at(t, "2024-03-05T12:00:00Z")
	tests := []struct {
		name       string
		f          analytics.Filter
		start, end string
		points     int
		total      int
	}{
		// 2023-03-07 .. 2024-03-05: every commit, L2 (2023-05-01) included.
		{"no dates: 365 days ending now", analytics.Filter{}, "2023-03-07", "2024-03-05", 365, 9},
		// 2023-01-03 .. 2024-01-02: L2, L1, C1, C2, C3.
		{"to only: 365 days ending then", analytics.Filter{To: endOf(t, "2024-01-02")}, "2023-01-03", "2024-01-02", 365, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := b.view.Heatmap(tt.f, "", now)
			m := h.Metadata
			if h.TimePeriod != "day" || len(h.Data) != tt.points || m.TotalCommits != tt.total ||
				m.DateRange != (analytics.DateRange{Start: tt.start, End: tt.end}) ||
				h.Data[0].Date != tt.start || h.Data[len(h.Data)-1].Date != tt.end {
				t.Errorf("got %s, %d points %s..%s, total %d, range %+v", h.TimePeriod, len(h.Data),
					h.Data[0].Date, h.Data[len(h.Data)-1].Date, m.TotalCommits, m.DateRange)
			}
		})
	}
}

func TestHeatmapAutoPeriod(t *testing.T) {
	b := sharedBasic(t)
	tests := []struct {
		from, to string
		want     string
		points   int
	}{
		{"2023-01-01", "2024-01-01", "day", 366},   // 366 days, both ends included
		{"2022-12-31", "2024-01-01", "week", 54},   // 367 days: Mondays 2022-12-26 .. 2024-01-01
		{"2021-01-01", "2024-01-01", "week", 158},  // 1096 days
		{"2020-12-31", "2024-01-01", "month", 38},  // 1097 days: 2020-12 .. 2024-01
		{"2005-04-07", "2024-03-04", "month", 228}, // git/git's age
		{"2024-03-04", "2024-03-04", "day", 1},
		{"2024-02-01", "2024-02-29", "day", 29}, // a leap month
		{"1969-12-01", "1970-01-31", "day", 62}, // across the epoch
	}
	for _, tt := range tests {
		t.Run(tt.from+".."+tt.to, func(t *testing.T) {
			h := b.view.Heatmap(analytics.Filter{From: at(t, tt.from), To: endOf(t, tt.to)}, "", time.Now())
			if h.TimePeriod != tt.want || len(h.Data) != tt.points {
				t.Errorf("got %s with %d points, want %s with %d", h.TimePeriod, len(h.Data), tt.want, tt.points)
			}
		})
	}
}

func TestHeatmapBucketLimit(t *testing.T) {
	b := sharedBasic(t)
	to := endOf(t, "2024-03-04")
	tests := []struct {
		from, period, want string
		points             int
	}{
		{"1997-01-01", "day", "day", 9925},     // within the limit
		{"1990-01-01", "day", "week", 1784},    // 12482 days
		{"1990-01-01", "week", "week", 1784},   // as asked
		{"1000-01-01", "week", "month", 12291}, // 1024 years
	}
	for _, tt := range tests {
		t.Run(tt.from+" by "+tt.period, func(t *testing.T) {
			h := b.view.Heatmap(analytics.Filter{From: at(t, tt.from), To: to}, tt.period, to)
			if h.TimePeriod != tt.want || len(h.Data) != tt.points || h.Metadata.TotalCommits != 9 || !h.Valid() {
				t.Errorf("got %s with %d points and %d commits, want %s with %d points and 9 commits",
					h.TimePeriod, len(h.Data), h.Metadata.TotalCommits, tt.want, tt.points)
			}
		})
	}
}

func TestContributors(t *testing.T) {
	b := sharedBasic(t)
	tests := []struct {
		name string
		f    analytics.Filter
		want []string
	}{
		// Byte order would put "bob" last.
		{"everyone, case-insensitive order", analytics.Filter{}, []string{"Alice Smith", "bob", "Carol", "Dave"}},
		{"dates", analytics.Filter{From: at(t, "2024-01-02"), To: endOf(t, "2024-01-08")}, []string{"Alice Smith", "bob", "Carol"}},
		{"authors", analytics.Filter{Authors: []string{"corp", "DAVE"}}, []string{"Carol", "Dave"}},
		{"authors and dates", analytics.Filter{Authors: []string{"o"}, To: endOf(t, "2024-01-01")}, []string{"Alice Smith", "Dave"}},
		{"none", analytics.Filter{From: at(t, "2025-01-01")}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []string{}
			for _, c := range b.view.Contributors(tt.f) {
				got = append(got, c.Login)
			}
			check(t, "contributors", got, tt.want)
		})
	}
}

func TestFullData(t *testing.T) {
	b := sharedBasic(t)
	now := at(t, "2024-03-05T12:00:00Z")
	f := analytics.Filter{Authors: []string{"carol"}}
	d := b.view.FullData(f, 1, 1, now)
	check(t, "commits", b.labels(d.Commits), []string{"C6"})
	if d.Page != 1 || d.Limit != 1 || d.Total != 2 || !d.HasMore || !d.IsValidHeatmap {
		t.Errorf("full data %+v", d)
	}
	check(t, "heatmap", d.HeatmapData, b.view.Heatmap(f, "", now))
}

func TestHeatmapValid(t *testing.T) {
	ok := analytics.HeatmapData{TimePeriod: "day", Data: []analytics.HeatmapPoint{{"2024-01-01", 2, 1}, {"2024-01-02", 0, 0}},
		Metadata: analytics.HeatmapMetadata{TotalCommits: 2}}
	if !ok.Valid() {
		t.Fatal("well-formed heatmap not valid")
	}
	tests := map[string]func(h *analytics.HeatmapData){
		"no period":          func(h *analytics.HeatmapData) { h.TimePeriod = "" },
		"descending":         func(h *analytics.HeatmapData) { h.Data[1].Date = "2023-12-31" },
		"duplicate date":     func(h *analytics.HeatmapData) { h.Data[1].Date = "2024-01-01" },
		"negative count":     func(h *analytics.HeatmapData) { h.Data[1].Count = -1 },
		"authors over count": func(h *analytics.HeatmapData) { h.Data[0].Authors = 3 },
		"wrong total":        func(h *analytics.HeatmapData) { h.Metadata.TotalCommits = 3 },
	}
	for name, spoil := range tests {
		t.Run(name, func(t *testing.T) {
			h := ok
			h.Data = append([]analytics.HeatmapPoint(nil), ok.Data...)
			spoil(&h)
			if h.Valid() {
				t.Error("spoilt heatmap is valid")
			}
		})
	}
}

// TestConcurrentQueries runs every query at once on one view (for -race).
func TestConcurrentQueries(t *testing.T) {
	b := sharedBasic(t)
	now := at(t, "2024-03-05T12:00:00Z")
	f := analytics.Filter{Authors: []string{"a"}, Extensions: []string{"go"}, Paths: []string{"src"}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			b.view.Commits(f, 1, 3)
			b.view.Heatmap(f, "", now)
			b.view.Contributors(f)
			b.view.Churn(f)
			b.view.Summary(analytics.RepoInfo{}, now, false)
			b.view.FullData(f, 2, 2, now)
		})
	}
	wg.Wait()
	check(t, "filter paths untouched", f.Paths, []string{"src"})
}
