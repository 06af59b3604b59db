package providers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"

	"github.com/maypok86/otter/v2"
)

// Conditional is an http.RoundTripper that makes repeated GET requests
// conditional: it keeps the bodies of replies that carry an ETag, asks
// again with If-None-Match, and answers a 304 Not Modified with the kept
// reply. GitHub does not count a 304 against a token's rate limit, and
// GitLab answers it without reading the data again. Replies are kept per
// URL and credentials (the Authorization header, hashed), so no user is
// ever answered from another's reply; at most ConditionalBytes in all,
// least recently used first out, and none bigger than a sixteenth of it.
type Conditional struct {
	base http.RoundTripper
	kept *otter.Cache[string, keptReply]
}

// ConditionalBytes bounds the replies a Conditional keeps.
const ConditionalBytes = 32 << 20

// keptReply is a 200 reply kept for its ETag.
type keptReply struct {
	etag   string
	header http.Header
	body   []byte
}

// NewConditional returns a Conditional over base (nil:
// http.DefaultTransport).
func NewConditional(base http.RoundTripper) *Conditional {
	if base == nil {
		base = http.DefaultTransport
	}
	kept, err := otter.New(&otter.Options[string, keptReply]{
		MaximumWeight: ConditionalBytes,
		Weigher:       func(key string, r keptReply) uint32 { return uint32(len(key) + len(r.body) + 512) },
	})
	if err != nil { // only for invalid options, which these are not
		panic("providers: conditional cache: " + err.Error())
	}
	return &Conditional{base: base, kept: kept}
}

// RoundTrip implements http.RoundTripper.
func (c *Conditional) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("Range") != "" {
		return c.base.RoundTrip(req)
	}
	sum := sha256.Sum256([]byte(req.Header.Get("Authorization") + "\x00" + req.Header.Get("PRIVATE-TOKEN") + "\x00" + req.URL.String()))
	key := hex.EncodeToString(sum[:])
	prev, have := c.kept.GetIfPresent(key)
	if have && req.Header.Get("If-None-Match") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", prev.etag)
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case have && resp.StatusCode == http.StatusNotModified:
		// The kept reply, with this reply's fresh headers (rate-limit
		// counters, dates) over its own.
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close() // read to its end (or failed): nothing left to report
		h := prev.header.Clone()
		for k, v := range resp.Header {
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(prev.body)))
		resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
		resp.Header = h
		resp.ContentLength = int64(len(prev.body))
		resp.Body = io.NopCloser(bytes.NewReader(prev.body))
		return resp, nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "" && resp.ContentLength <= ConditionalBytes/16:
		body, err := io.ReadAll(io.LimitReader(resp.Body, ConditionalBytes/16+1))
		_ = resp.Body.Close() // read to its end (or failed): nothing left to report
		if err != nil {
			return nil, err
		}
		if len(body) <= ConditionalBytes/16 {
			c.kept.Set(key, keptReply{etag: resp.Header.Get("ETag"), header: resp.Header.Clone(), body: body})
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	return resp, nil
}
