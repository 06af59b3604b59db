package repourl

import (
	"context"
	"errors"
	"github.com/gitpulse/gitpulse/internal/fault"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var _ Resolver = net.DefaultResolver

// fakeResolver answers from a table, recording the hosts it is asked for;
// hosts not in the table do not exist.
type fakeResolver struct {
	addrs   map[string][]string
	lookups []string
}

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	f.lookups = append(f.lookups, host)
	list, ok := f.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	addrs := make([]net.IPAddr, len(list))
	for i, s := range list {
		addrs[i] = net.IPAddr{IP: net.ParseIP(s)}
	}
	return addrs, nil
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{addrs: map[string][]string{
		"github.com":       {"140.82.112.3"},
		"gitlab.com":       {"172.65.251.78", "2606:4700:90:0:f22e:fbec:5bed:a9b9"},
		"bitbucket.org":    {"104.192.141.1"},
		"codeberg.org":     {"217.197.91.145"},
		"dev.azure.com":    {"13.107.42.20"},
		"git.example.com":  {"93.184.215.14"},
		"internal.example": {"10.0.0.1"},
		"mixed.example":    {"93.184.215.14", "192.168.1.10"},
		"localhost":        {"127.0.0.1", "::1"},
		"metadata.example": {"169.254.169.254"},
		"mapped.example":   {"::ffff:172.16.0.1"},
		"nat64.example":    {"64:ff9b::a00:1"},
		"ula.example":      {"fd00::1"},
		"empty.example":    {},
	}}
}

