package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestStatusAnswersAtOnce polls the status of a never-seen repository:
// the first answer comes at once (well inside the 30 s deadline the
// analytics wait), the preparation it starts goes on, and the answers go
// from not ready to metadata and line statistics ready, ending "done".
func TestStatusAnswersAtOnce(t *testing.T) {
	s := newServer(t, serverOpts{authorStats: true})
	repo := testrepo.ServeHTTP(t, testrepo.Generate(t, testrepo.Synthetic{Commits: 3000}))
	var st httpapi.StatusBody
	start := time.Now()
	if resp := s.get("/api/repositories/status", params("repoUrl", repo), &st); resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, cache control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the first status took %v", took)
	}
	if st.Phase == "" || st.Phase == "done" || st.Ready.Metadata || st.Ready.LineStats || !st.AuthorStats {
		t.Errorf("first status of a new repository %+v", st)
	}
	sawMeta := false
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		s.get("/api/repositories/status", params("repoUrl", repo), &st)
		if st.Ready.LineStats && !st.Ready.Metadata {
			t.Fatalf("line statistics ready before metadata: %+v", st)
		}
		sawMeta = sawMeta || st.Ready.Metadata
		if st.Phase == "done" && st.Ready.LineStats {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawMeta || st.Phase != "done" || !st.Ready.LineStats {
		t.Fatalf("last status %+v", st)
	}
	var commits struct{ Total int }
	if s.get("/api/repositories/commits", params("repoUrl", repo, "limit", "1"), &commits); commits.Total != 3000 {
		t.Errorf("after status done: %d commits", commits.Total)
	}

	for _, p := range []string{"", "repoUrl=", "repoUrl=ftp://example.com/x.git", "repoUrl=a&repoUrl=b"} {
		resp, err := http.Get(s.URL + "/api/repositories/status?" + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status?%s: %d", p, resp.StatusCode)
		}
	}
	off := newServer(t, serverOpts{})
	if off.get("/api/repositories/status", params("repoUrl", repo), &st); st.AuthorStats {
		t.Error("authorStats without AUTHOR_STATS")
	}
}
