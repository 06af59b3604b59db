package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
)

// RecapOptions enable the recap endpoints of spec 000.
type RecapOptions struct {
	Sessions auth.Store
	Signer   *auth.Signer
	// Recaps signs in to providers, gathers activity and writes recaps.
	Recaps *recaps.Service
	// OAuth, if set, enables GET /external-signup: the GitHub OAuth code
	// exchange.
	OAuth *oauth2.Config
	// MaxFrameBytes bounds a WebSocket message from a client (default 1 MiB).
	MaxFrameBytes int64
	// Origins may open WebSockets from a browser besides the server's own.
	Origins []string
	// WebSocket bounds the recap WebSockets; zero fields mean the defaults.
	WebSocket WebSocketLimits
}

// WebSocketLimits bound the recap WebSockets, so that idle sockets cannot
// pile up: a socket must send its message soon after the upgrade, is
// pinged from the upgrade on, and a client (and everyone together) may
// hold only so many open at once.
type WebSocketLimits struct {
	// FirstMessage is how long after the upgrade the client's message may
	// take (default 30 s); then the socket is closed with 1008.
	FirstMessage time.Duration
	// PingEvery is how often an open socket is pinged (default 20 s); one
	// that does not answer within the write wait is closed.
	PingEvery time.Duration
	// PerClient caps the sockets one client holds open (default 4).
	PerClient int
	// Total caps the sockets open on this server (default 512).
	Total int
	// ClientKey names a request's client (default ratelimit.ClientKey,
	// the connection's address).
	ClientKey func(*http.Request) string
}

// WebSocket defaults.
const (
	DefaultWSFirstMessage = 30 * time.Second
	DefaultWSPingEvery    = 20 * time.Second
	DefaultWSPerClient    = 4
	DefaultWSTotal        = 512
)

// Limits and defaults of the recap endpoints.
const (
	maxBodyBytes  = 64 << 10
	endFrame      = "</end>"
	wsWriteWait   = 10 * time.Second
	defaultFrames = 1 << 20
)

// recapAPI holds the recap handlers' dependencies.
type recapAPI struct {
	*api
	opts    RecapOptions
	sockets sockets
	results lastResults
}

// sockets counts the open WebSockets, per client and in total.
type sockets struct {
	mu        sync.Mutex
	total     int
	perClient map[string]int
}

// open takes a place for client's socket within the limits, reporting
// whether there was one; close gives it back.
func (s *sockets) open(client string, l WebSocketLimits) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= l.Total || s.perClient[client] >= l.PerClient {
		return false
	}
	s.total++
	s.perClient[client]++
	return true
}

func (s *sockets) close(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.perClient[client]--; s.perClient[client] <= 0 {
		delete(s.perClient, client)
	}
}

