package analytics

import (
	"slices"
	"strings"
	"sync"
)

// dirLog cuts the paths into directories at one depth (see directory)
// and lists, per directory, the non-merge commits that changed a file
// under it, by time rank: how many commits of a window touched a
// directory is then two binary searches.
type dirLog struct {
	// dirOf is each path's directory id; names[d] is directory d.
	dirOf []uint32
	names []string
	// Directory d's commits are ranks[off[d]:off[d+1]], ascending time
	// ranks (places in View.byTime).
	off, ranks []uint32
}

// dirLogs remembers the dirLog of each depth asked for.
type dirLogs struct {
	mu     sync.Mutex
	byCut  map[int]*dirLog
	deeper int // the most components of a directory, once known
}

// maxDirLogs bounds the depths whose logs a view keeps (each holds one
// entry per commit and directory it touched: at a million commits, 6 to
// 7 MB).
const maxDirLogs = 4

// dirLog returns the directory log of depth, made on first use (50-100 ms
// at a million commits; the churn sums make those of the first
// prewarmDepths depths, see prewarmLogs). Depths past the deepest
// directory share the log of that depth.
func (v *View) dirLog(depth int) *dirLog {
	l := &v.dirs
	l.mu.Lock()
	defer l.mu.Unlock()
	d, made := v.cutDirs(depth)
	if made {
		v.logCommits(d)
	}
	return d
}

// prewarmLogs returns the directory logs of the first prewarmDepths
// depths that are not made yet, for the churn sums to fill; the caller
// holds v.dirs.mu.
func (v *View) prewarmLogs() []*dirLog {
	var logs []*dirLog
	for depth := 1; depth <= prewarmDepths; depth++ {
		if d, made := v.cutDirs(depth); made {
			logs = append(logs, d)
		}
	}
	return logs
}

// cutDirs returns the directory log of depth, its commits not listed when
// made is true (it is new); the caller holds v.dirs.mu.
func (v *View) cutDirs(depth int) (d *dirLog, made bool) {
	l := &v.dirs
	if l.byCut == nil {
		l.byCut = map[int]*dirLog{}
		for _, p := range v.x.Paths {
			l.deeper = max(l.deeper, strings.Count(p, "/"))
		}
	}
	depth = min(depth, max(l.deeper, 1))
	if d, ok := l.byCut[depth]; ok {
		return d, false
	}
	if len(l.byCut) >= maxDirLogs {
		clear(l.byCut)
	}
	d = &dirLog{}
	d.dirOf, d.names = cutPaths(v.x.Paths, depth)
	l.byCut[depth] = d
	return d, true
}

// cutPaths cuts paths to depth components (see directory): dirOf[k] is
// the id of path k's directory, names[id] the directory.
func cutPaths(paths []string, depth int) (dirOf []uint32, names []string) {
	dirOf = make([]uint32, len(paths))
	ids := map[string]uint32{}
	for p, name := range paths {
		dir := directory(name, depth)
		id, ok := ids[dir]
		if !ok {
			id = uint32(len(names))
			ids[dir] = id
			names = append(names, dir)
		}
		dirOf[p] = id
	}
	return dirOf, names
}

// prewarmDepths are the directory depths whose logs the churn sums make:
// those churn is most often grouped by.
const prewarmDepths = 2

// logCommits lists the commits of each directory of d: two passes over
// the commits, as the churn sums make the logs of the first
// prewarmDepths depths.
func (v *View) logCommits(d *dirLog) {
	x := v.x
	f := newLogFill([]*dirLog{d})
	for i := range x.Len() {
		if !x.IsMerge(i) {
			lo, hi := x.Changes(i)
			f.count(i, x.ChangePath[lo:hi])
		}
	}
	f.counted()
	for k, i := range v.byTime {
		if !x.IsMerge(int(i)) {
			lo, hi := x.Changes(int(i))
			f.fill(k, x.ChangePath[lo:hi])
		}
	}
}

// logFill lists the commits of directory logs in two passes over the
// non-merge commits: count them (by position), then fill them in (by
// time).
type logFill struct {
	logs []*dirLog
	// last[j][dir] is 1 + the last commit (position, then time rank)
	// seen for directory dir of logs[j]; next[j][dir] is where its next
	// rank goes.
	last, next [][]uint32
}

func newLogFill(logs []*dirLog) *logFill {
	f := &logFill{logs: logs, last: make([][]uint32, len(logs)), next: make([][]uint32, len(logs))}
	for j, d := range logs {
		d.off, f.last[j] = make([]uint32, len(d.names)+1), make([]uint32, len(d.names))
	}
	return f
}

// count counts commit i, which changed paths, in the directories of
// those.
func (f *logFill) count(i int, paths []uint32) {
	for j, d := range f.logs {
		last := f.last[j]
		for _, p := range paths {
			if dir := d.dirOf[p]; last[dir] != uint32(i)+1 {
				last[dir] = uint32(i) + 1
				d.off[dir+1]++
			}
		}
	}
}

// counted ends the counting pass.
func (f *logFill) counted() {
	for j, d := range f.logs {
		for dir := range d.names {
			d.off[dir+1] += d.off[dir]
		}
		d.ranks = make([]uint32, d.off[len(d.names)])
		f.next[j] = slices.Clone(d.off[:len(d.names)])
		clear(f.last[j])
	}
}

// fill lists the commit of time rank k, which changed paths, in the
// directories of those.
func (f *logFill) fill(k int, paths []uint32) {
	for j, d := range f.logs {
		last, next := f.last[j], f.next[j]
		for _, p := range paths {
			if dir := d.dirOf[p]; last[dir] != uint32(k)+1 {
				last[dir] = uint32(k) + 1
				d.ranks[next[dir]] = uint32(k)
				next[dir]++
			}
		}
	}
}
