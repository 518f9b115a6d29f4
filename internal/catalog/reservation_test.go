package catalog_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// stock reads a variant's stock_on_hand and reserved.
func (f *fixture) stock(variantID string) (onHand, reserved int) {
	f.t.Helper()
	if err := f.db.QueryRow(`SELECT stock_on_hand, reserved FROM variants WHERE id = ?`, variantID).Scan(&onHand, &reserved); err != nil {
		f.t.Fatal(err)
	}
	return onHand, reserved
}

func (f *fixture) inTx(fn func(tx *sqlx.Tx) error) error {
	return db.InTxOpts(f.ctx, f.db, db.ReadCommitted, fn)
}

func (f *fixture) reserve(orderID string, until time.Time, items ...catalog.ReserveItem) error {
	return f.inTx(func(tx *sqlx.Tx) error { return f.store.ReserveTx(f.ctx, tx, orderID, items, until) })
}

func (f *fixture) commit(orderID string) int {
	f.t.Helper()
	var n int
	if err := f.inTx(func(tx *sqlx.Tx) (err error) { n, err = f.store.CommitTx(f.ctx, tx, orderID); return err }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) release(orderID string) int {
	f.t.Helper()
	var n int
	if err := f.inTx(func(tx *sqlx.Tx) (err error) { n, err = f.store.ReleaseTx(f.ctx, tx, orderID); return err }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) statuses(orderID string) string {
	f.t.Helper()
	rs, err := f.store.Reservations(f.ctx, f.db, orderID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s=%d:%s", r.VariantID, r.Quantity, r.Status))
	}
	return strings.Join(out, ",")
}

func item(variantID string, q int) catalog.ReserveItem {
	return catalog.ReserveItem{VariantID: variantID, Quantity: q}
}

func TestReservations(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")
	f.listed(ven, sp("1", "Mug", at(1), sv("a", 1500, 10), sv("b", 900, 2)), "kitchen")
	a, b := f.variantID(ven, "a"), f.variantID(ven, "b")
	until := t0.Add(15 * time.Minute)

	t.Run("holding takes units off what is available; the same variant twice is summed into one row", func(t *testing.T) {
		if err := f.reserve("ord_1", until, item(a, 2), item(a, 1), item(b, 1)); err != nil {
			t.Fatal(err)
		}
		if on, res := f.stock(a); on != 10 || res != 3 {
			t.Fatalf("a: on hand %d reserved %d", on, res)
		}
		if got := f.statuses("ord_1"); got != fmt.Sprintf("%s=3:active,%s=1:active", a, b) {
			t.Fatalf("rows %s", got)
		}
	})

	t.Run("reserving again for the same order holds nothing more", func(t *testing.T) {
		if err := f.reserve("ord_1", until.Add(time.Minute), item(a, 3), item(b, 1)); err != nil {
			t.Fatal(err)
		}
		if _, res := f.stock(a); res != 3 {
			t.Fatalf("reserved %d", res)
		}
		if err := f.reserve("ord_1", until, item(a, 4)); !fault.Is(err, fault.KindConflict) {
			t.Fatalf("another quantity for a held variant: %v", err)
		}
	})

	t.Run("all or nothing: one short item undoes the others and names itself, and the transaction stays usable", func(t *testing.T) {
		err := f.inTx(func(tx *sqlx.Tx) error {
			err := f.store.ReserveTx(f.ctx, tx, "ord_2", []catalog.ReserveItem{item(a, 1), item(b, 2)}, until)
			var oos *catalog.OutOfStockError
			if !fault.Is(err, fault.KindConflict) || !errors.As(err, &oos) || oos.VariantID != b || oos.Available != 1 || oos.Requested != 2 {
				t.Fatalf("got %v (%+v)", err, oos)
			}
			if !strings.Contains(err.Error(), "Mug (Variant b): only 1 left, 2 wanted") {
				t.Fatalf("message %q", err.Error())
			}
			// Still usable: a smaller hold goes through in the same transaction.
			return f.store.ReserveTx(f.ctx, tx, "ord_2", []catalog.ReserveItem{item(a, 1)}, until)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, res := f.stock(a); res != 4 {
			t.Fatalf("a reserved %d, want 4", res)
		}
		if _, res := f.stock(b); res != 1 {
			t.Fatalf("b reserved %d, want 1", res)
		}
	})

	t.Run("commit sells: stock and reserved both drop, once", func(t *testing.T) {
		if n := f.commit("ord_1"); n != 2 {
			t.Fatalf("committed %d", n)
		}
		if n := f.commit("ord_1"); n != 0 {
			t.Fatalf("replayed commit moved %d", n)
		}
		if n := f.release("ord_1"); n != 0 {
			t.Fatalf("release after commit moved %d", n)
		}
		if on, res := f.stock(a); on != 7 || res != 1 {
			t.Fatalf("a: on hand %d reserved %d", on, res)
		}
		if on, res := f.stock(b); on != 1 || res != 0 {
			t.Fatalf("b: on hand %d reserved %d", on, res)
		}
		if got := f.statuses("ord_1"); got != fmt.Sprintf("%s=3:committed,%s=1:committed", a, b) {
			t.Fatalf("rows %s", got)
		}
	})

	t.Run("release gives units back, once; a later hold of the same order takes them again", func(t *testing.T) {
		if n := f.release("ord_2"); n != 1 {
			t.Fatalf("released %d", n)
		}
		if n := f.release("ord_2"); n != 0 {
			t.Fatalf("replayed release moved %d", n)
		}
		if n := f.commit("ord_2"); n != 0 {
			t.Fatalf("commit of a released hold moved %d", n)
		}
		if _, res := f.stock(a); res != 0 {
			t.Fatalf("reserved %d", res)
		}
		if err := f.reserve("ord_2", until, item(a, 1)); err != nil {
			t.Fatal(err)
		}
		if got := f.statuses("ord_2"); got != a+"=1:active" {
			t.Fatalf("rows %s", got)
		}
		if _, res := f.stock(a); res != 1 {
			t.Fatalf("reserved %d", res)
		}
	})

	t.Run("expired holds are found by order, oldest first", func(t *testing.T) {
		if err := f.reserve("ord_3", t0.Add(5*time.Minute), item(a, 1)); err != nil {
			t.Fatal(err)
		}
		got, err := f.store.ExpiredReservations(f.ctx, t0.Add(10*time.Minute), 10)
		if err != nil || len(got) != 1 || got[0] != "ord_3" {
			t.Fatalf("at +10m: %v %v", got, err)
		}
		got, _ = f.store.ExpiredReservations(f.ctx, t0.Add(16*time.Minute), 10)
		if strings.Join(got, ",") != "ord_3,ord_2" {
			t.Fatalf("at +16m: %v", got)
		}
		got, _ = f.store.ExpiredReservations(f.ctx, t0.Add(16*time.Minute), 1)
		if len(got) != 1 {
			t.Fatalf("limit: %v", got)
		}
	})

	t.Run("the Shopify sync sets stock_on_hand and never touches what is held", func(t *testing.T) {
		_, before := f.stock(a)
		if _, err := f.store.ApplyStock(f.ctx, ven, "gid://shopify/InventoryItem/a", 4, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if on, res := f.stock(a); on != 4 || res != before {
			t.Fatalf("on hand %d reserved %d, want 4 and %d", on, res, before)
		}
		f.apply(ven, sp("1", "Mug", t0.Add(2*time.Hour), sv("a", 1500, 6), sv("b", 900, 1)))
		if on, res := f.stock(a); on != 6 || res != before {
			t.Fatalf("after a product read: on hand %d reserved %d", on, res)
		}
	})

	t.Run("a sale makes older Shopify stock figures stale", func(t *testing.T) {
		f.clk.Set(t0.Add(3 * time.Hour))
		if err := f.reserve("ord_4", t0.Add(4*time.Hour), item(b, 1)); err != nil {
			t.Fatal(err)
		}
		f.commit("ord_4")
		if on, _ := f.stock(b); on != 0 {
			t.Fatalf("on hand %d", on)
		}
		// Read before the sale, applied after it: ignored.
		if _, err := f.store.ApplyStock(f.ctx, ven, "gid://shopify/InventoryItem/b", 1, t0.Add(150*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if on, _ := f.stock(b); on != 0 {
			t.Fatalf("a figure older than the sale put stock back: %d", on)
		}
	})

	t.Run("a deleted variant cannot be held", func(t *testing.T) {
		f.exec(`UPDATE variants SET deleted_at = ? WHERE id = ?`, t0, a)
		err := f.reserve("ord_5", until, item(a, 1))
		var oos *catalog.OutOfStockError
		if !errors.As(err, &oos) || !oos.Gone || !strings.Contains(err.Error(), "no longer sold") {
			t.Fatalf("got %v", err)
		}
		f.exec(`UPDATE variants SET deleted_at = NULL WHERE id = ?`, a)
	})

	t.Run("bad input", func(t *testing.T) {
		if err := f.reserve("ord_6", until, item(a, 0)); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("zero quantity: %v", err)
		}
		if err := f.reserve("", until, item(a, 1)); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("no order: %v", err)
		}
	})
}

// TestReserveNeverOversells: many checkouts race for the last units; exactly
// as many units are held as there are.
func TestReserveNeverOversells(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")
	f.listed(ven, sp("1", "Mug", at(1), sv("a", 1500, 10), sv("b", 900, 100)), "kitchen")
	a, b := f.variantID(ven, "a"), f.variantID(ven, "b")

	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			// Half also take another variant, in the opposite order in the request.
			items := []catalog.ReserveItem{item(a, 1)}
			if i%2 == 0 {
				items = []catalog.ReserveItem{item(b, 1), item(a, 1)}
			}
			err := db.RetryDeadlocks(f.ctx, func() error { return f.reserve(fmt.Sprintf("ord_%03d", i), t0.Add(time.Hour), items...) })
			switch {
			case err == nil:
				ok.Add(1)
			case fault.Is(err, fault.KindConflict):
				refused.Add(1)
			default:
				t.Errorf("checkout %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 50 {
		t.Fatalf("%d held, %d refused", ok.Load(), refused.Load())
	}
	var held int
	if err := f.db.Get(&held, `SELECT COALESCE(SUM(quantity), 0) FROM reservations WHERE variant_id = ? AND status = 'active'`, a); err != nil {
		t.Fatal(err)
	}
	if on, res := f.stock(a); on != 10 || res != 10 || held != 10 {
		t.Fatalf("on hand %d, reserved %d, rows hold %d", on, res, held)
	}
}

func TestPurchasables(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")
	f.listed(ven, sp("1", "Mug", at(1), sv("a", 1500, 10)), "kitchen")
	f.apply(ven, sp("2", "Draft", at(2), sv("d", 700, 5))) // never listed
	a, d := f.variantID(ven, "a"), f.variantID(ven, "d")
	if err := f.reserve("ord_1", t0.Add(time.Hour), item(a, 4)); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Purchasables(f.ctx, f.db, []string{a, d, "var_nope"})
	if err != nil {
		t.Fatal(err)
	}
	pa, pd := got[a], got[d]
	if len(got) != 2 || !pa.Visible || pa.Available != 6 || pa.Price != usd(1500) || pa.VendorID != ven || pa.Vendor.Slug != "acme" ||
		pa.Title != "Mug" || pa.CommissionBPS != 1500 {
		t.Fatalf("mug: %+v", pa)
	}
	if pd.Visible {
		t.Fatalf("an unlisted product's variant is visible: %+v", pd)
	}

	bundle, err := f.store.CreateBundle(f.ctx, catalog.BundleInput{Slug: "set", Name: "Set", Price: usd(2000),
		Items: []catalog.BundleItemInput{{VariantID: a, Quantity: 2}}}, audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := f.store.PurchasableBundles(f.ctx, f.db, []string{bundle.ID, "bdl_nope"})
	if err != nil {
		t.Fatal(err)
	}
	if b := bs[bundle.ID]; len(bs) != 1 || !b.Active || b.Price != usd(2000) || len(b.Parts) != 1 || b.Parts[0] != (catalog.BundlePart{VariantID: a, Quantity: 2}) {
		t.Fatalf("bundle: %+v", bs)
	}
}
