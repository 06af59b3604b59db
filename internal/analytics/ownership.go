package analytics

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// ActiveShare defines the active authors of a file: those who changed at
// least this share of the lines its top author changed (in the period and
// filters asked). Every file with changed lines has one at least.
const ActiveShare = 0.5

// TopAuthors is how many authors Ownership names per directory.
const TopAuthors = 3

// OwnershipResponse is the body of /api/repositories/ownership.
type OwnershipResponse struct {
	Ownership OwnershipData `json:"ownership"`
}

// OwnershipData is who changed the lines of each directory, and how few
// authors its knowledge rests on.
type OwnershipData struct {
	// Directories are sorted by changes, largest first, then by path;
	// never nil.
	Directories []DirectoryOwnership `json:"directories"`
	// Summary is the same for every listed file together (path ".").
	Summary  DirectoryOwnership `json:"summary"`
	Metadata OwnershipMetadata  `json:"metadata"`
	// StatsPending reports that line statistics are still being indexed;
	// Directories is empty until they are.
	StatsPending bool `json:"statsPending"`
}

// DirectoryOwnership is the ownership of the files of one directory (at
// any depth below it) that had changed lines.
type DirectoryOwnership struct {
	// Path is the directory cut to the depth asked for; "." holds the
	// files at the top of the repository.
	Path string `json:"path"`
	// Changes counts the changed lines (added + deleted) of its files.
	Changes int `json:"changes"`
	// Files counts its files with changed lines (binary-only files have
	// none and are left out).
	Files int `json:"files"`
	// Authors counts the distinct mailmapped authors who changed them.
	Authors int `json:"authors"`
	// TopAuthors are the TopAuthors authors with the most changed lines,
	// most first (ties by name); TopShare is the first one's share.
	TopAuthors []AuthorShare `json:"topAuthors"`
	TopShare   float64       `json:"topShare"`
	// BusFactor is how many authors must leave for more than half of its
	// files to have no active author left (see Ownership);
	// BusFactorAuthors are they, in the order they were taken.
	BusFactor        int      `json:"busFactor"`
	BusFactorAuthors []string `json:"busFactorAuthors"`
}

// AuthorShare is what one author changed of a directory.
type AuthorShare struct {
	Name    string `json:"name"`
	Changes int    `json:"changes"`
	// Share is Changes over the directory's changes, to four decimals.
	Share float64 `json:"share"`
}

// OwnershipMetadata describes how ownership was computed.
type OwnershipMetadata struct {
	DateRange DateRange `json:"dateRange"`
	// Depth is the number of path components of Directories.
	Depth int `json:"depth"`
	// ActiveShare is the ActiveShare rule's threshold.
	ActiveShare float64      `json:"activeShare"`
	Filters     ChurnFilters `json:"filters"`
}

// Ownership measures, per directory cut to depth path components, who
// changed the lines of its files in the non-merge commits matching f
// (authors, dates, bots; files by extensions, paths and exclusions):
// the top authors and their share, and the bus factor.
//
// An author is an active author of a file when they changed at least
// ActiveShare of the lines its top author changed. The bus factor of a
// directory is the number of authors who must leave before more than half
// of its files have no active author left, taking first the authors
// active on the most of its files (then the most changed lines, then by
// name): the greedy estimate of the truck-factor literature (Avelino et
// al., 2016), since the smallest such set is NP-hard to find in general.
func (v *View) Ownership(f Filter, depth int) OwnershipData {
	exts := normalise(f.Extensions, extension)
	paths := normalise(f.Paths, pathPrefix)
	depth = max(depth, 1)
	d := OwnershipData{
		Directories: []DirectoryOwnership{},
		Summary:     DirectoryOwnership{Path: ".", TopAuthors: []AuthorShare{}, BusFactorAuthors: []string{}},
		Metadata: OwnershipMetadata{
			DateRange: v.historyRange(f.From, f.To), Depth: depth, ActiveShare: ActiveShare,
			Filters: ChurnFilters{Extensions: exts, Paths: paths, Authors: f.Authors, ExcludeBots: f.ExcludeBots, Exclude: f.Exclude},
		},
		StatsPending: !v.stats,
	}
	if d.StatsPending {
		return d
	}
	keep := v.pathFilter(exts, paths, v.excluded(f.Exclude))
	g := v.ownerGroups(keep, depth)
	o := v.newOwners(f, depth, keep)
	d.Directories = o.directories(g.names, g.start, g.byDir, d.Directories)
	d.Summary = o.report(".", &o.all, o.actOff)
	slices.SortFunc(d.Directories, func(a, b DirectoryOwnership) int {
		return cmp.Or(cmp.Compare(b.Changes, a.Changes), strings.Compare(a.Path, b.Path))
	})
	return d
}

