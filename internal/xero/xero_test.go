package xero

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
)

const testTenant = "tenant-1"

// tokens is a TokenSource that hands out "tok-N", a new N on every forced call.
type tokens struct {
	mu     sync.Mutex
	n      int
	forced int
	err    error
}

func (s *tokens) AccessToken(_ context.Context, tenantID string, force bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", s.err
	}
	if tenantID != testTenant {
		return "", fmt.Errorf("unexpected tenant %q", tenantID)
	}
	if s.n == 0 {
		s.n = 1
	}
	if force {
		s.n++
		s.forced++
	}
	return fmt.Sprintf("tok-%d", s.n), nil
}

// seen is one request the fake server received.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// fake is an httptest server that records every request and answers with
// respond (default: a canned success for the path).
type fake struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []seen
	respond func(w http.ResponseWriter, r *http.Request, n int) // n: 1-based request count
}

func newFake(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *fake {
	t.Helper()
	f := &fake{respond: respond}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(body)})
		n := len(f.reqs)
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if f.respond != nil {
			f.respond(w, r, n)
			return
		}
		canned(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const (
	cannedContact = `{"ContactID":"c-1","Name":"Acme Goods","ContactNumber":"V-1","EmailAddress":"a@example.com"}`
	cannedInvoice = `{"Type":"ACCPAY","InvoiceID":"inv-1","InvoiceNumber":"B-1","Reference":"payout-1","Status":"AUTHORISED",
		"Contact":{"ContactID":"c-1"},"Date":"/Date(1764547200000+0000)/","DueDate":"/Date(1765152000000+0000)/",
		"CurrencyCode":"USD","LineAmountTypes":"NoTax",
		"LineItems":[{"Description":"order 1","Quantity":1.0,"UnitAmount":0.1,"AccountCode":"300","TaxType":"NONE","LineAmount":0.1},
		             {"Description":"order 2","Quantity":1.0,"UnitAmount":0.2,"AccountCode":"300","TaxType":"NONE","LineAmount":0.2}],
		"SubTotal":0.3,"TotalTax":0.0,"Total":0.3,"AmountDue":0.3,"AmountPaid":0.0,"AmountCredited":0.0}`
	cannedCreditNote = `{"Type":"ACCPAYCREDIT","CreditNoteID":"cn-1","CreditNoteNumber":"CN-1","Status":"AUTHORISED",
		"Contact":{"ContactID":"c-1"},"Date":"2025-12-01T00:00:00","CurrencyCode":"USD",
		"LineItems":[{"Description":"refund","Quantity":1,"UnitAmount":5.5,"AccountCode":"300","LineAmount":5.5}],
		"Total":5.5,"RemainingCredit":5.5}`
	cannedPayment = `{"PaymentID":"p-1","Invoice":{"InvoiceID":"inv-1","CurrencyCode":"USD"},"Account":{"AccountID":"a-1","Code":"090"},
		"Date":"/Date(1764547200000+0000)/","Amount":0.3,"Reference":"tr_1","Status":"AUTHORISED"}`
)

func canned(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, accountingPath)
	switch {
	case strings.HasSuffix(p, "/Allocations"):
		writeJSON(w, 200, `{"Allocations":[{"Amount":5.5,"Date":"/Date(1764547200000+0000)/","Invoice":{"InvoiceID":"inv-1"}}]}`)
	case strings.HasPrefix(p, "/Contacts"):
		writeJSON(w, 200, `{"Contacts":[`+cannedContact+`]}`)
	case strings.HasPrefix(p, "/Invoices"):
		writeJSON(w, 200, `{"Invoices":[`+cannedInvoice+`]}`)
	case strings.HasPrefix(p, "/CreditNotes"):
		writeJSON(w, 200, `{"CreditNotes":[`+cannedCreditNote+`]}`)
	case strings.HasPrefix(p, "/Payments"):
		writeJSON(w, 200, `{"Payments":[`+cannedPayment+`]}`)
	default:
		writeJSON(w, 404, `{"Title":"Not found"}`)
	}
}

