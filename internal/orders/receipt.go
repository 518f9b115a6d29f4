package orders

import (
	"context"

	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

var receipt = mail.NewTemplate("receipt", `Your {{platform}} order {{.ID}}`, `Thank you for your order.

Order {{.ID}}
{{range .Lines}}- {{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}: {{.Amount}}
{{end}}
Total paid: {{.Total}}
{{if .Recipient}}
Gifts go to {{.Recipient.Name}}.{{end}}
Each vendor ships its part; we will write when it is on its way.
`, `<p>Thank you for your order.</p>
<p><strong>Order {{.ID}}</strong></p>
<table>{{range .Lines}}<tr><td>{{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}</td><td>{{.Amount}}</td></tr>{{end}}
<tr><td><strong>Total paid</strong></td><td><strong>{{.Total}}</strong></td></tr></table>
{{if .Recipient}}<p>Gifts go to {{.Recipient.Name}}.</p>{{end}}
<p>Each vendor ships its part; we will write when it is on its way.</p>`)

// ReceiptHandler returns the orders.paid handler that mails the buyer a
// receipt. The job's id makes the mail's idempotency key, so a retried job
// does not send twice.
func ReceiptHandler(s *Store, post mail.Postman) func(ctx context.Context, m queue.Meta, p Paid) error {
	return func(ctx context.Context, m queue.Meta, p Paid) error {
		o, err := s.OrderByID(ctx, p.OrderID)
		if err != nil {
			return queue.PermanentIfNotFound(err)
		}
		if o.BuyerEmail == "" {
			return nil // nobody to write to
		}
		err = post.Send(ctx, receipt, []string{o.BuyerEmail}, o, m.IdempotencyKey("receipt"))
		if mail.IsPermanent(err) {
			return queue.Permanent(err)
		}
		return err
	}
}
