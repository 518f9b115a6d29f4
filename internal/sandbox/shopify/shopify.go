// Package shopify is a local Shopify, for tests and `trove serve --sandbox`:
// shops with products, variants and stock, the OAuth install flow, the
// GraphQL Admin API operations of Trove's adapter (internal/shopify), orders,
// and signed webhooks. Importers name it sbshopify, beside the adapter.
package shopify

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/sandbox"
)

// Config configures the Shopify stand-in.
type Config struct {
	APIKey, APISecret string
	// AccessTokenTTL is how long an expiring offline access token lives
	// (default 60 minutes, as Shopify). RefreshTokenTTL is how long a refresh
	// token lives (default 90 days).
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// StrictRefreshRotation makes a refresh token good for one use only. By
	// default the stand-in does what Shopify does since August 2026: a used
	// refresh token may be retried (a lost response) until its replacement is
	// used, for up to 30 days; after that it is refused with invalid_grant.
	StrictRefreshRotation bool
	// OrderSearchLag is how long a new order stays out of the orders
	// search (orders(query:)), as Shopify's search index lags creates by
	// seconds; order(id:) finds it at once. Default 5 seconds, on Clock.
	OrderSearchLag time.Duration
	// FallForward makes a request pinned to a retired Admin API version be
	// answered as Shopify answers it: by the oldest supported version, named
	// in X-Shopify-API-Version. By default the stand-in refuses it (404),
	// so that a pinned version that ran out fails tests rather than passing
	// on behaviour the code was not written for.
	FallForward bool
	// ComplianceURL is where SendCompliance posts. Shopify takes it from the
	// app's configuration; empty means the shop's last webhook subscription
	// address.
	ComplianceURL string
	Clock         clock.Clock
	HTTPClient    *http.Client // for webhook deliveries
	Log           *slog.Logger
}

// Shopify is a local Shopify: shops with products, variants and stock, the
// OAuth authorize and token endpoints, the GraphQL Admin API operations the
// adapter uses, and webhook subscriptions that receive signed deliveries
// when data changes. Safe for concurrent use.
type Shopify struct {
	cfg     Config
	clock   clock.Clock
	log     *slog.Logger
	hc      *http.Client
	handler http.Handler

	mu     sync.Mutex
	state  // everything a restart must keep
	sender *sandbox.Sender
	file   *sandbox.File // nil: the state lives in memory only (Open)
}

// state is the stand-in's memory: its shops with everything in them, the
// authorization codes it has handed out, and its id counter.
type state struct {
	Shops  map[string]*shopifyShop
	Codes  map[string]*shopifyAuthCode
	NextID int64
}

// Product is a product as tests and the demo seed describe it.
type Product struct {
	ID          string // gid://shopify/Product/N; "" on create: one is assigned
	Title       string
	Description string // plain text
	Status      string // ACTIVE (default), DRAFT, ARCHIVED
	ImageURL    string
	Tags        []string
	Variants    []Variant
}

// Variant is one variant of a Product.
type Variant struct {
	ID              string // gid://shopify/ProductVariant/N; "" on create: one is assigned
	SKU             string
	Title           string
	Price           string // decimal, "12.50"
	Available       int
	InventoryItemID string // gid://shopify/InventoryItem/N; "" on create: one is assigned
}

// Delivery is one webhook event sent to one subscription address.
type Delivery struct {
	Shop        string
	Topic       string
	EventID     string // X-Shopify-Event-Id: one per event, kept on retries and redelivery
	WebhookID   string // X-Shopify-Webhook-Id: one per event and subscription
	URL         string
	APIVersion  string
	TriggeredAt time.Time
	Payload     []byte
	StatusCode  int // of the last attempt; 0 while none has answered
	Attempts    int
	Err         string // the last attempt's transport error, if any
	// Pending: being sent or waiting for its next attempt. A stand-in
	// stopped meanwhile sends it again when it starts (ResumeDeliveries).
	Pending bool
}

// Subscription is a webhook subscription made with webhookSubscriptionCreate.
type Subscription struct {
	ID         string // gid://shopify/WebhookSubscription/N
	Topic      string // products/update
	URI        string
	APIVersion string
}

