// Package cli is gitpulse's command line: it parses flags and the
// environment, builds the pieces (git, mirrors, index service) and runs a
// subcommand. cmd/gitpulse only calls Execute.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Execute runs the command line given by args (without the program name)
// and returns the process exit code: 0 on success, 1 on failure, 2 for
// bad usage.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "gitpulse:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// usageError marks errors in how the command was called.
type usageError struct{ error }

// Unwrap returns the error being marked.
func (u usageError) Unwrap() error { return u.error }

// globals are the flags every subcommand shares.
type globals struct {
	dataDir       string
	fetchInterval time.Duration
	maxMirrorMB   int64
	verbose       bool
	envErr        error // invalid environment settings, reported before a command runs
	stdout        io.Writer
	stderr        io.Writer
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "gitpulse",
		Short:         "Turn git history into answers",
		Long:          "gitpulse indexes a repository's history once and answers questions about it: commits, activity heatmaps, contributors, code churn and a summary.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if g.envErr != nil {
			return usageError{g.envErr}
		}
		return nil
	}
	root.PersistentFlags().StringVar(&g.dataDir, "data-dir", defaultDataDir(), "where mirrors and indexes are kept (env GITPULSE_DATA_DIR)")
	root.PersistentFlags().DurationVar(&g.fetchInterval, "fetch-interval", g.envDuration("GITPULSE_FETCH_INTERVAL", 5*time.Minute), "fetch a mirror older than this before answering (env GITPULSE_FETCH_INTERVAL)")
	root.PersistentFlags().Int64Var(&g.maxMirrorMB, "max-mirror-mb", g.envInt("GITPULSE_MAX_MIRROR_MB", 0), "disk budget for mirrors in MB, least recently used evicted past it; 0 = unlimited (env GITPULSE_MAX_MIRROR_MB)")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log what happens to standard error")
	root.AddCommand(newAnalyze(g), newRecap(g), newBench(g), newServe(g))
	return root
}

// defaultDataDir is $GITPULSE_DATA_DIR, else $XDG_DATA_HOME/gitpulse, else
// ~/.local/share/gitpulse.
func defaultDataDir() string {
	if d := os.Getenv("GITPULSE_DATA_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "gitpulse")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "gitpulse")
	}
	return filepath.Join(os.TempDir(), "gitpulse")
}

func (g *globals) logger() *slog.Logger {
	if !g.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// envDuration reads a flag's default from the environment; a value that
// does not parse is recorded in g.envErr and reported before any command
// runs.
func (g *globals) envDuration(name string, def time.Duration) time.Duration {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		g.envErr = errors.Join(g.envErr, fmt.Errorf("%s=%q: want a duration such as 5m or 30s", name, v))
		return def
	}
	return d
}

// envInt reads a flag's default from the environment, like envDuration.
func (g *globals) envInt(name string, def int64) int64 {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		g.envErr = errors.Join(g.envErr, fmt.Errorf("%s=%q: want a whole number of at least 0", name, v))
		return def
	}
	return n
}

// cliPolicy lets the command line read what its user can read: local
// paths, any host, plain http.
func cliPolicy() repourl.Policy {
	p := repourl.DefaultPolicy()
	p.AllowedHosts = []string{"*"}
	p.AllowHTTP = true
	p.AllowPrivate = true
	p.AllowLocal = true
	return p
}

// openService builds git and the history service over the data directory.
func (g *globals) openService(ctx context.Context) (*history.Service, error) {
	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return nil, err
	}
	svc, err := history.New(git, history.Options{
		DataDir:        g.dataDir,
		Policy:         cliPolicy(),
		FetchInterval:  g.fetchInterval,
		MaxMirrorBytes: g.maxMirrorMB << 20,
		Logger:         g.logger(),
	})
	if err != nil {
		return nil, err
	}
	return svc, nil
}
