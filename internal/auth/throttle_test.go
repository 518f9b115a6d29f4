package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// The fixture's limits (setup): 3 attempts per account, 6 per address.
const accountLimit = 3

// patientHasher gives the Service a Hasher that lets callers wait as long as
// it takes, so that on a loaded machine no attempt of a test gets 503.
func patientHasher(c *auth.Config) { c.Hasher = auth.NewHasher(0, time.Minute) }

// signInBurst runs n sign-ins at once, the i-th from the address ip(i), and
// sends each outcome on the returned channel (closed when all are done).
func (f *fixture) signInBurst(n int, email, pw string, ip func(i int) string) <-chan error {
	out := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := f.svc.Login(context.Background(), email, pw, auth.Client{IP: ip(i), UserAgent: "burst"})
			out <- err
		}()
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

func kindOf(err error) string {
	if err == nil {
		return "ok"
	}
	return string(fault.KindOf(err))
}

// TestSignInBurstEvaluatesAtMostTheLimit: 40 wrong passwords at once for one
// account are counted before any is checked, so no more than the limit reach
// the (64 MiB, 70 ms) password check; the others are refused with 429 and a
// Retry-After, whatever address they come from and whether the account exists.
func TestSignInBurstEvaluatesAtMostTheLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		email string
		ip    func(i int) string
	}{
		{"one account, many addresses", "owner@acme.example", func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }},
		{"one account, one address", "owner@acme.example", func(int) string { return "203.0.113.9" }},
		{"an unknown account is counted alike", "nobody@acme.example", func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := setupWith(t, patientHasher)
			before := f.svc.Hasher().Stats().Evaluations
			got := map[string]int{}
			for err := range f.signInBurst(40, tc.email, "not the password", tc.ip) {
				got[kindOf(err)]++
				if fault.Is(err, fault.KindRateLimited) && fault.RetryAfterOf(err) <= 0 {
					t.Errorf("a 429 without Retry-After: %v", err)
				}
			}
			if evals := f.svc.Hasher().Stats().Evaluations - before; evals > accountLimit {
				t.Errorf("%d passwords were checked; the limit is %d", evals, accountLimit)
			}
			want := map[string]int{string(fault.KindUnauthorized): accountLimit, string(fault.KindRateLimited): 40 - accountLimit}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("answers %v, want %v", got, want)
			}
		})
	}
}

// TestRightPasswordInsideABurst: once a burst of wrong guesses has crossed
// the limit, the right password is refused too (429), even while the guesses
// are still being checked; after the lock the owner gets in, and starts with
// a fresh count.
func TestRightPasswordInsideABurst(t *testing.T) {
	t.Parallel()
	f := setupWith(t, patientHasher)
	ctx := context.Background()
	results := f.signInBurst(40, "owner@acme.example", "not the password", func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) })
	// Send the right password as soon as the burst has been refused once
	// (proof that it crossed the limit), or after a second: before forty
	// 64 MiB hashes, checked all at once as they were before the fix, can
	// finish on a few cores.
	var rest []error
	deadline := time.After(time.Second)
wait:
	for {
		select {
		case err := <-results:
			rest = append(rest, err)
			if fault.Is(err, fault.KindRateLimited) {
				break wait
			}
		case <-deadline:
			break wait
		}
	}
	_, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "192.0.2.77"})
	if !fault.Is(err, fault.KindRateLimited) || fault.RetryAfterOf(err) <= 0 {
		t.Fatalf("the right password inside a burst over the limit: want 429 with Retry-After, got %v", err)
	}
	for err := range results {
		rest = append(rest, err)
	}
	if len(rest) != 40 {
		t.Fatalf("%d answers to the burst", len(rest))
	}

	f.clock.Advance(15*time.Minute + time.Second)
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "192.0.2.77"}); err != nil {
		t.Fatalf("the owner after the lock: %v", err)
	}
	// A success forgets the account's count: the next mistakes start at one.
	for i := range accountLimit {
		if _, _, err := f.svc.Login(ctx, "owner@acme.example", "typo typo", auth.Client{IP: "192.0.2.77"}); !fault.Is(err, fault.KindUnauthorized) {
			t.Fatalf("mistake %d after a success: %v", i+1, err)
		}
	}
}

