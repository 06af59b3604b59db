package repourl

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
)

func TestParseNormalises(t *testing.T) {
	cases := []struct {
		name, raw, key, url, owner, platform string
	}{
		{"plain", "https://github.com/Owner/Repo", "github.com/owner/repo", "https://github.com/Owner/Repo.git", "Owner", "github"},
		{"dot git", "https://github.com/owner/repo.git", "github.com/owner/repo", "https://github.com/owner/repo.git", "owner", "github"},
		{"host case and port", "https://GitHub.com:443/owner/repo/", "github.com/owner/repo", "https://github.com/owner/repo.git", "owner", "github"},
		{"browser tree url", "https://github.com/owner/repo/tree/main/src", "github.com/owner/repo", "https://github.com/owner/repo.git", "owner", "github"},
		{"query and fragment", "https://github.com/owner/repo?tab=readme#x", "github.com/owner/repo", "https://github.com/owner/repo.git", "owner", "github"},
		{"scp-like ssh", "git@github.com:owner/repo.git", "github.com/owner/repo", "ssh://git@github.com/owner/repo.git", "owner", "github"},
		{"ssh url", "ssh://git@github.com:22/owner/repo", "github.com/owner/repo", "ssh://git@github.com/owner/repo.git", "owner", "github"},
		{"gitlab subgroup", "https://gitlab.com/group/sub/repo.git", "gitlab.com/group/sub/repo", "https://gitlab.com/group/sub/repo.git", "group/sub", "gitlab"},
		{"gitlab browse", "https://gitlab.com/group/repo/-/tree/main", "gitlab.com/group/repo", "https://gitlab.com/group/repo.git", "group", "gitlab"},
		{"bitbucket", "https://bitbucket.org/team/repo", "bitbucket.org/team/repo", "https://bitbucket.org/team/repo.git", "team", "bitbucket"},
		{"azure", "https://dev.azure.com/org/proj/_git/repo", "dev.azure.com/org/proj/repo", "https://dev.azure.com/org/proj/_git/repo", "org/proj", "azure"},
		{"azure org user", "https://org@dev.azure.com/org/proj/_git/repo", "dev.azure.com/org/proj/repo", "https://dev.azure.com/org/proj/_git/repo", "org/proj", "azure"},
		{"visualstudio", "https://org.visualstudio.com/proj/_git/repo", "dev.azure.com/org/proj/repo", "https://dev.azure.com/org/proj/_git/repo", "org/proj", "azure"},
		{"other host keeps case", "https://git.example.org:8443/A/B", "git.example.org:8443/A/B", "https://git.example.org:8443/A/B", "A", "other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(c.raw)
			if err != nil {
				t.Fatal(err)
			}
			if r.Key != c.key || r.URL != c.url || r.Owner != c.owner || r.Platform != c.platform {
				t.Fatalf("got key %q url %q owner %q platform %q", r.Key, r.URL, r.Owner, r.Platform)
			}
		})
	}
}

func TestParseLocal(t *testing.T) {
	r, err := Parse("/srv/repos/project.git")
	if err != nil || !r.Local || r.URL != "/srv/repos/project.git" || r.Key != "local/srv/repos/project.git" || r.Name != "project" {
		t.Fatalf("%+v %v", r, err)
	}
	f, err := Parse("file:///srv/repos/project.git")
	if err != nil || f.Local || f.Scheme != "file" || f.URL != "file:///srv/repos/project.git" {
		t.Fatalf("file URL: %+v %v", f, err)
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"empty":          "",
		"too long":       "https://github.com/" + strings.Repeat("a", 3000),
		"control chars":  "https://github.com/a\x01b/c",
		"inner space":    "https://github.com/a b/c",
		"ext transport":  "ext::sh -c touch% /tmp/pwned",
		"fd transport":   "fd::17",
		"option":         "--upload-pack=touch",
		"tilde":          "~/repo",
		"unknown scheme": "ftp://github.com/a/b",
		"host only":      "https://github.com",
		"one segment":    "https://github.com/owner",
		"dot dot":        "https://example.com/a/../b",
		"dash segment":   "https://example.com/-a/b",
		"no scheme":      "github.com-owner-repo",
		"bad azure":      "https://dev.azure.com/org/proj",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(raw); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %v, want ErrInvalid", raw, err)
			}
		})
	}
}

type fakeResolver map[string][]string

func (f fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, a := range f[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, errors.New("no such host")
	}
	return out, nil
}

