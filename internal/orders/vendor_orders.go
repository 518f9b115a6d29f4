package orders

// Vendor orders (table vendor_orders): one vendor's part of an order for one
// recipient. This package is the table's one writer. It writes a vendor order
// with its order (pending; accepted for an order paid when it is made), moves
// it with the order's payment (accepted or cancelled: the state table in
// state.go) and moves its refund counters (refunds.go). What happens after
// payment (packed, shipped, delivered or cancelled by the vendor, tracking,
// the Shopify hand-off) is internal/fulfilment's to decide: it reads vendor
// orders here and changes them through UpdateVendorOrder, which saves the
// change and what follows from it in the same transaction: the order's
// fulfilment status, the packing manifest's version, the jobs, the audit
// entry, and a flag when a vendor order with money not refunded is cancelled.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// Vendor order statuses (Shopify's spelling of cancelled). pending and
// accepted follow the order's payment; internal/fulfilment moves an accepted
// vendor order on through packed, shipped and delivered, or cancels it.
const (
	VendorOrderPending   = "pending"  // the order awaits payment
	VendorOrderAccepted  = "accepted" // the order is paid: the vendor fulfils it
	VendorOrderPacked    = "packed"
	VendorOrderShipped   = "shipped"
	VendorOrderDelivered = "delivered"
	VendorOrderCancelled = "cancelled"
)

// The buyer's view of delivery (orders.fulfilment_status), derived from the
// order's vendor orders whenever one moves.
const (
	FulfilmentUnfulfilled      = "unfulfilled"
	FulfilmentPartiallyShipped = "partially_shipped"
	FulfilmentShipped          = "shipped"
	FulfilmentDelivered        = "delivered"
	FulfilmentCancelled        = "cancelled"
)

// VendorOrder is one vendor's part of an order, for one recipient.
type VendorOrder struct {
	ID            string
	OrderID       string
	VendorID      string
	Vendor        catalog.StoreVendor // slug and name, at checkout
	RecipientKey  string              // "" when the order's recipient and message apply
	Recipient     Recipient
	GiftMessage   string
	DeliveryDate  string // YYYY-MM-DD or ""
	Subtotal      money.Money
	CommissionBPS int // the vendor's rate at checkout
	Refunded      money.Money
	Status        string
	Lines         []VendorOrderLine // by line number
	Tracking      Tracking
	Shopify       *ShopifyOrderRef // the order it was handed off as, in the vendor's Shopify store
	PlacedAt      time.Time        // the order's
	AcceptedAt    *time.Time
	HandedOffAt   *time.Time
	PackedAt      *time.Time
	ShippedAt     *time.Time
	DeliveredAt   *time.Time
	CancelledAt   *time.Time
	UpdatedAt     time.Time
	// ManifestVersion counts the changes its packing manifest shows;
	// ManifestRendered is the version stored (0: none yet).
	ManifestVersion  int
	ManifestRendered int
}

// VendorOrderLine is a line of a vendor order, as the vendor packs it.
type VendorOrderLine struct {
	ID               string      `json:"id"`
	VariantID        string      `json:"variant_id"`
	SKU              string      `json:"sku"`
	Title            string      `json:"title"`
	VariantTitle     string      `json:"variant_title"`
	Quantity         int         `json:"quantity"`
	RefundedQuantity int         `json:"refunded_quantity"`
	UnitPrice        money.Money `json:"unit_price"`
	Amount           money.Money `json:"amount"`
}

// Tracking is how a shipment can be followed.
type Tracking struct {
	Carrier string `json:"carrier"`
	Number  string `json:"number"`
	URL     string `json:"url"`
}

// ShopifyOrderRef names a vendor order's order in its vendor's Shopify store.
type ShopifyOrderRef struct {
	ID   string `json:"id"`   // GID
	Name string `json:"name"` // "#1001"
}

