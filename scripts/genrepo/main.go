// Command genrepo makes a synthetic bare git repository for benchmarks:
// the history package synth describes (hundreds of authors and a .mailmap,
// thousands of paths, merged topic branches, line edits, dates over years,
// a few out of order), written by one git fast-import.
//
//	go run ./scripts/genrepo -commits 1000000 /work/bench/gen1m.git
//
// The same flags make the same repository. It refuses a directory that
// exists. A commit-graph is written at the end, as every mirror gitpulse
// completes has one.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/gitpulse/gitpulse/internal/synth"
)

func main() {
	var o synth.Options
	flag.IntVar(&o.Commits, "commits", 100000, "commits reachable from main, merges included")
	flag.IntVar(&o.Authors, "authors", 600, "people (each with one to three raw identities)")
	flag.IntVar(&o.Paths, "paths", 8000, "distinct file paths")
	flag.IntVar(&o.Years, "years", 15, "years the author dates span, from 2010-01-01")
	flag.Uint64Var(&o.Seed, "seed", 1, "history seed")
	flag.Usage = func() {
		_, _ = fmt.Fprintln(flag.CommandLine.Output(), "usage: genrepo [flags] <new bare repository directory>") // nowhere to report it
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), o); err != nil {
		fmt.Fprintln(os.Stderr, "genrepo:", err)
		os.Exit(1)
	}
}

func run(dir string, o synth.Options) error {
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("%s exists: give a new directory", dir)
	}
	start := time.Now()
	if err := git("", nil, "init", "-q", "--bare", "-b", "main", dir); err != nil {
		return err
	}
	r, w := io.Pipe()
	go func() { w.CloseWithError(synth.Write(w, o)) }()
	// Topic branches stay in memory beside main; zlib's fastest level
	// costs little size on this content.
	if err := git(dir, r, "-c", "pack.compression=1", "fast-import", "--quiet", "--active-branches=16"); err != nil {
		return fmt.Errorf("fast-import: %w", err)
	}
	imported := time.Since(start)
	if err := git(dir, nil, "commit-graph", "write", "--reachable"); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genrepo: %d commits in %s (fast-import %.1f s, commit-graph %.1f s)\n",
		o.Commits, dir, imported.Seconds(), (time.Since(start) - imported).Seconds())
	return nil
}

// git runs git in dir (none: the current directory) with stdin.
func git(dir string, stdin io.Reader, args ...string) error {
	if dir != "" {
		args = append([]string{"--git-dir", dir}, args...)
	}
	cmd := exec.Command("git", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C",
		// fast-import allocates and frees zlib's state for every object:
		// without padding glibc gives the memory back each time (brk),
		// which took half of its time.
		"MALLOC_TOP_PAD_=134217728", "MALLOC_TRIM_THRESHOLD_=268435456")
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return nil
}
