package cli

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gitpulse/gitpulse/internal/config"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// BenchmarkServeCached times the whole handler stack of `gitpulse serve`
// (built by newAPI from the settings, as serve builds it: request ID,
// security headers, access log as JSON, metrics, compression, rate
// limiting, validation, the result cache) answering analytics requests
// whose answers are in the cache, the path a busy dashboard takes. No
// network: the requests go straight to the handler, so what is timed is
// gitpulse's own work per request. The -zstd cases accept gzip and zstd,
// as browsers do: they are sent the compressed answer the cache keeps.
//
//	go test -run '^$' -bench ServeCached -benchmem ./internal/cli/
func BenchmarkServeCached(b *testing.B) {
	bare := testrepo.Generate(b, testrepo.Synthetic{Commits: 3000, Authors: 150})
	repo := testrepo.ServeHTTP(b, bare)
	h := serveStack(b, repo)

	for _, bc := range []struct {
		name, path string
		header     http.Header
		status     int
	}{
		{"summary", "summary", nil, http.StatusOK},
		{"summary-gzip", "summary", http.Header{"Accept-Encoding": {"gzip"}}, http.StatusOK},
		{"summary-zstd", "summary", http.Header{"Accept-Encoding": {"gzip, zstd"}}, http.StatusOK},
		{"summary-304", "summary", nil, http.StatusNotModified},
		{"contributors", "contributors", nil, http.StatusOK},
		{"contributors-zstd", "contributors", http.Header{"Accept-Encoding": {"gzip, zstd"}}, http.StatusOK},
	} {
		req := httptest.NewRequest("GET", "/api/repositories/"+bc.path+"?repoUrl="+url.QueryEscape(repo), nil)
		req.RemoteAddr = "192.0.2.1:1234"
		// The first request fills the cache; the second is answered from
		// it, as every one the benchmark times.
		var etag string
		for range 2 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.Clone(context.Background()))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", bc.path, rec.Code, rec.Body)
			}
			etag = rec.Header().Get("ETag")
		}
		if bc.status == http.StatusNotModified {
			req.Header.Set("If-None-Match", etag)
		}
		for k, v := range bc.header {
			req.Header[k] = v
		}
		b.Run(bc.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				h.ServeHTTP(w, req)
				if w.status != bc.status {
					b.Fatalf("status %d, want %d", w.status, bc.status)
				}
			}
		})
	}
}

// serveStack is the handler of `gitpulse serve` built by newAPI from the
// settings env adds to those serving repo (an http URL on loopback) with
// no rate limit to speak of, as serve builds it, with repo cloned and
// indexed in both passes (churn waits for the line statistics), so that
// no indexing runs while the caller does.
func serveStack(tb testing.TB, repo string, env ...string) http.Handler {
	tb.Helper()
	cfg, err := config.Load(append([]string{"GITPULSE_DATA_DIR=" + tb.TempDir(), "ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true",
		"ALLOW_PRIVATE_GIT_HOSTS=true", "SECRET_KEY=" + strings.Repeat("k", 32), "RATE_LIMIT=1000000000", "WINDOW_SECONDS=1"}, env...))
	if err != nil {
		tb.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	g := &globals{cfg: cfg, stdout: io.Discard, stderr: io.Discard}
	h, closeAll, err := g.newAPI(context.Background(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(closeAll)
	warm := httptest.NewRecorder()
	h.ServeHTTP(warm, httptest.NewRequest("GET", "/api/repositories/churn?repoUrl="+url.QueryEscape(repo), nil))
	if warm.Code != http.StatusOK {
		tb.Fatalf("churn: %d %s", warm.Code, warm.Body)
	}
	return h
}

// discardWriter is a ResponseWriter that keeps the status and drops the
// body, so that the benchmark times the handler, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
