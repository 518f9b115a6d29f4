package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// Payout statuses.
const (
	StatusPending     = "pending"
	StatusTransferred = "transferred"
	StatusFailed      = "failed"
)

// Cycle is one run of the payout schedule.
type Cycle struct {
	ID          string     `json:"id" db:"id"`
	Trigger     string     `json:"trigger" db:"trigger_kind"`
	Occurrence  *string    `json:"occurrence" db:"occurrence"`
	Cutoff      time.Time  `json:"cutoff" db:"cutoff"`
	StartedBy   string     `json:"started_by" db:"started_by"`
	Payouts     int        `json:"payouts" db:"payouts_count"`
	Skipped     int        `json:"skipped" db:"skipped_count"`
	StartedAt   time.Time  `json:"started_at" db:"started_at"`
	FinishedAt  *time.Time `json:"finished_at" db:"finished_at"`
	SkippedList []Skip     `json:"skips" db:"-"`
}

// Skip is a vendor a cycle left out, and why.
type Skip struct {
	VendorID string      `json:"vendor_id" db:"vendor_id"`
	Currency string      `json:"-" db:"currency"`
	Minor    int64       `json:"-" db:"balance"`
	Balance  money.Money `json:"balance" db:"-"`
	Reason   string      `json:"reason" db:"reason"`
}

// RunCycleJob runs a payout cycle: the schedule enqueues one per occurrence.
type RunCycleJob struct {
	Occurrence string `json:"occurrence"` // RFC 3339; "" for an operator's run
}

// Kind names the job.
func (RunCycleJob) Kind() string { return "payouts.run_cycle" }

// TransferJob makes the Stripe transfer of one payout.
type TransferJob struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (TransferJob) Kind() string { return "payouts.transfer" }

// Transferred says a payout's money went to the vendor: invoicing books it.
// Enqueued once per payout.
type Transferred struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (Transferred) Kind() string { return "payouts.transferred" }

// ReverseJob takes a refund's debit back from the payout's transfer.
type ReverseJob struct {
	ReversalID string `json:"reversal_id"`
}

// Kind names the job.
func (ReverseJob) Kind() string { return "payouts.reverse" }

// Reversed says a transfer reversal succeeded: invoicing books a credit note.
// Enqueued once per reversal.
type Reversed struct {
	ReversalID string `json:"reversal_id"`
}

// Kind names the job.
func (Reversed) Kind() string { return "payouts.reversed" }

// OnRunCycle is the payouts.run_cycle handler.
func (s *Service) OnRunCycle(ctx context.Context, _ queue.Meta, j RunCycleJob) error {
	if j.Occurrence == "" {
		_, err := s.RunCycle(ctx, "manual", "", "system")
		return err
	}
	_, err := s.RunCycle(ctx, "schedule", j.Occurrence, "schedule")
	return err
}

