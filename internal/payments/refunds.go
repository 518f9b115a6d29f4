package payments

// Refunds (tables refunds, refund_allocations).
//
// A refund is written, with its allocation to the cent, in ONE transaction
// under the order's row locks (orders.LockForRefundTx): the request is
// checked against what is left to refund per order, vendor order and line,
// the refund row (status pending) and its allocation rows are inserted, the
// order's counters move (orders.ApplyRefundTx, which restocks if asked), an
// audit entry is written, and a payments.create_refund job is enqueued. The
// job then asks Stripe for the refund, with the refund id as the idempotency
// key, and stores Stripe's refund id and status. A refusal by Stripe marks
// the refund failed and gives the counters (and any restock) back, in one
// transaction; network errors are retried.
//
// Splits: an amount is allocated to vendor orders with money.Allocate,
// weighted by what is left to refund on each, and within a vendor order to
// its lines by what is left on each; a refund of lines is worth, per line, the
// value of the units refunded (line amount x units / quantity, rounded so
// that all the units of a line are worth its amount exactly), capped by what
// is left on the line. Every split sums to its total to the cent.
//
// Repeats: a client's idempotency key (body or Idempotency-Key header; stored
// as "api:<user id>:<key>", unique) answers the refund it made, if the
// request is the same (else 409). Without a key, the same request
// from the same person for the same order within RepeatWindow answers the
// first refund (a double click refunds once); send a key to mean "again".
//
// Refunds made outside Trove (Stripe's dashboard) arrive as events: see
// Refunds.FollowEvent in refunds_stripe.go.

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// Refund statuses. failed and canceled are final and hold no money.
const (
	RefundPending        = "pending" // written; Stripe has not answered, or says pending
	RefundRequiresAction = "requires_action"
	RefundSucceeded      = "succeeded"
	RefundFailed         = "failed"
	RefundCanceled       = "canceled"
)

// Who asked for a refund.
const (
	SourceOperator = "operator" // a platform_admin
	SourceVendor   = "vendor"   // a vendor user, on one vendor order of theirs
	SourceStripe   = "stripe"   // made outside Trove, in Stripe's dashboard
	// SourceSystem: Trove gives back money it must not keep, by itself: a
	// payment that arrived for an order that will not ship (late.go), or the
	// lines of a subscription renewal whose stock was short.
	SourceSystem = "system"
)

// What a refund covers.
const (
	KindOrder  = "order"  // all that is left of the order
	KindLines  = "lines"  // units of lines
	KindAmount = "amount" // an amount, spread across the vendor orders
)

// DefaultVendorRefundWindow is how long after payment vendors may refund
// their own lines when NewRefunds is given no window.
const DefaultVendorRefundWindow = 30 * 24 * time.Hour

// RepeatWindow is how long a request without an idempotency key counts as a
// repeat of the same request by the same person.
const RepeatWindow = 10 * time.Minute

// Limits.
const (
	maxReason       = 1000 // characters
	maxKey          = 200
	maxRefundLines  = 200
	createRefundKey = "payments.create_refund:"
)

// CreateRefund asks Stripe for a refund written in Trove. Enqueued once per
// refund, in the transaction that writes it.
type CreateRefund struct {
	RefundID string `json:"refund_id"`
}

// Kind names the job.
func (CreateRefund) Kind() string { return "payments.create_refund" }

// RefundSucceededJob says the money of a refund went back to the buyer: the
// buyer hears of it, and (with payouts) the vendors' ledgers are debited.
// Enqueued once per refund (unique key payments.refund_succeeded:<id>), in the
// transaction that records the success.
type RefundSucceededJob struct {
	RefundID string `json:"refund_id"`
}

// Kind names the job.
func (RefundSucceededJob) Kind() string { return "payments.refund_succeeded" }

func enqueueSucceeded(ctx context.Context, q *queue.Queue, tx *sqlx.Tx, refundID string) error {
	_, err := q.Enqueue(ctx, tx, RefundSucceededJob{RefundID: refundID}, queue.UniqueKey("payments.refund_succeeded:"+refundID))
	return err
}

