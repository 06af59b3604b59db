package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// The period the activity tests read: a week of March 2024.
var (
	since = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	until = since.AddDate(0, 0, 7)
)

// day returns a time d days and h hours after since.
func day(d, h int) time.Time { return since.Add(time.Duration(d*24+h) * time.Hour) }

// checkErr fails unless err is a *providers.Error of kind, without the token
// in its message, and returns it.
func checkErr(t *testing.T, err, kind error) *providers.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatalf("error shows the token: %v", err)
	}
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Provider != "github" {
		t.Fatalf("error %#v is not a github *providers.Error", err)
	}
	return pe
}

func TestNewBaseURL(t *testing.T) {
	for base, want := range map[string]string{
		"":                                   "https://api.github.com/",
		"https://ghe.example.com":            "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/":           "https://ghe.example.com/api/v3/",
		"https://ghe.example.com/api/v3":     "https://ghe.example.com/api/v3/",
		"http://10.0.0.5:8080/github/api/v3": "http://10.0.0.5:8080/github/api/v3/",
	} {
		p, err := New(providers.Options{BaseURL: base})
		if err != nil {
			t.Fatalf("New(%q): %v", base, err)
		}
		if got := p.client.BaseURL(); got != want {
			t.Errorf("New(%q) talks to %s, want %s", base, got, want)
		}
	}
	for _, base := range []string{"ghe.example.com", "ftp://ghe.example.com", "https://", "http://[::1", "https://ghe example.com"} {
		_, err := New(providers.Options{Token: token, BaseURL: base})
		checkErr(t, err, providers.ErrInvalid)
	}
}

func TestUser(t *testing.T) {
	f := newFake(t)
	f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
		u := simpleUser("octocat", 1)
		u["name"], u["email"], u["company"] = "monalisa octocat", "octocat@github.com", "GitHub"
		writeJSON(w, http.StatusOK, u)
	})
	login, err := f.provider().User(t.Context())
	if err != nil || login != "octocat" {
		t.Fatalf("User() = %q, %v; want octocat", login, err)
	}
}

func TestRepos(t *testing.T) {
	f := newFake(t)
	f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{repository("octocat", "Hello-World", 1296269, false, "master"), repository("octo-org", "api", 7, true, "main")},
			[]any{repository("octo-org", "web", 8, true, "trunk")},
		)
	})
	repos, err := f.provider().Repos(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pushed := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC) // the fixtures' pushed_at
	want := []activity.Repo{
		{Name: "Hello-World", Owner: "octocat", FullName: "octocat/Hello-World", URL: "https://github.com/octocat/Hello-World", Platform: "github", DefaultBranch: "master", LastActivity: pushed},
		{Name: "api", Owner: "octo-org", FullName: "octo-org/api", URL: "https://github.com/octo-org/api", Platform: "github", Private: true, DefaultBranch: "main", LastActivity: pushed},
		{Name: "web", Owner: "octo-org", FullName: "octo-org/web", URL: "https://github.com/octo-org/web", Platform: "github", Private: true, DefaultBranch: "trunk", LastActivity: pushed},
	}
	if !slices.EqualFunc(repos, want, func(a, b activity.Repo) bool {
		return a.LastActivity.Equal(b.LastActivity) && a.Name == b.Name && a.Owner == b.Owner && a.FullName == b.FullName && a.URL == b.URL && a.Private == b.Private && a.DefaultBranch == b.DefaultBranch && a.Platform == b.Platform
	}) {
		t.Errorf("Repos() =\n%+v\nwant\n%+v", repos, want)
	}
	qs := f.queries("/user/repos")
	if len(qs) != 2 || qs[0].Get("per_page") != "100" || qs[1].Get("page") != "2" || qs[1].Get("per_page") != "100" {
		t.Errorf("requests %v, want page 1 and 2 with per_page=100", qs)
	}
}

