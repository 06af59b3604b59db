package history

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// This file is the fleet's side of the Service (JOB_QUEUE=redis). An API
// instance (Options.Queue) never clones or indexes: it asks for a job and
// follows it, serving each index the workers publish as soon as it is
// published. A worker (Options.Publisher, Service.Run) does the local work
// and publishes its progress and its whole indexes, never a half-built one.

// Queue hands a fleet's preparation work to its workers.
type Queue interface {
	// Enqueue asks for the repository's job: with refresh false a clone,
	// or a fetch once the worker's mirror is older than the fetch
	// interval; with refresh true a fetch however fresh it is; then the
	// index brought up to date and published. A job already queued or
	// running for the repository stands for the new one (with refresh,
	// one queued fetches however fresh its mirror is, one running fetches
	// again at its end).
	Enqueue(ctx context.Context, info repourl.Repo, refresh bool) error
	// Job reports whether the repository's job is queued, running or
	// waiting for a retry, and, when it is not, why the last one failed
	// for good (nil if it did not).
	Job(ctx context.Context, key string) (pending bool, failed error, err error)
	// Progress is the repository's job's progress as its worker last
	// reported it; ok is false when none was reported lately.
	Progress(ctx context.Context, key string) (p progress.Progress, ok bool)
	// Latest describes the newest index published for the repository; ok
	// is false when there is none.
	Latest(ctx context.Context, key string) (p Publication, ok bool, err error)
	// Load reads a published index.
	Load(ctx context.Context, key string, p Publication) (*index.Index, error)
	// Subscribe calls fn with a repository's key whenever a worker
	// publishes an index of it or ends a job of it, until ctx ends. fn
	// must not block. Events may be lost (the shared tier restarting):
	// callers look for themselves too, less often.
	Subscribe(ctx context.Context, fn func(key string))
}

// Publisher shares a worker's progress and indexes with the fleet.
type Publisher interface {
	// Progress reports a repository's progress; it may drop reports that
	// come too fast.
	Progress(key string, p progress.Progress)
	// Index publishes a whole index of the repository, made by a job that
	// started at checked (its mirror is at least that fresh).
	Index(ctx context.Context, key string, x *index.Index, checked time.Time) error
}

// Publication describes a published index.
type Publication struct {
	// Head is the commit the index ends at.
	Head string `json:"head"`
	// Stats says whether it has line statistics (pass 2 is done).
	Stats bool `json:"stats"`
	// Commits is how many commits it holds.
	Commits int `json:"commits"`
	// Checked is when the job that published it started: the worker's
	// mirror was at least that fresh.
	Checked time.Time `json:"checked"`
}

// same reports whether p and q are the same index.
func (p Publication) same(q Publication) bool {
	return p.Head == q.Head && p.Stats == q.Stats && p.Commits == q.Commits
}

// errNoMirror answers what needs git itself on an API instance of a fleet.
var errNoMirror = fault.New(fault.Unavailable,
	"branches, tags and comparisons need a git mirror, and with JOB_QUEUE=redis the API instances keep none")

// followInterval is how often an API instance looks at the job it
// follows without being told of a change.
const followInterval = 250 * time.Millisecond

// peekInterval is how often an API instance looks for a newer index
// published for a repository it serves (after a push announced to another
// instance, or another instance's refresh), at most.
const peekInterval = time.Second

// follow is an API instance's job: serve the newest published index at
// once, ask for a job unless that index is complete and fresh, then serve
// what the job publishes until it ends.
func (j *job) follow(ctx context.Context) error {
	q, r := j.s.opts.Queue, j.r
	key := r.Info.Key
	p, ok, err := q.Latest(ctx, key)
	if err != nil {
		return sharedErr(err)
	}
	if ok {
		if err := j.load(ctx, p); err != nil {
			return err
		}
		if p.Stats && !j.force && time.Since(p.Checked) < j.s.opts.FetchInterval {
			return nil
		}
	}
	changed := j.s.changed(key)
	if err := q.Enqueue(ctx, r.Info, j.force); err != nil {
		return sharedErr(err)
	}
	tick := time.NewTicker(followInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-changed:
			changed = j.s.changed(key)
		}
		if pr, ok := q.Progress(ctx, key); ok {
			r.progress.Store(&pr)
		}
		// The job's state first: what it published before it ended is
		// then found below.
		pending, failed, err := q.Job(ctx, key)
		if err != nil {
			return sharedErr(err)
		}
		p, ok, err := q.Latest(ctx, key)
		if err != nil {
			return sharedErr(err)
		}
		if ok {
			if err := j.load(ctx, p); err != nil {
				return err
			}
		}
		if !pending {
			switch {
			case failed != nil:
				return failed
			case !ok:
				return fault.New(fault.Unavailable, "the repository's job ended without an index; try again")
			}
			return nil
		}
	}
}

