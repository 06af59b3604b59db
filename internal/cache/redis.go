package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// redisPrefix starts every Redis key of the cache.
	redisPrefix = "gitpulse:cache:"
	// redisQueueSize and redisBatch size the background Redis writes.
	redisQueueSize = 1024
	redisBatch     = 64
)

// redisTier is the shared tier. After a failed call it is skipped for
// retryAfter, so an outage costs one bounded call per retryAfter, not one
// per request. All methods accept a nil receiver (no Redis).
type redisTier struct {
	client     redis.UniversalClient
	ttl        time.Duration
	timeout    time.Duration
	retryAfter time.Duration
	log        *slog.Logger
	writes     *queue[redisEntry]

	errors    atomic.Uint64
	downUntil atomic.Int64 // unix nanoseconds; Redis is skipped before it
	down      atomic.Bool  // the last call failed
	lastWarn  atomic.Int64 // unix nanoseconds of the last warning
}

type redisEntry struct {
	key   string
	value []byte
}

func newRedisTier(client redis.UniversalClient, ttl, timeout time.Duration, log *slog.Logger) *redisTier {
	r := &redisTier{client: client, ttl: ttl, timeout: timeout, retryAfter: redisRetryAfter, log: log}
	r.writes = newQueue(redisQueueSize, r.drain)
	return r
}

// redisKey is key as stored in Redis.
func redisKey(key string) string {
	return redisPrefix + storeKey(key)
}

func (r *redisTier) get(ctx context.Context, key string) ([]byte, bool) {
	if r == nil || !r.available() {
		return nil, false
	}
	callCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	v, err := r.client.Get(callCtx, redisKey(key)).Bytes()
	switch {
	case err == nil:
		r.succeeded()
		return v, true
	case errors.Is(err, redis.Nil):
		r.succeeded()
	case ctx.Err() == nil: // not the caller giving up
		r.failed(err)
	}
	return nil, false
}

// put queues a write without waiting: when the queue is full (Redis slow
// or down), the write is dropped and counted as an error.
func (r *redisTier) put(key string, value []byte) {
	if r == nil {
		return
	}
	if !r.writes.tryPush(redisEntry{key, value}) {
		r.errors.Add(1)
	}
}

// drain writes queued entries in pipelined batches until ch is closed.
// Batches that come while Redis is skipped are dropped.
func (r *redisTier) drain(ch <-chan redisEntry) {
	for e := range ch {
		entries := batch(e, ch, redisBatch)
		if r.available() {
			r.write(entries)
		}
	}
}

func (r *redisTier) write(entries []redisEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			p.Set(ctx, redisKey(e.key), e.value, r.ttl)
		}
		return nil
	})
	if err != nil {
		r.failed(err)
		return
	}
	r.succeeded()
}

func (r *redisTier) available() bool {
	return time.Now().UnixNano() >= r.downUntil.Load()
}

// failed skips Redis for retryAfter and warns, at most once per
// redisWarnEvery.
func (r *redisTier) failed(err error) {
	r.errors.Add(1)
	now := time.Now()
	r.downUntil.Store(now.Add(r.retryAfter).UnixNano())
	r.down.Store(true)
	last := r.lastWarn.Load()
	if now.UnixNano()-last >= int64(redisWarnEvery) && r.lastWarn.CompareAndSwap(last, now.UnixNano()) {
		r.log.Warn("redis cache tier unavailable, using local tiers only", "err", err)
	}
}

func (r *redisTier) succeeded() {
	if r.down.Load() && r.down.CompareAndSwap(true, false) {
		r.log.Info("redis cache tier available again")
	}
}

// close writes the queued entries.
func (r *redisTier) close() {
	r.writes.close()
}
