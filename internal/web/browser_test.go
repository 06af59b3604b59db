package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testforge"
	"github.com/gitpulse/gitpulse/internal/testrepo"
	"github.com/gitpulse/gitpulse/internal/web"
)

// chromium finds Debian's chromium (package chromium). Without one the
// browser test is skipped, except on CI, where it must run.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary: install chromium (Debian package chromium) to run the dashboard test")
	}
	t.Skip("install chromium (Debian package chromium) to run the dashboard test")
	return ""
}

// shownTexts keeps, in window.__shown, every text the status and
// progress lines and the cards' notes ("id: text") and subtitles
// ("card-sub: text") show, so that a test can see a message that was on
// screen only for a moment.
const shownTexts = `window.__shown = [];
new MutationObserver((records) => {
	for (const r of records) {
		const e = r.target.nodeType === Node.TEXT_NODE ? r.target.parentElement : r.target;
		if (!e || !e.textContent) continue;
		if (e.id === 'progress' || e.id === 'status' || e.classList?.contains('note')) window.__shown.push(e.id + ': ' + e.textContent);
		if (e.classList?.contains('sub')) window.__shown.push(e.closest('.card').id + '-sub: ' + e.textContent);
	}
}).observe(document, {subtree: true, childList: true, characterData: true});`

// atStart runs script in every document the browser opens, before the
// page's own scripts.
func (b *browser) atStart(script string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		b.t.Fatal(err)
	}
}

// leftOut is the built-in summariser's note of the topics past its bullets.
var leftOut = regexp.MustCompile(`^\d+ smaller topics? left out\.$`)

// fixture is a repository with four commits by two people in February
// 2024 to three files under lib/ that change together (two pairs share
// three commits each, a third pair two), then six commits by three
// people and a bot in March 2024, in two time zones, touching five files
// in two directories.
func fixture(t *testing.T) string {
	t.Helper()
	r := testrepo.New(t)
	feb := func(d int) time.Time { return time.Date(2024, 2, d, 9, 0, 0, 0, time.UTC) }
	r.Commit(testrepo.Commit{Author: "Alice Example <alice@example.com>", Date: feb(5), Message: "feat: a parser",
		Files: map[string][]byte{"lib/parse.go": []byte("package lib\n\nfunc Parse() {}\n"), "lib/parse_test.go": []byte("package lib\n")}})
	r.Commit(testrepo.Commit{Author: "Dave Example <dave@example.com>", Date: feb(8), Message: "feat: a lexer for the parser",
		Files: map[string][]byte{"lib/parse.go": []byte("package lib\n\nfunc Parse() { lex() }\n"), "lib/parse_test.go": []byte("package lib\n\nimport \"testing\"\n"),
			"lib/lex.go": []byte("package lib\n\nfunc lex() {}\n\n// more\n")}})
	r.Commit(testrepo.Commit{Author: "Alice Example <alice@example.com>", Date: feb(12), Message: "fix: parse empty input",
		Files: map[string][]byte{"lib/parse.go": []byte("package lib\n\nfunc Parse() { if true { lex() } }\n"), "lib/parse_test.go": []byte("package lib\n\nimport \"testing\"\n\nfunc TestParse(t *testing.T) {}\n"),
			"lib/lex.go": []byte("package lib\n\nfunc lex() { }\n\n// more\n")}})
	r.Commit(testrepo.Commit{Author: "Dave Example <dave@example.com>", Date: feb(14), Message: "refactor: the lexer returns tokens",
		Files: map[string][]byte{"lib/parse.go": []byte("package lib\n\nfunc Parse() { _ = lex() }\n"), "lib/lex.go": []byte("package lib\n\nfunc lex() int { return 0 }\n\n// more\n// and more\n")}})
	day := func(d int) time.Time { return time.Date(2024, 3, d, 10, 0, 0, 0, time.UTC) }
	r.Commit(testrepo.Commit{Author: "Alice Example <alice@example.com>", Date: day(4), Message: "feat: add the main program",
		Files: map[string][]byte{"main.go": []byte("package main\n\nfunc main() {}\n")}})
	r.Commit(testrepo.Commit{Author: "Bob Example <bob@example.com>", Date: day(5), Message: "docs: write the readme",
		Files: map[string][]byte{"README.md": []byte("# demo\n\nA demo.\n")}})
	r.Commit(testrepo.Commit{Author: "Alice Example <alice@example.com>", Date: day(6), Message: "fix: exit cleanly",
		Files: map[string][]byte{"main.go": []byte("package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n")}})
	r.Commit(testrepo.Commit{Author: "Bob Example <bob@example.com>", Date: day(11), Message: "feat: add helpers",
		Files: map[string][]byte{"util.go": []byte("package main\n\nfunc helper() int { return 1 }\n")}})
	r.Commit(testrepo.Commit{Author: "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>", Date: day(15), Message: "build(deps): bump a tool",
		Files: map[string][]byte{"docs/tools.txt": []byte("tool 1.2.3\n")}})
	// 23:30 in India is 18:00 UTC: the punch card says 23, the calendar the 20th.
	r.Commit(testrepo.Commit{Author: "Carol Example <carol@example.com>", Date: time.Date(2024, 3, 20, 23, 30, 0, 0, time.FixedZone("IST", 5*3600+1800)),
		Message: "docs: a guide", Files: map[string][]byte{
			"docs/guide.md": []byte("# Guide\n\nRun it.\n\nThat is all.\n"),
			"main.go":       []byte("package main\n\nfunc main() {}\n"),
		}})
	return r.Dir
}

