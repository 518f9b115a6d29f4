package orders

// Writing an order: buildOrder turns priced lines into an order, its vendor
// orders and lines (bundles split across their parts to the cent), and
// newOrder.write is the one place they are inserted, for checkout and for an
// order paid when it is made.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Order sources (orders.source_type): an order is made once per source.
const (
	SourceCart          = "cart"           // a checked-out cart
	SourceStripeInvoice = "stripe_invoice" // a paid Stripe invoice: a subscription period
)

// newOrder is an order being written: by checkout (source cart, awaiting
// payment) or paid when it is made (source stripe_invoice: paid_orders.go).
type newOrder struct {
	id              string
	sourceType      string // SourceCart or SourceStripeInvoice
	sourceID        string
	status          string // StatusPendingPayment or StatusPaid
	amountReceived  *int64 // a paid order's
	paymentIntentID *string
	buyerUserID     *string
	buyerEmail      string
	currency        string
	subtotal        int64
	giftMessage     string
	recipient       *string
	now             time.Time
	expiresAt       time.Time
	vendorOrders    []*newVendorOrder
	lines           []newLine
}

type newVendorOrder struct {
	id        string
	vendor    catalog.Purchasable // vendor id, slug, name, commission
	key       string
	recipient string
	message   string
	delivery  *string
	subtotal  int64
	index     int // its place in the order
}

type newLine struct {
	id       string
	vo       *newVendorOrder
	p        catalog.Purchasable
	bundleID *string
	quantity int
	unit     int64
	amount   int64
}

func (o *newOrder) total() money.Money { return money.Money{Amount: o.subtotal, Currency: o.currency} }

