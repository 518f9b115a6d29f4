package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/mail/mailtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mailtest.Stop()
	os.Exit(code)
}

const testFrom = "Trove <orders@trove.example>"

func validMessage() Message {
	return Message{To: []string{"ann@buyer.example"}, Subject: "Your order", Text: "Hello"}
}

// invalidFields returns the fields an error of kind invalid names, failing the
// test for any other error.
func invalidFields(t *testing.T, err error) []string {
	t.Helper()
	if !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("error %v: want kind invalid, got %s", err, fault.KindOf(err))
	}
	var fe *fault.Error
	errors.As(err, &fe)
	var fields []string
	for _, f := range fe.Fields {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m *Message)
		field string // the field the error names; "" when valid
	}{
		{"minimal", func(m *Message) {}, ""},
		{"names, several recipients, html", func(m *Message) {
			m.To = []string{"Ann Lee <ann@buyer.example>", "Jörg Müller <jorg@buyer.example>", "<ops@buyer.example>"}
			m.Subject = "Votre commande est expédiée 🎁"
			m.HTML = "<p>Hello</p>"
		}, ""},
		{"no recipient", func(m *Message) { m.To = nil }, "to"},
		{"empty recipient", func(m *Message) { m.To = []string{""} }, "to[0]"},
		{"not an address", func(m *Message) { m.To = []string{"ann at buyer"} }, "to[0]"},
		{"second address bad", func(m *Message) { m.To = []string{"ann@buyer.example", "bob@"} }, "to[1]"},
		{"two addresses in one", func(m *Message) { m.To = []string{"ann@buyer.example, bob@buyer.example"} }, "to[0]"},
		{"CRLF in address", func(m *Message) { m.To = []string{"ann@buyer.example\r\nBcc: spy@evil.example"} }, "to[0]"},
		{"LF in display name", func(m *Message) { m.To = []string{"Ann\nBcc: spy@evil.example <ann@buyer.example>"} }, "to[0]"},
		{"non-ASCII mailbox", func(m *Message) { m.To = []string{"jörg@buyer.example"} }, "to[0]"},
		{"empty subject", func(m *Message) { m.Subject = "" }, "subject"},
		{"blank subject", func(m *Message) { m.Subject = " \t " }, "subject"},
		{"CR in subject", func(m *Message) { m.Subject = "Hi\rBcc: spy@evil.example" }, "subject"},
		{"LF in subject", func(m *Message) { m.Subject = "Hi\nBcc: spy@evil.example" }, "subject"},
		{"CRLF in subject", func(m *Message) { m.Subject = "Hi\r\nBcc: spy@evil.example" }, "subject"},
		{"subject not UTF-8", func(m *Message) { m.Subject = "caf\xe9" }, "subject"},
		{"subject of the longest length", func(m *Message) { m.Subject = strings.Repeat("é", maxSubject) }, ""},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("é", maxSubject+1) }, "subject"},
		{"empty text", func(m *Message) { m.Text = "" }, "text"},
		{"blank text", func(m *Message) { m.Text = "\r\n  \n" }, "text"},
		{"empty text with html", func(m *Message) { m.Text, m.HTML = "", "<p>Hello</p>" }, "text"},
		{"text not UTF-8", func(m *Message) { m.Text = "caf\xe9" }, "text"},
		{"html not UTF-8", func(m *Message) { m.HTML = "<p>caf\xe9</p>" }, "html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.edit(&m)
			err := m.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if fields := invalidFields(t, err); !slices.Equal(fields, []string{tt.field}) {
				t.Fatalf("Validate named fields %v (%v), want [%s]", fields, err, tt.field)
			}
		})
	}

	t.Run("every problem at once", func(t *testing.T) {
		err := Message{To: []string{"x"}, Subject: "a\nb"}.Validate()
		if fields := invalidFields(t, err); !slices.Equal(fields, []string{"subject", "text", "to[0]"}) {
			t.Fatalf("fields %v, want subject, text, to[0]", fields)
		}
	})
}

