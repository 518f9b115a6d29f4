package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// releaseBatch is how many orders one look at the expired holds returns.
const releaseBatch = 100

// ProcessingRecheck is how long the release job keeps holding the goods of an
// order whose payment is processing (money on its way) before it looks again.
const ProcessingRecheck = 5 * time.Minute

// CancelKey is the idempotency key the release job cancels an order's payment
// with: the same on every attempt, so a retried cancel is one cancel.
func CancelKey(orderID string) string { return "orders.cancel_payment:" + orderID }

// ReleaseExpired is the handler of the ReleaseExpired job. Every checkout
// whose hold ran out unpaid (pending_payment, or payment_failed: its hold was
// given back at the failure, but the buyer could still pay) is settled one by
// one, and never by giving stock back while money may still arrive:
//
//   - its payment is re-read from the provider (a webhook may have been
//     lost): succeeded -> MarkPaid; processing -> the goods stay held and the
//     order is looked at again after ProcessingRecheck;
//   - otherwise the payment is canceled at the provider (idempotency key
//     CancelKey), and only once the provider says canceled does the order
//     expire and give its stock back (MarkExpired). A cancel refused because
//     the payment succeeded meanwhile makes the order paid;
//   - a provider that cannot be reached leaves the order as it is (its goods
//     held): the job fails, is retried, and the next run looks again.
//
// An order whose payment was never started (the provider's answer never
// reached checkout) has no payment a buyer could complete: it expires at once.
// Holds left active on orders in other states are settled as the order says
// (paid: sold; expired or canceled: given back). Each order is its own short
// transaction under its row lock, and no provider is called inside one. Safe
// to run twice or in several processes at once.
func (s *Store) ReleaseExpired(ctx context.Context, m queue.Meta, _ ReleaseExpired) error {
	now := s.clock.Now()
	expired, held, released := 0, 0, 0
	defer func() {
		if expired+held+released > 0 {
			httpx.Logger(ctx).Info("settled checkouts whose hold ran out", "expired", expired, "still_held", held, "holds_released", released)
		}
	}()
	var failed []error
	var afterAt time.Time
	afterID := ""
	for {
		batch, err := s.holdsRunOut(ctx, now, afterAt, afterID, releaseBatch)
		if err != nil {
			return err
		}
		for _, c := range batch {
			outcome, err := s.settleRunOut(ctx, c.ID, now)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case err != nil:
				httpx.Logger(ctx).Warn("a checkout whose hold ran out could not be settled: its goods stay held", "order_id", c.ID, "err", err.Error())
				failed = append(failed, fmt.Errorf("order %s: %w", c.ID, err))
			case outcome == PaymentCanceled:
				expired++
			case outcome == PaymentProcessing:
				held++
			}
		}
		if len(batch) < releaseBatch {
			break
		}
		afterAt, afterID = batch[len(batch)-1].ExpiresAt, batch[len(batch)-1].ID
	}
	// Holds still active past their time on orders that are settled already.
	seen := map[string]bool{}
	for {
		ids, err := s.catalog.ExpiredReservations(ctx, now, releaseBatch)
		if err != nil {
			return err
		}
		fresh := 0
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id], fresh = true, fresh+1
			did, err := s.settleStaleHold(ctx, id)
			if err != nil {
				return err
			}
			if did {
				released++
			}
		}
		if fresh == 0 || len(ids) < releaseBatch {
			break
		}
	}
	return errors.Join(failed...)
}

type runOut struct {
	ID        string    `db:"id"`
	ExpiresAt time.Time `db:"reservation_expires_at"`
}

// holdsRunOut lists checkouts awaiting payment whose hold ran out at or before
// now, after (afterAt, afterID), oldest first (index orders_hold_expiry).
func (s *Store) holdsRunOut(ctx context.Context, now, afterAt time.Time, afterID string, limit int) ([]runOut, error) {
	var out []runOut
	const q = `SELECT id, reservation_expires_at FROM orders
		WHERE status IN ('pending_payment', 'payment_failed') AND reservation_expires_at <= ?
		AND (reservation_expires_at > ? OR (reservation_expires_at = ? AND id > ?))
		ORDER BY reservation_expires_at, id LIMIT ?`
	if err := s.db.SelectContext(ctx, &out, q, now, afterAt, afterAt, afterID, limit); err != nil {
		return nil, fmt.Errorf("orders: checkouts whose hold ran out: %w", err)
	}
	return out, nil
}

