package orders_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// placed checks out a fresh guest cart holding q mugs and returns the order.
func (f *fixture) placed(variantID string, q int) orders.Order {
	f.t.Helper()
	c, cartID := f.cartWith(variantLine(variantID, q))
	return f.order(f.checkout(c, cartID).Order.ID)
}

func (f *fixture) paidJobs(orderID string) int {
	f.t.Helper()
	return f.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.paid' AND payload = ?`, `{"order_id":"`+orderID+`"}`)
}

func mustChange(t *testing.T, what string, changed bool, err error, want bool) {
	t.Helper()
	if err != nil || changed != want {
		t.Fatalf("%s: changed %v (want %v), %v", what, changed, want, err)
	}
}

func TestMarkPaid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	o := f.placed(mug, 3)

	changed, err := f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(4500))
	mustChange(t, "paid", changed, err, true)
	got := f.order(o.ID)
	if got.Status != orders.StatusPaid || got.PaidAt == nil || *got.AmountReceived != usd(4500) || got.VendorOrders[0].Status != orders.VendorOrderAccepted {
		t.Fatalf("order: %+v", got)
	}
	if on, r := f.stock(mug); on != 7 || r != 0 {
		t.Fatalf("stock %d reserved %d", on, r)
	}
	if f.reservations(o.ID) != mug+"=3:committed" || f.paidJobs(o.ID) != 1 {
		t.Fatalf("reservations %s, jobs %d", f.reservations(o.ID), f.paidJobs(o.ID))
	}

	t.Run("replays and late events change nothing", func(t *testing.T) {
		changed, err := f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(4500))
		mustChange(t, "paid again", changed, err, false)
		changed, err = f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID)
		mustChange(t, "failed after paid", changed, err, false)
		changed, err = f.store.MarkCanceled(f.ctx, o.ID, o.PaymentIntentID)
		mustChange(t, "canceled after paid", changed, err, false)
		if got := f.order(o.ID); got.Status != orders.StatusPaid || got.FlaggedAt != nil {
			t.Fatalf("order: %+v", got)
		}
		if on, r := f.stock(mug); on != 7 || r != 0 || f.paidJobs(o.ID) != 1 {
			t.Fatalf("stock %d reserved %d jobs %d", on, r, f.paidJobs(o.ID))
		}
	})

	t.Run("another payment for a paid order is flagged, not counted", func(t *testing.T) {
		_, err := f.store.MarkPaid(f.ctx, o.ID, "pi_other", usd(4500))
		if !errors.Is(err, orders.ErrWrongPayment) || !fault.Is(err, fault.KindConflict) {
			t.Fatalf("got %v", err)
		}
		if got := f.order(o.ID); got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "double charge") {
			t.Fatalf("order: %+v", got)
		}
		if on, _ := f.stock(mug); on != 7 {
			t.Fatalf("stock %d", on)
		}
	})

	t.Run("an amount other than the total is flagged and not paid", func(t *testing.T) {
		o2 := f.placed(mug, 1)
		_, err := f.store.MarkPaid(f.ctx, o2.ID, o2.PaymentIntentID, usd(1400))
		if !errors.Is(err, orders.ErrAmountMismatch) {
			t.Fatalf("got %v", err)
		}
		got := f.order(o2.ID)
		if got.Status != orders.StatusPendingPayment || got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "received USD 14.00") {
			t.Fatalf("order: %+v", got)
		}
		if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.flagged' AND object_id = ?`, o2.ID) != 1 {
			t.Fatal("no audit entry")
		}
		// The same again is not audited twice.
		f.store.MarkPaid(f.ctx, o2.ID, o2.PaymentIntentID, usd(1400))
		if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.flagged' AND object_id = ?`, o2.ID) != 1 {
			t.Fatal("audited twice")
		}
		if _, err := f.store.MarkPaid(f.ctx, "ord_nope", "pi_x", usd(1)); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("unknown order: %v", err)
		}
	})
}

