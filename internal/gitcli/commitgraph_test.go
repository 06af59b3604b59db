package gitcli_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestCommitGraphSize checks the commit count read from the commit-graph
// against git's own count, for no graph, one file, a split chain, and a
// damaged file.
func TestCommitGraphSize(t *testing.T) {
	ctx := context.Background()
	g, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := testrepo.New(t)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	commit := func(i int) {
		r.Commit(testrepo.Commit{Author: "A <a@example.com>", Date: day.Add(time.Duration(i) * time.Hour), Message: fmt.Sprint("c", i),
			Files: map[string][]byte{"f.txt": []byte(fmt.Sprint(i))}})
	}
	for i := range 30 {
		commit(i)
	}
	gitDir, err := g.GitDir(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := g.CommitGraphSize(ctx, gitDir); n != 0 {
		t.Fatalf("no commit-graph yet: %d, want 0", n)
	}
	r.Git("commit-graph", "write", "--reachable")
	if n := g.CommitGraphSize(ctx, gitDir); n != 30 {
		t.Fatalf("one graph file: %d, want 30", n)
	}
	// A split chain: the new commits in a second layer.
	for i := 30; i < 45; i++ {
		commit(i)
	}
	r.Git("commit-graph", "write", "--reachable", "--split=no-merge")
	if _, err := os.Stat(filepath.Join(gitDir, "objects/info/commit-graphs/commit-graph-chain")); err != nil {
		t.Fatalf("git wrote no chain: %v", err)
	}
	want := r.Git("rev-list", "--count", "HEAD")
	if n := g.CommitGraphSize(ctx, gitDir); fmt.Sprint(n) != want {
		t.Fatalf("split chain: %d, git counts %s", n, want)
	}
	// Damage reads as "unknown", never as a crash or a wrong count.
	matches, _ := filepath.Glob(filepath.Join(gitDir, "objects/info/commit-graphs/graph-*.graph"))
	for _, m := range matches {
		if err := os.Chmod(m, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(m, []byte("CGPH\x01\x01\x09"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := g.CommitGraphSize(ctx, gitDir); n != 0 {
		t.Fatalf("damaged chain: %d, want 0", n)
	}
}
