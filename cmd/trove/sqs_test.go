package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/queue/sqstest"
)

// TestSQSDriverEndToEnd sets the queues up with `trove queue setup` and runs
// `trove serve` on the sqs driver: the scheduled jobs.prune job goes through
// the relay to SQS and back to a consumer, and is done.
func TestSQSDriverEndToEnd(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	env := baseEnv(dsn)
	env["TROVE_QUEUE"] = "sqs"
	env["TROVE_SQS_ENDPOINT"] = sqstest.Endpoint(t)
	env["TROVE_SQS_QUEUE"] = "trove-e2e-" + strings.ToLower(id.New("q")[2:12])
	env["TROVE_QUEUE_POLL_INTERVAL"] = "50ms"

	var out bytes.Buffer
	if err := run(context.Background(), []string{"queue", "setup"}, envFrom(env), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), env["TROVE_SQS_QUEUE"]+"-dlq") {
		t.Fatalf("setup said %q", out.String())
	}
	// Setup is idempotent, and runs again after the settings changed: SQS
	// refuses CreateQueue for an existing queue with other attributes.
	if err := run(context.Background(), []string{"queue", "setup"}, envFrom(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("second setup: %v", err)
	}
	env["TROVE_SQS_MAX_RECEIVE_COUNT"] = "40"
	if err := run(context.Background(), []string{"queue", "setup"}, envFrom(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("setup after TROVE_SQS_MAX_RECEIVE_COUNT changed: %v", err)
	}

	startServer(t, env)
	conn, err := db.Open(context.Background(), dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var status string
		err := conn.Get(&status, `SELECT status FROM jobs WHERE kind = 'jobs.prune' LIMIT 1`)
		if err == nil && status == "done" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled job did not get done over SQS (status %q, %v)", status, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestQueueSetupNeedsSQS(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), []string{"queue", "setup"}, envFrom(map[string]string{"TROVE_DATABASE_URL": "root@tcp(127.0.0.1:1)/x"}), io.Discard, io.Discard)
	var ue usageError
	if err == nil || !strings.Contains(err.Error(), "TROVE_QUEUE=sqs") || !errors.As(err, &ue) {
		t.Fatalf("got %v", err)
	}
}

// TROVE_SQS_RESEND_AFTER must outlast SQS's 15-minute delays, or jobs whose
// message is merely delayed would be sent twice.
func TestSQSResendAfterSetting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  time.Duration // 0: refused
	}{{"", 30 * time.Minute}, {"45m", 45 * time.Minute}, {"20m", 20 * time.Minute}, {"5m", 0}, {"soon", 0}} {
		env := map[string]string{"TROVE_DATABASE_URL": "trove:pw@tcp(db:3306)/trove", "TROVE_QUEUE": "sqs"}
		if tt.value != "" {
			env["TROVE_SQS_RESEND_AFTER"] = tt.value
		}
		cfg, err := loadConfig(envFrom(env), configNeeds{database: true})
		switch {
		case tt.want == 0 && (err == nil || !strings.Contains(err.Error(), "TROVE_SQS_RESEND_AFTER")):
			t.Errorf("%q: got %v, want TROVE_SQS_RESEND_AFTER refused", tt.value, err)
		case tt.want != 0 && (err != nil || cfg.Queue.SQS.ResendAfter != tt.want):
			t.Errorf("%q: got %s, %v; want %s", tt.value, cfg.Queue.SQS.ResendAfter, err, tt.want)
		}
	}
}
