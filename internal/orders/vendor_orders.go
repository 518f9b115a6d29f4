package orders

// Fulfilment: a paid vendor order moves forward only,
//
//	accepted -> packed -> shipped -> delivered
//	accepted | packed -> cancelled
//
// from the vendor's Shopify store (its webhooks, re-read) or from the vendor in
// Trove. Steps may be skipped (a store that ships without packing first); a
// move backwards, out of cancelled, or to cancelled after shipping is refused
// with ErrIllegalTransition. Repeating the current status is no move, but may
// add or correct tracking. Each move, in its transaction: the parent order's
// fulfilment_status is derived again, the manifest's version is bumped (the
// manifest shows status and tracking) and FulfilmentChanged is enqueued; the
// first move to shipped also enqueues Shipped (the buyer's mail).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// ErrIllegalTransition is wrapped (kind conflict) when a vendor order cannot
// move to the status asked for.
var ErrIllegalTransition = errors.New("orders: illegal fulfilment transition")

// The buyer's view of delivery (orders.fulfilment_status).
const (
	FulfilmentUnfulfilled      = "unfulfilled"
	FulfilmentPartiallyShipped = "partially_shipped"
	FulfilmentShipped          = "shipped"
	FulfilmentDelivered        = "delivered"
	FulfilmentCancelled        = "cancelled"
)

// fulfilmentRank orders the forward path; cancelled and pending are off it.
var fulfilmentRank = map[string]int{VendorOrderAccepted: 1, VendorOrderPacked: 2, VendorOrderShipped: 3, VendorOrderDelivered: 4}

// Tracking is how a shipment can be followed.
type Tracking struct {
	Carrier string `json:"carrier"`
	Number  string `json:"number"`
	URL     string `json:"url"`
}

// FulfilmentUpdate asks for a vendor order to move to Status, with tracking.
// Empty tracking fields leave what is stored.
type FulfilmentUpdate struct {
	Status   string   `json:"status"`
	Tracking Tracking `json:"tracking"`
}

// Validate reports every problem with u as one error of kind invalid.
func (u FulfilmentUpdate) Validate() error {
	var f fault.Fields
	switch u.Status {
	case VendorOrderAccepted, VendorOrderPacked, VendorOrderShipped, VendorOrderDelivered, VendorOrderCancelled:
	case "":
		f.Add("status", "is required: one of accepted, packed, shipped, delivered, cancelled")
	default:
		f.Add("status", "must be one of accepted, packed, shipped, delivered, cancelled")
	}
	f.Check(utf8.RuneCountInString(u.Tracking.Carrier) <= 100, "tracking.carrier", "must be at most 100 characters")
	f.Check(utf8.RuneCountInString(u.Tracking.Number) <= 100, "tracking.number", "must be at most 100 characters")
	if u.Tracking.URL != "" {
		f.Check(len(u.Tracking.URL) <= 1000, "tracking.url", "must be at most 1000 characters")
		f.Check(strings.HasPrefix(u.Tracking.URL, "https://") || strings.HasPrefix(u.Tracking.URL, "http://"),
			"tracking.url", "must be an http(s) URL")
	}
	return f.Err()
}

