package catalog_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// people are the principals of the API tests, by name.
func (w *world) people() map[string]*auth.Principal {
	suspended := w.vendor("frozen", "suspended", "connected")
	return map[string]*auth.Principal{
		"ownerA":  {UserID: "usr_owner_a", Role: auth.RoleVendorOwner, VendorID: w.acme},
		"staffA":  {UserID: "usr_staff_a", Role: auth.RoleVendorStaff, VendorID: w.acme},
		"ownerB":  {UserID: "usr_owner_b", Role: auth.RoleVendorOwner, VendorID: w.bolt},
		"frozen":  {UserID: "usr_frozen", Role: auth.RoleVendorOwner, VendorID: suspended, VendorSuspended: true},
		"buyer":   {UserID: "usr_buyer", Role: auth.RoleBuyer},
		"admin":   {UserID: "usr_admin", Role: auth.RolePlatformAdmin},
		"unknown": nil,
	}
}

// rowOf is a product's whole row, to prove a refused request changed nothing.
func (w *world) rowOf(productID string) string {
	w.t.Helper()
	var s string
	if err := w.db.Get(&s, `SELECT CONCAT_WS('|', title, status, tags, category, gift_tags, gift_ready, listed, hidden_by_operator,
		COALESCE(price_min_amount, '-'), CAST(updated_at AS CHAR)) FROM products WHERE id = ?`, productID); err != nil {
		w.t.Fatal(err)
	}
	return s
}

type auditRow struct {
	ActorID  string  `db:"actor_id"`
	VendorID *string `db:"vendor_id"`
	Action   string  `db:"action"`
	ObjectID string  `db:"object_id"`
	Before   *string `db:"before_json"`
	After    *string `db:"after_json"`
	Reason   string  `db:"reason"`
	Request  string  `db:"request_id"`
}

// audits returns the audit entries of an object, but the test setup's (usr_test).
func (w *world) audits(objectID string) []auditRow {
	w.t.Helper()
	var rows []auditRow
	if err := w.db.Select(&rows, `SELECT actor_id, vendor_id, action, object_id, before_json, after_json, reason, request_id
		FROM audit_log WHERE object_id = ? AND actor_id <> 'usr_test' ORDER BY id`, objectID); err != nil {
		w.t.Fatal(err)
	}
	return rows
}

func TestVendorCatalogAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.api = newTestAPI(t, w.store, w.people())
	candle, sampler := w.visible["Cedar Candle"], w.visible["Single-Origin Sampler"] // acme's, bolt's

	t.Run("a vendor lists every synced product of its own, whatever it asks", func(t *testing.T) {
		var all catalog.ProductPage
		w.api.want(200, "ownerA", "GET", "/api/v1/vendor/catalog/products?limit=200&vendor_id="+w.bolt, nil, &all)
		var n int
		w.db.Get(&n, `SELECT COUNT(*) FROM products WHERE vendor_id = ? AND synced_at IS NOT NULL`, w.acme)
		if len(all.Products) != n || n < 10 {
			t.Fatalf("%d products, want %d", len(all.Products), n)
		}
		for _, p := range all.Products {
			if p.VendorID != w.acme {
				t.Fatalf("vendor A sees %s of %s", p.Title, p.VendorID)
			}
		}
		// Paging joins up.
		var paged []string
		cursor := ""
		for {
			var page catalog.ProductPage
			w.api.want(200, "staffA", "GET", "/api/v1/vendor/catalog/products?limit=3&cursor="+cursor, nil, &page)
			for _, p := range page.Products {
				if slices.Contains(paged, p.ID) {
					t.Fatalf("%s twice", p.Title)
				}
				paged = append(paged, p.ID)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if len(paged) != n {
			t.Fatalf("%d products in pages, want %d", len(paged), n)
		}
	})
	t.Run("sync status and why a product is not on the storefront", func(t *testing.T) {
		tests := []struct {
			why     string
			status  string
			reasons []string
		}{
			{"unlisted", "active", []string{"not_listed"}},
			{"hidden", "active", []string{"hidden_by_operator"}},
			{"draft", "draft", []string{"not_active_in_shopify"}},
			{"archived", "archived", []string{"not_active_in_shopify"}},
			{"deleted", "deleted", []string{"deleted_in_shopify", "no_variants"}},
			{"no live variants", "active", []string{"no_variants"}},
		}
		for _, tc := range tests {
			var p catalog.ProductView
			w.api.want(200, "ownerA", "GET", "/api/v1/vendor/catalog/products/"+w.invisible[tc.why], nil, &p)
			if p.Visible || p.Status != tc.status || joined(p.NotVisibleBecause) != joined(tc.reasons) || p.SyncedAt == nil {
				t.Errorf("%s: status %s, visible %v because %v", tc.why, p.Status, p.Visible, p.NotVisibleBecause)
			}
		}
		var p catalog.ProductView
		w.api.want(200, "ownerA", "GET", "/api/v1/vendor/catalog/products/"+candle, nil, &p)
		if !p.Visible || len(p.NotVisibleBecause) != 0 || len(p.Variants) != 2 || p.Variants[0].StockOnHand != 5 || p.Variants[0].StockUpdatedAt == nil {
			t.Fatalf("got %+v", p)
		}
		w.exec(`UPDATE shopify_connections SET status = 'broken' WHERE vendor_id = ?`, w.acme)
		w.api.want(200, "ownerA", "GET", "/api/v1/vendor/catalog/products/"+candle, nil, &p)
		w.exec(`UPDATE shopify_connections SET status = 'connected' WHERE vendor_id = ?`, w.acme)
		if p.Visible || joined(p.NotVisibleBecause) != "store_not_connected" {
			t.Fatalf("with a broken store: %v", p.NotVisibleBecause)
		}
	})
	t.Run("filters", func(t *testing.T) {
		for q, want := range map[string]string{
			"listed=false": "Secret unlisted", "hidden=true": "Secret hidden", "status=deleted": "Secret deleted",
			"status=draft": "Secret draft", "q=cedar": "Cedar Candle",
		} {
			var page catalog.ProductPage
			w.api.want(200, "ownerA", "GET", "/api/v1/vendor/catalog/products?"+q, nil, &page)
			if len(page.Products) != 1 || page.Products[0].Title != want {
				t.Errorf("%s: %d products", q, len(page.Products))
			}
		}
		for _, q := range []string{"status=gone", "listed=maybe", "limit=500", "cursor=x"} {
			w.api.want(400, "ownerA", "GET", "/api/v1/vendor/catalog/products?"+q, nil, nil)
		}
	})
	t.Run("another vendor's product is not found, and stays as it is", func(t *testing.T) {
		before := w.rowOf(sampler)
		w.api.want(404, "ownerA", "GET", "/api/v1/vendor/catalog/products/"+sampler, nil, nil)
		w.api.want(404, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+sampler, map[string]any{"listed": false}, nil)
		w.api.want(404, "staffA", "PATCH", "/api/v1/vendor/catalog/products/"+sampler, map[string]any{"category": "pets"}, nil)
		if w.rowOf(sampler) != before {
			t.Fatal("vendor A changed vendor B's product")
		}
		w.api.want(404, "ownerA", "GET", "/api/v1/vendor/catalog/products/prd_nope", nil, nil)
	})
	t.Run("owners and staff curate; it is audited", func(t *testing.T) {
		var p catalog.ProductView
		w.api.want(200, "staffA", "PATCH", "/api/v1/vendor/catalog/products/"+candle,
			map[string]any{"category": "wellness", "gift_tags": []string{"  Self Care ", "self care", "Spa"}, "gift_ready": true}, &p)
		if p.Category != "wellness" || joined(p.GiftTags) != "self care,spa" || !p.GiftReady || !p.Listed {
			t.Fatalf("got %+v", p)
		}
		w.api.want(200, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"listed": false}, &p)
		if p.Listed || p.Visible {
			t.Fatalf("got %+v", p)
		}
		w.api.want(404, "", "GET", "/api/v1/store/products/"+candle, nil, nil)
		w.api.want(200, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"listed": true, "category": nil}, &p)
		if !p.Listed || p.Category != "wellness" {
			t.Fatalf("null should leave the category: %+v", p)
		}
		a := w.audits(candle)
		if len(a) != 3 || a[0].Action != "product.curated" || a[0].ActorID != "usr_staff_a" || *a[0].VendorID != w.acme ||
			!strings.Contains(*a[0].Before, `"category":"home"`) || !strings.Contains(*a[0].After, `"gift_tags":["self care","spa"]`) ||
			a[1].ActorID != "usr_owner_a" || *a[1].After != `{"listed":false}` || a[0].Request == "" {
			t.Fatalf("audit %+v", a)
		}
		before := w.rowOf(candle)
		w.api.want(200, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"listed": true}, nil)
		if len(w.audits(candle)) != 3 || w.rowOf(candle) != before {
			t.Fatal("a change to the same values was written or audited")
		}
	})
	t.Run("fields that are not the vendor's to set are refused whole", func(t *testing.T) {
		hidden := w.invisible["hidden"]
		for _, body := range []map[string]any{
			{"hidden_by_operator": false},
			{"listed": true, "hidden_by_operator": false},
			{"listed": true, "vendor_id": w.bolt},
			{"title": "Renamed"},
			{"status": "active"},
			{"price_min": map[string]any{"amount": 1, "currency": "USD"}},
			{"variants": []any{}},
			{"shopify_product_id": "gid://shopify/Product/1"},
			{"visible": true},
		} {
			before := w.rowOf(hidden)
			code, b := w.api.do("ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+hidden, body)
			if code != 400 || !strings.Contains(string(b), "unknown field") {
				t.Errorf("%v: %d %s", body, code, b)
			}
			if w.rowOf(hidden) != before {
				t.Errorf("%v changed the product", body)
			}
		}
		if n := len(w.audits(hidden)); n != 1 { // the operator's hiding in the world's setup
			t.Fatalf("%d audit entries", n)
		}
	})
	t.Run("bad curation is refused with every bad field", func(t *testing.T) {
		tags := make([]string, 21)
		for i := range tags {
			tags[i] = fmt.Sprint("t", i)
		}
		_, b := w.api.do("ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"category": "toys", "gift_tags": tags})
		if f := problemFields(t, b); joined(f) != "category,gift_tags" {
			t.Fatalf("fields %v: %s", f, b)
		}
		_, b = w.api.do("ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"gift_tags": []string{"", strings.Repeat("x", 41)}})
		if f := problemFields(t, b); joined(f) != "gift_tags,gift_tags" {
			t.Fatalf("fields %v: %s", f, b)
		}
		w.api.want(400, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, `{"listed": "yes"}`, nil)
		w.api.want(400, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, ``, nil)
	})
	t.Run("a product deleted in Shopify cannot be listed", func(t *testing.T) {
		id := w.invisible["deleted"]
		w.curate(w.acme, id, catalog.Curation{Listed: ptr(false)})
		w.api.want(409, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+id, map[string]any{"listed": true}, nil)
		w.api.want(200, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+id, map[string]any{"gift_ready": true}, nil)
	})
	t.Run("who may call", func(t *testing.T) {
		w.api.want(401, "", "GET", "/api/v1/vendor/catalog/products", nil, nil)
		w.api.want(403, "buyer", "GET", "/api/v1/vendor/catalog/products", nil, nil)
		w.api.want(403, "admin", "GET", "/api/v1/vendor/catalog/products", nil, nil)
		w.api.want(403, "buyer", "POST", "/api/v1/vendor/catalog/resync", nil, nil)
		// A suspended vendor's users may look but not change anything.
		w.api.want(200, "frozen", "GET", "/api/v1/vendor/catalog/products", nil, nil)
		w.api.want(403, "frozen", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"listed": false}, nil)
		w.api.want(403, "frozen", "POST", "/api/v1/vendor/catalog/resync", nil, nil)
	})
	t.Run("re-sync asks for the session's vendor", func(t *testing.T) {
		w.api.want(202, "ownerA", "POST", "/api/v1/vendor/catalog/resync", nil, nil)
		w.api.want(202, "staffA", "POST", "/api/v1/vendor/catalog/resync?vendor_id="+w.bolt, nil, nil)
		if joined(w.api.resyncs) != w.acme+","+w.acme {
			t.Fatalf("resyncs %v", w.api.resyncs)
		}
		w.api.resyncErr = fault.Conflict("connect your Shopify store first")
		_, b := w.api.do("ownerB", "POST", "/api/v1/vendor/catalog/resync", nil)
		if !strings.Contains(string(b), "connect your Shopify store first") {
			t.Fatalf("got %s", b)
		}
	})
}

func TestOperatorCatalogAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.api = newTestAPI(t, w.store, w.people())
	candle := w.visible["Cedar Candle"]

	t.Run("hiding is audited and takes the product off the storefront", func(t *testing.T) {
		var p catalog.ProductView
		w.api.want(200, "admin", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", map[string]any{"reason": "counterfeit report"}, &p)
		if !p.HiddenByOperator || p.Visible || !p.Listed {
			t.Fatalf("got %+v", p)
		}
		w.api.want(404, "", "GET", "/api/v1/store/products/"+candle, nil, nil)
		a := w.audits(candle)
		if len(a) != 1 || a[0].Action != "product.hidden" || a[0].ActorID != "usr_admin" || *a[0].VendorID != w.acme ||
			*a[0].Before != `{"hidden_by_operator":false}` || *a[0].After != `{"hidden_by_operator":true}` ||
			a[0].Reason != "counterfeit report" || a[0].Request == "" {
			t.Fatalf("audit %+v", a)
		}
		w.api.want(200, "admin", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", nil, nil)
		if len(w.audits(candle)) != 1 {
			t.Fatal("hiding a hidden product was audited again")
		}
		// The vendor cannot undo it.
		var v catalog.ProductView
		w.api.want(200, "ownerA", "PATCH", "/api/v1/vendor/catalog/products/"+candle, map[string]any{"listed": true}, &v)
		if v.Visible || !v.HiddenByOperator {
			t.Fatal("the vendor's listing overrode the operator")
		}
	})
	t.Run("unhiding", func(t *testing.T) {
		w.api.want(200, "admin", "POST", "/api/v1/admin/catalog/products/"+candle+"/unhide", nil, nil)
		w.api.want(200, "", "GET", "/api/v1/store/products/"+candle, nil, nil)
		if a := w.audits(candle); len(a) != 2 || a[1].Action != "product.unhidden" || a[1].Reason != "" {
			t.Fatalf("audit %+v", a)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		before := w.rowOf(candle)
		w.api.want(404, "admin", "POST", "/api/v1/admin/catalog/products/prd_nope/hide", nil, nil)
		w.api.want(400, "admin", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", map[string]any{"why": "x"}, nil)
		w.api.want(400, "admin", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", map[string]any{"reason": strings.Repeat("x", 1001)}, nil)
		w.api.want(403, "ownerA", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", nil, nil)
		w.api.want(401, "", "POST", "/api/v1/admin/catalog/products/"+candle+"/hide", nil, nil)
		w.api.want(403, "ownerA", "GET", "/api/v1/admin/catalog/products", nil, nil)
		w.api.want(403, "ownerA", "POST", "/api/v1/admin/catalog/bundles", map[string]any{}, nil)
		if w.rowOf(candle) != before {
			t.Fatal("a refused request changed the product")
		}
	})
	t.Run("operators see every vendor's products", func(t *testing.T) {
		var page catalog.ProductPage
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/products?limit=200", nil, &page)
		vendors := map[string]bool{}
		for _, p := range page.Products {
			vendors[p.VendorID] = true
		}
		if len(vendors) != 7 {
			t.Fatalf("%d vendors", len(vendors))
		}
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/products?vendor_id="+w.bolt+"&hidden=false&limit=200", nil, &page)
		for _, p := range page.Products {
			if p.VendorID != w.bolt {
				t.Fatal("vendor filter")
			}
		}
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/products/"+w.visible["Mug"], nil, nil)
	})
}

func TestOperatorBundlesAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.api = newTestAPI(t, w.store, w.people())
	candle, sampler, mug := w.variant["Cedar Candle"], w.variant["Single-Origin Sampler"], w.variant["Mug"]
	var deletedVariant string
	w.db.Get(&deletedVariant, `SELECT id FROM variants WHERE product_id = ?`, w.invisible["deleted"])

	t.Run("every bad field is named at once", func(t *testing.T) {
		code, b := w.api.do("admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{
			"slug": "Bad Slug", "name": " ", "price": map[string]any{"amount": 0, "currency": "usd"},
			"image_url": "javascript:alert(1)",
			"items": []map[string]any{
				{"variant_id": deletedVariant, "quantity": 1},
				{"variant_id": candle, "quantity": 0},
				{"variant_id": candle, "quantity": 1},
				{"variant_id": "var_nope", "quantity": 1},
				{"quantity": 2000},
			},
		})
		want := "image_url,items[0].variant_id,items[1].quantity,items[2].variant_id,items[3].variant_id,items[4].quantity,items[4].variant_id,name,price.amount,price.currency,slug"
		if f := problemFields(t, b); code != 400 || joined(f) != want {
			t.Fatalf("%d %v\n%s", code, f, b)
		}
		_, b = w.api.do("admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{
			"slug": "euro", "name": "Euro", "price": map[string]any{"amount": 100, "currency": "EUR"},
			"items": []map[string]any{{"variant_id": candle, "quantity": 1}}})
		if f := problemFields(t, b); joined(f) != "items[0].variant_id" || !strings.Contains(string(b), "priced in USD") {
			t.Fatalf("%v %s", f, b)
		}
		_, b = w.api.do("admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{"slug": "x", "items": []any{}, "status": "active"})
		if !strings.Contains(string(b), "unknown field") {
			t.Fatalf("%s", b)
		}
		var n int
		w.db.Get(&n, `SELECT COUNT(*) FROM bundles`)
		if n != 0 {
			t.Fatal("a refused bundle was written")
		}
	})
	var bundle catalog.BundleView
	t.Run("create", func(t *testing.T) {
		w.api.want(201, "admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{
			"slug": "desk-day", "name": "Desk day", "description": "For the office.", "price": map[string]any{"amount": 7500, "currency": "USD"},
			"items": []map[string]any{{"variant_id": sampler, "quantity": 1}, {"variant_id": candle, "quantity": 2}}}, &bundle)
		if bundle.Status != "active" || !bundle.Available || len(bundle.Items) != 2 || bundle.Items[0].VariantID != sampler ||
			bundle.Items[1].Quantity != 2 || !bundle.Items[1].Visible || bundle.CreatedBy != "usr_admin" {
			t.Fatalf("got %+v", bundle)
		}
		if a := w.audits(bundle.ID); len(a) != 1 || a[0].Action != "bundle.created" || a[0].ActorID != "usr_admin" {
			t.Fatalf("audit %+v", a)
		}
		w.api.want(409, "admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{
			"slug": "desk-day", "name": "Again", "price": map[string]any{"amount": 7500, "currency": "USD"},
			"items": []map[string]any{{"variant_id": sampler, "quantity": 1}}}, nil)
		var s catalog.StoreBundle
		w.api.want(200, "", "GET", "/api/v1/store/bundles/desk-day", nil, &s)
		if !s.Available || s.Price.Amount != 7500 {
			t.Fatalf("store %+v", s)
		}
	})
	t.Run("operators see why a bundle is unavailable", func(t *testing.T) {
		w.curate(w.acme, w.visible["Cedar Candle"], catalog.Curation{Listed: ptr(false)})
		var b catalog.BundleView
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/bundles/"+bundle.ID, nil, &b)
		if b.Available || b.Items[1].Visible || !b.Items[1].InStock || !b.Items[0].Visible {
			t.Fatalf("got %+v", b)
		}
		w.curate(w.acme, w.visible["Cedar Candle"], catalog.Curation{Listed: ptr(true)})
	})
	t.Run("update, replace items, archive: audited", func(t *testing.T) {
		var b catalog.BundleView
		w.api.want(200, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{
			"name": "Desk day deluxe", "items": []map[string]any{{"variant_id": mug, "quantity": 1}}}, &b)
		if b.Name != "Desk day deluxe" || len(b.Items) != 1 || b.Items[0].VariantID != mug || b.Slug != "desk-day" {
			t.Fatalf("got %+v", b)
		}
		w.api.want(400, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{"items": []map[string]any{{"variant_id": deletedVariant, "quantity": 1}}}, nil)
		w.api.want(400, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{"price": map[string]any{"amount": 100, "currency": "EUR"}}, nil)
		w.api.want(400, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{"created_by": "me"}, nil)
		w.api.want(400, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{"status": "deleted"}, nil)
		w.api.want(404, "admin", "PATCH", "/api/v1/admin/catalog/bundles/bdl_nope", map[string]any{"name": "x"}, nil)
		w.api.want(200, "admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID, map[string]any{"status": "archived"}, &b)
		if b.Status != "archived" || b.Available {
			t.Fatalf("got %+v", b)
		}
		w.api.want(404, "", "GET", "/api/v1/store/bundles/"+bundle.ID, nil, nil)
		a := w.audits(bundle.ID)
		if len(a) != 3 || a[1].Action != "bundle.updated" || a[2].Action != "bundle.archived" {
			t.Fatalf("audit %+v", a)
		}
		var before, after map[string]any
		json.Unmarshal([]byte(*a[1].Before), &before)
		json.Unmarshal([]byte(*a[1].After), &after)
		if before["name"] != "Desk day" || after["name"] != "Desk day deluxe" {
			t.Fatalf("before %v after %v", before, after)
		}
		var list struct{ Bundles []catalog.BundleView }
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/bundles?status=archived", nil, &list)
		if len(list.Bundles) != 1 {
			t.Fatalf("%d archived bundles", len(list.Bundles))
		}
		w.api.want(400, "admin", "GET", "/api/v1/admin/catalog/bundles?status=gone", nil, nil)
	})
}

// TestBundlePriceBounds: a bundle's price is an amount entering Trove, held
// to money.MaxAmount on create and on PATCH; a refused price writes nothing.
// (A price of 2^31 was once accepted, and plans at it booked millions.)
func TestBundlePriceBounds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.api = newTestAPI(t, w.store, w.people())
	candle := w.variant["Cedar Candle"]
	create := func(slug string, amount int64) (int, []byte) {
		return w.api.do("admin", "POST", "/api/v1/admin/catalog/bundles", map[string]any{
			"slug": slug, "name": "Big", "price": map[string]any{"amount": amount, "currency": "USD"},
			"items": []map[string]any{{"variant_id": candle, "quantity": 1}}})
	}
	count := func() (n int) {
		w.db.Get(&n, `SELECT COUNT(*) FROM bundles`)
		return n
	}
	for _, amount := range []int64{1 << 31, money.MaxAmount + 1, math.MaxInt64, 0, -1, math.MinInt64} {
		t.Run(fmt.Sprintf("create at %d is refused", amount), func(t *testing.T) {
			code, b := create("big", amount)
			if f := problemFields(t, b); code != 400 || joined(f) != "price.amount" {
				t.Fatalf("%d %v %s", code, f, b)
			}
			if amount > 0 && !strings.Contains(string(b), "999999.99") {
				t.Fatalf("the message does not say the most a price can be: %s", b)
			}
			if count() != 0 {
				t.Fatal("a refused bundle was written")
			}
		})
	}
	var bundle catalog.BundleView
	t.Run("the bound itself is a price", func(t *testing.T) {
		code, b := create("max", money.MaxAmount)
		if code != 201 {
			t.Fatalf("%d %s", code, b)
		}
		json.Unmarshal(b, &bundle)
	})
	t.Run("PATCH beyond the bound is refused and changes nothing", func(t *testing.T) {
		before := w.audits(bundle.ID)
		for _, amount := range []int64{1 << 31, money.MaxAmount + 1, math.MaxInt64} {
			code, b := w.api.do("admin", "PATCH", "/api/v1/admin/catalog/bundles/"+bundle.ID,
				map[string]any{"price": map[string]any{"amount": amount, "currency": "USD"}, "name": "Renamed"})
			if f := problemFields(t, b); code != 400 || joined(f) != "price.amount" {
				t.Fatalf("%d: %d %v %s", amount, code, f, b)
			}
		}
		var got catalog.BundleView
		w.api.want(200, "admin", "GET", "/api/v1/admin/catalog/bundles/"+bundle.ID, nil, &got)
		if got.Price.Amount != money.MaxAmount || got.Name != "Big" || len(w.audits(bundle.ID)) != len(before) {
			t.Fatalf("a refused PATCH changed the bundle: %+v", got)
		}
	})
}
