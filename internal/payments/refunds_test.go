package payments

// Refund tests against a real MariaDB database (fresh per test) and the
// sandbox Stripe over real HTTP: checkout -> card confirmed -> signed webhook
// -> order paid, then refunds through the HTTP handlers, the queue running
// payments.create_refund and the Stripe event follow-ups as they are wired in
// cmd/trove/jobs.go (one job kind per family of event: payment intents to
// FollowIntent, refunds to Refunds.FollowEvent, disputes to
// Disputes.FollowEvent).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
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
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
	"github.com/trove-platform/trove/internal/webhooks"
)

const (
	testSecretKey = "sk_test_trove"
	testWebhook   = "whsec_trove"
	asHeader      = "X-Test-As"
)

type harness struct {
	t        *testing.T
	ctx      context.Context
	db       *sqlx.DB
	sb       *sbstripe.Stripe
	sbURL    string
	sc       *stripe.Client
	q        *queue.Queue
	cat      *catalog.Store
	orders   *orders.Store
	svc      *Service
	refunds  *Refunds
	disputes *Disputes
	lost     chan string // the dispute of each payments.dispute_lost job run
	api      *httptest.Server
	acme     string
	bolt     string

	mu   sync.Mutex
	gate chan struct{} // payments.create_refund waits on it while set
}

// principals are who the test API knows, by the X-Test-As header: an
// operator, the vendors' owners and staff, a buyer, nobody.
func (h *harness) principals() map[string]*auth.Principal {
	return map[string]*auth.Principal{
		"ops":     {UserID: "usr_ops", Role: auth.RolePlatformAdmin, SessionID: "ses_ops"},
		"ownerA":  {UserID: "usr_owner_a", Role: auth.RoleVendorOwner, VendorID: h.acme, SessionID: "ses_a"},
		"staffA":  {UserID: "usr_staff_a", Role: auth.RoleVendorStaff, VendorID: h.acme, SessionID: "ses_sa"},
		"ownerB":  {UserID: "usr_owner_b", Role: auth.RoleVendorOwner, VendorID: h.bolt, SessionID: "ses_b"},
		"buyer":   {UserID: "usr_buyer", Role: auth.RoleBuyer, SessionID: "ses_buyer"},
		"nobody":  nil,
		"default": nil,
	}
}

func newHarness(t *testing.T, vendorWindow time.Duration) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), db: dbtest.New(t)}
	clk := clock.System{}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	// Trove's webhook endpoint, whose address the sandbox needs first.
	var hooks *webhooks.Store
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		webhooks.HandleStripe(hooks, h.sc).ServeHTTP(w, r)
	}))
	t.Cleanup(hookSrv.Close)
	h.sb = sbstripe.New(sbstripe.Config{SecretKey: testSecretKey, PublishableKey: "pk_test_trove", WebhookSecret: testWebhook,
		WebhookURL: hookSrv.URL, HTTPClient: &http.Client{Timeout: 5 * time.Second}, Log: log})
	sbSrv := httptest.NewServer(h.sb.Handler())
	t.Cleanup(sbSrv.Close)
	h.sbURL = sbSrv.URL
	var err error
	h.sc, err = stripe.New(stripe.Config{SecretKey: testSecretKey, APIBase: sbSrv.URL, WebhookSecrets: []string{testWebhook}})
	if err != nil {
		t.Fatal(err)
	}

	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.payment_intent", func(ctx context.Context, m queue.Meta, j webhooks.StripePaymentIntentEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, func(ctx context.Context, ev stripe.Event) error {
			pi, err := ev.PaymentIntent()
			if err != nil {
				return queue.Permanent(err)
			}
			return h.svc.FollowIntent(ctx, pi.ID)
		})
	}, queue.Concurrency(8))
	queue.Handle(reg, "stripe.refund", func(ctx context.Context, m queue.Meta, j webhooks.StripeRefundEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, h.refunds.FollowEvent)
	}, queue.Concurrency(4))
	queue.Handle(reg, "stripe.dispute", func(ctx context.Context, m queue.Meta, j webhooks.StripeDisputeEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, h.disputes.FollowEvent)
	}, queue.Concurrency(2))
	h.lost = make(chan string, 100)
	queue.Handle(reg, "payments.dispute_lost.test", func(_ context.Context, _ queue.Meta, j DisputeLostJob) error {
		h.lost <- j.DisputeID
		return nil
	})
	queue.Handle(reg, "orders.paid.test", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "orders.fulfilment_changed.test", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "orders.shipped.test", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	queue.Handle(reg, "payments.refund_succeeded.test", func(context.Context, queue.Meta, RefundSucceededJob) error { return nil })
	queue.Handle(reg, "payments.create_refund", func(ctx context.Context, m queue.Meta, j CreateRefund) error {
		h.mu.Lock()
		gate := h.gate
		h.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return h.refunds.OnCreateRefund(ctx, m, j)
	}, queue.Concurrency(4))
	h.q, err = queue.New(h.db, reg, clk, queue.Config{PollInterval: 20 * time.Millisecond, RetryBase: 50 * time.Millisecond,
		RetryMax: 300 * time.Millisecond}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	hooks = webhooks.NewStore(webhooks.Deps{DB: h.db, Clock: clk, Queue: h.q})
	h.cat = catalog.NewStore(catalog.Deps{DB: h.db, Clock: clk})
	h.orders = orders.NewStore(orders.Deps{DB: h.db, Clock: clk, Queue: h.q, Catalog: h.cat, Payments: NewProvider(ProviderDeps{Stripe: h.sc})}, orders.Config{})
	h.svc = New(Deps{Clock: clk, Stripe: h.sc, Orders: h.orders})
	h.refunds = NewRefunds(RefundsDeps{DB: h.db, Clock: clk, Stripe: h.sc, Orders: h.orders, Queue: h.q}, RefundsConfig{VendorWindow: vendorWindow})
	h.disputes = NewDisputes(DisputesDeps{DB: h.db, Clock: clk, Stripe: h.sc, Orders: h.orders, Queue: h.q})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.q.Run(ctx, 2*time.Second); close(done) }()
	t.Cleanup(func() {
		h.open()
		h.sb.WaitDeliveries()
		cancel()
		<-done
	})

	h.acme = vendorstest.Vendor(t, h.db, clk, "acme")
	h.bolt = vendorstest.Vendor(t, h.db, clk, "bolt")
	h.api = httptest.NewServer(h.router(log))
	t.Cleanup(h.api.Close)
	return h
}

