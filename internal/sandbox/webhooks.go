package sandbox

import (
	"log/slog"
	"sync"
	"time"
)

// webhookSender runs a stand-in's webhook deliveries in the background, as
// the providers do, retrying each on a fixed schedule until it gets a 2xx,
// and lets tests wait until every delivery under way has finished.
type webhookSender struct {
	delays []time.Duration // before each attempt
	log    *slog.Logger

	mu       sync.Mutex
	inflight int
	idle     *sync.Cond // signalled when inflight drops to 0
}

func newWebhookSender(delays []time.Duration, log *slog.Logger) *webhookSender {
	w := &webhookSender{delays: delays, log: log}
	w.idle = sync.NewCond(&w.mu)
	return w
}

// send runs attempt in the background until it answers 2xx or the schedule
// runs out; what names the delivery in the log.
func (w *webhookSender) send(what []any, attempt func() (int, error)) {
	w.mu.Lock()
	w.inflight++
	w.mu.Unlock()
	go func() {
		defer func() {
			w.mu.Lock()
			if w.inflight--; w.inflight == 0 {
				w.idle.Broadcast()
			}
			w.mu.Unlock()
		}()
		for _, wait := range w.delays {
			time.Sleep(wait)
			if status, _ := attempt(); status >= 200 && status < 300 {
				return
			}
		}
		w.log.Warn("sandbox: webhook delivery failed", what...)
	}()
}

// wait blocks until every delivery under way (retries included) has finished.
func (w *webhookSender) wait() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.inflight > 0 {
		w.idle.Wait()
	}
}
