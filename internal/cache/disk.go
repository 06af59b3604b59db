package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The disk tier is a log of segment files in one directory. Entries are
// appended to the newest segment; past a size the next segment is begun,
// and whole segments are dropped, oldest first, when they have expired or
// when the files together would pass the budget. So the budget bounds the
// files' real size, and nothing is memory-mapped: a value is read with one
// pread into a buffer of its own size.
//
// A segment file is record.go's segment format. A file that does not read
// back whole (cut short, overwritten, garbage) is moved aside as
// <name>.damaged when the tier opens, replacing the copies moved aside by
// the previous open, and the tier goes on without it; a record damaged
// after opening fails its checksum when read and is dropped. Damage is
// therefore at worst a miss: the tier cannot fault the process.
const (
	segmentExt    = ".seg"
	damagedExt    = ".damaged"
	diskQueueSize = 256
	diskBatch     = 128
	sweepEvery    = time.Minute
	diskWarnEvery = 30 * time.Second
	// segmentsPerBudget is how many segments the budget is cut into: a
	// dropped segment frees 1/segmentsPerBudget of the budget.
	segmentsPerBudget = 8
)

// diskTier is the segment-log tier. Writes are batched by one goroutine,
// which also drops expired segments; reads run concurrently with it. All
// methods accept a nil receiver (no disk tier).
type diskTier struct {
	dir    string
	budget int64 // the most bytes all segment files hold together
	segMax int64 // a segment past which the next write begins a new one
	ttl    time.Duration
	log    *slog.Logger
	writes *queue[diskEntry]

	// mu guards index, segs and total, and is held for reading during a
	// read from a segment so that the segment is not closed under it.
	mu    sync.RWMutex
	index map[string]location // storeKey -> where its newest record is
	segs  []*segment          // oldest first; the last is written to
	total int64               // sum of the segments' sizes

	errors   atomic.Uint64
	lastWarn atomic.Int64
}

type diskEntry struct {
	key      string
	value    []byte
	storedAt time.Time
}

// segment is one open segment file.
type segment struct {
	id     uint64
	f      *os.File
	size   int64
	newest time.Time // the latest storedAt in it
	keys   []string  // the store keys of its records
}

// location is where a record is: its segment, offset and length.
type location struct {
	seg      *segment
	off      int64
	length   int64
	storedAt time.Time
}

func openDisk(dir string, budget int64, ttl time.Duration, log *slog.Logger) (*diskTier, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create disk cache directory %s: %w", dir, err)
	}
	d := &diskTier{
		dir:    dir,
		budget: budget,
		segMax: max(budget/segmentsPerBudget, 1),
		ttl:    ttl,
		log:    log,
		index:  map[string]location{},
	}
	if err := d.load(time.Now()); err != nil {
		return nil, errors.Join(err, d.closeFiles())
	}
	if err := d.begin(); err != nil {
		return nil, errors.Join(err, d.closeFiles())
	}
	d.writes = newQueue(diskQueueSize, d.drain)
	return d, nil
}

// load opens the segments in dir, oldest first, moving damaged ones
// aside, and drops the oldest while they have expired or pass the budget.
func (d *diskTier) load(now time.Time) error {
	names, err := os.ReadDir(d.dir)
	if err != nil {
		return fmt.Errorf("read disk cache directory %s: %w", d.dir, err)
	}
	var ids []uint64
	for _, e := range names {
		name := e.Name()
		if strings.HasSuffix(name, damagedExt) {
			_ = os.Remove(filepath.Join(d.dir, name)) // the previous open's
			continue
		}
		var id uint64
		if _, err := fmt.Sscanf(name, "%016x"+segmentExt, &id); err == nil && name == segmentName(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var damaged []string
	for _, id := range ids {
		s, err := d.openSegment(id)
		switch {
		case err != nil:
			damaged = append(damaged, segmentName(id))
			if err := os.Rename(filepath.Join(d.dir, segmentName(id)), filepath.Join(d.dir, segmentName(id)+damagedExt)); err != nil {
				return fmt.Errorf("move damaged disk cache segment aside: %w", err)
			}
		default:
			d.segs = append(d.segs, s)
			d.total += s.size
		}
	}
	if len(damaged) > 0 {
		d.log.Warn("disk cache damaged: moved aside, its entries will be computed again",
			"dir", d.dir, "segments", damaged)
	}
	for len(d.segs) > 0 && (d.total > d.budget || d.expired(d.segs[0].newest, now)) {
		d.dropOldest()
	}
	return nil
}

// openSegment opens segment id and indexes its records, newer records
// replacing older ones of the same key. It fails if the file does not
// read back whole.
func (d *diskTier) openSegment(id uint64) (*segment, error) {
	f, err := os.OpenFile(filepath.Join(d.dir, segmentName(id)), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close() // nothing was written through f
		return nil, err
	}
	s := &segment{id: id, f: f, size: info.Size()}
	err = readSegment(f, s.size, func(r recordInfo) {
		s.keys = append(s.keys, r.key)
		s.newest = later(s.newest, r.storedAt)
		d.index[r.key] = location{seg: s, off: r.off, length: r.length, storedAt: r.storedAt}
	})
	if err != nil {
		for _, k := range s.keys {
			if d.index[k].seg == s {
				delete(d.index, k)
			}
		}
		_ = f.Close() // nothing was written through f
		return nil, fmt.Errorf("segment %s: %w", segmentName(id), err)
	}
	return s, nil
}

// begin creates a new, empty segment to write to.
func (d *diskTier) begin() error {
	var id uint64 = 1
	if n := len(d.segs); n > 0 {
		id = d.segs[n-1].id + 1
	}
	f, err := os.OpenFile(filepath.Join(d.dir, segmentName(id)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create disk cache segment: %w", err)
	}
	if _, err := f.Write(segmentMagic); err != nil {
		_ = f.Close()           // the file is removed: its content is lost anyway
		_ = os.Remove(f.Name()) // a stray segment fails its checks and is moved aside
		return fmt.Errorf("create disk cache segment: %w", err)
	}
	d.mu.Lock()
	d.segs = append(d.segs, &segment{id: id, f: f, size: int64(len(segmentMagic))})
	d.total += int64(len(segmentMagic))
	d.mu.Unlock()
	return nil
}

// get returns the value stored under key unless it has expired or its
// record no longer reads back.
func (d *diskTier) get(key string) ([]byte, bool) {
	if d == nil {
		return nil, false
	}
	k := storeKey(key)
	d.mu.RLock()
	loc, ok := d.index[k]
	if !ok || d.expired(loc.storedAt, time.Now()) {
		d.mu.RUnlock()
		return nil, false
	}
	buf := make([]byte, loc.length)
	_, err := loc.seg.f.ReadAt(buf, loc.off)
	d.mu.RUnlock()
	var value []byte
	if err == nil {
		value, err = decodeRecord(buf, k)
	}
	if err != nil {
		d.failed("read", fmt.Errorf("segment %s: %w", segmentName(loc.seg.id), err))
		d.mu.Lock()
		if d.index[k] == loc {
			delete(d.index, k)
		}
		d.mu.Unlock()
		return nil, false
	}
	return value, true
}

// put queues a write, waiting for room until ctx ends.
func (d *diskTier) put(ctx context.Context, key string, value []byte) {
	if d == nil {
		return
	}
	d.writes.push(ctx, diskEntry{key, value, time.Now()})
}

// drain writes queued entries in batches until ch is closed, and sweeps
// expired segments now and then.
func (d *diskTier) drain(ch <-chan diskEntry) {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return
			}
			for _, e := range batch(e, ch, diskBatch) {
				d.write(e)
			}
		case <-tick.C:
			d.sweep(time.Now())
		}
	}
}

