package shopify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
)

// openRig is newRig for a stand-in kept in path: seeded only when the file
// held nothing, as `trove serve --sandbox` does.
func openRig(t *testing.T, path string, clk *clock.Fake) *rig {
	t.Helper()
	sb, err := sbshopify.Open(path, sbshopify.Config{APIKey: "sandbox-key", APISecret: "sandbox-secret", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if len(sb.ShopDomains()) == 0 {
		sb.SeedDemo()
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.WaitDeliveries)
	c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "write_orders"}, Endpoint: srv.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{sb: sb, client: c, clock: clk, srv: srv}
}

// TestOpenCarriesOnAfterARestart: a stand-in opened again from its file is
// the one that stopped. The token issued before still works, orders are
// there and numbering carries on (no second #1001 for another vendor
// order), stock is as the orders left it, and deliveries cut short by the
// stop are sent when it starts again, with their event ids.
func TestOpenCarriesOnAfterARestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shopify.json")
	clk := clock.NewFake(time.Now())
	rc := &receiver{failNext: 1 << 30} // Trove is down until the restart
	hook := httptest.NewServer(rc)
	defer hook.Close()

	r := openRig(t, path, clk)
	tok := r.install(t, copper)
	if err := r.client.SubscribeWebhooks(ctx, copper, tok.AccessToken, hook.URL+"/webhooks/shopify",
		[]string{shopify.TopicOrdersUpdated, shopify.TopicInventoryLevelsUpdate}); err != nil {
		t.Fatal(err)
	}
	first, err := r.client.CreateOrder(ctx, copper, tok.AccessToken, shopify.NewOrder{Reference: "vo-1",
		Lines:           []shopify.OrderLine{{VariantID: "gid://shopify/ProductVariant/200201", Quantity: 3}},
		ShippingAddress: shopify.OrderAddress{LastName: "Hopper", Address1: "1 Navy Way", City: "Arlington", CountryCode: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	waitUntilTried(t, r.sb, copper)
	r.sb.Close()
	r.sb.WaitDeliveries()
	before := r.sb.Deliveries(copper)
	if len(before) == 0 {
		t.Fatal("no delivery to carry over")
	}
	for _, d := range before {
		if !d.Pending {
			t.Fatalf("a delivery cut short by the stop must stay pending: %+v", d)
		}
	}

	rc.mu.Lock()
	rc.failNext = 0
	rc.mu.Unlock()
	r2 := openRig(t, path, clk)
	if info, err := r2.client.Shop(ctx, copper, tok.AccessToken); err != nil || info.Name != "Copper Kettle Coffee" {
		t.Fatalf("the token issued before the restart: %+v %v", info, err)
	}
	p, ok := r2.sb.Product(copper, "gid://shopify/Product/2002")
	if !ok || p.Variants[0].Available != 17 {
		t.Fatalf("stock after the restart: %+v (want 20 - 3 = 17; a re-seed would put 20 back)", p)
	}
	clk.Advance(10 * time.Second) // past the order search's lag
	if got, found, err := r2.client.FindOrderByReference(ctx, copper, tok.AccessToken, "vo-1"); err != nil || !found || got.ID != first.ID {
		t.Fatalf("the order made before the restart: %+v %v %v", got, found, err)
	}
	second, err := r2.client.CreateOrder(ctx, copper, tok.AccessToken, shopify.NewOrder{Reference: "vo-2",
		Lines:           []shopify.OrderLine{{VariantID: "gid://shopify/ProductVariant/200201", Quantity: 1}},
		ShippingAddress: shopify.OrderAddress{Company: "Acme", Address1: "1 Main St", CountryCode: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	orders := r2.sb.Orders(copper)
	if len(orders) != 2 || orders[1].Name != "#1002" || orders[1].GID != second.ID || orders[1].ID <= orders[0].ID {
		t.Fatalf("the orders after the restart: %+v", orders)
	}
	if subs := r2.sb.Subscriptions(copper); len(subs) != 2 {
		t.Fatalf("the webhook subscriptions after the restart: %+v", subs)
	}

	r2.sb.ResumeDeliveries()
	r2.sb.WaitDeliveries()
	got := map[string]bool{}
	for _, g := range rc.take() {
		got[g.header.Get("X-Shopify-Event-Id")] = true
	}
	for _, d := range before {
		if !got[d.EventID] {
			t.Fatalf("%s %s was not delivered after the restart", d.Topic, d.EventID)
		}
	}
	for _, d := range r2.sb.Deliveries(copper) {
		if d.Pending || d.StatusCode != http.StatusOK {
			t.Fatalf("after the restart: %+v", d)
		}
	}
}

func TestOpenRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopify.json")
	if err := os.WriteFile(path, []byte(`{"Shops": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sbshopify.Open(path, sbshopify.Config{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

// waitUntilTried waits until every delivery of the shop has had an attempt.
func waitUntilTried(t *testing.T, sb *sbshopify.Shopify, shop string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ds := sb.Deliveries(shop)
		tried := len(ds) > 0
		for _, d := range ds {
			tried = tried && d.Attempts > 0
		}
		if tried {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not tried: %+v", ds)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