type shopifyShop struct {
	Domain, Name, Currency string
	ID, LocationID         int64
	Installed              bool
	Scope                  string

	Products  map[int64]*shopifyProduct
	ItemOf    map[int64]int64 // inventory item id -> variant id
	VariantOf map[int64]int64 // variant id -> product id

	Access  map[string]*shopifyAccessToken
	Refresh map[string]*shopifyRefreshToken

	Subs               []*Subscription
	LastWebhookURI     string // kept after uninstall, for shop/redact
	LastWebhookVersion string
	Deliveries         []*Delivery
	RefreshCount       int
	throttleNext       int

	Orders          []*Order      // oldest first; see orders.go
	OrderNumber     int           // the last order's number; the first is 1001
	slowOrderCreate time.Duration // SlowNextOrderCreate
	answerDelay     time.Duration // set by an operation: wait this long before answering

	bulkOps     map[int64]*bulkOp // see bulk.go; not kept across restarts
	slowBulk    int               // SlowNextBulkOperation
	pointsSpent int               // GraphQL cost points spent, since the stand-in started
}

type shopifyProduct struct {
	ID                                   int64
	Title, Description, Status, ImageURL string
	Tags                                 []string
	CreatedAt, UpdatedAt                 time.Time
	Variants                             []*shopifyVariant
}

type shopifyVariant struct {
	ID, ItemID           int64
	Sku, Title, Price    string
	Available            int
	CreatedAt, UpdatedAt time.Time
}

type shopifyAuthCode struct {
	Shop, Scope string
	Expires     time.Time
	Used        bool
}

type shopifyAccessToken struct {
	Scope   string
	Expires time.Time // zero: never
}

type shopifyRefreshToken struct {
	Scope       string
	Expires     time.Time
	FirstUsed   time.Time
	Parent      string // the refresh token this one replaced
	Replacement string // the refresh token issued when this one was used
	Retired     bool
}

// New returns an empty stand-in; add shops with AddShop or SeedDemo.
func New(cfg Config) *Shopify {
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = time.Hour
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = 90 * 24 * time.Hour
	}
	if cfg.OrderSearchLag <= 0 {
		cfg.OrderSearchLag = 5 * time.Second
	}
	s := &Shopify{
		cfg:   cfg,
		clock: cfg.Clock,
		log:   cfg.Log,
		hc:    cfg.HTTPClient,
		state: state{Shops: map[string]*shopifyShop{}, Codes: map[string]*shopifyAuthCode{}, NextID: 7_000_000_000},
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.sender = sandbox.NewSender(shopifyRetryDelays, s.log)
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.handler = s.routes()
	return s
}

// Handler serves the stand-in's HTTP API: mount it at the root of a test
// server, or under a prefix with http.StripPrefix.
func (s *Shopify) Handler() http.Handler { return s.handler }

// AddShop creates a shop (or renames an existing one). domain is its
// myshopify.com hostname; currency its ISO 4217 code.
func (s *Shopify) AddShop(domain, name, currency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	if sh, ok := s.Shops[domain]; ok {
		sh.Name, sh.Currency = name, currency
		return
	}
	s.Shops[domain] = &shopifyShop{
		Domain: domain, Name: name, Currency: currency,
		ID: s.newID(), LocationID: s.newID(),
		Products: map[int64]*shopifyProduct{}, ItemOf: map[int64]int64{}, VariantOf: map[int64]int64{},
		Access: map[string]*shopifyAccessToken{}, Refresh: map[string]*shopifyRefreshToken{},
	}
}

// UpsertProduct creates or replaces a product (variants missing from p are
// removed) and sends products/create or products/update. It returns the
// product's GID.
func (s *Shopify) UpsertProduct(shop string, p Product) string {
	id, created := s.upsert(shop, p)
	topic := "products/update"
	if created {
		topic = "products/create"
	}
	s.emitProduct(shop, topic, id)
	return shopifyGID("Product", id)
}

// UpsertProductQuietly is UpsertProduct without a webhook: a change made
// behind the webhooks' back, for drift tests.
func (s *Shopify) UpsertProductQuietly(shop string, p Product) string {
	id, _ := s.upsert(shop, p)
	return shopifyGID("Product", id)
}

// DeleteProduct deletes a product and sends products/delete.
func (s *Shopify) DeleteProduct(shop, productID string) {
	if s.deleteProduct(shop, productID) {
		id, _ := shopifyParseGID("Product", productID)
		s.emit(shop, "products/delete", map[string]any{"id": id})
	}
}

