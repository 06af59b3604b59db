package recap

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// StatusError is an HTTP error status returned by a model's API.
type StatusError struct {
	// Provider is "openai" or "anthropic".
	Provider string
	// StatusCode is the HTTP status.
	StatusCode int
	// RetryAfter is the delay the API asked for, 0 if none.
	RetryAfter time.Duration
	err        error
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: status %d %s", e.Provider, e.StatusCode, http.StatusText(e.StatusCode))
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

// As presents e as a *fault.Error: a model's API that refuses or fails is
// unavailable to the user (its credentials are the operator's), rate
// limited on a 429.
func (e *StatusError) As(target any) bool {
	t, ok := target.(**fault.Error)
	if !ok {
		return false
	}
	f := &fault.Error{Kind: fault.Unavailable, Message: fmt.Sprintf("the model's API failed (HTTP %d)", e.StatusCode)}
	if e.StatusCode == http.StatusTooManyRequests {
		f.Kind, f.Message = fault.RateLimited, "the model's API is rate limited"
		if e.RetryAfter > 0 {
			f.RetryAt = time.Now().Add(e.RetryAfter)
		}
	}
	*t = f
	return true
}

// Unwrap returns the API's own error message (its key masked), nil if it
// sent none.
func (e *StatusError) Unwrap() error { return e.err }

// Temporary reports whether retrying may succeed: 429 and 5xx.
func (e *StatusError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// newStatusError builds a StatusError from a refusal and its cause.
func newStatusError(provider string, resp *http.Response, cause error) *StatusError {
	wait, _ := fault.RetryAfter(resp.Header, time.Now())
	return &StatusError{Provider: provider, StatusCode: resp.StatusCode, RetryAfter: wait, err: cause}
}

// maxBackoff caps the delay between retries when the API names none.
const maxBackoff = 10 * time.Second

// streamWithRetry calls the streamer, retrying temporary refusals with
// backoff (the API's Retry-After when given) as long as no chunk has been
// emitted, the retries are not spent and the delay ends before ctx's deadline.
func (g *Generator) streamWithRetry(ctx context.Context, system, user string, emit func(string) error) error {
	emitted := false
	track := func(chunk string) error {
		emitted = true
		return emit(chunk)
	}
	for attempt := 0; ; attempt++ {
		err := g.streamer.Stream(ctx, system, user, track)
		var se *StatusError
		if err == nil || emitted || attempt >= g.cfg.MaxRetries || !errors.As(err, &se) || !se.Temporary() {
			return err
		}
		delay := se.RetryAfter
		if delay == 0 {
			delay = min(g.backoff<<attempt, maxBackoff)
			delay += rand.N(delay/5 + 1) // jitter, so clients refused together do not return together
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
