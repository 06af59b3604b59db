package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/fault"
)

const (
	// redisKeyPrefix starts every key of the session store.
	redisKeyPrefix = "gitpulse:session:"
	// hkdfInfo names the session-store key derived from SECRET_KEY.
	hkdfInfo = "gitpulse session store v1"
)

// RedisStore is a Store in Redis, shared by every process that uses the
// same Redis and SECRET_KEY. Each session is one key holding the session
// as JSON sealed with AES-256-GCM, expiring TTL after its last use, and a
// small marker key that outlives it by an hour so that Get can tell an
// expired session from an unknown one. Both keys share a hash tag, so the
// store works on Redis Cluster too.
type RedisStore struct {
	client redis.UniversalClient
	ttl    time.Duration
	aead   cipher.AEAD
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a RedisStore on client whose sessions expire ttl
// after their last use. Values are encrypted with a key derived from
// secretKey (SECRET_KEY, or the generated key of LoadOrCreateKey) by
// HKDF-SHA256.
// It panics if secretKey is shorter than MinSecretKeyLen bytes.
func NewRedisStore(client redis.UniversalClient, ttl time.Duration, secretKey []byte) *RedisStore {
	if len(secretKey) < MinSecretKeyLen {
		panic(fmt.Sprintf("auth: session store key must be at least %d bytes", MinSecretKeyLen))
	}
	key, err := hkdf.Key(sha256.New, secretKey, nil, hkdfInfo, 32)
	if err != nil {
		panic("auth: derive session store key: " + err.Error()) // only for impossible lengths
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic("auth: " + err.Error()) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("auth: " + err.Error()) // AES always has a 16-byte block
	}
	return &RedisStore{client: client, ttl: ttl, aead: aead}
}

// sessionKey and markerKey name a session's two keys; {id} is the hash tag.
func sessionKey(id string) string { return redisKeyPrefix + "{" + id + "}" }
func markerKey(id string) string  { return redisKeyPrefix + "{" + id + "}:expired" }

// record is what is sealed in Redis: the session with its token, without
// its expiry (Redis keeps that as the key's TTL).
type record struct {
	Provider     string `json:"provider"`
	Username     string `json:"username"`
	Host         string `json:"host,omitempty"`
	Organization string `json:"organization,omitempty"`
	RepoURL      string `json:"repo_url,omitempty"`
	Token        string `json:"token"`
}

// storeDown wraps a failed Redis call of op: the request's own end (its
// context) passes as it is, anything else means the session store is out
// of order for now (fault.Down), which is no fault of the caller's.
func storeDown(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fault.Wrap(fault.Down, "sessions are unavailable right now; retry shortly", fmt.Errorf("%s: %w", op, err))
}

// Create implements Store.
func (r *RedisStore) Create(ctx context.Context, s Session) (Session, error) {
	s.ID = newID()
	plain, err := json.Marshal(record{
		Provider: s.Provider, Username: s.Username, Host: s.Host,
		Organization: s.Organization, RepoURL: s.RepoURL, Token: s.Token,
	})
	if err != nil {
		return Session{}, fmt.Errorf("encode session: %w", err)
	}
	sealed := r.seal(s.ID, plain)
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, sessionKey(s.ID), sealed, r.ttl)
		p.Set(ctx, markerKey(s.ID), "1", r.ttl+expiredRetention)
		return nil
	})
	if err != nil {
		return Session{}, storeDown("create session", err)
	}
	s.ExpiresAt = time.Now().Add(r.ttl)
	return s, nil
}

// getScript reads a session and slides both of its keys' expiry in one
// step. It returns the value, or 1 if only the expired marker is left, or
// 0 if neither key exists.
var getScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return v
end
return redis.call('EXISTS', KEYS[2])
`)

// Get implements Store. A value that does not decrypt (tampered with, or
// written under another SECRET_KEY) is reported as ErrNotFound.
func (r *RedisStore) Get(ctx context.Context, id string) (Session, error) {
	if !validID(id) {
		return Session{}, ErrNotFound
	}
	res, err := getScript.Run(ctx, r.client, []string{sessionKey(id), markerKey(id)},
		r.ttl.Milliseconds(), (r.ttl + expiredRetention).Milliseconds()).Result()
	if err != nil {
		return Session{}, storeDown("get session", err)
	}
	expiresAt := time.Now().Add(r.ttl)
	switch v := res.(type) {
	case int64:
		if v == 1 {
			return Session{}, ErrExpired
		}
		return Session{}, ErrNotFound
	case string:
		plain, ok := r.open(id, []byte(v))
		if !ok {
			return Session{}, ErrNotFound
		}
		var rec record
		if err := json.Unmarshal(plain, &rec); err != nil {
			return Session{}, ErrNotFound
		}
		return Session{
			ID: id, Provider: rec.Provider, Username: rec.Username, Host: rec.Host,
			Organization: rec.Organization, RepoURL: rec.RepoURL, Token: rec.Token,
			ExpiresAt: expiresAt,
		}, nil
	default:
		return Session{}, fmt.Errorf("get session: unexpected reply type %T", res)
	}
}

// Delete implements Store.
func (r *RedisStore) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if err := r.client.Del(ctx, sessionKey(id), markerKey(id)).Err(); err != nil {
		return storeDown("delete session", err)
	}
	return nil
}

// seal encrypts plain as nonce||ciphertext, bound to the session id so a
// value cannot be moved to another key.
func (r *RedisStore) seal(id string, plain []byte) []byte {
	nonce := make([]byte, r.aead.NonceSize(), r.aead.NonceSize()+len(plain)+r.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+).
	return r.aead.Seal(nonce, nonce, plain, []byte(id))
}

// open reverses seal; it reports false, and nothing else, on any failure.
func (r *RedisStore) open(id string, sealed []byte) ([]byte, bool) {
	n := r.aead.NonceSize()
	if len(sealed) < n+r.aead.Overhead() {
		return nil, false
	}
	plain, err := r.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	return plain, err == nil
}
