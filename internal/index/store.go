package index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// On disk an index is a base file plus segments. The base holds a whole
// index; segment k (path + ".k", from 1 up) holds only the commits one
// update added on top of the index that the base and segments 1..k-1
// make (and those of its first commits that git log lists among them:
// the segment says how many it replaces), with the identities and paths
// they brought. Every file is written
// whole to a temporary name, synced and renamed, and carries a checksum.
// A segment names the base it belongs to (a random id chosen when the base
// is written) and the index it extends (head and table sizes), so a
// segment left over from an older base, damaged or out of sequence is
// ignored with those after it: Load then returns the older index they
// extend, and the next update reads those commits again. Save writes a
// new base, folding the segments in, when they grow past maxSegments or
// an eighth of the base's commits.

// FormatVersion is the version of the on-disk index format. Files of any
// other version are refused by Load and rebuilt by their owner.
const FormatVersion = 3

// magic starts every index file.
const magic = "GITPULSE-INDEX\n\x00"

// The kinds of index file.
const (
	kindBase    = 'B'
	kindSegment = 'S'
)

// maxSegments is how many segments a base may have before Save folds
// them into a new base (a variable for tests).
var maxSegments = 64

// ErrCorrupt means an index file is damaged, truncated or of another
// format version; the caller should rebuild it.
var ErrCorrupt = errors.New("index file is corrupt or of another version")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// shape identifies an index for the segments that extend it: its head and
// the sizes of its tables.
type shape struct {
	head                              string // binary object name; "" when empty
	commits, idents, rawIdents, paths int
	stats                             bool
}

func (x *Index) shape() shape {
	s := shape{commits: x.Len(), idents: len(x.Idents), rawIdents: len(x.RawIdents), paths: len(x.Paths), stats: x.HasStats}
	if x.Len() > 0 {
		s.head = string(x.Hashes[:x.HashSize])
	}
	return s
}

// extension records that an index is the commits of top followed by
// those of an index of shape prev but its first drop, so that Save can
// write just top as a segment. top has the extended index's tables.
type extension struct {
	prev shape
	drop int
	top  *Index
}

// segmentPath is the name of segment k of the index at path.
func segmentPath(path string, k int) string { return path + "." + strconv.Itoa(k) }

// stored describes what is on disk at a path: the base's id and the shape
// of the index that the base and its valid segments make.
type stored struct {
	id       uint64
	segments int
	commits  int // in the segments
	base     int // in the base
	shape    shape
}

// Save writes x to path. When x extends, by Builder.Update, the index
// stored at path, only the new commits are written, as a segment;
// otherwise (or when the segments have grown too many) x is written whole
// as a new base and the old segments are removed. Each file is written to
// a temporary file in the same directory, synced, then renamed, so a
// crash leaves either the old files or the new ones, never a half-written
// one; the whole index is streamed out, never built in memory.
func (x *Index) Save(path string) error {
	if e := x.ext; e != nil {
		if st, err := readStored(path); err == nil && st.shape == e.prev &&
			st.segments < maxSegments && st.commits+e.top.Len() <= max(st.base/8, 1000) {
			if err := writeFile(segmentPath(path, st.segments+1), func(enc *encoder) {
				enc.header(kindSegment)
				enc.uint64(st.id)
				enc.shape(e.prev)
				enc.uvarint(uint64(e.drop))
				e.top.encode(enc, e.prev)
			}); err != nil {
				return fmt.Errorf("save index: %w", err)
			}
			removeSegments(path, st.segments+2)
			return nil
		}
	}
	if err := writeFile(path, func(enc *encoder) { x.encodeBase(enc, rand.Uint64()) }); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	removeSegments(path, 1)
	return nil
}

// removeSegments removes segments from, from+1, ... of path while they
// exist: those of a replaced base, or left after a damaged one.
func removeSegments(path string, from int) {
	for k := from; ; k++ {
		if err := os.Remove(segmentPath(path, k)); err != nil {
			return
		}
	}
}