// authorSums are the lines changed per author name over a set of files,
// and on how many of them each author is active; all zero between uses.
type authorSums struct {
	lines  []uint64
	active []int
	// names lists the names with lines, in the order first added.
	names []uint32
}

func newAuthorSums(n int) authorSums {
	return authorSums{lines: make([]uint64, n), active: make([]int, n)}
}

// add counts n lines of name, on a file it is active on or not.
func (a *authorSums) add(name uint32, n uint64, active int) {
	if a.lines[name] == 0 {
		a.names = append(a.names, name)
	}
	a.lines[name] += n
	a.active[name] += active
}

// moveTo adds a's sums to b's and clears a.
func (a *authorSums) moveTo(b *authorSums) {
	for _, name := range a.names {
		b.add(name, a.lines[name], a.active[name])
		a.lines[name], a.active[name] = 0, 0
	}
	a.names = a.names[:0]
}

// owners sums up, directory after directory, who changed the lines of the
// listed files in the non-merge commits of a query.
type owners struct {
	v *View
	q query
	s *churnSums
	// pi are the totals per path and identity, nil when the churn sums
	// are not exact.
	pi *pathIdents
	// lo and hi are the query's window of time ranks.
	lo, hi int
	// dirs are the totals per directory of the query's depth and
	// identity when the window is the whole history and pi is not nil
	// (and kept is nil).
	dirs *dirIdents
	// kept are the lines of the kept authors' changes in the window
	// per path, when the author filter keeps few enough to visit them
	// (see keptLines); nil otherwise.
	kept *keptLines
	// file, dir and all are the sums of the file being read, of its
	// directory, and of every file read.
	file, dir, all authorSums
	// The active authors of the k-th file with changed lines are
	// actName[actOff[k]:actOff[k+1]].
	actOff  []int
	actName []uint32
	// rank is scratch space per name, all zero between uses.
	rank []int
	// keys is scratch space for report.
	keys []authorKey
}

// newOwners prepares the sums of the query of f over the paths keep
// allows (all when nil), directories cut to depth components.
func (v *View) newOwners(f Filter, depth int, keep []bool) *owners {
	q := v.compile(f)
	lo, hi := v.span(q.from, q.to)
	n := len(v.names)
	o := &owners{v: v, q: q, s: v.churnSums(), lo: lo, hi: hi,
		file: newAuthorSums(n), dir: newAuthorSums(n), all: newAuthorSums(n), actOff: []int{0}, rank: make([]int, n)}
	o.pi = v.pathIdents()
	if q.authors != nil {
		// As churn does (see churnBySums), where the kept authors' changes
		// are few against the window's.
		if cost, kept, _ := v.visitCosts(&o.q); kept*4 <= hi-lo {
			o.kept = v.keptLines(&o.q, cost, keep, lo, hi)
		}
	}
	if o.kept == nil && o.pi != nil && lo == 0 && hi == o.s.commits {
		o.dirs = v.dirIdents(depth)
	}
	return o
}

// keptLines are the lines (added + deleted, when any) of each change in a
// query's window by an identity it keeps, grouped by path: path p's are
// lines[off[p]:off[p+1]], changed by the authors name[off[p]:off[p+1]]
// (an entry per change, or per path of an identity read from its runs).
type keptLines struct {
	off   []uint32
	name  []uint32
	lines []uint64
}

