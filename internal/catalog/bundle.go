package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Bundle statuses.
const (
	BundleActive   = "active"
	BundleArchived = "archived"
)

// Bundle limits.
const (
	maxBundleItems       = 50
	maxBundleItemQty     = 1000
	maxBundleDescription = 5000
)

var bundleSlugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// BundleItemInput is one part of a bundle as operators send it.
type BundleItemInput struct {
	VariantID string `json:"variant_id" db:"variant_id"`
	Quantity  int    `json:"quantity" db:"quantity"`
}

// BundleInput is a new bundle.
type BundleInput struct {
	Slug        string            `json:"slug"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	ImageURL    string            `json:"image_url"`
	Price       money.Money       `json:"price"`
	Items       []BundleItemInput `json:"items"`
}

// BundlePatch changes a bundle; nil fields stay as they are. Items, when
// given, replace the bundle's parts whole.
type BundlePatch struct {
	Slug        *string            `json:"slug"`
	Name        *string            `json:"name"`
	Description *string            `json:"description"`
	ImageURL    *string            `json:"image_url"`
	Price       *money.Money       `json:"price"`
	Status      *string            `json:"status"`
	Items       *[]BundleItemInput `json:"items"`
}

// BundleView is a bundle as operators see it: every part, with whether it is
// visible and in stock.
type BundleView struct {
	ID          string           `json:"id"`
	Slug        string           `json:"slug"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	ImageURL    string           `json:"image_url"`
	Price       money.Money      `json:"price"`
	Status      string           `json:"status"`
	Available   bool             `json:"available"`
	Items       []BundleItemView `json:"items"`
	CreatedBy   string           `json:"created_by"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// BundleItemView is one part of a bundle, for operators.
type BundleItemView struct {
	VariantID    string      `json:"variant_id"`
	ProductID    string      `json:"product_id"`
	VendorID     string      `json:"vendor_id"`
	ProductTitle string      `json:"product_title"`
	VariantTitle string      `json:"variant_title"`
	SKU          string      `json:"sku"`
	Price        money.Money `json:"price"`
	Quantity     int         `json:"quantity"`
	StockOnHand  int         `json:"stock_on_hand"`
	Visible      bool        `json:"visible"`  // the part's product is on the storefront and the variant is live
	InStock      bool        `json:"in_stock"` // stock covers the quantity
}

// StoreBundle is a bundle as buyers see it. Parts that are not visible are
// left out (and make the bundle unavailable): buyers never learn of them.
type StoreBundle struct {
	ID          string            `json:"id"`
	Slug        string            `json:"slug"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	ImageURL    string            `json:"image_url"`
	Price       money.Money       `json:"price"`
	Available   bool              `json:"available"`
	Items       []StoreBundleItem `json:"items"`
}

// StoreBundleItem is a visible part of a bundle.
type StoreBundleItem struct {
	ProductID    string      `json:"product_id"`
	VariantID    string      `json:"variant_id"`
	Title        string      `json:"title"`
	VariantTitle string      `json:"variant_title"`
	ImageURL     string      `json:"image_url"`
	Vendor       StoreVendor `json:"vendor"`
	Quantity     int         `json:"quantity"`
	InStock      bool        `json:"in_stock"`
}

