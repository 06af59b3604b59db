package ratelimit

import (
	"net/http"
	"strconv"
	"time"
)

// Middleware applies l to every request, keyed by keyFunc (ClientKey when
// nil).
//
// On every decided request it sets X-RateLimit-Limit, X-RateLimit-Remaining
// and X-RateLimit-Reset (whole seconds until the window resets, rounded up).
// An allowed request goes to next with the ResponseWriter untouched, so
// http.Flusher, http.Hijacker and WebSocket upgrades keep working.
//
// A refused request does not reach next: the middleware also sets
// Retry-After (whole seconds, rounded up, at least 1) and calls deny, which
// must write the status (normally 429) and the body: the service's one
// error mapping does (httpapi.DenyRateLimited). deny must not be nil.
//
// If l fails (only a Limiter without a fallback does), the request is
// allowed without rate-limit headers: a broken limiter must not take the
// service down.
func Middleware(l Limiter, keyFunc func(*http.Request) string, deny func(w http.ResponseWriter, r *http.Request, res Result)) func(http.Handler) http.Handler {
	if keyFunc == nil {
		keyFunc = ClientKey
	}
	if deny == nil {
		panic("ratelimit: Middleware needs a deny function")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, err := l.Allow(r.Context(), keyFunc(r))
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			setHeaders(w.Header(), res)
			if !res.Allowed {
				deny(w, r, res)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// setHeaders sets the rate-limit headers for res, and Retry-After when it
// is a refusal.
//
// The keys are written as the header map holds them (canonical, as
// Header.Set would make them), which spares the canonicalisation of every
// key on every request.
func setHeaders(h http.Header, res Result) {
	h["X-Ratelimit-Limit"] = []string{strconv.Itoa(res.Limit)}
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(res.Remaining)}
	h["X-Ratelimit-Reset"] = []string{strconv.FormatInt(ceilSeconds(res.Reset), 10)}
	if !res.Allowed {
		h["Retry-After"] = []string{strconv.FormatInt(max(ceilSeconds(res.RetryAfter), 1), 10)}
	}
}

// ceilSeconds is d in whole seconds, rounded up; never negative.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
