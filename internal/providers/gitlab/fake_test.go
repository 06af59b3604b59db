package gitlab

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

	"github.com/gitpulse/gitpulse/internal/providers"
)

// token is the access token the tests sign in with; no error may show it.
const token = "glpat-T0pS3cr3tV4lu3xyz"

// fake is a GitLab REST API (v4) replaying the documented JSON shapes,
// offset-pagination headers and error bodies of the routes registered on
// it. Requests without the bearer token get GitLab's 401 reply; requests
// to routes not registered fail the test.
type fake struct {
	t   *testing.T
	mux *http.ServeMux
	srv *httptest.Server

	mu   sync.Mutex
	seen []*url.URL
}

// newFake starts a fake GitLab for the test.
func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{t: t, mux: http.NewServeMux()}
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.RequestURI())
		writeJSON(w, http.StatusNotFound, `{"error":"404 Not Found"}`)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// serve records the request, checks its token and routes it.
func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	f.mu.Lock()
	f.seen = append(f.seen, &u)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token {
		writeJSON(w, http.StatusUnauthorized, `{"message":"401 Unauthorized"}`)
		return
	}
	f.mux.ServeHTTP(w, r)
}

// provider returns a Provider for the fake whose transport retries with
// millisecond backoff.
func (f *fake) provider() *Provider {
	f.t.Helper()
	p, err := New(providers.Options{Token: token, BaseURL: f.srv.URL, HTTPClient: testClient()})
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	return p
}

// testClient retries as in production, without the long waits.
func testClient() *http.Client {
	return &http.Client{Transport: &providers.Transport{Backoff: time.Millisecond}}
}

// object serves one JSON value at pattern.
func (f *fake) object(pattern string, v any) {
	body := mustJSON(f.t, v)
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, body)
	})
}

// users serves GET /users?username=, GitLab's user search, with the basic
// fields it shows everyone (no e-mail address), for the given usernames
// and their names; other usernames find nobody.
func (f *fake) users(names map[string]string) {
	f.mux.HandleFunc("GET /api/v4/users", func(w http.ResponseWriter, r *http.Request) {
		found := []map[string]any{}
		if name, ok := names[r.URL.Query().Get("username")]; ok {
			u := r.URL.Query().Get("username")
			found = append(found, map[string]any{"id": 7, "username": u, "name": name, "state": "active", "locked": false,
				"avatar_url": "https://gitlab.example.com/uploads/user/avatar/7/a.png", "web_url": "https://gitlab.example.com/" + u})
		}
		writePage(f.t, w, r, [][]map[string]any{found})
	})
}

// list serves a listing at pattern, one slice per page.
func (f *fake) list(pattern string, pages ...[]map[string]any) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		writePage(f.t, w, r, pages)
	})
}

// queries returns the query strings of the requests to the escaped path
// (such as /api/v4/projects/acme%2Fapi/issues), in order.
func (f *fake) queries(path string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, u := range f.seen {
		if u.EscapedPath() == path {
			out = append(out, u.Query())
		}
	}
	return out
}

// requests returns how many requests the fake answered.
func (f *fake) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

// writePage answers one page of a listing as GitLab does: the page the
// page parameter asks for (default 1), the offset-pagination headers
// (X-Page, X-Per-Page, X-Prev-Page, X-Next-Page, X-Total, X-Total-Pages,
// empty where there is none) and a Link header with prev, next, first and
// last.
func writePage(t *testing.T, w http.ResponseWriter, r *http.Request, pages [][]map[string]any) {
	q := r.URL.Query()
	page := 1
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	perPage := 20
	if v := q.Get("per_page"); v != "" {
		perPage, _ = strconv.Atoi(v)
	}
	items := []map[string]any{}
	if page >= 1 && page <= len(pages) {
		items = pages[page-1]
	}
	total := 0
	for _, p := range pages {
		total += len(p)
	}
	link := func(n int, rel string) string {
		lq := r.URL.Query()
		lq.Set("page", strconv.Itoa(n))
		return fmt.Sprintf(`<http://%s%s?%s>; rel="%s"`, r.Host, r.URL.EscapedPath(), lq.Encode(), rel)
	}
	var links []string
	prev, next := "", ""
	if page > 1 {
		prev = strconv.Itoa(page - 1)
		links = append(links, link(page-1, "prev"))
	}
	if page < len(pages) {
		next = strconv.Itoa(page + 1)
		links = append(links, link(page+1, "next"))
	}
	links = append(links, link(1, "first"), link(max(len(pages), 1), "last"))
	h := w.Header()
	h.Set("Link", strings.Join(links, ", "))
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Prev-Page", prev)
	h.Set("X-Next-Page", next)
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(max(len(pages), 1)))
	if items == nil {
		items = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, mustJSON(t, items))
}

// writeJSON writes a JSON reply.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode fixture: %v", err)
	}
	return string(b)
}

// The fixtures below follow the documented responses of GitLab's REST API
// (docs.gitlab.com/api/{users,projects,commits,merge_requests,issues,
// releases,branches}): the same field names, nesting and formats.