func TestVet(t *testing.T) {
	anyHost := func(p *Policy) { p.AllowedHosts = []string{"*"} }
	cases := []struct {
		name    string
		policy  func(*Policy) // amends DefaultPolicy; nil keeps it
		raw     string
		wantErr string // "" for success
		refused bool   // the error wraps ErrRefused
	}{
		{name: "github", raw: "https://github.com/owner/repo"},
		{name: "gitlab", raw: "https://gitlab.com/group/sub/repo"},
		{name: "bitbucket", raw: "https://bitbucket.org/team/repo"},
		{name: "codeberg", raw: "https://codeberg.org/owner/repo"},
		{name: "browser url", raw: "https://github.com/owner/repo/tree/main/docs"},
		{name: "http refused", raw: "http://github.com/owner/repo",
			wantErr: "repository refused: plain http is not allowed; give the https URL or set ALLOW_HTTP_GIT=true", refused: true},
		{name: "http allowed", policy: func(p *Policy) { p.AllowHTTP = true }, raw: "http://github.com/owner/repo"},
		{name: "scp-like ssh refused", raw: "git@github.com:owner/repo.git",
			wantErr: "the server does not fetch over ssh", refused: true},
		{name: "ssh url refused", raw: "ssh://git@github.com/owner/repo",
			wantErr: "the server does not fetch over ssh", refused: true},
		{name: "git protocol refused", raw: "git://github.com/owner/repo",
			wantErr: "the server does not fetch over the unencrypted git:// protocol", refused: true},
		{name: "local path refused", raw: "/srv/git/repo",
			wantErr: "local repositories are not allowed; set ALLOW_LOCAL_REPOS=true to allow them", refused: true},
		{name: "file url refused", raw: "file:///srv/git/repo",
			wantErr: "local repositories are not allowed", refused: true},
		{name: "local path allowed", policy: func(p *Policy) { p.AllowLocal = true }, raw: "/srv/git/repo"},
		{name: "file url allowed", policy: func(p *Policy) { p.AllowLocal = true }, raw: "file:///srv/git/repo"},
		{name: "password refused", raw: "https://user:" + secret + "@github.com/owner/repo",
			wantErr: "the URL contains credentials (user-info before the host); remove them", refused: true},
		{name: "token refused", raw: "https://" + secret + "@github.com/owner/repo",
			wantErr: "the URL contains credentials", refused: true},
		{name: "empty password refused", raw: "https://" + secret + ":@github.com/owner/repo",
			wantErr: "the URL contains credentials", refused: true},
		{name: "credentials refused with http allowed", policy: func(p *Policy) { p.AllowHTTP = true },
			raw: "http://user:" + secret + "@github.com/owner/repo", wantErr: "the URL contains credentials", refused: true},
		{name: "azure organisation user-info allowed", policy: func(p *Policy) { p.AllowedHosts = []string{"dev.azure.com"} },
			raw: "https://org@dev.azure.com/org/project/_git/repo"},
		{name: "azure other user-info refused", policy: func(p *Policy) { p.AllowedHosts = []string{"dev.azure.com"} },
			raw: "https://" + secret + "@dev.azure.com/org/project/_git/repo", wantErr: "the URL contains credentials", refused: true},
		{name: "azure organisation with password refused", policy: func(p *Policy) { p.AllowedHosts = []string{"dev.azure.com"} },
			raw: "https://org:" + secret + "@dev.azure.com/org/project/_git/repo", wantErr: "the URL contains credentials", refused: true},
		{name: "visualstudio.com vetted as dev.azure.com", policy: func(p *Policy) { p.AllowedHosts = []string{"dev.azure.com"} },
			raw: "https://org.visualstudio.com/project/_git/repo"},
		{name: "azure not allowed by default", raw: "https://dev.azure.com/org/project/_git/repo",
			wantErr: `host "dev.azure.com" is not on the allowed list (ALLOWED_GIT_HOSTS)`, refused: true},
		{name: "host not allowed", raw: "https://git.example.com/team/repo",
			wantErr: `repository refused: host "git.example.com" is not on the allowed list (ALLOWED_GIT_HOSTS)`, refused: true},
		{name: "other port not allowed", raw: "https://github.com:8443/owner/repo",
			wantErr: `host "github.com:8443" is not on the allowed list`, refused: true},
		{name: "listed host and port", policy: func(p *Policy) { p.AllowedHosts = []string{"git.example.com:8443"} },
			raw: "https://git.example.com:8443/team/repo"},
		{name: "listed host in other case", policy: func(p *Policy) { p.AllowedHosts = []string{"Git.Example.com"} },
			raw: "https://git.example.com/team/repo"},
		{name: "zero policy allows no host", policy: func(p *Policy) { *p = Policy{Resolver: p.Resolver} },
			raw: "https://github.com/owner/repo", wantErr: "is not on the allowed list", refused: true},
		{name: "any public host", policy: anyHost, raw: "https://git.example.com/team/repo"},
		{name: "private address", policy: anyHost, raw: "https://internal.example/team/repo",
			wantErr: `repository refused: address 10.0.0.1 of host "internal.example" is private; set ALLOW_PRIVATE_GIT_HOSTS=true to allow`, refused: true},
		{name: "one private address of several", policy: anyHost, raw: "https://mixed.example/team/repo",
			wantErr: `address 192.168.1.10 of host "mixed.example" is private`, refused: true},
		{name: "localhost", policy: anyHost, raw: "https://localhost/team/repo",
			wantErr: `address 127.0.0.1 of host "localhost" is loopback`, refused: true},
		{name: "cloud metadata", policy: anyHost, raw: "https://metadata.example/team/repo",
			wantErr: `address 169.254.169.254 of host "metadata.example" is link-local`, refused: true},
		{name: "IPv4-mapped answer", policy: anyHost, raw: "https://mapped.example/team/repo",
			wantErr: `address 172.16.0.1 of host "mapped.example" is private`, refused: true},
		{name: "NAT64 answer", policy: anyHost, raw: "https://nat64.example/team/repo",
			wantErr: "is private (NAT64 10.0.0.1)", refused: true},
		{name: "unique local answer", policy: anyHost, raw: "https://ula.example/team/repo",
			wantErr: "is private (unique local)", refused: true},
		{name: "allowed host at a private address", policy: func(p *Policy) { p.AllowedHosts = []string{"internal.example"} },
			raw: "https://internal.example/team/repo", wantErr: "is private", refused: true},
		{name: "private addresses allowed", policy: func(p *Policy) { anyHost(p); p.AllowPrivate = true },
			raw: "https://internal.example/team/repo"},
		{name: "private addresses allowed, host not listed", policy: func(p *Policy) { p.AllowPrivate = true },
			raw: "https://127.0.0.1/team/repo", wantErr: `host "127.0.0.1" is not on the allowed list`, refused: true},
		{name: "private addresses allowed, loopback listed", policy: func(p *Policy) { p.AllowPrivate = true; p.AllowedHosts = []string{"127.0.0.1"} },
			raw: "https://127.0.0.1/team/repo"},
		{name: "private addresses allowed, any host", policy: func(p *Policy) { p.AllowPrivate = true; anyHost(p) },
			raw: "https://0x7f.1/team/repo"},
		{name: "loopback listed but private not allowed", policy: func(p *Policy) { p.AllowedHosts = []string{"127.0.0.1"} },
			raw: "https://127.0.0.1/team/repo", wantErr: `address 127.0.0.1 of host "127.0.0.1" is loopback`, refused: true},
		{name: "unresolvable host", policy: anyHost, raw: "https://nxdomain.example/team/repo",
			wantErr: `repository host "nxdomain.example" could not be resolved: lookup nxdomain.example: no such host`},
		{name: "host without addresses", policy: anyHost, raw: "https://empty.example/team/repo",
			wantErr: `repository host "empty.example" could not be resolved: no addresses`},
		{name: "invalid URL", raw: "ext::sh -c touch% /tmp/pwned", wantErr: "invalid repository URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := DefaultPolicy()
			p.Resolver = newFakeResolver()
			if c.policy != nil {
				c.policy(&p)
			}
			r, err := p.Vet(context.Background(), c.raw)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Vet(%q): %v", c.raw, err)
				}
				if want, _ := Parse(c.raw); r != want {
					t.Errorf("Vet(%q) = %+v, want %+v", c.raw, r, want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Vet(%q) = %+v, want an error containing %q", c.raw, r, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Vet(%q) error = %q, want it to contain %q", c.raw, err, c.wantErr)
			}
			if errors.Is(err, ErrRefused) != c.refused {
				t.Errorf("Vet(%q) error %q: errors.Is(err, ErrRefused) = %t, want %t", c.raw, err, !c.refused, c.refused)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Vet(%q) error %q reveals the credential", c.raw, err)
			}
			if r != (Repo{}) {
				t.Errorf("Vet(%q) returned %+v with its error, want the zero Repo", c.raw, r)
			}
		})
	}
}

