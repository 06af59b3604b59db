package mirror

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// headStartOf returns the head start the clone of s started and waits for
// it to end.
func headStartOf(t *testing.T, m *Manager, s *source) *headStart {
	t.Helper()
	m.headStarts.mu.Lock()
	hs := m.headStarts.m[mirrorName(s.key)]
	m.headStarts.mu.Unlock()
	if hs == nil {
		t.Fatal("the clone started no head start")
	}
	<-hs.done
	return hs
}

// packObjects returns the names of the objects in the packs of a pack
// directory, by pack file name, each followed by its type ("name blob").
func packObjects(t *testing.T, s *source, dir string) map[string][]string {
	t.Helper()
	idxs, err := filepath.Glob(filepath.Join(dir, "pack-*.idx"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, idx := range idxs {
		for line := range strings.Lines(s.Git("verify-pack", "-v", idx)) {
			if f := strings.Fields(line); len(f) >= 2 && len(f[0]) == 40 && strings.Trim(f[0], "0123456789abcdef") == "" {
				out[filepath.Base(idx)] = append(out[filepath.Base(idx)], f[0]+" "+f[1])
			}
		}
	}
	return out
}

// TestHeadStartFetchesTheNewestPeriod: beside a clone, a head start
// fetches the trees and changed blobs of the commits of its period before
// the head's author date (not those of older commits); Prefetch of the
// newest commits moves its packs into the mirror and fetches only what it
// lacks (the diff of the commit at its shallow boundary), none of it
// again; the statistics of those commits then read offline as git's on
// the source.
func TestHeadStartFetchesTheNewestPeriod(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{HeadStart: 30 * 24 * time.Hour})
	src := newSource(t, true) // three commits of 2024-01-01
	files := map[string][]byte{}
	for k := range 6 {
		files[fmt.Sprintf("src/d%d/f%d.go", k%3, k)] = fmt.Appendf(nil, "package d\n// %d\n", k)
	}
	src.Commit(testrepo.Commit{Files: files, Date: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
	recent := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for day := range 4 {
		for p := range files {
			files[p] = fmt.Appendf(files[p], "// day %d\n", day)
		}
		src.Commit(testrepo.Commit{Files: files, Date: recent.AddDate(0, 0, day)})
	}
	res := mustEnsure(t, m, src, nil)
	if !res.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", res)
	}
	hs := headStartOf(t, m, src)
	if hs.err != nil {
		t.Fatalf("head start: %v", hs.err)
	}
	newest := strings.Fields(src.Git("rev-list", "-4", "HEAD"))
	if got := strings.Fields(src.Git("--git-dir="+hs.dir, "rev-list", headStartRef)); !slices.Equal(got, newest) {
		t.Fatalf("head start holds commits %v, want the period's %v", got, newest)
	}
	early := packObjects(t, src, filepath.Join(hs.dir, "objects", "pack"))
	fetched := map[string]bool{}
	for _, objs := range early {
		for _, o := range objs {
			fetched[o] = true
		}
	}
	// The commit of March 2024 is outside the period: its blobs stay
	// behind.
	for _, o := range strings.Fields(src.Git("ls-tree", "-r", "--format=%(objectname)", "HEAD~4", "src")) {
		if fetched[o+" blob"] {
			t.Errorf("head start fetched blob %s of a commit outside its period", o)
		}
	}

	before := packObjects(t, src, filepath.Join(res.GitDir, "objects", "pack"))
	if err := m.Prefetch(t.Context(), src.key, src.url, nil, newest, nil); err != nil {
		t.Fatalf("Prefetch: %v", err)
	}
	if _, err := os.Stat(hs.dir); !os.IsNotExist(err) {
		t.Errorf("head start directory still there after Prefetch took it (%v)", err)
	}
	after := packObjects(t, src, filepath.Join(res.GitDir, "objects", "pack"))
	var topUp []string
	for name, objs := range after {
		switch {
		case before[name] != nil:
		case early[name] != nil:
			if !slices.Equal(objs, early[name]) {
				t.Errorf("pack %s moved in with other objects", name)
			}
		default:
			topUp = append(topUp, objs...)
		}
	}
	for name := range early {
		if after[name] == nil {
			t.Errorf("head start pack %s was not moved into the mirror", name)
		}
	}
	if len(topUp) == 0 {
		t.Error("Prefetch fetched nothing, yet the boundary commit's diff was not in the head start")
	}
	// A tree fetched comes with all its subtrees, some of which the head
	// start had; no blob is fetched twice.
	for _, o := range topUp {
		if fetched[o] && strings.HasSuffix(o, " blob") {
			t.Errorf("Prefetch fetched %s again", o)
		}
	}
	offline := g.Offline()
	for _, c := range newest {
		var got []string
		err := offline.Numstat(t.Context(), res.GitDir, [][]byte{[]byte(c)}, func(_ []byte, files []gitcli.FileStat) error {
			for _, f := range files {
				got = append(got, fmt.Sprintf("%d %d %s", f.Added, f.Deleted, f.Path))
			}
			return nil
		})
		var want []string
		for line := range strings.Lines(src.Git("diff-tree", "--no-commit-id", "--numstat", "-r", c)) {
			want = append(want, strings.ReplaceAll(strings.TrimSpace(line), "\t", " "))
		}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("offline numstat of %s: %v, %v; git on the source: %v", c, got, err, want)
		}
	}
}

// TestHeadStartDiscarded: a head start nobody takes is removed when
// Complete runs, when the context of the clone ends, or by Close before
// it returns; one whose period holds the whole history fetches no blobs.
func TestHeadStartDiscarded(t *testing.T) {
	leftovers := func(m *Manager) []string {
		t.Helper()
		names, err := filepath.Glob(filepath.Join(m.dir, tmpPrefix+"*"))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	g := newGit(t)

	m := newManager(t, g, Options{HeadStart: 30 * 24 * time.Hour})
	src := newSource(t, true)
	mustEnsure(t, m, src, nil)
	if hs := headStartOf(t, m, src); hs.err != errWholeHistory {
		t.Errorf("head start over a history of one day: %v, want %v", hs.err, errWholeHistory)
	}
	if err := m.Complete(t.Context(), src.key, src.url, nil, nil); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	waitGone(t, leftovers, m)

	m = newManager(t, g, Options{HeadStart: 30 * 24 * time.Hour})
	src = newSource(t, true)
	ctx, cancel := context.WithCancel(t.Context())
	if _, err := m.Ensure(ctx, src.key, src.url, nil, nil); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if len(leftovers(m)) != 1 {
		t.Fatalf("temporary directories after a clone with a head start: %v, want one", leftovers(m))
	}
	cancel()
	waitGone(t, leftovers, m)

	m = newManager(t, g, Options{HeadStart: 30 * 24 * time.Hour})
	src = newSource(t, true)
	mustEnsure(t, m, src, nil)
	m.Close()
	if got := leftovers(m); len(got) > 0 {
		t.Errorf("temporary directories after Close: %v", got)
	}
}

// waitGone waits up to 10 s for the temporary directories of m to go.
func waitGone(t *testing.T, leftovers func(*Manager) []string, m *Manager) {
	t.Helper()
	for start := time.Now(); len(leftovers(m)) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("temporary directories left: %v", leftovers(m))
		}
	}
}

