package shopify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
)

const (
	orderShop = "northwind-candles.myshopify.com" // a demo shop: variants 100101 (40 in stock), 100102, 100201
	cedar8    = "gid://shopify/ProductVariant/100101"
	trio      = "gid://shopify/ProductVariant/100201"
)

// sandboxShop runs the seeded Shopify sandbox over HTTP, installs the app on
// shop through the real OAuth flow (authorize redirect, callback check, code
// exchange) and returns the sandbox, a client pointed at it and the access token.
func sandboxShop(t *testing.T, shop string, scopes ...string) (*sbshopify.Shopify, *shopify.Client, string, *clock.Fake) {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"read_products", "read_inventory", "write_orders", "read_orders"}
	}
	clk := clock.NewFake(time.Now())
	sb := sbshopify.New(sbshopify.Config{APIKey: "sandbox-key", APISecret: "sandbox-secret", Clock: clk})
	sb.SeedDemo()
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.WaitDeliveries)
	c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: scopes, Endpoint: srv.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, installShop(t, c, shop), clk
}

func installShop(t *testing.T, c *shopify.Client, shop string) string {
	t.Helper()
	authURL, err := c.AuthorizeURL(shop, "state-1", "https://trove.example/oauth/shopify/callback")
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %v", res.StatusCode, err)
	}
	q := loc.Query()
	if err := c.VerifyCallback(q); err != nil {
		t.Fatal(err)
	}
	tok, err := c.ExchangeCode(context.Background(), q.Get("shop"), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func giftOrder(ref string, lines ...shopify.OrderLine) shopify.NewOrder {
	if len(lines) == 0 {
		lines = []shopify.OrderLine{{VariantID: cedar8, Quantity: 2}, {VariantID: trio, Quantity: 1}}
	}
	return shopify.NewOrder{
		Reference: ref,
		Lines:     lines,
		ShippingAddress: shopify.OrderAddress{FirstName: "Ada", LastName: "Lovelace", Company: "Analytical Ltd",
			Address1: "12 St James's Square", City: "London", Zip: "SW1Y 4JH", CountryCode: "GB", Phone: "+44 20 7946 0000"},
		Note:     "Thank you for a great year!",
		Currency: "USD",
	}
}

func numericID(t *testing.T, gid string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(gid[strings.LastIndex(gid, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", gid, err)
	}
	return n
}

func TestCreateOrderAndFindByReference(t *testing.T) {
	sb, c, tok, clk := sandboxShop(t, orderShop)
	ctx := context.Background()

	created, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo_01HZX"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, "gid://shopify/Order/") || created.Name != "#1001" || created.Reference != "vo_01HZX" ||
		created.FulfillmentStatus != "UNFULFILLED" || created.CancelledAt != nil || len(created.Fulfillments) != 0 {
		t.Fatalf("created = %+v", created)
	}
	if shopify.OrderGID(numericID(t, created.ID)) != created.ID {
		t.Errorf("OrderGID does not round-trip %s", created.ID)
	}

	orders := sb.Orders(orderShop)
	if len(orders) != 1 {
		t.Fatalf("%d orders in the shop", len(orders))
	}
	o := orders[0]
	if o.GID != created.ID || o.FinancialStatus != "PAID" || o.SendReceipt || o.SendFulfillmentReceipt || o.Email != "" || o.HasCustomer ||
		o.InventoryBehaviour != "DECREMENT_IGNORING_POLICY" || o.Note != "Thank you for a great year!" {
		t.Errorf("order in the shop = %+v", o)
	}
	if o.Reference != "vo_01HZX" || o.CustomAttributes["trove_reference"] != "vo_01HZX" || o.CustomAttributes["trove_currency"] != "USD" {
		t.Errorf("custom attributes = %v", o.CustomAttributes)
	}
	if strings.Join(o.Tags, ",") != "trove,trove-ref:vo_01HZX" {
		t.Errorf("tags = %v", o.Tags)
	}
	if len(o.Lines) != 2 || o.Lines[0].VariantID != cedar8 || o.Lines[0].Quantity != 2 || o.Lines[0].Price != "28.00" ||
		o.Lines[1].VariantID != trio || o.Lines[1].Quantity != 1 {
		t.Errorf("lines = %+v", o.Lines)
	}
	a := o.ShippingAddress
	if a["firstName"] != "Ada" || a["lastName"] != "Lovelace" || a["company"] != "Analytical Ltd" || a["address1"] != "12 St James's Square" ||
		a["city"] != "London" || a["zip"] != "SW1Y 4JH" || a["countryCode"] != "GB" || a["phone"] != "+44 20 7946 0000" {
		t.Errorf("address = %v", a)
	}
	if p, _ := sb.Product(orderShop, "gid://shopify/Product/1001"); p.Variants[0].Available != 38 {
		t.Errorf("stock after the order = %d, want 40 - 2", p.Variants[0].Available)
	}

	// Shopify's search shows a new order only after a few seconds.
	if _, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_01HZX"); err != nil || ok {
		t.Fatalf("found at once: %v %v; the stand-in's search must lag creates, as Shopify's", ok, err)
	}
	clk.Advance(10 * time.Second)
	found, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_01HZX")
	if err != nil || !ok {
		t.Fatalf("find: %v %v", ok, err)
	}
	if found.ID != created.ID || found.Name != "#1001" || found.Reference != "vo_01HZX" {
		t.Errorf("found = %+v", found)
	}
	if _, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_unknown"); err != nil || ok {
		t.Errorf("unknown reference: found=%v err=%v", ok, err)
	}

	t.Run("a reference that is a prefix of another", func(t *testing.T) {
		long, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo_01HZX-2"))
		if err != nil {
			t.Fatal(err)
		}
		if long.Name != "#1002" {
			t.Errorf("second order name = %s", long.Name)
		}
		clk.Advance(10 * time.Second)
		if got, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_01HZX"); err != nil || !ok || got.ID != created.ID {
			t.Errorf("short reference found %+v %v %v", got, ok, err)
		}
		if got, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_01HZX-2"); err != nil || !ok || got.ID != long.ID {
			t.Errorf("long reference found %+v %v %v", got, ok, err)
		}
		if _, ok, err := c.FindOrderByReference(ctx, orderShop, tok, "vo_01H"); err != nil || ok {
			t.Errorf("a prefix of both: found=%v err=%v", ok, err)
		}
	})
}

