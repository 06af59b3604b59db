package history_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func localPolicy() repourl.Policy {
	p := repourl.DefaultPolicy()
	p.AllowLocal = true
	return p
}

func newService(t testing.TB, dataDir string, opts history.Options) *history.Service {
	t.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	opts.DataDir = dataDir
	if opts.Policy.AllowedHosts == nil {
		opts.Policy = localPolicy()
	}
	s, err := history.New(g, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// sourceRepo is a bare repository with a generated history that clients
// may fetch with filters, as a forge would serve it.
func sourceRepo(t *testing.T, commits int) string {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: commits, MergeEvery: 7})
	if _, err := testrepo.Run(dir, nil, nil, "config", "uploadpack.allowFilter", "true"); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLocalPathReadInPlaceAndPersisted(t *testing.T) {
	data := t.TempDir()
	src := sourceRepo(t, 300)
	s := newService(t, data, history.Options{})
	r, err := s.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.WaitStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	n := v.Index().Len()
	if n != 300+(300-1)/7 { // each merge brings one side-branch commit
		t.Fatalf("indexed %d commits", n)
	}
	// Read in place: no mirror was made.
	if entries, _ := os.ReadDir(filepath.Join(data, "mirrors")); countDirs(entries) != 0 {
		t.Fatalf("a local repository was copied into mirrors/: %v", entries)
	}
	s.Close()
	idx, _ := filepath.Glob(filepath.Join(data, "indexes", "*.idx"))
	if len(idx) != 1 {
		t.Fatalf("index files: %v", idx)
	}
	st, _ := os.Stat(idx[0])

	// A new process loads the saved index instead of rebuilding it.
	s2 := newService(t, data, history.Options{})
	r2, err := s2.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := r2.WaitStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if v2.Index().Len() != n || v2.Index().Head() != v.Index().Head() {
		t.Fatal("reloaded index differs")
	}
	s2.Close()
	if st2, _ := os.Stat(idx[0]); !st2.ModTime().Equal(st.ModTime()) {
		t.Fatal("index was rewritten although nothing changed")
	}
}

func countDirs(entries []os.DirEntry) int {
	n := 0
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

func TestMirroredURLProgressiveAndConcurrent(t *testing.T) {
	src := sourceRepo(t, 500)
	if _, err := testrepo.Run(src, nil, nil, "tag", "v1.0", "HEAD~3"); err != nil {
		t.Fatal(err)
	}
	s := newService(t, t.TempDir(), history.Options{FetchInterval: time.Hour})
	url := "file://" + src
	var wg sync.WaitGroup
	repos := make([]*history.Repo, 8)
	errs := make([]error, 8)
	for i := range repos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			repos[i], errs[i] = s.Open(ctx(t), url, nil)
		}()
	}
	wg.Wait()
	for i := range repos {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if repos[i] != repos[0] {
			t.Fatal("concurrent opens of one URL got different repositories")
		}
	}
	v := repos[0].View()
	if v == nil || v.Index().Len() == 0 {
		t.Fatal("no commits after Open")
	}
	full, err := repos[0].WaitStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !full.Index().HasStats || full.Index().Len() != v.Index().Len() {
		t.Fatal("line statistics missing or history changed")
	}
	tags, err := repos[0].Refs(ctx(t), gitcli.Tags)
	if err != nil || len(tags) != 1 || tags[0].Name != "v1.0" {
		t.Fatalf("mirror's tags = %+v, %v; want v1.0", tags, err)
	}
}

