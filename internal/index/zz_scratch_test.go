package index_test

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
)

func TestScratchGitGit(t *testing.T) {
	dir := os.Getenv("SCRATCH_REPO")
	if dir == "" {
		t.Skip()
	}
	g := newGit(t)
	b := &index.Builder{Git: g}
	t0 := time.Now()
	x, err := b.Metadata(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	y, err := b.LineStats(context.Background(), dir, x)
	if err != nil {
		t.Fatal(err)
	}
	t2 := time.Now()
	p := "/tmp/scratch/gitgit.idx"
	y.Save(p)
	t3 := time.Now()
	runtime.GC()
	z, err := index.Load(p)
	t4 := time.Now()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st, _ := os.Stat(p)
	t.Logf("pass1 %v pass2 %v save %v load %v; commits %d changes %d paths %d idents %d; file %d MB heap %d MB", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), z.Len(), len(z.ChangePath), len(z.Paths), len(z.Idents), st.Size()>>20, ms.HeapAlloc>>20)
}
