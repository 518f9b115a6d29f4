package payments

// Disputes (tables disputes, dispute_allocations): a buyer's chargeback on
// an order's payment. Stripe's charge.dispute.* events are followed by
// re-reading the dispute (they arrive late, twice and out of order):
//
//   - any dispute flags its order for operators (orders.FlagDispute, audited),
//     and is recorded with Stripe's status;
//   - funds_withdrawn (the disputed amount left the platform's balance, which
//     Stripe does at once for most disputes) is recorded and audited; the
//     vendors are not debited yet: most disputes are answered, and a won
//     one gives the money back (funds_reinstated);
//   - lost (charge.dispute.closed, the funds staying withdrawn) is a debit
//     on the order's vendors, exactly as a refund of the disputed amount
//     would be: split across the vendor orders weighted by what is left on
//     each after refunds, to the cent (planAmount), capped by what is left of
//     the payment, written once with its allocation under the order's row
//     lock, and a payments.dispute_lost job enqueued in the same transaction
//     (the ledger posts the debits: before payout the next payout is smaller,
//     after it a transfer reversal takes the vendor's part back and a Xero
//     credit note books it, as for a refund after payout);
//   - won, or an inquiry closed (warning_closed), is recorded: nothing is
//     owed.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// DisputeLostJob says a dispute was lost: the vendors' ledgers are debited
// (cmd/trove/jobs.go hands it to payouts). Enqueued once per dispute, in the
// transaction that records the loss and its allocation.
type DisputeLostJob struct {
	DisputeID string `json:"dispute_id"`
}

// Kind names the job.
func (DisputeLostJob) Kind() string { return "payments.dispute_lost" }

// Disputes follows Stripe's disputes of orders' payments.
type Disputes struct {
	db     *sqlx.DB
	clock  clock.Clock
	stripe *stripe.Client
	orders *orders.Store
	queue  *queue.Queue
}

// DisputesDeps are the collaborators of Disputes. Queue must have a handler
// for DisputeLostJob.
type DisputesDeps struct {
	DB     *sqlx.DB
	Clock  clock.Clock
	Stripe *stripe.Client
	Orders *orders.Store
	Queue  *queue.Queue
}

// NewDisputes returns Disputes.
func NewDisputes(d DisputesDeps) *Disputes {
	return &Disputes{db: d.DB, clock: d.Clock, stripe: d.Stripe, orders: d.Orders, queue: d.Queue}
}

// Dispute is a dispute as Trove records it.
type Dispute struct {
	ID              string      `db:"id"` // dsp_…
	StripeDisputeID string      `db:"stripe_dispute_id"`
	OrderID         string      `db:"order_id"`
	PaymentIntentID string      `db:"payment_intent_id"`
	Currency        string      `db:"currency"`
	Minor           int64       `db:"amount"`
	Amount          money.Money `db:"-"` // disputed
	Reason          string      `db:"reason"`
	Status          string      `db:"status"` // Stripe's
	FundsWithdrawn  bool        `db:"funds_withdrawn"`
	DebitedMinor    *int64      `db:"debited_amount"`
	LostAt          *time.Time  `db:"lost_at"`
	ClosedAt        *time.Time  `db:"closed_at"`
	// Allocation is the loss's split across vendor orders (empty unless lost).
	Allocation []DisputeShare `db:"-"`
}

// DisputeShare is a lost dispute's part of one vendor order.
type DisputeShare struct {
	VendorOrderID string      `db:"vendor_order_id"`
	VendorID      string      `db:"vendor_id"`
	Currency      string      `db:"currency"`
	Minor         int64       `db:"amount"`
	Amount        money.Money `db:"-"`
}

const disputeColumns = `id, stripe_dispute_id, order_id, payment_intent_id, currency, amount, reason, status, funds_withdrawn,
	debited_amount, lost_at, closed_at`

