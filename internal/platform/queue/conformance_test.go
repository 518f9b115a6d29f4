package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
)

type pingJob struct {
	N int `json:"n"`
}

func (pingJob) Kind() string { return "test.ping" }

// recorder remembers every attempt each job got.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]time.Time
}

func newRecorder() *recorder { return &recorder{calls: map[string][]time.Time{}} }

func (r *recorder) record(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[id] = append(r.calls[id], time.Now())
	return len(r.calls[id])
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls[id])
}

func (r *recorder) times(id string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.calls[id]...)
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		n += len(c)
	}
	return n
}

func enqueue(t *testing.T, tq *testQueue, job Job, opts ...EnqueueOption) []string {
	t.Helper()
	var ids []string
	err := db.InTx(context.Background(), tq.db, func(tx *sqlx.Tx) error {
		var err error
		ids, err = tq.Enqueue(context.Background(), tx, job, opts...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestConformance holds both drivers to the same promises.
func TestConformance(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			t.Run("enqueue in a rolled-back transaction never runs", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
				tq := startQueue(t, d, nil, reg, nil)
				err := db.InTx(context.Background(), tq.db, func(tx *sqlx.Tx) error {
					if _, err := tq.Enqueue(context.Background(), tx, pingJob{N: 1}); err != nil {
						return err
					}
					return errors.New("roll back")
				})
				if err == nil {
					t.Fatal("want the rollback error")
				}
				ids := enqueue(t, tq, pingJob{N: 2}) // a committed one, to know the workers ran
				eventually(t, 10*time.Second, "the committed job", func() bool { return rec.count(ids[0]) == 1 })
				time.Sleep(200 * time.Millisecond)
				if n := rec.total(); n != 1 {
					t.Fatalf("%d attempts ran; the rolled-back job must never run", n)
				}
				var rows int
				tq.db.Get(&rows, `SELECT COUNT(*) FROM jobs`)
				if rows != 1 {
					t.Fatalf("%d job rows, want 1", rows)
				}
			})

			t.Run("every committed job runs", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil }, Concurrency(8))
				tq := startQueue(t, d, nil, reg, nil)
				var all []string
				for i := range 60 {
					all = append(all, enqueue(t, tq, pingJob{N: i})...)
				}
				eventually(t, 30*time.Second, "all 60 jobs done", func() bool {
					var n int
					tq.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE status = 'done'`)
					if n != 60 {
						var st []struct {
							S string  `db:"status"`
							N int     `db:"n"`
							E *string `db:"e"`
						}
						tq.db.Select(&st, `SELECT CONCAT(status, ":", attempts, ":", COALESCE(lease_owner,"-"), ":", COALESCE(started_at,"-")) status, COUNT(*) n, MAX(last_error) e FROM jobs WHERE status <> "done" GROUP BY 1`)
						t.Logf("%+v", st)
					}
					return n == 60
				})
				for _, id := range all {
					if rec.count(id) < 1 {
						t.Fatalf("job %s never ran", id)
					}
				}
			})

			t.Run("a completed job redelivered is not run again", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
				tq := startQueue(t, d, nil, reg, nil)
				id := enqueue(t, tq, pingJob{N: 1})[0]
				eventually(t, 10*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
				d.redeliver(t, tq.Queue, id, "ping")
				d.redeliver(t, tq.Queue, id, "ping")
				time.Sleep(1500 * time.Millisecond)
				if n := rec.count(id); n != 1 {
					t.Fatalf("the handler ran %d times, want once", n)
				}
				if s := tq.state(t, id); s.Status != statusDone || s.Attempts != 1 {
					t.Fatalf("state %+v", s)
				}
			})

			t.Run("retries with backoff, then dead with the last error", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
					n := rec.record(m.ID)
					return fmt.Errorf("provider down (attempt %d)", n)
				})
				tq := startQueue(t, d, nil, reg, func(c *Config) { c.RetryBase = 100 * time.Millisecond })
				id := enqueue(t, tq, pingJob{N: 1}, MaxAttempts(3))[0]
				eventually(t, 20*time.Second, "the job dead", func() bool { return tq.state(t, id).Status == statusDead })
				s := tq.state(t, id)
				if s.Attempts != 3 || rec.count(id) != 3 || s.LastError == nil || *s.LastError != "provider down (attempt 3)" {
					t.Fatalf("state %+v after %d calls", s, rec.count(id))
				}
				times := rec.times(id)
				// backoff(n) lies in [base*2^(n-1)/2, base*2^(n-1)]
				for i, minGap := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond} {
					if gap := times[i+1].Sub(times[i]); gap < minGap {
						t.Errorf("attempt %d came %s after attempt %d; backoff wants at least %s", i+2, gap, i+1, minGap)
					}
				}
				time.Sleep(300 * time.Millisecond)
				if rec.count(id) != 3 {
					t.Fatal("a dead job ran again")
				}
			})

			t.Run("a permanent error is dead at once", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
					rec.record(m.ID)
					return Permanent(errors.New("vendor has no Shopify store"))
				})
				tq := startQueue(t, d, nil, reg, nil)
				id := enqueue(t, tq, pingJob{N: 1}, MaxAttempts(5))[0]
				eventually(t, 10*time.Second, "the job dead", func() bool { return tq.state(t, id).Status == statusDead })
				if n := rec.count(id); n != 1 {
					t.Fatalf("ran %d times", n)
				}
			})

			t.Run("a panic is a failed attempt, not a dead process", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error {
					if rec.record(m.ID) == 1 {
						panic("nil map somewhere")
					}
					return nil
				})
				tq := startQueue(t, d, nil, reg, nil)
				id := enqueue(t, tq, pingJob{N: 1})[0]
				eventually(t, 15*time.Second, "the job done", func() bool { return tq.state(t, id).Status == statusDone })
				s := tq.state(t, id)
				if s.Attempts != 2 || s.LastError == nil || !strings.Contains(*s.LastError, "nil map somewhere") {
					t.Fatalf("state %+v", s)
				}
				// The workers survived: another job still runs.
				id2 := enqueue(t, tq, pingJob{N: 2})[0]
				eventually(t, 10*time.Second, "a second job", func() bool { return tq.state(t, id2).Status == statusDone })
			})

			t.Run("a unique key makes a second enqueue a no-op", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
				tq := startQueue(t, d, nil, reg, nil)
				first := enqueue(t, tq, pingJob{N: 1}, UniqueKey("payout-cycle:2026-11-23"))
				second := enqueue(t, tq, pingJob{N: 2}, UniqueKey("payout-cycle:2026-11-23"))
				if len(first) != 1 || len(second) != 0 {
					t.Fatalf("first %v second %v", first, second)
				}
				eventually(t, 10*time.Second, "the job done", func() bool { return tq.state(t, first[0]).Status == statusDone })
				// Still a no-op after the first one finished.
				if again := enqueue(t, tq, pingJob{N: 3}, UniqueKey("payout-cycle:2026-11-23")); len(again) != 0 {
					t.Fatal("the key was reused")
				}
				time.Sleep(200 * time.Millisecond)
				if n := rec.total(); n != 1 {
					t.Fatalf("%d runs, want 1", n)
				}
			})

			t.Run("a delayed job waits", func(t *testing.T) {
				t.Parallel()
				rec := newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping", func(ctx context.Context, m Meta, j pingJob) error { rec.record(m.ID); return nil })
				tq := startQueue(t, d, nil, reg, nil)
				start := time.Now()
				id := enqueue(t, tq, pingJob{N: 1}, Delay(2*time.Second))[0]
				now := enqueue(t, tq, pingJob{N: 2})[0]
				eventually(t, 10*time.Second, "the undelayed job", func() bool { return rec.count(now) == 1 })
				if rec.count(id) != 0 {
					t.Fatal("the delayed job ran early")
				}
				eventually(t, 15*time.Second, "the delayed job", func() bool { return rec.count(id) == 1 })
				if ran := rec.times(id)[0].Sub(start); ran < 2*time.Second {
					t.Fatalf("the delayed job ran after %s, want at least 2s", ran)
				}
			})

			t.Run("each handler of a kind is retried on its own", func(t *testing.T) {
				t.Parallel()
				good, flaky := newRecorder(), newRecorder()
				reg := NewRegistry()
				Handle(reg, "ping.receipt", func(ctx context.Context, m Meta, j pingJob) error { good.record(m.ID); return nil })
				Handle(reg, "ping.ledger", func(ctx context.Context, m Meta, j pingJob) error {
					if flaky.record(m.ID) < 3 {
						return errors.New("not yet")
					}
					return nil
				})
				tq := startQueue(t, d, nil, reg, nil)
				ids := enqueue(t, tq, pingJob{N: 1})
				if len(ids) != 2 {
					t.Fatalf("fan-out wrote %d rows, want 2", len(ids))
				}
				eventually(t, 20*time.Second, "both handlers done", func() bool {
					return tq.state(t, ids[0]).Status == statusDone && tq.state(t, ids[1]).Status == statusDone
				})
				if good.total() != 1 || flaky.total() != 3 {
					t.Fatalf("receipt ran %d times (want 1), ledger %d (want 3)", good.total(), flaky.total())
				}
			})
		})
	}
}