// writeFile writes what fill encodes, then its checksum, to path
// atomically.
func writeFile(path string, fill func(*encoder)) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-index-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Abandoned: a file left behind is removed when the data
			// directory is next opened (history.New).
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	enc := newEncoder(f)
	fill(enc)
	if err = enc.finish(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()  // best effort: not every file system syncs directories
		_ = d.Close() // opened read-only, to sync
	}
	return nil
}

// Load reads the index stored at path by Save: its base and the valid
// segments after it. A base that is truncated, fails its checksum, is of
// another version or is inconsistent returns an error wrapping
// ErrCorrupt.
func Load(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	d := newDecoder(bufio.NewReaderSize(f, 1<<20), st.Size())
	d.header(kindBase)
	id, s := d.uint64(), d.shape()
	if d.err != nil {
		return nil, fmt.Errorf("load index %s: %w", filepath.Base(path), d.err)
	}
	// The segments are read first, so that the base's columns are read
	// straight into the whole index's, after the segments' commits.
	segs, _ := readSegments(path, id, s)
	x, err := d.base(s, stack(segs))
	if err != nil {
		return nil, fmt.Errorf("load index %s: %w", filepath.Base(path), err)
	}
	return x, nil
}

// above is what goes before a base's commits when it is loaded: the
// commits of its segments that stay, newest first, in one index whose
// tables hold only the entries the segments added, and how many of the
// base's first commits they replace.
type above struct {
	top  *Index
	skip int
}

// stack joins segs, newest first, each without the commits a newer one
// replaces; nil when there are none.
func stack(segs []segment) *above {
	if len(segs) == 0 {
		return nil
	}
	last := segs[len(segs)-1].Index
	tables := &Index{Branch: last.Branch, Mailmap: last.Mailmap}
	for _, s := range segs {
		tables.Idents = append(tables.Idents, s.Idents...)
		tables.RawIdents = append(tables.RawIdents, s.RawIdents...)
		tables.Paths = append(tables.Paths, s.Paths...)
	}
	parts := make([]*Index, 0, len(segs))
	skip := 0
	for k := len(segs) - 1; k >= 0; k-- {
		s := segs[k]
		cut := min(skip, s.Len())
		parts = append(parts, s.slice(cut, s.Len()))
		skip += s.drop - cut
	}
	return &above{top: join(tables, spare{}, parts...), skip: skip}
}

// segment is a segment's commits, with only the identities and paths it
// added in its tables, and how many of the older index's first commits it
// replaces.
type segment struct {
	*Index
	drop int
}

// readStored describes the index stored at path, reading the base's
// header only.
func readStored(path string) (stored, error) {
	f, err := os.Open(path)
	if err != nil {
		return stored{}, err
	}
	defer func() { _ = f.Close() }() // read only
	st, err := f.Stat()
	if err != nil {
		return stored{}, err
	}
	d := newDecoder(bufio.NewReaderSize(f, 4096), st.Size())
	d.header(kindBase)
	s := stored{id: d.uint64(), shape: d.shape()}
	if d.err != nil {
		return stored{}, d.err
	}
	s.base = s.shape.commits
	segs, last := readSegments(path, s.id, s.shape)
	s.segments, s.shape = len(segs), last
	for _, seg := range segs {
		s.commits += seg.Len()
	}
	return s, nil
}

// readSegments reads the segments of the base id at path, in order, as
// long as each extends the index before it (from, the base's shape, for
// the first). It returns them and the shape of the index they make.
func readSegments(path string, id uint64, from shape) (segs []segment, last shape) {
	last = from
	for k := 1; ; k++ {
		data, err := os.ReadFile(segmentPath(path, k))
		if err != nil {
			return segs, last
		}
		d := newDecoder(bytes.NewReader(data), int64(len(data)))
		d.header(kindSegment)
		if d.uint64() != id || d.shape() != last || d.err != nil || last.commits == 0 {
			return segs, last
		}
		drop := d.uvarint()
		seg, _, err := d.body(last, nil, false)
		if err != nil || seg.HashSize != len(last.head) || drop > uint64(last.commits) {
			return segs, last
		}
		segs = append(segs, segment{seg, int(drop)})
		last = shape{head: string(seg.Hashes[:seg.HashSize]), commits: last.commits - int(drop) + seg.Len(),
			idents: last.idents + len(seg.Idents), rawIdents: last.rawIdents + len(seg.RawIdents),
			paths: last.paths + len(seg.Paths), stats: seg.HasStats}
	}
}

