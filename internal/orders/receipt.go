package orders

import (
	"bytes"
	"context"
	"errors"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

var receiptText = texttemplate.Must(texttemplate.New("t").Parse(`Thank you for your order.

Order {{.ID}}
{{range .Lines}}- {{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}: {{.Amount}}
{{end}}
Total paid: {{.Total}}
{{if .Recipient}}
Gifts go to {{.Recipient.Name}}.{{end}}
Each vendor ships its part; we will write when it is on its way.

— Trove
`))

var receiptHTML = htmltemplate.Must(htmltemplate.New("h").Parse(`<p>Thank you for your order.</p>
<p><strong>Order {{.ID}}</strong></p>
<table>{{range .Lines}}<tr><td>{{.Quantity}} × {{.Title}}{{if .VariantTitle}} ({{.VariantTitle}}){{end}}</td><td>{{.Amount}}</td></tr>{{end}}
<tr><td><strong>Total paid</strong></td><td><strong>{{.Total}}</strong></td></tr></table>
{{if .Recipient}}<p>Gifts go to {{.Recipient.Name}}.</p>{{end}}
<p>Each vendor ships its part; we will write when it is on its way.</p>
<p>— Trove</p>`))

// ReceiptHandler returns the orders.paid handler that mails the buyer a
// receipt. The job's id makes the mail's idempotency key, so a retried job
// does not send twice.
func ReceiptHandler(s *Store, sender mail.Sender, from string) func(ctx context.Context, m queue.Meta, p Paid) error {
	return func(ctx context.Context, m queue.Meta, p Paid) error {
		o, err := s.OrderByID(ctx, p.OrderID)
		if fault.Is(err, fault.KindNotFound) {
			return queue.Permanent(err)
		}
		if err != nil {
			return err
		}
		if o.BuyerEmail == "" {
			return nil // nobody to write to
		}
		var text, html bytes.Buffer
		if err := receiptText.Execute(&text, o); err != nil {
			return queue.Permanent(err)
		}
		if err := receiptHTML.Execute(&html, o); err != nil {
			return queue.Permanent(err)
		}
		err = sender.Send(ctx, from, mail.Message{To: []string{o.BuyerEmail}, Subject: "Your Trove order " + o.ID,
			Text: text.String(), HTML: html.String()}, m.IdempotencyKey("receipt"))
		if errors.Is(err, mail.ErrRejected) || fault.Is(err, fault.KindInvalid) {
			return queue.Permanent(err)
		}
		return err
	}
}