// TestUncheckedAttemptsDoNotCount: a sign-in refused 503 because every
// hashing slot stayed busy was never checked, so it does not count towards
// the lock: a user retrying through an overload is not locked out by it.
func TestUncheckedAttemptsDoNotCount(t *testing.T) {
	t.Parallel()
	hasher := auth.NewHasher(1, 20*time.Millisecond)
	f := setupWith(t, func(c *auth.Config) { c.Hasher = hasher })
	ctx := context.Background()
	ip := auth.Client{IP: "192.0.2.30"}
	release := hasher.HoldAllSlots()
	before := hasher.Stats()
	for range 2 * accountLimit {
		_, _, err := f.svc.Login(ctx, "owner@acme.example", "not the password", ip)
		if !fault.Is(err, fault.KindUnavailable) || fault.RetryAfterOf(err) <= 0 {
			t.Fatalf("with every slot busy: want 503 with Retry-After, got %v", err)
		}
	}
	release()
	after := hasher.Stats()
	if after.Evaluations != before.Evaluations || after.Busy != before.Busy+2*accountLimit {
		t.Fatalf("stats before %+v after %+v", before, after)
	}
	var rows int
	f.db.Get(&rows, `SELECT COUNT(*) FROM login_throttles WHERE failures > 0 OR locked_until IS NOT NULL`)
	if rows != 0 {
		t.Fatalf("%d throttle rows count unchecked attempts", rows)
	}
	for i := range accountLimit {
		if _, _, err := f.svc.Login(ctx, "owner@acme.example", "not the password", ip); !fault.Is(err, fault.KindUnauthorized) {
			t.Fatalf("attempt %d once slots are free: %v", i+1, err)
		}
	}
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", password, ip); !fault.Is(err, fault.KindRateLimited) {
		t.Fatalf("over the limit: %v", err)
	}
}

// TestIPv6ClientsAreCountedByTheirBlock: addresses of one /64 share a budget.
func TestIPv6ClientsAreCountedByTheirBlock(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	for i := range 6 { // the address limit, each time another account and another address in the /64
		f.svc.Login(ctx, fmt.Sprintf("guess%d@acme.example", i), "nope nope nope", auth.Client{IP: fmt.Sprintf("2001:db8:1:2::%x", i+1)})
	}
	_, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "2001:db8:1:2:ffff::1"})
	if !fault.Is(err, fault.KindRateLimited) {
		t.Fatalf("another address of the same /64: want 429, got %v", err)
	}
	if _, _, err := f.svc.Login(ctx, "owner@acme.example", password, auth.Client{IP: "2001:db8:1:3::1"}); err != nil {
		t.Fatalf("another /64: %v", err)
	}
}

// TestAbandonedAttemptsDoNotCount: a client that gives up while its sign-in
// waits for a hashing slot was never checked, so it is not counted.
func TestAbandonedAttemptsDoNotCount(t *testing.T) {
	t.Parallel()
	hasher := auth.NewHasher(1, time.Minute)
	f := setupWith(t, func(c *auth.Config) { c.Hasher = hasher })
	release := hasher.HoldAllSlots()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := f.svc.Login(ctx, "owner@acme.example", "not the password", auth.Client{IP: "192.0.2.31"})
		done <- err
	}()
	// Once the attempt is counted it waits for a slot: then the client leaves.
	failures := func() int {
		var n int
		f.db.Get(&n, `SELECT COALESCE(SUM(failures), 0) FROM login_throttles`)
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); hasher.Stats().Waiting != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the sign-in never queued for a slot")
		}
	}
	if n := failures(); n != 2 {
		t.Fatalf("a queued attempt counts %d times; want once per key (2)", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !fault.Is(err, fault.KindUnavailable) {
		t.Fatalf("an abandoned sign-in: want unavailable (context canceled), got %v", err)
	}
	if n := failures(); n != 0 {
		t.Fatalf("an abandoned attempt still counts: %d", n)
	}
}
