package main

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// alertMetrics are the metric names deploy/prometheus/alerts.yml uses, the
// series suffixes of histograms taken off.
func alertMetrics(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("a rule without a name or an expression: %+v", r)
			}
			for _, m := range regexp.MustCompile(`trove_[a-z_]+`).FindAllString(r.Expr, -1) {
				m = strings.TrimSuffix(m, "_bucket")
				if !slices.Contains(names, m) {
					names = append(names, m)
				}
			}
		}
	}
	return names
}

// TestAlertsNameMetricsTroveServes: every metric an alert rule watches is
// served by a running trove (the sandbox demo: provider calls, the stores'
// and Xero's connections, the job backlog), so no alert silently watches
// nothing; the provider calls are counted by operation and outcome. The SQS
// dead-letter gauge exists only with the sqs driver (internal/platform/queue
// TestCollector holds it).
func TestAlertsNameMetricsTroveServes(t *testing.T) {
	t.Parallel()
	env := baseEnv(dbtest.NewDSN(t))
	for _, k := range []string{"TROVE_SHOPIFY_API_KEY", "TROVE_SHOPIFY_API_SECRET", "TROVE_STRIPE_SECRET_KEY", "TROVE_STRIPE_PUBLISHABLE_KEY",
		"TROVE_STRIPE_WEBHOOK_SECRET", "TROVE_XERO_CLIENT_ID", "TROVE_XERO_CLIENT_SECRET"} {
		delete(env, k) // the stand-ins' own
	}
	env["TROVE_SANDBOX_DIR"] = t.TempDir()
	env["TROVE_SEED_ADMIN_PASSWORD"] = testPassword
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"
	addr := freeAddr(t)
	env["TROVE_HTTP_ADDR"], env["TROVE_PUBLIC_URL"] = addr, "http://"+addr
	s := startServer(t, env, "--sandbox")
	waitUntil(t, "the demo catalog", func() bool { return len(storefront(t, s, "")) >= 6 })
	conn, err := db.Open(context.Background(), env["TROVE_DATABASE_URL"], db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A job due that no worker takes: the backlog's age has a sample.
	if _, err := conn.Exec(`INSERT INTO jobs (id, kind, handler, payload, status, attempts, max_attempts, run_at, enqueued_at, updated_at)
		VALUES ('job_test_due', 'test.due', 'test.nobody', '{}', 'pending', 0, 1, UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))`); err != nil {
		t.Fatal(err)
	}
	// Deliveries that do not verify, one per endpoint.
	for _, path := range []string{"/webhooks/shopify", "/webhooks/stripe", "/webhooks/stripe/connect"} {
		res, _ := call(t, s, "", "POST", path, `{"id":"forged"}`)
		if res.StatusCode != 400 && res.StatusCode != 401 {
			t.Fatalf("a forged delivery to %s: %d", path, res.StatusCode)
		}
	}
	var metrics string
	waitUntil(t, "every watched metric", func() bool {
		res, body := get(t, s.url+"/metrics")
		res.Body.Close()
		metrics = string(body)
		for _, name := range alertMetrics(t) {
			if name != "trove_sqs_dlq_messages" && !strings.Contains(metrics, "\n"+name) {
				return false
			}
		}
		return true
	})
	for _, want := range []string{
		`trove_provider_calls_total{operation="graphql TroveShop",outcome="ok",provider="shopify"}`,
		`trove_provider_calls_total{operation="oauth token",outcome="ok",provider="shopify"}`,
		`trove_shopify_connections{status="connected"} 3`,
		`trove_xero_connection{status="connected"} 1`,
		`trove_jobs{kind="test.due",status="pending"} 1`,
		`trove_webhook_signature_failures_total{endpoint="shopify"} 1`,
		`trove_webhook_signature_failures_total{endpoint="stripe"} 1`,
		`trove_webhook_signature_failures_total{endpoint="stripe_connect"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("no %s in /metrics", want)
		}
	}
	if strings.Contains(metrics, `provider="stripe"`) && regexp.MustCompile(`operation="[^"]*(acct|pi|ch)_[A-Za-z0-9]`).MatchString(metrics) {
		t.Error("an object id made it into an operation label")
	}
}
