package mirror

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// lockPoll is how often a lock held by another process is tried again.
const lockPoll = 100 * time.Millisecond

// lock takes the lock of the mirror called name: first inside this
// process, then across processes with an flock on <dir>/<name>.lock.
func (m *Manager) lock(ctx context.Context, name string) (unlock func(), err error) {
	release, err := m.locks.acquire(ctx, name)
	if err != nil {
		return nil, err
	}
	f, err := flock(ctx, m.lockPath(name))
	if err != nil {
		release()
		return nil, err
	}
	return func() {
		closeLock(f)
		release()
	}, nil
}

// tryLock takes the lock of the mirror called name if it is free.
func (m *Manager) tryLock(name string) (unlock func(), ok bool) {
	release, ok := m.locks.tryAcquire(name)
	if !ok {
		return nil, false
	}
	f, err := openLockFile(m.lockPath(name))
	if err == nil {
		err = tryFlock(f)
		if err != nil {
			closeLock(f)
		}
	}
	if err != nil {
		release()
		return nil, false
	}
	return func() {
		closeLock(f)
		release()
	}, true
}

// lockPath is the lock file of the mirror called name. Lock files are
// never deleted: deleting one another process has open would let two
// processes hold "the" lock at once.
func (m *Manager) lockPath(name string) string { return filepath.Join(m.dir, name+".lock") }

// closeLock closes a lock file, which releases its flock. Nothing is ever
// written to a lock file, and the kernel drops the flock with the file
// descriptor whatever Close reports, so its error is of no use.
func closeLock(f *os.File) { _ = f.Close() }

func openLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// flock opens path and takes an exclusive flock on it, polling (so that
// ctx can interrupt the wait) while another process holds it.
func flock(ctx context.Context, path string) (*os.File, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		err := tryFlock(f)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			closeLock(f)
			return nil, err
		}
		select {
		case <-ctx.Done():
			closeLock(f)
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func tryFlock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// keyLocks are mutexes by name, created on demand and dropped when unused,
// whose Lock can be cancelled.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sem  chan struct{} // holds a value while locked
	refs int           // holders and waiters
}

func (l *keyLocks) ref(name string) *keyLock {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.locks == nil {
		l.locks = make(map[string]*keyLock)
	}
	k := l.locks[name]
	if k == nil {
		k = &keyLock{sem: make(chan struct{}, 1)}
		l.locks[name] = k
	}
	k.refs++
	return k
}

func (l *keyLocks) unref(name string, k *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if k.refs--; k.refs == 0 {
		delete(l.locks, name)
	}
}

func (l *keyLocks) acquire(ctx context.Context, name string) (release func(), err error) {
	k := l.ref(name)
	select {
	case k.sem <- struct{}{}:
		return func() { <-k.sem; l.unref(name, k) }, nil
	case <-ctx.Done():
		l.unref(name, k)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) tryAcquire(name string) (release func(), ok bool) {
	k := l.ref(name)
	select {
	case k.sem <- struct{}{}:
		return func() { <-k.sem; l.unref(name, k) }, true
	default:
		l.unref(name, k)
		return nil, false
	}
}
