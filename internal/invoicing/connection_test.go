package invoicing_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/xero"
)

// process is one trove process's invoicing: its own Xero client (and so its
// own limiter and single-flight), sharing the database with the others.
func process(t *testing.T, conn *sqlx.DB, box *secrets.Box, clk clock.Clock, base string) *invoicing.Service {
	t.Helper()
	xc, err := xero.New(xero.Config{ClientID: sbxero.DefaultClientID, ClientSecret: sbxero.DefaultClientSecret,
		APIBase: base, IdentityBase: base, LoginBase: base, Clock: clk, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return invoicing.New(invoicing.Deps{DB: conn, Clock: clk, Box: box, Xero: xc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		invoicing.Config{PublicURL: "https://trove.test"})
}

// connect runs the operator's consent against the sandbox.
func connect(t *testing.T, s *invoicing.Service) {
	t.Helper()
	ctx := context.Background()
	authorize, err := s.StartConnect(ctx, "usr_ops")
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	c, err := s.FinishConnect(ctx, "usr_ops", loc.Query().Get("state"), loc.Query().Get("code"))
	if err != nil || c.Status != "connected" {
		t.Fatalf("connect: %+v %v", c, err)
	}
}

// TestTokenRefreshIsSingleFlight: 50 concurrent Xero calls, from two
// processes sharing the database, around the access token's expiry cause
// exactly one refresh; the rotated refresh token is the one stored.
func TestTokenRefreshIsSingleFlight(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Now())
	xsb := sbxero.New(sbxero.Config{Clock: clk})
	tenant := xsb.AddTenant("Trove Ltd")
	srv := httptest.NewServer(xsb.Handler())
	t.Cleanup(srv.Close)
	a, b := process(t, conn, box, clk, srv.URL), process(t, conn, box, clk, srv.URL)
	connect(t, a)

	for round := 1; round <= 2; round++ {
		// Past the access token's 30 minutes: every caller finds it stale.
		clk.Advance(31 * time.Minute)
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				_, err := s.AccessToken(context.Background(), tenant, false)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if got := xsb.Stats(tenant).Refreshes; got != round {
			t.Fatalf("round %d: %d refreshes in all, want %d", round, got, round)
		}
	}
	// The stored pair works: a real call with it succeeds.
	if _, err := b.Connection(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, _ := a.Connection(context.Background())
	if c.Status != "connected" || c.RefreshedAt == nil {
		t.Fatalf("connection: %+v", c)
	}
}

// TestRefusedRefreshBreaksTheConnection: when Xero refuses the refresh token
// (revoked, or unused for 60 days), the connection is marked broken for
// operators and calls fail with ErrNotConnected instead of retrying forever.
func TestRefusedRefreshBreaksTheConnection(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	key := make([]byte, 32)
	rand.Read(key)
	box, _ := secrets.New(key)
	clk := clock.NewFake(time.Now())
	xsb := sbxero.New(sbxero.Config{Clock: clk})
	tenant := xsb.AddTenant("Trove Ltd")
	srv := httptest.NewServer(xsb.Handler())
	t.Cleanup(srv.Close)
	s := process(t, conn, box, clk, srv.URL)
	connect(t, s)
	clk.Advance(61 * 24 * time.Hour) // the refresh token's 60 days are over
	_, err := s.AccessToken(context.Background(), tenant, false)
	if err == nil {
		t.Fatal("want an error")
	}
	c, _ := s.Connection(context.Background())
	if c.Status != "broken" || c.LastError == "" {
		t.Fatalf("connection: %+v", c)
	}
}
