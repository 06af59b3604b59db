package providers

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestConditional: a repeated GET carries If-None-Match and a 304 is
// answered with the kept body and the new reply's headers; replies are
// never shared between credentials; other methods pass through.
func TestConditional(t *testing.T) {
	var full, notModified, posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			posts.Add(1)
			if r.Header.Get("If-None-Match") != "" {
				t.Errorf("%s request made conditional", r.Method)
			}
			return
		}
		body := "repos of " + r.Header.Get("Authorization") + " at " + r.URL.Path
		sum := sha256.Sum256([]byte(body))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		w.Header().Set("X-RateLimit-Remaining", "4999")
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.Header().Set("X-RateLimit-Remaining", "4998")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer srv.Close()
	client := &http.Client{Transport: NewConditional(nil)}
	get := func(user, path string) (string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+user)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return string(b), resp
	}
	first, _ := get("alice", "/user/repos")
	again, resp := get("alice", "/user/repos")
	if again != first || full.Load() != 1 || notModified.Load() != 1 {
		t.Fatalf("second GET: %q (first %q), %d full and %d 304 replies, want the same body from one 200 and one 304", again, first, full.Load(), notModified.Load())
	}
	if resp.Header.Get("X-RateLimit-Remaining") != "4998" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers after a 304: %v, want the 304's rate limit over the kept reply's headers", resp.Header)
	}
	if bob, _ := get("bob", "/user/repos"); strings.Contains(bob, "alice") || full.Load() != 2 {
		t.Fatalf("another user got %q (%d full replies): replies must not be shared between credentials", bob, full.Load())
	}
	if _, err := client.Post(srv.URL+"/user/repos", "application/json", strings.NewReader("{}")); err != nil || posts.Load() != 1 {
		t.Fatalf("POST: %v, %d seen", err, posts.Load())
	}
}