// Both drivers check the sender and the key before anything else, and say
// so with kind invalid, which a job handler does not retry.
func TestSendChecksSenderAndKey(t *testing.T) {
	// Nothing listens on port 1: a driver that got as far as connecting would
	// fail with something other than kind invalid.
	smtpDriver, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: 1, TLS: TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	drivers := map[string]Sender{"smtp": smtpDriver, "local": NewLocal()}

	tests := []struct {
		name     string
		from     string
		key      string
		bad      Message
		wantText string
	}{
		{name: "sender not an address", from: "orders", key: "k1", wantText: "sender"},
		{name: "sender with a line break", from: "orders@trove.example\r\nBcc: spy@evil.example", key: "k1", wantText: "line breaks"},
		{name: "no key", from: testFrom, key: "", wantText: "idempotency key is required"},
		{name: "key with a space", from: testFrom, key: "job 1", wantText: "printable ASCII"},
		{name: "key with a line break", from: testFrom, key: "job1\r\nBcc: spy@evil.example", wantText: "printable ASCII"},
		{name: "key not ASCII", from: testFrom, key: "jöb", wantText: "printable ASCII"},
		{name: "key too long", from: testFrom, key: strings.Repeat("k", maxKey+1), wantText: "at most"},
		{name: "invalid message", from: testFrom, key: "k1", bad: Message{To: []string{"ann@buyer.example"}}, wantText: "invalid fields"},
	}
	for name, d := range drivers {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				m := validMessage()
				if tt.bad.To != nil {
					m = tt.bad
				}
				err := d.Send(t.Context(), tt.from, m, tt.key)
				if !fault.Is(err, fault.KindInvalid) || !strings.Contains(err.Error(), tt.wantText) {
					t.Fatalf("Send: %v; want kind invalid mentioning %q", err, tt.wantText)
				}
			})
		}
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ key, want string }{
		{"job_01jd8x3k5q9v7w2n4m6p8r0t2y", "<job_01jd8x3k5q9v7w2n4m6p8r0t2y@trove>"},
		{"job_01jd8x3k5q:order-email", "<job_01jd8x3k5q=3Aorder-email@trove>"},
		{"a=3A", "<a=3D3A@trove>"}, // '=' is escaped too, so this differs from "a:"
		{"a:", "<a=3A@trove>"},
		{"a.b/c@d", "<a=2Eb=2Fc=40d@trove>"},
	}
	// RFC 5322 msg-id with a dot-atom-text left part.
	syntax := regexp.MustCompile("^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@trove>$")
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got := MessageID(tt.key)
			if got != tt.want {
				t.Fatalf("MessageID(%q) = %s, want %s", tt.key, got, tt.want)
			}
			if !syntax.MatchString(got) {
				t.Fatalf("MessageID(%q) = %s is not a valid msg-id", tt.key, got)
			}
		})
	}
}

