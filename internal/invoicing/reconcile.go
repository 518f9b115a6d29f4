package invoicing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// Reconciliation statuses.
const (
	Reconciled = "reconciled" // the five figures agree
	Mismatch   = "mismatch"   // they disagree: money or books are wrong
	Incomplete = "incomplete" // a document is missing (not booked yet, or lost)
)

// Reconciliation is one payout checked across the ledger, Stripe and Xero.
// Every figure is net of what came back: the ledger's entries of the payout
// (refund debits settled by reversals included), the payout's amount less
// its reversals, the Stripe transfer less its reversals, the Xero bill less
// its credit notes, and what was paid on the bill less the credit notes'
// refunds. nil: that figure could not be read (the document is missing).
type Reconciliation struct {
	PayoutID  string    `json:"payout_id" db:"payout_id"`
	CycleID   string    `json:"cycle_id" db:"-"`
	VendorID  string    `json:"vendor_id" db:"-"`
	Currency  string    `json:"currency" db:"-"`
	Ledger    int64     `json:"ledger_total" db:"ledger_total"`
	Payout    int64     `json:"payout_net" db:"payout_net"`
	Stripe    *int64    `json:"stripe_net" db:"stripe_net"`
	XeroBill  *int64    `json:"xero_bill_net" db:"xero_bill_net"`
	XeroPaid  *int64    `json:"xero_paid_net" db:"xero_paid_net"`
	Status    string    `json:"status" db:"status"`
	Problems  string    `json:"problems" db:"problems"`
	CheckedAt time.Time `json:"checked_at" db:"checked_at"`
}

// OnReconcile checks one payout, or (the schedule's sweep) every transferred
// payout not reconciled yet and every one changed in the last two days.
func (s *Service) OnReconcile(ctx context.Context, _ queue.Meta, j ReconcileJob) error {
	if j.PayoutID != "" {
		_, err := s.Reconcile(ctx, j.PayoutID)
		return err
	}
	ps, err := s.payouts.Payouts(ctx, payouts.PayoutFilter{Status: payouts.StatusTransferred, Limit: 500})
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range ps {
		var last struct {
			Status    string    `db:"status"`
			CheckedAt time.Time `db:"checked_at"`
		}
		err := s.db.GetContext(ctx, &last, `SELECT status, checked_at FROM reconciliations WHERE payout_id = ?`, p.ID)
		stale := err != nil || last.Status != Reconciled || last.CheckedAt.Before(s.clock.Now().Add(-7*24*time.Hour)) ||
			p.CreatedAt.After(s.clock.Now().Add(-48*time.Hour))
		if stale {
			ids = append(ids, p.ID)
		}
	}
	for _, id := range ids {
		if _, err := s.Reconcile(ctx, id); err != nil {
			s.log.WarnContext(ctx, "invoicing: reconciling a payout failed", "payout_id", id, "err", err.Error())
		}
	}
	return nil
}

// Reconcile checks one payout now, reading Stripe and Xero, and stores the
// result.
func (s *Service) Reconcile(ctx context.Context, payoutID string) (Reconciliation, error) {
	p, err := s.payouts.Payout(ctx, payoutID)
	if err != nil {
		return Reconciliation{}, err
	}
	ledger, err := s.payouts.ItemsTotal(ctx, p.ID)
	if err != nil {
		return Reconciliation{}, err
	}
	r := Reconciliation{PayoutID: p.ID, CycleID: p.CycleID, VendorID: p.VendorID, Currency: p.Amount.Currency, Ledger: ledger,
		Payout: p.Amount.Amount - p.Reversed.Amount, CheckedAt: s.clock.Now()}
	var problems []string
	if p.StripeTransferID == nil {
		problems = append(problems, "no Stripe transfer")
	} else if tr, err := s.stripe.GetTransfer(ctx, *p.StripeTransferID); err != nil {
		problems = append(problems, "Stripe transfer unreadable: "+err.Error())
	} else {
		n := tr.Amount.Amount - tr.AmountReversed
		r.Stripe = &n
		if tr.Destination != p.StripeAccountID {
			problems = append(problems, "the Stripe transfer went to "+tr.Destination+", not "+p.StripeAccountID)
		}
	}
	s.xeroFigures(ctx, p, &r, &problems)

	want := r.Ledger
	figures := map[string]*int64{"payout": &r.Payout, "stripe": r.Stripe, "xero bill": r.XeroBill, "xero payments": r.XeroPaid}
	mismatch := false
	for _, name := range []string{"payout", "stripe", "xero bill", "xero payments"} {
		v := figures[name]
		if v != nil && *v != want {
			mismatch = true
			problems = append(problems, fmt.Sprintf("%s %s ≠ ledger %s", name, money.Money{Amount: *v, Currency: r.Currency}.Decimal(),
				money.Money{Amount: want, Currency: r.Currency}.Decimal()))
		}
	}
	switch {
	case mismatch:
		r.Status = Mismatch
	case r.Stripe == nil || r.XeroBill == nil || r.XeroPaid == nil || len(problems) > 0:
		r.Status = Incomplete
	default:
		r.Status = Reconciled
	}
	r.Problems = truncate(strings.Join(problems, "; "), 2000)
	_, err = s.db.ExecContext(ctx, `INSERT INTO reconciliations (payout_id, ledger_total, payout_net,
		stripe_net, xero_bill_net, xero_paid_net, status, problems, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE ledger_total = VALUES(ledger_total), payout_net = VALUES(payout_net), stripe_net = VALUES(stripe_net),
		xero_bill_net = VALUES(xero_bill_net), xero_paid_net = VALUES(xero_paid_net), status = VALUES(status),
		problems = VALUES(problems), checked_at = VALUES(checked_at)`, r.PayoutID, r.Ledger, r.Payout,
		r.Stripe, r.XeroBill, r.XeroPaid, r.Status, r.Problems, r.CheckedAt)
	return r, err
}

