package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
)

// access says who may call a route.
type access int

const (
	public        access = iota // anyone, signed in or not
	anyUser                     // any signed-in user
	vendorUser                  // vendor owners and staff, on their own vendor
	vendorOwner                 // vendor owners, on their own vendor
	platformAdmin               // platform admins
	shopper                     // guests (by their cart token) and buyers, on their own carts and orders
	buyerOnly                   // signed-in buyers, on their own data
)

// routeAccess is every API route with who may call it and a body to send.
// TestIsolation fails for a route the router has and this table lacks, so a
// new route cannot escape the walk.
var routeAccess = map[string]struct {
	who  access
	body any
}{
	"POST /api/v1/auth/login":                                  {public, nil},
	"POST /api/v1/auth/refresh":                                {public, nil},
	"POST /api/v1/auth/signup":                                 {public, nil},
	"POST /api/v1/auth/password-reset":                         {public, nil},
	"POST /api/v1/auth/password-reset/confirm":                 {public, nil},
	"POST /api/v1/auth/invites/accept":                         {public, nil},
	"GET /api/v1/store/categories":                             {public, nil},
	"GET /api/v1/store/products":                               {public, nil},
	"GET /api/v1/store/products/{productID}":                   {public, nil},
	"GET /api/v1/store/bundles":                                {public, nil},
	"GET /api/v1/store/bundles/{bundleID}":                     {public, nil},
	"POST /api/v1/store/carts":                                 {public, nil},
	"GET /api/v1/store/carts/{cartID}":                         {shopper, nil},
	"PATCH /api/v1/store/carts/{cartID}":                       {shopper, map[string]any{"gift_message": "hijacked"}},
	"POST /api/v1/store/carts/{cartID}/lines":                  {shopper, map[string]any{"variant_id": "var_x", "quantity": 1}},
	"PATCH /api/v1/store/carts/{cartID}/lines/{lineID}":        {shopper, map[string]any{"quantity": 2}},
	"DELETE /api/v1/store/carts/{cartID}/lines/{lineID}":       {shopper, nil},
	"POST /api/v1/store/carts/{cartID}/checkout":               {shopper, nil},
	"GET /api/v1/store/orders/{orderID}":                       {shopper, nil},
	"GET /api/v1/store/orders":                                 {buyerOnly, nil},
	"GET /api/v1/store/subscriptions":                          {buyerOnly, nil},
	"POST /api/v1/store/subscriptions":                         {buyerOnly, map[string]any{"bundle_id": "bun_x", "interval": "monthly"}},
	"POST /api/v1/store/subscriptions/{subscriptionID}/cancel": {buyerOnly, nil},
	"GET /api/v1/auth/me":                                      {anyUser, nil},
	"POST /api/v1/auth/logout":                                 {anyUser, nil},
	"POST /api/v1/auth/logout-all":                             {anyUser, nil},

	"GET /api/v1/vendor/profile":                        {vendorUser, nil},
	"GET /api/v1/vendor/shopify":                        {vendorUser, nil},
	"GET /api/v1/vendor/catalog/products":               {vendorUser, nil},
	"GET /api/v1/vendor/catalog/products/{productID}":   {vendorUser, nil},
	"PATCH /api/v1/vendor/catalog/products/{productID}": {vendorUser, map[string]any{"listed": true}},
	"POST /api/v1/vendor/catalog/resync":                {vendorUser, nil},
	"POST /api/v1/vendor/shopify/connect":               {vendorOwner, map[string]any{"shop": "evil.myshopify.com"}},
	"GET /api/v1/vendor/team":                           {vendorUser, nil},
	"PATCH /api/v1/vendor/profile":                      {vendorOwner, map[string]any{"name": "Hijacked"}},
	"POST /api/v1/vendor/team/invites":                  {vendorOwner, map[string]any{"email": "spy@evil.example", "role": "vendor_owner"}},
	"DELETE /api/v1/vendor/team/invites/{inviteID}":     {vendorOwner, nil},
	"PATCH /api/v1/vendor/team/members/{userID}":        {vendorOwner, map[string]any{"role": "vendor_owner"}},
	"DELETE /api/v1/vendor/team/members/{userID}":       {vendorOwner, nil},

	"GET /api/v1/admin/vendors":                                   {platformAdmin, nil},
	"POST /api/v1/admin/vendors":                                  {platformAdmin, map[string]any{"slug": "evil", "name": "Evil", "contact_email": "e@evil.example"}},
	"GET /api/v1/admin/vendors/{vendorID}":                        {platformAdmin, nil},
	"PATCH /api/v1/admin/vendors/{vendorID}":                      {platformAdmin, map[string]any{"commission_bps": 0}},
	"POST /api/v1/admin/vendors/{vendorID}/invites":               {platformAdmin, map[string]any{"email": "spy@evil.example", "role": "vendor_owner"}},
	"GET /api/v1/admin/users":                                     {platformAdmin, nil},
	"POST /api/v1/admin/users/{userID}/disable":                   {platformAdmin, nil},
	"POST /api/v1/admin/users/{userID}/enable":                    {platformAdmin, nil},
	"GET /api/v1/admin/audit":                                     {platformAdmin, nil},
	"GET /api/v1/admin/orders/{orderID}/refunds":                  {platformAdmin, nil},
	"POST /api/v1/admin/orders/{orderID}/refunds":                 {platformAdmin, map[string]any{"reason": "hijack"}},
	"GET /api/v1/vendor/orders/{vendorOrderID}/refunds":           {vendorUser, nil},
	"GET /api/v1/vendor/orders":                                   {vendorUser, nil},
	"GET /api/v1/vendor/finance/balance":                          {vendorUser, nil},
	"GET /api/v1/vendor/finance/entries":                          {vendorUser, nil},
	"GET /api/v1/vendor/finance/orders":                           {vendorUser, nil},
	"GET /api/v1/vendor/finance/payouts":                          {vendorUser, nil},
	"GET /api/v1/vendor/finance/payouts/{payoutID}":               {vendorUser, nil},
	"GET /api/v1/vendor/finance/account":                          {vendorUser, nil},
	"POST /api/v1/vendor/finance/account/onboarding":              {vendorOwner, nil},
	"GET /api/v1/admin/payouts/cycles":                            {platformAdmin, nil},
	"POST /api/v1/admin/payouts/cycles":                           {platformAdmin, nil},
	"GET /api/v1/admin/payouts":                                   {platformAdmin, nil},
	"GET /api/v1/admin/payouts/{payoutID}":                        {platformAdmin, nil},
	"POST /api/v1/admin/payouts/{payoutID}/retry":                 {platformAdmin, nil},
	"POST /api/v1/admin/vendors/{vendorID}/ledger/adjustments":    {platformAdmin, map[string]any{"amount": map[string]any{"amount": 100, "currency": "USD"}, "reason": "x"}},
	"GET /api/v1/admin/xero":                                      {platformAdmin, nil},
	"POST /api/v1/admin/xero/connect":                             {platformAdmin, nil},
	"POST /api/v1/admin/xero/tenant":                              {platformAdmin, map[string]any{"tenant_id": "x"}},
	"GET /api/v1/admin/reconciliation":                            {platformAdmin, nil},
	"POST /api/v1/admin/reconciliation/check":                     {platformAdmin, map[string]any{}},
	"GET /api/v1/vendor/orders/{vendorOrderID}":                   {vendorUser, nil},
	"POST /api/v1/vendor/orders/{vendorOrderID}/fulfilment":       {vendorUser, map[string]any{"status": "shipped"}},
	"GET /api/v1/vendor/orders/{vendorOrderID}/manifest":          {vendorUser, nil},
	"POST /api/v1/vendor/manifests/batch":                         {vendorUser, map[string]any{"date": "2026-11-24"}},
	"GET /api/v1/admin/vendor-orders/{vendorOrderID}":             {platformAdmin, nil},
	"POST /api/v1/admin/vendor-orders/{vendorOrderID}/fulfilment": {platformAdmin, map[string]any{"status": "shipped"}},
	"GET /api/v1/admin/vendor-orders/{vendorOrderID}/manifest":    {platformAdmin, nil},
	"POST /api/v1/vendor/orders/{vendorOrderID}/refunds":          {vendorUser, map[string]any{"lines": []map[string]any{{"line_id": "oln_x", "quantity": 1}}, "restock": true, "reason": "hijack"}},
	"GET /api/v1/admin/shopify/connections":                       {platformAdmin, nil},
	"GET /api/v1/admin/catalog/products":                          {platformAdmin, nil},
	"GET /api/v1/admin/catalog/products/{productID}":              {platformAdmin, nil},
	"POST /api/v1/admin/catalog/products/{productID}/hide":        {platformAdmin, nil},
	"POST /api/v1/admin/catalog/products/{productID}/unhide":      {platformAdmin, nil},
	"GET /api/v1/admin/catalog/bundles":                           {platformAdmin, nil},
	"POST /api/v1/admin/catalog/bundles":                          {platformAdmin, map[string]any{"name": "x"}},
	"GET /api/v1/admin/catalog/bundles/{bundleID}":                {platformAdmin, nil},
	"PATCH /api/v1/admin/catalog/bundles/{bundleID}":              {platformAdmin, map[string]any{"name": "x"}},
	"GET /api/v1/admin/jobs/dead":                                 {platformAdmin, nil},
	"POST /api/v1/admin/jobs/retry":                               {platformAdmin, map[string]any{"kind": "jobs.prune"}},
	"POST /api/v1/admin/jobs/{jobID}/retry":                       {platformAdmin, nil},
	"POST /api/v1/admin/jobs/{jobID}/discard":                     {platformAdmin, map[string]any{"reason": "x"}},
	"POST /api/v1/admin/jobs/dlq/redrive":                         {platformAdmin, nil},
}

