package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

// t0 is when every test's world begins.
var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *sqlx.DB
	clk   *clock.Fake
	store *catalog.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(t0)
	return &fixture{t: t, ctx: context.Background(), db: conn, clk: clk, store: catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})}
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// vendor makes a vendor with the status and, unless connection is "", its
// Shopify connection with that status (internal/vendors' tables, through
// vendorstest: the catalog only reads them).
func (f *fixture) vendor(slug, status, connection string) string {
	f.t.Helper()
	return vendorstest.Vendor(f.t, f.db, f.clk, slug, vendorstest.Status(vendors.Status(status)), vendorstest.Connection(connection))
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

// sv is a synced variant: Shopify ids derived from key.
func sv(key string, cents int64, available int) catalog.SyncedVariant {
	return catalog.SyncedVariant{ShopifyVariantID: "gid://shopify/ProductVariant/" + key, ShopifyInventoryItemID: "gid://shopify/InventoryItem/" + key,
		SKU: "SKU-" + key, Title: "Variant " + key, Price: usd(cents), Available: available}
}

// sp is a synced product.
func sp(key, title string, at time.Time, variants ...catalog.SyncedVariant) catalog.SyncedProduct {
	return catalog.SyncedProduct{ShopifyProductID: "gid://shopify/Product/" + key, Title: title, Description: "About " + title,
		ImageURL: "https://cdn.example/" + key + ".jpg", Status: catalog.StatusActive, Tags: []string{"tag-" + key},
		Variants: variants, UpdatedAt: at}
}

func (f *fixture) apply(vendorID string, p catalog.SyncedProduct) bool {
	f.t.Helper()
	changed, err := f.store.ApplyProduct(f.ctx, vendorID, p)
	if err != nil {
		f.t.Fatalf("apply %s: %v", p.ShopifyProductID, err)
	}
	return changed
}

// productID is the Trove id of the vendor's product with the Shopify key.
func (f *fixture) productID(vendorID, key string) string {
	f.t.Helper()
	var id string
	if err := f.db.Get(&id, `SELECT id FROM products WHERE vendor_id = ? AND shopify_product_id = ?`, vendorID, "gid://shopify/Product/"+key); err != nil {
		f.t.Fatalf("product %s: %v", key, err)
	}
	return id
}

func (f *fixture) variantID(vendorID, key string) string {
	f.t.Helper()
	var id string
	if err := f.db.Get(&id, `SELECT id FROM variants WHERE vendor_id = ? AND shopify_variant_id = ?`, vendorID, "gid://shopify/ProductVariant/"+key); err != nil {
		f.t.Fatalf("variant %s: %v", key, err)
	}
	return id
}

func (f *fixture) curate(vendorID, productID string, c catalog.Curation) catalog.ProductView {
	f.t.Helper()
	v, err := f.store.Curate(f.ctx, vendorID, productID, c, audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_test"})
	if err != nil {
		f.t.Fatalf("curate %s: %v", productID, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// listed makes a synced product and lists it in category.
func (f *fixture) listed(vendorID string, p catalog.SyncedProduct, category string, giftTags ...string) string {
	f.t.Helper()
	f.apply(vendorID, p)
	key := p.ShopifyProductID[len("gid://shopify/Product/"):]
	id := f.productID(vendorID, key)
	c := catalog.Curation{Listed: ptr(true), Category: ptr(category)}
	if giftTags != nil {
		c.GiftTags = &giftTags
	}
	f.curate(vendorID, id, c)
	return id
}

// row returns a column of a product, for asserting what the API does not show.
func (f *fixture) col(productID, column string) string {
	f.t.Helper()
	var v *string
	if err := f.db.Get(&v, fmt.Sprintf(`SELECT CAST(%s AS CHAR) FROM products WHERE id = ?`, column), productID); err != nil {
		f.t.Fatal(err)
	}
	if v == nil {
		return "NULL"
	}
	return *v
}
