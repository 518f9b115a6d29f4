package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/go-chi/chi/v5"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/catalogtest"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

// t0 is when every test's world begins.
var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

const ttl = 15 * time.Minute

// fakePayments stands in for the Stripe adapter behind orders.PaymentProvider
// (our own seam; the adapter is tested against Stripe's shapes elsewhere, and
// the whole path against the sandbox Stripe in internal/payments). Like
// Stripe, the same idempotency key gives the same payment, a payment is open
// until the test says otherwise, and cancel refuses a payment that succeeded.
type fakePayments struct {
	mu         sync.Mutex
	starts     []string // the order id of every StartPayment call
	keys       map[string]string
	amounts    map[string]money.Money
	reads      int
	fail       error
	delay      time.Duration
	states     map[string]string   // intent -> orders.Payment… status; "" is open
	cancels    map[string]string   // intent -> idempotency key of its cancel
	readFail   error               // Payment and CancelPayment fail with it
	onCancel   func(intent string) // runs before a cancel is applied (a buyer paying at that moment)
	cancelCall int
}

func (p *fakePayments) Payment(ctx context.Context, intentID string) (orders.PaymentState, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.readFail != nil {
		return orders.PaymentState{}, p.readFail
	}
	return p.stateLocked(intentID), nil
}

func (p *fakePayments) stateLocked(intentID string) orders.PaymentState {
	st := p.states[intentID]
	if st == "" {
		st = orders.PaymentOpen
	}
	out := orders.PaymentState{IntentID: intentID, Status: st}
	if st == orders.PaymentSucceeded {
		out.AmountReceived = p.amounts["ord_"+strings.TrimPrefix(intentID, "pi_")]
	}
	return out
}

