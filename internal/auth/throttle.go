package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// ThrottleLimits say how many failed sign-ins a key (an account or a client
// address) may have within the window before it is locked for lockFor.
type ThrottleLimits struct {
	Window          time.Duration
	LockFor         time.Duration
	AccountFailures int
	IPFailures      int
}

// DefaultThrottle: 5 failures per account or 50 per address in 15 minutes lock
// for 15 minutes.
var DefaultThrottle = ThrottleLimits{Window: 15 * time.Minute, LockFor: 15 * time.Minute, AccountFailures: 5, IPFailures: 50}

type throttle struct {
	db     *sqlx.DB
	clock  clock.Clock
	limits ThrottleLimits
}

// LockedError is a sign-in refused because of too many failures.
type LockedError struct {
	RetryAfter time.Duration
}

func (e *LockedError) Error() string {
	return "too many failed sign-ins: try again later"
}

// check refuses when any of keys is locked.
func (t *throttle) check(ctx context.Context, keys []string) error {
	now := t.clock.Now()
	for _, k := range keys {
		var until sql.NullTime
		err := t.db.GetContext(ctx, &until, `SELECT locked_until FROM login_throttles WHERE throttle_key = ?`, k)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if until.Valid && until.Time.After(now) {
			wait := until.Time.Sub(now)
			return &fault.Error{Kind: fault.KindRateLimited, Err: &LockedError{RetryAfter: wait}, RetryAfter: wait,
				Message: fmt.Sprintf("too many failed sign-ins: try again in %d minute(s)", int(math.Ceil(wait.Minutes())))}
		}
	}
	return nil
}

// fail counts a failure against each key and locks those over their limit.
func (t *throttle) fail(ctx context.Context, keys []string) error {
	now := t.clock.Now()
	windowStart := now.Add(-t.limits.Window)
	for _, k := range keys {
		limit := t.limits.AccountFailures
		if len(k) > 3 && k[:3] == "ip:" {
			limit = t.limits.IPFailures
		}
		// The SET list runs left to right on the old row, so locked_until is
		// computed before failures and window_start change.
		const q = `INSERT INTO login_throttles (throttle_key, failures, window_start, locked_until)
			VALUES (?, 1, ?, IF(1 >= ?, ?, NULL))
			ON DUPLICATE KEY UPDATE
				locked_until = IF(IF(window_start < ?, 1, failures + 1) >= ?, ?, locked_until),
				failures = IF(window_start < ?, 1, failures + 1),
				window_start = IF(window_start < ?, ?, window_start)`
		lockUntil := now.Add(t.limits.LockFor)
		if _, err := t.db.ExecContext(ctx, q, k, now, limit, lockUntil,
			windowStart, limit, lockUntil, windowStart, windowStart, now); err != nil {
			return err
		}
	}
	return nil
}

// clear forgets the failures of a key after a successful sign-in.
func (t *throttle) clear(ctx context.Context, key string) error {
	_, err := t.db.ExecContext(ctx, `DELETE FROM login_throttles WHERE throttle_key = ?`, key)
	return err
}
