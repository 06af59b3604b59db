package cache

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The disk tier's file holds three buckets:
//
//	values: storeKey(key) -> stored-at (8 bytes, unix ns, big endian) + value
//	order:  stored-at + storeKey(key) -> empty, oldest first, for pruning
//	meta:   "bytes" -> total size of the live entries (8 bytes)
var (
	valuesBucket = []byte("values")
	orderBucket  = []byte("order")
	metaBucket   = []byte("meta")
	bytesKey     = []byte("bytes")
)

const (
	stampLen      = 8
	diskQueueSize = 256
	diskBatch     = 128
	sweepEvery    = time.Minute
	diskOpenLimit = time.Second // waiting for another process's file lock
	diskWarnEvery = 30 * time.Second
)

// diskTier is the bbolt tier. Writes are batched by one goroutine, which
// also drops expired entries and, past the budget, the oldest ones. All
// methods accept a nil receiver (no disk tier).
type diskTier struct {
	db     *bolt.DB
	budget int64
	ttl    time.Duration
	log    *slog.Logger
	writes *queue[diskEntry]

	errors   atomic.Uint64
	lastWarn atomic.Int64
}

type diskEntry struct {
	key      string
	value    []byte
	storedAt time.Time
}

func openDisk(path string, budget int64, ttl time.Duration, log *slog.Logger) (*diskTier, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create disk cache directory for %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: diskOpenLimit})
	if err != nil {
		return nil, fmt.Errorf("open disk cache %s: %w", path, err)
	}
	d := &diskTier{db: db, budget: budget, ttl: ttl, log: log}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{valuesBucket, orderBucket, metaBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return d.prune(tx, time.Now())
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("init disk cache %s: %w", path, err), db.Close())
	}
	d.writes = newQueue(diskQueueSize, d.drain)
	return d, nil
}

// get returns the value stored under key unless it has expired.
func (d *diskTier) get(key string) ([]byte, bool) {
	if d == nil {
		return nil, false
	}
	var value []byte
	err := d.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(valuesBucket).Get([]byte(storeKey(key)))
		if len(raw) < stampLen || d.expired(stamp(raw), time.Now()) {
			return nil
		}
		value = append([]byte{}, raw[stampLen:]...) // raw is only valid in tx
		return nil
	})
	if err != nil {
		d.failed("read", err)
		return nil, false
	}
	return value, value != nil
}

// put queues a write, waiting for room until ctx ends.
func (d *diskTier) put(ctx context.Context, key string, value []byte) {
	if d == nil {
		return
	}
	d.writes.push(ctx, diskEntry{key, value, time.Now()})
}

// drain writes queued entries in batches until ch is closed, and sweeps
// expired entries now and then when no writes come.
func (d *diskTier) drain(ch <-chan diskEntry) {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return
			}
			d.write(batch(e, ch, diskBatch))
		case <-tick.C:
			d.write(nil)
		}
	}
}

// write stores entries and prunes, in one transaction.
func (d *diskTier) write(entries []diskEntry) {
	err := d.db.Update(func(tx *bolt.Tx) error {
		for _, e := range entries {
			if err := d.store(tx, e); err != nil {
				return err
			}
		}
		return d.prune(tx, time.Now())
	})
	if err != nil {
		d.failed("write", err)
	}
}

func (d *diskTier) store(tx *bolt.Tx, e diskEntry) error {
	values, order := tx.Bucket(valuesBucket), tx.Bucket(orderBucket)
	k := []byte(storeKey(e.key))
	if err := d.remove(tx, k); err != nil {
		return err
	}
	at := make([]byte, stampLen)
	binary.BigEndian.PutUint64(at, uint64(e.storedAt.UnixNano()))
	if err := values.Put(k, append(at, e.value...)); err != nil {
		return err
	}
	if err := order.Put(append(at, k...), nil); err != nil {
		return err
	}
	return addBytes(tx, entrySize(k, e.value))
}

// remove deletes the entry stored under k, if any.
func (d *diskTier) remove(tx *bolt.Tx, k []byte) error {
	values, order := tx.Bucket(valuesBucket), tx.Bucket(orderBucket)
	raw := values.Get(k)
	if raw == nil {
		return nil
	}
	size := entrySize(k, raw[stampLen:])
	if err := order.Delete(append(append([]byte{}, raw[:stampLen]...), k...)); err != nil {
		return err
	}
	if err := values.Delete(k); err != nil {
		return err
	}
	return addBytes(tx, -size)
}

// prune drops the oldest entries while they have expired or the total is
// over budget.
func (d *diskTier) prune(tx *bolt.Tx, now time.Time) error {
	c := tx.Bucket(orderBucket).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		if !d.expired(stamp(k), now) && totalBytes(tx) <= d.budget {
			return nil
		}
		if err := d.remove(tx, append([]byte{}, k[stampLen:]...)); err != nil {
			return err
		}
	}
	return nil
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

// close writes the queued entries and closes the file.
func (d *diskTier) close() error {
	d.writes.close()
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close disk cache: %w", err)
	}
	return nil
}

func stamp(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[:stampLen])))
}

// entrySize is what an entry counts against the disk budget.
func entrySize(k, value []byte) int64 {
	return int64(len(k) + len(value) + stampLen)
}

func totalBytes(tx *bolt.Tx) int64 {
	b := tx.Bucket(metaBucket).Get(bytesKey)
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

func addBytes(tx *bolt.Tx, delta int64) error {
	total := make([]byte, 8)
	binary.BigEndian.PutUint64(total, uint64(totalBytes(tx)+delta))
	return tx.Bucket(metaBucket).Put(bytesKey, total)
}
