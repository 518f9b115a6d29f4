package catalog

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Shopify's product statuses, and the one Trove adds when Shopify removed the product.
const (
	StatusActive   = "active"
	StatusDraft    = "draft"
	StatusArchived = "archived"
	StatusDeleted  = "deleted"
)

// SyncedProduct is a product as read from a vendor's Shopify store.
type SyncedProduct struct {
	ShopifyProductID string
	Title            string
	Description      string // stored and searched as given: pass Shopify's plain-text description
	ImageURL         string
	Status           string // lower case: active, draft or archived
	Tags             []string
	Variants         []SyncedVariant
	// UpdatedAt is Shopify's updatedAt of the product read: the ordering key.
	// The variants' Available figures are taken as of this time too.
	UpdatedAt time.Time
}

// SyncedVariant is one variant of a SyncedProduct.
type SyncedVariant struct {
	ShopifyVariantID       string
	ShopifyInventoryItemID string
	SKU                    string
	Title                  string
	Price                  money.Money
	Available              int // summed over the vendor's locations; a negative figure is stored as 0
}

// ErrUnknownInventoryItem is returned (wrapped, kind not found) by ApplyStock for
// an inventory item no synced variant has yet. The product read that creates the
// variant carries its stock, so the caller may drop the event.
var ErrUnknownInventoryItem = errors.New("catalog: no variant has this inventory item")

// Column sizes, for clipping what Shopify sends rather than failing a sync on it.
const (
	maxTitle       = 255   // characters
	maxDescription = 65535 // bytes (TEXT)
	maxURL         = 1024
	maxSKU         = 128
	maxShopifyID   = 64
)

// normalize validates p and returns it cleaned: times in UTC at microsecond
// precision (what DATETIME(6) keeps), over-long text clipped, tags trimmed and
// deduplicated, negative stock as 0.
func (p SyncedProduct) normalize() (SyncedProduct, error) {
	var f fault.Fields
	f.Check(p.ShopifyProductID != "" && len(p.ShopifyProductID) <= maxShopifyID, "shopify_product_id", "is required (at most %d characters)", maxShopifyID)
	f.Check(p.Status == StatusActive || p.Status == StatusDraft || p.Status == StatusArchived, "status", "must be active, draft or archived")
	f.Check(!p.UpdatedAt.IsZero(), "updated_at", "is required")
	seen := map[string]bool{}
	seenInv := map[string]bool{}
	currency := ""
	for i, v := range p.Variants {
		field := fmt.Sprintf("variants[%d]", i)
		f.Check(v.ShopifyVariantID != "" && len(v.ShopifyVariantID) <= maxShopifyID && !seen[v.ShopifyVariantID], field+".shopify_variant_id", "is required, unique within the product")
		f.Check(len(v.ShopifyInventoryItemID) <= maxShopifyID && (v.ShopifyInventoryItemID == "" || !seenInv[v.ShopifyInventoryItemID]), field+".shopify_inventory_item_id", "must be unique within the product")
		money.CheckIncoming(&f, field+".price", v.Price, 0)
		if currency == "" {
			currency = v.Price.Currency
		}
		f.Check(v.Price.Currency == currency, field+".price", "every variant of a product must have the same currency")
		seen[v.ShopifyVariantID] = true
		if v.ShopifyInventoryItemID != "" {
			seenInv[v.ShopifyInventoryItemID] = true
		}
	}
	if err := f.Err(); err != nil {
		return p, err
	}
	p.UpdatedAt = p.UpdatedAt.UTC().Truncate(time.Microsecond)
	p.Title = clipRunes(strings.TrimSpace(p.Title), maxTitle)
	p.Description = clipBytes(p.Description, maxDescription)
	p.ImageURL = clipBytes(p.ImageURL, maxURL)
	p.Tags = cleanTags(p.Tags, 255)
	vs := make([]SyncedVariant, len(p.Variants))
	for i, v := range p.Variants {
		v.SKU = clipRunes(v.SKU, maxSKU)
		v.Title = clipRunes(v.Title, maxTitle)
		v.Available = max(v.Available, 0)
		vs[i] = v
	}
	p.Variants = vs
	return p, nil
}

