package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/redis/go-redis/v9"
)

// mustNew opens a cache that is closed when the test ends; tests may
// close it earlier, to check what reached disk or Redis.
func mustNew(tb testing.TB, opts Options) *Cache {
	tb.Helper()
	c, err := New(opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// newRedis returns a client for addr set up as the server sets it up:
// context deadlines bound every call.
func newRedis(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// syncBuffer is a log sink that goroutines may write while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func wantGet(tb testing.TB, c *Cache, key string, want []byte, wantSrc Source) {
	tb.Helper()
	got, src, ok := c.Get(context.Background(), key)
	if !ok {
		tb.Fatalf("Get(%q): miss, want hit from %s", key, wantSrc)
	}
	if src != wantSrc || !bytes.Equal(got, want) {
		tb.Fatalf("Get(%q) = %q from %s, want %q from %s", key, got, src, want, wantSrc)
	}
}

func wantMiss(tb testing.TB, c *Cache, key string) {
	tb.Helper()
	if got, src, ok := c.Get(context.Background(), key); ok {
		tb.Fatalf("Get(%q) = %q from %s, want miss", key, got, src)
	}
}

// waitOnDisk waits until the background writer has stored key.
func waitOnDisk(tb testing.TB, c *Cache, key string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := c.disk.get(key); ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("%q never reached the disk tier", key)
}

func TestSetKeepsACopy(t *testing.T) {
	c := mustNew(t, Options{})
	ctx := context.Background()
	value := []byte(`{"commits":42}`)
	c.Set(ctx, "repo@abc/summary", value)
	value[0] = 'X' // the caller reuses its buffer

	got, src, ok := c.Get(ctx, "repo@abc/summary")
	if !ok || src != SourceMemory || string(got) != `{"commits":42}` {
		t.Fatalf("Get = %q, %s, %v; want the original value from memory", got, src, ok)
	}
	wantGet(t, c, "repo@abc/summary", []byte(`{"commits":42}`), SourceMemory)
	wantMiss(t, c, "repo@abc/other")
	if s := c.Stats(); s.MemoryHits != 2 || s.Misses != 1 {
		t.Errorf("Stats = %+v, want 2 memory hits and 1 miss", s)
	}
}

func TestMemoryEvictionFallsBackToDisk(t *testing.T) {
	const budget = 4 << 10
	c := mustNew(t, Options{MemoryBytes: budget, DiskPath: filepath.Join(t.TempDir(), "cache.db")})
	ctx := context.Background()
	value := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, 1000) }
	for i := range 20 {
		c.Set(ctx, fmt.Sprint("key", i), value(i))
	}
	c.mem.CleanUp()
	if w := c.mem.WeightedSize(); w > budget {
		t.Fatalf("memory tier holds %d bytes, budget %d", w, budget)
	}

	evicted := -1
	for i := range 20 {
		if _, ok := c.mem.GetEntryQuietly(fmt.Sprint("key", i)); !ok {
			evicted = i
			break
		}
	}
	if evicted < 0 {
		t.Fatal("nothing was evicted from a memory tier far smaller than the data")
	}
	key := fmt.Sprint("key", evicted)
	waitOnDisk(t, c, key)
	wantGet(t, c, key, value(evicted), SourceDisk)

	// A disk hit is offered to the memory tier, but a full memory tier
	// admits it only when its W-TinyLFU policy rates the key above the
	// entry it would evict; otter's sketch is seeded at random, so after
	// one read that is a coin toss. Every read raises the key's frequency,
	// so a key read again and again must end up in memory.
	for range 20 {
		c.mem.CleanUp() // apply pending admissions and evictions now
		if _, ok := c.mem.GetEntryQuietly(key); ok {
			wantGet(t, c, key, value(evicted), SourceMemory)
			return
		}
		wantGet(t, c, key, value(evicted), SourceDisk)
	}
	t.Fatalf("%q read 20 times from disk was never admitted to memory", key)
}

func TestDiskSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "cache.db")
	ctx := context.Background()
	longKey := strings.Repeat("k/é\x00", 100) // any bytes, longer than a plain key
	first := mustNew(t, Options{DiskPath: path})
	first.Set(ctx, "repo@abc/heatmap", []byte("heat"))
	first.Set(ctx, longKey, []byte("long"))
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := mustNew(t, Options{DiskPath: path})
	wantGet(t, second, "repo@abc/heatmap", []byte("heat"), SourceDisk)
	wantGet(t, second, longKey, []byte("long"), SourceDisk)
	wantGet(t, second, "repo@abc/heatmap", []byte("heat"), SourceMemory)
}

// dirBytes is the size of the files in dir together.
func dirBytes(tb testing.TB, dir string) int64 {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			tb.Fatal(err)
		}
		total += info.Size()
	}
	return total
}

