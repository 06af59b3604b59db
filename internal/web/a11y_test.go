package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// cspRecorder is run in every page before its own scripts: it keeps the
// page's Content-Security-Policy violations in window.__csp.
const cspRecorder = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// recordCSP installs cspRecorder for every document the browser opens.
func (b *browser) recordCSP() {
	b.t.Helper()
	b.atStart(cspRecorder)
}

// checkCSP fails the test for every policy violation of the current page.
func (b *browser) checkCSP(where string) {
	b.t.Helper()
	for _, v := range eval[[]string](b, `window.__csp || ['the violation recorder is missing']`) {
		b.t.Errorf("%s: content security policy violation: %s", where, v)
	}
}

// axeSource is axe-core's script, pinned in package-lock.json and
// installed by `npm ci` at the repository's root (.ci/run does it);
// without it, "" (accessibility is not checked), except on CI, where it
// is a failure.
func axeSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is not installed (%v): run npm ci at the repository's root", err)
		}
		t.Log("axe-core is not installed, accessibility not checked: run npm ci at the repository's root (npm package axe-core)")
		return ""
	}
	return string(src)
}

// viewports are the sizes every view is checked at: a laptop and a phone.
var viewports = []struct {
	name          string
	width, height int64
}{{"1440x900", 1440, 900}, {"390x844", 390, 844}}

// audit runs axe-core's WCAG 2.1 A and AA rules and best practices on
// the page as it stands, at each viewport, in light and dark colour
// schemes, with every <details> open so the data tables are checked too,
// and fails the test for each violation. Nothing may scroll sideways.
func (b *browser) audit(view, axe string) {
	b.t.Helper()
	if axe == "" {
		return
	}
	if !eval[bool](b, `typeof window.axe === 'object'`) {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
			b.t.Fatalf("loading axe-core: %v", err)
		}
	}
	b.do("open the data tables", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => { d.open = true; })`))
	defer b.do("close the data tables", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => { d.open = false; })`))
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
			b.t.Fatal(err)
		}
		for _, vp := range viewports {
			b.do("resize", chromedp.EmulateViewport(vp.width, vp.height))
			where := fmt.Sprintf("%s at %s, %s", view, vp.name, scheme)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > int(vp.width) {
				b.t.Errorf("%s: the page is %d px wide", where, w)
			}
			found, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`axe.run(document, {
				runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
				resultTypes: ['violations'],
			}).then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
				v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replaceAll('\n', ' ')).join(' | ')))`, chromedp.EvalAwaitPromise))
			if err != nil {
				b.t.Fatalf("%s: axe: %v", where, err)
			}
			for _, v := range found {
				b.t.Errorf("%s: axe: %s", where, v)
			}
		}
	}
	b.do("restore", chromedp.EmulateViewport(1280, 900))
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		b.t.Fatal(err)
	}
}

// errorsSoFar fails the test for every exception or console error the
// page has logged, then forgets them.
func (b *browser) errorsSoFar(where string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		b.t.Errorf("%s: page error: %s", where, e)
	}
	b.errs = nil
}
