// Package history answers "what is the history of this repository?": it
// ties URL vetting, mirrors and the history index together. For each
// repository it keeps one prepared analytics view in memory, loads and saves
// the index on disk, and refreshes it in the background: a never-seen
// repository is answerable as soon as the commit-metadata pass ends, while
// the rest of its objects are fetched and the line statistics are read
// behind it.
//
// Background work runs under the Service's own context, not the caller's:
// a request that gives up does not waste the work it started, so the next
// request finds it done.
package history

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gitpulse/gitpulse/internal/analytics"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/mirror"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Options configure a Service.
type Options struct {
	// DataDir holds mirrors/ and indexes/. It is created if missing.
	DataDir string
	// Policy decides which repository URLs may be opened.
	Policy repourl.Policy
	// FetchInterval is how old a mirror may get before it is fetched
	// again; zero fetches before every answer (mirror.DefaultFetchInterval
	// is the usual value). Negative is an error. Past the interval, answers
	// go on from the loaded index while the fetch and update run behind
	// them (stale while revalidating); with zero they wait for both.
	FetchInterval time.Duration
	// MaxMirrorBytes is the mirrors' disk budget; 0 means unlimited.
	MaxMirrorBytes int64
	// Workers is how many git processes the line-statistics pass runs at
	// once; 0 means one per CPU.
	Workers int
	// StatsWait is how long the first preparation of a small repository
	// (at most SmallHistory commits) waits for its line statistics before
	// answering without them, so that its first answers carry them; a
	// larger one answers as soon as its commits are read. Zero means 3
	// seconds; negative means never wait.
	StatsWait time.Duration
	// Registry, if set, receives the time of each preparation step and
	// the mirrors' disk usage.
	Registry prometheus.Registerer
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// Queue, if set, makes the Service an API instance of a fleet
	// (JOB_QUEUE=redis): it never clones or indexes, but asks workers for
	// jobs through Queue and serves the indexes they publish.
	Queue Queue
	// Publisher, if set, receives the progress and the finished indexes of
	// this Service's work, for the rest of a fleet: a worker's Service has
	// one.
	Publisher Publisher
}

// Service opens repositories and keeps their indexes current. It is safe
// for concurrent use.
type Service struct {
	opts    Options
	git     *gitcli.Git
	mirrors *mirror.Manager
	metrics *metrics
	log     *slog.Logger
	ctx     context.Context
	cancel  context.CancelFunc
	jobs    sync.WaitGroup

	mu     sync.Mutex
	repos  map[string]*Repo
	vetted map[string]vetted
	events map[string]chan struct{} // closed at the next event of a repository's job (fleet)
}

