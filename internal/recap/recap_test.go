package recap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

func mustNew(tb testing.TB, cfg Config) *Generator {
	tb.Helper()
	g, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func day(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

var sample = []activity.Item{
	{Kind: activity.KindCommit, Repo: "api", Date: day(20, 9), Message: "feat: add recap\n\nbody"},
	{Kind: activity.KindCommit, Repo: "api", Date: day(20, 10), Message: "fix(ws): close on error"},
	{Kind: activity.KindPullRequest, Repo: "api", Date: day(21, 9), Message: "Add recap", Number: 12},
	{Kind: activity.KindCommit, Repo: "web", Date: day(19, 9), Message: "docs: readme"},
	{Kind: activity.KindIssue, Repo: "web", Date: day(21, 11), Message: "Crash on start", Number: 3},
	{Kind: activity.KindCommit, Repo: "api", Date: day(21, 12), Message: "feat: stream chunks"},
	{Kind: activity.KindCommit, Repo: "web", Date: day(22, 8), Message: "update deps"},
}

func TestRenderActions(t *testing.T) {
	got := RenderActions(sample[:4])
	want := "## 2026-11-19\n- [commit] web: docs: readme\n\n## 2026-11-20\n- [commit] api: feat: add recap\n- [commit] api: fix(ws): close on error\n\n## 2026-11-21\n- [pull_request #12] api: Add recap\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCountTokensOffline(t *testing.T) {
	for _, model := range []string{"", "gpt-4", "gpt-4o", "claude-sonnet-4-5"} {
		g := mustNew(t, Config{Model: model})
		if n := g.CountTokens("hello world"); n != 2 {
			t.Errorf("model %q: CountTokens(hello world) = %d, want 2", model, n)
		}
	}
}

// modelGen returns a Generator for a model (never called) with budget
// MaxHistoryTokens: the budget applies only to text a model reads.
func modelGen(tb testing.TB, budget int) *Generator {
	tb.Helper()
	return mustNew(tb, Config{Provider: ProviderOpenAI, BaseURL: "http://127.0.0.1:1/v1", MaxHistoryTokens: budget})
}

func TestTrimItems(t *testing.T) {
	g := modelGen(t, 0)
	full := g.CountTokens(RenderActions(sample))
	t.Run("fits", func(t *testing.T) {
		kept, trimmed := g.TrimItems(sample)
		if trimmed != 0 || len(kept) != len(sample) {
			t.Fatalf("kept %d trimmed %d", len(kept), trimmed)
		}
	})
	t.Run("built-in summariser not trimmed", func(t *testing.T) {
		g := mustNew(t, Config{MaxHistoryTokens: 1})
		kept, trimmed := g.TrimItems(sample)
		if trimmed != 0 || len(kept) != len(sample) {
			t.Fatalf("kept %d trimmed %d", len(kept), trimmed)
		}
	})
	t.Run("drops oldest first", func(t *testing.T) {
		g := modelGen(t, full-1)
		kept, trimmed := g.TrimItems(sample)
		if trimmed < 1 || len(kept)+trimmed != len(sample) {
			t.Fatalf("kept %d trimmed %d", len(kept), trimmed)
		}
		if kept[0].Message == "docs: readme" {
			t.Fatal("oldest item kept")
		}
		if g.CountTokens(RenderActions(kept)) > full-1 {
			t.Fatal("kept items do not fit")
		}
		if kept[len(kept)-1].Message != "update deps" {
			t.Fatal("newest item dropped")
		}
	})
	t.Run("nothing fits", func(t *testing.T) {
		g := modelGen(t, 1)
		kept, trimmed := g.TrimItems(sample)
		if len(kept) != 0 || trimmed != len(sample) {
			t.Fatalf("kept %d trimmed %d", len(kept), trimmed)
		}
	})
}

func collect(t *testing.T, g *Generator, mode Mode, actions string, n int) (string, []string, error) {
	t.Helper()
	var chunks []string
	_, err := g.GenerateResponse(t.Context(), mode, Input{Actions: actions}, n, func(c string) error {
		chunks = append(chunks, c)
		return nil
	})
	return strings.Join(chunks, ""), chunks, err
}

func bullets(s string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, "- ") {
			n++
		}
	}
	return n
}

