package blob

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
)

const testBucket = "trove-test"

// newTestS3 returns an S3 store talking over HTTP to an in-process gofakes3
// with its bucket created, its Handler mounted at /files on a Trove-like
// server, and static credentials.
func newTestS3(t *testing.T) *S3 {
	t.Helper()
	s, _ := newTestS3With(t, func(c *S3Config) {
		c.AccessKeyID, c.SecretAccessKey = "test", "test"
	})
	return s
}

// newTestS3With is newTestS3 with the configuration changed by tune; it also
// returns the fake clock the store's links read.
func newTestS3With(t *testing.T, tune func(*S3Config)) (*S3, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	store := httptest.NewServer(strictPresigned(gofakes3.New(s3mem.New()).Server()))
	t.Cleanup(store.Close)
	mux := http.NewServeMux()
	trove := httptest.NewServer(mux)
	t.Cleanup(trove.Close)
	ctx := context.Background()
	cfg := S3Config{
		Bucket:    testBucket,
		Prefix:    "trove/",
		Region:    "us-east-1",
		Endpoint:  store.URL,
		PathStyle: true,
		Clock:     clk,
		BaseURL:   trove.URL + "/files",
		Secret:    testSecret(),
	}
	tune(&cfg)
	s, err := NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/files/", s.Handler())
	if _, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// sessions hands out role-like credentials: each lives `life` and its
// session token is refused by strictPresigned once expired, as S3 refuses a
// presigned URL signed with an expired session ("ExpiredToken").
type sessions struct {
	life    time.Duration
	mu      sync.Mutex
	n       int
	expires map[string]time.Time
}

func (s *sessions) Retrieve(ctx context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	tok := fmt.Sprintf("session-%d", s.n)
	exp := time.Now().Add(s.life)
	s.expires[tok] = exp
	return aws.Credentials{AccessKeyID: "ASIATEST", SecretAccessKey: "test", SessionToken: tok, CanExpire: true, Expires: exp}, nil
}

func (s *sessions) expired(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.expires[tok]
	return ok && !time.Now().Before(exp)
}

// liveSessions is the credentials tests hand strictPresigned: a package
// variable only because gofakes3 is built before the store (test support).
var liveSessions = &sessions{life: 2 * time.Second, expires: map[string]time.Time{}}

// strictPresigned refuses presigned requests S3 would refuse and gofakes3
// accepts: past their X-Amz-Expires, or signed with an expired session token.
func strictPresigned(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("X-Amz-Signature") != "" {
			signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
			secs, err2 := strconv.Atoi(q.Get("X-Amz-Expires"))
			if err != nil || err2 != nil || !time.Now().Before(signed.Add(time.Duration(secs)*time.Second)) {
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
				return
			}
			if liveSessions.expired(q.Get("X-Amz-Security-Token")) {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func TestNewS3RefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  S3Config
	}{
		{"no bucket", S3Config{Region: "us-east-1", BaseURL: "http://h/files", Secret: testSecret()}},
		{"half a credential", S3Config{Bucket: "b", Region: "us-east-1", AccessKeyID: "id", BaseURL: "http://h/files", Secret: testSecret()}},
		{"two credentials", S3Config{Bucket: "b", Region: "us-east-1", AccessKeyID: "id", SecretAccessKey: "s",
			Credentials: liveSessions, BaseURL: "http://h/files", Secret: testSecret()}},
		{"no link secret", S3Config{Bucket: "b", Region: "us-east-1", BaseURL: "http://h/files"}},
		{"no base URL", S3Config{Bucket: "b", Region: "us-east-1", Secret: testSecret()}},
		{"negative redirect life", S3Config{Bucket: "b", Region: "us-east-1", BaseURL: "http://h/files", Secret: testSecret(), RedirectTTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewS3(context.Background(), tt.cfg); err == nil {
				t.Fatal("NewS3 accepted a bad config")
			}
		})
	}
}

func TestS3PutOpen(t *testing.T) {
	t.Parallel()
	s := newTestS3(t)
	ctx := context.Background()
	tests := []struct {
		name, key, contentType, wantType string
		body                             []byte
	}{
		{"pdf", "manifests/2026/ord_1.pdf", "application/pdf", "application/pdf", []byte("%PDF-1.7 manifest")},
		{"default type", "raw", "", "application/octet-stream", []byte{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mustPut(t, s, tt.key, tt.body, tt.contentType)
			rc, info, err := s.Open(ctx, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.body) || info.Size != int64(len(tt.body)) || info.ContentType != tt.wantType || info.ModTime.IsZero() {
				t.Fatalf("Open = %q %+v", got, info)
			}
		})
	}

	t.Run("prefix is applied", func(t *testing.T) {
		t.Parallel()
		mustPut(t, s, "prefixed", []byte("p"), "")
		if _, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(testBucket), Key: aws.String("trove/prefixed")}); err != nil {
			t.Fatalf("object not under the prefix: %v", err)
		}
	})

	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		_, _, err := s.Open(ctx, "never/stored")
		if !errors.Is(err, ErrNotFound) || !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("Open = %v, want ErrNotFound of kind not found", err)
		}
	})

	t.Run("missing bucket is not a missing document", func(t *testing.T) {
		t.Parallel()
		other := *s
		other.bucket = "no-such-bucket"
		_, _, err := other.Open(ctx, "x")
		if err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Open in a missing bucket = %v, want an internal error", err)
		}
	})
}

