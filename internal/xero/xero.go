// Package xero is Trove's adapter for Xero: the OAuth 2.0 code flow (with
// offline_access and rotating refresh tokens), the tenant connections, and the
// slice of the Accounting API that books vendor payouts: contacts, ACCPAY
// bills, payments, credit notes and their allocations.
//
// It speaks in Trove's words: callers see Token, Tenant, Contact, Invoice,
// Payment and CreditNote, with money as int64 minor units and dates as
// time.Time; Xero's wire shapes never leave the package.
//
// Every accounting call goes through a per-tenant budget that keeps Trove
// inside Xero's limits (5 calls in flight, 60 started per rolling minute,
// 5,000 per rolling day, per tenant): in the database, shared by every
// process (Config.DB), or else in this process alone. It waits out 429s for
// the Retry-After Xero sends, and asks the caller's TokenSource for a fresh
// token once when Xero answers 401 for the token (not for a missing scope:
// a fresh token has the same scopes).
// Refresh is never hidden: the caller refreshes through Client.Refresh and
// stores each rotated refresh token itself.
//
// The OAuth grants go through golang.org/x/oauth2 (the code exchange and the
// one refresh asked for); the accounting calls are plain net/http, since the
// limiter, the retries and the idempotency keys are ours. Base URLs and the
// HTTP client come from Config, so the adapter can talk to the sandbox
// (internal/sandbox) as well as to Xero.
package xero

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
)

// Errors a caller can act on. Each is wrapped in an *Error with detail; test
// with errors.Is.
var (
	// ErrInvalidGrant: the token endpoint refused the authorization code or the
	// refresh token (invalid_grant). Retrying will not help: the organisation
	// must be connected again.
	ErrInvalidGrant = errors.New("xero: grant refused")
	// ErrInvalidClient: the token endpoint refused the app's credentials
	// (invalid_client, unauthorized_client): a configuration problem.
	ErrInvalidClient = errors.New("xero: client credentials refused")
	// ErrUnauthorized: Xero refused the access token (401), even after one
	// forced refresh through the TokenSource.
	ErrUnauthorized = errors.New("xero: access token refused")
	// ErrForbidden: Xero answered 403: the tenant is no longer connected to the
	// app (or the xero-tenant-id is not one the token may reach).
	ErrForbidden = errors.New("xero: forbidden")
	// ErrInsufficientScope: Xero refused the call because the consent did not
	// grant the scope it needs (401 with WWW-Authenticate error
	// "insufficient_scope"). A fresh token has the same scopes: the
	// organisation must be connected again, asking for the missing scope.
	ErrInsufficientScope = errors.New("xero: the connection lacks a scope")
	// ErrValidation: Xero refused the request (400, usually a
	// ValidationException). The error text carries Xero's validation messages.
	// Retrying the same request will not help.
	ErrValidation = errors.New("xero: validation failed")
	// ErrNotFound: the object does not exist (404) where absence is not an
	// ordinary answer (single-object reads report found=false instead).
	ErrNotFound = errors.New("xero: not found")
	// ErrRateLimited: Xero still answered 429 after the bounded retries. The
	// same call may succeed later (Retryable reports true).
	ErrRateLimited = errors.New("xero: rate limited")
	// ErrDailyLimit: the tenant's daily call budget is spent (in Trove's
	// count, or Xero said so). Retrying today cannot help;
	// Error.RetryAfter says when budget frees up, when known.
	ErrDailyLimit = errors.New("xero: daily call limit reached")
	// ErrUnavailable: Xero could not be reached or answered 5xx. Retryable.
	ErrUnavailable = errors.New("xero: unavailable")
)

