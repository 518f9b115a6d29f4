package xero_test

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
)

// openXeroEnv is a stand-in kept in path on a test server; the tenant is
// added only when the file held none, as `trove serve --sandbox` does.
func openXeroEnv(t *testing.T, path string, clk *clock.Fake) *xeroEnv {
	t.Helper()
	x, err := sbxero.Open(path, sbxero.Config{ClientID: "cid", ClientSecret: "csecret", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.TenantIDs()) == 0 {
		x.AddTenant("Trove Ltd")
	}
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	return &xeroEnv{x: x, srv: srv, clk: clk, tenant: x.TenantIDs()[0]}
}

// TestOpenCarriesOnAfterARestart: a stand-in opened again from its file is
// the one that stopped: the same organisation, the bill made before (which
// can now be paid), the tokens Trove holds, idempotency keys and the bill
// numbering.
func TestOpenCarriesOnAfterARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xero.json")
	clk := clock.NewFake(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC))
	e := openXeroEnv(t, path, clk)
	code := e.authorize(t, "https://app.example/oauth/xero/callback")
	tok := e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://app.example/oauth/xero/callback"}}, 200)
	e.access, e.refresh = tok["access_token"].(string), tok["refresh_token"].(string)
	bill := xeroBill(map[string]any{"Name": "Acme Ceramics"}, "AUTHORISED", "2025-03-24")
	r := e.call(t, "PUT", "/Invoices", bill, "Idempotency-Key", "payout-1-bill")
	if r.status != 200 {
		t.Fatalf("bill: %d %s", r.status, r.raw)
	}
	first := r.first("Invoices")
	sale := func() map[string]any { // an ACCREC invoice: Xero numbers those
		b := xeroBill(map[string]any{"Name": "Acme Ceramics"}, "AUTHORISED", "2025-03-24")
		b["Invoices"].([]any)[0].(map[string]any)["Type"] = "ACCREC"
		return b
	}
	if r := e.call(t, "PUT", "/Invoices", sale()); r.status != 200 || r.first("Invoices")["InvoiceNumber"] != "INV-0001" {
		t.Fatalf("a sale: %d %s", r.status, r.raw)
	}
	e.srv.Close()

	e2 := openXeroEnv(t, path, clk)
	if e2.tenant != e.tenant || len(e2.x.TenantIDs()) != 1 {
		t.Fatalf("tenants after the restart: %v, want only %s", e2.x.TenantIDs(), e.tenant)
	}
	e2.access, e2.refresh = e.access, e.refresh
	// The same key answers the bill made before the restart, not a second one.
	if r := e2.call(t, "PUT", "/Invoices", bill, "Idempotency-Key", "payout-1-bill"); r.status != 200 ||
		r.first("Invoices")["InvoiceID"] != first["InvoiceID"] || len(e2.x.Invoices(e2.tenant)) != 2 {
		t.Fatalf("replayed key after the restart: %d %s", r.status, r.raw)
	}
	r = e2.call(t, "PUT", "/Payments", map[string]any{"Payments": []any{map[string]any{
		"Invoice": map[string]any{"InvoiceID": first["InvoiceID"]}, "Account": map[string]any{"Code": "090"},
		"Date": "2025-03-11", "Amount": first["Total"], "Reference": "tr_1"}}})
	if r.status != 200 {
		t.Fatalf("paying the bill made before the restart: %d %s", r.status, r.raw)
	}
	if inv := e2.x.Invoices(e2.tenant); len(inv) != 2 || inv[0].Status != "PAID" {
		t.Fatalf("the bill after payment: %+v", inv)
	}
	// The refresh token Trove holds still works, and rotates.
	tok = e2.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.refresh}}, 200)
	if tok["refresh_token"] == e.refresh {
		t.Fatal("the refresh token did not rotate")
	}
	// Numbering carries on.
	if r := e2.call(t, "PUT", "/Invoices", sale()); r.status != 200 || r.first("Invoices")["InvoiceNumber"] != "INV-0002" {
		t.Fatalf("a sale after the restart: %d %s, want INV-0002", r.status, r.raw)
	}
	if n := len(e2.x.Contacts(e2.tenant)); n != 1 {
		t.Fatalf("%d contacts, want the one made before the restart", n)
	}
}

func TestOpenRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xero.json")
	if err := os.WriteFile(path, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sbxero.Open(path, sbxero.Config{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}