// New prepares the data directory (a clear error if it cannot be written)
// and returns a Service. Close stops its background work.
func New(g *gitcli.Git, opts Options) (*Service, error) {
	if opts.DataDir == "" {
		return nil, errors.New("no data directory configured")
	}
	if opts.StatsWait == 0 {
		opts.StatsWait = 3 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	idxDir := filepath.Join(opts.DataDir, "indexes")
	if err := os.MkdirAll(idxDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory %s is not usable: %w", opts.DataDir, err)
	}
	if err := checkWritable(idxDir); err != nil {
		return nil, fmt.Errorf("data directory %s is not writable: %w", opts.DataDir, err)
	}
	removeLeftovers(idxDir, log)
	m, err := mirror.New(g, mirror.Options{
		Dir:           filepath.Join(opts.DataDir, "mirrors"),
		FetchInterval: opts.FetchInterval,
		MaxBytes:      opts.MaxMirrorBytes,
		Pin:           opts.Policy.Pin,
		// The objects of the longest window newestFirst reads come
		// beside the clone, on the cores it leaves idle.
		HeadStart: headStart(runtime.NumCPU(), g.IdleBackground()),
		Logger:    log,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{opts: opts, git: g, mirrors: m, metrics: newMetrics(opts.Registry, m), log: log,
		ctx: ctx, cancel: cancel, repos: make(map[string]*Repo), vetted: make(map[string]vetted)}
	if opts.Queue != nil {
		s.events = make(map[string]chan struct{})
		s.jobs.Go(func() { opts.Queue.Subscribe(ctx, s.onEvent) })
	}
	return s, nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}

// removeLeftovers deletes temporary index files a crash left behind.
func removeLeftovers(dir string, log *slog.Logger) {
	matches, _ := filepath.Glob(filepath.Join(dir, ".tmp-index-*"))
	for _, m := range matches {
		if err := os.Remove(m); err == nil {
			log.Info("removed leftover temporary index", "file", filepath.Base(m))
		}
	}
}

// Close cancels background work and waits for it to stop. Files being
// written are abandoned whole: nothing half-written is left in place.
func (s *Service) Close() {
	s.cancel()
	s.jobs.Wait()
	s.mirrors.Close()
}

// Open vets raw (a repository URL, or a local path when the policy allows
// local repositories), makes sure its mirror and index exist and are no
// older than the fetch interval, and returns the repository once its
// commit metadata can be queried. Line statistics may still be on their
// way: see Repo.WaitStats. auth may be nil.
func (s *Service) Open(ctx context.Context, raw string, auth *mirror.Auth) (*Repo, error) {
	r, err := s.Prepare(ctx, raw, auth)
	if err != nil {
		return nil, err
	}
	return r, r.Ready(ctx)
}

// localCheckInterval is how often a local repository's HEAD is checked.
const localCheckInterval = time.Second

// Prepare vets raw and starts bringing the repository up to date without
// waiting; Repo.Ready waits for it.
func (s *Service) Prepare(ctx context.Context, raw string, auth *mirror.Auth) (*Repo, error) {
	info, err := s.Vet(ctx, raw)
	if err != nil {
		return nil, err
	}
	return s.PrepareVetted(info, auth), nil
}

// PrepareVetted is Prepare for a repository the caller has already vetted
// with the Service's policy (Policy.Vet), so it is not resolved twice.
func (s *Service) PrepareVetted(info repourl.Repo, auth *mirror.Auth) *Repo {
	r := s.repo(info, auth)
	r.refresh(s)
	return r
}

// RefreshNow starts, in the background, a fetch of a repository this
// Service already mirrors and the extension of its index, however
// recently it was fetched: a push to it was announced. A refresh under way
// is followed by another one, so a push during a fetch is not missed. It
// reports false and does nothing for a repository with no mirror here
// (nothing is ever cloned) and for local repositories, which are read in
// place. A repository known only from disk (mirrored before this process
// started) is checked against the policy first.
func (s *Service) RefreshNow(ctx context.Context, info repourl.Repo) bool {
	if info.Local {
		return false
	}
	s.mu.Lock()
	r, known := s.repos[info.Key]
	s.mu.Unlock()
	if s.opts.Queue != nil {
		return s.refreshShared(ctx, info, r)
	}
	if !known {
		if !s.mirrors.Has(info.Key) {
			return false
		}
		if r = s.adopt(ctx, info); r == nil {
			return false
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		r.again = true
		return true
	}
	r.start(s, true)
	r.serveStale()
	return true
}

// adopt returns the Repo of a repository this process does not follow yet
// but holds data of (a mirror, or a published index), for a push announced
// for it, once the policy allows it again; nil if it does not.
func (s *Service) adopt(ctx context.Context, info repourl.Repo) *Repo {
	if err := s.opts.Policy.Check(ctx, info); err != nil {
		s.log.Warn("refresh on push refused by the policy", "repo", info.Key, "err", err)
		return nil
	}
	return s.repo(info, nil)
}

// vetTTL is how long a URL that passed vetting is trusted without asking
// DNS again; mirrors check the policy again before every fetch.
const vetTTL = 30 * time.Second

// maxVetted bounds the vetting cache.
const maxVetted = 10000

type vetted struct {
	repo repourl.Repo
	at   time.Time
}

// Vet checks raw against the Service's policy. Successes are remembered
// for vetTTL, so that busy URLs do not cost a DNS lookup per request.
func (s *Service) Vet(ctx context.Context, raw string) (repourl.Repo, error) {
	s.mu.Lock()
	v, ok := s.vetted[raw]
	s.mu.Unlock()
	if ok && time.Since(v.at) < vetTTL {
		return v.repo, nil
	}
	info, err := s.opts.Policy.Vet(ctx, raw)
	if err != nil {
		return repourl.Repo{}, err
	}
	s.mu.Lock()
	if len(s.vetted) >= maxVetted {
		clear(s.vetted)
	}
	s.vetted[raw] = vetted{info, time.Now()}
	s.mu.Unlock()
	return info, nil
}

// DataDir returns the Service's data directory.
func (s *Service) DataDir() string { return s.opts.DataDir }

func (s *Service) repo(info repourl.Repo, auth *mirror.Auth) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.repos[info.Key]
	if !ok {
		r = &Repo{Info: info, git: s.git, share: s.opts.Publisher, fleet: s.opts.Queue != nil}
		s.repos[info.Key] = r
	}
	if auth != nil {
		r.auth = auth
	}
	return r
}

// indexPath is where a repository's index lives: a readable, sanitised
// key plus a hash of the exact key, so distinct keys never collide.
func (s *Service) indexPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := unsafeChars.ReplaceAllString(key, "_")
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	return filepath.Join(s.opts.DataDir, "indexes", strings.Trim(name, "_.")+"-"+hex.EncodeToString(sum[:6])+".idx")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Repo is one repository known to the Service.
type Repo struct {
	// Info is the parsed, vetted repository location.
	Info repourl.Repo

	git      *gitcli.Git
	gitDir   atomic.Pointer[string] // the mirror's (or local repository's) git directory, once known
	view     atomic.Pointer[analytics.View]
	progress atomic.Pointer[progress.Progress]
	viewMu   sync.Mutex
	changed  chan struct{} // closed and replaced whenever view changes

	share   Publisher   // where progress goes besides this process, if anywhere
	fleet   bool        // served from the indexes workers publish
	peeking atomic.Bool // a look for a newer published index is under way

	mu        sync.Mutex
	shown     Publication // the published index being served (fleet)
	peeked    time.Time   // when the newest publication was last looked up (fleet)
	auth      *mirror.Auth
	running   chan struct{} // closed when the running job ends; nil if none
	metaReady chan struct{} // closed when the running job has a view to serve
	checked   time.Time     // when the last job started
	again     bool          // a push arrived while a job ran: fetch again after it
	lastErr   error
}

// Ready waits until the repository's commit metadata can be queried, or
// returns why it cannot.
func (r *Repo) Ready(ctx context.Context) error {
	r.mu.Lock()
	ready := r.metaReady
	r.mu.Unlock()
	// Most requests find no preparation under way (ready nil) and do not
	// look at ctx, whose Done would make a channel for each of them.
	if ready != nil {
		select {
		case <-ready:
		case <-ctx.Done():
			return fmt.Errorf("open %s: %w", r.Info.Key, ctx.Err())
		}
	}
	if r.view.Load() == nil {
		return r.err()
	}
	return nil
}

// Refs lists the repository's branches or tags (namespace gitcli.Branches
// or gitcli.Tags) as its mirror last fetched them, newest first. Call it
// after Ready.
func (r *Repo) Refs(ctx context.Context, namespace string) ([]gitcli.Ref, error) {
	dir, err := r.dir()
	if err != nil {
		return nil, err
	}
	return r.git.Refs(ctx, dir, namespace)
}

// dir is the git directory the last preparation used.
func (r *Repo) dir() (string, error) {
	if r.fleet {
		return "", errNoMirror
	}
	dir := r.gitDir.Load()
	if dir == nil {
		return "", fmt.Errorf("open %s: not prepared yet", r.Info.Key)
	}
	return *dir, nil
}

// Compare calls fn for each commit of branch head that branch base lacks,
// newest first, as the mirror last fetched them. Call it after Ready.
func (r *Repo) Compare(ctx context.Context, base, head string, fn func(*gitcli.CommitMeta) error) error {
	dir, err := r.dir()
	if err != nil {
		return err
	}
	return r.git.LogMetadata(ctx, dir, gitcli.Branches+head, []string{gitcli.Branches + base}, fn)
}

// Details returns the commits reachable from rev and not from any of
// exclude, newest first, with their whole messages and changed files (see
// gitcli.LogDetails), as the mirror last fetched them: messages from one
// git log; files and line counts from the index's line statistics, and
// for commits the index lacks (another branch's, or all of them while
// the statistics are pending) from one git diff-tree for all of them.
// Call it after Ready.
func (r *Repo) Details(ctx context.Context, rev string, exclude []string) ([]gitcli.CommitDetail, error) {
	dir, err := r.dir()
	if err != nil {
		return nil, err
	}
	var commits []gitcli.CommitDetail
	if err := r.git.LogDetails(ctx, dir, rev, exclude, false, func(c *gitcli.CommitDetail) error {
		commits = append(commits, *c)
		return nil
	}); err != nil {
		return nil, err
	}
	missing := r.statsFromIndex(commits)
	if len(missing) == 0 {
		return commits, nil
	}
	at := make(map[string]int, len(missing))
	hashes := make([][]byte, len(missing))
	for k, i := range missing {
		at[commits[i].Hash] = i
		hashes[k] = []byte(commits[i].Hash)
	}
	err = r.git.Numstat(ctx, dir, hashes, func(hash []byte, files []gitcli.FileStat) error {
		c := &commits[at[string(hash)]]
		for _, f := range files {
			f.Path = bytes.Clone(f.Path)
			c.Files = append(c.Files, f)
		}
		return nil
	})
	return commits, err
}

// statsFromIndex fills in the files of those of commits the index has
// line statistics for, and returns the positions of the others that are
// no merge (merges have no diff).
func (r *Repo) statsFromIndex(commits []gitcli.CommitDetail) (missing []int) {
	var x *index.Index
	if v := r.view.Load(); v != nil && v.Index().HasStats {
		x = v.Index()
	}
	pos := map[string]int{} // binary name -> index position
	if x != nil {
		for _, c := range commits {
			if b, err := hex.DecodeString(c.Hash); err == nil && len(b) == x.HashSize {
				pos[string(b)] = -1
			}
		}
		for i := range x.Len() {
			if p, ok := pos[string(x.Hashes[i*x.HashSize:(i+1)*x.HashSize])]; ok && p < 0 {
				pos[string(x.Hashes[i*x.HashSize:(i+1)*x.HashSize])] = i
			}
		}
	}
	for k := range commits {
		c := &commits[k]
		b, _ := hex.DecodeString(c.Hash)
		i, ok := pos[string(b)]
		if !ok || i < 0 {
			if len(c.Parents) < 2 {
				missing = append(missing, k)
			}
			continue
		}
		lo, hi := x.Changes(i)
		for j := lo; j < hi; j++ {
			c.Files = append(c.Files, gitcli.FileStat{Path: []byte(x.Paths[x.ChangePath[j]]), Added: x.ChangeAdded[j], Deleted: x.ChangeDeleted[j]})
		}
	}
	return missing
}

// MainlineSpan returns the first-parent commits of rev that bound the
// period [since, until) (see gitcli.MainlineSpan); zero times are no
// bound. Call it after Ready.
func (r *Repo) MainlineSpan(ctx context.Context, rev string, since, until time.Time) (top, base string, err error) {
	dir, err := r.dir()
	if err != nil {
		return "", "", err
	}
	var s, u int64
	if !since.IsZero() {
		s = since.Unix()
	}
	if !until.IsZero() {
		u = until.Unix()
	}
	return r.git.MainlineSpan(ctx, dir, rev, s, u)
}

// View returns the newest prepared view of the repository.
func (r *Repo) View() *analytics.View { return r.view.Load() }

// Progress returns the state of the repository's preparation, saying
// which period the line statistics cover while they cover only the
// newest commits.
func (r *Repo) Progress() progress.Progress {
	p := progress.Progress{Phase: progress.PhaseDone}
	if q := r.progress.Load(); q != nil {
		p = *q
	}
	if v := r.view.Load(); v != nil {
		if since, ok := v.StatsSince(); ok {
			p.StatsSince = since.Format(time.RFC3339)
		}
	}
	return p
}

// WaitStats waits until the view has line statistics for every commit
// and returns it. A view published without them after one with them (a
// rebuilt history's pass 1, in a fleet a worker's pass 1) is waited past
// too.
func (r *Repo) WaitStats(ctx context.Context) (*analytics.View, error) {
	return r.WaitStatsFor(ctx, analytics.Filter{})
}

// WaitStatsFor waits until a view answers f with line statistics (see
// analytics.View.StatsFor: a query of recent dates is answered while the
// older history is still being read) and returns that view.
func (r *Repo) WaitStatsFor(ctx context.Context, f analytics.Filter) (*analytics.View, error) {
	for {
		v, changed := r.viewAndChange()
		if v != nil {
			if sv := v.StatsFor(f); sv != nil {
				return sv, nil
			}
		}
		r.mu.Lock()
		running := r.running
		r.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for line statistics: %w", ctx.Err())
		case <-closedIfNil(running):
			// The job ended without stats: it failed.
			if v := r.view.Load(); v != nil {
				if sv := v.StatsFor(f); sv != nil {
					return sv, nil
				}
			}
			return nil, r.err()
		}
	}
}

// viewAndChange returns the view and a channel closed when it changes.
func (r *Repo) viewAndChange() (*analytics.View, chan struct{}) {
	r.viewMu.Lock()
	defer r.viewMu.Unlock()
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return r.view.Load(), r.changed
}

func closedIfNil(c chan struct{}) chan struct{} {
	if c == nil {
		c = make(chan struct{})
		close(c)
	}
	return c
}

func (r *Repo) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr != nil {
		return r.lastErr
	}
	return errors.New("repository is not indexed yet")
}

func (r *Repo) setProgress(p progress.Progress) {
	r.progress.Store(&p)
	if r.share != nil {
		r.share.Progress(r.Info.Key, p)
	}
}

// publish makes x the index r answers from. A view that replaces one
// being served is warmed first (analytics.View.Warm), while the old one
// answers, so that no request after a refresh waits for what the first
// query of a kind builds; the first view is published at once and warmed
// behind it.
func (r *Repo) publish(x *index.Index) {
	v := analytics.NewView(x)
	if r.view.Load() != nil {
		v.Warm()
	} else {
		go v.Warm()
	}
	r.viewMu.Lock()
	defer r.viewMu.Unlock()
	r.view.Store(v)
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// refresh starts a job unless one runs or the last one is recent.
func (r *Repo) refresh(s *Service) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil {
		return
	}
	// Local repositories are read in place: checking their HEAD is cheap,
	// so it is done at most once a second. A failed job is retried at once.
	interval := s.opts.FetchInterval
	if r.Info.Local {
		interval = min(interval, localCheckInterval)
	}
	if r.view.Load() != nil && r.lastErr == nil && time.Since(r.checked) < interval {
		r.metaReady = nil
		if r.fleet {
			r.peek(s)
		}
		return
	}
	r.start(s, false)
	// Stale while revalidating: a good index is loaded, so answers go on
	// from it while the job fetches and extends behind them (unless the
	// operator asked for a fetch before every answer, interval 0).
	if interval > 0 {
		r.serveStale()
	}
}

// serveStale lets requests be answered from the loaded index while the
// running job refreshes it, if that index is good. r.mu is held.
func (r *Repo) serveStale() {
	if r.view.Load() != nil && r.lastErr == nil {
		r.metaReady = nil
	}
}

// Refreshing reports whether a job is fetching or extending the
// repository behind the view answers are served from.
func (r *Repo) Refreshing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running != nil
}