// Dispute returns a recorded dispute with its allocation.
func (ds *Disputes) Dispute(ctx context.Context, disputeID string) (Dispute, error) {
	var d Dispute
	err := ds.db.GetContext(ctx, &d, `SELECT `+disputeColumns+` FROM disputes WHERE id = ?`, disputeID)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fault.NotFound("no dispute %s", disputeID)
	}
	if err != nil {
		return d, err
	}
	d.Amount = money.Money{Amount: d.Minor, Currency: d.Currency}
	if err := ds.db.SelectContext(ctx, &d.Allocation, `SELECT vendor_order_id, vendor_id, currency, amount FROM dispute_allocations
		WHERE dispute_id = ? ORDER BY position`, disputeID); err != nil {
		return d, err
	}
	for i := range d.Allocation {
		d.Allocation[i].Amount = money.Money{Amount: d.Allocation[i].Minor, Currency: d.Allocation[i].Currency}
	}
	return d, nil
}

// FollowEvent follows one charge.dispute.* event: the dispute is re-read
// from Stripe and the order's books follow its status now (see the top of
// this file). Errors that retrying cannot fix are queue.Permanent.
func (ds *Disputes) FollowEvent(ctx context.Context, ev stripe.Event) error {
	snapshot, err := ev.Dispute()
	if err != nil {
		return queue.Permanent(err)
	}
	if snapshot.ID == "" {
		return queue.Permanent(fmt.Errorf("payments: stripe %s: a dispute event without a dispute id", ev.ID))
	}
	d, err := ds.stripe.GetDispute(ctx, snapshot.ID)
	if err != nil {
		return err
	}
	if d.PaymentIntentID == "" {
		return nil // not a payment intent's charge: not an order's
	}
	o, err := ds.orders.OrderByIntent(ctx, d.PaymentIntentID)
	if fault.Is(err, fault.KindNotFound) {
		return nil // not one of Trove's orders
	}
	if err != nil {
		return err
	}
	if d.Amount.Currency != o.Total.Currency {
		return queue.Permanent(fmt.Errorf("payments: dispute %s is in %s, order %s in %s", d.ID, d.Amount.Currency, o.ID, o.Total.Currency))
	}
	flagged, err := ds.orders.FlagDispute(ctx, o.ID, d.Reason)
	if err != nil {
		return err
	}
	if flagged {
		httpx.Logger(ctx).Error("a payment is disputed: operators must answer it in Stripe",
			"order_id", o.ID, "dispute", d.ID, "reason", d.Reason, "amount", d.Amount.String(), "event", ev.ID)
	}
	return ds.record(ctx, o.ID, d, ev.Type)
}

