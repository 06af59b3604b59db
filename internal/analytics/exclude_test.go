package analytics_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func TestIsBot(t *testing.T) {
	for _, c := range []struct {
		name, email string
		bot         bool
	}{
		{"dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", true},
		{"renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com", true},
		{"github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com", true},
		{"GitHub Actions", "41898282+github-actions[bot]@users.noreply.github.com", true}, // mailmapped name, bot address
		{"snyk-bot", "snyk-bot@snyk.io", true},
		{"Renovate Bot", "bot@renovateapp.com", true},
		{"ci", "1234+release-bot@users.noreply.github.com", true},
		{"Abbot Smith", "abbot@example.com", false},
		{"Talbot", "talbot@example.com", false},
		{"Robotics Team", "robots@example.com", false},
		{"Bot Builder", "builder@example.com", false},
		{"Ann", "ann+bot@example.com", false},
	} {
		if got := analytics.IsBot(c.name, c.email); got != c.bot {
			t.Errorf("IsBot(%q, %q) = %t, want %t", c.name, c.email, got, c.bot)
		}
	}
}

// gitExclude turns one exclude pattern into the git pathspecs that
// exclude the same files, following the rules documented on
// analytics.Filter.Exclude: git itself then says what remains.
func gitExclude(p string) []string {
	core := strings.Trim(p, "/")
	anchored := strings.HasPrefix(p, "/") || strings.Contains(core, "/")
	dirOnly := strings.HasSuffix(p, "/")
	if !anchored {
		core = "**/" + core
	}
	specs := []string{":(exclude,glob)" + core + "/**"}
	if !dirOnly {
		specs = append(specs, ":(exclude,glob)"+core)
	}
	return specs
}

// gitExcludes returns the pathspecs of every pattern, "default" expanded.
func gitExcludes(patterns []string) []string {
	specs := []string{"--", "."}
	for _, p := range patterns {
		if p == analytics.ExcludeDefault {
			specs = append(specs, gitExcludes(analytics.DefaultExclude)[2:]...)
			continue
		}
		specs = append(specs, gitExclude(p)...)
	}
	return specs
}

// botRepo makes a history with bot and human authors over source files,
// vendored trees, lock files and generated files at several depths.
func botRepo(t *testing.T) (dir string, bots map[string]bool) {
	t.Helper()
	r := testrepo.New(t)
	authors := []string{
		"Ann <ann@example.com>",
		"Abbot Smith <abbot@example.com>",
		"dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
		"Bob <bob@example.com>",
		"renovate-bot <bot@renovateapp.com>",
		"github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
	}
	bots = map[string]bool{"dependabot[bot]": true, "renovate-bot": true, "github-actions[bot]": true}
	paths := []string{
		"src/main.go", "src/util.go", "vendor/lib/a.go", "src/vendor/b.go", "web/node_modules/x/index.js",
		"package-lock.json", "go.sum", "sub/go.sum", "web/app.min.js", "web/app.js", "web/app.js.map",
		"docs/guide.md", "docs/img/logo.txt", "README.md", "vendored.go", "third_party/c/c.h",
	}
	start := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 40 {
		files := map[string][]byte{}
		for k := range 1 + i%4 {
			p := paths[(i*5+k*3)%len(paths)]
			files[p] = []byte(strings.Repeat(fmt.Sprintf("line %d\n", i), 1+(i*7+k)%13))
		}
		r.Commit(testrepo.Commit{Author: authors[i%len(authors)], Date: start.Add(time.Duration(i) * 29 * time.Hour), Files: files})
	}
	return r.Dir, bots
}

