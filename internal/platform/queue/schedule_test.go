package queue

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

type tickJob struct {
	At time.Time `json:"at"`
}

func (tickJob) Kind() string { return "test.tick" }

func TestSchedulerEnqueuesEachOccurrenceOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	reg := NewRegistry()
	Handle(reg, "tick", func(ctx context.Context, m Meta, j tickJob) error { return nil })
	for _, tc := range []struct {
		name, spec string
		step       time.Duration
		steps      int
		want       int
	}{
		{"cron every 15 minutes", "*/15 * * * *", 5 * time.Minute, 12, 1 + 4}, // lookback + 4 in the hour
		{"every 10 minutes, aligned", "@every 10m", 7 * time.Minute, 10, 1 + 7},
		{"daily", "@daily", 6 * time.Hour, 8, 1 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 11, 24, 0, 1, 0, 0, time.UTC)
			// Three "processes", each with its own scheduler and clock view.
			var scheds []*Scheduler
			for range 3 {
				q, err := New(conn, reg, clock.NewFake(start), Config{}, discardLog(), nil)
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewScheduler(q, Schedule{Name: tc.name, Spec: tc.spec, Job: func(at time.Time) Job { return tickJob{At: at} }})
				if err != nil {
					t.Fatal(err)
				}
				scheds = append(scheds, s)
			}
			for i := 0; i <= tc.steps; i++ {
				now := start.Add(time.Duration(i) * tc.step)
				var wg sync.WaitGroup
				for _, s := range scheds {
					wg.Go(func() {
						if err := s.Tick(context.Background(), now); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			}
			var keys []string
			if err := conn.Select(&keys, `SELECT unique_key FROM jobs WHERE unique_key LIKE ? ORDER BY run_at`, "schedule:"+tc.name+":%"); err != nil {
				t.Fatal(err)
			}
			if len(keys) != tc.want {
				t.Fatalf("%d occurrences enqueued, want %d: %v", len(keys), tc.want, keys)
			}
		})
	}
	t.Run("a bad spec is refused", func(t *testing.T) {
		q, _ := New(conn, reg, clock.System{}, Config{}, discardLog(), nil)
		if _, err := NewScheduler(q, Schedule{Name: "x", Spec: "every tuesday", Job: func(time.Time) Job { return tickJob{} }}); err == nil {
			t.Fatal("want an error")
		}
	})
}
