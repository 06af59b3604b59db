package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newLimiterFunc builds a fresh limiter for one contract test.
type newLimiterFunc func(t *testing.T, limit int, window time.Duration) Limiter

// testContract checks what every Limiter must do, against real time.
func testContract(t *testing.T, newLimiter newLimiterFunc) {
	t.Run("allows exactly limit then refuses", func(t *testing.T) {
		const limit, window = 5, 2 * time.Second
		l := newLimiter(t, limit, window)
		for i := range limit {
			res := mustAllow(t, l, "client")
			if !res.Allowed || res.Limit != limit || res.Remaining != limit-1-i {
				t.Fatalf("request %d: got %+v, want allowed with %d remaining", i+1, res, limit-1-i)
			}
			if res.Reset <= 0 || res.Reset > window || res.RetryAfter != 0 {
				t.Fatalf("request %d: Reset %v RetryAfter %v, want 0 < Reset <= %v and no RetryAfter", i+1, res.Reset, res.RetryAfter, window)
			}
		}
		res := mustAllow(t, l, "client")
		if res.Allowed || res.Remaining != 0 || res.Limit != limit {
			t.Fatalf("request %d: got %+v, want refused with 0 remaining", limit+1, res)
		}
		if res.RetryAfter <= 0 || res.RetryAfter > window || res.Reset != res.RetryAfter {
			t.Fatalf("refusal: Reset %v RetryAfter %v, want equal and in (0, %v]", res.Reset, res.RetryAfter, window)
		}
	})

	t.Run("allows again after the window", func(t *testing.T) {
		const limit, window = 3, 200 * time.Millisecond
		l := newLimiter(t, limit, window)
		for range limit {
			mustAllow(t, l, "client")
		}
		res := mustAllow(t, l, "client")
		if res.Allowed {
			t.Fatalf("request %d allowed: %+v", limit+1, res)
		}
		time.Sleep(res.RetryAfter + 20*time.Millisecond)
		if res := mustAllow(t, l, "client"); !res.Allowed || res.Remaining != limit-1 {
			t.Fatalf("after the window: got %+v, want allowed with %d remaining", res, limit-1)
		}
	})

	t.Run("keys are independent", func(t *testing.T) {
		l := newLimiter(t, 2, 2*time.Second)
		mustAllow(t, l, "a")
		mustAllow(t, l, "a")
		if res := mustAllow(t, l, "a"); res.Allowed {
			t.Fatalf("third request for a allowed: %+v", res)
		}
		if res := mustAllow(t, l, "b"); !res.Allowed || res.Remaining != 1 {
			t.Fatalf("first request for b: got %+v, want allowed with 1 remaining", res)
		}
	})

	t.Run("concurrent requests get exactly limit", func(t *testing.T) {
		const limit, clients = 30, 100
		l := newLimiter(t, limit, 10*time.Second)
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				res, err := l.Allow(context.Background(), "busy")
				if err != nil {
					t.Error(err)
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if got := allowed.Load(); got != limit {
			t.Fatalf("%d of %d concurrent requests allowed, want %d", got, clients, limit)
		}
	})
}

// mustAllow calls l.Allow and fails the test on an error.
func mustAllow(tb testing.TB, l Limiter, key string) Result {
	tb.Helper()
	res, err := l.Allow(context.Background(), key)
	if err != nil {
		tb.Fatalf("Allow(%q): %v", key, err)
	}
	return res
}