type bundleRow struct {
	ID            string    `db:"id"`
	Slug          string    `db:"slug"`
	Name          string    `db:"name"`
	Description   string    `db:"description"`
	ImageURL      string    `db:"image_url"`
	PriceAmount   int64     `db:"price_amount"`
	PriceCurrency string    `db:"price_currency"`
	Status        string    `db:"status"`
	CreatedBy     string    `db:"created_by"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

const bundleColumns = `id, slug, name, description, image_url, price_amount, price_currency, status, created_by, created_at, updated_at`

type bundleItemRow struct {
	BundleID      string `db:"bundle_id"`
	VariantID     string `db:"variant_id"`
	Quantity      int    `db:"quantity"`
	ProductID     string `db:"product_id"`
	VendorID      string `db:"vendor_id"`
	ProductTitle  string `db:"product_title"`
	VariantTitle  string `db:"variant_title"`
	SKU           string `db:"sku"`
	PriceAmount   int64  `db:"price_amount"`
	PriceCurrency string `db:"price_currency"`
	StockOnHand   int    `db:"stock_on_hand"`
	ImageURL      string `db:"image_url"`
	VendorSlug    string `db:"vendor_slug"`
	VendorName    string `db:"vendor_name"`
	Visible       bool   `db:"visible"`
}

// bundleItems reads the parts of the bundles, in their order, with each
// part's visibility by the storefront rule.
func bundleItems(ctx context.Context, q sqlx.QueryerContext, bundleIDs []string) (map[string][]bundleItemRow, error) {
	out := map[string][]bundleItemRow{}
	if len(bundleIDs) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT bi.bundle_id, bi.variant_id, bi.quantity, v.product_id, v.vendor_id, p.title AS product_title,
		v.title AS variant_title, v.sku, v.price_amount, v.price_currency, GREATEST(v.stock_on_hand - v.reserved, 0) AS stock_on_hand, p.image_url,
		ven.slug AS vendor_slug, ven.name AS vendor_name, (`+visibleSQL+` AND v.deleted_at IS NULL) AS visible
		FROM bundle_items bi
		JOIN variants v ON v.id = bi.variant_id
		JOIN products p ON p.id = v.product_id
		JOIN vendors ven ON ven.id = p.vendor_id
		LEFT JOIN shopify_connections sc ON sc.vendor_id = p.vendor_id
		WHERE bi.bundle_id IN (?) ORDER BY bi.bundle_id, bi.position, bi.variant_id`, bundleIDs)
	if err != nil {
		return nil, err
	}
	var rows []bundleItemRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("catalog: bundle items: %w", err)
	}
	for _, r := range rows {
		out[r.BundleID] = append(out[r.BundleID], r)
	}
	return out, nil
}

// available: every part visible and in stock in the bundle's quantity.
func available(items []bundleItemRow) bool {
	for _, it := range items {
		if !it.Visible || it.StockOnHand < it.Quantity {
			return false
		}
	}
	return len(items) > 0
}

