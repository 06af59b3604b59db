package mirror

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func newGit(t *testing.T) *gitcli.Git {
	t.Helper()
	g, err := gitcli.New(t.Context(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// source is a repository the tests mirror, served through upload-pack.
type source struct {
	*testrepo.Repo
	url string
	key string
}

// newSource creates a repository with a few commits, files in
// subdirectories and a .mailmap; allowFilter decides whether it serves
// partial clones.
func newSource(t *testing.T, allowFilter bool) *source {
	t.Helper()
	r := testrepo.New(t)
	r.Git("config", "uploadpack.allowFilter", map[bool]string{true: "true", false: "false"}[allowFilter])
	r.Commit(testrepo.Commit{Files: map[string][]byte{
		"README.md": []byte("hello\n"),
		".mailmap":  []byte("Alice <alice@example.com> <old@example.com>\n"),
	}})
	r.Commit(testrepo.Commit{Author: "Old <old@example.com>", Files: map[string][]byte{"src/a/b.go": []byte("package a\n")}})
	r.Commit(testrepo.Commit{Files: map[string][]byte{"src/c.txt": []byte("c\n")}})
	return &source{Repo: r, url: "file://" + r.Dir, key: "file" + r.Dir}
}

// counter is a slog.Handler that counts records by message.
type counter struct {
	mu     sync.Mutex
	counts map[string]int
}

func (c *counter) Enabled(context.Context, slog.Level) bool { return true }
func (c *counter) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *counter) WithGroup(string) slog.Handler            { return c }
func (c *counter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]int)
	}
	c.counts[r.Message]++
	return nil
}

func (c *counter) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[msg]
}

