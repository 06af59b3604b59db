package gitcli

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestLogDetails reads a real history with a merge, a binary file and a
// multi-line message in one git log, and checks it against git's own
// answers.
func TestLogDetails(t *testing.T) {
	r := testrepo.New(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	base := r.Commit(testrepo.Commit{Date: day(1), Message: "base", Files: map[string][]byte{"a.txt": []byte("1\n2\n")}})
	r.Git("checkout", "-q", "-b", "topic")
	side := r.Commit(testrepo.Commit{Date: day(2), Message: "refs: one\n\nWhy, at length.\n\nSigned-off-by: A <a@x>",
		Files: map[string][]byte{"refs/x y.c": []byte("a\nb\nc\n"), "bin.dat": {0, 1, 2}, "a.txt": []byte("1\n")}})
	r.Git("checkout", "-q", "main")
	merge := r.Merge("topic", testrepo.Commit{Date: day(3), Message: "Merge branch 'topic'\n\nWhat it does."})
	dir := r.Git("rev-parse", "--absolute-git-dir")
	g := newGit(t)
	var got []CommitDetail
	if err := g.LogDetails(context.Background(), dir, "HEAD", nil, true, func(c *CommitDetail) error {
		got = append(got, *c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Hash != merge || got[1].Hash != side || got[2].Hash != base {
		t.Fatalf("got %d commits: %+v", len(got), got)
	}
	if !slices.Equal(got[0].Parents, []string{base, side}) || got[0].Message != "Merge branch 'topic'\n\nWhat it does." || len(got[0].Files) != 0 {
		t.Errorf("merge = %+v", got[0])
	}
	if got[1].Message != "refs: one\n\nWhy, at length.\n\nSigned-off-by: A <a@x>" || got[1].AuthorTime != day(2).Unix() {
		t.Errorf("side = %+v", got[1])
	}
	stats := map[string]string{}
	for _, f := range got[1].Files {
		stats[string(f.Path)] = strings.Join([]string{itoa(f.Added), itoa(f.Deleted), map[bool]string{true: "bin"}[f.Binary]}, " ")
	}
	want := map[string]string{"a.txt": "0 1 ", "bin.dat": "0 0 bin", "refs/x y.c": "3 0 "}
	for p, w := range want {
		if stats[p] != w {
			t.Errorf("%s: %q, want %q (git: %s)", p, stats[p], w, r.Git("show", "--numstat", "--format=", side))
		}
	}
	// Excluding the base leaves the merge and its topic.
	var n int
	if err := g.LogDetails(context.Background(), dir, "HEAD", []string{base}, false, func(c *CommitDetail) error {
		if n++; len(c.Files) != 0 {
			t.Errorf("files read without stats: %+v", c)
		}
		return nil
	}); err != nil || n != 2 {
		t.Errorf("HEAD ^base: %d commits, %v", n, err)
	}
	// The span of March 2-3 (committer dates): top is the merge, base the first commit.
	top, b, err := g.MainlineSpan(context.Background(), dir, "HEAD", day(2).Unix(), day(4).Unix())
	if err != nil || top != merge || b != base {
		t.Errorf("MainlineSpan = %s, %s, %v", top, b, err)
	}
	if top, b, _ := g.MainlineSpan(context.Background(), dir, "HEAD", 0, day(3).Unix()); top != base || b != "" {
		t.Errorf("MainlineSpan until March 3 = %s, %s; want the base and no lower bound", top, b)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

func TestParseDetailsRejectsGarbage(t *testing.T) {
	h := strings.Repeat("a", 40)
	for _, in := range []string{
		"\x01nothex\x00\x00n\x00e\x001 +0000\x00msg\x00\x00",
		"\x01" + h + "\x00\x00n\x00e\x00",                               // ends inside a record
		"stray\x00",                                                     // output before any record
		"\x01" + h + "\x00\x00n\x00e\x001 +0000\x00m\x00\x00\n1\tx\x00", // bad numstat line
	} {
		if err := ParseDetails(strings.NewReader(in), func(*CommitDetail) error { return nil }); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

func FuzzParseDetails(f *testing.F) {
	h := strings.Repeat("a", 40)
	f.Add([]byte("\x01" + h + "\x00" + h + "\x00n\x00e\x001 +0000\x00msg\n\nbody\x00\x00\n1\t2\tp q\x00-\t-\tb\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ParseDetails(bytes.NewReader(data), func(c *CommitDetail) error {
			if len(c.Hash) != 40 && len(c.Hash) != 64 {
				t.Fatalf("accepted hash %q", c.Hash)
			}
			for _, fs := range c.Files {
				if len(fs.Path) == 0 {
					t.Fatal("accepted an empty path")
				}
			}
			return nil
		})
	})
}

// TestLogNumstat reads a range of a history with git log, newest or
// oldest first, and checks it against git diff-tree on the same commits, in a repository whose own
// settings would change git log's output (no root diff, rename detection).
func TestLogNumstat(t *testing.T) {
	r := testrepo.New(t)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	long := strings.Repeat("line\n", 50)
	var hashes []string
	hashes = append(hashes, r.Commit(testrepo.Commit{Date: day(1), Message: "root", Files: map[string][]byte{"a.txt": []byte(long), "b.txt": []byte("b\n")}}))
	hashes = append(hashes, r.Commit(testrepo.Commit{Date: day(2), Message: "rename", Files: map[string][]byte{"a.txt": nil, "moved.txt": []byte(long)}}))
	r.Git("checkout", "-q", "-b", "topic")
	hashes = append(hashes, r.Commit(testrepo.Commit{Date: day(3), Message: "side", Files: map[string][]byte{"bin.dat": {0, 1, 2}}}))
	r.Git("checkout", "-q", "main")
	hashes = append(hashes, r.Commit(testrepo.Commit{Date: day(4), Message: "main", Files: map[string][]byte{"b.txt": []byte("c\n")}}))
	hashes = append(hashes, r.Merge("topic", testrepo.Commit{Date: day(5), Message: "Merge branch 'topic'"}))
	r.Git("config", "log.showRoot", "false")
	r.Git("config", "diff.renames", "copies")
	dir := r.Git("rev-parse", "--absolute-git-dir")
	g := newGit(t)
	stats := func(read func(fn func([]byte, []FileStat) error) error) []string {
		var out []string
		if err := read(func(hash []byte, files []FileStat) error {
			line := string(hash[:7])
			for _, f := range files {
				line += fmt.Sprintf(" %s:%d:%d:%v", f.Path, f.Added, f.Deleted, f.Binary)
			}
			out = append(out, line)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	order := strings.Fields(r.Git("rev-list", "HEAD"))
	for _, rng := range [][3]int{{0, 5, 0}, {1, 3, 0}, {3, 2, 0}, {0, 5, 1}, {1, 3, 1}} {
		reverse := rng[2] == 1
		got := stats(func(fn func([]byte, []FileStat) error) error {
			return g.LogNumstat(context.Background(), dir, "HEAD", nil, NumstatRange{Skip: rng[0], Count: rng[1], Reverse: reverse}, fn)
		})
		var want []string
		for _, h := range order[rng[0] : rng[0]+rng[1]] {
			one := stats(func(fn func([]byte, []FileStat) error) error {
				return g.Numstat(context.Background(), dir, [][]byte{[]byte(h)}, fn)
			})
			if len(one) == 0 { // a merge: diff-tree says nothing, git log lists it
				one = []string{h[:7]}
			}
			want = append(want, one...)
		}
		if reverse {
			slices.Reverse(want)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("skip %d count %d reverse %v:\n got %q\nwant %q", rng[0], rng[1], reverse, got, want)
		}
	}
	// Excluding the main side's first two commits leaves the other three.
	got := stats(func(fn func([]byte, []FileStat) error) error {
		return g.LogNumstat(context.Background(), dir, "HEAD", []string{hashes[1]}, NumstatRange{Count: 10}, fn)
	})
	if len(got) != 3 {
		t.Errorf("HEAD ^%s: %q, want 3 commits", hashes[1][:7], got)
	}
}