// Actor is who changes a vendor order, for the audit log.
type Actor struct {
	Type      string // audit.ActorUser or audit.ActorSystem
	ID        string // user id, or "shopify"
	RequestID string
}

type vendorOrderRow struct {
	ID               string     `db:"id"`
	OrderID          string     `db:"order_id"`
	VendorID         string     `db:"vendor_id"`
	VendorSlug       string     `db:"vendor_slug"`
	VendorName       string     `db:"vendor_name"`
	RecipientKey     string     `db:"recipient_key"`
	RecipientJSON    string     `db:"recipient_json"`
	GiftMessage      string     `db:"gift_message"`
	DeliveryDate     *string    `db:"delivery_date"`
	Currency         string     `db:"currency"`
	SubtotalAmount   int64      `db:"subtotal_amount"`
	CommissionBPS    int        `db:"commission_bps"`
	RefundedAmount   int64      `db:"refunded_amount"`
	Status           string     `db:"status"`
	ShopifyOrderID   *string    `db:"shopify_order_id"`
	ShopifyOrderName string     `db:"shopify_order_name"`
	Carrier          string     `db:"carrier"`
	TrackingNumber   string     `db:"tracking_number"`
	TrackingURL      string     `db:"tracking_url"`
	PlacedAt         time.Time  `db:"placed_at"`
	AcceptedAt       *time.Time `db:"accepted_at"`
	HandedOffAt      *time.Time `db:"handed_off_at"`
	PackedAt         *time.Time `db:"packed_at"`
	ShippedAt        *time.Time `db:"shipped_at"`
	DeliveredAt      *time.Time `db:"delivered_at"`
	CancelledAt      *time.Time `db:"cancelled_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
	ManifestVersion  int        `db:"manifest_version"`
	ManifestRendered int        `db:"manifest_rendered_version"`
}

const vendorOrderColumns = `v.id, v.order_id, v.vendor_id, v.vendor_slug, v.vendor_name, v.recipient_key, v.recipient_json, v.gift_message,
	DATE_FORMAT(v.delivery_date, '%Y-%m-%d') AS delivery_date, v.currency, v.subtotal_amount, v.refunded_amount, v.commission_bps,
	v.status, v.shopify_order_id, v.shopify_order_name, v.carrier, v.tracking_number, v.tracking_url, o.placed_at, v.accepted_at,
	v.handed_off_at, v.packed_at, v.shipped_at, v.delivered_at, v.cancelled_at, v.updated_at, v.manifest_version,
	v.manifest_rendered_version`

const vendorOrderFrom = ` FROM vendor_orders v JOIN orders o ON o.id = v.order_id`

// loadVendorOrders reads vendor orders (where: a condition on v, with its
// order and limit) with their lines.
func loadVendorOrders(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]VendorOrder, error) {
	var rows []vendorOrderRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+vendorOrderColumns+vendorOrderFrom+` WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("orders: read vendor orders: %w", err)
	}
	out := make([]VendorOrder, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	query, qargs, err := sqlx.In(`SELECT id, vendor_order_id, variant_id, sku, title, variant_title, quantity, refunded_quantity,
		unit_price_amount, amount, currency FROM order_lines WHERE vendor_order_id IN (?) ORDER BY line_no`, ids)
	if err != nil {
		return nil, err
	}
	var lines []struct {
		ID               string `db:"id"`
		VendorOrderID    string `db:"vendor_order_id"`
		VariantID        string `db:"variant_id"`
		SKU              string `db:"sku"`
		Title            string `db:"title"`
		VariantTitle     string `db:"variant_title"`
		Quantity         int    `db:"quantity"`
		RefundedQuantity int    `db:"refunded_quantity"`
		UnitPriceAmount  int64  `db:"unit_price_amount"`
		Amount           int64  `db:"amount"`
		Currency         string `db:"currency"`
	}
	if err := sqlx.SelectContext(ctx, q, &lines, query, qargs...); err != nil {
		return nil, fmt.Errorf("orders: read vendor order lines: %w", err)
	}
	byVO := map[string][]VendorOrderLine{}
	for _, l := range lines {
		byVO[l.VendorOrderID] = append(byVO[l.VendorOrderID], VendorOrderLine{ID: l.ID, VariantID: l.VariantID, SKU: l.SKU,
			Title: l.Title, VariantTitle: l.VariantTitle, Quantity: l.Quantity, RefundedQuantity: l.RefundedQuantity,
			UnitPrice: money.Money{Amount: l.UnitPriceAmount, Currency: l.Currency}, Amount: money.Money{Amount: l.Amount, Currency: l.Currency}})
	}
	for _, r := range rows {
		rec := parseRecipient(&r.RecipientJSON)
		if rec == nil {
			rec = &Recipient{AddressLines: []string{}}
		}
		vo := VendorOrder{ID: r.ID, OrderID: r.OrderID, VendorID: r.VendorID, Vendor: catalog.StoreVendor{Slug: r.VendorSlug, Name: r.VendorName},
			RecipientKey: r.RecipientKey, Recipient: *rec, GiftMessage: r.GiftMessage, DeliveryDate: deref(r.DeliveryDate),
			Subtotal: money.Money{Amount: r.SubtotalAmount, Currency: r.Currency}, CommissionBPS: r.CommissionBPS,
			Refunded: money.Money{Amount: r.RefundedAmount, Currency: r.Currency}, Status: r.Status, Lines: byVO[r.ID],
			Tracking: Tracking{Carrier: r.Carrier, Number: r.TrackingNumber, URL: r.TrackingURL}, PlacedAt: r.PlacedAt,
			AcceptedAt: r.AcceptedAt, HandedOffAt: r.HandedOffAt, PackedAt: r.PackedAt, ShippedAt: r.ShippedAt,
			DeliveredAt: r.DeliveredAt, CancelledAt: r.CancelledAt, UpdatedAt: r.UpdatedAt,
			ManifestVersion: r.ManifestVersion, ManifestRendered: r.ManifestRendered}
		if vo.Lines == nil {
			vo.Lines = []VendorOrderLine{}
		}
		if r.ShopifyOrderID != nil {
			vo.Shopify = &ShopifyOrderRef{ID: *r.ShopifyOrderID, Name: r.ShopifyOrderName}
		}
		out = append(out, vo)
	}
	return out, nil
}

