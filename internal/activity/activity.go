// Package activity is the domain of recaps: the pieces of a developer's
// activity (commits, pull requests, issues, releases), the query that
// selects them, the repositories and releases they belong to, and the
// Provider interface every source of activity implements. It depends on
// the standard library only, so that sources of activity (package
// providers and its subpackages) link no model client, and the recap
// writer (package recap) links no provider.
package activity

import (
	"cmp"
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Item is one piece of activity.
type Item struct {
	// Kind is "commit", "pull_request", "issue" or "release".
	Kind string `json:"kind"`
	// Repo names the repository the item belongs to.
	Repo string `json:"repo"`
	// Date is when the item happened; its location decides its day heading.
	Date time.Time `json:"date"`
	// Message is the whole commit message (subject and body, as far as
	// the provider knows it), or the title of a pull request, issue or
	// release. Only its first line is rendered.
	Message string `json:"message"`
	// Number is the pull-request or issue number, 0 if none.
	Number int `json:"number,omitempty"`
	// Author is who made the item; it is not rendered.
	Author string `json:"author,omitempty"`
	// SHA is a commit's hash (for a pull request's commit, the commit's), so
	// that a commit listed twice is counted once; it is not rendered.
	SHA string `json:"sha,omitempty"`
	// Parents are a commit's parents' hashes, the first parent first (a
	// merge has two or more), when the provider lists them.
	Parents []string `json:"parents,omitempty"`
	// Files are the paths a commit changes against its first parent, when
	// the provider lists them (plain git does; hosted APIs list them only
	// one commit per call, so their commits carry none). A merge lists
	// none: its topic's commits do.
	Files []string `json:"files,omitempty"`
	// Additions and Deletions are the lines a commit adds and removes in
	// Files.
	Additions int `json:"additions,omitempty"`
	Deletions int `json:"deletions,omitempty"`
	// PullRequest is, for a commit, the number of the pull request (merge
	// request) it came with: the one it was listed under, or the one its
	// message cites (see CitedPullRequest); 0 if none.
	PullRequest int `json:"pull_request,omitempty"`
	// PullTitle is that pull request's title, when known.
	PullTitle string `json:"pull_title,omitempty"`
	// URL is the item's web page as its provider gives it (a commit's,
	// pull request's or issue's page); "" when the provider gives none,
	// as plain git does.
	URL string `json:"url,omitempty"`
}

// IsMerge reports whether the item is a commit with two or more parents.
func (it Item) IsMerge() bool { return len(it.Parents) > 1 }

var (
	// "Merge pull request #123 from owner/branch", GitHub's merge commit.
	githubMerge = regexp.MustCompile(`^Merge pull request #(\d+) from \S+`)
	// "Subject (#123)" or "Subject (#123, #456)", a squash merge's subject.
	squashCite = regexp.MustCompile(`\(#(\d+)(?:,\s*#\d+)*\)\s*$`)
	// "See merge request group/project!123", GitLab's merge commit body.
	gitlabMerge = regexp.MustCompile(`(?m)^See merge request \S*!(\d+)\s*$`)
)

// CitedPullRequest returns the pull request a commit message says the
// commit brought, 0 if none: GitHub's "Merge pull request #N from ...",
// whose body's first paragraph is then the title; a squash merge's
// subject ending in "(#N)", the rest of the subject being the title; or
// GitLab's "See merge request ...!N", whose body's first paragraph is the
// title.
func CitedPullRequest(message string) (number int, title string) {
	subject, body, _ := strings.Cut(strings.TrimSpace(message), "\n")
	subject = strings.TrimSpace(subject)
	firstParagraph := func() string {
		p, _, _ := strings.Cut(strings.TrimSpace(body), "\n\n")
		return strings.Join(strings.Fields(p), " ")
	}
	if m := githubMerge.FindStringSubmatch(subject); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, firstParagraph()
	}
	if m := squashCite.FindStringSubmatchIndex(subject); m != nil {
		n, _ := strconv.Atoi(subject[m[2]:m[3]])
		return n, strings.TrimSpace(subject[:m[0]])
	}
	if m := gitlabMerge.FindStringSubmatch(body); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, firstParagraph()
	}
	return 0, ""
}