// Shopify's search is looser than an exact tag match; the adapter keeps only
// the order whose reference is exactly the one asked for.
func TestFindOrderByReferenceChecksTheReference(t *testing.T) {
	admin := &fakeAdmin{responses: []func(http.ResponseWriter){reply(200, map[string]any{"data": map[string]any{"orders": map[string]any{
		"nodes": []any{map[string]any{"id": "gid://shopify/Order/9", "name": "#1009", "tags": []string{"trove-ref:vo-10"},
			"cancelledAt": nil, "displayFulfillmentStatus": "UNFULFILLED",
			"customAttributes": []any{map[string]any{"key": "trove_reference", "value": "vo-10"}}, "fulfillments": []any{}}},
	}}})}}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	if o, ok, err := c.FindOrderByReference(context.Background(), "demo.myshopify.com", "shpat_x", "vo-1"); err != nil || ok {
		t.Fatalf("vo-1 matched %+v (%v)", o, err)
	}
	req := admin.requests[0]
	if req["operationName"] != "TroveOrderByReference" || req["variables"].(map[string]any)["query"] != "tag:'trove-ref:vo-1'" {
		t.Errorf("request = %v", req)
	}
}

func TestCreateOrderRejected(t *testing.T) {
	sb, c, tok, _ := sandboxShop(t, orderShop)
	ctx := context.Background()
	// A variant of another shop: well formed, unknown here.
	_, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo-x", shopify.OrderLine{VariantID: "gid://shopify/ProductVariant/200101", Quantity: 1}))
	if !errors.Is(err, shopify.ErrOrderRejected) || !strings.Contains(err.Error(), "200101") {
		t.Fatalf("unknown variant: want ErrOrderRejected naming it, got %v", err)
	}
	if n := len(sb.Orders(orderShop)); n != 0 {
		t.Errorf("%d orders after a rejected create", n)
	}

	t.Run("without write_orders", func(t *testing.T) {
		_, c, tok, _ := sandboxShop(t, orderShop, "read_products")
		_, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo-y"))
		if err == nil || errors.Is(err, shopify.ErrOrderRejected) || !strings.Contains(err.Error(), "write_orders") {
			t.Errorf("want an access denied error, got %v", err)
		}
	})
}

