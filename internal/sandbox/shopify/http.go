package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func (s *Shopify) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/oauth/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /admin/oauth/access_token", s.handleAccessToken)
	mux.HandleFunc("POST /admin/api/{version}/graphql.json", s.handleGraphQL)
	mux.HandleFunc("GET /bulk/{id}/{file}", s.handleBulkFile)
	return mux
}

// shopFor finds the shop a request is for: the Host header (the adapter keeps
// the shop's domain there) or else the `shop` query parameter.
func (s *Shopify) shopFor(r *http.Request) (*shopifyShop, bool) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if sh, ok := s.Shops[strings.ToLower(host)]; ok {
		return sh, true
	}
	sh, ok := s.Shops[strings.ToLower(r.URL.Query().Get("shop"))]
	return sh, ok
}

func shopifyJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handleAuthorize is the merchant's approval page, approved at once: it
// redirects to redirect_uri with code, hmac, host, shop, state and timestamp,
// signed as Shopify signs them.
func (s *Shopify) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	sh, ok := s.shopFor(r)
	if !ok {
		s.mu.Unlock()
		http.Error(w, "There is no store for this domain (pass ?shop=name.myshopify.com).", http.StatusNotFound)
		return
	}
	domain := sh.Domain
	if subtle.ConstantTimeCompare([]byte(q.Get("client_id")), []byte(s.cfg.APIKey)) != 1 {
		s.mu.Unlock()
		http.Error(w, "Oauth error invalid_request: The client_id is not valid.", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "" {
		s.mu.Unlock()
		http.Error(w, "Oauth error invalid_request: The redirect_uri is missing or not an absolute URL.", http.StatusBadRequest)
		return
	}
	code := shopifyRandomHex(16)
	now := s.clock.Now()
	s.Codes[code] = &shopifyAuthCode{Shop: domain, Scope: q.Get("scope"), Expires: now.Add(10 * time.Minute)}
	s.save()
	s.mu.Unlock()

	params := redirect.Query()
	params.Set("code", code)
	params.Set("host", base64.RawURLEncoding.EncodeToString([]byte("admin.shopify.com/store/"+strings.TrimSuffix(domain, ".myshopify.com"))))
	params.Set("shop", domain)
	params.Set("state", q.Get("state"))
	params.Set("timestamp", strconv.FormatInt(now.Unix(), 10))
	params.Set("hmac", shopifySignQuery(s.cfg.APISecret, params))
	redirect.RawQuery = params.Encode()
	s.log.Info("sandbox shopify: authorize approved", "shop", domain)
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// shopifySignQuery is the hex HMAC-SHA256 of the parameters other than hmac
// and signature, sorted by name, written k=v and joined with &.
func shopifySignQuery(secret string, q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "hmac" && k != "signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join(parts, "&")))
	return hex.EncodeToString(m.Sum(nil))
}

// handleAccessToken is POST /admin/oauth/access_token: the authorization code
// grant (expiring=1 for an expiring offline token) and the refresh token grant
// (rotating). Form or JSON bodies, as Shopify accepts.
func (s *Shopify) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	form, err := shopifyReadForm(w, r)
	if err != nil {
		shopifyJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shopFor(r)
	if !ok {
		shopifyJSON(w, http.StatusNotFound, map[string]string{"errors": "Not Found"})
		return
	}
	if subtle.ConstantTimeCompare([]byte(form.Get("client_id")), []byte(s.cfg.APIKey)) != 1 ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(s.cfg.APISecret)) != 1 {
		shopifyJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed."})
		return
	}
	now := s.clock.Now()
	switch grant := form.Get("grant_type"); grant {
	case "", "authorization_code":
		c, ok := s.Codes[form.Get("code")]
		if !ok || c.Used || c.Shop != sh.Domain || now.After(c.Expires) {
			shopifyJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
				"error_description": "The authorization code was not found or was already used"})
			return
		}
		c.Used = true
		sh.Installed, sh.Scope = true, c.Scope
		if form.Get("expiring") == "1" {
			pair := s.issuePair(sh, now, "")
			s.save()
			shopifyJSON(w, http.StatusOK, pair)
			return
		}
		token := "shpat_" + shopifyRandomHex(16)
		sh.Access[token] = &shopifyAccessToken{Scope: sh.Scope}
		s.save()
		shopifyJSON(w, http.StatusOK, map[string]any{"access_token": token, "scope": sh.Scope})
	case "refresh_token":
		old := form.Get("refresh_token")
		t, ok := sh.Refresh[old]
		refuse := func(why string) {
			shopifyJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": why})
		}
		switch {
		case !ok:
			refuse("The refresh token is not valid.")
			return
		case t.Retired:
			refuse("The refresh token has already been used.")
			return
		case !now.Before(t.Expires):
			refuse("The refresh token has expired.")
			return
		case t.Replacement != "" && (s.cfg.StrictRefreshRotation || now.Sub(t.FirstUsed) > 30*24*time.Hour):
			refuse("The refresh token has already been used.")
			return
		}
		if t.Replacement != "" {
			// A retry after a lost response: the pair issued then was never
			// used, and the new one takes its place.
			if lost, ok := sh.Refresh[t.Replacement]; ok {
				lost.Retired = true
			}
		}
		if t.FirstUsed.IsZero() {
			t.FirstUsed = now
		}
		// Using this token retires the one it replaced.
		if p, ok := sh.Refresh[t.Parent]; ok {
			p.Retired = true
		}
		pair := s.issuePair(sh, now, old)
		t.Replacement = pair["refresh_token"].(string)
		sh.RefreshCount++
		s.save()
		shopifyJSON(w, http.StatusOK, pair)
	default:
		shopifyJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type",
			"error_description": fmt.Sprintf("grant_type %q is not supported", grant)})
	}
}

