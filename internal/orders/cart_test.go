package orders_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
)

func TestCartPricesFromTheCatalog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	tea := f.product(f.bolt, "tea", "Tea Tin", usd(900), 5)
	set := f.bundle("tea-set", usd(2000), part(mug, 1), part(tea, 1))
	c, cartID := f.guestCart()

	v := f.add(c, cartID, variantLine(mug, 2))
	v = f.add(c, cartID, bundleLine(set, 1))
	if len(v.Lines) != 2 || *v.Subtotal != usd(5000) || v.ItemCount != 3 || *v.Currency != "USD" {
		t.Fatalf("cart: %+v", v)
	}
	if l := v.Lines[0]; *l.UnitPrice != usd(1500) || *l.LineTotal != usd(3000) || l.Available != 10 || l.Vendor.Slug != "acme" || len(l.Problems) != 0 {
		t.Fatalf("mug line: %+v", l)
	}
	if l := v.Lines[1]; l.Kind != "bundle" || *l.UnitPrice != usd(2000) || len(l.Parts) != 2 || l.Available != 5 {
		t.Fatalf("bundle line: %+v", l)
	}
	// A guest without an email or recipient cannot check out yet.
	if v.ReadyForCheckout || codes(v.Problems) != "email_required,recipient_incomplete" {
		t.Fatalf("problems: %+v", v.Problems)
	}
	v = f.ready(c, cartID)
	if !v.ReadyForCheckout || len(v.Problems) != 0 || v.Recipient.Country != "US" {
		t.Fatalf("ready cart: %+v", v)
	}

	t.Run("a price change shows the new price and says so, and does not stop checkout", func(t *testing.T) {
		f.exec(`UPDATE variants SET price_amount = 1800 WHERE id = ?`, mug)
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		l := v.Lines[0]
		if *l.UnitPrice != usd(1800) || *l.LineTotal != usd(3600) || l.PriceWhenAdded != usd(1500) || codes(l.Problems) != "price_changed" {
			t.Fatalf("line: %+v", l)
		}
		if !strings.Contains(l.Problems[0].Message, "from USD 15.00 to USD 18.00") || *v.Subtotal != usd(5600) || !v.ReadyForCheckout {
			t.Fatalf("cart: %+v", v)
		}
		// Acting on the line takes today's price as seen.
		two := 2
		v, err = f.store.UpdateLine(f.ctx, c, cartID, l.ID, orders.LinePatch{Quantity: &two})
		if err != nil || len(v.Lines[0].Problems) != 0 || v.Lines[0].PriceWhenAdded != usd(1800) {
			t.Fatalf("after patch: %+v %v", v.Lines[0], err)
		}
	})

	t.Run("an unlisted item is not for sale and stops checkout", func(t *testing.T) {
		f.exec(`UPDATE products SET listed = FALSE WHERE id = (SELECT product_id FROM variants WHERE id = ?)`, tea)
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		l := v.Lines[1]
		if codes(l.Problems) != "not_available" || l.UnitPrice != nil || l.Available != 0 || len(l.Parts) != 1 || v.ReadyForCheckout {
			t.Fatalf("bundle with an unlisted part: %+v", l)
		}
		if *v.Subtotal != usd(3600) {
			t.Fatalf("the subtotal counts what can be bought: %v", v.Subtotal)
		}
		_, _, err = f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
		if !fault.Is(err, fault.KindConflict) || !strings.Contains(err.Error(), "Bundle tea-set: this bundle is no longer for sale") {
			t.Fatalf("checkout: %v", err)
		}
		f.exec(`UPDATE products SET listed = TRUE WHERE id = (SELECT product_id FROM variants WHERE id = ?)`, tea)
	})

	t.Run("a bundle part and a single line of the same variant draw on one stock", func(t *testing.T) {
		f.exec(`UPDATE variants SET stock_on_hand = 2 WHERE id = ?`, mug) // 2 singles + 1 in the bundle = 3 wanted
		v, err := f.store.Cart(f.ctx, c, cartID)
		if err != nil {
			t.Fatal(err)
		}
		if codes(v.Lines[0].Problems) != "insufficient_stock" || codes(v.Lines[1].Problems) != "insufficient_stock" || v.ReadyForCheckout {
			t.Fatalf("lines: %+v / %+v", v.Lines[0].Problems, v.Lines[1].Problems)
		}
		if !strings.Contains(v.Lines[1].Problems[0].Message, "only 2 of Mug left, fewer than the lines of your cart that use it want together") {
			t.Fatalf("message: %s", v.Lines[1].Problems[0].Message)
		}
		_, _, err = f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
		if !fault.Is(err, fault.KindConflict) || !strings.Contains(err.Error(), "only 2 of Mug left") {
			t.Fatalf("checkout: %v", err)
		}
		f.exec(`UPDATE variants SET stock_on_hand = 0 WHERE id = ?`, mug)
		v, _ = f.store.Cart(f.ctx, c, cartID)
		if codes(v.Lines[0].Problems) != "out_of_stock" || v.Lines[0].Problems[0].Message != "Mug is out of stock" {
			t.Fatalf("out of stock: %+v", v.Lines[0].Problems)
		}
		f.exec(`UPDATE variants SET stock_on_hand = 10 WHERE id = ?`, mug)
	})

	t.Run("what other checkouts hold is not available", func(t *testing.T) {
		f.exec(`UPDATE variants SET reserved = 9 WHERE id = ?`, mug)
		v, _ := f.store.Cart(f.ctx, c, cartID)
		if v.Lines[0].Available != 1 || codes(v.Lines[0].Problems) != "insufficient_stock" {
			t.Fatalf("line: %+v", v.Lines[0])
		}
		f.exec(`UPDATE variants SET reserved = 0 WHERE id = ?`, mug)
	})
}

