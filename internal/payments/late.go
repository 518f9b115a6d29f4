package payments

// Money Trove must not keep, given back by itself (refunds of source system):
//
//   - a payment that arrived for an order that will not ship (its goods were
//     given back and are gone, or it was canceled): orders cancels the order
//     and enqueues orders.LatePayment in the same transaction; OnLatePayment
//     writes the refund of the whole payment (kind order, no allocation: no
//     vendor sold anything, so no ledger moves) with idempotency key
//     "late-refund:<order id>", and payments.create_refund makes it in Stripe;
//   - the lines of a subscription renewal whose stock was short: written by
//     RefundShortLines inside the transaction that makes the period's order
//     (kind lines, allocated to the vendor orders as any refund of lines, so
//     the vendors' ledgers take back the sale of what was not sent), with
//     idempotency key "renewal-short:<order id>".
//
// Either way the Stripe refund's idempotency key is the refund's id, and the
// buyer hears of it once it succeeded (refunds_mail.go).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// systemActor is who makes the refunds Trove makes by itself.
var systemActor = Actor{Type: audit.ActorSystem, ID: "payments"}

// LateRefundKey is the stored idempotency key of the refund of a payment that
// arrived for an order that will not ship: one per order.
func LateRefundKey(orderID string) string { return "late-refund:" + orderID }

// ShortRefundKey is the stored idempotency key of the refund of a
// subscription period's lines that were short of stock: one per order.
func ShortRefundKey(orderID string) string { return "renewal-short:" + orderID }

// OnLatePayment is the orders.late_payment handler: it writes the refund of
// the whole late payment (once per order) and enqueues payments.create_refund
// in the same transaction. The order must be canceled with the amount
// received recorded, as orders leaves it; anything else is permanent (a bug).
func (r *Refunds) OnLatePayment(ctx context.Context, _ queue.Meta, j orders.LatePayment) error {
	if j.OrderID == "" || j.PaymentIntentID == "" || j.Amount.Amount <= 0 {
		return queue.Permanent(fmt.Errorf("payments: late payment job without order, payment or amount: %+v", j))
	}
	err := db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, r.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			pos, err := r.orders.LockForRefundTx(ctx, tx, j.OrderID)
			if err != nil {
				return err
			}
			if pos.Status != orders.StatusCanceled || pos.PaymentIntentID != j.PaymentIntentID {
				return queue.Permanent(fmt.Errorf("payments: late payment %s of order %s: the order is %s with payment %q",
					j.PaymentIntentID, j.OrderID, pos.Status, pos.PaymentIntentID))
			}
			if j.Amount.Currency != pos.Currency {
				return queue.Permanent(fmt.Errorf("payments: late payment of order %s is in %s, the order in %s", j.OrderID, j.Amount.Currency, pos.Currency))
			}
			var existing string
			err = tx.GetContext(ctx, &existing, `SELECT id FROM refunds WHERE idempotency_key = ?`, LateRefundKey(j.OrderID))
			if err == nil {
				return nil // written by an earlier run
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("payments: look for the late refund of %s: %w", j.OrderID, err)
			}
			amount := j.Amount
			q := request{orderID: j.OrderID, source: SourceSystem, amount: &amount, wholePayment: true, systemKey: LateRefundKey(j.OrderID), actor: systemActor,
				reason: "The payment arrived after the order could no longer be filled (its items were no longer held for it and are gone, or it was canceled): the order is canceled and refunded in full."}
			refundID := id.New("rfd")
			if err := r.write(ctx, tx, q, pos, q.hash(), refundID, nil, amount.Amount, r.clock.Now()); err != nil {
				return err
			}
			httpx.Logger(ctx).Warn("a payment arrived for an order that will not ship: refunding it in full",
				"order_id", j.OrderID, "payment_intent", j.PaymentIntentID, "amount", amount.String(), "refund_id", refundID)
			return nil
		})
	})
	return queue.PermanentIfNotFound(err)
}

// RefundShortLines returns the orders.ShortLinesRefunder that writes, inside
// the transaction making a subscription period's order, the refund of its
// lines whose stock was short: their whole amount and units (not restocked:
// they were never taken), allocated to their vendor orders, and the
// payments.create_refund job. A period paid with nothing (no payment intent)
// has nothing to give back.
func (r *Refunds) RefundShortLines() orders.ShortLinesRefunder {
	return func(ctx context.Context, tx *sqlx.Tx, orderID string, short []orders.ShortLine) error {
		pos, err := r.orders.LockForRefundTx(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if pos.PaymentIntentID == "" {
			httpx.Logger(ctx).Warn("a subscription period short of stock was paid without a payment intent: nothing to refund in Stripe",
				"order_id", orderID)
			return nil
		}
		var what []string
		q := request{orderID: orderID, source: SourceSystem, systemKey: ShortRefundKey(orderID), actor: systemActor}
		for _, l := range short {
			q.lines = append(q.lines, LineRefund{LineID: l.LineID, Quantity: l.Quantity})
			what = append(what, fmt.Sprintf("%d × %s for %s", l.Quantity, l.Title, l.Recipient))
		}
		// Not q.validate: its limits are for people's requests (a plan of 50
		// recipients may have more short lines than a person may name).
		q.reason = truncate("Out of stock when the plan renewed, so not sent: "+strings.Join(what, "; ")+". The rest ships as usual.", maxReason)
		shares, total, err := plan(q.ask(), pos)
		if err != nil {
			return err
		}
		return r.write(ctx, tx, q, pos, q.hash(), id.New("rfd"), shares, total, r.clock.Now())
	}
}
