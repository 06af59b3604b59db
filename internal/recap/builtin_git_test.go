package recap_test

import (
	"context"
	"regexp"
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
	return items
}

func generate(t *testing.T, mode recap.Mode, items []activity.Item, n int) string {
	t.Helper()
	g, err := recap.New(recap.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := g.GenerateResponse(t.Context(), mode, recap.Input{Items: items}, n, func(c string) error {
		b.WriteString(c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
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
