// Package repourl parses, normalises and vets the git repository locations
// that gitpulse users supply.
//
// [Parse] accepts the spellings people paste or type:
//
//   - https://, http://, ssh:// and git:// URLs, with or without ".git",
//     trailing slashes, default ports, queries and fragments;
//   - scp-like SSH addresses such as git@github.com:owner/name.git;
//   - browser URLs of GitHub, GitLab, Bitbucket and Codeberg repositories,
//     such as https://github.com/owner/name/tree/main/docs;
//   - Azure DevOps URLs, on dev.azure.com or the older *.visualstudio.com;
//   - local paths (absolute, or relative starting with "./"), which are read
//     in place, and file:// URLs, which are mirrored like remote URLs.
//
// It returns a [Repo] whose URL is the canonical clone URL to hand to git
// and whose Key identifies the repository: every spelling of one repository
// has the same Key. Parse rejects input that is malformed or that could be
// abused once handed to git (remote-helper transports such as ext::, values
// starting with "-" that git or ssh could take for an option, ".." path
// components, control characters). Its errors wrap [ErrInvalid] and never
// quote the user-info part of a URL, which may hold a credential.
//
// Whether the server may mirror a repository is a separate question,
// answered by a [Policy]; its refusals wrap [ErrRefused].
package repourl

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// MaxLength is the longest repository location, in bytes, that Parse
// accepts, both as given and once normalised.
const MaxLength = 2048

// Platforms reported in [Repo].Platform.
const (
	PlatformGitHub    = "github"
	PlatformGitLab    = "gitlab"
	PlatformBitbucket = "bitbucket"
	PlatformAzure     = "azure" // Azure DevOps
	PlatformOther     = "other" // any other host (Codeberg included), and local paths
)

// ErrInvalid is wrapped by every error Parse returns: the input is not a
// repository location gitpulse can use.
var ErrInvalid = fault.New(fault.Invalid, "invalid repository URL")

// Repo is a parsed, normalised repository location.
type Repo struct {
	// URL is the canonical clone URL to give git, such as
	// "https://github.com/owner/name.git" or "file:///srv/git/name.git";
	// for Local repositories it is the absolute, cleaned path. It keeps any
	// user-info the input had (apart from the Azure DevOps organisation
	// name), so that [Policy.Check] can refuse credentials: do not log it
	// for untrusted input.
	URL string
	// Key is the repository's canonical identity, such as
	// "github.com/owner/name": every spelling of one repository has the same
	// Key. It never holds user-info or a ".git" suffix. For Local
	// repositories it is "local" followed by the absolute path, for file://
	// URLs "file" followed by it: one is read in place, the other mirrored.
	Key string
	// Scheme is "https", "http", "ssh", "git" or, for local paths and
	// file:// URLs, "file". Scp-like addresses are "ssh".
	Scheme string
	// Host is the lower-case host name or IP address, with its port unless
	// that is the scheme's default, and IPv6 addresses in brackets; "" for
	// local paths and file:// URLs.
	Host string
	// Owner is the path above the repository: "owner", "group/subgroup" on
	// GitLab, "organization/project" on Azure DevOps; "" for local paths,
	// file:// URLs and repositories at the top of another host.
	Owner string
	// Name is the repository name, without ".git".
	Name string
	// Platform is one of PlatformGitHub, PlatformGitLab, PlatformBitbucket,
	// PlatformAzure or PlatformOther.
	Platform string
	// Local reports a local path, which gitpulse reads in place. A file://
	// URL is not Local: it is mirrored like a remote URL (though a Policy
	// allows it only where it allows local paths).
	Local bool
}

// location is a parsed Repo plus what a Policy needs to know about its URL
// but Repo does not expose.
type location struct {
	Repo
	hostname    string // Host without port or IPv6 brackets
	credentials bool   // the URL holds user-info that may be a credential
}

// Parse parses and normalises a repository URL, scp-like SSH address or
// local path. Surrounding white space is ignored. Relative local paths must
// start with "./" and are made absolute against the working directory; "~"
// is not expanded.
func Parse(raw string) (Repo, error) {
	loc, err := parse(raw)
	if err != nil {
		return Repo{}, err
	}
	return loc.Repo, nil
}