// Encode streams x to w in the format of a base file.
func (x *Index) Encode(w io.Writer) error {
	enc := newEncoder(w)
	x.encodeBase(enc, rand.Uint64())
	return enc.finish()
}

func (x *Index) encodeBase(enc *encoder, id uint64) {
	enc.header(kindBase)
	enc.uint64(id)
	enc.shape(x.shape())
	x.encode(enc, shape{})
}

// encode writes x's columns and the entries of its tables past those of
// from.
func (x *Index) encode(enc *encoder, from shape) {
	enc.string(x.ObjectFormat)
	enc.string(x.Branch)
	enc.uvarint(uint64(x.HashSize))
	enc.bytes(x.Hashes)
	writeInts(enc, x.Parents)
	writeInts(enc, x.Author)
	writeInts(enc, x.Committer)
	writeInts(enc, x.AuthorTime)
	writeInts(enc, x.AuthorZone)
	writeInts(enc, x.CommitTime)
	writeInts(enc, x.SubjectOff)
	enc.bytes(x.Subjects)
	enc.idents(x.Idents[from.idents:])
	writeInts(enc, x.RawAuthor)
	writeInts(enc, x.RawCommitter)
	enc.idents(x.RawIdents[from.rawIdents:])
	enc.string(x.Mailmap)
	enc.uvarint(uint64(len(x.Paths) - from.paths))
	for _, p := range x.Paths[from.paths:] {
		enc.string(p)
	}
	if !x.HasStats {
		enc.byte(0)
		return
	}
	enc.byte(1)
	for _, c := range x.statsColumns() {
		writeInts(enc, *c)
	}
}

// statsColumns are the line-statistics columns, in the order of the
// on-disk format.
func (x *Index) statsColumns() []*[]uint32 {
	return []*[]uint32{&x.Added, &x.Deleted, &x.FilesChanged, &x.ChangeOff, &x.ChangePath, &x.ChangeAdded, &x.ChangeDeleted}
}

// encoder writes the on-disk format, keeping its running checksum. The
// first error sticks.
type encoder struct {
	w       *bufio.Writer
	crc     uint32
	scratch []byte
	err     error
}

func newEncoder(w io.Writer) *encoder {
	return &encoder{w: bufio.NewWriterSize(w, 1<<16), scratch: make([]byte, 0, 1<<16)}
}

func (e *encoder) write(b []byte) {
	if e.err != nil {
		return
	}
	e.crc = crc32.Update(e.crc, castagnoli, b)
	_, e.err = e.w.Write(b)
}

// header writes the magic, the format version and the kind of file.
func (e *encoder) header(kind byte) {
	e.write([]byte(magic))
	e.write(binary.LittleEndian.AppendUint32(e.scratch[:0], FormatVersion))
	e.byte(kind)
}

// finish writes the checksum of all that was written and flushes.
func (e *encoder) finish() error {
	if e.err != nil {
		return e.err
	}
	if _, err := e.w.Write(binary.LittleEndian.AppendUint32(nil, e.crc)); err != nil {
		return err
	}
	return e.w.Flush()
}

func (e *encoder) byte(b byte) { e.write([]byte{b}) }

func (e *encoder) uint64(v uint64) { e.write(binary.LittleEndian.AppendUint64(e.scratch[:0], v)) }

func (e *encoder) uvarint(v uint64) { e.write(binary.AppendUvarint(e.scratch[:0], v)) }

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.write(b)
}

func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	for len(s) > 0 {
		n := min(len(s), cap(e.scratch))
		e.write(append(e.scratch[:0], s[:n]...))
		s = s[n:]
	}
}

