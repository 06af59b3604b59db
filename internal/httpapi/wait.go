package httpapi

import (
	"context"
	"sync"
	"time"
)

// waitContext is a request's context bounded by a deadline, as
// context.WithDeadline makes it, except that the bounded context (a timer,
// and a child registered with the request's context) is made only when
// something first uses it. An analytics request answered from a ready
// repository and the cache never does, and making and stopping a timer
// for each such request was a measurable share of its cost. Deadline
// alone does not make it; every other method does.
type waitContext struct {
	parent   context.Context
	deadline time.Time

	mu      sync.Mutex
	bounded context.Context // nil until first used
	cancel  context.CancelFunc
	stopped bool
}

// newWaitContext returns parent bounded by d from now. The caller must
// call its stop (as context.WithTimeout's cancel) when done with it.
func newWaitContext(parent context.Context, d time.Duration) *waitContext {
	return &waitContext{parent: parent, deadline: time.Now().Add(d)}
}

// use returns the bounded context, made on first use. After stop, it is
// made cancelled.
func (c *waitContext) use() context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bounded == nil {
		c.bounded, c.cancel = context.WithDeadline(c.parent, c.deadline)
		if c.stopped {
			c.cancel()
		}
	}
	return c.bounded
}

// stop cancels the bounded context if it was made, and any made later.
func (c *waitContext) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.cancel != nil {
		c.cancel()
	}
}

// Deadline is the earlier of the parent's deadline and c's.
func (c *waitContext) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done implements context.Context.
func (c *waitContext) Done() <-chan struct{} { return c.use().Done() }

// Err implements context.Context.
func (c *waitContext) Err() error { return c.use().Err() }

// Value implements context.Context. It makes the bounded context too, so
// that contexts derived from c (and context.Cause) see its cancellation.
func (c *waitContext) Value(key any) any { return c.use().Value(key) }
