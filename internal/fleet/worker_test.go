package fleet

import (
	"testing"
	"time"
)

func TestBackoffDoublesToFiveMinutes(t *testing.T) {
	for n, want := range map[int]time.Duration{0: 2 * time.Second, 1: 4 * time.Second, 2: 8 * time.Second, 7: 256 * time.Second, 8: 5 * time.Minute, 1000: 5 * time.Minute} {
		if got := Backoff(n, nil, nil); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}
