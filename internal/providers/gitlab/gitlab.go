// Package gitlab is the GitLab provider: it reads a signed-in user's
// projects, commits, merge requests, issues, releases and branches from
// gitlab.com or a self-managed GitLab through the REST API (v4).
package gitlab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// Name is the provider's name, as in Repo.Platform and Error.Provider.
const Name = "gitlab"

// DefaultURL is the GitLab instance used when Options.BaseURL is empty.
const DefaultURL = "https://gitlab.com"

// perPage is the page size asked of every listing (GitLab's maximum).
const perPage = 100

// Provider reads activity from GitLab for one signed-in user. It is safe
// for concurrent use.
type Provider struct {
	client *gl.Client
}

var _ activity.Provider = (*Provider)(nil)

// New returns a Provider that authenticates with opts.Token (a personal,
// group, project or OAuth access token, sent as a bearer token) and talks
// to the GitLab instance at opts.BaseURL, such as https://gitlab.example.com
// (the API under /api/v4 is found from it; an address already ending in
// /api/v4 is kept), or to gitlab.com when it is empty. A BaseURL that is not
// an http(s) address is ErrInvalid; an empty token is ErrUnauthorized.
//
// The library's own retries and request pacing are turned off: the HTTP
// client (opts.Client(), normally a providers.Transport) retries rate-limit
// replies and failures itself.
func New(opts providers.Options) (*Provider, error) {
	const op = "configure the client"
	base := strings.TrimSpace(opts.BaseURL)
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid,
			Message: fmt.Sprintf("base URL %q is not an http(s) address without credentials", opts.BaseURL)}
	}
	if opts.Token == "" {
		return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnauthorized, Message: "no token given"}
	}
	auth := gl.OAuthTokenSource{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: opts.Token})}
	client, err := gl.NewAuthSourceClient(auth,
		gl.WithBaseURL(u.String()),
		gl.WithHTTPClient(opts.Client()),
		gl.WithoutRetries(),
		gl.WithCustomLimiter(unlimited{}),
	)
	if err != nil {
		return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid, Err: err}
	}
	return &Provider{client: client}, nil
}

// unlimited is a gl.RateLimiter that never waits. Without it the library
// paces requests with a limiter it configures, unsynchronised, from the
// first reply's RateLimit-Limit, which concurrent requests would race on;
// spent limits are honoured by the HTTP client instead.
type unlimited struct{}

// Wait implements gl.RateLimiter.
func (unlimited) Wait(context.Context) error { return nil }

// User returns the username the token belongs to (GET /user).
func (p *Provider) User(ctx context.Context) (string, error) {
	u, resp, err := p.client.Users.CurrentUser(gl.WithContext(ctx))
	if err != nil {
		return "", wrap(ctx, "check the user", resp, err)
	}
	return u.Username, nil
}

// Repos lists the projects the user is a member of (GET
// /projects?membership=true, every page).
func (p *Provider) Repos(ctx context.Context) ([]activity.Repo, error) {
	opts := &gl.ListProjectsOptions{ListOptions: gl.ListOptions{PerPage: perPage}, Membership: gl.Ptr(true)}
	var repos []activity.Repo
	for pr, err := range scan(ctx, "list repositories", func(o ...gl.RequestOptionFunc) ([]*gl.Project, *gl.Response, error) {
		return p.client.Projects.ListProjects(opts, o...)
	}) {
		if err != nil {
			return nil, err
		}
		repos = append(repos, repo(pr))
	}
	return repos, nil
}

