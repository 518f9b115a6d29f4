package stripe_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/trove-platform/trove/internal/stripe"
)

// TestStripeConnect runs a vendor's Connect life in the stand-in through the
// adapter: an Express account that cannot take transfers until onboarded,
// transfers funded by a charge or by the balance, the balance arithmetic,
// reversals, and the signed events each step sends.
func TestStripeConnect(t *testing.T) {
	r := newStripeRig(t, "/sandbox/stripe")
	ctx := context.Background()

	acct, err := r.client.CreateExpressAccount(ctx, "vendor@maker.example", "US", map[string]string{"vendor_id": "v_1"}, "acct-v_1")
	if err != nil {
		t.Fatal(err)
	}
	if acct.TransfersActive || acct.PayoutsEnabled || acct.DetailsSubmitted || acct.Metadata["vendor_id"] != "v_1" {
		t.Fatalf("new account = %+v", acct)
	}
	if got := r.sb.Accounts(); len(got) != 1 || got[0].Transfers != "inactive" || got[0].DefaultCurrency != "usd" {
		t.Fatalf("Accounts() = %+v", got)
	}

	pi := r.paid(t, usdStripe(10000), "ord_c1")
	if got := r.sb.Balance("USD"); got != 10000 {
		t.Fatalf("balance after a 100.00 charge = %d", got)
	}

	// Not onboarded: refused, recognisably, and nothing moves.
	_, err = r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(100), Destination: acct.ID, TransferGroup: "ord_c1"}, "tr-early")
	if !errors.Is(err, stripe.ErrAccountNotReady) {
		t.Fatalf("transfer to a new account: %v, want ErrAccountNotReady", err)
	}
	if se := stripeErrorOf(t, err); se.Code != stripe.CodeInsufficientCapabilities || se.Status != 400 || se.Retryable {
		t.Errorf("error = %+v", se)
	}

	r.sb.CompleteOnboarding(acct.ID)
	ev := r.recv.wait(t, stripe.EventAccountUpdated, 1)
	got, err := ev.AccountObject()
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != acct.ID || !got.TransfersActive || !got.PayoutsEnabled || !got.DetailsSubmitted {
		t.Fatalf("account.updated after onboarding: %+v", got)
	}

	// A transfer funded by the charge.
	tr, err := r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(6000), Destination: acct.ID,
		TransferGroup: "ord_c1", SourceTransaction: pi.LatestChargeID, Metadata: map[string]string{"payout_id": "po_1"}}, "tr-po_1")
	if err != nil {
		t.Fatal(err)
	}
	if r.sb.Balance("usd") != 4000 {
		t.Errorf("balance after a 60.00 transfer = %d, want 4000", r.sb.Balance("usd"))
	}
	evt, err := r.recv.wait(t, stripe.EventTransferCreated, 1).Transfer()
	if err != nil {
		t.Fatal(err)
	}
	if evt.ID != tr.ID || evt.Amount != usdStripe(6000) || evt.Destination != acct.ID || evt.TransferGroup != "ord_c1" ||
		evt.SourceTransaction != pi.LatestChargeID || evt.Metadata["payout_id"] != "po_1" {
		t.Errorf("transfer.created = %+v", evt)
	}

	// The charge has 40.00 left to fund transfers.
	_, err = r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(4001), Destination: acct.ID,
		TransferGroup: "ord_c1", SourceTransaction: pi.LatestChargeID}, "tr-too-much")
	if se := stripeErrorOf(t, err); se.Code != stripe.CodeBalanceInsufficient {
		t.Errorf("overdrawn source transaction: %+v", se)
	}

	// A refund leaves 30.00 available; a transfer without a source needs it.
	if _, err := r.client.CreateRefund(ctx, pi.ID, usdStripe(1000), nil, "refund-1"); err != nil {
		t.Fatal(err)
	}
	if r.sb.Balance("usd") != 3000 {
		t.Errorf("balance after a 10.00 refund = %d, want 3000", r.sb.Balance("usd"))
	}
	_, err = r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(3001), Destination: acct.ID}, "tr-balance-short")
	if se := stripeErrorOf(t, err); se.Code != stripe.CodeBalanceInsufficient || se.Param != "" {
		t.Errorf("transfer beyond the balance: %+v", se)
	}
	tr2, err := r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(3000), Destination: acct.ID, TransferGroup: "ord_c2"}, "tr-balance")
	if err != nil {
		t.Fatal(err)
	}
	if r.sb.Balance("usd") != 0 {
		t.Errorf("balance = %d, want 0", r.sb.Balance("usd"))
	}

	// Reversals give it back: part, then the rest (no amount: Stripe's default).
	rev, err := r.client.ReverseTransfer(ctx, tr.ID, usdStripe(2000), map[string]string{"refund_id": "rf_1"}, "rev-1")
	if err != nil {
		t.Fatal(err)
	}
	if rev.TransferID != tr.ID || rev.Amount != usdStripe(2000) || rev.Metadata["refund_id"] != "rf_1" {
		t.Errorf("reversal = %+v", rev)
	}
	if r.sb.Balance("usd") != 2000 {
		t.Errorf("balance after a 20.00 reversal = %d", r.sb.Balance("usd"))
	}
	evr, err := r.recv.wait(t, stripe.EventTransferReversed, 1).Transfer()
	if err != nil {
		t.Fatal(err)
	}
	if evr.ID != tr.ID || evr.AmountReversed != 2000 || evr.Reversed {
		t.Errorf("transfer.reversed = %+v", evr)
	}
	status, body := r.call(t, http.MethodPost, "/v1/transfers/"+tr.ID+"/reversals", stripeTestKey, url.Values{})
	if status != 200 || body["amount"] != float64(4000) || body["object"] != "transfer_reversal" {
		t.Fatalf("reverse the rest: %d %v", status, body)
	}
	if evr, _ = r.recv.wait(t, stripe.EventTransferReversed, 2).Transfer(); !evr.Reversed || evr.AmountReversed != 6000 {
		t.Errorf("second transfer.reversed = %+v", evr)
	}
	status, body = r.call(t, http.MethodPost, "/v1/transfers/"+tr.ID+"/reversals", stripeTestKey, url.Values{"amount": {"1"}})
	if status != 400 {
		t.Errorf("reversal of a fully reversed transfer: %d %v", status, body)
	}
	if r.sb.Balance("usd") != 6000 {
		t.Errorf("balance = %d, want 6000", r.sb.Balance("usd"))
	}
	// The charge's 60.00 came back with the reversals: it can fund again (up to 90.00 - 0 net).
	if _, err := r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(5000), Destination: acct.ID,
		TransferGroup: "ord_c1", SourceTransaction: pi.LatestChargeID}, "tr-again"); err != nil {
		t.Errorf("transfer from a charge whose transfer was reversed: %v", err)
	}

	list := r.sb.Transfers()
	if len(list) != 3 || list[0].ID != tr.ID || !list[0].Reversed || len(list[0].Reversals) != 2 || list[1].ID != tr2.ID {
		t.Errorf("Transfers() = %+v", list)
	}

	r.sb.DisablePayouts(acct.ID)
	ga, err := r.recv.wait(t, stripe.EventAccountUpdated, 2).AccountObject()
	if err != nil {
		t.Fatal(err)
	}
	if ga.PayoutsEnabled || !ga.TransfersActive {
		t.Errorf("account.updated after DisablePayouts: %+v", ga)
	}

	r.sb.WaitDeliveries()
	r.recv.mu.Lock()
	rejected := r.recv.rejected
	r.recv.mu.Unlock()
	if len(rejected) > 0 {
		t.Errorf("deliveries rejected by ParseEvent: %v", rejected)
	}
	for _, d := range r.sb.Deliveries() {
		if d.StatusCode != 200 {
			t.Errorf("delivery %s (%s): status %d", d.EventID, d.Type, d.StatusCode)
		}
	}
}

