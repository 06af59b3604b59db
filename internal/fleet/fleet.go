// Package fleet runs gitpulse as several processes on one Redis
// (JOB_QUEUE=redis): API instances enqueue asynq jobs (Queue) instead of
// cloning and indexing, workers process them (Worker) and publish their
// progress and their finished indexes, zstd-compressed, keyed by
// repository and head (Publisher), from which any API instance loads the
// newest one of a repository it serves.
//
// A repository's job has the asynq TaskID of its canonical key, so it is
// queued or running at most once across the fleet; a push announced while
// it runs makes it fetch again at its end. Jobs have a timeout and a
// bounded number of retries with exponential backoff; a worker that dies
// mid-job loses its lease and asynq hands the job to another one. Only
// whole indexes are published, so what a dead worker half built is never
// seen.
package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/klauspost/compress/zstd"
	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/progress"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// QueueName is the asynq queue of gitpulse's jobs.
const QueueName = "gitpulse"

// The task types: a preparation (clone, or fetch once the mirror is older
// than the fetch interval; then the index) and a refresh (fetch however
// fresh the mirror is; then the index).
const (
	TypePrepare = "gitpulse:prepare"
	TypeRefresh = "gitpulse:refresh"
)

// JobTimeout bounds one run of a job (a clone of a large repository and
// both index passes included).
const JobTimeout = 2 * time.Hour

// MaxRetry is how often a failed job is retried before it is given up.
const MaxRetry = 5

// The Redis keys, each followed by a repository key.
const (
	keyIndex    = "gitpulse:fleet:index:"    // the newest Publication (JSON)
	keyBlob     = "gitpulse:fleet:blob:"     // + ":" head ":" stats: a zstd index
	keyProgress = "gitpulse:fleet:progress:" // the running job's progress.Progress (JSON)
	keyFailed   = "gitpulse:fleet:failed:"   // the last failure (JSON)
	keyAgain    = "gitpulse:fleet:again:"    // a push arrived while the job ran
)

// channelEvents is the Redis channel on which workers announce, by
// repository key, each index they publish and the end of each job.
const channelEvents = "gitpulse:fleet:events"

const (
	// blobTTL is how long an index stays in Redis without a job of its
	// repository; every job's end renews it.
	blobTTL = 7 * 24 * time.Hour
	// replacedTTL is how long a replaced index stays readable, for the
	// instances in the middle of loading it.
	replacedTTL = 10 * time.Minute
	// progressTTL forgets the progress of a worker that died.
	progressTTL = 30 * time.Second
	// failedTTL is how long a failure is remembered.
	failedTTL = time.Hour
)

// blobKey names a published index.
func blobKey(key string, p history.Publication) string {
	return fmt.Sprintf("%s%s:%s:%t", keyBlob, key, p.Head, p.Stats)
}

// payload is a task's: the repository's URL, to be vetted again by the
// worker, and the key it must have.
type payload struct {
	URL string `json:"url"`
	Key string `json:"key"`
}

// failure is a job's failure as API instances report it.
type failure struct {
	Kind    fault.Kind `json:"kind"`
	Message string     `json:"message"`
}

// Queue is an API instance's side of the fleet: history.Queue on asynq
// and Redis. It is safe for concurrent use.
type Queue struct {
	rdb       redis.UniversalClient
	client    *asynq.Client
	inspector *asynq.Inspector
	dec       *zstd.Decoder
}

var _ history.Queue = (*Queue)(nil)

// NewQueue returns the Queue over rdb, which stays the caller's to close.
func NewQueue(rdb redis.UniversalClient) (*Queue, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	if err != nil {
		return nil, err
	}
	return &Queue{rdb: rdb, client: asynq.NewClientFromRedisClient(rdb), inspector: asynq.NewInspectorFromRedisClient(rdb), dec: dec}, nil
}

// Close releases the Queue's decoder. The asynq client and inspector hold
// nothing but the Redis client, which is left open (closing them through
// asynq is refused for a shared connection).
func (q *Queue) Close() error {
	q.dec.Close()
	return nil
}