// snapshot checksums every table, to prove a refused request changed nothing.
// The scheduler's own jobs (and the payout cycles they run) come and go on
// their own clock while the walk runs: the jobs table is summed without
// them, and payout_cycles is left out.
func snapshot(t *testing.T, p *people) string {
	t.Helper()
	var tables []string
	if err := p.db.Select(&tables, `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()
		AND table_name NOT IN ('jobs', 'payout_cycles') ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	rows, err := p.db.Query(`CHECKSUM TABLE ` + strings.Join(tables, ", "))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name string
		var sum *int64
		rows.Scan(&name, &sum)
		fmt.Fprintf(&b, "%s=%v;", name, *sum)
	}
	var scheduled []string
	for _, sc := range schedules(Config{Payouts: PayoutConfig{Schedule: "@daily"}}) {
		scheduled = append(scheduled, sc.Job(time.Now()).Kind())
	}
	q, args, _ := sqlx.In(`SELECT COUNT(*) FROM jobs WHERE kind NOT IN (?)`, scheduled)
	var jobs int
	if err := p.db.Get(&jobs, q, args...); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "jobs=%d;", jobs)
	return b.String()
}

// TestIsolation walks every route of the router. Signed out, guarded routes
// answer 401; a buyer gets 403 from vendor and operator routes; a vendor user
// gets 403 from operator routes and, on vendor routes that take an id, 404 for
// another vendor's object. None of these refusals changes anything.
func TestIsolation(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	s := startServer(t, baseEnv(dsn))

	// Vendor B's objects, which vendor A's users must not reach.
	const inviteB = "inv_b"
	if _, err := p.db.Exec(`INSERT INTO invites (id, vendor_id, email, email_lower, role, token_hash, invited_by, created_at, expires_at)
		VALUES ('inv_b', ?, 'x@b.example', 'x@b.example', 'vendor_staff', REPEAT('a', 64), ?, NOW(6), NOW(6) + INTERVAL 1 DAY)`,
		p.vendorB.ID, p.ownerB.ID); err != nil {
		t.Fatal(err)
	}
	productB, err := catalog.NewStore(catalog.Deps{DB: p.db, Clock: clock.System{}}).Upsert(context.Background(), catalog.Product{VendorID: p.vendorB.ID,
		ShopifyProductID: "gid://shopify/Product/9", Title: "B's mug", Listed: true,
		Variants: []catalog.Variant{{ShopifyVariantID: "gid://shopify/ProductVariant/91", Title: "Blue", Price: money.Money{Amount: 900, Currency: "USD"}, StockOnHand: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	viewB, err := catalog.NewStore(catalog.Deps{DB: p.db, Clock: clock.System{}}).Product(context.Background(), "", productB)
	if err != nil {
		t.Fatal(err)
	}
	bundle := p.bundle(t, viewB.Variants[0].ID)
	// A guest's cart (made through the API, as a guest would), which no one
	// else may read or change.
	res, body := call(t, s, "", "POST", "/api/v1/store/carts", map[string]any{})
	var created struct {
		Cart struct {
			ID string `json:"id"`
		} `json:"cart"`
	}
	if err := json.Unmarshal(body, &created); err != nil || res.StatusCode != 201 || created.Cart.ID == "" {
		t.Fatalf("guest cart: %d %s", res.StatusCode, body)
	}
	guestCart := created.Cart
	params := map[string]string{"vendorID": p.vendorB.ID, "userID": p.staffB.ID, "inviteID": inviteB, "jobID": "job_x",
		"productID": productB, "bundleID": bundle, "cartID": guestCart.ID, "lineID": "cln_x", "orderID": "ord_x", "subscriptionID": "sub_x", "vendorOrderID": "vor_x", "payoutID": "pyo_x"}

	tokens := map[string]string{}
	for _, u := range []string{p.buyer.Email, p.ownerA.Email, p.staffA.Email} {
		tokens[u] = signIn(t, s, u)
	}

	r := routes(&deps{metrics: prometheus.NewRegistry()})
	seen := map[string]bool{}
	refusals := 0
	err = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/") || strings.HasSuffix(route, "/*") {
			return nil
		}
		key := method + " " + route
		seen[key] = true
		rule, ok := routeAccess[key]
		if !ok {
			t.Errorf("%s is not in routeAccess: add it, saying who may call it", key)
			return nil
		}
		path := route
		for name, val := range params {
			path = strings.ReplaceAll(path, "{"+name+"}", val)
		}
		if strings.Contains(path, "{") {
			t.Errorf("%s has a parameter the walk cannot fill: add it to params", key)
			return nil
		}
		try := func(who, bearer string, want ...int) {
			t.Helper()
			refusals++
			before := snapshot(t, p)
			res, body := call(t, s, bearer, method, path, rule.body)
			if !contains(want, res.StatusCode) {
				t.Errorf("%s as %s: %d, want %v: %s", key, who, res.StatusCode, want, body)
			}
			if after := snapshot(t, p); after != before {
				t.Errorf("%s as %s was refused but changed the database", key, who)
			}
		}
		switch rule.who {
		case public:
			return nil
		case anyUser:
			try("nobody", "", 401)
		case vendorUser, vendorOwner:
			try("nobody", "", 401)
			try("a buyer", tokens[p.buyer.Email], 403)
			if strings.Contains(route, "{") {
				// Another vendor's object: not found, never forbidden (which
				// would confirm it exists).
				try("vendor A's owner on vendor B's object", tokens[p.ownerA.Email], 404)
			}
			if rule.who == vendorOwner {
				try("vendor A's staff", tokens[p.staffA.Email], 403)
			}
		case shopper:
			// Without the cart's token or its owner's session, it is not there.
			try("nobody", "", 404)
			try("another buyer", tokens[p.buyer.Email], 404)
			try("a vendor owner", tokens[p.ownerA.Email], 403)
		case buyerOnly:
			try("nobody", "", 401)
			try("a vendor owner", tokens[p.ownerA.Email], 403)
		case platformAdmin:
			try("nobody", "", 401)
			try("a buyer", tokens[p.buyer.Email], 403)
			try("a vendor owner", tokens[p.ownerA.Email], 403)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d routes walked, %d refusals checked", len(seen), refusals)
	for key := range routeAccess {
		if !seen[key] {
			t.Errorf("routeAccess lists %s, which the router does not have", key)
		}
	}
	// A vendor's scope never comes from the request: the profile a vendor
	// user reads is always their own, whatever they send.
	res, body = call(t, s, tokens[p.ownerA.Email], "GET", "/api/v1/vendor/profile?vendor_id="+p.vendorB.ID, nil)
	if res.StatusCode != 200 || !strings.Contains(string(body), p.vendorA.ID) || strings.Contains(string(body), p.vendorB.ID) {
		t.Fatalf("profile: %d %s", res.StatusCode, body)
	}
	res, body = call(t, s, tokens[p.ownerA.Email], "GET", "/api/v1/vendor/team", nil)
	if res.StatusCode != 200 || strings.Contains(string(body), p.staffB.Email) || strings.Contains(string(body), "x@b.example") {
		t.Fatalf("team shows another vendor's people: %s", body)
	}
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
