package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load([]string{"XDG_DATA_HOME=/xdg"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults are invalid: %v", err)
	}
	if c.DataDir != "/xdg/gitpulse" || c.FetchInterval != 5*time.Minute || c.Port != 3001 || c.SessionTTL != 300*time.Second ||
		c.Window != 3*time.Second || c.LLMProvider != "builtin" || len(c.AllowedGitHosts) != 4 || c.CORSOrigins != nil {
		t.Fatalf("defaults: %s", c)
	}
}

// TestTimeSettings: plain seconds (as seed files write them) and Go
// durations both work; GITPULSE_FETCH_INTERVAL=0 means always, not the
// default.
func TestTimeSettings(t *testing.T) {
	c, err := Load([]string{"SESSION_TTL=300", "REQUEST_TIMEOUT= 30 ", "SHUTDOWN_GRACE=1m30s", "LLM_TIMEOUT=2m", "WINDOW_SECONDS=10", "GITPULSE_FETCH_INTERVAL=0s"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"SESSION_TTL": 5 * time.Minute, "REQUEST_TIMEOUT": 30 * time.Second, "SHUTDOWN_GRACE": 90 * time.Second,
		"LLM_TIMEOUT": 2 * time.Minute, "WINDOW_SECONDS": 10 * time.Second, "GITPULSE_FETCH_INTERVAL": 0}
	got := map[string]time.Duration{"SESSION_TTL": c.SessionTTL, "REQUEST_TIMEOUT": c.RequestTimeout, "SHUTDOWN_GRACE": c.ShutdownGrace,
		"LLM_TIMEOUT": c.LLMTimeout, "WINDOW_SECONDS": c.Window, "GITPULSE_FETCH_INTERVAL": c.FetchInterval}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("GITPULSE_FETCH_INTERVAL=0s refused: %v", err)
	}
	for _, bad := range []string{"-5", "-1s", "5 minutes", "1e3", "99999999999999999999"} {
		if d, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, d)
		}
	}
}

func TestListsAndBooleans(t *testing.T) {
	c, err := Load([]string{"ALLOWED_GIT_HOSTS= GitHub.com , ,git.example.com:8443", "CORS_ORIGINS=https://a.example, https://b.example",
		"ALLOW_HTTP_GIT=TRUE", "ALLOW_PRIVATE_GIT_HOSTS=1", "ALLOW_LOCAL_REPOS= false ", "PROVIDER_HOSTS="})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.AllowedGitHosts, []string{"GitHub.com", "git.example.com:8443"}) ||
		!reflect.DeepEqual(c.CORSOrigins, []string{"https://a.example", "https://b.example"}) || c.ProviderHosts != nil {
		t.Fatalf("lists: %q %q %q", c.AllowedGitHosts, c.CORSOrigins, c.ProviderHosts)
	}
	if !c.AllowHTTPGit || !c.AllowPrivateGitHosts || c.AllowLocalRepos {
		t.Fatalf("booleans: %s", c)
	}
}

// TestEveryBadSettingIsNamed: values that do not parse and values out of
// range are all reported at once, each by its variable, never by a Go
// field name; a bad value keeps its setting's default.
func TestEveryBadSettingIsNamed(t *testing.T) {
	c, err := Load([]string{
		"SESSION_TTL=soon", "PORT=http", "ALLOW_HTTP_GIT=perhaps", "LLM_TEMPERATURE=hot", "GITPULSE_MAX_MIRROR_MB=lots",
		"RATE_LIMIT=0", "REQUEST_TIMEOUT=0", "CACHE_MEMORY_MB=0", "ALLOWED_GIT_HOSTS=https://github.com", "REDIS_URL=nonsense://user:hunter2@x",
		"SECRET_KEY=short-secret", "GITLAB_URL=ftp://x", "VITE_GITHUB_CLIENT_ID=abc", "LLM_MAX_TOKENS=-1", "LLM_MAX_RETRIES=-2",
	})
	if c.SessionTTL != 300*time.Second || c.Port != 3001 {
		t.Fatalf("a bad value did not keep the default: %s", c)
	}
	err = fmt.Errorf("%w\n%w", err, c.Validate())
	for _, name := range []string{"SESSION_TTL", "PORT", "ALLOW_HTTP_GIT", "LLM_TEMPERATURE", "GITPULSE_MAX_MIRROR_MB",
		"RATE_LIMIT", "REQUEST_TIMEOUT", "CACHE_MEMORY_MB", "ALLOWED_GIT_HOSTS", "REDIS_URL", "SECRET_KEY", "GITLAB_URL",
		"VITE_GITHUB_CLIENT_SECRET", "LLM_MAX_TOKENS", "LLM_MAX_RETRIES"} {
		if !regexp.MustCompile(`(?m)^` + name + `\b`).MatchString(err.Error()) {
			t.Errorf("%s is not named at the start of a line:\n%v", name, err)
		}
	}
	for _, leak := range []string{"SessionTTL", "field", "hunter2", "short-secret", "env:"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the errors contain %q:\n%v", leak, err)
		}
	}
	if n := strings.Count(err.Error(), "PORT"); n != 1 {
		t.Errorf("PORT reported %d times:\n%v", n, err)
	}
}

func TestStringRedactsSecrets(t *testing.T) {
	c, err := Load([]string{"SECRET_KEY=0123456789abcdef0123456789abcdef-key", "GITPULSE_TOKEN=ghp_token", "LLM_API_KEY=sk-llm",
		"VITE_GITHUB_CLIENT_ID=client-id", "VITE_GITHUB_CLIENT_SECRET=client-secret", "REDIS_URL=redis://user:hunter2@cache.example:6379/0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		for _, secret := range []string{"0123456789abcdef", "ghp_token", "sk-llm", "client-secret", "hunter2"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q printed in %s", secret, s)
			}
		}
		for _, shown := range []string{"REDIS_URL=redis://user:xxxxx@cache.example:6379/0", "VITE_GITHUB_CLIENT_ID=client-id", "SECRET_KEY=[redacted]", "PORT=3001"} {
			if !strings.Contains(s, shown) {
				t.Errorf("%q missing from %s", shown, s)
			}
		}
	}
}

// TestREADMESettingsTable checks the README's Settings table against
// Config: every variable documented once, every documented variable real,
// and each documented default the one in force.
func TestREADMESettingsTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Settings\n")
	if !ok {
		t.Fatal("README has no Settings section")
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]*) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		if _, dup := documented[m[1]]; dup {
			t.Errorf("%s is documented twice", m[1])
		}
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("env")
		doc, ok := documented[name]
		delete(documented, name)
		switch def, hasDefault := f.Tag.Lookup("envDefault"); {
		case !ok:
			t.Errorf("%s is not in the README's Settings table", name)
		case hasDefault && !strings.HasPrefix(doc, "`"+def+"`"):
			t.Errorf("README: %s defaults to %s; Config says %q", name, doc, def)
		case !hasDefault && !strings.HasPrefix(doc, "unset"):
			t.Errorf("README: %s defaults to %s; Config has no default (write unset)", name, doc)
		}
	}
	for name := range documented {
		t.Errorf("the README documents %s, which Config does not read", name)
	}
}
