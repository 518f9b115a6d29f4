package fulfilment_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/catalogtest"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/orders/orderstest"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

// t0 is when every test's world begins.
var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

var bySystem = orders.Actor{Type: audit.ActorSystem, ID: "test"}

// moves is a world for moving vendor orders: two vendors with a product each,
// orders placed and paid through internal/orders, and the fulfilment service
// with only what Move needs.
type moves struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlx.DB
	clk    *clock.Fake
	orders *orders.Store
	svc    *fulfilment.Service
	acme   string // vendors, active, stores connected
	bolt   string
	mug    string // acme's variant
	pen    string // bolt's
}

func newMoves(t *testing.T) *moves {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(t0)
	reg := queue.NewRegistry()
	queue.Handle(reg, "test.paid", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "test.changed", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "test.shipped", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	os := orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: cat, Payments: orderstest.Payments{}}, orders.Config{})
	m := &moves{t: t, ctx: context.Background(), db: conn, clk: clk, orders: os,
		svc: fulfilment.New(fulfilment.Deps{DB: conn, Clock: clk, Queue: q, Orders: os, Catalog: cat}, fulfilment.Config{})}
	m.acme = vendorstest.Vendor(t, conn, clk, "acme")
	m.bolt = vendorstest.Vendor(t, conn, clk, "bolt")
	m.mug = catalogtest.Product(t, cat, m.acme, "mug", "Mug", usd(1500), 100)
	m.pen = catalogtest.Product(t, cat, m.bolt, "pen", "Pen", usd(500), 100)
	return m
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

// paidTwoVendors is a paid order with one vendor order for acme and one for
// bolt, in that order.
func (m *moves) paidTwoVendors() orders.Order {
	m.t.Helper()
	o := orderstest.Paid(m.t, m.orders, orderstest.Cart{Lines: []orders.LineInput{orderstest.Line(m.mug, 2), orderstest.Line(m.pen, 1)}})
	if len(o.VendorOrders) != 2 || o.VendorOrders[0].VendorID != m.acme || o.Status != orders.StatusPaid {
		m.t.Fatalf("order %s, vendor orders: %+v", o.Status, o.VendorOrders)
	}
	return o
}

