package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/sandbox"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	sbstripe "github.com/trove-platform/trove/internal/sandbox/stripe"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/vendors"
)

// sandboxes are the local stand-ins of `serve --sandbox` (routes.go mounts
// them under /sandbox/). Each keeps its state in a file of cfg.SandboxDir,
// written after every change, so that a restarted server carries on: the
// payments, connected accounts and transfers Trove's database refers to,
// the stores' tokens, orders and order numbers, the Xero organisation's
// bills, the inbox, and the webhook deliveries still to make.
type sandboxes struct {
	stripe  *sbstripe.Stripe
	shopify *sbshopify.Shopify
	xero    *sbxero.Xero
	mail    *mail.Local // the local mail driver's mailbox; nil with TROVE_MAIL_DRIVER=smtp
}

// openSandboxes opens the stand-ins from cfg.SandboxDir. On the first start
// the folder is empty: the Shopify stand-in gets the demo shops and the Xero
// one the demo organisation; on later starts they hold what happened to them.
func openSandboxes(cfg Config, clk clock.Clock, log *slog.Logger) (*sandboxes, error) {
	file := func(name string) string { return filepath.Join(cfg.SandboxDir, name+".json") }
	hc := &http.Client{Timeout: 10 * time.Second}
	var s sandboxes
	var err error
	if s.stripe, err = sbstripe.Open(file("stripe"), sbstripe.Config{SecretKey: cfg.Stripe.SecretKey,
		PublishableKey: cfg.Stripe.PublishableKey, WebhookSecret: cfg.Stripe.WebhookSecrets[0],
		WebhookURL:           cfg.PublicURL.String() + "/webhooks/stripe",
		ConnectWebhookURL:    cfg.PublicURL.String() + "/webhooks/stripe/connect",
		ConnectWebhookSecret: cfg.Stripe.ConnectWebhookSecrets[0],
		Clock:                clk, HTTPClient: hc, Log: log}); err != nil {
		return nil, err
	}
	if s.shopify, err = sbshopify.Open(file("shopify"), sbshopify.Config{APIKey: cfg.Shopify.APIKey,
		APISecret: cfg.Shopify.APISecrets[0], Clock: clk, HTTPClient: hc, Log: log}); err != nil {
		return nil, err
	}
	if len(s.shopify.ShopDomains()) == 0 {
		s.shopify.SeedDemo()
	}
	if s.xero, err = sbxero.Open(file("xero"), sbxero.Config{ClientID: cfg.Xero.ClientID,
		ClientSecret: cfg.Xero.ClientSecret, Clock: clk, Log: log}); err != nil {
		return nil, err
	}
	if len(s.xero.TenantIDs()) == 0 {
		s.xero.AddTenant("Trove Demo Ltd")
	}
	if cfg.MailDriver == "local" {
		if s.mail, err = mail.OpenLocal(sandbox.NewFile(file("mail")), log); err != nil {
			return nil, err
		}
	}
	log.Info("sandbox state", "dir", cfg.SandboxDir)
	return &s, nil
}

// resumeDeliveries sends the webhooks the stand-ins had not delivered when
// the last run stopped. Call it once the server listens.
func (s *sandboxes) resumeDeliveries() {
	s.stripe.ResumeDeliveries()
	s.shopify.ResumeDeliveries()
}

// close stops the stand-ins' webhook retries as the server stops, so that
// deliveries cut short stay pending for the next start rather than failing
// against a server that is going away. They still answer and save.
func (s *sandboxes) close() {
	s.stripe.Close()
	s.shopify.Close()
}

// connectDemo makes the demo work with the stand-ins, as the seeded users
// would by hand: stores connected, the platform's Xero connected, vendors
// onboarded for payouts. Each step is skipped where it is done already, and
// redone where the stand-in no longer knows what the database holds (its
// state file was removed).
func (s *sandboxes) connectDemo(ctx context.Context, log *slog.Logger, cfg Config, d *deps) {
	if err := connectDemoStores(ctx, d.shopifyConns, d.shopifyInstaller, s.shopify, d.vendors, d.auth,
		cfg.PublicURL.String()+"/webhooks/shopify"); err != nil && ctx.Err() == nil {
		log.Error("connecting the demo stores to the sandbox Shopify failed", "err", err.Error())
	}
	if err := connectDemoXero(ctx, d.invoicing, s.xero, d.auth, cfg.SeedAdminEmail); err != nil && ctx.Err() == nil {
		log.Error("connecting the sandbox Xero failed", "err", err.Error())
	}
	if err := onboardDemoVendors(ctx, d.payouts, d.vendors); err != nil && ctx.Err() == nil {
		log.Error("onboarding the demo vendors to the sandbox Stripe Connect failed", "err", err.Error())
	}
}

