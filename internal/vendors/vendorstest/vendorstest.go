// Package vendorstest makes vendors for other packages' tests. Vendors are
// made through vendors.Store.Ensure; a vendor's Shopify connection is written
// here, with only the status other packages read (the catalog sells only
// from connected stores), because a real one needs the OAuth install with
// Shopify (internal/vendors and cmd/trove test that). Tests of other
// packages make their vendors here, never with SQL of their own: the tables
// are internal/vendors'.
package vendorstest

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/vendors"
)

// Option changes the vendor Vendor makes.
type Option func(*spec)

type spec struct {
	status     vendors.Status
	connection string
	commission int
}

// Status makes the vendor pending, active (the default) or suspended.
func Status(s vendors.Status) Option { return func(sp *spec) { sp.status = s } }

// Connection gives the vendor's Shopify store that connection status
// (connected by default; broken, uninstalled), or none with "".
func Connection(status string) Option { return func(sp *spec) { sp.connection = status } }

// Commission sets the vendor's commission in basis points (1,500 by default).
func Commission(bps int) Option { return func(sp *spec) { sp.commission = bps } }

// Vendor makes the vendor with slug (named "Vendor <slug>", contact
// <slug>@example.com, store <slug>.myshopify.com) and returns its id.
func Vendor(t testing.TB, conn *sqlx.DB, clk clock.Clock, slug string, opts ...Option) string {
	t.Helper()
	sp := spec{status: vendors.StatusActive, connection: "connected", commission: 1500}
	for _, o := range opts {
		o(&sp)
	}
	ctx := context.Background()
	v, _, err := vendors.NewStore(conn, clk).Ensure(ctx, vendors.Vendor{Slug: slug, Name: "Vendor " + slug, ContactEmail: slug + "@example.com",
		CommissionBPS: sp.commission, Status: sp.status})
	if err != nil {
		t.Fatalf("vendor %s: %v", slug, err)
	}
	if sp.connection != "" {
		now := clk.Now()
		if _, err := conn.ExecContext(ctx, `INSERT INTO shopify_connections (vendor_id, shop_domain, status, connected_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, v.ID, slug+".myshopify.com", sp.connection, now, now); err != nil {
			t.Fatalf("the store of vendor %s: %v", slug, err)
		}
	}
	return v.ID
}
