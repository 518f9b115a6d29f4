// Package webhooks is the ingress for provider webhooks: verify the signature,
// record the delivery and enqueue its processing in one transaction, answer
// 2xx fast. A delivery seen before (same provider and event id) is answered
// 2xx and changes nothing. Processing happens in jobs, never in the request.
// Table: webhook_events.
package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// MaxBody bounds a webhook body; Shopify's and Stripe's are far smaller.
const MaxBody = 1 << 20

// Event is one verified delivery.
type Event struct {
	ID          int64      `db:"id"`
	Provider    string     `db:"provider"`
	EventID     string     `db:"event_id"`
	Topic       string     `db:"topic"`
	Account     string     `db:"account"` // the shop domain, the Stripe account…
	Payload     []byte     `db:"payload"`
	TriggeredAt *time.Time `db:"triggered_at"`
	ReceivedAt  time.Time  `db:"received_at"`
}

// Store records deliveries and their processing.
type Store struct {
	db    *sqlx.DB
	clock clock.Clock
	queue *queue.Queue
}

// NewStore returns a Store.
func NewStore(db *sqlx.DB, c clock.Clock, q *queue.Queue) *Store {
	return &Store{db: db, clock: c, queue: q}
}

// Record stores e and enqueues job for it in one transaction. It reports false,
// and does nothing, when the provider's event id was recorded before.
func (s *Store) Record(ctx context.Context, e Event, job func(rowID int64) queue.Job) (bool, error) {
	var fresh bool
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO webhook_events (provider, event_id, topic, account, payload, triggered_at, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`
		res, err := tx.ExecContext(ctx, q, e.Provider, e.EventID, e.Topic, e.Account, e.Payload, e.TriggeredAt, s.clock.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // seen before
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		fresh = true
		_, err = s.queue.Enqueue(ctx, tx, job(id))
		return err
	})
	return fresh, err
}

// Get returns a recorded delivery.
func (s *Store) Get(ctx context.Context, id int64) (Event, error) {
	var e Event
	err := s.db.GetContext(ctx, &e, `SELECT id, provider, event_id, topic, account, payload, triggered_at, received_at
		FROM webhook_events WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return e, fault.NotFound("no webhook event %d", id)
	}
	return e, err
}

// Follow runs fn on a recorded delivery and records its outcome (Processed):
// the shape of every job that follows up a webhook. A delivery that is not
// recorded is a permanent failure (the job can never succeed).
func (s *Store) Follow(ctx context.Context, id int64, fn func(Event) error) error {
	ev, err := s.Get(ctx, id)
	if err != nil {
		return queue.Permanent(err)
	}
	err = fn(ev)
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	return errors.Join(err, s.Processed(ctx, ev.ID, errText))
}

// Processed records the outcome of processing a delivery (errText "" for success).
func (s *Store) Processed(ctx context.Context, id int64, errText string) error {
	var q string
	var args []any
	if errText == "" {
		q, args = `UPDATE webhook_events SET processed_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`, []any{s.clock.Now(), id}
	} else {
		q, args = `UPDATE webhook_events SET attempts = attempts + 1, last_error = ? WHERE id = ?`, []any{errText, id}
	}
	_, err := s.db.ExecContext(ctx, q, args...)
	return err
}

// Retention is how long processed deliveries are kept: far longer than any
// provider retries one (Stripe: 3 days, Shopify: 4 hours), so a redelivery
// is still recognised as a duplicate, and long enough to look back at.
const Retention = 30 * 24 * time.Hour

// PruneJob deletes processed deliveries older than Retention (scheduled).
type PruneJob struct{}

// Kind names the job.
func (PruneJob) Kind() string { return "webhooks.prune" }

// Prune deletes the processed deliveries received before cutoff, in batches,
// and says how many. Deliveries never processed are kept: an operator must
// see them.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_events WHERE received_at < ? AND processed_at IS NOT NULL LIMIT 5000`, cutoff)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}

// readBody reads a webhook body whole, refusing one over MaxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, fault.TooLarge("the webhook body is larger than %d bytes", MaxBody)
	}
	if err != nil {
		return nil, fault.Invalid("the webhook body could not be read: %v", err)
	}
	return body, nil
}

