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

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// ErrorBody is the one error shape of every endpoint, readable by clients
// of both specs: spec 002 reads error and details, spec 000 detail,
// status and code.
type ErrorBody struct {
	Error   string             `json:"error"`
	Detail  string             `json:"detail"`
	Status  string             `json:"status"`
	Code    int                `json:"code"`
	Details []query.FieldError `json:"details,omitempty"`
	// Progress says, in a 504 for a repository still being prepared, how
	// far its preparation has come.
	Progress *history.Progress `json:"progress,omitempty"`
}

// RetryAfterSeconds is what a 504 asks the client to wait: the work goes on
// in the background, so a retry soon is usually fast.
const RetryAfterSeconds = 5

// WriteError writes the error body for status with message msg.
func WriteError(w http.ResponseWriter, status int, msg string, details []query.FieldError) {
	writeJSON(w, status, ErrorBody{Error: msg, Detail: msg, Status: "error", Code: status, Details: details})
}

// writeJSON writes v as the JSON response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error","detail":"internal error","status":"error","code":500}`)
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writePending answers 504 for a repository still being prepared after
// err (the request's deadline), with how far the preparation has come; any
// other err is written by writeFailure.
func writePending(w http.ResponseWriter, r *http.Request, log *slog.Logger, repo *history.Repo, err error) {
	if !errors.Is(err, context.DeadlineExceeded) || r.Context().Err() != nil {
		writeFailure(w, r, log, err)
		return
	}
	p := repo.Progress()
	msg := "the repository is still being prepared; retry shortly"
	if p.Phase != "" {
		msg = fmt.Sprintf("the repository is still being prepared (%s", p.Phase)
		if p.Total > 0 {
			msg += fmt.Sprintf(": %d of %d", p.Done, p.Total)
		}
		msg += "); retry shortly"
	}
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	writeJSON(w, http.StatusGatewayTimeout, ErrorBody{Error: msg, Detail: msg, Status: "error", Code: http.StatusGatewayTimeout, Progress: &p})
}

// validationFailed is the error message of every 400 with field details.
const validationFailed = "Validation failed"

// writeFailure maps err to a status and a message fit for clients, in this
// one place. Internal errors are logged with the request ID, never sent.
func writeFailure(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var fields query.Errors
	var mirrorErr *mirror.Error
	var providerErr *providers.Error
	switch {
	case errors.As(err, &fields):
		WriteError(w, http.StatusBadRequest, validationFailed, fields)
	case errors.As(err, &providerErr):
		// Its message names the provider and what failed, never a token.
		if !providerErr.RetryAt.IsZero() {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(providerErr.RetryAt).Seconds()+0.5))))
		}
		if errors.Is(err, providers.ErrUnavailable) {
			log.Warn("provider failure", "request_id", requestID(r), "err", err)
		}
		WriteError(w, providerStatus(err), providerErr.Error(), nil)
	case errors.Is(err, providers.ErrInvalid):
		WriteError(w, http.StatusBadRequest, err.Error(), nil)
	case errors.Is(err, repourl.ErrInvalid), errors.Is(err, repourl.ErrRefused):
		WriteError(w, http.StatusBadRequest, validationFailed, []query.FieldError{{Field: query.ParamRepoURL, Message: err.Error()}})
	case errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		WriteError(w, http.StatusGatewayTimeout, "still working on the answer (a repository or a provider listing); retry shortly", nil)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this.
		WriteError(w, 499, "request cancelled", nil)
	case errors.Is(err, mirror.ErrNotFound), errors.Is(err, gitcli.ErrNotRepository):
		WriteError(w, http.StatusNotFound, "repository not found", nil)
	case errors.Is(err, mirror.ErrAuth):
		WriteError(w, http.StatusForbidden, mirror.ErrAuth.Error(), nil)
	case errors.Is(err, mirror.ErrUnreachable):
		WriteError(w, http.StatusBadGateway, "the repository could not be fetched from its host", nil)
	case errors.As(err, &mirrorErr):
		// Its message is written for users: it names no path or token.
		log.Error("repository failure", "request_id", requestID(r), "err", err)
		WriteError(w, http.StatusBadGateway, mirrorErr.Error(), nil)
	default:
		log.Error("internal error", "request_id", requestID(r), "err", err)
		WriteError(w, http.StatusInternalServerError, "internal error (request "+requestID(r)+")", nil)
	}
}

// providerStatus is the HTTP status for a provider failure.
func providerStatus(err error) int {
	switch {
	case errors.Is(err, providers.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, providers.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, providers.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, providers.ErrRateLimited):
		return http.StatusTooManyRequests
	case errors.Is(err, providers.ErrInvalid):
		return http.StatusBadRequest
	default:
		return http.StatusBadGateway
	}
}
