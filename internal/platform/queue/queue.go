package queue

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/id"
)

// Drivers.
const (
	DriverMySQL = "mysql"
	DriverSQS   = "sqs"
)

// Config tunes a Queue.
type Config struct {
	Driver string // DriverMySQL (default) or DriverSQS
	// PollInterval is the longest a MySQL worker waits before looking for ready
	// jobs again when it found none.
	PollInterval time.Duration
	// RetryBase and RetryMax bound the exponential backoff between attempts.
	RetryBase, RetryMax time.Duration
	// LeaseMargin is added to a handler's timeout to make its lease: a job whose
	// lease expired is presumed abandoned (its worker died) and runs again.
	LeaseMargin time.Duration
	// ReapInterval is how often expired leases are looked for.
	ReapInterval time.Duration
	// SQS configures the sqs driver.
	SQS SQSConfig
}

func (c *Config) defaults() {
	if c.Driver == "" {
		c.Driver = DriverMySQL
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Hour
	}
	if c.LeaseMargin <= 0 {
		c.LeaseMargin = 30 * time.Second
	}
	if c.ReapInterval <= 0 {
		// Look for expired leases a few times per margin, so an abandoned job
		// waits little longer than its lease.
		c.ReapInterval = min(10*time.Second, max(c.LeaseMargin/4, 100*time.Millisecond))
	}
}

// Queue enqueues jobs and runs their handlers.
type Queue struct {
	db      *sqlx.DB
	reg     *Registry
	clock   clock.Clock
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	owner   string // names this process's leases
	sqs     *sqsTransport
}

// New returns a Queue over db with the handlers in reg. For the sqs driver,
// cfg.SQS must name the queues; call Setup (or `trove queue setup`) once to
// create them.
func New(db *sqlx.DB, reg *Registry, c clock.Clock, cfg Config, log *slog.Logger, m *Metrics) (*Queue, error) {
	cfg.defaults()
	if m == nil {
		m = NewMetrics(nil)
	}
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	host, _ := os.Hostname()
	q := &Queue{db: db, reg: reg, clock: c, cfg: cfg, log: log, metrics: m,
		owner: fmt.Sprintf("%.40s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))}
	switch cfg.Driver {
	case DriverMySQL:
	case DriverSQS:
		t, err := newSQSTransport(cfg.SQS)
		if err != nil {
			return nil, err
		}
		q.sqs = t
	default:
		return nil, fmt.Errorf("queue: unknown driver %q (want mysql or sqs)", cfg.Driver)
	}
	return q, nil
}

// Enqueue writes job within tx, one row per handler of its kind, and returns
// the ids of the rows it wrote (none for a unique key already used). The job
// exists if and only if tx commits. A kind with no handler is an error: a job
// nobody runs would be lost silently.
func (q *Queue) Enqueue(ctx context.Context, tx *sqlx.Tx, job Job, opts ...EnqueueOption) ([]string, error) {
	handlers := q.reg.byKind[job.Kind()]
	if len(handlers) == 0 {
		return nil, fmt.Errorf("queue: no handler for job kind %q", job.Kind())
	}
	var o enqueueOptions
	for _, opt := range opts {
		opt(&o)
	}
	payload, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("queue: encode %s: %w", job.Kind(), err)
	}
	now := q.clock.Now()
	runAt := now
	if !o.runAt.IsZero() {
		runAt = o.runAt.UTC()
	}
	if o.delay > 0 {
		runAt = now.Add(o.delay)
	}
	status := statusReady
	if q.cfg.Driver == DriverSQS {
		status = statusPending
	}
	var unique *string
	if o.uniqueKey != "" {
		unique = &o.uniqueKey
	}
	var ids []string
	for _, h := range handlers {
		maxAttempts := h.maxAttempts
		if o.maxAttempts > 0 {
			maxAttempts = o.maxAttempts
		}
		jobID := id.New("job")
		// ON DUPLICATE KEY UPDATE id = id: a second enqueue with the same unique
		// key changes nothing (0 rows affected) and is not an error.
		const q1 = `INSERT INTO jobs (id, kind, handler, payload, status, attempts, max_attempts, run_at, unique_key, enqueued_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE id = id`
		res, err := tx.ExecContext(ctx, q1, jobID, h.kind, h.name, payload, status, maxAttempts, runAt, unique, now, now)
		if err != nil {
			return nil, fmt.Errorf("queue: enqueue %s: %w", h.name, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			ids = append(ids, jobID)
			q.metrics.enqueued.WithLabelValues(h.kind, h.name).Inc()
		}
	}
	return ids, nil
}

// Run runs the workers of the configured driver until ctx is done. Then it
// stops taking new jobs and gives the ones under way up to grace to finish;
// those still running after that are released, uncounted, for another process.
func (q *Queue) Run(ctx context.Context, grace time.Duration) error {
	// Handlers run under work, which outlives ctx by grace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelWork()
		case <-work.Done():
		}
	}()

	var wg sync.WaitGroup
	wg.Go(func() { q.reapLoop(ctx) })
	switch q.cfg.Driver {
	case DriverSQS:
		wg.Go(func() { q.relayLoop(ctx) })
		wg.Go(func() { q.sweepLoop(ctx) })
		wg.Go(func() { q.consumeSQS(ctx, work) })
	default:
		for _, h := range q.reg.byName {
			wg.Go(func() { q.dispatchMySQL(ctx, work, h) })
		}
	}
	wg.Wait()
	return nil
}

