package recaps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/recap"
)

// memProvider is an activity.Provider over fixed items and releases that
// records the queries it is asked.
type memProvider struct {
	items    []activity.Item
	releases []activity.Release
	compare  []activity.Item

	mu      sync.Mutex
	queries []activity.Query
}

func (m *memProvider) User(context.Context) (string, error)               { return "octocat", nil }
func (m *memProvider) Repos(context.Context) ([]activity.Repo, error)     { return nil, nil }
func (m *memProvider) Branches(context.Context, string) ([]string, error) { return nil, nil }

func (m *memProvider) Activity(_ context.Context, q activity.Query) ([]activity.Item, error) {
	m.mu.Lock()
	m.queries = append(m.queries, q)
	m.mu.Unlock()
	var out []activity.Item
	for _, it := range m.items {
		if q.In(it.Date) && q.ByAuthor(it.Author) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memProvider) Releases(_ context.Context, _ string, n int) ([]activity.Release, error) {
	return m.releases[:min(n, len(m.releases))], nil
}

func (m *memProvider) Compare(context.Context, string, string, string) ([]activity.Item, error) {
	return m.compare, nil
}

func newService(t *testing.T, now time.Time) *Service {
	t.Helper()
	gen, err := recap.New(recap.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return New(connect.Config{}, gen, func() time.Time { return now })
}

var today = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func TestActions(t *testing.T) {
	p := &memProvider{items: []activity.Item{
		{Kind: activity.KindPullRequest, Repo: "app", Date: today, Message: "Add recaps", Number: 7, Author: "octocat"},
		{Kind: activity.KindCommit, Repo: "app", Date: today, Message: "feat: recaps", Author: "OctoCat", SHA: "a1"},
		{Kind: activity.KindCommit, Repo: "app", Date: today.Add(time.Hour), Message: "feat: recaps", Author: "octocat", SHA: "a1"},
		{Kind: activity.KindCommit, Repo: "app", Date: today, Message: "fix: typo", Author: "mona", SHA: "b2"},
		{Kind: activity.KindCommit, Repo: "app", Date: today, Message: "chore: deps", Author: "hubot", SHA: "c3"},
	}}
	s := newService(t, today)
	q := activity.Query{Since: today.Truncate(24 * time.Hour), Until: today.Truncate(24*time.Hour).AddDate(0, 0, 1), Authors: []string{"mona"}}

	t.Run("a hosted session's user is added to the authors, commits counted once", func(t *testing.T) {
		sess := auth.Session{ID: "s1", Provider: connect.GitHub, Username: "octocat"}
		res, err := s.Actions(context.Background(), sess, p, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Authors, []string{"octocat", "mona"}) {
			t.Errorf("authors %q, want octocat then mona", res.Authors)
		}
		if res.Total != 3 || len(res.Items) != 3 || res.Trimmed != 0 {
			t.Errorf("total %d, %d items, %d trimmed; want the pull request and two commits: %+v", res.Total, len(res.Items), res.Trimmed, res.Items)
		}
		if !strings.Contains(res.Actions, "fix: typo") || strings.Contains(res.Actions, "chore: deps") {
			t.Errorf("actions text:\n%s", res.Actions)
		}
		if res.Range.Start != "2026-11-02" || res.Range.End != "2026-11-02" {
			t.Errorf("range %+v, want the one day", res.Range)
		}
		// The same session asking the same again shares the listing.
		if _, err := s.Actions(context.Background(), sess, p, q); err != nil {
			t.Fatal(err)
		}
		if len(p.queries) != 1 {
			t.Errorf("the provider was asked %d times, want once", len(p.queries))
		}
	})
	t.Run("a plain-git session adds no user", func(t *testing.T) {
		res, err := s.Actions(context.Background(), auth.Session{ID: "s2", Provider: connect.Git, Username: "octo/app"}, p, activity.Query{Since: q.Since, Until: q.Until})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Authors) != 0 || res.Total != 4 {
			t.Errorf("authors %q and %d items, want none named and everyone's 4", res.Authors, res.Total)
		}
	})
}

func TestReleaseNotes(t *testing.T) {
	latest := today.AddDate(0, 0, -3)
	p := &memProvider{
		items: []activity.Item{
			{Kind: activity.KindCommit, Repo: "app", Date: latest, Message: "feat: in the release", SHA: "old"},
			{Kind: activity.KindCommit, Repo: "app", Date: today.Add(-time.Hour), Message: "feat: after it", SHA: "new"},
			{Kind: activity.KindRelease, Repo: "app", Date: today.Add(-time.Hour), Message: "v2.1.0-rc1"},
		},
		releases: []activity.Release{
			{Tag: "v2.0.0", Date: latest, Body: "- first\n- second"},
			{Tag: "v1.0.0", Date: latest.AddDate(0, -1, 0), Body: "- older"},
		},
	}
	res, err := newService(t, today).ReleaseNotes(context.Background(), p, "octo/app", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if q := p.queries[0]; !q.Since.Equal(latest.Add(time.Second)) || !slices.Equal(q.Repos, []string{"octo/app"}) {
		t.Errorf("activity asked since %v of %q, want a second after the latest release, of octo/app", q.Since, q.Repos)
	}
	if len(res.Items) != 1 || res.Items[0].SHA != "new" {
		t.Errorf("items %+v, want the one commit after the release and no release items", res.Items)
	}
	if res.Latest == nil || res.Latest.Tag != "v2.0.0" || len(res.Previous) != 1 || res.Previous[0].Tag != "v1.0.0" {
		t.Errorf("latest %+v, previous %+v", res.Latest, res.Previous)
	}
	if !strings.Contains(res.Actions, "### Release v1.0.0 (") || !strings.Contains(res.Actions, "> - second") {
		t.Errorf("the earlier notes are not quoted in the actions:\n%s", res.Actions)
	}

	res, err = newService(t, today).ReleaseNotes(context.Background(), &memProvider{}, "", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := today.AddDate(0, 0, -unreleasedDays).Format(time.DateOnly); res.Range.Start != want || res.Latest != nil {
		t.Errorf("without releases: range %+v, latest %+v; want from %s", res.Range, res.Latest, want)
	}
}

func TestPullRequest(t *testing.T) {
	s := newService(t, today)
	_, err := s.PullRequest(context.Background(), &memProvider{}, "", "main", "feature")
	if !errors.Is(err, recap.ErrInvalid) || !strings.Contains(err.Error(), `branch "feature" has no commits that "main" lacks`) {
		t.Errorf("no commits: %v", err)
	}
	p := &memProvider{compare: []activity.Item{{Kind: activity.KindCommit, Repo: "app", Date: today, Message: "feat: branch work", SHA: "f1"}}}
	res, err := s.PullRequest(context.Background(), p, "", "main", "feature")
	if err != nil || len(res.Items) != 1 || !strings.Contains(res.Actions, "feat: branch work") {
		t.Errorf("PullRequest = %+v, %v", res, err)
	}
}

// rangeProvider reads releases by revision range, as plain git does.
type rangeProvider struct {
	memProvider
	tags []string // the tags ReleaseActivity was asked
}

func (r *rangeProvider) ReleaseActivity(_ context.Context, _, tag string) ([]activity.Item, *activity.Release, error) {
	r.tags = append(r.tags, tag)
	return r.compare, &r.releases[len(r.releases)-1], nil
}

// TestReleaseNotesByRange: a provider that reads releases by revision
// range gives the items (not a period's activity), the release they
// follow, and the older releases' notes; a tag for one that cannot is
// refused.
func TestReleaseNotesByRange(t *testing.T) {
	p := &rangeProvider{memProvider: memProvider{
		compare:  []activity.Item{{Kind: activity.KindCommit, Repo: "git", Date: today.AddDate(0, 0, -2), Message: "topic work", SHA: "t1"}},
		releases: []activity.Release{{Tag: "v2.44.0-rc2", Date: today.AddDate(0, 0, -1)}, {Tag: "v2.43.0", Date: today.AddDate(0, 0, -60), Body: "- notes"}},
	}}
	res, err := newService(t, today).ReleaseNotes(context.Background(), p, "", "v2.44.0", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.queries) != 0 || !slices.Equal(p.tags, []string{"v2.44.0"}) {
		t.Errorf("asked activity %v and ranges %v, want the range of v2.44.0 only", p.queries, p.tags)
	}
	if len(res.Items) != 1 || res.Latest == nil || res.Latest.Tag != "v2.43.0" || res.Range.Start != day(today.AddDate(0, 0, -60)) ||
		res.Range.End != day(today.AddDate(0, 0, -2)) || len(res.Previous) != 1 || res.Previous[0].Tag != "v2.44.0-rc2" {
		t.Errorf("result %+v", res)
	}
	if _, err := newService(t, today).ReleaseNotes(context.Background(), &memProvider{}, "octo/app", "v1.0.0", 1); !errors.Is(err, recap.ErrInvalid) {
		t.Errorf("a tag for a provider without ranges: %v, want ErrInvalid", err)
	}
}
