package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/api/apitest"
	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

const testPassword = "test password 123"

// people is a small world of two vendors, their teams, a buyer and an operator.
type people struct {
	db                           *sqlx.DB
	vendorA, vendorB             vendors.Vendor
	ownerA, staffA               auth.User
	ownerB, staffB, buyer, admin auth.User
}

func seedPeople(t testing.TB, dsn string) *people {
	t.Helper()
	conn, err := db.Open(context.Background(), dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := context.Background()
	clk := clock.System{}
	vs, us := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}), auth.NewUsers(auth.UsersDeps{DB: conn, Clock: clk})
	p := &people{db: conn}
	mustV := func(v vendors.Vendor, _ bool, err error) vendors.Vendor {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	mustU := func(u auth.User, _ bool, err error) auth.User {
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	p.vendorA = mustV(vs.Ensure(ctx, vendors.Vendor{Slug: "vendor-a", Name: "Vendor A", ContactEmail: "a@a.example", CommissionBPS: 1500, Status: vendors.StatusActive}))
	p.vendorB = mustV(vs.Ensure(ctx, vendors.Vendor{Slug: "vendor-b", Name: "Vendor B", ContactEmail: "b@b.example", CommissionBPS: 1500, Status: vendors.StatusActive}))
	p.ownerA = mustU(us.Ensure(ctx, auth.NewUser{Email: "owner@a.example", Password: testPassword, Role: auth.RoleVendorOwner, VendorID: p.vendorA.ID}))
	p.staffA = mustU(us.Ensure(ctx, auth.NewUser{Email: "staff@a.example", Password: testPassword, Role: auth.RoleVendorStaff, VendorID: p.vendorA.ID}))
	p.ownerB = mustU(us.Ensure(ctx, auth.NewUser{Email: "owner@b.example", Password: testPassword, Role: auth.RoleVendorOwner, VendorID: p.vendorB.ID}))
	p.staffB = mustU(us.Ensure(ctx, auth.NewUser{Email: "staff@b.example", Password: testPassword, Role: auth.RoleVendorStaff, VendorID: p.vendorB.ID}))
	p.buyer = mustU(us.Ensure(ctx, auth.NewUser{Email: "buyer@corp.example", Password: testPassword, Role: auth.RoleBuyer}))
	p.admin = mustU(us.Ensure(ctx, auth.NewUser{Email: "ops@trove.example", Password: testPassword, Role: auth.RolePlatformAdmin}))
	return p
}

// connectStores marks vendors' Shopify stores connected, so their listed
// products are for sale (the connection itself is tested with the sandbox).
func (p *people) connectStores(t testing.TB, vendorIDs ...string) {
	t.Helper()
	for _, id := range vendorIDs {
		vendorstest.Connect(t, p.db, clock.System{}, id, strings.ToLower(id)+".myshopify.com", "connected")
	}
}

// listProduct lists a product of vendorID with one variant (for sale once
// the vendor's store is connected) and returns the product's and the
// variant's ids. key makes its Shopify ids.
func (p *people) listProduct(t testing.TB, vendorID, key, title string, cents int64, stock int) (productID, variantID string) {
	t.Helper()
	productID, err := catalog.NewStore(catalog.Deps{DB: p.db, Clock: clock.System{}}).Upsert(context.Background(), catalog.Product{VendorID: vendorID,
		ShopifyProductID: "gid://shopify/Product/" + key, Title: title, Listed: true,
		Variants: []catalog.Variant{{ShopifyVariantID: "gid://shopify/ProductVariant/" + key, SKU: strings.ToUpper(key), Title: "Default Title",
			Price: money.Money{Amount: cents, Currency: "USD"}, StockOnHand: stock}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.db.Get(&variantID, `SELECT id FROM variants WHERE product_id = ?`, productID); err != nil {
		t.Fatal(err)
	}
	return productID, variantID
}

// bundle makes a bundle (slug xx, USD 1.00) of one variant, through the
// catalog, and returns its id.
func (p *people) bundle(t testing.TB, variantID string) string {
	t.Helper()
	b, err := catalog.NewStore(catalog.Deps{DB: p.db, Clock: clock.System{}}).CreateBundle(context.Background(), catalog.BundleInput{Slug: "xx", Name: "X",
		Price: money.Money{Amount: 100, Currency: "USD"}, Items: []catalog.BundleItemInput{{VariantID: variantID, Quantity: 1}}},
		audit.Entry{ActorType: audit.ActorUser, ActorID: p.admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// listVariant is listProduct for a test that needs only the variant.
func (p *people) listVariant(t testing.TB, vendorID, key, title string, cents int64, stock int) string {
	t.Helper()
	_, variantID := p.listProduct(t, vendorID, key, title, cents, stock)
	return variantID
}

// awaitStartupSweep waits until the Shopify sweep the scheduler runs at
// start, and the store reconciliations it fans out to, are over: they change
// the test's stores (connectStores makes stores Shopify cannot be asked
// about, which the sweep marks broken) on their own clock, which a test
// proving that its requests changed nothing must not see.
func awaitStartupSweep(t testing.TB, p *people) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var swept, open int
		if err := p.db.Get(&swept, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND status IN ('done', 'dead')`, shopifysync.SweepJob{}.Kind()); err != nil {
			t.Fatal(err)
		}
		if err := p.db.Get(&open, `SELECT COUNT(*) FROM jobs WHERE kind IN (?, ?) AND status NOT IN ('done', 'dead', 'discarded')`,
			shopifysync.SweepJob{}.Kind(), shopifysync.ReconcileJob{}.Kind()); err != nil {
			t.Fatal(err)
		}
		if swept > 0 && open == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the Shopify sweep the scheduler runs at start did not finish")
}

// signIn signs in as an API client and returns the bearer access token.
func signIn(t testing.TB, s *server, email string) string {
	t.Helper()
	res, body := call(t, s, "", "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": testPassword, "mode": "bearer"})
	if res.StatusCode != 200 {
		t.Fatalf("sign in as %s: %d %s", email, res.StatusCode, body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(body, &out)
	return out.AccessToken
}

// call sends a JSON request (body marshalled, or sent as it is when a string),
// with a bearer token when one is given. An answer of the API is held to the
// contract (api/openapi.yaml), which the web apps' types are generated from.
func call(t testing.TB, s *server, bearer, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		if b != "" {
			raw = []byte(b)
			rd = bytes.NewReader(raw)
		}
	default:
		raw, _ = json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	checkContract(t, method, path, raw, res, b)
	return res, b
}

// checkContract holds an answer of the REST API (a path under /api/) to
// api/openapi.yaml: its route and status are described there and its body
// matches the schema. Other paths (webhooks, the apps, the sandboxes) are
// not part of it.
func checkContract(t testing.TB, method, path string, reqBody []byte, res *http.Response, body []byte) {
	t.Helper()
	if strings.HasPrefix(path, "/api/") {
		apitest.Check(t, method, path, reqBody, res, body)
	}
}