// Actor is who moves a vendor order, for the audit log.
type Actor struct {
	Type      string // audit.ActorUser or audit.ActorSystem
	ID        string // user id, or "shopify"
	RequestID string
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

// ShopifyOrderRef names the vendor order's order in its Shopify store.
type ShopifyOrderRef struct {
	ID   string `json:"id"`   // GID
	Name string `json:"name"` // "#1001"
}

// Fulfilment is a vendor order as its vendor (and operators) see it: what to
// pack, for whom, and where it stands. The buyer's email is not in it.
type Fulfilment struct {
	ID            string            `json:"id"`
	OrderID       string            `json:"order_id"`
	VendorID      string            `json:"vendor_id"`
	VendorName    string            `json:"vendor_name"`
	Status        string            `json:"status"`
	Subtotal      money.Money       `json:"subtotal"`
	Refunded      money.Money       `json:"refunded"`
	CommissionBPS int               `json:"commission_bps"`
	Recipient     Recipient         `json:"recipient"`
	GiftMessage   string            `json:"gift_message"`
	DeliveryDate  *string           `json:"delivery_date"`
	Lines         []VendorOrderLine `json:"lines"`
	Tracking      Tracking          `json:"tracking"`
	Shopify       *ShopifyOrderRef  `json:"shopify_order"`
	PlacedAt      time.Time         `json:"placed_at"`
	AcceptedAt    *time.Time        `json:"accepted_at"`
	HandedOffAt   *time.Time        `json:"handed_off_at"`
	PackedAt      *time.Time        `json:"packed_at"`
	ShippedAt     *time.Time        `json:"shipped_at"`
	DeliveredAt   *time.Time        `json:"delivered_at"`
	CancelledAt   *time.Time        `json:"cancelled_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	// ManifestVersion counts the changes the packing manifest shows;
	// ManifestRendered is the version stored (0: none yet).
	ManifestVersion  int `json:"-"`
	ManifestRendered int `json:"-"`
}

// ManifestCurrent reports whether the stored manifest shows the vendor order
// as it is.
func (f Fulfilment) ManifestCurrent() bool {
	return f.ManifestRendered > 0 && f.ManifestRendered >= f.ManifestVersion
}

type fulfilmentRow struct {
	ID               string     `db:"id"`
	OrderID          string     `db:"order_id"`
	VendorID         string     `db:"vendor_id"`
	VendorName       string     `db:"vendor_name"`
	Status           string     `db:"status"`
	Currency         string     `db:"currency"`
	SubtotalAmount   int64      `db:"subtotal_amount"`
	RefundedAmount   int64      `db:"refunded_amount"`
	CommissionBPS    int        `db:"commission_bps"`
	RecipientJSON    string     `db:"recipient_json"`
	GiftMessage      string     `db:"gift_message"`
	DeliveryDate     *string    `db:"delivery_date"`
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

const fulfilmentColumns = `v.id, v.order_id, v.vendor_id, v.vendor_name, v.status, v.currency, v.subtotal_amount, v.refunded_amount,
	v.commission_bps, v.recipient_json, v.gift_message, DATE_FORMAT(v.delivery_date, '%Y-%m-%d') AS delivery_date, v.shopify_order_id,
	v.shopify_order_name, v.carrier, v.tracking_number, v.tracking_url, o.placed_at, v.accepted_at, v.handed_off_at, v.packed_at,
	v.shipped_at, v.delivered_at, v.cancelled_at, v.updated_at, v.manifest_version, v.manifest_rendered_version`

const fulfilmentFrom = ` FROM vendor_orders v JOIN orders o ON o.id = v.order_id`

// loadFulfilments reads vendor orders (where: a condition on v) with their lines.
func loadFulfilments(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]Fulfilment, error) {
	var rows []fulfilmentRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+fulfilmentColumns+fulfilmentFrom+` WHERE `+where, args...); err != nil {
		return nil, fmt.Errorf("orders: read vendor orders: %w", err)
	}
	out := make([]Fulfilment, 0, len(rows))
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
		f := Fulfilment{ID: r.ID, OrderID: r.OrderID, VendorID: r.VendorID, VendorName: r.VendorName, Status: r.Status,
			Subtotal: money.Money{Amount: r.SubtotalAmount, Currency: r.Currency}, Refunded: money.Money{Amount: r.RefundedAmount, Currency: r.Currency},
			CommissionBPS: r.CommissionBPS, Recipient: *rec, GiftMessage: r.GiftMessage, DeliveryDate: r.DeliveryDate,
			Lines: byVO[r.ID], Tracking: Tracking{Carrier: r.Carrier, Number: r.TrackingNumber, URL: r.TrackingURL},
			PlacedAt: r.PlacedAt, AcceptedAt: r.AcceptedAt, HandedOffAt: r.HandedOffAt, PackedAt: r.PackedAt, ShippedAt: r.ShippedAt,
			DeliveredAt: r.DeliveredAt, CancelledAt: r.CancelledAt, UpdatedAt: r.UpdatedAt,
			ManifestVersion: r.ManifestVersion, ManifestRendered: r.ManifestRendered}
		if f.Lines == nil {
			f.Lines = []VendorOrderLine{}
		}
		if r.ShopifyOrderID != nil {
			f.Shopify = &ShopifyOrderRef{ID: *r.ShopifyOrderID, Name: r.ShopifyOrderName}
		}
		out = append(out, f)
	}
	return out, nil
}

func loadFulfilment(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Fulfilment, error) {
	fs, err := loadFulfilments(ctx, q, where, args...)
	if err != nil {
		return Fulfilment{}, err
	}
	if len(fs) == 0 {
		return Fulfilment{}, fault.NotFound("vendor order not found")
	}
	return fs[0], nil
}

// Fulfilment returns a vendor order by id, for jobs and operators. An unpaid
// one is found too (status pending).
func (s *Store) Fulfilment(ctx context.Context, vendorOrderID string) (Fulfilment, error) {
	return loadFulfilment(ctx, s.db, `v.id = ?`, vendorOrderID)
}

// VendorFulfilment returns one of the vendor's paid vendor orders; another
// vendor's, or one not paid yet, is not found.
func (s *Store) VendorFulfilment(ctx context.Context, vendorID, vendorOrderID string) (Fulfilment, error) {
	return loadFulfilment(ctx, s.db, `v.id = ? AND v.vendor_id = ? AND v.status <> 'pending'`, vendorOrderID, vendorID)
}

// FulfilmentByShopifyOrder finds the vendor order handed to the vendor's
// store as the Shopify order with that GID.
func (s *Store) FulfilmentByShopifyOrder(ctx context.Context, vendorID, shopifyOrderID string) (Fulfilment, error) {
	return loadFulfilment(ctx, s.db, `v.vendor_id = ? AND v.shopify_order_id = ?`, vendorID, shopifyOrderID)
}

// FulfilmentFilter narrows a vendor's list of vendor orders.
type FulfilmentFilter struct {
	Statuses []string  // any of these; empty: every status but pending
	From, To time.Time // accepted within [From, To); zero: no bound
	Search   string    // part of the vendor order id, order id or recipient name
	Cursor   string    // from the previous page's Next
	Limit    int       // 1..100, default 25
}

// FulfilmentPage is a page of vendor orders, newest accepted first.
type FulfilmentPage struct {
	Items []Fulfilment `json:"items"`
	Next  *string      `json:"next_cursor"`
}

// VendorFulfilments lists the vendor's paid vendor orders, newest first.
func (s *Store) VendorFulfilments(ctx context.Context, vendorID string, f FulfilmentFilter) (FulfilmentPage, error) {
	var fe fault.Fields
	for _, st := range f.Statuses {
		if _, ok := fulfilmentRank[st]; !ok && st != VendorOrderCancelled {
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
		return FulfilmentPage{}, err
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
	items, err := loadFulfilments(ctx, s.db, where, args...)
	if err != nil {
		return FulfilmentPage{}, err
	}
	page := FulfilmentPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		c := db.EncodeCursor(*last.AcceptedAt, last.ID)
		page.Next = &c
	}
	return page, nil
}

// OpenFulfilmentsOfDay lists the vendor's vendor orders accepted on day (UTC)
// that still need packing or shipping (accepted or packed), oldest first: the
// day's batch of manifests.
func (s *Store) OpenFulfilmentsOfDay(ctx context.Context, vendorID string, day time.Time) ([]Fulfilment, error) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	return loadFulfilments(ctx, s.db, `v.vendor_id = ? AND v.status IN ('accepted', 'packed') AND v.accepted_at >= ?
		AND v.accepted_at < ? ORDER BY v.accepted_at, v.id LIMIT 500`, vendorID, start, start.AddDate(0, 0, 1))
}

// RecordShopifyOrder stores the Shopify order a vendor order was handed off
// as. Recording the same order again is a no-op; a different one is a
// conflict (one vendor order, one Shopify order).
func (s *Store) RecordShopifyOrder(ctx context.Context, vendorOrderID string, ref ShopifyOrderRef) error {
	now := s.clock.Now()
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			ShopifyOrderID *string `db:"shopify_order_id"`
			VendorID       string  `db:"vendor_id"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT shopify_order_id, vendor_id FROM vendor_orders WHERE id = ? FOR UPDATE`, vendorOrderID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("vendor order %s not found", vendorOrderID)
		}
		if err != nil {
			return err
		}
		if cur.ShopifyOrderID != nil {
			if *cur.ShopifyOrderID == ref.ID {
				return nil
			}
			return fault.Conflict("vendor order %s is already Shopify order %s, not %s", vendorOrderID, *cur.ShopifyOrderID, ref.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET shopify_order_id = ?, shopify_order_name = ?, handed_off_at = ?,
			updated_at = ? WHERE id = ?`, ref.ID, ref.Name, now, now, vendorOrderID); err != nil {
			if db.IsDuplicate(err) {
				return fault.Conflict("Shopify order %s already belongs to another vendor order", ref.ID)
			}
			return fmt.Errorf("orders: record Shopify order: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "shopify", VendorID: cur.VendorID,
			Action: "vendor_order.handed_off", ObjectType: "vendor_order", ObjectID: vendorOrderID,
			After: map[string]string{"shopify_order_id": ref.ID, "shopify_order_name": ref.Name}})
	})
}

