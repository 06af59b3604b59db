// Package testrepo builds real git repositories for tests and benchmarks:
// small ones commit by commit, large ones in one `git fast-import` stream.
// It runs git directly because it stands in for a user's own git, outside
// gitpulse; nothing but tests imports it.
package testrepo

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Repo is a non-bare repository in a test's temporary directory.
type Repo struct {
	Dir string
	tb  testing.TB
}

// New creates an empty repository whose default branch is main. Extra
// arguments are passed to git init (e.g. "--object-format=sha256").
func New(tb testing.TB, initArgs ...string) *Repo {
	tb.Helper()
	r := &Repo{Dir: tb.TempDir(), tb: tb}
	r.Git(append([]string{"init", "-q", "-b", "main"}, initArgs...)...)
	return r
}

// Git runs git in the repository and returns its trimmed standard output;
// a failure fails the test.
func (r *Repo) Git(args ...string) string {
	r.tb.Helper()
	out, err := Run(r.Dir, nil, nil, args...)
	if err != nil {
		r.tb.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// Run runs git in dir with extra environment variables and standard input.
func Run(dir string, env []string, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com")
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// Commit describes one commit made by Repo.Commit.
type Commit struct {
	Author  string    // "Name <email>"; default "Test <test@example.com>"
	Date    time.Time // author and committer date; default 2024-01-01 UTC
	Message string    // default "change"
	// Files maps paths to new contents; a nil value deletes the file.
	Files map[string][]byte
}

// Commit writes c's files, stages them and commits, returning the new
// commit's hash.
func (r *Repo) Commit(c Commit) string {
	r.tb.Helper()
	for p, content := range c.Files {
		full := filepath.Join(r.Dir, p)
		if content == nil {
			r.Git("rm", "-q", "--", p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			r.tb.Fatal(err)
		}
		if err := os.WriteFile(full, content, 0o644); err != nil {
			r.tb.Fatal(err)
		}
		r.Git("add", "--", p)
	}
	env := commitEnv(c)
	msg := c.Message
	if msg == "" {
		msg = "change"
	}
	if _, err := Run(r.Dir, env, []byte(msg), "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-"); err != nil {
		r.tb.Fatal(err)
	}
	return r.Git("rev-parse", "HEAD")
}

// Merge merges branch into the current branch with a merge commit (never
// a fast-forward) whose message, author and date are c's (c.Files are
// ignored), returning the merge's hash.
func (r *Repo) Merge(branch string, c Commit) string {
	r.tb.Helper()
	msg := c.Message
	if msg == "" {
		msg = "Merge branch '" + branch + "'"
	}
	if _, err := Run(r.Dir, commitEnv(c), nil, "merge", "-q", "--no-ff", "--cleanup=verbatim", "-m", msg, "--end-of-options", branch); err != nil {
		r.tb.Fatal(err)
	}
	return r.Git("rev-parse", "HEAD")
}

func commitEnv(c Commit) []string {
	date := c.Date
	if date.IsZero() {
		date = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	}
	d := date.Format(time.RFC3339)
	env := []string{"GIT_AUTHOR_DATE=" + d, "GIT_COMMITTER_DATE=" + d}
	if c.Author != "" {
		name, email, _ := strings.Cut(c.Author, " <")
		env = append(env, "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+strings.TrimSuffix(email, ">"))
	}
	return env
}

// Synthetic describes a generated history for Generate.
type Synthetic struct {
	Commits      int       // how many commits, linear
	Authors      int       // distinct authors, used round-robin (default 20)
	Files        int       // distinct files (default 500)
	FilesPerCmt  int       // files changed per commit (default 3)
	Start        time.Time // first commit's date (default 2015-01-01)
	Step         time.Duration
	MergeEvery   int // every Nth commit is a merge of a one-commit side branch (0: none)
	ExtensionSet []string
}

// Generate builds a repository with a synthetic history through one git
// fast-import stream (tens of thousands of commits in seconds) and returns
// its directory, a bare repository.
func Generate(tb testing.TB, s Synthetic) string {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := Run(dir, nil, nil, "init", "-q", "--bare", "-b", "main"); err != nil {
		tb.Fatal(err)
	}
	if _, err := Run(dir, nil, FastImport(s), "fast-import", "--quiet"); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// FastImport renders s as a git fast-import stream.
func FastImport(s Synthetic) []byte {
	if s.Authors <= 0 {
		s.Authors = 20
	}
	if s.Files <= 0 {
		s.Files = 500
	}
	if s.FilesPerCmt <= 0 {
		s.FilesPerCmt = 3
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.Step == 0 {
		s.Step = 97 * time.Minute
	}
	exts := s.ExtensionSet
	if len(exts) == 0 {
		exts = []string{"go", "md", "js", "ts", "c", "h"}
	}
	var b bytes.Buffer
	mark := 0
	for i := 0; i < s.Commits; i++ {
		when := s.Start.Add(time.Duration(i) * s.Step).Unix()
		a := i % s.Authors
		merge := s.MergeEvery > 0 && i > 0 && i%s.MergeEvery == 0
		if merge {
			mark++
			fmt.Fprintf(&b, "commit refs/heads/side\nmark :%d\nauthor Side <side@example.com> %d +0000\ncommitter Side <side@example.com> %d +0000\ndata 4\nside\nfrom :%d\n", mark, when, when, mark-1)
			fmt.Fprintf(&b, "M 100644 inline side/%d.txt\ndata 2\n%d\n", i, i%10)
		}
		mark++
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\n", mark)
		fmt.Fprintf(&b, "author Author %d <author%d@example.com> %d +0100\n", a, a, when)
		fmt.Fprintf(&b, "committer Author %d <author%d@example.com> %d +0100\n", a, a, when)
		msg := fmt.Sprintf("commit %d: change things", i)
		fmt.Fprintf(&b, "data %d\n%s\n", len(msg), msg)
		if i > 0 {
			prev := mark - 1
			if merge {
				prev = mark - 2
			}
			fmt.Fprintf(&b, "from :%d\n", prev)
			if merge {
				fmt.Fprintf(&b, "merge :%d\n", mark-1)
			}
		}
		for k := 0; k < s.FilesPerCmt; k++ {
			f := (i*7 + k*13) % s.Files
			// A bounded file whose length and last line change each time,
			// so line counts vary without the stream growing quadratically.
			var content bytes.Buffer
			for l := 0; l < 5+(i+k)%20; l++ {
				fmt.Fprintf(&content, "line %d of file %d\n", l, f)
			}
			fmt.Fprintf(&content, "revision %d\n", i)
			fmt.Fprintf(&b, "M 100644 inline dir%d/file%d.%s\ndata %d\n", f%10, f, exts[f%len(exts)], content.Len())
			b.Write(content.Bytes())
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// HTTPBackend is git's smart HTTP server (git http-backend) for the
// repositories in root, with filters allowed, as a forge would serve them.
func HTTPBackend(tb testing.TB, root string) http.Handler {
	tb.Helper()
	gitPath, err := exec.LookPath("git")
	if err != nil {
		tb.Fatal(err)
	}
	return &cgi.Handler{
		Path: gitPath,
		Args: []string{"http-backend"},
		Env: []string{
			"GIT_PROJECT_ROOT=" + root,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=uploadpack.allowFilter", "GIT_CONFIG_VALUE_0=true",
		},
	}
}

// ServeHTTP serves the bare repository dir over smart HTTP on loopback
// and returns its clone URL.
func ServeHTTP(tb testing.TB, dir string) string {
	tb.Helper()
	srv := httptest.NewServer(HTTPBackend(tb, filepath.Dir(dir)))
	tb.Cleanup(srv.Close)
	return srv.URL + "/" + filepath.Base(dir)
}
