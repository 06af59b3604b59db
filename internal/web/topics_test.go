package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gitpulse/gitpulse/internal/testforge"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// evilSubject is a commit subject with markup and quotes: a popover that
// put it in as HTML would make an image (and break the CSP).
const evilSubject = `fix(parse): show <img src=x onerror=alert(1)> as "text" and 'text'`

// topicsRepo is a repository with a topic branch of two commits (one of
// them with evilSubject) merged with its description in the merge body,
// and one more commit on main, in June 2024.
func topicsRepo(t *testing.T) *testrepo.Repo {
	t.Helper()
	r := testrepo.New(t)
	at := func(d int) time.Time { return time.Date(2024, 6, d, 10, 0, 0, 0, time.UTC) }
	r.Commit(testrepo.Commit{Date: at(1), Message: "initial", Files: map[string][]byte{"parse.c": []byte("a\n")}})
	r.Git("checkout", "-q", "-b", "ab/parse-nul")
	r.Commit(testrepo.Commit{Date: at(3), Message: "parse: reject a NUL byte", Files: map[string][]byte{"parse.c": []byte("a\nb\nc\n")}})
	r.Commit(testrepo.Commit{Date: at(4), Message: evilSubject, Files: map[string][]byte{"parse.c": []byte("a\nc\n"), "t/parse.sh": []byte("t\n")}})
	r.Git("checkout", "-q", "main")
	r.Merge("ab/parse-nul", testrepo.Commit{Date: at(5), Message: "Merge branch 'ab/parse-nul'\n\n\"git parse\" used to crash on a NUL byte, which has been corrected.\n"})
	r.Commit(testrepo.Commit{Date: at(6), Message: "feat: add a lexer", Files: map[string][]byte{"lex.c": []byte("l\ne\nx\n")}})
	return r
}

