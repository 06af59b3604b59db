package providers

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// Transport is an http.RoundTripper that retries, a bounded number of
// times, the replies a provider asks to be retried: rate-limit replies (429,
// or GitHub's 403 with X-RateLimit-Remaining: 0 or Retry-After) after the
// wait they name (Retry-After, X-RateLimit-Reset or RateLimit-Reset), and
// 502/503/504 and network errors of idempotent requests with exponential
// backoff. A wait longer than MaxWait is not waited for: the reply is
// returned as is, for the caller to report with its reset time.
type Transport struct {
	// Base does the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// MaxRetries bounds the retries of one request (default 3).
	MaxRetries int
	// MaxWait is the longest single wait honoured (default 20 s).
	MaxWait time.Duration
	// Backoff is the first delay when the reply names none (default
	// 500 ms); it doubles on every retry.
	Backoff time.Duration
}

// Transport defaults.
const (
	defaultRetries = 3
	defaultMaxWait = 20 * time.Second
	defaultBackoff = 500 * time.Millisecond
	// ClientTimeout bounds one request to a provider, retries included.
	ClientTimeout = 60 * time.Second
)

// NewClient returns an HTTP client for provider APIs: repeated GETs made
// conditional (Conditional), retries as Transport does, over base (nil:
// http.DefaultTransport), with ClientTimeout.
func NewClient(base http.RoundTripper) *http.Client {
	return &http.Client{Transport: NewConditional(&Transport{Base: base}), Timeout: ClientTimeout}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	retries := t.MaxRetries
	if retries <= 0 {
		retries = defaultRetries
	}
	maxWait := t.MaxWait
	if maxWait <= 0 {
		maxWait = defaultMaxWait
	}
	backoff := t.Backoff
	if backoff <= 0 {
		backoff = defaultBackoff
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := base.RoundTrip(r)
		if attempt >= retries || !replayable {
			return resp, err
		}
		var wait time.Duration
		switch {
		case err != nil:
			if !idempotent || req.Context().Err() != nil {
				return resp, err
			}
			wait = backoff << attempt
		default:
			w, limited := rateLimitWait(resp, time.Now())
			switch {
			case limited && w > maxWait:
				return resp, nil
			case limited:
				wait = max(w, backoff)
			case idempotent && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout):
				wait = backoff << attempt
				if w > 0 {
					wait = w
				}
				if wait > maxWait {
					return resp, nil
				}
			default:
				return resp, nil
			}
			// Drain a little so the connection can be reused, then retry.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			_ = resp.Body.Close() // read, not written: its Close has nothing to report
		}
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// rateLimitWait reads a reply's rate-limit signals: whether it is a
// rate-limit refusal (429; 403 with X-RateLimit-Remaining: 0 or a
// Retry-After, as GitHub sends) and how long the reply asks to wait
// (fault.RetryAfter: Retry-After as seconds or a date; else X-RateLimit-Reset or
// RateLimit-Reset as a Unix time or, if small, seconds from now). The wait
// is also read for other replies, such as a 503 with Retry-After.
func rateLimitWait(resp *http.Response, now time.Time) (wait time.Duration, limited bool) {
	h := resp.Header
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		limited = true
	case http.StatusForbidden:
		limited = h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != ""
	}
	if wait, ok := fault.RetryAfter(h, now); ok {
		return wait, limited
	}
	if !limited {
		return 0, false
	}
	for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		n, err := strconv.ParseInt(h.Get(name), 10, 64)
		if err != nil || n < 0 {
			continue
		}
		if n > 1_000_000_000 { // a Unix time
			return max(time.Unix(n, 0).Sub(now), 0), true
		}
		return time.Duration(n) * time.Second, true
	}
	return 0, true
}
