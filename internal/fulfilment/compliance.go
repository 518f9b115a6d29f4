package fulfilment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/webhooks"
)

// customers/data_request: a store's customer asked the store for the data
// apps hold about them, and Shopify passes the request to each app, which
// must give the data to the store (the merchant), who answers the customer.
// What Trove holds about a store's customers is in the vendor orders it
// handed to that store: the recipient's name and address and the gift
// message (and, when the customer is the buyer, the buyer's email). So the
// vendor's orders that the request names (its orders_requested, the Shopify
// orders Trove made) or that were bought with the customer's email are
// mailed to the vendor's owners, and the request is audited (without the
// data itself). The data is kept as long as the orders are: see
// docs/shopify.md, "What Trove keeps about a store's customers".

// Retention is what the data request mail says of how long the data is
// kept. Keep it in step with docs/shopify.md.
const Retention = `Trove keeps each order, with the recipient's name and address, the gift message and the buyer's email, ` +
	`for as long as the order's records are kept: they back the store's payouts, invoices and refunds, and no ` +
	`automatic deletion applies to them today. The copy Trove made of the order in the store is the store's. ` +
	`Webhook deliveries (this request included) and finished jobs are deleted after 30 days.`

var dataRequestMail = mail.NewTemplate("shopify_data_request",
	`Shopify data request {{.RequestID}}: what {{platform}} holds about a customer of {{.Shop}}`,
	`A customer of {{.Shop}} asked, through Shopify, for the data apps hold about them (data request {{.RequestID}}{{if .CustomerID}}, Shopify customer {{.CustomerID}}{{end}}{{if .CustomerEmail}}, {{.CustomerEmail}}{{end}}). Shopify asks each app to give it to you, the store, to pass on to them. This is what {{platform}} holds.
{{range .Orders}}
Order {{.ID}}{{if .ShopifyOrder}} (Shopify order {{.ShopifyOrder}}){{end}}, placed {{.PlacedAt}} ({{.Why}})
  Recipient: {{.Recipient}}
{{- if .BuyerEmail}}
  Buyer's email: {{.BuyerEmail}}{{end}}
{{- if .GiftMessage}}
  Gift message: {{.GiftMessage}}{{end}}
  Items:{{range .Lines}}
  - {{.}}{{end}}
{{end}}
How long it is kept: {{.Retention}}
`, `<p>A customer of {{.Shop}} asked, through Shopify, for the data apps hold about them (data request {{.RequestID}}{{if .CustomerID}}, Shopify customer {{.CustomerID}}{{end}}{{if .CustomerEmail}}, {{.CustomerEmail}}{{end}}). Shopify asks each app to give it to you, the store, to pass on to them. This is what {{platform}} holds.</p>
{{range .Orders}}<h3>Order {{.ID}}{{if .ShopifyOrder}} (Shopify order {{.ShopifyOrder}}){{end}}</h3>
<p>Placed {{.PlacedAt}} ({{.Why}})<br>Recipient: {{.Recipient}}{{if .BuyerEmail}}<br>Buyer's email: {{.BuyerEmail}}{{end}}{{if .GiftMessage}}<br>Gift message: {{.GiftMessage}}{{end}}</p>
<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>
{{end}}<p><strong>How long it is kept:</strong> {{.Retention}}</p>`)

// heldOrder is one vendor order as the data request mail shows it.
type heldOrder struct {
	ID, ShopifyOrder, PlacedAt, Why string
	Recipient, BuyerEmail           string
	GiftMessage                     string
	Lines                           []string
}

