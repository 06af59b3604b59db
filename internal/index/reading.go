package index

import "sync"

// minShare is the fewest commits pass 2 starts another git process for
// while others are reading them: each process walks to its first commit
// and reads its trees and their delta bases with a cold cache, and on the
// generated 1M-commit repository 126 new commits cost git 39 ms of CPU in
// one process and 55 ms in two, which saved 7 ms of wall time on two idle
// cores and none on busy ones.
const minShare = 256

// reading is pass 2's plan over the commit positions [from, upto): which
// of them git log processes have read, and where those still reading go
// next. Each process reads a run of neighbouring commits, newest first or
// (git log --reverse) oldest first, taking them one by one, and stops at
// the first one another has taken. A worker that needs a process is given
// the longest run not read yet, per process reading it (see next), and
// takes it from the end nobody reads, or, when both ends are read, from a
// point inside it where, were every commit as costly to read, all of them
// would meet at once (newer commits cost more: on git/git two processes
// meet at the newest 35%). So the cores work until the end with as few
// processes as there are workers, and each process reads a run of
// neighbours whose trees share the deltas git has just unpacked.
type reading struct {
	mu      sync.Mutex
	from    int
	taken   []bool // by position - from
	readers map[*reader]bool
}

// reader is one git log process of a reading: it lists the positions
// [first, last), newest first or, with reverse, oldest first, and reads
// next next.
type reader struct {
	first, last int
	reverse     bool
	next        int
}

func newReading(from, upto int) *reading {
	return &reading{from: from, taken: make([]bool, max(upto-from, 0)), readers: make(map[*reader]bool)}
}

// eats reports whether r reads position i next, moving by step.
func (r *reader) eats(i, step int) bool {
	if r.reverse != (step < 0) || r.next != i {
		return false
	}
	return r.first <= i && i < r.last
}

// next plans another reader, or returns nil when there is nothing worth
// one: the run of free positions with the most of them per process
// reading it, counting the new one, and only if that is at least minShare
// or nobody reads the run at all. The reader is running until done.
func (g *reading) next() *reader {
	g.mu.Lock()
	defer g.mu.Unlock()
	var best *reader
	bestShare := 0
	for a := 0; a < len(g.taken); {
		if g.taken[a] {
			a++
			continue
		}
		b := a + 1
		for b < len(g.taken) && !g.taken[b] {
			b++
		}
		lo, hi := g.from+a, g.from+b
		var left, right bool
		for r := range g.readers {
			left = left || r.eats(lo, 1)
			right = right || r.eats(hi-1, -1)
		}
		var r *reader
		switch {
		case !left:
			r = &reader{first: lo, last: hi, next: lo}
		case !right:
			r = &reader{first: lo, last: hi, reverse: true, next: hi - 1}
		default:
			// The reader from lo alone before m, the new one and the
			// reader from hi together after it.
			m := lo + (hi-lo)/3
			r = &reader{first: m, last: hi, next: m}
		}
		eaters := 1
		if left {
			eaters++
		}
		if right {
			eaters++
		}
		share := (hi - lo) / eaters
		if (left || right) && share < minShare {
			r = nil
		}
		if r != nil && (best == nil || share > bestShare || !left && !right) {
			best, bestShare = r, share
			if !left && !right {
				break // unread commits nobody reads come first
			}
		}
		a = b
	}
	if best != nil {
		g.readers[best] = true
	}
	return best
}

// take takes position i for r, its next one, and reports whether it was
// still free.
func (g *reading) take(r *reader, i int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.taken[i-g.from] {
		return false
	}
	g.taken[i-g.from] = true
	r.next = i + 1
	if r.reverse {
		r.next = i - 1
	}
	return true
}

// ahead counts the free positions r reads next, in its direction, before
// one that is taken or the end of its run, up to limit.
func (g *reading) ahead(r *reader, limit int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	step := 1
	if r.reverse {
		step = -1
	}
	n := 0
	for i := r.next; n < limit && i >= r.first && i < r.last && !g.taken[i-g.from]; i += step {
		n++
	}
	return n
}

// done ends r.
func (g *reading) done(r *reader) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.readers, r)
}

// unread returns the first position no reader took, or -1.
func (g *reading) unread() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, t := range g.taken {
		if !t {
			return g.from + i
		}
	}
	return -1
}