// DeleteProductQuietly deletes a product without a webhook.
func (s *Shopify) DeleteProductQuietly(shop, productID string) { s.deleteProduct(shop, productID) }

// SetInventory sets a variant's available stock at the shop's location and
// sends inventory_levels/update.
func (s *Shopify) SetInventory(shop, variantID string, available int) {
	vid := shopifyMustGID("ProductVariant", variantID)
	s.mu.Lock()
	sh := s.mustShop(shop)
	v := sh.variant(vid)
	if v == nil {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox shopify: %s has no variant %s", shop, variantID))
	}
	now := s.clock.Now()
	v.Available, v.UpdatedAt = available, now
	s.save()
	payload := map[string]any{
		"inventory_item_id":    v.ItemID,
		"location_id":          sh.LocationID,
		"available":            available,
		"updated_at":           shopifyRESTTime(now),
		"admin_graphql_api_id": fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", sh.LocationID, v.ItemID),
	}
	s.mu.Unlock()
	s.emit(shop, "inventory_levels/update", payload)
}

// Uninstall removes the app from the shop: its tokens stop working, its
// subscriptions are deleted, and app/uninstalled goes to them first.
func (s *Shopify) Uninstall(shop string) {
	s.mu.Lock()
	sh := s.mustShop(shop)
	payload := sh.restShop()
	subs := sh.subsFor("app/uninstalled")
	sh.Installed = false
	sh.Access = map[string]*shopifyAccessToken{}
	sh.Refresh = map[string]*shopifyRefreshToken{}
	sh.Subs = nil
	s.save()
	s.mu.Unlock()
	s.emitTo(shop, "app/uninstalled", payload, subs)
}

// RefreshCount is how many refresh-token grants the shop has served.
func (s *Shopify) RefreshCount(shop string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustShop(shop).RefreshCount
}

// ThrottleNext makes the shop's next n GraphQL requests answer THROTTLED, with
// a throttle status that says the bucket refills in about a tenth of a second.
func (s *Shopify) ThrottleNext(shop string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustShop(shop).throttleNext = n
}

// PointsSpent is how many GraphQL cost points the shop's requests have
// spent since the stand-in started: what they took from the shop's bucket
// (2,000 points, refilled at 100 a second), which every app call shares.
func (s *Shopify) PointsSpent(shop string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustShop(shop).pointsSpent
}

// Installed reports whether the app holds a grant for the shop.
func (s *Shopify) Installed(shop string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustShop(shop).Installed
}

// Product returns a product as the stand-in holds it (variant and inventory
// item ids filled in).
func (s *Shopify) Product(shop, productID string) (Product, bool) {
	id := shopifyMustGID("Product", productID)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.mustShop(shop).Products[id]
	if !ok {
		return Product{}, false
	}
	out := Product{ID: shopifyGID("Product", p.ID), Title: p.Title, Description: p.Description,
		Status: p.Status, ImageURL: p.ImageURL, Tags: append([]string(nil), p.Tags...)}
	for _, v := range p.Variants {
		out.Variants = append(out.Variants, Variant{ID: shopifyGID("ProductVariant", v.ID), SKU: v.Sku, Title: v.Title,
			Price: v.Price, Available: v.Available, InventoryItemID: shopifyGID("InventoryItem", v.ItemID)})
	}
	return out, true
}

// Subscriptions lists the shop's webhook subscriptions.
func (s *Shopify) Subscriptions(shop string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.mustShop(shop).Subs {
		out = append(out, *sub)
	}
	return out
}

