package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// noToken fails the test if err's message shows the token.
func noToken(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), token) {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestNew(t *testing.T) {
	p, err := New(providers.Options{Organization: "my org"})
	if err != nil || p.base != "https://dev.azure.com/my%20org" {
		t.Errorf("New(Organization) = %v, %v; want base https://dev.azure.com/my%%20org", p, err)
	}
	p, err = New(providers.Options{BaseURL: "https://tfs.example.com/tfs/DefaultCollection/", Organization: "ignored"})
	if err != nil || p.base != "https://tfs.example.com/tfs/DefaultCollection" {
		t.Errorf("New(BaseURL) = %v, %v", p, err)
	}
	for _, o := range []providers.Options{{}, {BaseURL: "dev.azure.com/myorg"}, {BaseURL: "https://dev.azure.com/myorg?x=1"}} {
		if _, err := New(o); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("New(%+v) error = %v, want ErrInvalid", o, err)
		}
	}
}

func TestUser(t *testing.T) {
	f := newFake(t)
	login, err := f.provider(t).User(context.Background())
	if err != nil || login != "fabrikamfiber4@hotmail.com" {
		t.Fatalf("User = %q, %v; want the sign-in address", login, err)
	}
	r := f.requests("/_apis/connectionData")[0]
	if user, pass, ok := r.BasicAuth(); !ok || user != "" || pass != token {
		t.Errorf("request not signed with Basic auth, empty user and the token as password")
	}
}

func TestUserBadTokenSignInPage(t *testing.T) {
	f := newFake(t)
	p, err := New(providers.Options{Token: "wrong", BaseURL: f.srv.URL + "/myorg", HTTPClient: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	login, err := p.User(context.Background())
	var pe *providers.Error
	if !errors.Is(err, providers.ErrUnauthorized) || !errors.As(err, &pe) || pe.Status != http.StatusNonAuthoritativeInfo || login != "" {
		t.Fatalf("User with a bad token = %q, %v; want ErrUnauthorized from the 203 sign-in page", login, err)
	}
}

func TestUserAnonymous(t *testing.T) {
	f := newFake(t)
	f.override = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"authenticatedUser": map[string]any{
			"id": "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "providerDisplayName": "Anonymous", "isActive": true, "properties": map[string]any{},
		}})
	}
	if login, err := f.provider(t).User(context.Background()); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("User of an anonymous connection = %q, %v; want ErrUnauthorized", login, err)
	}
}

func TestRepos(t *testing.T) {
	f := newFake(t)
	repos, err := f.provider(t).Repos(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []activity.Repo{
		{Name: "Fiber", Owner: projFab, FullName: projFab + "/Fiber", URL: "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Fiber", Platform: "azure", Private: true, DefaultBranch: "main"},
		// Its project is public, which only the projects' second page says.
		{Name: "Site", Owner: projOpen, FullName: projOpen + "/Site", URL: "https://dev.azure.com/myorg/OpenSource/_git/Site", Platform: "azure", Private: false, DefaultBranch: "master"},
		{Name: "Empty", Owner: projFab, FullName: projFab + "/Empty", URL: "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Empty", Platform: "azure", Private: true},
	}
	if !slices.Equal(repos, want) {
		t.Errorf("Repos =\n%+v\nwant (the disabled one left out)\n%+v", repos, want)
	}
	pages := f.requests("/_apis/projects")
	if len(pages) != 2 || pages[0].URL.Query().Get("continuationToken") != "" || pages[1].URL.Query().Get("continuationToken") != "2" {
		t.Errorf("projects were not read to the end with the continuation token: %d requests", len(pages))
	}
	for _, r := range f.log {
		if q := r.URL.Query(); !strings.HasSuffix(r.URL.Path, "connectionData") && q.Get("api-version") != "7.1" {
			t.Errorf("%s asked without api-version=7.1", r.URL)
		}
	}
}

// key summarises an item for comparison.
func key(it activity.Item) string {
	return fmt.Sprintf("%s|%s|%d|%s|%s|%s|%s", it.Kind, it.Repo, it.Number, it.SHA, strings.SplitN(it.Message, "\n", 2)[0], it.Author, it.Date.UTC().Format(time.RFC3339))
}

func keys(items []activity.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = key(it)
	}
	slices.Sort(out)
	return out
}

