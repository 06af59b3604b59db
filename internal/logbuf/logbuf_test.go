package logbuf_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/logbuf"
)

// pipe is a real pipe, as standard error often is, whose read end is
// scanned line by line into lines by a goroutine until the write end is
// closed.
type pipe struct {
	w     *os.File
	lines chan string
	// writes are the writes that reached the pipe, each checked to end
	// with a newline.
	mu     sync.Mutex
	writes int
	split  []string
}

func newPipe(t *testing.T) *pipe {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &pipe{w: w, lines: make(chan string, 1<<16)}
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() { w.Close() })
	return p
}

// Write notes each write of the Writer, and whether it ends in the middle
// of a line.
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.writes++
	if b[len(b)-1] != '\n' {
		p.split = append(p.split, string(b))
	}
	p.mu.Unlock()
	return p.w.Write(b)
}

// TestLinesArriveWholeAndInOrder: eight goroutines log through one slog
// JSON handler into a Writer with a small buffer; every line reaches the
// pipe whole, each goroutine's lines in the order logged, in far fewer
// writes than lines, lines longer than the buffer included.
func TestLinesArriveWholeAndInOrder(t *testing.T) {
	p := newPipe(t)
	w := logbuf.New(p, 1024, time.Hour)
	log := slog.New(slog.NewJSONHandler(w, nil))
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				pad := strings.Repeat("x", (g*each+i)%97)
				if i%100 == 7 {
					pad = strings.Repeat("y", 3000) // past the buffer
				}
				log.Info("line", "writer", g, "seq", i, "pad", pad)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p.w.Close()
	next := make([]int, writers)
	n := 0
	for line := range p.lines {
		var rec struct{ Writer, Seq int }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not whole: %v: %.200s", n, err, line)
		}
		if rec.Seq != next[rec.Writer] {
			t.Fatalf("writer %d: line %d after %d", rec.Writer, rec.Seq, next[rec.Writer]-1)
		}
		next[rec.Writer]++
		n++
	}
	if n != writers*each {
		t.Fatalf("%d lines arrived, want %d", n, writers*each)
	}
	if len(p.split) > 0 {
		t.Fatalf("%d writes ended inside a line, the first: %.200q", len(p.split), p.split[0])
	}
	if p.writes > n/3 {
		t.Fatalf("%d writes for %d lines: not buffered", p.writes, n)
	}
}

// TestLinesArriveWithinTheInterval: a line logged by a process that goes
// on running reaches the pipe once the interval has passed, with no call
// to flush it, and so does the next one.
func TestLinesArriveWithinTheInterval(t *testing.T) {
	p := newPipe(t)
	const interval = 50 * time.Millisecond
	w := logbuf.New(p, 64<<10, interval)
	defer w.Close()
	log := slog.New(slog.NewJSONHandler(w, nil))
	for i := range 2 {
		start := time.Now()
		log.Info("line", "seq", i)
		select {
		case line := <-p.lines:
			took := time.Since(start)
			if !strings.Contains(line, fmt.Sprintf(`"seq":%d}`, i)) {
				t.Fatalf("line %d: got %s", i, line)
			}
			if took < interval {
				t.Fatalf("line %d arrived after %v, before the interval: not buffered", i, took)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("line %d had not arrived 2 s after it was logged (interval %v)", i, interval)
		}
	}
}

// TestCloseWritesTheTail: Close writes out what the buffer holds, and what
// is written after Close goes straight through.
func TestCloseWritesTheTail(t *testing.T) {
	var dst strings.Builder
	w := logbuf.New(&dst, 64<<10, time.Hour)
	for _, s := range []string{"one\n", "two\n", "three\n"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if dst.Len() != 0 {
		t.Fatalf("written before the buffer filled or the interval passed: %q", dst.String())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := dst.String(); got != "one\ntwo\nthree\n" {
		t.Fatalf("after Close: %q", got)
	}
	_, _ = w.Write([]byte("four\n"))
	if got := dst.String(); got != "one\ntwo\nthree\nfour\n" {
		t.Fatalf("a write after Close: %q", got)
	}
}

// TestDestinationErrors: standard error closed under the process (its
// reader gone: EPIPE) fails no Write and stops nothing; Close reports it.
func TestDestinationErrors(t *testing.T) {
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	r.Close()
	w := logbuf.New(pw, 64, 10*time.Millisecond)
	log := slog.New(slog.NewJSONHandler(w, nil))
	for i := range 100 {
		log.Info("line", "seq", i) // fills the buffer: written in Write
	}
	time.Sleep(30 * time.Millisecond) // and by the timer
	if n, err := w.Write([]byte("last\n")); n != 5 || err != nil {
		t.Fatalf("Write after the destination failed: %d, %v", n, err)
	}
	if err := w.Close(); !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Close: %v, want EPIPE", err)
	}
}

// BenchmarkLogLine times a line of the access log as serve writes it
// (slog's JSON handler, requests logging at once) into a file and into a
// drained pipe, the two things standard error usually is, written
// straight (a write(2) per line) and through a Writer.
//
//	go test -run '^$' -bench LogLine -cpu 2 ./internal/logbuf/
func BenchmarkLogLine(b *testing.B) {
	for _, to := range []string{"file", "pipe"} {
		for _, buffered := range []bool{false, true} {
			name := to + "/straight"
			if buffered {
				name = to + "/buffered"
			}
			b.Run(name, func(b *testing.B) {
				var dst *os.File
				if to == "file" {
					f, err := os.Create(filepath.Join(b.TempDir(), "log"))
					if err != nil {
						b.Fatal(err)
					}
					defer f.Close()
					dst = f
				} else {
					r, w, err := os.Pipe()
					if err != nil {
						b.Fatal(err)
					}
					go func() { _, _ = io.Copy(io.Discard, r) }()
					defer r.Close()
					defer w.Close()
					dst = w
				}
				var out io.Writer = dst
				if buffered {
					lw := logbuf.New(dst, 64<<10, 100*time.Millisecond)
					defer lw.Close()
					out = lw
				}
				h := slog.NewJSONHandler(out, nil)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						rec := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
						rec.AddAttrs(slog.String("method", "GET"), slog.String("path", "/api/repositories/summary"), slog.Int("status", 200),
							slog.Int("bytes", 578), slog.Int64("duration_ms", 0), slog.String("request_id", "78f07d6fb37960220bd4adb7"),
							slog.String("client", "127.0.0.1"))
						_ = h.Handle(context.Background(), rec)
					}
				})
			})
		}
	}
}
