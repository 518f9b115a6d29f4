// Package mail sends email. Two drivers implement Sender: SMTP, for a real
// relay (and mailpit in tests), and Local, which keeps mail for the sandbox
// inbox page (across restarts, with a LocalStore) and for tests.
//
// Mail goes out from jobs, and a job may run again after the server accepted
// its message but before the job was marked done: SMTP has no idempotency of
// its own. So every send carries an idempotency key derived from the job id,
// and the message's Message-ID is made from that key alone. A resend of the
// same job is then the same message to anything that dedupes on Message-ID
// (Local does; so does mailpit with --ignore-duplicate-ids), and at worst a
// recognisable duplicate in an inbox.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Sender sends one message. from is the sender's address, such as
// `Trove <orders@trove.example>`. idempotencyKey is derived by the caller from
// its job id (queue.Meta.IdempotencyKey): stable across retries of one send and
// distinct between sends.
//
// An invalid message, sender or key is an error of kind invalid; retrying it
// cannot help. A permanent refusal by the server wraps ErrRejected. Anything
// else (connection trouble, a 4xx reply, the context ending) is worth a retry.
type Sender interface {
	Send(ctx context.Context, from string, m Message, idempotencyKey string) error
}

// ErrRejected is wrapped by the error of a send that the mail server refused
// for good (a 5xx reply to a recipient or to the message itself), so a job
// handler can give up instead of retrying: errors.Is(err, mail.ErrRejected).
var ErrRejected = errors.New("mail: permanently rejected by the server")

// Message is one email, before a driver gives it a sender, a date and ids.
type Message struct {
	To      []string // one or more addresses, like "a@b.example" or "Ann <a@b.example>"
	Subject string   // plain text; encoded for the header when not ASCII
	Text    string   // the plain-text body; required, so every client can show something
	HTML    string   // optional HTML body, sent as the alternative to Text
}

const (
	maxSubject = 255 // characters; keeps the header well under SMTP's 998-byte line limit
	maxKey     = 200 // bytes; the key is repeated in two headers
)

// Validate reports every problem with m as one error of kind invalid.
func (m Message) Validate() error {
	var f fault.Fields
	if len(m.To) == 0 {
		f.Add("to", "at least one recipient is required")
	}
	for i, a := range m.To {
		if _, err := parseAddress(a); err != nil {
			f.Add(fmt.Sprintf("to[%d]", i), "%v", err)
		}
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		f.Add("subject", "a subject is required")
	case strings.ContainsAny(m.Subject, "\r\n"):
		// A line break would end the header and let the rest inject new ones.
		f.Add("subject", "must not contain line breaks")
	case !utf8.ValidString(m.Subject):
		f.Add("subject", "must be UTF-8")
	case utf8.RuneCountInString(m.Subject) > maxSubject:
		f.Add("subject", "must be at most %d characters", maxSubject)
	}
	switch {
	case strings.TrimSpace(m.Text) == "":
		f.Add("text", "a plain-text body is required")
	case !utf8.ValidString(m.Text):
		f.Add("text", "must be UTF-8")
	}
	if !utf8.ValidString(m.HTML) {
		f.Add("html", "must be UTF-8")
	}
	return f.Err()
}

// parseAddress parses one address, refusing what would be unsafe or
// undeliverable in a header or an SMTP envelope.
func parseAddress(s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("must not contain line breaks")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid email address", s)
	}
	// A non-ASCII mailbox needs the server's SMTPUTF8 extension, which net/smtp
	// does not negotiate; a non-ASCII display name is fine (it gets encoded).
	for i := 0; i < len(a.Address); i++ {
		if a.Address[i] >= utf8.RuneSelf {
			return nil, fmt.Errorf("%q: internationalised addresses are not supported", s)
		}
	}
	return a, nil
}

// envelope is a validated send: what both drivers need before they act.
type envelope struct {
	from *mail.Address
	to   []*mail.Address
	key  string
}

func prepare(from string, m Message, key string) (envelope, error) {
	if err := m.Validate(); err != nil {
		return envelope{}, err
	}
	f, err := parseAddress(from)
	if err != nil {
		return envelope{}, fault.Invalid("mail: sender: %v", err)
	}
	if err := checkKey(key); err != nil {
		return envelope{}, err
	}
	to := make([]*mail.Address, len(m.To))
	for i, a := range m.To {
		to[i], _ = parseAddress(a) // Validate has parsed each one already
	}
	return envelope{from: f, to: to, key: key}, nil
}

// checkKey keeps the key to printable ASCII without spaces: it goes verbatim
// into a header, where a line break would inject headers.
func checkKey(key string) error {
	if key == "" {
		return fault.Invalid("mail: an idempotency key is required")
	}
	if len(key) > maxKey {
		return fault.Invalid("mail: the idempotency key must be at most %d bytes", maxKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] > '~' {
			return fault.Invalid("mail: the idempotency key must be printable ASCII without spaces")
		}
	}
	return nil
}

// MessageID returns the Message-ID header value for an idempotency key, such as
// "<job_01jd8x3k5q=3Aorder-email@trove>". It depends on the key alone, so every
// attempt of one send has the same Message-ID. Bytes other than letters, digits,
// '-' and '_' are written as =XX: keys hold ':' (queue.Meta.IdempotencyKey),
// which a Message-ID may not, and escaping '=' too keeps distinct keys distinct.
func MessageID(idempotencyKey string) string {
	var b strings.Builder
	b.WriteByte('<')
	for i := 0; i < len(idempotencyKey); i++ {
		c := idempotencyKey[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteString("@trove>")
	return b.String()
}

// build writes the message as RFC 5322 + MIME bytes, all 7-bit ASCII with CRLF
// line ends, so it needs no SMTP extension: the subject and display names are
// RFC 2047 encoded words, the bodies quoted-printable UTF-8.
func build(e envelope, m Message, date time.Time) ([]byte, error) {
	var buf bytes.Buffer
	header := func(name, value string) {
		buf.WriteString(name)
		buf.WriteString(": ")
		buf.WriteString(value)
		buf.WriteString("\r\n")
	}
	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	header("From", e.from.String())
	header("To", strings.Join(to, ",\r\n ")) // folded, so many recipients stay under the line limit
	header("Subject", encodeSubject(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", MessageID(e.key))
	header("X-Trove-Idempotency-Key", e.key)
	header("MIME-Version", "1.0")

	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := writeQP(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}

	mw := multipart.NewWriter(&buf)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	// Plain first: a client shows the last alternative it understands.
	for _, p := range []struct{ contentType, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeSubject leaves an ASCII subject as it is and turns any other into
// encoded words, one per folded line (a decoder drops the whitespace between
// adjacent encoded words, so the fold does not reach the text).
func encodeSubject(s string) string {
	return strings.ReplaceAll(mime.QEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}