func TestCreateOrderRefusesBadInput(t *testing.T) {
	admin := &fakeAdmin{}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	tests := map[string]func(o *shopify.NewOrder){
		"no reference":        func(o *shopify.NewOrder) { o.Reference = "" },
		"reference with ' ":   func(o *shopify.NewOrder) { o.Reference = "vo-1' OR tag:'x" },
		"reference too long":  func(o *shopify.NewOrder) { o.Reference = strings.Repeat("a", 65) },
		"no lines":            func(o *shopify.NewOrder) { o.Lines = nil },
		"zero quantity":       func(o *shopify.NewOrder) { o.Lines[0].Quantity = 0 },
		"negative quantity":   func(o *shopify.NewOrder) { o.Lines[1].Quantity = -1 },
		"numeric variant":     func(o *shopify.NewOrder) { o.Lines[0].VariantID = "100101" },
		"product gid":         func(o *shopify.NewOrder) { o.Lines[0].VariantID = "gid://shopify/Product/1001" },
		"variant gid no id":   func(o *shopify.NewOrder) { o.Lines[0].VariantID = "gid://shopify/ProductVariant/" },
		"lowercase country":   func(o *shopify.NewOrder) { o.ShippingAddress.CountryCode = "gb" },
		"no country":          func(o *shopify.NewOrder) { o.ShippingAddress.CountryCode = "" },
		"three-letter":        func(o *shopify.NewOrder) { o.ShippingAddress.CountryCode = "GBR" },
		"no street":           func(o *shopify.NewOrder) { o.ShippingAddress.Address1 = " " },
		"not a currency code": func(o *shopify.NewOrder) { o.Currency = "usd" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			o := giftOrder("vo-1")
			change(&o)
			if _, err := c.CreateOrder(context.Background(), "demo.myshopify.com", "shpat_x", o); !errors.Is(err, shopify.ErrInvalidOrder) {
				t.Errorf("want ErrInvalidOrder, got %v", err)
			}
		})
	}
	if _, _, err := c.FindOrderByReference(context.Background(), "demo.myshopify.com", "shpat_x", ""); !errors.Is(err, shopify.ErrInvalidOrder) {
		t.Errorf("find with no reference: want ErrInvalidOrder, got %v", err)
	}
	if _, _, err := c.Order(context.Background(), "demo.myshopify.com", "shpat_x", "gid://shopify/Product/1"); err == nil {
		t.Error("Order with a product id: want an error")
	}
	if len(admin.requests) != 0 {
		t.Errorf("%d requests sent for bad input", len(admin.requests))
	}
}

