package mirror

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// entry is one mirror on disk.
type entry struct {
	name string    // base name without .git
	size int64     // bytes
	used time.Time // last use: the directory's modification time
}

// list returns the mirrors in the directory.
func (m *Manager) list() []entry {
	dirents, err := os.ReadDir(m.dir)
	if err != nil {
		m.log.Warn("list mirrors", "err", err)
		return nil
	}
	var out []entry
	for _, d := range dirents {
		name, ok := strings.CutSuffix(d.Name(), ".git")
		if !ok || !d.IsDir() || strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		info, err := d.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, entry{name: name, size: dirSize(filepath.Join(m.dir, d.Name())), used: info.ModTime()})
	}
	return out
}

// dirSize adds up the sizes of the files under dir, skipping what vanishes
// while it walks.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

// evict removes the least recently used mirrors until the total fits the
// budget, sparing keep (the mirror just used) and any mirror that is
// locked, here or in another process.
func (m *Manager) evict(keep string) {
	if m.maxBytes <= 0 {
		return
	}
	mirrors := m.list()
	var total int64
	for _, e := range mirrors {
		total += e.size
	}
	slices.SortFunc(mirrors, func(a, b entry) int { return a.used.Compare(b.used) })
	for _, e := range mirrors {
		if total <= m.maxBytes {
			return
		}
		if e.name == keep {
			continue
		}
		unlock, ok := m.tryLock(e.name)
		if !ok {
			continue
		}
		err := m.removeLocked(e.name)
		unlock()
		if err != nil {
			m.log.Warn("evict mirror", "name", e.name, "err", err)
			continue
		}
		total -= e.size
		m.log.Info("mirror evicted", "name", e.name, "bytes", e.size)
	}
	if total > m.maxBytes {
		m.log.Warn("mirrors exceed their disk budget", "bytes", total, "budget", m.maxBytes)
	}
}

// removeLocked deletes the mirror called name, whose lock the caller
// holds. The mirror is first renamed to a temporary name, so that it
// vanishes at once and a crash midway leaves only a leftover for New.
func (m *Manager) removeLocked(name string) error {
	dir := filepath.Join(m.dir, name+".git")
	tmp := filepath.Join(m.dir, tmpPrefix+name+"."+rand.Text())
	if err := os.Rename(dir, tmp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return os.RemoveAll(tmp)
}
