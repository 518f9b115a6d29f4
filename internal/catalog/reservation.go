package catalog

// Stock reservations (table reservations, column variants.reserved) and what
// checkout needs to price and hold goods. The catalog owns stock, so checkout
// (internal/orders) calls these with its own transaction: the order and its
// reservations commit together or not at all.
//
// Counting rule: variants.reserved is the sum of the quantities of the active
// reservations on the variant. Available stock is GREATEST(stock_on_hand -
// reserved, 0). The Shopify sync writes stock_on_hand and never reserved, so a
// new stock figure from Shopify cannot clobber what checkouts hold.
//
// Locking: the *Tx functions lock the order's reservation rows and then the
// variants, always in variant id order, so concurrent checkouts and releases
// never deadlock on each other. Run them in a READ COMMITTED transaction
// (db.ReadCommitted): a locking read then locks only the rows it finds, with no
// gap locks for concurrent checkouts' inserts to collide with. The caller
// serialises work on one order (it holds the order's row lock, or the order is
// being created in this very transaction).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Reservation statuses.
const (
	ReservationActive    = "active"
	ReservationCommitted = "committed"
	ReservationReleased  = "released"
)

// ReserveItem is a quantity of one variant to hold for an order.
type ReserveItem struct {
	VariantID string
	Quantity  int
}

// OutOfStockError says which item could not be held. ReserveTx returns it
// wrapped in a fault of kind conflict (an HTTP 409 with Message as its detail).
type OutOfStockError struct {
	VariantID string
	Title     string // "Product title (Variant title)"
	Requested int
	Available int // free units when the reservation failed
	Gone      bool
}

func (e *OutOfStockError) Error() string { return e.message() }

func (e *OutOfStockError) message() string {
	switch {
	case e.Gone:
		return fmt.Sprintf("%s is no longer sold", e.Title)
	case e.Available == 0:
		return fmt.Sprintf("%s is out of stock", e.Title)
	default:
		return fmt.Sprintf("%s: only %d left, %d wanted", e.Title, e.Available, e.Requested)
	}
}

