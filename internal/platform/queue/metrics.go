package queue

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the queue's Prometheus series, per job kind (and handler).
type Metrics struct {
	enqueued     *prometheus.CounterVec
	succeeded    *prometheus.CounterVec
	failed       *prometheus.CounterVec
	dead         *prometheus.CounterVec
	startLatency *prometheus.HistogramVec
	duration     *prometheus.HistogramVec
}

// NewMetrics makes the queue's metrics and registers them on reg (nil: not
// registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trove_jobs_enqueued_total",
			Help: "Job rows written by Enqueue (a row whose transaction rolled back is counted too)."}, []string{"kind", "handler"}),
		succeeded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trove_jobs_succeeded_total",
			Help: "Job attempts that succeeded."}, []string{"kind", "handler"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trove_jobs_failed_total",
			Help: "Job attempts that failed and will be retried."}, []string{"kind", "handler"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trove_jobs_dead_total",
			Help: "Jobs that gave up: max attempts or a permanent error."}, []string{"kind", "handler"}),
		startLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "trove_jobs_start_latency_seconds",
			Help:    "Time from a job being ready (enqueued, or its delay over) to its first attempt starting.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "trove_jobs_duration_seconds",
			Help:    "Time one attempt of a handler took.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}, []string{"kind", "handler"}),
	}
	if reg != nil {
		reg.MustRegister(m.enqueued, m.succeeded, m.failed, m.dead, m.startLatency, m.duration)
	}
	return m
}
