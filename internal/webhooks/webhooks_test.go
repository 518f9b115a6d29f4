package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/webhooks"
)

// hmacVerifier checks Shopify's signature the way Shopify makes it: base64
// HMAC-SHA256 of the raw body. (The adapter's own verifier is tested with the
// adapter; this package's tests are about what ingress does with the answer.)
type hmacVerifier struct{ secret string }

func (v hmacVerifier) sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(v.secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (v hmacVerifier) VerifyWebhook(body []byte, sig string) bool {
	return hmac.Equal([]byte(v.sign(body)), []byte(sig))
}

// shopifyRig is the Shopify ingress over real HTTP on a fresh database, with
// a clock the test moves.
type shopifyRig struct {
	t     *testing.T
	conn  *sqlx.DB
	clock *clock.Fake
	v     hmacVerifier
	url   string
}

func newShopifyRig(t *testing.T) *shopifyRig {
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "shopify.webhook", func(context.Context, queue.Meta, webhooks.ShopifyEvent) error { return nil })
	clk := clock.NewFake(time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
	q, err := queue.New(conn, reg, clk, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := hmacVerifier{secret: "shh"}
	srv := httptest.NewServer(webhooks.HandleShopify(webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clk, Queue: q}), v))
	t.Cleanup(srv.Close)
	return &shopifyRig{t: t, conn: conn, clock: clk, v: v, url: srv.URL}
}

// send posts body with the headers Shopify sends (signed unless sig is set
// in h); h overrides or, with "", removes them. It returns the status and
// the answer.
func (r *shopifyRig) send(body []byte, h map[string]string) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.url, strings.NewReader(string(body)))
	req.Header.Set("X-Shopify-Hmac-Sha256", r.v.sign(body))
	req.Header.Set("X-Shopify-Topic", "products/update")
	req.Header.Set("X-Shopify-Shop-Domain", "acme.myshopify.com")
	req.Header.Set("X-Shopify-Triggered-At", r.clock.Now().Add(-time.Minute).Format("2006-01-02T15:04:05.000000000Z07:00"))
	for k, v := range h {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

func (r *shopifyRig) count(q string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.conn.Get(&n, q, args...); err != nil {
		r.t.Fatal(err)
	}
	return n
}

func TestShopifyIngress(t *testing.T) {
	t.Parallel()
	r := newShopifyRig(t)
	body := []byte(`{"id":1001,"admin_graphql_api_id":"gid://shopify/Product/1001","title":"Candle"}`)

	t.Run("a signed delivery is recorded and its job enqueued", func(t *testing.T) {
		if code, out := r.send(body, map[string]string{"X-Shopify-Event-Id": "evt-1", "X-Shopify-Triggered-At": "2026-11-24T09:59:00.123456Z"}); code != 200 {
			t.Fatalf("status %d %s", code, out)
		}
		var e webhooks.Event
		if err := r.conn.Get(&e, `SELECT id, provider, event_id, topic, account, payload, triggered_at, received_at, refusal FROM webhook_events WHERE event_id = 'evt-1'`); err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != string(body) || e.TriggeredAt == nil || e.TriggeredAt.Nanosecond() != 123456000 || e.Account != "acme.myshopify.com" || e.Refusal != nil {
			t.Fatalf("stored %+v", e)
		}
		if n := r.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.webhook'`); n != 1 {
			t.Fatalf("%d jobs", n)
		}
	})
	t.Run("the same event delivered again, even at once, changes nothing", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if code, out := r.send(body, map[string]string{"X-Shopify-Event-Id": "evt-2"}); code != 200 {
					t.Errorf("status %d %s", code, out)
				}
			})
		}
		wg.Wait()
		if n := r.count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt-2'`); n != 1 {
			t.Fatalf("%d rows", n)
		}
		if n := r.count(`SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.webhook'`); n != 2 {
			t.Fatalf("%d jobs, want 2 (one per distinct event)", n)
		}
	})
	for _, tc := range []struct {
		name string
		body []byte
		h    map[string]string
		want int
	}{
		{"unsigned", body, map[string]string{"X-Shopify-Hmac-Sha256": "", "X-Shopify-Event-Id": "evt-3"}, 401},
		{"signed with another secret", body, map[string]string{"X-Shopify-Hmac-Sha256": hmacVerifier{"other"}.sign(body), "X-Shopify-Event-Id": "evt-3"}, 401},
		{"body altered after signing", []byte(strings.Replace(string(body), "1001", "1002", 1)),
			map[string]string{"X-Shopify-Hmac-Sha256": r.v.sign(body), "X-Shopify-Event-Id": "evt-3"}, 401},
		{"no event id", body, nil, 400},
		{"an event id too long to keep", body, map[string]string{"X-Shopify-Event-Id": strings.Repeat("e", 256)}, 400},
		{"an event id that is not UTF-8", body, map[string]string{"X-Shopify-Event-Id": "evt-\xff\xfe"}, 400},
		{"too large", []byte(strings.Repeat("x", webhooks.MaxBody+1)), map[string]string{"X-Shopify-Hmac-Sha256": "x", "X-Shopify-Event-Id": "evt-4"}, 413},
	} {
		t.Run(tc.name+" is refused and recorded nowhere", func(t *testing.T) {
			before := r.count(`SELECT COUNT(*) FROM webhook_events`)
			if code, out := r.send(tc.body, tc.h); code != tc.want {
				t.Fatalf("status %d, want %d: %s", code, tc.want, out)
			}
			if r.count(`SELECT COUNT(*) FROM webhook_events`) != before {
				t.Fatal("a refused delivery was recorded")
			}
		})
	}
}

