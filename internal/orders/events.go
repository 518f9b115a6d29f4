package orders

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

// ReleaseExpired is the scheduled sweep that gives back the stock of checkouts
// whose hold expired unpaid (see Store.ReleaseExpired). Enqueue it from a
// schedule, every minute or so.
type ReleaseExpired struct{}

// Kind names the job.
func (ReleaseExpired) Kind() string { return "orders.release_expired" }
