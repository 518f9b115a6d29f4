package shopify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/shopify"
)

// fakeAdmin is a GraphQL Admin API that answers with the next of its canned
// responses and records what it was asked.
type fakeAdmin struct {
	mu        sync.Mutex
	responses []func(w http.ResponseWriter)
	requests  []map[string]any
	paths     []string
	tokens    []string
}

func (f *fakeAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.requests = append(f.requests, body)
	f.paths = append(f.paths, r.Host+r.URL.Path)
	f.tokens = append(f.tokens, r.Header.Get("X-Shopify-Access-Token"))
	var next func(w http.ResponseWriter)
	if len(f.responses) > 0 {
		next = f.responses[0]
		if len(f.responses) > 1 {
			f.responses = f.responses[1:]
		}
	}
	f.mu.Unlock()
	if next == nil {
		http.Error(w, "no response", http.StatusInternalServerError)
		return
	}
	next(w)
}

func reply(status int, v any) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

func cost(requested, available, rate float64) map[string]any {
	return map[string]any{"cost": map[string]any{"requestedQueryCost": requested, "actualQueryCost": nil,
		"throttleStatus": map[string]any{"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": rate}}}
}

var (
	throttledReply = reply(200, map[string]any{
		"errors":     []any{map[string]any{"message": "Throttled", "extensions": map[string]any{"code": "THROTTLED"}}},
		"extensions": cost(102, 92, 100), // 10 points short at 100/s: a tenth of a second
	})
	shopReply = reply(200, map[string]any{
		"data":       map[string]any{"shop": map[string]any{"name": "Demo", "currencyCode": "EUR"}},
		"extensions": cost(1, 1999, 100),
	})
)

func TestGraphQLThrottleRetry(t *testing.T) {
	admin := &fakeAdmin{responses: []func(http.ResponseWriter){throttledReply, shopReply}}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)

	start := time.Now()
	info, err := c.Shop(context.Background(), "demo.myshopify.com", "shpat_x")
	if err != nil {
		t.Fatal(err)
	}
	if info != (shopify.ShopInfo{Name: "Demo", Currency: "EUR"}) {
		t.Errorf("shop = %+v", info)
	}
	if len(admin.requests) != 2 {
		t.Fatalf("%d requests, want 2 (one throttled, one retried)", len(admin.requests))
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("retried after %s, before the bucket could refill (0.1 s)", waited)
	}
	for i, req := range admin.requests {
		if req["operationName"] != "TroveShop" || !strings.Contains(req["query"].(string), "query TroveShop") {
			t.Errorf("request %d does not name its operation: %v", i, req)
		}
		if admin.paths[i] != "demo.myshopify.com/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json" || admin.tokens[i] != "shpat_x" {
			t.Errorf("request %d went to %s with token %q", i, admin.paths[i], admin.tokens[i])
		}
	}
}

