package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// Update runs fn on the order under its row lock (SELECT … FOR UPDATE), in a
// READ COMMITTED transaction retried on deadlock, and saves what fn changed
// in the same transaction: the order's row, and what the state table says
// its move does (stock held, sold or given back through the catalog, vendor
// orders accepted or cancelled, jobs enqueued), with an audit entry for a new
// flag or dispute. fn changes the order through its rules (Pay, Fail, Cancel,
// Expire, HoldUntil, Flag, Dispute); a move the table does not have is
// refused with ErrIllegalMove, and so is a change to anything but the order's
// status and its times, payment, amount received, hold, flag and dispute.
//
// When fn returns an error nothing is saved. An order whose goods must be
// held again when none can be is refused with a conflict wrapping
// *catalog.OutOfStockError, and nothing is saved either: the caller decides
// again knowing it (see MarkPaid).
func (s *Store) Update(ctx context.Context, orderID string, fn func(*Order) error) error {
	return db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			return s.update(ctx, tx, orderID, fn)
		})
	})
}

// update is Update within tx (the caller's transaction, READ COMMITTED).
func (s *Store) update(ctx context.Context, tx *sqlx.Tx, orderID string, fn func(*Order) error) error {
	var id string
	err := tx.GetContext(ctx, &id, `SELECT id FROM orders WHERE id = ? FOR UPDATE`, orderID)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.NotFound("order %s not found", orderID)
	}
	if err != nil {
		return fmt.Errorf("orders: lock order %s: %w", orderID, err)
	}
	before, err := loadOrder(ctx, tx, id)
	if err != nil {
		return err
	}
	after := before.clone()
	if err := fn(&after); err != nil {
		return err
	}
	return s.save(ctx, tx, before, after)
}

// clone copies the order deeply enough that fn cannot change before through
// after.
func (o Order) clone() Order {
	c := o
	c.Lines = slices.Clone(o.Lines)
	c.VendorOrders = slices.Clone(o.VendorOrders)
	if o.AmountReceived != nil {
		v := *o.AmountReceived
		c.AmountReceived = &v
	}
	for _, p := range []**time.Time{&c.FlaggedAt, &c.DisputedAt, &c.PaidAt, &c.PaymentFailedAt, &c.CanceledAt, &c.ExpiredAt} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return c
}

// frozen is the order without what Update may save: two orders whose frozen
// parts differ were changed in a way Update does not save.
func (o Order) frozen() Order {
	o.Status, o.PaymentIntentID, o.AmountReceived, o.ReservedUntil = "", "", nil, time.Time{}
	o.FlaggedAt, o.FlagReason, o.DisputedAt, o.DisputeReason = nil, "", nil, ""
	o.PaidAt, o.PaymentFailedAt, o.CanceledAt, o.ExpiredAt, o.UpdatedAt = nil, nil, nil, nil, time.Time{}
	return o
}

// save writes what changed from before to after, within tx under the
// order's row lock, and carries out its effects.
func (s *Store) save(ctx context.Context, tx *sqlx.Tx, before, after Order) error {
	if !reflect.DeepEqual(before.frozen(), after.frozen()) {
		return fmt.Errorf("%w: order %s: Update saves only the order's status, payment, hold, flag and dispute", ErrIllegalMove, before.ID)
	}
	after.UpdatedAt = before.UpdatedAt
	if reflect.DeepEqual(before, after) {
		return nil
	}
	fx, err := effectsOf(before, after)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	var received *int64
	if after.AmountReceived != nil {
		received = &after.AmountReceived.Amount
	}
	var intent *string
	if after.PaymentIntentID != "" {
		intent = &after.PaymentIntentID
	}
	// Guarded by the status read under the lock: the write is the move the
	// table allowed, or nothing.
	res, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, paid_at = ?, payment_failed_at = ?, canceled_at = ?, expired_at = ?,
		amount_received = ?, payment_intent_id = COALESCE(payment_intent_id, ?), reservation_expires_at = ?,
		flagged_at = ?, flag_reason = ?, disputed_at = ?, dispute_reason = ?, updated_at = ?
		WHERE id = ? AND status = ?`,
		after.Status, after.PaidAt, after.PaymentFailedAt, after.CanceledAt, after.ExpiredAt, received, intent, after.ReservedUntil,
		after.FlaggedAt, after.FlagReason, after.DisputedAt, after.DisputeReason, now, before.ID, before.Status)
	if err != nil {
		return fmt.Errorf("orders: save order %s: %w", before.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("orders: order %s changed under its lock", before.ID)
	}
	for _, e := range fx {
		if err := s.carryOut(ctx, tx, e, after, now); err != nil {
			return err
		}
	}
	if after.FlagReason != before.FlagReason {
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "orders", Action: "order.flagged",
			ObjectType: "order", ObjectID: before.ID, Reason: after.FlagReason}); err != nil {
			return err
		}
	}
	if before.DisputedAt == nil && after.DisputedAt != nil {
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorProvider, ActorID: "stripe",
			Action: "order.disputed", ObjectType: "order", ObjectID: before.ID, Reason: after.DisputeReason}); err != nil {
			return err
		}
	}
	return nil
}

// carryOut does one effect of a change of o, within tx.
func (s *Store) carryOut(ctx context.Context, tx *sqlx.Tx, e effect, o Order, now time.Time) error {
	switch e {
	case holdGoods, sellGoods:
		items, err := orderItems(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		until := o.ReservedUntil
		if e == sellGoods {
			until = now.Add(s.ttl) // sold at once, below
		}
		// All or nothing: a conflict wrapping *catalog.OutOfStockError
		// rolls the change back.
		if err := s.catalog.ReserveTx(ctx, tx, o.ID, items, until); err != nil {
			return err
		}
		if e == sellGoods {
			_, err = s.catalog.CommitTx(ctx, tx, o.ID)
		}
		return err
	case releaseGoods:
		_, err := s.catalog.ReleaseTx(ctx, tx, o.ID)
		return err
	case acceptVendorOrders:
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = 'accepted', accepted_at = ?, updated_at = ?
			WHERE order_id = ? AND status = 'pending'`, now, now, o.ID); err != nil {
			return fmt.Errorf("orders: accept vendor orders: %w", err)
		}
		return nil
	case cancelVendorOrders:
		if _, err := tx.ExecContext(ctx, `UPDATE vendor_orders SET status = 'cancelled', cancelled_at = ?, updated_at = ?
			WHERE order_id = ? AND status = 'pending'`, now, now, o.ID); err != nil {
			return fmt.Errorf("orders: cancel vendor orders: %w", err)
		}
		return nil
	case emitPaid:
		_, err := s.queue.Enqueue(ctx, tx, Paid{OrderID: o.ID}, queue.UniqueKey("orders.paid:"+o.ID))
		return err
	case emitLatePayment:
		_, err := s.queue.Enqueue(ctx, tx, LatePayment{OrderID: o.ID, PaymentIntentID: o.PaymentIntentID, Amount: *o.AmountReceived},
			queue.UniqueKey("orders.late_payment:"+o.ID))
		return err
	}
	return fmt.Errorf("orders: no way to carry out %q", e)
}
