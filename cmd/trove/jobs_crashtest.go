//go:build crashtest

package main

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// crashEffect is the job of the crash and shutdown tests (crash_test.go): it
// works for a while, then records its effect under a unique key, as a real
// handler records a side effect idempotently. Only binaries built with
// -tags crashtest have it.
type crashEffect struct {
	Seq     int `json:"seq"`
	SleepMS int `json:"sleep_ms"`
}

func (crashEffect) Kind() string { return "test.crash_effect" }

func registerCrashTestJobs(reg *queue.Registry, conn *sqlx.DB) {
	queue.Handle(reg, "test.crash_effect", func(ctx context.Context, m queue.Meta, j crashEffect) error {
		if _, err := conn.ExecContext(ctx, `INSERT INTO test_runs (job_id, attempt) VALUES (?, ?)`, m.ID, m.Attempt); err != nil {
			return err
		}
		select {
		case <-time.After(time.Duration(j.SleepMS) * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		_, err := conn.ExecContext(ctx, `INSERT INTO test_effects (job_id, seq) VALUES (?, ?)`, m.ID, j.Seq)
		if db.IsDuplicate(err) {
			return nil // applied by an earlier attempt: the effect stands once
		}
		return err
	}, queue.Concurrency(8), queue.Timeout(5*time.Second))
}