// router mounts the handlers as cmd/trove/routes.go is to, with the
// principal named by X-Test-As.
func (h *harness) router(log *slog.Logger) http.Handler {
	r := chi.NewRouter()
	r.Use(httpx.RequestContext(log))
	principals := h.principals()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := principals[r.Header.Get(asHeader)]; p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	})
	r.NotFound(httpx.NotFound().ServeHTTP)
	r.Route("/api/v1/admin", func(r chi.Router) {
		r.Use(auth.RequireRole(auth.RolePlatformAdmin))
		r.Method(http.MethodPost, "/orders/{orderID}/refunds", HandleCreateOrderRefund(h.refunds))
		r.Method(http.MethodGet, "/orders/{orderID}/refunds", HandleOrderRefunds(h.refunds))
	})
	r.Route("/api/v1/vendor", func(r chi.Router) {
		r.Use(auth.RequireRole(auth.RoleVendorOwner, auth.RoleVendorStaff))
		r.Method(http.MethodPost, "/orders/{vendorOrderID}/refunds", HandleCreateVendorRefund(h.refunds))
		r.Method(http.MethodGet, "/orders/{vendorOrderID}/refunds", HandleVendorOrderRefunds(h.refunds))
	})
	return r
}

// hold makes payments.create_refund wait until open.
func (h *harness) hold() {
	h.mu.Lock()
	h.gate = make(chan struct{})
	h.mu.Unlock()
}

func (h *harness) open() {
	h.mu.Lock()
	if h.gate != nil {
		close(h.gate)
		h.gate = nil
	}
	h.mu.Unlock()
}

