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

// RefundMailHandler returns the payments.refund_succeeded handler that tells
// the buyer their money is on its way back.
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
		err = post.Send(ctx, refundMail, []string{o.BuyerEmail}, data, m.IdempotencyKey("refund-mail"))
		if mail.IsPermanent(err) {
			return queue.Permanent(err)
		}
		return err
	}
}
