// Package xero is a local Xero, for tests and `trove serve --sandbox`: the
// identity endpoints and the part of the Accounting API Trove's adapter
// (internal/xero) uses, each request held against Xero's own OpenAPI
// description (xerospec). Importers name it sbxero, beside the adapter.
package xero

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/sandbox"
)

// Config configures the Xero stand-in.
type Config struct {
	// ClientID and ClientSecret are the app's credentials: the only client
	// the identity endpoints accept. Empty: "sandbox-client-id" and
	// "sandbox-client-secret".
	ClientID, ClientSecret string
	Clock                  clock.Clock   // nil = clock.System{}
	Limits                 Limits        // zero fields = Xero's own limits
	AccessTokenTTL         time.Duration // 0 = 30 minutes, as Xero
	Log                    *slog.Logger
}

// Limits are the per-tenant API limits. A zero field takes Xero's value.
type Limits struct {
	Concurrent int           // in-flight calls per tenant (Xero: 5)
	PerMinute  int           // calls per tenant per Minute window (Xero: 60)
	PerDay     int           // calls per tenant per rolling 24 hours (Xero: 5000)
	Minute     time.Duration // the length of the "minute" window (Xero: 1m); tests shrink it
}

// Defaults for an empty Config field.
const (
	DefaultClientID     = "sandbox-client-id"
	DefaultClientSecret = "sandbox-client-secret"
)

// Xero's documented lifetimes (developer.xero.com/faq/oauth2).
const (
	xeroRefreshTTL   = 60 * 24 * time.Hour // an unused refresh token expires after 60 days
	xeroRefreshGrace = 30 * time.Minute    // a used one still works this long (a lost response can be retried)
	xeroCodeTTL      = 5 * time.Minute
	xeroIdemTTL      = 24 * time.Hour
	xeroAppPerMinute = 10000 // X-AppMinLimit-Remaining: sent, not enforced
)

// Xero is a local Xero: the identity endpoints (authorize, token,
// connections) and the part of the Accounting API Trove uses (contacts,
// invoices and bills, payments, credit notes and their allocations, the
// chart of accounts, tax rates, organisation). Every accounting request is
// authenticated, rate limited per tenant as Xero does, and validated against
// Xero's own OpenAPI description (package xerospec) before the business
// rules run. Safe for concurrent use.
//
// One server plays every host. With the handler at base B:
//
//	https://login.xero.com/identity/connect/authorize -> B/identity/connect/authorize
//	https://identity.xero.com/connect/token           -> B/connect/token
//	https://api.xero.com/connections                  -> B/connections
//	https://api.xero.com/api.xro/2.0/…                -> B/api.xro/2.0/…
//
// Order of checks on an accounting call: bearer token (401), the grant's
// scopes against the endpoint's (401 insufficient_scope), xero-tenant-id of
// the token's grant (403), FailNext outage, rate limits (429), the spec
// (400 ValidationException, counted in Stats.Rejected), Idempotency-Key
// replay, then the endpoint's business rules (400 ValidationException,
// nothing stored when any element of the batch fails).
//
// Behaviours taken from Xero's documentation:
//   - the stand-in is an app created after 2 March 2026: the consent refuses
//     the broad accounting.transactions (and .read) and
//     accounting.reports.read with Xero's error page ("Error: invalid_scope
//     : …", no redirect), as it does an unknown scope; each accounting call
//     needs its granular scope (accounting.invoices for invoices and credit
//     notes, accounting.payments, accounting.contacts, accounting.settings;
//     a GET also takes the .read variant), else 401 with WWW-Authenticate
//     Bearer error="insufficient_scope" and Detail AuthorizationUnsuccessful.
//     Only a consent to offline_access gets a refresh token (scopes.go).
//   - access tokens live 30 minutes; refresh tokens rotate on each use, an
//     unused one expires after 60 days, and a used one can be retried for a
//     30 minute grace period (developer.xero.com/faq/oauth2; also stated by
//     Xero staff on community.xero.com/developer/discussion/105714701);
//     anything else answers 400 {"error":"invalid_grant"}.
//   - limits per tenant: 5 in flight, 60 a minute, 5000 a day; 429 with
//     Retry-After (whole seconds, rounded up, so tests that shrink the
//     minute still wait at least a second) and X-Rate-Limit-Problem, and no
//     header Xero does not send; every answer carries
//     X-MinLimit-Remaining, X-DayLimit-Remaining, X-AppMinLimit-Remaining
//     (developer.xero.com/faq/limits). The windows here are rolling.
//   - Idempotency-Key: at most 128 characters (the spec's own parameter
//     description). Keys are kept 24 hours per tenant. Xero's docs do not
//     say what a key reused with a different body does, so the stand-in
//     replays the first answer (status and body) whatever the new request
//     is. Only answers from an endpoint are kept (2xx and business-rule
//     400s); 401/403/429, outages and spec rejections are not, so a retry
//     after one of those runs for real.
type Xero struct {
	cfg     Config
	clock   clock.Clock
	log     *slog.Logger
	limits  Limits
	handler http.Handler

	mu    sync.Mutex
	state               // everything a restart must keep
	hold  chan struct{} // non-nil: admitted calls wait for it to close
	file  *sandbox.File // nil: the state lives in memory only (Open)
}