// keptLines gathers the lines of q's kept identities in the window of
// time ranks [lo, hi) for the paths keep allows (all when nil), from
// their commits or, where cost says so (see visitCosts), their runs.
func (v *View) keptLines(q *query, cost []int, keep []bool, lo, hi int) *keptLines {
	x, r := v.x, v.runs
	var paths, names []uint32
	var lines []uint64
	note := func(p, name uint32, n uint64) {
		if n > 0 && (keep == nil || keep[p]) {
			paths, names, lines = append(paths, p), append(names, name), append(lines, n)
		}
	}
	for id, ok := range q.authors {
		if !ok || cost[id] == 0 {
			continue
		}
		name := v.nameID[id]
		if cost[id] < 0 {
			for j := r.off[id]; j < r.off[id+1]; j++ {
				if first, end := r.window(j, lo, hi); first < end {
					added, deleted := r.sum(j, first, end)
					note(r.path[j], name, uint64(added)+uint64(deleted))
				}
			}
			continue
		}
		for j := range v.identChanges(q, id) {
			note(x.ChangePath[j], name, uint64(x.ChangeAdded[j])+uint64(x.ChangeDeleted[j]))
		}
	}
	k := &keptLines{off: offsets(paths, len(x.Paths)), name: make([]uint32, len(names)), lines: make([]uint64, len(lines))}
	next := slices.Clone(k.off[:len(x.Paths)])
	for e, p := range paths {
		k.name[next[p]], k.lines[next[p]] = names[e], lines[e]
		next[p]++
	}
	return k
}

// directory sums up the files (path ids) of the directory path; ok is
// false when none of them has changed lines.
func (o *owners) directory(path string, files []uint32) (d DirectoryOwnership, ok bool) {
	first := len(o.actOff) - 1
	o.sumFiles(files)
	return o.finish(path, first)
}

// finish reports the directory path whose files are those read since
// the first-th file with changed lines, its sums in o.dir, and moves
// them to o.all; ok is false when none of them has changed lines.
func (o *owners) finish(path string, first int) (d DirectoryOwnership, ok bool) {
	if len(o.actOff)-1 == first {
		return d, false
	}
	d = o.report(path, &o.dir, o.actOff[first:])
	o.dir.moveTo(&o.all)
	return d, true
}

// sumFiles adds the lines of files (path ids, all of one directory) to
// o.dir and notes their active authors: from the directory's totals when
// files are all of its files (see wholeDirectory), else file by file.
func (o *owners) sumFiles(files []uint32) {
	if o.dirs != nil && len(files) > 0 {
		if dir := o.dirs.dirOf[files[0]]; o.dirs.files[dir] == uint32(len(files)) && o.dirs.distinct[dir] {
			o.wholeDirectory(dir, files)
			files = nil
		}
	}
	for _, p := range files {
		if k := o.kept; k != nil {
			for e := k.off[p]; e < k.off[p+1]; e++ {
				o.file.add(k.name[e], k.lines[e], 0)
			}
		} else {
			first, end := o.s.window(p, o.lo, o.hi)
			if first == o.s.start[p] && end == o.s.stop[p] && o.wholeFile(p) {
				continue
			}
			o.sumFile(p, first, end)
		}
		var top uint64
		for _, name := range o.file.names {
			top = max(top, o.file.lines[name])
		}
		for _, name := range o.file.names {
			n := o.file.lines[name]
			active := 0
			if float64(n) >= ActiveShare*float64(top) {
				active = 1
				o.actName = append(o.actName, name)
			}
			o.dir.add(name, n, active)
			o.file.lines[name] = 0
		}
		if len(o.file.names) > 0 {
			o.actOff = append(o.actOff, len(o.actName))
		}
		o.file.names = o.file.names[:0]
	}
}

// wholeDirectory sums up the files of directory dir of o.dirs, all of
// them listed, whose identities have different names, like directory:
// the lines of its identities over the whole history, then who is active
// on each file.
func (o *owners) wholeDirectory(dir uint32, files []uint32) {
	d, authors := o.dirs, o.q.authors
	for k := d.off[dir]; k < d.off[dir+1]; k++ {
		if id := d.ident[k]; (authors == nil || authors[id]) && d.lines[k] > 0 {
			o.dir.add(o.v.nameID[id], d.lines[k], 0)
		}
	}
	for _, p := range files {
		o.activeOn(p)
	}
}

// wholeFile sums up path p, all of whose changes are in the window, like
// directory when its identities have different names, straight from its
// totals per identity, and reports whether it did.
func (o *owners) wholeFile(p uint32) bool {
	pi := o.pi
	if pi == nil || !pi.distinct[p] {
		return false
	}
	for k := pi.start[p]; k < pi.stop[p]; k++ {
		if id := pi.ident[k]; o.q.authors == nil || o.q.authors[id] {
			if n := pi.lines(k); n > 0 {
				o.dir.add(o.v.nameID[id], uint64(n), 0)
			}
		}
	}
	o.activeOn(p)
	return true
}

