package payments

// Refunds and Stripe: the payments.create_refund job that asks Stripe for a
// refund written in Trove, settle (what Stripe says of a refund, moving only
// forward), and Stripe's refund events: charge.refunded,
// charge.refund.updated, refund.created, refund.updated, refund.failed. Events
// arrive late, twice and out of order: a refund's status only moves forward
// (rank), a refund is found by its Stripe id or, before Trove stored that id,
// by the refund_id Trove put in its metadata, and a refund made outside Trove
// is recorded once (idempotency key "stripe:<re_…>", under the order's row
// lock).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// OnCreateRefund is the payments.create_refund handler: it asks Stripe for
// the refund (idempotency key: the refund id; metadata: refund_id and
// order_id) and stores Stripe's refund id and status. Stripe refusing it
// (amount_too_large, charge_already_refunded, charge_disputed, …) marks it
// failed and gives its counters (and restock) back: done, not retried.
// Network errors, 5xx, 429 and 409 are retried, and so are authentication
// errors (a configuration to fix, after which the dead job can be retried).
func (r *Refunds) OnCreateRefund(ctx context.Context, _ queue.Meta, j CreateRefund) error {
	ref, err := r.Refund(ctx, j.RefundID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if ref.StripeRefundID != nil || ref.Source == SourceStripe || ref.Status == RefundFailed || ref.Status == RefundCanceled {
		return nil // done already (a replay), or not Trove's to make
	}
	sr, err := r.stripe.CreateRefund(ctx, ref.paymentIntentID, ref.Amount,
		map[string]string{"refund_id": ref.ID, "order_id": ref.OrderID}, ref.ID)
	if err != nil {
		var se *stripe.Error
		switch {
		case !errors.As(err, &se):
			return queue.Permanent(err) // refused before any request: a bug
		case se.Retryable:
			return err
		case se.Type == "idempotency_error":
			return queue.Permanent(err)
		case se.Status == 400 || se.Status == 402 || se.Status == 404:
			return r.settle(ctx, ref.ID, "", RefundFailed, se.Code, se.Message,
				Actor{Type: audit.ActorProvider, ID: "stripe"})
		}
		return err
	}
	return r.settle(ctx, ref.ID, sr.ID, stripeStatus(sr.Status), "", "", Actor{Type: audit.ActorSystem, ID: "payments"})
}

// stripeStatus maps a Stripe refund status to ours.
func stripeStatus(s string) string {
	switch s {
	case "succeeded":
		return RefundSucceeded
	case "failed":
		return RefundFailed
	case "canceled":
		return RefundCanceled
	case "requires_action":
		return RefundRequiresAction
	}
	return RefundPending
}

// rank orders statuses: a refund only moves up (events come late and out of
// order), and failed and canceled are final.
func rank(status string) int {
	switch status {
	case RefundRequiresAction:
		return 1
	case RefundSucceeded:
		return 2
	case RefundFailed, RefundCanceled:
		return 3
	}
	return 0
}

// settle records what Stripe says of a refund: its Stripe id (if not known
// yet) and its status, if that moves it forward. A move to failed or
// canceled gives the refund's counters (and restock) back, in the same
// transaction, under the order's row locks.
func (r *Refunds) settle(ctx context.Context, refundID, stripeRefundID, status, failCode, failMessage string, by Actor) error {
	ref, err := r.Refund(ctx, refundID)
	if err != nil {
		return err
	}
	return db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, r.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			if _, err := r.orders.LockForRefundTx(ctx, tx, ref.OrderID); err != nil {
				return err
			}
			var cur refundRow
			if err := tx.GetContext(ctx, &cur, `SELECT `+refundColumns+` FROM refunds r WHERE r.id = ? FOR UPDATE`, refundID); err != nil {
				return fmt.Errorf("payments: lock refund %s: %w", refundID, err)
			}
			now := r.clock.Now()
			if stripeRefundID != "" {
				if cur.StripeRefundID != nil && *cur.StripeRefundID != stripeRefundID {
					return queue.Permanent(fmt.Errorf("payments: refund %s is Stripe's %s, not %s", refundID, *cur.StripeRefundID, stripeRefundID))
				}
				if cur.StripeRefundID == nil {
					if _, err := tx.ExecContext(ctx, `UPDATE refunds SET stripe_refund_id = ?, submitted_at = COALESCE(submitted_at, ?),
						updated_at = ? WHERE id = ?`, stripeRefundID, now, now, refundID); err != nil {
						return fmt.Errorf("payments: store Stripe refund id: %w", err)
					}
				}
			}
			if rank(status) <= rank(cur.Status) {
				return nil
			}
			var succeededAt, failedAt *time.Time
			switch status {
			case RefundSucceeded:
				succeededAt = &now
			case RefundFailed, RefundCanceled:
				failedAt = &now
			}
			if _, err := tx.ExecContext(ctx, `UPDATE refunds SET status = ?, failure_code = ?, failure_reason = ?, updated_at = ?,
				succeeded_at = COALESCE(?, succeeded_at), failed_at = COALESCE(?, failed_at) WHERE id = ?`,
				status, truncate(failCode, 64), truncate(failMessage, 1000), now, succeededAt, failedAt, refundID); err != nil {
				return fmt.Errorf("payments: settle refund %s: %w", refundID, err)
			}
			if status == RefundSucceeded {
				return enqueueSucceeded(ctx, r.queue, tx, refundID)
			}
			if status != RefundFailed && status != RefundCanceled {
				return nil
			}
			// The money did not go back: neither do the counters, nor the stock.
			var shares []orders.RefundShare
			for _, a := range ref.Allocation {
				for _, l := range a.Lines {
					shares = append(shares, orders.RefundShare{LineID: l.LineID, Amount: l.Amount.Amount, Quantity: l.Quantity})
				}
			}
			if err := r.orders.RevertRefundTx(ctx, tx, ref.OrderID, shares, cur.Restock); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, Action: "refund." + status,
				ObjectType: "order", ObjectID: ref.OrderID, Reason: strings.TrimSpace(failCode + " " + failMessage),
				Before: map[string]any{"refund_id": refundID, "status": cur.Status},
				After:  map[string]any{"refund_id": refundID, "status": status, "amount": ref.Amount, "counters_restored": true, "unstocked": cur.Restock}})
		})
	})
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// FollowEvent follows one Stripe refund event (the refund family:
// charge.refunded, charge.refund.updated, refund.created, refund.updated,
// refund.failed):
//
//   - a refund Trove made (found by Stripe refund id, or by the refund_id in
//     its metadata) takes the event's status if it moves it forward; failed or
//     canceled gives its counters (and restock) back;
//   - a refund made outside Trove (Stripe's dashboard) on the payment of one
//     of Trove's orders is recorded as an operator's refund of that amount
//     (source stripe, no restock), allocated across the vendor orders, so the
//     books match Stripe;
//   - charge.refunded (whose charge, at API version 2023-10-16, lists no
//     refunds) is a check: when Stripe has refunded more on the charge than
//     Trove's books hold, it fails (and is retried) until the refund.created
//     of the difference has been recorded.
//
// Errors that retrying cannot fix are queue.Permanent.
func (r *Refunds) FollowEvent(ctx context.Context, ev stripe.Event) error {
	if ev.Type != stripe.EventChargeRefunded {
		rf, err := ev.Refund()
		if err != nil {
			return queue.Permanent(err)
		}
		return r.followRefund(ctx, rf)
	}
	ch, err := ev.Charge()
	if err != nil {
		return queue.Permanent(err)
	}
	// Older API versions (or an expanded charge) list the refunds: follow each.
	for _, rf := range ch.Refunds {
		if err := r.followRefund(ctx, rf); err != nil {
			return err
		}
	}
	return r.checkCharge(ctx, ch)
}

