package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

const (
	// warnEvery is the least time between two warnings about a failing
	// primary limiter, so an outage does not flood the log.
	warnEvery = 30 * time.Second
	// retryPrimaryAfter is how long requests skip a failed primary and go
	// straight to the local limiter, so an outage does not add a failed
	// round trip (or a dial timeout) to every request.
	retryPrimaryAfter = time.Second
)

// fallback is the Limiter returned by Fallback.
type fallback struct {
	primary, local Limiter
	log            *slog.Logger
	now            func() time.Time // time.Now; replaced in tests

	mu         sync.Mutex
	skipUntil  time.Time // primary is not tried before this
	lastWarn   time.Time
	degraded   bool // the last attempt at primary failed
	warnedOnce bool
}

// Fallback returns a Limiter that asks primary and, when primary fails (for
// example, Redis is down), local instead. After a failure primary is left
// alone for a second before it is tried again. A failure is logged as a
// warning at most once per 30 s, and the recovery once. The Limiter never
// returns an error: should local fail too, the request is allowed. A nil
// log discards the messages.
func Fallback(primary, local Limiter, log *slog.Logger) Limiter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &fallback{primary: primary, local: local, log: log, now: time.Now}
}

// Allow asks primary, or local when primary is failing.
func (f *fallback) Allow(ctx context.Context, key string) (Result, error) {
	if f.tryPrimary() {
		res, err := f.primary.Allow(ctx, key)
		if err == nil {
			f.recovered()
			return res, nil
		}
		if ctx.Err() == nil { // the client leaving is no backend failure
			f.failed(err)
		}
	}
	res, err := f.local.Allow(ctx, key)
	if err != nil {
		f.log.Warn("local rate limiter failed; allowing request", "err", err)
		return Result{Allowed: true}, nil
	}
	return res, nil
}

// tryPrimary reports whether primary should be asked now.
func (f *fallback) tryPrimary() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.now().Before(f.skipUntil)
}

// failed records a primary failure and warns unless it warned recently.
func (f *fallback) failed(err error) {
	f.mu.Lock()
	now := f.now()
	f.degraded = true
	f.skipUntil = now.Add(retryPrimaryAfter)
	warn := !f.warnedOnce || now.Sub(f.lastWarn) >= warnEvery
	if warn {
		f.lastWarn, f.warnedOnce = now, true
	}
	f.mu.Unlock()
	if warn {
		f.log.Warn("rate limit backend failed; using per-process limits", "err", err)
	}
}

// recovered logs once when primary answers again after failing.
func (f *fallback) recovered() {
	f.mu.Lock()
	was := f.degraded
	f.degraded = false
	f.mu.Unlock()
	if was {
		f.log.Info("rate limit backend recovered")
	}
}
