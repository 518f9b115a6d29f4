package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

// shopifyParts is the Shopify side of the platform, built once in serve.
type shopifyParts struct {
	client    *shopify.Client
	conns     *vendors.Connections
	installer *vendors.Installer
	hooks     *webhooks.Store
	syncer    *shopifysync.Syncer
}

func newShopifyParts(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue, box *secrets.Box, cat *catalog.Store, hooks *webhooks.Store) (*shopifyParts, error) {
	client, err := shopify.New(shopify.Config{
		APIKey: cfg.Shopify.APIKey, APISecrets: cfg.Shopify.APISecrets, APIVersion: cfg.Shopify.APIVersion,
		Scopes: cfg.Shopify.Scopes, Endpoint: cfg.Shopify.Endpoint, Clock: clk,
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	p := &shopifyParts{client: client, hooks: hooks}
	p.conns = vendors.NewConnections(conn, clk, box, client, q, log)
	p.installer = vendors.NewInstaller(p.conns, client, cfg.PublicURL.String())
	p.syncer = shopifysync.New(conn, clk, cat, p.conns, client, p.hooks, q)
	return p, nil
}

// resync is the vendor's "re-sync" button: nil-safe so the route table can be
// built without a running Shopify side (route tests).
func (p *shopifyParts) resync(ctx context.Context, vendorID string) error {
	return p.syncer.Resync(ctx, vendorID)
}
