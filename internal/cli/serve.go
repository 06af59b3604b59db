package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/cache"
	"github.com/gitpulse/gitpulse/internal/config"
	"github.com/gitpulse/gitpulse/internal/fleet"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
	"github.com/gitpulse/gitpulse/internal/version"
	"github.com/gitpulse/gitpulse/internal/web"
)

func newServe(g *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the analytics API over HTTP",
		Long: `serve answers the analytics API of spec 002 (/api/repositories/...) with
/healthz, /readyz and /api/openapi.json. Settings come from the environment (see README).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.serve(cmd.Context(), addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address (default :$PORT, PORT defaulting to 3001)")
	return cmd
}

func (g *globals) serve(ctx context.Context, addr string) error {
	if addr == "" {
		addr = ":" + strconv.Itoa(g.cfg.Port)
	}
	log, logOut := g.serverLog()
	defer func() { _ = logOut.Close() }() // standard error failing leaves nowhere to say so
	redis.SetLogger(redisLogger{log})
	handler, closeAll, err := g.newAPI(ctx, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return listenAndServe(ctx, addr, handler, g.cfg.ShutdownGrace, log)
}

// newAPI builds what serve serves from the settings: the API's handler
// over its history service, result cache, rate limiter and recap
// endpoints. closeAll releases them, the last opened first; on an error
// newAPI has released them already.
func (g *globals) newAPI(ctx context.Context, log *slog.Logger) (handler http.Handler, closeAll func(), err error) {
	cfg := g.cfg
	var closers []func()
	release := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	// The LLM settings are checked before anything starts; the rest were
	// by Validate.
	gen, err := recap.New(recapConfig(cfg))
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("invalid settings:\n%w", err)}
	}
	key, keyFrom, err := secretKey(cfg)
	if err != nil {
		return nil, nil, err
	}
	log.Info("starting", "sessions_key", keyFrom, "settings", cfg.String())

	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return nil, nil, err
	}
	reg := newRegistry()
	var rdb redis.UniversalClient
	if cfg.RedisURL != "" {
		rdb = redisClient(cfg)
		closers = append(closers, func() { closeLogged(log, "redis client", rdb) })
	}
	hopts := historyOptions(cfg, serverPolicy(cfg), reg, log)
	if cfg.JobQueue == config.JobQueueRedis {
		// A fleet's API instance: workers clone and index.
		q, err := fleet.NewQueue(rdb)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() { closeLogged(log, "job queue", q) })
		hopts.Queue = q
		fleet.RegisterQueueMetrics(reg, rdb)
	}
	svc, err := history.New(git, hopts)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, svc.Close)
	// Earlier versions kept the disk tier in one bbolt file, whose entries
	// are under an older key version and never read again.
	_ = os.Remove(filepath.Join(cfg.DataDir, "cache", "results.db"))
	results, err := cache.New(cache.Options{
		MemoryBytes: cfg.CacheMemoryMB << 20,
		DiskPath:    filepath.Join(cfg.DataDir, "cache", "results"),
		DiskBytes:   cfg.CacheDiskMB << 20,
		Redis:       rdb,
		Logger:      log,
	})
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, func() { closeLogged(log, "result cache", results) })
	registerCacheStats(reg, results)

	var limiter ratelimit.Limiter = ratelimit.NewMemory(cfg.RateLimit, cfg.Window)
	if rdb != nil {
		limiter = ratelimit.Fallback(ratelimit.NewRedis(rdb, cfg.RateLimit, cfg.Window), limiter, log)
	}
	proxies, _ := ratelimit.ParseProxies(cfg.TrustedProxies) // validated by config.Validate
	recapOpts, err := recapOptions(cfg, key, gen, svc, rdb, reg)
	if err != nil {
		return nil, nil, err
	}
	handler = httpapi.New(httpapi.Options{
		Dashboard:     web.Handler(httpapi.NotFound),
		Recap:         recapOpts,
		Service:       svc,
		Cache:         cacheAdapter{results},
		Deadline:      cfg.RequestTimeout,
		Middleware:    []func(http.Handler) http.Handler{ratelimit.Middleware(limiter, proxies.ClientKey, httpapi.DenyRateLimited)},
		ClientAddr:    proxies.ClientAddr,
		WebhookSecret: cfg.WebhookSecret,
		CORSOrigins:   origins(cfg),
		Registry:      reg,
		Logger:        log,
		AuthorStats:   cfg.AuthorStats,
	})
	return handler, release, nil
}

// newRegistry is a metrics registry with the Go runtime's and the
// process's own, and gitpulse_build_info naming the build (as `gitpulse
// version` does): every process serving /metrics (serve, worker) has it.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gitpulse_build_info", Help: "Always 1; its labels name the running build (as `gitpulse version` prints it).",
	}, []string{"version", "commit", "goversion"})
	v := version.Get()
	build.WithLabelValues(v.Version, v.Revision, v.GoVersion).Set(1)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), build)
	return reg
}