func TestPaymentFailedThenSucceeded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	o := f.placed(mug, 2)

	changed, err := f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "failed", changed, err, true)
	changed, err = f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "failed again", changed, err, false)
	if got := f.order(o.ID); got.Status != orders.StatusPaymentFailed || got.PaymentFailedAt == nil {
		t.Fatalf("order: %+v", got)
	}
	if _, r := f.stock(mug); r != 0 || f.reservations(o.ID) != mug+"=2:released" {
		t.Fatalf("reserved %d, %s", r, f.reservations(o.ID))
	}
	// The buyer retries with another card: the success wins.
	changed, err = f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(3000))
	mustChange(t, "paid after failure", changed, err, true)
	got := f.order(o.ID)
	if got.Status != orders.StatusPaid || got.FlaggedAt != nil {
		t.Fatalf("order: %+v", got)
	}
	if on, r := f.stock(mug); on != 8 || r != 0 || f.reservations(o.ID) != mug+"=2:committed" {
		t.Fatalf("stock %d reserved %d %s", on, r, f.reservations(o.ID))
	}
	// A failure reported after the success changes nothing.
	changed, err = f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "failed after success", changed, err, false)
}

// TestCheckoutAgainAfterFailure: checking the cart out again after a failed
// payment holds the stock again and answers the same payment.
func TestCheckoutAgainAfterFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 3)
	c, cartID := f.cartWith(variantLine(mug, 2))
	first := f.checkout(c, cartID)
	if _, err := f.store.MarkPaymentFailed(f.ctx, first.Order.ID, first.Payment.IntentID); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(5 * time.Minute)
	again := f.checkout(c, cartID)
	if again.Order.ID != first.Order.ID || again.Order.Status != orders.StatusPendingPayment || *again.Payment != *first.Payment {
		t.Fatalf("again: %+v", again)
	}
	if !again.Order.ReservedUntil.Equal(t0.Add(5*time.Minute + ttl)) {
		t.Fatalf("held until %v", again.Order.ReservedUntil)
	}
	if _, r := f.stock(mug); r != 2 || len(f.pay.starts) != 1 {
		t.Fatalf("reserved %d, starts %v", r, f.pay.starts)
	}
	// If the stock went meanwhile, checking out again says so.
	if _, err := f.store.MarkPaymentFailed(f.ctx, first.Order.ID, first.Payment.IntentID); err != nil {
		t.Fatal(err)
	}
	f.placed(mug, 2)
	_, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
	if !fault.Is(err, fault.KindConflict) || !strings.Contains(err.Error(), "Mug: only 1 left, 2 wanted") {
		t.Fatalf("got %v", err)
	}
	if got := f.order(first.Order.ID); got.Status != orders.StatusPaymentFailed {
		t.Fatalf("status %s", got.Status)
	}
}

func TestMarkCanceled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	o := f.placed(mug, 4)

	changed, err := f.store.MarkCanceled(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "canceled", changed, err, true)
	changed, err = f.store.MarkCanceled(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "canceled again", changed, err, false)
	got := f.order(o.ID)
	if got.Status != orders.StatusCanceled || got.CanceledAt == nil || got.VendorOrders[0].Status != orders.VendorOrderCancelled {
		t.Fatalf("order: %+v", got)
	}
	if on, r := f.stock(mug); on != 10 || r != 0 {
		t.Fatalf("stock %d reserved %d", on, r)
	}
	// A failure after the cancel: nothing. A success (Stripe should never
	// send one): the order stays canceled, the money goes back, once.
	changed, err = f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID)
	mustChange(t, "failed after cancel", changed, err, false)
	changed, err = f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(6000))
	mustChange(t, "paid after cancel", changed, err, true)
	changed, err = f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(6000))
	mustChange(t, "paid after cancel, again", changed, err, false)
	got = f.order(o.ID)
	if got.Status != orders.StatusCanceled || got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "refunded in full") ||
		got.AmountReceived == nil || *got.AmountReceived != usd(6000) {
		t.Fatalf("order: %+v", got)
	}
	if n := f.latePayments(o.ID, 6000); n != 1 {
		t.Fatalf("%d late payment jobs", n)
	}
	if on, r := f.stock(mug); on != 10 || r != 0 || f.paidJobs(o.ID) != 0 {
		t.Fatalf("stock %d reserved %d, %d paid jobs", on, r, f.paidJobs(o.ID))
	}
	if _, err := f.store.MarkCanceled(f.ctx, o.ID, "pi_other"); !errors.Is(err, orders.ErrWrongPayment) {
		t.Fatalf("wrong payment: %v", err)
	}
}

