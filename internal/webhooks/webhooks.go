// Package webhooks is the ingress for provider webhooks: verify the signature,
// record the delivery and enqueue its processing in one transaction, answer
// 2xx fast. A delivery seen before (same provider and event id) is answered
// 2xx and changes nothing. Processing happens in jobs, never in the request.
// Table: webhook_events.
package webhooks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/stripe"
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
	// Refusal is why a signed delivery was refused at the door (no job ran
	// for it); nil for an accepted one.
	Refusal *string `db:"refusal"`
}

// Store records deliveries and their processing.
type Store struct {
	db    *sqlx.DB
	clock clock.Clock
	queue *queue.Queue
	// unverified counts deliveries refused at the signature check, by
	// endpoint: a rotated secret set wrong, or someone knocking.
	unverified *prometheus.CounterVec
}

// Deps are the Store's collaborators. Metrics (optional) is where the
// ingress's counters are registered.
type Deps struct {
	DB      *sqlx.DB
	Clock   clock.Clock
	Queue   *queue.Queue
	Metrics prometheus.Registerer
}

// NewStore returns a Store.
func NewStore(d Deps) *Store {
	s := &Store{db: d.DB, clock: d.Clock, queue: d.Queue,
		unverified: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trove_webhook_signature_failures_total",
			Help: "Webhook deliveries refused because they do not verify (signature, or for Stripe also its age, API version or mode), by endpoint (shopify, stripe, stripe_connect)."},
			[]string{"endpoint"})}
	if d.Metrics != nil {
		d.Metrics.MustRegister(s.unverified)
	}
	return s
}

// Record stores e and enqueues job for it in one transaction. It reports false,
// and does nothing, when the provider's event id was recorded before. A job
// func answering nil means nothing follows the delivery: it is recorded as
// processed.
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
		j := job(id)
		if j == nil {
			// Nothing follows this delivery: it is processed as recorded.
			_, err = tx.ExecContext(ctx, `UPDATE webhook_events SET processed_at = received_at WHERE id = ?`, id)
			return err
		}
		_, err = s.queue.Enqueue(ctx, tx, j)
		return err
	})
	return fresh, err
}

// maxRefusal bounds a stored refusal (the column's size).
const maxRefusal = 1000

// Refuse records a signed delivery that was refused, with why, and enqueues
// nothing. Refusals are keyed apart from accepted deliveries: a forged copy
// refused under some event id neither blocks nor replaces the genuine
// delivery of that id. The same refusal again is recorded once.
func (s *Store) Refuse(ctx context.Context, e Event, why string) error {
	why = strings.ToValidUTF8(why, "")
	if r := []rune(why); len(r) > maxRefusal {
		why = string(r[:maxRefusal])
	}
	const q = `INSERT INTO webhook_events (provider, event_id, topic, account, payload, triggered_at, received_at, refusal)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id`
	_, err := s.db.ExecContext(ctx, q, e.Provider, e.EventID, e.Topic, e.Account, e.Payload, e.TriggeredAt, s.clock.Now(), why)
	return err
}

