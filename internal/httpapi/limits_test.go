package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gitpulse/gitpulse/internal/httpapi"
)

// gitSession opens a plain-git session over a fresh fixture.
func gitSession(t *testing.T, s *server) signIn {
	t.Helper()
	var in signIn
	if resp := s.post("/clone-repo", map[string]string{"url": fixture(t)}, &in); resp.StatusCode != 200 || in.SessionID == "" {
		t.Fatalf("clone-repo: %d", resp.StatusCode)
	}
	return in
}

func dial(ctx context.Context, s *server, path string) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+path, nil)
}

// Regression (issue 11 item 9): an upgraded socket that never sends was
// held open for good, one goroutine each.
func TestWebSocketFirstMessageDeadline(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute, ws: httpapi.WebSocketLimits{FirstMessage: 300 * time.Millisecond, PerClient: 100, Total: 100}})
	in := gitSession(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := runtime.NumGoroutine()
	const idle = 20
	conns := make([]*websocket.Conn, idle)
	for i := range conns {
		c, _, err := dial(ctx, s, "/ws/"+in.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	start := time.Now()
	for i, c := range conns {
		// The server closes it (1008, or at once when the close
		// handshake cannot finish); without a deadline the read would
		// last until ctx ends.
		if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
			t.Fatalf("socket %d: read %v, want the server to close it", i, err)
		}
		c.CloseNow()
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("idle sockets closed after %v, want about 300ms", took)
	}
	// The server's goroutines for them are gone too.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Fatalf("%d goroutines, %d before the idle sockets", n, before)
	}
}

func TestWebSocketCaps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		limits httpapi.WebSocketLimits
		open   int
	}{
		{"per client", httpapi.WebSocketLimits{PerClient: 2, Total: 100}, 2},
		{"in total", httpapi.WebSocketLimits{PerClient: 100, Total: 3}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.limits.FirstMessage = time.Minute
			s := newServer(t, serverOpts{sessionTTL: time.Minute, ws: tc.limits})
			in := gitSession(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var held []*websocket.Conn
			for range tc.open {
				c, _, err := dial(ctx, s, "/ws/"+in.SessionID)
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			_, resp, err := dial(ctx, s, "/ws/"+in.SessionID)
			if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("socket past the cap: %v %v, want 429", resp, err)
			}
			// Closing one frees its place.
			held[0].Close(websocket.StatusNormalClosure, "")
			var c *websocket.Conn
			for deadline := time.Now().Add(5 * time.Second); ; {
				if c, _, err = dial(ctx, s, "/ws/"+in.SessionID); err == nil || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("after one closed: %v", err)
			}
			c.CloseNow()
			for _, h := range held[1:] {
				h.CloseNow()
			}
		})
	}
}

// syncBuffer is a bytes.Buffer for a logger written from handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Regression (issue 11 item 10): the session id, which alone
// authenticates, was written to the access log as /ws/<id>.
func TestAccessLogHidesSessionID(t *testing.T) {
	var logs syncBuffer
	s := newServer(t, serverOpts{sessionTTL: time.Minute, log: slog.New(slog.NewJSONHandler(&logs, nil)),
		ws: httpapi.WebSocketLimits{FirstMessage: 100 * time.Millisecond}})
	in := gitSession(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := dial(ctx, s, "/ws/"+in.SessionID+"/recap")
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = c.Read(ctx) // closed for sending nothing
	c.CloseNow()
	if resp, err := http.Get(s.URL + "/repos?session_id=" + in.SessionID + "&token=" + in.Token); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `/ws/{session_id}/recap`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/ws/{session_id}/recap"`) || !strings.Contains(out, `"path":"/repos"`) {
		t.Fatalf("access log lacks the requests:\n%s", out)
	}
	if strings.Contains(out, in.SessionID) || strings.Contains(out, in.Token) {
		t.Fatalf("access log carries the session id or token:\n%s", out)
	}
}

// Regression (issue 13, issue 11 item 10): a provider that cannot be
// reached answered with the network error's text (resolver, address).
func TestProviderNetworkErrorIsMapped(t *testing.T) {
	var logs syncBuffer
	// Nothing listens on port 1 of loopback: the dial is refused.
	s := newServer(t, serverOpts{sessionTTL: time.Minute, github: "http://127.0.0.1:1", log: slog.New(slog.NewJSONHandler(&logs, nil))})
	var b httpapi.ErrorBody
	resp := s.post("/pat", map[string]string{"provider": "github", "token": "ghp_secret_value"}, &b)
	if resp.StatusCode != http.StatusBadGateway || b.Error != "GitHub could not be reached" || b.Detail != b.Error || b.Code != 502 || b.Status != "error" {
		t.Fatalf("unreachable GitHub: %d %+v", resp.StatusCode, b)
	}
	if !strings.Contains(logs.String(), "refused") {
		t.Errorf("the log lacks the cause for the operator:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "ghp_secret_value") {
		t.Errorf("the log carries the token:\n%s", logs.String())
	}
}

// Regression (issue 11 item 10): a user-given host of http:// sent the
// token in cleartext to the configured API's host.
func TestSignInRefusesHTTPDowngrade(t *testing.T) {
	s := newServer(t, serverOpts{sessionTTL: time.Minute})
	for _, host := range []string{"http://api.github.com", "http://api.github.com/"} {
		var b httpapi.ErrorBody
		resp := s.post("/pat", map[string]string{"provider": "github", "token": "ghp_x", "host": host}, &b)
		if resp.StatusCode != http.StatusBadRequest || len(b.Details) != 1 || b.Details[0].Field != "host" {
			t.Fatalf("host %q: %d %+v, want 400 on host", host, resp.StatusCode, b)
		}
	}
}
