package latency

import (
	"testing"
	"time"
)

// TestTimings: percentiles over every run, and over each case's fastest.
func TestTimings(t *testing.T) {
	r := NewRecorder(2)
	if got := r.Timings(); got != (Timings{}) {
		t.Fatalf("empty recorder: %+v", got)
	}
	for round := range 3 {
		r.Time(0, func() { time.Sleep(time.Duration(3-round) * time.Millisecond) })
		r.Time(1, func() { time.Sleep(20 * time.Millisecond) })
	}
	got := r.Timings()
	if got.N != 6 || got.P50 > got.P99 || got.P99 < 20*time.Millisecond || got.Best99 < 20*time.Millisecond {
		t.Fatalf("timings %+v: want 6 runs, p50 <= p99, p99 and best99 at least 20 ms", got)
	}
	if r.best[0] >= 2*time.Millisecond || r.best[0] < time.Millisecond {
		t.Fatalf("case 0's fastest run %s, want its 1 ms round", r.best[0])
	}
	if cases, best := r.Slowest(1); len(cases) != 1 || cases[0] != 1 || best[0] != r.best[1] {
		t.Fatalf("slowest case %v (%v), want case 1 and its fastest run %s", cases, best, r.best[1])
	}
	if cases, _ := r.Slowest(5); len(cases) != 2 || cases[1] != 0 {
		t.Fatalf("slowest 5 of 2 cases: %v, want [1 0]", cases)
	}
}
