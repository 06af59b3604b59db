package mirror

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestPrefetchReadsOfflineWhatStatsNeed: after Prefetch of the two newest
// commits (whose trees and blobs come in more than one fetch each), their
// line statistics are read with fetching disabled and agree with git's on
// the source; a commit not prefetched cannot be read so, since nothing is
// fetched lazily.
func TestPrefetchReadsOfflineWhatStatsNeed(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{})
	src := newSource(t, true)
	files := map[string][]byte{}
	for k := range 8 {
		files[fmt.Sprintf("src/d%d/f%d.go", k%3, k)] = fmt.Appendf(nil, "package d\n// %d\n", k)
	}
	src.Commit(testrepo.Commit{Files: files})
	for p := range files {
		files[p] = append(files[p], "// changed\n"...)
	}
	src.Commit(testrepo.Commit{Files: files})
	res := mustEnsure(t, m, src, nil)
	if !res.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", res)
	}
	newest := strings.Fields(src.Git("rev-list", "-2", "HEAD"))
	var raw string
	for _, c := range newest {
		raw += src.Git("diff-tree", "-r", "--raw", "--no-abbrev", "-z", "--no-renames", c) + "\x00"
	}
	m.blobBatch = 4
	if got := batches(parseRawBlobs([]byte(raw), prefetchBuckets), m.blobBatch); len(got) <= prefetchFetches {
		t.Fatalf("the test's blobs fall in batches %v: want more fetches than run side by side", got)
	}
	var reports []progress.Progress
	if err := m.Prefetch(t.Context(), src.key, src.url, nil, newest, func(p progress.Progress) { reports = append(reports, p) }); err != nil {
		t.Fatalf("Prefetch: %v", err)
	}
	// The phase without a total while the trees come, then each fetch of
	// blobs counted as it ends, one report each.
	fetches := len(batches(parseRawBlobs([]byte(raw), prefetchBuckets), m.blobBatch))
	want := []progress.Progress{{Phase: progress.PhaseComplete}}
	for k := range fetches + 1 {
		want = append(want, progress.Progress{Phase: progress.PhaseComplete, Done: k, Total: fetches})
	}
	if !slices.Equal(reports, want) {
		t.Errorf("Prefetch reported %v, want %v", reports, want)
	}
	offline := g.Offline()
	for _, c := range newest {
		var got []string
		err := offline.Numstat(t.Context(), res.GitDir, [][]byte{[]byte(c)}, func(_ []byte, files []gitcli.FileStat) error {
			for _, f := range files {
				got = append(got, string(f.Path))
			}
			return nil
		})
		want := strings.Fields(src.Git("diff-tree", "--no-commit-id", "--name-only", "-r", c))
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("offline numstat of prefetched %s: %v, %v; git on the source: %v", c, got, err, want)
		}
	}
	root := src.Git("rev-list", "--max-parents=0", "HEAD")
	err := offline.Numstat(t.Context(), res.GitDir, [][]byte{[]byte(root)}, func([]byte, []gitcli.FileStat) error { return nil })
	if err == nil {
		t.Fatal("the root commit's statistics were read although it was not prefetched: something was fetched lazily")
	}
}

// TestParseRawBlobs: every blob once, submodules and missing sides left
// out, and the versions of a file in one group (the group of its path).
func TestParseRawBlobs(t *testing.T) {
	z := strings.Repeat("0", 40)
	a, b, c, d := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40), strings.Repeat("d", 40)
	out := strings.Join([]string{
		strings.Repeat("1", 40),
		":100644 100644 " + a + " " + b + " M", "f",
		":000000 100644 " + z + " " + c + " A", "g",
		":160000 160000 " + a + " " + c + " M", "sub",
		strings.Repeat("2", 40),
		":100644 000000 " + b + " " + z + " D", "f",
		":100644 100644 " + c + " " + d + " M", "g",
	}, "\x00") + "\x00"
	if got := parseRawBlobs([]byte(out), 1); !slices.Equal(got[0], []string{a, b, c, d}) || len(got) != 1 {
		t.Errorf("parseRawBlobs(1 group) = %v, want [%v]", got, []string{a, b, c, d})
	}
	// f's and g's versions by the groups of their paths (FNV-1a: "f" in
	// group 1 of 2, "g" in group 0).
	got := parseRawBlobs([]byte(out), 2)
	if want := [][]string{{c, d}, {a, b}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("parseRawBlobs(2 groups) = %v, want %v", got, want)
	}
}

func TestBatches(t *testing.T) {
	groups := [][]string{{"a", "b"}, nil, {"c"}, {"d", "e", "f"}, {"g"}}
	for size, want := range map[int][][]string{
		1: {{"a", "b"}, {"c"}, {"d", "e", "f"}, {"g"}},
		3: {{"a", "b", "c"}, {"d", "e", "f"}, {"g"}},
		4: {{"a", "b", "c", "d", "e", "f"}, {"g"}},
		9: {{"a", "b", "c", "d", "e", "f", "g"}},
	} {
		if got := batches(groups, size); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("batches(%v, %d) = %v, want %v", groups, size, got, want)
		}
	}
	if got := batches([][]string{nil, nil}, 2); len(got) != 0 {
		t.Errorf("batches of empty groups = %v, want none", got)
	}
}

func TestRuns(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	for n, want := range map[int][][]string{
		1: {names}, 2: {{"a", "b"}, {"c", "d", "e"}}, 5: {{"a"}, {"b"}, {"c"}, {"d"}, {"e"}}, 9: {{"a"}, {"b"}, {"c"}, {"d"}, {"e"}},
	} {
		if got := runs(names, n); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("runs(%v, %d) = %v, want %v", names, n, got, want)
		}
	}
	if got := runs(nil, 2); len(got) != 0 {
		t.Errorf("runs(nil, 2) = %v, want none", got)
	}
}