// RunCycle pays every vendor its settled open entries: those of vendor orders
// shipped at least the hold ago (or cancelled), and adjustments. One payout
// per vendor and currency, its entries claimed in payout_items (an entry is
// in one payout at most, so concurrent or repeated cycles pay nothing twice)
// and its transfer made by a job. Vendors without payouts enabled, or whose
// settled balance is not positive, are skipped with the reason and carried
// to the next cycle. A scheduled occurrence runs once: running it again
// answers the first run.
func (s *Service) RunCycle(ctx context.Context, trigger, occurrence, by string) (Cycle, error) {
	now := s.clock.Now()
	c := Cycle{ID: id.New("pcy"), Trigger: trigger, Cutoff: now.Add(-s.cfg.Hold), StartedBy: by, StartedAt: now}
	if occurrence != "" {
		c.Occurrence = &occurrence
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO payout_cycles (id, trigger_kind, occurrence, cutoff, started_by, started_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.ID, c.Trigger, c.Occurrence, c.Cutoff, c.StartedBy, c.StartedAt)
	if db.IsDuplicate(err) {
		var existing Cycle
		if err := s.db.GetContext(ctx, &existing, `SELECT `+cycleColumns+` FROM payout_cycles WHERE occurrence = ?`, occurrence); err != nil {
			return Cycle{}, err
		}
		if existing.FinishedAt != nil {
			return s.Cycle(ctx, existing.ID)
		}
		c = existing // a crashed run: finish it
	} else if err != nil {
		return Cycle{}, fmt.Errorf("payouts: start cycle: %w", err)
	}

	groups, err := s.openGroups(ctx)
	if err != nil {
		return Cycle{}, err
	}
	for _, g := range groups {
		if err := s.payGroup(ctx, c, g); err != nil {
			return Cycle{}, err
		}
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE payout_cycles SET finished_at = ? WHERE id = ?`, s.clock.Now(), c.ID); err != nil {
		return Cycle{}, err
	}
	return s.Cycle(ctx, c.ID)
}

// group is a vendor's open entries in one currency.
type group struct {
	vendorID, currency string
	entries            []openEntry
}

type openEntry struct {
	ID            string  `db:"id"`
	VendorID      string  `db:"vendor_id"`
	Currency      string  `db:"currency"`
	Amount        int64   `db:"amount"`
	VendorOrderID *string `db:"vendor_order_id"`
}

// openGroups reads every entry in no payout, by vendor and currency.
func (s *Service) openGroups(ctx context.Context) ([]group, error) {
	var rows []openEntry
	if err := s.db.SelectContext(ctx, &rows, `SELECT e.id, e.vendor_id, e.currency, e.amount, e.vendor_order_id
		FROM ledger_entries e LEFT JOIN payout_items pi ON pi.entry_id = e.id
		WHERE pi.entry_id IS NULL ORDER BY e.vendor_id, e.currency, e.created_at, e.id`); err != nil {
		return nil, fmt.Errorf("payouts: read open entries: %w", err)
	}
	var out []group
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].vendorID != r.VendorID || out[n-1].currency != r.Currency {
			out = append(out, group{vendorID: r.VendorID, currency: r.Currency})
		}
		out[len(out)-1].entries = append(out[len(out)-1].entries, r)
	}
	return out, nil
}

// payGroup makes one vendor's payout in one currency, or records why not.
func (s *Service) payGroup(ctx context.Context, c Cycle, g group) error {
	var voIDs []string
	for _, e := range g.entries {
		if e.VendorOrderID != nil {
			voIDs = append(voIDs, *e.VendorOrderID)
		}
	}
	settled, err := s.orders.SettledVendorOrders(ctx, voIDs, c.Cutoff)
	if err != nil {
		return err
	}
	var ids []string
	var sum money.Tally
	for _, e := range g.entries {
		if e.VendorOrderID == nil || settled[*e.VendorOrderID] {
			ids = append(ids, e.ID)
			sum.Add(e.Amount)
		}
	}
	if len(ids) == 0 {
		return nil // nothing settled yet: not a skip, just not due
	}
	// A sum that does not fit an int64 (entries written before amounts were
	// bounded) is not paid and not wrapped: a wrapped sum once turned a huge
	// balance negative and the vendor's real sales were carried, unpaid.
	total, overflow := sum.Total()
	acct, err := s.account(ctx, g.vendorID)
	skip := ""
	switch {
	case overflow != nil:
		s.log.Error("payout refused: the vendor's settled entries do not add up within int64", "vendor_id", g.vendorID,
			"currency", g.currency, "entries", len(ids), "cycle_id", c.ID)
		skip = "the settled entries add up to more than Trove can hold: an operator must correct the ledger"
		total = 0
	case err != nil && !fault.Is(err, fault.KindNotFound):
		return err
	case err != nil:
		skip = "no payout account: the vendor has not set up Stripe payouts"
	case !acct.PayoutsEnabled || !acct.TransfersActive:
		skip = "payouts are not enabled on the vendor's Stripe account yet"
	case total <= 0:
		skip = "the settled balance is not positive: carried to the next cycle"
	}
	now := s.clock.Now()
	if skip != "" {
		_, err := s.db.ExecContext(ctx, `INSERT INTO payout_skips (cycle_id, vendor_id, currency, balance, reason) VALUES (?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE balance = VALUES(balance), reason = VALUES(reason)`, c.ID, g.vendorID, g.currency, total, skip)
		return err
	}
	payoutID := id.New("pyo")
	err = db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO payouts (id, cycle_id, vendor_id, currency, amount, status, stripe_account_id,
			transfer_group, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
			payoutID, c.ID, g.vendorID, g.currency, total, acct.StripeAccountID, payoutID, now, now); err != nil {
			return err
		}
		q, args, err := sqlx.In(`INSERT INTO payout_items (entry_id, payout_id, created_at)
			SELECT id, ?, ? FROM ledger_entries WHERE id IN (?)`, payoutID, now, ids)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err // a duplicate: another cycle took an entry meanwhile
		}
		if n, _ := res.RowsAffected(); n != int64(len(ids)) {
			return fmt.Errorf("payouts: claimed %d of %d entries", n, len(ids))
		}
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: c.StartedBy, VendorID: g.vendorID,
			Action: "payout.created", ObjectType: "payout", ObjectID: payoutID,
			After: map[string]any{"cycle_id": c.ID, "amount": money.Money{Amount: total, Currency: g.currency}, "entries": len(ids)}}); err != nil {
			return err
		}
		_, err = s.queue.Enqueue(ctx, tx, TransferJob{PayoutID: payoutID}, queue.UniqueKey("payouts.transfer:"+payoutID))
		return err
	})
	if db.IsDuplicate(err) {
		// Another cycle, running at the same moment, claimed these entries
		// (or this vendor's payout in this cycle): it pays them.
		return nil
	}
	return err
}

// OnTransfer makes the payout's Stripe transfer, once: the payout id is the
// idempotency key, so a retried job gets the same transfer. A payout that
// pays one order's sales only ties the transfer to that order's charge
// (transfer_group = the order, source_transaction = its charge), so Stripe
// moves money the charge brought in; otherwise the payout is its own group.
// A transfer Stripe refuses (the account can no longer receive, say) fails
// the payout and gives its entries back to the next cycle.
func (s *Service) OnTransfer(ctx context.Context, _ queue.Meta, j TransferJob) error {
	p, err := s.Payout(ctx, j.PayoutID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if p.Status != StatusPending {
		return nil
	}
	group, source, err := s.transferSource(ctx, p)
	if err != nil {
		return err
	}
	tr, err := s.stripe.CreateTransfer(ctx, stripe.TransferInput{Amount: p.Amount, Destination: p.StripeAccountID, TransferGroup: group,
		SourceTransaction: source, Description: "Trove payout " + p.ID,
		Metadata: map[string]string{"payout_id": p.ID, "vendor_id": p.VendorID}}, "payout:"+p.ID)
	if err != nil {
		if stripe.Retryable(err) {
			return err
		}
		return s.failPayout(ctx, p, err)
	}
	now := s.clock.Now()
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payouts SET status = 'transferred', stripe_transfer_id = ?, transfer_group = ?,
			source_transaction = ?, transferred_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
			tr.ID, group, nullIf(source), now, now, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "payouts", VendorID: p.VendorID,
			Action: "payout.transferred", ObjectType: "payout", ObjectID: p.ID,
			After: map[string]any{"stripe_transfer_id": tr.ID, "amount": p.Amount}}); err != nil {
			return err
		}
		_, err = s.queue.Enqueue(ctx, tx, Transferred{PayoutID: p.ID}, queue.UniqueKey("payouts.transferred:"+p.ID))
		return err
	})
}

// transferSource picks the transfer group and source charge of a payout.
func (s *Service) transferSource(ctx context.Context, p Payout) (group, source string, err error) {
	var orderIDs []string
	if err := s.db.SelectContext(ctx, &orderIDs, `SELECT DISTINCT COALESCE(e.order_id, '') FROM payout_items pi
		JOIN ledger_entries e ON e.id = pi.entry_id WHERE pi.payout_id = ? AND pi.reversal_id IS NULL`, p.ID); err != nil {
		return "", "", err
	}
	if len(orderIDs) != 1 || orderIDs[0] == "" {
		return p.ID, "", nil
	}
	o, err := s.orders.OrderByID(ctx, orderIDs[0])
	if err != nil || o.PaymentIntentID == "" {
		return p.ID, "", err
	}
	pi, err := s.stripe.GetPaymentIntent(ctx, o.PaymentIntentID)
	if err != nil {
		return "", "", err
	}
	if pi.LatestChargeID == "" || pi.AmountReceived.Amount < p.Amount.Amount {
		return p.ID, "", nil
	}
	return o.ID, pi.LatestChargeID, nil
}

// failPayout records a transfer Stripe refused and gives the entries back.
func (s *Service) failPayout(ctx context.Context, p Payout, cause error) error {
	now := s.clock.Now()
	reason := truncate(cause.Error(), 1000)
	s.log.WarnContext(ctx, "payouts: Stripe refused a transfer; the entries go back to the next cycle", "payout_id", p.ID, "err", reason)
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE payouts SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
			reason, now, p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM payout_items WHERE payout_id = ?`, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "payouts", VendorID: p.VendorID,
			Action: "payout.failed", ObjectType: "payout", ObjectID: p.ID, Reason: reason})
	})
}

