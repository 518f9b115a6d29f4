package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/stripe/stripemocktest"
)

// writeCounter counts the writes (anything but GET) a handler receives.
type writeCounter struct {
	next   http.Handler
	mu     sync.Mutex
	writes []string
}

func (c *writeCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		c.mu.Lock()
		c.writes = append(c.writes, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
	}
	c.next.ServeHTTP(w, r)
}

func (c *writeCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.writes
	c.writes = nil
	return out
}

var secretLine = regexp.MustCompile(`(TROVE_STRIPE_(?:CONNECT_)?WEBHOOK_SECRET)=(whsec_\S+)`)

// TestStripeSetupWebhooks: against the sandbox Stripe, whose account has the
// endpoint an operator made at the account's default version (whose events
// Trove refuses), `trove stripe setup-webhooks` makes the platform and the
// Connect endpoints at 2023-10-16 with the events Trove follows, disables
// the old one, and prints the two secrets; run again, it writes nothing;
// an endpoint changed by hand is brought back, its secret kept. A server
// started with the printed secrets then takes the events Stripe sends to
// those endpoints: a payment, and a vendor's account.updated.
func TestStripeSetupWebhooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := dbtest.NewDSN(t)
	addr := freeAddr(t)
	public := "http://" + addr
	// No configured endpoint: the sandbox sends only to those made through its API.
	sb := sbstripe.New(sbstripe.Config{SecretKey: "sk_test_trove", PublishableKey: "pk_test_trove", HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	writes := &writeCounter{next: sb.Handler()}
	sbSrv := httptest.NewServer(writes)
	t.Cleanup(sbSrv.Close)
	admin, err := stripe.New(stripe.Config{SecretKey: "sk_test_trove", APIBase: sbSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	// The endpoint an operator made by hand in the Dashboard: no
	// api_version, so the account's default.
	form := url.Values{"url": {public + "/webhooks/stripe"}, "enabled_events[0]": {"*"}}
	req, _ := http.NewRequest(http.MethodPost, sbSrv.URL+"/v1/webhook_endpoints", strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer sk_test_trove")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var old struct {
		ID         string  `json:"id"`
		APIVersion *string `json:"api_version"`
	}
	decodeBody(t, res, &old)
	res.Body.Close()
	if old.ID == "" || old.APIVersion != nil {
		t.Fatalf("the hand-made endpoint: %+v", old)
	}
	writes.take()

	env := map[string]string{"TROVE_STRIPE_SECRET_KEY": "sk_test_trove", "TROVE_STRIPE_API_BASE": sbSrv.URL, "TROVE_PUBLIC_URL": public}
	setup := func(t *testing.T) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, []string{"stripe", "setup-webhooks"}, envFrom(env), &out, io.Discard); err != nil {
			t.Fatalf("setup-webhooks: %v\n%s", err, out.String())
		}
		return out.String()
	}

	first := setup(t)
	secrets := map[string]string{}
	for _, m := range secretLine.FindAllStringSubmatch(first, -1) {
		secrets[m[1]] = m[2]
	}
	eps := sb.WebhookEndpoints()
	byURL := map[string]sbstripe.WebhookEndpoint{}
	for _, ep := range eps {
		if ep.ID != old.ID {
			byURL[ep.URL] = ep
		}
	}
	platform, connect := byURL[public+"/webhooks/stripe"], byURL[public+"/webhooks/stripe/connect"]
	if len(eps) != 3 || platform.ID == "" || connect.ID == "" {
		t.Fatalf("endpoints after setup: %+v\n%s", eps, first)
	}
	if platform.APIVersion != stripe.APIVersion || platform.Connect || !slices.Equal(platform.EnabledEvents, stripe.PlatformEvents()) ||
		platform.Status != "enabled" || platform.Metadata["trove_endpoint"] != "platform" {
		t.Fatalf("platform endpoint %+v", platform)
	}
	if connect.APIVersion != stripe.APIVersion || !connect.Connect || !slices.Equal(connect.EnabledEvents, stripe.ConnectEvents()) ||
		connect.Status != "enabled" {
		t.Fatalf("Connect endpoint %+v", connect)
	}
	if secrets["TROVE_STRIPE_WEBHOOK_SECRET"] != platform.Secret || secrets["TROVE_STRIPE_CONNECT_WEBHOOK_SECRET"] != connect.Secret {
		t.Fatalf("printed secrets %v, want the endpoints' own:\n%s", secrets, first)
	}
	for _, ep := range eps {
		if ep.ID == old.ID && ep.Status != "disabled" {
			t.Fatalf("the endpoint at the account's default version is still %s", ep.Status)
		}
	}
	if !strings.Contains(first, "Disabled "+old.ID) {
		t.Fatalf("the output does not say the old endpoint was disabled:\n%s", first)
	}

	t.Run("run again, it changes nothing", func(t *testing.T) {
		writes.take()
		again := setup(t)
		if w := writes.take(); len(w) != 0 {
			t.Fatalf("the second run wrote %v:\n%s", w, again)
		}
		if strings.Contains(again, "whsec_") || strings.Count(again, "is up to date") != 2 {
			t.Fatalf("the second run said:\n%s", again)
		}
		if !slices.EqualFunc(sb.WebhookEndpoints(), eps, func(a, b sbstripe.WebhookEndpoint) bool {
			return a.ID == b.ID && a.Status == b.Status && slices.Equal(a.EnabledEvents, b.EnabledEvents)
		}) {
			t.Fatalf("endpoints changed: %+v", sb.WebhookEndpoints())
		}
	})

	t.Run("an endpoint changed by hand is brought back, its secret kept", func(t *testing.T) {
		off := true
		if _, err := admin.UpdateWebhookEndpoint(ctx, platform.ID, stripe.WebhookEndpointUpdate{EnabledEvents: []string{"charge.succeeded"},
			Disabled: &off}, "by-hand-2"); err != nil {
			t.Fatal(err)
		}
		out := setup(t)
		if !strings.Contains(out, "updated "+platform.ID) || strings.Contains(out, "whsec_") || !strings.Contains(out, "Roll secret") {
			t.Fatalf("said:\n%s", out)
		}
		for _, ep := range sb.WebhookEndpoints() {
			if ep.ID == platform.ID && (ep.Status != "enabled" || !slices.Equal(ep.EnabledEvents, stripe.PlatformEvents()) || ep.Secret != platform.Secret) {
				t.Fatalf("after the update %+v", ep)
			}
		}
	})

	t.Run("the secrets it printed are the ones Stripe signs with", func(t *testing.T) {
		env := baseEnv(dsn)
		p := seedPeople(t, dsn)
		p.connectStores(t, p.vendorA.ID)
		variant := p.listVariant(t, p.vendorA.ID, "71", "Candle", 2500, 5)
		env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, public
		env["TROVE_STRIPE_API_BASE"], env["TROVE_QUEUE_POLL_INTERVAL"] = sbSrv.URL, "20ms"
		env["TROVE_STRIPE_WEBHOOK_SECRET"] = secrets["TROVE_STRIPE_WEBHOOK_SECRET"]
		env["TROVE_STRIPE_CONNECT_WEBHOOK_SECRET"] = secrets["TROVE_STRIPE_CONNECT_WEBHOOK_SECRET"]
		s := startServer(t, env)
		g, orderID, intentID, secret := checkoutGuest(t, s, item{variant, 1})
		confirm(t, sbSrv.URL, intentID, secret, "pm_card_visa")
		waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })

		owner := signIn(t, s, p.ownerA.Email)
		res, body := call(t, s, owner, "POST", "/api/v1/vendor/finance/account/onboarding", nil)
		if res.StatusCode != 200 {
			t.Fatalf("onboarding: %d %s", res.StatusCode, body)
		}
		var link struct {
			URL string `json:"url"`
		}
		decode(t, body, &link)
		if res, err := noRedirect.Get(link.URL); err != nil {
			t.Fatal(err)
		} else {
			res.Body.Close()
		}
		waitUntil(t, "account.updated followed", func() bool {
			var n int
			p.db.Get(&n, `SELECT COUNT(*) FROM webhook_events WHERE topic = 'account.updated' AND processed_at IS NOT NULL AND refusal IS NULL`)
			return n == 1
		})
		sb.WaitDeliveries()
		for _, d := range sb.Deliveries() {
			switch d.Endpoint {
			case platform.ID, connect.ID:
				if d.StatusCode != 200 {
					t.Fatalf("%s to %s answered %d", d.Type, d.Endpoint, d.StatusCode)
				}
			case old.ID:
				t.Fatalf("the disabled endpoint got %s", d.Type)
			}
		}
	})
}

