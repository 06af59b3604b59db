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
	// The runs are recorded in turn: case 0's are 0, 2 and 4. How long a
	// sleep overshoots depends on the machine's load, so the fastest run
	// is checked against the runs recorded, not against a bound.
	for k := range 2 {
		if want := min(r.all[k], r.all[k+2], r.all[k+4]); r.best[k] != want {
			t.Fatalf("case %d's fastest run %s, want the least of its runs %v", k, r.best[k], r.all[k:])
		}
	}
	if r.best[0] < time.Millisecond {
		t.Fatalf("case 0's fastest run %s, shorter than its shortest sleep", r.best[0])
	}
	slow, fast := 1, 0
	if r.best[0] > r.best[1] { // a 1 ms sleep that overran 20 ms on a loaded machine
		slow, fast = 0, 1
	}
	if cases, best := r.Slowest(1); len(cases) != 1 || cases[0] != slow || best[0] != r.best[slow] {
		t.Fatalf("slowest case %v (%v), want case %d and its fastest run %s", cases, best, slow, r.best[slow])
	}
	if cases, _ := r.Slowest(5); len(cases) != 2 || cases[0] != slow || cases[1] != fast {
		t.Fatalf("slowest 5 of 2 cases: %v, want [%d %d]", cases, slow, fast)
	}
}