// xeroFigures reads the bill and the credit notes of a payout from Xero.
func (s *Service) xeroFigures(ctx context.Context, p payouts.Payout, r *Reconciliation, problems *[]string) {
	var b struct {
		InvoiceID *string `db:"invoice_id"`
	}
	if err := s.db.GetContext(ctx, &b, `SELECT invoice_id FROM xero_bills WHERE payout_id = ?`, p.ID); err != nil || b.InvoiceID == nil {
		*problems = append(*problems, "no Xero bill")
		return
	}
	t, err := s.tenant(ctx)
	if err != nil {
		*problems = append(*problems, "Xero unreadable: "+err.Error())
		return
	}
	inv, found, err := t.Invoice(ctx, *b.InvoiceID)
	if err != nil || !found {
		err = s.xeroErr(ctx, err) // a missing scope breaks the connection for operators to see
		*problems = append(*problems, fmt.Sprintf("Xero bill %s unreadable (found %v): %v", *b.InvoiceID, found, err))
		return
	}
	if inv.Status != "PAID" {
		*problems = append(*problems, "the Xero bill is "+inv.Status+", not PAID")
	}
	bill, paid := inv.Total, inv.AmountPaid
	var notes []string
	if err := s.db.SelectContext(ctx, &notes, `SELECT credit_note_id FROM xero_credit_notes WHERE payout_id = ? AND credit_note_id IS NOT NULL`,
		p.ID); err != nil {
		*problems = append(*problems, err.Error())
		return
	}
	if reversals, err := s.payouts.ReversedCount(ctx, p.ID); err == nil && reversals != len(notes) {
		*problems = append(*problems, fmt.Sprintf("%d reversals but %d Xero credit notes", reversals, len(notes)))
	}
	for _, id := range notes {
		cn, found, err := t.CreditNote(ctx, id)
		if err != nil || !found {
			err = s.xeroErr(ctx, err)
			*problems = append(*problems, fmt.Sprintf("Xero credit note %s unreadable (found %v): %v", id, found, err))
			return
		}
		// The refunded (or allocated) part of the note comes off what was paid.
		refunded, err1 := money.Sub(cn.Total, cn.RemainingCredit)
		nextBill, err2 := money.Sub(bill, cn.Total)
		nextPaid, err3 := money.Sub(paid, refunded)
		if err := errors.Join(err1, err2, err3); err != nil {
			*problems = append(*problems, fmt.Sprintf("Xero credit note %s does not add up: %v", id, err))
			return
		}
		bill, paid = nextBill, nextPaid
	}
	r.XeroBill, r.XeroPaid = &bill, &paid
}

// ReportRow is one payout in the reconciliation report.
type ReportRow struct {
	Reconciliation
	Amount   money.Money `json:"amount"`
	Transfer *string     `json:"stripe_transfer_id"`
	Bill     string      `json:"xero_bill_number"`
}

// Report is the reconciliation report of a cycle (or of every payout).
type Report struct {
	Payouts    int         `json:"payouts"`
	Reconciled int         `json:"reconciled"`
	Mismatched int         `json:"mismatched"`
	Incomplete int         `json:"incomplete"`
	Unchecked  int         `json:"unchecked"`
	Rows       []ReportRow `json:"rows"`
}

// Report lists the payouts (of one cycle, or the latest 500) with their last
// check; a payout never checked counts as unchecked.
func (s *Service) Report(ctx context.Context, cycleID string) (Report, error) {
	ps, err := s.payouts.Payouts(ctx, payouts.PayoutFilter{CycleID: cycleID, Limit: 500})
	if err != nil {
		return Report{}, err
	}
	rep := Report{Rows: []ReportRow{}}
	for _, p := range ps {
		if p.Status == payouts.StatusFailed {
			continue
		}
		row := ReportRow{Amount: p.Amount, Transfer: p.StripeTransferID, Bill: p.XeroBillNumber}
		err := s.db.GetContext(ctx, &row.Reconciliation, `SELECT payout_id, ledger_total, payout_net, stripe_net,
			xero_bill_net, xero_paid_net, status, problems, checked_at FROM reconciliations WHERE payout_id = ?`, p.ID)
		row.CycleID, row.VendorID, row.Currency = p.CycleID, p.VendorID, p.Amount.Currency
		if err != nil {
			row.Reconciliation = Reconciliation{PayoutID: p.ID, CycleID: p.CycleID, VendorID: p.VendorID, Currency: p.Amount.Currency,
				Payout: p.Amount.Amount - p.Reversed.Amount, Status: "unchecked"}
			rep.Unchecked++
		}
		switch row.Status {
		case Reconciled:
			rep.Reconciled++
		case Mismatch:
			rep.Mismatched++
		case Incomplete:
			rep.Incomplete++
		}
		rep.Payouts++
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}
