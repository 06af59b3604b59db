package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gitpulse/gitpulse/internal/testforge"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// binary builds cmd/gitpulse once for the package's tests.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gitpulse-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "gitpulse")
		// Stamped with the commit where the checkout is a git repository
		// (GOFLAGS may turn stamping off), as a release build is.
		out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binPath, "../../cmd/gitpulse").CombinedOutput()
		if err != nil {
			binErr = &buildError{string(out)}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct{ out string }

func (b *buildError) Error() string { return "go build: " + b.out }

// run runs the binary with a private data directory and returns stdout,
// stderr and the exit code.
func run(t *testing.T, dataDir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"--data-dir", dataDir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func sampleRepo(t *testing.T) *testrepo.Repo {
	r := testrepo.New(t)
	day := time.Now().UTC().AddDate(0, 0, -3).Truncate(24 * time.Hour)
	r.Commit(testrepo.Commit{Author: "Alice <alice@example.com>", Date: day, Message: "feat: start",
		Files: map[string][]byte{"main.go": []byte("package main\n"), "README.md": []byte("# x\n")}})
	r.Commit(testrepo.Commit{Author: "bob <bob@example.com>", Date: day.Add(time.Hour), Message: "fix: main",
		Files: map[string][]byte{"main.go": []byte("package main\n\nfunc main() {}\n")}})
	return r
}

func TestAnalyzeJSONMatchesAPIShapes(t *testing.T) {
	repo := sampleRepo(t)
	data := t.TempDir()

	out, stderr, code := run(t, data, "analyze", repo.Dir, "summary", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var summary struct {
		Summary struct {
			Stats struct {
				TotalCommits int    `json:"totalCommits"`
				Contributors int    `json:"contributors"`
				Status       string `json:"status"`
			} `json:"stats"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &summary); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, out)
	}
	if s := summary.Summary.Stats; s.TotalCommits != 2 || s.Contributors != 2 || s.Status != "active" {
		t.Fatalf("summary stats %+v", s)
	}

	out, stderr, code = run(t, data, "analyze", repo.Dir, "churn", "--json", "--extensions", ".GO")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var churn struct {
		ChurnData struct {
			Files []struct {
				Path      string `json:"path"`
				Additions int    `json:"additions"`
				Changes   int    `json:"changes"`
				Commits   int    `json:"commits"`
				RiskLevel string `json:"riskLevel"`
			} `json:"files"`
		} `json:"churnData"`
	}
	if err := json.Unmarshal([]byte(out), &churn); err != nil {
		t.Fatalf("churn JSON: %v\n%s", err, out)
	}
	f := churn.ChurnData.Files
	if len(f) != 1 || f[0].Path != "main.go" || f[0].Additions != 3 || f[0].Changes != 3 || f[0].Commits != 2 || f[0].RiskLevel != "low" {
		t.Fatalf("churn files %+v", f)
	}

	out, _, code = run(t, data, "analyze", repo.Dir, "commits", "--author", "ALICE")
	if code != 0 || !strings.Contains(out, "feat: start") || strings.Contains(out, "fix: main") {
		t.Fatalf("commits table (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, data, "analyze", repo.Dir, "contributors")
	if code != 0 || !strings.Contains(out, "Alice\nbob\n2 contributors") {
		t.Fatalf("contributors (exit %d):\n%s", code, out)
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	repo := sampleRepo(t)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown analysis", []string{"analyze", repo.Dir, "velocity"}, 2, "unknown analysis"},
		{"bad date", []string{"analyze", repo.Dir, "heatmap", "--from", "12/01/2024"}, 2, "--from must be an ISO 8601 date"},
		{"every error listed", []string{"analyze", repo.Dir, "commits", "--page", "0", "--limit", "500"}, 2, "--page must be from 1 to 1000, got 0; --limit must be from 1 to 100, got 500"},
		{"not a repository", []string{"analyze", t.TempDir(), "summary"}, 1, "not a git repository"},
		{"unknown flag", []string{"analyze", repo.Dir, "summary", "--colour"}, 2, "unknown flag"},
		{"ext transport", []string{"analyze", "ext::sh", "summary"}, 1, `transport "ext" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := run(t, t.TempDir(), c.args...)
			if code != c.code || !strings.Contains(stderr, c.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, c.code, c.msg)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace leaked: %s", stderr)
			}
		})
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// TestMain removes the built binary after the tests, and fails them if
// any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if binPath != "" {
			os.RemoveAll(filepath.Dir(binPath))
		}
		os.Exit(code)
	}))
}

