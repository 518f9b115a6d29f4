package orders

// Orders paid when they are made: a subscription period's invoice, already
// paid in Stripe (internal/subscriptions), becomes that period's order through
// checkout's own path (buildOrder: the bundle split into its parts with
// money.Allocate, one vendor order per vendor and recipient; newOrder.write),
// but paid at once: there is no payment to start, and what is short of stock
// is refunded rather than sold.

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
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// MaxRecipients is how many recipients one order may send a bundle to (a
// gifting plan's list).
const MaxRecipients = 50

// ValidateRecipients normalizes a list of recipients and checks it: 1 to
// MaxRecipients recipients, each complete (name, first address line, city,
// postal code, country) and well formed; now is for delivery dates. The error
// is kind invalid and names the fields (recipients[i].…).
func ValidateRecipients(rs []Recipient, now time.Time) ([]Recipient, error) {
	var f fault.Fields
	f.Check(len(rs) >= 1, "recipients", "give at least one recipient")
	f.Check(len(rs) <= MaxRecipients, "recipients", "at most %d recipients", MaxRecipients)
	out := make([]Recipient, len(rs))
	for i, r := range rs {
		r = r.normalize()
		prefix := fmt.Sprintf("recipients[%d]", i)
		r.validate(&f, prefix, today(now))
		for _, m := range r.missing() {
			f.Add(prefix+"."+m, "is required")
		}
		out[i] = r
	}
	return out, f.Err()
}

// PaidOrderInput is an order paid before it is made: a bundle for each of a
// list of recipients, paid by a Stripe invoice.
type PaidOrderInput struct {
	InvoiceID       string // in_…: the order's source id; one order per invoice
	PaymentIntentID string // the invoice's intent, if any (stored on the order)
	// Reference says what was paid, in flags and errors for operators:
	// "subscription sbn_…".
	Reference   string
	BuyerUserID string
	BuyerEmail  string
	BundleID    string
	// UnitPrice is the plan's price per recipient (the bundle's price when
	// subscribed): the order's total is UnitPrice x len(Recipients).
	UnitPrice   money.Money
	Recipients  []Recipient // complete (ValidateRecipients)
	GiftMessage string
	// AmountPaid is the invoice's amount_paid: recorded as amount_received. If
	// it is not the order's total (a discount, a price changed in Stripe), the
	// order is still made, paid, and flagged for operators.
	AmountPaid money.Money
}

// ShortLine is a line of a subscription period's order whose goods could not
// be had when the order was made (CreatePaidOrder): it is not sent, and what
// it cost goes back to the buyer (ShortLinesRefunder).
type ShortLine struct {
	LineID        string
	VendorOrderID string
	VariantID     string
	Title         string // the product's, with the variant's when it has one
	Recipient     string // who would have received it
	Quantity      int
	Amount        money.Money
}

// ShortLinesRefunder writes the refund of a paid order's short lines,
// within tx: the transaction that makes the order, so the order, the lines it
// cannot send and their refund commit together (the vendors' hand-off never
// sees a line that is not there). The payments package provides it.
type ShortLinesRefunder func(ctx context.Context, tx *sqlx.Tx, orderID string, short []ShortLine) error

// CreatePaidOrder makes a paid invoice into a paid order,
// once per invoice: (source_type, source_id) = ('stripe_invoice', invoice id),
// so a redelivered event finds the order made the first time (created false).
// In one transaction: the bundle's parts are read from the catalog now, a
// line per recipient x part (the unit price split across the parts as
// checkout does), one vendor order per vendor and recipient (accepted), the
// order written as paid with amount_received = AmountPaid (newOrder.write, as
// checkout writes), and orders.paid enqueued as MarkPaid does.
//
// Stock is taken line by line (catalog.ReserveTx/CommitTx, each variant once
// for the lines it can serve, in line order): a line whose goods are short is
// not sold, a vendor order left with no line to send is cancelled, and
// refundShort writes the refund of the short lines in the same transaction
// (it must be given when a short line cost anything; one that cost nothing,
// a free part, is left out of the order instead). Units sold never pass the stock;
// the rest ships. The order is flagged for operators when lines were short,
// the bundle is no longer active, a part is no longer for sale, or the amount
// paid is not the total. A bundle with no part left in the catalog cannot make
// an order: that error is kind conflict (permanent).
func (s *Store) CreatePaidOrder(ctx context.Context, in PaidOrderInput, refundShort ShortLinesRefunder) (Order, bool, error) {
	if in.InvoiceID == "" || in.BundleID == "" || in.BuyerEmail == "" {
		return Order{}, false, fault.Invalid("a paid order needs the invoice, the bundle and the buyer's email")
	}
	if len(in.Recipients) == 0 || len(in.Recipients) > MaxRecipients {
		return Order{}, false, fault.Invalid("a paid order needs 1 to %d recipients", MaxRecipients)
	}
	if in.UnitPrice.Amount <= 0 || in.UnitPrice.Amount > money.MaxAmount {
		return Order{}, false, fault.Invalid("a paid order needs a positive unit price of at most %d minor units", money.MaxAmount)
	}
	var orderID string
	var created bool
	err := db.RetryDeadlocks(ctx, func() error {
		orderID, created = "", false
		err := db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			existing, err := invoiceOrderID(ctx, tx, in.InvoiceID)
			if err != nil || existing != "" {
				orderID = existing
				return err
			}
			orderID, err = s.createPaidOrder(ctx, tx, in, refundShort)
			created = err == nil
			return err
		})
		if db.IsDuplicate(err) {
			// Another delivery of the same invoice made it first.
			id, gerr := invoiceOrderID(ctx, s.db, in.InvoiceID)
			if gerr != nil {
				return gerr
			}
			if id != "" {
				orderID, created = id, false
				return nil
			}
		}
		return err
	})
	if err != nil {
		return Order{}, false, err
	}
	o, err := loadOrder(ctx, s.db, orderID)
	return o, created, err
}

