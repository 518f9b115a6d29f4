package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
)

// TestSubscriptionEndToEnd drives a corporate gifting plan over real HTTP
// against the sandbox Stripe: subscribe -> first invoice paid -> an order for
// the period with lines for every recipient; a renewal -> a second order;
// every invoice.paid redelivered five times -> still one order per invoice; a
// failed renewal -> past_due; cancel -> canceled and no more orders; another
// buyer can neither see nor cancel the plan.
func TestSubscriptionEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	ctx := context.Background()
	if _, _, err := auth.NewUsers(auth.UsersDeps{DB: p.db, Clock: clock.System{}}).Ensure(ctx,
		auth.NewUser{Email: "other@corp.example", Password: testPassword, Role: auth.RoleBuyer}); err != nil {
		t.Fatal(err)
	}
	p.connectStores(t, p.vendorA.ID, p.vendorB.ID)
	cat := catalog.NewStore(catalog.Deps{DB: p.db, Clock: clock.System{}})
	variant := func(vendorID, key, title string, cents int64) string {
		productID, err := cat.Upsert(ctx, catalog.Product{VendorID: vendorID, ShopifyProductID: "gid://shopify/Product/" + key, Title: title, Listed: true,
			Variants: []catalog.Variant{{ShopifyVariantID: "gid://shopify/ProductVariant/" + key, Title: "Default Title",
				Price: money.Money{Amount: cents, Currency: "USD"}, StockOnHand: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		var id string
		p.db.Get(&id, `SELECT id FROM variants WHERE product_id = ?`, productID)
		return id
	}
	candle, mug := variant(p.vendorA.ID, "1", "Candle", 2500), variant(p.vendorB.ID, "2", "Mug", 1500)
	bundle, err := cat.CreateBundle(ctx, catalog.BundleInput{Slug: "desk-plan", Name: "Desk plan", Price: money.Money{Amount: 4000, Currency: "USD"},
		Items: []catalog.BundleItemInput{{VariantID: candle, Quantity: 1}, {VariantID: mug, Quantity: 1}}},
		audit.Entry{ActorType: audit.ActorUser, ActorID: p.admin.ID})
	if err != nil {
		t.Fatal(err)
	}

	addr := freeAddr(t)
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: "http://" + addr + "/webhooks/stripe", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_STRIPE_API_BASE"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "50ms"
	s := startServer(t, env)
	buyer, other := signIn(t, s, p.buyer.Email), signIn(t, s, "other@corp.example")

	// send calls the API and holds the answer against the contract.
	send := func(t *testing.T, bearer, method, path string, body any, want int) []byte {
		t.Helper()
		res, b := call(t, s, bearer, method, path, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		apitest.Check(t, method, path, nil, res, b)
		return b
	}
	type plan struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		Recipients []any  `json:"recipients"`
	}
	list := func(bearer string) []plan {
		var out struct {
			Subscriptions []plan `json:"subscriptions"`
		}
		json.Unmarshal(send(t, bearer, "GET", "/api/v1/store/subscriptions", nil, 200), &out)
		return out.Subscriptions
	}
	count := func(q string, args ...any) int {
		var n int
		if err := p.db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ordersOf := func() int {
		return count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice' AND status = 'paid' AND buyer_user_id = ?`, p.buyer.ID)
	}
	recipient := func(name string) map[string]any {
		return map[string]any{"name": name, "address_lines": []string{"1 Main St"}, "city": "Springfield", "postal_code": "12345", "country": "US"}
	}

	var planID, stripeSubID string
	subscribed := t.Run("subscribe: the first invoice is paid and ordered for every recipient", func(t *testing.T) {
		send(t, "", "POST", "/api/v1/store/subscriptions", map[string]any{}, 401)
		send(t, buyer, "POST", "/api/v1/store/subscriptions", map[string]any{"bundle_id": bundle.ID, "interval": "weekly",
			"recipients": []any{recipient("Ann")}}, 400)
		var out struct {
			Subscription plan `json:"subscription"`
			Payment      any  `json:"payment"`
		}
		json.Unmarshal(send(t, buyer, "POST", "/api/v1/store/subscriptions", map[string]any{"bundle_id": bundle.ID, "interval": "monthly",
			"recipients": []any{recipient("Ann"), recipient("Ben"), recipient("Cal")}, "gift_message": "Thank you!"}, 201), &out)
		planID = out.Subscription.ID
		if !strings.HasPrefix(planID, "sbn_") || len(out.Subscription.Recipients) != 3 {
			t.Fatalf("plan %+v", out.Subscription)
		}
		p.db.Get(&stripeSubID, `SELECT stripe_subscription_id FROM subscriptions WHERE id = ?`, planID)
		waitUntil(t, "the first period's order", func() bool { return ordersOf() == 1 })
		waitUntil(t, "the plan active", func() bool { l := list(buyer); return len(l) == 1 && l[0].Status == "active" })
		if n := count(`SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.source_type = 'stripe_invoice'`); n != 6 {
			t.Fatalf("%d lines, want 3 recipients x 2 parts", n)
		}
		if n := count(`SELECT COUNT(DISTINCT recipient_key) FROM vendor_orders v JOIN orders o ON o.id = v.order_id WHERE o.source_type = 'stripe_invoice'`); n != 3 {
			t.Fatalf("vendor orders for %d recipients, want 3", n)
		}
		if n := count(`SELECT COUNT(*) FROM orders WHERE source_type = 'stripe_invoice' AND total_amount = 12000 AND amount_received = 12000`); n != 1 {
			t.Fatal("the order's total must be the invoice's amount paid (3 x $40)")
		}
		// The buyer sees it in their order history.
		if b := send(t, buyer, "GET", "/api/v1/store/orders", nil, 200); !strings.Contains(string(b), `"paid"`) {
			t.Fatalf("order history: %s", b)
		}
	})
	if !subscribed || stripeSubID == "" {
		t.Fatal("no plan to go on with: are the subscription routes mounted in routes.go?")
	}

	t.Run("a renewal makes a second order", func(t *testing.T) {
		sb.RenewSubscription(stripeSubID)
		waitUntil(t, "the second period's order", func() bool { return ordersOf() == 2 })
	})

	t.Run("every invoice.paid redelivered five times: one order per invoice", func(t *testing.T) {
		sb.WaitDeliveries()
		for _, d := range sb.Deliveries() {
			if d.Type != "invoice.paid" || d.Redelivery {
				continue
			}
			for range 5 {
				if code, err := sb.Redeliver(d); err != nil || code != 200 {
					t.Fatalf("redelivery: %d %v", code, err)
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
		if n := ordersOf(); n != 2 {
			t.Fatalf("%d orders after redeliveries", n)
		}
	})

	t.Run("a failed renewal: past_due, no order", func(t *testing.T) {
		sb.FailRenewal(stripeSubID)
		waitUntil(t, "the plan past_due", func() bool { l := list(buyer); return len(l) == 1 && l[0].Status == "past_due" })
		if n := ordersOf(); n != 2 {
			t.Fatalf("%d orders after a failed renewal", n)
		}
	})

	t.Run("another buyer can neither see nor cancel it", func(t *testing.T) {
		if l := list(other); len(l) != 0 {
			t.Fatalf("another buyer sees %d plans", len(l))
		}
		send(t, other, "POST", "/api/v1/store/subscriptions/"+planID+"/cancel", nil, 404)
		send(t, "", "POST", "/api/v1/store/subscriptions/"+planID+"/cancel", nil, 401)
	})

	t.Run("cancel: canceled, and no more orders", func(t *testing.T) {
		var out struct {
			Subscription plan `json:"subscription"`
		}
		json.Unmarshal(send(t, buyer, "POST", "/api/v1/store/subscriptions/"+planID+"/cancel", nil, 200), &out)
		if out.Subscription.Status != "canceled" {
			t.Fatalf("status %s", out.Subscription.Status)
		}
		send(t, buyer, "POST", "/api/v1/store/subscriptions/"+planID+"/cancel", nil, 200)
		sb.RenewSubscription(stripeSubID) // a canceled subscription does not renew
		sb.WaitDeliveries()
		time.Sleep(500 * time.Millisecond)
		if l := list(buyer); len(l) != 1 || l[0].Status != "canceled" {
			t.Fatalf("plans %+v", l)
		}
		if n := ordersOf(); n != 2 {
			t.Fatalf("%d orders after cancel", n)
		}
	})
}