// TestVetAddresses checks every kind of non-public address, given as an IP
// literal (so no lookup may happen), against a policy allowing any host.
func TestVetAddresses(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want string // the reason; "" if the address is public
	}{
		{"loopback", "https://127.0.0.1/o/r", "is loopback"},
		{"loopback range", "https://127.255.255.254/o/r", "is loopback"},
		{"private 10/8", "https://10.1.2.3/o/r", "is private"},
		{"private 172.16/12", "https://172.16.0.1/o/r", "is private"},
		{"private 172.16/12 top", "https://172.31.255.255/o/r", "is private"},
		{"private 192.168/16", "https://192.168.0.1/o/r", "is private"},
		{"link-local", "https://169.254.169.254/o/r", "is link-local"},
		{"carrier-grade NAT", "https://100.64.0.1/o/r", "is carrier-grade NAT shared space (100.64.0.0/10)"},
		{"carrier-grade NAT top", "https://100.127.255.255/o/r", "carrier-grade NAT"},
		{"unspecified", "https://0.0.0.0/o/r", "is unspecified (0.0.0.0/8)"},
		{"this network", "https://0.1.2.3/o/r", "is unspecified (0.0.0.0/8)"},
		{"broadcast", "https://255.255.255.255/o/r", "is broadcast"},
		{"multicast", "https://224.0.0.1/o/r", "is multicast"},
		{"multicast top", "https://239.255.255.250/o/r", "is multicast"},
		{"reserved", "https://240.0.0.1/o/r", "is reserved (240.0.0.0/4)"},
		{"documentation", "https://192.0.2.1/o/r", "is reserved for documentation"},
		{"benchmarking", "https://198.18.0.1/o/r", "is reserved for benchmarking"},
		{"IETF protocol assignments", "https://192.0.0.8/o/r", "is reserved for IETF protocol assignments"},
		{"decimal loopback", "https://2130706433/o/r", `address 127.0.0.1 of host "127.0.0.1" is loopback`},
		{"hexadecimal loopback", "https://0x7f000001/o/r", "is loopback"},
		{"dotted hexadecimal loopback", "https://0x7f.1/o/r", "is loopback"},
		{"octal loopback", "https://0177.0.0.1/o/r", "is loopback"},
		{"short loopback", "https://127.1/o/r", "is loopback"},
		{"decimal private", "https://3232235777/o/r", "address 192.168.1.1"},
		{"hexadecimal private", "https://0xa.0.0.1/o/r", "address 10.0.0.1"},
		{"IPv6 loopback", "https://[::1]/o/r", "is loopback"},
		{"IPv6 unspecified", "https://[::]/o/r", "is unspecified"},
		{"IPv6 link-local", "https://[fe80::1]/o/r", "is link-local"},
		{"IPv6 unique local", "https://[fc00::1]/o/r", "is private (unique local)"},
		{"IPv6 unique local fd", "https://[fd12:3456::1]/o/r", "is private (unique local)"},
		{"IPv6 site-local", "https://[fec0::1]/o/r", "is site-local"},
		{"IPv6 multicast", "https://[ff02::1]/o/r", "is multicast"},
		{"IPv6 documentation", "https://[2001:db8::1]/o/r", "is reserved for documentation"},
		{"IPv6 discard", "https://[100::1]/o/r", "is discard-only"},
		{"IPv6 outside global unicast", "https://[4000::1]/o/r", "outside the IPv6 global unicast range"},
		{"IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/o/r", "address ::ffff:127.0.0.1 of host \"::ffff:127.0.0.1\" is loopback (IPv4-mapped 127.0.0.1)"},
		{"IPv4-mapped loopback in hex", "https://[::ffff:7f00:1]/o/r", "is loopback (IPv4-mapped 127.0.0.1)"},
		{"IPv4-mapped private", "https://[::ffff:10.0.0.1]/o/r", "is private (IPv4-mapped 10.0.0.1)"},
		{"IPv4-mapped link-local", "https://[::ffff:169.254.169.254]/o/r", "is link-local (IPv4-mapped 169.254.169.254)"},
		{"IPv4-compatible loopback", "https://[::127.0.0.1]/o/r", "is IPv4-compatible (deprecated)"},
		{"NAT64 loopback", "https://[64:ff9b::127.0.0.1]/o/r", "is loopback (NAT64 127.0.0.1)"},
		{"NAT64 private", "https://[64:ff9b::a00:1]/o/r", "is private (NAT64 10.0.0.1)"},
		{"local-use NAT64", "https://[64:ff9b:1::a00:1]/o/r", "is local-use NAT64"},
		{"6to4 loopback", "https://[2002:7f00:1::]/o/r", "is loopback (6to4 127.0.0.1)"},
		{"6to4 private", "https://[2002:c0a8:101::1]/o/r", "is private (6to4 192.168.1.1)"},
		{"public IPv4", "https://8.8.8.8/o/r", ""},
		{"public next to private", "https://172.32.0.1/o/r", ""},
		{"public decimal IPv4", "https://134744072/o/r", ""},
		{"public IPv6", "https://[2606:4700:4700::1111]/o/r", ""},
		{"public IPv4-mapped", "https://[::ffff:8.8.8.8]/o/r", ""},
		{"public NAT64", "https://[64:ff9b::808:808]/o/r", ""},
		{"public 6to4", "https://[2002:808:808::1]/o/r", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := newFakeResolver()
			p := Policy{AllowedHosts: []string{"*"}, Resolver: res}
			_, err := p.Vet(context.Background(), c.raw)
			if len(res.lookups) > 0 {
				t.Errorf("Vet(%q) looked up %q; an IP address needs no lookup", c.raw, res.lookups)
			}
			if c.want == "" {
				if err != nil {
					t.Errorf("Vet(%q): %v", c.raw, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Vet(%q) succeeded, want a refusal containing %q", c.raw, c.want)
			}
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) ||
				!strings.HasSuffix(err.Error(), "; set ALLOW_PRIVATE_GIT_HOSTS=true to allow") {
				t.Errorf("Vet(%q) error = %q, want a refusal containing %q and naming ALLOW_PRIVATE_GIT_HOSTS", c.raw, err, c.want)
			}
			p.AllowPrivate = true
			if _, err := p.Vet(context.Background(), c.raw); err != nil {
				t.Errorf("with AllowPrivate, Vet(%q): %v", c.raw, err)
			}
		})
	}
}

