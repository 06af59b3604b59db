package analytics

import "sync"

// ownerSplitWork is the least work (changes read, see owners.fileWork)
// for which Ownership reads its files in two goroutines: below it, the
// second goroutine would cost about as much as it saves.
var ownerSplitWork = 1 << 16

// directories sums up the directories names (directory id's files are
// byDir[start[id]:start[id+1]], path ids) and appends those with changed
// lines to dirs, in no particular order; o.all and o's active authors
// then hold every file's. When the work is enough (see ownerSplitWork),
// a second goroutine reads the files after the one that halves it: a
// directory they share is read by both, and reported once both are
// done.
func (o *owners) directories(names []string, start, byDir []uint32, dirs []DirectoryOwnership) []DirectoryOwnership {
	half := o.halfway(byDir)
	if half < 0 {
		for id, name := range names {
			if d, ok := o.directory(name, byDir[start[id]:start[id+1]]); ok {
				dirs = append(dirs, d)
			}
		}
		return dirs
	}
	m := uint32(half)
	// The directory of the m-th file, shared when m is not its first
	// (else the second goroutine reads all of it).
	shared := 0
	for start[shared+1] <= m {
		shared++
	}
	second := o.fresh()
	var head authorSums // the second goroutine's sums of the shared directory
	headFiles := 0      // and its files with changed lines
	var later []DirectoryOwnership
	var wg sync.WaitGroup
	wg.Go(func() {
		next := shared
		if m > start[shared] {
			second.sumFiles(byDir[m:start[shared+1]])
			head, second.dir = second.dir, newAuthorSums(len(second.dir.lines))
			headFiles = len(second.actOff) - 1
			next++
		}
		for id := next; id < len(names); id++ {
			if d, ok := second.directory(names[id], byDir[start[id]:start[id+1]]); ok {
				later = append(later, d)
			}
		}
	})
	for id := range shared {
		if d, ok := o.directory(names[id], byDir[start[id]:start[id+1]]); ok {
			dirs = append(dirs, d)
		}
	}
	first := len(o.actOff) - 1
	o.sumFiles(byDir[start[shared]:m])
	wg.Wait()
	ownFiles := len(o.actOff) - 1 - first // of the shared directory
	// The second goroutine's files with changed lines follow the first's:
	// those of the shared directory right after its first files.
	base := len(o.actName)
	o.actName = append(o.actName, second.actName...)
	for _, off := range second.actOff[1:] {
		o.actOff = append(o.actOff, base+off)
	}
	if m > start[shared] {
		head.moveTo(&o.dir)
		end := first + ownFiles + headFiles
		if end > first {
			dirs = append(dirs, o.report(names[shared], &o.dir, o.actOff[first:end+1]))
		}
		o.dir.moveTo(&o.all)
	}
	second.all.moveTo(&o.all)
	return append(dirs, later...)
}

// halfway returns the place in files (path ids) of the first file of
// the second half of their work, or -1 when the work is too little to
// share (see ownerSplitWork).
func (o *owners) halfway(files []uint32) int {
	if len(files) < 2 {
		return -1
	}
	work := make([]int, len(files)+1)
	for k, p := range files {
		work[k+1] = work[k] + o.fileWork(p)
	}
	total := work[len(files)]
	if total < ownerSplitWork {
		return -1
	}
	for k := 1; k < len(files); k++ {
		if 2*work[k] >= total {
			return k
		}
	}
	return len(files) - 1
}

// fileWork estimates how many changes reading path p costs: its kept
// lines, or its readCost, the window's ends taken at the checkpoints
// before them (see churnSums.around: no search).
func (o *owners) fileWork(p uint32) int {
	if k := o.kept; k != nil {
		return int(k.off[p+1] - k.off[p])
	}
	s := o.s
	first, end := s.start[p], s.stop[p]
	if o.lo > 0 && o.lo < s.commits {
		first, _ = s.around(p, o.lo)
	}
	if o.hi < s.commits {
		end, _ = s.around(p, o.hi)
	}
	cost, _ := o.readCost(p, end-min(first, end))
	return int(cost)
}

// fresh returns owners of the same query and sums with scratch space of
// their own, to read other files at the same time.
func (o *owners) fresh() *owners {
	n := len(o.rank)
	c := *o
	c.file, c.dir, c.all = newAuthorSums(n), newAuthorSums(n), newAuthorSums(n)
	c.actOff, c.actName, c.rank, c.keys = []int{0}, nil, make([]int, n), nil
	return &c
}
