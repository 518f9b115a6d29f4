package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
)

// SQSConfig configures the sqs driver.
type SQSConfig struct {
	// Endpoint overrides the SQS endpoint (a local stand-in such as goaws);
	// empty means AWS itself, with credentials from the usual AWS chain.
	Endpoint string
	Region   string
	// QueueName and DLQName name the main queue and its dead-letter queue.
	QueueName, DLQName string
	// MaxReceiveCount is the redrive policy: a message received this many times
	// without being deleted (one our code cannot even decode) goes to the DLQ.
	// Jobs that fail in their handler are accounted in MySQL, not by this.
	MaxReceiveCount int
	// WaitTime is the long-poll wait of each receive (at most 20 s).
	WaitTime time.Duration
	// Consumers is how many receive loops run in this process.
	Consumers int
	// ResendAfter bounds how long a job marked sent (ready) may go without
	// its message being received, counted from when the message became
	// visible: after it, the message is presumed lost (or dead-lettered) and
	// the job is sent again. It must be longer than a message can wait in
	// the queue behind others (and than the 15-minute delays the consumers
	// use), or jobs are merely sent twice. Default 30 minutes.
	ResendAfter time.Duration
}

type sqsTransport struct {
	client   *sqs.Client
	cfg      SQSConfig
	mu       sync.Mutex
	queueURL string
	dlqURL   string
}

// sqsMessage is the body of a message: just the job's coordinates. The job
// itself stays in MySQL, the record of whether it is done.
type sqsMessage struct {
	JobID   string `json:"job_id"`
	Handler string `json:"handler"`
	// Deferrals counts how often the job was deferred because its handler
	// was busy; each deferral waits longer.
	Deferrals int `json:"deferrals,omitempty"`
}

func newSQSTransport(cfg SQSConfig) (*sqsTransport, error) {
	if cfg.QueueName == "" {
		return nil, errors.New("queue: the sqs driver needs a queue name")
	}
	if cfg.DLQName == "" {
		cfg.DLQName = cfg.QueueName + "-dlq"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.MaxReceiveCount <= 1 {
		cfg.MaxReceiveCount = 25
	}
	if cfg.WaitTime <= 0 || cfg.WaitTime > 20*time.Second {
		cfg.WaitTime = 20 * time.Second
	}
	if cfg.Consumers <= 0 {
		cfg.Consumers = 2
	}
	if cfg.ResendAfter <= 0 {
		cfg.ResendAfter = 30 * time.Minute
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.Endpoint != "" {
		// A local stand-in takes any credentials; AWS takes the real chain.
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("queue: aws config: %w", err)
	}
	client := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return &sqsTransport{client: client, cfg: cfg}, nil
}

// Setup makes the dead-letter queue and the main queue exist with the
// attributes this configuration wants (the redrive policy, a visibility
// timeout longer than the longest job). It runs again safely, also after the
// configuration changed: SQS refuses CreateQueue for a queue that exists with
// other attributes (QueueNameExists), so an existing queue gets its
// attributes set instead.
func (q *Queue) Setup(ctx context.Context) error {
	if q.sqs == nil {
		return errors.New("queue: setup is for the sqs driver")
	}
	t := q.sqs
	dlqURL, err := t.ensureQueue(ctx, q.log, t.cfg.DLQName, map[string]string{"MessageRetentionPeriod": "1209600"})
	if err != nil {
		return err
	}
	attrs, err := t.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlqURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("queue: read %s arn: %w", t.cfg.DLQName, err)
	}
	redrive, _ := json.Marshal(map[string]string{
		"deadLetterTargetArn": attrs.Attributes[string(types.QueueAttributeNameQueueArn)],
		"maxReceiveCount":     strconv.Itoa(t.cfg.MaxReceiveCount),
	})
	queueURL, err := t.ensureQueue(ctx, q.log, t.cfg.QueueName, map[string]string{
		"RedrivePolicy":     string(redrive),
		"VisibilityTimeout": strconv.Itoa(int(q.maxLease().Seconds())),
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.queueURL, t.dlqURL = queueURL, dlqURL
	t.mu.Unlock()
	return nil
}

// ensureQueue returns the URL of the queue named name, created with attrs if
// it is missing, or with attrs set on it if it exists.
func (t *sqsTransport) ensureQueue(ctx context.Context, log *slog.Logger, name string, attrs map[string]string) (string, error) {
	got, err := t.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil && !isQueueMissing(err) {
		return "", fmt.Errorf("queue: look up %s: %w", name, err)
	}
	if err != nil {
		created, err := t.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err == nil {
			log.Info("sqs queue created", "queue", name)
			return aws.ToString(created.QueueUrl), nil
		}
		var exists *types.QueueNameExists
		if !errors.As(err, &exists) {
			return "", fmt.Errorf("queue: create %s: %w", name, err)
		}
		// Another setup created it meanwhile, with other attributes: set ours.
		if got, err = t.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)}); err != nil {
			return "", fmt.Errorf("queue: look up %s: %w", name, err)
		}
	}
	url := aws.ToString(got.QueueUrl)
	if _, err := t.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
		return "", fmt.Errorf("queue: set the attributes of %s: %w", name, err)
	}
	log.Info("sqs queue exists; attributes set", "queue", name)
	return url, nil
}

