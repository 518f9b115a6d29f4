package queue

import (
	"context"
	"sync"
	"time"
)

// dispatchMySQL claims ready jobs of one handler whenever it has a free slot
// and runs each in its own goroutine. It stops claiming when ctx is done and
// returns once the jobs it started have finished or been released.
func (q *Queue) dispatchMySQL(ctx, work context.Context, h *handler) {
	slots := make(chan struct{}, max(h.concurrency, 1))
	var running sync.WaitGroup
	defer running.Wait()
	idle := q.newIdle()
	for ctx.Err() == nil {
		// Wait for at least one free slot.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
	fill:
		for free < cap(slots) {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		rows, err := q.claim(ctx, h, free)
		if err != nil && ctx.Err() == nil {
			q.log.Error("claiming jobs failed", "handler", h.name, "err", err.Error())
		}
		for i := len(rows); i < free; i++ {
			<-slots // give back what we did not use
		}
		for _, r := range rows {
			running.Go(func() {
				defer func() { <-slots }()
				q.attempt(work, h, r)
			})
		}
		idle.after(ctx, len(rows) > 0)
	}
}

// idle paces a polling loop: straight on after work was found, otherwise a
// wait that doubles each empty round, up to the poll interval.
type idle struct {
	wait, max time.Duration
}

func (q *Queue) newIdle() *idle { return &idle{wait: idleMin, max: q.cfg.PollInterval} }

const idleMin = 10 * time.Millisecond

func (i *idle) after(ctx context.Context, found bool) {
	if found {
		i.wait = idleMin
		return
	}
	sleep(ctx, i.wait)
	i.wait = min(i.wait*2, i.max)
}
