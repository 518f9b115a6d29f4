package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gauges gathers c and returns each sample as "name{labels}" -> value.
func gauges(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()+labelsOf(m)] = m.GetGauge().GetValue()
		}
	}
	return out
}

func labelsOf(m *dto.Metric) string {
	s := ""
	for _, l := range m.GetLabel() {
		if s != "" {
			s += ","
		}
		s += l.GetName() + "=" + l.GetValue()
	}
	if s == "" {
		return ""
	}
	return "{" + s + "}"
}

type slowJob struct{}

func (slowJob) Kind() string { return "test.backlog" }

// The backlog collector shows what the counters cannot: jobs dead now, and
// how long the oldest due job has waited; with the sqs driver, the
// dead-letter queue's depth.
func TestCollector(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			reg := NewRegistry()
			release := make(chan struct{})
			Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
				return Permanent(errors.New("never works"))
			})
			Handle(reg, "backlog", func(ctx context.Context, m Meta, j slowJob) error {
				select {
				case <-release:
				case <-ctx.Done():
				}
				return nil
			}, Concurrency(1))
			tq := startQueue(t, d, nil, reg, nil)
			t.Cleanup(func() { close(release) })
			enqueue(t, tq, pingJob{N: 1})
			for range 3 {
				enqueue(t, tq, slowJob{})
			}
			eventually(t, 20*time.Second, "the dead job and the running one", func() bool {
				g := gauges(t, NewCollector(tq.Queue))
				return g["trove_jobs{kind=test.ping,status=dead}"] == 1 && g["trove_jobs{kind=test.backlog,status=running}"] == 1
			})
			time.Sleep(1100 * time.Millisecond) // the two waiting jobs have been due a second
			g := gauges(t, NewCollector(tq.Queue))
			if g["trove_jobs_oldest_due_seconds{kind=test.backlog}"] < 1 {
				t.Errorf("oldest due: %v", g)
			}
			if g["trove_jobs_backlog_scrape_errors"] != 0 {
				t.Errorf("scrape errors: %v", g)
			}
			if d.name != DriverSQS {
				if _, ok := g["trove_sqs_dlq_messages"]; ok {
					t.Errorf("a DLQ depth without SQS: %v", g)
				}
				return
			}
			_, dlq, err := tq.sqs.urls(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := tq.sqs.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dlq), MessageBody: aws.String("{}")}); err != nil {
					t.Fatal(err)
				}
			}
			if g := gauges(t, NewCollector(tq.Queue)); g["trove_sqs_dlq_messages"] != 2 {
				t.Errorf("DLQ depth: %v", g)
			}
		})
	}
}
