package providers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors every provider maps its failures to; callers compare with
// errors.Is and answer the matching HTTP status.
var (
	// ErrUnauthorized means the provider refused the credentials (401).
	ErrUnauthorized = errors.New("the provider refused the token: it is wrong, expired or revoked")
	// ErrForbidden means the credentials lack access to the resource (403).
	ErrForbidden = errors.New("the token has no access to this resource")
	// ErrNotFound means the resource does not exist or is hidden (404).
	ErrNotFound = errors.New("not found at the provider")
	// ErrRateLimited means the provider's rate limit is spent for longer
	// than we wait (429).
	ErrRateLimited = errors.New("the provider's rate limit is exhausted")
	// ErrUnavailable means the provider could not be reached or failed (502).
	ErrUnavailable = errors.New("the provider is unavailable")
	// ErrInvalid means the request to the provider was malformed, such as a
	// repository name that cannot exist (400).
	ErrInvalid = errors.New("invalid request")
)

// Error is a failed call to a provider. It wraps the sentinel error of its
// kind; its message names the provider and what failed, never a token.
type Error struct {
	// Provider is the provider's name.
	Provider string
	// Op says what was being done, such as "list repositories".
	Op string
	// Status is the HTTP status the provider answered, 0 if none.
	Status int
	// Message is the provider's own explanation, if it gave one.
	Message string
	// RetryAt is when a rate limit resets, if known.
	RetryAt time.Time
	// Kind is the sentinel error this wraps.
	Kind error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", e.Provider, e.Op, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if !e.RetryAt.IsZero() {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// Unwrap returns the sentinel error of the failure's kind.
func (e *Error) Unwrap() error { return e.Kind }

// KindOf maps an HTTP status a provider answered to a sentinel error.
func KindOf(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound, status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return ErrInvalid
	default:
		return ErrUnavailable
	}
}

// maxMessage bounds the provider message kept in an Error.
const maxMessage = 200

// StatusError builds the Error for a reply with the given HTTP status.
// A 403 that is really a spent rate limit (resp says so) becomes
// ErrRateLimited with the reset time.
func StatusError(provider, op string, resp *http.Response, message string) *Error {
	e := &Error{Provider: provider, Op: op, Message: clip(message), Kind: ErrUnavailable}
	if resp == nil {
		return e
	}
	e.Status = resp.StatusCode
	e.Kind = KindOf(resp.StatusCode)
	if wait, limited := rateLimitWait(resp, time.Now()); limited {
		e.Kind = ErrRateLimited
		if wait > 0 {
			e.RetryAt = time.Now().Add(wait).Truncate(time.Second)
		}
	}
	return e
}

// clip shortens a provider's message to one line of bounded length.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	return s
}
