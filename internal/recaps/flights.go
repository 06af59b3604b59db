package recaps

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Limits of activity listings run in the background.
const (
	// flightKeep is how long a finished listing answers repeated requests.
	flightKeep = time.Minute
	// flightLimit bounds a listing that no request waits for any more.
	flightLimit = 5 * time.Minute
)

// flights runs provider listings (activity, which may ask a provider
// hundreds of times, and repositories, page after page) apart from the
// requests that start them: a request that reaches its deadline answers
// 504 while its listing goes on, and the retry, or a concurrent identical
// request, gets the same listing (one singleflight call per key), kept for
// flightKeep after it ends. Failed listings are not kept.
type flights[T any] struct {
	group singleflight.Group

	mu   sync.Mutex
	kept map[string]listing[T]
}

// listing is a finished listing's result and when it ended.
type listing[T any] struct {
	items T
	ended time.Time
}

// do returns the items of the listing under key, starting list if no
// listing is running or kept, and waiting until it ends or ctx does. list
// gets ctx's values but neither its cancellation nor its deadline: it runs
// for flightLimit at most.
func (f *flights[T]) do(ctx context.Context, key string, list func(context.Context) (T, error)) (T, error) {
	if items, ok := f.lookup(key); ok {
		return items, nil
	}
	detached := context.WithoutCancel(ctx)
	ch := f.group.DoChan(key, func() (any, error) {
		if items, ok := f.lookup(key); ok {
			return items, nil // kept by a listing that just ended
		}
		ctx, cancel := context.WithTimeout(detached, flightLimit)
		defer cancel()
		items, err := list(ctx)
		if err == nil {
			f.keep(key, items)
		}
		return items, err
	})
	select {
	case res := <-ch:
		items, _ := res.Val.(T)
		return items, res.Err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// lookup returns the kept listing under key, dropping the expired.
func (f *flights[T]) lookup(key string) (T, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for k, l := range f.kept {
		if now.Sub(l.ended) > flightKeep {
			delete(f.kept, k)
		}
	}
	l, ok := f.kept[key]
	return l.items, ok
}

// keep keeps items, a listing that just ended, under key.
func (f *flights[T]) keep(key string, items T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kept == nil {
		f.kept = make(map[string]listing[T])
	}
	f.kept[key] = listing[T]{items: items, ended: time.Now()}
}
