package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/health"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/ratelimit"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
	"github.com/trove-platform/trove/internal/xero"
)

// deps is the platform, built once by build: every service, named by its
// domain. routes.go and jobs.go read it; each handler maker and job handler
// takes only the pieces it uses.
type deps struct {
	// Mechanisms.
	db        *sqlx.DB
	clock     clock.Clock
	queue     *queue.Queue
	scheduler *queue.Scheduler
	retention time.Duration // finished jobs are kept this long
	metrics   *prometheus.Registry
	post      mail.Postman
	files     http.Handler // the document links (packing manifests), whichever the blob driver

	// Provider adapters.
	stripe  *stripe.Client
	shopify *shopify.Client
	xero    *xero.Client

	// Domains, in the order they are built.
	auth             *auth.Service
	vendors          *vendors.Store
	shopifyConns     *vendors.Connections // vendors' Shopify connections and their tokens
	shopifyInstaller *vendors.Installer   // "Connect Shopify"
	catalog          *catalog.Store
	hooks            *webhooks.Store
	catalogSync      *shopifysync.Syncer // the catalog from the vendors' stores
	orders           *orders.Store
	payments         *payments.Service
	refunds          *payments.Refunds
	disputes         *payments.Disputes
	subscriptions    *subscriptions.Service
	fulfilment       *fulfilment.Service
	payouts          *payouts.Service
	invoicing        *invoicing.Service

	// HTTP.
	readyChecks     []health.Check
	metricsOwn      bool // /metrics has a listener of its own (TROVE_METRICS_ADDR): not on the main router
	guestCarts      *ratelimit.Keyed
	accountRequests *ratelimit.Keyed // sign-ups, password resets, invitation acceptances
	proxies         auth.Proxies
	sandboxes       *sandboxes // the local stand-ins, with --sandbox
}

