// Package httpx holds the HTTP mechanics every handler shares: JSON in and out,
// problem+json errors, request ids, panic recovery, access logs, metrics and a
// server with sane timeouts.
package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
}

// ProblemContentType is the media type of error bodies.
const ProblemContentType = "application/problem+json"

var kindStatus = map[fault.Kind]int{
	fault.KindInvalid:      http.StatusBadRequest,
	fault.KindNotFound:     http.StatusNotFound,
	fault.KindConflict:     http.StatusConflict,
	fault.KindUnauthorized: http.StatusUnauthorized,
	fault.KindForbidden:    http.StatusForbidden,
	fault.KindTooLarge:     http.StatusRequestEntityTooLarge,
	fault.KindRateLimited:  http.StatusTooManyRequests,
	fault.KindUnavailable:  http.StatusServiceUnavailable,
	fault.KindInternal:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err's kind.
func StatusOf(err error) int { return kindStatus[fault.KindOf(err)] }

// Error answers with a problem+json body for err. Only internal errors are
// logged, and their text is never shown to the caller: it may hold SQL or a
// provider's answer.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	p := Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Instance:  r.URL.Path,
		RequestID: RequestID(r.Context()),
	}
	if wait := fault.RetryAfterOf(err); wait > 0 {
		// Whole seconds, rounded up: a client that waits as told is not
		// refused again for being a fraction of a second early.
		w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	}
	var fe *fault.Error
	switch {
	case status == http.StatusInternalServerError:
		Logger(r.Context()).Error("internal error", "err", err.Error(), "method", r.Method, "path", r.URL.Path)
		p.Detail = "Something went wrong on our side. The request id identifies it in our logs."
	case errors.As(err, &fe):
		p.Detail = fe.Message
		p.Errors = fe.Fields
	default:
		p.Detail = err.Error()
	}
	WriteProblem(w, p)
}

// WriteProblem writes p as the response.
func WriteProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// NotFound answers 404 in problem+json; chi's NotFound hook.
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Error(w, r, fault.NotFound("no route for %s %s", r.Method, r.URL.Path))
	})
}

// MethodNotAllowed answers 405 in problem+json, with the Allow header listing
// the methods routes has for the path (chi sets it only for its own default
// handler); chi's MethodNotAllowed hook.
func MethodNotAllowed(routes chi.Routes) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
			if routes.Match(chi.NewRouteContext(), m, r.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		WriteProblem(w, Problem{
			Type:      "about:blank",
			Title:     http.StatusText(http.StatusMethodNotAllowed),
			Status:    http.StatusMethodNotAllowed,
			Detail:    "method " + r.Method + " is not allowed on " + r.URL.Path,
			Instance:  r.URL.Path,
			RequestID: RequestID(r.Context()),
		})
	})
}
