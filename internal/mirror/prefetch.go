package mirror

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
)

// prefetchFetches is how many fetches Prefetch runs side by side. A
// server writes a pack on one core, and most of that time goes to the
// objects whose stored deltas it cannot send because their bases are not
// asked for: it rebuilds them and searches new deltas for them. Two
// fetches of half the year's trees of git/git took 0.9 s each against 1.6
// s for one.
const prefetchFetches = 2

// prefetchBuckets is how many groups by path parseRawBlobs sorts the
// blobs into before they are cut into fetches of at least prefetchBatch.
const prefetchBuckets = 64

// prefetchBatch is the fewest blobs one fetch of Prefetch asks for, but
// for the last. A server packs blobs asked for by name, which come with
// no path to sort delta candidates by, at a cost that grows faster than
// their number: git/git's 9,254 blobs of a year cost the server 9.8 s of
// CPU in one fetch, 8.3 s in 2 fetches by path, 6.9 s in 4, 6.0 s in 8
// and 5.2 s in 16, and the packs shrank from 15.2 MB (2 fetches) to 12.4
// MB (16). With the client's work and each fetch's start-up, the whole
// prefetch of those blobs took 9.9 s of CPU in 2 fetches, 8.0-8.4 s in 8
// or 16 (about 580 blobs each) and 8.8 s in 32.
const prefetchBatch = 512

// Prefetch fetches into a partial mirror what reading the line statistics
// of commits (full hexadecimal names) needs: the trees of the commits and
// of their parents, then the blobs their diffs change, in fetches that
// ask for those objects by name, a few side by side; after stopping the
// mirror's head start (see Options.HeadStart) and moving in what it
// fetched, only those still missing. Reading those commits' statistics
// then fetches nothing lazily, so that a window of recent history is
// answerable long before Complete has fetched everything. It does nothing
// for a complete mirror or a local repository. The fetches go through the
// same vetted, pinned, authenticated commands as every other; the local
// reads between them never fetch (gitcli.Git.Offline). onProgress, if
// not nil, is told the phase PhaseComplete: without a total while the
// trees are fetched, then how many of the fetches of blobs are done.
func (m *Manager) Prefetch(ctx context.Context, key, url string, auth *Auth, commits []string, onProgress func(progress.Progress)) error {
	if isLocal(key) || len(commits) == 0 {
		return nil
	}
	r := m.newRemote(key, url, auth)
	if err := m.prefetch(ctx, r, commits, reporter(onProgress)); err != nil {
		return asError("prefetch", err)
	}
	return nil
}

func (m *Manager) prefetch(ctx context.Context, r *remote, commits []string, report func(progress.Progress)) error {
	st, unlock, err := m.lockMirror(ctx, r, "prefetch")
	if err != nil {
		return err
	}
	defer unlock()
	if !st.partial {
		m.discardHeadStart(r)
		return nil
	}
	report(progress.Progress{Phase: progress.PhaseComplete})
	if err := m.syncURL(ctx, r, st); err != nil {
		return err
	}
	adopted, err := m.adoptHeadStart(ctx, r)
	if err != nil {
		return err
	}
	// After a head start, only what it did not fetch is asked for (a
	// fetch asks for every object named, present or not, and a server
	// packs it again): a root tree there came with all its subtrees (it
	// and a lazy fetch fetch trees with --filter=blob:none).
	keep := func(names []string) []string { return names }
	if adopted {
		present, err := m.presentObjects(ctx, r.dir)
		if err != nil {
			return fmt.Errorf("list fetched objects: %w", err)
		}
		keep = func(names []string) []string { return absent(names, present) }
	}
	trees, err := m.rootTrees(ctx, r.dir, commits)
	if err != nil {
		return fmt.Errorf("list root trees: %w", err)
	}
	// The trees come without blobs, in runs of consecutive commits (which
	// share most subtrees); then the blobs the diffs need, by path.
	if err := m.fetchObjects(ctx, r, runs(keep(trees), prefetchFetches), "--filter=blob:none", nil); err != nil {
		return fmt.Errorf("fetch trees: %w", err)
	}
	blobs, err := m.changedBlobs(ctx, r, commits)
	if err != nil {
		return fmt.Errorf("list changed files: %w", err)
	}
	for k := range blobs {
		blobs[k] = keep(blobs[k])
	}
	if err := m.fetchObjects(ctx, r, batches(blobs, m.blobBatch), "--no-filter", report); err != nil {
		return fmt.Errorf("fetch file contents: %w", err)
	}
	m.touch(r.dir)
	return nil
}

// rootTrees returns the root trees of commits and of their parents.
func (m *Manager) rootTrees(ctx context.Context, gitDir string, commits []string) ([]string, error) {
	seen := make(map[string]bool, len(commits))
	for _, c := range commits {
		seen[c] = true
	}
	var trees, parents []string
	add := func(out []byte) {
		for line := range bytes.Lines(out) {
			f := strings.Fields(string(line))
			if len(f) == 0 {
				continue
			}
			trees = append(trees, f[0])
			for _, p := range f[1:] {
				if !seen[p] {
					seen[p] = true
					parents = append(parents, p)
				}
			}
		}
	}
	out, err := m.commitTrees(ctx, gitDir, commits)
	if err != nil {
		return nil, err
	}
	add(out)
	if len(parents) == 0 {
		return trees, nil
	}
	if out, err = m.commitTrees(ctx, gitDir, parents); err != nil {
		return nil, err
	}
	add(out)
	return trees, nil
}