// OrderByInvoice returns the order made for a paid invoice (not found if
// none).
func (s *Store) OrderByInvoice(ctx context.Context, invoiceID string) (Order, error) {
	id, err := invoiceOrderID(ctx, s.db, invoiceID)
	if err != nil {
		return Order{}, err
	}
	if id == "" {
		return Order{}, fault.NotFound("no order for invoice %s", invoiceID)
	}
	return loadOrder(ctx, s.db, id)
}

func invoiceOrderID(ctx context.Context, q sqlx.QueryerContext, invoiceID string) (string, error) {
	var id string
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM orders WHERE source_type = 'stripe_invoice' AND source_id = ?`, invoiceID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("orders: order of invoice %s: %w", invoiceID, err)
	}
	return id, nil
}

func (s *Store) createPaidOrder(ctx context.Context, tx *sqlx.Tx, in PaidOrderInput, refundShort ShortLinesRefunder) (string, error) {
	bundles, err := s.catalog.PurchasableBundles(ctx, tx, []string{in.BundleID})
	if err != nil {
		return "", err
	}
	b, ok := bundles[in.BundleID]
	if !ok {
		return "", fault.Conflict("bundle %s of %s no longer exists", in.BundleID, in.Reference)
	}
	var ids []string
	for _, p := range b.Parts {
		ids = append(ids, p.VariantID)
	}
	vs, err := s.catalog.Purchasables(ctx, tx, ids)
	if err != nil {
		return "", err
	}
	var flags []string
	if !b.Active {
		flags = append(flags, fmt.Sprintf("bundle %s is no longer active", b.Name))
	}
	// A priced cart as checkout builds it: one bundle line per recipient,
	// with the plan's unit price.
	unit := in.UnitPrice
	pl := pricedLine{view: LineView{UnitPrice: &unit}}
	bundleID := in.BundleID
	pl.row = lineRow{BundleID: &bundleID, Quantity: 1}
	for _, part := range b.Parts {
		p, found := vs[part.VariantID]
		if !found {
			continue
		}
		if !p.Visible {
			flags = append(flags, fmt.Sprintf("%s is no longer for sale", displayTitle(p.Title, p.VariantTitle)))
		}
		pl.parts = append(pl.parts, p)
		pl.perOne = append(pl.perOne, part)
	}
	if len(pl.parts) == 0 {
		return "", fault.Conflict("bundle %s of %s has no part left in the catalog", in.BundleID, in.Reference)
	}
	currency := unit.Currency
	pc := &pricedCart{cart: cartRow{ID: in.InvoiceID, Currency: &currency, Email: in.BuyerEmail, GiftMessage: in.GiftMessage}}
	for i := range in.Recipients {
		r := in.Recipients[i]
		l := pl
		l.recipient, l.message = &r, in.GiftMessage
		pc.lines = append(pc.lines, l)
	}
	now := s.clock.Now()
	o, err := buildOrder(Caller{UserID: in.BuyerUserID, Email: in.BuyerEmail}, pc, now, now)
	if err != nil {
		return "", err
	}
	if in.AmountPaid != o.total() {
		flags = append(flags, fmt.Sprintf("invoice %s was paid %s, but the order's total is %s", in.InvoiceID, in.AmountPaid, o.total()))
	}
	o.sourceType, o.sourceID, o.status = SourceStripeInvoice, in.InvoiceID, StatusPaid
	o.amountReceived = &in.AmountPaid.Amount
	if in.PaymentIntentID != "" {
		o.paymentIntentID = &in.PaymentIntentID
	}
	if err := o.write(ctx, tx); err != nil {
		return "", err // a duplicate is handled by the caller
	}
	short, err := s.holdLines(ctx, tx, o, now.Add(s.ttl))
	if err != nil {
		return "", err
	}
	if _, err := s.catalog.CommitTx(ctx, tx, o.id); err != nil {
		return "", err
	}
	if len(short) > 0 {
		if err := s.cancelEmptyVendorOrders(ctx, tx, o, short, now); err != nil {
			return "", err
		}
		var what, free []string
		var paid []ShortLine
		for _, l := range short {
			what = append(what, fmt.Sprintf("%d × %s for %s", l.Quantity, l.Title, l.Recipient))
			if l.Amount.Amount == 0 {
				free = append(free, l.LineID)
			} else {
				paid = append(paid, l)
			}
		}
		flags = append(flags, fmt.Sprintf("stock is short: %d line(s) not sent, their price refunded (%s)", len(short), strings.Join(what, "; ")))
		// A short line that cost nothing (a free part of the bundle) has
		// nothing to refund: it is left out of the order, so the vendor's
		// hand-off does not send what was not held.
		if len(free) > 0 {
			q, args, err := sqlx.In(`DELETE FROM order_lines WHERE order_id = ? AND id IN (?) AND amount = 0`, o.id, free)
			if err != nil {
				return "", err
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return "", fmt.Errorf("orders: leave out free lines short of stock: %w", err)
			}
		}
		if len(paid) > 0 {
			if refundShort == nil {
				return "", fmt.Errorf("orders: order of invoice %s has lines short of stock and nothing to refund them", in.InvoiceID)
			}
			if err := refundShort(ctx, tx, o.id, paid); err != nil {
				return "", err
			}
		}
	}
	if len(flags) > 0 {
		reason := fmt.Sprintf("%s, invoice %s (paid): %s", in.Reference, in.InvoiceID, strings.Join(flags, "; "))
		if err := s.flagTx(ctx, tx, o.id, reason); err != nil {
			return "", err
		}
	}
	if _, err := s.queue.Enqueue(ctx, tx, Paid{OrderID: o.id}, queue.UniqueKey("orders.paid:"+o.id)); err != nil {
		return "", err
	}
	return o.id, nil
}

// holdLines holds the order's goods line by line, within tx, until until:
// each variant once, for the lines it can serve (first fit, in line order),
// and answers the lines that could not be had. ReserveTx's conditional UPDATE
// keeps any race honest: when it finds less than was read, the lines are
// fitted again to what it found.
func (s *Store) holdLines(ctx context.Context, tx *sqlx.Tx, o *newOrder, until time.Time) ([]ShortLine, error) {
	byVariant := map[string][]int{}
	var variants []string
	for i, l := range o.lines {
		v := l.p.VariantID
		if _, ok := byVariant[v]; !ok {
			variants = append(variants, v)
		}
		byVariant[v] = append(byVariant[v], i)
	}
	slices.Sort(variants)
	sum := func(idx []int) int {
		n := 0
		for _, i := range idx {
			n += o.lines[i].quantity
		}
		return n
	}
	shipped := map[int]bool{}
	for _, v := range variants {
		ship := byVariant[v]
		for attempt := 0; len(ship) > 0; attempt++ {
			err := s.catalog.ReserveTx(ctx, tx, o.id, []catalog.ReserveItem{{VariantID: v, Quantity: sum(ship)}}, until)
			var oos *catalog.OutOfStockError
			if err == nil {
				break
			}
			if !errors.As(err, &oos) || attempt == 5 {
				return nil, err
			}
			left := oos.Available
			if oos.Gone {
				left = 0
			}
			var fit []int
			for _, i := range ship {
				if q := o.lines[i].quantity; q <= left {
					fit, left = append(fit, i), left-q
				}
			}
			ship = fit
		}
		for _, i := range ship {
			shipped[i] = true
		}
	}
	var short []ShortLine
	for i, l := range o.lines {
		if shipped[i] {
			continue
		}
		who := ""
		if r := parseRecipient(&l.vo.recipient); r != nil {
			who = r.Name
		}
		short = append(short, ShortLine{LineID: l.id, VendorOrderID: l.vo.id, VariantID: l.p.VariantID,
			Title: displayTitle(l.p.Title, l.p.VariantTitle), Recipient: who, Quantity: l.quantity,
			Amount: money.Money{Amount: l.amount, Currency: o.currency}})
	}
	return short, nil
}

// cancelEmptyVendorOrders cancels, within tx, the vendor orders of which every
// line is short: there is nothing to send (their refund nets their sale).
func (s *Store) cancelEmptyVendorOrders(ctx context.Context, tx *sqlx.Tx, o *newOrder, short []ShortLine, now time.Time) error {
	lines, shortLines := map[string]int{}, map[string]int{}
	for _, l := range o.lines {
		lines[l.vo.id]++
	}
	for _, l := range short {
		shortLines[l.VendorOrderID]++
	}
	var empty []string
	for _, vo := range o.vendorOrders {
		if lines[vo.id] > 0 && shortLines[vo.id] == lines[vo.id] {
			empty = append(empty, vo.id)
		}
	}
	if len(empty) == 0 {
		return nil
	}
	q, args, err := sqlx.In(`UPDATE vendor_orders SET status = 'cancelled', cancelled_at = ?, updated_at = ?
		WHERE id IN (?) AND status = 'accepted'`, now, now, empty)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("orders: cancel vendor orders with nothing to send: %w", err)
	}
	return s.deriveFulfilmentTx(ctx, tx, o.id, now)
}
