package fleet_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// BenchmarkFleet indexes the same generated repositories, served by git
// http-backend on loopback, three ways: one `serve` with JOB_QUEUE=local,
// and a fleet (one `serve`, JOB_QUEUE=redis) with one worker and with two;
// four requests at a time, each waiting for the complete index (churn), so
// four jobs run at once in every case (local runs first and last, on fresh
// data directories, and counts as the mean of both). It prints the throughput of each
// and the ratios (the queue's overhead is 1 - fleet/local), then, on a
// `serve` that never indexed anything and loaded the published indexes,
// the p50 of a cached query (against the same on the local server), and
// the time from a signed push webhook to the new commit being answered by
// the instance that received it and by another one, on warm mirrors.
//
//	go test -run '^$' -bench BenchmarkFleet -benchtime 1x ./internal/fleet
//
// GITPULSE_FLEET_REPOS sets how many repositories (default 200) and
// GITPULSE_FLEET_COMMITS their commits each (default 300).
func BenchmarkFleet(b *testing.B) {
	repos := envInt(b, "GITPULSE_FLEET_REPOS", 200)
	commits := envInt(b, "GITPULSE_FLEET_COMMITS", 300)
	root := b.TempDir()
	urls := make([]string, repos)
	git := newGitServer(b, root)
	for i := range repos {
		name := fmt.Sprintf("r%03d.git", i)
		src := testrepo.Generate(b, testrepo.Synthetic{Commits: commits, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)})
		if err := os.Rename(src, filepath.Join(root, name)); err != nil {
			b.Fatal(err)
		}
		urls[i] = git.URL + "/" + name
	}
	gitpulseBinary(b)
	const clients = 4
	here := []string{"ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true", "ALLOW_PRIVATE_GIT_HOSTS=true", "RATE_LIMIT=1000000000", "REQUEST_TIMEOUT=10s", "WEBHOOK_SECRET=" + hookSecret, "SECRET_KEY=" + hookSecret + hookSecret}
	b.ResetTimer()
	for b.Loop() {
		local := start(b, "local", here, "serve")
		localRate := indexAll(b, local, urls, clients)

		fleetRate := func(workers, concurrency int) (float64, []*proc, string) {
			rs := testredis.Start(b)
			env := append([]string{"REDIS_URL=" + rs.URL(), "JOB_QUEUE=redis"}, here...)
			procs := []*proc{start(b, "serve", env, "serve")}
			for w := range workers {
				procs = append(procs, start(b, fmt.Sprintf("worker%d", w+1), env, "worker", "--concurrency", strconv.Itoa(concurrency)))
			}
			return indexAll(b, procs[0], urls, clients), procs, rs.URL()
		}
		oneRate, procs, _ := fleetRate(1, clients)
		for _, p := range procs {
			p.stop()
		}
		twoRate, procs, redisURL := fleetRate(2, clients/2)
		api := procs[0]
		// Local again, with fresh data, so that a change of the machine's
		// load during the runs shows.
		again := start(b, "local-again", here, "serve")
		againRate := indexAll(b, again, urls, clients)
		again.stop()
		localRate = (localRate + againRate) / 2
		b.Logf("indexed %d repositories of %d commits, %d at a time:", repos, commits, clients)
		b.Logf("  JOB_QUEUE=local        %6.2f repositories/s (mean of %.2f before the fleet runs and %.2f after)", localRate, 2*localRate-againRate, againRate)
		b.Logf("  1 worker  (--concurrency %d) %6.2f repositories/s  = %.2f x local (queue overhead %.1f%%)", clients, oneRate, oneRate/localRate, 100*(1-oneRate/localRate))
		b.Logf("  2 workers (--concurrency %d) %6.2f repositories/s  = %.2f x local, %.2f x 1 worker", clients/2, twoRate, twoRate/localRate, twoRate/oneRate)
		b.ReportMetric(localRate, "local-repos/s")
		b.ReportMetric(oneRate, "1worker-repos/s")
		b.ReportMetric(twoRate, "2workers-repos/s")

		// A serve instance that never indexed: it loads what the workers
		// published.
		reader := start(b, "reader", append([]string{"REDIS_URL=" + redisURL, "JOB_QUEUE=redis"}, here...), "serve")
		query := "/api/repositories/summary?repoUrl=" + urls[0]
		readerP50 := cachedP50(b, reader, query)
		localP50 := cachedP50(b, local, query)
		b.Logf("cached summary, p50 of 500 sequential requests: %v on an instance that loaded the published index, %v on the local server", readerP50, localP50)
		b.ReportMetric(float64(readerP50.Microseconds())/1000, "shared-cached-p50-ms")

		var atAPI, atReader []time.Duration
		dir := filepath.Join(root, "r000.git")
		for range 5 {
			head := addCommit(b, dir)
			pushed := time.Now()
			if status := signedPush(b, api, urls[0], hookSecret); status != http.StatusAccepted {
				b.Fatalf("webhook: %d", status)
			}
			var wg sync.WaitGroup
			for _, w := range []struct {
				p   *proc
				out *[]time.Duration
			}{{api, &atAPI}, {reader, &atReader}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					*w.out = append(*w.out, waitHead(b, w.p, query, head, pushed))
				}()
			}
			wg.Wait()
		}
		b.Logf("signed push webhook to the new commit answered, median of 5: %v by the instance that received it, %v by another instance",
			median(atAPI), median(atReader))
		b.ReportMetric(float64(median(atAPI).Milliseconds()), "webhook-visible-ms")
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// indexAll asks api for the churn of every repository, clients at a time,
// each waiting until it is answered (both index passes done), and returns
// the repositories indexed per second.
func indexAll(b *testing.B, api *proc, urls []string, clients int) float64 {
	b.Helper()
	next := make(chan string)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	began := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range next {
				if _, err := api.tryAnswer("/api/repositories/churn?limit=1&repoUrl="+u, 10*time.Minute); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, u := range urls {
		next <- u
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return float64(len(urls)) / time.Since(began).Seconds()
}

// cachedP50 asks p for query 500 times in a row (the first answer warms
// the cache) and returns the median time to the whole answer.
func cachedP50(b *testing.B, p *proc, query string) time.Duration {
	b.Helper()
	p.answer(b, query, time.Minute)
	times := make([]time.Duration, 500)
	for i := range times {
		began := time.Now()
		status, _ := p.get(b, query)
		times[i] = time.Since(began)
		if status != http.StatusOK {
			b.Fatalf("%s: %d", query, status)
		}
	}
	return median(times)
}

// waitHead polls p until its summary ends at head and returns the time
// since pushed.
func waitHead(b *testing.B, p *proc, query, head string, pushed time.Time) time.Duration {
	for time.Since(pushed) < time.Minute {
		if body, err := p.tryAnswer(query, time.Minute); err == nil {
			var s summary
			if json.Unmarshal(body, &s) == nil && s.Summary.LastCommit.SHA == head {
				return time.Since(pushed)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Errorf("%s did not answer %s within a minute of the push", p.name, head)
	return time.Minute
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
