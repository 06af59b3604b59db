package history_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestRecentWindowAnsweredBeforeTheWholeHistory: a never-seen repository
// mirrored commits only answers a query of its recent months from the
// line statistics read newest first, with git's numbers, while the
// mirror is not completed yet; a query of the whole history waits for
// the completion, and then agrees.
func TestRecentWindowAnsweredBeforeTheWholeHistory(t *testing.T) {
	src := testrepo.Generate(t, testrepo.Synthetic{Commits: 2600, MergeEvery: 7, Step: 12 * time.Hour})
	for _, kv := range [][2]string{{"uploadpack.allowFilter", "true"}, {"uploadpack.allowAnySHA1InWant", "true"}} {
		if _, err := testrepo.Run(src, nil, nil, "config", kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	release := make(chan struct{})
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	*history.BeforeComplete = func() { <-release }
	t.Cleanup(func() { *history.BeforeComplete = nil })
	s := newService(t, t.TempDir(), history.Options{})
	t.Cleanup(let) // before the service closes: its job waits for it

	r, err := s.Open(ctx(t), "file://"+src, nil)
	if err != nil {
		t.Fatal(err)
	}
	head := r.View().Index().AuthorDate(0)
	f := analytics.Filter{From: head.AddDate(0, -2, 0)}
	v, err := r.WaitStatsFor(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	if v.Index().HasStats {
		t.Fatal("the window was answered by a complete index although the mirror is not completed")
	}
	if p := r.Progress(); p.StatsSince == "" {
		t.Fatalf("progress %+v does not say which period the line statistics cover", p)
	} else if since, err := time.Parse(time.RFC3339, p.StatsSince); err != nil || since.After(f.From) {
		t.Fatalf("line statistics cover from %s, the window starts %s", p.StatsSince, f.From)
	}
	recent := v.Churn(f)
	if want := gitChurn(t, src, f.From); !sameChurn(recent, want) || len(want) == 0 {
		t.Fatalf("churn of the window %v, git %v", recent.Files, want)
	}

	short, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer cancel()
	if _, err := r.WaitStatsFor(short, analytics.Filter{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a whole-history query did not wait for the completion: %v", err)
	}
	let()
	all, err := r.WaitStatsFor(ctx(t), analytics.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !all.Index().HasStats {
		t.Fatal("the whole history was answered without all its line statistics")
	}
	if got := all.Churn(f); !sameChurn(got, gitChurn(t, src, f.From)) {
		t.Fatalf("churn of the window from the complete index %v", got.Files)
	}
	if got, want := all.Churn(analytics.Filter{}), gitChurn(t, src, time.Time{}); !sameChurn(got, want) {
		t.Fatalf("churn of the whole history %d files, git %d", len(got.Files), len(want))
	}
}

// gitChurn sums git log --numstat per path over the non-merge commits
// authored at or after from (all when zero).
func gitChurn(t *testing.T, dir string, from time.Time) map[string][3]int {
	t.Helper()
	out, err := testrepo.Run(dir, nil, nil, "log", "--no-merges", "--numstat", "--no-renames", "--format=%x00%at")
	if err != nil {
		t.Fatal(err)
	}
	churn := map[string][3]int{}
	for _, rec := range bytes.Split(out, []byte{0})[1:] {
		lines := strings.Split(strings.TrimSpace(string(rec)), "\n")
		at, _ := strconv.ParseInt(lines[0], 10, 64)
		if !from.IsZero() && at < from.Unix() {
			continue
		}
		for _, l := range lines[1:] {
			f := strings.Split(l, "\t")
			if len(f) != 3 {
				continue
			}
			a, _ := strconv.Atoi(f[0])
			d, _ := strconv.Atoi(f[1])
			c := churn[f[2]]
			churn[f[2]] = [3]int{c[0] + a, c[1] + d, c[2] + 1}
		}
	}
	return churn
}

func sameChurn(d analytics.ChurnData, want map[string][3]int) bool {
	if d.StatsPending || len(d.Files) != len(want) {
		return false
	}
	for _, f := range d.Files {
		if want[f.Path] != [3]int{f.Additions, f.Deletions, f.Commits} {
			return false
		}
	}
	return true
}

// TestHeadStartOnIdleCores: the clone of a never-seen repository gets a
// head start of the year read first where git's background commands run
// at SCHED_IDLE, on any number of cores; at nice 19 only on a machine of 4
// cores or more, and none on fewer, where it slowed the first summary.
func TestHeadStartOnIdleCores(t *testing.T) {
	for _, c := range []struct {
		cores int
		idle  bool
		want  bool
	}{{1, true, true}, {2, true, true}, {64, true, true},
		{1, false, false}, {2, false, false}, {3, false, false}, {4, false, true}, {64, false, true}} {
		got := history.HeadStart(c.cores, c.idle)
		if (got > 0) != c.want || (c.want && got < 365*24*time.Hour) {
			t.Errorf("head start on %d cores (SCHED_IDLE %v): %v", c.cores, c.idle, got)
		}
	}
}
