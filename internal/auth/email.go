package auth

import (
	"context"
	"errors"

	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// emailTemplates are auth's emails, by EmailJob.Template.
var emailTemplates = map[string]*mail.Template{
	"invite": mail.NewTemplate("invite", `You're invited to {{.VendorName}} on {{platform}}`,
		`Hello,

You have been invited to join {{.VendorName}} on {{platform}}, the B2B gifting platform.

Accept the invitation and choose your password here (the link works once, for 7 days):
{{.Link}}

If you did not expect this, ignore this email.
`, `<p>Hello,</p>
<p>You have been invited to join <strong>{{.VendorName}}</strong> on {{platform}}, the B2B gifting platform.</p>
<p><a href="{{.Link}}">Accept the invitation and choose your password</a> (the link works once, for 7 days).</p>
<p>If you did not expect this, ignore this email.</p>`),
	"password_reset": mail.NewTemplate("password_reset", `Reset your {{platform}} password`,
		`Hello,

Someone (we hope you) asked to reset the password of your {{platform}} account.

Choose a new password here (the link works once, for one hour):
{{.Link}}

If it was not you, ignore this email: your password stays as it is.
`, `<p>Hello,</p>
<p>Someone (we hope you) asked to reset the password of your {{platform}} account.</p>
<p><a href="{{.Link}}">Choose a new password</a> (the link works once, for one hour).</p>
<p>If it was not you, ignore this email: your password stays as it is.</p>`),
}

// EmailHandler returns the job handler that sends auth's emails.
func EmailHandler(s *Service, post mail.Postman) func(ctx context.Context, m queue.Meta, j EmailJob) error {
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
		err = post.Send(ctx, tpl, []string{j.To}, data, m.IdempotencyKey("email"))
		if mail.IsPermanent(err) {
			return queue.Permanent(err)
		}
		return err
	}
}
