package fleet

import (
	"errors"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// queueCollector reports the fleet's queue, as Redis holds it, at each
// scrape: the same figures on every instance.
type queueCollector struct {
	inspector *asynq.Inspector
	tasks     *prometheus.Desc
	processed *prometheus.Desc
	failed    *prometheus.Desc
}

// RegisterQueueMetrics exports the queue's depth by state
// (gitpulse_queue_tasks) and its processed and failed job runs, over the
// whole fleet, read from rdb at each scrape.
func RegisterQueueMetrics(reg prometheus.Registerer, rdb redis.UniversalClient) {
	reg.MustRegister(&queueCollector{
		inspector: asynq.NewInspectorFromRedisClient(rdb),
		tasks:     prometheus.NewDesc("gitpulse_queue_tasks", "Jobs in the fleet's queue by state (pending, active, scheduled, retry, archived).", []string{"state"}, nil),
		processed: prometheus.NewDesc("gitpulse_queue_processed_total", "Job runs the fleet's workers ended, failed or not.", nil, nil),
		failed:    prometheus.NewDesc("gitpulse_queue_failed_total", "Job runs the fleet's workers ended with a failure (each retry counts).", nil, nil),
	})
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.processed
	ch <- c.failed
}

// Collect implements prometheus.Collector. A queue nothing was ever
// enqueued on is empty; an unreachable Redis reports nothing.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	q, err := c.inspector.GetQueueInfo(QueueName)
	if err != nil {
		q = &asynq.QueueInfo{}
		if !errors.Is(err, asynq.ErrQueueNotFound) {
			return
		}
	}
	for state, n := range map[string]int{"pending": q.Pending, "active": q.Active, "scheduled": q.Scheduled, "retry": q.Retry, "archived": q.Archived} {
		ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(c.processed, prometheus.CounterValue, float64(q.ProcessedTotal))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(q.FailedTotal))
}
