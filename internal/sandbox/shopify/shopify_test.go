package shopify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
)

const (
	northwind = "northwind-candles.myshopify.com"
	copper    = "copper-kettle-coffee.myshopify.com"
	fern      = "fern-and-finch.myshopify.com"
	redirect  = "https://trove.example/oauth/shopify/callback"
)

type rig struct {
	sb     *sbshopify.Shopify
	client *shopify.Client
	clock  *clock.Fake
	srv    *httptest.Server
}

// newRig runs the seeded sandbox on a real HTTP server (under prefix, when
// given, as `trove serve --sandbox` mounts it) and an adapter pointed at it.
func newRig(t *testing.T, prefix string, cfg sbshopify.Config) *rig {
	t.Helper()
	clk := clock.NewFake(time.Now())
	cfg.APIKey, cfg.APISecret, cfg.Clock = "sandbox-key", "sandbox-secret", clk
	sb := sbshopify.New(cfg)
	sb.SeedDemo()
	var h http.Handler = sb.Handler()
	if prefix != "" {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, sb.Handler()))
		h = mux
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.WaitDeliveries)
	c, err := shopify.New(shopify.Config{
		APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "read_inventory"}, Endpoint: srv.URL + prefix, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{sb: sb, client: c, clock: clk, srv: srv}
}

// authorize follows the adapter's authorize URL to the sandbox's redirect
// and returns the callback's query.
func (r *rig) authorize(t *testing.T, shop, state string) url.Values {
	t.Helper()
	authURL, err := r.client.AuthorizeURL(shop, state, redirect)
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, want 302", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirect {
		t.Fatalf("redirected to %s, want %s", got, redirect)
	}
	return loc.Query()
}