// filler matches what the built-in summariser must never write: raw
// merge subjects, bare tag names, "and N more" lumps and padding.
var filler = regexp.MustCompile(`(?m)^- (.*Merge (branch|pull request|remote-tracking|tag) .*|v?\d+(\.\d+)+\.?|.*\band \d+ more\b.*|.*No further activity.*)$`)

func TestBuiltinRecap(t *testing.T) {
	g := mustNew(t, Config{Provider: "builtin"})
	actions := RenderActions(sample)
	// The sample's topics: pull request #12, the commits "add recap" and
	// "stream chunks", the ws fix, the dependency update and issue #3;
	// the README edit is minor work.
	const topics, major = 7, 6
	for _, n := range []int{1, 2, 5, 6, 15} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			out, chunks, err := collect(t, g, ModeRecap, actions, n)
			if err != nil {
				t.Fatal(err)
			}
			want := min(n, major)
			if got := bullets(out); got != want {
				t.Fatalf("%d bullets, want %d (at most n, one per topic, no padding):\n%s", got, want, out)
			}
			if f := filler.FindString(out); f != "" {
				t.Errorf("filler %q in\n%s", f, out)
			}
			if !strings.Contains(out, fmt.Sprintf("\n%d smaller topic", topics-want)) {
				t.Errorf("does not say %d topics were left out:\n%s", topics-want, out)
			}
			if len(chunks) != want+1 {
				t.Errorf("%d chunks, want one per bullet and the left-out line", len(chunks))
			}
			if again, _, _ := collect(t, g, ModeRecap, actions, n); again != out {
				t.Fatal("not deterministic")
			}
		})
	}
	t.Run("classified", func(t *testing.T) {
		out, _, _ := collect(t, g, ModeRecap, actions, 15)
		for _, want := range []string{"- Fix in api: Close on error.", "- Feature in api: Add recap. (#12)\n", "- Issue #3 opened in web: Crash on start.", "- Internal in web: Update deps.", "- Feature in api: Stream chunks."} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %q in\n%s", want, out)
			}
		}
	})
	t.Run("no activity", func(t *testing.T) {
		out, _, _ := collect(t, g, ModeRecap, "", 3)
		if bullets(out) != 0 || !strings.Contains(out, "No activity") {
			t.Errorf("got %q", out)
		}
	})
	for _, n := range []int{0, 16, -1} {
		if _, _, err := collect(t, g, ModeRecap, actions, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("n=%d: err %v, want ErrInvalid", n, err)
		}
	}
	if _, _, err := collect(t, g, "poem", actions, 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad mode: err %v, want ErrInvalid", err)
	}
}

// section returns the bullets under heading in release notes.
func section(out, heading string) string {
	_, rest, ok := strings.Cut(out, "### "+heading+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n\n"); i >= 0 {
		rest = rest[:i+1]
	}
	return rest
}

func TestBuiltinRelease(t *testing.T) {
	g := mustNew(t, Config{})
	out, _, err := collect(t, g, ModeRelease, RenderActions(sample), 0)
	if err != nil {
		t.Fatal(err)
	}
	if f := section(out, "Features"); f != "- Add recap. (#12) (api)\n" {
		t.Errorf("features %q in\n%s", f, out)
	}
	if f := section(out, "Fixes"); f != "- Close on error. (api)\n" {
		t.Errorf("fixes %q in\n%s", f, out)
	}
	// The README edit is minor work; "add recap", "stream chunks" and
	// "update deps" say too little for a changelog: left out and counted.
	if strings.Contains(out, "readme") || strings.Contains(out, "Stream chunks") || !strings.Contains(out, "4 minor topics (tests, CI, typo fixes, small clean-ups) left out") {
		t.Errorf("minor and terse topics:\n%s", out)
	}
	if strings.Contains(out, "Crash on start") {
		t.Errorf("an issue is no change:\n%s", out)
	}
	if strings.Index(out, "### Features") > strings.Index(out, "### Fixes") {
		t.Error("features not first")
	}
}

