package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

var t0 = time.Date(2026, 11, 24, 9, 30, 15, 0, time.UTC)

func testSecret() []byte { return bytes.Repeat([]byte("s"), MinSecretLen) }

// newLocalServer returns a Local whose Handler is mounted at /files on a real
// HTTP server, as routes.go would mount it, and the fake clock it reads.
func newLocalServer(t *testing.T) (*Local, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	l, err := NewLocal(LocalConfig{Dir: t.TempDir(), BaseURL: srv.URL + "/files", Secret: testSecret(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/files/", l.Handler())
	return l, clk
}

func mustPut(t *testing.T, s Store, key string, body []byte, ct string) {
	t.Helper()
	if err := s.Put(context.Background(), key, body, ct); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func mustURL(t *testing.T, s Store, key string, ttl time.Duration, name string) string {
	t.Helper()
	u, _, err := s.URL(context.Background(), key, ttl, name)
	if err != nil {
		t.Fatalf("URL(%q): %v", key, err)
	}
	return u
}

func get(t *testing.T, method, u string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestNewLocalRefusesBadConfig(t *testing.T) {
	t.Parallel()
	good := LocalConfig{Dir: t.TempDir(), BaseURL: "http://127.0.0.1:8080/files", Secret: testSecret()}
	tests := []struct {
		name   string
		change func(*LocalConfig)
	}{
		{"no dir", func(c *LocalConfig) { c.Dir = "" }},
		{"short secret", func(c *LocalConfig) { c.Secret = c.Secret[:MinSecretLen-1] }},
		{"relative base URL", func(c *LocalConfig) { c.BaseURL = "/files" }},
		{"base URL with query", func(c *LocalConfig) { c.BaseURL = "http://h/files?x=1" }},
		{"base URL not http", func(c *LocalConfig) { c.BaseURL = "ftp://h/files" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.change(&cfg)
			if _, err := NewLocal(cfg); err == nil {
				t.Fatal("NewLocal accepted a bad config")
			}
		})
	}
	if _, err := NewLocal(good); err != nil {
		t.Fatalf("NewLocal(good) = %v", err)
	}
}

func TestLocalPutOpen(t *testing.T) {
	t.Parallel()
	l, clk := newLocalServer(t)
	ctx := context.Background()
	tests := []struct {
		name, key   string
		body        []byte
		contentType string
		wantType    string
	}{
		{"pdf in nested folders", "manifests/2026/11/ord_1.pdf", []byte("%PDF-1.7 manifest"), "application/pdf", "application/pdf"},
		{"empty body, default type", "empty", nil, "", "application/octet-stream"},
		{"type with params", "notes/a.txt", []byte("héllo\n"), "text/plain; charset=UTF-8", "text/plain; charset=UTF-8"},
		{"binary with newlines", "bin/x.dat", []byte("\n\n\x00trove-blob 1\n\xff"), "application/octet-stream", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mustPut(t, l, tt.key, tt.body, tt.contentType)
			rc, info, err := l.Open(ctx, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			want := Info{Size: int64(len(tt.body)), ContentType: tt.wantType, ModTime: clk.Now()}
			if info != want {
				t.Errorf("info = %+v, want %+v", info, want)
			}
		})
	}

	t.Run("overwrite", func(t *testing.T) {
		t.Parallel()
		mustPut(t, l, "over/doc", []byte("first, longer version"), "text/plain")
		mustPut(t, l, "over/doc", []byte("second"), "application/pdf")
		rc, info, err := l.Open(ctx, "over/doc")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, _ := io.ReadAll(rc)
		if string(got) != "second" || info.ContentType != "application/pdf" || info.Size != 6 {
			t.Fatalf("after overwrite: %q %+v", got, info)
		}
	})

	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		mustPut(t, l, "dir/child", []byte("x"), "")
		for _, key := range []string{"never-stored", "dir", "dir/child/below"} {
			_, _, err := l.Open(ctx, key)
			if !errors.Is(err, ErrNotFound) || !fault.Is(err, fault.KindNotFound) {
				t.Errorf("Open(%q) = %v, want ErrNotFound of kind not found", key, err)
			}
		}
	})
}

// A symlink planted in the folder must not let a valid key read outside it.
func TestLocalStaysInDir(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "evil")); err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(LocalConfig{Dir: dir, BaseURL: "http://h/files", Secret: testSecret()})
	if err != nil {
		t.Fatal(err)
	}
	if rc, _, err := l.Open(context.Background(), "evil/secret"); err == nil {
		rc.Close()
		t.Fatal("Open followed a symlink out of Dir")
	}
	if err := l.Put(context.Background(), "evil/planted", []byte("x"), ""); err == nil {
		t.Fatal("Put wrote through a symlink out of Dir")
	}
}

func TestLocalLink(t *testing.T) {
	t.Parallel()
	l, clk := newLocalServer(t)
	body := []byte("%PDF-1.7 packing manifest for order 42")
	mustPut(t, l, "manifests/ord_42.pdf", body, "application/pdf")

	u, exp, err := l.URL(context.Background(), "manifests/ord_42.pdf", 15*time.Minute, "Manifest – Café 42.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if want := clk.Now().Add(15 * time.Minute); !exp.Equal(want) {
		t.Errorf("expiry = %s, want %s", exp, want)
	}

	resp, got := get(t, http.MethodGet, u)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d %s", resp.StatusCode, got)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("body = %q, want %q", got, body)
	}
	wantHeader := map[string]string{
		"Content-Type":           "application/pdf",
		"Content-Length":         fmt.Sprint(len(body)),
		"Content-Disposition":    `attachment; filename="Manifest _ Caf_ 42.pdf"; filename*=UTF-8''Manifest%20%E2%80%93%20Caf%C3%A9%2042.pdf`,
		"Cache-Control":          "private, no-store",
		"X-Content-Type-Options": "nosniff",
	}
	for k, v := range wantHeader {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}

	t.Run("HEAD", func(t *testing.T) {
		resp, got := get(t, http.MethodHead, u)
		if resp.StatusCode != http.StatusOK || len(got) != 0 || resp.ContentLength != int64(len(body)) {
			t.Fatalf("HEAD = %d, %d body bytes, Content-Length %d", resp.StatusCode, len(got), resp.ContentLength)
		}
	})
	t.Run("no name is still an attachment", func(t *testing.T) {
		resp, _ := get(t, http.MethodGet, mustURL(t, l, "manifests/ord_42.pdf", time.Minute, ""))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Disposition") != "attachment" {
			t.Fatalf("GET = %d, Content-Disposition %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	})
	t.Run("POST", func(t *testing.T) {
		resp, _ := get(t, http.MethodPost, u)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Fatalf("POST = %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
}

// wantProblem checks that resp is a problem+json answer with status.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != httpx.ProblemContentType {
		t.Errorf("Content-Type = %q, want %q", ct, httpx.ProblemContentType)
	}
	if !bytes.Contains(body, []byte(fmt.Sprintf(`"status":%d`, status))) {
		t.Errorf("body %s is not a problem with status %d", body, status)
	}
}

func TestLocalLinkRefusesAlteredLinks(t *testing.T) {
	t.Parallel()
	l, _ := newLocalServer(t)
	mustPut(t, l, "docs/a.pdf", []byte("A"), "application/pdf")
	mustPut(t, l, "docs/b.pdf", []byte("B"), "application/pdf")
	good := mustURL(t, l, "docs/a.pdf", time.Hour, "a.pdf")

	tests := []struct {
		name  string
		alter func(u *url.URL, q url.Values)
	}{
		{"key", func(u *url.URL, q url.Values) { u.Path = strings.Replace(u.Path, "a.pdf", "b.pdf", 1) }},
		{"key made longer", func(u *url.URL, q url.Values) { u.Path += "x" }},
		{"expires", func(u *url.URL, q url.Values) { q.Set("expires", q.Get("expires")+"0") }},
		{"expires dropped", func(u *url.URL, q url.Values) { q.Del("expires") }},
		{"name", func(u *url.URL, q url.Values) { q.Set("name", "other.pdf") }},
		{"name dropped", func(u *url.URL, q url.Values) { q.Del("name") }},
		{"sig last digit", func(u *url.URL, q url.Values) {
			s := []byte(q.Get("sig"))
			if s[len(s)-1] == '0' {
				s[len(s)-1] = '1'
			} else {
				s[len(s)-1] = '0'
			}
			q.Set("sig", string(s))
		}},
		{"sig truncated", func(u *url.URL, q url.Values) { q.Set("sig", q.Get("sig")[:62]) }},
		{"sig not hex", func(u *url.URL, q url.Values) { q.Set("sig", strings.Repeat("z", 64)) }},
		{"sig dropped", func(u *url.URL, q url.Values) { q.Del("sig") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(good)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			tt.alter(u, q)
			u.RawQuery = q.Encode()
			if u.String() == good {
				t.Fatal("test did not alter the link")
			}
			resp, body := get(t, http.MethodGet, u.String())
			wantProblem(t, resp, body, http.StatusForbidden)
		})
	}
	t.Run("unaltered", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, http.MethodGet, good)
		if resp.StatusCode != http.StatusOK || string(body) != "A" {
			t.Fatalf("GET = %d %q", resp.StatusCode, body)
		}
	})
}

func TestLocalLinkExpires(t *testing.T) {
	t.Parallel()
	l, clk := newLocalServer(t)
	mustPut(t, l, "doc", []byte("x"), "")
	u, exp, err := l.URL(context.Background(), "doc", 10*time.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	// Subtests run in order: each moves the clock further.
	steps := []struct {
		name   string
		at     time.Time
		status int
	}{
		{"just before expiry", exp.Add(-time.Second), http.StatusOK},
		{"at expiry", exp, http.StatusGone},
		{"long after", exp.Add(24 * time.Hour), http.StatusGone},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			clk.Set(s.at)
			resp, body := get(t, http.MethodGet, u)
			if s.status == http.StatusOK {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET = %d %s", resp.StatusCode, body)
				}
				return
			}
			wantProblem(t, resp, body, s.status)
		})
	}
	t.Run("altered and expired answers 403, not 410", func(t *testing.T) {
		resp, body := get(t, http.MethodGet, strings.Replace(u, "sig=", "sig=0", 1))
		wantProblem(t, resp, body, http.StatusForbidden)
	})
}

