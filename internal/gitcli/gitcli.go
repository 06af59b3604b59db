// Package gitcli is the only package in gitpulse that runs git.
//
// Every call goes through a Command: trusted arguments are Arg values,
// literals written in this code base (an untyped string constant converts
// to Arg, a string variable does not, so the compiler refuses a user value
// where a literal belongs); values that come from users go through
// AddDynamic, AddRevisions or AddPaths, which make sure git can never read
// them as options. Commands run with a fixed environment (no inherited GIT_*
// variables, LC_ALL=C, no terminal prompts, no system or global config),
// under the caller's context plus a timeout, in their own process group so
// that cancelling kills git and every helper it started. Failures are *Error
// values carrying the exit code and a bounded, credential-masked stderr.
package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// MinVersion is the oldest git release gitpulse supports.
const MinVersion = "2.39"

// DefaultTimeout bounds a command when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Minute

// Options configure a Git.
type Options struct {
	// Path is the git executable; empty means "git" from PATH.
	Path string
	// Home is the directory used as HOME for git, so that no user's
	// ~/.gitconfig applies. Empty means a directory under os.TempDir.
	Home string
	// Timeout bounds every command that has no tighter deadline from its
	// context. Zero means DefaultTimeout.
	Timeout time.Duration
}

// Git runs git commands. It is safe for concurrent use.
type Git struct {
	path string
	// lower starts Background commands: chrt(1) at SCHED_IDLE, else
	// nice(1) at backgroundNice; nil if neither runs here.
	lower   []string
	idle    bool // lower is chrt(1)'s
	home    string
	timeout time.Duration
	env     []string
}

// New checks that git is present and recent enough and returns a Git.
func New(ctx context.Context, opts Options) (*Git, error) {
	path := opts.Path
	if path == "" {
		path = "git"
	}
	abs, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("git not found (install git %s or later): %w", MinVersion, err)
	}
	home := opts.Home
	if home == "" {
		home = filepath.Join(os.TempDir(), "gitpulse-git-home")
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("create git home: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	g := &Git{path: abs, home: home, timeout: timeout}
	g.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + home,
		"LC_ALL=C",
		"LANG=C",
		"TZ=UTC",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ASKPASS=/bin/true",
		"SSH_ASKPASS=/bin/true",
		"GIT_SSH_COMMAND=ssh -o BatchMode=yes",
		"GIT_NO_REPLACE_OBJECTS=1",
		"GIT_OPTIONAL_LOCKS=0",
		// Buffer output fully: by default git flushes after every commit
		// when writing to a pipe, which costs one syscall per record.
		"GIT_FLUSH=0",
		"GIT_PROTOCOL_FROM_USER=0",
	}
	out, err := g.probe(ctx)
	if err != nil {
		return nil, fmt.Errorf("run git version: %w", err)
	}
	if v := parseVersion(string(out)); v == "" || compareVersions(v, MinVersion) < 0 {
		return nil, fmt.Errorf("git %s or later is required, found %q", MinVersion, strings.TrimSpace(string(out)))
	}
	return g, nil
}

// probe runs git version and chooses how Background commands are started:
// by chrt(1) when it is on the PATH and may set a scheduling policy here
// (the version is asked through it, at the usual policy), else by nice(1)
// when it is on the PATH.
func (g *Git) probe(ctx context.Context) ([]byte, error) {
	if chrt, err := exec.LookPath("chrt"); err == nil {
		g.lower = []string{chrt, "--other", "0"}
		out, err := g.Command("").Background().Args("version").Output(ctx)
		if err == nil {
			g.lower, g.idle = []string{chrt, "--idle", "0"}, true
			return out, nil
		}
		g.lower = nil
	}
	if nice, err := exec.LookPath("nice"); err == nil {
		g.lower = []string{nice, "-n", strconv.Itoa(backgroundNice)}
	}
	return g.Command("").Args("version").Output(ctx)
}

// IdleBackground reports whether Background commands run at the SCHED_IDLE
// policy, which gives them only the time of cores nothing else wants.
func (g *Git) IdleBackground() bool { return g.idle }