// Get returns a recorded delivery.
func (s *Store) Get(ctx context.Context, id int64) (Event, error) {
	var e Event
	err := s.db.GetContext(ctx, &e, `SELECT id, provider, event_id, topic, account, payload, triggered_at, received_at, refusal
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
	if ev.Refusal != nil {
		// No job is enqueued for a refused delivery; should one name it
		// anyway, it must not act on what was refused.
		return queue.Permanent(fmt.Errorf("webhooks: delivery %d was refused: %s", id, *ev.Refusal))
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

// PruneJob deletes processed or refused deliveries older than Retention (scheduled).
type PruneJob struct{}

// Kind names the job.
func (PruneJob) Kind() string { return "webhooks.prune" }

// Prune deletes the processed and the refused deliveries received before
// cutoff, in batches, and says how many. Accepted deliveries never processed
// are kept: an operator must see them. Refusals go after Retention like the
// rest, so replayed forgeries cannot pile up for ever.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_events WHERE received_at < ? AND (processed_at IS NOT NULL OR refused = 1) LIMIT 5000`, cutoff)
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

// How old or new a Shopify delivery may be, by its X-Shopify-Triggered-At
// (which every delivery and every retry of an event carries unchanged).
// Shopify retries a delivery 8 times over 4 hours and then drops it, so a
// genuine one is never older than that; 6 hours leaves room for Shopify's
// own queueing and our clocks. Older is a replay of a signed body, and is
// refused. Ahead of our clock by more than a few minutes of skew is refused
// too: nothing genuine comes from the future.
const (
	ShopifyMaxAge   = 6 * time.Hour
	ShopifyMaxAhead = 5 * time.Minute
)

// HandleShopify is POST /webhooks/shopify. Only the body is signed (with the
// app's secret, shared by every shop), so:
//
//   - a body whose HMAC is wrong gets 401 (Shopify's compliance topics
//     require it) and is recorded nowhere;
//   - a signed delivery without X-Shopify-Event-Id (or X-Shopify-Webhook-Id)
//     cannot be keyed: 400, recorded nowhere;
//   - a signed delivery whose unsigned headers cannot be trusted is refused
//     with 400, recorded with why (Store.Refuse), and no job runs: the topic or
//     shop header is missing or malformed; the body names another shop than
//     X-Shopify-Shop-Domain (or none, for a topic whose body carries it, see
//     shopify.WebhookShop); X-Shopify-Triggered-At is missing, unreadable,
//     older than ShopifyMaxAge or ahead by more than ShopifyMaxAhead;
//   - anything else is recorded under its event id with a ShopifyEvent job
//     (a redelivery is a no-op) and answered 200.
//
// The follow-up jobs still treat the topic and the shop as claims: catalog
// and order topics re-read the object from that shop with its token, and
// destructive topics are confirmed with Shopify before anything is erased.
func HandleShopify(s *Store, v ShopifyVerifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if !v.VerifyWebhook(body, r.Header.Get("X-Shopify-Hmac-Sha256")) {
			s.unverified.WithLabelValues("shopify").Inc()
			httpx.Error(w, r, fault.Unauthorized("the webhook signature does not match"))
			return
		}
		e := Event{Provider: "shopify", Payload: body,
			EventID: r.Header.Get("X-Shopify-Event-Id"), Topic: r.Header.Get("X-Shopify-Topic"), Account: r.Header.Get("X-Shopify-Shop-Domain")}
		if e.EventID == "" {
			// Older API versions send only the webhook id; it is unique per delivery attempt group.
			e.EventID = r.Header.Get("X-Shopify-Webhook-Id")
		}
		var bad fault.Fields
		bad.Check(e.EventID != "", "X-Shopify-Event-Id", "is required")
		bad.Check(len(e.EventID) <= 255 && utf8.ValidString(e.EventID), "X-Shopify-Event-Id", "must be at most 255 characters of UTF-8")
		if err := bad.Err(); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := s.checkShopify(&e, r.Header.Get("X-Shopify-Triggered-At")); err != nil {
			// Keep what fits in the record of the refusal (the headers were
			// refused, so they may be anything).
			e.Topic, e.Account = clip(e.Topic, 128), clip(e.Account, 255)
			if rerr := s.Refuse(r.Context(), e, err.Error()); rerr != nil {
				httpx.Error(w, r, fmt.Errorf("webhooks: record refused shopify %s: %w", e.EventID, rerr))
				return
			}
			httpx.Logger(r.Context()).Warn("shopify webhook refused", "event_id", e.EventID, "topic", e.Topic, "shop", e.Account, "reason", err.Error())
			httpx.Error(w, r, err)
			return
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

// checkShopify checks what the signature does not cover: the topic and shop
// headers, that the body (where its topic carries the shop) names the same
// shop, and X-Shopify-Triggered-At against the clock. It sets e.TriggeredAt
// when readable. Each problem names the header it is about.
func (s *Store) checkShopify(e *Event, triggeredAt string) error {
	var bad fault.Fields
	topicOK := shopify.ValidTopic(e.Topic)
	bad.Check(topicOK, "X-Shopify-Topic", "must be a webhook topic such as products/update")
	shopOK := shopify.ValidShop(e.Account)
	bad.Check(shopOK, "X-Shopify-Shop-Domain", "must be the shop's myshopify.com domain")
	if topicOK && shopOK {
		e.Account = strings.ToLower(e.Account)
		bodyShop, carried, err := shopify.WebhookShop(e.Topic, e.Payload)
		switch {
		case err != nil:
			bad.Add("X-Shopify-Shop-Domain", "cannot be checked: the %s body names no shop (%v)", e.Topic, err)
		case carried && bodyShop != e.Account:
			bad.Add("X-Shopify-Shop-Domain", "says %s but the signed %s body is about %s", e.Account, e.Topic, bodyShop)
		}
	}
	if triggeredAt == "" {
		bad.Add("X-Shopify-Triggered-At", "is required (Shopify sends it with every delivery)")
	} else if t, err := time.Parse(time.RFC3339Nano, triggeredAt); err != nil {
		bad.Add("X-Shopify-Triggered-At", "must be an RFC 3339 time, not %.60q", triggeredAt)
	} else {
		t = t.UTC()
		e.TriggeredAt = &t
		now := s.clock.Now()
		switch {
		case now.Sub(t) > ShopifyMaxAge:
			bad.Add("X-Shopify-Triggered-At", "%s is more than %s ago: Shopify retries for 4 hours, so this is a replay",
				t.Format(time.RFC3339), ShopifyMaxAge)
		case t.Sub(now) > ShopifyMaxAhead:
			bad.Add("X-Shopify-Triggered-At", "%s is more than %s ahead of our clock", t.Format(time.RFC3339), ShopifyMaxAhead)
		}
	}
	err := bad.Err()
	var fe *fault.Error
	if errors.As(err, &fe) {
		fe.Message = "the webhook was refused: its unsigned headers do not hold up"
	}
	return err
}

// clip cuts s to at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// StripeVerifier checks a Stripe-Signature header against the raw body (with
// its tolerance and every configured secret) and reads the event: the
// stripe adapter's Client.
type StripeVerifier interface {
	ParseEvent(body []byte, signature string) (stripe.Event, error)
}

// StripeConnectVerifier is StripeVerifier for the Connect endpoint, with
// that endpoint's secrets: the stripe adapter's Client.
type StripeConnectVerifier interface {
	ParseConnectEvent(body []byte, signature string) (stripe.Event, error)
}

// The jobs that follow recorded Stripe events: one kind per family of event
// (stripe.Family), so each family has its own handler, retries and workers
// (cmd/trove/jobs.go). Type is the event's type, for the jobs screens.
type (
	// StripePaymentIntentEvent follows a payment_intent.* event.
	StripePaymentIntentEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
	// StripeRefundEvent follows a refund event (charge.refunded, refund.*, …).
	StripeRefundEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
	// StripeDisputeEvent follows a charge.dispute.* event.
	StripeDisputeEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
	// StripeBillingEvent follows an invoice.* or customer.subscription.*
	// event (plans).
	StripeBillingEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
	// StripeAccountEvent follows account.updated of a connected account
	// (the Connect endpoint).
	StripeAccountEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
	// StripeTransferEvent follows transfer.reversed.
	StripeTransferEvent struct {
		WebhookID int64  `json:"webhook_id"`
		Type      string `json:"type"`
	}
)

// Kind names the job.
func (StripePaymentIntentEvent) Kind() string { return "stripe.payment_intent" }

// Kind names the job.
func (StripeRefundEvent) Kind() string { return "stripe.refund" }

// Kind names the job.
func (StripeDisputeEvent) Kind() string { return "stripe.dispute" }

// Kind names the job.
func (StripeBillingEvent) Kind() string { return "stripe.billing" }

// Kind names the job.
func (StripeAccountEvent) Kind() string { return "stripe.account" }

// Kind names the job.
func (StripeTransferEvent) Kind() string { return "stripe.transfer" }

// StripeEvent is the one job kind every Stripe event had before the kinds
// per family. Ingress no longer enqueues it; its handler stays while jobs of
// it may be pending in a live database (see cmd/trove/jobs.go).
type StripeEvent struct {
	WebhookID int64  `json:"webhook_id"`
	Type      string `json:"type"`
}

// Kind names the job.
func (StripeEvent) Kind() string { return "stripe.webhook" }

// stripeJob is the job that follows a recorded event of the platform's
// endpoint: its family's, or none for a type Trove does not follow. The
// account family is the Connect endpoint's: account.updated without
// "account" is about the platform's own account, which Trove does not
// follow.
func stripeJob(rowID int64, ev stripe.Event) queue.Job {
	switch ev.Family() {
	case stripe.FamilyPaymentIntent:
		return StripePaymentIntentEvent{WebhookID: rowID, Type: ev.Type}
	case stripe.FamilyRefund:
		return StripeRefundEvent{WebhookID: rowID, Type: ev.Type}
	case stripe.FamilyDispute:
		return StripeDisputeEvent{WebhookID: rowID, Type: ev.Type}
	case stripe.FamilyBilling:
		return StripeBillingEvent{WebhookID: rowID, Type: ev.Type}
	case stripe.FamilyTransfer:
		return StripeTransferEvent{WebhookID: rowID, Type: ev.Type}
	}
	return nil
}

// stripeConnectJob is the job that follows a recorded event of the Connect
// endpoint: the account family's, or none. A connected account's other
// events (its own payments, payouts, …) are not Trove's to follow: with
// separate charges and transfers every payment is the platform's.
func stripeConnectJob(rowID int64, ev stripe.Event) queue.Job {
	if ev.Family() == stripe.FamilyAccount {
		return StripeAccountEvent{WebhookID: rowID, Type: ev.Type}
	}
	return nil
}

// HandleStripe is POST /webhooks/stripe, the platform's endpoint: a wrongly
// signed, stale or malformed event, one of another API version and one of
// the other mode (test or live) than the secret key are refused (400, as
// Stripe expects) and recorded nowhere; a verified one is recorded under its
// evt_ id (a redelivery is a no-op), with its secrets removed
// (RedactStripe), with the job of its family (stripeJob), and answered 200
// at once. An event of a type Trove does not follow is recorded as
// processed, with no job.
//
// Stripe sends a connected account's events (they carry "account") only to
// Connect endpoints, never to a platform endpoint: one arriving here means
// the Connect endpoint's URL points at this one. It is refused (400, so the
// endpoint shows failing in Stripe's dashboard) and recorded with why
// (Store.Refuse), with no job.
func HandleStripe(s *Store, v StripeVerifier) http.Handler {
	return handleStripe(s, "stripe", v.ParseEvent, func(ev stripe.Event) error {
		if ev.Account == "" {
			return nil
		}
		var f fault.Fields
		f.Add("account", "is %s: the events of connected accounts go to the Connect endpoint, /webhooks/stripe/connect, not the platform's (register it with trove stripe setup-webhooks)", ev.Account)
		return f.Err()
	}, stripeJob)
}

// HandleStripeConnect is POST /webhooks/stripe/connect, the Connect
// endpoint (registered with connect=true): checked like HandleStripe, with
// the Connect endpoint's secrets. Stripe sends it the events of connected
// accounts, each with "account" set; one without is the platform's own
// event, which Stripe sends to platform endpoints only: refused (400) and
// recorded with why, with no job. account.updated is followed (the account
// is re-read); the rest are recorded as processed.
func HandleStripeConnect(s *Store, v StripeConnectVerifier) http.Handler {
	return handleStripe(s, "stripe_connect", v.ParseConnectEvent, func(ev stripe.Event) error {
		if ev.Account != "" {
			return nil
		}
		var f fault.Fields
		f.Add("account", "is missing: the Connect endpoint receives the events of connected accounts, which name their account; the platform's own events go to /webhooks/stripe")
		return f.Err()
	}, stripeConnectJob)
}

// handleStripe is the shape of both Stripe endpoints: parse (verify and
// read) the event, check it is one this endpoint receives (a problem is
// refused and recorded with why), record it with its job.
func handleStripe(s *Store, endpoint string, parse func([]byte, string) (stripe.Event, error), belongs func(stripe.Event) error,
	job func(int64, stripe.Event) queue.Job) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(w, r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		ev, err := parse(body, r.Header.Get("Stripe-Signature"))
		if err != nil {
			s.unverified.WithLabelValues(endpoint).Inc()
			httpx.Error(w, r, fault.Invalid("the event does not verify: %v", err))
			return
		}
		payload, err := RedactStripe(body)
		if err != nil {
			httpx.Error(w, r, fault.Invalid("the event is not a JSON object: %v", err))
			return
		}
		created := ev.Created.UTC()
		e := Event{Provider: "stripe", EventID: ev.ID, Topic: clip(ev.Type, 128), Account: clip(ev.Account, 255), Payload: payload, TriggeredAt: &created}
		if err := belongs(ev); err != nil {
			var fe *fault.Error
			if errors.As(err, &fe) {
				fe.Message = "the event was refused: it was sent to the wrong Stripe endpoint"
			}
			if rerr := s.Refuse(r.Context(), e, err.Error()); rerr != nil {
				httpx.Error(w, r, fmt.Errorf("webhooks: record refused stripe %s: %w", ev.ID, rerr))
				return
			}
			httpx.Logger(r.Context()).Warn("stripe webhook refused", "event_id", ev.ID, "type", ev.Type, "account", ev.Account, "reason", err.Error())
			httpx.Error(w, r, err)
			return
		}
		fresh, err := s.Record(r.Context(), e, func(id int64) queue.Job { return job(id, ev) })
		if err != nil {
			httpx.Error(w, r, fmt.Errorf("webhooks: record stripe %s: %w", ev.ID, err))
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"received": true, "duplicate": !fresh})
	})
}