// start runs a job; force fetches however fresh the mirror is. r.mu is
// held and no job runs.
func (r *Repo) start(s *Service, force bool) {
	r.checked = time.Now()
	if r.view.Load() == nil {
		r.setProgress(progress.Progress{Phase: progress.PhaseStart})
	}
	r.running = make(chan struct{})
	r.metaReady = make(chan struct{})
	job := &job{s: s, r: r, auth: r.auth, force: force, metaReady: r.metaReady, ctx: s.ctx, at: r.checked}
	s.jobs.Add(1)
	go job.run(r.running)
}

// job is one refresh of one repository: mirror, then index (or, in a
// fleet's API instance, a worker's job followed to its end).
type job struct {
	ctx       context.Context
	at        time.Time // when it started: its mirror is at least this fresh
	s         *Service
	r         *Repo
	auth      *mirror.Auth
	force     bool // fetch however fresh the mirror is
	metaReady chan struct{}
	metaOnce  sync.Once
}

func (j *job) ready() { j.metaOnce.Do(func() { close(j.metaReady) }) }

func (j *job) run(done chan struct{}) {
	defer j.s.jobs.Done()
	work := j.work
	if j.r.fleet {
		work = j.follow
	}
	before := j.r.view.Load()
	err := work(j.ctx)
	r := j.r
	if v := r.view.Load(); v != nil && v != before && v.Index().Len() >= returnMemoryAbove {
		// A large index was loaded or replaced: give back at once the
		// memory of the one it replaced and of its making, which the
		// collector would otherwise keep until the heap doubles.
		debug.FreeOSMemory()
	}
	r.mu.Lock()
	r.lastErr = err
	r.running = nil
	r.mu.Unlock()
	if err != nil {
		j.s.log.Warn("refresh failed", "repo", r.Info.Key, "err", err)
	}
	r.setProgress(progress.Progress{Phase: progress.PhaseDone})
	j.ready()
	close(done)
	// A push announced while this job ran: fetch again, unless another
	// job has started meanwhile (it will see the flag when it ends).
	r.mu.Lock()
	if r.again && r.running == nil && j.s.ctx.Err() == nil {
		r.again = false
		r.start(j.s, true)
		r.serveStale()
	}
	r.mu.Unlock()
}

