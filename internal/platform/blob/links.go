package blob

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// MinSecretLen is the shortest link-signing secret a store accepts: the
// HMAC-SHA256 key should be as strong as its output.
const MinSecretLen = 32

// links makes and checks Trove's own document links:
// {BaseURL}/{key}?expires=<unix>&name=<downloadName>&sig=<hex HMAC-SHA256>.
//
// Both drivers hand these out. Local then serves the bytes itself; S3
// redirects to a presigned S3 URL made at that moment. A presigned URL cannot
// be the link itself when the link must last: S3 refuses it as soon as the
// credentials that signed it expire, and role credentials (an instance or task
// role, as production has) last hours, whatever X-Amz-Expires says.
type links struct {
	baseURL  string // without a trailing slash
	basePath string // the path of baseURL, without a trailing slash
	secret   []byte
	clock    clock.Clock
}

func newLinks(driver, baseURL string, secret []byte, clk clock.Clock) (*links, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("blob: %s: Secret is %d bytes, need at least %d", driver, len(secret), MinSecretLen)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("blob: %s: BaseURL %q must be an absolute http(s) URL with no query", driver, baseURL)
	}
	if clk == nil {
		clk = clock.System{}
	}
	return &links{
		baseURL:  strings.TrimSuffix(u.String(), "/"),
		basePath: strings.TrimSuffix(u.Path, "/"),
		secret:   bytes.Clone(secret),
		clock:    clk,
	}, nil
}

// url returns a link to the handler that is valid until the returned time.
// The expiry travels in the link in whole seconds, so the time returned is
// now+ttl rounded down to the second: exactly what the handler enforces.
func (l *links) url(key string, ttl time.Duration, downloadName string) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkLink(ttl, downloadName); err != nil {
		return "", time.Time{}, err
	}
	exp := time.Unix(l.clock.Now().Add(ttl).Unix(), 0).UTC()
	expires := strconv.FormatInt(exp.Unix(), 10)
	q := url.Values{"expires": {expires}, "sig": {l.sign(key, expires, downloadName)}}
	if downloadName != "" {
		q.Set("name", downloadName)
	}
	// Keys need no escaping in a path: ValidKey allows only unreserved characters.
	return l.baseURL + "/" + key + "?" + q.Encode(), exp, nil
}

// sign returns the hex HMAC-SHA256 over everything a link grants. Key and
// expires cannot hold a line break and name comes last, so two different
// links never sign the same message.
func (l *links) sign(key, expires, name string) string {
	m := hmac.New(sha256.New, l.secret)
	m.Write([]byte("trove blob link v1\n" + key + "\n" + expires + "\n" + name))
	return hex.EncodeToString(m.Sum(nil))
}

// verify reports in constant time whether sig is the signature of the link.
func (l *links) verify(key, expires, name, sig string) bool {
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	want, _ := hex.DecodeString(l.sign(key, expires, name))
	return hmac.Equal(got, want)
}

// handler serves the links url makes, GET and HEAD: it checks the link and
// calls deliver with the document's key and download name.
//
// The link is the only credential, so the handler needs no session and must
// not sit behind auth middleware. It answers 403 for a link whose signature
// does not match (any part altered), 410 for an expired one (checked after the
// signature, so a forged link never learns anything); all as problem+json.
//
// It finds the key in the path the client sent (r.RequestURI), after the
// BaseURL's path, and not in r.URL.Path, which http.StripPrefix rewrites. So
// it works however it is mounted: a chi Mount or Handle("/files/*"), a
// ServeMux pattern "/files/", or inside http.StripPrefix. What it needs is that
// requests reach Trove with the path the link has: a proxy in front must not
// rewrite it.
func (l *links) handler(deliver func(w http.ResponseWriter, r *http.Request, key, name string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		// that even then no path outside a Local folder can be asked for.
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
		deliver(w, r, key, name)
	})
}

// keyOf returns the request's path after the BaseURL's path, preferring the
// path as the client sent it (see handler).
func (l *links) keyOf(r *http.Request) (string, bool) {
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
