package orders_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// refundTx runs fn in a READ COMMITTED transaction holding the order's
// refund locks, as internal/payments does.
func (f *fixture) refundTx(orderID string, fn func(tx *sqlx.Tx, p orders.RefundPosition) error) error {
	f.t.Helper()
	return db.InTxOpts(f.ctx, f.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
		p, err := f.store.LockForRefundTx(f.ctx, tx, orderID)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
}

func (f *fixture) counters(orderID string) (order int64, vendorOrders, lines string) {
	f.t.Helper()
	p, err := f.store.RefundPosition(f.ctx, orderID)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, v := range p.VendorOrders {
		vendorOrders += v.VendorID + "=" + itoa(v.Refunded) + ";"
	}
	for _, l := range p.Lines {
		lines += itoa(l.RefundedAmount) + "/" + itoa(int64(l.RefundedQuantity)) + ";"
	}
	return p.Refunded, vendorOrders, lines
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRefundCounters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mug := f.product(f.acme, "mug", "Mug", usd(333), 10)
	soap := f.product(f.bolt, "soap", "Soap", usd(143), 20)
	c, cartID := f.cartWith(variantLine(mug, 3), variantLine(soap, 7))
	o := f.order(f.checkout(c, cartID).Order.ID)

	t.Run("an unpaid order cannot be refunded", func(t *testing.T) {
		before := f.snapshot()
		err := f.refundTx(o.ID, func(tx *sqlx.Tx, p orders.RefundPosition) error {
			return f.store.ApplyRefundTx(f.ctx, tx, o.ID, []orders.RefundShare{{LineID: p.Lines[0].ID, Amount: 100}}, false)
		})
		if !fault.Is(err, fault.KindConflict) {
			t.Fatalf("want a conflict, got %v", err)
		}
		if f.snapshot() != before {
			t.Fatal("a refused refund changed the database")
		}
	})

	if changed, err := f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(999+1001)); err != nil || !changed {
		t.Fatalf("paid: %v %v", changed, err)
	}
	pos, err := f.store.RefundPosition(f.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pos.Status != orders.StatusPaid || pos.Total != 2000 || pos.Left() != 2000 || len(pos.Lines) != 2 || len(pos.VendorOrders) != 2 {
		t.Fatalf("position %+v", pos)
	}
	mugLine, soapLine := pos.Lines[0], pos.Lines[1]
	if mugLine.VariantID != mug || soapLine.VariantID != soap || mugLine.Amount != 999 || soapLine.Amount != 1001 {
		t.Fatalf("lines %+v", pos.Lines)
	}

	t.Run("shares move every counter, and restock puts units back", func(t *testing.T) {
		onHand, _ := f.stock(soap)
		err := f.refundTx(o.ID, func(tx *sqlx.Tx, p orders.RefundPosition) error {
			return f.store.ApplyRefundTx(f.ctx, tx, o.ID, []orders.RefundShare{
				{LineID: mugLine.ID, Amount: 100},
				{LineID: soapLine.ID, Amount: 286, Quantity: 2},
			}, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		total, vos, lines := f.counters(o.ID)
		if total != 386 || vos != f.acme+"=100;"+f.bolt+"=286;" || lines != "100/0;286/2;" {
			t.Fatalf("counters %d %s %s", total, vos, lines)
		}
		if now, _ := f.stock(soap); now != onHand+2 {
			t.Fatalf("soap stock %d, want %d", now, onHand+2)
		}
	})

	t.Run("no counter passes what was paid", func(t *testing.T) {
		before := f.snapshot()
		for name, sh := range map[string]orders.RefundShare{
			"line amount":   {LineID: mugLine.ID, Amount: 900},
			"line units":    {LineID: soapLine.ID, Quantity: 6},
			"unknown line":  {LineID: "oln_nope", Amount: 1},
			"negative part": {LineID: mugLine.ID, Amount: -1},
		} {
			err := f.refundTx(o.ID, func(tx *sqlx.Tx, p orders.RefundPosition) error {
				return f.store.ApplyRefundTx(f.ctx, tx, o.ID, []orders.RefundShare{sh}, true)
			})
			if !fault.Is(err, fault.KindConflict) {
				t.Fatalf("%s: want a conflict, got %v", name, err)
			}
			if name == "line amount" && !errors.Is(err, orders.ErrOverRefund) {
				t.Fatalf("%s: want ErrOverRefund, got %v", name, err)
			}
		}
		if f.snapshot() != before {
			t.Fatal("a refused refund changed the database")
		}
	})

	t.Run("reverting gives exactly back", func(t *testing.T) {
		onHand, _ := f.stock(soap)
		err := f.refundTx(o.ID, func(tx *sqlx.Tx, p orders.RefundPosition) error {
			return f.store.RevertRefundTx(f.ctx, tx, o.ID, []orders.RefundShare{{LineID: soapLine.ID, Amount: 286, Quantity: 2}}, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		total, vos, lines := f.counters(o.ID)
		if total != 100 || vos != f.acme+"=100;"+f.bolt+"=0;" || lines != "100/0;0/0;" {
			t.Fatalf("counters %d %s %s", total, vos, lines)
		}
		if now, _ := f.stock(soap); now != onHand-2 {
			t.Fatalf("soap stock %d, want %d", now, onHand-2)
		}
		err = f.refundTx(o.ID, func(tx *sqlx.Tx, p orders.RefundPosition) error {
			return f.store.RevertRefundTx(f.ctx, tx, o.ID, []orders.RefundShare{{LineID: soapLine.ID, Amount: 1}}, false)
		})
		if !errors.Is(err, orders.ErrOverRefund) {
			t.Fatalf("reverting below zero: %v", err)
		}
	})

	t.Run("a vendor order is found only for its vendor", func(t *testing.T) {
		vo := pos.VendorOrders[0]
		if got, err := f.store.VendorOrderOfVendor(f.ctx, vo.VendorID, vo.ID); err != nil || got != o.ID {
			t.Fatalf("own: %q %v", got, err)
		}
		for _, vendor := range []string{f.bolt, ""} {
			if _, err := f.store.VendorOrderOfVendor(f.ctx, vendor, vo.ID); !fault.Is(err, fault.KindNotFound) {
				t.Fatalf("vendor %q: %v", vendor, err)
			}
		}
		if _, err := f.store.RefundPosition(f.ctx, "ord_nope"); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("unknown order: %v", err)
		}
	})
}
