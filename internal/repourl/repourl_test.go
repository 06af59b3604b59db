package repourl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the credential in test URLs; no error message may contain it.
const secret = "s3cr3t"

// parseCases are inputs and the exact Repo Parse returns for them.
var parseCases = []struct {
	name string
	raw  string
	want Repo
}{
	{"github https", "https://github.com/Owner/Repo",
		Repo{URL: "https://github.com/Owner/Repo.git", Key: "github.com/owner/repo", Scheme: "https", Host: "github.com", Owner: "Owner", Name: "Repo", Platform: PlatformGitHub}},
	{"github http", "http://github.com:80/owner/repo",
		Repo{URL: "http://github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "http", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"github scp-like", "git@github.com:owner/repo.git",
		Repo{URL: "git@github.com:owner/repo.git", Key: "github.com/owner/repo", Scheme: "ssh", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"github scp-like absolute path", "git@GitHub.com:/owner/repo",
		Repo{URL: "git@github.com:owner/repo.git", Key: "github.com/owner/repo", Scheme: "ssh", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"github ssh default port", "ssh://git@github.com:22/owner/repo",
		Repo{URL: "ssh://git@github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "ssh", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"github ssh other port", "ssh://git@github.com:2222/owner/repo",
		Repo{URL: "ssh://git@github.com:2222/owner/repo.git", Key: "github.com/owner/repo", Scheme: "ssh", Host: "github.com:2222", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"git+ssh alias", "git+ssh://git@github.com/owner/repo",
		Repo{URL: "ssh://git@github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "ssh", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"git protocol", "GIT://github.com:9418/owner/repo",
		Repo{URL: "git://github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "git", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"github browser url", "https://github.com/owner/repo/blob/main/README.md?plain=1#L3",
		Repo{URL: "https://github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "https", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"credentials stay in the URL but not the key", "https://user:" + secret + "@github.com/owner/repo",
		Repo{URL: "https://user:" + secret + "@github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "https", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"empty user-info dropped", "https://@github.com/owner/repo",
		Repo{URL: "https://github.com/owner/repo.git", Key: "github.com/owner/repo", Scheme: "https", Host: "github.com", Owner: "owner", Name: "repo", Platform: PlatformGitHub}},
	{"gitlab subgroup keeps case in URL", "https://gitlab.com/Group/Sub/Repo",
		Repo{URL: "https://gitlab.com/Group/Sub/Repo.git", Key: "gitlab.com/group/sub/repo", Scheme: "https", Host: "gitlab.com", Owner: "Group/Sub", Name: "Repo", Platform: PlatformGitLab}},
	{"gitlab browser url", "https://gitlab.com/group/sub/repo/-/tree/main/docs",
		Repo{URL: "https://gitlab.com/group/sub/repo.git", Key: "gitlab.com/group/sub/repo", Scheme: "https", Host: "gitlab.com", Owner: "group/sub", Name: "repo", Platform: PlatformGitLab}},
	{"gitlab scp-like", "git@gitlab.com:group/sub/repo.git",
		Repo{URL: "git@gitlab.com:group/sub/repo.git", Key: "gitlab.com/group/sub/repo", Scheme: "ssh", Host: "gitlab.com", Owner: "group/sub", Name: "repo", Platform: PlatformGitLab}},
	{"bitbucket browser url", "https://bitbucket.org/Team/Repo/src/main/",
		Repo{URL: "https://bitbucket.org/Team/Repo.git", Key: "bitbucket.org/team/repo", Scheme: "https", Host: "bitbucket.org", Owner: "Team", Name: "Repo", Platform: PlatformBitbucket}},
	{"codeberg", "https://codeberg.org/Forgejo/Forgejo/src/branch/forgejo",
		Repo{URL: "https://codeberg.org/Forgejo/Forgejo.git", Key: "codeberg.org/forgejo/forgejo", Scheme: "https", Host: "codeberg.org", Owner: "Forgejo", Name: "Forgejo", Platform: PlatformOther}},
	{"azure", "https://dev.azure.com/Org/Project/_git/Repo",
		Repo{URL: "https://dev.azure.com/Org/Project/_git/Repo", Key: "dev.azure.com/org/project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "Org/Project", Name: "Repo", Platform: PlatformAzure}},
	{"azure organisation user-info dropped", "https://org@dev.azure.com/org/project/_git/repo",
		Repo{URL: "https://dev.azure.com/org/project/_git/repo", Key: "dev.azure.com/org/project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/project", Name: "repo", Platform: PlatformAzure}},
	{"azure other user-info kept", "https://someone@dev.azure.com/org/project/_git/repo",
		Repo{URL: "https://someone@dev.azure.com/org/project/_git/repo", Key: "dev.azure.com/org/project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/project", Name: "repo", Platform: PlatformAzure}},
	{"azure project with a space", "https://dev.azure.com/org/My%20Project/_git/repo?path=/README.md",
		Repo{URL: "https://dev.azure.com/org/My%20Project/_git/repo", Key: "dev.azure.com/org/my project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/My Project", Name: "repo", Platform: PlatformAzure}},
	{"azure project left out", "https://dev.azure.com/org/_git/repo",
		Repo{URL: "https://dev.azure.com/org/repo/_git/repo", Key: "dev.azure.com/org/repo/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/repo", Name: "repo", Platform: PlatformAzure}},
	{"visualstudio.com", "https://org.visualstudio.com/project/_git/repo",
		Repo{URL: "https://dev.azure.com/org/project/_git/repo", Key: "dev.azure.com/org/project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/project", Name: "repo", Platform: PlatformAzure}},
	{"visualstudio.com DefaultCollection", "https://Org.VisualStudio.com/DefaultCollection/project/_git/repo",
		Repo{URL: "https://dev.azure.com/org/project/_git/repo", Key: "dev.azure.com/org/project/repo", Scheme: "https", Host: "dev.azure.com", Owner: "org/project", Name: "repo", Platform: PlatformAzure}},
	{"azure ssh", "git@ssh.dev.azure.com:v3/org/project/repo",
		Repo{URL: "git@ssh.dev.azure.com:v3/org/project/repo", Key: "dev.azure.com/org/project/repo", Scheme: "ssh", Host: "ssh.dev.azure.com", Owner: "org/project", Name: "repo", Platform: PlatformAzure}},
	{"other host keeps the path as given", "https://Git.Example.com:8443/Team/Repo.git/",
		Repo{URL: "https://git.example.com:8443/Team/Repo.git", Key: "git.example.com:8443/Team/Repo", Scheme: "https", Host: "git.example.com:8443", Owner: "Team", Name: "Repo", Platform: PlatformOther}},
	{"other host without .git", "https://git.example.com:443/team/repo",
		Repo{URL: "https://git.example.com/team/repo", Key: "git.example.com/team/repo", Scheme: "https", Host: "git.example.com", Owner: "team", Name: "repo", Platform: PlatformOther}},
	{"other host top-level repository", "git@git.example.com:repo.git",
		Repo{URL: "git@git.example.com:repo.git", Key: "git.example.com/repo", Scheme: "ssh", Host: "git.example.com", Name: "repo", Platform: PlatformOther}},
	{"other host scp-like absolute path", "git.example.com:/srv/git/repo.git",
		Repo{URL: "git.example.com:/srv/git/repo.git", Key: "git.example.com/srv/git/repo", Scheme: "ssh", Host: "git.example.com", Owner: "srv/git", Name: "repo", Platform: PlatformOther}},
	{"self-hosted gitlab browser url", "https://git.example.com/group/repo/-/tree/main",
		Repo{URL: "https://git.example.com/group/repo", Key: "git.example.com/group/repo", Scheme: "https", Host: "git.example.com", Owner: "group", Name: "repo", Platform: PlatformOther}},
	{"percent-encoding normalised", "https://git.example.com/t%65am/r%C3%A9po",
		Repo{URL: "https://git.example.com/team/r%C3%A9po", Key: "git.example.com/team/répo", Scheme: "https", Host: "git.example.com", Owner: "team", Name: "répo", Platform: PlatformOther}},
	{"decimal IPv4", "http://2130706433/o/r",
		Repo{URL: "http://127.0.0.1/o/r", Key: "127.0.0.1/o/r", Scheme: "http", Host: "127.0.0.1", Owner: "o", Name: "r", Platform: PlatformOther}},
	{"hexadecimal IPv4", "https://0x7f.1/o/r",
		Repo{URL: "https://127.0.0.1/o/r", Key: "127.0.0.1/o/r", Scheme: "https", Host: "127.0.0.1", Owner: "o", Name: "r", Platform: PlatformOther}},
	{"octal IPv4", "https://0177.0.0.01/o/r",
		Repo{URL: "https://127.0.0.1/o/r", Key: "127.0.0.1/o/r", Scheme: "https", Host: "127.0.0.1", Owner: "o", Name: "r", Platform: PlatformOther}},
	{"IPv6", "https://[2001:DB8:0::1]:8443/o/r",
		Repo{URL: "https://[2001:db8::1]:8443/o/r", Key: "[2001:db8::1]:8443/o/r", Scheme: "https", Host: "[2001:db8::1]:8443", Owner: "o", Name: "r", Platform: PlatformOther}},
	{"IPv6 scp-like", "git@[::1]:repo",
		Repo{URL: "git@[::1]:repo", Key: "[::1]/repo", Scheme: "ssh", Host: "[::1]", Name: "repo", Platform: PlatformOther}},
	{"local path", "/srv/git/repo.git",
		Repo{URL: "/srv/git/repo.git", Key: "local/srv/git/repo", Scheme: "file", Name: "repo", Platform: PlatformOther, Local: true}},
	{"local path cleaned", " /srv//git/./repo/ ",
		Repo{URL: "/srv/git/repo", Key: "local/srv/git/repo", Scheme: "file", Name: "repo", Platform: PlatformOther, Local: true}},
	{"local .git directory", "/srv/git/repo/.git",
		Repo{URL: "/srv/git/repo/.git", Key: "local/srv/git/repo", Scheme: "file", Name: "repo", Platform: PlatformOther, Local: true}},
	{"file url", "file:///srv/git/repo.git",
		Repo{URL: "file:///srv/git/repo.git", Key: "file/srv/git/repo", Scheme: "file", Name: "repo", Platform: PlatformOther}},
	{"file url cleaned", "FILE://localhost/srv//git/./r%C3%A9po/?x#y",
		Repo{URL: "file:///srv/git/r%C3%A9po", Key: "file/srv/git/répo", Scheme: "file", Name: "répo", Platform: PlatformOther}},
	{"file url with a space", "file:///srv/git/my%20repo",
		Repo{URL: "file:///srv/git/my%20repo", Key: "file/srv/git/my repo", Scheme: "file", Name: "my repo", Platform: PlatformOther}},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.raw)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.raw, err)
			}
			if got != c.want {
				t.Errorf("Parse(%q) =\n\t%+v\nwant\n\t%+v", c.raw, got, c.want)
			}
		})
	}
}

// TestParseSameKey checks that the spellings of one repository share a Key.
func TestParseSameKey(t *testing.T) {
	cases := []struct {
		name string
		key  string
		raws []string
	}{
		{"github", "github.com/owner/repo", []string{
			"https://github.com/owner/repo",
			"https://github.com/Owner/Repo",
			"https://github.com/owner/repo.git",
			"https://github.com/owner/repo/",
			"https://github.com/owner/repo.git/",
			"  https://GitHub.COM/owner/repo  ",
			"https://github.com./owner/repo",
			"HTTPS://github.com:443/owner/repo",
			"https://github.com:0443/owner/repo",
			"http://github.com/owner/repo",
			"http://github.com:80/owner/repo",
			"https://github.com/owner/repo?tab=readme-ov-file#readme",
			"https://github.com/owner/repo/tree/main",
			"https://github.com/owner/repo/tree/main/docs/",
			"https://github.com/owner/repo/blob/main/README.md",
			"https://github.com/owner/repo/pull/1",
			"https://user:" + secret + "@github.com/owner/repo",
			"git@github.com:owner/repo.git",
			"git@github.com:Owner/Repo",
			"github.com:owner/repo",
			"ssh://git@github.com/owner/repo.git",
			"ssh://git@github.com:22/owner/repo",
			"git+ssh://git@github.com/owner/repo",
			"ssh+git://git@github.com/owner/repo",
			"git://github.com/owner/repo.git",
			"git://github.com:9418/owner/repo",
		}},
		{"gitlab", "gitlab.com/group/sub/repo", []string{
			"https://gitlab.com/group/sub/repo",
			"https://gitlab.com/Group/Sub/Repo.git",
			"https://gitlab.com/group/sub/repo/-/tree/main",
			"https://gitlab.com/group/sub/repo/-/blob/main/x.go",
			"git@gitlab.com:group/sub/repo.git",
			"ssh://git@gitlab.com/group/sub/repo",
		}},
		{"bitbucket", "bitbucket.org/team/repo", []string{
			"https://bitbucket.org/Team/Repo",
			"https://bitbucket.org/team/repo.git",
			"https://bitbucket.org/team/repo/src/main/",
			"git@bitbucket.org:team/repo.git",
		}},
		{"codeberg", "codeberg.org/forgejo/forgejo", []string{
			"https://codeberg.org/Forgejo/Forgejo",
			"https://codeberg.org/forgejo/forgejo.git",
			"https://codeberg.org/forgejo/forgejo/src/branch/forgejo",
			"git@codeberg.org:forgejo/forgejo.git",
		}},
		{"azure", "dev.azure.com/org/project/repo", []string{
			"https://dev.azure.com/org/project/_git/repo",
			"https://dev.azure.com/Org/Project/_git/Repo",
			"https://org@dev.azure.com/org/project/_git/repo",
			"https://dev.azure.com/org/project/_git/repo?path=/README.md&version=GBmain",
			"https://dev.azure.com/org/project/_git/repo/pullrequest/1",
			"https://org.visualstudio.com/project/_git/repo",
			"https://org.visualstudio.com/DefaultCollection/project/_git/repo",
			"git@ssh.dev.azure.com:v3/org/project/repo",
			"ssh://git@ssh.dev.azure.com/v3/org/project/repo",
			"org@vs-ssh.visualstudio.com:v3/org/project/repo",
		}},
		{"other host", "git.example.com/team/repo", []string{
			"https://git.example.com/team/repo",
			"https://git.example.com/team/repo.git",
			"https://GIT.example.com:443/team/repo/",
			"git@git.example.com:team/repo.git",
			"ssh://git@git.example.com/team/repo.git",
		}},
		{"IPv4 spellings", "127.0.0.1/o/r", []string{
			"https://127.0.0.1/o/r",
			"https://2130706433/o/r",
			"https://0x7f000001/o/r",
			"https://017700000001/o/r",
			"https://0x7f.1/o/r",
			"https://0x7F.0.0.1/o/r",
			"https://0177.0.0.1/o/r",
			"https://127.1/o/r",
			"https://127.0.1/o/r",
			"git@0x7f.1:o/r",
		}},
		{"local", "local/srv/git/repo", []string{
			"/srv/git/repo",
			"/srv/git/repo/",
			"/srv/git/repo.git",
			"/srv/git/repo/.git",
			"/srv//git/./repo",
		}},
		{"file URL", "file/srv/git/repo", []string{
			"file:///srv/git/repo",
			"file:///srv/git/repo/",
			"file:///srv/git/repo.git",
			"file:///srv/git/repo/.git",
			"file:///srv//git/./repo",
			"file://localhost/srv/git/repo",
			"File://LOCALHOST/srv/git/%72epo",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, raw := range c.raws {
				r, err := Parse(raw)
				if err != nil {
					t.Errorf("Parse(%q): %v", raw, err)
				} else if r.Key != c.key {
					t.Errorf("Parse(%q).Key = %q, want %q", raw, r.Key, c.key)
				}
			}
		})
	}
}

// TestParseDistinctKeys checks that different repositories keep apart.
func TestParseDistinctKeys(t *testing.T) {
	cases := []struct{ name, a, b string }{
		{"different name", "https://github.com/owner/repo", "https://github.com/owner/repo2"},
		{"different owner", "https://github.com/owner/repo", "https://github.com/other/repo"},
		{"different host", "https://github.com/owner/repo", "https://gitlab.com/owner/repo"},
		{"gitlab subgroup", "https://gitlab.com/group/repo", "https://gitlab.com/group/sub/repo"},
		{"case on other hosts", "https://git.example.com/Team/repo", "https://git.example.com/team/repo"},
		{"port on other hosts", "https://git.example.com:8443/team/repo", "https://git.example.com/team/repo"},
		{"azure project", "https://dev.azure.com/org/a/_git/repo", "https://dev.azure.com/org/b/_git/repo"},
		{"local and remote", "/git.example.com/team/repo", "https://git.example.com/team/repo"},
		{"local path read in place and file URL mirrored", "/srv/git/repo", "file:///srv/git/repo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, errA := Parse(c.a)
			b, errB := Parse(c.b)
			if errA != nil || errB != nil {
				t.Fatalf("Parse: %v, %v", errA, errB)
			}
			if a.Key == b.Key {
				t.Errorf("%q and %q share the key %q", c.a, c.b, a.Key)
			}
		})
	}
}

func TestParseRelativeLocal(t *testing.T) {
	t.Chdir(t.TempDir())
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, raw, url, key string }{
		{"dot slash", "./repo", filepath.Join(dir, "repo"), "local" + filepath.Join(dir, "repo")},
		{"dot slash .git", "./repo.git/", filepath.Join(dir, "repo.git"), "local" + filepath.Join(dir, "repo")},
		{"nested", "./a/./b", filepath.Join(dir, "a", "b"), "local" + filepath.Join(dir, "a", "b")},
		{"dot", ".", dir, "local" + dir},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(c.raw)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.raw, err)
			}
			if r.URL != c.url || r.Key != c.key || !r.Local || r.Scheme != "file" {
				t.Errorf("Parse(%q) = %+v, want URL %q and Key %q, local", c.raw, r, c.url, c.key)
			}
		})
	}
}

