// Package httpapi is gitpulse's HTTP face: the analytics API of spec 002
// over the history service, with validation, one error shape, deadlines
// that answer 504 while the work goes on, a result cache, and the
// operational endpoints. Handlers are thin: every answer is computed by
// package analytics.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/query"
	"github.com/gitpulse/gitpulse/internal/reports"
)

// ResultCache stores encoded answers. cached reports that body came from
// a cache tier rather than from compute. body may be shared with the
// cache: nobody modifies it.
type ResultCache interface {
	Do(ctx context.Context, key string, compute func(context.Context) ([]byte, error)) (body []byte, cached bool, err error)
}

// Options configure a Handler.
type Options struct {
	// Service opens repositories; required.
	Service *history.Service
	// Cache stores response bodies; nil computes every answer.
	Cache ResultCache
	// Deadline bounds how long a request waits for a clone or an index
	// pass before answering 504 (default 30 s).
	Deadline time.Duration
	// Middleware wraps every route but the operational ones (/healthz,
	// /readyz, /metrics, which monitors poll), outermost first, inside the
	// request ID, logging and header middleware (rate limiting goes here).
	Middleware []func(http.Handler) http.Handler
	// ClientAddr names the client of a request in the access log (behind
	// a proxy, not the proxy); nil means the host of RemoteAddr.
	ClientAddr func(*http.Request) string
	// CORSOrigins may call the API from a browser.
	CORSOrigins []string
	// Recap, if set, adds the recap endpoints of spec 000.
	Recap *RecapOptions
	// Registry, if set, receives request metrics and is served at
	// /metrics with whatever else is registered in it.
	Registry *prometheus.Registry
	// Logger receives access logs and errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Dashboard, if set, serves the web dashboard at / and /assets/.
	Dashboard http.Handler
	// WebhookSecret, if set, serves the push webhooks (/api/hooks/github,
	// /api/hooks/gitlab) signed with it; unset, they answer 404.
	WebhookSecret string
	// AuthorStats serves the reports of statistics per person
	// (reports.Report.PersonalStats); without it they answer 404.
	AuthorStats bool
}

// Paths served beside the route table.
const (
	openAPIPath = "/api/openapi.json"
	metricsPath = "/metrics"
	healthzPath = "/healthz"
	readyzPath  = "/readyz"
)

// api holds the handlers' dependencies.
type api struct {
	svc      *history.Service
	cache    ResultCache
	deadline time.Duration
	log      *slog.Logger
	now      func() time.Time
	// authorStats is Options.AuthorStats.
	authorStats bool
	// metrics counts requests and compressed answers; nil without
	// Options.Registry.
	metrics *metrics
}

// route is one entry of the route table, which the router and the
// OpenAPI document are both built from.
type route struct {
	method, path string
	handler      http.HandlerFunc
	doc          string   // summary in the OpenAPI document
	params       []string // query and header parameters it reads (see paramDocs)
	// body is the type of its JSON request body; nil for none.
	body reflect.Type
	// ok is its success status; 0 means 200.
	ok int
	// redirect is the status of the redirect (to its Location) it answers
	// instead of a success, or of its only answer where it has no reply
	// and no ok; 0 for none.
	redirect int
	// revalidated: its success carries an ETag, and If-None-Match naming
	// it is answered 304 (writeValidated).
	revalidated bool
	// reply is the type of its success body (string: plain text); nil for
	// none.
	reply reflect.Type
	// fails are the statuses of its failures besides those every route
	// behind the middleware can answer (429, 500, 503) and a session
	// route's 401; textFails those of them answered in plain text (by
	// the WebSocket library), not as an ErrorBody.
	fails, textFails []int
	// session: it needs a session (security scheme bearer, sessionId or
	// sessionToken).
	session bool
	// ops: an operational route, which monitors poll: served outside the
	// middleware (never rate limited).
	ops bool
	// socket describes the messages of a WebSocket route; nil for others.
	socket *socketDoc
}

// socketDoc describes a WebSocket route's messages for the OpenAPI
// document (extension x-websocket): the JSON message the client sends
// and the JSON frames it may receive.
type socketDoc struct {
	send    reflect.Type
	receive []reflect.Type
}

// success is rt's success status.
func (rt route) success() int {
	if rt.ok == 0 {
		return http.StatusOK
	}
	return rt.ok
}

// tag groups rt in the OpenAPI document.
func (rt route) tag() string {
	switch {
	case rt.ops || rt.path == openAPIPath:
		return "operations"
	case strings.HasPrefix(rt.path, "/api/repositories/"):
		return "analytics"
	case strings.HasPrefix(rt.path, "/api/hooks/"):
		return "webhooks"
	}
	return "recap"
}