// TestRecapTopicsInBrowser: each bullet of a recap the built-in
// summariser wrote shows, while hovered or focused, the topic it was
// written from: the merged branch and its commits (git's hashes and
// subjects, a subject with markup shown as text), pinned open by its
// button and dismissed with Escape; on GitHub the pull request and
// commits link to the pages GitHub gives. axe-core checks the view with
// a popover open.
func TestRecapTopicsInBrowser(t *testing.T) {
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r := topicsRepo(t)
	var f faults
	url := dashboard(t, &f, testforge.GitHub(t))
	b := newBrowser(t, ctx, exe)
	b.recordCSP()
	axe := axeSource(t)

	b.do("open the recap tab", chromedp.Navigate(url+"/"), chromedp.Click(chromedp.ID("tab-recap")))
	b.recapWithTopics("git", "git-url", r.Dir, "2024-06-02", "2024-06-30")
	if n := eval[int](b, `document.querySelectorAll('#recap-output li.has-topic').length`); n != 2 {
		t.Fatalf("%d bullets with their topics, want 2 (the branch and the lexer):\n%s", n, b.state())
	}

	// The branch's bullet: hidden until hovered.
	const branch = `[...document.querySelectorAll('#recap-output > ul > li')].find(li => li.textContent.includes('used to crash'))`
	const shown = `getComputedStyle(` + branch + `.querySelector('.topic-pop')).display !== 'none'`
	if eval[bool](b, shown) {
		t.Error("a bullet's sources show before it is hovered or focused")
	}
	xy := eval[[]float64](b, `(() => { const r = `+branch+`.getBoundingClientRect(); return [r.left + 20, r.top + 8]; })()`)
	b.do("hover the bullet", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
	if !eval[bool](b, shown) {
		t.Fatalf("hovering the bullet shows no sources:\n%s", b.state())
	}
	// git's commits of the branch (merge^1..merge^2), newest first.
	var want []string
	for line := range strings.Lines(strings.TrimSpace(r.Git("log", "--format=%H%x09%s", "HEAD~1^1..HEAD~1^2"))) {
		sha, subject, _ := strings.Cut(strings.TrimSpace(line), "\t")
		want = append(want, sha[:10]+" "+subject)
	}
	got := eval[[]string](b, branch+`.querySelectorAll('.topic-commits > li').values().map(li => li.querySelector('code').textContent + ' ' + li.querySelector('.subject').textContent).toArray()`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the branch's commits:\n%s\nwant git's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if name := eval[string](b, branch+`.querySelector('.topic-name').textContent`); !strings.HasPrefix(name, "Merged branch ab/parse-nul") {
		t.Errorf("the topic is called %q", name)
	}
	// git diff --numstat over the two commits: parse.c +2 -0 then +0 -1, t/parse.sh +1.
	if size := eval[string](b, branch+`.querySelector('.topic-size').textContent`); size != "2 commits · +3 −1 lines · 2 files" {
		t.Errorf("the topic's size %q", size)
	}
	if n := eval[int](b, `document.querySelectorAll('#recap-output img').length`); n != 0 {
		t.Errorf("%d images in the recap: a subject went in as HTML", n)
	}
	b.do("leave the bullet", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 5, 5))
	if eval[bool](b, shown) {
		t.Error("the sources stay after the pointer left")
	}

	// From the keyboard: Tab reaches the bullet's button, whose focus
	// shows the sources; Escape hides them, the button keeps focus.
	b.do("focus the button before the bullet's", chromedp.Focus(`#recap-output > ul > li:first-child .topic-toggle`))
	for i := 0; i < 5 && !eval[bool](b, `document.activeElement === `+branch+`.querySelector('.topic-toggle')`); i++ {
		b.do("tab", chromedp.KeyEvent(kb.Tab))
	}
	if !eval[bool](b, `document.activeElement === `+branch+`.querySelector('.topic-toggle')`) || !eval[bool](b, shown) {
		t.Errorf("the branch's button focused from the keyboard shows no sources:\n%s", b.state())
	}
	b.do("escape", chromedp.KeyEvent(kb.Escape))
	if eval[bool](b, shown) || !eval[bool](b, `document.activeElement === `+branch+`.querySelector('.topic-toggle')`) {
		t.Error("Escape does not hide the sources, or moves the focus")
	}
	// The button pins them open (for touch), and says so.
	b.do("pin", chromedp.KeyEvent(kb.Enter))
	if !eval[bool](b, shown) || eval[string](b, branch+`.querySelector('.topic-toggle').getAttribute('aria-expanded')`) != "true" {
		t.Error("the button does not pin the sources open")
	}
	b.audit("recap with a bullet's sources open", axe)
	b.checkCSP("recap topics")
	b.errorsSoFar("recap topics")

	// A model's recap: its bullets are its own, so none gets a topic;
	// the topics are listed as a whole, closed, their text as text.
	modelRecap := "- Parsing got safer.\n- A lexer.\n"
	topics := `[{"kind": "commit", "theme": "Fix", "title": "` + strings.ReplaceAll(evilSubject, `"`, `\"`) + `", "repo": "r",
		"commits": [{"sha": "0123456789abcdef", "subject": "` + strings.ReplaceAll(evilSubject, `"`, `\"`) + `", "additions": 2, "deletions": 1}],
		"additions": 2, "deletions": 1, "files": 1}]`
	f.recap.Store(&modelRecap)
	f.modelTopics.Store(&topics)
	b.do("a model's recap", chromedp.Click(chromedp.ID("write-recap")))
	b.wait("the model's topics", `document.querySelector('#recap-output details.topics-all') !== null && !document.getElementById('write-recap').disabled`)
	f.recap.Store(nil)
	f.modelTopics.Store(nil)
	if n := eval[int](b, `document.querySelectorAll('#recap-output .has-topic, #recap-output .topic-toggle').length`); n != 0 {
		t.Errorf("%d of a model's bullets tied to topics", n)
	}
	if got := eval[[]string](b, `[...document.querySelectorAll('#recap-output details.topics-all .subject')].map(s => s.textContent)`); len(got) != 1 || got[0] != evilSubject {
		t.Errorf("the model's topics list the subjects %q, want %q as text", got, evilSubject)
	}
	if eval[bool](b, `document.querySelector('#recap-output details.topics-all').open`) {
		t.Error("the model's topics are open before asked")
	}
	if n := eval[int](b, `document.querySelectorAll('#recap-output img').length`); n != 0 {
		t.Errorf("%d images in a model's recap with its topics", n)
	}
	b.audit("a model's recap with its topics", axe)
	b.checkCSP("a model's recap topics")
	b.errorsSoFar("a model's recap topics")

	// GitHub: the pull request and its commits link to GitHub's pages.
	b.do("sign out", chromedp.Click(chromedp.ID("sign-out")))
	b.recapWithTopics("github", "token", testforge.GitHubToken, "2026-11-01", "2026-11-05")
	links := eval[[]string](b, `[...document.querySelectorAll('#recap-output li.has-topic')].filter(li => li.querySelector('.topic-name').textContent.startsWith('Pull request #7')).flatMap(li => [...li.querySelectorAll('.topic-pop a')].map(a => a.textContent + ' ' + a.href))`)
	if want := []string{"Pull request #7 in app https://github.com/octo/app/pull/7", "a1 https://github.com/octo/app/commit/a1"}; fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("the pull request's links %q, want %q", links, want)
	}
	b.checkCSP("GitHub recap topics")
	b.errorsSoFar("GitHub recap topics")
}

// recapWithTopics signs in on the Recap tab with provider (field, the
// repository URL or token input, set to value), loads the activity from
// from to to and writes a recap of up to 5 bullets, waiting until its
// bullets have their topics.
func (b *browser) recapWithTopics(provider, field, value, from, to string) {
	b.t.Helper()
	b.do("sign in to "+provider,
		chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SetValue(chromedp.ID("provider"), provider),
		chromedp.SetValue(chromedp.ID(field), value),
		chromedp.Click(chromedp.ID("sign-in")))
	b.wait(provider+" session", `!document.getElementById('session').hidden`)
	b.do("load "+from+" to "+to,
		chromedp.SetValue(chromedp.ID("start-date"), from),
		chromedp.SetValue(chromedp.ID("end-date"), to),
		chromedp.Click(chromedp.ID("load-actions")))
	b.wait("activity", `!document.getElementById('actions-section').hidden && !document.getElementById('write-recap').disabled`)
	b.do("write a recap", chromedp.SetValue(chromedp.ID("recap-n"), "5"), chromedp.Click(chromedp.ID("write-recap")))
	b.wait("the bullets' topics", `document.querySelectorAll('#recap-output li.has-topic').length > 0 && !document.getElementById('write-recap').disabled`)
}
