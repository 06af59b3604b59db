package index_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// segmentFiles lists the segments stored beside the index at path.
func segmentFiles(path string) []string {
	var out []string
	for k := 1; ; k++ {
		p := fmt.Sprintf("%s.%d", path, k)
		if _, err := os.Stat(p); err != nil {
			return out
		}
		out = append(out, p)
	}
}

// forward commits on top of the branch, each dated after the one before,
// as an extension saved as a segment needs.
func (h *randomHistory) forward(n int) {
	for range n {
		h.now = h.now.Add(2 * time.Hour)
		h.commit()
	}
}

// savedHistory makes a repository of commits dated one after another,
// indexes it and saves the index at path.
func savedHistory(tb testing.TB, seed uint64, commits int) (h *randomHistory, b *index.Builder, path string, x *index.Index) {
	tb.Helper()
	h = &randomHistory{rng: rand.New(rand.NewPCG(seed, seed)), r: testrepo.New(tb), now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.t, _ = tb.(*testing.T)
	h.forward(commits)
	b = &index.Builder{Git: newGit(tb), Workers: 2}
	path = filepath.Join(tb.TempDir(), "x.idx")
	x = build(tb, b.Git, h.r.Dir)
	if err := x.Save(path); err != nil {
		tb.Fatal(err)
	}
	return h, b, path, x
}

// mergeOlderBranch merges a branch of three commits forked from main~20
// and dated between main~15 and main~14 (of commits made by forward): git
// log lists them among the commits main had.
func (h *randomHistory) mergeOlderBranch() {
	r := h.r
	r.Git("checkout", "-q", "-b", "topic", "HEAD~20")
	tip := h.now
	h.now = h.now.Add(-30 * time.Hour)
	for k := range 3 {
		h.now = h.now.Add(time.Minute)
		r.Commit(testrepo.Commit{Author: people[0], Date: h.now, Message: fmt.Sprint("topic ", k),
			Files: map[string][]byte{fmt.Sprintf("topic-%d.txt", k): []byte("t\n")}})
	}
	r.Git("checkout", "-q", "main")
	h.now = tip.Add(time.Hour)
	r.Merge("topic", testrepo.Commit{Date: h.now, Message: "merge topic"})
}

// extendSaved adds n commits on top, brings x up to date and saves it at
// path.
func (h *randomHistory) extendSaved(t *testing.T, b *index.Builder, x *index.Index, path string, n int) *index.Index {
	t.Helper()
	h.forward(n)
	x, _ = update(t, b, h.r.Dir, x)
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	return x
}

// checkLoads fails unless the index stored at path is x, commit by commit
// and table by table.
func checkLoads(t *testing.T, path string, x *index.Index) {
	t.Helper()
	y, err := index.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(records(x), records(y)) || !reflect.DeepEqual(x.Idents, y.Idents) ||
		!reflect.DeepEqual(x.RawIdents, y.RawIdents) || !reflect.DeepEqual(x.Paths, y.Paths) ||
		x.Branch != y.Branch || x.Mailmap != y.Mailmap || x.ObjectFormat != y.ObjectFormat {
		t.Fatalf("the index loaded from %s differs from the one saved", filepath.Base(path))
	}
}

// TestSegments: each extension is saved as one segment beside an untouched
// base, and base plus segments load as the extended index, equal to a
// fresh build. A damaged, torn or missing segment is dropped with those
// after it: Load returns the index they extend, which an update brings
// up to date again, replacing them.
func TestSegments(t *testing.T) {
	h, b, path, x := savedHistory(t, 7, 30)
	base, _ := os.ReadFile(path)
	steps := []*index.Index{x}
	for k := 1; k <= 5; k++ {
		x = h.extendSaved(t, b, x, path, k)
		if n := len(segmentFiles(path)); n != k {
			t.Fatalf("after %d extensions: %d segments", k, n)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, base) {
			t.Fatal("an extension rewrote the base")
		}
		checkLoads(t, path, x)
		steps = append(steps, x)
	}
	checkEqualsFresh(t, x, h.r.Dir)

	seg3 := fmt.Sprintf("%s.3", path)
	good, _ := os.ReadFile(seg3)
	for name, bad := range map[string][]byte{
		"flipped byte":  flip(good, len(good)/2),
		"torn":          good[:len(good)/2],
		"empty":         {},
		"other version": withVersion(good, index.FormatVersion+1),
		"a base":        base,
		"missing":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "x.idx")
			if err := os.CopyFS(dir, os.DirFS(filepath.Dir(path))); err != nil {
				t.Fatal(err)
			}
			if bad == nil {
				if err := os.Remove(fmt.Sprintf("%s.3", p)); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(fmt.Sprintf("%s.3", p), bad, 0o644); err != nil {
				t.Fatal(err)
			}
			checkLoads(t, p, steps[2])
			y, err := index.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			y, _ = update(t, b, h.r.Dir, y)
			if err := y.Save(p); err != nil {
				t.Fatal(err)
			}
			if n := len(segmentFiles(p)); n != 3 {
				t.Fatalf("after re-extending: %d segments, want 3 (the segments after the bad one removed)", n)
			}
			checkLoads(t, p, x)
		})
	}
}

