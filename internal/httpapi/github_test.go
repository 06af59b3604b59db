package httpapi_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/testforge"
)

func TestRecapOverGitHub(t *testing.T) {
	gh := testforge.GitHub(t)
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: gh.URL})

	var b httpapi.ErrorBody
	if resp := s.post("/pat", map[string]string{"provider": "GitHub", "token": "ghp_bad"}, &b); resp.StatusCode != 401 || strings.Contains(b.Detail, "ghp_bad") || !strings.Contains(b.Detail, "Bad credentials") {
		t.Fatalf("bad token: %d %+v", resp.StatusCode, b)
	}
	if resp := s.post("/pat", map[string]string{"provider": "github"}, &b); resp.StatusCode != 400 || b.Details[0].Field != "token" {
		t.Fatalf("no token: %d %+v", resp.StatusCode, b)
	}
	if resp := s.post("/pat", map[string]string{"provider": "gitlab", "token": "x", "host": "127.0.0.1:6379"}, &b); resp.StatusCode != 400 || b.Details[0].Field != "host" {
		t.Fatalf("a host not on the list: %d %+v", resp.StatusCode, b)
	}
	var in struct {
		SessionID                 string `json:"session_id"`
		Token, Username, Provider string
	}
	if resp := s.post("/pat", map[string]string{"provider": "github", "pat": "ghp_good"}, &in); resp.StatusCode != 200 || in.Username != "octocat" || in.Provider != "github" {
		t.Fatalf("sign in: %d %+v", resp.StatusCode, in)
	}

	var repos struct {
		Repos []struct {
			FullName string `json:"full_name"`
			Platform string
			Private  bool
		}
	}
	if resp := s.getAuth("/repos", in.Token, &repos); resp.StatusCode != 200 || len(repos.Repos) != 1 || repos.Repos[0].FullName != "octo/app" || !repos.Repos[0].Private {
		t.Fatalf("repos: %d %+v", resp.StatusCode, repos)
	}

	type actions struct {
		Actions string
		Items   []struct{ Kind, Message, Author string }
		Total   int
		Authors []string
	}
	var acts actions
	resp := s.getAuth("/actions?start_date=2026-11-03&end_date=2026-11-05&repo_filter=octo/app&authors=hubot", in.Token, &acts)
	if resp.StatusCode != 200 {
		t.Fatalf("actions: %d", resp.StatusCode)
	}
	// Authors add to the signed-in user: both asked GitHub for commits.
	if asked := gh.Authors(); !slices.Equal(asked, []string{"octocat", "hubot"}) {
		t.Errorf("commit listings asked for authors %q, want octocat then hubot", asked)
	}
	for _, want := range []string{"[commit] app: feat: add search", "[commit] app: fix: crash on empty input", "[pull_request #7] app: Add search", "[issue #8] app: Search is slow"} {
		if !strings.Contains(acts.Actions, want) {
			t.Errorf("actions lack %q:\n%s", want, acts.Actions)
		}
	}
	// The pull request's commit a1 is also in the repository's list: once.
	if strings.Count(acts.Actions, "feat: add search") != 1 || strings.Contains(acts.Actions, "v1.1.0") || acts.Total != 5 {
		t.Errorf("duplicates or out-of-period items (total %d):\n%s", acts.Total, acts.Actions)
	}
	// Filters do not stick: the next call without authors is octocat's only.
	gh.ResetAuthors()
	acts = actions{}
	s.getAuth("/actions?start_date=2026-11-01&end_date=2026-11-05", in.Token, &acts)
	if strings.Contains(acts.Actions, "fix: crash") || !strings.Contains(acts.Actions, "[release] app: v1.1.0") || !slices.Equal(acts.Authors, []string{"octocat"}) {
		t.Errorf("second call kept the first call's authors (%v):\n%s", acts.Authors, acts.Actions)
	}
	if resp := s.getAuth("/actions?start_date=2026-11-05&end_date=2026-11-01", in.Token, &b); resp.StatusCode != 400 || b.Details[0].Field != "end_date" {
		t.Errorf("reversed period: %d %+v", resp.StatusCode, b)
	}

	var notes struct {
		Actions  string
		Latest   struct{ Tag string }   `json:"latest_release"`
		Previous []struct{ Tag string } `json:"previous_releases"`
	}
	if resp := s.getAuth("/release_notes?repo=octo/app&num_old_releases=1", in.Token, &notes); resp.StatusCode != 200 {
		t.Fatalf("release notes: %d", resp.StatusCode)
	}
	if notes.Latest.Tag != "v1.1.0" || len(notes.Previous) != 1 || notes.Previous[0].Tag != "v1.0.0" ||
		!strings.Contains(notes.Actions, "fix: crash") || !strings.Contains(notes.Actions, "> - everything") {
		t.Errorf("release notes: %+v", notes)
	}
	if resp := s.getAuth("/release_notes?num_old_releases=1", in.Token, &b); resp.StatusCode != 400 || b.Details[0].Field != "repo" {
		t.Errorf("release notes without repo: %d %+v", resp.StatusCode, b)
	}
	if resp := s.getAuth("/release_notes?repo=octo/app&num_old_releases=99", in.Token, &b); resp.StatusCode != 400 || b.Details[0].Field != "num_old_releases" {
		t.Errorf("num_old_releases=99: %d %+v", resp.StatusCode, b)
	}
	var br struct{ Branches []string }
	if resp := s.getAuth("/branches?repo=octo/app", in.Token, &br); resp.StatusCode != 200 || !slices.Equal(br.Branches, []string{"main", "feature"}) {
		t.Errorf("branches: %d %+v", resp.StatusCode, br)
	}
	if resp := s.getAuth("/branches?repo=octo/missing", in.Token, &b); resp.StatusCode != 404 {
		t.Errorf("branches of a missing repository: %d %+v", resp.StatusCode, b)
	}

	chunks, errs := wsRecap(t, s, "/ws/"+in.SessionID, map[string]any{"actions": acts.Actions, "n": 3})
	if text := strings.Join(chunks, ""); len(errs) != 0 || strings.Count(text, "- ") < 3 {
		t.Fatalf("recap: errs %q text %q", errs, text)
	}
}