// TestShopifyIngressRefusesUnsignedClaims: only the body is signed, with a
// secret every shop shares, so a signed body re-sent with another shop's
// domain, another topic, a fresh event id or an old X-Shopify-Triggered-At
// must not be acted on. Each such delivery is refused with 400 naming the
// header, recorded with why, and no job runs.
func TestShopifyIngressRefusesUnsignedClaims(t *testing.T) {
	t.Parallel()
	r := newShopifyRig(t)
	now := r.clock.Now()
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
	uninstalled := []byte(`{"id":548380009,"name":"Acme","domain":"shop.acme.example","myshopify_domain":"acme.myshopify.com"}`)
	redact := []byte(`{"shop_id":548380009,"shop_domain":"acme.myshopify.com"}`)
	product := []byte(`{"id":1001,"admin_graphql_api_id":"gid://shopify/Product/1001"}`)

	for i, tc := range []struct {
		name   string
		body   []byte
		h      map[string]string
		header string // the header the refusal names
		says   string // and words it must contain
	}{
		{"app/uninstalled of one shop under another's domain", uninstalled,
			map[string]string{"X-Shopify-Topic": "app/uninstalled", "X-Shopify-Shop-Domain": "victim.myshopify.com"},
			"X-Shopify-Shop-Domain", "says victim.myshopify.com but the signed app/uninstalled body is about acme.myshopify.com"},
		{"shop/redact of one shop under another's domain", redact,
			map[string]string{"X-Shopify-Topic": "shop/redact", "X-Shopify-Shop-Domain": "victim.myshopify.com"},
			"X-Shopify-Shop-Domain", "is about acme.myshopify.com"},
		{"a product body re-sent as app/uninstalled", product,
			map[string]string{"X-Shopify-Topic": "app/uninstalled"},
			"X-Shopify-Shop-Domain", "names no shop"},
		{"an app/uninstalled body re-sent as shop/redact", uninstalled,
			map[string]string{"X-Shopify-Topic": "shop/redact"},
			"X-Shopify-Shop-Domain", "has no shop_domain"},
		{"triggered in 2020", product, map[string]string{"X-Shopify-Triggered-At": "2020-01-01T00:00:00Z"},
			"X-Shopify-Triggered-At", "is more than 6h0m0s ago"},
		{"triggered just past the window", product, map[string]string{"X-Shopify-Triggered-At": at(-webhooks.ShopifyMaxAge - time.Second)},
			"X-Shopify-Triggered-At", "is more than 6h0m0s ago"},
		{"triggered in the future", product, map[string]string{"X-Shopify-Triggered-At": at(webhooks.ShopifyMaxAhead + time.Second)},
			"X-Shopify-Triggered-At", "ahead of our clock"},
		{"without X-Shopify-Triggered-At", product, map[string]string{"X-Shopify-Triggered-At": ""},
			"X-Shopify-Triggered-At", "is required"},
		{"with an unreadable X-Shopify-Triggered-At", product, map[string]string{"X-Shopify-Triggered-At": "2020-01-01"},
			"X-Shopify-Triggered-At", "RFC 3339"},
		{"for a shop that is not a myshopify.com domain", product, map[string]string{"X-Shopify-Shop-Domain": "acme.example"},
			"X-Shopify-Shop-Domain", "myshopify.com"},
		{"without a topic", product, map[string]string{"X-Shopify-Topic": ""}, "X-Shopify-Topic", "webhook topic"},
		{"with a topic too long to keep", product, map[string]string{"X-Shopify-Topic": "products/" + strings.Repeat("x", 200)}, "X-Shopify-Topic", "webhook topic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("forged-%d", i)
			tc.h["X-Shopify-Event-Id"] = id
			code, out := r.send(tc.body, tc.h)
			if code != 400 {
				t.Fatalf("status %d, want 400: %s", code, out)
			}
			var problem struct {
				Errors []struct{ Field, Message string } `json:"errors"`
			}
			if err := json.Unmarshal([]byte(out), &problem); err != nil || len(problem.Errors) == 0 || problem.Errors[0].Field != tc.header ||
				!strings.Contains(problem.Errors[0].Message, tc.says) {
				t.Fatalf("the answer does not name %s with %q: %s", tc.header, tc.says, out)
			}
			var refusal *string
			if err := r.conn.Get(&refusal, `SELECT refusal FROM webhook_events WHERE event_id = ?`, id); err != nil {
				t.Fatalf("the refused delivery was not recorded: %v", err)
			}
			if refusal == nil || !strings.Contains(*refusal, tc.header) || !strings.Contains(*refusal, tc.says) {
				t.Fatalf("recorded refusal %v", refusal)
			}
			if n := r.count(`SELECT COUNT(*) FROM jobs`); n != 0 {
				t.Fatalf("%d jobs enqueued for refused deliveries", n)
			}
		})
	}

	t.Run("deliveries within the window, and whose body and header agree, are accepted", func(t *testing.T) {
		for i, h := range []map[string]string{
			{"X-Shopify-Triggered-At": at(-webhooks.ShopifyMaxAge + time.Minute)}, // a last retry
			{"X-Shopify-Triggered-At": at(webhooks.ShopifyMaxAhead - time.Second)},
			{"X-Shopify-Topic": "app/uninstalled", "X-Shopify-Shop-Domain": "Acme.myshopify.com"},
		} {
			b := product
			if h["X-Shopify-Topic"] == "app/uninstalled" {
				b = uninstalled
			}
			h["X-Shopify-Event-Id"] = fmt.Sprintf("ok-%d", i)
			if code, out := r.send(b, h); code != 200 {
				t.Fatalf("%v: status %d %s", h, code, out)
			}
		}
		if n := r.count(`SELECT COUNT(*) FROM jobs`); n != 3 {
			t.Fatalf("%d jobs, want 3", n)
		}
	})

	t.Run("a refused copy neither blocks nor replaces the genuine delivery of its event id", func(t *testing.T) {
		forged := map[string]string{"X-Shopify-Event-Id": "shared", "X-Shopify-Topic": "app/uninstalled", "X-Shopify-Shop-Domain": "victim.myshopify.com"}
		for range 2 { // the same refusal twice is recorded once
			if code, _ := r.send(uninstalled, forged); code != 400 {
				t.Fatalf("forged copy: %d", code)
			}
		}
		if code, out := r.send(uninstalled, map[string]string{"X-Shopify-Event-Id": "shared", "X-Shopify-Topic": "app/uninstalled"}); code != 200 ||
			!strings.Contains(out, `"duplicate":false`) {
			t.Fatalf("genuine delivery: %d %s", code, out)
		}
		if code, _ := r.send(uninstalled, forged); code != 400 {
			t.Fatalf("forged copy after the genuine one: %d", code)
		}
		if n := r.count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'shared'`); n != 2 {
			t.Fatalf("%d rows for the shared event id, want 2 (one refused, one accepted)", n)
		}
		if n := r.count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'shared' AND refusal IS NULL AND account = 'acme.myshopify.com'`); n != 1 {
			t.Fatal("the accepted row is not the genuine delivery's")
		}
	})
}