// What a payout's transfer is reversed for (payout_reversals.source).
const (
	reversalRefund  = "refund"  // a refund after payout
	reversalDispute = "dispute" // a lost dispute after payout
	reversalStripe  = "stripe"  // made in Stripe's dashboard, outside Trove
)

// startReversalTx starts taking a refund's (or a lost dispute's) net debit
// back from the payout that paid the vendor order's sale, if one did.
// Nothing to take back, or no payout yet: the next cycle deducts the debit.
func (s *Service) startReversalTx(ctx context.Context, tx *sqlx.Tx, source, sourceID, vendorOrderID, saleEntryID string, net int64, now time.Time) error {
	if net <= 0 {
		return nil
	}
	var payoutID string
	err := tx.GetContext(ctx, &payoutID, `SELECT p.id FROM payout_items pi JOIN payouts p ON p.id = pi.payout_id
		WHERE pi.entry_id = ? AND p.status = 'transferred'`, saleEntryID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	var refundID, disputeID any
	if source == reversalRefund {
		refundID = sourceID
	} else {
		disputeID = sourceID
	}
	revID := id.New("prv")
	res, err := tx.ExecContext(ctx, `INSERT INTO payout_reversals (id, payout_id, source, refund_id, dispute_id, vendor_order_id, amount,
		status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON DUPLICATE KEY UPDATE id = id`,
		revID, payoutID, source, refundID, disputeID, vendorOrderID, net, now, now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil
	}
	_, err = s.queue.Enqueue(ctx, tx, ReverseJob{ReversalID: revID}, queue.UniqueKey("payouts.reverse:"+revID))
	return err
}

// Reversal is a transfer reversal of a payout: for a refund after payout,
// for a lost dispute after payout, or one made in Stripe outside Trove.
type Reversal struct {
	ID               string      `json:"id" db:"id"`
	PayoutID         string      `json:"payout_id" db:"payout_id"`
	Source           string      `json:"source" db:"source"`                   // refund, dispute, stripe
	RefundID         string      `json:"refund_id" db:"refund_id"`             // source refund
	DisputeID        string      `json:"dispute_id" db:"dispute_id"`           // source dispute
	VendorOrderID    string      `json:"vendor_order_id" db:"vendor_order_id"` // "" for source stripe
	Minor            int64       `json:"-" db:"amount"`
	Amount           money.Money `json:"amount" db:"-"`
	Status           string      `json:"status" db:"status"`
	StripeReversalID *string     `json:"stripe_reversal_id" db:"stripe_reversal_id"`
	FailureReason    string      `json:"failure_reason" db:"failure_reason"`
	CreatedAt        time.Time   `json:"created_at" db:"created_at"`
}

// Description says what the reversal took back, in words for a credit
// note's line.
func (r Reversal) Description() string {
	switch r.Source {
	case reversalDispute:
		return fmt.Sprintf("Lost dispute %s on vendor order %s (payout %s)", r.DisputeID, r.VendorOrderID, r.PayoutID)
	case reversalStripe:
		return fmt.Sprintf("Transfer reversal %s made in Stripe (payout %s)", deref(r.StripeReversalID), r.PayoutID)
	}
	return fmt.Sprintf("Refund %s on vendor order %s (payout %s)", r.RefundID, r.VendorOrderID, r.PayoutID)
}

const reversalColumns = `r.id, r.payout_id, r.source, COALESCE(r.refund_id, '') AS refund_id, COALESCE(r.dispute_id, '') AS dispute_id,
	COALESCE(r.vendor_order_id, '') AS vendor_order_id, r.amount, r.status, r.stripe_reversal_id, r.failure_reason, r.created_at`

// Reversal returns one reversal.
func (s *Service) Reversal(ctx context.Context, reversalID string) (Reversal, error) {
	var r Reversal
	err := s.db.GetContext(ctx, &r, `SELECT `+reversalColumns+` FROM payout_reversals r WHERE r.id = ?`, reversalID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.NotFound("reversal %s not found", reversalID)
	}
	if err != nil {
		return r, err
	}
	p, err := s.Payout(ctx, r.PayoutID)
	r.Amount = money.Money{Amount: r.Minor, Currency: p.Amount.Currency}
	return r, err
}

// ReversedCount is how many transfer reversals of the payout went through.
func (s *Service) ReversedCount(ctx context.Context, payoutID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM payout_reversals WHERE payout_id = ? AND status = 'reversed'`, payoutID)
	return n, err
}

// OnReverse takes the reversal's amount back from the payout's transfer (the
// reversal id is the idempotency key). Done, the refund's (or dispute's)
// entries of that vendor order are settled by the payout they reduce. Stripe
// refusing it (the vendor's Stripe balance is short, say) fails the
// reversal: the debit stays open and the next cycle deducts it.
func (s *Service) OnReverse(ctx context.Context, _ queue.Meta, j ReverseJob) error {
	r, err := s.Reversal(ctx, j.ReversalID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if r.Status != "pending" {
		return nil
	}
	p, err := s.Payout(ctx, r.PayoutID)
	if err != nil {
		return err
	}
	if p.StripeTransferID == nil {
		return queue.Permanent(fmt.Errorf("payouts: payout %s has no transfer to reverse", p.ID))
	}
	md := map[string]string{"reversal_id": r.ID, "vendor_order_id": r.VendorOrderID}
	if r.Source == reversalDispute {
		md["dispute_id"] = r.DisputeID
	} else {
		md["refund_id"] = r.RefundID
	}
	rev, err := s.stripe.ReverseTransfer(ctx, *p.StripeTransferID, r.Amount, md, "reversal:"+r.ID)
	now := s.clock.Now()
	if err != nil {
		if stripe.Retryable(err) {
			return err
		}
		reason := truncate(err.Error(), 1000)
		s.log.WarnContext(ctx, "payouts: Stripe refused a transfer reversal; the next cycle deducts the debit", "reversal_id", r.ID, "err", reason)
		_, err := s.db.ExecContext(ctx, `UPDATE payout_reversals SET status = 'failed', failure_reason = ?, updated_at = ?
			WHERE id = ? AND status = 'pending'`, reason, now, r.ID)
		return err
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return s.reversedTx(ctx, tx, r, p, rev.ID, now)
	})
}

// reversedTx records that Stripe made the pending reversal r (as rev), once:
// the payout's reversed amount grows, the entries it takes back of that
// vendor order are settled by the payout they reduce (unless a cycle paid
// them meanwhile), and invoicing is told (a credit note).
func (s *Service) reversedTx(ctx context.Context, tx *sqlx.Tx, r Reversal, p Payout, stripeReversalID string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE payout_reversals SET status = 'reversed', stripe_reversal_id = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, stripeReversalID, now, r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payouts SET reversed_amount = reversed_amount + ?, updated_at = ? WHERE id = ?`,
		r.Minor, now, p.ID); err != nil {
		return err
	}
	col, sourceID := "refund_id", r.RefundID
	if r.Source == reversalDispute {
		col, sourceID = "dispute_id", r.DisputeID
	}
	if _, err := tx.ExecContext(ctx, `INSERT IGNORE INTO payout_items (entry_id, payout_id, reversal_id, created_at)
		SELECT id, ?, ?, ? FROM ledger_entries WHERE `+col+` = ? AND vendor_order_id = ?`, p.ID, r.ID, now, sourceID, r.VendorOrderID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "payouts", VendorID: p.VendorID,
		Action: "payout.reversed", ObjectType: "payout", ObjectID: p.ID,
		After: map[string]any{"reversal_id": r.ID, "source": r.Source, "refund_id": r.RefundID, "dispute_id": r.DisputeID,
			"amount": r.Amount, "stripe_reversal_id": stripeReversalID}}); err != nil {
		return err
	}
	_, err = s.queue.Enqueue(ctx, tx, Reversed{ReversalID: r.ID}, queue.UniqueKey("payouts.reversed:"+r.ID))
	return err
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

