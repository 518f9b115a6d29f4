package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// filesPath is where document links are served, whichever the blob driver.
const filesPath = "/files"

// fulfilmentParts is the fulfilment side of the platform, built once in serve.
type fulfilmentParts struct {
	service *fulfilment.Service
	files   http.Handler // serves the document links
}

// newBlobStore builds the configured document store and the handler of its
// links. Both drivers hand out Trove's own links (S3's redirect to a URL
// presigned at download time, which role credentials cannot keep alive for
// the 72 hours of a mail), signed with a key derived from TROVE_SECRET_KEY:
// there is no second secret to manage, and rotating the key only ends the
// links out now.
func newBlobStore(ctx context.Context, cfg Config, clk clock.Clock) (blob.Store, http.Handler, error) {
	m := hmac.New(sha256.New, cfg.SecretKey)
	m.Write([]byte("trove blob links v1"))
	secret, base := m.Sum(nil), cfg.PublicURL.String()+filesPath
	if cfg.BlobDriver == "s3" {
		s, err := blob.NewS3(ctx, blob.S3Config{Bucket: cfg.S3.Bucket, Prefix: cfg.S3.Prefix, Region: cfg.S3.Region,
			Endpoint: cfg.S3.Endpoint, PathStyle: cfg.S3.PathStyle, AccessKeyID: cfg.S3.AccessKeyID, SecretAccessKey: cfg.S3.SecretAccessKey,
			Clock: clk, Timeout: 60 * time.Second, BaseURL: base, Secret: secret})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Handler(), nil
	}
	l, err := blob.NewLocal(blob.LocalConfig{Dir: cfg.BlobDir, BaseURL: base, Secret: secret, Clock: clk})
	if err != nil {
		return nil, nil, err
	}
	return l, l.Handler(), nil
}

func newFulfilmentParts(ctx context.Context, conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue,
	cat *catalog.Store, shop *shopifyParts, pay *paymentParts, post mail.Postman, users *auth.Service) (*fulfilmentParts, error) {
	blobs, files, err := newBlobStore(ctx, cfg, clk)
	if err != nil {
		return nil, err
	}
	svc := fulfilment.New(fulfilment.Deps{DB: conn, Clock: clk, Queue: q, Orders: pay.orders, Catalog: cat, Conns: shop.conns,
		Shopify: shop.client, Webhooks: shop.hooks, Blobs: blobs, Post: post, Users: users, Log: log},
		fulfilment.Config{Platform: post.Brand.Name, PublicURL: cfg.PublicURL.String()})
	return &fulfilmentParts{service: svc, files: files}, nil
}
