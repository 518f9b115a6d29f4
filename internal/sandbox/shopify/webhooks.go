package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/trove-platform/trove/internal/sandbox"
)

// Deliveries are retried this many times in all, quickly (Shopify retries 8
// times over 4 hours; the stand-in does not make tests wait).
var shopifyRetryDelays = []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond}

// shopifyTriggeredAtLayout is RFC 3339 with a nine-digit fraction, as in
// X-Shopify-Triggered-At: 2023-03-29T18:00:27.877041743Z.
const shopifyTriggeredAtLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Deliveries returns every delivery sent for the shop, oldest first: one per
// event and subscription (with its attempts), one per Redeliver and one per
// SendCompliance.
func (s *Shopify) Deliveries(shop string) []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.mustShop(shop)
	out := make([]Delivery, 0, len(sh.Deliveries))
	for _, d := range sh.Deliveries {
		c := *d
		c.Payload = append([]byte(nil), d.Payload...)
		out = append(out, c)
	}
	return out
}

// WaitDeliveries blocks until every delivery under way (retries included)
// has finished.
func (s *Shopify) WaitDeliveries() { s.sender.Wait() }

// Redeliver sends the same event again to the same address, now and once:
// same payload, X-Shopify-Event-Id, X-Shopify-Webhook-Id and
// X-Shopify-Triggered-At, a fresh signature. It returns the answer's status.
func (s *Shopify) Redeliver(d Delivery) (int, error) {
	if d.URL == "" || d.EventID == "" {
		return 0, errors.New("sandbox shopify: redeliver needs a delivery from Deliveries")
	}
	rec := d
	rec.Payload = append([]byte(nil), d.Payload...)
	rec.StatusCode, rec.Attempts, rec.Err, rec.Pending = 0, 0, "", false
	s.mu.Lock()
	sh := s.mustShop(d.Shop)
	sh.Deliveries = append(sh.Deliveries, &rec)
	s.save()
	s.mu.Unlock()
	return s.attempt(&rec)
}

// SendCompliance sends a mandatory compliance webhook (customers/data_request,
// customers/redact or shop/redact) now, once, to Config.ComplianceURL
// or else the shop's last webhook subscription address. A nil payload sends
// a typical one for the shop; otherwise payload is marshalled as JSON
// ([]byte and json.RawMessage are sent as they are).
func (s *Shopify) SendCompliance(shop, topic string, payload any) (int, error) {
	switch topic {
	case "customers/data_request", "customers/redact", "shop/redact":
	default:
		return 0, fmt.Errorf("sandbox shopify: %q is not a compliance topic", topic)
	}
	s.mu.Lock()
	sh := s.mustShop(shop)
	target := s.cfg.ComplianceURL
	if target == "" {
		target = sh.LastWebhookURI
	}
	if payload == nil {
		payload = sh.compliancePayload(topic)
	}
	s.mu.Unlock()
	if target == "" {
		return 0, fmt.Errorf("sandbox shopify: no compliance address for %s: set ComplianceURL or subscribe a webhook first", shop)
	}
	var body []byte
	switch p := payload.(type) {
	case []byte:
		body = p
	case json.RawMessage:
		body = p
	default:
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return 0, fmt.Errorf("sandbox shopify: compliance payload: %w", err)
		}
	}
	s.mu.Lock()
	rec := &Delivery{Shop: shop, Topic: topic, EventID: shopifyUUID(), WebhookID: shopifyUUID(), URL: target,
		APIVersion: sh.LastWebhookVersion, TriggeredAt: s.clock.Now(), Payload: body}
	sh.Deliveries = append(sh.Deliveries, rec)
	s.save()
	s.mu.Unlock()
	return s.attempt(rec)
}

