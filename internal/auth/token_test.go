package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func mustSigner(t *testing.T, key []byte) *Signer {
	t.Helper()
	s, err := NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSignerRoundTrip(t *testing.T) {
	s := mustSigner(t, testKey)
	id := newID()
	tok, err := s.Issue(id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Parse(tok)
	if err != nil || got != id {
		t.Fatalf("Parse = %q, %v; want %q", got, err, id)
	}
	// The token names the session and nothing else: no expiry, so that
	// the store's sliding expiry alone decides when a session in use ends.
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Subject != id || claims.Issuer != "gitpulse" || claims.IssuedAt == nil || claims.ExpiresAt != nil {
		t.Errorf("claims %+v", claims)
	}
}

func TestSignerRejects(t *testing.T) {
	s := mustSigner(t, testKey)
	now := time.Now()
	claims := func(mod func(*jwt.RegisteredClaims)) jwt.RegisteredClaims {
		c := jwt.RegisteredClaims{Subject: newID(), Issuer: "gitpulse",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	hs256 := func(key []byte, c jwt.RegisteredClaims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	noneTok, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs256Tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil)).SignedString(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	hs512Tok, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims(nil)).SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}
	valid := hs256(testKey, claims(nil))

	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"expired", hs256(testKey, claims(func(c *jwt.RegisteredClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Second))
		})), ErrExpired},
		{"wrong key", hs256(bytes.Repeat([]byte("w"), 32), claims(nil)), ErrInvalidToken},
		{"alg none", noneTok, ErrInvalidToken},
		{"RS256", rs256Tok, ErrInvalidToken},
		{"HS512 with the right key", hs512Tok, ErrInvalidToken},
		{"wrong issuer", hs256(testKey, claims(func(c *jwt.RegisteredClaims) { c.Issuer = "evil" })), ErrInvalidToken},
		{"no expiry, wrong key", hs256(bytes.Repeat([]byte("w"), 32), claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), ErrInvalidToken},
		{"no subject", hs256(testKey, claims(func(c *jwt.RegisteredClaims) { c.Subject = "" })), ErrInvalidToken},
		{"tampered payload", valid[:len(valid)-2] + "xx", ErrInvalidToken},
		{"garbage", "not.a.jwt", ErrInvalidToken},
		{"empty", "", ErrInvalidToken},
		{"too long", strings.Repeat("a", 10000), ErrInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := s.Parse(tt.token)
			if !errors.Is(err, tt.wantErr) || id != "" {
				t.Fatalf("Parse = %q, %v; want %v", id, err, tt.wantErr)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestNewSignerRefusesShortKey(t *testing.T) {
	for _, key := range [][]byte{nil, []byte("short"), bytes.Repeat([]byte("k"), 31)} {
		if _, err := NewSigner(key); err == nil || !strings.Contains(err.Error(), "at least 32") {
			t.Errorf("NewSigner(%d bytes) = %v", len(key), err)
		}
	}
}

func TestSessionFromRequest(t *testing.T) {
	s := mustSigner(t, testKey)
	headerID, queryID, tokenID := newID(), newID(), newID()
	issue := func(id string) string {
		tok, err := s.Issue(id)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	// A token from before tokens stopped carrying an expiry.
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: newID(), Issuer: "gitpulse",
		ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}).SignedString(testKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		header  string
		query   string
		wantID  string
		wantErr error
	}{
		{"bearer wins over both query parameters", "Bearer " + issue(headerID),
			"session_id=" + queryID + "&token=" + issue(tokenID), headerID, nil},
		{"bearer scheme is case-insensitive", "bearer " + issue(headerID), "", headerID, nil},
		{"session_id wins over token", "", "session_id=" + queryID + "&token=" + issue(tokenID), queryID, nil},
		{"token query parameter", "", "token=" + issue(tokenID), tokenID, nil},
		{"non-bearer authorization is ignored", "Basic dXNlcjpwYXNz", "session_id=" + queryID, queryID, nil},
		{"bad bearer is an error, not a fallback", "Bearer junk", "session_id=" + queryID, "", ErrInvalidToken},
		{"expired bearer", "Bearer " + expired, "", "", ErrExpired},
		{"malformed session_id", "", "session_id=../x", "", ErrNotFound},
		{"nothing", "", "", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/actions?"+tt.query, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			id, err := SessionFromRequest(r, s)
			if id != tt.wantID || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("got %q, %v; want %q, %v", id, err, tt.wantID, tt.wantErr)
			}
		})
	}
}

func TestSessionNeverShowsToken(t *testing.T) {
	sess := testSession()
	sess.ID = newID()
	sess.ExpiresAt = time.Now()

	js, err := json.Marshal(sess)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("signed in", "session", sess, "ptr", &sess)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("signed in", "session", sess)

	outputs := map[string]string{
		"json":  string(js),
		"%v":    fmt.Sprintf("%v", sess),
		"%+v":   fmt.Sprintf("%+v", sess),
		"%#v":   fmt.Sprintf("%#v", sess),
		"%s":    fmt.Sprintf("%s", sess),
		"ptr":   fmt.Sprintf("%+v", &sess),
		"slice": fmt.Sprintf("%+v", []Session{sess}),
		"slog":  logs.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, sess.Token) {
			t.Errorf("%s output contains the token: %s", name, out)
		}
		if name != "json" && strings.Contains(out, sess.ID) {
			t.Errorf("%s output contains the whole session id: %s", name, out)
		}
		if !strings.Contains(out, sess.Username) {
			t.Errorf("%s output lost the username: %s", name, out)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", KeyFileName)
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created || len(k1) != 64 {
		t.Fatalf("first: %q, created=%v, %v", k1, created, err)
	}
	if _, err := NewSigner(k1); err != nil {
		t.Errorf("generated key refused by NewSigner: %v", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second: %q, created=%v, %v; want the first key again", k2, created, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".secret-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	// Damage is reported, with what to do, and the file is left alone.
	for name, content := range map[string]string{"short": "abc\n", "not hex": strings.Repeat("z", 64), "empty": ""} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrCreateKey(path)
			if err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v", err)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Fatal("the damaged file was changed")
			}
		})
	}
	if err := os.WriteFile(path, k1, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a key others may read: %v", err)
	}
}

// TestLoadOrCreateKeyConcurrently: servers starting at once agree on one
// key.
func TestLoadOrCreateKeyConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	keys := make([][]byte, 8)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() { keys[i], _, errs[i] = LoadOrCreateKey(path) })
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("process %d: %q, %v; want %q", i, keys[i], errs[i], keys[0])
		}
	}
}
