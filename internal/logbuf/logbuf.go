// Package logbuf holds a long-running process's log lines briefly on their
// way to standard error, so that a busy server writes them a buffer at a
// time instead of making a write(2) per line: the access log of `gitpulse
// serve` writes one line per request.
package logbuf

import (
	"io"
	"sync"
	"time"
)

// Writer passes what is written to it on to its destination in the same
// order, a buffer at a time, never splitting a write: a slog handler writes
// each log line whole in one call, so each line reaches the destination
// whole. The buffer is written out when the next write would not fit in it
// (a write larger than the buffer then goes straight through), at most the
// interval after a write was buffered (a `tail -f` of the log sees each
// line that soon), and by Close. After Close, writes go straight through.
// It is safe for concurrent use.
//
// Write never fails: an error writing the destination drops what that
// write carried, as an unbuffered log would have lost it, and the first
// such error is returned by Close. A process that dies without calling
// Close loses the lines of the last interval at most.
type Writer struct {
	dst      io.Writer
	interval time.Duration
	timer    *time.Timer // writes the buffer out; armed while it holds lines

	mu     sync.Mutex
	buf    []byte // cap(buf) is the buffer's size
	armed  bool   // timer will fire
	closed bool
	err    error // the first error writing dst
}

// New is a Writer to dst that buffers up to size bytes for at most
// interval (which must be positive).
func New(dst io.Writer, size int, interval time.Duration) *Writer {
	w := &Writer{dst: dst, interval: interval, buf: make([]byte, 0, size)}
	w.timer = time.AfterFunc(time.Hour, w.timed)
	w.timer.Stop()
	return w
}

// Write buffers p, writing the buffer out first if p does not fit; it
// always returns len(p), nil.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf)+len(p) > cap(w.buf) {
		w.flush()
	}
	if w.closed || len(p) > cap(w.buf) {
		w.write(p)
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	if !w.armed {
		w.armed = true
		w.timer.Reset(w.interval)
	}
	return len(p), nil
}

// Close writes out what is buffered and stops buffering; it returns the
// first error writing the destination, if any.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	w.flush()
	w.closed = true
	return w.err
}

// timed writes out what the interval's lines are in.
func (w *Writer) timed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	w.flush()
}

// flush writes the buffer out and empties it; w.mu is held.
func (w *Writer) flush() {
	if len(w.buf) > 0 {
		w.write(w.buf)
		w.buf = w.buf[:0]
	}
}

// write writes p to the destination, keeping the first error; w.mu is
// held.
func (w *Writer) write(p []byte) {
	if _, err := w.dst.Write(p); err != nil && w.err == nil {
		w.err = err
	}
}
