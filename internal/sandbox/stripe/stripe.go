// Package stripe is a local Stripe, for tests and `trove serve --sandbox`:
// payment intents, charges, refunds, subscriptions, disputes, Connect
// accounts and transfers, and events delivered signed to a webhook URL, in
// the REST wire format of Trove's adapter (internal/stripe). Importers name
// it sbstripe, beside the adapter.
package stripe

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/sandbox"
)

// Defaults for an empty Config field.
const (
	DefaultSecretKey      = "sk_test_sandbox"
	DefaultPublishableKey = "pk_test_sandbox"
	DefaultWebhookSecret  = "whsec_sandbox"
)

// stripeAPIVersion is the version the stand-in renders objects and events at:
// the one stripe-go v76 pins.
const stripeAPIVersion = "2023-10-16"

// Config configures the Stripe stand-in.
type Config struct {
	SecretKey     string // the API key callers must send (default sk_test_sandbox)
	WebhookSecret string // signs deliveries (default whsec_sandbox)
	// WebhookURL receives every event, signed (Trove's /webhooks/stripe).
	// Empty: events are kept (GET /v1/events/{id}) but not sent.
	WebhookURL string
	// PublishableKey is what a browser sends (default pk_test_sandbox): it
	// may only confirm or read a payment intent, and only with its client
	// secret, as with Stripe.js.
	PublishableKey string
	Clock          clock.Clock
	HTTPClient     *http.Client // for webhook deliveries
	Log            *slog.Logger
}

// Stripe is a local Stripe: payment intents confirmed with test payment
// methods, charges, refunds, customers, products and prices, subscriptions
// billed with invoices, disputes, and events delivered to a webhook URL
// signed as Stripe signs them. It speaks the REST wire format (form-encoded
// requests, Stripe-shaped JSON objects and errors, Idempotency-Key) at API
// version 2023-10-16. Safe for concurrent use.
type Stripe struct {
	cfg     Config
	clock   clock.Clock
	log     *slog.Logger
	hc      *http.Client
	handler http.Handler

	mu         sync.Mutex
	webhookURL string
	intents    map[string]*stripeIntent
	charges    map[string]*stripeCharge
	refunds    map[string]*stripeRefund
	customers  map[string]*stripeCustomer
	products   map[string]*stripeProduct
	prices     map[string]*stripePrice
	subs       map[string]*stripeSub
	invoices   map[string]*stripeInvoice
	disputes   map[string]*stripeDispute
	events     map[string]*stripeEvent
	idem       map[string]*stripeIdem
	invoiceSeq int
	connect    stripeConnect // Connect: accounts, onboarding links, transfers (stripe_connect.go)

	cause      stripeCause    // the API request under way, for events' request field
	outbox     []*stripeEvent // events made under mu, sent once it is released
	deliveries []*Delivery
	dropping   bool // DropDeliveries
	sender     *sandbox.Sender
}

type stripeCause struct{ requestID, idemKey string }

type stripeIntent struct {
	id, currency, status, clientSecret, transferGroup, customer, description string
	amount, amountReceived                                                   int64
	metadata                                                                 map[string]string
	created, canceledAt                                                      time.Time
	latestCharge, paymentMethod, invoice, cancellationReason                 string
	lastError                                                                map[string]any
	automatic                                                                bool
}

type stripeCharge struct {
	id, intent, currency, status, customer, transferGroup, invoice, description string
	paymentMethod, failureCode, failureMessage, balanceTx                       string
	amount, amountRefunded                                                      int64
	refunded, disputed                                                          bool
	metadata                                                                    map[string]string
	card                                                                        stripeCard
	created                                                                     time.Time
}

type stripeRefund struct {
	id, charge, intent, currency, status, reason, balanceTx string
	amount                                                  int64
	metadata                                                map[string]string
	created                                                 time.Time
}

type stripeCustomer struct {
	id, email, name, description, phone, invoicePrefix string
	metadata                                           map[string]string
	created                                            time.Time
}

type stripeProduct struct {
	id, name string
	metadata map[string]string
	created  time.Time
}

type stripePrice struct {
	id, product, currency, interval, nickname string
	unitAmount, intervalCount                 int64 // intervalCount 0: a one-time price
	metadata                                  map[string]string
	created                                   time.Time
}

type stripeSub struct {
	id, customer, price, itemID, status, latestInvoice, cancelReason string
	quantity                                                         int64
	busy                                                             bool // being created or renewed
	metadata                                                         map[string]string
	created, anchor, periodStart, periodEnd, canceledAt              time.Time
	cycle                                                            int // periods billed after the first
}

