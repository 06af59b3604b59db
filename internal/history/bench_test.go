package history_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// BenchmarkOpenWhileRefreshDue times answering from a mirrored repository
// (Open, as every request does), requests 20 ms apart, when no refresh is
// due and when one is due at every request (fetch interval 1 ns: a fetch
// over file:// and an update start behind nearly every answer). Stale
// while revalidating, the two should match: a due refresh adds no wait.
//
//	go test -run '^$' -bench OpenWhileRefreshDue -benchtime 200x ./internal/history/
func BenchmarkOpenWhileRefreshDue(b *testing.B) {
	src := testrepo.Generate(b, testrepo.Synthetic{Commits: 5000})
	for _, interval := range []time.Duration{time.Hour, time.Nanosecond} {
		b.Run(fmt.Sprintf("interval=%v", interval), func(b *testing.B) {
			s := newService(b, b.TempDir(), history.Options{FetchInterval: interval})
			url := "file://" + src
			ctx := context.Background()
			r, err := s.Open(ctx, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.WaitStats(ctx); err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				if _, err := s.Open(ctx, url, nil); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				b.StopTimer()
				time.Sleep(20 * time.Millisecond)
				b.StartTimer()
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
		})
	}
}
