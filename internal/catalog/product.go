// Package catalog owns products, their variants and stock as synced from each
// vendor's Shopify store, the vendors' curation of them, the operators' hiding,
// curated bundles, the stock held for checkouts, and the public storefront
// catalog. Tables: products, variants, bundles, bundle_items, reservations.
package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Product is a vendor's product as Trove knows it.
type Product struct {
	ID               string    `db:"id" json:"id"`
	VendorID         string    `db:"vendor_id" json:"vendor_id"`
	ShopifyProductID string    `db:"shopify_product_id" json:"shopify_product_id"`
	Title            string    `db:"title" json:"title"`
	Description      string    `db:"description" json:"description"`
	ImageURL         string    `db:"image_url" json:"image_url"`
	Category         string    `db:"category" json:"category"`
	Listed           bool      `db:"listed" json:"listed"`
	Variants         []Variant `db:"-" json:"variants"`
}

// Variant is one purchasable option of a product.
type Variant struct {
	ID               string      `db:"id" json:"id"`
	ShopifyVariantID string      `db:"shopify_variant_id" json:"shopify_variant_id"`
	SKU              string      `db:"sku" json:"sku"`
	Title            string      `db:"title" json:"title"`
	Price            money.Money `db:"-" json:"price"`
	StockOnHand      int         `db:"stock_on_hand" json:"stock_on_hand"`
}

func (p *Product) validate() error {
	var f fault.Fields
	f.Check(p.VendorID != "", "vendor_id", "is required")
	f.Check(p.ShopifyProductID != "", "shopify_product_id", "is required")
	f.Check(strings.TrimSpace(p.Title) != "", "title", "is required")
	f.Check(len(p.Variants) > 0, "variants", "a product needs at least one variant")
	for i, v := range p.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		f.Check(v.ShopifyVariantID != "", field+".shopify_variant_id", "is required")
		money.CheckIncoming(&f, field+".price", v.Price, 0)
		f.Check(v.StockOnHand >= 0, field+".stock_on_hand", "must not be negative")
	}
	return f.Err()
}

// Store reads and writes the catalog.
type Store struct {
	db    *sqlx.DB
	clock clock.Clock
}

// NewStore returns a Store on db.
func NewStore(d Deps) *Store { return &Store{db: d.DB, clock: d.Clock} }

// Deps are the Store's collaborators.
type Deps struct {
	DB    *sqlx.DB
	Clock clock.Clock
}

// Upsert writes p and its variants keyed by their Shopify ids, so writing the
// same product again updates it in place. Rows whose values do not change are
// left untouched (updated_at included). It returns the stored product id.
//
// Upsert is for seed data: it sets listed and category on a new product and has
// no ordering guard. The Shopify sync uses ApplyProduct.
func (s *Store) Upsert(ctx context.Context, p Product) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var productID string
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.clock.Now()
		// updated_at moves only when a synced field changes: MySQL evaluates the
		// SET list left to right, so the comparison must come first.
		const qp = `INSERT INTO products (id, vendor_id, shopify_product_id, title, description, image_url, category, listed, synced_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE
				updated_at = IF(title <=> VALUES(title) AND description <=> VALUES(description) AND image_url <=> VALUES(image_url), updated_at, VALUES(updated_at)),
				title = VALUES(title), description = VALUES(description), image_url = VALUES(image_url)`
		if _, err := tx.ExecContext(ctx, qp, id.New("prd"), p.VendorID, p.ShopifyProductID, p.Title, p.Description, p.ImageURL, p.Category, p.Listed, now, now, now); err != nil {
			return fmt.Errorf("catalog: upsert product: %w", err)
		}
		if err := tx.GetContext(ctx, &productID, `SELECT id FROM products WHERE vendor_id = ? AND shopify_product_id = ?`, p.VendorID, p.ShopifyProductID); err != nil {
			return err
		}
		const qv = `INSERT INTO variants (id, product_id, vendor_id, shopify_variant_id, sku, title, price_amount, price_currency, stock_on_hand, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE
				updated_at = IF(sku <=> VALUES(sku) AND title <=> VALUES(title) AND price_amount <=> VALUES(price_amount)
					AND price_currency <=> VALUES(price_currency) AND stock_on_hand <=> VALUES(stock_on_hand), updated_at, VALUES(updated_at)),
				sku = VALUES(sku), title = VALUES(title), price_amount = VALUES(price_amount),
				price_currency = VALUES(price_currency), stock_on_hand = VALUES(stock_on_hand)`
		for _, v := range p.Variants {
			if _, err := tx.ExecContext(ctx, qv, id.New("var"), productID, p.VendorID, v.ShopifyVariantID, v.SKU, v.Title,
				v.Price.Amount, v.Price.Currency, v.StockOnHand, now, now); err != nil {
				return fmt.Errorf("catalog: upsert variant %s: %w", v.ShopifyVariantID, err)
			}
		}
		return refreshPrices(ctx, tx, productID)
	})
	return productID, err
}

// CountByVendor returns how many products the vendor has.
func (s *Store) CountByVendor(ctx context.Context, vendorID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM products WHERE vendor_id = ?`, vendorID)
	return n, err
}

// ShopifyVariantIDs maps each of the variant ids that the catalog still has
// to the variant's Shopify GID (a vendor order is handed to Shopify by them).
func (s *Store) ShopifyVariantIDs(ctx context.Context, variantIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(variantIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id, shopify_variant_id FROM variants WHERE id IN (?)`, variantIDs)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID        string `db:"id"`
		ShopifyID string `db:"shopify_variant_id"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("catalog: read Shopify variant ids: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.ShopifyID
	}
	return out, nil
}
