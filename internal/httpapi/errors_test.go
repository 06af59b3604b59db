package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// TestFailure checks the one mapping from errors to statuses and bodies:
// every kind, the lower packages' errors, and that no cause's text
// reaches the body.
func TestFailure(t *testing.T) {
	dns := errors.New("lookup api.github.com on 10.0.0.53:53: no such host")
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
		retry  string
	}{
		{"fields", query.Errors{{Field: "limit", Message: "must be 1-100"}}, 400, fault.ValidationFailed, ""},
		{"invalid URL", fmt.Errorf("vet: %w", repourl.ErrInvalid), 400, "invalid repository URL", ""},
		{"not a repository", fmt.Errorf("/srv/x: %w", gitcli.ErrNotRepository), 404, "not a git repository", ""},
		{"session expired", auth.ErrExpired, 401, "session expired; sign in again", ""},
		{"provider refused the token", &providers.Error{Provider: "github", Op: "sign in", Status: 401, Message: "Bad credentials", Kind: providers.ErrUnauthorized}, 401, "github: sign in: the provider refused the token: it is wrong, expired or revoked (HTTP 401): Bad credentials", ""},
		{"provider forbidden", &providers.Error{Provider: "gitlab", Op: "list", Status: 403, Kind: providers.ErrForbidden}, 403, "gitlab: list: the token has no access to this resource (HTTP 403)", ""},
		{"provider unreachable", &providers.Error{Provider: "github", Op: "sign in", Kind: providers.ErrUnavailable, Err: dns}, 502, "GitHub could not be reached", ""},
		{"provider rate limit", &providers.Error{Provider: "github", Op: "list", Status: 429, Kind: providers.ErrRateLimited, RetryAt: time.Now().Add(90 * time.Second)}, 429, "", "90"},
		{"deadline", fmt.Errorf("clone: %w", context.DeadlineExceeded), 504, "still working on the answer (a repository or a provider listing); retry shortly", "5"},
		{"internal", errors.New("open /var/lib/gitpulse/secret: permission denied"), 500, "internal error (request )", ""},
		{"method", errMethodNotAllowed, 405, "method not allowed", ""},
		{"not ready", errNotReady, 503, "data directory is not writable", "5"},
		{"session store down", fault.Wrap(fault.Down, "sessions are unavailable right now; retry shortly", errors.New("get session: dial tcp 10.0.0.53:6379: connect: connection refused")), 503, "sessions are unavailable right now; retry shortly", "5"},
		{"no oauth", errNoOAuth, 501, errNoOAuth.Message, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			status, b := failure(h, httptest.NewRequest("GET", "/", nil), nil, tc.err)
			if status != tc.status || b.Code != status || b.Status != "error" || b.Detail != b.Error {
				t.Fatalf("status %d body %+v, want %d", status, b, tc.status)
			}
			if tc.msg != "" && b.Error != tc.msg {
				t.Errorf("message %q, want %q", b.Error, tc.msg)
			}
			if got := h.Get("Retry-After"); got != tc.retry {
				t.Errorf("Retry-After %q, want %q", got, tc.retry)
			}
			for _, leak := range []string{"10.0.0.53", "/srv/x", "/var/lib", "lookup"} {
				if strings.Contains(b.Error, leak) {
					t.Errorf("body leaks %q: %q", leak, b.Error)
				}
			}
		})
	}
}

// TestFailureAtShutdown: a request cancelled because the server's shutdown
// grace ran out is answered 503 with Retry-After, while one whose client
// went away is not answered as a server fault.
func TestFailureAtShutdown(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(ErrShuttingDown)
	h := http.Header{}
	status, b := failure(h, httptest.NewRequest("GET", "/", nil).WithContext(ctx), nil, fmt.Errorf("wait for index: %w", context.Canceled))
	if status != 503 || b.Error != "the server is shutting down; retry shortly" || h.Get("Retry-After") != "5" {
		t.Fatalf("cut off at shutdown: %d %+v Retry-After %q", status, b, h.Get("Retry-After"))
	}
	gone, leave := context.WithCancel(context.Background())
	leave()
	if status, _ := failure(http.Header{}, httptest.NewRequest("GET", "/", nil).WithContext(gone), nil, context.Canceled); status != 499 {
		t.Fatalf("client gone: status %d, want 499", status)
	}
}
