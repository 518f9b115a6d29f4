package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
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

func TestShopifyIngress(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "shopify.webhook", func(context.Context, queue.Meta, webhooks.ShopifyEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := hmacVerifier{secret: "shh"}
	srv := httptest.NewServer(webhooks.HandleShopify(webhooks.NewStore(conn, clock.System{}, q), v))
	defer srv.Close()

	body := []byte(`{"id":1001,"admin_graphql_api_id":"gid://shopify/Product/1001","title":"Candle"}`)
	send := func(body []byte, sig, eventID string) int {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(string(body)))
		req.Header.Set("X-Shopify-Hmac-Sha256", sig)
		req.Header.Set("X-Shopify-Topic", "products/update")
		req.Header.Set("X-Shopify-Shop-Domain", "acme.myshopify.com")
		req.Header.Set("X-Shopify-Triggered-At", "2026-11-24T10:00:00.123456Z")
		if eventID != "" {
			req.Header.Set("X-Shopify-Event-Id", eventID)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	count := func(q string) int {
		var n int
		if err := conn.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("a signed delivery is recorded and its job enqueued", func(t *testing.T) {
		if code := send(body, v.sign(body), "evt-1"); code != 200 {
			t.Fatalf("status %d", code)
		}
		var e webhooks.Event
		if err := conn.Get(&e, `SELECT id, provider, event_id, topic, account, payload, triggered_at, received_at FROM webhook_events WHERE event_id = 'evt-1'`); err != nil {
			t.Fatal(err)
		}
		if string(e.Payload) != string(body) || e.TriggeredAt == nil || e.TriggeredAt.Nanosecond() != 123456000 || e.Account != "acme.myshopify.com" {
			t.Fatalf("stored %+v", e)
		}
		if n := count(`SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.webhook'`); n != 1 {
			t.Fatalf("%d jobs", n)
		}
	})
	t.Run("the same event delivered again, even at once, changes nothing", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if code := send(body, v.sign(body), "evt-2"); code != 200 {
					t.Errorf("status %d", code)
				}
			})
		}
		wg.Wait()
		if n := count(`SELECT COUNT(*) FROM webhook_events WHERE event_id = 'evt-2'`); n != 1 {
			t.Fatalf("%d rows", n)
		}
		if n := count(`SELECT COUNT(*) FROM jobs WHERE kind = 'shopify.webhook'`); n != 2 {
			t.Fatalf("%d jobs, want 2 (one per distinct event)", n)
		}
	})
	for _, tc := range []struct {
		name    string
		body    []byte
		sig     string
		eventID string
		want    int
	}{
		{"unsigned", body, "", "evt-3", 401},
		{"signed with another secret", body, hmacVerifier{"other"}.sign(body), "evt-3", 401},
		{"body altered after signing", []byte(strings.Replace(string(body), "1001", "1002", 1)), v.sign(body), "evt-3", 401},
		{"no event id", body, v.sign(body), "", 400},
		{"too large", []byte(strings.Repeat("x", webhooks.MaxBody+1)), "x", "evt-4", 413},
	} {
		t.Run(tc.name+" is refused and changes nothing", func(t *testing.T) {
			before := count(`SELECT COUNT(*) FROM webhook_events`)
			if code := send(tc.body, tc.sig, tc.eventID); code != tc.want {
				t.Fatalf("status %d, want %d", code, tc.want)
			}
			if count(`SELECT COUNT(*) FROM webhook_events`) != before {
				t.Fatal("a refused delivery was recorded")
			}
		})
	}
}

// stripeVerifier accepts the signature "good:<event id>" and reads the id
// from it (the adapter's real verification is tested with the adapter).
type stripeVerifier struct{}

func (stripeVerifier) VerifyStripe(body []byte, sig string) (webhooks.StripeEventInfo, error) {
	id, ok := strings.CutPrefix(sig, "good:")
	if !ok {
		return webhooks.StripeEventInfo{}, errors.New("no valid signature")
	}
	return webhooks.StripeEventInfo{ID: id, Type: "payment_intent.succeeded", Created: time.Unix(1764000000, 0)}, nil
}

func TestStripeIngress(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "stripe.webhook", func(context.Context, queue.Meta, webhooks.StripeEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(webhooks.HandleStripe(webhooks.NewStore(conn, clock.System{}, q), stripeVerifier{}))
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
	conn.Get(&jobs, `SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.webhook'`)
	if events != 1 || jobs != 1 {
		t.Fatalf("%d events and %d jobs for one event delivered three times (and one forgery)", events, jobs)
	}
}
