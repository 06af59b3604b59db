package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/testforge"
	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// serveProc is a `gitpulse serve` process.
type serveProc struct {
	url string
	cmd *exec.Cmd
	log *strings.Builder
}

func startServe(t testing.TB, env ...string) *serveProc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &serveProc{url: "http://" + addr, log: &strings.Builder{}}
	p.cmd = exec.Command(binary(t), "--data-dir", t.TempDir(), "serve", "--addr", addr)
	// Repositories are served on loopback over http by the test: the
	// operator settings that allow exactly that.
	p.cmd.Env = append(os.Environ(), append([]string{"ALLOWED_GIT_HOSTS=*", "ALLOW_HTTP_GIT=true", "ALLOW_PRIVATE_GIT_HOSTS=true", "SECRET_KEY=" + testSecret}, env...)...)
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(p.url + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not start: %s", p.log)
	return nil
}

func (p *serveProc) get(t *testing.T, path string, out any) *http.Response {
	t.Helper()
	resp, err := http.Get(p.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return resp
}

type summaryMeta struct {
	Summary struct {
		Stats    struct{ TotalCommits int }
		Metadata struct {
			Cached     bool   `json:"cached"`
			DataSource string `json:"dataSource"`
		}
	}
}

func TestServeSharesRedisAndSurvivesItsOutage(t *testing.T) {
	rs := testredis.Start(t)
	repo := sampleRepo(t)
	bare := t.TempDir() + "/sample.git"
	if _, err := testrepo.Run(repo.Dir, nil, nil, "clone", "-q", "--bare", repo.Dir, bare); err != nil {
		t.Fatal(err)
	}
	path := "/api/repositories/summary?repoUrl=" + url.QueryEscape(testrepo.ServeHTTP(t, bare))
	env := []string{"REDIS_URL=" + rs.URL(), "RATE_LIMIT=6", "WINDOW_SECONDS=30"}
	a, b := startServe(t, env...), startServe(t, env...)

	var s summaryMeta
	resp := a.get(t, path, &s)
	if resp.StatusCode != 200 || s.Summary.Stats.TotalCommits != 2 || s.Summary.Metadata.Cached {
		t.Fatalf("first answer: %d %+v", resp.StatusCode, s)
	}
	// The start-up /healthz probes of both servers are not counted.
	if resp.Header.Get("X-RateLimit-Limit") != "6" || resp.Header.Get("X-RateLimit-Remaining") != "5" || resp.Header.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("rate-limit headers %v", resp.Header)
	}
	// The first process writes its answer to Redis in the background.
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	waitFor(t, func() bool {
		keys, _ := rdb.Keys(context.Background(), "gitpulse:cache:*").Result()
		return len(keys) > 0
	})
	// The other process answers from the shared Redis tier, counted in
	// its /metrics: at once, or, when its first answer comes from a
	// commits-only index (its line statistics not read in time), once
	// they are.
	waitFor(t, func() bool {
		var s2 summaryMeta
		b.get(t, path, &s2)
		resp, err := http.Get(b.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return s2.Summary.Metadata.Cached && s2.Summary.Metadata.DataSource == "cache" &&
			strings.Contains(string(metrics), `gitpulse_cache_hits_total{tier="redis"} 1`)
	})

	// Both processes draw on one rate-limit budget of 6.
	codes := []int{}
	for i := 0; i < 8; i++ {
		p := a
		if i%2 == 1 {
			p = b
		}
		codes = append(codes, p.get(t, path, nil).StatusCode)
	}
	if codes[len(codes)-1] != http.StatusTooManyRequests {
		t.Fatalf("status codes across two servers %v: the shared limit of 6 was not enforced", codes)
	}
	r429 := a.get(t, path, nil)
	if r429.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}

	// Redis goes away: the API keeps answering from local tiers and limits.
	rs.Stop()
	for i := 0; i < 3; i++ {
		start := time.Now()
		resp := a.get(t, "/api/repositories/contributors?repoUrl="+strings.TrimPrefix(path, "/api/repositories/summary?repoUrl="), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("with Redis down: status %d\n%s", resp.StatusCode, a.log)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("with Redis down a request took %v", d)
		}
	}

	// Sessions live in Redis: with it down a session endpoint says so with
	// 503 and Retry-After (it said 500), naming no address.
	resp, err := http.Get(a.url + "/repos?session_id=AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "sessions are unavailable") || strings.Contains(string(body), "127.0.0.1") {
		t.Fatalf("session endpoint with Redis down: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	// SIGTERM: a clean exit.
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, a.log)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	if strings.Contains(a.log.String(), "panic") {
		t.Fatalf("panic in the log:\n%s", a.log)
	}
	// go-redis's own complaints about the outage go through the JSON log.
	for line := range strings.Lines(a.log.String()) {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %s", line)
		}
	}
}