// activityFake serves octo/api for the period with one author, octocat:
// every listing holds items the provider must drop.
func activityFake(t *testing.T) *fakeGitHub {
	const repo = "octo/api"
	f := newFake(t)
	f.handle("GET /repos/octo/api/commits", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{
				commit(repo, "a1b2c3d4e5", "octocat", "Mona Octocat", day(2, 9), "feat: recap endpoint\n\nwith tests"),
				// GitHub's until is inclusive; the period's end is not.
				commit(repo, "e5d4c3b2a1", "octocat", "Mona Octocat", until, "chore: at the end of the period"),
			},
			[]any{
				// No GitHub account matches the git author.
				commit(repo, "f00dfeed00", "", "Mona Laptop", day(1, 8), "fix: typo"),
				commit(repo, "5ha5ha5ha5", "octocat", "Mona Octocat", day(3, 10), "feat: shared with the pull request"),
			},
		)
	})
	f.handle("GET /repos/octo/api/pulls", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{
				pullRequest(repo, 12, "octocat", "Add recap", day(3, 9), day(4, 0)),
				pullRequest(repo, 11, "hubot", "Someone else's", day(2, 0), day(3, 0)),
				pullRequest(repo, 10, "octocat", "Opened before the period", since.Add(-time.Hour), day(1, 0)),
			},
			[]any{
				pullRequest(repo, 9, "octocat", "Last updated before the period", since.AddDate(0, 0, -3), since.Add(-time.Minute)),
			},
			[]any{pullRequest(repo, 8, "octocat", "Must not be read", since.AddDate(0, 0, -5), since.AddDate(0, 0, -5))},
		)
	})
	f.handle("GET /repos/octo/api/pulls/12/commits", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{
			commit(repo, "0ldc0mm1t0", "octocat", "Mona Octocat", since.Add(-2*time.Hour), "wip: before the period"),
			commit(repo, "5ha5ha5ha5", "octocat", "Mona Octocat", day(3, 10), "feat: shared with the pull request"),
			commit(repo, "b4b4b4b4b4", "octocat", "Mona Octocat", day(3, 11), "test: on the branch only"),
		})
	})
	f.handle("GET /repos/octo/api/issues", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{
				issue(repo, 20, "octocat", "Crash on start", day(1, 12), day(2, 0), false),
				issue(repo, 12, "octocat", "Add recap", day(3, 9), day(4, 0), true),
				issue(repo, 5, "octocat", "Old issue, new comment", since.AddDate(0, -1, 0), day(2, 0), false),
			},
			[]any{issue(repo, 21, "octocat", "Opened after the period", until.Add(time.Hour), until.Add(time.Hour), false)},
		)
	})
	f.handle("GET /repos/octo/api/releases", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{
				release(repo, "v1.3.0", "", "octocat", time.Time{}, false),
				release(repo, "v1.2.0", "Spring", "octocat", day(5, 15), false),
				release(repo, "v1.1.1", "v1.1.1", "hubot", day(4, 15), false),
			},
			[]any{release(repo, "v1.1.0", "v1.1.0", "octocat", since.AddDate(0, 0, -10), false)},
		)
	})
	return f
}

