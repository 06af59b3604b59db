package mirror

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

// A shallow source ignores a clone's filter and git 2.39 then fetches the
// missing history lazily without end (issue 11, item 4): the mirror must
// be cloned whole, and quickly.
func TestShallowSourceOverFile(t *testing.T) {
	src := newSource(t, true)
	src.Commit(testrepo.Commit{Files: map[string][]byte{"d.txt": []byte("d\n")}})
	shallow := filepath.Join(t.TempDir(), "shallow")
	if _, err := testrepo.Run(t.TempDir(), nil, nil, "clone", "--quiet", "--depth=2", "file://"+src.Dir, shallow); err != nil {
		t.Fatal(err)
	}
	s := &source{Repo: src.Repo, url: "file://" + shallow, key: "file" + shallow}
	m := newManager(t, newGit(t), Options{NetworkTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	res, err := m.Ensure(ctx, s.key, s.url, nil, nil)
	if err != nil {
		t.Fatalf("Ensure of a shallow source: %v (cause: %v)", err, errors.Unwrap(err))
	}
	if res.Partial || res.Action != Cloned {
		t.Errorf("Ensure = %+v, want a whole clone", res)
	}
	if n := strings.Count(gitOut(t, res.GitDir, "rev-list", "HEAD"), "\n"); n != 2 {
		t.Errorf("mirror has %d commits, want the source's 2", n)
	}
}

// A server that never answers ends the clone at the network timeout with
// a clear error, not after git's own patience.
func TestStuckCloneTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() }) // accept, then say nothing
		}
	}()
	dir := filepath.Join(t.TempDir(), "mirrors")
	m := newManager(t, newGit(t), Options{Dir: dir, NetworkTimeout: time.Second})
	start := time.Now()
	_, err = m.Ensure(t.Context(), "stuck/repo", "http://"+ln.Addr().String()+"/repo.git", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "clone failed: timed out" {
		t.Fatalf("err = %v, want \"clone failed: timed out\"", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the stuck clone ended after %v", d)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("timed-out clone left %v", l)
	}
}

// hostSource serves src's parent directory over plain HTTP on loopback;
// while redirect is set, every request is answered with a 302 to target.
type hostSource struct {
	url      string // the repository's URL on the server's own address
	addr     string // the server's host:port
	redirect atomic.Pointer[string]
}

func newHostSource(t *testing.T, src *source) *hostSource {
	t.Helper()
	backend := testrepo.HTTPBackend(t, filepath.Dir(src.Dir))
	h := &hostSource{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := h.redirect.Load(); to != nil {
			http.Redirect(w, r, *to+r.URL.Path+"?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	h.addr = strings.TrimPrefix(srv.URL, "http://")
	h.url = srv.URL + "/" + filepath.Base(src.Dir) // http-backend finds the .git inside
	return h
}

// A partial mirror's lazy fetch (git starts it itself, with none of the
// settings gitpulse gives its own commands) must not follow a redirect
// from the vetted host to another address (issue 11, item 8).
func TestLazyFetchDoesNotFollowRedirects(t *testing.T) {
	src := newSource(t, true)
	host := newHostSource(t, src)
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(other.Close)

	m := newManager(t, newGit(t), Options{FetchInterval: time.Hour})
	res, err := m.Ensure(t.Context(), "host/repo", host.url, nil, nil)
	if err != nil {
		t.Fatalf("Ensure: %v (cause: %v)", err, errors.Unwrap(err))
	}
	if !res.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", res)
	}
	if got := strings.TrimSpace(gitOut(t, res.GitDir, "config", "http.followRedirects")); got != "false" {
		t.Errorf("mirror config http.followRedirects = %q, want false", got)
	}
	host.redirect.Store(&other.URL)

	// A reader of the mirror, as history does: a blob is missing, so git
	// fetches it lazily from origin.
	lazy := func() error {
		return m.git.Command(res.GitDir).Args("cat-file", "-p", "HEAD:src/c.txt").Run(t.Context())
	}
	if err := lazy(); err == nil {
		t.Error("the lazy fetch succeeded through a redirect")
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the lazy fetch followed the redirect: %d requests reached the other address", n)
	}

	// The same lazy fetch in a mirror made before the setting was kept in
	// its config does follow it; the next Ensure secures such a mirror.
	gitOut(t, res.GitDir, "config", "--unset", "http.followRedirects")
	if err := lazy(); err == nil || hits.Load() == 0 {
		t.Fatalf("without the setting the redirect was not followed (err %v): the test proves nothing", err)
	}
	hits.Store(0)
	if _, err := m.Ensure(t.Context(), "host/repo", host.url, nil, nil); err != nil {
		t.Fatalf("Ensure of an existing mirror: %v", err)
	}
	if err := lazy(); err == nil || hits.Load() != 0 {
		t.Errorf("after Ensure the lazy fetch still followed the redirect (err %v, %d requests)", err, hits.Load())
	}
}

// Every network operation is vetted again, and git connects to the address
// the vetting found, not to what DNS says later.
func TestNetworkOperationsArePinned(t *testing.T) {
	src := newSource(t, true)
	host := newHostSource(t, src)
	_, port, _ := net.SplitHostPort(host.addr)
	// The name exists nowhere but in the fake resolver: git can reach the
	// server only through the pinned address.
	const name = "git.pinned.invalid"
	u, _ := url.Parse(host.url)
	u.Host = name + ":" + port
	res := &fakeResolver{addrs: map[string][]string{name: {"127.0.0.1"}}}
	policy := repourl.Policy{AllowedHosts: []string{u.Host}, AllowHTTP: true, AllowPrivate: true, Resolver: res}
	var pins atomic.Int32
	m := newManager(t, newGit(t), Options{Pin: func(ctx context.Context, url string) ([]string, error) {
		pins.Add(1)
		return policy.Pin(ctx, url)
	}})
	got, err := m.Ensure(t.Context(), name+"/repo", u.String(), nil, nil)
	if err != nil {
		t.Fatalf("Ensure through the pinned address: %#v", err)
	}
	// A lazy fetch, started by git in a reader of the partial mirror, can
	// reach the host only through the address kept in the mirror's config.
	if !got.Partial {
		t.Fatalf("Ensure = %+v, want a partial mirror", got)
	}
	if err := m.git.Command(got.GitDir).Args("cat-file", "-p", "HEAD:src/c.txt").Run(t.Context()); err != nil {
		t.Errorf("lazy fetch in the partial mirror: %v", err)
	}
	if err := m.Complete(t.Context(), name+"/repo", u.String(), nil, nil); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if n := missingObjects(t, got.GitDir); n != 0 || pins.Load() < 3 {
		t.Errorf("%d objects missing, %d vettings; want 0 and one per network operation (clone, prefetch, complete)", n, pins.Load())
	}

	// The host now resolves to a private address, which the policy refuses.
	policy.AllowPrivate = false
	before := pins.Load()
	_, err = m.Ensure(t.Context(), name+"/repo", u.String(), nil, nil)
	if !errors.Is(err, ErrRefused) || !errors.Is(err, repourl.ErrRefused) || pins.Load() == before {
		t.Fatalf("fetch after the host turned private: err = %v, want ErrRefused", err)
	}
}

// fakeResolver answers host lookups from a table.
type fakeResolver struct{ addrs map[string][]string }

func (f *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	list, ok := f.addrs[host]
	if !ok {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	var out []net.IPAddr
	for _, s := range list {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

// A zero fetch interval fetches before every answer (issue 11, item 5),
// and a fetch time in the future is not taken for a fresh mirror.
func TestZeroFetchIntervalFetchesEveryTime(t *testing.T) {
	src := newSource(t, true)
	m := newManager(t, newGit(t), Options{})
	if res := mustEnsure(t, m, src, nil); res.Action != Cloned {
		t.Fatalf("first Ensure: %+v", res)
	}
	if res := mustEnsure(t, m, src, nil); res.Action != Fetched {
		t.Errorf("second Ensure with interval 0: %+v, want a fetch", res)
	}
	hour := newManager(t, newGit(t), Options{Dir: m.dir, FetchInterval: time.Hour})
	gitOut(t, m.Path(src.key), "config", "gitpulse.fetched", fmt.Sprint(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()))
	if res := mustEnsure(t, hour, src, nil); res.Action != Fetched {
		t.Errorf("Ensure of a mirror fetched \"in 2100\": %+v, want a fetch", res)
	}
	if _, err := New(newGit(t), Options{Dir: t.TempDir(), FetchInterval: -time.Second}); err == nil {
		t.Error("a negative fetch interval was accepted")
	}
}
