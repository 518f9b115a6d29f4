package queue

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// ActorFunc tells who makes an operator request, for the audit log.
type ActorFunc func(r *http.Request) Actor

// HandleListDead lists dead jobs: ?kind=…&after=<id>&limit=….
func HandleListDead(q *Queue) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := 50
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 200 {
				httpx.Error(w, r, fault.Invalid("limit must be a whole number from 1 to 200"))
				return
			}
			limit = n
		}
		jobs, err := q.ListDead(r.Context(), r.URL.Query().Get("kind"), r.URL.Query().Get("after"), limit)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		next := ""
		if len(jobs) == limit {
			next = jobs[len(jobs)-1].ID
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"jobs": jobs, "next_after": next})
	})
}

// HandleRetry retries one dead job: POST …/jobs/{jobID}/retry.
func HandleRetry(q *Queue, actor ActorFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := q.Retry(r.Context(), chi.URLParam(r, "jobID"), actor(r)); err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"retried": 1})
	})
}

// HandleRetryKind retries every dead job of a kind: POST …/jobs/retry {"kind": …}.
func HandleRetryKind(q *Queue, actor ActorFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Kind string `json:"kind"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		n, err := q.RetryKind(r.Context(), in.Kind, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"retried": n})
	})
}

// HandleDiscard gives up on a dead job: POST …/jobs/{jobID}/discard {"reason": …}.
func HandleDiscard(q *Queue, actor ActorFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := q.Discard(r.Context(), chi.URLParam(r, "jobID"), in.Reason, actor(r)); err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"discarded": 1})
	})
}

// HandleRedrive moves the SQS dead-letter queue back to the main queue.
func HandleRedrive(q *Queue, actor ActorFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := q.Redrive(r.Context(), actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"moved": n})
	})
}