// TestServeBehindATrustedProxy: with TRUSTED_PROXIES naming the peer (the
// test, on loopback), 35 clients with distinct X-Forwarded-For addresses
// get 35 buckets in Redis (before: 30 x 200, 5 x 429 in one key), and one
// client is still limited.
func TestServeBehindATrustedProxy(t *testing.T) {
	rs := testredis.Start(t)
	p := startServe(t, "REDIS_URL="+rs.URL(), "RATE_LIMIT=30", "WINDOW_SECONDS=60", "TRUSTED_PROXIES=127.0.0.0/8,::1")
	get := func(client string) int {
		req, _ := http.NewRequest("GET", p.url+"/api/openapi.json", nil)
		req.Header.Set("X-Forwarded-For", "192.0.2.1, "+client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	codes := map[int]int{}
	for i := range 35 {
		codes[get(fmt.Sprintf("198.51.100.%d", i+1))]++
	}
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "gitpulse:rl:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if codes[200] != 35 || len(keys) != 35 {
		t.Fatalf("35 forwarded clients: statuses %v in %d Redis keys, want 35 x 200 in 35 keys", codes, len(keys))
	}
	for range 29 {
		get("198.51.100.1")
	}
	if code := get("198.51.100.1"); code != http.StatusTooManyRequests {
		t.Fatalf("the 31st request of one forwarded client: status %d, want 429", code)
	}
	// Stop the process before reading its log (written by exec's copier).
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
	if !strings.Contains(p.log.String(), `"client":"198.51.100.1"`) {
		t.Fatalf("the access log does not name the forwarded client:\n%s", grepLines(p.log.String(), `"request"`))
	}
}

// testSecret signs the test servers' sessions.
const testSecret = "0123456789abcdef0123456789abcdef-test"

// TestServeStartsWithNoSettings: with an empty environment (only PATH,
// to find git, and HOME, for the default data directory) serve starts,
// serves the dashboard, makes its session key once (mode 0600) and says
// where in its first log line; a restart reuses the key.
func TestServeStartsWithNoSettings(t *testing.T) {
	home := t.TempDir()
	keyFile := filepath.Join(home, ".local", "share", "gitpulse", "secret.key")
	var key []byte
	for run := range 2 {
		cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
		s := startLogged(t, cmd)
		if !strings.Contains(s.first, keyFile) || strings.Contains(s.first, "(created)") != (run == 0) {
			t.Errorf("run %d: the first log line does not say where the key is (%s): %s", run, keyFile, s.first)
		}
		resp, err := http.Get("http://" + s.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "/assets/main.js") {
			t.Errorf("run %d: GET /: %d %s", run, resp.StatusCode, body)
		}
		s.stop(t)

		fi, err := os.Stat(keyFile)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("run %d: key file %v, %v; want mode 0600", run, fi, err)
		}
		b, err := os.ReadFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 && !bytes.Equal(b, key) {
			t.Fatal("the restart replaced the key: sessions would not survive it")
		}
		key = b
	}
}

