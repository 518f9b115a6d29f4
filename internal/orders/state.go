package orders

// An order's status and the moves between them: the state table (transitions)
// and the rules that pick a move (Order's methods below). Both are pure: no
// database, no clock, no provider. Store.Update runs a rule on the order under
// its row lock and carries out what the table says a move does
// (update.go); the payments package reports payment outcomes through the
// Store methods of outcomes.go, each one Update.
//
// Events arrive late, twice and out of order: a rule that does not apply
// changes nothing, and nothing moves backwards:
//
//	pending_payment -> paid | payment_failed | canceled | expired
//	payment_failed  -> paid | canceled | expired | pending_payment (the buyer checks out again)
//	expired         -> paid | canceled
//	paid: final; canceled: final (a late payment only records its amount)
//
// Stock is never sold twice and money is never kept for goods that do not
// ship. An order whose hold was given back (its payment failed, or its hold
// ran out) holds its goods again when a success arrives after all, all or
// nothing; if any is gone by then, the order does not become paid: it is
// canceled, flagged for operators, its amount received recorded, and a
// LatePayment job refunds the payment in full (so does a success for an order
// canceled already, which Stripe should never send). The release job makes
// such late successes rare: before it expires an order it re-reads the
// payment and cancels it at Stripe (see jobs.go).

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// ErrWrongPayment is wrapped (kind conflict) when an event names a payment
// other than the order's: retrying cannot help.
var ErrWrongPayment = errors.New("orders: the payment is not the order's")

// ErrAmountMismatch is wrapped (kind conflict) by MarkPaid when the amount
// received is not the order's total: the order is flagged, not paid.
var ErrAmountMismatch = errors.New("orders: the amount received is not the order's total")

// ErrIllegalMove is wrapped when a change asks for a move the state table
// does not have: a bug in the rule that asked, never a late event.
var ErrIllegalMove = errors.New("orders: the order cannot move so")

// effect is what a change of an order does beyond the order's own row, in the
// same transaction.
type effect string

const (
	// holdGoods holds the order's goods until its hold ends, all or nothing
	// (catalog.ReserveTx: a no-op, or a later end, for what is held).
	holdGoods effect = "hold goods"
	// sellGoods holds again what was given back, all or nothing, then sells
	// what the order holds (catalog.CommitTx).
	sellGoods effect = "sell goods"
	// releaseGoods gives back what the order holds (catalog.ReleaseTx).
	releaseGoods effect = "release goods"
	// acceptVendorOrders: the vendor orders awaiting payment are accepted:
	// their vendors fulfil them.
	acceptVendorOrders effect = "accept vendor orders"
	// cancelVendorOrders: the vendor orders awaiting payment are cancelled.
	cancelVendorOrders effect = "cancel vendor orders"
	// emitPaid enqueues Paid, once per order.
	emitPaid effect = "emit orders.paid"
	// emitLatePayment enqueues LatePayment (refund the payment in full), once
	// per order.
	emitLatePayment effect = "emit orders.late_payment"
)

// move is a change of status.
type move struct{ from, to string }

// transitions is the state table: every move an order may make, and what it
// does. A move not in it never happens.
var transitions = map[move][]effect{
	{StatusPendingPayment, StatusPaid}:          {sellGoods, acceptVendorOrders, emitPaid},
	{StatusPendingPayment, StatusPaymentFailed}: {releaseGoods},
	{StatusPendingPayment, StatusCanceled}:      {releaseGoods, cancelVendorOrders},
	{StatusPendingPayment, StatusExpired}:       {releaseGoods},
	{StatusPaymentFailed, StatusPaid}:           {sellGoods, acceptVendorOrders, emitPaid},
	{StatusPaymentFailed, StatusPendingPayment}: {holdGoods},
	{StatusPaymentFailed, StatusCanceled}:       {releaseGoods, cancelVendorOrders},
	{StatusPaymentFailed, StatusExpired}:        {releaseGoods},
	{StatusExpired, StatusPaid}:                 {sellGoods, acceptVendorOrders, emitPaid},
	{StatusExpired, StatusCanceled}:             {releaseGoods, cancelVendorOrders},
}

// CanMove reports whether the state table lets an order go from one status to
// another.
func CanMove(from, to string) bool {
	_, ok := transitions[move{from, to}]
	return ok
}