// latePayments counts the orders.late_payment jobs of an order for amount
// cents.
func (f *fixture) latePayments(orderID string, cents int64) int {
	f.t.Helper()
	return f.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.late_payment' AND JSON_VALUE(payload, '$.order_id') = ?
		AND JSON_VALUE(payload, '$.amount.amount') = ?`, orderID, cents)
}

func (f *fixture) release() {
	f.t.Helper()
	if err := f.store.ReleaseExpired(f.ctx, queue.Meta{}, orders.ReleaseExpired{}); err != nil {
		f.t.Fatal(err)
	}
}

// TestExpiry: the release job gives back a hold that ran out only once the
// order's payment is canceled at the provider, and the order expires; a
// payment that succeeds after the hold was given back anyway (an order
// expired before this rule, a race) takes its goods again if they are all
// there, and is refunded in full if any is gone: never sold twice, never kept
// for goods that do not ship.
func TestExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 3)
	tea := f.product(f.bolt, "tea", "Tea", usd(500), 10)
	late := f.placed(mug, 2)

	f.clk.Advance(ttl - time.Second)
	f.release()
	if got := f.order(late.ID); got.Status != orders.StatusPendingPayment || f.pay.cancelCall != 0 {
		t.Fatalf("released early: %s, %d cancels", got.Status, f.pay.cancelCall)
	}
	f.clk.Advance(time.Second)
	f.release()
	f.release() // twice: nothing more
	got := f.order(late.ID)
	if got.Status != orders.StatusExpired || got.ExpiredAt == nil || got.VendorOrders[0].Status != orders.VendorOrderPending {
		t.Fatalf("order: %+v", got)
	}
	if f.pay.state(late.PaymentIntentID) != orders.PaymentCanceled || f.pay.cancels[late.PaymentIntentID] != orders.CancelKey(late.ID) || f.pay.cancelCall != 1 {
		t.Fatalf("payment %s, cancel key %q, %d cancels", f.pay.state(late.PaymentIntentID), f.pay.cancels[late.PaymentIntentID], f.pay.cancelCall)
	}
	if _, r := f.stock(mug); r != 0 {
		t.Fatalf("reserved %d", r)
	}
	if b, _ := f.store.BuyerOrder(f.ctx, orders.Caller{UserID: "x"}, late.ID); b.ID != "" {
		t.Fatal("leak")
	}

	t.Run("a late payment with the stock still there holds it again and sells it", func(t *testing.T) {
		changed, err := f.store.MarkPaid(f.ctx, late.ID, late.PaymentIntentID, usd(3000))
		mustChange(t, "late paid", changed, err, true)
		got := f.order(late.ID)
		if got.Status != orders.StatusPaid || got.FlaggedAt != nil {
			t.Fatalf("order: %+v", got)
		}
		if on, r := f.stock(mug); on != 1 || r != 0 {
			t.Fatalf("stock %d reserved %d", on, r)
		}
	})

	t.Run("a late payment after the stock went is canceled and refunded in full; nobody else's hold is touched", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(mug, 1), variantLine(tea, 2))
		o := f.order(f.checkout(c, cartID).Order.ID)
		f.clk.Advance(ttl)
		f.release()
		other := f.placed(mug, 1) // takes the last mug
		changed, err := f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(2500))
		mustChange(t, "paid, stock gone", changed, err, true)
		got := f.order(o.ID)
		if got.Status != orders.StatusCanceled || got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "Mug is out of stock") ||
			got.AmountReceived == nil || *got.AmountReceived != usd(2500) || got.PaidAt != nil {
			t.Fatalf("order: %+v", got)
		}
		for _, vo := range got.VendorOrders {
			if vo.Status != orders.VendorOrderCancelled {
				t.Fatalf("vendor order %s is %s", vo.ID, vo.Status)
			}
		}
		// All or nothing: the tea that was there is not sold either.
		if f.reservations(o.ID) != minOrder(mug+"=1:released", tea+"=2:released") {
			t.Fatalf("reservations %s", f.reservations(o.ID))
		}
		if on, r := f.stock(mug); on != 1 || r != 1 || f.reservations(other.ID) != mug+"=1:active" {
			t.Fatalf("mug: stock %d reserved %d, other %s", on, r, f.reservations(other.ID))
		}
		if on, r := f.stock(tea); on != 10 || r != 0 {
			t.Fatalf("tea stock %d reserved %d", on, r)
		}
		if f.paidJobs(o.ID) != 0 || f.latePayments(o.ID, 2500) != 1 {
			t.Fatalf("%d paid jobs, %d late payment jobs", f.paidJobs(o.ID), f.latePayments(o.ID, 2500))
		}
		// Replays change nothing; a cancel event after it neither.
		changed, err = f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(2500))
		mustChange(t, "replayed", changed, err, false)
		changed, err = f.store.MarkCanceled(f.ctx, o.ID, o.PaymentIntentID)
		mustChange(t, "canceled after", changed, err, false)
		if f.latePayments(o.ID, 2500) != 1 || f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.flagged' AND object_id = ?`, o.ID) != 1 {
			t.Fatal("the late payment was handled twice")
		}
	})
}

