package shopifysync_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

const shop = "big-shop.myshopify.com"

type fixture struct {
	db      *sqlx.DB
	sb      *sbshopify.Shopify
	syncer  *shopifysync.Syncer
	catalog *catalog.Store
	vendor  string
}

// newFixture connects a sandbox store with products products (one to
// eight variants each) through the real install, and returns the syncer.
func newFixture(t *testing.T, products int) *fixture {
	t.Helper()
	ctx := context.Background()
	conn := dbtest.New(t)
	clk := clock.NewFake(time.Now())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb := sbshopify.New(sbshopify.Config{APIKey: "key", APISecret: "secret", Clock: clk})
	sb.AddShop(shop, "Big Shop", "USD")
	for i := range products {
		p := sbshopify.Product{Title: fmt.Sprintf("Product %03d", i), Status: []string{"ACTIVE", "DRAFT"}[i%2]}
		for j := range 1 + i%8 {
			p.Variants = append(p.Variants, sbshopify.Variant{SKU: fmt.Sprintf("P%03d-%d", i, j), Title: fmt.Sprintf("V%d", j),
				Price: fmt.Sprintf("%d.00", 10+j), Available: j})
		}
		sb.UpsertProductQuietly(shop, p)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	client, err := shopify.New(shopify.Config{APIKey: "key", APISecrets: []string{"secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "read_inventory"}, Endpoint: srv.URL, Clock: clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	reg := queue.NewRegistry()
	queue.Handle(reg, "test.connected", func(context.Context, queue.Meta, vendors.ShopifyConnected) error { return nil })
	queue.Handle(reg, "test.reconcile", func(context.Context, queue.Meta, shopifysync.ReconcileJob) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	box, _ := secrets.New(key)
	v, _, err := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}).Ensure(ctx, vendors.Vendor{Slug: "big", Name: "Big", ContactEmail: "big@example.com",
		CommissionBPS: 1000, Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	conns := vendors.NewConnections(vendors.ConnectionsDeps{DB: conn, Clock: clk, Box: box, Shopify: client, Queue: q, Log: log})
	if err := conns.Save(ctx, v.ID, shop, install(t, client), shopify.ShopInfo{Name: "Big Shop", Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	return &fixture{db: conn, sb: sb, catalog: cat, vendor: v.ID,
		syncer: shopifysync.New(shopifysync.Deps{DB: conn, Clock: clk, Catalog: cat, Connections: conns, Shopify: client,
			Webhooks: webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clk, Queue: q}), Queue: q})}
}

func install(t *testing.T, c *shopify.Client) shopify.Token {
	t.Helper()
	authURL, err := c.AuthorizeURL(shop, "state", "https://trove.test/oauth/shopify/callback")
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	tok, err := c.ExchangeCode(context.Background(), shop, loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestFullSyncIsOneBulkOperation: the import and the hourly reconciliation
// read the whole store with a bulk operation, for a handful of the shop's
// cost points whatever its size, instead of paging products(first: 50) at
// about 800 points a page out of the 2,000-point bucket the hand-offs share.
func TestFullSyncIsOneBulkOperation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, 240)

	before := f.sb.PointsSpent(shop)
	if err := f.syncer.Import(ctx, queue.Meta{}, shopifysync.ImportJob{VendorID: f.vendor}); err != nil {
		t.Fatal(err)
	}
	spent := f.sb.PointsSpent(shop) - before
	ids, err := f.catalog.SyncedIDs(ctx, f.vendor)
	if err != nil || len(ids) != 240 {
		t.Fatalf("%d products imported (%v), want 240", len(ids), err)
	}
	var variants int
	if err := f.db.Get(&variants, `SELECT COUNT(*) FROM variants v JOIN products p ON p.id = v.product_id WHERE p.vendor_id = ?`, f.vendor); err != nil ||
		variants != 240/8*(1+2+3+4+5+6+7+8) {
		t.Fatalf("%d variants (%v): every variant, beyond the first five of a product too", variants, err)
	}
	if f.sb.BulkOperations(shop) != 1 || spent > 30 {
		t.Fatalf("the import spent %d points of the shop's bucket in %d bulk operations; want one operation, a few points",
			spent, f.sb.BulkOperations(shop))
	}
	t.Logf("importing 240 products and %d variants spent %d cost points", variants, spent)

	t.Run("the reconciliation removes what the store no longer has", func(t *testing.T) {
		var gone string
		for id := range ids {
			gone = id
			break
		}
		f.sb.DeleteProductQuietly(shop, gone)
		before := f.sb.PointsSpent(shop)
		if err := f.syncer.Reconcile(ctx, queue.Meta{}, shopifysync.ReconcileJob{VendorID: f.vendor, Sweep: "test"}); err != nil {
			t.Fatal(err)
		}
		if spent := f.sb.PointsSpent(shop) - before; spent > 30 || f.sb.BulkOperations(shop) != 2 {
			t.Errorf("the reconciliation spent %d points", spent)
		}
		var status string
		if err := f.db.Get(&status, `SELECT status FROM products WHERE vendor_id = ? AND shopify_product_id = ?`, f.vendor, gone); err != nil ||
			status != catalog.StatusDeleted {
			t.Fatalf("the product the store deleted is %q (%v)", status, err)
		}
	})
}