func TestActivityOneAuthor(t *testing.T) {
	// The whole address, and a part of it in another case: one meaning of
	// an author everywhere (activity.MatchAuthor).
	for _, author := range []string{"fabrikamfiber4@hotmail.com", "FabrikamFiber4@"} {
		t.Run(author, func(t *testing.T) { testActivityOneAuthor(t, author) })
	}
}

func testActivityOneAuthor(t *testing.T, author string) {
	f := newFake(t)
	q := activity.Query{Since: since, Until: until, Authors: []string{author}, Repos: []string{projFab + "/Fiber", "fabrikam fiber/fiber"}}
	items, err := f.provider(t).Activity(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"commit|Fiber|0|c0ffee0000000000000000000000000000000002|Add the login page|Jamal Hartnett|2024-03-15T09:30:00Z",
		"commit|Fiber|0|c0ffee0000000000000000000000000000000001|First commit of March, on page two|Jamal Hartnett|2024-03-02T12:00:00Z",
		"pull_request|Fiber|22||Add the login page|fabrikamfiber4@hotmail.com|2024-03-16T11:00:00Z",
		"commit|Fiber|0|bead000000000000000000000000000000000022|Squashed away on merge|Jamal Hartnett|2024-03-16T10:00:00Z",
		"issue|Fabrikam Fiber|1||Login page crashes|fabrikamfiber4@hotmail.com|2024-03-05T10:00:00Z",
		"release|Fiber|0||v0.8|Jamal Hartnett|2024-03-03T08:00:00Z",
		"release|Fiber|0||v1.0|Jamal Hartnett|2024-03-18T09:00:00Z",
	}
	slices.Sort(want)
	if got := keys(items); !slices.Equal(got, want) {
		t.Errorf("Activity =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Commits carry the page the API gives (remoteUrl), pull requests
	// theirs under the repository's webUrl; work items and tags none.
	for _, it := range items {
		page := map[string]string{activity.KindCommit: "https://dev.azure.com/myorg/Fabrikam%20Fiber/_git/Fiber/commit/" + it.SHA,
			activity.KindPullRequest: fmt.Sprintf("https://dev.azure.com/myorg/Fabrikam%%20Fiber/_git/Fiber/pullrequest/%d", it.Number)}[it.Kind]
		if it.URL != page {
			t.Errorf("%s %s #%d: URL %q, want %q", it.Kind, it.SHA, it.Number, it.URL, page)
		}
	}

	// The period went to the API; the author is matched here (the API
	// takes whole names and addresses only).
	commits := f.requests("/Fiber/commits")
	if len(commits) != 2 {
		t.Fatalf("%d commit listings, want 2 pages", len(commits))
	}
	for i, c := range commits {
		cq := c.URL.Query()
		if cq.Has("searchCriteria.author") || cq.Get("searchCriteria.fromDate") != "2024-03-01T00:00:00Z" ||
			cq.Get("searchCriteria.toDate") != "2024-04-01T00:00:00Z" || cq.Get("searchCriteria.$top") != "100" || cq.Get("searchCriteria.$skip") != strconv.Itoa(100*i) {
			t.Errorf("commit search %d = %v", i, cq)
		}
	}
	if !strings.Contains(commits[0].URL.EscapedPath(), "/myorg/Fabrikam%20Fiber/_apis/git/repositories/Fiber/commits") {
		t.Errorf("path not escaped: %s", commits[0].URL.EscapedPath())
	}
	prs := f.requests("/Fiber/pullrequests")
	if len(prs) != 1 {
		t.Fatalf("%d pull request listings, want 1", len(prs))
	}
	pq := prs[0].URL.Query()
	if pq.Get("searchCriteria.status") != "all" || pq.Get("searchCriteria.minTime") != "2024-03-01T00:00:00Z" || pq.Get("searchCriteria.maxTime") != "2024-04-01T00:00:00Z" || pq.Get("$top") != "100" {
		t.Errorf("pull request search = %v", pq)
	}
	// Only the kept pull request's commits are read, to the last page.
	if n := len(f.requests("/pullRequests/22/commits")); n != 2 {
		t.Errorf("pull request 22's commits read in %d requests, want 2 pages", n)
	}
	if n := len(f.requests("/pullRequests/21/commits")); n != 0 {
		t.Errorf("commits of another author's pull request were read")
	}
	if len(f.wiql) != 1 {
		t.Fatalf("WIQL queries: %q", f.wiql)
	}
	for _, part := range []string{"[System.TeamProject] = 'Fabrikam Fiber'", "[System.CreatedDate] >= '2024-03-01T00:00:00Z'", "[System.CreatedDate] < '2024-04-01T00:00:00Z'"} {
		if !strings.Contains(f.wiql[0], part) {
			t.Errorf("WIQL %q lacks %q", f.wiql[0], part)
		}
	}
	if wq := f.requests("/wit/wiql"); len(wq) != 1 || wq[0].Method != http.MethodPost || wq[0].URL.Query().Get("timePrecision") != "true" {
		t.Errorf("WIQL not POSTed with timePrecision")
	}
	batches := f.requests("/_apis/wit/workitems")
	if len(batches) != 2 {
		t.Fatalf("work items read in %d batches, want 2", len(batches))
	}
	for i, n := range []int{200, 50} {
		bq := batches[i].URL.Query()
		if got := len(strings.Split(bq.Get("ids"), ",")); got != n || bq.Get("fields") != "System.Title,System.CreatedDate,System.CreatedBy,System.WorkItemType" {
			t.Errorf("batch %d: %d ids, fields %q", i, got, bq.Get("fields"))
		}
	}
}

func TestActivityAuthorsFilteredClientSide(t *testing.T) {
	f := newFake(t)
	// Jamal by display name, Norman by e-mail address; all repositories.
	q := activity.Query{Since: since, Until: until, Authors: []string{"Jamal Hartnett", "fabrikamfiber16@hotmail.com"}}
	items, err := f.provider(t).Activity(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"commit|Fiber|0|c0ffee0000000000000000000000000000000003|Norman's fix|Norman Paulk|2024-03-20T10:00:00Z",
		"commit|Fiber|0|c0ffee0000000000000000000000000000000002|Add the login page|Jamal Hartnett|2024-03-15T09:30:00Z",
		"commit|Fiber|0|c0ffee0000000000000000000000000000000001|First commit of March, on page two|Jamal Hartnett|2024-03-02T12:00:00Z",
		"pull_request|Fiber|22||Add the login page|fabrikamfiber4@hotmail.com|2024-03-16T11:00:00Z",
		"commit|Fiber|0|bead000000000000000000000000000000000022|Squashed away on merge|Jamal Hartnett|2024-03-16T10:00:00Z",
		"pull_request|Fiber|21||Norman's refactor|fabrikamfiber16@hotmail.com|2024-03-12T11:00:00Z",
		"commit|Fiber|0|bead000000000000000000000000000000000021|Refactor|Norman Paulk|2024-03-12T10:00:00Z",
		"issue|Fabrikam Fiber|1||Login page crashes|fabrikamfiber4@hotmail.com|2024-03-05T10:00:00Z",
		"issue|Fabrikam Fiber|201||Second batch bug|fabrikamfiber16@hotmail.com|2024-03-05T10:00:00Z",
		"release|Fiber|0||v0.8|Jamal Hartnett|2024-03-03T08:00:00Z",
		"release|Fiber|0||v1.0|Jamal Hartnett|2024-03-18T09:00:00Z",
		"release|Fiber|0||v1.1|Norman Paulk|2024-03-25T09:00:00Z",
	}
	slices.Sort(want)
	if got := keys(items); !slices.Equal(got, want) {
		t.Errorf("Activity =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	commits := f.requests("/Fiber/commits")
	if len(commits) != 2 || commits[1].URL.Query().Get("searchCriteria.$skip") != "100" {
		t.Fatalf("commits read in %d pages, want 2 ($skip 0 and 100)", len(commits))
	}
	for _, r := range commits {
		if r.URL.Query().Has("searchCriteria.author") {
			t.Errorf("an author sent to the API although there are two")
		}
	}
	for _, w := range f.wiql {
		if strings.Contains(w, "CreatedBy") {
			t.Errorf("WIQL filters one author although there are two: %q", w)
		}
	}
	if len(f.wiql) != 2 {
		t.Errorf("WIQL queries = %q, want one per project", f.wiql)
	}
	for _, r := range f.log {
		if strings.Contains(r.URL.Path, "/repositories/Empty/") || strings.Contains(r.URL.Path, "/repositories/Old") {
			t.Errorf("read %s of an empty or disabled repository", r.URL.Path)
		}
	}
}

func TestActivityQuotesWIQL(t *testing.T) {
	f := newFake(t)
	_, err := f.provider(t).Activity(context.Background(), activity.Query{Authors: []string{"Dan O'Brien"}, Repos: []string{projOpen + "/Site"}})
	if err != nil {
		t.Fatal(err)
	}
	// Authors are matched after the query, never written into it.
	if len(f.wiql) != 1 || strings.Contains(f.wiql[0], "Brien") || strings.Contains(f.wiql[0], "CreatedDate") {
		t.Errorf("WIQL = %q", f.wiql)
	}
	if got := wiqlString("Dan O'Brien"); got != "'Dan O''Brien'" {
		t.Errorf("wiqlString = %s, want 'Dan O''Brien'", got)
	}
}

func TestActivityInvalidRepo(t *testing.T) {
	f := newFake(t)
	for _, name := range []string{"Fiber", "/Fiber", "Fabrikam Fiber/", "a/b/c"} {
		_, err := f.provider(t).Activity(context.Background(), activity.Query{Repos: []string{projFab + "/Fiber", name}})
		if !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("Activity(%q) error = %v, want ErrInvalid", name, err)
		}
	}
	if len(f.log) != 0 {
		t.Errorf("%d requests made for a malformed name", len(f.log))
	}
}

func TestActivityUnknownRepo(t *testing.T) {
	f := newFake(t)
	_, err := f.provider(t).Activity(context.Background(), activity.Query{Repos: []string{projFab + "/Nope"}})
	if !errors.Is(err, providers.ErrNotFound) || !strings.Contains(err.Error(), "TF401019") {
		t.Errorf("error = %v, want ErrNotFound with Azure's message", err)
	}
}

func TestReleases(t *testing.T) {
	f := newFake(t)
	p := f.provider(t)
	rels, err := p.Releases(context.Background(), projFab+"/Fiber", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []activity.Release{
		{Tag: "v1.1", Name: "v1.1", Body: "Hotfix", Date: time.Date(2024, 3, 25, 9, 0, 0, 0, time.UTC), Author: "Norman Paulk"},
		{Tag: "v1.0", Name: "v1.0", Body: "First release\n\nLogin page.", Date: time.Date(2024, 3, 18, 9, 0, 0, 0, time.UTC), Author: "Jamal Hartnett"},
	}
	if len(rels) != len(want) {
		t.Fatalf("Releases = %+v", rels)
	}
	for i := range want {
		if rels[i].Tag != want[i].Tag || rels[i].Name != want[i].Name || rels[i].Body != want[i].Body || !rels[i].Date.Equal(want[i].Date) || rels[i].Author != want[i].Author {
			t.Errorf("release %d = %+v, want %+v", i, rels[i], want[i])
		}
	}
	all, err := p.Releases(context.Background(), projFab+"/Fiber", 10)
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, r := range all {
		tags = append(tags, r.Tag)
	}
	if !slices.Equal(tags, []string{"v1.1", "v1.0", "v0.8", "v0.9"}) {
		t.Errorf("all releases = %v, want newest first, the tree's tag left out", tags)
	}
}

func TestBranches(t *testing.T) {
	f := newFake(t)
	branches, err := f.provider(t).Branches(context.Background(), projFab+"/Fiber")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"main", "feature/login", "hotfix", "zeta"}; !slices.Equal(branches, want) {
		t.Errorf("Branches = %v, want %v", branches, want)
	}
	if _, err := f.provider(t).Branches(context.Background(), "nope"); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("Branches(malformed) error = %v", err)
	}
}

func TestRateLimitRetried(t *testing.T) {
	f := newFake(t)
	calls := 0
	f.override = func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("X-RateLimit-Resource", "Core")
			w.Header().Set("X-RateLimit-Delay", "2.5")
			azureError(w, http.StatusTooManyRequests, "RequestBlockedException", "Request was blocked due to exceeding usage of resource 'Core'.")
			return
		}
		f.override = nil
		f.serve(w, r)
	}
	login, err := f.provider(t).User(context.Background())
	if err != nil || login != "fabrikamfiber4@hotmail.com" || calls != 2 {
		t.Errorf("User after a 429 = %q, %v after %d calls; want success on the retry", login, err, calls)
	}
}

