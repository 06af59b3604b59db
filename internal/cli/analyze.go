package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/reports"
)

// analyses are the reports `analyze` can print as a table.
var analyses = []string{"summary", "commits", "heatmap", "contributors", "churn", "activity", "punchcard", "authors", "ownership", "coupling"}

// flagNames maps query parameters to the flags that set them, so that
// validation errors name what the user typed.
var flagNames = map[string]string{
	query.ParamRepoURL: "repository", query.ParamPage: "--page", query.ParamLimit: "--limit",
	query.ParamFromDate: "--from", query.ParamToDate: "--to", query.ParamAuthor: "--author",
	query.ParamAuthors: "--authors", query.ParamMinChanges: "--min-changes",
	query.ParamExtensions: "--extensions", query.ParamPaths: "--paths", query.ParamTimePeriod: "--period",
	query.ParamGroupBy: "--group-by", query.ParamDepth: "--depth",
	query.ParamExcludeBots: "--exclude-bots", query.ParamExclude: "--exclude",
	query.ParamMinShared: "--min-shared", query.ParamMaxFiles: "--max-files",
}

type analyzeFlags struct {
	params      map[string]*string
	excludeBots bool
	json        bool
	table       bool
	top         int
	timeout     time.Duration
}

// DefaultTop is how many files `analyze churn` lists on a terminal
// without --top.
const DefaultTop = 20

func newAnalyze(g *globals) *cobra.Command {
	f := &analyzeFlags{params: map[string]*string{}}
	cmd := &cobra.Command{
		Use:   "analyze <repository> <" + strings.Join(analyses, "|") + ">",
		Short: "Answer a question about a repository's history",
		Long: `Analyze a repository given as a URL (https://github.com/owner/name) or a local path
(read in place). The first run mirrors and indexes it; later runs reuse the index.
--json prints exactly the body the HTTP API returns for the same question.

On a terminal, heatmap draws a calendar (weeks by weekday, as GitHub does) of the
365 days ending at the last commit, or of --from/--to; --table prints its rows
instead, as it does when the output is not a terminal. churn lists the 20 most
changed files on a terminal (--top N for another number, --top 0 for all), and all
of them when the output is not a terminal.`,
		Example: "  gitpulse analyze . summary\n  gitpulse analyze https://github.com/jonasyr/gitray churn --extensions ts,tsx --min-changes 10",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("analyze takes a repository and one of %s", strings.Join(analyses, ", "))}
			}
			if !slices.Contains(analyses, args[1]) {
				return usageError{fmt.Errorf("unknown analysis %q: choose one of %s", args[1], strings.Join(analyses, ", "))}
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return nil, cobra.ShellCompDirectiveDefault // a path, or a URL typed out
			}
			if len(args) == 1 {
				return analyses, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			report, _ := reports.Find(args[1])
			if cmd.Flags().Changed("top") && f.json {
				return usageError{errors.New("--top shortens tables; with --json use --limit")}
			}
			if f.top < 0 {
				return usageError{errors.New("--top must be 0 (all) or more")}
			}
			if !cmd.Flags().Changed("top") {
				f.top = -1
			}
			return f.run(cmd.Context(), g, args[0], report)
		},
	}
	fl := cmd.Flags()
	for _, p := range []struct{ param, flag, help string }{
		{query.ParamFromDate, "from", "only commits authored on or after this date (YYYY-MM-DD or ISO 8601 date-time)"},
		{query.ParamToDate, "to", "only commits authored on or before this date (a date includes the whole day)"},
		{query.ParamAuthor, "author", "only this author (case-insensitive part of name or email)"},
		{query.ParamAuthors, "authors", "only these authors, comma-separated"},
		{query.ParamExtensions, "extensions", "churn, ownership, coupling: only these file extensions, comma-separated (ts,tsx)"},
		{query.ParamPaths, "paths", "churn, ownership, coupling: only paths under these prefixes, comma-separated"},
		{query.ParamMinChanges, "min-changes", "churn: only files with at least this many changed lines (1-1000)"},
		{query.ParamPage, "page", "commits: page number (1-1000)"},
		{query.ParamLimit, "limit", "commits: commits per page (1-100); churn: only this many files, most changed first (default all); coupling: pairs (default 50)"},
		{query.ParamTimePeriod, "period", "heatmap, activity: day, week or month (default: from the range's length)"},
		{query.ParamGroupBy, "group-by", "churn: directory adds totals per directory"},
		{query.ParamDepth, "depth", "churn --group-by directory, ownership: path components per directory (1-10, default 1)"},
		{query.ParamMinShared, "min-shared", "coupling: least commits a pair shares (1-1000, default 3)"},
		{query.ParamMaxFiles, "max-files", "coupling: leave out commits that changed more files than this (2-10000, default 50)"},
		{query.ParamExclude, "exclude", "leave files matching these patterns out of file and line counts, comma-separated (vendor/,*.min.js; default: the documented vendored, generated and lock files)"},
	} {
		f.params[p.param] = fl.String(p.flag, "", p.help)
	}
	fl.BoolVar(&f.excludeBots, "exclude-bots", false, "leave out bot authors (dependabot[bot], renovate-bot, ...)")
	fl.BoolVar(&f.json, "json", false, "print the HTTP API's JSON body instead of a table")
	fl.BoolVar(&f.table, "table", false, "heatmap: print rows, not the calendar a terminal gets")
	fl.IntVar(&f.top, "top", DefaultTop, "churn: list this many files, most changed first; 0: all (default 20 on a terminal, all otherwise)")
	completeValues(cmd, "period", analytics.PeriodDay, analytics.PeriodWeek, analytics.PeriodMonth)
	completeValues(cmd, "group-by", query.GroupDirectory)
	fl.DurationVar(&f.timeout, "timeout", 0, "give up after this long (0: no limit)")
	return cmd
}

