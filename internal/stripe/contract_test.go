package stripe_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/stripe/stripemocktest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stripemocktest.Stop()
	os.Exit(code)
}

// recorder keeps the headers and paths of the requests the adapter sends.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return r.reqs[len(r.reqs)-1]
}

// form returns the parameters of the last request (its body, or its query
// for a GET).
func (r *recorder) form(t *testing.T) url.Values {
	t.Helper()
	req := r.last(t)
	if req.Method == http.MethodGet || req.GetBody == nil {
		return req.URL.Query()
	}
	body, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// hasParams asserts the last request carried want (and, for keys in absent, not them).
func (r *recorder) hasParams(t *testing.T, want map[string]string, absent ...string) {
	t.Helper()
	got := r.form(t)
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("param %s = %q, want %q (all: %v)", k, got.Get(k), v, got)
		}
	}
	for _, k := range absent {
		if got.Has(k) {
			t.Errorf("param %s sent: %v", k, got)
		}
	}
}

func usd(cents int64) money.Money { return money.Money{Amount: cents, Currency: "USD"} }

// TestContractStripeMock sends every adapter call to stripe-mock, which
// validates method, path and parameters against Stripe's OpenAPI spec and
// answers canned objects: the assertions are on shapes, not values.
func TestContractStripeMock(t *testing.T) {
	rec := &recorder{}
	c, err := stripe.New(stripe.Config{
		SecretKey:  stripemocktest.SecretKey,
		APIBase:    stripemocktest.URL(t),
		HTTPClient: &http.Client{Transport: rec},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// checkWrite asserts the last request was a write with our idempotency key
	// at the pinned API version, to path.
	checkWrite := func(t *testing.T, method, path, key string) {
		t.Helper()
		r := rec.last(t)
		if r.Method != method || r.URL.Path != path {
			t.Errorf("sent %s %s, want %s %s", r.Method, r.URL.Path, method, path)
		}
		if got := r.Header.Get("Idempotency-Key"); key != "" && got != key {
			t.Errorf("Idempotency-Key = %q, want %q", got, key)
		}
		if got := r.Header.Get("Stripe-Version"); got != stripe.APIVersion {
			t.Errorf("Stripe-Version = %q, want %s", got, stripe.APIVersion)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer "+stripemocktest.SecretKey {
			t.Errorf("Authorization = %q", got)
		}
	}
	prefixed := func(t *testing.T, what, id, prefix string) {
		t.Helper()
		if !strings.HasPrefix(id, prefix) {
			t.Errorf("%s id %q does not start with %s", what, id, prefix)
		}
	}
	validStatus := map[string]bool{
		stripe.StatusRequiresPaymentMethod: true, stripe.StatusRequiresConfirmation: true, stripe.StatusRequiresAction: true,
		stripe.StatusProcessing: true, stripe.StatusRequiresCapture: true, stripe.StatusSucceeded: true, stripe.StatusCanceled: true,
	}
	checkIntent := func(t *testing.T, pi stripe.PaymentIntent) {
		t.Helper()
		prefixed(t, "payment intent", pi.ID, "pi_")
		if !validStatus[pi.Status] {
			t.Errorf("status %q is not a payment intent status", pi.Status)
		}
		if pi.ClientSecret == "" {
			t.Error("no client secret")
		}
		if !money.ValidCurrency(pi.Amount.Currency) || pi.Amount.Amount <= 0 {
			t.Errorf("amount %+v", pi.Amount)
		}
	}

	t.Run("payment intents", func(t *testing.T) {
		tests := []struct {
			name          string
			transferGroup string
			metadata      map[string]string
			customer      string
		}{
			{"order, no customer", "ord_01JTROVE", map[string]string{"order_id": "ord_01JTROVE"}, ""},
			{"with customer", "ord_01JTROVF", map[string]string{"order_id": "ord_01JTROVF", "cart": "c1"}, "cus_123"},
			{"bare", "", nil, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				key := "checkout-" + tc.name
				pi, err := c.CreatePaymentIntent(ctx, usd(4250), tc.transferGroup, tc.metadata, tc.customer, key)
				if err != nil {
					t.Fatal(err)
				}
				checkWrite(t, http.MethodPost, "/v1/payment_intents", key)
				want := map[string]string{"amount": "4250", "currency": "usd", "automatic_payment_methods[enabled]": "true"}
				var absent []string
				if tc.transferGroup != "" {
					want["transfer_group"] = tc.transferGroup
				} else {
					absent = append(absent, "transfer_group")
				}
				if tc.customer != "" {
					want["customer"] = tc.customer
				} else {
					absent = append(absent, "customer")
				}
				for k, v := range tc.metadata {
					want["metadata["+k+"]"] = v
				}
				rec.hasParams(t, want, absent...)
				checkIntent(t, pi)
			})
		}
		pi, err := c.GetPaymentIntent(ctx, "pi_123")
		if err != nil {
			t.Fatal(err)
		}
		if r := rec.last(t); r.Method != http.MethodGet || r.URL.Path != "/v1/payment_intents/pi_123" {
			t.Errorf("sent %s %s", r.Method, r.URL.Path)
		}
		checkIntent(t, pi)

		pi, err = c.CancelPaymentIntent(ctx, "pi_123", stripe.CancelAbandoned, "cancel-pi_123")
		if err != nil {
			t.Fatal(err)
		}
		checkWrite(t, http.MethodPost, "/v1/payment_intents/pi_123/cancel", "cancel-pi_123")
		checkIntent(t, pi)
	})

	t.Run("refund", func(t *testing.T) {
		r, err := c.CreateRefund(ctx, "pi_123", usd(1000), map[string]string{"order_id": "ord_1", "refund_id": "rf_1"}, "refund-rf_1")
		if err != nil {
			t.Fatal(err)
		}
		checkWrite(t, http.MethodPost, "/v1/refunds", "refund-rf_1")
		rec.hasParams(t, map[string]string{"payment_intent": "pi_123", "amount": "1000", "metadata[refund_id]": "rf_1"})
		prefixed(t, "refund", r.ID, "re_")
		if r.Status == "" || !money.ValidCurrency(r.Amount.Currency) {
			t.Errorf("refund %+v", r)
		}
	})

	t.Run("customer", func(t *testing.T) {
		id, err := c.CreateCustomer(ctx, "buyer@acme.example", "Acme Corp", "customer-u1")
		if err != nil {
			t.Fatal(err)
		}
		checkWrite(t, http.MethodPost, "/v1/customers", "customer-u1")
		rec.hasParams(t, map[string]string{"email": "buyer@acme.example", "name": "Acme Corp"})
		prefixed(t, "customer", id, "cus_")
	})

	t.Run("prices", func(t *testing.T) {
		for _, months := range []int{1, 3} {
			key := "price-plan-" + string(rune('0'+months))
			id, err := c.CreatePrice(ctx, "Quarterly coffee box", usd(6000), months, key)
			if err != nil {
				t.Fatalf("%d months: %v", months, err)
			}
			checkWrite(t, http.MethodPost, "/v1/prices", key)
			rec.hasParams(t, map[string]string{"unit_amount": "6000", "currency": "usd", "product_data[name]": "Quarterly coffee box",
				"recurring[interval]": "month", "recurring[interval_count]": string(rune('0' + months))})
			prefixed(t, "price", id, "price_")
		}
	})

	t.Run("subscription", func(t *testing.T) {
		s, err := c.CreateSubscription(ctx, "cus_123", "price_123", map[string]string{"plan_id": "pl_1"}, "subscribe-pl_1")
		if err != nil {
			t.Fatal(err)
		}
		checkWrite(t, http.MethodPost, "/v1/subscriptions", "subscribe-pl_1")
		rec.hasParams(t, map[string]string{"customer": "cus_123", "items[0][price]": "price_123", "metadata[plan_id]": "pl_1",
			"expand[0]": "latest_invoice.payment_intent"})
		prefixed(t, "subscription", s.ID, "sub_")
		if s.Status == "" || s.CustomerID == "" {
			t.Errorf("subscription %+v", s)
		}

		s, err = c.GetSubscription(ctx, "sub_123")
		if err != nil {
			t.Fatal(err)
		}
		prefixed(t, "subscription", s.ID, "sub_")

		s, err = c.CancelSubscription(ctx, "sub_123")
		if err != nil {
			t.Fatal(err)
		}
		if r := rec.last(t); r.Method != http.MethodDelete || r.URL.Path != "/v1/subscriptions/sub_123" {
			t.Errorf("sent %s %s", r.Method, r.URL.Path)
		}
		prefixed(t, "subscription", s.ID, "sub_")
	})

	t.Run("stripe-mock refuses what Stripe refuses", func(t *testing.T) {
		// A control: the passes above mean something only if stripe-mock
		// validates. An unknown parameter must be refused.
		req, _ := http.NewRequest(http.MethodPost, stripemocktest.URL(t)+"/v1/payment_intents",
			strings.NewReader("amount=100&currency=usd&not_a_stripe_param=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(stripemocktest.SecretKey, "")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("stripe-mock answered %d to an unknown parameter, want 400", res.StatusCode)
		}
	})
}
