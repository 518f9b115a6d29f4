package xero

import (
	"context"
	"sync"
	"time"
)

// The limiter keeps this process inside Xero's per-tenant limits, so that in
// the ordinary case Xero never has to answer 429. It is the budget when
// Config.DB is nil; with several processes, the shared budget (budget.go)
// keeps the same rules in the database:
//
//   - Concurrent: a semaphore per tenant; a call holds a slot from before its
//     request is sent until its response body is read and closed.
//   - PerMinute: a sliding log of the start times of the last PerMinute calls.
//     A call may start when fewer than PerMinute calls started in the last
//     window; otherwise it waits (honouring ctx) until the oldest of them
//     leaves the window. The window is Minute plus 5% slack, so that network
//     jitter between our clock and Xero's cannot squeeze PerMinute+1 calls
//     into one of Xero's windows.
//   - PerDay: the same sliding log over 24 hours, but a call that would
//     exceed it fails at once with ErrDailyLimit: waiting hours in a job is
//     worse than rescheduling it.
//
// Every HTTP attempt (retries included) counts, as it does at Xero. Elapsed
// time is measured with the monotonic clock, not Config.Clock: the limits are
// about real requests in real time, and a fake clock that never moves would
// make a waiting call wait forever.
//
// These limits are per process: several processes sharing one tenant must
// share the budget through the database (Config.DB).
type limiterSet struct {
	limits Limits
	window time.Duration
	now    func() time.Time

	mu sync.Mutex
	m  map[string]*tenantLimiter
}

const day = 24 * time.Hour

func newLimiterSet(l Limits) *limiterSet {
	return &limiterSet{limits: l, window: l.Minute + l.Minute/20, now: time.Now, m: map[string]*tenantLimiter{}}
}

func (s *limiterSet) tenant(id string) *tenantLimiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[id]
	if !ok {
		t = &tenantLimiter{
			sem:    make(chan struct{}, s.limits.Concurrent),
			minute: ring{n: s.limits.PerMinute},
			day:    ring{n: s.limits.PerDay},
		}
		s.m[id] = t
	}
	return t
}

type tenantLimiter struct {
	sem chan struct{}

	mu     sync.Mutex
	minute ring
	day    ring
}

// ring keeps the start times of the last n calls, oldest first once full.
type ring struct {
	n    int
	ts   []time.Time
	next int // once full, the index of the oldest (and the next to overwrite)
}

// wait returns how long until one more call may start within window w; 0 if now.
func (r *ring) wait(now time.Time, w time.Duration) time.Duration {
	if len(r.ts) < r.n {
		return 0
	}
	if d := r.ts[r.next].Add(w).Sub(now); d > 0 {
		return d
	}
	return 0
}

func (r *ring) add(t time.Time) {
	if len(r.ts) < r.n {
		r.ts = append(r.ts, t)
		return
	}
	r.ts[r.next] = t
	r.next = (r.next + 1) % r.n
}

// acquire waits for a slot to start one call for the tenant and returns the
// function that gives the concurrency slot back. It fails with an *Error
// wrapping ErrDailyLimit when the day's budget is spent, or with ctx's error.
func (s *limiterSet) acquire(ctx context.Context, tenantID string) (release func(), err error) {
	t := s.tenant(tenantID)
	if err := t.dailyError(s.now()); err != nil {
		return nil, err
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-t.sem }
	for {
		t.mu.Lock()
		now := s.now()
		if d := t.day.wait(now, day); d > 0 {
			t.mu.Unlock()
			release()
			return nil, dailyLimitError(d)
		}
		d := t.minute.wait(now, s.window)
		if d == 0 {
			t.minute.add(now)
			t.day.add(now)
			t.mu.Unlock()
			return release, nil
		}
		t.mu.Unlock()
		if err := sleep(ctx, d); err != nil {
			release()
			return nil, err
		}
	}
}

func (t *tenantLimiter) dailyError(now time.Time) error {
	t.mu.Lock()
	d := t.day.wait(now, day)
	t.mu.Unlock()
	if d > 0 {
		return dailyLimitError(d)
	}
	return nil
}

func dailyLimitError(d time.Duration) error {
	return &Error{kind: ErrDailyLimit, Message: "this process has spent the tenant's daily call budget", RetryAfter: d.Round(time.Second)}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
