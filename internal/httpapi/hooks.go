package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// maxHookBody bounds a webhook delivery's body.
const maxHookBody = 5 << 20

// Webhook delivery results, the result label of
// gitpulse_webhook_deliveries_total.
const (
	hookRefreshed    = "refreshed"    // a mirrored repository's refresh was started
	hookIgnored      = "ignored"      // not a push, or a repository not mirrored here
	hookUnauthorized = "unauthorized" // missing or wrong signature or token
	hookInvalid      = "invalid"      // unreadable, oversized or not JSON
)

// hookReply is the answer to a webhook delivery: whether it started a
// refresh, and of which repositories (their keys).
type hookReply struct {
	Status     string   `json:"status"`
	Refreshing []string `json:"refreshing"`
}

// Statuses of a hookReply.
const (
	hookStatusRefreshing = "refreshing"
	hookStatusIgnored    = "ignored"
)

// hooks answers push webhooks from GitHub and GitLab.
type hooks struct {
	a          *api
	secret     []byte
	deliveries *prometheus.CounterVec
}

func newHooks(a *api, secret string, reg *prometheus.Registry) *hooks {
	h := &hooks{a: a, secret: []byte(secret), deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gitpulse_webhook_deliveries_total", Help: "Push webhook deliveries by provider and result.",
	}, []string{"provider", "result"})}
	if reg != nil {
		reg.MustRegister(h.deliveries)
	}
	return h
}

// routes are the webhook routes; none without a secret, so an
// unconfigured server answers them 404.
func (h *hooks) routes() []route {
	if len(h.secret) == 0 {
		return nil
	}
	return []route{
		{method: "POST", path: "/api/hooks/github", handler: h.github, doc: "GitHub push webhook (X-Hub-Signature-256 with WEBHOOK_SECRET): refreshes a mirrored repository at once",
			params: []string{"X-Hub-Signature-256", "X-GitHub-Event"}, body: reflect.TypeFor[pushPayload](), ok: http.StatusAccepted, reply: reflect.TypeFor[hookReply](),
			fails: []int{http.StatusBadRequest, http.StatusUnauthorized}},
		{method: "POST", path: "/api/hooks/gitlab", handler: h.gitlab, doc: "GitLab push webhook (X-Gitlab-Token = WEBHOOK_SECRET): refreshes a mirrored repository at once",
			params: []string{"X-Gitlab-Token", "X-Gitlab-Event"}, body: reflect.TypeFor[pushPayload](), ok: http.StatusAccepted, reply: reflect.TypeFor[hookReply](),
			fails: []int{http.StatusBadRequest, http.StatusUnauthorized}},
	}
}

// github checks X-Hub-Signature-256, the HMAC-SHA256 of the raw body.
func (h *hooks) github(w http.ResponseWriter, r *http.Request) {
	h.deliver(w, r, "github", func(body []byte) bool {
		sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
		got, err := hex.DecodeString(sig)
		if !ok || err != nil {
			return false
		}
		mac := hmac.New(sha256.New, h.secret)
		mac.Write(body)
		return hmac.Equal(got, mac.Sum(nil))
	}, r.Header.Get("X-GitHub-Event") == "push")
}

// gitlab checks X-Gitlab-Token, the secret itself.
func (h *hooks) gitlab(w http.ResponseWriter, r *http.Request) {
	h.deliver(w, r, "gitlab", func([]byte) bool {
		return subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Gitlab-Token")), h.secret) == 1
	}, r.Header.Get("X-Gitlab-Event") == "Push Hook")
}

// pushPayload holds the repository URLs of a GitHub or GitLab push.
type pushPayload struct {
	Repository struct {
		CloneURL   string `json:"clone_url"`
		HTMLURL    string `json:"html_url"`
		GitHTTPURL string `json:"git_http_url"`
		Homepage   string `json:"homepage"`
	} `json:"repository"`
	Project struct {
		GitHTTPURL string `json:"git_http_url"`
		WebURL     string `json:"web_url"`
	} `json:"project"`
}

// urls are the payload's repository URLs, without blanks.
func (p pushPayload) urls() []string {
	all := []string{p.Repository.CloneURL, p.Repository.HTMLURL, p.Repository.GitHTTPURL, p.Repository.Homepage, p.Project.GitHTTPURL, p.Project.WebURL}
	return slices.DeleteFunc(all, func(s string) bool { return s == "" })
}

// deliver reads a bounded body, checks it with verify (a refusal is 401,
// logged without the payload), and for a push event starts the refresh of
// each repository of the payload that is mirrored here. Anything else is
// 202 with nothing done.
func (h *hooks) deliver(w http.ResponseWriter, r *http.Request, provider string, verify func([]byte) bool, push bool) {
	count := func(result string) { h.deliveries.WithLabelValues(provider, result).Inc() }
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		count(hookInvalid)
		msg := "could not read the webhook body"
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			msg = "webhook body larger than 5 MiB"
		}
		WriteFailure(w, r, h.a.log, fault.New(fault.Invalid, msg))
		return
	}
	if !verify(body) {
		count(hookUnauthorized)
		h.a.log.Warn("webhook refused: bad or missing signature", "provider", provider, "request_id", requestID(r))
		WriteFailure(w, r, h.a.log, fault.New(fault.Unauthorized, "bad or missing webhook signature"))
		return
	}
	if !push {
		count(hookIgnored)
		writeJSON(w, http.StatusAccepted, hookReply{Status: hookStatusIgnored, Refreshing: []string{}})
		return
	}
	var p pushPayload
	if err := json.Unmarshal(body, &p); err != nil {
		count(hookInvalid)
		WriteFailure(w, r, h.a.log, fault.New(fault.Invalid, "the webhook body is not a JSON push event"))
		return
	}
	refreshing := []string{}
	for _, raw := range p.urls() {
		info, err := repourl.Parse(raw)
		if err != nil || slices.Contains(refreshing, info.Key) {
			continue
		}
		if h.a.svc.RefreshNow(r.Context(), info) {
			refreshing = append(refreshing, info.Key)
		}
	}
	status := hookStatusIgnored
	if len(refreshing) > 0 {
		status = hookStatusRefreshing
		count(hookRefreshed)
		h.a.log.Info("refresh on push", "provider", provider, "repos", refreshing)
	} else {
		count(hookIgnored)
	}
	writeJSON(w, http.StatusAccepted, hookReply{Status: status, Refreshing: refreshing})
}
