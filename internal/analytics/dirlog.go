package analytics

import (
	"slices"
	"sync"
)

// dirLog lists, per directory at one depth (see directory), the non-merge
// commits that changed a file under it, by time rank: how many commits of
// a window touched a directory is then two binary searches.
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

// dirLog returns the directory log of depth, made on first use. Depths
// past the deepest directory share the log of that depth.
func (v *View) dirLog(depth int) *dirLog {
	l := &v.dirs
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byCut == nil {
		l.byCut = map[int]*dirLog{}
		for _, p := range v.x.Paths {
			n := 0
			for k := range len(p) {
				if p[k] == '/' {
					n++
				}
			}
			l.deeper = max(l.deeper, n)
		}
	}
	depth = min(depth, max(l.deeper, 1))
	if d, ok := l.byCut[depth]; ok {
		return d
	}
	if len(l.byCut) >= maxDirLogs {
		clear(l.byCut)
	}
	d := v.buildDirLog(depth)
	l.byCut[depth] = d
	return d
}

func (v *View) buildDirLog(depth int) *dirLog {
	x := v.x
	d := &dirLog{dirOf: make([]uint32, len(x.Paths))}
	ids := map[string]uint32{}
	for p, name := range x.Paths {
		dir := directory(name, depth)
		id, ok := ids[dir]
		if !ok {
			id = uint32(len(d.names))
			ids[dir] = id
			d.names = append(d.names, dir)
		}
		d.dirOf[p] = id
	}
	// Twice over the commits by time: count, then fill. last[d] is 1 +
	// the last rank seen for directory d.
	d.off = make([]uint32, len(d.names)+1)
	last := make([]uint32, len(d.names))
	each := func(visit func(dir, rank uint32)) {
		for k, i := range v.byTime {
			if x.IsMerge(int(i)) {
				continue
			}
			lo, hi := x.Changes(int(i))
			for _, p := range x.ChangePath[lo:hi] {
				if dir := d.dirOf[p]; last[dir] != uint32(k)+1 {
					last[dir] = uint32(k) + 1
					visit(dir, uint32(k))
				}
			}
		}
	}
	each(func(dir, _ uint32) { d.off[dir+1]++ })
	for dir := range d.names {
		d.off[dir+1] += d.off[dir]
	}
	d.ranks = make([]uint32, d.off[len(d.names)])
	next := slices.Clone(d.off[:len(d.names)])
	clear(last)
	each(func(dir, rank uint32) {
		d.ranks[next[dir]] = rank
		next[dir]++
	})
	return d
}
