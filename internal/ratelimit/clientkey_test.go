package ratelimit

import (
	"net/http/httptest"
	"net/netip"
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

func TestClientKeyFunc(t *testing.T) {
	key := ClientKeyFunc([]netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	})
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"untrusted peer: spoofed header ignored", "203.0.113.7:1", []string{"1.2.3.4"}, "203.0.113.7"},
		{"trusted proxy: client from header", "10.0.0.2:1", []string{"198.51.100.9"}, "198.51.100.9"},
		{"rightmost untrusted wins over spoofed left part", "10.0.0.2:1", []string{"1.2.3.4, 198.51.100.9"}, "198.51.100.9"},
		{"chain of trusted proxies skipped", "10.0.0.2:1", []string{"1.2.3.4, 198.51.100.9, 10.1.1.1"}, "198.51.100.9"},
		{"several header lines", "10.0.0.2:1", []string{"1.2.3.4", "198.51.100.9, 10.1.1.1"}, "198.51.100.9"},
		{"entry with port", "10.0.0.2:1", []string{"198.51.100.9:4000"}, "198.51.100.9"},
		{"ipv6 client aggregated", "[fd00::5]:1", []string{"2001:db8:5:6::77"}, "2001:db8:5:6::/64"},
		{"trusted proxy without header", "10.0.0.2:1", nil, "10.0.0.2"},
		{"all hops trusted: leftmost", "10.0.0.2:1", []string{"10.9.9.9, 10.1.1.1"}, "10.9.9.9"},
		{"malformed entry stops at last trusted hop", "10.0.0.2:1", []string{"1.2.3.4, garbage, 10.1.1.1"}, "10.1.1.1"},
		{"empty entries skipped", "10.0.0.2:1", []string{"198.51.100.9, , "}, "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := key(r); got != tc.want {
				t.Fatalf("key = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClientKeyFuncWithoutProxiesIsClientKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.7:1"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := ClientKeyFunc(nil)(r); got != "203.0.113.7" {
		t.Fatalf("key = %q, want the peer address", got)
	}
}
