// Package sandbox is what the local provider stand-ins under it share: the
// delivery of their webhooks in the background, retried as the providers
// retry them (Sender), and the file that keeps a stand-in's state across
// restarts (File). The stand-ins themselves are sandbox/stripe,
// sandbox/shopify and sandbox/xero: they speak the providers' wire formats,
// signed webhooks included, so tests run the real adapters over real HTTP
// and `trove serve --sandbox` works offline. They import no Trove domain
// package. docs/sandbox.md says more.
package sandbox

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Sender runs a stand-in's webhook deliveries in the background, as the
// providers do, retrying each on a fixed schedule until it gets a 2xx, and
// lets tests wait until every delivery under way has finished. The stand-in
// keeps the record of each delivery; the Sender only runs the attempts.
type Sender struct {
	delays []time.Duration // before each attempt
	log    *slog.Logger

	mu       sync.Mutex
	inflight int
	idle     *sync.Cond // signalled when inflight drops to 0
	stopped  bool
	stop     chan struct{} // closed by Stop
}

// NewSender returns a Sender that makes len(delays) attempts at most,
// waiting delays[i] before attempt i.
func NewSender(delays []time.Duration, log *slog.Logger) *Sender {
	w := &Sender{delays: delays, log: log, stop: make(chan struct{})}
	w.idle = sync.NewCond(&w.mu)
	return w
}

// Send runs attempt in the background until it answers 2xx or the schedule
// runs out, then calls done (when not nil) with whether it was delivered;
// what names the delivery in the log.
//
// After Stop, nothing more is attempted and done is not called for a
// delivery that has not got its 2xx: it is left pending, for the stand-in's
// next start to send again.
func (w *Sender) Send(what []any, attempt func() (int, error), done func(delivered bool)) {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
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
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-w.stop:
				t.Stop()
				return
			}
			if status, _ := attempt(); status >= 200 && status < 300 {
				if done != nil {
					done(true)
				}
				return
			}
		}
		if w.Stopped() {
			return // the last attempt failed because the server is going away
		}
		w.log.Warn("sandbox: webhook delivery failed", what...)
		if done != nil {
			done(false)
		}
	}()
}

// Wait blocks until every delivery under way (retries included) has finished.
func (w *Sender) Wait() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.inflight > 0 {
		w.idle.Wait()
	}
}

// Stop ends the retries: a delivery waiting for its next attempt gives up
// without being marked failed, and Send starts nothing more. The stand-in
// calls it as the server stops, so that deliveries cut short stay pending
// in its saved state instead of running out of attempts against a server
// that is going away. An attempt already under way finishes.
func (w *Sender) Stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.stopped = true
		close(w.stop)
	}
}

// Stopped reports whether Stop has been called.
func (w *Sender) Stopped() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped
}

// Post sends body to url once with header, drains the answer and returns
// its status.
func Post(hc *http.Client, url string, header http.Header, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = header
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	return res.StatusCode, nil
}