// buildOrder turns a priced cart with no blocking problem into an order: one
// line per variant line and per bundle part (the bundle's price split across
// its parts with money.Allocate, weighted by part price x quantity), grouped
// into one vendor order per vendor and gift (recipient and message).
func buildOrder(c Caller, pc *pricedCart, now, expiresAt time.Time) (*newOrder, error) {
	o := &newOrder{id: id.New("ord"), sourceType: SourceCart, sourceID: pc.cart.ID, status: StatusPendingPayment, currency: deref(pc.cart.Currency), giftMessage: pc.cart.GiftMessage,
		now: now, expiresAt: expiresAt, buyerEmail: pc.cart.Email}
	if c.UserID != "" {
		o.buyerUserID, o.buyerEmail = &c.UserID, c.Email
	}
	var err error
	if o.recipient, err = recipientJSON(pc.recipient); err != nil {
		return nil, err
	}
	type voKey struct{ vendor, gift string }
	vos := map[voKey]*newVendorOrder{}
	add := func(p catalog.Purchasable, bundleID *string, q int, amount int64, gift string, recipient *Recipient, message string) error {
		k := voKey{p.VendorID, gift}
		vo := vos[k]
		if vo == nil {
			rj, err := recipientJSON(recipient)
			if err != nil {
				return err
			}
			vo = &newVendorOrder{id: id.New("vor"), vendor: p, key: gift, recipient: *rj, message: message, index: len(o.vendorOrders)}
			if recipient.DeliveryDate != "" {
				vo.delivery = &recipient.DeliveryDate
			}
			vos[k] = vo
			o.vendorOrders = append(o.vendorOrders, vo)
		}
		sum, err := (money.Money{Amount: vo.subtotal, Currency: o.currency}).Add(money.Money{Amount: amount, Currency: o.currency})
		if err != nil {
			return fault.Invalid("the order's total is too large")
		}
		vo.subtotal = sum.Amount
		o.lines = append(o.lines, newLine{id: id.New("oln"), vo: vo, p: p, bundleID: bundleID, quantity: q, unit: p.Price.Amount, amount: amount})
		return nil
	}
	for _, pl := range pc.lines {
		recipient, message := pc.recipient, pc.cart.GiftMessage
		if pl.recipient != nil {
			recipient = pl.recipient
		}
		if pl.message != "" {
			message = pl.message
		}
		if recipient == nil { // checkoutError stops this; never write an order without one
			return nil, fault.Invalid("a line has no recipient")
		}
		gift := ""
		if !sameRecipient(recipient, pc.recipient) || message != pc.cart.GiftMessage {
			gift = giftKey(recipient, message)
		}
		q := pl.row.Quantity
		if pl.row.VariantID != nil {
			amount, err := mul(pl.variant.Price.Amount, q)
			if err != nil {
				return nil, err
			}
			if err := add(pl.variant, nil, q, amount, gift, recipient, message); err != nil {
				return nil, err
			}
			continue
		}
		total, err := mul(pl.view.UnitPrice.Amount, q)
		if err != nil {
			return nil, err
		}
		weights := make([]int64, len(pl.parts))
		var wsum money.Tally
		for i, p := range pl.parts {
			if weights[i], err = mul(p.Price.Amount, pl.perOne[i].Quantity); err != nil {
				return nil, err
			}
			wsum.Add(weights[i])
		}
		sum, err := wsum.Total()
		if err != nil {
			return nil, fault.Wrap(fault.KindInvalid, err, "the parts of %s are priced too high to split its price", pl.view.Title)
		}
		if sum == 0 { // every part free in the catalog: split by quantity
			for i := range weights {
				weights[i] = int64(pl.perOne[i].Quantity)
			}
		}
		shares, err := money.Allocate(total, weights)
		if err != nil {
			return nil, err
		}
		for i, p := range pl.parts {
			if err := add(p, pl.row.BundleID, pl.perOne[i].Quantity*q, shares[i], gift, recipient, message); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range o.lines {
		sum, err := o.total().Add(money.Money{Amount: l.amount, Currency: o.currency})
		if err != nil {
			return nil, fault.Invalid("the order's total is too large")
		}
		o.subtotal = sum.Amount
	}
	if o.subtotal <= 0 {
		return nil, fault.Conflict("the total is %s: there is nothing to pay", o.total())
	}
	if o.subtotal > money.MaxAmount { // the cart's problems say so first; this keeps an order from ever holding more
		total := o.total()
		var f fault.Fields
		f.Add("lines", "%s: lower a quantity or remove a line", tooLarge("the order's total", &total, o.currency))
		return nil, f.Err()
	}
	// Lines are numbered vendor order by vendor order, so each vendor's lines
	// are together.
	slices.SortStableFunc(o.lines, func(a, b newLine) int { return a.vo.index - b.vo.index })
	return o, nil
}

// reserveItems is what the order holds: its lines' variants (ReserveTx sums
// the lines of one variant).
func (o *newOrder) reserveItems() []catalog.ReserveItem {
	items := make([]catalog.ReserveItem, len(o.lines))
	for i, l := range o.lines {
		items[i] = catalog.ReserveItem{VariantID: l.p.VariantID, Quantity: l.quantity}
	}
	return items
}

// write inserts the order, its vendor orders (pending, or accepted for a
// paid order) and its lines, within tx. A second order for the same source
// fails on the unique source key (db.IsDuplicate): the caller answers it.
func (o *newOrder) write(ctx context.Context, tx *sqlx.Tx) error {
	var paidAt *time.Time
	voStatus := VendorOrderPending
	if o.status == StatusPaid {
		paidAt, voStatus = &o.now, VendorOrderAccepted
	}
	const qo = `INSERT INTO orders (id, source_type, source_id, buyer_user_id, buyer_email, status, currency, subtotal_amount,
		total_amount, amount_received, gift_message, recipient_json, payment_intent_id, reservation_expires_at, placed_at, paid_at,
		created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, qo, o.id, o.sourceType, o.sourceID, o.buyerUserID, o.buyerEmail, o.status, o.currency, o.subtotal,
		o.subtotal, o.amountReceived, o.giftMessage, o.recipient, o.paymentIntentID, o.expiresAt, o.now, paidAt, o.now, o.now); err != nil {
		return fmt.Errorf("orders: insert order: %w", err) // a duplicate source is the caller's to answer
	}
	vos := make([][]any, len(o.vendorOrders))
	for i, vo := range o.vendorOrders {
		vos[i] = []any{vo.id, o.id, vo.vendor.VendorID, vo.vendor.Vendor.Slug, vo.vendor.Vendor.Name, vo.key, vo.recipient,
			vo.message, vo.delivery, o.currency, vo.subtotal, vo.vendor.CommissionBPS, voStatus, paidAt, o.now, o.now}
	}
	if err := insertRows(ctx, tx, `INSERT INTO vendor_orders (id, order_id, vendor_id, vendor_slug, vendor_name, recipient_key,
		recipient_json, gift_message, delivery_date, currency, subtotal_amount, commission_bps, status, accepted_at, created_at, updated_at) VALUES `, vos); err != nil {
		return fmt.Errorf("orders: insert vendor orders: %w", err)
	}
	lines := make([][]any, len(o.lines))
	for i, l := range o.lines {
		lines[i] = []any{l.id, o.id, l.vo.id, l.p.VendorID, i + 1, l.p.VariantID, l.p.ProductID, l.bundleID, l.p.SKU, l.p.Title,
			l.p.VariantTitle, l.quantity, l.unit, l.amount, o.currency, o.now}
	}
	if err := insertRows(ctx, tx, `INSERT INTO order_lines (id, order_id, vendor_order_id, vendor_id, line_no, variant_id,
		product_id, bundle_id, sku, title, variant_title, quantity, unit_price_amount, amount, currency, created_at) VALUES `, lines); err != nil {
		return fmt.Errorf("orders: insert order lines: %w", err)
	}
	return nil
}

// insertRows runs insert (ending in VALUES) for rows, a few hundred rows per
// statement: a statement takes at most 65,535 placeholders.
func insertRows(ctx context.Context, tx *sqlx.Tx, insert string, rows [][]any) error {
	const perStatement = 500
	for len(rows) > 0 {
		n := min(len(rows), perStatement)
		marks := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rows[0])), ", ") + ")"
		vals := make([]string, n)
		var args []any
		for i, r := range rows[:n] {
			vals[i] = marks
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, insert+strings.Join(vals, ", "), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
