// Package ratelimit keeps a token bucket per key (a client's address, say) and
// refuses work once a key's bucket is empty, with the wait until the next
// token.
//
// The buckets live in the process's memory: with N processes behind a load
// balancer a client gets up to N times the rate. That is the point of such a
// limit (stop one client from flooding a table), not a quota; the edge
// (deploy/nginx.conf) can add a shared one.
package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Limit is a bucket's shape: PerMinute tokens come back a minute, and at most
// Burst are kept.
type Limit struct {
	PerMinute float64
	Burst     int
}

// maxKeys bounds the buckets kept at once, so that many addresses cannot make
// the limiter itself a memory problem.
const maxKeys = 100_000

// Keyed is a token bucket per key. Safe for concurrent use.
type Keyed struct {
	clock clock.Clock
	limit Limit

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	nextSweep int
}

// New returns a Keyed limiter whose buckets have the shape l.
func New(c clock.Clock, l Limit) *Keyed {
	return &Keyed{clock: c, limit: l, buckets: map[string]*rate.Limiter{}, nextSweep: 1024}
}

// Take takes a token from key's bucket. When it is empty, Take takes nothing
// and reports false with how long until a token is there.
func (k *Keyed) Take(key string) (bool, time.Duration) {
	now := k.clock.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.buckets[key]
	if !ok {
		k.makeRoom(now)
		b = rate.NewLimiter(rate.Limit(k.limit.PerMinute/60), k.limit.Burst)
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute // a bucket that can never hold a token (Burst 0)
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, wait
	}
	return true, 0
}

// makeRoom forgets the buckets that are full again (a full bucket is the same
// as none), once the map has doubled since the last look; past maxKeys it
// forgets arbitrary ones.
func (k *Keyed) makeRoom(now time.Time) {
	if len(k.buckets) < k.nextSweep && len(k.buckets) < maxKeys {
		return
	}
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.limit.Burst) {
			delete(k.buckets, key)
		}
	}
	for key := range k.buckets {
		if len(k.buckets) < maxKeys {
			break
		}
		delete(k.buckets, key)
	}
	k.nextSweep = max(2*len(k.buckets), 1024)
}

// Middleware refuses a request whose key's bucket is empty: 429 problem+json
// with Retry-After, and the message what (e.g. "too many new carts from your
// network"). A request whose key is "" is not limited.
func (k *Keyed) Middleware(key func(*http.Request) string, what string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if kk := key(r); kk != "" {
				if ok, wait := k.Take(kk); !ok {
					secs := int((wait + time.Second - 1) / time.Second)
					httpx.Error(w, r, fault.RetryLater(fault.KindRateLimited, wait, "%s: try again in %d second(s)", what, secs))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// AddressKey turns a client's IP address into the key that limits and
// counters keep it under: IPv4 addresses as they are, IPv6 addresses by their
// /64 (the block one subscriber gets: counting single IPv6 addresses would
// give one client 2^64 fresh budgets). Something that is no address at all (a
// forged X-Forwarded-For hop) is keyed by its hash, so the key stays short
// whatever was sent.
func AddressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		sum := sha256.Sum256([]byte(ip))
		return "?" + hex.EncodeToString(sum[:16])
	}
	addr = addr.WithZone("").Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}
