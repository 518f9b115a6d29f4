package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Brand is how the platform signs its mail: every message carries its name
// (and a link to it) in one layout, so no template repeats it.
type Brand struct {
	Name string // "Trove"
	URL  string // "https://trove.example.com"
}

// Template is one kind of message: a subject, a plain-text body and an HTML
// body, each a Go template over the same data. The plain text is what every
// client can show; the HTML is html/template, so what the data holds is
// escaped. Both bodies are set in the platform's layout; the templates may
// call {{platform}} for the platform's name.
type Template struct {
	name    string
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// placeholder funcs let the templates parse; Render binds the real brand.
var parseFuncs = map[string]any{"platform": func() string { return "" }, "platformURL": func() string { return "" }}

const textLayout = `{{template "body" .}}
-- 
{{platform}}{{with platformURL}}
{{.}}{{end}}
`

const htmlLayout = `<!doctype html>
<html><body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5; max-width: 640px; margin: 0 auto; padding: 16px;">
<p style="font-size: 20px; font-weight: 600; margin: 0 0 16px;">{{platform}}</p>
{{template "body" .}}
<hr style="border: none; border-top: 1px solid #e4e7eb; margin: 24px 0 8px;">
<p style="font-size: 12px; color: #7b8794;">{{platform}}{{with platformURL}} · <a href="{{.}}">{{.}}</a>{{end}}</p>
</body></html>
`

// NewTemplate parses a message's templates. They are constants of the code,
// so a parse error panics at start-up rather than failing a job later.
func NewTemplate(name, subject, text, html string) *Template {
	return &Template{
		name:    name,
		subject: texttemplate.Must(texttemplate.New("subject").Funcs(parseFuncs).Parse(subject)),
		text:    texttemplate.Must(texttemplate.Must(texttemplate.New("layout").Funcs(parseFuncs).Parse(textLayout)).New("body").Parse(text)),
		html:    htmltemplate.Must(htmltemplate.Must(htmltemplate.New("layout").Funcs(parseFuncs).Parse(htmlLayout)).New("body").Parse(html)),
	}
}

// Render makes the message for data, to the given recipients.
func (t *Template) Render(b Brand, to []string, data any) (Message, error) {
	funcs := map[string]any{"platform": func() string { return b.Name }, "platformURL": func() string { return b.URL }}
	var subject, text, html bytes.Buffer
	st, err := t.subject.Clone()
	if err == nil {
		err = st.Funcs(funcs).Execute(&subject, data)
	}
	if err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", t.name, err)
	}
	tt, err := t.text.Clone()
	if err == nil {
		err = tt.Funcs(funcs).ExecuteTemplate(&text, "layout", data)
	}
	if err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", t.name, err)
	}
	ht, err := t.html.Clone()
	if err == nil {
		err = ht.Funcs(funcs).ExecuteTemplate(&html, "layout", data)
	}
	if err != nil {
		return Message{}, fmt.Errorf("mail: %s html: %w", t.name, err)
	}
	return Message{To: to, Subject: strings.TrimSpace(subject.String()), Text: text.String(), HTML: html.String()}, nil
}

// Postman sends templated mail from the platform's address, signed with its
// brand. Job handlers hold one.
type Postman struct {
	Sender Sender
	From   string
	Brand  Brand
}

// Send renders t for data and sends it to the recipients. idempotencyKey is
// derived from the sending job's id (see Sender). A template that cannot
// render, a message or address that is invalid, and a refusal by the server
// are permanent (IsPermanent): retrying cannot help.
func (p Postman) Send(ctx context.Context, t *Template, to []string, data any, idempotencyKey string) error {
	m, err := t.Render(p.Brand, to, data)
	if err != nil {
		return fault.Wrap(fault.KindInvalid, err, "%v", err)
	}
	return p.Sender.Send(ctx, p.From, m, idempotencyKey)
}

// IsPermanent reports whether a send failed for good: a rejected or invalid
// message. A job handler gives up on such an error instead of retrying.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrRejected) || fault.Is(err, fault.KindInvalid)
}
