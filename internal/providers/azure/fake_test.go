package azure

import (
	"encoding/json"
	"fmt"
	"io"
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

// token is the personal access token the fake organisation accepts.
const token = "pat-s3cr3t-0123456789abcdef"

// Fixture projects and repositories. The project name with a space checks
// that path segments are escaped.
const (
	projFab  = "Fabrikam Fiber"
	projOpen = "OpenSource"
	repoID   = "5febef5a-833d-4e14-b9c0-14cb638f91e6"
)

// fakeAzure replays Azure DevOps's documented replies for one
// organisation, "myorg", and logs the requests it served.
type fakeAzure struct {
	t   *testing.T
	srv *httptest.Server

	mu   sync.Mutex
	log  []*http.Request
	wiql []string

	// commits of Fabrikam Fiber/Fiber's default branch, newest first.
	commits []map[string]any
	// override, when set, answers every request instead of the routes.
	override http.HandlerFunc
}

// the fixture period: March 2024.
var (
	since = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	until = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
)

// newFake starts a fake organisation.
func newFake(t *testing.T) *fakeAzure {
	t.Helper()
	f := &fakeAzure{t: t}
	// 102 commits, so that listing them takes two pages of 100: the two in
	// the period by Jamal, one by Norman, one at the period's (exclusive)
	// end, which the API's inclusive toDate lets through, and 98 by others.
	f.commits = append(f.commits,
		gitCommit("c0ffee0000000000000000000000000000000004", "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "2024-04-01T00:00:00Z", "Commit at the period's end"),
		gitCommit("c0ffee0000000000000000000000000000000003", "Norman Paulk", "fabrikamfiber16@hotmail.com", "2024-03-20T10:00:00Z", "Norman's fix"),
		gitCommit("c0ffee0000000000000000000000000000000002", "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "2024-03-15T09:30:00Z", "Add the login page\n\nWith tests."),
	)
	for i := range 98 {
		f.commits = append(f.commits, gitCommit(fmt.Sprintf("ab%038d", i), "Chuck Reinhart", "fabrikamfiber3@hotmail.com", "2024-03-10T08:00:00Z", "Chuck's change "+strconv.Itoa(i)))
	}
	f.commits = append(f.commits,
		gitCommit("c0ffee0000000000000000000000000000000001", "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "2024-03-02T12:00:00Z", "First commit of March, on page two"))
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// gitCommit is a GitCommitRef as Get Commits lists it.
func gitCommit(id, author, email, date, comment string) map[string]any {
	return map[string]any{
		"commitId":     id,
		"author":       map[string]any{"name": author, "email": email, "date": date},
		"committer":    map[string]any{"name": author, "email": email, "date": date},
		"comment":      comment,
		"changeCounts": map[string]int{"Add": 0, "Edit": 1, "Delete": 0},
		"url":          "https://dev.azure.com/myorg/_apis/git/repositories/" + repoID + "/commits/" + id,
		"remoteUrl":    "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Fiber/commit/" + id,
	}
}

// provider returns a Provider for the fake organisation with a client
// that retries rate-limit replies quickly.
func (f *fakeAzure) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(providers.Options{
		Token:      token,
		BaseURL:    f.srv.URL + "/myorg/",
		HTTPClient: &http.Client{Transport: &providers.Transport{Backoff: time.Millisecond}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// requests returns the logged requests whose path ends with suffix.
func (f *fakeAzure) requests(suffix string) []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*http.Request
	for _, r := range f.log {
		if strings.HasSuffix(r.URL.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// writeJSON answers v as Azure DevOps does.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8; api-version=7.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// collection answers the documented {"count": N, "value": [...]} envelope.
func collection[T any](w http.ResponseWriter, items []T) {
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(items), "value": items})
}

// azureError answers the documented error body.
func azureError(w http.ResponseWriter, status int, typeKey, message string) {
	writeJSON(w, status, map[string]any{
		"$id": "1", "innerException": nil, "message": message,
		"typeName": "Microsoft.TeamFoundation.Git.Server." + typeKey + ", Microsoft.TeamFoundation.Git.Server",
		"typeKey":  typeKey, "errorCode": 0, "eventId": 3000,
	})
}

// signInPage is what Azure DevOps answers a bad token with: HTTP 203 and
// its HTML sign-in page.
func signInPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNonAuthoritativeInfo)
	_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>")
}

// page slices items by the $top/$skip style parameters.
func page[T any](items []T, q url.Values, topKey, skipKey string) []T {
	top, _ := strconv.Atoi(q.Get(topKey))
	skip, _ := strconv.Atoi(q.Get(skipKey))
	if top <= 0 {
		top = 100
	}
	skip = min(skip, len(items))
	return items[skip:min(skip+top, len(items))]
}

func (f *fakeAzure) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.log = append(f.log, r)
	f.mu.Unlock()
	if f.override != nil {
		f.override(w, r)
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != "" || pass != token {
		signInPage(w)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/myorg/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if path != "_apis/connectionData" && q.Get("api-version") != "7.1" {
		azureError(w, http.StatusBadRequest, "VssInvalidApiVersionException", "The requested REST API version is invalid.")
		return
	}
	seg := strings.Split(path, "/")
	switch {
	case path == "_apis/connectionData":
		writeJSON(w, http.StatusOK, map[string]any{
			"authenticatedUser": map[string]any{
				"id": "8a8a8a8a-0000-1111-2222-333333333333", "descriptor": "Microsoft.IdentityModel.Claims.ClaimsIdentity;jamal",
				"subjectDescriptor": "aad.NzQzY2UyODUtN2Q0Yy03YjYxLWE2ZWEtZjNiNzIzOTk0ZTlh", "providerDisplayName": "Jamal Hartnett",
				"isActive": true, "properties": map[string]any{"Account": map[string]any{"$type": "System.String", "$value": "fabrikamfiber4@hotmail.com"}},
				"resourceVersion": 2, "metaTypeId": 0,
			},
			"instanceId": "a9b3a5e2-0000-4b6b-9a5e-5c7f2a2b6f10", "deploymentType": "hosted",
		})
	case path == "_apis/projects":
		// Two pages, joined by the continuation token header.
		if q.Get("continuationToken") == "" {
			w.Header().Set("x-ms-continuationtoken", "2")
			collection(w, []map[string]any{{"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "name": projFab, "state": "wellFormed", "revision": 411518573, "visibility": "private", "lastUpdateTime": "2024-01-10T10:00:00Z"}})
			return
		}
		collection(w, []map[string]any{{"id": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c", "name": projOpen, "state": "wellFormed", "revision": 411518574, "visibility": "public", "lastUpdateTime": "2024-01-11T10:00:00Z"}})
	case path == "_apis/git/repositories":
		collection(w, []map[string]any{fiberRepo(), siteRepo(),
			{"id": "aaaa0000-0000-0000-0000-000000000001", "name": "Empty", "url": "https://dev.azure.com/myorg/_apis/git/repositories/aaaa0000-0000-0000-0000-000000000001",
				"project":   map[string]any{"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "name": projFab, "state": "wellFormed"},
				"remoteUrl": "https://myorg@dev.azure.com/myorg/Fabrikam%20Fiber/_git/Empty", "webUrl": "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Empty", "size": 0, "isDisabled": false},
			{"id": "aaaa0000-0000-0000-0000-000000000002", "name": "Old", "defaultBranch": "refs/heads/master",
				"project": map[string]any{"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "name": projFab, "state": "wellFormed"},
				"webUrl":  "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Old", "isDisabled": true},
		})
	case len(seg) == 5 && seg[1] == "_apis" && seg[2] == "git" && seg[3] == "repositories":
		switch seg[0] + "/" + seg[4] {
		case projFab + "/Fiber":
			writeJSON(w, http.StatusOK, fiberRepo())
		case projOpen + "/Site":
			writeJSON(w, http.StatusOK, siteRepo())
		default:
			azureError(w, http.StatusNotFound, "GitRepositoryNotFoundException", "TF401019: The Git repository with name or identifier "+seg[4]+" does not exist or you do not have permissions for the operation you are attempting.")
		}
	case len(seg) >= 6 && seg[1] == "_apis" && seg[3] == "repositories":
		f.serveRepo(w, r, seg[0]+"/"+seg[4], seg[5:], q)
	case len(seg) == 4 && seg[1] == "_apis" && seg[2] == "wit" && seg[3] == "wiql" && r.Method == http.MethodPost:
		var wq struct {
			Query string `json:"query"`
		}
		if json.Unmarshal(body, &wq) != nil || r.Header.Get("Content-Type") != "application/json" {
			azureError(w, http.StatusBadRequest, "InvalidArgumentValueException", "The query is missing.")
			return
		}
		f.mu.Lock()
		f.wiql = append(f.wiql, seg[0]+": "+wq.Query)
		f.mu.Unlock()
		if seg[0] != projFab {
			writeJSON(w, http.StatusOK, map[string]any{"queryType": "flat", "queryResultType": "workItem", "asOf": "2024-04-02T10:00:00Z", "columns": []any{}, "workItems": []any{}})
			return
		}
		// 250 ids, so that reading them takes two batches.
		refs := make([]map[string]any, 0, 250)
		for id := 1; id <= 250; id++ {
			refs = append(refs, map[string]any{"id": id, "url": "https://dev.azure.com/myorg/_apis/wit/workItems/" + strconv.Itoa(id)})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"queryType": "flat", "queryResultType": "workItem", "asOf": "2024-04-02T10:00:00Z",
			"columns":   []map[string]any{{"referenceName": "System.Id", "name": "ID", "url": "https://dev.azure.com/myorg/_apis/wit/fields/System.Id"}},
			"workItems": refs,
		})
	case path == "_apis/wit/workitems":
		var out []any
		for s := range strings.SplitSeq(q.Get("ids"), ",") {
			id, _ := strconv.Atoi(s)
			if id == 3 { // deleted: errorPolicy=omit answers null
				out = append(out, nil)
				continue
			}
			out = append(out, workItemJSON(id))
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "value": out})
	default:
		azureError(w, http.StatusNotFound, "ResourceNotFoundException", "no route for "+path)
	}
}

// workItemJSON is work item id with the fields asked for.
func workItemJSON(id int) map[string]any {
	by := map[string]any{"displayName": "Chuck Reinhart", "uniqueName": "fabrikamfiber3@hotmail.com", "id": "d291b0c4-a05c-4ea6-8df1-4b41d5f39eff"}
	created := "2024-03-05T10:00:00.123Z"
	title := "Chuck's task " + strconv.Itoa(id)
	switch id {
	case 1:
		by = map[string]any{"displayName": "Jamal Hartnett", "uniqueName": "fabrikamfiber4@hotmail.com", "id": "8a8a8a8a-0000-1111-2222-333333333333"}
		title = "Login page crashes"
	case 2:
		by = map[string]any{"displayName": "Jamal Hartnett", "uniqueName": "fabrikamfiber4@hotmail.com", "id": "8a8a8a8a-0000-1111-2222-333333333333"}
		created, title = "2024-02-28T10:00:00Z", "Before the period"
	case 201:
		by = map[string]any{"displayName": "Norman Paulk", "uniqueName": "fabrikamfiber16@hotmail.com", "id": "19d9411e-9a34-45bb-b985-d24d9d87c0c9"}
		title = "Second batch bug"
	}
	return map[string]any{"id": id, "rev": 1, "fields": map[string]any{
		"System.Title": title, "System.CreatedDate": created, "System.CreatedBy": by, "System.WorkItemType": "Bug",
	}, "url": "https://dev.azure.com/myorg/_apis/wit/workItems/" + strconv.Itoa(id)}
}

// fiberRepo is Fabrikam Fiber/Fiber as Azure DevOps describes it; like the
// documented sample, its project reference names no visibility.
func fiberRepo() map[string]any {
	return map[string]any{
		"id": repoID, "name": "Fiber", "url": "https://dev.azure.com/myorg/_apis/git/repositories/" + repoID,
		"project":       map[string]any{"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "name": projFab, "url": "https://dev.azure.com/myorg/_apis/projects/eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "state": "wellFormed"},
		"defaultBranch": "refs/heads/main", "size": 731, "remoteUrl": "https://myorg@dev.azure.com/myorg/Fabrikam%20Fiber/_git/Fiber",
		"sshUrl": "git@ssh.dev.azure.com:v3/myorg/Fabrikam%20Fiber/Fiber", "webUrl": "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Fiber", "isDisabled": false,
	}
}

// siteRepo is OpenSource/Site, of a public project.
func siteRepo() map[string]any {
	return map[string]any{
		"id": "2f3d611a-f012-4b39-b157-8db63f380226", "name": "Site", "url": "https://dev.azure.com/myorg/_apis/git/repositories/2f3d611a-f012-4b39-b157-8db63f380226",
		"project":       map[string]any{"id": "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c", "name": projOpen, "state": "wellFormed"},
		"defaultBranch": "refs/heads/master", "webUrl": "https://dev.azure.com/myorg/OpenSource/_git/Site", "isDisabled": false,
	}
}

// serveRepo answers the routes under a repository, full "project/repo".
func (f *fakeAzure) serveRepo(w http.ResponseWriter, r *http.Request, full string, rest []string, q url.Values) {
	if full != projFab+"/Fiber" { // OpenSource/Site: nothing happened there
		collection(w, []any{})
		return
	}
	switch {
	case len(rest) == 1 && rest[0] == "commits":
		// The API filters by date, toDate inclusive, and pages with
		// searchCriteria.$top/$skip.
		var match []map[string]any
		for _, c := range f.commits {
			a := c["author"].(map[string]any)
			d, _ := time.Parse(time.RFC3339, a["date"].(string))
			if from, err := time.Parse(time.RFC3339, q.Get("searchCriteria.fromDate")); err == nil && d.Before(from) {
				continue
			}
			if to, err := time.Parse(time.RFC3339, q.Get("searchCriteria.toDate")); err == nil && d.After(to) {
				continue
			}
			match = append(match, c)
		}
		collection(w, page(match, q, "searchCriteria.$top", "searchCriteria.$skip"))
	case len(rest) == 2 && rest[0] == "commits":
		if rest[1] != "1111111111111111111111111111111111111111" {
			azureError(w, http.StatusNotFound, "GitObjectNotFoundException", "TF401174: The item could not be found.")
			return
		}
		writeJSON(w, http.StatusOK, gitCommit(rest[1], "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "2024-03-03T08:00:00Z", "Lightweight tagged"))
	case len(rest) == 1 && rest[0] == "pullrequests":
		// Like an older server, this one ignores minTime/maxTime: the client
		// must filter the period itself.
		prs := []map[string]any{
			prJSON(22, "Add the login page", "2024-03-16T11:00:00.6655471Z", "Jamal Hartnett", "fabrikamfiber4@hotmail.com"),
			prJSON(21, "Norman's refactor", "2024-03-12T11:00:00Z", "Norman Paulk", "fabrikamfiber16@hotmail.com"),
			prJSON(20, "Old work", "2024-02-12T11:00:00Z", "Jamal Hartnett", "fabrikamfiber4@hotmail.com"),
		}
		collection(w, page(prs, q, "$top", "$skip"))
	case len(rest) == 3 && rest[0] == "pullRequests" && rest[2] == "commits":
		switch rest[1] + "/" + q.Get("continuationToken") {
		case "22/":
			w.Header().Set("x-ms-continuationtoken", "page2")
			collection(w, []map[string]any{f.commits[2]}) // also on main: counted once
		case "22/page2":
			collection(w, []map[string]any{gitCommit("bead000000000000000000000000000000000022", "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "2024-03-16T10:00:00Z", "Squashed away on merge")})
		case "21/":
			collection(w, []map[string]any{gitCommit("bead000000000000000000000000000000000021", "Norman Paulk", "fabrikamfiber16@hotmail.com", "2024-03-12T10:00:00Z", "Refactor")})
		default:
			azureError(w, http.StatusNotFound, "GitPullRequestNotFoundException", "TF401180: The requested pull request was not found.")
		}
	case len(rest) == 1 && rest[0] == "refs":
		f.serveRefs(w, q)
	case len(rest) == 2 && rest[0] == "annotatedtags":
		tags := map[string]map[string]any{
			"aaaa000000000000000000000000000000000010": {"name": "v1.0", "message": "First release\n\nLogin page.", "tagger": "Jamal Hartnett", "email": "fabrikamfiber4@hotmail.com", "date": "2024-03-18T09:00:00Z"},
			"aaaa000000000000000000000000000000000011": {"name": "v1.1", "message": "Hotfix", "tagger": "Norman Paulk", "email": "fabrikamfiber16@hotmail.com", "date": "2024-03-25T09:00:00Z"},
			"aaaa000000000000000000000000000000000009": {"name": "v0.9", "message": "Beta", "tagger": "Jamal Hartnett", "email": "fabrikamfiber4@hotmail.com", "date": "2024-01-18T09:00:00Z"},
		}
		t, ok := tags[rest[1]]
		if !ok {
			azureError(w, http.StatusNotFound, "GitObjectNotFoundException", "not found")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"name": t["name"], "objectId": rest[1], "taggedObject": map[string]any{"objectId": "c0ffee0000000000000000000000000000000002", "objectType": "commit"},
			"taggedBy": map[string]any{"name": t["tagger"], "email": t["email"], "date": t["date"]}, "message": t["message"],
			"url": "https://dev.azure.com/myorg/_apis/git/repositories/" + repoID + "/annotatedTags/" + rest[1],
		})
	default:
		azureError(w, http.StatusNotFound, "ResourceNotFoundException", "no route")
	}
}

// prJSON is a GitPullRequest as Get Pull Requests lists it.
func prJSON(id int, title, created, by, unique string) map[string]any {
	return map[string]any{
		"repository":    map[string]any{"id": repoID, "name": "Fiber", "project": map[string]any{"id": "eb6e4656-77fc-42a1-9181-4c6d8e9da5d1", "name": projFab}},
		"pullRequestId": id, "codeReviewId": id, "status": "completed",
		"createdBy":    map[string]any{"displayName": by, "uniqueName": unique, "id": "d6245f20-2af8-44f4-9451-8107cb2767db", "url": "https://vssps.dev.azure.com/myorg/_apis/Identities/d6245f20"},
		"creationDate": created, "title": title, "description": "Details", "sourceRefName": "refs/heads/feature", "targetRefName": "refs/heads/main",
		"mergeStatus": "succeeded", "url": "https://dev.azure.com/myorg/_apis/git/repositories/" + repoID + "/pullRequests/" + strconv.Itoa(id),
	}
}

// serveRefs lists Fiber's branches or tags, each in two pages.
func (f *fakeAzure) serveRefs(w http.ResponseWriter, q url.Values) {
	ref := func(name, object, peeled string) map[string]any {
		m := map[string]any{"name": name, "objectId": object, "creator": map[string]any{"displayName": "Jamal Hartnett", "uniqueName": "fabrikamfiber4@hotmail.com"},
			"url": "https://dev.azure.com/myorg/_apis/git/repositories/" + repoID + "/refs?filter=" + url.QueryEscape(strings.TrimPrefix(name, "refs/"))}
		if peeled != "" {
			m["peeledObjectId"] = peeled
		}
		return m
	}
	switch q.Get("filter") + "|" + q.Get("continuationToken") {
	case "heads/|":
		w.Header().Set("x-ms-continuationtoken", "cmVmcy9oZWFkcy9tYWlu")
		collection(w, []map[string]any{ref("refs/heads/feature/login", "c0ffee0000000000000000000000000000000002", ""), ref("refs/heads/hotfix", "c0ffee0000000000000000000000000000000003", "")})
	case "heads/|cmVmcy9oZWFkcy9tYWlu":
		collection(w, []map[string]any{ref("refs/heads/main", "c0ffee0000000000000000000000000000000004", ""), ref("refs/heads/zeta", "c0ffee0000000000000000000000000000000004", "")})
	case "tags/|":
		if q.Get("peelTags") != "true" {
			azureError(w, http.StatusBadRequest, "InvalidArgumentValueException", "the test expects peelTags")
			return
		}
		w.Header().Set("x-ms-continuationtoken", "dGFncw")
		collection(w, []map[string]any{
			ref("refs/tags/v0.8", "1111111111111111111111111111111111111111", ""), // lightweight
			ref("refs/tags/v0.9", "aaaa000000000000000000000000000000000009", "c0ffee0000000000000000000000000000000001"),
		})
	case "tags/|dGFncw":
		collection(w, []map[string]any{
			ref("refs/tags/v1.0", "aaaa000000000000000000000000000000000010", "c0ffee0000000000000000000000000000000002"),
			ref("refs/tags/v1.1", "aaaa000000000000000000000000000000000011", "c0ffee0000000000000000000000000000000003"),
			ref("refs/tags/tree-tag", "2222222222222222222222222222222222222222", ""), // points at a tree
		})
	default:
		azureError(w, http.StatusBadRequest, "InvalidArgumentValueException", "unexpected filter")
	}
}
