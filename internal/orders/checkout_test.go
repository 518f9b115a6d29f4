package orders_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// TestCheckoutSplitsByVendor: one payment for goods of two vendors, a bundle
// across both, and a line for another recipient.
func TestCheckoutSplitsByVendor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	tea := f.product(f.bolt, "tea", "Tea Tin", usd(1000), 10)
	set := f.bundle("set", usd(2001), part(mug, 1), part(tea, 2)) // weights 1500 : 2000
	c, cartID := f.guestCart()
	f.add(c, cartID, variantLine(mug, 2))
	f.add(c, cartID, bundleLine(set, 3))
	bob := orders.Recipient{Name: "Bob", AddressLines: []string{"2 Elm St"}, City: "Shelbyville", PostalCode: "2", Country: "US",
		DeliveryDate: "2026-12-01"}
	f.add(c, cartID, orders.LineInput{VariantID: tea, Quantity: 1, Recipient: &bob, GiftMessage: "For Bob"})
	f.ready(c, cartID)

	res, created, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{ExpectedTotal: ptr(usd(3000 + 6003 + 1000))})
	if err != nil || !created {
		t.Fatalf("checkout: %v %v", err, created)
	}
	o := f.order(res.Order.ID)
	if o.Status != orders.StatusPendingPayment || o.Total != usd(10003) || o.BuyerEmail != "guest@example.com" || o.BuyerUserID != "" ||
		o.SourceType != "cart" || o.SourceID != cartID || !o.ReservedUntil.Equal(t0.Add(ttl)) {
		t.Fatalf("order: %+v", o)
	}
	// Lines: the mug line; the bundle's parts, its price split by part value;
	// Bob's tea. Every split sums to the cent.
	var sum int64
	got := []string{}
	for _, l := range o.Lines {
		sum += l.Amount.Amount
		got = append(got, fmt.Sprintf("%d:%s:%d:%d:%d:%t", l.LineNo, l.Title, l.Quantity, l.UnitPrice.Amount, l.Amount.Amount, l.BundleID != ""))
	}
	if sum != 10003 {
		t.Fatalf("lines sum to %d: %v", sum, got)
	}
	// 6003 split 1500:2000 -> 2572.71 : 3430.29 -> 2573 and 3430.
	want := "1:Mug:2:1500:3000:false,2:Mug:3:1500:2573:true,3:Tea Tin:6:1000:3430:true,4:Tea Tin:1:1000:1000:false"
	if strings.Join(got, ",") != want {
		t.Fatalf("lines\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	// Vendor orders: acme (cart recipient), bolt (cart recipient), bolt for Bob.
	if len(o.VendorOrders) != 3 {
		t.Fatalf("vendor orders: %+v", o.VendorOrders)
	}
	vs := map[string]orders.VendorOrder{}
	for _, vo := range o.VendorOrders {
		vs[vo.VendorID+"/"+vo.Recipient.Name] = vo
		if vo.Status != orders.VendorOrderPending || vo.CommissionBPS != 1500 || !strings.HasPrefix(vo.ID, "vor_") {
			t.Fatalf("vendor order: %+v", vo)
		}
	}
	if vs[f.acme+"/Alice Adams"].Subtotal != usd(5573) || vs[f.acme+"/Alice Adams"].RecipientKey != "" ||
		vs[f.bolt+"/Alice Adams"].Subtotal != usd(3430) || vs[f.bolt+"/Bob"].Subtotal != usd(1000) ||
		vs[f.bolt+"/Bob"].GiftMessage != "For Bob" || vs[f.bolt+"/Bob"].DeliveryDate != "2026-12-01" || vs[f.bolt+"/Bob"].RecipientKey == "" {
		t.Fatalf("vendor orders: %+v", vs)
	}
	for _, l := range o.Lines {
		vo := ""
		for _, v := range o.VendorOrders {
			if v.ID == l.VendorOrderID {
				vo = v.VendorID
			}
		}
		if vo != l.VendorID {
			t.Fatalf("line %d is in another vendor's order", l.LineNo)
		}
	}
	// Stock: the mug 2 + 3, the tea 6 + 1, held (one row per variant).
	if _, r := f.stock(mug); r != 5 {
		t.Fatalf("mug reserved %d", r)
	}
	if _, r := f.stock(tea); r != 7 {
		t.Fatalf("tea reserved %d", r)
	}
	if n := f.count(`SELECT COUNT(*) FROM reservations WHERE order_id = ? AND status = 'active'`, o.ID); n != 2 {
		t.Fatalf("%d reservations", n)
	}
	// The payment: the total, with the order's key, started once; its id stored.
	if f.pay.startsOf(o.ID) != 1 || f.pay.amounts[o.ID] != usd(10003) || f.pay.keys[o.ID] != orders.PaymentKey(o.ID) {
		t.Fatalf("payment: %v %v", f.pay.starts, f.pay.amounts)
	}
	if res.Payment == nil || res.Payment.IntentID != o.PaymentIntentID || !strings.HasSuffix(res.Payment.ClientSecret, "_secret_abc") {
		t.Fatalf("payment answer: %+v, stored %q", res.Payment, o.PaymentIntentID)
	}
	if res.Order.ReservedUntil == nil || res.Order.ItemCount != 12 || len(res.Order.VendorOrders) != 3 {
		t.Fatalf("buyer's order: %+v", res.Order)
	}
	// The client secret is never stored.
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE CONCAT_WS('|', payment_intent_id, flag_reason, gift_message) LIKE '%secret%'`); n != 0 {
		t.Fatal("the client secret is stored")
	}
}

func TestCheckoutRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)

	t.Run("recipient and email are required, each named", func(t *testing.T) {
		c, cartID := f.guestCart()
		f.add(c, cartID, variantLine(mug, 1))
		f.add(c, cartID, orders.LineInput{VariantID: mug, Quantity: 1, Recipient: &orders.Recipient{Name: "Bob"}})
		_, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid {
			t.Fatalf("got %v", err)
		}
		var fields []string
		for _, x := range fe.Fields {
			fields = append(fields, x.Field)
		}
		if got := strings.Join(fields, ","); got != "email,lines[1].recipient.address_lines,lines[1].recipient.city,lines[1].recipient.country,lines[1].recipient.postal_code,recipient" {
			t.Fatalf("fields %s", got)
		}
		if n := f.count(`SELECT COUNT(*) FROM orders`); n != 0 {
			t.Fatalf("%d orders", n)
		}
	})

	t.Run("the total the buyer saw must still be the total", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(mug, 2))
		_, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{ExpectedTotal: ptr(usd(2999))})
		if !fault.Is(err, fault.KindConflict) || !strings.Contains(err.Error(), "the total is now USD 30.00, not USD 29.99") {
			t.Fatalf("got %v", err)
		}
		if _, r := f.stock(mug); r != 0 {
			t.Fatalf("a refused checkout held %d", r)
		}
	})

	t.Run("a past delivery date stops checkout", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(mug, 1))
		r := alice()
		r.DeliveryDate = "2026-11-02"
		if _, err := f.store.UpdateCart(f.ctx, c, cartID, orders.CartPatch{Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &r}}); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(t0.Add(48 * time.Hour))
		defer f.clk.Set(t0)
		_, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
		if !fault.Is(err, fault.KindInvalid) || !strings.Contains(err.Error(), "recipient.delivery_date") {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("a cart the caller cannot see is not found", func(t *testing.T) {
		_, cartID := f.cartWith(variantLine(mug, 1))
		for _, c := range []orders.Caller{{}, {CartToken: "wrong"}, f.buyer("eve")} {
			if _, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{}); !fault.Is(err, fault.KindNotFound) {
				t.Fatalf("%+v: %v", c, err)
			}
		}
	})
}

// TestDoubleCheckout: a double click, or ten, makes one order and starts one
// payment; every answer carries the same order and payment.
func TestDoubleCheckout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	c, cartID := f.cartWith(variantLine(mug, 3))
	f.pay.delay = 20 * time.Millisecond // the first payment is slow: the others wait for it

	var mu sync.Mutex
	results := map[string]int{}
	createdN := 0
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			status, body := f.api.do(req{token: c.CartToken, method: "POST", url: "/api/v1/store/carts/" + cartID + "/checkout"})
			var res orders.CheckoutResult
			if err := jsonUnmarshal(body, &res); err != nil || (status != 200 && status != 201) || res.Payment == nil {
				t.Errorf("%d %s", status, body)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			results[res.Order.ID+" "+res.Payment.IntentID+" "+res.Payment.ClientSecret]++
			if status == 201 {
				createdN++
			}
		})
	}
	wg.Wait()
	if len(results) != 1 || createdN != 1 {
		t.Fatalf("answers %v, %d created", results, createdN)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders`); n != 1 {
		t.Fatalf("%d orders", n)
	}
	if len(f.pay.starts) != 1 {
		t.Fatalf("%d payments started", len(f.pay.starts))
	}
	if _, r := f.stock(mug); r != 3 {
		t.Fatalf("reserved %d", r)
	}
}

