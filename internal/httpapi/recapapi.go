package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/recap"
)

// RecapOptions enable the recap endpoints of spec 000. Only plain-git
// sessions (a repository URL, no token) exist so far; the GitHub, GitLab
// and Azure DevOps providers answer 501.
type RecapOptions struct {
	Sessions  auth.Store
	Signer    *auth.Signer
	Generator *recap.Generator
	// MaxFrameBytes bounds a WebSocket message from a client (default 1 MiB).
	MaxFrameBytes int64
	// Origins may open WebSockets from a browser besides the server's own.
	Origins []string
}

// Limits of the recap endpoints.
const (
	maxBodyBytes  = 64 << 10
	maxItems      = recap.MaxItems
	endFrame      = "</end>"
	wsWriteWait   = 10 * time.Second
	defaultFrames = 1 << 20
)

// recapAPI holds the recap handlers' dependencies.
type recapAPI struct {
	*api
	opts RecapOptions
}

func (a *api) recapRoutes(o *RecapOptions) []route {
	if o == nil {
		return nil
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = defaultFrames
	}
	ra := &recapAPI{api: a, opts: *o}
	return []route{
		{"POST", "/pat", ra.signIn, "Open a session: {provider, token|pat, url (provider git)}", nil},
		{"POST", "/clone-repo", ra.signIn, "Open a plain-git session over {url}", nil},
		{"GET", "/repos", ra.repos, "Repositories the session can recap", nil},
		{"GET", "/actions", ra.actions, "Activity of the session's repository in a period, as text for a model", []string{"start_date", "end_date", "authors"}},
		{"GET", "/ws/{session_id}", ra.stream, "WebSocket: send {actions, n}, receive {chunk} frames ending with </end>", nil},
		{"GET", "/ws/{session_id}/{mode}", ra.stream, "WebSocket for recap, release or pull_request", nil},
	}
}

// signInRequest is the body of POST /pat and POST /clone-repo.
type signInRequest struct {
	Provider     string `json:"provider"`
	Token        string `json:"token"`
	PAT          string `json:"pat"`
	URL          string `json:"url"`
	Host         string `json:"host"`
	Organization string `json:"organization"`
}

