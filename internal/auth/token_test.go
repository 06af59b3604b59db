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
	"strings"
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
	tok, err := s.Issue(id, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Parse(tok)
	if err != nil || got != id {
		t.Fatalf("Parse = %q, %v; want %q", got, err, id)
	}
	// The claims are the ones the brief names.
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Subject != id || claims.Issuer != "gitpulse" || claims.IssuedAt == nil || claims.ExpiresAt == nil {
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
		{"no expiry", hs256(testKey, claims(func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil })), ErrInvalidToken},
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
		tok, err := s.Issue(id, time.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	expired, _ := s.Issue(newID(), time.Now().Add(-time.Minute))

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

func TestSecretKeyFromEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "SECRET_KEY" {
				return v
			}
			return ""
		}
	}
	long := strings.Repeat("s", 32)

	key, generated, err := SecretKeyFromEnv(env(long), false)
	if err != nil || string(key) != long || generated {
		t.Errorf("set key: %q, %v, %v", key, generated, err)
	}
	if _, _, err := SecretKeyFromEnv(env(""), false); err == nil {
		t.Error("missing key accepted outside dev mode")
	}
	for _, dev := range []bool{false, true} {
		if _, _, err := SecretKeyFromEnv(env("short"), dev); err == nil {
			t.Errorf("short key accepted (dev=%v)", dev)
		}
	}
	k1, gen1, err1 := SecretKeyFromEnv(env(""), true)
	k2, _, _ := SecretKeyFromEnv(env(""), true)
	if err1 != nil || !gen1 || len(k1) < MinSecretKeyLen || !bytes.Equal(k1, k2) {
		t.Errorf("dev key: %d bytes, generated=%v, err=%v, stable=%v", len(k1), gen1, err1, bytes.Equal(k1, k2))
	}
	if _, err := NewSigner(k1); err != nil {
		t.Errorf("dev key refused by NewSigner: %v", err)
	}
}
