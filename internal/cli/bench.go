package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/index"
)

type benchFlags struct {
	runs      int
	back      int
	queryRuns int
	slowest   int
	slowRuns  int
	clone     bool
	index     string
	churn     bool
}

func newBench(g *globals) *cobra.Command {
	f := &benchFlags{}
	cmd := &cobra.Command{
		Use:   "bench <local repository>",
		Short: "Time gitpulse against git itself on one repository",
		Long: `bench times, on one local repository and in one run: git log without diffs against
index pass 1; git log --numstat against the full index (both passes); saving, loading
and extending the index; and every analytics query over many filter combinations.
It prints medians and the ratios to git. Indexing starts at the nearest first-parent
ancestor of HEAD with at least --back commits after it, so that extending to HEAD can be
timed; git is timed on the same history. Last, a cold sequence from the saved index:
load, summary, commits page 1, a new churn filter, a new contributors filter.
With --index naming an index saved by an earlier run, only loading, the queries and
the cold sequence are timed (for histories whose build takes long).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd.Context(), g, args[0])
		},
	}
	cmd.AddCommand(newBenchRecap(g))
	cmd.Flags().IntVar(&f.runs, "runs", 5, "runs of each fast step (medians are printed)")
	cmd.Flags().IntVar(&f.slowRuns, "slow-runs", 3, "runs of git log --numstat and of the full index, in turns")
	cmd.Flags().IntVar(&f.back, "back", 100, "index from a first-parent ancestor at least this many commits behind HEAD, then time extending it to HEAD")
	cmd.Flags().IntVar(&f.queryRuns, "query-runs", 2, "runs of each query with each of the 120 filter combinations")
	cmd.Flags().IntVar(&f.slowest, "slowest", 0, "also print each query's N filter combinations whose fastest runs were the slowest")
	cmd.Flags().StringVar(&f.index, "index", "", "an index file: when it exists, time only loading it, the queries and the cold sequence; otherwise save the index built there")
	cmd.Flags().BoolVar(&f.clone, "first-answer", true, "also time the first summary of the repository as a never-seen file:// URL, clone included (the source should set uploadpack.allowFilter)")
	cmd.Flags().BoolVar(&f.churn, "first-churn", true, "also time the first churn of the year before the head's author date of the repository as a never-seen file:// URL, clone included (the source should set uploadpack.allowFilter and uploadpack.allowAnySHA1InWant)")
	return cmd
}

// benchRow is one line of the report.
type benchRow struct {
	what, value, target string
}

func (f *benchFlags) run(ctx context.Context, g *globals, repo string) error {
	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return err
	}
	gitDir, err := git.GitDir(ctx, repo)
	if err != nil {
		return err
	}
	var rows []benchRow
	add := func(what, value, target string) {
		rows = append(rows, benchRow{what, value, target})
		g.note("  %s: %s", what, value)
	}
	g.note("benchmarking %s (%d CPUs)", gitDir, runtime.NumCPU())
	var full *index.Index
	path := f.index
	if _, err := os.Stat(path); path == "" || err != nil {
		if path == "" {
			dir, err := os.MkdirTemp("", "gitpulse-bench-")
			if err != nil {
				return err
			}
			defer g.removeTemp(dir)
			path = filepath.Join(dir, "index")
		}
		if full, err = f.build(ctx, g, git, gitDir, path, add); err != nil {
			return err
		}
	} else if full, err = index.Load(path); err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	add("index file", fmt.Sprintf("%.1f MB (%d commits, %d file changes)", float64(st.Size())/1e6, full.Len(), len(full.ChangePath)), "<= 60 MB"+forGitGit)
	tLoad := median(f.runs, func() error { _, err := index.Load(path); return err })
	add("load index", seconds(tLoad), "<= 0.5 s")
	heap, err := heapAfterLoad(path)
	if err != nil {
		return err
	}
	add("heap after load", fmt.Sprintf("%.1f MB", heap), "<= 150 MB"+forGitGit)

	// Queries.
	var worst time.Duration
	v := analytics.NewView(full)
	for _, q := range benchQueries(v, f.queryRuns, f.slowest) {
		add("query "+q.name, fmt.Sprintf("p50 %s  p99 %s  p99 of bests %s  (%d runs, %d filters)",
			millis(q.P50), millis(q.P99), millis(q.Best99), q.N, benchFilterCount), "p99 <= 10 ms")
		worst = max(worst, q.P99)
		for _, c := range q.slowest {
			g.note("    case %d: best %s: %s", c.k, millis(c.best), c.c)
		}
	}
	add("queries: the worst p99", millis(worst), "<= 10 ms")
	cold, err := coldSequence(path, f.runs)
	if err != nil {
		return err
	}
	for _, c := range cold {
		add("cold: "+c.name, millis(c.d), "")
	}

	t := table(g.stdout)
	t.printf("MEASURE\tRESULT\tTARGET\n")
	for _, r := range rows {
		t.printf("%s\t%s\t%s\n", r.what, r.value, r.target)
	}
	return t.flush()
}

// gitLog runs git log on rev with args and drains its output, as a
// program reading git would.
func gitLog(ctx context.Context, git *gitcli.Git, gitDir, rev string, args ...gitcli.Arg) error {
	return git.Command(gitDir).Args("log").Args(args...).AddRevisions(rev).Stream(ctx, func(r *os.File) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
}

// pairTimes are runs of a baseline (git) and of gitpulse, in turns.
type pairTimes struct {
	wallA, wallB, cpuA, cpuB []time.Duration
}

// pairs runs a (git) and b (gitpulse) n times in turns and records each
// run's wall time and CPU time (user + system, of this process and the
// children it waited for). After a failure the runs stop.
func pairs(n int, a, b func() error) pairTimes {
	var p pairTimes
	run := func(fn func() error, wall, cpu *[]time.Duration) bool {
		c0, t0 := gitcli.CPUTime(), time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return false
		}
		*wall = append(*wall, time.Since(t0))
		*cpu = append(*cpu, gitcli.CPUTime()-c0)
		return true
	}
	for range max(n, 1) {
		if !run(a, &p.wallA, &p.cpuA) || !run(b, &p.wallB, &p.cpuB) {
			break
		}
	}
	return p
}

// baseline describes the baseline's runs.
func (p pairTimes) baseline() string {
	if len(p.wallA) == 0 {
		return "failed"
	}
	return fmt.Sprintf("%s wall, %s CPU (medians of %d)", seconds(middle(p.wallA)), seconds(middle(p.cpuA)), len(p.wallA))
}

// String describes gitpulse's runs with the medians of the pairs' ratios
// and their range.
func (p pairTimes) String() string {
	if len(p.wallB) == 0 {
		return "failed"
	}
	rs := func(a, b []time.Duration) []float64 {
		out := make([]float64, len(b))
		for i := range b {
			out[i] = ratio(b[i], a[i])
		}
		slices.Sort(out)
		return out
	}
	w, c := rs(p.wallA, p.wallB), rs(p.cpuA, p.cpuB)
	return fmt.Sprintf("%s = %.2fx wall (%.2f-%.2f), %s CPU = %.2fx (%.2f-%.2f), medians of %d pairs",
		seconds(middle(p.wallB)), w[len(w)/2], w[0], w[len(w)-1], seconds(middle(p.cpuB)), c[len(c)/2], c[0], c[len(c)-1], len(w))
}

// median runs fn n times and returns the median duration; an error is
// returned as a zero duration after the first failure.
func median(n int, fn func() error) time.Duration {
	var ds []time.Duration
	for range max(n, 1) {
		start := time.Now()
		if err := fn(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 0
		}
		ds = append(ds, time.Since(start))
	}
	return middle(ds)
}

// middle returns the median of ds.
func middle(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// forGitGit qualifies the targets set for a history of git/git's size
// (82k commits): an index and its heap grow with the history.
const forGitGit = " (for git/git's 82k commits)"

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func millis(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// heapAfterLoad loads the index again and reports, in MB, the live heap
// that copy holds: the heap after loading it less the heap before (which
// holds the bench's own copy, among others).
func heapAfterLoad(path string) (float64, error) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	x, err := index.Load(path)
	if err != nil {
		return 0, err
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(x)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / 1e6, nil
}

// firstAnswer times a never-seen repository from nothing to its summary:
// commits-only clone into an empty data directory, pass 1, summary.
func (g *globals) firstAnswer(ctx context.Context, git *gitcli.Git, gitDir string) (time.Duration, int, error) {
	var commits int
	d, _, err := g.fromNothing(ctx, git, gitDir, func(r *history.Repo) error {
		commits = r.View().Summary(analytics.RepoInfo{}, time.Now(), false).Stats.TotalCommits
		return nil
	})
	return d, commits, err
}

// firstChurn times a never-seen repository from nothing to the churn of
// the year before its head's author date, as a first request for it
// would wait for: commits-only clone, pass 1, then the line statistics
// that cover the year. It also says how long each step took, and the CPU
// time of gitpulse and of the processes it waited for (the git server's
// over file:// among them), which shares this machine's cores.
func (g *globals) firstChurn(ctx context.Context, git *gitcli.Git, gitDir string) (time.Duration, int, string, error) {
	var files int
	cpu := gitcli.CPUTime()
	d, steps, err := g.fromNothing(ctx, git, gitDir, func(r *history.Repo) error {
		f := analytics.Filter{From: r.View().Index().AuthorDate(0).AddDate(-1, 0, 0)}
		v, err := r.WaitStatsFor(ctx, f)
		if err != nil {
			return err
		}
		files = len(v.Churn(f).Files)
		return nil
	})
	if err != nil {
		return 0, 0, "", err
	}
	cpu = gitcli.CPUTime() - cpu
	return d, files, steps.describe([][2]string{{"mirror_cloned", "clone"}, {"metadata", "pass 1"},
		{"prefetch", "fetching the year's trees and blobs"}, {"linestats_recent", "reading its statistics"}}) +
		fmt.Sprintf("; %s of CPU with the git server's, on %d cores", seconds(cpu), runtime.NumCPU()), nil
}

// fromNothing times opening gitDir as a never-seen file:// URL, in an
// empty data directory, and then answer; it also returns the steps the
// service timed meanwhile.
func (g *globals) fromNothing(ctx context.Context, git *gitcli.Git, gitDir string, answer func(*history.Repo) error) (time.Duration, stepTimes, error) {
	dataDir, err := os.MkdirTemp("", "gitpulse-bench-data-")
	if err != nil {
		return 0, nil, err
	}
	defer g.removeTemp(dataDir)
	reg := prometheus.NewRegistry()
	svc, err := history.New(git, history.Options{DataDir: dataDir, Policy: cliPolicy(), Registry: reg})
	if err != nil {
		return 0, nil, err
	}
	// Close stops the completion and pass 2 that run on after the answer.
	defer svc.Close()
	start := time.Now()
	r, err := svc.Open(ctx, "file://"+gitDir, nil)
	if err != nil {
		return 0, nil, err
	}
	if err := answer(r); err != nil {
		return 0, nil, err
	}
	d := time.Since(start)
	return d, gatherSteps(reg), nil
}

// stepTimes is the time each step of preparing a repository took (the
// step label of gitpulse_repository_step_seconds, summed).
type stepTimes map[string]time.Duration

// gatherSteps reads the step times the service recorded into reg.
func gatherSteps(reg *prometheus.Registry) stepTimes {
	steps := stepTimes{}
	families, _ := reg.Gather() // a partial result is still worth showing
	for _, f := range families {
		if f.GetName() != "gitpulse_repository_step_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "step" {
					steps[l.GetValue()] += time.Duration(m.GetHistogram().GetSampleSum() * float64(time.Second))
				}
			}
		}
	}
	return steps
}

// describe lists the named steps that were timed, each as "name 1.234 s".
func (s stepTimes) describe(names [][2]string) string {
	var parts []string
	for _, n := range names {
		if d, ok := s[n[0]]; ok {
			parts = append(parts, n[1]+" "+seconds(d))
		}
	}
	return strings.Join(parts, ", ")
}

// baseBehind returns the nearest first-parent ancestor of HEAD ("HEAD~k")
// that leaves at least n commits between it and HEAD, or "HEAD" for n == 0.
func baseBehind(ctx context.Context, git *gitcli.Git, gitDir string, n int) (string, error) {
	if n <= 0 {
		return "HEAD", nil
	}
	for k := 1; k <= n; k++ {
		rev := fmt.Sprintf("HEAD~%d", k)
		count, err := git.CountCommits(ctx, gitDir, "HEAD", rev)
		if err != nil {
			return "", fmt.Errorf("history is shorter than %d commits: %w", n, err)
		}
		if count >= n {
			return rev, nil
		}
	}
	return fmt.Sprintf("HEAD~%d", n), nil
}

// build times pass 1 and the full index against git, extending the index
// to HEAD and the first answer, and saves the index at HEAD to path and
// returns it.
func (f *benchFlags) build(ctx context.Context, g *globals, git *gitcli.Git, gitDir, path string, add func(what, value, target string)) (*index.Index, error) {
	base, err := baseBehind(ctx, git, gitDir, f.back)
	if err != nil {
		return nil, err
	}
	g.note("indexing from %s", base)
	// Pass 1 against git log without diffs, then the full index against
	// git log --numstat: each pair runs back to back, so both see the same
	// machine, and the median of the pairs' ratios is the fairest figure
	// on a noisy one. CPU counts this process and the git it waited for.
	b := &index.Builder{Git: git, Rev: base}
	var meta *index.Index
	p1 := pairs(f.runs,
		func() error { return gitLog(ctx, git, gitDir, base, gitcli.MetadataFormat) },
		func() (err error) { meta, err = b.Metadata(ctx, gitDir, nil); return err })
	if meta == nil {
		return nil, fmt.Errorf("pass 1 failed")
	}
	add("git log (no diffs)", p1.baseline(), "")
	add("pass 1: commit metadata", p1.String(), "<= 1.15x wall and CPU")

	var full *index.Index
	p2 := pairs(f.slowRuns,
		func() error { return gitLog(ctx, git, gitDir, base, "--numstat", "--format=%H") },
		func() (err error) { full, err = b.Build(ctx, gitDir, nil); return err })
	if full == nil {
		return nil, fmt.Errorf("full index failed")
	}
	add("git log --numstat", p2.baseline(), "")
	add("full index (both passes)", p2.String(), "<= 0.55x wall, <= 1.0x CPU")

	// Extending to HEAD.
	if f.back > 0 {
		up := &index.Builder{Git: git}
		var ext *index.Index
		tExt := median(1, func() (err error) { ext, _, err = up.Update(ctx, gitDir, full, nil); return err })
		if ext == nil {
			return nil, fmt.Errorf("extending the index failed")
		}
		add(fmt.Sprintf("extend by %d commits (%s..HEAD)", ext.Len()-full.Len(), base), seconds(tExt), "<= 0.5 s")
		full = ext
	}

	if f.clone {
		d, commits, err := g.firstAnswer(ctx, git, gitDir)
		if err != nil {
			return nil, err
		}
		add("first answer: clone over file:// + pass 1 + summary", fmt.Sprintf("%s (%d commits)", seconds(d), commits), "<= 5 s")
	}
	if f.churn {
		d, files, steps, err := g.firstChurn(ctx, git, gitDir)
		if err != nil {
			return nil, err
		}
		add("first churn of 1 year: clone over file:// + line statistics + churn", fmt.Sprintf("%s (%d files; %s)", seconds(d), files, steps), "<= 8 s")
	}

	return full, full.Save(path)
}
