package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// keyPrefix namespaces rate-limit counters in a Redis shared with other data.
const keyPrefix = "gitpulse:rl:"

// fixedWindowScript counts one request in KEYS[1], starting a window of
// ARGV[1] milliseconds on the first request, and returns the count and the
// milliseconds until the window ends. A counter without expiry (which only
// a foreign write could leave) gets one, so no key lives forever.
var fixedWindowScript = redis.NewScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`)

// Redis is a fixed-window limiter whose counters live in Redis, so every
// process using the same server shares each client's budget. Windows are
// timed by the Redis server's clock.
type Redis struct {
	client redis.UniversalClient
	limit  int
	window time.Duration
}

// NewRedis returns a limiter allowing limit requests per window for each
// key, counted under "gitpulse:rl:<key>" in Redis. It panics if limit < 1
// or window < 1ms. The client's timeouts bound how long Allow waits for an
// unreachable server.
func NewRedis(client redis.UniversalClient, limit int, window time.Duration) *Redis {
	checkParams(limit, window)
	return &Redis{client: client, limit: limit, window: window}
}

// Allow counts one request for key. It returns an error when Redis cannot
// be reached or answers unexpectedly.
func (r *Redis) Allow(ctx context.Context, key string) (Result, error) {
	vals, err := fixedWindowScript.Run(ctx, r.client, []string{keyPrefix + key}, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("count request in redis: %w", err)
	}
	if len(vals) != 2 {
		return Result{}, fmt.Errorf("count request in redis: script returned %d values, want 2", len(vals))
	}
	return decide(r.limit, int(vals[0]), time.Duration(vals[1])*time.Millisecond), nil
}
