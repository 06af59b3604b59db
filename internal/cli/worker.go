package cli

import (
	"context"
	"errors"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/fleet"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
)

func newWorker(g *globals) *cobra.Command {
	var addr string
	var concurrency int
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Clone and index repositories for a fleet of serve instances (JOB_QUEUE=redis)",
		Long: `worker processes the jobs that serve instances started with JOB_QUEUE=redis
enqueue on REDIS_URL: it keeps mirrors and indexes in its own data directory and
publishes each finished index to Redis, from which every serve instance loads it.
It answers /healthz and /metrics on --addr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.worker(cmd.Context(), addr, concurrency)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", ":3002", "listen address of /healthz and /metrics")
	cmd.Flags().IntVar(&concurrency, "concurrency", runtime.NumCPU(), "jobs run at once")
	return cmd
}

func (g *globals) worker(ctx context.Context, addr string, concurrency int) error {
	cfg := g.cfg
	if cfg.RedisURL == "" {
		return usageError{errors.New("worker needs REDIS_URL, the Redis of the serve instances (started with JOB_QUEUE=redis)")}
	}
	if concurrency < 1 {
		return usageError{errors.New("--concurrency: want at least 1")}
	}
	log, logOut := g.serverLog()
	defer func() { _ = logOut.Close() }() // standard error failing leaves nowhere to say so
	redis.SetLogger(redisLogger{log})
	log.Info("starting worker", "concurrency", concurrency, "settings", cfg.String())
	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return err
	}
	rdb := redisClient(cfg)
	defer closeLogged(log, "redis client", rdb)
	pub, err := fleet.NewPublisher(rdb)
	if err != nil {
		return err
	}
	reg := newRegistry()
	hopts := historyOptions(cfg, serverPolicy(cfg), reg, log)
	hopts.Publisher = pub
	// Pass 1 is published the moment it is read, never held back for
	// pass 2.
	hopts.StatsWait = -1
	svc, err := history.New(git, hopts)
	if err != nil {
		return err
	}
	defer svc.Close()
	fleet.RegisterQueueMetrics(reg, rdb)
	w := fleet.NewWorker(rdb, svc, fleet.WorkerOptions{Concurrency: concurrency, Registry: reg, Logger: log})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// A listener that fails stops the worker too.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- listenAndServe(ctx, addr, mux, cfg.ShutdownGrace, log)
		cancel()
	}()
	werr := w.Run(ctx)
	cancel()
	return errors.Join(werr, <-errc)
}