func TestBuiltinPullRequest(t *testing.T) {
	g := mustNew(t, Config{})
	out, _, err := collect(t, g, ModePullRequest, RenderActions(sample), 0)
	if err != nil {
		t.Fatal(err)
	}
	title, rest, _ := strings.Cut(out, "\n")
	if title == "" || strings.HasPrefix(title, "feat:") || strings.Contains(title, "more)") {
		t.Errorf("title %q", title)
	}
	if !strings.Contains(rest, "## Summary\n") || !strings.Contains(rest, "- Fix: Close on error.\n") || strings.Contains(out, "Crash on start") {
		t.Errorf("description:\n%s", out)
	}
}

// TestNewNormalizesConfig: a compatible service's name selects the OpenAI
// client at its address; bad settings are refused naming the variable and
// never showing the key.
func TestNewNormalizesConfig(t *testing.T) {
	g := mustNew(t, Config{Provider: "groq", APIKey: "sk-secret", Temperature: 0.5, MaxTokens: 300, MaxHistoryTokens: 900, MaxRetries: -1})
	got := g.Config()
	if got.Provider != ProviderOpenAI || got.BaseURL != compatibleBaseURLs["groq"] || got.Temperature != 0.5 ||
		got.MaxTokens != 300 || got.MaxHistoryTokens != 900 || got.MaxRetries != 0 || got.Timeout != DefaultTimeout {
		t.Fatalf("got %v", got)
	}
	if s := fmt.Sprintf("%v %#v", got, got); strings.Contains(s, "sk-secret") {
		t.Fatal("key printed")
	}
	for _, tc := range []struct {
		name, variable string
		cfg            Config
	}{
		{"provider", "LLM_PROVIDER", Config{Provider: "nope", APIKey: "sk-secret"}},
		{"temperature", "LLM_TEMPERATURE", Config{APIKey: "sk-secret", Temperature: 3}},
		{"max tokens", "LLM_MAX_TOKENS", Config{APIKey: "sk-secret", MaxTokens: -1}},
		{"anthropic without key", "LLM_API_KEY", Config{Provider: "anthropic"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.variable) || strings.Contains(err.Error(), "sk-secret") {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// sse writes an SSE response: each frame is written and flushed; after
// abortAfter frames (if > 0) the connection is cut.
func sse(w http.ResponseWriter, frames []string, abortAfter int) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	for i, f := range frames {
		if abortAfter > 0 && i == abortAfter {
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, f)
		w.(http.Flusher).Flush()
	}
}

func openAIFrames(chunks ...string) []string {
	var frames []string
	for _, c := range chunks {
		b, _ := json.Marshal(c)
		frames = append(frames, fmt.Sprintf(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":%s},"finish_reason":null}]}`+"\n\n", b))
	}
	return append(frames, `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n", "data: [DONE]\n\n")
}

func anthropicFrames(chunks ...string) []string {
	frames := []string{
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n",
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
	}
	for _, c := range chunks {
		b, _ := json.Marshal(c)
		frames = append(frames, fmt.Sprintf("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":%s}}\n\n", b))
	}
	return append(frames,
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}\n\n",
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
	)
}

// provider describes one API for the shared client tests.
type provider struct {
	name   string
	path   string
	frames func(...string) []string
	// check asserts the request's auth header and body.
	check func(t *testing.T, r *http.Request, body map[string]any)
	// preamble is how many frames come before the first text chunk.
	preamble int
}

var providers = []provider{
	{
		name: ProviderOpenAI, path: "/chat/completions", frames: openAIFrames,
		check: func(t *testing.T, r *http.Request, body map[string]any) {
			if got := r.Header.Get("Authorization"); got != "Bearer sk-test" {
				t.Errorf("Authorization %q", got)
			}
			msgs, _ := body["messages"].([]any)
			if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["role"] != "user" ||
				!strings.Contains(fmt.Sprint(msgs[1]), "- [commit] api: feat: add recap") {
				t.Errorf("messages %v", msgs)
			}
			if body["stream"] != true {
				t.Errorf("stream %v", body["stream"])
			}
		},
	},
	{
		name: ProviderAnthropic, path: "/v1/messages", frames: anthropicFrames, preamble: 2,
		check: func(t *testing.T, r *http.Request, body map[string]any) {
			if got := r.Header.Get("X-Api-Key"); got != "sk-test" {
				t.Errorf("x-api-key %q", got)
			}
			if !strings.Contains(fmt.Sprint(body["system"]), "at most 5 Markdown bullet points") {
				t.Errorf("system %v", body["system"])
			}
			msgs, _ := body["messages"].([]any)
			if len(msgs) != 1 || msgs[0].(map[string]any)["role"] != "user" || !strings.Contains(fmt.Sprint(msgs[0]), "- [commit] api: feat: add recap") {
				t.Errorf("messages %v", msgs)
			}
		},
	},
}

func newClientGenerator(t *testing.T, p provider, h http.HandlerFunc) *Generator {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	g := mustNew(t, Config{Provider: p.name, APIKey: "sk-test", Model: "test-model", BaseURL: srv.URL,
		Temperature: 0.3, MaxTokens: 77, Timeout: 10 * time.Second})
	g.backoff = time.Millisecond
	return g
}

func TestClientsStream(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				var body map[string]any
				if r.URL.Path != p.path {
					t.Errorf("path %q", r.URL.Path)
				}
				if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
					t.Error(err)
				}
				if body["model"] != "test-model" || body["temperature"] != 0.3 || body["max_tokens"] != 77.0 {
					t.Errorf("model/temperature/max_tokens: %v %v %v", body["model"], body["temperature"], body["max_tokens"])
				}
				p.check(t, r, body)
				sse(w, p.frames("- one", " two", "\n- three"), 0)
			})
			_, chunks, err := collect(t, g, ModeRecap, RenderActions(sample), 5)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(chunks, "|"); got != "- one| two|\n- three" {
				t.Fatalf("chunks %q", got)
			}
		})
	}
}

func TestClientsRetry(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name+" 429 then success", func(t *testing.T) {
			var calls atomic.Int32
			var first time.Time
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					first = time.Now()
					w.Header().Set("Retry-After", "1")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusTooManyRequests)
					io.WriteString(w, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`)
					return
				}
				if wait := time.Since(first); wait < 900*time.Millisecond {
					t.Errorf("retried after %s, Retry-After was 1s", wait)
				}
				sse(w, p.frames("ok"), 0)
			})
			out, _, err := collect(t, g, ModeRecap, "x", 1)
			if err != nil || out != "ok" || calls.Load() != 2 {
				t.Fatalf("out %q err %v calls %d", out, err, calls.Load())
			}
		})
		t.Run(p.name+" 400 not retried", func(t *testing.T) {
			var calls atomic.Int32
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusBadRequest)
			})
			_, _, err := collect(t, g, ModeRecap, "x", 1)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 400 || calls.Load() != 1 || strings.Contains(err.Error(), "sk-test") {
				t.Fatalf("err %v calls %d", err, calls.Load())
			}
		})
		t.Run(p.name+" 503 until retries spent", func(t *testing.T) {
			var calls atomic.Int32
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			_, _, err := collect(t, g, ModeRecap, "x", 1)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != 503 || calls.Load() != 1+DefaultMaxRetries {
				t.Fatalf("err %v calls %d", err, calls.Load())
			}
		})
		t.Run(p.name+" mid-stream failure", func(t *testing.T) {
			var calls atomic.Int32
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				sse(w, p.frames("a", "b", "c", "d"), p.preamble+2)
			})
			_, chunks, err := collect(t, g, ModeRecap, "x", 1)
			if err == nil || strings.Join(chunks, "") != "ab" || calls.Load() != 1 {
				t.Fatalf("err %v chunks %q calls %d", err, chunks, calls.Load())
			}
		})
		t.Run(p.name+" cancel", func(t *testing.T) {
			g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
				sse(w, p.frames("a")[:p.preamble+1], 0)
				<-r.Context().Done()
			})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			start := time.Now()
			_, err := g.GenerateResponse(ctx, ModeRecap, Input{Actions: "x"}, 1, func(string) error { cancel(); return nil })
			if !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
				t.Fatalf("err %v after %s", err, time.Since(start))
			}
		})
	}
}