func newTestClient(t *testing.T, base string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		ClientID: "client-id", ClientSecret: "client-secret",
		APIBase: base, IdentityBase: base, LoginBase: base,
		Clock: clock.NewFake(time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.quickRetryWait = time.Millisecond
	return c
}

var (
	day1 = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	day8 = time.Date(2025, 12, 8, 0, 0, 0, 0, time.UTC)
)

func testBill() Invoice {
	return Invoice{
		Status: "AUTHORISED", Reference: "payout-1", ContactID: "c-1", Date: day1, DueDate: day8,
		Currency: "USD", LineAmountTypes: "NoTax",
		Lines: []LineItem{
			{Description: "order 1", Quantity: 1, UnitAmount: 10, AccountCode: "300", TaxType: "NONE"},
			{Description: "order 2", Quantity: 1, UnitAmount: 20, AccountCode: "300", TaxType: "NONE"},
		},
	}
}

func TestEveryCallSendsTheHeaders(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		method string
		path   string
		call   func(tc *TenantClient) error
	}{
		{"FindContact", "GET", "/Contacts", func(tc *TenantClient) error {
			c, ok, err := tc.FindContact(ctx, "V-1")
			if err == nil && (!ok || c.ID != "c-1" || c.Email != "a@example.com") {
				err = fmt.Errorf("got %+v %v", c, ok)
			}
			return err
		}},
		{"CreateContact", "PUT", "/Contacts", func(tc *TenantClient) error {
			_, err := tc.CreateContact(ctx, Contact{Name: "Acme Goods", ContactNumber: "V-1"}, "key-contact")
			return err
		}},
		{"CreateInvoice", "PUT", "/Invoices", func(tc *TenantClient) error {
			_, err := tc.CreateInvoice(ctx, testBill(), "key-invoice")
			return err
		}},
		{"Invoice", "GET", "/Invoices/inv-1", func(tc *TenantClient) error {
			_, _, err := tc.Invoice(ctx, "inv-1")
			return err
		}},
		{"FindInvoiceByReference", "GET", "/Invoices", func(tc *TenantClient) error {
			_, _, err := tc.FindInvoiceByReference(ctx, "payout-1")
			return err
		}},
		{"CreatePayment", "PUT", "/Payments", func(tc *TenantClient) error {
			_, err := tc.CreatePayment(ctx, Payment{InvoiceID: "inv-1", AccountCode: "090", Date: day1, Amount: 30, Currency: "USD"}, "key-payment")
			return err
		}},
		{"CreateCreditNote", "PUT", "/CreditNotes", func(tc *TenantClient) error {
			_, err := tc.CreateCreditNote(ctx, CreditNote{ContactID: "c-1", Date: day1, Currency: "USD",
				Lines: []LineItem{{Description: "refund", UnitAmount: 550, AccountCode: "300"}}}, "key-cn")
			return err
		}},
		{"CreditNote", "GET", "/CreditNotes/cn-1", func(tc *TenantClient) error {
			_, _, err := tc.CreditNote(ctx, "cn-1")
			return err
		}},
		{"AllocateCreditNote", "PUT", "/CreditNotes/cn-1/Allocations", func(tc *TenantClient) error {
			return tc.AllocateCreditNote(ctx, "cn-1", "inv-1", 550, day1, "key-alloc")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, nil)
			c := newTestClient(t, f.URL, nil)
			if err := tc.call(c.Tenant(testTenant, &tokens{})); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) == 0 {
				t.Fatal("no request")
			}
			last := reqs[len(reqs)-1]
			if last.method != tc.method || last.path != accountingPath+tc.path {
				t.Fatalf("last request %s %s, want %s %s", last.method, last.path, tc.method, accountingPath+tc.path)
			}
			for _, r := range reqs {
				if got := r.header.Get("xero-tenant-id"); got != testTenant {
					t.Errorf("%s %s: xero-tenant-id %q", r.method, r.path, got)
				}
				if got := r.header.Get("Authorization"); got != "Bearer tok-1" {
					t.Errorf("%s %s: Authorization %q", r.method, r.path, got)
				}
				if got := r.header.Get("Accept"); got != "application/json" {
					t.Errorf("%s %s: Accept %q", r.method, r.path, got)
				}
				key := r.header.Get("Idempotency-Key")
				if r.method == "PUT" || r.method == "POST" {
					if key == "" {
						t.Errorf("%s %s: no Idempotency-Key", r.method, r.path)
					}
					if ct := r.header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("%s %s: Content-Type %q", r.method, r.path, ct)
					}
				} else if key != "" {
					t.Errorf("%s %s: Idempotency-Key %q on a read", r.method, r.path, key)
				}
			}
		})
	}
}