// TestServeRefusesADamagedKeyFile: a key file that is not a key stops serve
// with what to do, and is left for the operator to look at; SECRET_KEY
// wins over it.
func TestServeRefusesADamagedKeyFile(t *testing.T) {
	data := t.TempDir()
	keyFile := filepath.Join(data, "secret.key")
	if err := os.WriteFile(keyFile, []byte("half a ke"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "--data-dir", data, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = withoutEnv("SECRET_KEY")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), keyFile+" is damaged") || !strings.Contains(string(out), "delete it") {
		t.Fatalf("err %v: %s", err, out)
	}
	if b, _ := os.ReadFile(keyFile); string(b) != "half a ke" {
		t.Fatal("the damaged key file was changed")
	}
	cmd = exec.Command(binary(t), "--data-dir", data, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(withoutEnv("SECRET_KEY"), "SECRET_KEY="+testSecret)
	s := startLogged(t, cmd)
	if !strings.Contains(s.first, `sessions_key:SECRET_KEY`) || strings.Contains(s.first, testSecret) {
		t.Errorf("the first log line does not say the key is SECRET_KEY, or shows it: %s", s.first)
	}
	s.stop(t)
}

// TestServeAccessLogLines: the log of serve, buffered on its way to
// standard error, has a whole JSON line for each of 300 requests made by
// 30 clients at once, each client's in the order it made them; the lines
// reach standard error while the process goes on running (nothing asks for
// them), and the lines logged at SIGTERM are written out at exit.
func TestServeAccessLogLines(t *testing.T) {
	cmd := exec.Command(binary(t), "--data-dir", t.TempDir(), "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(withoutEnv("SECRET_KEY", "RATE_LIMIT"), "SECRET_KEY="+testSecret, "RATE_LIMIT=100000")
	s := startLogged(t, cmd)
	lines := make(chan string, 1024)
	go func() {
		for s.lines.Scan() {
			lines <- s.lines.Text()
		}
		close(lines)
	}()
	const clients, each = 30, 10
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				req, _ := http.NewRequest("GET", "http://"+s.addr+"/healthz", nil)
				req.Header.Set("X-Request-ID", fmt.Sprintf("c%d-%d", c, i))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	next := make([]int, clients)
	var ends []string // msg of each line after the requests'
	read := func(line string) {
		var rec struct {
			Msg       string
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not whole JSON: %v: %s", err, line)
		}
		var c, i int
		if _, err := fmt.Sscanf(rec.RequestID, "c%d-%d", &c, &i); rec.Msg != "request" || err != nil {
			ends = append(ends, rec.Msg)
			return
		}
		if i != next[c] {
			t.Fatalf("client %d: request %d logged after %d", c, i, next[c]-1)
		}
		next[c]++
	}
	deadline := time.After(2 * time.Second)
	for seen := 0; seen < clients*each; {
		select {
		case line := <-lines:
			read(line)
			seen = 0
			for _, n := range next {
				seen += n
			}
		case <-deadline:
			t.Fatalf("2 s after the requests, the log has %v of each client's %d lines", next, each)
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for line := range lines {
		read(line)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if !slices.Contains(ends, "shutting down") {
		t.Fatalf("the lines logged at SIGTERM were lost: after the requests, only %q", ends)
	}
}

// loggedServe is a serve process whose JSON log the test reads.
type loggedServe struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
	addr  string // where it listens
	first string // its first log line
}

// startDeadline bounds how long startLogged waits for serve to listen.
const startDeadline = time.Minute

// startLogged starts cmd (a serve listening on port 0) and reads its log
// up to the line that says where it listens; every line must be JSON.
func startLogged(t *testing.T, cmd *exec.Cmd) *loggedServe {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	s := &loggedServe{cmd: cmd, lines: bufio.NewScanner(stderr)}
	// A serve that never logs "listening" (its log held back, say) is
	// killed, which ends the scan, instead of hanging the test.
	late := time.AfterFunc(startDeadline, func() { _ = cmd.Process.Kill() })
	defer late.Stop()
	var logged []string
	for s.addr == "" && s.lines.Scan() {
		var line map[string]any
		if err := json.Unmarshal(s.lines.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %s", s.lines.Text())
		}
		logged = append(logged, fmt.Sprint(line))
		if line["msg"] == "listening" {
			s.addr, _ = line["addr"].(string)
		}
	}
	if s.addr == "" {
		t.Fatalf("serve did not log \"listening\" within %v: %v", startDeadline, logged)
	}
	s.first = logged[0]
	return s
}

// stop sends SIGTERM and checks that the rest of the log is JSON and the
// exit clean.
func (s *loggedServe) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for s.lines.Scan() {
		if !json.Valid(s.lines.Bytes()) {
			t.Errorf("a log line is not JSON: %s", s.lines.Text())
		}
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// withoutEnv is the environment minus the named variables.
func withoutEnv(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			env = append(env, kv)
		}
	}
	return env
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	cmd := exec.Command(binary(t), "--data-dir", t.TempDir(), "serve")
	cmd.Env = append(os.Environ(), "PORT=70000", "RATE_LIMIT=0", "REDIS_URL=nonsense://x", "ALLOW_HTTP_GIT=perhaps", "TRUSTED_PROXIES=10.0.0.0/8,proxy.internal")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("err %v, want exit 2: %s", err, out)
	}
	if !strings.Contains(string(out), "ALLOW_HTTP_GIT") {
		t.Fatalf("output does not name the bad setting: %s", out)
	}
	cmd = exec.Command(binary(t), "--data-dir", t.TempDir(), "serve")
	cmd.Env = append(os.Environ(), "TRUSTED_PROXIES=10.0.0.0/8,proxy.internal")
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), `TRUSTED_PROXIES: "proxy.internal" is not a CIDR prefix`) {
		t.Fatalf("output does not name the bad proxy entry: %s", out)
	}
}

