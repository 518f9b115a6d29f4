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
	// DefaultConnectWebhookSecret signs what is sent to the Connect endpoint.
	DefaultConnectWebhookSecret = "whsec_sandbox_connect"
)

// stripeAPIVersion is the version the stand-in renders objects and events at:
// the one stripe-go v76 pins.
const stripeAPIVersion = "2023-10-16"

// stripeAccountVersion is the account's default API version in the
// stand-in: what an endpoint created without api_version renders its events
// at, as Stripe renders them at the account's default (which is never the
// version a pinned library reads, once the account has been upgraded).
const stripeAccountVersion = "2024-06-20"

// Config configures the Stripe stand-in.
type Config struct {
	SecretKey     string // the API key callers must send (default sk_test_sandbox)
	WebhookSecret string // signs deliveries to WebhookURL (default whsec_sandbox)
	// WebhookURL is the platform's endpoint: it receives every event about
	// the platform's own objects, signed (Trove's /webhooks/stripe), at
	// 2023-10-16. Empty: events are kept (GET /v1/events/{id}) but not sent.
	WebhookURL string
	// ConnectWebhookURL is the Connect endpoint: it receives the events of
	// connected accounts (account.updated), each with "account" set, signed
	// with ConnectWebhookSecret (default whsec_sandbox_connect): Trove's
	// /webhooks/stripe/connect. As with Stripe, none of them goes to
	// WebhookURL. Empty: they are kept but not sent.
	ConnectWebhookURL    string
	ConnectWebhookSecret string
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

	mu                sync.Mutex
	state             // everything a restart must keep
	webhookURL        string
	connectWebhookURL string
	cause             stripeCause // the API request under way, for events' request field
	outbox            []*Delivery // deliveries made under mu, sent once it is released
	dropping          bool        // DropDeliveries
	sender            *sandbox.Sender
	file              *sandbox.File // nil: the state lives in memory only (Open)
}

// state is the stand-in's memory: what it has been asked to make, and
// every delivery of its events.
type state struct {
	Intents     map[string]*stripeIntent
	Charges     map[string]*stripeCharge
	Refunds     map[string]*stripeRefund
	Customers   map[string]*stripeCustomer
	Products    map[string]*stripeProduct
	Prices      map[string]*stripePrice
	Subs        map[string]*stripeSub
	Invoices    map[string]*stripeInvoice
	Disputes    map[string]*stripeDispute
	Events      map[string]*stripeEvent
	Endpoints   map[string]*stripeEndpoint // made through the API (endpoints.go)
	EndpointSeq int
	Idem        map[string]*stripeIdem
	InvoiceSeq  int
	Connect     stripeConnect // Connect: accounts, onboarding links, transfers (connect.go)
	DeliveryLog []*Delivery
}

type stripeCause struct{ requestID, idemKey string }

type stripeIntent struct {
	ID, Currency, Status, ClientSecret, TransferGroup, Customer, Description string
	Amount, AmountReceived                                                   int64
	Metadata                                                                 map[string]string
	Created, CanceledAt                                                      time.Time
	LatestCharge, PaymentMethod, Invoice, CancellationReason                 string
	LastError                                                                map[string]any
	Automatic                                                                bool
}

type stripeCharge struct {
	ID, Intent, Currency, Status, Customer, TransferGroup, Invoice, Description string
	PaymentMethod, FailureCode, FailureMessage, BalanceTx                       string
	Amount, AmountRefunded                                                      int64
	Refunded, Disputed                                                          bool
	Metadata                                                                    map[string]string
	Card                                                                        stripeCard
	Created                                                                     time.Time
}

type stripeRefund struct {
	ID, Charge, Intent, Currency, Status, Reason, BalanceTx string
	Amount                                                  int64
	Metadata                                                map[string]string
	Created                                                 time.Time
}

type stripeCustomer struct {
	ID, Email, Name, Description, Phone, InvoicePrefix string
	Metadata                                           map[string]string
	Created                                            time.Time
}

type stripeProduct struct {
	ID, Name string
	Metadata map[string]string
	Created  time.Time
}

type stripePrice struct {
	ID, Product, Currency, Interval, Nickname string
	UnitAmount, IntervalCount                 int64 // IntervalCount 0: a one-time price
	Metadata                                  map[string]string
	Created                                   time.Time
}