func TestLocalLinkMissingDocument(t *testing.T) {
	t.Parallel()
	l, _ := newLocalServer(t)
	resp, body := get(t, http.MethodGet, mustURL(t, l, "never/stored.pdf", time.Hour, "x.pdf"))
	wantProblem(t, resp, body, http.StatusNotFound)
}

// The handler must find the key however routes.go mounts it.
func TestLocalHandlerMounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		basePath string
		mount    func(h http.Handler) http.Handler
	}{
		{"ServeMux pattern", "/files", func(h http.Handler) http.Handler {
			m := http.NewServeMux()
			m.Handle("GET /files/", h)
			return m
		}},
		{"ServeMux with StripPrefix", "/files", func(h http.Handler) http.Handler {
			m := http.NewServeMux()
			m.Handle("/files/", http.StripPrefix("/files", h))
			return m
		}},
		{"chi Mount", "/files", func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Mount("/files", h)
			return r
		}},
		{"chi Handle wildcard", "/files", func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Handle("/files/*", h)
			return r
		}},
		{"chi Route with StripPrefix, deeper base", "/api/v1/files", func(h http.Handler) http.Handler {
			r := chi.NewRouter()
			r.Route("/api/v1", func(r chi.Router) {
				r.Handle("/files/*", http.StripPrefix("/api/v1/files", h))
			})
			return r
		}},
		{"at the root", "", func(h http.Handler) http.Handler { return h }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h http.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			t.Cleanup(srv.Close)
			l, err := NewLocal(LocalConfig{Dir: t.TempDir(), BaseURL: srv.URL + tt.basePath + "/", Secret: testSecret()})
			if err != nil {
				t.Fatal(err)
			}
			h = tt.mount(l.Handler())
			// A key that starts with the base path's own segment must not confuse it.
			key := strings.TrimPrefix(tt.basePath+"/files/doc.pdf", "/")
			mustPut(t, l, key, []byte("mounted"), "application/pdf")
			resp, body := get(t, http.MethodGet, mustURL(t, l, key, time.Minute, ""))
			if resp.StatusCode != http.StatusOK || string(body) != "mounted" {
				t.Fatalf("GET = %d %s", resp.StatusCode, body)
			}
		})
	}
}

