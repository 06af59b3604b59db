// Package latency records the run times of a query over a set of cases,
// round after round, and reports their percentiles: over every run, and
// over each case's fastest run (the cost without a shared machine's
// pauses).
package latency

import (
	"cmp"
	"slices"
	"time"
)

// Recorder collects run times of cases numbered 0 to n-1.
type Recorder struct {
	all  []time.Duration
	best []time.Duration
}

// NewRecorder returns a Recorder for n cases.
func NewRecorder(n int) *Recorder {
	return &Recorder{best: make([]time.Duration, n)}
}

// Time runs fn as case k and records how long it took.
func (r *Recorder) Time(k int, fn func()) {
	start := time.Now()
	fn()
	d := time.Since(start)
	r.all = append(r.all, d)
	if r.best[k] == 0 || d < r.best[k] {
		r.best[k] = d
	}
}

// Timings are the percentiles of what a Recorder collected.
type Timings struct {
	// P50 and P99 are over every run; Best99 is the 99th percentile of
	// the cases' fastest runs.
	P50, P99, Best99 time.Duration
	// N is how many runs were recorded.
	N int
}

// Timings returns the percentiles of the runs recorded so far (zero
// before any).
func (r *Recorder) Timings() Timings {
	if len(r.all) == 0 {
		return Timings{}
	}
	all, best := slices.Sorted(slices.Values(r.all)), slices.Sorted(slices.Values(r.best))
	return Timings{P50: all[len(all)/2], P99: all[len(all)*99/100], Best99: best[len(best)*99/100], N: len(all)}
}

// Slowest returns the n cases (all of them when fewer) whose fastest runs
// took the longest, longest first (ties by case number), with those runs.
func (r *Recorder) Slowest(n int) (cases []int, best []time.Duration) {
	cases = make([]int, len(r.best))
	for k := range cases {
		cases[k] = k
	}
	slices.SortStableFunc(cases, func(a, b int) int { return cmp.Compare(r.best[b], r.best[a]) })
	cases = cases[:min(n, len(cases))]
	for _, k := range cases {
		best = append(best, r.best[k])
	}
	return cases, best
}
