package orders

import "github.com/trove-platform/trove/internal/platform/money"

// The jobs this package emits, each enqueued in the transaction of the change
// that causes it. Every kind needs at least one handler in cmd/trove/jobs.go
// (queue.Enqueue refuses a kind nobody handles).

// Paid says an order was paid: its stock is sold and its vendor orders are
// accepted. Follow-ups (receipt email, vendor order hand-off to Shopify, ledger
// lines) each handle it on their own. Enqueued once per order (unique key
// orders.paid:<order id>).
type Paid struct {
	OrderID string `json:"order_id"`
}

// Kind names the job.
func (Paid) Kind() string { return "orders.paid" }

// LatePayment says money arrived for an order that will not ship: a payment
// succeeded after the order's hold was given back and its stock is gone (or
// after the order was canceled). The order is canceled and flagged; the
// payments package refunds Amount in full and tells the buyer. Enqueued once
// per order (unique key orders.late_payment:<order id>), in the transaction
// that cancels it. Nothing was sold: no vendor's ledger moves.
type LatePayment struct {
	OrderID         string      `json:"order_id"`
	PaymentIntentID string      `json:"payment_intent_id"`
	Amount          money.Money `json:"amount"`
}

// Kind names the job.
func (LatePayment) Kind() string { return "orders.late_payment" }

// ReleaseExpired is the scheduled sweep that gives back the stock of checkouts
// whose hold ran out unpaid, once their payment is re-read and canceled (see
// Store.ReleaseExpired). Enqueue it from a schedule, every minute or so.
type ReleaseExpired struct{}

// Kind names the job.
func (ReleaseExpired) Kind() string { return "orders.release_expired" }

// FulfilmentChanged says a paid vendor order changed in a way its packing
// manifest shows: its status or tracking moved, or a refund took lines off
// it. Status is the new status, "" when only the lines changed. Enqueued on
// every change; a handler reads the vendor order as it is then, so a late or
// repeated job does no harm.
type FulfilmentChanged struct {
	VendorOrderID string `json:"vendor_order_id"`
	Status        string `json:"status,omitempty"`
}

// Kind names the job.
func (FulfilmentChanged) Kind() string { return "orders.fulfilment_changed" }

// Shipped says a vendor order was shipped (or reported delivered
// without a shipment first): the buyer hears of it. Enqueued once per vendor
// order (unique key orders.shipped:<id>).
type Shipped struct {
	VendorOrderID string `json:"vendor_order_id"`
}

// Kind names the job.
func (Shipped) Kind() string { return "orders.shipped" }

// PruneCarts is the scheduled clean-up of abandoned guest carts (see
// Store.PruneCarts).
type PruneCarts struct{}

// Kind names the job.
func (PruneCarts) Kind() string { return "orders.prune_carts" }