// dataRequest answers customers/data_request (see above). A store no
// vendor has, or a request that names nothing Trove holds, is audited as
// such and mailed to no one.
func (s *Service) dataRequest(ctx context.Context, ev webhooks.Event) error {
	req, err := shopify.ParseComplianceRequest(ev.Payload)
	if err != nil {
		return queue.Permanent(err)
	}
	outcome := map[string]any{"shop": ev.Account, "event_id": ev.EventID, "data_request_id": req.DataRequestID,
		"customer_id": req.CustomerID, "orders_requested": len(req.OrdersRequested), "customer_data_held": false}
	conn, err := s.conns.ByShop(ctx, ev.Account)
	if fault.Is(err, fault.KindNotFound) {
		outcome["reason"] = "the store is not (and was never) connected to a vendor: Trove holds nothing of its customers"
		return s.auditCompliance(ctx, ev, "", outcome)
	}
	if err != nil {
		return err
	}
	gids := make([]string, 0, len(req.OrdersRequested))
	for _, n := range req.OrdersRequested {
		if n > 0 {
			gids = append(gids, shopify.OrderGID(n))
		}
	}
	held, err := s.orders.VendorOrdersOfCustomer(ctx, conn.VendorID, gids, req.CustomerEmail)
	if err != nil {
		return err
	}
	if len(held) == 0 {
		outcome["reason"] = "no order of this store's is one of the orders named or was bought with the customer's email"
		return s.auditCompliance(ctx, ev, conn.VendorID, outcome)
	}
	view := make([]heldOrder, 0, len(held))
	ids := make([]string, 0, len(held))
	for _, f := range held {
		view = append(view, heldOrderOf(f, gids, req.CustomerEmail))
		ids = append(ids, f.ID)
	}
	owners, err := s.users.ListUsers(ctx, string(auth.RoleVendorOwner), conn.VendorID)
	if err != nil {
		return err
	}
	var to []string
	for _, u := range owners {
		if u.DisabledAt == nil {
			to = append(to, u.Email)
		}
	}
	outcome["customer_data_held"], outcome["vendor_orders"] = true, ids
	outcome["fields"] = []string{"recipient name", "recipient address", "gift message", "items", "buyer email (when it is the customer's)"}
	if len(to) == 0 {
		// Nobody to give it to: the operators see it in the audit log and
		// answer the store another way.
		s.log.WarnContext(ctx, "shopify data request: the vendor has no active owner to send the data to", "vendor_id", conn.VendorID,
			"event_id", ev.EventID)
		outcome["delivered_to"] = []string{}
		outcome["reason"] = "the vendor has no active owner: the data was not sent"
		return s.auditCompliance(ctx, ev, conn.VendorID, outcome)
	}
	data := map[string]any{"Shop": ev.Account, "RequestID": req.DataRequestID, "CustomerID": req.CustomerID,
		"CustomerEmail": req.CustomerEmail, "Orders": view, "Retention": Retention}
	if err := sendErr(s.post.Send(ctx, dataRequestMail, to, data, "shopify-data-request:"+ev.EventID)); err != nil {
		return err
	}
	outcome["delivered_to"] = to
	return s.auditCompliance(ctx, ev, conn.VendorID, outcome)
}

func heldOrderOf(f orders.VendorOrder, requested []string, email string) heldOrder {
	h := heldOrder{ID: f.ID, PlacedAt: f.PlacedAt.Format("2006-01-02"), GiftMessage: f.GiftMessage}
	if f.Shopify != nil {
		h.ShopifyOrder = f.Shopify.Name
	}
	// The buyer's email is shown only when it is the customer's: an order
	// named by the request may have been bought by someone else for them.
	if f.Shopify != nil && slices.Contains(requested, f.Shopify.ID) {
		h.Why = "named in the request"
	} else {
		h.Why, h.BuyerEmail = "bought with the customer's email", email
	}
	r := f.Recipient
	parts := []string{r.Name}
	parts = append(parts, r.AddressLines...)
	for _, p := range []string{r.City, r.Region, r.PostalCode, r.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	h.Recipient = strings.Join(parts, ", ")
	for _, l := range f.Lines {
		line := fmt.Sprintf("%d × %s", l.Quantity, l.Title)
		if l.VariantTitle != "" {
			line += " (" + l.VariantTitle + ")"
		}
		h.Lines = append(h.Lines, line)
	}
	return h
}

// auditCompliance records a compliance request's outcome under the store's
// vendor. It holds ids and counts, never the customer's data.
func (s *Service) auditCompliance(ctx context.Context, ev webhooks.Event, vendorID string, outcome map[string]any) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{At: s.clock.Now(), ActorType: audit.ActorProvider, ActorID: "shopify",
			VendorID: vendorID, Action: "shopify." + strings.ReplaceAll(ev.Topic, "/", "."), ObjectType: "webhook_event",
			ObjectID: fmt.Sprint(ev.ID), After: outcome})
	})
}