type stripeInvoice struct {
	id, number, customer, subscription, currency, status, billingReason, intent, charge, lineID string
	amountDue, amountPaid                                                                       int64
	attempts                                                                                    int
	subMetadata                                                                                 map[string]string
	created, periodStart, periodEnd, paidAt                                                     time.Time
}

type stripeDispute struct {
	id, charge, intent, currency, reason, status string
	amount                                       int64
	created                                      time.Time
}

// stripeCard is a test card: what a test payment method stands for.
type stripeCard struct {
	pm, brand, last4, funding string
	declineCode, errCode, msg string // "" declineCode: the charge succeeds
}

// Test payment methods and card numbers, as in Stripe's test mode.
var (
	stripeVisa     = stripeCard{pm: "pm_card_visa", brand: "visa", last4: "4242", funding: "credit"}
	stripeDeclined = stripeCard{pm: "pm_card_chargeDeclined", brand: "visa", last4: "0002", funding: "credit",
		declineCode: "generic_decline", errCode: "card_declined", msg: "Your card was declined."}
	stripeCards = map[string]stripeCard{
		"pm_card_visa":           stripeVisa,
		"pm_card_mastercard":     {pm: "pm_card_mastercard", brand: "mastercard", last4: "4444", funding: "credit"},
		"pm_card_amex":           {pm: "pm_card_amex", brand: "amex", last4: "8431", funding: "credit"},
		"pm_card_chargeDeclined": stripeDeclined,
		"pm_card_chargeDeclinedInsufficientFunds": {pm: "pm_card_chargeDeclinedInsufficientFunds", brand: "visa", last4: "9995", funding: "credit",
			declineCode: "insufficient_funds", errCode: "card_declined", msg: "Your card has insufficient funds."},
		"pm_card_chargeDeclinedExpiredCard": {pm: "pm_card_chargeDeclinedExpiredCard", brand: "visa", last4: "0069", funding: "credit",
			declineCode: "expired_card", errCode: "expired_card", msg: "Your card has expired."},
	}
	stripeCardNumbers = map[string]string{
		"4242424242424242": "pm_card_visa",
		"5555555555554444": "pm_card_mastercard",
		"378282246310005":  "pm_card_amex",
		"4000000000000002": "pm_card_chargeDeclined",
		"4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
		"4000000000000069": "pm_card_chargeDeclinedExpiredCard",
	}
)

// New returns an empty stand-in.
func New(cfg Config) *Stripe {
	if cfg.SecretKey == "" {
		cfg.SecretKey = DefaultSecretKey
	}
	if cfg.PublishableKey == "" {
		cfg.PublishableKey = DefaultPublishableKey
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = DefaultWebhookSecret
	}
	s := &Stripe{
		cfg: cfg, clock: cfg.Clock, log: cfg.Log, hc: cfg.HTTPClient, webhookURL: cfg.WebhookURL,
		intents: map[string]*stripeIntent{}, charges: map[string]*stripeCharge{}, refunds: map[string]*stripeRefund{},
		customers: map[string]*stripeCustomer{}, products: map[string]*stripeProduct{}, prices: map[string]*stripePrice{},
		subs: map[string]*stripeSub{}, invoices: map[string]*stripeInvoice{}, disputes: map[string]*stripeDispute{},
		events: map[string]*stripeEvent{}, idem: map[string]*stripeIdem{}, connect: newStripeConnect(),
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.sender = sandbox.NewSender(stripeRetryDelays, s.log)
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.handler = s.routes()
	return s
}

// Handler serves the stand-in's REST API (paths /v1/…): mount it at the root
// of a test server, or under a prefix with http.StripPrefix.
func (s *Stripe) Handler() http.Handler { return s.handler }

// PublishableKey is the key a browser (the storefront's sandbox card form)
// sends with a client secret.
func (s *Stripe) PublishableKey() string { return s.cfg.PublishableKey }

// SetWebhookURL changes where events are delivered (for a server whose
// address is known only once it listens).
func (s *Stripe) SetWebhookURL(u string) {
	s.mu.Lock()
	s.webhookURL = u
	s.mu.Unlock()
}

// ConfirmPaymentIntent confirms an intent with a test payment method
// (pm_card_visa, pm_card_chargeDeclined, …), as the confirm endpoint does,
// and returns its status. A decline is not an error: the status is
// requires_payment_method and payment_intent.payment_failed is sent.
func (s *Stripe) ConfirmPaymentIntent(id, paymentMethod string) (string, error) {
	s.mu.Lock()
	pi, ok := s.intents[id]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("sandbox stripe: no payment intent %q", id)
	}
	card, ok := stripeCards[paymentMethod]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("sandbox stripe: %q is not a test payment method", paymentMethod)
	}
	serr := s.confirm(pi, card)
	status := pi.status
	s.mu.Unlock()
	s.flush()
	if serr != nil && serr.typ != "card_error" {
		return status, serr
	}
	return status, nil
}

