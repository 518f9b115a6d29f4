package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// TestSandboxRestart is `make run` stopped and started again in the middle
// of a gift's life: bought and handed to the vendor's sandbox store, the
// server restarted on the same database and sandbox state, a second gift
// bought, both shipped, a payout cycle run: the Stripe transfer made from
// the charge taken before the restart, the Xero bill PAID, the payout
// reconciled, and still reconciled after one more restart. Before the
// stand-ins kept their state, the restart lost the connected accounts and
// charges (the transfer failed), the Shopify order numbering (the second
// hand-off clashed with the first) and the inbox.
func TestSandboxRestart(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	addr := freeAddr(t)
	env := baseEnv(dsn)
	delete(env, "TROVE_SHOPIFY_API_KEY") // --sandbox fills in the stand-in's values
	delete(env, "TROVE_SHOPIFY_API_SECRET")
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_SEED_ADMIN_PASSWORD"] = testPassword
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"
	env["TROVE_PAYOUT_HOLD"] = "1ms"
	stateDir := t.TempDir()
	env["TROVE_SANDBOX_DIR"] = stateDir
	if err := run(context.Background(), []string{"seed"}, envFrom(env), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	const product, owner = "Letterpress Thank-You Cards", "owner@fern-and-finch.example"
	logProblems := func(s *server) {
		t.Cleanup(func() {
			if t.Failed() {
				for _, l := range strings.Split(s.stdout.String(), "\n") {
					if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) {
						t.Log(l)
					}
				}
			}
		})
	}

	// buy checks out one of product as a guest and pays with the sandbox
	// card form; it returns the order id once the order is paid.
	buy := func(s *server) string {
		t.Helper()
		var variantID string
		waitUntil(t, product+" in the storefront", func() bool {
			variantID = storeVariant(t, s, product)
			return variantID != ""
		})
		g, orderID, intentID, secret := checkoutGuest(t, s, item{variantID, 1})
		confirm(t, s.url+"/sandbox/stripe", intentID, secret, "pm_card_visa")
		waitUntil(t, "order "+orderID+" paid", func() bool { return g.orderStatus(orderID) == "paid" })
		return orderID
	}
	// handedOff waits until the vendor's order of orderID is in its Shopify
	// store, and returns the vendor order's id and its Shopify order's name.
	handedOff := func(s *server, token, orderID string) (string, string) {
		t.Helper()
		var id, name string
		waitUntil(t, "order "+orderID+" handed to the vendor's store", func() bool {
			var page struct {
				Items []struct {
					ID      string `json:"id"`
					OrderID string `json:"order_id"`
					Shopify *struct {
						Name string `json:"name"`
					} `json:"shopify_order"`
				} `json:"items"`
			}
			_, body := call(t, s, token, "GET", "/api/v1/vendor/orders", nil)
			json.Unmarshal(body, &page)
			for _, vo := range page.Items {
				if vo.OrderID == orderID && vo.Shopify != nil {
					id, name = vo.ID, vo.Shopify.Name
					return true
				}
			}
			return false
		})
		return id, name
	}

	first := startServer(t, env, "--sandbox")
	logProblems(first)
	orderA := buy(first)
	voA, nameA := handedOff(first, signIn(t, first, owner), orderA)
	first.shutdown(t)
	for _, f := range []string{"stripe.json", "shopify.json", "xero.json", "mail.json"} {
		if _, err := os.Stat(filepath.Join(stateDir, f)); err != nil {
			t.Fatalf("the sandbox state after the first run: %v", err)
		}
	}

	s := startServer(t, env, "--sandbox")
	logProblems(s)
	vendor, admin := signIn(t, s, owner), signIn(t, s, "admin@trove.local")
	orderB := buy(s)
	voB, nameB := handedOff(s, vendor, orderB)
	if nameA != "#1001" || nameB != "#1002" {
		t.Fatalf("Shopify orders %s then %s: the numbering must carry on across the restart", nameA, nameB)
	}
	// The inbox kept the first order's mail.
	_, body := callAccept(t, s, "/sandbox/mail", "application/json")
	var box struct {
		Messages []struct {
			Subject string `json:"Subject"`
			Text    string `json:"Text"`
		} `json:"messages"`
	}
	json.Unmarshal(body, &box)
	if !strings.Contains(string(body), orderA) {
		t.Fatalf("the inbox lost the mail about %s sent before the restart: %d messages", orderA, len(box.Messages))
	}

	for _, vo := range []string{voA, voB} {
		if res, body := call(t, s, vendor, "POST", "/api/v1/vendor/orders/"+vo+"/fulfilment",
			map[string]any{"status": "shipped"}); res.StatusCode != 200 {
			t.Fatalf("ship %s: %d %s", vo, res.StatusCode, body)
		}
	}
	var cycle struct {
		Payouts int `json:"payouts"`
		Skips   []struct {
			Reason string `json:"reason"`
		} `json:"skips"`
	}
	waitUntil(t, "a payout cycle that pays the vendor", func() bool {
		res, body := call(t, s, admin, "POST", "/api/v1/admin/payouts/cycles", nil)
		if res.StatusCode != 201 {
			t.Fatalf("payout cycle: %d %s", res.StatusCode, body)
		}
		json.Unmarshal(body, &cycle)
		return cycle.Payouts == 1
	})
	var payouts struct {
		Payouts []struct {
			Status         string  `json:"status"`
			Transfer       *string `json:"stripe_transfer_id"`
			XeroBillNumber string  `json:"xero_bill_number"`
			XeroBillStatus string  `json:"xero_bill_status"`
		} `json:"payouts"`
	}
	waitUntil(t, "the payout's Xero bill paid", func() bool {
		_, body := call(t, s, vendor, "GET", "/api/v1/vendor/finance/payouts", nil)
		json.Unmarshal(body, &payouts)
		return len(payouts.Payouts) == 1 && payouts.Payouts[0].XeroBillStatus == "PAID"
	})
	if p := payouts.Payouts[0]; p.Transfer == nil || *p.Transfer == "" {
		t.Fatalf("the payout has no Stripe transfer: %+v", p)
	}
	if bills := sandboxBills(t, filepath.Join(stateDir, "xero.json")); len(bills) != 1 || bills[0] != "ACCPAY PAID" {
		t.Fatalf("the sandbox Xero holds %v, want one ACCPAY bill, PAID", bills)
	}
	reconciled := func(s *server) {
		t.Helper()
		token := signIn(t, s, "admin@trove.local")
		if res, body := call(t, s, token, "POST", "/api/v1/admin/reconciliation/check", map[string]any{}); res.StatusCode != 200 {
			t.Fatalf("reconciliation check: %d %s", res.StatusCode, body)
		}
		var rep struct {
			Payouts, Reconciled, Mismatched, Incomplete int
			Rows                                        []struct {
				Status   string `json:"status"`
				Problems string `json:"problems"`
			} `json:"rows"`
		}
		_, body := call(t, s, token, "GET", "/api/v1/admin/reconciliation", nil)
		json.Unmarshal(body, &rep)
		if rep.Payouts != 1 || rep.Reconciled != 1 || rep.Mismatched != 0 || rep.Incomplete != 0 {
			t.Fatalf("reconciliation: %s", body)
		}
	}
	reconciled(s)

	// Once more: a payout that reconciled stays reconciled after a restart.
	s.shutdown(t)
	third := startServer(t, env, "--sandbox")
	logProblems(third)
	reconciled(third)
}

// storeVariant returns the id of the first variant of the storefront's
// product titled title, or "" while it is not listed.
func storeVariant(t *testing.T, s *server, title string) string {
	t.Helper()
	_, body := call(t, s, "", "GET", "/api/v1/store/products?limit=100", nil)
	var page struct {
		Products []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"products"`
	}
	json.Unmarshal(body, &page)
	for _, p := range page.Products {
		if p.Title != title {
			continue
		}
		_, body := call(t, s, "", "GET", "/api/v1/store/products/"+p.ID, nil)
		var product struct {
			Variants []struct {
				ID string `json:"id"`
			} `json:"variants"`
		}
		json.Unmarshal(body, &product)
		if len(product.Variants) > 0 {
			return product.Variants[0].ID
		}
	}
	return ""
}

// callAccept is a GET with an Accept header.
func callAccept(t *testing.T, s *server, path, accept string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// sandboxBills reads the sandbox Xero's saved state: "Type Status" of each
// invoice of every organisation.
func sandboxBills(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Tenants map[string]struct {
			Invoices []struct{ Type, Status string }
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tn := range st.Tenants {
		for _, inv := range tn.Invoices {
			out = append(out, inv.Type+" "+inv.Status)
		}
	}
	return out
}
