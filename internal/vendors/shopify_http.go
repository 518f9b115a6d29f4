package vendors

import (
	"context"
	"net/http"
	"net/url"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
)

// WebhookTopics are the Shopify topics Trove subscribes to on install. The
// compliance topics are configured in the app's settings, not subscribed.
var WebhookTopics = []string{"products/create", "products/update", "products/delete", "inventory_levels/update", "app/uninstalled",
	"orders/updated", "orders/cancelled", "fulfillments/create", "fulfillments/update"}

// Installer runs the Shopify OAuth install: the authorize redirect, then the
// callback's checks (hmac, state, shop), the code exchange and the save.
type Installer struct {
	conns       *Connections
	shopify     *shopify.Client
	callbackURL string // our /oauth/shopify/callback
	webhookURL  string // our /webhooks/shopify
}

// InstallerDeps are the Installer's collaborators.
type InstallerDeps struct {
	Connections *Connections
	Shopify     *shopify.Client
}

// InstallerConfig are the Installer's settings.
type InstallerConfig struct {
	PublicURL string // where Shopify reaches Trove
}

// NewInstaller returns an Installer.
func NewInstaller(d InstallerDeps, cfg InstallerConfig) *Installer {
	return &Installer{conns: d.Connections, shopify: d.Shopify, callbackURL: cfg.PublicURL + "/oauth/shopify/callback",
		webhookURL: cfg.PublicURL + "/webhooks/shopify"}
}

// Start returns the URL to send the user to for approving the app.
func (in *Installer) Start(ctx context.Context, userID, vendorID, shop string) (string, error) {
	state, err := in.conns.StartConnect(ctx, userID, vendorID, shop)
	if err != nil {
		return "", err
	}
	return in.shopify.AuthorizeURL(shopDomain(shop), state, in.callbackURL)
}

// Complete checks a callback's query for userID and stores the connection.
func (in *Installer) Complete(ctx context.Context, q url.Values, userID string) (string, error) {
	if err := in.shopify.VerifyCallback(q); err != nil {
		return "", fault.Unauthorized("the Shopify callback does not verify: %v", err)
	}
	shop := q.Get("shop")
	vendorID, err := in.conns.ConsumeState(ctx, q.Get("state"), shop, userID)
	if err != nil {
		return "", err
	}
	t, err := in.shopify.ExchangeCode(ctx, shop, q.Get("code"))
	if err != nil {
		return "", fault.Wrap(fault.KindUnavailable, err, "Shopify did not give us a token: try connecting again")
	}
	info, err := in.shopify.Shop(ctx, shop, t.AccessToken)
	if err != nil {
		return "", fault.Wrap(fault.KindUnavailable, err, "Shopify did not tell us about the store: try connecting again")
	}
	return vendorID, in.conns.Save(ctx, vendorID, shop, t, info)
}

func shopDomain(s string) string {
	u, err := url.Parse("https://" + s)
	if err != nil {
		return s
	}
	return u.Hostname()
}

// SubscribeWebhooks is the job handler that registers our webhooks once a
// store is connected (retried on its own if Shopify is down).
func (in *Installer) SubscribeWebhooks(ctx context.Context, _ queue.Meta, e ShopifyConnected) error {
	shop, token, err := in.conns.AccessToken(ctx, e.VendorID, false)
	if err != nil {
		return err
	}
	return in.shopify.SubscribeWebhooks(ctx, shop, token, in.webhookURL, WebhookTopics)
}

// HandleShopifyStatus shows a vendor its connection (or that there is none).
func HandleShopifyStatus(c *Connections) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := c.Get(r.Context(), auth.MustPrincipal(r.Context()).VendorID)
		if fault.Is(err, fault.KindNotFound) {
			httpx.JSON(w, http.StatusOK, map[string]any{"status": "not_connected"})
			return
		}
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, conn)
	})
}

// HandleShopifyConnect starts the install for the caller's vendor:
// POST {"shop": "acme.myshopify.com"} answers {"authorize_url": …}.
func HandleShopifyConnect(in *Installer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Shop string `json:"shop"`
		}
		if err := httpx.Decode(w, r, &body); err != nil {
			httpx.Error(w, r, err)
			return
		}
		p := auth.MustPrincipal(r.Context())
		u, err := in.Start(r.Context(), p.UserID, p.VendorID, body.Shop)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]string{"authorize_url": u})
	})
}

// HandleShopifyCallback is GET /oauth/shopify/callback, reached by the browser
// of the user who started the install (their session must be the one the
// state was made for). On success it sends them back to the vendor admin.
func HandleShopifyCallback(in *Installer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := in.Complete(r.Context(), r.URL.Query(), auth.MustPrincipal(r.Context()).UserID); err != nil {
			httpx.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/vendor/?shopify=connected", http.StatusSeeOther)
	})
}

// HandleListConnections shows operators every store connection: ?status=….
func HandleListConnections(c *Connections) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := c.List(r.Context(), r.URL.Query().Get("status"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"connections": list})
	})
}