func TestBuild(t *testing.T) {
	date := time.Date(2026, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		to   []string
		m    Message
	}{
		{"text only", []string{"ann@buyer.example"}, Message{
			Subject: "Your order has shipped",
			Text:    "Hello Ann,\n\nyour gifts are on their way.\n",
		}},
		{"text and html", []string{"Ann Lee <ann@buyer.example>"}, Message{
			Subject: "Your order has shipped",
			Text:    "Hello Ann,\n\nyour gifts are on their way.\n",
			HTML:    `<p style="margin:0">Hello Ann,</p><p>your gifts are <b>on their way</b>.</p>`,
		}},
		{"non-ASCII subject, names and bodies", []string{"Jörg Müller <jorg@buyer.example>", "Zoë <zoe@buyer.example>"}, Message{
			Subject: "Votre commande est expédiée — 🎁 100 € offerts",
			Text:    "Bonjour Jörg,\nvotre cadeau (½ kg de café) arrive ✓\n",
			HTML:    "<p>Bonjour Jörg,</p><p>votre cadeau (½ kg de café) arrive ✓</p>",
		}},
		{"long non-ASCII subject is folded", []string{"ann@buyer.example"}, Message{
			Subject: strings.Repeat("Überraschung für dich — ", 10),
			Text:    "x",
		}},
		{"long lines, trailing spaces, CRLF, =, dots", []string{"ann@buyer.example"}, Message{
			Subject: "Lines",
			Text:    strings.Repeat("0123456789 ", 300) + "\ntrailing space   \r\n.\n..\na=b =?utf-8?q?x?=\n",
			HTML:    "<p>" + strings.Repeat("long &amp; wide ", 200) + "</p>\n.\n",
		}},
		{"many recipients", manyAddresses(60), Message{Subject: "All hands", Text: "Hi all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.To = tt.to
			const key = "job_01jd8x3k5q:shipped"
			e, err := prepare(testFrom, tt.m, key)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := build(e, tt.m, date)
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, raw)

			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, raw)
			}
			h := msg.Header
			for name, want := range map[string]string{
				"Message-Id":              "<job_01jd8x3k5q=3Ashipped@trove>",
				"X-Trove-Idempotency-Key": key,
				"Mime-Version":            "1.0",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if got, err := h.Date(); err != nil || !got.Equal(date) {
				t.Errorf("Date = %v (%v), want %v", got, err, date)
			}
			if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "Trove" || from[0].Address != "orders@trove.example" {
				t.Errorf("From = %v (%v)", from, err)
			}
			to, err := h.AddressList("To")
			if err != nil {
				t.Fatalf("To: %v", err)
			}
			if len(to) != len(tt.to) {
				t.Fatalf("To has %d addresses, want %d", len(to), len(tt.to))
			}
			for i, a := range to {
				want, _ := mail.ParseAddress(tt.to[i])
				if *a != *want {
					t.Errorf("To[%d] = %+v, want %+v", i, *a, *want)
				}
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if err != nil || subject != tt.m.Subject {
				t.Errorf("Subject decodes to %q (%v), want %q", subject, err, tt.m.Subject)
			}

			parts := readParts(t, msg)
			want := []part{{"text/plain", tt.m.Text}}
			if tt.m.HTML != "" {
				want = append(want, part{"text/html", tt.m.HTML})
			}
			if len(parts) != len(want) {
				t.Fatalf("%d body parts, want %d", len(parts), len(want))
			}
			for i := range want {
				if parts[i].contentType != want[i].contentType {
					t.Errorf("part %d is %s, want %s", i, parts[i].contentType, want[i].contentType)
				}
				// Bodies travel with CRLF line ends whatever the input had.
				if got, w := lf(parts[i].body), lf(want[i].body); got != w {
					t.Errorf("part %d (%s) decodes to\n%q\nwant\n%q", i, want[i].contentType, got, w)
				}
			}
		})
	}

	t.Run("same key, same Message-ID", func(t *testing.T) {
		m := validMessage()
		var ids []string
		for i, key := range []string{"job_1:a", "job_1:a", "job_1:b"} {
			e, err := prepare(testFrom, m, key)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := build(e, m, date.Add(time.Duration(i)*time.Hour)) // a retry happens later
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, msg.Header.Get("Message-Id"))
		}
		if ids[0] != ids[1] || ids[0] == ids[2] {
			t.Fatalf("Message-IDs %q: want the first two equal and the third different", ids)
		}
	})
}

func manyAddresses(n int) []string {
	var to []string
	for i := range n {
		to = append(to, fmt.Sprintf("Guest Number %d <guest%d@buyer.example>", i, i))
	}
	return to
}

// checkWire holds raw to what any SMTP server takes without extensions:
// 7-bit ASCII, CRLF line ends only, lines of at most 998 bytes.
func checkWire(t *testing.T, raw []byte) {
	t.Helper()
	for i, c := range raw {
		if c >= 0x80 || c == 0 {
			t.Fatalf("byte %d is %#x: the message must be 7-bit ASCII", i, c)
		}
		if c == '\n' && (i == 0 || raw[i-1] != '\r') || c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			t.Fatalf("bare CR or LF at byte %d", i)
		}
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d is %d bytes long", i+1, len(line))
		}
	}
}

type part struct{ contentType, body string }