func (b bundleRow) view(items []bundleItemRow) BundleView {
	v := BundleView{ID: b.ID, Slug: b.Slug, Name: b.Name, Description: b.Description, ImageURL: b.ImageURL,
		Price: money.Money{Amount: b.PriceAmount, Currency: b.PriceCurrency}, Status: b.Status,
		Available: b.Status == BundleActive && available(items), Items: []BundleItemView{},
		CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	for _, it := range items {
		v.Items = append(v.Items, BundleItemView{VariantID: it.VariantID, ProductID: it.ProductID, VendorID: it.VendorID,
			ProductTitle: it.ProductTitle, VariantTitle: it.VariantTitle, SKU: it.SKU,
			Price: money.Money{Amount: it.PriceAmount, Currency: it.PriceCurrency}, Quantity: it.Quantity,
			StockOnHand: it.StockOnHand, Visible: it.Visible, InStock: it.StockOnHand >= it.Quantity})
	}
	return v
}

func (b bundleRow) storeView(items []bundleItemRow) StoreBundle {
	v := StoreBundle{ID: b.ID, Slug: b.Slug, Name: b.Name, Description: b.Description, ImageURL: b.ImageURL,
		Price: money.Money{Amount: b.PriceAmount, Currency: b.PriceCurrency}, Available: available(items),
		Items: []StoreBundleItem{}}
	for _, it := range items {
		if !it.Visible {
			continue
		}
		v.Items = append(v.Items, StoreBundleItem{ProductID: it.ProductID, VariantID: it.VariantID, Title: it.ProductTitle,
			VariantTitle: it.VariantTitle, ImageURL: it.ImageURL, Vendor: StoreVendor{Slug: it.VendorSlug, Name: it.VendorName},
			Quantity: it.Quantity, InStock: it.StockOnHand >= it.Quantity})
	}
	return v
}

// validateBundle checks a bundle's own fields; its price when newPrice (a
// price being set: a bundle priced before the bound existed can still be
// renamed or archived).
func validateBundle(f *fault.Fields, b bundleRow, newPrice bool) {
	f.Check(bundleSlugRE.MatchString(b.Slug), "slug", "must be 2-63 lower-case letters, digits or dashes")
	f.Check(strings.TrimSpace(b.Name) != "" && utf8.RuneCountInString(b.Name) <= 200, "name", "is required (at most 200 characters)")
	f.Check(utf8.RuneCountInString(b.Description) <= maxBundleDescription, "description", "must be at most %d characters", maxBundleDescription)
	f.Check(b.ImageURL == "" || (len(b.ImageURL) <= maxURL && (strings.HasPrefix(b.ImageURL, "https://") || strings.HasPrefix(b.ImageURL, "http://"))),
		"image_url", "must be an http(s) URL of at most %d characters", maxURL)
	if newPrice {
		money.CheckIncoming(f, "price", money.Money{Amount: b.PriceAmount, Currency: b.PriceCurrency}, 1)
	}
	f.Check(b.Status == BundleActive || b.Status == BundleArchived, "status", "must be active or archived")
}

// liveVariant is what bundle validation needs to know of a variant.
type liveVariant struct {
	ID       string `db:"id"`
	VendorID string `db:"vendor_id"`
	Currency string `db:"price_currency"`
}

// validateItems checks items against the database: each an existing live
// variant (not deleted, nor its product), once, in a sane quantity, priced in
// the bundle's currency. It returns the variants' vendors.
func validateItems(ctx context.Context, tx *sqlx.Tx, f *fault.Fields, items []BundleItemInput, currency string) (map[string]string, error) {
	f.Check(len(items) >= 1 && len(items) <= maxBundleItems, "items", "a bundle needs 1 to %d parts", maxBundleItems)
	var ids []string
	for _, it := range items {
		if it.VariantID != "" {
			ids = append(ids, it.VariantID)
		}
	}
	live := map[string]liveVariant{}
	if len(ids) > 0 {
		q, args, err := sqlx.In(`SELECT v.id, v.vendor_id, v.price_currency FROM variants v JOIN products p ON p.id = v.product_id
			WHERE v.id IN (?) AND v.deleted_at IS NULL AND p.deleted_at IS NULL AND p.synced_at IS NOT NULL`, ids)
		if err != nil {
			return nil, err
		}
		var rows []liveVariant
		// FOR SHARE: a variant cannot be deleted under the bundle being saved.
		if err := tx.SelectContext(ctx, &rows, q+` LOCK IN SHARE MODE`, args...); err != nil {
			return nil, fmt.Errorf("catalog: bundle variants: %w", err)
		}
		for _, r := range rows {
			live[r.ID] = r
		}
	}
	vendors := map[string]string{}
	seen := map[string]bool{}
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		v, ok := live[it.VariantID]
		switch {
		case it.VariantID == "":
			f.Add(field+".variant_id", "is required")
		case !ok:
			f.Add(field+".variant_id", "is not a live variant")
		case seen[it.VariantID]:
			f.Add(field+".variant_id", "appears twice: give one part with the whole quantity")
		case v.Currency != currency && money.ValidCurrency(currency):
			f.Add(field+".variant_id", "is priced in %s, the bundle in %s", v.Currency, currency)
		}
		seen[it.VariantID] = true
		f.Check(it.Quantity >= 1 && it.Quantity <= maxBundleItemQty, field+".quantity", "must be from 1 to %d", maxBundleItemQty)
		if ok {
			vendors[it.VariantID] = v.VendorID
		}
	}
	return vendors, nil
}

func writeItems(ctx context.Context, tx *sqlx.Tx, bundleID string, items []BundleItemInput, vendors map[string]string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM bundle_items WHERE bundle_id = ?`, bundleID); err != nil {
		return fmt.Errorf("catalog: clear bundle items: %w", err)
	}
	for i, it := range items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bundle_items (bundle_id, variant_id, vendor_id, quantity, position) VALUES (?, ?, ?, ?, ?)`,
			bundleID, it.VariantID, vendors[it.VariantID], it.Quantity, i); err != nil {
			return fmt.Errorf("catalog: write bundle item: %w", err)
		}
	}
	return nil
}

// auditBundle is what the audit log keeps of a bundle.
func auditBundle(b bundleRow, items []BundleItemInput) map[string]any {
	return map[string]any{"slug": b.Slug, "name": b.Name, "description": b.Description, "image_url": b.ImageURL,
		"price": money.Money{Amount: b.PriceAmount, Currency: b.PriceCurrency}, "status": b.Status, "items": items}
}