// contentHash identifies the synced content of p, stock figures excluded (they
// have their own ordering, see applyStock): equal hashes mean nothing to write.
func (p SyncedProduct) contentHash() string {
	type hv struct {
		ID, Inv, SKU, Title, Currency string
		Amount                        int64
	}
	vs := make([]hv, len(p.Variants))
	for i, v := range p.Variants {
		vs[i] = hv{v.ShopifyVariantID, v.ShopifyInventoryItemID, v.SKU, v.Title, v.Price.Currency, v.Price.Amount}
	}
	slices.SortFunc(vs, func(a, b hv) int { return cmp.Compare(a.ID, b.ID) })
	b, _ := json.Marshal([]any{p.Title, p.Description, p.ImageURL, p.Status, p.Tags, vs})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// productRow is a products row as the sync and curation code read it.
type productRow struct {
	ID               string     `db:"id"`
	VendorID         string     `db:"vendor_id"`
	ShopifyProductID string     `db:"shopify_product_id"`
	Title            string     `db:"title"`
	Description      string     `db:"description"`
	ImageURL         string     `db:"image_url"`
	Status           string     `db:"status"`
	Tags             string     `db:"tags"`
	Category         string     `db:"category"`
	GiftTags         string     `db:"gift_tags"`
	GiftReady        bool       `db:"gift_ready"`
	Listed           bool       `db:"listed"`
	Hidden           bool       `db:"hidden_by_operator"`
	PriceMin         *int64     `db:"price_min_amount"`
	PriceMax         *int64     `db:"price_max_amount"`
	PriceCurrency    *string    `db:"price_currency"`
	ShopifyUpdatedAt *time.Time `db:"shopify_updated_at"`
	ContentHash      string     `db:"content_hash"`
	SyncedAt         *time.Time `db:"synced_at"`
	DeletedAt        *time.Time `db:"deleted_at"`
	CreatedAt        time.Time  `db:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
}

const productColumns = `p.id, p.vendor_id, p.shopify_product_id, p.title, p.description, p.image_url, p.status, p.tags,
	p.category, p.gift_tags, p.gift_ready, p.listed, p.hidden_by_operator, p.price_min_amount, p.price_max_amount,
	p.price_currency, p.shopify_updated_at, p.content_hash, p.synced_at, p.deleted_at, p.created_at, p.updated_at`

// variantRow is a variants row.
type variantRow struct {
	ID                     string     `db:"id"`
	ProductID              string     `db:"product_id"`
	VendorID               string     `db:"vendor_id"`
	ShopifyVariantID       string     `db:"shopify_variant_id"`
	ShopifyInventoryItemID *string    `db:"shopify_inventory_item_id"`
	SKU                    string     `db:"sku"`
	Title                  string     `db:"title"`
	PriceAmount            int64      `db:"price_amount"`
	PriceCurrency          string     `db:"price_currency"`
	StockOnHand            int        `db:"stock_on_hand"`
	StockUpdatedAt         *time.Time `db:"stock_updated_at"`
	DeletedAt              *time.Time `db:"deleted_at"`
	CreatedAt              time.Time  `db:"created_at"`
	UpdatedAt              time.Time  `db:"updated_at"`
}

const variantColumns = `v.id, v.product_id, v.vendor_id, v.shopify_variant_id, v.shopify_inventory_item_id, v.sku, v.title,
	v.price_amount, v.price_currency, v.stock_on_hand, v.stock_updated_at, v.deleted_at, v.created_at, v.updated_at`

// syncTx runs fn in a short READ COMMITTED transaction (locking reads lock only
// the rows they return), again on a deadlock.
func (s *Store) syncTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return db.RetryDeadlocks(ctx, func() error { return db.InTxOpts(ctx, s.db, db.ReadCommitted, fn) })
}

// lockProduct returns the product row for (vendorID, shopifyProductID) locked
// for the transaction, inserting a placeholder first when there is none, so
// that concurrent first deliveries queue on one row lock instead of racing to
// insert. The placeholder (empty, draft, synced_at NULL) is never committed as
// is: the caller overwrites it in the same transaction.
func (s *Store) lockProduct(ctx context.Context, tx *sqlx.Tx, vendorID, shopifyProductID string) (productRow, bool, error) {
	now := s.clock.Now()
	const qi = `INSERT INTO products (id, vendor_id, shopify_product_id, title, description, status, created_at, updated_at)
		VALUES (?, ?, ?, '', '', 'draft', ?, ?) ON DUPLICATE KEY UPDATE id = id`
	res, err := tx.ExecContext(ctx, qi, id.New("prd"), vendorID, shopifyProductID, now, now)
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1452 { // foreign key: no such vendor
			return productRow{}, false, fault.NotFound("vendor %s not found", vendorID)
		}
		return productRow{}, false, fmt.Errorf("catalog: lock product: %w", err)
	}
	n, _ := res.RowsAffected()
	var row productRow
	err = tx.GetContext(ctx, &row, `SELECT `+productColumns+` FROM products p WHERE p.vendor_id = ? AND p.shopify_product_id = ? FOR UPDATE`,
		vendorID, shopifyProductID)
	return row, n == 1, err
}

// ApplyProduct writes a product read from Shopify, keyed by (vendor, Shopify
// product id), and reports whether anything Trove shows changed.
//
// Ordering: a read older than the newest event applied (p.UpdatedAt before the
// stored shopify_updated_at) is ignored whole; a deletion wins over a read with
// the same time; two different reads with the same time resolve by content hash,
// so any delivery order ends in the same state. Variants missing from p are
// marked deleted. Stock figures follow the same newer-wins rule per variant
// (see ApplyStock), stamped with p.UpdatedAt.
//
// New products are unlisted. Curation (listed, category, gift tags, gift-ready)
// and the operator's hidden flag are never written here.
func (s *Store) ApplyProduct(ctx context.Context, vendorID string, p SyncedProduct) (bool, error) {
	p, err := p.normalize()
	if err != nil {
		return false, err
	}
	hash := p.contentHash()
	tags, err := marshalTags(p.Tags)
	if err != nil {
		return false, err
	}
	var changed bool
	err = s.syncTx(ctx, func(tx *sqlx.Tx) error {
		changed = false
		cur, _, err := s.lockProduct(ctx, tx, vendorID, p.ShopifyProductID)
		if err != nil {
			return err
		}
		applyContent, applyStock := decide(cur, p.UpdatedAt, hash)
		if !applyContent && !applyStock {
			return nil
		}
		now := s.clock.Now()
		if applyContent {
			differs := cur.SyncedAt == nil || cur.Title != p.Title || cur.Description != p.Description || cur.ImageURL != p.ImageURL ||
				cur.Status != p.Status || !sameJSON(cur.Tags, tags) || cur.DeletedAt != nil
			createdAt, updatedAt := cur.CreatedAt, cur.UpdatedAt
			if cur.SyncedAt == nil { // first content for this row (new, or a tombstone)
				createdAt = now
			}
			if differs {
				updatedAt, changed = now, true
			}
			const q = `UPDATE products SET title = ?, description = ?, image_url = ?, status = ?, tags = ?, deleted_at = NULL,
				shopify_updated_at = ?, content_hash = ?, synced_at = ?, created_at = ?, updated_at = ? WHERE id = ?`
			if _, err := tx.ExecContext(ctx, q, p.Title, p.Description, p.ImageURL, p.Status, tags,
				p.UpdatedAt, hash, now, createdAt, updatedAt, cur.ID); err != nil {
				return fmt.Errorf("catalog: apply product: %w", err)
			}
		}
		vchanged, err := s.applyVariants(ctx, tx, cur.ID, vendorID, p, applyContent)
		if err != nil {
			return err
		}
		if vchanged {
			changed = true
		}
		if !applyContent {
			return nil // stock only: the price range stays
		}
		return refreshPrices(ctx, tx, cur.ID)
	})
	return changed, err
}

// decide says what a product read with Shopify time at and content hash does to
// the stored row: write its content, and/or take part in the stock ordering.
func decide(cur productRow, at time.Time, hash string) (content, stock bool) {
	switch {
	case cur.ShopifyUpdatedAt == nil || at.After(*cur.ShopifyUpdatedAt):
		return true, true // newer
	case at.Before(*cur.ShopifyUpdatedAt):
		return false, false // older: ignored whole
	case cur.Status == StatusDeleted:
		return false, false // same time as the deletion: the deletion wins
	case hash > cur.ContentHash:
		return true, true // same time, different content: the larger hash wins
	default:
		// Same time, same or losing content: its stock figures still count (the
		// smaller figure wins a tie), so the result does not depend on order.
		return false, true
	}
}

// applyVariants writes p's variants under product productID (content) and/or
// their stock figures (always, under the stock ordering), and marks the
// product's other variants deleted (content only).
func (s *Store) applyVariants(ctx context.Context, tx *sqlx.Tx, productID, vendorID string, p SyncedProduct, content bool) (bool, error) {
	ids := make([]string, len(p.Variants))
	for i, v := range p.Variants {
		ids[i] = v.ShopifyVariantID
	}
	var existing []variantRow
	q := `SELECT ` + variantColumns + ` FROM variants v WHERE v.product_id = ?`
	args := []any{productID}
	if len(ids) > 0 {
		inQ, inArgs, err := sqlx.In(` OR (v.vendor_id = ? AND v.shopify_variant_id IN (?))`, vendorID, ids)
		if err != nil {
			return false, err
		}
		q += inQ
		args = append(args, inArgs...)
	}
	if err := tx.SelectContext(ctx, &existing, q+` ORDER BY v.id FOR UPDATE`, args...); err != nil {
		return false, fmt.Errorf("catalog: read variants: %w", err)
	}
	byShopify := map[string]*variantRow{}
	for i := range existing {
		if existing[i].VendorID == vendorID {
			byShopify[existing[i].ShopifyVariantID] = &existing[i]
		}
	}
	now := s.clock.Now()
	changed := false
	for _, v := range p.Variants {
		var inv *string
		if v.ShopifyInventoryItemID != "" {
			inv = &v.ShopifyInventoryItemID
		}
		cur := byShopify[v.ShopifyVariantID]
		if cur == nil {
			if !content {
				continue
			}
			const qi = `INSERT INTO variants (id, product_id, vendor_id, shopify_variant_id, shopify_inventory_item_id, sku, title,
				price_amount, price_currency, stock_on_hand, stock_updated_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			if _, err := tx.ExecContext(ctx, qi, id.New("var"), productID, vendorID, v.ShopifyVariantID, inv, v.SKU, v.Title,
				v.Price.Amount, v.Price.Currency, v.Available, p.UpdatedAt, now, now); err != nil {
				return false, fmt.Errorf("catalog: insert variant %s: %w", v.ShopifyVariantID, err)
			}
			changed = true
			continue
		}
		if content && (cur.ProductID != productID || !sameStrPtr(cur.ShopifyInventoryItemID, inv) || cur.SKU != v.SKU || cur.Title != v.Title ||
			cur.PriceAmount != v.Price.Amount || cur.PriceCurrency != v.Price.Currency || cur.DeletedAt != nil) {
			const qu = `UPDATE variants SET product_id = ?, shopify_inventory_item_id = ?, sku = ?, title = ?, price_amount = ?,
				price_currency = ?, deleted_at = NULL, updated_at = ? WHERE id = ?`
			if _, err := tx.ExecContext(ctx, qu, productID, inv, v.SKU, v.Title, v.Price.Amount, v.Price.Currency, now, cur.ID); err != nil {
				return false, fmt.Errorf("catalog: update variant %s: %w", v.ShopifyVariantID, err)
			}
			changed = true
		}
		sc, err := s.applyStockRow(ctx, tx, *cur, v.Available, p.UpdatedAt)
		if err != nil {
			return false, err
		}
		changed = changed || sc
	}
	if !content {
		return changed, nil
	}
	// The product's variants that Shopify no longer lists. deleted_at is the
	// Shopify time of the newest read that lacked them, whatever the order.
	present := map[string]bool{}
	for _, id := range ids {
		present[id] = true
	}
	for _, cur := range existing {
		if cur.ProductID != productID || present[cur.ShopifyVariantID] {
			continue
		}
		if cur.DeletedAt != nil && cur.DeletedAt.Equal(p.UpdatedAt) {
			continue
		}
		updatedAt := cur.UpdatedAt
		if cur.DeletedAt == nil {
			updatedAt, changed = now, true
		}
		if _, err := tx.ExecContext(ctx, `UPDATE variants SET deleted_at = ?, updated_at = ? WHERE id = ?`, p.UpdatedAt, updatedAt, cur.ID); err != nil {
			return false, fmt.Errorf("catalog: delete variant %s: %w", cur.ShopifyVariantID, err)
		}
	}
	return changed, nil
}