// stripeVerifier accepts the signature "good:<event id>" or
// "good:<event id>:<type>" and reads the id (and type: payment_intent.succeeded
// if none) from it (the adapter's real verification is tested with the
// adapter).
type stripeVerifier struct{}

func (stripeVerifier) ParseEvent(body []byte, sig string) (stripe.Event, error) {
	rest, ok := strings.CutPrefix(sig, "good:")
	if !ok {
		return stripe.Event{}, errors.New("no valid signature")
	}
	id, typ, found := strings.Cut(rest, ":")
	if !found {
		typ = stripe.EventPaymentIntentSucceeded
	}
	return stripe.Event{ID: id, Type: typ, Created: time.Unix(1764000000, 0)}, nil
}

func TestStripeIngress(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.payment_intent", func(context.Context, queue.Meta, webhooks.StripePaymentIntentEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(webhooks.HandleStripe(webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clock.System{}, Queue: q}), stripeVerifier{}))
	defer srv.Close()
	send := func(sig string) int {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(`{"id":"evt_1","object":"event"}`))
		req.Header.Set("Stripe-Signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for range 3 {
		if code := send("good:evt_1"); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	if code := send("forged"); code != 400 {
		t.Fatalf("a bad signature answered %d, want 400", code)
	}
	var events, jobs int
	conn.Get(&events, `SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe'`)
	conn.Get(&jobs, `SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.payment_intent'`)
	if events != 1 || jobs != 1 {
		t.Fatalf("%d events and %d jobs for one event delivered three times (and one forgery)", events, jobs)
	}
}

// TestStripeIngressStoresNoSecrets: webhook_events keeps payloads for weeks,
// and a PaymentIntent's client_secret (or any other secret a Stripe object
// carries) must be stored nowhere. What the follow-ups read stays, exactly.
func TestStripeIngressStoresNoSecrets(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.payment_intent", func(context.Context, queue.Meta, webhooks.StripePaymentIntentEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(webhooks.HandleStripe(webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clock.System{}, Queue: q}), stripeVerifier{}))
	defer srv.Close()
	body := `{"id":"evt_s1","object":"event","type":"payment_intent.succeeded","data":{"object":{
		"id":"pi_3QxYzAbCdEfGh12345","object":"payment_intent","amount":9007199254740993,"currency":"usd","status":"succeeded",
		"client_secret":"pi_3QxYzAbCdEfGh12345_secret_RsTuVwXyZ0123456789",
		"metadata":{"order_id":"ord_1","note":"pasted pi_3QxYzAbCdEfGh12345_secret_RsTuVwXyZ0123456789 <here> & there"},
		"latest_charge":{"id":"ch_1","amount":2500},
		"ephemeral":{"object":"ephemeral_key","id":"ephkey_1","secret":"ek_test_YWNjdF8xTTJK"},
		"setup":[{"object":"setup_intent","client_secret":"seti_1AbCdEfGhIjKlMnOp_secret_QrStUvWxYz0123"}]},
		"previous_attributes":{"client_secret":"pi_3QxYzAbCdEfGh12345_secret_OldOldOld0123456"}}}`
	req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
	req.Header.Set("Stripe-Signature", "good:evt_s1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var stored string
	if err := conn.Get(&stored, `SELECT payload FROM webhook_events WHERE event_id = 'evt_s1'`); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"client_secret", "_secret_", "ek_test_", `"secret"`} {
		if strings.Contains(stored, secret) {
			t.Errorf("the stored payload holds %q: %s", secret, stored)
		}
	}
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			Object struct {
				ID       string            `json:"id"`
				Amount   json.Number       `json:"amount"`
				Status   string            `json:"status"`
				Metadata map[string]string `json:"metadata"`
				Charge   struct {
					ID string `json:"id"`
				} `json:"latest_charge"`
			} `json:"object"`
		} `json:"data"`
	}
	dec := json.NewDecoder(strings.NewReader(stored))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	o := ev.Data.Object
	if ev.ID != "evt_s1" || o.ID != "pi_3QxYzAbCdEfGh12345" || o.Amount.String() != "9007199254740993" || o.Status != "succeeded" ||
		o.Metadata["order_id"] != "ord_1" || o.Metadata["note"] != "pasted [redacted] <here> & there" || o.Charge.ID != "ch_1" {
		t.Fatalf("what the follow-ups read changed: %s", stored)
	}
}

