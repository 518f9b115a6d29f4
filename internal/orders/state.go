package orders

// Payment outcomes, reported by the payments package from Stripe's events (and
// found by the release job and the payments sweep when events are lost).
// Events arrive late, twice and out of order, so every move is a guarded
// UPDATE (… WHERE status IN (<states it may come from>)) under the order's row
// lock, and a move that does not apply changes nothing:
//
//	pending_payment -> paid | payment_failed | canceled | expired
//	payment_failed  -> paid | canceled | expired | pending_payment (the buyer checks out again)
//	expired         -> paid | canceled
//	paid: final; canceled: final (a late payment only records its amount)
//
// Stock is never sold twice and money is never kept for goods that do not
// ship. An order whose hold is given back (its payment failed, or its hold ran
// out) holds its goods again when a success arrives after all, all or
// nothing; if any is gone by then, the order does not become paid: it is
// canceled, flagged for operators, its amount_received recorded, and a
// LatePayment job refunds the payment in full (so does a success for an order
// canceled already, which Stripe should never send). The release job makes
// such late successes rare: before it expires an order it re-reads the
// payment and cancels it at Stripe (see jobs.go).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// ErrWrongPayment is wrapped (kind conflict) when an event names a payment
// other than the order's: retrying cannot help.
var ErrWrongPayment = errors.New("orders: the payment is not the order's")

// ErrAmountMismatch is wrapped (kind conflict) by MarkPaid when the amount
// received is not the order's total: the order is flagged, not paid.
var ErrAmountMismatch = errors.New("orders: the amount received is not the order's total")

// transition runs fn on the order under its row lock, in a READ COMMITTED
// transaction retried on deadlock. fn returns whether it changed the order,
// and an outcome to report once the transaction committed (a flag for
// operators is kept even though the caller hears an error).
func (s *Store) transition(ctx context.Context, orderID string, fn func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error)) (bool, error) {
	var changed bool
	var outcome error
	err := db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			var o orderRow
			err := tx.GetContext(ctx, &o, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ? FOR UPDATE`, orderID)
			if errors.Is(err, sql.ErrNoRows) {
				return fault.NotFound("order %s not found", orderID)
			}
			if err != nil {
				return err
			}
			changed, outcome, err = fn(tx, o, s.clock.Now())
			return err
		})
	})
	if err != nil {
		return false, err
	}
	return changed, outcome
}

// checkIntent refuses an event for another payment than the order's. An order
// with no payment stored yet (its checkout's answer from Stripe was lost)
// takes the event's.
func checkIntent(o orderRow, intentID string) error {
	if intentID == "" {
		return fault.Invalid("a payment event needs the payment's id")
	}
	if o.PaymentIntentID != nil && *o.PaymentIntentID != intentID {
		return fault.Wrap(fault.KindConflict, ErrWrongPayment, "order %s is paid with %s, not %s", o.ID, *o.PaymentIntentID, intentID)
	}
	return nil
}

// flag marks the order for operators, with an audit entry when the reason is
// new.
func (s *Store) flag(ctx context.Context, tx *sqlx.Tx, orderID, reason string, now time.Time) error {
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET flagged_at = COALESCE(flagged_at, ?), flag_reason = ?, updated_at = ?
		WHERE id = ? AND flag_reason <> ?`, now, reason, now, orderID, reason)
	if err != nil {
		return fmt.Errorf("orders: flag %s: %w", orderID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "orders", Action: "order.flagged",
		ObjectType: "order", ObjectID: orderID, Reason: reason})
}