// effectsOf is what changing an order from before to after does beyond its
// own row: the state table's effects of its move, and those of changes that
// are not moves (a hold that runs longer; a late payment recorded on an order
// canceled already). A change the table does not allow is refused.
func effectsOf(before, after Order) ([]effect, error) {
	var out []effect
	if before.Status != after.Status {
		fx, ok := transitions[move{before.Status, after.Status}]
		if !ok {
			return nil, fmt.Errorf("%w: order %s from %s to %s", ErrIllegalMove, before.ID, before.Status, after.Status)
		}
		out = slices.Clone(fx)
	}
	if after.Status == StatusPendingPayment && !after.ReservedUntil.Equal(before.ReservedUntil) && !slices.Contains(out, holdGoods) {
		out = append(out, holdGoods) // the hold runs to its new end
	}
	if before.AmountReceived == nil && after.AmountReceived != nil {
		switch after.Status {
		case StatusPaid:
		case StatusCanceled:
			// Money for an order that will not ship: whatever it still holds
			// goes back and the payment is refunded.
			for _, e := range []effect{releaseGoods, cancelVendorOrders, emitLatePayment} {
				if !slices.Contains(out, e) {
					out = append(out, e)
				}
			}
		default:
			return nil, fmt.Errorf("%w: order %s records a payment received while %s", ErrIllegalMove, before.ID, after.Status)
		}
	}
	if before.AmountReceived != nil && (after.AmountReceived == nil || *after.AmountReceived != *before.AmountReceived) {
		return nil, fmt.Errorf("%w: order %s changes the payment it received", ErrIllegalMove, before.ID)
	}
	if before.PaymentIntentID != "" && after.PaymentIntentID != before.PaymentIntentID {
		return nil, fmt.Errorf("%w: order %s changes its payment", ErrIllegalMove, before.ID)
	}
	return out, nil
}

// moveTo moves the order to status, as the state table allows, and stamps
// the moment of the status it reaches.
func (o *Order) moveTo(status string, now time.Time) error {
	if !CanMove(o.Status, status) {
		return fmt.Errorf("%w: order %s from %s to %s", ErrIllegalMove, o.ID, o.Status, status)
	}
	o.Status = status
	at := &now
	switch status {
	case StatusPaid:
		o.PaidAt = at
	case StatusPaymentFailed:
		o.PaymentFailedAt = at
	case StatusCanceled:
		if o.CanceledAt == nil {
			o.CanceledAt = at
		}
	case StatusExpired:
		o.ExpiredAt = at
	}
	return nil
}

// checkIntent refuses an event for another payment than the order's. An order
// with no payment stored yet (its checkout's answer from Stripe was lost)
// takes the event's.
func (o *Order) checkIntent(intentID string) error {
	if intentID == "" {
		return fault.Invalid("a payment event needs the payment's id")
	}
	if o.PaymentIntentID != "" && o.PaymentIntentID != intentID {
		return fault.Wrap(fault.KindConflict, ErrWrongPayment, "order %s is paid with %s, not %s", o.ID, o.PaymentIntentID, intentID)
	}
	return nil
}

func (o *Order) takeIntent(intentID string) {
	if o.PaymentIntentID == "" {
		o.PaymentIntentID = intentID
	}
}

// awaitsGoods reports whether the order gave its goods back while awaiting
// payment: a success must hold them again first.
func (o *Order) awaitsGoods() bool {
	return o.Status == StatusPaymentFailed || o.Status == StatusExpired
}

// Pay applies a payment that succeeded with received, and reports whether
// the order changed. gone is nil, or why the goods the order gave back can no
// longer all be held again (a success then finds them gone).
//
//   - another payment than the order's: flagged (check for a double charge),
//     and a conflict wrapping ErrWrongPayment;
//   - paid already, or its late payment recorded already: nothing;
//   - canceled: the payment is refused (RefuseLatePayment);
//   - an amount other than the total: flagged, not paid, and a conflict
//     wrapping ErrAmountMismatch;
//   - its goods given back and gone: refused;
//   - else paid, with the amount received.
//
// The flags stand even when an error is returned: Update's caller keeps the
// change and reports the error (MarkPaid).
func (o *Order) Pay(intentID string, received money.Money, gone error, now time.Time) (bool, error) {
	if err := o.checkIntent(intentID); err != nil {
		if fault.Is(err, fault.KindConflict) {
			o.Flag(fmt.Sprintf("payment %s succeeded, but the order's payment is %s: check for a double charge", intentID, o.PaymentIntentID), now)
		}
		return false, err
	}
	switch {
	case o.Status == StatusPaid:
		return false, nil
	case o.Status == StatusCanceled && o.AmountReceived != nil:
		return false, nil // its late payment is being refunded already
	case o.Status == StatusCanceled:
		why := fmt.Sprintf("payment %s of %s succeeded after the order was canceled", intentID, received)
		return true, o.RefuseLatePayment(intentID, received, why, now)
	}
	if received != o.Total {
		reason := fmt.Sprintf("payment %s received %s, but the order's total is %s", intentID, received, o.Total)
		o.Flag(reason, now)
		return false, fault.Wrap(fault.KindConflict, ErrAmountMismatch, "%s", reason)
	}
	if gone != nil && o.awaitsGoods() {
		why := fmt.Sprintf("payment %s of %s succeeded after the order's hold was given back (%s), and the stock is gone: %s",
			intentID, received, strings.ReplaceAll(o.Status, "_", " "), gone.Error())
		return true, o.RefuseLatePayment(intentID, received, why, now)
	}
	if err := o.moveTo(StatusPaid, now); err != nil {
		return false, err
	}
	o.AmountReceived = &received
	o.takeIntent(intentID)
	return true, nil
}