// waitFor polls ok every 100 ms for up to 30 s (a loaded CI machine may
// take that long to index a repository) and fails the test if it never
// holds.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if ok() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met in 30 s")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServeFinishesRequestsInFlightOnSIGTERM sends SIGTERM while a churn
// request waits for a new repository's line statistics: the request still
// gets its answer, and the process exits cleanly.
func TestServeFinishesRequestsInFlightOnSIGTERM(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 4000})
	repo := url.QueryEscape(testrepo.ServeHTTP(t, dir))
	p := startServe(t, "REQUEST_TIMEOUT=120s")
	got := make(chan int, 1)
	go func() {
		resp, err := http.Get(p.url + "/api/repositories/churn?repoUrl=" + repo)
		if err != nil {
			got <- -1
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond) // the request is in flight
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-got:
		if code != 200 {
			t.Fatalf("request in flight at SIGTERM got %d\n%s", code, p.log)
		}
	case <-time.After(100 * time.Second):
		t.Fatal("the request in flight never finished")
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log)
	}
}

// TestServeAnswersWhatTheShutdownGraceCutsOff: a request still waiting
// when SHUTDOWN_GRACE runs out (here for a git host that never answers)
// gets 503 with Retry-After instead of a dropped connection (it got 499
// and the process exit status 1), and the process exits 0.
func TestServeAnswersWhatTheShutdownGraceCutsOff(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered, until the test ends
		}
	}()
	p := startServe(t, "REQUEST_TIMEOUT=120", "SHUTDOWN_GRACE=1")
	repo := url.QueryEscape("http://" + silent.Addr().String() + "/never.git")
	type answer struct {
		status int
		retry  string
		body   string
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(p.url + "/api/repositories/summary?repoUrl=" + repo)
		if err != nil {
			got <- answer{status: -1, body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
	}()
	time.Sleep(500 * time.Millisecond) // the request is in flight
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-got:
		if a.status != http.StatusServiceUnavailable || a.retry == "" || !strings.Contains(a.body, "shutting down") {
			t.Fatalf("request cut off at shutdown: %d Retry-After %q %s\n%s", a.status, a.retry, a.body, p.log)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the request in flight was never answered\n%s", p.log)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log)
	}
}

func TestServeShowsTheDashboard(t *testing.T) {
	p := startServe(t)
	resp, err := http.Get(p.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "/assets/main.js") {
		t.Fatalf("GET /: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("dashboard CSP %q", csp)
	}
}

// TestServeSessionsAcrossInstances: two serve processes sharing a Redis
// (and SECRET_KEY): a session opened on one is used on the other, by its
// JWT and by its id.
func TestServeSessionsAcrossInstances(t *testing.T) {
	rs := testredis.Start(t)
	gh := testforge.GitHub(t)
	env := []string{"REDIS_URL=" + rs.URL(), "GITHUB_API_URL=" + gh.URL}
	a, b := startServe(t, env...), startServe(t, env...)
	resp, err := http.Post(a.url+"/pat", "application/json", strings.NewReader(`{"provider": "github", "token": "`+testforge.GitHubToken+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		SessionID string `json:"session_id"`
		Token     string `json:"token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&in)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || in.Token == "" {
		t.Fatalf("sign in on the first instance: %d %v %+v", resp.StatusCode, err, in)
	}
	for name, req := range map[string]func() *http.Request{
		"Bearer JWT": func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, b.url+"/repos", nil)
			r.Header.Set("Authorization", "Bearer "+in.Token)
			return r
		},
		"session_id": func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, b.url+"/repos?session_id="+in.SessionID, nil)
			return r
		},
	} {
		resp, err := http.DefaultClient.Do(req())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"full_name":"octo/app"`) {
			t.Fatalf("the session used on the other instance (%s): %d %s", name, resp.StatusCode, body)
		}
	}
}

// TestServeSignsInToGitHub: the real binary, pointed at a GitHub by
// GITHUB_API_URL, checks a token there and counts the calls in /metrics.
func TestServeSignsInToGitHub(t *testing.T) {
	gh := testforge.GitHub(t)
	p := startServe(t, "GITHUB_API_URL="+gh.URL)
	resp, err := http.Post(p.url+"/pat", "application/json", strings.NewReader(`{"provider": "github", "token": "`+testforge.GitHubToken+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"username":"octocat"`) {
		t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(p.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `gitpulse_provider_requests_total{code="200",host="` + strings.TrimPrefix(gh.URL, "http://") + `"} 1`
	if !strings.Contains(string(metrics), want) {
		t.Fatalf("/metrics lacks %s:\n%s", want, grepLines(string(metrics), "provider"))
	}
	// Read the log once the server has stopped writing it.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	if strings.Contains(p.log.String(), testforge.GitHubToken) {
		t.Fatal("the token is in the server's log")
	}
}
