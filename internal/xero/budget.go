package xero

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
)

// budget gives a call permission to start for a tenant, inside Xero's
// limits, and takes back its concurrency slot when the call is over.
type budget interface {
	acquire(ctx context.Context, tenantID string) (release func(), err error)
}

// sharedBudget keeps Xero's per-tenant limits in the database, so that every
// Trove process using it stays inside them together, not each on its own
// (N processes each allowed 60 a minute start up to 60×N, and Xero answers
// the rest with 429s that every waiting process then retries at once).
//
// Tables (owner: this package; migration 20261206210200_xero_call_budget):
//
//   - xero_call_budgets: one row per tenant, locked (SELECT … FOR UPDATE) by
//     the call deciding whether it may start, so the decisions of all
//     processes for one tenant are made one at a time.
//   - xero_calls: one row per call started (retries included, as Xero counts
//     them), with lease_until while it is in flight.
//
// Under the lock a call counts, from the rows of the last 24 hours, those
// started in the last Minute (plus 5% slack, as the in-process limiter), all
// of them (the day), and those in flight (lease_until in the future). It may
// start when all three are under Xero's limits; it then inserts its row with
// a lease and commits. The windows are rolling, as Xero's are ("60 calls in a
// rolling 60 second window", "5000 calls in a rolling 24 hour window"). A
// call over the minute waits until the oldest call that counts leaves the
// window; a call over the concurrency waits a short poll (another process's
// call ends when it ends: 50 ms, backing off to 500 ms); a call over the
// day fails at once with ErrDailyLimit (waiting hours in a job is worse
// than rescheduling).
//
// Time is the database's (UTC_TIMESTAMP): one clock for every process. The
// lease outlives the HTTP client's timeout, so a process that dies mid-call
// frees its slot when the lease runs out; release clears it at once.
//
// Each process also keeps a semaphore of Concurrent slots per tenant in
// front of the database, so its own calls wait in memory, not by polling.
type sharedBudget struct {
	db     *sqlx.DB
	limits Limits
	window time.Duration // Minute plus 5% slack
	lease  time.Duration // the longest a call holds a concurrency slot
	poll   time.Duration // how soon a call waiting for a slot in flight first looks again
	log    *slog.Logger

	mu    sync.Mutex
	sems  map[string]chan struct{}
	known map[string]bool // tenants whose xero_call_budgets row exists
}

// keepCalls is how long call rows are kept: the day window and some.
const keepCalls = day + time.Hour

// maxPoll is the longest a call waiting for a slot in flight waits before
// looking again.
const maxPoll = 500 * time.Millisecond

func newSharedBudget(conn *sqlx.DB, l Limits, httpTimeout time.Duration, log *slog.Logger) *sharedBudget {
	lease := 2 * time.Minute
	if httpTimeout > 0 {
		lease = httpTimeout + 10*time.Second
	}
	return &sharedBudget{db: conn, limits: l, window: l.Minute + l.Minute/20, lease: lease, poll: 50 * time.Millisecond,
		log: log, sems: map[string]chan struct{}{}, known: map[string]bool{}}
}

func (b *sharedBudget) sem(tenantID string) (chan struct{}, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.sems[tenantID]
	if !ok {
		s = make(chan struct{}, b.limits.Concurrent)
		b.sems[tenantID] = s
	}
	return s, b.known[tenantID]
}

func (b *sharedBudget) acquire(ctx context.Context, tenantID string) (func(), error) {
	sem, known := b.sem(tenantID)
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	local := func() { <-sem }
	if !known {
		const q = `INSERT IGNORE INTO xero_call_budgets (tenant_id) VALUES (?)`
		if _, err := b.db.ExecContext(ctx, q, tenantID); err != nil {
			local()
			return nil, budgetError(ctx, err)
		}
		b.mu.Lock()
		b.known[tenantID] = true
		b.mu.Unlock()
	}
	for polls := 0; ; {
		var id int64
		var wait time.Duration
		var busy bool
		err := db.RetryDeadlocks(ctx, func() (err error) {
			id, wait, busy, err = b.try(ctx, tenantID)
			return err
		})
		if err != nil {
			local()
			return nil, budgetError(ctx, err)
		}
		if id != 0 {
			return func() { b.release(ctx, id); local() }, nil
		}
		if busy {
			// Another process's calls fill the slots: look again soon, then
			// less often (up to maxPoll), with jitter so that waiting
			// processes do not all take the lock at once.
			wait = min(b.poll<<min(polls, 4), maxPoll)
			wait += time.Duration(rand.Int64N(int64(wait) / 5))
			polls++
		}
		if err := sleep(ctx, wait); err != nil {
			local()
			return nil, err
		}
	}
}

