// Package stripe is Trove's adapter for Stripe: payment intents, refunds,
// customers, prices and subscriptions, and the signature check of webhook
// events.
//
// It speaks in Trove's words: callers see PaymentIntent, Refund,
// Subscription, Event and Error, with amounts as money.Money, never a
// stripe-go type. stripe-go v76 does the HTTP work (form encoding, the
// Stripe-Version header, network retries); it pins the API version
// 2023-10-16, and webhook endpoints must be registered at that version (see
// ParseEvent).
//
// Each Client has its own key and its own stripe-go backend, whose base URL
// and HTTP client come from Config, so it can talk to stripe-mock or the
// sandbox; nothing touches stripe-go's package-level key or backends.
// Every write takes an idempotency key, sent as Idempotency-Key.
package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
)

// APIVersion is the Stripe API version this adapter (stripe-go v76) speaks and
// reads events of. Register webhook endpoints at this version.
const APIVersion = stripego.APIVersion

// Config is what the adapter needs; see cmd/trove/config.go for where it comes from.
type Config struct {
	SecretKey string // sk_live_… / sk_test_… (or the sandbox's key)
	// APIBase is the base URL of the API, without /v1: "" is Stripe itself
	// (https://api.stripe.com); stripe-mock or the sandbox otherwise.
	APIBase string
	// WebhookSecrets are the platform endpoint's signing secrets (whsec_…).
	// A delivery signed with any of them verifies, so a secret can be
	// rolled: add the new one, then drop the old one once Stripe stops
	// signing with it.
	WebhookSecrets []string
	// ConnectWebhookSecrets are the Connect endpoint's signing secrets: the
	// endpoint (connect=true) where Stripe sends the events of connected
	// accounts (account.updated, with "account" set). Rolled the same way.
	ConnectWebhookSecrets []string
	HTTPClient            *http.Client // nil: a client with a 30 s timeout
	Clock                 clock.Clock  // nil: the system clock; used for the signature tolerance
}

// Client calls Stripe with one account's secret key. Safe for concurrent use.
type Client struct {
	api            *client.API
	secrets        []string
	connectSecrets []string
	live           bool // the key is a live-mode key: events must say livemode true
	clock          clock.Clock
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	var problems []string
	if cfg.SecretKey == "" {
		problems = append(problems, "SecretKey is required")
	} else if !strings.HasPrefix(cfg.SecretKey, "sk_") && !strings.HasPrefix(cfg.SecretKey, "rk_") {
		problems = append(problems, "SecretKey is not a secret key (sk_… or rk_…)")
	}
	for i, s := range cfg.WebhookSecrets {
		if s == "" {
			problems = append(problems, fmt.Sprintf("webhook secret %d is empty", i))
		}
	}
	for i, s := range cfg.ConnectWebhookSecrets {
		if s == "" {
			problems = append(problems, fmt.Sprintf("Connect webhook secret %d is empty", i))
		}
	}
	base := stripego.APIURL
	if cfg.APIBase != "" {
		u, err := url.Parse(cfg.APIBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, fmt.Sprintf("APIBase %q is not an http(s) base URL", cfg.APIBase))
		}
		base = strings.TrimSuffix(cfg.APIBase, "/")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("stripe: config: %s", strings.Join(problems, "; "))
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	backend := func(kind stripego.SupportedBackend, u string) stripego.Backend {
		return stripego.GetBackendWithConfig(kind, &stripego.BackendConfig{
			URL:             stripego.String(u),
			HTTPClient:      hc,
			LeveledLogger:   &stripego.LeveledLogger{Level: stripego.LevelNull},
			EnableTelemetry: stripego.Bool(false),
		})
	}
	backends := &stripego.Backends{API: backend(stripego.APIBackend, base)}
	// Connect (OAuth) and Uploads are not used; point them at the same place
	// so nothing can reach Stripe by surprise when APIBase is a stand-in.
	if cfg.APIBase != "" {
		backends.Connect = backend(stripego.ConnectBackend, base)
		backends.Uploads = backend(stripego.UploadsBackend, base)
	} else {
		backends.Connect = backend(stripego.ConnectBackend, stripego.ConnectURL)
		backends.Uploads = backend(stripego.UploadsBackend, stripego.UploadsURL)
	}
	return &Client{
		api:            client.New(cfg.SecretKey, backends),
		secrets:        append([]string(nil), cfg.WebhookSecrets...),
		connectSecrets: append([]string(nil), cfg.ConnectWebhookSecrets...),
		live:           Livemode(cfg.SecretKey),
		clock:          cfg.Clock,
	}, nil
}

// Livemode reports whether key is a live-mode key (sk_live_…, rk_live_…):
// Stripe keeps test and live data apart, and an event's livemode must be the
// key's mode (ParseEvent). Any other key (sk_test_…, a stand-in's) is test mode.
func Livemode(key string) bool {
	return strings.HasPrefix(key, "sk_live_") || strings.HasPrefix(key, "rk_live_")
}

// Livemode reports whether the client's key is a live-mode key.
func (c *Client) Livemode() bool { return c.live }