// Offline returns a Git like g whose commands never reach a remote. In a
// partial clone an object that is missing is then an error, not a fetch
// git would start by itself without the transport settings and the
// credentials of the commands that vet the remote (git 2.39 has no
// GIT_NO_LAZY_FETCH): GIT_ALLOW_PROTOCOL set empty allows no transport.
func (g *Git) Offline() *Git {
	o := *g
	o.env = append(slices.Clone(g.env), "GIT_ALLOW_PROTOCOL=")
	return &o
}

// parseVersion extracts "2.39.5" from "git version 2.39.5\n".
func parseVersion(s string) string {
	f := strings.Fields(s)
	if len(f) < 3 || f[0] != "git" || f[1] != "version" {
		return ""
	}
	return f[2]
}

// compareVersions compares dotted numeric versions, ignoring any suffix.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(leadingDigits(as[i]))
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(leadingDigits(bs[i]))
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func leadingDigits(s string) string {
	for i, r := range s {
		if r < '0' || r > '9' {
			return s[:i]
		}
	}
	return s
}

// Command is one git invocation being built. Build it with the Add methods
// and run it once with Run, Output or Stream.
type Command struct {
	git        *Git
	gitDir     string
	args       []string
	env        []string
	secrets    []string
	stdin      []byte
	argErr     error
	paced      bool // read through a pacedPipe (see streamPaced)
	background bool // run at the lowest priority (see Background)
}

// Command starts a command on the repository at gitDir (passed as
// --git-dir; empty for commands that need no repository, such as clone).
func (g *Git) Command(gitDir string) *Command {
	return &Command{git: g, gitDir: gitDir}
}

// Arg is a trusted git argument: a literal written in gitpulse's code,
// such as "log" or "--quiet". Untyped string constants convert to Arg
// implicitly, string variables do not: a value from outside goes through
// AddDynamic, AddRevisions or AddPaths instead, never through a conversion
// to Arg.
type Arg string

// Args appends trusted arguments.
func (c *Command) Args(trusted ...Arg) *Command {
	for _, a := range trusted {
		c.args = append(c.args, string(a))
	}
	return c
}

// IntOption appends a trusted option with a number: "--skip" and 40 give
// "--skip=40". The number, made by gitpulse, cannot be read as anything
// else.
func (c *Command) IntOption(name Arg, n int) *Command {
	c.args = append(c.args, string(name)+"="+strconv.Itoa(n))
	return c
}

// AddDynamic appends values that came from outside (a URL, a directory).
// A value that git could read as an option (leading '-') or that contains
// a NUL byte makes the command fail before git is started.
func (c *Command) AddDynamic(values ...string) *Command {
	for _, v := range values {
		if err := checkDynamic(v); err != nil {
			c.argErr = err
			return c
		}
		c.args = append(c.args, v)
	}
	return c
}

// AddRevisions appends --end-of-options followed by the revisions, so that
// none of them can be an option. Call it last, before AddPaths.
func (c *Command) AddRevisions(revs ...string) *Command {
	c.args = append(c.args, "--end-of-options")
	return c.AddDynamic(revs...)
}

// AddPaths appends "--" followed by the paths.
func (c *Command) AddPaths(paths ...string) *Command {
	c.args = append(c.args, "--")
	for _, p := range paths {
		if strings.IndexByte(p, 0) >= 0 {
			c.argErr = errors.New("git argument contains a NUL byte")
			return c
		}
		c.args = append(c.args, p)
	}
	return c
}

// Config passes "key=value" to git through GIT_CONFIG_* environment
// variables, not the command line, so that it does not show in process
// listings. Mark secret values with Secret so that errors mask them.
func (c *Command) Config(key, value string) *Command {
	n := countConfig(c.env)
	c.env = append(c.env,
		fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", n, key),
		fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n, value))
	return c
}

// diffMalloc are the glibc malloc settings of git processes that diff
// many blobs: by default glibc gives back memory freed at the top of the
// heap and unmaps a large block as soon as it is freed, so that the blob
// buffers and xdiff tables of each next diff fault their pages in again
// (git log --numstat over git/git's newest 20,000 commits: 272,000 minor
// faults, 0.6-0.8 s of system time). Fixed from the start at the values
// glibc's own rule reaches at most (32 MiB for mmap, twice that for
// trimming), the same run takes 42,000 faults and 0.16-0.21 s, at the same
// peak memory. Other C libraries ignore the variable.
const diffMalloc = "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864"

