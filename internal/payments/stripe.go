package payments

import (
	"context"
	"errors"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/stripe"
)

// Provider is checkout's payment provider (orders.PaymentProvider), Stripe:
// it starts payments as separate charges and transfers (every intent carries
// transfer_group = the order id, and the order id in its metadata), re-reads
// them, and cancels those whose hold ran out.
type Provider struct {
	stripe *stripe.Client
}

// ProviderDeps are the Provider's collaborators.
type ProviderDeps struct {
	Stripe *stripe.Client
}

// NewProvider returns a Provider.
func NewProvider(d ProviderDeps) *Provider { return &Provider{stripe: d.Stripe} }

// StartPayment creates the order's PaymentIntent (the same one again for the
// same idempotency key).
func (p *Provider) StartPayment(ctx context.Context, orderID string, amount money.Money, idempotencyKey string) (string, string, error) {
	pi, err := p.stripe.CreatePaymentIntent(ctx, amount, orderID, map[string]string{"order_id": orderID}, "", idempotencyKey)
	if err != nil {
		return "", "", err
	}
	return pi.ID, pi.ClientSecret, nil
}

// ClientSecret re-reads an intent's client secret (Trove never stores it).
func (p *Provider) ClientSecret(ctx context.Context, intentID string) (string, error) {
	pi, err := p.stripe.GetPaymentIntent(ctx, intentID)
	return pi.ClientSecret, err
}

// Payment re-reads an intent. One that Stripe does not know (resource_missing:
// made under another account's key, or by a sandbox that was reset) can take
// no money on this account: it is answered as canceled, loudly.
func (p *Provider) Payment(ctx context.Context, intentID string) (orders.PaymentState, error) {
	pi, err := p.stripe.GetPaymentIntent(ctx, intentID)
	if missing(err) {
		httpx.Logger(ctx).Error("Stripe has no such payment intent (another account's key, or a reset sandbox?): treating it as canceled",
			"payment_intent", intentID)
		return orders.PaymentState{IntentID: intentID, Status: orders.PaymentCanceled}, nil
	}
	if err != nil {
		return orders.PaymentState{}, err
	}
	return paymentState(pi), nil
}

// missing reports whether Stripe answered that the object does not exist.
func missing(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && se.Status == 404 && se.Code == "resource_missing"
}

// CancelPayment cancels an intent with reason "abandoned" (so its
// payment_intent.canceled event expires the order rather than cancel it).
// Stripe refusing because the intent is no longer cancelable
// (payment_intent_unexpected_state: it succeeded, or was canceled, meanwhile)
// is answered with the intent as it is now.
func (p *Provider) CancelPayment(ctx context.Context, intentID, idempotencyKey string) (orders.PaymentState, error) {
	pi, err := p.stripe.CancelPaymentIntent(ctx, intentID, stripe.CancelAbandoned, idempotencyKey)
	var se *stripe.Error
	if (errors.As(err, &se) && se.Code == "payment_intent_unexpected_state") || missing(err) {
		return p.Payment(ctx, intentID)
	}
	if err != nil {
		return orders.PaymentState{}, err
	}
	return paymentState(pi), nil
}

// paymentState is an intent in the words of orders' release job.
func paymentState(pi stripe.PaymentIntent) orders.PaymentState {
	out := orders.PaymentState{IntentID: pi.ID, Status: orders.PaymentOpen, AmountReceived: pi.AmountReceived}
	switch pi.Status {
	case stripe.StatusSucceeded:
		out.Status = orders.PaymentSucceeded
	case stripe.StatusProcessing, stripe.StatusRequiresCapture:
		// Money on its way, or authorised and awaiting capture: either may
		// still be taken, so the goods stay held.
		out.Status = orders.PaymentProcessing
	case stripe.StatusCanceled:
		out.Status = orders.PaymentCanceled
	}
	return out
}
