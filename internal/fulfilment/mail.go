package fulfilment

import (
	"context"
	"strings"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

var vendorNewOrder = mail.NewTemplate("vendor_new_order", `New {{platform}} order {{.F.ID}} to ship to {{.F.Recipient.Name}}`,
	`You have a new order to fulfil.

Reference: {{.F.ID}}{{with .F.Shopify}} (Shopify order {{.Name}}){{end}}
Ship to: {{.F.Recipient.Name}}, {{.F.Recipient.City}}, {{.F.Recipient.Country}}
{{if .F.DeliveryDate}}Deliver by: {{.F.DeliveryDate}}
{{end}}
{{range .F.Lines}}- {{.Quantity}} × {{if .SKU}}[{{.SKU}}] {{end}}{{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}
{{end}}{{if .F.GiftMessage}}
Gift message:
{{.F.GiftMessage}}
{{end}}
Packing manifest (PDF; the link works for 72 hours):
{{.Manifest}}

The order is in your Shopify admin too. See it in {{platform}}:
{{.OrderURL}}
`, `<p>You have a new order to fulfil.</p>
<p><strong>Reference {{.F.ID}}</strong>{{with .F.Shopify}} (Shopify order {{.Name}}){{end}}<br>
Ship to {{.F.Recipient.Name}}, {{.F.Recipient.City}}, {{.F.Recipient.Country}}{{if .F.DeliveryDate}}<br>Deliver by {{.F.DeliveryDate}}{{end}}</p>
<table>{{range .F.Lines}}<tr><td>{{.Quantity}} ×</td><td>{{if .SKU}}[{{.SKU}}] {{end}}{{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}</td></tr>{{end}}</table>
{{if .F.GiftMessage}}<p><strong>Gift message</strong></p><blockquote>{{.F.GiftMessage}}</blockquote>{{end}}
<p><a href="{{.Manifest}}">Download the packing manifest</a> (PDF; the link works for 72 hours).</p>
<p>The order is in your Shopify admin too. <a href="{{.OrderURL}}">See it in {{platform}}</a>.</p>`)

var buyerShipped = mail.NewTemplate("buyer_shipped", `Your gift from {{.F.VendorName}} is on its way`,
	`Good news: {{.F.VendorName}} has shipped its part of your order {{.F.OrderID}} to {{.F.Recipient.Name}}.
{{with .F.Tracking}}{{if .Carrier}}
Carrier: {{.Carrier}}{{end}}{{if .Number}}
Tracking number: {{.Number}}{{end}}{{if .URL}}
Track it: {{.URL}}{{end}}{{end}}
`, `<p>Good news: <strong>{{.F.VendorName}}</strong> has shipped its part of your order {{.F.OrderID}} to {{.F.Recipient.Name}}.</p>
{{with .F.Tracking}}<p>{{if .Carrier}}Carrier: {{.Carrier}}<br>{{end}}{{if .Number}}Tracking number: {{.Number}}<br>{{end}}{{if .URL}}<a href="{{.URL}}">Track the parcel</a>{{end}}</p>{{end}}`)

// OnVendorMail mails the vendor's team (owners and staff with an active
// account) of a new order, with a link to its packing manifest.
func (s *Service) OnVendorMail(ctx context.Context, m queue.Meta, j VendorMail) error {
	f, err := s.orders.VendorOrderByID(ctx, j.VendorOrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if f.Status == orders.VendorOrderCancelled {
		return nil
	}
	users, err := s.users.ListUsers(ctx, "", f.VendorID)
	if err != nil {
		return err
	}
	var to []string
	for _, u := range users {
		if u.DisabledAt == nil {
			to = append(to, u.Email)
		}
	}
	if len(to) == 0 {
		s.log.WarnContext(ctx, "fulfilment: a vendor with no active users has a new order", "vendor_id", f.VendorID, "vendor_order_id", f.ID)
		return nil
	}
	link, err := s.link(ctx, f, MailLinkTTL)
	if err != nil {
		return err
	}
	data := map[string]any{"F": viewOf(f), "Manifest": link.URL, "OrderURL": s.url("/vendor/")}
	return sendErr(s.post.Send(ctx, vendorNewOrder, to, data, m.IdempotencyKey("vendor-new-order")))
}

// OnShipped is the orders.shipped handler: the buyer hears that a vendor's
// part is on its way, with its tracking.
func (s *Service) OnShipped(ctx context.Context, m queue.Meta, j orders.Shipped) error {
	f, err := s.orders.VendorOrderByID(ctx, j.VendorOrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	o, err := s.orders.OrderByID(ctx, f.OrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if o.BuyerEmail == "" {
		return nil
	}
	data := map[string]any{"F": viewOf(f)}
	return sendErr(s.post.Send(ctx, buyerShipped, []string{o.BuyerEmail}, data, m.IdempotencyKey("buyer-shipped")))
}

func (s *Service) url(path string) string { return strings.TrimSuffix(s.cfg.PublicURL, "/") + path }

func sendErr(err error) error {
	if mail.IsPermanent(err) {
		return queue.Permanent(err)
	}
	return err
}
