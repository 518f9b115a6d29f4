package stripe

import (
	"context"
	"fmt"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/trove-platform/trove/internal/platform/money"
)

// PaymentIntent statuses, as Stripe names them.
const (
	StatusRequiresPaymentMethod = "requires_payment_method"
	StatusRequiresConfirmation  = "requires_confirmation"
	StatusRequiresAction        = "requires_action"
	StatusProcessing            = "processing"
	StatusRequiresCapture       = "requires_capture"
	StatusSucceeded             = "succeeded"
	StatusCanceled              = "canceled"
)

// PaymentIntent is one attempt to collect one amount from a buyer.
type PaymentIntent struct {
	ID     string
	Status string // one of the Status… constants
	// ClientSecret lets the buyer's browser confirm this intent (Stripe.js, or
	// the sandbox card form). Hand it to that buyer only; never log it.
	ClientSecret   string
	TransferGroup  string // Trove's order id: ties the vendors' transfers to this payment
	LatestChargeID string // ch_…, once a confirmation made a charge
	CustomerID     string
	// InvoiceID is set when Stripe Billing made this intent to pay a
	// subscription invoice: such intents carry no order metadata.
	InvoiceID      string
	Amount         money.Money
	AmountReceived money.Money
	Metadata       map[string]string
	// LastErrorCode and LastErrorMessage tell why the last confirmation failed
	// (card_declined, "Your card was declined."); empty otherwise.
	LastErrorCode      string
	LastErrorMessage   string
	CancellationReason string
	Created            time.Time
}

