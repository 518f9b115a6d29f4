package stripe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
)

// TestStripeConnectEventsGoToTheConnectEndpoint: as with Stripe, a connected
// account's account.updated carries "account" and goes to the Connect
// endpoint only, signed with its secret; nothing of it reaches the
// platform's endpoint (the receiver refuses a Connect event there, and the
// platform secret would not verify it).
func TestStripeConnectEventsGoToTheConnectEndpoint(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	acct, err := r.client.CreateExpressAccount(ctx, "", "US", nil, "acct-ce")
	if err != nil {
		t.Fatal(err)
	}
	r.sb.CompleteOnboarding(acct.ID)
	r.sb.DisablePayouts(acct.ID)
	for n := 1; n <= 2; n++ {
		ev := r.recv.wait(t, stripe.EventAccountUpdated, n)
		if ev.Account != acct.ID || !r.recv.atConnect(ev.ID) {
			t.Fatalf("account.updated %d: account %q, at the Connect endpoint: %t", n, ev.Account, r.recv.atConnect(ev.ID))
		}
	}
	r.sb.WaitDeliveries()
	for _, d := range r.sb.Deliveries() {
		if d.Type != stripe.EventAccountUpdated {
			continue
		}
		if d.Endpoint != sbstripe.EndpointConnect || d.Account != acct.ID || !strings.HasSuffix(d.URL, "/webhooks/stripe/connect") ||
			d.StatusCode != 200 || !strings.Contains(string(d.Payload), `"account":"`+acct.ID+`"`) {
			t.Fatalf("delivery %+v", d)
		}
	}
	if len(r.recv.rejected) != 0 {
		t.Fatalf("refused deliveries: %v", r.recv.rejected)
	}

	t.Run("without a Connect endpoint the event is kept, not sent", func(t *testing.T) {
		sb := sbstripe.New(sbstripe.Config{SecretKey: stripeTestKey, WebhookURL: r.recv.srv.URL + "/webhooks/stripe"})
		srv := httptest.NewServer(sb.Handler())
		defer srv.Close()
		c, _ := stripe.New(stripe.Config{SecretKey: stripeTestKey, APIBase: srv.URL})
		a, err := c.CreateExpressAccount(ctx, "", "US", nil, "acct-nc")
		if err != nil {
			t.Fatal(err)
		}
		sb.CompleteOnboarding(a.ID)
		sb.WaitDeliveries()
		for _, d := range sb.Deliveries() {
			if d.Type == stripe.EventAccountUpdated {
				t.Fatalf("sent with no Connect endpoint: %+v", d)
			}
		}
	})
}

