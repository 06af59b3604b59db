package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
)

// FormatVersion is the version of the on-disk index format. Files of any
// other version are refused by Load and rebuilt by their owner.
const FormatVersion = 2

// magic starts every index file.
const magic = "GITPULSE-INDEX\n\x00"

// ErrCorrupt means an index file is damaged, truncated or of another
// format version; the caller should rebuild it.
var ErrCorrupt = errors.New("index file is corrupt or of another version")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Save writes x to path atomically: to a temporary file in the same
// directory, synced, then renamed over path, so a crash leaves either the
// old file or the new one, never a half-written one.
func (x *Index) Save(path string) (err error) {
	data := x.MarshalBinary()
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-index-*")
	if err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	defer func() {
		if err != nil {
			// Abandoned: a file left behind is removed when the data
			// directory is next opened (history.New).
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save index: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()  // best effort: not every file system syncs directories
		_ = d.Close() // opened read-only, to sync
	}
	return nil
}

// Load reads an index written by Save. A file that is truncated, fails its
// checksum, is of another version or is inconsistent returns an error
// wrapping ErrCorrupt.
func Load(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load index: %w", err)
	}
	x, err := UnmarshalBinary(data)
	if err != nil {
		return nil, fmt.Errorf("load index %s: %w", filepath.Base(path), err)
	}
	return x, nil
}

// MarshalBinary encodes x in the on-disk format.
func (x *Index) MarshalBinary() []byte {
	n := x.Len()
	size := len(magic) + 64 + len(x.Hashes) + len(x.Subjects) + n*48 + len(x.ChangePath)*12
	w := make([]byte, 0, size)
	w = append(w, magic...)
	w = binary.LittleEndian.AppendUint32(w, FormatVersion)
	w = appendString(w, x.ObjectFormat)
	w = appendString(w, x.Branch)
	w = binary.AppendUvarint(w, uint64(x.HashSize))
	w = appendBytes(w, x.Hashes)
	w = appendInts(w, x.Parents)
	w = appendInts(w, x.Author)
	w = appendInts(w, x.Committer)
	w = appendInts(w, x.AuthorTime)
	w = appendInts(w, x.AuthorZone)
	w = appendInts(w, x.CommitTime)
	w = appendInts(w, x.SubjectOff)
	w = appendBytes(w, x.Subjects)
	w = binary.AppendUvarint(w, uint64(len(x.Idents)))
	for _, id := range x.Idents {
		w = appendString(w, id.Name)
		w = appendString(w, id.Email)
	}
	w = appendInts(w, x.RawAuthor)
	w = appendInts(w, x.RawCommitter)
	w = binary.AppendUvarint(w, uint64(len(x.RawIdents)))
	for _, id := range x.RawIdents {
		w = appendString(w, id.Name)
		w = appendString(w, id.Email)
	}
	w = appendString(w, x.Mailmap)
	w = binary.AppendUvarint(w, uint64(len(x.Paths)))
	for _, p := range x.Paths {
		w = appendString(w, p)
	}
	if x.HasStats {
		w = append(w, 1)
		w = appendInts(w, x.Added)
		w = appendInts(w, x.Deleted)
		w = appendInts(w, x.FilesChanged)
		w = appendInts(w, x.ChangeOff)
		w = appendInts(w, x.ChangePath)
		w = appendInts(w, x.ChangeAdded)
		w = appendInts(w, x.ChangeDeleted)
	} else {
		w = append(w, 0)
	}
	return binary.LittleEndian.AppendUint32(w, crc32.Checksum(w, castagnoli))
}

func appendString(w []byte, s string) []byte {
	w = binary.AppendUvarint(w, uint64(len(s)))
	return append(w, s...)
}

func appendBytes(w, b []byte) []byte {
	w = binary.AppendUvarint(w, uint64(len(b)))
	return append(w, b...)
}

type fixedInt interface {
	~uint16 | ~int16 | ~uint32 | ~int64
}

func appendInts[T fixedInt](w []byte, s []T) []byte {
	w = binary.AppendUvarint(w, uint64(len(s)))
	switch s := any(s).(type) {
	case []uint16:
		for _, v := range s {
			w = binary.LittleEndian.AppendUint16(w, v)
		}
	case []int16:
		for _, v := range s {
			w = binary.LittleEndian.AppendUint16(w, uint16(v))
		}
	case []uint32:
		for _, v := range s {
			w = binary.LittleEndian.AppendUint32(w, v)
		}
	case []int64:
		for _, v := range s {
			w = binary.LittleEndian.AppendUint64(w, uint64(v))
		}
	}
	return w
}

