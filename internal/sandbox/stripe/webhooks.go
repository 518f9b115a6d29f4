package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/sandbox"
)

// Failed deliveries are retried this many times in all, quickly (Stripe
// retries for up to three days; the stand-in does not make tests wait).
var stripeRetryDelays = []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond}

// Endpoints a Delivery goes to, besides those made through the API (we_…).
const (
	EndpointPlatform = ""        // Config.WebhookURL, signed with Config.WebhookSecret
	EndpointConnect  = "connect" // Config.ConnectWebhookURL, signed with Config.ConnectWebhookSecret
)

// Delivery is one event sent (with its retries) to one webhook endpoint.
type Delivery struct {
	EventID string // evt_…: the same on every delivery of one event
	Type    string // payment_intent.succeeded, …
	// Endpoint is where it goes: EndpointPlatform, EndpointConnect, or the
	// id of an endpoint made through the API (we_…).
	Endpoint string
	// Account is the connected account the event is of ("account" in the
	// payload); "" for the platform's own events.
	Account    string
	URL        string
	Payload    json.RawMessage // the event as sent: the same bytes on every delivery (at the endpoint's API version)
	StatusCode int             // of the last attempt; 0 while none has answered
	Attempts   int
	Err        string // the last attempt's transport error, if any
	Redelivery bool   // made by Redeliver
	// Dropped: never sent, because deliveries were being dropped
	// (DropDeliveries). Redeliver sends it, as Stripe's retries would once
	// the endpoint answers again.
	Dropped bool
	// Pending: being sent or waiting for its next attempt. A stand-in
	// stopped meanwhile sends it again when it starts (ResumeDeliveries).
	Pending bool
}

type stripeEvent struct {
	ID, Type string
	Body     json.RawMessage
	Created  time.Time
}

// emit records an event about obj (rendered now), of the platform's own
// objects, and its deliveries (emitFor).
func (s *Stripe) emit(typ string, obj map[string]any, previous map[string]any) {
	s.emitFor("", typ, obj, previous)
}

// emitFor records an event about obj and its deliveries, which are sent
// once s.mu is released (flush). account is the connected account it is of
// ("" for the platform's own): as with Stripe, a connected account's event
// carries "account" and goes to Connect endpoints only, the platform's to
// platform endpoints only. Every endpoint made through the API that is
// enabled, of the right kind and subscribed to typ gets it too, rendered at
// its API version. Callers hold s.mu, and save the state before they
// release it: the deliveries are then kept, pending, with the change that
// caused them.
func (s *Stripe) emitFor(account, typ string, obj map[string]any, previous map[string]any) {
	data := map[string]any{"object": obj}
	if previous != nil {
		data["previous_attributes"] = previous
	}
	type target struct{ endpoint, url, version string }
	var targets []target
	switch {
	case account == "" && s.webhookURL != "":
		targets = append(targets, target{EndpointPlatform, s.webhookURL, stripeAPIVersion})
	case account != "" && s.connectWebhookURL != "":
		targets = append(targets, target{EndpointConnect, s.connectWebhookURL, stripeAPIVersion})
	}
	for _, ep := range s.endpointList() {
		if ep.Status == "enabled" && ep.Connect == (account != "") && ep.subscribed(typ) {
			v := ep.APIVersion
			if v == "" {
				v = stripeAccountVersion
			}
			targets = append(targets, target{ep.ID, ep.URL, v})
		}
	}
	ev := &stripeEvent{ID: stripeID("evt"), Type: typ, Created: s.clock.Now()}
	render := func(version string) json.RawMessage {
		e := map[string]any{
			"id": ev.ID, "object": "event", "api_version": version, "created": ev.Created.Unix(),
			"data": data, "livemode": s.livemode(), "pending_webhooks": len(targets),
			"request": map[string]any{"id": stripeNullable(s.cause.requestID), "idempotency_key": stripeNullable(s.cause.idemKey)},
			"type":    typ,
		}
		if account != "" {
			e["account"] = account
		}
		body, err := json.Marshal(e)
		if err != nil {
			panic(fmt.Sprintf("sandbox stripe: %s event: %v", typ, err))
		}
		return body
	}
	ev.Body = render(stripeAPIVersion)
	s.Events[ev.ID] = ev
	if len(targets) == 0 {
		s.log.Debug("sandbox stripe: event with no endpoint to send it to", "event_id", ev.ID, "type", ev.Type, "account", account)
		return
	}
	for _, t := range targets {
		body := ev.Body
		if t.version != stripeAPIVersion {
			body = render(t.version)
		}
		rec := &Delivery{EventID: ev.ID, Type: ev.Type, Endpoint: t.endpoint, Account: account, URL: t.url, Payload: body,
			Dropped: s.dropping, Pending: !s.dropping}
		s.DeliveryLog = append(s.DeliveryLog, rec)
		if !s.dropping {
			s.outbox = append(s.outbox, rec)
		}
	}
}

// livemode is what the stand-in's objects and events say of their mode:
// the key's.
func (s *Stripe) livemode() bool {
	return strings.HasPrefix(s.cfg.SecretKey, "sk_live_")
}

