package index_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// record is everything an index says about one commit, through its
// identity and path tables, so that indexes built in different steps
// (whose ids differ) can be compared.
type record struct {
	Hash, Subject                string
	Parents                      uint16
	Author, Committer            index.Ident
	RawAuthor, RawCommitter      index.Ident
	AuthorTime, CommitTime       int64
	AuthorZone                   int16
	Added, Deleted, FilesChanged uint32
	Changes                      []string
}

func records(x *index.Index) []record {
	out := make([]record, x.Len())
	for i := range out {
		r := record{
			Hash: x.Hash(i), Subject: x.Subject(i), Parents: x.Parents[i],
			Author: x.Idents[x.Author[i]], Committer: x.Idents[x.Committer[i]],
			RawAuthor: x.RawIdents[x.RawAuthor[i]], RawCommitter: x.RawIdents[x.RawCommitter[i]],
			AuthorTime: x.AuthorTime[i], CommitTime: x.CommitTime[i], AuthorZone: x.AuthorZone[i],
		}
		if x.HasStats {
			r.Added, r.Deleted, r.FilesChanged = x.Added[i], x.Deleted[i], x.FilesChanged[i]
			lo, hi := x.Changes(i)
			for j := lo; j < hi; j++ {
				r.Changes = append(r.Changes, fmt.Sprintf("%s +%d -%d", x.Paths[x.ChangePath[j]], x.ChangeAdded[j], x.ChangeDeleted[j]))
			}
		}
		out[i] = r
	}
	return out
}