func (p *fakePayments) CancelPayment(ctx context.Context, intentID, key string) (orders.PaymentState, error) {
	p.mu.Lock()
	hook := p.onCancel
	p.mu.Unlock()
	if hook != nil {
		hook(intentID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancelCall++
	if p.readFail != nil {
		return orders.PaymentState{}, p.readFail
	}
	if k, ok := p.cancels[intentID]; ok && k != key {
		return orders.PaymentState{}, fmt.Errorf("cancel key changed: %s then %s", k, key)
	}
	p.cancels[intentID] = key
	switch p.states[intentID] {
	case "", orders.PaymentOpen:
		p.states[intentID] = orders.PaymentCanceled
	}
	// Refused (succeeded, processing) or done: the payment as it is now.
	return p.stateLocked(intentID), nil
}

// set puts a payment in a state, as the buyer or Stripe would.
func (p *fakePayments) set(intentID, status string) {
	p.mu.Lock()
	p.states[intentID] = status
	p.mu.Unlock()
}

func (p *fakePayments) state(intentID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stateLocked(intentID).Status
}

func (p *fakePayments) StartPayment(ctx context.Context, orderID string, amount money.Money, key string) (string, string, error) {
	time.Sleep(p.delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts = append(p.starts, orderID)
	if p.fail != nil {
		return "", "", p.fail
	}
	if k, ok := p.keys[orderID]; ok && k != key {
		return "", "", fmt.Errorf("idempotency key changed: %s then %s", k, key)
	}
	p.keys[orderID], p.amounts[orderID] = key, amount
	intent := "pi_" + strings.TrimPrefix(orderID, "ord_")
	return intent, intent + "_secret_abc", nil
}

func (p *fakePayments) ClientSecret(ctx context.Context, intentID string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reads++
	return intentID + "_secret_abc", nil
}

func (p *fakePayments) startsOf(orderID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.starts {
		if s == orderID {
			n++
		}
	}
	return n
}

func (p *fakePayments) setFail(err error) {
	p.mu.Lock()
	p.fail = err
	p.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *sqlx.DB
	clk   *clock.Fake
	cat   *catalog.Store
	store *orders.Store
	pay   *fakePayments
	api   *testAPI
	acme  string // vendors, active, stores connected
	bolt  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(t0)
	reg := queue.NewRegistry()
	queue.Handle(reg, "orders.paid.test", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "orders.fulfilment_changed.test", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "orders.shipped.test", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	queue.Handle(reg, "orders.late_payment.test", func(context.Context, queue.Meta, orders.LatePayment) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	pay := &fakePayments{keys: map[string]string{}, amounts: map[string]money.Money{}, states: map[string]string{}, cancels: map[string]string{}}
	f := &fixture{t: t, ctx: context.Background(), db: conn, clk: clk, cat: cat, pay: pay,
		store: orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: cat, Payments: pay}, orders.Config{ReservationTTL: ttl})}
	f.acme = f.vendor("acme")
	f.bolt = f.vendor("bolt")
	f.api = newTestAPI(t, f.store)
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Get(&n, q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// vendor makes an active vendor with a connected Shopify store (through
// vendorstest: the tables are internal/vendors').
func (f *fixture) vendor(slug string) string {
	f.t.Helper()
	return vendorstest.Vendor(f.t, f.db, f.clk, slug)
}

// buyer makes a buyer's account (through internal/auth, which owns users).
func (f *fixture) buyer(name string) orders.Caller {
	f.t.Helper()
	u, _, err := auth.NewUsers(auth.UsersDeps{DB: f.db, Clock: f.clk}).Ensure(f.ctx, auth.NewUser{Email: name + "@buyer.example", Name: name,
		Password: "correct horse battery staple", Role: auth.RoleBuyer})
	if err != nil {
		f.t.Fatal(err)
	}
	return orders.Caller{UserID: u.ID, Email: u.Email}
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

func cash(currency string, amount int64) money.Money {
	return money.Money{Amount: amount, Currency: currency}
}

// product lists a one-variant product of the vendor and returns the variant's id.
func (f *fixture) product(vendorID, key, title string, price money.Money, stock int) string {
	f.t.Helper()
	return catalogtest.Product(f.t, f.cat, vendorID, key, title, price, stock)
}

func (f *fixture) bundle(slug string, price money.Money, parts ...catalog.BundleItemInput) string {
	f.t.Helper()
	b, err := f.cat.CreateBundle(f.ctx, catalog.BundleInput{Slug: slug, Name: "Bundle " + slug, Price: price, Items: parts},
		audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"})
	if err != nil {
		f.t.Fatal(err)
	}
	return b.ID
}

func part(variantID string, q int) catalog.BundleItemInput {
	return catalog.BundleItemInput{VariantID: variantID, Quantity: q}
}

// stock reads a variant's stock_on_hand and reserved.
func (f *fixture) stock(variantID string) (onHand, reserved int) {
	f.t.Helper()
	if err := f.db.QueryRow(`SELECT stock_on_hand, reserved FROM variants WHERE id = ?`, variantID).Scan(&onHand, &reserved); err != nil {
		f.t.Fatal(err)
	}
	return onHand, reserved
}

func alice() orders.Recipient {
	return orders.Recipient{Name: "Alice Adams", AddressLines: []string{"1 Main St"}, City: "Springfield", Region: "IL",
		PostalCode: "62701", Country: "us"}
}

// guestCart makes a guest cart ready for details: the caller holds its token.
func (f *fixture) guestCart() (orders.Caller, string) {
	f.t.Helper()
	view, token, created, err := f.store.CreateCart(f.ctx, orders.Caller{})
	if err != nil || !created || token == "" {
		f.t.Fatalf("create cart: %v %v %q", err, created, token)
	}
	return orders.Caller{CartToken: token}, view.ID
}

func (f *fixture) add(c orders.Caller, cartID string, in orders.LineInput) orders.CartView {
	f.t.Helper()
	v, err := f.store.AddLine(f.ctx, c, cartID, in)
	if err != nil {
		f.t.Fatalf("add %+v: %v", in, err)
	}
	return v
}

// ready gives the cart a recipient and, for a guest, an email.
func (f *fixture) ready(c orders.Caller, cartID string) orders.CartView {
	f.t.Helper()
	r := alice()
	p := orders.CartPatch{Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &r}}
	if c.UserID == "" {
		email := "guest@example.com"
		p.Email = &email
	}
	v, err := f.store.UpdateCart(f.ctx, c, cartID, p)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// cartWith makes a ready guest cart holding the lines.
func (f *fixture) cartWith(lines ...orders.LineInput) (orders.Caller, string) {
	f.t.Helper()
	c, cartID := f.guestCart()
	for _, l := range lines {
		f.add(c, cartID, l)
	}
	f.ready(c, cartID)
	return c, cartID
}

func variantLine(variantID string, q int) orders.LineInput {
	return orders.LineInput{VariantID: variantID, Quantity: q}
}

func bundleLine(bundleID string, q int) orders.LineInput {
	return orders.LineInput{BundleID: bundleID, Quantity: q}
}

func (f *fixture) checkout(c orders.Caller, cartID string) orders.CheckoutResult {
	f.t.Helper()
	res, _, err := f.store.Checkout(f.ctx, c, cartID, orders.CheckoutInput{})
	if err != nil {
		f.t.Fatalf("checkout %s: %v", cartID, err)
	}
	return res
}

func (f *fixture) order(orderID string) orders.Order {
	f.t.Helper()
	o, err := f.store.OrderByID(f.ctx, orderID)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// reservations lists an order's holds as variant=quantity:status.
func (f *fixture) reservations(orderID string) string {
	f.t.Helper()
	rs, err := f.cat.Reservations(f.ctx, f.db, orderID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s=%d:%s", r.VariantID, r.Quantity, r.Status))
	}
	return strings.Join(out, ",")
}

// snapshot checksums every table, to prove a refused request changed nothing.
func (f *fixture) snapshot() string {
	f.t.Helper()
	var tables []string
	if err := f.db.Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`); err != nil {
		f.t.Fatal(err)
	}
	rows, err := f.db.Query(`CHECKSUM TABLE ` + strings.Join(tables, ", "))
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name string
		var sum *int64
		if err := rows.Scan(&name, &sum); err != nil {
			f.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%v;", name, *sum)
	}
	return b.String()
}

// --- HTTP ---

// asHeader names the test principal a request acts as; the real Authenticate
// middleware is tested in internal/auth and cmd/trove.
const asHeader = "X-Test-As"

// testAPI serves the handlers as cmd/trove/routes.go is to mount them, with a
// principal chosen per request, and holds every answer to the contract.
type testAPI struct {
	t          *testing.T
	handler    http.Handler
	mu         sync.Mutex
	principals map[string]*auth.Principal
}

func newTestAPI(t *testing.T, s *orders.Store) *testAPI {
	t.Helper()
	a := &testAPI{t: t, principals: map[string]*auth.Principal{}}
	r := chi.NewRouter()
	r.Use(httpx.RequestContext(slog.New(slog.NewTextHandler(io.Discard, nil))))
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.mu.Lock()
			p := a.principals[r.Header.Get(asHeader)]
			a.mu.Unlock()
			if p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	})
	r.NotFound(httpx.NotFound().ServeHTTP)
	r.Route("/api/v1/store", func(r chi.Router) {
		// Buyers and guests.
		r.Method(http.MethodPost, "/carts", orders.HandleCreateCart(s))
		r.Method(http.MethodGet, "/carts/{cartID}", orders.HandleGetCart(s))
		r.Method(http.MethodPatch, "/carts/{cartID}", orders.HandleUpdateCart(s))
		r.Method(http.MethodPost, "/carts/{cartID}/lines", orders.HandleAddLine(s))
		r.Method(http.MethodPatch, "/carts/{cartID}/lines/{lineID}", orders.HandleUpdateLine(s))
		r.Method(http.MethodDelete, "/carts/{cartID}/lines/{lineID}", orders.HandleRemoveLine(s))
		r.Method(http.MethodPost, "/carts/{cartID}/checkout", orders.HandleCheckout(s))
		r.Method(http.MethodGet, "/orders/{orderID}", orders.HandleGetOrder(s))
		// Signed-in buyers.
		r.With(auth.RequireRole(auth.RoleBuyer)).Method(http.MethodGet, "/orders", orders.HandleListOrders(s))
	})
	a.handler = r
	return a
}

// as registers a principal under a name.
func (a *testAPI) as(name string, p *auth.Principal) {
	a.mu.Lock()
	a.principals[name] = p
	a.mu.Unlock()
}

// req is one request: as names the principal ("" for none), token the cart token.
type req struct {
	as, token   string
	method, url string
	body        any
	header      map[string]string
}

// do sends r and returns the status and body, after checking the answer
// against api/openapi.yaml. Safe for concurrent use.
func (a *testAPI) do(r req) (int, []byte) {
	var raw []byte
	if r.body != nil {
		if s, ok := r.body.(string); ok {
			raw = []byte(s)
		} else {
			var err error
			if raw, err = json.Marshal(r.body); err != nil {
				a.t.Error(err)
				return 0, nil
			}
		}
	}
	hr := httptest.NewRequest(r.method, r.url, bytes.NewReader(raw))
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.as != "" {
		hr.Header.Set(asHeader, r.as)
	}
	if r.token != "" {
		hr.Header.Set(orders.CartTokenHeader, r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, hr)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)

	apitest.Check(a.t, r.method, r.url, raw, res, out)
	return res.StatusCode, out
}

// want sends r, fails unless it answers status, and decodes the body into out.
func (a *testAPI) want(status int, r req, out any) []byte {
	a.t.Helper()
	got, b := a.do(r)
	if got != status {
		a.t.Fatalf("%s %s as %q: %d, want %d: %s", r.method, r.url, r.as, got, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", r.method, r.url, err, b)
		}
	}
	return b
}

func problemOf(t *testing.T, body []byte) httpx.Problem {
	t.Helper()
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return p
}

func codes(ps []orders.Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return strings.Join(out, ",")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// principal is the signed-in caller c with the role, as auth.Authenticate
// would put it in a request (bearer token: no CSRF).
func principal(c orders.Caller, role auth.Role) *auth.Principal {
	return &auth.Principal{UserID: c.UserID, Email: c.Email, Role: role, SessionID: "ses_" + c.UserID}
}
