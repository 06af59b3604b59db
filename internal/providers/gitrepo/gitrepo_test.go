package gitrepo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func day(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }

// newProvider serves a repository with commits by two people on March
// 1-4, a tag on March 2 and one on March 4, and a side branch.
func newProvider(t *testing.T) (*gitrepo.Provider, string) {
	t.Helper()
	r := testrepo.New(t)
	ada, bob := "Ada Lovelace <ada@example.com>", "Bob Builder <bob@example.com>"
	r.Commit(testrepo.Commit{Author: ada, Date: day(1), Message: "feat: one", Files: map[string][]byte{"a": []byte("1")}})
	r.Commit(testrepo.Commit{Author: bob, Date: day(2), Message: "fix: two", Files: map[string][]byte{"a": []byte("2")}})
	r.Git("tag", "v0.1")
	r.Git("branch", "side")
	r.Commit(testrepo.Commit{Author: ada, Date: day(3), Message: "docs: three", Files: map[string][]byte{"a": []byte("3")}})
	r.Commit(testrepo.Commit{Author: bob, Date: day(4), Message: "feat: four", Files: map[string][]byte{"a": []byte("4")}})
	r.Git("tag", "-a", "-m", "Version 1", "v1.0")

	return gitrepo.New(newService(t), r.Dir), r.Git("symbolic-ref", "--short", "HEAD")
}

