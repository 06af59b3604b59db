// Package config reads every gitpulse setting from the environment into
// one typed struct, with the defaults the README's Settings table lists.
// Load parses, Validate checks, String prints with secrets redacted. The
// packages that use a setting keep their own Options types; the command
// line maps a Config to them in one place.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/ratelimit"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// Config is every setting of gitpulse. Each field's env tag names its
// variable and envDefault its default; secret marks the ones String
// redacts. Time settings accept plain seconds ("300") or a Go duration
// ("5m").
type Config struct {
	// DataDir holds mirrors, indexes, the result cache and the generated
	// session key. Unset means $XDG_DATA_HOME/gitpulse, else
	// ~/.local/share/gitpulse.
	DataDir string `env:"GITPULSE_DATA_DIR"`
	// FetchInterval is how old a mirror may get before it is fetched
	// again; 0 means before every answer.
	FetchInterval time.Duration `env:"GITPULSE_FETCH_INTERVAL" envDefault:"5m"`
	// MaxMirrorMB is the mirrors' disk budget; 0 means unlimited.
	MaxMirrorMB int64 `env:"GITPULSE_MAX_MIRROR_MB" envDefault:"0"`
	// Token is the provider token of `gitpulse recap --provider`.
	Token string `env:"GITPULSE_TOKEN" secret:"true"`

	// AllowedGitHosts are the hosts the server may mirror; "*" is any
	// public host.
	AllowedGitHosts []string `env:"ALLOWED_GIT_HOSTS" envDefault:"github.com,gitlab.com,bitbucket.org,codeberg.org"`
	// AllowHTTPGit allows plain http repositories.
	AllowHTTPGit bool `env:"ALLOW_HTTP_GIT" envDefault:"false"`
	// AllowPrivateGitHosts allows hosts at loopback, private and
	// link-local addresses.
	AllowPrivateGitHosts bool `env:"ALLOW_PRIVATE_GIT_HOSTS" envDefault:"false"`
	// AllowLocalRepos allows local paths and file:// URLs.
	AllowLocalRepos bool `env:"ALLOW_LOCAL_REPOS" envDefault:"false"`

	// Port is where serve listens (its --addr overrides).
	Port int `env:"PORT" envDefault:"3001"`
	// RedisURL is the shared result cache, rate limits and sessions.
	RedisURL string `env:"REDIS_URL" secret:"password"`
	// JobQueue is where clones and indexing run: "local" in the serving
	// process, "redis" on `gitpulse worker` processes through asynq on
	// REDIS_URL.
	JobQueue string `env:"JOB_QUEUE" envDefault:"local"`
	// RateLimit is the requests a client may make per Window.
	RateLimit int `env:"RATE_LIMIT" envDefault:"30"`
	// Window is the rate limit's window.
	Window time.Duration `env:"WINDOW_SECONDS" envDefault:"3"`
	// TrustedProxies are the CIDR prefixes (comma-separated) of the
	// reverse proxies whose X-Forwarded-For / Forwarded name the client;
	// unset trusts no one.
	TrustedProxies string `env:"TRUSTED_PROXIES"`
	// WebhookSecret checks push webhooks (/api/hooks/github, /gitlab);
	// unset, those routes answer 404.
	WebhookSecret string `env:"WEBHOOK_SECRET" secret:"true"`
	// RequestTimeout is the longest a request waits for a clone or an
	// index pass before it answers 504.
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"30s"`
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string `env:"CORS_ORIGINS"`
	// FrontendHost is one more allowed origin.
	FrontendHost string `env:"VITE_FRONTEND_HOST"`
	// CacheMemoryMB is the in-process result cache.
	CacheMemoryMB int64 `env:"CACHE_MEMORY_MB" envDefault:"64"`
	// CacheDiskMB is the on-disk result cache.
	CacheDiskMB int64 `env:"CACHE_DISK_MB" envDefault:"512"`
	// ShutdownGrace is how long SIGTERM waits for requests in flight.
	ShutdownGrace time.Duration `env:"SHUTDOWN_GRACE" envDefault:"30s"`
	// AuthorStats serves statistics per person (/api/repositories/authors);
	// off by default, since spec 002's contributors carry none (GDPR).
	AuthorStats bool `env:"AUTHOR_STATS" envDefault:"false"`

	// SecretKey signs session tokens and encrypts sessions in Redis.
	// Unset, serve keeps a generated key in the data directory.
	SecretKey string `env:"SECRET_KEY" secret:"true"`
	// SessionTTL ends a session unused for this long.
	SessionTTL time.Duration `env:"SESSION_TTL" envDefault:"300s"`

	// GitHubAPIURL is GitHub's API or a GitHub Enterprise Server.
	GitHubAPIURL string `env:"GITHUB_API_URL" envDefault:"https://api.github.com/"`
	// GitLabURL is the GitLab instance.
	GitLabURL string `env:"GITLAB_URL" envDefault:"https://gitlab.com"`
	// AzureDevOpsURL is where Azure DevOps organizations live.
	AzureDevOpsURL string `env:"AZURE_DEVOPS_URL" envDefault:"https://dev.azure.com"`
	// ProviderHosts are further hosts users may name in a session.
	ProviderHosts []string `env:"PROVIDER_HOSTS"`
	// GitHubClientID and GitHubClientSecret are the GitHub OAuth
	// application of /external-signup.
	GitHubClientID     string `env:"VITE_GITHUB_CLIENT_ID"`
	GitHubClientSecret string `env:"VITE_GITHUB_CLIENT_SECRET" secret:"true"`
	// GitHubOAuthURL is where GitHub's OAuth endpoints live.
	GitHubOAuthURL string `env:"GITHUB_OAUTH_URL" envDefault:"https://github.com"`

	// LLMProvider chooses the model: builtin, openai, anthropic or an
	// OpenAI-compatible service's name.
	LLMProvider string `env:"LLM_PROVIDER" envDefault:"builtin"`
	// LLMAPIKey authenticates to the model's API.
	LLMAPIKey string `env:"LLM_API_KEY" secret:"true"`
	// LLMModel names the model; each provider has a default.
	LLMModel string `env:"LLM_MODEL"`
	// LLMBaseURL overrides the model API's address.
	LLMBaseURL string `env:"LLM_BASE_URL"`
	// LLMTemperature is sent with every request.
	LLMTemperature float64 `env:"LLM_TEMPERATURE" envDefault:"0.2"`
	// LLMMaxTokens caps the length of a response.
	LLMMaxTokens int `env:"LLM_MAX_TOKENS" envDefault:"1024"`
	// LLMTimeout bounds one whole generation, retries included.
	LLMTimeout time.Duration `env:"LLM_TIMEOUT" envDefault:"120s"`
	// LLMMaxRetries is how often a refused model request is retried.
	LLMMaxRetries int `env:"LLM_MAX_RETRIES" envDefault:"3"`
	// MaxHistoryTokens is the budget activity is trimmed to, oldest first.
	MaxHistoryTokens int `env:"MAX_HISTORY_TOKENS" envDefault:"16000"`
}

// The values of JOB_QUEUE.
const (
	JobQueueLocal = "local"
	JobQueueRedis = "redis"
)

// Load reads the settings from environ (os.Environ() in production; a
// variable set to the empty string counts as unset). A value that does not
// parse is reported, naming its variable, and the setting keeps its
// default, so the result is always usable. Load does not Validate: the
// command line applies its flags first.
func Load(environ []string) (Config, error) {
	vars := make(map[string]string)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if value = strings.TrimSpace(value); ok && value != "" {
			vars[name] = value
		}
	}
	var c Config
	err := env.ParseWithOptions(&c, options(vars))
	var problems []error
	if err != nil {
		// Report each bad value by its variable, then parse again with the
		// bad ones unset so that they keep their defaults.
		var agg env.AggregateError
		if !errors.As(err, &agg) {
			return Config{}, err
		}
		for _, e := range agg.Errors {
			var pe env.ParseError
			if !errors.As(e, &pe) {
				return Config{}, err
			}
			name := variable(pe.Name)
			problems = append(problems, parseProblem(name, vars[name], pe))
			delete(vars, name)
		}
		c = Config{}
		if err := env.ParseWithOptions(&c, options(vars)); err != nil {
			return Config{}, err
		}
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir(vars["XDG_DATA_HOME"])
	}
	c.AllowedGitHosts = clean(c.AllowedGitHosts)
	c.CORSOrigins = clean(c.CORSOrigins)
	c.ProviderHosts = clean(c.ProviderHosts)
	return c, errors.Join(problems...)
}

// options are the parser's: the given variables, and durations read as
// ParseDuration does.
func options(vars map[string]string) env.Options {
	return env.Options{
		Environment: vars,
		FuncMap: map[reflect.Type]env.ParserFunc{
			reflect.TypeFor[time.Duration](): func(v string) (any, error) { return ParseDuration(v) },
		},
	}
}

// ParseDuration reads a time setting: whole seconds ("300") or a Go
// duration ("5m", "1h30m"). Negative values are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > int64(time.Duration(1<<63-1)/time.Second) {
			return 0, fmt.Errorf("%q is out of range", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither whole seconds (300) nor a duration (5m, 30s)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// parseProblem describes a value that did not parse, without the value
// when it is a secret.
func parseProblem(name, value string, pe env.ParseError) error {
	if field, _ := fieldOf(name); field.Tag.Get("secret") != "" {
		return fmt.Errorf("%s is not valid", name)
	}
	switch pe.Type {
	case reflect.TypeFor[time.Duration]():
		return fmt.Errorf("%s=%q: want whole seconds (300) or a duration (5m, 30s)", name, value)
	case reflect.TypeFor[bool]():
		return fmt.Errorf("%s=%q: want true or false", name, value)
	case reflect.TypeFor[float64]():
		return fmt.Errorf("%s=%q: want a number", name, value)
	}
	return fmt.Errorf("%s=%q: want a whole number", name, value)
}

// variable is the environment variable of the Config field named field.
func variable(field string) string {
	f, _ := reflect.TypeFor[Config]().FieldByName(field)
	return f.Tag.Get("env")
}

// fieldOf is the Config field read from the variable name.
func fieldOf(name string) (reflect.StructField, bool) {
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		if f := t.Field(i); f.Tag.Get("env") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// defaultDataDir is $XDG_DATA_HOME/gitpulse, else ~/.local/share/gitpulse.
func defaultDataDir(xdg string) string {
	if xdg != "" {
		return filepath.Join(xdg, "gitpulse")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "gitpulse")
	}
	return filepath.Join(os.TempDir(), "gitpulse")
}

// clean trims a list's entries and drops the empty ones.
func clean(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate reports every invalid setting at once, each naming its
// variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DataDir == "" {
		bad("GITPULSE_DATA_DIR is empty")
	}
	if c.MaxMirrorMB < 0 {
		bad("GITPULSE_MAX_MIRROR_MB=%d: want 0 (unlimited) or more", c.MaxMirrorMB)
	}
	if _, err := repourl.ParseHosts(c.AllowedGitHosts); err != nil {
		bad("ALLOWED_GIT_HOSTS: %v", err)
	}
	if c.Port < 1 || c.Port > 65535 {
		bad("PORT=%d: want 1-65535", c.Port)
	}
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			bad("REDIS_URL is not a redis://, rediss:// or unix:// URL")
		}
	}
	switch c.JobQueue {
	case JobQueueLocal:
	case JobQueueRedis:
		if c.RedisURL == "" {
			bad("JOB_QUEUE=redis needs REDIS_URL")
		}
	default:
		bad("JOB_QUEUE=%q: want local or redis", c.JobQueue)
	}
	if c.RateLimit < 1 {
		bad("RATE_LIMIT=%d: want at least 1", c.RateLimit)
	}
	if _, err := ratelimit.ParseProxies(c.TrustedProxies); err != nil {
		bad("TRUSTED_PROXIES: %v", err)
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"WINDOW_SECONDS", c.Window}, {"REQUEST_TIMEOUT", c.RequestTimeout}, {"SESSION_TTL", c.SessionTTL}, {"LLM_TIMEOUT", c.LLMTimeout}} {
		if d.d <= 0 {
			bad("%s=%s: want more than 0", d.name, d.d)
		}
	}
	if c.CacheMemoryMB < 1 {
		bad("CACHE_MEMORY_MB=%d: want at least 1", c.CacheMemoryMB)
	}
	if c.CacheDiskMB < 0 {
		bad("CACHE_DISK_MB=%d: want 0 (no disk cache) or more", c.CacheDiskMB)
	}
	if c.SecretKey != "" && len(c.SecretKey) < auth.MinSecretKeyLen {
		bad("SECRET_KEY is %d bytes: want at least %d (for example `openssl rand -hex 32`)", len(c.SecretKey), auth.MinSecretKeyLen)
	}
	for _, u := range []struct{ name, value string }{
		{"GITHUB_API_URL", c.GitHubAPIURL}, {"GITLAB_URL", c.GitLabURL}, {"AZURE_DEVOPS_URL", c.AzureDevOpsURL},
		{"GITHUB_OAUTH_URL", c.GitHubOAuthURL}, {"LLM_BASE_URL", c.LLMBaseURL},
	} {
		if u.value != "" && !httpURL(u.value) {
			bad("%s=%q: want an http(s) URL without credentials", u.name, u.value)
		}
	}
	switch {
	case c.GitHubClientID != "" && c.GitHubClientSecret == "":
		bad("VITE_GITHUB_CLIENT_SECRET is unset: it goes with VITE_GITHUB_CLIENT_ID")
	case c.GitHubClientID == "" && c.GitHubClientSecret != "":
		bad("VITE_GITHUB_CLIENT_ID is unset: it goes with VITE_GITHUB_CLIENT_SECRET")
	}
	if c.LLMTemperature < 0 || c.LLMTemperature > 2 {
		bad("LLM_TEMPERATURE=%g: want 0-2", c.LLMTemperature)
	}
	if c.LLMMaxTokens < 1 {
		bad("LLM_MAX_TOKENS=%d: want at least 1", c.LLMMaxTokens)
	}
	if c.LLMMaxRetries < 0 {
		bad("LLM_MAX_RETRIES=%d: want 0 or more", c.LLMMaxRetries)
	}
	if c.MaxHistoryTokens < 1 {
		bad("MAX_HISTORY_TOKENS=%d: want at least 1", c.MaxHistoryTokens)
	}
	return errors.Join(errs...)
}

// httpURL reports whether s is an http(s) URL with a host and no
// credentials.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// String lists every setting as VARIABLE=value, with secrets (SECRET_KEY,
// tokens, API keys, the OAuth client secret, REDIS_URL's password)
// redacted.
func (c Config) String() string {
	var b strings.Builder
	v := reflect.ValueOf(c)
	for i, f := range reflect.VisibleFields(v.Type()) {
		if i > 0 {
			b.WriteByte(' ')
		}
		value := fmt.Sprint(v.FieldByIndex(f.Index).Interface())
		if l, ok := v.FieldByIndex(f.Index).Interface().([]string); ok {
			value = strings.Join(l, ",")
		}
		switch secret := f.Tag.Get("secret"); {
		case value == "":
		case secret == "password":
			value = redactURL(value)
		case secret != "":
			value = "[redacted]"
		}
		fmt.Fprintf(&b, "%s=%s", f.Tag.Get("env"), value)
	}
	return b.String()
}

// GoString is String, so that %#v redacts too.
func (c Config) GoString() string { return c.String() }

// redactURL hides a URL's password; a URL that does not parse is hidden
// whole.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[redacted]"
	}
	return u.Redacted()
}
