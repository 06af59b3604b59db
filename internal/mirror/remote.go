package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/progress"
)

// remote is one repository being mirrored.
type remote struct {
	key  string
	url  string
	auth *Auth
	name string // base name of the mirror and its lock file
	dir  string // the mirror's git directory
	// background is a head start's: its commands run at the lowest
	// priority (see gitcli.Command.Background) and tell an HTTP server
	// what they are (HeadStartHeader).
	background bool
}

// HeadStartHeader is the HTTP header, as "Name: value", that a head
// start's requests carry (see Options.HeadStart): work done ahead of need,
// stopped whenever it is taken or dropped, so that a server (or a test)
// can tell its requests from the ones the mirror needs.
const HeadStartHeader = "X-Gitpulse-Fetch: head-start"

func (m *Manager) newRemote(key, url string, auth *Auth) *remote {
	return &remote{key: key, url: url, auth: auth, name: mirrorName(key), dir: m.Path(key)}
}

// netCommand vets r's URL again (DNS answers change) and starts a git
// command that talks to the remote, with a context bounded by the network
// timeout; call cancel when it ends. The addresses the vetting found are
// pinned (http.curloptResolve), so git connects to them and no other. A
// token travels as an HTTP header in the command's environment (never in
// argv, the URL or a config file) and only over HTTPS; redirects are
// refused so that a vetted URL cannot lead git elsewhere. The file
// transport, which git refuses by default, is allowed for file:// URLs:
// they were vetted.
func (m *Manager) netCommand(ctx context.Context, r *remote, gitDir string) (c *gitcli.Command, nctx context.Context, cancel context.CancelFunc, err error) {
	var pins []string
	if m.pin != nil {
		if pins, err = m.pin(ctx, r.url); err != nil {
			return nil, nil, nil, &pinError{err}
		}
	}
	if m.pin != nil && gitDir != "" {
		if err := m.keepPins(ctx, gitDir, pins); err != nil {
			return nil, nil, nil, err
		}
	}
	c = m.git.Command(gitDir)
	if r.background {
		c.Background().Config("http.extraHeader", HeadStartHeader)
	}
	for _, kv := range m.remoteConfig {
		c.Config(kv[0], kv[1])
	}
	for _, p := range pins {
		c.Config("http.curloptResolve", p)
	}
	switch {
	case strings.HasPrefix(r.url, "file://"):
		c.Config("protocol.file.allow", "always")
	case strings.HasPrefix(r.url, "https://"), strings.HasPrefix(r.url, "http://"):
		c.Config("http.followRedirects", "false")
	}
	nctx, cancel = context.WithTimeout(ctx, m.netTimeout)
	if r.auth == nil || r.auth.Token == "" {
		return c, nctx, cancel, nil
	}
	if !strings.HasPrefix(r.url, "https://") {
		m.log.Warn("token not sent: the repository URL is not HTTPS", "repo", r.key)
		return c, nctx, cancel, nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + r.auth.Token))
	return c.Config("http.extraHeader", "Authorization: Basic "+basic).Secret(r.auth.Token, basic), nctx, cancel, nil
}

