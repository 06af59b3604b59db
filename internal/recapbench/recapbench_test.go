package recapbench

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// The notes below are written for these tests in the two projects'
// formats; no project's text is copied.

const gitStyle = `Git v9.1 Release Notes
=====================

UI, Workflows & Features

 * "git frob" learned the "--twist" option to twist
   what it frobs.

 * The walker stops early.

Fixes since v9.0
----------------

 * Crashes on an empty repository have been corrected.
   (merge 0123abcd ab/frob-crash later to maint).
`

const redisStyle = `Redis 9.0 release notes
=======================

================================================================================
Redis 9.0.2    Released Mon 01 Jan 2030 10:00:00 IST
================================================================================

Bug fixes
=========

* Fix a crash in FROB when the key is missing (#101)
* Fix TWIST reply type
  in RESP3 (#102, #103)

================================================================================
Redis 9.0.1    Released Mon 01 Dec 2029 10:00:00 IST
================================================================================

* Older fix (#99)
`

func texts(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Text
	}
	return out
}

func TestGitNotes(t *testing.T) {
	got := GitNotes(gitStyle)
	want := []string{
		`"git frob" learned the "--twist" option to twist what it frobs.`,
		"The walker stops early.",
		"Crashes on an empty repository have been corrected.",
	}
	if !slices.Equal(texts(got), want) {
		t.Errorf("GitNotes = %q\nwant %q (the maint-merge note, which names the branch, dropped)", texts(got), want)
	}
}

func TestRedisNotes(t *testing.T) {
	got := RedisNotes(redisStyle, "9.0.2")
	if !slices.Equal(texts(got), []string{"Fix a crash in FROB when the key is missing (#101)", "Fix TWIST reply type in RESP3 (#102, #103)"}) ||
		!slices.Equal(got[1].PRs, []int{102, 103}) {
		t.Errorf("RedisNotes(9.0.2) = %+v: want that section's items only, with their pull requests", got)
	}
	if RedisNotes(redisStyle, "9.0.3") != nil {
		t.Error("a version without a section has items")
	}
}

func TestMatchOneToOne(t *testing.T) {
	human := append(GitNotes(gitStyle), RedisNotes(redisStyle, "9.0.2")...)
	bullets := Bullets(`## Release notes

### Features
- "git frob" learned the "--twist" option to twist what it frobs.
- "git frob" learned the "--twist" option to twist what it frobs.
- Handle missing keys in FROB. (#101)
- Update the logo.
- Merge branch 'ab/frob-crash'
- v9.1.0
`)
	s := Match(bullets, human)
	// The duplicate covers nothing more (one to one), the pull request
	// matches however different the words, the rest match nothing.
	if s.Matched != 2 || s.Human != 5 || s.Bullets != 6 || s.Filler != 2 || s.Weak != 0 {
		t.Errorf("score = %+v", s)
	}
	if s.Recall() != 0.4 || s.Precision() != 2.0/6 {
		t.Errorf("recall %v precision %v", s.Recall(), s.Precision())
	}
}

func TestSimilarity(t *testing.T) {
	a, b := newItem("Fixes the frobbing of twisted keys in lines"), newItem("fix frobbing twisted key line")
	if s := Similarity(a, b); s != 1 {
		t.Errorf("same content words, other endings: %v, want 1", s)
	}
	if s := Similarity(newItem("the walker stops early"), newItem("a new option for frob")); s != 0 {
		t.Errorf("nothing in common: %v", s)
	}
}

func TestFiller(t *testing.T) {
	for text, want := range map[string]bool{
		"Merge branch 'ps/foo'":                     true,
		"Merge pull request #12 from a/b":           true,
		"v2.44.0":                                   true,
		"Redis 7.2.4":                               true,
		"3 other commits: a; b; and 116 more":       true,
		"No further activity recorded.":             true,
		"The walker learned to merge branches.":     false,
		"Support versions like 2.44 in the parser.": false,
	} {
		if Filler(text) != want {
			t.Errorf("Filler(%q) = %v", text, !want)
		}
	}
}

func TestDefaultTags(t *testing.T) {
	got := DefaultTags([]string{"v2.44.0", "v2.43.0", "v2.43.1", "v2.30.0", "v2.29.0", "v2.43.0-rc1", "7.2.4", "7.4.1", "7.0.0", "6.2.3", "6.0.5"})
	if want := []string{"v2.30.0", "v2.43.0", "6.2.3", "7.2.4"}; !slices.Equal(got, want) {
		t.Errorf("DefaultTags = %v, want %v", got, want)
	}
}

// BenchmarkReleaseNotesQuality scores the built-in summariser's release
// notes on the repositories GITPULSE_BENCH_REPOS names (comma-separated
// local paths: a git.git and a redis clone), held-out releases only, and
// reports recall, precision and filler as metrics. CI does not set it.
func BenchmarkReleaseNotesQuality(b *testing.B) {
	repos := os.Getenv("GITPULSE_BENCH_REPOS")
	if repos == "" {
		b.Skip("GITPULSE_BENCH_REPOS is not set: name local clones of git.git and/or redis, comma-separated, to score release notes against their human notes")
	}
	ctx := context.Background()
	g, err := gitcli.New(ctx, gitcli.Options{Home: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	policy := repourl.DefaultPolicy()
	policy.AllowLocal = true
	svc, err := history.New(g, history.Options{DataDir: b.TempDir(), Policy: policy})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	gen, err := recap.New(recap.Config{})
	if err != nil {
		b.Fatal(err)
	}
	var total Score
	for b.Loop() {
		total = Score{}
		for _, repo := range strings.Split(repos, ",") {
			gitDir, err := g.GitDir(ctx, repo)
			if err != nil {
				b.Fatal(err)
			}
			r, err := svc.Prepare(ctx, repo, nil)
			if err == nil {
				err = r.Ready(ctx)
			}
			if err != nil {
				b.Fatal(err)
			}
			refs, err := g.Refs(ctx, gitDir, gitcli.Tags)
			if err != nil {
				b.Fatal(err)
			}
			names := make([]string, len(refs))
			for i, ref := range refs {
				names[i] = ref.Name
			}
			releases, _, err := Run(ctx, Repository{Git: g, GitDir: gitDir, Releases: gitrepo.New(svc, repo)}, gen, DefaultTags(names))
			if err != nil {
				b.Fatal(err)
			}
			_, held := Totals(releases)
			total = total.Add(held)
		}
	}
	b.ReportMetric(100*total.Recall(), "recall%")
	b.ReportMetric(100*total.Precision(), "precision%")
	b.ReportMetric(float64(total.Filler), "filler")
}
