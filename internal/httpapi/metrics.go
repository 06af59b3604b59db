package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics counts and times requests by route pattern and status, and
// counts the analytics answers compressed to be kept (api.compressed).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// compressions counts compressed answers by content coding.
	compressions *prometheus.CounterVec

	// mu guards series: each route's and status's counter and histogram,
	// looked up once, so that a request does not hash its label values.
	mu     sync.RWMutex
	series map[routeStatus]routeSeries
}

type routeStatus struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitpulse_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gitpulse_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
		compressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gitpulse_answer_compressions_total",
			Help: "Analytics answers served from the result cache, compressed to be kept there beside them, by content coding: the later requests in that coding are sent the kept body.",
		}, []string{"coding"}),
		series: map[routeStatus]routeSeries{},
	}
	reg.MustRegister(m.requests, m.latency, m.compressions)
	return m
}

// compressedAnswer counts an answer compressed in coding.
func (m *metrics) compressedAnswer(coding string) {
	if m == nil {
		return
	}
	m.compressions.WithLabelValues(coding).Inc()
}

// observe records one request. The route is the matched pattern, never
// the raw path, so label values stay few.
func (m *metrics) observe(r *http.Request, status int, took time.Duration) {
	if m == nil {
		return
	}
	route := r.Pattern
	if route == "" || route == "/" {
		route = "unmatched"
	}
	k := routeStatus{route, status}
	m.mu.RLock()
	s, ok := m.series[k]
	m.mu.RUnlock()
	if !ok {
		// Routes are the patterns of the route table and statuses few, so
		// the map stays small.
		s = routeSeries{m.requests.WithLabelValues(route, strconv.Itoa(status)), m.latency.WithLabelValues(route)}
		m.mu.Lock()
		m.series[k] = s
		m.mu.Unlock()
	}
	s.requests.Inc()
	s.latency.Observe(took.Seconds())
}

// metricsHandler serves the registry in the Prometheus text format.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