// applyStockRow applies a stock figure taken at Shopify time at to a locked
// variant row: a newer figure wins; of two figures with the same time, the
// smaller wins (never promise stock that may not be there), so any delivery
// order ends in the same state. It reports whether the figure changed.
func (s *Store) applyStockRow(ctx context.Context, tx *sqlx.Tx, cur variantRow, available int, at time.Time) (bool, error) {
	available = max(available, 0)
	newer := cur.StockUpdatedAt == nil || at.After(*cur.StockUpdatedAt)
	tieLower := cur.StockUpdatedAt != nil && at.Equal(*cur.StockUpdatedAt) && available < cur.StockOnHand
	if !newer && !tieLower {
		return false, nil
	}
	// updated_at moves only when the figure does; MySQL evaluates SET left to
	// right, so it is compared before stock_on_hand is overwritten.
	const q = `UPDATE variants SET updated_at = IF(stock_on_hand = ?, updated_at, ?), stock_on_hand = ?, stock_updated_at = ? WHERE id = ?`
	if _, err := tx.ExecContext(ctx, q, available, s.clock.Now(), available, at, cur.ID); err != nil {
		return false, fmt.Errorf("catalog: apply stock: %w", err)
	}
	return available != cur.StockOnHand, nil
}

// refreshPrices recomputes a product's price range from its live variants.
func refreshPrices(ctx context.Context, tx *sqlx.Tx, productID string) error {
	const q = `UPDATE products p SET
		p.price_min_amount = (SELECT MIN(v.price_amount) FROM variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL),
		p.price_max_amount = (SELECT MAX(v.price_amount) FROM variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL),
		p.price_currency = (SELECT MIN(v.price_currency) FROM variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL)
		WHERE p.id = ?`
	if _, err := tx.ExecContext(ctx, q, productID); err != nil {
		return fmt.Errorf("catalog: refresh prices: %w", err)
	}
	return nil
}

