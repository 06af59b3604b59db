package cache

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fillDisk writes n entries through a cache on dir and closes it,
// returning the segment files it left.
func fillDisk(t *testing.T, dir string, n int) []string {
	t.Helper()
	c := mustNew(t, Options{DiskPath: dir})
	for i := range n {
		c.Set(context.Background(), fmt.Sprint("key", i), bytes.Repeat([]byte{'a' + byte(i%26)}, 4000))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	segs, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil || len(segs) == 0 {
		t.Fatalf("no segment written: %v", err)
	}
	return segs
}

// A damaged disk cache once crashed serve (bbolt assertion, SIGSEGV) on
// every start, or kept it from starting. Each damage below must open as a
// working, rebuilt cache, with the damaged file moved aside and one
// warning.
func TestDamagedDiskCacheIsRebuilt(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, file string)
		aside  bool // the file is found damaged when the cache opens
	}{
		{"cut in half", func(t *testing.T, file string) {
			info, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(file, info.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"8 KB of garbage at its start", func(t *testing.T, file string) {
			overwrite(t, file, 0, bytes.Repeat([]byte{0xA5}, 8<<10))
		}, true},
		{"zero bytes in record headers", func(t *testing.T, file string) {
			overwrite(t, file, int64(len(segmentMagic))+4000, make([]byte, 9000))
		}, true},
		{"a value overwritten", func(t *testing.T, file string) {
			overwrite(t, file, int64(len(segmentMagic)+recordHeaderLen+len(storeKey("key0"))+10), []byte("garbage"))
		}, false},
		{"emptied", func(t *testing.T, file string) {
			if err := os.Truncate(file, 0); err != nil {
				t.Fatal(err)
			}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "results")
			file := fillDisk(t, dir, 10)[0]
			c.damage(t, file)

			var log syncBuffer
			cache := mustNew(t, Options{DiskPath: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			wantMiss(t, cache, "key0") // its record is damaged either way
			if got := strings.Count(log.String(), "moved aside"); c.aside && got != 1 {
				t.Errorf("log has %d 'moved aside' warnings, want 1:\n%s", got, log.String())
			}
			if _, err := os.Stat(file + damagedExt); c.aside && err != nil {
				t.Errorf("damaged file not moved aside: %v", err)
			}
			cache.Set(context.Background(), "fresh", []byte("value"))
			if err := cache.Close(); err != nil {
				t.Fatal(err)
			}

			log = syncBuffer{}
			again := mustNew(t, Options{DiskPath: dir, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			wantGet(t, again, "fresh", []byte("value"), SourceDisk)
			if strings.Contains(log.String(), "damaged") {
				t.Errorf("the rebuilt cache was found damaged again:\n%s", log.String())
			}
			if _, err := os.Stat(file + damagedExt); err == nil {
				t.Error("the copy moved aside by the previous start was kept")
			}
		})
	}
}

// A segment damaged while the cache has it open costs misses, not the
// process.
func TestDiskDamagedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	c := mustNew(t, Options{DiskPath: dir})
	ctx := context.Background()
	for i := range 5 {
		c.Set(ctx, fmt.Sprint("key", i), bytes.Repeat([]byte("v"), 1000))
	}
	waitOnDisk(t, c, "key4")
	segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	for _, f := range segs {
		if err := os.Truncate(f, 3000); err != nil {
			t.Fatal(err)
		}
		overwrite(t, f, 100, bytes.Repeat([]byte{0xFF}, 200))
	}
	// Records are ~1040 bytes from offset 8: key0 is overwritten, key1
	// intact, key2 cut short, key3 and key4 gone.
	for i := range 5 {
		key := fmt.Sprint("key", i)
		c.mem.Invalidate(key)
		if i == 1 {
			wantGet(t, c, key, bytes.Repeat([]byte("v"), 1000), SourceDisk)
		} else {
			wantMiss(t, c, key)
		}
	}
	if c.Stats().DiskErrors == 0 {
		t.Error("damaged reads were not counted as disk errors")
	}
}

func overwrite(t *testing.T, file string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// FuzzReadSegment feeds arbitrary bytes to the segment loader and to the
// record decoder at every record it finds: neither may panic, and a
// record the loader accepts decodes or fails with errDamaged.
func FuzzReadSegment(f *testing.F) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	valid := append(bytes.Clone(segmentMagic), encodeRecord(storeKey("a"), []byte("value"), at)...)
	valid = append(valid, encodeRecord(storeKey(strings.Repeat("k", 100)), nil, at)...)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(append(bytes.Repeat([]byte{0xA5}, 64), valid...))
	f.Add(bytes.Clone(segmentMagic))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = readSegment(bytes.NewReader(data), int64(len(data)), func(r recordInfo) {
			if r.off < 0 || r.length <= 0 || r.off+r.length > int64(len(data)) {
				t.Fatalf("record at %d+%d lies outside a %d-byte file", r.off, r.length, len(data))
			}
			if _, err := decodeRecord(data[r.off:r.off+r.length], r.key); err != nil && !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("a record the loader accepted fails for another reason than its value: %v", err)
			}
		})
	})
}
