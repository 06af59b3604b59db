package gitlab

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

func TestNewBaseURL(t *testing.T) {
	for base, want := range map[string]string{
		"":                                    "https://gitlab.com/api/v4/",
		"https://gitlab.example.com":          "https://gitlab.example.com/api/v4/",
		"https://gitlab.example.com/":         "https://gitlab.example.com/api/v4/",
		"https://gitlab.example.com/api/v4":   "https://gitlab.example.com/api/v4/",
		"http://gitlab.internal:8080/gitlab/": "http://gitlab.internal:8080/gitlab/api/v4/",
	} {
		p, err := New(providers.Options{Token: token, BaseURL: base})
		if err != nil {
			t.Errorf("New(%q): %v", base, err)
			continue
		}
		if got := p.client.BaseURL().String(); got != want {
			t.Errorf("New(%q) API address = %q, want %q", base, got, want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, base := range []string{"gitlab.example.com", "ftp://gitlab.example.com", "https://", "https://root:secret@gitlab.example.com", "http://[::1"} {
		_, err := New(providers.Options{Token: token, BaseURL: base})
		if !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("New(%q) = %v, want ErrInvalid", base, err)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("error shows the token: %v", err)
		}
	}
	if _, err := New(providers.Options{BaseURL: "https://gitlab.example.com"}); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("New without a token = %v, want ErrUnauthorized", err)
	}
}

func TestUser(t *testing.T) {
	f := newFake(t)
	f.object("GET /api/v4/user", userJSON("john_smith", "John Smith"))
	got, err := f.provider().User(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got != "john_smith" {
		t.Errorf("User = %q, want john_smith", got)
	}
	if n := len(f.queries("/api/v4/user")); n != 1 {
		t.Errorf("GET /api/v4/user requested %d times, want 1", n)
	}
}

func TestReposFollowsPages(t *testing.T) {
	f := newFake(t)
	f.list("GET /api/v4/projects",
		[]map[string]any{
			projectJSON(3, "acme/platform", "group", "api", "API", "private", "main"),
			projectJSON(4, "john_smith", "user", "dotfiles", "Dotfiles", "public", "master"),
		},
		[]map[string]any{
			projectJSON(5, "acme", "group", "handbook", "Handbook", "internal", "trunk"),
		})
	got, err := f.provider().Repos(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2024, 3, 8, 13, 46, 2, 0, time.UTC) // the fixtures' last_activity_at
	want := []activity.Repo{
		{Name: "api", Owner: "acme/platform", FullName: "acme/platform/api", URL: "https://gitlab.example.com/acme/platform/api",
			Platform: "gitlab", Private: true, DefaultBranch: "main", LastActivity: last},
		{Name: "dotfiles", Owner: "john_smith", FullName: "john_smith/dotfiles", URL: "https://gitlab.example.com/john_smith/dotfiles",
			Platform: "gitlab", Private: false, DefaultBranch: "master", LastActivity: last},
		{Name: "handbook", Owner: "acme", FullName: "acme/handbook", URL: "https://gitlab.example.com/acme/handbook",
			Platform: "gitlab", Private: true, DefaultBranch: "trunk", LastActivity: last},
	}
	if !slices.EqualFunc(got, want, func(a, b activity.Repo) bool {
		return a.LastActivity.Equal(b.LastActivity) && a.Name == b.Name && a.FullName == b.FullName && a.Owner == b.Owner && a.URL == b.URL && a.Private == b.Private && a.DefaultBranch == b.DefaultBranch && a.Platform == b.Platform
	}) {
		t.Errorf("Repos =\n%+v\nwant\n%+v", got, want)
	}
	qs := f.queries("/api/v4/projects")
	if len(qs) != 2 {
		t.Fatalf("GET /projects requested %d times, want 2 (both pages)", len(qs))
	}
	for i, q := range qs {
		if q.Get("membership") != "true" || q.Get("per_page") != "100" {
			t.Errorf("request %d: query %v lacks membership=true&per_page=100", i+1, q)
		}
	}
	if qs[1].Get("page") != "2" {
		t.Errorf("second request asks page %q, want 2", qs[1].Get("page"))
	}
}

// The activity fixture: project acme/platform/api, the week of 4 March 2024.
var (
	since = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	until = time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC)

	jdoe  = authorJSON(7, "jdoe", "John Doe")
	alice = authorJSON(9, "alice", "Alice Smith")
)

const (
	shaLimiter = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
	shaTypo    = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
	shaDocs    = "c3d4e5f60718293a4b5c6d7e8f90123456789012"
	shaRebased = "d4e5f60718293a4b5c6d7e8f9012345678901234"
	shaWIP     = "e5f60718293a4b5c6d7e8f901234567890123456"
	shaOld     = "f60718293a4b5c6d7e8f90123456789012345678"
)

// activityFake serves one week of acme/platform/api, including what
// GitLab's own filters let through but the query excludes: a commit
// authored before the period but committed in it, a merge request and an
// issue created exactly at the period's end (GitLab's created_before is
// inclusive), other authors, and releases outside the period.
func activityFake(t *testing.T) *fake {
	f := newFake(t)
	f.users(map[string]string{"jdoe": "John Doe"})
	const id = "acme%2Fplatform%2Fapi"
	f.list("GET /api/v4/projects/"+id+"/repository/commits",
		[]map[string]any{
			commitJSON(shaLimiter, "Add rate limiter\n\nUses a token bucket.\n", "John Doe", "john.doe@example.com",
				"2024-03-08T14:02:11.000+01:00", "2024-03-08T14:02:11.000+01:00"),
			commitJSON(shaTypo, "Fix typo in README", "Alice Smith", "alice@example.com",
				"2024-03-07T10:00:00.000Z", "2024-03-07T10:00:00.000Z"),
		},
		[]map[string]any{
			commitJSON(shaDocs, "Document the limiter", "jdoe", "jdoe@users.noreply.gitlab.example.com",
				"2024-03-05T09:00:00.000Z", "2024-03-05T09:00:00.000Z"),
			commitJSON(shaRebased, "Old work, rebased", "John Doe", "john.doe@example.com",
				"2024-03-03T23:59:59.000Z", "2024-03-04T08:00:00.000Z"),
		})
	f.list("GET /api/v4/projects/"+id+"/merge_requests", []map[string]any{
		mergeRequestJSON(9, "Started at midnight", "opened", "2024-03-11T00:00:00.000Z", jdoe),
		mergeRequestJSON(8, "Alice's change", "opened", "2024-03-09T09:00:00.000Z", alice),
		mergeRequestJSON(7, "Add rate limiter", "merged", "2024-03-08T13:00:00.000Z", jdoe),
	})
	f.list("GET /api/v4/projects/"+id+"/merge_requests/7/commits", []map[string]any{
		commitJSON(shaLimiter, "Add rate limiter\n\nUses a token bucket.\n", "John Doe", "john.doe@example.com",
			"2024-03-08T14:02:11.000+01:00", "2024-03-08T14:02:11.000+01:00"),
		commitJSON(shaWIP, "WIP: limiter", "John Doe", "john.doe@example.com",
			"2024-03-06T10:00:00.000Z", "2024-03-06T10:00:00.000Z"),
		commitJSON(shaOld, "Spike from February", "John Doe", "john.doe@example.com",
			"2024-02-20T10:00:00.000Z", "2024-02-20T10:00:00.000Z"),
	})
	f.list("GET /api/v4/projects/"+id+"/issues", []map[string]any{
		issueJSON(14, "Filed at midnight", "2024-03-11T00:00:00.000Z", jdoe),
		issueJSON(13, "Alice's bug", "2024-03-06T08:30:00.000Z", alice),
		issueJSON(12, "Limiter drops bursts", "2024-03-05T08:30:00.000Z", jdoe),
	})
	f.list("GET /api/v4/projects/"+id+"/releases",
		[]map[string]any{
			releaseJSON("v2.0.0-rc1", "Version 2.0 RC1", "Upcoming", "2024-04-01T00:00:00.000Z", true, jdoe),
			releaseJSON("v1.4.0", "Version 1.4", "## Changes\n\n- Rate limiter", "2024-03-09T12:00:00.000Z", false, jdoe),
			releaseJSON("v1.3.0", "Version 1.3", "## Changes", "2024-02-28T12:00:00.000Z", false, jdoe),
		},
		[]map[string]any{
			releaseJSON("v1.2.0", "Version 1.2", "## Changes", "2024-01-28T12:00:00.000Z", false, jdoe),
		})
	return f
}

// key renders an item for comparison, its date in UTC.
func key(it activity.Item) string {
	return fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s", it.Kind, it.Repo, it.Date.UTC().Format(time.RFC3339), it.Number, it.Author, it.SHA, it.Message)
}

// keys renders items, sorted.
func keys(items []activity.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	slices.Sort(out)
	return out
}

func TestActivity(t *testing.T) {
	const id = "acme%2Fplatform%2Fapi"
	t.Run("authors filtered here", func(t *testing.T) {
		f := activityFake(t)
		f.object("GET /api/v4/user", userJSON("john_smith", "John Smith"))
		q := activity.Query{Since: since, Until: until, Authors: []string{"jdoe", "John.Doe@example.com"}, Repos: []string{"acme/platform/api"}}
		got, err := f.provider().Activity(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
		want := keys([]activity.Item{
			{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-08T13:02:11Z"), Message: "Add rate limiter\n\nUses a token bucket.\n", Author: "John Doe", SHA: shaLimiter},
			{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-05T09:00:00Z"), Message: "Document the limiter", Author: "jdoe", SHA: shaDocs},
			{Kind: activity.KindPullRequest, Repo: "api", Date: at("2024-03-08T13:00:00Z"), Message: "Add rate limiter", Number: 7, Author: "jdoe"},
			{Kind: activity.KindCommit, Repo: "api", Date: at("2024-03-06T10:00:00Z"), Message: "WIP: limiter", Author: "John Doe", SHA: shaWIP},
			{Kind: activity.KindIssue, Repo: "api", Date: at("2024-03-05T08:30:00Z"), Message: "Limiter drops bursts", Number: 12, Author: "jdoe"},
			{Kind: activity.KindRelease, Repo: "api", Date: at("2024-03-09T12:00:00Z"), Message: "Version 1.4", Author: "jdoe"},
		})
		if g := keys(got); !slices.Equal(g, want) {
			t.Errorf("Activity =\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(want, "\n"))
		}
		// Commits, merge requests and issues carry the pages GitLab gives (web_url).
		for _, it := range got {
			page := map[string]string{activity.KindCommit: "https://gitlab.example.com/acme/platform/api/-/commit/" + it.SHA,
				activity.KindPullRequest: fmt.Sprintf("https://gitlab.example.com/acme/platform/api/-/merge_requests/%d", it.Number),
				activity.KindIssue:       fmt.Sprintf("https://gitlab.example.com/acme/platform/api/-/issues/%d", it.Number)}[it.Kind]
			if it.URL != page {
				t.Errorf("%s %s #%d: URL %q, want %q", it.Kind, it.SHA, it.Number, it.URL, page)
			}
		}

		// The period goes to the API wherever it filters by one.
		commits := f.queries("/api/v4/projects/" + id + "/repository/commits")
		if len(commits) != 2 {
			t.Fatalf("commits requested %d times, want 2 (both pages)", len(commits))
		}
		for _, c := range commits {
			if c.Get("since") != "2024-03-04T00:00:00Z" || c.Get("until") != "2024-03-11T00:00:00Z" || c.Get("all") != "true" || c.Has("author") {
				t.Errorf("commits query %v: want since, until, all=true and no author", c)
			}
		}
		if commits[1].Get("page") != "2" {
			t.Errorf("second commits request asks page %q, want 2", commits[1].Get("page"))
		}
		for _, path := range []string{"merge_requests", "issues"} {
			qs := f.queries("/api/v4/projects/" + id + "/" + path)
			if len(qs) != 1 {
				t.Fatalf("%s requested %d times, want 1", path, len(qs))
			}
			q := qs[0]
			if q.Get("created_after") != "2024-03-04T00:00:00Z" || q.Get("created_before") != "2024-03-11T00:00:00Z" {
				t.Errorf("%s query %v lacks the period", path, q)
			}
			if q.Has("author_username") {
				t.Errorf("%s query %v filters by one author of two", path, q)
			}
		}
		if q := f.queries("/api/v4/projects/" + id + "/merge_requests")[0]; q.Get("state") != "all" {
			t.Errorf("merge requests query %v lacks state=all", q)
		}
		// Only the kept merge request's commits are read.
		if n := len(f.queries("/api/v4/projects/" + id + "/merge_requests/7/commits")); n != 1 {
			t.Errorf("commits of !7 requested %d times, want 1", n)
		}
		// Releases are read newest first and no further back than the period.
		rels := f.queries("/api/v4/projects/" + id + "/releases")
		if len(rels) != 1 || rels[0].Get("order_by") != "released_at" || rels[0].Get("sort") != "desc" {
			t.Errorf("releases queries %v: want one, ordered by released_at desc", rels)
		}
	})

	// One meaning of an author for every provider: a part of a username
	// or name (activity.MatchAuthor), which GitLab's author_username (a
	// whole username) cannot filter, so the listing is matched here.
	for _, author := range []string{"jdoe", "JDo"} {
		t.Run("one username, matched here: "+author, func(t *testing.T) {
			f := activityFake(t)
			f.object("GET /api/v4/user", userJSON("someone_else", "Someone Else"))
			q := activity.Query{Since: since, Until: until, Authors: []string{author}, Repos: []string{"acme/platform/api"}}
			got, err := f.provider().Activity(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"merge_requests", "issues"} {
				qs := f.queries("/api/v4/projects/" + id + "/" + path)
				if len(qs) != 1 || qs[0].Has("author_username") {
					t.Errorf("%s queries %v: want one, with no author_username", path, qs)
				}
			}
			var kinds []string
			for _, it := range got {
				if it.Author != "jdoe" && it.Kind != activity.KindCommit {
					t.Errorf("item by %q: %+v", it.Author, it)
				}
				kinds = append(kinds, fmt.Sprintf("%s %d %s", it.Kind, it.Number, it.SHA))
			}
			slices.Sort(kinds)
			// Git author names are not usernames: of the repository's commits
			// only the one authored as "jdoe" counts; the merge request's
			// commits come with it.
			want := []string{"commit 0 " + shaLimiter, "commit 0 " + shaDocs, "commit 0 " + shaWIP, "issue 12 ", "pull_request 7 ", "release 0 "}
			if !slices.Equal(kinds, want) {
				t.Errorf("items %q, want %q", kinds, want)
			}
		})
	}
}

// TestActivitySignedInUsersCommits: git commits carry names, not
// usernames, so the signed-in user's username brings their name along.
func TestActivitySignedInUsersCommits(t *testing.T) {
	f := activityFake(t)
	f.object("GET /api/v4/user", userJSON("asmith", "Alice Smith"))
	q := activity.Query{Since: since, Until: until, Authors: []string{"asmith"}, Repos: []string{"acme/platform/api"}}
	got, err := f.provider().Activity(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(got, func(it activity.Item) bool { return it.SHA == shaTypo }) {
		t.Errorf("Alice Smith's commit is missing from asmith's activity: %v", keys(got))
	}
	if slices.ContainsFunc(got, func(it activity.Item) bool { return it.SHA == shaDocs }) {
		t.Errorf("jdoe's commit is in asmith's activity: %v", keys(got))
	}
}

// TestActivityAllRepos reads every project of Repos, at most four at a
// time, each addressed by its URL-encoded path.
func TestActivityAllRepos(t *testing.T) {
	f := newFake(t)
	var projects []map[string]any
	for i := range 7 {
		projects = append(projects, projectJSON(10+i, "acme/team", "group", "svc"+strconv.Itoa(i), "Service "+strconv.Itoa(i), "private", "main"))
	}
	f.list("GET /api/v4/projects", projects)
	var inFlight, most atomic.Int32
	var mu sync.Mutex
	seen := map[string]bool{}
	f.mux.HandleFunc("GET /api/v4/projects/{id}/repository/commits", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		seen[r.URL.EscapedPath()] = true
		mu.Unlock()
		id := r.PathValue("id")
		writePage(t, w, r, [][]map[string]any{{commitJSON(fmt.Sprintf("%x", sha1.Sum([]byte(id))), "Work on "+id, "John Doe", "john.doe@example.com",
			"2024-03-05T09:00:00.000Z", "2024-03-05T09:00:00.000Z")}})
	})
	for _, path := range []string{"merge_requests", "issues", "releases"} {
		f.mux.HandleFunc("GET /api/v4/projects/{id}/"+path, func(w http.ResponseWriter, r *http.Request) {
			writePage(t, w, r, [][]map[string]any{{}})
		})
	}
	got, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, it := range got {
		msgs = append(msgs, it.Repo+": "+it.Message)
	}
	slices.Sort(msgs)
	var want []string
	for i := range 7 {
		want = append(want, fmt.Sprintf("svc%d: Work on acme/team/svc%d", i, i))
		if p := fmt.Sprintf("/api/v4/projects/acme%%2Fteam%%2Fsvc%d/repository/commits", i); !seen[p] {
			t.Errorf("no request to %s", p)
		}
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("items %q, want %q", msgs, want)
	}
	if m := most.Load(); m > providers.Parallel {
		t.Errorf("%d projects read at once, want at most %d", m, providers.Parallel)
	}
}

func TestReleases(t *testing.T) {
	f := newFake(t)
	f.list("GET /api/v4/projects/acme%2Fplatform%2Fapi/releases",
		[]map[string]any{
			releaseJSON("v2.0.0-rc1", "Version 2.0 RC1", "Upcoming", "2024-04-01T00:00:00.000Z", true, jdoe),
			releaseJSON("v1.4.0", "Version 1.4", "## Changes\n\n- Rate limiter", "2024-03-09T12:00:00.000Z", false, alice),
		},
		[]map[string]any{
			releaseJSON("v1.3.0", "Version 1.3", "## Changes", "2024-02-28T12:00:00.000Z", false, jdoe),
		})
	p := f.provider()
	got, err := p.Releases(t.Context(), "acme/platform/api", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []activity.Release{
		{Tag: "v2.0.0-rc1", Name: "Version 2.0 RC1", Body: "Upcoming", Date: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC),
			Author: "jdoe", Prerelease: true, URL: "https://gitlab.example.com/acme/platform/api/-/releases/v2.0.0-rc1"},
		{Tag: "v1.4.0", Name: "Version 1.4", Body: "## Changes\n\n- Rate limiter", Date: time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC),
			Author: "alice", URL: "https://gitlab.example.com/acme/platform/api/-/releases/v1.4.0"},
	}
	if len(got) != len(want) {
		t.Fatalf("Releases = %+v, want %+v", got, want)
	}
	for i := range want {
		if g, w := got[i], want[i]; g.Tag != w.Tag || g.Name != w.Name || g.Body != w.Body || !g.Date.Equal(w.Date) ||
			g.Author != w.Author || g.Prerelease != w.Prerelease || g.URL != w.URL {
			t.Errorf("release %d = %+v, want %+v", i, g, w)
		}
	}
	qs := f.queries("/api/v4/projects/acme%2Fplatform%2Fapi/releases")
	if len(qs) != 1 {
		t.Fatalf("releases requested %d times, want 1 (two fit on the first page)", len(qs))
	}
	if q := qs[0]; q.Get("per_page") != "2" || q.Get("order_by") != "released_at" || q.Get("sort") != "desc" {
		t.Errorf("releases query %v: want per_page=2, order_by=released_at, sort=desc", q)
	}

	// All of them: both pages.
	all, err := p.Releases(t.Context(), "acme/platform/api", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[2].Tag != "v1.3.0" {
		t.Errorf("Releases(10) = %+v, want the three", all)
	}
	if none, err := p.Releases(t.Context(), "acme/platform/api", 0); err != nil || none != nil {
		t.Errorf("Releases(0) = %v, %v; want nothing", none, err)
	}
}

func TestBranches(t *testing.T) {
	f := newFake(t)
	f.object("GET /api/v4/projects/acme%2Fplatform%2Fapi", projectJSON(3, "acme/platform", "group", "api", "API", "private", "main"))
	f.list("GET /api/v4/projects/acme%2Fplatform%2Fapi/repository/branches",
		[]map[string]any{branchJSON("develop", false), branchJSON("feature/limiter", false)},
		[]map[string]any{branchJSON("main", true)})
	got, err := f.provider().Branches(t.Context(), "acme/platform/api")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"main", "develop", "feature/limiter"}; !slices.Equal(got, want) {
		t.Errorf("Branches = %q, want %q", got, want)
	}
	if qs := f.queries("/api/v4/projects/acme%2Fplatform%2Fapi/repository/branches"); len(qs) != 2 || qs[1].Get("page") != "2" {
		t.Errorf("branches queries %v: want pages 1 and 2", qs)
	}
}

func TestInvalidProject(t *testing.T) {
	f := newFake(t)
	p := f.provider()
	for _, name := range []string{"api", "acme//api", "acme/../api", "/api", "acme/api/"} {
		if _, err := p.Releases(t.Context(), name, 1); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("Releases(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := p.Branches(t.Context(), name); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("Branches(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := p.Activity(t.Context(), activity.Query{Repos: []string{name}}); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("Activity(%q) = %v, want ErrInvalid", name, err)
		}
	}
	if n := f.requests(); n != 0 {
		t.Errorf("%d requests for invalid names, want none", n)
	}
}

// throttled writes GitLab's reply to a throttled request (Rack::Attack):
// 429, the RateLimit-* headers, Retry-After and a plain-text body.
func throttled(w http.ResponseWriter, wait time.Duration) {
	reset := time.Now().Add(wait)
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", "2000")
	h.Set("RateLimit-Observed", "2001")
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
	h.Set("Retry-After", strconv.Itoa(int(wait.Seconds())))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
}

func TestRateLimitRetried(t *testing.T) {
	f := newFake(t)
	var calls atomic.Int32
	user := mustJSON(t, userJSON("john_smith", "John Smith"))
	f.mux.HandleFunc("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			throttled(w, 0)
			return
		}
		writeJSON(w, http.StatusOK, user)
	})
	got, err := f.provider().User(t.Context())
	if err != nil {
		t.Fatalf("User after a throttled reply: %v", err)
	}
	if got != "john_smith" || calls.Load() != 2 {
		t.Errorf("User = %q after %d requests, want john_smith after 2", got, calls.Load())
	}
}

func TestRateLimitTooFar(t *testing.T) {
	f := newFake(t)
	f.mux.HandleFunc("GET /api/v4/projects", func(w http.ResponseWriter, r *http.Request) {
		throttled(w, time.Hour)
	})
	_, err := f.provider().Repos(t.Context())
	if !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("Repos = %v, want ErrRateLimited", err)
	}
	var e *providers.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not a *providers.Error", err)
	}
	if want := time.Now().Add(time.Hour); e.RetryAt.Before(want.Add(-time.Minute)) || e.RetryAt.After(want.Add(time.Minute)) {
		t.Errorf("RetryAt = %v, want about %v", e.RetryAt, want)
	}
	if e.Status != http.StatusTooManyRequests || e.Message != "Retry later" || e.Provider != "gitlab" {
		t.Errorf("error = %+v, want status 429 with GitLab's message", e)
	}
	if n := f.requests(); n != 1 {
		t.Errorf("%d requests, want 1: a reset an hour away is not waited for", n)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error shows the token: %v", err)
	}
}

// methods runs every Provider method once.
var methods = map[string]func(context.Context, *Provider) error{
	"User":  func(ctx context.Context, p *Provider) error { _, err := p.User(ctx); return err },
	"Repos": func(ctx context.Context, p *Provider) error { _, err := p.Repos(ctx); return err },
	"Activity": func(ctx context.Context, p *Provider) error {
		_, err := p.Activity(ctx, activity.Query{Since: since, Until: until, Repos: []string{"acme/platform/api"}})
		return err
	},
	"Releases": func(ctx context.Context, p *Provider) error {
		_, err := p.Releases(ctx, "acme/platform/api", 5)
		return err
	},
	"Branches": func(ctx context.Context, p *Provider) error {
		_, err := p.Branches(ctx, "acme/platform/api")
		return err
	},
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status      int
		contentType string
		body        string
		want        error
		message     string
		requests    int32 // per call: 502 is retried by the transport, nothing else
	}{
		{http.StatusBadRequest, "application/json", `{"error":"created_after is invalid"}`, providers.ErrInvalid, "created_after is invalid", 1},
		{http.StatusUnauthorized, "application/json", `{"message":"401 Unauthorized"}`, providers.ErrUnauthorized, "401 Unauthorized", 1},
		{http.StatusForbidden, "application/json", `{"message":"403 Forbidden"}`, providers.ErrForbidden, "403 Forbidden", 1},
		{http.StatusNotFound, "application/json", `{"message":"404 Project Not Found"}`, providers.ErrNotFound, "", 1},
		{http.StatusInternalServerError, "application/json", `{"message":"500 Internal Server Error"}`, providers.ErrUnavailable, "500 Internal Server Error", 1},
		{http.StatusBadGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", providers.ErrUnavailable, "", 4},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.Header().Set("Content-Type", tc.contentType)
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		p, err := New(providers.Options{Token: token, BaseURL: srv.URL, HTTPClient: testClient()})
		if err != nil {
			t.Fatal(err)
		}
		for name, call := range methods {
			n.Store(0)
			err := call(t.Context(), p)
			if !errors.Is(err, tc.want) {
				t.Errorf("%d: %s = %v, want %v", tc.status, name, err, tc.want)
				continue
			}
			var e *providers.Error
			if !errors.As(err, &e) || e.Status != tc.status || e.Provider != "gitlab" {
				t.Errorf("%d: %s error = %#v, want a *providers.Error with the status", tc.status, name, err)
			} else if tc.message != "" && e.Message != tc.message {
				t.Errorf("%d: %s message = %q, want %q", tc.status, name, e.Message, tc.message)
			}
			if got := n.Load(); got != tc.requests {
				t.Errorf("%d: %s made %d requests, want %d", tc.status, name, got, tc.requests)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("%d: %s error shows the token: %v", tc.status, name, err)
			}
		}
		srv.Close()
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	p, err := New(providers.Options{Token: token, BaseURL: srv.URL, HTTPClient: testClient()})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range methods {
		err := call(t.Context(), p)
		if !errors.Is(err, providers.ErrUnavailable) {
			t.Errorf("%s = %v, want ErrUnavailable", name, err)
		}
		if err != nil && strings.Contains(err.Error(), token) {
			t.Errorf("%s error shows the token: %v", name, err)
		}
	}
}

func TestCanceled(t *testing.T) {
	f := activityFake(t)
	f.object("GET /api/v4/user", userJSON("john_smith", "John Smith"))
	f.list("GET /api/v4/projects", []map[string]any{projectJSON(3, "acme/platform", "group", "api", "API", "private", "main")})
	f.object("GET /api/v4/projects/acme%2Fplatform%2Fapi", projectJSON(3, "acme/platform", "group", "api", "API", "private", "main"))
	f.list("GET /api/v4/projects/acme%2Fplatform%2Fapi/repository/branches", []map[string]any{branchJSON("main", true)})
	p := f.provider()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, call := range methods {
		if err := call(ctx, p); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", name, err)
		}
	}
}

// TestActivityOtherUsersUsernameMapsToName: commits carry a git name, not a
// username, so a username among the authors (not the signed-in user's) is
// looked up (GET /users?username=) and its user's name matched too.
func TestActivityOtherUsersUsernameMapsToName(t *testing.T) {
	f := newFake(t)
	f.object("GET /api/v4/user", userJSON("someone_else", "Someone Else"))
	f.users(map[string]string{"jdoe": "John Doe"})
	const id = "acme%2Fplatform%2Fapi"
	f.list("GET /api/v4/projects/"+id+"/repository/commits", []map[string]any{
		commitJSON(shaLimiter, "Add rate limiter", "John Doe", "john.doe@example.com", "2024-03-08T14:02:11.000Z", "2024-03-08T14:02:11.000Z"),
		commitJSON(shaTypo, "Fix typo in README", "Alice Smith", "alice@example.com", "2024-03-07T10:00:00.000Z", "2024-03-07T10:00:00.000Z"),
	})
	for _, path := range []string{"merge_requests", "issues", "releases"} {
		f.list("GET /api/v4/projects/"+id+"/"+path, []map[string]any{})
	}
	got, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until, Authors: []string{"jdoe", "nobody"}, Repos: []string{"acme/platform/api"}})
	if err != nil {
		t.Fatal(err)
	}
	if k := keys(got); len(k) != 1 || !strings.Contains(k[0], shaLimiter) {
		t.Errorf("jdoe's activity %q, want John Doe's commit %s only", k, shaLimiter)
	}
	var asked []string
	for _, q := range f.queries("/api/v4/users") {
		asked = append(asked, q.Get("username"))
	}
	if slices.Sort(asked); !slices.Equal(asked, []string{"jdoe", "nobody"}) {
		t.Errorf("users looked up %q, want jdoe and nobody", asked)
	}
}

// TestActivitySkipsQuietProjects: a project whose last activity is older
// than the period is not read at all.
func TestActivitySkipsQuietProjects(t *testing.T) {
	f := newFake(t)
	quiet := projectJSON(10, "acme/team", "group", "old", "Old", "private", "main")
	quiet["last_activity_at"] = "2023-01-01T00:00:00Z"
	busy := projectJSON(11, "acme/team", "group", "busy", "Busy", "private", "main")
	f.list("GET /api/v4/projects", []map[string]any{quiet, busy})
	for _, path := range []string{"repository/commits", "merge_requests", "issues", "releases"} {
		f.list("GET /api/v4/projects/acme%2Fteam%2Fbusy/"+path, []map[string]any{})
	}
	if _, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until}); err != nil {
		t.Fatal(err) // a request for the quiet project would fail the test as unexpected
	}
	if n := len(f.queries("/api/v4/projects/acme%2Fteam%2Fbusy/repository/commits")); n != 1 {
		t.Fatalf("the active project's commits were read %d times, want 1", n)
	}
}
