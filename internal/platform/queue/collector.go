package queue

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/prometheus/client_golang/prometheus"
)

// scrapeTimeout bounds what one scrape may spend reading the backlog.
const scrapeTimeout = 3 * time.Second

// Collector reports the queue's backlog at each scrape, read from the jobs
// table (and, with the SQS driver, SQS's dead-letter queue): what the
// counters of Metrics cannot show, a job that waits or is dead right now.
//
//	trove_jobs{kind,status}             jobs pending, ready, running or dead now
//	trove_jobs_oldest_due_seconds{kind} how long the oldest job that is due has waited
//	trove_sqs_dlq_messages              messages in the SQS dead-letter queue
type Collector struct {
	q       *Queue
	backlog *prometheus.Desc
	oldest  *prometheus.Desc
	dlq     *prometheus.Desc
	failed  *prometheus.Desc
}

// NewCollector returns the backlog collector of q; register it on the
// metrics registry.
func NewCollector(q *Queue) *Collector {
	return &Collector{q: q,
		backlog: prometheus.NewDesc("trove_jobs", "Jobs now in each state that is not finished (pending, ready, running, dead), by kind.",
			[]string{"kind", "status"}, nil),
		oldest: prometheus.NewDesc("trove_jobs_oldest_due_seconds", "How long the oldest job that is due (pending or ready, run_at passed) has been due, by kind.",
			[]string{"kind"}, nil),
		dlq: prometheus.NewDesc("trove_sqs_dlq_messages", "Messages in the SQS dead-letter queue (SQS's approximate count); only with the sqs driver.",
			nil, nil),
		failed: prometheus.NewDesc("trove_jobs_backlog_scrape_errors", "1 when the last scrape could not read the backlog.", nil, nil),
	}
}

// Describe sends the descriptors of the collector's metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.backlog
	ch <- c.oldest
	ch <- c.failed
	if c.q.sqs != nil {
		ch <- c.dlq
	}
}

// Collect reads the backlog now.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := 0.0
	var rows []struct {
		Kind   string `db:"kind"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	const q = `SELECT kind, status, COUNT(*) AS n FROM jobs
		WHERE status IN ('pending', 'ready', 'running', 'dead') GROUP BY kind, status`
	if err := c.q.db.SelectContext(ctx, &rows, q); err != nil {
		failed = 1
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(c.backlog, prometheus.GaugeValue, float64(r.N), r.Kind, r.Status)
	}
	var due []struct {
		Kind string    `db:"kind"`
		At   time.Time `db:"at"`
	}
	now := c.q.clock.Now()
	const dq = `SELECT kind, MIN(run_at) AS at FROM jobs WHERE status IN ('pending', 'ready') AND run_at <= ? GROUP BY kind`
	if err := c.q.db.SelectContext(ctx, &due, dq, now); err != nil {
		failed = 1
	}
	for _, d := range due {
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, now.Sub(d.At).Seconds(), d.Kind)
	}
	if c.q.sqs != nil {
		if n, err := c.dlqDepth(ctx); err != nil {
			failed = 1
		} else {
			ch <- prometheus.MustNewConstMetric(c.dlq, prometheus.GaugeValue, float64(n))
		}
	}
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, failed)
}

func (c *Collector) dlqDepth(ctx context.Context) (int, error) {
	_, dlqURL, err := c.q.sqs.urls(ctx)
	if err != nil {
		return 0, err
	}
	out, err := c.q.sqs.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
}
