package recap

import (
	"fmt"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// BenchmarkTrimItems trims a year of a busy repository's activity (4,000
// commits, as git/git had in 2024) to the default token budget.
func BenchmarkTrimItems(b *testing.B) {
	g := modelGen(b, 0)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	items := make([]activity.Item, 4000)
	for i := range items {
		items[i] = activity.Item{Kind: activity.KindCommit, Repo: "git", Date: start.Add(time.Duration(i) * 2 * time.Hour),
			Message: fmt.Sprintf("reftable/block: handle allocation failures in case %d of the iterator", i)}
	}
	b.ResetTimer()
	for b.Loop() {
		kept, _ := g.TrimItems(items)
		if len(kept) == 0 || len(kept) == len(items) {
			b.Fatalf("kept %d of %d", len(kept), len(items))
		}
	}
}