// record writes what Stripe says of the dispute, and its loss once.
func (ds *Disputes) record(ctx context.Context, orderID string, d stripe.Dispute, eventType string) error {
	var lost *Dispute
	err := db.RetryDeadlocks(ctx, func() error {
		lost = nil
		return db.InTxOpts(ctx, ds.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			// The order's rows, locked: a loss is split against what is left
			// to refund, which refunds move under the same locks.
			pos, err := ds.orders.LockForRefundTx(ctx, tx, orderID)
			if err != nil {
				return err
			}
			now := ds.clock.Now()
			if _, err := tx.ExecContext(ctx, `INSERT INTO disputes (id, stripe_dispute_id, order_id, payment_intent_id, charge_id, currency,
				amount, reason, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`,
				id.New("dsp"), d.ID, orderID, d.PaymentIntentID, d.ChargeID, d.Amount.Currency, d.Amount.Amount, truncate(d.Reason, 64),
				truncate(d.Status, 32), now, now); err != nil {
				return fmt.Errorf("payments: record dispute %s: %w", d.ID, err)
			}
			var cur Dispute
			if err := tx.GetContext(ctx, &cur, `SELECT `+disputeColumns+` FROM disputes WHERE stripe_dispute_id = ? FOR UPDATE`, d.ID); err != nil {
				return err
			}
			withdrawn := cur.FundsWithdrawn
			switch {
			case d.Status == stripe.DisputeWon || eventType == stripe.EventChargeDisputeFundsReinstated:
				withdrawn = false
			case d.Status == stripe.DisputeLost || eventType == stripe.EventChargeDisputeFundsWithdrawn:
				withdrawn = true
			}
			closed := d.Status == stripe.DisputeWon || d.Status == stripe.DisputeLost || d.Status == stripe.DisputeWarningClosed
			var closedAt *time.Time
			if closed && cur.ClosedAt == nil {
				closedAt = &now
			}
			if _, err := tx.ExecContext(ctx, `UPDATE disputes SET status = ?, amount = ?, reason = ?, funds_withdrawn = ?,
				closed_at = COALESCE(closed_at, ?), updated_at = ? WHERE id = ?`, truncate(d.Status, 32), d.Amount.Amount,
				truncate(d.Reason, 64), withdrawn, closedAt, now, cur.ID); err != nil {
				return err
			}
			by := audit.Entry{At: now, ActorType: audit.ActorProvider, ActorID: "stripe", ObjectType: "order", ObjectID: orderID}
			if withdrawn && !cur.FundsWithdrawn {
				e := by
				e.Action, e.Reason = "dispute.funds_withdrawn", d.Reason
				e.After = map[string]any{"dispute_id": cur.ID, "stripe_dispute_id": d.ID, "amount": d.Amount}
				if err := audit.Record(ctx, tx, e); err != nil {
					return err
				}
			}
			if closedAt != nil && d.Status != stripe.DisputeLost {
				e := by
				e.Action, e.Reason = "dispute."+d.Status, d.Reason
				e.After = map[string]any{"dispute_id": cur.ID, "stripe_dispute_id": d.ID, "amount": d.Amount}
				if err := audit.Record(ctx, tx, e); err != nil {
					return err
				}
			}
			if d.Status != stripe.DisputeLost || cur.LostAt != nil {
				return nil
			}
			debited, err := ds.lose(ctx, tx, cur.ID, pos, d, now)
			if err != nil {
				return err
			}
			e := by
			e.Action, e.Reason = "dispute.lost", d.Reason
			e.After = map[string]any{"dispute_id": cur.ID, "stripe_dispute_id": d.ID, "amount": d.Amount,
				"debited": money.Money{Amount: debited, Currency: d.Amount.Currency}}
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
			lost = &cur
			lost.Amount, lost.DebitedMinor = d.Amount, &debited
			return nil
		})
	})
	if err == nil && lost != nil {
		log := httpx.Logger(ctx)
		if *lost.DebitedMinor < lost.Amount.Amount {
			log.Error("a lost dispute took more than is left of the order's payment: the rest is the platform's loss",
				"order_id", orderID, "dispute", d.ID, "disputed", lost.Amount.String(),
				"vendors_debited", money.Money{Amount: *lost.DebitedMinor, Currency: lost.Amount.Currency}.String())
		} else {
			log.Warn("a dispute was lost: the order's vendors are debited", "order_id", orderID, "dispute", d.ID, "amount", lost.Amount.String())
		}
	}
	return err
}

// lose splits the lost amount across the order's vendor orders like a
// refund of it, writes the allocation and enqueues the ledger's job, and
// answers what the vendors bear: the disputed amount, capped by what is
// left of the payment after refunds.
func (ds *Disputes) lose(ctx context.Context, tx *sqlx.Tx, disputeID string, pos orders.RefundPosition, d stripe.Dispute, now time.Time) (int64, error) {
	var vendorsLeft money.Tally
	for _, vo := range pos.VendorOrders {
		vendorsLeft.Add(max(vo.Left(), 0))
	}
	left, err := vendorsLeft.Total()
	if err != nil {
		return 0, queue.Permanent(fmt.Errorf("payments: order %s: its vendor orders do not add up: %w", pos.OrderID, err))
	}
	amount := min(d.Amount.Amount, left, max(pos.Left(), 0))
	var shares []share
	if amount > 0 {
		if shares, _, err = planAmount(amount, pos); err != nil {
			return 0, queue.Permanent(fmt.Errorf("payments: split lost dispute %s: %w", d.ID, err))
		}
	}
	for i, a := range allocationOf(shares, pos.Currency) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dispute_allocations (dispute_id, vendor_order_id, vendor_id, position, currency, amount,
			created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, disputeID, a.VendorOrderID, a.VendorID, i, a.Amount.Currency, a.Amount.Amount, now); err != nil {
			return 0, fmt.Errorf("payments: allocate lost dispute %s: %w", d.ID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE disputes SET lost_at = ?, debited_amount = ? WHERE id = ?`, now, amount, disputeID); err != nil {
		return 0, err
	}
	if amount == 0 {
		return 0, nil // nothing left to take back from the vendors
	}
	_, err = ds.queue.Enqueue(ctx, tx, DisputeLostJob{DisputeID: disputeID}, queue.UniqueKey("payments.dispute_lost:"+disputeID))
	return amount, err
}
