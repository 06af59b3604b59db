// Package auth keeps the recap API's sessions: who signed in, with which
// provider token, and for how long. A session lives in a Store (in memory
// for a single process, or in Redis, encrypted, for several processes) and
// expires after a period without use. Clients hold either the raw session
// id or an HS256 JWT that carries it, issued and checked by a Signer.
//
// Provider tokens are secrets: they never appear in logs, errors, JSON or
// formatted output of a Session.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// Errors returned by stores, the Signer and SessionFromRequest. Callers
// compare with errors.Is.
var (
	// ErrNotFound means there is no such session (never created, deleted,
	// expired long ago, or undecryptable).
	ErrNotFound = fault.New(fault.Unauthorized, "session not found")
	// ErrExpired means the session, or the token naming it, existed but
	// has expired.
	ErrExpired = fault.New(fault.Unauthorized, "session expired; sign in again")
	// ErrInvalidToken means a session token is malformed, forged or signed
	// with another key or algorithm.
	ErrInvalidToken = fault.New(fault.Unauthorized, "invalid session token")
)

// expiredRetention is how long a store remembers an expired session, so
// that it can answer ErrExpired rather than ErrNotFound.
const expiredRetention = time.Hour

// Session is one signed-in user of the recap API.
type Session struct {
	ID           string    `json:"session_id"`
	Provider     string    `json:"provider"` // github, gitlab, azure or git
	Username     string    `json:"username"`
	Host         string    `json:"host,omitempty"`
	Organization string    `json:"organization,omitempty"`
	RepoURL      string    `json:"repo_url,omitempty"`
	Token        string    `json:"-"` // the provider token; never logged or serialized
	ExpiresAt    time.Time `json:"expires_at"`
}

// String describes the session without its token, and with only a prefix
// of its id (the id alone authenticates a request).
func (s Session) String() string {
	return fmt.Sprintf("Session{ID:%s Provider:%s Username:%s Host:%s Organization:%s RepoURL:%s Token:%s ExpiresAt:%s}",
		shortID(s.ID), s.Provider, s.Username, s.Host, s.Organization, s.RepoURL,
		redacted(s.Token), s.ExpiresAt.Format(time.RFC3339))
}

// GoString is String, so that %#v does not print the token either.
func (s Session) GoString() string { return s.String() }

// LogValue implements slog.LogValuer with the same redactions as String.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", shortID(s.ID)),
		slog.String("provider", s.Provider),
		slog.String("username", s.Username),
		slog.String("host", s.Host),
		slog.String("organization", s.Organization),
		slog.String("repo_url", s.RepoURL),
		slog.String("token", redacted(s.Token)),
		slog.Time("expires_at", s.ExpiresAt),
	)
}

func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return "[REDACTED]"
}

func shortID(id string) string {
	const keep = 6
	if len(id) <= keep {
		return id
	}
	return id[:keep] + "…"
}

// Store keeps sessions. Implementations are safe for concurrent use.
type Store interface {
	// Create stores a copy of s under a new random id, expiring TTL from
	// now, and returns it with ID and ExpiresAt set.
	Create(ctx context.Context, s Session) (Session, error)
	// Get returns the session and extends its expiry to TTL from now. It
	// returns ErrExpired for a session that expired recently and
	// ErrNotFound for an unknown one.
	Get(ctx context.Context, id string) (Session, error)
	// Delete removes the session; deleting an unknown one is not an error.
	Delete(ctx context.Context, id string) error
}

// idBytes is the entropy of a session id: 128 bits.
const idBytes = 16

// newID returns a random, URL-safe session id.
func newID() string {
	b := make([]byte, idBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawURLEncoding.EncodeToString(b)
}

// validID reports whether id could have come from newID, so that junk
// never reaches a store.
func validID(id string) bool {
	if len(id) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}