func (m *moves) count(q string, args ...any) int {
	m.t.Helper()
	var n int
	if err := m.db.Get(&n, q, args...); err != nil {
		m.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (m *moves) order(id string) orders.Order {
	m.t.Helper()
	o, err := m.orders.OrderByID(m.ctx, id)
	if err != nil {
		m.t.Fatal(err)
	}
	return o
}

// snapshot checksums every table, to prove a refused request changed nothing.
func (m *moves) snapshot() string {
	m.t.Helper()
	var tables []string
	if err := m.db.Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`); err != nil {
		m.t.Fatal(err)
	}
	rows, err := m.db.Query(`CHECKSUM TABLE ` + strings.Join(tables, ", "))
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name string
		var sum *int64
		if err := rows.Scan(&name, &sum); err != nil {
			m.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%v;", name, *sum)
	}
	return b.String()
}

func TestFulfilmentMoves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		path  []string // moves made first, each allowed
		to    string
		legal bool
	}{
		{"accepted to packed", nil, orders.VendorOrderPacked, true},
		{"accepted straight to shipped", nil, orders.VendorOrderShipped, true},
		{"accepted straight to delivered", nil, orders.VendorOrderDelivered, true},
		{"packed to shipped", []string{orders.VendorOrderPacked}, orders.VendorOrderShipped, true},
		{"accepted to cancelled", nil, orders.VendorOrderCancelled, true},
		{"packed to cancelled", []string{orders.VendorOrderPacked}, orders.VendorOrderCancelled, true},
		{"the same status again", []string{orders.VendorOrderPacked}, orders.VendorOrderPacked, true},
		{"shipped back to packed", []string{orders.VendorOrderShipped}, orders.VendorOrderPacked, false},
		{"delivered back to shipped", []string{orders.VendorOrderDelivered}, orders.VendorOrderShipped, false},
		{"shipped to cancelled", []string{orders.VendorOrderShipped}, orders.VendorOrderCancelled, false},
		{"delivered to cancelled", []string{orders.VendorOrderDelivered}, orders.VendorOrderCancelled, false},
		{"cancelled to shipped", []string{orders.VendorOrderCancelled}, orders.VendorOrderShipped, false},
		{"cancelled to accepted", []string{orders.VendorOrderCancelled}, orders.VendorOrderAccepted, false},
		{"packed back to accepted", []string{orders.VendorOrderPacked}, orders.VendorOrderAccepted, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMoves(t)
			vo := m.paidTwoVendors().VendorOrders[0]
			for _, st := range tc.path {
				if _, _, err := m.svc.Move(m.ctx, m.acme, vo.ID, fulfilment.StatusUpdate{Status: st}, bySystem); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			before := m.snapshot()
			got, _, err := m.svc.Move(m.ctx, m.acme, vo.ID, fulfilment.StatusUpdate{Status: tc.to}, bySystem)
			if !tc.legal {
				if !errors.Is(err, fulfilment.ErrIllegalTransition) || !fault.Is(err, fault.KindConflict) {
					t.Fatalf("want an illegal transition, got %v", err)
				}
				if m.snapshot() != before {
					t.Fatal("a refused move changed the database")
				}
				return
			}
			if err != nil || got.Status != tc.to {
				t.Fatalf("moved to %q, %v", got.Status, err)
			}
			if tc.to == orders.VendorOrderDelivered && (got.PackedAt == nil || got.ShippedAt == nil || got.DeliveredAt == nil) {
				t.Fatalf("skipped steps have no time: %+v", got)
			}
		})
	}
}

func TestFulfilmentScopeAndDerivedStatus(t *testing.T) {
	t.Parallel()
	m := newMoves(t)
	o := m.paidTwoVendors()
	acmeVO, boltVO := o.VendorOrders[0].ID, o.VendorOrders[1].ID

	t.Run("another vendor's order is not found", func(t *testing.T) {
		if _, _, err := m.svc.Move(m.ctx, m.bolt, acmeVO, fulfilment.StatusUpdate{Status: "shipped"}, bySystem); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
		if _, err := m.svc.VendorOrder(m.ctx, m.bolt, acmeVO); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
	})
	t.Run("bad input is refused", func(t *testing.T) {
		for _, u := range []fulfilment.StatusUpdate{{Status: "lost"}, {}, {Status: "shipped", Tracking: orders.Tracking{URL: "javascript:alert(1)"}}} {
			if _, _, err := m.svc.Move(m.ctx, m.acme, acmeVO, u, bySystem); !fault.Is(err, fault.KindInvalid) {
				t.Fatalf("%+v: want invalid, got %v", u, err)
			}
		}
	})

	steps := []struct {
		vo, status, want string
	}{
		{acmeVO, orders.VendorOrderPacked, orders.FulfilmentUnfulfilled},
		{acmeVO, orders.VendorOrderShipped, orders.FulfilmentPartiallyShipped},
		{boltVO, orders.VendorOrderCancelled, orders.FulfilmentShipped},
		{acmeVO, orders.VendorOrderDelivered, orders.FulfilmentDelivered},
	}
	for _, st := range steps {
		vendor := m.acme
		if st.vo == boltVO {
			vendor = m.bolt
		}
		if _, changed, err := m.svc.Move(m.ctx, vendor, st.vo, fulfilment.StatusUpdate{Status: st.status,
			Tracking: orders.Tracking{Carrier: "UPS", Number: "1Z999"}}, bySystem); err != nil || !changed {
			t.Fatalf("%s -> %s: changed %v, %v", st.vo, st.status, changed, err)
		}
		if got := m.order(o.ID).Fulfilment; got != st.want {
			t.Fatalf("after %s %s: order is %s, want %s", st.vo, st.status, got, st.want)
		}
	}
	// Exactly one shipped notice for acme (shipped, then delivered) and none
	// for the cancelled one.
	if n := m.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.shipped'`); n != 1 {
		t.Fatalf("%d shipped jobs", n)
	}
	// Every move bumped the manifest version and asked for a new manifest.
	if n := m.count(`SELECT manifest_version FROM vendor_orders WHERE id = ?`, acmeVO); n != 4 {
		t.Fatalf("manifest version %d", n)
	}
	if n := m.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.fulfilment_changed'`); n != 4 {
		t.Fatalf("%d fulfilment_changed jobs", n)
	}
	// The cancelled vendor order's money was not refunded: its order is
	// flagged for operators, with an audit entry.
	if got := m.order(o.ID); got.FlaggedAt == nil || !strings.Contains(got.FlagReason, "was cancelled with USD 5.00 of it not refunded") {
		t.Fatalf("order flag %q", got.FlagReason)
	}
	if n := m.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'vendor_order.cancelled' AND object_id = ?`, boltVO); n != 1 {
		t.Fatalf("%d audit entries of the cancel", n)
	}
	// The same status with the same tracking is no move.
	_, changed, err := m.svc.Move(m.ctx, m.acme, acmeVO, fulfilment.StatusUpdate{Status: orders.VendorOrderDelivered}, bySystem)
	if err != nil || changed {
		t.Fatalf("repeat: changed %v, %v", changed, err)
	}
	got, err := m.svc.VendorOrder(m.ctx, m.acme, acmeVO)
	if err != nil || got.Tracking.Carrier != "UPS" || got.Tracking.Number != "1Z999" || len(got.Lines) != 1 || got.Lines[0].Quantity != 2 {
		t.Fatalf("vendor view: %+v, %v", got, err)
	}
}

// TestNotPaidYet: a vendor order awaiting its payment does not move, and its
// vendor does not see it.
func TestNotPaidYet(t *testing.T) {
	t.Parallel()
	m := newMoves(t)
	o := orderstest.Placed(t, m.orders, orderstest.Cart{Lines: []orders.LineInput{orderstest.Line(m.mug, 1)}})
	vo := o.VendorOrders[0].ID
	before := m.snapshot()
	if _, _, err := m.svc.Move(m.ctx, "", vo, fulfilment.StatusUpdate{Status: orders.VendorOrderShipped}, bySystem); !errors.Is(err, fulfilment.ErrIllegalTransition) {
		t.Fatalf("an operator's move of an unpaid vendor order: %v", err)
	}
	if _, _, err := m.svc.Move(m.ctx, m.acme, vo, fulfilment.StatusUpdate{Status: orders.VendorOrderShipped}, bySystem); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("the vendor's move of its unpaid vendor order: %v", err)
	}
	if _, err := m.svc.VendorOrder(m.ctx, m.acme, vo); !fault.Is(err, fault.KindNotFound) {
		t.Fatalf("the vendor sees its unpaid vendor order: %v", err)
	}
	if m.snapshot() != before {
		t.Fatal("a refused move changed the database")
	}
}

func TestVendorOrdersList(t *testing.T) {
	t.Parallel()
	m := newMoves(t)
	var ids []string
	for range 3 {
		ids = append(ids, m.paidTwoVendors().VendorOrders[0].ID)
		m.clk.Advance(time.Minute)
	}
	if _, _, err := m.svc.Move(m.ctx, m.acme, ids[1], fulfilment.StatusUpdate{Status: "shipped"}, bySystem); err != nil {
		t.Fatal(err)
	}
	page, err := m.svc.VendorOrders(m.ctx, m.acme, orders.VendorOrderFilter{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != ids[2] || page.Next == nil {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = m.svc.VendorOrders(m.ctx, m.acme, orders.VendorOrderFilter{Limit: 2, Cursor: *page.Next})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[0] || page.Next != nil {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	page, err = m.svc.VendorOrders(m.ctx, m.acme, orders.VendorOrderFilter{Statuses: []string{"shipped"}})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[1] {
		t.Fatalf("shipped: %+v, %v", page, err)
	}
	page, err = m.svc.VendorOrders(m.ctx, m.bolt, orders.VendorOrderFilter{})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("bolt sees %d, %v", len(page.Items), err)
	}
	for _, it := range page.Items {
		if it.VendorID != m.bolt {
			t.Fatalf("bolt sees %s's order", it.VendorID)
		}
	}
	open, err := m.orders.OpenVendorOrdersOfDay(m.ctx, m.acme, t0)
	if err != nil || len(open) != 2 || open[0].ID != ids[0] || open[1].ID != ids[2] {
		t.Fatalf("open of the day: %d, %v", len(open), err)
	}
	if _, err := m.svc.VendorOrders(m.ctx, m.acme, orders.VendorOrderFilter{Statuses: []string{"lost"}, Limit: 500}); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("want invalid, got %v", err)
	}
}
