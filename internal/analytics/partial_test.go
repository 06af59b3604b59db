package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// TestPartialStatsAnswerCoveredWindows: an index whose line statistics
// cover only its newest commits answers every query whose dates they
// cover exactly as the complete index does, on a history whose author
// dates go back and forth along git log's order, and refuses a query
// dated where an uncovered commit is.
func TestPartialStatsAnswerCoveredWindows(t *testing.T) {
	r := testrepo.New(t)
	base := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	const n = 60
	for i := range n {
		day := i + (i%5)*3 - (i%3)*4 // not monotonic
		fs := files(fmt.Sprintf("src/f%d.go", i%7), fmt.Sprintf("package f\n// %d\n%s", i, lines(i%9)),
			fmt.Sprintf("doc/d%d.md", i%3), lines(i%4+i/10))
		if i%11 == 5 {
			fs[fmt.Sprintf("src/f%d.go", (i+3)%7)] = nil
		}
		if i%13 == 2 {
			fs["bin/blob.bin"] = []byte{0, 1, 2, byte(i)}
		}
		r.Commit(testrepo.Commit{Date: base.AddDate(0, 0, day), Author: fmt.Sprintf("A%d <a%d@example.com>", i%4, i%4), Files: fs})
	}
	ctx := context.Background()
	g, gitDir := mustGit(t, r.Dir)
	b := &index.Builder{Git: g, Workers: 2}
	meta, err := b.Metadata(ctx, gitDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := b.LineStats(ctx, gitDir, meta)
	if err != nil {
		t.Fatal(err)
	}
	whole := analytics.NewView(full)
	now := base.AddDate(0, 3, 0)
	answered, waited := 0, 0 // activity without dates, over all steps
	for _, steps := range [][]int{{5}, {10, 30}, {45}} {
		x := meta
		for _, k := range steps {
			if x, err = b.MoreStats(ctx, gitDir, x, k); err != nil {
				t.Fatal(err)
			}
		}
		k := steps[len(steps)-1]
		if x.HasStats || x.Covered() != k {
			t.Fatalf("steps %v: HasStats %t, covered %d", steps, x.HasStats, x.Covered())
		}
		v := analytics.NewView(x)
		if v.Stats() || v.StatsFor(analytics.Filter{}) != nil {
			t.Fatalf("steps %v: the partial view answers the whole history with line statistics", steps)
		}
		covered, refused := 0, 0
		for d := -5; d < n+20; d++ {
			from := base.AddDate(0, 0, d)
			for _, f := range []analytics.Filter{{From: from}, {From: from, To: from.AddDate(0, 0, 10)},
				{From: from, Extensions: []string{"go"}, Exclude: []string{"doc/"}, Authors: []string{"a1@"}}} {
				sv := v.StatsFor(f)
				if sv == nil {
					refused++
					if !uncoveredSince(x, k, from) {
						t.Fatalf("steps %v: from %s refused though no uncovered commit is dated since", steps, from)
					}
					continue
				}
				covered++
				same(t, fmt.Sprintf("steps %v from %s churn", steps, from), sv.Churn(f), whole.Churn(f))
				same(t, "activity", sv.Activity(f, "", now), whole.Activity(f, "", now))
				same(t, "authors", sv.Authors(f), whole.Authors(f))
				same(t, "ownership", sv.Ownership(f, 1), whole.Ownership(f, 1))
				same(t, "coupling", sv.Coupling(f, analytics.CouplingOptions{MinShared: 1}), whole.Coupling(f, analytics.CouplingOptions{MinShared: 1}))
				same(t, "commits", sv.Commits(f, 1, 100), whole.Commits(f, 1, 100))
			}
		}
		// Activity without dates reads the year to now: it is answered
		// once that year is covered, as the complete index answers it.
		for d := 300; d < 460; d++ {
			at := base.AddDate(0, 0, d)
			sv := v.StatsFor(analytics.ActivityWindow(analytics.Filter{}, at))
			if sv == nil {
				waited++
				continue
			}
			a := sv.Activity(analytics.Filter{}, "", at)
			if a.Metadata.TotalCommits > 0 {
				answered++
			}
			same(t, fmt.Sprintf("steps %v activity to %s", steps, at), a, whole.Activity(analytics.Filter{}, "", at))
		}
		if covered == 0 || refused == 0 {
			t.Fatalf("steps %v: %d windows covered, %d refused: the test checks nothing", steps, covered, refused)
		}
		// Reading the rest from the partial index ends where a full read does.
		rest, err := b.LineStats(ctx, gitDir, x)
		if err != nil {
			t.Fatal(err)
		}
		if !rest.HasStats {
			t.Fatal("LineStats from a partial index left it partial")
		}
		same(t, "completed churn", analytics.NewView(rest).Churn(analytics.Filter{}), whole.Churn(analytics.Filter{}))
		same(t, "completed commits", analytics.NewView(rest).Commits(analytics.Filter{}, 1, n), whole.Commits(analytics.Filter{}, 1, n))
	}
	if answered == 0 || waited == 0 {
		t.Fatalf("activity without dates answered %d times with commits, waited %d times: the test checks nothing", answered, waited)
	}
}

// uncoveredSince reports whether a commit of x at position k or past it
// has an author date at or after from.
func uncoveredSince(x *index.Index, k int, from time.Time) bool {
	for i := k; i < x.Len(); i++ {
		if x.AuthorTime[i] >= from.Unix() {
			return true
		}
	}
	return false
}

// same fails the test if a and b differ as JSON.
func same(t *testing.T, what string, a, b any) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ja) != string(jb) {
		t.Fatalf("%s differs:\n partial %s\n whole   %s", what, ja, jb)
	}
}

// lines returns n numbered lines.
func lines(n int) string {
	s := ""
	for l := range n {
		s += fmt.Sprintf("line %d\n", l)
	}
	return s
}
