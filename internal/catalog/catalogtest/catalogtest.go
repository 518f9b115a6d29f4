// Package catalogtest lists products for other packages' tests, through
// catalog.Store's own methods.
package catalogtest

import (
	"context"
	"testing"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Product lists a product of the vendor with one variant (Shopify ids made
// from key, SKU "SKU-<key>", variant "Default Title") at price with stock on
// hand, and returns the variant's id.
func Product(t testing.TB, cat *catalog.Store, vendorID, key, title string, price money.Money, stock int) string {
	t.Helper()
	ctx := context.Background()
	productID, err := cat.Upsert(ctx, catalog.Product{VendorID: vendorID, ShopifyProductID: "gid://shopify/Product/" + key, Title: title,
		Listed: true, Variants: []catalog.Variant{{ShopifyVariantID: "gid://shopify/ProductVariant/" + key, Title: "Default Title",
			SKU: "SKU-" + key, Price: price, StockOnHand: stock}}})
	if err != nil {
		t.Fatalf("product %s: %v", key, err)
	}
	p, err := cat.Product(ctx, vendorID, productID)
	if err != nil || len(p.Variants) != 1 {
		t.Fatalf("product %s: %d variants, %v", key, len(p.Variants), err)
	}
	return p.Variants[0].ID
}
