// Package connect opens the provider a recap session names: it knows the
// provider names clients may use, where each hosted provider's API lives
// (configurable, for GitHub Enterprise, self-managed GitLab and Azure
// DevOps Server), and which hosts a user may point a session at.
package connect

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/history"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/azure"
	"github.com/gitpulse/gitpulse/internal/providers/github"
	"github.com/gitpulse/gitpulse/internal/providers/gitlab"
	"github.com/gitpulse/gitpulse/internal/providers/gitrepo"
)

// Provider names, as stored in sessions.
const (
	GitHub = "github"
	GitLab = "gitlab"
	Azure  = "azure"
	Git    = gitrepo.Platform
)

// Canonical returns the provider name for what a client wrote: names are
// case-insensitive, "azure devops" and "azure_devops" mean azure, "url"
// means git.
func Canonical(name string) (string, bool) {
	n := strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(name, "_", " "))), " ")
	switch n {
	case GitHub, GitLab, Git:
		return n, true
	case Azure, "azure devops", "azuredevops", "ado":
		return Azure, true
	case "url":
		return Git, true
	}
	return "", false
}

// EnvProviderHosts is the setting that lists further hosts a session may
// name, as refusals say.
const EnvProviderHosts = "PROVIDER_HOSTS"

// Config says where the hosted providers live.
type Config struct {
	// GitHubAPI is the GitHub REST API, or a GitHub Enterprise Server
	// address. Empty fields mean the defaults.
	GitHubAPI string
	// GitLab is the GitLab instance (default https://gitlab.com).
	GitLab string
	// Azure is the Azure DevOps address organisations live under (default
	// https://dev.azure.com).
	Azure string
	// Hosts are the further hosts a user may name in a session's host
	// (a GitHub Enterprise, GitLab or Azure DevOps Server), with a port if
	// not 443; case does not matter. The defaults' hosts are always allowed.
	Hosts []string
	// AnyHost lets a session name any host, as the command line's user
	// may: the server leaves it false.
	AnyHost bool
	// HTTPClient does the requests; nil means providers.NewClient(nil).
	HTTPClient *http.Client
	// Metrics, if set, is what HTTPClient's transport records requests
	// in; listings are then counted in it too.
	Metrics *providers.Metrics
	// History opens plain-git repositories.
	History *history.Service
}

// Defaults.
const (
	DefaultGitHubAPI = "https://api.github.com/"
	DefaultGitLab    = "https://gitlab.com"
	DefaultAzure     = "https://dev.azure.com"
)

// parseBase parses an API base URL: http or https, a host, no credentials.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fault.Errorf(fault.Invalid, "%w: %q is not an http(s) URL without credentials", providers.ErrInvalid, raw)
	}
	return u, nil
}

// BaseURL returns the API address a session of provider uses: the
// configured one, or the one host names (a bare host name means https),
// which must be the configured one's scheme and host, or https to a host
// on Hosts (any, with AnyHost). For Azure DevOps the organisation is appended.
func (c Config) BaseURL(provider, host, organization string) (string, error) {
	var base string
	switch provider {
	case GitHub:
		base = cmp.Or(c.GitHubAPI, DefaultGitHubAPI)
	case GitLab:
		base = cmp.Or(c.GitLab, DefaultGitLab)
	case Azure:
		base = cmp.Or(c.Azure, DefaultAzure)
	default:
		return "", fault.Errorf(fault.Invalid, "%w: provider %q has no API address", providers.ErrInvalid, provider)
	}
	if host = strings.TrimSpace(host); host != "" {
		if !strings.Contains(host, "://") {
			host = "https://" + host
		}
		u, err := parseBase(host)
		if err != nil {
			return "", err
		}
		def, err := parseBase(base)
		if err != nil {
			return "", err
		}
		// The configured API as it is configured (scheme and host), or
		// https to a listed host: a user may never downgrade the token's
		// way to plain http.
		configured := strings.EqualFold(u.Host, def.Host) && u.Scheme == def.Scheme
		listed := u.Scheme == "https" && slices.ContainsFunc(c.Hosts, func(h string) bool { return strings.EqualFold(h, u.Host) })
		if !c.AnyHost && !configured && !listed {
			return "", fault.Errorf(fault.Invalid, "%w: host %q is not allowed; the operator lists further https hosts in %s", providers.ErrInvalid, u.Scheme+"://"+u.Host, EnvProviderHosts)
		}
		if !configured || u.Path != "" {
			base = u.String()
		}
	}
	if provider == Azure {
		org := strings.Trim(strings.TrimSpace(organization), "/")
		if org == "" {
			return "", fault.Errorf(fault.Invalid, "%w: Azure DevOps needs an organization", providers.ErrInvalid)
		}
		if strings.ContainsAny(org, "/?#") {
			return "", fault.Errorf(fault.Invalid, "%w: organization %q must be a name, not a path", providers.ErrInvalid, org)
		}
		base = strings.TrimRight(base, "/") + "/" + url.PathEscape(org)
	}
	return base, nil
}

// ErrUnknownProvider means a session names a provider this build lacks.
var ErrUnknownProvider = errors.New("unknown provider")

// Open returns the provider for session s: its Provider, Host (the API
// address BaseURL chose) and Token, or for plain git its RepoURL.
func (c Config) Open(s auth.Session) (activity.Provider, error) {
	opts := providers.Options{Token: s.Token, BaseURL: s.Host, HTTPClient: c.HTTPClient}
	switch s.Provider {
	case GitHub:
		return github.New(opts)
	case GitLab:
		return gitlab.New(opts)
	case Azure:
		return azure.New(opts)
	case Git:
		if c.History == nil {
			return nil, fmt.Errorf("%w: plain git is not configured", ErrUnknownProvider)
		}
		return gitrepo.New(c.History, s.RepoURL), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownProvider, s.Provider)
}
