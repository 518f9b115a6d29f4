package orders_test

import (
	"errors"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
)

var bySystem = orders.Actor{Type: audit.ActorSystem, ID: "test"}

// paidTwoVendors is a paid order with one vendor order for acme and one for
// bolt, in that order.
func (f *fixture) paidTwoVendors() orders.Order {
	f.t.Helper()
	mug := f.product(f.acme, "mug", "Mug", usd(1500), 10)
	pen := f.product(f.bolt, "pen", "Pen", usd(500), 10)
	c, cartID := f.cartWith(variantLine(mug, 2), variantLine(pen, 1))
	o := f.order(f.checkout(c, cartID).Order.ID)
	if _, err := f.store.MarkPaid(f.ctx, o.ID, o.PaymentIntentID, usd(3500)); err != nil {
		f.t.Fatal(err)
	}
	o = f.order(o.ID)
	if len(o.VendorOrders) != 2 || o.VendorOrders[0].VendorID != f.acme {
		f.t.Fatalf("vendor orders: %+v", o.VendorOrders)
	}
	return o
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
			f := newFixture(t)
			vo := f.paidTwoVendors().VendorOrders[0]
			for _, st := range tc.path {
				if _, _, err := f.store.UpdateFulfilment(f.ctx, f.acme, vo.ID, orders.FulfilmentUpdate{Status: st}, bySystem); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			before := f.snapshot()
			got, _, err := f.store.UpdateFulfilment(f.ctx, f.acme, vo.ID, orders.FulfilmentUpdate{Status: tc.to}, bySystem)
			if !tc.legal {
				if !errors.Is(err, orders.ErrIllegalTransition) || !fault.Is(err, fault.KindConflict) {
					t.Fatalf("want an illegal transition, got %v", err)
				}
				if f.snapshot() != before {
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
	f := newFixture(t)
	o := f.paidTwoVendors()
	acmeVO, boltVO := o.VendorOrders[0].ID, o.VendorOrders[1].ID

	t.Run("another vendor's order is not found", func(t *testing.T) {
		if _, _, err := f.store.UpdateFulfilment(f.ctx, f.bolt, acmeVO, orders.FulfilmentUpdate{Status: "shipped"}, bySystem); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
		if _, err := f.store.VendorFulfilment(f.ctx, f.bolt, acmeVO); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("want not found, got %v", err)
		}
	})
	t.Run("bad input is refused", func(t *testing.T) {
		for _, u := range []orders.FulfilmentUpdate{{Status: "lost"}, {}, {Status: "shipped", Tracking: orders.Tracking{URL: "javascript:alert(1)"}}} {
			if _, _, err := f.store.UpdateFulfilment(f.ctx, f.acme, acmeVO, u, bySystem); !fault.Is(err, fault.KindInvalid) {
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
		vendor := f.acme
		if st.vo == boltVO {
			vendor = f.bolt
		}
		if _, changed, err := f.store.UpdateFulfilment(f.ctx, vendor, st.vo, orders.FulfilmentUpdate{Status: st.status,
			Tracking: orders.Tracking{Carrier: "UPS", Number: "1Z999"}}, bySystem); err != nil || !changed {
			t.Fatalf("%s -> %s: changed %v, %v", st.vo, st.status, changed, err)
		}
		if got := f.order(o.ID).Fulfilment; got != st.want {
			t.Fatalf("after %s %s: order is %s, want %s", st.vo, st.status, got, st.want)
		}
	}
	// Exactly one shipped notice for acme (shipped, then delivered) and none
	// for the cancelled one.
	if n := f.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.shipped'`); n != 1 {
		t.Fatalf("%d shipped jobs", n)
	}
	// Every move bumped the manifest version and asked for a new manifest.
	if n := f.count(`SELECT manifest_version FROM vendor_orders WHERE id = ?`, acmeVO); n != 4 {
		t.Fatalf("manifest version %d", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'orders.fulfilment_changed'`); n != 4 {
		t.Fatalf("%d fulfilment_changed jobs", n)
	}
	// The same status with the same tracking is no move.
	_, changed, err := f.store.UpdateFulfilment(f.ctx, f.acme, acmeVO, orders.FulfilmentUpdate{Status: orders.VendorOrderDelivered}, bySystem)
	if err != nil || changed {
		t.Fatalf("repeat: changed %v, %v", changed, err)
	}
	got, err := f.store.VendorFulfilment(f.ctx, f.acme, acmeVO)
	if err != nil || got.Tracking.Carrier != "UPS" || got.Tracking.Number != "1Z999" || len(got.Lines) != 1 || got.Lines[0].Quantity != 2 {
		t.Fatalf("vendor view: %+v, %v", got, err)
	}
}

func TestVendorFulfilmentsList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ids []string
	for range 3 {
		ids = append(ids, f.paidTwoVendors().VendorOrders[0].ID)
		f.clk.Advance(time.Minute)
	}
	if _, _, err := f.store.UpdateFulfilment(f.ctx, f.acme, ids[1], orders.FulfilmentUpdate{Status: "shipped"}, bySystem); err != nil {
		t.Fatal(err)
	}
	page, err := f.store.VendorFulfilments(f.ctx, f.acme, orders.FulfilmentFilter{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != ids[2] || page.Next == nil {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = f.store.VendorFulfilments(f.ctx, f.acme, orders.FulfilmentFilter{Limit: 2, Cursor: *page.Next})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[0] || page.Next != nil {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	page, err = f.store.VendorFulfilments(f.ctx, f.acme, orders.FulfilmentFilter{Statuses: []string{"shipped"}})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[1] {
		t.Fatalf("shipped: %+v, %v", page, err)
	}
	page, err = f.store.VendorFulfilments(f.ctx, f.bolt, orders.FulfilmentFilter{})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("bolt sees %d, %v", len(page.Items), err)
	}
	for _, it := range page.Items {
		if it.VendorID != f.bolt {
			t.Fatalf("bolt sees %s's order", it.VendorID)
		}
	}
	open, err := f.store.OpenFulfilmentsOfDay(f.ctx, f.acme, t0)
	if err != nil || len(open) != 2 || open[0].ID != ids[0] || open[1].ID != ids[2] {
		t.Fatalf("open of the day: %d, %v", len(open), err)
	}
	if _, err := f.store.VendorFulfilments(f.ctx, f.acme, orders.FulfilmentFilter{Statuses: []string{"lost"}, Limit: 500}); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("want invalid, got %v", err)
	}
}
