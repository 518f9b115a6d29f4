package vendors_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
)

type shopifyFixture struct {
	db        *sqlx.DB
	sb        *sbshopify.Shopify
	conns     *vendors.Connections
	other     *vendors.Connections // a second process's store, on the same database
	installer *vendors.Installer
	clock     *clock.Fake
	vendor    vendors.Vendor
	down      *atomic.Bool // while set, "Shopify" answers every request 503
	srv       string       // the stand-in's URL
}

const shop = "acme.myshopify.com"

func newShopifyFixture(t *testing.T, strict bool) *shopifyFixture {
	t.Helper()
	conn := dbtest.New(t)
	clk := clock.NewFake(time.Now().UTC())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sb := sbshopify.New(sbshopify.Config{APIKey: "k", APISecret: "s", Clock: clk, StrictRefreshRotation: strict, Log: log})
	sb.AddShop(shop, "Acme", "USD")
	down := &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, `{"errors":"Service Unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		sb.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := shopify.New(shopify.Config{APIKey: "k", APISecrets: []string{"s"}, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products"}, Endpoint: srv.URL, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	reg := queue.NewRegistry()
	queue.Handle(reg, "shopify.connected.test", func(context.Context, queue.Meta, vendors.ShopifyConnected) error { return nil })
	q, _ := queue.New(conn, reg, clk, queue.Config{}, log, nil)
	box, _ := secrets.New(make([]byte, 32))
	conns := vendors.NewConnections(vendors.ConnectionsDeps{DB: conn, Clock: clk, Box: box, Shopify: client, Queue: q, Log: log})
	v, _, err := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk}).Ensure(context.Background(),
		vendors.Vendor{Slug: "acme", Name: "Acme", ContactEmail: "a@acme.example", Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	other := vendors.NewConnections(vendors.ConnectionsDeps{DB: conn, Clock: clk, Box: box, Shopify: client, Queue: q, Log: log})
	installer := vendors.NewInstaller(vendors.InstallerDeps{Connections: conns, Shopify: client}, vendors.InstallerConfig{PublicURL: "https://trove.example"})
	return &shopifyFixture{db: conn, sb: sb, conns: conns, other: other, installer: installer, clock: clk, vendor: v, down: down, srv: srv.URL}
}

// approve follows the authorize URL to the sandbox and returns the callback's query.
func approve(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("authorize answered %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	return cb.Query()
}

func TestInstallFlow(t *testing.T) {
	t.Parallel()
	f := newShopifyFixture(t, false)
	ctx := context.Background()
	start := func(userID string) url.Values {
		u, err := f.installer.Start(ctx, userID, f.vendor.ID, shop)
		if err != nil {
			t.Fatal(err)
		}
		return approve(t, u)
	}
	for _, tc := range []struct {
		name string
		q    func() url.Values
		user string
		want fault.Kind
	}{
		{"bad hmac", func() url.Values { q := start("usr_1"); q.Set("hmac", "00"+q.Get("hmac")[2:]); return q }, "usr_1", fault.KindUnauthorized},
		{"tampered code", func() url.Values { q := start("usr_1"); q.Set("code", "other"); return q }, "usr_1", fault.KindUnauthorized},
		{"unknown state", func() url.Values { return approve(t, mustAuthorize(t, f, "made-up-state")) }, "usr_1", fault.KindInvalid},
		{"state of another user", func() url.Values { return start("usr_1") }, "usr_2", fault.KindForbidden},
		{"bad shop host", func() url.Values { q := start("usr_1"); q.Set("shop", "evil.example.com"); return q }, "usr_1", fault.KindUnauthorized},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := f.installer.Complete(ctx, tc.q(), tc.user)
			if !fault.Is(err, tc.want) {
				t.Fatalf("got %v (kind %s), want %s", err, fault.KindOf(err), tc.want)
			}
			if _, err := f.conns.Get(ctx, f.vendor.ID); !fault.Is(err, fault.KindNotFound) {
				t.Fatal("a refused callback stored a connection")
			}
		})
	}
	if _, err := f.installer.Start(ctx, "usr_1", f.vendor.ID, "acme.example.com"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("a non-myshopify shop must be refused at start: %v", err)
	}

	q := start("usr_1")
	if _, err := f.installer.Complete(ctx, q, "usr_1"); err != nil {
		t.Fatal(err)
	}
	c, err := f.conns.Get(ctx, f.vendor.ID)
	if err != nil || c.Status != vendors.ConnConnected || c.ShopName != "Acme" {
		t.Fatalf("connection %+v %v", c, err)
	}
	if _, err := f.installer.Complete(ctx, q, "usr_1"); !fault.Is(err, fault.KindInvalid) {
		t.Fatalf("a state is single use: %v", err)
	}
	f.clock.Advance(time.Hour)
	if n, err := f.conns.PruneStates(ctx, f.clock.Now()); err != nil || n < 6 {
		t.Fatalf("pruned %d expired states (%v), want every one made above", n, err)
	}
}

func mustAuthorize(t *testing.T, f *shopifyFixture, state string) string {
	t.Helper()
	u, err := f.installer.Start(context.Background(), "usr_1", f.vendor.ID, shop)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := url.Parse(u)
	q := p.Query()
	q.Set("state", state)
	p.RawQuery = q.Encode()
	return p.String()
}

func TestConcurrentRefreshIsSingleFlight(t *testing.T) {
	t.Parallel()
	f := newShopifyFixture(t, true)
	ctx := context.Background()
	u, _ := f.installer.Start(ctx, "usr_1", f.vendor.ID, shop)
	if _, err := f.installer.Complete(ctx, approve(t, u), "usr_1"); err != nil {
		t.Fatal(err)
	}
	_, first, err := f.conns.AccessToken(ctx, f.vendor.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(58 * time.Minute) // within the refresh margin of the 60-minute token

	var wg sync.WaitGroup
	tokens := make([]string, 50)
	errs := make([]error, 50)
	for i := range 50 {
		// Half the callers in each of two "processes": the lock is in MySQL.
		c := f.conns
		if i%2 == 1 {
			c = f.other
		}
		wg.Go(func() { _, tokens[i], errs[i] = c.AccessToken(ctx, f.vendor.ID, false) })
	}
	wg.Wait()
	for i := range 50 {
		if errs[i] != nil || tokens[i] == first || tokens[i] != tokens[0] {
			t.Fatalf("caller %d: %v (token changed: %v)", i, errs[i], tokens[i] != first)
		}
	}
	if n := f.sb.RefreshCount(shop); n != 1 {
		t.Fatalf("%d refreshes for 50 concurrent callers, want exactly 1", n)
	}

	t.Run("a refused refresh marks the connection broken", func(t *testing.T) {
		f.sb.Uninstall(shop)
		_, _, err := f.conns.AccessToken(ctx, f.vendor.ID, true)
		if err == nil {
			t.Fatal("want an error")
		}
		c, _ := f.conns.Get(ctx, f.vendor.ID)
		if c.Status != vendors.ConnBroken || c.LastError == nil {
			t.Fatalf("connection %+v", c)
		}
	})
}

// connect installs the app on the fixture's shop for its vendor.
func (f *shopifyFixture) connect(t *testing.T) {
	t.Helper()
	u, err := f.installer.Start(context.Background(), "usr_1", f.vendor.ID, shop)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.installer.Complete(context.Background(), approve(t, u), "usr_1"); err != nil {
		t.Fatal(err)
	}
}

// TestConfirmUninstalled: a claim that the app was removed (a webhook whose
// shop header is not signed, or a genuine one arriving after a reconnect) is
// acted on only when Shopify refuses our grant.
func TestConfirmUninstalled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	status := func(f *shopifyFixture) string {
		t.Helper()
		c, err := f.conns.Get(ctx, f.vendor.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.Status
	}

	t.Run("a token that still works means the app is installed: nothing is done", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.clock.Advance(58 * time.Minute) // the token is refreshed first: still installed
		check, err := f.conns.ConfirmUninstalled(ctx, shop)
		if err != nil || !check.Known || check.Confirmed || check.Erased || !strings.Contains(check.Reason, "still installed") {
			t.Fatalf("%+v %v", check, err)
		}
		if st := status(f); st != vendors.ConnConnected {
			t.Fatalf("status %s", st)
		}
		if _, _, err := f.conns.AccessToken(ctx, f.vendor.ID, false); err != nil {
			t.Fatalf("the tokens must be kept: %v", err)
		}
	})

	t.Run("Shopify down confirms nothing: an error to retry, nothing erased", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.sb.Uninstall(shop)
		f.down.Store(true)
		if check, err := f.conns.ConfirmUninstalled(ctx, shop); err == nil || check.Confirmed || check.Erased {
			t.Fatalf("%+v %v", check, err)
		}
		if st := status(f); st != vendors.ConnConnected {
			t.Fatalf("status %s", st)
		}
		f.down.Store(false)
		if check, err := f.conns.ConfirmUninstalled(ctx, shop); err != nil || !check.Confirmed || !check.Erased {
			t.Fatalf("once Shopify answers: %+v %v", check, err)
		}
	})

	t.Run("an uninstall Shopify confirms erases the tokens", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.sb.Uninstall(shop)
		check, err := f.conns.ConfirmUninstalled(ctx, shop)
		if err != nil || !check.Known || !check.Confirmed || !check.Erased {
			t.Fatalf("%+v %v", check, err)
		}
		if st := status(f); st != vendors.ConnUninstalled {
			t.Fatalf("status %s", st)
		}
		if _, _, err := f.conns.AccessToken(ctx, f.vendor.ID, false); !errors.Is(err, vendors.ErrNotConnected) {
			t.Fatalf("tokens left: %v", err)
		}
		if check, err := f.conns.ConfirmUninstalled(ctx, shop); err != nil || check.Confirmed || check.Erased || !check.Known {
			t.Fatalf("a second claim: %+v %v", check, err)
		}
	})

	t.Run("a late uninstall after the store was connected again does nothing", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.sb.Uninstall(shop)
		f.connect(t)
		check, err := f.conns.ConfirmUninstalled(ctx, shop)
		if err != nil || check.Confirmed || check.Erased {
			t.Fatalf("%+v %v", check, err)
		}
		if st := status(f); st != vendors.ConnConnected {
			t.Fatalf("status %s", st)
		}
	})

	t.Run("a broken connection is confirmed by Shopify refusing its stored token", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.sb.Uninstall(shop)
		if _, _, err := f.conns.AccessToken(ctx, f.vendor.ID, true); err == nil {
			t.Fatal("the refresh must be refused")
		}
		if st := status(f); st != vendors.ConnBroken {
			t.Fatalf("status %s", st)
		}
		check, err := f.conns.ConfirmUninstalled(ctx, shop)
		if err != nil || !check.Confirmed || !check.Erased {
			t.Fatalf("%+v %v", check, err)
		}
		if st := status(f); st != vendors.ConnUninstalled {
			t.Fatalf("status %s", st)
		}
	})

	t.Run("a shop that is not ours", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		if check, err := f.conns.ConfirmUninstalled(ctx, "other.myshopify.com"); err != nil || check.Known || check.Confirmed {
			t.Fatalf("%+v %v", check, err)
		}
	})
}

// failTokenSaves makes the database refuse the next n writes of a new
// refresh token (a failover, a full disk): a trigger that raises an error,
// counting down in a MEMORY table, which the failed statement's rollback
// does not undo.
func (f *shopifyFixture) failTokenSaves(t *testing.T, n int) {
	t.Helper()
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS token_save_failures (n INT NOT NULL) ENGINE=MEMORY`,
		`DELETE FROM token_save_failures`,
		`INSERT INTO token_save_failures VALUES (?)`,
		`DROP TRIGGER IF EXISTS fail_token_save`,
		`CREATE TRIGGER fail_token_save BEFORE UPDATE ON shopify_connections FOR EACH ROW
		BEGIN
			IF NOT (NEW.refresh_token_sealed <=> OLD.refresh_token_sealed) AND (SELECT n FROM token_save_failures) > 0 THEN
				UPDATE token_save_failures SET n = n - 1;
				SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected: the token save fails';
			END IF;
		END`,
	} {
		var args []any
		if strings.Contains(q, "VALUES (?)") {
			args = append(args, n)
		}
		if _, err := f.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefreshedTokenSaveFails: a refreshed pair that the database fails to
// save does not break the connection. The save is tried again; and when it
// keeps failing, the refresh token still stored is used again later, which
// Shopify accepts until its replacement is used.
func TestRefreshedTokenSaveFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	status := func(f *shopifyFixture) vendors.Connection {
		t.Helper()
		c, err := f.conns.Get(ctx, f.vendor.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	works := func(f *shopifyFixture, token string) {
		t.Helper()
		client, err := shopify.New(shopify.Config{APIKey: "k", APISecrets: []string{"s"}, APIVersion: shopify.DefaultAPIVersion,
			Endpoint: f.srv, Clock: f.clock})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Shop(ctx, shop, token); err != nil {
			t.Fatalf("the token handed out does not work: %v", err)
		}
	}

	t.Run("a save that fails once is tried again", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.clock.Advance(58 * time.Minute)
		f.failTokenSaves(t, 2)
		_, token, err := f.conns.AccessToken(ctx, f.vendor.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if c := status(f); c.Status != vendors.ConnConnected || c.LastError != nil {
			t.Fatalf("connection %+v", c)
		}
		works(f, token)
		// The saved pair is the new one: no further refresh for an hour.
		f.clock.Advance(30 * time.Minute)
		if _, again, err := f.conns.AccessToken(ctx, f.vendor.ID, false); err != nil || again != token || f.sb.RefreshCount(shop) != 1 {
			t.Fatalf("after the save: %v, same token %v, %d refreshes", err, again == token, f.sb.RefreshCount(shop))
		}
	})

	t.Run("a save that keeps failing leaves the connection working", func(t *testing.T) {
		f := newShopifyFixture(t, false)
		f.connect(t)
		f.clock.Advance(61 * time.Minute) // expired
		f.failTokenSaves(t, 100)
		if _, _, err := f.conns.AccessToken(ctx, f.vendor.ID, false); err == nil || !strings.Contains(err.Error(), "could not be saved") {
			t.Fatalf("want the save's error, got %v", err)
		}
		if c := status(f); c.Status != vendors.ConnConnected {
			t.Fatalf("the connection is %s after a failed save: %+v", c.Status, c)
		}
		// The database is back: the stored (old) refresh token still works.
		f.failTokenSaves(t, 0)
		_, token, err := f.conns.AccessToken(ctx, f.vendor.ID, false)
		if err != nil {
			t.Fatalf("once the database is back: %v", err)
		}
		works(f, token)
		if n := f.sb.RefreshCount(shop); n != 2 {
			t.Errorf("%d refreshes, want 2 (the lost one and its retry)", n)
		}
	})
}
