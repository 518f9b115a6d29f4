package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Category is one of the storefront's fixed gift categories.
type Category struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Categories returns the fixed list of gift categories, in display order. A
// product's category is one of these slugs, or "" (not yet categorised).
func Categories() []Category {
	return []Category{
		{"food", "Food"},
		{"drink", "Drinks"},
		{"home", "Home"},
		{"kitchen", "Kitchen"},
		{"stationery", "Stationery"},
		{"office", "Office & desk"},
		{"wellness", "Wellness"},
		{"apparel", "Apparel"},
		{"accessories", "Accessories"},
		{"tech", "Tech"},
		{"outdoors", "Outdoors"},
		{"kids", "Kids"},
		{"pets", "Pets"},
	}
}

// ValidCategory reports whether slug is one of Categories.
func ValidCategory(slug string) bool {
	for _, c := range Categories() {
		if c.Slug == slug {
			return true
		}
	}
	return false
}

// Gift tag limits.
const (
	maxGiftTags   = 20
	maxGiftTagLen = 40
)

// Reasons a product is not on the storefront, as ProductView.NotVisibleBecause
// lists them.
const (
	ReasonNotListed         = "not_listed"
	ReasonHidden            = "hidden_by_operator"
	ReasonNotActive         = "not_active_in_shopify" // draft or archived
	ReasonDeleted           = "deleted_in_shopify"
	ReasonNoVariants        = "no_variants"
	ReasonVendorNotActive   = "vendor_not_active"
	ReasonStoreNotConnected = "store_not_connected"
)

