package invoicing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/xero"
)

// The bookkeeping of a payout is three jobs, each retried on its own and each
// enqueued by the one before when it is done: the contact, the bill, the
// payment. Every Xero write carries an idempotency key made from the payout
// id, and what Xero answered is stored before the next step, so a step that
// runs again finds its work done.

// ContactJob finds or makes the vendor's Xero contact for a payout's bill.
type ContactJob struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (ContactJob) Kind() string { return "invoicing.contact" }

// BillJob creates a payout's bill (ACCPAY, AUTHORISED).
type BillJob struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (BillJob) Kind() string { return "invoicing.bill" }

// PaymentJob pays a payout's bill from the configured bank account.
type PaymentJob struct {
	PayoutID string `json:"payout_id"`
}

// Kind names the job.
func (PaymentJob) Kind() string { return "invoicing.payment" }

// CreditNoteJob books a transfer reversal: a credit note and its refund.
type CreditNoteJob struct {
	ReversalID string `json:"reversal_id"`
}

// Kind names the job.
func (CreditNoteJob) Kind() string { return "invoicing.credit_note" }

// ReconcileJob checks payouts: one (PayoutID), or every one not reconciled
// yet (the schedule's sweep).
type ReconcileJob struct {
	PayoutID string `json:"payout_id,omitempty"`
}

// Kind names the job.
func (ReconcileJob) Kind() string { return "invoicing.reconcile" }

// xeroErr sorts a Xero error for the queue: validation, the daily limit and
// 403 cannot be fixed by a quick retry (they end as dead jobs with Xero's
// words, for an operator); the rest are retried. A call Xero refused for a
// scope the consent did not grant (the connection predates the scopes Trove
// now asks for, or TROVE_XERO_SCOPES lacks one) marks the connection broken,
// as a refused refresh does: only connecting again grants the scope. The job
// is retried, so it carries on by itself once an operator has reconnected.
func (s *Service) xeroErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, xero.ErrInsufficientScope) {
		s.markBroken(ctx, "Xero refused a call for a scope the connection was not granted: reconnect Xero ("+err.Error()+")")
		return fmt.Errorf("%w: %w", ErrNotConnected, err)
	}
	if errors.Is(err, xero.ErrValidation) || errors.Is(err, xero.ErrDailyLimit) || errors.Is(err, xero.ErrForbidden) {
		return queue.Permanent(err)
	}
	return err
}

func (s *Service) next(ctx context.Context, j queue.Job, key string) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := s.queue.Enqueue(ctx, tx, j, queue.UniqueKey(key))
		return err
	})
}

// OnTransferred starts a payout's bookkeeping (payouts.transferred).
func (s *Service) OnTransferred(ctx context.Context, _ queue.Meta, j payouts.Transferred) error {
	return s.next(ctx, ContactJob{PayoutID: j.PayoutID}, "invoicing.contact:"+j.PayoutID)
}

// OnContact finds the vendor's contact: Trove's own record first (no Xero
// search per bill), then Xero by ContactNumber (the vendor id: a contact made
// before Trove's record was lost), else creates it.
func (s *Service) OnContact(ctx context.Context, _ queue.Meta, j ContactJob) error {
	p, err := s.payouts.Payout(ctx, j.PayoutID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	t, err := s.tenant(ctx)
	if err != nil {
		return err
	}
	if _, err := s.contact(ctx, t, p.VendorID); err != nil {
		return s.xeroErr(ctx, err)
	}
	return s.next(ctx, BillJob{PayoutID: p.ID}, "invoicing.bill:"+p.ID)
}

func (s *Service) contact(ctx context.Context, t *xero.TenantClient, vendorID string) (string, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT contact_id FROM xero_contacts WHERE vendor_id = ? AND tenant_id = ?`, vendorID, t.TenantID())
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	v, err := s.vendors.Get(ctx, vendorID)
	if err != nil {
		return "", err
	}
	c, found, err := t.FindContact(ctx, v.ID)
	if err != nil {
		return "", err
	}
	if !found {
		if c, err = t.CreateContact(ctx, xero.Contact{Name: v.Name + " (" + v.Slug + ")", ContactNumber: v.ID, Email: v.ContactEmail},
			"contact:"+v.ID); err != nil {
			return "", err
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO xero_contacts (vendor_id, tenant_id, contact_id, name, created_at) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE contact_id = VALUES(contact_id), name = VALUES(name)`, v.ID, t.TenantID(), c.ID, c.Name, s.clock.Now())
	return c.ID, err
}

