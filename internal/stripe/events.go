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
	EventChargeRefundUpdated        = "charge.refund.updated"
	EventRefundCreated              = "refund.created"
	EventRefundUpdated              = "refund.updated"
	EventRefundFailed               = "refund.failed"
	EventChargeDisputeCreated       = "charge.dispute.created"
	EventChargeDisputeUpdated       = "charge.dispute.updated"
	// Most disputes take the disputed amount from the platform's balance
	// at once (funds_withdrawn) and give it back if the dispute is won
	// (funds_reinstated); closed says how it ended (won, lost).
	EventChargeDisputeFundsWithdrawn  = "charge.dispute.funds_withdrawn"
	EventChargeDisputeFundsReinstated = "charge.dispute.funds_reinstated"
	EventChargeDisputeClosed          = "charge.dispute.closed"
	EventInvoicePaid                  = "invoice.paid"
	EventInvoicePaymentFailed         = "invoice.payment_failed"
	EventSubscriptionDeleted          = "customer.subscription.deleted"
	EventSubscriptionUpdated          = "customer.subscription.updated"

	// Connect (2023-10-16): account.updated when a connected account's
	// onboarding, capabilities or payouts change, sent to Connect endpoints
	// with "account" set; transfer.reversed for every reversal, partial ones
	// included, and transfer.updated for a change of description or
	// metadata, both about the platform's own transfers (no "account").
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
	// ErrLivemode: a correctly signed event of the other mode than the
	// secret key's (a test event with a live key, or the reverse): an
	// endpoint of the other mode signs with a secret configured here by
	// mistake. Nothing it names exists for this key: answer 400, record
	// nothing.
	ErrLivemode = errors.New("stripe: event of the other mode (test or live) than the secret key")
)

// Event is a Stripe event in our words: its envelope and the object it is
// about (data.object), decoded once into our type for that object. Dedupe on
// ID (evt_…): Stripe delivers an event more than once and in no particular
// order. The object is a snapshot that may be stale by the time the event
// arrives: where order matters, re-read it (GetPaymentIntent, GetAccount, …).
type Event struct {
	ID         string
	Type       string // payment_intent.succeeded, …
	APIVersion string
	Account    string // the connected account it came from; "" for the platform's own
	Livemode   bool
	Created    time.Time
	// ObjectType is what data.object is: payment_intent, charge, refund,
	// dispute, invoice, subscription, account, transfer, or another kind
	// Trove reads nothing of.
	ObjectType string

	object    any   // PaymentIntent, Charge, Refund, Dispute, Invoice, Subscription, Account or Transfer
	objectErr error // why data.object did not read as its kind
}

// Event families: the groups of event types Trove follows up. Ingress
// (webhooks.HandleStripe) enqueues one job kind per family, and
// cmd/trove/jobs.go hands each family to its follower.
const (
	// FamilyPaymentIntent: payment_intent.*, a checkout's payment.
	FamilyPaymentIntent = "payment_intent"
	// FamilyRefund: charge.refunded, charge.refund.updated, refund.created,
	// refund.updated, refund.failed.
	FamilyRefund = "refund"
	// FamilyDispute: charge.dispute.created, .updated, .funds_withdrawn,
	// .funds_reinstated and .closed.
	FamilyDispute = "dispute"
	// FamilyBilling: invoice.paid, invoice.payment_failed,
	// customer.subscription.updated, customer.subscription.deleted (plans).
	FamilyBilling = "billing"
	// FamilyAccount: account.updated (Connect accounts; it arrives on the
	// Connect endpoint, with "account" set).
	FamilyAccount = "account"
	// FamilyTransfer: transfer.reversed (the platform's transfers to
	// connected accounts: a reversal Trove made, or one made outside it).
	FamilyTransfer = "transfer"
)

// Families lists the event families, in the order of the constants.
func Families() []string {
	return []string{FamilyPaymentIntent, FamilyRefund, FamilyDispute, FamilyBilling, FamilyAccount, FamilyTransfer}
}

// PlatformEvents are the event types the platform's webhook endpoint
// subscribes to (trove stripe setup-webhooks): every type a family follows
// that Stripe sends about the platform's own objects. refund.failed, which
// the refund family also reads, is not among Stripe's event types at
// 2023-10-16: a failed refund arrives there as refund.updated and
// charge.refund.updated.
func PlatformEvents() []string {
	return []string{
		EventPaymentIntentSucceeded, EventPaymentIntentPaymentFailed, EventPaymentIntentCanceled,
		EventChargeRefunded, EventChargeRefundUpdated, EventRefundCreated, EventRefundUpdated,
		EventChargeDisputeCreated, EventChargeDisputeUpdated, EventChargeDisputeFundsWithdrawn,
		EventChargeDisputeFundsReinstated, EventChargeDisputeClosed,
		EventInvoicePaid, EventInvoicePaymentFailed, EventSubscriptionUpdated, EventSubscriptionDeleted,
		EventTransferReversed,
	}
}

