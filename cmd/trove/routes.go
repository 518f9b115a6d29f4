package main

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/health"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/ratelimit"
	"github.com/trove-platform/trove/internal/sandbox/inbox"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
	"github.com/trove-platform/trove/web"
)

// routes lists EVERY HTTP route of the platform. Middleware that must see every
// answer (request id, access log, metrics, panic recovery) wraps the router in
// serve.
func routes(d *deps) chi.Router {
	r := chi.NewRouter()
	r.NotFound(httpx.NotFound().ServeHTTP)
	r.MethodNotAllowed(httpx.MethodNotAllowed(r).ServeHTTP)

	// Operations.
	r.Method(http.MethodGet, "/healthz", health.Live())
	r.Method(http.MethodGet, "/readyz", health.Ready(readyTimeout, d.readyChecks...))
	if d.metricsOwn {
		r.Handle("/metrics", httpx.NotFound()) // not the storefront's page either
	} else {
		r.Method(http.MethodGet, "/metrics", metricsHandler(d.metrics))
	}

	// REST API. Unknown paths under /api answer problem+json 404, never an
	// app's index page. Who may call what: docs/access.md.
	r.Route("/api", func(r chi.Router) {
		r.Use(d.auth.Authenticate)
		r.HandleFunc("/*", httpx.NotFound().ServeHTTP)

		// Sessions and accounts.
		r.Route("/v1/auth", func(r chi.Router) {
			r.Method(http.MethodPost, "/login", auth.HandleLogin(d.auth, d.proxies))
			r.Method(http.MethodPost, "/refresh", auth.HandleRefresh(d.auth))
			r.Group(func(r chi.Router) {
				r.Use(d.accountRequests.Middleware(clientAddress(d.proxies), "too many account requests from your network"))
				r.Method(http.MethodPost, "/signup", auth.HandleSignup(d.auth))
				r.Method(http.MethodPost, "/password-reset", auth.HandleRequestReset(d.auth))
				r.Method(http.MethodPost, "/password-reset/confirm", auth.HandleConfirmReset(d.auth))
				r.Method(http.MethodPost, "/invites/accept", auth.HandleAcceptInvite(d.auth))
			})
			r.Group(func(r chi.Router) {
				r.Use(auth.RequireRole(auth.AllRoles...))
				r.Method(http.MethodGet, "/me", auth.HandleMe(d.auth))
				r.Method(http.MethodPost, "/logout", auth.HandleLogout(d.auth, false))
				r.Method(http.MethodPost, "/logout-all", auth.HandleLogout(d.auth, true))
			})
		})

		// The public catalog (buyers, signed in or not).
		r.Route("/v1/store", func(r chi.Router) {
			r.Method(http.MethodGet, "/categories", catalog.HandleCategories())
			r.Method(http.MethodGet, "/products", catalog.HandleStoreProducts(d.catalog))
			r.Method(http.MethodGet, "/products/{productID}", catalog.HandleStoreProduct(d.catalog))
			r.Method(http.MethodGet, "/bundles", catalog.HandleStoreBundles(d.catalog))
			r.Method(http.MethodGet, "/bundles/{bundleID}", catalog.HandleStoreBundle(d.catalog))
			// Carts and checkout: guests by X-Cart-Token, or signed-in buyers.
			r.With(d.guestCarts.Middleware(guestAddress(d.proxies), "too many new carts from your network")).
				Method(http.MethodPost, "/carts", orders.HandleCreateCart(d.orders))
			r.Method(http.MethodGet, "/carts/{cartID}", orders.HandleGetCart(d.orders))
			r.Method(http.MethodPatch, "/carts/{cartID}", orders.HandleUpdateCart(d.orders))
			r.Method(http.MethodPost, "/carts/{cartID}/lines", orders.HandleAddLine(d.orders))
			r.Method(http.MethodPatch, "/carts/{cartID}/lines/{lineID}", orders.HandleUpdateLine(d.orders))
			r.Method(http.MethodDelete, "/carts/{cartID}/lines/{lineID}", orders.HandleRemoveLine(d.orders))
			r.Method(http.MethodPost, "/carts/{cartID}/checkout", orders.HandleCheckout(d.orders))
			r.Method(http.MethodGet, "/orders/{orderID}", orders.HandleGetOrder(d.orders))
			r.With(auth.RequireRole(auth.RoleBuyer)).Method(http.MethodGet, "/orders", orders.HandleListOrders(d.orders))
			// Corporate gifting plans: signed-in buyers, their own only.
			r.Group(func(r chi.Router) {
				r.Use(auth.RequireRole(auth.RoleBuyer))
				r.Method(http.MethodGet, "/subscriptions", subscriptions.HandleListSubscriptions(d.subscriptions))
				r.Method(http.MethodPost, "/subscriptions", subscriptions.HandleSubscribe(d.subscriptions))
				r.Method(http.MethodPost, "/subscriptions/{subscriptionID}/cancel", subscriptions.HandleCancelSubscription(d.subscriptions))
			})
		})

		// Vendor users: the vendor is always the one of their session.
		r.Route("/v1/vendor", func(r chi.Router) {
			r.Use(auth.RequireRole(auth.RoleVendorOwner, auth.RoleVendorStaff))
			r.Method(http.MethodGet, "/profile", vendors.HandleOwnProfile(d.vendors))
			r.Method(http.MethodGet, "/team", auth.HandleTeam(d.auth))
			r.Method(http.MethodGet, "/shopify", vendors.HandleShopifyStatus(d.shopifyConns))
			r.Method(http.MethodGet, "/catalog/products", catalog.HandleVendorProducts(d.catalog))
			r.Method(http.MethodGet, "/catalog/products/{productID}", catalog.HandleVendorProduct(d.catalog))
			r.Method(http.MethodPatch, "/catalog/products/{productID}", catalog.HandleCurate(d.catalog))
			r.Method(http.MethodPost, "/catalog/resync", catalog.HandleResync(d.catalogSync.Resync))
			r.Method(http.MethodGet, "/orders", fulfilment.HandleVendorOrders(d.fulfilment))
			r.Method(http.MethodGet, "/orders/{vendorOrderID}", fulfilment.HandleVendorOrder(d.fulfilment))
			r.Method(http.MethodPost, "/orders/{vendorOrderID}/fulfilment", fulfilment.HandleUpdate(d.fulfilment))
			r.Method(http.MethodGet, "/orders/{vendorOrderID}/manifest", fulfilment.HandleManifest(d.fulfilment))
			r.Method(http.MethodPost, "/manifests/batch", fulfilment.HandleBatch(d.fulfilment))
			r.Method(http.MethodGet, "/finance/balance", payouts.HandleBalance(d.payouts))
			r.Method(http.MethodGet, "/finance/entries", payouts.HandleEntries(d.payouts))
			r.Method(http.MethodGet, "/finance/orders", payouts.HandleOrderSummaries(d.payouts))
			r.Method(http.MethodGet, "/finance/payouts", payouts.HandleVendorPayouts(d.payouts))
			r.Method(http.MethodGet, "/finance/payouts/{payoutID}", payouts.HandleVendorPayout(d.payouts))
			r.Method(http.MethodGet, "/finance/account", payouts.HandleAccount(d.payouts))
			r.Method(http.MethodGet, "/orders/{vendorOrderID}/refunds", payments.HandleVendorOrderRefunds(d.refunds))
			r.Method(http.MethodPost, "/orders/{vendorOrderID}/refunds", payments.HandleCreateVendorRefund(d.refunds))
			r.Group(func(r chi.Router) {
				r.Use(auth.RequireRole(auth.RoleVendorOwner))
				r.Method(http.MethodPatch, "/profile", vendors.HandleUpdateOwnProfile(d.vendors))
				r.Method(http.MethodPost, "/shopify/connect", vendors.HandleShopifyConnect(d.shopifyInstaller))
				r.Method(http.MethodPost, "/finance/account/onboarding", payouts.HandleOnboard(d.payouts))
				r.Method(http.MethodPost, "/team/invites", auth.HandleInvite(d.auth))
				r.Method(http.MethodDelete, "/team/invites/{inviteID}", auth.HandleRevokeInvite(d.auth))
				r.Method(http.MethodPatch, "/team/members/{userID}", auth.HandleSetMemberRole(d.auth))
				r.Method(http.MethodDelete, "/team/members/{userID}", auth.HandleRemoveMember(d.auth))
			})
		})

		// Operators.
		r.Route("/v1/admin", func(r chi.Router) {
			r.Use(auth.RequireRole(auth.RolePlatformAdmin))
			r.Method(http.MethodGet, "/vendors", vendors.HandleList(d.vendors))
			r.Method(http.MethodPost, "/vendors", vendors.HandleCreate(d.vendors))
			r.Method(http.MethodGet, "/vendors/{vendorID}", vendors.HandleGet(d.vendors))
			r.Method(http.MethodPatch, "/vendors/{vendorID}", vendors.HandleUpdate(d.vendors))
			r.Method(http.MethodPost, "/vendors/{vendorID}/invites", auth.HandleInvite(d.auth))
			r.Method(http.MethodGet, "/shopify/connections", vendors.HandleListConnections(d.shopifyConns))
			r.Method(http.MethodGet, "/catalog/products", catalog.HandleAdminProducts(d.catalog))
			r.Method(http.MethodGet, "/catalog/products/{productID}", catalog.HandleAdminProduct(d.catalog))
			r.Method(http.MethodPost, "/catalog/products/{productID}/hide", catalog.HandleSetHidden(d.catalog, true))
			r.Method(http.MethodPost, "/catalog/products/{productID}/unhide", catalog.HandleSetHidden(d.catalog, false))
			r.Method(http.MethodGet, "/catalog/bundles", catalog.HandleAdminBundles(d.catalog))
			r.Method(http.MethodPost, "/catalog/bundles", catalog.HandleCreateBundle(d.catalog))
			r.Method(http.MethodGet, "/catalog/bundles/{bundleID}", catalog.HandleAdminBundle(d.catalog))
			r.Method(http.MethodPatch, "/catalog/bundles/{bundleID}", catalog.HandleUpdateBundle(d.catalog))
			r.Method(http.MethodGet, "/users", auth.HandleListUsers(d.auth))
			r.Method(http.MethodPost, "/users/{userID}/disable", auth.HandleSetDisabled(d.auth, true))
			r.Method(http.MethodPost, "/users/{userID}/enable", auth.HandleSetDisabled(d.auth, false))
			r.Method(http.MethodGet, "/audit", audit.HandleQuery(d.db))
			r.Method(http.MethodGet, "/orders/{orderID}/refunds", payments.HandleOrderRefunds(d.refunds))
			r.Method(http.MethodPost, "/orders/{orderID}/refunds", payments.HandleCreateOrderRefund(d.refunds))
			r.Method(http.MethodGet, "/vendor-orders/{vendorOrderID}", fulfilment.HandleVendorOrder(d.fulfilment))
			r.Method(http.MethodPost, "/vendor-orders/{vendorOrderID}/fulfilment", fulfilment.HandleUpdate(d.fulfilment))
			r.Method(http.MethodGet, "/vendor-orders/{vendorOrderID}/manifest", fulfilment.HandleManifest(d.fulfilment))
			r.Method(http.MethodGet, "/payouts/cycles", payouts.HandleCycles(d.payouts))
			r.Method(http.MethodPost, "/payouts/cycles", payouts.HandleRunCycle(d.payouts))
			r.Method(http.MethodGet, "/payouts", payouts.HandlePayouts(d.payouts))
			r.Method(http.MethodGet, "/payouts/{payoutID}", payouts.HandlePayout(d.payouts))
			r.Method(http.MethodPost, "/payouts/{payoutID}/retry", invoicing.HandleRetry(d.invoicing))
			r.Method(http.MethodPost, "/vendors/{vendorID}/ledger/adjustments", payouts.HandleAdjust(d.payouts))
			r.Method(http.MethodGet, "/xero", invoicing.HandleConnection(d.invoicing))
			r.Method(http.MethodPost, "/xero/connect", invoicing.HandleConnect(d.invoicing))
			r.Method(http.MethodPost, "/xero/tenant", invoicing.HandleChooseTenant(d.invoicing))
			r.Method(http.MethodGet, "/reconciliation", invoicing.HandleReport(d.invoicing))
			r.Method(http.MethodPost, "/reconciliation/check", invoicing.HandleCheck(d.invoicing))
			r.Method(http.MethodGet, "/jobs/dead", queue.HandleListDead(d.queue))
			r.Method(http.MethodPost, "/jobs/retry", queue.HandleRetryKind(d.queue, operator))
			r.Method(http.MethodPost, "/jobs/{jobID}/retry", queue.HandleRetry(d.queue, operator))
			r.Method(http.MethodPost, "/jobs/{jobID}/discard", queue.HandleDiscard(d.queue, operator))
			r.Method(http.MethodPost, "/jobs/dlq/redrive", queue.HandleRedrive(d.queue, operator))
		})
	})
	// Documents behind signed, expiring links (the local blob driver serves
	// them; S3's redirects to a URL presigned for the download).
	if d.files != nil {
		r.Method(http.MethodGet, filesPath+"/*", d.files)
		r.Method(http.MethodHead, filesPath+"/*", d.files)
	}
	// Local stand-ins (trove serve --sandbox), for running offline.
	if sb := d.sandboxes; sb != nil {
		r.Handle("/sandbox/shopify/*", http.StripPrefix("/sandbox/shopify", sb.shopify.Handler()))
		r.Handle("/sandbox/xero/*", http.StripPrefix("/sandbox/xero", sb.xero.Handler()))
		r.Handle("/sandbox/stripe/*", http.StripPrefix("/sandbox/stripe", sb.stripe.Handler()))
		if sb.mail != nil { // the local mail driver's inbox: HTML, or JSON to Accept: application/json
			mailbox := inbox.Handler(sb.mail, "/sandbox/mail")
			r.Method(http.MethodGet, "/sandbox/mail", mailbox)
			r.Method(http.MethodGet, "/sandbox/mail/{messageID}", mailbox)
		}
	}

	// Providers: webhooks (verified by signature, not session) and OAuth
	// callbacks (reached by the signed-in user's browser).
	r.Route("/webhooks", func(r chi.Router) {
		r.HandleFunc("/*", httpx.NotFound().ServeHTTP)
		r.Method(http.MethodPost, "/shopify", webhooks.HandleShopify(d.hooks, d.shopify))
		r.Method(http.MethodPost, "/stripe", webhooks.HandleStripe(d.hooks, d.stripe))
		r.Method(http.MethodPost, "/stripe/connect", webhooks.HandleStripeConnect(d.hooks, d.stripe))
	})
	r.Route("/oauth", func(r chi.Router) {
		r.Use(d.auth.Authenticate)
		r.HandleFunc("/*", httpx.NotFound().ServeHTTP)
		r.With(auth.RequireRole(auth.RoleVendorOwner)).Method(http.MethodGet, "/shopify/callback", vendors.HandleShopifyCallback(d.shopifyInstaller))
		r.With(auth.RequireRole(auth.RolePlatformAdmin)).Method(http.MethodGet, "/xero/callback", invoicing.HandleCallback(d.invoicing))
	})

	// Web apps: vendor admin under /vendor/, the storefront everywhere else.
	r.Method(http.MethodGet, "/vendor", http.RedirectHandler("/vendor/", http.StatusMovedPermanently))
	r.Method(http.MethodGet, "/vendor/*", httpx.SPA(web.VendorAdmin(), "/vendor/"))
	r.Method(http.MethodHead, "/vendor/*", httpx.SPA(web.VendorAdmin(), "/vendor/"))
	r.Method(http.MethodGet, "/*", httpx.SPA(web.Storefront(), "/"))
	r.Method(http.MethodHead, "/*", httpx.SPA(web.Storefront(), "/"))
	return r
}

