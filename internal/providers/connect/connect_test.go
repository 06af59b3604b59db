package connect_test

import (
	"errors"
	"testing"

	"github.com/gitpulse/gitpulse/internal/auth"
	"github.com/gitpulse/gitpulse/internal/providers"
	"github.com/gitpulse/gitpulse/internal/providers/connect"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"GitHub": "github", "gitlab": "gitlab", "Azure DevOps": "azure", "azure_devops": "azure",
		"AZURE": "azure", "url": "git", " Git ": "git",
	} {
		if got, ok := connect.Canonical(in); !ok || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "bitbucket", "git hub"} {
		if got, ok := connect.Canonical(bad); ok {
			t.Errorf("Canonical(%q) = %q, want refused", bad, got)
		}
	}
}

func TestBaseURL(t *testing.T) {
	c := connect.Config{GitHubAPI: connect.DefaultGitHubAPI, GitLab: connect.DefaultGitLab, Azure: connect.DefaultAzure, Hosts: []string{"GitLab.Example.com"}}
	cases := []struct {
		provider, host, org, want string
	}{
		{"github", "", "", connect.DefaultGitHubAPI},
		{"gitlab", "", "", "https://gitlab.com"},
		{"gitlab", "gitlab.com", "", "https://gitlab.com"},
		{"gitlab", "gitlab.example.com", "", "https://gitlab.example.com"},
		{"gitlab", "https://GitLab.example.com/", "", "https://GitLab.example.com/"},
		{"azure", "", "my org", "https://dev.azure.com/my%20org"},
	}
	for _, tc := range cases {
		got, err := c.BaseURL(tc.provider, tc.host, tc.org)
		if err != nil || got != tc.want {
			t.Errorf("BaseURL(%q, %q, %q) = %q, %v; want %q", tc.provider, tc.host, tc.org, got, err, tc.want)
		}
	}
	refused := []struct{ provider, host, org string }{
		{"gitlab", "evil.example", ""},           // not on the list: the token would go there
		{"gitlab", "http://127.0.0.1:6379", ""},  // nor this
		{"gitlab", "https://u:p@gitlab.com", ""}, // credentials
		{"azure", "", ""},                        // no organisation
		{"azure", "", "org/../../x"},             // a path, not a name
		{"git", "", ""},                          // no API
		// A downgrade to plain http would send the token in cleartext:
		// the configured host and a listed host are https only.
		{"gitlab", "http://gitlab.com/", ""},
		{"github", "http://api.github.com/", ""},
		{"gitlab", "http://gitlab.example.com", ""},
	}
	for _, tc := range refused {
		if got, err := c.BaseURL(tc.provider, tc.host, tc.org); !errors.Is(err, providers.ErrInvalid) {
			t.Errorf("BaseURL(%q, %q, %q) = %q, %v; want ErrInvalid", tc.provider, tc.host, tc.org, got, err)
		}
	}
}

func TestBaseURLKeepsConfiguredScheme(t *testing.T) {
	// An operator's plain-http API (a GitHub Enterprise inside the
	// network, a test fake) may be named as configured.
	c := connect.Config{GitHubAPI: "http://ghe.internal:8080/api/v3/"}
	if got, err := c.BaseURL("github", "http://ghe.internal:8080", ""); err != nil || got != "http://ghe.internal:8080/api/v3/" {
		t.Errorf("configured http API: %q, %v", got, err)
	}
	if got, err := c.BaseURL("github", "https://ghe.internal:8080", ""); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("same host, other scheme: %q, %v; want ErrInvalid", got, err)
	}
}

func TestBaseURLAnyHost(t *testing.T) {
	c := connect.Config{AnyHost: true}
	if got, err := c.BaseURL("gitlab", "gitlab.internal.example", ""); err != nil || got != "https://gitlab.internal.example" {
		t.Errorf("AnyHost: %q, %v", got, err)
	}
	if _, err := c.BaseURL("gitlab", "https://u:p@gitlab.internal.example", ""); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("AnyHost still refuses credentials: %v", err)
	}
}

func TestOpen(t *testing.T) {
	c := connect.Config{}
	for _, p := range []string{"github", "gitlab"} {
		if _, err := c.Open(auth.Session{Provider: p, Token: "t"}); err != nil {
			t.Errorf("Open(%s): %v", p, err)
		}
	}
	if _, err := c.Open(auth.Session{Provider: "azure", Token: "t", Host: "https://dev.azure.com/org"}); err != nil {
		t.Errorf("Open(azure): %v", err)
	}
	if _, err := c.Open(auth.Session{Provider: "git", RepoURL: "https://github.com/a/b"}); !errors.Is(err, connect.ErrUnknownProvider) {
		t.Errorf("Open(git) without a history service: %v", err)
	}
	if _, err := c.Open(auth.Session{Provider: "bitbucket"}); !errors.Is(err, connect.ErrUnknownProvider) {
		t.Errorf("Open(bitbucket): %v", err)
	}
}