// Error is a failed call in our words. It wraps one of the Err values above.
type Error struct {
	Op     string // what was being done, e.g. "create invoice"
	Status int    // HTTP status; 0 when Xero was not reached
	// Type is Xero's exception type (ValidationException, …) or the OAuth
	// error code (invalid_grant, …), when Xero gave one.
	Type    string
	Message string // Xero's message, fit to show an operator
	// Validation lists Xero's ValidationErrors messages, in order.
	Validation []string
	// RetryAfter is how long Xero (or the local limiter) says to wait, when known.
	RetryAfter time.Duration

	kind  error // one of the Err values
	cause error // a transport or decoding error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	if e.Op != "" {
		b.WriteString(" (")
		b.WriteString(e.Op)
		b.WriteString(")")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Type != "" {
		b.WriteString(" ")
		b.WriteString(e.Type)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Validation) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Validation, "; "))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.cause != nil {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

// Retryable reports whether the same call (with the same idempotency key) may
// succeed if tried again later: Xero was unreachable, answered 5xx, or was
// still rate limiting after the bounded retries. The job queue retries these
// with backoff. Validation errors, refused grants and tokens, 403, 404 and the
// daily limit are not retryable (the daily limit frees up only tomorrow:
// check errors.Is(err, ErrDailyLimit) to reschedule instead).
func Retryable(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRateLimited)
}

// Limits are Xero's per-tenant call limits, applied by the budget.
type Limits struct {
	Concurrent int           // calls in flight at once; 0: 5
	PerMinute  int           // calls started in any Minute; 0: 60
	PerDay     int           // calls started in any 24 hours; 0: 5000
	Minute     time.Duration // the per-minute window; 0: one minute (tests shrink it)
}

func (l Limits) withDefaults() Limits {
	if l.Concurrent <= 0 {
		l.Concurrent = 5
	}
	if l.PerMinute <= 0 {
		l.PerMinute = 60
	}
	if l.PerDay <= 0 {
		l.PerDay = 5000
	}
	if l.Minute <= 0 {
		l.Minute = time.Minute
	}
	return l
}

// DefaultScopes are asked for when Config.Scopes is empty: offline_access
// (refresh tokens) and the granular accounting scopes the adapter's calls
// need. Xero apps created on or after 2 March 2026 cannot ask for the broad
// accounting.transactions (and it is withdrawn from every app by September
// 2027): invoices and credit notes are accounting.invoices, payments
// accounting.payments. accounting.settings.read (the chart of accounts, tax
// rates, the organisation) is read-only and asked for with them.
var DefaultScopes = []string{
	"offline_access", "accounting.invoices", "accounting.payments", "accounting.contacts", "accounting.settings.read",
}

// Scope families the adapter's calls need: each call needs its family's
// scope, or (a read) the family's ".read" scope.
const (
	scopeContacts = "accounting.contacts"
	scopeInvoices = "accounting.invoices" // invoices, credit notes and their allocations
	scopePayments = "accounting.payments"
	// scopeBroad is the deprecated scope that covered invoices, credit notes
	// and payments. Apps made before 2 March 2026 may still be granted it
	// until September 2027; newer apps are refused it at the consent.
	scopeBroad = "accounting.transactions"
)

// neededScopes are what the adapter's calls need, each with what it is for.
var neededScopes = []struct{ scope, why string }{
	{"offline_access", "refresh tokens, so bookkeeping runs without an operator"},
	{scopeContacts, "finding and creating the vendors' contacts"},
	{scopeInvoices, "bills, credit notes and their allocations"},
	{scopePayments, "paying bills and refunding credit notes"},
}

// CheckScopes reports whether scopes (what Trove asks for at the consent)
// cover every call the adapter makes, saying what is missing and what it is
// for. The deprecated accounting.transactions still covers invoices and
// payments for apps made before 2 March 2026: it passes, but Deprecated
// names it.
func CheckScopes(scopes []string) error {
	has := map[string]bool{}
	for _, s := range scopes {
		has[s] = true
	}
	var missing []string
	for _, n := range neededScopes {
		ok := has[n.scope]
		if (n.scope == scopeInvoices || n.scope == scopePayments) && has[scopeBroad] {
			ok = true
		}
		if !ok {
			missing = append(missing, fmt.Sprintf("%s (%s)", n.scope, n.why))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the scopes lack %s", strings.Join(missing, ", "))
	}
	return nil
}

// Deprecated returns the scopes in the list that Xero has withdrawn from
// apps created on or after 2 March 2026 (and from every app by September
// 2027): such an app's consent page refuses them with invalid_scope.
func Deprecated(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if s == scopeBroad || s == scopeBroad+".read" || s == "accounting.reports.read" {
			out = append(out, s)
		}
	}
	return out
}