// billLines are the bill's lines: one per vendor order (its sales net of
// refunds in the payout), one per adjustment, and one commission line
// (negative: the platform keeps it), so the bill's total is the payout.
func (s *Service) billLines(ctx context.Context, p payouts.Payout) ([]xero.LineItem, error) {
	lines, err := s.payouts.PayoutLines(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var out []xero.LineItem
	var com money.Tally
	for _, l := range lines {
		com.Add(l.Commission.Amount)
		if l.Sales.Amount == 0 {
			continue
		}
		out = append(out, xero.LineItem{Description: l.Memo, Quantity: 1, UnitAmount: l.Sales.Amount, AccountCode: s.cfg.PayoutAccount,
			TaxType: s.cfg.TaxType})
	}
	commission, err := com.Total()
	if err != nil {
		return nil, queue.Permanent(fmt.Errorf("invoicing: the commission of payout %s: %w", p.ID, err))
	}
	if commission != 0 {
		out = append(out, xero.LineItem{Description: "Trove commission", Quantity: 1, UnitAmount: commission,
			AccountCode: s.cfg.CommissionAccount, TaxType: s.cfg.TaxType})
	}
	var total money.Tally
	for _, l := range out {
		total.Add(l.UnitAmount)
	}
	sum, err := total.Total()
	if err != nil {
		return nil, queue.Permanent(fmt.Errorf("invoicing: the lines of payout %s: %w", p.ID, err))
	}
	if sum != p.Amount.Amount {
		return nil, queue.Permanent(fmt.Errorf("invoicing: the lines of payout %s sum to %d, not its amount %d", p.ID, sum, p.Amount.Amount))
	}
	return out, nil
}

// OnBill creates the payout's bill, once: AUTHORISED, dated the day of the
// transfer and due that day (it is paid at once), the payout id as its
// number and reference. Xero keeps idempotency keys for a day; a bill made
// earlier whose answer was lost is also found by its reference.
func (s *Service) OnBill(ctx context.Context, _ queue.Meta, j BillJob) error {
	p, err := s.payouts.Payout(ctx, j.PayoutID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if p.Status != payouts.StatusTransferred || p.TransferredAt == nil {
		return queue.Permanent(fmt.Errorf("invoicing: payout %s is %s, not transferred", p.ID, p.Status))
	}
	t, err := s.tenant(ctx)
	if err != nil {
		return err
	}
	var existing *string
	if err := s.db.GetContext(ctx, &existing, `SELECT invoice_id FROM xero_bills WHERE payout_id = ?`, p.ID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if existing == nil {
		contactID, err := s.contact(ctx, t, p.VendorID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		inv, found, err := t.FindInvoiceByReference(ctx, p.ID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		if !found {
			lines, err := s.billLines(ctx, p)
			if err != nil {
				return err
			}
			day := p.TransferredAt.UTC()
			inv, err = t.CreateInvoice(ctx, xero.Invoice{Type: "ACCPAY", Status: "AUTHORISED", Number: p.ID, Reference: p.ID,
				ContactID: contactID, Date: day, DueDate: day, Currency: p.Amount.Currency, LineAmountTypes: "NoTax", Lines: lines},
				"bill:"+p.ID)
			if err != nil {
				return s.xeroErr(ctx, err)
			}
		}
		now := s.clock.Now()
		if _, err := s.db.ExecContext(ctx, `INSERT INTO xero_bills (payout_id, tenant_id, contact_id, invoice_id, invoice_number, status,
			total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE invoice_id = VALUES(invoice_id), invoice_number = VALUES(invoice_number), status = VALUES(status),
			total = VALUES(total), updated_at = VALUES(updated_at)`,
			p.ID, t.TenantID(), contactID, inv.ID, inv.Number, inv.Status, inv.Total, now, now); err != nil {
			return err
		}
		if err := s.payouts.RecordBill(ctx, p.ID, inv.Number, inv.Status); err != nil {
			return err
		}
	}
	return s.next(ctx, PaymentJob{PayoutID: p.ID}, "invoicing.payment:"+p.ID)
}

// OnPayment pays the bill in full from the bank account, once, and marks
// it PAID.
func (s *Service) OnPayment(ctx context.Context, _ queue.Meta, j PaymentJob) error {
	p, err := s.payouts.Payout(ctx, j.PayoutID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	var b struct {
		InvoiceID *string `db:"invoice_id"`
		PaymentID *string `db:"payment_id"`
		Total     int64   `db:"total"`
	}
	if err := s.db.GetContext(ctx, &b, `SELECT invoice_id, payment_id, total FROM xero_bills WHERE payout_id = ?`, p.ID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return queue.Permanent(fmt.Errorf("invoicing: payout %s has no bill yet", p.ID))
		}
		return err
	}
	if b.PaymentID == nil {
		t, err := s.tenant(ctx)
		if err != nil {
			return err
		}
		inv, found, err := t.Invoice(ctx, *b.InvoiceID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		if !found {
			return queue.Permanent(fmt.Errorf("invoicing: Xero has no bill %s for payout %s", *b.InvoiceID, p.ID))
		}
		paymentID := ""
		if inv.Status != "PAID" {
			pay, err := t.CreatePayment(ctx, xero.Payment{InvoiceID: inv.ID, AccountCode: s.cfg.BankAccount, Reference: deref(p.StripeTransferID),
				Date: p.TransferredAt.UTC(), Amount: inv.AmountDue, Currency: p.Amount.Currency}, "payment:"+p.ID)
			if err != nil {
				return s.xeroErr(ctx, err)
			}
			// Paid in full: Xero marks the bill PAID. The reconciliation
			// reads it back from Xero; no second read here.
			paid, err := money.Add(inv.AmountPaid, pay.Amount)
			if err != nil {
				return queue.Permanent(fmt.Errorf("invoicing: the payment of payout %s: %w", p.ID, err))
			}
			paymentID, inv.Status, inv.AmountPaid = pay.ID, "PAID", paid
		}
		if paymentID == "" {
			paymentID = "already-paid" // paid in Xero before this step recorded it
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE xero_bills SET payment_id = ?, paid_amount = ?, status = ?, updated_at = ? WHERE payout_id = ?`,
			paymentID, inv.AmountPaid, inv.Status, s.clock.Now(), p.ID); err != nil {
			return err
		}
		if err := s.payouts.RecordBill(ctx, p.ID, inv.Number, inv.Status); err != nil {
			return err
		}
	}
	return s.next(ctx, ReconcileJob{PayoutID: p.ID}, "invoicing.reconcile:paid:"+p.ID)
}

// OnReversed books a transfer reversal (payouts.reversed).
func (s *Service) OnReversed(ctx context.Context, _ queue.Meta, j payouts.Reversed) error {
	return s.next(ctx, CreditNoteJob{ReversalID: j.ReversalID}, "invoicing.credit_note:"+j.ReversalID)
}

// OnCreditNote books a reversal: a credit note from the vendor for the
// amount taken back (ACCPAYCREDIT, AUTHORISED, the reversal id as its
// reference), and the refund payment into the bank account that records the
// money coming back, which makes the credit note PAID.
func (s *Service) OnCreditNote(ctx context.Context, _ queue.Meta, j CreditNoteJob) error {
	r, err := s.payouts.Reversal(ctx, j.ReversalID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if r.Status != "reversed" {
		return queue.Permanent(fmt.Errorf("invoicing: reversal %s is %s", r.ID, r.Status))
	}
	p, err := s.payouts.Payout(ctx, r.PayoutID)
	if err != nil {
		return err
	}
	t, err := s.tenant(ctx)
	if err != nil {
		return err
	}
	var cur struct {
		CreditNoteID *string `db:"credit_note_id"`
		PaymentID    *string `db:"refund_payment_id"`
	}
	err = s.db.GetContext(ctx, &cur, `SELECT credit_note_id, refund_payment_id FROM xero_credit_notes WHERE reversal_id = ?`, r.ID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// sqlx allocates a struct's pointer fields before it finds no row:
		// start from nothing.
		cur.CreditNoteID, cur.PaymentID = nil, nil
	case err != nil:
		return err
	}
	now := s.clock.Now()
	day := now.UTC()
	if cur.CreditNoteID == nil {
		contactID, err := s.contact(ctx, t, p.VendorID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		cn, err := t.CreateCreditNote(ctx, xero.CreditNote{Type: "ACCPAYCREDIT", Status: "AUTHORISED", Reference: r.ID, ContactID: contactID,
			Date: day, Currency: r.Amount.Currency, LineAmountTypes: "NoTax", Lines: []xero.LineItem{{
				Description: r.Description(),
				Quantity:    1, UnitAmount: r.Amount.Amount, AccountCode: s.cfg.PayoutAccount, TaxType: s.cfg.TaxType}}}, "credit_note:"+r.ID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO xero_credit_notes (reversal_id, payout_id, tenant_id, credit_note_id, number, status,
			total, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, p.ID, t.TenantID(), cn.ID, cn.Number,
			cn.Status, cn.Total, now, now); err != nil {
			return err
		}
		cur.CreditNoteID = &cn.ID
	}
	if cur.PaymentID == nil {
		pay, err := t.CreatePayment(ctx, xero.Payment{CreditNoteID: *cur.CreditNoteID, AccountCode: s.cfg.BankAccount, Reference: deref(r.StripeReversalID),
			Date: day, Amount: r.Amount.Amount, Currency: r.Amount.Currency}, "credit_refund:"+r.ID)
		if err != nil {
			return s.xeroErr(ctx, err)
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE xero_credit_notes SET refund_payment_id = ?, status = 'PAID', updated_at = ? WHERE reversal_id = ?`,
			pay.ID, now, r.ID); err != nil {
			return err
		}
	}
	return s.next(ctx, ReconcileJob{PayoutID: p.ID}, "invoicing.reconcile:reversal:"+r.ID)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Retry starts again whatever a payout still lacks, for an operator after an
// outage or a fix in Xero: the transfer of a pending payout, else the
// bookkeeping chain (contact, bill, payment), then a reconciliation. Every
// step finds its finished work and moves on, so retrying a complete payout
// only checks it again. It answers what was started.
func (s *Service) Retry(ctx context.Context, payoutID string) (string, error) {
	p, err := s.payouts.Payout(ctx, payoutID)
	if err != nil {
		return "", err
	}
	key := fmt.Sprintf("retry:%s:%d", p.ID, s.clock.Now().UnixNano())
	switch p.Status {
	case payouts.StatusFailed:
		return "", fault.Conflict("payout %s failed (%s): its entries went back to the next cycle", p.ID, p.FailureReason)
	case payouts.StatusPending:
		return "transfer", s.next(ctx, payouts.TransferJob{PayoutID: p.ID}, key)
	}
	return "bookkeeping", s.next(ctx, ContactJob{PayoutID: p.ID}, key)
}