// write appends e to the newest segment, beginning a new one when it is
// full and dropping the oldest while the budget would be passed. Entries
// too large for a segment are not stored.
func (d *diskTier) write(e diskEntry) {
	k := storeKey(e.key)
	rec := encodeRecord(k, e.value, e.storedAt)
	n := int64(len(rec))
	if n+int64(len(segmentMagic)) > d.segMax {
		return
	}
	active := d.segs[len(d.segs)-1]
	full := active.size+n > d.segMax
	need := n // what the files grow by
	if full {
		need += int64(len(segmentMagic))
	}
	// Make room first, so that the files never pass the budget.
	d.mu.Lock()
	for d.total+need > d.budget && len(d.segs) > 1 {
		d.dropOldest()
	}
	d.mu.Unlock()
	if full {
		if err := d.begin(); err != nil {
			d.failed("write", err)
			return
		}
		active = d.segs[len(d.segs)-1]
	}
	if _, err := active.f.WriteAt(rec, active.size); err != nil {
		// Cut off what was written, so that the file reads back whole.
		d.failed("write", errors.Join(err, active.f.Truncate(active.size)))
		return
	}
	d.mu.Lock()
	d.index[k] = location{seg: active, off: active.size, length: n, storedAt: e.storedAt}
	active.size += n
	active.keys = append(active.keys, k)
	active.newest = later(active.newest, e.storedAt)
	d.total += n
	d.mu.Unlock()
}

// sweep drops the segments whose newest entry has expired, except the one
// being written.
func (d *diskTier) sweep(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.segs) > 1 && d.expired(d.segs[0].newest, now) {
		d.dropOldest()
	}
}

// dropOldest deletes the oldest segment and its entries; d.mu is held or
// the tier not yet shared.
func (d *diskTier) dropOldest() {
	s := d.segs[0]
	d.segs = d.segs[1:]
	d.total -= s.size
	for _, k := range s.keys {
		if d.index[k].seg == s {
			delete(d.index, k)
		}
	}
	d.delete(s)
}

// delete closes and removes a segment's file.
func (d *diskTier) delete(s *segment) {
	_ = s.f.Close() // the file is removed next: what it holds is not needed
	if err := os.Remove(s.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		d.failed("remove", err)
	}
}

func (d *diskTier) expired(storedAt time.Time, now time.Time) bool {
	return now.Sub(storedAt) >= d.ttl
}

// failed counts a disk error and logs it, at most once per diskWarnEvery.
func (d *diskTier) failed(op string, err error) {
	d.errors.Add(1)
	now := time.Now().UnixNano()
	last := d.lastWarn.Load()
	if now-last >= int64(diskWarnEvery) && d.lastWarn.CompareAndSwap(last, now) {
		d.log.Warn("disk cache "+op+" failed", "err", err)
	}
}

// close writes the queued entries and closes the files, removing the
// newest segment if nothing was written to it. Closing again does
// nothing.
func (d *diskTier) close() error {
	d.writes.close()
	if len(d.segs) == 0 {
		return nil // closed before
	}
	if s := d.segs[len(d.segs)-1]; len(s.keys) == 0 {
		d.segs = d.segs[:len(d.segs)-1]
		d.delete(s)
	}
	return d.closeFiles()
}

func (d *diskTier) closeFiles() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.index = map[string]location{}
	var errs []error
	for _, s := range d.segs {
		if err := s.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close disk cache segment: %w", err))
		}
	}
	d.segs = nil
	return errors.Join(errs...)
}

func segmentName(id uint64) string {
	return fmt.Sprintf("%016x%s", id, segmentExt)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