// Reservation is one row of reservations.
type Reservation struct {
	ID          string     `db:"id"`
	OrderID     string     `db:"order_id"`
	VariantID   string     `db:"variant_id"`
	VendorID    string     `db:"vendor_id"`
	Quantity    int        `db:"quantity"`
	Status      string     `db:"status"`
	ExpiresAt   time.Time  `db:"expires_at"`
	CommittedAt *time.Time `db:"committed_at"`
	ReleasedAt  *time.Time `db:"released_at"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
}

const reservationColumns = `id, order_id, variant_id, vendor_id, quantity, status, expires_at, committed_at, released_at, created_at, updated_at`

// mergeItems sums the quantities per variant (a bundle part and a single line
// may name the same variant) and sorts by variant id: the lock order.
func mergeItems(items []ReserveItem) ([]ReserveItem, error) {
	sum := map[string]int{}
	for _, it := range items {
		if it.VariantID == "" || it.Quantity <= 0 {
			return nil, fault.Invalid("a reservation needs a variant and a positive quantity (got %q x %d)", it.VariantID, it.Quantity)
		}
		sum[it.VariantID] += it.Quantity
	}
	out := make([]ReserveItem, 0, len(sum))
	for v, q := range sum {
		out = append(out, ReserveItem{VariantID: v, Quantity: q})
	}
	slices.SortFunc(out, func(a, b ReserveItem) int { return strings.Compare(a.VariantID, b.VariantID) })
	return out, nil
}

// ReserveTx holds items for orderID until expiresAt, within tx: all or
// nothing. Quantities of the same variant are summed. Each variant is held by
// one conditional UPDATE (reserved + q WHERE stock_on_hand - reserved >= q and
// the variant is not deleted), so however many checkouts race, no more is held
// than there is. When an item cannot be held, every change ReserveTx made is
// undone (a savepoint, so tx stays usable) and the error is a conflict fault
// wrapping *OutOfStockError naming the item.
//
// Retrying for the same order is safe: a variant the order already holds
// (active) keeps its hold (its expiry moves to expiresAt if later), a committed
// one is left alone, and a released one is held again, which is how a late
// payment re-takes its stock. A different quantity for a variant the order holds
// or sold is refused.
func (s *Store) ReserveTx(ctx context.Context, tx *sqlx.Tx, orderID string, items []ReserveItem, expiresAt time.Time) error {
	if orderID == "" {
		return fault.Invalid("a reservation needs an order id")
	}
	merged, err := mergeItems(items)
	if err != nil {
		return err
	}
	if len(merged) == 0 {
		return nil
	}
	expiresAt = expiresAt.UTC().Truncate(time.Microsecond)
	var existing []Reservation
	if err := tx.SelectContext(ctx, &existing, `SELECT `+reservationColumns+` FROM reservations
		WHERE order_id = ? ORDER BY variant_id FOR UPDATE`, orderID); err != nil {
		return fmt.Errorf("catalog: read reservations: %w", err)
	}
	byVariant := map[string]Reservation{}
	for _, r := range existing {
		byVariant[r.VariantID] = r
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT catalog_reserve`); err != nil {
		return fmt.Errorf("catalog: savepoint: %w", err)
	}
	undo := func(cause error) error {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT catalog_reserve`); err != nil {
			return errors.Join(cause, fmt.Errorf("catalog: rollback to savepoint: %w", err))
		}
		return cause
	}
	now := s.clock.Now()
	for _, it := range merged {
		cur, found := byVariant[it.VariantID]
		if found && cur.Status != ReservationReleased {
			if cur.Quantity != it.Quantity {
				return undo(fault.Conflict("order %s already holds %d of variant %s, not %d", orderID, cur.Quantity, it.VariantID, it.Quantity))
			}
			if cur.Status == ReservationActive && expiresAt.After(cur.ExpiresAt) {
				if _, err := tx.ExecContext(ctx, `UPDATE reservations SET expires_at = ?, updated_at = ? WHERE id = ? AND status = 'active'`,
					expiresAt, now, cur.ID); err != nil {
					return undo(fmt.Errorf("catalog: extend reservation: %w", err))
				}
			}
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE variants SET reserved = reserved + ?
			WHERE id = ? AND deleted_at IS NULL AND stock_on_hand - reserved >= ?`, it.Quantity, it.VariantID, it.Quantity)
		if err != nil {
			return undo(fmt.Errorf("catalog: reserve %s: %w", it.VariantID, err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			oos, err := s.outOfStock(ctx, tx, it)
			if err != nil {
				return undo(err)
			}
			return undo(fault.Wrap(fault.KindConflict, oos, "%s", oos.message()))
		}
		if found {
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'active', quantity = ?, expires_at = ?, released_at = NULL,
				updated_at = ? WHERE id = ? AND status = 'released'`, it.Quantity, expiresAt, now, cur.ID); err != nil {
				return undo(fmt.Errorf("catalog: re-hold reservation: %w", err))
			}
			continue
		}
		const qi = `INSERT INTO reservations (id, order_id, variant_id, vendor_id, quantity, status, expires_at, created_at, updated_at)
			SELECT ?, ?, v.id, v.vendor_id, ?, 'active', ?, ?, ? FROM variants v WHERE v.id = ?`
		if _, err := tx.ExecContext(ctx, qi, id.New("rsv"), orderID, it.Quantity, expiresAt, now, now, it.VariantID); err != nil {
			return undo(fmt.Errorf("catalog: insert reservation: %w", err))
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT catalog_reserve`); err != nil {
		return fmt.Errorf("catalog: release savepoint: %w", err)
	}
	return nil
}

// outOfStock describes why item could not be held.
func (s *Store) outOfStock(ctx context.Context, tx *sqlx.Tx, it ReserveItem) (*OutOfStockError, error) {
	var row struct {
		Product   string     `db:"product_title"`
		Variant   string     `db:"variant_title"`
		Available int        `db:"available"`
		DeletedAt *time.Time `db:"deleted_at"`
	}
	err := tx.GetContext(ctx, &row, `SELECT p.title AS product_title, v.title AS variant_title,
		GREATEST(v.stock_on_hand - v.reserved, 0) AS available, v.deleted_at
		FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?`, it.VariantID)
	if errors.Is(err, sql.ErrNoRows) {
		return &OutOfStockError{VariantID: it.VariantID, Title: "variant " + it.VariantID, Requested: it.Quantity, Gone: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: describe variant %s: %w", it.VariantID, err)
	}
	title := row.Product
	if row.Variant != "" && row.Variant != "Default Title" {
		title += " (" + row.Variant + ")"
	}
	return &OutOfStockError{VariantID: it.VariantID, Title: title, Requested: it.Quantity, Available: row.Available,
		Gone: row.DeletedAt != nil}, nil
}

// CommitTx turns the order's active reservations into sales, within tx: each
// active row becomes committed, and its units leave both stock_on_hand (never
// below 0) and reserved. Only active rows move, so a replay commits nothing
// twice; released rows are left alone (hold them again with ReserveTx first).
// It returns the number of rows committed.
//
// stock_updated_at moves to now (if later), so a Shopify stock figure taken
// before the sale, and applied after it, cannot put the sold units back. A
// figure taken after the sale but before the vendor's Shopify order exists can
// still do so, until the hand-off of #7 lowers Shopify's own stock.
func (s *Store) CommitTx(ctx context.Context, tx *sqlx.Tx, orderID string) (int, error) {
	now := s.clock.Now()
	return s.settleTx(ctx, tx, orderID, ReservationCommitted, func(r Reservation) (string, []any) {
		return `UPDATE variants SET stock_on_hand = GREATEST(stock_on_hand - ?, 0), reserved = reserved - ?,
			stock_updated_at = IF(stock_updated_at IS NULL OR stock_updated_at < ?, ?, stock_updated_at) WHERE id = ?`,
			[]any{r.Quantity, r.Quantity, now, now, r.VariantID}
	})
}

// ReleaseTx gives the order's active reservations back, within tx (payment
// failed or canceled, or the hold expired): each active row becomes released
// and its units leave reserved. Only active rows move, so a replay releases
// nothing twice and a committed sale is never undone. It returns the number of
// rows released.
func (s *Store) ReleaseTx(ctx context.Context, tx *sqlx.Tx, orderID string) (int, error) {
	return s.settleTx(ctx, tx, orderID, ReservationReleased, func(r Reservation) (string, []any) {
		return `UPDATE variants SET reserved = reserved - ? WHERE id = ?`, []any{r.Quantity, r.VariantID}
	})
}

// settleTx moves the order's active reservations to status, each by a guarded
// UPDATE, and adjusts its variant only when that UPDATE took.
func (s *Store) settleTx(ctx context.Context, tx *sqlx.Tx, orderID, status string, variantUpdate func(Reservation) (string, []any)) (int, error) {
	var active []Reservation
	if err := tx.SelectContext(ctx, &active, `SELECT `+reservationColumns+` FROM reservations
		WHERE order_id = ? AND status = 'active' ORDER BY variant_id FOR UPDATE`, orderID); err != nil {
		return 0, fmt.Errorf("catalog: read reservations: %w", err)
	}
	now := s.clock.Now()
	stamp := "committed_at"
	if status == ReservationReleased {
		stamp = "released_at"
	}
	n := 0
	for _, r := range active {
		res, err := tx.ExecContext(ctx, `UPDATE reservations SET status = ?, `+stamp+` = ?, updated_at = ? WHERE id = ? AND status = 'active'`,
			status, now, now, r.ID)
		if err != nil {
			return n, fmt.Errorf("catalog: %s reservation: %w", status, err)
		}
		if took, _ := res.RowsAffected(); took != 1 {
			continue
		}
		q, args := variantUpdate(r)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return n, fmt.Errorf("catalog: %s stock of %s: %w", status, r.VariantID, err)
		}
		n++
	}
	return n, nil
}

// ExpiredReservations returns up to limit ids of orders holding active
// reservations that expired at or before now, oldest expiry first, for the
// scheduled release.
func (s *Store) ExpiredReservations(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	var ids []string
	const q = `SELECT order_id FROM reservations WHERE status = 'active' AND expires_at <= ?
		GROUP BY order_id ORDER BY MIN(expires_at), order_id LIMIT ?`
	if err := s.db.SelectContext(ctx, &ids, q, now.UTC(), limit); err != nil {
		return nil, fmt.Errorf("catalog: expired reservations: %w", err)
	}
	return ids, nil
}

// Reservations lists an order's reservations, by variant.
func (s *Store) Reservations(ctx context.Context, q sqlx.QueryerContext, orderID string) ([]Reservation, error) {
	var out []Reservation
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT `+reservationColumns+` FROM reservations WHERE order_id = ? ORDER BY variant_id`, orderID); err != nil {
		return nil, fmt.Errorf("catalog: reservations: %w", err)
	}
	return out, nil
}

// Purchasable is what a cart and checkout need to know of a variant now.
type Purchasable struct {
	VariantID    string
	ProductID    string
	VendorID     string
	Vendor       StoreVendor
	Title        string // the product's
	VariantTitle string
	SKU          string
	ImageURL     string
	Price        money.Money
	// Visible: the product passes the storefront rule and the variant is live.
	Visible bool
	// Available is the free stock: GREATEST(stock_on_hand - reserved, 0).
	Available int
	// CommissionBPS is the vendor's commission now, for the order's snapshot.
	CommissionBPS int
}

type purchasableRow struct {
	VariantID     string `db:"variant_id"`
	ProductID     string `db:"product_id"`
	VendorID      string `db:"vendor_id"`
	VendorSlug    string `db:"vendor_slug"`
	VendorName    string `db:"vendor_name"`
	Title         string `db:"title"`
	VariantTitle  string `db:"variant_title"`
	SKU           string `db:"sku"`
	ImageURL      string `db:"image_url"`
	PriceAmount   int64  `db:"price_amount"`
	PriceCurrency string `db:"price_currency"`
	Visible       bool   `db:"visible"`
	Available     int    `db:"available"`
	CommissionBPS int    `db:"commission_bps"`
}

// Purchasables returns the variants with the ids that exist, keyed by id, read
// through q (a transaction, or the pool). Visibility is the storefront rule.
func (s *Store) Purchasables(ctx context.Context, q sqlx.QueryerContext, variantIDs []string) (map[string]Purchasable, error) {
	out := map[string]Purchasable{}
	if len(variantIDs) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT v.id AS variant_id, v.product_id, v.vendor_id, ven.slug AS vendor_slug, ven.name AS vendor_name,
		p.title, v.title AS variant_title, v.sku, p.image_url, v.price_amount, v.price_currency,
		(`+visibleSQL+` AND v.deleted_at IS NULL) AS visible, GREATEST(v.stock_on_hand - v.reserved, 0) AS available,
		ven.commission_bps
		FROM variants v JOIN products p ON p.id = v.product_id
		JOIN vendors ven ON ven.id = p.vendor_id
		LEFT JOIN shopify_connections sc ON sc.vendor_id = p.vendor_id
		WHERE v.id IN (?)`, variantIDs)
	if err != nil {
		return nil, err
	}
	var rows []purchasableRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("catalog: purchasables: %w", err)
	}
	for _, r := range rows {
		out[r.VariantID] = Purchasable{VariantID: r.VariantID, ProductID: r.ProductID, VendorID: r.VendorID,
			Vendor: StoreVendor{Slug: r.VendorSlug, Name: r.VendorName}, Title: r.Title, VariantTitle: r.VariantTitle, SKU: r.SKU,
			ImageURL: r.ImageURL, Price: money.Money{Amount: r.PriceAmount, Currency: r.PriceCurrency}, Visible: r.Visible,
			Available: r.Available, CommissionBPS: r.CommissionBPS}
	}
	return out, nil
}

