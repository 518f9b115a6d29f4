package fulfilment

// A paid vendor order moves forward only, from the vendor's Shopify store (its
// webhooks, re-read) or from the vendor in Trove:
//
//	accepted -> packed -> shipped -> delivered      (steps may be skipped)
//	accepted | packed -> cancelled
//
// A move backwards, out of cancelled, or to cancelled after shipping is
// refused with ErrIllegalTransition. Repeating the current status is no move,
// but may add or correct tracking. The rules are pure (path, checkMove,
// apply); Move saves a change through orders.Store.UpdateVendorOrder, the
// table's owner, which also derives the order's fulfilment status, bumps the
// manifest's version and enqueues the jobs that follow.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// ErrIllegalTransition is wrapped (kind conflict) when a vendor order cannot
// move to the status asked for.
var ErrIllegalTransition = errors.New("fulfilment: illegal transition")

// path is the state table of a paid vendor order: where it may go from each
// status. Staying where it is is always allowed (tracking may change).
var path = map[string][]string{
	orders.VendorOrderAccepted:  {orders.VendorOrderPacked, orders.VendorOrderShipped, orders.VendorOrderDelivered, orders.VendorOrderCancelled},
	orders.VendorOrderPacked:    {orders.VendorOrderShipped, orders.VendorOrderDelivered, orders.VendorOrderCancelled},
	orders.VendorOrderShipped:   {orders.VendorOrderDelivered},
	orders.VendorOrderDelivered: nil,
	orders.VendorOrderCancelled: nil,
}

// rank orders the forward path; a step skipped takes the moment of the step
// that skipped it (shipped implies packed).
var rank = map[string]int{orders.VendorOrderAccepted: 1, orders.VendorOrderPacked: 2, orders.VendorOrderShipped: 3, orders.VendorOrderDelivered: 4}

// checkMove refuses what the path does not allow, saying why.
func checkMove(from, to string) error {
	switch {
	case from == to, slices.Contains(path[from], to):
		return nil
	case from == orders.VendorOrderPending:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is not paid yet, so it cannot be %s", to)
	case from == orders.VendorOrderCancelled:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order was cancelled, so it cannot be %s", to)
	case to == orders.VendorOrderCancelled:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is %s already, so it cannot be cancelled", from)
	case rank[to] > 0 && rank[to] < rank[from]:
		return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is %s already, so it cannot go back to %s", from, to)
	}
	return fault.Wrap(fault.KindConflict, ErrIllegalTransition, "the order is %s, so it cannot be %s", from, to)
}

// StatusUpdate asks for a vendor order to move to Status, with tracking.
// Empty tracking fields leave what is stored.
type StatusUpdate struct {
	Status   string          `json:"status"`
	Tracking orders.Tracking `json:"tracking"`
}

// Validate reports every problem with u as one error of kind invalid.
func (u StatusUpdate) Validate() error {
	var f fault.Fields
	switch u.Status {
	case orders.VendorOrderAccepted, orders.VendorOrderPacked, orders.VendorOrderShipped, orders.VendorOrderDelivered, orders.VendorOrderCancelled:
	case "":
		f.Add("status", "is required: one of accepted, packed, shipped, delivered, cancelled")
	default:
		f.Add("status", "must be one of accepted, packed, shipped, delivered, cancelled")
	}
	f.Check(utf8.RuneCountInString(u.Tracking.Carrier) <= 100, "tracking.carrier", "must be at most 100 characters")
	f.Check(utf8.RuneCountInString(u.Tracking.Number) <= 100, "tracking.number", "must be at most 100 characters")
	if u.Tracking.URL != "" {
		f.Check(len(u.Tracking.URL) <= 1000, "tracking.url", "must be at most 1000 characters")
		f.Check(strings.HasPrefix(u.Tracking.URL, "https://") || strings.HasPrefix(u.Tracking.URL, "http://"),
			"tracking.url", "must be an http(s) URL")
	}
	return f.Err()
}

// apply moves vo as u asks, at now, and reports whether anything changed:
// the path is checked, tracking given replaces what is stored field by
// field, and the step reached (and those skipped) get their time, once.
func apply(vo *orders.VendorOrder, u StatusUpdate, now time.Time) (bool, error) {
	if err := checkMove(vo.Status, u.Status); err != nil {
		return false, err
	}
	track := vo.Tracking
	if u.Tracking.Carrier != "" {
		track.Carrier = u.Tracking.Carrier
	}
	if u.Tracking.Number != "" {
		track.Number = u.Tracking.Number
	}
	if u.Tracking.URL != "" {
		track.URL = u.Tracking.URL
	}
	if u.Status == vo.Status && track == vo.Tracking {
		return false, nil
	}
	vo.Status, vo.Tracking = u.Status, track
	stamp := func(at **time.Time) {
		if *at == nil {
			t := now
			*at = &t
		}
	}
	if u.Status == orders.VendorOrderCancelled {
		stamp(&vo.CancelledAt)
		return true, nil
	}
	for st, at := range map[string]**time.Time{orders.VendorOrderPacked: &vo.PackedAt, orders.VendorOrderShipped: &vo.ShippedAt,
		orders.VendorOrderDelivered: &vo.DeliveredAt} {
		if rank[st] <= rank[u.Status] {
			stamp(at)
		}
	}
	return true, nil
}

// Move moves a vendor order (vendorID "" for any vendor's: jobs and
// operators; a vendor's request for another vendor's order, or one not paid
// yet, is not found) and answers it as it now is, with whether anything
// changed. An illegal move is a conflict wrapping ErrIllegalTransition, and
// changes nothing.
func (s *Service) Move(ctx context.Context, vendorID, vendorOrderID string, u StatusUpdate, by orders.Actor) (VendorOrder, bool, error) {
	if err := u.Validate(); err != nil {
		return VendorOrder{}, false, err
	}
	u.Tracking = orders.Tracking{Carrier: strings.TrimSpace(u.Tracking.Carrier), Number: strings.TrimSpace(u.Tracking.Number),
		URL: strings.TrimSpace(u.Tracking.URL)}
	vo, changed, err := s.orders.UpdateVendorOrder(ctx, vendorOrderID, by, func(vo *orders.VendorOrder) error {
		if vendorID != "" && (vo.VendorID != vendorID || vo.Status == orders.VendorOrderPending) {
			return fault.NotFound("vendor order %s not found", vendorOrderID)
		}
		_, err := apply(vo, u, s.clock.Now())
		return err
	})
	if err != nil {
		return VendorOrder{}, false, err
	}
	return viewOf(vo), changed, nil
}

// recordHandOff stores the Shopify order a vendor order was handed off as.
// Recording the same order again is a no-op; a different one is a conflict
// (one vendor order, one Shopify order).
func (s *Service) recordHandOff(ctx context.Context, vendorOrderID string, ref orders.ShopifyOrderRef) error {
	_, _, err := s.orders.UpdateVendorOrder(ctx, vendorOrderID, orders.Actor{Type: audit.ActorSystem, ID: "shopify"}, func(vo *orders.VendorOrder) error {
		if vo.Shopify != nil {
			if vo.Shopify.ID == ref.ID {
				return nil
			}
			return fault.Conflict("vendor order %s is already Shopify order %s, not %s", vendorOrderID, vo.Shopify.ID, ref.ID)
		}
		now := s.clock.Now()
		vo.Shopify, vo.HandedOffAt = &ref, &now
		return nil
	})
	return err
}
