// Package recaps is the recap use case, written once for the command line
// and the HTTP API: sign in to a provider, gather a period's activity (the
// signed-in user's plus the authors asked for), dedupe it, trim it to the
// model's budget and render it as the text a model reads, and gather what
// release notes and a pull-request description are written from. The
// callers parse their own input and say how errors reach the user.
package recaps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/recap"
)

// Defaults and limits of recaps.
const (
	// DefaultDays is the period a recap covers without a start.
	DefaultDays = 7
	// MaxOldReleases bounds how many earlier releases' notes ReleaseNotes
	// reads.
	MaxOldReleases = 20
	// unreleasedDays is the period release notes cover for a repository
	// without releases.
	unreleasedDays = 90
)

// Service runs recaps. It is safe for concurrent use.
type Service struct {
	providers connect.Config
	gen       *recap.Generator
	now       func() time.Time
	listings  flights[[]activity.Item]
	repoLists flights[[]activity.Repo]
}

// New returns a Service that opens sessions' providers with providers
// (its History set for plain-git sessions) and trims and writes with gen;
// now is the clock (nil: time.Now).
func New(providers connect.Config, gen *recap.Generator, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{providers: providers, gen: gen, now: now}
}

// Generator is the writer of recaps.
func (s *Service) Generator() *recap.Generator { return s.gen }

// HTTPClient is the client provider calls go through; nil means each
// provider's default.
func (s *Service) HTTPClient() *http.Client { return s.providers.HTTPClient }

// Open opens sess's provider.
func (s *Service) Open(sess auth.Session) (activity.Provider, error) {
	return s.providers.Open(sess)
}

// SignIn checks the token of sess (a hosted provider's session) with its
// provider at host (the configured address when empty) and returns the
// session with its Host and Username set, and its provider. A host or
// organization the configuration refuses is a fault.Invalid error naming
// the field ("host" or "organization").
func (s *Service) SignIn(ctx context.Context, sess auth.Session, host string) (auth.Session, activity.Provider, error) {
	base, err := s.providers.BaseURL(sess.Provider, host, sess.Organization)
	if err != nil {
		field := "host"
		if sess.Provider == connect.Azure && host == "" {
			field = "organization"
		}
		return auth.Session{}, nil, fault.Fields(fault.FieldError{Field: field, Message: fault.Message(err)})
	}
	sess.Host = base
	p, err := s.providers.Open(sess)
	if err != nil {
		return auth.Session{}, nil, err
	}
	if sess.Username, err = p.User(ctx); err != nil {
		return auth.Session{}, nil, err
	}
	return sess, p, nil
}

// Result is the activity a model writes from: the body of GET /actions
// and GET /release_notes.
type Result struct {
	// Actions is the activity as the text a model reads.
	Actions string `json:"actions"`
	// Items are the activity items Actions shows.
	Items []activity.Item `json:"items"`
	// Total is how many items there were before trimming.
	Total int `json:"total"`
	// Trimmed is how many of the oldest items were left out to fit the
	// token budget (or the item cap).
	Trimmed int `json:"trimmed"`
	// Range is the period the activity was read from.
	Range analytics.DateRange `json:"range"`
	// Authors are the authors whose activity counts; empty (never null)
	// means everyone's.
	Authors []string `json:"authors"`
	// Latest and Previous are, for release notes, the latest release and
	// the older ones asked for.
	Latest   *activity.Release  `json:"latest_release,omitempty"`
	Previous []activity.Release `json:"previous_releases,omitempty"`
}

// Actions reads the activity q selects through p, sess's provider: a
// hosted session's user is added to q's authors (authors add to the
// signed-in user, never replace them). The listing, which may ask a
// provider hundreds of times, is shared by identical calls with the same
// credentials (another session signed in with the same token included)
// and outlives a caller that gives up, so that a retry gets it.
func (s *Service) Actions(ctx context.Context, sess auth.Session, p activity.Provider, q activity.Query) (Result, error) {
	if sess.Provider != connect.Git {
		q = q.WithAuthor(sess.Username)
	}
	key := strings.Join([]string{credentials(sess), q.Since.String(), q.Until.String(), strings.Join(q.Authors, ","), strings.Join(q.Repos, ",")}, "\x00")
	items, err := s.listings.do(ctx, key, func(ctx context.Context) ([]activity.Item, error) {
		return counted(ctx, s.providers.Metrics, "actions", func(ctx context.Context) ([]activity.Item, error) { return p.Activity(ctx, q) })
	})
	if err != nil {
		return Result{}, err
	}
	res := s.render(items)
	res.Range = analytics.DateRange{Start: day(q.Since), End: day(q.Until.Add(-time.Nanosecond))}
	res.Authors = append(res.Authors, q.Authors...)
	return res, nil
}

// Repos lists the repositories sess's provider p can recap. Like Actions'
// listings it is shared by calls with the same credentials and goes on
// when a caller gives up, so a listing slower than one request's deadline
// still ends, and the retry gets it.
func (s *Service) Repos(ctx context.Context, sess auth.Session, p activity.Provider) ([]activity.Repo, error) {
	return s.repoLists.do(ctx, credentials(sess), func(ctx context.Context) ([]activity.Repo, error) {
		return counted(ctx, s.providers.Metrics, "repos", p.Repos)
	})
}

