package mirror

import (
	"slices"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/gitcli"
)

// TestPrefetchReadsOfflineWhatStatsNeed: after Prefetch of the newest
// commit, its line statistics are read with fetching disabled and agree
// with git's on the source; a commit not prefetched cannot be read so,
// since nothing is fetched lazily.
func TestPrefetchReadsOfflineWhatStatsNeed(t *testing.T) {
	g := newGit(t)
	m := newManager(t, g, Options{})
	src := newSource(t, true)
	res := mustEnsure(t, m, src, nil)
	if !res.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", res)
	}
	head, root := src.Git("rev-parse", "HEAD"), src.Git("rev-list", "--max-parents=0", "HEAD")
	if err := m.Prefetch(t.Context(), src.key, src.url, nil, []string{head}); err != nil {
		t.Fatalf("Prefetch: %v", err)
	}
	offline := g.Offline()
	var got []string
	err := offline.Numstat(t.Context(), res.GitDir, [][]byte{[]byte(head)}, func(_ []byte, files []gitcli.FileStat) error {
		for _, f := range files {
			got = append(got, string(f.Path))
		}
		return nil
	})
	want := strings.Fields(src.Git("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"))
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("offline numstat of the prefetched head: %v, %v; git on the source: %v", got, err, want)
	}
	err = offline.Numstat(t.Context(), res.GitDir, [][]byte{[]byte(root)}, func([]byte, []gitcli.FileStat) error { return nil })
	if err == nil {
		t.Fatal("the root commit's statistics were read although it was not prefetched: something was fetched lazily")
	}
}

func TestParseRawBlobs(t *testing.T) {
	z := strings.Repeat("0", 40)
	a, b, c := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	out := strings.Join([]string{
		strings.Repeat("1", 40),
		":100644 100644 " + a + " " + b + " M", "f",
		":000000 100644 " + z + " " + c + " A", "g",
		":160000 160000 " + a + " " + c + " M", "sub",
		":100644 000000 " + b + " " + z + " D", "h",
	}, "\x00") + "\x00"
	if got := parseRawBlobs([]byte(out)); !slices.Equal(got, []string{a, b, c}) {
		t.Errorf("parseRawBlobs = %v, want %v", got, []string{a, b, c})
	}
}