func (f *analyzeFlags) run(ctx context.Context, g *globals, repo string, report reports.Report) error {
	now := time.Now()
	params := url.Values{query.ParamRepoURL: {repo}}
	for name, v := range f.params {
		if *v != "" {
			params.Set(name, *v)
		}
	}
	if f.excludeBots {
		params.Set(query.ParamExcludeBots, "true")
	}
	req, err := query.Parse(params, now)
	var verrs query.Errors
	if errors.As(err, &verrs) {
		msgs := make([]string, len(verrs))
		for i, e := range verrs {
			msgs[i] = flagNames[e.Field] + " " + e.Message
		}
		return usageError{errors.New(strings.Join(msgs, "; "))}
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	svc, err := g.openService(ctx)
	if err != nil {
		return err
	}
	defer svc.Close()

	bar := newProgress(g.stderr)
	defer bar.finish()
	r, err := svc.Prepare(ctx, req.RepoURL, nil)
	if err != nil {
		return err
	}
	if _, err := watch(ctx, bar, r, func() (struct{}, error) { return struct{}{}, r.Ready(ctx) }); err != nil {
		return err
	}
	view := r.View()
	if report.NeedsStats {
		if view, err = watch(ctx, bar, r, func() (*analytics.View, error) { return r.WaitStatsFor(ctx, report.Dates(req, now)) }); err != nil {
			return err
		}
	}
	bar.finish()
	d := display{top: f.top}
	if g.terminal && !f.json {
		d.calendar = !f.table
		if d.top < 0 {
			d.top = DefaultTop
		}
	}
	if d.calendar && report.Name == "heatmap" && req.Filter.From.IsZero() && req.Filter.To.IsZero() {
		// The year to the last commit, as the dashboard shows it: the
		// year to today is blank for a repository at rest.
		if last := view.Summary(reports.Info(r.Info), now, false).LastCommit; last != nil {
			req.Filter.To = last.Date
		}
	}
	body := report.Answer(view, req, reports.Info(r.Info), now)
	if f.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(body)
	}
	return printTable(g.stdout, body, d)
}

// display says how a report is shown beyond its body.
type display struct {
	// calendar draws a heatmap of days as a calendar instead of rows.
	calendar bool
	// top is how many churn files to list; 0 or less lists all.
	top int
}

// printTable prints a report's body as a table (a heatmap of days as a
// calendar if d says so).
func printTable(w io.Writer, body any, d display) error {
	switch b := body.(type) {
	case analytics.SummaryResponse:
		return printSummary(w, b.Summary)
	case analytics.CommitsPage:
		return printCommits(w, b)
	case analytics.HeatmapResponse:
		if d.calendar && b.HeatmapData.TimePeriod == analytics.PeriodDay && len(b.HeatmapData.Data) <= maxCalendarDays {
			return printCalendar(w, b.HeatmapData)
		}
		return printHeatmap(w, b.HeatmapData)
	case analytics.ContributorsResponse:
		return printContributors(w, b.Contributors)
	case analytics.ChurnResponse:
		return printChurn(w, b.ChurnData, d.top)
	case analytics.ActivityResponse:
		return printActivity(w, b.Activity)
	case analytics.PunchcardResponse:
		return printPunchcard(w, b.Punchcard)
	case analytics.AuthorsResponse:
		return printAuthors(w, b)
	case analytics.OwnershipResponse:
		return printOwnership(w, b.Ownership)
	case analytics.CouplingResponse:
		return printCoupling(w, b.Coupling)
	}
	return fmt.Errorf("no table for %T", body)
}

