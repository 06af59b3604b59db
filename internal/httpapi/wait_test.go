package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestWaitContext checks that a waitContext behaves as
// context.WithTimeout's would (deadline, expiry, the parent's
// cancellation, derived contexts, release) and makes its timer only when
// used.
func TestWaitContext(t *testing.T) {
	before := time.Now()
	c := newWaitContext(context.Background(), 50*time.Millisecond)
	if d, ok := c.Deadline(); !ok || d.Before(before.Add(50*time.Millisecond)) || d.After(time.Now().Add(50*time.Millisecond)) {
		t.Fatalf("Deadline %v %v", d, ok)
	}
	if c.bounded != nil {
		t.Fatal("Deadline made the bounded context")
	}
	child, cancel := context.WithCancel(c)
	defer cancel()
	if c.bounded == nil {
		t.Fatal("a derived context did not make the bounded context")
	}
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline passed without cancelling a derived context")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(c), context.DeadlineExceeded) ||
		!errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Fatalf("after the deadline: Err %v, Cause %v, the derived context's Err %v", c.Err(), context.Cause(c), child.Err())
	}
	c.stop()

	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey(7), "v"))
	c = newWaitContext(parent, time.Hour)
	defer c.stop()
	if c.Value(ctxKey(7)) != "v" {
		t.Fatal("the parent's values are lost")
	}
	cancelParent()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the parent's cancellation does not reach it")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Fatalf("Err %v after the parent's cancellation", c.Err())
	}

	short, cancelShort := context.WithTimeout(context.Background(), time.Minute)
	defer cancelShort()
	c = newWaitContext(short, time.Hour)
	if d, _ := c.Deadline(); d.After(time.Now().Add(time.Minute)) {
		t.Fatalf("Deadline %v is later than the parent's", d)
	}
	c.stop()
	if c.bounded != nil {
		t.Fatal("stop made the bounded context")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Fatalf("used after stop: Err %v", c.Err())
	}

	c = newWaitContext(context.Background(), time.Hour)
	done := c.Done()
	c.stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("stop does not cancel it")
	}
}
