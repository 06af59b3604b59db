package recap_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// topicRepo builds a history like git.git's and GitHub projects': topic
// branches merged with their description in the merge body, a GitHub
// pull-request merge, a squash merge citing its pull request, test-only
// and documentation-only commits and a release commit with its tag, and
// returns its activity as the plain-git provider reads it.
func topicRepo(t *testing.T) []activity.Item {
	t.Helper()
	_, items := topicHistory(t)
	return items
}

// topicHistory builds topicRepo's repository and returns it with its
// activity.
func topicHistory(t *testing.T) (*testrepo.Repo, []activity.Item) {
	t.Helper()
	r := testrepo.New(t)
	at := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
	file := func(p, content string) map[string][]byte { return map[string][]byte{p: []byte(content)} }
	r.Commit(testrepo.Commit{Date: at(1), Message: "initial", Files: file("refs/walk.c", "a\n")})

	r.Git("checkout", "-q", "-b", "ps/walk-early")
	r.Commit(testrepo.Commit{Date: at(2), Message: "refs: teach the walker a stop condition", Files: file("refs/walk.c", "a\nb\n")})
	r.Commit(testrepo.Commit{Date: at(2), Message: "refs: stop walking at the first match", Files: file("refs/walk.c", "a\nb\nc\n")})
	r.Commit(testrepo.Commit{Date: at(2), Message: "refs: document the early stop", Files: file("refs/walk.h", "x\n")})
	r.Git("checkout", "-q", "main")
	r.Merge("ps/walk-early", testrepo.Commit{Date: at(3), Message: "Merge branch 'ps/walk-early'\n\n\"git for-each-ref\" learned to stop walking\nat the first match.\n\n* ps/walk-early:\n  refs: document the early stop\n  refs: stop walking at the first match\n  refs: teach the walker a stop condition\n"})

	r.Git("checkout", "-q", "-b", "ab/parse-crash")
	r.Commit(testrepo.Commit{Date: at(4), Message: "parse: check for empty input", Files: file("parse.c", "1\n")})
	r.Commit(testrepo.Commit{Date: at(4), Message: "parse: add a regression test", Files: file("t/t0001-parse.sh", "test\n")})
	r.Git("checkout", "-q", "main")
	r.Merge("ab/parse-crash", testrepo.Commit{Date: at(5), Message: "Merge branch 'ab/parse-crash'\n\n\"git parse\" used to crash on an empty input, which has been\ncorrected.\n\n* ab/parse-crash:\n  parse: add a regression test\n  parse: check for empty input\n"})

	r.Git("checkout", "-q", "-b", "speedup")
	r.Commit(testrepo.Commit{Date: at(6), Message: "index: use a hash map", Files: file("index.c", "h\n")})
	r.Git("checkout", "-q", "main")
	r.Merge("speedup", testrepo.Commit{Date: at(7), Message: "Merge pull request #42 from octo/speedup\n\nOptimize the index lookup"})

	r.Commit(testrepo.Commit{Date: at(8), Message: "Add --json output to status (#57)", Files: file("status.c", "json\n")})
	r.Commit(testrepo.Commit{Date: at(9), Message: "t: cover the walker's edge cases", Files: file("t/t0002-walk.sh", "t\n")})
	r.Commit(testrepo.Commit{Date: at(10), Message: "Documentation: describe the walker", Files: file("Documentation/walker.txt", "w\n")})
	r.Git("checkout", "-q", "-b", "maint")
	r.Commit(testrepo.Commit{Date: at(11), Message: "Git 2.43.1", Files: file("GIT-VERSION-GEN", "2.43.1\n")})
	r.Git("checkout", "-q", "main")
	r.Merge("maint", testrepo.Commit{Date: at(12), Message: "Merge branch 'maint'"})
	r.Commit(testrepo.Commit{Date: at(13), Message: "Git 2.44", Files: map[string][]byte{"GIT-VERSION-GEN": []byte("2.44\n"), "Documentation/RelNotes/2.44.0.txt": []byte("notes\n")}})
	r.Git("tag", "-a", "-m", "Git 2.44", "v2.44.0")

	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	policy := repourl.DefaultPolicy()
	policy.AllowLocal = true
	svc, err := history.New(g, history.Options{DataDir: t.TempDir(), Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	items, err := gitrepo.New(svc, r.Dir).Activity(context.Background(), activity.Query{Since: at(2).Truncate(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return r, items
}

func generate(t *testing.T, mode recap.Mode, items []activity.Item, n int) string {
	t.Helper()
	out, _ := generateWithTopics(t, mode, items, n)
	return out
}

// generateWithTopics writes mode's response from items with the built-in
// summariser and returns it with the topics behind its bullets.
func generateWithTopics(t *testing.T, mode recap.Mode, items []activity.Item, n int) (string, []recap.Topic) {
	t.Helper()
	g, err := recap.New(recap.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	topics, err := g.GenerateResponse(t.Context(), mode, recap.Input{Items: items}, n, func(c string) error {
		b.WriteString(c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), topics
}

// headed returns the bullets of release notes by section heading.
func headed(out string) map[string][]string {
	sections := map[string][]string{}
	heading := ""
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		if h, ok := strings.CutPrefix(line, "### "); ok {
			heading = h
		} else if b, ok := strings.CutPrefix(line, "- "); ok {
			sections[heading] = append(sections[heading], b)
		}
	}
	return sections
}

var rawFiller = regexp.MustCompile(`(?m)^- (.*\bMerge (branch|pull request|tag)\b.*|v?\d+(\.\d+)+\.?|Git \d.*|.*\band \d+ more\b.*)$`)

// TestReleaseNotesOneBulletPerTopic: a bullet per merged branch (its
// description, never its merge subject or its commits' subjects), per
// pull request (title and number), per other commit; classified by what
// they say; tests left out and counted; release bookkeeping dropped.
func TestReleaseNotesOneBulletPerTopic(t *testing.T) {
	out := generate(t, recap.ModeRelease, topicRepo(t), 0)
	if f := rawFiller.FindString(out); f != "" {
		t.Errorf("filler %q in\n%s", f, out)
	}
	for _, subject := range []string{"teach the walker", "check for empty input", "use a hash map", "Merge", "2.43.1"} {
		if strings.Contains(out, subject) {
			t.Errorf("%q: a topic's commit, merge or maintenance release written out:\n%s", subject, out)
		}
	}
	s := headed(out)
	want := map[string][]string{
		"Features":      {`"git for-each-ref" learned to stop walking at the first match.`, "Add --json output to status. (#57)"},
		"Fixes":         {`"git parse" used to crash on an empty input, which has been corrected.`},
		"Performance":   {"Optimize the index lookup. (#42)"},
		"Documentation": {"Documentation: describe the walker."},
	}
	total := 0
	for heading, bullets := range want {
		total += len(bullets)
		for _, b := range bullets {
			if !contains(s[heading], b) {
				t.Errorf("%s: missing %q; got %q\n%s", heading, b, s[heading], out)
			}
		}
	}
	got := 0
	for _, b := range s {
		got += len(b)
	}
	if got != total {
		t.Errorf("%d bullets for %d topics:\n%s", got, total, out)
	}
	if !strings.Contains(out, "1 minor topic (tests, CI, typo fixes, small clean-ups) left out") {
		t.Errorf("the test-only commit is neither left out nor counted:\n%s", out)
	}
}

// TestRecapBiggestTopics: a recap of n bullets names the n biggest topics
// (commits, then lines and files), each once, and says how many it left out.
func TestRecapBiggestTopics(t *testing.T) {
	out := generate(t, recap.ModeRecap, topicRepo(t), 2)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "- Feature: \"git for-each-ref\" learned") || !strings.Contains(lines[0], "3 commits") ||
		!strings.HasPrefix(lines[1], "- Fix: \"git parse\" used to crash") || !strings.Contains(lines[1], "2 commits") ||
		lines[3] != "4 smaller topics left out." {
		t.Errorf("recap of 2:\n%s", out)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// gitCommits is what git says of the commits revs select (git log
// --no-merges --numstat), newest first, as a topic lists them; files
// counts the paths they change.
func gitCommits(t *testing.T, r *testrepo.Repo, revs ...string) (commits []recap.TopicCommit, files int) {
	t.Helper()
	out := r.Git(append([]string{"log", "--no-merges", "--numstat", "--format=%x00%H%x09%s"}, revs...)...)
	paths := map[string]bool{}
	for _, rec := range strings.Split(out, "\x00")[1:] {
		head, stats, _ := strings.Cut(rec, "\n")
		sha, subject, _ := strings.Cut(head, "\t")
		c := recap.TopicCommit{SHA: sha, Subject: subject}
		for _, line := range strings.Split(strings.TrimSpace(stats), "\n") {
			var add, del int
			var path string
			if _, err := fmt.Sscanf(line, "%d\t%d\t%s", &add, &del, &path); err != nil {
				t.Fatalf("numstat line %q: %v", line, err)
			}
			c.Additions += add
			c.Deletions += del
			paths[path] = true
		}
		commits = append(commits, c)
	}
	return commits, len(paths)
}

// TestTopicsBehindBullets: every bullet of a recap and of release notes
// comes with the topic it was written from, numbered in the order of the
// bullets, whose commits (hash, subject, lines added and removed) and
// file count are git's own: a merged branch's are the commits its merge
// brought (merge^1..merge^2), a squash-merged pull request's its one
// commit.
func TestTopicsBehindBullets(t *testing.T) {
	r, items := topicHistory(t)
	merge := func(subject string) string {
		return strings.TrimSpace(r.Git("log", "--merges", "--fixed-strings", "--grep="+subject, "--format=%H"))
	}
	brought := func(subject string) []string {
		m := merge(subject)
		if m == "" {
			t.Fatalf("no merge %q", subject)
		}
		return []string{m + "^1.." + m + "^2"}
	}
	commit := func(subject string) []string {
		return []string{"-1", "--fixed-strings", "--grep=" + subject}
	}
	// What each topic is, by its title: its kind, number and the commits
	// git lists for it.
	want := map[string]struct {
		kind, branch string
		number       int
		revs         []string
	}{
		"\"git for-each-ref\" learned to stop walking at the first match.":         {kind: "branch", branch: "ps/walk-early", revs: brought("Merge branch 'ps/walk-early'")},
		"\"git parse\" used to crash on an empty input, which has been corrected.": {kind: "branch", branch: "ab/parse-crash", revs: brought("Merge branch 'ab/parse-crash'")},
		"Optimize the index lookup":          {kind: "pull_request", number: 42, revs: brought("Merge pull request #42")},
		"Add --json output to status":        {kind: "pull_request", number: 57, revs: commit("(#57)")},
		"Documentation: describe the walker": {kind: "commit", revs: commit("Documentation: describe the walker")},
	}
	for _, tc := range []struct {
		mode recap.Mode
		n    int
	}{{recap.ModeRecap, 15}, {recap.ModeRelease, 0}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			out, topics := generateWithTopics(t, tc.mode, items, tc.n)
			var bullets []string
			for line := range strings.Lines(out) {
				if b, ok := strings.CutPrefix(line, "- "); ok {
					bullets = append(bullets, b)
				}
			}
			if len(topics) != len(want) || len(bullets) != len(topics) {
				t.Fatalf("%d topics for %d bullets, want %d:\n%s\n%+v", len(topics), len(bullets), len(want), out, topics)
			}
			for i, tp := range topics {
				if tp.Bullet != i+1 {
					t.Errorf("topic %d is behind bullet %d", i+1, tp.Bullet)
				}
				w, ok := want[tp.Title]
				if !ok {
					t.Errorf("bullet %d: topic %q is none of the repository's", i+1, tp.Title)
					continue
				}
				if tp.Kind != w.kind || tp.Branch != w.branch || tp.Number != w.number {
					t.Errorf("topic %q: kind %q branch %q #%d, want %q %q #%d", tp.Title, tp.Kind, tp.Branch, tp.Number, w.kind, w.branch, w.number)
				}
				commits, files := gitCommits(t, r, w.revs...)
				got := slices.Clone(tp.Commits)
				for j := range got {
					got[j].Date = time.Time{} // git's subjects, hashes and counts are compared
				}
				if !slices.Equal(got, commits) {
					t.Errorf("topic %q: commits\n%+v\nwant git's\n%+v", tp.Title, got, commits)
				}
				var add, del int
				for _, c := range commits {
					add, del = add+c.Additions, del+c.Deletions
				}
				if tp.Additions != add || tp.Deletions != del || tp.Files != files {
					t.Errorf("topic %q: +%d -%d in %d files, want git's +%d -%d in %d", tp.Title, tp.Additions, tp.Deletions, tp.Files, add, del, files)
				}
				// The bullet is the topic's: it says the topic's title.
				title := strings.TrimSuffix(tp.Title, ".")
				if !strings.Contains(bullets[i], title) {
					t.Errorf("bullet %d %q does not say its topic's title %q", i+1, bullets[i], title)
				}
				if tc.mode == recap.ModeRecap && !strings.Contains(bullets[i], fmt.Sprintf("%d line", add+del)) {
					t.Errorf("bullet %d %q does not count its topic's %d lines", i+1, bullets[i], add+del)
				}
			}
		})
	}
}