// userJSON is GET /user.
func userJSON(username, name string) map[string]any {
	return map[string]any{
		"id": 1, "username": username, "name": name, "state": "active", "locked": false,
		"avatar_url": "https://gitlab.example.com/uploads/user/avatar/1/index.jpg",
		"web_url":    "https://gitlab.example.com/" + username, "created_at": "2012-05-23T08:00:58Z",
		"bio": "", "location": null, "public_email": "john@example.com", "email": "john@example.com",
		"commit_email": "john@example.com", "two_factor_enabled": true, "external": false,
		"private_profile": false, "last_sign_in_at": "2024-03-01T08:00:00Z",
	}
}

// null is JSON's null in fixtures.
var null any

// namespaceJSON is a project's namespace: a user's or a (sub)group.
func namespaceJSON(fullPath, kind string) map[string]any {
	path := fullPath[strings.LastIndex(fullPath, "/")+1:]
	return map[string]any{
		"id": 2, "name": strings.ToUpper(path[:1]) + path[1:], "path": path, "kind": kind,
		"full_path": fullPath, "parent_id": null, "avatar_url": null,
		"web_url": "https://gitlab.example.com/groups/" + fullPath,
	}
}

// projectJSON is an element of GET /projects, or GET /projects/:id.
func projectJSON(id int, namespace, kind, path, name, visibility, defaultBranch string) map[string]any {
	full := namespace + "/" + path
	return map[string]any{
		"id": id, "description": "The " + name + " project", "name": name,
		"name_with_namespace": strings.ReplaceAll(namespace, "/", " / ") + " / " + name,
		"path":                path, "path_with_namespace": full, "created_at": "2023-09-30T13:46:02Z",
		"default_branch": defaultBranch, "tag_list": []string{}, "topics": []string{},
		"ssh_url_to_repo":  "git@gitlab.example.com:" + full + ".git",
		"http_url_to_repo": "https://gitlab.example.com/" + full + ".git",
		"web_url":          "https://gitlab.example.com/" + full,
		"readme_url":       "https://gitlab.example.com/" + full + "/-/blob/" + defaultBranch + "/README.md",
		"avatar_url":       null, "forks_count": 0, "star_count": 2, "last_activity_at": "2024-03-08T13:46:02Z",
		"namespace": namespaceJSON(namespace, kind), "visibility": visibility, "archived": false,
		"empty_repo": false, "issues_enabled": true, "merge_requests_enabled": true,
		"open_issues_count": 3, "creator_id": 1, "import_status": "none",
		"_links": map[string]any{
			"self":   "https://gitlab.example.com/api/v4/projects/" + strconv.Itoa(id),
			"issues": "https://gitlab.example.com/api/v4/projects/" + strconv.Itoa(id) + "/issues",
		},
	}
}

// commitJSON is an element of GET /projects/:id/repository/commits or
// /merge_requests/:iid/commits.
func commitJSON(sha, message, authorName, authorEmail, authored, committed string) map[string]any {
	title, _, _ := strings.Cut(message, "\n")
	return map[string]any{
		"id": sha, "short_id": sha[:8], "created_at": committed,
		"parent_ids": []string{"ae1d9fb46aa2b07ee9836d49862ec4e2c46fbbba"},
		"title":      title, "message": message,
		"author_name": authorName, "author_email": authorEmail, "authored_date": authored,
		"committer_name": authorName, "committer_email": authorEmail, "committed_date": committed,
		"trailers": map[string]string{}, "extended_trailers": map[string]string{},
		"web_url": "https://gitlab.example.com/acme/platform/api/-/commit/" + sha,
	}
}

// authorJSON is a user as an author of a merge request, issue or release.
func authorJSON(id int, username, name string) map[string]any {
	return map[string]any{
		"id": id, "username": username, "name": name, "state": "active", "locked": false,
		"avatar_url": null, "web_url": "https://gitlab.example.com/" + username,
	}
}

// mergeRequestJSON is an element of GET /projects/:id/merge_requests.
func mergeRequestJSON(iid int, title, state, created string, author map[string]any) map[string]any {
	return map[string]any{
		"id": 1000 + iid, "iid": iid, "project_id": 3, "title": title, "description": "Closes #12",
		"state": state, "merged_by": null, "merge_user": null, "merged_at": null, "closed_by": null,
		"closed_at": null, "created_at": created, "updated_at": created, "target_branch": "main",
		"source_branch": "feature-" + strconv.Itoa(iid), "upvotes": 0, "downvotes": 0,
		"author": author, "assignee": null, "assignees": []any{}, "reviewers": []any{},
		"source_project_id": 3, "target_project_id": 3, "labels": []string{}, "draft": false,
		"work_in_progress": false, "milestone": null, "merge_when_pipeline_succeeds": false,
		"merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
		"sha": "8888888888888888888888888888888888888888", "merge_commit_sha": null,
		"squash_commit_sha": null, "user_notes_count": 1, "discussion_locked": null,
		"should_remove_source_branch": true, "force_remove_source_branch": false,
		"web_url": "https://gitlab.example.com/acme/platform/api/-/merge_requests/" + strconv.Itoa(iid),
		"references": map[string]any{"short": "!" + strconv.Itoa(iid), "relative": "!" + strconv.Itoa(iid),
			"full": "acme/platform/api!" + strconv.Itoa(iid)},
		"time_stats": map[string]any{"time_estimate": 0, "total_time_spent": 0,
			"human_time_estimate": null, "human_total_time_spent": null},
		"squash": false, "task_completion_status": map[string]any{"count": 0, "completed_count": 0},
	}
}