func TestWritesRefuseAnEmptyIdempotencyKey(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, nil)
	tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
	for name, call := range map[string]func() error{
		"contact": func() error { _, err := tc.CreateContact(ctx, Contact{Name: "A"}, ""); return err },
		"invoice": func() error { _, err := tc.CreateInvoice(ctx, testBill(), " "); return err },
		"payment": func() error {
			_, err := tc.CreatePayment(ctx, Payment{InvoiceID: "inv-1", AccountCode: "090", Date: day1, Amount: 1}, "")
			return err
		},
		"credit note": func() error {
			_, err := tc.CreateCreditNote(ctx, CreditNote{ContactID: "c", Lines: []LineItem{{UnitAmount: 1}}}, "")
			return err
		},
		"allocation": func() error { return tc.AllocateCreditNote(ctx, "cn-1", "inv-1", 1, day1, "") },
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			if !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), "idempotency key") {
				t.Fatalf("got %v, want a validation error about the idempotency key", err)
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent; want none", n)
	}
}

func TestMoneyOnTheWire(t *testing.T) {
	ctx := context.Background()
	f := newFake(t, nil)
	tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
	bill := testBill()
	bill.Lines[0].UnitAmount = 1999
	bill.Lines[0].LineAmount = 1999
	got, err := tc.CreateInvoice(ctx, bill, "k1")
	if err != nil {
		t.Fatal(err)
	}
	body := f.requests()[0].body
	for _, want := range []string{`"UnitAmount":19.99`, `"LineAmount":19.99`, `"UnitAmount":0.20`, `"Quantity":1`,
		`"Date":"2025-12-01"`, `"DueDate":"2025-12-08"`, `"Type":"ACCPAY"`, `"Status":"AUTHORISED"`, `"Contact":{"ContactID":"c-1"}`,
		`"CurrencyCode":"USD"`, `"LineAmountTypes":"NoTax"`, `{"Invoices":[`} {
		if !strings.Contains(body, want) {
			t.Errorf("request body lacks %s:\n%s", want, body)
		}
	}
	// The canned answer has 0.1 + 0.2 lines and a Total of 0.3: exactly 30 cents.
	if got.Total != 30 || got.AmountDue != 30 || got.Lines[0].UnitAmount != 10 || got.Lines[1].LineAmount != 20 {
		t.Errorf("amounts read back wrong: %+v", got)
	}
	if !got.Date.Equal(day1) || !got.DueDate.Equal(day8) || got.ID != "inv-1" || got.ContactID != "c-1" {
		t.Errorf("fields read back wrong: %+v", got)
	}

	jpy := testBill()
	jpy.Currency = "JPY"
	jpy.Lines = []LineItem{{Description: "x", Quantity: 2.5, UnitAmount: 1200, AccountCode: "300"}}
	if _, err := tc.CreateInvoice(ctx, jpy, "k2"); err != nil {
		t.Fatal(err)
	}
	body = f.requests()[1].body
	if !strings.Contains(body, `"UnitAmount":1200,`) || !strings.Contains(body, `"Quantity":2.5`) {
		t.Errorf("JPY body: %s", body)
	}

	if _, err := tc.CreatePayment(ctx, Payment{InvoiceID: "inv-1", AccountCode: "090", Date: day1, Amount: 30, Currency: "USD", Reference: "tr_1"}, "k3"); err != nil {
		t.Fatal(err)
	}
	body = f.requests()[2].body
	for _, want := range []string{`"Amount":0.30`, `"Account":{"Code":"090"}`, `"Invoice":{"InvoiceID":"inv-1"}`, `"Date":"2025-12-01"`} {
		if !strings.Contains(body, want) {
			t.Errorf("payment body lacks %s: %s", want, body)
		}
	}
}