// keepPins writes the addresses just vetted into the mirror's own config,
// replacing those vetted before, so that the fetches git starts by itself
// (a partial mirror's lazy fetches) connect to them too.
func (m *Manager) keepPins(ctx context.Context, gitDir string, pins []string) error {
	err := m.git.Command(gitDir).Args("config", "--unset-all", "http.curloptResolve").Run(ctx)
	// Exit code 5: the key was not set.
	if ge, ok := errors.AsType[*gitcli.Error](err); !ok || ge.ExitCode != 5 {
		if err != nil {
			return err
		}
	}
	for _, p := range pins {
		if err := m.git.Command(gitDir).Args("config", "--add", "http.curloptResolve").AddDynamic(p).Run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pinError is a failure to vet a URL before a network operation.
type pinError struct{ err error }

func (e *pinError) Error() string { return "vet repository address: " + e.err.Error() }
func (e *pinError) Unwrap() error { return e.err }

// canFilter reports whether the first clone may ask for commits only. A
// shallow source ignores the filter (git only warns: "filtering not
// recognized by server"), and git 2.39 then fetches the history the source
// lacks lazily, each fetch starting another, without end: a shallow source
// is cloned whole. Only file:// sources can be asked beforehand; on a
// remote that behaves so, the network timeout ends the clone.
func (m *Manager) canFilter(ctx context.Context, r *remote) bool {
	path, ok := strings.CutPrefix(r.url, "file://")
	if !ok {
		return true
	}
	out, err := m.git.Command("").Args("-C").AddDynamic(path).Args("rev-parse", "--is-shallow-repository").Output(ctx)
	if err != nil {
		return true // the clone says what is wrong with the source
	}
	return strings.TrimSpace(string(out)) != "true"
}

// mirrorConfig is what every mirror keeps in its own config, so that the
// fetches git starts by itself (a partial mirror's lazy fetches) obey the
// same rules as the commands gitpulse starts: no redirects.
var mirrorConfig = [][]gitcli.Arg{{"http.followRedirects", "false"}}

// secure writes mirrorConfig into an existing mirror's config.
func (m *Manager) secure(ctx context.Context, gitDir string) error {
	for _, kv := range mirrorConfig {
		if err := m.git.Command(gitDir).Args("config").Args(kv...).Run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// ensure clones, fetches or leaves alone r's mirror. It runs once per key
// at a time, under the key's lock.
func (m *Manager) ensure(ctx context.Context, r *remote, report func(progress.Progress)) (Result, error) {
	unlock, err := m.lock(ctx, r.name)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	st, err := m.readState(ctx, r.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return m.clone(ctx, r, report)
	case errors.Is(err, errCorrupt):
		m.log.Warn("replacing an unusable mirror", "repo", r.key)
		if err := m.removeLocked(r.name); err != nil {
			return Result{}, m.fail("clone", r, err)
		}
		return m.clone(ctx, r, report)
	case err != nil:
		return Result{}, m.fail("update", r, err)
	}
	if !st.noRedirects {
		if err := m.secure(ctx, r.dir); err != nil {
			return Result{}, m.fail("update", r, err)
		}
	}
	if m.fresh(st) { // fetched by another process while we waited
		m.touch(r.dir)
		return Result{GitDir: r.dir, Partial: st.partial, Action: Fresh}, nil
	}
	return m.fetch(ctx, r, st, report)
}

// clone writes a new mirror into a temporary directory and renames it into
// place once it is complete and configured.
func (m *Manager) clone(ctx context.Context, r *remote, report func(progress.Progress)) (Result, error) {
	report(progress.Progress{Phase: progress.PhaseClone})
	start := time.Now()
	tmp, err := os.MkdirTemp(m.dir, tmpPrefix+r.name+".")
	if err != nil {
		return Result{}, m.fail("clone", r, err)
	}
	defer func() { // a no-op once renamed
		if err := os.RemoveAll(tmp); err != nil {
			m.log.Warn("could not remove a temporary clone; the next start removes it", "dir", filepath.Base(tmp), "err", err)
		}
	}()
	filter := m.canFilter(ctx, r)
	c, nctx, cancel, err := m.netCommand(ctx, r, "")
	if err != nil {
		return Result{}, m.fail("clone", r, err)
	}
	c.Args("clone", "--bare", "--quiet")
	if filter {
		c.Args("--filter=tree:0")
		m.startHeadStart(ctx, r)
	}
	err = c.Args("--").AddDynamic(r.url, tmp).Run(nctx)
	cancel()
	if err != nil {
		m.discardHeadStart(r)
		return Result{}, m.fail("clone", r, err)
	}
	partial, err := m.setUp(ctx, r, tmp)
	if err == nil {
		err = os.Rename(tmp, r.dir)
	}
	if err != nil {
		m.discardHeadStart(r)
		return Result{}, m.fail("clone", r, err)
	}
	m.touch(r.dir)
	report(progress.Progress{Phase: progress.PhaseClone, Done: 1, Total: 1})
	m.log.Info("mirror cloned", "repo", r.key, "partial", partial, "took", time.Since(start).Round(time.Millisecond))
	m.evict(r.name)
	return Result{GitDir: r.dir, Partial: partial, Changed: true, Action: Cloned}, nil
}

// setUp configures a fresh clone at gitDir and reports whether it is
// partial: a server that does not support filters ignores the filter (git
// only warns) and sends everything, yet git still marks the remote a
// promisor, so the objects are checked instead.
func (m *Manager) setUp(ctx context.Context, r *remote, gitDir string) (partial bool, err error) {
	settings := [][]gitcli.Arg{
		{"remote.origin.fetch", "+refs/heads/*:refs/heads/*"},
		{"--add", "remote.origin.fetch", "+refs/tags/*:refs/tags/*"},
		{"fetch.writeCommitGraph", "true"},
		// Keep maintenance inside the command (and the lock) that starts it.
		{"gc.autoDetach", "false"},
	}
	for _, s := range append(settings, mirrorConfig...) {
		if err := m.git.Command(gitDir).Args("config").Args(s...).Run(ctx); err != nil {
			return false, err
		}
	}
	if partial, err = m.missingTrees(ctx, gitDir); err != nil {
		return false, err
	}
	if partial {
		// The commit-graph (1.5 s on git/git) speeds up later walks but not
		// the first metadata pass: Complete writes it, off the path to the
		// first answer.
		m.prefetchMailmap(ctx, r, gitDir)
	} else {
		if err := m.dropPromisor(ctx, gitDir); err != nil {
			return false, err
		}
		if err := m.writeCommitGraph(ctx, gitDir); err != nil {
			return false, err
		}
	}
	return partial, m.writeState(ctx, gitDir, state{partial: partial, fetched: time.Now()})
}

// writeCommitGraph writes the commit-graph, which makes later history
// walks (rev-list --count, merge-base, fetch negotiation) several times
// faster; fetches keep it current (fetch.writeCommitGraph).
func (m *Manager) writeCommitGraph(ctx context.Context, gitDir string) error {
	return m.git.Command(gitDir).Args("commit-graph", "write", "--reachable").Run(ctx)
}

// missingTrees reports whether the root tree of any ref tip is missing,
// without fetching it (--missing=print never fetches).
func (m *Manager) missingTrees(ctx context.Context, gitDir string) (bool, error) {
	out, err := m.git.Command(gitDir).
		Args("rev-list", "--objects", "--no-walk", "--all", "--filter=tree:1", "--missing=print").Output(ctx)
	if err != nil {
		return false, err
	}
	return hasMissing(out), nil
}

// hasMissing reports whether rev-list --missing=print output lists a
// missing object (a line starting with '?').
func hasMissing(out []byte) bool {
	return bytes.HasPrefix(out, []byte("?")) || bytes.Contains(out, []byte("\n?"))
}

// prefetchMailmap fetches the trees of HEAD and its .mailmap into a
// partial mirror. History readers map identities through HEAD:.mailmap;
// without this they would fetch it lazily, without the token or the
// transport settings, and fail. A failure is logged, not returned: the
// mirror is still good.
func (m *Manager) prefetchMailmap(ctx context.Context, r *remote, gitDir string) {
	// A lazy fetch is a fetch: without this it would write the whole
	// commit-graph (fetch.writeCommitGraph), 1.5 s of 1.8 s on git/git,
	// on the path to the first answer. Complete writes it later.
	c, nctx, cancel, err := m.netCommand(ctx, r, gitDir)
	if err == nil {
		err = c.Config("fetch.writeCommitGraph", "false").Args("cat-file", "-e", "HEAD:.mailmap").Run(nctx)
		cancel()
	}
	if ge, ok := errors.AsType[*gitcli.Error](err); ok && ge.ExitCode > 0 {
		return // no .mailmap, or an empty repository
	}
	if err != nil {
		m.log.Warn("prefetch .mailmap into partial mirror", "repo", r.key, "err", err)
	}
}

// dropPromisor makes a mirror an ordinary repository again, so fetches no
// longer ask for a filter and nothing is ever fetched lazily.
func (m *Manager) dropPromisor(ctx context.Context, gitDir string) error {
	for _, key := range []gitcli.Arg{"remote.origin.promisor", "remote.origin.partialclonefilter"} {
		err := m.git.Command(gitDir).Args("config", "--unset", key).Run(ctx)
		// Exit code 5: the key was not set.
		if ge, ok := errors.AsType[*gitcli.Error](err); ok && ge.ExitCode == 5 {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fetch brings an existing mirror up to date with its remote.
func (m *Manager) fetch(ctx context.Context, r *remote, st state, report func(progress.Progress)) (Result, error) {
	report(progress.Progress{Phase: progress.PhaseFetch})
	if err := m.syncURL(ctx, r, st); err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	before, err := m.refsDigest(ctx, r.dir)
	if err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	c, nctx, cancel, err := m.netCommand(ctx, r, r.dir)
	if err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	err = c.Args("fetch", "--quiet", "--prune", "--no-write-fetch-head", "origin").Run(nctx)
	cancel()
	if err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	headMoved := m.syncHead(ctx, r)
	after, err := m.refsDigest(ctx, r.dir)
	if err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	changed := headMoved || before != after
	if changed && st.partial {
		m.prefetchMailmap(ctx, r, r.dir)
	}
	if err := m.writeState(ctx, r.dir, state{partial: st.partial, fetched: time.Now()}); err != nil {
		return Result{}, m.fail("fetch", r, err)
	}
	m.touch(r.dir)
	report(progress.Progress{Phase: progress.PhaseFetch, Done: 1, Total: 1})
	m.log.Info("mirror fetched", "repo", r.key, "changed", changed)
	return Result{GitDir: r.dir, Partial: st.partial, Changed: changed, Action: Fetched}, nil
}

// syncURL points the mirror's origin at the URL the caller gave, if it
// changed since the clone.
func (m *Manager) syncURL(ctx context.Context, r *remote, st state) error {
	if st.url == r.url {
		return nil
	}
	return m.git.Command(r.dir).Args("remote", "set-url", "origin").AddDynamic(r.url).Run(ctx)
}

// refsDigest summarises every ref of a mirror, to tell whether a fetch
// changed any.
func (m *Manager) refsDigest(ctx context.Context, gitDir string) ([32]byte, error) {
	out, err := m.git.Command(gitDir).Args("for-each-ref", "--format=%(objectname) %(refname)").Output(ctx)
	return sha256.Sum256(out), err
}

// syncHead points the mirror's HEAD at the remote's default branch and
// reports whether it moved. Failing to ask is logged, not returned: the
// fetch itself succeeded.
func (m *Manager) syncHead(ctx context.Context, r *remote) bool {
	c, nctx, cancel, err := m.netCommand(ctx, r, r.dir)
	var out []byte
	if err == nil {
		out, err = c.Args("ls-remote", "--symref", "origin", "HEAD").Output(nctx)
		cancel()
	}
	if err != nil {
		m.log.Warn("read remote default branch", "repo", r.key, "err", err)
		return false
	}
	target := parseSymref(out)
	if target == "" {
		return false
	}
	cur, err := m.git.Command(r.dir).Args("symbolic-ref", "--quiet", "HEAD").Output(ctx)
	if err == nil && strings.TrimSpace(string(cur)) == target {
		return false
	}
	if err := m.git.Command(r.dir).Args("symbolic-ref", "HEAD").AddDynamic(target).Run(ctx); err != nil {
		m.log.Warn("update default branch", "repo", r.key, "err", err)
		return false
	}
	m.log.Info("mirror default branch changed", "repo", r.key, "branch", strings.TrimPrefix(target, "refs/heads/"))
	return true
}

// parseSymref returns the branch HEAD points to in the output of
// ls-remote --symref ("ref: refs/heads/main\tHEAD"), or "" if none.
func parseSymref(out []byte) string {
	for line := range strings.Lines(string(out)) {
		ref, name, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		target, isRef := strings.CutPrefix(ref, "ref: ")
		if !ok || !isRef || name != "HEAD" {
			continue
		}
		if !strings.HasPrefix(target, "refs/heads/") || strings.ContainsAny(target, " \t\r\x00") {
			return ""
		}
		return target
	}
	return ""
}

// complete fetches every object a partial mirror lacks, then drops its
// promisor settings. Interrupted, it leaves the mirror partial and usable;
// the state is written last, so a later call starts over.
func (m *Manager) complete(ctx context.Context, r *remote, report func(progress.Progress)) error {
	st, unlock, err := m.lockMirror(ctx, r, "complete")
	if err != nil {
		return err
	}
	defer unlock()
	m.discardHeadStart(r)
	if !st.partial {
		return nil
	}
	report(progress.Progress{Phase: progress.PhaseComplete})
	start := time.Now()
	if err := m.syncURL(ctx, r, st); err != nil {
		return m.fail("complete", r, err)
	}
	// --refetch sends no "have" lines, so the server sends every object,
	// not only those missing from the commits we have; --no-filter
	// overrides the promisor's filter.
	// After --refetch git runs auto maintenance to fold every pack into
	// one: a full repack (minutes on git/git) in the foreground, since
	// gc.autoDetach is off. Two packs read just as well; skip it.
	c, nctx, cancel, err := m.netCommand(ctx, r, r.dir)
	if err != nil {
		return m.fail("complete", r, err)
	}
	err = c.Config("maintenance.auto", "false").Config("gc.auto", "0").
		Args("fetch", "--quiet", "--prune", "--no-write-fetch-head", "--refetch", "--no-filter", "origin").Run(nctx)
	cancel()
	if err != nil {
		return m.fail("complete", r, err)
	}
	if err := m.dropPromisor(ctx, r.dir); err != nil {
		return m.fail("complete", r, err)
	}
	if err := m.writeCommitGraph(ctx, r.dir); err != nil {
		return m.fail("complete", r, err)
	}
	if err := m.writeState(ctx, r.dir, state{fetched: time.Now()}); err != nil {
		return m.fail("complete", r, err)
	}
	m.touch(r.dir)
	report(progress.Progress{Phase: progress.PhaseComplete, Done: 1, Total: 1})
	m.log.Info("mirror completed", "repo", r.key, "took", time.Since(start).Round(time.Millisecond))
	m.evict(r.name)
	return nil
}

// lockMirror takes r's lock and reads the state of its mirror, for op; a
// missing mirror is errNoMirror. On success the caller calls unlock.
func (m *Manager) lockMirror(ctx context.Context, r *remote, op string) (st state, unlock func(), err error) {
	if unlock, err = m.lock(ctx, r.name); err != nil {
		return state{}, nil, err
	}
	st, err = m.readState(ctx, r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		err = &Error{Op: op, kind: errNoMirror, cause: err}
	} else if err != nil {
		err = m.fail(op, r, err)
	}
	if err != nil {
		unlock()
		return state{}, nil, err
	}
	return st, unlock, nil
}

// state is what a mirror records about itself in its git config.
type state struct {
	partial bool      // gitpulse.partial
	fetched time.Time // gitpulse.fetched, seconds since the epoch
	url     string    // remote.origin.url
	// noRedirects: http.followRedirects is false in the mirror's own
	// config (mirrors made before it was set there lack it).
	noRedirects bool
}

// errNoMirror means Complete was called before Ensure made a mirror (or
// after it was evicted). The *Error also matches fs.ErrNotExist.
var errNoMirror = errors.New("the repository has no mirror yet")

// errCorrupt means a directory where a mirror should be is not a usable
// mirror.
var errCorrupt = errors.New("not a usable mirror")

// readState reads a mirror's state: fs.ErrNotExist if there is no mirror,
// errCorrupt if what is there is not one of ours.
func (m *Manager) readState(ctx context.Context, gitDir string) (state, error) {
	if _, err := os.Stat(gitDir); err != nil {
		return state{}, err
	}
	out, err := m.git.Command(gitDir).
		Args("config", "--local", "-z", "--get-regexp", `^(gitpulse\.|remote\.origin\.url$|http\.followredirects$)`).Output(ctx)
	if ge, ok := errors.AsType[*gitcli.Error](err); ok && ge.ExitCode > 0 {
		return state{}, errCorrupt
	}
	if err != nil {
		return state{}, err
	}
	st, ok := parseState(out)
	if !ok {
		return state{}, errCorrupt
	}
	return st, nil
}

// parseState parses `git config -z --get-regexp` output ("key\nvalue\0"
// records); ok is false without a valid fetch time.
func parseState(out []byte) (st state, ok bool) {
	for rec := range strings.SplitSeq(string(out), "\x00") {
		key, value, _ := strings.Cut(rec, "\n")
		switch key {
		case "gitpulse.partial":
			st.partial = value == "true"
		case "gitpulse.fetched":
			sec, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return state{}, false
			}
			st.fetched, ok = time.Unix(sec, 0), true
		case "remote.origin.url":
			st.url = value
		case "http.followredirects":
			st.noRedirects = value == "false"
		}
	}
	if !ok {
		return state{}, false
	}
	return st, true
}

// writeState records a mirror's state in its git config.
func (m *Manager) writeState(ctx context.Context, gitDir string, st state) error {
	err := m.git.Command(gitDir).Args("config", "gitpulse.partial").AddDynamic(strconv.FormatBool(st.partial)).Run(ctx)
	if err != nil {
		return err
	}
	return m.git.Command(gitDir).Args("config", "gitpulse.fetched").AddDynamic(strconv.FormatInt(st.fetched.Unix(), 10)).Run(ctx)
}