// activeOn notes the active authors of path p, all of whose changes are
// in the window and whose identities have different names (their lines
// are in o.dir already), as directory does: from its identities with the
// most lines when it can (see pathIdents.top).
func (o *owners) activeOn(p uint32) {
	pi, authors := o.pi, o.q.authors
	top := pi.top[int(p)*pi.width:][:pi.tops[p]]
	most, found := uint32(0), false
	for _, k := range top {
		if authors == nil || authors[pi.ident[k]] {
			most, found = pi.lines(k), true
			break
		}
	}
	if len(top) < pi.width || (found && float64(pi.lines(top[len(top)-1])) < ActiveShare*float64(most)) {
		// The active authors are among top.
		if !found {
			return // no lines
		}
		for _, k := range top {
			n := pi.lines(k)
			if float64(n) < ActiveShare*float64(most) {
				break
			}
			if id := pi.ident[k]; authors == nil || authors[id] {
				o.active(o.v.nameID[id])
			}
		}
		o.actOff = append(o.actOff, len(o.actName))
		return
	}
	for k := pi.start[p]; k < pi.stop[p]; k++ {
		if authors == nil || authors[pi.ident[k]] {
			most = max(most, pi.lines(k))
		}
	}
	if most == 0 {
		return // no lines
	}
	for k := pi.start[p]; k < pi.stop[p]; k++ {
		if id := pi.ident[k]; (authors == nil || authors[id]) && float64(pi.lines(k)) >= ActiveShare*float64(most) {
			o.active(o.v.nameID[id])
		}
	}
	o.actOff = append(o.actOff, len(o.actName))
}

// active notes name as an active author of the file being read, whose
// lines are in o.dir.
func (o *owners) active(name uint32) {
	o.actName = append(o.actName, name)
	o.dir.active[name]++
}

// sumFile sums the lines each author changed in path p into o.file: from
// p's changes in the window (entries [first, end)), or when those outside it are fewer, from p's
// totals per identity less the changes outside the window. Authors
// without lines are left out.
func (o *owners) sumFile(p, first, end uint32) {
	s, pi, v := o.s, o.pi, o.v
	if _, totals := o.readCost(p, end-first); !totals {
		o.addEntries(p, first, end, false)
		return
	}
	start, stop := s.start[p], s.stop[p]
	for k := pi.start[p]; k < pi.stop[p]; k++ {
		if id := pi.ident[k]; o.q.authors == nil || o.q.authors[id] {
			if n := pi.added[k] + pi.deleted[k]; n > 0 {
				o.file.add(v.nameID[id], uint64(n), 0)
			}
		}
	}
	if first == start && end == stop {
		return // no change outside the window
	}
	o.addEntries(p, start, first, true)
	o.addEntries(p, end, stop, true)
	o.file.names = slices.DeleteFunc(o.file.names, func(name uint32) bool { return o.file.lines[name] == 0 })
}

// readCost returns what summing path p's lines costs, in entries read,
// when in of its entries lie in the window: those, or when fewer, its
// totals per identity and its entries outside the window (totals is
// then true; see sumFile).
func (o *owners) readCost(p, in uint32) (cost uint32, totals bool) {
	if o.pi == nil {
		return in, false
	}
	other := o.s.stop[p] - o.s.start[p] - in + o.pi.stop[p] - o.pi.start[p]
	if in <= other {
		return in, false
	}
	return other, true
}

// addEntries adds to o.file (or with take, takes away from it) the lines
// of path p's entries [from, to) by the authors the query keeps, each the
// difference of two running totals read in turn.
func (o *owners) addEntries(p, from, to uint32, take bool) {
	if from == to {
		return
	}
	s := o.s
	var prev uint32
	if from > s.start[p] {
		prev = s.added[from-1] + s.deleted[from-1]
	}
	ident := s.ident[from:to]
	added, deleted := s.added[from:to:to], s.deleted[from:to:to]
	added, deleted = added[:len(ident)], deleted[:len(ident)]
	authors, nameID, lines := o.q.authors, o.v.nameID, o.file.lines
	if take {
		for k, id := range ident {
			cur := added[k] + deleted[k]
			n := cur - prev
			prev = cur
			if authors == nil || authors[id] {
				lines[nameID[id]] -= uint64(n)
			}
		}
		return
	}
	// Each name is written after the names listed, and listed (kept
	// there) when it had no lines yet: without a branch on it, as most
	// of a file's authors are new to it.
	names := slices.Grow(o.file.names, len(ident))
	listed := len(names)
	names = names[:cap(names)]
	for k, id := range ident {
		cur := added[k] + deleted[k]
		n := cur - prev
		prev = cur
		if n == 0 || (authors != nil && !authors[id]) {
			continue
		}
		name := nameID[id]
		old := lines[name]
		lines[name] = old + uint64(n)
		names[listed] = name
		inc := 0
		if old == 0 {
			inc = 1
		}
		listed += inc
	}
	o.file.names = names[:listed]
}

