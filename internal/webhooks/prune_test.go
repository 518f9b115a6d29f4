package webhooks_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/webhooks"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.New(t)
	reg := queue.NewRegistry()
	queue.Handle(reg, "shopify.webhook", func(context.Context, queue.Meta, webhooks.ShopifyEvent) error { return nil })
	q, err := queue.New(conn, reg, clock.System{}, queue.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clock.System{}, Queue: q})
	now := time.Now().UTC()
	for _, tc := range []struct {
		id        string
		age       time.Duration
		processed bool
	}{{"old-done", 40 * 24 * time.Hour, true}, {"old-failing", 40 * 24 * time.Hour, false}, {"new-done", time.Hour, true}} {
		if _, err := s.Record(ctx, webhooks.Event{Provider: "shopify", EventID: tc.id, Topic: "products/update", Account: "a.myshopify.com",
			Payload: []byte(`{}`), ReceivedAt: now}, func(id int64) queue.Job { return webhooks.ShopifyEvent{WebhookID: id} }); err != nil {
			t.Fatal(err)
		}
		var processed any
		if tc.processed {
			processed = now
		}
		if _, err := conn.Exec(`UPDATE webhook_events SET received_at = ?, processed_at = ? WHERE event_id = ?`, now.Add(-tc.age), processed, tc.id); err != nil {
			t.Fatal(err)
		}
	}
	// Refused deliveries are never processed, and go after Retention too.
	for _, tc := range []struct {
		id  string
		age time.Duration
	}{{"old-refused", 40 * 24 * time.Hour}, {"new-refused", time.Hour}} {
		if err := s.Refuse(ctx, webhooks.Event{Provider: "shopify", EventID: tc.id, Topic: "app/uninstalled", Account: "a.myshopify.com",
			Payload: []byte(`{}`)}, "forged"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(`UPDATE webhook_events SET received_at = ? WHERE event_id = ?`, now.Add(-tc.age), tc.id); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Prune(ctx, now.Add(-webhooks.Retention))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	var left []string
	conn.Select(&left, `SELECT event_id FROM webhook_events ORDER BY event_id`)
	if strings.Join(left, " ") != "new-done new-refused old-failing" {
		t.Fatalf("left %v", left)
	}
}