// The link in a mail must work for 72 hours; a presigned URL dies with the
// role session that signed it, within hours. So the link points at Trove,
// which checks it and redirects to an S3 URL presigned there and then.
func TestS3LinkOutlivesTheCredentialsOfItsDay(t *testing.T) {
	t.Parallel()
	s, clk := newTestS3With(t, func(c *S3Config) { c.Credentials = liveSessions })
	body := []byte("%PDF-1.7 manifest in a mail")
	mustPut(t, s, "manifests/ord_7.pdf", body, "application/pdf")

	u, exp, err := s.URL(context.Background(), "manifests/ord_7.pdf", 72*time.Hour, "Manifest – 7.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(72 * time.Hour); !exp.Equal(want) {
		t.Errorf("expiry = %s, want %s", exp, want)
	}
	if !strings.HasPrefix(u, s.links.baseURL+"/manifests/ord_7.pdf?") {
		t.Errorf("the link %s does not point at Trove", u)
	}
	// The session whose credentials were current when the link was made ends.
	time.Sleep(2100 * time.Millisecond)
	clk.Advance(71 * time.Hour)

	resp, got := get(t, http.MethodGet, u) // follows the redirect
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET after the session ended = %d %s", resp.StatusCode, got)
	}
	if cd, want := resp.Header.Get("Content-Disposition"), contentDisposition("Manifest – 7.pdf"); cd != want {
		t.Errorf("Content-Disposition = %q, want %q", cd, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type = %q", ct)
	}

	t.Run("the redirect is short-lived and not cached", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			t.Fatalf("GET = %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if q := loc.Query(); q.Get("X-Amz-Expires") != "300" || q.Get("X-Amz-Signature") == "" {
			t.Errorf("redirect to %s, want a 5-minute presigned URL", loc)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		resp, got := get(t, http.MethodHead, u)
		if resp.StatusCode != http.StatusOK || len(got) != 0 {
			t.Fatalf("HEAD = %d", resp.StatusCode)
		}
	})
}

func TestS3LinkRefusals(t *testing.T) {
	t.Parallel()
	s, clk := newTestS3With(t, func(c *S3Config) { c.AccessKeyID, c.SecretAccessKey = "test", "test" })
	mustPut(t, s, "docs/a.pdf", []byte("A"), "application/pdf")
	mustPut(t, s, "docs/b.pdf", []byte("B"), "application/pdf")
	good := mustURL(t, s, "docs/a.pdf", time.Hour, "a.pdf")

	t.Run("altered", func(t *testing.T) {
		resp, body := get(t, http.MethodGet, strings.Replace(good, "a.pdf?", "b.pdf?", 1))
		wantProblem(t, resp, body, http.StatusForbidden)
		resp, body = get(t, http.MethodGet, strings.Replace(good, "name=a.pdf", "name=b.pdf", 1))
		wantProblem(t, resp, body, http.StatusForbidden)
	})
	t.Run("gone", func(t *testing.T) {
		resp, body := get(t, http.MethodGet, mustURL(t, s, "never/stored.pdf", time.Hour, ""))
		wantProblem(t, resp, body, http.StatusNotFound)
	})
	t.Run("POST", func(t *testing.T) {
		resp, _ := get(t, http.MethodPost, good)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST = %d", resp.StatusCode)
		}
	})
	t.Run("expired", func(t *testing.T) {
		clk.Advance(time.Hour)
		resp, body := get(t, http.MethodGet, good)
		wantProblem(t, resp, body, http.StatusGone)
	})
}

// AWS_CA_BUNDLE (a private CA, a TLS-inspecting proxy) must not stop the store
// from starting: the SDK can add the bundle only to its own HTTP client.
func TestNewS3WithACABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	if _, err := NewS3(context.Background(), S3Config{Bucket: "b", Region: "us-east-1", Timeout: time.Minute,
		BaseURL: "http://h/files", Secret: testSecret()}); err != nil {
		t.Fatal(err)
	}
}