// state is the stand-in's memory: the organisations with their books, the
// grants and tokens it has issued, and what it has been asked.
type state struct {
	Tenants    map[string]*xeroTenant
	Order      []string // tenant ids in the order added
	Codes      map[string]*xeroCode
	Grants     map[string]*xeroGrant
	Access     map[string]*xeroAccess
	Refresh    map[string]*xeroRefresh
	RequestLog []Request
	AppLog     []time.Time
}

type xeroCode struct {
	ClientID, RedirectURI, Scope string
	Tenants                      []string
	Expires                      time.Time
	Used                         bool
}

type xeroGrant struct {
	ID, AuthEventID, Scope string
	Tenants                []string
	Created                time.Time
}

type xeroAccess struct {
	Grant   string
	Expires time.Time
}

type xeroRefresh struct {
	Grant          string
	Issued, UsedAt time.Time
}

type xeroTenant struct {
	ID, Name  string
	Created   time.Time
	Accounts  []*xeroAccount
	Contacts  []*Contact
	Invoices  []*Invoice
	Payments  []*Payment
	Credits   []*CreditNote
	Idem      map[string]*xeroIdem
	Stats     Stats
	inFlight  int
	MinuteLog []time.Time // admitted calls in the current Minute window
	DayLog    []time.Time // admitted calls in the last 24 hours
	failN     int
	failCode  int
	InvSeq    int
	CnSeq     int
}

type xeroAccount struct {
	ID, Code, Name, Typ, Class, TaxType string
	EnablePayments                      bool
}

type xeroTaxRate struct {
	typ, name string
	rate      float64 // percent
}

// The seeded tax rates: NONE and EXEMPTEXPENSES at 0%, INPUT at 15%.
var xeroTaxRates = []xeroTaxRate{
	{"NONE", "No GST", 0},
	{"INPUT", "GST on Expenses", 15},
	{"EXEMPTEXPENSES", "Exempt Expenses", 0},
}

func xeroTaxRateOf(code string) (xeroTaxRate, bool) {
	for _, t := range xeroTaxRates {
		if t.typ == code {
			return t, true
		}
	}
	return xeroTaxRate{}, false
}

type xeroIdem struct {
	Status int
	Body   json.RawMessage
	At     time.Time
}

// Stats is what one tenant saw.
type Stats struct {
	Requests       int // accounting calls naming the tenant with a valid token (429s and outages included)
	PeakConcurrent int // most calls in flight at once
	MaxInWindow    int // most calls admitted within any one Minute window (rolling)
	Throttled      int // 429s sent
	Refreshes      int // token refreshes by any grant that covers the tenant
	Rejected       int // 400s for bodies or parameters the spec refused
}

// Request is one API call as the stand-in saw it.
type Request struct {
	Method, Path, TenantID, IdempotencyKey string
	Status                                 int
	At                                     time.Time
}

// Contact is a contact (a vendor, for Trove's bills).
type Contact struct {
	ContactID, ContactNumber, Name, EmailAddress string
	Status                                       string // ACTIVE
	IsSupplier, IsCustomer                       bool
	Updated                                      time.Time
}