// TestStripeSetupWebhooksRequestShapes runs the command against stripe-mock,
// which checks every request it sends against Stripe's OpenAPI spec.
func TestStripeSetupWebhooksRequestShapes(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	env := map[string]string{"TROVE_STRIPE_SECRET_KEY": stripemocktest.SecretKey, "TROVE_STRIPE_API_BASE": stripemocktest.URL(t),
		"TROVE_PUBLIC_URL": "https://trove.example.com"}
	if err := run(context.Background(), []string{"stripe", "setup-webhooks"}, envFrom(env), &out, io.Discard); err != nil {
		t.Fatalf("setup-webhooks against stripe-mock: %v\n%s", err, out.String())
	}
	// stripe-mock keeps nothing: it lists one canned endpoint elsewhere,
	// so both are created.
	if strings.Count(out.String(), ": created we_") != 2 {
		t.Fatalf("said:\n%s", out.String())
	}
}

// TestStripeSetupWebhooksRefuses: what the command needs, said up front.
func TestStripeSetupWebhooksRefuses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
		says string
	}{
		"no key":              {[]string{"stripe", "setup-webhooks"}, map[string]string{}, "TROVE_STRIPE_SECRET_KEY"},
		"a live key and http": {[]string{"stripe", "setup-webhooks"}, map[string]string{"TROVE_STRIPE_SECRET_KEY": "sk_live_x", "TROVE_PUBLIC_URL": "http://trove.example.com"}, "https"},
		"no subcommand":       {[]string{"stripe"}, map[string]string{"TROVE_STRIPE_SECRET_KEY": "sk_test_x"}, "setup-webhooks"},
		"another subcommand":  {[]string{"stripe", "teardown"}, map[string]string{"TROVE_STRIPE_SECRET_KEY": "sk_test_x"}, "setup-webhooks"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), tc.args, envFrom(tc.env), io.Discard, io.Discard)
			var ce *ConfigError
			var ue usageError
			if err == nil || !(errors.As(err, &ce) || errors.As(err, &ue)) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want a configuration or usage error naming %s", err, tc.says)
			}
		})
	}
}
