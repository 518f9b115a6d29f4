package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue/sqstest"
)

// The tests here hold the sqs driver to what SQS does in production, through
// sqstest's front: every receive counts towards the redrive policy, so a
// healthy job's message must never be received only to be handed back.

// sqsCase is the sqs driver with a redrive policy as tight as SQS allows
// (maxReceiveCount 2): one receive too many and the message is dead-lettered.
func sqsCase(resendAfter time.Duration) (driverCase, func(*Config)) {
	return drivers[1], func(c *Config) {
		c.SQS.MaxReceiveCount = 2
		c.SQS.ResendAfter = resendAfter
	}
}

type pingLater struct {
	N int `json:"n"`
}

func (pingLater) Kind() string { return "test.ping_later" }

// receivedOnce returns, per job id, how many times a message for it was received,
// and fails the test if any message was received more than once or went to
// the dead-letter queue.
func receivedOnce(t *testing.T, tq *testQueue) map[string]int {
	t.Helper()
	perJob := map[string]int{}
	for _, r := range sqstest.Receipts(tq.cfg.SQS.QueueName) {
		var m sqsMessage
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatalf("message %s: %v", r.Body, err)
		}
		if r.Count != 1 || r.DeadLettered {
			t.Errorf("the message %s for job %s was received %d times (dead-lettered: %v); every receive counts towards the DLQ",
				r.MessageID, m.JobID, r.Count, r.DeadLettered)
		}
		perJob[m.JobID]++
	}
	return perJob
}

func dlqDepth(t *testing.T, tq *testQueue) int {
	t.Helper()
	_, dlq, err := tq.sqs.urls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := tq.sqs.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)], &n)
	return n
}