// RefuseLatePayment handles money that arrived for an order that will not
// ship: it is canceled (or stays so) with the amount received recorded and a
// flag saying why. Update then gives back what it holds, cancels its vendor
// orders and enqueues the LatePayment job that refunds the payment in full.
func (o *Order) RefuseLatePayment(intentID string, amount money.Money, why string, now time.Time) error {
	if o.AmountReceived != nil {
		return fmt.Errorf("%w: order %s has received a payment already", ErrIllegalMove, o.ID)
	}
	if o.Status != StatusCanceled {
		if err := o.moveTo(StatusCanceled, now); err != nil {
			return err
		}
	}
	o.AmountReceived = &amount
	o.takeIntent(intentID)
	o.Flag(why+": the order is canceled and the payment refunded in full", now)
	return nil
}

// Fail applies a failed payment attempt: an order awaiting payment gives its
// goods back (payment_failed). The buyer may still pay with the same payment
// (a success then wins), or check out the cart again. Any other order: a late
// or repeated event, nothing.
func (o *Order) Fail(intentID string, now time.Time) (bool, error) {
	if err := o.checkIntent(intentID); err != nil {
		return false, err
	}
	if o.Status != StatusPendingPayment {
		return false, nil
	}
	o.takeIntent(intentID)
	return true, o.moveTo(StatusPaymentFailed, now)
}

// Cancel applies a payment canceled at the provider: an order not yet paid
// (pending_payment, payment_failed or expired) is canceled for good, its
// goods given back and its vendor orders cancelled. A paid or canceled order:
// nothing.
func (o *Order) Cancel(intentID string, now time.Time) (bool, error) {
	if err := o.checkIntent(intentID); err != nil {
		return false, err
	}
	switch o.Status {
	case StatusPendingPayment, StatusPaymentFailed, StatusExpired:
	default:
		return false, nil
	}
	o.takeIntent(intentID)
	return true, o.moveTo(StatusCanceled, now)
}

// Expire applies a payment canceled because the order's hold ran out (the
// release job canceled it): an order still awaiting payment expires and gives
// its goods back. intentID "" is for an order whose payment was never
// started: only such an order expires then.
func (o *Order) Expire(intentID string, now time.Time) (bool, error) {
	if intentID == "" {
		if o.PaymentIntentID != "" {
			return false, nil // a payment was started meanwhile: the next look re-reads it
		}
	} else if err := o.checkIntent(intentID); err != nil {
		return false, err
	}
	if o.Status != StatusPendingPayment && o.Status != StatusPaymentFailed {
		return false, nil
	}
	return true, o.moveTo(StatusExpired, now)
}

// HoldUntil keeps an order awaiting payment waiting until until: its goods
// are held to then (pending_payment; what a failure gave back is held again,
// all or nothing). gone is nil, or why the goods a failure gave back cannot
// all be held again: the order then stays payment_failed, looked at again at
// until. An order not awaiting payment: nothing.
func (o *Order) HoldUntil(until time.Time, gone error, now time.Time) (bool, error) {
	switch {
	case o.Status != StatusPendingPayment && o.Status != StatusPaymentFailed:
		return false, nil
	case o.Status == StatusPaymentFailed && gone == nil:
		if err := o.moveTo(StatusPendingPayment, now); err != nil {
			return false, err
		}
	}
	o.ReservedUntil = until
	return true, nil
}

// Flag marks the order for operators with reason (at most 1,000 characters);
// the first flag's time is kept. The same reason again changes nothing.
func (o *Order) Flag(reason string, now time.Time) {
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	if reason == o.FlagReason {
		return
	}
	o.FlagReason = reason
	if o.FlaggedAt == nil {
		o.FlaggedAt = &now
	}
}

// Dispute records a charge dispute: the first one (a replay changes nothing).
func (o *Order) Dispute(reason string, now time.Time) bool {
	if o.DisputedAt != nil {
		return false
	}
	if utf8.RuneCountInString(reason) > 1000 {
		reason = string([]rune(reason)[:1000])
	}
	o.DisputedAt, o.DisputeReason = &now, reason
	return true
}
