package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/stripe"
)

// refundView is the part of GET …/refunds and of a refund the test reads.
type refundView struct {
	OrderID    string      `json:"order_id"`
	Paid       money.Money `json:"paid"`
	Refunded   money.Money `json:"refunded"`
	Refundable money.Money `json:"refundable"`
	Lines      []struct {
		LineID           string      `json:"line_id"`
		VendorOrderID    string      `json:"vendor_order_id"`
		VendorID         string      `json:"vendor_id"`
		Title            string      `json:"title"`
		Quantity         int         `json:"quantity"`
		RefundedQuantity int         `json:"refunded_quantity"`
		Amount           money.Money `json:"amount"`
		Refunded         money.Money `json:"refunded"`
	} `json:"lines"`
	Refunds []refundJSON `json:"refunds"`
}

type refundJSON struct {
	ID             string      `json:"id"`
	Source         string      `json:"source"`
	Status         string      `json:"status"`
	Amount         money.Money `json:"amount"`
	StripeRefundID *string     `json:"stripe_refund_id"`
	Allocation     []struct {
		VendorOrderID string      `json:"vendor_order_id"`
		VendorID      string      `json:"vendor_id"`
		Amount        money.Money `json:"amount"`
		Lines         []struct {
			LineID   string      `json:"line_id"`
			Amount   money.Money `json:"amount"`
			Quantity int         `json:"quantity"`
		} `json:"lines"`
	} `json:"allocation"`
}

// sums checks that the allocation adds up to the amount, per vendor order too.
func (r refundJSON) sums(t *testing.T) {
	t.Helper()
	var total int64
	for _, a := range r.Allocation {
		var lines int64
		for _, l := range a.Lines {
			lines += l.Amount.Amount
		}
		if lines != a.Amount.Amount {
			t.Fatalf("refund %s: vendor order %s's lines sum to %d, its share is %d", r.ID, a.VendorOrderID, lines, a.Amount.Amount)
		}
		total += a.Amount.Amount
	}
	if total != r.Amount.Amount {
		t.Fatalf("refund %s: allocation sums to %d, amount %d", r.ID, total, r.Amount.Amount)
	}
}

