package orders_test

import (
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/orders"
)

// TestPruneCarts: an abandoned guest cart goes after the retention; one
// checked out, one touched lately, and a buyer's stay.
func TestPruneCarts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	_, abandoned := f.cartWith(variantLine(mug, 1))
	_, recent := f.cartWith(variantLine(mug, 1))
	c, paid := f.cartWith(variantLine(mug, 1))
	f.checkout(c, paid)
	buyer := f.buyer("bea")
	view, _, _, err := f.store.CreateCart(f.ctx, buyer)
	if err != nil {
		t.Fatal(err)
	}
	old := t0.Add(-40 * 24 * time.Hour)
	for _, id := range []string{abandoned, paid, view.ID} {
		f.exec(`UPDATE carts SET updated_at = ? WHERE id = ?`, old, id)
	}
	n, err := f.store.PruneCarts(f.ctx, t0.Add(-orders.CartRetention))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	if f.count(`SELECT COUNT(*) FROM carts WHERE id = ?`, abandoned) != 0 || f.count(`SELECT COUNT(*) FROM cart_lines WHERE cart_id = ?`, abandoned) != 0 {
		t.Fatal("the abandoned cart is still there")
	}
	for _, id := range []string{recent, paid, view.ID} {
		if f.count(`SELECT COUNT(*) FROM carts WHERE id = ?`, id) != 1 {
			t.Fatalf("cart %s was pruned", id)
		}
	}
}