func TestVetLooksUpOnlyAllowedHosts(t *testing.T) {
	res := newFakeResolver()
	p := DefaultPolicy()
	p.Resolver = res
	ctx := context.Background()
	if _, err := p.Vet(ctx, "https://internal.example/team/repo"); !errors.Is(err, ErrRefused) {
		t.Fatalf("Vet of a host not on the list: %v, want a refusal", err)
	}
	if len(res.lookups) > 0 {
		t.Errorf("looked up %q, a host not on the allowed list", res.lookups)
	}
	if _, err := p.Vet(ctx, "https://github.com/owner/repo"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"github.com"}; !reflect.DeepEqual(res.lookups, want) {
		t.Errorf("lookups = %q, want %q", res.lookups, want)
	}
}

// TestCheckRechecksDNS checks that Check catches a host whose DNS changed
// after Vet (DNS rebinding).
func TestCheckRechecksDNS(t *testing.T) {
	res := newFakeResolver()
	p := Policy{AllowedHosts: []string{"git.example.com"}, Resolver: res}
	ctx := context.Background()
	r, err := p.Vet(ctx, "https://git.example.com/team/repo")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(ctx, r); err != nil {
		t.Fatalf("Check before the change: %v", err)
	}
	res.addrs["git.example.com"] = []string{"127.0.0.1"}
	err = p.Check(ctx, r)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "is loopback") {
		t.Errorf("Check after the change: %v, want a loopback refusal", err)
	}
}

