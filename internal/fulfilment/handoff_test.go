package fulfilment_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/orders/orderstest"
	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

const shop = "acme.myshopify.com"

type world struct {
	sb     *sbshopify.Shopify
	svc    *fulfilment.Service
	orders *orders.Store
	clock  *clock.Fake  // everyone's, the stand-in's too
	down   *atomic.Bool // while set, "Shopify" answers 503 without doing anything
	vo     string       // a paid vendor order of acme
}

// newWorld connects a vendor's store of the sandbox Shopify through the real
// install, imports nothing (the product is written straight to the
// catalog), and pays an order of two candles. The Shopify client gives up
// after timeout.
func newWorld(t *testing.T, timeout time.Duration) *world {
	t.Helper()
	ctx := context.Background()
	conn := dbtest.New(t)
	clk := clock.NewFake(time.Now())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	sb := sbshopify.New(sbshopify.Config{APIKey: "key", APISecret: "secret", Clock: clk})
	sb.AddShop(shop, "Acme", "USD")
	productID := sb.UpsertProductQuietly(shop, sbshopify.Product{Title: "Candle", Status: "ACTIVE",
		Variants: []sbshopify.Variant{{SKU: "CANDLE-1", Title: "Cedar", Price: "25.00", Available: 10}}})
	prod, _ := sb.Product(shop, productID)
	down := &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() && strings.HasPrefix(r.URL.Path, "/admin/api/") {
			http.Error(w, `{"errors":"Service Unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := shopify.New(shopify.Config{APIKey: "key", APISecrets: []string{"secret"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "write_orders", "read_orders"}, Endpoint: srv.URL, HTTPClient: &http.Client{Timeout: timeout},
		Clock: clk, Log: log})
	if err != nil {
		t.Fatal(err)
	}

	reg := queue.NewRegistry()
	queue.Handle(reg, "test.paid", func(context.Context, queue.Meta, orders.Paid) error { return nil })
	queue.Handle(reg, "test.changed", func(context.Context, queue.Meta, orders.FulfilmentChanged) error { return nil })
	queue.Handle(reg, "test.shipped", func(context.Context, queue.Meta, orders.Shipped) error { return nil })
	queue.Handle(reg, "test.connected", func(context.Context, queue.Meta, vendors.ShopifyConnected) error { return nil })
	queue.Handle(reg, "test.handoff", func(context.Context, queue.Meta, fulfilment.HandOff) error { return nil })
	queue.Handle(reg, "test.mail", func(context.Context, queue.Meta, fulfilment.VendorMail) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	vs := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk})
	v, _, err := vs.Ensure(ctx, vendors.Vendor{Slug: "acme", Name: "Acme", ContactEmail: "acme@example.com", CommissionBPS: 1000, Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	conns := vendors.NewConnections(vendors.ConnectionsDeps{DB: conn, Clock: clk, Box: box, Shopify: client, Queue: q, Log: log})
	if err := conns.Save(ctx, v.ID, shop, install(t, client), shopify.ShopInfo{Name: "Acme", Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	pid, err := cat.Upsert(ctx, catalog.Product{VendorID: v.ID, ShopifyProductID: productID, Title: "Candle", Listed: true,
		Variants: []catalog.Variant{{ShopifyVariantID: prod.Variants[0].ID, SKU: "CANDLE-1", Title: "Cedar",
			Price: money.Money{Amount: 2500, Currency: "USD"}, StockOnHand: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	var variantID string
	if err := conn.Get(&variantID, `SELECT id FROM variants WHERE product_id = ?`, pid); err != nil {
		t.Fatal(err)
	}

	os := orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: cat, Payments: orderstest.Payments{}}, orders.Config{})
	o := orderstest.Paid(t, os, orderstest.Cart{GiftMessage: "Happy holidays", Lines: []orders.LineInput{orderstest.Line(variantID, 2)},
		Recipient: orders.Recipient{Name: "Ada Lovelace", AddressLines: []string{"12 St James's Square"}, City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}})
	blobs, err := blob.NewLocal(blob.LocalConfig{Dir: t.TempDir(), BaseURL: "http://trove.test/files", Secret: key})
	if err != nil {
		t.Fatal(err)
	}
	svc := fulfilment.New(fulfilment.Deps{DB: conn, Clock: clk, Queue: q, Orders: os, Catalog: cat, Conns: conns, Shopify: client,
		Webhooks: webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clk, Queue: q}), Blobs: blobs, Post: mail.Postman{Sender: mail.NewLocal(), From: "t@trove.test"}, Log: log},
		fulfilment.Config{PublicURL: "http://trove.test"})
	return &world{sb: sb, svc: svc, orders: os, clock: clk, down: down, vo: o.VendorOrders[0].ID}
}

// install runs the OAuth install against the sandbox and returns the token.
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

func TestHandOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("run twice, one Shopify order", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 5*time.Second)
		for range 2 {
			if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err != nil {
				t.Fatal(err)
			}
		}
		got := w.sb.Orders(shop)
		f, err := w.orders.VendorOrderByID(ctx, w.vo)
		if err != nil || len(got) != 1 || f.Shopify == nil || f.Shopify.ID != got[0].GID || got[0].Reference != w.vo {
			t.Fatalf("%d Shopify orders, vendor order %+v, %v", len(got), f.Shopify, err)
		}
		if got[0].Note != "Happy holidays" || got[0].ShippingAddress["lastName"] != "Lovelace" || got[0].Lines[0].Quantity != 2 {
			t.Fatalf("the Shopify order: %+v", got[0])
		}
	})

	// orderCreate has no idempotency key, and Shopify's order search shows a
	// new order only seconds later, while the queue's first retry comes
	// after about one: the retry must not take "not found" for "not made".
	t.Run("a create that times out after Shopify made the order: retries make no second order", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 300*time.Millisecond)
		w.sb.SlowNextOrderCreate(shop, 2*time.Second)
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err == nil {
			t.Fatal("the first run should have timed out")
		}
		if f, _ := w.orders.VendorOrderByID(ctx, w.vo); f.Shopify != nil || len(w.sb.Orders(shop)) != 1 {
			t.Fatalf("after the timeout: recorded %+v, %d Shopify orders", f.Shopify, len(w.sb.Orders(shop)))
		}
		// The queue's retries: after a second, and a few more while the
		// search has not caught up.
		for _, after := range []time.Duration{time.Second, 2 * time.Second} {
			w.clock.Advance(after)
			err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo})
			if !errors.Is(err, fulfilment.ErrHandOffSettling) {
				t.Fatalf("a retry before the search caught up: %v", err)
			}
			if n := len(w.sb.Orders(shop)); n != 1 {
				t.Fatalf("%d Shopify orders for one vendor order", n)
			}
		}
		w.clock.Advance(5 * time.Second) // the search has caught up
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err != nil {
			t.Fatal(err)
		}
		f, _ := w.orders.VendorOrderByID(ctx, w.vo)
		if got := w.sb.Orders(shop); len(got) != 1 || f.Shopify == nil || f.Shopify.ID != got[0].GID {
			t.Fatalf("after the retry: %d Shopify orders, recorded %+v", len(got), f.Shopify)
		}
	})

	t.Run("a create that failed before Shopify made the order is sent again once the search would show it", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 5*time.Second)
		w.down.Store(true) // a 503: made or not, the answer does not say
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err == nil {
			t.Fatal("want the 503")
		}
		w.down.Store(false)
		w.clock.Advance(time.Second)
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); !errors.Is(err, fulfilment.ErrHandOffSettling) {
			t.Fatalf("a second after: %v", err)
		}
		w.clock.Advance(fulfilment.DefaultHandOffSettle)
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err != nil {
			t.Fatal(err)
		}
		f, _ := w.orders.VendorOrderByID(ctx, w.vo)
		if got := w.sb.Orders(shop); len(got) != 1 || f.Shopify == nil || f.Shopify.ID != got[0].GID {
			t.Fatalf("%d Shopify orders, recorded %+v", len(got), f.Shopify)
		}
	})

	t.Run("an answer that proves nothing was made lets the next run create at once", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 5*time.Second)
		w.sb.ThrottleNext(shop, 100) // THROTTLED: the mutation never ran
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); !errors.Is(err, shopify.ErrThrottled) {
			t.Fatalf("want throttled, got %v", err)
		}
		w.sb.ThrottleNext(shop, 0)
		w.clock.Advance(time.Second)
		if err := w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}); err != nil {
			t.Fatal(err)
		}
		if got := w.sb.Orders(shop); len(got) != 1 {
			t.Fatalf("%d Shopify orders", len(got))
		}
	})

	t.Run("runs at the same moment make one order", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 5*time.Second)
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- w.svc.OnHandOff(ctx, queue.Meta{}, fulfilment.HandOff{VendorOrderID: w.vo}) }()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if got := w.sb.Orders(shop); len(got) != 1 {
			t.Fatalf("%d Shopify orders", len(got))
		}
	})
}