func TestActivityOneAuthor(t *testing.T) {
	f := activityFake(t)
	items, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until, Authors: []string{"octocat"}, Repos: []string{"octo/api"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`commit api 2024-03-03T09:00:00Z "feat: recap endpoint\n\nwith tests" #0 by octocat a1b2c3d4e5`,
		`commit api 2024-03-02T08:00:00Z "fix: typo" #0 by Mona Laptop f00dfeed00`,
		`commit api 2024-03-04T10:00:00Z "feat: shared with the pull request" #0 by octocat 5ha5ha5ha5`,
		`pull_request api 2024-03-04T09:00:00Z "Add recap" #12 by octocat `,
		`commit api 2024-03-04T11:00:00Z "test: on the branch only" #0 by octocat b4b4b4b4b4`,
		`issue api 2024-03-02T12:00:00Z "Crash on start" #20 by octocat `,
		`release api 2024-03-06T15:00:00Z "Spring" #0 by octocat `,
	}
	if got := describe(items); !slices.Equal(got, want) {
		t.Errorf("Activity() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Commits, pull requests and issues carry the pages GitHub gives (html_url).
	for _, it := range items {
		page := map[string]string{activity.KindCommit: "https://github.com/octo/api/commit/" + it.SHA,
			activity.KindPullRequest: fmt.Sprintf("https://github.com/octo/api/pull/%d", it.Number),
			activity.KindIssue:       fmt.Sprintf("https://github.com/octo/api/issues/%d", it.Number)}[it.Kind]
		if it.URL != page {
			t.Errorf("%s %s #%d: URL %q, want %q", it.Kind, it.SHA, it.Number, it.URL, page)
		}
	}

	// What GitHub can filter it is asked to.
	commits := f.queries("/repos/octo/api/commits")
	if len(commits) != 2 {
		t.Fatalf("commit listing requests %v, want 2 pages", commits)
	}
	for _, q := range commits {
		if q.Get("author") != "octocat" || q.Get("since") != "2024-03-01T00:00:00Z" || q.Get("until") != "2024-03-08T00:00:00Z" || q.Get("per_page") != "100" {
			t.Errorf("commit listing query %v, want author, since, until and per_page", q)
		}
	}
	pulls := f.queries("/repos/octo/api/pulls")
	if len(pulls) != 2 {
		t.Errorf("pull request listing requests %v, want 2: page 2 reaches before the period", pulls)
	}
	for _, q := range pulls {
		if q.Get("state") != "all" || q.Get("sort") != "updated" || q.Get("direction") != "desc" {
			t.Errorf("pull request listing query %v, want state=all sort=updated direction=desc", q)
		}
	}
	issues := f.queries("/repos/octo/api/issues")
	if len(issues) != 2 {
		t.Errorf("issue listing requests %v, want 2 pages", issues)
	}
	for _, q := range issues {
		if q.Get("state") != "all" || q.Get("since") != "2024-03-01T00:00:00Z" || q.Get("creator") != "octocat" {
			t.Errorf("issue listing query %v, want state=all since creator", q)
		}
	}
	if n := len(f.queries("/repos/octo/api/releases")); n != 2 {
		t.Errorf("%d release listing requests, want 2 pages", n)
	}
	if n := len(f.queries("/repos/octo/api/pulls/12/commits")); n != 1 {
		t.Errorf("%d requests for pull request 12's commits, want 1", n)
	}
	for _, n := range []int{11, 10, 9, 8} {
		if len(f.queries(fmt.Sprintf("/repos/octo/api/pulls/%d/commits", n))) != 0 {
			t.Errorf("read the commits of pull request %d, which is not kept", n)
		}
	}
}

func TestActivityAuthorsAllRepos(t *testing.T) {
	f := newFake(t)
	f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{repository("octo", "api", 1, false, "main")}, []any{repository("octo", "empty", 2, true, "main")})
	})
	f.handle("GET /repos/octo/api/commits", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("author") {
		case "octocat":
			writePage(w, r, []any{commit("octo/api", "1111111111", "octocat", "Mona Octocat", day(1, 1), "one")})
		case "hubot":
			writePage(w, r, []any{
				commit("octo/api", "2222222222", "hubot", "Hubot", day(2, 2), "two"),
				commit("octo/api", "1111111111", "octocat", "Mona Octocat", day(1, 1), "one"), // co-authored
			})
		default:
			t.Errorf("commit listing for author %q", r.URL.Query().Get("author"))
			writePage(w, r, []any{})
		}
	})
	f.handle("GET /repos/octo/api/pulls", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{
			pullRequest("octo/api", 4, "hubot", "By hubot", day(2, 3), day(2, 4)),
			pullRequest("octo/api", 3, "monalisa", "By someone else", day(2, 1), day(2, 2)),
		})
	})
	f.handle("GET /repos/octo/api/pulls/4/commits", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{commit("octo/api", "2222222222", "hubot", "Hubot", day(2, 2), "two")})
	})
	f.handle("GET /repos/octo/api/issues", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{
			issue("octo/api", 7, "monalisa", "Not ours", day(1, 0), day(1, 0), false),
			issue("octo/api", 6, "OctoCat", "Ours", day(0, 5), day(0, 6), false),
		})
	})
	f.handle("GET /repos/octo/api/releases", func(w http.ResponseWriter, r *http.Request) { writePage(w, r, []any{}) })
	f.handle("GET /repos/octo/empty/commits", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusConflict, "Git Repository is empty.", "https://docs.github.com/rest/commits/commits#list-commits")
	})
	for _, path := range []string{"pulls", "issues", "releases"} {
		f.handle("GET /repos/octo/empty/"+path, func(w http.ResponseWriter, r *http.Request) { writePage(w, r, []any{}) })
	}

	items, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until, Authors: []string{"octocat", "hubot"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`commit api 2024-03-02T01:00:00Z "one" #0 by octocat 1111111111`,
		`commit api 2024-03-03T02:00:00Z "two" #0 by hubot 2222222222`,
		`pull_request api 2024-03-03T03:00:00Z "By hubot" #4 by hubot `,
		`issue api 2024-03-01T05:00:00Z "Ours" #6 by OctoCat `,
	}
	if got := describe(items); !slices.Equal(got, want) {
		t.Errorf("Activity() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var authors []string
	for _, q := range f.queries("/repos/octo/api/commits") {
		authors = append(authors, q.Get("author"))
	}
	slices.Sort(authors)
	if !slices.Equal(authors, []string{"hubot", "octocat"}) {
		t.Errorf("commit listings for authors %q, want one per author", authors)
	}
	for _, q := range f.queries("/repos/octo/api/issues") {
		if q.Has("creator") {
			t.Errorf("issue listing query %v names a creator though there are two authors", q)
		}
	}
	if len(f.queries("/repos/octo/empty/issues")) != 1 {
		t.Error("the empty repository's issues were not read")
	}
}

func TestActivityInvalidRepo(t *testing.T) {
	f := newFake(t)
	p := f.provider()
	for _, repo := range []string{"octo", "octo/api/extra", "/api", "octo/", "octo/api?per_page=1", "../api", "octo/a b"} {
		_, err := p.Activity(t.Context(), activity.Query{Repos: []string{repo}})
		checkErr(t, err, providers.ErrInvalid)
	}
	if _, err := p.Releases(t.Context(), "octo/api/x", 3); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("Releases: %v, want ErrInvalid", err)
	}
	if _, err := p.Branches(t.Context(), "octo"); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("Branches: %v, want ErrInvalid", err)
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d requests for invalid names, want none", n)
	}
}

