package providers

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts and times the requests made to providers' APIs, each
// attempt (retries included) by API host and HTTP status ("error" when no
// reply came). Hosts are the configured and allow-listed ones only, so the
// label stays small.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	listings *prometheus.HistogramVec
}

// NewMetrics registers the provider request metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitpulse_provider_requests_total",
			Help: "Requests to provider APIs (GitHub, GitLab, Azure DevOps), by host and status, retries included.",
		}, []string{"host", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gitpulse_provider_request_seconds",
			Help:    "Time to the reply headers of provider API requests, by host.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}, []string{"host"}),
		listings: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gitpulse_provider_calls_per_listing",
			Help:    "Provider API requests one listing made (listing: actions, one recap's activity; repos), retries included.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
		}, []string{"listing"}),
	}
	reg.MustRegister(m.requests, m.duration, m.listings)
	return m
}

// ObserveListing records that one listing of kind made calls requests.
func (m *Metrics) ObserveListing(kind string, calls int) {
	m.listings.WithLabelValues(kind).Observe(float64(calls))
}

// callsKey is the context key of a call counter.
type callsKey struct{}

// CountCalls returns ctx with a counter of the provider requests made
// under it (by a client whose transport is a Metrics RoundTripper), and a
// function that reads the count.
func CountCalls(ctx context.Context) (context.Context, func() int) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, callsKey{}, n), func() int { return int(n.Load()) }
}

// RoundTripper returns base (nil: http.DefaultTransport) recording each
// request in m.
func (m *Metrics) RoundTripper(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := base.RoundTrip(r)
		code := "error"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
		}
		m.requests.WithLabelValues(r.URL.Host, code).Inc()
		if n, ok := r.Context().Value(callsKey{}).(*atomic.Int64); ok {
			n.Add(1)
		}
		m.duration.WithLabelValues(r.URL.Host).Observe(time.Since(start).Seconds())
		return resp, err
	})
}

// roundTripperFunc adapts a function to http.RoundTripper.
type roundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip implements http.RoundTripper.
func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