func TestGitHubOAuthSignIn(t *testing.T) {
	gh := testforge.GitHub(t)
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: gh.URL})
	var in struct {
		SessionID string `json:"session_id"`
		Username  string
	}
	if resp := s.get("/external-signup", url.Values{"code": {"good-code"}}, &in); resp.StatusCode != 200 || in.Username != "octocat" || in.SessionID == "" {
		t.Fatalf("good code: %d %+v", resp.StatusCode, in)
	}
	var b httpapi.ErrorBody
	if resp := s.get("/external-signup", url.Values{"code": {"stale"}}, &b); resp.StatusCode != 401 || !strings.Contains(b.Detail, "authorization code") {
		t.Fatalf("bad code: %d %+v", resp.StatusCode, b)
	}
	if resp := s.get("/external-signup", nil, &b); resp.StatusCode != 400 || b.Details[0].Field != "code" {
		t.Fatalf("no code: %d %+v", resp.StatusCode, b)
	}
	plain := newServer(t, serverOpts{sessionTTL: time.Minute})
	if resp := plain.get("/external-signup", url.Values{"code": {"good-code"}}, &b); resp.StatusCode != 501 || !strings.Contains(b.Detail, "VITE_GITHUB_CLIENT_ID") {
		t.Fatalf("not configured: %d %+v", resp.StatusCode, b)
	}
	// GET /api/config tells the dashboard whether to offer the sign-in.
	for _, c := range []struct {
		s    *server
		want bool
	}{{s, true}, {plain, false}} {
		var conf map[string]any
		if resp := c.s.get("/api/config", nil, &conf); resp.StatusCode != 200 || len(conf) != 1 || conf["githubSignIn"] != c.want {
			t.Errorf("config with OAuth %v: %d %v", c.want, resp.StatusCode, conf)
		}
	}
}