// TestHeadStartTakenIsStopped: Prefetch taking a head start still at work
// (here one that ends only when stopped) stops it rather than wait, and
// moves in the packs it completed; one that failed by itself, or whose
// period held the whole history, gives nothing.
func TestHeadStartTakenIsStopped(t *testing.T) {
	m := newManager(t, newGit(t), Options{HeadStart: time.Hour})
	src := newSource(t, true)
	res := mustEnsure(t, m, src, nil)
	r := m.newRemote(src.key, src.url, nil)
	mirrorPacks := filepath.Join(res.GitDir, "objects", "pack")

	// newHeadStart returns a head start whose directory holds one pack
	// (of the source's commit rev) and which ends with err when stopped,
	// or at once if running is false.
	newHeadStart := func(rev string, err error, running bool) (*headStart, string) {
		dir := t.TempDir()
		packs := filepath.Join(dir, "objects", "pack")
		if err := os.MkdirAll(packs, 0o755); err != nil {
			t.Fatal(err)
		}
		name, err2 := testrepo.Run(src.Dir, nil, []byte(src.Git("rev-parse", rev)), "pack-objects", filepath.Join(packs, "pack"))
		if err2 != nil {
			t.Fatal(err2)
		}
		hs := &headStart{dir: dir, done: make(chan struct{}), err: err, cancel: func() {}}
		var once sync.Once
		hs.stop = func() { once.Do(func() { close(hs.done) }) }
		if !running {
			hs.stop()
		}
		m.headStarts.put(r.name, hs)
		return hs, "pack-" + strings.TrimSpace(string(name)) + ".idx"
	}
	adopt := func() (bool, error) {
		t.Helper()
		type result struct {
			ok  bool
			err error
		}
		got := make(chan result, 1)
		go func() {
			ok, err := m.adoptHeadStart(t.Context(), r)
			got <- result{ok, err}
		}()
		select {
		case res := <-got:
			return res.ok, res.err
		case <-time.After(10 * time.Second):
			t.Fatal("Prefetch waits for a head start still at work")
			return false, nil
		}
	}

	_, idx := newHeadStart("HEAD", fmt.Errorf("fetch file contents: %w", context.Canceled), true)
	if ok, err := adopt(); !ok || err != nil {
		t.Fatalf("taking a head start at work: %v, %v; want its packs", ok, err)
	}
	if _, err := os.Stat(filepath.Join(mirrorPacks, idx)); err != nil {
		t.Errorf("the pack the head start completed is not in the mirror: %v", err)
	}
	if m.headStarts.take(r.name, nil) != nil {
		t.Error("the head start is still there after Prefetch took it")
	}

	for k, failed := range []error{errors.New("fetch file contents: exit status 128"), errWholeHistory} {
		_, idx := newHeadStart(fmt.Sprintf("HEAD~%d", k+1), failed, false)
		if ok, err := adopt(); ok || err != nil {
			t.Errorf("taking a head start that ended with %q: %v, %v; want nothing", failed, ok, err)
		}
		if _, err := os.Stat(filepath.Join(mirrorPacks, idx)); !os.IsNotExist(err) {
			t.Errorf("a pack of a head start that ended with %q moved into the mirror (%v)", failed, err)
		}
	}
}

