package index_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func newGit(tb testing.TB) *gitcli.Git {
	tb.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func build(tb testing.TB, g *gitcli.Git, dir string) *index.Index {
	tb.Helper()
	b := &index.Builder{Git: g, Workers: 2}
	x, err := b.Build(context.Background(), gitDir(tb, g, dir), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return x
}

// marshal encodes x as Encode streams it.
func marshal(tb testing.TB, x *index.Index) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := x.Encode(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func gitDir(tb testing.TB, g *gitcli.Git, dir string) string {
	tb.Helper()
	d, err := g.GitDir(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// truth is what git itself says about each commit, newest first.
type truth struct {
	hash, author, subject string
	added, deleted, files int
	authorTime            int64
	changes               string // "path added deleted" per file, in git's order
}

// gitTruth reads the history with plain git log, independently of gitcli.
func gitTruth(tb testing.TB, dir string) []truth {
	tb.Helper()
	out, err := testrepo.Run(dir, nil, nil, "log", "-z", "--use-mailmap", "--numstat", "--no-renames",
		"--format=@@%H%x00%aN <%aE>%x00%at%x00%s")
	if err != nil {
		tb.Fatal(err)
	}
	var all []truth
	for _, rec := range strings.Split(string(out), "@@")[1:] {
		f := strings.SplitN(rec, "\x00", 4)
		tm, _ := strconv.ParseInt(f[2], 10, 64)
		t := truth{hash: f[0], author: f[1], authorTime: tm}
		subject, stats, _ := strings.Cut(f[3], "\x00")
		t.subject = subject
		for _, line := range strings.Split(stats, "\x00") {
			parts := strings.SplitN(strings.TrimLeft(line, "\n"), "\t", 3)
			if len(parts) != 3 {
				continue
			}
			t.files++
			a, _ := strconv.Atoi(parts[0])
			d, _ := strconv.Atoi(parts[1])
			t.added += a
			t.deleted += d
			t.changes += fmt.Sprintf("%q %d %d\n", parts[2], a, d)
		}
		all = append(all, t)
	}
	return all
}

func checkAgainstGit(t *testing.T, x *index.Index, dir string) {
	t.Helper()
	want := gitTruth(t, dir)
	if x.Len() != len(want) {
		t.Fatalf("index has %d commits, git log %d", x.Len(), len(want))
	}
	if !x.HasStats {
		t.Fatal("index has no line stats")
	}
	for i, w := range want {
		id := x.Idents[x.Author[i]]
		got := truth{
			hash: x.Hash(i), author: id.Name + " <" + id.Email + ">", subject: x.Subject(i),
			added: int(x.Added[i]), deleted: int(x.Deleted[i]), files: int(x.FilesChanged[i]),
			authorTime: x.AuthorTime[i],
		}
		lo, hi := x.Changes(i)
		var sum uint32
		for j := lo; j < hi; j++ {
			sum += x.ChangeAdded[j]
			got.changes += fmt.Sprintf("%q %d %d\n", x.Paths[x.ChangePath[j]], x.ChangeAdded[j], x.ChangeDeleted[j])
		}
		if sum != x.Added[i] || hi-lo != int(x.FilesChanged[i]) {
			t.Errorf("commit %d: changes do not add up to the commit totals", i)
		}
		if got != w {
			t.Errorf("commit %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
}

func TestBuildMatchesGit(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	day := time.Date(2023, 3, 1, 9, 0, 0, 0, time.FixedZone("", -7*3600))
	r.Commit(testrepo.Commit{Author: "Alice <alice@old.example>", Date: day, Message: "first\n\nbody with | pipes",
		Files: map[string][]byte{"a b.txt": []byte("1\n2\n"), "bin.dat": {0, 1, 2, 0}, ".mailmap": []byte("Alice Smith <alice@example.com> <alice@old.example>\n")}})
	r.Commit(testrepo.Commit{Author: "Bob <bob@example.com>", Date: day.Add(time.Hour), Message: "weird \x01 bytes \xff\xfe | and\nnewlines",
		Files: map[string][]byte{"dir/new\nline.go": []byte("x\n"), "quo\"te's.md": []byte("q\n"), "ünïcödé/файл.txt": []byte("u\n"), "tab\there": []byte("t\n")}})
	r.Git("checkout", "-q", "-b", "side")
	r.Commit(testrepo.Commit{Author: "Carol <carol@example.com>", Date: day.Add(2 * time.Hour), Files: map[string][]byte{"side.txt": []byte("s\n")}})
	r.Git("checkout", "-q", "main")
	r.Commit(testrepo.Commit{Date: day.Add(3 * time.Hour), Files: map[string][]byte{"a b.txt": []byte("1\n3\n4\n"), "bin.dat": {0, 9}}})
	if _, err := testrepo.Run(r.Dir, []string{"GIT_AUTHOR_DATE=2023-03-02T00:00:00Z", "GIT_COMMITTER_DATE=2023-03-02T00:00:00Z"}, nil, "merge", "-q", "--no-ff", "-m", "merge side", "side"); err != nil {
		t.Fatal(err)
	}
	r.Commit(testrepo.Commit{Message: "delete", Date: day.Add(48 * time.Hour), Files: map[string][]byte{"quo\"te's.md": nil}})

	x := build(t, g, r.Dir)
	checkAgainstGit(t, x, r.Dir)
	if x.Branch != "main" || x.ObjectFormat != "sha1" {
		t.Errorf("branch %q format %q", x.Branch, x.ObjectFormat)
	}
	// Mailmap applied: Alice's old address maps to the new identity.
	last := x.Len() - 1
	if id := x.Idents[x.Author[last]]; id.Name != "Alice Smith" || id.Email != "alice@example.com" {
		t.Errorf("root author %+v, want the mailmapped identity", id)
	}
	if x.AuthorZone[last] != -7*60 {
		t.Errorf("author zone %d, want -420", x.AuthorZone[last])
	}
	// The merge is a commit without line stats.
	merges := 0
	for i := 0; i < x.Len(); i++ {
		if x.IsMerge(i) {
			merges++
			if x.FilesChanged[i] != 0 {
				t.Errorf("merge %d has %d changed files", i, x.FilesChanged[i])
			}
		}
	}
	if merges != 1 {
		t.Errorf("%d merges, want 1", merges)
	}
	// Paths with newlines, quotes, tabs and non-ASCII survive verbatim.
	for _, p := range []string{"dir/new\nline.go", "quo\"te's.md", "ünïcödé/файл.txt", "tab\there", "bin.dat"} {
		if !contains(x.Paths, p) {
			t.Errorf("path %q missing from %q", p, x.Paths)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestEmptyAndSingleCommit(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	x := build(t, g, r.Dir)
	if x.Len() != 0 || x.Head() != "" || x.Branch != "main" || !x.HasStats {
		t.Fatalf("empty repository: len %d head %q branch %q stats %v", x.Len(), x.Head(), x.Branch, x.HasStats)
	}
	y, err := index.UnmarshalBinary(marshal(t, x))
	if err != nil {
		t.Fatal(err)
	}
	if y.Len() != 0 {
		t.Fatal("round trip of empty index")
	}
	r.Commit(testrepo.Commit{Files: map[string][]byte{"only": []byte("1\n")}})
	x = build(t, g, r.Dir)
	checkAgainstGit(t, x, r.Dir)
}

func TestSHA256(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t, "--object-format=sha256")
	r.Commit(testrepo.Commit{Files: map[string][]byte{"a": []byte("1\n")}})
	r.Commit(testrepo.Commit{Files: map[string][]byte{"a": []byte("2\n")}})
	x := build(t, g, r.Dir)
	if x.ObjectFormat != "sha256" || x.HashSize != 32 || len(x.Hash(0)) != 64 {
		t.Fatalf("format %q size %d hash %q", x.ObjectFormat, x.HashSize, x.Hash(0))
	}
	checkAgainstGit(t, x, r.Dir)
}

func TestTenThousandFiles(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	files := make(map[string][]byte)
	for i := range 10000 {
		files[fmt.Sprintf("d%d/f%d.txt", i%50, i)] = []byte("x\n")
	}
	writeFiles(t, r.Dir, files)
	r.Git("add", ".")
	r.Commit(testrepo.Commit{Message: "big"})
	x := build(t, g, r.Dir)
	if x.FilesChanged[0] != 10000 || x.Added[0] != 10000 || len(x.Paths) != 10000 {
		t.Fatalf("files %d added %d paths %d", x.FilesChanged[0], x.Added[0], len(x.Paths))
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, c, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUpdateIncremental(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 3000, MergeEvery: 50})
	x := build(t, g, dir)
	b := &index.Builder{Git: g, Workers: 2}

	same, rebuilt, err := b.Update(context.Background(), dir, x, nil)
	if err != nil || same != x || rebuilt {
		t.Fatalf("update without changes: same=%v rebuilt=%v err=%v", same == x, rebuilt, err)
	}

	// Add 100 commits on top through a work tree.
	work := t.TempDir()
	if _, err := testrepo.Run(work, nil, nil, "clone", "-q", dir, "."); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		writeFiles(t, work, map[string][]byte{fmt.Sprintf("new/%d.txt", i%7): []byte(strings.Repeat("l\n", i+1))})
		if _, err := testrepo.Run(work, nil, nil, "add", "."); err != nil {
			t.Fatal(err)
		}
		if _, err := testrepo.Run(work, []string{"GIT_AUTHOR_NAME=Newcomer"}, nil, "commit", "-q", "-m", fmt.Sprintf("new %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := testrepo.Run(work, nil, nil, "push", "-q", "origin", "main"); err != nil {
		t.Fatal(err)
	}
	y, rebuilt, err := b.Update(context.Background(), dir, x, nil)
	if err != nil || rebuilt {
		t.Fatalf("update: rebuilt=%v err=%v", rebuilt, err)
	}
	if y.Len() != x.Len()+100 {
		t.Fatalf("updated index has %d commits, want %d", y.Len(), x.Len()+100)
	}
	checkAgainstGit(t, y, dir)
	full := build(t, g, dir)
	if !sameHistory(y, full) {
		t.Fatal("incremental index differs from a full rebuild")
	}
	// The old snapshot is untouched.
	checkLen(t, x, 3000+3000/50-1)

	// Rewrite history: drop the last 10 commits and add another.
	if _, err := testrepo.Run(work, nil, nil, "reset", "-q", "--hard", "HEAD~10"); err != nil {
		t.Fatal(err)
	}
	if _, err := testrepo.Run(work, nil, nil, "commit", "-q", "--allow-empty", "-m", "rewritten"); err != nil {
		t.Fatal(err)
	}
	if _, err := testrepo.Run(work, nil, nil, "push", "-q", "-f", "origin", "main"); err != nil {
		t.Fatal(err)
	}
	z, rebuilt, err := b.Update(context.Background(), dir, y, nil)
	if err != nil || !rebuilt {
		t.Fatalf("force-pushed history: rebuilt=%v err=%v", rebuilt, err)
	}
	checkAgainstGit(t, z, dir)
}

// TestWorkersMatchGit builds one history with every number of git
// processes from one to five: one process, spans read from both ends, and
// a last span read from its newest end only all give git's own numbers.
func TestWorkersMatchGit(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 1400, MergeEvery: 40})
	for workers := 1; workers <= 5; workers++ {
		x, err := (&index.Builder{Git: g, Workers: workers}).Build(context.Background(), dir, nil)
		if err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		checkAgainstGit(t, x, dir)
	}
}

func checkLen(t *testing.T, x *index.Index, n int) {
	t.Helper()
	if x.Len() != n {
		t.Fatalf("index has %d commits, want %d", x.Len(), n)
	}
}

// sameHistory compares two indexes commit by commit, through their
// identities and paths rather than their ids (which depend on build order).
func sameHistory(a, b *index.Index) bool {
	if a.Len() != b.Len() || !bytes.Equal(a.Hashes, b.Hashes) || !reflect.DeepEqual(a.AuthorTime, b.AuthorTime) ||
		!reflect.DeepEqual(a.Added, b.Added) || !reflect.DeepEqual(a.ChangeOff, b.ChangeOff) {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		if a.Idents[a.Author[i]] != b.Idents[b.Author[i]] || a.Subject(i) != b.Subject(i) {
			return false
		}
	}
	for j := range a.ChangePath {
		if a.Paths[a.ChangePath[j]] != b.Paths[b.ChangePath[j]] {
			return false
		}
	}
	return true
}

func TestSaveLoad(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 500, MergeEvery: 20})
	x := build(t, g, dir)
	path := filepath.Join(t.TempDir(), "idx")
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	y, err := index.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(index.Contents(x), index.Contents(y)) {
		t.Fatal("loaded index differs from the saved one")
	}
	data, _ := os.ReadFile(path)

	bad := map[string][]byte{
		"truncated":      data[:len(data)/2],
		"empty":          {},
		"flipped byte":   flip(data, len(data)/3),
		"other version":  withVersion(data, index.FormatVersion+1),
		"not an index":   []byte("hello world, this is not an index file"),
		"checksum byte":  flip(data, len(data)-1),
		"header only":    data[:20],
		"trailing bytes": append(append([]byte(nil), data...), 0),
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "idx")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := index.Load(p); !errors.Is(err, index.ErrCorrupt) {
				t.Fatalf("Load = %v, want ErrCorrupt", err)
			}
		})
	}
	// Save leaves no temporary files behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after Save, want 1", len(entries))
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x55
	return c
}

func withVersion(b []byte, v uint32) []byte {
	c := append([]byte(nil), b...)
	off := len("GITPULSE-INDEX\n\x00")
	c[off], c[off+1], c[off+2], c[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return c
}

func TestCancelledBuild(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 2000})
	ctx, cancel := context.WithCancel(context.Background())
	b := &index.Builder{Git: g, Workers: 2, OnProgress: func(p progress.Progress) {
		if p.Phase == progress.PhaseLineStats {
			cancel()
		}
	}}
	if _, err := b.Build(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Build after cancel = %v, want context.Canceled", err)
	}
}

func TestNotARepository(t *testing.T) {
	g := newGit(t)
	if _, err := g.GitDir(context.Background(), t.TempDir()); !errors.Is(err, gitcli.ErrNotRepository) {
		t.Fatalf("GitDir of a plain directory = %v, want ErrNotRepository", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	g := newGit(f)
	dir := testrepo.Generate(f, testrepo.Synthetic{Commits: 20, MergeEvery: 5})
	x := build(f, g, dir)
	data := marshal(f, x)
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add(flip(data, len(data)/3))
	f.Add(withVersion(data, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		y, err := index.UnmarshalBinary(data)
		if err != nil {
			return
		}
		// Anything accepted must be safe to scan.
		for i := 0; i < y.Len(); i++ {
			_ = y.Subject(i)
			lo, hi := y.Changes(i)
			for j := lo; j < hi; j++ {
				_ = y.Paths[y.ChangePath[j]]
			}
			_ = y.Idents[y.Author[i]]
			_ = y.Idents[y.Committer[i]]
			_ = y.RawIdents[y.RawAuthor[i]]
			_ = y.RawIdents[y.RawCommitter[i]]
		}
	})
}

// TestUpdateFromPassOne: an index saved after pass 1 only (a command that
// ended before pass 2 did) is loaded, handed to onMetadata at once and
// completed with line statistics equal to a full build's.
func TestUpdateFromPassOne(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 500, MergeEvery: 20})
	b := &index.Builder{Git: g, Workers: 2}
	meta, err := b.Metadata(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.idx")
	if err := meta.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := index.Load(path)
	if err != nil || loaded.HasStats || loaded.Len() != meta.Len() {
		t.Fatalf("loaded pass-1 index: %v stats=%v", err, loaded != nil && loaded.HasStats)
	}
	var served *index.Index
	x, rebuilt, err := b.Update(context.Background(), dir, loaded, func(m *index.Index) { served = m })
	if err != nil || rebuilt {
		t.Fatalf("update: rebuilt=%v err=%v", rebuilt, err)
	}
	if served == nil || served.HasStats || served.Len() != meta.Len() {
		t.Fatal("pass 1 was not handed to onMetadata before pass 2")
	}
	if !x.HasStats || !sameHistory(x, build(t, g, dir)) {
		t.Fatal("completed index differs from a full build")
	}
}

// TestMetadataProgressTotal: pass 1 over a fresh history takes its total
// from the commit-graph (no second walk of the history), raised to what it
// has read if the graph falls short, and reports no total without one; the
// last report is exact either way.
func TestMetadataProgressTotal(t *testing.T) {
	g := newGit(t)
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 9000})
	gd := gitDir(t, g, dir)
	totals := func() []progress.Progress {
		var got []progress.Progress
		b := &index.Builder{Git: g, OnProgress: func(p progress.Progress) {
			if p.Phase == progress.PhaseMetadata {
				got = append(got, p)
			}
		}}
		if _, err := b.Metadata(context.Background(), gd, nil); err != nil {
			t.Fatal(err)
		}
		return got
	}
	check := func(name string, want int) {
		t.Helper()
		got := totals()
		if len(got) < 3 {
			t.Fatalf("%s: %d progress reports, want one per 4,096 commits and a last one", name, len(got))
		}
		for _, p := range got[:len(got)-1] {
			if p.Total != want && !(want > 0 && p.Total == p.Done) {
				t.Fatalf("%s: progress %+v, want total %d", name, p, want)
			}
		}
		if last := got[len(got)-1]; last.Done != 9000 || last.Total != 9000 {
			t.Fatalf("%s: last report %+v, want 9000 of 9000", name, last)
		}
	}
	check("no commit-graph", 0)
	if _, err := testrepo.Run(dir, nil, nil, "commit-graph", "write", "--reachable"); err != nil {
		t.Fatal(err)
	}
	check("commit-graph", 9000)
}