func TestPaymentWithoutCurrencyReadsTheInvoice(t *testing.T) {
	f := newFake(t, nil)
	tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
	p, err := tc.CreatePayment(context.Background(), Payment{InvoiceID: "inv-1", AccountCode: "090", Date: day1, Amount: 30}, "k")
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].method != "GET" || reqs[1].method != "PUT" {
		t.Fatalf("requests: %+v", reqs)
	}
	if p.Amount != 30 || p.Currency != "USD" || p.AccountCode != "090" || p.ID != "p-1" || p.Status != "AUTHORISED" {
		t.Fatalf("payment %+v", p)
	}
}

func TestWhereClauses(t *testing.T) {
	f := newFake(t, nil)
	tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
	ctx := context.Background()
	if _, _, err := tc.FindContact(ctx, `V-1`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.FindInvoiceByReference(ctx, `pay "7"`); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	q0, _ := url.ParseQuery(reqs[0].query)
	q1, _ := url.ParseQuery(reqs[1].query)
	if got := q0.Get("where"); got != `ContactNumber=="V-1"` {
		t.Errorf("contact where %q", got)
	}
	if got := q1.Get("where"); got != `Reference=="pay \"7\"" AND Type=="ACCPAY"` {
		t.Errorf("invoice where %q", got)
	}
}

// sleeps records the waits the client asks for, without spending them.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.waits)
}

// TestRateLimitRetries: a 429 is retried after the Retry-After Xero sends
// (whole seconds, or an HTTP date), and nothing else: the adapter reads no
// header of its own.
func TestRateLimitRetries(t *testing.T) {
	in90s := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name    string
		headers [][]string // per 429 answer, pairs of name and value
		want    []time.Duration
		approx  bool // HTTP dates are read against the wall clock
	}{
		{"seconds", [][]string{{"Retry-After", "1", "X-Rate-Limit-Problem", "minute"}, {"Retry-After", "7"}},
			[]time.Duration{time.Second, 7 * time.Second}, false},
		{"an HTTP date, capped at the longest wait", [][]string{{"Retry-After", in90s}}, []time.Duration{65 * time.Second}, false},
		{"a sandbox-only header is not Xero's", [][]string{{"Retry-After", "2", "X-Trove-Retry-After-Ms", "1"}},
			[]time.Duration{2 * time.Second}, false},
		{"no Retry-After: a second", [][]string{{"X-Rate-Limit-Problem", "concurrent"}}, []time.Duration{time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= len(tc.headers) {
					h := tc.headers[n-1]
					for i := 0; i+1 < len(h); i += 2 {
						w.Header().Set(h[i], h[i+1])
					}
					writeJSON(w, 429, ``)
					return
				}
				canned(w, r)
			})
			c := newTestClient(t, f.URL, nil)
			var sl sleeps
			c.sleep = sl.sleep
			if _, err := c.Tenant(testTenant, &tokens{}).CreateInvoice(context.Background(), testBill(), "k"); err != nil {
				t.Fatal(err)
			}
			if got := sl.got(); !slices.Equal(got, tc.want) {
				t.Errorf("waited %v, want %v", got, tc.want)
			}
			reqs := f.requests()
			if len(reqs) != len(tc.headers)+1 {
				t.Fatalf("%d requests, want %d", len(reqs), len(tc.headers)+1)
			}
			for _, r := range reqs {
				if r.header.Get("Idempotency-Key") != "k" || r.body != reqs[0].body {
					t.Errorf("retry changed the request: key %q", r.header.Get("Idempotency-Key"))
				}
			}
		})
	}
	t.Run("the wait is spent", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				writeJSON(w, 429, ``)
				return
			}
			canned(w, r)
		})
		start := time.Now()
		if _, _, err := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{}).Invoice(context.Background(), "inv-1"); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el < time.Second {
			t.Errorf("returned after %s: did not wait Retry-After", el)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "3")
			writeJSON(w, 429, ``)
		})
		c := newTestClient(t, f.URL, nil)
		var sl sleeps
		c.sleep = sl.sleep
		_, _, err := c.Tenant(testTenant, &tokens{}).Invoice(context.Background(), "inv-1")
		var xe *Error
		if !errors.Is(err, ErrRateLimited) || !Retryable(err) || !errors.As(err, &xe) || xe.RetryAfter != 3*time.Second {
			t.Fatalf("got %v, want a retryable ErrRateLimited saying 3s", err)
		}
		if n := len(f.requests()); n != 5 {
			t.Fatalf("%d attempts, want 5", n)
		}
		if got := sl.got(); len(got) != 4 {
			t.Fatalf("waits %v, want 4", got)
		}
	})
	t.Run("daily limit at Xero", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "3600")
			w.Header().Set("X-Rate-Limit-Problem", "day")
			writeJSON(w, 429, ``)
		})
		tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
		_, _, err := tc.Invoice(context.Background(), "inv-1")
		var xe *Error
		if !errors.Is(err, ErrDailyLimit) || Retryable(err) || !errors.As(err, &xe) || xe.RetryAfter != time.Hour {
			t.Fatalf("got %v, want ErrDailyLimit, not retryable, RetryAfter 1h", err)
		}
		if n := len(f.requests()); n != 1 {
			t.Fatalf("%d attempts, want 1", n)
		}
	})
}