func (h *harness) exec(q string, args ...any) {
	h.t.Helper()
	if _, err := h.db.Exec(q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
}

func (h *harness) count(q string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Get(&n, q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// product lists a one-variant product and returns the variant id.
func (h *harness) product(vendorID, key string, cents int64, stock int) string {
	h.t.Helper()
	return catalogtest.Product(h.t, h.cat, vendorID, key, strings.ToUpper(key[:1])+key[1:], usd(cents), stock)
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

func (h *harness) stock(variantID string) int {
	h.t.Helper()
	return int(h.count(`SELECT stock_on_hand FROM variants WHERE id = ?`, variantID))
}

type item struct {
	variantID string
	quantity  int
}

// paidOrder checks a guest cart out and pays it with the sandbox's test card,
// then waits for the signed webhook to make the order paid.
func (h *harness) paidOrder(items ...item) orders.Order {
	h.t.Helper()
	view, token, _, err := h.orders.CreateCart(h.ctx, orders.Caller{})
	if err != nil {
		h.t.Fatal(err)
	}
	c := orders.Caller{CartToken: token}
	for _, it := range items {
		if _, err := h.orders.AddLine(h.ctx, c, view.ID, orders.LineInput{VariantID: it.variantID, Quantity: it.quantity}); err != nil {
			h.t.Fatal(err)
		}
	}
	email := "buyer@corp.example"
	r := orders.Recipient{Name: "Robin Recipient", AddressLines: []string{"1 Main St"}, City: "Springfield", PostalCode: "12345", Country: "US"}
	if _, err := h.orders.UpdateCart(h.ctx, c, view.ID, orders.CartPatch{Email: &email, Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &r}}); err != nil {
		h.t.Fatal(err)
	}
	res, _, err := h.orders.Checkout(h.ctx, c, view.ID, orders.CheckoutInput{})
	if err != nil {
		h.t.Fatal(err)
	}
	if st, err := h.sb.ConfirmPaymentIntent(res.Payment.IntentID, "pm_card_visa"); err != nil || st != "succeeded" {
		h.t.Fatalf("confirm: %s %v", st, err)
	}
	h.waitFor("the order paid", func() bool {
		return h.count(`SELECT COUNT(*) FROM orders WHERE id = ? AND status = 'paid'`, res.Order.ID) == 1
	})
	o, err := h.orders.OrderByID(h.ctx, res.Order.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			var jobs []string
			h.db.Select(&jobs, `SELECT CONCAT(kind, ' ', status, ' ', COALESCE(last_error, '')) FROM jobs WHERE status <> 'done'`)
			h.t.Fatalf("timed out waiting for %s; unfinished jobs: %q", what, jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled waits until no refund of the order is pending and every Stripe
// event sent so far has been followed.
func (h *harness) settled(orderID string) {
	h.t.Helper()
	h.waitFor("the refunds to settle", func() bool {
		h.sb.WaitDeliveries()
		return h.count(`SELECT COUNT(*) FROM refunds WHERE order_id = ? AND status = 'pending'`, orderID) == 0 &&
			h.count(`SELECT COUNT(*) FROM jobs WHERE status NOT IN ('done', 'dead')`) == 0
	})
	if n := h.count(`SELECT COUNT(*) FROM jobs WHERE status = 'dead'`); n != 0 {
		var errs []string
		h.db.Select(&errs, `SELECT CONCAT(kind, ': ', COALESCE(last_error, '')) FROM jobs WHERE status = 'dead'`)
		h.t.Fatalf("%d dead jobs: %q", n, errs)
	}
}

// stripeRefunded reads the charge's amount_refunded from the sandbox.
func (h *harness) stripeRefunded(intentID string) int64 {
	h.t.Helper()
	pi, err := h.sc.GetPaymentIntent(h.ctx, intentID)
	if err != nil {
		h.t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", h.sbURL+"/v1/charges/"+pi.LatestChargeID, nil)
	req.Header.Set("Authorization", "Bearer "+testSecretKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var ch struct {
		AmountRefunded int64 `json:"amount_refunded"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ch); err != nil {
		h.t.Fatal(err)
	}
	return ch.AmountRefunded
}

// call sends a JSON request to the test API as the named principal and holds
// the answer to api/openapi.yaml.
func (h *harness) call(as, method, path string, body any, header ...string) (int, []byte) {
	h.t.Helper()
	var raw []byte
	if body != nil {
		if s, ok := body.(string); ok {
			raw = []byte(s)
		} else {
			raw, _ = json.Marshal(body)
		}
	}
	req, _ := http.NewRequest(method, h.api.URL+path, bytes.NewReader(raw))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(asHeader, as)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)

	apitest.Check(h.t, method, path, raw, res, out)
	return res.StatusCode, out
}

func (h *harness) want(status int, as, method, path string, body, out any) []byte {
	h.t.Helper()
	got, b := h.call(as, method, path, body)
	if got != status {
		h.t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, as, got, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatalf("%v: %s", err, b)
		}
	}
	return b
}

// checkBooks holds the refund invariants of an order: every refund's
// allocation sums to its amount (per vendor order and per line too); the
// order's, vendor orders' and lines' counters equal the sums of the
// allocations of the refunds holding money; nothing passes what was paid.
func (h *harness) checkBooks(orderID string) (refunded int64) {
	h.t.Helper()
	view, err := h.refunds.OrderRefunds(h.ctx, orderID)
	if err != nil {
		h.t.Fatal(err)
	}
	pos, err := h.orders.RefundPosition(h.ctx, orderID)
	if err != nil {
		h.t.Fatal(err)
	}
	perLine, perVO := map[string]int64{}, map[string]int64{}
	perLineUnits := map[string]int{}
	var total int64
	for _, r := range view.Refunds {
		var sum int64
		for _, a := range r.Allocation {
			var lines int64
			for _, l := range a.Lines {
				lines += l.Amount.Amount
				if r.Status != RefundFailed && r.Status != RefundCanceled {
					perLine[l.LineID] += l.Amount.Amount
					perLineUnits[l.LineID] += l.Quantity
				}
			}
			if lines != a.Amount.Amount {
				h.t.Fatalf("refund %s: vendor order %s's lines sum to %d, its share is %d", r.ID, a.VendorOrderID, lines, a.Amount.Amount)
			}
			if r.Status != RefundFailed && r.Status != RefundCanceled {
				perVO[a.VendorOrderID] += a.Amount.Amount
			}
			sum += a.Amount.Amount
		}
		if (len(r.Allocation) > 0 || r.Status != RefundFailed) && sum != r.Amount.Amount {
			h.t.Fatalf("refund %s: allocation sums to %d, amount is %d", r.ID, sum, r.Amount.Amount)
		}
		if r.Status != RefundFailed && r.Status != RefundCanceled {
			total += r.Amount.Amount
		}
	}
	if pos.Refunded != total || total > pos.Total {
		h.t.Fatalf("order refunded %d, refunds hold %d, paid %d", pos.Refunded, total, pos.Total)
	}
	for _, vo := range pos.VendorOrders {
		if vo.Refunded != perVO[vo.ID] || vo.Refunded > vo.Subtotal {
			h.t.Fatalf("vendor order %s refunded %d, refunds hold %d, paid %d", vo.ID, vo.Refunded, perVO[vo.ID], vo.Subtotal)
		}
	}
	for _, l := range pos.Lines {
		if l.RefundedAmount != perLine[l.ID] || l.RefundedQuantity != perLineUnits[l.ID] || l.RefundedAmount > l.Amount || l.RefundedQuantity > l.Quantity {
			h.t.Fatalf("line %s refunded %d/%d units, refunds hold %d/%d, paid %d/%d", l.ID, l.RefundedAmount, l.RefundedQuantity,
				perLine[l.ID], perLineUnits[l.ID], l.Amount, l.Quantity)
		}
	}
	return total
}

func refundPath(orderID string) string { return "/api/v1/admin/orders/" + orderID + "/refunds" }

func vendorPath(vendorOrderID string) string {
	return "/api/v1/vendor/orders/" + vendorOrderID + "/refunds"
}

// --- tests ---

// Three lines across two vendors whose amounts split unevenly: partial
// refunds of amounts, each split to the cent, repeated up to what was paid,
// then a 409; Stripe's refunds add up to ours.
func TestRefundPartialAmountsAcrossVendors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 333, 50)       // 3 x 3.33 = 9.99
	candle := h.product(h.acme, "candle", 701, 50) // 1 x 7.01
	soap := h.product(h.bolt, "soap", 143, 50)     // 7 x 1.43 = 10.01
	o := h.paidOrder(item{mug, 3}, item{candle, 1}, item{soap, 7})
	if o.Total != usd(2701) || len(o.VendorOrders) != 2 {
		t.Fatalf("order %s, %d vendor orders", o.Total, len(o.VendorOrders))
	}

	var first Refund
	h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(1000), "reason": "late delivery"}, &first)
	if first.Status != RefundPending || first.Amount != usd(1000) || first.Kind != KindAmount || first.Source != SourceOperator ||
		len(first.Allocation) != 2 || !strings.HasPrefix(first.ID, "rfd_") {
		t.Fatalf("refund %+v", first)
	}
	// Weights 1700 (acme) and 1001 (bolt): 629.39 and 370.61, the spare cent
	// to the larger remainder; within acme 999 and 701: 369.63 and 259.37.
	got := fmt.Sprintf("%s=%d(%d,%d) %s=%d(%d)", first.Allocation[0].VendorID, first.Allocation[0].Amount.Amount,
		first.Allocation[0].Lines[0].Amount.Amount, first.Allocation[0].Lines[1].Amount.Amount,
		first.Allocation[1].VendorID, first.Allocation[1].Amount.Amount, first.Allocation[1].Lines[0].Amount.Amount)
	if want := h.acme + "=629(370,259) " + h.bolt + "=371(371)"; got != want {
		t.Fatalf("allocation %s, want %s", got, want)
	}
	if a, b := first.Allocation[0].ID, first.Allocation[1].ID; !strings.HasPrefix(a, "rfa_") || !strings.HasPrefix(b, "rfa_") || a == b {
		t.Fatalf("allocation ids %q %q", a, b)
	}
	h.settled(o.ID)
	h.checkBooks(o.ID)

	for _, cents := range []int64{333, 777, 1} {
		h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(cents), "reason": fmt.Sprintf("goodwill %d", cents)}, nil)
		h.checkBooks(o.ID)
	}
	// The rest, exactly.
	var rest Refund
	h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(2701 - 1000 - 333 - 777 - 1), "reason": "the rest"}, &rest)
	h.settled(o.ID)
	if total := h.checkBooks(o.ID); total != 2701 {
		t.Fatalf("refunded %d, want all 2701", total)
	}

	t.Run("nothing more: 409, and nothing changes", func(t *testing.T) {
		before := h.count(`SELECT COUNT(*) FROM refunds`)
		for _, body := range []map[string]any{
			{"amount": usd(1), "reason": "one cent too many"},
			{"reason": "the whole order again"},
			{"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": 1}}, "reason": "a unit"},
		} {
			h.want(409, "ops", "POST", refundPath(o.ID), body, nil)
		}
		if h.count(`SELECT COUNT(*) FROM refunds`) != before {
			t.Fatal("a refused refund was written")
		}
	})

	t.Run("Stripe's refunds equal ours", func(t *testing.T) {
		var view OrderRefunds
		h.want(200, "ops", "GET", refundPath(o.ID), nil, &view)
		var ours int64
		for _, r := range view.Refunds {
			if r.Status != RefundSucceeded || r.StripeRefundID == nil {
				t.Fatalf("refund %s: %s, Stripe %v", r.ID, r.Status, r.StripeRefundID)
			}
			ours += r.Amount.Amount
		}
		if len(view.Refunds) != 5 || ours != 2701 || view.Refunded != usd(2701) || view.Refundable != usd(0) {
			t.Fatalf("%d refunds for %d; view %+v", len(view.Refunds), ours, view)
		}
		if s := h.stripeRefunded(o.PaymentIntentID); s != ours {
			t.Fatalf("Stripe refunded %d, Trove %d", s, ours)
		}
		// Every refund is in the audit log, with who asked and the split.
		if n := h.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'refund.requested' AND object_id = ? AND actor_id = 'usr_ops'
			AND JSON_LENGTH(after_json, '$.allocation') >= 1`, o.ID); n != 5 {
			t.Fatalf("%d audit entries, want 5", n)
		}
	})
}

// Lines refunded unit by unit with restock: stock comes back, the units of a
// line are worth its amount exactly, and more units than were bought is a 409.
func TestRefundLinesWithRestock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	soap := h.product(h.bolt, "soap", 143, 20)
	mug := h.product(h.acme, "mug", 1250, 5)
	o := h.paidOrder(item{soap, 7}, item{mug, 2})
	soapLine, mugLine := o.Lines[0], o.Lines[1]
	if h.stock(soap) != 13 || h.stock(mug) != 3 {
		t.Fatalf("after the sale: soap %d, mug %d", h.stock(soap), h.stock(mug))
	}

	var amounts []int64
	for i, units := range []int{2, 2, 3} {
		var r Refund
		body := map[string]any{"lines": []map[string]any{{"line_id": soapLine.ID, "quantity": units}},
			"restock": true, "reason": fmt.Sprintf("return %d", i+1)}
		h.want(201, "ops", "POST", refundPath(o.ID), body, &r)
		if r.Kind != KindLines || !r.Restock || r.Allocation[0].Lines[0].Quantity != units {
			t.Fatalf("refund %+v", r)
		}
		// The same request again at once is a double click: the same refund.
		var again Refund
		h.want(200, "ops", "POST", refundPath(o.ID), body, &again)
		if again.ID != r.ID {
			t.Fatalf("a repeat made refund %s, want %s", again.ID, r.ID)
		}
		amounts = append(amounts, r.Amount.Amount)
	}
	// 7 units of 10.01 in all: 2.86, 2.86, 4.29.
	if fmt.Sprint(amounts) != "[286 286 429]" {
		t.Fatalf("amounts %v", amounts)
	}
	if h.stock(soap) != 20 {
		t.Fatalf("soap stock %d, want 20 (all 7 back)", h.stock(soap))
	}
	h.want(409, "ops", "POST", refundPath(o.ID), map[string]any{"lines": []map[string]any{{"line_id": soapLine.ID, "quantity": 1}},
		"restock": true, "reason": "one more"}, nil)

	// One mug, no restock: the stock stays.
	var r Refund
	h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"lines": []map[string]any{{"line_id": mugLine.ID, "quantity": 1}},
		"reason": "broken in transit"}, &r)
	if r.Amount != usd(1250) || h.stock(mug) != 3 {
		t.Fatalf("mug refund %s, stock %d", r.Amount, h.stock(mug))
	}
	h.settled(o.ID)
	if total := h.checkBooks(o.ID); total != 1001+1250 || h.stripeRefunded(o.PaymentIntentID) != total {
		t.Fatalf("refunded %d, Stripe %d", total, h.stripeRefunded(o.PaymentIntentID))
	}
}

// A double submit refunds once: with the same key, or with no key (the same
// request by the same person within minutes), even concurrently.
func TestRefundIdempotency(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 1000, 50)
	soap := h.product(h.bolt, "soap", 500, 50)
	o := h.paidOrder(item{mug, 2}, item{soap, 2})

	fire := func(body map[string]any) (ids map[string]int, codes map[int]int) {
		ids, codes = map[string]int{}, map[int]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				code, b := h.call("ops", "POST", refundPath(o.ID), body)
				var r Refund
				json.Unmarshal(b, &r)
				mu.Lock()
				ids[r.ID]++
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		return ids, codes
	}
	t.Run("the same key, ten times at once", func(t *testing.T) {
		ids, codes := fire(map[string]any{"amount": usd(700), "reason": "double click", "idempotency_key": "click-1"})
		if len(ids) != 1 || codes[201] != 1 || codes[200] != 9 {
			t.Fatalf("refunds %v, answers %v", ids, codes)
		}
		h.want(409, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(701), "reason": "double click", "idempotency_key": "click-1"}, nil)
	})
	t.Run("no key, the same request ten times at once", func(t *testing.T) {
		ids, codes := fire(map[string]any{"lines": []map[string]any{{"line_id": o.Lines[1].ID, "quantity": 1}}, "reason": "double click"})
		if len(ids) != 1 || codes[201] != 1 || codes[200] != 9 {
			t.Fatalf("refunds %v, answers %v", ids, codes)
		}
	})
	t.Run("a new key is a new refund", func(t *testing.T) {
		h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(700), "reason": "double click", "idempotency_key": "click-2"}, nil)
	})
	t.Run("the key may come in the Idempotency-Key header", func(t *testing.T) {
		body := map[string]any{"amount": usd(100), "reason": "header"}
		code, b := h.call("ops", "POST", refundPath(o.ID), body, "Idempotency-Key", "click-2")
		if code != 409 {
			t.Fatalf("key click-2 for another request: %d %s", code, b)
		}
		code, b = h.call("ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(100), "reason": "header", "idempotency_key": "a"},
			"Idempotency-Key", "b")
		if code != 400 || !strings.Contains(string(b), "idempotency_key") {
			t.Fatalf("two keys: %d %s", code, b)
		}
		// A header key works as the body's: the second send answers the first.
		var first, again Refund
		code, b = h.call("ops", "POST", refundPath(o.ID), body, "Idempotency-Key", "hdr-1")
		json.Unmarshal(b, &first)
		code2, b2 := h.call("ops", "POST", refundPath(o.ID), body, "Idempotency-Key", "hdr-1")
		json.Unmarshal(b2, &again)
		if code != 201 || code2 != 200 || first.ID != again.ID {
			t.Fatalf("header key: %d %s; again %d %s", code, b, code2, b2)
		}
	})
	h.settled(o.ID)
	if n := h.count(`SELECT COUNT(*) FROM refunds WHERE order_id = ?`, o.ID); n != 4 {
		t.Fatalf("%d refunds, want 4", n)
	}
	if total := h.checkBooks(o.ID); total != 700+500+700+100 || h.stripeRefunded(o.PaymentIntentID) != total {
		t.Fatalf("refunded %d, Stripe %d", total, h.stripeRefunded(o.PaymentIntentID))
	}
	// The job ran once per refund, and Stripe made one refund per refund.
	if n := h.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'payments.create_refund'`); n != 4 {
		t.Fatalf("%d create_refund jobs, want 4", n)
	}
}

// Stripe refusing a refund (here: the payment was disputed meanwhile) marks
// it failed and gives back its counters and its restock.
func TestRefundRefusedByStripe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 999, 10)
	soap := h.product(h.bolt, "soap", 401, 10)
	o := h.paidOrder(item{mug, 2}, item{soap, 1})

	h.hold()
	var r Refund
	h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"lines": []map[string]any{{"line_id": o.Lines[0].ID, "quantity": 2}},
		"restock": true, "reason": "returned"}, &r)
	if pos, _ := h.orders.RefundPosition(h.ctx, o.ID); pos.Refunded != 1998 || h.stock(mug) != 10 {
		t.Fatalf("while pending: refunded %d, stock %d", pos.Refunded, h.stock(mug))
	}
	pi, err := h.sc.GetPaymentIntent(h.ctx, o.PaymentIntentID)
	if err != nil {
		t.Fatal(err)
	}
	h.sb.Dispute(pi.LatestChargeID)
	h.waitFor("the dispute recorded", func() bool {
		return h.count(`SELECT COUNT(*) FROM orders WHERE id = ? AND disputed_at IS NOT NULL`, o.ID) == 1
	})
	h.open()
	h.settled(o.ID)

	got, err := h.refunds.Refund(h.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != RefundFailed || got.FailureCode != "charge_disputed" || got.FailedAt == nil || got.StripeRefundID != nil {
		t.Fatalf("refund %+v", got)
	}
	pos, _ := h.orders.RefundPosition(h.ctx, o.ID)
	if pos.Refunded != 0 || pos.Lines[0].RefundedAmount != 0 || pos.Lines[0].RefundedQuantity != 0 || pos.VendorOrders[0].Refunded != 0 {
		t.Fatalf("counters not restored: %+v", pos)
	}
	if h.stock(mug) != 8 {
		t.Fatalf("mug stock %d, want 8: the restock is undone", h.stock(mug))
	}
	h.checkBooks(o.ID)
	if h.stripeRefunded(o.PaymentIntentID) != 0 {
		t.Fatal("Stripe refunded something")
	}
	if n := h.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'refund.failed' AND object_id = ?`, o.ID); n != 1 {
		t.Fatalf("%d refund.failed audit entries", n)
	}
	// A disputed order is refused up front now.
	h.want(409, "ops", "POST", refundPath(o.ID), map[string]any{"reason": "all of it"}, nil)
}