func (a *api) recapRoutes(o *RecapOptions) []route {
	if o == nil {
		return nil
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = defaultFrames
	}
	ws := &o.WebSocket
	ws.FirstMessage = cmp.Or(ws.FirstMessage, DefaultWSFirstMessage)
	ws.PingEvery = cmp.Or(ws.PingEvery, DefaultWSPingEvery)
	ws.PerClient = cmp.Or(ws.PerClient, DefaultWSPerClient)
	ws.Total = cmp.Or(ws.Total, DefaultWSTotal)
	if ws.ClientKey == nil {
		ws.ClientKey = ratelimit.ClientKey
	}
	ra := &recapAPI{api: a, opts: *o, sockets: sockets{perClient: map[string]int{}}}
	hosted := []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusBadGateway, http.StatusGatewayTimeout}
	signIn := route{method: "POST", handler: ra.signIn, body: reflect.TypeFor[signInRequest](), reply: reflect.TypeFor[signInResponse](),
		fails: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusBadGateway, http.StatusGatewayTimeout}}
	pat, cloneRepo := signIn, signIn
	pat.path, pat.doc = "/pat", "Open a session: {provider: github|gitlab|azure|git, token|pat, host?, organization?, url (git)}"
	cloneRepo.path, cloneRepo.doc = "/clone-repo", "Open a plain-git session over {url}"
	// A socket is refused before the upgrade in plain text by the
	// WebSocket library: 400 (not a WebSocket handshake), 403 (an origin
	// not allowed), 426 (no Upgrade header).
	stream := route{method: "GET", path: "/ws/{session_id}", handler: ra.stream, ok: http.StatusSwitchingProtocols, session: true,
		doc:       "WebSocket: send {actions, n, topics?}, receive {chunk} frames ending with </end> ({error} frames on failure; with topics: true, one {topics} frame before </end>)",
		textFails: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUpgradeRequired},
		socket:    &socketDoc{send: reflect.TypeFor[streamRequest](), receive: []reflect.Type{reflect.TypeFor[frame](), reflect.TypeFor[topicsFrame]()}}}
	streamMode := stream
	streamMode.path, streamMode.doc = "/ws/{session_id}/{mode}", "WebSocket for recap, release or pull_request (send {actions, n, topics?, src, target, repo})"
	streamMode.fails = []int{http.StatusNotFound}
	return []route{pat, cloneRepo,
		{method: "GET", path: "/login/github", handler: ra.oauthStart, params: []string{"return"}, redirect: http.StatusFound, fails: []int{http.StatusBadRequest, http.StatusNotImplemented},
			doc: "Start a GitHub sign-in: redirect to GitHub's authorize page with state and PKCE; ?return=/path comes back there with the session in the URL fragment"},
		{method: "GET", path: "/external-signup", handler: ra.oauthSignIn, params: []string{"code", "state"}, reply: reflect.TypeFor[signInResponse](), redirect: http.StatusSeeOther,
			doc:   "GitHub OAuth callback: check the state of a sign-in started at /login/github, exchange ?code= and open a session (as JSON, or back to ?return= with the session in the URL fragment)",
			fails: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotImplemented, http.StatusBadGateway, http.StatusGatewayTimeout}},
		{method: "GET", path: "/repos", handler: ra.repos, doc: "Repositories the session can recap", session: true, reply: reflect.TypeFor[reposReply](), fails: hosted},
		{method: "GET", path: "/actions", handler: ra.actions, doc: "Activity in a period, as text for a model and as items", params: []string{"start_date", "end_date", "repo_filter", query.ParamAuthors},
			session: true, reply: reflect.TypeFor[recaps.Result](), fails: hosted},
		{method: "GET", path: "/release_notes", handler: ra.releaseNotes, doc: "Activity since a repository's latest release, with older releases' notes", params: []string{"repo", "num_old_releases", "tag"},
			session: true, reply: reflect.TypeFor[recaps.Result](), fails: hosted},
		{method: "GET", path: "/branches", handler: ra.branches, doc: "A repository's branches, the default first", params: []string{"repo"},
			session: true, reply: reflect.TypeFor[branchesReply](), fails: hosted},
		stream, streamMode,
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
	Provider  string    `json:"provider"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (ra *recapAPI) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	if err := dec.Decode(&req); err != nil {
		WriteFailure(w, r, ra.log, fault.New(fault.Invalid, "the body must be a JSON object"))
		return
	}
	if r.URL.Path == "/clone-repo" {
		req.Provider = connect.Git
	}
	provider, ok := connect.Canonical(req.Provider)
	if !ok {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "provider", Message: "must be github, gitlab, azure or git"}))
		return
	}
	if provider == connect.Git {
		ra.openGit(w, r, req.URL)
		return
	}
	token := strings.TrimSpace(cmp.Or(req.Token, req.PAT))
	if token == "" {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "token", Message: "is required for provider " + provider}))
		return
	}
	if in, ok := ra.openHosted(w, r, auth.Session{Provider: provider, Token: token, Organization: strings.TrimSpace(req.Organization)}, req.Host); ok {
		writeJSON(w, http.StatusOK, in)
	}
}

// openGit opens a plain-git session over the repository at url.
func (ra *recapAPI) openGit(w http.ResponseWriter, r *http.Request, url string) {
	info, err := ra.svc.Vet(r.Context(), url)
	if err != nil {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "url", Message: fault.Message(err)}))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	if err := ra.svc.PrepareVetted(info, nil).Ready(ctx); err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	if in, ok := ra.issue(w, r, auth.Session{Provider: connect.Git, Username: gitrepo.FullName(info), RepoURL: url}); ok {
		writeJSON(w, http.StatusOK, in)
	}
}

// openHosted checks s's token against its provider (at host, if given)
// and opens the session under the provider's user name.
func (ra *recapAPI) openHosted(w http.ResponseWriter, r *http.Request, s auth.Session, host string) (signInResponse, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	s, _, err := ra.opts.Recaps.SignIn(ctx, s, host)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return signInResponse{}, false
	}
	return ra.issue(w, r, s)
}

// issue stores s as a new session and returns its id and JWT; on failure
// it answers the request itself.
func (ra *recapAPI) issue(w http.ResponseWriter, r *http.Request, s auth.Session) (signInResponse, bool) {
	s, err := ra.opts.Sessions.Create(r.Context(), s)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return signInResponse{}, false
	}
	token, err := ra.opts.Signer.Issue(s.ID)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return signInResponse{}, false
	}
	return signInResponse{SessionID: s.ID, Token: token, Username: s.Username, Provider: s.Provider, ExpiresAt: s.ExpiresAt}, true
}

// oauthSignIn is GitHub's OAuth callback: it exchanges the code for a
// token and opens a GitHub session with it.
func (ra *recapAPI) oauthSignIn(w http.ResponseWriter, r *http.Request) {
	if ra.opts.OAuth == nil {
		WriteFailure(w, r, ra.log, errNoOAuth)
		return
	}
	flow, err := oauthCheck(w, r)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	code := strings.TrimSpace(r.URL.Query().Get("code"))
	if code == "" {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "code", Message: "is required: the code GitHub passed to the callback"}))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	if c := ra.opts.Recaps.HTTPClient(); c != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, c)
	}
	var opts []oauth2.AuthCodeOption
	if flow.verifier != "" {
		opts = append(opts, oauth2.VerifierOption(flow.verifier))
	}
	tok, err := ra.opts.OAuth.Exchange(ctx, code, opts...)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.As(err, &re) && (re.ErrorCode != "" || re.Response == nil || re.Response.StatusCode < 500):
			WriteFailure(w, r, ra.log, fault.New(fault.Unauthorized, "GitHub refused the authorization code: it is wrong, used or expired; sign in again"))
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			WriteFailure(w, r, ra.log, err)
		default:
			WriteFailure(w, r, ra.log, fault.Wrap(fault.Unavailable, "GitHub could not be reached to finish signing in", err))
		}
		return
	}
	s, ok := ra.openHosted(w, r, auth.Session{Provider: connect.GitHub, Token: tok.AccessToken}, "")
	if !ok {
		return
	}
	if flow.back == "" {
		writeJSON(w, http.StatusOK, s)
		return
	}
	// A browser sign-in: back to the page, the session in the fragment
	// (never sent to a server, never in a Referer).
	frag := url.Values{"session_id": {s.SessionID}, "token": {s.Token}, "username": {s.Username}, "provider": {s.Provider}}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, flow.back+"#"+frag.Encode(), http.StatusSeeOther)
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
	if errors.Is(err, auth.ErrNotFound) || errors.Is(err, auth.ErrInvalidToken) {
		err = fault.Wrap(fault.Unauthorized, "no valid session: sign in with POST /pat", err)
	}
	WriteFailure(w, r, ra.log, err)
	return auth.Session{}, false
}

// provider finds the request's session and opens its provider, answering
// the request itself when it cannot.
func (ra *recapAPI) provider(w http.ResponseWriter, r *http.Request) (auth.Session, activity.Provider, bool) {
	s, ok := ra.session(w, r)
	if !ok {
		return s, nil, false
	}
	p, err := ra.opts.Recaps.Open(s)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return s, nil, false
	}
	return s, p, true
}

// reposReply is the answer of GET /repos.
type reposReply struct {
	Repos []activity.Repo `json:"repos"`
}

// branchesReply is the answer of GET /branches.
type branchesReply struct {
	Repo     string   `json:"repo"`
	Branches []string `json:"branches"`
}

// repos lists the session's repositories.
func (ra *recapAPI) repos(w http.ResponseWriter, r *http.Request) {
	s, p, ok := ra.provider(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	repos, err := ra.opts.Recaps.Repos(ctx, s, p)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	writeJSON(w, http.StatusOK, reposReply{Repos: repos})
}

func (ra *recapAPI) actions(w http.ResponseWriter, r *http.Request) {
	s, p, ok := ra.provider(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	since, until, err := query.Period(params.Get("start_date"), params.Get("end_date"), "start_date", "end_date", recaps.DefaultDays, ra.now())
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	q := activity.Query{Since: since, Until: until, Authors: query.List(params.Get("authors")), Repos: query.List(params.Get("repo_filter"))}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	res, err := ra.opts.Recaps.Actions(ctx, s, p, q)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	ra.results.remember(s.ID, res.Actions, res.Items)
	writeJSON(w, http.StatusOK, res)
}

// repoRequest opens the session's provider and reads the repository a
// release-notes or branches request names: its repo parameter, which a
// plain-git session (with its one repository) may leave out.
func (ra *recapAPI) repoRequest(w http.ResponseWriter, r *http.Request) (auth.Session, activity.Provider, string, bool) {
	s, p, ok := ra.provider(w, r)
	if !ok {
		return s, nil, "", false
	}
	repo := strings.TrimSpace(r.URL.Query().Get("repo"))
	if repo == "" && s.Provider != connect.Git {
		WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "repo", Message: "is required: a full_name from GET /repos"}))
		return s, nil, "", false
	}
	return s, p, repo, true
}

// releaseNotes gathers what a release-notes writer reads: the activity
// since the latest release and the notes of the releases before it.
func (ra *recapAPI) releaseNotes(w http.ResponseWriter, r *http.Request) {
	s, p, repo, ok := ra.repoRequest(w, r)
	if !ok {
		return
	}
	old := 1
	if raw := strings.TrimSpace(r.URL.Query().Get("num_old_releases")); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > recaps.MaxOldReleases {
			WriteFailure(w, r, ra.log, fault.Fields(fault.FieldError{Field: "num_old_releases", Message: fmt.Sprintf("must be a whole number from 0 to %d", recaps.MaxOldReleases)}))
			return
		}
		old = n
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	res, err := ra.opts.Recaps.ReleaseNotes(ctx, p, repo, strings.TrimSpace(r.URL.Query().Get("tag")), old)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	ra.results.remember(s.ID, res.Actions, res.Items)
	writeJSON(w, http.StatusOK, res)
}

// branches lists a repository's branches.
func (ra *recapAPI) branches(w http.ResponseWriter, r *http.Request) {
	_, p, repo, ok := ra.repoRequest(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ra.deadline)
	defer cancel()
	names, err := p.Branches(ctx, repo)
	if err != nil {
		WriteFailure(w, r, ra.log, err)
		return
	}
	writeJSON(w, http.StatusOK, branchesReply{Repo: repo, Branches: names})
}

// streamRequest is the client's WebSocket message.
type streamRequest struct {
	Actions string `json:"actions"`
	N       int    `json:"n"`
	// Src and Target, in pull_request mode, name the branches of a pull
	// request: the server reads the commits of Src that Target lacks (in
	// Repo, which a plain-git session may leave out) and describes them.
	Src    string `json:"src"`
	Target string `json:"target"`
	Repo   string `json:"repo"`
	// Items, optional, are the activity items Actions shows (the items of
	// GET /actions): the built-in summariser reads them instead of
	// parsing Actions. Without them, the items of the session's recent
	// GET /actions (or /release_notes) result are used when Actions is
	// that result's text unchanged.
	Items []activity.Item `json:"items"`
	// Topics, when true, asks for one topicsFrame after the text, before
	// the end frame; clients that do not ask never receive one.
	Topics bool `json:"topics"`
}

// frame is one server WebSocket message: a piece of the text (the last
// one is "</end>"), or a failure.
type frame struct {
	Chunk string `json:"chunk,omitempty"`
	Error string `json:"error,omitempty"`
}

// topicsFrame is the frame sent, to a client that asked with "topics":
// true, after the text and before the end frame: the topics the text was
// written from, with their commits. The built-in summariser ties each to
// its bullet ("bullet": 1 for the first line of the text that starts with
// "- "); when a model wrote the text, no topic has a bullet: they are
// the activity's topics, biggest first, and the bullets are the model's
// own.
type topicsFrame struct {
	Topics []recap.Topic `json:"topics"`
}

func (ra *recapAPI) stream(w http.ResponseWriter, r *http.Request) {
	s, ok := ra.session(w, r)
	if !ok {
		return
	}
	mode := recap.ModeRecap
	if m := r.PathValue("mode"); m != "" {
		mode = recap.Mode(m)
		if mode != recap.ModeRecap && mode != recap.ModeRelease && mode != recap.ModePullRequest {
			WriteFailure(w, r, ra.log, errNotFound)
			return
		}
	}
	limits := ra.opts.WebSocket
	client := limits.ClientKey(r)
	if !ra.sockets.open(client, limits) {
		WriteFailure(w, r, ra.log, fault.New(fault.RateLimited, "too many open WebSockets; close one or retry later"))
		return
	}
	defer ra.sockets.close(client)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: originHosts(ra.opts.Origins)})
	if err != nil {
		return // Accept has answered the client
	}
	// After a Close, CloseNow only reports that the socket is closed.
	defer func() { _ = conn.CloseNow() }()
	conn.SetReadLimit(ra.opts.MaxFrameBytes)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// Pinged from the upgrade on, so that a dead peer does not hold the
	// socket open; the reads below see the pongs.
	go keepAlive(ctx, conn, limits.PingEvery)
	send := func(f any) error {
		wctx, cancel := context.WithTimeout(ctx, wsWriteWait)
		defer cancel()
		return wsjson.Write(wctx, conn, f)
	}
	rctx, rcancel := context.WithTimeout(ctx, limits.FirstMessage)
	req, err := readRequest(rctx, conn)
	late := errors.Is(rctx.Err(), context.DeadlineExceeded)
	rcancel()
	switch {
	case err == nil:
		// From now on the client only listens: read (and drop) in the
		// background so that its leaving cancels the generation.
		ctx = conn.CloseRead(ctx)
		var in recap.Input
		in, err = ra.streamInput(ctx, s, mode, req)
		var topics []recap.Topic
		if err == nil {
			topics, err = ra.opts.Recaps.Generator().GenerateResponse(ctx, mode, in, req.N, func(chunk string) error {
				return send(frame{Chunk: chunk})
			})
		}
		if err == nil && req.Topics {
			if topics == nil {
				topics = []recap.Topic{} // no topics: [], never null
			}
			err = send(topicsFrame{Topics: topics})
		}
	case websocket.CloseStatus(err) == websocket.StatusMessageTooBig:
		return // the library closed the socket with 1009
	case late:
		_ = conn.Close(websocket.StatusPolicyViolation, "no message in time") // a silent client may be gone: nothing more to tell it
		return
	case fault.KindOf(err) != fault.Invalid:
		return // the client left or broke the protocol: nobody to answer
	}
	if err != nil {
		// The frame says what the HTTP body would; internal errors are logged there.
		_, b := failure(http.Header{}, r, ra.log, err)
		if fault.KindOf(err) != fault.Internal {
			ra.log.Warn("recap stream failed", "request_id", requestID(r), "err", err)
		}
		_ = send(frame{Error: b.Error})
	}
	_ = send(frame{Chunk: endFrame})
	_ = conn.Close(websocket.StatusNormalClosure, "") // the answer is sent; a client gone before the close handshake changes nothing
}

// readRequest reads the client's one message. A message that is not a
// JSON object of streamRequest's shape is a fault.Invalid saying what is
// wrong, answered in frames like every other failure; other errors are
// the connection's.
func readRequest(ctx context.Context, conn *websocket.Conn) (streamRequest, error) {
	var req streamRequest
	_, data, err := conn.Read(ctx)
	if err != nil {
		return req, err
	}
	if err := json.Unmarshal(data, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return req, fault.Errorf(fault.Invalid, "%q must be a JSON %s, not %s", te.Field, jsonType(te.Type.Kind()), te.Value)
		}
		return req, fault.New(fault.Invalid, `the message must be a JSON object: {"actions": "...", "n": 5}`)
	}
	return req, nil
}

// jsonType names the JSON type a Go value of kind k is decoded from.
func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return k.String()
}

// streamInput is what the response is written from: the items the
// client sent, or those of the session's recent /actions or
// /release_notes result whose text the client sends unchanged, or else
// the client's text alone (which the built-in summariser parses); in pull_request mode with src and
// target, the commits of src that target lacks come first.
func (ra *recapAPI) streamInput(ctx context.Context, s auth.Session, mode recap.Mode, req streamRequest) (recap.Input, error) {
	in := recap.Input{Items: req.Items, Actions: req.Actions}
	if in.Items == nil {
		in.Items = ra.results.lookup(s.ID, req.Actions)
	}
	if req.Src == "" && req.Target == "" {
		return in, nil
	}
	if mode != recap.ModePullRequest || req.Src == "" || req.Target == "" {
		return in, fault.Errorf(fault.Invalid, "%w: src and target go together, in pull_request mode (/ws/{session_id}/pull_request)", recap.ErrInvalid)
	}
	if req.Repo == "" && s.Provider != connect.Git {
		return in, fault.Errorf(fault.Invalid, "%w: repo is required with src and target: a full_name from GET /repos", recap.ErrInvalid)
	}
	p, err := ra.opts.Recaps.Open(s)
	if err != nil {
		return in, err
	}
	ctx, cancel := context.WithTimeout(ctx, ra.deadline)
	defer cancel()
	res, err := ra.opts.Recaps.PullRequest(ctx, p, req.Repo, req.Target, req.Src)
	if err != nil {
		return in, err
	}
	if req.Actions != "" && in.Items == nil {
		in.Items = recap.ParseActions(req.Actions)
	}
	return recap.Input{Items: append(res.Items, in.Items...), Actions: strings.TrimSpace(res.Actions + "\n" + req.Actions)}, nil
}

// keepAlive pings conn every period until ctx ends, closing it when a
// pong does not come back in time.
func keepAlive(ctx context.Context, conn *websocket.Conn, every time.Duration) {
	t := time.NewTicker(every)
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
				_ = conn.CloseNow() // the peer is gone: its error says no more
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