func loadVendorOrder(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (VendorOrder, error) {
	vos, err := loadVendorOrders(ctx, q, where, args...)
	if err != nil {
		return VendorOrder{}, err
	}
	if len(vos) == 0 {
		return VendorOrder{}, fault.NotFound("vendor order not found")
	}
	return vos[0], nil
}

// VendorOrderByID returns a vendor order, paid or not, for jobs and operators.
func (s *Store) VendorOrderByID(ctx context.Context, vendorOrderID string) (VendorOrder, error) {
	return loadVendorOrder(ctx, s.db, `v.id = ?`, vendorOrderID)
}

// PaidVendorOrder returns one of the vendor's paid vendor orders; another
// vendor's, or one not paid yet, is not found.
func (s *Store) PaidVendorOrder(ctx context.Context, vendorID, vendorOrderID string) (VendorOrder, error) {
	return loadVendorOrder(ctx, s.db, `v.id = ? AND v.vendor_id = ? AND v.status <> 'pending'`, vendorOrderID, vendorID)
}

// VendorOrderByShopifyOrder finds the vendor order handed to the vendor's
// store as the Shopify order with that GID.
func (s *Store) VendorOrderByShopifyOrder(ctx context.Context, vendorID, shopifyOrderID string) (VendorOrder, error) {
	return loadVendorOrder(ctx, s.db, `v.vendor_id = ? AND v.shopify_order_id = ?`, vendorID, shopifyOrderID)
}

// VendorOrdersOfCustomer returns the vendor's vendor orders (any status)
// that a store's privacy request names: those handed off as one of the
// Shopify orders (GIDs), and those of orders bought with the email
// (compared without regard to case; "" matches none). Newest first, at most
// 1,000.
func (s *Store) VendorOrdersOfCustomer(ctx context.Context, vendorID string, shopifyOrderIDs []string, email string) ([]VendorOrder, error) {
	var conds []string
	args := []any{vendorID}
	if len(shopifyOrderIDs) > 0 {
		conds = append(conds, `v.shopify_order_id IN (?`+strings.Repeat(`, ?`, len(shopifyOrderIDs)-1)+`)`)
		for _, id := range shopifyOrderIDs {
			args = append(args, id)
		}
	}
	if email = strings.TrimSpace(email); email != "" {
		conds = append(conds, `LOWER(o.buyer_email) = LOWER(?)`)
		args = append(args, email)
	}
	if len(conds) == 0 {
		return []VendorOrder{}, nil
	}
	return loadVendorOrders(ctx, s.db, `v.vendor_id = ? AND (`+strings.Join(conds, ` OR `)+`) ORDER BY o.placed_at DESC, v.id LIMIT 1000`, args...)
}

// VendorOrderFilter narrows a vendor's list of its paid vendor orders.
type VendorOrderFilter struct {
	Statuses []string  // any of these; empty: every status but pending
	From, To time.Time // accepted within [From, To); zero: no bound
	Search   string    // part of the vendor order id, order id or recipient name
	Cursor   string    // from the previous page's Next
	Limit    int       // 1..100, default 25
}

// VendorOrderPage is a page of vendor orders, newest accepted first.
type VendorOrderPage struct {
	Items []VendorOrder
	Next  *string // the cursor of the next page; nil on the last
}

// PaidVendorOrders lists the vendor's paid vendor orders, newest first.
func (s *Store) PaidVendorOrders(ctx context.Context, vendorID string, f VendorOrderFilter) (VendorOrderPage, error) {
	var fe fault.Fields
	for _, st := range f.Statuses {
		switch st {
		case VendorOrderAccepted, VendorOrderPacked, VendorOrderShipped, VendorOrderDelivered, VendorOrderCancelled:
		default:
			fe.Add("status", "%q is not one of accepted, packed, shipped, delivered, cancelled", st)
		}
	}
	if f.Limit == 0 {
		f.Limit = 25
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 100, "limit", "must be between 1 and 100")
	fe.Check(f.From.IsZero() || f.To.IsZero() || f.From.Before(f.To), "from", "must be before to")
	fe.Check(utf8.RuneCountInString(f.Search) <= 100, "q", "must be at most 100 characters")
	var afterAt time.Time
	var afterID string
	if f.Cursor != "" {
		var err error
		if afterAt, afterID, err = db.DecodeCursor(f.Cursor); err != nil {
			fe.Add("cursor", "is not a cursor from a previous page")
		}
	}
	if err := fe.Err(); err != nil {
		return VendorOrderPage{}, err
	}
	where := `v.vendor_id = ? AND v.status <> 'pending' AND v.accepted_at IS NOT NULL`
	args := []any{vendorID}
	if len(f.Statuses) > 0 {
		where += ` AND v.status IN (?` + strings.Repeat(`, ?`, len(f.Statuses)-1) + `)`
		for _, st := range f.Statuses {
			args = append(args, st)
		}
	}
	if !f.From.IsZero() {
		where, args = where+` AND v.accepted_at >= ?`, append(args, f.From)
	}
	if !f.To.IsZero() {
		where, args = where+` AND v.accepted_at < ?`, append(args, f.To)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		where += ` AND (v.id LIKE ? OR v.order_id LIKE ? OR JSON_UNQUOTE(JSON_EXTRACT(v.recipient_json, '$.name')) LIKE ?)`
		args = append(args, like, like, like)
	}
	if afterID != "" {
		where += ` AND (v.accepted_at < ? OR (v.accepted_at = ? AND v.id < ?))`
		args = append(args, afterAt, afterAt, afterID)
	}
	where += fmt.Sprintf(` ORDER BY v.accepted_at DESC, v.id DESC LIMIT %d`, f.Limit+1)
	items, err := loadVendorOrders(ctx, s.db, where, args...)
	if err != nil {
		return VendorOrderPage{}, err
	}
	page := VendorOrderPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		c := db.EncodeCursor(*last.AcceptedAt, last.ID)
		page.Next = &c
	}
	return page, nil
}

