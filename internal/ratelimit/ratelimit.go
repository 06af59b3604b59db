// Package ratelimit limits how many requests each client may make per
// time window. It is shared by every HTTP endpoint and WebSocket upgrade.
//
// Two limiters implement the same fixed-window policy: Memory, for a single
// process, and Redis, shared by every process using one Redis server.
// Fallback combines them so that a Redis outage degrades to per-process
// limits instead of failing requests. Middleware applies a Limiter to an
// http.Handler and sets the X-RateLimit-* headers.
//
// A fixed window allows at most limit requests between the first request of
// a window and window later. Both limiters use it, so they answer alike,
// counts are exact and X-RateLimit-Reset is the real moment the budget is
// refilled. A client may burst up to twice the limit across a window edge;
// for throttling abuse that is accepted in exchange for those properties.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Result is one decision.
type Result struct {
	Allowed    bool
	Limit      int           // requests per window
	Remaining  int           // requests left in the current window (>= 0)
	Reset      time.Duration // until the window resets and the budget is full again
	RetryAfter time.Duration // when !Allowed: how long to wait before the next request is allowed
}

// Limiter decides whether the client identified by key may make a request
// now, and counts the request.
type Limiter interface {
	// Allow counts one request for key. It returns an error only when the
	// backend fails (for example, Redis is unreachable); a refused request
	// is a Result with Allowed false, not an error.
	Allow(ctx context.Context, key string) (Result, error)
}

// checkParams panics on a limit or window no limiter can honour: both
// come from validated configuration, so a bad value is a programming error.
func checkParams(limit int, window time.Duration) {
	if limit < 1 || window < time.Millisecond {
		panic(fmt.Sprintf("ratelimit: invalid limit %d per %v (need >= 1 per >= 1ms)", limit, window))
	}
}

// decide builds the Result for the count-th request of a window that
// resets after reset.
func decide(limit, count int, reset time.Duration) Result {
	res := Result{
		Allowed:   count <= limit,
		Limit:     limit,
		Remaining: max(limit-count, 0),
		Reset:     reset,
	}
	if !res.Allowed {
		res.RetryAfter = reset
	}
	return res
}
