package index_test

import (
	"context"
	"os"
	"testing"

	"github.com/gitpulse/gitpulse/internal/index"
)

func BenchmarkScratchPass1(b *testing.B) {
	dir := os.Getenv("SCRATCH_REPO")
	if dir == "" {
		b.Skip()
	}
	g := newGit(b)
	bl := &index.Builder{Git: g}
	for b.Loop() {
		if _, err := bl.Metadata(context.Background(), dir, nil); err != nil {
			b.Fatal(err)
		}
	}
}