// redisClient connects to REDIS_URL (set and checked by Validate).
func redisClient(cfg config.Config) redis.UniversalClient {
	opts, _ := redis.ParseURL(cfg.RedisURL)
	// Per-call deadlines from the context bound every Redis call, so an
	// outage costs each request little.
	opts.ContextTimeoutEnabled = true
	// One dial attempt: go-redis's default of five, 100 ms apart, made
	// every request wait while Redis was down.
	opts.DialerRetries = 1
	return redis.NewClient(opts)
}

// redisLogger passes go-redis's messages to the server's log, so that
// every line of it stays JSON.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's logging interface.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

// listenAndServe serves until ctx ends (SIGINT/SIGTERM), then stops
// taking connections and lets requests in flight finish for grace. What is
// still running then is cancelled with httpapi.ErrShuttingDown, which
// answers it 503 with Retry-After; a shutdown that answered everything it
// took is a clean one (nil error, exit status 0).
func listenAndServe(ctx context.Context, addr string, h http.Handler, grace time.Duration, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	base, cutOff := context.WithCancelCause(context.Background())
	defer cutOff(nil)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	// The grace is over: cut off what is left, give it a moment to write
	// its 503, then close whatever still holds a connection.
	cutOff(httpapi.ErrShuttingDown)
	fctx, cancel := context.WithTimeout(context.Background(), cutOffWrite)
	defer cancel()
	if err := srv.Shutdown(fctx); err != nil {
		_ = srv.Close() // its only error is the listener's, closed already
		return errors.New("shutdown: requests still running after the grace did not finish their 503 answer and were closed")
	}
	log.Info("requests still running after the shutdown grace were answered 503")
	return nil
}

// closeLogged closes c at shutdown, logging a failure (the disk cache's
// last writes, a Redis connection) that can no longer change the exit.
func closeLogged(log *slog.Logger, what string, c io.Closer) {
	if err := c.Close(); err != nil {
		log.Warn("close "+what, "err", err)
	}
}

// cutOffWrite is how long requests cancelled at the end of the shutdown
// grace have to write their 503.
const cutOffWrite = 2 * time.Second

// cacheAdapter presents the tiered cache as the API's ResultCache.
type cacheAdapter struct{ c *cache.Cache }

// Do implements httpapi.ResultCache.
func (a cacheAdapter) Do(ctx context.Context, key string, compute func(context.Context) ([]byte, error)) ([]byte, bool, error) {
	body, src, err := a.c.Do(ctx, key, compute)
	return body, src != cache.SourceComputed, err
}

// registerCacheStats exports the result cache's counters.
func registerCacheStats(reg prometheus.Registerer, c *cache.Cache) {
	hits := func(pick func(cache.Stats) uint64) func() float64 {
		return func() float64 { return float64(pick(c.Stats())) }
	}
	for tier, pick := range map[string]func(cache.Stats) uint64{
		"memory": func(s cache.Stats) uint64 { return s.MemoryHits },
		"disk":   func(s cache.Stats) uint64 { return s.DiskHits },
		"redis":  func(s cache.Stats) uint64 { return s.RedisHits },
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gitpulse_cache_hits_total", Help: "Result cache hits by tier.", ConstLabels: prometheus.Labels{"tier": tier},
		}, hits(pick)))
	}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gitpulse_cache_misses_total", Help: "Result cache misses."},
			hits(func(s cache.Stats) uint64 { return s.Misses })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gitpulse_cache_redis_errors_total", Help: "Failed Redis cache calls."},
			hits(func(s cache.Stats) uint64 { return s.RedisErrors })),
	)
}

// recapOptions configures the recap endpoints; sessions are signed with
// key.
func recapOptions(cfg config.Config, key []byte, gen *recap.Generator, svc *history.Service, rdb redis.UniversalClient, reg prometheus.Registerer) (*httpapi.RecapOptions, error) {
	signer, err := auth.NewSigner(key)
	if err != nil {
		return nil, err
	}
	hosts := providerHosts(cfg)
	// One client for every provider call: shared connections, and the
	// calls counted in /metrics.
	hosts.Metrics = providers.NewMetrics(reg)
	hosts.HTTPClient = providers.NewClient(hosts.Metrics.RoundTripper(nil))
	hosts.History = svc // plain-git sessions read through the analytics' mirrors
	var sessions auth.Store = auth.NewMemoryStore(cfg.SessionTTL)
	if rdb != nil {
		sessions = auth.NewRedisStore(rdb, cfg.SessionTTL, key)
	}
	return &httpapi.RecapOptions{Sessions: sessions, Signer: signer, Recaps: recaps.New(hosts, gen, nil), OAuth: githubOAuth(cfg), Origins: origins(cfg)}, nil
}