func invalidf(format string, args ...any) error {
	return fault.Errorf(fault.Invalid, "%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func parse(raw string) (location, error) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return location{}, invalidf("empty")
	case len(s) > MaxLength:
		return location{}, invalidf("%d bytes long; the limit is %d", len(s), MaxLength)
	}
	if name, ok := helperTransport(s); ok {
		return location{}, invalidf("remote-helper transport %q is not supported", name)
	}
	if err := checkText("input", s, false); err != nil {
		return location{}, err
	}
	var (
		loc location
		err error
	)
	switch scheme, isURL := urlScheme(s); {
	case strings.HasPrefix(s, "~"):
		err = invalidf(`"~" is not expanded; give an absolute path`)
	case isLocalPath(s):
		loc, err = parseLocal(s)
	case isURL:
		loc, err = parseURL(s, scheme)
	default:
		userHost, path, ok := splitSCP(s)
		if !ok {
			return location{}, invalidf(`no scheme; want https://host/owner/name, user@host:owner/name, an absolute path or a path starting with "./"`)
		}
		loc, err = parseSCP(userHost, path)
	}
	if err != nil {
		return location{}, err
	}
	if len(loc.URL) > MaxLength {
		return location{}, invalidf("%d bytes long once normalised; the limit is %d", len(loc.URL), MaxLength)
	}
	return loc, nil
}

// checkText rejects invalid UTF-8, control and format characters and,
// unless allowSpace, white space in s.
func checkText(what, s string, allowSpace bool) error {
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", what)
	}
	for i, r := range s {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return invalidf("%s contains control character %U at byte %d", what, r, i)
		case unicode.IsSpace(r) && !allowSpace:
			return invalidf("%s contains white space (%U) at byte %d", what, r, i)
		}
	}
	return nil
}

// isSchemeName reports whether s is made of the characters git allows in a
// URL scheme or transport name: a letter or digit, then letters, digits,
// '+', '-' and '.'.
func isSchemeName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '+' && c != '-' && c != '.') {
			return false
		}
	}
	return true
}

// helperTransport reports the transport name in git's remote-helper syntax,
// <transport>::<address>, as git recognises it. ext:: runs arbitrary
// commands; no helper is safe to reach from user input.
func helperTransport(s string) (string, bool) {
	i := strings.Index(s, "::")
	if i < 0 || !isSchemeName(s[:i]) {
		return "", false
	}
	return s[:i], true
}

// urlScheme returns the lower-cased scheme of s if, as git sees it, s is a
// URL: a scheme name followed by "://".
func urlScheme(s string) (string, bool) {
	i := strings.Index(s, "://")
	if i < 0 || !isSchemeName(s[:i]) {
		return "", false
	}
	return strings.ToLower(s[:i]), true
}

func isLocalPath(s string) bool {
	return strings.HasPrefix(s, "/") || s == "." || s == ".." ||
		strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../")
}

// parseLocal parses a local path, to be read in place. ".." is allowed
// here, as in any shell path: the path is made absolute and clean.
func parseLocal(p string) (location, error) {
	abs, repoPath, err := cleanLocalPath(p)
	if err != nil {
		return location{}, err
	}
	return location{Repo: Repo{
		URL:      abs,
		Key:      "local" + repoPath,
		Scheme:   "file",
		Name:     filepath.Base(repoPath),
		Platform: PlatformOther,
		Local:    true,
	}}, nil
}

// cleanLocalPath makes p absolute and clean, and also returns it without
// its ".git" or "/.git" ending, as Key and Name have it: git itself finds
// "dir" from "dir.git" and "dir/.git".
func cleanLocalPath(p string) (abs, repoPath string, err error) {
	if abs, err = filepath.Abs(p); err != nil {
		return "", "", invalidf("cannot make the path absolute: %v", err)
	}
	repoPath = strings.TrimSuffix(strings.TrimSuffix(abs, "/.git"), ".git")
	if repoPath == "" || repoPath == "/" {
		return "", "", invalidf("the local path %q names no repository", abs)
	}
	return abs, repoPath, nil
}

// defaultPorts are the ports Parse drops from a URL's host.
var defaultPorts = map[string]uint64{"https": 443, "http": 80, "ssh": 22, "git": 9418}