// New returns the HTTP handler of the whole API.
func New(opts Options) http.Handler {
	a := &api{svc: opts.Service, cache: opts.Cache, deadline: opts.Deadline, log: opts.Logger, now: opts.Now, authorStats: opts.AuthorStats}
	if opts.Registry != nil {
		a.metrics = newMetrics(opts.Registry)
	}
	if a.deadline <= 0 {
		a.deadline = 30 * time.Second
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	routes := slices.Concat(a.routes(), a.recapRoutes(opts.Recap), newHooks(a, opts.WebhookSecret, opts.Registry).routes())
	routes = append(routes, route{method: "GET", path: configPath, doc: "What this server offers the dashboard: githubSignIn, whether GET /login/github is configured (no secrets)",
		reply: reflect.TypeFor[ConfigBody](), handler: func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, ConfigBody{GitHubSignIn: opts.Recap != nil && opts.Recap.OAuth != nil})
		}})
	var doc map[string]any // the document of every route, this one included
	routes = append(routes, route{method: "GET", path: openAPIPath, doc: "This document (OpenAPI 3.1)", reply: reflect.TypeFor[map[string]any](),
		handler: func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, doc) }})
	if opts.Registry != nil {
		routes = append(routes, route{method: "GET", path: metricsPath, doc: "Prometheus metrics (text exposition format)", reply: reflect.TypeFor[string](), ops: true,
			handler: metricsHandler(opts.Registry).ServeHTTP})
	}
	doc = openAPI(routes)
	mux := http.NewServeMux()
	ops := map[string]bool{}
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.path, rt.handler)
		if rt.ops {
			ops[rt.path] = true
		}
	}
	if opts.Dashboard != nil {
		mux.Handle("GET /{$}", opts.Dashboard)
		mux.Handle("GET /assets/", opts.Dashboard)
	}
	mux.HandleFunc("/", notFoundOrMethod(routes))
	var limited http.Handler = mux
	for i := len(opts.Middleware) - 1; i >= 0; i-- {
		limited = opts.Middleware[i](limited)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ops[r.URL.Path] {
			mux.ServeHTTP(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})
	clientAddr := opts.ClientAddr
	if clientAddr == nil {
		clientAddr = remoteHost
	}
	return withCommon(compressed(h), a.log, a.metrics, opts.CORSOrigins, clientAddr)
}

var (
	pagingParams = []string{query.ParamPage, query.ParamLimit}
	authorDates  = []string{query.ParamAuthor, query.ParamAuthors, query.ParamFromDate, query.ParamToDate, query.ParamExcludeBots}
	churnParams  = []string{query.ParamFromDate, query.ParamToDate, query.ParamMinChanges, query.ParamExtensions, query.ParamPaths, query.ParamAuthor, query.ParamAuthors, query.ParamExcludeBots, query.ParamExclude}
	// lineParams are the parameters of reports that count lines.
	lineParams = slices.Concat(authorDates, []string{query.ParamExclude})
)

// reportDocs and reportParams describe each report's route for the
// OpenAPI document.
var (
	reportDocs = map[string]string{
		"commits":      "Commits of the default branch, newest first, paged, with line stats",
		"heatmap":      "Commit activity per day, week or month",
		"contributors": "Distinct contributors (mailmapped author names), sorted",
		"churn":        "Code churn per file with risk levels",
		"summary":      "Repository summary: age, last commit, totals, status",
		"full-data":    "Commits and heatmap in one answer",
		"activity":     "Commits, added and deleted lines and distinct authors per day, week or month",
		"punchcard":    "Commits by weekday (0 = Sunday) and hour in each commit's own time zone, all 168 cells",
		"authors":      "Statistics per mailmapped author (commits, lines, first and last commit), sorted by commits; 404 unless the server sets AUTHOR_STATS=true",
		"ownership":    "Per directory of depth path components: changed lines, the top authors and their share, and the bus factor (authors whose departure leaves more than half of its files without an active author: one who changed at least half as many of a file's lines as its top author); 404 unless the server sets AUTHOR_STATS=true",
		"coupling":     "Pairs of files changed together by the same commits (temporal coupling): shared commits, support, confidence; commits changing more than maxFiles files are left out",
	}
	reportParams = map[string][]string{
		"commits":      slices.Concat(pagingParams, authorDates),
		"heatmap":      slices.Concat(authorDates, []string{query.ParamTimePeriod}),
		"contributors": authorDates,
		"churn":        slices.Concat(churnParams, []string{query.ParamLimit, query.ParamGroupBy, query.ParamDepth}),
		"full-data":    slices.Concat(pagingParams, authorDates, []string{query.ParamTimePeriod}),
		"activity":     slices.Concat(lineParams, []string{query.ParamTimePeriod}),
		"punchcard":    authorDates,
		"authors":      lineParams,
		"ownership":    slices.Concat(lineParams, []string{query.ParamExtensions, query.ParamPaths, query.ParamDepth}),
		"coupling":     slices.Concat(lineParams, []string{query.ParamExtensions, query.ParamPaths, query.ParamLimit, query.ParamMinShared, query.ParamMaxFiles}),
	}
)