func (j *job) work(ctx context.Context) error {
	s, r := j.s, j.r
	info := r.Info
	start := time.Now()
	ensure := s.mirrors.Ensure
	// A forced fetch on a worker that has no mirror of the repository yet
	// (another worker made the fleet's first one) clones it here.
	if j.force && s.mirrors.Has(info.Key) {
		ensure = s.mirrors.Fetch
	}
	res, err := ensure(ctx, info.Key, info.URL, j.auth, r.setProgress)
	if err != nil {
		return err
	}
	s.metrics.since("mirror_"+res.Action, start)
	r.gitDir.Store(&res.GitDir)
	b := &index.Builder{Git: s.git, Workers: s.opts.Workers, OnProgress: r.setProgress}
	path := s.indexPath(info.Key)
	cur := r.view.Load()
	var old *index.Index
	// An index loaded here is not shared with anyone until it is
	// published: the update may write over it.
	update := b.Update
	// An index whose statistics cover only its newest commits (a job
	// failed before reading the rest) is not extended: the pass 1 saved
	// beside it is.
	if cur != nil && (cur.Index().HasStats || cur.Index().Covered() == 0) {
		old = cur.Index()
	} else if old, err = index.Load(path); err == nil {
		update = b.UpdateUnshared
	} else {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("rebuilding unreadable index", "repo", info.Key, "err", err)
		}
		old = nil
	}
	if old == nil {
		// A never-seen repository: serve pass 1 at once, then fetch the
		// objects pass 2 needs and read the line statistics.
		start = time.Now()
		x, err := b.Metadata(ctx, res.GitDir, nil)
		if err != nil {
			return err
		}
		s.metrics.since("metadata", start)
		// A small history's line statistics are moments away: its first
		// answers wait for them a little. Others are served pass 1 now.
		wait := s.opts.StatsWait
		if x.Len() > SmallHistory {
			wait = 0
		}
		early := j.publishAfter(x, wait)
		// Saved now, pass 1 need not be read again if this process ends
		// (a command line run does) before pass 2 does.
		if err := x.Save(path); err != nil {
			s.log.Warn("could not save index", "repo", info.Key, "err", err)
		}
		x = j.newestFirst(ctx, res, x)
		if err := j.complete(ctx, res); err != nil {
			early.now()
			return err
		}
		start = time.Now()
		full, err := b.LineStats(ctx, res.GitDir, x)
		if err != nil {
			early.now()
			return err
		}
		early.cancel()
		s.metrics.since("linestats", start)
		return j.finish(ctx, full, path)
	}
	if res.Partial {
		// Recovering from a crash between the two clone steps: serve the
		// index we have while the missing objects arrive.
		update = b.Update
		if err := j.publish(ctx, old); err != nil {
			return err
		}
		j.ready()
		if err := j.complete(ctx, res); err != nil {
			return err
		}
	}
	start = time.Now()
	x, rebuilt, err := update(ctx, res.GitDir, old, func(m *index.Index) {
		if err := j.publish(ctx, m); err != nil {
			j.s.log.Warn("could not share the commits-only index", "repo", info.Key, "err", err)
		}
		j.ready()
	})
	if err != nil {
		return err
	}
	s.metrics.since("update", start)
	if x == old {
		if cur == nil || cur.Index() != old {
			return j.publish(ctx, old)
		}
		return nil
	}
	if rebuilt {
		s.log.Info("history rewritten, index rebuilt", "repo", info.Key)
	}
	return j.finish(ctx, x, path)
}

