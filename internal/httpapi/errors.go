package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
)

// ErrorBody is the one error shape of every endpoint, readable by clients
// of both specs: spec 002 reads error and details, spec 000 detail,
// status and code.
type ErrorBody struct {
	Error   string             `json:"error"`
	Detail  string             `json:"detail"`
	Status  string             `json:"status"`
	Code    int                `json:"code"`
	Details []fault.FieldError `json:"details,omitempty"`
	// Progress says, in a 504 for a repository still being prepared, how
	// far its preparation has come.
	Progress *progress.Progress `json:"progress,omitempty"`
}

// RetryAfterSeconds is what a 504 asks the client to wait: the work goes on
// in the background, so a retry soon is usually fast.
const RetryAfterSeconds = 5

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error","detail":"internal error","status":"error","code":500}`)
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Header values written on every answer, shared like securityHeaders'.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	noCache         = []string{"no-cache"}
)

// writePending answers 504 for a repository still being prepared after
// err (the request's deadline), with how far the preparation has come; any
// other err is written by WriteFailure.
func writePending(w http.ResponseWriter, r *http.Request, log *slog.Logger, repo *history.Repo, err error) {
	if !errors.Is(err, context.DeadlineExceeded) || r.Context().Err() != nil {
		WriteFailure(w, r, log, err)
		return
	}
	p := repo.Progress()
	msg := "the repository is still being prepared; retry shortly"
	if p.Phase != "" {
		msg = fmt.Sprintf("the repository is still being prepared (%s", p.Phase)
		if p.Total > 0 {
			msg += fmt.Sprintf(": %d of %d", p.Done, p.Total)
		}
		msg += ")"
		if p.StatsSince != "" {
			msg += "; line statistics cover " + p.StatsSince + " .. now"
		}
		msg += "; retry shortly"
	}
	status, b := failure(w.Header(), r, log, fault.New(fault.Timeout, msg))
	b.Progress = &p
	writeJSON(w, status, b)
}

// ErrShuttingDown is the cause with which a server cancels the requests
// still running when its shutdown grace has passed; they are answered 503
// with Retry-After, not dropped.
var ErrShuttingDown = errors.New("server shutting down")

// Answers that are not failures of a lower package but of the request's
// shape or of this server; WriteFailure maps them like the rest.
var (
	errMethodNotAllowed = fault.New(fault.Invalid, "method not allowed")
	errNotReady         = fault.New(fault.Down, "data directory is not writable")
	errNotFound         = fault.New(fault.NotFound, "not found")
	errNoAuthorStats    = fault.New(fault.NotFound, "author statistics are off on this server: its operator can turn them on with AUTHOR_STATS=true")
	errNoOAuth          = fault.New(fault.Invalid, "GitHub sign-in is not configured: the operator sets VITE_GITHUB_CLIENT_ID and VITE_GITHUB_CLIENT_SECRET")
)

// NotFound answers 404 with the error body, without echoing the path:
// the fallback of the dashboard's handler (web.Handler).
var NotFound http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	WriteFailure(w, r, nil, errNotFound)
})

// DenyRateLimited answers a request ratelimit.Middleware refused (its
// deny function): 429 with the error body, through failure like every
// other failure; the middleware has set Retry-After.
func DenyRateLimited(w http.ResponseWriter, r *http.Request, _ ratelimit.Result) {
	WriteFailure(w, r, nil, fault.New(fault.RateLimited, "too many requests; retry after the time in Retry-After"))
}

// WriteFailure writes err as the JSON error body with its HTTP status;
// see failure. A nil log discards what would be logged.
func WriteFailure(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, body := failure(w.Header(), r, log, err)
	writeJSON(w, status, body)
}

// failure is the one place where an error becomes an HTTP status and the
// body a client reads: its fault.Kind picks the status, its fault message
// (never its cause) is the text. It sets Retry-After in h for a rate limit
// with a known reset and for a timeout, and logs what an operator must
// see (internal errors with the request ID, a provider or host that is
// unavailable).
func failure(h http.Header, r *http.Request, log *slog.Logger, err error) (int, ErrorBody) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := fault.From(err)
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errMethodNotAllowed):
		status = http.StatusMethodNotAllowed
	case errors.Is(err, errNoOAuth):
		status = http.StatusNotImplemented
	case errors.Is(context.Cause(r.Context()), ErrShuttingDown):
		// The server's shutdown grace ran out while this request was in
		// flight: another instance (or this one, restarted) can answer it.
		h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		return http.StatusServiceUnavailable, body(http.StatusServiceUnavailable, "the server is shutting down; retry shortly", nil)
	case f.Kind == fault.Internal && errors.Is(err, context.Canceled):
		// The client went away; nobody reads this.
		return 499, body(499, "request cancelled", nil)
	case f.Kind == fault.Invalid:
		status = http.StatusBadRequest
	case f.Kind == fault.NotFound:
		status = http.StatusNotFound
	case f.Kind == fault.Unauthorized:
		status = http.StatusUnauthorized
	case f.Kind == fault.Forbidden:
		status = http.StatusForbidden
	case f.Kind == fault.RateLimited:
		status = http.StatusTooManyRequests
	case f.Kind == fault.Unavailable:
		status = http.StatusBadGateway
		log.Warn("upstream unavailable", "request_id", requestID(r), "err", err)
	case f.Kind == fault.Down:
		status = http.StatusServiceUnavailable
		if f.RetryAt.IsZero() {
			h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		}
		log.Warn("service degraded", "request_id", requestID(r), "err", err)
	case f.Kind == fault.Timeout:
		status = http.StatusGatewayTimeout
		if f.RetryAt.IsZero() {
			h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		}
		if f.Err != nil { // a bare deadline: the work goes on behind it
			f = &fault.Error{Kind: fault.Timeout, Message: "still working on the answer (a repository or a provider listing); retry shortly"}
		}
	default:
		log.Error("internal error", "request_id", requestID(r), "err", err)
		f = &fault.Error{Kind: fault.Internal, Message: "internal error (request " + requestID(r) + ")"}
	}
	if !f.RetryAt.IsZero() {
		h.Set("Retry-After", strconv.Itoa(max(1, int(time.Until(f.RetryAt).Seconds()+0.5))))
	}
	return status, body(status, f.Message, f.Fields)
}

// body is the error body of status with message msg.
func body(status int, msg string, fields []fault.FieldError) ErrorBody {
	return ErrorBody{Error: msg, Detail: msg, Status: "error", Code: status, Details: fields}
}