// BundlePart is one part of a purchasable bundle: a quantity of a variant per
// bundle bought.
type BundlePart struct {
	VariantID string
	Quantity  int
}

// PurchasableBundle is what a cart and checkout need to know of a bundle now.
// Look its parts up with Purchasables.
type PurchasableBundle struct {
	ID       string
	Slug     string
	Name     string
	ImageURL string
	Price    money.Money
	Active   bool
	Parts    []BundlePart // in the bundle's order
}

// PurchasableBundles returns the bundles with the ids that exist, keyed by id,
// read through q.
func (s *Store) PurchasableBundles(ctx context.Context, q sqlx.QueryerContext, bundleIDs []string) (map[string]PurchasableBundle, error) {
	out := map[string]PurchasableBundle{}
	if len(bundleIDs) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT `+bundleColumns+` FROM bundles WHERE id IN (?)`, bundleIDs)
	if err != nil {
		return nil, err
	}
	var rows []bundleRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("catalog: purchasable bundles: %w", err)
	}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, b := range rows {
		ids[i] = b.ID
	}
	query, args, err = sqlx.In(`SELECT bundle_id, variant_id, quantity FROM bundle_items WHERE bundle_id IN (?)
		ORDER BY bundle_id, position, variant_id`, ids)
	if err != nil {
		return nil, err
	}
	var parts []struct {
		BundleID  string `db:"bundle_id"`
		VariantID string `db:"variant_id"`
		Quantity  int    `db:"quantity"`
	}
	if err := sqlx.SelectContext(ctx, q, &parts, query, args...); err != nil {
		return nil, fmt.Errorf("catalog: purchasable bundle parts: %w", err)
	}
	for _, b := range rows {
		out[b.ID] = PurchasableBundle{ID: b.ID, Slug: b.Slug, Name: b.Name, ImageURL: b.ImageURL,
			Price: money.Money{Amount: b.PriceAmount, Currency: b.PriceCurrency}, Active: b.Status == BundleActive}
	}
	for _, p := range parts {
		b := out[p.BundleID]
		b.Parts = append(b.Parts, BundlePart{VariantID: p.VariantID, Quantity: p.Quantity})
		out[p.BundleID] = b
	}
	return out, nil
}