func TestGraphQLErrors(t *testing.T) {
	tests := []struct {
		name      string
		responses []func(http.ResponseWriter)
		ctx       func() (context.Context, context.CancelFunc)
		want      error // errors.Is target, or nil for "some other error"
		requests  int
	}{
		{"401 is ErrUnauthorized", []func(http.ResponseWriter){reply(401, map[string]string{
			"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})}, nil, shopify.ErrUnauthorized, 1},
		{"401 without JSON is ErrUnauthorized", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}}, nil, shopify.ErrUnauthorized, 1},
		{"throttled every time gives up", []func(http.ResponseWriter){throttledReply}, nil, shopify.ErrThrottled, 5},
		{"throttled with a long wait honours ctx", []func(http.ResponseWriter){reply(200, map[string]any{
			"errors":     []any{map[string]any{"message": "Throttled", "extensions": map[string]any{"code": "THROTTLED"}}},
			"extensions": cost(1000, 0, 50), // 20 s
		})}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, context.DeadlineExceeded, 1},
		{"other GraphQL errors are returned", []func(http.ResponseWriter){reply(200, map[string]any{
			"errors": []any{map[string]any{"message": "Access denied for shop field.", "extensions": map[string]any{"code": "ACCESS_DENIED"}}}})}, nil, nil, 1},
		{"5xx is an error", []func(http.ResponseWriter){reply(503, map[string]string{"errors": "Unavailable"})}, nil, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin := &fakeAdmin{responses: tt.responses}
			srv := httptest.NewServer(admin)
			defer srv.Close()
			c, _ := newClient(t, srv.URL)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			start := time.Now()
			_, err := c.Shop(ctx, "demo.myshopify.com", "shpat_x")
			switch {
			case err == nil:
				t.Fatal("want an error")
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("want %v, got %v", tt.want, err)
			case tt.want == nil && (errors.Is(err, shopify.ErrUnauthorized) || errors.Is(err, shopify.ErrThrottled)):
				t.Fatalf("want a plain error, got %v", err)
			}
			if len(admin.requests) != tt.requests {
				t.Errorf("%d requests, want %d", len(admin.requests), tt.requests)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

func TestGraphQL429RetryAfter(t *testing.T) {
	admin := &fakeAdmin{responses: []func(http.ResponseWriter){func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		reply(429, map[string]string{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})(w)
	}, shopReply}}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	if _, err := c.Shop(context.Background(), "demo.myshopify.com", "shpat_x"); err != nil {
		t.Fatal(err)
	}
	if len(admin.requests) != 2 {
		t.Errorf("%d requests, want 2", len(admin.requests))
	}
}

func TestProductConversion(t *testing.T) {
	product := map[string]any{
		"shop": map[string]any{"currencyCode": "JPY"},
		"product": map[string]any{
			"id": "gid://shopify/Product/1", "title": "Tea", "description": "Green tea.", "status": "ACTIVE",
			"tags": []string{"tea"}, "updatedAt": "2026-11-20T10:00:00Z",
			"featuredMedia": map[string]any{"preview": map[string]any{"image": map[string]any{"url": "https://cdn.example/tea.jpg"}}},
			"variants": map[string]any{
				"pageInfo": map[string]any{"hasNextPage": true, "endCursor": "v1"},
				"nodes": []any{map[string]any{"id": "gid://shopify/ProductVariant/11", "sku": "T-1", "title": "50 g",
					"price": "1200.00", "inventoryQuantity": 7, "inventoryItem": map[string]any{"id": "gid://shopify/InventoryItem/21"}}},
			},
		},
	}
	more := map[string]any{"product": map[string]any{"variants": map[string]any{
		"pageInfo": map[string]any{"hasNextPage": false, "endCursor": "v2"},
		"nodes": []any{map[string]any{"id": "gid://shopify/ProductVariant/12", "sku": "T-2", "title": "100 g",
			"price": "2000", "inventoryQuantity": nil, "inventoryItem": map[string]any{"id": "gid://shopify/InventoryItem/22"}}},
	}}}
	admin := &fakeAdmin{responses: []func(http.ResponseWriter){
		reply(200, map[string]any{"data": product, "extensions": cost(17, 1983, 100)}),
		reply(200, map[string]any{"data": more, "extensions": cost(203, 1780, 100)}),
	}}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	p, found, err := c.Product(context.Background(), "demo.myshopify.com", "shpat_x", "1")
	if err != nil || !found {
		t.Fatal(found, err)
	}
	if p.ID != "gid://shopify/Product/1" || p.ImageURL != "https://cdn.example/tea.jpg" || p.Status != "ACTIVE" ||
		!p.UpdatedAt.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) || len(p.Variants) != 2 {
		t.Fatalf("product = %+v", p)
	}
	want := []shopify.Variant{
		{ID: "gid://shopify/ProductVariant/11", SKU: "T-1", Title: "50 g", InventoryItemID: "gid://shopify/InventoryItem/21", Price: money.Money{Amount: 1200, Currency: "JPY"}, Available: 7},
		{ID: "gid://shopify/ProductVariant/12", SKU: "T-2", Title: "100 g", InventoryItemID: "gid://shopify/InventoryItem/22", Price: money.Money{Amount: 2000, Currency: "JPY"}, Available: 0},
	}
	for i := range want {
		if p.Variants[i] != want[i] {
			t.Errorf("variant %d = %+v, want %+v", i, p.Variants[i], want[i])
		}
	}
	if v := admin.requests[0]["variables"].(map[string]any); v["id"] != "gid://shopify/Product/1" || v["variantsFirst"] != 5.0 {
		t.Errorf("product variables = %v", v)
	}
	if r := admin.requests[1]; r["operationName"] != "TroveProductVariants" || r["variables"].(map[string]any)["after"] != "v1" {
		t.Errorf("follow-up = %v", r)
	}
}

// bulkAdmin is a GraphQL Admin API that answers the bulk operations of
// AllProducts, polls as given, and serves the file at /bulk/products.jsonl.
func bulkAdmin(t *testing.T, polls []map[string]any, file string) (*fakeAdmin, *httptest.Server) {
	t.Helper()
	responses := []func(http.ResponseWriter){
		reply(200, map[string]any{"data": map[string]any{"shop": map[string]any{"name": "Demo", "currencyCode": "EUR"}}}),
		reply(200, map[string]any{"data": map[string]any{"bulkOperationRunQuery": map[string]any{
			"bulkOperation": map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "CREATED"}, "userErrors": []any{}}}}),
	}
	for _, p := range polls {
		responses = append(responses, reply(200, map[string]any{"data": map[string]any{"bulkOperation": p}}))
	}
	admin := &fakeAdmin{responses: responses}
	mux := http.NewServeMux()
	mux.Handle("/admin/", admin)
	mux.HandleFunc("GET /bulk/products.jsonl", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Shopify-Access-Token") != "" {
			t.Error("the access token went to the file's URL")
		}
		w.Write([]byte(file))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return admin, srv
}

func TestAllProducts(t *testing.T) {
	url := "https://storage.example/bulk/products.jsonl"
	running := map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "RUNNING", "errorCode": nil, "objectCount": "2", "url": nil}
	done := map[string]any{"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "errorCode": nil, "objectCount": "5", "url": url}
	// Flat output, in no promised order: a variant may come before its product.
	file := `{"id":"gid://shopify/ProductVariant/12","sku":"T-2","title":"100 g","price":"20.00","inventoryQuantity":3,"inventoryItem":{"id":"gid://shopify/InventoryItem/22"},"__parentId":"gid://shopify/Product/1"}
{"id":"gid://shopify/Product/1","title":"Tea","description":"Green tea.","status":"ACTIVE","tags":["tea"],"updatedAt":"2026-11-20T10:00:00Z","featuredMedia":{"preview":{"image":{"url":"https://cdn.example/tea.jpg"}}}}
{"id":"gid://shopify/ProductVariant/11","sku":"T-1","title":"50 g","price":"12.00","inventoryQuantity":7,"inventoryItem":{"id":"gid://shopify/InventoryItem/21"},"__parentId":"gid://shopify/Product/1"}
{"id":"gid://shopify/Product/2","title":"Cup","description":"","status":"DRAFT","tags":[],"updatedAt":"2026-11-21T10:00:00Z","featuredMedia":null}
{"id":"gid://shopify/ProductVariant/31","sku":"C-1","title":"Big","price":"99999999999.00","inventoryQuantity":1,"inventoryItem":{"id":"gid://shopify/InventoryItem/41"},"__parentId":"gid://shopify/Product/2"}
`
	admin, srv := bulkAdmin(t, []map[string]any{running, done}, file)
	c, _ := newClient(t, srv.URL)
	got, err := c.AllProducts(context.Background(), "demo.myshopify.com", "shpat_x")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "gid://shopify/Product/1" || got[0].ImageURL != "https://cdn.example/tea.jpg" || len(got[0].Variants) != 2 ||
		got[1].Status != "DRAFT" || len(got[1].Variants) != 1 {
		t.Fatalf("products = %+v", got)
	}
	if v := got[0].Variants[1]; v.ID != "gid://shopify/ProductVariant/11" || v.Price != (money.Money{Amount: 1200, Currency: "EUR"}) || v.Available != 7 {
		t.Errorf("variant = %+v", v)
	}
	if got[1].Variants[0].PriceErr == nil {
		t.Error("a price Trove cannot sell must be flagged, not fail the read")
	}
	ops := []string{}
	for _, r := range admin.requests {
		ops = append(ops, r["operationName"].(string))
	}
	if strings.Join(ops, ",") != "TroveShop,TroveBulkRun,TroveBulkOperation,TroveBulkOperation" {
		t.Errorf("operations = %v", ops)
	}
	q := admin.requests[1]["variables"].(map[string]any)["query"].(string)
	if !strings.Contains(q, "products {") || !strings.Contains(q, "variants {") || strings.Contains(q, "first:") {
		t.Errorf("bulk query = %s", q)
	}

	for _, tc := range []struct {
		name  string
		polls []map[string]any
		file  string
		want  string
	}{
		{"failed", []map[string]any{{"id": "gid://shopify/BulkOperation/1", "status": "FAILED", "errorCode": "TIMEOUT", "objectCount": "0", "url": nil}}, "", "FAILED (TIMEOUT)"},
		{"a variant without its product", []map[string]any{done},
			`{"id":"gid://shopify/ProductVariant/12","sku":"T-2","title":"x","price":"1.00","__parentId":"gid://shopify/Product/9"}` + "\n", "not the product"},
		{"not JSON", []map[string]any{done}, "<html>\n", "line 1"},
		{"a file URL that is not https", []map[string]any{{"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "objectCount": "1",
			"url": "http://storage.example/bulk/products.jsonl"}}, "", "not an https URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := bulkAdmin(t, tc.polls, tc.file)
			c, _ := newClient(t, srv.URL)
			if _, err := c.AllProducts(context.Background(), "demo.myshopify.com", "shpat_x"); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error saying %q, got %v", tc.want, err)
			}
		})
	}
	t.Run("an empty store has no file", func(t *testing.T) {
		_, srv := bulkAdmin(t, []map[string]any{{"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED", "objectCount": "0", "url": nil}}, "")
		c, _ := newClient(t, srv.URL)
		if got, err := c.AllProducts(context.Background(), "demo.myshopify.com", "shpat_x"); err != nil || len(got) != 0 {
			t.Fatalf("%v %v", got, err)
		}
	})
}

func TestSubscribeWebhooks(t *testing.T) {
	created := reply(200, map[string]any{"data": map[string]any{"webhookSubscriptionCreate": map[string]any{
		"webhookSubscription": map[string]any{"id": "gid://shopify/WebhookSubscription/1"}, "userErrors": []any{}}}})
	taken := reply(200, map[string]any{"data": map[string]any{"webhookSubscriptionCreate": map[string]any{
		"webhookSubscription": nil, "userErrors": []any{map[string]any{"field": []string{"webhookSubscription", "callbackUrl"},
			"message": "Address for this topic has already been taken"}}}}})
	invalid := reply(200, map[string]any{"data": map[string]any{"webhookSubscriptionCreate": map[string]any{
		"webhookSubscription": nil, "userErrors": []any{map[string]any{"field": []string{"webhookSubscription", "uri"},
			"message": "Address is invalid"}}}}})

	admin := &fakeAdmin{responses: []func(http.ResponseWriter){created, taken}}
	srv := httptest.NewServer(admin)
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	ctx := context.Background()
	err := c.SubscribeWebhooks(ctx, "demo.myshopify.com", "shpat_x", "https://trove.example/webhooks/shopify",
		[]string{shopify.TopicProductsUpdate, shopify.TopicInventoryLevelsUpdate})
	if err != nil {
		t.Fatalf("created then already taken: %v", err)
	}
	vars := admin.requests[1]["variables"].(map[string]any)
	input := vars["webhookSubscription"].(map[string]any)
	if vars["topic"] != "INVENTORY_LEVELS_UPDATE" || input["uri"] != "https://trove.example/webhooks/shopify" || input["format"] != "JSON" {
		t.Errorf("variables = %v", vars)
	}

	admin.responses = []func(http.ResponseWriter){invalid}
	if err := c.SubscribeWebhooks(ctx, "demo.myshopify.com", "shpat_x", "nope", []string{"products/update"}); err == nil {
		t.Error("a user error other than taken: want an error")
	}
	for _, topic := range []string{shopify.TopicShopRedact, "PRODUCTS_UPDATE"} {
		if err := c.SubscribeWebhooks(ctx, "demo.myshopify.com", "shpat_x", "https://trove.example/w", []string{topic}); err == nil {
			t.Errorf("topic %q: want an error", topic)
		}
	}
}

func TestParsePrice(t *testing.T) {
	tests := []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"12.50", "USD", 1250, true},
		{"12.5", "USD", 1250, true},
		{"12", "USD", 1200, true},
		{"0.01", "USD", 1, true},
		{"0", "USD", 0, true},
		{"0.00", "USD", 0, true},
		{"12.500", "USD", 1250, true},
		{" 3.10 ", "USD", 310, true},
		{"0.1", "USD", 10, true},
		{"19.99", "EUR", 1999, true},
		{"1200", "JPY", 1200, true},
		{"1200.00", "JPY", 1200, true},
		{"1.234", "KWD", 1234, true},
		{"999999.99", "USD", money.MaxAmount, true},
		{"1000000.00", "USD", 0, false}, // beyond money.MaxAmount: Trove could not charge it
		{"21474836.48", "USD", 0, false},
		{"92233720368547758.07", "USD", 0, false},
		{"92233720368547758.08", "USD", 0, false},
		{"12.505", "USD", 0, false},
		{"1200.50", "JPY", 0, false},
		{"-1.00", "USD", 0, false},
		{"+1.00", "USD", 0, false},
		{"", "USD", 0, false},
		{"abc", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{"12.", "USD", 0, false},
		{".5", "USD", 0, false},
		{"1,000.00", "USD", 0, false},
		{"12.50", "usd", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in+" "+tt.currency, func(t *testing.T) {
			got, err := shopify.ParsePrice(tt.in, tt.currency)
			if !tt.ok {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != (money.Money{Amount: tt.want, Currency: tt.currency}) {
				t.Fatalf("got %v, want %d %s", got, tt.want, tt.currency)
			}
		})
	}
}
