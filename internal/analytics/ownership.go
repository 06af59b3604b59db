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

// fileAuthor is what one author changed of one file.
type fileAuthor struct {
	lines  uint64
	name   uint32 // name id
	active bool
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
	o := v.newOwners(f, v.pathFilter(exts, paths, v.excluded(f.Exclude)))
	all := make([]int, len(o.files))
	for k := range all {
		all[k] = k
	}
	d.Summary = o.group(".", all)
	// Group the files by directory, keeping path order within each (a
	// counting sort by directory). In path order the files under a
	// directory of depth components follow each other: the next file's
	// directory is read only when it leaves the last one.
	ids := map[string]int{}
	var names []string
	dirOf := make([]int, len(o.files))
	prev, cut := "", false
	for k, p := range o.files {
		name := v.x.Paths[p]
		if !cut || len(name) <= len(prev) || name[len(prev)] != '/' || !strings.HasPrefix(name, prev) {
			prev = directory(name, depth)
			cut = prev != "." && strings.Count(prev, "/") == depth-1
		}
		id, ok := ids[prev]
		if !ok {
			id = len(names)
			ids[prev] = id
			names = append(names, prev)
		}
		dirOf[k] = id
	}
	start := make([]int, len(names)+1)
	for _, id := range dirOf {
		start[id+1]++
	}
	for id := range names {
		start[id+1] += start[id]
	}
	next := slices.Clone(start)
	for k, id := range dirOf {
		all[next[id]] = k
		next[id]++
	}
	for id, name := range names {
		d.Directories = append(d.Directories, o.group(name, all[start[id]:start[id+1]]))
	}
	slices.SortFunc(d.Directories, func(a, b DirectoryOwnership) int {
		return cmp.Or(cmp.Compare(b.Changes, a.Changes), strings.Compare(a.Path, b.Path))
	})
	return d
}

// owners holds the changed lines per author of every listed file, and
// scratch space for summing them up per group of files.
type owners struct {
	v *View
	// files are the listed path ids with changed lines, in path order;
	// file k's authors are authors[off[k]:off[k+1]].
	files   []uint32
	off     []int
	authors []fileAuthor
	// lines and active are per name id, all zero between groups.
	lines  []uint64
	active []int
}

// newOwners sums the changed lines of every path keep allows (all when
// nil) per author, over the non-merge commits matching f: for each path,
// one run of its entries in the churn sums (those of the window), with no
// pass over the commits.
func (v *View) newOwners(f Filter, keep []bool) *owners {
	q := v.compile(f)
	s := v.churnSums()
	lo, hi := v.span(q.from, q.to)
	// Each path's entries in the window, and how many there are: no
	// file has more authors than entries (nor than its authors of all
	// time).
	first, end := make([]uint32, len(v.byPath)), make([]uint32, len(v.byPath))
	entries := 0
	for p := range v.byPath {
		if keep == nil || keep[p] {
			first[p], end[p] = s.window(uint32(p), lo, hi)
			entries += int(end[p] - first[p])
		}
	}
	o := &owners{v: v, lines: make([]uint64, len(v.names)), active: make([]int, len(v.names)),
		files: make([]uint32, 0, len(v.byPath)), off: make([]int, 1, len(v.byPath)+1),
		authors: make([]fileAuthor, 0, min(entries, s.pathAuthors))}
	var touched []uint32
	for _, p := range v.byPath {
		for e := first[p]; e < end[p]; e++ {
			id := s.ident[e]
			if q.authors != nil && !q.authors[id] {
				continue
			}
			n := s.lines(p, e)
			if n == 0 {
				continue
			}
			name := v.nameID[id]
			if o.lines[name] == 0 {
				touched = append(touched, name)
			}
			o.lines[name] += uint64(n)
		}
		if len(touched) == 0 {
			continue
		}
		var top uint64
		for _, name := range touched {
			top = max(top, o.lines[name])
		}
		for _, name := range touched {
			n := o.lines[name]
			o.authors = append(o.authors, fileAuthor{name: name, lines: n, active: float64(n) >= ActiveShare*float64(top)})
			o.lines[name] = 0
		}
		touched = touched[:0]
		o.files = append(o.files, p)
		o.off = append(o.off, len(o.authors))
	}
	return o
}

