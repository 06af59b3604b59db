// Package github is the GitHub provider: it reads a signed-in user's
// repositories, commits, pull requests, issues, releases and branches from
// api.github.com or a GitHub Enterprise Server through the REST API.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v92/github"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// Name is the provider's name, as in Repo.Platform and Error.Provider.
const Name = "github"

// perPage is the page size asked of every listing (GitHub's maximum).
const perPage = 100

// Provider reads activity from GitHub for one signed-in user. It is safe
// for concurrent use.
type Provider struct {
	client *gh.Client
}

var _ activity.Provider = (*Provider)(nil)

// New returns a Provider that authenticates with opts.Token and talks to
// api.github.com, or, when opts.BaseURL is set, to that GitHub Enterprise
// Server (its address, such as https://ghe.example.com, or its API's, ending
// in /api/v3). A BaseURL that is not an http(s) address is ErrInvalid.
func New(opts providers.Options) (*Provider, error) {
	options := []gh.ClientOptionsFunc{gh.WithHTTPClient(opts.Client())}
	if opts.Token != "" {
		options = append(options, gh.WithAuthToken(opts.Token))
	}
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &providers.Error{Provider: Name, Op: "configure the client", Kind: providers.ErrInvalid,
				Message: fmt.Sprintf("base URL %q is not an http(s) address", opts.BaseURL)}
		}
		options = append(options, gh.WithEnterpriseURLs(opts.BaseURL, opts.BaseURL))
	}
	client, err := gh.NewClient(options...)
	if err != nil {
		return nil, &providers.Error{Provider: Name, Op: "configure the client", Kind: providers.ErrInvalid, Err: err}
	}
	return &Provider{client: client}, nil
}

// User returns the login the token belongs to (GET /user).
func (p *Provider) User(ctx context.Context) (string, error) {
	u, _, err := p.client.Users.Get(ctx, "")
	if err != nil {
		return "", wrap(ctx, "check the user", err)
	}
	return u.GetLogin(), nil
}

// Repos lists the repositories the user owns, collaborates on or reaches
// through an organisation (GET /user/repos, every page).
func (p *Provider) Repos(ctx context.Context) ([]activity.Repo, error) {
	var repos []activity.Repo
	opts := &gh.RepositoryListByAuthenticatedUserOptions{ListOptions: gh.ListOptions{PerPage: perPage}}
	for r, err := range p.client.Repositories.ListByAuthenticatedUserIter(ctx, opts) {
		if err != nil {
			return nil, wrap(ctx, "list repositories", err)
		}
		repos = append(repos, activity.Repo{
			Name:          r.GetName(),
			Owner:         r.GetOwner().GetLogin(),
			FullName:      r.GetFullName(),
			URL:           r.GetHTMLURL(),
			Platform:      Name,
			Private:       r.GetPrivate(),
			DefaultBranch: r.GetDefaultBranch(),
			LastActivity:  r.GetPushedAt().Time,
		})
	}
	return repos, nil
}