func countStatus(tq *testQueue, status string) int {
	var n int
	tq.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE status = ?`, status)
	return n
}

// A backlog larger than the workers: the consumers receive only what the
// handler can take, so no message comes back and none is dead-lettered.
func TestSQSBacklogLargerThanTheWorkers(t *testing.T) {
	t.Parallel()
	d, tune := sqsCase(time.Hour)
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
		rec.record(m.ID)
		time.Sleep(100 * time.Millisecond) // slow: the backlog outlasts several receives
		return nil
	}, Concurrency(2))
	tq := startQueue(t, d, nil, reg, tune)
	var ids []string
	for i := range 50 {
		ids = append(ids, enqueue(t, tq, pingJob{N: i})...)
	}
	eventually(t, 40*time.Second, "all 50 jobs done", func() bool { return countStatus(tq, statusDone) == 50 })
	perJob := receivedOnce(t, tq)
	for _, id := range ids {
		if rec.count(id) != 1 || perJob[id] != 1 {
			t.Errorf("job %s ran %d times from %d messages", id, rec.count(id), perJob[id])
		}
	}
	if n := dlqDepth(t, tq); n != 0 {
		t.Fatalf("%d messages in the dead-letter queue", n)
	}
}

// One handler busy while another is idle: the idle one's jobs are not held up
// behind the busy one's, and the busy one's messages are deferred with
// DelaySeconds, not handed back.
func TestSQSBusyHandlerDefersWithoutHandingBack(t *testing.T) {
	t.Parallel()
	d, tune := sqsCase(time.Hour)
	var mu sync.Mutex
	var slowDone, fastDone []time.Time
	reg := NewRegistry()
	Handle(reg, "slow", func(ctx context.Context, m Meta, j pingJob) error {
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		slowDone = append(slowDone, time.Now())
		mu.Unlock()
		return nil
	}, Concurrency(1))
	Handle(reg, "fast", func(ctx context.Context, m Meta, j pingLater) error {
		mu.Lock()
		fastDone = append(fastDone, time.Now())
		mu.Unlock()
		return nil
	}, Concurrency(4))
	// All enqueued before the consumers start: the first receives bring
	// several slow jobs at once, more than their handler takes.
	conn := dbtest.New(t)
	first := startQueue(t, d, conn, reg, tune)
	first.stop()
	var slow []string
	for i := range 3 {
		slow = append(slow, enqueue(t, first, pingJob{N: i})...)
	}
	for i := range 20 {
		enqueue(t, first, pingLater{N: i})
	}
	tq := startQueue(t, driverCase{name: DriverSQS, config: func(*testing.T) Config { return first.cfg }}, conn, reg, nil)
	eventually(t, 60*time.Second, "all 23 jobs done", func() bool { return countStatus(tq, statusDone) == 23 })
	perJob := receivedOnce(t, tq)
	if len(perJob) != 23 {
		t.Fatalf("messages for %d jobs, want 23", len(perJob))
	}
	deferred := 0
	for _, id := range slow {
		if perJob[id] > 1 {
			deferred++
		}
	}
	if deferred == 0 {
		t.Fatal("no slow job was deferred: the test did not make its handler busy")
	}
	mu.Lock()
	defer mu.Unlock()
	if last, lastSlow := fastDone[len(fastDone)-1], slowDone[len(slowDone)-1]; !last.Before(lastSlow) {
		t.Errorf("the fast handler's jobs finished after the slow one's backlog: held up behind it")
	}
	if n := dlqDepth(t, tq); n != 0 {
		t.Fatalf("%d messages in the dead-letter queue", n)
	}
}

// Retries are scheduled by MySQL and a new message, never by handing the
// received one back: a job may fail more often than maxReceiveCount.
func TestSQSRetriesDoNotCountAsReceives(t *testing.T) {
	t.Parallel()
	d, tune := sqsCase(time.Hour)
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
		if rec.record(m.ID) < 4 {
			return errors.New("provider down")
		}
		return nil
	})
	tq := startQueue(t, d, nil, reg, tune)
	id := enqueue(t, tq, pingJob{N: 1}, MaxAttempts(6))[0]
	eventually(t, 30*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
	if s := tq.state(t, id); s.Attempts != 4 || rec.count(id) != 4 {
		t.Fatalf("state %+v after %d runs", s, rec.count(id))
	}
	if perJob := receivedOnce(t, tq); perJob[id] != 4 {
		t.Fatalf("%d messages for 4 attempts", perJob[id])
	}
}

// offsetClock is the system clock moved forward by an offset tests set.
type offsetClock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Truncate(time.Microsecond).Add(c.d)
}

func (c *offsetClock) advance(d time.Duration) {
	c.mu.Lock()
	c.d += d
	c.mu.Unlock()
}

// A message that arrives before its job is due (a duplicate, a clock ahead
// of SQS's) is not held back from the queue: the job is scheduled anew, with
// DelaySeconds within SQS's 15 minutes, in MySQL beyond them.
func TestSQSMessageBeforeItsJobIsDue(t *testing.T) {
	t.Parallel()
	t.Run("due within 15 minutes", func(t *testing.T) {
		t.Parallel()
		d, tune := sqsCase(time.Hour)
		rec := newRecorder()
		reg := NewRegistry()
		Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
		tq := startQueue(t, d, nil, reg, tune)
		start := time.Now()
		id := enqueue(t, tq, pingJob{N: 1}, Delay(3*time.Second))[0]
		d.redeliver(t, tq.Queue, id, "ping") // early
		eventually(t, 15*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
		if ran := rec.times(id)[0].Sub(start); ran < 3*time.Second || rec.count(id) != 1 {
			t.Fatalf("ran %d times, first after %s; want once, after 3s", rec.count(id), ran)
		}
		time.Sleep(1500 * time.Millisecond) // the deferred copy of the early message arrives and is dropped
		receivedOnce(t, tq)
	})
	t.Run("due after more than 15 minutes", func(t *testing.T) {
		t.Parallel()
		d, tune := sqsCase(time.Hour)
		rec := newRecorder()
		reg := NewRegistry()
		Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
		clk := &offsetClock{}
		tq := startQueueClock(t, d, nil, reg, clk, tune)
		id := enqueue(t, tq, pingJob{N: 1}, Delay(20*time.Minute))[0]
		time.Sleep(300 * time.Millisecond)
		if s := tq.state(t, id); s.Status != statusPending {
			t.Fatalf("a job due in 20 minutes is %s; it waits in MySQL until due within 15", s.Status)
		}
		// As if it had been sent: marked ready, and a message arrives now.
		if _, err := tq.db.Exec(`UPDATE jobs SET status = 'ready' WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		d.redeliver(t, tq.Queue, id, "ping")
		eventually(t, 10*time.Second, "the early message received", func() bool { return len(sqstest.Receipts(tq.cfg.SQS.QueueName)) == 1 })
		clk.advance(20*time.Minute - 2*time.Second)
		eventually(t, 15*time.Second, "the job done once due", func() bool { return tq.state(t, id).Status == statusDone })
		if rec.count(id) != 1 {
			t.Fatalf("ran %d times", rec.count(id))
		}
		receivedOnce(t, tq)
	})
}