func TestActivityBoundedConcurrency(t *testing.T) {
	f := newFake(t)
	var repos []any
	var names []string
	for i := range 9 {
		repos = append(repos, repository("octo", fmt.Sprintf("r%d", i), i, false, "main"))
		names = append(names, fmt.Sprintf("octo/r%d", i))
	}
	f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) { writePage(w, r, repos) })
	var mu sync.Mutex
	inFlight, most := 0, 0
	f.handle("GET /repos/octo/{repo}/commits", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		repo := "octo/" + r.PathValue("repo")
		writePage(w, r, []any{commit(repo, "abcdef0123", "octocat", "Mona", day(1, 0), r.PathValue("repo"))})
	})
	for _, path := range []string{"pulls", "issues", "releases"} {
		f.handle("GET /repos/octo/{repo}/"+path, func(w http.ResponseWriter, r *http.Request) { writePage(w, r, []any{}) })
	}
	items, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, "octo/"+it.Message)
	}
	if !slices.Equal(got, names) {
		t.Errorf("commits of %v, want one per repository in order %v", got, names)
	}
	if most > providers.Parallel {
		t.Errorf("%d repositories read at once, want at most %d", most, providers.Parallel)
	}
}

func TestReleases(t *testing.T) {
	f := newFake(t)
	var all []any
	for i := 205; i > 0; i-- {
		all = append(all, release("octo/api", fmt.Sprintf("v1.%d.0", i), fmt.Sprintf("Release %d", i), "octocat", since.Add(time.Duration(i)*time.Hour), i%2 == 0))
	}
	f.handle("GET /repos/octo/api/releases", func(w http.ResponseWriter, r *http.Request) {
		size, err := strconv.Atoi(r.URL.Query().Get("per_page"))
		if err != nil {
			size = 30
		}
		writePage(w, r, chunk(all, size)...)
	})
	p := f.provider()

	got, err := p.Releases(t.Context(), "octo/api", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []activity.Release{
		{Tag: "v1.205.0", Name: "Release 205", Body: "Notes for v1.205.0", Date: since.Add(205 * time.Hour), Author: "octocat", URL: "https://github.com/octo/api/releases/tag/v1.205.0"},
		{Tag: "v1.204.0", Name: "Release 204", Body: "Notes for v1.204.0", Date: since.Add(204 * time.Hour), Author: "octocat", Prerelease: true, URL: "https://github.com/octo/api/releases/tag/v1.204.0"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] || !got[0].Date.Equal(want[0].Date) {
		t.Errorf("Releases(2) =\n%+v\nwant\n%+v", got, want)
	}
	if qs := f.queries("/repos/octo/api/releases"); len(qs) != 1 || qs[0].Get("per_page") != "2" {
		t.Errorf("requests %v, want one with per_page=2", qs)
	}

	got, err = p.Releases(t.Context(), "octo/api", 150)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 || got[0].Tag != "v1.205.0" || got[149].Tag != "v1.56.0" {
		t.Errorf("Releases(150) gave %d releases, want 150 from v1.205.0 to v1.56.0", len(got))
	}
	qs := f.queries("/repos/octo/api/releases")[1:]
	if len(qs) != 2 || qs[0].Get("per_page") != "100" || qs[1].Get("page") != "2" {
		t.Errorf("requests %v, want pages 1 and 2 of 100", qs)
	}

	got, err = p.Releases(t.Context(), "octo/api", 500)
	if err != nil || len(got) != 205 || got[204].Tag != "v1.1.0" {
		t.Errorf("Releases(500) gave %d releases, %v; want all 205", len(got), err)
	}
}

func TestBranches(t *testing.T) {
	f := newFake(t)
	f.handle("GET /repos/octo/api", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, repository("octo", "api", 1, false, "main"))
	})
	f.handle("GET /repos/octo/api/branches", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r,
			[]any{branch("octo/api", "develop"), branch("octo/api", "feature/recap")},
			[]any{branch("octo/api", "main"), branch("octo/api", "release-1.x")},
		)
	})
	got, err := f.provider().Branches(t.Context(), "octo/api")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"main", "develop", "feature/recap", "release-1.x"}; !slices.Equal(got, want) {
		t.Errorf("Branches() = %q, want %q", got, want)
	}
	if qs := f.queries("/repos/octo/api/branches"); len(qs) != 2 || qs[0].Get("per_page") != "100" {
		t.Errorf("branch requests %v, want 2 pages of 100", qs)
	}
}

