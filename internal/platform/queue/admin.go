package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// DeadJob is a job that gave up, as operators see it.
type DeadJob struct {
	ID         string    `db:"id" json:"id"`
	Kind       string    `db:"kind" json:"kind"`
	Handler    string    `db:"handler" json:"handler"`
	Payload    string    `db:"payload" json:"payload"`
	Attempts   int       `db:"attempts" json:"attempts"`
	LastError  string    `db:"last_error" json:"last_error"`
	EnqueuedAt time.Time `db:"enqueued_at" json:"enqueued_at"`
	FinishedAt time.Time `db:"finished_at" json:"finished_at"`
}

// ListDead returns dead jobs, newest first, optionally of one kind, after the
// cursor (the id of the last job of the previous page).
func (q *Queue) ListDead(ctx context.Context, kind, after string, limit int) ([]DeadJob, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	query := `SELECT id, kind, handler, payload, attempts, COALESCE(last_error, '') last_error, enqueued_at,
		COALESCE(finished_at, updated_at) finished_at FROM jobs WHERE status = 'dead'`
	var args []any
	if kind != "" {
		query += ` AND kind = ?`
		args = append(args, kind)
	}
	if after != "" {
		query += ` AND id < ?`
		args = append(args, after)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	jobs := []DeadJob{}
	if err := q.db.SelectContext(ctx, &jobs, query, args...); err != nil {
		return nil, err
	}
	return jobs, nil
}

// Actor is who asks for an operator action, for the audit log.
type Actor struct {
	Type, ID, RequestID string
}

// requeueStatus is where a job that is to run again goes (an operator's
// retry, a failed attempt, a release, an expired lease): straight to the
// workers (mysql) or back through the relay (sqs).
func (q *Queue) requeueStatus() string {
	if q.cfg.Driver == DriverSQS {
		return statusPending
	}
	return statusReady
}

// Retry makes one dead job run again from its first attempt.
func (q *Queue) Retry(ctx context.Context, jobID string, by Actor) error {
	n, err := q.retryWhere(ctx, `id = ?`, []any{jobID}, by, "job.retried", jobID)
	if err != nil {
		return err
	}
	if n == 0 {
		return fault.NotFound("no dead job %s", jobID)
	}
	return nil
}

// RetryKind makes every dead job of a kind run again; it returns how many.
func (q *Queue) RetryKind(ctx context.Context, kind string, by Actor) (int64, error) {
	if strings.TrimSpace(kind) == "" {
		return 0, fault.Invalid("kind is required")
	}
	return q.retryWhere(ctx, `kind = ?`, []any{kind}, by, "job.retried_kind", kind)
}

func (q *Queue) retryWhere(ctx context.Context, where string, args []any, by Actor, action, object string) (int64, error) {
	var n int64
	err := db.InTx(ctx, q.db, func(tx *sqlx.Tx) error {
		now := q.clock.Now()
		upd := `UPDATE jobs SET status = ?, attempts = 0, run_at = ?, finished_at = NULL, lease_owner = NULL,
			lease_until = NULL, updated_at = ? WHERE status = 'dead' AND ` + where
		res, err := tx.ExecContext(ctx, upd, append([]any{q.requeueStatus(), now, now}, args...)...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, RequestID: by.RequestID,
			Action: action, ObjectType: "job", ObjectID: object, After: map[string]int64{"jobs": n}})
	})
	return n, err
}

// Discard gives up on a dead job for good. The reason is required and goes to
// the audit log with the job as it was.
func (q *Queue) Discard(ctx context.Context, jobID, reason string, by Actor) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fault.Invalid("a reason is required to discard a job")
	}
	if len(reason) > 1000 {
		return fault.Invalid("the reason must be at most 1000 characters")
	}
	return db.InTx(ctx, q.db, func(tx *sqlx.Tx) error {
		var j DeadJob
		err := tx.GetContext(ctx, &j, `SELECT id, kind, handler, payload, attempts, COALESCE(last_error, '') last_error,
			enqueued_at, COALESCE(finished_at, updated_at) finished_at FROM jobs WHERE id = ? AND status = 'dead' FOR UPDATE`, jobID)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fault.NotFound("no dead job %s", jobID)
			}
			return err
		}
		now := q.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'discarded', updated_at = ? WHERE id = ?`, now, jobID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, RequestID: by.RequestID,
			Action: "job.discarded", ObjectType: "job", ObjectID: jobID, Before: j, Reason: reason})
	})
}

// Redrive moves the SQS dead-letter queue back to the main queue (sqs driver).
func (q *Queue) Redrive(ctx context.Context, by Actor) (int, error) {
	if q.sqs == nil {
		return 0, fault.Invalid("the dead-letter queue exists only with the sqs driver (TROVE_QUEUE=sqs)")
	}
	n, err := q.RedriveDLQ(ctx)
	if err != nil {
		return n, fmt.Errorf("queue: redrive: %w", err)
	}
	if n > 0 {
		err = db.InTx(ctx, q.db, func(tx *sqlx.Tx) error {
			return audit.Record(ctx, tx, audit.Entry{At: q.clock.Now(), ActorType: by.Type, ActorID: by.ID, RequestID: by.RequestID,
				Action: "job.dlq_redriven", ObjectType: "sqs_queue", ObjectID: q.sqs.cfg.DLQName, After: map[string]int{"messages": n}})
		})
	}
	return n, err
}

// PruneJob deletes finished jobs past the retention period. It is scheduled
// by cmd/trove; see Prune.
type PruneJob struct{}

// Kind names the job.
func (PruneJob) Kind() string { return "jobs.prune" }

// Prune deletes done and discarded jobs that finished before cutoff, in small
// batches so it never holds many locks, and returns how many it deleted. A
// pruned job's unique key is forgotten with it: keys guard against duplicates
// for the retention period, which outlasts any redelivery or schedule overlap.
func (q *Queue) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := q.db.ExecContext(ctx, `DELETE FROM jobs WHERE status IN ('done', 'discarded')
			AND updated_at < ? LIMIT 1000`, cutoff)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
