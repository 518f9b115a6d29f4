package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/api/apitest"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
)

// send sends body exactly as given (no body at all for ""), as JSON, with a
// bearer token and a cart token when given.
func send(t *testing.T, s *server, bearer, cartToken, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if cartToken != "" {
		req.Header.Set("X-Cart-Token", cartToken)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// TestRequiredBodiesAreObjects: on every route whose body is required, null,
// an array, a bare value or an empty body is a 400 problem that says a JSON
// object was expected, and changes nothing (they were once read as {}:
// checkout with null made an order). Routes whose body is optional may leave
// it out, but null and arrays are refused there too.
func TestRequiredBodiesAreObjects(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID)
	productA, variantA := p.listProduct(t, p.vendorA.ID, "11", "Mug", 1250, 5)
	bundle := p.bundle(t, variantA)
	env := baseEnv(dsn)
	env["TROVE_STRIPE_API_BASE"] = "http://127.0.0.1:1" // nothing may reach Stripe: every request here is refused first
	s := startServer(t, env)
	admin, owner := signIn(t, s, p.admin.Email), signIn(t, s, p.ownerA.Email)

	// A guest cart ready to check out: a refused checkout must be refused for
	// its body alone.
	g := &guest{t: t, s: s}
	code, body := g.do("POST", "/api/v1/store/carts", map[string]any{})
	var created struct {
		Cart struct {
			ID string `json:"id"`
		} `json:"cart"`
		Token string `json:"cart_token"`
	}
	if json.Unmarshal(body, &created); code != 201 {
		t.Fatalf("cart: %d %s", code, body)
	}
	g.cartID, g.token = created.Cart.ID, created.Token
	code, body = g.do("POST", "/api/v1/store/carts/"+g.cartID+"/lines", map[string]any{"variant_id": variantA, "quantity": 1})
	var cart struct {
		Lines []struct {
			ID string `json:"id"`
		} `json:"lines"`
	}
	if json.Unmarshal(body, &cart); code != 200 || len(cart.Lines) != 1 {
		t.Fatalf("line: %d %s", code, body)
	}
	if code, body := g.do("PATCH", "/api/v1/store/carts/"+g.cartID, map[string]any{"email": "g@corp.example",
		"recipient": map[string]any{"name": "R", "address_lines": []string{"1 Main St"}, "city": "C", "postal_code": "1", "country": "US"}}); code != 200 {
		t.Fatalf("details: %d %s", code, body)
	}
	cartPath := "/api/v1/store/carts/" + g.cartID

	routes := []struct {
		method, path, bearer, cartToken string
		optional                        bool // the body may be left out
	}{
		{"POST", "/api/v1/auth/password-reset", "", "", false},
		{"POST", "/api/v1/auth/password-reset/confirm", "", "", false},
		{"PATCH", "/api/v1/vendor/profile", owner, "", false},
		{"PATCH", "/api/v1/vendor/catalog/products/" + productA, owner, "", false},
		{"POST", "/api/v1/vendor/manifests/batch", owner, "", false},
		{"PATCH", "/api/v1/admin/vendors/" + p.vendorA.ID, admin, "", false},
		{"PATCH", "/api/v1/admin/catalog/bundles/" + bundle, admin, "", false},
		{"POST", "/api/v1/admin/vendors/" + p.vendorA.ID + "/ledger/adjustments", admin, "", false},
		{"POST", "/api/v1/admin/orders/ord_x/refunds", admin, "", false},
		{"PATCH", cartPath, "", g.token, false},
		{"POST", cartPath + "/lines", "", g.token, false},
		{"PATCH", cartPath + "/lines/" + cart.Lines[0].ID, "", g.token, false},
		{"POST", cartPath + "/checkout", "", g.token, true},
		{"POST", "/api/v1/admin/catalog/products/" + productA + "/hide", admin, "", true},
	}
	bodies := []struct{ name, body, says string }{
		{"null", `null`, "a JSON object ({…}), not null"},
		{"an array", `[]`, "not an array"},
		{"an array of an object", `[{"quantity":2}]`, "not an array"},
		{"a string", `""`, "not a string"},
		{"a number", `0`, "not a number"},
		{"a boolean", `true`, "not true or false"},
		{"empty", ``, "empty"},
		{"white space", "  \n", "empty"},
	}
	// Every table, and the jobs no request here could cause: the scheduler's
	// own and the store reconciliations its sweep fans out to.
	quiet := []string{"shopify.reconcile"}
	for _, sc := range schedules(Config{Payouts: PayoutConfig{Schedule: "@daily"}}) {
		quiet = append(quiet, sc.Job(time.Now()).Kind())
	}
	countJobs, args, err := sqlx.In(`SELECT COUNT(*) FROM jobs WHERE kind NOT IN (?)`, quiet)
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		tables := regexp.MustCompile(`jobs=\d+;`).ReplaceAllString(snapshot(t, p), "")
		var jobs int
		if err := p.db.Get(&jobs, countJobs, args...); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%sjobs=%d", tables, jobs)
	}
	awaitStartupSweep(t, p)
	before := state()
	for _, r := range routes {
		for _, b := range bodies {
			if r.optional && strings.TrimSpace(b.body) == "" {
				continue // leaving the body out is what optional means
			}
			t.Run(r.method+" "+r.path+" with "+b.name, func(t *testing.T) {
				res, out := send(t, s, r.bearer, r.cartToken, r.method, r.path, b.body)
				var prob httpx.Problem
				json.Unmarshal(out, &prob)
				if res.StatusCode != 400 || res.Header.Get("Content-Type") != httpx.ProblemContentType || !strings.Contains(prob.Detail, b.says) {
					t.Fatalf("%d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), out)
				}
				apitest.Check(t, r.method, r.path, []byte(b.body), res, out)
			})
		}
	}
	if after := state(); after != before {
		t.Fatalf("refused bodies changed the database:\nbefore %s\nafter  %s", before, after)
	}
	var orders int
	p.db.Get(&orders, `SELECT COUNT(*) FROM orders`)
	if orders != 0 {
		t.Fatalf("%d orders made from refused checkouts", orders)
	}
}

// TestShopifyPriceBeyondTheBound: a Shopify price past money.MaxAmount (Shopify
// itself allows far larger ones) is not imported as a sellable price: that
// variant is left out with a warning in the log, the rest of the product
// and of the store import as usual, and a variant whose price is raised past
// the bound later stops being sold.
func TestShopifyPriceBeyondTheBound(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	const shop = "vendor-a.myshopify.com"
	sb := sbshopify.New(sbshopify.Config{APIKey: "test-shopify-key", APISecret: "test-shopify-secret",
		HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sb.AddShop(shop, "Vendor A", "USD")
	mugID := sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Mug", Status: "ACTIVE", Variants: []sbshopify.Variant{
		{SKU: "MUG-BLUE", Title: "Blue", Price: "12.50", Available: 5},
		{SKU: "MUG-GOLD", Title: "Gold", Price: "1000000.00", Available: 5},
		{SKU: "MUG-MAX", Title: "Max", Price: "999999.99", Available: 5},
	}})
	sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Yacht", Status: "ACTIVE", Variants: []sbshopify.Variant{
		{SKU: "YACHT", Title: "Default Title", Price: "21474836.48", Available: 1},
	}})
	sbSrv := httptest.NewServer(sb.Handler())
	defer sbSrv.Close()
	addr := freeAddr(t)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SHOPIFY_ENDPOINT"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "50ms"
	s := startServer(t, env)
	connectShop(t, s, p.ownerA.Email, shop)

	skus := func() map[string]int64 {
		var rows []struct {
			SKU    string `db:"sku"`
			Amount int64  `db:"price_amount"`
		}
		if err := p.db.Select(&rows, `SELECT sku, price_amount FROM variants WHERE vendor_id = ? AND deleted_at IS NULL`, p.vendorA.ID); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, r := range rows {
			out[r.SKU] = r.Amount
		}
		return out
	}
	waitUntil(t, "the first import", func() bool {
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM products WHERE vendor_id = ? AND synced_at IS NOT NULL`, p.vendorA.ID)
		return n == 2
	})
	if got := skus(); len(got) != 2 || got["MUG-BLUE"] != 1250 || got["MUG-MAX"] != money.MaxAmount {
		t.Fatalf("live variants after the import: %v (want MUG-BLUE and MUG-MAX only)", got)
	}
	var over int
	p.db.Get(&over, `SELECT COUNT(*) FROM variants WHERE price_amount > ?`, money.MaxAmount)
	if over != 0 {
		t.Fatalf("%d variants stored past the bound", over)
	}
	if !strings.Contains(s.stdout.String(), "shopify variant refused: its price cannot be sold") ||
		!strings.Contains(s.stdout.String(), "MUG-GOLD") || !strings.Contains(s.stdout.String(), "YACHT") {
		t.Fatalf("the refusals are not in the log:\n%s", s.stdout.String())
	}

	t.Run("a price raised past the bound stops the variant being sold", func(t *testing.T) {
		waitUntil(t, "the webhook subscriptions", func() bool { return len(sb.Subscriptions(shop)) >= 5 })
		mug, _ := sb.Product(shop, mugID)
		vs := append([]sbshopify.Variant(nil), mug.Variants...)
		for i := range vs {
			if vs[i].SKU == "MUG-BLUE" {
				vs[i].Price = "92233720368547758.07"
			}
		}
		sb.UpsertProduct(shop, sbshopify.Product{ID: mugID, Title: "Mug", Status: "ACTIVE", Variants: vs})
		waitUntil(t, "the blue mug to leave the catalog", func() bool { _, ok := skus()["MUG-BLUE"]; return !ok })
		if got := skus(); fmt.Sprint(got) != fmt.Sprint(map[string]int64{"MUG-MAX": money.MaxAmount}) {
			t.Fatalf("live variants: %v", got)
		}
	})
}