// TestHeadStartRequestsSayWhatTheyAre: over HTTP, a head start's requests
// carry HeadStartHeader, and the clone's own do not: a remote (or a test
// counting requests) can tell them apart.
func TestHeadStartRequestsSayWhatTheyAre(t *testing.T) {
	src := newSource(t, true)
	name, value, _ := strings.Cut(HeadStartHeader, ": ")
	var mu sync.Mutex
	count := map[bool]int{} // advertisements, by whether they carry the header
	backend := testrepo.HTTPBackend(t, filepath.Dir(src.Dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/info/refs") {
			mu.Lock()
			count[r.Header.Get(name) == value]++
			mu.Unlock()
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	u := srv.URL + "/" + filepath.Base(src.Dir)
	counts := func() (plain, marked int) {
		mu.Lock()
		defer mu.Unlock()
		return count[false], count[true]
	}

	g := newGit(t)
	if _, err := newManager(t, g, Options{}).Ensure(t.Context(), "plain/repo", u, nil, nil); err != nil {
		t.Fatalf("Ensure without a head start: %v", err)
	}
	clone, marked := counts()
	if clone == 0 || marked != 0 {
		t.Fatalf("a clone without a head start: %d requests without the header, %d with it", clone, marked)
	}
	m := newManager(t, g, Options{HeadStart: 30 * 24 * time.Hour})
	if _, err := m.Ensure(t.Context(), "early/repo", u, nil, nil); err != nil {
		t.Fatalf("Ensure with a head start: %v", err)
	}
	m.headStarts.mu.Lock()
	hs := m.headStarts.m[mirrorName("early/repo")]
	m.headStarts.mu.Unlock()
	if hs == nil {
		t.Fatal("the clone started no head start")
	}
	<-hs.done
	plain, marked := counts()
	// The head start fetched the head commit, then the commits of its
	// period (the whole history here), and the clone asked as before.
	if plain-clone != clone || marked < 2 {
		t.Errorf("a clone with a head start: %d requests without the header (%d for a clone), %d with it (want 2 or more)", plain-clone, clone, marked)
	}
}