// ConnectEvents are the event types the Connect endpoint subscribes to:
// what Stripe sends about connected accounts that Trove follows.
func ConnectEvents() []string {
	return []string{EventAccountUpdated}
}

// Family names the family of an event type, or "" for a type Trove does not
// follow (it is recorded, and nothing more).
func Family(eventType string) string {
	switch eventType {
	case EventChargeRefunded, EventChargeRefundUpdated, EventRefundCreated, EventRefundUpdated, EventRefundFailed:
		return FamilyRefund
	case EventChargeDisputeCreated, EventChargeDisputeUpdated, EventChargeDisputeFundsWithdrawn,
		EventChargeDisputeFundsReinstated, EventChargeDisputeClosed:
		return FamilyDispute
	case EventInvoicePaid, EventInvoicePaymentFailed, EventSubscriptionUpdated, EventSubscriptionDeleted:
		return FamilyBilling
	case EventAccountUpdated:
		return FamilyAccount
	case EventTransferReversed:
		return FamilyTransfer
	}
	if strings.HasPrefix(eventType, "payment_intent.") {
		return FamilyPaymentIntent
	}
	return ""
}

// Family names the event's family (see Family).
func (e Event) Family() string { return Family(e.Type) }

// ParseEvent checks a delivery to the platform's endpoint: its
// Stripe-Signature header ("t=…,v1=…", HMAC-SHA256 of "t.body") against
// every configured webhook secret, with a tolerance of 300 s measured on the
// injected clock, and returns the event (DecodeEvent). An error wrapping
// ErrSignature means the delivery is not from Stripe (or is a stale replay);
// one wrapping ErrAPIVersion means the endpoint is registered at the wrong
// version: events are not read with IgnoreAPIVersionMismatch; one wrapping
// ErrLivemode means the event is of the other mode than the secret key. An
// object that does not read as its kind is no error here (see DecodeEvent).
// Which endpoint may receive which events (Connect events carry "account")
// is the ingress's to check.
func (c *Client) ParseEvent(body []byte, signatureHeader string) (Event, error) {
	if len(c.secrets) == 0 {
		return Event{}, errors.New("stripe: no webhook secret configured")
	}
	return c.parseEvent(body, signatureHeader, c.secrets)
}

// ParseConnectEvent is ParseEvent for a delivery to the Connect endpoint,
// checked against the Connect endpoint's secrets.
func (c *Client) ParseConnectEvent(body []byte, signatureHeader string) (Event, error) {
	if len(c.connectSecrets) == 0 {
		return Event{}, errors.New("stripe: no Connect webhook secret configured")
	}
	return c.parseEvent(body, signatureHeader, c.connectSecrets)
}

func (c *Client) parseEvent(body []byte, signatureHeader string, secrets []string) (Event, error) {
	ts, sigs, err := parseSignatureHeader(signatureHeader)
	if err != nil {
		return Event{}, err
	}
	secret := ""
	for _, s := range secrets {
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
	ev, err := DecodeEvent(body)
	if err != nil {
		return Event{}, err
	}
	if ev.APIVersion != stripego.APIVersion {
		return Event{}, fmt.Errorf("%w: event %s is rendered at %q, but stripe-go v76 reads %s: register the webhook endpoint at API version %s (trove stripe setup-webhooks)",
			ErrAPIVersion, ev.ID, ev.APIVersion, stripego.APIVersion, stripego.APIVersion)
	}
	if ev.Livemode != c.live {
		return Event{}, fmt.Errorf("%w: event %s has livemode %t, the secret key is a %s key: the endpoint's secret belongs to the other mode's endpoint",
			ErrLivemode, ev.ID, ev.Livemode, modeName(c.live))
	}
	// stripe-go makes its own checks (signature, API version), with the
	// tolerance already checked above on our clock.
	sev, err := webhook.ConstructEventWithOptions(body, signatureHeader, secret, webhook.ConstructEventOptions{IgnoreTolerance: true})
	if err != nil {
		if sev.APIVersion != "" && sev.APIVersion != stripego.APIVersion {
			return Event{}, fmt.Errorf("%w: %s", ErrAPIVersion, err.Error())
		}
		return Event{}, fmt.Errorf("stripe: event %s: %s", ev.ID, err.Error())
	}
	return ev, nil
}

func modeName(live bool) string {
	if live {
		return "live-mode"
	}
	return "test-mode"
}

// DecodeEvent reads an event as Stripe sent it (and as webhook_events keeps
// it once ParseEvent verified it) into our words, once: the envelope, and
// data.object as our type for its kind. A body that is not an event is an
// error. An object that does not read as its kind is not: the event is
// returned, and the object's accessor answers why, so that ingress records
// the event and its follow-up fails where operators see it.
func DecodeEvent(body []byte) (Event, error) {
	var head struct {
		ID         string `json:"id"`
		Object     string `json:"object"`
		Type       string `json:"type"`
		APIVersion string `json:"api_version"`
		Account    string `json:"account"`
		Livemode   bool   `json:"livemode"`
		Created    int64  `json:"created"`
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
	ev := Event{ID: head.ID, Type: head.Type, APIVersion: head.APIVersion, Account: head.Account, Livemode: head.Livemode,
		Created: unixTime(head.Created)}
	var kind struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(head.Data.Object, &kind); err != nil {
		ev.objectErr = fmt.Errorf("stripe: event %s: data.object: %w", ev.ID, err)
		return ev, nil
	}
	ev.ObjectType = kind.Object
	ev.object, ev.objectErr = decodeObject(kind.Object, head.Data.Object)
	if ev.objectErr != nil {
		ev.objectErr = fmt.Errorf("stripe: event %s (%s): %s: %w", ev.ID, ev.Type, kind.Object, ev.objectErr)
	}
	return ev, nil
}

// decodeObject reads an event's object of a kind Trove reads into our type
// for it; other kinds are nil.
func decodeObject(kind string, raw json.RawMessage) (any, error) {
	switch kind {
	case "payment_intent":
		var pi stripego.PaymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil {
			return nil, err
		}
		return paymentIntentFrom(&pi)
	case "charge":
		var ch stripego.Charge
		if err := json.Unmarshal(raw, &ch); err != nil {
			return nil, err
		}
		return chargeFrom(&ch)
	case "refund":
		var r stripego.Refund
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, err
		}
		return refundFrom(&r)
	case "dispute":
		var d stripego.Dispute
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, err
		}
		return disputeFrom(&d)
	case "invoice":
		var in stripego.Invoice
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, err
		}
		return invoiceFrom(&in)
	case "subscription":
		var s stripego.Subscription
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return subscriptionFrom(&s), nil
	case "account":
		var a stripego.Account
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return accountFrom(&a), nil
	case "transfer":
		var t stripego.Transfer
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, err
		}
		return transferFrom(&t)
	}
	return nil, nil
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

