package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
)

// EnvToken holds the provider token of `gitpulse recap --provider`: a
// flag would show it in the process list and shell history.
const EnvToken = "GITPULSE_TOKEN"

type recapFlags struct {
	from, to, authors, repos string
	n                        int
	mode                     string
	provider, host, org      string
	src, target              string
	tag                      string
	sources                  bool // list the topics behind the text
}

func newRecap(g *globals) *cobra.Command {
	f := &recapFlags{}
	cmd := &cobra.Command{
		Use:   "recap [repository]",
		Short: "Write a recap of the activity of a period",
		Long: `recap gathers the activity of a period and prints a summary as it streams: n bullets
(recap), release notes (--mode release) or a pull-request description (--mode pull_request).

Release notes without --from cover what came since the latest release: for a repository,
since the latest feature release tag (x.y.0) on the default branch, or with --tag, release
--tag since the release before it on its line (v2.44.0 since v2.43.0, 7.2.4 since 7.2.3).

Without --provider it reads the commits and tags of one repository (a path or URL). With
--provider github, gitlab or azure it signs in with the token in ` + EnvToken + ` and reads
the commits, pull requests (with their commits), issues and releases of your repositories
(or those --repos names) by you and --authors.

With no LLM_PROVIDER set, a built-in summariser writes it without any network; see the README
for the LLM_* settings.`,
		Example: "  gitpulse recap . --from 2026-11-01 -n 5\n  GITPULSE_TOKEN=ghp_... gitpulse recap --provider github --repos octo/app",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "start of the period (YYYY-MM-DD or ISO 8601; default: 7 days before its end)")
	fl.StringVar(&f.to, "to", "", "end of the period, included (default: now)")
	fl.StringVar(&f.authors, "authors", "", "only these authors, comma-separated (with --provider: besides you)")
	fl.StringVar(&f.repos, "repos", "", "with --provider: only these repositories (full names), comma-separated")
	fl.IntVarP(&f.n, "bullets", "n", 5, "bullets in a recap (1-15)")
	fl.StringVar(&f.mode, "mode", string(recap.ModeRecap), "recap, release or pull_request")
	fl.StringVar(&f.provider, "provider", "", "github, gitlab or azure (token in "+EnvToken+"); default: plain git")
	fl.StringVar(&f.host, "host", "", "with --provider: GitHub Enterprise, GitLab or Azure DevOps Server address")
	fl.StringVar(&f.org, "organization", "", "with --provider azure: the organization")
	fl.StringVar(&f.src, "src", "", "with --mode pull_request: describe this branch's commits that --target lacks")
	fl.StringVar(&f.target, "target", "", "with --src: the branch the pull request goes into")
	fl.BoolVar(&f.sources, "sources", false, "after the text, list the commits behind each bullet (the topics it was written from)")
	fl.StringVar(&f.tag, "tag", "", "with --mode release and a repository: notes of this release tag, since the release before it on its line")
	completeValues(cmd, "mode", string(recap.ModeRecap), string(recap.ModeRelease), string(recap.ModePullRequest))
	completeValues(cmd, "provider", connect.GitHub, connect.GitLab, connect.Azure)
	return cmd
}

func (f *recapFlags) run(ctx context.Context, g *globals, args []string) error {
	since, until, err := query.Period(f.from, f.to, "--from", "--to", 7, time.Now())
	if err != nil {
		return usageError{err}
	}
	gen, err := recap.New(recapConfig(g.cfg))
	if err != nil {
		return usageError{err}
	}
	q := activity.Query{Since: since, Until: until, Authors: query.List(f.authors), Repos: query.List(f.repos)}
	var (
		rs   *recaps.Service
		sess auth.Session
		p    activity.Provider
	)
	if f.provider == "" {
		if len(args) != 1 {
			return usageError{errors.New("give a repository, or --provider with " + EnvToken + " set")}
		}
		svc, err := g.openService(ctx)
		if err != nil {
			return err
		}
		defer svc.Close()
		if err := prepareWithProgress(ctx, g, svc, args[0]); err != nil {
			return err
		}
		rs = recaps.New(connect.Config{History: svc}, gen, nil)
		sess, p = auth.Session{Provider: connect.Git}, gitrepo.New(svc, args[0])
	} else {
		if len(args) != 0 {
			return usageError{errors.New("with --provider, name repositories with --repos, not as an argument")}
		}
		hosts := providerHosts(g.cfg)
		hosts.AnyHost = true // the command line trusts its user: any --host will do
		rs = recaps.New(hosts, gen, nil)
		if sess, p, err = f.signIn(ctx, rs, g.cfg.Token); err != nil {
			return err
		}
		g.note("signed in to %s as %s", sess.Provider, sess.Username)
	}
	res, err := f.gather(ctx, rs, sess, p, q)
	if err != nil {
		return err
	}
	if len(res.Items) == 0 {
		if res.Latest != nil || f.tag != "" {
			return errors.New("no changes in this release")
		}
		return fmt.Errorf("no activity between %s and %s", since.Format(time.DateOnly), orNow(f.to))
	}
	if res.Trimmed > 0 {
		g.note("%d older items left out to fit the model's budget", res.Trimmed)
	}
	var last string
	topics, err := gen.GenerateResponse(ctx, recap.Mode(f.mode), recap.Input{Items: res.Items, Actions: res.Actions}, f.n, func(chunk string) error {
		last = chunk
		_, err := fmt.Fprint(g.stdout, chunk)
		return err
	})
	if errors.Is(err, recap.ErrInvalid) {
		return usageError{err}
	}
	if err == nil && !strings.HasSuffix(last, "\n") {
		_, err = fmt.Fprintln(g.stdout)
	}
	if err == nil && f.sources {
		err = printSources(g.stdout, topics)
	}
	return err
}

