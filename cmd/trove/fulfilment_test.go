package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/mail/mailtest"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
)

// pdfText is a PDF's text as `pdftotext -layout` extracts it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is not installed: `make test` installs it, or run: sudo apt-get install -y poppler-utils")
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// vendorOrder is the vendor API's view of a vendor order, as far as the
// tests read it.
type vendorOrder struct {
	ID         string `json:"id"`
	OrderID    string `json:"order_id"`
	Status     string `json:"status"`
	AcceptedAt string `json:"accepted_at"`
	Tracking   struct {
		Carrier string `json:"carrier"`
		Number  string `json:"number"`
		URL     string `json:"url"`
	} `json:"tracking"`
	Shopify *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"shopify_order"`
}

// TestFulfilmentEndToEnd drives fulfilment over real HTTP: two vendors
// connect stores of the sandbox Shopify, a buyer pays one order from both
// through the sandbox Stripe, and each store gets exactly one Shopify order;
// signed fulfillment webhooks (duplicated and shuffled, out of order) move
// status and tracking; the vendors' API refuses illegal moves and other
// vendors' orders; manifests are PDFs behind signed links; mail goes out
// through SMTP (mailpit).
func TestFulfilmentEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	const shopA, shopB = "vendor-a.myshopify.com", "vendor-b.myshopify.com"
	sb := sbshopify.New(sbshopify.Config{APIKey: "test-shopify-key", APISecret: "test-shopify-secret",
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sb.AddShop(shopA, "Vendor A", "USD")
	sb.AddShop(shopB, "Vendor B", "USD")
	sb.UpsertProductQuietly(shopA, sbshopify.Product{Title: "Candle", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "CANDLE-CEDAR", Title: "Cedar", Price: "25.00", Available: 10}}})
	sb.UpsertProductQuietly(shopB, sbshopify.Product{Title: "Coffee", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "COFFEE-1KG", Title: "1 kg", Price: "30.00", Available: 10}}})
	shopSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(shopSrv.Close)
	mp := mailtest.Start(t)

	addr := freeAddr(t)
	stripeSB := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: "http://" + addr + "/webhooks/stripe", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	stripeSrv := httptest.NewServer(stripeSB.Handler())
	t.Cleanup(stripeSrv.Close)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SHOPIFY_ENDPOINT"], env["TROVE_STRIPE_API_BASE"] = shopSrv.URL, stripeSrv.URL
	env["TROVE_QUEUE_POLL_INTERVAL"] = "20ms"
	env["TROVE_MAIL_DRIVER"], env["TROVE_SMTP_HOST"], env["TROVE_SMTP_PORT"], env["TROVE_SMTP_TLS"] = "smtp", mp.Host, strconv.Itoa(mp.SMTPPort), "none"
	s := startServer(t, env)

	// Both vendors connect their stores and list what was imported.
	ownerA, ownerB := signIn(t, s, p.ownerA.Email), signIn(t, s, p.ownerB.Email)
	variants := map[string]string{}
	for _, v := range []struct{ owner, token, shop string }{{p.ownerA.Email, ownerA, shopA}, {p.ownerB.Email, ownerB, shopB}} {
		connectShop(t, s, v.owner, v.shop)
		waitUntil(t, "the import of "+v.shop, func() bool {
			_, body := call(t, s, v.token, "GET", "/api/v1/vendor/catalog/products", nil)
			var page struct {
				Products []struct {
					ID       string `json:"id"`
					Variants []struct {
						ID string `json:"id"`
					} `json:"variants"`
				} `json:"products"`
			}
			json.Unmarshal(body, &page)
			if len(page.Products) != 1 || len(page.Products[0].Variants) != 1 {
				return false
			}
			variants[v.shop] = page.Products[0].Variants[0].ID
			res, body := call(t, s, v.token, "PATCH", "/api/v1/vendor/catalog/products/"+page.Products[0].ID, map[string]any{"listed": true})
			if res.StatusCode != 200 {
				t.Fatalf("list: %d %s", res.StatusCode, body)
			}
			return true
		})
		waitUntil(t, "the webhook subscriptions of "+v.shop, func() bool { return len(sb.Subscriptions(v.shop)) >= 9 })
	}
	t.Cleanup(func() {
		if t.Failed() {
			var jobs []struct {
				Kind   string  `db:"kind"`
				Status string  `db:"status"`
				Err    *string `db:"last_error"`
			}
			p.db.Select(&jobs, `SELECT kind, status, last_error FROM jobs ORDER BY enqueued_at`)
			for _, j := range jobs {
				if j.Err != nil {
					t.Logf("job %s %s %.300s", j.Kind, j.Status, *j.Err)
				}
			}
		}
	})

	// One order from both vendors, with a gift message, paid by card.
	g, orderID, intentID, secret := checkoutGuest(t, s, item{variants[shopA], 2}, item{variants[shopB], 1})
	confirm(t, stripeSrv.URL, intentID, secret, "pm_card_visa")
	waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })

	voOf := func(token string) vendorOrder {
		t.Helper()
		_, body := call(t, s, token, "GET", "/api/v1/vendor/orders", nil)
		var page struct {
			Items []vendorOrder `json:"items"`
		}
		json.Unmarshal(body, &page)
		if len(page.Items) != 1 || page.Items[0].OrderID != orderID {
			t.Fatalf("vendor orders: %s", body)
		}
		return page.Items[0]
	}

	t.Run("each store gets exactly one Shopify order", func(t *testing.T) {
		for _, tc := range []struct{ shop, token, sku string }{{shopA, ownerA, "CANDLE-CEDAR"}, {shopB, ownerB, "COFFEE-1KG"}} {
			waitUntil(t, "the hand-off to "+tc.shop, func() bool { return voOf(tc.token).Shopify != nil })
			vo := voOf(tc.token)
			orders := sb.Orders(tc.shop)
			if len(orders) != 1 {
				t.Fatalf("%s has %d orders", tc.shop, len(orders))
			}
			o := orders[0]
			if o.GID != vo.Shopify.ID || o.Reference != vo.ID || o.FinancialStatus != "PAID" || o.SendReceipt || o.HasCustomer ||
				o.ShippingAddress["countryCode"] != "US" || o.ShippingAddress["address1"] != "1 Main St" || len(o.Lines) != 1 ||
				o.Note != giftMessage {
				t.Fatalf("%s order: %+v", tc.shop, o)
			}
		}
	})

	// Trove holds a store's customers' names and addresses in the orders
	// it hands to the store: a data request is answered with them, to the
	// store's owners, and audited without them.
	t.Run("customers/data_request: the store's owners get what Trove holds about the customer", func(t *testing.T) {
		waitUntil(t, "the hand-offs", func() bool { return voOf(ownerA).Shopify != nil && voOf(ownerB).Shopify != nil })
		a, b := voOf(ownerA), voOf(ownerB)
		id, _ := strconv.ParseInt(strings.TrimPrefix(a.Shopify.ID, "gid://shopify/Order/"), 10, 64)
		for _, req := range []struct {
			shop    string
			payload map[string]any
		}{
			// Named by the Shopify order Trove made in A's store.
			{shopA, map[string]any{"shop_id": 1, "shop_domain": shopA, "customer": map[string]any{"id": 501, "email": "robin@recipient.example"},
				"orders_requested": []int64{id}, "data_request": map[string]any{"id": 9001}}},
			// B's customer is the buyer: found by the email.
			{shopB, map[string]any{"shop_id": 2, "shop_domain": shopB, "customer": map[string]any{"id": 502, "email": "BUYER@corp.example"},
				"orders_requested": []int64{}, "data_request": map[string]any{"id": 9002}}},
			// Nothing held.
			{shopB, map[string]any{"shop_id": 2, "shop_domain": shopB, "customer": map[string]any{"id": 503, "email": "stranger@example.com"},
				"orders_requested": []int64{id + 1000}, "data_request": map[string]any{"id": 9003}}},
		} {
			if code, err := sb.SendCompliance(req.shop, "customers/data_request", req.payload); err != nil || code != 200 {
				t.Fatalf("data request to %s: %d %v", req.shop, code, err)
			}
		}
		mailTo := func(to, subject string) *mailtest.Message {
			for _, m := range mp.Messages(t) {
				if strings.Contains(m.Subject, subject) && slices.ContainsFunc(m.To, func(a mailtest.Address) bool { return a.Address == to }) {
					full := mp.Message(t, m.ID)
					return &full
				}
			}
			return nil
		}
		waitUntil(t, "the data request mails", func() bool {
			return mailTo("owner@a.example", "data request 9001") != nil && mailTo("owner@b.example", "data request 9002") != nil
		})
		forA := mailTo("owner@a.example", "data request 9001")
		for _, want := range []string{a.ID, "Robin Recipient", "1 Main St", "Springfield", "Candle", "named in the request", "How long it is kept"} {
			if !strings.Contains(forA.Text, want) {
				t.Errorf("the mail to A lacks %q:\n%s", want, forA.Text)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(forA.Text), " "), giftMessage) {
			t.Errorf("the mail to A lacks the gift message:\n%s", forA.Text)
		}
		if strings.Contains(strings.ToLower(forA.Text), "buyer@corp.example") {
			t.Errorf("the buyer's email went to a request for the recipient:\n%s", forA.Text)
		}
		forB := mailTo("owner@b.example", "data request 9002")
		if !strings.Contains(forB.Text, b.ID) || !strings.Contains(strings.ToLower(forB.Text), "buyer@corp.example") || strings.Contains(forB.Text, a.ID) {
			t.Errorf("the mail to B:\n%s", forB.Text)
		}
		if mailTo("staff@a.example", "data request") != nil || mailTo("owner@b.example", "data request 9003") != nil {
			t.Error("a data request mail went to staff, or for a customer of whom nothing is held")
		}
		var entries []string
		waitUntil(t, "the audit entries", func() bool {
			entries = nil
			p.db.Select(&entries, `SELECT after_json FROM audit_log WHERE action = 'shopify.customers.data_request' ORDER BY id`)
			return len(entries) == 3
		})
		held := 0
		for _, e := range entries {
			if strings.Contains(e, "1 Main St") || strings.Contains(e, "Robin") || strings.Contains(strings.ToLower(e), "buyer@corp.example") {
				t.Errorf("the audit entry holds the customer's data: %s", e)
			}
			if strings.Contains(e, `"customer_data_held":true`) {
				held++
			}
		}
		if held != 2 {
			t.Errorf("audit entries: %v", entries)
		}
	})

	t.Run("the day's manifests: one PDF of the vendor's open orders", func(t *testing.T) {
		a := voOf(ownerA)
		day := a.AcceptedAt[:len("2006-01-02")]
		res, body := call(t, s, ownerA, "POST", "/api/v1/vendor/manifests/batch", map[string]any{"date": day})
		var batch struct {
			URL    string `json:"url"`
			Orders int    `json:"orders"`
			Date   string `json:"date"`
		}
		json.Unmarshal(body, &batch)
		if res.StatusCode != 200 || batch.Orders != 1 || batch.Date != day || !strings.HasPrefix(batch.URL, s.url+"/files/") {
			t.Fatalf("the batch: %d %s", res.StatusCode, body)
		}
		dl, pdf := get(t, batch.URL)
		if dl.StatusCode != 200 || !strings.Contains(pdfText(t, pdf), a.ID) {
			t.Fatalf("the batch's PDF: %d, want one with %s", dl.StatusCode, a.ID)
		}
	})

	t.Run("signed fulfillment webhooks move status and tracking, once", func(t *testing.T) {
		a := voOf(ownerA)
		id, _ := strconv.ParseInt(strings.TrimPrefix(a.Shopify.ID, "gid://shopify/Order/"), 10, 64)
		fid, err := sb.FulfillOrder(shopA, id, "UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784")
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "vendor A's order shipped", func() bool { return voOf(ownerA).Status == "shipped" })
		if got := voOf(ownerA); got.Tracking.Carrier != "UPS" || got.Tracking.Number != "1Z999AA10123456784" {
			t.Fatalf("tracking: %+v", got.Tracking)
		}
		if err := sb.SetShipmentStatus(shopA, fid, "delivered"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "vendor A's order delivered", func() bool { return voOf(ownerA).Status == "delivered" })
		_, body := g.do("GET", "/api/v1/store/orders/"+orderID, nil)
		if !strings.Contains(string(body), `"fulfilment_status":"partially_shipped"`) {
			t.Fatalf("buyer's view: %s", body)
		}

		// Every delivery again, five times and shuffled, concurrently: the
		// older fulfillments/create arrives after the delivery and changes
		// nothing.
		sb.WaitDeliveries()
		var again []sbshopify.Delivery
		for _, d := range sb.Deliveries(shopA) {
			for range 5 {
				again = append(again, d)
			}
		}
		rand.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
		var wg sync.WaitGroup
		for _, d := range again {
			wg.Go(func() {
				if code, err := sb.Redeliver(d); err != nil || code != 200 {
					t.Errorf("redelivery of %s: %d %v", d.Topic, code, err)
				}
			})
		}
		wg.Wait()
		waitUntil(t, "the redeliveries followed up", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.webhook' AND status NOT IN ('done')`)
			return n == 0
		})
		if got := voOf(ownerA); got.Status != "delivered" || got.Tracking.Number != "1Z999AA10123456784" {
			t.Fatalf("after redeliveries: %+v", got)
		}
		var moves, shippedMails int
		p.db.Get(&moves, `SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND action LIKE 'vendor_order.%' AND action <> 'vendor_order.handed_off'`, a.ID)
		p.db.Get(&shippedMails, `SELECT COUNT(*) FROM jobs WHERE kind = 'orders.shipped'`)
		if moves != 2 || shippedMails != 1 || len(sb.Orders(shopA)) != 1 {
			t.Fatalf("%d moves, %d shipped mails, %d Shopify orders; want 2, 1, 1", moves, shippedMails, len(sb.Orders(shopA)))
		}
	})

	t.Run("the vendor API moves, and refuses what it must", func(t *testing.T) {
		b := voOf(ownerB)
		res, body := call(t, s, ownerA, "POST", "/api/v1/vendor/orders/"+b.ID+"/fulfilment", map[string]any{"status": "shipped"})
		if res.StatusCode != 404 {
			t.Fatalf("vendor A moving B's order: %d %s", res.StatusCode, body)
		}
		res, body = call(t, s, ownerB, "POST", "/api/v1/vendor/orders/"+b.ID+"/fulfilment", map[string]any{"status": "lost"})
		if res.StatusCode != 400 {
			t.Fatalf("a bad status: %d %s", res.StatusCode, body)
		}
		res, body = call(t, s, ownerB, "POST", "/api/v1/vendor/orders/"+b.ID+"/fulfilment",
			map[string]any{"status": "shipped", "tracking": map[string]any{"carrier": "DHL", "number": "JD0123"}})
		if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"shipped"`) {
			t.Fatalf("ship: %d %s", res.StatusCode, body)
		}
		res, body = call(t, s, ownerB, "POST", "/api/v1/vendor/orders/"+b.ID+"/fulfilment", map[string]any{"status": "packed"})
		if res.StatusCode != 409 || !strings.Contains(string(body), "cannot go back to packed") {
			t.Fatalf("backwards: %d %s", res.StatusCode, body)
		}
		res, body = call(t, s, ownerB, "POST", "/api/v1/vendor/orders/"+b.ID+"/fulfilment", map[string]any{"status": "cancelled"})
		if res.StatusCode != 409 || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("cancel after shipping: %d %s", res.StatusCode, body)
		}
		_, body = g.do("GET", "/api/v1/store/orders/"+orderID, nil)
		if !strings.Contains(string(body), `"fulfilment_status":"shipped"`) || !strings.Contains(string(body), `"number":"JD0123"`) {
			t.Fatalf("buyer's view: %s", body)
		}
	})

	t.Run("manifests: a PDF behind a link only its vendor can get", func(t *testing.T) {
		a := voOf(ownerA)
		res, body := call(t, s, ownerB, "GET", "/api/v1/vendor/orders/"+a.ID+"/manifest", nil)
		if res.StatusCode != 404 {
			t.Fatalf("vendor B asking for A's manifest: %d %s", res.StatusCode, body)
		}
		res, body = call(t, s, ownerA, "GET", "/api/v1/vendor/orders/"+a.ID+"/manifest", nil)
		var link struct {
			URL string `json:"url"`
		}
		json.Unmarshal(body, &link)
		if res.StatusCode != 200 || !strings.HasPrefix(link.URL, s.url+"/files/") {
			t.Fatalf("manifest link: %d %s", res.StatusCode, body)
		}
		dl, err := http.Get(link.URL)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(dl.Body)
		dl.Body.Close()
		if dl.StatusCode != 200 || dl.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %s", dl.StatusCode, dl.Header.Get("Content-Type"))
		}
		text := pdfText(t, pdf)
		for _, want := range []string{a.ID, orderID, "Vendor A", "Robin Recipient", "1 Main St", "Springfield"} {
			if !strings.Contains(text, want) {
				t.Errorf("the manifest lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(text), " "), giftMessage) {
			t.Errorf("the manifest lacks the gift message:\n%s", text)
		}
		if !regexp.MustCompile(`CANDLE-CEDAR.*\b2\b`).MatchString(text) {
			t.Errorf("the manifest lacks the SKU with its quantity:\n%s", text)
		}
		// An altered link is refused.
		altered := strings.Replace(link.URL, "sig=", "sig=0", 1)
		if res, _ := get(t, altered); res.StatusCode != 403 {
			t.Fatalf("an altered link: %d", res.StatusCode)
		}
		// Operators may get any vendor's manifest.
		admin := signIn(t, s, p.admin.Email)
		if res, body := call(t, s, admin, "GET", "/api/v1/admin/vendor-orders/"+a.ID+"/manifest", nil); res.StatusCode != 200 {
			t.Fatalf("operator: %d %s", res.StatusCode, body)
		}
	})

	t.Run("a refund of one unit: the buyer is told, the manifest shows what is left", func(t *testing.T) {
		_, body := call(t, s, ownerA, "GET", "/api/v1/vendor/orders/"+voOf(ownerA).ID, nil)
		var full struct {
			Lines []struct {
				ID string `json:"id"`
			} `json:"lines"`
		}
		json.Unmarshal(body, &full)
		admin := signIn(t, s, p.admin.Email)
		res, body := call(t, s, admin, "POST", "/api/v1/admin/orders/"+orderID+"/refunds",
			map[string]any{"lines": []map[string]any{{"line_id": full.Lines[0].ID, "quantity": 1}}, "reason": "one candle arrived broken"})
		if res.StatusCode != 201 {
			t.Fatalf("refund: %d %s", res.StatusCode, body)
		}
		waitUntil(t, "the manifest rendered again", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM vendor_orders WHERE manifest_rendered_version = manifest_version AND refunded_amount > 0`)
			return n == 1
		})
		_, body = call(t, s, ownerA, "GET", "/api/v1/vendor/orders/"+voOf(ownerA).ID+"/manifest", nil)
		var link struct {
			URL string `json:"url"`
		}
		json.Unmarshal(body, &link)
		_, pdf := get(t, link.URL)
		if text := pdfText(t, pdf); !regexp.MustCompile(`CANDLE-CEDAR.*\b1\b`).MatchString(text) {
			t.Fatalf("the manifest after the refund:\n%s", text)
		}
	})

	t.Run("mail: receipt, new orders for the vendors, shipped and refunded for the buyer", func(t *testing.T) {
		want := map[string]string{ // recipient -> part of a subject
			"buyer@corp.example":  "is on its way",
			"buyer@corp.example ": "refund of USD 25.00",
			"owner@a.example":     "New Trove order",
			"staff@b.example":     "New Trove order",
		}
		waitUntil(t, "the mail", func() bool {
			found := 0
			for to, subject := range want {
				for _, m := range mp.Messages(t) {
					if strings.Contains(m.Subject, subject) && slices.ContainsFunc(m.To, func(a mailtest.Address) bool { return a.Address == strings.TrimSpace(to) }) {
						found++
						break
					}
				}
			}
			return found == len(want)
		})
		for _, m := range mp.Messages(t) {
			if strings.Contains(m.Subject, "on its way") {
				full := mp.Message(t, m.ID)
				if !strings.Contains(full.Text, "1Z999AA10123456784") && !strings.Contains(full.Text, "JD0123") {
					t.Fatalf("shipped mail without tracking: %s", full.Text)
				}
				if !strings.Contains(full.HTML, "<a href=") || !strings.Contains(full.Text, "Trove") {
					t.Fatalf("shipped mail parts: %s / %s", full.Text, full.HTML)
				}
			}
		}
	})
}
