package index

import (
	"math/rand/v2"
	"testing"
)

// simulate runs a reading of [from, upto) with workers slots, each
// running one reader at a time; at each step a random running reader
// (faster ones more often) takes its next position. It returns how many
// times each position was taken, the readers started, and how many of
// them started with fewer than minShare commits of their own ahead.
func simulate(t *testing.T, rng *rand.Rand, from, upto, workers int) (takes []int, started, small int) {
	t.Helper()
	g := newReading(from, upto)
	takes = make([]int, upto-from)
	slots := make([]*reader, workers)
	speed := make([]int, workers)
	for w := range slots {
		speed[w] = 1 + rng.IntN(3)
	}
	start := func(w int) {
		r := g.next()
		slots[w] = r
		if r == nil {
			return
		}
		started++
		if started > 1 && r.last-r.first < minShare {
			small++
		}
	}
	for w := range slots {
		start(w)
	}
	for steps := 0; ; steps++ {
		if steps > 10*(upto-from)+100 {
			t.Fatalf("reading [%d, %d) with %d workers does not end", from, upto, workers)
		}
		var running []int
		for w, r := range slots {
			for k := 0; r != nil && k < speed[w]; k++ {
				running = append(running, w)
			}
		}
		if len(running) == 0 {
			return takes, started, small
		}
		w := running[rng.IntN(len(running))]
		r := slots[w]
		if r.next < r.first || r.next >= r.last || !g.take(r, r.next) {
			g.done(r) // met another reader's commits, or listed them all
			start(w)
			continue
		}
		step := 1
		if r.reverse {
			step = -1
		}
		takes[r.next-step-from]++
	}
}

// TestReadingPlan: the readers take every position once, whatever their
// speeds; one reader for fewer than two minShares of commits, two for a
// long history on two workers, and no reader after the first starts with
// fewer than minShare commits ahead of it.
func TestReadingPlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ from, upto, workers, readers int }{
		{0, 0, 2, 0}, {5, 5, 2, 0}, {0, 1, 2, 1}, {0, 511, 2, 1}, {3, 514, 2, 1}, {0, 512, 2, 2},
		{0, 81966, 2, 2}, {100, 81966, 2, 2}, {0, 81966, 1, 1}, {0, 300, 8, 1},
		{0, 20000, 3, -1}, {0, 20000, 4, -1}, {7, 2049, 8, -1}, {0, 50000, 5, -1},
	} {
		for range 5 {
			takes, started, small := simulate(t, rng, tc.from, tc.upto, tc.workers)
			for i, k := range takes {
				if k != 1 {
					t.Fatalf("[%d, %d) with %d workers: position %d taken %d times", tc.from, tc.upto, tc.workers, tc.from+i, k)
				}
			}
			if tc.readers >= 0 && started != tc.readers {
				t.Errorf("[%d, %d) with %d workers: %d readers, want %d", tc.from, tc.upto, tc.workers, started, tc.readers)
			}
			t.Logf("[%d, %d) with %d workers: %d readers", tc.from, tc.upto, tc.workers, started)
			if started > 3*tc.workers || small > 0 {
				t.Errorf("[%d, %d) with %d workers: %d readers, %d of them with fewer than %d commits", tc.from, tc.upto, tc.workers, started, small, minShare)
			}
		}
	}
}

// TestReadingAhead: ahead counts the free positions before a reader, in
// its direction, up to those another reader took or its run's end.
func TestReadingAhead(t *testing.T) {
	g := newReading(100, 1100)
	fwd := g.next()
	back := g.next()
	if fwd == nil || back == nil || fwd.reverse || !back.reverse {
		t.Fatalf("readers %+v %+v, want one from each end", fwd, back)
	}
	for i := 1099; i >= 1097; i-- {
		if !g.take(back, i) {
			t.Fatalf("position %d taken twice", i)
		}
	}
	for _, tc := range []struct {
		r            *reader
		limit, ahead int
	}{{fwd, 2000, 997}, {fwd, 3, 3}, {back, 2000, 997}, {back, 0, 0}} {
		if got := g.ahead(tc.r, tc.limit); got != tc.ahead {
			t.Errorf("ahead(reverse %v, %d) = %d, want %d", tc.r.reverse, tc.limit, got, tc.ahead)
		}
	}
	g.take(fwd, 100)
	g.take(fwd, 101)
	if got := g.ahead(back, 2000); got != 995 {
		t.Errorf("after two more taken, the reverse reader has %d ahead, want 995", got)
	}
}