// A refund made in Stripe's dashboard is recorded from its event, allocated
// like an operator's refund of that amount; redelivered events change
// nothing. One made while a Trove refund is pending that leaves it no room:
// Stripe refuses Trove's, and the books end as Stripe's.
func TestDashboardRefund(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 333, 50)
	soap := h.product(h.bolt, "soap", 143, 50)
	o := h.paidOrder(item{mug, 3}, item{soap, 7})

	// "Dashboard": a refund made straight with Stripe, no refund_id metadata.
	if _, err := h.sc.CreateRefund(h.ctx, o.PaymentIntentID, usd(500), nil, "dashboard-1"); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the dashboard refund recorded", func() bool {
		return h.count(`SELECT COUNT(*) FROM refunds WHERE order_id = ? AND source = 'stripe' AND status = 'succeeded'`, o.ID) == 1
	})
	h.settled(o.ID)
	view, err := h.refunds.OrderRefunds(h.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	ext := view.Refunds[0]
	if len(view.Refunds) != 1 || ext.Amount != usd(500) || ext.Kind != KindAmount || ext.Restock || ext.StripeRefundID == nil ||
		ext.RequestedBy.Type != "stripe" || len(ext.Allocation) != 2 {
		t.Fatalf("recorded %+v", view.Refunds)
	}
	h.checkBooks(o.ID)

	t.Run("every event again changes nothing", func(t *testing.T) {
		before := h.count(`SELECT COUNT(*) FROM refunds`)
		for _, d := range h.sb.Deliveries() {
			if code, err := h.sb.Redeliver(d); err != nil || code != 200 {
				t.Fatalf("redeliver: %d %v", code, err)
			}
		}
		h.settled(o.ID)
		if h.count(`SELECT COUNT(*) FROM refunds`) != before || h.checkBooks(o.ID) != 500 {
			t.Fatal("a redelivery changed the books")
		}
	})

	t.Run("a dashboard refund that leaves a pending Trove refund no room", func(t *testing.T) {
		h.hold()
		var mine Refund
		h.want(201, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(1000), "reason": "ours"}, &mine)
		// Meanwhile, 14.00 in the dashboard: 1.00 is left at Stripe.
		if _, err := h.sc.CreateRefund(h.ctx, o.PaymentIntentID, usd(1400), nil, "dashboard-2"); err != nil {
			t.Fatal(err)
		}
		h.sb.WaitDeliveries()
		time.Sleep(200 * time.Millisecond) // the event's job fails for want of room, and retries
		h.open()
		h.settled(o.ID)
		got, _ := h.refunds.Refund(h.ctx, mine.ID)
		if got.Status != RefundFailed || got.FailureCode != "amount_too_large" {
			t.Fatalf("ours: %+v", got)
		}
		if total := h.checkBooks(o.ID); total != 1900 || h.stripeRefunded(o.PaymentIntentID) != 1900 {
			t.Fatalf("Trove %d, Stripe %d", total, h.stripeRefunded(o.PaymentIntentID))
		}
	})
}

