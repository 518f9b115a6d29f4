package shopify_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/shopify"
)

func TestReadWebhookHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Shopify-Topic", "products/update")
	h.Set("X-Shopify-Shop-Domain", "demo.myshopify.com")
	h.Set("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5")
	h.Set("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
	h.Set("X-Shopify-API-Version", "2025-10")
	h.Set("X-Shopify-Triggered-At", "2023-03-29T18:00:27.877041743Z")
	h.Set("X-Shopify-Hmac-Sha256", "abc=")
	got, err := shopify.ReadWebhookHeaders(h)
	if err != nil {
		t.Fatal(err)
	}
	want := shopify.WebhookHeaders{Topic: "products/update", Shop: "demo.myshopify.com", EventID: "98880550-7158-44d4-b7cd-2c97c8a091b5",
		WebhookID: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", APIVersion: "2025-10",
		TriggeredAt: time.Date(2023, 3, 29, 18, 0, 27, 877041743, time.UTC), HMAC: "abc="}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, name := range []string{"X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Event-Id"} {
		bad := h.Clone()
		bad.Del(name)
		if _, err := shopify.ReadWebhookHeaders(bad); err == nil {
			t.Errorf("without %s: want an error", name)
		}
	}
	bad := h.Clone()
	bad.Set("X-Shopify-Shop-Domain", "evil.com")
	if _, err := shopify.ReadWebhookHeaders(bad); err == nil {
		t.Error("bad shop domain: want an error")
	}
}

func TestParseWebhookObject(t *testing.T) {
	three := 3
	tests := []struct {
		topic, body string
		want        shopify.WebhookObject
	}{
		{"products/update", `{"id":7000000001,"admin_graphql_api_id":"gid://shopify/Product/7000000001","updated_at":"2026-11-24T09:00:00-05:00"}`,
			shopify.WebhookObject{ProductID: "gid://shopify/Product/7000000001", UpdatedAt: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)}},
		{"products/delete", `{"id":1001}`, shopify.WebhookObject{ProductID: "gid://shopify/Product/1001"}},
		{"inventory_levels/update", `{"inventory_item_id":100101,"location_id":55,"available":3,"updated_at":"2026-11-24T14:00:00+00:00"}`,
			shopify.WebhookObject{InventoryItemID: "gid://shopify/InventoryItem/100101", LocationID: "gid://shopify/Location/55", Available: &three,
				UpdatedAt: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)}},
		{"app/uninstalled", `{"id":1,"domain":"demo.myshopify.com"}`, shopify.WebhookObject{}},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			got, err := shopify.ParseWebhookObject(tt.topic, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got.ProductID != tt.want.ProductID || got.InventoryItemID != tt.want.InventoryItemID || got.LocationID != tt.want.LocationID ||
				!got.UpdatedAt.Equal(tt.want.UpdatedAt) || (got.Available == nil) != (tt.want.Available == nil) ||
				(got.Available != nil && *got.Available != *tt.want.Available) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := shopify.ParseWebhookObject("products/update", []byte(`{"id":"x"}`)); err == nil {
		t.Error("bad id: want an error")
	}
}

func TestParseComplianceRequest(t *testing.T) {
	got, err := shopify.ParseComplianceRequest([]byte(`{"shop_id":954889,"shop_domain":"demo.myshopify.com",
		"customer":{"id":191167,"email":"john@example.com","phone":"555-625-1199"},"orders_to_redact":[299938,280263]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.ShopDomain != "demo.myshopify.com" || got.CustomerID != 191167 || got.CustomerEmail != "john@example.com" || len(got.OrdersToRedact) != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestWebhookShop(t *testing.T) {
	for _, tc := range []struct {
		topic, body string
		shop        string
		carried     bool
		wantErr     bool
	}{
		{"app/uninstalled", `{"id":1,"domain":"shop.acme.example","myshopify_domain":"Acme.myshopify.com"}`, "acme.myshopify.com", true, false},
		{"shop/update", `{"id":1,"myshopify_domain":"acme.myshopify.com"}`, "acme.myshopify.com", true, false},
		{"shop/redact", `{"shop_id":1,"shop_domain":"acme.myshopify.com"}`, "acme.myshopify.com", true, false},
		{"customers/redact", `{"shop_id":1,"shop_domain":"acme.myshopify.com","customer":{"id":7}}`, "acme.myshopify.com", true, false},
		{"customers/data_request", `{"shop_domain":"acme.myshopify.com"}`, "acme.myshopify.com", true, false},
		// The custom domain is not the shop: only myshopify_domain is.
		{"app/uninstalled", `{"id":1,"domain":"acme.myshopify.com"}`, "", true, true},
		{"app/uninstalled", `{"id":1001,"title":"Candle"}`, "", true, true},
		{"shop/redact", `{"id":1,"myshopify_domain":"acme.myshopify.com"}`, "", true, true},
		{"shop/redact", `{"shop_domain":"evil.example"}`, "", true, true},
		{"shop/redact", `{"shop_domain":42}`, "", true, true},
		{"shop/redact", `[1]`, "", true, true},
		// These bodies name no shop: the header is all there is.
		{"products/update", `{"id":1001}`, "", false, false},
		{"inventory_levels/update", `{"inventory_item_id":1}`, "", false, false},
		{"orders/updated", `{"id":1}`, "", false, false},
		{"fulfillments/create", `{"id":1,"order_id":2}`, "", false, false},
	} {
		shop, carried, err := shopify.WebhookShop(tc.topic, []byte(tc.body))
		if shop != tc.shop || carried != tc.carried || (err != nil) != tc.wantErr {
			t.Errorf("%s %s: got %q %v %v", tc.topic, tc.body, shop, carried, err)
		}
	}
}