// RenewSubscription starts the subscription's next period: a new invoice
// (billing_reason subscription_cycle) paid at once, so invoice.paid is sent,
// and customer.subscription.updated with the new period. A past_due
// subscription becomes active again. It panics for an unknown subscription
// and does nothing to a canceled one.
func (s *Stripe) RenewSubscription(id string) {
	s.renew(id, true)
}

// FailRenewal starts the subscription's next period with a payment that is
// declined: invoice.payment_failed is sent and the subscription becomes
// past_due (customer.subscription.updated).
func (s *Stripe) FailRenewal(id string) {
	s.renew(id, false)
}

func (s *Stripe) renew(id string, pay bool) {
	s.mu.Lock()
	sub, ok := s.subs[id]
	if !ok {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no subscription %q", id))
	}
	if sub.status == "canceled" || sub.status == "incomplete_expired" {
		s.mu.Unlock()
		s.log.Warn("sandbox stripe: renewal of a subscription that has ended", "subscription", id)
		return
	}
	s.cause = stripeCause{}
	prev := map[string]any{
		"current_period_start": sub.periodStart.Unix(), "current_period_end": sub.periodEnd.Unix(),
		"latest_invoice": sub.latestInvoice,
	}
	oldStatus := sub.status
	sub.cycle++
	sub.periodStart, sub.periodEnd = s.period(sub)
	card := stripeVisa
	if !pay {
		card = stripeDeclined
	}
	sub.busy = true
	s.bill(sub, "subscription_cycle", &card)
	sub.busy = false
	if sub.status != oldStatus {
		prev["status"] = oldStatus
	}
	s.emit("customer.subscription.updated", s.renderSub(sub), prev)
	s.mu.Unlock()
	s.flush()
}

// Dispute opens a dispute (fraudulent, needs_response) on a succeeded
// charge, sends charge.dispute.created, and returns the dispute's id. It
// panics for an unknown charge.
func (s *Stripe) Dispute(chargeID string) string {
	s.mu.Lock()
	ch, ok := s.charges[chargeID]
	if !ok || ch.status != "succeeded" {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no succeeded charge %q", chargeID))
	}
	s.cause = stripeCause{}
	d := &stripeDispute{id: stripeID("dp"), charge: ch.id, intent: ch.intent, currency: ch.currency,
		amount: ch.amount - ch.amountRefunded, reason: "fraudulent", status: "needs_response", created: s.clock.Now()}
	s.disputes[d.id] = d
	ch.disputed = true
	s.emit("charge.dispute.created", s.renderDispute(d), nil)
	s.mu.Unlock()
	s.flush()
	return d.id
}

// The operations below hold s.mu.

// newIntent makes a payment intent and sends payment_intent.created.
func (s *Stripe) newIntent(amount int64, currency, customer string, metadata map[string]string) *stripeIntent {
	id := stripeID("pi")
	pi := &stripeIntent{id: id, amount: amount, currency: currency, customer: customer, metadata: metadata,
		status: "requires_payment_method", clientSecret: id + "_secret_" + stripeRandom(25), created: s.clock.Now()}
	if pi.metadata == nil {
		pi.metadata = map[string]string{}
	}
	s.intents[id] = pi
	return pi
}

