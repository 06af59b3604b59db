package index

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
)

// Builder builds and extends indexes by running git.
type Builder struct {
	// Git runs the git commands.
	Git *gitcli.Git
	// Rev is the revision to index; empty means HEAD. The index's Branch
	// is always the branch HEAD points to.
	Rev string
	// Workers is how many git processes the line-statistics pass runs at
	// once; zero means one per CPU.
	Workers int
	// OnProgress, if set, is called as a build advances through
	// progress.PhaseMetadata, PhaseLineStats and PhaseDone, counting
	// commits (Total is 0 until known). It may be called from several
	// goroutines and must return quickly.
	OnProgress func(progress.Progress)
}

func (b *Builder) report(p progress.Progress) {
	if b.OnProgress != nil {
		b.OnProgress(p)
	}
}

// Build reads the whole history of the repository's HEAD branch: pass 1,
// handed to onMetadata (which may be nil) as soon as it is done so that
// callers can answer metadata queries early, then pass 2.
func (b *Builder) Build(ctx context.Context, gitDir string, onMetadata func(*Index)) (*Index, error) {
	x, err := b.Metadata(ctx, gitDir, nil)
	if err != nil {
		return nil, err
	}
	if onMetadata != nil {
		onMetadata(x)
	}
	return b.LineStats(ctx, gitDir, x)
}

// Metadata runs pass 1 over the repository's HEAD branch. With base set, it
// reads only the commits not reachable from base's head and returns them
// as an index whose identity and path tables extend base's.
func (b *Builder) Metadata(ctx context.Context, gitDir string, base *Index) (*Index, error) {
	x, _, err := b.metadata(ctx, gitDir, base, nil)
	return x, err
}

// tip is the branch HEAD points to and the commit to index.
type tip struct{ branch, head string }

