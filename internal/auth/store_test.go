package auth

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/testredis"
)

// testTTL is short so expiry tests are quick, and long enough that a
// loaded machine running -race does not expire sessions too early.
const testTTL = 500 * time.Millisecond

var testKey = []byte("0123456789abcdef0123456789abcdef")

func testSession() Session {
	return Session{
		Provider: "github", Username: "octocat", Host: "github.com",
		Organization: "octo-org", RepoURL: "https://github.com/octo-org/repo",
		Token: "ghp_SECRETSECRETSECRETSECRET",
	}
}

// newRedisClient starts a private redis-server and returns a client on it.
func newRedisClient(t *testing.T) *redis.Client {
	t.Helper()
	srv := testredis.Start(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// storeMakers are the Store implementations every store test runs against.
var storeMakers = []struct {
	name string
	make func(t *testing.T, ttl time.Duration) Store
}{
	{"memory", func(_ *testing.T, ttl time.Duration) Store { return NewMemoryStore(ttl) }},
	{"redis", func(t *testing.T, ttl time.Duration) Store {
		return NewRedisStore(newRedisClient(t), ttl, testKey)
	}},
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, st Store)
	}{
		{"create then get returns the session with its token", func(t *testing.T, st Store) {
			before := time.Now()
			s, err := st.Create(ctx, testSession())
			if err != nil {
				t.Fatal(err)
			}
			if !validID(s.ID) {
				t.Errorf("id %q is not a 128-bit URL-safe id", s.ID)
			}
			if s.ExpiresAt.Before(before.Add(testTTL)) || s.ExpiresAt.After(time.Now().Add(testTTL)) {
				t.Errorf("ExpiresAt = %v, want now+%v", s.ExpiresAt, testTTL)
			}
			got, err := st.Get(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := testSession()
			want.ID, want.ExpiresAt = s.ID, got.ExpiresAt
			if got != want {
				t.Errorf("Get = %+v, want %+v (token equal: %v)", got, want, got.Token == want.Token)
			}
		}},
		{"ids are unique and the caller's id is ignored", func(t *testing.T, st Store) {
			in := testSession()
			in.ID = "chosen-by-caller"
			a, _ := st.Create(ctx, in)
			b, _ := st.Create(ctx, in)
			if a.ID == b.ID || a.ID == in.ID {
				t.Errorf("ids %q, %q from input %q", a.ID, b.ID, in.ID)
			}
		}},
		{"unknown and malformed ids are not found", func(t *testing.T, st Store) {
			for _, id := range []string{newID(), "", "nope", strings.Repeat("x", 1000), "../../etc"} {
				if _, err := st.Get(ctx, id); !errors.Is(err, ErrNotFound) {
					t.Errorf("Get(%q) = %v, want ErrNotFound", id, err)
				}
			}
		}},
		{"use slides the expiry", func(t *testing.T, st Store) {
			s, _ := st.Create(ctx, testSession())
			for range 3 { // 3 × 0.6 TTL: past the first expiry only if Get slides it
				time.Sleep(testTTL * 6 / 10)
				got, err := st.Get(ctx, s.ID)
				if err != nil {
					t.Fatalf("Get after use: %v", err)
				}
				if !got.ExpiresAt.After(s.ExpiresAt) {
					t.Errorf("ExpiresAt %v did not move past %v", got.ExpiresAt, s.ExpiresAt)
				}
				s = got
			}
		}},
		{"unused session expires", func(t *testing.T, st Store) {
			s, _ := st.Create(ctx, testSession())
			time.Sleep(testTTL + testTTL/2)
			_, err := st.Get(ctx, s.ID)
			if !errors.Is(err, ErrExpired) || errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after TTL = %v, want ErrExpired only", err)
			}
			if err.Error() != "session expired; sign in again" {
				t.Errorf("message %q", err)
			}
			// Still expired, not resurrected, when asked again.
			if _, err := st.Get(ctx, s.ID); !errors.Is(err, ErrExpired) {
				t.Errorf("second Get = %v, want ErrExpired", err)
			}
		}},
		{"delete", func(t *testing.T, st Store) {
			s, _ := st.Create(ctx, testSession())
			other, _ := st.Create(ctx, testSession())
			if err := st.Delete(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Get(ctx, s.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete = %v, want ErrNotFound", err)
			}
			if _, err := st.Get(ctx, other.ID); err != nil {
				t.Errorf("other session: %v", err)
			}
			if err := st.Delete(ctx, newID()); err != nil {
				t.Errorf("Delete(unknown) = %v", err)
			}
		}},
	}
	for _, mk := range storeMakers {
		t.Run(mk.name, func(t *testing.T) {
			t.Parallel()
			st := mk.make(t, testTTL)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) { tt.run(t, st) })
			}
		})
	}
}

