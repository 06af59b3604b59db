package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gitpulse/gitpulse/internal/cache"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/web"
)

// resultCache adapts cache.Cache to httpapi.ResultCache, as serve does.
type resultCache struct{ c *cache.Cache }

func (a resultCache) Do(ctx context.Context, key string, compute func(context.Context) ([]byte, error)) ([]byte, bool, error) {
	b, src, err := a.c.Do(ctx, key, compute)
	return b, src != cache.SourceComputed, err
}

// BenchmarkPage measures the dashboard as a user meets it, in chromium,
// on the repository GITPULSE_BENCH_REPO names (a local path, e.g. a
// clone of git/git), indexed first in GITPULSE_BENCH_DATA (default a
// directory under the system's temporary directory, kept between runs so
// the repository stays warm). It reports:
//
//   - first-load-gzip-B: the page's first load (HTML, CSS, scripts), as
//     gzip-encoded bodies;
//   - settle-ms: from Analyze to every card settled, each iteration a
//     period not asked before (so every answer is computed);
//   - cached-settle-ms: the same for a period asked before;
//   - api-B: the API bodies of one full analysis as the browser received
//     them (it negotiates zstd), api-gzip-B the same bodies gzip-encoded
//     and api-identity-B unencoded.
//
// With GITPULSE_BENCH_SCREENSHOT set it also saves a PNG of the top of
// the page at 1280x1500 there (the README's docs/dashboard.png). Run:
//
//	GITPULSE_BENCH_REPO=/path/to/git go test -run '^$' -bench Page -benchtime 5x ./internal/web
func BenchmarkPage(b *testing.B) {
	repo := os.Getenv("GITPULSE_BENCH_REPO")
	if repo == "" {
		b.Skip("set GITPULSE_BENCH_REPO to a local repository to run the page benchmark")
	}
	exe := chromium(b)
	data := os.Getenv("GITPULSE_BENCH_DATA")
	if data == "" {
		data = filepath.Join(os.TempDir(), "gitpulse-page-bench")
	}
	url := benchServer(b, data)
	waitIndexed(b, url, repo)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	br := newBrowser(b, ctx, exe)

	// First load: the documents and files of "/" before any analysis.
	br.do("open", chromedp.Navigate(url+"/"), chromedp.WaitVisible(chromedp.ID("analytics-form")))
	files := eval[[]string](br, `[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]`)
	first := 0
	for _, f := range files {
		first += len(get(b, f, "gzip"))
	}

	// Analyses of periods not asked before: the 12 months ending i days
	// before the last commit, then one asked again.
	var last struct {
		Summary struct {
			LastCommit struct{ Date time.Time } `json:"lastCommit"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(get(b, url+"/api/repositories/summary?"+neturl.Values{"repoUrl": {repo}}.Encode(), ""), &last); err != nil {
		b.Fatal(err)
	}
	end := last.Summary.LastCommit.Date.UTC()
	analyze := func(to time.Time) (ms float64, apiURLs []string, encoded int) {
		from := to.AddDate(-1, 0, 1)
		br.do("analyze",
			chromedp.Evaluate[chromedp.Void](`performance.clearResourceTimings()`),
			chromedp.SetValue(chromedp.ID("repo-url"), repo),
			chromedp.SetValue(chromedp.ID("from-date"), from.Format(time.DateOnly)),
			chromedp.SetValue(chromedp.ID("to-date"), to.Format(time.DateOnly)),
			chromedp.Click(chromedp.ID("analyze")))
		br.wait("settled", settled+` && document.querySelector('#commits .sub').textContent.startsWith('`+from.Format(time.DateOnly)+`')`)
		if n := eval[int](br, `document.querySelectorAll('#cards .card-error').length`); n > 0 {
			b.Fatalf("%d cards failed", n)
		}
		ms = eval[float64](br, `Number(document.getElementById('cards').dataset.settleMs)`)
		type entry struct {
			Name     string  `json:"name"`
			Encoded  float64 `json:"encoded"`
			Start    float64 `json:"start"`
			Duration float64 `json:"duration"`
		}
		var timings []string
		for _, e := range eval[[]entry](br, `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/repositories/') && !e.name.includes('/status')).map(e => ({name: e.name, encoded: e.encodedBodySize, start: e.startTime, duration: e.duration}))`) {
			apiURLs = append(apiURLs, e.Name)
			encoded += int(e.Encoded)
			u, _ := neturl.Parse(e.Name)
			timings = append(timings, fmt.Sprintf("%s at %.0f ms took %.0f ms", filepath.Base(u.Path), e.Start, e.Duration))
		}
		b.Logf("cards settled at (ms): %s", eval[string](br, `[...document.querySelectorAll('#cards .card')].map(c => c.id + ' ' + c.dataset.ms).join(', ')`))
		b.Logf("analysis to %s: started at %.0f ms, settled in %.0f ms; %s", to.Format(time.DateOnly), eval[float64](br, `Number(document.getElementById('cards').dataset.startMs)`), ms, strings.Join(timings, ", "))
		return ms, apiURLs, encoded
	}
	var settle []float64
	var apiURLs []string
	var apiEncoded int
	for i := 0; b.Loop(); i++ {
		ms, urls, enc := analyze(end.AddDate(0, 0, -i))
		settle = append(settle, ms)
		if i == 0 {
			apiURLs, apiEncoded = urls, enc
		}
	}
	b.StopTimer()
	cached, _, _ := analyze(end)
	gz, identity := 0, 0
	for _, u := range apiURLs {
		gz += len(get(b, u, "gzip"))
		identity += len(get(b, u, ""))
	}
	slices.Sort(settle)
	b.ReportMetric(float64(first), "first-load-gzip-B")
	b.ReportMetric(settle[len(settle)/2], "settle-ms")
	b.ReportMetric(cached, "cached-settle-ms")
	b.ReportMetric(float64(apiEncoded), "api-B")
	b.ReportMetric(float64(gz), "api-gzip-B")
	b.ReportMetric(float64(identity), "api-identity-B")
	b.Logf("first load %d files, %d B gzipped; settle %v ms (median %.0f), cached %.0f ms; one analysis: %d requests, %d B as received, %d B gzip, %d B identity",
		len(files), first, settle, settle[len(settle)/2], cached, len(apiURLs), apiEncoded, gz, identity)

	if shot := os.Getenv("GITPULSE_BENCH_SCREENSHOT"); shot != "" {
		br.do("size", chromedp.EmulateViewport(1280, 1500), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
		png, err := chromedp.Run(br.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// benchServer serves the API, dashboard and a memory cache as serve does,
// with local repositories allowed, over data.
func benchServer(b testing.TB, data string) string {
	b.Helper()
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := history.New(g, history.Options{DataDir: data, Policy: repourl.Policy{AllowLocal: true}, FetchInterval: mirror.DefaultFetchInterval})
	if err != nil {
		b.Fatal(err)
	}
	c, err := cache.New(cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Service: svc, Cache: resultCache{c}, Dashboard: web.Handler(httpapi.NotFound), AuthorStats: true}))
	b.Cleanup(func() { srv.Close(); svc.Close(); c.Close() })
	return srv.URL
}

// waitIndexed polls the status until the repository's line statistics are in.
func waitIndexed(b *testing.B, url, repo string) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		var st httpapi.StatusBody
		if err := json.Unmarshal(get(b, url+"/api/repositories/status?"+neturl.Values{"repoUrl": {repo}}.Encode(), ""), &st); err != nil {
			b.Fatal(err)
		}
		if st.Phase == "done" && st.Ready.LineStats {
			return
		}
		time.Sleep(time.Second)
	}
	b.Fatal("the repository was not indexed in 30 minutes")
}

// get fetches url asking for encoding ("" = identity) and returns the
// body as sent, still encoded.
func get(b *testing.B, url, encoding string) []byte {
	b.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", encoding)
	if encoding == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v %s", url, resp.StatusCode, err, body)
	}
	if encoding == "gzip" && resp.Header.Get("Content-Encoding") == "gzip" {
		if _, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
	return body
}