const cycleColumns = `id, trigger_kind, occurrence, cutoff, started_by, started_at, finished_at,
	(SELECT COUNT(*) FROM payouts p WHERE p.cycle_id = payout_cycles.id) AS payouts_count,
	(SELECT COUNT(*) FROM payout_skips k WHERE k.cycle_id = payout_cycles.id) AS skipped_count`

// Cycle returns one cycle with its skips.
func (s *Service) Cycle(ctx context.Context, cycleID string) (Cycle, error) {
	var c Cycle
	err := s.db.GetContext(ctx, &c, `SELECT `+cycleColumns+` FROM payout_cycles WHERE id = ?`, cycleID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fault.NotFound("payout cycle %s not found", cycleID)
	}
	if err != nil {
		return c, err
	}
	c.SkippedList = []Skip{}
	if err := s.db.SelectContext(ctx, &c.SkippedList, `SELECT vendor_id, currency, balance, reason FROM payout_skips
		WHERE cycle_id = ? ORDER BY vendor_id`, cycleID); err != nil {
		return c, err
	}
	for i := range c.SkippedList {
		c.SkippedList[i].Balance = money.Money{Amount: c.SkippedList[i].Minor, Currency: c.SkippedList[i].Currency}
	}
	return c, nil
}

// Cycles lists the latest cycles, newest first.
func (s *Service) Cycles(ctx context.Context, limit int) ([]Cycle, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var ids []string
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM payout_cycles ORDER BY started_at DESC, id DESC LIMIT ?`, limit); err != nil {
		return nil, err
	}
	out := make([]Cycle, 0, len(ids))
	for _, id := range ids {
		c, err := s.Cycle(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	return out, nil
}
