package gitcli

import (
	"context"
	"io"
	"os"
	"syscall"
	"time"
)

// git writes its standard output 4 KiB at a time (stdio's buffer for a
// pipe), and a reader that waits on the pipe wakes up for every write:
// pass 1's git log over git/git writes 25 MB in about 6,000 writes, and
// waking for each cost gitpulse 0.24-0.33 s of CPU (mostly the kernel's
// and the Go scheduler's), a quarter of what git itself spends. A paced
// stream reads from a pipe that is not registered with Go's poller, made
// as large as Linux allows an unprivileged process (1 MiB), and after a
// read that drained it, sleeps while git writes about pacedBatch bytes at
// the rate it has written so far: the same output took about 500 reads and
// 0.04 s. A stream slower than pacedBatch per maxPause (pass 2's, which
// diffs) is read as it comes unless its reader allows longer pauses (see
// NumstatRange.MayPause).
const (
	pacedBatch = 64 << 10
	maxPause   = 5 * time.Millisecond
	// pipeSize is the pipe capacity a paced stream asks for: room for
	// several batches, so that git does not wait for the reader.
	pipeSize = 1 << 20
)

// pacedPipe returns a pipe whose read end blocks without Go's poller (so
// that writes to it wake nobody while the reader sleeps), both ends
// close-on-exec, with the capacity grown to pipeSize where the system
// allows.
func pacedPipe() (r, w *os.File, err error) {
	var p [2]int
	syscall.ForkLock.RLock()
	err = syscall.Pipe(p[:])
	if err == nil {
		syscall.CloseOnExec(p[0])
		syscall.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, err
	}
	growPipe(p[0], pipeSize)
	return os.NewFile(uintptr(p[0]), "|0"), os.NewFile(uintptr(p[1]), "|1"), nil
}

// maxSlowPause bounds a pause that a reader allows (a stream that takes
// longer than that to write a batch is read in smaller ones).
const maxSlowPause = time.Second

// pacer reads a paced stream (see pacedBatch).
type pacer struct {
	r     io.Reader
	start time.Time
	read  int64
	// done ends a pause early: the command is being stopped.
	done <-chan struct{}
	// mayPause, if not nil, says whether the reader may sleep that long
	// now; nil allows maxPause.
	mayPause func(time.Duration) bool
}

// newPacer reads r, pausing as mayPause allows until ctx ends.
func newPacer(ctx context.Context, r io.Reader, mayPause func(time.Duration) bool) *pacer {
	return &pacer{r: r, start: time.Now(), done: ctx.Done(), mayPause: mayPause}
}

// Read reads like r's Read and, after a read shorter than asked for (the
// pipe is empty), sleeps while git writes a batch, unless that takes longer
// than the pacer allows.
func (p *pacer) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if err != nil || n == 0 || n >= len(b) || n >= pacedBatch {
		return n, err
	}
	// Time to write a batch at the rate so far: elapsed * batch / read.
	pause := time.Duration(float64(time.Since(p.start)) * float64(pacedBatch-n) / float64(p.read))
	if p.mayPause == nil && pause <= maxPause || p.mayPause != nil && pause <= maxSlowPause && p.mayPause(pause) {
		p.sleep(pause)
	}
	return n, err
}

// sleep waits for d or until the command is being stopped.
func (p *pacer) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-p.done:
	}
}
