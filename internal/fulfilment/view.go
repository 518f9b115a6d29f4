package fulfilment

import (
	"context"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/money"
)

// VendorOrder is a paid vendor order as its vendor (and operators) see it:
// what to pack, for whom, and where it stands. The buyer's email is not in
// it.
type VendorOrder struct {
	ID            string                   `json:"id"`
	OrderID       string                   `json:"order_id"`
	VendorID      string                   `json:"vendor_id"`
	VendorName    string                   `json:"vendor_name"`
	Status        string                   `json:"status"`
	Subtotal      money.Money              `json:"subtotal"`
	Refunded      money.Money              `json:"refunded"`
	CommissionBPS int                      `json:"commission_bps"`
	Recipient     orders.Recipient         `json:"recipient"`
	GiftMessage   string                   `json:"gift_message"`
	DeliveryDate  *string                  `json:"delivery_date"`
	Lines         []orders.VendorOrderLine `json:"lines"`
	Tracking      orders.Tracking          `json:"tracking"`
	Shopify       *orders.ShopifyOrderRef  `json:"shopify_order"`
	PlacedAt      time.Time                `json:"placed_at"`
	AcceptedAt    *time.Time               `json:"accepted_at"`
	HandedOffAt   *time.Time               `json:"handed_off_at"`
	PackedAt      *time.Time               `json:"packed_at"`
	ShippedAt     *time.Time               `json:"shipped_at"`
	DeliveredAt   *time.Time               `json:"delivered_at"`
	CancelledAt   *time.Time               `json:"cancelled_at"`
	UpdatedAt     time.Time                `json:"updated_at"`
}

func viewOf(vo orders.VendorOrder) VendorOrder {
	v := VendorOrder{ID: vo.ID, OrderID: vo.OrderID, VendorID: vo.VendorID, VendorName: vo.Vendor.Name, Status: vo.Status,
		Subtotal: vo.Subtotal, Refunded: vo.Refunded, CommissionBPS: vo.CommissionBPS, Recipient: vo.Recipient,
		GiftMessage: vo.GiftMessage, Lines: vo.Lines, Tracking: vo.Tracking, Shopify: vo.Shopify, PlacedAt: vo.PlacedAt,
		AcceptedAt: vo.AcceptedAt, HandedOffAt: vo.HandedOffAt, PackedAt: vo.PackedAt, ShippedAt: vo.ShippedAt,
		DeliveredAt: vo.DeliveredAt, CancelledAt: vo.CancelledAt, UpdatedAt: vo.UpdatedAt}
	if vo.DeliveryDate != "" {
		d := vo.DeliveryDate
		v.DeliveryDate = &d
	}
	return v
}

// Page is a page of a vendor's paid vendor orders, newest accepted first.
type Page struct {
	Items []VendorOrder `json:"items"`
	Next  *string       `json:"next_cursor"`
}

// VendorOrder returns a vendor order as its vendor sees it: vendorID "" is an
// operator's request (any vendor's, paid or not); a vendor's own request for
// another vendor's order, or one not paid yet, is not found.
func (s *Service) VendorOrder(ctx context.Context, vendorID, vendorOrderID string) (VendorOrder, error) {
	vo, err := s.vendorOrder(ctx, vendorID, vendorOrderID)
	if err != nil {
		return VendorOrder{}, err
	}
	return viewOf(vo), nil
}

func (s *Service) vendorOrder(ctx context.Context, vendorID, vendorOrderID string) (orders.VendorOrder, error) {
	if vendorID == "" {
		return s.orders.VendorOrderByID(ctx, vendorOrderID)
	}
	return s.orders.PaidVendorOrder(ctx, vendorID, vendorOrderID)
}

// VendorOrders lists the vendor's paid vendor orders, newest first.
func (s *Service) VendorOrders(ctx context.Context, vendorID string, f orders.VendorOrderFilter) (Page, error) {
	p, err := s.orders.PaidVendorOrders(ctx, vendorID, f)
	if err != nil {
		return Page{}, err
	}
	out := Page{Items: make([]VendorOrder, len(p.Items)), Next: p.Next}
	for i, vo := range p.Items {
		out.Items[i] = viewOf(vo)
	}
	return out, nil
}
