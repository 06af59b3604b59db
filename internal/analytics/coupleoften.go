package analytics

import (
	"math/bits"
	"slices"
	"sync"
)

// coupleOften fills in d's pairs and summary over the whole history with
// a file filter (keep, by path id) but no author filter, when MinShared
// is oftenShared at least, from the often changed pairs (see
// oftenPairs): a pair can only share MinShared counted commits if it was
// changed together that often over the whole history, and its counted
// commits are those of its file counts up to MaxFiles. Each listed path's
// entries are still read, for its counted commits and the summary's.
func (v *View) coupleOften(pl *pairLists, keep []bool, opts CouplingOptions, d *CouplingData) {
	keepRank := make([]bool, len(keep))
	for p, ok := range keep {
		keepRank[v.pathRank[p]] = ok
	}
	commits := make([]uint32, len(v.byPath))
	take := pl.chunks()
	var w [2]pairWorker
	var wg sync.WaitGroup
	wg.Go(func() { v.countOften(pl, keepRank, commits, opts, &w[1], take) })
	v.countOften(pl, keepRank, commits, opts, &w[0], take)
	wg.Wait()
	d.Summary.Pairs = w[0].pairs + w[1].pairs
	d.Summary.BulkCommits, _ = countFiles(pl.files, pl.fileRuns, 0, len(v.byTime), opts.MaxFiles)
	for k, word := range w[0].seen {
		d.Summary.Commits += bits.OnesCount64(word | w[1].seen[k])
	}
	v.listPairs(v.topPairs(w, commits, opts.Limit), d)
}

// countOften counts the often changed pairs of the listed paths of the
// ranks take gives into w, and their counted commits into commits (by
// path id).
func (v *View) countOften(pl *pairLists, keepRank []bool, commits []uint32, opts CouplingOptions, w *pairWorker, take func() (r0, r1 int, ok bool)) {
	s, o := pl.sums, &pl.often
	maxFiles, minShared := uint32(opts.MaxFiles), uint32(opts.MinShared)
	*w = pairWorker{pruneAt: 4*opts.Limit + 64, seen: make([]uint64, (len(v.byTime)+63)/64)}
	for r0, r1, ok := take(); ok; r0, r1, ok = take() {
		for r := r0; r < r1; r++ {
			if !keepRank[r] {
				continue
			}
			p := v.byPath[r]
			n := uint32(0)
			for e := s.start[p]; e < s.stop[p]; e++ {
				// counted is 1 when the entry's commit has at most
				// maxFiles files.
				counted := 1 ^ (maxFiles-pl.head[e]&127)>>31
				n += counted
				k := s.rank[e]
				w.seen[k>>6] |= uint64(counted) << (k & 63)
			}
			commits[p] = n
			if n < minShared {
				continue // no pair of the path shares more commits
			}
			for k := o.start[r]; k < o.start[r+1]; k++ {
				files := o.files[o.off[k]:o.off[k+1]]
				if uint32(len(files)) < minShared {
					break // the others were changed together less often
				}
				b := o.partners.at(uint64(k))
				if !keepRank[b] {
					continue
				}
				shared := uint32(len(files))
				if uint32(files[len(files)-1]) > maxFiles {
					i, _ := slices.BinarySearch(files, uint8(maxFiles+1))
					shared = uint32(i)
				}
				if shared >= minShared {
					w.pairs++
					if shared >= w.cut {
						w.cands = append(w.cands, pairCount{uint32(r), b, shared})
						if len(w.cands) >= w.pruneAt {
							w.prune(opts.Limit)
						}
					}
				}
			}
		}
	}
}
