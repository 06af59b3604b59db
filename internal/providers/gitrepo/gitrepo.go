// Package gitrepo is the plain-git activity provider: one repository at
// any URL the history service may open, read through its mirror and index,
// with no token. Its releases are the repository's tags.
package gitrepo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Platform is this provider's name in Repo.Platform and sessions.
const Platform = "git"

// Provider reads one repository. It is safe for concurrent use.
type Provider struct {
	svc *history.Service
	url string
}

var _ activity.Provider = (*Provider)(nil)

// New returns the provider for the repository at url, opened through svc.
func New(svc *history.Service, url string) *Provider {
	return &Provider{svc: svc, url: url}
}

// open prepares the repository and waits until its history can be read.
func (p *Provider) open(ctx context.Context) (*history.Repo, error) {
	r, err := p.svc.Prepare(ctx, p.url, nil)
	if err == nil {
		err = r.Ready(ctx)
	}
	return r, err
}

// fullName is the repository's FullName.
func fullName(r *history.Repo) string { return FullName(r.Info) }

// FullName names a repository as this provider does: "owner/name", or the
// name alone for one without an owner (a local path).
func FullName(info repourl.Repo) string {
	if info.Owner == "" {
		return info.Name
	}
	return info.Owner + "/" + info.Name
}

// User opens the repository and returns its full name: a plain-git
// session belongs to a repository, not a person.
func (p *Provider) User(ctx context.Context) (string, error) {
	r, err := p.open(ctx)
	if err != nil {
		return "", err
	}
	return fullName(r), nil
}

// Repos returns the one repository.
func (p *Provider) Repos(ctx context.Context) ([]activity.Repo, error) {
	r, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	return []activity.Repo{{
		Name: r.Info.Name, Owner: r.Info.Owner, FullName: fullName(r), URL: r.Info.URL,
		Platform: Platform, DefaultBranch: r.View().Index().Branch,
	}}, nil
}

// Activity returns the commits that reached the repository's default
// branch in q's period by q's authors (matched against the author's name
// and e-mail address as activity.MatchAuthor says),
// and its tags made then, as releases. A commit reached the branch in the
// period when the first-parent commit that brought it (itself, or the
// merge of its topic) was committed in the period, however long before
// it was written. Commits carry their whole message, parents, changed
// files and line counts, and the pull request their message cites.
func (p *Provider) Activity(ctx context.Context, q activity.Query) ([]activity.Item, error) {
	r, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	if len(q.Repos) > 0 && !slices.Contains(q.Repos, fullName(r)) && !slices.Contains(q.Repos, r.Info.Name) {
		return nil, nil
	}
	head := "HEAD"
	if b := r.View().Index().Branch; b != "" {
		head = gitcli.Branches + b
	}
	top, base, err := r.MainlineSpan(ctx, head, q.Since, q.Until)
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	if top != "" && top != base {
		var exclude []string
		if base != "" {
			exclude = []string{base}
		}
		if items, err = commitItems(ctx, r, top, exclude, q.Authors); err != nil {
			return nil, err
		}
	}
	tags, err := r.Refs(ctx, gitcli.Tags)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		if q.In(t.Date) && q.ByAuthor(t.Author) {
			items = append(items, activity.Item{Kind: activity.KindRelease, Repo: r.Info.Name, Date: t.Date, Message: t.Name, Author: t.Author})
		}
	}
	return items, nil
}

// commitItems reads the commits reachable from rev and not from exclude,
// newest first, by authors (all when empty), as items of r with their
// whole messages, parents, files and line counts (see history.Repo.Details).
func commitItems(ctx context.Context, r *history.Repo, rev string, exclude, authors []string) ([]activity.Item, error) {
	commits, err := r.Details(ctx, rev, exclude)
	if err != nil {
		return nil, err
	}
	var items []activity.Item
	for _, c := range commits {
		if len(authors) > 0 && !activity.MatchAuthor(authors, c.AuthorName, c.AuthorEmail) {
			continue
		}
		it := activity.Item{Kind: activity.KindCommit, Repo: r.Info.Name, Message: c.Message, Author: c.AuthorName,
			SHA: c.Hash, Parents: c.Parents}
		if c.AuthorTime != gitcli.UnknownTime {
			it.Date = time.Unix(c.AuthorTime, 0).UTC()
		}
		for _, f := range c.Files {
			it.Files = append(it.Files, string(f.Path))
			it.Additions += int(f.Added)
			it.Deletions += int(f.Deleted)
		}
		it.PullRequest, it.PullTitle = activity.CitedPullRequest(c.Message)
		items = append(items, it)
	}
	return items, nil
}