// followRefund applies what Stripe says of one refund.
func (r *Refunds) followRefund(ctx context.Context, rf stripe.Refund) error {
	if rf.ID == "" {
		return queue.Permanent(errors.New("stripe: a refund event without a refund id"))
	}
	refundID, err := r.refundOfStripe(ctx, rf)
	if err != nil {
		return err
	}
	if refundID != "" {
		return r.settle(ctx, refundID, rf.ID, stripeStatus(rf.Status), "", "", Actor{Type: audit.ActorProvider, ID: "stripe"})
	}
	// Made outside Trove.
	if rf.PaymentIntentID == "" {
		return nil // not a payment intent's charge: not an order's
	}
	o, err := r.orders.OrderByIntent(ctx, rf.PaymentIntentID)
	if fault.Is(err, fault.KindNotFound) {
		return nil // not one of Trove's orders
	}
	if err != nil {
		return err
	}
	return r.recordExternal(ctx, o.ID, rf)
}

// refundOfStripe finds Trove's refund for a Stripe refund: by its id, or by
// the refund_id Trove put in its metadata (for the same payment).
func (r *Refunds) refundOfStripe(ctx context.Context, rf stripe.Refund) (string, error) {
	var id string
	err := r.db.GetContext(ctx, &id, `SELECT id FROM refunds WHERE stripe_refund_id = ?`, rf.ID)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("payments: find refund of %s: %w", rf.ID, err)
	}
	mine := rf.Metadata["refund_id"]
	if mine == "" {
		return "", nil
	}
	err = r.db.GetContext(ctx, &id, `SELECT id FROM refunds WHERE id = ? AND payment_intent_id = ? AND source <> 'stripe'`, mine, rf.PaymentIntentID)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("payments: find refund %s: %w", mine, err)
	}
	return "", nil
}