func parseURL(s, scheme string) (location, error) {
	switch scheme {
	case "https", "http", "ssh", "git", "file":
	case "git+ssh", "ssh+git": // git's old aliases
		scheme = "ssh"
	default:
		return location{}, invalidf("unsupported scheme %q; want https, http, ssh, git or file", scheme)
	}
	user, rest, err := cutUserinfo(s[strings.Index(s, "://")+len("://"):])
	if err != nil {
		return location{}, err
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		// A *url.Error quotes the whole URL; its cause quotes only the
		// offending part, and the user-info is gone already.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return location{}, invalidf("%v", err)
	}
	if scheme == "file" {
		return parseFileURL(u, user)
	}
	if u.Host == "" {
		return location{}, invalidf("no host")
	}
	hostname, port, err := splitHostPort(u.Host, scheme)
	if err != nil {
		return location{}, err
	}
	if strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") {
		return location{}, invalidf(`encoded "/" (%%2F) in the path is not allowed`)
	}
	segs, err := splitPath(u.Path)
	if err != nil {
		return location{}, err
	}
	rm := &remote{scheme: scheme, user: user, hostname: hostname, port: port, segs: segs}
	return rm.resolve()
}

// cutUserinfo splits the user-info, if any, off a URL with its scheme
// removed, so that nothing later can quote it in an error. Empty user-info
// ("@host") is dropped.
func cutUserinfo(rest string) (*url.Userinfo, string, error) {
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return nil, rest, nil
	}
	userinfo, rest := rest[:at], rest[at+1:]
	name, password, hasPassword := strings.Cut(userinfo, ":")
	name, err1 := url.PathUnescape(name)
	password, err2 := url.PathUnescape(password)
	if err1 != nil || err2 != nil {
		return nil, "", invalidf("the user-info is not validly percent-encoded")
	}
	if err := checkText("the user-info", name+password, true); err != nil {
		return nil, "", err
	}
	switch {
	case hasPassword:
		return url.UserPassword(name, password), rest, nil
	case name != "":
		return url.User(name), rest, nil
	}
	return nil, rest, nil
}

func parseFileURL(u *url.URL, user *url.Userinfo) (location, error) {
	switch {
	case user != nil:
		return location{}, invalidf("a file URL must not have user-info")
	case u.Host != "" && !strings.EqualFold(u.Host, "localhost"):
		return location{}, invalidf("a file URL must not name a host (%q)", u.Host)
	case !strings.HasPrefix(u.Path, "/"):
		return location{}, invalidf("a file URL needs an absolute path")
	}
	if err := checkText("the path", u.Path, true); err != nil {
		return location{}, err
	}
	if slices.Contains(strings.Split(u.Path, "/"), "..") {
		return location{}, invalidf(`path component ".." is not allowed in a file URL`)
	}
	abs, repoPath, err := cleanLocalPath(u.Path)
	if err != nil {
		return location{}, err
	}
	fileURL := url.URL{Scheme: "file", Path: abs} // git unescapes file URLs
	return location{Repo: Repo{
		URL:      fileURL.String(),
		Key:      "file" + repoPath,
		Scheme:   "file",
		Name:     filepath.Base(repoPath),
		Platform: PlatformOther,
	}}, nil
}

// splitSCP splits git's scp-like syntax, [user@]host:path, where host may
// be a bracketed IPv6 address. Like git, it takes a colon after a slash to
// mean a path instead.
func splitSCP(s string) (userHost, path string, ok bool) {
	inBrackets := false
	for i := range len(s) {
		switch s[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case '/':
			return "", "", false
		case ':':
			if !inBrackets {
				return s[:i], s[i+1:], true
			}
		}
	}
	return "", "", false
}

func parseSCP(userHost, path string) (location, error) {
	rm := &remote{scheme: "ssh", scp: true}
	host := userHost
	if at := strings.LastIndexByte(userHost, '@'); at >= 0 {
		if at > 0 {
			rm.user = url.User(userHost[:at])
		}
		host = userHost[at+1:]
	}
	bracketed := strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]")
	if bracketed {
		host = host[1 : len(host)-1]
	}
	hostname, err := canonicalHost(host, bracketed)
	if err != nil {
		return location{}, err
	}
	if rm.user == nil {
		switch hostname {
		case "https", "http", "ssh", "git", "file":
			return location{}, invalidf(`missing "//" after %q`, hostname+":")
		}
	}
	rm.hostname = hostname
	rm.absolute = strings.HasPrefix(path, "/")
	if rm.segs, err = splitPath(path); err != nil {
		return location{}, err
	}
	if strings.HasPrefix(rm.segs[0], ":") {
		// Spelt without a user or leading slash, as the canonical URL may
		// be, host::path is a remote-helper transport.
		return location{}, invalidf(`an scp-like path must not start with ":"`)
	}
	return rm.resolve()
}

