// Package xero is Trove's adapter for Xero: the OAuth 2.0 code flow (with
// offline_access and rotating refresh tokens), the tenant connections, and the
// slice of the Accounting API that books vendor payouts: contacts, ACCPAY
// bills, payments, credit notes and their allocations.
//
// It speaks in Trove's words: callers see Token, Tenant, Contact, Invoice,
// Payment and CreditNote, with money as int64 minor units and dates as
// time.Time; Xero's wire shapes never leave the package.
//
// Every accounting call goes through a per-tenant limiter that keeps this
// process inside Xero's limits (5 calls in flight, 60 started per minute,
// 5,000 per day, per tenant), waits out 429s for the time Xero asks, and asks
// the caller's TokenSource for a fresh token once when Xero answers 401.
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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	// app, or the token lacks a scope.
	ErrForbidden = errors.New("xero: forbidden")
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
	// ErrDailyLimit: the tenant's daily call budget is spent (in this
	// process's count, or Xero said so). Retrying today cannot help;
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

// Limits are Xero's per-tenant call limits, applied by this process.
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

// DefaultScopes are asked for when Config.Scopes is empty.
var DefaultScopes = []string{
	"openid", "profile", "email", "offline_access",
	"accounting.transactions", "accounting.contacts", "accounting.settings.read",
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
	LoginBase  string
	Scopes     []string     // nil: DefaultScopes
	Limits     Limits       // zero fields: Xero's limits
	HTTPClient *http.Client // nil: a client with a 30 s timeout
	Clock      clock.Clock  // nil: the system clock; stamps token expiry
	Log        *slog.Logger // nil: logs nothing
}

// Client talks to Xero with one app's credentials, for any number of
// tenants. Safe for concurrent use. Keep one per process: the limiters live in
// it.
type Client struct {
	cfg          Config
	apiBase      string
	identityBase string
	loginBase    string
	hc           *http.Client
	clock        clock.Clock
	log          *slog.Logger
	limits       Limits
	limiters     *limiterSet

	// Retry policy; tests may lower the waits.
	maxRateAttempts int           // attempts in all while Xero answers 429
	maxRetryWait    time.Duration // the longest single 429 wait
	quickRetryWait  time.Duration // the pause before the one retry after a 5xx/network error
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
	if len(problems) > 0 {
		return nil, fmt.Errorf("xero: config: %s", strings.Join(problems, "; "))
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
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
	limits := l.withDefaults()
	return &Client{
		cfg:             cfg,
		apiBase:         apiBase,
		identityBase:    identityBase,
		loginBase:       loginBase,
		hc:              hc,
		clock:           cfg.Clock,
		log:             log,
		limits:          limits,
		limiters:        newLimiterSet(limits),
		maxRateAttempts: 5,
		maxRetryWait:    65 * time.Second,
		quickRetryWait:  250 * time.Millisecond,
	}, nil
}