// load serves the published index p unless it is the one served already.
func (j *job) load(ctx context.Context, p Publication) error {
	r := j.r
	r.mu.Lock()
	shown := r.shown
	r.mu.Unlock()
	if r.view.Load() != nil && shown.same(p) {
		return nil
	}
	x, err := j.s.opts.Queue.Load(ctx, r.Info.Key, p)
	j.s.metrics.loaded(err)
	if err != nil {
		return sharedErr(err)
	}
	r.mu.Lock()
	r.shown = p
	r.mu.Unlock()
	r.publish(x)
	j.ready()
	return nil
}

// sharedErr classifies a failure to reach the shared tier.
func sharedErr(err error) error {
	if _, ok := errors.AsType[*fault.Error](err); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fault.Wrap(fault.Unavailable, "the job queue (Redis) could not be reached", err)
}

// peek looks, in the background and at most once a peekInterval, for a
// newer index of the repository than the one served, and serves it. r.mu
// is held.
func (r *Repo) peek(s *Service) {
	if time.Since(r.peeked) < peekInterval || !r.peeking.CompareAndSwap(false, true) {
		return
	}
	r.peeked = time.Now()
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer r.peeking.Store(false)
		ctx, cancel := context.WithTimeout(s.ctx, peekInterval*5)
		defer cancel()
		p, ok, err := s.opts.Queue.Latest(ctx, r.Info.Key)
		switch {
		case err != nil || !ok:
		case !p.Stats:
			// A job is under way (a push, another instance's request):
			// follow it, so that what waits for line statistics waits
			// for its end.
			r.mu.Lock()
			if r.running == nil {
				r.start(s, false)
				r.serveStale()
			}
			r.mu.Unlock()
		default:
			j := &job{s: s, r: r, metaReady: make(chan struct{})}
			err = j.load(ctx, p)
		}
		if err != nil {
			s.log.Warn("could not look for a newer shared index", "repo", r.Info.Key, "err", err)
		}
	}()
}

// changed returns a channel closed at the next event of the repository's
// job.
func (s *Service) changed(key string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.events[key]
	if !ok {
		ch = make(chan struct{})
		s.events[key] = ch
	}
	return ch
}

// onEvent is told of an event of a repository's job: what follows the job
// looks at it now, and a repository served here but not followed looks
// for a newer index at once.
func (s *Service) onEvent(key string) {
	s.mu.Lock()
	if ch, ok := s.events[key]; ok {
		close(ch)
		delete(s.events, key)
	}
	r := s.repos[key]
	s.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.running == nil && r.view.Load() != nil {
		r.peeked = time.Time{}
		r.peek(s)
	}
	r.mu.Unlock()
}

// refreshShared is RefreshNow on an API instance: a repository with a
// published index has a refresh job enqueued, followed here.
func (s *Service) refreshShared(ctx context.Context, info repourl.Repo, r *Repo) bool {
	if r == nil {
		if _, ok, err := s.opts.Queue.Latest(ctx, info.Key); err != nil || !ok {
			if err != nil {
				s.log.Warn("refresh on push: shared tier unreachable", "repo", info.Key, "err", err)
			}
			return false
		}
		if r = s.adopt(ctx, info); r == nil {
			return false
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.start(s, true)
		return true
	}
	if err := s.opts.Queue.Enqueue(ctx, info, true); err != nil {
		s.log.Warn("refresh on push could not be enqueued", "repo", info.Key, "err", err)
		return false
	}
	return true
}

// Run is a worker's job: it brings the repository's mirror and index up
// to date (with force, fetching however fresh the mirror is) and
// publishes the result through Options.Publisher, waiting until it is
// done or ctx ends. Jobs of one repository never overlap: one asked for
// while another runs waits for it.
func (s *Service) Run(ctx context.Context, info repourl.Repo, force bool) error {
	r := s.repo(info, nil)
	for {
		r.mu.Lock()
		running := r.running
		if running == nil {
			break
		}
		r.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.checked = time.Now()
	if r.view.Load() == nil {
		r.setProgress(progress.Progress{Phase: progress.PhaseStart})
	}
	done := make(chan struct{})
	r.running, r.metaReady = done, make(chan struct{})
	j := &job{s: s, r: r, auth: r.auth, force: force, metaReady: r.metaReady, ctx: ctx, at: r.checked}
	r.mu.Unlock()
	s.jobs.Add(1)
	j.run(done)
	r.mu.Lock()
	err := r.lastErr
	r.mu.Unlock()
	if err != nil {
		return err
	}
	// The index served here is published again whatever the job did, so
	// that a shared tier that lost it (a Redis restart) has it back and
	// its freshness is known.
	if v := r.view.Load(); v != nil && s.opts.Publisher != nil {
		if err := s.opts.Publisher.Index(ctx, info.Key, v.Index(), j.at); err != nil {
			return fmt.Errorf("publish the index of %s: %w", info.Key, err)
		}
	}
	return nil
}