// build constructs the platform for serve, each service after those it
// needs. The job queue comes first, with an empty registry: services only
// enqueue, and nothing is enqueued before the server starts; registerJobs
// fills the registry once every service exists, and the workers start after
// build returns.
func build(ctx context.Context, cfg Config, log *slog.Logger, conn *sqlx.DB, migrator *db.Migrator, sandbox bool) (_ *deps, err error) {
	clk := clock.System{}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(conn.DB, "trove"),
		vendors.ConnectionsCollector(conn),
		invoicing.ConnectionCollector(conn),
	)
	calls := httpx.NewProviderMetrics(metrics)
	jobs := queue.NewRegistry()
	q, err := newQueue(conn, jobs, clk, cfg, log, metrics)
	if err != nil {
		return nil, err
	}
	metrics.MustRegister(queue.NewCollector(q))
	sched, err := queue.NewScheduler(q, schedules(cfg)...)
	if err != nil {
		return nil, err
	}
	box, err := cfg.Secrets()
	if err != nil {
		return nil, err
	}

	var sbx *sandboxes
	if sandbox {
		if sbx, err = openSandboxes(cfg, clk, log); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				sbx.close()
			}
		}()
	}
	post := mail.Postman{From: cfg.MailFrom, Brand: mail.Brand{Name: "Trove", URL: cfg.PublicURL.String()}}
	switch {
	case cfg.MailDriver == "smtp":
		if post.Sender, err = mail.NewSMTP(cfg.SMTP); err != nil {
			return nil, err
		}
	case sbx != nil:
		post.Sender = sbx.mail // kept for the sandbox inbox, across restarts
	default:
		post.Sender = mail.NewLocal()
	}
	blobs, files, err := newBlobStore(ctx, cfg, clk)
	if err != nil {
		return nil, err
	}

	// Provider adapters.
	stripeClient, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, APIBase: cfg.Stripe.APIBase,
		WebhookSecrets: cfg.Stripe.WebhookSecrets, ConnectWebhookSecrets: cfg.Stripe.ConnectWebhookSecrets,
		HTTPClient: calls.Client("stripe", stripe.Operation, 30*time.Second), Clock: clk})
	if err != nil {
		return nil, err
	}
	if err := checkShopifyVersion(cfg.Shopify.APIVersion, clk.Now(), log); err != nil {
		return nil, err
	}
	shopifyClient, err := shopify.New(shopify.Config{APIKey: cfg.Shopify.APIKey, APISecrets: cfg.Shopify.APISecrets,
		APIVersion: cfg.Shopify.APIVersion, Scopes: cfg.Shopify.Scopes, Endpoint: cfg.Shopify.Endpoint, Clock: clk, Log: log,
		HTTPClient: calls.Client("shopify", shopify.Operation, 30*time.Second)})
	if err != nil {
		return nil, err
	}
	xeroClient, err := xero.New(xero.Config{ClientID: cfg.Xero.ClientID, ClientSecret: cfg.Xero.ClientSecret,
		APIBase: cfg.Xero.APIBase, IdentityBase: cfg.Xero.IdentityBase, LoginBase: cfg.Xero.LoginBase,
		HTTPClient: calls.Client("xero", xero.Operation, 30*time.Second), Scopes: cfg.Xero.Scopes,
		DB: conn, Clock: clk, Log: log}) // DB: every process shares each tenant's call budget
	if err != nil {
		return nil, err
	}

	// Domains.
	authService, err := auth.NewService(auth.Deps{DB: conn, Clock: clk, Log: log, Queue: q, Box: box},
		auth.Config{SecretKey: cfg.SecretKey, PublicURL: cfg.PublicURL, Metrics: metrics})
	if err != nil {
		return nil, err
	}
	vendorStore := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk})
	conns := vendors.NewConnections(vendors.ConnectionsDeps{DB: conn, Clock: clk, Box: box, Shopify: shopifyClient, Queue: q, Log: log})
	installer := vendors.NewInstaller(vendors.InstallerDeps{Connections: conns, Shopify: shopifyClient},
		vendors.InstallerConfig{PublicURL: cfg.PublicURL.String()})
	catalogStore := catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})
	hooks := webhooks.NewStore(webhooks.Deps{DB: conn, Clock: clk, Queue: q, Metrics: metrics})
	syncer := shopifysync.New(shopifysync.Deps{DB: conn, Clock: clk, Catalog: catalogStore, Connections: conns,
		Shopify: shopifyClient, Webhooks: hooks, Queue: q})
	orderStore := orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: catalogStore,
		Payments: payments.NewProvider(payments.ProviderDeps{Stripe: stripeClient})}, orders.Config{ReservationTTL: cfg.ReservationTTL})
	paymentService := payments.New(payments.Deps{Clock: clk, Stripe: stripeClient, Orders: orderStore})
	refunds := payments.NewRefunds(payments.RefundsDeps{DB: conn, Clock: clk, Stripe: stripeClient, Orders: orderStore, Queue: q},
		payments.RefundsConfig{VendorWindow: payments.DefaultVendorRefundWindow})
	disputes := payments.NewDisputes(payments.DisputesDeps{DB: conn, Clock: clk, Stripe: stripeClient, Orders: orderStore, Queue: q})
	subscriptionService := subscriptions.New(subscriptions.Deps{DB: conn, Clock: clk, Stripe: stripeClient, Orders: orderStore,
		Catalog: catalogStore, Refunds: refunds})
	fulfilmentService := fulfilment.New(fulfilment.Deps{DB: conn, Clock: clk, Queue: q, Orders: orderStore, Catalog: catalogStore,
		Conns: conns, Shopify: shopifyClient, Webhooks: hooks, Blobs: blobs, Post: post, Users: authService, Log: log},
		fulfilment.Config{Platform: post.Brand.Name, PublicURL: cfg.PublicURL.String()})
	payoutService, err := payouts.New(payouts.Deps{DB: conn, Clock: clk, Queue: q, Orders: orderStore, Vendors: vendorStore,
		Stripe: stripeClient, Log: log}, payouts.Config{Schedule: cfg.Payouts.Schedule, Hold: cfg.Payouts.Hold,
		PublicURL: cfg.PublicURL.String(), ConnectCountry: cfg.Payouts.ConnectCountry})
	if err != nil {
		return nil, err
	}
	invoicingService := invoicing.New(invoicing.Deps{DB: conn, Clock: clk, Queue: q, Box: box, Xero: xeroClient, Stripe: stripeClient,
		Payouts: payoutService, Vendors: vendorStore, Log: log}, invoicing.Config{PublicURL: cfg.PublicURL.String(),
		PayoutAccount: cfg.Xero.PayoutAccount, CommissionAccount: cfg.Xero.CommissionAccount, BankAccount: cfg.Xero.BankAccount,
		TaxType: cfg.Xero.TaxType})

	d := &deps{
		db: conn, clock: clk, queue: q, scheduler: sched, retention: cfg.QueueRetention, metrics: metrics, post: post, files: files,
		stripe: stripeClient, shopify: shopifyClient, xero: xeroClient,
		auth: authService, vendors: vendorStore, shopifyConns: conns, shopifyInstaller: installer, catalog: catalogStore,
		hooks: hooks, catalogSync: syncer, orders: orderStore, payments: paymentService, refunds: refunds, disputes: disputes,
		subscriptions: subscriptionService, fulfilment: fulfilmentService, payouts: payoutService, invoicing: invoicingService,
		readyChecks: append(readyChecks(conn, migrator), shopifyVersionReady(shopifyClient, clk)), metricsOwn: cfg.MetricsAddr != "",
		guestCarts: ratelimit.New(clk, cfg.GuestCarts), accountRequests: ratelimit.New(clk, cfg.AccountRequests),
		proxies: cfg.TrustedProxies, sandboxes: sbx,
	}
	registerJobs(jobs, d)
	if err := setWorkers(jobs, cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// newQueue builds the job queue over reg, whose handlers may be registered
// after (registerJobs): the queue reads them when a job is enqueued or the
// workers start.
func newQueue(conn *sqlx.DB, reg *queue.Registry, clk clock.Clock, cfg Config, log *slog.Logger, metrics prometheus.Registerer) (*queue.Queue, error) {
	var m *queue.Metrics
	if metrics != nil {
		m = queue.NewMetrics(metrics)
	}
	return queue.New(conn, reg, clk, cfg.Queue, log, m)
}

// setWorkers applies TROVE_QUEUE_WORKERS to the registered handlers.
func setWorkers(reg *queue.Registry, cfg Config) error {
	var problems []string
	for name, n := range cfg.QueueWorkers {
		if err := reg.SetConcurrency(name, n); err != nil {
			problems = append(problems, fmt.Sprintf("TROVE_QUEUE_WORKERS: no handler named %q (handlers: %s)", name, strings.Join(reg.Handlers(), ", ")))
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Problems: problems}
	}
	return nil
}

// readyChecks are what /readyz asks: the database and its migrations.
func readyChecks(conn *sqlx.DB, migrator *db.Migrator) []health.Check {
	return []health.Check{
		// A query, not a ping: a ping on a pooled connection succeeds even
		// when the schema the app works in has been dropped.
		{Name: "database", Run: func(ctx context.Context) error {
			var n int
			const q = `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()`
			if err := conn.GetContext(ctx, &n, q); err != nil {
				return err
			}
			if n == 0 {
				return errors.New("the configured database does not exist")
			}
			return nil
		}},
		{Name: "migrations", Run: func(ctx context.Context) error {
			n, err := migrator.Pending(ctx)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%d pending", n)
			}
			return nil
		}},
	}
}

