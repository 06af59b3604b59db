package index_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// shares reports whether x's columns end in old's arrays: x was made by
// writing its new commits in front of old's.
func shares(x, old *index.Index) bool {
	end := func(a, b []uint32) bool { return len(a) > 0 && len(b) > 0 && &a[len(a)-1] == &b[len(b)-1] }
	return &x.Hashes[len(x.Hashes)-1] == &old.Hashes[len(old.Hashes)-1] &&
		&x.AuthorTime[x.Len()-1] == &old.AuthorTime[old.Len()-1] &&
		&x.Subjects[len(x.Subjects)-1] == &old.Subjects[len(old.Subjects)-1] &&
		end(x.RawAuthor, old.RawAuthor) && end(x.Added, old.Added) && end(x.ChangePath, old.ChangePath)
}

// scan reads every column of x, as queries do, until stop is closed.
func scan(x *index.Index, stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		var sum uint64
		for i := range x.Len() {
			lo, hi := x.Changes(i)
			sum += uint64(x.Parents[i]) + uint64(x.Author[i]+x.Committer[i]+x.RawAuthor[i]+x.RawCommitter[i]) +
				uint64(x.AuthorTime[i]+x.CommitTime[i]) + uint64(x.AuthorZone[i]) + uint64(len(x.Subject(i))+len(x.Hash(i))) +
				uint64(x.Added[i]+x.Deleted[i]+x.FilesChanged[i]) + uint64(hi-lo)
			for j := lo; j < hi; j++ {
				sum += uint64(x.ChangePath[j] + x.ChangeAdded[j] + x.ChangeDeleted[j])
			}
		}
		_ = sum
	}
}

// TestUpdateInPlace: an update of a loaded index writes its commits in
// front of the old columns, which it shares, while the old index is being
// read (the race detector sees any write to what it holds); the old index
// stays whole and the new one equals a fresh build. Extending the old
// index a second time copies it, as does an extension that does not fit
// in front (a subject longer than the room's bytes, more file changes
// than its changes), or one whose new .mailmap renames every author; and
// the index made then extends in place again.
func TestUpdateInPlace(t *testing.T) {
	h, b, path, _ := savedHistory(t, 11, 30)
	old, err := index.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	oldRecords := records(old)
	h.forward(3)
	stop, wg := make(chan struct{}), &sync.WaitGroup{}
	wg.Add(2)
	go scan(old, stop, wg)
	go scan(old, stop, wg)
	x, _ := update(t, b, h.r.Dir, old)
	close(stop)
	wg.Wait()
	if !shares(x, old) {
		t.Fatal("the update of a loaded index copied its columns, want its commits written in front of them")
	}
	checkEqualsFresh(t, x, h.r.Dir)
	xRecords := records(x)

	again, _ := update(t, b, h.r.Dir, old)
	if shares(again, old) {
		t.Fatal("the loaded index was extended in place twice")
	}
	checkEqualsFresh(t, again, h.r.Dir)

	h.forward(2)
	y, _ := update(t, b, h.r.Dir, x)
	if !shares(y, x) || !shares(y, old) {
		t.Fatal("the update of an index made in place copied its columns")
	}
	checkEqualsFresh(t, y, h.r.Dir)
	for name, got := range map[string][]record{"loaded": records(old), "first update": records(x)} {
		want := oldRecords
		if name == "first update" {
			want = xRecords
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("the %s index changed when it was extended", name)
		}
	}

	many := map[string][]byte{}
	for i := range 600 {
		many[fmt.Sprintf("many/%d.txt", i)] = []byte("x\n")
	}
	for _, c := range []struct {
		name   string
		commit testrepo.Commit
		copies bool // all columns, else the two it maps anew
	}{
		{"long subject", testrepo.Commit{Message: strings.Repeat("long subject ", 200)}, true},
		{"many files", testrepo.Commit{Files: many}, true},
		{"new mailmap", testrepo.Commit{Files: map[string][]byte{".mailmap": []byte("Someone <someone@example.com> <ann@example.com>\n")}}, false},
	} {
		h.now = h.now.Add(2 * time.Hour)
		c.commit.Date = h.now
		h.r.Commit(c.commit)
		prev, prevRecords := y, records(y)
		y, _ = update(t, b, h.r.Dir, prev)
		if shares(y, prev) == c.copies || &y.Author[y.Len()-1] == &prev.Author[prev.Len()-1] {
			t.Fatalf("%s: shares the extended index's columns, want a copy of all (%v) or of the authors and committers only", c.name, c.copies)
		}
		checkEqualsFresh(t, y, h.r.Dir)
		if !reflect.DeepEqual(records(prev), prevRecords) {
			t.Fatalf("%s: the extended index changed", c.name)
		}
		h.forward(1)
		z, _ := update(t, b, h.r.Dir, y)
		checkEqualsFresh(t, z, h.r.Dir)
		h.forward(1)
		y, _ = update(t, b, h.r.Dir, z)
		if !shares(y, z) {
			t.Fatalf("%s: the index made after it is not extended in place", c.name)
		}
		checkEqualsFresh(t, y, h.r.Dir)
	}
}

// TestUpdateUnsharedReordered: when git log lists the new commits among
// the old index's newest ones (a branch of older commits merged), Update
// copies the old index, which stays whole, and UpdateUnshared writes the
// extension over the old index's replaced commits and the room in front
// of them; both equal a fresh build, and are saved as a segment that
// loads as they are.
func TestUpdateUnsharedReordered(t *testing.T) {
	h, b, path, _ := savedHistory(t, 12, 40)
	r := h.r
	h.mergeOlderBranch()

	old, err := index.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	oldRecords := records(old)
	shared, _ := update(t, b, r.Dir, old)
	if drop, _ := index.Replaced(shared); drop == 0 || shares(shared, old) {
		t.Fatalf("Update replaced %d old commits, shares the old columns: %v; want some replaced and a copy", drop, shares(shared, old))
	}
	checkEqualsFresh(t, shared, r.Dir)
	if !reflect.DeepEqual(records(old), oldRecords) {
		t.Fatal("Update changed the old index")
	}

	old, err = index.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	last := &old.ChangePath[len(old.ChangePath)-1]
	x, _, err := b.UpdateUnshared(t.Context(), gitDir(t, b.Git, r.Dir), old, nil)
	if err != nil {
		t.Fatal(err)
	}
	if drop, _ := index.Replaced(x); drop == 0 || &x.ChangePath[len(x.ChangePath)-1] != last {
		t.Fatalf("UpdateUnshared replaced %d old commits, wrote over the old columns: %v; want both", drop, &x.ChangePath[len(x.ChangePath)-1] == last)
	}
	checkEqualsFresh(t, x, r.Dir)
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentFiles(path)); n != 1 {
		t.Fatalf("%d segments, want 1", n)
	}
	checkLoads(t, path, x)
	h.forward(2)
	y, _ := update(t, b, r.Dir, x)
	if !shares(y, x) {
		t.Fatal("the index written over the old one is not extended in place")
	}
	checkEqualsFresh(t, y, r.Dir)
}