// returnMemoryAbove is the fewest commits an index must have for the job
// that loaded or replaced it to return the memory freed to the system at
// once.
const returnMemoryAbove = 100_000

// statsWindows are the periods, back from a history's newest author date,
// whose line statistics the first preparation of a repository mirrored
// commits only reads first, each fetching just the objects it needs: a
// query of such a recent period is answered long before the whole
// history is fetched and read. The year covers the dashboard's default
// period (the 12 months ending at the last commit). A 3-month window
// before it answered its own queries at 12.4-14.6 s on git/git but
// delayed the year's answer from 25.0-26.5 s to 27.4-29.5 s (a fetch
// costs more than its blobs: the server's delta search), so there is
// none.
var statsWindows = []time.Duration{366 * 24 * time.Hour}

// newestFirst reads, for a partial mirror of a history larger than
// SmallHistory, the line statistics of the commits of each of
// statsWindows that spans at most half the history, and publishes
// (here, not to a fleet) the index covering each as soon as it is read;
// the objects of each window are fetched while the one before is read.
// It returns x with the statistics read; a failure is logged and ends
// the early reading, Complete and LineStats then do the rest as they
// would have.
func (j *job) newestFirst(ctx context.Context, res mirror.Result, x *index.Index) *index.Index {
	s, r := j.s, j.r
	if !res.Partial || x.Len() <= SmallHistory {
		return x
	}
	var ends []int
	for _, upto := range windowEnds(x, statsWindows) {
		if upto <= x.Len()/2 {
			ends = append(ends, upto)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	fetched := make(chan error, len(ends))
	go func() {
		defer close(fetched)
		from := 0
		for _, upto := range ends {
			start := time.Now()
			hashes := make([]string, 0, upto-from)
			for i := from; i < upto; i++ {
				hashes = append(hashes, x.Hash(i))
			}
			// The first window's fetches are the progress shown (nothing
			// is read until they end); the next ones run while the window
			// before is read, whose progress is.
			report := r.setProgress
			if from > 0 {
				report = nil
			}
			err := s.mirrors.Prefetch(ctx, r.Info.Key, r.Info.URL, j.auth, hashes, report)
			s.metrics.since("prefetch", start)
			if fetched <- err; err != nil {
				return
			}
			from = upto
		}
	}()
	defer func() {
		cancel()
		for range fetched { // the fetches stopped
		}
	}()
	// Nothing may be fetched lazily: Prefetch fetched what is read.
	b := &index.Builder{Git: s.git.Offline(), Workers: s.opts.Workers, OnProgress: r.setProgress}
	for _, upto := range ends {
		err := <-fetched
		var y *index.Index
		if err == nil {
			start := time.Now()
			y, err = b.MoreStats(ctx, res.GitDir, x, upto)
			s.metrics.since("linestats_recent", start)
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("reading recent line statistics first failed; reading them all after the completion", "repo", r.Info.Key, "err", err)
			}
			return x
		}
		x = y
		r.publish(x)
	}
	return x
}

// windowEnds returns, for each period of windows (in increasing order),
// how many of x's newest commits hold every commit whose author date lies
// within that period back from the newest author date; repeats dropped.
func windowEnds(x *index.Index, windows []time.Duration) []int {
	n := x.Len()
	// older[k] is the newest author time among positions k and above.
	older := make([]int64, n+1)
	older[n] = index.UnknownTime
	for k := n - 1; k >= 0; k-- {
		older[k] = max(older[k+1], x.AuthorTime[k])
	}
	var ends []int
	if older[0] == index.UnknownTime {
		return nil
	}
	for _, w := range windows {
		since := older[0] - int64(w/time.Second)
		// The least k whose older commits all lie before since.
		k := sort.Search(n+1, func(k int) bool { return older[k] < since })
		if k > 0 && (len(ends) == 0 || k > ends[len(ends)-1]) {
			ends = append(ends, k)
		}
	}
	return ends
}

// headStartCores is the fewest cores on which the clone of a never-seen
// repository gets a head start (mirror.Options.HeadStart) when git's
// Background commands run at nice 19 only (no SCHED_IDLE, see
// gitcli.Git.IdleBackground). The clone and pass 1 keep two cores busy at
// times (the server's packing and the client's indexing, then git log and
// its parsing) and a head start fetches two things at a time: at nice 19
// beside them on fewer cores it slows them. On a 2-core machine (git/git
// over file://, in turns) the first summary took a median 4.81 s with it
// against 3.84 s without, 1.26x and 1.01x the hand-made floor (a treeless
// clone and git log: 3.81 s). At SCHED_IDLE it runs only on the time they
// leave idle: on another 2-core machine the first summary took a median
// 2.88 s with it, as without (the floor: 2.82 s; 15 runs each in turns),
// 2.74 s against 2.64 s in a later set (the floor: 2.59 s; 8 runs each),
// and the first churn of the year 7.51 s against 7.90 s (6 runs each).
const headStartCores = 4

// headStart is the head start of a clone on a machine with cores cores
// where git's Background commands run at SCHED_IDLE (idle) or not: the
// longest of statsWindows, or none.
func headStart(cores int, idle bool) time.Duration {
	if !idle && cores < headStartCores {
		return 0
	}
	return statsWindows[len(statsWindows)-1]
}

// SmallHistory is the most commits a repository may have for its first
// preparation to wait (Options.StatsWait) for its line statistics.
const SmallHistory = 2000

// provisional is a pass-1 index published after a delay, unless the full
// index comes first.
type provisional struct {
	mu    sync.Mutex
	done  bool // published, or no longer to be
	timer *time.Timer
	fire  func()
}

// publishAfter publishes x and marks the job ready after wait (at once if
// wait <= 0), unless cancel is called first.
func (j *job) publishAfter(x *index.Index, wait time.Duration) *provisional {
	p := &provisional{}
	p.fire = func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if !p.done {
			p.done = true
			if err := j.publish(j.ctx, x); err != nil {
				j.s.log.Warn("could not share the commits-only index", "repo", j.r.Info.Key, "err", err)
			}
			j.ready()
		}
	}
	if wait <= 0 {
		p.fire()
		return p
	}
	p.timer = time.AfterFunc(wait, p.fire)
	return p
}

