package orders

// Refund counters. Refunds themselves belong to internal/payments (tables
// refunds, refund_allocations); what they do to an order is kept here, on the
// tables this package owns:
//
//	orders.refunded_amount          <= total_amount
//	vendor_orders.refunded_amount   <= subtotal_amount
//	order_lines.refunded_amount     <= amount
//	order_lines.refunded_quantity   <= quantity
//
// Each counter is the sum of the shares of the refunds that hold money (not
// failed or canceled). payments reads an order's position with
// LockForRefundTx, works out a refund's shares under those row locks, and
// applies them with ApplyRefundTx in the same transaction that writes the
// refund; a refund that fails gives them back with RevertRefundTx. Every
// change is a guarded UPDATE, so no counter ever passes what was paid, even
// if a caller got its sums wrong.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// ErrOverRefund is wrapped (kind conflict) when refund shares would take a
// counter past what was paid (or below zero, giving back).
var ErrOverRefund = errors.New("orders: refund exceeds what was paid")

// RefundPosition is an order as a refund sees it: what was paid and what is
// already refunded, per order, vendor order and line, in minor units of
// Currency.
type RefundPosition struct {
	OrderID         string
	Status          string
	Currency        string
	PaymentIntentID string // "" if the payment was never started
	Total           int64
	Refunded        int64
	PaidAt          *time.Time
	DisputedAt      *time.Time
	VendorOrders    []RefundVendorOrder // in the order's order
	Lines           []RefundLine        // by line number
}

// RefundVendorOrder is one vendor order's refund position.
type RefundVendorOrder struct {
	ID       string
	VendorID string
	Status   string
	Subtotal int64
	Refunded int64
}

// Left is what may still be refunded on the vendor order.
func (v RefundVendorOrder) Left() int64 { return v.Subtotal - v.Refunded }

// RefundLine is one order line's refund position.
type RefundLine struct {
	ID               string
	LineNo           int
	VendorOrderID    string
	VendorID         string
	VariantID        string
	Title            string
	VariantTitle     string
	SKU              string
	Quantity         int
	RefundedQuantity int
	Amount           int64 // what the line cost
	RefundedAmount   int64
}

// Left is what may still be refunded on the line: amount and units.
func (l RefundLine) Left() (int64, int) {
	return l.Amount - l.RefundedAmount, l.Quantity - l.RefundedQuantity
}

// Left is what may still be refunded on the whole order.
func (p RefundPosition) Left() int64 { return p.Total - p.Refunded }

// Line returns the line with the id.
func (p RefundPosition) Line(id string) (RefundLine, bool) {
	for _, l := range p.Lines {
		if l.ID == id {
			return l, true
		}
	}
	return RefundLine{}, false
}

// VendorOrder returns the vendor order with the id.
func (p RefundPosition) VendorOrder(id string) (RefundVendorOrder, bool) {
	for _, v := range p.VendorOrders {
		if v.ID == id {
			return v, true
		}
	}
	return RefundVendorOrder{}, false
}

// RefundShare is a refund's share of one order line: Amount (minor units, in
// the order's currency) and Quantity (units; 0 for a refund of an amount).
type RefundShare struct {
	LineID   string
	Amount   int64
	Quantity int
}

// LockForRefundTx reads the order's refund position within tx, holding the
// row locks of the order, its vendor orders and its lines (in that order)
// until tx ends: refunds of one order are serialised on them. Run it in a
// READ COMMITTED transaction (db.ReadCommitted). An unknown order is not
// found.
func (s *Store) LockForRefundTx(ctx context.Context, tx *sqlx.Tx, orderID string) (RefundPosition, error) {
	return refundPosition(ctx, tx, orderID, " FOR UPDATE")
}

// RefundPosition reads the order's refund position, without locks (to show
// it).
func (s *Store) RefundPosition(ctx context.Context, orderID string) (RefundPosition, error) {
	return refundPosition(ctx, s.db, orderID, "")
}

