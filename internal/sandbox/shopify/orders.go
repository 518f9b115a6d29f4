package shopify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Orders in the Shopify stand-in: orderCreate, the orders search by tag
// (which, like Shopify's, shows a new order only after Config.OrderSearchLag)
// and order(id:) through the GraphQL endpoint, and control methods for tests to
// fulfil, track and cancel orders as a merchant would, with the webhooks
// Shopify sends for each.

// Order is an order as the stand-in holds it.
type Order struct {
	ID                     int64
	GID                    string // gid://shopify/Order/N
	Name                   string // "#1001"
	Number                 int    // 1001
	Reference              string // the custom attribute trove_reference, "" if none
	Tags                   []string
	Note                   string
	CustomAttributes       map[string]string
	Lines                  []OrderLine
	ShippingAddress        map[string]string // MailingAddressInput fields as sent: firstName, address1, countryCode...
	FinancialStatus        string            // OrderCreateFinancialStatus as sent; PENDING when none
	Email                  string            // "" unless sent
	HasCustomer            bool              // a customer or customerId was sent
	SendReceipt            bool
	SendFulfillmentReceipt bool
	InventoryBehaviour     string // BYPASS (Shopify's default), DECREMENT_IGNORING_POLICY, DECREMENT_OBEYING_POLICY
	CancelledAt            *time.Time
	CreatedAt, UpdatedAt   time.Time
	Fulfillments           []Fulfillment
}

// OrderLine is one line item.
type OrderLine struct {
	ID        int64
	VariantID string // gid://shopify/ProductVariant/N
	SKU       string
	Title     string
	Price     string // the variant's price when ordered
	Quantity  int
}

// Fulfillment is one fulfillment of an order.
type Fulfillment struct {
	ID             int64
	GID            string // gid://shopify/Fulfillment/N
	Status         string // FulfillmentStatus: SUCCESS
	DisplayStatus  string // FulfillmentDisplayStatus: FULFILLED, then IN_TRANSIT, DELIVERED...
	ShipmentStatus string // REST shipment_status: "" (null), in_transit, delivered...
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// FulfillmentStatus is the order's displayFulfillmentStatus.
func (o Order) FulfillmentStatus() string {
	for _, f := range o.Fulfillments {
		if f.Status == "SUCCESS" {
			return "FULFILLED"
		}
	}
	return "UNFULFILLED"
}

// Orders returns copies of the shop's orders, oldest first.
func (s *Shopify) Orders(shop string) []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.mustShop(shop)
	out := make([]Order, 0, len(sh.Orders))
	for _, o := range sh.Orders {
		out = append(out, o.clone())
	}
	return out
}

// SlowNextOrderCreate makes the shop's next orderCreate create the order and
// then wait d before answering (or until the client hangs up): a create that
// times out on the client after it succeeded.
func (s *Shopify) SlowNextOrderCreate(shop string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustShop(shop).slowOrderCreate = d
}

// FulfillOrder fulfils every line of the order in one fulfillment with the
// tracking details given (any may be ""), as a merchant marking it shipped.
// The order becomes FULFILLED; fulfillments/create, orders/fulfilled and
// orders/updated are sent. A cancelled or already fulfilled order is refused.
func (s *Shopify) FulfillOrder(shop string, orderID int64, carrier, number, trackingURL string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	sh := s.mustShop(shop)
	o := sh.order(orderID)
	switch {
	case o == nil:
		return 0, fmt.Errorf("sandbox shopify: %s has no order %d", shop, orderID)
	case o.CancelledAt != nil:
		return 0, fmt.Errorf("sandbox shopify: order %s is cancelled", o.Name)
	case o.FulfillmentStatus() == "FULFILLED":
		return 0, fmt.Errorf("sandbox shopify: order %s is already fulfilled", o.Name)
	}
	now := s.clock.Now()
	f := Fulfillment{ID: s.newID(), Status: "SUCCESS", DisplayStatus: "FULFILLED",
		Carrier: carrier, TrackingNumber: number, TrackingURL: trackingURL, CreatedAt: now, UpdatedAt: now}
	f.GID = shopifyGID("Fulfillment", f.ID)
	o.Fulfillments = append(o.Fulfillments, f)
	o.UpdatedAt = now
	s.emitLocked(sh, "fulfillments/create", sh.restFulfillment(o, &o.Fulfillments[len(o.Fulfillments)-1]))
	s.emitLocked(sh, "orders/fulfilled", sh.restOrder(o))
	s.emitLocked(sh, "orders/updated", sh.restOrder(o))
	return f.ID, nil
}

