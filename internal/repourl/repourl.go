// Package repourl parses, normalises and vets repository locations, so
// that every spelling of one repository maps to one canonical key (and is
// mirrored once), and the server mirrors only what its operator allows.
package repourl

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Repo is a parsed, normalised repository location.
type Repo struct {
	URL      string // what to give git: a clone URL, or an absolute path for Local
	Key      string // canonical identity: "github.com/owner/name", "local/abs/path"
	Scheme   string // https, http, ssh, git or file
	Host     string // lower-case host without a default port; "" for local paths
	Port     string // non-default port, if any
	Owner    string // "owner", "group/subgroup" (GitLab), "org/project" (Azure DevOps)
	Name     string // repository name without .git
	Platform string // github, gitlab, bitbucket, azure or other
	Local    bool   // a path on this machine, read in place (file:// URLs are mirrored)
	userinfo *url.Userinfo
}

// MaxLength bounds a repository location.
const MaxLength = 2048

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("invalid repository URL")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

var defaultPorts = map[string]string{"https": "443", "http": "80", "ssh": "22", "git": "9418"}

// caseInsensitiveHosts are forges whose owner/name paths ignore case.
var caseInsensitiveHosts = map[string]string{
	"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket", "codeberg.org": "other",
}

// Parse parses a repository URL (https, http, ssh, git, scp-like
// "git@host:owner/name", file://) or a local path.
func Parse(raw string) (Repo, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return Repo{}, invalid("empty")
	case len(raw) > MaxLength:
		return Repo{}, invalid("longer than %d bytes", MaxLength)
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == ' ' {
			return Repo{}, invalid("contains spaces or control characters")
		}
	}
	if strings.HasPrefix(raw, "-") {
		return Repo{}, invalid("must not start with '-'")
	}
	if i := strings.Index(raw, "::"); i >= 0 && !strings.Contains(raw[:i], "/") {
		return Repo{}, invalid("transport %q is not supported", raw[:i])
	}
	if strings.HasPrefix(raw, "~") {
		return Repo{}, invalid("'~' is not expanded; give an absolute path")
	}
	if strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "./") || strings.HasPrefix(raw, "../") || raw == "." || raw == ".." {
		return localRepo(raw)
	}
	if !strings.Contains(raw, "://") {
		if u, ok := scpLike(raw); ok {
			return fromURL(u)
		}
		return Repo{}, invalid("%q is neither a URL nor a path (paths start with / or ./)", clip(raw))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Repo{}, invalid("cannot parse %q", clip(raw))
	}
	if u.Scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return Repo{}, invalid("file URLs must not name a host")
		}
		r, err := localRepo(u.Path)
		// A file:// URL is a remote like any other: it is mirrored, not
		// read in place (git serves it through upload-pack).
		r.Local, r.Key, r.URL = false, "file"+r.URL, "file://"+r.URL
		return r, err
	}
	return fromURL(u)
}

// scpLike turns "user@host:owner/name" into an ssh URL.
func scpLike(raw string) (*url.URL, bool) {
	at := strings.IndexByte(raw, '@')
	colon := strings.IndexByte(raw, ':')
	if colon <= 0 || (at >= 0 && at > colon) || strings.Contains(raw[:colon], "/") {
		return nil, false
	}
	u := &url.URL{Scheme: "ssh", Host: raw[at+1 : colon], Path: "/" + strings.TrimPrefix(raw[colon+1:], "/")}
	if at > 0 {
		user := raw[:at]
		if strings.Trim(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			return nil, false
		}
		u.User = url.User(user)
	}
	return u, true
}

func localRepo(p string) (Repo, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return Repo{}, invalid("bad path: %v", err)
	}
	name := strings.TrimSuffix(filepath.Base(abs), ".git")
	return Repo{
		URL: abs, Key: "local" + abs, Scheme: "file", Name: name,
		Owner: filepath.Base(filepath.Dir(abs)), Platform: "other", Local: true,
	}, nil
}

