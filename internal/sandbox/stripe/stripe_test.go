package stripe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
)

const (
	stripeTestKey          = "sk_test_trove_sandbox"
	stripeTestPK           = "pk_test_trove_sandbox"
	stripeTestWhsec        = "whsec_trove_sandbox_secret"
	stripeTestConnectWhsec = "whsec_trove_sandbox_connect"
	stripeWaitWindow       = 5 * time.Second
)

// stripeReceiver is Trove's two webhook endpoints in miniature: it verifies
// each delivery with the adapter (ParseEvent at /webhooks/stripe,
// ParseConnectEvent at /webhooks/stripe/connect), refuses an event that
// endpoint never gets from Stripe (a connected account's at the platform's,
// the platform's at the Connect one), and keeps the events.
type stripeReceiver struct {
	srv    *httptest.Server
	client *stripe.Client

	mu       sync.Mutex
	events   []stripe.Event
	connect  []stripe.Event // of those, the ones received at the Connect endpoint
	rejected []error
	failNext int // answer 500 to this many deliveries first
}

func (rc *stripeReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	atConnect := strings.HasSuffix(r.URL.Path, "/connect")
	var ev stripe.Event
	if atConnect {
		ev, err = rc.client.ParseConnectEvent(body, r.Header.Get("Stripe-Signature"))
		if err == nil && ev.Account == "" {
			err = fmt.Errorf("%s (%s) without account at the Connect endpoint", ev.ID, ev.Type)
		}
	} else {
		ev, err = rc.client.ParseEvent(body, r.Header.Get("Stripe-Signature"))
		if err == nil && ev.Account != "" {
			err = fmt.Errorf("%s (%s) of account %s at the platform's endpoint", ev.ID, ev.Type, ev.Account)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.rejected = append(rc.rejected, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if rc.failNext > 0 {
		rc.failNext--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	rc.events = append(rc.events, ev)
	if atConnect {
		rc.connect = append(rc.connect, ev)
	}
	w.WriteHeader(http.StatusOK)
}

// atConnect says whether the event evtID was received at the Connect endpoint.
func (rc *stripeReceiver) atConnect(evtID string) bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, ev := range rc.connect {
		if ev.ID == evtID {
			return true
		}
	}
	return false
}

// of returns the events of type typ received so far.
func (rc *stripeReceiver) of(typ string) []stripe.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []stripe.Event
	for _, ev := range rc.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// wait returns the n-th (1-based) event of type typ, waiting for it.
func (rc *stripeReceiver) wait(t *testing.T, typ string, n int) stripe.Event {
	t.Helper()
	deadline := time.Now().Add(stripeWaitWindow)
	for {
		if evs := rc.of(typ); len(evs) >= n {
			return evs[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d× %s event within %s (rejected: %v)", n, typ, stripeWaitWindow, rc.rejected)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type stripeRig struct {
	sb     *sbstripe.Stripe
	client *stripe.Client
	clock  *clock.Fake
	base   string // the sandbox's API base URL, as the adapter's APIBase
	recv   *stripeReceiver
}

// newStripeRig runs the sandbox on a real HTTP server (under prefix, when
// given, as `trove serve --sandbox` mounts it), a webhook receiver, and an
// adapter pointed at the sandbox that verifies the receiver's deliveries.
func newStripeRig(t *testing.T, prefix string) *stripeRig {
	t.Helper()
	clk := clock.NewFake(time.Now())
	recv := &stripeReceiver{}
	recv.srv = httptest.NewServer(recv)
	t.Cleanup(recv.srv.Close)
	sb := sbstripe.New(sbstripe.Config{
		SecretKey: stripeTestKey, PublishableKey: stripeTestPK, WebhookSecret: stripeTestWhsec,
		WebhookURL: recv.srv.URL + "/webhooks/stripe", Clock: clk,
		ConnectWebhookURL: recv.srv.URL + "/webhooks/stripe/connect", ConnectWebhookSecret: stripeTestConnectWhsec,
	})
	var h http.Handler = sb.Handler()
	if prefix != "" {
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, sb.Handler()))
		h = mux
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.WaitDeliveries)
	c, err := stripe.New(stripe.Config{
		SecretKey: stripeTestKey, APIBase: srv.URL + prefix,
		WebhookSecrets: []string{"whsec_retired_one", stripeTestWhsec}, ConnectWebhookSecrets: []string{stripeTestConnectWhsec}, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	recv.client = c
	return &stripeRig{sb: sb, client: c, clock: clk, base: srv.URL + prefix, recv: recv}
}

// call sends a form request to the sandbox as a browser or a raw client
// would, and decodes the JSON answer.
func (r *stripeRig) call(t *testing.T, method, path, key string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	return res.StatusCode, out
}

// confirm confirms an intent as the storefront's sandbox card form does:
// publishable key in the form, with the client secret.
func (r *stripeRig) confirm(t *testing.T, pi stripe.PaymentIntent, paymentMethod string) (int, map[string]any) {
	t.Helper()
	return r.call(t, http.MethodPost, "/v1/payment_intents/"+pi.ID+"/confirm", "", url.Values{
		"key": {stripeTestPK}, "client_secret": {pi.ClientSecret}, "payment_method": {paymentMethod},
	})
}

// paid makes an intent for amount and pays it with the test visa.
func (r *stripeRig) paid(t *testing.T, amount money.Money, order string) stripe.PaymentIntent {
	t.Helper()
	ctx := context.Background()
	pi, err := r.client.CreatePaymentIntent(ctx, amount, order, map[string]string{"order_id": order}, "", "checkout-"+order)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := r.confirm(t, pi, "pm_card_visa"); status != http.StatusOK || body["status"] != "succeeded" {
		t.Fatalf("confirm: %d %v", status, body)
	}
	pi, err = r.client.GetPaymentIntent(ctx, pi.ID)
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

func usdStripe(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

func stripeErrorOf(t *testing.T, err error) *stripe.Error {
	t.Helper()
	var se *stripe.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *stripe.Error", err)
	}
	return se
}

func TestStripePayment(t *testing.T) {
	for _, prefix := range []string{"", "/sandbox/stripe"} {
		t.Run("mounted at "+prefix+"/", func(t *testing.T) {
			r := newStripeRig(t, prefix)
			ctx := context.Background()
			pi, err := r.client.CreatePaymentIntent(ctx, usdStripe(4250), "ord_A1", map[string]string{"order_id": "ord_A1"}, "", "checkout-ord_A1")
			if err != nil {
				t.Fatal(err)
			}
			if pi.Status != stripe.StatusRequiresPaymentMethod || !strings.HasPrefix(pi.ClientSecret, pi.ID+"_secret_") ||
				pi.Amount != usdStripe(4250) || pi.TransferGroup != "ord_A1" || pi.Metadata["order_id"] != "ord_A1" {
				t.Fatalf("created %+v", pi)
			}

			status, body := r.confirm(t, pi, "pm_card_visa")
			if status != http.StatusOK || body["status"] != "succeeded" {
				t.Fatalf("confirm: %d %v", status, body)
			}
			if _, leaked := body["metadata"]; leaked {
				t.Error("a publishable-key answer shows metadata")
			}

			got, err := r.client.GetPaymentIntent(ctx, pi.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != stripe.StatusSucceeded || got.AmountReceived != usdStripe(4250) || !strings.HasPrefix(got.LatestChargeID, "ch_") {
				t.Fatalf("after confirm %+v", got)
			}

			ev := r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1)
			if !strings.HasPrefix(ev.ID, "evt_") || ev.APIVersion != stripe.APIVersion || !ev.Created.Equal(r.clock.Now().Truncate(time.Second)) {
				t.Errorf("event %+v", ev)
			}
			evPI, err := ev.PaymentIntent()
			if err != nil {
				t.Fatal(err)
			}
			if evPI.ID != pi.ID || evPI.Status != stripe.StatusSucceeded || evPI.Metadata["order_id"] != "ord_A1" ||
				evPI.TransferGroup != "ord_A1" || evPI.LatestChargeID != got.LatestChargeID {
				t.Errorf("event's intent %+v", evPI)
			}
			ch, err := r.recv.wait(t, "charge.succeeded", 1).Charge()
			if err != nil {
				t.Fatal(err)
			}
			if ch.ID != got.LatestChargeID || ch.PaymentIntentID != pi.ID || ch.Amount != usdStripe(4250) || ch.TransferGroup != "ord_A1" {
				t.Errorf("charge %+v", ch)
			}

			// Confirming again is refused, as Stripe does.
			status, body = r.confirm(t, pi, "pm_card_visa")
			if errObj, _ := body["error"].(map[string]any); status != http.StatusBadRequest || errObj["code"] != "payment_intent_unexpected_state" {
				t.Errorf("second confirm: %d %v", status, body)
			}
		})
	}
}

func TestStripeConfirmAuth(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	pi, err := r.client.CreatePaymentIntent(ctx, usdStripe(1500), "ord_B1", nil, "", "checkout-ord_B1")
	if err != nil {
		t.Fatal(err)
	}
	confirmPath := "/v1/payment_intents/" + pi.ID + "/confirm"
	tests := []struct {
		name   string
		key    string
		form   url.Values
		status int
	}{
		{"publishable key without client secret", "", url.Values{"key": {stripeTestPK}, "payment_method": {"pm_card_visa"}}, 400},
		{"publishable key with another secret", "", url.Values{"key": {stripeTestPK}, "client_secret": {pi.ID + "_secret_nope"}, "payment_method": {"pm_card_visa"}}, 400},
		{"unknown key", "sk_test_someone_else", url.Values{"payment_method": {"pm_card_visa"}}, 401},
		{"no key", "", url.Values{"payment_method": {"pm_card_visa"}}, 401},
		{"unknown payment method", stripeTestKey, url.Values{"payment_method": {"pm_card_bogus"}}, 404},
		{"no payment method", stripeTestKey, url.Values{}, 400},
		{"unknown parameter", stripeTestKey, url.Values{"payment_method": {"pm_card_visa"}, "colour": {"red"}}, 400},
		{"secret key", stripeTestKey, url.Values{"payment_method": {"pm_card_visa"}}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := r.call(t, http.MethodPost, confirmPath, tc.key, tc.form)
			if status != tc.status {
				t.Fatalf("%d %v, want %d", status, body, tc.status)
			}
			if status != 200 {
				if e, _ := body["error"].(map[string]any); e["type"] == nil || e["message"] == "" {
					t.Errorf("error body %v", body)
				}
			}
		})
	}
	t.Run("publishable key cannot create", func(t *testing.T) {
		status, _ := r.call(t, http.MethodPost, "/v1/payment_intents", stripeTestPK, url.Values{"amount": {"100"}, "currency": {"usd"}})
		if status != http.StatusUnauthorized {
			t.Fatalf("status %d", status)
		}
	})
	t.Run("publishable key reads with the client secret", func(t *testing.T) {
		q := url.Values{"key": {stripeTestPK}, "client_secret": {pi.ClientSecret}}
		status, body := r.call(t, http.MethodGet, "/v1/payment_intents/"+pi.ID+"?"+q.Encode(), "", nil)
		if status != 200 || body["status"] != "succeeded" {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("the adapter maps a refused key", func(t *testing.T) {
		c, err := stripe.New(stripe.Config{SecretKey: "sk_test_wrong", APIBase: r.base})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetPaymentIntent(ctx, pi.ID)
		if se := stripeErrorOf(t, err); se.Status != 401 || se.Retryable || !strings.Contains(se.Message, "Invalid API Key") {
			t.Fatalf("%+v", se)
		}
	})
	t.Run("test card numbers", func(t *testing.T) {
		for number, want := range map[string]int{"4242 4242 4242 4242": 200, "4000000000009995": 402, "1234123412341234": 402} {
			pi, err := r.client.CreatePaymentIntent(ctx, usdStripe(900), "ord_card", nil, "", "card-"+number)
			if err != nil {
				t.Fatal(err)
			}
			status, body := r.call(t, http.MethodPost, "/v1/payment_intents/"+pi.ID+"/confirm", "", url.Values{
				"key": {stripeTestPK}, "client_secret": {pi.ClientSecret},
				"payment_method_data[type]": {"card"}, "payment_method_data[card][number]": {number},
			})
			if status != want {
				t.Errorf("card %s: %d %v, want %d", number, status, body, want)
			}
		}
	})
}

func TestStripeDeclineThenSuccess(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	pi, err := r.client.CreatePaymentIntent(ctx, usdStripe(2000), "ord_C1", map[string]string{"order_id": "ord_C1"}, "", "checkout-ord_C1")
	if err != nil {
		t.Fatal(err)
	}
	status, body := r.confirm(t, pi, "pm_card_chargeDeclined")
	errObj, _ := body["error"].(map[string]any)
	if status != http.StatusPaymentRequired || errObj["type"] != "card_error" || errObj["code"] != "card_declined" ||
		errObj["decline_code"] != "generic_decline" || errObj["message"] != "Your card was declined." {
		t.Fatalf("declined confirm: %d %v", status, body)
	}
	if epi, _ := errObj["payment_intent"].(map[string]any); epi["status"] != "requires_payment_method" {
		t.Errorf("error's payment_intent %v", errObj["payment_intent"])
	}

	got, err := r.client.GetPaymentIntent(ctx, pi.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stripe.StatusRequiresPaymentMethod || got.LastErrorCode != "card_declined" || got.LatestChargeID == "" {
		t.Fatalf("after decline %+v", got)
	}
	failed, err := r.recv.wait(t, stripe.EventPaymentIntentPaymentFailed, 1).PaymentIntent()
	if err != nil {
		t.Fatal(err)
	}
	if failed.ID != pi.ID || failed.LastErrorCode != "card_declined" || failed.Metadata["order_id"] != "ord_C1" {
		t.Errorf("payment_failed intent %+v", failed)
	}
	if ch, err := r.recv.wait(t, "charge.failed", 1).Charge(); err != nil || ch.FailureCode != "card_declined" || ch.Status != "failed" {
		t.Errorf("charge.failed %+v %v", ch, err)
	}

	// The buyer tries another card: the same intent succeeds.
	if status, body := r.confirm(t, pi, "pm_card_visa"); status != 200 || body["status"] != "succeeded" {
		t.Fatalf("retry: %d %v", status, body)
	}
	ok, err := r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1).PaymentIntent()
	if err != nil || ok.ID != pi.ID || ok.LastErrorCode != "" {
		t.Errorf("succeeded %+v %v", ok, err)
	}
}

func TestStripeConfirmHelper(t *testing.T) {
	r := newStripeRig(t, "")
	pi, err := r.client.CreatePaymentIntent(context.Background(), usdStripe(1800), "ord_L1", nil, "", "checkout-ord_L1")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		pm, status string
		wantErr    bool
	}{
		{"pm_card_bogus", "", true},
		{"pm_card_chargeDeclinedInsufficientFunds", stripe.StatusRequiresPaymentMethod, false},
		{"pm_card_mastercard", stripe.StatusSucceeded, false},
		{"pm_card_visa", stripe.StatusSucceeded, true}, // already succeeded
	}
	for _, st := range steps {
		status, err := r.sb.ConfirmPaymentIntent(pi.ID, st.pm)
		if (err != nil) != st.wantErr || (!st.wantErr && status != st.status) {
			t.Errorf("ConfirmPaymentIntent(%s) = %q, %v", st.pm, status, err)
		}
	}
	failed, err := r.recv.wait(t, stripe.EventPaymentIntentPaymentFailed, 1).PaymentIntent()
	if err != nil || failed.LastErrorCode != "card_declined" || !strings.Contains(failed.LastErrorMessage, "insufficient funds") {
		t.Errorf("payment_failed %+v %v", failed, err)
	}
	r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1)
}

func TestStripeCancelIntent(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	pi, err := r.client.CreatePaymentIntent(ctx, usdStripe(3000), "ord_D1", nil, "", "checkout-ord_D1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.client.CancelPaymentIntent(ctx, pi.ID, stripe.CancelAbandoned, "cancel-ord_D1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stripe.StatusCanceled || got.CancellationReason != stripe.CancelAbandoned {
		t.Fatalf("%+v", got)
	}
	// A canceled intent can never be paid: confirming it is refused and
	// charges nothing.
	if _, err := r.sb.ConfirmPaymentIntent(pi.ID, "pm_card_visa"); err == nil || !strings.Contains(err.Error(), "status of canceled") {
		t.Fatalf("confirming a canceled intent: %v", err)
	}
	if cur, err := r.client.GetPaymentIntent(ctx, pi.ID); err != nil || cur.Status != stripe.StatusCanceled || cur.AmountReceived.Amount != 0 {
		t.Fatalf("after a refused confirm: %+v %v", cur, err)
	}
	// A retried job sends the same key: the same answer, not an error.
	again, err := r.client.CancelPaymentIntent(ctx, pi.ID, stripe.CancelAbandoned, "cancel-ord_D1")
	if err != nil || again.Status != stripe.StatusCanceled {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if ev, err := r.recv.wait(t, stripe.EventPaymentIntentCanceled, 1).PaymentIntent(); err != nil || ev.ID != pi.ID {
		t.Errorf("canceled event %+v %v", ev, err)
	}
	_, err = r.client.CancelPaymentIntent(ctx, pi.ID, stripe.CancelAbandoned, "cancel-ord_D1-other")
	if se := stripeErrorOf(t, err); se.Code != "payment_intent_unexpected_state" || se.Status != 400 || se.Retryable {
		t.Errorf("%+v", se)
	}
	paid := r.paid(t, usdStripe(1000), "ord_D2")
	_, err = r.client.CancelPaymentIntent(ctx, paid.ID, stripe.CancelAbandoned, "cancel-ord_D2")
	if se := stripeErrorOf(t, err); se.Code != "payment_intent_unexpected_state" {
		t.Errorf("cancel after success: %+v", se)
	}
}

func TestStripeRefunds(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	pi := r.paid(t, usdStripe(5000), "ord_E1")

	steps := []struct {
		name          string
		amount        int64
		key           string
		wantCode      string // "" for success
		wantRefunded  int64  // charge's amount_refunded after the step
		wantRefundsOf int    // charge.refunded events by then
	}{
		{"first partial", 2000, "refund-1", "", 2000, 1},
		{"second partial", 2500, "refund-2", "", 4500, 2},
		{"more than is left", 1000, "refund-3", "amount_too_large", 4500, 2},
		{"the rest", 500, "refund-4", "", 5000, 3},
		{"nothing left", 1, "refund-5", "charge_already_refunded", 5000, 3},
	}
	var firstID string
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			rf, err := r.client.CreateRefund(ctx, pi.ID, usdStripe(st.amount), map[string]string{"order_id": "ord_E1", "step": st.key}, st.key)
			if st.wantCode != "" {
				se := stripeErrorOf(t, err)
				if se.Code != st.wantCode || se.Status != 400 || se.Retryable || se.Message == "" {
					t.Fatalf("%+v", se)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(rf.ID, "re_") || rf.PaymentIntentID != pi.ID || rf.ChargeID != pi.LatestChargeID ||
				rf.Amount != usdStripe(st.amount) || rf.Status != "succeeded" || rf.Metadata["step"] != st.key {
				t.Errorf("refund %+v", rf)
			}
			if firstID == "" {
				firstID = rf.ID
			}
			ch, err := r.recv.wait(t, stripe.EventChargeRefunded, st.wantRefundsOf).Charge()
			if err != nil {
				t.Fatal(err)
			}
			if ch.AmountRefunded != usdStripe(st.wantRefunded) || ch.Refunded != (st.wantRefunded == 5000) || ch.PaymentIntentID != pi.ID {
				t.Errorf("charge.refunded %+v", ch)
			}
		})
	}
	t.Run("refund.created", func(t *testing.T) {
		rf, err := r.recv.wait(t, stripe.EventRefundCreated, 1).Refund()
		if err != nil {
			t.Fatal(err)
		}
		if rf.PaymentIntentID != pi.ID || rf.Status != "succeeded" || rf.Amount.Currency != "USD" || rf.Metadata["order_id"] != "ord_E1" {
			t.Errorf("refund.created %+v", rf)
		}
	})
	t.Run("replayed key gives the same refund", func(t *testing.T) {
		rf, err := r.client.CreateRefund(ctx, pi.ID, usdStripe(2000), map[string]string{"order_id": "ord_E1", "step": "refund-1"}, "refund-1")
		if err != nil {
			t.Fatal(err)
		}
		if rf.ID != firstID {
			t.Errorf("replay made refund %s, want %s", rf.ID, firstID)
		}
		r.sb.WaitDeliveries()
		if n := len(r.recv.of(stripe.EventRefundCreated)); n != 3 {
			t.Errorf("%d refund.created events, want 3", n)
		}
	})
	t.Run("refund of an unpaid intent", func(t *testing.T) {
		unpaid, err := r.client.CreatePaymentIntent(ctx, usdStripe(1000), "ord_E2", nil, "", "checkout-ord_E2")
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.client.CreateRefund(ctx, unpaid.ID, usdStripe(100), nil, "refund-e2")
		if se := stripeErrorOf(t, err); se.Status != 400 {
			t.Errorf("%+v", se)
		}
	})
}

func TestStripeIdempotency(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	md := map[string]string{"order_id": "ord_F1"}
	first, err := r.client.CreatePaymentIntent(ctx, usdStripe(4200), "ord_F1", md, "", "checkout-ord_F1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := r.client.CreatePaymentIntent(ctx, usdStripe(4200), "ord_F1", md, "", "checkout-ord_F1")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.ClientSecret != first.ClientSecret {
		t.Fatalf("replay made %s, want %s", again.ID, first.ID)
	}
	_, err = r.client.CreatePaymentIntent(ctx, usdStripe(9900), "ord_F1", md, "", "checkout-ord_F1")
	if se := stripeErrorOf(t, err); se.Type != "idempotency_error" || se.Status != 400 || se.Retryable {
		t.Fatalf("same key, other amount: %+v", se)
	}
	other, err := r.client.CreatePaymentIntent(ctx, usdStripe(4200), "ord_F1", md, "", "checkout-ord_F1-b")
	if err != nil || other.ID == first.ID {
		t.Fatalf("a new key made %+v %v", other, err)
	}
	// A request refused before it ran is not kept: fixing it under the same key works.
	_, err = r.client.CreatePaymentIntent(ctx, usdStripe(10), "ord_F2", nil, "", "checkout-ord_F2")
	if se := stripeErrorOf(t, err); se.Code != "amount_too_small" {
		t.Fatalf("%+v", se)
	}
	if _, err := r.client.CreatePaymentIntent(ctx, usdStripe(1000), "ord_F2", nil, "", "checkout-ord_F2"); err != nil {
		t.Fatalf("same key after a refused request: %v", err)
	}
	// An idempotency key lives 24 hours.
	r.clock.Advance(25 * time.Hour)
	later, err := r.client.CreatePaymentIntent(ctx, usdStripe(9900), "ord_F1", md, "", "checkout-ord_F1")
	if err != nil || later.ID == first.ID {
		t.Fatalf("after 25 h: %+v %v", later, err)
	}
}

func TestStripeSubscriptions(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	cus, err := r.client.CreateCustomer(ctx, "gifts@acme.example", "Acme Corp", "customer-acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		months int
	}{{"monthly", 1}, {"quarterly", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			price, err := r.client.CreatePrice(ctx, "Coffee lovers box ("+tc.name+")", usdStripe(6000), tc.months, "price-"+tc.name)
			if err != nil {
				t.Fatal(err)
			}
			plan := "plan_" + tc.name
			sub, err := r.client.CreateSubscription(ctx, cus, price, map[string]string{"plan_id": plan}, "subscribe-"+plan)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sub.ID, "sub_") || sub.Status != stripe.SubscriptionActive || sub.CustomerID != cus ||
				sub.PriceID != price || !strings.HasPrefix(sub.LatestInvoiceID, "in_") || sub.Metadata["plan_id"] != plan {
				t.Fatalf("created %+v", sub)
			}
			if want := sub.CurrentPeriodStart.AddDate(0, tc.months, 0); !sub.CurrentPeriodEnd.Equal(want) {
				t.Errorf("period %s – %s, want the end at %s", sub.CurrentPeriodStart, sub.CurrentPeriodEnd, want)
			}
			// invoice.paid events of this subscription, in arrival order.
			paidInvoices := func(n int) []stripe.Invoice {
				t.Helper()
				deadline := time.Now().Add(stripeWaitWindow)
				for {
					var out []stripe.Invoice
					for _, ev := range r.recv.of(stripe.EventInvoicePaid) {
						inv, err := ev.Invoice()
						if err != nil {
							t.Fatal(err)
						}
						if inv.SubscriptionID == sub.ID {
							out = append(out, inv)
						}
					}
					if len(out) >= n {
						return out
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d invoice.paid for %s, want %d", len(out), sub.ID, n)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			first := paidInvoices(1)[0]
			if first.ID != sub.LatestInvoiceID || first.BillingReason != stripe.BillingReasonSubscriptionCreate ||
				first.AmountPaid != usdStripe(6000) || first.CustomerID != cus || first.Status != "paid" ||
				first.SubscriptionMetadata["plan_id"] != plan || !first.PeriodStart.Equal(sub.CurrentPeriodStart) ||
				!first.PeriodEnd.Equal(sub.CurrentPeriodEnd) || first.PaymentIntentID == "" || first.ChargeID == "" {
				t.Errorf("first invoice %+v", first)
			}

			r.sb.RenewSubscription(sub.ID)
			second := paidInvoices(2)[1]
			if second.BillingReason != stripe.BillingReasonSubscriptionCycle || second.ID == first.ID ||
				!second.PeriodStart.Equal(first.PeriodEnd) || !second.PeriodEnd.Equal(first.PeriodStart.AddDate(0, 2*tc.months, 0)) ||
				second.AmountPaid != usdStripe(6000) {
				t.Errorf("renewal invoice %+v (first %+v)", second, first)
			}

			r.sb.FailRenewal(sub.ID)
			var failed stripe.Invoice
			for i := 1; ; i++ {
				inv, err := r.recv.wait(t, stripe.EventInvoicePaymentFailed, i).Invoice()
				if err != nil {
					t.Fatal(err)
				}
				if inv.SubscriptionID == sub.ID {
					failed = inv
					break
				}
			}
			if failed.Status != "open" || failed.AmountPaid.Amount != 0 || failed.AttemptCount != 1 ||
				failed.BillingReason != stripe.BillingReasonSubscriptionCycle {
				t.Errorf("failed renewal %+v", failed)
			}
			now, err := r.client.GetSubscription(ctx, sub.ID)
			if err != nil || now.Status != stripe.SubscriptionPastDue {
				t.Fatalf("after a failed renewal %+v %v", now, err)
			}
			// A successful renewal brings it back.
			r.sb.RenewSubscription(sub.ID)
			paidInvoices(3)
			if now, err = r.client.GetSubscription(ctx, sub.ID); err != nil || now.Status != stripe.SubscriptionActive {
				t.Fatalf("after a paid renewal %+v %v", now, err)
			}

			canceled, err := r.client.CancelSubscription(ctx, sub.ID)
			if err != nil || canceled.Status != stripe.SubscriptionCanceled || canceled.CanceledAt.IsZero() {
				t.Fatalf("cancel %+v %v", canceled, err)
			}
			var deleted stripe.Subscription
			for i := 1; ; i++ {
				if deleted, err = r.recv.wait(t, stripe.EventSubscriptionDeleted, i).Subscription(); err != nil {
					t.Fatal(err)
				}
				if deleted.ID == sub.ID {
					break
				}
			}
			if deleted.Status != stripe.SubscriptionCanceled || deleted.Metadata["plan_id"] != plan {
				t.Errorf("deleted %+v", deleted)
			}
			// Cancelling again (a retried job) is not an error.
			if again, err := r.client.CancelSubscription(ctx, sub.ID); err != nil || again.Status != stripe.SubscriptionCanceled {
				t.Errorf("second cancel %+v %v", again, err)
			}
		})
	}

	t.Run("bad requests", func(t *testing.T) {
		_, err := r.client.CreateSubscription(ctx, "cus_nobody", "price_none", nil, "subscribe-nobody")
		if se := stripeErrorOf(t, err); se.Code != "resource_missing" || se.Status != 404 || se.Param != "customer" {
			t.Errorf("%+v", se)
		}
		_, err = r.client.CancelSubscription(ctx, "sub_none")
		if se := stripeErrorOf(t, err); se.Code != "resource_missing" {
			t.Errorf("%+v", se)
		}
	})

	t.Run("default_incomplete: the buyer pays the first invoice", func(t *testing.T) {
		price, err := r.client.CreatePrice(ctx, "Tea box", usdStripe(2500), 1, "price-tea")
		if err != nil {
			t.Fatal(err)
		}
		status, body := r.call(t, http.MethodPost, "/v1/subscriptions", stripeTestKey, url.Values{
			"customer": {cus}, "items[0][price]": {price}, "payment_behavior": {"default_incomplete"},
			"expand[0]": {"latest_invoice.payment_intent"},
		})
		if status != 200 || body["status"] != "incomplete" {
			t.Fatalf("%d %v", status, body)
		}
		inv, _ := body["latest_invoice"].(map[string]any)
		pi, _ := inv["payment_intent"].(map[string]any)
		secret, _ := pi["client_secret"].(string)
		id, _ := pi["id"].(string)
		if inv["status"] != "open" || secret == "" {
			t.Fatalf("latest_invoice %v", inv)
		}
		if status, body := r.confirm(t, stripe.PaymentIntent{ID: id, ClientSecret: secret}, "pm_card_visa"); status != 200 {
			t.Fatalf("confirm: %d %v", status, body)
		}
		sub, err := r.client.GetSubscription(ctx, body["id"].(string))
		if err != nil || sub.Status != stripe.SubscriptionActive {
			t.Fatalf("after paying %+v %v", sub, err)
		}
	})
}

func TestStripeDispute(t *testing.T) {
	r := newStripeRig(t, "")
	pi := r.paid(t, usdStripe(7500), "ord_G1")
	dp := r.sb.Dispute(pi.LatestChargeID)
	d, err := r.recv.wait(t, stripe.EventChargeDisputeCreated, 1).Dispute()
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != dp || d.ChargeID != pi.LatestChargeID || d.PaymentIntentID != pi.ID || d.Amount != usdStripe(7500) || d.Status != "needs_response" {
		t.Errorf("dispute %+v", d)
	}
	_, err = r.client.CreateRefund(context.Background(), pi.ID, usdStripe(100), nil, "refund-disputed")
	if se := stripeErrorOf(t, err); se.Code != "charge_disputed" {
		t.Errorf("%+v", se)
	}
}

func TestStripeDeliveries(t *testing.T) {
	t.Run("redelivery keeps the event id", func(t *testing.T) {
		r := newStripeRig(t, "")
		pi := r.paid(t, usdStripe(1200), "ord_H1")
		first := r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1)
		r.sb.WaitDeliveries()
		var d sbstripe.Delivery
		for _, x := range r.sb.Deliveries() {
			if x.EventID == first.ID {
				d = x
			}
		}
		if d.StatusCode != 200 || d.Attempts != 1 || d.Type != stripe.EventPaymentIntentSucceeded {
			t.Fatalf("delivery %+v", d)
		}
		r.clock.Advance(10 * time.Minute) // later than the first signature's tolerance: a fresh one is made
		status, err := r.sb.Redeliver(d)
		if err != nil || status != 200 {
			t.Fatalf("redeliver: %d %v", status, err)
		}
		again := r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 2)
		againPI, err1 := again.PaymentIntent()
		firstPI, err2 := first.PaymentIntent()
		if again.ID != first.ID || err1 != nil || err2 != nil || !reflect.DeepEqual(againPI, firstPI) {
			t.Errorf("redelivered %s, want %s with the same object", again.ID, first.ID)
		}
		all := r.sb.Deliveries()
		last := all[len(all)-1]
		if !last.Redelivery || last.EventID != first.ID || !bytes.Equal(last.Payload, d.Payload) {
			t.Errorf("redelivery record %+v", last)
		}
		if evPI, _ := again.PaymentIntent(); evPI.ID != pi.ID {
			t.Errorf("object %s", evPI.ID)
		}
		// The event can be read back too.
		status2, body := r.call(t, http.MethodGet, "/v1/events/"+first.ID, stripeTestKey, nil)
		if status2 != 200 || body["id"] != first.ID || body["type"] != stripe.EventPaymentIntentSucceeded {
			t.Errorf("GET event: %d %v", status2, body)
		}
	})

	t.Run("dropped deliveries reach nobody until redelivered", func(t *testing.T) {
		r := newStripeRig(t, "")
		r.sb.DropDeliveries(true)
		pi := r.paid(t, usdStripe(1500), "ord_H2")
		r.sb.WaitDeliveries()
		if n := len(r.recv.of(stripe.EventPaymentIntentSucceeded)); n != 0 {
			t.Fatalf("%d deliveries got through while dropping", n)
		}
		// The API answers as usual: the payment is there to be re-read.
		if got, err := r.client.GetPaymentIntent(context.Background(), pi.ID); err != nil || got.Status != stripe.StatusSucceeded {
			t.Fatalf("re-read: %+v %v", got, err)
		}
		var dropped []sbstripe.Delivery
		for _, d := range r.sb.Deliveries() {
			if !d.Dropped || d.Attempts != 0 || d.StatusCode != 0 {
				t.Fatalf("delivery %+v while dropping", d)
			}
			dropped = append(dropped, d)
		}
		if len(dropped) == 0 {
			t.Fatal("no delivery recorded")
		}
		r.sb.DropDeliveries(false)
		for _, d := range dropped {
			if status, err := r.sb.Redeliver(d); err != nil || status != 200 {
				t.Fatalf("redeliver %s: %d %v", d.Type, status, err)
			}
		}
		if ev := r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1); ev.ID == "" {
			t.Fatal("no event after redelivery")
		}
	})

	t.Run("failed deliveries are retried", func(t *testing.T) {
		r := newStripeRig(t, "")
		r.recv.mu.Lock()
		r.recv.failNext = 2
		r.recv.mu.Unlock()
		if _, err := r.client.CreateCustomer(context.Background(), "a@b.example", "A", "customer-a"); err != nil {
			t.Fatal(err)
		}
		r.recv.wait(t, "customer.created", 1)
		r.sb.WaitDeliveries()
		d := r.sb.Deliveries()[0]
		if d.Type != "customer.created" || d.Attempts != 3 || d.StatusCode != 200 {
			t.Errorf("delivery %+v", d)
		}
	})

	t.Run("events carry the request that caused them", func(t *testing.T) {
		r := newStripeRig(t, "")
		if _, err := r.client.CreateCustomer(context.Background(), "b@b.example", "B", "customer-b"); err != nil {
			t.Fatal(err)
		}
		r.recv.wait(t, "customer.created", 1)
		r.sb.WaitDeliveries()
		var env struct {
			Request struct {
				ID             *string `json:"id"`
				IdempotencyKey *string `json:"idempotency_key"`
			} `json:"request"`
			Livemode bool `json:"livemode"`
			Object   string
		}
		if err := json.Unmarshal(r.sb.Deliveries()[0].Payload, &env); err != nil {
			t.Fatal(err)
		}
		if env.Request.ID == nil || !strings.HasPrefix(*env.Request.ID, "req_") || env.Request.IdempotencyKey == nil ||
			*env.Request.IdempotencyKey != "customer-b" || env.Livemode || env.Object != "event" {
			t.Errorf("envelope %+v", env)
		}
	})
}

// TestStripeSignatures holds the adapter's ParseEvent against deliveries
// forged, aged or altered with the sandbox's signing, over HTTP to the
// receiver and directly.
func TestStripeSignatures(t *testing.T) {
	r := newStripeRig(t, "")
	r.paid(t, usdStripe(2200), "ord_J1")
	r.recv.wait(t, stripe.EventPaymentIntentSucceeded, 1)
	r.sb.WaitDeliveries()
	var body []byte
	for _, d := range r.sb.Deliveries() {
		if d.Type == stripe.EventPaymentIntentSucceeded {
			body = d.Payload
		}
	}
	now := r.clock.Now()
	other := sbstripe.New(sbstripe.Config{WebhookSecret: "whsec_not_ours"})
	otherVersion := bytes.Replace(body, []byte(`"api_version":"2023-10-16"`), []byte(`"api_version":"2024-06-20"`), 1)
	if bytes.Equal(otherVersion, body) {
		t.Fatal("no api_version in the event")
	}
	tampered := bytes.Replace(body, []byte(`"amount":2200`), []byte(`"amount":1`), 1)
	tests := []struct {
		name    string
		body    []byte
		header  string
		wantErr error
	}{
		{"as sent", body, r.sb.SignPayload(body, now), nil},
		{"signed 299 s ago", body, r.sb.SignPayload(body, now.Add(-299*time.Second)), nil},
		{"wrong secret", body, other.SignPayload(body, now), stripe.ErrSignature},
		{"stale: signed 301 s ago", body, r.sb.SignPayload(body, now.Add(-301*time.Second)), stripe.ErrSignature},
		{"tampered body", tampered, r.sb.SignPayload(body, now), stripe.ErrSignature},
		{"no signature", body, "", stripe.ErrSignature},
		{"another API version", otherVersion, r.sb.SignPayload(otherVersion, now), stripe.ErrAPIVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.client.ParseEvent(tc.body, tc.header)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("ParseEvent: %v, want %v", err, tc.wantErr)
			}
			req, _ := http.NewRequest(http.MethodPost, r.recv.srv.URL+"/webhooks/stripe", bytes.NewReader(tc.body))
			if tc.header != "" {
				req.Header.Set("Stripe-Signature", tc.header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			want := http.StatusOK
			if tc.wantErr != nil {
				want = http.StatusBadRequest
			}
			if res.StatusCode != want {
				t.Errorf("receiver answered %d, want %d", res.StatusCode, want)
			}
		})
	}
}

func TestStripeWireFormat(t *testing.T) {
	r := newStripeRig(t, "")
	tests := []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
		code   string
	}{
		{"unknown parameter", "POST", "/v1/payment_intents", url.Values{"amount": {"100"}, "currency": {"usd"}, "colour": {"red"}}, 400, "parameter_unknown"},
		{"unknown nested parameter", "POST", "/v1/payment_intents", url.Values{"amount": {"100"}, "currency": {"usd"}, "automatic_payment_methods[sometimes]": {"true"}}, 400, "parameter_unknown"},
		{"missing amount", "POST", "/v1/payment_intents", url.Values{"currency": {"usd"}}, 400, "parameter_missing"},
		{"not an integer", "POST", "/v1/payment_intents", url.Values{"amount": {"12.50"}, "currency": {"usd"}}, 400, "parameter_invalid_integer"},
		{"too long a metadata key", "POST", "/v1/customers", url.Values{"metadata[" + strings.Repeat("k", 41) + "]": {"v"}}, 400, ""},
		{"unknown customer", "POST", "/v1/payment_intents", url.Values{"amount": {"100"}, "currency": {"usd"}, "customer": {"cus_x"}}, 404, "resource_missing"},
		{"unknown path", "GET", "/v1/balance_transactions", nil, 404, ""},
		{"bad expand", "GET", "/v1/customers/cus_x", url.Values{"expand[0]": {"nope"}}, 404, "resource_missing"},
		{"interval too long", "POST", "/v1/prices", url.Values{"currency": {"usd"}, "unit_amount": {"100"}, "product_data[name]": {"x"},
			"recurring[interval]": {"month"}, "recurring[interval_count]": {"13"}}, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			var form url.Values
			if tc.method == "GET" && tc.form != nil {
				path += "?" + tc.form.Encode()
			} else {
				form = tc.form
			}
			status, body := r.call(t, tc.method, path, stripeTestKey, form)
			e, _ := body["error"].(map[string]any)
			if status != tc.status || e == nil || e["type"] != "invalid_request_error" || e["message"] == "" {
				t.Fatalf("%d %v, want %d", status, body, tc.status)
			}
			if tc.code != "" && e["code"] != tc.code {
				t.Errorf("code %v, want %s", e["code"], tc.code)
			}
		})
	}
	t.Run("expand on retrieve", func(t *testing.T) {
		pi := r.paid(t, usdStripe(800), "ord_K1")
		q := url.Values{"expand[0]": {"latest_charge"}}
		status, body := r.call(t, "GET", "/v1/payment_intents/"+pi.ID+"?"+q.Encode(), stripeTestKey, nil)
		ch, _ := body["latest_charge"].(map[string]any)
		if status != 200 || ch["object"] != "charge" || ch["id"] != pi.LatestChargeID {
			t.Fatalf("%d %v", status, body)
		}
	})
	t.Run("headers", func(t *testing.T) {
		req, _ := http.NewRequest("GET", r.base+"/v1/customers/cus_x", nil)
		req.SetBasicAuth(stripeTestKey, "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if !strings.HasPrefix(res.Header.Get("Request-Id"), "req_") || res.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", res.Header)
		}
	})
	t.Run("amounts in messages", func(t *testing.T) {
		_, err := r.client.CreatePaymentIntent(context.Background(), money.Money{Amount: 10, Currency: "EUR"}, "g", nil, "", fmt.Sprint("eur-", time.Now().UnixNano()))
		if se := stripeErrorOf(t, err); se.Code != "amount_too_small" || !strings.Contains(se.Message, "€0.50") {
			t.Errorf("%+v", se)
		}
	})
}