func TestVet(t *testing.T) {
	res := fakeResolver{
		"github.com": {"140.82.112.3"}, "internal.example": {"10.1.2.3"}, "mixed.example": {"8.8.8.8", "127.0.0.1"},
		"v6.example": {"fd00::1"}, "pub.example": {"93.184.216.34"}, "cafe.be": {"93.184.216.35"},
	}
	def := DefaultPolicy()
	def.Resolver = res
	any := def
	any.AllowedHosts = []string{"*"}
	cases := []struct {
		name   string
		policy func(Policy) Policy
		raw    string
		reason string // "" = allowed
	}{
		{"github https", nil, "https://github.com/a/b", ""},
		{"http refused", nil, "http://github.com/a/b", "ALLOW_HTTP_GIT"},
		{"http allowed", func(p Policy) Policy { p.AllowHTTP = true; return p }, "http://github.com/a/b", ""},
		{"ssh refused", nil, "git@github.com:a/b.git", "scheme ssh"},
		{"git protocol refused", nil, "git://github.com/a/b", "scheme git"},
		{"credentials", nil, "https://user:tok3n@github.com/a/b", "credentials"},
		{"token user", nil, "https://tok3n@github.com/a/b", "credentials"},
		{"host not listed", nil, "https://pub.example/a/b", "ALLOWED_GIT_HOSTS"},
		{"any host public", func(Policy) Policy { return any }, "https://pub.example/a/b", ""},
		{"hex-like domain", func(Policy) Policy { return any }, "https://cafe.be/a/b", ""},
		{"private resolved", func(Policy) Policy { return any }, "https://internal.example/a/b", "not public"},
		{"one bad address", func(Policy) Policy { return any }, "https://mixed.example/a/b", "not public"},
		{"ula", func(Policy) Policy { return any }, "https://v6.example/a/b", "not public"},
		{"loopback literal", func(Policy) Policy { return any }, "https://127.0.0.1/a/b", "not public"},
		{"link-local", func(Policy) Policy { return any }, "https://169.254.169.254/a/b", "not public"},
		{"cgnat", func(Policy) Policy { return any }, "https://100.64.1.1/a/b", "not public"},
		{"zero net", func(Policy) Policy { return any }, "https://0.0.0.0/a/b", "not public"},
		{"mapped v6", func(Policy) Policy { return any }, "https://[::ffff:127.0.0.1]/a/b", "not public"},
		{"compat v6", func(Policy) Policy { return any }, "https://[::10.0.0.1]/a/b", "not public"},
		{"v6 loopback", func(Policy) Policy { return any }, "https://[::1]/a/b", "not public"},
		{"multicast", func(Policy) Policy { return any }, "https://224.0.0.1/a/b", "not public"},
		{"decimal ip", func(Policy) Policy { return any }, "https://2130706433/a/b", "IP address"},
		{"hex ip", func(Policy) Policy { return any }, "https://0x7f.1/a/b", "IP address"},
		{"private allowed", func(Policy) Policy { p := any; p.AllowPrivate = true; return p }, "https://127.0.0.1/a/b", ""},
		{"private still needs list", func(p Policy) Policy { p.AllowPrivate = true; return p }, "https://127.0.0.1/a/b", "ALLOWED_GIT_HOSTS"},
		{"local path refused", nil, "/srv/repo", "ALLOW_LOCAL_REPOS"},
		{"file url refused", nil, "file:///srv/repo", "ALLOW_LOCAL_REPOS"},
		{"local allowed", func(p Policy) Policy { p.AllowLocal = true; return p }, "/srv/repo", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := def
			if c.policy != nil {
				p = c.policy(def)
			}
			_, err := p.Vet(context.Background(), c.raw)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err = %v, want refusal mentioning %q", err, c.reason)
			}
			if strings.Contains(err.Error(), "tok3n") {
				t.Fatal("error leaks the credential")
			}
		})
	}
	if _, err := any.Vet(context.Background(), "https://nowhere.example/a/b"); err == nil || !strings.Contains(err.Error(), "could not be resolved") {
		t.Fatalf("unresolvable host: %v", err)
	}
}

func TestPolicyFromEnv(t *testing.T) {
	env := map[string]string{"ALLOWED_GIT_HOSTS": " GitHub.com, git.example.org ,", "ALLOW_HTTP_GIT": "true", "ALLOW_LOCAL_REPOS": "1"}
	p, err := PolicyFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.AllowedHosts, ",") != "github.com,git.example.org" || !p.AllowHTTP || !p.AllowLocal || p.AllowPrivate {
		t.Fatalf("%+v", p)
	}
	env["ALLOW_PRIVATE_GIT_HOSTS"] = "maybe"
	if _, err := PolicyFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "ALLOW_PRIVATE_GIT_HOSTS") {
		t.Fatalf("bad boolean: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://github.com/a/b", "git@host:a/b.git", "/tmp/x", "https://dev.azure.com/o/p/_git/r", "file:///a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, err := Parse(raw)
		if err != nil || r.Local || r.Scheme == "file" {
			return
		}
		again, err := Parse(r.URL)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its URL %q does not parse: %v", raw, r.URL, err)
		}
		if again.Key != r.Key {
			t.Fatalf("key of %q is %q, of its URL %q is %q", raw, r.Key, r.URL, again.Key)
		}
	})
}