func newManager(t *testing.T, g *gitcli.Git, opts Options) *Manager {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "mirrors")
	}
	m, err := New(g, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustEnsure(t *testing.T, m *Manager, s *source, auth *Auth) Result {
	t.Helper()
	res, err := m.Ensure(t.Context(), s.key, s.url, auth, nil)
	if err != nil {
		t.Fatalf("Ensure: %v (cause: %v)", err, errors.Unwrap(err))
	}
	return res
}

// gitOut runs git on a mirror the way a user would, outside the package.
func gitOut(t *testing.T, gitDir string, args ...string) string {
	t.Helper()
	out, err := testrepo.Run(gitDir, nil, nil, append([]string{"--git-dir=" + gitDir}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func missingObjects(t *testing.T, gitDir string) int {
	t.Helper()
	n := 0
	for line := range strings.Lines(gitOut(t, gitDir, "rev-list", "--objects", "--all", "--missing=print")) {
		if strings.HasPrefix(line, "?") {
			n++
		}
	}
	return n
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return matches
}

func TestEnsureClonesPartialThenStaysFresh(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{FetchInterval: time.Hour})
	src := newSource(t, true)

	var phases []progress.Progress
	res, err := m.Ensure(t.Context(), src.key, src.url, nil, func(p progress.Progress) { phases = append(phases, p) })
	if err != nil {
		t.Fatal(err)
	}
	want := Result{GitDir: m.Path(src.key), Partial: true, Changed: true, Action: Cloned}
	if res != want {
		t.Fatalf("first Ensure = %+v, want %+v", res, want)
	}
	// git does not say how far a clone has come: the start reports an
	// unknown total (a spinner), not "0 of 1" (issue 13, item 10).
	if len(phases) != 2 || phases[0] != (progress.Progress{Phase: progress.PhaseClone}) || phases[1].Done != phases[1].Total {
		t.Errorf("progress = %+v, want a clone start with an unknown total and an end", phases)
	}
	if missingObjects(t, res.GitDir) == 0 {
		t.Error("partial mirror has every object; want trees and blobs missing")
	}
	if got := strings.TrimSpace(gitOut(t, res.GitDir, "rev-parse", "HEAD")); got != src.Git("rev-parse", "HEAD") {
		t.Errorf("mirror HEAD = %s, want the source's", got)
	}

	// Guards the .mailmap prefetch: reading history through HEAD:.mailmap
	// must not need a lazy fetch (which gitcli's environment forbids for
	// file:// and which would lack the token for HTTPS).
	authors := map[string]bool{}
	err = g.LogMetadata(t.Context(), res.GitDir, "HEAD", nil, func(c *gitcli.CommitMeta) error {
		authors[string(c.AuthorName)] = true
		return nil
	})
	if err != nil {
		t.Fatalf("read history of partial mirror: %v", err)
	}
	if !authors["Alice"] || authors["Old"] {
		t.Errorf("authors = %v, want the mailmapped Alice", authors)
	}

	res, err = m.Ensure(t.Context(), src.key, src.url, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want = Result{GitDir: m.Path(src.key), Partial: true, Action: Fresh}
	if res != want {
		t.Errorf("second Ensure = %+v, want %+v", res, want)
	}
}

func TestEnsureFetchesAfterInterval(t *testing.T) {
	g := newGit(t)
	dir := filepath.Join(t.TempDir(), "mirrors")
	src := newSource(t, true)
	mustEnsure(t, newManager(t, g, Options{Dir: dir, FetchInterval: time.Hour}), src, nil)

	// A restarted process with a short interval finds the same mirror.
	m := newManager(t, g, Options{Dir: dir, FetchInterval: time.Nanosecond})
	head := src.Commit(testrepo.Commit{Message: "new", Files: map[string][]byte{"new.txt": []byte("n\n")}})
	res := mustEnsure(t, m, src, nil)
	if res.Action != Fetched || !res.Changed || !res.Partial {
		t.Errorf("Ensure after a new commit = %+v, want fetched, changed, partial", res)
	}
	if got := strings.TrimSpace(gitOut(t, res.GitDir, "rev-parse", "HEAD")); got != head {
		t.Errorf("mirror HEAD = %s, want the new commit %s", got, head)
	}

	if res = mustEnsure(t, m, src, nil); res.Action != Fetched || res.Changed {
		t.Errorf("Ensure with nothing new = %+v, want fetched, unchanged", res)
	}

	src.Git("branch", "-m", "main", "trunk")
	if res = mustEnsure(t, m, src, nil); !res.Changed {
		t.Errorf("Ensure after a default branch rename = %+v, want changed", res)
	}
	if got := strings.TrimSpace(gitOut(t, res.GitDir, "symbolic-ref", "HEAD")); got != "refs/heads/trunk" {
		t.Errorf("mirror HEAD -> %s, want refs/heads/trunk", got)
	}
	if refs := gitOut(t, res.GitDir, "for-each-ref", "--format=%(refname)", "refs/heads"); strings.TrimSpace(refs) != "refs/heads/trunk" {
		t.Errorf("branches = %q, want only the renamed one (main pruned)", refs)
	}
}

func TestCompleteFetchesEveryObject(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{})
	src := newSource(t, true)
	if res := mustEnsure(t, m, src, nil); !res.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", res)
	}
	var phases []progress.Phase
	if err := m.Complete(t.Context(), src.key, src.url, nil, func(p progress.Progress) { phases = append(phases, p.Phase) }); err != nil {
		t.Fatal(err)
	}
	dir := m.Path(src.key)
	if n := missingObjects(t, dir); n != 0 {
		t.Errorf("%d objects still missing after Complete", n)
	}
	if cfg := gitOut(t, dir, "config", "--list"); strings.Contains(cfg, "promisor") || strings.Contains(cfg, "partialclonefilter") {
		t.Errorf("completed mirror still a promisor:\n%s", cfg)
	}
	if len(phases) != 2 || phases[0] != progress.PhaseComplete {
		t.Errorf("progress phases = %v, want complete start and end", phases)
	}
	if res := mustEnsure(t, m, src, nil); res.Partial {
		t.Errorf("Ensure after Complete = %+v, want a full mirror", res)
	}
	phases = nil
	if err := m.Complete(t.Context(), src.key, src.url, nil, func(p progress.Progress) { phases = append(phases, p.Phase) }); err != nil || phases != nil {
		t.Errorf("second Complete: err %v, progress %v; want a silent no-op", err, phases)
	}
}

func TestCompleteWithoutMirror(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	src := newSource(t, true)
	err := m.Complete(t.Context(), src.key, src.url, nil, nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Complete before Ensure = %v, want fs.ErrNotExist", err)
	}
}

func TestFilterNotSupportedGivesFullMirror(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{})
	src := newSource(t, false)
	res := mustEnsure(t, m, src, nil)
	if res.Partial || res.Action != Cloned {
		t.Errorf("Ensure = %+v, want a full clone", res)
	}
	if n := missingObjects(t, res.GitDir); n != 0 {
		t.Errorf("%d objects missing from a full mirror", n)
	}
	if cfg := gitOut(t, res.GitDir, "config", "--list"); strings.Contains(cfg, "promisor") {
		t.Errorf("full mirror marked a promisor:\n%s", cfg)
	}
	if err := m.Complete(t.Context(), src.key, src.url, nil, nil); err != nil {
		t.Errorf("Complete on a full mirror: %v", err)
	}
}

func TestConcurrentEnsureClonesOnce(t *testing.T) {
	logs := &counter{}
	m := newManager(t, newGit(t), Options{Logger: slog.New(logs)})
	src := newSource(t, true)
	var wg sync.WaitGroup
	results := make([]Result, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = m.Ensure(t.Context(), src.key, src.url, nil, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if results[i].GitDir != m.Path(src.key) {
			t.Errorf("caller %d got %+v", i, results[i])
		}
	}
	if n := logs.count("mirror cloned"); n != 1 {
		t.Errorf("%d clones, want 1", n)
	}
}

func TestCloneFailureIsClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mirrors")
	m := newManager(t, newGit(t), Options{Dir: dir})
	missing := filepath.Join(t.TempDir(), "no-such-repo")
	for _, tc := range []struct {
		name, url string
	}{
		{"missing path", "file://" + missing},
		{"not a repository", "file://" + t.TempDir()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "file" + strings.TrimPrefix(tc.url, "file://")
			_, err := m.Ensure(t.Context(), key, tc.url, &Auth{Token: "secret-token"}, nil)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if _, ok := errors.AsType[*Error](err); !ok {
				t.Errorf("err is %T, want *Error", err)
			}
			if _, ok := errors.AsType[*gitcli.Error](err); !ok {
				t.Error("the git error is not kept for logs")
			}
			msg := err.Error()
			for _, leak := range []string{"fatal", "secret-token", dir, strings.TrimPrefix(tc.url, "file://"), "/"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q contains %q", msg, leak)
				}
			}
			if _, err := os.Stat(m.Path(key)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("failed clone left a mirror: %v", err)
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("failed clone left %v", l)
			}
		})
	}
}

func TestCancelledCloneLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mirrors")
	m := newManager(t, newGit(t), Options{Dir: dir})
	src := newSource(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := m.Ensure(ctx, src.key, src.url, nil, func(p progress.Progress) {
		if p.Phase == progress.PhaseClone && p.Done == 0 {
			cancel() // git is about to start: it is killed mid-clone
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), dir) {
		t.Errorf("error %q names the data directory", err)
	}
	if _, err := os.Stat(m.Path(src.key)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cancelled clone left a mirror: %v", err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("cancelled clone left %v", l)
	}
	if res := mustEnsure(t, m, src, nil); res.Action != Cloned {
		t.Errorf("Ensure after a cancelled clone = %+v, want cloned", res)
	}
}

// A caller that gives up mid-clone undoes its work and lets the next
// caller, waiting for the key's lock meanwhile, clone.
func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	src := newSource(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	second := make(chan error, 1)
	go func() {
		_, err := m.Ensure(ctx, src.key, src.url, nil, func(p progress.Progress) {
			if p.Phase != progress.PhaseClone || p.Done != 0 {
				return
			}
			// The lock is held: start the second caller and wait until it
			// waits for the lock, then give up.
			go func() {
				_, err := m.Ensure(t.Context(), src.key, src.url, nil, nil)
				second <- err
			}()
			for !m.locks.waiting(mirrorName(src.key), 2) {
				time.Sleep(time.Millisecond)
			}
			cancel()
		})
		first <- err
	}()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want context.Canceled", err)
	}
	if err := <-second; err != nil {
		t.Errorf("patient caller failed: %v", err)
	}
	if _, err := os.Stat(m.Path(src.key)); err != nil {
		t.Errorf("the patient caller left no mirror: %v", err)
	}
}

// waiting reports whether name's lock has n holders and waiters (for tests).
func (l *keyLocks) waiting(name string, n int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.locks[name]
	return k != nil && k.refs == n
}

