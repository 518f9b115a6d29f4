package orders_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
)

func bob() orders.Recipient {
	return orders.Recipient{Name: "Bob Brown", AddressLines: []string{"2 Oak Ave"}, City: "Portland", Region: "OR",
		PostalCode: "97201", Country: "US"}
}

// subscriptionBundle is a bundle of two vendors' parts at $50 (a $30 mug x1
// from acme, a $10 card x2 from bolt).
func (f *fixture) subscriptionBundle(stockMug, stockCard int) (bundleID, mug, card string) {
	mug = f.product(f.acme, "mug", "Mug", usd(3000), stockMug)
	card = f.product(f.bolt, "card", "Card", usd(1000), stockCard)
	return f.bundle("plan", usd(5000), part(mug, 1), part(card, 2)), mug, card
}

func (f *fixture) subscriptionInput(bundleID, invoice string, rs ...orders.Recipient) orders.PaidOrderInput {
	f.t.Helper()
	buyer := f.buyer("corp" + strings.ToLower(strings.TrimPrefix(invoice, "in_")))
	rs, err := orders.ValidateRecipients(rs, t0)
	if err != nil {
		f.t.Fatal(err)
	}
	return orders.PaidOrderInput{InvoiceID: invoice, PaymentIntentID: "pi_" + invoice, Reference: "subscription sbn_x",
		BuyerUserID: buyer.UserID, BuyerEmail: buyer.Email, BundleID: bundleID, UnitPrice: usd(5000), Recipients: rs,
		GiftMessage: "Happy holidays", AmountPaid: usd(5000 * int64(len(rs)))}
}

func TestSubscriptionOrderIsPaidWithALinePerRecipientAndPart(t *testing.T) {
	f := newFixture(t)
	bundleID, mug, card := f.subscriptionBundle(10, 10)
	in := f.subscriptionInput(bundleID, "in_first", alice(), bob())

	o, created, err := f.store.CreatePaidOrder(f.ctx, in, nil)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	if o.Status != orders.StatusPaid || o.SourceType != orders.SourceStripeInvoice || o.SourceID != "in_first" {
		t.Fatalf("order %s %s/%s", o.Status, o.SourceType, o.SourceID)
	}
	if o.Total != usd(10000) || o.AmountReceived == nil || *o.AmountReceived != usd(10000) || o.FlaggedAt != nil {
		t.Fatalf("total %v received %v flagged %v %q", o.Total, o.AmountReceived, o.FlaggedAt, o.FlagReason)
	}
	if len(o.Lines) != 4 || len(o.VendorOrders) != 4 {
		t.Fatalf("%d lines, %d vendor orders; want 4 and 4 (2 recipients x 2 vendors)", len(o.Lines), len(o.VendorOrders))
	}
	var sum int64
	names := map[string]int{}
	for _, vo := range o.VendorOrders {
		if vo.Status != "accepted" {
			t.Errorf("vendor order %s is %s", vo.ID, vo.Status)
		}
		names[vo.Recipient.Name]++
		if vo.GiftMessage != "Happy holidays" {
			t.Errorf("gift message %q", vo.GiftMessage)
		}
	}
	for _, l := range o.Lines {
		sum += l.Amount.Amount
		if l.BundleID != bundleID {
			t.Errorf("line %d bundle %q", l.LineNo, l.BundleID)
		}
	}
	if sum != 10000 || names["Alice Adams"] != 2 || names["Bob Brown"] != 2 {
		t.Fatalf("lines sum %d, recipients %v", sum, names)
	}
	if on, res := f.stock(mug); on != 8 || res != 0 {
		t.Fatalf("mug stock %d reserved %d, want 8 and 0", on, res)
	}
	if on, res := f.stock(card); on != 6 || res != 0 {
		t.Fatalf("card stock %d reserved %d, want 6 and 0", on, res)
	}
	if n := f.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.paid'`); n != 1 {
		t.Fatalf("%d orders.paid jobs", n)
	}
}

func TestSubscriptionOrderOncePerInvoiceUnderRedelivery(t *testing.T) {
	f := newFixture(t)
	bundleID, mug, _ := f.subscriptionBundle(100, 100)
	in := f.subscriptionInput(bundleID, "in_again", alice())

	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	made := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, created, err := f.store.CreatePaidOrder(f.ctx, in, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[o.ID] = true
			if created {
				made++
			}
		}()
	}
	wg.Wait()
	if len(ids) != 1 || made != 1 {
		t.Fatalf("%d orders, %d created; want 1 and 1", len(ids), made)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice'`); n != 1 {
		t.Fatalf("%d orders", n)
	}
	if on, _ := f.stock(mug); on != 99 {
		t.Fatalf("mug stock %d, want 99", on)
	}
	// A second invoice (the next period) is a second order.
	in2 := in
	in2.InvoiceID, in2.PaymentIntentID = "in_next", "pi_next"
	if _, created, err := f.store.CreatePaidOrder(f.ctx, in2, nil); err != nil || !created {
		t.Fatalf("next period: %v %v", created, err)
	}
	if got, err := f.store.OrderByInvoice(f.ctx, "in_next"); err != nil || got.SourceID != "in_next" {
		t.Fatalf("by invoice: %+v %v", got.SourceID, err)
	}
}

