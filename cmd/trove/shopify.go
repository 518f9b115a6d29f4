package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
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
	sandbox   *sbshopify.Shopify // the local stand-in, with --sandbox
}

func newShopifyParts(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue, box *secrets.Box, cat *catalog.Store, hooks *webhooks.Store, withSandbox bool) (*shopifyParts, error) {
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
	if withSandbox {
		p.sandbox = sbshopify.New(sbshopify.Config{APIKey: cfg.Shopify.APIKey, APISecret: cfg.Shopify.APISecrets[0],
			Clock: clk, HTTPClient: &http.Client{Timeout: 10 * time.Second}, Log: log})
		p.sandbox.SeedDemo()
	}
	return p, nil
}

// resync is the vendor's "re-sync" button: nil-safe so the route table can be
// built without a running Shopify side (route tests).
func (p *shopifyParts) resync(ctx context.Context, vendorID string) error {
	return p.syncer.Resync(ctx, vendorID)
}

// noRedirectClient plays a browser that stops at a redirect, to read where
// it points (a provider's consent answered at once, in --sandbox).
func noRedirectClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// connectDemoStores connects, in --sandbox, every seeded demo vendor to its
// sandbox shop through the real install flow (the stand-in approves at once):
// authorize URL, signed callback, code exchange, tokens sealed, webhooks
// subscribed and an import queued. It runs at every start, connected or not:
// the sandbox is new each time and knows none of the tokens stored before.
func connectDemoStores(ctx context.Context, p *shopifyParts, vs *vendors.Store, users *auth.Service) error {
	noRedirect := noRedirectClient()
	for _, d := range demoData {
		v, err := vs.BySlug(ctx, d.vendor.Slug)
		if fault.Is(err, fault.KindNotFound) {
			continue // not seeded
		}
		if err != nil {
			return err
		}
		owners, err := users.ListUsers(ctx, string(auth.RoleVendorOwner), v.ID)
		if err != nil || len(owners) == 0 {
			return errors.Join(err, fmt.Errorf("demo vendor %s has no owner", v.Slug))
		}
		shop := v.Slug + ".myshopify.com"
		authURL, err := p.installer.Start(ctx, owners[0].ID, v.ID, shop)
		if err != nil {
			return err
		}
		res, err := noRedirect.Get(authURL)
		if err != nil {
			return err
		}
		res.Body.Close()
		callback, err := url.Parse(res.Header.Get("Location"))
		if err != nil || res.StatusCode/100 != 3 {
			return fmt.Errorf("sandbox authorize for %s answered %d", shop, res.StatusCode)
		}
		if _, err := p.installer.Complete(ctx, callback.Query(), owners[0].ID); err != nil {
			return fmt.Errorf("connect demo store %s: %w", shop, err)
		}
	}
	return nil
}