// TestStripeWebhookEndpoints: endpoints made through the API, as Stripe
// keeps them: the version fixed at creation (the account's default when
// none is given, whose events a 2023-10-16 reader refuses), the secret
// answered once, names of events checked, Connect and platform endpoints
// each getting their own events, a disabled endpoint nothing.
func TestStripeWebhookEndpoints(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	raw := &rawReceiver{}
	rawSrv := httptest.NewServer(raw)
	t.Cleanup(rawSrv.Close)
	hook := rawSrv.URL + "/webhooks/stripe"

	t.Run("refusals", func(t *testing.T) {
		for name, form := range map[string]url.Values{
			"no url":              {"enabled_events[0]": {"payment_intent.succeeded"}},
			"a relative url":      {"url": {"/webhooks/stripe"}, "enabled_events[0]": {"payment_intent.succeeded"}},
			"no events":           {"url": {hook}},
			"an unknown event":    {"url": {hook}, "enabled_events[0]": {"payment_intent.succeeded"}, "enabled_events[1]": {"payment_intent.teleported"}},
			"refund.failed":       {"url": {hook}, "enabled_events[0]": {"refund.failed"}},
			"a made-up version":   {"url": {hook}, "enabled_events[0]": {"*"}, "api_version": {"latest"}},
			"an unknown param":    {"url": {hook}, "enabled_events[0]": {"*"}, "secret": {"whsec_mine"}},
			"connect not boolean": {"url": {hook}, "enabled_events[0]": {"*"}, "connect": {"yes"}},
		} {
			if status, body := r.call(t, http.MethodPost, "/v1/webhook_endpoints", stripeTestKey, form); status != 400 {
				t.Errorf("%s: %d %v", name, status, body)
			}
		}
		if n := len(r.sb.WebhookEndpoints()); n != 0 {
			t.Fatalf("%d endpoints made by refused requests", n)
		}
	})

	platform, err := r.client.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: hook + "?via=api", EnabledEvents: []string{"payment_intent.succeeded"},
		Metadata: map[string]string{"trove_endpoint": "platform"}}, "we-platform")
	if err != nil {
		t.Fatal(err)
	}
	if platform.APIVersion != stripe.APIVersion || !strings.HasPrefix(platform.Secret, "whsec_") || !platform.Enabled() {
		t.Fatalf("created %+v", platform)
	}
	if got := r.call2(t, "/v1/webhook_endpoints/"+platform.ID); got["secret"] != nil {
		t.Fatalf("the secret is answered after creation: %v", got)
	}
	// Made without api_version: the account's default, which is not 2023-10-16.
	status, body := r.call(t, http.MethodPost, "/v1/webhook_endpoints", stripeTestKey, url.Values{"url": {hook + "?via=default"},
		"enabled_events[0]": {"*"}})
	if status != 200 || body["api_version"] != nil {
		t.Fatalf("made at the default version: %d %v", status, body)
	}
	defaultID, defaultSecret := body["id"].(string), body["secret"].(string)

	t.Run("the version and the kind cannot change", func(t *testing.T) {
		for _, p := range []string{"api_version", "connect"} {
			v := map[string]string{"api_version": stripe.APIVersion, "connect": "true"}[p]
			if status, body := r.call(t, http.MethodPost, "/v1/webhook_endpoints/"+defaultID, stripeTestKey, url.Values{p: {v}}); status != 400 ||
				!strings.Contains(fmt.Sprint(body), "unknown parameter") {
				t.Errorf("update of %s: %d %v", p, status, body)
			}
		}
	})

	r.paid(t, usdStripe(1500), "ord_we1")
	r.sb.WaitDeliveries()
	var viaAPI, atDefault []sbstripe.Delivery
	for _, d := range r.sb.Deliveries() {
		switch d.Endpoint {
		case platform.ID:
			viaAPI = append(viaAPI, d)
		case defaultID:
			atDefault = append(atDefault, d)
		}
	}
	if len(viaAPI) != 1 || viaAPI[0].Type != stripe.EventPaymentIntentSucceeded || viaAPI[0].StatusCode != 200 {
		t.Fatalf("%d deliveries to the 2023-10-16 endpoint (subscribed to one type), want one payment_intent.succeeded", len(viaAPI))
	}
	if len(atDefault) < 3 {
		t.Fatalf("%d deliveries to the * endpoint", len(atDefault))
	}
	// Each signed with its endpoint's own secret (not the configured
	// endpoint's): given it, the adapter verifies the 2023-10-16 delivery,
	// and refuses every one rendered at the account's default version.
	platformReader, _ := stripe.New(stripe.Config{SecretKey: stripeTestKey, WebhookSecrets: []string{platform.Secret}, Clock: r.clock})
	defaultReader, _ := stripe.New(stripe.Config{SecretKey: stripeTestKey, WebhookSecrets: []string{defaultSecret}, Clock: r.clock})
	configured, _ := stripe.New(stripe.Config{SecretKey: stripeTestKey, WebhookSecrets: []string{stripeTestWhsec}, Clock: r.clock})
	for _, d := range raw.all() {
		switch d.query {
		case "via=api":
			if _, err := platformReader.ParseEvent(d.body, d.signature); err != nil {
				t.Fatalf("the 2023-10-16 endpoint's delivery: %v", err)
			}
		case "via=default":
			if !strings.Contains(string(d.body), `"api_version":"2024-06-20"`) {
				t.Fatalf("an event for the default version: %.200s", d.body)
			}
			if _, err := defaultReader.ParseEvent(d.body, d.signature); !errors.Is(err, stripe.ErrAPIVersion) {
				t.Fatalf("the default version's delivery: %v", err)
			}
		}
		if _, err := configured.ParseEvent(d.body, d.signature); !errors.Is(err, stripe.ErrSignature) {
			t.Fatalf("a delivery to %s verified with the configured endpoint's secret: %v", d.query, err)
		}
	}

	t.Run("a Connect endpoint gets connected accounts' events, and nothing else", func(t *testing.T) {
		ce, err := r.client.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: hook + "/connect?via=api", Connect: true,
			EnabledEvents: stripe.ConnectEvents()}, "we-connect")
		if err != nil {
			t.Fatal(err)
		}
		acct, err := r.client.CreateExpressAccount(ctx, "", "US", nil, "acct-we")
		if err != nil {
			t.Fatal(err)
		}
		r.sb.CompleteOnboarding(acct.ID)
		r.paid(t, usdStripe(1500), "ord_we2")
		r.sb.WaitDeliveries()
		var got []sbstripe.Delivery
		for _, d := range r.sb.Deliveries() {
			if d.Endpoint == ce.ID {
				got = append(got, d)
			}
		}
		if len(got) != 1 || got[0].Type != stripe.EventAccountUpdated || got[0].Account != acct.ID || got[0].StatusCode != 200 {
			t.Fatalf("%d deliveries to the Connect endpoint, want one account.updated of %s", len(got), acct.ID)
		}
	})

	t.Run("a disabled endpoint gets nothing; updates keep the secret", func(t *testing.T) {
		off := true
		upd, err := r.client.UpdateWebhookEndpoint(ctx, defaultID, stripe.WebhookEndpointUpdate{Disabled: &off}, "we-disable")
		if err != nil || upd.Enabled() || upd.Secret != "" {
			t.Fatalf("disable: %+v %v", upd, err)
		}
		before := len(r.sb.Deliveries())
		r.paid(t, usdStripe(1500), "ord_we3")
		r.sb.WaitDeliveries()
		for _, d := range r.sb.Deliveries()[before:] {
			if d.Endpoint == defaultID {
				t.Fatalf("a disabled endpoint got %s", d.Type)
			}
		}
		for _, ep := range r.sb.WebhookEndpoints() {
			if ep.ID == defaultID && ep.Secret != defaultSecret {
				t.Fatal("an update changed the secret")
			}
		}
		list, err := r.client.ListWebhookEndpoints(ctx)
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %+v %v", list, err)
		}
	})

	t.Run("at most 16 endpoints", func(t *testing.T) {
		for i := len(r.sb.WebhookEndpoints()); i < 16; i++ {
			if _, err := r.client.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: fmt.Sprintf("%s?n=%d", hook, i),
				EnabledEvents: []string{"customer.created"}}, fmt.Sprintf("we-%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := r.client.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: hook + "?n=17", EnabledEvents: []string{"customer.created"}}, "we-17")
		if se := stripeErrorOf(t, err); se.Status != 400 || !strings.Contains(se.Message, "maximum of 16") {
			t.Fatalf("the 17th: %+v", se)
		}
		if status, _ := r.call(t, http.MethodDelete, "/v1/webhook_endpoints/"+defaultID, stripeTestKey, url.Values{}); status != 200 {
			t.Fatalf("delete: %d", status)
		}
		if n := len(r.sb.WebhookEndpoints()); n != 15 {
			t.Fatalf("%d endpoints after a delete", n)
		}
	})
}

