package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

type ctxKey int

const requestIDKey ctxKey = 0

// requestID returns the request's ID, set by withCommon.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey).(string)
	return id
}

// withCommon wraps h with what every response needs, outermost first:
// panic recovery (a JSON 500, never a stack trace), the request ID
// (accepted from X-Request-ID when sane, else generated, and echoed),
// security headers, CORS for the configured origins, an access log naming
// the client by clientAddr, and request metrics (m may be nil).
func withCommon(h http.Handler, log *slog.Logger, m *metrics, origins []string, clientAddr func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id") // canonical: Get would allocate to make it so
		if !saneID(id) {
			id = newID()
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		hdr := w.Header()
		hdr["X-Request-Id"] = []string{id}
		for _, sh := range securityHeaders {
			hdr[sh.key] = sh.value
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", id, "panic", p)
				if !rec.wrote {
					WriteFailure(rec, r, log, fmt.Errorf("panic: %v", p))
				}
			}
			end := time.Now()
			took := end.Sub(start)
			m.observe(r, rec.status, took)
			accessLog(log, end, r.Method, logPath(r.URL.Path), rec.status, rec.bytes, took, id, clientAddr(r))
		}()
		if cors(rec, r, origins) {
			return
		}
		h.ServeHTTP(rec, r)
	})
}

// securityHeaders are the headers every response carries, under their
// canonical keys, as the header map holds them. The value slices are
// shared by every response: nothing changes them in place (Header.Set
// replaces a slice, Header.Add appends to a full one, which copies it).
var securityHeaders = [...]struct {
	key   string
	value []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"X-Frame-Options", []string{"DENY"}},
	{"Referrer-Policy", []string{"no-referrer"}},
	{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
}

// accessLog writes a request's line of the access log at level Info,
// stamped at, the end of the request. It hands the handler its record
// directly: slog.Logger's methods would read the clock again, capture the
// caller's program counter (unused: no source is logged) and box every
// value, on every request.
func accessLog(log *slog.Logger, at time.Time, method, path string, status, bytes int, took time.Duration, id, client string) {
	ctx := context.Background() // as slog.Logger.Info's
	h := log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(at, slog.LevelInfo, "request", 0)
	rec.AddAttrs(slog.String("method", method), slog.String("path", path), slog.Int("status", status), slog.Int("bytes", bytes),
		slog.Int64("duration_ms", took.Milliseconds()), slog.String("request_id", id), slog.String("client", client))
	_ = h.Handle(ctx, rec) // as slog.Logger's methods do, a handler's error is dropped
}

// logPath is path as the access log writes it: a WebSocket's session id
// (/ws/{session_id}), which alone authenticates, is replaced. The query,
// which may carry a session_id or token, is never logged.
func logPath(path string) string {
	rest, ok := strings.CutPrefix(path, "/ws/")
	if !ok {
		return path
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return "/ws/{session_id}" + rest[i:]
	}
	return "/ws/{session_id}"
}

// remoteHost is the address of the connection's peer, without its port.
func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// saneID accepts a client's request ID of up to 128 characters from
// [A-Za-z0-9._-], so it is safe to log and echo.
func saneID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		ok := c == '-' || c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// newID is a new request ID: 12 random bytes in hex.
func newID() string {
	var b [12]byte
	var h [2 * len(b)]byte
	_, _ = rand.Read(b[:])
	hex.Encode(h[:], b[:])
	return string(h[:])
}

// cors sets the CORS headers for an allowed origin and answers preflight
// requests; it reports whether the request was answered.
func cors(w http.ResponseWriter, r *http.Request, origins []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(origins, origin) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Gitpulse-Head, X-Gitpulse-Refreshing")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// recorder notes the status and size of a response for the access log.
// It keeps Flush, Hijack (WebSocket upgrades) and Unwrap working.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

// WriteHeader notes the first status written.
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write counts the body bytes.
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Flush implements http.Flusher.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijacking is not supported")
	}
	r.status, r.wrote = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