// ApplyDeletion records that Shopify deleted the product at Shopify time at:
// status deleted, its variants deleted, unless a newer read was applied. A
// deletion of a product Trove never saw leaves a tombstone, so that a late
// create cannot bring it back. Curation is kept. It reports whether the
// product was live before.
func (s *Store) ApplyDeletion(ctx context.Context, vendorID, shopifyProductID string, at time.Time) (bool, error) {
	if shopifyProductID == "" || len(shopifyProductID) > maxShopifyID || at.IsZero() {
		return false, fault.Invalid("a deletion needs a Shopify product id and a time")
	}
	at = at.UTC().Truncate(time.Microsecond)
	var changed bool
	err := s.syncTx(ctx, func(tx *sqlx.Tx) error {
		changed = false
		cur, created, err := s.lockProduct(ctx, tx, vendorID, shopifyProductID)
		if err != nil {
			return err
		}
		if cur.ShopifyUpdatedAt != nil && (cur.ShopifyUpdatedAt.After(at) || (cur.ShopifyUpdatedAt.Equal(at) && cur.Status == StatusDeleted)) {
			return nil // a newer event was applied, or this very deletion
		}
		now := s.clock.Now()
		updatedAt := cur.UpdatedAt
		if cur.Status != StatusDeleted {
			updatedAt = now
			changed = !created && cur.SyncedAt != nil
		}
		const q = `UPDATE products SET status = 'deleted', deleted_at = ?, shopify_updated_at = ?, updated_at = ? WHERE id = ?`
		if _, err := tx.ExecContext(ctx, q, at, at, updatedAt, cur.ID); err != nil {
			return fmt.Errorf("catalog: apply deletion: %w", err)
		}
		const qv = `UPDATE variants SET updated_at = IF(deleted_at IS NULL, ?, updated_at), deleted_at = ? WHERE product_id = ?`
		if _, err := tx.ExecContext(ctx, qv, now, at, cur.ID); err != nil {
			return fmt.Errorf("catalog: delete variants: %w", err)
		}
		return refreshPrices(ctx, tx, cur.ID)
	})
	return changed, err
}

