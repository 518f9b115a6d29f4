package ratelimit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
)

func TestTake(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	k := New(clk, Limit{PerMinute: 6, Burst: 3}) // a token every 10 s

	for i := range 3 {
		if ok, _ := k.Take("a"); !ok {
			t.Fatalf("take %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := k.Take("a")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("a fourth take: ok=%v wait=%v, want refused with a wait of at most 10s", ok, wait)
	}
	if ok, _ := k.Take("b"); !ok {
		t.Fatal("another key has its own bucket")
	}
	// A refused take takes nothing: after the wait exactly one token is back.
	clk.Set(clk.Now().Add(wait))
	if ok, _ := k.Take("a"); !ok {
		t.Fatal("refused after waiting as told")
	}
	if ok, _ := k.Take("a"); ok {
		t.Fatal("two tokens after one interval")
	}
	clk.Set(clk.Now().Add(time.Hour))
	for i := range 3 {
		if ok, _ := k.Take("a"); !ok {
			t.Fatalf("take %d after a refill refused", i+1)
		}
	}
	if ok, _ := k.Take("a"); ok {
		t.Fatal("a bucket keeps no more than its burst")
	}
}

func TestConcurrentTakesNeverExceedTheBurst(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	k := New(clk, Limit{PerMinute: 1, Burst: 50})
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 500 {
		wg.Go(func() {
			if ok, _ := k.Take("10.0.0.1"); ok {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if got := granted.Load(); got != 50 {
		t.Fatalf("%d of 500 concurrent takes granted, want exactly the burst of 50", got)
	}
}

func TestBucketsAreForgottenWhenFull(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	k := New(clk, Limit{PerMinute: 60, Burst: 2})
	for i := range 5000 {
		k.Take(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	clk.Set(clk.Now().Add(time.Minute)) // every bucket is full again
	k.Take("10.9.9.9")
	for i := range 5000 {
		k.Take(fmt.Sprintf("10.1.%d.%d", i/256, i%256))
	}
	k.mu.Lock()
	n := len(k.buckets)
	k.mu.Unlock()
	if n > 5001+1024 {
		t.Fatalf("%d buckets kept; the 5000 full ones should have been forgotten", n)
	}
}

func TestAddressKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an address", "?f8121aab13d54c46a7450875d829bad1"},
	} {
		if got := AddressKey(tc.in); got != tc.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	k := New(clk, Limit{PerMinute: 2, Burst: 1})
	var served int
	h := k.Middleware(func(r *http.Request) string { return r.Header.Get("X-Key") }, "too many new carts")(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))
	do := func(key string) *http.Response {
		req := httptest.NewRequest("POST", "/api/v1/store/carts", nil)
		req.Header.Set("X-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	if res := do("a"); res.StatusCode != 200 {
		t.Fatalf("first request: %d", res.StatusCode)
	}
	res := do("a")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("second request: %d, Retry-After %q, %s", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
	}
	var p struct{ Detail string }
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || p.Detail != "too many new carts: try again in 30 second(s)" {
		t.Fatalf("detail %q (%v)", p.Detail, err)
	}
	for range 5 {
		if res := do(""); res.StatusCode != 200 {
			t.Fatalf("an unkeyed request was limited: %d", res.StatusCode)
		}
	}
	if served != 6 {
		t.Fatalf("handler ran %d times, want 6 (the refused request must not reach it)", served)
	}
}
