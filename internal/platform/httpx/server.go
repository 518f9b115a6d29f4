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
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
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
