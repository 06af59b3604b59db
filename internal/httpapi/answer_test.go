package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gitpulse/gitpulse/internal/analytics"
)

// TestAnswerEncoding checks that an encoded answer gives back each body
// with its ETag, a summary's cached variant when asked for, and that a
// damaged entry (any cut of one, or trailing garbage in the length) is an
// error, never a panic or a wrong body.
func TestAnswerEncoding(t *testing.T) {
	summary := analytics.SummaryResponse{Summary: analytics.Summary{Metadata: analytics.SummaryMeta{DataSource: analytics.SourceClone}}}
	computed, _ := json.Marshal(summary)
	enc, err := encodeAnswer(summary)
	if err != nil {
		t.Fatal(err)
	}
	etag, body, err := decodeAnswer(enc, false)
	if err != nil || !bytes.Equal(body, computed) || etag != etagOf(computed) {
		t.Fatalf("computed variant: %s %s %v", etag, body, err)
	}
	etag, body, err = decodeAnswer(enc, true)
	var got analytics.SummaryResponse
	if err != nil || json.Unmarshal(body, &got) != nil || !got.Summary.Metadata.Cached ||
		got.Summary.Metadata.DataSource != analytics.SourceCache || etag != etagOf(body) {
		t.Fatalf("cached variant: %s %s %v", etag, body, err)
	}

	page := analytics.CommitsPage{Page: 1}
	plain, _ := json.Marshal(page)
	enc2, err := encodeAnswer(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, cached := range []bool{false, true} {
		if etag, body, err := decodeAnswer(enc2, cached); err != nil || !bytes.Equal(body, plain) || etag != etagOf(plain) {
			t.Fatalf("an answer with one variant, cached %v: %s %s %v", cached, etag, body, err)
		}
	}

	for n := range len(enc2) {
		if _, _, err := decodeAnswer(enc2[:n], false); err == nil {
			t.Errorf("a cut to %d of %d bytes decodes", n, len(enc2))
		}
	}
	bad := append([]byte(nil), enc2[:etagLen]...)
	bad = append(bad, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
	if _, _, err := decodeAnswer(bad, false); err == nil {
		t.Error("an overlong length decodes")
	}
}
