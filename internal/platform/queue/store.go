package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
)

// errLeaseLost means the row is no longer ours: our lease expired and another
// worker took the job, which now decides its outcome.
var errLeaseLost = errors.New("queue: lease lost")

// maxErrorLen bounds the error text kept on a job.
const maxErrorLen = 4000

func truncate(s string) string {
	if len(s) > maxErrorLen {
		return s[:maxErrorLen]
	}
	return s
}

// claim takes up to n ready jobs of one handler under this process's lease.
// SKIP LOCKED lets many workers claim side by side without waiting on each other.
func (q *Queue) claim(ctx context.Context, h *handler, n int) ([]row, error) {
	var rows []row
	// READ COMMITTED: the locking read then locks only the rows it returns, not
	// the gaps around them, so claims rarely deadlock with enqueues and outcomes;
	// when one still does, the whole claim runs again.
	err := db.RetryDeadlocks(ctx, func() error {
		rows = nil
		return db.InTxOpts(ctx, q.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			return q.claimTx(ctx, tx, h, n, &rows)
		})
	})
	if err != nil {
		return nil, fmt.Errorf("queue: claim %s: %w", h.name, err)
	}
	return rows, nil
}

func (q *Queue) claimTx(ctx context.Context, tx *sqlx.Tx, h *handler, n int, rows *[]row) error {
	now := q.clock.Now()
	var ids []string
	const sel = `SELECT id FROM jobs WHERE status = 'ready' AND handler = ? AND run_at <= ?
		ORDER BY run_at LIMIT ? FOR UPDATE SKIP LOCKED`
	if err := tx.SelectContext(ctx, &ids, sel, h.name, now, n); err != nil || len(ids) == 0 {
		return err
	}
	upd, args, err := sqlx.In(`UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?,
		lease_until = ?, started_at = COALESCE(started_at, ?), updated_at = ? WHERE id IN (?)`,
		q.owner, now.Add(q.lease(h)), now, now, ids)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, upd, args...); err != nil {
		return err
	}
	get, args, err := sqlx.In(`SELECT `+rowColumns+` FROM jobs WHERE id IN (?) ORDER BY run_at`, ids)
	if err != nil {
		return err
	}
	return tx.SelectContext(ctx, rows, get, args...)
}

// begin marks one delivered job as running under our lease, unless it is done
// or dead, or another worker holds a live lease on it. It is how a delivery
// that did not come from claim (an SQS message, a redelivery) starts.
//
// A job whose run_at is still ahead (a duplicate message, clocks apart) is not
// started: begin returns statusWaiting and how long is left, or statusPending
// if the job waits for the relay anyway.
func (q *Queue) begin(ctx context.Context, jobID string, h *handler) (row, string, time.Duration, error) {
	var r row
	var status string
	var wait time.Duration
	err := db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, q.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			var err error
			r, status, wait, err = q.beginTx(ctx, tx, jobID, h)
			return err
		})
	})
	return r, status, wait, err
}

func (q *Queue) beginTx(ctx context.Context, tx *sqlx.Tx, jobID string, h *handler) (r row, status string, wait time.Duration, _ error) {
	now := q.clock.Now()
	var cur struct {
		Status     string       `db:"status"`
		LeaseUntil sql.NullTime `db:"lease_until"`
		RunAt      time.Time    `db:"run_at"`
	}
	err := tx.GetContext(ctx, &cur, `SELECT status, lease_until, run_at FROM jobs WHERE id = ? FOR UPDATE`, jobID)
	if err != nil {
		return r, "", 0, err
	}
	status = cur.Status
	if status == statusDone || status == statusDead || status == statusDiscarded {
		return r, status, 0, nil
	}
	if status == statusRunning && cur.LeaseUntil.Valid && cur.LeaseUntil.Time.After(now) {
		return r, status, 0, nil // someone else is on it
	}
	if status == statusPending && cur.RunAt.After(now) {
		return r, statusPending, 0, nil // the relay sends it when it is due
	}
	if status != statusRunning && cur.RunAt.After(now) {
		return r, statusWaiting, cur.RunAt.Sub(now), nil
	}
	const upd = `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?,
		started_at = COALESCE(started_at, ?), updated_at = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, upd, q.owner, now.Add(q.lease(h)), now, now, jobID); err != nil {
		return r, "", 0, err
	}
	err = tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM jobs WHERE id = ?`, jobID)
	return r, statusRunning, 0, err
}

// finish records a final outcome (done or dead) of an attempt we hold.
func (q *Queue) finish(ctx context.Context, jobID, status, lastErr string) error {
	now := q.clock.Now()
	var errText *string
	if lastErr != "" {
		s := truncate(lastErr)
		errText = &s
	}
	const upd = `UPDATE jobs SET status = ?, last_error = COALESCE(?, last_error), lease_owner = NULL, lease_until = NULL,
		finished_at = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`
	return q.record(ctx, upd, status, errText, now, now, jobID, q.owner)
}

// retry schedules the next attempt of a job we hold. With the sqs driver the
// job goes back to the relay, which sends a new message when it is due: the
// received one is deleted, never held back for the backoff (that would count
// as a receive towards the dead-letter queue).
func (q *Queue) retry(ctx context.Context, jobID string, at time.Time, lastErr string) error {
	const upd = `UPDATE jobs SET status = ?, run_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL,
		updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`
	return q.record(ctx, upd, q.requeueStatus(), at, truncate(lastErr), q.clock.Now(), jobID, q.owner)
}

// release hands a job we hold back without counting the attempt (shutdown),
// to the workers or (sqs) the relay of any process.
func (q *Queue) release(ctx context.Context, jobID string) error {
	const upd = `UPDATE jobs SET status = ?, attempts = GREATEST(attempts - 1, 0), lease_owner = NULL,
		lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`
	return q.record(ctx, upd, q.requeueStatus(), q.clock.Now(), jobID, q.owner)
}

// record runs an outcome update on a job we hold, again if it lost a deadlock
// (a retry is safe: the update is guarded by our lease), and reports
// errLeaseLost when the job is no longer ours.
func (q *Queue) record(ctx context.Context, query string, args ...any) error {
	var res sql.Result
	err := db.RetryDeadlocks(ctx, func() (err error) {
		res, err = q.db.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLeaseLost
	}
	return nil
}

// reap makes jobs whose lease expired (their worker died) ready again (sqs:
// pending, so the relay sends them anew rather than waiting for the dead
// worker's message to come back), or dead when they have used every attempt.
// It returns how many it touched.
func (q *Queue) reap(ctx context.Context) (int64, error) {
	now := q.clock.Now()
	const upd = `UPDATE jobs SET
			status = IF(attempts >= max_attempts, 'dead', ?),
			finished_at = IF(attempts >= max_attempts, ?, finished_at),
			last_error = CONCAT('lease of ', COALESCE(lease_owner, '?'), ' expired: the worker stopped mid-run'),
			lease_owner = NULL, lease_until = NULL, run_at = ?, updated_at = ?
		WHERE status = 'running' AND lease_until < ?`
	res, err := q.db.ExecContext(ctx, upd, q.requeueStatus(), now, now, now, now)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q *Queue) reapLoop(ctx context.Context) {
	t := time.NewTicker(q.cfg.ReapInterval)
	defer t.Stop()
	for {
		if n, err := q.reap(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("reaping expired job leases failed", "err", err.Error())
		} else if n > 0 {
			q.log.Warn("jobs whose worker stopped mid-run are ready again", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