// ApplyStock sets the available stock of the variant with the inventory item,
// as Shopify reported it at time at. A newer figure wins; of two with the same
// time the smaller wins. It reports whether the figure changed. An unknown item
// answers an error wrapping ErrUnknownInventoryItem.
func (s *Store) ApplyStock(ctx context.Context, vendorID, shopifyInventoryItemID string, available int, at time.Time) (bool, error) {
	if shopifyInventoryItemID == "" || at.IsZero() {
		return false, fault.Invalid("a stock update needs an inventory item id and a time")
	}
	at = at.UTC().Truncate(time.Microsecond)
	var changed bool
	err := s.syncTx(ctx, func(tx *sqlx.Tx) error {
		var cur variantRow
		err := tx.GetContext(ctx, &cur, `SELECT `+variantColumns+` FROM variants v WHERE v.vendor_id = ? AND v.shopify_inventory_item_id = ? FOR UPDATE`,
			vendorID, shopifyInventoryItemID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Wrap(fault.KindNotFound, ErrUnknownInventoryItem, "no variant of vendor %s has inventory item %s", vendorID, shopifyInventoryItemID)
		}
		if err != nil {
			return err
		}
		changed, err = s.applyStockRow(ctx, tx, cur, available, at)
		return err
	})
	return changed, err
}