// configPath answers ConfigBody.
const configPath = "/api/config"

// ConfigBody is GET /api/config: what this server offers, so that the
// dashboard shows only what works. It names no secret.
type ConfigBody struct {
	// GitHubSignIn: GitHub OAuth is configured (VITE_GITHUB_CLIENT_ID and
	// _SECRET), so GET /login/github starts a sign-in.
	GitHubSignIn bool `json:"githubSignIn"`
}

func (a *api) routes() []route {
	var routes []route
	for _, rep := range reports.All {
		routes = append(routes, route{method: "GET", path: "/api/repositories/" + rep.Name, handler: a.analytics(rep), doc: reportDocs[rep.Name],
			params: append([]string{query.ParamRepoURL}, reportParams[rep.Name]...), reply: rep.Body, revalidated: true,
			fails: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusBadGateway, http.StatusGatewayTimeout}})
	}
	return append(routes,
		route{method: "GET", path: statusPath, handler: a.status, doc: "How far the repository's preparation has come; answers at once and starts the preparation",
			params: []string{query.ParamRepoURL}, reply: reflect.TypeFor[StatusBody](), fails: []int{http.StatusBadRequest}},
		route{method: "GET", path: healthzPath, handler: a.healthz, doc: "Liveness", reply: reflect.TypeFor[healthBody](), ops: true},
		route{method: "GET", path: readyzPath, handler: a.readyz, doc: "Readiness: the data directory takes data", reply: reflect.TypeFor[healthBody](), ops: true,
			fails: []int{http.StatusServiceUnavailable}},
	)
}

// analytics returns the handler of report's endpoint: validate, open the
// repository (waiting at most the deadline; the work goes on after a
// 504), then answer from the cache or compute. A report that needs line
// statistics waits for them; the others answer from pass 1 with
// statsPending set where it matters.
func (a *api) analytics(report reports.Report) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if report.PersonalStats && !a.authorStats {
			WriteFailure(w, r, a.log, errNoAuthorStats)
			return
		}
		now := a.now()
		params := r.URL.Query()
		req, err := query.Parse(params, now)
		fields, _ := err.(query.Errors)
		info, vetErr := a.svc.Vet(r.Context(), params.Get(query.ParamRepoURL))
		if vetErr != nil && params.Get(query.ParamRepoURL) != "" {
			fields = append(fields, query.FieldError{Field: query.ParamRepoURL, Message: fault.Message(vetErr)})
		}
		if len(fields) > 0 {
			WriteFailure(w, r, a.log, fault.Fields(fields...))
			return
		}
		ctx := newWaitContext(r.Context(), a.deadline)
		defer ctx.stop()
		repo := a.svc.PrepareVetted(info, nil)
		if err := repo.Ready(ctx); err != nil {
			writePending(w, r, a.log, repo, err)
			return
		}
		view := repo.View()
		if report.NeedsStats {
			if view, err = repo.WaitStatsFor(ctx, report.Dates(req, now)); err != nil {
				writePending(w, r, a.log, repo, err)
				return
			}
		}
		head := view.Index().Head()
		describe(w.Header(), head, repo.Refreshing())
		compute := func(context.Context) ([]byte, error) {
			return encodeAnswer(report.Answer(view, req, reports.Info(info), now))
		}
		coding := acceptedCoding(r)
		key, zkey := cacheKey(coding, r.URL.Path, info.Key, head, view, req, now)
		enc, cached, err := a.cached(ctx, key, compute)
		if err != nil {
			WriteFailure(w, r, a.log, err)
			return
		}
		etag, body, err := decodeAnswer(enc, cached)
		if err != nil {
			WriteFailure(w, r, a.log, err)
			return
		}
		// An answer served from the cache that compressed would compress
		// is sent as the result cache keeps it compressed, made by the
		// first such request. An answer just computed is not kept so: it
		// is often asked for once. A revalidated one needs no body.
		if cached && coding != "" && len(body) >= compressMinSize && !etagMatches(r.Header.Get("If-None-Match"), etag) {
			if zetag, zbody, err := a.compressed(ctx, zkey, etag, body, coding); err == nil {
				writeValidated(w, r, zetag, zbody, coding)
				return
			}
		}
		writeValidated(w, r, etag, body, "")
	}
}

