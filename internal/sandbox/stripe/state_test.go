package stripe_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
)

// openAt runs a stand-in kept in path on a real HTTP server, with an
// adapter pointed at it; the receiver gets its webhooks.
func openAt(t *testing.T, path string, clk *clock.Fake, recv *stripeReceiver) (*sbstripe.Stripe, *stripe.Client, string) {
	t.Helper()
	sb, err := sbstripe.Open(path, sbstripe.Config{SecretKey: stripeTestKey, PublishableKey: stripeTestPK,
		WebhookSecret: stripeTestWhsec, WebhookURL: recv.srv.URL + "/webhooks/stripe", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(sb.WaitDeliveries)
	c, err := stripe.New(stripe.Config{SecretKey: stripeTestKey, APIBase: srv.URL, WebhookSecrets: []string{stripeTestWhsec}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, srv.URL
}

// TestOpenCarriesOnAfterARestart: a stand-in opened again from its file is
// the one that stopped. Payment intents, connected accounts, transfers,
// idempotency keys and counters are there; deliveries cut short by the stop
// are sent when it starts again.
func TestOpenCarriesOnAfterARestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sandbox", "stripe.json")
	clk := clock.NewFake(time.Now())
	recv := &stripeReceiver{failNext: 1 << 30} // the endpoint is down until the restart
	recv.srv = httptest.NewServer(recv)
	t.Cleanup(recv.srv.Close)

	sb, c, _ := openAt(t, path, clk, recv)
	recv.client = c
	pi, err := c.CreatePaymentIntent(ctx, usdStripe(5000), "order-1", map[string]string{"order_id": "order-1"}, "", "checkout-order-1")
	if err != nil {
		t.Fatal(err)
	}
	if status, err := sb.ConfirmPaymentIntent(pi.ID, "pm_card_visa"); err != nil || status != "succeeded" {
		t.Fatalf("confirm: %s %v", status, err)
	}
	pi, _ = c.GetPaymentIntent(ctx, pi.ID)
	acct, err := c.CreateExpressAccount(ctx, "v@example.com", "US", nil, "account:v1")
	if err != nil {
		t.Fatal(err)
	}
	sb.CompleteOnboarding(acct.ID)
	tr, err := c.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(2000), Destination: acct.ID, TransferGroup: "order-1",
		SourceTransaction: pi.LatestChargeID}, "transfer-1")
	if err != nil {
		t.Fatal(err)
	}
	cus, err := c.CreateCustomer(ctx, "buyer@example.com", "Buyer", "customer-1")
	if err != nil {
		t.Fatal(err)
	}
	price, err := c.CreatePrice(ctx, "Monthly box", usdStripe(1500), 1, "price-1")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreateSubscription(ctx, cus, price, nil, "subscription-1")
	if err != nil {
		t.Fatal(err)
	}
	// Every delivery has been tried and refused; the stand-in stops before
	// its retries run out.
	waitFor(t, "first attempts", func() bool {
		for _, d := range sb.Deliveries() {
			if d.Attempts == 0 {
				return false
			}
		}
		return len(sb.Deliveries()) > 0
	})
	sb.Close()
	sb.WaitDeliveries()
	before := sb.Deliveries()
	for _, d := range before {
		if !d.Pending || d.StatusCode != http.StatusInternalServerError {
			t.Fatalf("a delivery cut short by the stop must stay pending: %+v", d)
		}
	}
	transfers, accounts, balance := sb.Transfers(), sb.Accounts(), sb.Balance("usd")
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the state file: %v %v", info, err)
	}

	// The restart: a new stand-in from the same file, the endpoint back up.
	recv.mu.Lock()
	recv.failNext = 0
	recv.mu.Unlock()
	sb2, c2, base2 := openAt(t, path, clk, recv)
	got, err := c2.GetPaymentIntent(ctx, pi.ID)
	if err != nil || got.Status != stripe.StatusSucceeded || got.LatestChargeID != pi.LatestChargeID {
		t.Fatalf("the payment intent after the restart: %+v %v", got, err)
	}
	if a, err := c2.GetAccount(ctx, acct.ID); err != nil || !a.PayoutsEnabled {
		t.Fatalf("the connected account after the restart: %+v %v", a, err)
	}
	if got, err := c2.GetTransfer(ctx, tr.ID); err != nil || got.Amount != tr.Amount {
		t.Fatalf("the transfer after the restart: %+v %v", got, err)
	}
	if len(sb2.Transfers()) != len(transfers) || len(sb2.Accounts()) != len(accounts) || sb2.Balance("usd") != balance {
		t.Fatalf("after the restart: %d transfers, %d accounts, balance %d; before: %d, %d, %d",
			len(sb2.Transfers()), len(sb2.Accounts()), sb2.Balance("usd"), len(transfers), len(accounts), balance)
	}
	// An idempotency key used before the stop answers the same object.
	again, err := c2.CreatePaymentIntent(ctx, usdStripe(5000), "order-1", map[string]string{"order_id": "order-1"}, "", "checkout-order-1")
	if err != nil || again.ID != pi.ID {
		t.Fatalf("a replayed key after the restart made %s (%v), want %s", again.ID, err, pi.ID)
	}
	// A second transfer from the same charge: what is left of it, not more.
	if _, err := c2.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(3001), Destination: acct.ID,
		SourceTransaction: pi.LatestChargeID}, "transfer-2"); stripeErrorOf(t, err).Code != stripe.CodeBalanceInsufficient {
		t.Fatalf("a transfer of more than the charge has left: %v", err)
	}
	// Counters carry on: the renewal's invoice is the customer's second.
	sb2.RenewSubscription(sub.ID)
	var read struct {
		LatestInvoice struct {
			Number string `json:"number"`
		} `json:"latest_invoice"`
	}
	req, _ := http.NewRequest("GET", base2+"/v1/subscriptions/"+sub.ID+"?expand[]=latest_invoice", nil)
	req.Header.Set("Authorization", "Bearer "+stripeTestKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&read)
	res.Body.Close()
	if n := read.LatestInvoice.Number; len(n) < 5 || n[len(n)-5:] != "-0002" {
		t.Fatalf("the renewal's invoice number is %q, want the customer's second (…-0002)", n)
	}

	// The deliveries cut short are sent when the stand-in starts again,
	// with the event ids they had.
	sb2.ResumeDeliveries()
	sb2.WaitDeliveries()
	found := false
	for _, ev := range recv.of("payment_intent.succeeded") {
		obj, err := ev.PaymentIntent()
		found = found || (err == nil && obj.ID == pi.ID)
	}
	if !found {
		t.Fatalf("no payment_intent.succeeded for %s after the restart", pi.ID)
	}
	delivered := map[string]bool{}
	for _, d := range sb2.Deliveries() {
		if d.Pending {
			t.Fatalf("still pending after the restart: %+v", d)
		}
		if d.StatusCode == http.StatusOK {
			delivered[d.EventID] = true
		}
	}
	for _, d := range before {
		if !delivered[d.EventID] {
			t.Fatalf("%s %s was not delivered after the restart", d.Type, d.EventID)
		}
	}
}

// TestOpenRefusesABrokenFile: a file that is not a saved state stops the
// start with a message naming it, rather than starting afresh and
// forgetting what Trove's database refers to.
func TestOpenRefusesABrokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stripe.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sbstripe.Open(path, sbstripe.Config{}); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(stripeWaitWindow)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