// UpdateFulfilment moves a vendor order (vendorID "" for any vendor's: jobs
// and operators) and answers it as it now is, with whether anything changed.
// An illegal move is a conflict wrapping ErrIllegalTransition, and changes
// nothing.
func (s *Store) UpdateFulfilment(ctx context.Context, vendorID, vendorOrderID string, u FulfilmentUpdate, by Actor) (Fulfilment, bool, error) {
	if err := u.Validate(); err != nil {
		return Fulfilment{}, false, err
	}
	u.Tracking = Tracking{Carrier: strings.TrimSpace(u.Tracking.Carrier), Number: strings.TrimSpace(u.Tracking.Number),
		URL: strings.TrimSpace(u.Tracking.URL)}
	var changed bool
	err := db.RetryDeadlocks(ctx, func() error {
		changed = false
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			// The parent order first, then the vendor order: the lock order
			// MarkPaid and refunds use.
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
			cur, err := loadFulfilment(ctx, tx, `v.id = ? FOR UPDATE`, vendorOrderID)
			if err != nil {
				return err
			}
			if vendorID != "" && (cur.VendorID != vendorID || cur.Status == VendorOrderPending) {
				return fault.NotFound("vendor order %s not found", vendorOrderID)
			}
			if err := checkMove(cur.Status, u.Status); err != nil {
				return err
			}
			now := s.clock.Now()
			track := cur.Tracking
			if u.Tracking.Carrier != "" {
				track.Carrier = u.Tracking.Carrier
			}
			if u.Tracking.Number != "" {
				track.Number = u.Tracking.Number
			}
			if u.Tracking.URL != "" {
				track.URL = u.Tracking.URL
			}
			if u.Status == cur.Status && track == cur.Tracking {
				return nil
			}
			set := `status = ?, carrier = ?, tracking_number = ?, tracking_url = ?, manifest_version = manifest_version + 1, updated_at = ?`
			args := []any{u.Status, track.Carrier, track.Number, track.URL, now}
			if u.Status == VendorOrderCancelled {
				set, args = set+`, cancelled_at = COALESCE(cancelled_at, ?)`, append(args, now)
			} else {
				// A skipped step takes the same moment: shipped implies packed.
				for _, st := range []string{VendorOrderPacked, VendorOrderShipped, VendorOrderDelivered} {
					if fulfilmentRank[st] <= fulfilmentRank[u.Status] {
						set, args = set+`, `+st+`_at = COALESCE(`+st+`_at, ?)`, append(args, now)
					}
				}
			}
			args = append(args, vendorOrderID)
			if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET `+set+` WHERE id = ?`, args...); err != nil {
				return fmt.Errorf("orders: move vendor order %s: %w", vendorOrderID, err)
			}
			changed = true
			if err := s.deriveFulfilmentTx(ctx, tx, orderID, now); err != nil {
				return err
			}
			if u.Status == VendorOrderCancelled && cur.Refunded.Amount < cur.Subtotal.Amount {
				// The buyer paid for goods that will not come: an operator
				// refunds them (or finds another way).
				reason := fmt.Sprintf("vendor order %s (%s) was cancelled with %s of it not refunded", vendorOrderID, cur.VendorName,
					money.Money{Amount: cur.Subtotal.Amount - cur.Refunded.Amount, Currency: cur.Subtotal.Currency})
				if err := s.flagTx(ctx, tx, orderID, reason); err != nil {
					return err
				}
			}
			if _, err := s.queue.Enqueue(ctx, tx, FulfilmentChanged{VendorOrderID: vendorOrderID, Status: u.Status}); err != nil {
				return err
			}
			if u.Status == VendorOrderShipped || (u.Status == VendorOrderDelivered && cur.ShippedAt == nil) {
				if _, err := s.queue.Enqueue(ctx, tx, Shipped{VendorOrderID: vendorOrderID},
					queue.UniqueKey("orders.shipped:"+vendorOrderID)); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: by.Type, ActorID: by.ID, VendorID: cur.VendorID,
				Action: "vendor_order." + u.Status, ObjectType: "vendor_order", ObjectID: vendorOrderID, RequestID: by.RequestID,
				Before: map[string]any{"status": cur.Status, "tracking": cur.Tracking},
				After:  map[string]any{"status": u.Status, "tracking": track}})
		})
	})
	if err != nil {
		return Fulfilment{}, false, err
	}
	f, err := s.Fulfilment(ctx, vendorOrderID)
	return f, changed, err
}

// checkMove refuses what the fulfilment path does not allow.
func checkMove(from, to string) error {
	switch {
	case from == to:
		return nil
	case from == VendorOrderPending:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is not paid yet, so it cannot be %s", to)
	case from == VendorOrderCancelled:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order was cancelled, so it cannot be %s", to)
	case to == VendorOrderCancelled:
		if fulfilmentRank[from] >= fulfilmentRank[VendorOrderShipped] {
			return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is %s already, so it cannot be cancelled", from)
		}
		return nil
	case fulfilmentRank[to] < fulfilmentRank[from]:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is %s already, so it cannot go back to %s", from, to)
	}
	return nil
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