// Job statuses, as stored.
const (
	statusPending = "pending"
	statusReady   = "ready"
	statusRunning = "running"
	statusDone    = "done"
	statusDead    = "dead"
	// statusDiscarded: an operator gave up on a dead job.
	statusDiscarded = "discarded"
	// statusWaiting is never stored: begin reports it for a job not yet due.
	statusWaiting = "waiting"
)

// row is one job as the workers need it.
type row struct {
	ID          string    `db:"id"`
	Kind        string    `db:"kind"`
	Handler     string    `db:"handler"`
	Payload     []byte    `db:"payload"`
	Attempts    int       `db:"attempts"`
	MaxAttempts int       `db:"max_attempts"`
	EnqueuedAt  time.Time `db:"enqueued_at"`
	RunAt       time.Time `db:"run_at"`
}

const rowColumns = `id, kind, handler, payload, attempts, max_attempts, enqueued_at, run_at`

// outcome is what became of one attempt.
type outcome int

const (
	outcomeDone outcome = iota
	outcomeRetry
	outcomeDead
	outcomeReleased // shutdown: handed back, not counted
	outcomeLost     // our lease was taken over; the other worker decides
)

// attempt runs one attempt of r (already marked running under our lease) and
// records its outcome. work is the context handlers run under.
func (q *Queue) attempt(work context.Context, h *handler, r row) (outcome, time.Duration) {
	start := q.clock.Now()
	ready := r.RunAt
	if r.EnqueuedAt.After(ready) {
		ready = r.EnqueuedAt
	}
	if r.Attempts == 1 {
		q.metrics.startLatency.WithLabelValues(r.Kind).Observe(start.Sub(ready).Seconds())
	}
	meta := Meta{ID: r.ID, Kind: r.Kind, Handler: r.Handler, Attempt: r.Attempts, EnqueuedAt: r.EnqueuedAt}
	log := q.log.With("job_id", r.ID, "kind", r.Kind, "handler", r.Handler, "attempt", r.Attempts)
	// Handlers log through httpx.Logger(ctx), as request handlers do.
	hctx, cancel := context.WithTimeout(httpx.WithLogger(work, log), h.timeout)
	err := safeRun(hctx, h, meta, r.Payload)
	cancel()
	q.metrics.duration.WithLabelValues(r.Kind, r.Handler).Observe(time.Since(start).Seconds())

	// Record the outcome even if work was cancelled meanwhile.
	ctx, cancelRec := context.WithTimeout(context.WithoutCancel(work), 10*time.Second)
	defer cancelRec()
	log.Debug("job attempt finished", "err", fmt.Sprint(err))
	var (
		oc    outcome
		delay time.Duration
		rerr  error
	)
	switch {
	case err == nil:
		oc, rerr = outcomeDone, q.finish(ctx, r.ID, statusDone, "")
		q.metrics.succeeded.WithLabelValues(r.Kind, r.Handler).Inc()
	case work.Err() != nil:
		oc, rerr = outcomeReleased, q.release(ctx, r.ID)
		log.Warn("job released at shutdown", "err", err.Error())
	case IsPermanent(err) || r.Attempts >= r.MaxAttempts:
		oc, rerr = outcomeDead, q.finish(ctx, r.ID, statusDead, err.Error())
		q.metrics.dead.WithLabelValues(r.Kind, r.Handler).Inc()
		log.Error("job is dead", "err", err.Error(), "max_attempts", r.MaxAttempts)
	default:
		delay = q.backoff(r.Attempts)
		oc, rerr = outcomeRetry, q.retry(ctx, r.ID, q.clock.Now().Add(delay), err.Error())
		q.metrics.failed.WithLabelValues(r.Kind, r.Handler).Inc()
		log.Warn("job failed, will retry", "err", err.Error(), "retry_in", delay.String())
	}
	if errors.Is(rerr, errLeaseLost) {
		log.Warn("job lease was taken over before the outcome was recorded", "outcome", oc)
		return outcomeLost, 0
	}
	if rerr != nil {
		// The lease will expire and the job run again: at-least-once.
		log.Error("recording job outcome failed", "err", rerr.Error())
	}
	return oc, delay
}

// safeRun calls the handler, turning a panic into an error: a panic is a
// failed attempt, not a dead process.
func safeRun(ctx context.Context, h *handler, m Meta, payload []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return h.run(ctx, m, payload)
}

// backoff is exponential in the attempt number with full jitter over its upper
// half, so retries of many failed jobs spread out instead of arriving together.
func (q *Queue) backoff(attempt int) time.Duration {
	d := q.cfg.RetryBase
	for i := 1; i < attempt && d < q.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, q.cfg.RetryMax)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (q *Queue) lease(h *handler) time.Duration { return h.timeout + q.cfg.LeaseMargin }
