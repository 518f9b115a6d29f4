package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/webhooks"
	"github.com/trove-platform/trove/migrations"
)

// TestBuildWiresEverything: build hands routes.go and jobs.go a platform
// with every service made, nothing left to fill in later; the stand-ins
// only with --sandbox.
func TestBuildWiresEverything(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	for _, sandbox := range []bool{false, true} {
		t.Run(fmt.Sprintf("sandbox=%v", sandbox), func(t *testing.T) {
			env := baseEnv(dsn)
			env["TROVE_BLOB_DIR"], env["TROVE_SANDBOX_DIR"] = t.TempDir(), t.TempDir()
			cfg, err := loadConfig(envFrom(env), configNeeds{database: true, secret: true, providers: true, sandbox: sandbox})
			if err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			conn, err := openDB(context.Background(), cfg, log)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			migrator, err := db.NewMigrator(conn.DB, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			d, err := build(context.Background(), cfg, log, conn, migrator, sandbox)
			if err != nil {
				t.Fatal(err)
			}
			if d.sandboxes != nil {
				defer d.sandboxes.close()
			}
			v := reflect.ValueOf(*d)
			for i := range v.NumField() {
				f, name := v.Field(i), v.Type().Field(i).Name
				switch f.Kind() {
				case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Func:
					if f.IsNil() != (name == "sandboxes" && !sandbox) {
						t.Errorf("deps.%s is nil: %v", name, f.IsNil())
					}
				}
			}
			if len(d.readyChecks) == 0 || d.retention <= 0 {
				t.Errorf("ready checks %d, retention %s", len(d.readyChecks), d.retention)
			}
			if d.post.Sender == nil {
				t.Error("deps.post has no sender")
			}
		})
	}
}

// TestEveryStripeFamilyIsFollowed: for each family of Stripe event, jobs.go
// has the handler of the job kind ingress enqueues and a follower.
func TestEveryStripeFamilyIsFollowed(t *testing.T) {
	reg := queue.NewRegistry()
	registerJobs(reg, &deps{})
	follow := stripeFollowers(&deps{})
	kinds := map[string]queue.Job{
		stripe.FamilyPaymentIntent: webhooks.StripePaymentIntentEvent{},
		stripe.FamilyRefund:        webhooks.StripeRefundEvent{},
		stripe.FamilyDispute:       webhooks.StripeDisputeEvent{},
		stripe.FamilyBilling:       webhooks.StripeBillingEvent{},
		stripe.FamilyAccount:       webhooks.StripeAccountEvent{},
		stripe.FamilyTransfer:      webhooks.StripeTransferEvent{},
	}
	for _, fam := range stripe.Families() {
		job, ok := kinds[fam]
		if !ok {
			t.Errorf("family %s: no job kind", fam)
			continue
		}
		if !slices.Contains(reg.Handlers(), job.Kind()) {
			t.Errorf("family %s: no handler of %s in registerJobs", fam, job.Kind())
		}
		if follow[fam] == nil {
			t.Errorf("family %s: no follower", fam)
		}
	}
	if len(follow) != len(stripe.Families()) {
		t.Errorf("%d followers for %d families", len(follow), len(stripe.Families()))
	}
	if !slices.Contains(reg.Handlers(), "stripe.webhook") {
		t.Error("jobs of the old kind stripe.webhook have no handler")
	}
}

// stripeJobsOf returns the kinds of the Stripe jobs that follow a recorded
// event.
func stripeJobsOf(t *testing.T, conn *sqlx.DB, webhookID int64) []string {
	t.Helper()
	var kinds []string
	if err := conn.Select(&kinds, `SELECT kind FROM jobs WHERE kind LIKE 'stripe.%' AND JSON_VALUE(payload, '$.webhook_id') = ?`, webhookID); err != nil {
		t.Fatal(err)
	}
	return kinds
}

// TestStripeEventsOneKindPerFamily: through the whole binary, a purchase's
// Stripe events are each followed by the job of their family; an event no
// family follows (charge.succeeded) is recorded as processed, with no job;
// the old single kind is enqueued no more.
func TestStripeEventsOneKindPerFamily(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID)
	variant := p.listVariant(t, p.vendorA.ID, "kinds", "Candle", 2500, 10)
	s, sb, sbURL := stripeWorld(t, dsn)

	g, orderID, intentID, secret := checkoutGuest(t, s, item{variant, 1})
	confirm(t, sbURL, intentID, secret, "pm_card_visa")
	waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })
	sb.WaitDeliveries()
	waitUntil(t, "every Stripe event processed", func() bool {
		var n int
		p.db.Get(&n, `SELECT COUNT(*) FROM webhook_events WHERE provider = 'stripe' AND processed_at IS NULL`)
		return n == 0
	})

	// The purchase's events, and the job that follows each.
	wantJobs := map[string][]string{
		"payment_intent.created":   {"stripe.payment_intent"},
		"payment_intent.succeeded": {"stripe.payment_intent"},
		"charge.succeeded":         nil,
	}
	seen := map[string]int{}
	for _, d := range sb.Deliveries() {
		want, ok := wantJobs[d.Type]
		if !ok {
			t.Errorf("the purchase sent %s: say which job follows it", d.Type)
			continue
		}
		var rowID int64
		if err := p.db.Get(&rowID, `SELECT id FROM webhook_events WHERE provider = 'stripe' AND event_id = ?`, d.EventID); err != nil {
			t.Fatalf("%s %s not recorded: %v", d.Type, d.EventID, err)
		}
		if kinds := stripeJobsOf(t, p.db, rowID); !slices.Equal(kinds, want) {
			t.Errorf("%s: jobs %v, want %v", d.Type, kinds, want)
		}
		seen[d.Type]++
	}
	if seen[stripe.EventPaymentIntentSucceeded] == 0 || seen["charge.succeeded"] == 0 {
		t.Fatalf("the purchase's events: %v", seen)
	}
	var legacy int
	p.db.Get(&legacy, `SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.webhook'`)
	if legacy != 0 {
		t.Fatalf("%d jobs of the old kind stripe.webhook", legacy)
	}
}

