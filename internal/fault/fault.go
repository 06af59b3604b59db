// Package fault is gitpulse's error vocabulary: a few kinds of failure
// (invalid input, not found, unauthorized, forbidden, rate limited,
// unavailable, timeout, down, internal) that lower packages wrap their failures
// in, each with a message fit for the user who caused it. Interfaces (the
// HTTP API, the command line) map a Kind to their own answer in one place
// each; the message is all a client ever reads of an error, the cause is
// for logs only.
//
// It depends on nothing but the standard library.
package fault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is a category of failure.
type Kind uint8

// The kinds of failure. The zero Kind is Internal: an error nobody
// classified is a bug or a fault of this process, and its text is never
// shown to a client.
const (
	// Internal is a failure of this process; its details are for logs.
	Internal Kind = iota
	// Invalid means the input is wrong: the caller must change it.
	Invalid
	// NotFound means what was asked for does not exist (or is hidden).
	NotFound
	// Unauthorized means credentials are missing, wrong or expired.
	Unauthorized
	// Forbidden means the credentials lack access.
	Forbidden
	// RateLimited means too many requests: retry later (Error.RetryAt).
	RateLimited
	// Unavailable means something this request depends on (a provider,
	// a git host) could not be reached or failed.
	Unavailable
	// Timeout means the work took longer than allowed; it may go on.
	Timeout
	// Down means a part of this service itself (its session store, its
	// data disk, the server shutting down) is out of order for now, as
	// opposed to Unavailable, an upstream this request reaches out to.
	Down
)

var kindNames = [...]string{"internal", "invalid", "not found", "unauthorized", "forbidden", "rate limited", "unavailable", "timeout", "down"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// FieldError is one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationFailed is the message of an Invalid error that lists fields.
const ValidationFailed = "Validation failed"

// Error is a failure of a known Kind. Message is written for the user
// (it names no local path, token, session id or other program's output);
// Err, the cause, is for logs and errors.Is/As only.
type Error struct {
	Kind    Kind
	Message string
	// Fields lists every invalid input of an Invalid error.
	Fields []FieldError
	// RetryAt is when a RateLimited (or Unavailable) request may be
	// retried, if known.
	RetryAt time.Time
	// Err is the cause, never shown to a client.
	Err error
	// named is what a %w in Errorf's format named: part of Message.
	named []error
}

// New returns an error of kind with message msg.
func New(kind Kind, msg string) *Error { return &Error{Kind: kind, Message: msg} }

// Errorf returns an error of kind whose message is formatted as by
// fmt.Errorf. Everything formatted is shown to users; an error named with
// %w (usually a sentinel of the same kind) stays reachable by errors.Is.
func Errorf(kind Kind, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{Kind: kind, Message: err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		e.named = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		e.named = u.Unwrap()
	}
	return e
}

// Wrap returns an error of kind with message msg caused by err, whose
// text is kept for logs and never shown.
func Wrap(kind Kind, msg string, err error) *Error {
	return &Error{Kind: kind, Message: msg, Err: err}
}

// Fields returns the Invalid error listing every invalid field.
func Fields(fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Message: ValidationFailed, Fields: fields}
}

// Error implements error: the message, then the fields and the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + " " + f.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns what Errorf's %w named and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return e.named
	}
	return append(append([]error(nil), e.named...), e.Err)
}

// From returns the *Error that err is or carries (the outermost in its
// chain). An error without one is a Timeout if it carries
// context.DeadlineExceeded, else Internal; their messages are generic, the
// error's own text is left out.
func From(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: Timeout, Message: "timed out", Err: err}
	}
	return &Error{Kind: Internal, Message: "internal error", Err: err}
}

// KindOf returns the Kind of err, as From classifies it; nil has none
// and is reported as Internal.
func KindOf(err error) Kind { return From(err).Kind }

// Message returns what a user may read about err.
func Message(err error) string { return From(err).Message }
