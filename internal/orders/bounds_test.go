package orders_test

import (
	"math"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/money"
)

// TestCartTotalBound: a cart is one payment, and one payment is at most
// money.MaxAmount (Stripe's ceiling). Adding a line or raising a quantity
// past it is a 400 on quantity that changes nothing, not a failure at
// Stripe; a cart that got there by a price rise cannot check out (400, no
// order) until a quantity comes down; and a price stored before prices were
// bounded never makes a wrapped total.
func TestCartTotalBound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	yacht := f.product(f.acme, "yacht", "Yacht", usd(money.MaxAmount), 10)
	pin := f.product(f.bolt, "pin", "Pin", usd(1), 10)
	desk := f.product(f.bolt, "desk", "Desk", usd(100_000), 5000) // 1,000.00
	fleet := f.bundle("fleet", usd(money.MaxAmount), part(yacht, 1))
	a := f.api

	var created struct {
		Cart      orders.CartView `json:"cart"`
		CartToken string          `json:"cart_token"`
	}
	a.want(201, req{method: "POST", url: "/api/v1/store/carts"}, &created)
	base, tok := "/api/v1/store/carts/"+created.Cart.ID, created.CartToken
	var cart orders.CartView
	a.want(200, req{token: tok, method: "POST", url: base + "/lines", body: map[string]any{"variant_id": yacht, "quantity": 1}}, &cart)
	if *cart.Subtotal != usd(money.MaxAmount) || len(cart.Problems) != 2 { // email and recipient only
		t.Fatalf("a cart at the bound: %+v", cart)
	}
	yachtLine := cart.Lines[0].ID

	refused := func(t *testing.T, method, url string, body map[string]any) {
		t.Helper()
		before := f.snapshot()
		status, b := a.do(req{token: tok, method: method, url: url, body: body})
		p := problemOf(t, b)
		if status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "quantity" || !strings.Contains(p.Errors[0].Message, "USD 999999.99") {
			t.Fatalf("%d %s", status, b)
		}
		if f.snapshot() != before {
			t.Fatal("a refused change was written")
		}
	}
	t.Run("one more of the same", func(t *testing.T) {
		refused(t, "POST", base+"/lines", map[string]any{"variant_id": yacht, "quantity": 1})
	})
	t.Run("one cent more on another line", func(t *testing.T) {
		refused(t, "POST", base+"/lines", map[string]any{"variant_id": pin, "quantity": 1})
	})
	t.Run("a bundle", func(t *testing.T) {
		refused(t, "POST", base+"/lines", map[string]any{"bundle_id": fleet, "quantity": 1})
	})
	t.Run("a higher quantity", func(t *testing.T) {
		refused(t, "PATCH", base+"/lines/"+yachtLine, map[string]any{"quantity": 2})
	})
	t.Run("a thousand of a thousand dollars in a new cart", func(t *testing.T) {
		c, cartID := f.guestCart()
		before := f.snapshot()
		_, err := f.store.AddLine(f.ctx, c, cartID, variantLine(desk, 1000))
		if err == nil || !strings.Contains(err.Error(), "quantity: the cart's total would be USD 1000000.00") {
			t.Fatalf("%v", err)
		}
		if f.snapshot() != before {
			t.Fatal("a refused line was written")
		}
		f.add(c, cartID, variantLine(desk, 999)) // 999,000.00: within
	})

	t.Run("a price rise past the bound stops checkout until a quantity comes down", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(pin, 2))
		f.exec(`UPDATE variants SET price_amount = ? WHERE id = ?`, money.MaxAmount, pin)
		defer f.exec(`UPDATE variants SET price_amount = 1 WHERE id = ?`, pin)
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		if v.ReadyForCheckout || codes(v.Problems) != "total_too_large" || v.Problems[0].Field != "lines" || *v.Subtotal != usd(2*money.MaxAmount) {
			t.Fatalf("cart: %+v", v)
		}
		status, b := a.do(req{token: c.CartToken, method: "POST", url: "/api/v1/store/carts/" + cartID + "/checkout", body: map[string]any{}})
		if p := problemOf(t, b); status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "lines" {
			t.Fatalf("checkout: %d %s", status, b)
		}
		if n := f.count(`SELECT COUNT(*) FROM orders`); n != 0 || len(f.pay.starts) != 0 {
			t.Fatalf("%d orders, %d payments started", n, len(f.pay.starts))
		}
		one := 1
		if v, err = f.store.UpdateLine(f.ctx, c, cartID, v.Lines[0].ID, orders.LinePatch{Quantity: &one}); err != nil || !v.ReadyForCheckout {
			t.Fatalf("lowering the quantity: %+v %v", v, err)
		}
	})

	t.Run("a price stored before the bound never wraps the total", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(desk, 3), variantLine(pin, 1))
		f.exec(`UPDATE variants SET price_amount = ? WHERE id = ?`, int64(math.MaxInt64/2), desk)
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		if v.ReadyForCheckout || codes(v.Lines[0].Problems) != "total_too_large,price_changed" || v.Lines[0].LineTotal != nil {
			t.Fatalf("line: %+v", v.Lines[0])
		}
		if v.Subtotal != nil && v.Subtotal.Amount < 0 {
			t.Fatalf("a wrapped subtotal: %v", *v.Subtotal)
		}
		if _, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{}); err == nil || !strings.Contains(err.Error(), "lines[0].quantity") {
			t.Fatalf("checkout: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders", n)
		}
	})

	t.Run("two lines that each fit an int64 but not together", func(t *testing.T) {
		a1 := f.product(f.acme, "a1", "Anvil", usd(100), 5)
		a2 := f.product(f.bolt, "a2", "Anchor", usd(100), 5)
		c, cartID := f.cartWith(variantLine(a1, 1), variantLine(a2, 1))
		f.exec(`UPDATE variants SET price_amount = ? WHERE id IN (?, ?)`, int64(math.MaxInt64/2+1), a1, a2)
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Subtotal != nil || v.ReadyForCheckout || codes(v.Problems) != "total_too_large" {
			t.Fatalf("cart: subtotal %v, problems %+v", v.Subtotal, v.Problems)
		}
	})

	t.Run("an expected total past the bound is refused", func(t *testing.T) {
		status, b := a.do(req{token: tok, method: "POST", url: base + "/checkout",
			body: map[string]any{"expected_total": map[string]any{"amount": int64(math.MaxInt64), "currency": "USD"}}})
		if p := problemOf(t, b); status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "expected_total.amount" {
			t.Fatalf("%d %s", status, b)
		}
	})
}