// The disk tier once grew to a 636 MiB file on a 512 MiB budget: the
// budget now bounds the files themselves, while running and after.
func TestDiskFilesStayWithinBudget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results")
	const budget = 64 << 10
	c := mustNew(t, Options{DiskPath: dir, DiskBytes: budget})
	ctx := context.Background()
	var written int
	for i := range 400 {
		v := bytes.Repeat([]byte{byte(i)}, 100+i*7%2000)
		c.Set(ctx, fmt.Sprint("key", i), v)
		written += len(v)
		if i%50 == 49 {
			waitOnDisk(t, c, fmt.Sprint("key", i))
			if got := dirBytes(t, dir); got > budget {
				t.Fatalf("after %d bytes written the files hold %d bytes, budget %d", written, got, budget)
			}
		}
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := dirBytes(t, dir); got > budget || got < budget/2 {
		t.Errorf("files hold %d bytes after %d written, want (%d, %d]", got, written, budget/2, budget)
	}
	again := mustNew(t, Options{DiskPath: dir, DiskBytes: budget})
	wantMiss(t, again, "key0")
	wantGet(t, again, "key399", bytes.Repeat([]byte{byte(399 % 256)}, 100+399*7%2000), SourceDisk)
}

// The disk tier's budget also holds when it shrinks between restarts.
func TestDiskBudgetShrunkOnOpen(t *testing.T) {
	dir := t.TempDir()
	first := mustNew(t, Options{DiskPath: dir, DiskBytes: 1 << 20})
	for i := range 100 {
		first.Set(context.Background(), fmt.Sprint("key", i), bytes.Repeat([]byte("v"), 1000))
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	const budget = 10_000
	second := mustNew(t, Options{DiskPath: dir, DiskBytes: budget})
	if got := dirBytes(t, dir); got > budget {
		t.Errorf("files hold %d bytes, budget %d", got, budget)
	}
	wantMiss(t, second, "key0")
}

func TestValueTooLargeIsNotCached(t *testing.T) {
	c := mustNew(t, Options{})
	c.Set(context.Background(), "big", make([]byte, MaxValueBytes+1))
	wantMiss(t, c, "big")
}

func TestRedisSharedBetweenInstances(t *testing.T) {
	srv := testredis.Start(t)
	client := newRedis(t, srv.Addr)
	ctx := context.Background()
	longKey := strings.Repeat("x", 500)

	writer := mustNew(t, Options{Redis: client})
	writer.Set(ctx, "repo@abc/summary", []byte("shared"))
	writer.Set(ctx, longKey, []byte("long"))
	if err := writer.Close(); err != nil { // flushes the Redis writes
		t.Fatalf("Close: %v", err)
	}
	keys, err := client.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, redisPrefix) || len(k) > len(redisPrefix)+80 {
			t.Errorf("Redis key %q: want the %q prefix and a short key", k, redisPrefix)
		}
	}

	diskPath := filepath.Join(t.TempDir(), "cache.db")
	reader := mustNew(t, Options{Redis: client, DiskPath: diskPath})
	wantGet(t, reader, "repo@abc/summary", []byte("shared"), SourceRedis)
	wantGet(t, reader, longKey, []byte("long"), SourceRedis)
	wantGet(t, reader, "repo@abc/summary", []byte("shared"), SourceMemory)
	if err := reader.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	restarted := mustNew(t, Options{DiskPath: diskPath})
	wantGet(t, restarted, "repo@abc/summary", []byte("shared"), SourceDisk)
}

func TestDoComputesOnce(t *testing.T) {
	c := mustNew(t, Options{})
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) ([]byte, error) {
		calls.Add(1)
		<-release
		return []byte("result"), nil
	}

	const callers = 20
	var wg sync.WaitGroup
	var started sync.WaitGroup
	started.Add(callers)
	for range callers {
		wg.Go(func() {
			started.Done()
			v, src, err := c.Do(context.Background(), "key", compute)
			if err != nil || src != SourceComputed || string(v) != "result" {
				t.Errorf("Do = %q, %s, %v; want the computed result", v, src, err)
			}
		})
	}
	started.Wait()
	time.Sleep(50 * time.Millisecond) // let every caller join the computation
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("compute ran %d times for %d concurrent callers, want 1", n, callers)
	}

	v, src, err := c.Do(context.Background(), "key", compute)
	if err != nil || src != SourceMemory || string(v) != "result" {
		t.Fatalf("Do after compute = %q, %s, %v; want the cached result from memory", v, src, err)
	}
}

func TestDoDoesNotCacheErrors(t *testing.T) {
	c := mustNew(t, Options{})
	boom := errors.New("boom")
	var calls atomic.Int32
	compute := func(context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			return nil, boom
		}
		return []byte("ok"), nil
	}
	if _, _, err := c.Do(context.Background(), "key", compute); !errors.Is(err, boom) {
		t.Fatalf("first Do: err = %v, want %v", err, boom)
	}
	v, src, err := c.Do(context.Background(), "key", compute)
	if err != nil || src != SourceComputed || string(v) != "ok" {
		t.Fatalf("second Do = %q, %s, %v; want a fresh computation", v, src, err)
	}
}