func (e *encoder) idents(ids []Ident) {
	e.uvarint(uint64(len(ids)))
	for _, id := range ids {
		e.string(id.Name)
		e.string(id.Email)
	}
}

func (e *encoder) shape(s shape) {
	e.string(s.head)
	for _, n := range []int{s.commits, s.idents, s.rawIdents, s.paths} {
		e.uvarint(uint64(n))
	}
	if s.stats {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

type fixedInt interface {
	~uint16 | ~int16 | ~uint32 | ~int64
}

// writeInts writes a length and s in little-endian order, a chunk at a
// time.
func writeInts[T fixedInt](e *encoder, s []T) {
	e.uvarint(uint64(len(s)))
	for len(s) > 0 {
		chunk := s[:min(len(s), 4096)]
		s = s[len(chunk):]
		w := e.scratch[:0]
		switch c := any(chunk).(type) {
		case []uint16:
			for _, v := range c {
				w = binary.LittleEndian.AppendUint16(w, v)
			}
		case []int16:
			for _, v := range c {
				w = binary.LittleEndian.AppendUint16(w, uint16(v))
			}
		case []uint32:
			for _, v := range c {
				w = binary.LittleEndian.AppendUint32(w, v)
			}
		case []int64:
			for _, v := range c {
				w = binary.LittleEndian.AppendUint64(w, uint64(v))
			}
		}
		e.write(w)
	}
}

// UnmarshalBinary decodes and validates an index encoded by Encode.
func UnmarshalBinary(data []byte) (*Index, error) {
	d := newDecoder(bytes.NewReader(data), int64(len(data)))
	d.header(kindBase)
	d.uint64()
	return d.base(d.shape(), nil)
}

// base reads the body of a base file whose header says s, after the
// commits of a (nil for none).
func (d *decoder) base(s shape, a *above) (*Index, error) {
	x, got, err := d.body(shape{}, a, true)
	if err != nil {
		return nil, err
	}
	if got != s {
		return nil, fmt.Errorf("%w: header does not describe the index", ErrCorrupt)
	}
	return x, nil
}

// decoder reads the on-disk format from r, size bytes in all, checking
// every length against what is left and the checksum at the end. The
// first error sticks and turns every later read into a zero value.
type decoder struct {
	r       io.Reader
	left    int64 // bytes before the checksum
	crc     uint32
	scratch []byte
	err     error
}

func newDecoder(r io.Reader, size int64) *decoder {
	d := &decoder{r: r, left: size - 4, scratch: make([]byte, 1<<16)}
	if d.left < 0 {
		d.fail("truncated")
	}
	return d
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, msg)
	}
	d.left = 0
}

// readInto fills b.
func (d *decoder) readInto(b []byte) {
	if d.err != nil {
		clear(b)
		return
	}
	if int64(len(b)) > d.left {
		d.fail("truncated")
		clear(b)
		return
	}
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail("truncated")
		clear(b)
		return
	}
	d.left -= int64(len(b))
	d.crc = crc32.Update(d.crc, castagnoli, b)
}

// header reads the magic, the version and the kind of file.
func (d *decoder) header(kind byte) {
	b := d.scratch[:len(magic)+5]
	d.readInto(b)
	switch {
	case d.err != nil || string(b[:len(magic)]) != magic:
		d.fail("not an index file")
	case binary.LittleEndian.Uint32(b[len(magic):]) != FormatVersion:
		d.fail(fmt.Sprintf("format version %d, want %d", binary.LittleEndian.Uint32(b[len(magic):]), FormatVersion))
	case b[len(b)-1] != kind:
		d.fail("another kind of index file")
	}
}

func (d *decoder) byte() byte {
	b := d.scratch[:1]
	d.readInto(b)
	return b[0]
}

func (d *decoder) uint64() uint64 {
	b := d.scratch[:8]
	d.readInto(b)
	return binary.LittleEndian.Uint64(b)
}

func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c := d.byte()
		if d.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v
		}
	}
	d.fail("bad number")
	return 0
}

