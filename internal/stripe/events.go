package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/trove-platform/trove/internal/platform/money"
)

// Event types Trove handles (Stripe's names).
const (
	EventPaymentIntentSucceeded     = "payment_intent.succeeded"
	EventPaymentIntentPaymentFailed = "payment_intent.payment_failed"
	EventPaymentIntentCanceled      = "payment_intent.canceled"
	EventChargeRefunded             = "charge.refunded"
	EventRefundCreated              = "refund.created"
	EventRefundUpdated              = "refund.updated"
	EventChargeDisputeCreated       = "charge.dispute.created"
	EventInvoicePaid                = "invoice.paid"
	EventInvoicePaymentFailed       = "invoice.payment_failed"
	EventSubscriptionDeleted        = "customer.subscription.deleted"
	EventSubscriptionUpdated        = "customer.subscription.updated"

	// Connect (2023-10-16): account.updated when a connected account's
	// onboarding, capabilities or payouts change; transfer.reversed for every
	// reversal, partial ones included; transfer.updated for a change of
	// description or metadata.
	EventAccountUpdated   = "account.updated"
	EventTransferCreated  = "transfer.created"
	EventTransferReversed = "transfer.reversed"
	EventTransferUpdated  = "transfer.updated"
)

// SignatureTolerance is how far a delivery's signing time may be from now.
const SignatureTolerance = 300 * time.Second

var (
	// ErrSignature: a delivery's Stripe-Signature is missing, malformed, made
	// with none of the configured secrets, or signed more than 300 s from now
	// (a replay). Answer 400 and record nothing. Test with errors.Is.
	ErrSignature = errors.New("stripe: webhook signature check failed")
	// ErrAPIVersion: a correctly signed event rendered at an API version other
	// than APIVersion (2023-10-16). stripe-go v76 refuses such events, and so
	// do we: register the webhook endpoint at APIVersion. Retrying will not
	// help; answer 400 so it shows in the Stripe dashboard.
	ErrAPIVersion = errors.New("stripe: event of another API version")
)

// Event is a verified webhook event. Dedupe on ID (evt_…): Stripe delivers
// an event more than once and in no particular order.
type Event struct {
	ID         string
	Type       string // payment_intent.succeeded, …
	APIVersion string
	Account    string // the connected account it came from; "" for the platform's own
	Livemode   bool
	Created    time.Time
	Object     json.RawMessage // data.object: the object as the API renders it
}

// ParseEvent checks a delivery's Stripe-Signature header ("t=…,v1=…", HMAC-
// SHA256 of "t.body") against every configured webhook secret, with a
// tolerance of 300 s measured on the injected clock, and returns the event.
// An error wrapping ErrSignature means the delivery is not from Stripe (or is
// a stale replay); one wrapping ErrAPIVersion means the endpoint is registered
// at the wrong version: events are not read with IgnoreAPIVersionMismatch.
func (c *Client) ParseEvent(body []byte, signatureHeader string) (Event, error) {
	if len(c.secrets) == 0 {
		return Event{}, errors.New("stripe: no webhook secret configured")
	}
	ts, sigs, err := parseSignatureHeader(signatureHeader)
	if err != nil {
		return Event{}, err
	}
	secret := ""
	for _, s := range c.secrets {
		want := computeSignature(ts, body, s)
		for _, sig := range sigs {
			if hmac.Equal(want, sig) {
				secret = s
			}
		}
	}
	if secret == "" {
		return Event{}, fmt.Errorf("%w: no v1 signature matches a configured secret", ErrSignature)
	}
	now := c.clock.Now()
	if d := now.Sub(ts); d > SignatureTolerance || d < -SignatureTolerance {
		return Event{}, fmt.Errorf("%w: signed at %s, more than %s from now (%s)", ErrSignature,
			ts.UTC().Format(time.RFC3339), SignatureTolerance, now.UTC().Format(time.RFC3339))
	}

	var head struct {
		ID         string `json:"id"`
		Object     string `json:"object"`
		APIVersion string `json:"api_version"`
		Data       *struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return Event{}, fmt.Errorf("stripe: event body is not JSON: %w", err)
	}
	if head.Object != "event" || !strings.HasPrefix(head.ID, "evt_") || head.Data == nil || len(head.Data.Object) == 0 {
		return Event{}, fmt.Errorf("stripe: body is not an event (object %q, id %q)", head.Object, head.ID)
	}
	if head.APIVersion != stripego.APIVersion {
		return Event{}, fmt.Errorf("%w: event %s is rendered at %q, but stripe-go v76 reads %s: register the webhook endpoint at API version %s",
			ErrAPIVersion, head.ID, head.APIVersion, stripego.APIVersion, stripego.APIVersion)
	}
	// stripe-go makes its own checks (signature, API version), with the
	// tolerance already checked above on our clock.
	ev, err := webhook.ConstructEventWithOptions(body, signatureHeader, secret, webhook.ConstructEventOptions{IgnoreTolerance: true})
	if err != nil {
		if ev.APIVersion != "" && ev.APIVersion != stripego.APIVersion {
			return Event{}, fmt.Errorf("%w: %s", ErrAPIVersion, err.Error())
		}
		return Event{}, fmt.Errorf("stripe: event %s: %s", head.ID, err.Error())
	}
	return Event{
		ID: ev.ID, Type: string(ev.Type), APIVersion: ev.APIVersion, Account: ev.Account, Livemode: ev.Livemode,
		Created: unixTime(ev.Created), Object: append(json.RawMessage(nil), head.Data.Object...),
	}, nil
}

