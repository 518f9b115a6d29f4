package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Order statuses. paid and canceled are final; see state.go for the moves.
const (
	StatusPendingPayment = "pending_payment"
	StatusPaymentFailed  = "payment_failed"
	StatusPaid           = "paid"
	StatusCanceled       = "canceled"
	StatusExpired        = "expired"
)

// Order is an order with its lines and vendor orders, as the payments package
// and operators need it.
type Order struct {
	ID              string
	SourceType      string // cart (or stripe_invoice, for subscription periods)
	SourceID        string
	BuyerUserID     string // "" for a guest
	BuyerEmail      string
	Status          string
	Fulfilment      string // FulfilmentUnfulfilled ... (derived from the vendor orders)
	Subtotal        money.Money
	Total           money.Money
	Refunded        money.Money
	AmountReceived  *money.Money
	GiftMessage     string
	Recipient       *Recipient
	PaymentIntentID string // "" until the payment is started
	ReservedUntil   time.Time
	FlaggedAt       *time.Time // an operator must look: see FlagReason
	FlagReason      string
	DisputedAt      *time.Time
	DisputeReason   string
	PlacedAt        time.Time
	PaidAt          *time.Time
	PaymentFailedAt *time.Time
	CanceledAt      *time.Time
	ExpiredAt       *time.Time
	UpdatedAt       time.Time
	Lines           []OrderLine
	VendorOrders    []VendorOrder
}

// OrderLine is one line of an order: a variant, alone or as a bundle's part.
type OrderLine struct {
	ID            string
	VendorOrderID string
	VendorID      string
	LineNo        int
	VariantID     string
	ProductID     string
	BundleID      string // "" unless a bundle's part
	SKU           string
	Title         string
	VariantTitle  string
	Quantity      int
	UnitPrice     money.Money // the catalog's price at checkout
	Amount        money.Money // what the line costs (a bundle's price split across its parts)
}

type orderRow struct {
	ID                   string     `db:"id"`
	SourceType           string     `db:"source_type"`
	SourceID             string     `db:"source_id"`
	BuyerUserID          *string    `db:"buyer_user_id"`
	BuyerEmail           string     `db:"buyer_email"`
	Status               string     `db:"status"`
	FulfilmentStatus     string     `db:"fulfilment_status"`
	Currency             string     `db:"currency"`
	SubtotalAmount       int64      `db:"subtotal_amount"`
	TotalAmount          int64      `db:"total_amount"`
	RefundedAmount       int64      `db:"refunded_amount"`
	AmountReceived       *int64     `db:"amount_received"`
	GiftMessage          string     `db:"gift_message"`
	RecipientJSON        *string    `db:"recipient_json"`
	PaymentIntentID      *string    `db:"payment_intent_id"`
	ReservationExpiresAt time.Time  `db:"reservation_expires_at"`
	FlaggedAt            *time.Time `db:"flagged_at"`
	FlagReason           string     `db:"flag_reason"`
	DisputedAt           *time.Time `db:"disputed_at"`
	DisputeReason        string     `db:"dispute_reason"`
	PlacedAt             time.Time  `db:"placed_at"`
	PaidAt               *time.Time `db:"paid_at"`
	PaymentFailedAt      *time.Time `db:"payment_failed_at"`
	CanceledAt           *time.Time `db:"canceled_at"`
	ExpiredAt            *time.Time `db:"expired_at"`
	CreatedAt            time.Time  `db:"created_at"`
	UpdatedAt            time.Time  `db:"updated_at"`
}

const orderColumns = `o.id, o.source_type, o.source_id, o.buyer_user_id, o.buyer_email, o.status, o.fulfilment_status, o.currency, o.subtotal_amount,
	o.total_amount, o.refunded_amount, o.amount_received, o.gift_message, o.recipient_json, o.payment_intent_id,
	o.reservation_expires_at, o.flagged_at, o.flag_reason, o.disputed_at, o.dispute_reason, o.placed_at, o.paid_at,
	o.payment_failed_at, o.canceled_at, o.expired_at, o.created_at, o.updated_at`

func (r orderRow) total() money.Money {
	return money.Money{Amount: r.TotalAmount, Currency: r.Currency}
}