// isQueueMissing reports whether err says the queue does not exist, in the
// JSON protocol's words or the older query protocol's.
func isQueueMissing(err error) bool {
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && (api.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue" || api.ErrorCode() == "QueueDoesNotExist")
}

// urls resolves the queue URLs once.
func (t *sqsTransport) urls(ctx context.Context) (string, string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.queueURL != "" {
		return t.queueURL, t.dlqURL, nil
	}
	m, err := t.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(t.cfg.QueueName)})
	if err != nil {
		return "", "", fmt.Errorf("queue: sqs queue %s (run `trove queue setup`): %w", t.cfg.QueueName, err)
	}
	d, err := t.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(t.cfg.DLQName)})
	if err != nil {
		return "", "", fmt.Errorf("queue: sqs queue %s (run `trove queue setup`): %w", t.cfg.DLQName, err)
	}
	t.queueURL, t.dlqURL = *m.QueueUrl, *d.QueueUrl
	return t.queueURL, t.dlqURL, nil
}

func (q *Queue) maxLease() time.Duration {
	longest := time.Minute
	for _, h := range q.reg.byName {
		longest = max(longest, q.lease(h))
	}
	return min(longest, 12*time.Hour)
}

// maxSQSDelay is the longest DelaySeconds SQS accepts; later jobs wait in MySQL.
const maxSQSDelay = 15 * time.Minute

// relayBatch moves up to 10 committed pending jobs to SQS. Rows are first
// leased to this relay (no SQS call happens inside a transaction), then sent,
// then marked sent as "ready". A crash between send and mark sends them again
// later: a duplicate, which the consumer absorbs.
func (q *Queue) relayBatch(ctx context.Context) (int, error) {
	queueURL, _, err := q.sqs.urls(ctx)
	if err != nil {
		return 0, err
	}
	now := q.clock.Now()
	const lease = `UPDATE jobs SET lease_owner = ?, lease_until = ?, updated_at = ?
		WHERE status = 'pending' AND run_at <= ? AND (lease_until IS NULL OR lease_until < ?)
		ORDER BY run_at LIMIT 10`
	err = db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, q.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, lease, q.owner, now.Add(time.Minute), now, now.Add(maxSQSDelay), now)
			return err
		})
	})
	if err != nil {
		return 0, err
	}
	var rows []row
	if err := q.db.SelectContext(ctx, &rows, `SELECT `+rowColumns+` FROM jobs
		WHERE status = 'pending' AND lease_owner = ? LIMIT 10`, q.owner); err != nil || len(rows) == 0 {
		return 0, err
	}
	entries := make([]types.SendMessageBatchRequestEntry, len(rows))
	for i, r := range rows {
		body, _ := json.Marshal(sqsMessage{JobID: r.ID, Handler: r.Handler})
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			MessageBody: aws.String(string(body)), DelaySeconds: delaySeconds(r.RunAt.Sub(now))}
	}
	out, err := q.sqs.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
	if err != nil {
		return 0, fmt.Errorf("queue: send to sqs: %w", err)
	}
	sent := 0
	for _, ok := range out.Successful {
		i, _ := strconv.Atoi(aws.ToString(ok.Id))
		const mark = `UPDATE jobs SET status = 'ready', lease_owner = NULL, lease_until = NULL, updated_at = ?
			WHERE id = ? AND status = 'pending'`
		if _, err := q.db.ExecContext(ctx, mark, q.clock.Now(), rows[i].ID); err != nil {
			return sent, err
		}
		sent++
	}
	for _, f := range out.Failed {
		q.log.Warn("sqs refused a job message; it will be sent again", "entry", aws.ToString(f.Id), "code", aws.ToString(f.Code))
	}
	return sent, nil
}

