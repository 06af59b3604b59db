package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
)

// headStartMargin widens a head start's period: it selects commits by
// committer date, which may lag behind an author date by a little (clock
// skew), and what it misses is fetched by Prefetch anyway.
const headStartMargin = 7 * 24 * time.Hour

// errWholeHistory ends a head start whose period holds the whole history.
var errWholeHistory = errors.New("the whole history lies in the head start's period")

// headStart is the early fetch of the newest period of a repository being
// cloned (see Options.HeadStart), into a temporary repository of its own.
type headStart struct {
	dir    string             // the temporary repository
	done   chan struct{}      // closed when its fetches have ended
	err    error              // their outcome, once done is closed
	stop   context.CancelFunc // stops its fetches, keeping its directory
	cancel context.CancelFunc // stops it; its directory is removed once it ended
}

// headStarts are the head starts not yet taken, by mirror name.
type headStarts struct {
	mu sync.Mutex
	m  map[string]*headStart
	// running counts the head starts whose directory is not removed yet.
	running sync.WaitGroup
}

// put records hs as name's head start and returns the one it replaces.
func (h *headStarts) put(name string, hs *headStart) *headStart {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]*headStart{}
	}
	old := h.m[name]
	h.m[name] = hs
	return old
}

// take removes name's head start and returns it (nil if none); only hs
// itself when hs is not nil.
func (h *headStarts) take(name string, hs *headStart) *headStart {
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := h.m[name]
	if cur == nil || hs != nil && cur != hs {
		return nil
	}
	delete(h.m, name)
	return cur
}

// startHeadStart starts r's head start beside its clone, unless
// Options.HeadStart is zero. It lives until Prefetch takes its objects,
// Complete or a failed clone discards it, or ctx ends; then its directory
// is removed.
func (m *Manager) startHeadStart(ctx context.Context, r *remote) {
	if m.headStart <= 0 {
		return
	}
	dir, err := os.MkdirTemp(m.dir, tmpPrefix+r.name+".")
	if err != nil {
		m.log.Warn("no head start for the newest commits", "repo", r.key, "err", err)
		return
	}
	hctx, cancel := context.WithCancel(ctx)
	wctx, stop := context.WithCancel(hctx)
	hs := &headStart{dir: dir, done: make(chan struct{}), stop: stop, cancel: cancel}
	if old := m.headStarts.put(r.name, hs); old != nil {
		old.cancel()
	}
	m.headStarts.running.Add(2)
	go func() {
		defer m.headStarts.running.Done()
		defer close(hs.done)
		hs.err = m.runHeadStart(wctx, r, hs)
	}()
	context.AfterFunc(hctx, func() {
		defer m.headStarts.running.Done()
		<-hs.done
		m.headStarts.take(r.name, hs)
		if err := os.RemoveAll(dir); err != nil {
			m.log.Warn("could not remove a head start; the next start removes it", "dir", filepath.Base(dir), "err", err)
		}
	})
}

// Close stops every head start (see Options.HeadStart) and returns once
// their temporary repositories are removed. The Manager stays usable.
func (m *Manager) Close() {
	m.headStarts.mu.Lock()
	for _, hs := range m.headStarts.m {
		hs.cancel()
	}
	m.headStarts.mu.Unlock()
	m.headStarts.running.Wait()
}

// discardHeadStart stops r's head start, if any, and removes it, without
// waiting for anything it was fetching: its commands run at the lowest
// priority, which a machine busy with other work may give no time at all.
// (Letting it reach its commits and trees first, for the requests a
// remote sees of it not to depend on when it was stopped, made the first
// churn of a 348-commit repository take 17-20 s instead of 0.7 s while
// two other processes kept both cores busy.)
func (m *Manager) discardHeadStart(r *remote) {
	if hs := m.headStarts.take(r.name, nil); hs != nil {
		hs.cancel()
	}
}