// count reads a length whose items take at least minSize bytes each, and
// refuses one that the remaining data cannot hold.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if v > uint64(d.left/int64(minSize)) {
		d.fail("length out of range")
		return 0
	}
	return int(v)
}

func (d *decoder) string() string {
	n := d.count(1)
	if n <= len(d.scratch) {
		b := d.scratch[:n]
		d.readInto(b)
		return string(b)
	}
	b := make([]byte, n)
	d.readInto(b)
	return string(b)
}

func (d *decoder) idents() []Ident {
	ids := make([]Ident, d.count(2))
	for i := range ids {
		ids[i] = Ident{Name: d.string(), Email: d.string()}
	}
	return ids
}

func (d *decoder) shape() shape {
	s := shape{head: d.string()}
	for _, n := range []*int{&s.commits, &s.idents, &s.rawIdents, &s.paths} {
		*n = int(d.uvarint())
	}
	switch d.byte() {
	case 0:
	case 1:
		s.stats = true
	default:
		d.fail("bad stats flag")
	}
	return s
}

// discard reads n bytes and drops them.
func (d *decoder) discard(n int) {
	for n > 0 && d.err == nil {
		k := min(n, len(d.scratch))
		d.readInto(d.scratch[:k])
		n -= k
	}
}

// length reads the length of a column of items of size bytes each, of
// which the first skip are to be dropped.
func (d *decoder) length(size, skip int) int {
	n := d.count(size)
	if skip > n {
		d.fail("segments replace more than the base holds")
		return skip
	}
	return n
}

// readColumn reads a length and that many little-endian values of size
// bytes each, a chunk at a time, and returns front zero values, head,
// then the values read but their first skip.
func readColumn[T fixedInt](d *decoder, size int, front int, head []T, skip int) []T {
	n := d.length(size, skip)
	out := make([]T, front+len(head)+n-skip)
	copy(out[front:], head)
	out, whole := out[front:], out
	d.discard(skip * size)
	for rest := out[len(head):]; len(rest) > 0; {
		chunk := rest[:min(len(rest), len(d.scratch)/size)]
		rest = rest[len(chunk):]
		b := d.scratch[:len(chunk)*size]
		d.readInto(b)
		switch c := any(chunk).(type) {
		case []uint16:
			for i := range c {
				c[i] = binary.LittleEndian.Uint16(b[i*2:])
			}
		case []int16:
			for i := range c {
				c[i] = int16(binary.LittleEndian.Uint16(b[i*2:]))
			}
		case []uint32:
			for i := range c {
				c[i] = binary.LittleEndian.Uint32(b[i*4:])
			}
		case []int64:
			for i := range c {
				c[i] = int64(binary.LittleEndian.Uint64(b[i*8:]))
			}
		}
	}
	return whole
}

// readBytes reads a length and that many bytes, and returns front zero
// bytes, head, then the bytes read but their first skip.
func readBytes(d *decoder, front int, head []byte, skip int) []byte {
	n := d.length(1, skip)
	out := make([]byte, front+len(head)+n-skip)
	copy(out[front:], head)
	d.discard(skip)
	d.readInto(out[front+len(head):])
	return out
}

// readHashes is readBytes for the hash column, skipping skip commits of hs
// bytes each, with front(commits) commits of zero bytes in front; it also
// returns the first hash read (the file's head) and that front.
func readHashes(d *decoder, head []byte, skip, hs int, front func(commits int) int) (out []byte, first string, k int) {
	n := d.length(1, skip*hs)
	k = front((len(head) + n) / hs)
	out = make([]byte, k*hs+len(head)+n-skip*hs)
	whole := out
	out = out[k*hs:]
	copy(out, head)
	if n < hs {
		d.readInto(out[len(head):])
		return whole, "", k
	}
	f := make([]byte, hs)
	d.readInto(f)
	if skip == 0 {
		copy(out[len(head):], f)
		d.readInto(out[len(head)+hs:])
		return whole, string(f), k
	}
	d.discard((skip - 1) * hs)
	d.readInto(out[len(head):])
	return whole, string(f), k
}