// Activity returns the commits, pull requests with their commits, issues
// and releases of q's repositories (all of Repos when q.Repos is empty) in
// q's period by q's authors, a commit listed twice once.
func (p *Provider) Activity(ctx context.Context, q activity.Query) ([]activity.Item, error) {
	var targets []repoRef
	if len(q.Repos) > 0 {
		for _, full := range q.Repos {
			ref, err := parseRepo("read activity", full)
			if err != nil {
				return nil, err
			}
			targets = append(targets, ref)
		}
	} else {
		repos, err := p.Repos(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range repos {
			// Not pushed since the period began: no commits, pull
			// requests or releases of the period to find.
			if !r.Quiet(q.Since) {
				targets = append(targets, repoRef{owner: r.Owner, name: r.Name})
			}
		}
	}
	reads := make([]func(context.Context) ([]activity.Item, error), len(targets))
	for i, ref := range targets {
		reads[i] = func(ctx context.Context) ([]activity.Item, error) { return p.repoActivity(ctx, ref, q) }
	}
	return providers.Gather(ctx, reads)
}

// Releases returns the newest n releases of repo, newest first (GET
// /repos/{owner}/{repo}/releases, as many pages as n needs).
func (p *Provider) Releases(ctx context.Context, repo string, n int) ([]activity.Release, error) {
	const op = "list releases"
	ref, err := parseRepo(op, repo)
	if err != nil || n <= 0 {
		return nil, err
	}
	var out []activity.Release
	opts := &gh.ListOptions{PerPage: min(n, perPage)}
	for r, err := range p.client.Repositories.ListReleasesIter(ctx, ref.owner, ref.name, opts) {
		if err != nil {
			return nil, wrap(ctx, op+" of "+ref.String(), err)
		}
		out = append(out, activity.Release{
			Tag:        r.GetTagName(),
			Name:       r.GetName(),
			Body:       r.GetBody(),
			Date:       r.GetPublishedAt().Time,
			Author:     r.GetAuthor().GetLogin(),
			Prerelease: r.GetPrerelease(),
			URL:        r.GetHTMLURL(),
		})
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// Branches returns repo's branch names, its default branch first and the
// others in GitHub's order (GET /repos/{owner}/{repo}, then every page of
// its branches).
func (p *Provider) Branches(ctx context.Context, repo string) ([]string, error) {
	const op = "list branches"
	ref, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	r, _, err := p.client.Repositories.Get(ctx, ref.owner, ref.name)
	if err != nil {
		return nil, wrap(ctx, "read repository "+ref.String(), err)
	}
	var names []string
	opts := &gh.BranchListOptions{ListOptions: gh.ListOptions{PerPage: perPage}}
	for b, err := range p.client.Repositories.ListBranchesIter(ctx, ref.owner, ref.name, opts) {
		if err != nil {
			return nil, wrap(ctx, op+" of "+ref.String(), err)
		}
		names = append(names, b.GetName())
	}
	if i := slices.Index(names, r.GetDefaultBranch()); i > 0 {
		names = slices.Insert(slices.Delete(names, i, i+1), 0, r.GetDefaultBranch())
	}
	return names, nil
}

// repoActivity reads one repository's activity for q.
func (p *Provider) repoActivity(ctx context.Context, ref repoRef, q activity.Query) ([]activity.Item, error) {
	var items []activity.Item
	for _, read := range []func(context.Context, repoRef, activity.Query) ([]activity.Item, error){
		p.commits, p.pullRequests, p.issues, p.releaseItems,
	} {
		got, err := read(ctx, ref, q)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return items, nil
}

// commits lists ref's commits in q's period. GitHub filters commits by a
// login or an e-mail address, so those authors are asked for one by one;
// an author that is neither (a display name, "Mona Lisa") is matched
// against each commit's login, git name and e-mail here, over one
// unfiltered listing.
func (p *Provider) commits(ctx context.Context, ref repoRef, q activity.Query) ([]activity.Item, error) {
	var byAPI, byName []string
	for _, a := range q.Authors {
		if isLogin(a) || strings.Contains(a, "@") {
			byAPI = append(byAPI, strings.TrimSpace(a))
		} else if strings.TrimSpace(a) != "" {
			byName = append(byName, a)
		}
	}
	if len(q.Authors) == 0 || len(byName) > 0 {
		byAPI = append(byAPI, "") // everyone's, filtered below for byName
	}
	var items []activity.Item
	for _, author := range byAPI {
		opts := &gh.CommitsListOptions{Author: author, Since: q.Since, Until: q.Until, ListOptions: gh.ListOptions{PerPage: perPage}}
		for c, err := range p.client.Repositories.ListCommitsIter(ctx, ref.owner, ref.name, opts) {
			if emptyRepo(err) {
				return nil, nil
			}
			if err != nil {
				return nil, wrap(ctx, "list commits of "+ref.String(), err)
			}
			who := c.GetCommit().GetAuthor()
			if author == "" && len(q.Authors) > 0 && !activity.MatchAuthor(byName, c.GetAuthor().GetLogin(), who.GetName(), who.GetEmail()) {
				continue
			}
			if it := commitItem(ref, c); q.In(it.Date) {
				items = append(items, it)
			}
		}
	}
	return items, nil
}

// pullRequests lists the pull requests q's authors opened in q's period,
// most recently updated first and no further back than q.Since, each with
// its commits of the period.
func (p *Provider) pullRequests(ctx context.Context, ref repoRef, q activity.Query) ([]activity.Item, error) {
	var items []activity.Item
	opts := &gh.PullRequestListOptions{State: "all", Sort: "updated", Direction: "desc", ListOptions: gh.ListOptions{PerPage: perPage}}
	for pr, err := range p.client.PullRequests.ListIter(ctx, ref.owner, ref.name, opts) {
		if err != nil {
			return nil, wrap(ctx, "list pull requests of "+ref.String(), err)
		}
		if !q.Since.IsZero() && pr.GetUpdatedAt().Before(q.Since) {
			break
		}
		created := pr.GetCreatedAt().Time
		if !q.In(created) || !q.ByAuthor(pr.GetUser().GetLogin()) {
			continue
		}
		items = append(items, activity.Item{Kind: activity.KindPullRequest, Repo: ref.name, Date: created,
			Message: pr.GetTitle(), Number: pr.GetNumber(), Author: pr.GetUser().GetLogin(), URL: pr.GetHTMLURL()})
		copts := &gh.ListOptions{PerPage: perPage}
		for c, err := range p.client.PullRequests.ListCommitsIter(ctx, ref.owner, ref.name, pr.GetNumber(), copts) {
			if err != nil {
				return nil, wrap(ctx, fmt.Sprintf("list commits of pull request %s#%d", ref, pr.GetNumber()), err)
			}
			if it := commitItem(ref, c); q.In(it.Date) {
				it.PullRequest, it.PullTitle = pr.GetNumber(), pr.GetTitle()
				items = append(items, it)
			}
		}
	}
	return items, nil
}

// issues lists the issues (not pull requests) q's authors opened in q's
// period. GitHub filters by last update and, for a single login, by
// creator; the rest is filtered here.
func (p *Provider) issues(ctx context.Context, ref repoRef, q activity.Query) ([]activity.Item, error) {
	opts := &gh.IssueListByRepoOptions{State: "all", Since: q.Since, ListOptions: gh.ListOptions{PerPage: perPage}}
	if len(q.Authors) == 1 && isLogin(q.Authors[0]) {
		opts.Creator = strings.TrimSpace(q.Authors[0])
	}
	var items []activity.Item
	for is, err := range p.client.Issues.ListByRepoIter(ctx, ref.owner, ref.name, opts) {
		if err != nil {
			return nil, wrap(ctx, "list issues of "+ref.String(), err)
		}
		created := is.GetCreatedAt().Time
		if is.GetPullRequestLinks() != nil || !q.In(created) || !q.ByAuthor(is.GetUser().GetLogin()) {
			continue
		}
		items = append(items, activity.Item{Kind: activity.KindIssue, Repo: ref.name, Date: created,
			Message: is.GetTitle(), Number: is.GetNumber(), Author: is.GetUser().GetLogin(), URL: is.GetHTMLURL()})
	}
	return items, nil
}

// releaseItems lists the releases q's authors published in q's period.
func (p *Provider) releaseItems(ctx context.Context, ref repoRef, q activity.Query) ([]activity.Item, error) {
	var items []activity.Item
	opts := &gh.ListOptions{PerPage: perPage}
	for r, err := range p.client.Repositories.ListReleasesIter(ctx, ref.owner, ref.name, opts) {
		if err != nil {
			return nil, wrap(ctx, "list releases of "+ref.String(), err)
		}
		published := r.GetPublishedAt().Time
		if published.IsZero() || !q.In(published) || !q.ByAuthor(r.GetAuthor().GetLogin()) {
			continue
		}
		title := r.GetName()
		if title == "" {
			title = r.GetTagName()
		}
		items = append(items, activity.Item{Kind: activity.KindRelease, Repo: ref.name, Date: published,
			Message: title, Author: r.GetAuthor().GetLogin()})
	}
	return items, nil
}

// Compare returns the commits of branch head that branch base lacks (GET
// /repos/{owner}/{repo}/compare/{base}...{head}, every page).
func (p *Provider) Compare(ctx context.Context, repo, base, head string) ([]activity.Item, error) {
	op := "compare " + base + "..." + head
	ref, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	opts := &gh.ListOptions{PerPage: perPage}
	for {
		cmp, resp, err := p.client.Repositories.CompareCommits(ctx, ref.owner, ref.name, base, head, opts)
		if err != nil {
			return nil, wrap(ctx, op+" of "+ref.String(), err)
		}
		for _, c := range cmp.Commits {
			items = append(items, commitItem(ref, c))
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.Reverse(items) // GitHub lists them oldest first
	return items, nil
}

// commitItem makes a commit item: dated by its git author date (committer
// date if none), by its GitHub login or else its git author name.
func commitItem(ref repoRef, c *gh.RepositoryCommit) activity.Item {
	commit := c.GetCommit()
	date := commit.GetAuthor().GetDate().Time
	if date.IsZero() {
		date = commit.GetCommitter().GetDate().Time
	}
	author := c.GetAuthor().GetLogin()
	if author == "" {
		author = commit.GetAuthor().GetName()
	}
	it := activity.Item{Kind: activity.KindCommit, Repo: ref.name, Date: date, Message: commit.GetMessage(), Author: author, SHA: c.GetSHA(), URL: c.GetHTMLURL()}
	for _, parent := range c.Parents {
		it.Parents = append(it.Parents, parent.GetSHA())
	}
	it.PullRequest, it.PullTitle = activity.CitedPullRequest(it.Message)
	return it
}

// emptyRepo reports whether err is GitHub's 409 Conflict for listing the
// commits of a repository that has none.
func emptyRepo(err error) bool {
	var e *gh.ErrorResponse
	return errors.As(err, &e) && e.Response != nil && e.Response.StatusCode == http.StatusConflict
}

// isLogin reports whether an author can be a GitHub login, and so be given
// to the API as an issue's creator.
func isLogin(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !strings.ContainsAny(s, "@ \t")
}

// repoRef is a repository's owner and name.
type repoRef struct {
	owner, name string
}

// String returns "owner/name".
func (r repoRef) String() string { return r.owner + "/" + r.name }

// parseRepo splits a FullName "owner/name"; anything else, or a part with
// characters GitHub does not allow in names, is ErrInvalid.
func parseRepo(op, full string) (repoRef, error) {
	owner, name, ok := strings.Cut(full, "/")
	if !ok || !validName(owner) || !validName(name) {
		return repoRef{}, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid,
			Message: fmt.Sprintf("%q is not a repository name of the form owner/name", full)}
	}
	return repoRef{owner: owner, name: name}, nil
}

// validName reports whether s can be a GitHub owner or repository name:
// ASCII letters, digits, '-', '_' and '.', but not "." or "..".
func validName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// wrap maps an error of go-github doing op to a *providers.Error of the
// matching kind: the reply's status (a spent primary or secondary rate
// limit: ErrRateLimited with its reset), or ErrUnavailable when GitHub
// could not be reached or understood. The caller's cancellation comes back
// as is.
func wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return err
	}
	var (
		rate  *gh.RateLimitError
		abuse *gh.AbuseRateLimitError
		resp  *gh.ErrorResponse
		twoFA *gh.TwoFactorAuthError
	)
	switch {
	case errors.As(err, &rate):
		e := providers.StatusError(Name, op, rate.Response, rate.Message)
		e.Kind = providers.ErrRateLimited
		if !rate.Rate.Reset.IsZero() {
			e.RetryAt = rate.Rate.Reset.Time
		}
		return e
	case errors.As(err, &abuse):
		e := providers.StatusError(Name, op, abuse.Response, abuse.Message)
		e.Kind = providers.ErrRateLimited
		if abuse.RetryAfter != nil {
			e.RetryAt = time.Now().Add(*abuse.RetryAfter).Truncate(time.Second)
		}
		return e
	case errors.As(err, &resp):
		return providers.StatusError(Name, op, resp.Response, resp.Message)
	case errors.As(err, &twoFA):
		return providers.StatusError(Name, op, twoFA.Response, twoFA.Message)
	default:
		return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnavailable, Err: err}
	}
}
