package providers

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// Sentinel errors every provider maps its failures to, each of a
// fault.Kind; callers compare with errors.Is.
var (
	// ErrUnauthorized means the provider refused the credentials (401).
	ErrUnauthorized = fault.New(fault.Unauthorized, "the provider refused the token: it is wrong, expired or revoked")
	// ErrForbidden means the credentials lack access to the resource (403).
	ErrForbidden = fault.New(fault.Forbidden, "the token has no access to this resource")
	// ErrNotFound means the resource does not exist or is hidden (404).
	ErrNotFound = fault.New(fault.NotFound, "not found at the provider")
	// ErrRateLimited means the provider's rate limit is spent for longer
	// than we wait (429).
	ErrRateLimited = fault.New(fault.RateLimited, "the provider's rate limit is exhausted")
	// ErrUnavailable means the provider could not be reached or failed (502).
	ErrUnavailable = fault.New(fault.Unavailable, "the provider is unavailable")
	// ErrInvalid means the request to the provider was malformed, such as a
	// repository name that cannot exist (400).
	ErrInvalid = fault.New(fault.Invalid, "invalid request")
)

// Error is a failed call to a provider. It wraps the sentinel error of its
// kind and, for errors.As, is a *fault.Error whose message names the
// provider and what failed: never a token, never the text of a network or
// decoding failure (Err), which only logs read.
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
	// Err is the cause, such as a network error: for logs, never shown to
	// clients.
	Err error
}

// Error implements error: the message a client may read, then the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.message()
	}
	return e.message() + ": " + e.Err.Error()
}

// message is what a client may read: the provider, the operation, the
// kind, the HTTP status and the provider's own explanation; for a
// provider that could not be reached, only that.
func (e *Error) message() string {
	if e.Status == 0 && e.Message == "" && e.Err != nil && errors.Is(e.Kind, ErrUnavailable) {
		if ne, ok := errors.AsType[net.Error](e.Err); ok && ne.Timeout() {
			return DisplayName(e.Provider) + " did not answer in time"
		}
		return DisplayName(e.Provider) + " could not be reached"
	}
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

// Unwrap returns the sentinel error of the failure's kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// As presents e as a *fault.Error: its kind, its message and when a rate
// limit resets.
func (e *Error) As(target any) bool {
	t, ok := target.(**fault.Error)
	if !ok {
		return false
	}
	kind := fault.Unavailable
	if k, ok := errors.AsType[*fault.Error](e.Kind); ok {
		kind = k.Kind
	}
	*t = &fault.Error{Kind: kind, Message: e.message(), RetryAt: e.RetryAt}
	return true
}

// DisplayName is how users know a provider: "GitHub" for github.
func DisplayName(provider string) string {
	switch provider {
	case "github":
		return "GitHub"
	case "gitlab":
		return "GitLab"
	case "azure":
		return "Azure DevOps"
	}
	return provider
}

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
