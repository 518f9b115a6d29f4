package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/clock"
)

// With the s3 driver too, document links (the 72-hour one in the vendor's
// mail among them) point at Trove's /files, which redirects each download to
// S3: a presigned URL as the link would die with the role credentials that
// signed it.
func TestS3DocumentLinksPointAtTrove(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	if err := backend.CreateBucket("trove-docs"); err != nil {
		t.Fatal(err)
	}
	store := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(store.Close)
	var files http.Handler
	trove := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Mounted as routes.go mounts it.
		rt := chi.NewRouter()
		rt.Method(http.MethodGet, filesPath+"/*", files)
		rt.ServeHTTP(w, r)
	}))
	t.Cleanup(trove.Close)
	public, _ := url.Parse(trove.URL)
	cfg := Config{BlobDriver: "s3", PublicURL: public, SecretKey: bytes.Repeat([]byte{7}, 32),
		S3: blob.S3Config{Bucket: "trove-docs", Region: "us-east-1", Endpoint: store.URL, PathStyle: true,
			AccessKeyID: "test", SecretAccessKey: "test"}}
	blobs, handler, err := newBlobStore(context.Background(), cfg, clock.System{})
	if err != nil {
		t.Fatal(err)
	}
	if handler == nil {
		t.Fatal("the s3 driver has no handler for its links: nothing would serve /files")
	}
	files = handler
	if err := blobs.Put(context.Background(), "manifests/v/vo_1/v1.pdf", []byte("%PDF manifest"), "application/pdf"); err != nil {
		t.Fatal(err)
	}
	link, _, err := blobs.URL(context.Background(), "manifests/v/vo_1/v1.pdf", 72*time.Hour, "manifest-vo_1.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, trove.URL+filesPath+"/") {
		t.Fatalf("the link %s does not point at Trove", link)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "%PDF manifest" || res.Request.URL.Host == public.Host {
		t.Fatalf("GET %s = %d %q, from %s", link, res.StatusCode, body, res.Request.URL)
	}
}
