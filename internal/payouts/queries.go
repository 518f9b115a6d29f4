package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Payout is one payout, with what invoicing booked for it.
type Payout struct {
	ID                string      `json:"id" db:"id"`
	CycleID           string      `json:"cycle_id" db:"cycle_id"`
	VendorID          string      `json:"vendor_id" db:"vendor_id"`
	Currency          string      `json:"-" db:"currency"`
	AmountMinor       int64       `json:"-" db:"amount"`
	ReversedMinor     int64       `json:"-" db:"reversed_amount"`
	Amount            money.Money `json:"amount" db:"-"`
	Reversed          money.Money `json:"reversed" db:"-"`
	Status            string      `json:"status" db:"status"`
	StripeAccountID   string      `json:"stripe_account_id" db:"stripe_account_id"`
	TransferGroup     string      `json:"transfer_group" db:"transfer_group"`
	SourceTransaction *string     `json:"source_transaction" db:"source_transaction"`
	StripeTransferID  *string     `json:"stripe_transfer_id" db:"stripe_transfer_id"`
	FailureReason     string      `json:"failure_reason" db:"failure_reason"`
	TransferredAt     *time.Time  `json:"transferred_at" db:"transferred_at"`
	XeroBillNumber    string      `json:"xero_bill_number" db:"xero_bill_number"`
	XeroBillStatus    string      `json:"xero_bill_status" db:"xero_bill_status"`
	CreatedAt         time.Time   `json:"created_at" db:"created_at"`
}

func (p *Payout) fill() {
	p.Amount = money.Money{Amount: p.AmountMinor, Currency: p.Currency}
	p.Reversed = money.Money{Amount: p.ReversedMinor, Currency: p.Currency}
}

const payoutColumns = `id, cycle_id, vendor_id, currency, amount, reversed_amount, status, stripe_account_id, transfer_group,
	source_transaction, stripe_transfer_id, failure_reason, transferred_at, xero_bill_number, xero_bill_status, created_at`

// Payout returns one payout.
func (s *Service) Payout(ctx context.Context, payoutID string) (Payout, error) {
	var p Payout
	err := s.db.GetContext(ctx, &p, `SELECT `+payoutColumns+` FROM payouts WHERE id = ?`, payoutID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fault.NotFound("payout %s not found", payoutID)
	}
	p.fill()
	return p, err
}

// VendorPayout returns one of the vendor's payouts; another's is not found.
func (s *Service) VendorPayout(ctx context.Context, vendorID, payoutID string) (Payout, error) {
	p, err := s.Payout(ctx, payoutID)
	if err == nil && p.VendorID != vendorID {
		return Payout{}, fault.NotFound("payout %s not found", payoutID)
	}
	return p, err
}

// PayoutFilter narrows a list of payouts.
type PayoutFilter struct {
	VendorID, CycleID, Status string
	Limit                     int
}