// confirm charges the intent's amount to card. A decline comes back as a
// card_error (after the intent and its events are updated); an intent in the
// wrong state as payment_intent_unexpected_state.
func (s *Stripe) confirm(pi *stripeIntent, card stripeCard) *stripeError {
	switch pi.status {
	case "requires_payment_method", "requires_confirmation":
	default:
		msg := fmt.Sprintf("You cannot confirm this PaymentIntent because it has a status of %s.", pi.status)
		if pi.status == "succeeded" {
			msg = "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
		}
		return &stripeError{status: 400, typ: "invalid_request_error", code: "payment_intent_unexpected_state",
			message: msg, intent: pi}
	}
	now := s.clock.Now()
	ch := &stripeCharge{id: stripeID("ch"), intent: pi.id, currency: pi.currency, customer: pi.customer, amount: pi.amount,
		transferGroup: pi.transferGroup, invoice: pi.invoice, description: pi.description, metadata: stripeCopy(pi.metadata),
		paymentMethod: stripeID("pm"), card: card, created: now}
	s.charges[ch.id] = ch
	pi.latestCharge, pi.paymentMethod = ch.id, ch.paymentMethod

	if card.declineCode != "" {
		ch.status, ch.failureCode, ch.failureMessage = "failed", card.errCode, card.msg
		pi.status = "requires_payment_method"
		pi.lastError = map[string]any{
			"type": "card_error", "code": card.errCode, "decline_code": card.declineCode, "message": card.msg,
			"charge": ch.id, "doc_url": "https://stripe.com/docs/error-codes/" + card.errCode,
			"payment_method": s.renderPaymentMethod(ch),
		}
		s.emit("charge.failed", s.renderCharge(ch), nil)
		s.emit("payment_intent.payment_failed", s.renderIntent(pi), nil)
		if inv := s.invoices[pi.invoice]; inv != nil {
			s.invoiceFailed(inv)
		}
		return &stripeError{status: 402, typ: "card_error", code: card.errCode, declineCode: card.declineCode,
			message: card.msg, charge: ch.id, intent: pi}
	}
	ch.status, ch.balanceTx = "succeeded", stripeID("txn")
	pi.status, pi.amountReceived, pi.lastError = "succeeded", pi.amount, nil
	s.emit("charge.succeeded", s.renderCharge(ch), nil)
	s.emit("payment_intent.succeeded", s.renderIntent(pi), nil)
	if inv := s.invoices[pi.invoice]; inv != nil {
		s.invoicePaid(inv, ch)
	}
	return nil
}

// bill makes the invoice of the subscription's current period and, with a
// card, pays it at once; without one it stays open (default_incomplete) for
// the buyer to pay by confirming its intent.
func (s *Stripe) bill(sub *stripeSub, reason string, card *stripeCard) *stripeInvoice {
	pr := s.prices[sub.price]
	cu := s.customers[sub.customer]
	s.invoiceSeq++
	inv := &stripeInvoice{
		id: stripeID("in"), number: fmt.Sprintf("%s-%04d", cu.invoicePrefix, s.invoiceSeq), customer: sub.customer,
		subscription: sub.id, currency: pr.currency, status: "open", billingReason: reason, lineID: stripeID("il"),
		amountDue: pr.unitAmount * sub.quantity, subMetadata: stripeCopy(sub.metadata),
		created: s.clock.Now(), periodStart: sub.periodStart, periodEnd: sub.periodEnd,
	}
	s.invoices[inv.id] = inv
	sub.latestInvoice = inv.id
	pi := s.newIntent(inv.amountDue, inv.currency, sub.customer, nil)
	pi.invoice = inv.id
	pi.description = "Subscription creation"
	if reason == "subscription_cycle" {
		pi.description = "Subscription update"
	}
	inv.intent = pi.id
	s.emit("payment_intent.created", s.renderIntent(pi), nil)
	if card != nil {
		s.confirm(pi, *card)
	}
	return inv
}

// invoicePaid records the invoice paid by ch and brings its subscription
// back to active.
func (s *Stripe) invoicePaid(inv *stripeInvoice, ch *stripeCharge) {
	inv.status, inv.amountPaid, inv.charge, inv.paidAt = "paid", inv.amountDue, ch.id, s.clock.Now()
	inv.attempts++
	sub := s.subs[inv.subscription]
	prev := ""
	if sub != nil && (sub.status == "incomplete" || sub.status == "past_due") {
		prev, sub.status = sub.status, "active"
	}
	s.emit("invoice.paid", s.renderInvoice(inv), nil)
	s.emit("invoice.payment_succeeded", s.renderInvoice(inv), nil)
	s.subStatusChanged(sub, prev)
}

// invoiceFailed records a failed payment attempt; a renewal that fails makes
// the subscription past_due.
func (s *Stripe) invoiceFailed(inv *stripeInvoice) {
	inv.attempts++
	sub := s.subs[inv.subscription]
	prev := ""
	if sub != nil && sub.status == "active" {
		prev, sub.status = sub.status, "past_due"
	}
	s.emit("invoice.payment_failed", s.renderInvoice(inv), nil)
	s.subStatusChanged(sub, prev)
}

// subStatusChanged sends customer.subscription.updated for a status change,
// unless the subscription is being created or renewed: those send one event
// of their own when done.
func (s *Stripe) subStatusChanged(sub *stripeSub, prev string) {
	if sub == nil || prev == "" || sub.busy {
		return
	}
	s.emit("customer.subscription.updated", s.renderSub(sub), map[string]any{"status": prev})
}