// TestReleaseAsksThePaymentFirst: before the release job gives a hold back it
// re-reads the order's payment, and it never gives stock back while money may
// still arrive.
func TestReleaseAsksThePaymentFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 100)

	t.Run("paid, but the webhook was lost: paid, not expired", func(t *testing.T) {
		o := f.placed(mug, 2)
		f.pay.set(o.PaymentIntentID, orders.PaymentSucceeded)
		f.clk.Advance(ttl)
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusPaid || f.reservations(o.ID) != mug+"=2:committed" || f.paidJobs(o.ID) != 1 {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
		if _, ok := f.pay.cancels[o.PaymentIntentID]; ok {
			t.Fatal("a succeeded payment was canceled")
		}
	})

	t.Run("processing: held longer, then looked at again", func(t *testing.T) {
		o := f.placed(mug, 3)
		f.pay.set(o.PaymentIntentID, orders.PaymentProcessing)
		f.clk.Advance(ttl)
		f.release()
		got := f.order(o.ID)
		if got.Status != orders.StatusPendingPayment || !got.ReservedUntil.Equal(f.clk.Now().Add(orders.ProcessingRecheck)) ||
			f.reservations(o.ID) != mug+"=3:active" {
			t.Fatalf("order %s until %v, %s", got.Status, got.ReservedUntil, f.reservations(o.ID))
		}
		f.clk.Advance(orders.ProcessingRecheck - time.Second)
		f.release()
		if f.reservations(o.ID) != mug+"=3:active" {
			t.Fatalf("released while processing: %s", f.reservations(o.ID))
		}
		f.pay.set(o.PaymentIntentID, orders.PaymentSucceeded)
		f.clk.Advance(time.Second)
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusPaid || f.reservations(o.ID) != mug+"=3:committed" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
	})

	t.Run("the buyer pays as the cancel is sent: the refused cancel makes it paid", func(t *testing.T) {
		o := f.placed(mug, 1)
		f.pay.mu.Lock()
		f.pay.onCancel = func(intent string) { f.pay.set(intent, orders.PaymentSucceeded) }
		f.pay.mu.Unlock()
		defer func() { f.pay.mu.Lock(); f.pay.onCancel = nil; f.pay.mu.Unlock() }()
		f.clk.Advance(ttl)
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusPaid || f.reservations(o.ID) != mug+"=1:committed" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
	})

	t.Run("the provider cannot be reached: the goods stay held and the job fails", func(t *testing.T) {
		o := f.placed(mug, 4)
		f.pay.mu.Lock()
		f.pay.readFail = errors.New("stripe: network_error")
		f.pay.mu.Unlock()
		f.clk.Advance(ttl)
		if err := f.store.ReleaseExpired(f.ctx, queue.Meta{}, orders.ReleaseExpired{}); err == nil || !strings.Contains(err.Error(), o.ID) {
			t.Fatalf("got %v", err)
		}
		if got := f.order(o.ID); got.Status != orders.StatusPendingPayment || f.reservations(o.ID) != mug+"=4:active" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
		f.pay.mu.Lock()
		f.pay.readFail = nil
		f.pay.mu.Unlock()
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusExpired || f.reservations(o.ID) != mug+"=4:released" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
	})

	t.Run("a failed payment's order expires too, its payment canceled first", func(t *testing.T) {
		o := f.placed(mug, 1)
		if _, err := f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(ttl)
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusExpired || f.pay.state(o.PaymentIntentID) != orders.PaymentCanceled {
			t.Fatalf("order %s, payment %s", got.Status, f.pay.state(o.PaymentIntentID))
		}
	})

	t.Run("a failed payment retried and paid, its webhook lost: held again and paid", func(t *testing.T) {
		o := f.placed(mug, 2)
		if _, err := f.store.MarkPaymentFailed(f.ctx, o.ID, o.PaymentIntentID); err != nil {
			t.Fatal(err)
		}
		f.pay.set(o.PaymentIntentID, orders.PaymentSucceeded)
		f.clk.Advance(ttl)
		f.release()
		if got := f.order(o.ID); got.Status != orders.StatusPaid || f.reservations(o.ID) != mug+"=2:committed" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(o.ID))
		}
	})

	t.Run("no payment was ever started: nobody can pay, it expires at once", func(t *testing.T) {
		c, cartID := f.cartWith(variantLine(mug, 1))
		f.pay.setFail(errors.New("timeout"))
		if _, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{}); !fault.Is(err, fault.KindUnavailable) {
			t.Fatalf("got %v", err)
		}
		f.pay.setFail(nil)
		var orderID string
		if err := f.db.Get(&orderID, `SELECT id FROM orders WHERE source_id = ?`, cartID); err != nil {
			t.Fatal(err)
		}
		calls := f.pay.cancelCall
		f.clk.Advance(ttl)
		f.release()
		if got := f.order(orderID); got.Status != orders.StatusExpired || f.pay.cancelCall != calls || f.reservations(orderID) != mug+"=1:released" {
			t.Fatalf("order %s, %s", got.Status, f.reservations(orderID))
		}
	})

	// In all: what was paid was sold, nothing else is held.
	if on, r := f.stock(mug); r != 0 || on != 100-2-3-1-2 {
		t.Fatalf("stock %d reserved %d", on, r)
	}
}

