package azure

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/providers"
)

// tagsPrefix starts the full name of a tag.
const tagsPrefix = "refs/tags/"

// annotatedTag is an annotated tag (GitAnnotatedTag).
type annotatedTag struct {
	Name     string  `json:"name"`
	TaggedBy gitUser `json:"taggedBy"`
	Message  string  `json:"message"`
}

// tag is a tag resolved to who made it and when: the tagger of an
// annotated tag, the commit of a lightweight one.
type tag struct {
	name    string
	by      gitUser
	message string
}

// tags lists the repository's tags, each resolved (with bounded
// concurrency) through its annotated tag object or its commit.
func (p *Provider) tags(ctx context.Context, r gitRepo) ([]tag, error) {
	refs, err := p.refs(ctx, r, "tags/", true)
	if err != nil {
		return nil, err
	}
	full := r.Project.Name + "/" + r.Name
	tags := make([]tag, len(refs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	found := make([]bool, len(refs))
	for i, ref := range refs {
		g.Go(func() error {
			t := tag{name: strings.TrimPrefix(ref.Name, tagsPrefix)}
			var err error
			if ref.PeeledObjectID != "" { // only annotated tags peel to another object
				var at annotatedTag
				_, err = p.get(gctx, "read tag "+t.name+" of "+full, r.path()+"/annotatedtags/"+url.PathEscape(ref.ObjectID), nil, &at)
				t.by, t.message = at.TaggedBy, at.Message
			} else {
				var c commit
				_, err = p.get(gctx, "read the commit of tag "+t.name+" of "+full, r.path()+"/commits/"+url.PathEscape(ref.ObjectID), nil, &c)
				t.by = c.Committer
				t.by.Name, t.by.Email = c.Author.Name, c.Author.Email
			}
			switch {
			case errors.Is(err, providers.ErrNotFound):
				return nil // a tag of a tree or blob, or one deleted meanwhile
			case err != nil:
				return err
			}
			tags[i], found[i] = t, true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	kept := tags[:0]
	for i, t := range tags {
		if found[i] {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// tagItems returns the repository's tags made in q's period by q's
// authors, as releases.
func (p *Provider) tagItems(ctx context.Context, r gitRepo, q activity.Query) ([]activity.Item, error) {
	tags, err := p.tags(ctx, r)
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	for _, t := range tags {
		if q.In(t.by.Date) && q.ByAuthor(t.by.Name, t.by.Email) {
			items = append(items, activity.Item{Kind: activity.KindRelease, Repo: r.Name, Date: t.by.Date, Message: t.name, Author: t.by.Name})
		}
	}
	return items, nil
}

// Releases returns the newest n tags of repo ("project/repository"),
// newest first: Azure Repos has no releases of its own.
func (p *Provider) Releases(ctx context.Context, repo string, n int) ([]activity.Release, error) {
	r, err := p.repo(ctx, repo)
	if err != nil {
		return nil, err
	}
	if n <= 0 || r.DefaultBranch == "" {
		return []activity.Release{}, nil
	}
	tags, err := p.tags(ctx, r)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(tags, func(a, b tag) int {
		return cmp.Or(b.by.Date.Compare(a.by.Date), strings.Compare(b.name, a.name))
	})
	out := make([]activity.Release, 0, min(n, len(tags)))
	for _, t := range tags[:min(n, len(tags))] {
		out = append(out, activity.Release{Tag: t.name, Name: t.name, Body: t.message, Date: t.by.Date, Author: t.by.Name})
	}
	return out, nil
}
