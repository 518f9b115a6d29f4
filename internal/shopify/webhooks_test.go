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
