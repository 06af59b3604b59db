package repourl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrRefused is wrapped by every refusal of the operator's policy.
var ErrRefused = errors.New("repository URL refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Policy is the operator's rules for which repositories may be opened.
type Policy struct {
	AllowedHosts []string // lower-case host names; "*" allows any public host
	AllowHTTP    bool     // plain http (ALLOW_HTTP_GIT)
	AllowPrivate bool     // loopback, private and link-local addresses (ALLOW_PRIVATE_GIT_HOSTS)
	AllowLocal   bool     // local paths and file:// (ALLOW_LOCAL_REPOS)
	Resolver     Resolver // nil means net.DefaultResolver
}

// DefaultHosts are the hosts a server allows when the operator names none.
var DefaultHosts = []string{"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}

// DefaultPolicy is the server's default: https to the default hosts only.
func DefaultPolicy() Policy {
	return Policy{AllowedHosts: append([]string(nil), DefaultHosts...)}
}

// PolicyFromEnv reads ALLOWED_GIT_HOSTS (comma-separated, "*" for any),
// ALLOW_HTTP_GIT, ALLOW_PRIVATE_GIT_HOSTS and ALLOW_LOCAL_REPOS.
func PolicyFromEnv(getenv func(string) string) (Policy, error) {
	p := DefaultPolicy()
	if v := strings.TrimSpace(getenv("ALLOWED_GIT_HOSTS")); v != "" {
		p.AllowedHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
				p.AllowedHosts = append(p.AllowedHosts, h)
			}
		}
	}
	for name, dst := range map[string]*bool{
		"ALLOW_HTTP_GIT": &p.AllowHTTP, "ALLOW_PRIVATE_GIT_HOSTS": &p.AllowPrivate, "ALLOW_LOCAL_REPOS": &p.AllowLocal,
	} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Policy{}, fmt.Errorf("%s=%q: want true or false", name, v)
			}
			*dst = b
		}
	}
	return p, nil
}

// Vet parses raw and checks it against the policy.
func (p Policy) Vet(ctx context.Context, raw string) (Repo, error) {
	r, err := Parse(raw)
	if err != nil {
		return Repo{}, err
	}
	return r, p.Check(ctx, r)
}

// Check applies the policy to a parsed repository; call it again before
// every fetch, since DNS answers change.
func (p Policy) Check(ctx context.Context, r Repo) error {
	if r.Local || r.Scheme == "file" {
		if !p.AllowLocal {
			return refused("local repositories are not allowed; set ALLOW_LOCAL_REPOS=true to allow them")
		}
		return nil
	}
	switch r.Scheme {
	case "https":
	case "http":
		if !p.AllowHTTP {
			return refused("plain http is not allowed; use https or set ALLOW_HTTP_GIT=true")
		}
	default:
		return refused("scheme %s is not allowed; use https", r.Scheme)
	}
	if r.userinfo != nil {
		return refused("credentials in the URL are not allowed; sign in with a token instead")
	}
	if !p.hostAllowed(r.Host) {
		return refused("host %q is not on the allowed list (ALLOWED_GIT_HOSTS)", r.Host)
	}
	if p.AllowPrivate {
		return nil
	}
	return p.checkAddresses(ctx, r.Host)
}

func (p Policy) hostAllowed(host string) bool {
	for _, h := range p.AllowedHosts {
		if h == "*" || h == host {
			return true
		}
	}
	return false
}

// checkAddresses refuses a host that is, or resolves to, a non-public
// address.
func (p Policy) checkAddresses(ctx context.Context, host string) error {
	if ip, ok := parseIPHost(host); ok {
		return checkPublic(host, ip)
	}
	if looksNumeric(host) {
		return refused("host %q is an unusual spelling of an IP address", host)
	}
	res := p.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, err := res.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("host %q could not be resolved", host)
	}
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			return fmt.Errorf("host %q resolved to a bad address", host)
		}
		if err := checkPublic(host, ip); err != nil {
			return err
		}
	}
	return nil
}

func parseIPHost(host string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return ip, err == nil
}

// looksNumeric catches decimal, octal and hex IPv4 spellings
// ("2130706433", "0x7f.1", "017700000001") that resolvers may accept:
// one to four parts, each all decimal digits or 0x-prefixed hex.
func looksNumeric(host string) bool {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return false
	}
	for _, part := range parts {
		digits, base := part, 10
		if len(part) > 2 && (part[:2] == "0x" || part[:2] == "0X") {
			digits, base = part[2:], 16
		}
		if _, err := strconv.ParseUint(digits, base, 64); err != nil {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
}

func checkPublic(host string, ip netip.Addr) error {
	ip = ip.Unmap()
	if ip.Is6() {
		// IPv4-compatible ::a.b.c.d
		if b := ip.As16(); ip.Is6() && isZero(b[:12]) && !ip.IsUnspecified() && !ip.IsLoopback() {
			ip = netip.AddrFrom4([4]byte(b[12:]))
		}
	}
	bad := ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast()
	for _, p := range nonPublic {
		bad = bad || p.Contains(ip)
	}
	if bad {
		return refused("address %s of host %q is not public; set ALLOW_PRIVATE_GIT_HOSTS=true to allow it", ip, host)
	}
	return nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