// TestPaymentStartFails: the order is kept, awaiting payment with its stock
// held; checking out again retries the payment with the same key.
func TestPaymentStartFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	c, cartID := f.cartWith(variantLine(mug, 1))
	f.pay.setFail(errors.New("stripe: connection reset"))

	b := f.api.want(503, req{token: c.CartToken, method: "POST", url: "/api/v1/store/carts/" + cartID + "/checkout"}, nil)
	p := problemOf(t, b)
	var orderID string
	if err := f.db.Get(&orderID, `SELECT id FROM orders`); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Detail, orderID) || !strings.Contains(p.Detail, "check out again") || strings.Contains(p.Detail, "connection reset") {
		t.Fatalf("detail %q", p.Detail)
	}
	o := f.order(orderID)
	if o.Status != orders.StatusPendingPayment || o.PaymentIntentID != "" {
		t.Fatalf("order: %+v", o)
	}
	if _, r := f.stock(mug); r != 1 {
		t.Fatalf("reserved %d", r)
	}

	f.pay.setFail(nil)
	var res orders.CheckoutResult
	f.api.want(200, req{token: c.CartToken, method: "POST", url: "/api/v1/store/carts/" + cartID + "/checkout"}, &res)
	if res.Order.ID != orderID || res.Payment == nil || f.pay.startsOf(orderID) != 2 || f.pay.keys[orderID] != orders.PaymentKey(orderID) {
		t.Fatalf("retry: %+v, starts %v", res, f.pay.starts)
	}
	if f.order(orderID).PaymentIntentID != res.Payment.IntentID {
		t.Fatal("the payment is not stored")
	}
	// And once stored, it is only read back, never started again.
	f.api.want(200, req{token: c.CartToken, method: "POST", url: "/api/v1/store/carts/" + cartID + "/checkout"}, &res)
	if f.pay.startsOf(orderID) != 2 {
		t.Fatalf("starts %v", f.pay.starts)
	}
}

