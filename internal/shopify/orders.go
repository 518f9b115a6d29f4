package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pushing a vendor order to the vendor's store: Trove creates a Shopify order
// with orderCreate (paid, no customer, no notifications), finds it again by
// its reference tag, and re-reads it by id when webhooks say it changed.

var (
	// ErrOrderRejected: Shopify refused orderCreate with userErrors (an unknown
	// variant, a bad address...). Retrying the same order cannot help.
	ErrOrderRejected = errors.New("shopify: order rejected")
	// ErrInvalidOrder: a NewOrder failed the adapter's checks before any
	// request was sent. Retrying the same order cannot help.
	ErrInvalidOrder = errors.New("shopify: invalid order")
)

// The tag and custom attribute that carry Trove's vendor order id.
const (
	ReferenceTagPrefix = "trove-ref:"
	ReferenceAttribute = "trove_reference"
	currencyAttribute  = "trove_currency"
	troveTag           = "trove"
	maxReferenceLen    = 64
)

// OrderAddress is where the gift goes.
type OrderAddress struct {
	FirstName, LastName, Company, Address1, Address2, City, ProvinceCode, Zip, CountryCode, Phone string
}

// OrderLine is one line of a NewOrder. VariantID is the variant GID
// (gid://shopify/ProductVariant/123).
type OrderLine struct {
	VariantID string
	Quantity  int
}

// NewOrder is a vendor order to create in the vendor's store.
type NewOrder struct {
	// Reference is Trove's vendor order id: the order is tagged
	// "trove-ref:<Reference>" and carries the custom attribute
	// "trove_reference". Letters, digits, '-' and '_' only, up to 64.
	Reference       string
	Lines           []OrderLine
	ShippingAddress OrderAddress
	Note            string // the gift message
	Currency        string // ISO code of the prices Trove charged (informational: a custom attribute)
}

// Fulfillment is one shipment of a Shopify order.
type Fulfillment struct {
	ID             string // GID gid://shopify/Fulfillment/N
	Status         string // FulfillmentStatus: SUCCESS, CANCELLED, ERROR, FAILURE, OPEN, PENDING
	DisplayStatus  string // FulfillmentDisplayStatus: CONFIRMED, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, ...; "" when Shopify gives none
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Order is a Shopify order in Trove's words.
type Order struct {
	ID                string // GID gid://shopify/Order/N
	Name              string // "#1001"
	Reference         string // from the trove_reference attribute or the trove-ref: tag; "" if not a Trove order
	CancelledAt       *time.Time
	FulfillmentStatus string // displayFulfillmentStatus: UNFULFILLED, FULFILLED, PARTIALLY_FULFILLED, ...
	Fulfillments      []Fulfillment
}

const orderFields = `
fragment TroveOrderFields on Order {
  id
  name
  tags
  cancelledAt
  displayFulfillmentStatus
  customAttributes { key value }
  fulfillments(first: 10) {
    id
    status
    displayStatus
    createdAt
    updatedAt
    trackingInfo(first: 5) { company number url }
  }
}`

var (
	opOrderByReference = operation{"TroveOrderByReference", `query TroveOrderByReference($query: String!) {
  orders(first: 5, query: $query, sortKey: CREATED_AT) {
    nodes { ...TroveOrderFields }
  }
}` + orderFields}
	opOrderCreate = operation{"TroveOrderCreate", `mutation TroveOrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { ...TroveOrderFields }
    userErrors { field message code }
  }
}` + orderFields}
	opOrder = operation{"TroveOrder", `query TroveOrder($id: ID!) {
  order(id: $id) { ...TroveOrderFields }
}` + orderFields}
)

type gqlOrder struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	Tags                     []string `json:"tags"`
	CancelledAt              *string  `json:"cancelledAt"`
	DisplayFulfillmentStatus string   `json:"displayFulfillmentStatus"`
	CustomAttributes         []struct {
		Key   string  `json:"key"`
		Value *string `json:"value"`
	} `json:"customAttributes"`
	Fulfillments []struct {
		ID            string  `json:"id"`
		Status        string  `json:"status"`
		DisplayStatus *string `json:"displayStatus"`
		CreatedAt     string  `json:"createdAt"`
		UpdatedAt     string  `json:"updatedAt"`
		TrackingInfo  []struct {
			Company *string `json:"company"`
			Number  *string `json:"number"`
			URL     *string `json:"url"`
		} `json:"trackingInfo"`
	} `json:"fulfillments"`
}