func TestBadEnvironmentSetting(t *testing.T) {
	repo := sampleRepo(t)
	cmd := exec.Command(binary(t), "--data-dir", t.TempDir(), "analyze", repo.Dir, "summary")
	cmd.Env = append(os.Environ(), "GITPULSE_FETCH_INTERVAL=soon", "GITPULSE_MAX_MIRROR_MB=-3")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 {
		t.Fatalf("err = %v, want exit 2; output %s", err, out)
	}
	for _, want := range []string{`GITPULSE_FETCH_INTERVAL="soon"`, `GITPULSE_MAX_MIRROR_MB=-3`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output %q does not name %s", out, want)
		}
	}
}

func TestRecapCommand(t *testing.T) {
	repo := sampleRepo(t)
	from := time.Now().UTC().AddDate(0, 0, -10).Format(time.DateOnly)
	out, stderr, code := run(t, t.TempDir(), "recap", repo.Dir, "--from", from, "-n", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "\n- ") + strings.Count(out[:min(2, len(out))], "- "); n != 2 || !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
		t.Fatalf("want 2 bullets (the sample has more topics) ending in one newline, got %q", out)
	}
	// --sources lists the commits behind each bullet, as git has them.
	out, stderr, code = run(t, t.TempDir(), "recap", repo.Dir, "--from", from, "-n", "2", "--sources")
	text, sources, ok := strings.Cut(out, "\nSources:\n")
	if code != 0 || !ok || strings.Count(text, "\n- ")+strings.Count(text[:min(2, len(text))], "- ") != 2 {
		t.Fatalf("--sources: exit %d, %q %s", code, out, stderr)
	}
	bullets, commits := 0, 0
	for _, line := range strings.Split(strings.TrimSuffix(sources, "\n"), "\n") {
		if strings.HasPrefix(line, "bullet ") {
			bullets++
			continue
		}
		hash, subject, _ := strings.Cut(strings.TrimPrefix(line, "    "), " ")
		subject = subject[:strings.LastIndex(subject, " (+")]
		if got := repo.Git("log", "-1", "--format=%s", hash); got != subject {
			t.Errorf("source %q: git says %s has subject %q", line, hash, got)
		}
		commits++
	}
	if bullets != 2 || commits == 0 {
		t.Fatalf("--sources lists %d bullets and %d commits, want 2 and some: %q", bullets, commits, sources)
	}
	_, stderr, code = run(t, t.TempDir(), "recap", repo.Dir, "--from", from, "-n", "16")
	if code != 2 || !strings.Contains(stderr, "16") {
		t.Fatalf("-n 16: exit %d, %s", code, stderr)
	}
	// A pull-request description of a branch.
	head := repo.Git("symbolic-ref", "--short", "HEAD")
	repo.Git("checkout", "-q", "-b", "topic")
	repo.Commit(testrepo.Commit{Message: "feat: topic work", Files: map[string][]byte{"topic.go": []byte("package main\n")}})
	repo.Git("checkout", "-q", head)
	out, stderr, code = run(t, t.TempDir(), "recap", repo.Dir, "--mode", "pull_request", "--src", "topic", "--target", head)
	if code != 0 || !strings.Contains(out, "Topic work") || strings.Contains(out, "main") {
		t.Fatalf("pull request: exit %d: %s%s", code, out, stderr)
	}
	if _, stderr, code = run(t, t.TempDir(), "recap", repo.Dir, "--src", "topic"); code != 2 || !strings.Contains(stderr, "--target") {
		t.Fatalf("--src alone: exit %d: %s", code, stderr)
	}
	_, stderr, code = run(t, t.TempDir(), "recap", repo.Dir, "--from", "2020-01-01", "--to", "2020-01-02")
	if code != 1 || !strings.Contains(stderr, "no activity") {
		t.Fatalf("empty period: exit %d, %s", code, stderr)
	}
}

func TestRecapOverProvider(t *testing.T) {
	gh := testforge.GitHub(t)
	recapArgs := []string{"recap", "--provider", "GitHub", "--host", gh.URL, "--from", "2026-11-01", "--to", "2026-11-05", "-n", "3"}
	t.Setenv("GITPULSE_TOKEN", testforge.GitHubToken)
	out, stderr, code := run(t, t.TempDir(), recapArgs...)
	if code != 0 || !strings.Contains(stderr, "signed in to github as octocat") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, "- "); n != 3 || !strings.Contains(out, "Feature: Add search. (#7, 1 commit)") || strings.Count(out, "Add search") != 1 {
		t.Fatalf("want 3 bullets, pull request #7 once with its commit, got %q", out)
	}
	t.Setenv("GITPULSE_TOKEN", "ghp_wrong_secret")
	_, stderr, code = run(t, t.TempDir(), recapArgs...)
	if code != 1 || !strings.Contains(stderr, "Bad credentials") || strings.Contains(stderr, "ghp_wrong_secret") {
		t.Fatalf("bad token: exit %d: %s", code, stderr)
	}
	t.Setenv("GITPULSE_TOKEN", "")
	if _, stderr, code = run(t, t.TempDir(), recapArgs...); code != 2 || !strings.Contains(stderr, "GITPULSE_TOKEN") {
		t.Fatalf("no token: exit %d: %s", code, stderr)
	}
	if _, stderr, code = run(t, t.TempDir(), "recap", "--provider", "bitbucket"); code != 2 || !strings.Contains(stderr, "bitbucket") {
		t.Fatalf("unknown provider: exit %d: %s", code, stderr)
	}
}

