package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testredis"
)

// logBuffer is a concurrency-safe buffer for a test's slog output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// count reports how many log lines contain s.
func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

const failedMsg = "rate limit backend failed"

func TestFallbackSurvivesRedisOutage(t *testing.T) {
	srv := testredis.Start(t)
	log, logs := newTestLogger()
	l := Fallback(NewRedis(newRedisClient(t, srv), 3, 10*time.Second), NewMemory(3, 10*time.Second), log)

	mustAllow(t, l, "client") // counted in Redis only
	srv.Stop()

	// The local limiter now decides alone, from a fresh budget of 3.
	for i := range 3 {
		if res := mustAllow(t, l, "client"); !res.Allowed || res.Remaining != 2-i {
			t.Fatalf("request %d with Redis down: got %+v, want allowed with %d remaining", i+1, res, 2-i)
		}
	}
	for range 20 {
		if res := mustAllow(t, l, "client"); res.Allowed {
			t.Fatalf("request over the local budget allowed: %+v", res)
		}
	}
	if got := logs.count(failedMsg); got != 1 {
		t.Fatalf("logged %d warnings, want 1:\n%s", got, logs.buf.String())
	}
	if logs.count("level=WARN") != 1 {
		t.Fatalf("the failure was not logged as a warning:\n%s", logs.buf.String())
	}
}

// flakyLimiter fails while down is set and counts its calls.
type flakyLimiter struct {
	down  bool
	calls int
}

func (f *flakyLimiter) Allow(context.Context, string) (Result, error) {
	f.calls++
	if f.down {
		return Result{}, errors.New("connection refused")
	}
	return Result{Allowed: true, Limit: 99, Remaining: 98, Reset: time.Second}, nil
}

func TestFallbackWarnsAtMostEvery30s(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	log, logs := newTestLogger()
	primary := &flakyLimiter{down: true}
	l := Fallback(primary, NewMemory(1000, time.Hour), log).(*fallback)
	l.now = clock.now

	for range 29 { // one request per second for 29 s
		mustAllow(t, l, "k")
		clock.advance(time.Second)
	}
	if got := logs.count(failedMsg); got != 1 {
		t.Fatalf("after 29 s: %d warnings, want 1", got)
	}
	clock.advance(time.Second)
	mustAllow(t, l, "k")
	if got := logs.count(failedMsg); got != 2 {
		t.Fatalf("after 30 s: %d warnings, want 2", got)
	}
}

func TestFallbackSkipsFailedPrimaryThenRecovers(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	log, logs := newTestLogger()
	primary := &flakyLimiter{down: true}
	l := Fallback(primary, NewMemory(1000, time.Hour), log).(*fallback)
	l.now = clock.now

	for range 10 {
		if res := mustAllow(t, l, "k"); res.Limit != 1000 {
			t.Fatalf("decided by the failing primary: %+v", res)
		}
	}
	if primary.calls != 1 {
		t.Fatalf("primary asked %d times within a second of failing, want 1", primary.calls)
	}

	primary.down = false
	clock.advance(retryPrimaryAfter)
	if res := mustAllow(t, l, "k"); res.Limit != 99 {
		t.Fatalf("not decided by the recovered primary: %+v", res)
	}
	mustAllow(t, l, "k")
	if got := logs.count("rate limit backend recovered"); got != 1 {
		t.Fatalf("logged recovery %d times, want 1", got)
	}
}

func TestFallbackAllowsWhenBothFail(t *testing.T) {
	l := Fallback(&flakyLimiter{down: true}, &flakyLimiter{down: true}, nil)
	res, err := l.Allow(context.Background(), "k")
	if err != nil || !res.Allowed {
		t.Fatalf("got %+v, %v; want allowed without error", res, err)
	}
}

func TestFallbackCancelledRequestIsNoOutage(t *testing.T) {
	log, logs := newTestLogger()
	l := Fallback(&flakyLimiter{down: true}, NewMemory(5, time.Second), log)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Allow(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if got := logs.count(failedMsg); got != 0 {
		t.Fatalf("a cancelled request logged %d warnings, want 0", got)
	}
}
