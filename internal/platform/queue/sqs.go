package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
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

// Setup creates the dead-letter queue and the main queue with its redrive
// policy, if they are missing. Safe to run again.
func (q *Queue) Setup(ctx context.Context) error {
	if q.sqs == nil {
		return errors.New("queue: setup is for the sqs driver")
	}
	t := q.sqs
	dlq, err := t.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(t.cfg.DLQName),
		Attributes: map[string]string{"MessageRetentionPeriod": "1209600"}})
	if err != nil {
		return fmt.Errorf("queue: create %s: %w", t.cfg.DLQName, err)
	}
	attrs, err := t.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("queue: read %s arn: %w", t.cfg.DLQName, err)
	}
	redrive, _ := json.Marshal(map[string]string{
		"deadLetterTargetArn": attrs.Attributes[string(types.QueueAttributeNameQueueArn)],
		"maxReceiveCount":     strconv.Itoa(t.cfg.MaxReceiveCount),
	})
	main, err := t.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(t.cfg.QueueName),
		Attributes: map[string]string{
			"RedrivePolicy":     string(redrive),
			"VisibilityTimeout": strconv.Itoa(int(q.maxLease().Seconds())),
		}})
	if err != nil {
		return fmt.Errorf("queue: create %s: %w", t.cfg.QueueName, err)
	}
	t.mu.Lock()
	t.queueURL, t.dlqURL = *main.QueueUrl, *dlq.QueueUrl
	t.mu.Unlock()
	return nil
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
		delay := max(r.RunAt.Sub(now), 0)
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)),
			MessageBody: aws.String(string(body)), DelaySeconds: int32(delay.Seconds())}
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

// consumeSQS runs the receive loops and waits for the jobs they started.
func (q *Queue) consumeSQS(ctx, work context.Context) {
	slots := map[string]chan struct{}{}
	for name, h := range q.reg.byName {
		slots[name] = make(chan struct{}, max(h.concurrency, 1))
	}
	var running sync.WaitGroup
	var loops sync.WaitGroup
	for range q.sqs.cfg.Consumers {
		loops.Go(func() { q.receiveLoop(ctx, work, slots, &running) })
	}
	loops.Wait()
	running.Wait()
}

func (q *Queue) receiveLoop(ctx, work context.Context, slots map[string]chan struct{}, running *sync.WaitGroup) {
	for ctx.Err() == nil {
		queueURL, _, err := q.sqs.urls(ctx)
		if err != nil {
			q.log.Error("sqs consumer cannot find its queue", "err", err.Error())
			sleep(ctx, q.cfg.PollInterval)
			continue
		}
		out, err := q.sqs.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			WaitTimeSeconds:   int32(q.sqs.cfg.WaitTime.Seconds()),
			VisibilityTimeout: int32(q.maxLease().Seconds()),
		})
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("sqs receive failed", "err", err.Error())
				sleep(ctx, q.cfg.PollInterval)
			}
			continue
		}
		for _, m := range out.Messages {
			q.handleMessage(ctx, work, queueURL, m, slots, running)
		}
	}
}

func (q *Queue) handleMessage(ctx, work context.Context, queueURL string, m types.Message, slots map[string]chan struct{}, running *sync.WaitGroup) {
	var body sqsMessage
	h := (*handler)(nil)
	if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &body); err == nil {
		h = q.reg.byName[body.Handler]
	}
	if h == nil {
		// Not ours to decode: leave it; the redrive policy moves it to the DLQ.
		q.log.Error("sqs message with no known handler", "message_id", aws.ToString(m.MessageId))
		return
	}
	select {
	case slots[h.name] <- struct{}{}:
	default:
		// This handler is at its concurrency: let the message come back shortly.
		q.changeVisibility(ctx, queueURL, m, time.Second)
		return
	}
	running.Go(func() {
		defer func() { <-slots[h.name] }()
		rctx := context.WithoutCancel(work)
		r, status, wait, err := q.begin(rctx, body.JobID, h)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			q.log.Error("sqs message for a job that does not exist", "job_id", body.JobID)
			q.deleteMessage(rctx, queueURL, m)
			return
		case err != nil:
			q.log.Error("starting a job from sqs failed", "job_id", body.JobID, "err", err.Error())
			q.changeVisibility(rctx, queueURL, m, time.Second) // try again soon, not after a whole lease
			return
		case status == statusDone || status == statusDead || status == statusDiscarded:
			q.deleteMessage(rctx, queueURL, m) // a redelivery of a finished job: never run again
			return
		case status == statusWaiting:
			q.changeVisibility(rctx, queueURL, m, wait)
			return
		case status != statusRunning || r.ID == "":
			return // another worker holds it
		}
		switch oc, delay := q.attempt(work, h, r); oc {
		case outcomeDone, outcomeDead:
			q.deleteMessage(rctx, queueURL, m)
		case outcomeRetry:
			q.changeVisibility(rctx, queueURL, m, delay)
		case outcomeReleased:
			q.changeVisibility(rctx, queueURL, m, 0)
		}
	})
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
