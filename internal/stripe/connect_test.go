package stripe_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/money"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/stripe/stripemocktest"
)

// TestConnectContractStripeMock sends the Connect calls to stripe-mock, which
// checks paths and parameters against Stripe's OpenAPI spec.
func TestConnectContractStripeMock(t *testing.T) {
	rec := &recorder{}
	c, err := stripe.New(stripe.Config{SecretKey: stripemocktest.SecretKey, APIBase: stripemocktest.URL(t), HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sent := func(t *testing.T, method, path, key string) {
		t.Helper()
		r := rec.last(t)
		if r.Method != method || r.URL.Path != path {
			t.Errorf("sent %s %s, want %s %s", r.Method, r.URL.Path, method, path)
		}
		if key != "" && r.Header.Get("Idempotency-Key") != key {
			t.Errorf("Idempotency-Key = %q, want %q", r.Header.Get("Idempotency-Key"), key)
		}
		if got := r.Header.Get("Stripe-Version"); got != stripe.APIVersion {
			t.Errorf("Stripe-Version = %q", got)
		}
	}

	t.Run("express account", func(t *testing.T) {
		a, err := c.CreateExpressAccount(ctx, "vendor@maker.example", "us", map[string]string{"vendor_id": "v_1"}, "acct-v_1")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/accounts", "acct-v_1")
		rec.hasParams(t, map[string]string{"type": "express", "country": "US", "email": "vendor@maker.example",
			"capabilities[transfers][requested]": "true", "metadata[vendor_id]": "v_1"}, "capabilities[card_payments][requested]", "business_type")
		if !strings.HasPrefix(a.ID, "acct_") {
			t.Errorf("account %+v", a)
		}
		if _, err := c.CreateExpressAccount(ctx, "", "DE", nil, "acct-v_2"); err != nil {
			t.Fatal(err)
		}
		rec.hasParams(t, map[string]string{"country": "DE", "capabilities[transfers][requested]": "true",
			"capabilities[card_payments][requested]": "true"}, "email")

		if _, err := c.GetAccount(ctx, "acct_123"); err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/accounts/acct_123", "")
	})

	t.Run("account link", func(t *testing.T) {
		u, exp, err := c.AccountLink(ctx, "acct_123", "https://trove.example/vendor/stripe/refresh", "https://trove.example/vendor/stripe/return")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/account_links", "")
		rec.hasParams(t, map[string]string{"account": "acct_123", "type": "account_onboarding",
			"refresh_url": "https://trove.example/vendor/stripe/refresh", "return_url": "https://trove.example/vendor/stripe/return"})
		if u == "" || exp.IsZero() {
			t.Errorf("link %q expires %v", u, exp)
		}
	})

	t.Run("transfer", func(t *testing.T) {
		tr, err := c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(6000), Destination: "acct_123", TransferGroup: "ord_1",
			SourceTransaction: "ch_123", Description: "Payout po_1", Metadata: map[string]string{"payout_id": "po_1"}}, "transfer-po_1")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/transfers", "transfer-po_1")
		rec.hasParams(t, map[string]string{"amount": "6000", "currency": "usd", "destination": "acct_123", "transfer_group": "ord_1",
			"source_transaction": "ch_123", "description": "Payout po_1", "metadata[payout_id]": "po_1"})
		if !strings.HasPrefix(tr.ID, "tr_") || !money.ValidCurrency(tr.Amount.Currency) {
			t.Errorf("transfer %+v", tr)
		}
		if _, err := c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(100), Destination: "acct_123"}, "transfer-bare"); err != nil {
			t.Fatal(err)
		}
		rec.hasParams(t, map[string]string{"amount": "100"}, "transfer_group", "source_transaction", "description")

		if _, err := c.GetTransfer(ctx, "tr_123"); err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/transfers/tr_123", "")

		list, err := c.ListTransfers(ctx, "ord_1")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/transfers", "")
		rec.hasParams(t, map[string]string{"transfer_group": "ord_1", "limit": "100"})
		if len(list) == 0 {
			t.Error("no transfers listed")
		}

		rv, err := c.ReverseTransfer(ctx, "tr_123", usd(2500), map[string]string{"refund_id": "rf_1"}, "reverse-rf_1")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/transfers/tr_123/reversals", "reverse-rf_1")
		rec.hasParams(t, map[string]string{"amount": "2500", "metadata[refund_id]": "rf_1"})
		if !strings.HasPrefix(rv.ID, "trr_") || rv.TransferID == "" {
			t.Errorf("reversal %+v", rv)
		}

		revs, err := c.ListTransferReversals(ctx, "tr_123")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/transfers/tr_123/reversals", "")
		rec.hasParams(t, map[string]string{"limit": "100"})
		if len(revs) == 0 || !strings.HasPrefix(revs[0].ID, "trr_") {
			t.Errorf("reversals %+v", revs)
		}
	})

	t.Run("dispute", func(t *testing.T) {
		d, err := c.GetDispute(ctx, "dp_123")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/disputes/dp_123", "")
		if !strings.HasPrefix(d.ID, "dp_") || d.Status == "" {
			t.Errorf("dispute %+v", d)
		}
	})

	t.Run("webhook endpoints", func(t *testing.T) {
		we, err := c.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: "https://trove.example.com/webhooks/stripe/connect", Connect: true,
			EnabledEvents: stripe.ConnectEvents(), Description: "Trove: Connect endpoint", Metadata: map[string]string{"trove_endpoint": "connect"}},
			"setup-webhooks-connect")
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/webhook_endpoints", "setup-webhooks-connect")
		rec.hasParams(t, map[string]string{"url": "https://trove.example.com/webhooks/stripe/connect", "connect": "true",
			"api_version": stripe.APIVersion, "enabled_events[0]": stripe.EventAccountUpdated, "metadata[trove_endpoint]": "connect",
			"description": "Trove: Connect endpoint"})
		if !strings.HasPrefix(we.ID, "we_") {
			t.Errorf("endpoint %+v", we)
		}
		// Every event type the platform's endpoint asks for is one Stripe's
		// spec knows (stripe-mock refuses an unknown one).
		if _, err := c.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: "https://trove.example.com/webhooks/stripe",
			EnabledEvents: stripe.PlatformEvents()}, "setup-webhooks-platform"); err != nil {
			t.Fatal(err)
		}
		rec.hasParams(t, map[string]string{"enabled_events[16]": stripe.EventTransferReversed}, "connect")

		off := true
		if _, err := c.UpdateWebhookEndpoint(ctx, "we_123", stripe.WebhookEndpointUpdate{EnabledEvents: stripe.PlatformEvents(), Disabled: &off},
			"setup-webhooks-update"); err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodPost, "/v1/webhook_endpoints/we_123", "setup-webhooks-update")
		rec.hasParams(t, map[string]string{"disabled": "true", "enabled_events[0]": stripe.EventPaymentIntentSucceeded}, "api_version", "connect", "url")

		list, err := c.ListWebhookEndpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent(t, http.MethodGet, "/v1/webhook_endpoints", "")
		if len(list) == 0 || !strings.HasPrefix(list[0].ID, "we_") {
			t.Errorf("endpoints %+v", list)
		}
	})
}