// TestSlowProviderListingOutlivesTheRequest: a listing slower than the
// request deadline answers 504 with Retry-After and goes on; the retry
// gets its result without asking the provider again.
func TestSlowProviderListingOutlivesTheRequest(t *testing.T) {
	gh := testforge.GitHub(t)
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: gh.URL, deadline: 300 * time.Millisecond})
	var in struct{ Token string }
	if resp := s.post("/pat", map[string]string{"provider": "github", "token": testforge.GitHubToken}, &in); resp.StatusCode != 200 {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	gh.SlowCommits(time.Second)
	path := "/actions?start_date=2026-11-01&end_date=2026-11-05"
	var b httpapi.ErrorBody
	resp := s.getAuth(path, in.Token, &b)
	if resp.StatusCode != 504 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("slow listing: %d %+v, want 504 with Retry-After", resp.StatusCode, b)
	}
	time.Sleep(1500 * time.Millisecond)
	var acts struct{ Actions string }
	if resp := s.getAuth(path, in.Token, &acts); resp.StatusCode != 200 || !strings.Contains(acts.Actions, "feat: add search") {
		t.Fatalf("retry: %d %q", resp.StatusCode, acts.Actions)
	}
	if asked := gh.Authors(); len(asked) != 1 {
		t.Fatalf("commits listed %d times (%q), want once", len(asked), asked)
	}
}

// TestProviderListingsSharedAndCounted: GET /repos slower than the request
// deadline answers 504 and goes on, so its retry succeeds (each retry used
// to start again at page 1 and could never finish); a second session
// signed in with the same token shares the first one's listings; /metrics
// counts the provider calls of each listing.
func TestProviderListingsSharedAndCounted(t *testing.T) {
	gh := testforge.GitHub(t)
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: gh.URL, deadline: 300 * time.Millisecond})
	var a, b struct{ Token string }
	for _, in := range []any{&a, &b} {
		if resp := s.post("/pat", map[string]string{"provider": "github", "token": testforge.GitHubToken}, in); resp.StatusCode != 200 {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
	}
	if a.Token == b.Token {
		t.Fatal("two sign-ins gave one session")
	}
	gh.SlowRepos(time.Second)
	var e httpapi.ErrorBody
	if resp := s.getAuth("/repos", a.Token, &e); resp.StatusCode != 504 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("slow repository listing: %d %+v, want 504 with Retry-After", resp.StatusCode, e)
	}
	time.Sleep(1500 * time.Millisecond)
	var repos struct {
		Repos []struct {
			FullName string `json:"full_name"`
		}
	}
	if resp := s.getAuth("/repos", a.Token, &repos); resp.StatusCode != 200 || len(repos.Repos) != 1 || repos.Repos[0].FullName != "octo/app" {
		t.Fatalf("retry: %d %+v", resp.StatusCode, repos)
	}
	if resp := s.getAuth("/repos", b.Token, &repos); resp.StatusCode != 200 || len(repos.Repos) != 1 {
		t.Fatalf("the other session: %d %+v", resp.StatusCode, repos)
	}
	if n := gh.RepoListings(); n != 1 {
		t.Fatalf("repositories listed %d times for two sessions with one token, want 1", n)
	}
	gh.SlowRepos(0)
	path := "/actions?start_date=2026-11-01&end_date=2026-11-05"
	for _, tok := range []string{a.Token, b.Token} {
		var acts struct{ Actions string }
		if resp := s.getAuth(path, tok, &acts); resp.StatusCode != 200 || !strings.Contains(acts.Actions, "feat: add search") {
			t.Fatalf("actions: %d %q", resp.StatusCode, acts.Actions)
		}
	}
	if asked := gh.Authors(); len(asked) != 1 {
		t.Fatalf("commits listed %d times for two sessions with one token, want once", len(asked))
	}
	// Another period is another listing, but the repositories have not
	// changed: GitHub answers their listing 304, which costs no rate limit.
	var acts struct{ Actions string }
	if resp := s.getAuth("/actions?start_date=2026-11-02&end_date=2026-11-05", a.Token, &acts); resp.StatusCode != 200 || !strings.Contains(acts.Actions, "feat: add search") {
		t.Fatalf("actions of another period: %d %q", resp.StatusCode, acts.Actions)
	}
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`gitpulse_provider_calls_per_listing_count{listing="actions"} 2`, `gitpulse_provider_calls_per_listing_count{listing="repos"} 1`, `code="304"`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The actions listing's calls: repositories, commits, pull requests
	// (and one's commits), issues, releases.
	if !regexp.MustCompile(`gitpulse_provider_calls_per_listing_sum\{listing="actions"\} ([5-9]|\d\d)\n`).Match(metrics) {
		t.Errorf("calls per actions listing not counted:\n%s", regexp.MustCompile(`(?m)^gitpulse_provider_calls.*$`).FindAll(metrics, -1))
	}
}

