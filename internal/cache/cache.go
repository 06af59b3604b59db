// Package cache is the tiered result cache for HTTP analytics responses:
// already-encoded JSON bodies looked up by an opaque key.
//
// Three tiers are tried in order: a bounded in-process memory tier (otter,
// weighted by byte size), a disk tier (a log of segment files, see disk.go)
// and, when configured,
// a Redis tier shared by every gitpulse process. A hit in a lower tier is
// copied into the tiers above it; the memory tier keeps it only if its
// W-TinyLFU admission rates the key above the entry it would evict, so a
// key read once from disk may stay on disk while hotter keys hold memory.
// Keys are built by the caller and include
// the repository's indexed head commit, so entries are never invalidated:
// they only expire by TTL or get dropped for space.
//
// Redis is optional at run time too: when it fails, the cache logs a
// warning (at most once per 30 s), uses only the local tiers and tries Redis
// again shortly after. Callers never see a Redis error.
package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// MaxValueBytes is the largest value the cache stores: Set ignores larger
// values, and Do returns them without caching them.
const MaxValueBytes = 32 << 20

// Defaults for the zero fields of Options.
const (
	DefaultMemoryBytes  = 64 << 20
	DefaultDiskBytes    = 512 << 20
	DefaultTTL          = 24 * time.Hour
	DefaultRedisTimeout = 150 * time.Millisecond
)

const (
	// memoryOverhead is added to each entry's weight in the memory tier
	// for the key's header, the slice header and otter's node.
	memoryOverhead = 64
	// redisWarnEvery is the least time between two Redis warnings.
	redisWarnEvery = 30 * time.Second
	// redisRetryAfter is how long Redis is skipped after a failure.
	redisRetryAfter = 2 * time.Second
	// maxPlainKey is the longest key stored as is; longer ones are hashed.
	maxPlainKey = 64
)

// Source tells which tier answered, or that the value was computed.
type Source string

// The tiers, and SourceComputed for a value that Do computed.
const (
	SourceMemory   Source = "memory"
	SourceDisk     Source = "disk"
	SourceRedis    Source = "redis"
	SourceComputed Source = "computed"
)

// Options configures a Cache. Zero fields take the defaults above.
type Options struct {
	// MemoryBytes is the memory tier's budget; default 64 MiB.
	MemoryBytes int64
	// DiskPath is the directory of the disk tier, created if needed; ""
	// means no disk tier. Damaged files in it are moved aside, never
	// fatal.
	DiskPath string
	// DiskBytes bounds the size of the disk tier's files together;
	// default 512 MiB. Past it, the oldest entries are dropped.
	DiskBytes int64
	// Redis is the shared tier; nil means none. For RedisTimeout to bound
	// every call, the client should have ContextTimeoutEnabled set.
	Redis redis.UniversalClient
	// TTL is how long an entry lives; default 24h.
	TTL time.Duration
	// RedisTimeout bounds each Redis call; default 150ms.
	RedisTimeout time.Duration
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
}

// Stats are the cache's counters since New.
type Stats struct {
	MemoryHits  uint64 // Get answered by the memory tier
	DiskHits    uint64 // Get answered by the disk tier
	RedisHits   uint64 // Get answered by Redis
	Misses      uint64 // Get found the key in no tier
	Computes    uint64 // computations Do ran
	RedisErrors uint64 // failed Redis calls, and Redis writes dropped for a full queue
	DiskErrors  uint64 // failed disk reads and writes
}

// Cache is the tiered cache. It is safe for concurrent use.
type Cache struct {
	opts   Options
	log    *slog.Logger
	mem    *otter.Cache[string, []byte]
	disk   *diskTier  // nil without a disk tier
	redis  *redisTier // nil without Redis
	flight singleflight.Group

	memoryHits, diskHits, redisHits, misses, computes atomic.Uint64
}

// New opens the cache's tiers. It fails when the disk tier cannot be
// created or opened.
func New(opts Options) (*Cache, error) {
	opts = withDefaults(opts)
	c := &Cache{opts: opts, log: opts.Logger}
	mem, err := otter.New(&otter.Options[string, []byte]{
		MaximumWeight:    uint64(opts.MemoryBytes),
		Weigher:          weigh,
		ExpiryCalculator: otter.ExpiryWriting[string, []byte](opts.TTL),
	})
	if err != nil {
		return nil, fmt.Errorf("create memory cache: %w", err)
	}
	c.mem = mem
	if opts.DiskPath != "" {
		if c.disk, err = openDisk(opts.DiskPath, opts.DiskBytes, opts.TTL, c.log); err != nil {
			mem.StopAllGoroutines()
			return nil, err
		}
	}
	if opts.Redis != nil {
		c.redis = newRedisTier(opts.Redis, opts.TTL, opts.RedisTimeout, c.log)
	}
	return c, nil
}