// LineItem is one line of an invoice or credit note.
type LineItem struct {
	LineItemID, Description string
	Quantity, UnitAmount    float64
	AccountCode, TaxType    string
	TaxAmount, LineAmount   float64
}

// Allocation is part of a credit note set against an invoice.
type Allocation struct {
	AllocationID, CreditNoteID, InvoiceID string
	Amount                                float64
	Date                                  time.Time
}

// Invoice is an invoice (ACCREC) or a bill (ACCPAY).
type Invoice struct {
	InvoiceID, InvoiceNumber, Type, Status, ContactID, Reference string
	LineAmountTypes, CurrencyCode                                string
	Date, DueDate                                                time.Time // DueDate zero: none
	LineItems                                                    []LineItem
	SubTotal, TotalTax, Total                                    float64
	AmountDue, AmountPaid, AmountCredited                        float64
	FullyPaidOnDate                                              time.Time // zero until PAID
	PaymentIDs                                                   []string
	Allocations                                                  []Allocation // credit notes set against it
	Updated                                                      time.Time
}

// Payment is money paid against an invoice (or refunded on a credit note).
type Payment struct {
	PaymentID, InvoiceID, CreditNoteID string
	AccountID, AccountCode             string
	PaymentType, Status, Reference     string // ACCPAYPAYMENT …, AUTHORISED
	Amount                             float64
	Date, Updated                      time.Time
}

// CreditNote is a credit note (ACCPAYCREDIT from a supplier, ACCRECCREDIT to a customer).
type CreditNote struct {
	CreditNoteID, CreditNoteNumber, Type, Status, ContactID, Reference string
	LineAmountTypes, CurrencyCode                                      string
	Date, DueDate                                                      time.Time
	LineItems                                                          []LineItem
	SubTotal, TotalTax, Total                                          float64
	RemainingCredit, AppliedAmount                                     float64
	FullyPaidOnDate                                                    time.Time
	Allocations                                                        []Allocation
	PaymentIDs                                                         []string
	Updated                                                            time.Time
}

// New returns a stand-in with no tenants: add them with AddTenant.
func New(cfg Config) *Xero {
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = 30 * time.Minute
	}
	l := cfg.Limits
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
	x := &Xero{cfg: cfg, clock: cfg.Clock, log: cfg.Log, limits: l,
		state: state{Tenants: map[string]*xeroTenant{}, Codes: map[string]*xeroCode{}, Grants: map[string]*xeroGrant{},
			Access: map[string]*xeroAccess{}, Refresh: map[string]*xeroRefresh{}}}
	if x.clock == nil {
		x.clock = clock.System{}
	}
	if x.log == nil {
		x.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	x.handler = x.routes()
	return x
}

// Handler serves every Xero host at once: /identity/connect/authorize
// (login.xero.com), /connect/token (identity.xero.com), /connections and
// /api.xro/2.0/… (api.xero.com). Mount it at the root of a server.
func (x *Xero) Handler() http.Handler { return x.handler }

// ClientID and ClientSecret are the credentials the stand-in accepts.
func (x *Xero) ClientID() string     { return x.cfg.ClientID }
func (x *Xero) ClientSecret() string { return x.cfg.ClientSecret }

// AddTenant adds an organisation with the seeded chart of accounts and
// returns its tenant id. A grant made after this (the authorize step)
// covers it; grants made before do not, as a Xero user picks the
// organisations at consent.
func (x *Xero) AddTenant(name string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	defer x.save()
	t := &xeroTenant{ID: xeroUUID(), Name: name, Created: x.clock.Now(), Idem: map[string]*xeroIdem{}}
	for _, a := range []xeroAccount{
		{Code: "090", Name: "Business Bank Account", Typ: "BANK", Class: "ASSET", TaxType: "NONE"},
		{Code: "091", Name: "Stripe clearing", Typ: "BANK", Class: "ASSET", TaxType: "NONE"},
		{Code: "200", Name: "Sales", Typ: "REVENUE", Class: "REVENUE", TaxType: "NONE"},
		{Code: "260", Name: "Commission income", Typ: "REVENUE", Class: "REVENUE", TaxType: "NONE"},
		{Code: "300", Name: "Cost of goods sold / vendor payouts", Typ: "DIRECTCOSTS", Class: "EXPENSE", TaxType: "INPUT"},
		{Code: "310", Name: "Expenses", Typ: "EXPENSE", Class: "EXPENSE", TaxType: "INPUT"},
	} {
		a.ID = xeroUUID()
		t.Accounts = append(t.Accounts, &a)
	}
	x.Tenants[t.ID] = t
	x.Order = append(x.Order, t.ID)
	return t.ID
}