type orderLineRow struct {
	ID              string  `db:"id"`
	OrderID         string  `db:"order_id"`
	VendorOrderID   string  `db:"vendor_order_id"`
	VendorID        string  `db:"vendor_id"`
	LineNo          int     `db:"line_no"`
	VariantID       string  `db:"variant_id"`
	ProductID       string  `db:"product_id"`
	BundleID        *string `db:"bundle_id"`
	SKU             string  `db:"sku"`
	Title           string  `db:"title"`
	VariantTitle    string  `db:"variant_title"`
	Quantity        int     `db:"quantity"`
	UnitPriceAmount int64   `db:"unit_price_amount"`
	Amount          int64   `db:"amount"`
	Currency        string  `db:"currency"`
}

// loadOrders reads the orders whose ids are given, with their lines and
// vendor orders, in the order of ids.
func loadOrders(ctx context.Context, q sqlx.QueryerContext, ids []string) ([]Order, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT `+orderColumns+` FROM orders o WHERE o.id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []orderRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("orders: read orders: %w", err)
	}
	query, args, _ = sqlx.In(`SELECT id, order_id, vendor_order_id, vendor_id, line_no, variant_id, product_id, bundle_id, sku, title,
		variant_title, quantity, unit_price_amount, amount, currency FROM order_lines WHERE order_id IN (?) ORDER BY order_id, line_no`, ids)
	var lines []orderLineRow
	if err := sqlx.SelectContext(ctx, q, &lines, query, args...); err != nil {
		return nil, fmt.Errorf("orders: read order lines: %w", err)
	}
	where, vargs, err := sqlx.In(`v.order_id IN (?) ORDER BY v.order_id, v.created_at, v.id`, ids)
	if err != nil {
		return nil, err
	}
	vos, err := loadVendorOrders(ctx, q, where, vargs...)
	if err != nil {
		return nil, err
	}
	byID := map[string]*Order{}
	for _, r := range rows {
		o := &Order{ID: r.ID, SourceType: r.SourceType, SourceID: r.SourceID, BuyerUserID: deref(r.BuyerUserID), BuyerEmail: r.BuyerEmail,
			Status: r.Status, Fulfilment: r.FulfilmentStatus, Subtotal: money.Money{Amount: r.SubtotalAmount, Currency: r.Currency}, Total: r.total(),
			Refunded: money.Money{Amount: r.RefundedAmount, Currency: r.Currency}, GiftMessage: r.GiftMessage,
			Recipient: parseRecipient(r.RecipientJSON), PaymentIntentID: deref(r.PaymentIntentID), ReservedUntil: r.ReservationExpiresAt,
			FlaggedAt: r.FlaggedAt, FlagReason: r.FlagReason, DisputedAt: r.DisputedAt, DisputeReason: r.DisputeReason,
			PlacedAt: r.PlacedAt, PaidAt: r.PaidAt, PaymentFailedAt: r.PaymentFailedAt, CanceledAt: r.CanceledAt,
			ExpiredAt: r.ExpiredAt, UpdatedAt: r.UpdatedAt, Lines: []OrderLine{}, VendorOrders: []VendorOrder{}}
		if r.AmountReceived != nil {
			o.AmountReceived = &money.Money{Amount: *r.AmountReceived, Currency: r.Currency}
		}
		byID[r.ID] = o
	}
	for _, l := range lines {
		o := byID[l.OrderID]
		o.Lines = append(o.Lines, OrderLine{ID: l.ID, VendorOrderID: l.VendorOrderID, VendorID: l.VendorID, LineNo: l.LineNo,
			VariantID: l.VariantID, ProductID: l.ProductID, BundleID: deref(l.BundleID), SKU: l.SKU, Title: l.Title,
			VariantTitle: l.VariantTitle, Quantity: l.Quantity, UnitPrice: money.Money{Amount: l.UnitPriceAmount, Currency: l.Currency},
			Amount: money.Money{Amount: l.Amount, Currency: l.Currency}})
	}
	for _, v := range vos {
		o := byID[v.OrderID]
		o.VendorOrders = append(o.VendorOrders, v)
	}
	out := make([]Order, 0, len(ids))
	for _, id := range ids {
		if o := byID[id]; o != nil {
			out = append(out, *o)
		}
	}
	return out, nil
}