// stripeRig is the Stripe ingress over real HTTP on a fresh database, with
// the adapter's own signature check and a handler for every family's job.
type stripeRig struct {
	t          *testing.T
	conn       *sqlx.DB
	url        string // the platform's endpoint
	connectURL string // the Connect endpoint
	hook       *webhooks.Store
}

const stripeTestSecret = "whsec_ingress_test"

func newStripeRig(t *testing.T) *stripeRig {
	t.Helper()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.payment_intent", func(context.Context, queue.Meta, webhooks.StripePaymentIntentEvent) error { return nil })
	queue.Handle(reg, "stripe.refund", func(context.Context, queue.Meta, webhooks.StripeRefundEvent) error { return nil })
	queue.Handle(reg, "stripe.dispute", func(context.Context, queue.Meta, webhooks.StripeDisputeEvent) error { return nil })
	queue.Handle(reg, "stripe.billing", func(context.Context, queue.Meta, webhooks.StripeBillingEvent) error { return nil })
	queue.Handle(reg, "stripe.account", func(context.Context, queue.Meta, webhooks.StripeAccountEvent) error { return nil })
	queue.Handle(reg, "stripe.transfer", func(context.Context, queue.Meta, webhooks.StripeTransferEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := stripe.New(stripe.Config{SecretKey: "sk_test_ingress", WebhookSecrets: []string{stripeTestSecret},
		ConnectWebhookSecrets: []string{stripeConnectSecret}})
	if err != nil {
		t.Fatal(err)
	}
	hook := webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clock.System{}, Queue: q})
	srv := httptest.NewServer(webhooks.HandleStripe(hook, sc))
	t.Cleanup(srv.Close)
	connect := httptest.NewServer(webhooks.HandleStripeConnect(hook, sc))
	t.Cleanup(connect.Close)
	return &stripeRig{t: t, conn: conn, url: srv.URL, connectURL: connect.URL, hook: hook}
}