// signInResponse is what a new session returns.
type signInResponse struct {
	SessionID string    `json:"session_id"`
	Token     string    `json:"token"`
	Username  string    `json:"username"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (ra *recapAPI) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		WriteError(w, http.StatusBadRequest, "the body must be a JSON object", nil)
		return
	}
	if r.URL.Path == "/clone-repo" {
		req.Provider = "git"
	}
	switch strings.ToLower(strings.TrimSpace(req.Provider)) {
	case "git", "url":
	case "github", "gitlab", "azure", "azure devops":
		WriteError(w, http.StatusNotImplemented, "provider "+req.Provider+" is not supported yet; use provider git with a repository url", nil)
		return
	default:
		WriteError(w, http.StatusBadRequest, validationFailed, []query.FieldError{{Field: "provider", Message: "must be github, gitlab, azure or git"}})
		return
	}
	info, err := ra.svc.Vet(r.Context(), req.URL)
	if err != nil {
		WriteError(w, http.StatusBadRequest, validationFailed, []query.FieldError{{Field: "url", Message: err.Error()}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	if err := ra.svc.PrepareVetted(info, nil).Ready(ctx); err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	s, err := ra.opts.Sessions.Create(r.Context(), auth.Session{Provider: "git", Username: info.Owner + "/" + info.Name, RepoURL: req.URL})
	if err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	token, err := ra.opts.Signer.Issue(s.ID, s.ExpiresAt)
	if err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	writeJSON(w, http.StatusOK, signInResponse{SessionID: s.ID, Token: token, Username: s.Username, ExpiresAt: s.ExpiresAt})
}

// session finds the request's session (Bearer JWT, session_id or token
// parameter, or the path's session_id) and answers 401 when there is none.
func (ra *recapAPI) session(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	id, err := auth.SessionFromRequest(r, ra.opts.Signer)
	if errors.Is(err, auth.ErrNotFound) && r.PathValue("session_id") != "" {
		id, err = r.PathValue("session_id"), nil
	}
	if err == nil {
		var s auth.Session
		if s, err = ra.opts.Sessions.Get(r.Context(), id); err == nil {
			return s, true
		}
	}
	switch {
	case errors.Is(err, auth.ErrExpired):
		WriteError(w, http.StatusUnauthorized, auth.ErrExpired.Error(), nil)
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, auth.ErrInvalidToken):
		WriteError(w, http.StatusUnauthorized, "no valid session: sign in with POST /pat", nil)
	default:
		writeFailure(w, r, ra.log, err)
	}
	return auth.Session{}, false
}

// repoEntry is one repository of GET /repos.
type repoEntry struct {
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	URL      string `json:"url"`
	Platform string `json:"platform"`
}

// repos lists the session's repositories: for a plain-git session, the
// one it was opened over.
func (ra *recapAPI) repos(w http.ResponseWriter, r *http.Request) {
	s, ok := ra.session(w, r)
	if !ok {
		return
	}
	info, err := ra.svc.Vet(r.Context(), s.RepoURL)
	if err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]repoEntry{"repos": {{Name: info.Name, Owner: info.Owner, URL: info.URL, Platform: info.Platform}}})
}

// actionsResponse is the body of GET /actions.
type actionsResponse struct {
	Actions string              `json:"actions"`
	Items   []recap.Item        `json:"items"`
	Total   int                 `json:"total"`
	Trimmed int                 `json:"trimmed"`
	Range   analytics.DateRange `json:"range"`
}

func (ra *recapAPI) actions(w http.ResponseWriter, r *http.Request) {
	s, ok := ra.session(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	translated := map[string]string{
		query.ParamRepoURL: s.RepoURL, query.ParamFromDate: params.Get("start_date"),
		query.ParamToDate: params.Get("end_date"), query.ParamAuthors: params.Get("authors"),
	}
	req, err := query.Parse(func(k string) string { return translated[k] }, ra.now())
	if err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	repo, err := ra.svc.Prepare(ctx, s.RepoURL, nil)
	if err == nil {
		err = repo.Ready(ctx)
	}
	if err != nil {
		writeFailure(w, r, ra.log, err)
		return
	}
	page := repo.View().Commits(req.Filter, 1, maxItems)
	items := recap.CommitItems(repo.Info.Name, page.Commits)
	kept, trimmed := ra.opts.Generator.TrimItems(items)
	writeJSON(w, http.StatusOK, actionsResponse{
		Actions: recap.RenderActions(kept), Items: kept, Total: page.Total, Trimmed: trimmed + page.Total - len(items),
		Range: analytics.DateRange{Start: day(req.Filter.From), End: day(req.Filter.To)},
	})
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// streamRequest is the client's WebSocket message.
type streamRequest struct {
	Actions string `json:"actions"`
	N       int    `json:"n"`
}

// frame is one server WebSocket message.
type frame struct {
	Chunk string `json:"chunk,omitempty"`
	Error string `json:"error,omitempty"`
}

func (ra *recapAPI) stream(w http.ResponseWriter, r *http.Request) {
	if _, ok := ra.session(w, r); !ok {
		return
	}
	mode := recap.ModeRecap
	if m := r.PathValue("mode"); m != "" {
		mode = recap.Mode(m)
		if mode != recap.ModeRecap && mode != recap.ModeRelease && mode != recap.ModePullRequest {
			WriteError(w, http.StatusNotFound, "not found", nil)
			return
		}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: originHosts(ra.opts.Origins)})
	if err != nil {
		return // Accept has answered the client
	}
	defer conn.CloseNow()
	conn.SetReadLimit(ra.opts.MaxFrameBytes)
	ctx := r.Context()
	send := func(f frame) error {
		wctx, cancel := context.WithTimeout(ctx, wsWriteWait)
		defer cancel()
		return wsjson.Write(wctx, conn, f)
	}
	var req streamRequest
	if err := wsjson.Read(ctx, conn, &req); err != nil {
		if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
			return // the library closed the socket with 1009
		}
		_ = send(frame{Error: "the message must be JSON: {\"actions\": \"...\", \"n\": 5}"})
		_ = send(frame{Chunk: endFrame})
		conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	// From now on the client only listens: read (and drop) in the
	// background so that its leaving cancels the generation, and ping it
	// so that a dead peer does not hold the stream open.
	ctx = conn.CloseRead(ctx)
	go keepAlive(ctx, conn)
	err = ra.opts.Generator.GenerateResponse(ctx, mode, req.Actions, req.N, func(chunk string) error {
		return send(frame{Chunk: chunk})
	})
	if err != nil {
		msg := "the summary could not be written"
		if errors.Is(err, recap.ErrInvalid) {
			msg = err.Error()
		}
		ra.log.Warn("recap stream failed", "request_id", requestID(r), "err", err)
		_ = send(frame{Error: msg})
	}
	_ = send(frame{Chunk: endFrame})
	conn.Close(websocket.StatusNormalClosure, "")
}

// wsPingEvery is how often a streaming WebSocket is pinged.
const wsPingEvery = 20 * time.Second

// keepAlive pings conn until ctx ends, closing it when a pong does not
// come back in time.
func keepAlive(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(wsPingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, wsWriteWait)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				conn.CloseNow()
				return
			}
		}
	}
}

// originHosts turns origins ("https://app.example") into the host
// patterns websocket.Accept checks browsers' Origin against.
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if i := strings.Index(o, "://"); i >= 0 {
			o = o[i+3:]
		}
		out = append(out, o)
	}
	return out
}