// UnmarshalBinary decodes and validates an index encoded by MarshalBinary.
func UnmarshalBinary(data []byte) (*Index, error) {
	if len(data) < len(magic)+8 || string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: not an index file", ErrCorrupt)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if v := binary.LittleEndian.Uint32(data[len(magic):]); v != FormatVersion {
		return nil, fmt.Errorf("%w: format version %d, want %d", ErrCorrupt, v, FormatVersion)
	}
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	r := &reader{buf: body[len(magic)+4:]}
	x := &Index{}
	x.ObjectFormat = r.string()
	x.Branch = r.string()
	x.HashSize = int(r.uvarint())
	x.Hashes = r.bytes()
	x.Parents = readInts[uint16](r, 2)
	x.Author = readInts[uint32](r, 4)
	x.Committer = readInts[uint32](r, 4)
	x.AuthorTime = readInts[int64](r, 8)
	x.AuthorZone = readInts[int16](r, 2)
	x.CommitTime = readInts[int64](r, 8)
	x.SubjectOff = readInts[uint32](r, 4)
	x.Subjects = r.bytes()
	x.Idents = make([]Ident, r.count(2))
	for i := range x.Idents {
		x.Idents[i] = Ident{Name: r.string(), Email: r.string()}
	}
	x.RawAuthor = readInts[uint32](r, 4)
	x.RawCommitter = readInts[uint32](r, 4)
	x.RawIdents = make([]Ident, r.count(2))
	for i := range x.RawIdents {
		x.RawIdents[i] = Ident{Name: r.string(), Email: r.string()}
	}
	x.Mailmap = r.string()
	x.Paths = make([]string, r.count(1))
	for i := range x.Paths {
		x.Paths[i] = r.string()
	}
	switch r.byte() {
	case 0:
	case 1:
		x.HasStats = true
		x.Added = readInts[uint32](r, 4)
		x.Deleted = readInts[uint32](r, 4)
		x.FilesChanged = readInts[uint32](r, 4)
		x.ChangeOff = readInts[uint32](r, 4)
		x.ChangePath = readInts[uint32](r, 4)
		x.ChangeAdded = readInts[uint32](r, 4)
		x.ChangeDeleted = readInts[uint32](r, 4)
	default:
		r.fail("bad stats flag")
	}
	if r.err == nil && len(r.buf) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, r.err)
	}
	if err := x.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return x, nil
}

// reader decodes the on-disk format; the first error sticks and turns
// every later read into a zero value.
type reader struct {
	buf []byte
	err error
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
	r.buf = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

// count reads a length whose items take at least minSize bytes each, and
// refuses one that the remaining data cannot hold.
func (r *reader) count(minSize int) int {
	v := r.uvarint()
	if v > uint64(len(r.buf)/minSize) {
		r.fail("length out of range")
		return 0
	}
	return int(v)
}

func (r *reader) bytes() []byte {
	n := r.count(1)
	b := r.buf[:n:n]
	r.buf = r.buf[n:]
	return b
}

func (r *reader) string() string { return string(r.bytes()) }

func (r *reader) byte() byte {
	if len(r.buf) == 0 {
		r.fail("truncated")
		return 0
	}
	b := r.buf[0]
	r.buf = r.buf[1:]
	return b
}

func readInts[T fixedInt](r *reader, size int) []T {
	n := r.count(size)
	out := make([]T, n)
	b := r.buf[:n*size]
	r.buf = r.buf[n*size:]
	switch out := any(out).(type) {
	case []uint16:
		for i := range out {
			out[i] = binary.LittleEndian.Uint16(b[i*2:])
		}
	case []int16:
		for i := range out {
			out[i] = int16(binary.LittleEndian.Uint16(b[i*2:]))
		}
	case []uint32:
		for i := range out {
			out[i] = binary.LittleEndian.Uint32(b[i*4:])
		}
	case []int64:
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[i*8:]))
		}
	}
	return out
}

// validate checks that every length, offset and id is consistent, so that
// queries can index the arrays without bounds surprises.
func (x *Index) validate() error {
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
	if err := checkIDs(x.Author, len(x.Idents)); err != nil {
		return fmt.Errorf("authors: %w", err)
	}
	if err := checkIDs(x.Committer, len(x.Idents)); err != nil {
		return fmt.Errorf("committers: %w", err)
	}
	if err := checkIDs(x.RawAuthor, len(x.RawIdents)); err != nil {
		return fmt.Errorf("raw authors: %w", err)
	}
	if err := checkIDs(x.RawCommitter, len(x.RawIdents)); err != nil {
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
	return checkIDs(x.ChangePath, len(x.Paths))
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