// period is the subscription's current period: cycle intervals after the
// anchor, with month ends clamped as Stripe does (Jan 31 -> Feb 28).
func (s *Stripe) period(sub *stripeSub) (time.Time, time.Time) {
	pr := s.prices[sub.price]
	n := int64(sub.cycle)
	return stripeAddInterval(sub.anchor, pr.interval, n*pr.intervalCount), stripeAddInterval(sub.anchor, pr.interval, (n+1)*pr.intervalCount)
}

func stripeAddInterval(t time.Time, interval string, n int64) time.Time {
	switch interval {
	case "day":
		return t.AddDate(0, 0, int(n))
	case "week":
		return t.AddDate(0, 0, 7*int(n))
	case "year":
		n *= 12
	}
	y, m, d := t.Date()
	total := int(m) - 1 + int(n)
	ty, tm := y+total/12, time.Month(total%12+1)
	if last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, t.Location()).Day(); d > last {
		d = last
	}
	return time.Date(ty, tm, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// Rendering: objects as the API returns them at 2023-10-16 (ids for
// related objects; see expand in stripe_http.go).

func stripeNullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func stripeUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func stripeCopy(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Stripe) renderIntent(pi *stripeIntent) map[string]any {
	var apm any
	if pi.automatic {
		apm = map[string]any{"enabled": true, "allow_redirects": "always"}
	}
	var lastErr any
	if pi.lastError != nil {
		lastErr = pi.lastError
	}
	return map[string]any{
		"id": pi.id, "object": "payment_intent", "amount": pi.amount, "amount_capturable": 0,
		"amount_details": map[string]any{"tip": map[string]any{}}, "amount_received": pi.amountReceived,
		"application": nil, "application_fee_amount": nil, "automatic_payment_methods": apm,
		"canceled_at": stripeUnix(pi.canceledAt), "cancellation_reason": stripeNullable(pi.cancellationReason),
		"capture_method": "automatic", "client_secret": pi.clientSecret, "confirmation_method": "automatic",
		"created": pi.created.Unix(), "currency": pi.currency, "customer": stripeNullable(pi.customer),
		"description": stripeNullable(pi.description), "invoice": stripeNullable(pi.invoice),
		"last_payment_error": lastErr, "latest_charge": stripeNullable(pi.latestCharge), "livemode": false,
		"metadata": stripeCopy(pi.metadata), "next_action": nil, "on_behalf_of": nil,
		"payment_method": stripeNullable(pi.paymentMethod), "payment_method_configuration_details": nil,
		"payment_method_options": map[string]any{"card": map[string]any{"installments": nil, "mandate_options": nil,
			"network": nil, "request_three_d_secure": "automatic"}},
		"payment_method_types": []string{"card"}, "processing": nil, "receipt_email": nil, "review": nil,
		"setup_future_usage": nil, "shipping": nil, "source": nil, "statement_descriptor": nil,
		"statement_descriptor_suffix": nil, "status": pi.status, "transfer_data": nil,
		"transfer_group": stripeNullable(pi.transferGroup),
	}
}

func (s *Stripe) renderPaymentMethod(ch *stripeCharge) map[string]any {
	return map[string]any{
		"id": ch.paymentMethod, "object": "payment_method", "type": "card", "created": ch.created.Unix(),
		"customer": nil, "livemode": false, "metadata": map[string]string{},
		"billing_details": map[string]any{"address": nil, "email": nil, "name": nil, "phone": nil},
		"card":            s.renderCard(ch.card),
	}
}

func (s *Stripe) renderCard(c stripeCard) map[string]any {
	return map[string]any{"brand": c.brand, "country": "US", "exp_month": 12, "exp_year": s.clock.Now().Year() + 3,
		"funding": c.funding, "last4": c.last4, "checks": map[string]any{"address_line1_check": nil,
			"address_postal_code_check": nil, "cvc_check": "pass"}, "wallet": nil}
}

func (s *Stripe) renderCharge(ch *stripeCharge) map[string]any {
	outcome := map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
		"risk_score": 32, "seller_message": "Payment complete.", "type": "authorized"}
	if ch.status == "failed" {
		outcome = map[string]any{"network_status": "declined_by_network", "reason": ch.card.declineCode, "risk_level": "normal",
			"risk_score": 32, "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined"}
	}
	captured := int64(0)
	if ch.status == "succeeded" {
		captured = ch.amount
	}
	return map[string]any{
		"id": ch.id, "object": "charge", "amount": ch.amount, "amount_captured": captured,
		"amount_refunded": ch.amountRefunded, "application": nil, "application_fee": nil,
		"balance_transaction":             stripeNullable(ch.balanceTx),
		"billing_details":                 map[string]any{"address": nil, "email": nil, "name": nil, "phone": nil},
		"calculated_statement_descriptor": "TROVE", "captured": ch.status == "succeeded",
		"created": ch.created.Unix(), "currency": ch.currency, "customer": stripeNullable(ch.customer),
		"description": stripeNullable(ch.description), "disputed": ch.disputed,
		"failure_balance_transaction": nil, "failure_code": stripeNullable(ch.failureCode),
		"failure_message": stripeNullable(ch.failureMessage), "fraud_details": map[string]any{},
		"invoice": stripeNullable(ch.invoice), "livemode": false, "metadata": stripeCopy(ch.metadata),
		"on_behalf_of": nil, "outcome": outcome, "paid": ch.status == "succeeded",
		"payment_intent": ch.intent, "payment_method": ch.paymentMethod,
		"payment_method_details": map[string]any{"type": "card", "card": s.renderCard(ch.card)},
		"receipt_email":          nil, "receipt_number": nil,
		"receipt_url": "https://pay.stripe.com/receipts/sandbox/" + ch.id,
		"refunded":    ch.refunded, "review": nil, "shipping": nil, "source_transfer": nil,
		"statement_descriptor": nil, "statement_descriptor_suffix": nil, "status": ch.status,
		"transfer_data": nil, "transfer_group": stripeNullable(ch.transferGroup),
	}
}