// metadata is Metadata that also reports whether git log lists the new
// commits before all of base's, in base's order, so that Update keeps git
// log's order without asking git for it: every new commit's parents are
// new commits or base's head, and each was committed after base's head
// (git log walks the commits by committer date, newest first). at, when
// not nil, is the tip Update read and found base's head an ancestor of
// (so the object format is base's).
func (b *Builder) metadata(ctx context.Context, gitDir string, base *Index, at *tip) (x *Index, onTop bool, err error) {
	var branch, head, format string
	if at != nil {
		branch, head, format = at.branch, at.head, base.ObjectFormat
	} else {
		branch, head, err = b.Git.Head(ctx, gitDir, b.Rev)
		var ferr error
		if format, ferr = b.Git.ObjectFormat(ctx, gitDir); ferr != nil {
			return nil, false, fmt.Errorf("read object format: %w", ferr)
		}
	}
	x = &Index{ObjectFormat: format, Branch: branch, HashSize: hashSize(format), SubjectOff: []uint32{0}}
	if base != nil && base.ObjectFormat != format {
		return nil, false, fmt.Errorf("object format changed from %s to %s", base.ObjectFormat, format)
	}
	idents, raw := newIdentInterner(nil), newIdentInterner(nil)
	if base != nil {
		idents, raw = newIdentInterner(base.Idents), newIdentInterner(base.RawIdents)
		x.Paths = base.Paths
	}
	if errors.Is(err, gitcli.ErrNoCommits) {
		x.Idents, x.RawIdents = idents.values, raw.values
		return x, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read HEAD: %w", err)
	}
	if x.Mailmap, err = b.Git.MailmapBlob(ctx, gitDir, head); err != nil {
		return nil, false, fmt.Errorf("read .mailmap: %w", err)
	}
	var exclude []string
	top := newTopCheck(base)
	if top != nil {
		exclude = []string{top.baseHead}
		x.exclude = exclude
	}
	// The total is only for progress reports, made every 4,096 commits
	// and at the end. A fresh history takes the commit-graph's size (no
	// walk; an upper estimate, raised to what has been read if it falls
	// short), as a second walk beside the log costs as much CPU as the log
	// itself; an extension that reaches 4,096 commits counts them on
	// another core from then on (a shorter one, reported only at its end,
	// counts nothing).
	var total atomic.Int64
	var counted chan struct{}
	if top == nil {
		total.Store(int64(b.Git.CommitGraphSize(ctx, gitDir)))
	}
	defer func() {
		if counted != nil {
			<-counted
		}
	}()
	b.report(progress.Progress{Phase: progress.PhaseMetadata})
	x.grow(4096)
	err = b.Git.LogMetadata(ctx, gitDir, head, exclude, func(c *gitcli.CommitMeta) error {
		n := len(x.Hashes)
		x.Hashes = append(x.Hashes, make([]byte, x.HashSize)...)
		if _, err := hex.Decode(x.Hashes[n:], c.Hash); err != nil || len(c.Hash) != 2*x.HashSize {
			return fmt.Errorf("bad commit hash %q", c.Hash)
		}
		top.add(c)
		x.Parents = append(x.Parents, uint16(min(c.Parents, 0xffff)))
		x.Author = append(x.Author, idents.intern(c.AuthorName, c.AuthorEmail))
		x.Committer = append(x.Committer, idents.intern(c.CommitterName, c.CommitterEmail))
		x.RawAuthor = append(x.RawAuthor, raw.intern(c.Raw[0], c.Raw[1]))
		x.RawCommitter = append(x.RawCommitter, raw.intern(c.Raw[2], c.Raw[3]))
		x.AuthorTime = append(x.AuthorTime, c.AuthorTime)
		x.AuthorZone = append(x.AuthorZone, c.AuthorZone)
		x.CommitTime = append(x.CommitTime, c.CommitTime)
		x.Subjects = append(x.Subjects, c.Subject...)
		x.SubjectOff = append(x.SubjectOff, uint32(len(x.Subjects)))
		if done := x.Len(); done%4096 == 0 {
			if top != nil && counted == nil {
				counted = make(chan struct{})
				go func() {
					defer close(counted)
					if n, err := b.Git.CountCommits(ctx, gitDir, head, exclude...); err == nil {
						total.Store(int64(n))
					}
				}()
			}
			t := int(total.Load())
			if t > 0 {
				t = max(t, done)
			}
			b.report(progress.Progress{Phase: progress.PhaseMetadata, Done: done, Total: t})
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read commit metadata: %w", err)
	}
	x.Idents, x.RawIdents = idents.values, raw.values
	b.report(progress.Progress{Phase: progress.PhaseMetadata, Done: x.Len(), Total: x.Len()})
	return x, top.onTop(), nil
}

// topCheck decides, while new commits stream in, whether git log lists
// them all before the base's commits (see metadata).
type topCheck struct {
	baseHead string
	baseTime int64
	seen     map[string]bool // new commits
	parents  []string        // their parents
	ok       bool
}

// newTopCheck returns nil when base is nil or empty (a full build).
func newTopCheck(base *Index) *topCheck {
	if base == nil || base.Len() == 0 {
		return nil
	}
	// git reads an unreadable date as 0: order is then git's to say.
	t := base.CommitTime[0]
	return &topCheck{baseHead: base.Head(), baseTime: t, seen: make(map[string]bool), ok: t != UnknownTime && t > 0}
}

func (t *topCheck) add(c *gitcli.CommitMeta) {
	if t == nil {
		return
	}
	t.seen[string(c.Hash)] = true
	if c.CommitTime == UnknownTime || c.CommitTime <= t.baseTime {
		t.ok = false
	}
	for p := range bytes.FieldsSeq(c.ParentHashes) {
		t.parents = append(t.parents, string(p))
	}
}

func (t *topCheck) onTop() bool {
	if t == nil {
		return true
	}
	for _, p := range t.parents {
		if !t.ok {
			break
		}
		t.ok = p == t.baseHead || t.seen[p]
	}
	return t.ok
}

func hashSize(format string) int {
	if format == "sha256" {
		return 32
	}
	return 20
}

func (x *Index) grow(n int) {
	x.Hashes = make([]byte, 0, n*x.HashSize)
	x.Parents = make([]uint16, 0, n)
	x.Author = make([]uint32, 0, n)
	x.Committer = make([]uint32, 0, n)
	x.AuthorTime = make([]int64, 0, n)
	x.AuthorZone = make([]int16, 0, n)
	x.CommitTime = make([]int64, 0, n)
	x.SubjectOff = make([]uint32, 1, n+1)
	x.Subjects = make([]byte, 0, n*48)
}

// interner assigns dense ids to distinct values.
type interner[T comparable] struct {
	ids    map[T]uint32
	values []T
}

func newInterner[T comparable](values []T) *interner[T] {
	in := &interner[T]{ids: make(map[T]uint32, len(values)), values: values[:len(values):len(values)]}
	for i, v := range values {
		in.ids[v] = uint32(i)
	}
	return in
}

func (in *interner[T]) intern(v T) uint32 {
	if id, ok := in.ids[v]; ok {
		return id
	}
	id := uint32(len(in.values))
	in.ids[v] = id
	in.values = append(in.values, v)
	return id
}

// identInterner assigns dense ids to identities, looked up by a
// "name\x00email" key built in reused scratch space so that a known
// identity costs no allocation.
type identInterner struct {
	ids     map[string]uint32
	values  []Ident
	scratch []byte
}

func newIdentInterner(values []Ident) *identInterner {
	in := &identInterner{ids: make(map[string]uint32, len(values)), values: values[:len(values):len(values)]}
	for i, v := range values {
		in.ids[v.Name+"\x00"+v.Email] = uint32(i)
	}
	return in
}

func (in *identInterner) intern(name, email []byte) uint32 {
	in.scratch = append(append(append(in.scratch[:0], name...), 0), email...)
	if id, ok := in.ids[string(in.scratch)]; ok {
		return id
	}
	id := uint32(len(in.values))
	in.ids[string(in.scratch)] = id
	in.values = append(in.values, Ident{Name: string(name), Email: string(email)})
	return id
}

// LineStats runs pass 2 over every commit of x whose line statistics are
// not read yet (all of them after pass 1) and returns a copy of x with line
// statistics for all of them. Workers git processes read them, each a run
// of neighbouring commits, whose trees share deltas git has just unpacked,
// until it meets commits another has read (see reading): the first from
// the newest commit, the second from the oldest, any further one (and one
// after a process ends) inside the longest run left, while that leaves
// each at least minShare commits. Every process
// costs its start: the walk to its first commit, trees and delta bases
// read with a cold cache, the pages of the pack and of its heap faulted in
// anew (git/git read in eight chunks one after another: 290,000 minor
// faults and 0.84-0.93 s of system time, against 48,000 and 0.27 s in one
// process); spreading 1,024-commit blocks round-robin cost 7% more git CPU
// than one process.
func (b *Builder) LineStats(ctx context.Context, gitDir string, x *Index) (*Index, error) {
	return b.MoreStats(ctx, gitDir, x, x.Len())
}

// MoreStats is LineStats for the commits at positions [x.Covered(), upto)
// only: it returns a copy of x whose line statistics cover its newest upto
// commits (see Index.StatsCovered), all of them when upto is x.Len().
// Commits already covered are not read again.
func (b *Builder) MoreStats(ctx context.Context, gitDir string, x *Index, upto int) (*Index, error) {
	n := x.Len()
	from := x.Covered()
	upto = min(max(upto, from), n)
	workers := b.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	b.report(progress.Progress{Phase: progress.PhaseLineStats, Done: from, Total: n})

	plan := newReading(from, upto)
	parts := make([]*statsPart, workers)
	errs := make([]error, workers)
	var done atomic.Int64
	done.Store(int64(from))
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range workers {
		parts[w] = newStatsPart(x.Paths)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := plan.next(); r != nil && ctx.Err() == nil; r = plan.next() {
				errs[w] = b.readRun(ctx, gitDir, x, plan, r, parts[w], &done)
				plan.done(r)
				if errs[w] != nil {
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, fmt.Errorf("read line statistics: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read line statistics: %w", err)
	}
	if i := plan.unread(); i >= 0 {
		return nil, fmt.Errorf("read line statistics: git log did not list commit %d", i)
	}
	if from > 0 {
		parts = append(parts, coveredPart(x))
	}
	y := *x
	y.ext, y.room = nil, nil
	assembleStats(&y, parts, upto)
	if upto == n {
		b.report(progress.Progress{Phase: progress.PhaseDone, Done: n, Total: n})
	}
	return &y, nil
}

// errMet stops a git process of pass 2 at a commit another has read.
var errMet = errors.New("met commits another git process read")

// readRun reads the line statistics of r's commits into p, as far as it
// takes them, with one git log over the same revisions pass 1 read,
// skipping the commits before r's. Every commit git lists must be the
// index's at its position, and git must list them all unless r meets
// commits another process has read.
func (b *Builder) readRun(ctx context.Context, gitDir string, x *Index, plan *reading, r *reader, p *statsPart, done *atomic.Int64) error {
	n := x.Len()
	i, step := r.first, 1
	if r.reverse {
		i, step = r.last-1, -1
	}
	raw := make([]byte, x.HashSize)
	rng := gitcli.NumstatRange{Skip: r.first, Count: r.last - r.first, Reverse: r.reverse}
	// git may run ahead of this reader for d only while it cannot reach
	// commits another process reads: the commits ahead, up to those taken,
	// must last four times d at this process's pace so far (two processes
	// meet halfway, and a margin of two), or else git would diff commits
	// the other diffs too.
	start, taken := time.Now(), 0
	rng.MayPause = func(d time.Duration) bool {
		if taken == 0 {
			return false
		}
		need := int(4*d*time.Duration(taken)/time.Since(start)) + 1
		return plan.ahead(r, need) >= need
	}
	err := b.Git.LogNumstat(ctx, gitDir, x.Head(), x.exclude, rng, func(hash []byte, files []gitcli.FileStat) error {
		if _, err := hex.Decode(raw, hash); err != nil || len(hash) != 2*x.HashSize {
			return fmt.Errorf("bad commit hash %q", hash)
		}
		if i < r.first || i >= r.last || !bytes.Equal(raw, x.Hashes[i*x.HashSize:(i+1)*x.HashSize]) {
			return fmt.Errorf("git log lists commit %s where the index has commit %d", hash, i)
		}
		if !plan.take(r, i) {
			return errMet
		}
		p.add(uint32(i), files)
		i += step
		taken++
		if c := done.Add(1); c%2048 == 0 {
			b.report(progress.Progress{Phase: progress.PhaseLineStats, Done: int(c), Total: n})
		}
		return nil
	})
	if errors.Is(err, errMet) {
		return nil
	}
	if err == nil && i >= r.first && i < r.last {
		listed := i - r.first
		if r.reverse {
			listed = r.last - 1 - i
		}
		return fmt.Errorf("git log listed %d of the %d commits from position %d", listed, r.last-r.first, r.first)
	}
	return err
}

func firstError(errs []error) error {
	// A worker cancelled because another failed reports context.Canceled;
	// prefer the error that caused it.
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if !errors.Is(err, context.Canceled) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// statsPart is one worker's results: file changes per commit, with path
// ids from the worker's own interner (seeded with the base paths, so ids
// below len(base) agree across workers).
type statsPart struct {
	paths   *interner[string]
	commits []uint32 // commit positions, in the order reported
	offs    []uint32 // len(commits)+1 offsets into the arrays below
	path    []uint32
	added   []uint32
	deleted []uint32
}

func newStatsPart(base []string) *statsPart {
	return &statsPart{paths: newInterner(base), offs: []uint32{0}}
}

func (p *statsPart) add(commit uint32, files []gitcli.FileStat) {
	p.commits = append(p.commits, commit)
	for _, f := range files {
		id, ok := p.paths.ids[string(f.Path)]
		if !ok {
			id = p.paths.intern(string(f.Path))
		}
		p.path = append(p.path, id)
		p.added = append(p.added, f.Added)
		p.deleted = append(p.deleted, f.Deleted)
	}
	p.offs = append(p.offs, uint32(len(p.path)))
}

// coveredPart is the line statistics x has already read, as a part whose
// path ids are x's own.
func coveredPart(x *Index) *statsPart {
	k := x.Covered()
	commits := make([]uint32, k)
	for i := range commits {
		commits[i] = uint32(i)
	}
	end := x.ChangeOff[k]
	return &statsPart{paths: &interner[string]{values: x.Paths}, commits: commits, offs: x.ChangeOff[:k+1],
		path: x.ChangePath[:end], added: x.ChangeAdded[:end], deleted: x.ChangeDeleted[:end]}
}

// assembleStats merges the parts into x's stats columns, in commit order,
// with one global path table: the parts cover the newest covered commits
// of x, which then has line statistics for those (all of them when covered
// is x.Len()).
func assembleStats(x *Index, parts []*statsPart, covered int) {
	n := x.Len()
	base := len(x.Paths)
	global := newInterner(x.Paths)
	remaps := make([][]uint32, len(parts))
	type loc struct{ part, k int32 }
	where := make([]loc, n)
	for i := range where {
		where[i] = loc{-1, 0}
	}
	total := 0
	for pi, p := range parts {
		remap := make([]uint32, len(p.paths.values)-base)
		for j, s := range p.paths.values[base:] {
			remap[j] = global.intern(s)
		}
		remaps[pi] = remap
		for k, c := range p.commits {
			where[c] = loc{int32(pi), int32(k)}
		}
		total += len(p.path)
	}
	x.Paths = global.values
	x.Added = make([]uint32, n)
	x.Deleted = make([]uint32, n)
	x.FilesChanged = make([]uint32, n)
	x.ChangeOff = make([]uint32, n+1)
	x.ChangePath = make([]uint32, 0, total)
	x.ChangeAdded = make([]uint32, 0, total)
	x.ChangeDeleted = make([]uint32, 0, total)
	for i := 0; i < n; i++ {
		if l := where[i]; l.part >= 0 {
			p := parts[l.part]
			lo, hi := p.offs[l.k], p.offs[l.k+1]
			for j := lo; j < hi; j++ {
				id := p.path[j]
				if int(id) >= base {
					id = remaps[l.part][int(id)-base]
				}
				x.ChangePath = append(x.ChangePath, id)
				x.ChangeAdded = append(x.ChangeAdded, p.added[j])
				x.ChangeDeleted = append(x.ChangeDeleted, p.deleted[j])
				x.Added[i] += p.added[j]
				x.Deleted[i] += p.deleted[j]
			}
			x.FilesChanged[i] = hi - lo
		}
		x.ChangeOff[i+1] = uint32(len(x.ChangePath))
	}
	x.HasStats = covered == n
	x.StatsCovered = 0
	if !x.HasStats {
		x.StatsCovered = covered
	}
}

// Update brings old up to date with the repository's HEAD branch. When the
// branch has only moved forward, just the new commits are read (both
// passes) and joined to old in git log's order, and when the head's
// .mailmap differs from the one old was mapped with, every identity is
// mapped again; the result equals a fresh build. When history was
// rewritten (old's head is no longer an ancestor of the branch), the index
// is rebuilt, and onMetadata (if not nil) receives its pass-1 result as in
// Build; so it does when old has no line statistics (a pass-1 index saved
// before pass 2 ended), which are then read for the whole history. It
// returns old itself when nothing changed. rebuilt reports a full rebuild.
// old stays whole: when git log lists the new commits before all of old's,
// they are written in the room in front of old's columns if old owns one
// (an index made by Load or Update does) instead of copying old's.
func (b *Builder) Update(ctx context.Context, gitDir string, old *Index, onMetadata func(*Index)) (x *Index, rebuilt bool, err error) {
	return b.update(ctx, gitDir, old, onMetadata, false)
}

// UpdateUnshared is Update for an old index that nothing else reads (one
// just loaded, not yet handed to anyone), which it may write over: when
// git log lists the new commits among old's newest ones (an older branch
// merged), the extension, which replaces those, is written over them and
// into the room in front of them, so that old's columns are not copied
// whatever the order. old must not be used after it, even when it fails.
func (b *Builder) UpdateUnshared(ctx context.Context, gitDir string, old *Index, onMetadata func(*Index)) (x *Index, rebuilt bool, err error) {
	return b.update(ctx, gitDir, old, onMetadata, true)
}

func (b *Builder) update(ctx context.Context, gitDir string, old *Index, onMetadata func(*Index), unshared bool) (x *Index, rebuilt bool, err error) {
	branch, head, err := b.Git.Head(ctx, gitDir, b.Rev)
	if err != nil && !errors.Is(err, gitcli.ErrNoCommits) {
		return nil, false, fmt.Errorf("read HEAD: %w", err)
	}
	if head == old.Head() && branch == old.Branch && old.HasStats {
		return old, false, nil
	}
	if !b.extends(ctx, gitDir, old, head, branch) {
		x, err := b.Build(ctx, gitDir, onMetadata)
		return x, true, err
	}
	delta, onTop, err := b.metadata(ctx, gitDir, old, &tip{branch, head})
	if err != nil {
		return nil, false, err
	}
	if old.HasStats {
		if delta, err = b.LineStats(ctx, gitDir, delta); err != nil {
			return nil, false, err
		}
	}
	// The commits above old's that keep their order: the new ones, or
	// those and the old ones git log lists among them.
	top, drop := delta, 0
	if !onTop {
		if top, drop, err = b.reorder(ctx, gitDir, delta, old, head); err != nil {
			return b.rebuildAfter(ctx, gitDir, err, onMetadata)
		}
	}
	prev := old.shape() // before an unshared old is written over
	x = extend(delta, top, old, drop, unshared)
	remap := old.Mailmap != delta.Mailmap
	if remap {
		if err := b.remap(ctx, gitDir, x, head); err != nil {
			return b.rebuildAfter(ctx, gitDir, err, onMetadata)
		}
	}
	if x.HasStats {
		if !remap {
			// Save writes the new top alone.
			x.ext = &extension{prev: prev, drop: drop, top: top}
		}
		return x, false, nil
	}
	// old is pass 1 only (saved before pass 2 ended): the extended pass 1
	// can be served while pass 2 runs over all of it.
	if onMetadata != nil {
		onMetadata(x)
	}
	x, err = b.LineStats(ctx, gitDir, x)
	return x, false, err
}

// extend returns the index of top's commits followed by old's but its
// first drop, with delta's tables: in the room in front of old's columns
// when it can (see room), and over old's first drop commits when old is
// unshared, else copied into a new room.
func extend(delta, top, old *Index, drop int, unshared bool) *Index {
	if drop == 0 || unshared {
		if x, ok := prepend(top, old, drop); ok {
			return x
		}
	}
	rest := old.slice(drop, old.Len())
	n := top.Len() + rest.Len()
	s := spareFor(n, len(top.Subjects)+len(rest.Subjects), len(top.ChangePath)+len(rest.ChangePath))
	return join(delta, s, top, rest)
}

// rebuildAfter rebuilds the index after err, unless the context ended:
// what could not be mapped or ordered incrementally is rebuilt.
func (b *Builder) rebuildAfter(ctx context.Context, gitDir string, err error, onMetadata func(*Index)) (*Index, bool, error) {
	if ctx.Err() != nil {
		return nil, false, err
	}
	x, err := b.Build(ctx, gitDir, onMetadata)
	return x, true, err
}

// remap maps every raw identity of x, freshly made, through head's
// .mailmap (which differs from the one its identities were mapped with).
func (b *Builder) remap(ctx context.Context, gitDir string, x *Index, head string) error {
	mapped, err := b.Git.MapIdents(ctx, gitDir, head, toGit(x.RawIdents))
	if err != nil {
		return fmt.Errorf("map identities: %w", err)
	}
	x.remapIdents(mapped)
	return nil
}

func toGit(ids []Ident) []gitcli.Ident {
	out := make([]gitcli.Ident, len(ids))
	for i, id := range ids {
		out[i] = gitcli.Ident(id)
	}
	return out
}

// remapIdents sets every commit's author and committer to mapped[raw id]
// and rebuilds Idents as a fresh build interns them (in commit order,
// author before committer), dropping identities no commit uses any more.
// The two columns are made anew (x's may be shared with an older index,
// see room); x must be freshly made, as it is changed.
func (x *Index) remapIdents(mapped []gitcli.Ident) {
	in := newInterner[Ident](nil)
	x.Author, x.Committer = make([]uint32, x.Len()), make([]uint32, x.Len())
	for i := range x.Len() {
		x.Author[i] = in.intern(Ident(mapped[x.RawAuthor[i]]))
		x.Committer[i] = in.intern(Ident(mapped[x.RawCommitter[i]]))
	}
	x.Idents = in.values
}

// permute returns x with its commits in order: commit k of the result is
// commit order[k] of x.
func (x *Index) permute(order []uint32) *Index {
	y := *x
	y.ext, y.room = nil, nil
	y.Hashes = make([]byte, 0, len(x.Hashes))
	for _, i := range order {
		y.Hashes = append(y.Hashes, x.Hashes[int(i)*x.HashSize:(int(i)+1)*x.HashSize]...)
	}
	y.Parents = gather(x.Parents, order)
	y.Author, y.Committer = gather(x.Author, order), gather(x.Committer, order)
	y.RawAuthor, y.RawCommitter = gather(x.RawAuthor, order), gather(x.RawCommitter, order)
	y.AuthorTime, y.AuthorZone, y.CommitTime = gather(x.AuthorTime, order), gather(x.AuthorZone, order), gather(x.CommitTime, order)
	var subjects [][]byte
	y.SubjectOff, subjects = gatherRagged(x.SubjectOff, order, x.Subjects)
	y.Subjects = subjects[0]
	if x.HasStats {
		y.Added, y.Deleted, y.FilesChanged = gather(x.Added, order), gather(x.Deleted, order), gather(x.FilesChanged, order)
		var cols [][]uint32
		y.ChangeOff, cols = gatherRagged(x.ChangeOff, order, x.ChangePath, x.ChangeAdded, x.ChangeDeleted)
		y.ChangePath, y.ChangeAdded, y.ChangeDeleted = cols[0], cols[1], cols[2]
	}
	return &y
}

func gather[T any](s []T, order []uint32) []T {
	out := make([]T, len(order))
	for k, i := range order {
		out[k] = s[i]
	}
	return out
}

// gatherRagged reorders the items of columns cut by offsets off (len(order)+1
// of them) and returns the new offsets and columns.
func gatherRagged[C ~[]E, E any](off []uint32, order []uint32, cols ...C) ([]uint32, []C) {
	newOff := make([]uint32, 1, len(off))
	out := make([]C, len(cols))
	for c := range cols {
		out[c] = make(C, 0, len(cols[c]))
	}
	for _, i := range order {
		lo, hi := off[i], off[i+1]
		for c := range cols {
			out[c] = append(out[c], cols[c][lo:hi]...)
		}
		newOff = append(newOff, newOff[len(newOff)-1]+hi-lo)
	}
	return newOff, out
}

// extends reports whether head is old's head or a descendant of it on the
// same branch.
func (b *Builder) extends(ctx context.Context, gitDir string, old *Index, head, branch string) bool {
	if old.Len() == 0 || head == "" || branch != old.Branch {
		return false
	}
	// An old head the repository lacks is an error (exit code 128).
	ok, err := b.Git.IsAncestor(ctx, gitDir, old.Head(), head)
	return err == nil && ok
}

// join returns the index of the commits of parts (indexes or slices of
// them), newest part first, with the branch, mailmap, identity and path
// tables of tables (which the ids of every part refer to). It has line
// statistics when every part has. With s not zero, its columns have a room
// of s in front of them (see room).
func join(tables *Index, s spare, parts ...*Index) *Index {
	x := &Index{
		ObjectFormat: parts[len(parts)-1].ObjectFormat,
		Branch:       tables.Branch,
		HashSize:     parts[len(parts)-1].HashSize,
		Idents:       tables.Idents,
		RawIdents:    tables.RawIdents,
		Mailmap:      tables.Mailmap,
		Paths:        tables.Paths,
		HasStats:     true,
	}
	k, ch := s.commits, s.changes
	col := func(front int, get func(*Index) []uint32) []uint32 { return concat(parts, front, get) }
	x.Hashes = concat(parts, k*x.HashSize, func(p *Index) []byte { return p.Hashes })
	x.Parents = concat(parts, k, func(p *Index) []uint16 { return p.Parents })
	x.Author, x.Committer = col(k, func(p *Index) []uint32 { return p.Author }), col(k, func(p *Index) []uint32 { return p.Committer })
	x.AuthorTime = concat(parts, k, func(p *Index) []int64 { return p.AuthorTime })
	x.AuthorZone = concat(parts, k, func(p *Index) []int16 { return p.AuthorZone })
	x.CommitTime = concat(parts, k, func(p *Index) []int64 { return p.CommitTime })
	x.Subjects = concat(parts, s.subjects, func(p *Index) []byte { return p.Subjects })
	x.SubjectOff = concatOffsets(parts, func(p *Index) []uint32 { return p.SubjectOff })
	x.RawAuthor, x.RawCommitter = col(k, func(p *Index) []uint32 { return p.RawAuthor }), col(k, func(p *Index) []uint32 { return p.RawCommitter })
	for _, p := range parts {
		x.HasStats = x.HasStats && p.HasStats
	}
	if x.HasStats {
		x.Added, x.Deleted = col(k, func(p *Index) []uint32 { return p.Added }), col(k, func(p *Index) []uint32 { return p.Deleted })
		x.FilesChanged = col(k, func(p *Index) []uint32 { return p.FilesChanged })
		x.ChangeOff = concatOffsets(parts, func(p *Index) []uint32 { return p.ChangeOff })
		x.ChangePath, x.ChangeAdded = col(ch, func(p *Index) []uint32 { return p.ChangePath }), col(ch, func(p *Index) []uint32 { return p.ChangeAdded })
		x.ChangeDeleted = col(ch, func(p *Index) []uint32 { return p.ChangeDeleted })
	}
	if s != (spare{}) {
		x.makeRoom(s)
	}
	return x
}

// concat joins one column of parts, after front zero elements.
func concat[E any](parts []*Index, front int, get func(*Index) []E) []E {
	n := front
	for _, p := range parts {
		n += len(get(p))
	}
	out := make([]E, front, n)
	for _, p := range parts {
		out = append(out, get(p)...)
	}
	return out
}

// concatOffsets joins the offset arrays of parts (each with one more
// element than items, starting at 0 or, for a slice, where the slice
// starts), shifting each to follow the totals before it.
func concatOffsets(parts []*Index, get func(*Index) []uint32) []uint32 {
	n := 1
	for _, p := range parts {
		n += len(get(p)) - 1
	}
	out := make([]uint32, 1, n)
	for _, p := range parts {
		off := get(p)
		shift := out[len(out)-1] - off[0]
		for _, o := range off[1:] {
			out = append(out, o+shift)
		}
	}
	return out
}
