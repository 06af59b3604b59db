package ratelimit

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ClientKey returns the rate-limit key of the client that opened the
// connection: its IP from r.RemoteAddr, with IPv6 addresses aggregated to
// their /64 (one subscriber's usual allocation). It ignores
// X-Forwarded-For and Forwarded; see Proxies for servers behind a proxy.
func ClientKey(r *http.Request) string {
	addr, ok := parsePeer(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	return addrKey(addr)
}

// Proxies are the reverse proxies whose forwarding headers are believed
// (TRUSTED_PROXIES). The zero value trusts no one.
type Proxies []netip.Prefix

// ParseProxies parses a comma-separated list of CIDR prefixes ("10.0.0.0/8,
// fd00::/8"); a bare address stands for itself alone. Blank entries are
// skipped, so "" is the empty list. The error names the bad entry.
func ParseProxies(list string) (Proxies, error) {
	var out Proxies
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			a, aerr := netip.ParseAddr(entry)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8 or fd00::/8", entry)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			// Peers are compared unmapped, so ::ffff:10.0.0.0/104 is 10.0.0.0/8.
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// trusts reports whether a is one of the proxies.
func (p Proxies) trusts(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client behind r, for logs: the
// direct peer, unless the peer is a trusted proxy; then the rightmost
// address of the forwarding chain that is not itself a trusted proxy.
// Anything further left could have been written by the client, and a
// header sent by an untrusted peer is ignored, so a spoofed header gains
// nothing.
//
// The chain is X-Forwarded-For when the request has one, else the for=
// parameters of Forwarded (RFC 7239). A proxy that sends only Forwarded
// must therefore drop a client's X-Forwarded-For. A hop that is not an
// address (malformed, "unknown", an obfuscated "_name") ends the walk at
// the last trusted hop. It returns r.RemoteAddr unchanged when that is not
// an address.
func (p Proxies) ClientAddr(r *http.Request) string {
	addr, ok := p.client(r)
	if !ok {
		return r.RemoteAddr
	}
	return addr.String()
}

// ClientKey is ClientAddr as a rate-limit key: IPv6 clients aggregated
// to their /64, as the package-level ClientKey does.
func (p Proxies) ClientKey(r *http.Request) string {
	addr, ok := p.client(r)
	if !ok {
		return r.RemoteAddr
	}
	return addrKey(addr)
}

// client resolves the client address; false when RemoteAddr is not one.
func (p Proxies) client(r *http.Request) (netip.Addr, bool) {
	peer, ok := parsePeer(r.RemoteAddr)
	if !ok || !p.trusts(peer) {
		return peer, ok
	}
	var hops []string
	if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
		hops = strings.Split(strings.Join(xff, ","), ",")
	} else {
		hops = forwardedFor(r.Header.Values("Forwarded"))
	}
	return walk(peer, hops, p.trusts), true
}

// walk goes through hops right to left from the trusted peer and returns
// the first untrusted one. It stops at the last trusted hop when every hop
// is trusted or a hop is not an address. Blank hops are skipped.
func walk(peer netip.Addr, hops []string, trusted func(netip.Addr) bool) netip.Addr {
	client := peer
	for i := len(hops) - 1; i >= 0 && trusted(client); i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		addr, ok := parseAddr(hop)
		if !ok {
			break
		}
		client = addr
	}
	return client
}

// forwardedFor returns the for= value of each element of Forwarded header
// lines (RFC 7239 section 4), in order, unquoted. An element without for=,
// or one that does not parse, yields "?", which is not an address, so the
// walk stops there.
func forwardedFor(lines []string) []string {
	var out []string
	for _, line := range lines {
		for _, elem := range splitQuoted(line, ',') {
			if strings.TrimSpace(elem) == "" {
				continue
			}
			hop := "?"
			for _, pair := range splitQuoted(elem, ';') {
				k, v, ok := strings.Cut(pair, "=")
				if !ok {
					hop = "?"
					break
				}
				if strings.EqualFold(strings.TrimSpace(k), "for") {
					if u, ok := unquote(strings.TrimSpace(v)); ok {
						hop = u
					}
				}
			}
			out = append(out, hop)
		}
	}
	return out
}

// splitQuoted splits s at sep outside double-quoted strings (which may
// hold backslash escapes).
func splitQuoted(s string, sep byte) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote returns a token as is and a quoted-string without its quotes
// and escapes; false for an unterminated or stray quote.
func unquote(v string) (string, bool) {
	if !strings.HasPrefix(v, `"`) {
		return v, v != "" && !strings.ContainsAny(v, `"\`)
	}
	if len(v) < 2 || !strings.HasSuffix(v, `"`) {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' {
			i++
			if i == len(v)-1 {
				return "", false
			}
		} else if v[i] == '"' {
			return "", false
		}
		b.WriteByte(v[i])
	}
	return b.String(), true
}

// parsePeer parses a connection's address (Request.RemoteAddr), which
// net/http writes "ip:port", as parseAddr does, trying that form first:
// parseAddr's first attempt, a bare "ip", would fail on it, and the error
// costs an allocation on every request.
func parsePeer(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return parseAddr(s)
}

// parseAddr parses "ip", "ip:port" or "[ipv6]:port", unmapping
// IPv4-mapped IPv6 addresses and dropping zones. RFC 7239 also writes
// "[ipv6]" without a port.
func parseAddr(s string) (netip.Addr, bool) {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err == nil {
			addr = ap.Addr()
		} else if inner, ok := strings.CutPrefix(s, "["); ok && strings.HasSuffix(inner, "]") {
			if addr, err = netip.ParseAddr(strings.TrimSuffix(inner, "]")); err != nil || !addr.Is6() {
				return netip.Addr{}, false
			}
		} else {
			return netip.Addr{}, false
		}
	}
	return addr.Unmap().WithZone(""), true
}

// addrKey is addr for IPv4 and addr's /64 for IPv6.
func addrKey(addr netip.Addr) string {
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
