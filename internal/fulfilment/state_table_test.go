package fulfilment

// The fulfilment path and its rule as pure table tests, no database:
// state_test.go holds what saving a move does.

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// TestPath: the moves checkMove allows are exactly those of the comment in
// state.go, and the same status is always allowed (tracking may change).
func TestPath(t *testing.T) {
	t.Parallel()
	all := []string{orders.VendorOrderPending, orders.VendorOrderAccepted, orders.VendorOrderPacked, orders.VendorOrderShipped,
		orders.VendorOrderDelivered, orders.VendorOrderCancelled}
	allowed := map[string][]string{
		orders.VendorOrderAccepted: {orders.VendorOrderPacked, orders.VendorOrderShipped, orders.VendorOrderDelivered, orders.VendorOrderCancelled},
		orders.VendorOrderPacked:   {orders.VendorOrderShipped, orders.VendorOrderDelivered, orders.VendorOrderCancelled},
		orders.VendorOrderShipped:  {orders.VendorOrderDelivered},
	}
	for _, from := range all {
		for _, to := range all {
			if to == orders.VendorOrderPending {
				continue // nobody asks for it: StatusUpdate.Validate refuses it
			}
			want := from == to || slices.Contains(allowed[from], to)
			err := checkMove(from, to)
			if want != (err == nil) {
				t.Errorf("%s -> %s: %v, want allowed %v", from, to, err, want)
			}
			if err != nil && (!errors.Is(err, ErrIllegalTransition) || !fault.Is(err, fault.KindConflict)) {
				t.Errorf("%s -> %s: %v is not a conflict wrapping ErrIllegalTransition", from, to, err)
			}
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	t1 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	at := func(t time.Time) *time.Time { return &t }
	accepted := orders.VendorOrder{ID: "vor_1", Status: orders.VendorOrderAccepted, AcceptedAt: at(t1)}
	packed := accepted
	packed.Status, packed.PackedAt = orders.VendorOrderPacked, at(t1)
	shipped := packed
	shipped.Status, shipped.ShippedAt, shipped.Tracking = orders.VendorOrderShipped, at(t1), orders.Tracking{Carrier: "UPS", Number: "1Z1"}
	cases := []struct {
		name                               string
		from                               orders.VendorOrder
		u                                  StatusUpdate
		changed                            bool
		packed, shipped, delivered, cancel *time.Time // wanted times; nil: none
		tracking                           orders.Tracking
	}{
		{name: "packed", from: accepted, u: StatusUpdate{Status: orders.VendorOrderPacked}, changed: true, packed: at(t2)},
		{name: "straight to delivered: the skipped steps take its time", from: accepted, u: StatusUpdate{Status: orders.VendorOrderDelivered},
			changed: true, packed: at(t2), shipped: at(t2), delivered: at(t2)},
		{name: "shipped after packing keeps the packing's time", from: packed, u: StatusUpdate{Status: orders.VendorOrderShipped},
			changed: true, packed: at(t1), shipped: at(t2)},
		{name: "cancelled", from: packed, u: StatusUpdate{Status: orders.VendorOrderCancelled}, changed: true, packed: at(t1), cancel: at(t2)},
		{name: "the same status: no change", from: shipped, u: StatusUpdate{Status: orders.VendorOrderShipped},
			packed: at(t1), shipped: at(t1), tracking: orders.Tracking{Carrier: "UPS", Number: "1Z1"}},
		{name: "the same status with a tracking URL: only the URL is added", from: shipped,
			u:       StatusUpdate{Status: orders.VendorOrderShipped, Tracking: orders.Tracking{URL: "https://ups.example/1Z1"}},
			changed: true, packed: at(t1), shipped: at(t1), tracking: orders.Tracking{Carrier: "UPS", Number: "1Z1", URL: "https://ups.example/1Z1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			vo := c.from
			changed, err := apply(&vo, c.u, t2)
			if err != nil || changed != c.changed || vo.Status != c.u.Status || vo.Tracking != c.tracking {
				t.Fatalf("changed %v, %v: %s %+v", changed, err, vo.Status, vo.Tracking)
			}
			for _, tm := range []struct {
				name      string
				got, want *time.Time
			}{{"packed", vo.PackedAt, c.packed}, {"shipped", vo.ShippedAt, c.shipped}, {"delivered", vo.DeliveredAt, c.delivered},
				{"cancelled", vo.CancelledAt, c.cancel}} {
				if (tm.got == nil) != (tm.want == nil) || (tm.got != nil && !tm.got.Equal(*tm.want)) {
					t.Fatalf("%s at %v, want %v", tm.name, tm.got, tm.want)
				}
			}
		})
	}
	t.Run("an illegal move changes nothing", func(t *testing.T) {
		vo := shipped
		if _, err := apply(&vo, StatusUpdate{Status: orders.VendorOrderCancelled}, t2); !errors.Is(err, ErrIllegalTransition) {
			t.Fatalf("got %v", err)
		}
		if vo.Status != shipped.Status || vo.CancelledAt != nil {
			t.Fatalf("changed: %+v", vo)
		}
	})
}