// parseSignatureHeader reads "t=1700000000,v1=hex,v1=hex,v0=…": the signing
// time and every v1 signature (several while a secret is being rolled).
func parseSignatureHeader(h string) (time.Time, [][]byte, error) {
	if strings.TrimSpace(h) == "" {
		return time.Time{}, nil, fmt.Errorf("%w: no Stripe-Signature header", ErrSignature)
	}
	var ts time.Time
	var sigs [][]byte
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return time.Time{}, nil, fmt.Errorf("%w: malformed Stripe-Signature header", ErrSignature)
		}
		switch k {
		case "t":
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, nil, fmt.Errorf("%w: malformed timestamp in Stripe-Signature header", ErrSignature)
			}
			ts = time.Unix(sec, 0)
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	if ts.IsZero() {
		return time.Time{}, nil, fmt.Errorf("%w: no timestamp in Stripe-Signature header", ErrSignature)
	}
	if len(sigs) == 0 {
		return time.Time{}, nil, fmt.Errorf("%w: no v1 signature in Stripe-Signature header", ErrSignature)
	}
	return ts, sigs, nil
}

func computeSignature(t time.Time, body []byte, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t.Unix(), 10)))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// SignatureHeader returns a Stripe-Signature header value for body signed
// with secret at t, as Stripe makes it. For tests and the bench.
func SignatureHeader(body []byte, secret string, t time.Time) string {
	return "t=" + strconv.FormatInt(t.Unix(), 10) + ",v1=" + hex.EncodeToString(computeSignature(t, body, secret))
}

// decodeObject checks that the event's object is of kind and decodes it.
func (e Event) decodeObject(kind string, v any) error {
	var head struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(e.Object, &head); err != nil {
		return fmt.Errorf("stripe: event %s: data.object: %w", e.ID, err)
	}
	if head.Object != kind {
		return fmt.Errorf("stripe: event %s (%s) is about a %q, not a %s", e.ID, e.Type, head.Object, kind)
	}
	if err := json.Unmarshal(e.Object, v); err != nil {
		return fmt.Errorf("stripe: event %s: %s: %w", e.ID, kind, err)
	}
	return nil
}

// PaymentIntent reads a payment_intent.* event's object. The snapshot may be
// stale by the time it arrives: where order matters, GetPaymentIntent.
func (e Event) PaymentIntent() (PaymentIntent, error) {
	var pi stripego.PaymentIntent
	if err := e.decodeObject("payment_intent", &pi); err != nil {
		return PaymentIntent{}, err
	}
	return paymentIntentFrom(&pi)
}

// Charge is a charge as events show it (charge.refunded, charge.succeeded, …).
type Charge struct {
	ID              string
	PaymentIntentID string
	Status          string // succeeded, pending, failed
	Amount          money.Money
	AmountRefunded  money.Money // in all, over every refund so far
	Refunded        bool        // fully refunded
	Disputed        bool
	TransferGroup   string
	FailureCode     string
	FailureMessage  string
	Metadata        map[string]string
	Created         time.Time
}

// Charge reads a charge.* event's object (not charge.dispute.*: see Dispute).
func (e Event) Charge() (Charge, error) {
	var ch stripego.Charge
	if err := e.decodeObject("charge", &ch); err != nil {
		return Charge{}, err
	}
	var a amounts
	out := Charge{
		ID: ch.ID, Status: string(ch.Status), Amount: a.one(ch.Amount, ch.Currency),
		AmountRefunded: a.one(ch.AmountRefunded, ch.Currency), Refunded: ch.Refunded, Disputed: ch.Disputed,
		TransferGroup: ch.TransferGroup, FailureCode: ch.FailureCode, FailureMessage: ch.FailureMessage,
		Metadata: copyMetadata(ch.Metadata), Created: unixTime(ch.Created),
	}
	if ch.PaymentIntent != nil {
		out.PaymentIntentID = ch.PaymentIntent.ID
	}
	if a.err != nil {
		return Charge{}, fmt.Errorf("stripe: charge %s: %w", ch.ID, a.err)
	}
	return out, nil
}

