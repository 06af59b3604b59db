package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// BenchmarkSoak runs `gitpulse serve` under a bounded mixed load on
// loopback while commits land in the repository it mirrors, and reports
// what an operator watches: requests, failures other than 429, latency,
// and the server's RSS and goroutines after warm-up and at the end (they
// should stay flat). At the end every pushed commit must be in the answer.
//
//	GITPULSE_SOAK=60s go test -run '^$' -bench Soak -benchtime 1x ./internal/cli/
//
// GITPULSE_SOAK sets the load's duration (default 30s), GITPULSE_SOAK_FETCH
// the server's fetch interval (default 1s: a refresh is due all the time;
// 1h for none, to compare).
func BenchmarkSoak(b *testing.B) {
	duration := 30 * time.Second
	if v := os.Getenv("GITPULSE_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("GITPULSE_SOAK=%q: %v", v, err)
		}
		duration = d
	}
	bare := testrepo.Generate(b, testrepo.Synthetic{Commits: 20000, MergeEvery: 25})
	work := b.TempDir()
	if _, err := testrepo.Run(work, nil, nil, "clone", "-q", bare, "."); err != nil {
		b.Fatal(err)
	}
	repo := url.QueryEscape(testrepo.ServeHTTP(b, bare))
	fetch := "1s"
	if v := os.Getenv("GITPULSE_SOAK_FETCH"); v != "" {
		fetch = v
	}
	p := startServe(b, "RATE_LIMIT=1000000", "WINDOW_SECONDS=1", "GITPULSE_FETCH_INTERVAL="+fetch, "REQUEST_TIMEOUT=60")
	api := p.url + "/api/repositories/"
	client := &http.Client{Timeout: 90 * time.Second}
	get := func(path string) (int, []byte, error) {
		resp, err := client.Get(api + path)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, body, err
	}
	// Warm-up: the mirror, both index passes.
	for _, path := range []string{"summary?repoUrl=" + repo, "churn?repoUrl=" + repo} {
		if code, body, err := get(path); code != 200 {
			b.Fatalf("warm-up %s: %d %v %s\n%s", path, code, err, body, p.log)
		}
	}
	start, err := serverGauges(p.url)
	if err != nil {
		b.Fatal(err)
	}

	// Commits land while the load runs: one every 2 s, pushed to the
	// repository the server mirrors.
	stop := make(chan struct{})
	var pushed sync.WaitGroup
	pushed.Add(1)
	landed := 0
	go func() {
		defer pushed.Done()
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			landed++
			name := fmt.Sprintf("soak/%d.txt", landed)
			if err := os.MkdirAll(work+"/soak", 0o755); err != nil {
				b.Error(err)
				return
			}
			if err := os.WriteFile(work+"/"+name, []byte(strings.Repeat("line\n", landed)), 0o644); err != nil {
				b.Error(err)
				return
			}
			env := []string{"GIT_AUTHOR_NAME=Soak", "GIT_AUTHOR_EMAIL=soak@example.com", "GIT_COMMITTER_NAME=Soak", "GIT_COMMITTER_EMAIL=soak@example.com"}
			for _, args := range [][]string{{"add", name}, {"commit", "-q", "-m", "soak: " + name}, {"push", "-q", "origin", "HEAD:main"}} {
				if out, err := testrepo.Run(work, env, nil, args...); err != nil {
					b.Errorf("git %v: %v %s", args, err, out)
					return
				}
			}
		}
	}()

	// The load: cached answers (the same summary), and answers that are
	// new to the cache (random filters and pages), from 8 clients.
	type result struct {
		d    time.Duration
		code int
	}
	var mu sync.Mutex
	var results []result
	var failures []string
	deadline := time.Now().Add(duration)
	var clients sync.WaitGroup
	for c := range 8 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for time.Now().Before(deadline) {
				path := soakPath(rng, repo)
				t0 := time.Now()
				code, body, err := get(path)
				d := time.Since(t0)
				mu.Lock()
				results = append(results, result{d, code})
				if code != 200 && code != 429 && len(failures) < 10 {
					failures = append(failures, fmt.Sprintf("%s: %d %v %.200s", path, code, err, body))
				}
				mu.Unlock()
			}
		}()
	}
	// RSS and goroutines every 5 s: bounded caches should level off.
	var series []string
	var sampling sync.WaitGroup
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		for time.Now().Before(deadline) {
			time.Sleep(min(5*time.Second, time.Until(deadline)))
			g, err := serverGauges(p.url)
			if err != nil {
				b.Error(err)
				return
			}
			series = append(series, fmt.Sprintf("%.0f MiB/%.0f", g["process_resident_memory_bytes"]/(1<<20), g["go_goroutines"]))
		}
	}()
	clients.Wait()
	sampling.Wait()
	close(stop)
	pushed.Wait()

	// Every pushed commit is answered once the server has fetched.
	want, err := testrepo.Run(bare, nil, nil, "rev-list", "--count", "main")
	if err != nil {
		b.Fatal(err)
	}
	var total int
	waitUntil := time.Now().Add(10 * time.Second)
	for {
		var s summaryMeta
		if _, body, err := get("summary?repoUrl=" + repo); err == nil {
			_ = json.Unmarshal(body, &s)
		}
		total = s.Summary.Stats.TotalCommits
		if strconv.Itoa(total) == strings.TrimSpace(string(want)) || time.Now().After(waitUntil) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // idle connections and request goroutines wind down
	end, err := serverGauges(p.url)
	if err != nil {
		b.Fatal(err)
	}

	lat := make([]time.Duration, 0, len(results))
	errs, limited := 0, 0
	for _, r := range results {
		lat = append(lat, r.d)
		switch {
		case r.code == 429:
			limited++
		case r.code != 200:
			errs++
		}
	}
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(results)), "requests")
	b.ReportMetric(float64(len(results))/duration.Seconds(), "req/s")
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(start["process_resident_memory_bytes"]/(1<<20), "rss-start-MiB")
	b.ReportMetric(end["process_resident_memory_bytes"]/(1<<20), "rss-end-MiB")
	b.ReportMetric(start["go_goroutines"], "goroutines-start")
	b.ReportMetric(end["go_goroutines"], "goroutines-end")
	b.Logf("%d requests in %v (%d x 429, %d other failures), %d commits landed; p50 %.1f ms, p99 %.1f ms, max %.1f ms; RSS %.0f -> %.0f MiB, goroutines %.0f -> %.0f",
		len(results), duration, limited, errs, landed, pct(0.5), pct(0.99), pct(1), start["process_resident_memory_bytes"]/(1<<20), end["process_resident_memory_bytes"]/(1<<20), start["go_goroutines"], end["go_goroutines"])
	b.Logf("RSS/goroutines every 5 s: %s", strings.Join(series, ", "))
	if errs > 0 {
		b.Errorf("%d failed requests, e.g.:\n%s", errs, strings.Join(failures, "\n"))
	}
	if strconv.Itoa(total) != strings.TrimSpace(string(want)) && fetch == "1s" {
		b.Errorf("after the load the summary counts %d commits, git %s", total, want)
	}
}

// soakPath picks one request of the soak's mix: 40% the cached summary,
// the rest commits pages, churn, heatmap and contributors with random
// filters, mostly new to the cache.
func soakPath(rng *rand.Rand, repo string) string {
	q := "?repoUrl=" + repo
	year := 2015 + rng.IntN(3)
	switch n := rng.IntN(10); {
	case n < 4:
		return "summary" + q
	case n < 6:
		return fmt.Sprintf("commits%s&page=%d&limit=%d", q, 1+rng.IntN(100), 10+rng.IntN(91))
	case n < 8:
		return fmt.Sprintf("churn%s&minChanges=%d&fromDate=%d-%02d-01", q, 1+rng.IntN(50), year, 1+rng.IntN(12))
	case n < 9:
		return fmt.Sprintf("heatmap%s&fromDate=%d-%02d-01&timePeriod=week", q, year, 1+rng.IntN(12))
	default:
		return fmt.Sprintf("contributors%s&fromDate=%d-%02d-%02d", q, year, 1+rng.IntN(12), 1+rng.IntN(28))
	}
}

// serverGauges reads the server's /metrics samples without labels.
func serverGauges(base string) (map[string]float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