// OpenVendorOrdersOfDay lists the vendor's vendor orders accepted on day
// (UTC) that still need packing or shipping (accepted or packed), oldest
// first: the day's batch of manifests.
func (s *Store) OpenVendorOrdersOfDay(ctx context.Context, vendorID string, day time.Time) ([]VendorOrder, error) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return loadVendorOrders(ctx, s.db, `v.vendor_id = ? AND v.status IN ('accepted', 'packed') AND v.accepted_at >= ?
		AND v.accepted_at < ? ORDER BY v.accepted_at, v.id LIMIT 500`, vendorID, start, start.AddDate(0, 0, 1))
}

// UpdateVendorOrder runs fn on a paid vendor order under the row locks of its
// order and then itself (the lock order of payments and refunds), in a READ
// COMMITTED transaction retried on deadlock, and saves what fn changed, with
// by in the audit log. fn may change what happens to the vendor order after
// payment: its status (accepted, packed, shipped, delivered or cancelled),
// the times of those steps, its tracking, and its Shopify order (once, with
// the hand-off's time). Anything else, or any change to a vendor order not
// paid yet, is refused; which moves are allowed is the caller's rule
// (internal/fulfilment). A Shopify order that belongs to another vendor order
// is a conflict. When fn returns an error, nothing is saved.
//
// With the change, in the same transaction: a move or new tracking bumps the
// packing manifest's version and enqueues FulfilmentChanged; the order's
// fulfilment status is derived again; the first shipment enqueues Shipped
// (the buyer's mail); cancelling a vendor order with money not refunded
// flags its order for operators (the buyer must be refunded).
//
// It answers the vendor order as it now is, and whether anything changed.
func (s *Store) UpdateVendorOrder(ctx context.Context, vendorOrderID string, by Actor, fn func(*VendorOrder) error) (VendorOrder, bool, error) {
	var changed bool
	err := db.RetryDeadlocks(ctx, func() error {
		changed = false
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			var orderID string
			err := tx.GetContext(ctx, &orderID, `SELECT order_id FROM vendor_orders WHERE id = ?`, vendorOrderID)
			if errors.Is(err, sql.ErrNoRows) {
				return fault.NotFound("vendor order %s not found", vendorOrderID)
			}
			if err != nil {
				return err
			}
			if err := tx.GetContext(ctx, &orderID, `SELECT id FROM orders WHERE id = ? FOR UPDATE`, orderID); err != nil {
				return err
			}
			before, err := loadVendorOrder(ctx, tx, `v.id = ? FOR UPDATE`, vendorOrderID)
			if err != nil {
				return err
			}
			after := before.clone()
			if err := fn(&after); err != nil {
				return err
			}
			changed, err = s.saveVendorOrder(ctx, tx, before, after, by)
			return err
		})
	})
	if err != nil {
		return VendorOrder{}, false, err
	}
	vo, err := s.VendorOrderByID(ctx, vendorOrderID)
	return vo, changed, err
}

