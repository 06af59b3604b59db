package mirror

import (
	"context"
	"sync"
)

// flights runs at most one call per key and shares its result with every
// caller that asks while it runs, like golang.org/x/sync/singleflight, with
// two differences that a clone needs. The call runs under its own context,
// cancelled only when every caller waiting on it has given up, so one
// impatient caller does not fail the others. And the last caller to give up
// waits for the cancelled call to clean up, so that once it returns no
// temporary files are left and a new call can start.
type flights[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

type call[T any] struct {
	done    chan struct{} // closed when fn has returned
	cancel  context.CancelFunc
	val     T
	err     error
	waiters map[*waiter]struct{}
}

type waiter struct{ progress func(Progress) }

// do runs fn for key, or joins the run under way. fn reports progress
// through report, which fans it out to every waiting caller's progress
// (nil is allowed).
func (fs *flights[T]) do(ctx context.Context, key string, progress func(Progress),
	fn func(ctx context.Context, report func(Progress)) (T, error)) (T, error) {
	w := &waiter{progress: progress}
	fs.mu.Lock()
	c := fs.calls[key]
	if c == nil {
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call[T]{done: make(chan struct{}), cancel: cancel, waiters: make(map[*waiter]struct{})}
		if fs.calls == nil {
			fs.calls = make(map[string]*call[T])
		}
		fs.calls[key] = c
		go fs.run(runCtx, key, c, fn)
	}
	c.waiters[w] = struct{}{}
	fs.mu.Unlock()

	select {
	case <-c.done:
		fs.leave(key, c, w)
		return c.val, c.err
	case <-ctx.Done():
		if last := fs.leave(key, c, w); last {
			c.cancel()
			<-c.done
		}
		var zero T
		return zero, ctx.Err()
	}
}

func (fs *flights[T]) run(ctx context.Context, key string, c *call[T], fn func(context.Context, func(Progress)) (T, error)) {
	val, err := fn(ctx, func(p Progress) { fs.report(c, p) })
	c.cancel()
	fs.mu.Lock()
	c.val, c.err = val, err
	if fs.calls[key] == c {
		delete(fs.calls, key)
	}
	fs.mu.Unlock()
	close(c.done)
}

// leave removes w from c's waiters and reports whether it was the last.
// A call nobody waits for is forgotten at once, so that a new caller starts
// a new call (which waits for the key's lock) instead of joining one being
// cancelled.
func (fs *flights[T]) leave(key string, c *call[T], w *waiter) (last bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	delete(c.waiters, w)
	if len(c.waiters) > 0 {
		return false
	}
	if fs.calls[key] == c {
		delete(fs.calls, key)
	}
	return true
}

// report calls the progress function of every caller waiting on c.
func (fs *flights[T]) report(c *call[T], p Progress) {
	fs.mu.Lock()
	var fns []func(Progress)
	for w := range c.waiters {
		if w.progress != nil {
			fns = append(fns, w.progress)
		}
	}
	fs.mu.Unlock()
	for _, fn := range fns {
		fn(p)
	}
}