// Every method refuses a bad key before doing anything, on both drivers.
func TestInvalidKeysRefused(t *testing.T) {
	t.Parallel()
	local, _ := newLocalServer(t)
	stores := map[string]Store{"local": local, "s3": newTestS3(t)}
	keys := map[string]string{
		"parent":    "../x",
		"absolute":  "/abs",
		"empty seg": "a//b",
		"dot seg":   "a/./b",
		"empty":     "",
		"too long":  strings.Repeat("k", MaxKeyLen+1),
		"bad char":  "a b",
	}
	ctx := context.Background()
	methods := map[string]func(s Store, key string) error{
		"Put": func(s Store, key string) error { return s.Put(ctx, key, []byte("x"), "text/plain") },
		"Open": func(s Store, key string) error {
			rc, _, err := s.Open(ctx, key)
			if rc != nil {
				rc.Close()
			}
			return err
		},
		"URL": func(s Store, key string) error { _, _, err := s.URL(ctx, key, time.Minute, ""); return err },
	}
	for sname, s := range stores {
		for kname, key := range keys {
			for mname, call := range methods {
				t.Run(sname+"/"+kname+"/"+mname, func(t *testing.T) {
					t.Parallel()
					if err := call(s, key); !fault.Is(err, fault.KindInvalid) {
						t.Fatalf("%s(%q) = %v, want kind invalid", mname, key, err)
					}
				})
			}
		}
	}
}

