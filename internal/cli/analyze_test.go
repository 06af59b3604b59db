package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// churnRepo has 25 files, file k changed in k+1 commits of k+1 lines each
// besides its first version, so that each has its own number of changes.
func churnRepo(t *testing.T) *testrepo.Repo {
	r := testrepo.New(t)
	day := time.Now().UTC().AddDate(0, 0, -30).Truncate(24 * time.Hour)
	files := map[string][]byte{}
	for k := range 25 {
		files[fmt.Sprintf("f%02d.txt", k)] = []byte("v0\n")
	}
	r.Commit(testrepo.Commit{Date: day, Files: files})
	for round := 1; round <= 25; round++ {
		changed := map[string][]byte{}
		for k := range 25 {
			if k+1 >= round {
				changed[fmt.Sprintf("f%02d.txt", k)] = []byte(strings.Repeat(fmt.Sprintf("v%d\n", round), round%2+1))
			}
		}
		r.Commit(testrepo.Commit{Date: day.Add(time.Duration(round) * time.Hour), Files: changed})
	}
	return r
}

// gitChurn lists paths by changed lines (additions + deletions, as
// git log --numstat counts them), most first.
func gitChurn(t *testing.T, r *testrepo.Repo) []string {
	t.Helper()
	changes := map[string]int{}
	for line := range strings.SplitSeq(r.Git("log", "--numstat", "--format="), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		a, _ := strconv.Atoi(f[0])
		d, _ := strconv.Atoi(f[1])
		changes[f[2]] += a + d
	}
	paths := make([]string, 0, len(changes))
	for p := range changes {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if changes[a] != changes[b] {
			return changes[b] - changes[a]
		}
		return strings.Compare(a, b)
	})
	return paths
}

// churnPaths are the paths of a churn table, in order, and the line that
// says how many were shown ("" if none does).
func churnPaths(out string) (paths []string, shown string) {
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line)
		switch {
		case strings.Contains(line, "files shown"):
			shown = line
		case len(f) == 6:
			paths = append(paths, f[5])
		}
	}
	return paths, shown
}

// On a terminal churn lists the 20 most changed files, or --top N, and
// says how many of how many it shows; a pipe still gets every file.
func TestChurnTop(t *testing.T) {
	repo := churnRepo(t)
	want := gitChurn(t, repo)
	if len(want) != 25 {
		t.Fatalf("git counts %d files", len(want))
	}
	for _, tc := range []struct {
		name     string
		terminal bool
		args     []string
		n        int
	}{
		{"terminal", true, nil, DefaultTop},
		{"terminal --top 3", true, []string{"--top", "3"}, 3},
		{"terminal --top 0", true, []string{"--top", "0"}, 25},
		{"piped", false, nil, 25},
		{"piped --top 4", false, []string{"--top", "4"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runTerminal(t, tc.terminal, append([]string{"analyze", repo.Dir, "churn"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			paths, shown := churnPaths(out)
			if !slices.Equal(paths, want[:tc.n]) {
				t.Errorf("paths %v, want git's %d most changed %v", paths, tc.n, want[:tc.n])
			}
			wantShown := ""
			if tc.n < 25 {
				wantShown = fmt.Sprintf("%d of 25 files shown", tc.n)
			}
			if !strings.HasPrefix(shown, wantShown) || (wantShown == "") != (shown == "") {
				t.Errorf("shown line %q, want %q", shown, wantShown)
			}
		})
	}
}

func TestAnalyzeDisplayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"analyze", ".", "churn", "--top", "-1"},
		{"analyze", ".", "churn", "--top", "3", "--json"},
		{"analyze", ".", "churn", "--top", "many"},
	} {
		if _, stderr, code := runTerminal(t, true, args...); code != 2 || !strings.Contains(stderr, "--top") {
			t.Errorf("%q: exit %d, %q; want 2 naming --top", args, code, stderr)
		}
	}
}

// Shells complete the questions and the values of --period, --group-by,
// --mode and --provider through cobra's __complete entry point.
func TestCompletion(t *testing.T) {
	// Completion reads no settings: a wrong one does not silence it.
	t.Setenv("GITPULSE_FETCH_INTERVAL", "bad")
	if out, stderr, code := runTerminal(t, false, "completion", "bash"); code != 0 || !strings.Contains(out, "gitpulse") {
		t.Errorf("completion bash: exit %d %s", code, stderr)
	}
	for _, tc := range []struct {
		args      []string
		want      []string
		directive string
	}{
		{[]string{"analyze", ""}, nil, ":0"}, // the repository: the shell's file names
		{[]string{"analyze", ".", ""}, []string{"summary", "commits", "heatmap", "contributors", "churn", "activity", "punchcard", "authors", "ownership", "coupling"}, ":4"},
		{[]string{"analyze", ".", "heatmap", "--period", ""}, []string{"day", "week", "month"}, ":4"},
		{[]string{"analyze", ".", "churn", "--group-by", ""}, []string{"directory"}, ":4"},
		{[]string{"recap", "--mode", ""}, []string{"recap", "release", "pull_request"}, ":4"},
		{[]string{"recap", "--provider", ""}, []string{"github", "gitlab", "azure"}, ":4"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, stderr, code := runTerminal(t, false, append([]string{"__complete"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			got, directive := lines[:len(lines)-1], lines[len(lines)-1]
			var values []string
			for _, l := range got {
				values = append(values, strings.SplitN(l, "\t", 2)[0])
			}
			if !slices.Equal(values, tc.want) || directive != tc.directive {
				t.Errorf("completions %q %s, want %q %s", values, directive, tc.want, tc.directive)
			}
		})
	}
}