func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		status  int
		header  map[string]string
		message string
		kind    error
	}{
		{"bad token", http.StatusUnauthorized, nil, "Bad credentials", providers.ErrUnauthorized},
		{"two-factor", http.StatusUnauthorized, map[string]string{"X-GitHub-OTP": "required; app"}, "Must specify two-factor authentication OTP code.", providers.ErrUnauthorized},
		{"no access", http.StatusForbidden, nil, "Resource not accessible by personal access token", providers.ErrForbidden},
		{"missing", http.StatusNotFound, nil, "Not Found", providers.ErrNotFound},
		{"invalid", http.StatusUnprocessableEntity, nil, "Validation Failed", providers.ErrInvalid},
		{"server error", http.StatusInternalServerError, nil, "Server Error", providers.ErrUnavailable},
		{"bad gateway", http.StatusBadGateway, nil, "Server Error", providers.ErrUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				writeError(w, c.status, c.message, "https://docs.github.com/rest")
			})
			_, err := f.provider().User(t.Context())
			pe := checkErr(t, err, c.kind)
			if pe.Status != c.status || pe.Message != c.message || pe.Op != "check the user" {
				t.Errorf("error %+v, want status %d and GitHub's message %q", pe, c.status, c.message)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		f := newFake(t)
		p := f.provider()
		f.srv.Close()
		_, err := p.Repos(t.Context())
		checkErr(t, err, providers.ErrUnavailable)
	})

	t.Run("not JSON", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>captive portal</html>")
		})
		_, err := f.provider().User(t.Context())
		checkErr(t, err, providers.ErrUnavailable)
	})

	t.Run("canceled", func(t *testing.T) {
		f := newFake(t)
		ctx, cancel := context.WithCancel(t.Context())
		f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		})
		_, err := f.provider().Activity(ctx, activity.Query{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})

	t.Run("in one repository of many", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET /repos/octo/{repo}/commits", func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("repo") == "gone" {
				writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/commits/commits#list-commits")
				return
			}
			writePage(w, r, []any{})
		})
		for _, path := range []string{"pulls", "issues", "releases"} {
			f.handle("GET /repos/octo/{repo}/"+path, func(w http.ResponseWriter, r *http.Request) { writePage(w, r, []any{}) })
		}
		_, err := f.provider().Activity(t.Context(), activity.Query{Repos: []string{"octo/a", "octo/gone", "octo/b"}})
		if pe := checkErr(t, err, providers.ErrNotFound); !strings.Contains(pe.Op, "octo/gone") {
			t.Errorf("error %v does not name the repository", err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		for name, limit := range map[string]func(http.ResponseWriter){
			"primary 403": func(w http.ResponseWriter) {
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Unix(), 10))
				writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
			},
			"429": func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "0")
				writeError(w, http.StatusTooManyRequests, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
					"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
			},
		} {
			t.Run(name, func(t *testing.T) {
				f := newFake(t)
				calls := 0
				f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
					calls++
					if calls == 1 {
						limit(w)
						return
					}
					writeJSON(w, http.StatusOK, simpleUser("octocat", 1))
				})
				login, err := f.provider().User(t.Context())
				if err != nil || login != "octocat" || calls != 2 {
					t.Errorf("User() = %q, %v after %d requests; want octocat after a retry", login, err, calls)
				}
			})
		}
	})

	t.Run("primary, reset too far", func(t *testing.T) {
		f := newFake(t)
		reset := time.Now().Add(time.Hour).Truncate(time.Second)
		f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			writeError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.", "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		})
		p := f.provider()
		_, err := p.Repos(t.Context())
		pe := checkErr(t, err, providers.ErrRateLimited)
		if !pe.RetryAt.Equal(reset) || pe.Status != http.StatusForbidden {
			t.Errorf("error %+v, want status 403 and RetryAt %v", pe, reset)
		}
		if n := f.count(); n != 1 {
			t.Errorf("%d requests, want 1: the reset is beyond the transport's wait", n)
		}
		// go-github remembers the spent limit and does not ask again.
		_, err = p.Repos(t.Context())
		if pe := checkErr(t, err, providers.ErrRateLimited); !pe.RetryAt.Equal(reset) {
			t.Errorf("second error %+v, want RetryAt %v", pe, reset)
		}
		if n := f.count(); n != 1 {
			t.Errorf("%d requests, want still 1", n)
		}
	})

	t.Run("secondary, retry too far", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			writeError(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
				"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		})
		p := f.provider()
		for range 2 {
			start := time.Now()
			_, err := p.User(t.Context())
			pe := checkErr(t, err, providers.ErrRateLimited)
			if pe.RetryAt.Before(start.Add(59*time.Minute)) || pe.RetryAt.After(time.Now().Add(time.Hour)) {
				t.Errorf("RetryAt %v, want about an hour from now", pe.RetryAt)
			}
		}
		if n := f.count(); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	t.Run("429, retry too far", func(t *testing.T) {
		f := newFake(t)
		f.handle("GET /user", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			writeError(w, http.StatusTooManyRequests, "Too Many Requests", "https://docs.github.com/rest")
		})
		start := time.Now()
		_, err := f.provider().User(t.Context())
		pe := checkErr(t, err, providers.ErrRateLimited)
		if pe.Status != http.StatusTooManyRequests || pe.RetryAt.Before(start.Add(59*time.Minute)) {
			t.Errorf("error %+v, want status 429 and RetryAt about an hour from now", pe)
		}
	})
}

