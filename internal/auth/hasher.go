package auth

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Every password hash or check holds argonMemoryKiB (64 MiB) of heap while it
// runs, and Go's collector lets the garbage of finished ones grow to about the
// live size again (plus one more while it marks): k hashes at once peak at
// about (2k+1)·64 MiB of heap, measured 320 MiB for k=2 and 450 MiB for k=3.
// Unbounded, 40 sign-in requests took a server from 243 MiB to 2.6 GiB.
// maxDefaultHashSlots keeps a burst under 512 MiB of heap whatever the number
// of cores; argon2id with p=1 is one core's work, so slots beyond the cores
// would only add memory, not speed. Two slots check about 25 passwords a
// second per process.
const maxDefaultHashSlots = 2

// DefaultHashWait is how long a request may queue for a hashing slot before
// it is answered 503: long enough to ride out a burst of honest sign-ins,
// short enough that a flood does not pile up requests.
const DefaultHashWait = 2 * time.Second

// hashRetryAfter is the Retry-After of a request that found every slot busy:
// a slot frees within a hash's time (well under a second).
const hashRetryAfter = time.Second

// Hasher computes and checks argon2id password hashes, at most a fixed number
// at once process-wide. Every password hash in auth goes through the one
// Hasher of the Service, so the memory they take is bounded whatever arrives.
// A caller waits for a slot under its request's context, and past the wait
// gets an error of kind unavailable that carries a Retry-After.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration

	evaluations atomic.Int64 // hashes computed (hash or check), since start
	busy        atomic.Int64 // requests refused because no slot freed in time
	inFlight    atomic.Int64
	waiting     atomic.Int64 // callers queued for a slot now
	peak        atomic.Int64 // the most hashes that ever ran at once
}

// HasherStats say what a Hasher has done.
type HasherStats struct {
	Evaluations int64 // argon2id computations started (each one a Hash or a Check)
	Busy        int64 // callers refused because every slot stayed busy
	Peak        int64 // the most computations that ran at once
	Slots       int   // the bound on Peak
	Waiting     int64 // callers queued for a slot now
}

// DefaultHashSlots is how many hashes run at once by default: one per core
// Go schedules on, at most maxDefaultHashSlots.
func DefaultHashSlots() int {
	return max(1, min(runtime.GOMAXPROCS(0), maxDefaultHashSlots))
}

// NewHasher returns a Hasher that runs at most slots hashes at once (0: the
// default) and lets a caller wait up to wait for one (0: DefaultHashWait).
func NewHasher(slots int, wait time.Duration) *Hasher {
	if slots <= 0 {
		slots = DefaultHashSlots()
	}
	if wait <= 0 {
		wait = DefaultHashWait
	}
	return &Hasher{slots: make(chan struct{}, slots), wait: wait}
}

// Hash returns a PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashPassword(password)
}

// Check reports whether password matches hash, in constant time. An error
// means the password was not checked (no slot, or a malformed hash).
func (h *Hasher) Check(ctx context.Context, hash, password string) (bool, error) {
	if _, _, _, err := parseHash(hash); err != nil {
		return false, err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return checkPassword(hash, password)
}

// Stats reports what the Hasher has done so far.
func (h *Hasher) Stats() HasherStats {
	return HasherStats{Evaluations: h.evaluations.Load(), Busy: h.busy.Load(), Peak: h.peak.Load(), Slots: cap(h.slots),
		Waiting: h.waiting.Load()}
}

// errHashersBusy is the answer when no slot frees in time.
func errHashersBusy() error {
	return fault.RetryLater(fault.KindUnavailable, hashRetryAfter,
		"too many sign-ins and password changes at once: try again in a moment")
}

// acquire takes a slot, waiting at most h.wait and no longer than ctx lives.
// The returned release gives it back.
func (h *Hasher) acquire(ctx context.Context) (func(), error) {
	select {
	case h.slots <- struct{}{}:
	default:
		timer := time.NewTimer(h.wait)
		defer timer.Stop()
		h.waiting.Add(1)
		defer h.waiting.Add(-1)
		select {
		case h.slots <- struct{}{}:
		case <-ctx.Done():
			// The client left or the request timed out: nobody is waiting
			// for an answer, and it is no fault of ours to log.
			return nil, fault.Wrap(fault.KindUnavailable, ctx.Err(), "the request ended while waiting for a password check")
		case <-timer.C:
			h.busy.Add(1)
			return nil, errHashersBusy()
		}
	}
	h.evaluations.Add(1)
	n := h.inFlight.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	return func() {
		h.inFlight.Add(-1)
		<-h.slots
	}, nil
}

// Register exposes the Hasher's figures as Prometheus metrics.
func (h *Hasher) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "trove_password_hashes_total",
			Help: "argon2id password hashes and checks computed."}, func() float64 { return float64(h.evaluations.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "trove_password_hash_busy_total",
			Help: "Requests answered 503 because every password-hashing slot stayed busy."}, func() float64 { return float64(h.busy.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trove_password_hashes_in_flight",
			Help: "argon2id computations running now."}, func() float64 { return float64(h.inFlight.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trove_password_hashes_waiting",
			Help: "Requests queued for a password-hashing slot now."}, func() float64 { return float64(h.waiting.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trove_password_hash_slots",
			Help: "How many argon2id computations may run at once."}, func() float64 { return float64(cap(h.slots)) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