// readParts decodes the body of msg: one text/plain part, or the parts of a
// multipart/alternative.
func readParts(t *testing.T, msg *mail.Message) []part {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if mediaType == "text/plain" {
		if params["charset"] != "utf-8" || msg.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Fatalf("single part headers: %v", msg.Header)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		return []part{{mediaType, string(body)}}
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type %s, want text/plain or multipart/alternative", mediaType)
	}
	var parts []part
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pparams, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || pparams["charset"] != "utf-8" {
			t.Fatalf("part Content-Type %q (%v)", p.Header.Get("Content-Type"), err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part{pt, string(body)})
	}
}

func lf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestLocal(t *testing.T) {
	send := func(t *testing.T, l *Local, key, subject string) {
		t.Helper()
		m := validMessage()
		m.Subject = subject
		if err := l.Send(t.Context(), testFrom, m, key); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("keeps what was sent, newest first", func(t *testing.T) {
		l := NewLocal()
		before := time.Now()
		send(t, l, "job_1:a", "first")
		send(t, l, "job_2:a", "second")
		got := l.Messages()
		if len(got) != 2 || got[0].Subject != "second" || got[1].Subject != "first" {
			t.Fatalf("Messages = %+v", got)
		}
		s := got[1]
		if s.From != testFrom || s.IdempotencyKey != "job_1:a" || s.MessageID != MessageID("job_1:a") ||
			!slices.Equal(s.To, []string{"ann@buyer.example"}) || s.Text != "Hello" || s.SentAt.Before(before.Add(-time.Second)) {
			t.Fatalf("Sent = %+v", s)
		}
	})

	t.Run("dedupes by idempotency key", func(t *testing.T) {
		l := NewLocal()
		send(t, l, "job_1:a", "first")
		send(t, l, "job_1:a", "retry") // the same job again: succeeds, keeps the first
		send(t, l, "job_1:b", "other write of the same job")
		got := l.Messages()
		if len(got) != 2 || got[1].Subject != "first" || got[0].IdempotencyKey != "job_1:b" {
			t.Fatalf("Messages = %+v", got)
		}
	})

	t.Run("keeps the newest LocalLimit", func(t *testing.T) {
		l := NewLocal()
		const extra = 10
		for i := range LocalLimit + extra {
			send(t, l, fmt.Sprintf("k%d", i), fmt.Sprintf("s%d", i))
		}
		got := l.Messages()
		if len(got) != LocalLimit {
			t.Fatalf("%d messages, want %d", len(got), LocalLimit)
		}
		if got[0].IdempotencyKey != fmt.Sprintf("k%d", LocalLimit+extra-1) || got[LocalLimit-1].IdempotencyKey != fmt.Sprintf("k%d", extra) {
			t.Fatalf("kept %s … %s", got[0].IdempotencyKey, got[LocalLimit-1].IdempotencyKey)
		}
		// A dropped key is forgotten too; a still-held one is not.
		send(t, l, "k0", "again")
		send(t, l, fmt.Sprintf("k%d", extra+1), "dup")
		got = l.Messages()
		if len(got) != LocalLimit || got[0].Subject != "again" || got[LocalLimit-1].IdempotencyKey != fmt.Sprintf("k%d", extra+1) {
			t.Fatalf("after resend: newest %+v, oldest %+v", got[0], got[LocalLimit-1])
		}
	})

	t.Run("kept across a restart with a store", func(t *testing.T) {
		store := &jsonStore{}
		l, err := OpenLocal(store, nil)
		if err != nil {
			t.Fatal(err)
		}
		send(t, l, "job_1:a", "first")
		send(t, l, "job_2:a", "second")
		again, err := OpenLocal(store, nil) // the restart
		if err != nil {
			t.Fatal(err)
		}
		send(t, again, "job_1:a", "a retry of a job sent before the restart")
		got := again.Messages()
		if len(got) != 2 || got[0].Subject != "second" || got[1].Subject != "first" || got[1].MessageID != MessageID("job_1:a") ||
			!slices.Equal(got[1].To, []string{"ann@buyer.example"}) || got[1].SentAt.IsZero() {
			t.Fatalf("after the restart: %+v", got)
		}
		if _, err := OpenLocal(&jsonStore{data: []byte("{")}, nil); err == nil {
			t.Fatal("a broken store: want an error")
		}
	})

	t.Run("copies recipients in and out", func(t *testing.T) {
		l := NewLocal()
		m := validMessage()
		if err := l.Send(t.Context(), testFrom, m, "k"); err != nil {
			t.Fatal(err)
		}
		m.To[0] = "changed@caller.example"
		l.Messages()[0].To[0] = "changed@reader.example"
		if got := l.Messages()[0].To[0]; got != "ann@buyer.example" {
			t.Fatalf("stored recipient changed to %s", got)
		}
	})

	t.Run("refuses invalid mail and an ended context", func(t *testing.T) {
		l := NewLocal()
		if err := l.Send(t.Context(), testFrom, Message{}, "k"); !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("invalid message: %v", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := l.Send(ctx, testFrom, validMessage(), "k"); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: %v", err)
		}
		if n := len(l.Messages()); n != 0 {
			t.Fatalf("kept %d messages", n)
		}
	})

	t.Run("concurrent senders and readers", func(t *testing.T) {
		l := NewLocal()
		const workers, each, keys = 8, 200, 300
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					// Workers overlap on keys, as redelivered jobs would.
					key := fmt.Sprintf("k%d", (w*each+i)%keys)
					if err := l.Send(t.Context(), testFrom, validMessage(), key); err != nil {
						t.Error(err)
						return
					}
					if i%20 == 0 {
						l.Messages()
					}
				}
			})
		}
		wg.Wait()
		got := l.Messages()
		seen := map[string]bool{}
		for _, s := range got {
			if seen[s.IdempotencyKey] {
				t.Fatalf("key %s kept twice", s.IdempotencyKey)
			}
			seen[s.IdempotencyKey] = true
		}
		if len(got) != keys {
			t.Fatalf("%d messages, want %d (one per key)", len(got), keys)
		}
	})
}