// Enqueue implements history.Queue.
func (q *Queue) Enqueue(ctx context.Context, info repourl.Repo, refresh bool) error {
	body, err := json.Marshal(payload{URL: info.URL, Key: info.Key})
	if err != nil {
		return err
	}
	typ := TypePrepare
	if refresh {
		typ = TypeRefresh
	}
	task := asynq.NewTask(typ, body, asynq.TaskID(info.Key), asynq.Queue(QueueName), asynq.MaxRetry(MaxRetry), asynq.Timeout(JobTimeout))
	for range 2 {
		_, err = q.client.EnqueueContext(ctx, task)
		if !errors.Is(err, asynq.ErrTaskIDConflict) {
			return err
		}
		// Already queued, running or given up.
		t, ierr := q.taskInfo(ctx, info.Key)
		switch {
		case errors.Is(ierr, asynq.ErrTaskNotFound):
			continue // it ended meanwhile
		case ierr != nil:
			return ierr
		case t.State == asynq.TaskStateArchived:
			// Given up earlier: asked again, it is tried again.
			if err := q.inspector.DeleteTask(QueueName, info.Key); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				return err
			}
			continue
		case refresh:
			// A push: the queued job fetches however fresh the mirror
			// is, the running one fetches again at its end.
			return q.rdb.Set(ctx, keyAgain+info.Key, "1", failedTTL).Err()
		}
		return nil
	}
	return err
}

// Job implements history.Queue.
func (q *Queue) Job(ctx context.Context, key string) (pending bool, failed error, err error) {
	t, err := q.taskInfo(ctx, key)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return false, nil, nil
	case err != nil:
		return false, nil, err
	case t.State == asynq.TaskStateCompleted:
		return false, nil, nil
	case t.State != asynq.TaskStateArchived:
		return true, nil, nil
	}
	var f failure
	raw, err := q.rdb.Get(ctx, keyFailed+key).Bytes()
	if err != nil || json.Unmarshal(raw, &f) != nil || f.Message == "" {
		return false, fault.New(fault.Unavailable, "the repository could not be prepared; try again later"), nil
	}
	return false, fault.New(f.Kind, f.Message), nil
}

// asynqQueues is the Redis set in which asynq lists its queues (its
// base.AllQueues), which its inspector reads.
const asynqQueues = "asynq:queues"

// taskInfo is the repository's task. An asynq client lists a queue in
// Redis once per process, so a Redis that came back empty has the tasks
// enqueued since but not their queue, and its inspector finds none of
// them: the queue is listed again and the task looked up once more.
func (q *Queue) taskInfo(ctx context.Context, key string) (*asynq.TaskInfo, error) {
	t, err := q.inspector.GetTaskInfo(QueueName, key)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		if err := q.rdb.SAdd(ctx, asynqQueues, QueueName).Err(); err != nil {
			return nil, err
		}
		t, err = q.inspector.GetTaskInfo(QueueName, key)
	}
	return t, err
}

// Progress implements history.Queue.
func (q *Queue) Progress(ctx context.Context, key string) (progress.Progress, bool) {
	var p progress.Progress
	raw, err := q.rdb.Get(ctx, keyProgress+key).Bytes()
	if err != nil || json.Unmarshal(raw, &p) != nil {
		return p, false
	}
	return p, true
}

// Subscribe implements history.Queue. go-redis subscribes again after a
// lost connection; what was announced meanwhile is lost.
func (q *Queue) Subscribe(ctx context.Context, fn func(key string)) {
	sub := q.rdb.Subscribe(ctx, channelEvents)
	defer func() { _ = sub.Close() }() // ends with ctx: nothing is left to report an error to
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			fn(m.Payload)
		}
	}
}

// Latest implements history.Queue.
func (q *Queue) Latest(ctx context.Context, key string) (history.Publication, bool, error) {
	return latest(ctx, q.rdb, key)
}

func latest(ctx context.Context, rdb redis.UniversalClient, key string) (history.Publication, bool, error) {
	var p history.Publication
	raw, err := rdb.Get(ctx, keyIndex+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, false, fmt.Errorf("published index of %s: %w", key, err)
	}
	return p, true, nil
}

