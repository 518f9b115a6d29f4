package blob

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Handler serves the links URL makes: GET and HEAD of
// {BaseURL path}/{key}?expires=<unix>&name=<downloadName>&sig=<hex HMAC-SHA256>.
//
// The link is the only credential, so the handler needs no session and must
// not sit behind auth middleware. It answers 403 for a link whose signature
// does not match (any part altered), 410 for an expired one (checked after the
// signature, so a forged link never learns anything), 404 when the document is
// gone; all as problem+json.
//
// It finds the key in the path the client sent (r.RequestURI), after the
// BaseURL's path, and not in r.URL.Path, which http.StripPrefix rewrites. So
// it works however it is mounted: a chi Mount or Handle("/files/*"), a
// ServeMux pattern "/files/", or inside http.StripPrefix. What it needs is that
// requests reach Trove with the path the link has: a proxy in front must not
// rewrite it.
//
// Documents are always sent as attachments with nosniff: they are served from
// Trove's own origin, and a document must never render there as a page.
func (l *Local) Handler() http.Handler {
	return http.HandlerFunc(l.serve)
}

func (l *Local) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpx.WriteProblem(w, httpx.Problem{
			Type:      "about:blank",
			Title:     http.StatusText(http.StatusMethodNotAllowed),
			Status:    http.StatusMethodNotAllowed,
			Detail:    "method " + r.Method + " is not allowed on a document link",
			Instance:  r.URL.Path,
			RequestID: httpx.RequestID(r.Context()),
		})
		return
	}
	key, ok := l.keyOf(r)
	if !ok {
		httpx.Error(w, r, fault.NotFound("no document at %s", r.URL.Path))
		return
	}
	q := r.URL.Query()
	expires, name := q.Get("expires"), q.Get("name")
	if !l.verify(key, expires, name, q.Get("sig")) {
		httpx.Error(w, r, fault.Forbidden("the link is not valid: it was altered or not made by Trove"))
		return
	}
	// Signed by us, so these hold unless the secret leaked; checked anyway so
	// that even then no path outside Dir can be asked for.
	unix, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || ValidKey(key) != nil {
		httpx.Error(w, r, fault.Forbidden("the link is not valid"))
		return
	}
	if !l.clock.Now().Before(time.Unix(unix, 0)) {
		httpx.WriteProblem(w, httpx.Problem{
			Type:      "about:blank",
			Title:     http.StatusText(http.StatusGone),
			Status:    http.StatusGone,
			Detail:    "the link has expired; ask for a new one",
			Instance:  r.URL.Path,
			RequestID: httpx.RequestID(r.Context()),
		})
		return
	}
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

// keyOf returns the request's path after the BaseURL's path, preferring the
// path as the client sent it (see Handler).
func (l *Local) keyOf(r *http.Request) (string, bool) {
	p := r.URL.Path
	if r.RequestURI != "" {
		u, err := url.ParseRequestURI(r.RequestURI)
		if err != nil {
			return "", false
		}
		p = u.Path
	}
	return strings.CutPrefix(p, l.basePath+"/")
}