// Refund reads a refund.* event's object.
func (e Event) Refund() (Refund, error) {
	var r stripego.Refund
	if err := e.decodeObject("refund", &r); err != nil {
		return Refund{}, err
	}
	return refundFrom(&r)
}

// Dispute is a buyer's chargeback on a charge.
type Dispute struct {
	ID              string
	ChargeID        string
	PaymentIntentID string
	Amount          money.Money
	Reason          string // fraudulent, product_not_received, …
	Status          string // warning_needs_response, needs_response, under_review, won, lost, …
	Created         time.Time
}

// Dispute reads a charge.dispute.* event's object.
func (e Event) Dispute() (Dispute, error) {
	var d stripego.Dispute
	if err := e.decodeObject("dispute", &d); err != nil {
		return Dispute{}, err
	}
	var a amounts
	out := Dispute{ID: d.ID, Amount: a.one(d.Amount, d.Currency), Reason: string(d.Reason),
		Status: string(d.Status), Created: unixTime(d.Created)}
	if d.Charge != nil {
		out.ChargeID = d.Charge.ID
	}
	if d.PaymentIntent != nil {
		out.PaymentIntentID = d.PaymentIntent.ID
	}
	if a.err != nil {
		return Dispute{}, fmt.Errorf("stripe: dispute %s: %w", d.ID, a.err)
	}
	return out, nil
}

// Invoice billing reasons Trove looks at.
const (
	BillingReasonSubscriptionCreate = "subscription_create"
	BillingReasonSubscriptionCycle  = "subscription_cycle"
)

// Invoice is a subscription period's bill, as invoice.* events show it.
type Invoice struct {
	ID              string
	SubscriptionID  string
	CustomerID      string
	Status          string // draft, open, paid, uncollectible, void
	BillingReason   string // subscription_create, subscription_cycle, …
	AmountDue       money.Money
	AmountPaid      money.Money
	AttemptCount    int
	PaymentIntentID string
	ChargeID        string
	// SubscriptionMetadata is the subscription's metadata when the invoice was
	// finalized (Trove's plan id travels there).
	SubscriptionMetadata map[string]string
	// PeriodStart and PeriodEnd are the service period the invoice bills
	// (its first line's period): one order per distinct period.
	PeriodStart time.Time
	PeriodEnd   time.Time
	Created     time.Time
}

// Invoice reads an invoice.* event's object.
func (e Event) Invoice() (Invoice, error) {
	var in stripego.Invoice
	if err := e.decodeObject("invoice", &in); err != nil {
		return Invoice{}, err
	}
	var a amounts
	out := Invoice{
		ID: in.ID, Status: string(in.Status), BillingReason: string(in.BillingReason),
		AmountDue: a.one(in.AmountDue, in.Currency), AmountPaid: a.one(in.AmountPaid, in.Currency),
		AttemptCount: int(in.AttemptCount), Created: unixTime(in.Created),
		PeriodStart: unixTime(in.PeriodStart), PeriodEnd: unixTime(in.PeriodEnd),
	}
	if in.Subscription != nil {
		out.SubscriptionID = in.Subscription.ID
	}
	if in.Customer != nil {
		out.CustomerID = in.Customer.ID
	}
	if in.PaymentIntent != nil {
		out.PaymentIntentID = in.PaymentIntent.ID
	}
	if in.Charge != nil {
		out.ChargeID = in.Charge.ID
	}
	if in.SubscriptionDetails != nil {
		out.SubscriptionMetadata = copyMetadata(in.SubscriptionDetails.Metadata)
	}
	if in.Lines != nil && len(in.Lines.Data) > 0 && in.Lines.Data[0].Period != nil {
		out.PeriodStart = unixTime(in.Lines.Data[0].Period.Start)
		out.PeriodEnd = unixTime(in.Lines.Data[0].Period.End)
	}
	if a.err != nil {
		return Invoice{}, fmt.Errorf("stripe: invoice %s: %w", in.ID, a.err)
	}
	return out, nil
}

// Subscription reads a customer.subscription.* event's object.
func (e Event) Subscription() (Subscription, error) {
	var s stripego.Subscription
	if err := e.decodeObject("subscription", &s); err != nil {
		return Subscription{}, err
	}
	return subscriptionFrom(&s), nil
}

// AccountObject reads an account.* event's object, the connected account.
// (Event.Account is a field: the account an event came from, "" for the
// platform's own events, which is where account.updated arrives for a
// platform's Express accounts.) The snapshot may be stale: GetAccount when
// order matters.
func (e Event) AccountObject() (Account, error) {
	var a stripego.Account
	if err := e.decodeObject("account", &a); err != nil {
		return Account{}, err
	}
	return accountFrom(&a), nil
}

// Transfer reads a transfer.* event's object.
func (e Event) Transfer() (Transfer, error) {
	var t stripego.Transfer
	if err := e.decodeObject("transfer", &t); err != nil {
		return Transfer{}, err
	}
	return transferFrom(&t)
}
