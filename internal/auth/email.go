package auth

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

type emailTemplate struct {
	subject string
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// emailTemplates are auth's emails: a plain-text part every client shows, and
// an HTML part (html/template escapes what we put in it).
var emailTemplates = map[string]emailTemplate{
	"invite": {
		subject: "You're invited to {{.VendorName}} on Trove",
		text: texttemplate.Must(texttemplate.New("t").Parse(`Hello,

You have been invited to join {{.VendorName}} on Trove, the B2B gifting platform.

Accept the invitation and choose your password here (the link works once, for 7 days):
{{.Link}}

If you did not expect this, ignore this email.

— Trove
`)),
		html: htmltemplate.Must(htmltemplate.New("h").Parse(`<p>Hello,</p>
<p>You have been invited to join <strong>{{.VendorName}}</strong> on Trove, the B2B gifting platform.</p>
<p><a href="{{.Link}}">Accept the invitation and choose your password</a> (the link works once, for 7 days).</p>
<p>If you did not expect this, ignore this email.</p>
<p>— Trove</p>`)),
	},
	"password_reset": {
		subject: "Reset your Trove password",
		text: texttemplate.Must(texttemplate.New("t").Parse(`Hello,

Someone (we hope you) asked to reset the password of your Trove account.

Choose a new password here (the link works once, for one hour):
{{.Link}}

If it was not you, ignore this email: your password stays as it is.

— Trove
`)),
		html: htmltemplate.Must(htmltemplate.New("h").Parse(`<p>Hello,</p>
<p>Someone (we hope you) asked to reset the password of your Trove account.</p>
<p><a href="{{.Link}}">Choose a new password</a> (the link works once, for one hour).</p>
<p>If it was not you, ignore this email: your password stays as it is.</p>
<p>— Trove</p>`)),
	},
}

// EmailHandler returns the job handler that sends auth's emails through sender.
func EmailHandler(s *Service, sender mail.Sender, from string) func(ctx context.Context, m queue.Meta, j EmailJob) error {
	return func(ctx context.Context, m queue.Meta, j EmailJob) error {
		tpl, ok := emailTemplates[j.Template]
		if !ok {
			return queue.Permanent(errors.New("auth: unknown email template " + j.Template))
		}
		token, err := s.OpenEmailToken(j)
		if err != nil {
			return queue.Permanent(err)
		}
		link, err := s.EmailLink(j.Template, token)
		if err != nil {
			return queue.Permanent(err)
		}
		data := struct{ VendorName, Link string }{j.VendorName, link}
		var subject, text, html bytes.Buffer
		if err := texttemplate.Must(texttemplate.New("s").Parse(tpl.subject)).Execute(&subject, data); err != nil {
			return queue.Permanent(err)
		}
		if err := tpl.text.Execute(&text, data); err != nil {
			return queue.Permanent(err)
		}
		if err := tpl.html.Execute(&html, data); err != nil {
			return queue.Permanent(err)
		}
		err = sender.Send(ctx, from, mail.Message{To: []string{j.To}, Subject: subject.String(), Text: text.String(), HTML: html.String()},
			m.IdempotencyKey("email"))
		if errors.Is(err, mail.ErrRejected) || fault.Is(err, fault.KindInvalid) {
			return queue.Permanent(err)
		}
		return err
	}
}
