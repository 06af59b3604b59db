package analytics

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gitpulse/gitpulse/internal/index"
)

// TestTimeOrder compares the radix sort of the view's time order with a
// comparison sort by the same rule (ascending time, ties a larger
// position first) on times with many ties, already in order, nearly in
// order, spanning the whole int64 range, with unknown dates and with
// halves that take different numbers of passes.
func TestTimeOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := int64(1_700_000_000)
	cases := map[string]func(n int) []int64{
		"many ties": func(n int) []int64 {
			return randomTimes(n, func(int) int64 { return base + rng.Int64N(8) })
		},
		"newest first": func(n int) []int64 {
			return randomTimes(n, func(i int) int64 { return base - int64(i/3) })
		},
		"nearly newest first": func(n int) []int64 {
			return randomTimes(n, func(i int) int64 {
				if rng.IntN(20) == 0 {
					return base + rng.Int64N(int64(n)) - int64(n)/2
				}
				return base - int64(i)
			})
		},
		"wide and unknown": func(n int) []int64 {
			extremes := []int64{math.MinInt64, math.MinInt64 + 1, math.MaxInt64, index.UnknownTime, -1, 0, 1, base, -base}
			return randomTimes(n, func(int) int64 {
				if rng.IntN(2) == 0 {
					return extremes[rng.IntN(len(extremes))]
				}
				return rng.Int64() - rng.Int64()
			})
		},
		"halves sorted in passes of different parity": func(n int) []int64 {
			return randomTimes(n, func(i int) int64 {
				if i >= n-n/2 {
					return base + rng.Int64N(4)
				}
				return base + rng.Int64N(1<<16)<<8
			})
		},
		"bytes apart": func(n int) []int64 {
			return randomTimes(n, func(int) int64 { return base + rng.Int64N(4)<<(8*rng.IntN(7)) })
		},
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			for _, n := range []int{0, 1, 2, 3, 10, 257, 5000} {
				times := gen(n)
				want := make([]int32, n)
				for k := range want {
					want[k] = int32(k)
				}
				slices.SortFunc(want, func(a, b int32) int {
					return cmp.Or(cmp.Compare(times[a], times[b]), cmp.Compare(b, a))
				})
				pos, sorted := make([]int32, n), make([]int64, n)
				timeOrder(times, pos, sorted, make([]int64, n))
				if !slices.Equal(pos, want) {
					t.Fatalf("n=%d: order %v, want %v", n, pos, want)
				}
				for k, i := range want {
					if sorted[k] != times[i] {
						t.Fatalf("n=%d: time %d at %d, want %d", n, sorted[k], k, times[i])
					}
				}
			}
		})
	}
}

func randomTimes(n int, at func(i int) int64) []int64 {
	times := make([]int64, n)
	for i := range times {
		times[i] = at(i)
	}
	return times
}

// TestViewOrders compares the orders a view prepares with the ones made
// the plain way: commits sorted by time (ties older in git log order
// first), their author identities, and each identity's commits in that
// order.
func TestViewOrders(t *testing.T) {
	for vk, v := range timeViews(t) {
		x := v.x
		byTime := make([]int32, x.Len())
		for i := range byTime {
			byTime[i] = int32(i)
		}
		slices.SortFunc(byTime, func(a, b int32) int {
			return cmp.Or(cmp.Compare(x.AuthorTime[a], x.AuthorTime[b]), cmp.Compare(b, a))
		})
		if !slices.Equal(v.byTime, byTime) {
			t.Fatalf("view %d: time order differs from the comparison sort's", vk)
		}
		for k, i := range byTime {
			if v.sortedTime[k] != x.AuthorTime[i] || v.sortedIdent[k] != x.Author[i] {
				t.Fatalf("view %d: time or identity %d is not commit %d's", vk, k, i)
			}
		}
		for a := range x.Idents {
			var pos []int32
			var times []int64
			for _, i := range byTime {
				if x.Author[i] == uint32(a) {
					pos, times = append(pos, i), append(times, x.AuthorTime[i])
				}
			}
			lo, hi := v.identOff[a], v.identOff[a+1]
			if !slices.Equal(v.identPos[lo:hi], pos) || !slices.Equal(v.identTime[lo:hi], times) {
				t.Fatalf("view %d: identity %d's commits %v, want %v", vk, a, v.identPos[lo:hi], pos)
			}
		}
	}
}