type stripeSub struct {
	ID, Customer, Price, ItemID, Status, LatestInvoice, CancelReason string
	Quantity                                                         int64
	busy                                                             bool // being created or renewed
	Metadata                                                         map[string]string
	Created, Anchor, PeriodStart, PeriodEnd, CanceledAt              time.Time
	Cycle                                                            int // periods billed after the first
}

type stripeInvoice struct {
	ID, Number, Customer, Subscription, Currency, Status, BillingReason, Intent, Charge, LineID string
	AmountDue, AmountPaid                                                                       int64
	Attempts                                                                                    int
	SubMetadata                                                                                 map[string]string
	Created, PeriodStart, PeriodEnd, PaidAt                                                     time.Time
}

type stripeDispute struct {
	ID, Charge, Intent, Currency, Reason, Status string
	Amount                                       int64
	Withdrawn                                    bool // the amount is out of the platform's balance
	Created                                      time.Time
}

// stripeCard is a test card: what a test payment method stands for.
type stripeCard struct {
	PM, Brand, Last4, Funding string
	DeclineCode, ErrCode, Msg string // "" DeclineCode: the charge succeeds
}

// Test payment methods and card numbers, as in Stripe's test mode.
var (
	stripeVisa     = stripeCard{PM: "pm_card_visa", Brand: "visa", Last4: "4242", Funding: "credit"}
	stripeDeclined = stripeCard{PM: "pm_card_chargeDeclined", Brand: "visa", Last4: "0002", Funding: "credit",
		DeclineCode: "generic_decline", ErrCode: "card_declined", Msg: "Your card was declined."}
	stripeCards = map[string]stripeCard{
		"pm_card_visa":           stripeVisa,
		"pm_card_mastercard":     {PM: "pm_card_mastercard", Brand: "mastercard", Last4: "4444", Funding: "credit"},
		"pm_card_amex":           {PM: "pm_card_amex", Brand: "amex", Last4: "8431", Funding: "credit"},
		"pm_card_chargeDeclined": stripeDeclined,
		"pm_card_chargeDeclinedInsufficientFunds": {PM: "pm_card_chargeDeclinedInsufficientFunds", Brand: "visa", Last4: "9995", Funding: "credit",
			DeclineCode: "insufficient_funds", ErrCode: "card_declined", Msg: "Your card has insufficient funds."},
		"pm_card_chargeDeclinedExpiredCard": {PM: "pm_card_chargeDeclinedExpiredCard", Brand: "visa", Last4: "0069", Funding: "credit",
			DeclineCode: "expired_card", ErrCode: "expired_card", Msg: "Your card has expired."},
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
	if cfg.ConnectWebhookSecret == "" {
		cfg.ConnectWebhookSecret = DefaultConnectWebhookSecret
	}
	s := &Stripe{cfg: cfg, clock: cfg.Clock, log: cfg.Log, hc: cfg.HTTPClient, webhookURL: cfg.WebhookURL,
		connectWebhookURL: cfg.ConnectWebhookURL, state: newState()}
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

func newState() state {
	return state{
		Intents: map[string]*stripeIntent{}, Charges: map[string]*stripeCharge{}, Refunds: map[string]*stripeRefund{},
		Customers: map[string]*stripeCustomer{}, Products: map[string]*stripeProduct{}, Prices: map[string]*stripePrice{},
		Subs: map[string]*stripeSub{}, Invoices: map[string]*stripeInvoice{}, Disputes: map[string]*stripeDispute{},
		Events: map[string]*stripeEvent{}, Idem: map[string]*stripeIdem{}, Connect: newStripeConnect(),
		Endpoints: map[string]*stripeEndpoint{},
	}
}

// Handler serves the stand-in's REST API (paths /v1/…): mount it at the root
// of a test server, or under a prefix with http.StripPrefix.
func (s *Stripe) Handler() http.Handler { return s.handler }

// PublishableKey is the key a browser (the storefront's sandbox card form)
// sends with a client secret.
func (s *Stripe) PublishableKey() string { return s.cfg.PublishableKey }

// SetWebhookURL changes where the platform's events are delivered (for a
// server whose address is known only once it listens).
func (s *Stripe) SetWebhookURL(u string) {
	s.mu.Lock()
	s.webhookURL = u
	s.mu.Unlock()
}

// SetConnectWebhookURL changes where connected accounts' events are delivered.
func (s *Stripe) SetConnectWebhookURL(u string) {
	s.mu.Lock()
	s.connectWebhookURL = u
	s.mu.Unlock()
}

// ConfirmPaymentIntent confirms an intent with a test payment method
// (pm_card_visa, pm_card_chargeDeclined, …), as the confirm endpoint does,
// and returns its status. A decline is not an error: the status is
// requires_payment_method and payment_intent.payment_failed is sent.
func (s *Stripe) ConfirmPaymentIntent(id, paymentMethod string) (string, error) {
	s.mu.Lock()
	pi, ok := s.Intents[id]
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
	status := pi.Status
	s.save()
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
	sub, ok := s.Subs[id]
	if !ok {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no subscription %q", id))
	}
	if sub.Status == "canceled" || sub.Status == "incomplete_expired" {
		s.mu.Unlock()
		s.log.Warn("sandbox stripe: renewal of a subscription that has ended", "subscription", id)
		return
	}
	s.cause = stripeCause{}
	prev := map[string]any{
		"current_period_start": sub.PeriodStart.Unix(), "current_period_end": sub.PeriodEnd.Unix(),
		"latest_invoice": sub.LatestInvoice,
	}
	oldStatus := sub.Status
	sub.Cycle++
	sub.PeriodStart, sub.PeriodEnd = s.period(sub)
	card := stripeVisa
	if !pay {
		card = stripeDeclined
	}
	sub.busy = true
	s.bill(sub, "subscription_cycle", &card)
	sub.busy = false
	if sub.Status != oldStatus {
		prev["status"] = oldStatus
	}
	s.emit("customer.subscription.updated", s.renderSub(sub), prev)
	s.save()
	s.mu.Unlock()
	s.flush()
}

// Dispute opens a dispute (fraudulent, needs_response) on a succeeded
// charge and returns its id. As with most of Stripe's disputes, the
// disputed amount leaves the platform's balance at once: it sends
// charge.dispute.created, then charge.dispute.funds_withdrawn. It panics
// for an unknown charge.
func (s *Stripe) Dispute(chargeID string) string {
	s.mu.Lock()
	ch, ok := s.Charges[chargeID]
	if !ok || ch.Status != "succeeded" {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no succeeded charge %q", chargeID))
	}
	s.cause = stripeCause{}
	d := &stripeDispute{ID: stripeID("dp"), Charge: ch.ID, Intent: ch.Intent, Currency: ch.Currency,
		Amount: ch.Amount - ch.AmountRefunded, Reason: "fraudulent", Status: "needs_response", Created: s.clock.Now()}
	s.Disputes[d.ID] = d
	ch.Disputed = true
	s.emit("charge.dispute.created", s.renderDispute(d), nil)
	d.Withdrawn = true
	s.emit("charge.dispute.funds_withdrawn", s.renderDispute(d), nil)
	s.save()
	s.mu.Unlock()
	s.flush()
	return d.ID
}

// CloseDispute ends a dispute as the card network decided: won gives the
// funds back (charge.dispute.funds_reinstated) and closes it won; lost
// closes it lost, the funds staying withdrawn. charge.dispute.closed is
// sent either way. It panics for an unknown dispute, and does nothing to a
// closed one.
func (s *Stripe) CloseDispute(id string, won bool) {
	s.mu.Lock()
	d, ok := s.Disputes[id]
	if !ok {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no dispute %q", id))
	}
	s.cause = stripeCause{}
	if !stripeDisputeClosed(d.Status) {
		s.closeDispute(d, won)
		s.save()
	}
	s.mu.Unlock()
	s.flush()
}

// closeDispute closes d, won or lost, and sends its events. Callers hold s.mu.
func (s *Stripe) closeDispute(d *stripeDispute, won bool) {
	prev := map[string]any{"status": d.Status}
	if won {
		d.Status = "won"
		if d.Withdrawn {
			d.Withdrawn = false
			s.emit("charge.dispute.funds_reinstated", s.renderDispute(d), nil)
		}
	} else {
		d.Status = "lost"
	}
	s.emit("charge.dispute.closed", s.renderDispute(d), prev)
}

func stripeDisputeClosed(status string) bool {
	return status == "won" || status == "lost" || status == "warning_closed"
}

// The operations below hold s.mu.

// newIntent makes a payment intent and sends payment_intent.created.
func (s *Stripe) newIntent(amount int64, currency, customer string, metadata map[string]string) *stripeIntent {
	id := stripeID("pi")
	pi := &stripeIntent{ID: id, Amount: amount, Currency: currency, Customer: customer, Metadata: metadata,
		Status: "requires_payment_method", ClientSecret: id + "_secret_" + stripeRandom(25), Created: s.clock.Now()}
	if pi.Metadata == nil {
		pi.Metadata = map[string]string{}
	}
	s.Intents[id] = pi
	return pi
}

// confirm charges the intent's amount to card. A decline comes back as a
// card_error (after the intent and its events are updated); an intent in the
// wrong state as payment_intent_unexpected_state.
func (s *Stripe) confirm(pi *stripeIntent, card stripeCard) *stripeError {
	switch pi.Status {
	case "requires_payment_method", "requires_confirmation":
	default:
		msg := fmt.Sprintf("You cannot confirm this PaymentIntent because it has a status of %s.", pi.Status)
		if pi.Status == "succeeded" {
			msg = "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed."
		}
		return &stripeError{status: 400, typ: "invalid_request_error", code: "payment_intent_unexpected_state",
			message: msg, intent: pi}
	}
	now := s.clock.Now()
	ch := &stripeCharge{ID: stripeID("ch"), Intent: pi.ID, Currency: pi.Currency, Customer: pi.Customer, Amount: pi.Amount,
		TransferGroup: pi.TransferGroup, Invoice: pi.Invoice, Description: pi.Description, Metadata: stripeCopy(pi.Metadata),
		PaymentMethod: stripeID("pm"), Card: card, Created: now}
	s.Charges[ch.ID] = ch
	pi.LatestCharge, pi.PaymentMethod = ch.ID, ch.PaymentMethod

	if card.DeclineCode != "" {
		ch.Status, ch.FailureCode, ch.FailureMessage = "failed", card.ErrCode, card.Msg
		pi.Status = "requires_payment_method"
		pi.LastError = map[string]any{
			"type": "card_error", "code": card.ErrCode, "decline_code": card.DeclineCode, "message": card.Msg,
			"charge": ch.ID, "doc_url": "https://stripe.com/docs/error-codes/" + card.ErrCode,
			"payment_method": s.renderPaymentMethod(ch),
		}
		s.emit("charge.failed", s.renderCharge(ch), nil)
		s.emit("payment_intent.payment_failed", s.renderIntent(pi), nil)
		if inv := s.Invoices[pi.Invoice]; inv != nil {
			s.invoiceFailed(inv)
		}
		return &stripeError{status: 402, typ: "card_error", code: card.ErrCode, declineCode: card.DeclineCode,
			message: card.Msg, charge: ch.ID, intent: pi}
	}
	ch.Status, ch.BalanceTx = "succeeded", stripeID("txn")
	pi.Status, pi.AmountReceived, pi.LastError = "succeeded", pi.Amount, nil
	s.emit("charge.succeeded", s.renderCharge(ch), nil)
	s.emit("payment_intent.succeeded", s.renderIntent(pi), nil)
	if inv := s.Invoices[pi.Invoice]; inv != nil {
		s.invoicePaid(inv, ch)
	}
	return nil
}

// bill makes the invoice of the subscription's current period and, with a
// card, pays it at once; without one it stays open (default_incomplete) for
// the buyer to pay by confirming its intent.
func (s *Stripe) bill(sub *stripeSub, reason string, card *stripeCard) *stripeInvoice {
	pr := s.Prices[sub.Price]
	cu := s.Customers[sub.Customer]
	s.InvoiceSeq++
	inv := &stripeInvoice{
		ID: stripeID("in"), Number: fmt.Sprintf("%s-%04d", cu.InvoicePrefix, s.InvoiceSeq), Customer: sub.Customer,
		Subscription: sub.ID, Currency: pr.Currency, Status: "open", BillingReason: reason, LineID: stripeID("il"),
		AmountDue: pr.UnitAmount * sub.Quantity, SubMetadata: stripeCopy(sub.Metadata),
		Created: s.clock.Now(), PeriodStart: sub.PeriodStart, PeriodEnd: sub.PeriodEnd,
	}
	s.Invoices[inv.ID] = inv
	sub.LatestInvoice = inv.ID
	pi := s.newIntent(inv.AmountDue, inv.Currency, sub.Customer, nil)
	pi.Invoice = inv.ID
	pi.Description = "Subscription creation"
	if reason == "subscription_cycle" {
		pi.Description = "Subscription update"
	}
	inv.Intent = pi.ID
	s.emit("payment_intent.created", s.renderIntent(pi), nil)
	if card != nil {
		s.confirm(pi, *card)
	}
	return inv
}

// invoicePaid records the invoice paid by ch and brings its subscription
// back to active.
func (s *Stripe) invoicePaid(inv *stripeInvoice, ch *stripeCharge) {
	inv.Status, inv.AmountPaid, inv.Charge, inv.PaidAt = "paid", inv.AmountDue, ch.ID, s.clock.Now()
	inv.Attempts++
	sub := s.Subs[inv.Subscription]
	prev := ""
	if sub != nil && (sub.Status == "incomplete" || sub.Status == "past_due") {
		prev, sub.Status = sub.Status, "active"
	}
	s.emit("invoice.paid", s.renderInvoice(inv), nil)
	s.emit("invoice.payment_succeeded", s.renderInvoice(inv), nil)
	s.subStatusChanged(sub, prev)
}

// invoiceFailed records a failed payment attempt; a renewal that fails makes
// the subscription past_due.
func (s *Stripe) invoiceFailed(inv *stripeInvoice) {
	inv.Attempts++
	sub := s.Subs[inv.Subscription]
	prev := ""
	if sub != nil && sub.Status == "active" {
		prev, sub.Status = sub.Status, "past_due"
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
	pr := s.Prices[sub.Price]
	n := int64(sub.Cycle)
	return stripeAddInterval(sub.Anchor, pr.Interval, n*pr.IntervalCount), stripeAddInterval(sub.Anchor, pr.Interval, (n+1)*pr.IntervalCount)
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
// related objects; see expand in http.go).

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
	if pi.Automatic {
		apm = map[string]any{"enabled": true, "allow_redirects": "always"}
	}
	var lastErr any
	if pi.LastError != nil {
		lastErr = pi.LastError
	}
	return map[string]any{
		"id": pi.ID, "object": "payment_intent", "amount": pi.Amount, "amount_capturable": 0,
		"amount_details": map[string]any{"tip": map[string]any{}}, "amount_received": pi.AmountReceived,
		"application": nil, "application_fee_amount": nil, "automatic_payment_methods": apm,
		"canceled_at": stripeUnix(pi.CanceledAt), "cancellation_reason": stripeNullable(pi.CancellationReason),
		"capture_method": "automatic", "client_secret": pi.ClientSecret, "confirmation_method": "automatic",
		"created": pi.Created.Unix(), "currency": pi.Currency, "customer": stripeNullable(pi.Customer),
		"description": stripeNullable(pi.Description), "invoice": stripeNullable(pi.Invoice),
		"last_payment_error": lastErr, "latest_charge": stripeNullable(pi.LatestCharge), "livemode": false,
		"metadata": stripeCopy(pi.Metadata), "next_action": nil, "on_behalf_of": nil,
		"payment_method": stripeNullable(pi.PaymentMethod), "payment_method_configuration_details": nil,
		"payment_method_options": map[string]any{"card": map[string]any{"installments": nil, "mandate_options": nil,
			"network": nil, "request_three_d_secure": "automatic"}},
		"payment_method_types": []string{"card"}, "processing": nil, "receipt_email": nil, "review": nil,
		"setup_future_usage": nil, "shipping": nil, "source": nil, "statement_descriptor": nil,
		"statement_descriptor_suffix": nil, "status": pi.Status, "transfer_data": nil,
		"transfer_group": stripeNullable(pi.TransferGroup),
	}
}

func (s *Stripe) renderPaymentMethod(ch *stripeCharge) map[string]any {
	return map[string]any{
		"id": ch.PaymentMethod, "object": "payment_method", "type": "card", "created": ch.Created.Unix(),
		"customer": nil, "livemode": false, "metadata": map[string]string{},
		"billing_details": map[string]any{"address": nil, "email": nil, "name": nil, "phone": nil},
		"card":            s.renderCard(ch.Card),
	}
}

func (s *Stripe) renderCard(c stripeCard) map[string]any {
	return map[string]any{"brand": c.Brand, "country": "US", "exp_month": 12, "exp_year": s.clock.Now().Year() + 3,
		"funding": c.Funding, "last4": c.Last4, "checks": map[string]any{"address_line1_check": nil,
			"address_postal_code_check": nil, "cvc_check": "pass"}, "wallet": nil}
}

func (s *Stripe) renderCharge(ch *stripeCharge) map[string]any {
	outcome := map[string]any{"network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
		"risk_score": 32, "seller_message": "Payment complete.", "type": "authorized"}
	if ch.Status == "failed" {
		outcome = map[string]any{"network_status": "declined_by_network", "reason": ch.Card.DeclineCode, "risk_level": "normal",
			"risk_score": 32, "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined"}
	}
	captured := int64(0)
	if ch.Status == "succeeded" {
		captured = ch.Amount
	}
	return map[string]any{
		"id": ch.ID, "object": "charge", "amount": ch.Amount, "amount_captured": captured,
		"amount_refunded": ch.AmountRefunded, "application": nil, "application_fee": nil,
		"balance_transaction":             stripeNullable(ch.BalanceTx),
		"billing_details":                 map[string]any{"address": nil, "email": nil, "name": nil, "phone": nil},
		"calculated_statement_descriptor": "TROVE", "captured": ch.Status == "succeeded",
		"created": ch.Created.Unix(), "currency": ch.Currency, "customer": stripeNullable(ch.Customer),
		"description": stripeNullable(ch.Description), "disputed": ch.Disputed,
		"failure_balance_transaction": nil, "failure_code": stripeNullable(ch.FailureCode),
		"failure_message": stripeNullable(ch.FailureMessage), "fraud_details": map[string]any{},
		"invoice": stripeNullable(ch.Invoice), "livemode": false, "metadata": stripeCopy(ch.Metadata),
		"on_behalf_of": nil, "outcome": outcome, "paid": ch.Status == "succeeded",
		"payment_intent": ch.Intent, "payment_method": ch.PaymentMethod,
		"payment_method_details": map[string]any{"type": "card", "card": s.renderCard(ch.Card)},
		"receipt_email":          nil, "receipt_number": nil,
		"receipt_url": "https://pay.stripe.com/receipts/sandbox/" + ch.ID,
		"refunded":    ch.Refunded, "review": nil, "shipping": nil, "source_transfer": nil,
		"statement_descriptor": nil, "statement_descriptor_suffix": nil, "status": ch.Status,
		"transfer_data": nil, "transfer_group": stripeNullable(ch.TransferGroup),
	}
}

func (s *Stripe) renderRefund(r *stripeRefund) map[string]any {
	return map[string]any{
		"id": r.ID, "object": "refund", "amount": r.Amount, "balance_transaction": stripeNullable(r.BalanceTx),
		"charge": r.Charge, "created": r.Created.Unix(), "currency": r.Currency,
		"destination_details": map[string]any{"type": "card", "card": map[string]any{"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}},
		"metadata":            stripeCopy(r.Metadata), "payment_intent": stripeNullable(r.Intent),
		"reason": stripeNullable(r.Reason), "receipt_number": nil, "source_transfer_reversal": nil,
		"status": r.Status, "transfer_reversal": nil,
	}
}

func (s *Stripe) renderCustomer(c *stripeCustomer) map[string]any {
	return map[string]any{
		"id": c.ID, "object": "customer", "address": nil, "balance": 0, "created": c.Created.Unix(), "currency": nil,
		"default_source": nil, "delinquent": false, "description": stripeNullable(c.Description),
		"discount": nil, "email": stripeNullable(c.Email), "invoice_prefix": c.InvoicePrefix,
		"invoice_settings": map[string]any{"custom_fields": nil, "default_payment_method": nil, "footer": nil, "rendering_options": nil},
		"livemode":         false, "metadata": stripeCopy(c.Metadata), "name": stripeNullable(c.Name),
		"next_invoice_sequence": 1, "phone": stripeNullable(c.Phone), "preferred_locales": []string{},
		"shipping": nil, "tax_exempt": "none", "test_clock": nil,
	}
}

func (s *Stripe) renderProduct(p *stripeProduct) map[string]any {
	return map[string]any{
		"id": p.ID, "object": "product", "active": true, "created": p.Created.Unix(), "default_price": nil,
		"description": nil, "features": []any{}, "images": []string{}, "livemode": false,
		"metadata": stripeCopy(p.Metadata), "name": p.Name, "package_dimensions": nil, "shippable": nil,
		"statement_descriptor": nil, "tax_code": nil, "type": "service", "unit_label": nil,
		"updated": p.Created.Unix(), "url": nil,
	}
}

func (s *Stripe) renderPrice(p *stripePrice) map[string]any {
	var recurring any
	typ := "one_time"
	if p.IntervalCount > 0 {
		typ = "recurring"
		recurring = map[string]any{"aggregate_usage": nil, "interval": p.Interval, "interval_count": p.IntervalCount,
			"trial_period_days": nil, "usage_type": "licensed"}
	}
	return map[string]any{
		"id": p.ID, "object": "price", "active": true, "billing_scheme": "per_unit", "created": p.Created.Unix(),
		"currency": p.Currency, "custom_unit_amount": nil, "livemode": false, "lookup_key": nil,
		"metadata": stripeCopy(p.Metadata), "nickname": stripeNullable(p.Nickname), "product": p.Product,
		"recurring": recurring, "tax_behavior": "unspecified", "tiers_mode": nil, "transform_quantity": nil,
		"type": typ, "unit_amount": p.UnitAmount, "unit_amount_decimal": fmt.Sprint(p.UnitAmount),
	}
}

func (s *Stripe) renderSub(sub *stripeSub) map[string]any {
	pr := s.Prices[sub.Price]
	item := map[string]any{
		"id": sub.ItemID, "object": "subscription_item", "billing_thresholds": nil, "created": sub.Created.Unix(),
		"metadata": map[string]string{}, "price": s.renderPrice(pr), "quantity": sub.Quantity,
		"subscription": sub.ID, "tax_rates": []any{},
	}
	var ended any
	var details = map[string]any{"comment": nil, "feedback": nil, "reason": stripeNullable(sub.CancelReason)}
	if sub.Status == "canceled" {
		ended = sub.CanceledAt.Unix()
	}
	return map[string]any{
		"id": sub.ID, "object": "subscription", "application": nil, "application_fee_percent": nil,
		"automatic_tax": map[string]any{"enabled": false, "liability": nil}, "billing_cycle_anchor": sub.Anchor.Unix(),
		"billing_thresholds": nil, "cancel_at": nil, "cancel_at_period_end": false,
		"canceled_at": stripeUnix(sub.CanceledAt), "cancellation_details": details,
		"collection_method": "charge_automatically", "created": sub.Created.Unix(), "currency": pr.Currency,
		"current_period_end": sub.PeriodEnd.Unix(), "current_period_start": sub.PeriodStart.Unix(),
		"customer": sub.Customer, "days_until_due": nil, "default_payment_method": nil, "default_source": nil,
		"default_tax_rates": []any{}, "description": nil, "discount": nil, "ended_at": ended,
		"items": map[string]any{"object": "list", "data": []any{item}, "has_more": false, "total_count": 1,
			"url": "/v1/subscription_items?subscription=" + sub.ID},
		"latest_invoice": stripeNullable(sub.LatestInvoice), "livemode": false, "metadata": stripeCopy(sub.Metadata),
		"next_pending_invoice_item_invoice": nil, "on_behalf_of": nil, "pause_collection": nil,
		"payment_settings":              map[string]any{"payment_method_options": nil, "payment_method_types": nil, "save_default_payment_method": "off"},
		"pending_invoice_item_interval": nil, "pending_setup_intent": nil, "pending_update": nil, "schedule": nil,
		"start_date": sub.Created.Unix(), "status": sub.Status, "test_clock": nil, "transfer_data": nil,
		"trial_end": nil, "trial_settings": map[string]any{"end_behavior": map[string]any{"missing_payment_method": "create_invoice"}},
		"trial_start": nil,
	}
}

func (s *Stripe) renderInvoice(inv *stripeInvoice) map[string]any {
	sub := s.Subs[inv.Subscription]
	pr := s.Prices[sub.Price]
	prod := s.Products[pr.Product]
	cu := s.Customers[inv.Customer]
	line := map[string]any{
		"id": inv.LineID, "object": "line_item", "amount": inv.AmountDue, "amount_excluding_tax": inv.AmountDue,
		"currency": inv.Currency,
		"description": fmt.Sprintf("%d × %s (at %s / %s)", sub.Quantity, prod.Name,
			stripeFormatAmount(pr.UnitAmount, pr.Currency), stripeIntervalWords(pr)),
		"discount_amounts": []any{}, "discountable": true, "discounts": []any{}, "livemode": false,
		"metadata": map[string]string{}, "period": map[string]any{"start": inv.PeriodStart.Unix(), "end": inv.PeriodEnd.Unix()},
		"plan": nil, "price": s.renderPrice(pr), "proration": false, "proration_details": map[string]any{"credited_items": nil},
		"quantity": sub.Quantity, "subscription": sub.ID, "subscription_item": sub.ItemID, "tax_amounts": []any{},
		"tax_rates": []any{}, "type": "subscription", "unit_amount_excluding_tax": fmt.Sprint(pr.UnitAmount),
	}
	remaining := inv.AmountDue - inv.AmountPaid
	transitions := map[string]any{"finalized_at": inv.Created.Unix(), "marked_uncollectible_at": nil,
		"paid_at": stripeUnix(inv.PaidAt), "voided_at": nil}
	return map[string]any{
		"id": inv.ID, "object": "invoice", "account_country": "US", "account_name": "Trove (sandbox)",
		"amount_due": inv.AmountDue, "amount_paid": inv.AmountPaid, "amount_remaining": remaining,
		"amount_shipping": 0, "application": nil, "attempt_count": inv.Attempts, "attempted": inv.Attempts > 0,
		"auto_advance": inv.Status != "paid", "automatic_tax": map[string]any{"enabled": false, "liability": nil, "status": nil},
		"billing_reason": inv.BillingReason, "charge": stripeNullable(inv.Charge), "collection_method": "charge_automatically",
		"created": inv.Created.Unix(), "currency": inv.Currency, "customer": inv.Customer,
		"customer_email": stripeNullable(cu.Email), "customer_name": stripeNullable(cu.Name),
		"default_payment_method": nil, "description": nil, "discount": nil, "due_date": nil,
		"ending_balance": 0, "hosted_invoice_url": "https://invoice.stripe.com/i/sandbox/" + inv.ID,
		"invoice_pdf": "https://pay.stripe.com/invoice/sandbox/" + inv.ID + "/pdf", "livemode": false,
		"lines": map[string]any{"object": "list", "data": []any{line}, "has_more": false, "total_count": 1,
			"url": "/v1/invoices/" + inv.ID + "/lines"},
		"metadata": map[string]string{}, "next_payment_attempt": nil, "number": inv.Number, "paid": inv.Status == "paid",
		"paid_out_of_band": false, "payment_intent": stripeNullable(inv.Intent),
		"period_end": inv.Created.Unix(), "period_start": inv.Created.Unix(),
		"starting_balance": 0, "status": inv.Status, "status_transitions": transitions,
		"subscription": inv.Subscription, "subscription_details": map[string]any{"metadata": stripeCopy(inv.SubMetadata)},
		"subtotal": inv.AmountDue, "subtotal_excluding_tax": inv.AmountDue, "tax": nil, "test_clock": nil,
		"total": inv.AmountDue, "total_discount_amounts": []any{}, "total_excluding_tax": inv.AmountDue,
		"total_tax_amounts": []any{}, "webhooks_delivered_at": stripeUnix(inv.Created),
	}
}

func (s *Stripe) renderDispute(d *stripeDispute) map[string]any {
	return map[string]any{
		"id": d.ID, "object": "dispute", "amount": d.Amount, "balance_transactions": []any{}, "charge": d.Charge,
		"created": d.Created.Unix(), "currency": d.Currency,
		"evidence_details": map[string]any{"due_by": d.Created.Add(21 * 24 * time.Hour).Unix(), "has_evidence": false,
			"past_due": false, "submission_count": 0},
		"is_charge_refundable": false, "livemode": s.livemode(), "metadata": map[string]string{},
		"payment_intent": stripeNullable(d.Intent), "reason": d.Reason, "status": d.Status,
	}
}

// lookup renders any object by id, for expand and GET /v1/events.
func (s *Stripe) lookup(id string) (map[string]any, bool) {
	prefix, _, _ := strings.Cut(id, "_")
	switch prefix {
	case "pi":
		if v, ok := s.Intents[id]; ok {
			return s.renderIntent(v), true
		}
	case "ch":
		if v, ok := s.Charges[id]; ok {
			return s.renderCharge(v), true
		}
	case "re":
		if v, ok := s.Refunds[id]; ok {
			return s.renderRefund(v), true
		}
	case "cus":
		if v, ok := s.Customers[id]; ok {
			return s.renderCustomer(v), true
		}
	case "prod":
		if v, ok := s.Products[id]; ok {
			return s.renderProduct(v), true
		}
	case "price":
		if v, ok := s.Prices[id]; ok {
			return s.renderPrice(v), true
		}
	case "sub":
		if v, ok := s.Subs[id]; ok {
			return s.renderSub(v), true
		}
	case "in":
		if v, ok := s.Invoices[id]; ok {
			return s.renderInvoice(v), true
		}
	case "dp":
		if v, ok := s.Disputes[id]; ok {
			return s.renderDispute(v), true
		}
	case "acct", "tr", "trr":
		return s.lookupConnect(id)
	}
	return nil, false
}

func stripeIntervalWords(p *stripePrice) string {
	if p.IntervalCount == 1 {
		return p.Interval
	}
	return fmt.Sprintf("every %d %ss", p.IntervalCount, p.Interval)
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