func refundPosition(ctx context.Context, q sqlx.QueryerContext, orderID, lock string) (RefundPosition, error) {
	var o struct {
		ID              string     `db:"id"`
		Status          string     `db:"status"`
		Currency        string     `db:"currency"`
		PaymentIntentID *string    `db:"payment_intent_id"`
		Total           int64      `db:"total_amount"`
		Refunded        int64      `db:"refunded_amount"`
		PaidAt          *time.Time `db:"paid_at"`
		DisputedAt      *time.Time `db:"disputed_at"`
	}
	err := sqlx.GetContext(ctx, q, &o, `SELECT id, status, currency, payment_intent_id, total_amount, refunded_amount, paid_at, disputed_at
		FROM orders WHERE id = ?`+lock, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return RefundPosition{}, fault.NotFound("order %s not found", orderID)
	}
	if err != nil {
		return RefundPosition{}, fmt.Errorf("orders: read order %s for a refund: %w", orderID, err)
	}
	p := RefundPosition{OrderID: o.ID, Status: o.Status, Currency: o.Currency, PaymentIntentID: deref(o.PaymentIntentID),
		Total: o.Total, Refunded: o.Refunded, PaidAt: o.PaidAt, DisputedAt: o.DisputedAt}
	var vos []struct {
		ID       string `db:"id"`
		VendorID string `db:"vendor_id"`
		Status   string `db:"status"`
		Subtotal int64  `db:"subtotal_amount"`
		Refunded int64  `db:"refunded_amount"`
	}
	if err := sqlx.SelectContext(ctx, q, &vos, `SELECT id, vendor_id, status, subtotal_amount, refunded_amount
		FROM vendor_orders WHERE order_id = ? ORDER BY created_at, id`+lock, orderID); err != nil {
		return RefundPosition{}, fmt.Errorf("orders: read vendor orders for a refund: %w", err)
	}
	for _, v := range vos {
		p.VendorOrders = append(p.VendorOrders, RefundVendorOrder{ID: v.ID, VendorID: v.VendorID, Status: v.Status,
			Subtotal: v.Subtotal, Refunded: v.Refunded})
	}
	var lines []struct {
		ID               string `db:"id"`
		LineNo           int    `db:"line_no"`
		VendorOrderID    string `db:"vendor_order_id"`
		VendorID         string `db:"vendor_id"`
		VariantID        string `db:"variant_id"`
		Title            string `db:"title"`
		VariantTitle     string `db:"variant_title"`
		SKU              string `db:"sku"`
		Quantity         int    `db:"quantity"`
		RefundedQuantity int    `db:"refunded_quantity"`
		Amount           int64  `db:"amount"`
		RefundedAmount   int64  `db:"refunded_amount"`
	}
	if err := sqlx.SelectContext(ctx, q, &lines, `SELECT id, line_no, vendor_order_id, vendor_id, variant_id, title, variant_title, sku,
		quantity, refunded_quantity, amount, refunded_amount FROM order_lines WHERE order_id = ? ORDER BY line_no`+lock, orderID); err != nil {
		return RefundPosition{}, fmt.Errorf("orders: read order lines for a refund: %w", err)
	}
	for _, l := range lines {
		p.Lines = append(p.Lines, RefundLine(l))
	}
	return p, nil
}

// VendorOrderOfVendor returns the id of the order that vendorOrderID belongs
// to, if it is vendorID's; another vendor's (or an unknown) vendor order is
// not found, alike.
func (s *Store) VendorOrderOfVendor(ctx context.Context, vendorID, vendorOrderID string) (string, error) {
	if vendorID == "" {
		return "", fault.NotFound("vendor order %s not found", vendorOrderID)
	}
	var orderID string
	err := s.db.GetContext(ctx, &orderID, `SELECT order_id FROM vendor_orders WHERE id = ? AND vendor_id = ?`, vendorOrderID, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fault.NotFound("vendor order %s not found", vendorOrderID)
	}
	if err != nil {
		return "", fmt.Errorf("orders: find vendor order %s: %w", vendorOrderID, err)
	}
	return orderID, nil
}

// ApplyRefundTx adds a refund's shares to the counters of a paid order, its
// vendor orders and lines, within tx (after LockForRefundTx in the same
// transaction). With restock, the shares' units go back into stock
// (catalog.RestockTx). A share that would take any counter past what was paid,
// a line not of the order, or an order that is not paid, is refused with a
// conflict (wrapping ErrOverRefund for the counters) and tx must be rolled
// back.
func (s *Store) ApplyRefundTx(ctx context.Context, tx *sqlx.Tx, orderID string, shares []RefundShare, restock bool) error {
	return s.moveRefundTx(ctx, tx, orderID, shares, +1, restock)
}

// RevertRefundTx gives a refund's shares back (the refund failed or was
// canceled), within tx: the exact inverse of ApplyRefundTx with the same
// shares, units taken back off stock (catalog.UnstockTx) with unstock.
func (s *Store) RevertRefundTx(ctx context.Context, tx *sqlx.Tx, orderID string, shares []RefundShare, unstock bool) error {
	return s.moveRefundTx(ctx, tx, orderID, shares, -1, unstock)
}