// Refunds writes refunds and follows them through Stripe.
type Refunds struct {
	db           *sqlx.DB
	clock        clock.Clock
	stripe       *stripe.Client
	orders       *orders.Store
	queue        *queue.Queue
	vendorWindow time.Duration
}

// RefundsDeps are the collaborators of Refunds. Queue must have a handler
// for CreateRefund.
type RefundsDeps struct {
	DB     *sqlx.DB
	Clock  clock.Clock
	Stripe *stripe.Client
	Orders *orders.Store
	Queue  *queue.Queue
}

// RefundsConfig are the settings of Refunds.
type RefundsConfig struct {
	// VendorWindow is how long after payment a vendor may refund lines of its
	// own vendor orders (DefaultVendorRefundWindow when 0 or less).
	VendorWindow time.Duration
}

// NewRefunds returns Refunds.
func NewRefunds(d RefundsDeps, cfg RefundsConfig) *Refunds {
	if cfg.VendorWindow <= 0 {
		cfg.VendorWindow = DefaultVendorRefundWindow
	}
	return &Refunds{db: d.DB, clock: d.Clock, stripe: d.Stripe, orders: d.Orders, queue: d.Queue, vendorWindow: cfg.VendorWindow}
}

// Actor is who asks for a refund, for the refund row and the audit log.
type Actor struct {
	Type      string // audit.ActorUser, audit.ActorProvider, …
	ID        string // the user id ("stripe" for a provider)
	VendorID  string // the vendor a vendor user acts for; "" otherwise
	RequestID string
}

// LineRefund is units of one order line to refund.
type LineRefund struct {
	LineID   string `json:"line_id"`
	Quantity int    `json:"quantity"`
}

// RefundInput is an operator's refund of an order: lines, or an amount, or
// neither for all that is left of the order.
type RefundInput struct {
	Amount  *money.Money `json:"amount"`
	Lines   []LineRefund `json:"lines"`
	Restock bool         `json:"restock"` // put the refunded units back into stock (lines or whole order)
	Reason  string       `json:"reason"`
	// IdempotencyKey makes a retried request answer the refund it made.
	IdempotencyKey string `json:"idempotency_key"`
}

// VendorRefundInput is a vendor's refund of lines of its own vendor order.
type VendorRefundInput struct {
	Lines          []LineRefund `json:"lines"`
	Restock        bool         `json:"restock"`
	Reason         string       `json:"reason"`
	IdempotencyKey string       `json:"idempotency_key"`
}

