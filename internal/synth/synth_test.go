package synth_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/synth"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func stream(t *testing.T, o synth.Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.Write(&b, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameOptionsSameStream(t *testing.T) {
	o := synth.Options{Commits: 500, Seed: 7}
	if !bytes.Equal(stream(t, o), stream(t, o)) {
		t.Fatal("two streams of the same options differ")
	}
	if o2 := (synth.Options{Commits: 500, Seed: 8}); bytes.Equal(stream(t, o), stream(t, o2)) {
		t.Fatal("another seed gave the same stream")
	}
}

// TestShape imports a history with git and checks, with git, the shape
// the package promises.
func TestShape(t *testing.T) {
	const commits = 3000
	dir := t.TempDir()
	git := func(stdin []byte, args ...string) string {
		t.Helper()
		out, err := testrepo.Run(dir, nil, stdin, args...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	git(nil, "init", "-q", "--bare", "-b", "main")
	git(stream(t, synth.Options{Commits: commits, Authors: 80, Paths: 1500, Seed: 3}), "fast-import", "--quiet")

	if n := git(nil, "rev-list", "--count", "main"); n != strconv.Itoa(commits) {
		t.Fatalf("main has %s commits, want %d", n, commits)
	}
	if n, _ := strconv.Atoi(git(nil, "rev-list", "--count", "--merges", "main")); n < 50 {
		t.Fatalf("%d merges, want topic branches merged", n)
	}
	distinct := func(format string) int {
		seen := map[string]bool{}
		for _, l := range strings.Split(git(nil, "log", "--format="+format, "main"), "\n") {
			seen[l] = true
		}
		return len(seen)
	}
	// The bare repository reads HEAD:.mailmap.
	if raw, mapped := distinct("%an <%ae>"), distinct("%aN <%aE>"); mapped < 50 || raw <= mapped {
		t.Fatalf("%d raw identities, %d after .mailmap: want raw identities merged by .mailmap", raw, mapped)
	}
	// Line statistics: real numbers, several extensions, a bulk commit.
	exts := map[string]bool{}
	added, most := 0, 0
	files := 0
	for _, l := range strings.Split(git(nil, "log", "--numstat", "--format=tformat:@", "--no-merges", "main"), "\n") {
		if l == "@" {
			most, files = max(most, files), 0
		}
		if l == "@" || l == "" {
			continue
		}
		f := strings.Split(l, "\t")
		n, _ := strconv.Atoi(f[0])
		added += n
		files++
		if dot := strings.LastIndexByte(f[2], '.'); dot > 0 {
			exts[f[2][dot+1:]] = true
		}
	}
	if added < commits*3 || len(exts) < 6 || most < 20 {
		t.Fatalf("%d lines added, %d extensions, at most %d files in a commit", added, len(exts), most)
	}
	// Author dates are not in git log order everywhere.
	backwards := 0
	var prev int64
	for k, l := range strings.Split(git(nil, "log", "--format=%at", "main"), "\n") {
		at, _ := strconv.ParseInt(l, 10, 64)
		if k > 0 && at > prev {
			backwards++
		}
		prev = at
	}
	if backwards == 0 {
		t.Fatal("every author date is in git log order")
	}
}