// printSources lists what a recap was written from: for each bullet of
// the built-in summariser its topic and commits; for a model's text the
// topics as a whole, tied to no bullet.
func printSources(w io.Writer, topics []recap.Topic) error {
	var b strings.Builder
	b.WriteString("\nSources:\n")
	for _, t := range topics {
		label := "-"
		if t.Bullet > 0 {
			label = fmt.Sprintf("bullet %d:", t.Bullet)
		}
		fmt.Fprintf(&b, "%s %s %q", label, t.Kind, t.Title)
		if t.Number > 0 {
			fmt.Fprintf(&b, " #%d", t.Number)
		}
		fmt.Fprintf(&b, " (commits: %d, +%d -%d)\n", len(t.Commits), t.Additions, t.Deletions)
		for _, c := range t.Commits {
			fmt.Fprintf(&b, "    %s %s (+%d -%d)\n", shortHash(c.SHA), c.Subject, c.Additions, c.Deletions)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shortHash is the first 10 characters of a commit hash, as listed in a
// recap's sources.
func shortHash(sha string) string { return sha[:min(10, len(sha))] }

// gather reads the period's activity; release notes without a period,
// the changes since the latest release (or of --tag); with --src and
// --target, the commits of a pull request.
func (f *recapFlags) gather(ctx context.Context, rs *recaps.Service, sess auth.Session, p activity.Provider, q activity.Query) (recaps.Result, error) {
	if f.tag != "" && (f.mode != string(recap.ModeRelease) || f.provider != "" || f.from != "") {
		return recaps.Result{}, usageError{errors.New("--tag goes with --mode release on a repository, without --from")}
	}
	if f.mode == string(recap.ModeRelease) && f.from == "" && f.to == "" && f.src == "" {
		repo := ""
		if f.provider != "" {
			if len(q.Repos) != 1 {
				return recaps.Result{}, usageError{errors.New("release notes need one repository in --repos (or a period: --from)")}
			}
			repo = q.Repos[0]
		}
		return rs.ReleaseNotes(ctx, p, repo, f.tag, 0)
	}
	if f.src == "" && f.target == "" {
		return rs.Actions(ctx, sess, p, q)
	}
	if f.src == "" || f.target == "" || f.mode != string(recap.ModePullRequest) {
		return recaps.Result{}, usageError{errors.New("--src and --target go together, with --mode pull_request")}
	}
	repo := ""
	if f.provider != "" {
		if len(q.Repos) != 1 {
			return recaps.Result{}, usageError{errors.New("--src and --target need one repository in --repos")}
		}
		repo = q.Repos[0]
	}
	return rs.PullRequest(ctx, p, repo, f.target, f.src)
}

// signIn checks the token of --provider with rs and returns the session
// it opens and its provider.
func (f *recapFlags) signIn(ctx context.Context, rs *recaps.Service, token string) (auth.Session, activity.Provider, error) {
	name, ok := connect.Canonical(f.provider)
	if !ok || name == connect.Git {
		return auth.Session{}, nil, usageError{fmt.Errorf("--provider %q: want github, gitlab or azure", f.provider)}
	}
	if token == "" {
		return auth.Session{}, nil, usageError{fmt.Errorf("--provider %s needs a token in %s", name, EnvToken)}
	}
	s, p, err := rs.SignIn(ctx, auth.Session{Provider: name, Organization: f.org, Token: token}, f.host)
	if fe := fault.From(err); fe.Kind == fault.Invalid && len(fe.Fields) > 0 {
		msgs := make([]string, len(fe.Fields))
		for i, f := range fe.Fields {
			msgs[i] = f.Message
		}
		return auth.Session{}, nil, usageError{errors.New(strings.Join(msgs, "; "))}
	}
	return s, p, err
}

// prepareWithProgress opens repo and waits until its history can be read,
// with a progress bar on a terminal.
func prepareWithProgress(ctx context.Context, g *globals, svc *history.Service, repo string) error {
	r, err := svc.Prepare(ctx, repo, nil)
	if err != nil {
		return err
	}
	bar := newProgress(g.stderr)
	if _, err := watch(ctx, bar, r, func() (struct{}, error) { return struct{}{}, r.Ready(ctx) }); err != nil {
		return err
	}
	bar.finish()
	return nil
}

func orNow(s string) string {
	if s == "" {
		return "now"
	}
	return s
}
