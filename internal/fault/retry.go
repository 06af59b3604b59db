package fault

import (
	"net/http"
	"strconv"
	"time"
)

// RetryAfter reads how long a reply asks its client to wait: the
// Retry-After-Ms header (milliseconds, as OpenAI-compatible APIs send), or
// Retry-After as seconds or an HTTP date (a date in the past is no wait).
// ok is false when neither header holds a value it can read.
func RetryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 && ms < 1e12 {
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s < 1e9 {
		return time.Duration(s * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