func (s *Shopify) upsert(shop string, in Product) (id int64, created bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	sh := s.mustShop(shop)
	now := s.clock.Now()
	if in.ID != "" {
		id = shopifyMustGID("Product", in.ID)
	} else {
		id = s.newID()
	}
	p, exists := sh.Products[id]
	if !exists {
		p = &shopifyProduct{ID: id, CreatedAt: now}
		sh.Products[id] = p
	}
	status := strings.ToUpper(in.Status)
	if status == "" {
		status = "ACTIVE"
	}
	p.Title, p.Description, p.Status, p.ImageURL = in.Title, in.Description, status, in.ImageURL
	p.Tags = append([]string(nil), in.Tags...)
	p.UpdatedAt = now

	old := map[int64]*shopifyVariant{}
	for _, v := range p.Variants {
		old[v.ID] = v
	}
	p.Variants = nil
	for _, iv := range in.Variants {
		price, err := shopifyNormalizePrice(iv.Price)
		if err != nil {
			panic(fmt.Sprintf("sandbox shopify: variant %q of %q: %v", iv.SKU, in.Title, err))
		}
		var v *shopifyVariant
		if iv.ID != "" {
			vid := shopifyMustGID("ProductVariant", iv.ID)
			if v = old[vid]; v == nil {
				if other, taken := sh.VariantOf[vid]; taken && other != id {
					panic(fmt.Sprintf("sandbox shopify: variant %s belongs to another product", iv.ID))
				}
				v = &shopifyVariant{ID: vid, CreatedAt: now}
			}
		} else {
			v = &shopifyVariant{ID: s.newID(), CreatedAt: now}
		}
		if v.ItemID == 0 {
			if iv.InventoryItemID != "" {
				v.ItemID = shopifyMustGID("InventoryItem", iv.InventoryItemID)
			} else {
				v.ItemID = s.newID()
			}
		}
		delete(old, v.ID)
		v.Sku, v.Title, v.Price, v.Available, v.UpdatedAt = iv.SKU, iv.Title, price, iv.Available, now
		p.Variants = append(p.Variants, v)
		sh.VariantOf[v.ID] = id
		sh.ItemOf[v.ItemID] = v.ID
	}
	for _, gone := range old {
		delete(sh.VariantOf, gone.ID)
		delete(sh.ItemOf, gone.ItemID)
	}
	return id, !exists
}

func (s *Shopify) deleteProduct(shop, productID string) bool {
	id := shopifyMustGID("Product", productID)
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.mustShop(shop)
	p, ok := sh.Products[id]
	if !ok {
		s.log.Warn("sandbox shopify: delete of an unknown product", "shop", shop, "product", productID)
		return false
	}
	for _, v := range p.Variants {
		delete(sh.VariantOf, v.ID)
		delete(sh.ItemOf, v.ItemID)
	}
	delete(sh.Products, id)
	s.save()
	return true
}

// mustShop returns the shop; a test naming an unknown shop is a bug in the test.
// Callers hold s.mu.
func (s *Shopify) mustShop(domain string) *shopifyShop {
	sh, ok := s.Shops[domain]
	if !ok {
		panic(fmt.Sprintf("sandbox shopify: no shop %q (AddShop it first)", domain))
	}
	return sh
}

// newID returns a fresh numeric id, far above the demo data's. Callers hold s.mu.
func (s *Shopify) newID() int64 {
	s.NextID++
	return s.NextID
}

func (sh *shopifyShop) variant(id int64) *shopifyVariant {
	p := sh.Products[sh.VariantOf[id]]
	if p == nil {
		return nil
	}
	for _, v := range p.Variants {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// sortedProducts returns the products in id order (Shopify's sortKey: ID).
func (sh *shopifyShop) sortedProducts() []*shopifyProduct {
	out := make([]*shopifyProduct, 0, len(sh.Products))
	for _, p := range sh.Products {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (sh *shopifyShop) subsFor(topic string) []Subscription {
	var out []Subscription
	for _, sub := range sh.Subs {
		if sub.Topic == topic {
			out = append(out, *sub)
		}
	}
	return out
}

func shopifyGID(kind string, id int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(id, 10)
}

// shopifyParseGID accepts a GID of kind or a bare positive number.
func shopifyParseGID(kind, s string) (int64, bool) {
	s = strings.TrimPrefix(s, "gid://shopify/"+kind+"/")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

func shopifyMustGID(kind, s string) int64 {
	n, ok := shopifyParseGID(kind, s)
	if !ok {
		panic(fmt.Sprintf("sandbox shopify: %q is not a %s id", s, kind))
	}
	return n
}

// shopifyNormalizePrice checks a decimal price and writes it with at least two
// decimals, as the Admin API does ("28" -> "28.00").
func shopifyNormalizePrice(p string) (string, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(p), ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return "", fmt.Errorf("price %q is not a non-negative decimal", p)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac, nil
}

func shopifyRandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// shopifyUUID returns a random version 4 UUID, the form of Shopify's event ids.
func shopifyUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
