package ratelimit

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientKey returns the rate-limit key of the client that opened the
// connection: its IP from r.RemoteAddr, with IPv6 addresses aggregated to
// their /64 (one subscriber's usual allocation). It ignores
// X-Forwarded-For; see ClientKeyFunc for servers behind a proxy.
func ClientKey(r *http.Request) string {
	addr, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	return addrKey(addr)
}

// ClientKeyFunc returns a key function for a server behind the proxies in
// trustedProxies. When the connection comes from a trusted proxy, the
// client is the rightmost X-Forwarded-For address that is not itself a
// trusted proxy; anything further left could have been written by the
// client. Connections from elsewhere are keyed as ClientKey keys them, so
// a spoofed X-Forwarded-For gains nothing. With no trusted proxies the
// result is ClientKey.
func ClientKeyFunc(trustedProxies []netip.Prefix) func(*http.Request) string {
	if len(trustedProxies) == 0 {
		return ClientKey
	}
	trusted := func(a netip.Addr) bool {
		for _, p := range trustedProxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		addr, ok := parseAddr(r.RemoteAddr)
		if !ok {
			return r.RemoteAddr
		}
		return addrKey(forwardedClient(addr, r.Header.Values("X-Forwarded-For"), trusted))
	}
}

// forwardedClient walks the X-Forwarded-For hops right to left from the
// trusted peer and returns the first untrusted one. It stops at the last
// trusted hop when every hop is trusted or an entry is malformed.
func forwardedClient(peer netip.Addr, xff []string, trusted func(netip.Addr) bool) netip.Addr {
	hops := strings.Split(strings.Join(xff, ","), ",")
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

// parseAddr parses "ip", "ip:port" or "[ipv6]:port", unmapping
// IPv4-mapped IPv6 addresses and dropping zones.
func parseAddr(s string) (netip.Addr, bool) {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		addr = ap.Addr()
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