func TestTTLExpiry(t *testing.T) {
	const ttl = 300 * time.Millisecond
	ctx := context.Background()

	t.Run("disk", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cache.db")
		c := mustNew(t, Options{DiskPath: path, TTL: ttl})
		c.Set(ctx, "key", []byte("v"))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		reopened := mustNew(t, Options{DiskPath: path, TTL: ttl})
		wantGet(t, reopened, "key", []byte("v"), SourceDisk)
		time.Sleep(ttl)
		reopened.mem.InvalidateAll() // look past the promoted copy
		wantMiss(t, reopened, "key")
	})

	t.Run("redis", func(t *testing.T) {
		srv := testredis.Start(t)
		client := newRedis(t, srv.Addr)
		c := mustNew(t, Options{Redis: client, TTL: ttl})
		c.Set(ctx, "key", []byte("v"))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		other := mustNew(t, Options{Redis: client, TTL: ttl})
		wantGet(t, other, "key", []byte("v"), SourceRedis)
		time.Sleep(ttl + 50*time.Millisecond)
		if n, err := client.Exists(ctx, redisKey("key")).Result(); err != nil || n != 0 {
			t.Fatalf("Redis still holds the key after its TTL (n=%d, err=%v)", n, err)
		}
		other.mem.InvalidateAll()
		wantMiss(t, other, "key")
	})

	t.Run("memory", func(t *testing.T) {
		c := mustNew(t, Options{TTL: ttl})
		c.Set(ctx, "key", []byte("v"))
		time.Sleep(ttl)
		wantMiss(t, c, "key")
	})
}

func TestRedisOutageDegradesToLocalTiers(t *testing.T) {
	srv := testredis.Start(t)
	var logs syncBuffer
	c := mustNew(t, Options{
		Redis:    newRedis(t, srv.Addr),
		DiskPath: filepath.Join(t.TempDir(), "cache.db"),
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	ctx := context.Background()
	c.Set(ctx, "before", []byte("v"))
	wantGet(t, c, "before", []byte("v"), SourceMemory)

	srv.Stop()
	timed := func(name string, f func()) {
		t.Helper()
		start := time.Now()
		f()
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%s took %v during a Redis outage", name, d)
		}
	}
	for i := range 20 {
		key := fmt.Sprint("during", i)
		timed("Get miss", func() { wantMiss(t, c, key) })
		timed("Set", func() { c.Set(ctx, key, []byte("v")) })
		timed("Get hit", func() { wantGet(t, c, key, []byte("v"), SourceMemory) })
		timed("Do", func() {
			v, src, err := c.Do(ctx, key+"/do", func(context.Context) ([]byte, error) { return []byte("d"), nil })
			if err != nil || src != SourceComputed || string(v) != "d" {
				t.Fatalf("Do = %q, %s, %v; want a computed value", v, src, err)
			}
		})
		c.redis.downUntil.Store(0) // retry Redis on every call, as if time had passed
	}
	timed("Close", func() {
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})

	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("logged %d warnings, want 1 (rate-limited):\n%s", n, logs.String())
	}
	if c.Stats().RedisErrors == 0 {
		t.Error("Stats().RedisErrors = 0 after an outage")
	}
}

func TestRedisUsedAgainAfterOutage(t *testing.T) {
	first := testredis.Start(t)
	second := testredis.Start(t)
	var addr atomic.Value
	addr.Store(first.Addr)
	client := redis.NewClient(&redis.Options{
		ContextTimeoutEnabled: true,
		Dialer: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr.Load().(string))
		},
	})
	t.Cleanup(func() { _ = client.Close() })
	c := mustNew(t, Options{Redis: client})
	c.redis.retryAfter = 50 * time.Millisecond
	ctx := context.Background()

	first.Stop()
	wantMiss(t, c, "key")
	if !c.redis.down.Load() {
		t.Fatal("the outage went unnoticed")
	}

	addr.Store(second.Addr) // Redis is back, as a new server at the same address
	if err := newRedis(t, second.Addr).Set(ctx, redisKey("key"), "back", 0).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, src, ok := c.Get(ctx, "key"); ok {
			if src != SourceRedis || string(v) != "back" {
				t.Fatalf("Get = %q from %s, want \"back\" from redis", v, src)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("Redis was not used again after it came back")
		}
		time.Sleep(60 * time.Millisecond)
	}
}

func TestUnwritableDiskPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(file, "cache", "cache.db")
	_, err := New(Options{DiskPath: path})
	if err == nil {
		t.Fatal("New succeeded with a disk path under a regular file")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the path %s", err, path)
	}
}

func BenchmarkGetMemoryHit(b *testing.B) {
	c := mustNew(b, Options{})
	ctx := context.Background()
	c.Set(ctx, "repo@abc/summary", bytes.Repeat([]byte("x"), 4096))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := c.Get(ctx, "repo@abc/summary"); !ok {
			b.Fatal("miss")
		}
	}
}