// TestTrimItemsFindsTheFirstFit: whatever the estimate, the kept items
// are the most that fit: with one more (older) item they would not.
func TestTrimItemsFindsTheFirstFit(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []activity.Item
	for i := range 300 {
		items = append(items, activity.Item{Kind: []string{activity.KindCommit, activity.KindPullRequest, activity.KindIssue}[i%3], Number: i % 7 * 11, Repo: "repo",
			Date: start.Add(time.Duration(i*i%97) * 5 * time.Hour), Message: strings.Repeat("word ", i%13) + "change " + strconv.Itoa(i)})
	}
	sorted := sortedItems(items)
	probe := modelGen(t, 0)
	full := probe.CountTokens(RenderActions(items))
	for _, budget := range []int{1, 7, 50, 333, 1000, full / 2, full - 3, full, full + 10} {
		g := modelGen(t, budget)
		kept, trimmed := g.TrimItems(items)
		if len(kept)+trimmed != len(items) || g.CountTokens(RenderActions(kept)) > budget {
			t.Fatalf("budget %d: kept %d trimmed %d, or they do not fit", budget, len(kept), trimmed)
		}
		if trimmed > 0 && g.CountTokens(RenderActions(sorted[trimmed-1:])) <= budget {
			t.Fatalf("budget %d: trimmed %d, but one more item would still fit", budget, trimmed)
		}
	}
}

