package analytics_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// mustView builds the full index (both passes) of the repository in dir.
func mustView(tb testing.TB, dir string) *analytics.View {
	tb.Helper()
	g, gitDir := mustGit(tb, dir)
	x, err := (&index.Builder{Git: g, Workers: 2}).Build(context.Background(), gitDir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return analytics.NewView(x)
}

// mustMetadataView builds only the first pass: no line statistics.
func mustMetadataView(tb testing.TB, dir string) *analytics.View {
	tb.Helper()
	g, gitDir := mustGit(tb, dir)
	x, err := (&index.Builder{Git: g, Workers: 2}).Metadata(context.Background(), gitDir, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return analytics.NewView(x)
}

func mustGit(tb testing.TB, dir string) (*gitcli.Git, string) {
	tb.Helper()
	ctx := context.Background()
	g, err := gitcli.New(ctx, gitcli.Options{Home: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	gitDir, err := g.GitDir(ctx, dir)
	if err != nil {
		tb.Fatal(err)
	}
	return g, gitDir
}

// at parses an RFC 3339 time or a YYYY-MM-DD day (its UTC midnight).
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	layout := time.RFC3339
	if len(s) == len(time.DateOnly) {
		layout = time.DateOnly
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// endOf returns the last instant of day s, as the API turns a date-only
// toDate into.
func endOf(tb testing.TB, s string) time.Time {
	tb.Helper()
	return at(tb, s).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// files makes a testrepo file map from path, content pairs.
func files(pairs ...string) map[string][]byte {
	m := make(map[string][]byte, len(pairs)/2)
	for k := 0; k+1 < len(pairs); k += 2 {
		m[pairs[k]] = []byte(pairs[k+1])
	}
	return m
}

// commitAt makes commit c, then rewrites its committer date to committed,
// so that git log order differs from author-date order.
func commitAt(tb testing.TB, r *testrepo.Repo, c testrepo.Commit, committed string) string {
	tb.Helper()
	r.Commit(c)
	env := []string{"GIT_COMMITTER_DATE=" + committed}
	if _, err := testrepo.Run(r.Dir, env, nil, "commit", "-q", "--amend", "--no-edit", "--allow-empty"); err != nil {
		tb.Fatal(err)
	}
	return r.Git("rev-parse", "HEAD")
}

// jsonKeys marshals v and lists every key path in it ("a.b", "a.list[].c"),
// sorted.
func jsonKeys(tb testing.TB, v any) []string {
	tb.Helper()
	var tree any
	if err := json.Unmarshal([]byte(mustJSON(tb, v)), &tree); err != nil {
		tb.Fatal(err)
	}
	var keys []string
	var walk func(prefix string, node any)
	walk = func(prefix string, node any) {
		switch n := node.(type) {
		case map[string]any:
			for k, child := range n {
				keys = append(keys, prefix+k)
				walk(prefix+k+".", child)
			}
		case []any:
			if len(n) > 0 {
				walk(prefix[:len(prefix)-1]+"[].", n[0])
			}
		}
	}
	walk("", tree)
	slices.Sort(keys)
	return keys
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(raw)
}

func check[T any](tb testing.TB, what string, got, want T) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("%s:\n got %s\nwant %s", what, mustJSON(tb, got), mustJSON(tb, want))
	}
}

// shallowIndex is a handmade index of a history cut short: a merge (at
// Unix time 200) whose diff changed f.go by 5 lines, over a commit (at 100)
// that added 1 line to it and whose parent is missing.
func shallowIndex() *index.Index {
	return &index.Index{
		HashSize: 20, Hashes: make([]byte, 40),
		Parents: []uint16{2, 1}, Author: []uint32{0, 0}, Committer: []uint32{0, 0},
		AuthorTime: []int64{200, 100}, CommitTime: []int64{200, 100}, AuthorZone: []int16{0, 0},
		SubjectOff: []uint32{0, 0, 0}, Idents: []index.Ident{{Name: "A", Email: "a@example.com"}},
		HasStats: true, Added: []uint32{5, 1}, Deleted: []uint32{0, 0}, FilesChanged: []uint32{1, 1},
		ChangeOff: []uint32{0, 1, 2}, ChangePath: []uint32{0, 0}, ChangeAdded: []uint32{5, 1}, ChangeDeleted: []uint32{0, 0},
		Paths: []string{"f.go"},
	}
}
