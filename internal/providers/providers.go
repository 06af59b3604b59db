// Package providers fetches a signed-in user's activity from where their
// code lives: GitHub, GitLab, Azure DevOps, or any plain git repository.
// Each source implements activity.Provider; the subpackages hold the
// hosted ones and this package the parts they share: the errors they map
// failures to, and an HTTP client that honours rate-limit replies with
// bounded retries.
package providers

import (
	"context"
	"net/http"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/gitpulse/gitpulse/internal/activity"
)

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
// in order with duplicates dropped (activity.Dedupe), or the first error; when ctx
// ends first, ctx's error.
func Gather(ctx context.Context, reads []func(context.Context) ([]activity.Item, error)) ([]activity.Item, error) {
	results := make([][]activity.Item, len(reads))
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
	return activity.Dedupe(slices.Concat(results...)), nil
}
