package payments

import (
	"context"

	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

var refundMail = mail.NewTemplate("refund", `Your {{platform}} refund of {{.Refund.Amount}} for order {{.Refund.OrderID}}`,
	`We have refunded {{.Refund.Amount}} of your order {{.Refund.OrderID}} to the card you paid with.
{{if .Refund.Reason}}
Reason: {{.Refund.Reason}}
{{end}}
Banks usually show a refund within 5 to 10 business days.

Refunded on this order so far: {{.Refunded}} of {{.Total}}.
`, `<p>We have refunded <strong>{{.Refund.Amount}}</strong> of your order {{.Refund.OrderID}} to the card you paid with.</p>
{{if .Refund.Reason}}<p>Reason: {{.Refund.Reason}}</p>{{end}}
<p>Banks usually show a refund within 5 to 10 business days.</p>
<p>Refunded on this order so far: {{.Refunded}} of {{.Total}}.</p>`)

// lateRefundMail tells the buyer of an order that will not ship (their
// payment arrived after its goods were gone, or after it was canceled) that
// it is canceled and refunded in full.
var lateRefundMail = mail.NewTemplate("late-refund", `Your {{platform}} order {{.Refund.OrderID}} is canceled and refunded in full`,
	`Your payment for order {{.Refund.OrderID}} reached us after the order could no longer be filled: its items were no longer held for you, and they are no longer available.

We have canceled the order and refunded the full amount, {{.Refund.Amount}}, to the card you paid with. Nothing will be shipped, and you owe nothing.

Banks usually show a refund within 5 to 10 business days. We are sorry for the trouble.
`, `<p>Your payment for order {{.Refund.OrderID}} reached us after the order could no longer be filled: its items were no longer held for you, and they are no longer available.</p>
<p>We have canceled the order and refunded <strong>the full amount, {{.Refund.Amount}}</strong>, to the card you paid with. Nothing will be shipped, and you owe nothing.</p>
<p>Banks usually show a refund within 5 to 10 business days. We are sorry for the trouble.</p>`)

// RefundMailHandler returns the payments.refund_succeeded handler that tells
// the buyer their money is on its way back (for a payment that arrived for an
// order that will not ship, that the order is canceled and refunded in full).
func RefundMailHandler(r *Refunds, post mail.Postman) func(ctx context.Context, m queue.Meta, j RefundSucceededJob) error {
	return func(ctx context.Context, m queue.Meta, j RefundSucceededJob) error {
		ref, err := r.Refund(ctx, j.RefundID)
		if err != nil {
			return queue.PermanentIfNotFound(err)
		}
		o, err := r.orders.OrderByID(ctx, ref.OrderID)
		if err != nil {
			return err
		}
		if o.BuyerEmail == "" {
			return nil
		}
		data := map[string]any{"Refund": ref, "Refunded": o.Refunded, "Total": o.Total}
		tmpl := refundMail
		if ref.Source == SourceSystem && ref.Kind == KindOrder {
			tmpl = lateRefundMail
		}
		err = post.Send(ctx, tmpl, []string{o.BuyerEmail}, data, m.IdempotencyKey("refund-mail"))
		if mail.IsPermanent(err) {
			return queue.Permanent(err)
		}
		return err
	}
}