func (q *Queue) relayLoop(ctx context.Context) {
	idle := q.newIdle()
	for ctx.Err() == nil {
		n, err := q.relayBatch(ctx)
		if err != nil && ctx.Err() == nil {
			q.log.Error("relaying jobs to sqs failed", "err", err.Error())
		}
		idle.after(ctx, n > 0)
	}
}

// delaySeconds is d as an SQS DelaySeconds: rounded up to whole seconds, so a
// message never arrives before its job is due on our clock, and at most 15
// minutes.
func delaySeconds(d time.Duration) int32 {
	d = min(max(d, 0), maxSQSDelay)
	return int32((d + time.Second - 1) / time.Second)
}

// sqsConsumer receives messages and runs their jobs.
//
// Every receive of a message counts towards the redrive policy's
// maxReceiveCount, whatever becomes of it, so a message is never received
// only to be handed back:
//
//   - The receive loops ask SQS for no more messages than this process has
//     free handler slots (free), so in the common case every message
//     received is run at once.
//   - A message whose own handler is busy (its slots were taken while others'
//     were free) is deferred: sent again with a DelaySeconds that grows with
//     each deferral, and deleted. The new message starts its count afresh.
//   - Whatever the outcome of the job (done, dead, a retry, released at
//     shutdown) the message is deleted: a retry and a release make the row
//     pending again, and the relay sends a new message when it is due.
//   - A message before its job is due is likewise replaced by one with the
//     right DelaySeconds, or, beyond SQS's 15 minutes, left to the relay.
//
// What still counts is what should: a consumer that died holding a message,
// and a message no handler can read. The first comes back after the
// visibility timeout (and the reaper hands its job to the relay anyway); the
// second goes to the dead-letter queue.
type sqsConsumer struct {
	q       *Queue
	work    context.Context
	slots   map[string]chan struct{} // per handler: one token per job running
	free    chan struct{}            // one token per message held, at most the sum of the slots
	running sync.WaitGroup
}

// consumeSQS runs the receive loops and waits for the jobs they started.
func (q *Queue) consumeSQS(ctx, work context.Context) {
	c := &sqsConsumer{q: q, work: work, slots: map[string]chan struct{}{}}
	total := 0
	for name, h := range q.reg.byName {
		n := max(h.concurrency, 1)
		c.slots[name] = make(chan struct{}, n)
		total += n
	}
	c.free = make(chan struct{}, total)
	var loops sync.WaitGroup
	for range q.sqs.cfg.Consumers {
		loops.Go(func() { c.receiveLoop(ctx) })
	}
	loops.Wait()
	c.running.Wait()
}

