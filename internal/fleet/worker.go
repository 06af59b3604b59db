package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
)

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Concurrency is how many jobs run at once; 0 means one per CPU.
	Concurrency int
	// Registry, if set, receives the job metrics.
	Registry prometheus.Registerer
	// Logger receives the worker's and asynq's messages; nil discards
	// them.
	Logger *slog.Logger
}

// Worker processes the fleet's jobs with a history.Service whose
// Publisher shares their results.
type Worker struct {
	rdb     redis.UniversalClient
	svc     *history.Service
	srv     *asynq.Server
	log     *slog.Logger
	seconds *prometheus.HistogramVec
	retries *prometheus.CounterVec
}

// NewWorker returns a Worker that runs jobs on svc (built with a Publisher
// on the same Redis). rdb stays the caller's to close.
func NewWorker(rdb redis.UniversalClient, svc *history.Service, opts WorkerOptions) *Worker {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{rdb: rdb, svc: svc, log: log,
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gitpulse_job_seconds",
			Help:    "Time taken by the fleet's jobs on this worker, by type (prepare, refresh) and result (done, retry, failed).",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 12),
		}, []string{"type", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitpulse_job_retries_total",
			Help: "Jobs this worker started that are retries of a failed or abandoned run, by type.",
		}, []string{"type"}),
	}
	if opts.Registry != nil {
		opts.Registry.MustRegister(w.seconds, w.retries)
	}
	w.srv = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: opts.Concurrency,
		Queues:      map[string]int{QueueName: 1},
		// An idle worker looks for work this often: a push's refresh
		// starts within it.
		TaskCheckInterval: 50 * time.Millisecond,
		RetryDelayFunc:    Backoff,
		ShutdownTimeout:   10 * time.Second,
		Logger:            asynqLogger{log},
		LogLevel:          asynq.WarnLevel,
	})
	return w
}

// Backoff is the delay before a job's run after n failed ones (asynq
// counts from 0): 2 s doubled at each failure, at most 5 minutes.
func Backoff(n int, _ error, _ *asynq.Task) time.Duration {
	return min(2*time.Second<<min(max(n, 0), 10), 5*time.Minute)
}

// Run processes jobs until ctx ends, then lets the running ones finish
// for a while; those that do not are handed back to the queue.
func (w *Worker) Run(ctx context.Context) error {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypePrepare, w.process)
	mux.HandleFunc(TypeRefresh, w.process)
	if err := w.srv.Start(mux); err != nil {
		return fmt.Errorf("start the worker: %w", err)
	}
	<-ctx.Done()
	w.srv.Shutdown()
	return nil
}

// process runs one job. A failure is recorded for API instances to report;
// one that retrying cannot mend (a bad or unknown repository, refused
// credentials) is not retried.
func (w *Worker) process(ctx context.Context, t *asynq.Task) (err error) {
	start := time.Now()
	typ := t.Type()[len("gitpulse:"):]
	if n, _ := asynq.GetRetryCount(ctx); n > 0 {
		w.retries.WithLabelValues(typ).Inc()
	}
	var p payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("bad job payload: %v: %w", err, asynq.SkipRetry)
	}
	defer func() {
		result := "done"
		if err != nil {
			result = "retry"
			if errors.Is(err, asynq.SkipRetry) {
				result = "failed"
			}
		}
		w.seconds.WithLabelValues(typ, result).Observe(time.Since(start).Seconds())
	}()
	info, err := w.svc.Vet(ctx, p.URL)
	if err == nil && info.Key != p.Key {
		err = fault.New(fault.Invalid, "the job's repository URL does not match its key")
	}
	force := t.Type() == TypeRefresh
	for err == nil {
		// A push announced while the job was queued or ran: fetch
		// however fresh the mirror is.
		if n, _ := w.rdb.Del(ctx, keyAgain+p.Key).Result(); n > 0 {
			force = true
		}
		if err = w.svc.Run(ctx, info, force); err != nil {
			break
		}
		again, gerr := w.rdb.Exists(ctx, keyAgain+p.Key).Result()
		if gerr != nil || again == 0 {
			w.rdb.Del(ctx, keyFailed+p.Key)
			// Announced after asynq deletes the task (this returns
			// first), so a follower might look too early; it looks
			// again at its next tick.
			defer w.announceDone(p.Key)
			return nil
		}
		force = true
	}
	f := fault.From(err)
	raw, _ := json.Marshal(failure{Kind: f.Kind, Message: f.Message})
	w.rdb.Set(context.WithoutCancel(ctx), keyFailed+p.Key, raw, failedTTL)
	w.log.Warn("job failed", "repo", p.Key, "type", typ, "err", err)
	defer w.announceDone(p.Key)
	switch f.Kind {
	case fault.Invalid, fault.NotFound, fault.Unauthorized, fault.Forbidden:
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// announceDone tells the API instances, a moment after process returns
// (asynq then records the job's end), that the repository's job ended.
func (w *Worker) announceDone(key string) {
	time.AfterFunc(20*time.Millisecond, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		announce(ctx, w.rdb, key)
	})
}

// asynqLogger passes asynq's messages to the worker's log.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
