package invoicing

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
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/xero"
)

// TestMissingScopeBreaksTheConnection: a connection whose consent lacks a
// scope a call needs (made before Trove asked for the granular scopes, say)
// cannot be mended by refreshing: the job's error marks the connection
// broken, for an operator to reconnect, and the job is retried (not dead)
// so it carries on once they have. Calls the consent covers still work.
func TestMissingScopeBreaksTheConnection(t *testing.T) {
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
	xsb.AddTenant("Trove Ltd")
	srv := httptest.NewServer(xsb.Handler())
	t.Cleanup(srv.Close)
	xc, err := xero.New(xero.Config{ClientID: sbxero.DefaultClientID, ClientSecret: sbxero.DefaultClientSecret,
		APIBase: srv.URL, IdentityBase: srv.URL, LoginBase: srv.URL, Clock: clk, DB: conn, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Deps{DB: conn, Clock: clk, Box: box, Xero: xc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Config{PublicURL: "https://trove.test"})
	ctx := context.Background()

	// The consent grants contacts and invoices, not payments.
	authorize, err := s.StartConnect(ctx, "usr_ops")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authorize)
	q := u.Query()
	q.Set("scope", "offline_access accounting.contacts accounting.invoices")
	u.RawQuery = q.Encode()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if c, err := s.FinishConnect(ctx, "usr_ops", loc.Query().Get("state"), loc.Query().Get("code")); err != nil || c.Status != "connected" {
		t.Fatalf("connect: %+v %v", c, err)
	}

	tc, err := s.tenant(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tc.FindContact(ctx, "ven_1"); err != nil {
		t.Fatalf("a call the consent covers: %v", err)
	}
	_, err = tc.CreatePayment(ctx, xero.Payment{InvoiceID: "7d0c5f43-3d2b-4b8e-9a51-0d7f3c1e2a99", AccountCode: "090", Amount: 100,
		Currency: "USD", Date: clk.Now()}, "payment:pyo_1")
	err = s.xeroErr(ctx, err)
	if !errors.Is(err, ErrNotConnected) || !errors.Is(err, xero.ErrInsufficientScope) || queue.IsPermanent(err) {
		t.Fatalf("got %v, want a retried ErrNotConnected saying the scope is missing", err)
	}
	c, err := s.Connection(ctx)
	if err != nil || c.Status != "broken" || !strings.Contains(c.LastError, "reconnect Xero") || !strings.Contains(c.LastError, "accounting.payments") {
		t.Fatalf("connection %+v %v, want broken, naming accounting.payments", c, err)
	}
	if st := xsb.Stats(c.TenantID); st.Refreshes != 0 {
		t.Errorf("%d refreshes: a missing scope is not a stale token", st.Refreshes)
	}
	// Until an operator reconnects, the next job fails at once, without calling Xero.
	if _, err := s.AccessToken(ctx, c.TenantID, false); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("after: %v", err)
	}
}