// objectAs returns the event's object if it is of kind (our type T).
func objectAs[T any](e Event, kind string) (T, error) {
	var zero T
	if e.ObjectType != kind {
		return zero, fmt.Errorf("stripe: event %s (%s) is about a %q, not a %s", e.ID, e.Type, e.ObjectType, kind)
	}
	if e.objectErr != nil {
		return zero, e.objectErr
	}
	v, ok := e.object.(T)
	if !ok {
		return zero, fmt.Errorf("stripe: event %s (%s): no %s was read", e.ID, e.Type, kind)
	}
	return v, nil
}

// PaymentIntent is a payment_intent.* event's object. It may be stale by the
// time it arrives: where order matters, GetPaymentIntent.
func (e Event) PaymentIntent() (PaymentIntent, error) {
	return objectAs[PaymentIntent](e, "payment_intent")
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
	// Refunds are the refunds the charge lists: an event's charge lists none
	// at API version 2023-10-16, older versions (or an expanded charge) do.
	Refunds []Refund
	Created time.Time
}

// Charge is a charge.* event's object (not charge.dispute.*: see Dispute;
// not charge.refund.*: see Refund).
func (e Event) Charge() (Charge, error) {
	return objectAs[Charge](e, "charge")
}

func chargeFrom(ch *stripego.Charge) (Charge, error) {
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
	if ch.Refunds != nil {
		for _, r := range ch.Refunds.Data {
			rf, err := refundFrom(r)
			if err != nil {
				return Charge{}, fmt.Errorf("stripe: charge %s: %w", ch.ID, err)
			}
			out.Refunds = append(out.Refunds, rf)
		}
	}
	return out, nil
}

// Refund is a refund.* (or charge.refund.updated) event's object.
func (e Event) Refund() (Refund, error) {
	return objectAs[Refund](e, "refund")
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

// Dispute is a charge.dispute.* event's object.
func (e Event) Dispute() (Dispute, error) {
	return objectAs[Dispute](e, "dispute")
}

func disputeFrom(d *stripego.Dispute) (Dispute, error) {
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

// Invoice is an invoice.* event's object.
func (e Event) Invoice() (Invoice, error) {
	return objectAs[Invoice](e, "invoice")
}

func invoiceFrom(in *stripego.Invoice) (Invoice, error) {
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

// Subscription is a customer.subscription.* event's object.
func (e Event) Subscription() (Subscription, error) {
	return objectAs[Subscription](e, "subscription")
}

// AccountObject is an account.* event's object, the connected account.
// (Event.Account is a field: the account an event came from, "" for the
// platform's own events. account.updated about a connected account arrives
// on the Connect endpoint with Account set to that account.) The snapshot
// may be stale: GetAccount when order matters.
func (e Event) AccountObject() (Account, error) {
	return objectAs[Account](e, "account")
}

// Transfer is a transfer.* event's object.
func (e Event) Transfer() (Transfer, error) {
	return objectAs[Transfer](e, "transfer")
}