func (vo VendorOrder) clone() VendorOrder {
	c := vo
	c.Lines = slices.Clone(vo.Lines)
	c.Recipient.AddressLines = slices.Clone(vo.Recipient.AddressLines)
	if vo.Shopify != nil {
		ref := *vo.Shopify
		c.Shopify = &ref
	}
	for _, p := range []**time.Time{&c.AcceptedAt, &c.HandedOffAt, &c.PackedAt, &c.ShippedAt, &c.DeliveredAt, &c.CancelledAt} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return c
}

// frozen is the vendor order without what UpdateVendorOrder may save.
func (vo VendorOrder) frozen() VendorOrder {
	vo.Status, vo.Tracking, vo.Shopify, vo.HandedOffAt = "", Tracking{}, nil, nil
	vo.PackedAt, vo.ShippedAt, vo.DeliveredAt, vo.CancelledAt = nil, nil, nil, nil
	return vo
}

// saveVendorOrder writes what changed from before to after, within tx under
// the row locks, with what follows from it (see UpdateVendorOrder).
func (s *Store) saveVendorOrder(ctx context.Context, tx *sqlx.Tx, before, after VendorOrder, by Actor) (bool, error) {
	if !reflect.DeepEqual(before.frozen(), after.frozen()) {
		return false, fmt.Errorf("orders: vendor order %s: only its fulfilment (status, times, tracking, Shopify order) can be changed", before.ID)
	}
	if reflect.DeepEqual(before, after) {
		return false, nil
	}
	if before.Status == VendorOrderPending {
		return false, fault.Conflict("vendor order %s is not paid yet: it cannot be %s", before.ID, after.Status)
	}
	switch after.Status {
	case VendorOrderAccepted, VendorOrderPacked, VendorOrderShipped, VendorOrderDelivered, VendorOrderCancelled:
	default:
		return false, fmt.Errorf("orders: vendor order %s: %q is not a status of a paid vendor order", before.ID, after.Status)
	}
	now := s.clock.Now()
	if !reflect.DeepEqual(before.Shopify, after.Shopify) {
		if before.Shopify != nil || after.Shopify == nil || after.HandedOffAt == nil {
			return false, fmt.Errorf("orders: vendor order %s: its Shopify order is recorded once, with the hand-off's time", before.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET shopify_order_id = ?, shopify_order_name = ?, handed_off_at = ?,
			updated_at = ? WHERE id = ?`, after.Shopify.ID, after.Shopify.Name, after.HandedOffAt, now, before.ID); err != nil {
			if db.IsDuplicate(err) {
				return false, fault.Conflict("Shopify order %s already belongs to another vendor order", after.Shopify.ID)
			}
			return false, fmt.Errorf("orders: record Shopify order: %w", err)
		}
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, VendorID: before.VendorID,
			Action: "vendor_order.handed_off", ObjectType: "vendor_order", ObjectID: before.ID, RequestID: by.RequestID,
			After: map[string]string{"shopify_order_id": after.Shopify.ID, "shopify_order_name": after.Shopify.Name}}); err != nil {
			return false, err
		}
	}
	if after.Status == before.Status && after.Tracking == before.Tracking && reflect.DeepEqual(before.stepTimes(), after.stepTimes()) {
		return true, nil // only the hand-off
	}
	// The manifest shows the status and tracking: a new version.
	if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = ?, carrier = ?, tracking_number = ?, tracking_url = ?,
		packed_at = ?, shipped_at = ?, delivered_at = ?, cancelled_at = ?, manifest_version = manifest_version + 1, updated_at = ?
		WHERE id = ? AND status = ?`, after.Status, after.Tracking.Carrier, after.Tracking.Number, after.Tracking.URL, after.PackedAt,
		after.ShippedAt, after.DeliveredAt, after.CancelledAt, now, before.ID, before.Status); err != nil {
		return false, fmt.Errorf("orders: move vendor order %s: %w", before.ID, err)
	}
	if after.Status != before.Status {
		if err := s.deriveFulfilmentTx(ctx, tx, before.OrderID, now); err != nil {
			return false, err
		}
	}
	if after.Status == VendorOrderCancelled && before.Status != VendorOrderCancelled && before.Refunded.Amount < before.Subtotal.Amount {
		// The buyer paid for goods that will not come: an operator refunds
		// them (or finds another way).
		reason := fmt.Sprintf("vendor order %s (%s) was cancelled with %s of it not refunded", before.ID, before.Vendor.Name,
			money.Money{Amount: before.Subtotal.Amount - before.Refunded.Amount, Currency: before.Subtotal.Currency})
		if err := s.flagTx(ctx, tx, before.OrderID, reason); err != nil {
			return false, err
		}
	}
	if _, err := s.queue.Enqueue(ctx, tx, FulfilmentChanged{VendorOrderID: before.ID, Status: after.Status}); err != nil {
		return false, err
	}
	if before.ShippedAt == nil && after.ShippedAt != nil {
		if _, err := s.queue.Enqueue(ctx, tx, Shipped{VendorOrderID: before.ID}, queue.UniqueKey("orders.shipped:"+before.ID)); err != nil {
			return false, err
		}
	}
	return true, audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, VendorID: before.VendorID,
		Action: "vendor_order." + after.Status, ObjectType: "vendor_order", ObjectID: before.ID, RequestID: by.RequestID,
		Before: map[string]any{"status": before.Status, "tracking": before.Tracking},
		After:  map[string]any{"status": after.Status, "tracking": after.Tracking}})
}

