package orders_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/orders"
)

// TestIsolation: another buyer's cart or order, a guest cart without its
// token, or with another cart's, answers 404 and changes nothing; signed-in
// callers who are not buyers get 403; a cookie session needs the CSRF header.
func TestIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	ann, bea := f.buyer("ann"), f.buyer("bea")
	a := f.api
	a.as("ann", principal(ann, auth.RoleBuyer))
	a.as("bea", principal(bea, auth.RoleBuyer))
	a.as("vendor", &auth.Principal{UserID: "usr_v", Role: auth.RoleVendorOwner, VendorID: f.acme})
	a.as("operator", &auth.Principal{UserID: "usr_o", Role: auth.RolePlatformAdmin})
	cookie := principal(ann, auth.RoleBuyer)
	cookie.ViaCookie = true
	cookie.CSRFToken = "session-bound-token" // what auth.Authenticate derives from the session
	a.as("ann-cookie", cookie)

	// Ann's order and (open) cart; a guest's cart (open) and order.
	annOrder := f.placedBy(ann, mug)
	var made struct {
		Cart orders.CartView `json:"cart"`
	}
	a.want(201, req{as: "ann", method: "POST", url: "/api/v1/store/carts"}, &made)
	annCart := made.Cart.ID
	var cart orders.CartView
	a.want(200, req{as: "ann", method: "POST", url: "/api/v1/store/carts/" + annCart + "/lines", body: map[string]any{"variant_id": mug, "quantity": 1}}, &cart)
	annLine := cart.Lines[0].ID
	guest, guestCart := f.cartWith(variantLine(mug, 1))
	guestLine := f.cartLine(guest, guestCart)
	gc, guestOrderCart := f.cartWith(variantLine(mug, 1))
	guestOrder := f.checkout(gc, guestOrderCart).Order.ID
	other, _ := f.guestCart()

	type attempt struct {
		who, token string
		want       int
	}
	strangers := []attempt{
		{who: "bea", want: 404},
		{who: "", token: "", want: 404},
		{who: "", token: "not-a-token", want: 404},
		{who: "bea", token: other.CartToken, want: 404}, // a token opens its own cart (and order) only
		{who: "", token: other.CartToken, want: 404},
		{who: "vendor", want: 403},
		{who: "operator", want: 403},
	}
	line := map[string]any{"variant_id": mug, "quantity": 1}
	for _, target := range []struct {
		name         string
		cart, lineID string
		order        string
	}{
		{"ann's", annCart, annLine, annOrder},
		{"a guest's", guestCart, guestLine, guestOrder},
	} {
		base := "/api/v1/store/carts/" + target.cart
		for _, at := range strangers {
			before := f.snapshot()
			for _, r := range []req{
				{method: "GET", url: base},
				{method: "PATCH", url: base, body: map[string]any{"gift_message": "hijacked"}},
				{method: "POST", url: base + "/lines", body: line},
				{method: "PATCH", url: base + "/lines/" + target.lineID, body: map[string]any{"quantity": 5}},
				{method: "DELETE", url: base + "/lines/" + target.lineID},
				{method: "POST", url: base + "/checkout"},
				{method: "GET", url: "/api/v1/store/orders/" + target.order},
			} {
				r.as, r.token = at.who, at.token
				status, body := a.do(r)
				if status != at.want {
					t.Errorf("%s %s (%s) as %q with token %q: %d, want %d: %s", r.method, r.url, target.name, at.who, at.token, status, at.want, body)
				}
				if strings.Contains(string(body), "Mug") {
					t.Errorf("%s %s as %q shows the cart: %s", r.method, r.url, at.who, body)
				}
			}
			if after := f.snapshot(); after != before {
				t.Errorf("refused requests on %s cart as %q changed the database", target.name, at.who)
			}
		}
	}

	// Bea's history holds none of Ann's orders.
	var page orders.OrderPage
	a.want(200, req{as: "bea", method: "GET", url: "/api/v1/store/orders"}, &page)
	if len(page.Orders) != 0 {
		t.Fatalf("bea sees %d orders", len(page.Orders))
	}
	a.want(200, req{as: "ann", method: "GET", url: "/api/v1/store/orders"}, &page)
	if len(page.Orders) != 1 || page.Orders[0].ID != annOrder {
		t.Fatalf("ann's history: %+v", page.Orders)
	}
	// The owners get through.
	a.want(200, req{as: "ann", method: "GET", url: "/api/v1/store/carts/" + annCart}, nil)
	a.want(200, req{token: guest.CartToken, method: "GET", url: "/api/v1/store/carts/" + guestCart}, nil)
	a.want(200, req{as: "ann", method: "GET", url: "/api/v1/store/orders/" + annOrder}, nil)
	a.want(200, req{token: gc.CartToken, method: "GET", url: "/api/v1/store/orders/" + guestOrder}, nil)

	t.Run("a cookie session must send the CSRF header to change anything", func(t *testing.T) {
		before := f.snapshot()
		a.want(403, req{as: "ann-cookie", method: "POST", url: "/api/v1/store/carts/" + annCart + "/lines", body: line}, nil)
		a.want(403, req{as: "ann-cookie", method: "POST", url: "/api/v1/store/carts/" + annCart + "/checkout"}, nil)
		if f.snapshot() != before {
			t.Fatal("a request without CSRF changed the database")
		}
		a.want(200, req{as: "ann-cookie", method: "GET", url: "/api/v1/store/carts/" + annCart}, nil)
		forged := map[string]string{auth.CSRFHeader: "tok", "Cookie": auth.CSRFCookie + "=tok"}
		a.want(403, req{as: "ann-cookie", method: "POST", url: "/api/v1/store/carts/" + annCart + "/lines", body: line, header: forged}, nil)
		if f.snapshot() != before {
			t.Fatal("a forged CSRF pair changed the database")
		}
		hdr := map[string]string{auth.CSRFHeader: cookie.CSRFToken}
		a.want(http.StatusOK, req{as: "ann-cookie", method: "POST", url: "/api/v1/store/carts/" + annCart + "/lines", body: line, header: hdr}, nil)
	})
}

// placedBy checks out a buyer's cart holding one of the variant.
func (f *fixture) placedBy(c orders.Caller, variantID string) string {
	f.t.Helper()
	v, _, _, err := f.store.CreateCart(f.ctx, c)
	if err != nil {
		f.t.Fatal(err)
	}
	if len(v.Lines) > 0 {
		f.t.Fatalf("placedBy needs the buyer's open cart empty: %+v", v)
	}
	f.add(c, v.ID, variantLine(variantID, 1))
	f.ready(c, v.ID)
	return f.checkout(c, v.ID).Order.ID
}

func (f *fixture) cartLine(c orders.Caller, cartID string) string {
	f.t.Helper()
	v, err := f.store.Cart(f.ctx, c, cartID)
	if err != nil {
		f.t.Fatal(err)
	}
	return v.Lines[0].ID
}