// TestSubscriptionOrderShortStock: a period's order takes its stock line by
// line; a line that cannot be had is not sold, a vendor order left with
// nothing to send is cancelled, and the refunder gets the short lines inside
// the order's own transaction (its failure makes no order at all).
func TestSubscriptionOrderShortStock(t *testing.T) {
	f := newFixture(t)
	bundleID, mug, card := f.subscriptionBundle(1, 10)
	in := f.subscriptionInput(bundleID, "in_short", alice(), bob())

	// A refunder that fails: nothing is made, nothing is sold.
	if _, _, err := f.store.CreatePaidOrder(f.ctx, in, func(context.Context, *sqlx.Tx, string, []orders.ShortLine) error {
		return errors.New("refund could not be written")
	}); err == nil {
		t.Fatal("the order was made without its refund")
	}
	if _, _, err := f.store.CreatePaidOrder(f.ctx, in, nil); err == nil {
		t.Fatal("the order was made with nothing to refund its short lines")
	}
	if n := f.count(`SELECT COUNT(*) FROM orders`); n != 0 {
		t.Fatalf("%d orders after failed attempts", n)
	}
	if on, r := f.stock(mug); on != 1 || r != 0 {
		t.Fatalf("mug %d/%d after failed attempts", on, r)
	}

	var got []orders.ShortLine
	var inTx int
	o, _, err := f.store.CreatePaidOrder(f.ctx, in, func(ctx context.Context, tx *sqlx.Tx, orderID string, short []orders.ShortLine) error {
		got = short
		// The order is there, inside the transaction, and paid.
		return tx.GetContext(ctx, &inTx, `SELECT COUNT(*) FROM orders WHERE id = ? AND status = 'paid'`, orderID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if inTx != 1 || len(got) != 1 || got[0].VariantID != mug || got[0].Quantity != 1 || got[0].Recipient != "Bob Brown" ||
		got[0].Title != "Mug" || got[0].Amount.Currency != "USD" || got[0].Amount.Amount <= 0 {
		t.Fatalf("short lines %+v (order seen in tx: %d)", got, inTx)
	}
	if o.Status != orders.StatusPaid || o.FlaggedAt == nil || !strings.Contains(o.FlagReason, "1 × Mug for Bob Brown") {
		t.Fatalf("status %s flagged %v %q", o.Status, o.FlaggedAt, o.FlagReason)
	}
	for _, vo := range o.VendorOrders {
		want := orders.VendorOrderAccepted
		if vo.ID == got[0].VendorOrderID {
			want = orders.VendorOrderCancelled // Bob's mug was all it held
		}
		if vo.Status != want {
			t.Errorf("vendor order %s (%s for %s) is %s, want %s", vo.ID, vo.VendorID, vo.Recipient.Name, vo.Status, want)
		}
	}
	if on, res := f.stock(mug); on != 0 || res != 0 {
		t.Fatalf("mug %d/%d: the one there is sold, the short one not", on, res)
	}
	if on, _ := f.stock(card); on != 6 {
		t.Fatalf("card %d: what is there is sold", on)
	}
}

func TestSubscriptionOrderAmountMismatchIsFlagged(t *testing.T) {
	f := newFixture(t)
	bundleID, _, _ := f.subscriptionBundle(10, 10)
	in := f.subscriptionInput(bundleID, "in_discount", alice())
	in.AmountPaid = usd(4000)
	o, _, err := f.store.CreatePaidOrder(f.ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.StatusPaid || *o.AmountReceived != usd(4000) || !strings.Contains(o.FlagReason, "paid") {
		t.Fatalf("%s %v %q", o.Status, o.AmountReceived, o.FlagReason)
	}
}

func TestValidateRecipients(t *testing.T) {
	if _, err := orders.ValidateRecipients(nil, t0); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("none: %v", err)
	}
	many := make([]orders.Recipient, 51)
	for i := range many {
		many[i] = alice()
	}
	if _, err := orders.ValidateRecipients(many, t0); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("51: %v", err)
	}
	r := alice()
	r.City = ""
	_, err := orders.ValidateRecipients([]orders.Recipient{alice(), r}, t0)
	if !fault.Is(err, fault.KindInvalid) || !strings.Contains(err.Error(), "recipients[1].city") {
		t.Fatalf("incomplete: %v", err)
	}
	out, err := orders.ValidateRecipients([]orders.Recipient{alice()}, t0)
	if err != nil || out[0].Country != "US" {
		t.Fatalf("%v %+v", err, out)
	}
}

// TestSubscriptionOrderShortFreePart: a part that costs nothing and is short
// has nothing to refund: its line is left out of the order, so nothing asks
// the vendor to send it.
func TestSubscriptionOrderShortFreePart(t *testing.T) {
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(3000), 10)
	sticker := f.product(f.acme, "sticker", "Sticker", usd(0), 1)
	bundleID := f.bundle("plan", usd(3000), part(mug, 1), part(sticker, 1))
	in := f.subscriptionInput(bundleID, "in_free", alice(), bob())
	in.UnitPrice, in.AmountPaid = usd(3000), usd(6000)

	o, _, err := f.store.CreatePaidOrder(f.ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != orders.StatusPaid || len(o.Lines) != 3 || !strings.Contains(o.FlagReason, "1 × Sticker for Bob Brown") {
		t.Fatalf("order %s, %d lines, flag %q", o.Status, len(o.Lines), o.FlagReason)
	}
	var sum int64
	for _, l := range o.Lines {
		sum += l.Amount.Amount
		if l.VariantID == sticker && l.LineNo != 2 {
			t.Fatalf("the sticker kept is line %d", l.LineNo)
		}
	}
	if sum != 6000 {
		t.Fatalf("lines sum to %d", sum)
	}
	if on, r := f.stock(sticker); on != 0 || r != 0 {
		t.Fatalf("sticker %d/%d", on, r)
	}
}
