package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/cache"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/httpapi"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/recaps"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/web"
)

// serveConfig is the server's configuration from the environment; flags
// override what they name.
type serveConfig struct {
	Port           int           `env:"PORT" envDefault:"3001"`
	RedisURL       string        `env:"REDIS_URL"`
	RateLimit      int           `env:"RATE_LIMIT" envDefault:"30"`
	WindowSeconds  int           `env:"WINDOW_SECONDS" envDefault:"3"`
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"30s"`
	CORSOrigins    []string      `env:"CORS_ORIGINS" envSeparator:","`
	FrontendHost   string        `env:"VITE_FRONTEND_HOST"`
	CacheMemoryMB  int64         `env:"CACHE_MEMORY_MB" envDefault:"64"`
	CacheDiskMB    int64         `env:"CACHE_DISK_MB" envDefault:"512"`
	ShutdownGrace  time.Duration `env:"SHUTDOWN_GRACE" envDefault:"30s"`
	SessionTTL     time.Duration `env:"SESSION_TTL" envDefault:"300s"`
	Debug          bool          `env:"DEBUG"`
	// GitHub OAuth application for GET /external-signup.
	GitHubClientID     string `env:"VITE_GITHUB_CLIENT_ID"`
	GitHubClientSecret string `env:"VITE_GITHUB_CLIENT_SECRET"`
	GitHubOAuthURL     string `env:"GITHUB_OAUTH_URL" envDefault:"https://github.com"`
}

// validate reports every invalid setting at once.
func (c serveConfig) validate() error {
	var errs []error
	if c.Port < 1 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("PORT=%d: want 1-65535", c.Port))
	}
	if c.RateLimit < 1 {
		errs = append(errs, fmt.Errorf("RATE_LIMIT=%d: want at least 1", c.RateLimit))
	}
	if c.WindowSeconds < 1 {
		errs = append(errs, fmt.Errorf("WINDOW_SECONDS=%d: want at least 1", c.WindowSeconds))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("REQUEST_TIMEOUT=%s: want a positive duration", c.RequestTimeout))
	}
	if c.SessionTTL <= 0 {
		errs = append(errs, fmt.Errorf("SESSION_TTL=%s: want a positive duration", c.SessionTTL))
	}
	if c.CacheMemoryMB < 1 || c.CacheDiskMB < 0 {
		errs = append(errs, errors.New("CACHE_MEMORY_MB must be at least 1 and CACHE_DISK_MB at least 0"))
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			errs = append(errs, errors.New("REDIS_URL is not a valid redis:// URL"))
		}
	}
	return errors.Join(errs...)
}

// origins are the browser origins allowed to call the API.
func (c serveConfig) origins() []string {
	out := append([]string(nil), c.CORSOrigins...)
	if c.FrontendHost != "" {
		out = append(out, strings.TrimRight(c.FrontendHost, "/"))
	}
	return out
}

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
	var cfg serveConfig
	if err := env.Parse(&cfg); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	policy, err := repourl.PolicyFromEnv(os.Getenv)
	if err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	if err := cfg.validate(); err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	if addr == "" {
		addr = ":" + strconv.Itoa(cfg.Port)
	}
	log := g.logger()
	if log == nil {
		log = slog.New(slog.NewJSONHandler(g.stderr, nil))
	}

	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc, err := history.New(git, history.Options{
		DataDir: g.dataDir, Policy: policy, FetchInterval: g.fetchInterval,
		MaxMirrorBytes: g.maxMirrorMB << 20, Registry: reg, Logger: log,
	})
	if err != nil {
		return err
	}
	defer svc.Close()

	var rdb redis.UniversalClient
	if cfg.RedisURL != "" {
		opts, _ := redis.ParseURL(cfg.RedisURL)
		// Per-call deadlines from the context bound every Redis call, so
		// an outage costs each request little.
		opts.ContextTimeoutEnabled = true
		rdb = redis.NewClient(opts)
		defer rdb.Close()
	}
	results, err := cache.New(cache.Options{
		MemoryBytes: cfg.CacheMemoryMB << 20,
		DiskPath:    filepath.Join(g.dataDir, "cache", "results.db"),
		DiskBytes:   cfg.CacheDiskMB << 20,
		Redis:       rdb,
		Logger:      log,
	})
	if err != nil {
		return err
	}
	defer results.Close()
	registerCacheStats(reg, results)

	window := time.Duration(cfg.WindowSeconds) * time.Second
	var limiter ratelimit.Limiter = ratelimit.NewMemory(cfg.RateLimit, window)
	if rdb != nil {
		limiter = ratelimit.Fallback(ratelimit.NewRedis(rdb, cfg.RateLimit, window), limiter, log)
	}
	deny := func(w http.ResponseWriter, r *http.Request, _ ratelimit.Result) {
		httpapi.WriteFailure(w, r, nil, fault.New(fault.RateLimited, "too many requests; retry after the time in Retry-After"))
	}
	recapOpts, err := recapOptions(cfg, svc, rdb, reg, log)
	if err != nil {
		return usageError{fmt.Errorf("configuration: %w", err)}
	}
	handler := httpapi.New(httpapi.Options{
		Dashboard:   web.Handler(),
		Recap:       recapOpts,
		Service:     svc,
		Cache:       cacheAdapter{results},
		Deadline:    cfg.RequestTimeout,
		Middleware:  []func(http.Handler) http.Handler{ratelimit.Middleware(limiter, nil, deny)},
		CORSOrigins: cfg.origins(),
		Registry:    reg,
		Logger:      log,
	})
	return listenAndServe(ctx, addr, handler, cfg.ShutdownGrace, log)
}

// listenAndServe serves until ctx ends (SIGINT/SIGTERM), then stops
// taking connections and lets requests in flight finish.
func listenAndServe(ctx context.Context, addr string, h http.Handler, grace time.Duration, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return srv.Shutdown(sctx)
}

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

// recapOptions configures the recap endpoints. Sessions are signed with
// SECRET_KEY; without one the server refuses to start unless DEBUG=true,
// which signs with a random per-process key.
func recapOptions(cfg serveConfig, svc *history.Service, rdb redis.UniversalClient, reg prometheus.Registerer, log *slog.Logger) (*httpapi.RecapOptions, error) {
	if os.Getenv("SECRET_KEY") == "" && !cfg.Debug {
		return nil, errors.New("SECRET_KEY is not set: it signs recap sessions; set it to 32 or more random bytes (for example `openssl rand -hex 32`), or set DEBUG=true for a development server with a per-process key")
	}
	key, generated, err := auth.SecretKeyFromEnv(os.Getenv, cfg.Debug)
	if err != nil {
		return nil, err
	}
	if generated {
		log.Warn("DEBUG: sessions are signed with a random key and end with this process")
	}
	signer, err := auth.NewSigner(key)
	if err != nil {
		return nil, err
	}
	hosts, err := connect.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	// One client for every provider call: shared connections, and the
	// calls counted in /metrics.
	hosts.HTTPClient = providers.NewClient(providers.NewMetrics(reg).RoundTripper(nil))
	hosts.History = svc // plain-git sessions read through the analytics' mirrors
	oauth, err := githubOAuth(cfg)
	if err != nil {
		return nil, err
	}
	llm, err := recap.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	gen, err := recap.New(llm)
	if err != nil {
		return nil, err
	}
	var sessions auth.Store = auth.NewMemoryStore(cfg.SessionTTL)
	if rdb != nil {
		sessions = auth.NewRedisStore(rdb, cfg.SessionTTL, key)
	}
	return &httpapi.RecapOptions{Sessions: sessions, Signer: signer, Recaps: recaps.New(hosts, gen, nil), OAuth: oauth, Origins: cfg.origins()}, nil
}

// githubOAuth is the GitHub OAuth application of GET /external-signup, or
// nil when VITE_GITHUB_CLIENT_ID and VITE_GITHUB_CLIENT_SECRET are unset.
// Its endpoints live under GITHUB_OAUTH_URL (default https://github.com).
func githubOAuth(cfg serveConfig) (*oauth2.Config, error) {
	if cfg.GitHubClientID == "" && cfg.GitHubClientSecret == "" {
		return nil, nil
	}
	if cfg.GitHubClientID == "" || cfg.GitHubClientSecret == "" {
		return nil, errors.New("VITE_GITHUB_CLIENT_ID and VITE_GITHUB_CLIENT_SECRET must be set together")
	}
	base, err := url.Parse(cfg.GitHubOAuthURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("GITHUB_OAUTH_URL=%q: want an http(s) URL", cfg.GitHubOAuthURL)
	}
	root := strings.TrimRight(base.String(), "/")
	return &oauth2.Config{
		ClientID: cfg.GitHubClientID, ClientSecret: cfg.GitHubClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: root + "/login/oauth/authorize", TokenURL: root + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams},
	}, nil
}