// filesPath is where document links are served, whichever the blob driver.
const filesPath = "/files"

// newBlobStore builds the configured document store and the handler of its
// links. Both drivers hand out Trove's own links (S3's redirect to a URL
// presigned at download time, which role credentials cannot keep alive for
// the 72 hours of a mail), signed with a key derived from TROVE_SECRET_KEY:
// there is no second secret to manage, and rotating the key only ends the
// links out now.
func newBlobStore(ctx context.Context, cfg Config, clk clock.Clock) (blob.Store, http.Handler, error) {
	m := hmac.New(sha256.New, cfg.SecretKey)
	m.Write([]byte("trove blob links v1"))
	secret, base := m.Sum(nil), cfg.PublicURL.String()+filesPath
	if cfg.BlobDriver == "s3" {
		s, err := blob.NewS3(ctx, blob.S3Config{Bucket: cfg.S3.Bucket, Prefix: cfg.S3.Prefix, Region: cfg.S3.Region,
			Endpoint: cfg.S3.Endpoint, PathStyle: cfg.S3.PathStyle, AccessKeyID: cfg.S3.AccessKeyID, SecretAccessKey: cfg.S3.SecretAccessKey,
			Clock: clk, Timeout: 60 * time.Second, BaseURL: base, Secret: secret})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Handler(), nil
	}
	l, err := blob.NewLocal(blob.LocalConfig{Dir: cfg.BlobDir, BaseURL: base, Secret: secret, Clock: clk})
	if err != nil {
		return nil, nil, err
	}
	return l, l.Handler(), nil
}
