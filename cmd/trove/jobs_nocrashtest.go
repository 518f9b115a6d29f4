//go:build !crashtest

package main

import (
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/queue"
)

// registerCrashTestJobs adds nothing to a normal build: the test job exists
// only in binaries built with -tags crashtest (see jobs_crashtest.go).
func registerCrashTestJobs(*queue.Registry, *sqlx.DB) {}
