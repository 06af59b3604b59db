// Package recap turns a developer's activity (commits, pull requests, issues,
// releases) into the text a language model reads, keeps that text inside a
// token budget, and streams a generated recap, release notes or pull-request
// description from an OpenAI-compatible or Anthropic model, or, with no model
// configured, from a deterministic built-in summariser that needs no network.
package recap

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer/codec"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/fault"
)

// Mode selects what GenerateResponse writes.
type Mode string

// Modes.
const (
	// ModeRecap writes at most n bullets, one per topic, the biggest.
	ModeRecap Mode = "recap"
	// ModeRelease writes release notes grouped by kind of change.
	ModeRelease Mode = "release"
	// ModePullRequest writes a pull-request description from its commits.
	ModePullRequest Mode = "pull_request"
)

// ErrInvalid is wrapped by errors caused by the caller's input (a bad mode,
// bullet count or configuration), as opposed to failures of the model.
var ErrInvalid = fault.New(fault.Invalid, "invalid input")

// Streamer produces text chunks from a model.
type Streamer interface {
	// Stream sends the system and user prompts and calls emit for each chunk
	// in order, returning when the model is done. It stops when ctx is
	// cancelled, returning ctx's error. An error from emit is returned as is.
	// A refusal by the API is returned as a *StatusError.
	Stream(ctx context.Context, system, user string, emit func(chunk string) error) error
}

// Generator renders, trims and summarises activity. It is safe for
// concurrent use.
type Generator struct {
	cfg Config
	// codec loads the model's vocabulary on first use: building its
	// map costs tens of milliseconds and megabytes that a run of the
	// built-in summariser never needs.
	codec    func() *codec.Codec
	streamer Streamer // nil: the built-in summariser
	// backoff is the first retry delay when the API gives no Retry-After.
	backoff time.Duration
}

// New returns a Generator for cfg, after applying defaults and validating it.
func New(cfg Config) (*Generator, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, codec: sync.OnceValue(vocabularyFor(cfg.Model)), backoff: 500 * time.Millisecond}
	client := &http.Client{} // no Timeout: a stream lasts as long as GenerateResponse's context allows
	switch cfg.Provider {
	case ProviderOpenAI:
		g.streamer = newOpenAIClient(cfg, client)
	case ProviderAnthropic:
		g.streamer = newAnthropicClient(cfg, client)
	}
	return g, nil
}

// vocabularyFor returns the constructor of model's vocabulary: cl100k_base
// for the GPT-4 and GPT-3.5 families, o200k_base (current OpenAI models,
// a fair estimate for other vendors' models) otherwise. Only these two
// are linked into the binary; tokenizer.ForModel would link all four.
func vocabularyFor(model string) func() *codec.Codec {
	m := strings.ToLower(model)
	for _, p := range []string{"gpt-4o", "gpt-4.", "chatgpt-4o"} {
		if strings.HasPrefix(m, p) {
			return codec.NewO200kBase
		}
	}
	for _, p := range []string{"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-ada-002"} {
		if strings.HasPrefix(m, p) {
			return codec.NewCl100kBase
		}
	}
	return codec.NewO200kBase
}

// Config returns the configuration in use, defaults applied.
func (g *Generator) Config() Config { return g.cfg }

// CountTokens returns the number of tokens in text, counted offline with
// the model's vocabulary (o200k_base for models it does not know).
func (g *Generator) CountTokens(text string) int {
	n, err := g.codec().Count(text)
	if err != nil { // invalid UTF-8 only: estimate
		return (len(text) + 3) / 4
	}
	return n
}

// TrimItems sorts items by date and drops the oldest until at most
// activity.MaxItems are left and, when a model is configured, RenderActions(kept)
// fits in MaxHistoryTokens (no model reads the built-in summariser's
// input); trimmed is how many were dropped. items is not modified.
func (g *Generator) TrimItems(items []activity.Item) (kept []activity.Item, trimmed int) {
	sorted := sortedItems(items)
	lo, n := max(0, len(sorted)-activity.MaxItems), len(sorted) // never more than activity.MaxItems
	if g.streamer == nil {
		return sorted[lo:], lo
	}
	fits := func(start int) bool {
		return g.CountTokens(RenderActions(sorted[start:])) <= g.cfg.MaxHistoryTokens
	}
	// Dropping items never adds tokens, so fits is false and then true
	// as start grows (fits(n) holds: nothing is left). Rendering and
	// counting all of a busy year costs milliseconds, so rather than
	// bisecting all of [lo, n], gallop out from an estimate made of
	// per-line counts (token counts are nearly additive over lines) to a
	// small bracket, and bisect that.
	start := firstFit(lo, n, g.estimateStart(sorted, lo), fits)
	return sorted[start:], start
}

// firstFit returns the least start in [lo, n] for which fits holds, given
// that fits is monotone (false, then true) and fits(n) holds: it gallops
// from guess to a bracket and bisects that, so a good guess costs a few
// calls.
func firstFit(lo, n, guess int, fits func(int) bool) int {
	var a, b int // the first fit lies in [a, b]
	if fits(guess) {
		a, b = lo, guess
		for step := 1; guess-step >= lo; step *= 2 {
			if !fits(guess - step) {
				a = guess - step + 1
				break
			}
			b = guess - step
		}
	} else {
		a, b = guess+1, n
		for step := 1; guess+step < n; step *= 2 {
			if fits(guess + step) {
				b = guess + step
				break
			}
			a = guess + step + 1
		}
	}
	return a + sort.Search(b-a, func(i int) bool { return fits(a + i) })
}