// issuePair makes an expiring access token and a refresh token. Callers hold s.mu.
func (s *Shopify) issuePair(sh *shopifyShop, now time.Time, parent string) map[string]any {
	access := "shpat_" + shopifyRandomHex(16)
	refresh := "shprt_" + shopifyRandomHex(16)
	sh.Access[access] = &shopifyAccessToken{Scope: sh.Scope, Expires: now.Add(s.cfg.AccessTokenTTL)}
	sh.Refresh[refresh] = &shopifyRefreshToken{Scope: sh.Scope, Expires: now.Add(s.cfg.RefreshTokenTTL), Parent: parent}
	return map[string]any{
		"access_token":             access,
		"expires_in":               int64(s.cfg.AccessTokenTTL / time.Second),
		"refresh_token":            refresh,
		"refresh_token_expires_in": int64(s.cfg.RefreshTokenTTL / time.Second),
		"scope":                    sh.Scope,
	}
}

// shopifyReadForm reads a form or JSON body into url.Values (query parameters
// included, as Shopify also takes them there).
func shopifyReadForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return r.Form, nil
	}
	var body map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %v", err)
	}
	out := r.URL.Query()
	for k, v := range body {
		switch v := v.(type) {
		case string:
			out.Set(k, v)
		case json.Number:
			out.Set(k, v.String())
		case bool:
			out.Set(k, strconv.FormatBool(v))
		}
	}
	return out, nil
}

var (
	shopifyVersionPattern = regexp.MustCompile(`^([0-9]{4})-(01|04|07|10)$`)
	shopifyOpNamePattern  = regexp.MustCompile(`^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)`)
)