// minOrder joins two reservation descriptions in variant id order.
func minOrder(a, b string) string {
	if a < b {
		return a + "," + b
	}
	return b + "," + a
}

func TestDisputeAndLookups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	o := f.placed(mug, 1)

	got, err := f.store.OrderByIntent(f.ctx, o.PaymentIntentID)
	if err != nil || got.ID != o.ID || len(got.Lines) != 1 || len(got.VendorOrders) != 1 {
		t.Fatalf("by intent: %+v %v", got, err)
	}
	if _, err := f.store.OrderByIntent(f.ctx, "pi_nope"); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("unknown intent: %v", err)
	}
	changed, err := f.store.FlagDispute(f.ctx, o.ID, "fraudulent")
	mustChange(t, "dispute", changed, err, true)
	changed, err = f.store.FlagDispute(f.ctx, o.ID, "fraudulent")
	mustChange(t, "dispute again", changed, err, false)
	got = f.order(o.ID)
	if got.DisputedAt == nil || got.DisputeReason != "fraudulent" {
		t.Fatalf("order: %+v", got)
	}
	if f.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'order.disputed' AND object_id = ?`, o.ID) != 1 {
		t.Fatal("audit")
	}
	if _, err := f.store.FlagDispute(f.ctx, "ord_nope", "x"); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("unknown order: %v", err)
	}
}

// TestPaymentEventBeforeTheIntentIsStored: Stripe's event can beat the
// checkout's own write of the intent id (the answer was lost): the event's
// intent is taken, and checkout then answers it.
func TestPaymentEventBeforeTheIntentIsStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	c, cartID := f.cartWith(variantLine(mug, 1))
	f.pay.setFail(errors.New("timeout"))
	if _, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{}); !fault.Is(err, fault.KindUnavailable) {
		t.Fatalf("got %v", err)
	}
	var orderID string
	if err := f.db.Get(&orderID, `SELECT id FROM orders`); err != nil {
		t.Fatal(err)
	}
	intent := "pi_" + strings.TrimPrefix(orderID, "ord_")
	changed, err := f.store.MarkPaymentFailed(f.ctx, orderID, intent)
	mustChange(t, "failed", changed, err, true)
	if f.order(orderID).PaymentIntentID != intent {
		t.Fatal("the event's intent is not stored")
	}
	changed, err = f.store.MarkPaid(f.ctx, orderID, intent, usd(1500))
	mustChange(t, "paid", changed, err, true)
	f.pay.setFail(nil)
	res := f.checkout(c, cartID)
	if res.Order.Status != orders.StatusPaid || res.Payment != nil {
		t.Fatalf("checkout of a paid order: %+v", res)
	}
}
