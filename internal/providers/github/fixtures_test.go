package github

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// token is the secret the tests authenticate with; no error may show it.
const token = "ghp_Zq8xT0kenThatMustNeverLeak0123456789"

// fakeGitHub is a GitHub Enterprise Server REST API (under /api/v3/) that
// replays documented replies and records the requests it gets.
type fakeGitHub struct {
	t    *testing.T
	mux  *http.ServeMux
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []*url.URL
}

// newFake starts a fake GitHub that checks every request's token.
func newFake(t *testing.T) *fakeGitHub {
	t.Helper()
	f := &fakeGitHub{t: t, mux: http.NewServeMux()}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.URL)
		f.mu.Unlock()
		if got := r.Header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("%s %s: Authorization %q, want the bearer token", r.Method, r.URL, got)
		}
		f.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// handle serves pattern, a ServeMux pattern below /api/v3 ("GET /user").
func (f *fakeGitHub) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	f.mux.HandleFunc(method+" /api/v3"+path, h)
}

// provider returns a Provider for the fake, retrying quickly.
func (f *fakeGitHub) provider() *Provider {
	f.t.Helper()
	p, err := New(providers.Options{
		Token:      token,
		BaseURL:    f.srv.URL,
		HTTPClient: &http.Client{Transport: &providers.Transport{Backoff: time.Millisecond}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// queries returns the query strings of the requests made to path (below
// /api/v3), in order.
func (f *fakeGitHub) queries(path string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var qs []url.Values
	for _, u := range f.reqs {
		if u.Path == "/api/v3"+path {
			qs = append(qs, u.Query())
		}
	}
	return qs
}

// count returns how many requests the fake got.
func (f *fakeGitHub) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// writeJSON answers with body as JSON and GitHub's rate-limit headers,
// keeping any rate-limit header already set.
func writeJSON(w http.ResponseWriter, status int, body any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	for k, v := range map[string]string{
		"X-RateLimit-Limit":     "5000",
		"X-RateLimit-Remaining": "4990",
		"X-RateLimit-Used":      "10",
		"X-RateLimit-Reset":     strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
		"X-RateLimit-Resource":  "core",
	} {
		if h.Get(k) == "" {
			h.Set(k, v)
		}
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError answers with GitHub's error body.
func writeError(w http.ResponseWriter, status int, message, docs string) {
	writeJSON(w, status, map[string]any{"message": message, "documentation_url": docs, "status": strconv.Itoa(status)})
}

// writePage answers with page ?page= (default 1) of pages and GitHub's Link
// header (next and last, prev and first), as for every paged listing.
func writePage(w http.ResponseWriter, r *http.Request, pages ...[]any) {
	n := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	if n < 1 || n > len(pages) {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	var links []string
	link := func(page int, rel string) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page))
		links = append(links, fmt.Sprintf("<http://%s%s?%s>; rel=%q", r.Host, r.URL.Path, q.Encode(), rel))
	}
	if n > 1 {
		link(n-1, "prev")
	}
	if n < len(pages) {
		link(n+1, "next")
		link(len(pages), "last")
	}
	if n > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, pages[n-1])
}

// chunk splits items into pages of size n.
func chunk(items []any, n int) [][]any {
	var pages [][]any
	for len(items) > n {
		pages = append(pages, items[:n])
		items = items[n:]
	}
	return append(pages, items)
}

// iso formats t as GitHub does.
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// apiURL is an api.github.com address, as in GitHub's replies.
func apiURL(path string) string { return "https://api.github.com/" + path }

// simpleUser is GitHub's simple-user object.
func simpleUser(login string, id int) map[string]any {
	return map[string]any{
		"login": login, "id": id, "node_id": fmt.Sprintf("MDQ6VXNlcj%d", id),
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", id), "gravatar_id": "",
		"url": apiURL("users/" + login), "html_url": "https://github.com/" + login,
		"type": "User", "site_admin": false,
	}
}

// repository is GitHub's repository object.
func repository(owner, name string, id int, private bool, defaultBranch string) map[string]any {
	full := owner + "/" + name
	visibility := "public"
	if private {
		visibility = "private"
	}
	return map[string]any{
		"id": id, "node_id": fmt.Sprintf("MDEwOlJlcG9zaXRvcnk%d", id), "name": name, "full_name": full,
		"owner": simpleUser(owner, 1), "private": private, "html_url": "https://github.com/" + full,
		"description": nil, "fork": false, "url": apiURL("repos/" + full), "default_branch": defaultBranch,
		"visibility": visibility, "archived": false, "disabled": false,
		"created_at": "2020-01-01T00:00:00Z", "updated_at": "2024-03-05T00:00:00Z", "pushed_at": "2024-03-05T00:00:00Z",
		"permissions": map[string]any{"admin": true, "maintain": true, "push": true, "triage": true, "pull": true},
	}
}

// commit is GitHub's commit object; an empty login means the git author
// matches no GitHub account ("author": null).
func commit(repo, sha, login, name string, date time.Time, message string) map[string]any {
	person := map[string]any{"name": name, "email": strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com", "date": iso(date)}
	var user any
	if login != "" {
		user = simpleUser(login, 1)
	}
	return map[string]any{
		"url": apiURL("repos/" + repo + "/commits/" + sha), "sha": sha, "node_id": "C_kwDO" + sha[:8],
		"html_url": "https://github.com/" + repo + "/commit/" + sha, "comments_url": apiURL("repos/" + repo + "/commits/" + sha + "/comments"),
		"commit": map[string]any{
			"url": apiURL("repos/" + repo + "/git/commits/" + sha), "author": person, "committer": person,
			"message": message, "tree": map[string]any{"url": apiURL("repos/" + repo + "/tree/" + sha), "sha": sha},
			"comment_count": 0, "verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil},
		},
		"author": user, "committer": user,
		"parents": []any{map[string]any{"url": apiURL("repos/" + repo + "/commits/0000000"), "sha": "0000000"}},
	}
}

// pullRequest is GitHub's pull-request object (as listed).
func pullRequest(repo string, number int, login, title string, created, updated time.Time) map[string]any {
	return map[string]any{
		"url": apiURL(fmt.Sprintf("repos/%s/pulls/%d", repo, number)), "id": 1000 + number, "node_id": fmt.Sprintf("PR_kwDO%d", number),
		"html_url": fmt.Sprintf("https://github.com/%s/pull/%d", repo, number), "number": number, "state": "open", "locked": false,
		"title": title, "user": simpleUser(login, 2), "body": "", "labels": []any{}, "draft": false,
		"created_at": iso(created), "updated_at": iso(updated), "closed_at": nil, "merged_at": nil, "merge_commit_sha": nil,
		"head":               map[string]any{"label": "octo:feature", "ref": "feature", "sha": "aaaaaaa"},
		"base":               map[string]any{"label": "octo:main", "ref": "main", "sha": "bbbbbbb"},
		"author_association": "MEMBER",
	}
}

// issue is GitHub's issue object; a pull request listed among the issues
// has a pull_request member.
func issue(repo string, number int, login, title string, created, updated time.Time, isPR bool) map[string]any {
	m := map[string]any{
		"id": 2000 + number, "node_id": fmt.Sprintf("I_kwDO%d", number), "url": apiURL(fmt.Sprintf("repos/%s/issues/%d", repo, number)),
		"repository_url": apiURL("repos/" + repo), "html_url": fmt.Sprintf("https://github.com/%s/issues/%d", repo, number),
		"number": number, "state": "open", "title": title, "body": nil, "user": simpleUser(login, 3), "labels": []any{},
		"assignee": nil, "assignees": []any{}, "locked": false, "comments": 0,
		"created_at": iso(created), "updated_at": iso(updated), "closed_at": nil, "author_association": "MEMBER",
	}
	if isPR {
		m["pull_request"] = map[string]any{
			"url": apiURL(fmt.Sprintf("repos/%s/pulls/%d", repo, number)), "html_url": fmt.Sprintf("https://github.com/%s/pull/%d", repo, number),
			"diff_url": fmt.Sprintf("https://github.com/%s/pull/%d.diff", repo, number), "patch_url": fmt.Sprintf("https://github.com/%s/pull/%d.patch", repo, number),
			"merged_at": nil,
		}
	}
	return m
}

// release is GitHub's release object; a zero published time is a draft's
// null published_at.
func release(repo, tag, name, login string, published time.Time, prerelease bool) map[string]any {
	var pub any
	if !published.IsZero() {
		pub = iso(published)
	}
	return map[string]any{
		"url": apiURL("repos/" + repo + "/releases/1"), "html_url": "https://github.com/" + repo + "/releases/tag/" + tag,
		"id": 1, "node_id": "RE_kwDO" + tag, "tag_name": tag, "target_commitish": "main", "name": name,
		"body": "Notes for " + tag, "draft": published.IsZero(), "prerelease": prerelease,
		"created_at": "2024-01-01T00:00:00Z", "published_at": pub, "author": simpleUser(login, 4),
		"assets": []any{}, "tarball_url": apiURL("repos/" + repo + "/tarball/" + tag), "zipball_url": apiURL("repos/" + repo + "/zipball/" + tag),
	}
}

// branch is GitHub's short-branch object.
func branch(repo, name string) map[string]any {
	return map[string]any{"name": name, "commit": map[string]any{"sha": "c5b97d5", "url": apiURL("repos/" + repo + "/commits/c5b97d5")}, "protected": false}
}

// describe renders items one a line for comparison.
func describe(items []activity.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf("%s %s %s %q #%d by %s %s", it.Kind, it.Repo, iso(it.Date), it.Message, it.Number, it.Author, it.SHA)
	}
	return out
}