// splitHostPort splits and canonicalises the host and port of a URL,
// dropping the scheme's default port.
func splitHostPort(hostport, scheme string) (hostname, port string, err error) {
	host, bracketed := hostport, false
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", "", invalidf(`missing "]" in host`)
		}
		host, bracketed = hostport[1:end], true
		if rest := hostport[end+1:]; rest != "" {
			var ok bool
			if port, ok = strings.CutPrefix(rest, ":"); !ok {
				return "", "", invalidf("unexpected %q after host", rest)
			}
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if hostname, err = canonicalHost(host, bracketed); err != nil {
		return "", "", err
	}
	if port == "" {
		return hostname, "", nil
	}
	n, err := strconv.ParseUint(port, 10, 16)
	switch {
	case err != nil || n == 0:
		return "", "", invalidf("port %q is not a number from 1 to 65535", port)
	case n == defaultPorts[scheme]:
		return hostname, "", nil
	}
	return hostname, strconv.FormatUint(n, 10), nil
}

// canonicalHost validates a host name or IP address and returns it in
// canonical form: lower case without a trailing dot, IPv4 addresses in
// dotted decimal however they were spelt, IPv6 addresses (given in
// brackets) compressed and without brackets.
func canonicalHost(host string, bracketed bool) (string, error) {
	if bracketed {
		a, err := netip.ParseAddr(host)
		switch {
		case err != nil || !a.Is6():
			return "", invalidf("host [%s] is not an IPv6 address", host)
		case a.Zone() != "":
			return "", invalidf("IPv6 zone in host [%s] is not allowed", host)
		}
		return a.String(), nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case host == "":
		return "", invalidf("no host")
	case strings.HasPrefix(host, "-"):
		return "", invalidf(`host %q starts with "-"`, host)
	}
	for label := range strings.SplitSeq(host, ".") {
		if label == "" {
			return "", invalidf("host %q has an empty label", host)
		}
		if i := strings.IndexFunc(label, notHostChar); i >= 0 {
			r, _ := utf8.DecodeRuneInString(label[i:])
			return "", invalidf("host %q contains %q", host, r)
		}
	}
	if !endsInNumber(host) {
		return host, nil
	}
	// Like a browser, treat a host whose last label is a number as an IPv4
	// address, so that no spelling of one (2130706433, 0x7f.1, 0177.0.0.1,
	// 127.1) can pass for a name.
	a, ok := parseIPv4(host)
	if !ok {
		return "", invalidf("host %q looks like an IPv4 address but is not one", host)
	}
	return a.String(), nil
}

func notHostChar(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-'
}