// now publishes the pass-1 index at once if it was not yet (pass 2 failed).
func (p *provisional) now() {
	if p.timer != nil {
		p.timer.Stop()
	}
	p.fire()
}

// cancel makes sure the pass-1 index is not published any more: the full
// one is about to be.
func (p *provisional) cancel() {
	if p.timer != nil {
		p.timer.Stop()
	}
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
}

// beforeComplete, when tests set it, runs before a partial mirror is
// completed: they hold the completion back to see what is answered
// before it.
var beforeComplete func()

// complete fetches the objects a commits-only mirror lacks.
func (j *job) complete(ctx context.Context, res mirror.Result) error {
	if !res.Partial {
		return nil
	}
	if beforeComplete != nil {
		beforeComplete()
	}
	r := j.r
	defer j.s.metrics.since("complete", time.Now())
	return j.s.mirrors.Complete(ctx, r.Info.Key, r.Info.URL, j.auth, r.setProgress)
}

func (j *job) finish(ctx context.Context, x *index.Index, path string) error {
	err := j.publish(ctx, x)
	j.ready()
	if err := x.Save(path); err != nil {
		// The index stays usable in memory; the next start rebuilds it.
		j.s.log.Warn("could not save index", "repo", j.r.Info.Key, "err", err)
	}
	return err
}

// publish serves x here and, on a worker, shares it with the fleet.
func (j *job) publish(ctx context.Context, x *index.Index) error {
	j.r.publish(x)
	if j.r.share == nil {
		return nil
	}
	return j.r.share.Index(ctx, j.r.Info.Key, x, j.at)
}