// TestOldStripeJobsStillRun: jobs of the single kind ingress enqueued before
// the kinds per family (stripe.webhook), left pending in a live database by
// an upgrade, still follow their events: the payment they announce marks its
// order paid, and an event nothing follows is just processed.
func TestOldStripeJobsStillRun(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID)
	variant := p.listVariant(t, p.vendorA.ID, "legacy", "Candle", 2500, 10)
	s, sb, sbURL := stripeWorld(t, dsn)

	// The webhooks do not arrive: the old ingress recorded them, with a job
	// of the old kind each, and stopped.
	sb.DropDeliveries(true)
	g, orderID, intentID, secret := checkoutGuest(t, s, item{variant, 1})
	confirm(t, sbURL, intentID, secret, "pm_card_visa")
	sb.WaitDeliveries()
	if st := g.orderStatus(orderID); st != "pending_payment" {
		t.Fatalf("order %s before its events: %s", orderID, st)
	}
	reg := queue.NewRegistry()
	registerJobs(reg, &deps{})
	q, err := queue.New(p.db, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, d := range sb.Deliveries() {
		if d.Type != stripe.EventPaymentIntentSucceeded && d.Type != "charge.succeeded" {
			continue
		}
		payload, err := webhooks.RedactStripe(d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(context.Background(), p.db, func(tx *sqlx.Tx) error {
			res, err := tx.Exec(`INSERT INTO webhook_events (provider, event_id, topic, account, payload, triggered_at, received_at)
				VALUES ('stripe', ?, ?, '', ?, ?, ?)`, d.EventID, d.Type, payload, time.Now().UTC(), time.Now().UTC())
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			rows[d.Type] = id
			_, err = q.Enqueue(context.Background(), tx, webhooks.StripeEvent{WebhookID: id, Type: d.Type})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(rows) != 2 {
		t.Fatalf("events recorded: %v", rows)
	}
	waitUntil(t, "the order paid by an old job", func() bool { return g.orderStatus(orderID) == "paid" })
	waitUntil(t, "both old jobs done, their events processed", func() bool {
		var jobs, events int
		p.db.Get(&jobs, `SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.webhook' AND status = 'done'`)
		p.db.Get(&events, `SELECT COUNT(*) FROM webhook_events WHERE id IN (?, ?) AND processed_at IS NOT NULL AND last_error IS NULL`,
			rows[stripe.EventPaymentIntentSucceeded], rows["charge.succeeded"])
		return jobs == 2 && events == 2
	})
	var paidJobs []json.RawMessage
	p.db.Select(&paidJobs, `SELECT payload FROM jobs WHERE kind = 'orders.paid'`)
	if len(paidJobs) != 3 { // a receipt, the ledger, the fulfilment: once each
		t.Fatalf("orders.paid jobs: %d, want 3", len(paidJobs))
	}
}
