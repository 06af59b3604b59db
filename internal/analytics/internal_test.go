package analytics

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestRelativeTime(t *testing.T) {
	day := 24 * time.Hour
	for d, want := range map[time.Duration]string{
		-time.Hour:                    "in 1 hour (a date in the future)",
		-30 * time.Second:             "just now", // clock skew
		-74 * 365 * day:               "in 74 years (a date in the future)",
		0:                             "just now",
		59 * time.Second:              "just now",
		time.Minute:                   "1 minute ago",
		2 * time.Minute:               "2 minutes ago",
		time.Hour:                     "1 hour ago",
		23*time.Hour + 59*time.Minute: "23 hours ago",
		day:                           "1 day ago",
		29 * day:                      "29 days ago",
		30 * day:                      "1 month ago",
		364 * day:                     "12 months ago",
		365 * day:                     "1 year ago",
		800 * day:                     "2 years ago",
	} {
		if got := relativeTime(d); got != want {
			t.Errorf("relativeTime(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		created, now string
		want         Age
	}{
		{"2024-03-04T10:00:00Z", "2024-03-04T10:00:00Z", Age{0, 0, "0d"}},
		{"2024-03-04T10:00:00Z", "2024-03-03T10:00:00Z", Age{0, 0, "0d"}}, // clock skew
		{"2024-01-31T00:00:00Z", "2024-02-29T00:00:00Z", Age{0, 0, "29d"}},
		{"2024-01-31T00:00:00Z", "2024-03-02T00:00:00Z", Age{0, 1, "1mo"}},
		{"2023-03-04T10:00:00Z", "2024-03-04T09:59:59Z", Age{0, 11, "11mo"}},
		{"2023-03-04T10:00:00Z", "2024-03-04T10:00:00Z", Age{1, 0, "1y"}},
		{"2022-01-01T00:00:00Z", "2024-04-01T00:00:00Z", Age{2, 3, "2.3y"}},
		{"2005-04-07T22:13:13Z", "2026-11-01T00:00:00Z", Age{21, 6, "21.5y"}},
	}
	for _, tt := range tests {
		created, _ := time.Parse(time.RFC3339, tt.created)
		now, _ := time.Parse(time.RFC3339, tt.now)
		if got := *age(created, now); got != tt.want {
			t.Errorf("age(%s, %s) = %+v, want %+v", tt.created, tt.now, got, tt.want)
		}
	}
}

func TestSortByChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 100, 5000} {
		keys := make([]fileKey, n)
		for k := range keys {
			// Small values with many ties, and some beyond 32 bits.
			keys[k] = fileKey{changes: uint64(rng.IntN(50)), path: uint32(k)}
			if rng.IntN(10) == 0 {
				keys[k].changes = rng.Uint64() >> rng.IntN(64)
			}
		}
		want := slices.Clone(keys)
		slices.SortStableFunc(want, func(a, b fileKey) int { return cmp.Compare(b.changes, a.changes) })
		if got := sortByChanges(keys); !slices.Equal(got, want) {
			t.Errorf("n=%d: radix order differs from a stable sort", n)
		}
	}
}