// Payouts lists payouts, newest first.
func (s *Service) Payouts(ctx context.Context, f PayoutFilter) ([]Payout, error) {
	where, args := []string{"1 = 1"}, []any{}
	for col, v := range map[string]string{"vendor_id": f.VendorID, "cycle_id": f.CycleID, "status": f.Status} {
		if v != "" {
			where, args = append(where, col+" = ?"), append(args, v)
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	out := []Payout{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+payoutColumns+` FROM payouts WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, f.Limit), args...)
	for i := range out {
		out[i].fill()
	}
	return out, err
}

// PayoutLine is what a payout pays for one vendor order (or one adjustment):
// the lines of its bill.
type PayoutLine struct {
	VendorOrderID string      `json:"vendor_order_id"` // "" for an adjustment
	OrderID       string      `json:"order_id"`
	Memo          string      `json:"memo"`
	Sales         money.Money `json:"sales"`      // sales net of refunds
	Commission    money.Money `json:"commission"` // net of commission given back (negative)
}

// PayoutLines sums a payout's entries per vendor order, and one line per
// adjustment, in the order of their first entry. Entries settled by a
// reversal are left out: they belong to the reversal (its credit note).
func (s *Service) PayoutLines(ctx context.Context, payoutID string) ([]PayoutLine, error) {
	var rows []struct {
		Kind          string  `db:"kind"`
		Currency      string  `db:"currency"`
		Amount        int64   `db:"amount"`
		OrderID       *string `db:"order_id"`
		VendorOrderID *string `db:"vendor_order_id"`
		Memo          string  `db:"memo"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT e.kind, e.currency, e.amount, e.order_id, e.vendor_order_id, e.memo
		FROM payout_items pi JOIN ledger_entries e ON e.id = pi.entry_id
		WHERE pi.payout_id = ? AND pi.reversal_id IS NULL ORDER BY e.created_at, e.id`, payoutID); err != nil {
		return nil, err
	}
	var out []PayoutLine
	at := map[string]int{}
	for _, r := range rows {
		key := ""
		if r.VendorOrderID != nil {
			key = *r.VendorOrderID
		}
		i, ok := at[key]
		if !ok || key == "" {
			l := PayoutLine{Memo: r.Memo, Sales: money.Money{Currency: r.Currency}, Commission: money.Money{Currency: r.Currency}}
			if r.VendorOrderID != nil {
				l.VendorOrderID, l.OrderID = *r.VendorOrderID, deref(r.OrderID)
				l.Memo = "Order " + l.OrderID + " (" + l.VendorOrderID + ")"
			}
			out = append(out, l)
			i = len(out) - 1
			if key != "" {
				at[key] = i
			}
		}
		sum := &out[i].Sales
		if r.Kind == KindCommission || r.Kind == KindRefundCommission || r.Kind == KindDisputeCommission {
			sum = &out[i].Commission
		}
		var err error
		if sum.Amount, err = money.Add(sum.Amount, r.Amount); err != nil {
			return nil, fmt.Errorf("payouts: lines of payout %s: %w", payoutID, err)
		}
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ItemsTotal is the sum of the entries a payout settled, and of those its
// reversals settled (negative): what the ledger says the payout is worth now.
func (s *Service) ItemsTotal(ctx context.Context, payoutID string) (int64, error) {
	var total int64
	err := s.db.GetContext(ctx, &total, `SELECT COALESCE(SUM(e.amount), 0) FROM payout_items pi
		JOIN ledger_entries e ON e.id = pi.entry_id WHERE pi.payout_id = ?`, payoutID)
	return total, err
}

// RecordBill notes what invoicing booked for a payout (the vendor sees it).
func (s *Service) RecordBill(ctx context.Context, payoutID, number, status string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE payouts SET xero_bill_number = ?, xero_bill_status = ?, updated_at = ? WHERE id = ?`,
		number, status, s.clock.Now(), payoutID)
	return err
}

// Balance is a vendor's position in one currency.
type Balance struct {
	Currency string      `json:"currency"`
	Open     money.Money `json:"open"`      // every entry not paid out yet
	Due      money.Money `json:"due"`       // of which a cycle would pay now
	OnHold   money.Money `json:"on_hold"`   // of which waits for shipping or the hold
	PaidOut  money.Money `json:"paid_out"`  // transferred so far, net of reversals
	NextDate time.Time   `json:"next_date"` // the next scheduled cycle
	// Estimate is what the next cycle would pay if nothing changes before
	// then (what is due by then; not less than zero).
	Estimate money.Money `json:"estimate"`
}

// Balances answers the vendor's balance per currency.
func (s *Service) Balances(ctx context.Context, vendorID string) ([]Balance, error) {
	var rows []openEntry
	if err := s.db.SelectContext(ctx, &rows, `SELECT e.id, e.vendor_id, e.currency, e.amount, e.vendor_order_id
		FROM ledger_entries e LEFT JOIN payout_items pi ON pi.entry_id = e.id
		WHERE e.vendor_id = ? AND pi.entry_id IS NULL`, vendorID); err != nil {
		return nil, err
	}
	var voIDs []string
	for _, r := range rows {
		if r.VendorOrderID != nil {
			voIDs = append(voIDs, *r.VendorOrderID)
		}
	}
	now := s.clock.Now()
	next := s.NextPayout(now)
	dueNow, err := s.orders.SettledVendorOrders(ctx, voIDs, now.Add(-s.cfg.Hold))
	if err != nil {
		return nil, err
	}
	dueNext, err := s.orders.SettledVendorOrders(ctx, voIDs, next.Add(-s.cfg.Hold))
	if err != nil {
		return nil, err
	}
	by := map[string]*Balance{}
	var order []string
	get := func(cur string) *Balance {
		if b, ok := by[cur]; ok {
			return b
		}
		z := money.Money{Currency: cur}
		by[cur] = &Balance{Currency: cur, Open: z, Due: z, OnHold: z, PaidOut: z, Estimate: z, NextDate: next}
		order = append(order, cur)
		return by[cur]
	}
	// Checked sums: a ledger that does not add up within int64 (entries from
	// before amounts were bounded) is an error, never a wrapped balance.
	type sums struct{ open, due, onHold, estimate money.Tally }
	tallies := map[string]*sums{}
	for _, r := range rows {
		get(r.Currency)
		t := tallies[r.Currency]
		if t == nil {
			t = &sums{}
			tallies[r.Currency] = t
		}
		t.open.Add(r.Amount)
		if r.VendorOrderID == nil || dueNow[*r.VendorOrderID] {
			t.due.Add(r.Amount)
		} else {
			t.onHold.Add(r.Amount)
		}
		if r.VendorOrderID == nil || dueNext[*r.VendorOrderID] {
			t.estimate.Add(r.Amount)
		}
	}
	for cur, t := range tallies {
		b := by[cur]
		for _, f := range []struct {
			dst *int64
			t   *money.Tally
		}{{&b.Open.Amount, &t.open}, {&b.Due.Amount, &t.due}, {&b.OnHold.Amount, &t.onHold}, {&b.Estimate.Amount, &t.estimate}} {
			v, err := f.t.Total()
			if err != nil {
				return nil, fmt.Errorf("payouts: balance of vendor %s in %s: %w", vendorID, cur, err)
			}
			*f.dst = v
		}
	}
	var paid []struct {
		Currency string `db:"currency"`
		Net      int64  `db:"net"`
	}
	if err := s.db.SelectContext(ctx, &paid, `SELECT currency, SUM(amount - reversed_amount) AS net FROM payouts
		WHERE vendor_id = ? AND status = 'transferred' GROUP BY currency`, vendorID); err != nil {
		return nil, err
	}
	for _, p := range paid {
		get(p.Currency).PaidOut.Amount = p.Net
	}
	out := make([]Balance, 0, len(order))
	for _, c := range order {
		if by[c].Estimate.Amount < 0 {
			by[c].Estimate.Amount = 0
		}
		out = append(out, *by[c])
	}
	return out, nil
}

// EntryFilter narrows a vendor's entries.
type EntryFilter struct {
	Kind     string
	OrderID  string
	From, To time.Time
	Cursor   string
	Limit    int // 1..500, default 100
}

// EntryPage is a page of entries, newest first.
type EntryPage struct {
	Items []Entry `json:"items"`
	Next  *string `json:"next_cursor"`
}

// Entries lists a vendor's ledger entries, newest first.
func (s *Service) Entries(ctx context.Context, vendorID string, f EntryFilter) (EntryPage, error) {
	var fe fault.Fields
	if f.Kind != "" && !slices.Contains(Kinds(), f.Kind) {
		fe.Add("kind", "must be one of %s", strings.Join(Kinds(), ", "))
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	fe.Check(f.Limit >= 1 && f.Limit <= 500, "limit", "must be between 1 and 500")
	var afterAt time.Time
	var afterID string
	if f.Cursor != "" {
		var err error
		if afterAt, afterID, err = db.DecodeCursor(f.Cursor); err != nil {
			fe.Add("cursor", "is not a cursor from a previous page")
		}
	}
	if err := fe.Err(); err != nil {
		return EntryPage{}, err
	}
	where, args := `e.vendor_id = ?`, []any{vendorID}
	if f.Kind != "" {
		where, args = where+` AND e.kind = ?`, append(args, f.Kind)
	}
	if f.OrderID != "" {
		where, args = where+` AND e.order_id = ?`, append(args, f.OrderID)
	}
	if !f.From.IsZero() {
		where, args = where+` AND e.created_at >= ?`, append(args, f.From)
	}
	if !f.To.IsZero() {
		where, args = where+` AND e.created_at < ?`, append(args, f.To)
	}
	if afterID != "" {
		where += ` AND (e.created_at < ? OR (e.created_at = ? AND e.id < ?))`
		args = append(args, afterAt, afterAt, afterID)
	}
	items := []Entry{}
	if err := s.db.SelectContext(ctx, &items, `SELECT `+entryColumns+entryFrom+` WHERE `+where+
		fmt.Sprintf(` ORDER BY e.created_at DESC, e.id DESC LIMIT %d`, f.Limit+1), args...); err != nil {
		return EntryPage{}, err
	}
	for i := range items {
		items[i].fill()
	}
	page := EntryPage{Items: items}
	if len(items) > f.Limit {
		page.Items = items[:f.Limit]
		last := page.Items[f.Limit-1]
		c := db.EncodeCursor(last.CreatedAt, last.ID)
		page.Next = &c
	}
	return page, nil
}

// OrderSummary is what one vendor order brought the vendor.
type OrderSummary struct {
	VendorOrderID    string      `json:"vendor_order_id" db:"vendor_order_id"`
	OrderID          string      `json:"order_id" db:"order_id"`
	Currency         string      `json:"-" db:"currency"`
	SaleMinor        int64       `json:"-" db:"sale"`
	CommissionMinor  int64       `json:"-" db:"commission"`
	RefundsMinor     int64       `json:"-" db:"refunds"`
	Sale             money.Money `json:"sale" db:"-"`
	Commission       money.Money `json:"commission" db:"-"` // net of commission given back
	Refunds          money.Money `json:"refunds" db:"-"`    // refunds and lost disputes (chargebacks)
	Net              money.Money `json:"net" db:"-"`
	FirstPostedAt    time.Time   `json:"first_posted_at" db:"first_posted_at"`
	PaidOutByPayouts string      `json:"-" db:"payouts"`
	Payouts          []string    `json:"payout_ids" db:"-"`
}

// OrderSummaries sums the vendor's entries per vendor order, newest first.
func (s *Service) OrderSummaries(ctx context.Context, vendorID string, limit int) ([]OrderSummary, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out := []OrderSummary{}
	err := s.db.SelectContext(ctx, &out, `SELECT e.vendor_order_id, MAX(e.order_id) AS order_id, e.currency,
		SUM(IF(e.kind = 'sale', e.amount, 0)) AS sale,
		SUM(IF(e.kind IN ('commission', 'refund_commission', 'dispute_commission'), e.amount, 0)) AS commission,
		SUM(IF(e.kind IN ('refund', 'dispute'), e.amount, 0)) AS refunds,
		MIN(e.created_at) AS first_posted_at,
		COALESCE(GROUP_CONCAT(DISTINCT pi.payout_id ORDER BY pi.payout_id), '') AS payouts
		FROM ledger_entries e LEFT JOIN payout_items pi ON pi.entry_id = e.id
		WHERE e.vendor_id = ? AND e.vendor_order_id IS NOT NULL
		GROUP BY e.vendor_order_id, e.currency ORDER BY first_posted_at DESC LIMIT ?`, vendorID, limit)
	for i := range out {
		o := &out[i]
		o.Sale = money.Money{Amount: o.SaleMinor, Currency: o.Currency}
		o.Commission = money.Money{Amount: o.CommissionMinor, Currency: o.Currency}
		o.Refunds = money.Money{Amount: o.RefundsMinor, Currency: o.Currency}
		net, err := money.Sum(o.SaleMinor, o.CommissionMinor, o.RefundsMinor)
		if err != nil {
			return nil, fmt.Errorf("payouts: vendor order %s: %w", o.VendorOrderID, err)
		}
		o.Net = money.Money{Amount: net, Currency: o.Currency}
		o.Payouts = []string{}
		if o.PaidOutByPayouts != "" {
			o.Payouts = strings.Split(o.PaidOutByPayouts, ",")
		}
	}
	return out, err
}