// TestFirstFit checks the gallop-and-bisect search for every threshold
// and every guess, below and above the answer.
func TestFirstFit(t *testing.T) {
	for _, lo := range []int{0, 3} {
		for n := lo; n <= lo+40; n++ {
			for want := lo; want <= n; want++ {
				for guess := lo; guess <= n; guess++ {
					calls := 0
					got := firstFit(lo, n, guess, func(i int) bool {
						if i < lo || i > n {
							t.Fatalf("lo %d n %d: asked about %d", lo, n, i)
						}
						calls++
						return i >= want
					})
					if got != want {
						t.Fatalf("lo %d n %d want %d guess %d: got %d", lo, n, want, guess, got)
					}
					if d := max(want-guess, guess-want); calls > 2*bits.Len(uint(d))+2 {
						t.Fatalf("guess %d off by %d took %d calls", guess, d, calls)
					}
				}
			}
		}
	}
}

// TestModelReadsAtMostTheBudget guards the WebSocket's path, which hands
// GenerateResponse a client's text: 1,000 KiB of activity once reached a
// model as ~250k tokens with MAX_HISTORY_TOKENS=1500. Whatever the
// caller, a model reads the newest lines that fit the budget.
func TestModelReadsAtMostTheBudget(t *testing.T) {
	const budget = 1500
	var lines strings.Builder
	for i := 0; lines.Len() < 1000<<10; i++ {
		fmt.Fprintf(&lines, "- [commit] api: change number %d of the stream handler\n", i)
	}
	oneLine := strings.Repeat("word ", 200<<10)
	probe := modelGen(t, budget)
	for _, p := range providers {
		for _, tc := range []struct{ name, actions, newest string }{
			{"many lines", lines.String(), lastLine(lines.String())},
			{"one long line", oneLine, ""},
			{"short", RenderActions(sample), RenderActions(sample)},
		} {
			t.Run(p.name+" "+tc.name, func(t *testing.T) {
				var got string
				g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
					var body struct{ Messages []map[string]any }
					if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
						t.Error(err)
					}
					user := body.Messages[len(body.Messages)-1]["content"]
					if blocks, ok := user.([]any); ok { // Anthropic: [{"type": "text", "text": ...}]
						user = blocks[0].(map[string]any)["text"]
					}
					_, got, _ = strings.Cut(user.(string), ":\n\n")
					sse(w, p.frames("ok"), 0)
				})
				g.cfg.MaxHistoryTokens = budget
				if _, _, err := collect(t, g, ModeRecap, tc.actions, 5); err != nil {
					t.Fatal(err)
				}
				if n := probe.CountTokens(got); n > budget || n < budget/2 && len(tc.actions) > len(got) {
					t.Fatalf("the model read %d tokens (%d bytes), budget %d", n, len(got), budget)
				}
				if !strings.HasSuffix(tc.actions, got) || !strings.HasSuffix(got, tc.newest) {
					t.Fatalf("the model did not read the newest part: %.80q...", got)
				}
				if cut := len(tc.actions) - len(got); tc.newest != "" && cut > 0 && tc.actions[cut-1] != '\n' {
					t.Fatalf("cut inside a line: %.80q", got)
				}
			})
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:] + "\n"
}