func TestNewSMTP(t *testing.T) {
	tests := []struct {
		name    string
		cfg     SMTPConfig
		wantErr string // "" when valid
	}{
		{"plain", SMTPConfig{Host: "mail.example", Port: 25, TLS: TLSNone}, ""},
		{"starttls with auth", SMTPConfig{Host: "smtp.example", Port: 587, TLS: TLSStartTLS, Username: "u", Password: "p"}, ""},
		{"implicit tls with auth", SMTPConfig{Host: "smtp.example", Port: 465, TLS: TLSImplicit, Username: "u", Password: "p"}, ""},
		{"auth in clear text to localhost", SMTPConfig{Host: "127.0.0.1", Port: 1025, TLS: TLSNone, Username: "u"}, ""},
		{"no host", SMTPConfig{Port: 25, TLS: TLSNone}, "host is required"},
		{"no port", SMTPConfig{Host: "mail.example", TLS: TLSNone}, "out of range"},
		{"port too big", SMTPConfig{Host: "mail.example", Port: 65536, TLS: TLSNone}, "out of range"},
		{"no TLS mode", SMTPConfig{Host: "mail.example", Port: 25}, "TLS mode"},
		{"unknown TLS mode", SMTPConfig{Host: "mail.example", Port: 25, TLS: "ssl"}, "TLS mode"},
		{"password without user", SMTPConfig{Host: "mail.example", Port: 25, TLS: TLSStartTLS, Password: "p"}, "without a username"},
		{"auth in clear text to a remote host", SMTPConfig{Host: "smtp.example", Port: 25, TLS: TLSNone, Username: "u", Password: "p"}, "needs TLS"},
		{"negative timeout", SMTPConfig{Host: "mail.example", Port: 25, TLS: TLSNone, Timeout: -time.Second}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSMTP(tt.cfg)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("NewSMTP: %v; want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// smtpTo returns an SMTP driver for a mailpit.
func smtpTo(t *testing.T, srv *mailtest.Server, edit func(*SMTPConfig)) *SMTP {
	t.Helper()
	cfg := SMTPConfig{Host: srv.Host, Port: srv.SMTPPort, TLS: TLSNone, Timeout: 10 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// uniqueKey gives each send to the shared mailpit a key, and so a Message-ID,
// of its own.
func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("job_%d:%s", time.Now().UnixNano(), strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()))
}

func TestSMTPToMailpit(t *testing.T) {
	srv := mailtest.Endpoint(t)
	date := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	s := smtpTo(t, srv, func(c *SMTPConfig) { c.Clock = clock.NewFake(date) })

	tests := []struct {
		name string
		m    Message
	}{
		{"text and html to two recipients", Message{
			To:      []string{"Jörg Müller <jorg@buyer.example>", "ann@buyer.example"},
			Subject: "Votre commande est expédiée — 🎁",
			Text:    "Bonjour Jörg,\n\nvotre cadeau (½ kg de café) arrive ✓\n" + strings.Repeat("long line ", 40) + "\n",
			HTML:    "<!DOCTYPE html><html><body><p>Bonjour Jörg,</p><p>votre cadeau (½ kg de café) arrive ✓</p></body></html>",
		}},
		{"text only", Message{
			To:      []string{"ops@vendor.example"},
			Subject: "Packing manifest ready",
			Text:    "Order ord_123 is ready to pack.\n.\nA line with only a dot above.\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := uniqueKey(t)
			if err := s.Send(t.Context(), testFrom, tt.m, key); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Await(t, MessageID(key))

			if got.Subject != tt.m.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.m.Subject)
			}
			if got.From.Address != "orders@trove.example" || got.From.Name != "Trove" {
				t.Errorf("From = %+v", got.From)
			}
			var to []mailtest.Address
			for _, a := range tt.m.To {
				p, _ := mail.ParseAddress(a)
				to = append(to, mailtest.Address{Name: p.Name, Address: p.Address})
			}
			if !slices.Equal(got.To, to) {
				t.Errorf("To = %+v, want %+v", got.To, to)
			}
			if lf(got.Text) != tt.m.Text {
				t.Errorf("Text = %q, want %q", got.Text, tt.m.Text)
			}
			if got.HTML != tt.m.HTML {
				t.Errorf("HTML = %q, want %q", got.HTML, tt.m.HTML)
			}
			h := srv.Headers(t, got.ID)
			if v := h["X-Trove-Idempotency-Key"]; !slices.Equal(v, []string{key}) {
				t.Errorf("X-Trove-Idempotency-Key = %q, want %q", v, key)
			}
			if v := h["Date"]; len(v) != 1 || v[0] != date.Format(time.RFC1123Z) {
				t.Errorf("Date = %q", v)
			}
		})
	}

	t.Run("STARTTLS required but not offered", func(t *testing.T) {
		s := smtpTo(t, srv, func(c *SMTPConfig) { c.TLS = TLSStartTLS })
		err := s.Send(t.Context(), testFrom, validMessage(), uniqueKey(t))
		if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") || errors.Is(err, ErrRejected) {
			t.Fatalf("Send: %v; want a retryable STARTTLS error", err)
		}
	})
}

func TestSMTPRejections(t *testing.T) {
	t.Run("recipient refused for good", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.Start(t, "--smtp-allowed-recipients", `^ok@`)
		s := smtpTo(t, srv, nil)
		for _, to := range [][]string{{"nobody@buyer.example"}, {"ok@buyer.example", "nobody@buyer.example"}} {
			m := validMessage()
			m.To = to
			err := s.Send(t.Context(), testFrom, m, uniqueKey(t))
			var te *textproto.Error
			if !errors.Is(err, ErrRejected) || !errors.As(err, &te) || te.Code != 550 || !strings.Contains(err.Error(), "nobody@buyer.example") {
				t.Fatalf("Send to %v: %v; want ErrRejected with the server's 550", to, err)
			}
		}
		// No partial delivery: the accepted recipient got nothing either.
		if n := len(srv.Messages(t)); n != 0 {
			t.Fatalf("mailpit holds %d messages, want 0", n)
		}
		m := validMessage()
		m.To = []string{"ok@buyer.example"}
		key := uniqueKey(t)
		if err := s.Send(t.Context(), testFrom, m, key); err != nil {
			t.Fatalf("Send to an allowed recipient: %v", err)
		}
		srv.Await(t, MessageID(key))
	})

	t.Run("temporary failure is retryable", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.Start(t, "--enable-chaos", "--chaos-triggers", "Recipient:451:100")
		err := smtpTo(t, srv, nil).Send(t.Context(), testFrom, validMessage(), uniqueKey(t))
		var te *textproto.Error
		if err == nil || errors.Is(err, ErrRejected) || !errors.As(err, &te) || te.Code != 451 {
			t.Fatalf("Send: %v; want the server's 451, not ErrRejected", err)
		}
	})
}

