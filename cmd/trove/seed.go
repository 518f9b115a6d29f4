package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/vendors"
)

type demoProduct struct {
	gid, title, description, category string
	variants                          []catalog.Variant
}

type demoVendor struct {
	vendor   vendors.Vendor
	products []demoProduct
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

// demoData is what `trove seed` loads: enough for a newcomer to see a catalog.
// The Shopify ids are those of the sandbox's demo shops.
var demoData = []demoVendor{
	{
		vendor: vendors.Vendor{Slug: "northwind-candles", Name: "Northwind Candles", ContactEmail: "hello@northwind-candles.example", CommissionBPS: 1500, Status: vendors.StatusActive},
		products: []demoProduct{
			{"gid://shopify/Product/1001", "Cedar & Smoke Candle", "Hand-poured soy candle, 60-hour burn.", "home", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/100101", SKU: "NWC-CEDAR-8", Title: "8 oz", Price: usd(2800), StockOnHand: 40},
				{ShopifyVariantID: "gid://shopify/ProductVariant/100102", SKU: "NWC-CEDAR-16", Title: "16 oz", Price: usd(4400), StockOnHand: 25},
			}},
			{"gid://shopify/Product/1002", "Sea Salt Tin Trio", "Three travel tins for the desk.", "home", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/100201", SKU: "NWC-TRIO", Title: "Default", Price: usd(3600), StockOnHand: 60},
			}},
		},
	},
	{
		vendor: vendors.Vendor{Slug: "copper-kettle-coffee", Name: "Copper Kettle Coffee", ContactEmail: "orders@copperkettle.example", CommissionBPS: 1200, Status: vendors.StatusActive},
		products: []demoProduct{
			{"gid://shopify/Product/2001", "Single-Origin Sampler", "Four 100 g bags from four farms.", "food", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/200101", SKU: "CKC-SAMPLER-WB", Title: "Whole bean", Price: usd(3900), StockOnHand: 80},
				{ShopifyVariantID: "gid://shopify/ProductVariant/200102", SKU: "CKC-SAMPLER-GR", Title: "Ground", Price: usd(3900), StockOnHand: 35},
			}},
			{"gid://shopify/Product/2002", "Pour-Over Gift Set", "Ceramic dripper, filters and a bag of house blend.", "food", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/200201", SKU: "CKC-POUR-SET", Title: "Default", Price: usd(6500), StockOnHand: 20},
			}},
		},
	},
	{
		vendor: vendors.Vendor{Slug: "fern-and-finch", Name: "Fern & Finch Stationery", ContactEmail: "studio@fernfinch.example", CommissionBPS: 1800, Status: vendors.StatusActive},
		products: []demoProduct{
			{"gid://shopify/Product/3001", "Letterpress Thank-You Cards", "Box of 12 with envelopes.", "stationery", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/300101", SKU: "FF-THANKS-12", Title: "Box of 12", Price: usd(2400), StockOnHand: 120},
			}},
			{"gid://shopify/Product/3002", "Linen Desk Notebook", "A5, dot grid, lay-flat binding.", "stationery", []catalog.Variant{
				{ShopifyVariantID: "gid://shopify/ProductVariant/300201", SKU: "FF-NOTE-SAGE", Title: "Sage", Price: usd(3200), StockOnHand: 45},
				{ShopifyVariantID: "gid://shopify/ProductVariant/300202", SKU: "FF-NOTE-INK", Title: "Ink", Price: usd(3200), StockOnHand: 0},
			}},
		},
	},
}

// seed loads the demo vendors, their products, an operator and one owner per
// vendor. Every write is keyed by a natural key (vendor slug, Shopify id, email)
// and leaves existing rows as they are, so a second run changes nothing.
func seed(ctx context.Context, cfg Config, stdout io.Writer) error {
	log := newLogger(io.Discard, cfg.LogLevel)
	conn, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	clk := clock.System{}
	vendorStore := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk})
	users := auth.NewUsers(auth.UsersDeps{DB: conn, Clock: clk})
	products := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})

	password, generated := cfg.SeedAdminPassword, false
	if password == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}

	var created []string
	admin, isNew, err := users.Ensure(ctx, auth.NewUser{Email: cfg.SeedAdminEmail, Name: "Platform admin", Password: password, Role: auth.RolePlatformAdmin})
	if err != nil {
		return fmt.Errorf("seed admin: %w", err)
	}
	if isNew {
		created = append(created, admin.Email)
	}
	for _, d := range demoData {
		v, _, err := vendorStore.Ensure(ctx, d.vendor)
		if err != nil {
			return fmt.Errorf("seed vendor %s: %w", d.vendor.Slug, err)
		}
		owner, isNew, err := users.Ensure(ctx, auth.NewUser{Email: "owner@" + v.Slug + ".example", Name: v.Name + " owner",
			Password: password, Role: auth.RoleVendorOwner, VendorID: v.ID})
		if err != nil {
			return fmt.Errorf("seed owner of %s: %w", v.Slug, err)
		}
		if isNew {
			created = append(created, owner.Email)
		}
		for _, p := range d.products {
			if _, err := products.Upsert(ctx, catalog.Product{VendorID: v.ID, ShopifyProductID: p.gid, Title: p.title,
				Description: p.description, Category: p.category, Listed: true, Variants: p.variants}); err != nil {
				return fmt.Errorf("seed product %s: %w", p.gid, err)
			}
		}
	}

	fmt.Fprintf(stdout, "seeded %d demo vendors with their products\n", len(demoData))
	if len(created) > 0 {
		fmt.Fprintln(stdout, "created accounts:")
		for _, e := range created {
			fmt.Fprintln(stdout, "  ", e)
		}
		if generated {
			fmt.Fprintf(stdout, "their password (shown once; set TROVE_SEED_ADMIN_PASSWORD to choose it): %s\n", password)
		} else {
			fmt.Fprintln(stdout, "their password is TROVE_SEED_ADMIN_PASSWORD")
		}
	}
	return nil
}
