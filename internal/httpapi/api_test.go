package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/cache"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// server is a running API over a fresh data directory.
type server struct {
	URL string
	t   *testing.T
}

type serverOpts struct {
	deadline   time.Duration
	cached     bool
	sessionTTL time.Duration // > 0 enables the recap endpoints
	llmURL     string        // an OpenAI-compatible server; "" = the built-in summariser
	github     string        // a GitHub (API under /api/v3, OAuth under /login) for provider github
	ws         httpapi.WebSocketLimits
	log        *slog.Logger
	middleware []func(http.Handler) http.Handler
	clientAddr func(*http.Request) string
	dataDir    string // the service's data directory; "" = a new temporary one
	webhook    string // WEBHOOK_SECRET
	// authorStats turns on the per-author statistics (AUTHOR_STATS).
	authorStats bool
	// dashboard is served at / and /assets/ when set.
	dashboard http.Handler
}

func newServer(t *testing.T, o serverOpts) *server {
	t.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// The test serves repositories on loopback over plain http: the
	// operator settings that allow that, and nothing else.
	policy := repourl.Policy{AllowedHosts: []string{"*"}, AllowHTTP: true, AllowPrivate: true}
	data := o.dataDir
	if data == "" {
		data = t.TempDir()
	}
	reg := prometheus.NewRegistry()
	svc, err := history.New(g, history.Options{DataDir: data, Policy: policy, Registry: reg, FetchInterval: mirror.DefaultFetchInterval})
	if err != nil {
		t.Fatal(err)
	}
	opts := httpapi.Options{Service: svc, Deadline: o.deadline, CORSOrigins: []string{"https://app.example"}, Registry: reg,
		Middleware: o.middleware, ClientAddr: o.clientAddr, Logger: o.log, WebhookSecret: o.webhook,
		AuthorStats: o.authorStats, Dashboard: o.dashboard}
	if o.sessionTTL > 0 {
		calls := providers.NewMetrics(reg) // as serve wires it
		opts.Recap = recapOptions(t, o.sessionTTL, o.llmURL, connect.Config{History: svc, GitHubAPI: o.github,
			Metrics: calls, HTTPClient: providers.NewClient(calls.RoundTripper(nil))})
		opts.Recap.Origins = opts.CORSOrigins
		opts.Recap.WebSocket = o.ws
		if o.github != "" {
			opts.Recap.OAuth = &oauth2.Config{ClientID: "client-id", ClientSecret: "client-secret",
				Endpoint: oauth2.Endpoint{AuthURL: o.github + "/login/oauth/authorize", TokenURL: o.github + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams}}
		}
	}
	if o.cached {
		c, err := cache.New(cache.Options{DiskPath: t.TempDir() + "/cache.db"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		opts.Cache = adapter{c}
	}
	srv := httptest.NewServer(conforming(t, httpapi.New(opts)))
	t.Cleanup(func() { srv.Close(); svc.Close() })
	return &server{URL: srv.URL, t: t}
}

type adapter struct{ c *cache.Cache }

func (a adapter) Do(ctx context.Context, key string, compute func(context.Context) ([]byte, error)) ([]byte, bool, error) {
	b, src, err := a.c.Do(ctx, key, compute)
	return b, src != cache.SourceComputed, err
}

// get requests path with params and decodes the JSON body into out (if
// not nil), returning the response.
func (s *server) get(path string, params url.Values, out any) *http.Response {
	s.t.Helper()
	resp, err := http.Get(s.URL + path + "?" + params.Encode())
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.t.Fatalf("%s: content type %q, body %s", path, ct, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			s.t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return resp
}

// fixture is a small repository with known history, served over HTTP.
func fixture(t *testing.T) string {
	t.Helper()
	r := testrepo.New(t)
	base := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	r.Commit(testrepo.Commit{Author: "Alice <alice@example.com>", Date: base, Message: "feat: start",
		Files: map[string][]byte{"src/app.ts": []byte("a\nb\n"), "README.md": []byte("# r\n")}})
	r.Commit(testrepo.Commit{Author: "Bob <bob@example.com>", Date: base.AddDate(0, 0, 1), Message: "fix: app",
		Files: map[string][]byte{"src/app.ts": []byte("a\nc\nd\n")}})
	r.Commit(testrepo.Commit{Author: "alice <alice@example.com>", Date: base.AddDate(0, 0, 10), Message: "docs",
		Files: map[string][]byte{"README.md": []byte("# r\nmore\n"), "src/util.go": []byte("package x\n")}})
	// A branch for pull-request descriptions; the analytics read HEAD's.
	head := r.Git("symbolic-ref", "--short", "HEAD")
	r.Git("checkout", "-q", "-b", "feature", "HEAD~1")
	r.Commit(testrepo.Commit{Author: "Bob <bob@example.com>", Date: base.AddDate(0, 0, 5), Message: "feat: branch work",
		Files: map[string][]byte{"src/extra.ts": []byte("x\n")}})
	r.Git("checkout", "-q", head)
	bare := t.TempDir() + "/fixture.git"
	if _, err := testrepo.Run(r.Dir, nil, nil, "clone", "-q", "--bare", r.Dir, bare); err != nil {
		t.Fatal(err)
	}
	return testrepo.ServeHTTP(t, bare)
}

func params(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestEndpointsAndFilters(t *testing.T) {
	s := newServer(t, serverOpts{cached: true})
	repo := fixture(t)

	var sum struct {
		Summary struct {
			Repository struct{ Name, Platform string }
			Stats      struct {
				TotalCommits int    `json:"totalCommits"`
				Contributors int    `json:"contributors"`
				Status       string `json:"status"`
			}
			Metadata struct {
				Cached     bool   `json:"cached"`
				DataSource string `json:"dataSource"`
			}
		}
	}
	if resp := s.get("/api/repositories/summary", params("repoUrl", repo), &sum); resp.StatusCode != 200 {
		t.Fatalf("summary status %d", resp.StatusCode)
	}
	if st := sum.Summary.Stats; st.TotalCommits != 3 || st.Contributors != 3 || sum.Summary.Repository.Name != "fixture" {
		t.Fatalf("summary %+v", sum.Summary)
	}
	if sum.Summary.Metadata.Cached || sum.Summary.Metadata.DataSource == "cache" {
		t.Fatalf("first summary claims to be cached: %+v", sum.Summary.Metadata)
	}
	s.get("/api/repositories/summary", params("repoUrl", repo), &sum)
	if !sum.Summary.Metadata.Cached || sum.Summary.Metadata.DataSource != "cache" {
		t.Fatalf("second summary does not say it came from the cache: %+v", sum.Summary.Metadata)
	}

	type commitsBody struct {
		Commits []struct {
			SHA     string `json:"sha"`
			Message string `json:"message"`
			Author  struct{ Name, Email string }
			Date    string `json:"date"`
		}
		Page, Limit, Total int
	}
	var cm commitsBody
	s.get("/api/repositories/commits", params("repoUrl", repo, "page", "2", "limit", "2"), &cm)
	if cm.Page != 2 || cm.Limit != 2 || cm.Total != 3 || len(cm.Commits) != 1 || cm.Commits[0].Message != "feat: start" {
		t.Fatalf("commits page 2: %+v", cm)
	}
	s.get("/api/repositories/commits", params("repoUrl", repo, "author", "BOB"), &cm)
	if cm.Total != 1 || cm.Commits[0].Author.Email != "bob@example.com" {
		t.Fatalf("author filter: %+v", cm)
	}
	s.get("/api/repositories/commits", params("repoUrl", repo, "fromDate", "2026-10-02", "toDate", "2026-10-02"), &cm)
	if cm.Total != 1 || cm.Commits[0].Message != "fix: app" {
		t.Fatalf("date filter (a date-only toDate includes its day): %+v", cm)
	}

	var hm struct {
		HeatmapData struct {
			TimePeriod string `json:"timePeriod"`
			Data       []struct {
				Date           string
				Count, Authors int
			}
			Metadata struct{ TotalCommits int }
		} `json:"heatmapData"`
	}
	s.get("/api/repositories/heatmap", params("repoUrl", repo, "fromDate", "2026-10-01", "toDate", "2026-10-11"), &hm)
	if hm.HeatmapData.TimePeriod != "day" || len(hm.HeatmapData.Data) != 11 || hm.HeatmapData.Metadata.TotalCommits != 3 {
		t.Fatalf("heatmap %+v", hm)
	}

	var ct struct{ Contributors []struct{ Login string } }
	s.get("/api/repositories/contributors", params("repoUrl", repo, "authors", "alice,bob"), &ct)
	if len(ct.Contributors) != 3 || ct.Contributors[0].Login != "Alice" || ct.Contributors[1].Login != "alice" {
		t.Fatalf("contributors %+v", ct)
	}

	var ch struct {
		ChurnData struct {
			Files []struct {
				Path                          string
				Additions, Deletions, Changes int
				Commits                       int
				RiskLevel                     string `json:"riskLevel"`
			}
			Summary struct{ TotalFiles int }
		} `json:"churnData"`
	}
	s.get("/api/repositories/churn", params("repoUrl", repo, "extensions", ".TS,go"), &ch)
	f := ch.ChurnData.Files
	if len(f) != 2 || f[0].Path != "src/app.ts" || f[0].Additions != 4 || f[0].Deletions != 1 || f[0].Changes != 5 || f[0].Commits != 2 || f[0].RiskLevel != "low" {
		t.Fatalf("churn %+v", f)
	}
	s.get("/api/repositories/churn", params("repoUrl", repo, "minChanges", "3"), &ch)
	if len(ch.ChurnData.Files) != 1 || ch.ChurnData.Files[0].Path != "src/app.ts" {
		t.Fatalf("minChanges 3 (README.md has 2 changed lines, util.go 1): %+v", ch.ChurnData.Files)
	}

	var fd struct {
		Commits        []json.RawMessage
		HeatmapData    struct{ TimePeriod string } `json:"heatmapData"`
		IsValidHeatmap bool                        `json:"isValidHeatmap"`
		Page, Limit    int
	}
	s.get("/api/repositories/full-data", params("repoUrl", repo, "limit", "20"), &fd)
	if len(fd.Commits) != 3 || !fd.IsValidHeatmap || fd.Limit != 20 || fd.HeatmapData.TimePeriod == "" {
		t.Fatalf("full-data %+v", fd)
	}
}

func TestValidation(t *testing.T) {
	s := newServer(t, serverOpts{})
	var body httpapi.ErrorBody
	resp := s.get("/api/repositories/heatmap", params("fromDate", "invalid", "limit", "0", "authors", "a,,b"), &body)
	if resp.StatusCode != 400 || body.Error != "Validation failed" || body.Code != 400 || body.Status != "error" {
		t.Fatalf("status %d body %+v", resp.StatusCode, body)
	}
	fields := map[string]bool{}
	for _, d := range body.Details {
		fields[d.Field] = true
	}
	for _, f := range []string{"repoUrl", "fromDate", "limit", "authors"} {
		if !fields[f] {
			t.Errorf("no detail for %s in %+v", f, body.Details)
		}
	}
	for name, raw := range map[string]string{
		"file URL":    "file:///etc",
		"ext":         "ext::sh -c id",
		"credentials": "https://user:secret@github.com/a/b",
		"not a URL":   "hello",
		"option-like": "--upload-pack=x",
	} {
		t.Run(name, func(t *testing.T) {
			var b httpapi.ErrorBody
			resp := s.get("/api/repositories/summary", params("repoUrl", raw), &b)
			if resp.StatusCode != 400 || len(b.Details) != 1 || b.Details[0].Field != "repoUrl" {
				t.Fatalf("status %d body %+v", resp.StatusCode, b)
			}
			if strings.Contains(b.Details[0].Message, "secret") {
				t.Fatal("credential echoed")
			}
		})
	}
}

func TestRoutingErrorsAndHeaders(t *testing.T) {
	s := newServer(t, serverOpts{})
	var b httpapi.ErrorBody
	resp := s.get("/api/nope/<script>", nil, &b)
	if resp.StatusCode != 404 || strings.Contains(b.Error+b.Detail, "nope") {
		t.Fatalf("unknown route: %d %+v", resp.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/repositories/commits", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	req.Header.Set("Origin", "https://app.example")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 405 || !strings.Contains(r2.Header.Get("Allow"), "GET") {
		t.Fatalf("POST: %d allow %q", r2.StatusCode, r2.Header.Get("Allow"))
	}
	if r2.Header.Get("X-Request-ID") != "abc-123" || r2.Header.Get("X-Content-Type-Options") != "nosniff" ||
		r2.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("headers %v", r2.Header)
	}
	var doc struct{ Paths map[string]any }
	s.get("/api/openapi.json", nil, &doc)
	for _, p := range []string{"/api/repositories/commits", "/api/repositories/heatmap", "/api/repositories/contributors",
		"/api/repositories/churn", "/api/repositories/summary", "/api/repositories/full-data", "/api/repositories/status", "/healthz", "/readyz", "/api/openapi.json"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	if resp := s.get("/readyz", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
}

func TestRepositoryFailures(t *testing.T) {
	s := newServer(t, serverOpts{})
	missing := testrepo.ServeHTTP(t, t.TempDir()+"/nothing.git")
	var b httpapi.ErrorBody
	resp := s.get("/api/repositories/summary", params("repoUrl", missing), &b)
	if resp.StatusCode != 404 && resp.StatusCode != 502 {
		t.Fatalf("missing repository: %d %+v", resp.StatusCode, b)
	}
	if strings.Contains(b.Detail, "/tmp") || strings.Contains(b.Detail, "fatal:") {
		t.Fatalf("leaks a path or git's stderr: %q", b.Detail)
	}
}

func TestDeadlineAnswers504ThenWorkCompletes(t *testing.T) {
	s := newServer(t, serverOpts{deadline: time.Millisecond})
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 3000})
	repo := testrepo.ServeHTTP(t, dir)
	var b httpapi.ErrorBody
	resp := s.get("/api/repositories/churn", params("repoUrl", repo), &b)
	if resp.StatusCode != 504 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if b.Progress == nil || b.Progress.Phase == "" || !strings.Contains(b.Detail, string(b.Progress.Phase)) {
		t.Fatalf("a 504 should say how far preparation has come: %+v", b)
	}
	// The work went on: soon the same question is answered.
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp := s.get("/api/repositories/churn", params("repoUrl", repo), nil); resp.StatusCode == 200 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the work did not go on after the 504")
}

func TestConcurrentRequestsOnANewRepository(t *testing.T) {
	s := newServer(t, serverOpts{cached: true})
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 1500, MergeEvery: 9})
	repo := testrepo.ServeHTTP(t, dir)
	total := 1500 + (1500-1)/9
	var wg sync.WaitGroup
	for page := 1; page <= 4; page++ {
		for _, path := range []string{"/api/repositories/commits", "/api/repositories/full-data"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var cm struct {
					Commits []struct{ Message string }
					Page    int
				}
				s.get(path, params("repoUrl", repo, "page", fmt.Sprint(page), "limit", "10"), &cm)
				if cm.Page != page || len(cm.Commits) != 10 {
					t.Errorf("%s page %d: got page %d with %d commits", path, page, cm.Page, len(cm.Commits))
				}
			}()
		}
	}
	for _, path := range []string{"/api/repositories/summary", "/api/repositories/churn", "/api/repositories/heatmap"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var any map[string]json.RawMessage
			if resp := s.get(path, params("repoUrl", repo), &any); resp.StatusCode != 200 {
				t.Errorf("%s: status %d", path, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	var sum struct {
		Summary struct{ Stats struct{ TotalCommits int } }
	}
	s.get("/api/repositories/summary", params("repoUrl", repo), &sum)
	if sum.Summary.Stats.TotalCommits != total {
		t.Fatalf("total commits %d, want %d", sum.Summary.Stats.TotalCommits, total)
	}
}

func TestMetrics(t *testing.T) {
	s := newServer(t, serverOpts{})
	repo := fixture(t)
	if resp := s.get("/api/repositories/summary", params("repoUrl", repo), nil); resp.StatusCode != 200 {
		t.Fatalf("summary %d", resp.StatusCode)
	}
	s.get("/api/does-not-exist", nil, nil)
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`gitpulse_http_requests_total{route="GET /api/repositories/summary",status="200"} 1`,
		`gitpulse_http_requests_total{route="unmatched",status="404"} 1`,
		`gitpulse_repository_step_seconds_count{step="mirror_cloned"} 1`,
		`gitpulse_repository_step_seconds_count{step="metadata"} 1`,
		`gitpulse_mirrors 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(string(body), "does-not-exist") {
		t.Error("a raw path became a label value")
	}
}

// TestOperationalEndpointsAreNotRateLimited guards monitors: /healthz,
// /readyz and /metrics never answer 429 and never spend a client's
// budget, while every other route is limited.
func TestOperationalEndpointsAreNotRateLimited(t *testing.T) {
	limit := ratelimit.Middleware(ratelimit.NewMemory(1, time.Minute), nil, httpapi.DenyRateLimited)
	s := newServer(t, serverOpts{middleware: []func(http.Handler) http.Handler{limit}})
	status := func(path string) (int, http.Header) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	for range 5 {
		for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
			if code, hdr := status(path); code != 200 || hdr.Get("X-RateLimit-Limit") != "" {
				t.Fatalf("%s: status %d, X-RateLimit-Limit %q; want 200, not limited", path, code, hdr.Get("X-RateLimit-Limit"))
			}
		}
	}
	for i, want := range []int{200, 429} {
		if code, _ := status("/api/openapi.json"); code != want {
			t.Fatalf("/api/openapi.json request %d: status %d, want %d", i+1, code, want)
		}
	}
}

func TestAccessLogNamesTheClientBehindATrustedProxy(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil))
	proxies, err := ratelimit.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, serverOpts{clientAddr: proxies.ClientAddr, log: log})
	req, _ := http.NewRequest("GET", s.URL+"/healthz", nil)
	req.Header.Set("X-Forwarded-For", "192.0.2.1, 198.51.100.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), `"client":"198.51.100.9"`) {
		t.Fatalf("access log %s does not name the forwarded client 198.51.100.9", buf.String())
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestMoreFiltersOverHTTP(t *testing.T) {
	s := newServer(t, serverOpts{})
	repo := fixture(t)
	var ch struct {
		ChurnData struct{ Files []struct{ Path string } } `json:"churnData"`
	}
	s.get("/api/repositories/churn", params("repoUrl", repo, "paths", "src"), &ch)
	if len(ch.ChurnData.Files) != 2 || !strings.HasPrefix(ch.ChurnData.Files[0].Path, "src/") || !strings.HasPrefix(ch.ChurnData.Files[1].Path, "src/") {
		t.Fatalf("paths filter: %+v", ch.ChurnData.Files)
	}
	var hm struct {
		HeatmapData struct {
			TimePeriod string `json:"timePeriod"`
			Data       []struct{ Date string }
		} `json:"heatmapData"`
	}
	s.get("/api/repositories/heatmap", params("repoUrl", repo, "timePeriod", "month", "fromDate", "2026-09-15", "toDate", "2026-10-20"), &hm)
	if hm.HeatmapData.TimePeriod != "month" || len(hm.HeatmapData.Data) != 2 || hm.HeatmapData.Data[1].Date != "2026-10-01" {
		t.Fatalf("timePeriod month: %+v", hm.HeatmapData)
	}
}

// TestEveryValidationRuleOverHTTP sends one invalid value per rule of
// DESIGN.md and expects a 400 naming that field.
func TestEveryValidationRuleOverHTTP(t *testing.T) {
	s := newServer(t, serverOpts{})
	repo := "https://github.com/a/b"
	cases := map[string]url.Values{
		"repoUrl":    params("repoUrl", ""),
		"page":       params("repoUrl", repo, "page", "1001"),
		"limit":      params("repoUrl", repo, "limit", "101"),
		"fromDate":   params("repoUrl", repo, "fromDate", "2024-13-01"),
		"toDate":     params("repoUrl", repo, "fromDate", "2024-05-01", "toDate", "2024-04-01"),
		"author":     params("repoUrl", repo, "author", strings.Repeat("x", 101)),
		"authors":    params("repoUrl", repo, "authors", "a,b,c,d,e,f,g,h,i,j,k"),
		"minChanges": params("repoUrl", repo, "minChanges", "0"),
		"extensions": params("repoUrl", repo, "extensions", "ts,,js"),
		"timePeriod": params("repoUrl", repo, "timePeriod", "decade"),
	}
	for field, q := range cases {
		t.Run(field, func(t *testing.T) {
			var b httpapi.ErrorBody
			resp := s.get("/api/repositories/churn", q, &b)
			if resp.StatusCode != 400 || len(b.Details) == 0 || b.Details[0].Field != field {
				t.Fatalf("status %d details %+v, want 400 naming %s", resp.StatusCode, b.Details, field)
			}
		})
	}
	// A future date is refused too.
	var b httpapi.ErrorBody
	future := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	if resp := s.get("/api/repositories/heatmap", params("repoUrl", repo, "toDate", future), &b); resp.StatusCode != 400 {
		t.Fatalf("future toDate: %d", resp.StatusCode)
	}
}

// The result cache was keyed on the raw parameters, joined with '|' and
// ',': a value spelling another query's key poisoned that query's entry,
// and repeated parameters were read one way and keyed another.
func TestCacheKeyCannotBePoisoned(t *testing.T) {
	s := newServer(t, serverOpts{cached: true})
	repo := fixture(t)
	var page struct {
		Commits []json.RawMessage `json:"commits"`
	}
	attack, err := url.ParseQuery("author=Bob|fromDate=2025-01-01")
	if err != nil {
		t.Fatal(err)
	}
	attack.Set("repoUrl", repo)
	if resp := s.get("/api/repositories/commits", attack, &page); resp.StatusCode != 200 || len(page.Commits) != 0 {
		t.Fatalf("author 'Bob|fromDate=2025-01-01': status %d, %d commits, want 200 and none", resp.StatusCode, len(page.Commits))
	}
	s.get("/api/repositories/commits", params("repoUrl", repo, "author", "Bob", "fromDate", "2025-01-01"), &page)
	if len(page.Commits) != 1 {
		t.Fatalf("author Bob since 2025: %d commits, want Bob's 1 (the other query's cached answer?)", len(page.Commits))
	}

	for field, raw := range map[string]string{
		"authors":  "authors=Alice&authors=Bob",
		"author":   "author=",
		"fromDate": "fromDate=0002-01-01",
	} {
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		q.Set("repoUrl", repo)
		var b httpapi.ErrorBody
		if resp := s.get("/api/repositories/heatmap", q, &b); resp.StatusCode != 400 || len(b.Details) != 1 || b.Details[0].Field != field {
			t.Errorf("%s: status %d details %+v, want 400 naming %s", raw, resp.StatusCode, b.Details, field)
		}
	}
}

// /readyz answered 200 with the data disk full: creating an empty file
// still works there, writing data does not. The full disk is a real one,
// a 256 KiB tmpfs, which takes root to mount.
func TestReadyzNotReadyWhenDataDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs (needs root): %v: %s", err, out)
		}
		t.Skipf("mounting a tmpfs needs root: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dir).Run() })
	s := newServer(t, serverOpts{dataDir: dir})
	if resp := s.get("/readyz", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("readyz with room on disk: %d", resp.StatusCode)
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for {
		if _, err := f.Write(make([]byte, 1024)); err != nil {
			break // full
		}
	}
	var b httpapi.ErrorBody
	if resp := s.get("/readyz", nil, &b); resp.StatusCode != 503 {
		t.Fatalf("readyz with the data disk full: %d %+v, want 503", resp.StatusCode, b)
	}
	f.Close() // an open file keeps its blocks after Remove
	if err := os.Remove(f.Name()); err != nil {
		t.Fatal(err)
	}
	if resp := s.get("/readyz", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("readyz after room was made: %d", resp.StatusCode)
	}
}

// TestCachedAnswerHeadersAndAccessLog pins what every answer carries
// besides its body, on the path a busy dashboard takes (a summary, then
// the same summary from the cache, behind the rate limiter as serve sets
// it up): a new request ID each, the security headers, the rate-limit,
// validation and history headers, one access log line with each field,
// and the request metrics.
func TestCachedAnswerHeadersAndAccessLog(t *testing.T) {
	var logs syncBuffer
	limiter := ratelimit.Middleware(ratelimit.NewMemory(100, time.Minute), nil, httpapi.DenyRateLimited)
	s := newServer(t, serverOpts{cached: true, log: slog.New(slog.NewJSONHandler(&logs, nil)),
		middleware: []func(http.Handler) http.Handler{limiter}})
	repo := fixture(t)
	target := s.URL + "/api/repositories/summary?" + params("repoUrl", repo).Encode()
	type answer struct {
		id, bytes string
	}
	var answers []answer
	windowStart := time.Now() // at most: the limiter's window starts at the first request
	for i := range 3 {
		resp, body := fetch(t, target, "", "")
		h := resp.Header
		// Whole seconds until the window ends, rounded up: 60 within its
		// first second, less on a slow machine.
		reset, err := strconv.Atoi(h.Get("X-RateLimit-Reset"))
		if latest := 60 - int(time.Since(windowStart)/time.Second); err != nil || len(h.Values("X-RateLimit-Reset")) != 1 || reset > 60 || reset < latest {
			t.Errorf("request %d: X-RateLimit-Reset %q, want %d-60", i, h.Values("X-RateLimit-Reset"), latest)
		}
		id := h.Get("X-Request-ID")
		if len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" || slices.ContainsFunc(answers, func(a answer) bool { return a.id == id }) {
			t.Errorf("request %d: request ID %q is not 12 new random bytes in hex", i, id)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Content-Type":            "application/json; charset=utf-8", "Content-Length": strconv.Itoa(len(body)),
			"Cache-Control": "no-cache", "Vary": "Accept-Encoding",
			"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": strconv.Itoa(99 - i),
		} {
			if got := h.Values(k); len(got) != 1 || got[0] != want {
				t.Errorf("request %d: %s %q, want %q", i, k, got, want)
			}
		}
		if etag := h.Get("ETag"); !strings.HasPrefix(etag, `W/"`) || len(etag) != 36 {
			t.Errorf("request %d: ETag %q", i, etag)
		}
		if head := h.Get("X-Gitpulse-Head"); len(head) != 40 {
			t.Errorf("request %d: X-Gitpulse-Head %q", i, head)
		}
		answers = append(answers, answer{id, strconv.Itoa(len(body))})
	}

	var lines []map[string]any
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		lines = lines[:0]
		for line := range strings.Lines(logs.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			if m["msg"] == "request" && m["path"] == "/api/repositories/summary" {
				lines = append(lines, m)
			}
		}
		if len(lines) >= 3 || time.Now().After(deadline) {
			break
		}
	}
	if len(lines) != 3 {
		t.Fatalf("%d access log lines for 3 summaries:\n%s", len(lines), logs.String())
	}
	for i, m := range lines {
		keys := slices.Sorted(maps.Keys(m))
		want := []string{"bytes", "client", "duration_ms", "level", "method", "msg", "path", "request_id", "status", "time"}
		if !slices.Equal(keys, want) {
			t.Errorf("access log line %d has fields %v, want %v", i, keys, want)
		}
		if m["level"] != "INFO" || m["method"] != "GET" || m["status"] != 200.0 || m["client"] != "127.0.0.1" ||
			m["request_id"] != answers[i].id || fmt.Sprint(m["bytes"]) != answers[i].bytes {
			t.Errorf("access log line %d: %v, want request %+v", i, m, answers[i])
		}
		if d, ok := m["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("access log line %d: duration_ms %v", i, m["duration_ms"])
		}
	}

	resp, metrics := fetch(t, s.URL+"/metrics", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics %d", resp.StatusCode)
	}
	for _, want := range []string{
		`gitpulse_http_requests_total{route="GET /api/repositories/summary",status="200"} 3`,
		`gitpulse_http_request_duration_seconds_count{route="GET /api/repositories/summary"} 3`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
