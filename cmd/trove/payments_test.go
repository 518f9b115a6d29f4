package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
)

// guest is a shopper buying through the storefront API with a cart token.
type guest struct {
	t      testing.TB
	s      *server
	cartID string
	token  string
}

func (g *guest) do(method, path string, body any) (int, []byte) {
	g.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, g.s.url+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if g.token != "" {
		req.Header.Set("X-Cart-Token", g.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	var out []byte
	buf := make([]byte, 1<<16)
	for {
		n, err := res.Body.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	checkContract(g.t, method, path, raw, res, out)
	return res.StatusCode, out
}

// item is a variant and a quantity to put in a cart.
type item struct {
	variantID string
	qty       int
}

// giftMessage is the message of every order checkoutGuest places.
const giftMessage = "Merci pour tout — with thanks from the whole team"

// checkoutGuest fills a guest cart with items, gives the recipient, and
// checks it out; it returns the order id, the payment intent id and its client
// secret.
func checkoutGuest(t testing.TB, s *server, items ...item) (*guest, string, string, string) {
	t.Helper()
	g := &guest{t: t, s: s}
	code, body := g.do("POST", "/api/v1/store/carts", map[string]any{})
	var created struct {
		Cart struct {
			ID string `json:"id"`
		} `json:"cart"`
		Token string `json:"cart_token"`
	}
	json.Unmarshal(body, &created)
	if code != 201 {
		t.Fatalf("cart: %d %s", code, body)
	}
	g.cartID, g.token = created.Cart.ID, created.Token
	for _, it := range items {
		if code, body := g.do("POST", "/api/v1/store/carts/"+g.cartID+"/lines", map[string]any{"variant_id": it.variantID, "quantity": it.qty}); code != 200 && code != 201 {
			t.Fatalf("add line: %d %s", code, body)
		}
	}
	if code, body := g.do("PATCH", "/api/v1/store/carts/"+g.cartID, map[string]any{"email": "buyer@corp.example",
		"gift_message": giftMessage, "recipient": map[string]any{"name": "Robin Recipient", "address_lines": []string{"1 Main St"}, "city": "Springfield",
			"postal_code": "12345", "country": "US"}}); code != 200 {
		t.Fatalf("recipient: %d %s", code, body)
	}
	code, body = g.do("POST", "/api/v1/store/carts/"+g.cartID+"/checkout", map[string]any{})
	var out struct {
		Order struct {
			ID string `json:"id"`
		} `json:"order"`
		Payment struct {
			IntentID     string `json:"payment_intent_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"payment"`
	}
	json.Unmarshal(body, &out)
	if (code != 200 && code != 201) || out.Payment.ClientSecret == "" {
		t.Fatalf("checkout: %d %s", code, body)
	}
	return g, out.Order.ID, out.Payment.IntentID, out.Payment.ClientSecret
}

// confirm pays an intent as the storefront's sandbox card form does.
func confirm(t testing.TB, sbURL, intentID, secret, card string) {
	t.Helper()
	form := url.Values{"key": {"pk_test_trove"}, "client_secret": {secret}, "payment_method": {card}}
	res, err := http.PostForm(sbURL+"/v1/payment_intents/"+intentID+"/confirm", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

func (g *guest) orderStatus(orderID string) string {
	_, body := g.do("GET", "/api/v1/store/orders/"+orderID, nil)
	var o struct {
		Status string `json:"status"`
		Order  struct {
			Status string `json:"status"`
		} `json:"order"`
	}
	json.Unmarshal(body, &o)
	if o.Status != "" {
		return o.Status
	}
	return o.Order.Status
}

// stripeWorld starts trove against a sandbox Stripe of the test's own: the
// sandbox's webhooks reach the server, whose address is chosen first.
func stripeWorld(t testing.TB, dsn string) (*server, *sbstripe.Stripe, string) {
	t.Helper()
	return stripeWorldEnv(t, baseEnv(dsn))
}

// stripeWorldEnv is stripeWorld with more settings: env is baseEnv's, with
// the test's own.
func stripeWorldEnv(t testing.TB, env map[string]string) (*server, *sbstripe.Stripe, string) {
	t.Helper()
	addr := freeAddr(t)
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: "http://" + addr + "/webhooks/stripe", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(sbSrv.Close)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_STRIPE_API_BASE"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "20ms"
	return startServer(t, env), sb, sbSrv.URL
}

// TestCheckoutAndPayment drives a purchase over real HTTP against the sandbox
// Stripe: checkout → card confirmed → signed webhook → order paid, stock sold;
// a declined card then a good one; every event delivered ten more times,
// concurrently and shuffled, changes nothing; forged and stale events are
// refused and recorded nowhere.
func TestCheckoutAndPayment(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	// A listed product of vendor A, whose store is connected.
	p.connectStores(t, p.vendorA.ID)
	productID, variantID := p.listProduct(t, p.vendorA.ID, "11", "Candle", 2500, 10)

	s, sb, sbURL := stripeWorld(t, dsn)
	stock := func() (onHand, reserved int) {
		p.db.QueryRow(`SELECT stock_on_hand, reserved FROM variants WHERE id = ?`, variantID).Scan(&onHand, &reserved)
		return
	}

	t.Run("checkout, pay, paid", func(t *testing.T) {
		g, orderID, intentID, secret := checkoutGuest(t, s, item{variantID, 2})
		if onHand, reserved := stock(); onHand != 10 || reserved != 2 {
			t.Fatalf("after checkout: %d on hand, %d reserved", onHand, reserved)
		}
		// The storefront offers only what is free: units held for an unpaid
		// checkout are not for sale to anyone else.
		_, body := call(t, s, "", "GET", "/api/v1/store/products/"+productID, nil)
		if !strings.Contains(string(body), `"available":8`) {
			t.Fatalf("the storefront must offer 8 free units: %s", body)
		}
		confirm(t, sbURL, intentID, secret, "pm_card_visa")
		waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })
		if onHand, reserved := stock(); onHand != 8 || reserved != 0 {
			t.Fatalf("after payment: %d on hand, %d reserved", onHand, reserved)
		}
	})

	t.Run("a declined card, then a good one: the success wins", func(t *testing.T) {
		g, orderID, intentID, secret := checkoutGuest(t, s, item{variantID, 1})
		confirm(t, sbURL, intentID, secret, "pm_card_chargeDeclined")
		waitUntil(t, "the payment failed", func() bool { return g.orderStatus(orderID) == "payment_failed" })
		confirm(t, sbURL, intentID, secret, "pm_card_visa")
		waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })
		if onHand, _ := stock(); onHand != 7 {
			t.Fatalf("%d on hand, want 7", onHand)
		}
	})

	t.Run("a refund and a dispute add their events", func(t *testing.T) {
		// The first order: an operator refunds 5.00 of it...
		var firstOrder string
		p.db.Get(&firstOrder, `SELECT id FROM orders ORDER BY placed_at LIMIT 1`)
		admin := signIn(t, s, p.admin.Email)
		res, body := call(t, s, admin, "POST", "/api/v1/admin/orders/"+firstOrder+"/refunds",
			map[string]any{"amount": map[string]any{"amount": 500, "currency": "USD"}, "reason": "one candle arrived broken"})
		if res.StatusCode != 201 && res.StatusCode != 200 {
			t.Fatalf("refund: %d %s", res.StatusCode, body)
		}
		waitUntil(t, "the refund succeeded", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM refunds WHERE order_id = ? AND status = 'succeeded'`, firstOrder)
			return n == 1
		})
		// ...and the second order's charge is disputed.
		sb.WaitDeliveries()
		var secondCharge string
		for _, d := range sb.Deliveries() {
			var ev struct {
				Data struct {
					Object struct {
						ID            string `json:"id"`
						PaymentIntent string `json:"payment_intent"`
						Status        string `json:"status"`
					} `json:"object"`
				} `json:"data"`
			}
			json.Unmarshal(d.Payload, &ev)
			if d.Type == "charge.succeeded" {
				secondCharge = ev.Data.Object.ID // the latest charge: the second order's
			}
		}
		sb.Dispute(secondCharge)
		waitUntil(t, "the order flagged as disputed", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM orders WHERE disputed_at IS NOT NULL`)
			return n == 1
		})
	})

	t.Run("every event ten more times, concurrently and shuffled, changes nothing", func(t *testing.T) {
		sb.WaitDeliveries()
		var all []sbstripe.Delivery
		for _, d := range sb.Deliveries() {
			for range 10 {
				all = append(all, d)
			}
		}
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		var wg sync.WaitGroup
		for _, d := range all {
			wg.Go(func() {
				if code, err := sb.Redeliver(d); err != nil || code != 200 {
					t.Errorf("redelivery: %d %v", code, err)
				}
			})
		}
		wg.Wait()
		time.Sleep(500 * time.Millisecond)
		var orders, paid, events, distinct int
		p.db.Get(&orders, `SELECT COUNT(*) FROM orders`)
		p.db.Get(&paid, `SELECT COUNT(*) FROM orders WHERE status = 'paid'`)
		p.db.Get(&events, `SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe'`)
		distinct = len(sb.Deliveries())
		if orders != 2 || paid != 2 || events > distinct {
			t.Fatalf("%d orders (%d paid), %d stripe events recorded for %d distinct", orders, paid, events, distinct)
		}
		if onHand, reserved := stock(); onHand != 7 || reserved != 0 {
			t.Fatalf("after redeliveries: %d on hand, %d reserved", onHand, reserved)
		}
		var refunds, refunded, disputed, disputeAudits int
		p.db.Get(&refunds, `SELECT COUNT(*) FROM refunds`)
		p.db.Get(&refunded, `SELECT COALESCE(SUM(refunded_amount), 0) FROM orders`)
		p.db.Get(&disputed, `SELECT COUNT(*) FROM orders WHERE disputed_at IS NOT NULL`)
		p.db.Get(&disputeAudits, `SELECT COUNT(*) FROM audit_log WHERE action = 'order.disputed'`)
		if refunds != 1 || refunded != 500 || disputed != 1 || disputeAudits != 1 {
			t.Fatalf("after redeliveries: %d refunds for %d cents, %d disputed orders, %d dispute audits; want 1, 500, 1, 1",
				refunds, refunded, disputed, disputeAudits)
		}
	})

	t.Run("forged, stale or malformed events are refused and recorded nowhere", func(t *testing.T) {
		body := []byte(`{"id":"evt_forged","object":"event","api_version":"2023-10-16","type":"payment_intent.succeeded","data":{"object":{"id":"pi_x"}}}`)
		for name, sig := range map[string]string{
			"unsigned":        "",
			"wrong secret":    "t=" + strconv.FormatInt(time.Now().Unix(), 10) + ",v1=00",
			"stale (> 300 s)": sb.SignPayload(body, time.Now().Add(-301*time.Second)),
		} {
			req, _ := http.NewRequest("POST", s.url+"/webhooks/stripe", strings.NewReader(string(body)))
			req.Header.Set("Stripe-Signature", sig)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 400 {
				t.Fatalf("%s: %d", name, res.StatusCode)
			}
		}
		req, _ := http.NewRequest("POST", s.url+"/webhooks/stripe", strings.NewReader("not json"))
		req.Header.Set("Stripe-Signature", sb.SignPayload([]byte("not json"), time.Now()))
		res, _ := http.DefaultClient.Do(req)
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Fatalf("malformed: %d", res.StatusCode)
		}
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_forged'`)
		if n != 0 {
			t.Fatal("a refused event was recorded")
		}
	})
}
