package recaps

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

func TestFlights(t *testing.T) {
	var f flights[[]activity.Item]
	var runs atomic.Int32
	ok := func(context.Context) ([]activity.Item, error) {
		runs.Add(1)
		return []activity.Item{{Kind: activity.KindCommit}}, nil
	}
	for range 3 {
		if items, err := f.do(context.Background(), "k", ok); err != nil || len(items) != 1 {
			t.Fatalf("do: %v %v", items, err)
		}
	}
	if runs.Load() != 1 {
		t.Fatalf("a kept listing ran %d times", runs.Load())
	}
	// A failure is not kept.
	boom := errors.New("boom")
	fails := func(context.Context) ([]activity.Item, error) { runs.Add(1); return nil, boom }
	runs.Store(0)
	for range 2 {
		if _, err := f.do(context.Background(), "bad", fails); !errors.Is(err, boom) {
			t.Fatalf("failing listing: %v", err)
		}
	}
	if runs.Load() != 2 {
		t.Fatalf("a failed listing was kept (%d runs)", runs.Load())
	}
	// An expired listing is dropped and runs again.
	f.mu.Lock()
	f.kept["k"] = listing[[]activity.Item]{items: f.kept["k"].items, ended: time.Now().Add(-2 * flightKeep)}
	f.mu.Unlock()
	runs.Store(0)
	if _, err := f.do(context.Background(), "k", ok); err != nil || runs.Load() != 1 {
		t.Fatalf("expired listing: %v, %d runs", err, runs.Load())
	}
	// A caller that gives up does not stop the listing.
	release := make(chan struct{})
	slow := func(ctx context.Context) ([]activity.Item, error) {
		<-release
		return nil, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.do(ctx, "slow", slow); !errors.Is(err, context.Canceled) {
		t.Fatalf("gave up: %v", err)
	}
	close(release)
	if items, err := f.do(context.Background(), "slow", slow); err != nil || items != nil {
		t.Fatalf("the listing's own context was cancelled with the caller's: %v", err)
	}
}

// Identical requests that arrive while a listing runs share it.
func TestFlightsShareRunningListing(t *testing.T) {
	var f flights[[]activity.Item]
	var runs atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	slow := func(context.Context) ([]activity.Item, error) {
		if runs.Add(1) == 1 {
			close(started)
		}
		<-release
		return []activity.Item{{Kind: activity.KindIssue}}, nil
	}
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			items, err := f.do(t.Context(), "k", slow)
			if err == nil && len(items) != 1 {
				err = errors.New("wrong items")
			}
			errs <- err
		}()
	}
	<-started
	time.Sleep(50 * time.Millisecond) // let the others join
	close(release)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if runs.Load() != 1 {
		t.Errorf("three identical requests ran %d listings, want 1", runs.Load())
	}
}