func TestCartEdits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	euro := f.product(f.bolt, "euro", "Euro Mug", cash("EUR", 1200), 10)
	c, cartID := f.guestCart()

	t.Run("adding the same item again adds to its line; another recipient makes another line", func(t *testing.T) {
		f.add(c, cartID, variantLine(mug, 1))
		v := f.add(c, cartID, variantLine(mug, 2))
		if len(v.Lines) != 1 || v.Lines[0].Quantity != 3 {
			t.Fatalf("lines: %+v", v.Lines)
		}
		bob := orders.Recipient{Name: "Bob", AddressLines: []string{"2 Elm St"}, City: "Shelbyville", PostalCode: "1", Country: "US"}
		v = f.add(c, cartID, orders.LineInput{VariantID: mug, Quantity: 1, Recipient: &bob, GiftMessage: "Happy birthday"})
		v = f.add(c, cartID, orders.LineInput{VariantID: mug, Quantity: 1, Recipient: &bob, GiftMessage: "Happy birthday"})
		if len(v.Lines) != 2 || v.Lines[1].Quantity != 2 || v.Lines[1].Recipient.Name != "Bob" || v.Lines[1].GiftMessage != "Happy birthday" {
			t.Fatalf("lines: %+v", v.Lines)
		}
		// Making it the same gift as the first line collides.
		_, err := f.store.UpdateLine(f.ctx, c, cartID, v.Lines[1].ID, orders.LinePatch{
			Recipient: orders.Optional[orders.Recipient]{Set: true}, GiftMessage: ptr("")})
		if !fault.Is(err, fault.KindConflict) {
			t.Fatalf("collision: %v", err)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			in   orders.LineInput
			kind fault.Kind
			msg  string
		}{
			"more than there is":    {variantLine(mug, 7), fault.KindConflict, "Mug: only 10 left, 12 wanted"},
			"another currency":      {variantLine(euro, 1), fault.KindConflict, "priced in EUR and the cart in USD"},
			"unknown variant":       {variantLine("var_nope", 1), fault.KindNotFound, "not for sale"},
			"unknown bundle":        {bundleLine("bdl_nope", 1), fault.KindNotFound, "not for sale"},
			"both":                  {orders.LineInput{VariantID: mug, BundleID: "bdl_x", Quantity: 1}, fault.KindInvalid, "invalid fields"},
			"zero":                  {variantLine(mug, 0), fault.KindInvalid, "quantity"},
			"bad recipient country": {orders.LineInput{VariantID: mug, Quantity: 1, Recipient: &orders.Recipient{Country: "USA"}}, fault.KindInvalid, "country"},
			"past delivery date":    {orders.LineInput{VariantID: mug, Quantity: 1, Recipient: &orders.Recipient{DeliveryDate: "2026-10-31"}}, fault.KindInvalid, "past"},
		} {
			_, err := f.store.AddLine(f.ctx, c, cartID, tc.in)
			if !fault.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s: %v", name, err)
			}
		}
		f.exec(`UPDATE products SET listed = FALSE WHERE id = (SELECT product_id FROM variants WHERE id = ?)`, euro)
		if _, err := f.store.AddLine(f.ctx, c, cartID, variantLine(euro, 1)); !fault.Is(err, fault.KindNotFound) {
			t.Errorf("unlisted: %v", err)
		}
	})

	t.Run("removing every line frees the currency", func(t *testing.T) {
		v, _ := f.store.Cart(f.ctx, c, cartID)
		for _, l := range v.Lines {
			if _, err := f.store.RemoveLine(f.ctx, c, cartID, l.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.store.RemoveLine(f.ctx, c, cartID, v.Lines[0].ID); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("second remove: %v", err)
		}
		f.exec(`UPDATE products SET listed = TRUE WHERE id = (SELECT product_id FROM variants WHERE id = ?)`, euro)
		v = f.add(c, cartID, variantLine(euro, 1))
		if *v.Currency != "EUR" || codes(v.Problems) != "email_required,recipient_incomplete" {
			t.Fatalf("cart: %+v", v)
		}
	})

	t.Run("details: email, gift message, recipient; null removes the recipient", func(t *testing.T) {
		v := f.ready(c, cartID)
		if v.Email != "guest@example.com" || v.Recipient == nil {
			t.Fatalf("cart: %+v", v)
		}
		msg := " Thank you! "
		v, err := f.store.UpdateCart(f.ctx, c, cartID, orders.CartPatch{GiftMessage: &msg, Recipient: orders.Optional[orders.Recipient]{Set: true}})
		if err != nil || v.GiftMessage != "Thank you!" || v.Recipient != nil || v.Email != "guest@example.com" {
			t.Fatalf("cart: %+v %v", v, err)
		}
		bad := "not-an-email"
		if _, err := f.store.UpdateCart(f.ctx, c, cartID, orders.CartPatch{Email: &bad}); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("bad email: %v", err)
		}
	})
}