// checkEqualsFresh fails unless x says exactly what a fresh build of the
// repository at dir says, commit by commit and in the same order, and
// every identity it holds is one a commit uses.
func checkEqualsFresh(t *testing.T, x *index.Index, dir string) {
	t.Helper()
	fresh := build(t, newGit(t), dir)
	if x.Branch != fresh.Branch || x.Mailmap != fresh.Mailmap || x.HasStats != fresh.HasStats {
		t.Fatalf("branch %q/%q mailmap %q/%q stats %v/%v", x.Branch, fresh.Branch, x.Mailmap, fresh.Mailmap, x.HasStats, fresh.HasStats)
	}
	got, want := records(x), records(fresh)
	if len(got) != len(want) {
		t.Fatalf("updated index has %d commits, a fresh build %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("commit %d differs from a fresh build:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if len(x.Idents) != len(fresh.Idents) {
		t.Fatalf("updated index holds %d identities, a fresh build %d", len(x.Idents), len(fresh.Idents))
	}
}

func update(t *testing.T, b *index.Builder, dir string, old *index.Index) (*index.Index, bool) {
	t.Helper()
	x, rebuilt, err := b.Update(context.Background(), gitDir(t, b.Git, dir), old, nil)
	if err != nil {
		t.Fatal(err)
	}
	return x, rebuilt
}

// TestUpdateMailmapChange guards issue 11.1: a new commit that changes
// .mailmap renames the authors of the older commits too.
func TestUpdateMailmapChange(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	day := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		r.Commit(testrepo.Commit{Author: "alice <Alice@Old.example>", Date: day.Add(time.Duration(i) * time.Hour), Files: map[string][]byte{"a": fmt.Appendf(nil, "%d\n", i)}})
	}
	r.Commit(testrepo.Commit{Author: "Bob <bob@example.com>", Date: day.Add(6 * time.Hour), Files: map[string][]byte{"b": []byte("b\n")}})
	b := &index.Builder{Git: g, Workers: 2}
	old := build(t, g, r.Dir)
	r.Commit(testrepo.Commit{Author: "Bob <bob@example.com>", Date: day.Add(7 * time.Hour), Message: "mailmap",
		Files: map[string][]byte{".mailmap": []byte("Alice Smith <alice@example.com> <alice@old.example>\n")}})
	x, rebuilt := update(t, b, r.Dir, old)
	if rebuilt {
		t.Fatal("a fast-forward with a new .mailmap was rebuilt, want an update")
	}
	if x.Mailmap == "" || x.Mailmap == old.Mailmap {
		t.Fatalf("mailmap blob %q, old %q", x.Mailmap, old.Mailmap)
	}
	checkEqualsFresh(t, x, r.Dir)
	checkAgainstGit(t, x, r.Dir)
	for i := range x.Len() {
		if id := x.Idents[x.Author[i]]; strings.Contains(id.Email, "old.example") {
			t.Fatalf("commit %d still carries the unmapped author %+v", i, id)
		}
	}
	// Dropping the .mailmap maps them back.
	r.Commit(testrepo.Commit{Date: day.Add(8 * time.Hour), Files: map[string][]byte{".mailmap": nil}})
	y, _ := update(t, b, r.Dir, x)
	checkEqualsFresh(t, y, r.Dir)
}

// TestUpdateOlderBranchMerged guards issue 11.2: merging a branch whose
// commits are older than the indexed tip keeps git log's order.
func TestUpdateOlderBranchMerged(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	day := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	base := r.Commit(testrepo.Commit{Date: day, Files: map[string][]byte{"a": []byte("0\n")}})
	r.Git("checkout", "-q", "-b", "topic")
	for i := range 3 {
		r.Commit(testrepo.Commit{Author: "Topic <t@example.com>", Date: day.Add(time.Duration(i+1) * time.Hour), Files: map[string][]byte{"t": fmt.Appendf(nil, "%d\n", i)}})
	}
	r.Git("checkout", "-q", "main")
	for i := range 3 {
		r.Commit(testrepo.Commit{Date: day.Add(time.Duration(i+1)*time.Hour + 30*time.Minute), Files: map[string][]byte{"a": fmt.Appendf(nil, "%d\n", i+1)}})
	}
	b := &index.Builder{Git: g, Workers: 2}
	old := build(t, g, r.Dir)
	if _, err := testrepo.Run(r.Dir, []string{"GIT_AUTHOR_DATE=2024-05-02T00:00:00Z", "GIT_COMMITTER_DATE=2024-05-02T00:00:00Z"}, nil,
		"merge", "-q", "--no-ff", "-m", "merge topic", "topic"); err != nil {
		t.Fatal(err)
	}
	x, rebuilt := update(t, b, r.Dir, old)
	if rebuilt {
		t.Fatal("a merge was rebuilt, want an update")
	}
	checkEqualsFresh(t, x, r.Dir)
	checkAgainstGit(t, x, r.Dir)
	if x.Hash(x.Len()-1) != base {
		t.Fatalf("oldest commit %s, want the root %s", x.Hash(x.Len()-1), base)
	}
}

// TestUnknownDateKept guards issue 11.3: a commit whose date git cannot
// read (negative timestamp, badDateOverflow) is kept with UnknownTime and
// does not make the history unreadable.
func TestUnknownDateKept(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	first := r.Commit(testrepo.Commit{Files: map[string][]byte{"a": []byte("1\n")}})
	tree := r.Git("rev-parse", "HEAD^{tree}")
	raw := fmt.Sprintf("tree %s\nparent %s\nauthor Neg <neg@example.com> -1 +0000\ncommitter Neg <neg@example.com> -1 +0000\n\nfrom before time\n", tree, first)
	out, err := testrepo.Run(r.Dir, nil, []byte(raw), "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.TrimSpace(string(out))
	r.Git("update-ref", "refs/heads/main", bad)
	r.Commit(testrepo.Commit{Date: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Files: map[string][]byte{"a": []byte("2\n")}})

	x := build(t, g, r.Dir)
	if x.Len() != 3 || x.Hash(1) != bad {
		t.Fatalf("index has %d commits, commit 1 %s; want 3 with %s second", x.Len(), x.Hash(1), bad)
	}
	if x.DateKnown(1) || x.AuthorTime[1] != index.UnknownTime || !x.AuthorDate(1).IsZero() || x.CommitTime[1] != index.UnknownTime {
		t.Fatalf("unreadable date read as %d/%v", x.AuthorTime[1], x.AuthorDate(1))
	}
	if !x.DateKnown(0) || !x.DateKnown(2) || x.Subject(1) != "from before time" || x.Idents[x.Author[1]].Name != "Neg" {
		t.Fatalf("the other commits or the bad one's metadata were lost")
	}
	// It survives a save and an update on top of it.
	y, err := index.UnmarshalBinary(marshal(t, x))
	if err != nil || !reflect.DeepEqual(records(x), records(y)) {
		t.Fatalf("round trip: %v", err)
	}
	r.Commit(testrepo.Commit{Date: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Files: map[string][]byte{"a": []byte("3\n")}})
	z, _ := update(t, &index.Builder{Git: g, Workers: 2}, r.Dir, x)
	checkEqualsFresh(t, z, r.Dir)
}

// TestUpdateRandomHistories is a property test: random histories (commits
// with skewed clocks, merges of branches older than the tip, .mailmap
// edits, renames, force-pushed rewrites) indexed once and extended in
// random steps always equal a fresh build of the same head, and load as
// they were saved.
func TestUpdateRandomHistories(t *testing.T) {
	seeds, steps := 4, 4
	if testing.Short() {
		seeds, steps = 2, 3
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			h := &randomHistory{t: t, rng: rand.New(rand.NewPCG(uint64(seed), 11)), r: testrepo.New(t),
				now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
			h.commit()
			b := &index.Builder{Git: newGit(t), Workers: 2}
			x := build(t, b.Git, h.r.Dir)
			// Saved after each step (a segment or a new base), the
			// index loads as it was.
			path := filepath.Join(t.TempDir(), "x.idx")
			if err := x.Save(path); err != nil {
				t.Fatal(err)
			}
			for range steps {
				for range 1 + h.rng.IntN(4) {
					h.step()
				}
				x, _ = update(t, b, h.r.Dir, x)
				checkEqualsFresh(t, x, h.r.Dir)
				if err := x.Save(path); err != nil {
					t.Fatal(err)
				}
				checkLoads(t, path, x)
			}
		})
	}
}

// randomHistory makes random changes to a repository.
type randomHistory struct {
	t        *testing.T
	rng      *rand.Rand
	r        *testrepo.Repo
	now      time.Time
	n        int
	branches int
}

var people = []string{"Ann <ann@example.com>", "ann <ANN@old.example>", "Ben <ben@example.com>", "Cy <cy@example.com>", "cy <cy@home.example>"}

func (h *randomHistory) date() time.Time {
	// Clocks are skewed: a commit may be up to an hour older than its parent.
	h.now = h.now.Add(time.Duration(h.rng.IntN(180)-60) * time.Minute)
	return h.now
}

func (h *randomHistory) commit() {
	h.n++
	h.r.Commit(testrepo.Commit{Author: people[h.rng.IntN(len(people))], Date: h.date(), Message: fmt.Sprint("c", h.n),
		Files: map[string][]byte{fmt.Sprintf("f%d.txt", h.rng.IntN(4)): fmt.Appendf(nil, "%d\n%d\n", h.n, h.rng.IntN(9))}})
}

func (h *randomHistory) step() {
	r := h.r
	switch h.rng.IntN(6) {
	case 0, 1:
		h.commit()
	case 2: // a branch forked from an older commit, with older dates, merged
		depth := h.rng.IntN(4)
		from := r.Git("rev-list", "--first-parent", "--max-count=1", fmt.Sprintf("--skip=%d", depth), "HEAD")
		if from == "" {
			h.commit()
			return
		}
		h.branches++
		name := fmt.Sprint("topic", h.branches)
		r.Git("checkout", "-q", "-b", name, from)
		saved := h.now
		h.now = h.now.Add(-time.Duration(2+h.rng.IntN(5)) * time.Hour)
		for range 1 + h.rng.IntN(3) {
			h.n++
			r.Commit(testrepo.Commit{Author: people[h.rng.IntN(len(people))], Date: h.date(), Message: fmt.Sprint("t", h.n),
				Files: map[string][]byte{fmt.Sprintf("%s-%d.txt", name, h.n): []byte("x\n")}})
		}
		h.now = saved
		r.Git("checkout", "-q", "main")
		d := h.date().Format(time.RFC3339)
		if _, err := testrepo.Run(r.Dir, []string{"GIT_AUTHOR_DATE=" + d, "GIT_COMMITTER_DATE=" + d}, nil,
			"merge", "-q", "--no-ff", "-m", "merge "+name, name); err != nil {
			h.t.Fatal(err)
		}
	case 3: // a .mailmap edit
		lines := []string{"Ann Example <ann@example.com> <ann@old.example>", "Cy <cy@example.com> cy <cy@home.example>", "Ben B. <ben@example.com>"}
		var mm []byte
		for _, l := range lines {
			if h.rng.IntN(2) == 0 {
				mm = append(mm, l+"\n"...)
			}
		}
		if mm == nil {
			mm = []byte("# nobody\n")
		}
		h.r.Commit(testrepo.Commit{Date: h.date(), Message: "mailmap", Files: map[string][]byte{".mailmap": mm}})
	case 4: // a rename
		src := fmt.Sprintf("f%d.txt", h.rng.IntN(4))
		if _, err := testrepo.Run(r.Dir, nil, nil, "mv", src, "moved-"+src); err != nil {
			h.commit() // not there any more
			return
		}
		h.r.Commit(testrepo.Commit{Date: h.date(), Message: "rename " + src})
	case 5: // a rewrite: drop the last commits and commit anew
		if n := r.Git("rev-list", "--count", "HEAD"); n != "1" && n != "2" {
			r.Git("reset", "-q", "--hard", "HEAD~1")
		}
		h.commit()
	}
}

// TestUpdateOldHeadGone: when the indexed head is no longer in the
// repository (history rewritten, then pruned), Update rebuilds the index.
func TestUpdateOldHeadGone(t *testing.T) {
	g := newGit(t)
	r := testrepo.New(t)
	day := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 4 {
		r.Commit(testrepo.Commit{Date: day.Add(time.Duration(i) * time.Hour), Files: map[string][]byte{"a": fmt.Appendf(nil, "%d\n", i)}})
	}
	old := build(t, g, r.Dir)
	r.Git("reset", "-q", "--hard", "HEAD~1")
	r.Commit(testrepo.Commit{Date: day.Add(5 * time.Hour), Message: "rewritten", Files: map[string][]byte{"b": []byte("b\n")}})
	r.Git("reflog", "expire", "--expire=now", "--all")
	r.Git("gc", "-q", "--prune=now")
	if _, err := testrepo.Run(r.Dir, nil, nil, "cat-file", "-e", old.Head()); err == nil {
		t.Fatal("the old head is still in the repository")
	}
	x, rebuilt := update(t, &index.Builder{Git: g, Workers: 2}, r.Dir, old)
	if !rebuilt {
		t.Fatal("an index whose head is gone was extended, want a rebuild")
	}
	checkEqualsFresh(t, x, r.Dir)
}
