package fault_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
)

var errSentinel = fault.New(fault.NotFound, "repository not found")

func TestFrom(t *testing.T) {
	cause := errors.New("lookup api.github.com on 127.0.0.53:53: no such host")
	for _, tc := range []struct {
		name string
		err  error
		kind fault.Kind
		msg  string
	}{
		{"sentinel", errSentinel, fault.NotFound, "repository not found"},
		{"sentinel wrapped with a path", fmt.Errorf("/srv/data/x: %w", errSentinel), fault.NotFound, "repository not found"},
		{"cause hidden", fault.Wrap(fault.Unavailable, "GitHub could not be reached", cause), fault.Unavailable, "GitHub could not be reached"},
		{"outermost wins", fault.Wrap(fault.Forbidden, "no access", errSentinel), fault.Forbidden, "no access"},
		{"Errorf keeps the sentinel", fault.Errorf(fault.NotFound, "%w: a/b", errSentinel), fault.NotFound, "repository not found: a/b"},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), fault.Timeout, "timed out"},
		{"unclassified", errors.New("open /srv/secret: permission denied"), fault.Internal, "internal error"},
		{"fields", fault.Fields(fault.FieldError{Field: "limit", Message: "must be 1-100"}), fault.Invalid, fault.ValidationFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fault.From(tc.err)
			if f.Kind != tc.kind || f.Message != tc.msg {
				t.Fatalf("From = %v %q, want %v %q", f.Kind, f.Message, tc.kind, tc.msg)
			}
		})
	}
}

func TestErrorTextAndChain(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	e := fault.Wrap(fault.Unavailable, "GitHub could not be reached", cause)
	if e.Error() != "GitHub could not be reached: dial tcp: refused" || !errors.Is(e, cause) {
		t.Fatalf("Error() = %q, Is(cause) = %v", e.Error(), errors.Is(e, cause))
	}
	f := fault.Errorf(fault.NotFound, "%w: a/b", errSentinel)
	if f.Error() != "repository not found: a/b" || !errors.Is(f, errSentinel) {
		t.Fatalf("Errorf: %q, Is = %v", f.Error(), errors.Is(f, errSentinel))
	}
	if got := fault.Fields(fault.FieldError{Field: "a", Message: "bad"}, fault.FieldError{Field: "b", Message: "worse"}).Error(); got != "Validation failed: a bad; b worse" {
		t.Fatalf("Fields: %q", got)
	}
	if fault.Internal.String() != "internal" || fault.RateLimited.String() != "rate limited" {
		t.Fatal("kind names")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
		ok   bool
	}{
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{"zero", http.Header{"Retry-After": {"0"}}, 0, true},
		{"fraction", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{"date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{"milliseconds first", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, true},
		{"negative", http.Header{"Retry-After": {"-3"}}, 0, false},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"absent", http.Header{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := fault.RetryAfter(tc.h, now); got != tc.want || ok != tc.ok {
				t.Fatalf("RetryAfter = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