// TestActivityDisplayNameAndQuietRepos: GitHub filters commits by login or
// e-mail address only, so a display name among the authors is matched
// here over one unfiltered listing; a repository not pushed since the
// period began is not read at all.
func TestActivityDisplayNameAndQuietRepos(t *testing.T) {
	f := newFake(t)
	quiet := repository("octo", "old", 2, false, "main")
	quiet["pushed_at"] = "2023-06-01T00:00:00Z"
	f.handle("GET /user/repos", func(w http.ResponseWriter, r *http.Request) {
		writePage(w, r, []any{repository("octo", "api", 1, false, "main"), quiet})
	})
	f.handle("GET /repos/octo/api/commits", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("author") {
		case "octocat":
			writePage(w, r, []any{commit("octo/api", "1111111111", "octocat", "Mona Octocat", day(1, 1), "one")})
		case "":
			writePage(w, r, []any{
				commit("octo/api", "1111111111", "octocat", "Mona Octocat", day(1, 1), "one"),
				commit("octo/api", "2222222222", "", "Jane Q. Public", day(2, 2), "two"),
				commit("octo/api", "3333333333", "hubot", "Hubot", day(3, 3), "three"),
			})
		default:
			t.Errorf("commit listing for author %q", r.URL.Query().Get("author"))
			writePage(w, r, []any{})
		}
	})
	for _, path := range []string{"pulls", "issues", "releases"} {
		f.handle("GET /repos/octo/api/"+path, func(w http.ResponseWriter, r *http.Request) { writePage(w, r, []any{}) })
	}
	items, err := f.provider().Activity(t.Context(), activity.Query{Since: since, Until: until, Authors: []string{"octocat", "jane q. public"}})
	if err != nil {
		t.Fatal(err)
	}
	var shas []string
	for _, it := range items {
		shas = append(shas, it.SHA)
	}
	slices.Sort(shas)
	// 1111111111 is listed twice (by login and unfiltered), kept once.
	if want := []string{"1111111111", "2222222222"}; !slices.Equal(shas, want) {
		t.Errorf("commits %q, want octocat's and Jane Q. Public's %q", shas, want)
	}
	if n := len(f.queries("/repos/octo/old/commits")); n != 0 {
		t.Errorf("the repository not pushed since 2023 was read (%d commit listings)", n)
	}
}
