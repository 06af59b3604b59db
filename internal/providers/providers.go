// Package providers fetches a signed-in user's activity from where their
// code lives: GitHub, GitLab, Azure DevOps, or any plain git repository.
// Each source implements Provider; the subpackages hold the hosted ones
// and this package the parts they share: the types they return, the errors
// they map failures to, and an HTTP client that honours rate-limit replies
// with bounded retries.
package providers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gitpulse/gitpulse/internal/recap"
)

// Provider is one source of activity, bound to one signed-in user.
// Implementations are safe for concurrent use. Every method returns errors
// that wrap one of this package's sentinel errors when the cause is known.
type Provider interface {
	// User checks the credentials and returns the signed-in user's login.
	User(ctx context.Context) (string, error)
	// Repos lists the repositories the user can recap.
	Repos(ctx context.Context) ([]Repo, error)
	// Activity returns the commits, pull requests (with their commits),
	// issues and releases of q's repositories, period and authors, in any
	// order, following pagination to the end.
	Activity(ctx context.Context, q Query) ([]recap.Item, error)
	// Releases returns the newest n releases of repo (a Repo's FullName),
	// newest first.
	Releases(ctx context.Context, repo string, n int) ([]Release, error)
	// Branches returns the names of repo's branches, the default one first.
	Branches(ctx context.Context, repo string) ([]string, error)
	// Compare returns the commits of repo's branch head that branch base
	// lacks, newest first: what a pull request from head into base brings.
	Compare(ctx context.Context, repo, base, head string) ([]recap.Item, error)
}

// Repo is a repository a provider can recap.
type Repo struct {
	// Name is the repository's own name.
	Name string `json:"name"`
	// Owner is its owner: a user, organisation, GitLab namespace or Azure
	// DevOps project.
	Owner string `json:"owner"`
	// FullName identifies it to its provider: "owner/name" (GitLab: the
	// full path with namespace; Azure DevOps: "project/repository").
	FullName string `json:"full_name"`
	// URL is its web address.
	URL string `json:"url"`
	// Platform is the provider's name: github, gitlab, azure or git.
	Platform string `json:"platform"`
	// Private tells whether it is not public.
	Private bool `json:"private"`
	// DefaultBranch is its default branch, if known.
	DefaultBranch string `json:"default_branch,omitempty"`
}

// Query selects activity.
type Query struct {
	// Since is the start of the period, inclusive; zero means no bound.
	Since time.Time
	// Until is the end of the period, exclusive; zero means no bound.
	Until time.Time
	// Authors are the logins (or e-mail addresses, or display names) whose
	// activity counts, the signed-in user among them. Empty means everyone.
	Authors []string
	// Repos are the FullNames of the repositories to read; empty means all
	// of the user's repositories.
	Repos []string
}

// In reports whether t falls inside the query's period.
func (q Query) In(t time.Time) bool {
	return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || t.Before(q.Until))
}

// ByAuthor reports whether any of who (a login, e-mail address or display
// name of one person) is one of the query's authors, ignoring case. With no
// authors in the query everyone matches.
func (q Query) ByAuthor(who ...string) bool {
	if len(q.Authors) == 0 {
		return true
	}
	for _, w := range who {
		w = strings.TrimSpace(w)
		if w != "" && slices.ContainsFunc(q.Authors, func(a string) bool { return strings.EqualFold(strings.TrimSpace(a), w) }) {
			return true
		}
	}
	return false
}

// Release is one published release of a repository.
type Release struct {
	// Tag is the release's tag.
	Tag string `json:"tag"`
	// Name is its title, often the tag again.
	Name string `json:"name"`
	// Body is its notes, as written.
	Body string `json:"body"`
	// Date is when it was published (or the tag created).
	Date time.Time `json:"published_at"`
	// Author is who published it, if known.
	Author string `json:"author,omitempty"`
	// Prerelease marks a pre-release.
	Prerelease bool `json:"prerelease"`
	// URL is its web page, if any.
	URL string `json:"url,omitempty"`
}

// Dedupe drops commit items whose SHA an earlier item (a pull request's
// commit listed again among the repository's commits) already has, keeping
// the first of each.
func Dedupe(items []recap.Item) []recap.Item {
	seen := make(map[string]bool)
	return slices.DeleteFunc(items, func(it recap.Item) bool {
		if it.SHA == "" {
			return false
		}
		key := it.Repo + "\x00" + it.SHA
		if seen[key] {
			return true
		}
		seen[key] = true
		return false
	})
}

// Options configure a hosted provider's client.
type Options struct {
	// Token is the user's personal access or OAuth token.
	Token string
	// BaseURL is the API's (or, for Azure DevOps, the organisation's)
	// address; empty means the public service's.
	BaseURL string
	// Organization is the Azure DevOps organisation when BaseURL is empty.
	Organization string
	// HTTPClient does the requests; nil means NewClient(nil).
	HTTPClient *http.Client
}

// Client returns o.HTTPClient, or a new NewClient(nil) if it is nil.
func (o Options) Client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return NewClient(nil)
}

// Parallel is how many repositories a provider reads at once.
const Parallel = 4

// Gather runs reads, at most Parallel at once, and returns all their items
// in order with duplicates dropped (Dedupe), or the first error; when ctx
// ends first, ctx's error.
func Gather(ctx context.Context, reads []func(context.Context) ([]recap.Item, error)) ([]recap.Item, error) {
	results := make([][]recap.Item, len(reads))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Parallel)
	for i, read := range reads {
		g.Go(func() error {
			items, err := read(gctx)
			results[i] = items
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return Dedupe(slices.Concat(results...)), nil
}
