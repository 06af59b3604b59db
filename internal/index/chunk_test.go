package index

import "testing"

// TestChunked: the chunks cover every commit once, in order, about four
// per worker, none shorter than 256 commits but for a history of fewer.
func TestChunked(t *testing.T) {
	for _, tc := range []struct{ n, workers, chunks int }{
		{0, 2, 0}, {1, 2, 1}, {100, 2, 1}, {511, 2, 1}, {512, 2, 2}, {5000, 2, 8}, {81966, 2, 8}, {81966, 4, 16}, {300, 8, 1}, {2049, 8, 8},
	} {
		got := chunked(tc.n, tc.workers)
		if len(got) != tc.chunks {
			t.Errorf("chunked(%d, %d): %d chunks %v, want %d", tc.n, tc.workers, len(got), got, tc.chunks)
		}
		at := 0
		for _, c := range got {
			if c[0] != at || c[1] <= c[0] {
				t.Fatalf("chunked(%d, %d) = %v: not contiguous from 0", tc.n, tc.workers, got)
			}
			if len(got) > 1 && c[1]-c[0] < 256 {
				t.Errorf("chunked(%d, %d) = %v: a chunk shorter than 256 commits", tc.n, tc.workers, got)
			}
			at = c[1]
		}
		if at != tc.n {
			t.Errorf("chunked(%d, %d) covers %d commits", tc.n, tc.workers, at)
		}
	}
}
