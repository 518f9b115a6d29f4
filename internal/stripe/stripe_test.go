package stripe_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/stripe"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  stripe.Config
		want string // substring of the error; "" for success
	}{
		{"ok", stripe.Config{SecretKey: "sk_test_1", WebhookSecrets: []string{"whsec_1"}}, ""},
		{"ok with base", stripe.Config{SecretKey: "sk_test_1", APIBase: "http://127.0.0.1:1/sandbox/stripe/"}, ""},
		{"no key", stripe.Config{}, "SecretKey is required"},
		{"publishable key", stripe.Config{SecretKey: "pk_test_1"}, "not a secret key"},
		{"empty secret", stripe.Config{SecretKey: "sk_test_1", WebhookSecrets: []string{"whsec_1", ""}}, "webhook secret 1 is empty"},
		{"empty Connect secret", stripe.Config{SecretKey: "sk_test_1", ConnectWebhookSecrets: []string{""}}, "Connect webhook secret 0 is empty"},
		{"bad base", stripe.Config{SecretKey: "sk_test_1", APIBase: "ftp://x"}, "APIBase"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stripe.New(tc.cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestErrorMapping answers adapter calls with Stripe-shaped errors and checks
// they come back as *stripe.Error in our words, with no stripe-go type inside.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		code      string
		typ       string
		retryable bool
	}{
		{"card declined", 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined."}}`,
			"card_declined", "card_error", false},
		{"invalid request", 400, `{"error":{"type":"invalid_request_error","code":"amount_too_large","param":"amount","message":"Refund amount ($50.00) is greater than unrefunded amount on charge ($20.00)"}}`,
			"amount_too_large", "invalid_request_error", false},
		{"missing", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"intent","message":"No such payment_intent: 'pi_x'"}}`,
			"resource_missing", "invalid_request_error", false},
		{"idempotency reuse", 400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`,
			"", "idempotency_error", false},
		{"key in use", 409, `{"error":{"type":"invalid_request_error","code":"idempotency_key_in_use","message":"There is currently another in-progress request using this Idempotent Key."}}`,
			"idempotency_key_in_use", "invalid_request_error", true},
		{"rate limited", 429, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}`,
			"rate_limit", "invalid_request_error", true},
		{"server error", 500, `{"error":{"type":"api_error","message":"Something went wrong on Stripe's end."}}`,
			"", "api_error", true},
		{"not JSON", 502, `<html>bad gateway</html>`, "network_error", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Request-Id", "req_test")
				w.Header().Set("Stripe-Should-Retry", "false") // keep stripe-go from retrying here
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", APIBase: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreatePaymentIntent(context.Background(), usd(100), "ord_1", nil, "", "key-1")
			var se *stripe.Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *stripe.Error", err, err)
			}
			if se.Code != tc.code || se.Type != tc.typ || se.Retryable != tc.retryable {
				t.Errorf("Error = %+v, want code %q type %q retryable %v", se, tc.code, tc.typ, tc.retryable)
			}
			if tc.code != "network_error" && (se.Status != tc.status || se.Message == "" || se.RequestID != "req_test") {
				t.Errorf("Error = %+v, want status %d, a message and the request id", se, tc.status)
			}
			if stripe.Retryable(err) != tc.retryable {
				t.Errorf("Retryable(err) = %v", !tc.retryable)
			}
			var leaked *stripego.Error
			if errors.As(err, &leaked) {
				t.Error("a *stripe-go Error is reachable through errors.As")
			}
			if tc.code == "card_declined" && se.DeclineCode != "generic_decline" {
				t.Errorf("decline code %q", se.DeclineCode)
			}
			if tc.code == "amount_too_large" && se.Param != "amount" {
				t.Errorf("param %q", se.Param)
			}
		})
	}

	t.Run("network error is retryable and unwraps", func(t *testing.T) {
		c, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", APIBase: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no retries for a canceled context: the test stays fast
		_, err = c.GetPaymentIntent(ctx, "pi_1")
		var se *stripe.Error
		if !errors.As(err, &se) || se.Code != "network_error" || !se.Retryable || se.Status != 0 {
			t.Fatalf("err = %#v", err)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false: %v", err)
		}
	})
}

func TestWritesNeedAnIdempotencyKey(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", APIBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls1 := map[string]func() error{
		"payment intent": func() error { _, err := c.CreatePaymentIntent(ctx, usd(100), "g", nil, "", ""); return err },
		"cancel intent":  func() error { _, err := c.CancelPaymentIntent(ctx, "pi_1", "", " "); return err },
		"refund":         func() error { _, err := c.CreateRefund(ctx, "pi_1", usd(100), nil, ""); return err },
		"customer":       func() error { _, err := c.CreateCustomer(ctx, "a@b.c", "A", ""); return err },
		"price":          func() error { _, err := c.CreatePrice(ctx, "P", usd(100), 1, ""); return err },
		"subscription":   func() error { _, err := c.CreateSubscription(ctx, "cus_1", "price_1", nil, ""); return err },
		"long key": func() error {
			_, err := c.CreateCustomer(ctx, "a@b.c", "A", strings.Repeat("k", 256))
			return err
		},
		"zero amount":  func() error { _, err := c.CreatePaymentIntent(ctx, usd(0), "g", nil, "", "k"); return err },
		"bad interval": func() error { _, err := c.CreatePrice(ctx, "P", usd(100), 2, "k"); return err },
		"bad currency": func() error {
			_, err := c.CreateRefund(ctx, "pi_1", money.Money{Amount: 100, Currency: "usd"}, nil, "k")
			return err
		},
		"negative refund": func() error { _, err := c.CreateRefund(ctx, "pi_1", usd(-5), nil, "k"); return err },
	}
	for name, call := range calls1 {
		t.Run(name, func(t *testing.T) {
			if err := call(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

const (
	whsecOld = "whsec_old_0123456789"
	whsecNew = "whsec_new_9876543210"
)

func eventBody(id, typ, version string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":%q,"created":1700000000,"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":%q,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":4250,"amount_received":4250,"currency":"usd","status":"succeeded","transfer_group":"ord_1","latest_charge":"ch_1","metadata":{"order_id":"ord_1"}}}}`,
		id, version, typ))
}

