package index

import "sync"

// git log lists the newest commit first, so the commits an update adds go
// before the old ones in every column. Copying every column to put 100 new
// commits in front of a million old ones cost most of an update's time, so
// the index Load or Update makes keeps spare space in front of its columns
// (a room): the arrays they are the ends of, with unused elements before
// them. An update of that index writes the new commits into that space
// and makes an index whose columns are longer ends of the same arrays; the
// old index, whose elements nobody writes, stays whole. Only the offset
// columns (SubjectOff, ChangeOff) are made anew, as every offset moves.
//
// An index extends in place only when its columns are exactly the used
// ends of the room's arrays: the index made then owns the room, and the
// older one, extended again, is copied into a new room (as is one whose
// extension does not fit). When git log lists the new commits among the
// old index's newest ones, which the extension then replaces in another
// order, it is written in place only over an old index that nobody reads
// any more (Builder.UpdateUnshared).

// room is the spare space in front of the columns of the indexes it owns
// in turn.
type room struct {
	mu sync.Mutex
	// full's columns are the whole arrays, the spare elements first.
	full Index
	// used is how many elements at the arrays' ends the owner's columns
	// take: commits (Hashes holds HashSize bytes each), subject bytes and
	// file changes.
	commits, subjects, changes int
}

// columns are pointers to an index's columns but the offset ones, by
// element type, in one order for every index.
type columns struct {
	bytes []*[]byte
	u16   []*[]uint16
	i16   []*[]int16
	u32   []*[]uint32
	i64   []*[]int64
}

func (x *Index) columns() columns {
	c := columns{
		bytes: []*[]byte{&x.Hashes, &x.Subjects},
		u16:   []*[]uint16{&x.Parents},
		i16:   []*[]int16{&x.AuthorZone},
		u32:   []*[]uint32{&x.Author, &x.Committer, &x.RawAuthor, &x.RawCommitter},
		i64:   []*[]int64{&x.AuthorTime, &x.CommitTime},
	}
	if x.HasStats {
		c.u32 = append(c.u32, &x.Added, &x.Deleted, &x.FilesChanged, &x.ChangePath, &x.ChangeAdded, &x.ChangeDeleted)
	}
	return c
}

// spare is how many elements a room keeps in front of an index's columns:
// for commits, subject bytes and file changes.
type spare struct{ commits, subjects, changes int }

// spareFor is the room for an index of n commits with the given subject
// bytes and changes: a thirty-second of its commits and 256 more (so that
// about 300 updates of 100 commits fit in front of a million before it is
// copied), with subject bytes and changes for them (see per).
func spareFor(n, subjects, changes int) spare {
	s := spare{commits: n/32 + 256}
	s.subjects, s.changes = s.per(n, subjects), s.per(n, changes)
	return s
}

// per is the room for the items of which n commits hold total: as many
// per commit as they hold on average, and one more, but no more than 129
// (a damaged file's total, read before the items, cannot make it huge).
func (s spare) per(n, total int) int { return s.commits * (min(total/max(n, 1), 128) + 1) }

// of is the number of spare elements in front of a column holding items
// of the given kind.
func (s spare) of(x *Index, c any) int {
	switch c {
	case &x.Hashes:
		return s.commits * x.HashSize
	case &x.Subjects:
		return s.subjects
	case &x.ChangePath, &x.ChangeAdded, &x.ChangeDeleted:
		return s.changes
	}
	return s.commits
}

// makeRoom makes x's columns, which have the spare elements s in front
// of them, the owner of a room of those arrays, and cuts the spare
// elements off them.
func (x *Index) makeRoom(s spare) {
	r := &room{full: *x}
	// Only the columns: the rest would outlive the index it is x's.
	f := &r.full
	f.room, f.ext, f.exclude = nil, nil, nil
	f.SubjectOff, f.ChangeOff, f.Idents, f.RawIdents, f.Paths = nil, nil, nil, nil, nil
	c := x.columns()
	cutFront(x, s, c.bytes)
	cutFront(x, s, c.u16)
	cutFront(x, s, c.i16)
	cutFront(x, s, c.u32)
	cutFront(x, s, c.i64)
	r.commits, r.subjects, r.changes = x.Len(), len(x.Subjects), len(x.ChangePath)
	x.room = r
}

func cutFront[E any](x *Index, s spare, cols []*[]E) {
	for _, c := range cols {
		*c = (*c)[s.of(x, c):]
	}
}

// prepend returns the index of top's commits followed by old's but its
// first drop, with top's tables (which extend old's), writing top's
// columns into the room in front of old's and, with drop above zero, over
// old's first drop commits; ok is false, and nothing is done, when old
// does not own a room or top does not fit in it.
func prepend(top, old *Index, drop int) (x *Index, ok bool) {
	r := old.room
	if r == nil || top.HasStats != old.HasStats || top.HashSize != old.HashSize {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old.Len() != r.commits || len(old.Subjects) != r.subjects || len(old.ChangePath) != r.changes {
		return nil, false // extended before, or not the room's
	}
	old = old.slice(drop, old.Len())
	f, o, t := r.full.columns(), old.columns(), top.columns()
	if !fits(f.bytes, o.bytes, t.bytes) || !fits(f.u16, o.u16, t.u16) || !fits(f.i16, o.i16, t.i16) ||
		!fits(f.u32, o.u32, t.u32) || !fits(f.i64, o.i64, t.i64) {
		return nil, false
	}
	x = &Index{
		ObjectFormat: old.ObjectFormat, Branch: top.Branch, HashSize: old.HashSize,
		Idents: top.Idents, RawIdents: top.RawIdents, Mailmap: top.Mailmap, Paths: top.Paths,
		HasStats: old.HasStats,
	}
	c := x.columns()
	place(f.bytes, o.bytes, t.bytes, c.bytes)
	place(f.u16, o.u16, t.u16, c.u16)
	place(f.i16, o.i16, t.i16, c.i16)
	place(f.u32, o.u32, t.u32, c.u32)
	place(f.i64, o.i64, t.i64, c.i64)
	parts := []*Index{top, old}
	x.SubjectOff = concatOffsets(parts, func(p *Index) []uint32 { return p.SubjectOff })
	if x.HasStats {
		x.ChangeOff = concatOffsets(parts, func(p *Index) []uint32 { return p.ChangeOff })
	}
	r.commits, r.subjects, r.changes = x.Len(), len(x.Subjects), len(x.ChangePath)
	x.room = r
	return x, true
}

// fits reports whether each of old's columns is the end of the array in
// full and the array can hold top's column in front of it.
func fits[E any](full, old, top []*[]E) bool {
	for i := range full {
		f, o := *full[i], *old[i]
		if len(f) < len(o)+len(*top[i]) || (len(o) > 0 && &f[len(f)-len(o)] != &o[0]) {
			return false
		}
	}
	return true
}

// place sets each column of out to top's column followed by old's, the
// latter being the end of the array in full, by writing top's in front of
// it.
func place[E any](full, old, top, out []*[]E) {
	for i := range full {
		f := *full[i]
		s := f[len(f)-len(*old[i])-len(*top[i]):]
		copy(s, *top[i])
		*out[i] = s
	}
}