// issueJSON is an element of GET /projects/:id/issues.
func issueJSON(iid int, title, created string, author map[string]any) map[string]any {
	return map[string]any{
		"id": 500 + iid, "iid": iid, "project_id": 3, "title": title, "description": "Steps to reproduce",
		"state": "opened", "created_at": created, "updated_at": created, "closed_at": null,
		"closed_by": null, "labels": []string{"bug"}, "milestone": null, "assignees": []any{},
		"assignee": null, "type": "ISSUE", "author": author, "upvotes": 0, "downvotes": 0,
		"merge_requests_count": 0, "user_notes_count": 0, "due_date": null, "confidential": false,
		"discussion_locked": null, "issue_type": "issue", "severity": "UNKNOWN",
		"web_url": "https://gitlab.example.com/acme/platform/api/-/issues/" + strconv.Itoa(iid),
		"references": map[string]any{"short": "#" + strconv.Itoa(iid), "relative": "#" + strconv.Itoa(iid),
			"full": "acme/platform/api#" + strconv.Itoa(iid)},
		"time_stats": map[string]any{"time_estimate": 0, "total_time_spent": 0,
			"human_time_estimate": null, "human_total_time_spent": null},
		"has_tasks": false, "task_completion_status": map[string]any{"count": 0, "completed_count": 0},
		"_links": map[string]any{
			"self":        "https://gitlab.example.com/api/v4/projects/3/issues/" + strconv.Itoa(iid),
			"notes":       "https://gitlab.example.com/api/v4/projects/3/issues/" + strconv.Itoa(iid) + "/notes",
			"award_emoji": "https://gitlab.example.com/api/v4/projects/3/issues/" + strconv.Itoa(iid) + "/award_emoji",
			"project":     "https://gitlab.example.com/api/v4/projects/3", "closed_as_duplicate_of": null,
		},
	}
}

// releaseJSON is an element of GET /projects/:id/releases.
func releaseJSON(tag, name, description, released string, upcoming bool, author map[string]any) map[string]any {
	base := "https://gitlab.example.com/acme/platform/api"
	return map[string]any{
		"tag_name": tag, "description": description, "name": name,
		"created_at": released, "released_at": released, "upcoming_release": upcoming,
		"author": author,
		"commit": commitJSON("f8d3d94cbd347e924aa7b715845e439d00e80ca4", "Release "+tag, "John Doe",
			"john.doe@example.com", released, released),
		"milestones": []any{}, "commit_path": "/acme/platform/api/-/commit/f8d3d94cbd347e924aa7b715845e439d00e80ca4",
		"tag_path": "/acme/platform/api/-/tags/" + tag,
		"assets": map[string]any{"count": 1, "sources": []any{
			map[string]any{"format": "zip", "url": base + "/-/archive/" + tag + "/api-" + tag + ".zip"}},
			"links": []any{}},
		"evidences": []any{},
		"_links": map[string]any{
			"closed_issues_url":         base + "/-/issues?release_tag=" + tag + "&scope=all&state=closed",
			"closed_merge_requests_url": base + "/-/merge_requests?release_tag=" + tag + "&scope=all&state=closed",
			"edit_url":                  base + "/-/releases/" + tag + "/edit",
			"merged_merge_requests_url": base + "/-/merge_requests?release_tag=" + tag + "&scope=all&state=merged",
			"opened_issues_url":         base + "/-/issues?release_tag=" + tag + "&scope=all&state=opened",
			"opened_merge_requests_url": base + "/-/merge_requests?release_tag=" + tag + "&scope=all&state=opened",
			"self":                      base + "/-/releases/" + tag,
		},
	}
}

// branchJSON is an element of GET /projects/:id/repository/branches.
func branchJSON(name string, isDefault bool) map[string]any {
	return map[string]any{
		"name": name, "merged": false, "protected": isDefault, "default": isDefault,
		"developers_can_push": false, "developers_can_merge": false, "can_push": true,
		"web_url": "https://gitlab.example.com/acme/platform/api/-/tree/" + name,
		"commit": commitJSON("7b5c3cc8be40ee161ae89a06bba6229da1032a0c", "add projects API", "John Smith",
			"john@example.com", "2012-06-27T05:51:39-07:00", "2012-06-28T03:44:20-07:00"),
	}
}
