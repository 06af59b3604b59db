package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/web"
)

// serve sends one request to the dashboard's handler, after a middleware
// that sets the API's restrictive policy as httpapi does.
func serve(t *testing.T, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	web.Handler(httpapi.NotFound).ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestIndex(t *testing.T) {
	rec := serve(t, http.MethodGet, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	h := rec.Header()
	if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if cc := h.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("cache control %q", cc)
	}
	if csp := h.Values("Content-Security-Policy"); len(csp) != 1 || csp[0] != web.ContentSecurityPolicy {
		t.Errorf("content security policy %q, want only %q", csp, web.ContentSecurityPolicy)
	}
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(h.Get("Content-Security-Policy"), want) {
			t.Errorf("policy lacks %q", want)
		}
	}
	if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Error("policy allows inline code")
	}
	body := rec.Body.String()
	for _, want := range []string{`<script type="module" src="/assets/main.js">`, `id="repo-url"`, `id="recap-output"`} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %s", want)
		}
	}
	// No inline scripts, styles or handlers: the policy would block them.
	for _, bad := range []string{"<script>", "<style", " style=", " onclick=", "javascript:"} {
		if strings.Contains(body, bad) {
			t.Errorf("index holds inline code %q", bad)
		}
	}
}

func TestAssets(t *testing.T) {
	for path, want := range map[string]string{
		"/assets/main.js":      "text/javascript; charset=utf-8",
		"/assets/api.js":       "text/javascript; charset=utf-8",
		"/assets/charts.js":    "text/javascript; charset=utf-8",
		"/assets/analytics.js": "text/javascript; charset=utf-8",
		"/assets/recap.js":     "text/javascript; charset=utf-8",
		"/assets/ui.js":        "text/javascript; charset=utf-8",
		"/assets/period.js":    "text/javascript; charset=utf-8",
		"/assets/style.css":    "text/css; charset=utf-8",
	} {
		rec := serve(t, http.MethodGet, path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != want || rec.Body.Len() == 0 {
			t.Errorf("%s: status %d, type %q, %d bytes", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
		if rec.Header().Get("Content-Security-Policy") != web.ContentSecurityPolicy {
			t.Errorf("%s: policy %q", path, rec.Header().Get("Content-Security-Policy"))
		}
	}
}

func TestRevalidation(t *testing.T) {
	etag := serve(t, http.MethodGet, "/assets/main.js").Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/assets/main.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	web.Handler(httpapi.NotFound).ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d", rec.Code)
	}
	if rec := serve(t, http.MethodHead, "/"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
	// Anything else is the service's to answer, in its error shape.
	if rec := serve(t, http.MethodPost, "/"); rec.Code != http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("POST /: status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestNotFound(t *testing.T) {
	for _, path := range []string{
		"/assets/nope.js",
		"/assets/",
		"/assets",
		"/index.html",
		"/static/index.html",
		"/assets/../web.go",
		"/assets/%2e%2e/web.go",
		"/assets/..%2fweb.go",
		"/assets/%2e%2e%2f%2e%2e%2fweb.go",
		"/assets/./main.js",
		"/assets//main.js",
		"/assets/.hidden",
		"/assets/..",
		"/web.go",
	} {
		rec := serve(t, http.MethodGet, path)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d", path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: content type %q", path, ct)
		}
		if strings.Contains(rec.Body.String(), "package web") {
			t.Errorf("%s: served source", path)
		}
	}
}

// TestOverHTTP checks the raw paths a real client sends, which
// httptest.NewRequest would not otherwise exercise end to end.
func TestOverHTTP(t *testing.T) {
	srv := httptest.NewServer(web.Handler(httpapi.NotFound))
	defer srv.Close()
	for path, want := range map[string]int{
		"/":                       http.StatusOK,
		"/assets/style.css":       http.StatusOK,
		"/assets/../web.go":       http.StatusNotFound,
		"/assets/%2e%2e/web.go":   http.StatusNotFound,
		"/assets/%2e%2e%2fweb.go": http.StatusNotFound,
	} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = path // sent exactly as written
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
		}
		if strings.Contains(string(body), "package web") {
			t.Errorf("%s: served source", path)
		}
	}
}