// ShopifyVerifier checks a Shopify webhook signature.
type ShopifyVerifier interface {
	VerifyWebhook(body []byte, hmacBase64 string) bool
}

// ShopifyEvent is the job that processes one recorded Shopify delivery.
type ShopifyEvent struct {
	WebhookID int64  `json:"webhook_id"`
	Topic     string `json:"topic"`
	Shop      string `json:"shop"`
}

// Kind names the job.
func (ShopifyEvent) Kind() string { return "shopify.webhook" }

// HandleShopify is POST /webhooks/shopify: the raw body's HMAC is checked (401
// when wrong: Shopify's compliance topics require it), the delivery is recorded
// under its X-Shopify-Event-Id and a ShopifyEvent job is enqueued; 200 follows.
func HandleShopify(s *Store, v ShopifyVerifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if !v.VerifyWebhook(body, r.Header.Get("X-Shopify-Hmac-Sha256")) {
			httpx.Error(w, r, fault.Unauthorized("the webhook signature does not match"))
			return
		}
		e := Event{Provider: "shopify", Payload: body,
			EventID: r.Header.Get("X-Shopify-Event-Id"), Topic: r.Header.Get("X-Shopify-Topic"), Account: r.Header.Get("X-Shopify-Shop-Domain")}
		if e.EventID == "" {
			// Older API versions send only the webhook id; it is unique per delivery attempt group.
			e.EventID = r.Header.Get("X-Shopify-Webhook-Id")
		}
		if e.EventID == "" || e.Topic == "" || e.Account == "" {
			httpx.Error(w, r, fault.Invalid("X-Shopify-Event-Id, X-Shopify-Topic and X-Shopify-Shop-Domain are required"))
			return
		}
		if t, err := time.Parse(time.RFC3339Nano, r.Header.Get("X-Shopify-Triggered-At")); err == nil {
			t = t.UTC()
			e.TriggeredAt = &t
		}
		fresh, err := s.Record(r.Context(), e, func(id int64) queue.Job {
			return ShopifyEvent{WebhookID: id, Topic: e.Topic, Shop: e.Account}
		})
		if err != nil {
			httpx.Error(w, r, fmt.Errorf("webhooks: record shopify %s: %w", e.EventID, err))
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"received": true, "duplicate": !fresh})
	})
}

// StripeEventInfo is what ingress needs to know of a verified Stripe event.
type StripeEventInfo struct {
	ID      string // evt_…
	Type    string
	Account string // the connected account, for Connect events
	Created time.Time
}

// StripeVerifier checks a Stripe-Signature header against the raw body (with
// its tolerance and every configured secret) and reads the event's envelope.
type StripeVerifier interface {
	VerifyStripe(body []byte, signature string) (StripeEventInfo, error)
}

// StripeEvent is the job that processes one recorded Stripe event.
type StripeEvent struct {
	WebhookID int64  `json:"webhook_id"`
	Type      string `json:"type"`
}

// Kind names the job.
func (StripeEvent) Kind() string { return "stripe.webhook" }

// HandleStripe is POST /webhooks/stripe: a wrongly signed, stale or malformed
// event is refused (400, as Stripe expects) and recorded nowhere; a verified
// one is recorded under its evt_ id (a redelivery is a no-op) with a
// StripeEvent job, and answered 200 at once.
func HandleStripe(s *Store, v StripeVerifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		info, err := v.VerifyStripe(body, r.Header.Get("Stripe-Signature"))
		if err != nil {
			httpx.Error(w, r, fault.Invalid("the event does not verify: %v", err))
			return
		}
		created := info.Created.UTC()
		e := Event{Provider: "stripe", EventID: info.ID, Topic: info.Type, Account: info.Account, Payload: body, TriggeredAt: &created}
		fresh, err := s.Record(r.Context(), e, func(id int64) queue.Job { return StripeEvent{WebhookID: id, Type: info.Type} })
		if err != nil {
			httpx.Error(w, r, fmt.Errorf("webhooks: record stripe %s: %w", info.ID, err))
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"received": true, "duplicate": !fresh})
	})
}