// newService opens local repositories in a temporary data directory.
func newService(t *testing.T) *history.Service {
	t.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	policy := repourl.DefaultPolicy()
	policy.AllowLocal = true
	svc, err := history.New(g, history.Options{DataDir: t.TempDir(), Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func TestActivityPeriodAndAuthors(t *testing.T) {
	p, _ := newProvider(t)
	ctx := context.Background()
	user, err := p.User(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if user == "" || strings.Contains(user, "/") {
		t.Errorf("a local repository's full name is %q, want its directory's name", user)
	}
	repos, err := p.Repos(ctx)
	if err != nil || len(repos) != 1 || repos[0].FullName != user || repos[0].Platform != "git" {
		t.Fatalf("repos = %+v, %v (user %q)", repos, err, user)
	}
	// March 2 (inclusive) to March 4 (exclusive), everyone.
	items, err := p.Activity(ctx, activity.Query{Since: day(2).Truncate(24 * time.Hour), Until: day(4).Truncate(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := messages(items); !slices.Equal(got, []string{"commit:docs: three", "commit:fix: two", "release:v0.1"}) {
		t.Errorf("March 2-3 = %v", got)
	}
	// March 1-4, Bob only (by e-mail, any case): his two commits.
	items, err = p.Activity(ctx, activity.Query{Authors: []string{"BOB@example.com"}, Since: day(1).AddDate(0, 0, -1), Until: day(4).AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind == activity.KindCommit && it.Author != "Bob Builder" {
			t.Errorf("author filter let %+v through", it)
		}
	}
	if got := countKind(items, activity.KindCommit); got != 2 {
		t.Errorf("Bob's commits = %d, want 2", got)
	}
	// A filter naming another repository selects nothing.
	items, err = p.Activity(ctx, activity.Query{Repos: []string{"someone/else"}})
	if err != nil || len(items) != 0 {
		t.Errorf("other repository: %v, %v", items, err)
	}
}

func TestReleasesAndBranches(t *testing.T) {
	p, head := newProvider(t)
	ctx := context.Background()
	rels, err := p.Releases(ctx, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 2 || rels[0].Tag != "v1.0" || rels[0].Body != "Version 1" || rels[1].Tag != "v0.1" || rels[1].Body != "" {
		t.Errorf("releases = %+v", rels)
	}
	if rels, _ := p.Releases(ctx, "", 1); len(rels) != 1 {
		t.Errorf("n=1 gave %d releases", len(rels))
	}
	branches, err := p.Branches(ctx, "")
	if err != nil || !slices.Equal(branches, []string{head, "side"}) {
		t.Errorf("branches = %v, %v; want %s first", branches, err, head)
	}
	if _, err := p.Branches(ctx, "other/repo"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("another repository's branches: %v, want ErrNotFound", err)
	}
}

func TestCompare(t *testing.T) {
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Date: day(1), Message: "base", Files: map[string][]byte{"a": []byte("1")}})
	main := r.Git("symbolic-ref", "--short", "HEAD")
	r.Git("checkout", "-q", "-b", "feature")
	first := r.Commit(testrepo.Commit{Author: "Ada <ada@example.com>", Date: day(2), Message: "feat: one\n\nbody", Files: map[string][]byte{"b": []byte("1")}})
	second := r.Commit(testrepo.Commit{Author: "Ada <ada@example.com>", Date: day(3), Message: "fix: two", Files: map[string][]byte{"b": []byte("2")}})
	r.Git("checkout", "-q", main)
	r.Commit(testrepo.Commit{Date: day(4), Message: "on main only", Files: map[string][]byte{"c": []byte("1")}})
	p := gitrepo.New(newService(t), r.Dir)
	items, err := p.Compare(context.Background(), "", main, "feature")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].SHA != second || items[1].SHA != first || items[1].Message != "feat: one\n\nbody" ||
		items[0].Author != "Ada" || !items[0].Date.Equal(day(3)) || items[0].Kind != activity.KindCommit {
		t.Fatalf("Compare = %+v, want fix: two then feat: one (whole message)", items)
	}
	// Each commit carries its parents, files and line counts, as git has them.
	if !slices.Equal(items[0].Parents, []string{first}) || !slices.Equal(items[0].Files, []string{"b"}) ||
		items[0].Additions != 1 || items[0].Deletions != 1 || items[1].Additions != 1 || items[1].Deletions != 0 {
		t.Errorf("details of %+v", items)
	}
	if _, err := p.Compare(context.Background(), "", main, "no-such-branch"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown branch: %v, want ErrNotFound", err)
	}
	if _, err := p.Compare(context.Background(), "", main, "--output=/tmp/x"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("an option as a branch: %v, want ErrNotFound", err)
	}
}

func TestNotARepository(t *testing.T) {
	p := gitrepo.New(newService(t), t.TempDir())
	if _, err := p.User(context.Background()); !errors.Is(err, gitcli.ErrNotRepository) {
		t.Errorf("User on an empty directory: %v, want ErrNotRepository", err)
	}
	if _, err := p.Activity(context.Background(), activity.Query{}); !errors.Is(err, gitcli.ErrNotRepository) {
		t.Errorf("Activity on an empty directory: %v, want ErrNotRepository", err)
	}
}

func messages(items []activity.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Kind+":"+it.Message)
	}
	slices.Sort(out)
	return out
}

func countKind(items []activity.Item, kind string) int {
	n := 0
	for _, it := range items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

// TestActivityOfMergedTopics guards the period of a plain repository: a
// topic written before the period but merged in it is the period's work,
// with its merge's whole message, the merge's parents, each commit's
// files and line counts, and the pull requests messages cite.
func TestActivityOfMergedTopics(t *testing.T) {
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Date: day(1), Message: "base", Files: map[string][]byte{"a": []byte("1\n")}})
	main := r.Git("symbolic-ref", "--short", "HEAD")
	r.Git("checkout", "-q", "-b", "ps/topic")
	topic := r.Commit(testrepo.Commit{Date: day(2), Message: "refs: teach the walker to stop early", Files: map[string][]byte{"refs/walk.c": []byte("x\ny\n")}})
	r.Git("checkout", "-q", main)
	r.Commit(testrepo.Commit{Date: day(3), Message: "Fix the parser on empty input (#34)", Files: map[string][]byte{"a": []byte("2\n")}})
	merge := r.Merge("ps/topic", testrepo.Commit{Date: day(5), Message: "Merge branch 'ps/topic'\n\nThe ref walker learned to stop early.\n\n* ps/topic:\n  refs: teach the walker to stop early"})
	p := gitrepo.New(newService(t), r.Dir)
	items, err := p.Activity(context.Background(), activity.Query{Since: day(3).Truncate(24 * time.Hour), Until: day(6)})
	if err != nil {
		t.Fatal(err)
	}
	bySHA := map[string]activity.Item{}
	for _, it := range items {
		bySHA[it.SHA] = it
	}
	if len(items) != 3 {
		t.Fatalf("items = %v, want the merge, its topic's commit (written before the period) and the squash merge", messages(items))
	}
	m, ok := bySHA[merge]
	if !ok || !m.IsMerge() || !strings.Contains(m.Message, "learned to stop early") || len(m.Files) != 0 {
		t.Errorf("merge item = %+v", m)
	}
	if c := bySHA[topic]; !slices.Equal(c.Files, []string{"refs/walk.c"}) || c.Additions != 2 || c.Deletions != 0 || c.IsMerge() {
		t.Errorf("topic commit = %+v", c)
	}
	for _, it := range items {
		if strings.HasPrefix(it.Message, "Fix the parser") && (it.PullRequest != 34 || it.PullTitle != "Fix the parser on empty input") {
			t.Errorf("squash merge cites #34: %+v", it)
		}
	}
	// Before the merge the topic had not landed: March 3-4 is the squash merge alone.
	items, err = p.Activity(context.Background(), activity.Query{Since: day(3).Truncate(24 * time.Hour), Until: day(4)})
	if err != nil || len(items) != 1 || items[0].PullRequest != 34 {
		t.Errorf("March 3 = %v, %v", messages(items), err)
	}
}

// TestReleaseActivity: a release's commits are read by revision range
// from the release before it on its line, never from a pre-release or a
// maintenance release of an older line.
func TestReleaseActivity(t *testing.T) {
	r := testrepo.New(t)
	commit := func(d int, msg string) string {
		return r.Commit(testrepo.Commit{Date: day(d), Message: msg, Files: map[string][]byte{"f": []byte(msg)}})
	}
	commit(1, "one")
	r.Git("tag", "v1.0.0")
	r.Git("branch", "maint")
	commit(2, "two")
	r.Git("tag", "v1.1.0-rc0")
	r.Git("checkout", "-q", "maint")
	commit(3, "a fix on maint")
	r.Git("tag", "v1.0.1")
	r.Git("checkout", "-q", "main")
	commit(4, "three")
	r.Git("tag", "v1.1.0")
	commit(5, "unreleased")
	p := gitrepo.New(newService(t), r.Dir)
	for _, c := range []struct {
		tag, since string
		want       []string
	}{
		{"v1.1.0", "v1.0.0", []string{"commit:three", "commit:two"}},
		{"v1.0.1", "v1.0.0", []string{"commit:a fix on maint"}},
		{"", "v1.1.0", []string{"commit:unreleased"}},
		{"v1.0.0", "", []string{"commit:one"}},
	} {
		items, since, err := p.ReleaseActivity(context.Background(), "", c.tag)
		if err != nil {
			t.Fatal(err)
		}
		got := messages(items)
		if (since == nil) != (c.since == "") || since != nil && since.Tag != c.since || !slices.Equal(got, c.want) {
			t.Errorf("release %q: since %+v, %v; want since %q, %v", c.tag, since, got, c.since, c.want)
		}
	}
	if _, _, err := p.ReleaseActivity(context.Background(), "", "v9"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown tag: %v, want ErrNotFound", err)
	}
}