// readOffsets reads a length and that many offsets (one more than the
// items they cut), and returns head's (which start at 0) followed by them
// but their first skip, moved to follow head's last; and the offset of
// the first item kept, in the file.
func readOffsets(d *decoder, head []uint32, skip int) (out []uint32, start uint32) {
	t := len(head) - 1
	out = readColumn(d, 4, 0, head[:t], skip)
	if len(out) == t {
		d.fail("offsets out of range")
		return head, 0
	}
	start = out[t]
	for k := t; k < len(out); k++ {
		out[k] = out[k] - start + head[t]
	}
	return out, start
}

// body reads the columns and tables written by encode, then the
// checksum, and validates them: table ids may refer to the entries of the
// index of shape from, which the tables read extend. With a set, the
// columns read go after a's commits, but for the first a.skip, and a's
// table entries after those read. With roomy, the columns have a room in
// front of them (see room). It also returns the shape of what was read.
func (d *decoder) body(from shape, a *above, roomy bool) (*Index, shape, error) {
	if a == nil {
		a = &above{top: &Index{SubjectOff: []uint32{0}, ChangeOff: []uint32{0}}}
	}
	top, skip := a.top, a.skip
	x := &Index{}
	var got shape
	x.ObjectFormat = d.string()
	x.Branch = d.string()
	// Checked before the conversion: a damaged size past MaxInt64 would
	// turn negative.
	size := d.uvarint()
	if size == 0 || size > 64 {
		d.fail("bad hash size")
		size = 1
	}
	x.HashSize = int(size)
	hs := x.HashSize
	var room spare
	x.Hashes, got.head, room.commits = readHashes(d, top.Hashes, skip, hs, func(n int) int {
		if !roomy {
			return 0
		}
		return spareFor(n, 0, 0).commits
	})
	n, k := len(x.Hashes)/hs-room.commits, room.commits
	got.commits = n - top.Len() + skip
	x.Parents = readColumn(d, 2, k, top.Parents, skip)
	x.Author = readColumn(d, 4, k, top.Author, skip)
	x.Committer = readColumn(d, 4, k, top.Committer, skip)
	x.AuthorTime = readColumn(d, 8, k, top.AuthorTime, skip)
	x.AuthorZone = readColumn(d, 2, k, top.AuthorZone, skip)
	x.CommitTime = readColumn(d, 8, k, top.CommitTime, skip)
	var start uint32
	x.SubjectOff, start = readOffsets(d, top.SubjectOff, skip)
	room.subjects = room.per(n, int(x.SubjectOff[len(x.SubjectOff)-1]))
	x.Subjects = readBytes(d, room.subjects, top.Subjects, int(start))
	x.Idents = d.idents()
	x.RawAuthor = readColumn(d, 4, k, top.RawAuthor, skip)
	x.RawCommitter = readColumn(d, 4, k, top.RawCommitter, skip)
	x.RawIdents = d.idents()
	x.Mailmap = d.string()
	x.Paths = make([]string, d.count(1))
	for i := range x.Paths {
		x.Paths[i] = d.string()
	}
	got.idents, got.rawIdents, got.paths = len(x.Idents), len(x.RawIdents), len(x.Paths)
	switch d.byte() {
	case 0:
	case 1:
		x.HasStats, got.stats = true, true
		x.Added = readColumn(d, 4, k, top.Added, skip)
		x.Deleted = readColumn(d, 4, k, top.Deleted, skip)
		x.FilesChanged = readColumn(d, 4, k, top.FilesChanged, skip)
		x.ChangeOff, start = readOffsets(d, top.ChangeOff, skip)
		room.changes = room.per(n, int(x.ChangeOff[len(x.ChangeOff)-1]))
		x.ChangePath = readColumn(d, 4, room.changes, top.ChangePath, int(start))
		x.ChangeAdded = readColumn(d, 4, room.changes, top.ChangeAdded, int(start))
		x.ChangeDeleted = readColumn(d, 4, room.changes, top.ChangeDeleted, int(start))
	default:
		d.fail("bad stats flag")
	}
	if d.err == nil && d.left != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, got, d.err
	}
	if room != (spare{}) {
		x.makeRoom(room)
	}
	sum := d.crc
	var b [4]byte
	if _, err := io.ReadFull(d.r, b[:]); err != nil || binary.LittleEndian.Uint32(b[:]) != sum {
		return nil, got, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if n, _ := d.r.Read(b[:1]); n != 0 {
		return nil, got, fmt.Errorf("%w: trailing bytes", ErrCorrupt)
	}
	if from.commits > 0 && (x.HasStats != from.stats || x.Len() == 0) {
		return nil, got, fmt.Errorf("%w: segment does not fit its index", ErrCorrupt)
	}
	if a.top.Len() > 0 {
		if x.HasStats != a.top.HasStats {
			return nil, got, fmt.Errorf("%w: segments do not fit the base", ErrCorrupt)
		}
		x.Branch, x.Mailmap = a.top.Branch, a.top.Mailmap
		x.Idents = append(x.Idents, a.top.Idents...)
		x.RawIdents = append(x.RawIdents, a.top.RawIdents...)
		x.Paths = append(x.Paths, a.top.Paths...)
	}
	if err := x.validate(from.idents+len(x.Idents), from.rawIdents+len(x.RawIdents), from.paths+len(x.Paths)); err != nil {
		return nil, got, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return x, got, nil
}

// validate checks that every length, offset and id is consistent, so that
// queries can index the arrays without bounds surprises; ids refer to
// tables of the sizes given.
func (x *Index) validate(idents, rawIdents, paths int) error {
	n := x.Len()
	if x.ObjectFormat != "sha1" && x.ObjectFormat != "sha256" {
		return fmt.Errorf("unknown object format %q", x.ObjectFormat)
	}
	if x.HashSize != hashSize(x.ObjectFormat) || len(x.Hashes) != n*x.HashSize {
		return errors.New("hash column size mismatch")
	}
	for _, l := range []int{len(x.Parents), len(x.Author), len(x.Committer), len(x.AuthorZone), len(x.CommitTime),
		len(x.RawAuthor), len(x.RawCommitter)} {
		if l != n {
			return errors.New("column length mismatch")
		}
	}
	if err := checkOffsets(x.SubjectOff, n, len(x.Subjects)); err != nil {
		return fmt.Errorf("subjects: %w", err)
	}
	if err := checkIDs(x.Author, idents); err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	if err := checkIDs(x.Committer, idents); err != nil {
		return fmt.Errorf("committers: %w", err)
	}
	if err := checkIDs(x.RawAuthor, rawIdents); err != nil {
		return fmt.Errorf("raw authors: %w", err)
	}
	if err := checkIDs(x.RawCommitter, rawIdents); err != nil {
		return fmt.Errorf("raw committers: %w", err)
	}
	if !x.HasStats {
		return nil
	}
	if len(x.Added) != n || len(x.Deleted) != n || len(x.FilesChanged) != n {
		return errors.New("stats column length mismatch")
	}
	m := len(x.ChangePath)
	if len(x.ChangeAdded) != m || len(x.ChangeDeleted) != m {
		return errors.New("change column length mismatch")
	}
	if err := checkOffsets(x.ChangeOff, n, m); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	return checkIDs(x.ChangePath, paths)
}

func checkOffsets(off []uint32, n, end int) error {
	if len(off) != n+1 || off[0] != 0 || int64(off[n]) != int64(end) || end > math.MaxUint32 {
		return errors.New("offsets out of range")
	}
	for i := 1; i <= n; i++ {
		if off[i] < off[i-1] {
			return errors.New("offsets not ascending")
		}
	}
	return nil
}

func checkIDs(ids []uint32, limit int) error {
	for _, id := range ids {
		if int(id) >= limit {
			return errors.New("id out of range")
		}
	}
	return nil
}