func withDefaults(opts Options) Options {
	if opts.MemoryBytes <= 0 {
		opts.MemoryBytes = DefaultMemoryBytes
	}
	if opts.DiskBytes <= 0 {
		opts.DiskBytes = DefaultDiskBytes
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.RedisTimeout <= 0 {
		opts.RedisTimeout = DefaultRedisTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return opts
}

func weigh(key string, value []byte) uint32 {
	return uint32(len(key) + len(value) + memoryOverhead)
}

// Get looks in memory, then disk, then Redis; a hit in a lower tier is
// copied into the tiers above it, where its TTL starts afresh. The
// returned slice is the one the memory tier holds, not a copy (a hit
// costs no copy of a large answer): nobody may modify it.
func (c *Cache) Get(ctx context.Context, key string) (value []byte, src Source, ok bool) {
	if v, ok := c.mem.GetIfPresent(key); ok {
		c.memoryHits.Add(1)
		return v, SourceMemory, true
	}
	if v, ok := c.disk.get(key); ok {
		c.diskHits.Add(1)
		c.mem.Set(key, v)
		return v, SourceDisk, true
	}
	if v, ok := c.redis.get(ctx, key); ok {
		c.redisHits.Add(1)
		c.mem.Set(key, v)
		c.disk.put(ctx, key, v)
		return v, SourceRedis, true
	}
	c.misses.Add(1)
	return nil, "", false
}

// Set stores a copy of value in every tier. Disk and Redis are written in
// the background; Close waits for those writes. Values larger than
// MaxValueBytes are not stored. When ctx ends while the disk queue is
// full, the disk write is dropped; when the Redis queue is full, the Redis
// write is dropped.
func (c *Cache) Set(ctx context.Context, key string, value []byte) {
	if len(value) > MaxValueBytes {
		c.log.Debug("value too large to cache", "key", key, "bytes", len(value))
		return
	}
	v := bytes.Clone(value)
	c.mem.Set(key, v)
	c.disk.put(ctx, key, v)
	c.redis.put(key, v)
}

// Do returns the cached value for key or, on a miss, runs compute once for
// all concurrent callers of the same key, stores its result and returns
// it with SourceComputed. Errors from compute are returned, not cached.
// As Get's, the value is not copied for each caller: it is shared with
// the cache and with other callers, and nobody may modify it.
//
// compute gets ctx's values but neither its cancellation nor its
// deadline, since its result is shared by callers with other contexts: it
// must bound itself. A caller whose ctx ends stops waiting and gets
// ctx's error.
func (c *Cache) Do(ctx context.Context, key string, compute func(ctx context.Context) ([]byte, error)) ([]byte, Source, error) {
	if v, src, ok := c.Get(ctx, key); ok {
		return v, src, nil
	}
	detached := context.WithoutCancel(ctx)
	ch := c.flight.DoChan(key, func() (any, error) {
		if v, ok := c.mem.GetIfPresent(key); ok {
			return v, nil // stored by a computation that just ended
		}
		c.computes.Add(1)
		v, err := compute(detached)
		if err != nil {
			return nil, err
		}
		c.Set(detached, key, v)
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, "", res.Err
		}
		return res.Val.([]byte), SourceComputed, nil
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	s := Stats{
		MemoryHits: c.memoryHits.Load(),
		DiskHits:   c.diskHits.Load(),
		RedisHits:  c.redisHits.Load(),
		Misses:     c.misses.Load(),
		Computes:   c.computes.Load(),
	}
	if c.disk != nil {
		s.DiskErrors = c.disk.errors.Load()
	}
	if c.redis != nil {
		s.RedisErrors = c.redis.errors.Load()
	}
	return s
}

// Close writes the pending disk and Redis writes and closes the disk
// tier. The Redis client is the caller's to close. After Close, Set and
// Get use only the memory tier.
func (c *Cache) Close() error {
	var err error
	if c.redis != nil {
		c.redis.close()
	}
	if c.disk != nil {
		err = c.disk.close()
	}
	c.mem.StopAllGoroutines()
	return err
}

// queue is a write queue that a single goroutine drains in batches, and
// that can be closed while writers use it.
type queue[T any] struct {
	mu     sync.RWMutex
	closed bool
	ch     chan T
	done   chan struct{}
}

func newQueue[T any](size int, drain func(ch <-chan T)) *queue[T] {
	q := &queue[T]{ch: make(chan T, size), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		drain(q.ch)
	}()
	return q
}

// push adds item, waiting for room until ctx ends. It reports whether
// the item was queued.
func (q *queue[T]) push(ctx context.Context, item T) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return false
	}
	select {
	case q.ch <- item:
		return true
	case <-ctx.Done():
		return false
	}
}

// tryPush adds item if there is room. It reports whether the item was
// queued.
func (q *queue[T]) tryPush(item T) bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return false
	}
	select {
	case q.ch <- item:
		return true
	default:
		return false
	}
}

// close stops new pushes and waits until the queued items are drained.
func (q *queue[T]) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
}

// batch receives first and then whatever else is queued, up to max items.
func batch[T any](first T, ch <-chan T, max int) []T {
	items := []T{first}
	for len(items) < max {
		select {
		case item, ok := <-ch:
			if !ok {
				return items
			}
			items = append(items, item)
		default:
			return items
		}
	}
	return items
}

// storeKey is key as stored on disk and in Redis: as is when short,
// hashed when long. The prefixes keep the two kinds from colliding.
func storeKey(key string) string {
	if len(key) <= maxPlainKey {
		return "k:" + key
	}
	sum := sha256.Sum256([]byte(key))
	return "h:" + hex.EncodeToString(sum[:])
}