// TestExcludeAgreesWithGit checks churn, activity and author line counts
// with exclude patterns against git log --numstat limited by the same
// exclusions as pathspecs, and the bot filter against git's log with the
// bots' commits left out.
func TestExcludeAgreesWithGit(t *testing.T) {
	dir, bots := botRepo(t)
	v := mustView(t, dir)
	all := gitLog(t, dir)
	for _, exclude := range [][]string{
		{analytics.ExcludeDefault},
		{"vendor"},
		{"/vendor/", "*.md"},
		{"docs/*", "web/app.*.js"},
		{analytics.ExcludeDefault, "src/[mu]*.go"},
		{"**/vendor", "docs/**", "**/x/**"},
		{"/*.md", "web/*/x", "**/go.sum"},
	} {
		for _, excludeBots := range []bool{false, true} {
			name := fmt.Sprintf("%s bots=%t", strings.Join(exclude, ","), !excludeBots)
			kept := gitLog(t, dir, gitExcludes(exclude)...)
			dropBots := func(list []gitCommit) []gitCommit {
				var out []gitCommit
				for _, c := range list {
					if !excludeBots || !bots[c.author] {
						out = append(out, c)
					}
				}
				return out
			}
			kept, commits := dropBots(kept), dropBots(all)
			f := analytics.Filter{Exclude: exclude, ExcludeBots: excludeBots}

			// Churn per file: git's numstat of the remaining paths.
			want := map[string]analytics.ChurnFile{}
			for _, c := range kept {
				if c.merge {
					continue
				}
				for p, n := range c.changed {
					w := want[p]
					w.Path, w.Additions, w.Deletions, w.Commits = p, w.Additions+n[0], w.Deletions+n[1], w.Commits+1
					w.Changes = w.Additions + w.Deletions
					want[p] = w
				}
			}
			churn := v.Churn(f)
			if len(churn.Files) != len(want) || len(want) == 0 {
				t.Errorf("%s: %d files, git %d", name, len(churn.Files), len(want))
			}
			for _, got := range churn.Files {
				w := want[got.Path]
				w.RiskLevel = got.RiskLevel
				if got != w {
					t.Errorf("%s: %+v, git %+v", name, got, w)
				}
			}

			// Authors: commits from the whole log, lines from the kept paths.
			lines := map[string][2]int{}
			for _, c := range kept {
				l := lines[c.author]
				lines[c.author] = [2]int{l[0] + c.added, l[1] + c.deleted}
			}
			wantA := wantAuthors(commits)
			for n, a := range wantA {
				a.Additions, a.Deletions = lines[n][0], lines[n][1]
				wantA[n] = a
			}
			checkAuthors(t, v.Authors(f), wantA)

			// Activity per month: the same split.
			from, to := at(t, "2024-01-01"), endOf(t, "2024-03-31")
			f.From, f.To = from, to
			wantAct := wantActivity(commits, analytics.PeriodMonth, from, to)
			keptAct := wantActivity(kept, analytics.PeriodMonth, from, to)
			for k := range wantAct {
				wantAct[k].Additions, wantAct[k].Deletions = keptAct[k].Additions, keptAct[k].Deletions
			}
			check(t, name+" activity", v.Activity(f, analytics.PeriodMonth, time.Now()).Data, wantAct)
		}
	}
}

// TestExcludeBotsEverywhere checks that every commit-counting view drops
// the bots' commits as git log without them counts.
func TestExcludeBotsEverywhere(t *testing.T) {
	dir, bots := botRepo(t)
	v := mustView(t, dir)
	var humans []gitCommit
	for _, c := range gitLog(t, dir) {
		if !bots[c.author] {
			humans = append(humans, c)
		}
	}
	f := analytics.Filter{ExcludeBots: true}
	if got := v.Commits(f, 1, 100).Total; got != len(humans) || got == 0 {
		t.Errorf("commits: %d, git %d", got, len(humans))
	}
	var names []analytics.Contributor
	seen := map[string]bool{}
	for _, c := range humans {
		if !seen[c.author] {
			seen[c.author] = true
		}
	}
	for _, c := range v.Contributors(f) {
		if !seen[c.Login] {
			t.Errorf("contributor %q is a bot", c.Login)
		}
		names = append(names, c)
	}
	if len(names) != len(seen) {
		t.Errorf("%d contributors, git %d", len(names), len(seen))
	}
	check(t, "punchcard", v.Punchcard(f).Data, wantPunchcard(humans))
	if h := v.Heatmap(analytics.Filter{ExcludeBots: true, From: at(t, "2024-01-01"), To: endOf(t, "2024-03-31")}, analytics.PeriodMonth, time.Now()); h.Metadata.TotalCommits != len(humans) {
		t.Errorf("heatmap: %d commits, git %d", h.Metadata.TotalCommits, len(humans))
	}
}

// TestDefaultExcludeDocumented keeps the README's list of the default
// exclusions true.
func TestDefaultExcludeDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := strings.Join(strings.Fields(string(raw)), " ")
	if list := strings.Join(analytics.DefaultExclude, " "); !strings.Contains(readme, list) {
		t.Errorf("README does not list the default exclusions %q", list)
	}
}
