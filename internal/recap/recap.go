// Package recap turns a developer's activity (commits, pull requests, issues,
// releases) into the text a language model reads, keeps that text inside a
// token budget, and streams a generated recap, release notes or pull-request
// description from an OpenAI-compatible or Anthropic model, or, with no model
// configured, from a deterministic built-in summariser that needs no network.
package recap

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tiktoken-go/tokenizer"
)

// Item is one piece of activity.
type Item struct {
	// Kind is "commit", "pull_request", "issue" or "release".
	Kind string `json:"kind"`
	// Repo names the repository the item belongs to.
	Repo string `json:"repo"`
	// Date is when the item happened; its location decides its day heading.
	Date time.Time `json:"date"`
	// Message is the commit message, or the title of a pull request, issue
	// or release. Only its first line is rendered.
	Message string `json:"message"`
	// Number is the pull-request or issue number, 0 if none.
	Number int `json:"number,omitempty"`
	// Author is who made the item; it is not rendered.
	Author string `json:"author,omitempty"`
	// SHA is a commit's hash (for a pull request's commit, the commit's), so
	// that a commit listed twice is counted once; it is not rendered.
	SHA string `json:"sha,omitempty"`
}

// Item kinds.
const (
	KindCommit      = "commit"
	KindPullRequest = "pull_request"
	KindIssue       = "issue"
	KindRelease     = "release"
)

// Mode selects what GenerateResponse writes.
type Mode string

// Modes.
const (
	// ModeRecap writes exactly n bullets summarising the activity.
	ModeRecap Mode = "recap"
	// ModeRelease writes release notes grouped by kind of change.
	ModeRelease Mode = "release"
	// ModePullRequest writes a pull-request description from its commits.
	ModePullRequest Mode = "pull_request"
)

// ErrInvalid is wrapped by errors caused by the caller's input (a bad mode,
// bullet count or configuration), as opposed to failures of the model.
var ErrInvalid = errors.New("invalid input")

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
	cfg      Config
	codec    tokenizer.Codec
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
	codec, err := codecFor(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	g := &Generator{cfg: cfg, codec: codec, backoff: 500 * time.Millisecond}
	switch cfg.Provider {
	case ProviderOpenAI:
		g.streamer = newOpenAIClient(cfg)
	case ProviderAnthropic:
		g.streamer = newAnthropicClient(cfg)
	}
	return g, nil
}

// codecFor returns the vocabulary for an OpenAI model, and o200k_base (the
// vocabulary of current OpenAI models, a fair estimate for others) otherwise.
func codecFor(model string) (tokenizer.Codec, error) {
	if c, err := tokenizer.ForModel(tokenizer.Model(model)); err == nil {
		return c, nil
	}
	return tokenizer.Get(tokenizer.O200kBase)
}

// Config returns the configuration in use, defaults applied.
func (g *Generator) Config() Config { return g.cfg }

// CountTokens returns the number of tokens in text, counted offline with
// the model's vocabulary (o200k_base for models it does not know).
func (g *Generator) CountTokens(text string) int {
	n, err := g.codec.Count(text)
	if err != nil { // invalid UTF-8 only: estimate
		return (len(text) + 3) / 4
	}
	return n
}

// TrimItems sorts items by date and drops the oldest until at most
// MaxItems are left and RenderActions(kept) fits in MaxHistoryTokens;
// trimmed is how many were dropped. items is not modified.
func (g *Generator) TrimItems(items []Item) (kept []Item, trimmed int) {
	sorted := sortedItems(items)
	lo, n := max(0, len(sorted)-MaxItems), len(sorted) // never more than MaxItems
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
func (g *Generator) estimateStart(sorted []Item, lo int) int {
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

// GenerateResponse writes the response for mode from actions (the text of
// RenderActions, possibly edited by a client) and calls emit for each chunk.
// For ModeRecap, n is the number of bullets, 1 to 15; other modes ignore n.
// It uses the configured model, retrying refusals with status 429 or 5xx
// until the first chunk is emitted, within the configured total Timeout, or
// the built-in summariser when no model is configured.
// Errors caused by the input wrap ErrInvalid; API refusals are *StatusError.
func (g *Generator) GenerateResponse(ctx context.Context, mode Mode, actions string, n int, emit func(chunk string) error) error {
	switch mode {
	case ModeRecap:
		if n < 1 || n > MaxBullets {
			return fmt.Errorf("%w: bullet count %d is not between 1 and %d", ErrInvalid, n, MaxBullets)
		}
	case ModeRelease, ModePullRequest:
	default:
		return fmt.Errorf("%w: unknown mode %q", ErrInvalid, mode)
	}
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	if g.streamer == nil {
		return summarise(ctx, mode, actions, n, emit)
	}
	system, user := prompts(mode, actions, n)
	return g.streamWithRetry(ctx, system, user, emit)
}

// MaxBullets is the largest bullet count a recap may ask for.
const MaxBullets = 15
