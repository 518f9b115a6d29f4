// Package health answers the load balancer's two questions: is the process up
// (/healthz), and can it do its work now (/readyz).
package health

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Check is one readiness condition; it returns an error saying what is wrong.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Live answers 200 while the process serves HTTP at all.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Ready runs every check (each within timeout) and answers 200, or 503 with a
// problem whose detail names each failing check and why.
func Ready(timeout time.Duration, checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		var failed []string
		for _, c := range checks {
			if err := c.Run(ctx); err != nil {
				failed = append(failed, c.Name+": "+err.Error())
			}
		}
		if len(failed) > 0 {
			httpx.Logger(r.Context()).Warn("not ready", "reasons", failed)
			httpx.Error(w, r, fault.Unavailable("not ready: %s", strings.Join(failed, "; ")))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}