// runHeadStart fetches into the new repository of hs, at the lowest
// priority, r's head commit, then the commits of the period m.headStart
// before its author date with their trees (a shallow fetch: the server
// walks them with their paths), then the blobs their diffs change as
// Prefetch does. The commits at the shallow boundary are not diffed: their
// parents are not there.
func (m *Manager) runHeadStart(ctx context.Context, r *remote, hs *headStart) error {
	dir := hs.dir
	hr := *r
	hr.dir, hr.background = dir, true
	if err := m.git.Command("").Args("init", "--quiet", "--bare").AddDynamic(dir).Run(ctx); err != nil {
		return err
	}
	if err := m.git.Command(dir).Args("remote", "add", "origin").AddDynamic(r.url).Run(ctx); err != nil {
		return err
	}
	if err := m.secure(ctx, dir); err != nil {
		return err
	}
	if err := m.headStartFetch(ctx, &hr, func(c *gitcli.Command) { c.Args("--depth=1", "--filter=tree:0") }); err != nil {
		return fmt.Errorf("fetch the head commit: %w", err)
	}
	local := m.git.Offline()
	out, err := local.Command(dir).Args("log", "-1", "--format=%at", headStartRef).Output(ctx)
	if err != nil {
		return err
	}
	at, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return fmt.Errorf("head commit's author date %q: %w", out, err)
	}
	since := at - int64((m.headStart+headStartMargin)/time.Second)
	// git reads a number of more than 8 digits as seconds since 1970.
	if err := m.headStartFetch(ctx, &hr, func(c *gitcli.Command) { c.IntOption("--shallow-since", int(since)).Args("--filter=blob:none") }); err != nil {
		return fmt.Errorf("fetch the newest commits' trees: %w", err)
	}
	if out, err = local.Command(dir).Args("rev-list", headStartRef).Output(ctx); err != nil {
		return err
	}
	boundary, err := os.ReadFile(filepath.Join(dir, "shallow"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(boundary) == 0 {
		// The whole history lies in the period: nothing is read before
		// the rest, and Complete fetches it all in one pack.
		return errWholeHistory
	}
	shallow := map[string]bool{}
	for _, c := range strings.Fields(string(boundary)) {
		shallow[c] = true
	}
	commits := absent(strings.Fields(string(out)), shallow)
	if len(commits) == 0 {
		return nil
	}
	blobs, err := m.changedBlobs(ctx, &hr, commits)
	if err != nil {
		return fmt.Errorf("list changed files: %w", err)
	}
	if err := m.fetchObjects(ctx, &hr, batches(blobs, m.blobBatch), "--no-filter", nil); err != nil {
		return fmt.Errorf("fetch file contents: %w", err)
	}
	return nil
}

// headStartRef is the branch of a head start that holds the remote's HEAD.
const headStartRef = "refs/heads/head"

// headStartFetch fetches the remote's HEAD into the head start hr, with
// the depth and filter options that options adds.
func (m *Manager) headStartFetch(ctx context.Context, hr *remote, options func(*gitcli.Command)) error {
	c, nctx, cancel, err := m.netCommand(ctx, hr, hr.dir)
	if err != nil {
		return err
	}
	defer cancel()
	fetchQuietly(c)
	options(c)
	return c.Args("origin", "+HEAD:"+headStartRef).Run(nctx)
}

// adoptHeadStart stops r's head start, if any, and moves the packs it
// completed into r's mirror; it reports whether it did. Its commands run
// at the lowest priority, which a machine busy with other work may give
// no time at all, so what they have not fetched yet is not waited for:
// Prefetch fetches it at the usual priority (on an idle machine the first
// churn of git/git's year took a median 7.38 s so, 7.30 s waiting for the
// head start to end, five runs each). A head start that failed by itself
// is logged and dropped.
func (m *Manager) adoptHeadStart(ctx context.Context, r *remote) (bool, error) {
	hs := m.headStarts.take(r.name, nil)
	if hs == nil {
		return false, nil
	}
	defer hs.cancel()
	hs.stop() // its processes are killed: it ends at once
	select {
	case <-hs.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if errors.Is(hs.err, errWholeHistory) {
		return false, nil
	}
	if hs.err != nil && !errors.Is(hs.err, context.Canceled) {
		m.log.Warn("the head start for the newest commits failed; fetching them now", "repo", r.key, "err", hs.err)
		return false, nil
	}
	return true, movePacks(filepath.Join(hs.dir, "objects", "pack"), filepath.Join(r.dir, "objects", "pack"))
}

// movePacks moves every pack of the directory from into the directory to,
// each pack's index last: git sees a pack by its index, so that a pack is
// never seen half moved.
func movePacks(from, to string) error {
	idxs, err := filepath.Glob(filepath.Join(from, "pack-*.idx"))
	if err != nil {
		return err
	}
	for _, idx := range idxs {
		base := strings.TrimSuffix(filepath.Base(idx), ".idx")
		for _, ext := range []string{".pack", ".rev", ".promisor", ".idx"} {
			err := os.Rename(filepath.Join(from, base+ext), filepath.Join(to, base+ext))
			if err != nil && (ext == ".pack" || ext == ".idx" || !errors.Is(err, os.ErrNotExist)) {
				return fmt.Errorf("move fetched objects: %w", err)
			}
		}
	}
	return nil
}

// presentObjects returns the names of every object gitDir holds (never
// fetching one).
func (m *Manager) presentObjects(ctx context.Context, gitDir string) (map[string]bool, error) {
	out, err := m.git.Offline().Command(gitDir).
		Args("cat-file", "--batch-all-objects", "--unordered", "--batch-check=%(objectname)").Output(ctx)
	if err != nil {
		return nil, err
	}
	present := make(map[string]bool, bytes.Count(out, []byte{'\n'}))
	for line := range bytes.Lines(out) {
		present[string(bytes.TrimSuffix(line, []byte{'\n'}))] = true
	}
	return present, nil
}

// absent returns those of names not in present.
func absent(names []string, present map[string]bool) []string {
	var out []string
	for _, n := range names {
		if !present[n] {
			out = append(out, n)
		}
	}
	return out
}
