package analytics_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestAgreesWithGit checks the answers on a generated history with merges
// against what git itself reports.
func TestAgreesWithGit(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 3000, MergeEvery: 10, Authors: 30, Files: 200})
	v := mustView(t, dir)
	gitOut := func(args ...string) string {
		t.Helper()
		out, err := testrepo.Run(dir, nil, nil, args...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	all := analytics.Filter{}

	t.Run("total", func(t *testing.T) {
		if got, want := strconv.Itoa(v.Commits(all, 1, 10).Total), gitOut("rev-list", "--count", "HEAD"); got != want {
			t.Errorf("total %s, git rev-list --count %s", got, want)
		}
	})

	t.Run("author filter", func(t *testing.T) {
		got := v.Commits(analytics.Filter{Authors: []string{"AUTHOR1@", "side@"}}, 1, 10).Total
		want := gitOut("rev-list", "--count", "--regexp-ignore-case", "--author=author1@", "--author=side@", "HEAD")
		if strconv.Itoa(got) != want {
			t.Errorf("total %d, git rev-list --author %s", got, want)
		}
	})

	t.Run("date filter", func(t *testing.T) {
		from, to := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2015, 3, 31, 23, 59, 59, 0, time.UTC)
		want := 0
		for _, line := range strings.Split(gitOut("log", "--format=%at"), "\n") {
			if at, _ := strconv.ParseInt(line, 10, 64); at >= from.Unix() && at <= to.Unix() {
				want++
			}
		}
		f := analytics.Filter{From: from, To: to}
		if got := v.Commits(f, 1, 10).Total; got != want || want == 0 {
			t.Errorf("total %d, git log %d", got, want)
		}
		if got := v.Heatmap(f, "", time.Now()).Metadata.TotalCommits; got != want {
			t.Errorf("heatmap total %d, git log %d", got, want)
		}
	})

	t.Run("contributors", func(t *testing.T) {
		want := strings.Split(gitOut("log", "--format=%aN"), "\n")
		slices.Sort(want)
		want = slices.Compact(want)
		var got []string
		for _, c := range v.Contributors(all) {
			got = append(got, c.Login)
		}
		if !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("not sorted case-insensitively: %q", got)
		}
		slices.Sort(got)
		check(t, "names", got, want)
		if n := v.Summary(analytics.RepoInfo{}, time.Now(), false).Stats.Contributors; n != len(want) {
			t.Errorf("summary contributors %d, want %d", n, len(want))
		}
	})

	t.Run("churn", func(t *testing.T) {
		want := map[string]analytics.ChurnFile{}
		for _, line := range strings.Split(gitOut("log", "--numstat", "--no-renames", "--no-merges", "--format="), "\n") {
			f := strings.SplitN(line, "\t", 3)
			if len(f) != 3 {
				continue
			}
			added, _ := strconv.Atoi(f[0])
			deleted, _ := strconv.Atoi(f[1])
			w := want[f[2]]
			w.Path, w.Additions, w.Deletions, w.Commits = f[2], w.Additions+added, w.Deletions+deleted, w.Commits+1
			w.Changes, w.RiskLevel = w.Additions+w.Deletions, analytics.Risk(w.Commits)
			want[f[2]] = w
		}
		d := v.Churn(all)
		if len(d.Files) != len(want) || d.Summary.TotalFiles != len(want) {
			t.Fatalf("%d files, git log --numstat %d", len(d.Files), len(want))
		}
		for k, f := range d.Files {
			if f != want[f.Path] {
				t.Errorf("%s: got %+v, git says %+v", f.Path, f, want[f.Path])
			}
			if k > 0 && f.Changes > d.Files[k-1].Changes {
				t.Errorf("files not sorted by changes at %d", k)
			}
		}
	})
}
