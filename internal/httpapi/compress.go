package httpapi

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
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

// writeValidated answers 200 with body and etag, the weak ETag of its
// content (etagOf), or 304 with no body when the request's If-None-Match
// names that ETag: a client that revalidates an analytics answer it holds
// is not sent it again. Cache-Control: no-cache makes clients revalidate
// every time, since new commits change the answer.
func writeValidated(w http.ResponseWriter, r *http.Request, etag string, body []byte) {
	h := w.Header()
	h["Etag"] = []string{etag}
	h["Cache-Control"] = noCache
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
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