// stepTimes are the times of the steps after payment.
func (vo VendorOrder) stepTimes() [4]*time.Time {
	return [4]*time.Time{vo.PackedAt, vo.ShippedAt, vo.DeliveredAt, vo.CancelledAt}
}

// deriveFulfilmentTx sets the order's fulfilment_status from its vendor
// orders, within tx.
func (s *Store) deriveFulfilmentTx(ctx context.Context, tx *sqlx.Tx, orderID string, now time.Time) error {
	var statuses []string
	if err := tx.SelectContext(ctx, &statuses, `SELECT status FROM vendor_orders WHERE order_id = ?`, orderID); err != nil {
		return fmt.Errorf("orders: read vendor order statuses: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE orders SET fulfilment_status = ?, updated_at = ? WHERE id = ? AND fulfilment_status <> ?`,
		deriveFulfilment(statuses), now, orderID, deriveFulfilment(statuses))
	return err
}

// deriveFulfilment is the buyer's view of an order whose vendor orders have
// these statuses.
func deriveFulfilment(statuses []string) string {
	var live, shipped, delivered int
	for _, st := range statuses {
		switch st {
		case VendorOrderCancelled:
			continue
		case VendorOrderShipped:
			shipped++
		case VendorOrderDelivered:
			delivered++
		}
		live++
	}
	switch {
	case live == 0 && len(statuses) > 0:
		return FulfilmentCancelled
	case live > 0 && delivered == live:
		return FulfilmentDelivered
	case live > 0 && shipped+delivered == live:
		return FulfilmentShipped
	case shipped+delivered > 0:
		return FulfilmentPartiallyShipped
	}
	return FulfilmentUnfulfilled
}

// RecordManifest notes that the stored manifest shows version of the vendor
// order. An older version never replaces a newer one.
func (s *Store) RecordManifest(ctx context.Context, vendorOrderID string, version int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE vendor_orders SET manifest_rendered_version = ?
		WHERE id = ? AND manifest_rendered_version < ?`, version, vendorOrderID, version)
	if err != nil {
		return fmt.Errorf("orders: record manifest of %s: %w", vendorOrderID, err)
	}
	return nil
}

// SettledVendorOrders returns which of the vendor orders a payout may pay
// now: those shipped (or delivered) at or before shippedBy, and those
// cancelled (whatever they still hold nets to what was refunded).
func (s *Store) SettledVendorOrders(ctx context.Context, vendorOrderIDs []string, shippedBy time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	if len(vendorOrderIDs) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT id FROM vendor_orders WHERE id IN (?) AND (status = 'cancelled'
		OR (status IN ('shipped', 'delivered') AND shipped_at <= ?))`, vendorOrderIDs, shippedBy)
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, q, args...); err != nil {
		return nil, fmt.Errorf("orders: read settled vendor orders: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
