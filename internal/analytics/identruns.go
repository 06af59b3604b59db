package analytics

import "slices"

// identRuns are the churn sums of the identities with the most commits
// turned around: per identity, its changes path by path (a run per path,
// in path order), each run by ascending time rank with running totals.
// The churn of such an identity over a window is then two binary searches
// per path it touched, where its commits' changes one by one, or every
// change of the window path by path, are hundreds of thousands of reads
// at a million commits (a filter on the one author of a sixth of them).
type identRuns struct {
	// Identity i's runs are [off[i], off[i+1]) (none for the others);
	// run r holds path[r]'s entries [start[r], start[r+1]).
	off, path, start []uint32
	// rank is each entry's time rank; added and deleted are its run's
	// running totals up to and with it (modulo 2^32, like the churn
	// sums').
	rank, added, deleted []uint32
	// commits is the number of time ranks.
	commits int
}

// bigIdentShare is the least share of the commits, as 1/bigIdentShare,
// whose identity has runs: at most bigIdentShare identities have them,
// and all of them together at most a copy of the churn sums' ranks and
// totals.
const bigIdentShare = 32

// buildIdentRuns makes the runs of the identities that authored at least
// a 1/share of the commits from the churn sums, or returns nil when none
// did.
func (v *View) buildIdentRuns(s *churnSums, share int) *identRuns {
	big := make([]bool, len(v.x.Idents))
	some := false
	for id := range big {
		big[id] = s.commits > 0 && int(v.identOff[id+1]-v.identOff[id])*share >= s.commits
		some = some || big[id]
	}
	if !some {
		return nil
	}
	// Count each identity's runs and entries; last[id] is 1 + the last
	// path counted (or filled) for identity id.
	runs, entries := make([]uint32, len(big)+1), make([]uint32, len(big)+1)
	last := make([]uint32, len(big))
	for _, p := range s.order {
		for _, id := range s.ident[s.start[p]:s.stop[p]] {
			if big[id] {
				entries[id+1]++
				if last[id] != p+1 {
					last[id] = p + 1
					runs[id+1]++
				}
			}
		}
	}
	for id := range big {
		runs[id+1] += runs[id]
		entries[id+1] += entries[id]
	}
	nr, ne := runs[len(big)], entries[len(big)]
	r := &identRuns{off: runs, path: make([]uint32, nr), start: make([]uint32, nr+1), commits: s.commits,
		rank: make([]uint32, ne), added: make([]uint32, ne), deleted: make([]uint32, ne)}
	r.start[nr] = ne
	nextRun, next := slices.Clone(runs[:len(big)]), entries[:len(big)]
	clear(last)
	for _, p := range s.order {
		for e := s.start[p]; e < s.stop[p]; e++ {
			id := s.ident[e]
			if !big[id] {
				continue
			}
			k := next[id]
			next[id]++
			added, deleted := s.change(p, e)
			if last[id] != p+1 {
				last[id] = p + 1
				r.path[nextRun[id]], r.start[nextRun[id]] = p, k
				nextRun[id]++
			} else {
				added += r.added[k-1]
				deleted += r.deleted[k-1]
			}
			r.rank[k], r.added[k], r.deleted[k] = s.rank[e], added, deleted
		}
	}
	return r
}

// has reports whether identity id has runs.
func (r *identRuns) has(id int) bool { return r != nil && r.off[id+1] > r.off[id] }

// runs returns how many runs identity id has.
func (r *identRuns) runs(id int) int { return int(r.off[id+1] - r.off[id]) }

// window returns the range [first, end) of run j's entries whose time
// ranks are in [lo, hi).
func (r *identRuns) window(j uint32, lo, hi int) (first, end uint32) {
	first, end = r.start[j], r.start[j+1]
	if lo > 0 {
		k, _ := slices.BinarySearch(r.rank[first:end], uint32(lo))
		first += uint32(k)
	}
	if hi < r.commits {
		k, _ := slices.BinarySearch(r.rank[first:end], uint32(hi))
		end = first + uint32(k)
	}
	return first, end
}

// sum returns the lines added and deleted by run j's entries [first, end).
func (r *identRuns) sum(j, first, end uint32) (added, deleted uint32) {
	added, deleted = r.added[end-1], r.deleted[end-1]
	if first > r.start[j] {
		added -= r.added[first-1]
		deleted -= r.deleted[first-1]
	}
	return added, deleted
}

// add adds identity id's changes of time ranks [lo, hi) to the totals of
// the paths keep allows (all when nil), or with take takes them away.
func (r *identRuns) add(totals []pathTotals, keep []bool, id, lo, hi int, take bool) {
	for j := r.off[id]; j < r.off[id+1]; j++ {
		p := r.path[j]
		if keep != nil && !keep[p] {
			continue
		}
		first, end := r.window(j, lo, hi)
		if first == end {
			continue
		}
		added, deleted := r.sum(j, first, end)
		t := &totals[p]
		if take {
			t.added -= uint64(added)
			t.deleted -= uint64(deleted)
			t.commits -= end - first
		} else {
			t.added += uint64(added)
			t.deleted += uint64(deleted)
			t.commits += end - first
		}
	}
}