// parseErrorCases are inputs Parse rejects, and a part of the reason.
var parseErrorCases = []struct{ name, raw, want string }{
	{"empty", "", "invalid repository URL: empty"},
	{"blank", " \t\n ", "empty"},
	{"too long", "https://github.com/owner/" + strings.Repeat("r", MaxLength), "bytes long; the limit is 2048"},
	{"too long once normalised", "https://git.example.com/" + strings.Repeat("é", 1000), "once normalised; the limit is 2048"},
	{"NUL", "https://github.com/owner/repo\x00", "control character U+0000 at byte 29"},
	{"newline inside", "https://github.com/owner\n/repo", "control character U+000A"},
	{"DEL", "https://github.com/owner/re\x7fpo", "control character U+007F"},
	{"bidi override", "https://github.com/owner/re\u202epo", "control character U+202E"},
	{"space inside", "https://github.com/owner/my repo", "white space (U+0020) at byte 27"},
	{"no-break space inside", "https://github.com/owner/my\u00a0repo", "white space (U+00A0)"},
	{"invalid UTF-8", "https://github.com/\xff/repo", "not valid UTF-8"},
	{"encoded NUL", "https://git.example.com/team/re%00po", "the path contains control character U+0000"},
	{"encoded newline", "https://git.example.com/team/re%0Apo", "the path contains control character U+000A"},
	{"encoded invalid UTF-8", "https://git.example.com/team/%ff", "the path is not valid UTF-8"},
	{"ext transport", "ext::sh -c touch% /tmp/pwned", `remote-helper transport "ext" is not supported`},
	{"fd transport", "fd::17/repo", `transport "fd" is not supported`},
	{"other transport", "persistent-https::https://github.com/owner/repo", `transport "persistent-https" is not supported`},
	{"transport with slashes", "ext::ssh://host/x", `transport "ext" is not supported`},
	{"unknown scheme", "ftp://example.com/owner/repo", `unsupported scheme "ftp"; want https, http, ssh, git or file`},
	{"javascript scheme", "javascript://x/%0Aalert(1)", `unsupported scheme "javascript"`},
	{"missing slashes", "https:github.com/owner/repo", `missing "//" after "https:"`},
	{"one slash", "https:/github.com/owner/repo", `missing "//" after "https:"`},
	{"no scheme", "github.com/owner/repo", "no scheme"},
	{"bare name", "repo", "no scheme"},
	{"home directory", "~/repo", `"~" is not expanded`},
	{"other home directory", "~alice/repo", `"~" is not expanded`},
	{"host only", "https://github.com", "no repository path"},
	{"host and slash", "https://github.com/", "no repository path"},
	{"host and query", "https://git.example.com?x=1", "no repository path"},
	{"scp-like host only", "git@github.com:", "no repository path"},
	{"scp-like root", "git.example.com:/", "no repository path"},
	{"scp-like path starting with a colon", "git@git.example.com::repo", `an scp-like path must not start with ":"`},
	{"scp-like owner starting with a colon", "github.com:/:owner/repo", `an scp-like path must not start with ":"`},
	{"github owner only", "https://github.com/owner", "a github.com URL needs /owner/name"},
	{"gitlab group only", "https://gitlab.com/group/-/tree/main", "a gitlab.com URL needs /group/name"},
	{"browser page only", "https://git.example.com/-/explore", "no repository path"},
	{"empty name", "https://github.com/owner/.git", "the repository name is empty"},
	{"empty path component", "https://git.example.com/team//repo", `empty path component ("//")`},
	{"dot-dot", "https://git.example.com/team/../repo", `path component ".." is not allowed`},
	{"encoded dot-dot", "https://git.example.com/team/%2e%2E/repo", `path component ".." is not allowed`},
	{"dot", "https://github.com/./owner/repo", `path component "." is not allowed`},
	{"scp-like dot-dot", "git@github.com:../owner/repo", `path component ".." is not allowed`},
	{"file url dot-dot", "file:///srv/%2e%2e/repo", `path component ".." is not allowed`},
	{"encoded slash", "https://git.example.com/team%2Frepo/x", `encoded "/" (%2F) in the path is not allowed`},
	{"ssh host option", "ssh://-oProxyCommand=calc/owner/repo", `host "-oproxycommand=calc" starts with "-"`},
	{"scp-like host option", "-oProxyCommand=calc:owner/repo", `host "-oproxycommand=calc" starts with "-"`},
	{"https host option", "https://-x.example.com/owner/repo", `starts with "-"`},
	{"ssh user option", "ssh://-oProxyCommand=calc@github.com/owner/repo", `the user name starts with "-"`},
	{"scp-like user option", "-oProxyCommand=calc@github.com:owner/repo", `the user name starts with "-"`},
	{"scp-like path option", "git@github.com:--upload-pack=touch/repo", `path component "--upload-pack=touch" starts with "-"`},
	{"path option", "https://git.example.com/team/-repo", `path component "-repo" starts with "-"`},
	{"no host", "https:///owner/repo", "no host"},
	{"scp-like no host", "git@:owner/repo", "no host"},
	{"bad host character", "https://exa_mple.com/owner/repo", `host "exa_mple.com" contains '_'`},
	{"empty host label", "https://git..example.com/owner/repo", `host "git..example.com" has an empty label`},
	{"five-part IPv4", "https://1.2.3.4.5/owner/repo", `host "1.2.3.4.5" looks like an IPv4 address but is not one`},
	{"IPv4 part too big", "https://256.1.1.1/owner/repo", "looks like an IPv4 address"},
	{"IPv4 too big", "https://4294967296/owner/repo", "looks like an IPv4 address"},
	{"bad octal", "https://08.1.1.1/owner/repo", "looks like an IPv4 address"},
	{"bare hex prefix", "https://example.0x/owner/repo", "looks like an IPv4 address"},
	{"bracketed IPv4", "git@[127.0.0.1]:owner/repo", "host [127.0.0.1] is not an IPv6 address"},
	{"bracketed IPv4 in a URL", "https://[127.0.0.1]/owner/repo", "invalid IP-literal"},
	{"IPv6 zone", "https://[fe80::1%25eth0]/owner/repo", "IPv6 zone in host [fe80::1%eth0] is not allowed"},
	{"port zero", "https://github.com:0/owner/repo", `port "0" is not a number from 1 to 65535`},
	{"port too big", "https://github.com:65536/owner/repo", `port "65536" is not a number from 1 to 65535`},
	{"port not a number", "https://github.com:x/owner/repo", `invalid port ":x" after host`},
	{"bad escape", "https://github.com/owner/repo%zz", `invalid URL escape "%zz"`},
	{"azure without _git", "https://dev.azure.com/org/project/repo", "an Azure DevOps URL looks like https://dev.azure.com/organization/project/_git/repository"},
	{"azure without name", "https://dev.azure.com/org/project/_git/", "an Azure DevOps URL looks like"},
	{"azure without organisation", "https://dev.azure.com/_git/repo", "an Azure DevOps URL looks like"},
	{"azure ssh without v3", "git@ssh.dev.azure.com:org/project/repo", "an Azure DevOps SSH path looks like v3/organization/project/repository"},
	{"file url with host", "file://example.com/srv/repo", `a file URL must not name a host ("example.com")`},
	{"file url with user-info", "file://me@localhost/srv/repo", "a file URL must not have user-info"},
	{"file url without path", "file://localhost", "a file URL needs an absolute path"},
	{"file url encoded NUL", "file:///srv/re%00po", "the path contains control character U+0000"},
	{"root", "/", `the local path "/" names no repository`},
	{"file url root", "file:///", "names no repository"},
	{"root .git", "/.git", "names no repository"},
	// Errors never quote user-info, which may be a credential.
	{"credentials and dot-dot", "https://user:" + secret + "@github.com/owner/../repo", `path component ".."`},
	{"credentials and bad port", "https://" + secret + "@github.com:99999/owner/repo", `port "99999"`},
	{"credentials and no path", "https://user:" + secret + "@github.com", "no repository path"},
	{"credentials and bad escape", "https://user:" + secret + "%zz@github.com/owner/repo", "the user-info is not validly percent-encoded"},
	{"credentials and bad scheme", "ftp://user:" + secret + "@example.com/owner/repo", `unsupported scheme "ftp"`},
	{"credentials and control character", "https://user:" + secret + "%07@github.com/owner/repo", "the user-info contains control character U+0007"},
}

func TestParseErrors(t *testing.T) {
	for _, c := range parseErrorCases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(c.raw)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error containing %q", c.raw, r, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", c.raw, err, c.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q) error %q does not wrap ErrInvalid", c.raw, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Parse(%q) error %q reveals the credential", c.raw, err)
			}
			if r != (Repo{}) {
				t.Errorf("Parse(%q) returned %+v with its error, want the zero Repo", c.raw, r)
			}
		})
	}
}

func TestLocalPathWithDotDot(t *testing.T) {
	r, err := Parse("../other/./repo")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Local || strings.Contains(r.URL, "..") || !strings.HasSuffix(r.URL, "/other/repo") {
		t.Fatalf("Parse(../other/./repo) = %+v, want a clean absolute local path", r)
	}
}