// Refund is a refund with its allocation.
type Refund struct {
	ID             string      `json:"id"`
	OrderID        string      `json:"order_id"`
	VendorOrderID  *string     `json:"vendor_order_id"` // a vendor's refund: the vendor order it is confined to
	Source         string      `json:"source"`
	Kind           string      `json:"kind"`
	Status         string      `json:"status"`
	Amount         money.Money `json:"amount"`
	Restock        bool        `json:"restock"`
	Reason         string      `json:"reason"`
	StripeRefundID *string     `json:"stripe_refund_id"`
	FailureCode    string      `json:"failure_code"`   // Stripe's code, when it refused or failed the refund
	FailureReason  string      `json:"failure_reason"` // Stripe's message
	RequestedBy    RefundActor `json:"requested_by"`
	// Allocation is the split per vendor order (and line); it sums to Amount.
	Allocation  []VendorAllocation `json:"allocation"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	SucceededAt *time.Time         `json:"succeeded_at"`
	FailedAt    *time.Time         `json:"failed_at"`

	paymentIntentID string
}

// RefundActor names who asked: a user (with the vendor a vendor user acts
// for), stripe for a refund made outside Trove, or system for one Trove made
// by itself (source system).
type RefundActor struct {
	Type     string  `json:"type"` // user, stripe or system
	ID       string  `json:"id"`
	VendorID *string `json:"vendor_id"`
}

// VendorAllocation is a refund's share of one vendor order (a row of
// refund_allocations: what the vendor's ledger debit, transfer reversal and
// credit note each happen once for).
type VendorAllocation struct {
	ID            string           `json:"id"` // rfa_…
	VendorOrderID string           `json:"vendor_order_id"`
	VendorID      string           `json:"vendor_id"`
	Amount        money.Money      `json:"amount"`
	Lines         []LineAllocation `json:"lines"`
}

// LineAllocation is a refund's share of one order line.
type LineAllocation struct {
	LineID   string      `json:"line_id"`
	Amount   money.Money `json:"amount"`
	Quantity int         `json:"quantity"`
}

// request is a refund to write, however it was asked for.
type request struct {
	orderID       string
	vendorOrderID string // a vendor's: confined to this vendor order
	source        string
	amount        *money.Money
	lines         []LineRefund
	restock       bool
	reason        string
	key           string
	actor         Actor
	// external: a refund Stripe already made (source stripe).
	external *stripe.Refund
	// systemKey is the stored idempotency key of a refund Trove makes by
	// itself (source system): one per order and cause.
	systemKey string
	// wholePayment: the refund of a whole payment for an order that will
	// not ship (kind order, though amount is given: no line is allocated).
	wholePayment bool
}

func (q request) kind() string {
	switch {
	case q.wholePayment:
		return KindOrder
	case len(q.lines) > 0:
		return KindLines
	case q.amount != nil:
		return KindAmount
	}
	return KindOrder
}

// hash fingerprints what the request asks, to tell a repeat from another
// request under the same key.
func (q request) hash() string {
	lines := slices.Clone(q.lines)
	slices.SortFunc(lines, func(a, b LineRefund) int { return strings.Compare(a.LineID, b.LineID) })
	b, _ := json.Marshal(struct {
		Order, Source, VendorOrder, Kind string
		Amount                           *money.Money
		Lines                            []LineRefund
		Restock                          bool
		Reason                           string
	}{q.orderID, q.source, q.vendorOrderID, q.kind(), q.amount, lines, q.restock, q.reason})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storedKey is the refund's idempotency_key: "api:<user id>:<key>" for a
// client's key, "stripe:<re_ id>" for a refund made outside Trove, else
// "auto:<refund id>".
func (q request) storedKey(refundID string) string {
	switch {
	case q.systemKey != "":
		return q.systemKey
	case q.external != nil:
		return "stripe:" + q.external.ID
	case q.key != "":
		return "api:" + q.actor.ID + ":" + q.key
	}
	return "auto:" + refundID
}

// validate checks what can be checked without the order: every problem at
// once.
func (q *request) validate() error {
	var f fault.Fields
	q.reason = strings.TrimSpace(q.reason)
	q.key = strings.TrimSpace(q.key)
	f.Check(q.reason != "", "reason", "is required: say why the money goes back")
	f.Check(utf8.RuneCountInString(q.reason) <= maxReason, "reason", "must be at most %d characters", maxReason)
	f.Check(len(q.key) <= maxKey, "idempotency_key", "must be at most %d characters", maxKey)
	for _, r := range q.key {
		if r < 0x21 || r > 0x7e {
			f.Add("idempotency_key", "must be printable ASCII without spaces")
			break
		}
	}
	if q.amount != nil {
		f.Check(len(q.lines) == 0, "amount", "give lines or an amount, not both")
		money.CheckIncoming(&f, "amount", *q.amount, 1)
		f.Check(!q.restock, "restock", "needs lines (or a refund of the whole order): an amount names no units")
	}
	f.Check(len(q.lines) <= maxRefundLines, "lines", "at most %d lines", maxRefundLines)
	f.Check(q.source != SourceVendor || len(q.lines) > 0, "lines", "name at least one line of the vendor order")
	seen := map[string]bool{}
	for i, l := range q.lines {
		field := fmt.Sprintf("lines[%d]", i)
		switch {
		case strings.TrimSpace(l.LineID) == "":
			f.Add(field+".line_id", "is required")
		case seen[l.LineID]:
			f.Add(field+".line_id", "names line %s again: give each line once", l.LineID)
		}
		seen[l.LineID] = true
		f.Check(l.Quantity >= 1, field+".quantity", "must be at least 1")
	}
	return f.Err()
}

// RefundOrder writes an operator's refund of an order and answers it; created
// is false when the request repeats one already made (the same idempotency
// key, or the same request by the same person within RepeatWindow), whose
// refund is answered. Errors: invalid (every bad field), not found, conflict
// (the order is not paid or is disputed, or more than is left to refund).
func (r *Refunds) RefundOrder(ctx context.Context, by Actor, orderID string, in RefundInput) (Refund, bool, error) {
	return r.create(ctx, request{orderID: orderID, source: SourceOperator, amount: in.Amount, lines: in.Lines,
		restock: in.Restock, reason: in.Reason, key: in.IdempotencyKey, actor: by})
}

// RefundVendorOrder writes a vendor's refund of lines of its own vendor order,
// within the vendor refund window after payment (403 after it). Another
// vendor's vendor order is not found. Otherwise as RefundOrder.
func (r *Refunds) RefundVendorOrder(ctx context.Context, by Actor, vendorOrderID string, in VendorRefundInput) (Refund, bool, error) {
	orderID, err := r.orders.VendorOrderOfVendor(ctx, by.VendorID, vendorOrderID)
	if err != nil {
		return Refund{}, false, err
	}
	return r.create(ctx, request{orderID: orderID, vendorOrderID: vendorOrderID, source: SourceVendor, lines: in.Lines,
		restock: in.Restock, reason: in.Reason, key: in.IdempotencyKey, actor: by})
}

// create writes the refund in one transaction (see the file comment).
func (r *Refunds) create(ctx context.Context, q request) (Refund, bool, error) {
	if err := q.validate(); err != nil {
		return Refund{}, false, err
	}
	hash := q.hash()
	var refundID string
	var created bool
	err := db.RetryDeadlocks(ctx, func() error {
		refundID, created = "", false
		return db.InTxOpts(ctx, r.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			pos, err := r.orders.LockForRefundTx(ctx, tx, q.orderID)
			if err != nil {
				return err
			}
			now := r.clock.Now()
			if prev, err := r.repeatOf(ctx, tx, q, hash, now); err != nil || prev != "" {
				refundID = prev
				return err
			}
			if err := r.refundable(q, pos, now); err != nil {
				return err
			}
			shares, total, err := plan(q.ask(), pos)
			if err != nil {
				return err
			}
			refundID, created = id.New("rfd"), true
			return r.write(ctx, tx, q, pos, hash, refundID, shares, total, now)
		})
	})
	if err != nil {
		return Refund{}, false, err
	}
	ref, err := r.Refund(ctx, refundID)
	return ref, created, err
}

// repeatOf finds the refund a request repeats: by its key, or (with no key)
// the same request by the same person within RepeatWindow that holds money.
func (r *Refunds) repeatOf(ctx context.Context, tx *sqlx.Tx, q request, hash string, now time.Time) (string, error) {
	var row struct {
		ID   string `db:"id"`
		Hash string `db:"request_hash"`
	}
	var err error
	if q.key != "" {
		err = tx.GetContext(ctx, &row, `SELECT id, request_hash FROM refunds WHERE idempotency_key = ?`, q.storedKey(""))
	} else if q.external == nil {
		err = tx.GetContext(ctx, &row, `SELECT id, request_hash FROM refunds WHERE order_id = ? AND request_hash = ? AND initiated_by = ?
			AND idempotency_key LIKE 'auto:%' AND created_at >= ? AND status NOT IN ('failed', 'canceled')
			ORDER BY created_at DESC, id DESC LIMIT 1`, q.orderID, hash, q.actor.ID, now.Add(-RepeatWindow))
	} else {
		return "", nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("payments: look for a repeated refund: %w", err)
	}
	if row.Hash != hash {
		return "", fault.Conflict("idempotency key %q was used for another refund (%s): use a new key for a new refund", q.key, row.ID)
	}
	return row.ID, nil
}

// refundable checks that the order may be refunded now, by this actor.
func (r *Refunds) refundable(q request, pos orders.RefundPosition, now time.Time) error {
	if pos.Status != orders.StatusPaid || pos.PaymentIntentID == "" {
		return fault.Conflict("order %s is %s: only a paid order can be refunded", pos.OrderID, strings.ReplaceAll(pos.Status, "_", " "))
	}
	if pos.DisputedAt != nil && q.external == nil {
		return fault.Conflict("order %s is disputed: Stripe refuses refunds of a disputed payment; answer the dispute in Stripe", pos.OrderID)
	}
	if q.source == SourceVendor {
		vo, ok := pos.VendorOrder(q.vendorOrderID)
		if !ok || vo.VendorID != q.actor.VendorID {
			return fault.NotFound("vendor order %s not found", q.vendorOrderID)
		}
		if pos.PaidAt == nil || now.After(pos.PaidAt.Add(r.vendorWindow)) {
			closed := "at payment"
			if pos.PaidAt != nil {
				closed = pos.PaidAt.Add(r.vendorWindow).UTC().Format(time.RFC3339)
			}
			return fault.Forbidden("vendors may refund within %s of payment; that window closed %s: ask Trove's operators",
				windowWords(r.vendorWindow), closed)
		}
	}
	return nil
}

func windowWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// write inserts the refund and its allocation, moves the order's counters,
// records the audit entry and, for a refund Trove makes, enqueues the job
// that asks Stripe for it.
func (r *Refunds) write(ctx context.Context, tx *sqlx.Tx, q request, pos orders.RefundPosition, hash, refundID string,
	shares []share, total int64, now time.Time) error {
	key, status := q.storedKey(refundID), RefundPending
	var stripeID *string
	var submitted *time.Time
	if q.external != nil {
		stripeID, submitted = &q.external.ID, &now
		status = stripeStatus(q.external.Status)
	}
	var vendorOrder, actorVendor *string
	if q.vendorOrderID != "" {
		vendorOrder = &q.vendorOrderID
	}
	if q.actor.VendorID != "" {
		actorVendor = &q.actor.VendorID
	}
	const qi = `INSERT INTO refunds (id, order_id, vendor_order_id, source, kind, status, currency, amount, restock, reason,
		idempotency_key, request_hash, payment_intent_id, stripe_refund_id, initiated_by_type, initiated_by, initiated_by_vendor_id,
		request_id, created_at, updated_at, submitted_at, succeeded_at, failed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	initiatedBy := "stripe"
	switch q.actor.Type {
	case audit.ActorUser:
		initiatedBy = "user"
	case audit.ActorSystem:
		initiatedBy = "system"
	}
	var succeededAt, failedAt *time.Time
	switch status {
	case RefundSucceeded:
		succeededAt = &now
	case RefundFailed, RefundCanceled:
		failedAt = &now
	}
	if _, err := tx.ExecContext(ctx, qi, refundID, pos.OrderID, vendorOrder, q.source, q.kind(), status, pos.Currency, total, q.restock,
		q.reason, key, hash, pos.PaymentIntentID, stripeID, initiatedBy, q.actor.ID, actorVendor, q.actor.RequestID,
		now, now, submitted, succeededAt, failedAt); err != nil {
		if db.IsDuplicate(err) {
			// The same key, at the same moment, for another order (one order's
			// refunds are serialised on its row lock).
			return fault.Conflict("a refund with idempotency key %q is being made: retry to see it", q.key)
		}
		return fmt.Errorf("payments: insert refund: %w", err)
	}
	// By line number: the vendor orders in the order of their first line.
	slices.SortStableFunc(shares, func(a, b share) int { return a.line.LineNo - b.line.LineNo })
	alloc := allocationOf(shares, pos.Currency)
	for i, a := range alloc {
		lines := make([]allocationLine, 0, len(a.Lines))
		for _, s := range shares {
			if s.line.VendorOrderID == a.VendorOrderID {
				lines = append(lines, allocationLine{OrderLineID: s.line.ID, VariantID: s.line.VariantID, Amount: s.amount,
					Quantity: s.quantity, Restock: q.restock && s.quantity > 0})
			}
		}
		lj, err := json.Marshal(lines)
		if err != nil {
			return err
		}
		alloc[i].ID = id.New("rfa")
		if _, err := tx.ExecContext(ctx, `INSERT INTO refund_allocations (id, refund_id, vendor_order_id, vendor_id, position, currency,
			amount, lines_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, alloc[i].ID, refundID, a.VendorOrderID, a.VendorID, i,
			pos.Currency, a.Amount.Amount, string(lj), now); err != nil {
			return fmt.Errorf("payments: insert refund allocation: %w", err)
		}
	}
	holds := status != RefundFailed && status != RefundCanceled
	if holds {
		if err := r.orders.ApplyRefundTx(ctx, tx, pos.OrderID, orderShares(shares), q.restock); err != nil {
			return err
		}
	}
	vendorID := ""
	if len(alloc) == 1 {
		vendorID = alloc[0].VendorID
	}
	action := "refund.requested"
	if q.external != nil {
		action = "refund.recorded_from_stripe"
	}
	if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: q.actor.Type, ActorID: q.actor.ID, VendorID: vendorID,
		Action: action, ObjectType: "order", ObjectID: pos.OrderID, Reason: q.reason, RequestID: q.actor.RequestID,
		Before: map[string]any{"refunded": money.Money{Amount: pos.Refunded, Currency: pos.Currency}},
		After: map[string]any{"refund_id": refundID, "source": q.source, "kind": q.kind(), "status": status,
			"amount": money.Money{Amount: total, Currency: pos.Currency}, "restock": q.restock, "allocation": alloc,
			"stripe_refund_id": stripeID, "vendor_order_id": vendorOrder}}); err != nil {
		return err
	}
	if q.external != nil {
		if status == RefundSucceeded {
			return enqueueSucceeded(ctx, r.queue, tx, refundID)
		}
		return nil // Stripe made it already
	}
	_, err := r.queue.Enqueue(ctx, tx, CreateRefund{RefundID: refundID}, queue.UniqueKey(createRefundKey+refundID))
	return err
}

// --- reading ---

type refundRow struct {
	ID              string     `db:"id"`
	OrderID         string     `db:"order_id"`
	VendorOrderID   *string    `db:"vendor_order_id"`
	Source          string     `db:"source"`
	Kind            string     `db:"kind"`
	Status          string     `db:"status"`
	Currency        string     `db:"currency"`
	Amount          int64      `db:"amount"`
	Restock         bool       `db:"restock"`
	Reason          string     `db:"reason"`
	IdempotencyKey  string     `db:"idempotency_key"`
	RequestHash     string     `db:"request_hash"`
	PaymentIntentID string     `db:"payment_intent_id"`
	StripeRefundID  *string    `db:"stripe_refund_id"`
	FailureCode     string     `db:"failure_code"`
	FailureReason   string     `db:"failure_reason"`
	InitiatedByType string     `db:"initiated_by_type"`
	InitiatedBy     string     `db:"initiated_by"`
	InitiatedVendor *string    `db:"initiated_by_vendor_id"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	SucceededAt     *time.Time `db:"succeeded_at"`
	FailedAt        *time.Time `db:"failed_at"`
}

const refundColumns = `r.id, r.order_id, r.vendor_order_id, r.source, r.kind, r.status, r.currency, r.amount, r.restock, r.reason,
	r.idempotency_key, r.request_hash, r.payment_intent_id, r.stripe_refund_id, r.failure_code, r.failure_reason, r.initiated_by_type,
	r.initiated_by, r.initiated_by_vendor_id, r.created_at, r.updated_at, r.succeeded_at, r.failed_at`

type allocationRow struct {
	ID            string `db:"id"`
	RefundID      string `db:"refund_id"`
	VendorOrderID string `db:"vendor_order_id"`
	VendorID      string `db:"vendor_id"`
	Currency      string `db:"currency"`
	Amount        int64  `db:"amount"`
	LinesJSON     string `db:"lines_json"`
}

// allocationLine is one entry of refund_allocations.lines_json.
type allocationLine struct {
	OrderLineID string `json:"order_line_id"`
	VariantID   string `json:"variant_id"`
	Amount      int64  `json:"amount"`
	Quantity    int    `json:"quantity"`
	Restock     bool   `json:"restock"`
}

// loadRefunds reads the refunds whose rows the query selects (with its args),
// with their allocations (in the order they were written: by line number).
func loadRefunds(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]Refund, error) {
	var rows []refundRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+refundColumns+` FROM refunds r WHERE `+where+` ORDER BY r.created_at, r.id`, args...); err != nil {
		return nil, fmt.Errorf("payments: read refunds: %w", err)
	}
	out := make([]Refund, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	query, qargs, err := sqlx.In(`SELECT id, refund_id, vendor_order_id, vendor_id, currency, amount, lines_json
		FROM refund_allocations WHERE refund_id IN (?) ORDER BY refund_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var allocs []allocationRow
	if err := sqlx.SelectContext(ctx, q, &allocs, query, qargs...); err != nil {
		return nil, fmt.Errorf("payments: read refund allocations: %w", err)
	}
	byRefund := map[string][]VendorAllocation{}
	for _, a := range allocs {
		var lines []allocationLine
		if err := json.Unmarshal([]byte(a.LinesJSON), &lines); err != nil {
			return nil, fmt.Errorf("payments: refund allocation %s: %w", a.ID, err)
		}
		va := VendorAllocation{ID: a.ID, VendorOrderID: a.VendorOrderID, VendorID: a.VendorID,
			Amount: money.Money{Amount: a.Amount, Currency: a.Currency}, Lines: make([]LineAllocation, 0, len(lines))}
		for _, l := range lines {
			va.Lines = append(va.Lines, LineAllocation{LineID: l.OrderLineID, Amount: money.Money{Amount: l.Amount, Currency: a.Currency},
				Quantity: l.Quantity})
		}
		byRefund[a.RefundID] = append(byRefund[a.RefundID], va)
	}
	for _, r := range rows {
		ref := Refund{ID: r.ID, OrderID: r.OrderID, VendorOrderID: r.VendorOrderID, Source: r.Source, Kind: r.Kind, Status: r.Status,
			Amount: money.Money{Amount: r.Amount, Currency: r.Currency}, Restock: r.Restock, Reason: r.Reason,
			StripeRefundID: r.StripeRefundID, FailureCode: r.FailureCode, FailureReason: r.FailureReason,
			RequestedBy: RefundActor{Type: r.InitiatedByType, ID: r.InitiatedBy, VendorID: r.InitiatedVendor},
			CreatedAt:   r.CreatedAt, UpdatedAt: r.UpdatedAt, SucceededAt: r.SucceededAt, FailedAt: r.FailedAt,
			Allocation: byRefund[r.ID], paymentIntentID: r.PaymentIntentID}
		if ref.Allocation == nil {
			ref.Allocation = []VendorAllocation{}
		}
		out = append(out, ref)
	}
	return out, nil
}

// Refund returns one refund.
func (r *Refunds) Refund(ctx context.Context, refundID string) (Refund, error) {
	list, err := loadRefunds(ctx, r.db, `r.id = ?`, refundID)
	if err != nil {
		return Refund{}, err
	}
	if len(list) == 0 {
		return Refund{}, fault.NotFound("refund %s not found", refundID)
	}
	return list[0], nil
}

// OrderRefunds is an order's refund position and its refunds, oldest first:
// what an operator (or, for one vendor order, its vendor) needs to refund.
type OrderRefunds struct {
	OrderID       string  `json:"order_id"`
	VendorOrderID *string `json:"vendor_order_id"` // set when the view is one vendor order's
	OrderStatus   string  `json:"order_status"`
	// Paid, Refunded and Refundable are the order's (or the vendor order's):
	// Refunded counts every refund that holds money (pending included).
	Paid       money.Money      `json:"paid"`
	Refunded   money.Money      `json:"refunded"`
	Refundable money.Money      `json:"refundable"`
	Lines      []RefundableLine `json:"lines"`
	Refunds    []Refund         `json:"refunds"`
}

// RefundableLine is an order line with what is refunded of it.
type RefundableLine struct {
	LineID           string      `json:"line_id"`
	LineNo           int         `json:"line_no"`
	VendorOrderID    string      `json:"vendor_order_id"`
	VendorID         string      `json:"vendor_id"`
	Title            string      `json:"title"`
	VariantTitle     string      `json:"variant_title"`
	SKU              string      `json:"sku"`
	Quantity         int         `json:"quantity"`
	RefundedQuantity int         `json:"refunded_quantity"`
	Amount           money.Money `json:"amount"`
	Refunded         money.Money `json:"refunded"`
}

// OrderRefunds answers an order's refund position and refunds.
func (r *Refunds) OrderRefunds(ctx context.Context, orderID string) (OrderRefunds, error) {
	pos, err := r.orders.RefundPosition(ctx, orderID)
	if err != nil {
		return OrderRefunds{}, err
	}
	list, err := loadRefunds(ctx, r.db, `r.order_id = ?`, orderID)
	if err != nil {
		return OrderRefunds{}, err
	}
	out := OrderRefunds{OrderID: orderID, OrderStatus: pos.Status, Paid: cash(pos.Total, pos.Currency),
		Refunded: cash(pos.Refunded, pos.Currency), Refundable: cash(max(pos.Left(), 0), pos.Currency), Refunds: list}
	if pos.Status != orders.StatusPaid {
		out.Paid, out.Refundable = cash(0, pos.Currency), cash(0, pos.Currency)
	}
	out.Lines = refundableLines(pos, "")
	return out, nil
}

// VendorOrderRefunds answers one vendor order's refund position and the
// refunds touching it, each with its allocation cut to this vendor order and
// its amount to this vendor order's share. Another vendor's vendor order is
// not found.
func (r *Refunds) VendorOrderRefunds(ctx context.Context, vendorID, vendorOrderID string) (OrderRefunds, error) {
	orderID, err := r.orders.VendorOrderOfVendor(ctx, vendorID, vendorOrderID)
	if err != nil {
		return OrderRefunds{}, err
	}
	pos, err := r.orders.RefundPosition(ctx, orderID)
	if err != nil {
		return OrderRefunds{}, err
	}
	vo, ok := pos.VendorOrder(vendorOrderID)
	if !ok {
		return OrderRefunds{}, fault.NotFound("vendor order %s not found", vendorOrderID)
	}
	list, err := loadRefunds(ctx, r.db, `r.id IN (SELECT a.refund_id FROM refund_allocations a WHERE a.vendor_order_id = ?)`, vendorOrderID)
	if err != nil {
		return OrderRefunds{}, err
	}
	for i := range list {
		mine := []VendorAllocation{}
		for _, a := range list[i].Allocation {
			if a.VendorOrderID == vendorOrderID {
				mine = append(mine, a)
				list[i].Amount = a.Amount
			}
		}
		list[i].Allocation = mine
	}
	out := OrderRefunds{OrderID: orderID, VendorOrderID: &vendorOrderID, OrderStatus: pos.Status, Paid: cash(vo.Subtotal, pos.Currency),
		Refunded: cash(vo.Refunded, pos.Currency), Refundable: cash(max(vo.Left(), 0), pos.Currency), Refunds: list,
		Lines: refundableLines(pos, vendorOrderID)}
	if pos.Status != orders.StatusPaid {
		out.Paid, out.Refundable = cash(0, pos.Currency), cash(0, pos.Currency)
	}
	return out, nil
}

func refundableLines(pos orders.RefundPosition, vendorOrderID string) []RefundableLine {
	out := []RefundableLine{}
	for _, l := range pos.Lines {
		if vendorOrderID != "" && l.VendorOrderID != vendorOrderID {
			continue
		}
		out = append(out, RefundableLine{LineID: l.ID, LineNo: l.LineNo, VendorOrderID: l.VendorOrderID, VendorID: l.VendorID,
			Title: l.Title, VariantTitle: l.VariantTitle, SKU: l.SKU, Quantity: l.Quantity, RefundedQuantity: l.RefundedQuantity,
			Amount: cash(l.Amount, pos.Currency), Refunded: cash(l.RefundedAmount, pos.Currency)})
	}
	return out
}

func cash(amount int64, currency string) money.Money {
	return money.Money{Amount: amount, Currency: currency}
}
