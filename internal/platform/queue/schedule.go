package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"

	"github.com/trove-platform/trove/internal/platform/db"
)

// Schedule is a job enqueued at every occurrence of a cron spec.
type Schedule struct {
	Name string // stable: part of each occurrence's unique key
	// Spec is a standard 5-field cron expression in UTC, or a descriptor such
	// as "@daily", "@hourly" or "@every 5m".
	Spec string
	// Job makes the job for one occurrence.
	Job func(occurrence time.Time) Job
}

type scheduled struct {
	Schedule
	sched cron.Schedule
	last  time.Time // last occurrence handled by this process
}

// Scheduler enqueues each occurrence of its schedules exactly once, however
// many trove processes run it: every process tries, and the occurrence's
// unique key lets only the first enqueue through.
type Scheduler struct {
	q       *Queue
	entries []*scheduled
}

// NewScheduler parses the schedules.
func NewScheduler(q *Queue, schedules ...Schedule) (*Scheduler, error) {
	s := &Scheduler{q: q}
	for _, sc := range schedules {
		parsed, err := cron.ParseStandard(sc.Spec)
		if err != nil {
			return nil, fmt.Errorf("queue: schedule %s: bad spec %q: %w", sc.Name, sc.Spec, err)
		}
		if every, ok := parsed.(cron.ConstantDelaySchedule); ok {
			// cron's @every counts from whenever it is asked, so two processes
			// would disagree on the occurrences (and their unique keys). Align
			// them to multiples of the interval since the Unix epoch.
			parsed = alignedEvery(every.Delay)
		}
		s.entries = append(s.entries, &scheduled{Schedule: sc, sched: parsed})
	}
	return s, nil
}

// alignedEvery occurs at every multiple of its interval since the Unix epoch.
type alignedEvery time.Duration

func (a alignedEvery) Next(t time.Time) time.Time {
	d := time.Duration(a)
	return t.UTC().Truncate(d).Add(d)
}

// occurrenceKey is the unique key of one occurrence of a schedule.
func occurrenceKey(name string, at time.Time) string {
	return "schedule:" + name + ":" + at.UTC().Format(time.RFC3339)
}

// Tick enqueues every occurrence due at now that this process has not handled
// yet. On the first tick it looks back one interval, so the latest occurrence
// missed while no process was running still happens (once).
func (s *Scheduler) Tick(ctx context.Context, now time.Time) error {
	now = now.UTC()
	for _, e := range s.entries {
		if e.last.IsZero() {
			e.last = previous(e.sched, now)
			if err := s.enqueue(ctx, e, e.last); err != nil {
				return err
			}
		}
		for next := e.sched.Next(e.last); !next.After(now); next = e.sched.Next(next) {
			if err := s.enqueue(ctx, e, next); err != nil {
				return err
			}
			e.last = next
		}
	}
	return nil
}

func (s *Scheduler) enqueue(ctx context.Context, e *scheduled, at time.Time) error {
	return db.InTx(ctx, s.q.db, func(tx *sqlx.Tx) error {
		_, err := s.q.Enqueue(ctx, tx, e.Job(at), UniqueKey(occurrenceKey(e.Name, at)))
		return err
	})
}

// previous finds the latest occurrence at or before now: cron schedules only
// step forward, so step from far enough back.
func previous(sched cron.Schedule, now time.Time) time.Time {
	for back := time.Minute; back <= 400*24*time.Hour; back *= 2 {
		t := sched.Next(now.Add(-back))
		if t.After(now) {
			continue
		}
		for n := sched.Next(t); !n.After(now); n = sched.Next(n) {
			t = n
		}
		return t
	}
	return now
}

// Run ticks every interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) {
	if len(s.entries) == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.Tick(ctx, s.q.clock.Now()); err != nil && ctx.Err() == nil {
			s.q.log.Error("scheduler tick failed", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