// diffCache is the most memory a git process that diffs many blobs keeps
// for the delta bases it has unpacked (core.deltaBaseCacheLimit; git's
// default is 96 MiB). Reading git/git's line statistics (both git
// processes of pass 2) took 1.01-1.04x the CPU of one git log --numstat
// with the default, 0.98-0.99x with 128 MiB, 0.97-0.98x with 192 or 256
// MiB and 1.00x with 512 MiB, and each git process's peak RSS grew from
// 391 MB to 425, 505 and 572 MB: 128 MiB gets most of the saving for
// little memory.
const diffCache = "128m"

// forManyDiffs runs git with the settings of a process that diffs many
// blobs: diffMalloc and diffCache.
func (c *Command) forManyDiffs() *Command {
	c.env = append(c.env, diffMalloc)
	return c.Config("core.deltaBaseCacheLimit", diffCache)
}

// backgroundNice is the scheduling priority (nice value) of commands run
// with Background where chrt(1) is not available, the lowest: the kernel
// gives such a process about 1.5% of a core that a process at the default
// priority also wants.
const backgroundNice = 19

// Background runs git, and every process it starts (a local server's
// upload-pack and pack-objects among them), at the lowest scheduling
// priority: work done ahead of need that must not slow down what a user
// waits for, yet takes any core left idle. On Linux that is the SCHED_IDLE
// policy (chrt --idle): such a process runs only when a core has nothing
// else to run, and gives way at once when something else wakes. At nice 19
// it slowed what it ran beside: a head start beside the clone of git/git
// (see mirror.Options.HeadStart) made the first summary 1.09x the hand-made
// floor on 2 cores (1.26x on another machine), against 1.02x at SCHED_IDLE
// and 1.02x without a head start (medians of 15 in turns; in two later sets
// of 8, 1.06x at SCHED_IDLE against 1.02-1.05x without). git is started by
// chrt(1) or, without it, nice(1), which lowers itself and then becomes
// git, so git holds the priority from its first instruction and every
// process it forks inherits it. (Lowering git's process group after the
// start missed, now and then, a helper that git was forking at that moment;
// lowering a thread of gitpulse to start git from leaked the priority into
// threads the runtime started from it.) With neither on the PATH, git runs
// at the usual priority.
func (c *Command) Background() *Command {
	c.background = true
	return c
}

// Secret registers strings to be masked in any error text of this command.
func (c *Command) Secret(values ...string) *Command {
	for _, v := range values {
		if v != "" {
			c.secrets = append(c.secrets, v)
		}
	}
	return c
}

// Stdin sets the bytes fed to git's standard input.
func (c *Command) Stdin(b []byte) *Command {
	c.stdin = b
	return c
}

func checkDynamic(v string) error {
	if strings.HasPrefix(v, "-") {
		return fmt.Errorf("git argument %q looks like an option", v)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return errors.New("git argument contains a NUL byte")
	}
	return nil
}

// Run runs the command and discards its output.
func (c *Command) Run(ctx context.Context) error {
	return c.Stream(ctx, nil)
}

// Output runs the command and returns its standard output.
func (c *Command) Output(ctx context.Context) ([]byte, error) {
	var buf bytes.Buffer
	err := c.Stream(ctx, func(r *os.File) error {
		_, err := buf.ReadFrom(r)
		return err
	})
	return buf.Bytes(), err
}

// maxStderr bounds how much of git's standard error an Error keeps.
const maxStderr = 4096

