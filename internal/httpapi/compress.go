package httpapi

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzhttp/writer"
	"github.com/klauspost/compress/gzhttp/writer/gzkp"
	"github.com/klauspost/compress/gzhttp/writer/zstdkp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressMinSize is the smallest body worth compressing.
const compressMinSize = 512

// compressed wraps h so that answers of compressible types (JSON, HTML,
// CSS, JavaScript, text) are sent zstd- or gzip-encoded as the client's
// Accept-Encoding asks (zstd preferred at equal weight), with Vary:
// Accept-Encoding. WebSocket upgrades pass untouched. ETags are weak
// (W/"..."), so one validator serves every encoding of a body.
func compressed(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinSize))
	if err != nil {
		panic("httpapi: compression options: " + err.Error()) // cannot happen: the options are constants
	}
	gz := wrap(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ws/") {
			h.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}

// Content codings that compressed sends, as Accept-Encoding and
// Content-Encoding name them.
const (
	codingGzip = "gzip"
	codingZstd = "zstd"
)

// acceptedCoding is the content coding compressed sends r's answer in
// when it is long enough and compressible: "zstd", "gzip", or "" for none.
// It is gzhttp's choice with compressed's options (which gzhttp does not
// export): none for HEAD; else the coding of the higher q-value in the
// first Accept-Encoding line, zstd at equal weight, none for q=0 or
// unlisted ("*" names neither, identity is never refused).
func acceptedCoding(r *http.Request) string {
	if r.Method == http.MethodHead {
		return ""
	}
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return ""
	}
	// gzhttp's comparisons, in its order, so that a weight of NaN (q=NaN
	// parses) is taken as it takes it.
	gz, zs := qValue(ae, codingGzip), qValue(ae, codingZstd)
	switch {
	case zs <= 0:
		if gz > 0 {
			return codingGzip
		}
		return ""
	case gz <= 0:
		if zs > 0 {
			return codingZstd
		}
		return ""
	case gz > zs:
		return codingGzip
	}
	return codingZstd
}

// qValue is the weight header (an Accept-Encoding list) gives coding, as
// gzhttp reads it: that of the first entry naming it (case-insensitive), 1
// without q=, an unparsable q= as strconv.ParseFloat's value, clamped to
// [0, 1]; 0 when no entry names it.
func qValue(header, coding string) float64 {
	for entry := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(entry, ";")
		if strings.ToLower(strings.TrimSpace(name)) != coding {
			continue
		}
		q := 1.0
		for param := range strings.SplitSeq(params, ";") {
			param = strings.TrimSpace(param)
			if len(param) >= 2 && strings.EqualFold(param[:2], "q=") {
				q, _ = strconv.ParseFloat(param[2:], 64)
				q = min(max(q, 0), 1)
			}
		}
		return q
	}
	return 0
}

// compressBody returns body in coding ("gzip" or "zstd"), compressed as
// compressed would send it: the same encoders at gzhttp's default levels.
func compressBody(body []byte, coding string) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body)/4 + 64)
	var zw writer.GzipWriter
	if coding == codingZstd {
		zw = zstdkp.NewWriter(&buf, int(zstd.SpeedFastest))
	} else {
		zw = gzkp.NewWriter(&buf, gzip.DefaultCompression)
	}
	_, err := zw.Write(body)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	return buf.Bytes(), err
}

// writeValidated answers 200 with body and etag, the weak ETag of its
// content (etagOf), or 304 with no body when the request's If-None-Match
// names that ETag: a client that revalidates an analytics answer it holds
// is not sent it again. Cache-Control: no-cache makes clients revalidate
// every time, since new commits change the answer.
//
// coding, unless "", is the content coding body is already in (a kept
// compressed answer): the 200 says so in Content-Encoding, and compressed
// passes such a body through as it is. Its Vary: Accept-Encoding is
// compressed's.
func writeValidated(w http.ResponseWriter, r *http.Request, etag string, body []byte, coding string) {
	h := w.Header()
	h["Etag"] = []string{etag}
	h["Cache-Control"] = noCache
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if coding != "" {
		h["Content-Encoding"] = []string{coding}
	}
	writeBody(w, http.StatusOK, body)
}

// etagMatches is If-None-Match's weak comparison of the list header
// against etag: "*" or any listed tag with the same opaque value.
func etagMatches(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}