func loadOrder(ctx context.Context, q sqlx.QueryerContext, orderID string) (Order, error) {
	os, err := loadOrders(ctx, q, []string{orderID})
	if err != nil {
		return Order{}, err
	}
	if len(os) == 0 {
		return Order{}, fault.NotFound("order %s not found", orderID)
	}
	return os[0], nil
}

// OrderByID returns an order, for the payments package and operators.
func (s *Store) OrderByID(ctx context.Context, orderID string) (Order, error) {
	return loadOrder(ctx, s.db, orderID)
}

// OrderByIntent returns the order paid with the Stripe PaymentIntent.
func (s *Store) OrderByIntent(ctx context.Context, intentID string) (Order, error) {
	var orderID string
	err := s.db.GetContext(ctx, &orderID, `SELECT id FROM orders WHERE payment_intent_id = ?`, intentID)
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, fault.NotFound("no order has payment %s", intentID)
	}
	if err != nil {
		return Order{}, err
	}
	return loadOrder(ctx, s.db, orderID)
}

// BuyerOrder is an order as its buyer sees it.
type BuyerOrder struct {
	ID          string      `json:"id"`
	Status      string      `json:"status"`
	Fulfilment  string      `json:"fulfilment_status"`
	Currency    string      `json:"currency"`
	Subtotal    money.Money `json:"subtotal"`
	Total       money.Money `json:"total"`
	Email       string      `json:"email"`
	GiftMessage string      `json:"gift_message"`
	Recipient   *Recipient  `json:"recipient"`
	ItemCount   int         `json:"item_count"`
	// ReservedUntil: while awaiting payment, when the held items go back.
	ReservedUntil *time.Time         `json:"reserved_until"`
	PlacedAt      time.Time          `json:"placed_at"`
	PaidAt        *time.Time         `json:"paid_at"`
	Lines         []BuyerOrderLine   `json:"lines"`
	VendorOrders  []BuyerVendorOrder `json:"vendor_orders"`
}

// BuyerOrderLine is one line of a buyer's order.
type BuyerOrderLine struct {
	LineNo        int         `json:"line_no"`
	VendorOrderID string      `json:"vendor_order_id"`
	ProductID     string      `json:"product_id"`
	VariantID     string      `json:"variant_id"`
	BundleID      *string     `json:"bundle_id"`
	Title         string      `json:"title"`
	VariantTitle  string      `json:"variant_title"`
	SKU           string      `json:"sku"`
	Quantity      int         `json:"quantity"`
	UnitPrice     money.Money `json:"unit_price"`
	Amount        money.Money `json:"amount"`
}

// BuyerVendorOrder is one vendor's shipment of a buyer's order.
type BuyerVendorOrder struct {
	ID           string              `json:"id"`
	Vendor       catalog.StoreVendor `json:"vendor"`
	Status       string              `json:"status"`
	Subtotal     money.Money         `json:"subtotal"`
	Recipient    Recipient           `json:"recipient"`
	GiftMessage  string              `json:"gift_message"`
	DeliveryDate *string             `json:"delivery_date"`
	Tracking     *Tracking           `json:"tracking"`
	ShippedAt    *time.Time          `json:"shipped_at"`
	DeliveredAt  *time.Time          `json:"delivered_at"`
}

func (o Order) buyerView() BuyerOrder {
	v := BuyerOrder{ID: o.ID, Status: o.Status, Fulfilment: o.Fulfilment, Currency: o.Total.Currency, Subtotal: o.Subtotal, Total: o.Total, Email: o.BuyerEmail,
		GiftMessage: o.GiftMessage, Recipient: o.Recipient, PlacedAt: o.PlacedAt, PaidAt: o.PaidAt,
		Lines: []BuyerOrderLine{}, VendorOrders: []BuyerVendorOrder{}}
	if o.Status == StatusPendingPayment {
		t := o.ReservedUntil
		v.ReservedUntil = &t
	}
	for _, l := range o.Lines {
		v.ItemCount += l.Quantity
		v.Lines = append(v.Lines, BuyerOrderLine{LineNo: l.LineNo, VendorOrderID: l.VendorOrderID, ProductID: l.ProductID,
			VariantID: l.VariantID, BundleID: nullString(l.BundleID), Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.Amount})
	}
	for _, vo := range o.VendorOrders {
		v.VendorOrders = append(v.VendorOrders, BuyerVendorOrder{ID: vo.ID, Vendor: vo.Vendor, Status: vo.Status, Subtotal: vo.Subtotal,
			Recipient: vo.Recipient, GiftMessage: vo.GiftMessage, DeliveryDate: nullString(vo.DeliveryDate),
			ShippedAt: vo.ShippedAt, DeliveredAt: vo.DeliveredAt})
		if vo.Tracking != (Tracking{}) {
			t := vo.Tracking
			v.VendorOrders[len(v.VendorOrders)-1].Tracking = &t
		}
	}
	return v
}

