package mirror

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Categories of failure, matched with errors.Is on an *Error.
var (
	// ErrNotFound means the repository does not exist (or the server
	// hides it from this caller, as GitHub does for private repositories).
	ErrNotFound = fault.New(fault.NotFound, "repository not found")
	// ErrAuth means the server asked for credentials that were missing or
	// refused.
	ErrAuth = fault.New(fault.Forbidden, "access denied: the repository is private, or the token is missing or not valid for it")
	// ErrUnreachable means the server could not be reached or did not
	// answer as a git server.
	ErrUnreachable = fault.New(fault.Unavailable, "repository could not be reached")
	// ErrRefused means the repository's address, checked again before a
	// network operation, is no longer allowed (its host now resolves to a
	// private address, say).
	ErrRefused = fault.New(fault.Forbidden, "the repository's address is not allowed")
)

// Error is a failed clone, fetch or completion. Its message is fit for a
// user: it names the operation and the category of failure, never git's
// stderr, a token or a local path. Unwrap gives the category (ErrNotFound,
// ErrAuth, ErrUnreachable, ErrRefused, context.Canceled, context.DeadlineExceeded; none
// for an internal failure) and the underlying error, usually a
// *gitcli.Error, for logs.
type Error struct {
	Op    string // open, clone, fetch, complete or update
	kind  error
	cause error
}

// Error implements error.
func (e *Error) Error() string {
	var what string
	switch {
	case e.kind == nil:
		what = "internal error"
	case errors.Is(e.kind, context.DeadlineExceeded):
		what = "timed out"
	case errors.Is(e.kind, context.Canceled):
		what = "cancelled"
	default:
		what = e.kind.Error()
	}
	return e.Op + " failed: " + what
}

// As presents an *Error of a category as a *fault.Error of the
// category's kind with e's message. A context error or an internal
// failure is not presented: fault.From classifies those.
func (e *Error) As(target any) bool {
	t, ok := target.(**fault.Error)
	if !ok {
		return false
	}
	kind, ok := e.kind.(*fault.Error)
	if !ok {
		return false
	}
	*t = &fault.Error{Kind: kind.Kind, Message: e.Error()}
	return true
}

// Unwrap returns the category and the underlying error.
func (e *Error) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// asError returns err if it is an *Error, or wraps it in one.
func asError(op string, err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return &Error{Op: op, kind: ctxKind(err), cause: err}
}

// ctxKind returns the context error err carries, or nil.
func ctxKind(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return context.Canceled
	}
	return nil
}

// fail logs a failed operation with its details and returns the *Error a
// caller may show.
func (m *Manager) fail(op string, r *remote, err error) error {
	m.log.Warn("mirror "+op+" failed", "repo", r.key, "err", err)
	return &Error{Op: op, kind: classify(r.url, err), cause: err}
}

// classify picks the category of a failed remote operation. Context
// errors and local paths are told apart without reading git's messages.
// For network transports git exits 128 whatever went wrong, so the only
// clue is its stderr: the category (never control flow, never text shown
// to a user) is chosen from a few stable messages (LC_ALL=C), defaulting
// to ErrUnreachable.
func classify(url string, err error) error {
	if kind := ctxKind(err); kind != nil {
		return kind
	}
	if _, ok := errors.AsType[*pinError](err); ok {
		if errors.Is(err, repourl.ErrRefused) {
			return ErrRefused
		}
		return ErrUnreachable
	}
	ge, ok := errors.AsType[*gitcli.Error](err)
	if !ok || ge.ExitCode <= 0 {
		return nil // git did not run: a local failure
	}
	if path, ok := strings.CutPrefix(url, "file://"); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return ErrNotFound
		}
	}
	stderr := strings.ToLower(ge.Stderr)
	switch {
	case containsAny(stderr, "authentication failed", "could not read username", "could not read password",
		"permission denied", "access denied", "returned error: 401", "returned error: 403"):
		return ErrAuth
	case containsAny(stderr, "not found", "does not appear to be a git repository", "does not exist",
		"no such file or directory", "returned error: 404"):
		return ErrNotFound
	}
	return ErrUnreachable
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