func TestUnauthorizedForcesOneFreshToken(t *testing.T) {
	t.Run("fresh token accepted", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.Header.Get("Authorization") != "Bearer tok-2" {
				writeJSON(w, 401, `{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: token expired"}`)
				return
			}
			canned(w, r)
		})
		ts := &tokens{}
		tc := newTestClient(t, f.URL, nil).Tenant(testTenant, ts)
		if _, err := tc.CreateContact(context.Background(), Contact{Name: "A"}, "k"); err != nil {
			t.Fatal(err)
		}
		if ts.forced != 1 || len(f.requests()) != 2 {
			t.Fatalf("forced %d times, %d requests; want 1 and 2", ts.forced, len(f.requests()))
		}
	})
	t.Run("refused twice", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 401, `{"Title":"Unauthorized","Detail":"AuthenticationUnsuccessful"}`)
		})
		ts := &tokens{}
		tc := newTestClient(t, f.URL, nil).Tenant(testTenant, ts)
		_, err := tc.CreateContact(context.Background(), Contact{Name: "A"}, "k")
		if !errors.Is(err, ErrUnauthorized) || Retryable(err) {
			t.Fatalf("got %v, want ErrUnauthorized", err)
		}
		if ts.forced != 1 || len(f.requests()) != 2 {
			t.Fatalf("forced %d times, %d requests; want 1 and 2", ts.forced, len(f.requests()))
		}
	})
	t.Run("a missing scope is not refreshed", func(t *testing.T) {
		// What Xero answers a token whose consent lacks the call's scope.
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
			writeJSON(w, 401, `{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful","Extensions":{}}`)
		})
		ts := &tokens{}
		tc := newTestClient(t, f.URL, nil).Tenant(testTenant, ts)
		_, err := tc.CreatePayment(context.Background(), Payment{InvoiceID: "inv-1", AccountCode: "090", Amount: 30, Currency: "USD",
			Date: day1}, "k")
		if !errors.Is(err, ErrInsufficientScope) || errors.Is(err, ErrUnauthorized) || Retryable(err) {
			t.Fatalf("got %v, want ErrInsufficientScope", err)
		}
		if !strings.Contains(err.Error(), "accounting.payments") {
			t.Errorf("the error does not name the scope: %v", err)
		}
		if ts.forced != 0 || len(f.requests()) != 1 {
			t.Fatalf("forced %d times, %d requests; want 0 and 1", ts.forced, len(f.requests()))
		}
	})
	t.Run("token source fails", func(t *testing.T) {
		f := newFake(t, nil)
		boom := errors.New("vault sealed")
		tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{err: boom})
		if _, _, err := tc.Invoice(context.Background(), "x"); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestErrorsFromXero(t *testing.T) {
	const validation = `{"ErrorNumber":10,"Type":"ValidationException","Message":"A validation exception occurred",
		"Elements":[{"ValidationErrors":[{"Message":"Account code '999' is not a valid code for this document."},
		                                  {"Message":"Due Date is required for AUTHORISED invoices."}]}]}`
	for _, tc := range []struct {
		name      string
		status    int
		body      string
		kind      error
		retryable bool
		contains  []string
	}{
		{"validation", 400, validation, ErrValidation, false, []string{"ValidationException", "Account code '999' is not a valid code", "Due Date is required"}},
		{"forbidden", 403, `{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful"}`, ErrForbidden, false, []string{"Forbidden AuthenticationUnsuccessful"}},
		{"server error", 500, `oops`, ErrUnavailable, true, []string{"HTTP 500"}},
		{"unavailable", 503, ``, ErrUnavailable, true, []string{"HTTP 503"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, tc.status, tc.body) })
			c := newTestClient(t, f.URL, nil)
			_, err := c.Tenant(testTenant, &tokens{}).CreateInvoice(context.Background(), testBill(), "k")
			if !errors.Is(err, tc.kind) || Retryable(err) != tc.retryable {
				t.Fatalf("got %v (retryable %v), want %v (retryable %v)", err, Retryable(err), tc.kind, tc.retryable)
			}
			for _, s := range tc.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			want := 1
			if tc.status >= 500 {
				want = 2 // one quick retry
			}
			if n := len(f.requests()); n != want {
				t.Errorf("%d requests, want %d", n, want)
			}
		})
	}
	t.Run("5xx then success", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				writeJSON(w, 502, ``)
				return
			}
			canned(w, r)
		})
		if _, err := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{}).CreateInvoice(context.Background(), testBill(), "k"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("network error is retryable", func(t *testing.T) {
		f := newFake(t, nil)
		base := f.URL
		f.Close()
		_, _, err := newTestClient(t, base, nil).Tenant(testTenant, &tokens{}).Invoice(context.Background(), "x")
		if !errors.Is(err, ErrUnavailable) || !Retryable(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("element validation errors on a 200", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, `{"Invoices":[{"InvoiceID":"00000000-0000-0000-0000-000000000000","HasErrors":true,
				"ValidationErrors":[{"Message":"Contact not found"}]}]}`)
		})
		_, err := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{}).CreateInvoice(context.Background(), testBill(), "k")
		if !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), "Contact not found") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("local validation", func(t *testing.T) {
		f := newFake(t, nil)
		bill := testBill()
		bill.DueDate = time.Time{}
		_, err := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{}).CreateInvoice(context.Background(), bill, "k")
		if !errors.Is(err, ErrValidation) || !strings.Contains(err.Error(), "DueDate") || len(f.requests()) != 0 {
			t.Fatalf("got %v", err)
		}
	})
}