// Regression guard: sessions created long ago must not pile up in memory.
func TestMemoryStoreSweeps(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore(50 * time.Millisecond)
	for range 10 {
		if _, err := m.Create(ctx, testSession()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := m.Create(ctx, testSession()); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sessions) != 1 || len(m.expired) != 10 {
		t.Errorf("after sweep: %d sessions, %d expired markers; want 1, 10", len(m.sessions), len(m.expired))
	}
}

func TestRedisStoreValueIsEncrypted(t *testing.T) {
	ctx := context.Background()
	c := newRedisClient(t)
	st := NewRedisStore(c, time.Minute, testKey)
	s, err := st.Create(ctx, testSession())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, redisKeyPrefix+"*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v, %v; want the session and its marker", keys, err)
	}
	raw, err := c.Get(ctx, sessionKey(s.ID)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{s.Token, s.Username, s.RepoURL, "token"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("raw value contains %q", secret)
		}
	}
	if ttl := c.PTTL(ctx, sessionKey(s.ID)).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("session key TTL %v, want (0, 1m]", ttl)
	}
}

func TestRedisStoreRejectsTamperedValues(t *testing.T) {
	ctx := context.Background()
	c := newRedisClient(t)
	st := NewRedisStore(c, time.Minute, testKey)
	a, _ := st.Create(ctx, testSession())
	b, _ := st.Create(ctx, testSession())
	rawA := c.Get(ctx, sessionKey(a.ID)).Val()

	tests := []struct {
		name  string
		value string
	}{
		{"flipped byte", rawA[:len(rawA)-1] + string(rawA[len(rawA)-1]^1)},
		{"truncated", rawA[:5]},
		{"plain JSON", `{"provider":"github","username":"mallory","token":"x"}`},
		{"another session's value", rawA}, // sealed for a's id, stored under b's key
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Set(ctx, sessionKey(b.ID), tt.value, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			_, err := st.Get(ctx, b.ID)
			if err != ErrNotFound {
				t.Errorf("Get = %v, want exactly ErrNotFound", err)
			}
		})
	}
}

func TestRedisStoresShareSessions(t *testing.T) {
	ctx := context.Background()
	c := newRedisClient(t)
	one := NewRedisStore(c, time.Minute, testKey)
	c2 := redis.NewClient(&redis.Options{Addr: c.Options().Addr})
	t.Cleanup(func() { _ = c2.Close() })
	two := NewRedisStore(c2, time.Minute, testKey)
	s, err := one.Create(ctx, testSession())
	if err != nil {
		t.Fatal(err)
	}
	got, err := two.Get(ctx, s.ID)
	if err != nil || got.Token != s.Token || got.Username != s.Username {
		t.Fatalf("second store: %v, %v", got.Username, err)
	}
	if err := two.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Get(ctx, s.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete through the other store: %v", err)
	}

	otherKey := NewRedisStore(c, time.Minute, bytes.Repeat([]byte("k"), 32))
	s, _ = one.Create(ctx, testSession())
	if _, err := otherKey.Get(ctx, s.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("store with another SECRET_KEY: %v, want ErrNotFound", err)
	}
}

func TestNewRedisStoreRefusesShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a short key")
		}
	}()
	NewRedisStore(nil, time.Minute, []byte("short"))
}
