package analytics_test

import (
	"cmp"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// wantCoupling computes every coupled pair from git's own file lists:
// all holds the non-merge commits (their whole file lists decide what is
// bulk), listed the same commits limited to the listed files.
func wantCoupling(all, listed []gitCommit, opts analytics.CouplingOptions) (pairs []analytics.CoupledPair, summary analytics.CouplingSummary) {
	bulk := map[string]bool{}
	for _, c := range all {
		if len(c.changed) > opts.MaxFiles {
			bulk[c.hash] = true
			summary.BulkCommits++
		}
	}
	commits := map[string]int{}
	shared := map[[2]string]int{}
	for _, c := range listed {
		if bulk[c.hash] || len(c.changed) == 0 {
			continue
		}
		summary.Commits++
		for a := range c.changed {
			commits[a]++
			for b := range c.changed {
				if a < b {
					shared[[2]string{a, b}]++
				}
			}
		}
	}
	for ab, n := range shared {
		if n < opts.MinShared {
			continue
		}
		a, b := ab[0], ab[1]
		if commits[b] < commits[a] {
			a, b = b, a
		}
		pairs = append(pairs, analytics.CoupledPair{
			Path: a, CoupledPath: b, SharedCommits: n, PathCommits: commits[a], CoupledCommits: commits[b],
			Support:    round4(float64(n) / float64(summary.Commits)),
			Confidence: round4(float64(n) / float64(commits[a])), CoupledConfidence: round4(float64(n) / float64(commits[b])),
		})
	}
	summary.Pairs = len(pairs)
	sortPairs(pairs)
	return pairs[:min(opts.Limit, len(pairs))], summary
}

// sortPairs orders pairs by shared commits, then confidence, then paths.
func sortPairs(pairs []analytics.CoupledPair) {
	for k := 1; k < len(pairs); k++ { // insertion sort: a second implementation
		for m := k; m > 0 && pairLess(pairs[m], pairs[m-1]); m-- {
			pairs[m], pairs[m-1] = pairs[m-1], pairs[m]
		}
	}
}

func pairLess(a, b analytics.CoupledPair) bool {
	ca, cb := float64(a.SharedCommits)/float64(a.PathCommits), float64(b.SharedCommits)/float64(b.PathCommits)
	return cmp.Or(cmp.Compare(b.SharedCommits, a.SharedCommits), cmp.Compare(cb, ca),
		strings.Compare(a.Path, b.Path), strings.Compare(a.CoupledPath, b.CoupledPath)) < 0
}

// TestCouplingAgreesWithGit checks coupled pairs, their counts and ratios
// and the bulk-commit rule against git log --numstat's file lists.
func TestCouplingAgreesWithGit(t *testing.T) {
	dir, bots := botRepo(t)
	v := mustView(t, dir)
	synth := testrepo.Generate(t, testrepo.Synthetic{Commits: 700, MergeEvery: 7, Authors: 9, Files: 60, FilesPerCmt: 4, Step: 5 * time.Hour})
	sv := mustView(t, synth)
	for _, tc := range []struct {
		name     string
		v        *analytics.View
		dir      string
		f        analytics.Filter
		opts     analytics.CouplingOptions
		gitArgs  []string // limit the log as f does
		pathspec []string // list files as f does
		dropBot  bool
	}{
		{"defaults", sv, synth, analytics.Filter{}, analytics.CouplingOptions{}, nil, nil, false},
		{"limit 7", sv, synth, analytics.Filter{}, analytics.CouplingOptions{Limit: 7}, nil, nil, false},
		{"authors and dates", sv, synth, analytics.Filter{Authors: []string{"author1", "author2@"}, From: at(t, "2015-01-20"), To: endOf(t, "2015-03-31")},
			analytics.CouplingOptions{MinShared: 2, Limit: 100},
			[]string{"--regexp-ignore-case", "--author=author1", "--author=author2@", "--since=2015-01-20T00:00:00Z", "--until=2015-03-31T23:59:59Z"}, nil, false},
		{"extensions", sv, synth, analytics.Filter{Extensions: []string{"go", "c"}}, analytics.CouplingOptions{Limit: 100}, nil, []string{"--", "*.go", "*.c"}, false},
		{"small history, bulk over 3", v, dir, analytics.Filter{}, analytics.CouplingOptions{MinShared: 2, MaxFiles: 3, Limit: 100}, nil, nil, false},
		{"no bots, default exclusions", v, dir, analytics.Filter{ExcludeBots: true, Exclude: []string{"default"}},
			analytics.CouplingOptions{MinShared: 1, Limit: 100}, nil, gitExcludes([]string{"default"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := func(extra ...string) []gitCommit {
				var out []gitCommit
				for _, c := range gitLog(t, tc.dir, append(append([]string{"--no-merges"}, tc.gitArgs...), extra...)...) {
					if !tc.dropBot || !bots[c.author] {
						out = append(out, c)
					}
				}
				return out
			}
			all := log()
			listed := all
			if tc.pathspec != nil {
				listed = log(tc.pathspec...)
			}
			opts := tc.opts
			opts.Limit = cmp.Or(opts.Limit, analytics.DefaultCouplingLimit)
			opts.MinShared = cmp.Or(opts.MinShared, analytics.DefaultMinShared)
			opts.MaxFiles = cmp.Or(opts.MaxFiles, analytics.DefaultMaxFiles)
			pairs, summary := wantCoupling(all, listed, opts)
			got := tc.v.Coupling(tc.f, tc.opts)
			if len(pairs) == 0 || got.StatsPending {
				t.Fatalf("no pairs to check (statsPending %t)", got.StatsPending)
			}
			check(t, "pairs", got.Pairs, pairs)
			check(t, "summary", got.Summary, summary)
			check(t, "options", got.Metadata.Options, opts)
		})
	}
}