// TestBuiltinReadsEverything: no model reads the built-in summariser's
// input, so the budget does not apply to it.
func TestBuiltinReadsEverything(t *testing.T) {
	g := mustNew(t, Config{MaxHistoryTokens: 1})
	out, _, err := collect(t, g, ModeRecap, RenderActions(sample), 15)
	if err != nil {
		t.Fatal(err)
	}
	// Every topic is written but the README edit, minor work, counted.
	if bullets(out) != 6 || !strings.Contains(out, "Add recap. (1 commit)") || !strings.Contains(out, "Update deps") || !strings.Contains(out, "1 smaller topic left out") {
		t.Fatalf("oldest or newest item missing:\n%s", out)
	}
}

func TestReadEvents(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"lf", "event: a\ndata: 1\n\ndata:2\n\n", "a=1|=2"},
		{"crlf and cr", "event: a\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\r\n\r\n", "a=1|=2|=3"},
		{"multi-line data", "data: x\ndata:  y\ndata\n\n", "=x\n y\n"},
		{"comments, id, retry ignored", ": keep-alive\nid: 7\nretry: 10\ndata: z\n\n", "=z"},
		{"no data, no event", "event: ping\n\ndata: 1\n\n", "=1"},
		{"byte order mark", "\uFEFFdata: 1\n\n", "=1"},
		{"unterminated event dropped", "data: 1\n\ndata: 2\n", "=1"},
		{"json with colons", `data: {"a":"b: c"}` + "\n\n", `={"a":"b: c"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := readEvents(strings.NewReader(tc.in), func(ev event) (bool, error) {
				got = append(got, ev.name+"="+ev.data)
				return false, nil
			})
			if err != nil || strings.Join(got, "|") != tc.want {
				t.Fatalf("got %q err %v, want %q", strings.Join(got, "|"), err, tc.want)
			}
		})
	}
	t.Run("a CR split across reads", func(t *testing.T) {
		var got []string
		r := io.MultiReader(strings.NewReader("data: 1\r"), strings.NewReader("\ndata: 2\r\n\r\n"))
		_ = readEvents(r, func(ev event) (bool, error) { got = append(got, ev.data); return false, nil })
		if strings.Join(got, "|") != "1\n2" {
			t.Fatalf("got %q", got)
		}
	})
}

// TestClientsErrors: an API's error message reaches the error with the
// key masked, and Anthropic's in-stream overloaded_error is retried like
// a 529 before the first chunk.
func TestClientsErrors(t *testing.T) {
	for _, p := range providers {
		for _, msg := range []string{
			"Incorrect API key provided: sk-test",
			strings.Repeat("x", 273) + " sk-test", // the key straddles where a long message is cut
		} {
			t.Run(p.name+" key masked", func(t *testing.T) {
				g := newClientGenerator(t, p, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					io.WriteString(w, `{"type":"error","error":{"type":"authentication_error","message":"`+msg+`"}}`)
				})
				_, _, err := collect(t, g, ModeRecap, "x", 1)
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != 401 || strings.Contains(err.Error(), "sk-t") ||
					!strings.Contains(err.Error(), "authentication_error: ") {
					t.Fatalf("err %v", err)
				}
			})
		}
	}
	t.Run("anthropic overloaded event retried", func(t *testing.T) {
		var calls atomic.Int32
		g := newClientGenerator(t, providers[1], func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				sse(w, []string{"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"}, 0)
				return
			}
			sse(w, anthropicFrames("ok"), 0)
		})
		out, _, err := collect(t, g, ModeRecap, "x", 1)
		if err != nil || out != "ok" || calls.Load() != 2 {
			t.Fatalf("out %q err %v calls %d", out, err, calls.Load())
		}
	})
}

// TestTerseTopicNamesItsBranch: a merged topic described in a word or
// two ("Leakfixes.") is named with its branch in a recap, and left out of
// release notes, which count it.
func TestTerseTopicNamesItsBranch(t *testing.T) {
	items := []activity.Item{
		{Kind: activity.KindCommit, Repo: "git", SHA: "m", Parents: []string{"b", "c2"}, Date: day(3, 0),
			Message: "Merge branch 'ps/leakfixes-part-5'\n\nLeakfixes.\n\n* ps/leakfixes-part-5:\n  a\n"},
		{Kind: activity.KindCommit, Repo: "git", SHA: "c2", Parents: []string{"c1"}, Date: day(2, 0), Message: "builtin/log: plug a leak", Files: []string{"builtin/log.c"}, Additions: 3},
		{Kind: activity.KindCommit, Repo: "git", SHA: "c1", Parents: []string{"b"}, Date: day(1, 0), Message: "revision: plug a leak", Files: []string{"revision.c"}, Additions: 2},
		{Kind: activity.KindCommit, Repo: "git", SHA: "b", Date: day(1, 0), Message: "base"},
	}
	g := mustNew(t, Config{})
	var b strings.Builder
	if _, err := g.GenerateResponse(t.Context(), ModeRecap, Input{Items: items}, 5, func(c string) error { b.WriteString(c); return nil }); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- Fix: Leakfixes. (ps/leakfixes-part-5, 2 commits, 2 files, 5 lines changed)\n") {
		t.Errorf("recap:\n%s", b.String())
	}
	b.Reset()
	if _, err := g.GenerateResponse(t.Context(), ModeRelease, Input{Items: items}, 0, func(c string) error { b.WriteString(c); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Leakfixes") || !strings.Contains(b.String(), "2 minor topics") { // and "base"
		t.Errorf("release notes:\n%s", b.String())
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"feat(api): add recap":                                "Add recap.",
		"sscanf(3) is gone":                                   "sscanf(3) is gone.",
		"refs: teach the walker":                              "refs: teach the walker.",
		`Revert "Merge branch 'hn/history-squash' into next"`: "Revert the merge of hn/history-squash into next.",
		"Already a sentence!":                                 "Already a sentence!",
		// One line, never read as a list item: bullets are numbered by
		// the lines that start with "- " (Topic.Bullet).
		"- add\n  a title\tover lines": "Add a title over lines.",
		"* 1. listed":                  "1. listed.",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
}