// TestAnalyzeInsights runs the analyses beyond spec 002: their --json is
// the API's body, and authors needs no AUTHOR_STATS on the command line.
func TestAnalyzeInsights(t *testing.T) {
	repo := sampleRepo(t)
	data := t.TempDir()
	out, stderr, code := run(t, data, "analyze", repo.Dir, "activity", "--json", "--period", "month")
	var act struct {
		Activity struct {
			TimePeriod string `json:"timePeriod"`
			Data       []struct {
				Commits   int `json:"commits"`
				Additions int `json:"additions"`
				Authors   int `json:"authors"`
			} `json:"data"`
		} `json:"activity"`
	}
	if err := json.Unmarshal([]byte(out), &act); code != 0 || err != nil {
		t.Fatalf("activity (exit %d, %v): %s%s", code, err, out, stderr)
	}
	commits, added, authors := 0, 0, 0
	for _, p := range act.Activity.Data {
		commits, added, authors = commits+p.Commits, added+p.Additions, max(authors, p.Authors)
	}
	if act.Activity.TimePeriod != "month" || commits != 2 || added != 4 || authors != 2 {
		t.Errorf("activity %+v", act.Activity)
	}
	out, stderr, code = run(t, data, "analyze", repo.Dir, "authors", "--json")
	var au struct {
		Authors []struct {
			Name    string `json:"name"`
			Commits int    `json:"commits"`
		} `json:"authors"`
	}
	if err := json.Unmarshal([]byte(out), &au); code != 0 || err != nil || len(au.Authors) != 2 {
		t.Fatalf("authors (exit %d, %v): %s%s", code, err, out, stderr)
	}
	out, _, code = run(t, data, "analyze", repo.Dir, "punchcard")
	if code != 0 || !strings.Contains(out, "2 commits, in each author's own time zone") {
		t.Errorf("punchcard (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, data, "analyze", repo.Dir, "churn", "--group-by", "directory", "--limit", "1")
	if code != 0 || !strings.Contains(out, "DIRECTORY") || strings.Count(out, "main.go") != 1 || strings.Contains(out, "README.md") {
		t.Errorf("churn by directory (exit %d):\n%s", code, out)
	}
	// Alice: 1 line of main.go, 1 of README.md; bob: 2 of main.go.
	out, _, code = run(t, data, "analyze", repo.Dir, "ownership")
	if code != 0 || !strings.Contains(out, "Alice 50.0%, bob 50.0%") || !strings.Contains(out, "BUS FACTOR") {
		t.Errorf("ownership (exit %d):\n%s", code, out)
	}
	out, _, code = run(t, data, "analyze", repo.Dir, "coupling", "--min-shared", "1", "--exclude-bots", "--exclude", "*.txt")
	if code != 0 || !strings.Contains(out, "1 of 1 pairs sharing at least 1 commits, over 2 commits") || !strings.Contains(out, "100.0%") {
		t.Errorf("coupling (exit %d):\n%s", code, out)
	}
	if _, stderr, code := run(t, data, "analyze", repo.Dir, "coupling", "--max-files", "1", "--exclude", "a/[b"); code != 2 ||
		!strings.Contains(stderr, "--max-files must be from 2 to 10000") || !strings.Contains(stderr, "--exclude each pattern") {
		t.Errorf("bad coupling flags: exit %d: %s", code, stderr)
	}
}

// TestRecapReleaseTag: --mode release --tag writes the notes of that
// release since the release before it on its line, from the commits
// between the two tags; without --tag, since the latest feature release.
func TestRecapReleaseTag(t *testing.T) {
	repo := sampleRepo(t)
	repo.Git("tag", "v1.0.0")
	repo.Commit(testrepo.Commit{Message: "Add the frobnicator to the main loop", Files: map[string][]byte{"frob.go": []byte("package main\n")}})
	repo.Git("tag", "v1.1.0-rc0")
	repo.Commit(testrepo.Commit{Message: "Fix a crash in the frobnicator on empty input", Files: map[string][]byte{"frob.go": []byte("package main\n\n")}})
	repo.Git("tag", "v1.1.0")
	repo.Commit(testrepo.Commit{Message: "Support twisting in the frobnicator", Files: map[string][]byte{"twist.go": []byte("package main\n")}})
	data := t.TempDir()
	out, stderr, code := run(t, data, "recap", repo.Dir, "--mode", "release", "--tag", "v1.1.0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "### Features\n- Add the frobnicator to the main loop.\n") || !strings.Contains(out, "### Fixes\n- Fix a crash in the frobnicator on empty input.\n") ||
		strings.Contains(out, "twisting") || strings.Contains(out, "main.") {
		t.Errorf("release v1.1.0 (since v1.0.0, not the rc):\n%s", out)
	}
	out, _, code = run(t, data, "recap", repo.Dir, "--mode", "release")
	if code != 0 || !strings.Contains(out, "Support twisting") || strings.Contains(out, "crash") {
		t.Errorf("unreleased since v1.1.0: exit %d\n%s", code, out)
	}
	if _, stderr, code = run(t, data, "recap", repo.Dir, "--tag", "v1.1.0"); code != 2 || !strings.Contains(stderr, "--tag") {
		t.Errorf("--tag without --mode release: exit %d: %s", code, stderr)
	}
	if _, stderr, code = run(t, data, "recap", repo.Dir, "--mode", "release", "--tag", "v9.9.9"); code != 1 || !strings.Contains(stderr, "v9.9.9") {
		t.Errorf("unknown tag: exit %d: %s", code, stderr)
	}
}

// TestBenchRecap scores a release whose human notes the repository holds,
// as git.git keeps them: one of its two items has a topic, the other none.
func TestBenchRecap(t *testing.T) {
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Message: "initial", Files: map[string][]byte{"frob.c": []byte("1\n")}})
	r.Git("tag", "v1.0.0")
	r.Git("checkout", "-q", "-b", "ab/frob-twist")
	r.Commit(testrepo.Commit{Message: "frob: twist", Files: map[string][]byte{"frob.c": []byte("1\n2\n")}})
	r.Git("checkout", "-q", "main")
	r.Merge("ab/frob-twist", testrepo.Commit{Message: "Merge branch 'ab/frob-twist'\n\n\"git frob\" learned to twist what it frobs.\n\n* ab/frob-twist:\n  frob: twist\n"})
	r.Commit(testrepo.Commit{Message: "Git 1.1", Files: map[string][]byte{
		"Documentation/RelNotes/1.1.0.txt": []byte("Git 1.1 Release Notes\n\n * \"git frob\" learned to twist what it\n   frobs.\n\n * A change nobody made.\n")}})
	r.Git("tag", "v1.1.0")
	out, stderr, code := run(t, t.TempDir(), "bench", "recap", r.Dir, "--tags", "v1.1.0", "--show")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	row := regexp.MustCompile(`(?m)^v1\.1\.0\s+v1\.0\.0\s+2\s+1\s+1\s+0\s+50\.0%\s+100\.0%\s+0\s+held out$`)
	if !row.MatchString(out) || !strings.Contains(out, "  * A change nobody made.") {
		t.Errorf("want 2 human items, 1 bullet covering one, the other listed as uncovered:\n%s", out)
	}
}

// TestBench runs the benchmark on a small generated history, then again
// from the index it saved: the second run times only loading, the queries
// over every filter combination and the cold sequence.
func TestBench(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 300, MergeEvery: 7})
	idx := filepath.Join(t.TempDir(), "bench.idx")
	args := []string{"bench", dir, "--runs", "1", "--slow-runs", "1", "--back", "5", "--query-runs", "1", "--first-answer=false", "--index", idx, "--slowest", "2"}
	for k, want := range [][]string{
		{"full index (both passes)", "extend by 5 commits", "files; clone ", "query coupling", "queries: the worst p99", "cold: contributors, new filter"},
		{"load index", "query commits", "(120 runs, 120 filters)", "cold: churn, new filter"},
	} {
		out, stderr, code := run(t, t.TempDir(), args...)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", k, code, stderr)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("run %d: no %q in\n%s", k, w, out)
			}
		}
		// Each of the 11 queries names its 2 slowest cases.
		if n := strings.Count(stderr, ": best "); n != 22 || !strings.Contains(stderr, "churn limit") {
			t.Errorf("run %d: %d slowest cases noted, want 22:\n%s", k, n, stderr)
		}
		if rebuilt := strings.Contains(out, "full index"); rebuilt != (k == 0) {
			t.Errorf("run %d: index built %v, want only without a saved one:\n%s", k, rebuilt, out)
		}
	}
}
