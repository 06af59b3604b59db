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
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gitpulse/gitpulse/internal/config"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/logbuf"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/version"
)

// Execute runs the command line given by args (without the program name)
// and returns the process exit code: 0 on success, 1 on failure, 2 for
// bad usage.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return execute(ctx, args, stdout, stderr, isTerminal(stdout))
}

// execute is Execute with the answer's destination said to be a terminal
// or not (tests draw what a terminal gets into a buffer).
func execute(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) int {
	root := newRoot(stdout, stderr, terminal)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	// Nothing is left to report a failed write of the error to: the exit
	// status still says it.
	_, _ = fmt.Fprintln(stderr, "gitpulse:", err)
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

// globals are the settings and flags every subcommand shares.
type globals struct {
	// cfg is every setting, read from the environment; the global flags
	// write into it.
	cfg     config.Config
	envErr  error // settings that do not parse, reported before a command runs
	verbose bool
	stdout  io.Writer
	stderr  io.Writer
	// terminal says stdout is a terminal: tables are drawn for a person
	// (a heatmap calendar, the top churn files) rather than for scripts.
	terminal bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// isCompletion reports whether cmd is cobra's: a shell's request for
// completions, or the completion script of a shell.
func isCompletion(cmd *cobra.Command) bool {
	switch cmd.Name() {
	case cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	return cmd.HasParent() && cmd.Parent().Name() == "completion"
}

// completeValues makes the shell complete flag of cmd with values.
func completeValues(cmd *cobra.Command, flag string, values ...string) {
	// It fails only for a flag cmd lacks or one registered twice, which
	// TestCompletion would see: every completed flag is tested there.
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

func newRoot(stdout, stderr io.Writer, terminal bool) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr, terminal: terminal}
	g.cfg, g.envErr = config.Load(os.Environ())
	root := &cobra.Command{
		Use:           "gitpulse",
		Short:         "Turn git history into answers",
		Long:          "gitpulse indexes a repository's history once and answers questions about it: commits, activity heatmaps, contributors, code churn and a summary.",
		SilenceUsage:  true,
		SilenceErrors: true,
		// A word that is no subcommand is a usage error, not a help page.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q; see gitpulse --help", args[0])
			}
			return nil
		},
	}
	// --version prints what `gitpulse version` does, before any settings
	// are checked. It is a flag of our own rather than cobra's Version,
	// whose output goes through text/template: linking template execution
	// makes the linker keep every exported method of every type (its
	// method calls by name defeat dead-code elimination), 26 MB here.
	showVersion := root.Flags().Bool("version", false, "print the version, commit, its date and the Go toolchain of this build")
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if *showVersion {
			_, err := fmt.Fprint(g.stdout, version.Get())
			return err
		}
		return cmd.Help()
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if isCompletion(cmd) || cmd == root && *showVersion {
			return nil // completing a command line reads no settings, as version does
		}
		if err := errors.Join(g.envErr, g.cfg.Validate()); err != nil {
			return usageError{fmt.Errorf("invalid settings:\n%w", err)}
		}
		return nil
	}
	fl := root.PersistentFlags()
	fl.StringVar(&g.cfg.DataDir, "data-dir", g.cfg.DataDir, "where mirrors and indexes are kept (env GITPULSE_DATA_DIR)")
	fl.Var((*durationFlag)(&g.cfg.FetchInterval), "fetch-interval", "fetch a mirror older than this before answering; 0 = always (env GITPULSE_FETCH_INTERVAL)")
	fl.Int64Var(&g.cfg.MaxMirrorMB, "max-mirror-mb", g.cfg.MaxMirrorMB, "disk budget for mirrors in MB, least recently used evicted past it; 0 = unlimited (env GITPULSE_MAX_MIRROR_MB)")
	fl.BoolVarP(&g.verbose, "verbose", "v", false, "log what happens to standard error")
	root.AddCommand(newAnalyze(g), newRecap(g), newBench(g), newServe(g), newWorker(g), newVersion(g))
	usageArgs(root)
	return root
}

// usageArgs makes every argument-count error of cmd and its subcommands
// a usage error (exit status 2), as flag errors are.
func usageArgs(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, c := range cmd.Commands() {
		usageArgs(c)
	}
}

// durationFlag is a time flag read as the settings are: whole seconds or
// a Go duration.
type durationFlag time.Duration

// String implements pflag.Value.
func (d *durationFlag) String() string { return time.Duration(*d).String() }

// Set implements pflag.Value.
func (d *durationFlag) Set(s string) error {
	v, err := config.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationFlag(v)
	return nil
}

// Type implements pflag.Value.
func (d *durationFlag) Type() string { return "duration" }

// note writes a line for the user to standard error: progress, or what
// happened besides the answer. A failed write is ignored: the answer, or
// the error, and the exit status still say what matters.
func (g *globals) note(format string, args ...any) {
	_, _ = fmt.Fprintf(g.stderr, format+"\n", args...)
}

// removeTemp removes a temporary directory, saying so if it cannot.
func (g *globals) removeTemp(dir string) {
	if err := os.RemoveAll(dir); err != nil {
		g.note("could not remove %s: %v", dir, err)
	}
}

func (g *globals) logger() *slog.Logger {
	if !g.verbose {
		return nil
	}
	return slog.New(debugHandler(g.stderr))
}

// debugHandler is the log handler of --verbose: text, debug messages
// included.
func debugHandler(w io.Writer) slog.Handler {
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
}

// serverLog is the log of a long-running process (serve, worker): JSON
// lines, or --verbose's text, on standard error through a logbuf.Writer,
// so that the access log does not cost a write(2) per request; each line
// reaches standard error within logInterval. The caller closes the Writer
// when it is done logging, which writes out the last lines.
func (g *globals) serverLog() (*slog.Logger, *logbuf.Writer) {
	out := logbuf.New(g.stderr, logBufferSize, logInterval)
	if g.verbose {
		return slog.New(debugHandler(out)), out
	}
	return slog.New(slog.NewJSONHandler(out, nil)), out
}

// The server log's buffer: at 20,000 requests/s, 64 KiB holds the access
// log of about 15 ms.
const (
	logBufferSize = 64 << 10
	logInterval   = 100 * time.Millisecond
)

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
	return history.New(git, historyOptions(g.cfg, cliPolicy(), nil, g.logger()))
}
