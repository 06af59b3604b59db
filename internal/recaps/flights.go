package recaps

import (
	"context"
	"sync"
	"time"

	"github.com/gitpulse/gitpulse/internal/activity"
)

// Limits of activity listings run in the background.
const (
	// flightKeep is how long a finished listing answers repeated requests.
	flightKeep = time.Minute
	// flightLimit bounds a listing that no request waits for any more.
	flightLimit = 5 * time.Minute
)

// flights runs activity listings (which may ask a provider hundreds of
// times) apart from the requests that start them: a request that reaches
// its deadline answers 504 while its listing goes on, and the retry, or a
// concurrent identical request, gets the same listing, kept for
// flightKeep after it ends. Failed listings are not kept.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one listing, running or finished.
type flight struct {
	done  chan struct{}
	items []activity.Item
	err   error
	ended time.Time // set when done closes
}

// do returns the items of the listing under key, starting list if no
// listing is running or kept, and waiting until it ends or ctx does.
func (f *flights) do(ctx context.Context, key string, list func(context.Context) ([]activity.Item, error)) ([]activity.Item, error) {
	fl := f.start(key, list)
	select {
	case <-fl.done:
		return fl.items, fl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// start finds or starts the listing under key, dropping the expired.
func (f *flights) start(key string, list func(context.Context) ([]activity.Item, error)) *flight {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for k, fl := range f.m {
		if !fl.ended.IsZero() && now.Sub(fl.ended) > flightKeep {
			delete(f.m, k)
		}
	}
	if fl, ok := f.m[key]; ok {
		return fl
	}
	if f.m == nil {
		f.m = make(map[string]*flight)
	}
	fl := &flight{done: make(chan struct{})}
	f.m[key] = fl
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), flightLimit)
		defer cancel()
		items, err := list(ctx)
		f.mu.Lock()
		defer f.mu.Unlock()
		fl.items, fl.err, fl.ended = items, err, time.Now()
		if err != nil && f.m[key] == fl {
			delete(f.m, key) // a failure is not kept: the next request tries again
		}
		close(fl.done)
	}()
	return fl
}
