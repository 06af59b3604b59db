package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// post sends a webhook delivery and returns its status.
func post(t *testing.T, url string, body []byte, hdr map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json") // as GitHub and GitLab send it
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.ReadAll(resp.Body)
	return resp.StatusCode
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// TestPushWebhookRefreshesAtOnce: a mirrored repository gets a new commit
// on its remote; a signed push delivery makes it answered within 2 s,
// without waiting for the 5-minute fetch interval newServer sets. Forged deliveries are
// refused and change nothing; an unknown repository is not cloned.
func TestPushWebhookRefreshesAtOnce(t *testing.T) {
	const secret = "hook-secret"
	s := newServer(t, serverOpts{webhook: secret})
	work := testrepo.New(t)
	work.Commit(testrepo.Commit{Message: "one", Files: map[string][]byte{"a": []byte("1\n")}})
	bare := t.TempDir() + "/hooked.git"
	if _, err := testrepo.Run(work.Dir, nil, nil, "clone", "-q", "--bare", work.Dir, bare); err != nil {
		t.Fatal(err)
	}
	repoURL := testrepo.ServeHTTP(t, bare)
	var head string // the X-Gitpulse-Head of the last answer
	total := func() int {
		var sum struct {
			Summary struct{ Stats struct{ TotalCommits int } }
		}
		resp := s.get("/api/repositories/summary", params("repoUrl", repoURL), &sum)
		if resp.StatusCode != 200 {
			t.Fatalf("summary: status %d", resp.StatusCode)
		}
		head = resp.Header.Get("X-Gitpulse-Head")
		return sum.Summary.Stats.TotalCommits
	}
	if n := total(); n != 1 || head != work.Git("rev-parse", "HEAD") {
		t.Fatalf("before the push: %d commits at head %q, want 1 at %s", n, head, work.Git("rev-parse", "HEAD"))
	}
	work.Commit(testrepo.Commit{Message: "two", Files: map[string][]byte{"a": []byte("2\n")}})
	work.Git("push", "-q", bare, "main")
	if n := total(); n != 1 {
		t.Fatalf("before the webhook: %d commits; the fetch interval should still hold", n)
	}

	gh, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "repository": map[string]string{"clone_url": repoURL, "html_url": strings.TrimSuffix(repoURL, ".git")}})
	forged := map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign("wrong", gh)}
	if code := post(t, s.URL+"/api/hooks/github", gh, forged); code != 401 {
		t.Fatalf("forged GitHub delivery: status %d, want 401", code)
	}
	if code := post(t, s.URL+"/api/hooks/github", gh, map[string]string{"X-GitHub-Event": "push"}); code != 401 {
		t.Fatalf("unsigned GitHub delivery: status %d, want 401", code)
	}
	gl, _ := json.Marshal(map[string]any{"object_kind": "push", "project": map[string]string{"git_http_url": repoURL}})
	if code := post(t, s.URL+"/api/hooks/gitlab", gl, map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "nope"}); code != 401 {
		t.Fatalf("forged GitLab delivery: status %d, want 401", code)
	}
	time.Sleep(200 * time.Millisecond)
	if n := total(); n != 1 {
		t.Fatalf("after forged deliveries: %d commits, want 1", n)
	}

	start := time.Now()
	if code := post(t, s.URL+"/api/hooks/github", gh, map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(secret, gh)}); code != 202 {
		t.Fatalf("signed delivery: status %d, want 202", code)
	}
	for total() != 2 {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the pushed commit is not answered 2 s after a signed webhook")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("pushed commit answered %v after the webhook", time.Since(start))
	if want := work.Git("rev-parse", "HEAD"); head != want {
		t.Fatalf("the answer with the pushed commit says head %q, want %s", head, want)
	}

	// GitLab, signed, for a repository never mirrored: 202, nothing cloned.
	unknown, _ := json.Marshal(map[string]any{"project": map[string]string{"git_http_url": strings.Replace(repoURL, "hooked", "other", 1)}})
	if code := post(t, s.URL+"/api/hooks/gitlab", unknown, map[string]string{"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret}); code != 202 {
		t.Fatalf("unknown repository: status %d, want 202", code)
	}
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`gitpulse_mirrors 1`,
		`gitpulse_webhook_deliveries_total{provider="github",result="refreshed"} 1`,
		`gitpulse_webhook_deliveries_total{provider="github",result="unauthorized"} 2`,
		`gitpulse_webhook_deliveries_total{provider="gitlab",result="unauthorized"} 1`,
		`gitpulse_webhook_deliveries_total{provider="gitlab",result="ignored"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestWebhooksWithoutASecretAre404(t *testing.T) {
	s := newServer(t, serverOpts{})
	if code := post(t, s.URL+"/api/hooks/github", []byte("{}"), map[string]string{"X-GitHub-Event": "push"}); code != 404 {
		t.Fatalf("status %d without WEBHOOK_SECRET, want 404", code)
	}
}