// authorKey is what one author did in a group of files.
type authorKey struct {
	name   uint32
	active int
	lines  uint64
}

// group sums up the files (indexes into o.files) of the directory path.
func (o *owners) group(path string, files []int) DirectoryOwnership {
	d := DirectoryOwnership{Path: path, Files: len(files), TopAuthors: []AuthorShare{}, BusFactorAuthors: []string{}}
	var names []uint32
	for _, k := range files {
		for _, a := range o.authors[o.off[k]:o.off[k+1]] {
			if o.lines[a.name] == 0 {
				names = append(names, a.name)
			}
			o.lines[a.name] += a.lines
			d.Changes += int(a.lines)
			if a.active {
				o.active[a.name]++
			}
		}
	}
	d.Authors = len(names)
	keys := make([]authorKey, len(names))
	for k, name := range names {
		keys[k] = authorKey{name, o.active[name], o.lines[name]}
		o.lines[name], o.active[name] = 0, 0
	}
	// The top authors, most lines first, then by name (name ids are in
	// name order): a selection sort of the first few keys.
	for t := range min(TopAuthors, len(keys)) {
		for k := t + 1; k < len(keys); k++ {
			if a, b := keys[k], keys[t]; a.lines > b.lines || (a.lines == b.lines && a.name < b.name) {
				keys[t], keys[k] = keys[k], keys[t]
			}
		}
		a := keys[t]
		d.TopAuthors = append(d.TopAuthors, AuthorShare{Name: o.v.names[a.name], Changes: int(a.lines), Share: ratio(int(a.lines), d.Changes)})
	}
	if len(d.TopAuthors) > 0 {
		d.TopShare = d.TopAuthors[0].Share
	}
	d.BusFactorAuthors = o.busFactor(files, keys)
	d.BusFactor = len(d.BusFactorAuthors)
	return d
}

// busFactor takes authors away, those active on the most files first
// (then the most lines, then by name), until more than half of files
// have no active author left, and returns their names.
func (o *owners) busFactor(files []int, keys []authorKey) []string {
	// Only active authors can orphan a file.
	order := slices.DeleteFunc(keys, func(a authorKey) bool { return a.active == 0 })
	slices.SortFunc(order, func(a, b authorKey) int {
		switch {
		case a.active != b.active:
			return cmp.Compare(b.active, a.active)
		case a.lines != b.lines:
			return cmp.Compare(b.lines, a.lines)
		}
		return cmp.Compare(a.name, b.name)
	})
	// rank[name] is 1 + the author's place in order (o.active is zero
	// again: borrow it).
	rank := o.active
	for r, a := range order {
		rank[a.name] = r + 1
	}
	defer func() {
		for _, a := range order {
			rank[a.name] = 0
		}
	}()
	// The files each author is active on, by rank (a counting sort), and
	// how many active authors each file has.
	start := make([]int, len(order)+1)
	left := make([]int, len(files))
	for fk, k := range files {
		for _, a := range o.authors[o.off[k]:o.off[k+1]] {
			if a.active {
				start[rank[a.name]]++
				left[fk]++
			}
		}
	}
	for r := range order {
		start[r+1] += start[r]
	}
	byAuthor := make([]int, start[len(order)])
	next := slices.Clone(start)
	for fk, k := range files {
		for _, a := range o.authors[o.off[k]:o.off[k+1]] {
			if a.active {
				r := rank[a.name] - 1
				byAuthor[next[r]] = fk
				next[r]++
			}
		}
	}
	gone := []string{}
	orphans := 0
	for r, a := range order {
		if 2*orphans > len(files) {
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