// Contacts returns the tenant's contacts, oldest first.
func (x *Xero) Contacts(tenantID string) []Contact {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Contact
	if t := x.Tenants[tenantID]; t != nil {
		for _, c := range t.Contacts {
			out = append(out, *c)
		}
	}
	return out
}

// Invoices returns the tenant's invoices and bills, oldest first.
func (x *Xero) Invoices(tenantID string) []Invoice {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Invoice
	if t := x.Tenants[tenantID]; t != nil {
		for _, in := range t.Invoices {
			out = append(out, in.clone())
		}
	}
	return out
}

// Payments returns the tenant's payments, oldest first.
func (x *Xero) Payments(tenantID string) []Payment {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []Payment
	if t := x.Tenants[tenantID]; t != nil {
		for _, p := range t.Payments {
			out = append(out, *p)
		}
	}
	return out
}

// CreditNotes returns the tenant's credit notes, oldest first.
func (x *Xero) CreditNotes(tenantID string) []CreditNote {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []CreditNote
	if t := x.Tenants[tenantID]; t != nil {
		for _, c := range t.Credits {
			out = append(out, c.clone())
		}
	}
	return out
}

// Stats returns what the tenant has seen so far.
func (x *Xero) Stats(tenantID string) Stats {
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.Tenants[tenantID]; t != nil {
		return t.Stats
	}
	return Stats{}
}

// Requests returns every API call (accounting and connections), oldest first.
func (x *Xero) Requests() []Request {
	x.mu.Lock()
	defer x.mu.Unlock()
	return append([]Request(nil), x.RequestLog...)
}

// ExpireAccessTokens expires every access token issued so far: the next
// call with one answers 401 TokenExpired. Refresh tokens stay valid.
func (x *Xero) ExpireAccessTokens() {
	x.mu.Lock()
	defer x.mu.Unlock()
	defer x.save()
	now := x.clock.Now()
	for _, a := range x.Access {
		if a.Expires.After(now) {
			a.Expires = now
		}
	}
}

// FailNext makes the tenant's next n accounting calls (after the token and
// tenant checks) answer status with an empty-ish body, doing nothing: an
// outage. They do not count against the rate limits.
func (x *Xero) FailNext(tenantID string, status, n int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.Tenants[tenantID]
	if t == nil {
		panic(fmt.Sprintf("sandbox xero: no tenant %q", tenantID))
	}
	t.failCode, t.failN = status, n
}

// Hold makes accounting calls wait, once admitted by the rate limits (so
// they count as in flight), until release is called: tests use it to have
// several calls in flight at once. release is safe to call more than once.
func (x *Xero) Hold() (release func()) {
	ch := make(chan struct{})
	x.mu.Lock()
	x.hold = ch
	x.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			x.mu.Lock()
			if x.hold == ch {
				x.hold = nil
			}
			x.mu.Unlock()
			close(ch)
		})
	}
}

func (in *Invoice) clone() Invoice {
	c := *in
	c.LineItems = append([]LineItem(nil), in.LineItems...)
	c.PaymentIDs = append([]string(nil), in.PaymentIDs...)
	c.Allocations = append([]Allocation(nil), in.Allocations...)
	return c
}

func (cn *CreditNote) clone() CreditNote {
	c := *cn
	c.LineItems = append([]LineItem(nil), cn.LineItems...)
	c.PaymentIDs = append([]string(nil), cn.PaymentIDs...)
	c.Allocations = append([]Allocation(nil), cn.Allocations...)
	return c
}

// tenantIDs returns the tenant ids in the order they were added.
func (x *Xero) tenantIDs() []string { return append([]string(nil), x.Order...) }

func xeroUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func xeroToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// sortStrings is sort.Strings on a copy.
func sortStrings(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