// compressed returns the ETag and body of the answer kept under zkey in
// the result cache: etag and body compressed in coding, made and kept
// now if need be. An error (a damaged entry) leaves the caller to send
// body as it is.
func (a *api) compressed(ctx context.Context, zkey, etag string, body []byte, coding string) (string, []byte, error) {
	zenc, _, err := a.cache.Do(ctx, zkey, func(context.Context) ([]byte, error) {
		a.metrics.compressedAnswer(coding)
		return compressAnswer(etag, body, coding)
	})
	if err != nil {
		return "", nil, err
	}
	tag, zbody, err := decodeVariant(zenc, true)
	if err != nil {
		return "", nil, err
	}
	// The ETag kept is etag (no string made for it), unless another
	// process kept a different body under the key.
	if string(tag) != etag {
		return string(tag), zbody, nil
	}
	return etag, zbody, nil
}

// Headers that say which history an analytics answer describes.
const (
	// HeaderHead is the commit the answer's index ends at. These names
	// are canonical (http.CanonicalHeaderKey), as describe writes them.
	HeaderHead = "X-Gitpulse-Head"
	// HeaderRefreshing is "true" while a fetch or an update runs behind
	// the answer: a newer one may follow shortly.
	HeaderRefreshing = "X-Gitpulse-Refreshing"
)

// describe sets the headers that say which history an answer describes:
// the head of its index.
func describe(h http.Header, head string, refreshing bool) {
	if head != "" {
		h[HeaderHead] = []string{head}
	}
	if refreshing {
		h[HeaderRefreshing] = []string{"true"}
	}
}

func (a *api) cached(ctx context.Context, key string, compute func(context.Context) ([]byte, error)) ([]byte, bool, error) {
	if a.cache == nil {
		body, err := compute(ctx)
		return body, false, err
	}
	return a.cache.Do(ctx, key, compute)
}

// cacheKey names an answer: endpoint, repository, the indexed head,
// whether the view answered with line stats and how many commits they
// covered (so new commits or more stats are never answered from an old
// entry), the day for answers that depend on today
// (heatmap ranges, summary ages), and the validated request's canonical
// key (query.Request.AppendKey), never the raw parameters (which could be
// spelt to collide with another query's). The strings are written with
// their lengths before them, so no two lists of them make the same key.
// The version prefix changes whenever the encoding does, so entries
// written under an older encoding are never read.
//
// head is v's index's head (the caller has it already). The key is built
// in one buffer, since it is built on every request.
//
// zkey, when coding is not "", names the answer compressed in that
// content coding (compressAnswer): the coding, a space, then key, so it
// shares key's memory and never equals a key (which starts with the
// version). Without a coding, zkey is "".
func cacheKey(coding, path, repoKey, head string, v *analytics.View, req query.Request, now time.Time) (key, zkey string) {
	var buf [512]byte
	b := buf[:0]
	if coding != "" {
		b = append(append(b, coding...), ' ')
	}
	plain := len(b)
	b = append(b, "v5 "...)
	for _, s := range [...]string{path, repoKey, head} {
		b = append(append(strconv.AppendInt(b, int64(len(s)), 10), ':'), s...)
		b = append(b, ' ')
	}
	b = append(strconv.AppendBool(b, v.Stats()), ' ')
	b = append(strconv.AppendInt(b, int64(v.Index().Covered()), 10), ' ')
	b = append(now.UTC().AppendFormat(b, time.DateOnly), ' ')
	zkey = string(req.AppendKey(b))
	if coding == "" {
		return zkey, ""
	}
	return zkey[plain:], zkey
}

// healthBody is the answer of /healthz and /readyz.
type healthBody struct {
	Status string `json:"status"` // ok, ready
}

func (a *api) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthBody{Status: "ok"})
}

// readyProbeBytes is what readyz writes to prove the data directory can
// take data: creating an empty file succeeds on a full disk.
const readyProbeBytes = 4 << 10

func (a *api) readyz(w http.ResponseWriter, r *http.Request) {
	if err := probeWritable(a.svc.DataDir()); err != nil {
		a.log.Warn("not ready: data directory cannot be written", "err", err)
		WriteFailure(w, r, a.log, errNotReady)
		return
	}
	writeJSON(w, http.StatusOK, healthBody{Status: "ready"})
}

// probeWritable writes readyProbeBytes to a new file in dir and syncs it,
// then removes it.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".ready-*")
	if err != nil {
		return err
	}
	_, err = f.Write(make([]byte, readyProbeBytes))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close(), os.Remove(f.Name()))
}

// notFoundOrMethod answers every request no route took: 405 with Allow
// for a known path, else a 404 that does not echo the path.
func notFoundOrMethod(routes []route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, rt := range routes {
			if rt.path == r.URL.Path {
				allow = append(allow, rt.method, "HEAD")
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteFailure(w, r, nil, errMethodNotAllowed)
			return
		}
		WriteFailure(w, r, nil, errNotFound)
	}
}