// TestGitHubOAuthStart: GET /login/github sends the browser to GitHub's
// authorize page with a state and a PKCE challenge; the callback checks
// the state against the browser's cookie and proves the verifier to
// GitHub, then sends the browser back to ?return= with the session in the
// fragment. A callback from another browser, a changed state, a code
// exchanged without its verifier and a return to another host are refused.
func TestGitHubOAuthStart(t *testing.T) {
	gh := testforge.GitHub(t)
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: gh.URL})
	gh.Callback = s.URL + "/external-signup"
	browser := func() *http.Client {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/external-signup" || req.URL.Host != strings.TrimPrefix(s.URL, "http://") {
				return nil // on to GitHub and back to the callback
			}
			return http.ErrUseLastResponse // stop at the page the callback sends us to
		}}
	}

	// The whole flow in one browser.
	resp, err := browser().Get(s.URL + "/login/github?return=/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/" {
		t.Fatalf("end of the sign-in: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	frag, _ := url.ParseQuery(loc.Fragment)
	if frag.Get("session_id") == "" || frag.Get("token") == "" || frag.Get("username") != "octocat" || loc.RawQuery != "" {
		t.Fatalf("session not in the fragment: %q", loc.String())
	}
	var repos struct{ Repos []string }
	if resp := s.getAuth("/repos", frag.Get("token"), &repos); resp.StatusCode != 200 || len(repos.Repos) == 0 {
		t.Fatalf("the session from the sign-in: /repos %d %+v", resp.StatusCode, repos)
	}

	// The redirect to GitHub, step by step.
	noFollow := browser()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = noFollow.Get(s.URL + "/login/github")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authorize, _ := url.Parse(resp.Header.Get("Location"))
	q := authorize.Query()
	if resp.StatusCode != http.StatusFound || authorize.Path != "/login/oauth/authorize" || q.Get("state") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("client_id") != "client-id" {
		t.Fatalf("redirect to GitHub: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := resp.Header.Get("Set-Cookie"); !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") || !strings.Contains(c, "Path=/external-signup") {
		t.Fatalf("sign-in cookie %q", c)
	}
	// GitHub's answer reaches a browser that did not start the sign-in.
	resp, err = noFollow.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	var b httpapi.ErrorBody
	if resp := s.get(strings.TrimPrefix(callback, s.URL), nil, &b); resp.StatusCode != 400 || !strings.Contains(b.Error, "start again at /login/github") {
		t.Fatalf("callback from another browser: %d %+v", resp.StatusCode, b)
	}
	// The starting browser with a changed state.
	forged, _ := url.Parse(callback)
	fq := forged.Query()
	fq.Set("state", "forged")
	forged.RawQuery = fq.Encode()
	resp, err = noFollow.Get(forged.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("callback with a changed state: %d", resp.StatusCode)
	}
	// A code bound to a PKCE challenge, exchanged without its verifier (as
	// spec 000's front-end flow, with no state, would): GitHub refuses it.
	resp, err = noFollow.Get(s.URL + "/login/github")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = noFollow.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stolen, _ := url.Parse(resp.Header.Get("Location"))
	if resp := s.get("/external-signup", url.Values{"code": {stolen.Query().Get("code")}}, &b); resp.StatusCode != 401 {
		t.Fatalf("code exchanged without its verifier: %d %+v", resp.StatusCode, b)
	}
	if resp := s.get("/login/github", url.Values{"return": {"https://evil.example/"}}, &b); resp.StatusCode != 400 || b.Details[0].Field != "return" {
		t.Fatalf("return to another host: %d %+v", resp.StatusCode, b)
	}
	plain := newServer(t, serverOpts{sessionTTL: time.Minute})
	if resp := plain.get("/login/github", nil, &b); resp.StatusCode != 501 || !strings.Contains(b.Detail, "VITE_GITHUB_CLIENT_ID") {
		t.Fatalf("not configured: %d %+v", resp.StatusCode, b)
	}
}
