package auth

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/ratelimit"
)

// ThrottleLimits say how many sign-in attempts a key (an account or a client
// address) may have within the window before it is locked for LockFor. An
// attempt counts from the moment it is let through to the password check; a
// successful sign-in forgets its account's count.
type ThrottleLimits struct {
	Window          time.Duration
	LockFor         time.Duration
	AccountFailures int
	IPFailures      int
}

// DefaultThrottle: 5 attempts per account or 50 per address in 15 minutes,
// then a lock of 15 minutes.
var DefaultThrottle = ThrottleLimits{Window: 15 * time.Minute, LockFor: 15 * time.Minute, AccountFailures: 5, IPFailures: 50}

type throttle struct {
	db     *sqlx.DB
	clock  clock.Clock
	limits ThrottleLimits
}

// LockedError is a sign-in refused because of too many attempts.
type LockedError struct {
	RetryAfter time.Duration
}

func (e *LockedError) Error() string {
	return "too many failed sign-ins: try again later"
}

// throttleKey is one counter a sign-in attempt is held against, with its limit.
type throttleKey struct {
	key   string
	limit int
}

// keysFor returns the counters of a sign-in for email (already normalised)
// from address ip: the account's and the address's.
func (t *throttle) keysFor(email, ip string) []throttleKey {
	return []throttleKey{
		{key: "account:" + email, limit: t.limits.AccountFailures},
		{key: addressKey(ip), limit: t.limits.IPFailures},
	}
}

// addressKey is the throttle key of a client address (ratelimit.AddressKey:
// IPv6 by its /64, junk by its hash).
func addressKey(ip string) string { return "ip:" + ratelimit.AddressKey(ip) }

// reservation is what reserve counted, so that release can take it back.
type reservation struct {
	keys []reservedKey
}

type reservedKey struct {
	key         string
	windowStart time.Time
	lockedUntil sql.NullTime // the lock this attempt set (it was the last one allowed), if any
}

// reserve counts one sign-in attempt against every key, before the password
// is checked, or refuses it (429, with Retry-After) without counting when a
// key is locked. It runs as one transaction holding each key's row lock, so
// concurrent attempts, in this process or another sharing the database, are
// counted one after the other: no more than a key's limit get through in a
// window. The attempt that reaches the limit sets the lock at once, so the
// attempts after it are refused even while it is still being checked.
func (t *throttle) reserve(ctx context.Context, keys []throttleKey) (reservation, error) {
	var res reservation
	err := db.RetryDeadlocks(ctx, func() error {
		res = reservation{}
		// READ COMMITTED: the row locks are all that is needed, not gap locks.
		return db.InTxOpts(ctx, t.db, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
			now := t.clock.Now()
			// Every attempt locks its account key before its address key, so
			// two attempts cannot wait on each other in a cycle.
			for _, k := range keys {
				r, err := t.reserveKey(ctx, tx, k, now)
				if err != nil {
					return err
				}
				res.keys = append(res.keys, r)
			}
			return nil
		})
	})
	return res, err
}

func (t *throttle) reserveKey(ctx context.Context, tx *sqlx.Tx, k throttleKey, now time.Time) (reservedKey, error) {
	// Make the row exist and take its lock in one statement (a duplicate key
	// takes the exclusive lock directly; INSERT IGNORE would take a shared
	// one, and two attempts upgrading it would deadlock).
	const ensure = `INSERT INTO login_throttles (throttle_key, failures, window_start) VALUES (?, 0, ?)
		ON DUPLICATE KEY UPDATE throttle_key = throttle_key`
	if _, err := tx.ExecContext(ctx, ensure, k.key, now); err != nil {
		return reservedKey{}, err
	}
	var row struct {
		Failures    int          `db:"failures"`
		WindowStart time.Time    `db:"window_start"`
		LockedUntil sql.NullTime `db:"locked_until"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT failures, window_start, locked_until FROM login_throttles
		WHERE throttle_key = ? FOR UPDATE`, k.key); err != nil {
		return reservedKey{}, err
	}
	if row.LockedUntil.Valid && row.LockedUntil.Time.After(now) {
		// Refused attempts are not counted and do not extend the lock: the
		// account's owner gets in once it ends.
		wait := row.LockedUntil.Time.Sub(now)
		return reservedKey{}, &fault.Error{Kind: fault.KindRateLimited, Err: &LockedError{RetryAfter: wait}, RetryAfter: wait,
			Message: fmt.Sprintf("too many failed sign-ins: try again in %d minute(s)", int(math.Ceil(wait.Minutes())))}
	}
	if row.LockedUntil.Valid || row.WindowStart.Before(now.Add(-t.limits.Window)) {
		// A lock that has ended, or a window that has passed: start afresh.
		row.Failures, row.WindowStart, row.LockedUntil = 0, now, sql.NullTime{}
	}
	row.Failures++
	if row.Failures >= k.limit {
		row.LockedUntil = sql.NullTime{Time: now.Add(t.limits.LockFor), Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE login_throttles SET failures = ?, window_start = ?, locked_until = ? WHERE throttle_key = ?`,
		row.Failures, row.WindowStart, row.LockedUntil, k.key); err != nil {
		return reservedKey{}, err
	}
	return reservedKey{key: k.key, windowStart: row.WindowStart, lockedUntil: row.LockedUntil}, nil
}

// release takes back an attempt whose password was never checked (every
// hashing slot was busy, the client went away, the database failed): it must
// not count towards a lock. Only the attempt's own window is touched, and the
// lock only when this attempt set it.
func (t *throttle) release(ctx context.Context, res reservation) error {
	for _, k := range res.keys {
		const q = `UPDATE login_throttles SET
				locked_until = IF(locked_until <=> ?, NULL, locked_until),
				failures = failures - 1
			WHERE throttle_key = ? AND window_start = ? AND failures > 0`
		err := db.RetryDeadlocks(ctx, func() error {
			_, err := t.db.ExecContext(ctx, q, k.lockedUntil, k.key, k.windowStart)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// clear forgets the attempts of a key after a successful sign-in.
func (t *throttle) clear(ctx context.Context, key string) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM login_throttles WHERE throttle_key = ?`, key)
	return err
}
