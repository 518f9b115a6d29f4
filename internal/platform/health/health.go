// Package health answers the load balancer's two questions: is the process up
// (/healthz), and can it do its work now (/readyz).
package health

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Check is one readiness condition; it returns an error saying what is wrong,
// or a Warning: ready, but with something an operator must see to soon.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// warning is a Check's result that keeps the process ready.
type warning struct{ msg string }

func (w warning) Error() string { return w.msg }

// Warning is what a Check returns when the process can do its work but
// something needs attention before it stops being able to (a provider API
// version near the end of its support): /readyz stays 200 and lists it
// under "warnings". Failing readiness instead would take every copy out of
// the load balancer at once, for a problem that has not happened yet.
func Warning(format string, args ...any) error { return warning{fmt.Sprintf(format, args...)} }

// ready is /readyz's 200 answer.
type ready struct {
	Status   string   `json:"status"`
	Warnings []string `json:"warnings,omitempty"`
}

// Live answers 200 while the process serves HTTP at all.
func Live() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Ready runs every check (each within timeout) and answers 200 (with the
// checks' warnings, if any), or 503 with a problem whose detail names each
// failing check and why.
func Ready(timeout time.Duration, checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		var failed, warnings []string
		for _, c := range checks {
			var w warning
			switch err := c.Run(ctx); {
			case errors.As(err, &w):
				warnings = append(warnings, c.Name+": "+w.msg)
			case err != nil:
				failed = append(failed, c.Name+": "+err.Error())
			}
		}
		if len(failed) > 0 {
			httpx.Logger(r.Context()).Warn("not ready", "reasons", failed)
			httpx.Error(w, r, fault.Unavailable("not ready: %s", strings.Join(failed, "; ")))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, ready{Status: "ready", Warnings: warnings})
	})
}
