package analytics_test

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// dirAt is the directory of path cut to depth components, "." at the top.
func dirAt(path string, depth int) string {
	parts := strings.Split(path, "/")
	if len(parts) == 1 {
		return "."
	}
	return strings.Join(parts[:min(depth, len(parts)-1)], "/")
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// byNameOrder orders author names as the API does: case-insensitively,
// ties by the exact string.
func byNameOrder(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

// wantOwnership computes ownership from git's numstat lines of the
// non-merge commits given, with the rules documented on View.Ownership.
func wantOwnership(commits []gitCommit, group func(path string) string) map[string]analytics.DirectoryOwnership {
	// lines[path][author]
	lines := map[string]map[string]int{}
	for _, c := range commits {
		for p, n := range c.changed {
			if n[0]+n[1] == 0 {
				continue
			}
			if lines[p] == nil {
				lines[p] = map[string]int{}
			}
			lines[p][c.author] += n[0] + n[1]
		}
	}
	type dirData struct {
		lines  map[string]int
		active map[string][]string // author: files
		files  []string
		fileAc map[string][]string // file: active authors
	}
	dirs := map[string]*dirData{}
	for p, byAuthor := range lines {
		g := group(p)
		d := dirs[g]
		if d == nil {
			d = &dirData{lines: map[string]int{}, active: map[string][]string{}, fileAc: map[string][]string{}}
			dirs[g] = d
		}
		d.files = append(d.files, p)
		top := 0
		for _, n := range byAuthor {
			top = max(top, n)
		}
		for a, n := range byAuthor {
			d.lines[a] += n
			if 2*n >= top {
				d.active[a] = append(d.active[a], p)
				d.fileAc[p] = append(d.fileAc[p], a)
			}
		}
	}
	out := map[string]analytics.DirectoryOwnership{}
	for g, d := range dirs {
		o := analytics.DirectoryOwnership{Path: g, Files: len(d.files), Authors: len(d.lines), TopAuthors: []analytics.AuthorShare{}, BusFactorAuthors: []string{}}
		var names []string
		for a, n := range d.lines {
			names = append(names, a)
			o.Changes += n
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Or(d.lines[b]-d.lines[a], byNameOrder(a, b)) })
		for _, a := range names[:min(3, len(names))] {
			o.TopAuthors = append(o.TopAuthors, analytics.AuthorShare{Name: a, Changes: d.lines[a], Share: round4(float64(d.lines[a]) / float64(o.Changes))})
		}
		o.TopShare = o.TopAuthors[0].Share
		// Greedy: most files active on, then most lines, then name.
		slices.SortStableFunc(names, func(a, b string) int { return len(d.active[b]) - len(d.active[a]) })
		gone := map[string]bool{}
		orphans := func() int {
			n := 0
			for _, f := range d.files {
				if !slices.ContainsFunc(d.fileAc[f], func(a string) bool { return !gone[a] }) {
					n++
				}
			}
			return n
		}
		for _, a := range names {
			if 2*orphans() > len(d.files) {
				break
			}
			gone[a] = true
			o.BusFactorAuthors = append(o.BusFactorAuthors, a)
		}
		o.BusFactor = len(o.BusFactorAuthors)
		out[g] = o
	}
	return out
}

func checkOwnership(t *testing.T, name string, got analytics.OwnershipData, want map[string]analytics.DirectoryOwnership) {
	t.Helper()
	if len(got.Directories) != len(want)-1 || len(want) < 2 {
		t.Errorf("%s: %d directories, git %d", name, len(got.Directories), len(want)-1)
	}
	for k, d := range got.Directories {
		check(t, name+" "+d.Path, d, want[d.Path])
		if k > 0 && d.Changes > got.Directories[k-1].Changes {
			t.Errorf("%s: directories not sorted at %d", name, k)
		}
	}
	check(t, name+" summary", got.Summary, want["\x00all"])
}

// TestOwnershipAgreesWithGit checks shares, top authors and bus factors
// per directory and for the whole selection against git log --numstat,
// with author, bot, extension and exclude filters.
func TestOwnershipAgreesWithGit(t *testing.T) {
	dir, bots := botRepo(t)
	v := mustView(t, dir)
	synth := testrepo.Generate(t, testrepo.Synthetic{Commits: 900, MergeEvery: 9, Authors: 14, Files: 90, Step: 5 * time.Hour})
	sv := mustView(t, synth)
	for _, tc := range []struct {
		name    string
		v       *analytics.View
		dir     string
		f       analytics.Filter
		depth   int
		gitArgs []string
		dropBot bool
	}{
		{"synthetic depth 1", sv, synth, analytics.Filter{}, 1, nil, false},
		{"synthetic authors and dates", sv, synth, analytics.Filter{Authors: []string{"author1"}, From: at(t, "2015-02-01"), To: endOf(t, "2015-04-30")}, 1,
			[]string{"--regexp-ignore-case", "--author=author1", "--since=2015-02-01T00:00:00Z", "--until=2015-04-30T23:59:59Z"}, false},
		{"synthetic extensions", sv, synth, analytics.Filter{Extensions: []string{"go", ".MD"}}, 1, []string{"--", "*.go", "*.md"}, false},
		{"bots depth 2", v, dir, analytics.Filter{}, 2, nil, false},
		{"no bots, default exclusions", v, dir, analytics.Filter{ExcludeBots: true, Exclude: []string{"default"}}, 1, gitExcludes([]string{"default"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var commits []gitCommit
			for _, c := range gitLog(t, tc.dir, append([]string{"--no-merges"}, tc.gitArgs...)...) {
				if !tc.dropBot || !bots[c.author] {
					commits = append(commits, c)
				}
			}
			want := wantOwnership(commits, func(p string) string { return dirAt(p, tc.depth) })
			for _, all := range wantOwnership(commits, func(string) string { return "." }) {
				want["\x00all"] = all
			}
			got := tc.v.Ownership(tc.f, tc.depth)
			if got.StatsPending || got.Metadata.Depth != tc.depth {
				t.Errorf("statsPending %t, depth %d", got.StatsPending, got.Metadata.Depth)
			}
			checkOwnership(t, tc.name, got, want)
		})
	}
}

// TestBusFactorRule spells the rule out on a history small enough to
// check by hand.
func TestBusFactorRule(t *testing.T) {
	r := testrepo.New(t)
	lines := func(n int) []byte { return []byte(strings.Repeat("x\n", n)) }
	for _, c := range []struct {
		author string
		files  map[string][]byte
	}{
		// a/: Ann alone on 1 and 2, Bob alone on 3, Cy alone on 4; Bob
		// writes 3 of 10 lines of 1 (less than half of Ann's 7: not
		// active).
		{"Ann <ann@example.com>", map[string][]byte{"a/1": lines(7), "a/2": lines(2)}},
		{"Bob <bob@example.com>", map[string][]byte{"a/3": lines(9), "a/1": lines(10)}},
		{"Cy <cy@example.com>", map[string][]byte{"a/4": lines(1)}},
		// b/: Ann and Bob both active on both files: both must go.
		{"Ann <ann@example.com>", map[string][]byte{"b/1": lines(4), "b/2": lines(4)}},
		{"Bob <bob@example.com>", map[string][]byte{"b/1": lines(6), "b/2": lines(6)}},
	} {
		r.Commit(testrepo.Commit{Author: c.author, Files: c.files})
	}
	got := mustView(t, r.Dir).Ownership(analytics.Filter{}, 1)
	byPath := map[string]analytics.DirectoryOwnership{}
	for _, d := range got.Directories {
		byPath[d.Path] = d
	}
	// a/: Ann active on 2 files goes first (2 orphans of 4: not more than
	// half), then Bob (3 of 4).
	if a := byPath["a"]; a.BusFactor != 2 || !slices.Equal(a.BusFactorAuthors, []string{"Ann", "Bob"}) || a.Changes != 22 ||
		a.TopAuthors[0] != (analytics.AuthorShare{Name: "Bob", Changes: 12, Share: 0.5455}) {
		t.Errorf("a: %+v", a)
	}
	if b := byPath["b"]; b.BusFactor != 2 || b.TopShare != 0.6667 {
		t.Errorf("b: %+v", b)
	}
}
