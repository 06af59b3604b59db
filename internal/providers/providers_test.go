package providers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gitpulse/gitpulse/internal/activity"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	reply := func(status int, kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	cases := []struct {
		name    string
		resp    *http.Response
		wait    time.Duration
		limited bool
	}{
		{"429 Retry-After seconds", reply(429, "Retry-After", "7"), 7 * time.Second, true},
		{"429 Retry-After date", reply(429, "Retry-After", now.Add(90*time.Second).UTC().Format(http.TimeFormat)), 90 * time.Second, true},
		{"GitHub primary 403", reply(403, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(now.Unix()+60, 10)), time.Minute, true},
		{"GitLab RateLimit-Reset epoch", reply(429, "RateLimit-Reset", strconv.FormatInt(now.Unix()+30, 10)), 30 * time.Second, true},
		{"reset as seconds", reply(429, "X-RateLimit-Reset", "12"), 12 * time.Second, true},
		{"plain 403 is no rate limit", reply(403, "X-RateLimit-Remaining", "12"), 0, false},
		{"503 with Retry-After", reply(503, "Retry-After", "2"), 2 * time.Second, false},
		{"a reset in the past", reply(429, "X-RateLimit-Reset", strconv.FormatInt(now.Unix()-5, 10)), 0, true},
	}
	for _, tc := range cases {
		if wait, limited := rateLimitWait(tc.resp, now); wait != tc.wait || limited != tc.limited {
			t.Errorf("%s: wait %v limited %v, want %v %v", tc.name, wait, limited, tc.wait, tc.limited)
		}
	}
}

func TestTransportRetries(t *testing.T) {
	var calls atomic.Int32
	replies := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) { w.Header().Set("Retry-After", "0"); w.WriteHeader(429) },
		func(w http.ResponseWriter) { w.WriteHeader(502) },
		func(w http.ResponseWriter) { w.Write([]byte("ok")) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replies[min(int(calls.Add(1))-1, len(replies)-1)](w)
	}))
	defer srv.Close()
	c := &http.Client{Transport: &Transport{Backoff: time.Millisecond}}
	resp, err := c.Get(srv.URL)
	if err != nil || resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("got %v %v after %d calls, want 200 after 3", resp, err, calls.Load())
	}
	resp.Body.Close()

	// A wait beyond MaxWait is not waited for: the reply comes back at once.
	far := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer far.Close()
	start := time.Now()
	resp, err = c.Get(far.URL)
	if err != nil || resp.StatusCode != 429 || time.Since(start) > 5*time.Second {
		t.Fatalf("far reset: %v %v after %v", resp, err, time.Since(start))
	}
	e := StatusError("test", "read", resp, "slow down")
	resp.Body.Close()
	if !errors.Is(e, ErrRateLimited) || e.RetryAt.Before(time.Now().Add(59*time.Minute)) {
		t.Fatalf("StatusError = %v (retry at %v), want ErrRateLimited an hour ahead", e, e.RetryAt)
	}

	// POST is not retried on 502, and retries stop at MaxRetries.
	calls.Store(0)
	always := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(502)
	}))
	defer always.Close()
	if resp, err := c.Post(always.URL, "text/plain", nil); err != nil || resp.StatusCode != 502 || calls.Load() != 1 {
		t.Fatalf("POST: %v %v after %d calls, want one 502", resp, err, calls.Load())
	}
	calls.Store(0)
	if resp, err := c.Get(always.URL); err != nil || resp.StatusCode != 502 || calls.Load() != 1+defaultRetries {
		t.Fatalf("GET: %v %v after %d calls, want %d", resp, err, calls.Load(), 1+defaultRetries)
	}
}

func TestGather(t *testing.T) {
	var running, most atomic.Int32
	read := func(sha string) func(context.Context) ([]activity.Item, error) {
		return func(context.Context) ([]activity.Item, error) {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(10 * time.Millisecond)
			running.Add(-1)
			return []activity.Item{{Kind: activity.KindCommit, Repo: "r", SHA: sha}}, nil
		}
	}
	var reads []func(context.Context) ([]activity.Item, error)
	for _, sha := range []string{"a", "b", "a", "c", "d", "e", "f", "g"} {
		reads = append(reads, read(sha))
	}
	items, err := Gather(context.Background(), reads)
	if err != nil || len(items) != 7 || items[0].SHA != "a" || items[6].SHA != "g" {
		t.Fatalf("Gather = %+v, %v", items, err)
	}
	if most.Load() > Parallel {
		t.Errorf("%d reads at once, want at most %d", most.Load(), Parallel)
	}
	boom := errors.New("boom")
	reads = append(reads, func(context.Context) ([]activity.Item, error) { return nil, boom })
	if _, err := Gather(context.Background(), reads); !errors.Is(err, boom) {
		t.Errorf("a failing read: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Gather(ctx, []func(context.Context) ([]activity.Item, error){func(ctx context.Context) ([]activity.Item, error) { return nil, ctx.Err() }}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestMetricsCountEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	c := &http.Client{Transport: &Transport{Base: m.RoundTripper(nil), Backoff: time.Millisecond}}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	if got := testutil.ToFloat64(m.requests.WithLabelValues(host, "429")); got != 1 {
		t.Errorf("429s counted: %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues(host, "200")); got != 1 {
		t.Errorf("200s counted: %v, want 1", got)
	}
	srv.Close()
	if _, err := c.Get(srv.URL); err == nil {
		t.Fatal("a closed server answered")
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues(host, "error")); got < 1 {
		t.Errorf("failed requests counted: %v, want at least 1", got)
	}
}