// Vendors refund lines of their own vendor orders only, within the window;
// another vendor's vendor order is a 404 that changes nothing.
func TestVendorRefunds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 1500, 10)
	soap := h.product(h.bolt, "soap", 800, 10)
	o := h.paidOrder(item{mug, 2}, item{soap, 1})
	var voA, voB orders.VendorOrder
	for _, vo := range o.VendorOrders {
		if vo.VendorID == h.acme {
			voA = vo
		} else {
			voB = vo
		}
	}
	mugLine, soapLine := o.Lines[0], o.Lines[1]

	t.Run("another vendor's vendor order is not found, and nothing changes", func(t *testing.T) {
		before := h.count(`SELECT COUNT(*) FROM refunds`) + h.count(`SELECT COUNT(*) FROM audit_log`)
		body := map[string]any{"lines": []map[string]any{{"line_id": soapLine.ID, "quantity": 1}}, "reason": "not mine"}
		h.want(404, "ownerA", "POST", vendorPath(voB.ID), body, nil)
		h.want(404, "ownerA", "POST", vendorPath(voB.ID), `{"nonsense": true}`, nil)
		h.want(404, "ownerA", "GET", vendorPath(voB.ID), nil, nil)
		h.want(404, "ownerA", "POST", vendorPath("vor_nope"), body, nil)
		// Its own vendor order, naming the other vendor's line: not a line of it.
		b := h.want(400, "ownerA", "POST", vendorPath(voA.ID), body, nil)
		if !strings.Contains(string(b), "lines[0].line_id") {
			t.Fatalf("problem %s", b)
		}
		h.want(403, "buyer", "POST", vendorPath(voA.ID), body, nil)
		h.want(401, "nobody", "POST", vendorPath(voA.ID), body, nil)
		h.want(403, "ownerA", "POST", refundPath(o.ID), map[string]any{"reason": "operators only"}, nil)
		if after := h.count(`SELECT COUNT(*) FROM refunds`) + h.count(`SELECT COUNT(*) FROM audit_log`); after != before {
			t.Fatal("a refused request wrote something")
		}
		if pos, _ := h.orders.RefundPosition(h.ctx, o.ID); pos.Refunded != 0 {
			t.Fatal("counters moved")
		}
	})

	t.Run("its own lines, with restock", func(t *testing.T) {
		var r Refund
		h.want(201, "staffA", "POST", vendorPath(voA.ID), map[string]any{"lines": []map[string]any{{"line_id": mugLine.ID, "quantity": 1}},
			"restock": true, "reason": "returned to the shop"}, &r)
		if r.Source != SourceVendor || r.VendorOrderID == nil || *r.VendorOrderID != voA.ID || r.Amount != usd(1500) ||
			len(r.Allocation) != 1 || r.Allocation[0].VendorID != h.acme || *r.RequestedBy.VendorID != h.acme {
			t.Fatalf("refund %+v", r)
		}
		if h.stock(mug) != 9 {
			t.Fatalf("mug stock %d, want 9", h.stock(mug))
		}
		var view OrderRefunds
		h.want(200, "ownerA", "GET", vendorPath(voA.ID), nil, &view)
		if len(view.Refunds) != 1 || len(view.Lines) != 1 || view.Refunded != usd(1500) || view.Refundable != usd(1500) {
			t.Fatalf("vendor view %+v", view)
		}
		h.settled(o.ID)
		h.checkBooks(o.ID)
		if n := h.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'refund.requested' AND actor_id = 'usr_staff_a' AND vendor_id = ?`, h.acme); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})

	t.Run("vendor B sees only its own", func(t *testing.T) {
		var view OrderRefunds
		h.want(200, "ownerB", "GET", vendorPath(voB.ID), nil, &view)
		if len(view.Refunds) != 0 || len(view.Lines) != 1 || view.Lines[0].LineID != soapLine.ID {
			t.Fatalf("vendor B view %+v", view)
		}
	})

	t.Run("after the window, vendors are refused", func(t *testing.T) {
		closed := NewRefunds(RefundsDeps{DB: h.db, Clock: clock.System{}, Stripe: h.sc, Orders: h.orders, Queue: h.q}, RefundsConfig{VendorWindow: time.Millisecond})
		_, _, err := closed.RefundVendorOrder(h.ctx, Actor{Type: "user", ID: "usr_owner_a", VendorID: h.acme}, voA.ID,
			VendorRefundInput{Lines: []LineRefund{{LineID: mugLine.ID, Quantity: 1}}, Reason: "late"})
		if httpx.StatusOf(err) != 403 {
			t.Fatalf("want 403, got %v", err)
		}
	})
}

// Bad input is a 400 naming every problem; an unknown order 404; an unpaid
// order 409.
func TestRefundRequestsChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 1500, 10)
	o := h.paidOrder(item{mug, 2})

	b := h.want(400, "ops", "POST", refundPath(o.ID), map[string]any{
		"amount": map[string]any{"amount": -5, "currency": "usd"}, "restock": true, "reason": " ",
		"lines": []map[string]any{{"line_id": "", "quantity": 0}, {"line_id": "x", "quantity": 1}, {"line_id": "x", "quantity": 1}},
	}, nil)
	var p httpx.Problem
	json.Unmarshal(b, &p)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	want := "amount amount.amount amount.currency lines[0].line_id lines[0].quantity lines[2].line_id reason restock"
	if strings.Join(fields, " ") != want {
		t.Fatalf("fields %q, want %q\n%s", strings.Join(fields, " "), want, b)
	}
	h.want(400, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(1), "reason": "x", "surprise": 1}, nil)
	h.want(400, "ops", "POST", refundPath(o.ID), map[string]any{"amount": map[string]any{"amount": 100, "currency": "EUR"}, "reason": "x"}, nil)
	h.want(400, "ops", "POST", refundPath(o.ID), map[string]any{"lines": []map[string]any{{"line_id": "oln_nope", "quantity": 1}}, "reason": "x"}, nil)
	h.want(404, "ops", "POST", refundPath("ord_nope"), map[string]any{"reason": "x"}, nil)
	h.want(404, "ops", "GET", refundPath("ord_nope"), nil, nil)

	// An order awaiting payment.
	view, token, _, err := h.orders.CreateCart(h.ctx, orders.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	c := orders.Caller{CartToken: token}
	h.orders.AddLine(h.ctx, c, view.ID, orders.LineInput{VariantID: mug, Quantity: 1})
	email := "b@corp.example"
	r := orders.Recipient{Name: "R", AddressLines: []string{"1 St"}, City: "C", PostalCode: "1", Country: "US"}
	h.orders.UpdateCart(h.ctx, c, view.ID, orders.CartPatch{Email: &email, Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &r}})
	res, _, err := h.orders.Checkout(h.ctx, c, view.ID, orders.CheckoutInput{})
	if err != nil {
		t.Fatal(err)
	}
	b = h.want(409, "ops", "POST", refundPath(res.Order.ID), map[string]any{"reason": "not paid"}, nil)
	if !strings.Contains(string(b), "only a paid order") {
		t.Fatalf("problem %s", b)
	}
	if n := h.count(`SELECT COUNT(*) FROM refunds`); n != 0 {
		t.Fatalf("%d refunds written", n)
	}
}