var (
	referencePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	countryPattern   = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
)

// OrderGID returns the GID of the order with the numeric id that REST-shaped
// webhook payloads carry.
func OrderGID(id int64) string { return "gid://shopify/Order/" + strconv.FormatInt(id, 10) }

// FulfillmentGID returns the GID of the fulfillment with the numeric id that
// fulfillments/* payloads carry.
func FulfillmentGID(id int64) string { return "gid://shopify/Fulfillment/" + strconv.FormatInt(id, 10) }

// ReferenceTag is the order tag that carries reference.
func ReferenceTag(reference string) string { return ReferenceTagPrefix + reference }

func validReference(ref string) error {
	if ref == "" {
		return fmt.Errorf("%w: reference is required", ErrInvalidOrder)
	}
	if len(ref) > maxReferenceLen || !referencePattern.MatchString(ref) {
		return fmt.Errorf("%w: reference %q must be 1 to %d letters, digits, '-' or '_'", ErrInvalidOrder, ref, maxReferenceLen)
	}
	return nil
}

// Validate checks o as CreateOrder does before sending anything. Errors
// wrap ErrInvalidOrder.
func (o NewOrder) Validate() error {
	if err := validReference(o.Reference); err != nil {
		return err
	}
	var problems []string
	if len(o.Lines) == 0 {
		problems = append(problems, "at least one line is required")
	}
	for i, l := range o.Lines {
		if !strings.HasPrefix(l.VariantID, "gid://shopify/ProductVariant/") {
			problems = append(problems, fmt.Sprintf("line %d: %q is not a ProductVariant GID", i, l.VariantID))
		} else if n, err := strconv.ParseUint(strings.TrimPrefix(l.VariantID, "gid://shopify/ProductVariant/"), 10, 64); err != nil || n == 0 {
			problems = append(problems, fmt.Sprintf("line %d: %q is not a ProductVariant GID", i, l.VariantID))
		}
		if l.Quantity <= 0 {
			problems = append(problems, fmt.Sprintf("line %d: quantity %d must be at least 1", i, l.Quantity))
		}
	}
	a := o.ShippingAddress
	if !countryPattern.MatchString(a.CountryCode) {
		problems = append(problems, fmt.Sprintf("shipping address: country code %q is not two capital letters (ISO 3166-1 alpha-2)", a.CountryCode))
	}
	if strings.TrimSpace(a.Address1) == "" {
		problems = append(problems, "shipping address: address1 is required")
	}
	if o.Currency != "" && !currencyPattern.MatchString(o.Currency) {
		problems = append(problems, fmt.Sprintf("currency %q is not an ISO 4217 code", o.Currency))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w %s: %s", ErrInvalidOrder, o.Reference, strings.Join(problems, "; "))
	}
	return nil
}

// FindOrderByReference finds the shop's order tagged with reference (as
// CreateOrder tags it). found is false when there is none. Shopify's search
// matches tags loosely, so only an order whose reference is exactly this one
// counts. Note that Shopify's order search index may lag a fresh order by a
// few seconds, and only orders of the last 60 days are visible without the
// read_all_orders scope.
func (c *Client) FindOrderByReference(ctx context.Context, shop, accessToken, reference string) (Order, bool, error) {
	if err := validReference(reference); err != nil {
		return Order{}, false, err
	}
	var data struct {
		Orders struct {
			Nodes []gqlOrder `json:"nodes"`
		} `json:"orders"`
	}
	vars := map[string]any{"query": fmt.Sprintf("tag:'%s'", ReferenceTag(reference))}
	if err := c.graphql(ctx, shop, accessToken, opOrderByReference, vars, &data); err != nil {
		return Order{}, false, err
	}
	for _, n := range data.Orders.Nodes {
		o, err := convertOrder(n)
		if err != nil {
			return Order{}, false, fmt.Errorf("shopify: order on %s: %w", shop, err)
		}
		if o.Reference == reference {
			return o, true, nil
		}
	}
	return Order{}, false, nil
}

// NothingDone reports whether err, from CreateOrder, proves that Shopify
// made no order: the input was refused before sending (ErrInvalidOrder),
// the token was refused (ErrUnauthorized), the mutation was throttled and
// never ran (ErrThrottled), or Shopify answered with userErrors
// (ErrOrderRejected). Any other error (a timeout, a 5xx, a lost answer)
// may have come after Shopify made the order.
func NothingDone(err error) bool {
	return errors.Is(err, ErrInvalidOrder) || errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrThrottled) ||
		errors.Is(err, ErrOrderRejected)
}