// TestCheckVetsURL checks that Check judges the URL git would be given, not
// Repo fields that may disagree with it.
func TestCheckVetsURL(t *testing.T) {
	p := Policy{AllowedHosts: []string{"*"}, Resolver: newFakeResolver()}
	ctx := context.Background()
	cases := []struct {
		name    string
		repo    Repo
		wantErr string
		target  error
	}{
		{"host field lies", Repo{URL: "https://127.0.0.1/o/r.git", Key: "github.com/o/r", Scheme: "https", Host: "github.com", Owner: "o", Name: "r", Platform: PlatformGitHub},
			"is loopback", ErrRefused},
		{"local field lies", Repo{URL: "/etc/repo", Key: "github.com/o/r", Scheme: "https", Host: "github.com", Owner: "o", Name: "r"},
			"local repositories are not allowed", ErrRefused},
		{"scheme field lies", Repo{URL: "git@github.com:o/r.git", Scheme: "https", Host: "github.com"},
			"does not fetch over ssh", ErrRefused},
		{"credentials kept in the URL", Repo{URL: "https://" + secret + "@github.com/o/r.git", Scheme: "https", Host: "github.com"},
			"the URL contains credentials", ErrRefused},
		{"file URL not marked Local", Repo{URL: "file:///etc/repo", Key: "github.com/o/r", Scheme: "https", Host: "github.com"},
			"local repositories are not allowed", ErrRefused},
		{"zero Repo", Repo{}, "invalid repository URL: empty", ErrInvalid},
		{"unparsable URL", Repo{URL: "ext::sh", Key: "github.com/o/r"}, `transport "ext" is not supported`, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Check(ctx, c.repo)
			if !errors.Is(err, c.target) || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Check(%+v) = %v, want an error wrapping %q and containing %q", c.repo, err, c.target, c.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("Check error %q reveals the credential", err)
			}
		})
	}
}

// TestCheckDefaultResolver checks a nil Resolver with IP addresses, which
// need no lookup, since this machine may have no network.
func TestCheckDefaultResolver(t *testing.T) {
	p := Policy{AllowedHosts: []string{"*"}}
	ctx := context.Background()
	if _, err := p.Vet(ctx, "https://8.8.8.8/o/r"); err != nil {
		t.Errorf("Vet of a public address: %v", err)
	}
	if _, err := p.Vet(ctx, "https://[::1]/o/r"); !errors.Is(err, ErrRefused) {
		t.Errorf("Vet of a loopback address: %v, want a refusal", err)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	want := Policy{AllowedHosts: []string{"github.com", "gitlab.com", "bitbucket.org", "codeberg.org"}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("DefaultPolicy() = %+v, want %+v", p, want)
	}
	p.AllowedHosts[0] = "evil.example"
	if DefaultPolicy().AllowedHosts[0] != "github.com" {
		t.Error("changing one DefaultPolicy's hosts changed the next's")
	}
}

func TestParseHosts(t *testing.T) {
	cases := []struct {
		name    string
		list    string
		want    []string
		wantErr string
	}{
		{name: "trimmed and lower-cased", list: " GitHub.com , git.Example.com:8443,, [2001:DB8::1] ,git.example.org.",
			want: []string{"github.com", "git.example.com:8443", "[2001:db8::1]", "git.example.org"}},
		{name: "default port dropped", list: "github.com:443", want: []string{"github.com"}},
		{name: "any host", list: "*", want: []string{"*"}},
		{name: "any host among others", list: "github.com, *", want: []string{"github.com", "*"}},
		{name: "URL as host", list: "https://github.com",
			wantErr: `"https://github.com" is not a host name; give just the host, such as github.com`},
		{name: "bad host", list: "github.com,-evil.example", wantErr: `"-evil.example" is not a host name`},
		{name: "bad port", list: "github.com:http", wantErr: `"github.com:http" is not a host name`},
		{name: "no hosts", list: " , ,", wantErr: "no hosts listed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hosts, err := ParseHosts(strings.Split(c.list, ","))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("ParseHosts(%q) = %q, %v; want an error containing %q", c.list, hosts, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHosts(%q): %v", c.list, err)
			}
			if !reflect.DeepEqual(hosts, c.want) {
				t.Errorf("ParseHosts(%q) = %q, want %q", c.list, hosts, c.want)
			}
		})
	}
}

