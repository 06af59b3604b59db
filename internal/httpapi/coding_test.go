package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAcceptedCoding checks that acceptedCoding names the coding that
// compressed (gzhttp) sends a compressible answer in, for Accept-Encoding
// lists of every kind: weights, their spellings and bad ones, "*",
// identity, repeated and unknown codings, and HEAD.
func TestAcceptedCoding(t *testing.T) {
	body := bytes.Repeat([]byte(`{"a":1},`), compressMinSize)
	h := compressed(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeBody(w, http.StatusOK, body) }))
	for _, accept := range []string{
		"", "gzip", "zstd", "gzip, zstd", "zstd, gzip", "GZIP", " Zstd ", "gzip, deflate, br, zstd", "br", "deflate", "identity",
		"*", "*;q=1", "identity;q=0, *;q=0", "gzip;q=0", "gzip;q=0, zstd", "zstd;q=0, gzip", "gzip;q=0, zstd;q=0",
		"gzip;q=0.5, zstd;q=0.5", "gzip;q=0.9, zstd;q=0.5", "gzip;q=0.5, zstd;q=0.9", "gzip; q=0.7 , zstd ;Q=0.8",
		"gzip;q=2", "zstd;q=-1", "gzip;q=abc, zstd;q=0.1", "gzip;q=NaN", "zstd;q=NaN", "gzip;q=NaN, zstd;q=NaN", "gzip, zstd;q=NaN",
		"gzip;q=0.1, gzip;q=1, zstd;q=0.5", "gzip;level=9", "gzip;q=1;q=0", "x-gzip", "gzip;", ",,gzip,", "zstd;q=0.001, gzip;q=0",
		"gzip;q=0x1p-1, zstd;q=0.4",
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			r := httptest.NewRequest(method, "/api/repositories/summary", nil)
			if accept != "" {
				r.Header.Set("Accept-Encoding", accept)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if got, want := acceptedCoding(r), w.Header().Get("Content-Encoding"); got != want {
				t.Errorf("%s, Accept-Encoding %q: %q, gzhttp sends %q", method, accept, got, want)
			}
		}
	}
}
