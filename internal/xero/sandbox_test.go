package xero_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/xero"
)

// refresher is a TokenSource as the caller will write one: it keeps the
// pair, and refreshes (single-flight) when asked to force.
type refresher struct {
	c     *xero.Client
	mu    sync.Mutex
	tok   xero.Token
	count int
}

func (r *refresher) AccessToken(ctx context.Context, tenantID string, force bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if force || !time.Now().Before(r.tok.ExpiresAt.Add(-time.Minute)) {
		t, err := r.c.Refresh(ctx, r.tok.RefreshToken)
		if err != nil {
			return "", err
		}
		r.tok = t
		r.count++
	}
	return r.tok.AccessToken, nil
}

type env struct {
	sb      *sbxero.Xero
	srv     *httptest.Server
	c       *xero.Client
	ts      *refresher
	tenants []string
}

// connect starts a sandbox with the tenants and runs the OAuth code flow
// against it, as the /oauth/xero/callback handler will.
func connect(t *testing.T, sbLimits sbxero.Limits, limits xero.Limits, tenantNames ...string) *env {
	t.Helper()
	return connectWith(t, sbLimits, func(c *xero.Config) { c.Limits = limits }, tenantNames...)
}

// client is one process's adapter for the env's sandbox.
func (e *env) client(t *testing.T, mod func(*xero.Config)) *xero.Client {
	t.Helper()
	cfg := xero.Config{
		ClientID: e.sb.ClientID(), ClientSecret: e.sb.ClientSecret(),
		APIBase: e.srv.URL, IdentityBase: e.srv.URL, LoginBase: e.srv.URL, Clock: clock.System{},
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := xero.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func connectWith(t *testing.T, sbLimits sbxero.Limits, mod func(*xero.Config), tenantNames ...string) *env {
	t.Helper()
	sb := sbxero.New(sbxero.Config{Clock: clock.System{}, Limits: sbLimits})
	var ids []string
	for _, n := range tenantNames {
		ids = append(ids, sb.AddTenant(n))
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	e := &env{sb: sb, srv: srv, tenants: ids}
	c := e.client(t, mod)
	const redirect = "https://trove.test/oauth/xero/callback"
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(c.AuthorizeURL("nonce-1", redirect))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "nonce-1" || loc.Host != "trove.test" {
		t.Fatalf("callback %s", loc)
	}
	ctx := context.Background()
	tok, err := c.ExchangeCode(ctx, loc.Query().Get("code"), redirect)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || time.Until(tok.ExpiresAt) < 29*time.Minute {
		t.Fatalf("token %v", tok)
	}
	if _, err := c.ExchangeCode(ctx, loc.Query().Get("code"), redirect); !errors.Is(err, xero.ErrInvalidGrant) {
		t.Fatalf("reused code: %v", err)
	}
	conns, err := c.Connections(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != len(ids) {
		t.Fatalf("connections %+v, want %d", conns, len(ids))
	}
	for i, cn := range conns {
		if cn.ID != ids[i] || cn.Name != tenantNames[i] {
			t.Fatalf("connection %d: %+v, want %s %s", i, cn, ids[i], tenantNames[i])
		}
	}
	e.c, e.ts = c, &refresher{c: c, tok: tok}
	return e
}

// TestTheBroadScopeIsRefused: an adapter asking for the deprecated
// accounting.transactions (what Trove asked for before) cannot connect to an
// app made after 2 March 2026: Xero shows its error page, with no code.
func TestTheBroadScopeIsRefused(t *testing.T) {
	e := connect(t, sbxero.Limits{}, xero.Limits{}, "Trove Ltd")
	old := e.client(t, func(c *xero.Config) {
		c.Scopes = []string{"openid", "profile", "email", "offline_access", "accounting.transactions", "accounting.contacts",
			"accounting.settings.read"}
	})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(old.AuthorizeURL("nonce-1", "https://trove.test/oauth/xero/callback"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Location") != "" ||
		!strings.Contains(string(body), "invalid_scope : accounting.transactions") {
		t.Fatalf("consent with the broad scope: %d %q", res.StatusCode, body)
	}
}

// TestTheBudgetIsSharedAcrossProcesses: two Trove processes (two adapters
// sharing one database) calling one tenant stay inside Xero's per-tenant
// limits together: the stand-in, which enforces them, never has to answer
// 429, and every call gets through. Each process on its own would stay
// inside the limits and together overshoot them.
func TestTheBudgetIsSharedAcrossProcesses(t *testing.T) {
	// processes makes two adapters, each with its own connection pool to
	// the test's database, as two processes would have.
	processes := func(t *testing.T, e *env, limits xero.Limits) [2]*xero.TenantClient {
		dsn := dbtest.NewDSN(t)
		var out [2]*xero.TenantClient
		for i := range out {
			conn, err := db.Open(context.Background(), dsn, db.Options{MaxOpenConns: 10, ConnectTimeout: 10 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			out[i] = e.client(t, func(c *xero.Config) { c.Limits, c.DB = limits, conn }).Tenant(e.tenants[0], e.ts)
		}
		return out
	}
	// run makes n calls from each process at once and reports every failure.
	run := func(t *testing.T, ps [2]*xero.TenantClient, n int) {
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for p, tc := range ps {
			for i := range n {
				wg.Go(func() {
					if _, _, err := tc.FindContact(context.Background(), fmt.Sprintf("V-%d-%d", p, i)); err != nil {
						errs <- err
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}

	t.Run("a rolling minute", func(t *testing.T) {
		t.Parallel()
		// The stand-in's minute is 500 ms; Trove's 800 ms window leaves
		// room for the time between a call's start and its arrival on a
		// busy test machine (in production the slack is 3 s of 60).
		e := connect(t, sbxero.Limits{PerMinute: 10, Minute: 500 * time.Millisecond}, xero.Limits{}, "Trove Ltd")
		ps := processes(t, e, xero.Limits{PerMinute: 10, Minute: 800 * time.Millisecond})
		run(t, ps, 10)
		st := e.sb.Stats(e.tenants[0])
		t.Logf("stand-in: %+v", st)
		if st.Throttled != 0 || st.MaxInWindow > 10 || st.Requests != 20 {
			t.Errorf("%d throttled, %d in one window, %d requests; want 0, at most 10, 20", st.Throttled, st.MaxInWindow, st.Requests)
		}
	})

	t.Run("calls in flight", func(t *testing.T) {
		t.Parallel()
		e := connect(t, sbxero.Limits{}, xero.Limits{}, "Trove Ltd")
		ps := processes(t, e, xero.Limits{})
		release := e.sb.Hold() // admitted calls stay in flight until released
		defer release()
		done := make(chan struct{})
		go func() { run(t, ps, 5); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for e.sb.Stats(e.tenants[0]).PeakConcurrent < 5 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // time for a sixth call to arrive, if one would
		held := e.sb.Stats(e.tenants[0])
		release()
		<-done
		st := e.sb.Stats(e.tenants[0])
		t.Logf("stand-in while held: %+v; after: %+v", held, st)
		if held.PeakConcurrent != 5 || held.Throttled != 0 || held.Requests != 5 {
			t.Errorf("while 5 were held: %d in flight, %d throttled, %d arrived; want 5, 0, 5",
				held.PeakConcurrent, held.Throttled, held.Requests)
		}
		if st.Throttled != 0 || st.Requests != 10 || st.PeakConcurrent > 5 {
			t.Errorf("after: %d throttled, %d requests, peak %d; want 0, 10, at most 5", st.Throttled, st.Requests, st.PeakConcurrent)
		}
	})

	t.Run("a day", func(t *testing.T) {
		t.Parallel()
		e := connect(t, sbxero.Limits{}, xero.Limits{}, "Trove Ltd")
		ps := processes(t, e, xero.Limits{PerDay: 4})
		ctx := context.Background()
		for i, p := range []int{0, 0, 0, 1} {
			if _, _, err := ps[p].FindContact(ctx, "V-1"); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
		for p := range ps {
			_, _, err := ps[p].FindContact(ctx, "V-1")
			var xe *xero.Error
			if !errors.Is(err, xero.ErrDailyLimit) || !errors.As(err, &xe) || xe.RetryAfter < 23*time.Hour {
				t.Errorf("process %d, the fifth call of the day: %v, want ErrDailyLimit for about 24h", p+1, err)
			}
		}
		if n := e.sb.Stats(e.tenants[0]).Requests; n != 4 {
			t.Errorf("%d calls reached Xero, want 4", n)
		}
	})
}

func TestSandboxBillPaidAndCredited(t *testing.T) {
	e := connect(t, sbxero.Limits{}, xero.Limits{}, "Trove Ltd")
	ctx := context.Background()
	tenant := e.tenants[0]
	tc := e.c.Tenant(tenant, e.ts)

	if _, found, err := tc.FindContact(ctx, "V-42"); err != nil || found {
		t.Fatalf("find before create: %v %v", found, err)
	}
	vendor, err := tc.CreateContact(ctx, xero.Contact{Name: "Acme Goods", ContactNumber: "V-42", Email: "ap@acme.test"}, "contact-V-42")
	if err != nil {
		t.Fatal(err)
	}
	again, err := tc.CreateContact(ctx, xero.Contact{Name: "Acme Goods", ContactNumber: "V-42", Email: "ap@acme.test"}, "contact-V-42")
	if err != nil || again.ID != vendor.ID {
		t.Fatalf("replay with the same key: %+v %v (first %s)", again, err, vendor.ID)
	}
	found, ok, err := tc.FindContact(ctx, "V-42")
	if err != nil || !ok || found.ID != vendor.ID {
		t.Fatalf("find: %+v %v %v", found, ok, err)
	}

	date := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	due := date.AddDate(0, 0, 7)
	bill, err := tc.CreateInvoice(ctx, xero.Invoice{
		Type: "ACCPAY", Status: "AUTHORISED", Reference: "payout-2025-12-01-V-42", Number: "P-1",
		ContactID: vendor.ID, Date: date, DueDate: due, Currency: "USD", LineAmountTypes: "NoTax",
		Lines: []xero.LineItem{
			{Description: "vendor order VO-1", Quantity: 1, UnitAmount: 1999, AccountCode: "300", TaxType: "NONE"},
			{Description: "vendor order VO-2", Quantity: 1, UnitAmount: 10, AccountCode: "300", TaxType: "NONE"},
			{Description: "vendor order VO-3", Quantity: 1, UnitAmount: 20, AccountCode: "300", TaxType: "NONE"},
		},
	}, "bill-payout-1")
	if err != nil {
		t.Fatal(err)
	}
	if bill.Status != "AUTHORISED" || bill.Total != 2029 || bill.AmountDue != 2029 || len(bill.Lines) != 3 ||
		!bill.DueDate.Equal(due) || !bill.Date.Equal(date) || bill.ContactID != vendor.ID || bill.Type != "ACCPAY" {
		t.Fatalf("bill %+v", bill)
	}
	byRef, ok, err := tc.FindInvoiceByReference(ctx, "payout-2025-12-01-V-42")
	if err != nil || !ok || byRef.ID != bill.ID {
		t.Fatalf("by reference: %+v %v %v", byRef, ok, err)
	}

	pay, err := tc.CreatePayment(ctx, xero.Payment{InvoiceID: bill.ID, AccountCode: "090", Date: date.AddDate(0, 0, 2),
		Amount: 2029, Reference: "tr_123"}, "payment-payout-1")
	if err != nil {
		t.Fatal(err)
	}
	if pay.Amount != 2029 || pay.InvoiceID != bill.ID || pay.ID == "" {
		t.Fatalf("payment %+v", pay)
	}
	paid, ok, err := tc.Invoice(ctx, bill.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if paid.Status != "PAID" || paid.AmountPaid != 2029 || paid.AmountDue != 0 {
		t.Fatalf("paid bill %+v", paid)
	}
	if ps := e.sb.Payments(tenant); len(ps) != 1 || ps[0].AccountCode != "090" || ps[0].Amount != 20.29 {
		t.Fatalf("sandbox payments %+v", ps)
	}

	// A refund after payout: a credit note against a second bill.
	bill2, err := tc.CreateInvoice(ctx, xero.Invoice{Status: "AUTHORISED", Reference: "payout-2", ContactID: vendor.ID,
		Date: date, DueDate: due, Currency: "USD", LineAmountTypes: "NoTax",
		Lines: []xero.LineItem{{Description: "VO-9", UnitAmount: 5000, AccountCode: "300", TaxType: "NONE"}}}, "bill-payout-2")
	if err != nil {
		t.Fatal(err)
	}
	cn, err := tc.CreateCreditNote(ctx, xero.CreditNote{Status: "AUTHORISED", Reference: "refund-VO-9", ContactID: vendor.ID,
		Date: date, Currency: "USD", LineAmountTypes: "NoTax",
		Lines: []xero.LineItem{{Description: "refund VO-9", UnitAmount: 1250, AccountCode: "300", TaxType: "NONE"}}}, "cn-refund-VO-9")
	if err != nil {
		t.Fatal(err)
	}
	if cn.Type != "ACCPAYCREDIT" || cn.Total != 1250 || cn.RemainingCredit != 1250 {
		t.Fatalf("credit note %+v", cn)
	}
	if err := tc.AllocateCreditNote(ctx, cn.ID, bill2.ID, 1250, date.AddDate(0, 0, 3), "alloc-refund-VO-9"); err != nil {
		t.Fatal(err)
	}
	got, _, err := tc.Invoice(ctx, bill2.ID)
	if err != nil || got.AmountCredited != 1250 || got.AmountDue != 3750 {
		t.Fatalf("credited bill %+v %v", got, err)
	}
	cn2, ok, err := tc.CreditNote(ctx, cn.ID)
	if err != nil || !ok || cn2.RemainingCredit != 0 {
		t.Fatalf("credit note after allocation %+v %v %v", cn2, ok, err)
	}

	// Not found, validation, an expired token, an outage.
	if _, ok, err := tc.Invoice(ctx, "00000000-0000-0000-0000-000000000000"); ok || err != nil {
		t.Fatalf("missing invoice: %v %v", ok, err)
	}
	_, err = tc.CreateInvoice(ctx, xero.Invoice{Status: "AUTHORISED", Reference: "bad", ContactID: vendor.ID, Date: date, DueDate: due,
		Currency: "USD", Lines: []xero.LineItem{{Description: "x", UnitAmount: 100, AccountCode: "999"}}}, "bill-bad")
	if !errors.Is(err, xero.ErrValidation) || xero.Retryable(err) {
		t.Fatalf("bad account code: %v", err)
	}
	t.Logf("validation error as the operator sees it: %v", err)

	refreshes := e.ts.count
	e.sb.ExpireAccessTokens()
	if _, _, err := tc.Invoice(ctx, bill.ID); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if e.ts.count != refreshes+1 {
		t.Fatalf("refreshes %d, want %d", e.ts.count, refreshes+1)
	}

	e.sb.FailNext(tenant, http.StatusServiceUnavailable, 1)
	if _, _, err := tc.Invoice(ctx, bill.ID); err != nil {
		t.Fatalf("one 503 should be retried once: %v", err)
	}
	e.sb.FailNext(tenant, http.StatusServiceUnavailable, 2)
	if _, _, err := tc.Invoice(ctx, bill.ID); !xero.Retryable(err) {
		t.Fatalf("two 503s: %v, want a retryable error", err)
	}
}

func TestSandboxManyBillsStayInsideTheLimits(t *testing.T) {
	const (
		bills  = 200
		minute = 500 * time.Millisecond
	)
	e := connect(t, sbxero.Limits{Minute: minute}, xero.Limits{Minute: minute}, "Trove Ltd")
	ctx := context.Background()
	tenant := e.tenants[0]
	tc := e.c.Tenant(tenant, e.ts)
	vendor, err := tc.CreateContact(ctx, xero.Contact{Name: "Acme Goods", ContactNumber: "V-1"}, "contact-V-1")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, bills)
	for i := range bills {
		wg.Go(func() {
			_, err := tc.CreateInvoice(ctx, xero.Invoice{Status: "AUTHORISED", Reference: fmt.Sprintf("payout-%03d", i),
				ContactID: vendor.ID, Date: date, DueDate: date.AddDate(0, 0, 14), Currency: "USD", LineAmountTypes: "NoTax",
				Lines: []xero.LineItem{
					{Description: "a", UnitAmount: int64(100 + i), AccountCode: "300", TaxType: "NONE"},
					{Description: "b", UnitAmount: 1, AccountCode: "300", TaxType: "NONE"},
				}}, fmt.Sprintf("bill-%03d", i))
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	invs := e.sb.Invoices(tenant)
	if len(invs) != bills {
		t.Fatalf("%d invoices in the sandbox, want %d", len(invs), bills)
	}
	refs := map[string]bool{}
	for _, inv := range invs {
		refs[inv.Reference] = true
	}
	if len(refs) != bills {
		t.Fatalf("%d distinct references, want %d", len(refs), bills)
	}
	st := e.sb.Stats(tenant)
	t.Logf("sandbox stats: %+v", st)
	if st.PeakConcurrent > 5 {
		t.Errorf("peak concurrency %d, limit 5", st.PeakConcurrent)
	}
	if st.MaxInWindow > 60 {
		t.Errorf("%d calls in one window, limit 60", st.MaxInWindow)
	}
}

// TestSandbox429sAreRetried points a client whose own limiter is looser than
// the sandbox's at it: the sandbox throttles, the client waits and retries.
func TestSandbox429sAreRetried(t *testing.T) {
	const minute = 300 * time.Millisecond
	e := connect(t, sbxero.Limits{PerMinute: 8, Minute: minute}, xero.Limits{PerMinute: 1000, Minute: minute}, "Trove Ltd")
	ctx := context.Background()
	tenant := e.tenants[0]
	tc := e.c.Tenant(tenant, e.ts)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			if _, _, err := tc.FindContact(ctx, fmt.Sprintf("V-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := e.sb.Stats(tenant)
	t.Logf("sandbox stats: %+v", st)
	if st.Throttled == 0 {
		t.Errorf("the sandbox throttled nothing; the test did not test 429 handling")
	}
	if st.Requests != 12+st.Throttled {
		t.Errorf("requests %d = 12 + throttled %d expected", st.Requests, st.Throttled)
	}
}