// CreateBundle adds an active bundle, for operators, audited. Every bad field
// is reported at once; a taken slug is a conflict.
func (s *Store) CreateBundle(ctx context.Context, in BundleInput, by audit.Entry) (BundleView, error) {
	now := s.clock.Now()
	b := bundleRow{ID: id.New("bdl"), Slug: in.Slug, Name: strings.TrimSpace(in.Name), Description: in.Description, ImageURL: in.ImageURL,
		PriceAmount: in.Price.Amount, PriceCurrency: in.Price.Currency, Status: BundleActive, CreatedBy: by.ActorID,
		CreatedAt: now, UpdatedAt: now}
	var out BundleView
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var f fault.Fields
		validateBundle(&f, b, true)
		vendors, err := validateItems(ctx, tx, &f, in.Items, b.PriceCurrency)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		const q = `INSERT INTO bundles (` + bundleColumns + `) VALUES (:id, :slug, :name, :description, :image_url, :price_amount,
			:price_currency, :status, :created_by, :created_at, :updated_at)`
		if _, err := tx.NamedExecContext(ctx, q, b); err != nil {
			if db.IsDuplicate(err) {
				return fault.Conflict("a bundle with slug %q exists", b.Slug)
			}
			return fmt.Errorf("catalog: insert bundle: %w", err)
		}
		if err := writeItems(ctx, tx, b.ID, in.Items, vendors); err != nil {
			return err
		}
		by.At, by.Action, by.ObjectType, by.ObjectID, by.After = now, "bundle.created", "bundle", b.ID, auditBundle(b, in.Items)
		if err := audit.Record(ctx, tx, by); err != nil {
			return err
		}
		out, err = s.adminBundle(ctx, tx, b.ID)
		return err
	})
	return out, err
}

// UpdateBundle applies p to a bundle under a row lock, audited with before
// and after. Archive with status "archived" (it leaves the storefront).
func (s *Store) UpdateBundle(ctx context.Context, bundleID string, p BundlePatch, by audit.Entry) (BundleView, error) {
	var out BundleView
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur bundleRow
		err := tx.GetContext(ctx, &cur, `SELECT `+bundleColumns+` FROM bundles WHERE id = ? FOR UPDATE`, bundleID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("bundle %s not found", bundleID)
		}
		if err != nil {
			return err
		}
		var curItems []BundleItemInput
		if err := tx.SelectContext(ctx, &curItems, `SELECT variant_id, quantity FROM bundle_items WHERE bundle_id = ? ORDER BY position, variant_id`, bundleID); err != nil {
			return err
		}
		next := cur
		if p.Slug != nil {
			next.Slug = *p.Slug
		}
		if p.Name != nil {
			next.Name = strings.TrimSpace(*p.Name)
		}
		if p.Description != nil {
			next.Description = *p.Description
		}
		if p.ImageURL != nil {
			next.ImageURL = *p.ImageURL
		}
		if p.Price != nil {
			next.PriceAmount, next.PriceCurrency = p.Price.Amount, p.Price.Currency
		}
		if p.Status != nil {
			next.Status = *p.Status
		}
		var f fault.Fields
		validateBundle(&f, next, p.Price != nil)
		nextItems := curItems
		var vendors map[string]string
		if p.Items != nil {
			nextItems = *p.Items
			if vendors, err = validateItems(ctx, tx, &f, nextItems, next.PriceCurrency); err != nil {
				return err
			}
		} else if next.PriceCurrency != cur.PriceCurrency && len(curItems) > 0 {
			f.Add("price.currency", "the parts are priced in %s: send items priced in %s with the new currency", cur.PriceCurrency, next.PriceCurrency)
		}
		if err := f.Err(); err != nil {
			return err
		}
		itemsChanged := p.Items != nil && fmt.Sprint(nextItems) != fmt.Sprint(curItems)
		if next == cur && !itemsChanged {
			out, err = s.adminBundle(ctx, tx, bundleID)
			return err
		}
		next.UpdatedAt = s.clock.Now()
		const q = `UPDATE bundles SET slug = :slug, name = :name, description = :description, image_url = :image_url,
			price_amount = :price_amount, price_currency = :price_currency, status = :status, updated_at = :updated_at WHERE id = :id`
		if _, err := tx.NamedExecContext(ctx, q, next); err != nil {
			if db.IsDuplicate(err) {
				return fault.Conflict("a bundle with slug %q exists", next.Slug)
			}
			return fmt.Errorf("catalog: update bundle: %w", err)
		}
		if itemsChanged {
			if err := writeItems(ctx, tx, bundleID, nextItems, vendors); err != nil {
				return err
			}
		}
		by.At, by.ObjectType, by.ObjectID = next.UpdatedAt, "bundle", bundleID
		by.Action = "bundle.updated"
		if cur.Status != next.Status && next.Status == BundleArchived {
			by.Action = "bundle.archived"
		}
		by.Before, by.After = auditBundle(cur, curItems), auditBundle(next, nextItems)
		if err := audit.Record(ctx, tx, by); err != nil {
			return err
		}
		out, err = s.adminBundle(ctx, tx, bundleID)
		return err
	})
	return out, err
}