func TestRateLimitTooFar(t *testing.T) {
	reset := time.Now().Add(time.Hour).Unix()
	for name, h := range map[string]map[string]string{
		"Retry-After":       {"Retry-After": "3600", "X-RateLimit-Reset": strconv.FormatInt(reset, 10)},
		"X-RateLimit-Reset": {"X-RateLimit-Reset": strconv.FormatInt(reset, 10), "X-RateLimit-Remaining": "0"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.override = func(w http.ResponseWriter, r *http.Request) {
				for k, v := range h {
					w.Header().Set(k, v)
				}
				azureError(w, http.StatusTooManyRequests, "RequestBlockedException", "Request was blocked due to exceeding usage of resource 'Core'.")
			}
			_, err := f.provider(t).Repos(context.Background())
			var pe *providers.Error
			if !errors.Is(err, providers.ErrRateLimited) || !errors.As(err, &pe) {
				t.Fatalf("error = %v, want ErrRateLimited", err)
			}
			if d := time.Until(pe.RetryAt); d < 58*time.Minute || d > 61*time.Minute {
				t.Errorf("RetryAt = %v, want in an hour", pe.RetryAt)
			}
			if len(f.log) != 1 {
				t.Errorf("%d requests; a far reset must not be waited for", len(f.log))
			}
			noToken(t, err)
		})
	}
}