// faults make the server under test answer as a busy or strict one would.
type faults struct {
	// preparing is how many summary requests still answer 504, as while a
	// repository is being cloned.
	preparing atomic.Int32
	// expired makes GET /actions answer 401 "session expired".
	expired atomic.Bool
	// statusPending is how many status requests still say the commits
	// are being read.
	statusPending atomic.Int32
	// forge, when set ("platform url"), makes the summary name that forge
	// and URL as the repository's.
	forge atomic.Pointer[[2]string]
	// statless is how many commits answers still come without line
	// statistics (statsPending), as while they are being read.
	statless atomic.Int32
	// commitsTotal, when set, makes every commits answer claim that many
	// commits (the pages past the real ones empty), as a huge repository
	// would; page 2 then fails with a 503.
	commitsTotal atomic.Int32
	// recap, when set, is the recap every WebSocket streams (in two
	// chunks, then the end marker), as a model might write it.
	recap atomic.Pointer[string]
	// modelTopics, when set with recap, is the JSON list of topics the
	// stream sends in a topics frame before the end marker, as the server
	// does for a model's recap to a client that asks.
	modelTopics atomic.Pointer[string]
	// noGitHub makes GET /api/config say GitHub sign-in is not configured.
	noGitHub atomic.Bool
	// noAuthorStats makes the status say the server does not serve
	// per-author statistics, as without AUTHOR_STATS=true.
	noAuthorStats atomic.Bool
}

func (f *faults) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/repositories/summary" && f.preparing.Add(-1) >= 0:
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusGatewayTimeout)
			_ = json.NewEncoder(w).Encode(httpapi.ErrorBody{Error: "the repository is still being prepared", Status: "error", Code: http.StatusGatewayTimeout,
				Progress: &progress.Progress{Phase: progress.PhaseMetadata, Done: 1200, Total: 5000}})
		case r.URL.Path == "/api/repositories/status" && f.statusPending.Add(-1) >= 0:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(httpapi.StatusBody{Progress: progress.Progress{Phase: progress.PhaseMetadata, Done: 1200, Total: 5000}, AuthorStats: true})
		case r.URL.Path == "/api/repositories/status" && f.noAuthorStats.Load():
			f.rewrite(w, r, h, func(body map[string]any) { body["authorStats"] = false })
		case r.URL.Path == "/api/repositories/summary" && f.forge.Load() != nil:
			forge := f.forge.Load()
			f.rewrite(w, r, h, func(body map[string]any) {
				repo := body["summary"].(map[string]any)["repository"].(map[string]any)
				repo["platform"], repo["url"] = forge[0], forge[1]
			})
		case r.URL.Path == "/api/repositories/commits" && f.statless.Add(-1) >= 0:
			f.rewrite(w, r, h, func(body map[string]any) {
				body["statsPending"] = true
				for _, c := range body["commits"].([]any) {
					delete(c.(map[string]any), "stats")
				}
			})
		case r.URL.Path == "/api/repositories/commits" && f.commitsTotal.Load() > 0:
			if r.URL.Query().Get("page") == "2" {
				httpapi.WriteFailure(w, r, nil, fault.New(fault.Down, "the history service is restarting"))
				return
			}
			total := int(f.commitsTotal.Load())
			f.rewrite(w, r, h, func(body map[string]any) {
				body["total"] = total
				body["hasMore"] = int(body["page"].(float64))*int(body["limit"].(float64)) < total
			})
		case r.URL.Path == "/actions" && f.expired.Load():
			httpapi.WriteFailure(w, r, nil, auth.ErrExpired)
		case r.URL.Path == "/api/config" && f.noGitHub.Load():
			f.rewrite(w, r, h, func(body map[string]any) { body["githubSignIn"] = false })
		case strings.HasPrefix(r.URL.Path, "/ws/") && f.recap.Load() != nil:
			f.stream(w, r, *f.recap.Load())
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// stream answers a recap WebSocket with text: it reads the page's
// request, then sends text in two chunks, the topics frame if
// modelTopics is set, and the end marker.
func (f *faults) stream(w http.ResponseWriter, r *http.Request, text string) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	if _, _, err := conn.Read(r.Context()); err != nil {
		return
	}
	half := len(text) / 2
	frames := []any{map[string]string{"chunk": text[:half]}, map[string]string{"chunk": text[half:]}}
	if topics := f.modelTopics.Load(); topics != nil {
		frames = append(frames, map[string]json.RawMessage{"topics": json.RawMessage(*topics)})
	}
	for _, frame := range append(frames, map[string]string{"chunk": "</end>"}) {
		if err := wsjson.Write(r.Context(), conn, frame); err != nil {
			return
		}
	}
	_ = conn.Close(websocket.StatusNormalClosure, "")
}