// commitTrees lists "tree parent..." for each of commits.
func (m *Manager) commitTrees(ctx context.Context, gitDir string, commits []string) ([]byte, error) {
	return m.git.Offline().Command(gitDir).Args("log", "--no-walk=unsorted", "--stdin", "--format=%T %P").
		Stdin([]byte(strings.Join(commits, "\n") + "\n")).Output(ctx)
}

// runs cuts names into at most n runs of consecutive names, as even as
// possible, none empty.
func runs(names []string, n int) [][]string {
	n = min(n, len(names))
	out := make([][]string, 0, n)
	for k := range n {
		out = append(out, names[k*len(names)/n:(k+1)*len(names)/n])
	}
	return out
}

// changedBlobs returns the blobs on either side of the changes of commits
// in r's repository (as Numstat diffs them: no renames, merges skipped,
// root commits against the empty tree), each once, in prefetchBuckets
// groups by path (see
// parseRawBlobs). The diffs are listed by prefetchFetches processes side
// by side, each over a run of commits (0.28 s of CPU for git/git's year).
func (m *Manager) changedBlobs(ctx context.Context, r *remote, commits []string) ([][]string, error) {
	parts := runs(commits, prefetchFetches)
	outs := make([][]byte, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for k, part := range parts {
		g.Go(func() (err error) {
			c := m.git.Offline().Command(r.dir)
			if r.background {
				c.Background()
			}
			outs[k], err = c.Args("diff-tree", "--stdin", "-r", "--root", "--raw", "--no-abbrev", "-z", "--no-renames").
				Stdin([]byte(strings.Join(part, "\n") + "\n")).Output(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return parseRawBlobs(bytes.Join(outs, nil), prefetchBuckets), nil
}

// batches joins consecutive groups into batches of at least size names
// (the last may have fewer), none empty.
func batches(groups [][]string, size int) [][]string {
	var out [][]string
	var cur []string
	for _, g := range groups {
		cur = append(cur, g...)
		if len(cur) >= size {
			out, cur = append(out, cur), nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// parseRawBlobs returns the distinct blob names of git diff-tree --raw -z
// output (":oldmode newmode old new status" records, each followed by a
// path, between commit names) in n groups, each blob in the group of the
// hash of the first path it comes with: every version of a file is in one
// group, so that a server rebuilding their delta chains rebuilds each
// chain once. Submodule commits are no blobs.
func parseRawBlobs(out []byte, n int) [][]string {
	seen := map[string]bool{}
	groups := make([][]string, n)
	toks := bytes.Split(out, []byte{0})
	for k, tok := range toks {
		if len(tok) == 0 || tok[0] != ':' || k+1 == len(toks) {
			continue
		}
		f := strings.Fields(string(tok[1:]))
		if len(f) < 5 {
			continue
		}
		h := fnv.New32a()
		_, _ = h.Write(toks[k+1]) // the path
		g := &groups[h.Sum32()%uint32(n)]
		for side := range 2 {
			mode, oid := f[side], f[2+side]
			if mode == "160000" || strings.Trim(oid, "0") == "" || seen[oid] {
				continue
			}
			seen[oid] = true
			*g = append(*g, oid)
		}
	}
	return groups
}

// fetchQuietly makes c a fetch as a lazy fetch is (no negotiation, no
// tags, no FETCH_HEAD, no submodules) that writes no commit-graph, runs
// no maintenance and keeps what it fetched as a pack, however few the
// objects (a head start's packs are moved into the mirror; loose objects
// would stay behind); options, what to fetch and from where follow.
func fetchQuietly(c *gitcli.Command) *gitcli.Command {
	return c.Config("fetch.negotiationAlgorithm", "noop").Config("fetch.writeCommitGraph", "false").
		Config("maintenance.auto", "false").Config("gc.auto", "0").Config("fetch.unpackLimit", "1").
		Args("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no")
}

// fetchObjects fetches the named objects from r's remote, as a lazy fetch
// would (no negotiation, no refs, no tags), with filter: --filter=blob:none
// for trees without their blobs, --no-filter for blobs; one fetch per
// group, prefetchFetches at a time. It writes no commit-graph and runs no
// maintenance: Complete does both later. report, if not nil, is told the
// phase PhaseComplete with how many of the fetches are done, before the
// first and after each that succeeded, one report at a time.
func (m *Manager) fetchObjects(ctx context.Context, r *remote, groups [][]string, filter gitcli.Arg, report func(progress.Progress)) error {
	groups = slices.DeleteFunc(groups, func(oids []string) bool { return len(oids) == 0 })
	report = reporter(report)
	report(progress.Progress{Phase: progress.PhaseComplete, Total: len(groups)})
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(prefetchFetches)
	var vetting sync.Mutex  // netCommand writes the vetted addresses into the mirror's config
	var counting sync.Mutex // reports are made one at a time, in order
	done := 0
	for _, oids := range groups {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err // another fetch failed
			}
			vetting.Lock()
			c, nctx, cancel, err := m.netCommand(gctx, r, r.dir)
			vetting.Unlock()
			if err != nil {
				return err
			}
			defer cancel()
			err = fetchQuietly(c).Args(filter, "origin", "--stdin").
				Stdin([]byte(strings.Join(oids, "\n") + "\n")).Run(nctx)
			if err == nil {
				counting.Lock()
				done++
				report(progress.Progress{Phase: progress.PhaseComplete, Done: done, Total: len(groups)})
				counting.Unlock()
			}
			return err
		})
	}
	return g.Wait()
}