func TestOrderReRead(t *testing.T) {
	sb, c, tok, _ := sandboxShop(t, orderShop)
	ctx := context.Background()
	shipped, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo-ship"))
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo-cancel"))
	if err != nil {
		t.Fatal(err)
	}

	fid, err := sb.FulfillOrder(orderShop, numericID(t, shipped.ID), "UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784")
	if err != nil {
		t.Fatal(err)
	}
	o, ok, err := c.Order(ctx, orderShop, tok, shipped.ID)
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	if o.FulfillmentStatus != "FULFILLED" || len(o.Fulfillments) != 1 {
		t.Fatalf("after fulfilment: %+v", o)
	}
	f := o.Fulfillments[0]
	if f.ID != shopify.FulfillmentGID(fid) || f.Status != "SUCCESS" || f.DisplayStatus != "FULFILLED" || f.Carrier != "UPS" ||
		f.TrackingNumber != "1Z999AA10123456784" || f.TrackingURL != "https://www.ups.com/track?tracknum=1Z999AA10123456784" ||
		f.CreatedAt.IsZero() || f.UpdatedAt.IsZero() {
		t.Errorf("fulfillment = %+v", f)
	}

	for _, status := range []string{"in_transit", "delivered"} {
		if err := sb.SetShipmentStatus(orderShop, fid, status); err != nil {
			t.Fatal(err)
		}
	}
	o, _, err = c.Order(ctx, orderShop, tok, strconv.FormatInt(numericID(t, shipped.ID), 10)) // a webhook's numeric id
	if err != nil || len(o.Fulfillments) != 1 || o.Fulfillments[0].DisplayStatus != "DELIVERED" || o.Reference != "vo-ship" {
		t.Fatalf("after delivery: %+v %v", o, err)
	}
	if err := sb.CancelOrder(orderShop, numericID(t, shipped.ID)); err == nil {
		t.Error("cancelling a fulfilled order: want an error, as Shopify")
	}

	if err := sb.CancelOrder(orderShop, numericID(t, cancelled.ID)); err != nil {
		t.Fatal(err)
	}
	o, _, err = c.Order(ctx, orderShop, tok, cancelled.ID)
	if err != nil || o.CancelledAt == nil || o.CancelledAt.IsZero() || o.FulfillmentStatus != "UNFULFILLED" {
		t.Fatalf("after cancel: %+v %v", o, err)
	}
	if _, err := sb.FulfillOrder(orderShop, numericID(t, cancelled.ID), "", "", ""); err == nil {
		t.Error("fulfilling a cancelled order: want an error")
	}

	if _, ok, err := c.Order(ctx, orderShop, tok, "gid://shopify/Order/1"); err != nil || ok {
		t.Errorf("unknown order: found=%v err=%v", ok, err)
	}
}

// A create whose answer is lost (the client gives up) has still created the
// order: the caller finds it by reference, once the search has caught up,
// instead of creating it twice.
func TestSlowCreateThenFind(t *testing.T) {
	sb, c, tok, clk := sandboxShop(t, orderShop)
	sb.SlowNextOrderCreate(orderShop, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.CreateOrder(ctx, orderShop, tok, giftOrder("vo-slow")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %s", d)
	}
	clk.Advance(10 * time.Second)
	o, ok, err := c.FindOrderByReference(context.Background(), orderShop, tok, "vo-slow")
	if err != nil || !ok || o.Reference != "vo-slow" {
		t.Fatalf("after the timeout: %+v %v %v", o, ok, err)
	}
	if orders := sb.Orders(orderShop); len(orders) != 1 || orders[0].GID != o.ID {
		t.Errorf("orders = %+v", orders)
	}
	// The next create answers at once again.
	if _, err := c.CreateOrder(context.Background(), orderShop, tok, giftOrder("vo-fast")); err != nil {
		t.Fatal(err)
	}
}

func TestParseOrderWebhook(t *testing.T) {
	w, err := shopify.ParseOrderWebhook(shopify.TopicFulfillmentsUpdate, []byte(`{"id":255858046,"admin_graphql_api_id":"gid://shopify/Fulfillment/255858046","order_id":450789469,"status":"success","shipment_status":"delivered","updated_at":"2026-11-24T10:00:00-05:00"}`))
	if err != nil || w.FulfillmentID != "gid://shopify/Fulfillment/255858046" || w.OrderID != "gid://shopify/Order/450789469" ||
		!w.UpdatedAt.Equal(time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("fulfillment: %+v %v", w, err)
	}
	w, err = shopify.ParseOrderWebhook(shopify.TopicOrdersCancelled, []byte(`{"id":450789469,"name":"#1001","cancelled_at":"2026-11-24T10:00:00-05:00"}`))
	if err != nil || w.OrderID != "gid://shopify/Order/450789469" || w.FulfillmentID != "" {
		t.Errorf("order: %+v %v", w, err)
	}
	for _, bad := range []struct{ topic, body string }{
		{shopify.TopicOrdersUpdated, `{"id":"x"}`},
		{shopify.TopicFulfillmentsCreate, `{"id":1}`},
		{shopify.TopicProductsUpdate, `{"id":1}`},
		{shopify.TopicOrdersUpdated, `not json`},
	} {
		if _, err := shopify.ParseOrderWebhook(bad.topic, []byte(bad.body)); err == nil {
			t.Errorf("%s %s: want an error", bad.topic, bad.body)
		}
	}
}
