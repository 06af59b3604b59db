package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recapbench"
)

type benchRecapFlags struct {
	tags string
	show bool
}

func newBenchRecap(g *globals) *cobra.Command {
	f := &benchRecapFlags{}
	cmd := &cobra.Command{
		Use:   "recap <local repository>",
		Short: "Score the built-in summariser's release notes against the human notes of real releases",
		Long: `bench recap writes, for each release, the release notes of the built-in summariser (the
commits since the release before it on its line, as "gitpulse recap --mode release --tag"
does) and scores them against the notes people wrote, read from the repository at the tag:
git.git's Documentation/RelNotes/X.Y.Z.txt (each "*" item is one merged topic) or redis'
00-RELEASENOTES (the tag's section). A bullet covers a human item when they cite the same
pull request or the Dice coefficient of their content words reaches ` + fmt.Sprint(recapbench.Threshold) + `;
bullets and items are matched one to one, most similar first.

  recall     share of human items covered by a bullet
  precision  share of bullets that cover a human item
  filler     raw merge subjects, bare tags, "and N more" lumps, padding
  weak       matches with similarity under ` + fmt.Sprint(recapbench.WeakBelow) + ` (the likeliest to be chance)

Releases the summariser was tuned on are totalled apart from those held out.`,
		Example: "  gitpulse bench recap ~/src/git\n  gitpulse bench recap ~/src/redis --tags 7.2.3,7.2.4 --show",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	cmd.Flags().StringVar(&f.tags, "tags", "", "releases to score, comma-separated (default: git.git v2.30.0-v2.43.0, or redis 6.2.x-7.2.x maintenance releases)")
	cmd.Flags().BoolVar(&f.show, "show", false, "also print each release's notes with the human items no bullet covers")
	return cmd
}

func (f *benchRecapFlags) run(ctx context.Context, g *globals, repo string) error {
	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return err
	}
	gitDir, err := git.GitDir(ctx, repo)
	if err != nil {
		return err
	}
	gen, err := recap.New(recap.Config{}) // the built-in summariser, whatever LLM_PROVIDER says
	if err != nil {
		return err
	}
	svc, err := g.openService(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()
	if err := prepareWithProgress(ctx, g, svc, repo); err != nil {
		return err
	}
	p := gitrepo.New(svc, repo)
	tags := query.List(f.tags)
	if len(tags) == 0 {
		refs, err := git.Refs(ctx, gitDir, gitcli.Tags)
		if err != nil {
			return err
		}
		names := make([]string, len(refs))
		for i, r := range refs {
			names[i] = r.Name
		}
		if tags = recapbench.DefaultTags(names); len(tags) == 0 {
			return usageError{fmt.Errorf("%s has none of the default releases; name some with --tags", repo)}
		}
	}
	releases, skipped, err := recapbench.Run(ctx, recapbench.Repository{Git: git, GitDir: gitDir, Releases: p}, gen, tags)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		g.note("skipped (no human notes for them at their tags): %s", strings.Join(skipped, ", "))
	}
	t := table(g.stdout)
	t.printf("RELEASE\tSINCE\tHUMAN\tBULLETS\tMATCHED\tWEAK\tRECALL\tPRECISION\tFILLER\tSET\n")
	for _, r := range releases {
		set := "held out"
		if r.Tuned {
			set = "tuned"
		}
		s := r.Score
		t.printf("%s\t%s\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t%d\t%s\n", r.Tag, r.Since, s.Human, s.Bullets, s.Matched, s.Weak, 100*s.Recall(), 100*s.Precision(), s.Filler, set)
	}
	tuned, held := recapbench.Totals(releases)
	for _, row := range []struct {
		name string
		s    recapbench.Score
	}{{"all tuned", tuned}, {"all held out", held}} {
		if row.s.Human > 0 {
			t.printf("%s\t\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t%d\t\n", row.name, row.s.Human, row.s.Bullets, row.s.Matched, row.s.Weak, 100*row.s.Recall(), 100*row.s.Precision(), row.s.Filler)
		}
	}
	if err := t.flush(); err != nil {
		return err
	}
	if f.show {
		for _, r := range releases {
			if err := showRelease(g.stdout, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// showRelease prints a release's written notes, marking the bullets that
// cover a human item, and the human items no bullet covers.
func showRelease(w io.Writer, r recapbench.Release) error {
	covered, matched := map[int]bool{}, map[int]bool{}
	for _, p := range r.Score.Pairs {
		matched[p[0]], covered[p[1]] = true, true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n=== %s (since %s)\n", r.Tag, r.Since)
	i := 0
	for line := range strings.Lines(r.Written) {
		if strings.HasPrefix(line, "- ") {
			mark := "  "
			if !matched[i] {
				mark = "? "
			}
			line = mark + line
			i++
		}
		b.WriteString(line)
	}
	b.WriteString("--- human items no bullet covers:\n")
	for j, h := range r.Human {
		if !covered[j] {
			b.WriteString("  * " + h.Text + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