// CreateOrder creates o in the shop as a paid order with no customer, sending
// no receipt or shipping confirmation, and taking stock whatever the variant's
// inventory policy. It is not idempotent: after an error for which
// NothingDone is false, Shopify may have made the order, and
// FindOrderByReference shows it only once Shopify's search has caught up
// (seconds). Shopify's userErrors give an error wrapping ErrOrderRejected;
// bad input gives one wrapping ErrInvalidOrder, before any request.
func (c *Client) CreateOrder(ctx context.Context, shop, accessToken string, o NewOrder) (Order, error) {
	if err := o.Validate(); err != nil {
		return Order{}, err
	}
	lines := make([]any, 0, len(o.Lines))
	for _, l := range o.Lines {
		lines = append(lines, map[string]any{"variantId": l.VariantID, "quantity": l.Quantity})
	}
	a := o.ShippingAddress
	address := map[string]any{"address1": a.Address1, "countryCode": a.CountryCode}
	for k, v := range map[string]string{"firstName": a.FirstName, "lastName": a.LastName, "company": a.Company,
		"address2": a.Address2, "city": a.City, "provinceCode": a.ProvinceCode, "zip": a.Zip, "phone": a.Phone} {
		if v != "" {
			address[k] = v
		}
	}
	attrs := []any{map[string]any{"key": ReferenceAttribute, "value": o.Reference}}
	if o.Currency != "" {
		attrs = append(attrs, map[string]any{"key": currencyAttribute, "value": o.Currency})
	}
	order := map[string]any{
		"lineItems":        lines,
		"shippingAddress":  address,
		"financialStatus":  "PAID",
		"tags":             []string{troveTag, ReferenceTag(o.Reference)},
		"customAttributes": attrs,
		"sourceIdentifier": o.Reference,
	}
	if o.Note != "" {
		order["note"] = o.Note
	}
	vars := map[string]any{
		"order": order,
		"options": map[string]any{
			"sendReceipt":            false,
			"sendFulfillmentReceipt": false,
			"inventoryBehaviour":     "DECREMENT_IGNORING_POLICY",
		},
	}
	var data struct {
		Create *struct {
			Order      *gqlOrder `json:"order"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    *string  `json:"code"`
			} `json:"userErrors"`
		} `json:"orderCreate"`
	}
	if err := c.graphql(ctx, shop, accessToken, opOrderCreate, vars, &data); err != nil {
		return Order{}, fmt.Errorf("shopify: creating order %s on %s: %w", o.Reference, shop, err)
	}
	if data.Create == nil {
		return Order{}, fmt.Errorf("shopify: creating order %s on %s: empty answer", o.Reference, shop)
	}
	if len(data.Create.UserErrors) > 0 {
		msgs := make([]string, 0, len(data.Create.UserErrors))
		for _, e := range data.Create.UserErrors {
			m := e.Message
			if len(e.Field) > 0 {
				m = strings.Join(e.Field, ".") + ": " + m
			}
			if e.Code != nil && *e.Code != "" {
				m += " (" + *e.Code + ")"
			}
			msgs = append(msgs, m)
		}
		return Order{}, fmt.Errorf("%w: %s on %s: %s", ErrOrderRejected, o.Reference, shop, strings.Join(msgs, "; "))
	}
	if data.Create.Order == nil {
		return Order{}, fmt.Errorf("shopify: creating order %s on %s: no order and no userErrors", o.Reference, shop)
	}
	out, err := convertOrder(*data.Create.Order)
	if err != nil {
		return Order{}, fmt.Errorf("shopify: created order on %s: %w", shop, err)
	}
	return out, nil
}

// Order re-reads an order by its GID (or numeric id, as webhook payloads
// carry it). found is false when the shop has no such order.
func (c *Client) Order(ctx context.Context, shop, accessToken, orderID string) (Order, bool, error) {
	id, err := gid("Order", orderID)
	if err != nil {
		return Order{}, false, err
	}
	var data struct {
		Order *gqlOrder `json:"order"`
	}
	if err := c.graphql(ctx, shop, accessToken, opOrder, map[string]any{"id": id}, &data); err != nil {
		return Order{}, false, err
	}
	if data.Order == nil {
		return Order{}, false, nil
	}
	o, err := convertOrder(*data.Order)
	if err != nil {
		return Order{}, false, fmt.Errorf("shopify: order on %s: %w", shop, err)
	}
	return o, true, nil
}

func convertOrder(n gqlOrder) (Order, error) {
	o := Order{ID: n.ID, Name: n.Name, FulfillmentStatus: n.DisplayFulfillmentStatus}
	for _, a := range n.CustomAttributes {
		if a.Key == ReferenceAttribute && a.Value != nil {
			o.Reference = *a.Value
		}
	}
	if o.Reference == "" {
		for _, t := range n.Tags {
			if ref, ok := strings.CutPrefix(t, ReferenceTagPrefix); ok && ref != "" {
				o.Reference = ref
				break
			}
		}
	}
	if n.CancelledAt != nil && *n.CancelledAt != "" {
		t, err := time.Parse(time.RFC3339, *n.CancelledAt)
		if err != nil {
			return Order{}, fmt.Errorf("order %s cancelledAt %q: %w", n.ID, *n.CancelledAt, err)
		}
		t = t.UTC()
		o.CancelledAt = &t
	}
	for _, f := range n.Fulfillments {
		out := Fulfillment{ID: f.ID, Status: f.Status}
		if f.DisplayStatus != nil {
			out.DisplayStatus = *f.DisplayStatus
		}
		for _, p := range []struct {
			v   string
			dst *time.Time
		}{{f.CreatedAt, &out.CreatedAt}, {f.UpdatedAt, &out.UpdatedAt}} {
			if p.v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339, p.v)
			if err != nil {
				return Order{}, fmt.Errorf("fulfillment %s time %q: %w", f.ID, p.v, err)
			}
			*p.dst = t.UTC()
		}
		for _, ti := range f.TrackingInfo { // the first non-empty of each
			if out.Carrier == "" && ti.Company != nil {
				out.Carrier = *ti.Company
			}
			if out.TrackingNumber == "" && ti.Number != nil {
				out.TrackingNumber = *ti.Number
			}
			if out.TrackingURL == "" && ti.URL != nil {
				out.TrackingURL = *ti.URL
			}
		}
		o.Fulfillments = append(o.Fulfillments, out)
	}
	return o, nil
}

// OrderWebhook is what an orders/* or fulfillments/* delivery is about.
// Follow-ups should re-read the order with Order: payloads may be stale.
type OrderWebhook struct {
	OrderID       string    // GID; every order and fulfillment topic
	FulfillmentID string    // GID; fulfillments/* only
	UpdatedAt     time.Time // the payload's updated_at; zero when absent
}

// ParseOrderWebhook reads the ids out of an orders/* or fulfillments/*
// payload (REST shaped: numeric ids).
func ParseOrderWebhook(topic string, body []byte) (OrderWebhook, error) {
	var p struct {
		ID        json.Number `json:"id"`
		GraphQLID string      `json:"admin_graphql_api_id"`
		OrderID   json.Number `json:"order_id"`
		UpdatedAt string      `json:"updated_at"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return OrderWebhook{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
	}
	var w OrderWebhook
	if p.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339, p.UpdatedAt)
		if err != nil {
			return OrderWebhook{}, fmt.Errorf("shopify: %s payload updated_at %q: %w", topic, p.UpdatedAt, err)
		}
		w.UpdatedAt = t.UTC()
	}
	var err error
	switch {
	case strings.HasPrefix(topic, "fulfillments/"):
		id := p.GraphQLID
		if id == "" {
			id = p.ID.String()
		}
		if w.FulfillmentID, err = gid("Fulfillment", id); err != nil {
			return OrderWebhook{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
		}
		if w.OrderID, err = gid("Order", p.OrderID.String()); err != nil {
			return OrderWebhook{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
		}
	case strings.HasPrefix(topic, "orders/"):
		id := p.GraphQLID
		if id == "" {
			id = p.ID.String()
		}
		if w.OrderID, err = gid("Order", id); err != nil {
			return OrderWebhook{}, fmt.Errorf("shopify: %s payload: %w", topic, err)
		}
	default:
		return OrderWebhook{}, fmt.Errorf("shopify: %s is not an orders/* or fulfillments/* topic", topic)
	}
	return w, nil
}
