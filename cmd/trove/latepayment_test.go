package main

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/mail/mailtest"
	"github.com/trove-platform/trove/internal/platform/money"
)

// TestLatePaymentEndToEnd runs a payment that arrives for goods that are gone
// through the whole binary: a guest's card is declined (her hold is given
// back), another guest buys the stock, and her second card succeeds at the
// sandbox Stripe. The order is not paid with stock that is not there: it is
// canceled, the payment refunded in full by Trove itself (visible to
// operators, held against the API contract), the buyer mailed through SMTP,
// and no vendor's ledger moves. Time-dependent paths (expiry, the sweep) are
// tested with an injected clock in internal/payments and internal/orders.
func TestLatePaymentEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID)
	candle := p.listVariant(t, p.vendorA.ID, "late", "Candle", 2500, 3)

	mp := mailtest.Start(t)
	env := baseEnv(dsn)
	env["TROVE_MAIL_DRIVER"], env["TROVE_SMTP_HOST"], env["TROVE_SMTP_PORT"], env["TROVE_SMTP_TLS"] = "smtp", mp.Host, strconv.Itoa(mp.SMTPPort), "none"
	s, _, sbURL := stripeWorldEnv(t, env)

	late, lateOrder, lateIntent, lateSecret := checkoutGuest(t, s, item{candle, 2})
	confirm(t, sbURL, lateIntent, lateSecret, "pm_card_chargeDeclined")
	waitUntil(t, "the payment failed", func() bool { return late.orderStatus(lateOrder) == "payment_failed" })
	other, otherOrder, otherIntent, otherSecret := checkoutGuest(t, s, item{candle, 2})
	confirm(t, sbURL, otherIntent, otherSecret, "pm_card_visa")
	waitUntil(t, "the other order paid", func() bool { return other.orderStatus(otherOrder) == "paid" })

	// One candle is left for her two; her second card succeeds at Stripe.
	confirm(t, sbURL, lateIntent, lateSecret, "pm_card_visa")
	waitUntil(t, "the late order canceled", func() bool { return late.orderStatus(lateOrder) == "canceled" })

	admin := signIn(t, s, p.admin.Email)
	var view struct {
		OrderStatus string `json:"order_status"`
		Refunds     []struct {
			Source      string      `json:"source"`
			Kind        string      `json:"kind"`
			Status      string      `json:"status"`
			Amount      money.Money `json:"amount"`
			RequestedBy struct {
				Type string `json:"type"`
			} `json:"requested_by"`
		} `json:"refunds"`
	}
	path := "/api/v1/admin/orders/" + lateOrder + "/refunds"
	waitUntil(t, "the refund succeeded", func() bool {
		res, body := call(t, s, admin, "GET", path, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		apitest.Check(t, "GET", path, nil, res, body)
		json.Unmarshal(body, &view)
		return len(view.Refunds) == 1 && view.Refunds[0].Status == "succeeded"
	})
	r := view.Refunds[0]
	if view.OrderStatus != "canceled" || r.Source != "system" || r.Kind != "order" || r.RequestedBy.Type != "system" ||
		r.Amount != (money.Money{Amount: 5000, Currency: "USD"}) {
		t.Fatalf("refunds of the late order: %+v", view)
	}
	waitUntil(t, "the buyer's mail", func() bool {
		return slices.ContainsFunc(mp.Messages(t), func(m mailtest.Summary) bool {
			return strings.Contains(m.Subject, "order "+lateOrder+" is canceled and refunded in full")
		})
	})
	var sold, onHand, reserved, ledger, flagged int
	p.db.Get(&sold, `SELECT COALESCE(SUM(l.quantity - l.refunded_quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
		WHERE o.status = 'paid' AND l.variant_id = ?`, candle)
	p.db.QueryRow(`SELECT stock_on_hand, reserved FROM variants WHERE id = ?`, candle).Scan(&onHand, &reserved)
	p.db.Get(&ledger, `SELECT COUNT(*) FROM ledger_entries WHERE order_id = ?`, lateOrder)
	p.db.Get(&flagged, `SELECT COUNT(*) FROM orders WHERE id = ? AND flagged_at IS NOT NULL`, lateOrder)
	if sold != 2 || onHand != 1 || reserved != 0 || ledger != 0 || flagged != 1 {
		t.Fatalf("%d sold, %d on hand, %d reserved; %d ledger lines for the late order; flagged %d", sold, onHand, reserved, ledger, flagged)
	}
}