func TestParseEvent(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	c, err := stripe.New(stripe.Config{SecretKey: "sk_test_1", WebhookSecrets: []string{whsecNew, whsecOld}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	good := eventBody("evt_1", "payment_intent.succeeded", stripe.APIVersion)
	tests := []struct {
		name    string
		body    []byte
		header  string
		wantErr error // nil: parses
	}{
		{"current secret", good, stripe.SignatureHeader(good, whsecNew, now), nil},
		{"previous secret (rotation)", good, stripe.SignatureHeader(good, whsecOld, now), nil},
		{"two signatures, one good", good, stripe.SignatureHeader(good, "whsec_other", now) + ",v1=" +
			strings.SplitN(stripe.SignatureHeader(good, whsecOld, now), ",v1=", 2)[1], nil},
		{"299 s old", good, stripe.SignatureHeader(good, whsecNew, now.Add(-299*time.Second)), nil},
		{"wrong secret", good, stripe.SignatureHeader(good, "whsec_wrong", now), stripe.ErrSignature},
		{"stale (301 s)", good, stripe.SignatureHeader(good, whsecNew, now.Add(-301*time.Second)), stripe.ErrSignature},
		{"from the future (10 min)", good, stripe.SignatureHeader(good, whsecNew, now.Add(10*time.Minute)), stripe.ErrSignature},
		{"tampered body", []byte(strings.Replace(string(good), "4250", "1", 1)), stripe.SignatureHeader(good, whsecNew, now), stripe.ErrSignature},
		{"no header", good, "", stripe.ErrSignature},
		{"malformed header", good, "garbage", stripe.ErrSignature},
		{"no v1", good, fmt.Sprintf("t=%d,v0=abc", now.Unix()), stripe.ErrSignature},
		{"other API version", eventBody("evt_2", "payment_intent.succeeded", "2024-06-20"),
			stripe.SignatureHeader(eventBody("evt_2", "payment_intent.succeeded", "2024-06-20"), whsecNew, now), stripe.ErrAPIVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := c.ParseEvent(tc.body, tc.header)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.ID != "evt_1" || ev.Type != stripe.EventPaymentIntentSucceeded || ev.APIVersion != stripe.APIVersion ||
				!ev.Created.Equal(time.Unix(1700000000, 0)) || ev.ObjectType != "payment_intent" || ev.Family() != stripe.FamilyPaymentIntent {
				t.Errorf("event = %+v", ev)
			}
			pi, err := ev.PaymentIntent()
			if err != nil {
				t.Fatal(err)
			}
			if pi.ID != "pi_1" || pi.Status != stripe.StatusSucceeded || pi.AmountReceived != usd(4250) ||
				pi.LatestChargeID != "ch_1" || pi.Metadata["order_id"] != "ord_1" || pi.TransferGroup != "ord_1" {
				t.Errorf("payment intent = %+v", pi)
			}
			if _, err := ev.Invoice(); err == nil {
				t.Error("a payment intent read as an invoice")
			}
		})
	}

	t.Run("the API version error says what to do", func(t *testing.T) {
		b := eventBody("evt_3", "charge.refunded", "2022-11-15")
		_, err := c.ParseEvent(b, stripe.SignatureHeader(b, whsecOld, now))
		if err == nil || !strings.Contains(err.Error(), "register the webhook endpoint at API version 2023-10-16") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not an event", func(t *testing.T) {
		b := []byte(`{"id":"pi_1","object":"payment_intent"}`)
		_, err := c.ParseEvent(b, stripe.SignatureHeader(b, whsecNew, now))
		if err == nil || errors.Is(err, stripe.ErrSignature) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no secret configured", func(t *testing.T) {
		c2, _ := stripe.New(stripe.Config{SecretKey: "sk_test_1"})
		if _, err := c2.ParseEvent(good, stripe.SignatureHeader(good, whsecNew, time.Now())); err == nil {
			t.Fatal("parsed without a secret")
		}
		if _, err := c2.ParseConnectEvent(good, stripe.SignatureHeader(good, whsecNew, time.Now())); err == nil {
			t.Fatal("parsed a Connect delivery without a Connect secret")
		}
	})
}

// TestParseEventMode: an event's livemode must be the key's mode. A test
// event signed with a secret a live deployment holds (the test endpoint's
// secret configured by mistake) names objects the live key cannot see, and
// the reverse: refused with ErrLivemode, on both endpoints.
func TestParseEventMode(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	testEvent := eventBody("evt_t", "payment_intent.succeeded", stripe.APIVersion)
	liveEvent := []byte(strings.Replace(string(testEvent), `"livemode":false`, `"livemode":true`, 1))
	for _, tc := range []struct {
		key     string
		body    []byte
		wantErr bool
	}{
		{"sk_test_1", testEvent, false},
		{"sk_test_1", liveEvent, true},
		{"rk_test_1", liveEvent, true},
		{"sk_live_1", liveEvent, false},
		{"rk_live_1", liveEvent, false},
		{"sk_live_1", testEvent, true},
	} {
		t.Run(tc.key+" "+string(tc.body[strings.Index(string(tc.body), `"livemode"`):][:15]), func(t *testing.T) {
			c, err := stripe.New(stripe.Config{SecretKey: tc.key, WebhookSecrets: []string{whsecNew}, ConnectWebhookSecrets: []string{whsecOld},
				Clock: clock.NewFake(now)})
			if err != nil {
				t.Fatal(err)
			}
			if c.Livemode() != strings.Contains(tc.key, "_live_") {
				t.Fatalf("Livemode() = %t for %s", c.Livemode(), tc.key)
			}
			_, err = c.ParseEvent(tc.body, stripe.SignatureHeader(tc.body, whsecNew, now))
			_, cerr := c.ParseConnectEvent(tc.body, stripe.SignatureHeader(tc.body, whsecOld, now))
			for _, err := range []error{err, cerr} {
				if tc.wantErr != errors.Is(err, stripe.ErrLivemode) || (!tc.wantErr && err != nil) {
					t.Fatalf("err = %v, want ErrLivemode: %t", err, tc.wantErr)
				}
			}
		})
	}
}