const stripeConnectSecret = "whsec_ingress_connect"

// stripeDelivery is one delivery of an event, as Stripe makes it.
type stripeDelivery struct {
	id, typ, obj string
	account      string // "" for the platform's own events
	livemode     bool
	secret       string // signs it; "" for the platform endpoint's
	connect      bool   // sent to the Connect endpoint
}

// deliver sends d signed and answers the status and the answer's body.
func (r *stripeRig) deliver(d stripeDelivery) (int, string) {
	r.t.Helper()
	account := ""
	if d.account != "" {
		account = fmt.Sprintf(`"account":%q,`, d.account)
	}
	body := fmt.Appendf(nil, `{"id":%q,"object":"event",%s"api_version":%q,"created":%d,"livemode":%t,"type":%q,"data":{"object":%s}}`,
		d.id, account, stripe.APIVersion, time.Now().Unix(), d.livemode, d.typ, d.obj)
	url, secret := r.url, stripeTestSecret
	if d.connect {
		url, secret = r.connectURL, stripeConnectSecret
	}
	if d.secret != "" {
		secret = d.secret
	}
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(body)))
	req.Header.Set("Stripe-Signature", stripe.SignatureHeader(body, secret, time.Now()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// send delivers a signed event of the platform's, whose object is obj, to
// the platform's endpoint and answers the status.
func (r *stripeRig) send(id, typ, obj string) int {
	r.t.Helper()
	code, _ := r.deliver(stripeDelivery{id: id, typ: typ, obj: obj})
	return code
}

// TestStripeIngressJobPerFamily: each verified event is recorded with the
// job of its family, which the job table names by kind, so that each family
// has a handler of its own (cmd/trove/jobs.go); an event of a type Trove
// does not follow is recorded as processed, with no job. Nothing is enqueued
// under the old single kind.
func TestStripeIngressJobPerFamily(t *testing.T) {
	t.Parallel()
	r := newStripeRig(t)
	tests := []struct {
		typ, object, wantKind string // wantKind "": no job
	}{
		{"payment_intent.succeeded", "payment_intent", "stripe.payment_intent"},
		{"payment_intent.created", "payment_intent", "stripe.payment_intent"},
		{"payment_intent.payment_failed", "payment_intent", "stripe.payment_intent"},
		{"charge.refunded", "charge", "stripe.refund"},
		{"charge.refund.updated", "refund", "stripe.refund"},
		{"refund.created", "refund", "stripe.refund"},
		{"refund.updated", "refund", "stripe.refund"},
		{"refund.failed", "refund", "stripe.refund"},
		{"charge.dispute.created", "dispute", "stripe.dispute"},
		{"charge.dispute.funds_withdrawn", "dispute", "stripe.dispute"},
		{"charge.dispute.funds_reinstated", "dispute", "stripe.dispute"},
		{"charge.dispute.updated", "dispute", "stripe.dispute"},
		{"charge.dispute.closed", "dispute", "stripe.dispute"},
		{"transfer.reversed", "transfer", "stripe.transfer"},
		{"invoice.paid", "invoice", "stripe.billing"},
		{"invoice.payment_failed", "invoice", "stripe.billing"},
		{"customer.subscription.updated", "subscription", "stripe.billing"},
		{"customer.subscription.deleted", "subscription", "stripe.billing"},
		// The platform's own account: a connected account's arrives on the
		// Connect endpoint.
		{"account.updated", "account", ""},
		{"charge.succeeded", "charge", ""},
		{"transfer.created", "transfer", ""},
		{"customer.created", "customer", ""},
	}
	for i, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			id := fmt.Sprintf("evt_family_%d", i)
			for range 2 { // a redelivery adds nothing
				if code := r.send(id, tc.typ, fmt.Sprintf(`{"id":"obj_%d","object":%q}`, i, tc.object)); code != 200 {
					t.Fatalf("status %d", code)
				}
			}
			var row struct {
				ID        int64      `db:"id"`
				Processed *time.Time `db:"processed_at"`
			}
			if err := r.conn.Get(&row, `SELECT id, processed_at FROM webhook_events WHERE provider = 'stripe' AND event_id = ?`, id); err != nil {
				t.Fatal(err)
			}
			var jobs []struct {
				Kind    string `db:"kind"`
				Payload string `db:"payload"`
			}
			if err := r.conn.Select(&jobs, `SELECT kind, payload FROM jobs WHERE JSON_VALUE(payload, '$.webhook_id') = ?`, row.ID); err != nil {
				t.Fatal(err)
			}
			if tc.wantKind == "" {
				if len(jobs) != 0 || row.Processed == nil {
					t.Fatalf("an event nothing follows: jobs %+v, processed %v; want none, processed", jobs, row.Processed)
				}
				return
			}
			want := fmt.Sprintf(`{"webhook_id":%d,"type":%q}`, row.ID, tc.typ)
			if len(jobs) != 1 || jobs[0].Kind != tc.wantKind || jobs[0].Payload != want || row.Processed != nil {
				t.Fatalf("jobs %+v, processed %v; want one %s %s, not processed yet", jobs, row.Processed, tc.wantKind, want)
			}
		})
	}
	var legacy int
	r.conn.Get(&legacy, `SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.webhook'`)
	if legacy != 0 {
		t.Fatalf("%d jobs of the old single kind", legacy)
	}
}