// credentials names what a session reads with: its provider, host,
// organisation and token (hashed), or its repository for a plain-git
// session. Sessions with equal credentials see the same activity, so they
// may share listings; the session id is not part of it.
func credentials(sess auth.Session) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{sess.Provider, sess.Host, sess.Organization, sess.Token, sess.RepoURL}, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// counted runs list, counting the provider requests it makes in m (if not
// nil) as one listing of kind.
func counted[T any](ctx context.Context, m *providers.Metrics, kind string, list func(context.Context) (T, error)) (T, error) {
	if m == nil {
		return list(ctx)
	}
	ctx, calls := providers.CountCalls(ctx)
	out, err := list(ctx)
	m.ObserveListing(kind, calls())
	return out, err
}

// render dedupes items, keeps the newest that fit the item cap and the
// token budget, and renders them.
func (s *Service) render(items []activity.Item) Result {
	items = activity.Dedupe(slices.Clone(items)) // items may be shared by calls
	kept, trimmed := s.gen.TrimItems(items)
	if kept == nil {
		kept = []activity.Item{}
	}
	return Result{Actions: recap.RenderActions(kept), Items: kept, Total: len(items), Trimmed: trimmed, Authors: []string{}}
}

// ReleaseNotes gathers what a release-notes writer reads: the activity of
// repo since its latest release (the last 90 days if it has none), and
// the notes of the old releases before it (0 to MaxOldReleases). A
// provider that reads releases by revision range (plain git) gives the
// commits since the latest release of the default branch's line, or with
// tag, those of release tag since the release before it on its line; a
// tag for another provider is an error wrapping recap.ErrInvalid.
func (s *Service) ReleaseNotes(ctx context.Context, p activity.Provider, repo, tag string, old int) (Result, error) {
	rr, byRange := p.(activity.ReleaseReader)
	if tag != "" && !byRange {
		return Result{}, fault.Errorf(fault.Invalid, "%w: a release tag can be named only for a plain git repository", recap.ErrInvalid)
	}
	rels, err := p.Releases(ctx, repo, old+1)
	if err != nil {
		return Result{}, err
	}
	if byRange {
		items, since, err := rr.ReleaseActivity(ctx, repo, tag)
		if err != nil {
			return Result{}, err
		}
		if since != nil || tag != "" {
			res := s.render(items)
			end := s.now()
			if tag != "" {
				end = time.Time{}
				for _, it := range items {
					end = maxTime(end, it.Date)
				}
			}
			res.Range = analytics.DateRange{End: day(end)}
			if since != nil {
				res.Range.Start = day(since.Date)
			}
			res.Latest = since
			res.Previous = without(rels, since)
			res.Actions += renderReleases(rels)
			return res, nil
		}
	}
	q := activity.Query{Until: s.now()}
	q.Since = q.Until.AddDate(0, 0, -unreleasedDays)
	if repo != "" {
		q.Repos = []string{repo}
	}
	var latest *activity.Release
	if len(rels) > 0 {
		latest = &rels[0]
		q.Since = latest.Date.Add(time.Second) // what came after it
	}
	items, err := p.Activity(ctx, q)
	if err != nil {
		return Result{}, err
	}
	items = slices.DeleteFunc(items, func(it activity.Item) bool { return it.Kind == activity.KindRelease })
	res := s.render(items)
	res.Range = analytics.DateRange{Start: day(q.Since), End: day(q.Until)}
	res.Latest = latest
	if len(rels) > 1 {
		res.Previous = rels[1:]
	}
	res.Actions += renderReleases(rels)
	return res, nil
}

// without returns rels less since.
func without(rels []activity.Release, since *activity.Release) []activity.Release {
	if since == nil {
		return rels
	}
	return slices.DeleteFunc(slices.Clone(rels), func(r activity.Release) bool { return r.Tag == since.Tag })
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// renderReleases appends the earlier releases' notes, for the model to
// follow their style, under headings the activity parser does not read
// as items.
func renderReleases(rels []activity.Release) string {
	var b strings.Builder
	for _, rel := range rels {
		fmt.Fprintf(&b, "\n### Release %s (%s)\n", rel.Tag, day(rel.Date))
		for line := range strings.Lines(strings.TrimSpace(rel.Body)) {
			b.WriteString("> " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// PullRequest gathers what a pull-request description is written from:
// the commits of repo's branch head that branch base lacks. No such
// commits is an error wrapping recap.ErrInvalid.
func (s *Service) PullRequest(ctx context.Context, p activity.Provider, repo, base, head string) (Result, error) {
	items, err := p.Compare(ctx, repo, base, head)
	if err != nil {
		return Result{}, err
	}
	if len(items) == 0 {
		return Result{}, fault.Errorf(fault.Invalid, "%w: branch %q has no commits that %q lacks", recap.ErrInvalid, head, base)
	}
	return s.render(items), nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