// Item kinds.
const (
	KindCommit      = "commit"
	KindPullRequest = "pull_request"
	KindIssue       = "issue"
	KindRelease     = "release"
)

// Provider is one source of activity, bound to one signed-in user.
// Implementations are safe for concurrent use. Every method returns errors
// that wrap one of package providers' sentinel errors when the cause is
// known.
type Provider interface {
	// User checks the credentials and returns the signed-in user's login.
	User(ctx context.Context) (string, error)
	// Repos lists the repositories the user can recap.
	Repos(ctx context.Context) ([]Repo, error)
	// Activity returns the commits, pull requests (with their commits),
	// issues and releases of q's repositories, period and authors, in any
	// order, following pagination to the end.
	Activity(ctx context.Context, q Query) ([]Item, error)
	// Releases returns the newest n releases of repo (a Repo's FullName),
	// newest first.
	Releases(ctx context.Context, repo string, n int) ([]Release, error)
	// Branches returns the names of repo's branches, the default one first.
	Branches(ctx context.Context, repo string) ([]string, error)
	// Compare returns the commits of repo's branch head that branch base
	// lacks, newest first: what a pull request from head into base brings.
	Compare(ctx context.Context, repo, base, head string) ([]Item, error)
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
	// LastActivity is when it last changed as its provider records it
	// (GitHub: the last push; GitLab: the last activity of any kind); zero
	// when unknown.
	LastActivity time.Time `json:"last_activity,omitzero"`
}

// Quiet reports whether r is known to have had no activity since t (its
// provider's record of its last activity is older), so reading its
// activity from t on would find none and can be skipped.
func (r Repo) Quiet(t time.Time) bool {
	return !t.IsZero() && !r.LastActivity.IsZero() && r.LastActivity.Before(t)
}