func TestNotFoundReads(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/Invoices") && r.URL.RawQuery != "" {
			writeJSON(w, 200, `{"Invoices":[]}`)
			return
		}
		if r.Method == "GET" && strings.Contains(r.URL.Path, "/Contacts") {
			writeJSON(w, 200, `{"Contacts":[]}`)
			return
		}
		writeJSON(w, 404, `The resource you're looking for cannot be found`)
	})
	tc := newTestClient(t, f.URL, nil).Tenant(testTenant, &tokens{})
	ctx := context.Background()
	if _, ok, err := tc.Invoice(ctx, "nope"); ok || err != nil {
		t.Errorf("Invoice: %v %v", ok, err)
	}
	if _, ok, err := tc.CreditNote(ctx, "nope"); ok || err != nil {
		t.Errorf("CreditNote: %v %v", ok, err)
	}
	if _, ok, err := tc.FindInvoiceByReference(ctx, "nope"); ok || err != nil {
		t.Errorf("FindInvoiceByReference: %v %v", ok, err)
	}
	if _, ok, err := tc.FindContact(ctx, "nope"); ok || err != nil {
		t.Errorf("FindContact: %v %v", ok, err)
	}
	if err := tc.AllocateCreditNote(ctx, "nope", "inv", 1, day1, "k"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AllocateCreditNote: %v", err)
	}
}