// rewrite answers r with h's JSON answer as edit changes it.
func (f *faults) rewrite(w http.ResponseWriter, r *http.Request, h http.Handler, edit func(map[string]any)) {
	rec := httptest.NewRecorder()
	r.Header.Del("If-None-Match")   // a 304 would leave the browser its true answer
	r.Header.Del("Accept-Encoding") // to read the body here
	h.ServeHTTP(rec, r)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	edit(body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// dashboard serves the API with the dashboard and the recap endpoints, as
// gitpulse serve does, with local repositories allowed, the built-in
// summariser, and GitHub (its API and OAuth) at gh, whose authorize page
// it sends back to its /external-signup.
func dashboard(t *testing.T, f *faults, gh *testforge.FakeGitHub) string {
	t.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := history.New(g, history.Options{DataDir: t.TempDir(), Policy: repourl.Policy{AllowLocal: true}, FetchInterval: mirror.DefaultFetchInterval})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	gen, err := recap.New(recap.Config{})
	if err != nil {
		t.Fatal(err)
	}
	oauth := &oauth2.Config{ClientID: "client-id", ClientSecret: "client-secret",
		Endpoint: oauth2.Endpoint{AuthURL: gh.URL + "/login/oauth/authorize", TokenURL: gh.URL + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams}}
	srv := httptest.NewServer(f.wrap(httpapi.New(httpapi.Options{
		Service:     svc,
		Dashboard:   web.Handler(httpapi.NotFound),
		AuthorStats: true,
		Recap: &httpapi.RecapOptions{Sessions: auth.NewMemoryStore(time.Minute), Signer: signer, OAuth: oauth,
			Recaps: recaps.New(connect.Config{History: svc, GitHubAPI: gh.URL}, gen, nil)},
	})))
	gh.Callback = srv.URL + "/external-signup"
	t.Cleanup(func() { srv.Close(); svc.Close() })
	return srv.URL
}

// browser drives one page of a headless chromium and collects the page's
// uncaught exceptions and console errors (CSP violations among them).
type browser struct {
	t    testing.TB
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func newBrowser(t testing.TB, ctx context.Context, exe string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: bctx}
	err := chromedp.Listen(bctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
		case *log.EventEntryAdded:
			// Failed requests (the 400 of an invalid URL) log network
			// errors; anything else at error level is a fault.
			if ev.Entry.Level == log.EntryLevelError && ev.Entry.Source != log.EntrySourceNetwork {
				msg = fmt.Sprintf("console %s: %s", ev.Entry.Source, ev.Entry.Text)
			}
		}
		if msg != "" {
			b.mu.Lock()
			b.errs = append(b.errs, msg)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs actions, failing the test with the page's state on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.state())
	}
}

// wait polls the JavaScript predicate until it holds.
func (b *browser) wait(what, predicate string) {
	b.t.Helper()
	b.do(what, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, tg)
		return chromedp.Void{}, err
	}))
}

// eval evaluates a JavaScript expression into T.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v\n%s", expr, err, b.state())
	}
	return v
}

// state describes what the page shows, for failure messages.
func (b *browser) state() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`['status', 'error', 'session', 'recap-output'].map(id => { const e = document.getElementById(id); return id + (e && !e.hidden ? ': ' + e.textContent.trim() : ' (hidden)'); }).join('\n')`))
	b.mu.Lock()
	defer b.mu.Unlock()
	return s + "\n" + strings.Join(b.errs, "\n")
}