// Readers racing writers of the same key must always see one whole document
// with its own content type, never a mix or a prefix.
func TestLocalConcurrentPutNeverTorn(t *testing.T) {
	t.Parallel()
	l, _ := newLocalServer(t)
	ctx := context.Background()
	versions := []struct {
		body []byte
		ct   string
	}{
		{bytes.Repeat([]byte("a"), 64<<10), "application/x-a"},
		{bytes.Repeat([]byte("b"), 150<<10), "application/x-b"},
		{bytes.Repeat([]byte("c"), 1), "application/x-c"},
	}
	const key = "race/doc.pdf"
	mustPut(t, l, key, versions[0].body, versions[0].ct)

	var wg sync.WaitGroup
	for _, v := range versions {
		wg.Go(func() {
			for range 100 {
				if err := l.Put(ctx, key, v.body, v.ct); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				rc, info, err := l.Open(ctx, key)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Error(err)
					return
				}
				want := -1
				for i, v := range versions {
					if v.ct == info.ContentType {
						want = i
					}
				}
				if want < 0 || !bytes.Equal(got, versions[want].body) || info.Size != int64(len(got)) {
					t.Errorf("torn read: type %q, size %d, %d bytes starting %q", info.ContentType, info.Size, len(got), got[:min(len(got), 8)])
					return
				}
			}
		})
	}
	wg.Wait()

	// No temporary file is left behind.
	entries, err := os.ReadDir(filepath.Join(l.dir, "race"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the document", len(entries))
	}
}
