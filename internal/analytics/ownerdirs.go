package analytics

import (
	"slices"
	"strings"
	"sync"
)

// dirIdents are, per directory of one depth (see directory), the lines
// (added + deleted) each author identity changed in its files over the
// whole history: ownership of the whole history reads a directory's
// authors from them (9,000 to 117,000 entries at a million commits)
// instead of from its files' (1.4 million).
type dirIdents struct {
	// dirOf is each path's directory id; files[d] counts directory d's
	// paths; names[d] is directory d.
	dirOf, files []uint32
	names        []string
	// distinct[d] says whether the identities of each of directory d's
	// paths have different names (see pathIdents.distinct).
	distinct []bool
	// Directory d's identities are ident[off[d]:off[d+1]], with their
	// lines.
	off, ident []uint32
	lines      []uint64
}

// depthCache remembers a value per directory depth asked for (at most
// maxDirLogs depths: past them it starts again).
type depthCache[T any] struct {
	mu      sync.Mutex
	byDepth map[int]T
}

// get returns the value of depth, made by build (under the cache's lock)
// on first use.
func (c *depthCache[T]) get(depth int, build func() T) T {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.byDepth[depth]; ok {
		return v
	}
	if c.byDepth == nil || len(c.byDepth) >= maxDirLogs {
		c.byDepth = map[int]T{}
	}
	v := build()
	c.byDepth[depth] = v
	return v
}

// prewarmOwnerDepths are the directory depths whose dirIdents are made
// with the totals per path and identity: those the first ownership
// queries most often ask for.
const prewarmOwnerDepths = 3

// dirIdents returns the totals per directory of depth and identity, made
// on first use from the totals per path and identity (5 to 10 ms at a
// million commits); nil when those are.
func (v *View) dirIdents(depth int) *dirIdents {
	pi := v.pathIdents()
	if pi == nil {
		return nil
	}
	return v.dirIdentCache.get(depth, func() *dirIdents { return v.pathDirIdents(pi, depth) })
}

// pathDirIdents makes the dirIdents of depth from the totals per path
// and identity.
func (v *View) pathDirIdents(pi *pathIdents, depth int) *dirIdents {
	return v.buildDirIdents(depth, v.x.Paths, v.byPath,
		func(p uint32, add func(id uint32, lines uint64)) bool {
			for k := pi.start[p]; k < pi.stop[p]; k++ {
				add(pi.ident[k], uint64(pi.lines(k)))
			}
			return pi.distinct[p]
		})
}

// prewarmDirIdents makes the dirIdents of depths 1 to prewarmOwnerDepths:
// the deepest from the totals per path and identity, each shallower one
// from the one below it (a directory of depth d is the union of those
// of depth d+1 under it).
func (v *View) prewarmDirIdents(pi *pathIdents) {
	c := &v.dirIdentCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byDepth = map[int]*dirIdents{}
	c.byDepth[prewarmOwnerDepths] = v.pathDirIdents(pi, prewarmOwnerDepths)
	for depth := prewarmOwnerDepths - 1; depth >= 1; depth-- {
		below := c.byDepth[depth+1]
		// Directory names with a slash after them are cut like paths
		// (see directory).
		order, parts := make([]uint32, len(below.names)), make([]string, len(below.names))
		for k, name := range below.names {
			order[k], parts[k] = uint32(k), name+"/"
		}
		up := v.buildDirIdents(depth, parts, order,
			func(d uint32, add func(id uint32, lines uint64)) bool {
				for k := below.off[d]; k < below.off[d+1]; k++ {
					add(below.ident[k], below.lines[k])
				}
				return below.distinct[d]
			})
		// up was made over the directories below: its files and dirOf
		// are per path.
		up.files = make([]uint32, len(up.names))
		for d, n := range below.files {
			up.files[up.dirOf[d]] += n
		}
		dirOf := make([]uint32, len(below.dirOf))
		for p, d := range below.dirOf {
			dirOf[p] = up.dirOf[d]
		}
		up.dirOf = dirOf
		c.byDepth[depth] = up
	}
}