// TestCompaction: past the most segments a base may have, Save writes a
// new base holding the whole index and removes the segments; it loads as
// the uncompacted index did, and a segment of the old base left behind (a
// crash before it was removed) is ignored.
func TestCompaction(t *testing.T) {
	defer index.SetMaxSegments(2)()
	h, b, path, x := savedHistory(t, 8, 20)
	for range 2 {
		x = h.extendSaved(t, b, x, path, 1)
	}
	if n := len(segmentFiles(path)); n != 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	checkLoads(t, path, x)
	old, _ := os.ReadFile(path + ".1")

	x = h.extendSaved(t, b, x, path, 1)
	if n := len(segmentFiles(path)); n != 0 {
		t.Fatalf("%d segments after compaction, want 0", n)
	}
	checkLoads(t, path, x)
	checkEqualsFresh(t, x, h.r.Dir)
	if err := os.WriteFile(path+".1", old, 0o644); err != nil {
		t.Fatal(err)
	}
	checkLoads(t, path, x)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 {
		t.Fatalf("directory holds %d entries, want the base and the leftover segment", len(entries))
	}
}

// FuzzLoadSegment: whatever a segment file holds, Load returns the base
// alone or an index safe to scan, and never fails because of it.
func FuzzLoadSegment(f *testing.F) {
	h, b, path, x := savedHistory(f, 9, 5)
	h.forward(2)
	y, _, err := b.Update(f.Context(), gitDir(f, b.Git, h.r.Dir), x, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := y.Save(path); err != nil {
		f.Fatal(err)
	}
	seg, err := os.ReadFile(path + ".1")
	if err != nil {
		f.Fatal("the extension was not saved as a segment: ", err)
	}
	f.Add(seg)
	f.Add(seg[:len(seg)/2])
	f.Add(flip(seg, len(seg)/3))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x.idx")
		base, _ := os.ReadFile(path)
		if err := os.WriteFile(p, base, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".1", data, 0o644); err != nil {
			t.Fatal(err)
		}
		z, err := index.Load(p)
		if err != nil {
			t.Fatalf("a bad segment failed the load: %v", err)
		}
		if z.Len() != x.Len() && z.Len() != y.Len() {
			t.Fatalf("loaded %d commits, want %d or %d", z.Len(), x.Len(), y.Len())
		}
		records(z) // safe to scan
	})
}

// TestMergedOlderBranchSaved: a branch forked 20 commits back, with
// commits dated before the tip, merged: git log lists its commits among
// the old ones, so the extension reorders the old index's newest commits,
// reading git's walk only as far as it differs from the old one's, and is
// still saved as one segment; it loads as a fresh build.
func TestMergedOlderBranchSaved(t *testing.T) {
	h, b, path, x := savedHistory(t, 10, 40)
	base, _ := os.ReadFile(path)
	r := h.r
	h.mergeOlderBranch()
	y, rebuilt := update(t, b, r.Dir, x)
	drop, ok := index.Replaced(y)
	if rebuilt || !ok || drop == 0 || drop >= x.Len()-1 {
		t.Fatalf("extension: rebuilt=%v segment=%v, reordered %d of the old %d commits", rebuilt, ok, drop, x.Len())
	}
	checkEqualsFresh(t, y, r.Dir)
	if err := y.Save(path); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, base) || len(segmentFiles(path)) != 1 {
		t.Fatal("the extension was not saved as one segment beside the base")
	}
	checkLoads(t, path, y)
	// And one more on top of it.
	z := h.extendSaved(t, b, y, path, 2)
	checkEqualsFresh(t, z, r.Dir)
	checkLoads(t, path, z)
}