// TestLimiter fires many calls at once at a server that counts how many are
// in flight and when each arrived; the counts must stay inside the limits.
func TestLimiter(t *testing.T) {
	const (
		window    = 300 * time.Millisecond
		perWindow = 10
		calls     = 35
	)
	var inFlight, maxInFlight atomic.Int64
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
		time.Sleep(15 * time.Millisecond)
		canned(w, r)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Limits = Limits{Concurrent: 5, PerMinute: perWindow, Minute: window}
	})
	tc := c.Tenant(testTenant, &tokens{})
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			if _, err := tc.CreateInvoice(context.Background(), testBill(), fmt.Sprintf("bill-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := maxInFlight.Load(); m > 5 {
		t.Errorf("%d calls in flight at once, limit 5", m)
	}
	slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
	if len(arrivals) != calls {
		t.Fatalf("%d arrivals, want %d", len(arrivals), calls)
	}
	for i := range arrivals {
		if i+perWindow < len(arrivals) && arrivals[i+perWindow].Sub(arrivals[i]) < window {
			t.Errorf("%d calls arrived within %s (from #%d), limit %d per window",
				perWindow+1, arrivals[i+perWindow].Sub(arrivals[i]), i, perWindow)
		}
	}

	t.Run("a context ends the wait", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		var err error
		for range perWindow + 1 {
			if _, _, err = tc.Invoice(ctx, "inv-1"); err != nil {
				break
			}
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the context's deadline", err)
		}
	})
	t.Run("tenants have their own budgets", func(t *testing.T) {
		ls := c.budget.(*limiterSet)
		other := ls.tenant("tenant-2")
		if other == ls.tenant(testTenant) || len(other.minute.ts) != 0 {
			t.Fatal("tenant-2 shares tenant-1's limiter")
		}
	})
}