func (sh *shopifyShop) compliancePayload(topic string) map[string]any {
	p := map[string]any{"shop_id": sh.ID, "shop_domain": sh.Domain}
	customer := map[string]any{"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}
	switch topic {
	case "customers/redact":
		p["customer"] = customer
		p["orders_to_redact"] = []int64{}
	case "customers/data_request":
		p["customer"] = customer
		p["orders_requested"] = []int64{}
		p["data_request"] = map[string]any{"id": 9999}
	}
	return p
}

// emitProduct sends a products/create or products/update event for product id.
func (s *Shopify) emitProduct(shop, topic string, id int64) {
	s.mu.Lock()
	sh := s.mustShop(shop)
	p, ok := sh.Products[id]
	if !ok {
		s.mu.Unlock()
		return
	}
	payload := sh.restProduct(p)
	s.mu.Unlock()
	s.emit(shop, topic, payload)
}

// emit sends an event to the shop's subscriptions of its topic.
func (s *Shopify) emit(shop, topic string, payload any) {
	s.mu.Lock()
	subs := s.mustShop(shop).subsFor(topic)
	s.mu.Unlock()
	s.emitTo(shop, topic, payload, subs)
}

// emitTo sends one event (one X-Shopify-Event-Id) to each subscription, in
// the background, retrying a few times on a failure.
func (s *Shopify) emitTo(shop, topic string, payload any, subs []Subscription) {
	body, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("sandbox shopify: %s payload: %v", topic, err))
	}
	eventID, at := shopifyUUID(), s.clock.Now()
	if len(subs) == 0 {
		s.log.Debug("sandbox shopify: event with no subscription", "shop", shop, "topic", topic)
		return
	}
	s.mu.Lock()
	sh := s.mustShop(shop)
	var recs []*Delivery
	for _, sub := range subs {
		rec := &Delivery{Shop: shop, Topic: topic, EventID: eventID, WebhookID: shopifyUUID(), URL: sub.URI,
			APIVersion: sub.APIVersion, TriggeredAt: at, Payload: body, Pending: true}
		sh.Deliveries = append(sh.Deliveries, rec)
		recs = append(recs, rec)
	}
	s.save()
	s.mu.Unlock()
	for _, rec := range recs {
		s.send(rec)
	}
}

// send runs a delivery's attempts in the background.
func (s *Shopify) send(rec *Delivery) {
	s.sender.Send([]any{"provider", "shopify", "shop", rec.Shop, "topic", rec.Topic, "url", rec.URL},
		func() (int, error) { return s.attempt(rec) },
		func(bool) {
			s.mu.Lock()
			rec.Pending = false
			s.save()
			s.mu.Unlock()
		})
}

// attempt POSTs a delivery once, signed with the current secret, and records
// the outcome on it.
func (s *Shopify) attempt(rec *Delivery) (int, error) {
	s.mu.Lock()
	url, body, topic, shop, version := rec.URL, rec.Payload, rec.Topic, rec.Shop, rec.APIVersion
	eventID, webhookID, at := rec.EventID, rec.WebhookID, rec.TriggeredAt
	s.mu.Unlock()

	mac := hmac.New(sha256.New, []byte(s.cfg.APISecret))
	mac.Write(body)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", topic)
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	h.Set("X-Shopify-Shop-Domain", shop)
	h.Set("X-Shopify-API-Version", version)
	h.Set("X-Shopify-Webhook-Id", webhookID)
	h.Set("X-Shopify-Event-Id", eventID)
	h.Set("X-Shopify-Triggered-At", at.UTC().Format(shopifyTriggeredAtLayout))
	status, err := sandbox.Post(s.hc, url, h, body)
	s.record(rec, status, err)
	if err == nil {
		s.log.Debug("sandbox shopify: webhook delivered", "shop", shop, "topic", topic, "event_id", eventID, "status", status)
	}
	return status, err
}

func (s *Shopify) record(rec *Delivery, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Attempts++
	rec.StatusCode = status
	rec.Err = ""
	if err != nil {
		rec.Err = err.Error()
	}
}

// REST-shaped webhook payloads, as Shopify sends them: numeric ids, timestamps
// to the second with an offset, prices as decimal strings.

type shopifyRESTProduct struct {
	ID                int64                `json:"id"`
	Title             string               `json:"title"`
	BodyHTML          string               `json:"body_html"`
	Vendor            string               `json:"vendor"`
	ProductType       string               `json:"product_type"`
	CreatedAt         string               `json:"created_at"`
	Handle            string               `json:"handle"`
	UpdatedAt         string               `json:"updated_at"`
	PublishedAt       *string              `json:"published_at"`
	TemplateSuffix    *string              `json:"template_suffix"`
	PublishedScope    string               `json:"published_scope"`
	Tags              string               `json:"tags"`
	Status            string               `json:"status"`
	AdminGraphQLAPIID string               `json:"admin_graphql_api_id"`
	Variants          []shopifyRESTVariant `json:"variants"`
	Options           []shopifyRESTOption  `json:"options"`
	Images            []shopifyRESTImage   `json:"images"`
	Image             *shopifyRESTImage    `json:"image"`
}

