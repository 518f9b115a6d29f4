package payments

import (
	"context"

	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/webhooks"
)

// Starter starts checkouts' payments with Stripe (orders.PaymentStarter):
// separate charges and transfers, so every intent carries transfer_group =
// the order id, and the order id in its metadata.
type Starter struct {
	stripe *stripe.Client
}

// NewStarter returns a Starter.
func NewStarter(sc *stripe.Client) *Starter { return &Starter{stripe: sc} }

// StartPayment creates the order's PaymentIntent (the same one again for the
// same idempotency key).
func (s *Starter) StartPayment(ctx context.Context, orderID string, amount money.Money, idempotencyKey string) (string, string, error) {
	pi, err := s.stripe.CreatePaymentIntent(ctx, amount, orderID, map[string]string{"order_id": orderID}, "", idempotencyKey)
	if err != nil {
		return "", "", err
	}
	return pi.ID, pi.ClientSecret, nil
}

// ClientSecret re-reads an intent's client secret (Trove never stores it).
func (s *Starter) ClientSecret(ctx context.Context, intentID string) (string, error) {
	pi, err := s.stripe.GetPaymentIntent(ctx, intentID)
	return pi.ClientSecret, err
}

// Verifier checks Stripe's webhook signatures for the ingress.
type Verifier struct {
	stripe *stripe.Client
}

// NewVerifier returns a Verifier.
func NewVerifier(sc *stripe.Client) *Verifier { return &Verifier{stripe: sc} }

// VerifyStripe checks the signature (tolerance, every secret, pinned API version).
func (v *Verifier) VerifyStripe(body []byte, signature string) (webhooks.StripeEventInfo, error) {
	ev, err := v.stripe.ParseEvent(body, signature)
	if err != nil {
		return webhooks.StripeEventInfo{}, err
	}
	return webhooks.StripeEventInfo{ID: ev.ID, Type: ev.Type, Account: ev.Account, Created: ev.Created}, nil
}