// A job marked sent whose message never arrives (lost, purged, or in the
// dead-letter queue) is sent again after ResendAfter; one whose message is
// merely delayed is not.
func TestSQSSweepResendsReadyJobsWithNoMessage(t *testing.T) {
	t.Parallel()
	// ResendAfter is short for the test, but not shorter than a message's
	// trip: a delay is rounded up to whole seconds, a long poll takes a moment.
	d, tune := sqsCase(3 * time.Second)
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
	conn := dbtest.New(t)
	first := startQueue(t, d, conn, reg, tune)
	first.stop()
	lost := enqueue(t, first, pingJob{N: 1})[0]
	inDLQ := enqueue(t, first, pingJob{N: 2})[0]
	// Both marked sent ten seconds ago; lost's message never reached SQS,
	// inDLQ's was dead-lettered.
	if _, err := conn.Exec(`UPDATE jobs SET status = 'ready', updated_at = ? WHERE id IN (?, ?)`,
		time.Now().UTC().Add(-10*time.Second), lost, inDLQ); err != nil {
		t.Fatal(err)
	}
	_, dlq, err := first.sqs.urls(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(sqsMessage{JobID: inDLQ, Handler: "ping"})
	if _, err := first.sqs.client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dlq), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}

	tq := startQueue(t, driverCase{name: DriverSQS, config: func(*testing.T) Config { return first.cfg }}, conn, reg, nil)
	delayed := enqueue(t, tq, pingJob{N: 3}, Delay(3*time.Second))[0]
	for _, id := range []string{lost, inDLQ, delayed} {
		eventually(t, 20*time.Second, "job "+id+" done", func() bool { return tq.state(t, id).Status == statusDone })
		if rec.count(id) != 1 {
			t.Errorf("job %s ran %d times", id, rec.count(id))
		}
	}
	if perJob := receivedOnce(t, tq); perJob[delayed] != 1 {
		t.Fatalf("the delayed job, in flight all along, was sent %d times", perJob[delayed])
	}
}