// MarkPaid records that the order's payment succeeded with amountReceived.
// In one transaction: the order's goods are held (catalog.ReserveTx: a no-op
// for what is still held; what a failure or expiry gave back is held again,
// all or nothing), then sold (catalog.CommitTx); the order becomes paid (from
// pending_payment, payment_failed or expired), its vendor orders accepted, and
// an orders.paid job is enqueued. changed is false when the order was already
// paid, or its late payment already handled (a replay).
//
// When the goods cannot all be held again (another buyer has them now), or
// the order is canceled, the money must go back instead: the order becomes
// (or stays) canceled with amount_received recorded, its vendor orders
// cancelled, it is flagged for operators, and a LatePayment job (refund in
// full, mail to the buyer) is enqueued. changed is true.
//
// Errors (kind conflict, with the order flagged for operators): a payment
// other than the order's (ErrWrongPayment), an amount other than its total
// (ErrAmountMismatch; the order stays unpaid). Treat them as permanent.
func (s *Store) MarkPaid(ctx context.Context, orderID, intentID string, amountReceived money.Money) (bool, error) {
	return s.transition(ctx, orderID, func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error) {
		if err := checkIntent(o, intentID); err != nil {
			if !fault.Is(err, fault.KindConflict) {
				return false, nil, err
			}
			reason := fmt.Sprintf("payment %s succeeded, but the order's payment is %s: check for a double charge", intentID, *o.PaymentIntentID)
			return false, err, s.flag(ctx, tx, o.ID, reason, now)
		}
		switch {
		case o.Status == StatusPaid:
			return false, nil, nil
		case o.Status == StatusCanceled && o.AmountReceived != nil:
			return false, nil, nil // its late payment is being refunded already
		case o.Status == StatusCanceled:
			why := fmt.Sprintf("payment %s of %s succeeded after the order was canceled", intentID, amountReceived)
			return true, nil, s.refundLate(ctx, tx, o, intentID, amountReceived, why, now)
		}
		if amountReceived != o.total() {
			reason := fmt.Sprintf("payment %s received %s, but the order's total is %s", intentID, amountReceived, o.total())
			return false, fault.Wrap(fault.KindConflict, ErrAmountMismatch, "%s", reason), s.flag(ctx, tx, o.ID, reason, now)
		}
		// Hold again whatever a failure or expiry gave back, all or nothing (a
		// no-op for what is still held): a one-off order ships whole or not
		// at all.
		items, err := orderItems(ctx, tx, o.ID)
		if err != nil {
			return false, nil, err
		}
		err = s.catalog.ReserveTx(ctx, tx, o.ID, items, now.Add(s.ttl))
		var oos *catalog.OutOfStockError
		switch {
		case errors.As(err, &oos):
			why := fmt.Sprintf("payment %s of %s succeeded after the order's hold was given back (%s), and the stock is gone: %s",
				intentID, amountReceived, strings.ReplaceAll(o.Status, "_", " "), oos.Error())
			return true, nil, s.refundLate(ctx, tx, o, intentID, amountReceived, why, now)
		case err != nil:
			return false, nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'paid', paid_at = ?, amount_received = ?,
			payment_intent_id = COALESCE(payment_intent_id, ?), updated_at = ?
			WHERE id = ? AND status IN ('pending_payment', 'payment_failed', 'expired')`,
			now, amountReceived.Amount, intentID, now, o.ID)
		if err != nil {
			return false, nil, fmt.Errorf("orders: mark %s paid: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil, fmt.Errorf("orders: order %s changed under its lock", o.ID)
		}
		if _, err := s.catalog.CommitTx(ctx, tx, o.ID); err != nil {
			return false, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = 'accepted', accepted_at = ?, updated_at = ?
			WHERE order_id = ? AND status = 'pending'`, now, now, o.ID); err != nil {
			return false, nil, fmt.Errorf("orders: accept vendor orders: %w", err)
		}
		if _, err := s.queue.Enqueue(ctx, tx, Paid{OrderID: o.ID}, queue.UniqueKey("orders.paid:"+o.ID)); err != nil {
			return false, nil, err
		}
		return true, nil, nil
	})
}

// refundLate handles money that arrived for an order that will not ship (see
// MarkPaid), within tx under the order's row lock: the order is canceled
// with the amount received recorded, what it still holds is given back, its
// vendor orders are cancelled, it is flagged (with an audit entry), and the
// LatePayment job that refunds the payment is enqueued, once per order.
func (s *Store) refundLate(ctx context.Context, tx *sqlx.Tx, o orderRow, intentID string, amount money.Money, why string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'canceled', canceled_at = COALESCE(canceled_at, ?), amount_received = ?,
		payment_intent_id = COALESCE(payment_intent_id, ?), updated_at = ?
		WHERE id = ? AND status IN ('pending_payment', 'payment_failed', 'expired', 'canceled') AND amount_received IS NULL`,
		now, amount.Amount, intentID, now, o.ID)
	if err != nil {
		return fmt.Errorf("orders: cancel %s after a late payment: %w", o.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("orders: order %s changed under its lock", o.ID)
	}
	if _, err := s.catalog.ReleaseTx(ctx, tx, o.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = 'cancelled', cancelled_at = ?, updated_at = ?
		WHERE order_id = ? AND status = 'pending'`, now, now, o.ID); err != nil {
		return fmt.Errorf("orders: cancel vendor orders: %w", err)
	}
	if err := s.flag(ctx, tx, o.ID, why+": the order is canceled and the payment refunded in full", now); err != nil {
		return err
	}
	_, err = s.queue.Enqueue(ctx, tx, LatePayment{OrderID: o.ID, PaymentIntentID: intentID, Amount: amount},
		queue.UniqueKey("orders.late_payment:"+o.ID))
	return err
}

