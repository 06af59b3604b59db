package analytics_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestUnknownDate guards issue 11.3: a commit whose date git cannot read
// (here a negative timestamp, git fsck's badDateOverflow) is listed and
// counted, flagged dateUnknown, left out of every date-filtered view, and
// the other answers are as without it.
func TestUnknownDate(t *testing.T) {
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Author: "Old <old@example.com>", Date: at(t, "2024-01-10"), Files: map[string][]byte{"a.go": []byte("1\n")}})
	tree := r.Git("rev-parse", "HEAD^{tree}")
	raw := fmt.Sprintf("tree %s\nparent %s\nauthor Neg <neg@example.com> -1 +0000\ncommitter Neg <neg@example.com> -1 +0000\n\nbad date\n",
		tree, r.Git("rev-parse", "HEAD"))
	out, err := testrepo.Run(r.Dir, nil, []byte(raw), "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	if err != nil {
		t.Fatal(err)
	}
	r.Git("update-ref", "refs/heads/main", strings.TrimSpace(string(out)))
	r.Commit(testrepo.Commit{Author: "New <new@example.com>", Date: at(t, "2024-02-10"), Files: map[string][]byte{"a.go": []byte("2\n")}})
	v := mustView(t, r.Dir)

	page := v.Commits(analytics.Filter{}, 1, 100)
	if page.Total != 3 || !page.Commits[1].DateUnknown || page.Commits[1].Message != "bad date" || page.Commits[0].DateUnknown {
		t.Fatalf("commits: %+v", page)
	}
	if _, err := json.Marshal(page); err != nil {
		t.Fatalf("commits do not encode: %v", err)
	}
	dated := v.Commits(analytics.Filter{To: at(t, "2030-01-01")}, 1, 100)
	if dated.Total != 2 {
		t.Fatalf("a date-filtered list has %d commits, want the 2 with known dates", dated.Total)
	}
	if c := v.Contributors(analytics.Filter{}); len(c) != 3 {
		t.Fatalf("contributors %+v, want Neg counted", c)
	}
	if c := v.Contributors(analytics.Filter{From: at(t, "2000-01-01")}); len(c) != 2 {
		t.Fatalf("date-filtered contributors %+v, want Neg left out", c)
	}
	now := at(t, "2024-03-01")
	h := v.Heatmap(analytics.Filter{}, analytics.PeriodMonth, now)
	if h.Metadata.TotalCommits != 2 {
		t.Fatalf("heatmap counts %d commits, want 2", h.Metadata.TotalCommits)
	}
	s := v.Summary(analytics.RepoInfo{Name: "x"}, now, false)
	if s.Stats.TotalCommits != 3 || s.Created == nil || !s.Created.Date.Equal(at(t, "2024-01-10")) ||
		s.LastCommit == nil || !s.LastCommit.Date.Equal(at(t, "2024-02-10")) {
		t.Fatalf("summary %+v", s)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Fatalf("summary does not encode: %v", err)
	}
	if ch := v.Churn(analytics.Filter{}); len(ch.Files) != 1 {
		t.Fatalf("churn %+v", ch)
	}
}
