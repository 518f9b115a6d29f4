package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/api/apitest"
	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/vendors"
)

var noRedirect = noRedirectClient()

// TestPayoutsEndToEnd is the payout scenario over real HTTP against the
// sandbox Stripe (with Connect) and the sandbox Xero: three vendors, one
// without payouts enabled; orders with a partial refund before payout and a
// refund after; the cycle run twice and every payout job run twice. Exactly
// one transfer and one PAID, line-itemised bill per paid vendor, a credit
// note for the refund after payout, and a reconciliation report with no
// mismatch, to the cent.
func TestPayoutsEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	vs := vendors.NewStore(vendors.Deps{DB: p.db, Clock: clock.System{}})
	vendorC, _, err := vs.Ensure(ctx, vendors.Vendor{Slug: "vendor-c", Name: "Vendor C", ContactEmail: "c@c.example", CommissionBPS: 1500,
		Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	ownerC, _, err := auth.NewUsers(auth.UsersDeps{DB: p.db, Clock: clock.System{}}).Ensure(ctx, auth.NewUser{Email: "owner@c.example", Password: testPassword,
		Role: auth.RoleVendorOwner, VendorID: vendorC.ID})
	if err != nil {
		t.Fatal(err)
	}
	p.connectStores(t, p.vendorA.ID, p.vendorB.ID, vendorC.ID)
	variant := func(vendorID, key, title string, price int64) string {
		return p.listVariant(t, vendorID, key, title, price, 100)
	}
	candle, coffee, soap := variant(p.vendorA.ID, "81", "Candle", 2500), variant(p.vendorB.ID, "82", "Coffee", 3000), variant(vendorC.ID, "83", "Soap", 1000)

	xsb := sbxero.New(sbxero.Config{})
	tenant := xsb.AddTenant("Trove Ltd")
	xeroSrv := httptest.NewServer(xsb.Handler())
	t.Cleanup(xeroSrv.Close)
	addr := freeAddr(t)
	stripeSB := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: "http://" + addr + "/webhooks/stripe", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	stripeSrv := httptest.NewServer(stripeSB.Handler())
	t.Cleanup(stripeSrv.Close)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_STRIPE_API_BASE"], env["TROVE_QUEUE_POLL_INTERVAL"] = stripeSrv.URL, "20ms"
	env["TROVE_XERO_CLIENT_ID"], env["TROVE_XERO_CLIENT_SECRET"] = xsb.ClientID(), xsb.ClientSecret()
	env["TROVE_XERO_API_BASE"], env["TROVE_XERO_IDENTITY_BASE"], env["TROVE_XERO_LOGIN_BASE"] = xeroSrv.URL, xeroSrv.URL, xeroSrv.URL
	env["TROVE_PAYOUT_HOLD"] = "1ms"
	s := startServer(t, env)
	admin := signIn(t, s, p.admin.Email)
	owners := map[string]string{p.vendorA.ID: signIn(t, s, p.ownerA.Email), p.vendorB.ID: signIn(t, s, p.ownerB.Email),
		vendorC.ID: signIn(t, s, ownerC.Email)}
	check := func(t *testing.T, token, method, path string, body any, want int, out any) {
		t.Helper()
		res, b := call(t, s, token, method, path, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		apitest.Check(t, method, path, raw, res, b)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			var jobs []struct {
				Kind   string  `db:"kind"`
				Status string  `db:"status"`
				Err    *string `db:"last_error"`
			}
			p.db.Select(&jobs, `SELECT kind, status, last_error FROM jobs WHERE kind NOT LIKE 'fulfilment.%' ORDER BY enqueued_at`)
			for _, j := range jobs {
				if j.Err != nil {
					t.Logf("job %s %s %.400s", j.Kind, j.Status, *j.Err)
				}
			}
			var revs []string
			p.db.Select(&revs, `SELECT CONCAT(id, ' ', status, ' ', amount, ' ', failure_reason) FROM payout_reversals`)
			var refunds []string
			p.db.Select(&refunds, `SELECT CONCAT(id, ' ', status, ' ', amount) FROM refunds`)
			var entries []string
			p.db.Select(&entries, `SELECT CONCAT(e.kind, ' ', e.amount, ' ', COALESCE(pi.payout_id, 'open')) FROM ledger_entries e
				LEFT JOIN payout_items pi ON pi.entry_id = e.id ORDER BY e.created_at`)
			var js []string
			p.db.Select(&js, `SELECT CONCAT(kind, ' ', handler, ' ', status, ' ', attempts, ' ', COALESCE(last_error, '')) FROM jobs
				WHERE kind LIKE 'payouts.rev%' OR kind LIKE 'invoicing.cred%'`)
			var cns []struct {
				R  string  `db:"reversal_id"`
				C  *string `db:"credit_note_id"`
				P  *string `db:"refund_payment_id"`
				St string  `db:"status"`
			}
			if err := p.db.Select(&cns, `SELECT reversal_id, credit_note_id, refund_payment_id, status FROM xero_credit_notes`); err != nil {
				t.Log(err)
			}
			t.Logf("sandbox credit notes %+v", xsb.CreditNotes(tenant))
			t.Logf("reversals %v; refunds %v; entries %v; jobs %v; credit notes %v", revs, refunds, entries, js, cns)
			for _, l := range strings.Split(s.stdout.String(), "\n") {
				if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) {
					t.Log(l)
				}
			}
		}
	})

	// Vendors A and B onboard to Stripe Connect; C does not.
	for _, v := range []string{p.vendorA.ID, p.vendorB.ID} {
		var link struct {
			URL string `json:"url"`
		}
		check(t, owners[v], "POST", "/api/v1/vendor/finance/account/onboarding", nil, 200, &link)
		res, err := noRedirect.Get(link.URL) // the onboarding page completes at once and returns to Trove
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 302 || !strings.Contains(res.Header.Get("Location"), "/vendor/finance?stripe=return") {
			t.Fatalf("onboarding: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var acct struct {
			Ready bool `json:"ready"`
		}
		check(t, owners[v], "GET", "/api/v1/vendor/finance/account", nil, 200, &acct)
		if !acct.Ready {
			t.Fatalf("vendor %s not ready after onboarding", v)
		}
	}

	// The operator connects the platform's Xero.
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	check(t, admin, "POST", "/api/v1/admin/xero/connect", nil, 200, &start)
	res, err := noRedirect.Get(start.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, _ := url.Parse(res.Header.Get("Location"))
	req, _ := http.NewRequest("GET", s.url+cb.RequestURI(), nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	if res, err := noRedirect.Do(req); err != nil || res.StatusCode != 303 {
		t.Fatalf("xero callback: %v %v", res, err)
	}
	check(t, admin, "GET", "/api/v1/admin/xero", nil, 200, nil)
	_, body := call(t, s, admin, "GET", "/api/v1/admin/xero", nil)
	if !strings.Contains(string(body), `"status":"connected"`) || !strings.Contains(string(body), tenant) {
		t.Fatalf("xero connection: %s", body)
	}

	// Two paid orders; one candle of the first refunded before payout.
	pay := func(items ...item) string {
		g, orderID, intentID, secret := checkoutGuest(t, s, items...)
		confirm(t, stripeSrv.URL, intentID, secret, "pm_card_visa")
		waitUntil(t, "order paid", func() bool { return g.orderStatus(orderID) == "paid" })
		return orderID
	}
	o1 := pay(item{candle, 2}, item{coffee, 1}, item{soap, 1})
	o2 := pay(item{candle, 1})
	waitUntil(t, "the sales posted", func() bool {
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'sale'`)
		return n == 4
	})
	lineOf := func(orderID, variantID string) string {
		var id string
		p.db.Get(&id, `SELECT id FROM order_lines WHERE order_id = ? AND variant_id = ?`, orderID, variantID)
		return id
	}
	refund := func(orderID string, lines ...map[string]any) {
		t.Helper()
		res, body := call(t, s, admin, "POST", "/api/v1/admin/orders/"+orderID+"/refunds", map[string]any{"lines": lines, "reason": "broken in transit"})
		if res.StatusCode != 201 {
			t.Fatalf("refund: %d %s", res.StatusCode, body)
		}
	}
	refund(o1, map[string]any{"line_id": lineOf(o1, candle), "quantity": 1})
	waitUntil(t, "the refund posted", func() bool {
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund'`)
		return n == 1
	})

	// Nothing is due before shipping.
	var cycle struct {
		ID      string `json:"id"`
		Payouts int    `json:"payouts"`
		Skips   []struct {
			VendorID string `json:"vendor_id"`
			Reason   string `json:"reason"`
		} `json:"skips"`
	}
	check(t, admin, "POST", "/api/v1/admin/payouts/cycles", nil, 201, &cycle)
	if cycle.Payouts != 0 {
		t.Fatalf("a cycle before shipping paid %d", cycle.Payouts)
	}
	// Every vendor ships.
	for v, token := range owners {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		check(t, token, "GET", "/api/v1/vendor/orders", nil, 200, &page)
		for _, vo := range page.Items {
			check(t, token, "POST", "/api/v1/vendor/orders/"+vo.ID+"/fulfilment", map[string]any{"status": "shipped"}, 200, nil)
		}
		if len(page.Items) == 0 {
			t.Fatalf("vendor %s has no orders", v)
		}
	}
	time.Sleep(5 * time.Millisecond) // past the hold

	// The cycle, run twice: A and B paid once each, C skipped.
	check(t, admin, "POST", "/api/v1/admin/payouts/cycles", nil, 201, &cycle)
	if cycle.Payouts != 2 || len(cycle.Skips) != 1 || cycle.Skips[0].VendorID != vendorC.ID || !strings.Contains(cycle.Skips[0].Reason, "payout account") {
		t.Fatalf("the cycle: %+v", cycle)
	}
	firstCycle := cycle.ID
	check(t, admin, "POST", "/api/v1/admin/payouts/cycles", nil, 201, &cycle)
	if cycle.Payouts != 0 {
		t.Fatalf("the second cycle paid %d", cycle.Payouts)
	}
	settled := func(what string) {
		t.Helper()
		waitUntil(t, what, func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM jobs WHERE (kind LIKE 'payouts.%' OR kind LIKE 'invoicing.%' OR kind = 'payments.refund_succeeded')
				AND status NOT IN ('done')`)
			return n == 0
		})
	}
	settled("the payouts booked")
	// Every payout and bookkeeping job, run a second time.
	if _, err := p.db.Exec(`INSERT INTO jobs (id, kind, handler, payload, status, attempts, max_attempts, run_at, enqueued_at, updated_at)
		SELECT CONCAT('dup', SUBSTRING(id, 4)), kind, handler, payload, 'ready', 0, max_attempts, NOW(6), NOW(6), NOW(6) FROM jobs
		WHERE (kind LIKE 'payouts.%' OR kind LIKE 'invoicing.%') AND status = 'done'`); err != nil {
		t.Fatal(err)
	}
	settled("the jobs run twice")

	// The refund after payout: all of the second order.
	refund(o2, map[string]any{"line_id": lineOf(o2, candle), "quantity": 1})
	waitUntil(t, "the reversal booked", func() bool {
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM xero_credit_notes WHERE refund_payment_id IS NOT NULL`)
		return n == 1
	})
	settled("the reversal's jobs")
	// An operator's retry of complete payouts books nothing twice.
	var all struct {
		Payouts []struct {
			ID string `json:"id"`
		} `json:"payouts"`
	}
	check(t, admin, "GET", "/api/v1/admin/payouts", nil, 200, &all)
	for _, po := range all.Payouts {
		check(t, admin, "POST", "/api/v1/admin/payouts/"+po.ID+"/retry", nil, 202, nil)
	}
	settled("the retries")
	var check2 struct {
		Checked int `json:"checked"`
	}
	check(t, admin, "POST", "/api/v1/admin/reconciliation/check", map[string]any{}, 200, &check2)

	// Money, to the cent. A: order 1 sold 2 candles (50.00), commission 15%
	// (7.50), one refunded (25.00, 3.75 commission back); order 2: 25.00,
	// 3.75 commission: 42.50 paid; then order 2 refunded after payout:
	// 21.25 reversed. B: 30.00 - 4.50 = 25.50. C: not paid (8.50 waits).
	transfers := stripeSB.Transfers()
	if len(transfers) != 2 {
		t.Fatalf("%d transfers, want 2: %+v", len(transfers), transfers)
	}
	byDest := map[string]sbstripe.Transfer{}
	for _, tr := range transfers {
		byDest[tr.Metadata["vendor_id"]] = tr
	}
	if a := byDest[p.vendorA.ID]; a.Amount != 4250 || a.AmountReversed != 2125 || len(a.Reversals) != 1 {
		t.Fatalf("vendor A's transfer: %+v", a)
	}
	if b := byDest[p.vendorB.ID]; b.Amount != 2550 || b.AmountReversed != 0 {
		t.Fatalf("vendor B's transfer: %+v", b)
	}
	invoices := xsb.Invoices(tenant)
	if len(invoices) != 2 {
		t.Fatalf("%d Xero bills, want 2", len(invoices))
	}
	for _, inv := range invoices {
		if inv.Type != "ACCPAY" || inv.Status != "PAID" || inv.DueDate.IsZero() {
			t.Fatalf("bill %s: %s %s", inv.Reference, inv.Type, inv.Status)
		}
		var vendorID string
		p.db.Get(&vendorID, `SELECT vendor_id FROM payouts WHERE id = ?`, inv.Reference)
		want := map[string]float64{p.vendorA.ID: 42.50, p.vendorB.ID: 25.50}[vendorID]
		if math.Abs(inv.Total-want) > 0.001 || math.Abs(inv.AmountPaid-want) > 0.001 {
			t.Fatalf("vendor %s's bill: total %.2f paid %.2f, want %.2f", vendorID, inv.Total, inv.AmountPaid, want)
		}
		commission := false
		for _, l := range inv.LineItems {
			if l.AccountCode == "260" && l.LineAmount < 0 {
				commission = true
			}
		}
		if wantLines := map[string]int{p.vendorA.ID: 3, p.vendorB.ID: 2}[vendorID]; len(inv.LineItems) != wantLines || !commission {
			t.Fatalf("vendor %s's bill lines: %+v", vendorID, inv.LineItems)
		}
	}
	notes := xsb.CreditNotes(tenant)
	if len(notes) != 1 || math.Abs(notes[0].Total-21.25) > 0.001 || notes[0].Status != "PAID" {
		t.Fatalf("credit notes: %+v", notes)
	}
	if n := len(xsb.Contacts(tenant)); n != 2 {
		t.Fatalf("%d Xero contacts, want 2", n)
	}
	if st := xsb.Stats(tenant); st.Rejected != 0 {
		t.Fatalf("the sandbox Xero rejected %d requests as invalid", st.Rejected)
	}

	// The report: two payouts, both reconciled.
	var rep struct {
		Payouts, Reconciled, Mismatched, Incomplete int
		Rows                                        []struct {
			VendorID string `json:"vendor_id"`
			Ledger   int64  `json:"ledger_total"`
			Stripe   *int64 `json:"stripe_net"`
			XeroBill *int64 `json:"xero_bill_net"`
			XeroPaid *int64 `json:"xero_paid_net"`
			Status   string `json:"status"`
			Problems string `json:"problems"`
		} `json:"rows"`
	}
	check(t, admin, "GET", "/api/v1/admin/reconciliation?cycle_id="+firstCycle, nil, 200, &rep)
	if rep.Payouts != 2 || rep.Reconciled != 2 || rep.Mismatched != 0 {
		t.Fatalf("reconciliation: %+v", rep)
	}
	for _, r := range rep.Rows {
		want := map[string]int64{p.vendorA.ID: 2125, p.vendorB.ID: 2550}[r.VendorID]
		if r.Ledger != want || *r.Stripe != want || *r.XeroBill != want || *r.XeroPaid != want {
			t.Fatalf("vendor %s: ledger %d, stripe %d, bill %d, paid %d; want %d (%s)", r.VendorID, r.Ledger, *r.Stripe, *r.XeroBill, *r.XeroPaid, want, r.Problems)
		}
	}
	res, body = call(t, s, admin, "GET", "/api/v1/admin/reconciliation?format=csv", nil)
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || res.StatusCode != 200 || len(rows) != 3 || rows[1][9] != "reconciled" {
		t.Fatalf("csv: %d %v %q", res.StatusCode, err, body)
	}

	// The vendors' view: A's balance is nothing open (the refund after
	// payout was settled by the reversal); C's 8.50 waits.
	var bal struct {
		Balances []struct {
			Open    money.Money `json:"open"`
			PaidOut money.Money `json:"paid_out"`
		} `json:"balances"`
	}
	check(t, owners[p.vendorA.ID], "GET", "/api/v1/vendor/finance/balance", nil, 200, &bal)
	if len(bal.Balances) != 1 || bal.Balances[0].Open.Amount != 0 || bal.Balances[0].PaidOut.Amount != 2125 {
		t.Fatalf("A's balance: %+v", bal)
	}
	check(t, owners[vendorC.ID], "GET", "/api/v1/vendor/finance/balance", nil, 200, &bal)
	if len(bal.Balances) != 1 || bal.Balances[0].Open.Amount != 850 {
		t.Fatalf("C's balance: %+v", bal)
	}
	var payouts struct {
		Payouts []struct {
			ID             string `json:"id"`
			XeroBillNumber string `json:"xero_bill_number"`
			XeroBillStatus string `json:"xero_bill_status"`
		} `json:"payouts"`
	}
	check(t, owners[p.vendorB.ID], "GET", "/api/v1/vendor/finance/payouts", nil, 200, &payouts)
	if len(payouts.Payouts) != 1 || payouts.Payouts[0].XeroBillStatus != "PAID" || payouts.Payouts[0].XeroBillNumber == "" {
		t.Fatalf("B's payouts: %+v", payouts)
	}
	// What each order brought B, and the payout that paid it.
	var earnings struct {
		Orders []struct {
			Net       money.Money `json:"net"`
			PayoutIDs []string    `json:"payout_ids"`
		} `json:"orders"`
	}
	check(t, owners[p.vendorB.ID], "GET", "/api/v1/vendor/finance/orders", nil, 200, &earnings)
	if len(earnings.Orders) != 1 || earnings.Orders[0].Net.Amount != 2550 || len(earnings.Orders[0].PayoutIDs) != 1 ||
		earnings.Orders[0].PayoutIDs[0] != payouts.Payouts[0].ID {
		t.Fatalf("B's earnings: %+v", earnings)
	}
	// The operators' list of cycles: newest first, C skipped in the one that paid.
	var cycles struct {
		Cycles []struct {
			ID    string `json:"id"`
			Skips []struct {
				VendorID string `json:"vendor_id"`
			} `json:"skips"`
		} `json:"cycles"`
	}
	check(t, admin, "GET", "/api/v1/admin/payouts/cycles", nil, 200, &cycles)
	if len(cycles.Cycles) < 2 || cycles.Cycles[0].ID != cycle.ID || cycles.Cycles[1].ID != firstCycle ||
		len(cycles.Cycles[1].Skips) != 1 || cycles.Cycles[1].Skips[0].VendorID != vendorC.ID {
		t.Fatalf("the cycles: %+v", cycles)
	}
	// A vendor cannot see another's payout.
	check(t, owners[p.vendorA.ID], "GET", "/api/v1/vendor/finance/payouts/"+payouts.Payouts[0].ID, nil, 404, nil)
	res, body = call(t, s, owners[p.vendorA.ID], "GET", "/api/v1/vendor/finance/entries?format=csv", nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), "refund_commission") || strings.Contains(string(body), p.vendorB.ID) {
		t.Fatalf("A's ledger CSV: %d %s", res.StatusCode, body)
	}
	// An operator's adjustment, posted once for one idempotency key.
	adj := map[string]any{"amount": map[string]any{"amount": -300, "currency": "USD"}, "reason": "damaged display stand", "idempotency_key": "adj-1"}
	check(t, admin, "POST", "/api/v1/admin/vendors/"+vendorC.ID+"/ledger/adjustments", adj, 201, nil)
	check(t, admin, "POST", "/api/v1/admin/vendors/"+vendorC.ID+"/ledger/adjustments", adj, 200, nil)
	check(t, owners[vendorC.ID], "GET", "/api/v1/vendor/finance/balance", nil, 200, &bal)
	if bal.Balances[0].Open.Amount != 550 {
		t.Fatalf("C's balance after the adjustment: %+v", bal)
	}
}