// Error is an error answered by Stripe, or a failure to reach it, in our
// words. Test with errors.As:
//
//	var se *stripe.Error
//	if errors.As(err, &se) && se.Code == "card_declined" { … }
type Error struct {
	// Code is Stripe's error code (card_declined, amount_too_large,
	// resource_missing, payment_intent_unexpected_state, idempotency_key_in_use,
	// …); "network_error" when Stripe could not be reached or its answer
	// could not be read.
	Code    string
	Message string // Stripe's message, fit to show an operator (and, for card errors, a buyer)
	Status  int    // HTTP status; 0 for a network error
	// Retryable is true when the same request (with the same idempotency key)
	// may succeed later: network errors, 5xx, 429 and 409.
	Retryable bool

	Type        string // card_error, invalid_request_error, idempotency_error, api_error; "" for a network error
	DeclineCode string // the issuer's reason for a card decline (generic_decline, insufficient_funds, …)
	Param       string // the parameter at fault, if any
	RequestID   string // Stripe's Request-Id, for support

	cause error // a transport or decoding error; never a stripe-go type
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stripe: ")
	if e.Code != "" {
		b.WriteString(e.Code)
	} else if e.Type != "" {
		b.WriteString(e.Type)
	} else {
		b.WriteString("error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap gives the transport error under a network error (so errors.Is finds
// context.DeadlineExceeded), and nothing for an error answered by Stripe.
func (e *Error) Unwrap() error { return e.cause }

// Retryable reports whether err is an *Error worth retrying later.
func Retryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// wrap turns what stripe-go returned into an *Error (or nil), so no stripe-go
// type leaves the package. op names the call for the message.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *stripego.Error
	if errors.As(err, &se) {
		e := &Error{
			Code: string(se.Code), Message: se.Msg, Status: se.HTTPStatusCode,
			Type: string(se.Type), DeclineCode: string(se.DeclineCode), Param: se.Param, RequestID: se.RequestID,
		}
		switch {
		case e.Status >= 500, e.Status == http.StatusTooManyRequests, e.Status == http.StatusConflict:
			e.Retryable = true
		}
		if e.Message == "" {
			e.Message = op + " failed"
		}
		return e
	}
	// Transport errors, context errors, or an answer that was not Stripe JSON
	// (a proxy's error page): the request may or may not have been applied;
	// retrying with the same idempotency key is safe.
	return &Error{Code: "network_error", Message: op + ": " + err.Error(), Retryable: true, cause: err}
}

// needKey refuses a write without an idempotency key: every write Trove makes
// must be safe to repeat.
func needKey(op, key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("stripe: %s: an idempotency key is required", op)
	case len(key) > 255:
		return fmt.Errorf("stripe: %s: idempotency key longer than 255 characters", op)
	}
	return nil
}

// Stripe writes amounts in the currency's smallest unit, as money does,
// except for two zero-decimal currencies that the API still takes with two
// (always zero) decimals for backwards compatibility.
var stripeHundredfold = map[string]bool{"ISK": true, "UGX": true}

func toStripeAmount(m money.Money) (amount int64, currency string, err error) {
	if !money.ValidCurrency(m.Currency) {
		return 0, "", fmt.Errorf("stripe: currency %q is not an ISO 4217 code", m.Currency)
	}
	a := m.Amount
	if stripeHundredfold[m.Currency] {
		if a > 1<<63/100-1 || a < -(1<<63/100-1) {
			return 0, "", fmt.Errorf("stripe: amount %s is too large", m)
		}
		a *= 100
	}
	return a, strings.ToLower(m.Currency), nil
}

// fromStripeAmount reads an amount Stripe reports on one payment (an
// intent, a charge, a refund, a dispute, an invoice) as money: never
// negative, and within money.MaxAmount (the error wraps
// money.ErrOutOfRange). Stripe refuses larger charges itself; a figure past
// the bound is a broken or forged object, refused before it reaches a sum.
func fromStripeAmount(amount int64, currency stripego.Currency) (money.Money, error) {
	m, err := fromStripeSum(amount, currency)
	if err != nil {
		return money.Money{}, err
	}
	if m, err = money.Incoming(m.Amount, m.Currency); err != nil {
		return money.Money{}, fmt.Errorf("stripe: %w", err)
	}
	return m, nil
}

// fromStripeSum reads an amount that may be a sum of many payments (a
// transfer to a vendor, its reversals): never negative, any size.
func fromStripeSum(amount int64, currency stripego.Currency) (money.Money, error) {
	c := strings.ToUpper(string(currency))
	if !money.ValidCurrency(c) {
		return money.Money{}, fmt.Errorf("stripe: currency %q is not an ISO 4217 code", currency)
	}
	if amount < 0 {
		return money.Money{}, fmt.Errorf("stripe: amount %d %s is negative", amount, c)
	}
	if stripeHundredfold[c] {
		amount /= 100
	}
	return money.Money{Amount: amount, Currency: c}, nil
}

// amounts reads several Stripe amounts and keeps the first error, so an
// object's conversion reads as one expression per field.
type amounts struct{ err error }

func (a *amounts) one(amount int64, currency stripego.Currency) money.Money {
	m, err := fromStripeAmount(amount, currency)
	if a.err == nil && err != nil {
		a.err = err
	}
	return m
}

func (a *amounts) sum(amount int64, currency stripego.Currency) money.Money {
	m, err := fromStripeSum(amount, currency)
	if a.err == nil && err != nil {
		a.err = err
	}
	return m
}

// chargeable checks an amount Trove asks Stripe to charge or refund: positive
// and within money.MaxAmount, which is Stripe's own ceiling for one charge.
func chargeable(op string, m money.Money) error {
	if err := positive(op, m); err != nil {
		return err
	}
	if m.Amount > money.MaxAmount {
		return fmt.Errorf("stripe: %s: amount %s: %w", op, m, money.ErrOutOfRange)
	}
	return nil
}

// positive checks an amount to charge or refund.
func positive(op string, m money.Money) error {
	if m.Amount <= 0 {
		return fmt.Errorf("stripe: %s: amount must be positive, got %s", op, m)
	}
	return nil
}

func copyMetadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// withContext makes a stripe-go Params carrying ctx and, for writes, the key.
func withContext(ctx context.Context, p *stripego.Params, key string) {
	p.Context = ctx
	if key != "" {
		p.SetIdempotencyKey(key)
	}
}
