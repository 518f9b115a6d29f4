package main

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/stripe"
)

// TestDisputesAndReversalsEndToEnd runs the money a dispute or a reversal
// made in Stripe takes back through the binary, against the sandbox Stripe
// (Connect events on their own endpoint) and the sandbox Xero:
//
//   - the vendors' accounts become ready from account.updated, which arrives
//     on the Connect endpoint with "account" set (and nowhere else);
//   - a dispute lost before payout is debited to the order's vendors like a
//     refund: the next payout is smaller by it;
//   - a dispute lost after payout is taken back with a reversal of the
//     vendor's transfer and booked with a Xero credit note; its
//     transfer.reversed confirms it, and books nothing twice;
//   - a dispute won owes nothing;
//   - a reversal made in Stripe's dashboard is booked from transfer.reversed:
//     the vendor's ledger, the payout's reversed amount, a credit note;
//
// and every payout still reconciles with Stripe and Xero to the cent.
func TestDisputesAndReversalsEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID, p.vendorB.ID)
	candle := p.listVariant(t, p.vendorA.ID, "91", "Candle", 2500, 100)
	coffee := p.listVariant(t, p.vendorB.ID, "92", "Coffee", 3000, 100)

	xsb := sbxero.New(sbxero.Config{})
	tenant := xsb.AddTenant("Trove Ltd")
	xeroSrv := httptest.NewServer(xsb.Handler())
	t.Cleanup(xeroSrv.Close)
	addr := freeAddr(t)
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", WebhookSecret: "whsec_trove",
		WebhookURL: "http://" + addr + "/webhooks/stripe", ConnectWebhookURL: "http://" + addr + "/webhooks/stripe/connect",
		ConnectWebhookSecret: "whsec_trove_connect", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(sbSrv.Close)
	env := baseEnv(dsn)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	env["TROVE_STRIPE_API_BASE"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "20ms"
	env["TROVE_XERO_CLIENT_ID"], env["TROVE_XERO_CLIENT_SECRET"] = xsb.ClientID(), xsb.ClientSecret()
	env["TROVE_XERO_API_BASE"], env["TROVE_XERO_IDENTITY_BASE"], env["TROVE_XERO_LOGIN_BASE"] = xeroSrv.URL, xeroSrv.URL, xeroSrv.URL
	env["TROVE_PAYOUT_HOLD"] = "1ms"
	s := startServer(t, env)
	admin := signIn(t, s, p.admin.Email)
	owners := map[string]string{p.vendorA.ID: signIn(t, s, p.ownerA.Email), p.vendorB.ID: signIn(t, s, p.ownerB.Email)}
	ok := func(t *testing.T, token, method, path string, body any, want int) []byte {
		t.Helper()
		res, b := call(t, s, token, method, path, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		return b
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := p.db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	settled := func(what string) {
		t.Helper()
		waitUntil(t, what, func() bool {
			sb.WaitDeliveries()
			return count(`SELECT COUNT(*) FROM jobs WHERE (kind LIKE 'payouts.%' OR kind LIKE 'invoicing.%' OR kind LIKE 'payments.%'
				OR kind LIKE 'stripe.%') AND status NOT IN ('done')`) == 0
		})
	}

	// Onboarding: the sandbox completes it at once and sends account.updated
	// to the Connect endpoint, whose job re-reads the account. (Not asking
	// the API, which would re-read it too: the account must become ready
	// from the event.)
	for _, v := range []string{p.vendorA.ID, p.vendorB.ID} {
		var link struct {
			URL string `json:"url"`
		}
		decode(t, ok(t, owners[v], "POST", "/api/v1/vendor/finance/account/onboarding", nil, 200), &link)
		res, err := noRedirect.Get(link.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	waitUntil(t, "both accounts ready from account.updated", func() bool {
		return count(`SELECT COUNT(*) FROM payout_accounts WHERE payouts_enabled AND transfers_active`) == 2
	})
	sb.WaitDeliveries()
	for _, d := range sb.Deliveries() {
		if d.Type == stripe.EventAccountUpdated && (d.Endpoint != sbstripe.EndpointConnect || d.StatusCode != 200 || d.Account == "") {
			t.Fatalf("account.updated delivered %+v", d)
		}
	}
	waitUntil(t, "both account.updated recorded and followed", func() bool {
		return count(`SELECT COUNT(*) FROM webhook_events WHERE topic = 'account.updated' AND account LIKE 'acct_%' AND refusal IS NULL
			AND processed_at IS NOT NULL`) == 2
	})

	// The platform's Xero.
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	decode(t, ok(t, admin, "POST", "/api/v1/admin/xero/connect", nil, 200), &start)
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

	pay := func(items ...item) (string, string) {
		g, orderID, intentID, secret := checkoutGuest(t, s, items...)
		confirm(t, sbSrv.URL, intentID, secret, "pm_card_visa")
		waitUntil(t, "order paid", func() bool { return g.orderStatus(orderID) == "paid" })
		return orderID, intentID
	}
	chargeOf := func(intentID string) string {
		var pi struct {
			LatestCharge string `json:"latest_charge"`
		}
		req, _ := http.NewRequest("GET", sbSrv.URL+"/v1/payment_intents/"+intentID, nil)
		req.Header.Set("Authorization", "Bearer sk_test_trove")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		decodeBody(t, res, &pi)
		return pi.LatestCharge
	}
	// o1: a candle (A) and a coffee (B), disputed and lost before payout.
	// o2: a candle (A), disputed and lost after payout. o3: two coffees (B),
	// disputed and won; B's transfer is then reversed in Stripe's dashboard.
	o1, pi1 := pay(item{candle, 1}, item{coffee, 1})
	o2, pi2 := pay(item{candle, 1})
	_, pi3 := pay(item{coffee, 2})
	waitUntil(t, "the sales posted", func() bool { return count(`SELECT COUNT(*) FROM ledger_entries WHERE kind = 'sale'`) == 4 })

	d1 := sb.Dispute(chargeOf(pi1))
	sb.CloseDispute(d1, false)
	waitUntil(t, "the lost dispute debited", func() bool {
		return count(`SELECT COUNT(*) FROM ledger_entries WHERE kind = 'dispute' AND order_id = ?`, o1) == 2
	})
	settled("the dispute's jobs")
	// 15% commission: the whole sale and commission come back, to the cent.
	for _, vendor := range []string{p.vendorA.ID, p.vendorB.ID} {
		var net int64
		p.db.Get(&net, `SELECT SUM(amount) FROM ledger_entries WHERE order_id = ? AND vendor_id = ?`, o1, vendor)
		if net != 0 {
			t.Fatalf("vendor %s's net on the lost order: %d, want 0", vendor, net)
		}
	}
	if n := count(`SELECT COUNT(*) FROM orders WHERE id = ? AND disputed_at IS NOT NULL`, o1); n != 1 {
		t.Fatal("the disputed order is not flagged")
	}

	// Everyone ships; the cycle pays A for o2 only and B for o3 only.
	for _, token := range owners {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		decode(t, ok(t, token, "GET", "/api/v1/vendor/orders", nil, 200), &page)
		for _, vo := range page.Items {
			ok(t, token, "POST", "/api/v1/vendor/orders/"+vo.ID+"/fulfilment", map[string]any{"status": "shipped"}, 200)
		}
	}
	time.Sleep(5 * time.Millisecond) // past the hold
	ok(t, admin, "POST", "/api/v1/admin/payouts/cycles", nil, 201)
	settled("the payouts booked")
	transfers := func() map[string]sbstripe.Transfer {
		out := map[string]sbstripe.Transfer{}
		for _, tr := range sb.Transfers() {
			out[tr.Metadata["vendor_id"]] = tr
		}
		return out
	}
	// A: 25.00 - 3.75 = 21.25; B: 60.00 - 9.00 = 51.00 (o1 nets to nothing).
	if tr := transfers(); len(tr) != 2 || tr[p.vendorA.ID].Amount != 2125 || tr[p.vendorB.ID].Amount != 5100 {
		t.Fatalf("transfers %+v", tr)
	}

	// o2's dispute lost after payout: A's transfer is reversed by 21.25.
	d2 := sb.Dispute(chargeOf(pi2))
	sb.CloseDispute(d2, false)
	// o3's dispute won: nothing owed.
	d3 := sb.Dispute(chargeOf(pi3))
	sb.CloseDispute(d3, true)
	waitUntil(t, "the dispute's reversal booked", func() bool {
		return count(`SELECT COUNT(*) FROM xero_credit_notes WHERE refund_payment_id IS NOT NULL`) == 1
	})
	settled("the reversal's jobs")
	if n := count(`SELECT COUNT(*) FROM ledger_entries WHERE kind LIKE 'dispute%' AND order_id NOT IN (?, ?)`, o1, o2); n != 0 {
		t.Fatalf("the won dispute posted %d entries", n)
	}
	if tr := transfers()[p.vendorA.ID]; tr.AmountReversed != 2125 || len(tr.Reversals) != 1 {
		t.Fatalf("A's transfer after the dispute: %+v", tr)
	}
	if n := count(`SELECT COUNT(*) FROM payout_reversals WHERE source = 'dispute' AND status = 'reversed'`); n != 1 {
		t.Fatalf("%d dispute reversals", n)
	}

	// B's transfer reversed by 7.00 in Stripe's dashboard.
	trB := transfers()[p.vendorB.ID]
	form := url.Values{"amount": {"700"}}
	req, _ = http.NewRequest("POST", sbSrv.URL+"/v1/transfers/"+trB.ID+"/reversals", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer sk_test_trove")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("reverse in the dashboard: %v %v", res, err)
	}
	waitUntil(t, "the dashboard's reversal booked", func() bool {
		return count(`SELECT COUNT(*) FROM xero_credit_notes WHERE refund_payment_id IS NOT NULL`) == 2
	})
	settled("the dashboard reversal's jobs")
	// Every transfer.reversed delivered again changes nothing.
	for _, d := range sb.Deliveries() {
		if d.Type == stripe.EventTransferReversed && !d.Redelivery {
			if code, err := sb.Redeliver(d); err != nil || code != 200 {
				t.Fatalf("redeliver: %d %v", code, err)
			}
		}
	}
	settled("the redeliveries")
	if n := count(`SELECT COUNT(*) FROM payout_reversals`); n != 2 {
		t.Fatalf("%d payout reversals, want 2 (the dispute's, the dashboard's)", n)
	}
	var external struct {
		Amount int64 `db:"amount"`
		Status string
	}
	if err := p.db.Get(&external, `SELECT r.amount, r.status FROM payout_reversals r WHERE r.source = 'stripe'`); err != nil ||
		external.Amount != 700 || external.Status != "reversed" {
		t.Fatalf("the dashboard's reversal: %+v %v", external, err)
	}
	if n := count(`SELECT COUNT(*) FROM ledger_entries e JOIN payout_items pi ON pi.entry_id = e.id
		WHERE e.kind = 'transfer_reversal' AND e.amount = -700 AND e.vendor_id = ? AND pi.reversal_id IS NOT NULL`, p.vendorB.ID); n != 1 {
		t.Fatalf("%d ledger entries for the dashboard's reversal", n)
	}
	if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'payout.reversed_in_stripe'`); n != 1 {
		t.Fatalf("%d audit entries for the dashboard's reversal", n)
	}

	// The books: Xero's credit notes, and every payout reconciled.
	notes := xsb.CreditNotes(tenant)
	var totals []float64
	for _, n := range notes {
		totals = append(totals, n.Total)
	}
	if len(notes) != 2 || !(math.Abs(totals[0]+totals[1]-28.25) < 0.001) {
		t.Fatalf("credit notes %v, want 21.25 and 7.00", totals)
	}
	ok(t, admin, "POST", "/api/v1/admin/reconciliation/check", map[string]any{}, 200)
	var rep struct {
		Payouts, Reconciled int
		Rows                []struct {
			VendorID string `json:"vendor_id"`
			Ledger   int64  `json:"ledger_total"`
			Stripe   *int64 `json:"stripe_net"`
			Status   string `json:"status"`
			Problems string `json:"problems"`
		} `json:"rows"`
	}
	decode(t, ok(t, admin, "GET", "/api/v1/admin/reconciliation", nil, 200), &rep)
	if rep.Payouts != 2 || rep.Reconciled != 2 {
		t.Fatalf("reconciliation %+v", rep)
	}
	for _, r := range rep.Rows {
		want := map[string]int64{p.vendorA.ID: 0, p.vendorB.ID: 4400}[r.VendorID]
		if r.Ledger != want || r.Stripe == nil || *r.Stripe != want {
			t.Fatalf("vendor %s: ledger %d, Stripe %v, want %d (%s)", r.VendorID, r.Ledger, r.Stripe, want, r.Problems)
		}
	}
	// The vendors see the lost disputes in their ledgers and earnings.
	b := ok(t, owners[p.vendorA.ID], "GET", "/api/v1/vendor/finance/entries?kind=dispute", nil, 200)
	if strings.Count(string(b), `"kind":"dispute"`) != 2 || !strings.Contains(string(b), `"dispute_id":"dsp_`) {
		t.Fatalf("A's dispute entries: %s", b)
	}
	var earnings struct {
		Orders []struct {
			OrderID string `json:"order_id"`
			Net     struct {
				Amount int64 `json:"amount"`
			} `json:"net"`
		} `json:"orders"`
	}
	decode(t, ok(t, owners[p.vendorA.ID], "GET", "/api/v1/vendor/finance/orders", nil, 200), &earnings)
	for _, o := range earnings.Orders {
		if o.Net.Amount != 0 {
			t.Fatalf("A's order %s nets %d after its dispute was lost", o.OrderID, o.Net.Amount)
		}
	}
}

func decode(t testing.TB, b []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func decodeBody(t testing.TB, res *http.Response, out any) {
	t.Helper()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
