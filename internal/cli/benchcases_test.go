package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/index"
)

// BenchmarkCouplingCases times coupling on each of the bench's filter
// combinations (see benchCases) over the saved index GITPULSE_BENCH_INDEX
// names (skipped when unset), the pair lists made beforehand, and logs
// the slowest cases by their fastest run. With GITPULSE_BENCH_ANSWERS
// naming a file, it first writes every case's answer there as a line of
// JSON, to compare two builds' answers:
//
//	GITPULSE_BENCH_INDEX=/path/to/1m.idx go test -run '^$' -bench CouplingCases -benchtime 3x ./internal/cli/
func BenchmarkCouplingCases(b *testing.B) {
	path := os.Getenv("GITPULSE_BENCH_INDEX")
	if path == "" {
		b.Skip("set GITPULSE_BENCH_INDEX to a saved index to run this benchmark")
	}
	x, err := index.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	v := analytics.NewView(x)
	newest := time.Unix(x.AuthorTime[0], 0)
	cases := benchCases(v, newest)
	v.Coupling(analytics.Filter{}, analytics.CouplingOptions{}) // makes the pair lists
	if out := os.Getenv("GITPULSE_BENCH_ANSWERS"); out != "" {
		var buf strings.Builder
		for _, c := range cases {
			body, err := json.Marshal(v.Coupling(c.f, c.couple))
			if err != nil {
				b.Fatal(err)
			}
			buf.Write(body)
			buf.WriteByte('\n')
		}
		if err := os.WriteFile(out, []byte(buf.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	best := make([]time.Duration, len(cases))
	b.ResetTimer()
	for b.Loop() {
		for k, c := range cases {
			start := time.Now()
			v.Coupling(c.f, c.couple)
			if d := time.Since(start); best[k] == 0 || d < best[k] {
				best[k] = d
			}
		}
	}
	order := make([]int, len(cases))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return int(best[b] - best[a]) })
	var slowest strings.Builder
	for _, k := range order[:20] {
		fmt.Fprintf(&slowest, "\ncase %3d: %6.2f ms  %s", k, float64(best[k].Microseconds())/1000, describeCase(cases[k]))
	}
	b.Log(slowest.String())
}

// describeCase says what a bench case of coupling filters by.
func describeCase(c benchCase) string {
	f := c.f
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.DateOnly)
	}
	return fmt.Sprintf("authors %q %s..%s ext %q paths %q bots-out %t exclude %q minShared %d maxFiles %d",
		f.Authors, day(f.From), day(f.To), f.Extensions, f.Paths, f.ExcludeBots, f.Exclude, c.couple.MinShared, c.couple.MaxFiles)
}
