package analytics

// timeCols are commit positions and their author times, in some order.
type timeCols struct {
	pos  []int32
	time []int64
}

// timeOrder sorts the commits by ascending author time, ties older in git
// log order (a larger position) first. a and b must each have columns as
// long as times; one of them is returned filled in that order (sorted),
// the other is left as scratch.
//
// It is a least-significant-digit radix sort by byte of the time's
// distance from the least one, so it costs a few passes whatever the
// order: the bytes that are the same in every time are skipped, and an
// input already in order (git log lists newest first, so the reversed
// order often is) costs one pass. Being stable, it keeps the starting
// order, positions descending, among equal times.
func timeOrder(times []int64, a, b timeCols) (sorted, scratch timeCols) {
	n := len(times)
	if n == 0 {
		return a, b
	}
	inOrder := true
	lo, hi := times[n-1], times[n-1]
	for k := range n {
		i := n - 1 - k
		t := times[i]
		a.pos[k], a.time[k] = int32(i), t
		if t < hi {
			inOrder = false
		}
		lo, hi = min(lo, t), max(hi, t)
	}
	if inOrder {
		return a, b
	}
	// The distance from lo as an unsigned number orders the times, even
	// when it does not fit an int64.
	digits := 0
	for span := uint64(hi) - uint64(lo); span > 0; span >>= 8 {
		digits++
	}
	var counts [8][256]uint32
	for _, t := range a.time {
		d := uint64(t) - uint64(lo)
		for j := range digits {
			counts[j][byte(d>>(8*j))]++
		}
	}
	for j := range digits {
		shift := uint(8 * j)
		c := &counts[j]
		if c[byte((uint64(a.time[0])-uint64(lo))>>shift)] == uint32(n) {
			continue // the same byte in every time
		}
		var sum uint32
		for d := range c {
			sum, c[d] = sum+c[d], sum
		}
		for k, t := range a.time {
			d := byte((uint64(t) - uint64(lo)) >> shift)
			to := c[d]
			c[d]++
			b.pos[to], b.time[to] = a.pos[k], t
		}
		a, b = b, a
	}
	return a, b
}