func TestDashboardInBrowser(t *testing.T) {
	exe := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	repo := fixture(t)
	var f faults
	f.preparing.Store(1)
	url := dashboard(t, &f, testforge.GitHub(t))
	b := newBrowser(t, ctx, exe)
	b.recordCSP()
	b.atStart(shownTexts)
	axe := axeSource(t)

	// Analytics: the address alone opens the view, no click.
	march := url + "/?repo=" + neturl.QueryEscape(repo) + "&from=2024-03-01&to=2024-03-31"
	f.statusPending.Store(2)
	f.statless.Store(1)
	b.do("open a view from its address", chromedp.Navigate(march))
	// Progress from the first answer of the status: the line above the
	// cards, and the note of a card that needs line statistics (both
	// recorded as shown, however briefly).
	b.wait("progress", `window.__shown.includes('progress: Preparing the repository (reading commits: 1,200 of 5,000)') && window.__shown.includes('hotspots-note: Waiting for line statistics (reading commits: 1,200 of 5,000)…') && window.__shown.includes('coupling-note: Waiting for line statistics (reading commits: 1,200 of 5,000)…')`)
	// The commits came before their line statistics: the card said so,
	// and showed them once the status said they were in (checked below).
	b.wait("commits waiting for their line statistics", `window.__shown.includes('commits-sub: 2024-03-01 to 2024-03-31 · line statistics are still being read')`)
	b.wait("preparing status", `window.__shown.some(t => t.startsWith('status: Preparing repository (reading commits: 1,200 of 5,000)… retrying'))`)
	b.wait("settled", settled)
	b.wait("status cleared", `document.getElementById('status').hidden && document.getElementById('progress').hidden`)
	b.wait("commits with their line statistics", `document.querySelectorAll('#commits-rows tr').length > 0 && document.querySelector('#commits-rows td.pending') === null`)
	if got := eval[string](b, `location.pathname + location.search`); got != strings.TrimPrefix(march, url) {
		t.Errorf("address %q after loading %q", got, march)
	}
	checkAgainstGit(t, b, repo, view{from: "2024-03-01", to: "2024-03-31"})
	// The calendar's days and the punch card's hours from the keyboard:
	// one tab stop each, the arrows move, the tooltip reads the value.
	b.do("calendar keys", chromedp.Focus(`#calendar-chart rect.cell[tabindex="0"]`), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowDown))
	if got := eval[string](b, `document.activeElement.dataset.date + ' ' + document.querySelector('#calendar-chart .tip').textContent`); got != "2024-03-09 2024-03-09: 0 commits" {
		t.Errorf("calendar after Right, Down: %q", got)
	}
	b.do("punch card keys", chromedp.Focus(`#punchcard-chart [tabindex="0"]`), chromedp.KeyEvent(kb.End))
	if got := eval[string](b, `document.activeElement.dataset.day + ' ' + document.activeElement.dataset.hour + ' ' + document.querySelector('#punchcard-chart .tip').textContent`); got != "6 23 Sat 23:00: 0 commits" {
		t.Errorf("punch card after End: %q", got)
	}
	if n := eval[int](b, `document.querySelectorAll('#calendar-chart [tabindex="0"], #punchcard-chart [tabindex="0"]').length`); n != 2 {
		t.Errorf("%d tab stops in the calendar and punch card, want one each", n)
	}
	b.do("leave the charts", chromedp.Focus(`#repo-url`))

	b.audit("analytics", axe)
	b.checkCSP("analytics")
	b.errorsSoFar("analytics")

	// Without bots and without the files under docs/: the form and every
	// card say so, and the numbers are git's without them.
	b.do("leave out bots and docs/", chromedp.Navigate(march+"&exclude=docs%2F&excludeBots=true"))
	b.wait("settled without bots", settled)
	if !eval[bool](b, `document.getElementById('exclude-bots').checked && document.getElementById('exclude').value === 'docs/'`) {
		t.Error("the form does not show the bots and files left out")
	}
	if got := eval[string](b, `document.querySelector('#hotspots .sub').textContent`); got != "2024-03-01 to 2024-03-31 · bots left out · files left out: docs/" {
		t.Errorf("hotspots subtitle %q", got)
	}
	checkAgainstGit(t, b, repo, view{from: "2024-03-01", to: "2024-03-31", noBots: true, leaveOut: "docs/"})

	// No dates: the 12 months ending at the last commit (2024-03-20),
	// said so, and the address keeps the dates unset.
	bare := "/?" + neturl.Values{"repo": {repo}}.Encode()
	b.do("open a view without dates", chromedp.Navigate(url+bare))
	b.wait("settled without dates", settled)
	if p := eval[string](b, `document.getElementById('period').textContent`); !strings.Contains(p, "2023-03-21 to 2024-03-20") || !strings.Contains(p, "12 months ending at the last commit") {
		t.Errorf("default period %q", p)
	}
	if got := eval[string](b, `document.querySelector('#summary .sub').textContent`); got != "Whole repository" {
		t.Errorf("summary subtitle %q", got)
	}
	if got := eval[string](b, `location.pathname + location.search`); got != bare {
		t.Errorf("address %q, want %q", got, bare)
	}
	checkAgainstGit(t, b, repo, view{from: "2023-03-21", to: "2024-03-20"})

	// Analyze another period from the form; Back returns to the last one.
	b.do("analyze two years",
		chromedp.SetValue(chromedp.ID("from-date"), "2023-01-01"),
		chromedp.SetValue(chromedp.ID("to-date"), "2024-12-31"),
		chromedp.Click(chromedp.ID("analyze")))
	b.wait("two years", settled+` && document.querySelector('#calendar .sub').textContent.startsWith('2023-01-01 to 2024-12-31')`)
	if note := eval[string](b, `document.getElementById('calendar-note').textContent`); !strings.Contains(note, "up to a year") {
		t.Errorf("calendar note for two years %q", note)
	}
	checkAgainstGit(t, b, repo, view{from: "2023-01-01", to: "2024-12-31"})
	if got := eval[string](b, `location.search`); !strings.Contains(got, "from=2023-01-01") || !strings.Contains(got, "to=2024-12-31") {
		t.Errorf("address after Analyze %q", got)
	}

	// Dragging across the chart from the first busy bucket to the next
	// analyzes those two buckets; on the way the tooltip reads each.
	rows := pageRows(t, b, "#activity-rows")
	first := slices.IndexFunc(rows, func(r []string) bool { return r[1] != "0" })
	if first < 0 || first+2 >= len(rows) {
		t.Fatalf("activity rows %q", rows)
	}
	xy := eval[[]float64](b, fmt.Sprintf(`(() => {
		const s = document.querySelector('#activity-chart svg');
		s.scrollIntoView({block: 'center'});
		const r = s.getBoundingClientRect(), W = s.viewBox.baseVal.width, o = s.querySelector('.overlay');
		const left = o.x.baseVal.value, bw = o.width.baseVal.value / %d;
		const x = (i) => r.left + (left + (i + 0.5) * bw) * r.width / W;
		return [x(%d), x(%d), r.top + r.height / 3];
	})()`, len(rows), first, first+1))
	b.do("drag across two buckets",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[2]),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, xy[0], xy[2], chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (xy[0]+xy[1])/2, xy[2], chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[1], xy[2], chromedp.ButtonLeft))
	if tip := eval[string](b, `document.querySelector('#activity-chart .tip').textContent`); !strings.HasPrefix(tip, rows[first+1][0]+" to ") {
		t.Errorf("tooltip while dragging over %s: %q", rows[first+1][0], tip)
	}
	b.do("drop", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, xy[1], xy[2], chromedp.ButtonLeft, chromedp.ClickCount(1)))
	dragTo := mustDay(t, rows[first+2][0]).AddDate(0, 0, -1).Format(time.DateOnly)
	b.wait("the dragged span analyzed", settled+` && document.querySelector('#commits .sub').textContent.startsWith('`+rows[first][0]+` to `+dragTo+`')`)
	checkAgainstGit(t, b, repo, view{from: rows[first][0], to: dragTo})
	b.do("back to two years", chromedp.NavigateBack())
	b.wait("two years again", settled+` && document.querySelector('#calendar .sub').textContent.startsWith('2023-01-01 to 2024-12-31')`)
	b.do("back", chromedp.NavigateBack())
	b.wait("back to the default period", settled+` && document.querySelector('#calendar .sub').textContent.startsWith('2023-03-21 to 2024-03-20')`)
	if got := eval[string](b, `location.pathname + location.search`); got != bare {
		t.Errorf("address after Back %q, want %q", got, bare)
	}

	// The activity chart from the keyboard: the values of each bucket,
	// and Shift+arrows then Enter analyze the span selected.
	buckets := pageRows(t, b, "#activity-rows")
	if len(buckets) < 3 {
		t.Fatalf("%d activity buckets over a year", len(buckets))
	}
	b.do("read the first bucket", chromedp.Focus(`#activity-chart svg`), chromedp.KeyEvent(kb.Home))
	if got := eval[string](b, `document.querySelector('#activity-chart p.sr').textContent`); !strings.HasPrefix(got, buckets[0][0]) ||
		!strings.Contains(got, ": "+buckets[0][1]+" commit") {
		t.Errorf("first bucket read as %q, want %s with %s commits", got, buckets[0][0], buckets[0][1])
	}
	// The last ten buckets, from the last one back: two commits.
	steps := []chromedp.Action[chromedp.Void]{chromedp.KeyEvent(kb.End)}
	for range 9 {
		steps = append(steps, chromedp.KeyEvent(kb.ArrowLeft, chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	b.do("select the last ten buckets", append(steps, chromedp.KeyEvent(kb.Enter))...)
	spanFrom, spanTo := buckets[len(buckets)-10][0], "2024-03-20"
	b.wait("the span analyzed", settled+` && document.querySelector('#commits .sub').textContent.startsWith('`+spanFrom+` to `+spanTo+`')`)
	if got := eval[string](b, `location.search`); !strings.Contains(got, "from="+spanFrom) || !strings.Contains(got, "to="+spanTo) {
		t.Errorf("address after the brush %q", got)
	}
	if n := len(inPeriod(gitLog(t, repo), spanFrom, spanTo)); n < 2 {
		t.Errorf("the span %s to %s holds %d commits; the test wants a busy one", spanFrom, spanTo, n)
	}
	checkAgainstGit(t, b, repo, view{from: spanFrom, to: spanTo})
	b.do("back from the span", chromedp.NavigateBack())
	b.wait("back to the default period again", settled+` && document.querySelector('#calendar .sub').textContent.startsWith('2023-03-21 to 2024-03-20')`)

	// A history longer than the API pages: the pager stops at page 1,000
	// and says so; a failed page is reported in the card.
	f.commitsTotal.Store(123456)
	f.forge.Store(&[2]string{"github", "https://github.com/example/demo.git"})
	b.do("a huge history", chromedp.Navigate(url+"/?repo="+neturl.QueryEscape(repo)+"&from=2024-03-01&to=2024-03-31"))
	b.wait("huge history settled", settled)
	if got, want := eval[string](b, `document.getElementById('commits-page').textContent`), "Page 1 of 1,000 (123,456 commits; the newest 25,000 can be paged)"; got != want {
		t.Errorf("pager %q, want %q", got, want)
	}
	b.do("next page", chromedp.Click(chromedp.ID("commits-next")))
	b.wait("page 2 failed", `document.querySelector('#commits .card-error') !== null && !document.getElementById('commits-next').disabled && document.getElementById('commits-prev').disabled`)
	if msg := eval[string](b, `document.querySelector('#commits .card-error').textContent`); !strings.Contains(msg, "restarting") {
		t.Errorf("the failed page says %q", msg)
	}
	if got := eval[string](b, `document.getElementById('commits-page').textContent`); !strings.HasPrefix(got, "Page 1 of 1,000") {
		t.Errorf("after the failed page the pager says %q", got)
	}
	links := eval[[]string](b, `[...document.querySelectorAll('#commits-rows tr')].map(tr => tr.dataset.sha + ' ' + tr.querySelector('a').href)`)
	for _, l := range links {
		sha, href, _ := strings.Cut(l, " ")
		if href != "https://github.com/example/demo/commit/"+sha {
			t.Errorf("commit %s links to %s", sha, href)
		}
	}
	if len(links) == 0 {
		t.Error("no commit links on a GitHub repository")
	}
	f.commitsTotal.Store(0)
	f.forge.Store(nil)

	// The layout holds at a phone's width: nothing scrolls sideways.
	// The activity chart is drawn again at the phone's width, so its
	// text keeps its size, and again at the laptop's.
	b.do("narrow", chromedp.EmulateViewport(390, 844))
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("page is %d px wide at 390 px", w)
	}
	b.wait("the chart drawn for a phone", `document.querySelector('#activity-chart svg').viewBox.baseVal.width < 390`)
	b.do("wide", chromedp.EmulateViewport(1280, 900))
	b.wait("the chart drawn for a laptop", `document.querySelector('#activity-chart svg').viewBox.baseVal.width > 1000`)

	// A server without per-author statistics: ownership says so in one
	// line and is never asked for; contributors are names only.
	f.noAuthorStats.Store(true)
	b.do("a server without author statistics", chromedp.Navigate(march))
	b.wait("settled without author statistics", settled)
	if got := eval[string](b, `document.getElementById('ownership-note').textContent`); !strings.Contains(got, "AUTHOR_STATS=true") {
		t.Errorf("ownership note without author statistics %q", got)
	}
	if !eval[bool](b, `document.querySelector('#ownership .body').hidden && document.querySelectorAll('#ownership-rows tr').length === 0`) {
		t.Error("ownership shows a table on a server without author statistics")
	}
	if n := eval[int](b, `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/repositories/ownership') || e.name.includes('/api/repositories/authors')).length`); n != 0 {
		t.Errorf("%d requests for per-author statistics on a server without them", n)
	}
	if got := eval[string](b, `document.getElementById('contributors-head').textContent`); got != "Contributor" {
		t.Errorf("contributors head without author statistics %q", got)
	}
	f.noAuthorStats.Store(false)

	// An invalid URL: the error box names the field.
	b.do("analyze an invalid URL",
		chromedp.SetValue(chromedp.ID("repo-url"), "ftp://example.com/repo.git"),
		chromedp.Click(chromedp.ID("analyze")))
	b.wait("error", `!document.getElementById('error').hidden && document.querySelector('#error-details [data-field="repoUrl"]') !== null`)
	if msg := eval[string](b, `document.getElementById('error').textContent`); !strings.Contains(msg, "repoUrl") {
		t.Errorf("error box %q", msg)
	}

	// Recap: sign in over the repository, load March, write two bullets.
	b.do("sign in",
		chromedp.Click(chromedp.ID("tab-recap")),
		chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SetValue(chromedp.ID("provider"), "git"),
		chromedp.SetValue(chromedp.ID("git-url"), repo),
		chromedp.Click(chromedp.ID("sign-in")))
	b.wait("session", `!document.getElementById('session').hidden`)
	if eval[bool](b, `document.getElementById('error').hidden === false`) {
		t.Errorf("error after signing in:\n%s", b.state())
	}
	// The session's repository is offered for the filter.
	b.wait("repository suggestions", `document.querySelectorAll('#repo-list option').length === 1`)
	if name := eval[string](b, `document.querySelector('#repo-list option').value`); name == "" || strings.Contains(name, "/") {
		t.Errorf("suggested repository %q, want the fixture directory's name", name)
	}
	if n := eval[int](b, `localStorage.length + sessionStorage.length + document.cookie.length`); n != 0 {
		t.Errorf("the page stored %d things; the JWT belongs in memory only", n)
	}
	b.do("load activity",
		chromedp.SetValue(chromedp.ID("start-date"), "2024-03-01"),
		chromedp.SetValue(chromedp.ID("end-date"), "2024-03-31"),
		chromedp.Click(chromedp.ID("load-actions")))
	b.wait("activity", `!document.getElementById('actions-section').hidden`)
	if got := eval[string](b, `document.getElementById('actions-count').textContent`); !strings.HasPrefix(got, "6 items from 2024-03-01 to 2024-03-31") {
		t.Errorf("actions count %q", got)
	}
	if got := eval[string](b, `document.getElementById('actions-text').value`); !strings.Contains(got, "add helpers") {
		t.Errorf("actions text %q", got)
	}
	b.do("write a recap",
		chromedp.SetValue(chromedp.ID("recap-n"), "2"),
		chromedp.Click(chromedp.ID("write-recap")))
	b.wait("recap", `document.getElementById('recap-output').textContent !== '' && !document.getElementById('write-recap').disabled`)
	out := eval[string](b, `document.getElementById('recap-output').textContent`)
	// Two bullets, a list, then what the summariser left out ("3 smaller topics left out.").
	bullets := eval[[]string](b, `[...document.querySelectorAll('#recap-output > ul > li')].map(li => li.textContent)`)
	rest := eval[[]string](b, `[...document.querySelectorAll('#recap-output > :not(ul)')].map(e => e.textContent)`)
	if len(bullets) != 2 || len(rest) > 1 || (len(rest) == 1 && !leftOut.MatchString(rest[0])) {
		t.Errorf("recap %q: bullets %q and %q, want two bullets", out, bullets, rest)
	}
	if strings.Contains(out, "</end>") {
		t.Errorf("recap shows the end marker: %q", out)
	}

	// A recap with markup and a javascript: link, as a model could
	// write: Markdown is rendered, HTML shows as text (an <img> with an
	// inline handler would also be a CSP violation, checked below), and
	// only the https link is a link.
	evil := "## Week <b>12</b>\n\n- **Search** lands <img src=x onerror=alert(1)>\n- see [x](javascript:alert(1)) and [the docs](https://example.com/d) and [run](javascript:document.title='x')\n- `go test` and _more_\n\nThat is all.\n"
	f.recap.Store(&evil)
	b.do("write a recap with markup", chromedp.Click(chromedp.ID("write-recap")))
	b.wait("the recap with markup", `document.querySelectorAll('#recap-output li').length === 3 && !document.getElementById('write-recap').disabled`)
	f.recap.Store(nil)
	if got := eval[string](b, `[...document.querySelectorAll('#recap-output *')].map(e => e.tagName.toLowerCase()).join(' ')`); got != "h4 ul li strong li a li code em p" {
		t.Errorf("the recap's elements: %q", got)
	}
	if got := eval[[]string](b, `[...document.querySelectorAll('#recap-output li')].map(li => li.textContent)`); !slices.Equal(got, []string{
		"Search lands <img src=x onerror=alert(1)>", "see [x](javascript:alert(1)) and the docs and [run](javascript:document.title='x')", "go test and more"}) {
		t.Errorf("the recap's bullets: %q", got)
	}
	if got := eval[[]string](b, `[...document.querySelectorAll('#recap-output a')].map(a => a.getAttribute('href'))`); !slices.Equal(got, []string{"https://example.com/d"}) {
		t.Errorf("the recap's links: %q", got)
	}
	// Copy as Markdown, from the keyboard: the raw text on the clipboard
	// (read back through the clipboard API, with the permissions granted
	// to the page's origin), and the page says so.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: url}); err != nil {
			t.Fatalf("granting %s: %v", name, err)
		}
	}
	b.do("copy as Markdown", chromedp.Focus(chromedp.ID("copy-recap")), chromedp.KeyEvent(kb.Enter))
	b.wait("copied", `document.getElementById('copy-status').textContent === 'Copied as Markdown.'`)
	if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)); err != nil || got != evil {
		t.Errorf("clipboard %q (%v), want the recap's Markdown %q", got, err, evil)
	}

	// A period with no activity: nothing to recap, and the page says why.
	b.do("load an empty period",
		chromedp.SetValue(chromedp.ID("start-date"), "2020-01-01"),
		chromedp.SetValue(chromedp.ID("end-date"), "2020-01-31"),
		chromedp.Click(chromedp.ID("load-actions")))
	b.wait("empty period", `document.getElementById('actions-count').textContent.startsWith('0 items')`)
	if !eval[bool](b, `document.getElementById('write-recap').disabled && !document.getElementById('write-why').hidden && document.getElementById('write-why').textContent.includes('no activity')`) {
		t.Errorf("Write recap on an empty period:\n%s", b.state())
	}
	if eval[bool](b, `document.getElementById('copy-recap').disabled === false || document.getElementById('recap-output').textContent !== ''`) {
		t.Error("an empty period still shows the last recap or offers to copy it")
	}
	if !eval[bool](b, `document.getElementById('error').hidden`) {
		t.Errorf("error after the recap:\n%s", b.state())
	}
	b.audit("recap", axe)

	// An expired session: the page asks to sign in again.
	f.expired.Store(true)
	b.do("load activity after expiry", chromedp.Click(chromedp.ID("load-actions")))
	b.wait("expired", `!document.getElementById('error').hidden && !document.getElementById('signin-form').hidden`)
	if msg := eval[string](b, `document.getElementById('error').textContent`); !strings.Contains(msg, "sign in again") {
		t.Errorf("expiry message %q", msg)
	}

	f.expired.Store(false)

	// Sign in with GitHub: the button (the server has GitHub OAuth)
	// goes through /login/github and the fake GitHub's authorize page
	// back to this page, which takes the session from the fragment and
	// clears it; the session then loads activity (Bearer token).
	b.do("the GitHub button", chromedp.WaitVisible(chromedp.ID("github-signin")), chromedp.Focus(chromedp.ID("github-signin")))
	here := eval[string](b, `location.pathname + location.search`)
	href := eval[string](b, `document.getElementById('github-signin').href`)
	if want := url + "/login/github?" + (neturl.Values{"return": {here}}).Encode(); href != want {
		t.Errorf("Sign in with GitHub links to %q, want %q", href, want)
	}
	// Followed as a click would (a click's navigation races the
	// page's polling here): through GitHub and back to the page.
	b.do("sign in with GitHub", chromedp.Navigate(href))
	if got := eval[string](b, `location.pathname + location.search`); got != here {
		t.Errorf("back from GitHub at %q, want %q", got, here)
	}
	b.wait("GitHub session", `!document.getElementById('session').hidden && document.getElementById('session-info').textContent.includes('octocat (github)')`)
	if got := eval[string](b, `location.href`); strings.Contains(got, "#") || strings.Contains(got, "token") {
		t.Errorf("the address after signing in with GitHub: %q", got)
	}
	if eval[string](b, `document.querySelector('[role="tab"][aria-selected="true"]').id`) != "tab-recap" {
		t.Error("after signing in with GitHub the Recap tab is not shown")
	}
	b.do("load GitHub activity",
		chromedp.SetValue(chromedp.ID("start-date"), "2026-11-01"),
		chromedp.SetValue(chromedp.ID("end-date"), "2026-11-05"),
		chromedp.Click(chromedp.ID("load-actions")))
	b.wait("GitHub activity", `!document.getElementById('actions-section').hidden && /^[1-9]/.test(document.getElementById('actions-count').textContent)`)
	if !eval[bool](b, `!document.getElementById('write-recap').disabled && document.getElementById('write-why').hidden`) {
		t.Errorf("Write recap on a busy period:\n%s", b.state())
	}
	b.audit("recap signed in with GitHub", axe)

	// A server without GitHub OAuth: no button (checked once the page
	// has read /api/config and had time to act on it).
	f.noGitHub.Store(true)
	b.do("a server without GitHub sign-in", chromedp.Navigate(url+"/"), chromedp.Click(chromedp.ID("tab-recap")))
	b.wait("the configuration read", `performance.getEntriesByName(location.origin + '/api/config').length > 0`)
	if shown, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`new Promise(ok => setTimeout(() => ok(!document.getElementById('github-fields').hidden), 300))`, chromedp.EvalAwaitPromise)); err != nil || shown {
		t.Errorf("Sign in with GitHub shown by a server without GitHub OAuth (%v)", err)
	}
	f.noGitHub.Store(false)

	b.checkCSP("recap")
	b.errorsSoFar("recap")
}
