package history_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
)

func TestZZExtend(t *testing.T) {
	w := os.Getenv("ZZ_WORK")
	if w == "" {
		t.Skip()
	}
	repo := filepath.Join(w, "repo.git")
	files, _ := filepath.Glob(filepath.Join(w, "saved-indexes", "*.idx"))
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	builder := &index.Builder{Git: g, Rev: os.Getenv("ZZ_HEAD")}
	for range 5 {
		old, err := index.Load(files[0])
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		c0, t0 := gitcli.CPUTime(), time.Now()
		x, _, err := builder.UpdateUnshared(context.Background(), repo, old, nil)
		t1 := time.Now()
		c1 := gitcli.CPUTime()
		if err == nil {
			err = x.Save(filepath.Join(t.TempDir(), filepath.Base(files[0])))
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("update", t1.Sub(t0), "cpu", c1-c0, "save", time.Since(t1), "cpu", gitcli.CPUTime()-c1, "len", x.Len())
	}
}
