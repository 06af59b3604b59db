package fleet_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/fleet"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// This file runs gitpulse as a fleet of real processes: the binary built
// from this tree, one redis-server, repositories served by git
// http-backend on loopback.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// gitpulseBinary builds cmd/gitpulse once per test run.
func gitpulseBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gitpulse-fleet-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "gitpulse")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/gitpulse/gitpulse/cmd/gitpulse").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// gitServer serves the bare repositories under one directory over smart
// HTTP and counts the ref advertisements of upload-pack (one per clone or
// fetch) by repository, but for a head start's (mirror.HeadStartHeader):
// a head start is stopped whenever it is taken or dropped, so how many
// requests it made depends on timing.
type gitServer struct {
	URL   string
	mu    sync.Mutex
	calls map[string]int
}

func newGitServer(t testing.TB, root string) *gitServer {
	headStartName, headStartValue, _ := strings.Cut(mirror.HeadStartHeader, ": ")
	g := &gitServer{calls: make(map[string]int)}
	backend := testrepo.HTTPBackend(t, root)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headStart := r.Header.Get(headStartName) == headStartValue
		if strings.HasSuffix(r.URL.Path, "/info/refs") && r.URL.Query().Get("service") == "git-upload-pack" && !headStart {
			g.mu.Lock()
			g.calls[strings.TrimSuffix(r.URL.Path, "/info/refs")]++
			g.mu.Unlock()
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// advertisements is how many clones or fetches asked for repo's refs.
func (g *gitServer) advertisements(repo string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls["/"+repo]
}

// proc is a running gitpulse process.
type proc struct {
	name string
	cmd  *exec.Cmd
	addr string
	log  string
}

// fleetEnv is the settings every process of a test fleet shares: the
// private Redis, jobs through it, and loopback git servers allowed (the
// same settings the other tests' servers use for test hosts).
func fleetEnv(redisURL string) []string {
	return []string{
		"REDIS_URL=" + redisURL, "JOB_QUEUE=redis",
		"ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true", "ALLOW_PRIVATE_GIT_HOSTS=true",
		"RATE_LIMIT=100000", "REQUEST_TIMEOUT=5s", "WEBHOOK_SECRET=" + hookSecret,
		"SECRET_KEY=" + strings.Repeat("k", 32),
	}
}

const hookSecret = "fleet-test-secret"

// start runs the binary with args, the environment env and its own data
// directory, listening on a free loopback port; it is stopped (SIGTERM,
// then SIGKILL) when the test ends.
func start(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	p := &proc{name: name, addr: addr, log: filepath.Join(dir, name+".log")}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(gitpulseBinary(t), append(args, "--addr", addr)...)
	// The data directory last: it stands for the image's volume.
	p.cmd.Env = append(append(os.Environ(), env...), "GITPULSE_DATA_DIR="+filepath.Join(dir, "data"))
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.stop()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("%s log:\n%s", name, tail(string(b), 4000))
		}
	})
	p.waitHealthy(t)
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop ends the process gracefully, or kills it after 10 s.
func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// kill ends the process at once, as a crash would.
func (p *proc) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

// dataDir is the process's data directory.
func (p *proc) dataDir() string { return filepath.Join(filepath.Dir(p.log), "data") }

func (p *proc) url(path string) string { return "http://" + p.addr + path }

