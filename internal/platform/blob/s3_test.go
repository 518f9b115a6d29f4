package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
// with its bucket created.
func newTestS3(t *testing.T) *S3 {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	s, err := NewS3(ctx, S3Config{
		Bucket:          testBucket,
		Prefix:          "trove/",
		Region:          "us-east-1",
		Endpoint:        srv.URL,
		PathStyle:       true,
		AccessKeyID:     "test",
		SecretAccessKey: "test",
		Clock:           clock.NewFake(t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewS3RefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  S3Config
	}{
		{"no bucket", S3Config{Region: "us-east-1"}},
		{"half a credential", S3Config{Bucket: "b", Region: "us-east-1", AccessKeyID: "id"}},
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

func TestS3PresignedURL(t *testing.T) {
	t.Parallel()
	s := newTestS3(t)
	body := []byte("%PDF-1.7 presigned")
	mustPut(t, s, "manifests/ord_7.pdf", body, "application/pdf")

	u, exp, err := s.URL(context.Background(), "manifests/ord_7.pdf", 15*time.Minute, "Manifest – 7.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(15 * time.Minute); !exp.Equal(want) {
		t.Errorf("expiry = %s, want %s", exp, want)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if q := parsed.Query(); q.Get("X-Amz-Expires") != "900" || q.Get("X-Amz-Signature") == "" {
		t.Errorf("link is not a 15-minute presigned link: %s", u)
	}

	// gofakes3 does not verify presigned signatures or their expiry, so this
	// proves the link's shape and content, not that S3 would accept it.
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Fatalf("GET = %d %q", resp.StatusCode, got)
	}
	if cd, want := resp.Header.Get("Content-Disposition"), contentDisposition("Manifest – 7.pdf"); cd != want {
		t.Errorf("Content-Disposition = %q, want %q", cd, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("Content-Type = %q", ct)
	}

	t.Run("too long a life", func(t *testing.T) {
		t.Parallel()
		_, _, err := s.URL(context.Background(), "manifests/ord_7.pdf", MaxS3LinkTTL+time.Second, "")
		if !fault.Is(err, fault.KindInvalid) {
			t.Fatalf("URL = %v, want kind invalid", err)
		}
	})
}
