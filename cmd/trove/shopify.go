package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/health"
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
	if err := checkShopifyVersion(cfg.Shopify.APIVersion, clk.Now(), log); err != nil {
		return nil, err
	}
	client, err := shopify.New(shopify.Config{
		APIKey: cfg.Shopify.APIKey, APISecrets: cfg.Shopify.APISecrets, APIVersion: cfg.Shopify.APIVersion,
		Scopes: cfg.Shopify.Scopes, Endpoint: cfg.Shopify.Endpoint, Clock: clk, Log: log,
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

// checkShopifyVersion is the start-up check of TROVE_SHOPIFY_API_VERSION
// against Shopify's support window on the day: a retired version (Shopify
// would silently answer with another) or one Shopify does not have stops
// the start; one within shopify.SupportWarning of its end, a release
// candidate or unstable starts with a warning in the log.
func checkShopifyVersion(version string, now time.Time, log *slog.Logger) error {
	s := shopify.SupportOf(version, now)
	if !s.Usable() {
		return &ConfigError{Problems: []string{fmt.Sprintf("TROVE_SHOPIFY_API_VERSION: %s; the current stable version is %s",
			s, shopify.LatestStableVersion(now))}}
	}
	if s.EndingSoon() || s.Status != shopify.VersionSupported {
		log.Warn("TROVE_SHOPIFY_API_VERSION needs moving: "+s.String(), "version", version,
			"latest_stable", shopify.LatestStableVersion(now))
	}
	return nil
}

// shopifyVersionReady is the /readyz check of the pinned version: ready
// always (the version was supported at start, and taking every copy out of
// the load balancer helps no one), with a warning from 90 days before its
// end of support, after it, for a release candidate or unstable, and when
// Shopify answered with another version than the pinned one.
func shopifyVersionReady(c *shopify.Client, clk clock.Clock) health.Check {
	return health.Check{Name: "shopify_api_version", Run: func(context.Context) error {
		now := clk.Now()
		s := shopify.SupportOf(c.APIVersion(), now)
		var warnings []string
		if s.EndingSoon() || s.Status != shopify.VersionSupported {
			warnings = append(warnings, s.String()+"; move TROVE_SHOPIFY_API_VERSION to "+shopify.LatestStableVersion(now))
		}
		if served := c.ServedVersion(); served != "" {
			warnings = append(warnings, fmt.Sprintf("Shopify answered requests pinned to %s with %s", c.APIVersion(), served))
		}
		if len(warnings) > 0 {
			return health.Warning("%s", strings.Join(warnings, "; "))
		}
		return nil
	}}
}