// Query selects activity.
type Query struct {
	// Since is the start of the period, inclusive; zero means no bound.
	Since time.Time
	// Until is the end of the period, exclusive; zero means no bound.
	Until time.Time
	// Authors select whose activity counts, the signed-in user among
	// them: each is a part of a login, e-mail address or display name, as
	// MatchAuthor says. Empty means everyone.
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
// name of one person) matches one of the query's authors as MatchAuthor
// says. With no authors in the query everyone matches.
func (q Query) ByAuthor(who ...string) bool {
	return len(q.Authors) == 0 || MatchAuthor(q.Authors, who...)
}

// MatchAuthor is the one meaning of an author filter, for plain git
// repositories and every hosted provider alike: it reports whether one of
// authors is a part of one of who (a person's name, e-mail address or
// login), ignoring case and the author's surrounding space. An empty
// author matches no one.
func MatchAuthor(authors []string, who ...string) bool {
	lower := make([]string, len(who))
	for k, w := range who {
		lower[k] = strings.ToLower(w)
	}
	return LowerAuthors(authors).Match(lower...)
}

// AuthorFilter is an author filter prepared for matching many authors:
// lower-cased and trimmed once, empty authors dropped.
type AuthorFilter []string

// LowerAuthors prepares authors for matching (see MatchAuthor).
func LowerAuthors(authors []string) AuthorFilter {
	var out AuthorFilter
	for _, a := range authors {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Match is MatchAuthor for who already lower-cased (strings.ToLower).
func (f AuthorFilter) Match(who ...string) bool {
	for _, a := range f {
		for _, w := range who {
			if strings.Contains(w, a) {
				return true
			}
		}
	}
	return false
}

// WithAuthor returns q with who first among its authors, unless ByAuthor
// already matches who: authors a user names add to the signed-in user,
// never replace them. q is not modified.
func (q Query) WithAuthor(who string) Query {
	if len(q.Authors) == 0 || !q.ByAuthor(who) {
		q.Authors = append([]string{who}, q.Authors...)
	}
	return q
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

// Dedupe drops commit items whose repository and SHA an earlier item (a
// pull request's commit listed again among the repository's commits)
// already has, keeping the first of each; the pull request a dropped
// listing names is kept on the first when it names none. It reuses
// items' array.
func Dedupe(items []Item) []Item {
	first := make(map[string]int)
	out := items[:0]
	for _, it := range items {
		if it.SHA == "" {
			out = append(out, it)
			continue
		}
		key := it.Repo + "\x00" + it.SHA
		if i, ok := first[key]; ok {
			if out[i].PullRequest == 0 {
				out[i].PullRequest, out[i].PullTitle = it.PullRequest, it.PullTitle
			}
			continue
		}
		first[key] = len(out)
		out = append(out, it)
	}
	clear(items[len(out):])
	return out
}

// MaxItems bounds the items of one recap: a source need not list more,
// and the recap writer keeps the newest MaxItems before trimming to its
// token budget.
const MaxItems = 5000

// releaseVersion reads a release tag: "v2.44.0", "7.2.4", "1.2"; a
// suffix ("-rc2", "-beta") makes it a pre-release of that version.
var releaseVersion = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.(\d+))?(-?\S+)?$`)

// Version is a release tag's number, major.minor.patch.
type Version struct {
	Major, Minor, Patch int
	// Pre is a pre-release suffix ("-rc2"), empty for a release.
	Pre string
}

// ParseVersion reads a release tag ("v2.44.0", "7.2.4", "v2.44.0-rc2").
func ParseVersion(tag string) (Version, bool) {
	m := releaseVersion.FindStringSubmatch(tag)
	if m == nil {
		return Version{}, false
	}
	var v Version
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	v.Patch, _ = strconv.Atoi(m[3]) // empty: 0
	v.Pre = m[4]
	return v, true
}

// compare orders versions by number, a pre-release before its release.
func (v Version) compare(o Version) int {
	if c := cmp.Or(cmp.Compare(v.Major, o.Major), cmp.Compare(v.Minor, o.Minor), cmp.Compare(v.Patch, o.Patch)); c != 0 {
		return c
	}
	switch {
	case v.Pre == o.Pre:
		return 0
	case v.Pre == "":
		return 1
	case o.Pre == "":
		return -1
	}
	return strings.Compare(v.Pre, o.Pre)
}

// PreviousRelease returns the release before tag on tag's line, among
// tags: for a maintenance release (x.y.z, z > 0, or its pre-release) the
// greatest x.y.w with w < z; for a feature release (x.y.0) the greatest
// earlier x'.y'.0. Pre-releases and tags that are no version are never
// the answer, so v2.44.0 follows v2.43.0, not v2.44.0-rc2 nor v2.43.3.
// ok is false when there is none (or tag is no version).
func PreviousRelease(tags []string, tag string) (string, bool) {
	cur, ok := ParseVersion(tag)
	if !ok {
		return "", false
	}
	best, bestV, found := "", Version{}, false
	for _, t := range tags {
		v, ok := ParseVersion(t)
		if !ok || v.Pre != "" || v.compare(Version{Major: cur.Major, Minor: cur.Minor, Patch: cur.Patch}) >= 0 {
			continue
		}
		if cur.Patch > 0 && (v.Major != cur.Major || v.Minor != cur.Minor) {
			continue
		}
		if cur.Patch == 0 && v.Patch != 0 {
			continue
		}
		if !found || v.compare(bestV) > 0 {
			best, bestV, found = t, v, true
		}
	}
	return best, found
}

// LatestRelease returns the greatest feature release (x.y.0) among tags:
// where a line of development's unreleased changes start.
func LatestRelease(tags []string) (string, bool) {
	best, bestV, found := "", Version{}, false
	for _, t := range tags {
		if v, ok := ParseVersion(t); ok && v.Pre == "" && v.Patch == 0 && (!found || v.compare(bestV) > 0) {
			best, bestV, found = t, v, true
		}
	}
	return best, found
}

// ReleaseReader is implemented by providers that read a release's changes
// from history by revision range rather than by date (plain git).
type ReleaseReader interface {
	// ReleaseActivity returns the commits of release tag of repo since
	// the release before it on its line (see PreviousRelease), or, with
	// tag empty, the default branch's commits since the latest feature
	// release (see LatestRelease); and that earlier release, nil if there
	// is none (then all of tag's history, up to MaxItems commits).
	ReleaseActivity(ctx context.Context, repo, tag string) ([]Item, *Release, error)
}
