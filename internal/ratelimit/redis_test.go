package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/testredis"
)

// newRedisClient connects to srv and closes the client when the test ends.
func newRedisClient(t *testing.T, srv *testredis.Server) *redis.Client {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestRedis(t *testing.T) {
	srv := testredis.Start(t)
	testContract(t, func(t *testing.T, limit int, window time.Duration) Limiter {
		client := newRedisClient(t, srv)
		if err := client.FlushDB(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		return NewRedis(client, limit, window)
	})
}

func TestRedisInstancesShareBudget(t *testing.T) {
	srv := testredis.Start(t)
	// Two clients and limiters: two server processes behind one Redis.
	a := NewRedis(newRedisClient(t, srv), 4, 10*time.Second)
	b := NewRedis(newRedisClient(t, srv), 4, 10*time.Second)
	for i, l := range []Limiter{a, b, a, b} {
		if res := mustAllow(t, l, "shared"); !res.Allowed || res.Remaining != 3-i {
			t.Fatalf("request %d: got %+v, want allowed with %d remaining", i+1, res, 3-i)
		}
	}
	for name, l := range map[string]Limiter{"a": a, "b": b} {
		if res := mustAllow(t, l, "shared"); res.Allowed {
			t.Fatalf("limiter %s allowed a request over the shared budget: %+v", name, res)
		}
	}
}

func TestRedisKeyPrefixAndExpiry(t *testing.T) {
	srv := testredis.Start(t)
	client := newRedisClient(t, srv)
	mustAllow(t, NewRedis(client, 5, 3*time.Second), "203.0.113.7")
	ttl, err := client.PTTL(context.Background(), "gitpulse:rl:203.0.113.7").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > 3*time.Second {
		t.Fatalf("counter TTL %v, want in (0, 3s]", ttl)
	}
}

func TestRedisDownIsAnError(t *testing.T) {
	srv := testredis.Start(t)
	l := NewRedis(newRedisClient(t, srv), 5, time.Second)
	srv.Stop()
	if _, err := l.Allow(context.Background(), "k"); err == nil {
		t.Fatal("Allow with Redis down: no error")
	}
}
