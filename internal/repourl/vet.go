package repourl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gitpulse/gitpulse/internal/fault"
)

// The settings (environment variables) that amend the default Policy,
// named in refusals so that an operator knows what to change.
const (
	EnvAllowedHosts = "ALLOWED_GIT_HOSTS"       // comma-separated host names, or "*"
	EnvAllowHTTP    = "ALLOW_HTTP_GIT"          // boolean
	EnvAllowPrivate = "ALLOW_PRIVATE_GIT_HOSTS" // boolean
	EnvAllowLocal   = "ALLOW_LOCAL_REPOS"       // boolean
)

// ErrRefused is wrapped by every error with which a [Policy] refuses a
// repository; the rest of the message says why.
var ErrRefused = fault.New(fault.Invalid, "repository refused")

func refusef(format string, args ...any) error {
	return fault.Errorf(fault.Invalid, "%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Resolver looks up the IP addresses of a host. *net.Resolver implements
// it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Policy is the operator's rules for which repositories the server may
// mirror. The zero Policy refuses every repository.
type Policy struct {
	// AllowedHosts lists the hosts that may be mirrored from, compared with
	// Repo.Host: lower-case names or IP addresses, with a port if it is not
	// the scheme's default. "*" allows any public host.
	AllowedHosts []string
	// AllowHTTP allows plain http (ALLOW_HTTP_GIT).
	AllowHTTP bool
	// AllowPrivate allows hosts at loopback, private, link-local and other
	// non-public addresses (ALLOW_PRIVATE_GIT_HOSTS). They must still be on
	// AllowedHosts.
	AllowPrivate bool
	// AllowLocal allows local paths and file:// URLs (ALLOW_LOCAL_REPOS).
	AllowLocal bool
	// Resolver looks up host names; nil means net.DefaultResolver.
	Resolver Resolver
}

// DefaultPolicy returns the server's default policy: https from
// github.com, gitlab.com, bitbucket.org and codeberg.org only.
func DefaultPolicy() Policy {
	return Policy{AllowedHosts: []string{"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}}
}

// ParseHosts canonicalises a list of allowed hosts (ALLOWED_GIT_HOSTS) as
// Parse does a URL's host: lower case, a port only if it is not 443, "*"
// kept as is. Empty entries are skipped; a list with no hosts, or an entry
// that is not a host name, is an error.
func ParseHosts(list []string) ([]string, error) {
	var hosts []string
	for _, entry := range list {
		switch entry = strings.TrimSpace(entry); {
		case entry == "":
			continue
		case entry == "*":
			hosts = append(hosts, entry)
			continue
		case strings.ContainsAny(entry, "/@?#"):
			return nil, fmt.Errorf("%q is not a host name; give just the host, such as github.com", entry)
		}
		hostname, port, err := splitHostPort(entry, "https")
		if err != nil {
			return nil, fmt.Errorf("%q is not a host name", entry)
		}
		hosts = append(hosts, joinHostPort(hostname, port))
	}
	if len(hosts) == 0 {
		return nil, errors.New("no hosts listed")
	}
	return hosts, nil
}

// Vet parses raw and checks it against the policy, returning the parsed
// repository if the server may mirror it.
func (p Policy) Vet(ctx context.Context, raw string) (Repo, error) {
	r, err := Parse(raw)
	if err != nil {
		return Repo{}, err
	}
	if err := p.Check(ctx, r); err != nil {
		return Repo{}, err
	}
	return r, nil
}

// Check reports whether the policy allows the server to mirror r. It vets
// r.URL, which is what git is given, and trusts none of r's other fields,
// so it can vet a Repo read back from storage. Host names are resolved and
// every address must be public; to keep git on the addresses vetted, use
// Pin instead, before every network operation.
//
// Refusals wrap [ErrRefused]; a URL Parse rejects yields its error, which
// wraps [ErrInvalid]; a host that cannot be resolved yields a
// fault.Unavailable error wrapping neither.
func (p Policy) Check(ctx context.Context, r Repo) error {
	_, err := p.Pin(ctx, r.URL)
	return err
}

// Pin checks a repository URL (a Repo.URL) as Check does and returns the
// addresses git must connect to, as values for git's http.curloptResolve
// ("host:port:address"): git then uses exactly the addresses vetted here,
// so a DNS answer that changes between the check and git's own lookup
// cannot lead it elsewhere. Call it before every network git operation.
// It pins nothing for file:// URLs and hosts given as IP addresses; with
// AllowPrivate it refuses no address but still pins those it found.
// Errors are those of Check.
func (p Policy) Pin(ctx context.Context, rawURL string) ([]string, error) {
	loc, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch loc.Scheme {
	case "file":
		if !p.AllowLocal {
			return nil, refusef("local repositories are not allowed; set %s=true to allow them", EnvAllowLocal)
		}
		return nil, nil
	case "ssh":
		return nil, refusef("the server does not fetch over ssh; give the https URL")
	case "git":
		return nil, refusef("the server does not fetch over the unencrypted git:// protocol; give the https URL")
	case "http":
		if !p.AllowHTTP {
			return nil, refusef("plain http is not allowed; give the https URL or set %s=true", EnvAllowHTTP)
		}
	}
	if loc.credentials {
		return nil, refusef("the URL contains credentials (user-info before the host); remove them")
	}
	if !p.allowsHost(loc.Host) {
		return nil, refusef("host %q is not on the allowed list (%s)", loc.Host, EnvAllowedHosts)
	}
	if a, err := netip.ParseAddr(loc.hostname); err == nil {
		if p.AllowPrivate {
			return nil, nil
		}
		return nil, checkAddr(a, loc.hostname)
	}
	addrs, err := p.resolve(ctx, loc.hostname)
	if err != nil {
		return nil, err
	}
	port := defaultPort(loc.Scheme)
	if _, pt, err := net.SplitHostPort(loc.Host); err == nil {
		port = pt
	}
	pins := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if !p.AllowPrivate {
			if err := checkAddr(a, loc.hostname); err != nil {
				return nil, err
			}
		}
		addr := a.String()
		if a.Is6() {
			addr = "[" + addr + "]"
		}
		pins = append(pins, loc.hostname+":"+port+":"+addr)
	}
	return pins, nil
}

// defaultPort is the TCP port of a URL scheme git fetches over.
func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

func (p Policy) allowsHost(host string) bool {
	for _, h := range p.AllowedHosts {
		if h == "*" || strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// resolve looks up host's addresses (IPv4-mapped ones unmapped).
func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	resolver := p.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ias, err := resolver.LookupIPAddr(ctx, host)
	if err == nil && len(ias) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		// The resolver's own text (its address, the lookup) stays in the
		// cause, for logs.
		return nil, fault.Wrap(fault.Unavailable, fmt.Sprintf("repository host %q could not be resolved", host), err)
	}
	addrs := make([]netip.Addr, 0, len(ias))
	for _, ia := range ias {
		a, ok := netip.AddrFromSlice(ia.IP)
		if !ok {
			return nil, refusef("host %q resolved to a malformed address", host)
		}
		// net.IP does not tell IPv4 from IPv4-mapped IPv6 apart.
		addrs = append(addrs, a.Unmap())
	}
	return addrs, nil
}

func checkAddr(a netip.Addr, host string) error {
	if why := nonPublic(a); why != "" {
		return refusef("address %s of host %q is %s; set %s=true to allow", a, host, why, EnvAllowPrivate)
	}
	return nil
}

// specialRanges are the address ranges that are not public: those of the
// IANA special-purpose registries that no git host can be at.
var specialRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (0.0.0.0/8)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT shared space (100.64.0.0/10)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved for IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved for benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "reserved for documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (240.0.0.0/4)"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "reserved for documentation"},
	{netip.MustParsePrefix("fc00::/7"), "private (unique local)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	ipv4Mapped    = netip.MustParsePrefix("::ffff:0.0.0.0/96")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	globalUnicast = netip.MustParsePrefix("2000::/3")
)

// nonPublic says why a is not a public address, or returns "" if it is.
// IPv6 addresses that embed an IPv4 address (IPv4-mapped, NAT64, 6to4) are
// judged by the embedded address.
func nonPublic(a netip.Addr) string {
	if !a.IsValid() {
		return "not a valid address"
	}
	a = a.WithZone("") // a Prefix never contains an address with a zone
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	if !a.Is6() {
		return ""
	}
	b := a.As16()
	var v4 netip.Addr
	var form string
	switch {
	case ipv4Mapped.Contains(a):
		v4, form = netip.AddrFrom4([4]byte(b[12:])), "IPv4-mapped"
	case nat64.Contains(a):
		v4, form = netip.AddrFrom4([4]byte(b[12:])), "NAT64"
	case sixToFour.Contains(a):
		v4, form = netip.AddrFrom4([4]byte(b[2:6])), "6to4"
	case !globalUnicast.Contains(a):
		return "outside the IPv6 global unicast range 2000::/3"
	default:
		return ""
	}
	if why := nonPublic(v4); why != "" {
		return fmt.Sprintf("%s (%s %s)", why, form, v4)
	}
	return ""
}
