package analytics

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/gitpulse/gitpulse/internal/index"
)

// timeOrder sorts the commits by ascending author time, ties older in git
// log order (a larger position) first, into pos (the positions) and
// sorted (their times); scratch is overwritten. All are as long as times.
//
// git log lists newest first, so often the reversed positions are in
// order already: that costs one pass. Else each commit gets a key that
// holds its time's place among the dates (unknown first, then the
// distance from the least known one) above its place in the reversed
// positions, and two goroutines each sort half of the keys by their
// time's place (see sortKeys), which a merge joins. Keys are unique and
// ties keep the reversed positions' order. A history whose dates are too
// far apart for keys of 64 bits is sorted by comparison.
func timeOrder(times []int64, pos []int32, sorted, scratch []int64) {
	n := len(times)
	h := n / 2
	// Two goroutines look at the times a half each (sharing one).
	var first timeRange
	var wg sync.WaitGroup
	wg.Go(func() { first = rangeOf(times[:min(h+1, n)]) })
	r := rangeOf(times[h:])
	wg.Wait()
	inOrder := first.newestFirst && r.newestFirst
	lo, hi := min(first.lo, r.lo), max(first.hi, r.hi)
	posBits := bits.Len(uint(max(n-1, 0)))
	// place is 0 for an unknown time, else 1 + the distance from lo as an
	// unsigned number, which orders the times even when it overflows an
	// int64.
	placeBits := bits.Len64(uint64(hi) - uint64(lo) + 1)
	if inOrder || placeBits+posBits > 64 {
		for k := range n {
			pos[k] = int32(n - 1 - k)
		}
		if !inOrder {
			slices.SortFunc(pos, func(a, b int32) int {
				return cmp.Or(cmp.Compare(times[a], times[b]), cmp.Compare(b, a))
			})
		}
		for k, i := range pos {
			sorted[k] = times[i]
		}
		return
	}
	// Two goroutines sort a half each into scratch, then merge them into
	// pos and sorted: one the smaller half of the keys from the front,
	// the other the larger from the back.
	wg.Go(func() { sortKeys(times, sorted[:h], scratch[:h], 0, lo, posBits, placeBits) })
	sortKeys(times, sorted[h:], scratch[h:], h, lo, posBits, placeBits)
	wg.Wait()
	// Each merge takes fewer keys than a half holds, but for the back
	// one when n is odd: it may take all of the first half.
	wg.Go(func() {
		i, j := 0, h
		for k := range h {
			key := uint64(scratch[i])
			if other := uint64(scratch[j]); other < key {
				key = other
				j++
			} else {
				i++
			}
			pos[k], sorted[k] = decodeKey(key, lo, posBits, n)
		}
	})
	i, j := h-1, n-1
	for k := n - 1; k >= h; k-- {
		key := uint64(scratch[j])
		if i >= 0 && uint64(scratch[i]) > key {
			key = uint64(scratch[i])
			i--
		} else {
			j--
		}
		pos[k], sorted[k] = decodeKey(key, lo, posBits, n)
	}
	wg.Wait()
}

// timeRange says whether some times are newest first (in descending
// order), and the least and greatest of the known ones (lo > hi when
// none is known).
type timeRange struct {
	newestFirst bool
	lo, hi      int64
}

func rangeOf(times []int64) timeRange {
	r := timeRange{newestFirst: true, lo: math.MaxInt64, hi: math.MinInt64}
	for i, t := range times {
		if i > 0 && t > times[i-1] {
			r.newestFirst = false
		}
		if t != index.UnknownTime {
			r.lo, r.hi = min(r.lo, t), max(r.hi, t)
		}
	}
	return r
}

// decodeKey returns the position and time of a key of timeOrder.
func decodeKey(key uint64, lo int64, posBits, n int) (int32, int64) {
	pos := int32(n - 1 - int(key&(1<<posBits-1)))
	if place := key >> posBits; place > 0 {
		return pos, int64(uint64(lo) + place - 1)
	}
	return pos, index.UnknownTime
}

// sortKeys makes the keys of timeOrder for the commits at places from,
// from+1, ... of the reversed positions (len(out) of them, at least one)
// and sorts them into out, using keys as scratch. It is a
// least-significant-digit radix sort of the time's place by digits of up
// to 11 bits, all as wide (30 bits, 34 years of seconds, take 3 passes),
// skipping the digits that are the same in every key; being stable, it
// keeps the order of the reversed positions among equal times.
func sortKeys(times []int64, keys, out []int64, from int, lo int64, posBits, placeBits int) {
	n := len(times)
	passes := (placeBits + 10) / 11
	width := (placeBits + passes - 1) / max(passes, 1)
	mask := uint64(1)<<width - 1
	var counts [6][1 << 11]uint32
	for k := range keys {
		t := times[n-1-from-k]
		place := uint64(0)
		if t != index.UnknownTime {
			place = uint64(t) - uint64(lo) + 1
		}
		keys[k] = int64(place<<posBits | uint64(from+k))
		for j := range passes {
			counts[j][place>>(width*j)&mask]++
		}
	}
	tmp := out
	for j := range passes {
		shift := uint(posBits + width*j)
		c := counts[j][:mask+1]
		if c[uint64(keys[0])>>shift&mask] == uint32(len(keys)) {
			continue // the same digit in every key
		}
		var sum uint32
		for d := range c {
			sum, c[d] = sum+c[d], sum
		}
		for _, key := range keys {
			d := uint64(key) >> shift & mask
			tmp[c[d]] = key
			c[d]++
		}
		keys, tmp = tmp, keys
	}
	if &keys[0] != &out[0] {
		copy(out, keys)
	}
}
