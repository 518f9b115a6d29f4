package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// NewServer returns an http.Server with timeouts that keep slow or stalled
// clients from holding connections forever.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Serve runs srv on ln until ctx is done, then stops accepting and gives
// in-flight requests up to grace to finish. When some do not, the error
// names them (method, path, how long they had run), so the log says what
// held the shutdown up.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	var inFlight sync.Map // *http.Request -> time it started
	h := srv.Handler
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Store(r, time.Now())
		defer inFlight.Delete(r)
		h.ServeHTTP(w, r)
	})
	// Connections accepted that have not sent a request yet: Shutdown counts
	// one as idle only once it is 5 s old, so a client that had just
	// connected (a pool dialling ahead, a browser's preconnect) could hold a
	// shorter grace up to its end although there is nothing to finish.
	var freshMu sync.Mutex
	fresh := map[net.Conn]struct{}{}
	prevState := srv.ConnState
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		freshMu.Lock()
		if st == http.StateNew {
			fresh[c] = struct{}{}
		} else {
			delete(fresh, c)
		}
		freshMu.Unlock()
		if prevState != nil {
			prevState(c, st)
		}
	}
	ln = &closeOnce{Listener: ln}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ln.Close() // nothing new is accepted from here on...
	freshMu.Lock()
	for c := range fresh { // ...so these are the last that sent nothing
		c.Close()
	}
	freshMu.Unlock()
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	// Serve ends with ErrServerClosed, or with net.ErrClosed when it saw the
	// listener closed above before Shutdown began: both are this stop.
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		return serr
	}
	if err != nil {
		var running []string
		inFlight.Range(func(k, v any) bool {
			r := k.(*http.Request)
			running = append(running, fmt.Sprintf("%s %s (%s)", r.Method, r.URL.Path, time.Since(v.(time.Time)).Round(time.Millisecond)))
			return true
		})
		sort.Strings(running)
		if len(running) == 0 {
			running = []string{"none in a handler (a connection was still sending its request)"}
		}
		srv.Close()
		return fmt.Errorf("http: in-flight requests did not finish within the shutdown timeout: %s", strings.Join(running, ", "))
	}
	return nil
}

// closeOnce is a listener whose second Close does nothing and reports no
// error: Serve closes it before Shutdown does.
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