// authorKey is what one author did in a group of files.
type authorKey struct {
	name   uint32
	active int
	lines  uint64
}

// before reports whether a has more lines than b, or as many and a name
// that sorts first (name ids are in name order).
func (a authorKey) before(b authorKey) bool {
	return a.lines > b.lines || (a.lines == b.lines && a.name < b.name)
}

// report sums up a group of files, the directory path: sums are their
// authors' (cleared here when they are o.dir), actOff the offsets of
// their active authors in o.actName.
func (o *owners) report(path string, sums *authorSums, actOff []int) DirectoryOwnership {
	d := DirectoryOwnership{Path: path, Files: len(actOff) - 1, Authors: len(sums.names), TopAuthors: []AuthorShare{}, BusFactorAuthors: []string{}}
	// The top authors, most lines first, then by name (name ids are in
	// name order), kept by insertion; keys are the active authors.
	var top [TopAuthors]authorKey
	tops := 0
	keys := o.keys[:0]
	for _, name := range sums.names {
		a := authorKey{name, sums.active[name], sums.lines[name]}
		d.Changes += int(a.lines)
		if a.active > 0 {
			keys = append(keys, a)
		}
		if tops < TopAuthors || a.before(top[tops-1]) {
			j := min(tops, TopAuthors-1)
			for ; j > 0 && a.before(top[j-1]); j-- {
				top[j] = top[j-1]
			}
			top[j] = a
			tops = min(tops+1, TopAuthors)
		}
	}
	o.keys = keys
	for _, a := range top[:tops] {
		d.TopAuthors = append(d.TopAuthors, AuthorShare{Name: o.v.names[a.name], Changes: int(a.lines), Share: ratio(int(a.lines), d.Changes)})
	}
	if len(d.TopAuthors) > 0 {
		d.TopShare = d.TopAuthors[0].Share
	}
	d.BusFactorAuthors = o.busFactor(actOff, keys)
	d.BusFactor = len(d.BusFactorAuthors)
	return d
}

// busFactor takes authors away, those active on the most files first
// (then the most lines, then by name), until more than half of the files
// (whose active authors are at actOff in o.actName) have no active author
// left, and returns their names. keys are the active authors (only they
// can orphan a file); they are sorted here.
func (o *owners) busFactor(actOff []int, order []authorKey) []string {
	files := len(actOff) - 1
	slices.SortFunc(order, func(a, b authorKey) int {
		switch {
		case a.active != b.active:
			return cmp.Compare(b.active, a.active)
		case a.lines != b.lines:
			return cmp.Compare(b.lines, a.lines)
		}
		return cmp.Compare(a.name, b.name)
	})
	// rank[name] is 1 + the author's place in order.
	for r, a := range order {
		o.rank[a.name] = r + 1
	}
	defer func() {
		for _, a := range order {
			o.rank[a.name] = 0
		}
	}()
	// The files each author is active on, by rank (a counting sort), and
	// how many active authors each file has.
	active := o.actName[actOff[0]:actOff[files]]
	start := make([]int, len(order)+1)
	for _, name := range active {
		start[o.rank[name]]++
	}
	for r := range order {
		start[r+1] += start[r]
	}
	byAuthor := make([]int, len(active))
	next := slices.Clone(start)
	left := make([]int, files)
	for fk := range files {
		left[fk] = actOff[fk+1] - actOff[fk]
		for _, name := range o.actName[actOff[fk]:actOff[fk+1]] {
			r := o.rank[name] - 1
			byAuthor[next[r]] = fk
			next[r]++
		}
	}
	gone := []string{}
	orphans := 0
	for r, a := range order {
		if 2*orphans > files {
			break
		}
		gone = append(gone, o.v.names[a.name])
		for _, fk := range byAuthor[start[r]:start[r+1]] {
			if left[fk]--; left[fk] == 0 {
				orphans++
			}
		}
	}
	return gone
}

// ratio is n/total to four decimals, 0 when total is 0.
func ratio(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(total)*1e4) / 1e4
}
