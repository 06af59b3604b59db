package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func newGit(t testing.TB) *Git {
	t.Helper()
	g, err := New(context.Background(), Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestDynamicArgumentsCannotBeOptions(t *testing.T) {
	g := newGit(t)
	for _, v := range []string{"--upload-pack=touch /tmp/x", "-c", "a\x00b"} {
		err := g.Command("").Args("ls-remote").AddDynamic(v).Run(context.Background())
		if err == nil || errors.As(err, new(*Error)) {
			t.Errorf("AddDynamic(%q): err = %v, want a refusal before git runs", v, err)
		}
	}
	if err := g.Command(t.TempDir()).Args("log").AddRevisions("--output=/tmp/x").Run(context.Background()); err == nil {
		t.Error("a revision that looks like an option was accepted")
	}
}

func TestErrorCarriesExitCodeAndMasksSecrets(t *testing.T) {
	g := newGit(t)
	err := g.Command(t.TempDir()).Args("rev-parse", "--verify").
		AddDynamic("https://user:s3cret@example.com/x").Secret("s3cret").Run(context.Background())
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if ge.ExitCode != 128 {
		t.Errorf("exit code %d, want 128", ge.ExitCode)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "user:") {
		t.Errorf("secret leaked: %v", err)
	}
}

func TestMaskURLCredentials(t *testing.T) {
	got := MaskURLCredentials("fatal: https://x-access-token:ghp_abc@github.com/o/r.git and http://u@h/p")
	if strings.Contains(got, "ghp_abc") || strings.Contains(got, "u@h") || !strings.Contains(got, "https://***@github.com/o/r.git") {
		t.Fatalf("got %q", got)
	}
}

func TestConfigTravelsInEnvironmentNotArgv(t *testing.T) {
	g := newGit(t)
	out, err := g.Command("").Config("gitpulse.probe", "value-123").Args("config", "--get", "gitpulse.probe").Output(context.Background())
	if err != nil || strings.TrimSpace(string(out)) != "value-123" {
		t.Fatalf("out %q err %v", out, err)
	}
}

// TestManyDiffsSettings checks that a git process that diffs many blobs
// (LogNumstat's) sees its delta base cache size and gets its malloc
// settings.
func TestManyDiffsSettings(t *testing.T) {
	g := newGit(t)
	c := g.Command("").forManyDiffs()
	if !slices.Contains(c.env, diffMalloc) {
		t.Errorf("environment %q lacks %q", c.env, diffMalloc)
	}
	out, err := c.Args("config", "--get", "core.deltaBaseCacheLimit").Output(context.Background())
	if err != nil || strings.TrimSpace(string(out)) != diffCache {
		t.Errorf("core.deltaBaseCacheLimit: out %q err %v, want %s", out, err, diffCache)
	}
}

func TestCancelKillsGitAndItsChildren(t *testing.T) {
	g := newGit(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A shell alias stands in for a slow git helper process: git starts a
	// shell, which starts sleep. All of them must die on cancel, or the
	// output pipe would stay open and Stream would not return.
	err := g.Command("").Config("alias.slow", "!sleep 30").Args("slow").Stream(ctx, func(r *os.File) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Stream returned after %v: the process group was not killed", d)
	}
}

// TestBackgroundLowersPriority: a Background command and the processes
// it starts (here a shell alias's) run at the SCHED_IDLE policy where
// chrt(1) is on the PATH, else at nice 19 where nice(1) is; a plain one
// does not, nor does any thread of the caller.
func TestBackgroundLowersPriority(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc: the priority cannot be read here")
	}
	for _, tool := range []string{"chrt", "nice", "cat", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: install util-linux and coreutils", tool)
		}
	}
	// priority returns the nice value and the scheduling policy (0 for
	// SCHED_OTHER, 5 for SCHED_IDLE) of a process c starts.
	priority := func(c *Command) (nice, policy string) {
		t.Helper()
		// cat's own stat: its 19th field is its nice value, its 41st its
		// policy (the command name, field 2, holds no space here). cat is
		// git's first helper, started as soon as git has read its
		// configuration.
		out, err := c.Config("alias.stat", "!cat /proc/self/stat").Args("stat").Output(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(out))
		if len(f) < 41 {
			t.Fatalf("/proc/self/stat: %q", out)
		}
		return f[18], f[40]
	}
	const other, idle = "0", "5"
	g := newGit(t)
	if !g.IdleBackground() {
		t.Error("IdleBackground = false with chrt on the PATH")
	}
	if nice, policy := priority(g.Command("").Background()); policy != idle || nice != "0" {
		t.Errorf("a process a Background command started: nice %s, policy %s; want nice 0, policy %s (SCHED_IDLE)", nice, policy, idle)
	}
	if nice, policy := priority(g.Command("")); policy != other || nice != "0" {
		t.Errorf("a plain command's process: nice %s, policy %s; want nice 0, policy %s", nice, policy, other)
	}

	// Without chrt: nice 19.
	bin := t.TempDir()
	for _, tool := range []string{"git", "nice", "cat", "sh"} {
		path, _ := exec.LookPath(tool)
		if err := os.Symlink(path, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	g = newGit(t)
	if g.IdleBackground() {
		t.Error("IdleBackground = true without chrt")
	}
	if nice, policy := priority(g.Command("").Background()); nice != fmt.Sprint(backgroundNice) || policy != other {
		t.Errorf("a process a Background command started without chrt: nice %s, policy %s; want nice %d, policy %s", nice, policy, backgroundNice, other)
	}
	if nice, _ := priority(g.Command("")); nice == fmt.Sprint(backgroundNice) {
		t.Errorf("nice of a plain command's process = %s, as a Background one's", nice)
	}

	// gitpulse itself keeps its priority: no thread of this process is
	// lowered.
	lowered := func() []string {
		stats, err := filepath.Glob("/proc/self/task/*/stat")
		if err != nil {
			t.Fatal(err)
		}
		var low []string
		for _, st := range stats {
			b, err := os.ReadFile(st)
			if err != nil {
				continue // the thread ended meanwhile
			}
			rest := string(b[bytes.LastIndexByte(b, ')')+1:]) // after the command name
			if f := strings.Fields(rest); len(f) > 38 && (f[16] != "0" || f[38] != other) {
				low = append(low, st+" at nice "+f[16]+", policy "+f[38])
			}
		}
		return low
	}
	if low := lowered(); len(low) > 0 {
		t.Errorf("threads of this process lowered: %v", low)
	}
}

func TestVersionCheck(t *testing.T) {
	if compareVersions("2.39.5", MinVersion) < 0 || compareVersions("2.38.9", MinVersion) >= 0 || compareVersions("2.45.1.windows.1", "2.39") <= 0 {
		t.Fatal("compareVersions")
	}
	if parseVersion("git version 2.39.5\n") != "2.39.5" || parseVersion("nonsense") != "" {
		t.Fatal("parseVersion")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	if _, err := New(context.Background(), Options{Path: "/nonexistent/git", Home: t.TempDir()}); err == nil {
		t.Fatal("a missing git binary was accepted")
	}
}

// metaRecord is one LogMetadata record: hash, parents, then the rest.
func metaRecord(hash, parents, authorDate, commitDate string) string {
	return strings.Join([]string{hash, parents, "Name", "e@x", authorDate, "C", "c@x", commitDate,
		"subject | pipe", "name", "E@x", "c", "c@x"}, "\x00") + "\x00"
}

func TestParseMetadataRejectsGarbage(t *testing.T) {
	for _, in := range []string{
		metaRecord("nothex", "", "1 +0000", "1 +0000"),
		strings.Repeat("a", 40) + "\x00\x00a\x00b\x00",
	} {
		if err := ParseMetadata(strings.NewReader(in), func(*CommitMeta) error { return nil }); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}

// TestParseMetadataUnreadableDates guards issue 11.3: git prints an empty
// date for a timestamp it cannot read; the commit is kept with UnknownTime.
func TestParseMetadataUnreadableDates(t *testing.T) {
	h := strings.Repeat("a", 40)
	in := metaRecord(h, h, "", "notadate") + metaRecord(h, "", "1700000000 +99999", "1700000000 -0130")
	var got []string
	err := ParseMetadata(strings.NewReader(in), func(c *CommitMeta) error {
		got = append(got, fmt.Sprintf("%d/%d %d/%d %d %s %s", c.AuthorTime, c.AuthorZone, c.CommitTime, c.CommitZone, c.Parents, c.Raw[0], c.Raw[1]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d/0 %d/0 1 name E@x|1700000000/0 1700000000/-90 0 name E@x", UnknownTime, UnknownTime)
	if strings.Join(got, "|") != want {
		t.Fatalf("got  %q\nwant %q", strings.Join(got, "|"), want)
	}
}

func TestParseNumstat(t *testing.T) {
	h1, h2 := strings.Repeat("a", 40), strings.Repeat("b", 64)
	in := h1 + "\x001\t2\tpath with\ttab\x00-\t-\tbin.dat\x00" + h2 + "\x00\n3\t0\tnew\nline\x00"
	var got []string
	err := ParseNumstat(strings.NewReader(in), func(hash []byte, files []FileStat) error {
		for _, f := range files {
			got = append(got, fmt.Sprintf("%c|%s|%d|%d|%v", hash[0], f.Path, f.Added, f.Deleted, f.Binary))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a|path with\ttab|1|2|false a|bin.dat|0|0|true b|new\nline|3|0|false"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q\nwant %q", strings.Join(got, " "), want)
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(metaRecord(strings.Repeat("a", 40), "", "1112911993 -0700", "1112911993 +0130")))
	f.Add([]byte(metaRecord(strings.Repeat("b", 64), strings.Repeat("c", 64), "", "-1 +0000")))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ParseMetadata(bytes.NewReader(data), func(c *CommitMeta) error {
			if len(c.Hash) != 40 && len(c.Hash) != 64 {
				t.Fatalf("accepted hash %q", c.Hash)
			}
			return nil
		})
	})
}

func FuzzParseNumstat(f *testing.F) {
	f.Add([]byte(strings.Repeat("a", 40) + "\x001\t2\tp q\x00-\t-\tb\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ParseNumstat(bytes.NewReader(data), func(hash []byte, files []FileStat) error {
			for _, fs := range files {
				if len(fs.Path) == 0 {
					t.Fatal("accepted an empty path")
				}
			}
			return nil
		})
	})
}

func TestRefs(t *testing.T) {
	ctx := context.Background()
	g := newGit(t)
	r := testrepo.New(t)
	r.Commit(testrepo.Commit{Message: "first\n\nbody", Files: map[string][]byte{"a": []byte("1")}, Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	r.Git("tag", "light")
	r.Git("branch", "feature")
	r.Commit(testrepo.Commit{Message: "second", Files: map[string][]byte{"a": []byte("2")}, Date: time.Date(2026, 2, 2, 3, 4, 5, 0, time.UTC)})
	r.Git("tag", "-a", "-m", "Release 1.0\n\nwith\x01odd bytes", "v1.0")
	r.Git("tag", "treetag", "HEAD^{tree}")
	// A tag as git made them in 2005: no tagger line, so no date of its own.
	raw := "object " + r.Git("rev-parse", "HEAD~1") + "\ntype commit\ntag v0.99\n\nAn old release\n"
	old, err := testrepo.Run(r.Dir, nil, []byte(raw), "hash-object", "-t", "tag", "-w", "--literally", "--stdin")
	if err != nil {
		t.Fatal(err)
	}
	r.Git("update-ref", "refs/tags/v0.99", strings.TrimSpace(string(old)))

	tags, err := g.Refs(ctx, filepath.Join(r.Dir, ".git"), Tags)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 3 {
		t.Fatalf("tags = %+v, want v1.0, light and v0.99 (the tree tag left out)", tags)
	}
	v1, light, v099 := tags[0], tags[1], tags[2]
	if v099.Name != "v0.99" || !v099.Annotated || v099.Author != "" || v099.Message != "An old release" || !v099.Date.Equal(light.Date) {
		t.Errorf("a tag without a tagger = %+v, want its commit's date %v", v099, light.Date)
	}
	tagger, _, _ := strings.Cut(r.Git("var", "GIT_COMMITTER_IDENT"), " <")
	if v1.Name != "v1.0" || !v1.Annotated || v1.Author != tagger || !strings.HasPrefix(v1.Message, "Release 1.0") || len(v1.Commit) != 40 {
		t.Errorf("annotated tag = %+v", v1)
	}
	if light.Name != "light" || light.Annotated || light.Message != "first\n\nbody" || !light.Date.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("lightweight tag = %+v", light)
	}
	heads, err := g.Refs(ctx, filepath.Join(r.Dir, ".git"), Branches)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range heads {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != r.Git("symbolic-ref", "--short", "HEAD")+",feature" {
		t.Errorf("branches = %v, want the newest first", names)
	}
	if _, err := g.Refs(ctx, filepath.Join(r.Dir, ".git"), "refs/remotes/"); err == nil {
		t.Error("an unknown namespace was accepted")
	}
}

// FuzzParseRefs: for-each-ref output, however damaged, is an error or a
// list of refs that each name a commit; never a panic.
func FuzzParseRefs(f *testing.F) {
	rec := func(fields ...string) string { return strings.Join(fields, "\x00") + "\x00\n" }
	hash := strings.Repeat("ab", 20)
	f.Add([]byte(rec("refs/tags/v1.0", "tag", hash, hash, "1700000000", "1690000000", "Tagger", "", "Release\n\nnotes")+
		rec("refs/tags/light", "commit", hash, "", "1690000000", "", "", "Author", "subject")), Tags)
	f.Add([]byte(rec("refs/tags/v0.99", "tag", hash, hash, "", "1112911993", "", "", "old")), Tags)
	f.Add([]byte(rec("refs/heads/main", "commit", hash, "", "1690000000", "", "", "A", "msg")), Branches)
	f.Add([]byte(rec("refs/tags/tree", "tree", hash, "", "", "", "", "", "")), Tags)
	f.Add([]byte(rec("refs/heads/x", "commit", hash, "", "not a date", "", "", "A", "m")), Branches)
	f.Add([]byte("\x00\x00\x00"), Branches)
	f.Add([]byte{}, Tags)
	f.Fuzz(func(t *testing.T, out []byte, namespace string) {
		refs, err := parseRefs(out, namespace)
		if err != nil {
			return
		}
		for _, r := range refs {
			if r.Commit == "" {
				t.Fatalf("ref %q names no commit", r.Name)
			}
		}
	})
}

// TestStreamPacedReadsEverything reads a long output through a paced pipe,
// sleeping between batches, and checks that it is all there, as a plain
// pipe reads it.
func TestStreamPacedReadsEverything(t *testing.T) {
	dir := testrepo.Generate(t, testrepo.Synthetic{Commits: 3000})
	g := newGit(t)
	ctx := context.Background()
	want, err := g.Command(dir).Args("log", "--format=%H %P %an %ae %s").Output(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	err = g.Command(dir).Args("log", "--format=%H %P %an %ae %s").streamPaced(ctx, nil, func(r io.Reader) (err error) {
		got, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4*pacedBatch || !bytes.Equal(got, want) {
		t.Fatalf("paced stream read %d bytes, a plain one %d (want the same, and more than %d)", len(got), len(want), 4*pacedBatch)
	}
}

// TestPacerPauseEndsWithContext: a pause in a paced read ends as soon as
// the command's context does, so stopping a build does not wait for it.
func TestPacerPauseEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := newPacer(ctx, strings.NewReader(strings.Repeat("x", 1024)), func(time.Duration) bool { return true })
	// 1 KiB in 10 ms: a batch of 64 KiB would take 630 ms more.
	p.start = time.Now().Add(-10 * time.Millisecond)
	start := time.Now()
	if n, err := p.Read(make([]byte, 4096)); n != 1024 || err != nil {
		t.Fatalf("Read = %d, %v; want 1024 bytes", n, err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("a read with its context ended paused %v", d)
	}
}
