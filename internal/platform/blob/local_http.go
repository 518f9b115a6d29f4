package blob

import (
	"errors"
	"net/http"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Handler serves the links URL makes: GET and HEAD of
// {BaseURL path}/{key}?expires=<unix>&name=<downloadName>&sig=<hex HMAC-SHA256>.
// It answers 403 for an altered link, 410 for an expired one, 404 when the
// document is gone, all as problem+json (see links.handler for mounting).
//
// Documents are always sent as attachments with nosniff: they are served from
// Trove's own origin, and a document must never render there as a page.
func (l *Local) Handler() http.Handler {
	return l.links.handler(l.deliver)
}

func (l *Local) deliver(w http.ResponseWriter, r *http.Request, key, name string) {
	f, info, body, err := l.open(key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			err = fault.NotFound("the document is gone")
		}
		httpx.Error(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent adds Content-Length, HEAD and Range support.
	http.ServeContent(w, r, "", info.ModTime, body)
}