// TestParseHostsMatch checks that hosts from the settings match the hosts
// Parse reports, however either was spelt.
func TestParseHostsMatch(t *testing.T) {
	hosts, err := ParseHosts([]string{"Git.Example.com:443", " 0x7f.1", " [::FFFF:7f00:1]"})
	if err != nil {
		t.Fatal(err)
	}
	// Allow http, private addresses and local paths.
	p := Policy{AllowedHosts: hosts, AllowHTTP: true, AllowPrivate: true, AllowLocal: true}
	p.Resolver = newFakeResolver()
	for _, raw := range []string{
		"https://git.example.com/team/repo",
		"http://GIT.EXAMPLE.COM./team/repo",
		"https://127.0.0.1/team/repo",
		"https://[::ffff:127.0.0.1]/team/repo",
	} {
		if _, err := p.Vet(context.Background(), raw); err != nil {
			t.Errorf("Vet(%q): %v", raw, err)
		}
	}
}

func TestPin(t *testing.T) {
	res := newFakeResolver()
	res.addrs["git.example.com:8443"] = nil // a port is never looked up
	p := Policy{AllowedHosts: []string{"gitlab.com", "git.example.com:8443", "localhost:3000", "127.0.0.1:3000"},
		AllowHTTP: true, Resolver: res}
	private := p
	private.AllowPrivate = true
	for _, tc := range []struct {
		name   string
		policy Policy
		url    string
		want   []string
		refuse bool
	}{
		{"both families, default port", p, "https://gitlab.com/o/r.git",
			[]string{"gitlab.com:443:172.65.251.78", "gitlab.com:443:[2606:4700:90:0:f22e:fbec:5bed:a9b9]"}, false},
		{"explicit port", p, "https://git.example.com:8443/o/r.git", []string{"git.example.com:8443:93.184.215.14"}, false},
		{"loopback refused", p, "http://localhost:3000/o/r.git", nil, true},
		{"loopback pinned when allowed", private, "http://localhost:3000/o/r.git",
			[]string{"localhost:3000:127.0.0.1", "localhost:3000:[::1]"}, false},
		{"IP literal needs no pin", private, "http://127.0.0.1:3000/o/r.git", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.policy.Pin(context.Background(), tc.url)
			if tc.refuse {
				if !errors.Is(err, ErrRefused) {
					t.Fatalf("Pin(%q) = %q, %v; want a refusal", tc.url, got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Pin(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
			}
		})
	}
}

// TestUnresolvableHostMessage: a host DNS cannot resolve is reported to
// the user by name (the API's field message read "internal error"), the
// resolver's own text kept for logs.
func TestUnresolvableHostMessage(t *testing.T) {
	p := DefaultPolicy()
	p.Resolver = newFakeResolver()
	p.AllowedHosts = []string{"*"}
	_, err := p.Vet(context.Background(), "https://nxdomain.example/team/repo")
	if got := fault.Message(err); got != `repository host "nxdomain.example" could not be resolved` {
		t.Fatalf("message %q", got)
	}
	if f := fault.From(err); f.Kind != fault.Unavailable {
		t.Fatalf("kind %v, want unavailable", f.Kind)
	}
}
