package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/recap"
)

type recapFlags struct {
	from, to, authors string
	n                 int
	mode              string
}

func newRecap(g *globals) *cobra.Command {
	f := &recapFlags{}
	cmd := &cobra.Command{
		Use:   "recap <repository>",
		Short: "Write a recap of a repository's activity in a period",
		Long: `recap reads the commits of a period and prints a summary as it streams: n bullets
(recap), release notes (--mode release) or a pull-request description (--mode pull_request).
With no LLM_PROVIDER set, a built-in summariser writes it without any network; see the README
for the LLM_* settings.`,
		Example: "  gitpulse recap . --from 2026-11-01 -n 5",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "start of the period (YYYY-MM-DD or ISO 8601; default: 7 days ago)")
	fl.StringVar(&f.to, "to", "", "end of the period, included (default: now)")
	fl.StringVar(&f.authors, "authors", "", "only these authors, comma-separated")
	fl.IntVarP(&f.n, "bullets", "n", 5, "bullets in a recap (1-15)")
	fl.StringVar(&f.mode, "mode", string(recap.ModeRecap), "recap, release or pull_request")
	return cmd
}

func (f *recapFlags) run(ctx context.Context, g *globals, repo string) error {
	now := time.Now()
	from := f.from
	if from == "" {
		from = now.AddDate(0, 0, -7).Format(time.DateOnly)
	}
	params := map[string]string{query.ParamRepoURL: repo, query.ParamFromDate: from, query.ParamToDate: f.to, query.ParamAuthors: f.authors}
	req, err := query.Parse(func(k string) string { return params[k] }, now)
	var verrs query.Errors
	if errors.As(err, &verrs) {
		return usageError{err}
	}
	cfg, err := recap.ConfigFromEnv(os.Getenv)
	if err != nil {
		return usageError{err}
	}
	gen, err := recap.New(cfg)
	if err != nil {
		return usageError{err}
	}
	svc, err := g.openService(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	r, err := svc.Prepare(ctx, req.RepoURL, nil)
	if err != nil {
		return err
	}
	bar := newProgress(g.stderr)
	if _, err := watch(ctx, bar, r, func() (struct{}, error) { return struct{}{}, r.Ready(ctx) }); err != nil {
		return err
	}
	bar.finish()
	page := r.View().Commits(req.Filter, 1, recap.MaxItems)
	items, trimmed := gen.TrimItems(recap.CommitItems(r.Info.Name, page.Commits))
	if len(items) == 0 {
		return fmt.Errorf("no commits in %s between %s and %s", r.Info.Name, from, orNow(f.to))
	}
	if dropped := trimmed + page.Total - len(page.Commits); dropped > 0 {
		fmt.Fprintf(g.stderr, "%d older commits left out to fit the model's budget\n", dropped)
	}
	var last string
	err = gen.GenerateResponse(ctx, recap.Mode(f.mode), recap.RenderActions(items), f.n, func(chunk string) error {
		last = chunk
		_, err := fmt.Fprint(g.stdout, chunk)
		return err
	})
	if errors.Is(err, recap.ErrInvalid) {
		return usageError{err}
	}
	if err == nil && !strings.HasSuffix(last, "\n") {
		fmt.Fprintln(g.stdout)
	}
	return err
}

func orNow(s string) string {
	if s == "" {
		return "now"
	}
	return s
}