// Bundle returns a bundle for operators.
func (s *Store) Bundle(ctx context.Context, bundleID string) (BundleView, error) {
	return s.adminBundle(ctx, s.db, bundleID)
}

func (s *Store) adminBundle(ctx context.Context, q sqlx.QueryerContext, bundleID string) (BundleView, error) {
	var b bundleRow
	err := sqlx.GetContext(ctx, q, &b, `SELECT `+bundleColumns+` FROM bundles WHERE id = ?`, bundleID)
	if errors.Is(err, sql.ErrNoRows) {
		return BundleView{}, fault.NotFound("bundle %s not found", bundleID)
	}
	if err != nil {
		return BundleView{}, err
	}
	items, err := bundleItems(ctx, q, []string{b.ID})
	if err != nil {
		return BundleView{}, err
	}
	return b.view(items[b.ID]), nil
}

// Bundles lists bundles for operators by name, optionally of one status.
func (s *Store) Bundles(ctx context.Context, status string) ([]BundleView, error) {
	if status != "" && status != BundleActive && status != BundleArchived {
		return nil, fault.Invalid("status must be active or archived")
	}
	rows, items, err := s.bundles(ctx, status)
	if err != nil {
		return nil, err
	}
	out := make([]BundleView, len(rows))
	for i, b := range rows {
		out[i] = b.view(items[b.ID])
	}
	return out, nil
}

func (s *Store) bundles(ctx context.Context, status string) ([]bundleRow, map[string][]bundleItemRow, error) {
	q := `SELECT ` + bundleColumns + ` FROM bundles`
	var args []any
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	var rows []bundleRow
	if err := s.db.SelectContext(ctx, &rows, q+` ORDER BY name, id LIMIT 1000`, args...); err != nil {
		return nil, nil, fmt.Errorf("catalog: list bundles: %w", err)
	}
	ids := make([]string, len(rows))
	for i, b := range rows {
		ids[i] = b.ID
	}
	items, err := bundleItems(ctx, s.db, ids)
	return rows, items, err
}

// StoreBundles lists the active bundles by name, each with its availability.
func (s *Store) StoreBundles(ctx context.Context) ([]StoreBundle, error) {
	rows, items, err := s.bundles(ctx, BundleActive)
	if err != nil {
		return nil, err
	}
	out := make([]StoreBundle, len(rows))
	for i, b := range rows {
		out[i] = b.storeView(items[b.ID])
	}
	return out, nil
}

// StoreBundle returns an active bundle by id or slug.
func (s *Store) StoreBundle(ctx context.Context, idOrSlug string) (StoreBundle, error) {
	var b bundleRow
	err := s.db.GetContext(ctx, &b, `SELECT `+bundleColumns+` FROM bundles WHERE (id = ? OR slug = ?) AND status = 'active'`, idOrSlug, idOrSlug)
	if errors.Is(err, sql.ErrNoRows) {
		return StoreBundle{}, fault.NotFound("bundle %s not found", idOrSlug)
	}
	if err != nil {
		return StoreBundle{}, err
	}
	items, err := bundleItems(ctx, s.db, []string{b.ID})
	if err != nil {
		return StoreBundle{}, err
	}
	return b.storeView(items[b.ID]), nil
}