// TestRefundsEndToEnd runs refunds through the whole binary: a guest buys
// from two vendors and pays at the sandbox Stripe; operators refund parts
// (amounts that split unevenly across three lines), a double submit refunds
// once, a vendor refunds its own line with restock and gets 404 on the other
// vendor's order, a refund made in Stripe's dashboard is recorded from its
// event, and in the end Stripe's refunds equal the order's.
func TestRefundsEndToEnd(t *testing.T) {
	t.Parallel()
	wired := 0
	chi.Walk(routes(&deps{metrics: prometheus.NewRegistry(), files: http.NotFoundHandler()}),
		func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if strings.HasSuffix(route, "/refunds") {
				wired++
			}
			return nil
		})
	if wired != 4 {
		t.Fatalf("%d of the 4 refund routes are in routes.go: mount them (see internal/payments/refunds_http.go)", wired)
	}
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID, p.vendorB.ID)
	variant := func(vendorID, key, title string, cents int64, stock int) string {
		return p.listVariant(t, vendorID, key, title, cents, stock)
	}
	mug := variant(p.vendorA.ID, "r1", "Mug", 333, 20)       // 3 x 3.33
	candle := variant(p.vendorA.ID, "r2", "Candle", 701, 20) // 1 x 7.01
	soap := variant(p.vendorB.ID, "r3", "Soap", 143, 20)     // 7 x 1.43
	stock := func(v string) (n int) {
		p.db.Get(&n, `SELECT stock_on_hand FROM variants WHERE id = ?`, v)
		return n
	}

	s, sb, sbURL := stripeWorld(t, dsn)

	// A guest buys 3 mugs and a candle (vendor A) and 7 soaps (vendor B): 27.01.
	g, orderID, intentID, secret := checkoutGuest(t, s, item{mug, 3}, item{candle, 1}, item{soap, 7})
	confirm(t, sbURL, intentID, secret, "pm_card_visa")
	waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })

	admin, ownerA, ownerB := signIn(t, s, p.admin.Email), signIn(t, s, p.ownerA.Email), signIn(t, s, p.ownerB.Email)
	do := func(bearer, method, path string, body any, want int, into any) []byte {
		t.Helper()
		res, b := call(t, s, bearer, method, path, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		apitest.Check(t, method, path, nil, res, b)
		if into != nil {
			if err := json.Unmarshal(b, into); err != nil {
				t.Fatalf("%v: %s", err, b)
			}
		}
		return b
	}
	adminPath := "/api/v1/admin/orders/" + orderID + "/refunds"
	var view refundView
	do(admin, "GET", adminPath, nil, 200, &view)
	if view.Paid.Amount != 2701 || view.Refundable.Amount != 2701 || len(view.Lines) != 3 {
		t.Fatalf("before: %+v", view)
	}
	mugLine, soapLine := view.Lines[0], view.Lines[2]
	if mugLine.VendorID != p.vendorA.ID || soapLine.VendorID != p.vendorB.ID {
		t.Fatalf("lines %+v", view.Lines)
	}

	t.Run("an operator's partial refund splits to the cent across both vendors", func(t *testing.T) {
		var r refundJSON
		do(admin, "POST", adminPath, map[string]any{"amount": map[string]any{"amount": 1000, "currency": "USD"}, "reason": "late"}, 201, &r)
		r.sums(t)
		if len(r.Allocation) != 2 || r.Allocation[0].Amount.Amount != 629 || r.Allocation[1].Amount.Amount != 371 {
			t.Fatalf("allocation %+v", r.Allocation)
		}
	})

	t.Run("a double submit refunds once", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		ids, codes := map[string]int{}, map[int]int{}
		for range 5 {
			wg.Go(func() {
				res, b := call(t, s, admin, "POST", adminPath, map[string]any{"amount": map[string]any{"amount": 333, "currency": "USD"},
					"reason": "goodwill", "idempotency_key": "ops-click-1"})
				var r refundJSON
				json.Unmarshal(b, &r)
				mu.Lock()
				ids[r.ID]++
				codes[res.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(ids) != 1 || codes[201] != 1 || codes[200] != 4 {
			t.Fatalf("refunds %v, answers %v", ids, codes)
		}
	})

	settled := func() {
		t.Helper()
		waitUntil(t, "every refund settled", func() bool {
			sb.WaitDeliveries()
			var pending, jobs int
			p.db.Get(&pending, `SELECT COUNT(*) FROM refunds WHERE status = 'pending'`)
			p.db.Get(&jobs, `SELECT COUNT(*) FROM jobs WHERE (kind LIKE 'stripe.%' OR kind IN ('payments.create_refund',
				'orders.paid', 'orders.fulfilment_changed', 'fulfilment.vendor_mail')) AND status NOT IN ('done', 'dead')`)
			return pending == 0 && jobs == 0
		})
	}

	var voA, voB string
	for _, l := range view.Lines {
		if l.VendorID == p.vendorA.ID {
			voA = l.VendorOrderID
		} else {
			voB = l.VendorOrderID
		}
	}
	t.Run("vendor A cannot touch vendor B's order", func(t *testing.T) {
		tables := func() string {
			var b strings.Builder
			rows, err := p.db.Query(`CHECKSUM TABLE refunds, refund_allocations, orders, order_lines, vendor_orders, variants, audit_log`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				var sum *int64
				rows.Scan(&name, &sum)
				fmt.Fprintf(&b, "%s=%v;", name, *sum)
			}
			return b.String()
		}
		settled()
		before := tables()
		body := map[string]any{"lines": []map[string]any{{"line_id": soapLine.LineID, "quantity": 7}}, "restock": true, "reason": "hijack"}
		do(ownerA, "POST", "/api/v1/vendor/orders/"+voB+"/refunds", body, 404, nil)
		do(ownerA, "GET", "/api/v1/vendor/orders/"+voB+"/refunds", nil, 404, nil)
		do(ownerA, "POST", "/api/v1/vendor/orders/"+voA+"/refunds", body, 400, nil) // not a line of A's vendor order
		do(ownerA, "POST", adminPath, map[string]any{"reason": "hijack"}, 403, nil)
		if tables() != before {
			t.Fatal("a refused refund changed the books")
		}
	})

	t.Run("a vendor refunds its own line with restock", func(t *testing.T) {
		before := stock(soap)
		var r refundJSON
		do(ownerB, "POST", "/api/v1/vendor/orders/"+voB+"/refunds", map[string]any{"lines": []map[string]any{{"line_id": soapLine.LineID, "quantity": 2}},
			"restock": true, "reason": "two came back"}, 201, &r)
		r.sums(t)
		if r.Amount.Amount != 286 || len(r.Allocation) != 1 || r.Allocation[0].VendorID != p.vendorB.ID {
			t.Fatalf("refund %+v", r)
		}
		if stock(soap) != before+2 {
			t.Fatalf("soap stock %d, want %d", stock(soap), before+2)
		}
	})

	t.Run("a refund made in Stripe's dashboard is recorded", func(t *testing.T) {
		if _, err := stripeClient(t, sbURL).CreateRefund(context.Background(), intentID, money.Money{Amount: 101, Currency: "USD"}, nil, "dashboard"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the dashboard refund recorded", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM refunds WHERE order_id = ? AND source = 'stripe' AND amount = 101`, orderID)
			return n == 1
		})
	})

	t.Run("the rest, then nothing more", func(t *testing.T) {
		var r refundJSON
		do(admin, "POST", adminPath, map[string]any{"reason": "order lost", "restock": false}, 201, &r)
		r.sums(t)
		if r.Amount.Amount != 2701-1000-333-286-101 {
			t.Fatalf("the rest: %d", r.Amount.Amount)
		}
		do(admin, "POST", adminPath, map[string]any{"amount": map[string]any{"amount": 1, "currency": "USD"}, "reason": "one more cent"}, 409, nil)
	})

	t.Run("Stripe's refunds equal Trove's", func(t *testing.T) {
		settled()
		do(admin, "GET", adminPath, nil, 200, &view)
		var ours int64
		for _, r := range view.Refunds {
			r.sums(t)
			if r.Status != "succeeded" || r.StripeRefundID == nil {
				t.Fatalf("refund %+v", r)
			}
			ours += r.Amount.Amount
		}
		if len(view.Refunds) != 5 || ours != 2701 || view.Refunded.Amount != 2701 || view.Refundable.Amount != 0 {
			t.Fatalf("%d refunds, %d in all; %+v", len(view.Refunds), ours, view)
		}
		for _, l := range view.Lines {
			if l.Refunded != l.Amount || l.RefundedQuantity != l.Quantity {
				t.Fatalf("line %+v not refunded in full", l)
			}
		}
		pi, err := stripeClient(t, sbURL).GetPaymentIntent(context.Background(), intentID)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", sbURL+"/v1/charges/"+pi.LatestChargeID, nil)
		req.Header.Set("Authorization", "Bearer sk_test_trove")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var ch struct {
			AmountRefunded int64 `json:"amount_refunded"`
		}
		json.NewDecoder(res.Body).Decode(&ch)
		if ch.AmountRefunded != ours {
			t.Fatalf("Stripe refunded %d, Trove %d", ch.AmountRefunded, ours)
		}
		// (The shops here have no tokens: the Shopify sweep's jobs die, which is not ours to check.)
		var dead []string
		p.db.Select(&dead, `SELECT CONCAT(kind, ': ', COALESCE(last_error, '')) FROM jobs
			WHERE status = 'dead' AND (kind = 'payments.create_refund' OR kind LIKE 'stripe.%')`)
		if len(dead) != 0 {
			t.Fatalf("dead jobs: %q", dead)
		}
	})
}

func stripeClient(t *testing.T, base string) *stripe.Client {
	t.Helper()
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_trove", APIBase: base})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}
