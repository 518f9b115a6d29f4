package orders

// Payment outcomes, reported by the payments package from Stripe's events (and
// found by the release job and the payments sweep when events are lost). Each
// is one Update running the order's rule (state.go); changed reports whether
// the order moved, false for a late or repeated event.

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/money"
)

// MarkPaid records that the order's payment succeeded with amountReceived
// (Order.Pay). In one transaction: the order's goods are held again if a
// failure or expiry gave them back (all or nothing) and sold; the order
// becomes paid, its vendor orders accepted, and an orders.paid job is
// enqueued. changed is false when the order was already paid, or its late
// payment already handled (a replay).
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
	changed, err := s.pay(ctx, orderID, intentID, amountReceived, nil)
	var oos *catalog.OutOfStockError
	if errors.As(err, &oos) {
		// The goods its failure or expiry gave back are gone: decide again,
		// knowing it (the order is looked at anew: it may have moved).
		changed, err = s.pay(ctx, orderID, intentID, amountReceived, oos)
	}
	return changed, err
}

// pay is one Update running Order.Pay. The flag Pay sets with a refusal
// (another payment, another amount) is saved, and the refusal reported.
func (s *Store) pay(ctx context.Context, orderID, intentID string, received money.Money, gone error) (bool, error) {
	var changed bool
	var refused error
	err := s.Update(ctx, orderID, func(o *Order) error {
		var err error
		refused = nil
		changed, err = o.Pay(intentID, received, gone, s.clock.Now())
		if errors.Is(err, ErrWrongPayment) || errors.Is(err, ErrAmountMismatch) {
			refused, err = err, nil
		}
		return err
	})
	if err != nil {
		return false, err
	}
	return changed, refused
}

// MarkPaymentFailed records that a payment attempt failed (Order.Fail): only
// a pending_payment order moves (to payment_failed), and its held stock is
// given back.
func (s *Store) MarkPaymentFailed(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.Fail(intentID, now) })
}

// MarkCanceled records that the payment was canceled (Stripe confirmed the
// PaymentIntent canceled; Order.Cancel): an order not yet paid becomes
// canceled, for good; its held stock is given back and its vendor orders are
// cancelled.
func (s *Store) MarkCanceled(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.Cancel(intentID, now) })
}

// MarkExpired records that the order's payment was canceled because its hold
// ran out (the release job canceled it, with Stripe's reason "abandoned";
// Order.Expire): an order still awaiting payment becomes expired, and what it
// holds is given back. intentID may be "" for an order whose payment was
// never started.
func (s *Store) MarkExpired(ctx context.Context, orderID, intentID string) (bool, error) {
	return s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.Expire(intentID, now) })
}

// FlagDispute records a charge dispute on the order (the first one: a replay
// changes nothing), with an audit entry. changed reports whether it was new.
func (s *Store) FlagDispute(ctx context.Context, orderID, reason string) (bool, error) {
	return s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.Dispute(reason, now), nil })
}

// holdLonger keeps an order awaiting payment whose payment is processing
// (Order.HoldUntil): its hold runs until until, and goods a failure gave back
// are held again if they are all still there (the order is pending_payment
// again). If they are not, the order stays as it is: a success then finds
// them gone, and MarkPaid refunds it.
func (s *Store) holdLonger(ctx context.Context, orderID string, until time.Time) error {
	_, err := s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.HoldUntil(until, nil, now) })
	var oos *catalog.OutOfStockError
	if errors.As(err, &oos) {
		_, err = s.apply(ctx, orderID, func(o *Order, now time.Time) (bool, error) { return o.HoldUntil(until, oos, now) })
	}
	return err
}

// apply is one Update running a rule that reports whether it changed the
// order.
func (s *Store) apply(ctx context.Context, orderID string, rule func(*Order, time.Time) (bool, error)) (bool, error) {
	var changed bool
	err := s.Update(ctx, orderID, func(o *Order) error {
		var err error
		changed, err = rule(o, s.clock.Now())
		return err
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}

// flagTx flags the order for operators within tx (Order.Flag, under its row
// lock), with an audit entry when the reason is new.
func (s *Store) flagTx(ctx context.Context, tx *sqlx.Tx, orderID, reason string) error {
	return s.update(ctx, tx, orderID, func(o *Order) error {
		o.Flag(reason, s.clock.Now())
		return nil
	})
}