// Load implements history.Queue: the index is checked whole (checksums,
// offsets) before it is served.
func (q *Queue) Load(ctx context.Context, key string, p history.Publication) (*index.Index, error) {
	raw, err := q.rdb.Get(ctx, blobKey(key, p)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("published index of %s at %s is gone", key, p.Head)
	}
	if err != nil {
		return nil, err
	}
	data, err := q.dec.DecodeAll(raw, nil)
	if err != nil {
		return nil, fmt.Errorf("published index of %s: %w", key, err)
	}
	x, err := index.UnmarshalBinary(data)
	if err != nil {
		return nil, fmt.Errorf("published index of %s: %w", key, err)
	}
	if x.Head() != p.Head || x.HasStats != p.Stats {
		return nil, fmt.Errorf("published index of %s: %w", key, index.ErrCorrupt)
	}
	return x, nil
}

// Publisher is a worker's side of the fleet: history.Publisher on Redis.
// It is safe for concurrent use.
type Publisher struct {
	rdb redis.UniversalClient

	encMu sync.Mutex // a streaming encoder is used by one index at a time
	enc   *zstd.Encoder

	mu   sync.Mutex
	sent map[string]progressSent
}

type progressSent struct {
	phase progress.Phase
	at    time.Time
}

// progressEvery is how often a job's progress is written at most, apart
// from each change of phase.
const progressEvery = 200 * time.Millisecond

var _ history.Publisher = (*Publisher)(nil)

// NewPublisher returns the Publisher over rdb, which stays the caller's to
// close.
func NewPublisher(rdb redis.UniversalClient) (*Publisher, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	return &Publisher{rdb: rdb, enc: enc, sent: make(map[string]progressSent)}, nil
}

// Progress implements history.Publisher.
func (p *Publisher) Progress(key string, pr progress.Progress) {
	p.mu.Lock()
	last := p.sent[key]
	if last.phase == pr.Phase && time.Since(last.at) < progressEvery && pr.Phase != progress.PhaseDone {
		p.mu.Unlock()
		return
	}
	p.sent[key] = progressSent{pr.Phase, time.Now()}
	if pr.Phase == progress.PhaseDone {
		delete(p.sent, key)
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if pr.Phase == progress.PhaseDone {
		p.rdb.Del(ctx, keyProgress+key)
		return
	}
	raw, _ := json.Marshal(pr)
	p.rdb.Set(ctx, keyProgress+key, raw, progressTTL)
}

// Index implements history.Publisher: the compressed index first, then
// the pointer to it, so a reader never finds a pointer to nothing. An
// index published already is not sent again; its pointer says how fresh
// it is.
func (p *Publisher) Index(ctx context.Context, key string, x *index.Index, checked time.Time) error {
	pub := history.Publication{Head: x.Head(), Stats: x.HasStats, Commits: x.Len(), Checked: checked.UTC()}
	blob := blobKey(key, pub)
	ok, err := p.rdb.Expire(ctx, blob, blobTTL).Result()
	if err != nil {
		return err
	}
	if !ok {
		packed, err := p.compress(x)
		if err != nil {
			return err
		}
		if err := p.rdb.Set(ctx, blob, packed, blobTTL).Err(); err != nil {
			return err
		}
	}
	old, had, err := latest(ctx, p.rdb, key)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(pub)
	if err := p.rdb.Set(ctx, keyIndex+key, raw, blobTTL).Err(); err != nil {
		return err
	}
	if had && blobKey(key, old) != blob {
		p.rdb.Expire(ctx, blobKey(key, old), replacedTTL)
	}
	announce(ctx, p.rdb, key)
	return nil
}

// compress streams x through the zstd encoder, so that the uncompressed
// index is never whole in memory.
func (p *Publisher) compress(x *index.Index) ([]byte, error) {
	p.encMu.Lock()
	defer p.encMu.Unlock()
	var b bytes.Buffer
	p.enc.Reset(&b)
	if err := x.Encode(p.enc); err != nil {
		return nil, err
	}
	if err := p.enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// announce tells the API instances that the repository's index or job
// changed.
func announce(ctx context.Context, rdb redis.UniversalClient, key string) {
	rdb.Publish(ctx, channelEvents, key)
}