// recordExternal records a refund Stripe made outside Trove as an amount
// refund of the order, allocated across its vendor orders, once. If the books
// have no room for it yet (a refund of Trove's is pending and will be refused
// by Stripe for want of room, or the order's payment is not recorded yet),
// it fails, to be retried once they do.
func (r *Refunds) recordExternal(ctx context.Context, orderID string, rf stripe.Refund) error {
	var existing string
	err := db.RetryDeadlocks(ctx, func() error {
		existing = ""
		return db.InTxOpts(ctx, r.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			pos, err := r.orders.LockForRefundTx(ctx, tx, orderID)
			if err != nil {
				return err
			}
			if err := tx.GetContext(ctx, &existing, `SELECT id FROM refunds WHERE stripe_refund_id = ?`, rf.ID); err == nil {
				return nil // recorded meanwhile
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if rf.Amount.Currency != pos.Currency {
				return queue.Permanent(fmt.Errorf("payments: Stripe refund %s is in %s, order %s in %s", rf.ID, rf.Amount.Currency, orderID, pos.Currency))
			}
			amount := rf.Amount
			q := request{orderID: orderID, source: SourceStripe, amount: &amount,
				reason: "refunded in Stripe, outside Trove (" + rf.ID + ")", external: &rf,
				actor: Actor{Type: audit.ActorProvider, ID: "stripe"}}
			now := r.clock.Now()
			holds := stripeStatus(rf.Status) != RefundFailed && stripeStatus(rf.Status) != RefundCanceled
			var shares []share
			if holds {
				if pos.Status != orders.StatusPaid || pos.PaymentIntentID == "" {
					return fmt.Errorf("payments: Stripe refunded %s of order %s, which Trove does not hold paid yet (%s): retrying", amount, orderID, pos.Status)
				}
				shares, _, err = planAmount(amount.Amount, pos)
				if fault.Is(err, fault.KindConflict) {
					return fmt.Errorf("payments: Stripe refunded %s of order %s outside Trove, more than Trove's books have left (%s): retrying until a pending refund settles: %w",
						amount, orderID, money.Money{Amount: pos.Left(), Currency: pos.Currency}, err)
				}
				if err != nil {
					return err
				}
			}
			return r.write(ctx, tx, q, pos, q.hash(), id.New("rfd"), shares, amount.Amount, now)
		})
	})
	if err != nil || existing == "" {
		return err
	}
	return r.settle(ctx, existing, rf.ID, stripeStatus(rf.Status), "", "", Actor{Type: audit.ActorProvider, ID: "stripe"})
}

// checkCharge compares what Stripe has refunded on a charge with the refunds
// Trove holds for its payment (pending ones included): Stripe having more
// means a refund.created is still to come (or was missed).
func (r *Refunds) checkCharge(ctx context.Context, ch stripe.Charge) error {
	if ch.PaymentIntentID == "" {
		return nil
	}
	if _, err := r.orders.OrderByIntent(ctx, ch.PaymentIntentID); fault.Is(err, fault.KindNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var held int64
	if err := r.db.GetContext(ctx, &held, `SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE payment_intent_id = ?
		AND status NOT IN ('failed', 'canceled')`, ch.PaymentIntentID); err != nil {
		return fmt.Errorf("payments: sum refunds of %s: %w", ch.PaymentIntentID, err)
	}
	if ch.AmountRefunded.Amount > held {
		return fmt.Errorf("payments: Stripe has refunded %s on charge %s, Trove's books hold %s: waiting for the refund.created event of the rest (is the webhook endpoint subscribed to refund.created?)",
			ch.AmountRefunded, ch.ID, money.Money{Amount: held, Currency: ch.AmountRefunded.Currency})
	}
	return nil
}
