package orders_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/queue"
)

const racers = 200

// race checks out every cart at once over HTTP and counts the answers: 201s,
// and 409 problems whose detail must say the stock ran out.
func (f *fixture) race(carts []orders.Caller, ids []string, outOfStock string) (won []string) {
	f.t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	refused := 0
	for i := range carts {
		wg.Go(func() {
			<-start
			status, body := f.api.do(req{token: carts[i].CartToken, method: "POST", url: "/api/v1/store/carts/" + ids[i] + "/checkout"})
			mu.Lock()
			defer mu.Unlock()
			switch status {
			case 201:
				won = append(won, ids[i])
			case 409:
				refused++
				if p := problemOf(f.t, body); !strings.Contains(p.Detail, outOfStock) || p.Status != 409 {
					f.t.Errorf("unclear refusal: %+v", p)
				}
			default:
				f.t.Errorf("checkout %d: %d %s", i, status, body)
			}
		})
	}
	close(start)
	wg.Wait()
	if len(won)+refused != len(carts) {
		f.t.Fatalf("%d won, %d refused of %d", len(won), refused, len(carts))
	}
	return won
}

// TestNoOversell: 200 concurrent checkouts (each its own cart) at the last 10
// units of a variant hold exactly 10; every other checkout is told the item is
// out of stock; when the holds expire unpaid, the units come back.
func TestNoOversell(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	carts := make([]orders.Caller, racers)
	ids := make([]string, racers)
	for i := range racers {
		carts[i], ids[i] = f.cartWith(variantLine(mug, 1))
	}

	won := f.race(carts, ids, "Mug")
	if len(won) != 10 {
		t.Fatalf("%d checkouts won, want 10", len(won))
	}
	on, reserved := f.stock(mug)
	held := f.count(`SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE variant_id = ? AND status = 'active'`, mug)
	if on != 10 || reserved != 10 || held != 10 {
		t.Fatalf("on hand %d, reserved %d, held by rows %d", on, reserved, held)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE status = 'pending_payment'`); n != 10 {
		t.Fatalf("%d orders", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM carts WHERE status = 'checked_out'`); n != 10 {
		t.Fatalf("%d carts checked out", n)
	}
	if len(f.pay.starts) != 10 {
		t.Fatalf("%d payments started", len(f.pay.starts))
	}

	// Unpaid past the hold: the release job gives the units back.
	f.clk.Advance(ttl)
	if err := f.store.ReleaseExpired(f.ctx, queue.Meta{}, orders.ReleaseExpired{}); err != nil {
		t.Fatal(err)
	}
	if _, reserved := f.stock(mug); reserved != 0 {
		t.Fatalf("reserved %d after expiry", reserved)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE status = 'expired'`); n != 10 {
		t.Fatalf("%d orders expired", n)
	}
	// And the next buyers get them.
	lost := []string{}
	lostCarts := []orders.Caller{}
	for i, id := range ids {
		if !contains(won, id) && len(lost) < 30 {
			lost, lostCarts = append(lost, id), append(lostCarts, carts[i])
		}
	}
	if again := f.race(lostCarts, lost, "Mug"); len(again) != 10 {
		t.Fatalf("%d won after expiry, want 10", len(again))
	}
}

// TestNoOversellWithBundles: the last 10 units of a variant that is both a
// bundle's part and sold alone. Every cart wants 2 units: one bundle with it
// as a part plus one single, or one bundle holding it twice. Exactly 10 units
// are held (5 checkouts), and the other part only for the winners.
func TestNoOversellWithBundles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	tea := f.product(f.bolt, "tea", "Tea", usd(500), 1000)
	mugAndTea := f.bundle("mug-and-tea", usd(1800), part(mug, 1), part(tea, 1))
	twoMugs := f.bundle("two-mugs", usd(2800), part(mug, 2))
	carts := make([]orders.Caller, racers)
	ids := make([]string, racers)
	for i := range racers {
		if i%2 == 0 {
			carts[i], ids[i] = f.cartWith(bundleLine(mugAndTea, 1), variantLine(mug, 1))
		} else {
			carts[i], ids[i] = f.cartWith(bundleLine(twoMugs, 1))
		}
	}

	won := f.race(carts, ids, "Mug")
	if len(won) != 5 {
		t.Fatalf("%d checkouts won, want 5", len(won))
	}
	withTea := 0
	for _, id := range won {
		var orderID string
		if err := f.db.Get(&orderID, `SELECT id FROM orders WHERE source_id = ?`, id); err != nil {
			t.Fatal(err)
		}
		rs := f.reservations(orderID)
		switch {
		case rs == minOrder(mug+"=2:active", tea+"=1:active"):
			withTea++
		case rs == mug+"=2:active":
		default:
			t.Fatalf("order %s holds %s", orderID, rs)
		}
	}
	if on, r := f.stock(mug); on != 10 || r != 10 {
		t.Fatalf("mug: on hand %d reserved %d", on, r)
	}
	if _, r := f.stock(tea); r != withTea {
		t.Fatalf("tea reserved %d, want %d", r, withTea)
	}
	if n := f.count(`SELECT COUNT(*) FROM reservations WHERE status = 'active' AND variant_id = ?`, mug); n != 5 {
		t.Fatalf("%d mug rows, want one per order", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
