package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/web"
)

// fetch sends a GET with the given Accept-Encoding and If-None-Match
// (either may be empty) and returns the response with its raw, still
// encoded body (the client does not decompress).
func fetch(t *testing.T, target, encoding, etag string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// decode undoes a response's Content-Encoding.
func decode(t *testing.T, resp *http.Response, body []byte) []byte {
	t.Helper()
	enc := resp.Header.Get("Content-Encoding")
	if enc == "" {
		return body
	}
	out, err := decoded(enc, body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompressionAndETags checks that API answers and dashboard files are
// sent gzip- or zstd-encoded as asked, decode to the identity body, and
// that an analytics answer or a file revalidated with its ETag is a 304
// without a body, in every encoding.
func TestCompressionAndETags(t *testing.T) {
	repo := fixture(t)
	s := newServer(t, serverOpts{cached: true, dashboard: web.Handler(httpapi.NotFound)})
	for _, target := range []string{
		s.URL + "/api/repositories/commits?" + params("repoUrl", repo).Encode(),
		s.URL + "/api/repositories/churn?" + params("repoUrl", repo, "groupBy", "directory").Encode(),
		s.URL + "/assets/analytics.js",
		s.URL + "/",
		s.URL + "/api/openapi.json",
	} {
		plain, identity := fetch(t, target, "", "")
		if plain.StatusCode != http.StatusOK || plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s without Accept-Encoding: %d %q", target, plain.StatusCode, plain.Header.Get("Content-Encoding"))
		}
		if len(identity) < 512 {
			t.Fatalf("%s: %d bytes, too small to show compression", target, len(identity))
		}
		for _, enc := range []struct{ accept, want string }{{"gzip", "gzip"}, {"zstd", "zstd"}, {"gzip, deflate, br, zstd", "zstd"}, {"br", ""}} {
			resp, body := fetch(t, target, enc.accept, "")
			if got := resp.Header.Get("Content-Encoding"); got != enc.want {
				t.Errorf("%s, Accept-Encoding %q: Content-Encoding %q, want %q", target, enc.accept, got, enc.want)
			}
			if resp.Header.Get("Vary") == "" {
				t.Errorf("%s: no Vary header", target)
			}
			if enc.want != "" && len(body) >= len(identity)/2 {
				t.Errorf("%s in %s: %d bytes of %d", target, enc.want, len(body), len(identity))
			}
			if !bytes.Equal(decode(t, resp, body), identity) {
				t.Errorf("%s in %s does not decode to the identity body", target, enc.want)
			}
		}
	}

	// Revalidation of analytics answers and files, in every encoding.
	for _, target := range []string{
		s.URL + "/api/repositories/heatmap?" + params("repoUrl", repo, "fromDate", "2026-10-01").Encode(),
		s.URL + "/assets/style.css",
	} {
		first, _ := fetch(t, target, "gzip", "")
		etag := first.Header.Get("ETag")
		if etag == "" || first.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: ETag %q, Cache-Control %q", target, etag, first.Header.Get("Cache-Control"))
		}
		for _, enc := range []string{"", "gzip", "zstd"} {
			resp, body := fetch(t, target, enc, etag)
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("%s, If-None-Match %s, Accept-Encoding %q: %d with %d bytes", target, etag, enc, resp.StatusCode, len(body))
			}
		}
		if resp, _ := fetch(t, target, "gzip", `W/"stale"`); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with a stale ETag: %d", target, resp.StatusCode)
		}
	}
	// Another question has another ETag.
	a, _ := fetch(t, s.URL+"/api/repositories/heatmap?"+params("repoUrl", repo, "fromDate", "2026-10-01").Encode(), "", "")
	b, body := fetch(t, s.URL+"/api/repositories/heatmap?"+params("repoUrl", repo, "fromDate", "2026-10-05").Encode(), "", a.Header.Get("ETag"))
	if b.StatusCode != http.StatusOK || b.Header.Get("ETag") == a.Header.Get("ETag") || !json.Valid(body) {
		t.Errorf("a different query: %d, ETag %q (the other's %q)", b.StatusCode, b.Header.Get("ETag"), a.Header.Get("ETag"))
	}
}

// TestCachedSummaryETag checks that a summary served from the cache is
// the computed one with only its metadata saying so (cached, dataSource
// "cache"), byte for byte as encoding/json writes it, and that each of the
// two carries the ETag of its own content: revalidating the computed
// answer's ETag against the cached one gets the new body.
func TestCachedSummaryETag(t *testing.T) {
	repo := fixture(t)
	s := newServer(t, serverOpts{cached: true})
	target := s.URL + "/api/repositories/summary?" + params("repoUrl", repo).Encode()
	first, computed := fetch(t, target, "", "")
	second, cached := fetch(t, target, "", "")
	third, again := fetch(t, target, "", "")
	var want analytics.SummaryResponse
	if err := json.Unmarshal(computed, &want); err != nil {
		t.Fatal(err)
	}
	if want.Summary.Metadata.Cached || want.Summary.Metadata.DataSource != analytics.SourceClone {
		t.Fatalf("the computed summary's metadata: %+v", want.Summary.Metadata)
	}
	want.Summary.Metadata.Cached, want.Summary.Metadata.DataSource = true, analytics.SourceCache
	wantBody, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cached, wantBody) || !bytes.Equal(again, wantBody) {
		t.Fatalf("cached summaries\n%s\n%s\nwant\n%s", cached, again, wantBody)
	}
	for _, c := range []struct {
		resp *http.Response
		body []byte
	}{{first, computed}, {second, cached}, {third, again}} {
		sum := sha256.Sum256(c.body)
		if got, want := c.resp.Header.Get("ETag"), `W/"`+hex.EncodeToString(sum[:16])+`"`; got != want {
			t.Errorf("ETag %s, want %s (of the body)", got, want)
		}
	}
	if resp, body := fetch(t, target, "", first.Header.Get("ETag")); resp.StatusCode != http.StatusOK || !bytes.Equal(body, wantBody) {
		t.Errorf("revalidating the computed summary's ETag: %d %s", resp.StatusCode, body)
	}
	if resp, _ := fetch(t, target, "gzip", second.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating the cached summary's ETag: %d", resp.StatusCode)
	}
}
