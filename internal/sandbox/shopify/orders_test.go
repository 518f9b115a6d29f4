package shopify_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
)

func TestShopifyOrderWebhooks(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "write_orders"}, Endpoint: r.srv.URL, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.client = c // install with the orders scopes
	ctx := context.Background()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	tok := r.install(t, copper)
	topics := []string{shopify.TopicOrdersUpdated, shopify.TopicOrdersCancelled, shopify.TopicFulfillmentsCreate,
		shopify.TopicFulfillmentsUpdate, shopify.TopicInventoryLevelsUpdate}
	if err := c.SubscribeWebhooks(ctx, copper, tok.AccessToken, hook.URL+"/webhooks/shopify", topics); err != nil {
		t.Fatal(err)
	}

	// take waits for the deliveries, checks each is signed and well formed,
	// and returns topic -> payload, in the order the sandbox recorded them.
	type event struct {
		topic   string
		eventID string
		payload map[string]any
	}
	take := func(t *testing.T, want ...string) []event {
		t.Helper()
		r.sb.WaitDeliveries()
		got := rc.take()
		if len(got) != len(want) {
			t.Fatalf("%d deliveries, want %v", len(got), want)
		}
		byTopic := map[string]event{}
		for _, g := range got {
			h, err := shopify.ReadWebhookHeaders(g.header)
			if err != nil {
				t.Fatal(err)
			}
			if h.Shop != copper || h.APIVersion != shopify.DefaultAPIVersion || !c.VerifyWebhook(g.body, h.HMAC) {
				t.Fatalf("delivery %+v does not verify", h)
			}
			var p map[string]any
			if err := json.Unmarshal(g.body, &p); err != nil {
				t.Fatal(err)
			}
			if _, dup := byTopic[h.Topic]; dup {
				t.Fatalf("two %s deliveries", h.Topic)
			}
			byTopic[h.Topic] = event{h.Topic, h.EventID, p}
		}
		ds := r.sb.Deliveries(copper)
		ds = ds[len(ds)-len(want):]
		out := make([]event, 0, len(want))
		seen := map[string]bool{}
		for i, w := range want {
			if ds[i].Topic != w {
				t.Fatalf("delivery %d is %s, want %s", i, ds[i].Topic, w)
			}
			e, ok := byTopic[w]
			if !ok || e.eventID != ds[i].EventID || seen[e.eventID] {
				t.Fatalf("%s: not received, or event id reused", w)
			}
			seen[e.eventID] = true
			out = append(out, e)
		}
		return out
	}

	order, err := c.CreateOrder(ctx, copper, tok.AccessToken, shopify.NewOrder{Reference: "vo-42",
		Lines:           []shopify.OrderLine{{VariantID: "gid://shopify/ProductVariant/200201", Quantity: 3}},
		ShippingAddress: shopify.OrderAddress{LastName: "Hopper", Address1: "1 Navy Way", City: "Arlington", CountryCode: "US", ProvinceCode: "VA"},
		Note:            "Cheers"})
	if err != nil {
		t.Fatal(err)
	}
	inv := take(t, shopify.TopicInventoryLevelsUpdate)[0].payload
	if inv["inventory_item_id"] != 200201.0 || inv["available"] != 17.0 {
		t.Errorf("inventory_levels/update = %v", inv)
	}
	sbOrder := r.sb.Orders(copper)[0]

	fid, err := r.sb.FulfillOrder(copper, sbOrder.ID, "USPS", "9400111899223456789012", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223456789012")
	if err != nil {
		t.Fatal(err)
	}
	evs := take(t, shopify.TopicFulfillmentsCreate, shopify.TopicOrdersUpdated)
	f := evs[0].payload
	if f["id"] != float64(fid) || f["admin_graphql_api_id"] != shopify.FulfillmentGID(fid) || f["order_id"] != float64(sbOrder.ID) ||
		f["status"] != "success" || f["shipment_status"] != nil || f["tracking_company"] != "USPS" ||
		f["tracking_number"] != "9400111899223456789012" || f["tracking_url"] == nil || f["created_at"] == nil || f["updated_at"] == nil {
		t.Errorf("fulfillments/create = %v", f)
	}
	if raw, _ := json.Marshal(f); true {
		w, err := shopify.ParseOrderWebhook(shopify.TopicFulfillmentsCreate, raw)
		if err != nil || w.OrderID != order.ID || w.FulfillmentID != shopify.FulfillmentGID(fid) || w.UpdatedAt.IsZero() {
			t.Errorf("ParseOrderWebhook = %+v, %v", w, err)
		}
	}
	if nums, _ := f["tracking_numbers"].([]any); len(nums) != 1 || nums[0] != "9400111899223456789012" {
		t.Errorf("tracking_numbers = %v", f["tracking_numbers"])
	}
	o := evs[1].payload
	if o["id"] != float64(sbOrder.ID) || o["admin_graphql_api_id"] != order.ID || o["name"] != "#1001" ||
		o["tags"] != "trove, trove-ref:vo-42" || o["cancelled_at"] != nil || o["fulfillment_status"] != "fulfilled" ||
		o["note"] != "Cheers" || o["updated_at"] == nil {
		t.Errorf("orders/updated = %v", o)
	}

	for _, status := range []string{"in_transit", "delivered"} {
		if err := r.sb.SetShipmentStatus(copper, fid, status); err != nil {
			t.Fatal(err)
		}
		f := take(t, shopify.TopicFulfillmentsUpdate)[0].payload
		if f["id"] != float64(fid) || f["shipment_status"] != status || f["status"] != "success" {
			t.Errorf("fulfillments/update = %v", f)
		}
	}
	if err := r.sb.SetShipmentStatus(copper, fid, "teleported"); err == nil {
		t.Error("an unknown shipment status: want an error")
	}

	second, err := c.CreateOrder(ctx, copper, tok.AccessToken, shopify.NewOrder{Reference: "vo-43",
		Lines:           []shopify.OrderLine{{VariantID: "gid://shopify/ProductVariant/200201", Quantity: 1}},
		ShippingAddress: shopify.OrderAddress{Company: "Acme", Address1: "1 Main St", CountryCode: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	take(t, shopify.TopicInventoryLevelsUpdate)
	if err := r.sb.CancelOrder(copper, r.sb.Orders(copper)[1].ID); err != nil {
		t.Fatal(err)
	}
	evs = take(t, shopify.TopicOrdersCancelled, shopify.TopicOrdersUpdated)
	for _, e := range evs {
		if e.payload["admin_graphql_api_id"] != second.ID || e.payload["name"] != "#1002" || e.payload["cancelled_at"] == nil ||
			e.payload["fulfillment_status"] != nil || e.payload["note"] != nil {
			t.Errorf("%s = %v", e.topic, e.payload)
		}
	}

	t.Run("orders/create goes only to its subscribers", func(t *testing.T) {
		for _, d := range r.sb.Deliveries(copper) {
			if d.Topic == "orders/create" || d.Topic == "orders/fulfilled" {
				t.Errorf("a %s delivery without a subscription", d.Topic)
			}
		}
	})
}

func TestShopifyOrderCreateChecks(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	tok := r.install(t, fern) // read_products, read_inventory: no order scopes
	post := func(body string) map[string]any {
		t.Helper()
		return graphqlPost(t, r, fern, tok.AccessToken, body)
	}
	out := post(`{"query":"mutation TroveOrderCreate { x }","operationName":"TroveOrderCreate","variables":{"order":{"lineItems":[]}}}`)
	if out["errors"] == nil {
		t.Errorf("without write_orders: %v", out)
	}

	c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"write_orders"}, Endpoint: r.srv.URL, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.client = c
	tok = r.install(t, fern)
	tests := []struct {
		name, vars string
		userError  bool // else a top-level GraphQL error
	}{
		{"no lines", `{"order":{"lineItems":[],"shippingAddress":{"address1":"x","countryCode":"US"}}}`, true},
		{"zero quantity", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300101","quantity":0}],"shippingAddress":{"address1":"x","countryCode":"US"}}}`, true},
		{"unknown variant", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/1","quantity":1}],"shippingAddress":{"address1":"x","countryCode":"US"}}}`, true},
		{"no address", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300101","quantity":1}]}}`, true},
		{"no country", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300101","quantity":1}],"shippingAddress":{"address1":"x"}}}`, true},
		{"out of stock obeying policy", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300202","quantity":1}],"shippingAddress":{"address1":"x","countryCode":"US"}},"options":{"inventoryBehaviour":"DECREMENT_OBEYING_POLICY"}}`, true},
		{"unknown field", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300101","quantity":1}],"shippingAddress":{"address1":"x","countryCode":"US"},"sendReceipt":false}}`, false},
		{"bad enum", `{"order":{"lineItems":[{"variantId":"gid://shopify/ProductVariant/300101","quantity":1}],"shippingAddress":{"address1":"x","countryCode":"US"}},"options":{"inventoryBehaviour":"DECREMENT"}}`, false},
		{"malformed variant id", `{"order":{"lineItems":[{"variantId":"300101","quantity":1}],"shippingAddress":{"address1":"x","countryCode":"US"}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := post(`{"query":"mutation TroveOrderCreate { x }","operationName":"TroveOrderCreate","variables":` + tt.vars + `}`)
			data, _ := out["data"].(map[string]any)
			create, _ := data["orderCreate"].(map[string]any)
			errs, _ := create["userErrors"].([]any)
			if tt.userError && (len(errs) == 0 || create["order"] != nil) {
				t.Errorf("want userErrors: %v", out)
			}
			if !tt.userError && out["errors"] == nil {
				t.Errorf("want a GraphQL error: %v", out)
			}
		})
	}
	if n := len(r.sb.Orders(fern)); n != 0 {
		t.Errorf("%d orders created by refused requests", n)
	}
	out = post(`{"query":"query TroveOrderByReference { x }","operationName":"TroveOrderByReference","variables":{"query":"status:open"}}`)
	if out["errors"] == nil {
		t.Errorf("a filter the sandbox does not know: %v", out)
	}
}

func graphqlPost(t *testing.T, r *rig, shop, token, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", strings.NewReader(body))
	req.Host = shop
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}