// CreatePaymentIntent creates an intent to collect amount, with automatic
// payment methods, transfer_group (the order id, for the vendors' transfers
// later) and metadata (the order id, so events lead back to the order).
// customerID may be empty.
func (c *Client) CreatePaymentIntent(ctx context.Context, amount money.Money, transferGroup string, metadata map[string]string, customerID, idempotencyKey string) (PaymentIntent, error) {
	const op = "create payment intent"
	if err := needKey(op, idempotencyKey); err != nil {
		return PaymentIntent{}, err
	}
	if err := chargeable(op, amount); err != nil {
		return PaymentIntent{}, err
	}
	a, cur, err := toStripeAmount(amount)
	if err != nil {
		return PaymentIntent{}, err
	}
	p := &stripego.PaymentIntentParams{
		Amount:                  stripego.Int64(a),
		Currency:                stripego.String(cur),
		AutomaticPaymentMethods: &stripego.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripego.Bool(true)},
	}
	if transferGroup != "" {
		p.TransferGroup = stripego.String(transferGroup)
	}
	if customerID != "" {
		p.Customer = stripego.String(customerID)
	}
	if len(metadata) > 0 {
		p.Metadata = copyMetadata(metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	pi, err := c.api.PaymentIntents.New(p)
	if err != nil {
		return PaymentIntent{}, wrap(op, err)
	}
	return paymentIntentFrom(pi)
}

// GetPaymentIntent reads an intent as Stripe holds it now: what handlers
// re-read when the order of events matters.
func (c *Client) GetPaymentIntent(ctx context.Context, id string) (PaymentIntent, error) {
	const op = "get payment intent"
	if id == "" {
		return PaymentIntent{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.PaymentIntentParams{}
	withContext(ctx, &p.Params, "")
	pi, err := c.api.PaymentIntents.Get(id, p)
	if err != nil {
		return PaymentIntent{}, wrap(op, err)
	}
	return paymentIntentFrom(pi)
}

// Cancellation reasons Stripe accepts (CancelPaymentIntent).
const (
	CancelAbandoned           = "abandoned" // the buyer did not pay in time: Trove's expiry
	CancelDuplicate           = "duplicate"
	CancelFraudulent          = "fraudulent"
	CancelRequestedByCustomer = "requested_by_customer"
)

// CancelPaymentIntent cancels an intent that has not succeeded (an order
// abandoned or expired), with reason (one of the Cancel… constants, or ""
// for none): the intent can never be confirmed after it, so no money can
// arrive on it. Stripe answers payment_intent_unexpected_state for one that
// has succeeded or is already canceled.
func (c *Client) CancelPaymentIntent(ctx context.Context, id, reason, idempotencyKey string) (PaymentIntent, error) {
	const op = "cancel payment intent"
	if err := needKey(op, idempotencyKey); err != nil {
		return PaymentIntent{}, err
	}
	if id == "" {
		return PaymentIntent{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.PaymentIntentCancelParams{}
	if reason != "" {
		p.CancellationReason = stripego.String(reason)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	pi, err := c.api.PaymentIntents.Cancel(id, p)
	if err != nil {
		return PaymentIntent{}, wrap(op, err)
	}
	return paymentIntentFrom(pi)
}

func paymentIntentFrom(pi *stripego.PaymentIntent) (PaymentIntent, error) {
	var a amounts
	out := PaymentIntent{
		ID: pi.ID, Status: string(pi.Status), ClientSecret: pi.ClientSecret, TransferGroup: pi.TransferGroup,
		Amount:             a.one(pi.Amount, pi.Currency),
		AmountReceived:     a.one(pi.AmountReceived, pi.Currency),
		Metadata:           copyMetadata(pi.Metadata),
		CancellationReason: string(pi.CancellationReason),
		Created:            unixTime(pi.Created),
	}
	if pi.LatestCharge != nil {
		out.LatestChargeID = pi.LatestCharge.ID
	}
	if pi.Customer != nil {
		out.CustomerID = pi.Customer.ID
	}
	if pi.Invoice != nil {
		out.InvoiceID = pi.Invoice.ID
	}
	if e := pi.LastPaymentError; e != nil {
		out.LastErrorCode, out.LastErrorMessage = string(e.Code), e.Msg
		if out.LastErrorCode == "" {
			out.LastErrorCode = string(e.Type)
		}
	}
	if a.err != nil {
		return PaymentIntent{}, fmt.Errorf("stripe: payment intent %s: %w", pi.ID, a.err)
	}
	return out, nil
}

// Refund is money given back on a payment intent's charge.
type Refund struct {
	ID              string
	PaymentIntentID string
	ChargeID        string
	Status          string // pending, requires_action, succeeded, failed, canceled
	Amount          money.Money
	Metadata        map[string]string
	Created         time.Time
}

// CreateRefund refunds amount (positive; at most what is left unrefunded) of
// a succeeded payment intent. Stripe refuses more than is left with an
// *Error of code amount_too_large (or charge_already_refunded).
func (c *Client) CreateRefund(ctx context.Context, paymentIntentID string, amount money.Money, metadata map[string]string, idempotencyKey string) (Refund, error) {
	const op = "create refund"
	if err := needKey(op, idempotencyKey); err != nil {
		return Refund{}, err
	}
	if paymentIntentID == "" {
		return Refund{}, fmt.Errorf("stripe: %s: payment intent id is required", op)
	}
	if err := chargeable(op, amount); err != nil {
		return Refund{}, err
	}
	a, _, err := toStripeAmount(amount)
	if err != nil {
		return Refund{}, err
	}
	p := &stripego.RefundParams{PaymentIntent: stripego.String(paymentIntentID), Amount: stripego.Int64(a)}
	if len(metadata) > 0 {
		p.Metadata = copyMetadata(metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	r, err := c.api.Refunds.New(p)
	if err != nil {
		return Refund{}, wrap(op, err)
	}
	return refundFrom(r)
}

func refundFrom(r *stripego.Refund) (Refund, error) {
	amount, err := fromStripeAmount(r.Amount, r.Currency)
	if err != nil {
		return Refund{}, fmt.Errorf("stripe: refund %s: %w", r.ID, err)
	}
	out := Refund{ID: r.ID, Status: string(r.Status), Amount: amount,
		Metadata: copyMetadata(r.Metadata), Created: unixTime(r.Created)}
	if r.PaymentIntent != nil {
		out.PaymentIntentID = r.PaymentIntent.ID
	}
	if r.Charge != nil {
		out.ChargeID = r.Charge.ID
	}
	return out, nil
}

// Dispute statuses, as Stripe names them at 2023-10-16. won, lost and
// warning_closed (an inquiry that never became a chargeback) are final.
const (
	DisputeWarningNeedsResponse = "warning_needs_response"
	DisputeWarningUnderReview   = "warning_under_review"
	DisputeWarningClosed        = "warning_closed"
	DisputeNeedsResponse        = "needs_response"
	DisputeUnderReview          = "under_review"
	DisputeWon                  = "won"
	DisputeLost                 = "lost"
)

// GetDispute reads a dispute as Stripe holds it now: what the dispute
// follow-up re-reads, since its events come late and out of order.
func (c *Client) GetDispute(ctx context.Context, id string) (Dispute, error) {
	const op = "get dispute"
	if id == "" {
		return Dispute{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.DisputeParams{}
	withContext(ctx, &p.Params, "")
	d, err := c.api.Disputes.Get(id, p)
	if err != nil {
		return Dispute{}, wrap(op, err)
	}
	return disputeFrom(d)
}