// shopifyShipmentStatuses maps REST shipment_status values (FulfillmentEventStatus
// in lower case) to the fulfillment's displayStatus.
var shopifyShipmentStatuses = map[string]string{
	"label_printed":      "LABEL_PRINTED",
	"label_purchased":    "LABEL_PURCHASED",
	"attempted_delivery": "ATTEMPTED_DELIVERY",
	"ready_for_pickup":   "READY_FOR_PICKUP",
	"picked_up":          "PICKED_UP",
	"confirmed":          "CONFIRMED",
	"in_transit":         "IN_TRANSIT",
	"out_for_delivery":   "OUT_FOR_DELIVERY",
	"delivered":          "DELIVERED",
	"failure":            "FAILURE",
	"carrier_picked_up":  "CARRIER_PICKED_UP",
	"delayed":            "DELAYED",
}

// SetShipmentStatus records a carrier's tracking event on a fulfillment
// (status as REST's shipment_status: in_transit, out_for_delivery,
// delivered...): its displayStatus follows and fulfillments/update is sent.
func (s *Shopify) SetShipmentStatus(shop string, fulfillmentID int64, status string) error {
	display, ok := shopifyShipmentStatuses[status]
	if !ok {
		return fmt.Errorf("sandbox shopify: %q is not a shipment status (in_transit, delivered, ...)", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	sh := s.mustShop(shop)
	for _, o := range sh.Orders {
		for i := range o.Fulfillments {
			f := &o.Fulfillments[i]
			if f.ID != fulfillmentID {
				continue
			}
			if f.Status != "SUCCESS" {
				return fmt.Errorf("sandbox shopify: fulfillment %d is %s", fulfillmentID, f.Status)
			}
			now := s.clock.Now()
			f.ShipmentStatus, f.DisplayStatus, f.UpdatedAt = status, display, now
			s.emitLocked(sh, "fulfillments/update", sh.restFulfillment(o, f))
			return nil
		}
	}
	return fmt.Errorf("sandbox shopify: %s has no fulfillment %d", shop, fulfillmentID)
}

// CancelOrder cancels an order as the merchant would (reason "other", no
// restock): orders/cancelled then orders/updated are sent. As in Shopify, an
// order with a successful fulfillment, or one already cancelled, is refused.
func (s *Shopify) CancelOrder(shop string, orderID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	sh := s.mustShop(shop)
	o := sh.order(orderID)
	switch {
	case o == nil:
		return fmt.Errorf("sandbox shopify: %s has no order %d", shop, orderID)
	case o.CancelledAt != nil:
		return fmt.Errorf("sandbox shopify: order %s is already cancelled", o.Name)
	case o.FulfillmentStatus() == "FULFILLED":
		return fmt.Errorf("sandbox shopify: order %s has fulfillments: cancel them first", o.Name)
	}
	now := s.clock.Now()
	o.CancelledAt, o.UpdatedAt = &now, now
	s.emitLocked(sh, "orders/cancelled", sh.restOrder(o))
	s.emitLocked(sh, "orders/updated", sh.restOrder(o))
	return nil
}

func (o *Order) clone() Order {
	c := *o
	c.Tags = slices.Clone(o.Tags)
	c.Lines = slices.Clone(o.Lines)
	c.Fulfillments = slices.Clone(o.Fulfillments)
	c.ShippingAddress = map[string]string{}
	for k, v := range o.ShippingAddress {
		c.ShippingAddress[k] = v
	}
	c.CustomAttributes = map[string]string{}
	for k, v := range o.CustomAttributes {
		c.CustomAttributes[k] = v
	}
	if o.CancelledAt != nil {
		t := *o.CancelledAt
		c.CancelledAt = &t
	}
	return c
}

// order finds an order by numeric id. Callers hold s.mu.
func (sh *shopifyShop) order(id int64) *Order {
	for _, o := range sh.Orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// emitLocked is emit for callers that hold s.mu: the deliveries are recorded
// at once, in call order, and sent in the background once the lock is free.
// Callers save the state before they release it.
func (s *Shopify) emitLocked(sh *shopifyShop, topic string, payload any) {
	subs := sh.subsFor(topic)
	if len(subs) == 0 {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("sandbox shopify: %s payload: %v", topic, err))
	}
	eventID, at := shopifyUUID(), s.clock.Now()
	for _, sub := range subs {
		rec := &Delivery{Shop: sh.Domain, Topic: topic, EventID: eventID, WebhookID: shopifyUUID(), URL: sub.URI,
			APIVersion: sub.APIVersion, TriggeredAt: at, Payload: body, Pending: true}
		sh.Deliveries = append(sh.Deliveries, rec)
		s.send(rec)
	}
}

// ---- GraphQL -------------------------------------------------------------

// Cost of an order node as the adapter asks for it: the order, its
// customAttributes, and fulfillments(first: 10) × (the fulfillment and
// trackingInfo(first: 5)).
const shopifyOrderNodeCost = 1 + 1 + 10*(1+5)

func shopifyOrderRequestedCost(op string) int {
	switch op {
	case "TroveOrderByReference":
		return 2 + 5*shopifyOrderNodeCost
	case "TroveOrderCreate":
		return 10 + shopifyOrderNodeCost
	case "TroveOrder":
		return shopifyOrderNodeCost
	}
	return 1
}

// shopifyOrderScope says whether the token's scopes allow op: write_orders
// for orderCreate, read_orders (or write_orders, which implies it) to read.
func shopifyOrderScope(scope, op string) (string, bool) {
	has := func(s string) bool { return slices.Contains(strings.Split(scope, ","), s) }
	if op == "TroveOrderCreate" {
		return "Access denied for orderCreate field. Required access: `write_orders` access scope.", has("write_orders")
	}
	field := "orders"
	if op == "TroveOrder" {
		field = "order"
	}
	return fmt.Sprintf("Access denied for %s field. Required access: `read_orders` access scope.", field), has("read_orders") || has("write_orders")
}

// runOrderOperation answers the order operations. Callers hold s.mu.
func (s *Shopify) runOrderOperation(sh *shopifyShop, scope, op string, v shopifyVariables) (any, int, string) {
	if msg, ok := shopifyOrderScope(scope, op); !ok {
		return nil, 1, msg
	}
	switch op {
	case "TroveOrderByReference":
		tags, err := shopifyParseTagQuery(v.str("query"))
		if err != "" {
			return nil, 1, err
		}
		nodes := []any{}
		actual := 2
		// The search index has not caught up with orders created within
		// the lag.
		indexed := s.clock.Now().Add(-s.cfg.OrderSearchLag)
		for _, o := range sh.Orders { // oldest first: sortKey CREATED_AT
			if len(nodes) == 5 {
				break
			}
			if !shopifyHasTags(o.Tags, tags) || o.CreatedAt.After(indexed) {
				continue
			}
			node, cost := shopifyOrderNode(o)
			nodes = append(nodes, node)
			actual += cost
		}
		return map[string]any{"orders": map[string]any{"nodes": nodes}}, actual, ""

	case "TroveOrder":
		raw := v.str("id")
		id, ok := shopifyParseGID("Order", raw)
		if !ok || !strings.HasPrefix(raw, "gid://shopify/Order/") {
			return nil, 1, fmt.Sprintf("Invalid global id '%s'", raw)
		}
		o := sh.order(id)
		if o == nil {
			return map[string]any{"order": nil}, 1, ""
		}
		node, cost := shopifyOrderNode(o)
		return map[string]any{"order": node}, cost, ""

	case "TroveOrderCreate":
		if d := sh.slowOrderCreate; d > 0 {
			sh.slowOrderCreate = 0
			sh.answerDelay = d
		}
		return s.orderCreate(sh, v)
	}
	return nil, 1, fmt.Sprintf("sandbox shopify: operation %q is not one the sandbox answers", op)
}

// The input fields the stand-in knows; GraphQL refuses any other field of an
// input object before running the mutation.
var (
	shopifyOrderInputFields = []string{"billingAddress", "buyerAcceptsMarketing", "closedAt", "companyLocationId", "currency",
		"customAttributes", "customer", "customerId", "discountCode", "email", "financialStatus", "fulfillment", "fulfillmentStatus",
		"lineItems", "metafields", "name", "note", "phone", "poNumber", "presentmentCurrency", "processedAt", "referringSite",
		"shippingAddress", "shippingLines", "sourceIdentifier", "sourceName", "sourceUrl", "tags", "taxesIncluded", "taxLines",
		"test", "transactions", "userId"}
	shopifyOrderOptionsFields = []string{"inventoryBehaviour", "sendFulfillmentReceipt", "sendReceipt"}
	shopifyLineItemFields     = []string{"variantId", "quantity", "title", "sku", "priceSet", "properties", "requiresShipping",
		"taxable", "taxLines", "vendor", "variantTitle", "weight", "giftCard", "fulfillmentService"}
	shopifyAddressFields = []string{"address1", "address2", "city", "company", "countryCode", "firstName", "lastName",
		"phone", "provinceCode", "zip"}
	shopifyFinancialStatuses    = []string{"AUTHORIZED", "EXPIRED", "PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "PENDING", "REFUNDED", "VOIDED"}
	shopifyInventoryBehaviours  = []string{"BYPASS", "DECREMENT_IGNORING_POLICY", "DECREMENT_OBEYING_POLICY"}
	shopifyCustomAttributeField = []string{"key", "value"}
)

func shopifyUnknownField(in map[string]any, known []string, typ string) string {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return fmt.Sprintf("Variable input of type %s was provided invalid value: Field is not defined on %s (%s)", typ, typ, k)
		}
	}
	return ""
}

// orderCreate is the orderCreate mutation. Callers hold s.mu.
func (s *Shopify) orderCreate(sh *shopifyShop, v shopifyVariables) (any, int, string) {
	in, ok := v["order"].(map[string]any)
	if !ok {
		return nil, 1, "Variable $order of type OrderCreateOrderInput! was provided invalid value (Expected value to not be null)"
	}
	if msg := shopifyUnknownField(in, shopifyOrderInputFields, "OrderCreateOrderInput"); msg != "" {
		return nil, 1, msg
	}
	opts, _ := v["options"].(map[string]any)
	if msg := shopifyUnknownField(opts, shopifyOrderOptionsFields, "OrderCreateOptionsInput"); msg != "" {
		return nil, 1, msg
	}
	order, options := shopifyVars(in), shopifyVars(opts)
	financial := order.str("financialStatus")
	if financial != "" && !slices.Contains(shopifyFinancialStatuses, financial) {
		return nil, 1, fmt.Sprintf("Variable $order of type OrderCreateOrderInput! was provided invalid value for financialStatus (Expected \"%s\" to be one of: %s)", financial, strings.Join(shopifyFinancialStatuses, ", "))
	}
	behaviour := options.str("inventoryBehaviour")
	if behaviour == "" {
		behaviour = "BYPASS"
	}
	if !slices.Contains(shopifyInventoryBehaviours, behaviour) {
		return nil, 1, fmt.Sprintf("Variable $options of type OrderCreateOptionsInput was provided invalid value for inventoryBehaviour (Expected \"%s\" to be one of: %s)", behaviour, strings.Join(shopifyInventoryBehaviours, ", "))
	}
	rawLines, _ := in["lineItems"].([]any)
	var userErrors []any
	fail := func(msg, code string, field ...string) {
		userErrors = append(userErrors, map[string]any{"field": append([]string{"order"}, field...), "message": msg, "code": code})
	}
	if len(rawLines) == 0 {
		fail("Line items must have at least one line item", "INVALID", "lineItems")
	}
	type want struct {
		v   *shopifyVariant
		qty int
	}
	var lines []want
	for i, raw := range rawLines {
		li, ok := raw.(map[string]any)
		if !ok {
			return nil, 1, "Variable $order of type OrderCreateOrderInput! was provided invalid value for lineItems"
		}
		if msg := shopifyUnknownField(li, shopifyLineItemFields, "OrderCreateLineItemInput"); msg != "" {
			return nil, 1, msg
		}
		item := shopifyVars(li)
		idx := strconv.Itoa(i)
		qty := item.num("quantity", 0)
		if qty < 1 {
			fail("Quantity must be greater than or equal to 1", "INVALID", "lineItems", idx, "quantity")
		}
		raw := item.str("variantId")
		if raw == "" {
			fail("Line items must have either a variant or a title", "INVALID", "lineItems", idx)
			continue
		}
		vid, ok := shopifyParseGID("ProductVariant", raw)
		if !ok || !strings.HasPrefix(raw, "gid://shopify/ProductVariant/") {
			return nil, 1, fmt.Sprintf("Invalid global id '%s'", raw)
		}
		variant := sh.variant(vid)
		if variant == nil {
			fail(fmt.Sprintf("Variant %s does not exist", raw), "INVALID", "lineItems", idx, "variantId")
			continue
		}
		if behaviour == "DECREMENT_OBEYING_POLICY" && variant.Available < qty {
			fail(fmt.Sprintf("Unable to reserve inventory for %s: %d available", raw, variant.Available), "INVALID", "lineItems", idx, "quantity")
		}
		lines = append(lines, want{variant, qty})
	}
	addr, hasAddr := in["shippingAddress"].(map[string]any)
	if msg := shopifyUnknownField(addr, shopifyAddressFields, "MailingAddressInput"); msg != "" {
		return nil, 1, msg
	}
	address := map[string]string{}
	for k, val := range addr {
		if str, ok := val.(string); ok {
			address[k] = str
		}
	}
	switch {
	case !hasAddr:
		fail("Shipping address is required", "INVALID", "shippingAddress")
	case !shopifyCountryCode.MatchString(address["countryCode"]):
		fail(fmt.Sprintf("Country code %q is invalid", address["countryCode"]), "INVALID", "shippingAddress", "countryCode")
	}
	attrs := map[string]string{}
	rawAttrs, _ := in["customAttributes"].([]any)
	for _, raw := range rawAttrs {
		a, _ := raw.(map[string]any)
		if msg := shopifyUnknownField(a, shopifyCustomAttributeField, "OrderCreateCustomAttributeInput"); msg != "" {
			return nil, 1, msg
		}
		key, _ := a["key"].(string)
		val, _ := a["value"].(string)
		attrs[key] = val
	}
	if len(userErrors) > 0 {
		return map[string]any{"orderCreate": map[string]any{"order": nil, "userErrors": userErrors}}, 10, ""
	}

	now := s.clock.Now()
	if sh.OrderNumber == 0 {
		sh.OrderNumber = 1000
	}
	sh.OrderNumber++
	o := &Order{ID: s.newID(), Number: sh.OrderNumber, Note: order.str("note"), CustomAttributes: attrs,
		ShippingAddress: address, FinancialStatus: financial, Email: order.str("email"),
		HasCustomer:            in["customer"] != nil || in["customerId"] != nil,
		SendReceipt:            options["sendReceipt"] == true,
		SendFulfillmentReceipt: options["sendFulfillmentReceipt"] == true,
		InventoryBehaviour:     behaviour, CreatedAt: now, UpdatedAt: now, Reference: attrs["trove_reference"]}
	o.GID, o.Name = shopifyGID("Order", o.ID), "#"+strconv.Itoa(o.Number)
	if o.FinancialStatus == "" {
		o.FinancialStatus = "PENDING"
	}
	rawTags, _ := in["tags"].([]any)
	for _, t := range rawTags {
		if str, ok := t.(string); ok && strings.TrimSpace(str) != "" && !slices.Contains(o.Tags, strings.TrimSpace(str)) {
			o.Tags = append(o.Tags, strings.TrimSpace(str))
		}
	}
	sort.Strings(o.Tags) // Shopify keeps tags sorted
	for _, l := range lines {
		o.Lines = append(o.Lines, OrderLine{ID: s.newID(), VariantID: shopifyGID("ProductVariant", l.v.ID),
			SKU: l.v.Sku, Title: l.v.Title, Price: l.v.Price, Quantity: l.qty})
	}
	sh.Orders = append(sh.Orders, o)
	s.emitLocked(sh, "orders/create", sh.restOrder(o))
	if strings.HasPrefix(behaviour, "DECREMENT_") {
		for _, l := range lines {
			l.v.Available -= l.qty
			l.v.UpdatedAt = now
			s.emitLocked(sh, "inventory_levels/update", map[string]any{
				"inventory_item_id":    l.v.ItemID,
				"location_id":          sh.LocationID,
				"available":            l.v.Available,
				"updated_at":           shopifyRESTTime(now),
				"admin_graphql_api_id": fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", sh.LocationID, l.v.ItemID),
			})
		}
	}
	node, cost := shopifyOrderNode(o)
	return map[string]any{"orderCreate": map[string]any{"order": node, "userErrors": []any{}}}, 10 + cost, ""
}

var (
	shopifyTagTerm     = regexp.MustCompile(`^tag:(?:'([^']*)'|"([^"]*)"|([^\s'"]+))$`)
	shopifyCountryCode = regexp.MustCompile(`^[A-Z]{2}$`)
)

// shopifyParseTagQuery reads a search query made of tag terms (tag:'a b',
// tag:"x", tag:y), all of which must match. Other filters are refused
// rather than ignored, so that a query the stand-in does not understand
// does not silently match everything.
func shopifyParseTagQuery(q string) ([]string, string) {
	var tags []string
	for _, term := range shopifySplitQuery(q) {
		if strings.EqualFold(term, "AND") {
			continue
		}
		m := shopifyTagTerm.FindStringSubmatch(term)
		if m == nil {
			return nil, fmt.Sprintf("sandbox shopify: orders search supports tag:'...' terms only, not %q", term)
		}
		tags = append(tags, m[1]+m[2]+m[3])
	}
	if len(tags) == 0 {
		return nil, "sandbox shopify: orders search needs a tag:'...' query"
	}
	return tags, ""
}

// shopifySplitQuery splits on spaces outside quotes.
func shopifySplitQuery(q string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	for _, r := range strings.TrimSpace(q) {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			b.WriteRune(r)
		case r == '\'' || r == '"':
			quote = r
			b.WriteRune(r)
		case r == ' ':
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// shopifyHasTags: every wanted tag is one of the order's, compared whole and
// without regard to case, as Shopify's tag filter does.
func shopifyHasTags(have, want []string) bool {
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, w) }) {
			return false
		}
	}
	return true
}

func shopifyGQLTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// shopifyOrderNode renders an order as TroveOrderFields asks, with its cost.
func shopifyOrderNode(o *Order) (map[string]any, int) {
	var cancelled any
	if o.CancelledAt != nil {
		cancelled = shopifyGQLTime(*o.CancelledAt)
	}
	keys := make([]string, 0, len(o.CustomAttributes))
	for k := range o.CustomAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := []any{}
	for _, k := range keys {
		attrs = append(attrs, map[string]any{"key": k, "value": o.CustomAttributes[k]})
	}
	cost := 2
	fulfillments := []any{}
	for i, f := range o.Fulfillments {
		if i == 10 {
			break
		}
		tracking := []any{}
		if f.TrackingNumber != "" || f.Carrier != "" || f.TrackingURL != "" {
			tracking = append(tracking, map[string]any{"company": shopifyNullable(f.Carrier),
				"number": shopifyNullable(f.TrackingNumber), "url": shopifyNullable(f.TrackingURL)})
		}
		cost += 1 + len(tracking)
		fulfillments = append(fulfillments, map[string]any{
			"id": f.GID, "status": f.Status, "displayStatus": shopifyNullable(f.DisplayStatus),
			"createdAt": shopifyGQLTime(f.CreatedAt), "updatedAt": shopifyGQLTime(f.UpdatedAt), "trackingInfo": tracking,
		})
	}
	tags := o.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id":                       o.GID,
		"name":                     o.Name,
		"tags":                     tags,
		"cancelledAt":              cancelled,
		"displayFulfillmentStatus": o.FulfillmentStatus(),
		"customAttributes":         attrs,
		"fulfillments":             fulfillments,
	}, cost
}

func shopifyNullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- REST-shaped webhook payloads ---------------------------------------

func (sh *shopifyShop) restFulfillment(o *Order, f *Fulfillment) map[string]any {
	numbers, urls := []string{}, []string{}
	if f.TrackingNumber != "" {
		numbers = append(numbers, f.TrackingNumber)
	}
	if f.TrackingURL != "" {
		urls = append(urls, f.TrackingURL)
	}
	n := 0
	for i := range o.Fulfillments {
		if o.Fulfillments[i].ID == f.ID {
			n = i + 1
		}
	}
	lines := []any{}
	for _, l := range o.Lines {
		lines = append(lines, sh.restLine(l))
	}
	return map[string]any{
		"id":                   f.ID,
		"admin_graphql_api_id": f.GID,
		"order_id":             o.ID,
		"name":                 fmt.Sprintf("%s.%d", o.Name, n),
		"status":               strings.ToLower(f.Status),
		"shipment_status":      shopifyNullable(f.ShipmentStatus),
		"service":              "manual",
		"location_id":          sh.LocationID,
		"tracking_company":     shopifyNullable(f.Carrier),
		"tracking_number":      shopifyNullable(f.TrackingNumber),
		"tracking_numbers":     numbers,
		"tracking_url":         shopifyNullable(f.TrackingURL),
		"tracking_urls":        urls,
		"created_at":           shopifyRESTTime(f.CreatedAt),
		"updated_at":           shopifyRESTTime(f.UpdatedAt),
		"line_items":           lines,
	}
}