// buildDirIdents makes the dirIdents of depth over parts (paths, or
// directories of a greater depth, each with a slash after it), order
// lists the parts in path order, and each(k, add) adds part k's lines
// per identity and reports whether its identities have different names.
func (v *View) buildDirIdents(depth int, parts []string, order []uint32, each func(uint32, func(uint32, uint64)) bool) *dirIdents {
	n := len(parts)
	d := &dirIdents{}
	d.dirOf, d.names = cutPaths(parts, depth)
	dirs := uint32(len(d.names))
	start := offsets(d.dirOf, int(dirs))
	d.files = make([]uint32, dirs)
	d.distinct = make([]bool, dirs)
	byDir := make([]uint32, n)
	next := slices.Clone(start[:dirs])
	for _, k := range order {
		byDir[next[d.dirOf[k]]] = k
		next[d.dirOf[k]]++
	}
	// at[id] is 1 + the place of identity id among the current
	// directory's.
	at := make([]uint32, len(v.x.Idents))
	var base uint32
	add := func(id uint32, lines uint64) {
		if at[id] == 0 {
			d.ident, d.lines = append(d.ident, id), append(d.lines, 0)
			at[id] = uint32(len(d.ident)) - base
		}
		d.lines[base+at[id]-1] += lines
	}
	d.off = make([]uint32, 1, dirs+1)
	for dir := range dirs {
		base = uint32(len(d.ident))
		d.files[dir] = start[dir+1] - start[dir]
		d.distinct[dir] = true
		for _, k := range byDir[start[dir]:start[dir+1]] {
			d.distinct[dir] = each(k, add) && d.distinct[dir]
		}
		for _, id := range d.ident[base:] {
			at[id] = 0
		}
		d.off = append(d.off, uint32(len(d.ident)))
	}
	return d
}

// ownerGroups are the files an ownership query lists, grouped by
// directory: directory id is names[id], its files (path ids, in path
// order) byDir[start[id]:start[id+1]]. They are read, never changed.
type ownerGroups struct {
	names        []string
	start, byDir []uint32
}

// ownerGroups returns the files keep allows (all when nil) grouped by
// directory of depth components; those of every file are made once per
// depth (reading every path's name costs 0.6 ms at 8,000 paths).
func (v *View) ownerGroups(keep []bool, depth int) *ownerGroups {
	if keep != nil {
		return v.groupFiles(keep, depth)
	}
	return v.ownerGroupCache.get(depth, func() *ownerGroups { return v.groupFiles(nil, depth) })
}

// groupFiles groups the files keep allows (all when nil) by directory of
// depth components, keeping path order within each (a counting sort by
// directory). In path order the files under a directory of depth
// components follow each other: the next file's directory is read only
// when it leaves the last one.
func (v *View) groupFiles(keep []bool, depth int) *ownerGroups {
	var files []uint32
	var dirOf []uint32
	ids := map[string]uint32{}
	g := &ownerGroups{}
	prev, cut, id := "", false, uint32(0)
	for _, p := range v.byPath {
		if keep != nil && !keep[p] {
			continue
		}
		name := v.x.Paths[p]
		if !cut || len(name) <= len(prev) || name[len(prev)] != '/' || !strings.HasPrefix(name, prev) {
			if dir := directory(name, depth); dir != prev || len(g.names) == 0 {
				prev = dir
				var ok bool
				if id, ok = ids[prev]; !ok {
					id = uint32(len(g.names))
					ids[prev] = id
					g.names = append(g.names, prev)
				}
			}
			cut = prev != "." && strings.Count(prev, "/") == depth-1
		}
		files, dirOf = append(files, p), append(dirOf, id)
	}
	g.start, g.byDir = grouped(dirOf, files, len(g.names))
	return g
}
