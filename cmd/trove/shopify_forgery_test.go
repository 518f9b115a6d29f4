package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
)

// TestShopifyWebhookForgery: a Shopify webhook's body is signed with the
// app's secret, which every shop shares, and nothing else is signed. A
// vendor who captures a signed body of its own store (or an old one of
// another store) can re-send it with any topic, shop domain, event id and
// time. None of that may disconnect another store, erase its tokens or take
// its products off the storefront; genuine uninstalls still do.
func TestShopifyWebhookForgery(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	const secret = "test-shopify-secret" // baseEnv's TROVE_SHOPIFY_API_SECRET
	const shopA, shopB = "vendor-a.myshopify.com", "vendor-b.myshopify.com"
	sb := sbshopify.New(sbshopify.Config{APIKey: "test-shopify-key", APISecret: secret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sb.AddShop(shopA, "Vendor A", "USD")
	sb.AddShop(shopB, "Vendor B", "USD")
	sb.UpsertProductQuietly(shopA, sbshopify.Product{Title: "Anchor Mug", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "A-1", Title: "Blue", Price: "12.50", Available: 5}}})
	trayID := sb.UpsertProductQuietly(shopB, sbshopify.Product{Title: "Birch Tray", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "B-1", Title: "Oak", Price: "30.00", Available: 4}}})
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()

	addr := freeAddr(t)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SHOPIFY_ENDPOINT"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "50ms"
	s := startServer(t, env)

	// Both owners connect their stores and list their product.
	for _, o := range []struct{ email, shop string }{{"owner@a.example", shopA}, {"owner@b.example", shopB}} {
		connectShop(t, s, o.email, o.shop)
		owner := signIn(t, s, o.email)
		var ids []string
		waitUntil(t, "the import of "+o.shop, func() bool {
			_, body := call(t, s, owner, "GET", "/api/v1/vendor/catalog/products", nil)
			var page struct {
				Products []struct{ ID string } `json:"products"`
			}
			json.Unmarshal(body, &page)
			ids = nil
			for _, pr := range page.Products {
				ids = append(ids, pr.ID)
			}
			return len(ids) == 1
		})
		waitUntil(t, "the webhook subscriptions of "+o.shop, func() bool { return len(sb.Subscriptions(o.shop)) >= 5 })
		if res, body := call(t, s, owner, "PATCH", "/api/v1/vendor/catalog/products/"+ids[0], map[string]any{"listed": true}); res.StatusCode != 200 {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
	}
	if got := storefront(t, s, ""); len(got) != 2 {
		t.Fatalf("storefront: %v", got)
	}

	sign := func(body []byte) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	n := 0
	// send posts a signed body with the headers given, as a forger would:
	// a fresh event id each time, and the time now unless told otherwise.
	send := func(body []byte, topic, shop, triggeredAt string) (string, int, string) {
		t.Helper()
		n++
		id := fmt.Sprintf("forged-%d", n)
		if triggeredAt == "" {
			triggeredAt = time.Now().UTC().Format(time.RFC3339Nano)
		}
		req, _ := http.NewRequest("POST", s.url+"/webhooks/shopify", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Hmac-Sha256", sign(body))
		req.Header.Set("X-Shopify-Topic", topic)
		req.Header.Set("X-Shopify-Shop-Domain", shop)
		req.Header.Set("X-Shopify-Event-Id", id)
		req.Header.Set("X-Shopify-Triggered-At", triggeredAt)
		req.Header.Set("X-Shopify-API-Version", "2026-10")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return id, res.StatusCode, string(out)
	}
	refusal := func(eventID string) string {
		t.Helper()
		var why *string
		if err := p.db.Get(&why, `SELECT refusal FROM webhook_events WHERE event_id = ?`, eventID); err != nil {
			t.Fatalf("delivery %s not recorded: %v", eventID, err)
		}
		if why == nil {
			t.Fatalf("delivery %s recorded as accepted", eventID)
		}
		return *why
	}
	processed := func(eventID string) {
		t.Helper()
		waitUntil(t, "delivery "+eventID+" processed", func() bool {
			var k int
			p.db.Get(&k, `SELECT COUNT(*) FROM webhook_events WHERE event_id = ? AND processed_at IS NOT NULL`, eventID)
			return k == 1
		})
	}
	storeB := func(t *testing.T) {
		t.Helper()
		var status string
		var sealed *string
		if err := p.db.QueryRow(`SELECT status, access_token_sealed FROM shopify_connections WHERE shop_domain = ?`, shopB).Scan(&status, &sealed); err != nil {
			t.Fatal(err)
		}
		if status != "connected" || sealed == nil {
			t.Fatalf("store B is %s (token kept: %v)", status, sealed != nil)
		}
		if _, ok := storefront(t, s, "")["Birch Tray"]; !ok {
			t.Fatal("store B's product left the storefront")
		}
	}

	// Vendor A removes the app: a genuine app/uninstalled, which still works.
	sb.Uninstall(shopA)
	waitUntil(t, "store A's product gone", func() bool { _, ok := storefront(t, s, "")["Anchor Mug"]; return !ok })
	sb.WaitDeliveries()
	var captured []byte
	for _, d := range sb.Deliveries(shopA) {
		if d.Topic == "app/uninstalled" {
			captured = d.Payload
		}
	}
	if captured == nil {
		t.Fatal("no app/uninstalled delivery for store A")
	}

	t.Run("A's signed app/uninstalled re-sent with B's domain is refused and recorded", func(t *testing.T) {
		id, code, out := send(captured, "app/uninstalled", shopB, "")
		if code != 400 || !strings.Contains(out, "X-Shopify-Shop-Domain") {
			t.Fatalf("%d %s", code, out)
		}
		if why := refusal(id); !strings.Contains(why, "says "+shopB+" but the signed app/uninstalled body is about "+shopA) {
			t.Fatalf("recorded refusal: %s", why)
		}
		storeB(t)
	})

	t.Run("A's shop/redact re-sent with B's domain is refused", func(t *testing.T) {
		body := []byte(`{"shop_id":1,"shop_domain":"` + shopA + `"}`)
		id, code, out := send(body, "shop/redact", shopB, "")
		if code != 400 {
			t.Fatalf("%d %s", code, out)
		}
		refusal(id)
		storeB(t)
	})

	t.Run("a delivery triggered in 2020 is refused", func(t *testing.T) {
		id, code, out := send(captured, "app/uninstalled", shopA, "2020-01-01T00:00:00Z")
		if code != 400 || !strings.Contains(out, "X-Shopify-Triggered-At") {
			t.Fatalf("%d %s", code, out)
		}
		if why := refusal(id); !strings.Contains(why, "X-Shopify-Triggered-At") {
			t.Fatalf("recorded refusal: %s", why)
		}
	})

	// B's own signed uninstall body (from an earlier uninstall, say) names
	// B, so ingress accepts it; Shopify still accepts B's token, so the app
	// is installed and nothing may be done.
	t.Run("app/uninstalled for B while B's token still works does nothing", func(t *testing.T) {
		body := []byte(`{"id":2,"name":"Vendor B","domain":"` + shopB + `","myshopify_domain":"` + shopB + `"}`)
		id, code, out := send(body, "app/uninstalled", shopB, "")
		if code != 200 {
			t.Fatalf("%d %s", code, out)
		}
		processed(id)
		storeB(t)
		var after string
		if err := p.db.Get(&after, `SELECT after_json FROM audit_log WHERE action = 'shopify.app.uninstalled' AND vendor_id = ? ORDER BY id DESC LIMIT 1`,
			p.vendorB.ID); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(after, `"uninstall_confirmed":false`) || !strings.Contains(after, "still installed") {
			t.Fatalf("audit: %s", after)
		}
	})

	t.Run("shop/redact for B while B's token still works erases nothing", func(t *testing.T) {
		id, code, out := send([]byte(`{"shop_id":2,"shop_domain":"`+shopB+`"}`), "shop/redact", shopB, "")
		if code != 200 {
			t.Fatalf("%d %s", code, out)
		}
		processed(id)
		storeB(t)
	})

	t.Run("products/delete of a product B still has deletes nothing", func(t *testing.T) {
		num := strings.TrimPrefix(trayID, "gid://shopify/Product/")
		id, code, out := send([]byte(`{"id":`+num+`}`), "products/delete", shopB, "")
		if code != 200 {
			t.Fatalf("%d %s", code, out)
		}
		processed(id)
		storeB(t)
	})

	t.Run("B's genuine uninstall disconnects B", func(t *testing.T) {
		sb.Uninstall(shopB)
		waitUntil(t, "store B's product gone", func() bool { return len(storefront(t, s, "")) == 0 })
		// The refused refresh marks the store broken (off the storefront)
		// a moment before the confirmed uninstall marks it uninstalled.
		var status string
		waitUntil(t, "store B uninstalled", func() bool {
			p.db.Get(&status, `SELECT status FROM shopify_connections WHERE shop_domain = ?`, shopB)
			return status == "uninstalled"
		})
	})
}