var _ activity.ReleaseReader = (*Provider)(nil)

// ReleaseActivity returns the commits of release tag since the release
// before it on its line (v2.44.0 since v2.43.0, 7.2.4 since 7.2.3: see
// activity.PreviousRelease), read by revision range, and that release; with
// tag empty, the default branch's commits since the latest feature
// release. An unknown tag is a providers.ErrNotFound error.
func (p *Provider) ReleaseActivity(ctx context.Context, repo, tag string) ([]activity.Item, *activity.Release, error) {
	r, tags, err := p.refs(ctx, repo, gitcli.Tags)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(tags))
	for i, t := range tags {
		names[i] = t.Name
	}
	var rev, prev string
	if tag == "" {
		rev = "HEAD"
		if b := r.View().Index().Branch; b != "" {
			rev = gitcli.Branches + b
		}
		prev, _ = activity.LatestRelease(names)
	} else {
		if !slices.Contains(names, tag) {
			return nil, nil, &providers.Error{Provider: Platform, Op: "release " + tag, Kind: providers.ErrNotFound,
				Message: fmt.Sprintf("no tag %q", tag)}
		}
		rev = gitcli.Tags + tag
		prev, _ = activity.PreviousRelease(names, tag)
	}
	var exclude []string
	var since *activity.Release
	if prev != "" {
		exclude = []string{gitcli.Tags + prev}
		rel := release(tags[slices.Index(names, prev)])
		since = &rel
	}
	items, err := commitItems(ctx, r, rev, exclude, nil)
	return items, since, err
}

// Releases returns the newest n tags as releases.
func (p *Provider) Releases(ctx context.Context, repo string, n int) ([]activity.Release, error) {
	_, tags, err := p.refs(ctx, repo, gitcli.Tags)
	if err != nil {
		return nil, err
	}
	var out []activity.Release
	for _, t := range tags[:min(n, len(tags))] {
		out = append(out, release(t))
	}
	return out, nil
}

// release is tag t as a release: an annotated tag's message is its notes.
func release(t gitcli.Ref) activity.Release {
	rel := activity.Release{Tag: t.Name, Name: t.Name, Date: t.Date, Author: t.Author}
	if t.Annotated {
		rel.Body = t.Message
	}
	return rel
}

// Branches returns the repository's branches, the default one first and
// the others newest first.
func (p *Provider) Branches(ctx context.Context, repo string) ([]string, error) {
	r, heads, err := p.refs(ctx, repo, gitcli.Branches)
	if err != nil {
		return nil, err
	}
	def := r.View().Index().Branch
	names := []string{}
	if slices.ContainsFunc(heads, func(h gitcli.Ref) bool { return h.Name == def }) {
		names = append(names, def)
	}
	for _, h := range heads {
		if h.Name != def {
			names = append(names, h.Name)
		}
	}
	return names, nil
}

// Compare returns the commits of branch head that branch base lacks.
func (p *Provider) Compare(ctx context.Context, repo, base, head string) ([]activity.Item, error) {
	r, heads, err := p.refs(ctx, repo, gitcli.Branches)
	if err != nil {
		return nil, err
	}
	for _, b := range []string{base, head} {
		if !slices.ContainsFunc(heads, func(h gitcli.Ref) bool { return h.Name == b }) {
			return nil, &providers.Error{Provider: Platform, Op: "compare " + base + "..." + head, Kind: providers.ErrNotFound,
				Message: fmt.Sprintf("no branch %q", b)}
		}
	}
	return commitItems(ctx, r, gitcli.Branches+head, []string{gitcli.Branches + base}, nil)
}

// refs opens the repository named name (see repo) and lists its refs in
// namespace.
func (p *Provider) refs(ctx context.Context, name, namespace string) (*history.Repo, []gitcli.Ref, error) {
	r, err := p.repo(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	refs, err := r.Refs(ctx, namespace)
	return r, refs, err
}

// repo opens the repository if name is its full name, or its bare name.
func (p *Provider) repo(ctx context.Context, name string) (*history.Repo, error) {
	r, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	if name != "" && name != fullName(r) && name != r.Info.Name {
		return nil, &providers.Error{Provider: Platform, Op: "open " + name, Kind: providers.ErrNotFound,
			Message: fmt.Sprintf("this session reads only %s", fullName(r))}
	}
	return r, nil
}