// install runs the whole OAuth install for shop and returns its token.
func (r *rig) install(t *testing.T, shop string) shopify.Token {
	t.Helper()
	q := r.authorize(t, shop, "state-"+shop)
	if err := r.client.VerifyCallback(q); err != nil {
		t.Fatalf("callback: %v", err)
	}
	tok, err := r.client.ExchangeCode(context.Background(), q.Get("shop"), q.Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

func TestShopifyInstall(t *testing.T) {
	for _, prefix := range []string{"", "/sandbox/shopify"} {
		t.Run("mounted at "+prefix+"/", func(t *testing.T) {
			r := newRig(t, prefix, sbshopify.Config{})
			ctx := context.Background()
			now := r.clock.Now()

			q := r.authorize(t, northwind, "nonce-1")
			for _, k := range []string{"code", "hmac", "host", "shop", "state", "timestamp"} {
				if q.Get(k) == "" {
					t.Errorf("callback has no %s: %v", k, q)
				}
			}
			if q.Get("state") != "nonce-1" || q.Get("shop") != northwind {
				t.Errorf("callback = %v", q)
			}
			if err := r.client.VerifyCallback(q); err != nil {
				t.Fatalf("callback does not verify: %v", err)
			}
			tampered := url.Values{}
			for k, v := range q {
				tampered[k] = v
			}
			tampered.Set("shop", copper)
			if err := r.client.VerifyCallback(tampered); !errors.Is(err, shopify.ErrInvalidCallback) {
				t.Errorf("tampered shop: want ErrInvalidCallback, got %v", err)
			}

			tok, err := r.client.ExchangeCode(ctx, northwind, q.Get("code"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tok.AccessToken, "shpat_") || !strings.HasPrefix(tok.RefreshToken, "shprt_") ||
				tok.Scope != "read_products,read_inventory" || !tok.ExpiresAt.Equal(now.Add(time.Hour)) ||
				!tok.RefreshExpiresAt.Equal(now.Add(90*24*time.Hour)) {
				t.Errorf("token = %v", tok)
			}
			if _, err := r.client.ExchangeCode(ctx, northwind, q.Get("code")); !errors.Is(err, shopify.ErrInvalidGrant) {
				t.Errorf("code used twice: want ErrInvalidGrant, got %v", err)
			}
			info, err := r.client.Shop(ctx, northwind, tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if info != (shopify.ShopInfo{Name: "Northwind Candles", Currency: "USD"}) {
				t.Errorf("shop = %+v", info)
			}
			if _, err := r.client.Shop(ctx, copper, tok.AccessToken); !errors.Is(err, shopify.ErrUnauthorized) {
				t.Errorf("another shop's token: want ErrUnauthorized, got %v", err)
			}
			if !r.sb.Installed(northwind) || r.sb.Installed(copper) {
				t.Error("Installed is wrong")
			}
		})
	}
}

func TestShopifyCallbackChecks(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	q := r.authorize(t, fern, "nonce")
	r.clock.Advance(61 * time.Minute)
	if err := r.client.VerifyCallback(q); !errors.Is(err, shopify.ErrInvalidCallback) {
		t.Errorf("an hour later: want ErrInvalidCallback, got %v", err)
	}
	other, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"another-secret"}, APIVersion: shopify.DefaultAPIVersion,
		Endpoint: r.srv.URL, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	q = r.authorize(t, fern, "nonce")
	if err := other.VerifyCallback(q); !errors.Is(err, shopify.ErrInvalidCallback) {
		t.Errorf("other app's secret: want ErrInvalidCallback, got %v", err)
	}
	if _, err := other.ExchangeCode(context.Background(), fern, q.Get("code")); !errors.Is(err, shopify.ErrInvalidGrant) {
		t.Errorf("exchange with the wrong client secret: want ErrInvalidGrant, got %v", err)
	}
}

func TestShopifyRefreshRotation(t *testing.T) {
	ctx := context.Background()
	t.Run("rotates; a token whose replacement was used is refused", func(t *testing.T) {
		r := newRig(t, "", sbshopify.Config{})
		t0 := r.install(t, copper)
		t1, err := r.client.Refresh(ctx, copper, t0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if t1.AccessToken == t0.AccessToken || t1.RefreshToken == t0.RefreshToken {
			t.Fatal("refresh did not return a new pair")
		}
		if _, err := r.client.Shop(ctx, copper, t1.AccessToken); err != nil {
			t.Fatalf("new access token: %v", err)
		}
		t2, err := r.client.Refresh(ctx, copper, t1.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.client.Refresh(ctx, copper, t0.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("reused refresh token: want ErrInvalidGrant, got %v", err)
		}
		if _, err := r.client.Refresh(ctx, copper, "shprt_made_up"); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("unknown refresh token: want ErrInvalidGrant, got %v", err)
		}
		if _, err := r.client.Refresh(ctx, copper, t2.RefreshToken); err != nil {
			t.Fatalf("latest refresh token: %v", err)
		}
		if n := r.sb.RefreshCount(copper); n != 3 {
			t.Errorf("RefreshCount = %d, want 3", n)
		}
	})
	t.Run("a lost response can be recovered until the replacement is used", func(t *testing.T) {
		r := newRig(t, "", sbshopify.Config{})
		t0 := r.install(t, copper)
		lost, err := r.client.Refresh(ctx, copper, t0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		t1, err := r.client.Refresh(ctx, copper, t0.RefreshToken) // the caller never saved `lost`
		if err != nil {
			t.Fatalf("retry of the stored refresh token: %v", err)
		}
		if _, err := r.client.Refresh(ctx, copper, lost.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("the lost pair's refresh token: want ErrInvalidGrant, got %v", err)
		}
		if _, err := r.client.Refresh(ctx, copper, t1.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := r.client.Refresh(ctx, copper, t0.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("after its replacement was used: want ErrInvalidGrant, got %v", err)
		}
	})
	t.Run("strict rotation refuses any reuse", func(t *testing.T) {
		r := newRig(t, "", sbshopify.Config{StrictRefreshRotation: true})
		t0 := r.install(t, copper)
		if _, err := r.client.Refresh(ctx, copper, t0.RefreshToken); err != nil {
			t.Fatal(err)
		}
		if _, err := r.client.Refresh(ctx, copper, t0.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("reuse: want ErrInvalidGrant, got %v", err)
		}
		if n := r.sb.RefreshCount(copper); n != 1 {
			t.Errorf("RefreshCount = %d, want 1", n)
		}
	})
	t.Run("expired access token is ErrUnauthorized; refresh mends it", func(t *testing.T) {
		r := newRig(t, "", sbshopify.Config{})
		tok := r.install(t, copper)
		r.clock.Advance(time.Hour)
		if _, err := r.client.Shop(ctx, copper, tok.AccessToken); !errors.Is(err, shopify.ErrUnauthorized) {
			t.Fatalf("expired token: want ErrUnauthorized, got %v", err)
		}
		fresh, err := r.client.Refresh(ctx, copper, tok.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.client.Shop(ctx, copper, fresh.AccessToken); err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(91 * 24 * time.Hour)
		if _, err := r.client.Refresh(ctx, copper, fresh.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("expired refresh token: want ErrInvalidGrant, got %v", err)
		}
	})
}

func TestShopifyProducts(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	ctx := context.Background()
	const shop = "big-shop.myshopify.com"
	r.sb.AddShop(shop, "Big Shop", "USD")
	want := map[string]sbshopify.Product{}
	for i := range 123 {
		p := sbshopify.Product{Title: fmt.Sprintf("Product %03d", i), Description: "Plain text.", Tags: []string{"gift"},
			Status: []string{"ACTIVE", "DRAFT", "ARCHIVED"}[i%3]}
		if i%10 == 0 {
			p.ImageURL = fmt.Sprintf("https://cdn.example/%d.jpg", i)
		}
		variants := 1 + i%8 // up to 8: more than a page of five for some
		for j := range variants {
			p.Variants = append(p.Variants, sbshopify.Variant{SKU: fmt.Sprintf("P%03d-%d", i, j), Title: fmt.Sprintf("V%d", j),
				Price: fmt.Sprintf("%d.%02d", i, j), Available: i + j})
		}
		id := r.sb.UpsertProductQuietly(shop, p)
		want[id], _ = r.sb.Product(shop, id)
	}
	tok := r.install(t, shop)

	// The whole catalog in one bulk operation, every variant included (no
	// follow-up pages), for a few points whatever its size.
	before := r.sb.PointsSpent(shop)
	got, err := r.client.AllProducts(ctx, shop, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || r.sb.BulkOperations(shop) != 1 {
		t.Fatalf("%d products in %d bulk operations, want %d in 1", len(got), r.sb.BulkOperations(shop), len(want))
	}
	if spent := r.sb.PointsSpent(shop) - before; spent > 20 {
		t.Errorf("reading %d products spent %d points", len(got), spent)
	}
	seen := map[string]bool{}
	for i, p := range got {
		w, ok := want[p.ID]
		if !ok || seen[p.ID] {
			t.Fatalf("product %d: unexpected or repeated %s", i, p.ID)
		}
		seen[p.ID] = true
		if p.Title != w.Title || p.Status != w.Status || p.Description != "Plain text." || p.ImageURL != w.ImageURL ||
			len(p.Tags) != 1 || p.UpdatedAt.IsZero() || len(p.Variants) != len(w.Variants) {
			t.Fatalf("product %s = %+v, want %+v", p.ID, p, w)
		}
		for j, v := range p.Variants {
			wv := w.Variants[j]
			price, _ := shopify.ParsePrice(wv.Price, "USD")
			if v.ID != wv.ID || v.SKU != wv.SKU || v.Title != wv.Title || v.InventoryItemID != wv.InventoryItemID ||
				v.Price != price || v.Available != wv.Available {
				t.Fatalf("variant %s = %+v, want %+v", v.ID, v, wv)
			}
		}
	}

	t.Run("an operation that runs a while is polled until done", func(t *testing.T) {
		r.sb.SlowNextBulkOperation(shop, 3)
		if got, err := r.client.AllProducts(ctx, shop, tok.AccessToken); err != nil || len(got) != len(want) {
			t.Fatalf("%d products, %v", len(got), err)
		}
	})
	t.Run("ThrottleNext is waited out", func(t *testing.T) {
		r.sb.ThrottleNext(shop, 2)
		if got, err := r.client.AllProducts(ctx, shop, tok.AccessToken); err != nil || len(got) != len(want) {
			t.Fatalf("%d products, %v", len(got), err)
		}
		r.sb.ThrottleNext(shop, 100)
		if _, err := r.client.AllProducts(ctx, shop, tok.AccessToken); !errors.Is(err, shopify.ErrThrottled) {
			t.Fatalf("throttled throughout: want ErrThrottled, got %v", err)
		}
		r.sb.ThrottleNext(shop, 0)
	})
	t.Run("an empty store completes with no file", func(t *testing.T) {
		const empty = "empty-shop.myshopify.com"
		r.sb.AddShop(empty, "Empty", "USD")
		tok := r.install(t, empty)
		if got, err := r.client.AllProducts(ctx, empty, tok.AccessToken); err != nil || len(got) != 0 {
			t.Fatalf("%v %v", got, err)
		}
	})
}

// TestShopifyBulkWire: what the stand-in refuses of bulk operations, as
// Shopify does.
func TestShopifyBulkWire(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	tok := r.install(t, copper)
	gql := func(t *testing.T, shop, token, op, query string, vars map[string]any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": query, "operationName": op, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", bytes.NewReader(b))
		req.Host = shop
		req.Header.Set("X-Shopify-Access-Token", token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	run := func(t *testing.T, shop, token, query string) map[string]any {
		t.Helper()
		out := gql(t, shop, token, "TroveBulkRun", `mutation TroveBulkRun($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message code } } }`,
			map[string]any{"query": query})
		return out["data"].(map[string]any)["bulkOperationRunQuery"].(map[string]any)
	}
	poll := func(t *testing.T, shop, token, id string) map[string]any {
		t.Helper()
		out := gql(t, shop, token, "TroveBulkOperation", `query TroveBulkOperation($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount url } }`,
			map[string]any{"id": id})
		op, _ := out["data"].(map[string]any)["bulkOperation"].(map[string]any)
		return op
	}
	products := `{ products { edges { node { id variants { edges { node { id } } } } } } }`

	for name, q := range map[string]string{
		"no connection":             `{ shop { name } }`,
		"six connections":           `{ products { edges { node { a { edges { node { b { edges { node { c { edges { node { d { edges { node { e { edges { node { f { edges { node { id } } } } } } } } } } } } } } } } } } }`,
		"a query of something else": `{ orders { edges { node { id } } } }`,
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			if errs := run(t, copper, tok.AccessToken, q)["userErrors"].([]any); len(errs) != 1 {
				t.Fatalf("userErrors = %v", errs)
			}
		})
	}
	t.Run("at most five at a time", func(t *testing.T) {
		for i := range 6 {
			r.sb.SlowNextBulkOperation(copper, 100)
			out := run(t, copper, tok.AccessToken, products)
			if errs := out["userErrors"].([]any); (i < 5) != (len(errs) == 0) {
				t.Fatalf("operation %d: %v", i+1, errs)
			}
		}
	})
	t.Run("the file is at a signed URL, for seven days", func(t *testing.T) {
		tok := r.install(t, fern)
		id := run(t, fern, tok.AccessToken, products)["bulkOperation"].(map[string]any)["id"].(string)
		var op map[string]any
		for op = poll(t, fern, tok.AccessToken, id); op["status"] != "COMPLETED"; op = poll(t, fern, tok.AccessToken, id) {
			if op["status"] != "RUNNING" {
				t.Fatalf("operation %v", op)
			}
		}
		u, err := url.Parse(op["url"].(string))
		if err != nil || u.Scheme != "https" || op["objectCount"] != "5" { // fern's 2 products and 3 variants
			t.Fatalf("completed: %v", op)
		}
		get := func(path string) (int, string) {
			res, err := http.Get(r.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		code, body := get(u.Path)
		if lines := strings.Split(strings.TrimSpace(body), "\n"); code != 200 || len(lines) != 5 || !strings.Contains(lines[4], `"__parentId":"gid://shopify/Product/`) {
			t.Fatalf("file: %d %s", code, body)
		}
		if code, _ := get(u.Path[:len(u.Path)-10] + "0000.jsonl"); code != http.StatusForbidden {
			t.Errorf("a wrong signature: %d", code)
		}
		if poll(t, fern, tok.AccessToken, "gid://shopify/BulkOperation/1") != nil {
			t.Error("an unknown operation must be null")
		}
		r.clock.Advance(8 * 24 * time.Hour)
		if code, _ := get(u.Path); code != http.StatusBadRequest {
			t.Errorf("after seven days: %d", code)
		}
	})
	t.Run("a token without read_products fails the operation", func(t *testing.T) {
		c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: shopify.DefaultAPIVersion,
			Scopes: []string{"read_orders"}, Endpoint: r.srv.URL, Clock: r.clock})
		if err != nil {
			t.Fatal(err)
		}
		other := &rig{sb: r.sb, client: c, clock: r.clock, srv: r.srv}
		tok := other.install(t, northwind)
		if _, err := c.AllProducts(context.Background(), northwind, tok.AccessToken); !errors.Is(err, shopify.ErrBulkFailed) ||
			!strings.Contains(err.Error(), "ACCESS_DENIED") {
			t.Fatalf("want a failed operation (ACCESS_DENIED), got %v", err)
		}
	})
}

func TestShopifyLookups(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	ctx := context.Background()
	tok := r.install(t, fern)

	p, found, err := r.client.Product(ctx, fern, tok.AccessToken, "gid://shopify/Product/3002")
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if p.Title != "Linen Desk Notebook" || p.Status != "ACTIVE" || p.Description != "A5, dot grid, lay-flat binding." || len(p.Variants) != 2 {
		t.Fatalf("product = %+v", p)
	}
	wantV := shopify.Variant{ID: "gid://shopify/ProductVariant/300202", SKU: "FF-NOTE-INK", Title: "Ink",
		InventoryItemID: "gid://shopify/InventoryItem/300202", Price: money.Money{Amount: 3200, Currency: "USD"}, Available: 0}
	if p.Variants[1] != wantV {
		t.Errorf("variant = %+v, want %+v", p.Variants[1], wantV)
	}
	if byNumber, found, err := r.client.Product(ctx, fern, tok.AccessToken, "3002"); err != nil || !found || byNumber.ID != p.ID {
		t.Errorf("by numeric id: %+v %v %v", byNumber, found, err)
	}
	if _, found, err := r.client.Product(ctx, fern, tok.AccessToken, "gid://shopify/Product/1001"); err != nil || found {
		t.Errorf("another shop's product: found=%v err=%v", found, err)
	}

	id, found, err := r.client.ProductIDForInventoryItem(ctx, fern, tok.AccessToken, "gid://shopify/InventoryItem/300201")
	if err != nil || !found || id != "gid://shopify/Product/3002" {
		t.Errorf("inventory item: %q %v %v", id, found, err)
	}
	if id, found, err := r.client.ProductIDForInventoryItem(ctx, fern, tok.AccessToken, "300101"); err != nil || !found || id != "gid://shopify/Product/3001" {
		t.Errorf("inventory item by number: %q %v %v", id, found, err)
	}
	if _, found, err := r.client.ProductIDForInventoryItem(ctx, fern, tok.AccessToken, "gid://shopify/InventoryItem/999"); err != nil || found {
		t.Errorf("unknown item: found=%v err=%v", found, err)
	}

	r.sb.DeleteProductQuietly(fern, "gid://shopify/Product/3002")
	if _, found, err := r.client.Product(ctx, fern, tok.AccessToken, "gid://shopify/Product/3002"); err != nil || found {
		t.Errorf("deleted product: found=%v err=%v", found, err)
	}
	if _, found, err := r.client.ProductIDForInventoryItem(ctx, fern, tok.AccessToken, "gid://shopify/InventoryItem/300201"); err != nil || found {
		t.Errorf("deleted product's item: found=%v err=%v", found, err)
	}
}

// receiver is Trove's webhook endpoint, as far as the sandbox can tell.
type receiver struct {
	mu       sync.Mutex
	got      []received
	failNext int
}

type received struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.failNext > 0 {
		rc.failNext--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rc.got = append(rc.got, received{r.Header.Clone(), body})
}

func (rc *receiver) take() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.got
	rc.got = nil
	return out
}

func TestShopifyWebhooks(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	ctx := context.Background()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	tok := r.install(t, northwind)

	topics := []string{shopify.TopicProductsCreate, shopify.TopicProductsUpdate, shopify.TopicProductsDelete,
		shopify.TopicInventoryLevelsUpdate, shopify.TopicAppUninstalled}
	for range 2 { // the second time, every topic is "already taken"
		if err := r.client.SubscribeWebhooks(ctx, northwind, tok.AccessToken, hook.URL+"/webhooks/shopify", topics); err != nil {
			t.Fatal(err)
		}
	}
	if subs := r.sb.Subscriptions(northwind); len(subs) != len(topics) || subs[0].APIVersion != shopify.DefaultAPIVersion {
		t.Fatalf("subscriptions = %+v", subs)
	}

	// deliver waits for the sandbox's deliveries and returns the one received.
	deliver := func(t *testing.T, topic string) (shopify.WebhookHeaders, []byte) {
		t.Helper()
		r.sb.WaitDeliveries()
		got := rc.take()
		if len(got) != 1 {
			t.Fatalf("%d deliveries, want 1", len(got))
		}
		h, err := shopify.ReadWebhookHeaders(got[0].header)
		if err != nil {
			t.Fatal(err)
		}
		if h.Topic != topic || h.Shop != northwind || h.APIVersion != shopify.DefaultAPIVersion || h.WebhookID == "" || h.TriggeredAt.IsZero() {
			t.Fatalf("headers = %+v", h)
		}
		if !r.client.VerifyWebhook(got[0].body, h.HMAC) {
			t.Fatal("the delivery's signature does not verify")
		}
		if r.client.VerifyWebhook(append(got[0].body, ' '), h.HMAC) {
			t.Fatal("a changed body verifies")
		}
		return h, got[0].body
	}

	t.Run("products/create and update", func(t *testing.T) {
		id := r.sb.UpsertProduct(northwind, sbshopify.Product{Title: "Fig Candle", Variants: []sbshopify.Variant{{SKU: "NWC-FIG", Title: "8 oz", Price: "30", Available: 5}}})
		h, body := deliver(t, shopify.TopicProductsCreate)
		obj, err := shopify.ParseWebhookObject(h.Topic, body)
		if err != nil || obj.ProductID != id || obj.UpdatedAt.IsZero() {
			t.Fatalf("payload object = %+v, %v", obj, err)
		}
		var payload struct {
			ID       int64  `json:"id"`
			Title    string `json:"title"`
			Status   string `json:"status"`
			Variants []struct {
				Price           string `json:"price"`
				InventoryItemID int64  `json:"inventory_item_id"`
			} `json:"variants"`
		}
		if err := json.Unmarshal(body, &payload); err != nil || payload.Title != "Fig Candle" || payload.Status != "active" ||
			len(payload.Variants) != 1 || payload.Variants[0].Price != "30.00" || payload.Variants[0].InventoryItemID == 0 {
			t.Fatalf("payload = %s (%v)", body, err)
		}
		r.clock.Advance(time.Second)
		p, _ := r.sb.Product(northwind, id)
		p.Title = "Fig & Amber Candle"
		r.sb.UpsertProduct(northwind, p)
		h2, _ := deliver(t, shopify.TopicProductsUpdate)
		if h2.EventID == h.EventID || !h2.TriggeredAt.After(h.TriggeredAt) {
			t.Errorf("second event %+v after %+v", h2, h)
		}
		r.sb.UpsertProductQuietly(northwind, p)
		r.sb.WaitDeliveries()
		if got := rc.take(); len(got) != 0 {
			t.Errorf("a quiet change sent %d webhooks", len(got))
		}
	})

	t.Run("inventory_levels/update", func(t *testing.T) {
		r.sb.SetInventory(northwind, "gid://shopify/ProductVariant/100101", 3)
		h, body := deliver(t, shopify.TopicInventoryLevelsUpdate)
		var raw map[string]any
		_ = json.Unmarshal(body, &raw)
		if _, isNumber := raw["inventory_item_id"].(float64); !isNumber {
			t.Errorf("inventory_item_id is not a number: %s", body)
		}
		obj, err := shopify.ParseWebhookObject(h.Topic, body)
		if err != nil || obj.InventoryItemID != "gid://shopify/InventoryItem/100101" || obj.Available == nil || *obj.Available != 3 {
			t.Fatalf("object = %+v, %v", obj, err)
		}
		id, found, err := r.client.ProductIDForInventoryItem(ctx, northwind, tok.AccessToken, obj.InventoryItemID)
		if err != nil || !found || id != "gid://shopify/Product/1001" {
			t.Fatalf("follow-up: %q %v %v", id, found, err)
		}
		p, _, _ := r.client.Product(ctx, northwind, tok.AccessToken, id)
		if p.Variants[0].Available != 3 {
			t.Errorf("available after the change = %d, want 3", p.Variants[0].Available)
		}
	})

	t.Run("redelivery keeps the event id", func(t *testing.T) {
		ds := r.sb.Deliveries(northwind)
		last := ds[len(ds)-1]
		for range 3 {
			status, err := r.sb.Redeliver(last)
			if err != nil || status != http.StatusOK {
				t.Fatalf("redeliver: %d %v", status, err)
			}
		}
		got := rc.take()
		if len(got) != 3 {
			t.Fatalf("%d redeliveries received, want 3", len(got))
		}
		for _, g := range got {
			if g.header.Get("X-Shopify-Event-Id") != last.EventID || g.header.Get("X-Shopify-Webhook-Id") != last.WebhookID ||
				string(g.body) != string(last.Payload) || !r.client.VerifyWebhook(g.body, g.header.Get("X-Shopify-Hmac-Sha256")) {
				t.Errorf("redelivery differs: %v", g.header)
			}
		}
		if n := len(r.sb.Deliveries(northwind)); n != len(ds)+3 {
			t.Errorf("%d deliveries recorded, want %d", n, len(ds)+3)
		}
	})

	t.Run("a failing endpoint gets retries", func(t *testing.T) {
		rc.mu.Lock()
		rc.failNext = 2
		rc.mu.Unlock()
		r.sb.DeleteProduct(northwind, "gid://shopify/Product/1002")
		_, body := deliver(t, shopify.TopicProductsDelete)
		if string(body) != `{"id":1002}` {
			t.Errorf("products/delete payload = %s", body)
		}
		ds := r.sb.Deliveries(northwind)
		if d := ds[len(ds)-1]; d.Topic != shopify.TopicProductsDelete || d.Attempts != 3 || d.StatusCode != http.StatusOK {
			t.Errorf("delivery = %+v", d)
		}
	})

	t.Run("app/uninstalled; tokens stop working", func(t *testing.T) {
		r.sb.Uninstall(northwind)
		_, body := deliver(t, shopify.TopicAppUninstalled)
		// As Shopify's: the signed body is the Shop object, naming the shop.
		if shop, carried, err := shopify.WebhookShop(shopify.TopicAppUninstalled, body); shop != northwind || !carried || err != nil {
			t.Errorf("app/uninstalled body names %q (%v): %s", shop, err, body)
		}
		if _, err := r.client.Shop(ctx, northwind, tok.AccessToken); !errors.Is(err, shopify.ErrUnauthorized) {
			t.Errorf("after uninstall: want ErrUnauthorized, got %v", err)
		}
		if _, err := r.client.Refresh(ctx, northwind, tok.RefreshToken); !errors.Is(err, shopify.ErrInvalidGrant) {
			t.Errorf("refresh after uninstall: want ErrInvalidGrant, got %v", err)
		}
		r.sb.UpsertProduct(northwind, sbshopify.Product{Title: "After", Variants: []sbshopify.Variant{{Price: "1"}}})
		r.sb.WaitDeliveries()
		if got := rc.take(); len(got) != 0 {
			t.Errorf("%d webhooks after uninstall", len(got))
		}
	})

	t.Run("compliance", func(t *testing.T) {
		status, err := r.sb.SendCompliance(northwind, shopify.TopicShopRedact, nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("%d %v", status, err)
		}
		h, body := deliver(t, shopify.TopicShopRedact)
		req, err := shopify.ParseComplianceRequest(body)
		if err != nil || req.ShopDomain != northwind || h.EventID == "" {
			t.Errorf("%+v %v", req, err)
		}
		if shop, _, err := shopify.WebhookShop(shopify.TopicShopRedact, body); shop != northwind || err != nil {
			t.Errorf("shop/redact body names %q (%v)", shop, err)
		}
		if _, err := r.sb.SendCompliance(northwind, "products/update", nil); err == nil {
			t.Error("a non-compliance topic: want an error")
		}
	})
}

func TestShopifyMaxCost(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	tok := r.install(t, copper)
	body := `{"query":"query TroveProductVariants { x }","operationName":"TroveProductVariants","variables":{"id":"gid://shopify/Product/2001","first":600}}`
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", strings.NewReader(body))
	req.Host = copper
	req.Header.Set("X-Shopify-Access-Token", tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(raw), "MAX_COST_EXCEEDED") {
		t.Errorf("%d %s", res.StatusCode, raw)
	}
}

func TestShopifySeedDemo(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	ctx := context.Background()
	want := map[string]map[string]int64{ // shop -> SKU -> cents
		northwind: {"NWC-CEDAR-8": 2800, "NWC-CEDAR-16": 4400, "NWC-TRIO": 3600},
		copper:    {"CKC-SAMPLER-WB": 3900, "CKC-SAMPLER-GR": 3900, "CKC-POUR-SET": 6500},
		fern:      {"FF-THANKS-12": 2400, "FF-NOTE-SAGE": 3200, "FF-NOTE-INK": 3200},
	}
	if got := sbshopify.DemoShops(); len(got) != 3 {
		t.Fatalf("demo shops = %v", got)
	}
	for shop, skus := range want {
		tok := r.install(t, shop)
		page, err := r.client.AllProducts(ctx, shop, tok.AccessToken)
		if err != nil || len(page) != 2 {
			t.Fatalf("%s: %d products, %v", shop, len(page), err)
		}
		for _, p := range page {
			for _, v := range p.Variants {
				if cents, ok := skus[v.SKU]; !ok || v.Price.Amount != cents || v.Price.Currency != "USD" {
					t.Errorf("%s %s = %v", shop, v.SKU, v.Price)
				}
			}
		}
	}
}

// TestShopifyWire pokes the stand-in's endpoints directly: what another client
// than the adapter would meet.
func TestShopifyWire(t *testing.T) {
	r := newRig(t, "", sbshopify.Config{})
	post := func(t *testing.T, path, host, contentType, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, r.srv.URL+path, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Content-Type", contentType)
		if token != "" {
			req.Header.Set("X-Shopify-Access-Token", token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}

	t.Run("token endpoint takes JSON", func(t *testing.T) {
		q := r.authorize(t, copper, "s")
		status, out := post(t, "/admin/oauth/access_token", copper, "application/json", "",
			fmt.Sprintf(`{"client_id":"sandbox-key","client_secret":"sandbox-secret","code":%q,"expiring":1}`, q.Get("code")))
		if status != 200 || out["expires_in"] != 3600.0 || out["refresh_token_expires_in"] != 7776000.0 || out["refresh_token"] == nil {
			t.Fatalf("%d %v", status, out)
		}
		status, out = post(t, "/admin/oauth/access_token", copper, "application/json", "",
			fmt.Sprintf(`{"client_id":"sandbox-key","client_secret":"sandbox-secret","grant_type":"refresh_token","refresh_token":%q}`, out["refresh_token"]))
		if status != 200 || out["access_token"] == nil {
			t.Fatalf("refresh: %d %v", status, out)
		}
	})
	t.Run("without expiring=1 the token does not expire", func(t *testing.T) {
		q := r.authorize(t, fern, "s")
		status, out := post(t, "/admin/oauth/access_token", fern, "application/x-www-form-urlencoded", "",
			url.Values{"client_id": {"sandbox-key"}, "client_secret": {"sandbox-secret"}, "code": {q.Get("code")}}.Encode())
		if status != 200 || out["access_token"] == nil || out["expires_in"] != nil || out["refresh_token"] != nil {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("GraphQL without a token is 401", func(t *testing.T) {
		status, out := post(t, "/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", copper, "application/json", "", `{"query":"query TroveShop { shop { name } }"}`)
		if status != 401 || out["errors"] == nil {
			t.Fatalf("%d %v", status, out)
		}
	})
	t.Run("the operation name may come from the document", func(t *testing.T) {
		tok := r.install(t, copper)
		status, out := post(t, "/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", copper, "application/json", tok.AccessToken, `{"query":"query TroveShop { shop { name } }"}`)
		data, _ := out["data"].(map[string]any)
		if status != 200 || data["shop"] == nil || out["extensions"] == nil {
			t.Fatalf("%d %v", status, out)
		}
		status, out = post(t, "/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json", copper, "application/json", tok.AccessToken, `{"query":"query Other { shop { id } }"}`)
		if status != 200 || out["errors"] == nil {
			t.Fatalf("unknown operation: %d %v", status, out)
		}
	})
}