// SyncedIDs returns, for the reconciliation sweep, the Shopify id of each of
// the vendor's live (not deleted) synced products with the Shopify time of the
// newest read applied (zero if none was: seeded data).
func (s *Store) SyncedIDs(ctx context.Context, vendorID string) (map[string]time.Time, error) {
	var rows []struct {
		ID string     `db:"shopify_product_id"`
		At *time.Time `db:"shopify_updated_at"`
	}
	const q = `SELECT shopify_product_id, shopify_updated_at FROM products
		WHERE vendor_id = ? AND deleted_at IS NULL AND synced_at IS NOT NULL`
	if err := s.db.SelectContext(ctx, &rows, q, vendorID); err != nil {
		return nil, fmt.Errorf("catalog: synced ids: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		var t time.Time
		if r.At != nil {
			t = *r.At
		}
		out[r.ID] = t
	}
	return out, nil
}

// cleanTags trims tags, drops empty ones and repeats, and clips each to max
// characters, keeping the order.
func cleanTags(in []string, maxLen int) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		t = clipRunes(strings.TrimSpace(t), maxLen)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

// marshalTags is the JSON array stored for tags, without HTML escaping (the
// FULLTEXT index reads it, and "&" should stay "&").
func marshalTags(tags []string) (string, error) {
	if tags == nil {
		tags = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tags); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

func unmarshalTags(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// sameJSON compares two stored tag arrays by value (the database may reformat JSON).
func sameJSON(a, b string) bool { return slices.Equal(unmarshalTags(a), unmarshalTags(b)) }

func sameStrPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
