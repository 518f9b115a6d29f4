package queue

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/queue/sqstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	sqstest.Stop()
	os.Exit(code)
}

// driverCase is one driver the conformance suite runs against.
type driverCase struct {
	name string
	// config returns the queue configuration for one test.
	config func(t *testing.T) Config
	// redeliver delivers the job again, as the transport would after a lost
	// acknowledgement.
	redeliver func(t *testing.T, q *Queue, jobID, handler string)
}

var drivers = []driverCase{
	{
		name:   DriverMySQL,
		config: func(t *testing.T) Config { return Config{Driver: DriverMySQL} },
		// The MySQL driver delivers by claim; a second delivery is a worker
		// reaching the same job through begin, as after a lease it thought lost.
		redeliver: func(t *testing.T, q *Queue, jobID, handler string) {
			h := q.reg.byName[handler]
			r, status, _, err := q.begin(context.Background(), jobID, h)
			if err != nil {
				t.Fatal(err)
			}
			if status == statusRunning {
				q.attempt(context.Background(), h, r)
			}
		},
	},
	{
		name: DriverSQS,
		config: func(t *testing.T) Config {
			name := "trove-test-" + strings.ReplaceAll(id.New("q")[2:], "_", "")
			return Config{Driver: DriverSQS, SQS: SQSConfig{Endpoint: sqstest.Endpoint(t), QueueName: name, WaitTime: time.Second, Consumers: 2}}
		},
		redeliver: func(t *testing.T, q *Queue, jobID, handler string) {
			url, _, err := q.sqs.urls(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(sqsMessage{JobID: jobID, Handler: handler})
			if _, err := q.sqs.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body))}); err != nil {
				t.Fatal(err)
			}
		},
	},
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testQueue is a running queue over a fresh database.
type testQueue struct {
	*Queue
	db   *sqlx.DB
	stop func()
}

func startQueue(t *testing.T, d driverCase, conn *sqlx.DB, reg *Registry, tune func(*Config)) *testQueue {
	t.Helper()
	return startQueueClock(t, d, conn, reg, clock.System{}, tune)
}

// startQueueClock is startQueue with the queue's clock.
func startQueueClock(t *testing.T, d driverCase, conn *sqlx.DB, reg *Registry, clk clock.Clock, tune func(*Config)) *testQueue {
	t.Helper()
	cfg := d.config(t)
	cfg.PollInterval = 50 * time.Millisecond
	cfg.RetryBase = 20 * time.Millisecond
	cfg.ReapInterval = 100 * time.Millisecond
	if tune != nil {
		tune(&cfg)
	}
	if conn == nil {
		conn = dbtest.New(t)
	}
	// The queue's log is shown only when the test fails.
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("queue log:\n%s", logs.String())
		}
	})
	q, err := New(conn, reg, clk, cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Driver == DriverSQS {
		if err := q.Setup(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		q.Run(ctx, 5*time.Second)
		close(done)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return &testQueue{Queue: q, db: conn, stop: stop}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// eventually polls cond until it holds or the time is up.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

// jobState reads one job's row.
type jobState struct {
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
}

func (tq *testQueue) state(t *testing.T, jobID string) jobState {
	t.Helper()
	var s jobState
	if err := tq.db.Get(&s, `SELECT status, attempts, last_error FROM jobs WHERE id = ?`, jobID); err != nil {
		t.Fatal(err)
	}
	return s
}