// Activity returns the commits, merge requests with their commits, issues
// and releases of q's projects (all of Repos when q.Repos is empty) in q's
// period by q's authors, a commit listed twice once.
func (p *Provider) Activity(ctx context.Context, q activity.Query) ([]activity.Item, error) {
	var targets []project
	if len(q.Repos) > 0 {
		for _, full := range q.Repos {
			pr, err := parseProject("read activity", full)
			if err != nil {
				return nil, err
			}
			targets = append(targets, pr)
		}
	} else {
		repos, err := p.Repos(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			// No activity of any kind since the period began.
			if !r.Quiet(q.Since) {
				targets = append(targets, project{path: r.FullName, name: r.Name})
			}
		}
	}
	commitQ, err := p.withIdentities(ctx, q)
	if err != nil {
		return nil, err
	}
	reads := make([]func(context.Context) ([]activity.Item, error), len(targets))
	for i, pr := range targets {
		reads[i] = func(ctx context.Context) ([]activity.Item, error) { return p.projectActivity(ctx, pr, q, commitQ) }
	}
	return providers.Gather(ctx, reads)
}

// Releases returns the newest n releases of repo, newest first (GET
// /projects/:id/releases ordered by release date, as many pages as n
// needs).
func (p *Provider) Releases(ctx context.Context, repo string, n int) ([]activity.Release, error) {
	const op = "list releases"
	pr, err := parseProject(op, repo)
	if err != nil || n <= 0 {
		return nil, err
	}
	var out []activity.Release
	for r, err := range p.releases(ctx, pr, min(n, perPage)) {
		if err != nil {
			return nil, err
		}
		date := r.ReleasedAt
		if date == nil {
			date = r.CreatedAt
		}
		out = append(out, activity.Release{
			Tag:        r.TagName,
			Name:       r.Name,
			Body:       r.Description,
			Date:       timeOf(date),
			Author:     r.Author.Username,
			Prerelease: r.UpcomingRelease,
			URL:        r.Links.Self,
		})
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// Branches returns repo's branch names, its default branch first and the
// others in GitLab's order (GET /projects/:id, then every page of
// /projects/:id/repository/branches).
func (p *Provider) Branches(ctx context.Context, repo string) ([]string, error) {
	const op = "list branches"
	pr, err := parseProject(op, repo)
	if err != nil {
		return nil, err
	}
	info, resp, err := p.client.Projects.GetProject(pr.path, nil, gl.WithContext(ctx))
	if err != nil {
		return nil, wrap(ctx, "read repository "+pr.path, resp, err)
	}
	opts := &gl.ListBranchesOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	var names []string
	for b, err := range scan(ctx, op+" of "+pr.path, func(o ...gl.RequestOptionFunc) ([]*gl.Branch, *gl.Response, error) {
		return p.client.Branches.ListBranches(pr.path, opts, o...)
	}) {
		if err != nil {
			return nil, err
		}
		names = append(names, b.Name)
	}
	if i := slices.Index(names, info.DefaultBranch); i > 0 {
		names = slices.Insert(slices.Delete(names, i, i+1), 0, info.DefaultBranch)
	}
	return names, nil
}

// withIdentities returns q for matching commits: git commits carry a name
// and e-mail address, not a username, so each of q's authors that is a
// GitLab username brings that user's name and public e-mail address along
// (the signed-in user's private address too), as GitLab itself shows them.
func (p *Provider) withIdentities(ctx context.Context, q activity.Query) (activity.Query, error) {
	if len(q.Authors) == 0 {
		return q, nil
	}
	u, resp, err := p.client.Users.CurrentUser(gl.WithContext(ctx))
	if err != nil {
		return q, wrap(ctx, "check the user", resp, err)
	}
	var extra []string
	for _, a := range q.Authors {
		a = strings.TrimSpace(a)
		switch {
		case activity.MatchAuthor([]string{a}, u.Username):
			extra = append(extra, u.Name, u.Email, u.PublicEmail)
		case validUsername(a):
			users, resp, err := p.client.Users.ListUsers(&gl.ListUsersOptions{Username: gl.Ptr(a)}, gl.WithContext(ctx))
			if err != nil {
				return q, wrap(ctx, "look up user "+a, resp, err)
			}
			for _, other := range users {
				extra = append(extra, other.Name, other.PublicEmail)
			}
		}
	}
	q.Authors = slices.Concat(q.Authors, slices.DeleteFunc(extra, func(s string) bool { return strings.TrimSpace(s) == "" }))
	return q, nil
}

// validUsername reports whether s can be a GitLab username (letters,
// digits, '_', '-', '.'), so worth looking up.
func validUsername(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// projectActivity reads one project's activity: commits for commitQ, the
// rest for q.
func (p *Provider) projectActivity(ctx context.Context, pr project, q, commitQ activity.Query) ([]activity.Item, error) {
	items, err := p.commits(ctx, pr, commitQ)
	if err != nil {
		return nil, err
	}
	for _, read := range []func(context.Context, project, activity.Query) ([]activity.Item, error){
		p.mergeRequests, p.issues, p.releaseItems,
	} {
		got, err := read(ctx, pr, q)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return items, nil
}

// commits lists pr's commits on every branch in q's period by q's authors.
// GitLab bounds the period (its until is inclusive, so the end is checked
// here too); the authors are matched here on the git author's name or
// e-mail address, as the API's author filter is a loose name search.
func (p *Provider) commits(ctx context.Context, pr project, q activity.Query) ([]activity.Item, error) {
	opts := &gl.ListCommitsOptions{ListOptions: gl.ListOptions{PerPage: perPage}, All: gl.Ptr(true),
		Since: timePtr(q.Since), Until: timePtr(q.Until)}
	var items []activity.Item
	for c, err := range scan(ctx, "list commits of "+pr.path, func(o ...gl.RequestOptionFunc) ([]*gl.Commit, *gl.Response, error) {
		return p.client.Commits.ListCommits(pr.path, opts, o...)
	}) {
		if err != nil {
			return nil, err
		}
		if it := commitItem(pr, c); q.In(it.Date) && q.ByAuthor(c.AuthorName, c.AuthorEmail) {
			items = append(items, it)
		}
	}
	return items, nil
}

// mergeRequests lists the merge requests q's authors opened in q's period,
// each with its commits of the period. GitLab filters by creation time;
// authors are matched here (activity.MatchAuthor: a part of a username or
// name, which GitLab's author_username, a whole username, cannot do).
func (p *Provider) mergeRequests(ctx context.Context, pr project, q activity.Query) ([]activity.Item, error) {
	opts := &gl.ListProjectMergeRequestsOptions{ListOptions: gl.ListOptions{PerPage: perPage}, State: gl.Ptr("all"),
		CreatedAfter: timePtr(q.Since), CreatedBefore: timePtr(q.Until)}
	var items []activity.Item
	for mr, err := range scan(ctx, "list merge requests of "+pr.path, func(o ...gl.RequestOptionFunc) ([]*gl.BasicMergeRequest, *gl.Response, error) {
		return p.client.MergeRequests.ListProjectMergeRequests(pr.path, opts, o...)
	}) {
		if err != nil {
			return nil, err
		}
		var login, name string
		if mr.Author != nil {
			login, name = mr.Author.Username, mr.Author.Name
		}
		created := timeOf(mr.CreatedAt)
		if !q.In(created) || !q.ByAuthor(login, name) {
			continue
		}
		items = append(items, activity.Item{Kind: activity.KindPullRequest, Repo: pr.name, Date: created,
			Message: mr.Title, Number: int(mr.IID), Author: login, URL: mr.WebURL})
		copts := &gl.GetMergeRequestCommitsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
		cop := fmt.Sprintf("list commits of merge request %s!%d", pr.path, mr.IID)
		for c, err := range scan(ctx, cop, func(o ...gl.RequestOptionFunc) ([]*gl.Commit, *gl.Response, error) {
			return p.client.MergeRequests.GetMergeRequestCommits(pr.path, mr.IID, copts, o...)
		}) {
			if err != nil {
				return nil, err
			}
			if it := commitItem(pr, c); q.In(it.Date) {
				it.PullRequest, it.PullTitle = int(mr.IID), mr.Title
				items = append(items, it)
			}
		}
	}
	return items, nil
}

// issues lists the issues q's authors opened in q's period. GitLab filters
// by creation time; authors are matched here, as for merge requests.
func (p *Provider) issues(ctx context.Context, pr project, q activity.Query) ([]activity.Item, error) {
	opts := &gl.ListProjectIssuesOptions{ListOptions: gl.ListOptions{PerPage: perPage},
		CreatedAfter: timePtr(q.Since), CreatedBefore: timePtr(q.Until)}
	var items []activity.Item
	for is, err := range scan(ctx, "list issues of "+pr.path, func(o ...gl.RequestOptionFunc) ([]*gl.Issue, *gl.Response, error) {
		return p.client.Issues.ListProjectIssues(pr.path, opts, o...)
	}) {
		if err != nil {
			return nil, err
		}
		var login, name string
		if is.Author != nil {
			login, name = is.Author.Username, is.Author.Name
		}
		created := timeOf(is.CreatedAt)
		if !q.In(created) || !q.ByAuthor(login, name) {
			continue
		}
		items = append(items, activity.Item{Kind: activity.KindIssue, Repo: pr.name, Date: created,
			Message: is.Title, Number: int(is.IID), Author: login, URL: is.WebURL})
	}
	return items, nil
}

// releaseItems lists the releases q's authors published in q's period,
// reading newest first and no further back than q.Since.
func (p *Provider) releaseItems(ctx context.Context, pr project, q activity.Query) ([]activity.Item, error) {
	var items []activity.Item
	for r, err := range p.releases(ctx, pr, perPage) {
		if err != nil {
			return nil, err
		}
		if r.ReleasedAt == nil {
			continue
		}
		released := *r.ReleasedAt
		if !q.Since.IsZero() && released.Before(q.Since) {
			break
		}
		if !q.In(released) || !q.ByAuthor(r.Author.Username, r.Author.Name) {
			continue
		}
		title := r.Name
		if title == "" {
			title = r.TagName
		}
		items = append(items, activity.Item{Kind: activity.KindRelease, Repo: pr.name, Date: released,
			Message: title, Author: r.Author.Username})
	}
	return items, nil
}

// releases iterates over pr's releases, newest release date first, size
// to a page.
func (p *Provider) releases(ctx context.Context, pr project, size int) iter.Seq2[*gl.Release, error] {
	opts := &gl.ListReleasesOptions{ListOptions: gl.ListOptions{PerPage: int64(size)},
		OrderBy: gl.Ptr("released_at"), Sort: gl.Ptr("desc")}
	return scan(ctx, "list releases of "+pr.path, func(o ...gl.RequestOptionFunc) ([]*gl.Release, *gl.Response, error) {
		return p.client.Releases.ListReleases(pr.path, opts, o...)
	})
}

// scan iterates over every item of an offset-paginated listing: list is
// called with the page to read, from the first until a reply has no
// X-Next-Page. A failure is yielded once, mapped by wrap with op, and ends
// the iteration.
func scan[T any](ctx context.Context, op string, list func(...gl.RequestOptionFunc) ([]T, *gl.Response, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var page int64 = 1
		for {
			ropts := []gl.RequestOptionFunc{gl.WithContext(ctx)}
			if page > 1 {
				ropts = append(ropts, gl.WithOffsetPaginationParameters(page))
			}
			items, resp, err := list(ropts...)
			if err != nil {
				var zero T
				yield(zero, wrap(ctx, op, resp, err))
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			// A next page that does not move forward would loop forever.
			if resp == nil || resp.NextPage <= page {
				return
			}
			page = resp.NextPage
		}
	}
}

// repo converts a GitLab project.
func repo(p *gl.Project) activity.Repo {
	r := activity.Repo{
		Name:          p.Path,
		FullName:      p.PathWithNamespace,
		URL:           p.WebURL,
		Platform:      Name,
		Private:       p.Visibility != gl.PublicVisibility,
		DefaultBranch: p.DefaultBranch,
	}
	if p.LastActivityAt != nil {
		r.LastActivity = *p.LastActivityAt
	}
	if r.Name == "" {
		r.Name = p.Name
	}
	if p.Namespace != nil {
		r.Owner = p.Namespace.FullPath
	}
	return r
}

// Compare returns the commits of branch head that branch base lacks (GET
// /projects/:id/repository/compare?from=base&to=head, which compares from
// their merge base).
func (p *Provider) Compare(ctx context.Context, repo, base, head string) ([]activity.Item, error) {
	op := "compare " + base + "..." + head
	pr, err := parseProject(op, repo)
	if err != nil {
		return nil, err
	}
	cmp, resp, err := p.client.Repositories.Compare(pr.path, &gl.CompareOptions{From: &base, To: &head}, gl.WithContext(ctx))
	if err != nil {
		return nil, wrap(ctx, op+" of "+pr.path, resp, err)
	}
	items := make([]activity.Item, 0, len(cmp.Commits))
	for _, c := range cmp.Commits {
		items = append(items, commitItem(pr, c))
	}
	slices.Reverse(items) // GitLab lists them oldest first
	return items, nil
}

// commitItem makes a commit item: dated by its git author date (committer
// date if none), by its git author's name (e-mail address if none).
func commitItem(pr project, c *gl.Commit) activity.Item {
	date := c.AuthoredDate
	if date == nil {
		date = c.CommittedDate
	}
	author := c.AuthorName
	if author == "" {
		author = c.AuthorEmail
	}
	msg := c.Message
	if msg == "" {
		msg = c.Title
	}
	it := activity.Item{Kind: activity.KindCommit, Repo: pr.name, Date: timeOf(date), Message: msg, Author: author, SHA: c.ID, Parents: c.ParentIDs, URL: c.WebURL}
	it.PullRequest, it.PullTitle = activity.CitedPullRequest(msg)
	return it
}

// timeOf returns *t, or the zero time for nil.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// timePtr returns t in UTC for an API option, or nil (no bound) when zero.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return gl.Ptr(t.UTC())
}

// project is a GitLab project: its full path with namespace, which
// identifies it to the API, and its own path, its name in items.
type project struct {
	path, name string
}

// parseProject checks a FullName, "namespace/project" with any number of
// subgroups; anything else is ErrInvalid.
func parseProject(op, full string) (project, error) {
	full = strings.TrimSpace(full)
	segments := strings.Split(full, "/")
	valid := len(segments) >= 2
	for _, s := range segments {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, " \t\r\n?#%") {
			valid = false
		}
	}
	if !valid {
		return project{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid,
			Message: fmt.Sprintf("%q is not a project path of the form namespace/project", full)}
	}
	return project{path: full, name: segments[len(segments)-1]}, nil
}

// wrap maps an error of the client library doing op to a *providers.Error
// of the matching kind: the reply's status (a spent rate limit:
// ErrRateLimited with its reset) with GitLab's message, or ErrUnavailable
// when GitLab could not be reached or understood. The caller's cancellation
// comes back as is.
func wrap(ctx context.Context, op string, resp *gl.Response, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return err
	}
	var e *gl.ErrorResponse
	if !errors.As(err, &e) {
		return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable, Err: err}
	}
	// A 404 comes back as the library's shared ErrNotFound, without the
	// reply, which the library returns beside it.
	reply := e.Response
	if reply == nil && resp != nil {
		reply = resp.Response
	}
	if reply == nil {
		reply = &http.Response{StatusCode: e.StatusCode}
	}
	return providers.StatusError(Name, op, reply, message(e))
}

// message returns GitLab's explanation in an error reply: the body's
// "message" ({"message":"401 Unauthorized"}), an OAuth error's description,
// a plain-text body as is (a throttled request's "Retry later"), or else
// the library's rendering.
func message(e *gl.ErrorResponse) string {
	var body struct {
		Message          json.RawMessage `json:"message"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if err := json.Unmarshal(e.Body, &body); err != nil {
		if len(e.Body) > 0 {
			return string(e.Body)
		}
		return e.Message
	}
	var s string
	switch {
	case json.Unmarshal(body.Message, &s) == nil && s != "":
		return s
	case body.ErrorDescription != "":
		return body.ErrorDescription
	case body.Error != "":
		return body.Error
	}
	return e.Message
}