// A job whose worker died mid-run is sent again when its lease expires: the
// received message is not relied on to come back.
func TestSQSJobOfADeadWorkerIsSentAgain(t *testing.T) {
	t.Parallel()
	d, tune := sqsCase(time.Hour)
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
	conn := dbtest.New(t)
	first := startQueue(t, d, conn, reg, tune)
	first.stop()
	id := enqueue(t, first, pingJob{N: 1})[0]
	if _, err := conn.Exec(`UPDATE jobs SET status = 'running', attempts = 1, lease_owner = 'gone-1234', lease_until = ? WHERE id = ?`,
		time.Now().UTC().Add(-time.Second), id); err != nil {
		t.Fatal(err)
	}
	tq := startQueue(t, driverCase{name: DriverSQS, config: func(*testing.T) Config { return first.cfg }}, conn, reg, nil)
	eventually(t, 15*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
	if s := tq.state(t, id); s.Attempts != 2 || rec.count(id) != 1 {
		t.Fatalf("state %+v, ran %d times", s, rec.count(id))
	}
}

// Jobs under way at shutdown go back to the relay, and another process runs them.
func TestSQSShutdownHandsJobsToTheRelay(t *testing.T) {
	t.Parallel()
	d, tune := sqsCase(time.Hour)
	started := make(chan string, 1)
	rec := newRecorder()
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
		if rec.record(m.ID) == 1 {
			started <- m.ID
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	conn := dbtest.New(t)
	first := startQueue(t, d, conn, reg, func(c *Config) { tune(c) })
	id := enqueue(t, first, pingJob{N: 1})[0]
	<-started
	stopped := make(chan struct{})
	go func() {
		first.stop() // the 5 s grace of startQueue ends, the job is released
		close(stopped)
	}()
	<-stopped
	if s := first.state(t, id); s.Status != statusPending || s.Attempts != 0 {
		t.Fatalf("released job %+v, want pending with the attempt not counted", s)
	}
	tq := startQueue(t, driverCase{name: DriverSQS, config: func(*testing.T) Config { return first.cfg }}, conn, reg, nil)
	eventually(t, 15*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
	receivedOnce(t, tq)
}

// `trove queue setup` runs again against queues that exist, with other
// attributes: SQS refuses CreateQueue then (QueueNameExists).
func TestSQSSetupIsRerunnable(t *testing.T) {
	t.Parallel()
	name := "trove-test-setup-" + strings.ReplaceAll(strings.ToLower(fmt.Sprint(time.Now().UnixNano())), "-", "")
	cfg := func(receives int) Config {
		return Config{Driver: DriverSQS, SQS: SQSConfig{Endpoint: sqstest.Endpoint(t), QueueName: name, MaxReceiveCount: receives}}
	}
	conn := dbtest.New(t)
	for i, step := range []struct {
		receives   int
		timeout    time.Duration
		visibility string
	}{
		{5, time.Minute, "90"},
		{5, time.Minute, "90"},       // unchanged
		{7, 10 * time.Minute, "630"}, // a longer handler and another redrive policy
	} {
		reg := NewRegistry()
		Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { return nil }, Timeout(step.timeout))
		q, err := New(conn, reg, nil, cfg(step.receives), discardLog(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Setup(context.Background()); err != nil {
			t.Fatalf("setup %d: %v", i+1, err)
		}
		queueURL, dlqURL, err := q.sqs.urls(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out, err := q.sqs.client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		policy, _ := parseRedrivePolicy(out.Attributes["RedrivePolicy"])
		if out.Attributes["VisibilityTimeout"] != step.visibility || policy.MaxReceiveCount != step.receives ||
			!strings.HasSuffix(policy.DeadLetterTargetArn, ":"+name+"-dlq") || !strings.HasSuffix(dlqURL, "/"+name+"-dlq") {
			t.Fatalf("setup %d: attributes %v", i+1, out.Attributes)
		}
	}
}

// parseRedrivePolicy reads SQS's redrive policy, whose maxReceiveCount may be
// a number or a string.
func parseRedrivePolicy(s string) (struct {
	DeadLetterTargetArn string
	MaxReceiveCount     int
}, error) {
	var raw struct {
		Arn string          `json:"deadLetterTargetArn"`
		Max json.RawMessage `json:"maxReceiveCount"`
	}
	var p struct {
		DeadLetterTargetArn string
		MaxReceiveCount     int
	}
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return p, err
	}
	p.DeadLetterTargetArn = raw.Arn
	_, err := fmt.Sscan(strings.Trim(string(raw.Max), `"`), &p.MaxReceiveCount)
	return p, err
}