// TestFollowStripe: a follow-up gets the recorded event decoded once, in
// Trove's types, and its outcome is recorded; an event whose payload no
// longer reads fails for good.
func TestFollowStripe(t *testing.T) {
	t.Parallel()
	r := newStripeRig(t)
	pi := `{"id":"pi_1","object":"payment_intent","amount":2500,"amount_received":2500,"currency":"usd","status":"succeeded",
		"client_secret":"pi_1_secret_AbCdEf123456","metadata":{"order_id":"ord_1"}}`
	if code := r.send("evt_follow_1", "payment_intent.succeeded", pi); code != 200 {
		t.Fatalf("status %d", code)
	}
	var rowID int64
	if err := r.conn.Get(&rowID, `SELECT id FROM webhook_events WHERE event_id = 'evt_follow_1'`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	calls := 0
	fail := errors.New("not yet")
	follow := func(_ context.Context, ev stripe.Event) error {
		calls++
		got, err := ev.PaymentIntent()
		if err != nil {
			return err
		}
		if ev.ID != "evt_follow_1" || ev.Family() != stripe.FamilyPaymentIntent || got.ID != "pi_1" ||
			got.AmountReceived.Amount != 2500 || got.Metadata["order_id"] != "ord_1" || got.ClientSecret != "" {
			t.Errorf("event %+v, intent %+v", ev, got)
		}
		if calls == 1 {
			return fail
		}
		return nil
	}
	if err := r.hook.FollowStripe(ctx, rowID, follow); !errors.Is(err, fail) {
		t.Fatalf("first attempt: %v", err)
	}
	var lastError *string
	r.conn.Get(&lastError, `SELECT last_error FROM webhook_events WHERE id = ?`, rowID)
	if lastError == nil || *lastError != "not yet" {
		t.Fatalf("last error %v", lastError)
	}
	if err := r.hook.FollowStripe(ctx, rowID, follow); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	var processed int
	r.conn.Get(&processed, `SELECT COUNT(*) FROM webhook_events WHERE id = ? AND processed_at IS NOT NULL AND last_error IS NULL`, rowID)
	if processed != 1 || calls != 2 {
		t.Fatalf("processed %d after %d calls", processed, calls)
	}

	if _, err := r.conn.Exec(`UPDATE webhook_events SET payload = '{"object":"nonsense"}' WHERE id = ?`, rowID); err != nil {
		t.Fatal(err)
	}
	err := r.hook.FollowStripe(ctx, rowID, func(context.Context, stripe.Event) error { t.Error("ran on a payload that does not read"); return nil })
	if !queue.IsPermanent(err) {
		t.Fatalf("an unreadable payload: %v, want a permanent error", err)
	}
}

// TestStripeConnectIngress: connected accounts' events arrive on the Connect
// endpoint, signed with its own secret and naming their account; the
// platform's on the platform's. Each endpoint refuses what Stripe never sends
// it (recorded with why, no job), and both refuse an event of the other mode
// than the key's, or signed with the other endpoint's secret (recorded
// nowhere).
func TestStripeConnectIngress(t *testing.T) {
	t.Parallel()
	r := newStripeRig(t)
	const acct = `{"id":"acct_1V","object":"account","charges_enabled":false,"payouts_enabled":true,"details_submitted":true,
		"capabilities":{"transfers":"active"}}`
	const pi = `{"id":"pi_1","object":"payment_intent","amount":100,"currency":"usd","status":"succeeded"}`
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := r.conn.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	jobsFor := func(eventID string) []string {
		t.Helper()
		var kinds []string
		if err := r.conn.Select(&kinds, `SELECT j.kind FROM jobs j JOIN webhook_events w ON JSON_VALUE(j.payload, '$.webhook_id') = w.id
			WHERE w.event_id = ?`, eventID); err != nil {
			t.Fatal(err)
		}
		return kinds
	}

	t.Run("account.updated of a connected account, on the Connect endpoint, is followed", func(t *testing.T) {
		for range 2 {
			if code, out := r.deliver(stripeDelivery{id: "evt_c1", typ: "account.updated", obj: acct, account: "acct_1V", connect: true}); code != 200 {
				t.Fatalf("status %d %s", code, out)
			}
		}
		if kinds := jobsFor("evt_c1"); len(kinds) != 1 || kinds[0] != "stripe.account" {
			t.Fatalf("jobs %v, want one stripe.account", kinds)
		}
		if n := count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_c1' AND account = 'acct_1V' AND refusal IS NULL`); n != 1 {
			t.Fatalf("%d rows", n)
		}
	})
	t.Run("a connected account's other events are recorded, not followed", func(t *testing.T) {
		if code, out := r.deliver(stripeDelivery{id: "evt_c2", typ: "payout.paid", obj: `{"id":"po_1","object":"payout"}`, account: "acct_1V",
			connect: true}); code != 200 {
			t.Fatalf("status %d %s", code, out)
		}
		if kinds := jobsFor("evt_c2"); len(kinds) != 0 {
			t.Fatalf("jobs %v", kinds)
		}
		if n := count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt_c2' AND processed_at IS NOT NULL`); n != 1 {
			t.Fatal("not recorded as processed")
		}
	})

	refused := []struct {
		name string
		d    stripeDelivery
		says string
	}{
		{"a connected account's event on the platform's endpoint", stripeDelivery{id: "evt_r1", typ: "account.updated", obj: acct,
			account: "acct_1V", secret: stripeTestSecret}, "go to the Connect endpoint"},
		{"the platform's own event on the Connect endpoint", stripeDelivery{id: "evt_r2", typ: "payment_intent.succeeded", obj: pi,
			connect: true}, "is missing"},
	}
	for _, tc := range refused {
		t.Run(tc.name+" is refused, and recorded with why", func(t *testing.T) {
			code, out := r.deliver(tc.d)
			if code != 400 || !strings.Contains(out, `"field":"account"`) || !strings.Contains(out, tc.says) {
				t.Fatalf("status %d %s", code, out)
			}
			var refusal *string
			if err := r.conn.Get(&refusal, `SELECT refusal FROM webhook_events WHERE event_id = ?`, tc.d.id); err != nil || refusal == nil ||
				!strings.Contains(*refusal, tc.says) {
				t.Fatalf("refusal %v (%v)", refusal, err)
			}
			if kinds := jobsFor(tc.d.id); len(kinds) != 0 {
				t.Fatalf("jobs %v for a refused event", kinds)
			}
		})
	}

	nowhere := []struct {
		name string
		d    stripeDelivery
	}{
		{"a live event with a test key, on the platform's endpoint", stripeDelivery{id: "evt_n1", typ: "payment_intent.succeeded", obj: pi, livemode: true}},
		{"a live event with a test key, on the Connect endpoint", stripeDelivery{id: "evt_n2", typ: "account.updated", obj: acct, account: "acct_1V",
			livemode: true, connect: true}},
		{"a Connect delivery signed with the platform endpoint's secret", stripeDelivery{id: "evt_n3", typ: "account.updated", obj: acct,
			account: "acct_1V", connect: true, secret: stripeTestSecret}},
		{"a platform delivery signed with the Connect endpoint's secret", stripeDelivery{id: "evt_n4", typ: "payment_intent.succeeded", obj: pi,
			secret: stripeConnectSecret}},
	}
	for _, tc := range nowhere {
		t.Run(tc.name+" is refused and recorded nowhere", func(t *testing.T) {
			if code, out := r.deliver(tc.d); code != 400 {
				t.Fatalf("status %d %s", code, out)
			}
			if n := count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = ?`, tc.d.id); n != 0 {
				t.Fatalf("%d rows", n)
			}
		})
	}

	t.Run("a refused copy does not block the genuine delivery of its event id", func(t *testing.T) {
		if code, out := r.deliver(stripeDelivery{id: "evt_r1", typ: "account.updated", obj: acct, account: "acct_1V", connect: true}); code != 200 ||
			!strings.Contains(out, `"duplicate":false`) {
			t.Fatalf("status %d %s", code, out)
		}
		if kinds := jobsFor("evt_r1"); len(kinds) != 1 {
			t.Fatalf("jobs %v", kinds)
		}
	})
}