// tableWriter aligns tab-separated cells in columns and keeps the first
// write error, so that a table fails once, at flush, not on every line.
type tableWriter struct {
	tw  *tabwriter.Writer
	err error
}

func table(w io.Writer) *tableWriter {
	return &tableWriter{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
}

// printf writes one formatted piece of the table.
func (t *tableWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.tw, format, args...)
	}
}

// flush writes out the table and returns the first error.
func (t *tableWriter) flush() error {
	if t.err != nil {
		return t.err
	}
	return t.tw.Flush()
}

func printSummary(w io.Writer, s analytics.Summary) error {
	t := table(w)
	repo := s.Repository
	name := repo.Name
	if repo.Owner != "" {
		name = repo.Owner + "/" + name
	}
	t.printf("Repository\t%s (%s)\n", name, repo.Platform)
	t.printf("Branch\t%s\n", repo.DefaultBranch)
	if s.Created != nil {
		t.printf("Created\t%s (%s old)\n", s.Created.Date.Format(time.DateOnly), s.Age.Formatted)
	}
	if lc := s.LastCommit; lc != nil {
		t.printf("Last commit\t%s %s by %s (%s)\n", lc.Date.Format(time.DateOnly), short(lc.SHA), lc.Author, lc.RelativeTime)
	}
	t.printf("Commits\t%d\n", s.Stats.TotalCommits)
	t.printf("Contributors\t%d\n", s.Stats.Contributors)
	t.printf("Status\t%s\n", s.Stats.Status)
	return t.flush()
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

func printCommits(w io.Writer, p analytics.CommitsPage) error {
	t := table(w)
	t.printf("COMMIT\tDATE\tAUTHOR\t+\t-\tMESSAGE\n")
	for _, c := range p.Commits {
		add, del := "", ""
		if c.Stats != nil {
			add, del = strconv.Itoa(c.Stats.Additions), strconv.Itoa(c.Stats.Deletions)
		}
		t.printf("%s\t%s\t%s\t%s\t%s\t%s\n", short(c.SHA), c.Date.Format(time.DateOnly), c.Author.Name, add, del, oneLine(c.Message, 72))
	}
	t.printf("page %d, %d of %d commits\n", p.Page, len(p.Commits), p.Total)
	if p.StatsPending {
		t.printf("line statistics are still being indexed; run again for + and -\n")
	}
	return t.flush()
}

// oneLine makes a subject safe for a terminal table: control characters
// become spaces and long ones are cut.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

func printHeatmap(w io.Writer, h analytics.HeatmapData) error {
	t := table(w)
	peak := 1
	for _, p := range h.Data {
		peak = max(peak, p.Count)
	}
	t.printf("%s\tCOMMITS\tAUTHORS\t\n", strings.ToUpper(h.TimePeriod))
	for _, p := range h.Data {
		t.printf("%s\t%d\t%d\t%s\n", p.Date, p.Count, p.Authors, strings.Repeat("█", (p.Count*40+peak-1)/peak))
	}
	t.printf("%d commits from %s to %s\n", h.Metadata.TotalCommits, h.Metadata.DateRange.Start, h.Metadata.DateRange.End)
	return t.flush()
}

func printContributors(w io.Writer, cs []analytics.Contributor) error {
	for _, c := range cs {
		if _, err := fmt.Fprintln(w, oneLine(c.Login, 100)); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d contributors\n", len(cs))
	return err
}

// printChurn prints the churn of files, the top most changed if top > 0,
// then the directories if grouped.
func printChurn(w io.Writer, c analytics.ChurnData, top int) error {
	t := table(w)
	t.printf("CHANGES\t+\t-\tCOMMITS\tRISK\tPATH\n")
	files := c.Files
	if top > 0 && len(files) > top {
		files = files[:top] // most changed first
	}
	for _, f := range files {
		t.printf("%d\t%d\t%d\t%d\t%s\t%s\n", f.Changes, f.Additions, f.Deletions, f.Commits, f.RiskLevel, oneLine(f.Path, 120))
	}
	if len(files) < c.Summary.TotalFiles {
		t.printf("%d of %d files shown (--top N for more, --top 0 for all)\n", len(files), c.Summary.TotalFiles)
	}
	t.printf("%d files, %d at high or critical risk, %.1f changed lines on average (%s to %s)\n",
		c.Summary.TotalFiles, c.Summary.HighRiskFiles, c.Summary.AverageChanges, c.Metadata.DateRange.Start, c.Metadata.DateRange.End)
	if c.Directories != nil {
		t.printf("\nCHANGES\t+\t-\tCOMMITS\tFILES\tDIRECTORY\n")
		for _, d := range c.Directories {
			t.printf("%d\t%d\t%d\t%d\t%d\t%s\n", d.Changes, d.Additions, d.Deletions, d.Commits, d.Files, oneLine(d.Path, 120))
		}
	}
	return t.flush()
}

func printActivity(w io.Writer, a analytics.ActivityData) error {
	t := table(w)
	t.printf("%s\tCOMMITS\t+\t-\tAUTHORS\n", strings.ToUpper(a.TimePeriod))
	for _, p := range a.Data {
		t.printf("%s\t%d\t%d\t%d\t%d\n", p.Date, p.Commits, p.Additions, p.Deletions, p.Authors)
	}
	m := a.Metadata
	t.printf("%d commits, +%d -%d, from %s to %s\n", m.TotalCommits, m.TotalAdditions, m.TotalDeletions, m.DateRange.Start, m.DateRange.End)
	if a.StatsPending {
		t.printf("line statistics are still being indexed; run again for + and -\n")
	}
	return t.flush()
}

func printPunchcard(w io.Writer, p analytics.PunchcardData) error {
	t := table(w)
	t.printf("HOUR")
	for h := range 24 {
		t.printf("\t%d", h)
	}
	t.printf("\n")
	for d, name := range []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"} {
		t.printf("%s", name)
		for _, c := range p.Data[d*24 : d*24+24] {
			t.printf("\t%d", c.Commits)
		}
		t.printf("\n")
	}
	t.printf("%d commits, in each author's own time zone\n", p.TotalCommits)
	return t.flush()
}

func printAuthors(w io.Writer, a analytics.AuthorsResponse) error {
	t := table(w)
	t.printf("COMMITS\t+\t-\tFIRST\tLAST\tAUTHOR\n")
	day := func(d *time.Time) string {
		if d == nil {
			return "?"
		}
		return d.Format(time.DateOnly)
	}
	for _, s := range a.Authors {
		t.printf("%d\t%d\t%d\t%s\t%s\t%s\n", s.Commits, s.Additions, s.Deletions, day(s.FirstCommit), day(s.LastCommit), oneLine(s.Name, 100))
	}
	t.printf("%d authors\n", len(a.Authors))
	if a.StatsPending {
		t.printf("line statistics are still being indexed; run again for + and -\n")
	}
	return t.flush()
}

func printOwnership(w io.Writer, o analytics.OwnershipData) error {
	t := table(w)
	t.printf("CHANGES\tFILES\tAUTHORS\tTOP SHARE\tBUS FACTOR\tTOP AUTHORS\tDIRECTORY\n")
	row := func(d analytics.DirectoryOwnership) {
		names := make([]string, len(d.TopAuthors))
		for k, a := range d.TopAuthors {
			names[k] = fmt.Sprintf("%s %.1f%%", oneLine(a.Name, 40), a.Share*100)
		}
		t.printf("%d\t%d\t%d\t%.1f%%\t%d\t%s\t%s\n", d.Changes, d.Files, d.Authors, d.TopShare*100, d.BusFactor, strings.Join(names, ", "), oneLine(d.Path, 120))
	}
	for _, d := range o.Directories {
		row(d)
	}
	t.printf("\nwhole selection:\n")
	row(o.Summary)
	t.printf("bus factor: authors who must leave before more than half of the files have no active author (one with at least %.0f%% of the lines of a file's top author); %s to %s\n",
		o.Metadata.ActiveShare*100, o.Metadata.DateRange.Start, o.Metadata.DateRange.End)
	return t.flush()
}

func printCoupling(w io.Writer, c analytics.CouplingData) error {
	t := table(w)
	t.printf("SHARED\tCONFIDENCE\tSUPPORT\tCOMMITS\tPATH\tCOUPLED PATH\n")
	for _, p := range c.Pairs {
		t.printf("%d\t%.1f%%\t%.2f%%\t%d/%d\t%s\t%s\n", p.SharedCommits, p.Confidence*100, p.Support*100, p.PathCommits, p.CoupledCommits, oneLine(p.Path, 80), oneLine(p.CoupledPath, 80))
	}
	s := c.Summary
	t.printf("%d of %d pairs sharing at least %d commits, over %d commits (%d with more than %d files left out), %s to %s\n",
		len(c.Pairs), s.Pairs, c.Metadata.Options.MinShared, s.Commits, s.BulkCommits, c.Metadata.Options.MaxFiles, c.Metadata.DateRange.Start, c.Metadata.DateRange.End)
	return t.flush()
}
