package gitcli

import (
	"bytes"
	"context"
	"testing"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// benchCommits is the length of the generated history the parsers'
// benchmarks read (three files changed in each commit).
const benchCommits = 20000

// benchOutput is git's output for args over a generated history.
func benchOutput(b *testing.B, args ...Arg) []byte {
	b.Helper()
	dir := testrepo.Generate(b, testrepo.Synthetic{Commits: benchCommits})
	out, err := newGit(b).Command(dir).Args("log").Args(args...).Args("HEAD").Output(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	return out
}

// BenchmarkParseNumstat parses pass 2's git log output.
func BenchmarkParseNumstat(b *testing.B) {
	out := benchOutput(b, "-z", "--format=%H", "--numstat", "--root", "--no-renames")
	for b.Loop() {
		files := 0
		if err := ParseNumstat(bytes.NewReader(out), func(hash []byte, fs []FileStat) error {
			files += len(fs)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if files != 3*benchCommits {
			b.Fatalf("%d files, want %d", files, 3*benchCommits)
		}
	}
}

// BenchmarkParseMetadata parses pass 1's git log output.
func BenchmarkParseMetadata(b *testing.B) {
	out := benchOutput(b, "-z", "--date=raw", MetadataFormat)
	for b.Loop() {
		commits := 0
		if err := ParseMetadata(bytes.NewReader(out), func(*CommitMeta) error {
			commits++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if commits != benchCommits {
			b.Fatalf("%d commits, want %d", commits, benchCommits)
		}
	}
}