// Config is what the adapter needs; see cmd/trove/config.go for where it comes from.
type Config struct {
	ClientID, ClientSecret string
	// APIBase: accounting at APIBase+"/api.xro/2.0", connections at
	// APIBase+"/connections". "": https://api.xero.com.
	APIBase string
	// IdentityBase: the token endpoint is IdentityBase+"/connect/token".
	// "": https://identity.xero.com.
	IdentityBase string
	// LoginBase: the consent page is LoginBase+"/identity/connect/authorize".
	// "": https://login.xero.com.
	LoginBase string
	// Scopes are asked for at the consent; nil: DefaultScopes. They must
	// cover the adapter's calls (CheckScopes).
	Scopes []string
	Limits Limits // zero fields: Xero's limits
	// DB, when set, holds the tenants' call budget (tables xero_call_budgets
	// and xero_calls, owned by this package), so that every process using
	// the database shares Xero's per-tenant limits. nil: this process keeps
	// the limits alone, which is right only for one process per tenant
	// (and for tests).
	DB         *sqlx.DB
	HTTPClient *http.Client // nil: a client with a 30 s timeout
	Clock      clock.Clock  // nil: the system clock; stamps token expiry
	Log        *slog.Logger // nil: logs nothing
}

// Client talks to Xero with one app's credentials, for any number of
// tenants. Safe for concurrent use. Keep one per process: the budget's
// in-process part lives in it.
type Client struct {
	cfg          Config
	apiBase      string
	identityBase string
	loginBase    string
	hc           *http.Client
	clock        clock.Clock
	log          *slog.Logger
	limits       Limits
	budget       budget

	// Retry policy; tests may lower the waits.
	maxRateAttempts int           // attempts in all while Xero answers 429
	maxRetryWait    time.Duration // the longest single 429 wait
	quickRetryWait  time.Duration // the pause before the one retry after a 5xx/network error
	// sleep waits between attempts (a 429's Retry-After, the quick retry);
	// tests replace it to see the waits asked for without spending them.
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	var problems []string
	if cfg.ClientID == "" {
		problems = append(problems, "ClientID is required")
	}
	if cfg.ClientSecret == "" {
		problems = append(problems, "ClientSecret is required")
	}
	base := func(name, v, def string) string {
		if v == "" {
			return def
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, fmt.Sprintf("%s %q is not an http(s) base URL", name, v))
			return ""
		}
		return strings.TrimSuffix(v, "/")
	}
	apiBase := base("APIBase", cfg.APIBase, "https://api.xero.com")
	identityBase := base("IdentityBase", cfg.IdentityBase, "https://identity.xero.com")
	loginBase := base("LoginBase", cfg.LoginBase, "https://login.xero.com")
	l := cfg.Limits
	if l.Concurrent < 0 || l.PerMinute < 0 || l.PerDay < 0 || l.Minute < 0 {
		problems = append(problems, "Limits must not be negative")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	if err := CheckScopes(cfg.Scopes); err != nil {
		problems = append(problems, "Scopes: "+err.Error())
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("xero: config: %s", strings.Join(problems, "; "))
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if old := Deprecated(cfg.Scopes); len(old) > 0 {
		log.Warn("xero: asking for deprecated scopes: apps created on or after 2 March 2026 are refused them, and every app is by September 2027",
			"scopes", strings.Join(old, " "))
	}
	limits := l.withDefaults()
	var b budget = newLimiterSet(limits)
	if cfg.DB != nil {
		b = newSharedBudget(cfg.DB, limits, hc.Timeout, log)
	}
	return &Client{
		cfg:             cfg,
		apiBase:         apiBase,
		identityBase:    identityBase,
		loginBase:       loginBase,
		hc:              hc,
		clock:           cfg.Clock,
		log:             log,
		limits:          limits,
		budget:          b,
		maxRateAttempts: 5,
		maxRetryWait:    65 * time.Second,
		quickRetryWait:  250 * time.Millisecond,
		sleep:           sleep,
	}, nil
}
