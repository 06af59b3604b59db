package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process fixed-window limiter. It is safe for concurrent
// use. Memory stays bounded: windows that have ended are dropped by a sweep
// that runs at most once per window, during Allow.
type Memory struct {
	limit  int
	window time.Duration
	now    func() time.Time // time.Now; replaced in tests

	mu        sync.Mutex
	windows   map[string]*fixedWindow
	lastSweep time.Time
}

// fixedWindow is one key's current window.
type fixedWindow struct {
	start time.Time
	count int // requests counted, capped at the limit
}

// NewMemory returns a limiter allowing limit requests per window for each
// key. It panics if limit < 1 or window < 1ms.
func NewMemory(limit int, window time.Duration) *Memory {
	checkParams(limit, window)
	return &Memory{
		limit:   limit,
		window:  window,
		now:     time.Now,
		windows: make(map[string]*fixedWindow),
	}
}

// Allow counts one request for key. It never returns an error.
func (m *Memory) Allow(_ context.Context, key string) (Result, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	w := m.windows[key]
	if w == nil || !now.Before(w.start.Add(m.window)) {
		w = &fixedWindow{start: now}
		m.windows[key] = w
	}
	count := w.count + 1
	w.count = min(count, m.limit)
	return decide(m.limit, count, w.start.Add(m.window).Sub(now)), nil
}

// sweep drops ended windows, at most once per window length. The caller
// holds m.mu.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < m.window {
		return
	}
	m.lastSweep = now
	for key, w := range m.windows {
		if !now.Before(w.start.Add(m.window)) {
			delete(m.windows, key)
		}
	}
}