// rawReceiver keeps every delivery as it came and answers 200.
type rawReceiver struct {
	mu   sync.Mutex
	list []rawDelivery
}

type rawDelivery struct {
	query, signature string
	body             []byte
}

func (rc *rawReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.list = append(rc.list, rawDelivery{query: r.URL.RawQuery, signature: r.Header.Get("Stripe-Signature"), body: body})
	rc.mu.Unlock()
}

func (rc *rawReceiver) all() []rawDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]rawDelivery(nil), rc.list...)
}

// call2 GETs a path with the secret key and returns the decoded answer.
func (r *stripeRig) call2(t *testing.T, path string) map[string]any {
	t.Helper()
	status, body := r.call(t, http.MethodGet, path, stripeTestKey, url.Values{})
	if status != 200 {
		t.Fatalf("GET %s: %d %v", path, status, body)
	}
	return body
}

// TestStripeDisputeOutcomes: the disputed amount leaves the balance when the
// dispute opens (funds_withdrawn), comes back if it is won
// (funds_reinstated), and stays gone if it is lost; closed says which.
func TestStripeDisputeOutcomes(t *testing.T) {
	r := newStripeRig(t, "")
	ctx := context.Background()
	won := r.paid(t, usdStripe(4000), "ord_dw")
	lost := r.paid(t, usdStripe(3000), "ord_dl")
	accepted := r.paid(t, usdStripe(2000), "ord_da")
	if b := r.sb.Balance("usd"); b != 9000 {
		t.Fatalf("balance %d", b)
	}
	dWon, dLost, dAcc := r.sb.Dispute(won.LatestChargeID), r.sb.Dispute(lost.LatestChargeID), r.sb.Dispute(accepted.LatestChargeID)
	if w := r.recv.wait(t, stripe.EventChargeDisputeFundsWithdrawn, 3); w.ID == "" {
		t.Fatal("no funds_withdrawn")
	}
	if b := r.sb.Balance("usd"); b != 0 {
		t.Fatalf("balance with three disputes open: %d", b)
	}
	r.sb.CloseDispute(dWon, true)
	r.sb.CloseDispute(dLost, false)
	r.sb.CloseDispute(dLost, true) // closed: nothing changes
	if status, body := r.call(t, http.MethodPost, "/v1/disputes/"+dAcc+"/close", stripeTestKey, url.Values{}); status != 200 || body["status"] != "lost" {
		t.Fatalf("accept: %d %v", status, body)
	}
	if status, _ := r.call(t, http.MethodPost, "/v1/disputes/"+dAcc+"/close", stripeTestKey, url.Values{}); status != 400 {
		t.Fatalf("accept a closed dispute: %d", status)
	}
	if b := r.sb.Balance("usd"); b != 4000 {
		t.Fatalf("balance after one won and two lost: %d", b)
	}
	if got := r.recv.of(stripe.EventChargeDisputeFundsReinstated); len(got) != 1 {
		t.Fatalf("%d funds_reinstated", len(got))
	}
	r.recv.wait(t, stripe.EventChargeDisputeClosed, 3)
	status := map[string]string{}
	for _, ev := range r.recv.of(stripe.EventChargeDisputeClosed) {
		d, err := ev.Dispute()
		if err != nil {
			t.Fatal(err)
		}
		status[d.ID] = d.Status
	}
	if status[dWon] != stripe.DisputeWon || status[dLost] != stripe.DisputeLost || status[dAcc] != stripe.DisputeLost || len(status) != 3 {
		t.Fatalf("closed: %v", status)
	}
	for id, want := range map[string]string{dWon: stripe.DisputeWon, dLost: stripe.DisputeLost} {
		if d, err := r.client.GetDispute(ctx, id); err != nil || d.Status != want {
			t.Fatalf("GetDispute %s: %+v %v", id, d, err)
		}
	}
}