// settleRunOut settles one checkout whose hold ran out (see ReleaseExpired)
// and answers what its payment turned out to be: PaymentCanceled (the order
// expired), PaymentProcessing (its goods stay held), PaymentSucceeded (paid,
// or canceled and refunded when its goods are gone), or "" when there was
// nothing to do.
func (s *Store) settleRunOut(ctx context.Context, orderID string, now time.Time) (string, error) {
	var o orderRow
	err := s.db.GetContext(ctx, &o, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ?`, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if (o.Status != StatusPendingPayment && o.Status != StatusPaymentFailed) || o.ReservationExpiresAt.After(now) {
		return "", nil // settled or held again meanwhile
	}
	if o.PaymentIntentID == nil {
		if changed, err := s.MarkExpired(ctx, o.ID, ""); !changed || err != nil {
			return "", err
		}
		return PaymentCanceled, nil
	}
	intent := *o.PaymentIntentID
	p, err := s.payments.Payment(ctx, intent)
	if err != nil {
		return "", fmt.Errorf("re-read payment %s: %w", intent, err)
	}
	if p.Status == PaymentOpen {
		if p, err = s.payments.CancelPayment(ctx, intent, CancelKey(o.ID)); err != nil {
			return "", fmt.Errorf("cancel payment %s: %w", intent, err)
		}
	}
	switch p.Status {
	case PaymentSucceeded:
		_, err = s.MarkPaid(ctx, o.ID, intent, p.AmountReceived)
		if fault.Is(err, fault.KindConflict) {
			err = nil // flagged for operators; the goods stay held
		}
	case PaymentProcessing:
		err = s.holdLonger(ctx, o.ID, now.Add(ProcessingRecheck))
	case PaymentCanceled:
		_, err = s.MarkExpired(ctx, o.ID, intent)
	default:
		err = fmt.Errorf("payment %s is %q after it was canceled", intent, p.Status)
	}
	return p.Status, err
}

// settleStaleHold settles the active holds of an order whose time ran out
// but which no longer awaits payment, and reports whether it did: a paid
// order's are sold (MarkPaid sells in its own transaction; this finishes a
// job cut short), an expired or canceled order's given back. An order
// awaiting payment is left to settleRunOut: its payment decides.
func (s *Store) settleStaleHold(ctx context.Context, orderID string) (bool, error) {
	var did bool
	err := db.RetryDeadlocks(ctx, func() error {
		did = false
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			var o orderRow
			err := tx.GetContext(ctx, &o, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ? FOR UPDATE`, orderID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				// A hold with no order cannot be made (they commit together);
				// give it back all the same.
			case err != nil:
				return err
			case o.Status == StatusPaid:
				n, err := s.catalog.CommitTx(ctx, tx, orderID)
				if n > 0 {
					httpx.Logger(ctx).Warn("a paid order still held stock: sold it now", "order_id", orderID)
				}
				return err
			case o.Status == StatusPendingPayment, o.Status == StatusPaymentFailed:
				return nil
			}
			n, err := s.catalog.ReleaseTx(ctx, tx, orderID)
			did = n > 0
			return err
		})
	})
	return did, err
}

// AwaitingPayment is a checkout still waiting for its payment.
type AwaitingPayment struct {
	OrderID  string    `db:"id"`
	IntentID string    `db:"payment_intent_id"`
	PlacedAt time.Time `db:"placed_at"`
}

// AwaitingPayments lists up to limit checkouts awaiting payment
// (pending_payment or payment_failed) with a payment started, placed at or
// before placedBy and after the cursor (afterAt, afterID), oldest first: what
// the payments sweep re-reads, in case a webhook was lost (index
// orders_status).
func (s *Store) AwaitingPayments(ctx context.Context, placedBy, afterAt time.Time, afterID string, limit int) ([]AwaitingPayment, error) {
	var out []AwaitingPayment
	const q = `SELECT id, payment_intent_id, placed_at FROM orders
		WHERE status IN ('pending_payment', 'payment_failed') AND placed_at <= ? AND payment_intent_id IS NOT NULL
		AND (placed_at > ? OR (placed_at = ? AND id > ?))
		ORDER BY placed_at, id LIMIT ?`
	if err := s.db.SelectContext(ctx, &out, q, placedBy, afterAt, afterAt, afterID, limit); err != nil {
		return nil, fmt.Errorf("orders: checkouts awaiting payment: %w", err)
	}
	return out, nil
}

// CartRetention is how long an untouched guest cart is kept: a guest who
// comes back within it finds the cart; after it, the cart and its lines go.
const CartRetention = 30 * 24 * time.Hour

// PruneCarts deletes open guest carts not changed since cutoff and never
// checked out (no order names them), and says how many. A signed-in buyer's
// cart is kept: it is theirs until they empty it.
func (s *Store) PruneCarts(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM carts WHERE status = 'open' AND user_id IS NULL AND updated_at < ?
			AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.source_type = 'cart' AND o.source_id = carts.id) LIMIT 1000`, cutoff)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