// The TLS modes and AUTH PLAIN, against mailpit with a certificate from a CA
// made for the test.
func TestSMTPTLSAndAuth(t *testing.T) {
	cert, key, roots := testCertificate(t)
	tests := []struct {
		name  string
		flags []string
		cfg   func(*SMTPConfig)
	}{
		{"starttls", []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls", "--smtp-auth-accept-any"},
			func(c *SMTPConfig) { c.TLS = TLSStartTLS }},
		{"implicit tls", []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls", "--smtp-auth-accept-any"},
			func(c *SMTPConfig) { c.TLS = TLSImplicit }},
		{"clear text to localhost", []string{"--smtp-auth-accept-any", "--smtp-auth-allow-insecure"},
			func(c *SMTPConfig) { c.TLS = TLSNone }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.Start(t, tt.flags...)
			s := smtpTo(t, srv, func(c *SMTPConfig) {
				tt.cfg(c)
				c.Username, c.Password = "trove", "s3cret"
				c.TLSConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
			})
			key := uniqueKey(t)
			if err := s.Send(t.Context(), testFrom, validMessage(), key); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := srv.Await(t, MessageID(key)); got.Username != "trove" {
				t.Fatalf("mailpit saw user %q, want trove", got.Username)
			}
		})
	}

	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.Start(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls")
		s := smtpTo(t, srv, func(c *SMTPConfig) { c.TLS = TLSImplicit }) // system roots only
		var unknown x509.UnknownAuthorityError
		if err := s.Send(t.Context(), testFrom, validMessage(), uniqueKey(t)); !errors.As(err, &unknown) {
			t.Fatalf("Send: %v; want an unknown-authority error", err)
		}
	})
}

