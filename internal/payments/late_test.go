package payments_test

// Payments that arrive after their order's hold ran out (issue 11, section
// 4), against a real MariaDB database, the sandbox Stripe over real HTTP, and
// Trove's own webhook ingress and job queue as cmd/trove wires them. Time
// moves with the injected clock: orders, catalog and payments read it;
// Stripe, its signatures and the queue keep real time.
//
// Every test ends with the books: per variant, the units sold (paid orders'
// lines, less what was refunded of them) never pass the stock there was, and
// per order, the money Stripe kept (received less refunded) is exactly the
// value of the goods that ship.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/catalogtest"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/orders/orderstest"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
	"github.com/trove-platform/trove/internal/webhooks"
)

const lateTTL = 15 * time.Minute

type lateWorld struct {
	t        *testing.T
	ctx      context.Context
	db       *sqlx.DB
	clk      *clock.Fake
	sb       *sbstripe.Stripe
	sbURL    string
	sc       *stripe.Client
	cat      *catalog.Store
	orders   *orders.Store
	svc      *payments.Service
	refunds  *payments.Refunds
	disputes *payments.Disputes
	subs     *subscriptions.Service
	mailbox  *mail.Local
	acme     string // vendors, active, stores connected
	bolt     string
	stock    map[string]int // variant -> the stock there was
}

func newLateWorld(t *testing.T) *lateWorld {
	t.Helper()
	w := &lateWorld{t: t, ctx: context.Background(), db: dbtest.New(t), clk: clock.NewFake(time.Now()), mailbox: mail.NewLocal(),
		stock: map[string]int{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sys := clock.System{}

	var hooks *webhooks.Store
	hookSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		webhooks.HandleStripe(hooks, w.sc).ServeHTTP(rw, r)
	}))
	t.Cleanup(hookSrv.Close)
	w.sb = sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: hookSrv.URL, HTTPClient: &http.Client{Timeout: 5 * time.Second}, Log: log})
	sbSrv := httptest.NewServer(w.sb.Handler())
	t.Cleanup(sbSrv.Close)
	w.sbURL = sbSrv.URL
	var err error
	if w.sc, err = stripe.New(stripe.Config{SecretKey: "sk_test_trove", APIBase: sbSrv.URL, WebhookSecrets: []string{"whsec_trove"}}); err != nil {
		t.Fatal(err)
	}
	post := mail.Postman{Sender: w.mailbox, From: "Trove <noreply@trove.example>", Brand: mail.Brand{Name: "Trove", URL: "http://trove.example"}}

	// The handlers of these kinds, as cmd/trove/jobs.go registers them.
	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.payment_intent", func(ctx context.Context, m queue.Meta, j webhooks.StripePaymentIntentEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, func(ctx context.Context, ev stripe.Event) error {
			pi, err := ev.PaymentIntent()
			if err != nil {
				return queue.Permanent(err)
			}
			return w.svc.FollowIntent(ctx, pi.ID)
		})
	}, queue.Concurrency(8))
	queue.Handle(reg, "stripe.refund", func(ctx context.Context, m queue.Meta, j webhooks.StripeRefundEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, w.refunds.FollowEvent)
	}, queue.Concurrency(4))
	queue.Handle(reg, "stripe.dispute", func(ctx context.Context, m queue.Meta, j webhooks.StripeDisputeEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, w.disputes.FollowEvent)
	}, queue.Concurrency(2))
	queue.Handle(reg, "stripe.billing", func(ctx context.Context, m queue.Meta, j webhooks.StripeBillingEvent) error {
		return hooks.FollowStripe(ctx, j.WebhookID, w.subs.FollowEvent)
	}, queue.Concurrency(4))
	queue.Handle(reg, "orders.late_payment.refund", func(ctx context.Context, m queue.Meta, j orders.LatePayment) error {
		return w.refunds.OnLatePayment(ctx, m, j)
	})
	queue.Handle(reg, "payments.create_refund", func(ctx context.Context, m queue.Meta, j payments.CreateRefund) error {
		return w.refunds.OnCreateRefund(ctx, m, j)
	})
	queue.Handle(reg, "payments.refund_succeeded.mail", func(ctx context.Context, m queue.Meta, j payments.RefundSucceededJob) error {
		return payments.RefundMailHandler(w.refunds, post)(ctx, m, j)
	})
	queue.Handle(reg, "orders.paid.test", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "orders.fulfilment_changed.test", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "orders.shipped.test", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	q, err := queue.New(w.db, reg, sys, queue.Config{PollInterval: 20 * time.Millisecond, RetryBase: 50 * time.Millisecond,
		RetryMax: 300 * time.Millisecond}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	hooks = webhooks.NewStore(webhooks.Deps{DB: w.db, Clock: sys, Queue: q})
	w.cat = catalog.NewStore(catalog.Deps{DB: w.db, Clock: w.clk})
	w.orders = orders.NewStore(orders.Deps{DB: w.db, Clock: w.clk, Queue: q, Catalog: w.cat,
		Payments: payments.NewProvider(payments.ProviderDeps{Stripe: w.sc})}, orders.Config{ReservationTTL: lateTTL})
	w.refunds = payments.NewRefunds(payments.RefundsDeps{DB: w.db, Clock: w.clk, Stripe: w.sc, Orders: w.orders, Queue: q}, payments.RefundsConfig{})
	w.subs = subscriptions.New(subscriptions.Deps{DB: w.db, Clock: w.clk, Stripe: w.sc, Orders: w.orders, Catalog: w.cat,
		Refunds: w.refunds})
	w.svc = payments.New(payments.Deps{Clock: w.clk, Stripe: w.sc, Orders: w.orders})
	w.disputes = payments.NewDisputes(payments.DisputesDeps{DB: w.db, Clock: w.clk, Stripe: w.sc, Orders: w.orders, Queue: q})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx, 2*time.Second); close(done) }()
	t.Cleanup(func() {
		w.sb.WaitDeliveries()
		cancel()
		<-done
	})
	w.acme = vendorstest.Vendor(t, w.db, sys, "acme")
	w.bolt = vendorstest.Vendor(t, w.db, sys, "bolt")
	return w
}

