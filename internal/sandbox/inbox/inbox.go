// Package inbox is the sandbox's mail client: what the local mail driver
// (mail.Local) has taken, as a small server-rendered inbox (a list, and each
// message with its links clickable) for `trove serve --sandbox`, or as JSON
// for a client that asks for it (Accept: application/json).
package inbox

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/mail"
)

//go:embed *.html
var pages embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"linkify": linkify}).ParseFS(pages, "*.html"))

// Handler serves the inbox of box under base (such as "/sandbox/mail"):
// base itself lists the messages, newest first, and base/{id} shows one.
// JSON answers keep the shape of mail.Sent: {"messages": [...]} for the
// list, the message itself for base/{id}.
func Handler(box *mail.Local, base string) http.Handler {
	base = strings.TrimSuffix(base, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.Trim(strings.TrimPrefix(r.URL.Path, base), "/")
		msgs := box.Messages()
		if rest == "" {
			if wantsJSON(r) {
				httpx.JSON(w, http.StatusOK, map[string]any{"messages": msgs})
				return
			}
			page := listPage{Base: base, Messages: make([]listItem, 0, len(msgs))}
			for _, m := range msgs {
				page.Messages = append(page.Messages, listItem{Href: base + "/" + ID(m), Subject: m.Subject,
					To: strings.Join(m.To, ", "), SentAt: m.SentAt.UTC()})
			}
			render(w, http.StatusOK, "list.html", page)
			return
		}
		for _, m := range msgs {
			if ID(m) == rest {
				if wantsJSON(r) {
					httpx.JSON(w, http.StatusOK, m)
					return
				}
				render(w, http.StatusOK, "message.html", messagePage{Base: base, Sent: m, To: strings.Join(m.To, ", "),
					SentAt: m.SentAt.UTC(), HTMLDoc: htmlDoc(m.HTML)})
				return
			}
		}
		if wantsJSON(r) {
			httpx.Error(w, r, fault.NotFound("no message %q in the sandbox inbox (it keeps the newest %d)", rest, mail.LocalLimit))
			return
		}
		render(w, http.StatusNotFound, "missing.html", listPage{Base: base, Limit: mail.LocalLimit})
	})
}

// ID names a message in the inbox's links: a digest of its idempotency key,
// the same across restarts and never reused for another message.
func ID(m mail.Sent) string {
	sum := sha256.Sum256([]byte(m.IdempotencyKey))
	return hex.EncodeToString(sum[:8])
}

type listPage struct {
	Base     string
	Messages []listItem
	Limit    int // how many messages the inbox keeps
}

type listItem struct {
	Href, Subject, To string
	SentAt            time.Time
}

type messagePage struct {
	Base string
	mail.Sent
	To      string
	SentAt  time.Time
	HTMLDoc string // the HTML body as the frame's document; "" when the message has none
}

// wantsJSON: the client asks for JSON and not for a page.
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/html":
			return false
		case "application/json", "application/problem+json":
			return true
		}
	}
	return false
}

func render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "the inbox page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page runs no script; the message's own HTML is shown in a frame
	// sandboxed without scripts, whose links open in a new tab.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// htmlDoc is the message's HTML with its links set to open in a new tab
// (the frame may not navigate the inbox).
func htmlDoc(h string) string {
	if strings.TrimSpace(h) == "" {
		return ""
	}
	return `<base target="_blank">` + h
}

var urlPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// linkify escapes plain text and makes each http(s) URL in it a link.
// Punctuation that ends a sentence is not part of the link.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range urlPattern.FindAllStringIndex(text, -1) {
		start, end := loc[0], loc[1]
		for end > start && strings.ContainsRune(".,;:!?)]", rune(text[end-1])) {
			end--
		}
		b.WriteString(template.HTMLEscapeString(text[last:start]))
		u := template.HTMLEscapeString(text[start:end])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = end
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String())
}