// testCertificate writes a self-signed certificate for 127.0.0.1 and returns
// the cert and key file paths and a pool that trusts it.
func testCertificate(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailpit test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(parsed)
	return certFile, keyFile, roots
}

// A server that accepts and then says nothing must not hold a send past the
// context's deadline, the driver's timeout, or a cancel.
func TestSMTPStalledServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, silent
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	port := ln.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name    string
		timeout time.Duration // the driver's
		ctx     func(context.Context) (context.Context, context.CancelFunc)
		want    error
	}{
		{"context deadline", time.Minute, func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 200*time.Millisecond)
		}, context.DeadlineExceeded},
		{"driver timeout", 200 * time.Millisecond, func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithCancel(ctx)
		}, context.DeadlineExceeded},
		{"cancel", time.Minute, func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, Timeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			start := time.Now()
			err = s.Send(ctx, testFrom, validMessage(), "k")
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("Send took %s", took)
			}
			if !errors.Is(err, tt.want) || errors.Is(err, ErrRejected) {
				t.Fatalf("Send: %v; want %v", err, tt.want)
			}
		})
	}
}

// A 5xx to the message itself (here: too big) is a refusal for good too.
func TestSMTPMessageRefused(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, "--max-message-size", "1") // MB
	m := validMessage()
	m.Text = strings.Repeat("0123456789abcdef\n", 70_000) // 1.2 MB
	err := smtpTo(t, srv, nil).Send(t.Context(), testFrom, m, uniqueKey(t))
	var te *textproto.Error
	if !errors.Is(err, ErrRejected) || !errors.As(err, &te) || te.Code != 552 {
		t.Fatalf("Send: %v; want ErrRejected with the server's 552", err)
	}
}

// jsonStore is a LocalStore in memory that, like a file, keeps only the
// JSON of what was saved.
type jsonStore struct {
	mu   sync.Mutex
	data []byte
}

func (j *jsonStore) Load(v any) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.data == nil {
		return false, nil
	}
	return true, json.Unmarshal(j.data, v)
}

func (j *jsonStore) Save(v any) error {
	b, err := json.Marshal(v)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.data = b
	return err
}
