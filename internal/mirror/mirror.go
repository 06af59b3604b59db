// Package mirror keeps bare mirrors of remote repositories on disk, one per
// canonical repository key, so that every query reads local history and a
// repository is cloned once and then only fetched.
//
// A new mirror is cloned in two steps: first the commits alone (a partial
// clone with --filter=tree:0, which is enough to list history), then, on
// Complete, every other object; beside the first step a head start may
// fetch the newest commits' trees and blobs (Options.HeadStart), which
// Prefetch moves in. A clone is written to a temporary directory
// and renamed into place, so a crash never leaves a half mirror that looks
// valid. One clone or fetch of a key runs at a time, in this process (a lock per
// key) and across processes (an flock on a lock file beside the mirror);
// whoever waited for it finds the mirror fresh. Past a disk budget the least recently used
// mirrors are evicted.
//
// Local repositories (keys starting with "local/") are never copied: Ensure
// returns their own git directory.
//
// Failures are *Error values whose message is fit for a user: it never
// holds git's stderr, a token or a path on this machine. The underlying
// error is kept for logs.
package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
)

// DefaultFetchInterval is the usual Options.FetchInterval, for callers
// whose user did not choose one.
const DefaultFetchInterval = 5 * time.Minute

// DefaultNetworkTimeout bounds each network git operation (a clone, a
// fetch, a completion) when Options.NetworkTimeout is zero.
const DefaultNetworkTimeout = 15 * time.Minute

// What Ensure did, in Result.Action.
const (
	Cloned  = "cloned"  // the mirror was created
	Fetched = "fetched" // the mirror existed and was fetched
	Fresh   = "fresh"   // the mirror was recent enough: nothing was done
	Local   = "local"   // a local repository, read in place
)

// Options configure a Manager.
type Options struct {
	// Dir is the directory that holds the mirrors. It is created if
	// missing and must be writable.
	Dir string
	// FetchInterval is how old a mirror may get before Ensure fetches it
	// again; zero fetches before every answer. Negative is an error.
	FetchInterval time.Duration
	// NetworkTimeout bounds each git operation that talks to a remote, so
	// that a stuck server or transfer ends with a "timed out" error; zero
	// means DefaultNetworkTimeout.
	NetworkTimeout time.Duration
	// Pin, if set, vets a remote URL before every network git operation
	// and returns the addresses git must connect to, as http.curloptResolve
	// values ("host:port:address"); an error stops the operation.
	// repourl.Policy.Pin is one. Nil vets nothing and pins nothing.
	Pin func(ctx context.Context, url string) ([]string, error)
	// MaxBytes is the mirrors' disk budget; 0 means unlimited. Past it the
	// least recently used mirrors are evicted after a clone or completion,
	// never one being cloned, fetched or completed (here or in another
	// process) and never the one just used.
	MaxBytes int64
	// HeadStart, if positive, has the clone of a never-seen repository
	// (commits only) fetch beside it, at the lowest priority (see
	// gitcli.Command.Background), the trees and changed blobs of the
	// commits of the period HeadStart long before its head's author date,
	// into a temporary repository: Prefetch of those commits then stops
	// it, moves in what it fetched and fetches only what is still
	// missing; Complete stops and drops it. The work of a server that
	// packs blobs asked for by name runs on the cores the clone and pass 1
	// leave idle, instead of after. Its HTTP requests carry
	// HeadStartHeader.
	HeadStart time.Duration
	// Logger receives what the Manager did and the details of failures;
	// nil discards them.
	Logger *slog.Logger
}

// Auth holds optional credentials for a remote.
type Auth struct {
	// Token is an access token for a private HTTPS repository. It is sent
	// as an HTTP header for that one command, never stored on disk, and
	// never sent over plain HTTP.
	Token string
}

// Result is what Ensure made of a mirror.
type Result struct {
	// GitDir is the git directory to read: the mirror, or a local
	// repository's own git directory.
	GitDir string
	// Partial means the mirror holds commits only (trees and blobs are
	// missing); Complete fetches the rest.
	Partial bool
	// Changed means this call created the mirror or changed its refs.
	Changed bool
	// Action is Cloned, Fetched, Fresh or Local.
	Action string
}

