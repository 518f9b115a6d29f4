package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

func TestUpsert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.New(t)
	clk := clock.NewFake(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	v := struct{ ID string }{vendorstest.Vendor(t, conn, clk, "acme", vendorstest.Status(vendors.StatusPending), vendorstest.Connection(""))}
	store := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	p := catalog.Product{VendorID: v.ID, ShopifyProductID: "gid://shopify/Product/1", Title: "Mug", Description: "A mug",
		Variants: []catalog.Variant{{ShopifyVariantID: "gid://shopify/ProductVariant/11", SKU: "MUG", Title: "Blue", Price: money.Money{Amount: 1500, Currency: "USD"}, StockOnHand: 3}}}
	id1, err := store.Upsert(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	updatedAt := func() (time.Time, time.Time) {
		var pu, vu time.Time
		conn.Get(&pu, `SELECT updated_at FROM products WHERE id = ?`, id1)
		conn.Get(&vu, `SELECT updated_at FROM variants WHERE product_id = ?`, id1)
		return pu, vu
	}
	pu0, vu0 := updatedAt()

	t.Run("same data again changes nothing", func(t *testing.T) {
		clk.Advance(time.Hour)
		id2, err := store.Upsert(ctx, p)
		if err != nil || id2 != id1 {
			t.Fatalf("got %s, %v; want the same product %s", id2, err, id1)
		}
		if pu, vu := updatedAt(); !pu.Equal(pu0) || !vu.Equal(vu0) {
			t.Fatalf("updated_at moved without a change: %v %v", pu, vu)
		}
		if n, _ := store.CountByVendor(ctx, v.ID); n != 1 {
			t.Fatalf("%d products, want 1", n)
		}
	})
	t.Run("a changed price updates in place", func(t *testing.T) {
		clk.Advance(time.Hour)
		p2 := p
		p2.Variants = []catalog.Variant{p.Variants[0]}
		p2.Variants[0].Price.Amount = 1700
		if _, err := store.Upsert(ctx, p2); err != nil {
			t.Fatal(err)
		}
		var price int64
		conn.Get(&price, `SELECT price_amount FROM variants WHERE product_id = ?`, id1)
		if price != 1700 {
			t.Fatalf("price %d", price)
		}
		if pu, vu := updatedAt(); !pu.Equal(pu0) || !vu.Equal(clk.Now()) {
			t.Fatalf("product updated_at %v (want unchanged), variant %v (want %v)", pu, vu, clk.Now())
		}
	})
	t.Run("invalid products are refused whole", func(t *testing.T) {
		bad := catalog.Product{VendorID: v.ID, ShopifyProductID: "gid://shopify/Product/2", Title: "",
			Variants: []catalog.Variant{{ShopifyVariantID: "x", Price: money.Money{Amount: -1, Currency: "usd"}, StockOnHand: -2}}}
		_, err := store.Upsert(ctx, bad)
		if !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("got %v", err)
		}
		var fe *fault.Error
		if e, ok := err.(*fault.Error); ok {
			fe = e
		}
		if fe == nil || len(fe.Fields) != 4 { // title, the price's amount and currency, stock
			t.Fatalf("want 4 field problems, got %v", err)
		}
		if n, _ := store.CountByVendor(ctx, v.ID); n != 1 {
			t.Fatalf("%d products after a refused write, want 1", n)
		}
	})
}