func TestConnectWritesNeedAKey(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := stripe.TransferInput{Amount: usd(100), Destination: "acct_1"}
	for name, call := range map[string]func() error{
		"account":     func() error { _, err := c.CreateExpressAccount(ctx, "a@b.c", "US", nil, ""); return err },
		"bad country": func() error { _, err := c.CreateExpressAccount(ctx, "a@b.c", "USA", nil, "k"); return err },
		"transfer":    func() error { _, err := c.CreateTransfer(ctx, in, ""); return err },
		"zero": func() error {
			_, err := c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(0), Destination: "acct_1"}, "k")
			return err
		},
		"no dest":      func() error { _, err := c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(1)}, "k"); return err },
		"reversal":     func() error { _, err := c.ReverseTransfer(ctx, "tr_1", usd(100), nil, " "); return err },
		"neg reversal": func() error { _, err := c.ReverseTransfer(ctx, "tr_1", usd(-1), nil, "k"); return err },
		"no group":     func() error { _, err := c.ListTransfers(ctx, ""); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// TestConnectSandbox runs the payouts path against the sandbox over HTTP:
// onboarding through the link's URL, transfers, idempotent retries,
// reversals, and the refusals a caller must recognise.
func TestConnectSandbox(t *testing.T) {
	var returned atomic.Int32
	back := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/vendor/stripe/return" {
			returned.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer back.Close()
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_connect"})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/stripe/", http.StripPrefix("/sandbox/stripe", sb.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_connect", APIBase: srv.URL + "/sandbox/stripe"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	acct, err := c.CreateExpressAccount(ctx, "vendor@maker.example", "US", map[string]string{"vendor_id": "v_1"}, "acct-v_1")
	if err != nil {
		t.Fatal(err)
	}
	if acct.TransfersActive || acct.PayoutsEnabled {
		t.Fatalf("new account = %+v", acct)
	}
	again, err := c.CreateExpressAccount(ctx, "vendor@maker.example", "US", map[string]string{"vendor_id": "v_1"}, "acct-v_1")
	if err != nil || again.ID != acct.ID || len(sb.Accounts()) != 1 {
		t.Fatalf("retry made another account: %v %s %s", err, again.ID, acct.ID)
	}

	pi, err := c.CreatePaymentIntent(ctx, usd(10000), "ord_1", map[string]string{"order_id": "ord_1"}, "", "checkout-ord_1")
	if err != nil {
		t.Fatal(err)
	}
	if status, err := sb.ConfirmPaymentIntent(pi.ID, "pm_card_visa"); err != nil || status != stripe.StatusSucceeded {
		t.Fatalf("confirm: %s %v", status, err)
	}
	if pi, err = c.GetPaymentIntent(ctx, pi.ID); err != nil {
		t.Fatal(err)
	}

	// Before onboarding: refused in a way the caller can recognise.
	_, err = c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(100), Destination: acct.ID}, "transfer-early")
	var se *stripe.Error
	if !errors.Is(err, stripe.ErrAccountNotReady) || !errors.As(err, &se) || se.Code != stripe.CodeInsufficientCapabilities {
		t.Fatalf("transfer before onboarding: %v", err)
	}

	link, exp, err := c.AccountLink(ctx, acct.ID, back.URL+"/vendor/stripe/refresh", back.URL+"/vendor/stripe/return")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, srv.URL+"/sandbox/stripe/") || time.Until(exp) > 5*time.Minute+time.Second || time.Until(exp) < 4*time.Minute {
		t.Fatalf("link %s expires %v", link, exp)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/vendor/stripe/return" || returned.Load() != 1 {
		t.Fatalf("visiting the link ended at %s (%d)", res.Request.URL, res.StatusCode)
	}
	if acct, err = c.GetAccount(ctx, acct.ID); err != nil {
		t.Fatal(err)
	}
	if !acct.PayoutsEnabled || !acct.TransfersActive || !acct.DetailsSubmitted || acct.Metadata["vendor_id"] != "v_1" {
		t.Fatalf("onboarded account = %+v", acct)
	}
	// A used link sends the vendor to refresh_url.
	if res, err = http.Get(link); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/vendor/stripe/refresh" {
		t.Errorf("a used link ended at %s", res.Request.URL)
	}

	in := stripe.TransferInput{Amount: usd(6000), Destination: acct.ID, TransferGroup: "ord_1", SourceTransaction: pi.LatestChargeID,
		Description: "Payout po_1", Metadata: map[string]string{"payout_id": "po_1"}}
	tr, err := c.CreateTransfer(ctx, in, "transfer-po_1")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Amount != usd(6000) || tr.Destination != acct.ID || tr.TransferGroup != "ord_1" || tr.SourceTransaction != pi.LatestChargeID ||
		tr.Reversed || tr.AmountReversed != 0 || tr.Metadata["payout_id"] != "po_1" || tr.Created.IsZero() {
		t.Errorf("transfer = %+v", tr)
	}
	tr2, err := c.CreateTransfer(ctx, in, "transfer-po_1")
	if err != nil || tr2.ID != tr.ID || len(sb.Transfers()) != 1 {
		t.Fatalf("retry with the same key: %v, %s vs %s, %d transfers", err, tr2.ID, tr.ID, len(sb.Transfers()))
	}

	rv, err := c.ReverseTransfer(ctx, tr.ID, usd(2500), map[string]string{"refund_id": "rf_1"}, "reverse-rf_1")
	if err != nil {
		t.Fatal(err)
	}
	if rv.TransferID != tr.ID || rv.Amount != usd(2500) || rv.Metadata["refund_id"] != "rf_1" {
		t.Errorf("reversal = %+v", rv)
	}
	_, err = c.ReverseTransfer(ctx, tr.ID, usd(3501), nil, "reverse-too-much")
	if !errors.As(err, &se) || se.Status != 400 || se.Code != "amount_too_large" {
		t.Errorf("over-reversal: %v", err)
	}
	if _, err := c.ReverseTransfer(ctx, tr.ID, usd(3500), nil, "reverse-rest"); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTransfer(ctx, tr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Reversed || got.AmountReversed != 6000 {
		t.Errorf("fully reversed transfer = %+v", got)
	}
	list, err := c.ListTransfers(ctx, "ord_1")
	if err != nil || len(list) != 1 || list[0].ID != tr.ID {
		t.Errorf("ListTransfers = %+v, %v", list, err)
	}
	if b := sb.Balance("USD"); b != 10000 {
		t.Errorf("platform balance = %d, want 10000 (charge 100.00, transfer 60.00 fully reversed)", b)
	}
	_, err = c.CreateTransfer(ctx, stripe.TransferInput{Amount: usd(10001), Destination: acct.ID}, "transfer-too-much")
	if !errors.As(err, &se) || se.Code != stripe.CodeBalanceInsufficient || errors.Is(err, stripe.ErrAccountNotReady) {
		t.Errorf("transfer beyond the balance: %v", err)
	}
}
