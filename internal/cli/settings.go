package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/oauth2"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/config"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
	"github.com/gitpulse/gitpulse/internal/recap"
	"github.com/gitpulse/gitpulse/internal/repourl"
)

// This file maps the settings (config.Config, validated) to the Options of
// the packages that use them: the one place where they meet.

// historyOptions configure the history service over the data directory.
func historyOptions(c config.Config, policy repourl.Policy, reg prometheus.Registerer, log *slog.Logger) history.Options {
	return history.Options{
		DataDir: c.DataDir, Policy: policy, FetchInterval: c.FetchInterval,
		MaxMirrorBytes: c.MaxMirrorMB << 20, Registry: reg, Logger: log,
	}
}

// serverPolicy is which repositories the server may mirror.
func serverPolicy(c config.Config) repourl.Policy {
	hosts, _ := repourl.ParseHosts(c.AllowedGitHosts) // checked by Validate
	return repourl.Policy{AllowedHosts: hosts, AllowHTTP: c.AllowHTTPGit, AllowPrivate: c.AllowPrivateGitHosts, AllowLocal: c.AllowLocalRepos}
}

// origins are the browser origins allowed to call the API.
func origins(c config.Config) []string {
	out := append([]string(nil), c.CORSOrigins...)
	if c.FrontendHost != "" {
		out = append(out, strings.TrimRight(c.FrontendHost, "/"))
	}
	return out
}

// providerHosts say where the hosted providers live.
func providerHosts(c config.Config) connect.Config {
	return connect.Config{GitHubAPI: c.GitHubAPIURL, GitLab: c.GitLabURL, Azure: c.AzureDevOpsURL, Hosts: c.ProviderHosts}
}

// recapConfig chooses and tunes the model.
func recapConfig(c config.Config) recap.Config {
	retries := c.LLMMaxRetries
	if retries == 0 {
		retries = -1 // recap.Config's zero is its default; the setting's 0 is none
	}
	return recap.Config{
		Provider: c.LLMProvider, APIKey: c.LLMAPIKey, Model: c.LLMModel, BaseURL: c.LLMBaseURL,
		Temperature: c.LLMTemperature, MaxTokens: c.LLMMaxTokens, MaxHistoryTokens: c.MaxHistoryTokens,
		Timeout: c.LLMTimeout, MaxRetries: retries,
	}
}

// secretKey is SECRET_KEY, else the key kept in the data directory (made
// the first time). where says which, for the log.
func secretKey(c config.Config) (key []byte, where string, err error) {
	if c.SecretKey != "" {
		return []byte(c.SecretKey), "SECRET_KEY", nil
	}
	path := filepath.Join(c.DataDir, auth.KeyFileName)
	key, created, err := auth.LoadOrCreateKey(path)
	if err != nil {
		return nil, "", err
	}
	if created {
		return key, fmt.Sprintf("%s (created)", path), nil
	}
	return key, path, nil
}

// githubOAuth is the GitHub OAuth application of GET /external-signup, or
// nil when VITE_GITHUB_CLIENT_ID and VITE_GITHUB_CLIENT_SECRET are unset.
// Its endpoints live under GITHUB_OAUTH_URL.
func githubOAuth(c config.Config) *oauth2.Config {
	if c.GitHubClientID == "" {
		return nil
	}
	root := strings.TrimRight(c.GitHubOAuthURL, "/")
	return &oauth2.Config{
		ClientID: c.GitHubClientID, ClientSecret: c.GitHubClientSecret,
		// What a recap reads: the user, and the repositories (GitHub has
		// no read-only scope for private ones).
		Scopes:   []string{"read:user", "repo"},
		Endpoint: oauth2.Endpoint{AuthURL: root + "/login/oauth/authorize", TokenURL: root + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams},
	}
}
