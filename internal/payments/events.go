// Package payments turns Stripe's payment events into order states and
// carries refunds: the follow-ups of payment intents (re-read from Stripe,
// where order matters) and disputes (disputes.go: a lost one is debited to
// the vendors like a refund), and refunds allocated to vendor orders to the
// cent. Tables: refunds, refund_allocations, disputes, dispute_allocations. Events about plans
// (invoices, subscriptions) are internal/subscriptions'; Connect accounts'
// are internal/payouts'. cmd/trove/jobs.go hands each family of event to its
// follower.
package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// Service follows payment intents and disputes.
type Service struct {
	clock  clock.Clock
	stripe *stripe.Client
	orders *orders.Store
}

// Deps are the Service's collaborators.
type Deps struct {
	Clock  clock.Clock
	Stripe *stripe.Client
	Orders *orders.Store
}

// New returns a Service.
func New(d Deps) *Service {
	return &Service{clock: d.Clock, stripe: d.Stripe, orders: d.Orders}
}

// FollowIntent re-reads a payment intent and moves its order to match the
// intent's current status, whatever event announced it (a payment_intent.*
// event, or the sweep): events arrive late, twice and out of order, but the
// intent's status now is the truth. The order's transitions are guarded, so
// nothing moves backwards, and a success after a failure wins (if the
// order's goods are still there; if not, it is refunded: see
// orders.MarkPaid). A canceled intent expires its order when the release job
// canceled it (reason abandoned), and cancels it otherwise.
func (s *Service) FollowIntent(ctx context.Context, intentID string) error {
	pi, err := s.stripe.GetPaymentIntent(ctx, intentID)
	if err != nil {
		return err
	}
	orderID := pi.Metadata["order_id"]
	if orderID == "" || pi.InvoiceID != "" {
		return nil // not a checkout's: a subscription invoice pays through its own intent
	}
	switch pi.Status {
	case stripe.StatusSucceeded:
		_, err = s.orders.MarkPaid(ctx, orderID, pi.ID, pi.AmountReceived)
	case stripe.StatusCanceled:
		if pi.CancellationReason == stripe.CancelAbandoned {
			_, err = s.orders.MarkExpired(ctx, orderID, pi.ID)
		} else {
			_, err = s.orders.MarkCanceled(ctx, orderID, pi.ID)
		}
	case stripe.StatusRequiresPaymentMethod:
		if pi.LastErrorCode == "" {
			return nil // created, never tried: nothing failed
		}
		_, err = s.orders.MarkPaymentFailed(ctx, orderID, pi.ID)
	}
	if errors.Is(err, orders.ErrWrongPayment) || errors.Is(err, orders.ErrAmountMismatch) {
		// Retrying cannot change these: the job goes dead, visible to operators.
		return queue.Permanent(err)
	}
	return err
}

// SweepAge is how long a checkout may await its payment before the sweep
// re-reads it: long enough for the webhook to have come, were it coming.
const SweepAge = 3 * time.Minute

// sweepBatch is how many checkouts one look of the sweep reads.
const sweepBatch = 100

// SweepPending is the scheduled job that re-reads the payments of checkouts
// awaiting payment for longer than SweepAge (see Service.SweepPending).
type SweepPending struct{}

// Kind names the job.
func (SweepPending) Kind() string { return "payments.sweep_pending" }

// SweepPending is the payments.sweep_pending handler: every checkout awaiting
// payment (pending_payment or payment_failed) placed more than SweepAge ago
// has its PaymentIntent re-read and followed as its webhook would have been
// (FollowIntent), so a payment whose webhooks were lost (an outage longer
// than Stripe's retries, a delivery dropped) is found within minutes, not
// when its hold runs out. Checkouts are read in batches, oldest first; one
// that cannot be followed is logged and the job fails once the others are
// done, to be retried.
func (s *Service) SweepPending(ctx context.Context, _ queue.Meta, _ SweepPending) error {
	placedBy := s.clock.Now().Add(-SweepAge)
	var failed []error
	found := 0
	var afterAt time.Time
	afterID := ""
	for {
		batch, err := s.orders.AwaitingPayments(ctx, placedBy, afterAt, afterID, sweepBatch)
		if err != nil {
			return err
		}
		for _, p := range batch {
			err := s.FollowIntent(ctx, p.IntentID)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case missing(err):
				httpx.Logger(ctx).Error("Stripe has no such payment intent (another account's key, or a reset sandbox?): the release job will expire its order",
					"order_id", p.OrderID, "payment_intent", p.IntentID)
			case fault.Is(err, fault.KindConflict):
				// Flagged for operators (another payment, another amount):
				// looking again cannot help.
				httpx.Logger(ctx).Warn("the sweep found a payment operators must look at", "order_id", p.OrderID, "payment_intent", p.IntentID, "err", err.Error())
			case err != nil:
				httpx.Logger(ctx).Warn("the sweep could not follow a payment", "order_id", p.OrderID, "payment_intent", p.IntentID, "err", err.Error())
				failed = append(failed, fmt.Errorf("order %s: %w", p.OrderID, err))
			}
		}
		found += len(batch)
		if len(batch) < sweepBatch {
			break
		}
		afterAt, afterID = batch[len(batch)-1].PlacedAt, batch[len(batch)-1].OrderID
	}
	if found > 0 {
		httpx.Logger(ctx).Info("re-read the payments of checkouts awaiting payment", "orders", found, "failed", len(failed))
	}
	return errors.Join(failed...)
}
