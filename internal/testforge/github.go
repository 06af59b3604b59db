// Package testforge serves fakes of the code forges' APIs for tests: local
// HTTP servers that answer the routes gitpulse reads with the providers'
// documented JSON. Nothing but tests imports it.
package testforge

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FakeGitHub answers the GitHub REST API routes a recap reads, under
// /api/v3 as GitHub Enterprise Server does, and the OAuth token exchange,
// with GitHub's documented JSON. Only ghp_good is a valid token and
// good-code a valid OAuth code; commits honour the author parameter, as
// GitHub's do.
type FakeGitHub struct {
	*httptest.Server
	authors   atomic.Value // the author parameters of the last commit listings
	delay     atomic.Int64 // how long a commit listing takes, in nanoseconds
	repoDelay atomic.Int64 // how long a repository listing takes, in nanoseconds
	repoLists atomic.Int64 // repository listings answered
	// Callback is the OAuth app's registered callback URL, where the
	// authorize page sends the browser back (as GitHub does when the
	// request names no redirect_uri).
	Callback   string
	mu         sync.Mutex
	challenges map[string]string // OAuth codes issued by the authorize page -> their PKCE challenge
}

// SlowCommits makes every later commit listing take d.
func (f *FakeGitHub) SlowCommits(d time.Duration) { f.delay.Store(int64(d)) }

// SlowRepos makes every later repository listing (GET /user/repos) take d.
func (f *FakeGitHub) SlowRepos(d time.Duration) { f.repoDelay.Store(int64(d)) }

// RepoListings is how many repository listings were answered.
func (f *FakeGitHub) RepoListings() int { return int(f.repoLists.Load()) }

// GitHubToken is the only token FakeGitHub accepts, GitHubCode the only
// OAuth code, exchanged with client "client-id" and "client-secret".
const (
	GitHubToken = "ghp_good"
	GitHubCode  = "good-code"
)

// Fixtures: octocat's and hubot's activity in octo/app, 2-5 November 2026.
const ghUser = `{"login": "octocat", "id": 1, "type": "User"}`

var ghRepos = `[{"id": 1, "name": "app", "full_name": "octo/app", "private": true, "html_url": "https://github.com/octo/app",
	"default_branch": "main", "owner": {"login": "octo", "id": 2, "type": "Organization"}}]`

func ghCommit(sha, login, name, date, msg string) map[string]any {
	return map[string]any{
		"sha": sha, "html_url": "https://github.com/octo/app/commit/" + sha,
		"commit": map[string]any{"message": msg,
			"author":    map[string]any{"name": name, "email": login + "@example.com", "date": date},
			"committer": map[string]any{"name": name, "email": login + "@example.com", "date": date}},
		"author": map[string]any{"login": login, "id": 1},
	}
}

var ghCommits = []map[string]any{
	ghCommit("a1", "octocat", "Mona", "2026-11-05T10:00:00Z", "feat: add search\n\nlong body"),
	ghCommit("a2", "hubot", "Hubot", "2026-11-04T10:00:00Z", "fix: crash on empty input"),
	ghCommit("a3", "octocat", "Mona", "2026-11-03T10:00:00Z", "docs: explain search"),
}