// take waits for one free place, then takes as many more as are free, up to
// SQS's 10 per receive. It returns how many it took (0 when ctx ended).
func (c *sqsConsumer) take(ctx context.Context) int {
	select {
	case c.free <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < 10 {
		select {
		case c.free <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

func (c *sqsConsumer) give(n int) {
	for range n {
		<-c.free
	}
}

func (c *sqsConsumer) receiveLoop(ctx context.Context) {
	q := c.q
	for ctx.Err() == nil {
		queueURL, _, err := q.sqs.urls(ctx)
		if err != nil {
			q.log.Error("sqs consumer cannot find its queue", "err", err.Error())
			sleep(ctx, q.cfg.PollInterval)
			continue
		}
		n := c.take(ctx)
		if n == 0 {
			return
		}
		out, err := q.sqs.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: int32(n),
			WaitTimeSeconds:   int32(q.sqs.cfg.WaitTime.Seconds()),
			VisibilityTimeout: int32(q.maxLease().Seconds()),
		})
		if err != nil {
			c.give(n)
			if ctx.Err() == nil {
				q.log.Error("sqs receive failed", "err", err.Error())
				sleep(ctx, q.cfg.PollInterval)
			}
			continue
		}
		c.give(n - len(out.Messages))
		for _, m := range out.Messages {
			c.handle(queueURL, m)
		}
	}
}

// handle runs the job of one received message, or defers it when its handler
// is busy. Either way it gives back the message's free place when done.
func (c *sqsConsumer) handle(queueURL string, m types.Message) {
	q := c.q
	var body sqsMessage
	h := (*handler)(nil)
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &body); err == nil {
		h = q.reg.byName[body.Handler]
	}
	if h == nil {
		// Not ours to read: leave it; the redrive policy moves it to the DLQ.
		q.log.Error("sqs message with no known handler", "message_id", aws.ToString(m.MessageId))
		c.give(1)
		return
	}
	// Outcomes are recorded, and messages deleted or deferred, even after
	// shutdown began: a message left alone would only come back.
	rctx := context.WithoutCancel(c.work)
	select {
	case c.slots[h.name] <- struct{}{}:
	default:
		c.running.Go(func() {
			defer c.give(1)
			next := body
			next.Deferrals++
			q.deferMessage(rctx, queueURL, m, next, deferral(body.Deferrals))
		})
		return
	}
	c.running.Go(func() {
		defer c.give(1)
		defer func() { <-c.slots[h.name] }()
		q.runMessage(c.work, rctx, queueURL, m, body, h)
	})
}

// deferral is how long a message waits after its n-th deferral (0 for the
// first): doubling from about a second up to SQS's 15 minutes, with jitter,
// so a handler's backlog is not received again all at once.
func deferral(n int) time.Duration {
	d := time.Second << min(n, 10)
	d = min(d, maxSQSDelay)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// runMessage starts the job of a message and runs it, then deletes the
// message: every outcome is recorded in MySQL, and what still has to run
// goes back through the relay.
func (q *Queue) runMessage(work, ctx context.Context, queueURL string, m types.Message, body sqsMessage, h *handler) {
	r, status, wait, err := q.begin(ctx, body.JobID, h)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		q.log.Error("sqs message for a job that does not exist", "job_id", body.JobID)
	case err != nil:
		// The database failed us. Try again later, not at once: this receive
		// counts, and a few more may before the database is back. If the
		// message is dead-lettered meanwhile, the sweep sends the job again.
		q.log.Error("starting a job from sqs failed", "job_id", body.JobID, "err", err.Error())
		q.changeVisibility(ctx, queueURL, m, 30*time.Second)
		return
	case status == statusWaiting && wait <= maxSQSDelay:
		// Early (a duplicate, or clocks apart): wait in SQS, as a new message.
		q.deferMessage(ctx, queueURL, m, body, wait)
		return
	case status == statusWaiting:
		// Due beyond what SQS can delay: the relay sends it when it may.
		if err := q.repend(ctx, body.JobID); err != nil {
			q.log.Error("handing an early job back to the relay failed", "job_id", body.JobID, "err", err.Error())
			return // the message comes back after its visibility timeout
		}
	case status == statusRunning && r.ID != "":
		q.attempt(work, h, r)
	}
	// Done, dead or discarded; pending, which the relay sends; running under
	// another worker, whose outcome needs no message; or just attempted.
	q.deleteMessage(ctx, queueURL, m)
}

// deferMessage replaces a received message by a copy that arrives after
// delay, so waiting does not count as a receive. The row's updated_at records
// the send for the sweep. A job that is no longer ready (done, running
// elsewhere, pending for the relay) needs no message: this one is deleted.
func (q *Queue) deferMessage(ctx context.Context, queueURL string, m types.Message, next sqsMessage, delay time.Duration) {
	res, err := q.db.ExecContext(ctx, `UPDATE jobs SET updated_at = ? WHERE id = ? AND status = 'ready'`, q.clock.Now(), next.JobID)
	if err != nil {
		q.log.Error("deferring an sqs message failed", "job_id", next.JobID, "err", err.Error())
		return // the message comes back after its visibility timeout
	}
	if n, _ := res.RowsAffected(); n == 1 {
		body, _ := json.Marshal(next)
		if _, err := q.sqs.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL),
			MessageBody: aws.String(string(body)), DelaySeconds: delaySeconds(delay)}); err != nil {
			q.log.Error("deferring an sqs message failed", "job_id", next.JobID, "err", err.Error())
			return
		}
	}
	q.deleteMessage(ctx, queueURL, m)
}

