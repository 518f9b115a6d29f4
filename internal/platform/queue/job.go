// Package queue runs the platform's async work as typed jobs.
//
// A job is a Go struct with Kind(), stored as JSON. It is enqueued in the same
// transaction as the change that causes it (Enqueue takes the caller's *sqlx.Tx),
// so the job exists if and only if that change commits. One kind may have
// several handlers; each gets its own row and is retried on its own.
//
// Two drivers move jobs from the table to the handlers: "mysql" (workers claim
// rows with SELECT … FOR UPDATE SKIP LOCKED under an expiring lease) and "sqs"
// (a relay sends committed rows to SQS; consumers long-poll). Either way the
// jobs row is the record: a job marked done is never run again, whatever is
// delivered twice.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Job is a unit of async work. Kind names it, like "order.paid"; the struct's
// exported fields are its JSON payload.
type Job interface {
	Kind() string
}

// Meta describes the attempt a handler is running.
type Meta struct {
	ID         string // stable across attempts and redeliveries
	Kind       string
	Handler    string
	Attempt    int // 1 for the first attempt
	EnqueuedAt time.Time
}

// IdempotencyKey derives the key for one external write of this job, such as a
// Stripe or Xero request: stable across retries, distinct per write.
func (m Meta) IdempotencyKey(write string) string { return m.ID + ":" + write }

// permanent marks an error that retrying cannot fix.
type permanent struct{ err error }

func (p permanent) Error() string { return "permanent: " + p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the job goes straight to dead instead of retrying.
func Permanent(err error) error { return permanent{err} }

// PermanentIfNotFound marks an error of kind not found as permanent: a job
// about something that does not exist can never succeed. Other errors (nil
// too) are returned as they are.
func PermanentIfNotFound(err error) error {
	if fault.Is(err, fault.KindNotFound) {
		return Permanent(err)
	}
	return err
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

type handler struct {
	name        string
	kind        string
	run         func(ctx context.Context, m Meta, payload []byte) error
	concurrency int
	timeout     time.Duration
	maxAttempts int
}

// HandlerOption tunes one handler.
type HandlerOption func(*handler)

// Concurrency sets how many jobs of this handler one process runs at once.
func Concurrency(n int) HandlerOption { return func(h *handler) { h.concurrency = n } }

// Timeout bounds one attempt; the handler's context is cancelled after it.
func Timeout(d time.Duration) HandlerOption { return func(h *handler) { h.timeout = d } }

// Attempts sets the default number of attempts before a job is dead.
func Attempts(n int) HandlerOption { return func(h *handler) { h.maxAttempts = n } }

// Registry is the table of kind -> handlers. cmd/trove/jobs.go fills it.
type Registry struct {
	byKind map[string][]*handler
	byName map[string]*handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byKind: map[string][]*handler{}, byName: map[string]*handler{}}
}

var handlerNameRE = regexp.MustCompile(`^[a-z0-9_.:-]{1,100}$`)

// Handle registers fn, under a unique name, as a handler of jobs of type J.
// The payload is decoded into a fresh J for every attempt.
func Handle[J Job](r *Registry, name string, fn func(ctx context.Context, m Meta, job J) error, opts ...HandlerOption) {
	var zero J
	kind := zero.Kind()
	if !handlerNameRE.MatchString(name) || !handlerNameRE.MatchString(kind) {
		panic(fmt.Sprintf("queue: bad handler name %q or kind %q", name, kind))
	}
	if _, dup := r.byName[name]; dup {
		panic(fmt.Sprintf("queue: handler %q registered twice", name))
	}
	h := &handler{
		name: name, kind: kind, concurrency: 4, timeout: time.Minute, maxAttempts: 12,
		run: func(ctx context.Context, m Meta, payload []byte) error {
			var j J
			if err := json.Unmarshal(payload, &j); err != nil {
				return Permanent(fmt.Errorf("decode %s payload: %w", kind, err))
			}
			return fn(ctx, m, j)
		},
	}
	for _, o := range opts {
		o(h)
	}
	r.byKind[kind] = append(r.byKind[kind], h)
	r.byName[name] = h
}

// Handlers lists the registered handler names, sorted.
func (r *Registry) Handlers() []string {
	names := make([]string, 0, len(r.byName))
	for n := range r.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetConcurrency overrides the concurrency of a handler (from configuration).
func (r *Registry) SetConcurrency(name string, n int) error {
	h, ok := r.byName[name]
	if !ok {
		return fmt.Errorf("queue: no handler named %q", name)
	}
	h.concurrency = n
	return nil
}

type enqueueOptions struct {
	runAt       time.Time
	delay       time.Duration
	uniqueKey   string
	maxAttempts int
}

// EnqueueOption tunes one enqueue.
type EnqueueOption func(*enqueueOptions)

// Delay makes the job wait d before its first attempt.
func Delay(d time.Duration) EnqueueOption { return func(o *enqueueOptions) { o.delay = d } }

// At makes the job wait until t before its first attempt.
func At(t time.Time) EnqueueOption { return func(o *enqueueOptions) { o.runAt = t } }

// UniqueKey makes a second enqueue with the same key (per handler) a no-op, for
// as long as the first job's row is kept.
func UniqueKey(k string) EnqueueOption { return func(o *enqueueOptions) { o.uniqueKey = k } }

// MaxAttempts overrides the handler's number of attempts for this job.
func MaxAttempts(n int) EnqueueOption { return func(o *enqueueOptions) { o.maxAttempts = n } }