func TestErrorMapping(t *testing.T) {
	html := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "<html><body>Sign in to Azure DevOps</body></html>")
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
		message string
		calls   int
	}{
		{"401", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", "Basic realm=\"https://dev.azure.com/\"")
			html(http.StatusUnauthorized)(w, r)
		}, providers.ErrUnauthorized, "", 1},
		{"203 sign-in page", func(w http.ResponseWriter, r *http.Request) { signInPage(w) }, providers.ErrUnauthorized, "sign-in page", 1},
		{"200 HTML", html(http.StatusOK), providers.ErrUnauthorized, "instead of JSON", 1},
		{"200 plain text", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "ok")
		}, providers.ErrUnavailable, "text/plain", 1},
		{"200 malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"count": 1, "value": [`)
		}, providers.ErrUnavailable, "malformed", 1},
		{"403", func(w http.ResponseWriter, r *http.Request) {
			azureError(w, http.StatusForbidden, "GitNeedsPermissionException", "TF401027: You need the Git 'GenericRead' permission to perform this action.")
		}, providers.ErrForbidden, "TF401027", 1},
		{"404", func(w http.ResponseWriter, r *http.Request) {
			azureError(w, http.StatusNotFound, "ProjectDoesNotExistWithNameException", "TF200016: The following project does not exist: x.")
		}, providers.ErrNotFound, "TF200016", 1},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			azureError(w, http.StatusInternalServerError, "SqlException", "VS402375: internal error")
		}, providers.ErrUnavailable, "VS402375", 1},
		{"502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
		}, providers.ErrUnavailable, "", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.override = tt.handler
			_, err := f.provider(t).Repos(context.Background())
			if !errors.Is(err, tt.want) {
				t.Fatalf("error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) || !strings.HasPrefix(err.Error(), "azure: list projects: ") {
				t.Errorf("error %q lacks %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "<html") {
				t.Errorf("error quotes the page: %q", err)
			}
			if len(f.log) != tt.calls {
				t.Errorf("%d requests, want %d", len(f.log), tt.calls)
			}
			noToken(t, err)
		})
	}
}

func TestNetworkError(t *testing.T) {
	f := newFake(t)
	p := f.provider(t)
	f.srv.Close()
	_, err := p.User(context.Background())
	if !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("error = %v, want ErrUnavailable", err)
	}
	noToken(t, err)
}

func TestContextCanceled(t *testing.T) {
	f := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.override = func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}
	_, err := f.provider(t).Activity(ctx, activity.Query{Repos: []string{projFab + "/Fiber"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Activity error = %v, want context.Canceled", err)
	}
	if _, err := f.provider(t).User(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("User error = %v, want context.Canceled", err)
	}
}
