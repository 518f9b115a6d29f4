package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// BenchmarkMySQLQueue measures jobs per second end to end with the MySQL
// driver (each job enqueued in its own transaction, claimed, run and marked
// done) and compares it with the floor any MySQL queue pays: the same number
// of single-row insert+delete transactions, from as many producers.
//
//	make bench   (or: go test -run '^$' -bench MySQLQueue ./internal/platform/queue/)
func BenchmarkMySQLQueue(b *testing.B) {
	const producers = 4
	conn := dbtest.New(b)
	ctx := context.Background()
	if _, err := conn.Exec(`CREATE TABLE bench_floor (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(100) NOT NULL)`); err != nil {
		b.Fatal(err)
	}

	produce := func(n int, one func(i int) error) {
		var wg sync.WaitGroup
		var next atomic.Int64
		for range producers {
			wg.Go(func() {
				for {
					i := int(next.Add(1))
					if i > n {
						return
					}
					if err := one(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}

	// The floor: insert + delete of one row, one transaction each.
	floorStart := time.Now()
	produce(b.N, func(i int) error {
		return db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			res, err := tx.Exec(`INSERT INTO bench_floor (payload) VALUES (?)`, fmt.Sprintf(`{"n":%d}`, i))
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			_, err = tx.Exec(`DELETE FROM bench_floor WHERE id = ?`, id)
			return err
		})
	})
	floor := time.Since(floorStart)

	// The queue, end to end.
	var done atomic.Int64
	reg := NewRegistry()
	Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { done.Add(1); return nil }, Concurrency(8))
	q, err := New(conn, reg, clock.System{}, Config{PollInterval: 10 * time.Millisecond}, discardLog(), nil)
	if err != nil {
		b.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { q.Run(runCtx, 5*time.Second); close(finished) }()
	b.ResetTimer()
	start := time.Now()
	produce(b.N, func(i int) error {
		return db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			_, err := q.Enqueue(ctx, tx, pingJob{N: i})
			return err
		})
	})
	for done.Load() < int64(b.N) {
		time.Sleep(time.Millisecond)
	}
	// Wait for the last outcomes to be recorded, not just the handlers to return.
	for {
		var left int
		if err := conn.Get(&left, `SELECT COUNT(*) FROM jobs WHERE status <> 'done'`); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-finished

	jobsPerSec := float64(b.N) / elapsed.Seconds()
	floorPerSec := float64(b.N) / floor.Seconds()
	b.ReportMetric(jobsPerSec, "jobs/s")
	b.ReportMetric(floorPerSec, "floor_tx/s")
	b.ReportMetric(floorPerSec/jobsPerSec, "x_floor_cost")
}
