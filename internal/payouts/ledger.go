package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// Entry kinds.
const (
	KindSale             = "sale"
	KindCommission       = "commission"
	KindRefund           = "refund"
	KindRefundCommission = "refund_commission"
	KindAdjustment       = "adjustment"
	// KindDispute is a vendor order's part of a lost dispute (a chargeback):
	// debited like a refund, and KindDisputeCommission gives back the
	// commission on it.
	KindDispute           = "dispute"
	KindDisputeCommission = "dispute_commission"
	// KindTransferReversal is a reversal of a payout's transfer made in
	// Stripe, outside Trove: the money came back from the vendor, so the
	// payout it reduces settles it.
	KindTransferReversal = "transfer_reversal"
)

// Kinds lists every entry kind.
func Kinds() []string {
	return []string{KindSale, KindCommission, KindRefund, KindRefundCommission, KindAdjustment, KindDispute, KindDisputeCommission,
		KindTransferReversal}
}

// Entry is one ledger row.
type Entry struct {
	ID            string      `json:"id" db:"id"`
	VendorID      string      `json:"vendor_id" db:"vendor_id"`
	Kind          string      `json:"kind" db:"kind"`
	Currency      string      `json:"-" db:"currency"`
	AmountMinor   int64       `json:"-" db:"amount"`
	Amount        money.Money `json:"amount" db:"-"`
	OrderID       *string     `json:"order_id" db:"order_id"`
	VendorOrderID *string     `json:"vendor_order_id" db:"vendor_order_id"`
	RefundID      *string     `json:"refund_id" db:"refund_id"`
	DisputeID     *string     `json:"dispute_id" db:"dispute_id"`
	Memo          string      `json:"memo" db:"memo"`
	PayoutID      *string     `json:"payout_id" db:"payout_id"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
}

const entryColumns = `e.id, e.vendor_id, e.kind, e.currency, e.amount, e.order_id, e.vendor_order_id, e.refund_id, e.dispute_id, e.memo,
	pi.payout_id, e.created_at`

const entryFrom = ` FROM ledger_entries e LEFT JOIN payout_items pi ON pi.entry_id = e.id`

func (e *Entry) fill() { e.Amount = money.Money{Amount: e.AmountMinor, Currency: e.Currency} }

type newEntry struct {
	vendorID, kind, currency, sourceKey         string
	amount                                      int64
	orderID, vendorOrderID, refundID, disputeID string
	memo, by                                    string
}

// insertEntryTx appends an entry unless its source already posted one, and
// returns the entry's id and whether it is new.
func insertEntryTx(ctx context.Context, tx *sqlx.Tx, e newEntry, now time.Time) (string, bool, error) {
	entryID := id.New("led")
	res, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries (id, vendor_id, kind, currency, amount, source_key, order_id,
		vendor_order_id, refund_id, dispute_id, memo, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE id = id`, entryID, e.vendorID, e.kind, e.currency, e.amount, e.sourceKey, nullIf(e.orderID),
		nullIf(e.vendorOrderID), nullIf(e.refundID), nullIf(e.disputeID), e.memo, e.by, now)
	if err != nil {
		return "", false, fmt.Errorf("payouts: post %s: %w", e.sourceKey, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return entryID, true, nil
	}
	err = tx.GetContext(ctx, &entryID, `SELECT id FROM ledger_entries WHERE source_key = ?`, e.sourceKey)
	return entryID, false, err
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// PostSale posts a paid order's sales: per vendor order, its subtotal at the
// vendor's price (+) and the commission at the vendor's rate at checkout (-).
// A replay posts nothing.
func (s *Service) PostSale(ctx context.Context, orderID string) error {
	o, err := s.orders.OrderByID(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status != orders.StatusPaid {
		return fault.Conflict("order %s is %s, not paid", o.ID, o.Status)
	}
	now := s.clock.Now()
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, vo := range o.VendorOrders {
			if vo.Status == orders.VendorOrderPending {
				continue
			}
			base := newEntry{vendorID: vo.VendorID, currency: vo.Subtotal.Currency, orderID: o.ID, vendorOrderID: vo.ID, by: "system"}
			sale := base
			sale.kind, sale.sourceKey, sale.amount = KindSale, "sale:"+vo.ID, vo.Subtotal.Amount
			sale.memo = fmt.Sprintf("Order %s", o.ID)
			if _, _, err := insertEntryTx(ctx, tx, sale, now); err != nil {
				return err
			}
			c, err := Commission(vo.Subtotal.Amount, vo.CommissionBPS)
			if err != nil {
				return queue.Permanent(fmt.Errorf("payouts: commission on vendor order %s: %w", vo.ID, err))
			}
			if c > 0 {
				com := base
				com.kind, com.sourceKey, com.amount = KindCommission, "commission:"+vo.ID, -c
				com.memo = fmt.Sprintf("Commission %s%% on order %s", bpsPercent(vo.CommissionBPS), o.ID)
				if _, _, err := insertEntryTx(ctx, tx, com, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func bpsPercent(bps int) string {
	s := fmt.Sprintf("%d.%02d", bps/100, bps%100)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

// Refund is a refund whose money went back to the buyer, cut per vendor order.
type Refund struct {
	ID      string
	OrderID string
	Shares  []RefundShare
}

// RefundShare is a vendor order's part of a refund (or of a lost dispute).
type RefundShare struct {
	VendorOrderID string
	Amount        money.Money
}

// Dispute is a lost dispute (a chargeback): the buyer's bank took back
// money of an order's payment, cut per vendor order like a refund.
type Dispute struct {
	ID      string // Trove's dispute id (dsp_…)
	OrderID string
	Shares  []RefundShare
}

// errSaleNotPosted: the refund's job ran before the sale's; it is retried.
var errSaleNotPosted = errors.New("payouts: the sale of the refunded vendor order is not posted yet")

// debit is money taken back from vendors: a refund or a lost dispute.
type debit struct {
	source         string // reversalRefund or reversalDispute
	id, orderID    string
	shares         []RefundShare
	kind, backKind string // the entries' kinds: the debit, the commission given back
	memo, backMemo string
}

// PostRefund posts the vendors' parts of a refund: per vendor order, the
// refunded amount (-) and the commission it gives back (+), which is the
// commission on all taken back so far (refunds and lost disputes) minus the
// commission on what was taken back before (see Commission). When the
// vendor order was paid out already, a transfer reversal of the net debit is
// started (ReverseTransfer); otherwise the next cycle deducts it. A replay
// posts nothing.
func (s *Service) PostRefund(ctx context.Context, r Refund) error {
	return s.postDebit(ctx, debit{source: reversalRefund, id: r.ID, orderID: r.OrderID, shares: r.Shares,
		kind: KindRefund, backKind: KindRefundCommission,
		memo: fmt.Sprintf("Refund %s on order %s", r.ID, r.OrderID), backMemo: fmt.Sprintf("Commission given back with refund %s", r.ID)})
}

// PostDispute posts the vendors' parts of a lost dispute exactly as a
// refund's (PostRefund): the disputed amount (-) and the commission it
// gives back (+), per vendor order; after payout, a transfer reversal of the
// net debit, before it, the next cycle deducts it. A replay posts nothing.
func (s *Service) PostDispute(ctx context.Context, d Dispute) error {
	return s.postDebit(ctx, debit{source: reversalDispute, id: d.ID, orderID: d.OrderID, shares: d.Shares,
		kind: KindDispute, backKind: KindDisputeCommission,
		memo:     fmt.Sprintf("Lost dispute (chargeback) %s on order %s", d.ID, d.OrderID),
		backMemo: fmt.Sprintf("Commission given back with dispute %s", d.ID)})
}

func (s *Service) postDebit(ctx context.Context, d debit) error {
	o, err := s.orders.OrderByID(ctx, d.orderID)
	if err != nil {
		return err
	}
	bps := map[string]orders.VendorOrder{}
	for _, vo := range o.VendorOrders {
		bps[vo.ID] = vo
	}
	now := s.clock.Now()
	return db.RetryDeadlocks(ctx, func() error {
		return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			for _, sh := range d.shares {
				vo, ok := bps[sh.VendorOrderID]
				if !ok {
					return queue.Permanent(fmt.Errorf("payouts: %s %s names vendor order %s, not of order %s", d.source, d.id, sh.VendorOrderID, d.orderID))
				}
				if sh.Amount.Amount <= 0 {
					continue
				}
				// The sale row, locked: what is taken back from one vendor
				// order posts one at a time, so "taken back before" is exact.
				var saleID string
				err := tx.GetContext(ctx, &saleID, `SELECT id FROM ledger_entries WHERE source_key = ? FOR UPDATE`, "sale:"+vo.ID)
				if errors.Is(err, sql.ErrNoRows) {
					return errSaleNotPosted
				}
				if err != nil {
					return err
				}
				key := d.kind + ":" + d.id + ":" + vo.ID
				var already int
				if err := tx.GetContext(ctx, &already, `SELECT COUNT(*) FROM ledger_entries WHERE source_key = ?`, key); err != nil {
					return err
				}
				if already > 0 {
					continue // posted by an earlier run
				}
				var before int64
				if err := tx.GetContext(ctx, &before, `SELECT COALESCE(-SUM(amount), 0) FROM ledger_entries
					WHERE vendor_order_id = ? AND kind IN ('refund', 'dispute')`, vo.ID); err != nil {
					return err
				}
				back, err := commissionBack(before, sh.Amount.Amount, vo.CommissionBPS)
				if err != nil {
					return queue.Permanent(fmt.Errorf("payouts: %s %s on vendor order %s: %w", d.source, d.id, vo.ID, err))
				}
				net, err := money.Sub(sh.Amount.Amount, back)
				if err != nil {
					return queue.Permanent(fmt.Errorf("payouts: %s %s on vendor order %s: %w", d.source, d.id, vo.ID, err))
				}
				base := newEntry{vendorID: vo.VendorID, currency: sh.Amount.Currency, orderID: d.orderID, vendorOrderID: vo.ID, by: "system"}
				if d.source == reversalRefund {
					base.refundID = d.id
				} else {
					base.disputeID = d.id
				}
				taken := base
				taken.kind, taken.sourceKey, taken.amount, taken.memo = d.kind, key, -sh.Amount.Amount, d.memo
				if _, _, err := insertEntryTx(ctx, tx, taken, now); err != nil {
					return err
				}
				if back > 0 {
					credit := base
					credit.kind, credit.sourceKey, credit.amount, credit.memo = d.backKind, d.backKind+":"+d.id+":"+vo.ID, back, d.backMemo
					if _, _, err := insertEntryTx(ctx, tx, credit, now); err != nil {
						return err
					}
				}
				if err := s.startReversalTx(ctx, tx, d.source, d.id, vo.ID, saleID, net, now); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// commissionBack is the commission a refund of amount gives back when before
// was refunded already: Commission(before+amount) - Commission(before).
func commissionBack(before, amount int64, bps int) (int64, error) {
	after, err := money.Add(before, amount)
	if err != nil {
		return 0, err
	}
	cAfter, err := Commission(after, bps)
	if err != nil {
		return 0, err
	}
	cBefore, err := Commission(before, bps)
	if err != nil {
		return 0, err
	}
	return money.Sub(cAfter, cBefore)
}

// Adjustment is an operator's correction of a vendor's balance.
type Adjustment struct {
	Amount         money.Money `json:"amount"`
	Reason         string      `json:"reason"`
	IdempotencyKey string      `json:"idempotency_key"`
}

// Adjust posts an operator's adjustment (audited). The same idempotency key
// for the same vendor posts once; the answer says whether this call posted.
func (s *Service) Adjust(ctx context.Context, vendorID string, a Adjustment, by audit.Entry) (Entry, bool, error) {
	var f fault.Fields
	// One adjustment is one amount entering the ledger: within ±money.MaxAmount
	// (a larger correction is several, each audited), so no single request
	// can push a balance past what the checked sums hold.
	if money.CheckIncoming(&f, "amount", a.Amount, -money.MaxAmount) {
		f.Check(a.Amount.Amount != 0, "amount.amount", "must not be zero")
	}
	f.Check(strings.TrimSpace(a.Reason) != "", "reason", "is required")
	f.Check(utf8.RuneCountInString(a.Reason) <= 1000, "reason", "must be at most 1000 characters")
	f.Check(len(a.IdempotencyKey) <= 100, "idempotency_key", "must be at most 100 characters")
	if err := f.Err(); err != nil {
		return Entry{}, false, err
	}
	key := "adjustment:" + id.New("adj")
	if a.IdempotencyKey != "" {
		key = "adjustment:" + vendorID + ":" + a.IdempotencyKey
	}
	if _, err := s.vendors.Get(ctx, vendorID); err != nil {
		return Entry{}, false, err
	}
	now := s.clock.Now()
	var entryID string
	var created bool
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		entryID, created, err = insertEntryTx(ctx, tx, newEntry{vendorID: vendorID, kind: KindAdjustment, currency: a.Amount.Currency,
			sourceKey: key, amount: a.Amount.Amount, memo: strings.TrimSpace(a.Reason), by: by.ActorID}, now)
		if err != nil || !created {
			return err
		}
		by.At, by.VendorID, by.Action, by.ObjectType, by.ObjectID = now, vendorID, "ledger.adjusted", "ledger_entry", entryID
		by.Reason, by.After = strings.TrimSpace(a.Reason), map[string]any{"amount": a.Amount}
		return audit.Record(ctx, tx, by)
	})
	if err != nil {
		return Entry{}, false, err
	}
	e, err := s.entry(ctx, entryID)
	return e, created, err
}

func (s *Service) entry(ctx context.Context, entryID string) (Entry, error) {
	var e Entry
	if err := s.db.GetContext(ctx, &e, `SELECT `+entryColumns+entryFrom+` WHERE e.id = ?`, entryID); err != nil {
		return Entry{}, err
	}
	e.fill()
	return e, nil
}