type shopifyRESTVariant struct {
	ID                   int64   `json:"id"`
	ProductID            int64   `json:"product_id"`
	Title                string  `json:"title"`
	Price                string  `json:"price"`
	SKU                  string  `json:"sku"`
	Position             int     `json:"position"`
	InventoryPolicy      string  `json:"inventory_policy"`
	CompareAtPrice       *string `json:"compare_at_price"`
	Option1              string  `json:"option1"`
	CreatedAt            string  `json:"created_at"`
	UpdatedAt            string  `json:"updated_at"`
	Taxable              bool    `json:"taxable"`
	Barcode              *string `json:"barcode"`
	InventoryItemID      int64   `json:"inventory_item_id"`
	InventoryQuantity    int     `json:"inventory_quantity"`
	OldInventoryQuantity int     `json:"old_inventory_quantity"`
	AdminGraphQLAPIID    string  `json:"admin_graphql_api_id"`
}

type shopifyRESTOption struct {
	ID        int64    `json:"id"`
	ProductID int64    `json:"product_id"`
	Name      string   `json:"name"`
	Position  int      `json:"position"`
	Values    []string `json:"values"`
}

type shopifyRESTImage struct {
	ID                int64  `json:"id"`
	ProductID         int64  `json:"product_id"`
	Position          int    `json:"position"`
	Src               string `json:"src"`
	AdminGraphQLAPIID string `json:"admin_graphql_api_id"`
}

func shopifyRESTTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05-07:00")
}

func (sh *shopifyShop) restProduct(p *shopifyProduct) shopifyRESTProduct {
	out := shopifyRESTProduct{
		ID: p.ID, Title: p.Title, Vendor: sh.Name,
		CreatedAt: shopifyRESTTime(p.CreatedAt), UpdatedAt: shopifyRESTTime(p.UpdatedAt),
		Handle: shopifyHandle(p.Title), PublishedScope: "web", Tags: strings.Join(p.Tags, ", "),
		Status: strings.ToLower(p.Status), AdminGraphQLAPIID: shopifyGID("Product", p.ID),
		Variants: []shopifyRESTVariant{}, Options: []shopifyRESTOption{}, Images: []shopifyRESTImage{},
	}
	if p.Description != "" {
		out.BodyHTML = "<p>" + html.EscapeString(p.Description) + "</p>"
	}
	if p.Status == "ACTIVE" {
		published := shopifyRESTTime(p.CreatedAt)
		out.PublishedAt = &published
	}
	opt := shopifyRESTOption{ID: p.ID*10 + 1, ProductID: p.ID, Name: "Title", Position: 1, Values: []string{}}
	for i, v := range p.Variants {
		out.Variants = append(out.Variants, shopifyRESTVariant{
			ID: v.ID, ProductID: p.ID, Title: v.Title, Price: v.Price, SKU: v.Sku, Position: i + 1,
			InventoryPolicy: "deny", Option1: v.Title, CreatedAt: shopifyRESTTime(v.CreatedAt), UpdatedAt: shopifyRESTTime(v.UpdatedAt),
			Taxable: true, InventoryItemID: v.ItemID, InventoryQuantity: v.Available, OldInventoryQuantity: v.Available,
			AdminGraphQLAPIID: shopifyGID("ProductVariant", v.ID),
		})
		opt.Values = append(opt.Values, v.Title)
	}
	out.Options = append(out.Options, opt)
	if p.ImageURL != "" {
		img := shopifyRESTImage{ID: p.ID*10 + 2, ProductID: p.ID, Position: 1, Src: p.ImageURL,
			AdminGraphQLAPIID: shopifyGID("ProductImage", p.ID*10+2)}
		out.Images = append(out.Images, img)
		out.Image = &img
	}
	return out
}

func (sh *shopifyShop) restShop() map[string]any {
	return map[string]any{
		"id":               sh.ID,
		"name":             sh.Name,
		"email":            "owner@" + sh.Domain,
		"domain":           sh.Domain,
		"myshopify_domain": sh.Domain,
		"currency":         sh.Currency,
		"plan_name":        "basic",
	}
}

// shopifyHandle makes a URL handle from a title, as Shopify does: "Cedar &
// Smoke Candle" -> "cedar-smoke-candle".
func shopifyHandle(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
