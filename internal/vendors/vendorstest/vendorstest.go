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

	"github.com/trove-platform/trove/internal/platform/audit"
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
	v, _, err := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}).Ensure(ctx, vendors.Vendor{Slug: slug, Name: "Vendor " + slug, ContactEmail: slug + "@example.com",
		CommissionBPS: sp.commission, Status: sp.status})
	if err != nil {
		t.Fatalf("vendor %s: %v", slug, err)
	}
	if sp.connection != "" {
		Connect(t, conn, clk, v.ID, slug+".myshopify.com", sp.connection)
	}
	return v.ID
}

// Connect gives the vendor a Shopify store, shop, whose connection has
// status (connected, broken or uninstalled).
func Connect(t testing.TB, conn *sqlx.DB, clk clock.Clock, vendorID, shop, status string) {
	t.Helper()
	now := clk.Now()
	if _, err := conn.Exec(`INSERT INTO shopify_connections (vendor_id, shop_domain, status, connected_at, updated_at)
		VALUES (?, ?, ?, ?, ?)`, vendorID, shop, status, now, now); err != nil {
		t.Fatalf("the store of vendor %s: %v", vendorID, err)
	}
}

// SetConnection puts the vendor's Shopify connection in status (connected,
// broken or uninstalled), as the Shopify install, a failed token refresh or
// an uninstall would.
func SetConnection(t testing.TB, conn *sqlx.DB, clk clock.Clock, vendorID, status string) {
	t.Helper()
	if _, err := conn.Exec(`UPDATE shopify_connections SET status = ?, updated_at = ? WHERE vendor_id = ?`, status, clk.Now(), vendorID); err != nil {
		t.Fatalf("the store of vendor %s: %v", vendorID, err)
	}
}

// SetStatus puts the vendor in status, as an operator does
// (vendors.Store.Update).
func SetStatus(t testing.TB, conn *sqlx.DB, clk clock.Clock, vendorID string, status vendors.Status) {
	t.Helper()
	if _, err := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}).Update(context.Background(), vendorID, vendors.Patch{Status: &status},
		audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_test_operator"}); err != nil {
		t.Fatalf("vendor %s %s: %v", vendorID, status, err)
	}
}