// Stream runs the command and calls consume with its standard output while
// it runs. If consume returns an error, git is killed and that error is
// returned. consume may be nil.
func (c *Command) Stream(ctx context.Context, consume func(stdout *os.File) error) error {
	if c.argErr != nil {
		return c.argErr
	}
	ctx, cancel := context.WithTimeout(ctx, c.git.timeout)
	defer cancel()

	args := make([]string, 0, len(c.args)+2)
	if c.gitDir != "" {
		args = append(args, "--git-dir="+c.gitDir)
	}
	args = append(args, c.args...)
	name := c.git.path
	if c.background && len(c.git.lower) > 0 {
		name, args = c.git.lower[0], append(append(slices.Clone(c.git.lower[1:]), name), args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(append([]string(nil), c.git.env...), c.env...)
	if n := countConfig(c.env); n > 0 {
		cmd.Env = append(cmd.Env, "GIT_CONFIG_COUNT="+strconv.Itoa(n))
	}
	cmd.Dir = c.git.home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.stdin != nil {
		cmd.Stdin = bytes.NewReader(c.stdin)
	}
	stderr := &limitedBuffer{limit: maxStderr}
	cmd.Stderr = stderr

	var pr, pw *os.File
	if consume != nil {
		var err error
		if c.paced {
			pr, pw, err = pacedPipe()
		} else {
			pr, pw, err = os.Pipe()
		}
		if err != nil {
			return fmt.Errorf("git pipe: %w", err)
		}
		cmd.Stdout = pw
	}
	if err := cmd.Start(); err != nil {
		if pr != nil {
			// Nothing was written through the pipe.
			_ = pr.Close()
			_ = pw.Close()
		}
		return c.wrap(err, -1, "")
	}
	if pw != nil {
		// git holds its own copy of the write end; closing ours only lets
		// the reader see the end of the output. It cannot lose data.
		_ = pw.Close()
	}
	// Kill the whole process group when the context ends, so that helpers
	// such as git-remote-https or upload-pack die with git.
	stop := context.AfterFunc(ctx, func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	var consumeErr error
	if consume != nil {
		consumeErr = consume(pr)
		if consumeErr != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		_ = pr.Close() // the read end: closing it cannot lose data
	}
	waitErr := cmd.Wait()
	stop()
	if consumeErr != nil {
		if ctx.Err() != nil {
			return c.wrap(ctx.Err(), -1, stderr.String())
		}
		return consumeErr
	}
	if waitErr != nil {
		if ctx.Err() != nil {
			return c.wrap(ctx.Err(), -1, stderr.String())
		}
		code := -1
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			code = ee.ExitCode()
		}
		return c.wrap(waitErr, code, stderr.String())
	}
	return nil
}

// streamPaced is Stream for a long output (see pacedBatch): consume reads
// it in batches, with pauses that mayPause allows (see pacer).
func (c *Command) streamPaced(ctx context.Context, mayPause func(time.Duration) bool, consume func(stdout io.Reader) error) error {
	c.paced = true
	return c.Stream(ctx, func(r *os.File) error {
		return consume(newPacer(ctx, r, mayPause))
	})
}

func countConfig(env []string) int {
	n := 0
	for _, e := range env {
		if strings.HasPrefix(e, "GIT_CONFIG_KEY_") {
			n++
		}
	}
	return n
}

func (c *Command) wrap(err error, code int, stderr string) *Error {
	return &Error{
		Args:     c.mask(strings.Join(c.args, " ")),
		ExitCode: code,
		Stderr:   c.mask(strings.TrimSpace(stderr)),
		Err:      err,
	}
}

// mask hides registered secrets and any user-info in URLs.
func (c *Command) mask(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return MaskURLCredentials(s)
}

// MaskURLCredentials replaces the user-info of every URL in s ("https://user:
// token@host") with "***", so that text can be logged.
func MaskURLCredentials(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/ \t\n'\"")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			b.WriteString("***@")
			s = s[at+1:]
		}
	}
}

// Error is a failed git command.
type Error struct {
	Args     string // the arguments, credentials masked
	ExitCode int    // git's exit code, or -1 if it did not exit normally
	Stderr   string // the start of git's standard error, credentials masked
	Err      error  // the underlying error (an *exec.ExitError, context error, ...)
}

// Error implements error.
func (e *Error) Error() string {
	msg := fmt.Sprintf("git %s: %v", e.Args, e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

// Unwrap returns the underlying error, so errors.Is(err,
// context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// limitedBuffer keeps the first limit bytes written to it.
type limitedBuffer struct {
	buf   bytes.Buffer
	limit int
}

// Write keeps what fits and reports everything written.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.limit - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

// String returns what was kept.
func (l *limitedBuffer) String() string { return l.buf.String() }

// CPUTime is the CPU time (user and system) used so far by this process
// and by the child processes it has waited for, git's included: what a
// benchmark compares with git's own.
func CPUTime() time.Duration {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)         // cannot fail with these arguments
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) // idem
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(children.Utime) + tv(children.Stime)
}
