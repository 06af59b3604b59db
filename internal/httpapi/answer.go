package httpapi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/gitpulse/gitpulse/internal/analytics"
)

// An analytics answer is kept in the result cache encoded once, when it
// is computed, with everything a request served from the cache writes, so
// that such a request neither hashes the body for its ETag nor decodes
// and encodes it again.
//
// The encoding is one or two variants of the answer, each its ETag
// (etagLen bytes), the length of its body as a uvarint, then the body.
// The first variant answers the request that computed the answer and
// those that waited for the same computation; the second, when there is
// one, every request served from the cache: a summary's metadata says it
// comes from the cache (fromCache). A compressed answer (compressAnswer)
// is one variant whose body is compressed.

// etagLen is the length of a weak ETag of etagOf: W/"<32 hex digits>".
const etagLen = len(`W/""`) + 32

// etagOf is the weak ETag of body's content: the first 16 bytes of its
// SHA-256, in hex. Weak, so that one validator serves every encoding
// (gzip, zstd) of the body.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
}

// encodeAnswer marshals answer, and its variant served from the cache if
// it has one, into the encoding the result cache keeps.
func encodeAnswer(answer any) ([]byte, error) {
	bodies := make([][]byte, 0, 2)
	for _, v := range []any{answer, fromCache(answer)} {
		if v == nil {
			continue
		}
		body, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, body)
	}
	var out []byte
	for _, body := range bodies {
		out = appendVariant(out, etagOf(body), body)
	}
	return out, nil
}

// appendVariant appends a variant of an encoded answer, etag and body, to
// enc.
func appendVariant(enc []byte, etag string, body []byte) []byte {
	enc = append(enc, etag...)
	enc = binary.AppendUvarint(enc, uint64(len(body)))
	return append(enc, body...)
}

// compressAnswer is the encoded answer of one variant, etag and body,
// with body compressed in coding ("gzip" or "zstd") as compressed sends
// it. The result cache keeps it beside the answer (cacheKey), so that
// requests served from the cache in that coding are not compressed each.
// It keeps etag: the ETag is weak, one for every encoding of the body.
func compressAnswer(etag string, body []byte, coding string) ([]byte, error) {
	z, err := compressBody(body, coding)
	if err != nil {
		return nil, err
	}
	return appendVariant(make([]byte, 0, etagLen+binary.MaxVarintLen64+len(z)), etag, z), nil
}

// fromCache returns answer as a request served from the cache is
// answered, or nil when that is answer itself: a summary whose metadata
// says cached, with data source "cache".
func fromCache(answer any) any {
	s, ok := answer.(analytics.SummaryResponse)
	if !ok {
		return nil
	}
	s.Summary.Metadata.Cached = true
	s.Summary.Metadata.DataSource = analytics.SourceCache
	return s
}

// errBadAnswer is an encoded answer that does not decode: a damaged
// cache entry.
var errBadAnswer = errors.New("decode cached answer: damaged entry")

// decodeAnswer returns the ETag and body of an encoded answer: of its
// variant served from the cache when cached and it has one, else of the
// answer as computed. body shares enc's memory.
func decodeAnswer(enc []byte, cached bool) (etag string, body []byte, err error) {
	tag, body, err := decodeVariant(enc, cached)
	return string(tag), body, err
}

// decodeVariant is decodeAnswer with the ETag as it is in enc.
func decodeVariant(enc []byte, cached bool) (etag, body []byte, err error) {
	for {
		if len(enc) < etagLen {
			return nil, nil, errBadAnswer
		}
		tag := enc[:etagLen]
		n, k := binary.Uvarint(enc[etagLen:])
		rest := enc[etagLen+max(k, 0):]
		if k <= 0 || n > uint64(len(rest)) {
			return nil, nil, errBadAnswer
		}
		body, enc = rest[:n], rest[n:]
		if !cached || len(enc) == 0 {
			return tag, body, nil
		}
	}
}