func (s *Stripe) renderRefund(r *stripeRefund) map[string]any {
	return map[string]any{
		"id": r.id, "object": "refund", "amount": r.amount, "balance_transaction": stripeNullable(r.balanceTx),
		"charge": r.charge, "created": r.created.Unix(), "currency": r.currency,
		"destination_details": map[string]any{"type": "card", "card": map[string]any{"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}},
		"metadata":            stripeCopy(r.metadata), "payment_intent": stripeNullable(r.intent),
		"reason": stripeNullable(r.reason), "receipt_number": nil, "source_transfer_reversal": nil,
		"status": r.status, "transfer_reversal": nil,
	}
}

func (s *Stripe) renderCustomer(c *stripeCustomer) map[string]any {
	return map[string]any{
		"id": c.id, "object": "customer", "address": nil, "balance": 0, "created": c.created.Unix(), "currency": nil,
		"default_source": nil, "delinquent": false, "description": stripeNullable(c.description),
		"discount": nil, "email": stripeNullable(c.email), "invoice_prefix": c.invoicePrefix,
		"invoice_settings": map[string]any{"custom_fields": nil, "default_payment_method": nil, "footer": nil, "rendering_options": nil},
		"livemode":         false, "metadata": stripeCopy(c.metadata), "name": stripeNullable(c.name),
		"next_invoice_sequence": 1, "phone": stripeNullable(c.phone), "preferred_locales": []string{},
		"shipping": nil, "tax_exempt": "none", "test_clock": nil,
	}
}

func (s *Stripe) renderProduct(p *stripeProduct) map[string]any {
	return map[string]any{
		"id": p.id, "object": "product", "active": true, "created": p.created.Unix(), "default_price": nil,
		"description": nil, "features": []any{}, "images": []string{}, "livemode": false,
		"metadata": stripeCopy(p.metadata), "name": p.name, "package_dimensions": nil, "shippable": nil,
		"statement_descriptor": nil, "tax_code": nil, "type": "service", "unit_label": nil,
		"updated": p.created.Unix(), "url": nil,
	}
}

func (s *Stripe) renderPrice(p *stripePrice) map[string]any {
	var recurring any
	typ := "one_time"
	if p.intervalCount > 0 {
		typ = "recurring"
		recurring = map[string]any{"aggregate_usage": nil, "interval": p.interval, "interval_count": p.intervalCount,
			"trial_period_days": nil, "usage_type": "licensed"}
	}
	return map[string]any{
		"id": p.id, "object": "price", "active": true, "billing_scheme": "per_unit", "created": p.created.Unix(),
		"currency": p.currency, "custom_unit_amount": nil, "livemode": false, "lookup_key": nil,
		"metadata": stripeCopy(p.metadata), "nickname": stripeNullable(p.nickname), "product": p.product,
		"recurring": recurring, "tax_behavior": "unspecified", "tiers_mode": nil, "transform_quantity": nil,
		"type": typ, "unit_amount": p.unitAmount, "unit_amount_decimal": fmt.Sprint(p.unitAmount),
	}
}

func (s *Stripe) renderSub(sub *stripeSub) map[string]any {
	pr := s.prices[sub.price]
	item := map[string]any{
		"id": sub.itemID, "object": "subscription_item", "billing_thresholds": nil, "created": sub.created.Unix(),
		"metadata": map[string]string{}, "price": s.renderPrice(pr), "quantity": sub.quantity,
		"subscription": sub.id, "tax_rates": []any{},
	}
	var ended any
	var details = map[string]any{"comment": nil, "feedback": nil, "reason": stripeNullable(sub.cancelReason)}
	if sub.status == "canceled" {
		ended = sub.canceledAt.Unix()
	}
	return map[string]any{
		"id": sub.id, "object": "subscription", "application": nil, "application_fee_percent": nil,
		"automatic_tax": map[string]any{"enabled": false, "liability": nil}, "billing_cycle_anchor": sub.anchor.Unix(),
		"billing_thresholds": nil, "cancel_at": nil, "cancel_at_period_end": false,
		"canceled_at": stripeUnix(sub.canceledAt), "cancellation_details": details,
		"collection_method": "charge_automatically", "created": sub.created.Unix(), "currency": pr.currency,
		"current_period_end": sub.periodEnd.Unix(), "current_period_start": sub.periodStart.Unix(),
		"customer": sub.customer, "days_until_due": nil, "default_payment_method": nil, "default_source": nil,
		"default_tax_rates": []any{}, "description": nil, "discount": nil, "ended_at": ended,
		"items": map[string]any{"object": "list", "data": []any{item}, "has_more": false, "total_count": 1,
			"url": "/v1/subscription_items?subscription=" + sub.id},
		"latest_invoice": stripeNullable(sub.latestInvoice), "livemode": false, "metadata": stripeCopy(sub.metadata),
		"next_pending_invoice_item_invoice": nil, "on_behalf_of": nil, "pause_collection": nil,
		"payment_settings":              map[string]any{"payment_method_options": nil, "payment_method_types": nil, "save_default_payment_method": "off"},
		"pending_invoice_item_interval": nil, "pending_setup_intent": nil, "pending_update": nil, "schedule": nil,
		"start_date": sub.created.Unix(), "status": sub.status, "test_clock": nil, "transfer_data": nil,
		"trial_end": nil, "trial_settings": map[string]any{"end_behavior": map[string]any{"missing_payment_method": "create_invoice"}},
		"trial_start": nil,
	}
}

func (s *Stripe) renderInvoice(inv *stripeInvoice) map[string]any {
	sub := s.subs[inv.subscription]
	pr := s.prices[sub.price]
	prod := s.products[pr.product]
	cu := s.customers[inv.customer]
	line := map[string]any{
		"id": inv.lineID, "object": "line_item", "amount": inv.amountDue, "amount_excluding_tax": inv.amountDue,
		"currency": inv.currency,
		"description": fmt.Sprintf("%d × %s (at %s / %s)", sub.quantity, prod.name,
			stripeFormatAmount(pr.unitAmount, pr.currency), stripeIntervalWords(pr)),
		"discount_amounts": []any{}, "discountable": true, "discounts": []any{}, "livemode": false,
		"metadata": map[string]string{}, "period": map[string]any{"start": inv.periodStart.Unix(), "end": inv.periodEnd.Unix()},
		"plan": nil, "price": s.renderPrice(pr), "proration": false, "proration_details": map[string]any{"credited_items": nil},
		"quantity": sub.quantity, "subscription": sub.id, "subscription_item": sub.itemID, "tax_amounts": []any{},
		"tax_rates": []any{}, "type": "subscription", "unit_amount_excluding_tax": fmt.Sprint(pr.unitAmount),
	}
	remaining := inv.amountDue - inv.amountPaid
	transitions := map[string]any{"finalized_at": inv.created.Unix(), "marked_uncollectible_at": nil,
		"paid_at": stripeUnix(inv.paidAt), "voided_at": nil}
	return map[string]any{
		"id": inv.id, "object": "invoice", "account_country": "US", "account_name": "Trove (sandbox)",
		"amount_due": inv.amountDue, "amount_paid": inv.amountPaid, "amount_remaining": remaining,
		"amount_shipping": 0, "application": nil, "attempt_count": inv.attempts, "attempted": inv.attempts > 0,
		"auto_advance": inv.status != "paid", "automatic_tax": map[string]any{"enabled": false, "liability": nil, "status": nil},
		"billing_reason": inv.billingReason, "charge": stripeNullable(inv.charge), "collection_method": "charge_automatically",
		"created": inv.created.Unix(), "currency": inv.currency, "customer": inv.customer,
		"customer_email": stripeNullable(cu.email), "customer_name": stripeNullable(cu.name),
		"default_payment_method": nil, "description": nil, "discount": nil, "due_date": nil,
		"ending_balance": 0, "hosted_invoice_url": "https://invoice.stripe.com/i/sandbox/" + inv.id,
		"invoice_pdf": "https://pay.stripe.com/invoice/sandbox/" + inv.id + "/pdf", "livemode": false,
		"lines": map[string]any{"object": "list", "data": []any{line}, "has_more": false, "total_count": 1,
			"url": "/v1/invoices/" + inv.id + "/lines"},
		"metadata": map[string]string{}, "next_payment_attempt": nil, "number": inv.number, "paid": inv.status == "paid",
		"paid_out_of_band": false, "payment_intent": stripeNullable(inv.intent),
		"period_end": inv.created.Unix(), "period_start": inv.created.Unix(),
		"starting_balance": 0, "status": inv.status, "status_transitions": transitions,
		"subscription": inv.subscription, "subscription_details": map[string]any{"metadata": stripeCopy(inv.subMetadata)},
		"subtotal": inv.amountDue, "subtotal_excluding_tax": inv.amountDue, "tax": nil, "test_clock": nil,
		"total": inv.amountDue, "total_discount_amounts": []any{}, "total_excluding_tax": inv.amountDue,
		"total_tax_amounts": []any{}, "webhooks_delivered_at": stripeUnix(inv.created),
	}
}

func (s *Stripe) renderDispute(d *stripeDispute) map[string]any {
	return map[string]any{
		"id": d.id, "object": "dispute", "amount": d.amount, "balance_transactions": []any{}, "charge": d.charge,
		"created": d.created.Unix(), "currency": d.currency,
		"evidence_details": map[string]any{"due_by": d.created.Add(21 * 24 * time.Hour).Unix(), "has_evidence": false,
			"past_due": false, "submission_count": 0},
		"is_charge_refundable": false, "livemode": false, "metadata": map[string]string{},
		"payment_intent": stripeNullable(d.intent), "reason": d.reason, "status": d.status,
	}
}

// lookup renders any object by id, for expand and GET /v1/events.
func (s *Stripe) lookup(id string) (map[string]any, bool) {
	prefix, _, _ := strings.Cut(id, "_")
	switch prefix {
	case "pi":
		if v, ok := s.intents[id]; ok {
			return s.renderIntent(v), true
		}
	case "ch":
		if v, ok := s.charges[id]; ok {
			return s.renderCharge(v), true
		}
	case "re":
		if v, ok := s.refunds[id]; ok {
			return s.renderRefund(v), true
		}
	case "cus":
		if v, ok := s.customers[id]; ok {
			return s.renderCustomer(v), true
		}
	case "prod":
		if v, ok := s.products[id]; ok {
			return s.renderProduct(v), true
		}
	case "price":
		if v, ok := s.prices[id]; ok {
			return s.renderPrice(v), true
		}
	case "sub":
		if v, ok := s.subs[id]; ok {
			return s.renderSub(v), true
		}
	case "in":
		if v, ok := s.invoices[id]; ok {
			return s.renderInvoice(v), true
		}
	case "dp":
		if v, ok := s.disputes[id]; ok {
			return s.renderDispute(v), true
		}
	case "acct", "tr", "trr":
		return s.lookupConnect(id)
	}
	return nil, false
}

func stripeIntervalWords(p *stripePrice) string {
	if p.intervalCount == 1 {
		return p.interval
	}
	return fmt.Sprintf("every %d %ss", p.intervalCount, p.interval)
}

// stripeFormatAmount writes an amount as Stripe's messages do: "$20.00",
// "€5.00", or "1200 jpy".
func stripeFormatAmount(amount int64, currency string) string {
	m := money.Money{Amount: amount, Currency: strings.ToUpper(currency)}
	s := m.String() // "USD 20.00"
	num := s[strings.IndexByte(s, ' ')+1:]
	switch m.Currency {
	case "USD":
		return "$" + num
	case "EUR":
		return "€" + num
	case "GBP":
		return "£" + num
	}
	return num + " " + currency
}

const stripeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// stripeRandom returns n random base-62 characters.
func stripeRandom(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(stripeAlphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = stripeAlphabet[v.Int64()]
	}
	return string(b)
}

// stripeID returns a Stripe-looking id: prefix, underscore, 24 characters.
func stripeID(prefix string) string { return prefix + "_" + stripeRandom(24) }