// endpointURL is where an endpoint's deliveries go now; "" for none.
// Callers hold s.mu.
func (s *Stripe) endpointURL(endpoint string) string {
	switch endpoint {
	case EndpointPlatform:
		return s.webhookURL
	case EndpointConnect:
		return s.connectWebhookURL
	}
	if ep, ok := s.Endpoints[endpoint]; ok {
		return ep.URL
	}
	return ""
}

// endpointSecret signs an endpoint's deliveries. Callers hold s.mu.
func (s *Stripe) endpointSecret(endpoint string) string {
	switch endpoint {
	case EndpointPlatform:
		return s.cfg.WebhookSecret
	case EndpointConnect:
		return s.cfg.ConnectWebhookSecret
	}
	if ep, ok := s.Endpoints[endpoint]; ok {
		return ep.Secret
	}
	return ""
}

// flush sends the deliveries made so far, each in the background and
// retried a few times on failure. Callers do not hold s.mu.
func (s *Stripe) flush() {
	s.mu.Lock()
	recs := s.outbox
	s.outbox = nil
	s.mu.Unlock()
	for _, rec := range recs {
		s.send(rec)
	}
}

// send runs a delivery's attempts in the background.
func (s *Stripe) send(rec *Delivery) {
	s.sender.Send([]any{"provider", "stripe", "event_id", rec.EventID, "type", rec.Type, "url", rec.URL},
		func() (int, error) { return s.attempt(rec) },
		func(bool) {
			s.mu.Lock()
			rec.Pending = false
			s.save()
			s.mu.Unlock()
		})
}

// DropDeliveries starts (true) or stops (false) dropping webhook deliveries:
// while on, every event is made and kept (GET /v1/events/{id}, Deliveries,
// Redeliver) but none reaches the webhook URL, as when the endpoint was down
// for longer than Stripe retries, or a delivery was lost. The API answers as
// usual. For tests of what Trove does without its webhooks.
func (s *Stripe) DropDeliveries(on bool) {
	s.mu.Lock()
	s.dropping = on
	s.mu.Unlock()
}

// Deliveries returns every delivery so far, oldest first: one per event
// (with its attempts) and one per Redeliver.
func (s *Stripe) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.DeliveryLog))
	for _, d := range s.DeliveryLog {
		c := *d
		c.Payload = append([]byte(nil), d.Payload...)
		out = append(out, c)
	}
	return out
}

// WaitDeliveries blocks until every delivery under way (retries included)
// has finished.
func (s *Stripe) WaitDeliveries() { s.sender.Wait() }

// Redeliver sends the delivery's event again, now and once, to the same
// endpoint, as Stripe's "resend" does: the same payload and event id, a
// fresh signature. It returns the answer's status.
func (s *Stripe) Redeliver(d Delivery) (int, error) {
	s.mu.Lock()
	ev, ok := s.Events[d.EventID]
	url := d.URL
	if url == "" {
		url = s.endpointURL(d.Endpoint)
	}
	if !ok || url == "" {
		s.mu.Unlock()
		return 0, errors.New("sandbox stripe: redeliver needs a delivery from Deliveries")
	}
	body := ev.Body
	if len(d.Payload) > 0 {
		body = append(json.RawMessage(nil), d.Payload...)
	}
	rec := &Delivery{EventID: ev.ID, Type: ev.Type, Endpoint: d.Endpoint, Account: d.Account, URL: url, Payload: body, Redelivery: true}
	s.DeliveryLog = append(s.DeliveryLog, rec)
	s.save()
	s.mu.Unlock()
	return s.attempt(rec)
}

// SignPayload returns a Stripe-Signature header value for body signed at
// at with the platform endpoint's secret: "t=<unix>,v1=<hex HMAC-SHA256 of
// "t.body">". Tests use it to forge, tamper with or age deliveries.
func (s *Stripe) SignPayload(body []byte, at time.Time) string {
	return stripeSign(s.cfg.WebhookSecret, body, at)
}

// SignConnectPayload is SignPayload with the Connect endpoint's secret.
func (s *Stripe) SignConnectPayload(body []byte, at time.Time) string {
	return stripeSign(s.cfg.ConnectWebhookSecret, body, at)
}

func stripeSign(secret string, body []byte, at time.Time) string {
	t := strconv.FormatInt(at.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(t))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// attempt POSTs a delivery once, signed now with its endpoint's secret, and
// records the outcome on it.
func (s *Stripe) attempt(rec *Delivery) (int, error) {
	s.mu.Lock()
	url, body, id, typ, secret := rec.URL, rec.Payload, rec.EventID, rec.Type, s.endpointSecret(rec.Endpoint)
	s.mu.Unlock()

	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	h.Set("Stripe-Signature", stripeSign(secret, body, s.clock.Now()))
	status, err := sandbox.Post(s.hc, url, h, body)
	s.record(rec, status, err)
	if err == nil {
		s.log.Debug("sandbox stripe: webhook delivered", "event_id", id, "type", typ, "status", status)
	}
	return status, err
}

func (s *Stripe) record(rec *Delivery, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Attempts++
	rec.StatusCode = status
	rec.Err = ""
	if err != nil {
		rec.Err = err.Error()
	}
}