func TestDailyLimitFailsFast(t *testing.T) {
	f := newFake(t, nil)
	c := newTestClient(t, f.URL, func(cfg *Config) { cfg.Limits = Limits{PerDay: 3} })
	tc := c.Tenant(testTenant, &tokens{})
	for i := range 3 {
		if _, _, err := tc.Invoice(context.Background(), "inv-1"); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	_, _, err := tc.Invoice(context.Background(), "inv-1")
	var xe *Error
	if !errors.Is(err, ErrDailyLimit) || Retryable(err) || !errors.As(err, &xe) || xe.RetryAfter <= 23*time.Hour {
		t.Fatalf("got %v, want ErrDailyLimit with about 24h to wait", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Fatalf("%d requests reached Xero, want 3", n)
	}
}

func TestOAuth(t *testing.T) {
	var grants []url.Values
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/connect/token":
			id, secret, ok := r.BasicAuth()
			if !ok || id != "client-id" || secret != "client-secret" {
				writeJSON(w, 400, `{"error":"invalid_client"}`)
				return
			}
			r.ParseForm()
			mu.Lock()
			grants = append(grants, r.PostForm)
			mu.Unlock()
			switch {
			case r.PostForm.Get("code") == "good-code" && r.PostForm.Get("redirect_uri") == "https://trove.test/oauth/xero/callback":
				writeJSON(w, 200, `{"access_token":"AT-1","refresh_token":"RT-1","expires_in":1800,"token_type":"Bearer","id_token":"x"}`)
			case r.PostForm.Get("refresh_token") == "RT-1":
				writeJSON(w, 200, `{"access_token":"AT-2","refresh_token":"RT-2","expires_in":1800,"token_type":"Bearer"}`)
			default:
				writeJSON(w, 400, `{"error":"invalid_grant"}`)
			}
		case "/connections":
			if r.Header.Get("Authorization") != "Bearer AT-2" {
				writeJSON(w, 401, `{"Title":"Unauthorized"}`)
				return
			}
			writeJSON(w, 200, `[{"id":"conn-1","authEventId":"e","tenantId":"t-1","tenantType":"ORGANISATION","tenantName":"Trove Ltd",
				"createdDateUtc":"2025-12-01T09:00:00.0000000","updatedDateUtc":"2025-12-01T09:00:00.0000000"}]`)
		default:
			writeJSON(w, 404, ``)
		}
	})
	var logs bytes.Buffer
	c := newTestClient(t, f.URL, func(cfg *Config) {
		cfg.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()

	u, err := url.Parse(c.AuthorizeURL("st8", "https://trove.test/oauth/xero/callback"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/identity/connect/authorize" || q.Get("response_type") != "code" || q.Get("client_id") != "client-id" ||
		q.Get("state") != "st8" || q.Get("redirect_uri") != "https://trove.test/oauth/xero/callback" ||
		q.Get("scope") != "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read" {
		t.Fatalf("authorize URL %s", u)
	}

	tok, err := c.ExchangeCode(ctx, "good-code", "https://trove.test/oauth/xero/callback")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 12, 1, 9, 30, 0, 0, time.UTC)
	if tok.AccessToken != "AT-1" || tok.RefreshToken != "RT-1" || !tok.ExpiresAt.Equal(want) {
		t.Fatalf("token %#v (AT %q)", tok, tok.AccessToken)
	}
	if grants[0].Get("grant_type") != "authorization_code" {
		t.Errorf("grant %v", grants[0])
	}
	tok2, err := c.Refresh(ctx, tok.RefreshToken)
	if err != nil || tok2.AccessToken != "AT-2" || tok2.RefreshToken != "RT-2" {
		t.Fatalf("refresh: %v %v", tok2, err)
	}
	if grants[1].Get("grant_type") != "refresh_token" {
		t.Errorf("grant %v", grants[1])
	}
	if _, err := c.Refresh(ctx, "RT-1-spent"); !errors.Is(err, ErrInvalidGrant) || Retryable(err) {
		t.Fatalf("refused refresh: %v", err)
	}
	if _, err := c.ExchangeCode(ctx, "bad-code", "https://trove.test/oauth/xero/callback"); !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("refused code: %v", err)
	}

	tenants, err := c.Connections(ctx, tok2.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) != 1 || tenants[0] != (Tenant{ID: "t-1", Name: "Trove Ltd", Type: "ORGANISATION", ConnectionID: "conn-1"}) {
		t.Fatalf("tenants %+v", tenants)
	}
	if _, err := c.Connections(ctx, "stale"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("stale token: %v", err)
	}

	bad := newTestClient(t, f.URL, func(cfg *Config) { cfg.ClientSecret = "wrong" })
	if _, err := bad.Refresh(ctx, "RT-1"); !errors.Is(err, ErrInvalidClient) {
		t.Fatalf("wrong secret: %v", err)
	}

	// No secret in any printed form.
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("token", "tok", tok2)
	printed := fmt.Sprintf("%v %+v %#v %s", tok2, tok2, tok2, tok2) + logs.String()
	for _, secret := range []string{"AT-1", "AT-2", "RT-1", "RT-2", "client-secret"} {
		if strings.Contains(printed, secret) {
			t.Errorf("%q printed: %s", secret, printed)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no client id":  {ClientSecret: "s"},
		"no secret":     {ClientID: "i"},
		"bad base":      {ClientID: "i", ClientSecret: "s", APIBase: "ftp://x"},
		"negative rate": {ClientID: "i", ClientSecret: "s", Limits: Limits{PerMinute: -1}},
		"no payments scope": {ClientID: "i", ClientSecret: "s",
			Scopes: []string{"offline_access", "accounting.invoices", "accounting.contacts"}},
		"read-only invoices": {ClientID: "i", ClientSecret: "s",
			Scopes: []string{"offline_access", "accounting.invoices.read", "accounting.payments", "accounting.contacts"}},
		"no refresh tokens": {ClientID: "i", ClientSecret: "s",
			Scopes: []string{"accounting.invoices", "accounting.payments", "accounting.contacts"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	// An app made before 2 March 2026 may still ask for the broad scope
	// (until September 2027): allowed, and named as deprecated.
	old := []string{"offline_access", "accounting.transactions", "accounting.contacts"}
	if _, err := New(Config{ClientID: "i", ClientSecret: "s", Scopes: old}); err != nil {
		t.Fatalf("the broad scope on an older app: %v", err)
	}
	if d := Deprecated(old); !slices.Equal(d, []string{"accounting.transactions"}) || Deprecated(DefaultScopes) != nil {
		t.Fatalf("deprecated %v", d)
	}
	c, err := New(Config{ClientID: "i", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.limits != (Limits{Concurrent: 5, PerMinute: 60, PerDay: 5000, Minute: time.Minute}) {
		t.Fatalf("default limits %+v", c.limits)
	}
	if !strings.HasPrefix(c.AuthorizeURL("s", "r"), "https://login.xero.com/identity/connect/authorize?") ||
		c.apiBase != "https://api.xero.com" || c.identityBase != "https://identity.xero.com" {
		t.Fatal("default bases")
	}
}
