package subscriptions_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/catalogtest"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

type subFixture struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlx.DB
	sb     *sbstripe.Stripe
	sc     *stripe.Client
	subs   *subscriptions.Service
	corp   subscriptions.Subscriber // a buyer with plans
	other  subscriptions.Subscriber // another buyer
	bundle string
	mug    string
	seen   map[string]bool // deliveries already followed
}

func newSubFixture(t *testing.T) *subFixture {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(t0)
	reg := queue.NewRegistry()
	queue.Handle(reg, "orders.paid.test", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "orders.fulfilment_changed.test", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "orders.shipped.test", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Deliveries are received and kept; the test follows them itself, as
	// often and in whatever order it likes.
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	t.Cleanup(hook.Close)
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", WebhookSecret: "whsec_trove", WebhookURL: hook.URL,
		Clock: clk, HTTPClient: &http.Client{Timeout: 5 * time.Second}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_trove", APIBase: srv.URL, WebhookSecrets: []string{"whsec_trove"}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	os := orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: cat, Payments: payments.NewProvider(payments.ProviderDeps{Stripe: sc})}, orders.Config{})
	refunds := payments.NewRefunds(payments.RefundsDeps{DB: conn, Clock: clk, Stripe: sc, Orders: os, Queue: q}, payments.RefundsConfig{})
	f := &subFixture{t: t, ctx: context.Background(), db: conn, sb: sb, sc: sc, seen: map[string]bool{},
		subs: subscriptions.New(subscriptions.Deps{DB: conn, Clock: clk, Stripe: sc, Orders: os, Catalog: cat, Refunds: refunds})}

	acme := vendorstest.Vendor(t, conn, clk, "acme")
	bolt := vendorstest.Vendor(t, conn, clk, "bolt")
	f.corp, f.other = f.buyer(clk, "corp"), f.buyer(clk, "other")
	f.mug = catalogtest.Product(t, cat, acme, "mug", "mug", usd(3000), 100)
	card := catalogtest.Product(t, cat, bolt, "card", "card", usd(1000), 100)
	b, err := cat.CreateBundle(f.ctx, catalog.BundleInput{Slug: "plan", Name: "Desk plan", Price: usd(5000),
		Items: []catalog.BundleItemInput{{VariantID: f.mug, Quantity: 1}, {VariantID: card, Quantity: 2}}},
		audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"})
	if err != nil {
		t.Fatal(err)
	}
	f.bundle = b.ID
	return f
}

func usd(c int64) money.Money { return money.Money{Amount: c, Currency: "USD"} }

func (f *subFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *subFixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Get(&n, q, args...); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// buyer makes a buyer's account (through internal/auth).
func (f *subFixture) buyer(clk clock.Clock, name string) subscriptions.Subscriber {
	f.t.Helper()
	u, _, err := auth.NewUsers(auth.UsersDeps{DB: f.db, Clock: clk}).Ensure(f.ctx, auth.NewUser{Email: name + "@buyer.example", Name: name, Password: "correct horse battery staple",
		Role: auth.RoleBuyer})
	if err != nil {
		f.t.Fatal(err)
	}
	return subscriptions.Subscriber{UserID: u.ID, Email: u.Email}
}

func recipients(names ...string) []orders.Recipient {
	var out []orders.Recipient
	for _, n := range names {
		out = append(out, orders.Recipient{Name: n, AddressLines: []string{"1 Main St"}, City: "Springfield", PostalCode: "62701", Country: "US"})
	}
	return out
}

// follow hands the new deliveries to FollowEvent, each times times, shuffled.
func (f *subFixture) follow(times int) {
	f.t.Helper()
	f.sb.WaitDeliveries()
	var evs []stripe.Event
	for _, d := range f.sb.Deliveries() {
		if f.seen[d.EventID] {
			continue
		}
		f.seen[d.EventID] = true
		ev, err := stripe.DecodeEvent(d.Payload)
		if err != nil || ev.ID != d.EventID || ev.Type != d.Type {
			f.t.Fatalf("decode %s %s: %+v %v", d.Type, d.EventID, ev, err)
		}
		for range times {
			evs = append(evs, ev)
		}
	}
	rand.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
	for _, ev := range evs {
		if err := f.subs.FollowEvent(f.ctx, ev); err != nil {
			f.t.Fatalf("follow %s %s: %v", ev.Type, ev.ID, err)
		}
	}
}

func (f *subFixture) plan(id string) subscriptions.Subscription {
	f.t.Helper()
	subs, err := f.subs.Subscriptions(f.ctx, f.corp.UserID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range subs {
		if s.ID == id {
			return s
		}
	}
	f.t.Fatalf("plan %s not listed", id)
	return subscriptions.Subscription{}
}

func (f *subFixture) stripeID(planID string) string {
	f.t.Helper()
	var id string
	if err := f.db.Get(&id, `SELECT stripe_subscription_id FROM subscriptions WHERE id = ?`, planID); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func TestSubscriptionLifecycle(t *testing.T) {
	f := newSubFixture(t)
	res, err := f.subs.Subscribe(f.ctx, f.corp, subscriptions.SubscribeInput{BundleID: f.bundle, Interval: "quarterly",
		Recipients: recipients("Ann", "Ben", "Cal"), GiftMessage: "Thanks for a great year"})
	if err != nil {
		t.Fatal(err)
	}
	plan := res.Subscription
	if plan.Amount != usd(15000) || plan.Interval != "quarterly" || len(plan.Recipients) != 3 {
		t.Fatalf("plan %+v", plan)
	}
	if plan.Status != subscriptions.StatusActive || res.Payment != nil {
		t.Fatalf("status %s payment %+v: the sandbox customer pays at once", plan.Status, res.Payment)
	}
	stripeSub, err := f.sc.GetSubscription(f.ctx, f.stripeID(plan.ID))
	if err != nil || stripeSub.Metadata[subscriptions.MetadataSubscriptionID] != plan.ID {
		t.Fatalf("stripe subscription %+v %v", stripeSub, err)
	}

	// The first invoice, followed five times in any order: one order, a line
	// per recipient and part.
	f.follow(5)
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice' AND status = 'paid'`); n != 1 {
		t.Fatalf("%d orders after the first invoice", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM order_lines`); n != 6 {
		t.Fatalf("%d lines, want 3 recipients x 2 parts", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM vendor_orders`); n != 6 {
		t.Fatalf("%d vendor orders, want 3 recipients x 2 vendors", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE total_amount = 15000 AND amount_received = 15000 AND flagged_at IS NULL AND buyer_user_id = ?`, f.corp.UserID); n != 1 {
		t.Fatal("the order's total and amount received must be the invoice's")
	}

	// A renewal: a second order.
	f.sb.RenewSubscription(f.stripeID(plan.ID))
	f.follow(5)
	if n := f.count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice'`); n != 2 {
		t.Fatalf("%d orders after a renewal", n)
	}
	if p := f.plan(plan.ID); p.Status != subscriptions.StatusActive || p.CurrentPeriodEnd == nil {
		t.Fatalf("after renewal: %+v", p)
	}

	// A failed renewal: past_due, no order.
	f.sb.FailRenewal(f.stripeID(plan.ID))
	f.follow(5)
	if p := f.plan(plan.ID); p.Status != subscriptions.StatusPastDue {
		t.Fatalf("after a failed renewal: %s", p.Status)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders`); n != 2 {
		t.Fatalf("%d orders after a failed renewal", n)
	}

	// Another buyer can neither see nor cancel it.
	if subs, err := f.subs.Subscriptions(f.ctx, f.other.UserID); err != nil || len(subs) != 0 {
		t.Fatalf("another buyer sees %d plans (%v)", len(subs), err)
	}
	if _, err := f.subs.Cancel(f.ctx, f.other.UserID, plan.ID); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("another buyer's cancel: %v", err)
	}

	// The buyer cancels: canceled here and in Stripe; the webhook after it,
	// and a second cancel, change nothing; no more renewals or orders.
	got, err := f.subs.Cancel(f.ctx, f.corp.UserID, plan.ID)
	if err != nil || got.Status != subscriptions.StatusCanceled || got.CanceledAt == nil {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	f.follow(3)
	if again, err := f.subs.Cancel(f.ctx, f.corp.UserID, plan.ID); err != nil || again.Status != subscriptions.StatusCanceled {
		t.Fatalf("cancel again: %+v %v", again, err)
	}
	if s, _ := f.sc.GetSubscription(f.ctx, f.stripeID(plan.ID)); s.Status != stripe.SubscriptionCanceled {
		t.Fatalf("stripe status %s", s.Status)
	}
	f.sb.RenewSubscription(f.stripeID(plan.ID))
	f.follow(1)
	if n := f.count(`SELECT COUNT(*) FROM orders`); n != 2 {
		t.Fatalf("%d orders after cancel", n)
	}
	// Every event ever sent, once more, shuffled: nothing moves.
	f.seen = map[string]bool{}
	f.follow(2)
	if p := f.plan(plan.ID); p.Status != subscriptions.StatusCanceled {
		t.Fatalf("replayed events moved a canceled plan to %s", p.Status)
	}
	if n := f.count(`SELECT COUNT(*) FROM orders`); n != 2 {
		t.Fatalf("%d orders after replays", n)
	}
}

func TestSubscriptionCanceledInStripeFirst(t *testing.T) {
	f := newSubFixture(t)
	res, err := f.subs.Subscribe(f.ctx, f.corp, subscriptions.SubscribeInput{BundleID: f.bundle, Interval: "monthly", Recipients: recipients("Ann")})
	if err != nil {
		t.Fatal(err)
	}
	f.follow(1)
	// Canceled from the Stripe dashboard: the webhook arrives first.
	if _, err := f.sc.CancelSubscription(f.ctx, f.stripeID(res.Subscription.ID)); err != nil {
		t.Fatal(err)
	}
	f.follow(2)
	if p := f.plan(res.Subscription.ID); p.Status != subscriptions.StatusCanceled {
		t.Fatalf("status %s", p.Status)
	}
	if got, err := f.subs.Cancel(f.ctx, f.corp.UserID, res.Subscription.ID); err != nil || got.Status != subscriptions.StatusCanceled {
		t.Fatalf("cancel after the webhook: %+v %v", got, err)
	}
	// The customer is the buyer's, reused by a second plan.
	if _, err := f.subs.Subscribe(f.ctx, f.corp, subscriptions.SubscribeInput{BundleID: f.bundle, Interval: "monthly", Recipients: recipients("Ben")}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT COUNT(DISTINCT stripe_customer_id) FROM subscriptions`); n != 1 {
		t.Fatalf("%d Stripe customers for one buyer", n)
	}
}

func TestSubscribeRefusesBadInput(t *testing.T) {
	f := newSubFixture(t)
	for name, in := range map[string]subscriptions.SubscribeInput{
		"interval":      {BundleID: f.bundle, Interval: "weekly", Recipients: recipients("Ann")},
		"no recipients": {BundleID: f.bundle, Interval: "monthly"},
		"incomplete":    {BundleID: f.bundle, Interval: "monthly", Recipients: []orders.Recipient{{Name: "Ann"}}},
		"unknown":       {BundleID: "bun_nope", Interval: "monthly", Recipients: recipients("Ann")},
	} {
		if _, err := f.subs.Subscribe(f.ctx, f.corp, in); !fault.Is(err, fault.KindInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = "R"
	}
	if _, err := f.subs.Subscribe(f.ctx, f.corp, subscriptions.SubscribeInput{BundleID: f.bundle, Interval: "monthly", Recipients: recipients(many...)}); !fault.Is(err, fault.KindInvalid) {
		t.Errorf("51 recipients: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM subscriptions`); n != 0 {
		t.Fatalf("%d plans written", n)
	}
}