// try takes one call's place in the tenant's budget if there is one: it
// answers the call's row id; or 0 and how long until the minute frees a
// call; or 0 and busy when the calls in flight fill the slots; or an *Error
// wrapping ErrDailyLimit.
func (b *sharedBudget) try(ctx context.Context, tenantID string) (id int64, wait time.Duration, busy bool, err error) {
	err = db.InTxOpts(ctx, b.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
		var now time.Time
		const lock = `SELECT UTC_TIMESTAMP(6) FROM xero_call_budgets WHERE tenant_id = ? FOR UPDATE`
		if err := tx.GetContext(ctx, &now, lock, tenantID); err != nil {
			return err
		}
		var n struct {
			Day      int           `db:"day"`
			Minute   sql.NullInt64 `db:"minute"`
			InFlight sql.NullInt64 `db:"in_flight"`
		}
		const count = `SELECT COUNT(*) AS day, SUM(started_at > ?) AS minute, SUM(lease_until > ?) AS in_flight
			FROM xero_calls WHERE tenant_id = ? AND started_at > ?`
		if err := tx.GetContext(ctx, &n, count, now.Add(-b.window), now, tenantID, now.Add(-day)); err != nil {
			return err
		}
		switch {
		case n.Day >= b.limits.PerDay:
			// The day frees a call when the oldest that still counts turns 24 hours old.
			var oldest time.Time
			const q = `SELECT started_at FROM xero_calls WHERE tenant_id = ? AND started_at > ? ORDER BY started_at LIMIT 1 OFFSET ?`
			if err := tx.GetContext(ctx, &oldest, q, tenantID, now.Add(-day), n.Day-b.limits.PerDay); err != nil {
				return err
			}
			return &Error{kind: ErrDailyLimit, Message: "the tenant's daily call budget is spent (shared by every Trove process)",
				RetryAfter: oldest.Add(day).Sub(now).Round(time.Second)}
		case int(n.InFlight.Int64) >= b.limits.Concurrent:
			busy = true
			return nil
		case int(n.Minute.Int64) >= b.limits.PerMinute:
			// The minute frees a call when the PerMinute-th newest leaves the window.
			var t time.Time
			const q = `SELECT started_at FROM xero_calls WHERE tenant_id = ? ORDER BY started_at DESC LIMIT 1 OFFSET ?`
			if err := tx.GetContext(ctx, &t, q, tenantID, b.limits.PerMinute-1); err != nil {
				return err
			}
			wait = max(t.Add(b.window).Sub(now), time.Millisecond)
			return nil
		}
		const insert = `INSERT INTO xero_calls (tenant_id, started_at, lease_until) VALUES (?, ?, ?)`
		res, err := tx.ExecContext(ctx, insert, tenantID, now, now.Add(b.lease))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		const prune = `DELETE FROM xero_calls WHERE tenant_id = ? AND started_at < ? ORDER BY started_at LIMIT 100`
		_, err = tx.ExecContext(ctx, prune, tenantID, now.Add(-keepCalls))
		return err
	})
	if err != nil {
		return 0, 0, false, err
	}
	return id, wait, busy, nil
}

// release ends the call's lease, even when ctx has ended (the call is over
// either way). If the database cannot be reached the lease runs out by itself.
func (b *sharedBudget) release(ctx context.Context, id int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := b.db.ExecContext(ctx, `UPDATE xero_calls SET lease_until = NULL WHERE id = ?`, id); err != nil {
		b.log.WarnContext(ctx, "xero: the call budget could not end a call's lease; it runs out by itself", "err", err)
	}
}

// budgetError passes an *Error (the daily limit) and ctx's end through, and
// names anything else as the budget's database failing.
func budgetError(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return ce
	}
	var xe *Error
	if errors.As(err, &xe) {
		return err
	}
	return fmt.Errorf("xero: call budget: %w", err)
}