func (s *Store) buyerOrder(ctx context.Context, orderID string) (BuyerOrder, error) {
	o, err := loadOrder(ctx, s.db, orderID)
	if err != nil {
		return BuyerOrder{}, err
	}
	return o.buyerView(), nil
}

// orderAccess: the signed-in buyer's own order, or the order of the guest cart
// whose token the caller holds. Arguments: userArg, tokenArg.
const orderAccess = `(o.buyer_user_id = ? OR EXISTS (SELECT 1 FROM carts c
	WHERE o.source_type = 'cart' AND c.id = o.source_id AND c.token_hash = ?))`

// BuyerOrder returns an order the caller may see: a signed-in buyer's own, or
// one checked out from the guest cart whose token the caller holds. Any other
// is not found.
func (s *Store) BuyerOrder(ctx context.Context, c Caller, orderID string) (BuyerOrder, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT o.id FROM orders o WHERE o.id = ? AND `+orderAccess, orderID, userArg(c.UserID), tokenArg(c.CartToken))
	if errors.Is(err, sql.ErrNoRows) {
		return BuyerOrder{}, fault.NotFound("order %s not found", orderID)
	}
	if err != nil {
		return BuyerOrder{}, err
	}
	return s.buyerOrder(ctx, id)
}

// Order history page sizes.
const (
	DefaultHistoryLimit = 20
	MaxHistoryLimit     = 50
)

// OrderPage is one page of a buyer's orders, newest first.
type OrderPage struct {
	Orders     []BuyerOrder `json:"orders"`
	NextCursor string       `json:"next_cursor"` // "" on the last page
}

// BuyerOrders lists a signed-in buyer's orders, newest first, a page at a time.
func (s *Store) BuyerOrders(ctx context.Context, userID, cursor string, limit int) (OrderPage, error) {
	if userID == "" {
		return OrderPage{}, fault.Unauthorized("sign in to see your orders")
	}
	if limit == 0 {
		limit = DefaultHistoryLimit
	}
	if limit < 1 || limit > MaxHistoryLimit {
		return OrderPage{}, fault.Invalid("limit must be from 1 to %d", MaxHistoryLimit)
	}
	q := `SELECT o.id, o.placed_at FROM orders o WHERE o.buyer_user_id = ?`
	args := []any{userID}
	if cursor != "" {
		at, id, err := decodeHistoryCursor(cursor)
		if err != nil {
			return OrderPage{}, err
		}
		q += ` AND (o.placed_at < ? OR (o.placed_at = ? AND o.id < ?))`
		args = append(args, at, at, id)
	}
	q += ` ORDER BY o.placed_at DESC, o.id DESC LIMIT ?`
	args = append(args, limit+1)
	var keys []struct {
		ID       string    `db:"id"`
		PlacedAt time.Time `db:"placed_at"`
	}
	if err := s.db.SelectContext(ctx, &keys, q, args...); err != nil {
		return OrderPage{}, fmt.Errorf("orders: history: %w", err)
	}
	page := OrderPage{Orders: []BuyerOrder{}}
	if len(keys) > limit {
		keys = keys[:limit]
		last := keys[len(keys)-1]
		page.NextCursor = db.EncodeCursor(last.PlacedAt, last.ID)
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	os, err := loadOrders(ctx, s.db, ids)
	if err != nil {
		return OrderPage{}, err
	}
	for _, o := range os {
		page.Orders = append(page.Orders, o.buyerView())
	}
	return page, nil
}

func decodeHistoryCursor(c string) (time.Time, string, error) {
	t, id, err := db.DecodeCursor(c)
	if err != nil {
		return time.Time{}, "", fault.Invalid("cursor is not a next_cursor of this API")
	}
	return t, id, nil
}