// FollowStripe runs fn on a recorded Stripe event, decoded once
// (stripe.DecodeEvent), and records its outcome (Follow). An event that no
// longer decodes is a permanent failure.
func (s *Store) FollowStripe(ctx context.Context, id int64, fn func(context.Context, stripe.Event) error) error {
	return s.Follow(ctx, id, func(e Event) error {
		ev, err := stripe.DecodeEvent(e.Payload)
		if err != nil {
			return queue.Permanent(fmt.Errorf("webhooks: stripe delivery %d: %w", id, err))
		}
		if ev.ID != e.EventID {
			return queue.Permanent(fmt.Errorf("webhooks: stripe delivery %d holds event %s, recorded as %s", id, ev.ID, e.EventID))
		}
		return fn(ctx, ev)
	})
}

// RedactStripe returns a Stripe event with every secret it may carry removed,
// for storing: webhook_events keeps payloads for weeks, and a PaymentIntent's
// or SetupIntent's client_secret (which lets whoever holds it confirm the
// payment with the publishable key), a Checkout or Customer Session's, an
// ephemeral key's or a webhook endpoint's secret must be stored nowhere.
// Every member named "secret" or ending in "_secret" is dropped, at any depth
// (previous_attributes included), and any other string that has the shape
// of a client secret (pi_…_secret_…) is blanked. Numbers are kept exactly.
// Follow-ups read only ids, statuses and amounts, and re-read the object
// from Stripe where it matters, so nothing they need is lost.
func RedactStripe(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	redact(v)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// clientSecretShape is a Stripe client secret: an object id, "_secret_", a
// random part (pi_3Ab…_secret_Xy…, seti_…_secret_…, cs_…_secret_…).
var clientSecretShape = regexp.MustCompile(`[a-z]{2,8}_[A-Za-z0-9]{8,}_secret_[A-Za-z0-9]{6,}`)

func redact(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "secret" || strings.HasSuffix(k, "_secret") {
				delete(v, k)
				continue
			}
			v[k] = redact(x)
		}
	case []any:
		for i, x := range v {
			v[i] = redact(x)
		}
	case string:
		if clientSecretShape.MatchString(v) {
			return clientSecretShape.ReplaceAllString(v, "[redacted]")
		}
	}
	return v
}
