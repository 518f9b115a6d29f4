package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
)

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// storefront returns the titles the public catalog shows, with their stock.
func storefront(t *testing.T, s *server, query string) map[string]bool {
	t.Helper()
	res, body := call(t, s, "", "GET", "/api/v1/store/products?limit=100"+query, nil)
	if res.StatusCode != 200 {
		t.Fatalf("storefront: %d %s", res.StatusCode, body)
	}
	var page struct {
		Products []struct {
			Title   string `json:"title"`
			InStock bool   `json:"in_stock"`
		} `json:"products"`
	}
	json.Unmarshal(body, &page)
	out := map[string]bool{}
	for _, p := range page.Products {
		out[p.Title] = p.InStock
	}
	return out
}

// variantOf returns the id of a sandbox product's first variant.
func variantOf(t *testing.T, sb *sbshopify.Shopify, shop, productID string) string {
	t.Helper()
	p, ok := sb.Product(shop, productID)
	if !ok || len(p.Variants) == 0 {
		t.Fatalf("sandbox has no product %s", productID)
	}
	return p.Variants[0].ID
}

// connectShop connects a store of the sandbox Shopify the server talks to, as
// its vendor's owner does from the vendor admin: the real install, with the
// stand-in approving at once.
func connectShop(t *testing.T, s *server, ownerEmail, shop string) {
	t.Helper()
	b := newBrowser(t, s)
	if res, body := b.do("POST", "/api/v1/auth/login", `{"email":"`+ownerEmail+`","password":"`+testPassword+`"}`, nil); res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	csrf := map[string]string{"X-CSRF-Token": b.cookie("trove_csrf")}
	res, body := b.do("POST", "/api/v1/vendor/shopify/connect", `{"shop":"`+shop+`"}`, csrf)
	if res.StatusCode != 200 {
		t.Fatalf("connect: %d %s", res.StatusCode, body)
	}
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	json.Unmarshal([]byte(body), &start)
	b.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.Path, "/vendor/") {
			return http.ErrUseLastResponse // stop at the vendor admin: the app may not be built in tests
		}
		return nil
	}
	res, err := b.client.Get(start.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 303 || res.Header.Get("Location") != "/vendor/?shopify=connected" {
		t.Fatalf("the install ended with %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestShopifyEndToEnd drives the whole Shopify path over real HTTP: a vendor
// owner connects a store of the sandbox Shopify from a browser session, the
// catalog is imported, the owner lists the products, and from then on signed
// webhooks (duplicated, out of order), an uninstall and drift behind the
// webhooks' back all end up right in the storefront API.
func TestShopifyEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	const shop = "vendor-a.myshopify.com"
	sb := sbshopify.New(sbshopify.Config{APIKey: "test-shopify-key", APISecret: "test-shopify-secret",
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sb.AddShop(shop, "Vendor A", "USD")
	mugID := sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Mug", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "MUG-1", Title: "Blue", Price: "12.50", Available: 5}}})
	teaID := sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Tea", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "TEA-1", Title: "Tin", Price: "8.00", Available: 9}}})
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()

	addr := freeAddr(t)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SHOPIFY_ENDPOINT"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "50ms"
	s := startServer(t, env)

	// The owner connects the store from the vendor admin.
	connectShop(t, s, "owner@a.example", shop)

	// The first import brings both products in, unlisted.
	owner := signIn(t, s, p.ownerA.Email)
	var ids map[string]string
	waitUntil(t, "the first import", func() bool {
		_, body := call(t, s, owner, "GET", "/api/v1/vendor/catalog/products", nil)
		var page struct {
			Products []struct {
				ID, Title string
			} `json:"products"`
		}
		json.Unmarshal(body, &page)
		ids = map[string]string{}
		for _, pr := range page.Products {
			ids[pr.Title] = pr.ID
		}
		return len(ids) == 2
	})
	if len(storefront(t, s, "")) != 0 {
		t.Fatal("new products must stay off the storefront until the vendor lists them")
	}
	// Webhooks are subscribed by a job of their own beside the import (changes
	// in between are the hourly sweep's to catch): wait for it here.
	waitUntil(t, "the webhook subscriptions", func() bool { return len(sb.Subscriptions(shop)) >= 5 })
	for _, id := range ids {
		if res, body := call(t, s, owner, "PATCH", "/api/v1/vendor/catalog/products/"+id, map[string]any{"listed": true}); res.StatusCode != 200 {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
	}
	if got := storefront(t, s, ""); len(got) != 2 || !got["Mug"] || !got["Tea"] {
		t.Fatalf("storefront after listing: %v", got)
	}

	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, d := range sb.Deliveries(shop) {
			t.Logf("delivery %s %s -> %d (%d attempts) %s", d.Topic, d.URL, d.StatusCode, d.Attempts, d.Err)
		}
		var jobs []struct {
			Kind   string  `db:"kind"`
			Status string  `db:"status"`
			Err    *string `db:"last_error"`
		}
		p.db.Select(&jobs, `SELECT kind, status, last_error FROM jobs ORDER BY enqueued_at`)
		for _, j := range jobs {
			e := ""
			if j.Err != nil {
				e = *j.Err
			}
			t.Logf("job %s %s %.200s", j.Kind, j.Status, e)
		}
	})
	t.Run("signed webhooks update, restock and delete", func(t *testing.T) {
		sb.UpsertProduct(shop, sbshopify.Product{ID: mugID, Title: "Mug (large)", Status: "ACTIVE",
			Variants: []sbshopify.Variant{{ID: variantOf(t, sb, shop, mugID), SKU: "MUG-1", Title: "Blue", Price: "14.00", Available: 5}}})
		waitUntil(t, "the title change", func() bool { _, ok := storefront(t, s, "")["Mug (large)"]; return ok })
		sb.SetInventory(shop, variantOf(t, sb, shop, teaID), 0)
		waitUntil(t, "tea out of stock", func() bool { inStock, ok := storefront(t, s, "")["Tea"]; return ok && !inStock })
		if _, ok := storefront(t, s, "&in_stock=true")["Tea"]; ok {
			t.Fatal("the in-stock filter shows an empty product")
		}
		sb.DeleteProduct(shop, teaID)
		waitUntil(t, "tea gone", func() bool { _, ok := storefront(t, s, "")["Tea"]; return !ok })
	})

	t.Run("the same webhooks again, five times each and shuffled, change nothing", func(t *testing.T) {
		sb.WaitDeliveries()
		deliveries := sb.Deliveries(shop)
		var again []sbshopify.Delivery
		for _, d := range deliveries {
			for range 5 {
				again = append(again, d)
			}
		}
		rand.Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
		for _, d := range again {
			if code, err := sb.Redeliver(d); err != nil || code != 200 {
				t.Fatalf("redelivery of %s: %d %v", d.Topic, code, err)
			}
		}
		var rows int
		call(t, s, "", "GET", "/healthz", nil)
		if err := p.db.Get(&rows, `SELECT COUNT(*) FROM webhook_events WHERE provider = 'shopify'`); err != nil || rows != len(deliveries) {
			t.Fatalf("%d webhook rows for %d events (%v)", rows, len(deliveries), err)
		}
		time.Sleep(500 * time.Millisecond)
		if got := storefront(t, s, ""); len(got) != 1 || got["Mug (large)"] != true {
			t.Fatalf("storefront after redeliveries: %v", got)
		}
	})

	t.Run("an unsigned or wrongly signed webhook gets 401 and changes nothing", func(t *testing.T) {
		for _, sig := range []string{"", "bm90IGEgc2lnbmF0dXJl"} {
			req, _ := http.NewRequest("POST", s.url+"/webhooks/shopify", strings.NewReader(`{"id":1}`))
			req.Header.Set("X-Shopify-Topic", "products/delete")
			req.Header.Set("X-Shopify-Shop-Domain", shop)
			req.Header.Set("X-Shopify-Event-Id", fmt.Sprintf("forged-%d", len(sig)))
			req.Header.Set("X-Shopify-Hmac-Sha256", sig)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 401 {
				t.Fatalf("status %d", res.StatusCode)
			}
		}
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM webhook_events WHERE event_id LIKE 'forged-%'`)
		if n != 0 {
			t.Fatal("a forged delivery was recorded")
		}
	})

	t.Run("a re-sync repairs drift made behind the webhooks' back", func(t *testing.T) {
		vase := sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Vase", Status: "ACTIVE",
			Variants: []sbshopify.Variant{{SKU: "VASE-1", Title: "Clay", Price: "30.00", Available: 2}}})
		sb.UpsertProductQuietly(shop, sbshopify.Product{ID: mugID, Title: "Mug (XL)", Status: "ACTIVE",
			Variants: []sbshopify.Variant{{ID: variantOf(t, sb, shop, mugID), SKU: "MUG-1", Title: "Blue", Price: "14.00", Available: 5}}})
		_ = vase
		if res, body := call(t, s, owner, "POST", "/api/v1/vendor/catalog/resync", nil); res.StatusCode != 202 {
			t.Fatalf("resync: %d %s", res.StatusCode, body)
		}
		waitUntil(t, "the renamed mug", func() bool { _, ok := storefront(t, s, "")["Mug (XL)"]; return ok })
		sb.DeleteProductQuietly(shop, mugID)
		call(t, s, owner, "POST", "/api/v1/vendor/catalog/resync", nil)
		waitUntil(t, "the quietly deleted mug gone", func() bool { _, ok := storefront(t, s, "")["Mug (XL)"]; return !ok })
		_, body := call(t, s, owner, "GET", "/api/v1/vendor/catalog/products", nil)
		if !strings.Contains(string(body), `"title":"Vase"`) {
			t.Fatalf("the quietly added product is not in the vendor's catalog: %s", body)
		}
	})

	t.Run("compliance topics are answered and recorded", func(t *testing.T) {
		for _, topic := range []string{"customers/data_request", "customers/redact"} {
			code, err := sb.SendCompliance(shop, topic, map[string]any{"shop_domain": shop, "customer": map[string]any{"id": 7}})
			if err != nil || code != 200 {
				t.Fatalf("%s: %d %v", topic, code, err)
			}
		}
		admin := signIn(t, s, p.admin.Email)
		waitUntil(t, "the compliance audit entries", func() bool {
			_, body := call(t, s, admin, "GET", "/api/v1/admin/audit?vendor_id="+p.vendorA.ID, nil)
			return strings.Contains(string(body), `"action":"shopify.customers.data_request"`) &&
				strings.Contains(string(body), `"action":"shopify.customers.redact"`)
		})
	})

	t.Run("app/uninstalled takes the vendor's products off the storefront", func(t *testing.T) {
		vaseID := ""
		_, body := call(t, s, owner, "GET", "/api/v1/vendor/catalog/products", nil)
		var page struct {
			Products []struct{ ID, Title string } `json:"products"`
		}
		json.Unmarshal(body, &page)
		for _, pr := range page.Products {
			if pr.Title == "Vase" {
				vaseID = pr.ID
			}
		}
		call(t, s, owner, "PATCH", "/api/v1/vendor/catalog/products/"+vaseID, map[string]any{"listed": true})
		waitUntil(t, "the vase listed", func() bool { _, ok := storefront(t, s, "")["Vase"]; return ok })
		sb.Uninstall(shop)
		waitUntil(t, "the store's products gone", func() bool { return len(storefront(t, s, "")) == 0 })
		_, body = call(t, s, owner, "GET", "/api/v1/vendor/shopify", nil)
		if !strings.Contains(string(body), `"status":"uninstalled"`) {
			t.Fatalf("connection: %s", body)
		}
	})
}