// endsInNumber reports whether the last label of host is a decimal or
// 0x-prefixed hexadecimal number.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// parseIPv4 parses the IPv4 spellings inet_aton accepts: one to four parts,
// each decimal, octal (leading "0") or hexadecimal (leading "0x"), the last
// filling the bytes that remain.
func parseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var n uint64
	for i, part := range parts {
		base := 10
		switch {
		case strings.HasPrefix(part, "0x"):
			part, base = part[2:], 16
		case len(part) > 1 && part[0] == '0':
			part, base = part[1:], 8
		}
		v, err := strconv.ParseUint(part, base, 32)
		bits := 8
		if i == len(parts)-1 {
			bits = 8 * (5 - len(parts))
		}
		if err != nil || v >= 1<<bits {
			return netip.Addr{}, false
		}
		n = n<<bits | v
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// splitPath splits a repository path into its components, dropping one
// leading and any trailing slashes.
func splitPath(p string) ([]string, error) {
	p = strings.TrimRight(strings.TrimPrefix(p, "/"), "/")
	if p == "" {
		return nil, invalidf("no repository path")
	}
	segs := strings.Split(p, "/")
	for _, seg := range segs {
		switch seg {
		case "":
			return nil, invalidf(`empty path component ("//")`)
		case ".", "..":
			return nil, invalidf("path component %q is not allowed", seg)
		}
		if err := checkText("the path", seg, true); err != nil {
			return nil, err
		}
	}
	return segs, nil
}

// remote is a remote repository address split into its parts, before the
// hosting service's conventions are applied.
type remote struct {
	scheme   string        // "https", "http", "ssh" or "git"
	scp      bool          // written as [user@]host:path
	user     *url.Userinfo // nil if none
	hostname string        // canonical host name or IP address
	port     string        // non-default port, or ""
	absolute bool          // an scp-like path starting with "/"
	segs     []string      // path components, percent-decoded in URLs
}

// host returns the host as Repo.Host spells it.
func (rm *remote) host() string {
	return joinHostPort(rm.hostname, rm.port)
}

// joinHostPort spells a canonical host name or IP address and an optional
// port as Repo.Host does.
func joinHostPort(hostname, port string) string {
	if strings.Contains(hostname, ":") {
		hostname = "[" + hostname + "]"
	}
	if port != "" {
		hostname += ":" + port
	}
	return hostname
}

// resolve applies the conventions of the hosting service.
func (rm *remote) resolve() (location, error) {
	if rm.user != nil && strings.HasPrefix(rm.user.Username(), "-") {
		return location{}, invalidf(`the user name starts with "-"`)
	}
	switch h := rm.hostname; {
	case h == "github.com":
		return rm.ownerName(PlatformGitHub)
	case h == "bitbucket.org":
		return rm.ownerName(PlatformBitbucket)
	case h == "codeberg.org":
		return rm.ownerName(PlatformOther)
	case h == "gitlab.com":
		return rm.gitLab()
	case isAzureHost(h):
		return rm.azure()
	}
	return rm.other()
}

// ownerName applies the conventions of GitHub, Bitbucket and Codeberg: the
// repository is /owner/name, in any case; anything after that is a page
// of the repository's web site (/tree/main/docs, /blob/main/x.go,
// /src/main, /pull/1) and is dropped.
func (rm *remote) ownerName(platform string) (location, error) {
	if len(rm.segs) < 2 {
		return location{}, invalidf("a %s URL needs /owner/name after the host", rm.hostname)
	}
	owner, name, err := ownerAndName(rm.segs[:2])
	if err != nil {
		return location{}, err
	}
	key := rm.hostname + "/" + strings.ToLower(owner+"/"+name)
	return rm.location(platform, owner, name, key, []string{owner, name + ".git"}, false), nil
}

// gitLab applies GitLab's conventions: the repository is
// /group[/subgroup...]/name, in any case; a "-" component starts a page of
// its web site (/-/tree/main).
func (rm *remote) gitLab() (location, error) {
	segs := beforeDash(rm.segs)
	if len(segs) < 2 {
		return location{}, invalidf("a %s URL needs /group/name after the host", rm.hostname)
	}
	owner, name, err := ownerAndName(segs)
	if err != nil {
		return location{}, err
	}
	key := rm.hostname + "/" + strings.ToLower(owner+"/"+name)
	urlSegs := append(slices.Clone(segs[:len(segs)-1]), name+".git")
	return rm.location(PlatformGitLab, owner, name, key, urlSegs, false), nil
}

// other handles hosts whose conventions are unknown: the path, without
// ".git" and case preserved, is the repository, except that a "-"
// component starts a web page as on a self-hosted GitLab. The clone URL
// keeps the path as given.
func (rm *remote) other() (location, error) {
	segs := beforeDash(rm.segs)
	if len(segs) == 0 {
		return location{}, invalidf("no repository path")
	}
	owner, name, err := ownerAndName(segs)
	if err != nil {
		return location{}, err
	}
	key := rm.host() + "/" + name
	if owner != "" {
		key = rm.host() + "/" + owner + "/" + name
	}
	return rm.location(PlatformOther, owner, name, key, segs, rm.absolute), nil
}

// Azure DevOps hosts.
const (
	azureHost          = "dev.azure.com"
	azureSSHHost       = "ssh.dev.azure.com"
	azureLegacySSHHost = "vs-ssh.visualstudio.com"
	azureLegacySuffix  = ".visualstudio.com" // <organization>.visualstudio.com
)

func isAzureHost(h string) bool {
	if h == azureHost || h == azureSSHHost || h == azureLegacySSHHost {
		return true
	}
	org, ok := strings.CutSuffix(h, azureLegacySuffix)
	return ok && !strings.Contains(org, ".")
}

// azure applies Azure DevOps's conventions. Over https the repository is
// dev.azure.com/org/project/_git/name (project defaults to name if left
// out), or org.visualstudio.com/[DefaultCollection/]project/_git/name;
// over ssh it is v3/org/project/name. https URLs are rewritten to
// dev.azure.com, without the organisation name Azure puts in their
// user-info. Everything after the name is a web page and is dropped.
func (rm *remote) azure() (location, error) {
	var org, project, name string
	ssh := rm.hostname == azureSSHHost || rm.hostname == azureLegacySSHHost
	if ssh {
		if len(rm.segs) != 4 || rm.segs[0] != "v3" {
			return location{}, invalidf("an Azure DevOps SSH path looks like v3/organization/project/repository")
		}
		org, project, name = rm.segs[1], rm.segs[2], rm.segs[3]
	} else {
		g := slices.IndexFunc(rm.segs, func(s string) bool { return strings.EqualFold(s, "_git") })
		if g < 0 || g == len(rm.segs)-1 {
			return location{}, errAzureShape()
		}
		prefix := rm.segs[:g]
		name = rm.segs[g+1]
		if rm.hostname == azureHost {
			if len(prefix) == 0 {
				return location{}, errAzureShape()
			}
			org, prefix = prefix[0], prefix[1:]
		} else {
			org = strings.TrimSuffix(rm.hostname, azureLegacySuffix)
			if len(prefix) > 0 && strings.EqualFold(prefix[0], "DefaultCollection") {
				prefix = prefix[1:]
			}
		}
		switch len(prefix) {
		case 0:
			project = strings.TrimSuffix(name, ".git")
		case 1:
			project = prefix[0]
		default:
			return location{}, errAzureShape()
		}
		rm.hostname = azureHost
		if rm.user != nil {
			if _, hasPassword := rm.user.Password(); !hasPassword && strings.EqualFold(rm.user.Username(), org) {
				rm.user = nil
			}
		}
	}
	_, name, err := ownerAndName([]string{org, project, name})
	if err != nil {
		return location{}, err
	}
	owner := org + "/" + project
	key := azureHost + "/" + strings.ToLower(owner+"/"+name)
	urlSegs := []string{org, project, "_git", name}
	if ssh {
		urlSegs = []string{"v3", org, project, name}
	}
	return rm.location(PlatformAzure, owner, name, key, urlSegs, false), nil
}

func errAzureShape() error {
	return invalidf("an Azure DevOps URL looks like https://dev.azure.com/organization/project/_git/repository")
}

// beforeDash returns the path components before the first "-" component.
func beforeDash(segs []string) []string {
	if i := slices.Index(segs, "-"); i >= 0 {
		return segs[:i]
	}
	return segs
}

// ownerAndName splits the components of a repository path into owner and
// name, rejecting components that git or ssh could take for an option.
func ownerAndName(segs []string) (owner, name string, err error) {
	for _, seg := range segs {
		if strings.HasPrefix(seg, "-") {
			return "", "", invalidf(`path component %q starts with "-"`, seg)
		}
	}
	name = strings.TrimSuffix(segs[len(segs)-1], ".git")
	if name == "" {
		return "", "", invalidf("the repository name is empty")
	}
	return strings.Join(segs[:len(segs)-1], "/"), name, nil
}

// location builds the result, with a clone URL whose path is urlSegs.
func (rm *remote) location(platform, owner, name, key string, urlSegs []string, absolute bool) location {
	credentials := false
	if rm.user != nil {
		_, hasPassword := rm.user.Password()
		// ssh's user name (git@) selects an account; it is no secret.
		credentials = hasPassword || rm.scheme != "ssh"
	}
	return location{
		Repo: Repo{
			URL:      rm.cloneURL(urlSegs, absolute),
			Key:      key,
			Scheme:   rm.scheme,
			Host:     rm.host(),
			Owner:    owner,
			Name:     name,
			Platform: platform,
		},
		hostname:    rm.hostname,
		credentials: credentials,
	}
}

// cloneURL spells the address with the path urlSegs, in the input's syntax:
// an scp-like address stays one, since its path is relative to the ssh
// user's home directory where an ssh:// URL's path is absolute.
func (rm *remote) cloneURL(urlSegs []string, absolute bool) string {
	p := strings.Join(urlSegs, "/")
	if !rm.scp {
		u := url.URL{Scheme: rm.scheme, User: rm.user, Host: rm.host(), Path: "/" + p}
		return u.String()
	}
	var b strings.Builder
	if rm.user != nil {
		b.WriteString(rm.user.Username())
		b.WriteByte('@')
	}
	b.WriteString(rm.host())
	b.WriteByte(':')
	if absolute {
		b.WriteByte('/')
	}
	b.WriteString(p)
	return b.String()
}