func TestBuyerCarts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 1) // its own hold leaves none
	ann := f.buyer("ann")

	v1, token, created, err := f.store.CreateCart(f.ctx, ann)
	if err != nil || !created || token != "" {
		t.Fatalf("first: %v %v %q", err, created, token)
	}
	v2, _, created, err := f.store.CreateCart(f.ctx, ann)
	if err != nil || created || v2.ID != v1.ID {
		t.Fatalf("second: %v %v %s %s", err, created, v2.ID, v1.ID)
	}
	f.add(ann, v1.ID, variantLine(mug, 1))
	v := f.ready(ann, v1.ID)
	if !v.ReadyForCheckout || v.Email != "" {
		t.Fatalf("a buyer needs no email: %+v", v.Problems)
	}
	f.checkout(ann, v1.ID)
	// A checked-out cart is closed; the buyer's next cart is a new one.
	if _, err := f.store.AddLine(f.ctx, ann, v1.ID, variantLine(mug, 1)); !fault.Is(err, fault.KindConflict) {
		t.Fatalf("edit after checkout: %v", err)
	}
	v3, _, created, err := f.store.CreateCart(f.ctx, ann)
	if err != nil || !created || v3.ID == v1.ID {
		t.Fatalf("next cart: %v %v", err, created)
	}
	old, _ := f.store.Cart(f.ctx, ann, v1.ID)
	if old.Status != "checked_out" || old.OrderID == nil || old.ReadyForCheckout || len(old.Problems) != 0 || len(old.Lines[0].Problems) != 0 {
		t.Fatalf("old cart: %+v", old)
	}
}

func TestCartHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	a := f.api

	var created struct {
		Cart      orders.CartView `json:"cart"`
		CartToken string          `json:"cart_token"`
	}
	a.want(http.StatusCreated, req{method: "POST", url: "/api/v1/store/carts"}, &created)
	base := "/api/v1/store/carts/" + created.Cart.ID
	tok := created.CartToken
	if len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if f.count(`SELECT COUNT(*) FROM carts WHERE token_hash = ?`, tok) != 0 {
		t.Fatal("the token is stored as issued")
	}
	var cart orders.CartView
	a.want(200, req{token: tok, method: "POST", url: base + "/lines", body: map[string]any{"variant_id": mug, "quantity": 2}}, &cart)
	a.want(200, req{token: tok, method: "PATCH", url: base, body: map[string]any{"email": "g@example.com", "gift_message": "Cheers",
		"recipient": map[string]any{"name": "Alice", "address_lines": []string{"1 Main St", ""}, "city": "Springfield", "postal_code": "62701",
			"country": "us", "delivery_date": "2026-11-20"}}}, &cart)
	if !cart.ReadyForCheckout || cart.Recipient.DeliveryDate != "2026-11-20" || len(cart.Recipient.AddressLines) != 1 {
		t.Fatalf("cart: %+v", cart)
	}
	lineURL := base + "/lines/" + cart.Lines[0].ID
	a.want(200, req{token: tok, method: "PATCH", url: lineURL, body: map[string]any{"quantity": 3}}, &cart)
	a.want(200, req{token: tok, method: "GET", url: base}, &cart)
	if cart.Lines[0].Quantity != 3 {
		t.Fatalf("quantity %d", cart.Lines[0].Quantity)
	}

	// Bad input is a 400 naming the field; unknown fields are refused.
	for _, body := range []any{
		map[string]any{"variant_id": mug, "quantity": 1, "price": 1},
		map[string]any{"variant_id": mug, "quantity": 1, "recipient": map[string]any{"name": "x", "phone": "1"}},
		`{"variant_id": 1}`,
	} {
		_, b := a.do(req{token: tok, method: "POST", url: base + "/lines", body: body})
		if p := problemOf(t, b); p.Status != 400 {
			t.Errorf("%v: %+v", body, p)
		}
	}
	b := a.want(409, req{token: tok, method: "POST", url: base + "/lines", body: map[string]any{"variant_id": mug, "quantity": 8}}, nil)
	if p := problemOf(t, b); p.Detail != "Mug: only 10 left, 11 wanted" {
		t.Fatalf("detail %q", p.Detail)
	}
	a.want(200, req{token: tok, method: "DELETE", url: lineURL}, &cart)
	a.want(404, req{token: tok, method: "DELETE", url: lineURL}, nil)
	if len(cart.Lines) != 0 || cart.Currency != nil || cart.Subtotal != nil {
		t.Fatalf("empty cart: %+v", cart)
	}
	b = a.want(409, req{token: tok, method: "POST", url: base + "/checkout"}, nil)
	if p := problemOf(t, b); p.Detail != "the cart is empty" {
		t.Fatalf("detail %q", p.Detail)
	}
}

func ptr[T any](v T) *T { return &v }