// TestCheckoutSignedIn: a buyer's order is theirs; a buyer who filled a guest
// cart before signing in checks it out with its token, and the order is theirs.
func TestCheckoutSignedIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	ann := f.buyer("ann")
	guest, cartID := f.cartWith(variantLine(mug, 1))
	annWithToken := ann
	annWithToken.CartToken = guest.CartToken
	res := f.checkout(annWithToken, cartID)
	o := f.order(res.Order.ID)
	if o.BuyerUserID != ann.UserID || o.BuyerEmail != ann.Email {
		t.Fatalf("order: %+v", o)
	}
	page, err := f.store.BuyerOrders(f.ctx, ann.UserID, "", 0)
	if err != nil || len(page.Orders) != 1 || page.Orders[0].ID != o.ID {
		t.Fatalf("history: %+v %v", page, err)
	}
	// The guest's token still shows it.
	if _, err := f.store.BuyerOrder(f.ctx, guest, o.ID); err != nil {
		t.Fatal(err)
	}
}

func TestOrderHistoryPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 100)
	ann := f.buyer("ann")
	var ids []string
	for i := range 5 {
		v, _, _, err := f.store.CreateCart(f.ctx, ann)
		if err != nil {
			t.Fatal(err)
		}
		f.add(ann, v.ID, variantLine(mug, i+1))
		f.ready(ann, v.ID)
		ids = append([]string{f.checkout(ann, v.ID).Order.ID}, ids...)
		if i%2 == 0 {
			f.clk.Advance(time.Second) // some share a time
		}
	}
	f.api.as("ann", principal(ann, "buyer"))
	var got []string
	url := "/api/v1/store/orders?limit=2"
	for range 5 {
		var page orders.OrderPage
		f.api.want(200, req{as: "ann", method: "GET", url: url}, &page)
		for _, o := range page.Orders {
			got = append(got, o.ID)
		}
		if page.NextCursor == "" {
			break
		}
		url = "/api/v1/store/orders?limit=2&cursor=" + page.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(ids, ",") {
		t.Fatalf("pages\n got %v\nwant %v", got, ids)
	}
	f.api.want(401, req{method: "GET", url: "/api/v1/store/orders"}, nil)
	f.api.want(400, req{as: "ann", method: "GET", url: "/api/v1/store/orders?cursor=nonsense"}, nil)
}

// TestLargestOrder: 100 lines of a 50-part bundle, each its own gift, make
// 5,000 order lines and 100 vendor orders (more placeholders than one MySQL
// statement takes), summing to the cent.
func TestLargestOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var parts []catalog.BundleItemInput
	for i := range 50 {
		parts = append(parts, part(f.product(f.acme, fmt.Sprint("p", i), fmt.Sprint("Part ", i), usd(int64(100+i)), 100), 1))
	}
	big := f.bundle("big", usd(9999), parts...)
	c, cartID := f.guestCart()
	for i := range 100 {
		f.add(c, cartID, orders.LineInput{BundleID: big, Quantity: 1, GiftMessage: fmt.Sprint("Gift ", i)})
	}
	f.ready(c, cartID)
	o := f.order(f.checkout(c, cartID).Order.ID)
	if len(o.Lines) != 5000 || len(o.VendorOrders) != 100 || o.Total != usd(999900) {
		t.Fatalf("%d lines, %d vendor orders, total %v", len(o.Lines), len(o.VendorOrders), o.Total)
	}
	var sum int64
	for _, vo := range o.VendorOrders {
		if vo.Subtotal != usd(9999) {
			t.Fatalf("vendor order %s: %v", vo.ID, vo.Subtotal)
		}
		sum += vo.Subtotal.Amount
	}
	if sum != 999900 || o.Lines[4999].LineNo != 5000 {
		t.Fatalf("sum %d", sum)
	}
	if _, r := f.stock(parts[0].VariantID); r != 100 {
		t.Fatalf("reserved %d", r)
	}
}