// operator names the signed-in operator behind a queue action, for the audit log.
func operator(r *http.Request) queue.Actor {
	return queue.Actor{Type: audit.ActorUser, ID: auth.MustPrincipal(r.Context()).UserID, RequestID: httpx.RequestID(r.Context())}
}

// metricsHandler serves the Prometheus registry.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// metricsRoutes is the router of the metrics listener (TROVE_METRICS_ADDR):
// /metrics and nothing else.
func metricsRoutes(reg *prometheus.Registry) chi.Router {
	r := chi.NewRouter()
	r.NotFound(httpx.NotFound().ServeHTTP)
	r.MethodNotAllowed(httpx.MethodNotAllowed(r).ServeHTTP)
	r.Method(http.MethodGet, "/metrics", metricsHandler(reg))
	return r
}

// clientAddress keys a rate limit by the client's address.
func clientAddress(p auth.Proxies) func(*http.Request) string {
	return func(r *http.Request) string { return ratelimit.AddressKey(p.Client(r).IP) }
}

// guestAddress keys a rate limit on work anyone may do without signing in:
// the client's address for a guest, "" (not limited here) for a signed-in
// caller, who has one open cart and is known.
func guestAddress(p auth.Proxies) func(*http.Request) string {
	byAddress := clientAddress(p)
	return func(r *http.Request) string {
		if auth.PrincipalFrom(r.Context()) != nil {
			return ""
		}
		return byAddress(r)
	}
}