func (s *Store) moveRefundTx(ctx context.Context, tx *sqlx.Tx, orderID string, shares []RefundShare, sign int64, stock bool) error {
	if len(shares) == 0 {
		return nil
	}
	now := s.clock.Now()
	var lines []struct {
		ID            string `db:"id"`
		VendorOrderID string `db:"vendor_order_id"`
		VariantID     string `db:"variant_id"`
	}
	if err := tx.SelectContext(ctx, &lines, `SELECT id, vendor_order_id, variant_id FROM order_lines WHERE order_id = ?`, orderID); err != nil {
		return fmt.Errorf("orders: read lines of %s: %w", orderID, err)
	}
	type lineRef struct{ vendorOrderID, variantID string }
	byID := map[string]lineRef{}
	for _, l := range lines {
		byID[l.ID] = lineRef{l.VendorOrderID, l.VariantID}
	}
	perVendorOrder := map[string]int64{}
	var total int64
	var units []catalog.ReserveItem
	seen := map[string]bool{}
	for _, sh := range shares {
		ref, ok := byID[sh.LineID]
		switch {
		case !ok:
			return fault.Conflict("line %s is not a line of order %s", sh.LineID, orderID)
		case seen[sh.LineID]:
			return fault.Conflict("line %s appears twice in one refund", sh.LineID)
		case sh.Amount < 0 || sh.Quantity < 0:
			return fault.Conflict("a refund share of line %s is negative", sh.LineID)
		}
		seen[sh.LineID] = true
		a, q := sign*sh.Amount, sign*int64(sh.Quantity)
		var guard string
		if sign > 0 {
			guard = `refunded_amount + ? <= amount AND refunded_quantity + ? <= quantity`
		} else {
			guard = `refunded_amount + ? >= 0 AND refunded_quantity + ? >= 0`
		}
		res, err := tx.ExecContext(ctx, `UPDATE order_lines SET refunded_amount = refunded_amount + ?, refunded_quantity = refunded_quantity + ?
			WHERE id = ? AND order_id = ? AND `+guard, a, q, sh.LineID, orderID, a, q)
		if err != nil {
			return fmt.Errorf("orders: refund line %s: %w", sh.LineID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Wrap(fault.KindConflict, ErrOverRefund, "line %s: the refund would pass what was paid for it", sh.LineID)
		}
		var err1, err2 error
		perVendorOrder[ref.vendorOrderID], err1 = money.Add(perVendorOrder[ref.vendorOrderID], a)
		total, err2 = money.Add(total, a)
		if err := errors.Join(err1, err2); err != nil {
			return fault.Wrap(fault.KindConflict, err, "the refund of order %s does not add up", orderID)
		}
		if sh.Quantity > 0 {
			units = append(units, catalog.ReserveItem{VariantID: ref.variantID, Quantity: sh.Quantity})
		}
	}
	vos := make([]string, 0, len(perVendorOrder))
	for id := range perVendorOrder {
		vos = append(vos, id)
	}
	slices.Sort(vos)
	for _, vo := range vos {
		a := perVendorOrder[vo]
		guard := `refunded_amount + ? <= subtotal_amount`
		if sign < 0 {
			guard = `refunded_amount + ? >= 0`
		}
		// What is left to pack changed: so does the packing manifest.
		res, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET refunded_amount = refunded_amount + ?,
			manifest_version = manifest_version + 1, updated_at = ?
			WHERE id = ? AND order_id = ? AND `+guard, a, now, vo, orderID, a)
		if err != nil {
			return fmt.Errorf("orders: refund vendor order %s: %w", vo, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fault.Wrap(fault.KindConflict, ErrOverRefund, "vendor order %s: the refund would pass what was paid for it", vo)
		}
		if _, err := s.queue.Enqueue(ctx, tx, FulfilmentChanged{VendorOrderID: vo}); err != nil {
			return err
		}
	}
	guard := `status = 'paid' AND refunded_amount + ? <= total_amount`
	if sign < 0 {
		guard = `refunded_amount + ? >= 0`
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ? AND `+guard,
		total, now, orderID, total)
	if err != nil {
		return fmt.Errorf("orders: refund order %s: %w", orderID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM orders WHERE id = ?`, orderID); err == nil && status != StatusPaid && sign > 0 {
			return fault.Conflict("order %s is %s: only a paid order can be refunded", orderID, strings.ReplaceAll(status, "_", " "))
		}
		return fault.Wrap(fault.KindConflict, ErrOverRefund, "order %s: the refund would pass what was paid", orderID)
	}
	if stock && len(units) > 0 {
		if sign > 0 {
			return s.catalog.RestockTx(ctx, tx, units)
		}
		return s.catalog.UnstockTx(ctx, tx, units)
	}
	return nil
}
