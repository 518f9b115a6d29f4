// Package blob keeps documents (packing manifests, invoices) and hands them out
// as short-lived links, so that a document reaches the person who may see it
// without Trove streaming it through an authenticated API call, and a link that
// leaks stops working soon.
//
// Two drivers share one Store interface, so code and tests are the same on a
// laptop and in production: Local keeps files in a folder (nothing to
// install), S3 keeps objects in a bucket. Both hand out Trove's own
// HMAC-signed links, served by their Handler: Local sends the bytes, S3
// redirects to a URL presigned at that moment (so a link can outlive the
// credentials of the day it was made, and the bytes still come from S3).
//
// Keys are checked the same way by both drivers (ValidKey) before anything
// else, so a key that works locally works on S3, and no key can name a file
// outside the Local folder.
package blob

import (
	"context"
	"errors"
	"io"
	"mime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// Store keeps documents by key.
type Store interface {
	// Put stores body under key (overwriting), with its content type.
	Put(ctx context.Context, key string, body []byte, contentType string) error
	// Open returns the document; ErrNotFound (wrapped, errors.Is) when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// URL returns a link that lets anyone holding it download the document until
	// the returned expiry (now+ttl); downloadName, when not empty, is offered as
	// the file name (Content-Disposition: attachment; filename=...).
	URL(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error)
}

// Info describes a stored document.
type Info struct {
	Size        int64
	ContentType string
	ModTime     time.Time
}

// ErrNotFound is wrapped by the error for a key that holds no document; the
// wrapping error also has kind fault.KindNotFound, so an HTTP layer answers 404.
var ErrNotFound = errors.New("blob: not found")

// MaxKeyLen is the longest key, in bytes; S3 allows 1024 and a Prefix takes
// some of that.
const MaxKeyLen = 512

// Limits on what a caller passes besides the key. They keep the Local file
// header and the link short, and refuse what a browser would mangle anyway.
const (
	maxContentTypeLen  = 255
	maxDownloadNameLen = 255
)

const defaultContentType = "application/octet-stream"

// ValidKey reports, as a fault.Invalid error, why key cannot name a document.
// A key is a relative slash path whose segments are made of [A-Za-z0-9._-],
// none empty, "." or "..", at most MaxKeyLen bytes: the same string is then a
// safe file path under a folder, a safe S3 object key and a URL path that
// needs no escaping.
func ValidKey(key string) error {
	switch {
	case key == "":
		return fault.Invalid("blob key is empty")
	case len(key) > MaxKeyLen:
		return fault.Invalid("blob key is %d bytes long, more than %d", len(key), MaxKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fault.Invalid("blob key %q has an empty segment (leading, trailing or double slash)", key)
		case ".", "..":
			return fault.Invalid("blob key %q has a %q segment", key, seg)
		}
		for _, c := range []byte(seg) {
			if !keyByte(c) {
				return fault.Invalid("blob key %q has a character outside [A-Za-z0-9._-/]", key)
			}
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// notFound is the error for a key with no document: errors.Is ErrNotFound,
// and of kind not found.
func notFound(key string) error {
	return fault.Wrap(fault.KindNotFound, ErrNotFound, "no document %q", key)
}

// normalContentType checks a caller's content type, because Local writes it
// into a file header and both drivers send it as a response header: a line
// break in it must never get that far. Empty means application/octet-stream.
func normalContentType(ct string) (string, error) {
	if ct == "" {
		return defaultContentType, nil
	}
	if len(ct) > maxContentTypeLen {
		return "", fault.Invalid("content type is longer than %d bytes", maxContentTypeLen)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fault.Invalid("content type %q is not a media type", ct)
	}
	return mime.FormatMediaType(mt, params), nil
}

// checkLink checks the arguments of URL besides the key.
func checkLink(ttl time.Duration, downloadName string) error {
	if ttl <= 0 {
		return fault.Invalid("link lifetime must be positive, got %s", ttl)
	}
	if downloadName == "" {
		return nil
	}
	if len(downloadName) > maxDownloadNameLen {
		return fault.Invalid("download name is longer than %d bytes", maxDownloadNameLen)
	}
	if !utf8.ValidString(downloadName) {
		return fault.Invalid("download name is not valid UTF-8")
	}
	if strings.ContainsFunc(downloadName, func(r rune) bool { return unicode.IsControl(r) || r == '/' || r == '\\' }) {
		return fault.Invalid("download name %q has a control character or a slash", downloadName)
	}
	return nil
}

// contentDisposition offers name as the file name in the RFC 6266 way: an
// ASCII filename for old clients and a UTF-8 filename* that modern ones prefer,
// so "Manifest – Café.pdf" survives. With no name it is a bare attachment.
func contentDisposition(name string) string {
	if name == "" {
		return "attachment"
	}
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name) {
		if attrChar(c) {
			ext.WriteByte(c)
		} else {
			ext.WriteByte('%')
			ext.WriteByte(hex[c>>4])
			ext.WriteByte(hex[c&0xf])
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// attrChar reports whether c may appear unescaped in an RFC 8187 value.
func attrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
