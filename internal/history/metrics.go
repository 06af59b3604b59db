package history

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gitpulse/gitpulse/internal/mirror"
)

// metrics times the steps of preparing repositories. A nil *metrics
// records nothing.
type metrics struct {
	steps *prometheus.HistogramVec
	loads *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, mirrors *mirror.Manager) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{steps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gitpulse_repository_step_seconds",
		Help:    "Time taken by each step of preparing a repository: mirror (cloned, fetched, fresh, local), metadata, prefetch and linestats_recent (the recent windows read first), complete, linestats, update.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 12),
	}, []string{"step"}), loads: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gitpulse_shared_index_loads_total",
		Help: "Indexes loaded from the fleet's shared tier (JOB_QUEUE=redis) by result: loaded, failed.",
	}, []string{"result"})}
	reg.MustRegister(m.steps, m.loads,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gitpulse_mirrors", Help: "Mirrors on disk."},
			func() float64 { n, _ := mirrors.Usage(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "gitpulse_mirror_bytes", Help: "Bytes of mirrors on disk."},
			func() float64 { _, b := mirrors.Usage(); return float64(b) }),
	)
	return m
}

// since records a step that started at start.
func (m *metrics) since(step string, start time.Time) {
	if m != nil {
		m.steps.WithLabelValues(step).Observe(time.Since(start).Seconds())
	}
}

// loaded counts an index loaded from the shared tier, or a failure to.
func (m *metrics) loaded(err error) {
	if m == nil {
		return
	}
	result := "loaded"
	if err != nil {
		result = "failed"
	}
	m.loads.WithLabelValues(result).Inc()
}
