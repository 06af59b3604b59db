package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestMemory(t *testing.T) {
	testContract(t, func(_ *testing.T, limit int, window time.Duration) Limiter {
		return NewMemory(limit, window)
	})
}

// len reports how many keys m tracks.
func (m *Memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows)
}

// fakeClock is a settable clock for tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestMemorySweepsIdleKeys(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	m := NewMemory(10, time.Second)
	m.now = clock.now
	for i := range 1000 {
		mustAllow(t, m, fmt.Sprintf("client-%d", i))
	}
	if got := m.len(); got != 1000 {
		t.Fatalf("tracking %d keys, want 1000", got)
	}
	clock.advance(time.Second)
	mustAllow(t, m, "late")
	if got := m.len(); got != 1 {
		t.Fatalf("after the window: tracking %d keys, want 1 (idle keys dropped)", got)
	}
}

func TestMemoryResetCountsDown(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	m := NewMemory(2, 3*time.Second)
	m.now = clock.now
	mustAllow(t, m, "k")
	clock.advance(1200 * time.Millisecond)
	mustAllow(t, m, "k")
	res := mustAllow(t, m, "k")
	if res.Allowed || res.Reset != 1800*time.Millisecond || res.RetryAfter != 1800*time.Millisecond {
		t.Fatalf("got %+v, want refused with Reset and RetryAfter 1.8s", res)
	}
	clock.advance(1800 * time.Millisecond)
	if res := mustAllow(t, m, "k"); !res.Allowed || res.Remaining != 1 || res.Reset != 3*time.Second {
		t.Fatalf("new window: got %+v, want allowed, 1 remaining, Reset 3s", res)
	}
}

func TestNewMemoryPanicsOnBadParams(t *testing.T) {
	for _, tc := range []struct {
		limit  int
		window time.Duration
	}{{0, time.Second}, {-1, time.Second}, {1, 0}, {1, time.Microsecond}} {
		t.Run(fmt.Sprintf("%d per %v", tc.limit, tc.window), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			NewMemory(tc.limit, tc.window)
		})
	}
}

func BenchmarkMemoryAllow(b *testing.B) {
	m := NewMemory(1_000_000, time.Minute)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		mustAllow(b, m, keys[i%len(keys)])
		i++
	}
}
