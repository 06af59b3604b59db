package ratelimit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/testredis"
)

// okHandler answers 200 "ok".
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "ok")
})

func TestMiddlewareHeadersAndDeny(t *testing.T) {
	var denied []Result
	deny := func(w http.ResponseWriter, _ *http.Request, res Result) {
		denied = append(denied, res)
		w.WriteHeader(http.StatusTooManyRequests)
	}
	h := Middleware(NewMemory(2, 3*time.Second), nil, deny)(okHandler)

	for i, want := range []struct {
		status    int
		remaining string
	}{{200, "1"}, {200, "0"}, {429, "0"}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/repos", nil))
		hdr := rec.Header()
		if rec.Code != want.status {
			t.Fatalf("request %d: status %d, want %d", i+1, rec.Code, want.status)
		}
		if hdr.Get("X-RateLimit-Limit") != "2" || hdr.Get("X-RateLimit-Remaining") != want.remaining || hdr.Get("X-RateLimit-Reset") != "3" {
			t.Fatalf("request %d: headers %v, want limit 2, remaining %s, reset 3", i+1, hdr, want.remaining)
		}
		if allowed := want.status == 200; allowed != (hdr.Get("Retry-After") == "") {
			t.Fatalf("request %d: Retry-After %q", i+1, hdr.Get("Retry-After"))
		}
	}
	if len(denied) != 1 || denied[0].Allowed {
		t.Fatalf("deny called with %+v, want one refusal", denied)
	}
}

// deny429 answers a refusal with a bare 429, as a deny function must.
func deny429(w http.ResponseWriter, _ *http.Request, _ Result) {
	w.WriteHeader(http.StatusTooManyRequests)
}

func TestMiddlewareRetryAfterRoundsUp(t *testing.T) {
	h := Middleware(NewMemory(1, 200*time.Millisecond), nil, deny429)(okHandler)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))

	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q for a 200ms wait, want 1 (rounded up)", got)
	}
}

func TestMiddlewareKeyFunc(t *testing.T) {
	byUser := func(r *http.Request) string { return r.Header.Get("X-User") }
	h := Middleware(NewMemory(1, time.Minute), byUser, deny429)(okHandler)
	for _, tc := range []struct {
		user string
		want int
	}{{"ann", 200}, {"bob", 200}, {"ann", 429}} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-User", tc.user)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Fatalf("user %s: status %d, want %d", tc.user, rec.Code, tc.want)
		}
	}
}

func TestMiddlewareFailingLimiterAllows(t *testing.T) {
	h := Middleware(&flakyLimiter{down: true}, nil, deny429)(okHandler)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
		t.Fatalf("status %d, headers %v; want 200 without rate-limit headers", rec.Code, rec.Header())
	}
}

// TestMiddlewareKeepsHijacker guards WebSocket upgrades: the writer next
// receives must still hijack the connection on a real server.
func TestMiddlewareKeepsHijacker(t *testing.T) {
	upgrade := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			http.Error(w, "no hijacker", http.StatusInternalServerError)
			return
		}
		if _, ok := w.(http.Flusher); !ok {
			http.Error(w, "no flusher", http.StatusInternalServerError)
			return
		}
		limit := w.Header().Get("X-RateLimit-Limit")
		conn, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nX-RateLimit-Limit: " + limit + "\r\n\r\n")
		_ = buf.Flush()
	})
	srv := httptest.NewServer(Middleware(NewMemory(5, time.Minute), nil, deny429)(upgrade))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = io.WriteString(conn, "GET /ws/abc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d (%s), want 101 from a hijacked connection", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if got := resp.Header.Get("X-RateLimit-Limit"); got != "5" {
		t.Fatalf("X-RateLimit-Limit seen by the handler %q, want 5", got)
	}
}

func TestCeilSeconds(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int64
	}{{-time.Second, 0}, {0, 0}, {time.Nanosecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {3 * time.Second, 3}} {
		if got := ceilSeconds(tc.d); got != tc.want {
			t.Errorf("ceilSeconds(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

// TestMiddlewareBehindProxy guards the measured bug of running behind a
// reverse proxy: 35 clients with distinct forwarded addresses through one
// trusted proxy were 30 x 200, 5 x 429 in one Redis key. Through a
// trusted proxy each client now has its own bucket; the same headers from
// an untrusted peer are ignored and share the peer's bucket.
func TestMiddlewareBehindProxy(t *testing.T) {
	srv := testredis.Start(t)
	client := newRedisClient(t, srv)
	for _, tc := range []struct {
		name, peer, header string
		ok, limited, keys  int
	}{
		{"trusted proxy, X-Forwarded-For", "10.0.0.2:5000", "X-Forwarded-For", 35, 0, 35},
		{"trusted ipv6 proxy, Forwarded", "[fd00::1]:5000", "Forwarded", 35, 0, 35},
		{"untrusted peer, spoofed X-Forwarded-For", "203.0.113.7:5000", "X-Forwarded-For", 30, 5, 1},
		{"untrusted peer, spoofed Forwarded", "203.0.113.8:5000", "Forwarded", 30, 5, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if err := client.FlushDB(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			h := Middleware(NewRedis(client, 30, time.Minute), testProxies.ClientKey, deny429)(okHandler)
			codes := map[int]int{}
			for i := range 35 {
				req := httptest.NewRequest("GET", "/api/repositories/summary", nil)
				req.RemoteAddr = tc.peer
				// A spoofed left part, the client, then a trusted inner proxy.
				from := fmt.Sprintf("198.51.100.%d", i+1)
				if tc.header == "Forwarded" {
					req.Header.Set("Forwarded", "for=192.0.2.1, for="+from+";proto=https, for=10.9.9.9")
				} else {
					req.Header.Set("X-Forwarded-For", "192.0.2.1, "+from+", 10.9.9.9")
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				codes[rec.Code]++
			}
			keys, err := client.Keys(ctx, keyPrefix+"*").Result()
			if err != nil {
				t.Fatal(err)
			}
			if codes[200] != tc.ok || codes[429] != tc.limited || len(keys) != tc.keys {
				t.Fatalf("statuses %v with %d Redis keys, want %d x 200, %d x 429 in %d keys", codes, len(keys), tc.ok, tc.limited, tc.keys)
			}
		})
	}
}