// noRedirectClient plays a browser that stops at a redirect, to read where
// it points (a provider's consent answered at once, in --sandbox).
func noRedirectClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// connectDemoStores connects every seeded demo vendor to its sandbox shop
// through the real install flow (the stand-in approves at once): authorize
// URL, signed callback, code exchange, tokens sealed, webhooks subscribed
// and an import queued. A store already connected is left alone while the
// stand-in still holds its grant and sends its webhooks to this server.
func connectDemoStores(ctx context.Context, conns *vendors.Connections, installer *vendors.Installer, sb *sbshopify.Shopify,
	vs *vendors.Store, users *auth.Service, webhookURL string) error {
	noRedirect := noRedirectClient()
	for _, d := range demoData {
		v, err := vs.BySlug(ctx, d.vendor.Slug)
		if fault.Is(err, fault.KindNotFound) {
			continue // not seeded
		}
		if err != nil {
			return err
		}
		shop := v.Slug + ".myshopify.com"
		if c, err := conns.Get(ctx, v.ID); err == nil && c.Status == vendors.ConnConnected && c.ShopDomain == shop &&
			sb.Installed(shop) && slices.ContainsFunc(sb.Subscriptions(shop), func(s sbshopify.Subscription) bool { return s.URI == webhookURL }) {
			continue
		}
		owners, err := users.ListUsers(ctx, string(auth.RoleVendorOwner), v.ID)
		if err != nil || len(owners) == 0 {
			return errors.Join(err, fmt.Errorf("demo vendor %s has no owner", v.Slug))
		}
		authURL, err := installer.Start(ctx, owners[0].ID, v.ID, shop)
		if err != nil {
			return err
		}
		res, err := noRedirect.Get(authURL)
		if err != nil {
			return err
		}
		res.Body.Close()
		callback, err := url.Parse(res.Header.Get("Location"))
		if err != nil || res.StatusCode/100 != 3 {
			return fmt.Errorf("sandbox authorize for %s answered %d", shop, res.StatusCode)
		}
		if _, err := installer.Complete(ctx, callback.Query(), owners[0].ID); err != nil {
			return fmt.Errorf("connect demo store %s: %w", shop, err)
		}
	}
	return nil
}

// connectDemoXero connects the platform's Xero to the sandbox organisation
// as the seeded operator would: the consent (which the stand-in approves at
// once) and the callback. A connection to an organisation the stand-in
// still holds is left alone.
func connectDemoXero(ctx context.Context, inv *invoicing.Service, sb *sbxero.Xero, users *auth.Service, adminEmail string) error {
	if c, err := inv.Connection(ctx); err == nil && c.Status == "connected" && slices.Contains(sb.TenantIDs(), c.TenantID) {
		return nil
	}
	admins, err := users.ListUsers(ctx, string(auth.RolePlatformAdmin), "")
	if err != nil {
		return err
	}
	var adminID string
	for _, a := range admins {
		if a.Email == adminEmail || adminID == "" {
			adminID = a.ID
		}
	}
	if adminID == "" {
		return nil // not seeded
	}
	authorize, err := inv.StartConnect(ctx, adminID)
	if err != nil {
		return err
	}
	noRedirect := noRedirectClient()
	res, err := noRedirect.Get(authorize)
	if err != nil {
		return err
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return fault.Unavailable("the sandbox Xero did not approve the consent (%d)", res.StatusCode)
	}
	_, err = inv.FinishConnect(ctx, adminID, loc.Query().Get("state"), loc.Query().Get("code"))
	return err
}

// onboardDemoVendors completes the demo vendors' Stripe Connect onboarding
// as each owner would (the stand-in's onboarding page completes at once), so
// demo payouts can be made. A vendor with a payout account is left alone:
// the stand-in keeps its accounts across restarts.
func onboardDemoVendors(ctx context.Context, pay *payouts.Service, vs *vendors.Store) error {
	noRedirect := noRedirectClient()
	for _, d := range demoData {
		v, err := vs.BySlug(ctx, d.vendor.Slug)
		if fault.Is(err, fault.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if st, err := pay.AccountStatus(ctx, v.ID); err != nil || st.Account != nil {
			continue // onboarded before (or Stripe unreachable): leave it
		}
		link, _, err := pay.Onboard(ctx, v.ID, v.ContactEmail)
		if err != nil {
			return err
		}
		res, err := noRedirect.Get(link)
		if err != nil {
			return err
		}
		res.Body.Close()
	}
	return nil
}

// sandboxKeyFile is where serve --sandbox keeps the secret key it made.
const sandboxKeyFile = "secret-key"

// sandboxSecretKey returns the key kept in dir, making it on the first
// start: `serve --sandbox` (docker compose up, a first try) then needs no
// TROVE_SECRET_KEY. It seals the stand-ins' tokens in the database, so it
// lives and goes with their state.
func sandboxSecretKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, sandboxKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s does not hold a base64 32-byte key: remove it with the sandbox's state, or set TROVE_SECRET_KEY", path)
		}
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once keep one key, the first's.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return sandboxSecretKey(dir)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// seedEmpty loads the demo data into a database that has no account yet,
// so `serve --sandbox` on a fresh database (docker compose up) is a demo at
// once; `make run` seeds before it starts, and a database with accounts is
// never touched.
func seedEmpty(ctx context.Context, cfg Config, conn *sqlx.DB, log *slog.Logger) error {
	var users int
	if err := conn.GetContext(ctx, &users, `SELECT COUNT(*) FROM users`); err != nil {
		return err
	}
	if users > 0 {
		return nil
	}
	var out strings.Builder
	if err := seed(ctx, cfg, &out); err != nil {
		return fmt.Errorf("seeding the demo data: %w", err)
	}
	log.Info("the database was empty: loaded the demo data", "seed", out.String())
	return nil
}
