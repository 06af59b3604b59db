package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestServeKeepsCompressedAnswers checks, over HTTP through the handler
// stack serve builds, that an analytics answer served from the cache to
// a client accepting gzip or zstd is the plain answer's bytes once
// decoded, with its ETag, Vary: Accept-Encoding and the Content-Length
// of the encoded body; that If-None-Match with that ETag is a 304 in
// every coding; that Accept-Encoding is negotiated as before (q-values,
// zstd at equal weight, nothing for "*" or codings it does not send);
// and that each answer is compressed once per coding however many
// requests follow (gitpulse_answer_compressions_total), not on every
// request.
func TestServeKeepsCompressedAnswers(t *testing.T) {
	repo := testrepo.ServeHTTP(t, testrepo.Generate(t, testrepo.Synthetic{Commits: 300, Authors: 60}))
	srv := httptest.NewServer(serveStack(t, repo))
	defer srv.Close()
	// A summary answers the request that computed it and those served
	// from the cache with two bodies; contributors with one.
	for _, report := range []string{"summary", "contributors"} {
		target := srv.URL + "/api/repositories/" + report + "?repoUrl=" + url.QueryEscape(repo)
		get(t, target, "", "") // computes the answer
		resp, plain := get(t, target, "", "")
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || etag == "" || len(plain) < 512 {
			t.Fatalf("%s from the cache: %d, ETag %q, %d bytes (too few to compress)", report, resp.StatusCode, etag, len(plain))
		}
		for _, c := range []struct{ accept, coding string }{
			{"gzip", "gzip"}, {"zstd", "zstd"}, {"gzip, deflate, br, zstd", "zstd"}, {"GZIP", "gzip"},
			{"zstd;q=0.5, gzip", "gzip"}, {"gzip;q=0.8, zstd;q=0.9", "zstd"}, {"gzip;q=0, zstd;q=0", ""},
			{"identity", ""}, {"br", ""}, {"*", ""},
		} {
			for range 3 {
				resp, body := get(t, target, c.accept, "")
				if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != http.StatusOK || got != c.coding {
					t.Fatalf("%s, Accept-Encoding %q: %d, Content-Encoding %q, want %q", report, c.accept, resp.StatusCode, got, c.coding)
				}
				if resp.Header.Get("ETag") != etag || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") ||
					resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
					t.Errorf("%s in %q: ETag %q (want %q), Vary %q, Content-Length %q of %d bytes", report, c.coding,
						resp.Header.Get("ETag"), etag, resp.Header.Get("Vary"), resp.Header.Get("Content-Length"), len(body))
				}
				if c.coding != "" && len(body) >= len(plain) {
					t.Errorf("%s in %s: %d bytes of %d", report, c.coding, len(body), len(plain))
				}
				if got := decode(t, c.coding, body); !bytes.Equal(got, plain) {
					t.Fatalf("%s in %q decodes to\n%s\nwant\n%s", report, c.coding, got, plain)
				}
			}
			resp, body := get(t, target, c.accept, etag)
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 || resp.Header.Get("ETag") != etag {
				t.Errorf("%s in %q, If-None-Match %s: %d, ETag %q, %d bytes", report, c.coding, etag, resp.StatusCode, resp.Header.Get("ETag"), len(body))
			}
		}
	}
	_, metrics := get(t, srv.URL+"/metrics", "", "")
	for _, coding := range []string{"gzip", "zstd"} {
		if want := `gitpulse_answer_compressions_total{coding="` + coding + `"} 2`; !strings.Contains(string(metrics), want) {
			t.Errorf("two answers, each asked for in %s many times, were not compressed once each: want %s, have %q",
				coding, want, regexp.MustCompile(`gitpulse_answer_compressions_total.*`).FindAllString(string(metrics), -1))
		}
	}
}

// TestServeSharesCompressedAnswers checks that in a fleet the compressed
// answer one API process keeps is shared through Redis: another process
// sends it, decoding to the same body with the same ETag, without
// compressing it again.
func TestServeSharesCompressedAnswers(t *testing.T) {
	rs := testredis.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	repo := testrepo.ServeHTTP(t, testrepo.Generate(t, testrepo.Synthetic{Commits: 300, Authors: 60}))
	path := "/api/repositories/contributors?repoUrl=" + url.QueryEscape(repo)
	a := httptest.NewServer(serveStack(t, repo, "REDIS_URL="+rs.URL()))
	defer a.Close()
	get(t, a.URL+path, "", "")
	resp, plain := get(t, a.URL+path, "", "")
	if _, body := get(t, a.URL+path, "gzip", ""); !bytes.Equal(decode(t, "gzip", body), plain) {
		t.Fatal("the compressed answer does not decode to the plain one")
	}
	// churn (serveStack's), contributors, contributors in gzip.
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if keys, _ := rdb.Keys(context.Background(), "gitpulse:cache:*").Result(); len(keys) == 3 {
			break
		} else if time.Since(start) > 10*time.Second {
			t.Fatalf("Redis holds %d cache entries, want 3", len(keys))
		}
	}

	b := httptest.NewServer(serveStack(t, repo, "REDIS_URL="+rs.URL()))
	defer b.Close()
	for range 2 {
		bresp, body := get(t, b.URL+path, "gzip", "")
		if bresp.Header.Get("Content-Encoding") != "gzip" || bresp.Header.Get("ETag") != resp.Header.Get("ETag") || !bytes.Equal(decode(t, "gzip", body), plain) {
			t.Fatalf("the other process: Content-Encoding %q, ETag %q (want %q), decodes to the plain answer: %v",
				bresp.Header.Get("Content-Encoding"), bresp.Header.Get("ETag"), resp.Header.Get("ETag"), bytes.Equal(decode(t, "gzip", body), plain))
		}
	}
	if _, metrics := get(t, b.URL+"/metrics", "", ""); strings.Contains(string(metrics), "gitpulse_answer_compressions_total{") {
		t.Errorf("the other process compressed the answer again: %q",
			regexp.MustCompile(`gitpulse_answer_compressions_total.*`).FindAllString(string(metrics), -1))
	}
}

// get sends a GET with the given Accept-Encoding and If-None-Match
// (either may be empty) and returns the response and its body as sent,
// still encoded.
func get(t *testing.T, target, accept, etag string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Accept-Encoding": accept, "If-None-Match": etag} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	var body []byte
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// decode undoes the content coding ("gzip", "zstd" or "" for none).
func decode(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	out, err := body, error(nil)
	switch coding {
	case "gzip":
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
			out, err = io.ReadAll(zr)
		}
	case "zstd":
		var zr *zstd.Decoder
		if zr, err = zstd.NewReader(nil); err == nil {
			out, err = zr.DecodeAll(body, nil)
			zr.Close()
		}
	}
	if err != nil {
		t.Fatalf("%s: %v", coding, err)
	}
	return out
}