func TestStripeConnectRefusals(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	acct, err := r.client.CreateExpressAccount(ctx, "", "US", nil, "acct-1")
	if err != nil {
		t.Fatal(err)
	}
	r.sb.CompleteOnboarding(acct.ID)
	pi := r.paid(t, usdStripe(5000), "ord_r1")
	other := r.paid(t, usdStripe(5000), "ord_r2")
	if _, err := r.client.CreateRefund(ctx, other.ID, usdStripe(5000), nil, "refund-all"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		form   url.Values
		code   string
		status int
	}{
		{"unknown destination", url.Values{"destination": {"acct_nope"}}, "resource_missing", 400},
		{"currency mismatch", url.Values{"currency": {"eur"}}, "", 400},
		{"unknown source", url.Values{"source_transaction": {"ch_nope"}}, "resource_missing", 400},
		{"source fully refunded", url.Values{"source_transaction": {other.LatestChargeID}}, "balance_insufficient", 400},
		{"source currency", url.Values{"source_transaction": {pi.LatestChargeID}, "currency": {"eur"}}, "", 400},
		{"zero", url.Values{"amount": {"0"}}, "", 400},
		{"no destination", url.Values{"destination": {""}}, "parameter_missing", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"amount": {"100"}, "currency": {"usd"}, "destination": {acct.ID}}
			for k, v := range tc.form {
				form[k] = v
			}
			status, body := r.call(t, http.MethodPost, "/v1/transfers", stripeTestKey, form)
			e, _ := body["error"].(map[string]any)
			if status != tc.status || e == nil || e["type"] != "invalid_request_error" || (tc.code != "" && e["code"] != tc.code) || e["message"] == "" {
				t.Errorf("%d %v, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}

	t.Run("account needs transfers (and card_payments outside the US)", func(t *testing.T) {
		for _, form := range []url.Values{
			{"type": {"express"}, "country": {"US"}},
			{"type": {"express"}, "country": {"DE"}, "capabilities[transfers][requested]": {"true"}},
			{"type": {"standard"}},
		} {
			if status, body := r.call(t, http.MethodPost, "/v1/accounts", stripeTestKey, form); status != 400 {
				t.Errorf("%v: %d %v", form, status, body)
			}
		}
		if _, err := r.client.CreateExpressAccount(ctx, "v@x.example", "DE", nil, "acct-de"); err != nil {
			t.Errorf("German Express account: %v", err)
		}
	})

	t.Run("idempotent transfer", func(t *testing.T) {
		in := stripe.TransferInput{Amount: usdStripe(700), Destination: acct.ID, TransferGroup: "ord_r1", SourceTransaction: pi.LatestChargeID}
		a, err := r.client.CreateTransfer(ctx, in, "tr-same")
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.client.CreateTransfer(ctx, in, "tr-same")
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID || len(r.sb.Transfers()) != 1 {
			t.Errorf("a retry with the same key made %d transfers (%s, %s)", len(r.sb.Transfers()), a.ID, b.ID)
		}
		in.Amount = usdStripe(701)
		if _, err := r.client.CreateTransfer(ctx, in, "tr-same"); stripeErrorOf(t, err).Type != "idempotency_error" {
			t.Errorf("same key, other amount: %v", err)
		}
	})

	t.Run("list pages", func(t *testing.T) {
		for i, k := range []string{"p1", "p2", "p3"} {
			if _, err := r.client.CreateTransfer(ctx, stripe.TransferInput{Amount: usdStripe(int64(100 + i)), Destination: acct.ID,
				TransferGroup: "ord_list", SourceTransaction: pi.LatestChargeID}, k); err != nil {
				t.Fatal(err)
			}
		}
		status, body := r.call(t, http.MethodGet, "/v1/transfers?transfer_group=ord_list&limit=2", stripeTestKey, nil)
		data, _ := body["data"].([]any)
		if status != 200 || len(data) != 2 || body["has_more"] != true {
			t.Fatalf("page 1: %d %v", status, body)
		}
		last := data[1].(map[string]any)["id"].(string)
		_, body = r.call(t, http.MethodGet, "/v1/transfers?transfer_group=ord_list&limit=2&starting_after="+last, stripeTestKey, nil)
		if data, _ := body["data"].([]any); len(data) != 1 || body["has_more"] != false || data[0].(map[string]any)["amount"] != float64(100) {
			t.Fatalf("page 2: %v", body)
		}
		all, err := r.client.ListTransfers(ctx, "ord_list")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Amount != usdStripe(102) || all[2].Amount != usdStripe(100) {
			t.Errorf("ListTransfers = %+v", all)
		}
	})
}