// GitHub starts a FakeGitHub for the length of the test.
func GitHub(t testing.TB) *FakeGitHub {
	f := &FakeGitHub{challenges: map[string]string{}}
	f.authors.Store([]string{})
	mux := http.NewServeMux()
	api := func(pattern, body string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+GitHubToken {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = fmt.Fprint(w, `{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}`)
				return
			}
			if r.URL.Path == "/api/v3/user/repos" {
				time.Sleep(time.Duration(f.repoDelay.Load()))
				f.repoLists.Add(1)
			}
			// GitHub tags every reply with a weak ETag and answers a
			// request carrying it in If-None-Match with 304 and no body.
			sum := sha256.Sum256([]byte(body))
			etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = fmt.Fprint(w, body) // a test client that left sees its own error
		})
	}
	api("GET /api/v3/user", ghUser)
	api("GET /api/v3/user/repos", ghRepos)
	api("GET /api/v3/repos/octo/app", strings.TrimSuffix(strings.TrimPrefix(ghRepos, "["), "]"))
	api("GET /api/v3/repos/octo/app/pulls", `[{"number": 7, "title": "Add search", "state": "open", "html_url": "https://github.com/octo/app/pull/7",
		"created_at": "2026-11-04T09:00:00Z", "updated_at": "2026-11-05T11:00:00Z", "user": {"login": "octocat"}}]`)
	api("GET /api/v3/repos/octo/app/pulls/7/commits", mustJSON(t, ghCommits[:1]))
	api("GET /api/v3/repos/octo/app/issues", `[
		{"number": 8, "title": "Search is slow", "state": "open", "created_at": "2026-11-03T08:00:00Z", "updated_at": "2026-11-03T08:00:00Z", "user": {"login": "octocat"}},
		{"number": 7, "title": "Add search", "state": "open", "created_at": "2026-11-04T09:00:00Z", "updated_at": "2026-11-05T11:00:00Z", "user": {"login": "octocat"},
		 "pull_request": {"url": "https://api.github.com/repos/octo/app/pulls/7"}}]`)
	api("GET /api/v3/repos/octo/app/releases", `[
		{"tag_name": "v1.1.0", "name": "v1.1.0", "body": "### Fixes\n- crash", "published_at": "2026-11-02T12:00:00Z", "author": {"login": "octocat"}, "prerelease": false},
		{"tag_name": "v1.0.0", "name": "First", "body": "### Features\n- everything", "published_at": "2026-10-01T12:00:00Z", "author": {"login": "octocat"}, "prerelease": false}]`)
	api("GET /api/v3/repos/octo/app/branches", `[{"name": "feature", "commit": {"sha": "a1"}, "protected": false}, {"name": "main", "commit": {"sha": "a2"}, "protected": true}]`)
	mux.HandleFunc("GET /api/v3/repos/octo/app/commits", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+GitHubToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		author := r.URL.Query().Get("author")
		f.authors.Store(append(slices.Clone(f.authors.Load().([]string)), author))
		time.Sleep(time.Duration(f.delay.Load()))
		var out []map[string]any
		for _, c := range ghCommits {
			if author == "" || c["author"].(map[string]any)["login"] == author {
				out = append(out, c)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, mustJSON(t, out))
	})
	// The authorize page, as if the user approved at once: back to the
	// callback with a new code and the state, the code bound to the PKCE
	// challenge (S256) it was asked with.
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "client-id" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
			http.Error(w, "bad authorize request: client_id, state and an S256 code_challenge are required here", http.StatusBadRequest)
			return
		}
		code := fmt.Sprintf("code-%d", time.Now().UnixNano())
		f.mu.Lock()
		f.challenges[code] = q.Get("code_challenge")
		f.mu.Unlock()
		back := f.Callback
		if u := q.Get("redirect_uri"); u != "" {
			back = u
		}
		http.Redirect(w, r, back+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		challenge, issued := f.challenges[r.FormValue("code")]
		delete(f.challenges, r.FormValue("code")) // a code is good once
		f.mu.Unlock()
		if issued {
			sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
			if r.FormValue("client_id") != "client-id" || r.FormValue("client_secret") != "client-secret" || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
				_, _ = fmt.Fprint(w, `{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired.", "error_uri": "https://docs.github.com/apps"}`)
				return
			}
			_, _ = fmt.Fprint(w, `{"access_token": "`+GitHubToken+`", "token_type": "bearer", "scope": "repo,read:user"}`)
			return
		}
		if r.FormValue("client_id") != "client-id" || r.FormValue("client_secret") != "client-secret" || r.FormValue("code") != GitHubCode {
			// GitHub answers a bad code with 200 and an error field.
			_, _ = fmt.Fprint(w, `{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired.", "error_uri": "https://docs.github.com/apps"}`)
			return
		}
		_, _ = fmt.Fprint(w, `{"access_token": "`+GitHubToken+`", "token_type": "bearer", "scope": "repo,read:user"}`)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Authors returns the author parameters of the commit listings so far.
func (f *FakeGitHub) Authors() []string { return f.authors.Load().([]string) }

// ResetAuthors forgets the commit listings so far.
func (f *FakeGitHub) ResetAuthors() { f.authors.Store([]string{}) }