func (w *lateWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.Exec(q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

func (w *lateWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.Get(&n, q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// product lists a one-variant product and remembers its stock.
func (w *lateWorld) product(vendor, key string, cents int64, stock int) string {
	w.t.Helper()
	id := catalogtest.Product(w.t, w.cat, vendor, key, key, usd(cents), stock)
	w.stock[id] = stock
	return id
}

// shopper is a guest who checked out: the order, and the intent with the
// client secret the storefront handed to the browser.
type shopper struct {
	email, orderID, intentID, secret string
}

// checkout fills a guest cart and checks it out; err is checkout's (an item
// out of stock is a conflict).
func (w *lateWorld) checkout(email string, lines ...orders.LineInput) (shopper, error) {
	w.t.Helper()
	view, token, _, err := w.orders.CreateCart(w.ctx, orders.Caller{})
	if err != nil {
		w.t.Fatal(err)
	}
	c := orders.Caller{CartToken: token}
	for _, l := range lines {
		if _, err := w.orders.AddLine(w.ctx, c, view.ID, l); err != nil {
			return shopper{}, err
		}
	}
	r := orders.Recipient{Name: "Robin Recipient", AddressLines: []string{"1 Main St"}, City: "Springfield", PostalCode: "12345", Country: "US"}
	if _, err := w.orders.UpdateCart(w.ctx, c, view.ID, orders.CartPatch{Email: &email,
		Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &r}}); err != nil {
		w.t.Fatal(err)
	}
	res, _, err := w.orders.Checkout(w.ctx, c, view.ID, orders.CheckoutInput{})
	if err != nil {
		return shopper{}, err
	}
	return shopper{email: email, orderID: res.Order.ID, intentID: res.Payment.IntentID, secret: res.Payment.ClientSecret}, nil
}

func (w *lateWorld) mustCheckout(email string, lines ...orders.LineInput) shopper {
	w.t.Helper()
	s, err := w.checkout(email, lines...)
	if err != nil {
		w.t.Fatalf("checkout for %s: %v", email, err)
	}
	return s
}

func line(variantID string, q int) orders.LineInput {
	return orders.LineInput{VariantID: variantID, Quantity: q}
}

// pay confirms the shopper's intent with a test card as the storefront's card
// form does (publishable key and client secret, over HTTP) and answers the
// sandbox's status code and the intent's status.
func (w *lateWorld) pay(s shopper, card string) (int, string) {
	w.t.Helper()
	form := url.Values{"key": {"pk_test_trove"}, "client_secret": {s.secret}, "payment_method": {card}}
	res, err := http.PostForm(w.sbURL+"/v1/payment_intents/"+s.intentID+"/confirm", form)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Status
}

func (w *lateWorld) status(orderID string) string {
	w.t.Helper()
	var s string
	if err := w.db.Get(&s, `SELECT status FROM orders WHERE id = ?`, orderID); err != nil {
		w.t.Fatal(err)
	}
	return s
}

func (w *lateWorld) waitUntil(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *lateWorld) waitStatus(orderID, status string) {
	w.t.Helper()
	w.waitUntil(fmt.Sprintf("order %s %s", orderID, status), func() bool { return w.status(orderID) == status })
}

// settled waits until Stripe's deliveries are done and no job is left to run.
func (w *lateWorld) settled() {
	w.t.Helper()
	w.sb.WaitDeliveries()
	w.waitUntil("the queue to drain", func() bool {
		return w.count(`SELECT COUNT(*) FROM jobs WHERE status NOT IN ('done', 'dead', 'discarded')`) == 0
	})
	if n := w.count(`SELECT COUNT(*) FROM jobs WHERE status = 'dead'`); n != 0 {
		var errs []string
		w.db.Select(&errs, `SELECT CONCAT(kind, ': ', last_error) FROM jobs WHERE status = 'dead'`)
		w.t.Fatalf("%d dead jobs: %v", n, errs)
	}
}

func (w *lateWorld) release() {
	w.t.Helper()
	if err := w.orders.ReleaseExpired(w.ctx, queue.Meta{}, orders.ReleaseExpired{}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *lateWorld) sweep() {
	w.t.Helper()
	if err := w.svc.SweepPending(w.ctx, queue.Meta{}, payments.SweepPending{}); err != nil {
		w.t.Fatal(err)
	}
}

// charge is what Stripe holds of an intent's money.
func (w *lateWorld) charge(intentID string) (received, refunded int64, status string) {
	w.t.Helper()
	pi, err := w.sc.GetPaymentIntent(w.ctx, intentID)
	if err != nil {
		w.t.Fatal(err)
	}
	if pi.LatestChargeID == "" || pi.Status != stripe.StatusSucceeded {
		return 0, 0, pi.Status
	}
	req, _ := http.NewRequest("GET", w.sbURL+"/v1/charges/"+pi.LatestChargeID, nil)
	req.Header.Set("Authorization", "Bearer sk_test_trove")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var ch struct {
		Amount         int64 `json:"amount"`
		AmountRefunded int64 `json:"amount_refunded"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ch); err != nil {
		w.t.Fatal(err)
	}
	return pi.AmountReceived.Amount, ch.AmountRefunded, pi.Status
}

// books checks that no variant sold more than its stock (and that its stock
// figures agree), that nothing is still held, and that for every order with
// a payment Stripe kept exactly the value of the goods that ship.
func (w *lateWorld) books() {
	w.t.Helper()
	w.settled()
	for variant, stock := range w.stock {
		sold := w.count(`SELECT COALESCE(SUM(l.quantity - l.refunded_quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
			WHERE o.status = 'paid' AND l.variant_id = ?`, variant)
		var onHand, reserved int
		if err := w.db.QueryRow(`SELECT stock_on_hand, reserved FROM variants WHERE id = ?`, variant).Scan(&onHand, &reserved); err != nil {
			w.t.Fatal(err)
		}
		if sold > stock || onHand != stock-sold || reserved != 0 {
			w.t.Errorf("variant %s: %d units sold of %d in stock; %d on hand, %d reserved", variant, sold, stock, onHand, reserved)
		}
	}
	var rows []struct {
		ID     string `db:"id"`
		Status string `db:"status"`
		Intent string `db:"payment_intent_id"`
		Ships  int64  `db:"ships"`
	}
	if err := w.db.Select(&rows, `SELECT o.id, o.status, o.payment_intent_id,
		IF(o.status = 'paid', (SELECT COALESCE(SUM(l.amount - l.refunded_amount), 0) FROM order_lines l WHERE l.order_id = o.id), 0) AS ships
		FROM orders o WHERE o.payment_intent_id IS NOT NULL`); err != nil {
		w.t.Fatal(err)
	}
	for _, o := range rows {
		received, refunded, status := w.charge(o.Intent)
		if kept := received - refunded; kept != o.Ships {
			w.t.Errorf("order %s (%s): Stripe kept %d (%d received, %d refunded; intent %s), the goods that ship are worth %d",
				o.ID, o.Status, kept, received, refunded, status, o.Ships)
		}
		if o.Status == orders.StatusExpired && status != stripe.StatusCanceled {
			w.t.Errorf("order %s expired, but its payment is %s, not canceled", o.ID, status)
		}
	}
}

// redeliverAll sends every event Stripe made so far again, each twice,
// concurrently and shuffled (Stripe's retries after an outage, duplicates).
func (w *lateWorld) redeliverAll() {
	w.t.Helper()
	w.sb.WaitDeliveries()
	seen := map[string]bool{}
	var all []sbstripe.Delivery
	for _, d := range w.sb.Deliveries() {
		if !seen[d.EventID] {
			seen[d.EventID] = true
			all = append(all, d, d)
		}
	}
	rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var wg sync.WaitGroup
	for _, d := range all {
		wg.Go(func() {
			if code, err := w.sb.Redeliver(d); err != nil || code != 200 {
				w.t.Errorf("redeliver %s: %d %v", d.Type, code, err)
			}
		})
	}
	wg.Wait()
}

// mailTo returns the subjects of the mail sent to an address.
func (w *lateWorld) mailTo(addr string) []string {
	var out []string
	for _, m := range w.mailbox.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			out = append(out, m.Subject+"\n"+m.Text)
		}
	}
	return out
}

// TestLatePayment: money that arrives for goods that are no longer held is
// never turned into a sale of stock that is gone. A buyer whose card was
// declined pays with another after the goods sold out: the order is canceled,
// the payment refunded in full, the buyer mailed. A buyer whose hold ran out
// cannot pay at all: the release job canceled the intent at Stripe before it
// gave the stock to the next buyer.
func TestLatePayment(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	mug := w.product(w.acme, "mug", 1500, 3)
	tea := w.product(w.bolt, "tea", 500, 10)

	// Ann's card is declined: her hold is given back.
	ann := w.mustCheckout("ann@buyer.example", line(mug, 2), line(tea, 1))
	if code, st := w.pay(ann, "pm_card_chargeDeclined"); code != 402 || st != "" {
		t.Fatalf("declined: %d %q", code, st)
	}
	w.waitStatus(ann.orderID, orders.StatusPaymentFailed)
	// Ben buys two of the three mugs and pays.
	ben := w.mustCheckout("ben@buyer.example", line(mug, 2))
	w.pay(ben, "pm_card_visa")
	w.waitStatus(ben.orderID, orders.StatusPaid)
	// Ann tries another card on the same payment: Stripe takes it, but one
	// mug is left for her two. Nothing is sold to her; all of it goes back.
	if code, st := w.pay(ann, "pm_card_visa"); code != 200 || st != stripe.StatusSucceeded {
		t.Fatalf("Ann's second card: %d %q", code, st)
	}
	w.waitStatus(ann.orderID, orders.StatusCanceled)
	w.waitUntil("Ann's refund", func() bool {
		return w.count(`SELECT COUNT(*) FROM refunds WHERE order_id = ? AND status = 'succeeded' AND source = 'system'`, ann.orderID) == 1
	})
	w.settled()
	if got, err := w.orders.OrderByID(w.ctx, ann.orderID); err != nil || got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "mug: only 1 left, 2 wanted") ||
		got.AmountReceived == nil || got.AmountReceived.Amount != 3500 {
		t.Fatalf("Ann's order: %+v %v", got, err)
	}
	if received, refunded, _ := w.charge(ann.intentID); received != 3500 || refunded != 3500 {
		t.Fatalf("Ann's payment: %d received, %d refunded", received, refunded)
	}
	mails := w.mailTo("ann@buyer.example")
	if len(mails) != 1 || !strings.HasPrefix(mails[0], "Your Trove order "+ann.orderID+" is canceled and refunded in full\n") ||
		!strings.Contains(mails[0], "the full amount, USD 35.00") {
		t.Fatalf("Ann's mail: %q", mails)
	}
	refs, err := w.refunds.OrderRefunds(w.ctx, ann.orderID)
	if err != nil || len(refs.Refunds) != 1 || refs.Refunds[0].Source != payments.SourceSystem || refs.Refunds[0].RequestedBy.Type != "system" ||
		refs.Refunds[0].Kind != payments.KindOrder || len(refs.Refunds[0].Allocation) != 0 {
		t.Fatalf("Ann's refunds: %+v %v", refs, err)
	}

	// Cat holds the last mug and never pays; her hold runs out. The release
	// job cancels her payment at Stripe, then gives the mug back.
	cat := w.mustCheckout("cat@buyer.example", line(mug, 1))
	w.clk.Advance(lateTTL)
	w.release()
	if st := w.status(cat.orderID); st != orders.StatusExpired {
		t.Fatalf("Cat's order %s", st)
	}
	if pi, err := w.sc.GetPaymentIntent(w.ctx, cat.intentID); err != nil || pi.Status != stripe.StatusCanceled || pi.CancellationReason != stripe.CancelAbandoned {
		t.Fatalf("Cat's payment: %+v %v", pi, err)
	}
	// Dan buys it.
	dan := w.mustCheckout("dan@buyer.example", line(mug, 1))
	w.pay(dan, "pm_card_visa")
	w.waitStatus(dan.orderID, orders.StatusPaid)
	// Cat comes back to the payment page: Stripe refuses, nobody is charged.
	if code, _ := w.pay(cat, "pm_card_visa"); code != 400 {
		t.Fatalf("Cat paid a canceled intent: %d", code)
	}
	w.settled()
	if st := w.status(cat.orderID); st != orders.StatusExpired {
		t.Fatalf("Cat's order %s after her try", st)
	}
	w.books()

	// Every event again, twice, shuffled: one refund, one mail, same books.
	w.redeliverAll()
	w.books()
	if n := w.count(`SELECT COUNT(*) FROM refunds`); n != 1 || len(w.mailTo("ann@buyer.example")) != 1 {
		t.Fatalf("%d refunds, %d mails to Ann after redeliveries", n, len(w.mailTo("ann@buyer.example")))
	}
	if n := w.count(`SELECT COUNT(*) FROM orders WHERE status = 'paid'`); n != 2 {
		t.Fatalf("%d paid orders, want Ben's and Dan's", n)
	}
}

// TestWebhookOutage: Trove's webhook endpoint gets nothing from Stripe for
// longer than Stripe retries (the sandbox drops every delivery) while buyers
// pay. The sweep finds the payments of checkouts waiting for minutes, and the
// release job re-reads each payment before it gives a hold back: nobody who
// paid ends expired, nobody who did not can pay afterwards, and what was sold
// never passes the stock.
func TestWebhookOutage(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	mug := w.product(w.acme, "mug", 1500, 10)

	var buyers []shopper
	for i := range 12 {
		s, err := w.checkout(fmt.Sprintf("buyer%d@buyer.example", i), line(mug, 1))
		if err != nil {
			if i < 10 || !strings.Contains(err.Error(), "out of stock") {
				t.Fatalf("checkout %d: %v", i, err)
			}
			continue
		}
		buyers = append(buyers, s)
	}
	if len(buyers) != 10 {
		t.Fatalf("%d checkouts held a mug, want 10", len(buyers))
	}
	w.settled() // payment_intent.created and the like, before the outage

	w.sb.DropDeliveries(true)
	// Four pay at once; three more later, inside their hold; three never.
	for _, b := range buyers[:4] {
		if code, st := w.pay(b, "pm_card_visa"); code != 200 || st != stripe.StatusSucceeded {
			t.Fatalf("pay: %d %s", code, st)
		}
	}
	w.settled()
	for _, b := range buyers {
		if st := w.status(b.orderID); st != orders.StatusPendingPayment {
			t.Fatalf("order %s is %s with no webhook", b.orderID, st)
		}
	}
	// Minutes later the sweep re-reads what still waits: the four are paid.
	w.clk.Advance(payments.SweepAge + time.Minute)
	w.sweep()
	for i, b := range buyers {
		want := orders.StatusPendingPayment
		if i < 4 {
			want = orders.StatusPaid
		}
		if st := w.status(b.orderID); st != want {
			t.Fatalf("after the sweep, order %d is %s, want %s", i, st, want)
		}
	}
	for _, b := range buyers[4:7] {
		w.pay(b, "pm_card_visa")
	}
	// Their holds run out before any sweep: the release job asks Stripe
	// first. The three who paid are paid; the three who did not expire, their
	// payments canceled, their mugs back on sale.
	w.clk.Advance(lateTTL)
	w.release()
	for i, b := range buyers {
		want := orders.StatusPaid
		if i >= 7 {
			want = orders.StatusExpired
		}
		if st := w.status(b.orderID); st != want {
			t.Fatalf("after the release, order %d is %s, want %s", i, st, want)
		}
	}
	// One of them comes back to pay: refused, not charged.
	if code, _ := w.pay(buyers[8], "pm_card_visa"); code != 400 {
		t.Fatalf("a canceled payment was taken: %d", code)
	}
	// The mugs given back sell to the next buyers, and no further.
	for i := range 4 {
		s, err := w.checkout(fmt.Sprintf("late%d@buyer.example", i), line(mug, 1))
		if i == 3 {
			if err == nil || !strings.Contains(err.Error(), "out of stock") {
				t.Fatalf("a fourth mug was held: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		w.pay(s, "pm_card_visa")
	}
	w.clk.Advance(payments.SweepAge + time.Minute)
	w.sweep()
	w.books()
	if n := w.count(`SELECT COUNT(*) FROM orders WHERE status = 'paid'`); n != 10 {
		t.Fatalf("%d paid orders, want 10", n)
	}

	// The endpoint is back and Stripe's retries arrive, twice and shuffled:
	// nothing moves.
	w.sb.DropDeliveries(false)
	w.redeliverAll()
	w.books()
	if n := w.count(`SELECT COUNT(*) FROM orders WHERE status = 'paid'`); n != 10 {
		t.Fatalf("%d paid orders after the retries, want 10", n)
	}
	if n := w.count(`SELECT COUNT(*) FROM orders WHERE status = 'expired'`); n != 3 {
		t.Fatalf("%d expired orders after the retries, want 3", n)
	}
}

// TestRenewalShortStock: a subscription renewal for three recipients when
// only two mugs are left ships what is there, line by line, and refunds the
// rest of the renewal's charge automatically; the buyer is mailed, and the
// vendor order left with nothing to send is cancelled.
func TestRenewalShortStock(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	mug := w.product(w.acme, "mug", 3000, 5)
	card := w.product(w.bolt, "card", 1000, 100)
	b, err := w.cat.CreateBundle(w.ctx, catalog.BundleInput{Slug: "plan", Name: "Desk plan", Price: usd(5000),
		Items: []catalog.BundleItemInput{{VariantID: mug, Quantity: 1}, {VariantID: card, Quantity: 2}}},
		audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := auth.NewUsers(auth.UsersDeps{DB: w.db, Clock: clock.System{}}).Ensure(w.ctx, auth.NewUser{Email: "corp@buyer.example", Name: "Corp",
		Password: "correct horse battery staple", Role: auth.RoleBuyer})
	if err != nil {
		t.Fatal(err)
	}
	corp := subscriptions.Subscriber{UserID: u.ID, Email: u.Email}
	res, err := w.subs.Subscribe(w.ctx, corp, subscriptions.SubscribeInput{BundleID: b.ID, Interval: "monthly",
		Recipients: []orders.Recipient{orderstest.Recipient("Ann"), orderstest.Recipient("Ben"), orderstest.Recipient("Cal")}})
	if err != nil {
		t.Fatal(err)
	}
	w.waitUntil("the first period's order", func() bool {
		return w.count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice' AND status = 'paid'`) == 1
	})
	w.settled()
	var stripeSub string
	if err := w.db.Get(&stripeSub, `SELECT stripe_subscription_id FROM subscriptions WHERE id = ?`, res.Subscription.ID); err != nil {
		t.Fatal(err)
	}

	// Three mugs went to the first period: two are left for three recipients.
	w.sb.RenewSubscription(stripeSub)
	w.waitUntil("the renewal's order", func() bool {
		return w.count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice' AND status = 'paid'`) == 2
	})
	w.waitUntil("the renewal's refund", func() bool {
		return w.count(`SELECT COUNT(*) FROM refunds WHERE source = 'system' AND status = 'succeeded'`) == 1
	})
	w.settled()
	var renewal string
	if err := w.db.Get(&renewal, `SELECT id FROM orders WHERE source_type = 'stripe_invoice' ORDER BY placed_at DESC, id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	o, err := w.orders.OrderByID(w.ctx, renewal)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := w.refunds.OrderRefunds(w.ctx, renewal)
	if err != nil || len(refs.Refunds) != 1 {
		t.Fatalf("refunds %+v %v", refs, err)
	}
	ref := refs.Refunds[0]
	if ref.Kind != payments.KindLines || ref.Amount != usd(o.Lines[0].Amount.Amount) || len(ref.Allocation) != 1 ||
		ref.Allocation[0].VendorID != w.acme || !strings.Contains(ref.Reason, "1 × mug for Cal") {
		t.Fatalf("refund %+v (mug line %v)", ref, o.Lines[0].Amount)
	}
	cancelled := 0
	for _, vo := range o.VendorOrders {
		if vo.Status == orders.VendorOrderCancelled {
			cancelled++
			if vo.Recipient.Name != "Cal" || vo.VendorID != w.acme {
				t.Fatalf("cancelled vendor order %+v", vo)
			}
		}
	}
	if cancelled != 1 || o.FlaggedAt == nil {
		t.Fatalf("%d vendor orders cancelled, flagged %v", cancelled, o.FlaggedAt)
	}
	if received, refunded, _ := w.charge(o.PaymentIntentID); received != 15000 || refunded != ref.Amount.Amount {
		t.Fatalf("renewal charge: %d received, %d refunded; want 15000 and %d", received, refunded, ref.Amount.Amount)
	}
	mails := w.mailTo(corp.Email)
	if len(mails) != 1 || !strings.Contains(mails[0], "Out of stock when the plan renewed") {
		t.Fatalf("the buyer's mail: %q", mails)
	}
	w.books()
	w.redeliverAll()
	w.books()
	if n := w.count(`SELECT COUNT(*) FROM refunds`); n != 1 || len(w.mailTo(corp.Email)) != 1 {
		t.Fatalf("%d refunds, %d mails after redeliveries", n, len(w.mailTo(corp.Email)))
	}
}

// TestUnknownIntent: a payment Stripe does not know (made under another
// account's key, or by a sandbox Stripe that was reset, as `trove serve
// --sandbox` is at every start) can take no money here: the sweep passes it
// by, and the release job expires its order instead of holding its stock for
// ever.
func TestUnknownIntent(t *testing.T) {
	t.Parallel()
	w := newLateWorld(t)
	mug := w.product(w.acme, "mug", 1500, 1)
	s := w.mustCheckout("eve@buyer.example", line(mug, 1))
	w.exec(`UPDATE orders SET payment_intent_id = 'pi_from_a_reset_sandbox' WHERE id = ?`, s.orderID)
	w.clk.Advance(payments.SweepAge + time.Minute)
	w.sweep()
	if st := w.status(s.orderID); st != orders.StatusPendingPayment {
		t.Fatalf("after the sweep: %s", st)
	}
	w.clk.Advance(lateTTL)
	w.release()
	if st := w.status(s.orderID); st != orders.StatusExpired {
		t.Fatalf("after the release: %s", st)
	}
	if _, err := w.checkout("fay@buyer.example", line(mug, 1)); err != nil {
		t.Fatalf("the mug is not back on sale: %v", err)
	}
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }
