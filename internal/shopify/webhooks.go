package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Webhook topics Trove uses (Shopify's REST-style names, as in X-Shopify-Topic).
const (
	TopicProductsCreate        = "products/create"
	TopicProductsUpdate        = "products/update"
	TopicProductsDelete        = "products/delete"
	TopicInventoryLevelsUpdate = "inventory_levels/update"
	TopicAppUninstalled        = "app/uninstalled"
	TopicShopUpdate            = "shop/update" // not subscribed; its body is the Shop object, as app/uninstalled's
	// Vendor order status (orders pushed with CreateOrder).
	TopicOrdersUpdated      = "orders/updated"
	TopicOrdersCancelled    = "orders/cancelled"
	TopicFulfillmentsCreate = "fulfillments/create"
	TopicFulfillmentsUpdate = "fulfillments/update"
	// The mandatory compliance topics. They are set in the app's configuration
	// (Partner dashboard or shopify.app.toml), not by webhookSubscriptionCreate.
	TopicCustomersDataRequest = "customers/data_request"
	TopicCustomersRedact      = "customers/redact"
	TopicShopRedact           = "shop/redact"
)

var topicPattern = regexp.MustCompile(`^[a-z_]+/[a-z_]+$`)

// ValidTopic reports whether topic has the form of a webhook topic, such as
// products/update (as in X-Shopify-Topic).
func ValidTopic(topic string) bool { return len(topic) <= 128 && topicPattern.MatchString(topic) }

var opWebhookSubscriptionCreate = operation{"TroveWebhookSubscriptionCreate", `mutation TroveWebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}`}

// SubscribeWebhooks subscribes callbackURL to each topic (such as
// "products/update") with webhookSubscriptionCreate, in JSON format. A topic
// already subscribed at that address ("Address for this topic has already been
// taken") counts as done, so install can run again safely.
func (c *Client) SubscribeWebhooks(ctx context.Context, shop, accessToken, callbackURL string, topics []string) error {
	for _, topic := range topics {
		switch {
		case !topicPattern.MatchString(topic):
			return fmt.Errorf("shopify: %q is not a webhook topic such as products/update", topic)
		case topic == TopicCustomersDataRequest || topic == TopicCustomersRedact || topic == TopicShopRedact:
			return fmt.Errorf("shopify: %s is a compliance topic: set it in the app's configuration, not per shop", topic)
		}
		// 2025-10 unified the address field as `uri`; earlier versions call it callbackUrl.
		input := map[string]any{"format": "JSON"}
		if c.cfg.APIVersion >= "2025-10" {
			input["uri"] = callbackURL
		} else {
			input["callbackUrl"] = callbackURL
		}
		vars := map[string]any{
			"topic":               strings.ToUpper(strings.ReplaceAll(topic, "/", "_")),
			"webhookSubscription": input,
		}
		var data struct {
			Create *struct {
				Subscription *struct {
					ID string `json:"id"`
				} `json:"webhookSubscription"`
				UserErrors []struct {
					Field   []string `json:"field"`
					Message string   `json:"message"`
				} `json:"userErrors"`
			} `json:"webhookSubscriptionCreate"`
		}
		if err := c.graphql(ctx, shop, accessToken, opWebhookSubscriptionCreate, vars, &data); err != nil {
			return fmt.Errorf("shopify: subscribing %s to %s: %w", shop, topic, err)
		}
		if data.Create == nil {
			return fmt.Errorf("shopify: subscribing %s to %s: empty answer", shop, topic)
		}
		var problems []string
		for _, e := range data.Create.UserErrors {
			if strings.Contains(strings.ToLower(e.Message), "already been taken") {
				continue
			}
			problems = append(problems, e.Message)
		}
		if len(problems) > 0 {
			return fmt.Errorf("shopify: subscribing %s to %s: %s", shop, topic, strings.Join(problems, "; "))
		}
	}
	return nil
}

// WebhookHeaders are the X-Shopify-* headers of a webhook delivery.
type WebhookHeaders struct {
	Topic       string    // X-Shopify-Topic, e.g. products/update
	Shop        string    // X-Shopify-Shop-Domain
	EventID     string    // X-Shopify-Event-Id: the same for every delivery of one event; dedupe on it
	WebhookID   string    // X-Shopify-Webhook-Id
	APIVersion  string    // X-Shopify-API-Version
	TriggeredAt time.Time // X-Shopify-Triggered-At; zero when absent
	HMAC        string    // X-Shopify-Hmac-Sha256, for VerifyWebhook
}

// ReadWebhookHeaders reads and checks a delivery's headers: topic, a valid
// shop domain and an event id are required.
func ReadWebhookHeaders(h http.Header) (WebhookHeaders, error) {
	w := WebhookHeaders{
		Topic:      h.Get("X-Shopify-Topic"),
		Shop:       h.Get("X-Shopify-Shop-Domain"),
		EventID:    h.Get("X-Shopify-Event-Id"),
		WebhookID:  h.Get("X-Shopify-Webhook-Id"),
		APIVersion: h.Get("X-Shopify-API-Version"),
		HMAC:       h.Get("X-Shopify-Hmac-Sha256"),
	}
	var missing []string
	if w.Topic == "" {
		missing = append(missing, "X-Shopify-Topic")
	}
	if w.Shop == "" {
		missing = append(missing, "X-Shopify-Shop-Domain")
	}
	if w.EventID == "" {
		missing = append(missing, "X-Shopify-Event-Id")
	}
	if len(missing) > 0 {
		return w, fmt.Errorf("shopify: webhook without %s", strings.Join(missing, ", "))
	}
	if !ValidShop(w.Shop) {
		return w, fmt.Errorf("shopify: webhook for %q, not a myshopify.com domain", w.Shop)
	}
	if v := h.Get("X-Shopify-Triggered-At"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return w, fmt.Errorf("shopify: webhook X-Shopify-Triggered-At %q: %w", v, err)
		}
		w.TriggeredAt = t.UTC()
	}
	return w, nil
}