// Manager owns the mirrors under one directory. It is safe for concurrent
// use, and several processes may share a directory.
type Manager struct {
	git        *gitcli.Git
	dir        string
	interval   time.Duration
	netTimeout time.Duration
	pin        func(ctx context.Context, url string) ([]string, error)
	maxBytes   int64
	log        *slog.Logger

	locks keyLocks

	// remoteConfig is extra configuration for commands that talk to a
	// remote; tests use it to trust their own HTTPS server.
	remoteConfig [][2]string

	// blobBatch is the fewest blobs Prefetch asks for in one fetch
	// (prefetchBatch; tests make it smaller).
	blobBatch int

	headStart  time.Duration
	headStarts headStarts
}

// New prepares opts.Dir (a clear error naming it if it cannot be created
// or written), removes what a crash left behind in it, and returns a Manager.
func New(g *gitcli.Git, opts Options) (*Manager, error) {
	if opts.Dir == "" {
		return nil, errors.New("no mirror directory configured")
	}
	if opts.FetchInterval < 0 || opts.NetworkTimeout < 0 || opts.HeadStart < 0 {
		return nil, errors.New("the fetch interval, network timeout and head start must not be negative")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("mirror directory %s: %w", opts.Dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mirror directory %s cannot be created: %w", dir, err)
	}
	if err := checkWritable(dir); err != nil {
		return nil, fmt.Errorf("mirror directory %s is not writable: %w", dir, err)
	}
	m := &Manager{
		git:        g,
		dir:        dir,
		interval:   opts.FetchInterval,
		netTimeout: opts.NetworkTimeout,
		pin:        opts.Pin,
		maxBytes:   opts.MaxBytes,
		log:        opts.Logger,
		blobBatch:  prefetchBatch,
		headStart:  opts.HeadStart,
	}
	if m.netTimeout == 0 {
		m.netTimeout = DefaultNetworkTimeout
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.removeLeftovers()
	return m, nil
}

func checkWritable(dir string) error {
	// Not tmpPrefix: another process starting at the same moment must not
	// remove this file as a leftover.
	f, err := os.CreateTemp(dir, ".probe-")
	if err != nil {
		return err
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// tmpPrefix starts the name of every temporary entry in the directory:
// clones being written and mirrors being deleted.
const tmpPrefix = ".tmp-"

// removeLeftovers deletes the temporary directories of clones or removals
// that a crash interrupted, except those another process is working on.
func (m *Manager) removeLeftovers() {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		m.log.Warn("list mirror directory", "err", err)
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		unlock := func() {}
		if name, ok := tmpOwner(e.Name()); ok {
			var locked bool
			if unlock, locked = m.tryLock(name); !locked {
				continue // another process is cloning or removing it
			}
		}
		if err := os.RemoveAll(filepath.Join(m.dir, e.Name())); err != nil {
			m.log.Warn("remove leftover temporary directory", "name", e.Name(), "err", err)
		} else {
			m.log.Info("removed leftover temporary directory", "name", e.Name())
		}
		unlock()
	}
}

// tmpOwner returns the mirror name a temporary directory belongs to:
// ".tmp-<name>.<random>".
func tmpOwner(base string) (string, bool) {
	s := strings.TrimPrefix(base, tmpPrefix)
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return "", false
	}
	return s[:i], true
}

// Path returns the git directory that key's mirror has (or would have). The
// key reaches the file system only as a sanitised, readable prefix plus a
// hash of the exact key, so distinct keys never collide and no key can
// name a path outside the directory.
func (m *Manager) Path(key string) string {
	return filepath.Join(m.dir, mirrorName(key)+".git")
}

// maxReadable bounds the readable part of a mirror's name.
const maxReadable = 64

// mirrorName is the base name of key's mirror and lock file.
func mirrorName(key string) string {
	sum := sha256.Sum256([]byte(key))
	readable := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, key)
	if len(readable) > maxReadable {
		readable = readable[len(readable)-maxReadable:]
	}
	readable = strings.Trim(readable, "._-")
	if readable == "" {
		readable = "repo"
	}
	return readable + "-" + hex.EncodeToString(sum[:6])
}

// isLocal reports whether key names a local repository, read in place.
func isLocal(key string) bool { return strings.HasPrefix(key, "local/") }

// Ensure makes sure a mirror of url exists under key and is no older than
// the fetch interval: it clones a missing mirror (commits only, when the
// server allows it: see Result.Partial), fetches an old one, and never
// re-clones a valid one. Callers for one key, in this process or another,
// take turns under the key's lock, so concurrent callers share one clone:
// the next finds the mirror fresh. A cancelled caller's work is undone
// before Ensure returns. onProgress, which may be nil, is called on
// the caller's goroutine.
//
// For a local key, url is a path and Ensure returns the repository's own
// git directory. Failures are *Error values that match ErrNotFound,
// ErrAuth, ErrUnreachable or a context error with errors.Is (or none of
// them, for a failure on this machine).
func (m *Manager) Ensure(ctx context.Context, key, url string, auth *Auth, onProgress func(progress.Progress)) (Result, error) {
	if isLocal(key) {
		return m.openLocal(ctx, url)
	}
	r := m.newRemote(key, url, auth)
	if st, err := m.readState(ctx, r.dir); err == nil && m.fresh(st) && st.noRedirects {
		m.touch(r.dir)
		return Result{GitDir: r.dir, Partial: st.partial, Action: Fresh}, nil
	}
	res, err := m.ensure(ctx, r, reporter(onProgress))
	if err != nil {
		return Result{}, asError("update", err)
	}
	return res, nil
}

// reporter returns onProgress, or a function that ignores reports if it
// is nil.
func reporter(onProgress func(progress.Progress)) func(progress.Progress) {
	if onProgress == nil {
		return func(progress.Progress) {}
	}
	return onProgress
}

// Fetch fetches key's existing mirror now, however recently it was
// fetched (a push was announced), and never clones: a missing mirror is
// an error. It waits for a clone or fetch under way to end first. For a
// local key it is Ensure.
func (m *Manager) Fetch(ctx context.Context, key, url string, auth *Auth, onProgress func(progress.Progress)) (Result, error) {
	if isLocal(key) {
		return m.openLocal(ctx, url)
	}
	r := m.newRemote(key, url, auth)
	res, err := func() (Result, error) {
		unlock, err := m.lock(ctx, r.name)
		if err != nil {
			return Result{}, err
		}
		defer unlock()
		st, err := m.readState(ctx, r.dir)
		if err != nil {
			return Result{}, err
		}
		return m.fetch(ctx, r, st, reporter(onProgress))
	}()
	if err != nil {
		return Result{}, asError("update", err)
	}
	return res, nil
}

// Has reports whether key has a mirror on disk (a local key: never).
func (m *Manager) Has(key string) bool {
	if isLocal(key) {
		return false
	}
	_, err := os.Stat(m.Path(key))
	return err == nil
}

// Complete turns a partial (commits-only) mirror into a full one by
// fetching every missing object; it does nothing for a full mirror or a
// local repository. Callers take turns under the key's lock: the next
// finds the mirror complete. An interrupted completion leaves the partial
// mirror usable, and a later call starts over. A missing mirror is an
// error matching fs.ErrNotExist.
func (m *Manager) Complete(ctx context.Context, key, url string, auth *Auth, onProgress func(progress.Progress)) error {
	if isLocal(key) {
		return nil
	}
	if err := m.complete(ctx, m.newRemote(key, url, auth), reporter(onProgress)); err != nil {
		return asError("complete", err)
	}
	return nil
}

// Remove deletes key's mirror, waiting for any clone or fetch of it to
// end. Removing a mirror that does not exist, or a local key, is not an
// error; a local repository is never touched.
func (m *Manager) Remove(key string) error {
	name := mirrorName(key)
	unlock, err := m.lock(context.Background(), name)
	if err != nil {
		return fmt.Errorf("lock mirror: %w", err)
	}
	defer unlock()
	return m.removeLocked(name)
}

// Usage returns how many mirrors the directory holds and their size in
// bytes.
func (m *Manager) Usage() (count int, bytes int64) {
	for _, e := range m.list() {
		count++
		bytes += e.size
	}
	return count, bytes
}

// openLocal returns a local repository's own git directory.
func (m *Manager) openLocal(ctx context.Context, path string) (Result, error) {
	gitDir, err := m.git.GitDir(ctx, path)
	if err != nil {
		kind := ctxKind(err)
		if errors.Is(err, gitcli.ErrNotRepository) {
			kind = gitcli.ErrNotRepository
		}
		m.log.Warn("open local repository failed", "err", err)
		return Result{}, &Error{Op: "open", kind: kind, cause: err}
	}
	return Result{GitDir: gitDir, Action: Local}, nil
}

// fresh reports whether a mirror was fetched recently enough. A fetch
// time in the future (a clock set back) is not trusted.
func (m *Manager) fresh(st state) bool {
	age := time.Since(st.fetched)
	return age >= 0 && age < m.interval
}

// touch records that a mirror was used, for eviction.
func (m *Manager) touch(dir string) {
	now := time.Now()
	if err := os.Chtimes(dir, now, now); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.log.Warn("record mirror use", "err", err)
	}
}