func TestNewRemovesLeftovers(t *testing.T) {
	g := newGit(t)
	dir := filepath.Join(t.TempDir(), "mirrors")
	holder := newManager(t, g, Options{Dir: dir})
	unlock, ok := holder.tryLock("busy-0123")
	if !ok {
		t.Fatal("could not lock")
	}
	defer unlock()
	for _, name := range []string{".tmp-x", ".tmp-repo-abc.123", ".tmp-busy-0123.456"} {
		if err := os.MkdirAll(filepath.Join(dir, name, "objects"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	newManager(t, g, Options{Dir: dir})
	got := leftovers(t, dir)
	if len(got) != 1 || filepath.Base(got[0]) != ".tmp-busy-0123.456" {
		t.Errorf("after New: %v, want only the one another process holds", got)
	}
}

func TestNewUnusableDir(t *testing.T) {
	base := t.TempDir()
	var dir string
	if os.Geteuid() == 0 {
		// root ignores permissions: make MkdirAll fail instead.
		file := filepath.Join(base, "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(file, "mirrors")
	} else {
		dir = filepath.Join(base, "ro")
		if err := os.Mkdir(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	}
	_, err := New(newGit(t), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("New(%s) = %v, want an error naming the directory", dir, err)
	}
}

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	m := newManager(t, newGit(t), Options{MaxBytes: 1})
	a, b := newSource(t, true), newSource(t, true)
	mustEnsure(t, m, a, nil)
	mustEnsure(t, m, b, nil)
	if _, err := os.Stat(m.Path(a.key)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("older mirror not evicted: %v", err)
	}
	if _, err := os.Stat(m.Path(b.key)); err != nil {
		t.Errorf("mirror just used was evicted: %v", err)
	}
	if n, size := m.Usage(); n != 1 || size <= 0 {
		t.Errorf("Usage = %d mirrors, %d bytes; want 1 mirror", n, size)
	}

	// A mirror locked by someone else is spared.
	unlock, _ := m.tryLock(mirrorName(b.key))
	mustEnsure(t, m, a, nil)
	unlock()
	if n, _ := m.Usage(); n != 2 {
		t.Errorf("Usage = %d mirrors, want 2: the locked one must stay", n)
	}
}

func TestRemove(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	src := newSource(t, true)
	mustEnsure(t, m, src, nil)
	if err := m.Remove(src.key); err != nil {
		t.Fatal(err)
	}
	if n, _ := m.Usage(); n != 0 {
		t.Errorf("Usage after Remove = %d mirrors", n)
	}
	if err := m.Remove(src.key); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	if res := mustEnsure(t, m, src, nil); res.Action != Cloned {
		t.Errorf("Ensure after Remove = %+v, want cloned", res)
	}
}

func TestUnusableMirrorIsReplaced(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	src := newSource(t, true)
	if err := os.MkdirAll(filepath.Join(m.Path(src.key), "junk"), 0o755); err != nil {
		t.Fatal(err)
	}
	if res := mustEnsure(t, m, src, nil); res.Action != Cloned {
		t.Errorf("Ensure over junk = %+v, want cloned", res)
	}
}

func TestLocalRepositoryReadInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mirrors")
	m := newManager(t, newGit(t), Options{Dir: dir})
	src := newSource(t, true)
	key := "local" + src.Dir
	res, err := m.Ensure(t.Context(), key, src.Dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{GitDir: filepath.Join(src.Dir, ".git"), Action: Local}
	if res != want {
		t.Errorf("Ensure = %+v, want %+v", res, want)
	}
	if err := m.Complete(t.Context(), key, src.Dir, nil, nil); err != nil {
		t.Errorf("Complete: %v", err)
	}
	if err := m.Remove(key); err != nil {
		t.Errorf("Remove: %v", err)
	}
	if _, err := os.Stat(res.GitDir); err != nil {
		t.Errorf("Remove touched the local repository: %v", err)
	}
	if n, _ := m.Usage(); n != 0 {
		t.Errorf("a local repository was copied: %d mirrors", n)
	}

	notRepo := t.TempDir()
	if _, err := m.Ensure(t.Context(), "local"+notRepo, notRepo, nil, nil); !errors.Is(err, gitcli.ErrNotRepository) {
		t.Errorf("Ensure of a plain directory = %v, want gitcli.ErrNotRepository", err)
	}
}

func TestPath(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	seen := map[string]string{}
	for _, key := range []string{
		"github.com/owner/name",
		"github.com/owner/name2",
		"local/abs/path",
		"../../etc/passwd",
		"/abs/path",
		"..",
		"",
		"a b\x00c\n",
		"-rf",
		strings.Repeat("very-long/", 50) + "tail",
	} {
		p := m.Path(key)
		base := filepath.Base(p)
		if filepath.Dir(p) != m.dir || !strings.HasSuffix(base, ".git") {
			t.Errorf("Path(%q) = %s, not a .git directory directly in %s", key, p, m.dir)
		}
		if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "-") || strings.ContainsAny(base, " \x00\n/") {
			t.Errorf("Path(%q) has an unsafe name %q", key, base)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("keys %q and %q share %s", key, other, p)
		}
		seen[p] = key
	}
	if base := filepath.Base(m.Path("github.com/owner/name")); !strings.HasPrefix(base, "github.com_owner_name-") {
		t.Errorf("Path lost the readable prefix: %s", base)
	}
}

// httpsSource serves src over HTTPS through git http-backend, refusing
// requests that do not carry token as GitHub-style basic auth.
func httpsSource(t *testing.T, src *source, token string) (url string, caFile string) {
	t.Helper()
	backend := testrepo.HTTPBackend(t, filepath.Dir(src.Dir))
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/" + filepath.Base(src.Dir) + "/.git", caFile
}

func TestTokenOverHTTPS(t *testing.T) {
	const token = "ghp_FakeToken1234567890"
	g := newGit(t)
	dir := filepath.Join(t.TempDir(), "mirrors")
	m := newManager(t, g, Options{Dir: dir})
	src := newSource(t, true)
	url, ca := httpsSource(t, src, token)
	m.remoteConfig = [][2]string{{"http.sslCAInfo", ca}}
	https := &source{Repo: src.Repo, url: url, key: "127.0.0.1/test/repo"}

	for _, tc := range []struct {
		name string
		auth *Auth
	}{
		{"no token", nil},
		{"wrong token", &Auth{Token: "ghp_WrongToken0987654321"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Ensure(t.Context(), https.key, https.url, tc.auth, nil)
			if !errors.Is(err, ErrAuth) {
				t.Fatalf("err = %v, want ErrAuth", err)
			}
			for _, leak := range []string{"ghp_", dir, "127.0.0.1", "fatal"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q contains %q", err, leak)
				}
			}
			if ge, ok := errors.AsType[*gitcli.Error](err); ok && tc.auth != nil && strings.Contains(ge.Error(), tc.auth.Token) {
				t.Errorf("logged cause contains the token: %v", ge)
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("failed clone left %v", l)
			}
		})
	}

	auth := &Auth{Token: token}
	res := mustEnsure(t, m, https, auth)
	if !res.Partial {
		t.Errorf("Ensure = %+v, want a partial clone over HTTPS", res)
	}
	// The .mailmap prefetch is a lazy fetch: it must have carried the token.
	if err := g.LogMetadata(t.Context(), res.GitDir, "HEAD", nil, func(*gitcli.CommitMeta) error { return nil }); err != nil {
		t.Errorf("read history of the partial HTTPS mirror: %v", err)
	}
	// So are the fetches of Prefetch.
	if err := m.Prefetch(t.Context(), https.key, https.url, auth, []string{src.Git("rev-parse", "HEAD")}, nil); err != nil {
		t.Errorf("Prefetch over HTTPS: %v", err)
	}
	if err := m.Complete(t.Context(), https.key, https.url, auth, nil); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if n := missingObjects(t, res.GitDir); n != 0 {
		t.Errorf("%d objects missing after Complete", n)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	var stored strings.Builder
	stored.WriteString(gitOut(t, res.GitDir, "config", "--list"))
	_ = filepath.WalkDir(res.GitDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(path, "objects") {
			b, _ := os.ReadFile(path)
			stored.Write(b)
		}
		return nil
	})
	if s := stored.String(); strings.Contains(s, token) || strings.Contains(s, basic) {
		t.Error("the token was written into the mirror")
	}
}

func TestTokenNotSentOverPlainTransport(t *testing.T) {
	m := newManager(t, newGit(t), Options{})
	src := newSource(t, true)
	res := mustEnsure(t, m, src, &Auth{Token: "ghp_FakeToken1234567890"})
	if cfg := gitOut(t, res.GitDir, "config", "--list"); strings.Contains(cfg, "ghp_") || strings.Contains(cfg, "extraheader") {
		t.Errorf("token stored in config:\n%s", cfg)
	}
}

func FuzzParsers(f *testing.F) {
	f.Add([]byte("ref: refs/heads/main\tHEAD\n0123abcd\tHEAD\n"))
	f.Add([]byte("gitpulse.fetched\n1700000000\x00gitpulse.partial\ntrue\x00remote.origin.url\nfile:///x\x00"))
	f.Add([]byte("0123\n?4567\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if ref := parseSymref(b); ref != "" && (!strings.HasPrefix(ref, "refs/heads/") || strings.ContainsAny(ref, "\t\n\x00 ")) {
			t.Errorf("parseSymref(%q) = %q", b, ref)
		}
		if st, ok := parseState(b); !ok && st != (state{}) {
			t.Errorf("parseState(%q) = %+v with ok false", b, st)
		}
		hasMissing(b)
	})
}
