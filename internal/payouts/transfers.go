package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// FollowTransfer follows transfer.reversed: the payout whose transfer it
// is is brought in line with every reversal Stripe holds for it, re-read
// from Stripe (events come late, twice and out of order):
//
//   - a reversal of Trove's (its metadata names the payout reversal) that is
//     still pending here (the job's answer from Stripe was lost) is recorded
//     as done, as OnReverse would have: a confirmation;
//   - a reversal made in Stripe's dashboard, outside Trove, is booked once
//     (payout_reversals source stripe, keyed by its trr_ id): the money came
//     back from the vendor, so a ledger entry (transfer_reversal) takes it
//     from the vendor's balance, settled by the payout it reduces; the
//     payout's reversed amount grows; an audit entry, and invoicing books a
//     credit note, so the payout still reconciles with Stripe and Xero.
//
// A transfer that is no payout's (made outside Trove) changes nothing. A
// reversal of Trove's that failed here but that Stripe holds is logged for
// operators: its debit may have been deducted by a later cycle already.
func (s *Service) FollowTransfer(ctx context.Context, ev stripe.Event) error {
	snapshot, err := ev.Transfer()
	if err != nil {
		return queue.Permanent(fmt.Errorf("payouts: %w", err))
	}
	if snapshot.ID == "" {
		return queue.Permanent(fmt.Errorf("payouts: stripe %s: a transfer event without a transfer id", ev.ID))
	}
	var payoutID string
	err = s.db.GetContext(ctx, &payoutID, `SELECT id FROM payouts WHERE stripe_transfer_id = ?`, snapshot.ID)
	if errors.Is(err, sql.ErrNoRows) {
		s.log.InfoContext(ctx, "payouts: a transfer that is no payout's was reversed", "transfer", snapshot.ID, "event", ev.ID)
		return nil
	}
	if err != nil {
		return err
	}
	reversals, err := s.stripe.ListTransferReversals(ctx, snapshot.ID)
	if err != nil {
		return err
	}
	// Oldest first, so external reversals are booked in the order they were made.
	for i := len(reversals) - 1; i >= 0; i-- {
		if err := s.followReversal(ctx, payoutID, reversals[i]); err != nil {
			return err
		}
	}
	return nil
}

// followReversal brings one of Stripe's reversals of the payout's transfer
// into the books, once.
func (s *Service) followReversal(ctx context.Context, payoutID string, rev stripe.Reversal) error {
	p, err := s.Payout(ctx, payoutID)
	if err != nil {
		return err
	}
	if rev.Amount.Currency != p.Amount.Currency {
		return queue.Permanent(fmt.Errorf("payouts: reversal %s of payout %s's transfer is in %s, the payout in %s", rev.ID, p.ID,
			rev.Amount.Currency, p.Amount.Currency))
	}
	now := s.clock.Now()
	return db.RetryDeadlocks(ctx, func() error {
		return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			// The payout's row, locked: its reversals are recorded one at a time.
			var locked string
			if err := tx.GetContext(ctx, &locked, `SELECT id FROM payouts WHERE id = ? FOR UPDATE`, p.ID); err != nil {
				return err
			}
			var known int
			if err := tx.GetContext(ctx, &known, `SELECT COUNT(*) FROM payout_reversals WHERE stripe_reversal_id = ?`, rev.ID); err != nil {
				return err
			}
			if known > 0 {
				return nil // recorded: Trove's, confirmed, or booked before
			}
			if mine := rev.Metadata["reversal_id"]; mine != "" {
				var r Reversal
				err := tx.GetContext(ctx, &r, `SELECT `+reversalColumns+` FROM payout_reversals r WHERE r.id = ? AND r.payout_id = ? FOR UPDATE`, mine, p.ID)
				switch {
				case err == nil && r.Status == "pending":
					r.Amount = money.Money{Amount: r.Minor, Currency: p.Amount.Currency}
					if r.Minor != rev.Amount.Amount {
						return queue.Permanent(fmt.Errorf("payouts: Stripe reversed %s for reversal %s, which is of %s", rev.Amount, r.ID, r.Amount))
					}
					return s.reversedTx(ctx, tx, r, p, rev.ID, now)
				case err == nil:
					s.log.ErrorContext(ctx, "payouts: Stripe holds a transfer reversal that Trove recorded as failed: an operator must check the vendor's ledger",
						"reversal_id", r.ID, "stripe_reversal_id", rev.ID, "payout_id", p.ID, "status", r.Status)
					return nil
				case !errors.Is(err, sql.ErrNoRows):
					return err
				}
				// Names a reversal Trove has not: another platform's metadata,
				// or a typing operator. Booked as made outside Trove.
			}
			return s.externalReversalTx(ctx, tx, p, rev, now)
		})
	})
}

// externalReversalTx books a reversal of the payout's transfer made in
// Stripe, outside Trove.
func (s *Service) externalReversalTx(ctx context.Context, tx *sqlx.Tx, p Payout, rev stripe.Reversal, now time.Time) error {
	var reversed int64
	if err := tx.GetContext(ctx, &reversed, `SELECT reversed_amount FROM payouts WHERE id = ?`, p.ID); err != nil {
		return err
	}
	if after, err := money.Add(reversed, rev.Amount.Amount); err != nil || after > p.Amount.Amount {
		return queue.Permanent(fmt.Errorf("payouts: reversal %s (%s) would take back more than payout %s paid (%s, %s reversed already)",
			rev.ID, rev.Amount, p.ID, p.Amount, money.Money{Amount: reversed, Currency: p.Amount.Currency}))
	}
	revID := id.New("prv")
	if _, err := tx.ExecContext(ctx, `INSERT INTO payout_reversals (id, payout_id, source, amount, status, stripe_reversal_id, created_at,
		updated_at) VALUES (?, ?, 'stripe', ?, 'reversed', ?, ?, ?)`, revID, p.ID, rev.Amount.Amount, rev.ID, now, now); err != nil {
		return err
	}
	entryID, _, err := insertEntryTx(ctx, tx, newEntry{vendorID: p.VendorID, kind: KindTransferReversal, currency: p.Amount.Currency,
		sourceKey: "transfer_reversal:" + rev.ID, amount: -rev.Amount.Amount, by: "stripe",
		memo: fmt.Sprintf("Transfer reversal %s of payout %s, made in Stripe", rev.ID, p.ID)}, now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payout_items (entry_id, payout_id, reversal_id, created_at) VALUES (?, ?, ?, ?)`,
		entryID, p.ID, revID, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE payouts SET reversed_amount = reversed_amount + ?, updated_at = ? WHERE id = ?`,
		rev.Amount.Amount, now, p.ID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorProvider, ActorID: "stripe", VendorID: p.VendorID,
		Action: "payout.reversed_in_stripe", ObjectType: "payout", ObjectID: p.ID,
		Reason: "a reversal of the payout's transfer was made in Stripe, outside Trove",
		After:  map[string]any{"reversal_id": revID, "stripe_reversal_id": rev.ID, "amount": rev.Amount}}); err != nil {
		return err
	}
	s.log.WarnContext(ctx, "payouts: a payout's transfer was reversed in Stripe, outside Trove; booked against the vendor's balance",
		"payout_id", p.ID, "stripe_reversal_id", rev.ID, "amount", rev.Amount.String())
	_, err = s.queue.Enqueue(ctx, tx, Reversed{ReversalID: revID}, queue.UniqueKey("payouts.reversed:"+revID))
	return err
}