// servedVersion is the Admin API version that answers a request pinned to
// requested, or why the request is refused. Shopify releases a version at
// 17:00 UTC on the first day of each quarter and supports it for 12 months;
// the next quarter's is callable before as a release candidate, and
// "unstable" always. Anything else (a month that is not a quarter's first,
// a version further ahead than the release candidate) is Not Found.
// A retired version Shopify does not refuse: it answers it with the oldest
// version it still supports, and says so only in X-Shopify-API-Version. The
// stand-in refuses it instead (404, saying why), so that a pinned version
// that has run out shows in tests; Config.FallForward makes it answer as
// Shopify does.
func (s *Shopify) servedVersion(requested string) (served, refusal string) {
	if requested == "unstable" {
		return requested, ""
	}
	m := shopifyVersionPattern.FindStringSubmatch(requested)
	if m == nil {
		return "", "Not Found"
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	released := time.Date(year, time.Month(month), 1, 17, 0, 0, 0, time.UTC)
	now := s.clock.Now().UTC()
	switch {
	case released.Before(time.Date(2019, time.April, 1, 0, 0, 0, 0, time.UTC)):
		return "", "Not Found"
	case now.Before(released.AddDate(0, -3, 0)):
		return "", "Not Found" // not even a release candidate yet
	case now.Before(released.AddDate(1, 0, 0)):
		return requested, "" // supported, or the release candidate
	}
	// Retired. The oldest supported version is the one released nine
	// months before the latest.
	latest := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 17, 0, 0, 0, time.UTC)
	if now.Before(latest) {
		latest = latest.AddDate(0, -3, 0)
	}
	oldest := latest.AddDate(0, -9, 0).Format("2006-01")
	if s.cfg.FallForward {
		return oldest, ""
	}
	return "", fmt.Sprintf("API version %s is no longer supported: its support ended on %s. Shopify would answer it with %s, "+
		"the oldest version it supports; the sandbox refuses it (Config.FallForward answers as Shopify does).",
		requested, released.AddDate(1, 0, 0).Format("2006-01-02"), oldest)
}

// shopifyCost is what a query costs: Shopify's bucket is 2,000 points
// refilled at 100 a second (Standard plan) and refuses a single query over 1,000.
const (
	shopifyBucketMax   = 2000.0
	shopifyRestoreRate = 100.0
	shopifyMaxCost     = 1000
)

type shopifyGQLRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// handleGraphQL is the GraphQL Admin API, answering the adapter's operations
// by operation name.
func (s *Shopify) handleGraphQL(w http.ResponseWriter, r *http.Request) {
	version, refusal := s.servedVersion(r.PathValue("version"))
	if refusal != "" {
		shopifyJSON(w, http.StatusNotFound, map[string]string{"errors": refusal})
		return
	}
	var req shopifyGQLRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	decodeErr := dec.Decode(&req)

	s.mu.Lock()
	defer s.mu.Unlock()
	sh, ok := s.shopFor(r)
	if !ok {
		shopifyJSON(w, http.StatusNotFound, map[string]string{"errors": "Not Found"})
		return
	}
	tok, ok := sh.Access[r.Header.Get("X-Shopify-Access-Token")]
	if !ok || !sh.Installed || (!tok.Expires.IsZero() && !s.clock.Now().Before(tok.Expires)) {
		shopifyJSON(w, http.StatusUnauthorized, map[string]string{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
		return
	}
	w.Header().Set("X-Shopify-API-Version", version)
	if decodeErr != nil {
		shopifyJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"query": "Required parameter missing or invalid"}})
		return
	}
	op := req.OperationName
	if op == "" {
		if m := shopifyOpNamePattern.FindStringSubmatch(req.Query); m != nil {
			op = m[1]
		}
	}
	vars := shopifyVars(req.Variables)
	requested := shopifyRequestedCost(op, vars)
	if requested > shopifyMaxCost {
		shopifyJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{
			"message":    fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).", requested, shopifyMaxCost),
			"extensions": map[string]any{"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": shopifyMaxCost},
		}}})
		return
	}
	if sh.throttleNext > 0 {
		sh.throttleNext--
		shopifyJSON(w, http.StatusOK, map[string]any{
			"errors": []any{map[string]any{"message": "Throttled", "extensions": map[string]any{
				"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}},
			"extensions": map[string]any{"cost": shopifyCostReport(requested, nil, float64(max(requested-10, 0)))},
		})
		return
	}
	data, actual, gqlErr := s.runOperation(sh, version, tok.Scope, op, vars)
	sh.pointsSpent += actual
	s.save()
	if d := sh.answerDelay; d > 0 { // the work is done; the answer is late
		sh.answerDelay = 0
		s.mu.Unlock()
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
		s.mu.Lock()
	}
	if gqlErr != "" {
		shopifyJSON(w, http.StatusOK, map[string]any{"errors": []any{map[string]any{"message": gqlErr}},
			"extensions": map[string]any{"cost": shopifyCostReport(requested, &actual, shopifyBucketMax-float64(actual))}})
		return
	}
	shopifyJSON(w, http.StatusOK, map[string]any{"data": data,
		"extensions": map[string]any{"cost": shopifyCostReport(requested, &actual, shopifyBucketMax-float64(actual))}})
}

func shopifyCostReport(requested int, actual *int, available float64) map[string]any {
	return map[string]any{
		"requestedQueryCost": requested,
		"actualQueryCost":    actual,
		"throttleStatus": map[string]any{
			"maximumAvailable":   shopifyBucketMax,
			"currentlyAvailable": available,
			"restoreRate":        shopifyRestoreRate,
		},
	}
}

// shopifyVariables are a request's variables with typed getters.
type shopifyVariables map[string]any

func shopifyVars(v map[string]any) shopifyVariables {
	if v == nil {
		return shopifyVariables{}
	}
	return v
}

func (v shopifyVariables) str(k string) string {
	s, _ := v[k].(string)
	return s
}

func (v shopifyVariables) num(k string, def int) int {
	switch n := v[k].(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	case float64:
		return int(n)
	case int:
		return n
	}
	return def
}

func (v shopifyVariables) obj(k string) shopifyVariables {
	m, _ := v[k].(map[string]any)
	return shopifyVars(m)
}

// Cost of a product node: the product, featuredMedia, preview and image (one
// point each), and its variants connection (2 + first × (variant + inventory item)).
func shopifyProductCost(variants int) int { return 4 + 2 + 2*variants }

func shopifyRequestedCost(op string, v shopifyVariables) int {
	switch op {
	case "TroveShop":
		return 1
	case "TroveProduct":
		return 1 + shopifyProductCost(v.num("variantsFirst", 0))
	case "TroveProductVariants":
		return 1 + 2 + 2*v.num("first", 0)
	case "TroveInventoryItemProduct":
		return 3
	case "TroveWebhookSubscriptionCreate", "TroveBulkRun":
		return 10
	case "TroveBulkOperation":
		return 1
	case "TroveOrderByReference", "TroveOrderCreate", "TroveOrder":
		return shopifyOrderRequestedCost(op)
	}
	return 1
}

// runOperation answers one operation. It returns the data, its actual cost,
// and a GraphQL error message instead when the request is not valid. Callers
// hold s.mu.
func (s *Shopify) runOperation(sh *shopifyShop, version, scope, op string, v shopifyVariables) (any, int, string) {
	switch op {
	case "TroveShop":
		return map[string]any{"shop": map[string]any{"name": sh.Name, "currencyCode": sh.Currency, "myshopifyDomain": sh.Domain}}, 1, ""

	case "TroveProduct":
		vf := v.num("variantsFirst", 0)
		if vf < 1 || vf > 250 {
			return nil, 1, "variantsFirst must be between 1 and 250"
		}
		data := map[string]any{"shop": map[string]any{"currencyCode": sh.Currency}, "product": nil}
		id, ok := shopifyParseGID("Product", v.str("id"))
		if !ok || !strings.HasPrefix(v.str("id"), "gid://shopify/Product/") {
			return nil, 1, fmt.Sprintf("Invalid global id '%s'", v.str("id"))
		}
		p, ok := sh.Products[id]
		if !ok {
			return data, 2, ""
		}
		node, cost, _ := sh.gqlProduct(p, vf, 0)
		data["product"] = node
		return data, 1 + cost, ""

	case "TroveProductVariants":
		first := v.num("first", 0)
		if first < 1 || first > 250 {
			return nil, 1, "first must be between 1 and 250"
		}
		id, ok := shopifyParseGID("Product", v.str("id"))
		if !ok || !strings.HasPrefix(v.str("id"), "gid://shopify/Product/") {
			return nil, 1, fmt.Sprintf("Invalid global id '%s'", v.str("id"))
		}
		after := int64(0)
		if c := v.str("after"); c != "" {
			if after, ok = shopifyDecodeCursor(c); !ok {
				return nil, 1, "Invalid cursor for current pagination sort."
			}
		}
		p, ok := sh.Products[id]
		if !ok {
			return map[string]any{"product": nil}, 1, ""
		}
		_, cost, variants := sh.gqlProduct(p, first, after)
		return map[string]any{"product": map[string]any{"variants": variants}}, 1 + cost - 4, ""

	case "TroveInventoryItemProduct":
		id, ok := shopifyParseGID("InventoryItem", v.str("id"))
		if !ok || !strings.HasPrefix(v.str("id"), "gid://shopify/InventoryItem/") {
			return nil, 1, fmt.Sprintf("Invalid global id '%s'", v.str("id"))
		}
		vid, ok := sh.ItemOf[id]
		if !ok {
			return map[string]any{"inventoryItem": nil}, 1, ""
		}
		return map[string]any{"inventoryItem": map[string]any{
			"id": shopifyGID("InventoryItem", id),
			"variant": map[string]any{
				"id":      shopifyGID("ProductVariant", vid),
				"product": map[string]any{"id": shopifyGID("Product", sh.VariantOf[vid])},
			},
		}}, 3, ""

	case "TroveWebhookSubscriptionCreate":
		return s.subscribe(sh, version, v), 10, ""

	case "TroveBulkRun":
		return s.bulkRun(sh, scope, v), 10, ""

	case "TroveBulkOperation":
		data, gqlErr := s.bulkOperation(sh, v)
		return data, 1, gqlErr

	case "TroveOrderByReference", "TroveOrderCreate", "TroveOrder":
		return s.runOrderOperation(sh, scope, op, v)
	}
	return nil, 1, fmt.Sprintf("sandbox shopify: operation %q is not one the sandbox answers", op)
}

// gqlProduct renders a product node with up to variantsFirst variants after
// the variant id after. It also returns the node's cost and the variants
// connection alone.
func (sh *shopifyShop) gqlProduct(p *shopifyProduct, variantsFirst int, after int64) (map[string]any, int, map[string]any) {
	var media any
	if p.ImageURL != "" {
		media = map[string]any{"preview": map[string]any{"image": map[string]any{"url": p.ImageURL}}}
	}
	nodes := []any{}
	more := false
	var last int64
	started := after == 0
	for _, v := range p.Variants {
		if !started {
			started = v.ID == after
			continue
		}
		if len(nodes) == variantsFirst {
			more = true
			break
		}
		nodes = append(nodes, map[string]any{
			"id":                shopifyGID("ProductVariant", v.ID),
			"sku":               v.Sku,
			"title":             v.Title,
			"price":             v.Price,
			"inventoryQuantity": v.Available,
			"inventoryItem":     map[string]any{"id": shopifyGID("InventoryItem", v.ItemID)},
		})
		last = v.ID
	}
	variants := map[string]any{"pageInfo": shopifyPageInfo(more, last), "nodes": nodes}
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	node := map[string]any{
		"id":            shopifyGID("Product", p.ID),
		"title":         p.Title,
		"description":   p.Description,
		"status":        p.Status,
		"tags":          tags,
		"updatedAt":     p.UpdatedAt.UTC().Truncate(time.Second).Format(time.RFC3339),
		"featuredMedia": media,
		"variants":      variants,
	}
	return node, shopifyProductCost(len(nodes)), variants
}

func shopifyPageInfo(more bool, last int64) map[string]any {
	var end any
	if last != 0 {
		end = shopifyEncodeCursor(last)
	}
	return map[string]any{"hasNextPage": more, "endCursor": end}
}

// Cursors are opaque to clients; these are base64 JSON, like Shopify's.
func shopifyEncodeCursor(id int64) string {
	b, _ := json.Marshal(map[string]int64{"last_id": id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func shopifyDecodeCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	var v struct {
		LastID int64 `json:"last_id"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil || v.LastID <= 0 {
		return 0, false
	}
	return v.LastID, true
}

// shopifyTopics maps WebhookSubscriptionTopic values to the topic names
// deliveries carry. Compliance topics are not in the enum: they are set in
// the app's configuration.
var shopifyTopics = map[string]string{
	"PRODUCTS_CREATE":             "products/create",
	"PRODUCTS_UPDATE":             "products/update",
	"PRODUCTS_DELETE":             "products/delete",
	"INVENTORY_LEVELS_UPDATE":     "inventory_levels/update",
	"INVENTORY_LEVELS_CONNECT":    "inventory_levels/connect",
	"INVENTORY_LEVELS_DISCONNECT": "inventory_levels/disconnect",
	"INVENTORY_ITEMS_UPDATE":      "inventory_items/update",
	"APP_UNINSTALLED":             "app/uninstalled",
	"SHOP_UPDATE":                 "shop/update",
	"ORDERS_CREATE":               "orders/create",
	"ORDERS_UPDATED":              "orders/updated",
	"ORDERS_CANCELLED":            "orders/cancelled",
	"ORDERS_FULFILLED":            "orders/fulfilled",
	"FULFILLMENTS_CREATE":         "fulfillments/create",
	"FULFILLMENTS_UPDATE":         "fulfillments/update",
}

// subscribe is webhookSubscriptionCreate. Callers hold s.mu.
func (s *Shopify) subscribe(sh *shopifyShop, version string, v shopifyVariables) map[string]any {
	fail := func(field []string, msg string) map[string]any {
		return map[string]any{"webhookSubscriptionCreate": map[string]any{
			"webhookSubscription": nil,
			"userErrors":          []any{map[string]any{"field": field, "message": msg}},
		}}
	}
	topic, ok := shopifyTopics[v.str("topic")]
	if !ok {
		return fail([]string{"topic"}, fmt.Sprintf("Topic %q is not supported by the sandbox", v.str("topic")))
	}
	in := v.obj("webhookSubscription")
	uri, field := in.str("uri"), "uri"
	if uri == "" {
		uri, field = in.str("callbackUrl"), "callbackUrl"
	}
	if u, err := url.Parse(uri); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail([]string{"webhookSubscription", field}, "Address is invalid")
	}
	if f := in.str("format"); f != "" && f != "JSON" {
		return fail([]string{"webhookSubscription", "format"}, "The sandbox sends JSON only")
	}
	for _, sub := range sh.Subs {
		if sub.Topic == topic && sub.URI == uri {
			return fail([]string{"webhookSubscription", field}, "Address for this topic has already been taken")
		}
	}
	sub := &Subscription{ID: shopifyGID("WebhookSubscription", s.newID()), Topic: topic, URI: uri, APIVersion: version}
	sh.Subs = append(sh.Subs, sub)
	sh.LastWebhookURI, sh.LastWebhookVersion = uri, version
	return map[string]any{"webhookSubscriptionCreate": map[string]any{
		"webhookSubscription": map[string]any{"id": sub.ID, "topic": v.str("topic"), "uri": uri},
		"userErrors":          []any{},
	}}
}