func (p *proc) waitHealthy(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url("/healthz")); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if p.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(p.log)
	t.Fatalf("%s did not become healthy:\n%s", p.name, tail(string(b), 4000))
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// get asks path of p and returns the status and body.
func (p *proc) get(t testing.TB, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(p.url(path))
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// answer asks path until it is answered 200 (a 504 means "still being
// prepared") and returns the body.
func (p *proc) answer(t testing.TB, path string, within time.Duration) []byte {
	t.Helper()
	body, err := p.tryAnswer(path, within)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// tryAnswer is answer for other goroutines than the test's: it reports
// what went wrong instead of ending the test.
func (p *proc) tryAnswer(path string, within time.Duration) ([]byte, error) {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(p.url(path))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return nil, fmt.Errorf("%s %s: %w", p.name, path, err)
		case resp.StatusCode == http.StatusOK:
			return body, nil
		case resp.StatusCode != http.StatusGatewayTimeout || time.Now().After(deadline):
			return nil, fmt.Errorf("%s %s: %d %s", p.name, path, resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gitOut runs git in dir and returns its output.
func gitOut(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := testrepo.Run(dir, nil, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

type summary struct {
	Summary struct {
		LastCommit struct {
			SHA string `json:"sha"`
		} `json:"lastCommit"`
		Stats struct {
			TotalCommits int `json:"totalCommits"`
		} `json:"stats"`
	} `json:"summary"`
}

type churn struct {
	ChurnData struct {
		Files []struct {
			Path      string `json:"path"`
			Additions int    `json:"additions"`
			Deletions int    `json:"deletions"`
			Commits   int    `json:"commits"`
		} `json:"files"`
		Summary struct {
			TotalFiles int `json:"totalFiles"`
		} `json:"summary"`
	} `json:"churnData"`
}

// checkAgainstGit compares a summary and a churn answer with git's own
// figures for the bare repository dir.
func checkAgainstGit(t testing.TB, dir string, sumBody, churnBody []byte) {
	t.Helper()
	var s summary
	if err := json.Unmarshal(sumBody, &s); err != nil {
		t.Fatal(err)
	}
	count, _ := strconv.Atoi(gitOut(t, dir, "rev-list", "--count", "main"))
	if s.Summary.Stats.TotalCommits != count || s.Summary.LastCommit.SHA != gitOut(t, dir, "rev-parse", "main") {
		t.Errorf("summary says %d commits ending at %s; git says %d ending at %s", s.Summary.Stats.TotalCommits, s.Summary.LastCommit.SHA, count, gitOut(t, dir, "rev-parse", "main"))
	}
	type sums struct{ add, del, commits int }
	want := map[string]*sums{}
	for _, line := range strings.Split(gitOut(t, dir, "log", "--no-merges", "--numstat", "--format=", "main"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		a, _ := strconv.Atoi(f[0])
		d, _ := strconv.Atoi(f[1])
		if want[f[2]] == nil {
			want[f[2]] = &sums{}
		}
		want[f[2]].add += a
		want[f[2]].del += d
		want[f[2]].commits++
	}
	var c churn
	if err := json.Unmarshal(churnBody, &c); err != nil {
		t.Fatal(err)
	}
	if c.ChurnData.Summary.TotalFiles != len(want) || len(c.ChurnData.Files) == 0 {
		t.Errorf("churn lists %d files (%d shown); git log --numstat has %d", c.ChurnData.Summary.TotalFiles, len(c.ChurnData.Files), len(want))
	}
	for _, f := range c.ChurnData.Files {
		w := want[f.Path]
		if w == nil || f.Additions != w.add || f.Deletions != w.del || f.Commits != w.commits {
			t.Errorf("churn of %s: +%d -%d in %d commits; git: %+v", f.Path, f.Additions, f.Deletions, f.Commits, w)
		}
	}
}

// mirrorsOf lists the mirrors in a process's data directory.
func mirrorsOf(t testing.TB, p *proc) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(p.dataDir(), "mirrors", "*.git"))
	return m
}

// signedPush is a GitHub push delivery for the repository at cloneURL.
func signedPush(t testing.TB, p *proc, cloneURL, secret string) int {
	t.Helper()
	body := fmt.Appendf(nil, `{"ref":"refs/heads/main","repository":{"clone_url":%q}}`, cloneURL)
	req, _ := http.NewRequest(http.MethodPost, p.url("/api/hooks/github"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hmacHex(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// addCommit commits one more file change on main of the bare repository
// dir and returns the new head.
func addCommit(t testing.TB, dir string) string {
	t.Helper()
	blob := strings.TrimSpace(string(must(testrepo.Run(dir, nil, []byte("pushed\n"), "hash-object", "-w", "--stdin"))))
	tree := strings.TrimSpace(string(must(testrepo.Run(dir, nil, fmt.Appendf(nil, "100644 blob %s\tpushed.txt\n", blob), "mktree"))))
	head := strings.TrimSpace(string(must(testrepo.Run(dir, []string{"GIT_AUTHOR_DATE=2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-01-01T00:00:00Z"}, nil, "commit-tree", tree, "-p", "main", "-m", "pushed"))))
	gitOut(t, dir, "update-ref", "refs/heads/main", head)
	return head
}

func must(out []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return out
}

// TestFleetClonesOnceAndRefreshesOnPush: two serve instances asked for a
// repository at the same moment get it from one clone by the worker
// (counted at the git server against what one clone by one process
// costs), answer the same, as git does, keep no mirror, and a signed push
// makes a new commit visible on both within 2 s.
func TestFleetClonesOnceAndRefreshesOnPush(t *testing.T) {
	rs := testredis.Start(t)
	root := t.TempDir()
	src := testrepo.Generate(t, testrepo.Synthetic{Commits: 400, MergeEvery: 30})
	if err := os.Rename(src, filepath.Join(root, "shared.git")); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cp", "-a", filepath.Join(root, "shared.git"), filepath.Join(root, "alone.git")).Run(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "shared.git")
	git := newGitServer(t, root)

	// The containers of compose.yaml, as processes: its environment and
	// commands, the image's entrypoint, with this test's Redis and git
	// server in place of the compose network's.
	vars := map[string]string{"SECRET_KEY": strings.Repeat("k", 32), "WEBHOOK_SECRET": hookSecret}
	here := []string{"REDIS_URL=" + rs.URL(), "ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true", "ALLOW_PRIVATE_GIT_HOSTS=true", "RATE_LIMIT=100000", "REQUEST_TIMEOUT=5s"}
	workerArgs, workerEnv := container(t, "worker", vars)
	serveArgs, serveEnv := container(t, "serve1", vars)
	// Two workers, so that a job run twice would show at the git server.
	workers := []*proc{start(t, "worker1", append(workerEnv, here...), workerArgs...), start(t, "worker2", append(workerEnv, here...), workerArgs...)}
	api := []*proc{start(t, "serve1", append(serveEnv, here...), serveArgs...), start(t, "serve2", append(serveEnv, here...), serveArgs...)}
	for _, p := range append(workers, api...) {
		checkHealth(t, p)
	}

	// What one process's clone costs: a lone serve in local mode.
	alone := start(t, "alone", []string{"ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true", "ALLOW_PRIVATE_GIT_HOSTS=true", "RATE_LIMIT=100000", "REQUEST_TIMEOUT=5s"}, "serve")
	alone.answer(t, "/api/repositories/churn?repoUrl="+git.URL+"/alone.git", 60*time.Second)
	once := git.advertisements("alone.git")
	if once == 0 {
		t.Fatal("the git server saw no clone")
	}

	repo := git.URL + "/shared.git"
	var wg sync.WaitGroup
	sums, churns := make([][]byte, 2), make([][]byte, 2)
	for i, p := range api {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if sums[i], err = p.tryAnswer("/api/repositories/summary?repoUrl="+repo, 60*time.Second); err == nil {
				churns[i], err = p.tryAnswer("/api/repositories/churn?repoUrl="+repo, 60*time.Second)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	n := git.advertisements("shared.git")
	t.Logf("ref advertisements: %d for the fleet, %d for one process's clone", n, once)
	if n != once {
		t.Errorf("the fleet asked the git server for the refs %d times; one clone does %d", n, once)
	}
	for i := range api {
		checkAgainstGit(t, dir, sums[i], churns[i])
	}
	if !bytes.Equal(churns[0], churns[1]) {
		t.Errorf("the two instances answer churn differently:\n%s\n%s", churns[0], churns[1])
	}
	for _, p := range api {
		if m := mirrorsOf(t, p); len(m) != 0 {
			t.Errorf("%s keeps mirrors: %v", p.name, m)
		}
	}
	if m := append(mirrorsOf(t, workers[0]), mirrorsOf(t, workers[1])...); len(m) != 1 {
		t.Errorf("the workers keep %d mirrors, want 1", len(m))
	}

	// A forged delivery is refused; a signed one is seen at once.
	if status := signedPush(t, api[0], repo, "wrong secret"); status != http.StatusUnauthorized {
		t.Errorf("forged webhook: %d, want 401", status)
	}
	head := addCommit(t, dir)
	pushed := time.Now()
	if status := signedPush(t, api[0], repo, hookSecret); status != http.StatusAccepted {
		t.Fatalf("signed webhook: %d, want 202", status)
	}
	for _, p := range api {
		for {
			_, body := p.get(t, "/api/repositories/summary?repoUrl="+repo)
			var s summary
			_ = json.Unmarshal(body, &s)
			if s.Summary.LastCommit.SHA == head {
				t.Logf("%s answers the pushed commit %v after the webhook", p.name, time.Since(pushed).Round(time.Millisecond))
				break
			}
			if time.Since(pushed) > 2*time.Second {
				t.Fatalf("%s still answers %s 2 s after the push of %s", p.name, s.Summary.LastCommit.SHA, head)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	checkAgainstGit(t, dir, api[1].answer(t, "/api/repositories/summary?repoUrl="+repo, 10*time.Second),
		api[1].answer(t, "/api/repositories/churn?repoUrl="+repo, 10*time.Second))
}

// TestFleetWorkerKilledMidIndex: a worker killed (SIGKILL) while it reads
// the line statistics leaves only its whole pass-1 index published; its
// job goes back to the queue when its lease expires, a second worker
// finishes it, and what is served then is git's own.
func TestFleetWorkerKilledMidIndex(t *testing.T) {
	rs := testredis.Start(t)
	root := t.TempDir()
	if err := os.Rename(testrepo.Generate(t, testrepo.Synthetic{Commits: 20000, FilesPerCmt: 4}), filepath.Join(root, "big.git")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "big.git")
	git := newGitServer(t, root)
	repo := git.URL + "/big.git"
	env := fleetEnv(rs.URL())
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	q, err := fleet.NewQueue(rdb)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	info, err := repourl.Parse(repo)
	if err != nil {
		t.Fatal(err)
	}

	first := start(t, "worker1", env, "worker", "--concurrency", "1")
	api := start(t, "serve", env, "serve")
	// Pass 1 answers first; pass 2 is then under way.
	api.answer(t, "/api/repositories/summary?repoUrl="+repo, 120*time.Second)
	pub, ok, err := q.Latest(ctx, info.Key)
	if err != nil || !ok {
		t.Fatalf("nothing published after pass 1: %v", err)
	}
	pending, _, err := q.Job(ctx, info.Key)
	if err != nil || !pending || pub.Stats {
		t.Fatalf("the job ended before the kill (pending %t, published stats %t, %v): make the repository larger", pending, pub.Stats, err)
	}
	// The worker's progress is in Redis, and the instance reports it.
	for wait := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		pr, ok := q.Progress(ctx, info.Key)
		if ok && (pr.Phase == progress.PhaseComplete || pr.Phase == progress.PhaseLineStats) {
			break
		}
		if time.Since(wait) > 10*time.Second {
			t.Fatalf("shared progress after pass 1: %+v %t", pr, ok)
		}
	}
	// Killed at once: a churn request first would wait up to REQUEST_TIMEOUT,
	// long enough, on a quiet machine, for pass 2 to end.
	first.kill(t)
	killed := time.Now()
	if pub, ok, err := q.Latest(ctx, info.Key); err != nil || !ok || pub.Stats {
		t.Fatalf("line statistics were published before the kill (%v): make the repository larger", err)
	}
	status, body := api.get(t, "/api/repositories/churn?repoUrl="+repo)
	if status != http.StatusGatewayTimeout {
		t.Fatalf("churn with pass 2 cut off: %d %s", status, body)
	}
	var waiting struct{ Progress progress.Progress }
	if err := json.Unmarshal(body, &waiting); err != nil || waiting.Progress.Phase != progress.PhaseLineStats && waiting.Progress.Phase != progress.PhaseComplete {
		t.Errorf("the instance's 504 reports %s", body)
	}
	if x, err := q.Load(ctx, info.Key, pub); err != nil || x.Len() != pub.Commits || x.HasStats {
		t.Fatalf("the published pass-1 index: %v", err)
	}

	start(t, "worker2", env, "worker", "--concurrency", "1")
	// asynq hands the job over once the dead worker's lease (30 s) has
	// expired and a recoverer (every minute) sees it.
	churnBody := api.answer(t, "/api/repositories/churn?repoUrl="+repo+"&limit=20", 240*time.Second)
	t.Logf("job completed %v after the kill", time.Since(killed).Round(time.Second))
	checkAgainstGit(t, dir, api.answer(t, "/api/repositories/summary?repoUrl="+repo, 10*time.Second), churnBody)
	pub, ok, err = q.Latest(ctx, info.Key)
	if err != nil || !ok || !pub.Stats || pub.Head != gitOut(t, dir, "rev-parse", "main") {
		t.Fatalf("published after the retry: %+v %t %v", pub, ok, err)
	}
	if x, err := q.Load(ctx, info.Key, pub); err != nil || !x.HasStats || x.Len() != pub.Commits {
		t.Fatalf("the published index: %v", err)
	}
}

// TestFleetSurvivesRedisRestart: while Redis is down an API instance
// still answers, rightly, what it has loaded; after Redis comes back empty
// (no persistence), the instances and the worker reconnect: a new
// repository is prepared and a push to the first one is answered.
func TestFleetSurvivesRedisRestart(t *testing.T) {
	rs := testredis.Start(t)
	root := t.TempDir()
	dirs := map[string]string{}
	for _, name := range []string{"a.git", "b.git"} {
		if err := os.Rename(testrepo.Generate(t, testrepo.Synthetic{Commits: 300}), filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
		dirs[name] = filepath.Join(root, name)
	}
	git := newGitServer(t, root)
	env := fleetEnv(rs.URL())
	start(t, "worker", env, "worker", "--concurrency", "2")
	api := start(t, "serve", env, "serve")
	a, b := git.URL+"/a.git", git.URL+"/b.git"
	api.answer(t, "/api/repositories/churn?repoUrl="+a, 60*time.Second)

	rs.Stop()
	sum, churn := api.answer(t, "/api/repositories/summary?repoUrl="+a, 10*time.Second), api.answer(t, "/api/repositories/churn?repoUrl="+a+"&minChanges=2", 10*time.Second)
	checkAgainstGit(t, dirs["a.git"], sum, churn)
	if status, body := api.get(t, "/api/repositories/summary?repoUrl="+b); status < 500 {
		t.Errorf("a new repository while Redis is down: %d %s", status, body)
	}

	rs.Restart()
	// go-redis probes a Redis it could not dial once a second: until it
	// has, the instance answers 502.
	for began := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if status, _ := api.get(t, "/api/repositories/summary?repoUrl="+b); status != http.StatusBadGateway {
			break
		}
		if time.Since(began) > 10*time.Second {
			t.Fatal("the instance still cannot reach Redis 10 s after its restart")
		}
	}
	checkAgainstGit(t, dirs["b.git"], api.answer(t, "/api/repositories/summary?repoUrl="+b, 60*time.Second),
		api.answer(t, "/api/repositories/churn?repoUrl="+b, 60*time.Second))
	head := addCommit(t, dirs["a.git"])
	if status := signedPush(t, api, a, hookSecret); status != http.StatusAccepted {
		t.Fatalf("signed webhook after the restart: %d", status)
	}
	for began := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		var s summary
		_ = json.Unmarshal(api.answer(t, "/api/repositories/summary?repoUrl="+a, 10*time.Second), &s)
		if s.Summary.LastCommit.SHA == head {
			break
		}
		if time.Since(began) > 20*time.Second {
			t.Fatalf("the pushed commit %s is not answered 20 s after the webhook", head)
		}
	}
	checkAgainstGit(t, dirs["a.git"], api.answer(t, "/api/repositories/summary?repoUrl="+a, 10*time.Second),
		api.answer(t, "/api/repositories/churn?repoUrl="+a, 10*time.Second))
}

func hmacHex(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
