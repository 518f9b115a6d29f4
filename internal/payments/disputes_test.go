package payments

import (
	"strings"
	"testing"
)

// TestDisputes: a dispute flags its order and is recorded as Stripe has it
// (re-read on each event); the funds withdrawn are audited; a lost dispute
// is split across the order's vendor orders like a refund of its amount
// (what is left on each after refunds, to the cent), once, with one
// payments.dispute_lost job however often its events arrive; a won one
// owes nothing.
func TestDisputes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 999, 10)
	soap := h.product(h.bolt, "soap", 401, 10)
	lostOrder := h.paidOrder(item{mug, 3}, item{soap, 2})
	wonOrder := h.paidOrder(item{mug, 1})

	// One mug refunded first: 1998 left on acme's vendor order, 802 on bolt's.
	h.want(201, "ops", "POST", refundPath(lostOrder.ID), map[string]any{"lines": []map[string]any{{"line_id": lostOrder.Lines[0].ID, "quantity": 1}},
		"reason": "chipped"}, nil)
	h.settled(lostOrder.ID)

	charge := func(intentID string) string {
		pi, err := h.sc.GetPaymentIntent(h.ctx, intentID)
		if err != nil {
			t.Fatal(err)
		}
		return pi.LatestChargeID
	}
	dpLost, dpWon := h.sb.Dispute(charge(lostOrder.PaymentIntentID)), h.sb.Dispute(charge(wonOrder.PaymentIntentID))
	h.waitFor("both disputes recorded with their funds withdrawn", func() bool {
		return h.count(`SELECT COUNT(*) FROM disputes WHERE funds_withdrawn AND status = 'needs_response'`) == 2
	})
	h.settled(lostOrder.ID)
	for _, o := range []string{lostOrder.ID, wonOrder.ID} {
		if h.count(`SELECT COUNT(*) FROM orders WHERE id = ? AND disputed_at IS NOT NULL`, o) != 1 {
			t.Fatalf("order %s not flagged", o)
		}
		if n := h.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'dispute.funds_withdrawn' AND object_id = ?`, o); n != 1 {
			t.Fatalf("%d funds_withdrawn audit entries for %s", n, o)
		}
	}
	if n := h.count(`SELECT COUNT(*) FROM dispute_allocations`); n != 0 {
		t.Fatalf("%d allocations before any dispute is lost", n)
	}

	h.sb.CloseDispute(dpLost, false)
	h.sb.CloseDispute(dpWon, true)
	h.waitFor("both disputes closed", func() bool {
		return h.count(`SELECT COUNT(*) FROM disputes WHERE closed_at IS NOT NULL`) == 2
	})
	h.settled(lostOrder.ID)
	// Every event of both disputes delivered again, twice.
	for range 2 {
		for _, d := range h.sb.Deliveries() {
			if strings.HasPrefix(d.Type, "charge.dispute.") && !d.Redelivery {
				if code, err := h.sb.Redeliver(d); err != nil || code != 200 {
					t.Fatalf("redeliver %s: %d %v", d.Type, code, err)
				}
			}
		}
	}
	h.settled(lostOrder.ID)

	var lostID, wonID string
	h.db.Get(&lostID, `SELECT id FROM disputes WHERE stripe_dispute_id = ?`, dpLost)
	h.db.Get(&wonID, `SELECT id FROM disputes WHERE stripe_dispute_id = ?`, dpWon)
	lost, err := h.disputes.Dispute(h.ctx, lostID)
	if err != nil {
		t.Fatal(err)
	}
	if lost.Status != "lost" || !lost.FundsWithdrawn || lost.LostAt == nil || lost.OrderID != lostOrder.ID || lost.Amount != usd(2800) ||
		lost.DebitedMinor == nil || *lost.DebitedMinor != 2800 {
		t.Fatalf("the lost dispute: %+v", lost)
	}
	want := map[string]int64{lostOrder.VendorOrders[0].ID: 1998, lostOrder.VendorOrders[1].ID: 802}
	if lostOrder.VendorOrders[0].VendorID != h.acme {
		want = map[string]int64{lostOrder.VendorOrders[1].ID: 1998, lostOrder.VendorOrders[0].ID: 802}
	}
	var sum int64
	for _, a := range lost.Allocation {
		sum += a.Minor
		if a.Minor != want[a.VendorOrderID] || a.Amount.Currency != "USD" {
			t.Fatalf("allocation %+v, want %v", lost.Allocation, want)
		}
	}
	if len(lost.Allocation) != 2 || sum != 2800 {
		t.Fatalf("allocation %+v sums to %d", lost.Allocation, sum)
	}
	won, err := h.disputes.Dispute(h.ctx, wonID)
	if err != nil {
		t.Fatal(err)
	}
	if won.Status != "won" || won.FundsWithdrawn || won.LostAt != nil || won.DebitedMinor != nil || len(won.Allocation) != 0 {
		t.Fatalf("the won dispute: %+v", won)
	}
	// One ledger job, for the lost one (every job has run: settled).
	var jobs []string
	for done := false; !done; {
		select {
		case id := <-h.lost:
			jobs = append(jobs, id)
		default:
			done = true
		}
	}
	if len(jobs) != 1 || jobs[0] != lostID {
		t.Fatalf("payments.dispute_lost jobs run: %v, want one for %s", jobs, lostID)
	}
	for action, order := range map[string]string{"dispute.lost": lostOrder.ID, "dispute.won": wonOrder.ID} {
		if n := h.count(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, action, order); n != 1 {
			t.Fatalf("%d %s audit entries", n, action)
		}
	}
}
