package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientKey(t *testing.T) {
	for _, tc := range []struct {
		name, remote, xff, want string
	}{
		{"ipv4 with port", "203.0.113.7:51234", "", "203.0.113.7"},
		{"ipv6 aggregated to /64", "[2001:db8:1:2:aaaa::1]:443", "", "2001:db8:1:2::/64"},
		{"same /64 same key", "[2001:db8:1:2:bbbb::9]:443", "", "2001:db8:1:2::/64"},
		{"ipv4-mapped ipv6 unmapped", "[::ffff:198.51.100.1]:80", "", "198.51.100.1"},
		{"zone dropped", "[fe80::1%eth0]:80", "", "fe80::/64"},
		{"no port", "192.0.2.1", "", "192.0.2.1"},
		{"unparsable kept as is", "@unix", "", "@unix"},
		{"spoofed X-Forwarded-For ignored", "203.0.113.7:1", "1.2.3.4", "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ClientKey(r); got != tc.want {
				t.Fatalf("ClientKey = %q, want %q", got, tc.want)
			}
		})
	}
}

// testProxies trusts 10.0.0.0/8 and fd00::/8.
var testProxies = Proxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}

func TestProxiesClientKey(t *testing.T) {
	for _, tc := range []struct {
		name, remote string
		xff, fwd     []string
		want         string
	}{
		{"untrusted peer: spoofed header ignored", "203.0.113.7:1", []string{"1.2.3.4"}, nil, "203.0.113.7"},
		{"untrusted peer: spoofed Forwarded ignored", "203.0.113.7:1", nil, []string{"for=1.2.3.4"}, "203.0.113.7"},
		{"trusted proxy: client from header", "10.0.0.2:1", []string{"198.51.100.9"}, nil, "198.51.100.9"},
		{"rightmost untrusted wins over spoofed left part", "10.0.0.2:1", []string{"1.2.3.4, 198.51.100.9"}, nil, "198.51.100.9"},
		{"chain of trusted proxies skipped", "10.0.0.2:1", []string{"1.2.3.4, 198.51.100.9, 10.1.1.1"}, nil, "198.51.100.9"},
		{"several header lines", "10.0.0.2:1", []string{"1.2.3.4", "198.51.100.9, 10.1.1.1"}, nil, "198.51.100.9"},
		{"entry with port", "10.0.0.2:1", []string{"198.51.100.9:4000"}, nil, "198.51.100.9"},
		{"ipv6 client aggregated", "[fd00::5]:1", []string{"2001:db8:5:6::77"}, nil, "2001:db8:5:6::/64"},
		{"ipv6 peer, ipv4 client", "[fd00::5]:1", []string{"198.51.100.9"}, nil, "198.51.100.9"},
		{"trusted proxy without header", "10.0.0.2:1", nil, nil, "10.0.0.2"},
		{"all hops trusted: leftmost", "10.0.0.2:1", []string{"10.9.9.9, 10.1.1.1"}, nil, "10.9.9.9"},
		{"malformed entry stops at last trusted hop", "10.0.0.2:1", []string{"1.2.3.4, garbage, 10.1.1.1"}, nil, "10.1.1.1"},
		{"empty entries skipped", "10.0.0.2:1", []string{"198.51.100.9, , "}, nil, "198.51.100.9"},
		{"X-Forwarded-For preferred over Forwarded", "10.0.0.2:1", []string{"198.51.100.9"}, []string{"for=1.2.3.4"}, "198.51.100.9"},
		{"Forwarded: client", "10.0.0.2:1", nil, []string{"for=198.51.100.9;proto=https;by=10.0.0.2"}, "198.51.100.9"},
		{"Forwarded: case-insensitive key", "10.0.0.2:1", nil, []string{"For=198.51.100.9"}, "198.51.100.9"},
		{"Forwarded: quoted ipv6 with port", "10.0.0.2:1", nil, []string{`for="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::/64"},
		{"Forwarded: quoted ipv6 without port", "10.0.0.2:1", nil, []string{`for="[2001:db8:cafe::17]"`}, "2001:db8:cafe::/64"},
		{"Forwarded: rightmost untrusted of a chain", "10.0.0.2:1", nil, []string{"for=1.2.3.4, for=198.51.100.9", "for=10.1.1.1"}, "198.51.100.9"},
		{"Forwarded: quoted comma is not a separator", "10.0.0.2:1", nil, []string{`for=198.51.100.9;x="a,for=1.2.3.4"`}, "198.51.100.9"},
		{"Forwarded: unknown stops the walk", "10.0.0.2:1", nil, []string{"for=1.2.3.4, for=unknown"}, "10.0.0.2"},
		{"Forwarded: obfuscated stops the walk", "10.0.0.2:1", nil, []string{"for=1.2.3.4, for=_hidden, for=10.3.3.3"}, "10.3.3.3"},
		{"Forwarded: element without for stops the walk", "10.0.0.2:1", nil, []string{"for=1.2.3.4, proto=https"}, "10.0.0.2"},
		{"Forwarded: unterminated quote", "10.0.0.2:1", nil, []string{`for="198.51.100.9`}, "10.0.0.2"},
		{"Forwarded: garbage", "10.0.0.2:1", nil, []string{`;;==,"`}, "10.0.0.2"},
		{"Forwarded: bracketed ipv4 refused", "10.0.0.2:1", nil, []string{`for="[198.51.100.9]"`}, "10.0.0.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range tc.fwd {
				r.Header.Add("Forwarded", v)
			}
			if got := testProxies.ClientKey(r); got != tc.want {
				t.Fatalf("ClientKey = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProxiesClientAddrKeepsTheWholeAddress(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[fd00::5]:1"
	r.Header.Set("X-Forwarded-For", "2001:db8:5:6::77")
	if got := testProxies.ClientAddr(r); got != "2001:db8:5:6::77" {
		t.Fatalf("ClientAddr = %q, want the client's full address", got)
	}
	r.RemoteAddr = "@unix"
	if got := testProxies.ClientAddr(r); got != "@unix" {
		t.Fatalf("ClientAddr = %q for an unparsable peer, want it unchanged", got)
	}
}

func TestNoProxiesIsClientKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.7:1"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	r.Header.Set("Forwarded", "for=1.2.3.4")
	if got := Proxies(nil).ClientKey(r); got != "203.0.113.7" {
		t.Fatalf("key = %q, want the peer address", got)
	}
}

func TestParseProxies(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "[]", ""},
		{" , ", "[]", ""},
		{"10.0.0.0/8, fd00::/8", "[10.0.0.0/8 fd00::/8]", ""},
		{"10.1.2.3/8", "[10.0.0.0/8]", ""},
		{"192.0.2.1,2001:db8::1", "[192.0.2.1/32 2001:db8::1/128]", ""},
		{"::ffff:10.0.0.0/104", "[10.0.0.0/8]", ""},
		{"10.0.0.0/33", "", `"10.0.0.0/33" is not a CIDR prefix`},
		{"10.0.0.0/8,proxy.local", "", `"proxy.local" is not a CIDR prefix`},
		{"fe80::1%eth0", "", `"fe80::1%eth0" is not a CIDR prefix`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseProxies(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseProxies(%q) error %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || fmt.Sprint([]netip.Prefix(got)) != tc.want {
				t.Fatalf("ParseProxies(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}
