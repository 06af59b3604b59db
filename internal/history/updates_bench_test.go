package history_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// BenchmarkUpdates follows a large local repository as serve does while
// its branch moves forward 100 commits at a time (issue 12 item 5): it
// loads the saved index of HEAD~1000, then moves the branch ten times and
// waits for each refresh (extension, view, save) to end. It reports the
// median refresh, the process's resident memory (VmRSS) after the load and
// after the ten updates, each read 2 s after the work ended, and the
// median time to extend the loaded index by 100 commits and save it
// (Builder.UpdateUnshared and Save, as the command line does).
//
// The repository is GITPULSE_BENCH_REPO (skipped when unset), e.g. one of
// 1M commits made by the generator in scripts/. Its first run builds the
// index of HEAD~1000 (minutes at 1M) and keeps it, with a shared clone
// whose branch is moved, under $TMPDIR/gitpulse-bench-updates-*:
//
//	GITPULSE_BENCH_REPO=/tmp/1m.git go test -run '^$' -bench Updates -benchtime 1x ./internal/history/
func BenchmarkUpdates(b *testing.B) {
	src := os.Getenv("GITPULSE_BENCH_REPO")
	if src == "" {
		b.Skip("set GITPULSE_BENCH_REPO to a large repository to run this benchmark")
	}
	const updates, step = 10, 100
	sum := sha256.Sum256([]byte(src))
	work := filepath.Join(os.TempDir(), fmt.Sprintf("gitpulse-bench-updates-%s-v%d", hex.EncodeToString(sum[:6]), index.FormatVersion))
	repo, saved := filepath.Join(work, "repo.git"), filepath.Join(work, "saved-indexes")
	git := func(args ...string) string {
		out, err := testrepo.Run(repo, nil, nil, args...)
		if err != nil {
			b.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(repo); err != nil {
		if _, err := testrepo.Run(src, nil, nil, "clone", "-q", "--bare", "--shared", src, repo); err != nil {
			b.Fatal(err)
		}
		// The source's head is kept under a ref of our own: the branch moves.
		git("update-ref", "refs/bench/head", "HEAD")
	}
	branch := git("symbolic-ref", "--short", "HEAD")
	at := func(k int) string { return git("rev-parse", fmt.Sprintf("refs/bench/head~%d", k)) }
	data := filepath.Join(work, "data")
	git("update-ref", "refs/heads/"+branch, at(updates*step))
	if _, err := os.Stat(saved); err != nil {
		b.Logf("building the index of %s (once)", at(updates*step))
		s := newService(b, data, history.Options{})
		r, err := s.Open(context.Background(), repo, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.WaitStats(context.Background()); err != nil {
			b.Fatal(err)
		}
		waitIdle(r)
		s.Close()
		if err := os.Rename(filepath.Join(data, "indexes"), saved); err != nil {
			b.Fatal(err)
		}
	}
	for range b.N {
		if err := os.RemoveAll(data); err != nil {
			b.Fatal(err)
		}
		copyDir(b, saved, filepath.Join(data, "indexes"))
		git("update-ref", "refs/heads/"+branch, at(updates*step))
		s := newService(b, data, history.Options{FetchInterval: time.Hour})
		r, err := s.Open(context.Background(), repo, nil)
		if err != nil {
			b.Fatal(err)
		}
		v, err := r.WaitStats(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		waitIdle(r)
		time.Sleep(2 * time.Second)
		rssLoad := vmRSS(b)
		var took []time.Duration
		for k := updates - 1; k >= 0; k-- {
			want := v.Index().Len() + step
			git("update-ref", "refs/heads/"+branch, at(k*step))
			time.Sleep(1100 * time.Millisecond) // a local HEAD is checked once a second
			t0 := time.Now()
			for {
				if r, err = s.Open(context.Background(), repo, nil); err != nil {
					b.Fatal(err)
				}
				waitIdle(r)
				if v, err = r.WaitStats(context.Background()); err != nil {
					b.Fatal(err)
				}
				if v.Index().Len() >= want {
					break
				}
			}
			took = append(took, time.Since(t0))
		}
		time.Sleep(2 * time.Second)
		rssAfter := vmRSS(b)
		s.Close()
		slices.Sort(took)
		b.ReportMetric(took[len(took)/2].Seconds(), "s/refresh")
		wall, cpu := extendTime(b, repo, saved, at((updates-1)*step))
		b.ReportMetric(wall.Seconds(), "s/extend")
		b.ReportMetric(cpu.Seconds(), "s-cpu/extend")
		b.ReportMetric(float64(rssLoad)/1024, "MB-rss-load")
		b.ReportMetric(float64(rssAfter)/1024, "MB-rss-after")
		b.ReportMetric(float64(rssAfter)/float64(rssLoad), "rss-ratio")
	}
}

// extendTime is the median time of extending the saved index by the
// commits up to head and saving it (Builder.UpdateUnshared and Save, as
// the command line does after loading it), in wall time and in CPU time
// (this process's and git's).
func extendTime(b *testing.B, repo, saved, head string) (wall, cpu time.Duration) {
	files, _ := filepath.Glob(filepath.Join(saved, "*.idx"))
	if len(files) != 1 {
		b.Fatalf("saved indexes: %v", files)
	}
	g, err := gitcli.New(context.Background(), gitcli.Options{Home: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	builder := &index.Builder{Git: g, Rev: head}
	var walls, cpus []time.Duration
	for range 5 {
		// Each time from the saved base alone, loaded anew and extended
		// as the command line does (an index loaded and not yet shared
		// is written over).
		dir := b.TempDir()
		copyDir(b, saved, dir)
		old, err := index.Load(files[0])
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC() // the loading's garbage is not the extension's
		c0, t0 := gitcli.CPUTime(), time.Now()
		x, _, err := builder.UpdateUnshared(context.Background(), repo, old, nil)
		if err == nil {
			err = x.Save(filepath.Join(dir, filepath.Base(files[0])))
		}
		if err != nil {
			b.Fatal(err)
		}
		walls, cpus = append(walls, time.Since(t0)), append(cpus, gitcli.CPUTime()-c0)
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return walls[2], cpus[2]
}

// waitIdle waits until no job refreshes r.
func waitIdle(r *history.Repo) {
	for r.Refreshing() {
		time.Sleep(5 * time.Millisecond)
	}
}

// vmRSS is this process's resident set size in KiB.
func vmRSS(b *testing.B) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: ", err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func copyDir(b *testing.B, from, to string) {
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		b.Fatal(err)
	}
}