// WebhookShop says which shop a webhook's body names. Only the body is
// signed, with the app's secret that every shop shares, so the
// X-Shopify-Shop-Domain header of a delivery may have been swapped for another
// shop's; where the body carries the shop, it decides. app/uninstalled (and
// shop/update) carry the Shop object, whose myshopify_domain is the shop; the
// compliance topics carry shop_domain. carried is false for topics whose body
// names no shop (products, inventory, orders, fulfillments): for those the
// header is all there is, and the follow-up's re-read from that shop, with
// that shop's token, is what keeps a swapped header harmless. A topic that
// carries the shop but whose body has none, or not a myshopify.com domain,
// is an error.
func WebhookShop(topic string, body []byte) (shop string, carried bool, err error) {
	var field string
	switch topic {
	case TopicAppUninstalled, TopicShopUpdate:
		field = "myshopify_domain"
	case TopicCustomersDataRequest, TopicCustomersRedact, TopicShopRedact:
		field = "shop_domain"
	default:
		return "", false, nil
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(body, &p); err != nil {
		return "", true, fmt.Errorf("shopify: %s body is not a JSON object: %v", topic, err)
	}
	raw, ok := p[field]
	if !ok {
		return "", true, fmt.Errorf("shopify: %s body has no %s", topic, field)
	}
	if err := json.Unmarshal(raw, &shop); err != nil || !ValidShop(shop) {
		return "", true, fmt.Errorf("shopify: %s body's %s is %.100s, not a myshopify.com domain", topic, field, raw)
	}
	return strings.ToLower(shop), true, nil
}

// WebhookObject is what a catalog webhook is about. Follow-ups should re-read
// the object from Shopify rather than trust the payload, which may be stale.
type WebhookObject struct {
	ProductID       string    // GID; products/create|update|delete
	InventoryItemID string    // GID; inventory_levels/update
	LocationID      string    // GID; inventory_levels/update
	Available       *int      // inventory_levels/update; nil when not tracked
	UpdatedAt       time.Time // the payload's updated_at; zero when absent
}

// ParseWebhookObject reads the ids out of a catalog webhook's payload (REST
// shaped: numeric ids). Other topics give a zero WebhookObject.
func ParseWebhookObject(topic string, body []byte) (WebhookObject, error) {
	var p struct {
		ID              json.Number `json:"id"`
		GraphQLID       string      `json:"admin_graphql_api_id"`
		InventoryItemID json.Number `json:"inventory_item_id"`
		LocationID      json.Number `json:"location_id"`
		Available       *int        `json:"available"`
		UpdatedAt       string      `json:"updated_at"`
	}
	switch topic {
	case TopicProductsCreate, TopicProductsUpdate, TopicProductsDelete, TopicInventoryLevelsUpdate:
	default:
		return WebhookObject{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return WebhookObject{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
	}
	var o WebhookObject
	if p.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339, p.UpdatedAt)
		if err != nil {
			return WebhookObject{}, fmt.Errorf("shopify: %s payload updated_at %q: %w", topic, p.UpdatedAt, err)
		}
		o.UpdatedAt = t.UTC()
	}
	var err error
	if topic == TopicInventoryLevelsUpdate {
		if o.InventoryItemID, err = gid("InventoryItem", p.InventoryItemID.String()); err != nil {
			return WebhookObject{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
		}
		if p.LocationID != "" {
			if o.LocationID, err = gid("Location", p.LocationID.String()); err != nil {
				return WebhookObject{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
			}
		}
		o.Available = p.Available
		return o, nil
	}
	id := p.GraphQLID
	if id == "" {
		id = p.ID.String()
	}
	if o.ProductID, err = gid("Product", id); err != nil {
		return WebhookObject{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
	}
	return o, nil
}

// ComplianceRequest is the payload of customers/data_request,
// customers/redact and shop/redact.
type ComplianceRequest struct {
	ShopID          int64
	ShopDomain      string
	CustomerID      int64 // 0 for shop/redact
	CustomerEmail   string
	CustomerPhone   string
	OrdersToRedact  []int64 // customers/redact
	OrdersRequested []int64 // customers/data_request
	DataRequestID   int64   // customers/data_request
}

// ParseComplianceRequest reads a compliance webhook's payload.
func ParseComplianceRequest(body []byte) (ComplianceRequest, error) {
	var p struct {
		ShopID     int64  `json:"shop_id"`
		ShopDomain string `json:"shop_domain"`
		Customer   *struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
			Phone string `json:"phone"`
		} `json:"customer"`
		OrdersToRedact  []int64 `json:"orders_to_redact"`
		OrdersRequested []int64 `json:"orders_requested"`
		DataRequest     *struct {
			ID int64 `json:"id"`
		} `json:"data_request"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return ComplianceRequest{}, fmt.Errorf("shopify: compliance payload: %w", err)
	}
	r := ComplianceRequest{ShopID: p.ShopID, ShopDomain: p.ShopDomain, OrdersToRedact: p.OrdersToRedact, OrdersRequested: p.OrdersRequested}
	if p.Customer != nil {
		r.CustomerID, r.CustomerEmail, r.CustomerPhone = p.Customer.ID, p.Customer.Email, p.Customer.Phone
	}
	if p.DataRequest != nil {
		r.DataRequestID = p.DataRequest.ID
	}
	return r, nil
}