// ProductView is a product as its vendor and the operators see it: synced
// data, curation, and whether (and why not) it is on the storefront.
type ProductView struct {
	ID                string        `json:"id"`
	VendorID          string        `json:"vendor_id"`
	ShopifyProductID  string        `json:"shopify_product_id"`
	Title             string        `json:"title"`
	Description       string        `json:"description"`
	ImageURL          string        `json:"image_url"`
	Status            string        `json:"status"`
	ShopifyTags       []string      `json:"shopify_tags"`
	Category          string        `json:"category"`
	GiftTags          []string      `json:"gift_tags"`
	GiftReady         bool          `json:"gift_ready"`
	Listed            bool          `json:"listed"`
	HiddenByOperator  bool          `json:"hidden_by_operator"`
	Visible           bool          `json:"visible"`
	NotVisibleBecause []string      `json:"not_visible_because"`
	PriceMin          *money.Money  `json:"price_min"`
	PriceMax          *money.Money  `json:"price_max"`
	ShopifyUpdatedAt  *time.Time    `json:"shopify_updated_at"`
	SyncedAt          *time.Time    `json:"synced_at"`
	DeletedAt         *time.Time    `json:"deleted_at"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
	Variants          []VariantView `json:"variants"`
}

// VariantView is a variant as its vendor and the operators see it; deleted
// variants are included, with deleted_at.
type VariantView struct {
	ID                     string      `json:"id"`
	ShopifyVariantID       string      `json:"shopify_variant_id"`
	ShopifyInventoryItemID *string     `json:"shopify_inventory_item_id"`
	SKU                    string      `json:"sku"`
	Title                  string      `json:"title"`
	Price                  money.Money `json:"price"`
	StockOnHand            int         `json:"stock_on_hand"`
	StockUpdatedAt         *time.Time  `json:"stock_updated_at"`
	DeletedAt              *time.Time  `json:"deleted_at"`
}

// viewRow is a products row with what decides its visibility.
type viewRow struct {
	productRow
	VendorStatus     string `db:"vendor_status"`
	ConnectionStatus string `db:"connection_status"`
}

func (r viewRow) view() ProductView {
	v := ProductView{
		ID: r.ID, VendorID: r.VendorID, ShopifyProductID: r.ShopifyProductID, Title: r.Title, Description: r.Description,
		ImageURL: r.ImageURL, Status: r.Status, ShopifyTags: unmarshalTags(r.Tags), Category: r.Category,
		GiftTags: unmarshalTags(r.GiftTags), GiftReady: r.GiftReady, Listed: r.Listed, HiddenByOperator: r.Hidden,
		ShopifyUpdatedAt: r.ShopifyUpdatedAt, SyncedAt: r.SyncedAt, DeletedAt: r.DeletedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Variants: []VariantView{}, NotVisibleBecause: []string{},
	}
	if r.PriceMin != nil && r.PriceMax != nil && r.PriceCurrency != nil {
		v.PriceMin = &money.Money{Amount: *r.PriceMin, Currency: *r.PriceCurrency}
		v.PriceMax = &money.Money{Amount: *r.PriceMax, Currency: *r.PriceCurrency}
	}
	// The same rule as visibleSQL, spelled out for the vendor.
	add := func(cond bool, reason string) {
		if cond {
			v.NotVisibleBecause = append(v.NotVisibleBecause, reason)
		}
	}
	add(!r.Listed, ReasonNotListed)
	add(r.Hidden, ReasonHidden)
	add(r.Status == StatusDraft || r.Status == StatusArchived, ReasonNotActive)
	add(r.Status == StatusDeleted || r.DeletedAt != nil, ReasonDeleted)
	add(r.PriceMin == nil, ReasonNoVariants)
	add(r.VendorStatus != "active", ReasonVendorNotActive)
	add(r.ConnectionStatus != "connected", ReasonStoreNotConnected)
	v.Visible = len(v.NotVisibleBecause) == 0
	return v
}

func (r variantRow) view() VariantView {
	return VariantView{
		ID: r.ID, ShopifyVariantID: r.ShopifyVariantID, ShopifyInventoryItemID: r.ShopifyInventoryItemID, SKU: r.SKU,
		Title: r.Title, Price: money.Money{Amount: r.PriceAmount, Currency: r.PriceCurrency}, StockOnHand: r.StockOnHand,
		StockUpdatedAt: r.StockUpdatedAt, DeletedAt: r.DeletedAt,
	}
}

// ProductFilter selects products for the vendor and operator lists.
type ProductFilter struct {
	VendorID string // required for vendors (from the session); optional for operators
	Status   string // active, draft, archived or deleted; "" for all
	Listed   *bool
	Hidden   *bool
	Q        string // title contains
	Cursor   string // next_cursor of the previous page
	Limit    int    // 1-200; 0 means 50
}

// ProductPage is one page of products, newest first.
type ProductPage struct {
	Products   []ProductView `json:"products"`
	NextCursor string        `json:"next_cursor"`
}

const viewFrom = ` FROM products p
	JOIN vendors ven ON ven.id = p.vendor_id
	LEFT JOIN shopify_connections sc ON sc.vendor_id = p.vendor_id`

const viewColumns = productColumns + `, ven.status AS vendor_status, COALESCE(sc.status, '') AS connection_status`

// Products lists synced products (tombstones of products Trove never saw are
// left out), newest first, with their variants.
func (s *Store) Products(ctx context.Context, f ProductFilter) (ProductPage, error) {
	var fe fault.Fields
	if f.Limit == 0 {
		f.Limit = 50
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 200, "limit", "must be from 1 to 200")
	fe.Check(f.Status == "" || f.Status == StatusActive || f.Status == StatusDraft || f.Status == StatusArchived || f.Status == StatusDeleted,
		"status", "must be active, draft, archived or deleted")
	fe.Check(utf8.RuneCountInString(f.Q) <= 200, "q", "must be at most 200 characters")
	var after cursor
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, "id")
		if err != nil {
			fe.Add("cursor", "%s", err.Error())
		}
		after = c
	}
	if err := fe.Err(); err != nil {
		return ProductPage{}, err
	}
	q := `SELECT ` + viewColumns + viewFrom + ` WHERE p.synced_at IS NOT NULL`
	var args []any
	if f.VendorID != "" {
		q += ` AND p.vendor_id = ?`
		args = append(args, f.VendorID)
	}
	if f.Status != "" {
		q += ` AND p.status = ?`
		args = append(args, f.Status)
	}
	if f.Listed != nil {
		q += ` AND p.listed = ?`
		args = append(args, *f.Listed)
	}
	if f.Hidden != nil {
		q += ` AND p.hidden_by_operator = ?`
		args = append(args, *f.Hidden)
	}
	if f.Q != "" {
		q += ` AND p.title LIKE ?`
		args = append(args, "%"+escapeLike(f.Q)+"%")
	}
	if after.ID != "" {
		q += ` AND p.id < ?`
		args = append(args, after.ID)
	}
	q += ` ORDER BY p.id DESC LIMIT ?`
	args = append(args, f.Limit+1)
	var rows []viewRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return ProductPage{}, fmt.Errorf("catalog: list products: %w", err)
	}
	page := ProductPage{Products: []ProductView{}}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = encodeCursor(cursor{Sort: "id", ID: rows[len(rows)-1].ID})
	}
	views, err := s.withVariants(ctx, rows)
	if err != nil {
		return ProductPage{}, err
	}
	page.Products = views
	return page, nil
}

// Product returns one synced product; with vendorID set, only one of that
// vendor's (another vendor's product is not found).
func (s *Store) Product(ctx context.Context, vendorID, productID string) (ProductView, error) {
	return s.product(ctx, s.db, vendorID, productID)
}

func (s *Store) product(ctx context.Context, q sqlx.QueryerContext, vendorID, productID string) (ProductView, error) {
	query := `SELECT ` + viewColumns + viewFrom + ` WHERE p.id = ? AND p.synced_at IS NOT NULL`
	args := []any{productID}
	if vendorID != "" {
		query += ` AND p.vendor_id = ?`
		args = append(args, vendorID)
	}
	var row viewRow
	err := sqlx.GetContext(ctx, q, &row, query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return ProductView{}, fault.NotFound("product %s not found", productID)
	}
	if err != nil {
		return ProductView{}, fmt.Errorf("catalog: get product: %w", err)
	}
	views, err := withVariantsQ(ctx, q, []viewRow{row})
	if err != nil {
		return ProductView{}, err
	}
	return views[0], nil
}

func (s *Store) withVariants(ctx context.Context, rows []viewRow) ([]ProductView, error) {
	return withVariantsQ(ctx, s.db, rows)
}

// withVariantsQ turns rows into views with their variants (live ones first,
// then deleted ones), in one query.
func withVariantsQ(ctx context.Context, q sqlx.QueryerContext, rows []viewRow) ([]ProductView, error) {
	out := make([]ProductView, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	index := map[string]int{}
	for i, r := range rows {
		out[i] = r.view()
		ids[i] = r.ID
		index[r.ID] = i
	}
	query, args, err := sqlx.In(`SELECT `+variantColumns+` FROM variants v WHERE v.product_id IN (?)
		ORDER BY v.product_id, v.deleted_at IS NOT NULL, v.created_at, v.id`, ids)
	if err != nil {
		return nil, err
	}
	var vs []variantRow
	if err := sqlx.SelectContext(ctx, q, &vs, query, args...); err != nil {
		return nil, fmt.Errorf("catalog: list variants: %w", err)
	}
	for _, v := range vs {
		i := index[v.ProductID]
		out[i].Variants = append(out[i].Variants, v.view())
	}
	return out, nil
}

// Curation is a vendor's change to a product's curation; nil fields stay as
// they are. Synced fields (title, price, stock, ...) are Shopify's and the
// hidden flag is the operators': a request naming them is refused whole.
type Curation struct {
	Listed    *bool     `json:"listed"`
	Category  *string   `json:"category"`
	GiftTags  *[]string `json:"gift_tags"`
	GiftReady *bool     `json:"gift_ready"`
}

// Curate applies c to the vendor's product under a row lock and audits the
// change with its before and after. Listing a product Shopify deleted is a
// conflict; listing a draft is allowed (it shows once it is active).
func (s *Store) Curate(ctx context.Context, vendorID, productID string, c Curation, by audit.Entry) (ProductView, error) {
	var fe fault.Fields
	var giftTags []string
	if c.Category != nil {
		fe.Check(*c.Category == "" || ValidCategory(*c.Category), "category", "must be one of the categories (GET /api/v1/store/categories), or empty")
	}
	if c.GiftTags != nil {
		var problems []string
		giftTags, problems = cleanGiftTags(*c.GiftTags)
		for _, p := range problems {
			fe.Add("gift_tags", "%s", p)
		}
	}
	if err := fe.Err(); err != nil {
		return ProductView{}, err
	}
	if vendorID == "" {
		return ProductView{}, fault.NotFound("product %s not found", productID)
	}
	var out ProductView
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur productRow
		err := tx.GetContext(ctx, &cur, `SELECT `+productColumns+` FROM products p
			WHERE p.id = ? AND p.vendor_id = ? AND p.synced_at IS NOT NULL FOR UPDATE`, productID, vendorID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("product %s not found", productID)
		}
		if err != nil {
			return err
		}
		next := cur
		if c.Listed != nil {
			if *c.Listed && !cur.Listed && cur.Status == StatusDeleted {
				return fault.Conflict("product %s was deleted in Shopify: it cannot be listed", productID)
			}
			next.Listed = *c.Listed
		}
		if c.Category != nil {
			next.Category = *c.Category
		}
		if c.GiftTags != nil {
			if next.GiftTags, err = marshalTags(giftTags); err != nil {
				return err
			}
		}
		if c.GiftReady != nil {
			next.GiftReady = *c.GiftReady
		}
		before, after := map[string]any{}, map[string]any{}
		if cur.Listed != next.Listed {
			before["listed"], after["listed"] = cur.Listed, next.Listed
		}
		if cur.Category != next.Category {
			before["category"], after["category"] = cur.Category, next.Category
		}
		if !sameJSON(cur.GiftTags, next.GiftTags) {
			before["gift_tags"], after["gift_tags"] = unmarshalTags(cur.GiftTags), unmarshalTags(next.GiftTags)
		}
		if cur.GiftReady != next.GiftReady {
			before["gift_ready"], after["gift_ready"] = cur.GiftReady, next.GiftReady
		}
		if len(after) > 0 {
			now := s.clock.Now()
			const q = `UPDATE products SET listed = ?, category = ?, gift_tags = ?, gift_ready = ?, updated_at = ? WHERE id = ?`
			if _, err := tx.ExecContext(ctx, q, next.Listed, next.Category, next.GiftTags, next.GiftReady, now, cur.ID); err != nil {
				return fmt.Errorf("catalog: curate: %w", err)
			}
			by.At, by.VendorID, by.Action, by.ObjectType, by.ObjectID, by.Before, by.After = now, vendorID, "product.curated", "product", cur.ID, before, after
			if err := audit.Record(ctx, tx, by); err != nil {
				return err
			}
		}
		out, err = s.product(ctx, tx, vendorID, productID)
		return err
	})
	return out, err
}

// SetHidden hides (or shows again) any product on the storefront, for
// operators, and audits it with who, before and after and by.Reason. Setting
// the flag it already has changes nothing and records nothing.
func (s *Store) SetHidden(ctx context.Context, productID string, hidden bool, by audit.Entry) (ProductView, error) {
	if utf8.RuneCountInString(by.Reason) > 1000 {
		return ProductView{}, fault.Invalid("reason must be at most 1000 characters")
	}
	var out ProductView
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur productRow
		err := tx.GetContext(ctx, &cur, `SELECT `+productColumns+` FROM products p WHERE p.id = ? AND p.synced_at IS NOT NULL FOR UPDATE`, productID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("product %s not found", productID)
		}
		if err != nil {
			return err
		}
		if cur.Hidden != hidden {
			now := s.clock.Now()
			if _, err := tx.ExecContext(ctx, `UPDATE products SET hidden_by_operator = ?, updated_at = ? WHERE id = ?`, hidden, now, cur.ID); err != nil {
				return fmt.Errorf("catalog: set hidden: %w", err)
			}
			by.At, by.VendorID, by.ObjectType, by.ObjectID = now, cur.VendorID, "product", cur.ID
			by.Action = "product.unhidden"
			if hidden {
				by.Action = "product.hidden"
			}
			by.Before, by.After = map[string]any{"hidden_by_operator": cur.Hidden}, map[string]any{"hidden_by_operator": hidden}
			if err := audit.Record(ctx, tx, by); err != nil {
				return err
			}
		}
		out, err = s.product(ctx, tx, "", productID)
		return err
	})
	return out, err
}

// cleanGiftTags lower-cases, trims and deduplicates gifting tags, and says
// what is wrong with them.
func cleanGiftTags(in []string) ([]string, []string) {
	var problems []string
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, t := range in {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		switch {
		case t == "":
			problems = append(problems, fmt.Sprintf("tag %d is empty", i))
			continue
		case utf8.RuneCountInString(t) > maxGiftTagLen:
			problems = append(problems, fmt.Sprintf("tag %d is longer than %d characters", i, maxGiftTagLen))
			continue
		case strings.IndexFunc(t, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
			problems = append(problems, fmt.Sprintf("tag %d has characters that cannot be shown", i))
			continue
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > maxGiftTags {
		problems = append(problems, fmt.Sprintf("at most %d tags", maxGiftTags))
	}
	return out, problems
}

// escapeLike escapes LIKE's wildcards (with the default escape character \).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