// MarkPaymentFailed records that a payment attempt failed: only a
// pending_payment order moves (to payment_failed), and its held stock is given
// back. The buyer may still pay with the same payment (a success then wins),
// or check out the cart again, which holds the stock again. changed is false
// for an order in any other state (a late or repeated event).
func (s *Store) MarkPaymentFailed(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.transition(ctx, orderID, func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error) {
		if err := checkIntent(o, intentID); err != nil {
			return false, nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'payment_failed', payment_failed_at = ?,
			payment_intent_id = COALESCE(payment_intent_id, ?), updated_at = ? WHERE id = ? AND status = 'pending_payment'`,
			now, intentID, now, o.ID)
		if err != nil {
			return false, nil, fmt.Errorf("orders: mark %s failed: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil, nil
		}
		if _, err := s.catalog.ReleaseTx(ctx, tx, o.ID); err != nil {
			return false, nil, err
		}
		return true, nil, nil
	})
}

// MarkCanceled records that the payment was canceled (Stripe confirmed the
// PaymentIntent canceled): an order not yet paid (pending_payment,
// payment_failed or expired) becomes canceled, for good; its held stock is
// given back and its vendor orders are cancelled. changed is false for a paid
// or already canceled order.
func (s *Store) MarkCanceled(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.transition(ctx, orderID, func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error) {
		if err := checkIntent(o, intentID); err != nil {
			return false, nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'canceled', canceled_at = ?,
			payment_intent_id = COALESCE(payment_intent_id, ?), updated_at = ?
			WHERE id = ? AND status IN ('pending_payment', 'payment_failed', 'expired')`, now, intentID, now, o.ID)
		if err != nil {
			return false, nil, fmt.Errorf("orders: cancel %s: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil, nil
		}
		if _, err := s.catalog.ReleaseTx(ctx, tx, o.ID); err != nil {
			return false, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = 'cancelled', cancelled_at = ?, updated_at = ?
			WHERE order_id = ? AND status = 'pending'`, now, now, o.ID); err != nil {
			return false, nil, fmt.Errorf("orders: cancel vendor orders: %w", err)
		}
		return true, nil, nil
	})
}

// MarkExpired records that the order's payment was canceled because its hold
// ran out (the release job canceled it, with Stripe's reason "abandoned"): an
// order still awaiting payment (pending_payment or payment_failed) becomes
// expired, and what it holds is given back. intentID may be "" for an order
// whose payment was never started (then only such an order moves). changed
// is false for an order in any other state.
func (s *Store) MarkExpired(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.transition(ctx, orderID, func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error) {
		if intentID == "" {
			if o.PaymentIntentID != nil {
				return false, nil, nil // a payment was started meanwhile: the next look re-reads it
			}
		} else if err := checkIntent(o, intentID); err != nil {
			return false, nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'expired', expired_at = ?, updated_at = ?
			WHERE id = ? AND status IN ('pending_payment', 'payment_failed')`, now, now, o.ID)
		if err != nil {
			return false, nil, fmt.Errorf("orders: expire %s: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil, nil
		}
		if _, err := s.catalog.ReleaseTx(ctx, tx, o.ID); err != nil {
			return false, nil, err
		}
		return true, nil, nil
	})
}

// FlagDispute records a charge dispute on the order (the first one: a replay
// changes nothing), with an audit entry. changed reports whether it was new.
func (s *Store) FlagDispute(ctx context.Context, orderID, reason string) (bool, error) {
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	return s.transition(ctx, orderID, func(tx *sqlx.Tx, o orderRow, now time.Time) (bool, error, error) {
		res, err := tx.ExecContext(ctx, `UPDATE orders SET disputed_at = ?, dispute_reason = ?, updated_at = ?
			WHERE id = ? AND disputed_at IS NULL`, now, reason, now, o.ID)
		if err != nil {
			return false, nil, fmt.Errorf("orders: flag dispute on %s: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil, nil
		}
		return true, nil, audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorProvider, ActorID: "stripe",
			Action: "order.disputed", ObjectType: "order", ObjectID: o.ID, Reason: reason})
	})
}