// estimateStart estimates the first start in [lo, len(sorted)] whose
// rendering fits the token budget, summing the tokens of each line from
// the newest item back.
func (g *Generator) estimateStart(sorted []activity.Item, lo int) int {
	total, day := 0, ""
	for i := len(sorted) - 1; i >= lo; i-- {
		total += g.CountTokens(itemLine(sorted[i]))
		if d := sorted[i].Date.Format("2006-01-02"); d != day {
			day = d
			total += g.CountTokens(dayHeading(d)) + 1 // the heading and the blank line before it
		}
		if total > g.cfg.MaxHistoryTokens {
			return i + 1
		}
	}
	return lo
}

// Input is what a response is written from.
type Input struct {
	// Items are the activity. The built-in summariser reads them; a model
	// reads their rendering when Actions is empty.
	Items []activity.Item
	// Actions is the activity as text (RenderActions' format, possibly
	// edited by a client): what a model reads. The built-in summariser
	// reads it, parsing it back into items, only when Items is nil.
	Actions string
}

// GenerateResponse writes the response for mode from in and calls emit
// for each chunk. For ModeRecap, n is the largest number of bullets, 1 to
// 15; other modes ignore n. It uses the configured model, retrying
// refusals with status 429 or 5xx until the first chunk is emitted,
// within the configured total Timeout, or the built-in summariser when no
// model is configured. The model reads at most MaxHistoryTokens of the
// text, the newest lines; the built-in summariser reads all the items,
// with no budget.
//
// It returns the topics the response was written from: the built-in
// summariser's, one per bullet in the order of the bullets (Topic.Bullet
// says which), or, when a model wrote it, every topic of the activity
// (Topics), none tied to a bullet.
// Errors caused by the input wrap ErrInvalid; API refusals are *StatusError.
func (g *Generator) GenerateResponse(ctx context.Context, mode Mode, in Input, n int, emit func(chunk string) error) ([]Topic, error) {
	switch mode {
	case ModeRecap:
		if n < 1 || n > MaxBullets {
			return nil, fault.Errorf(fault.Invalid, "%w: bullet count %d is not between 1 and %d", ErrInvalid, n, MaxBullets)
		}
	case ModeRelease, ModePullRequest:
	default:
		return nil, fault.Errorf(fault.Invalid, "%w: unknown mode %q", ErrInvalid, mode)
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	items := in.Items
	if items == nil {
		items = ParseActions(in.Actions)
	}
	if g.streamer == nil {
		behind, err := summarise(ctx, mode, items, n, emit)
		if err != nil {
			return nil, err
		}
		return exported(behind, true), nil
	}
	text := in.Actions
	if text == "" {
		text = RenderActions(in.Items)
	}
	system, user := prompts(mode, g.fitBudget(text), n)
	if err := g.streamWithRetry(ctx, system, user, emit); err != nil {
		return nil, err
	}
	return Topics(items), nil
}

// bytesPerTokenBound bounds the work of fitBudget: it tokenizes at most
// the last MaxHistoryTokens*bytesPerTokenBound bytes of a text. Ordinary
// text runs 3 to 5 bytes a token, so this loses nothing but in text made
// of unusually long tokens (long runs of one character), of which fewer
// are then kept than the budget allows.
const bytesPerTokenBound = 16

// fitBudget returns the newest part of actions (activity text lists the
// oldest first) that fits MaxHistoryTokens: whole lines from its end,
// or the end of its last line when that alone is too long.
func (g *Generator) fitBudget(actions string) string {
	budget := g.cfg.MaxHistoryTokens
	text := actions
	if limit := budget * bytesPerTokenBound; len(text) > limit {
		text = text[len(text)-limit:]
	}
	if len(text) == len(actions) && g.CountTokens(text) <= budget {
		return actions
	}
	cut := max(0, len(text)-4*budget) // the estimate CountTokens falls back on
	if _, tokens, err := g.codec().Encode(text); err == nil {
		// The tokens of a text are its bytes in order: the last
		// budget of them start at cut.
		cut = len(text)
		for _, tok := range tokens[max(0, len(tokens)-budget):] {
			cut -= len(tok)
		}
	}
	for {
		if cut > 0 && text[cut-1] != '\n' {
			if nl := strings.IndexByte(text[cut:], '\n'); nl >= 0 && cut+nl+1 < len(text) {
				cut += nl + 1 // start at a whole line
			}
		}
		for cut < len(text) && !utf8.RuneStart(text[cut]) {
			cut++ // a token may end inside a character
		}
		// A text cut at a line or a token boundary is tokenized almost
		// always as that part of the whole was; check, and cut further
		// (a line or a token) in the rare case it was not.
		if g.CountTokens(text[cut:]) <= budget {
			return text[cut:]
		}
		cut++
	}
}

// MaxBullets is the largest bullet count a recap may ask for.
const MaxBullets = 15