func (sh *shopifyShop) restLine(l OrderLine) map[string]any {
	vid, _ := shopifyParseGID("ProductVariant", l.VariantID)
	var product any
	if pid, ok := sh.VariantOf[vid]; ok {
		product = pid
	}
	return map[string]any{
		"id": l.ID, "admin_graphql_api_id": shopifyGID("LineItem", l.ID), "variant_id": vid, "product_id": product,
		"sku": l.SKU, "title": l.Title, "variant_title": l.Title, "price": l.Price, "quantity": l.Quantity,
		"requires_shipping": true, "fulfillment_service": "manual",
	}
}

func (sh *shopifyShop) restOrder(o *Order) map[string]any {
	var cancelled, reason, fulfillment any
	if o.CancelledAt != nil {
		cancelled, reason = shopifyRESTTime(*o.CancelledAt), "other"
	}
	if o.FulfillmentStatus() == "FULFILLED" {
		fulfillment = "fulfilled"
	}
	keys := make([]string, 0, len(o.CustomAttributes))
	for k := range o.CustomAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	noteAttrs := []any{}
	for _, k := range keys {
		noteAttrs = append(noteAttrs, map[string]any{"name": k, "value": o.CustomAttributes[k]})
	}
	lines := []any{}
	for _, l := range o.Lines {
		lines = append(lines, sh.restLine(l))
	}
	fulfillments := []any{}
	for i := range o.Fulfillments {
		fulfillments = append(fulfillments, sh.restFulfillment(o, &o.Fulfillments[i]))
	}
	address := map[string]any{}
	for gql, rest := range map[string]string{"firstName": "first_name", "lastName": "last_name", "company": "company",
		"address1": "address1", "address2": "address2", "city": "city", "provinceCode": "province_code", "zip": "zip",
		"countryCode": "country_code", "phone": "phone"} {
		address[rest] = shopifyNullable(o.ShippingAddress[gql])
	}
	var email any
	if o.Email != "" {
		email = o.Email
	}
	return map[string]any{
		"id":                   o.ID,
		"admin_graphql_api_id": o.GID,
		"name":                 o.Name,
		"order_number":         o.Number,
		"email":                email,
		"currency":             sh.Currency,
		"financial_status":     strings.ToLower(o.FinancialStatus),
		"fulfillment_status":   fulfillment,
		"cancelled_at":         cancelled,
		"cancel_reason":        reason,
		"tags":                 strings.Join(o.Tags, ", "),
		"note":                 shopifyNullable(o.Note),
		"note_attributes":      noteAttrs,
		"created_at":           shopifyRESTTime(o.CreatedAt),
		"updated_at":           shopifyRESTTime(o.UpdatedAt),
		"line_items":           lines,
		"shipping_address":     address,
		"fulfillments":         fulfillments,
		"test":                 false,
	}
}