func fromURL(u *url.URL) (Repo, error) {
	scheme := strings.ToLower(u.Scheme)
	if _, ok := defaultPorts[scheme]; !ok {
		return Repo{}, invalid("scheme %q is not supported (use https)", scheme)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return Repo{}, invalid("no host")
	}
	if strings.HasPrefix(host, "-") || strings.HasPrefix(host, ".") || strings.Trim(host, "abcdefghijklmnopqrstuvwxyz0123456789.-:") != "" {
		return Repo{}, invalid("bad host %q", host)
	}
	port := u.Port()
	if port == defaultPorts[scheme] {
		port = ""
	}
	segs := splitPath(u.Path)
	if i := indexOf(segs, "-"); i >= 0 && host == "gitlab.com" {
		segs = segs[:i] // a pasted GitLab browser URL: group/repo/-/tree/main
	}
	for _, s := range segs {
		if s == ".." || s == "." || strings.HasPrefix(s, "-") || strings.ContainsAny(s, "#?%\\@:") {
			return Repo{}, invalid("bad path segment %q", s)
		}
	}
	r := Repo{Scheme: scheme, Host: host, Port: port, userinfo: u.User, Platform: "other"}
	if err := r.setPath(segs); err != nil {
		return Repo{}, err
	}
	return r, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// setPath fills Owner, Name, Platform, Key and URL from the path segments.
func (r *Repo) setPath(segs []string) error {
	hostPort := r.Host
	if r.Port != "" {
		hostPort += ":" + r.Port
	}
	if len(segs) > 0 {
		segs[len(segs)-1] = strings.TrimSuffix(segs[len(segs)-1], ".git")
	}
	switch {
	case r.Host == "dev.azure.com" || strings.HasSuffix(r.Host, ".visualstudio.com"):
		return r.setAzure(segs)
	case r.Host == "github.com" || r.Host == "bitbucket.org" || r.Host == "codeberg.org":
		segs = cutBrowseSuffix(segs, 2)
	}
	if len(segs) < 2 || segs[len(segs)-1] == "" {
		return invalid("%s has no owner/name path", hostPort)
	}
	r.Owner = strings.Join(segs[:len(segs)-1], "/")
	r.Name = segs[len(segs)-1]
	keyPath := r.Owner + "/" + r.Name
	if p, ok := caseInsensitiveHosts[r.Host]; ok {
		r.Platform = p
		keyPath = strings.ToLower(keyPath)
		r.URL = r.Scheme + "://" + hostPort + "/" + r.Owner + "/" + r.Name + ".git"
	} else {
		r.URL = r.Scheme + "://" + hostPort + "/" + strings.Join(segs, "/")
	}
	if r.Host == "gitlab.com" {
		r.Platform = "gitlab"
	}
	if r.Scheme == "ssh" && r.userinfo != nil {
		r.URL = "ssh://" + r.userinfo.Username() + "@" + strings.TrimPrefix(r.URL, "ssh://")
	}
	r.Key = hostPort + "/" + keyPath
	return nil
}

// cutBrowseSuffix drops "/tree/...", "/blob/..." and the like from a
// pasted browser URL, keeping the first n segments.
func cutBrowseSuffix(segs []string, n int) []string {
	if len(segs) > n {
		return segs[:n]
	}
	return segs
}

func indexOf(segs []string, s string) int {
	for i, v := range segs {
		if v == s {
			return i
		}
	}
	return -1
}

// setAzure handles dev.azure.com/org/project/_git/repo and
// org.visualstudio.com/project/_git/repo.
func (r *Repo) setAzure(segs []string) error {
	if r.Host != "dev.azure.com" {
		org := strings.TrimSuffix(r.Host, ".visualstudio.com")
		segs = append([]string{org}, segs...)
	}
	if len(segs) < 4 || segs[2] != "_git" {
		return invalid("Azure DevOps URLs look like https://dev.azure.com/org/project/_git/repo")
	}
	org, project, name := segs[0], segs[1], segs[3]
	// Azure puts the organisation in the user-info; that is not a secret.
	if r.userinfo != nil {
		if _, hasPass := r.userinfo.Password(); !hasPass && strings.EqualFold(r.userinfo.Username(), org) {
			r.userinfo = nil
		}
	}
	r.Host, r.Port, r.Platform = "dev.azure.com", "", "azure"
	r.Owner, r.Name = org+"/"+project, name
	r.URL = r.Scheme + "://dev.azure.com/" + org + "/" + project + "/_git/" + name
	r.Key = strings.ToLower("dev.azure.com/" + org + "/" + project + "/" + name)
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