func TestFetchesNewCommits(t *testing.T) {
	src := testrepo.New(t)
	src.Commit(testrepo.Commit{Message: "one", Files: map[string][]byte{"a": []byte("1\n")}})
	s := newService(t, t.TempDir(), history.Options{FetchInterval: time.Millisecond})
	url := "file://" + src.Dir
	r, err := s.Open(ctx(t), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WaitStats(ctx(t)); err != nil {
		t.Fatal(err)
	}
	old := r.View().Index().Head()
	head := src.Commit(testrepo.Commit{Message: "two", Files: map[string][]byte{"a": []byte("2\n")}})
	time.Sleep(5 * time.Millisecond)
	// Past the fetch interval the answer comes from the loaded index at
	// once, while the fetch runs behind it; a later one has the commit.
	deadline := time.Now().Add(30 * time.Second)
	for stale := true; ; stale = false {
		r, err = s.Open(ctx(t), url, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.WaitStats(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if stale && v.Index().Head() != old {
			t.Fatalf("the first answer after the interval waited for the fetch: head %s, want the loaded %s", v.Index().Head(), old)
		}
		if v.Index().Head() == head && v.Index().Len() == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a new commit: head %s len %d, want %s and 2", v.Index().Head(), v.Index().Len(), head)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFetchIntervalZeroWaits: with a fetch interval of zero (fetch before
// every answer) an answer waits for the fetch and has the new commit.
func TestFetchIntervalZeroWaits(t *testing.T) {
	src := testrepo.New(t)
	src.Commit(testrepo.Commit{Message: "one", Files: map[string][]byte{"a": []byte("1\n")}})
	s := newService(t, t.TempDir(), history.Options{})
	url := "file://" + src.Dir
	r, err := s.Open(ctx(t), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WaitStats(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// The first job may still be saving the index after publishing it; a
	// request meanwhile joins it rather than starting another.
	for r.Refreshing() {
		time.Sleep(5 * time.Millisecond)
	}
	head := src.Commit(testrepo.Commit{Message: "two", Files: map[string][]byte{"a": []byte("2\n")}})
	if r, err = s.Open(ctx(t), url, nil); err != nil {
		t.Fatal(err)
	}
	if got := r.View().Index().Head(); got != head {
		t.Fatalf("interval 0: answered from %s, want the new head %s", got, head)
	}
}

func TestBadInput(t *testing.T) {
	s := newService(t, t.TempDir(), history.Options{})
	server := newService(t, t.TempDir(), history.Options{Policy: repourl.DefaultPolicy()})
	t.Run("refused URL", func(t *testing.T) {
		_, err := server.Open(ctx(t), "http://github.com/a/b", nil)
		if !errors.Is(err, repourl.ErrRefused) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not a repository", func(t *testing.T) {
		_, err := s.Open(ctx(t), t.TempDir(), nil)
		if err == nil || !strings.Contains(err.Error(), "not a git repository") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing remote", func(t *testing.T) {
		_, err := s.Open(ctx(t), "file:///nonexistent/repo.git", nil)
		if err == nil {
			t.Fatal("no error for a missing repository")
		}
	})
	t.Run("empty repository", func(t *testing.T) {
		r, err := s.Open(ctx(t), testrepo.New(t).Dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.WaitStats(ctx(t))
		if err != nil || v.Index().Len() != 0 {
			t.Fatalf("empty repository: %v", err)
		}
	})
}

func TestCorruptIndexIsRebuilt(t *testing.T) {
	data := t.TempDir()
	src := sourceRepo(t, 50)
	s := newService(t, data, history.Options{})
	r, err := s.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := r.WaitStats(ctx(t))
	s.Close()
	idx, _ := filepath.Glob(filepath.Join(data, "indexes", "*.idx"))
	if err := os.WriteFile(idx[0], []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := newService(t, data, history.Options{})
	r2, err := s2.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := r2.WaitStats(ctx(t))
	if err != nil || v2.Index().Len() != v.Index().Len() {
		t.Fatalf("rebuild after corruption: %v", err)
	}
}

// TestInterruptedIndexLeavesNothingHalfWritten: a process that ends
// during pass 2 leaves exactly one index file, its valid pass-1 index (no
// temporary or half-written file), which the next process serves at once
// and completes.
func TestInterruptedIndexLeavesNothingHalfWritten(t *testing.T) {
	data := t.TempDir()
	src := sourceRepo(t, 3000)
	s := newService(t, data, history.Options{})
	r, err := s.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // cancels pass 2 midway
	files, _ := filepath.Glob(filepath.Join(data, "indexes", "*"))
	if len(files) != 1 || filepath.Ext(files[0]) != ".idx" {
		t.Fatalf("files after an interrupted build: %v, want one index", files)
	}
	saved, err := index.Load(files[0])
	if err != nil || saved.Len() != r.View().Index().Len() {
		t.Fatalf("the saved index: %v", err)
	}
	s2 := newService(t, data, history.Options{})
	r2, err := s2.Open(ctx(t), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r2.View().Index().Len() != saved.Len() {
		t.Fatal("the saved pass 1 was not served")
	}
	v2, err := r2.WaitStats(ctx(t))
	if err != nil || !v2.Index().HasStats || v2.Index().Len() != saved.Len() {
		t.Fatalf("completing the saved index: %v", err)
	}
}

func TestDataDirNotWritable(t *testing.T) {
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = history.New(g, history.Options{DataDir: filepath.Join(file, "data")})
	if err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("err = %v, want a data directory error", err)
	}
}

// TestSmallRepositoryFirstAnswerHasStats guards issue 11.12: the first
// answer on a small never-seen repository waits for its line statistics,
// while a large one is answered from its commits alone.
func TestSmallRepositoryFirstAnswerHasStats(t *testing.T) {
	s := newService(t, t.TempDir(), history.Options{StatsWait: time.Minute})
	smallDir, largeDir := sourceRepo(t, 20), sourceRepo(t, history.SmallHistory+500)
	small, err := s.Open(ctx(t), smallDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := small.View(); v == nil || !v.Index().HasStats || v.Index().Len() == 0 {
		t.Fatal("the first view of a small repository has no line statistics")
	}
	large, err := s.Open(ctx(t), largeDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := large.View(); v == nil || v.Index().HasStats {
		t.Fatal("a large repository waited for its line statistics before its first answer")
	}
	if v, err := large.WaitStats(ctx(t)); err != nil || !v.Index().HasStats {
		t.Fatalf("line statistics of the large repository: %v", err)
	}
}

// TestDetailsStatsAgreeWithGit: Details gives each commit git's own files
// and line counts, whether they come from the index's statistics (the
// indexed branch) or from git diff-tree (a branch the index lacks).
func TestDetailsStatsAgreeWithGit(t *testing.T) {
	src := testrepo.New(t)
	for i := range 6 {
		src.Commit(testrepo.Commit{Message: fmt.Sprintf("change %d\n\nbody %d", i, i), Files: map[string][]byte{
			fmt.Sprintf("d%d/f.txt", i%2): []byte(strings.Repeat("line\n", i+1)), "bin.dat": {0, byte(i)}}})
	}
	src.Git("checkout", "-q", "-b", "side")
	src.Commit(testrepo.Commit{Message: "side work", Files: map[string][]byte{"side.txt": []byte("a\nb\n"), "d0/f.txt": nil}})
	src.Git("checkout", "-q", "main")
	s := newService(t, t.TempDir(), history.Options{StatsWait: time.Minute})
	r, err := s.Open(ctx(t), src.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WaitStats(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ rev, exclude string }{{"refs/heads/main", "HEAD~4"}, {"refs/heads/side", "refs/heads/main"}} {
		commits, err := r.Details(ctx(t), c.rev, []string{c.exclude})
		if err != nil {
			t.Fatal(err)
		}
		if len(commits) == 0 {
			t.Fatalf("%s: no commits", c.rev)
		}
		for _, cm := range commits {
			var got []string
			for _, f := range cm.Files {
				got = append(got, fmt.Sprintf("%d\t%d\t%s", f.Added, f.Deleted, f.Path))
			}
			// git's own numstat, binary files counted 0/0 as the index does.
			out := src.Git("show", "--numstat", "--no-renames", "--format=", cm.Hash)
			var want []string
			for line := range strings.Lines(out) {
				if line = strings.TrimSpace(strings.ReplaceAll(line, "-\t-\t", "0\t0\t")); line != "" {
					want = append(want, line)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || !strings.Contains(cm.Message, "\n\n") && c.rev == "refs/heads/main" {
				t.Errorf("%s %s: files %q, git says %q (message %q)", c.rev, cm.Hash, got, want, cm.Message)
			}
		}
	}
}

// TestLoadedIndexExtendedOverOlderMerge: a new process loads the saved
// index and extends it with a merged branch of commits older than the
// indexed head, which git log lists among the indexed ones (the extension
// is written over the loaded index, which nothing else reads yet): the
// index served lists git's commits in git's order with git's line
// statistics, as a fresh build does, and so does the one it saves.
func TestLoadedIndexExtendedOverOlderMerge(t *testing.T) {
	data := t.TempDir()
	src := testrepo.New(t)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		src.Commit(testrepo.Commit{Date: day.Add(time.Duration(i) * time.Hour), Message: fmt.Sprint("main ", i),
			Files: map[string][]byte{fmt.Sprintf("m%d.txt", i%5): fmt.Appendf(nil, "%d\n", i)}})
	}
	s := newService(t, data, history.Options{})
	r, err := s.Open(ctx(t), src.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WaitStats(ctx(t)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	src.Git("checkout", "-q", "-b", "topic", "HEAD~20")
	for k := range 3 { // dated between main 14 and main 15
		src.Commit(testrepo.Commit{Date: day.Add(14*time.Hour + time.Duration(k+1)*time.Minute), Message: fmt.Sprint("topic ", k),
			Files: map[string][]byte{fmt.Sprintf("t%d.txt", k): []byte("t\nu\n")}})
	}
	src.Git("checkout", "-q", "main")
	src.Merge("topic", testrepo.Commit{Date: day.Add(40 * time.Hour)})
	order := strings.Fields(src.Git("rev-list", "HEAD"))
	if src.Git("log", "-1", "--format=%s", order[16]) != "topic 2" { // after the merge and main 29..15
		t.Fatalf("git log does not list the topic's commits among main's: %q", src.Git("log", "--format=%s"))
	}

	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := (&index.Builder{Git: g}).Build(ctx(t), filepath.Join(src.Dir, ".git"), nil)
	if err != nil {
		t.Fatal(err)
	}
	same := func(name string, x *index.Index) {
		t.Helper()
		if x.Len() != len(order) || !slices.Equal(x.Hashes, fresh.Hashes) || !slices.Equal(x.Added, fresh.Added) ||
			!slices.Equal(x.Deleted, fresh.Deleted) || !slices.Equal(x.AuthorTime, fresh.AuthorTime) {
			t.Fatalf("%s: %d commits, differs from a fresh build of %d", name, x.Len(), len(order))
		}
		for i, h := range order {
			if x.Hash(i) != h || x.Subject(i) != fresh.Subject(i) {
				t.Fatalf("%s: commit %d is %s %q, git lists %s", name, i, x.Hash(i), x.Subject(i), h)
			}
		}
	}
	s2 := newService(t, data, history.Options{})
	r2, err := s2.Open(ctx(t), src.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r2.WaitStats(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	same("served", v.Index())
	s2.Close()
	idx, _ := filepath.Glob(filepath.Join(data, "indexes", "*.idx"))
	if len(idx) != 1 {
		t.Fatalf("index files: %v", idx)
	}
	saved, err := index.Load(idx[0])
	if err != nil {
		t.Fatal(err)
	}
	same("saved", saved)
}