// repend gives a ready job back to the relay.
func (q *Queue) repend(ctx context.Context, jobID string) error {
	_, err := q.db.ExecContext(ctx, `UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = ?
		WHERE id = ? AND status = 'ready'`, q.clock.Now(), jobID)
	return err
}

func (q *Queue) deleteMessage(ctx context.Context, queueURL string, m types.Message) {
	if _, err := q.sqs.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
		q.log.Warn("sqs delete failed; the message will be delivered again and skipped", "err", err.Error())
	}
}

func (q *Queue) changeVisibility(ctx context.Context, queueURL string, m types.Message, d time.Duration) {
	// SQS counts whole seconds: round up, so a short backoff is not zero.
	secs := int32((min(d, 12*time.Hour) + time.Second - 1) / time.Second)
	if _, err := q.sqs.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL),
		ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: secs}); err != nil {
		q.log.Warn("sqs change visibility failed", "err", err.Error())
	}
}

// sweep gives back to the relay the ready jobs whose message was not received
// within ResendAfter of becoming visible (GREATEST(run_at, updated_at): the
// relay and deferrals record each send in updated_at). Their message was lost,
// purged or dead-lettered: MySQL says ready, and nothing would run them. A
// message that was only slow arrives as a duplicate, which the consumer
// absorbs. It returns how many jobs it gave back.
func (q *Queue) sweep(ctx context.Context) (int64, error) {
	now := q.clock.Now()
	cutoff := now.Add(-q.sqs.cfg.ResendAfter)
	res, err := q.db.ExecContext(ctx, `UPDATE jobs SET status = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = ?
		WHERE status = 'ready' AND run_at < ? AND updated_at < ? LIMIT 1000`, now, cutoff, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q *Queue) sweepLoop(ctx context.Context) {
	t := time.NewTicker(min(max(q.sqs.cfg.ResendAfter/4, 100*time.Millisecond), time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := q.sweep(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("looking for jobs whose sqs message was lost failed", "err", err.Error())
		} else if n > 0 {
			q.log.Warn("jobs marked sent whose sqs message never arrived are sent again",
				"count", n, "resend_after", q.sqs.cfg.ResendAfter.String())
		}
	}
}

// RedriveDLQ moves every message from the dead-letter queue back to the main
// queue and returns how many it moved.
func (q *Queue) RedriveDLQ(ctx context.Context) (int, error) {
	if q.sqs == nil {
		return 0, errors.New("queue: redrive is for the sqs driver")
	}
	queueURL, dlqURL, err := q.sqs.urls(ctx)
	if err != nil {
		return 0, err
	}
	moved := 0
	for {
		out, err := q.sqs.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlqURL),
			MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60})
		if err != nil {
			return moved, err
		}
		if len(out.Messages) == 0 {
			return moved, nil
		}
		for _, m := range out.Messages {
			if _, err := q.sqs.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: m.Body}); err != nil {
				return moved, err
			}
			if _, err := q.sqs.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return moved, err
			}
			moved++
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
