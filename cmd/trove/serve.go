package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/health"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/ratelimit"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
	"github.com/trove-platform/trove/migrations"
)

const readyTimeout = 2 * time.Second

type serveOptions struct {
	sandbox bool
}

func serve(ctx context.Context, cfg Config, opts serveOptions, stdout io.Writer) error {
	log := newLogger(stdout, cfg.LogLevel)

	conn, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	migrator, err := db.NewMigrator(conn.DB, migrations.FS)
	if err != nil {
		return err
	}
	if cfg.AutoMigrate {
		applied, err := migrator.Up(ctx)
		if err != nil {
			return fmt.Errorf("auto-migrate: %w", err)
		}
		if len(applied) > 0 {
			log.Info("applied migrations", "versions", applied)
		}
	} else if n, err := migrator.Pending(ctx); err != nil {
		return fmt.Errorf("reading migration status: %w", err)
	} else if n > 0 {
		return fmt.Errorf("%d database migration(s) are pending: run `trove migrate up` first, or start with TROVE_AUTO_MIGRATE=1", n)
	}

	clk := clock.System{}
	reg := prometheus.NewRegistry()
	q, sched, jobs, err := newQueue(conn, clk, cfg, log, reg)
	if err != nil {
		return err
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(conn.DB, "trove"),
	)
	metrics := httpx.NewMetrics(reg)

	box, err := cfg.Secrets()
	if err != nil {
		return err
	}
	authSvc, err := auth.NewService(conn, clk, log, q, box, auth.Config{SecretKey: cfg.SecretKey, PublicURL: cfg.PublicURL, Metrics: reg})
	if err != nil {
		return err
	}
	var sbx *sandboxes
	if opts.sandbox {
		if sbx, err = openSandboxes(cfg, clk, log); err != nil {
			return err
		}
		// Stopping: end the stand-ins' webhook retries at once, so that
		// deliveries cut short stay pending in their state for the next start.
		defer sbx.close()
		defer context.AfterFunc(ctx, sbx.close)()
	}
	catalogStore := catalog.NewStore(conn, clk)
	hooks := webhooks.NewStore(conn, clk, q)
	shop, err := newShopifyParts(conn, clk, cfg, log, q, box, catalogStore, hooks)
	if err != nil {
		return err
	}
	jobs.shopify = shop
	pay, err := newPaymentParts(conn, clk, cfg, log, q, catalogStore, hooks)
	if err != nil {
		return err
	}
	jobs.payments = pay
	vendorStore := vendors.NewStore(conn, clk)

	jobs.auth = authSvc
	jobs.post = mail.Postman{From: cfg.MailFrom, Brand: mail.Brand{Name: "Trove", URL: cfg.PublicURL.String()}}
	switch {
	case cfg.MailDriver == "smtp":
		if jobs.post.Sender, err = mail.NewSMTP(cfg.SMTP); err != nil {
			return err
		}
	case sbx != nil:
		jobs.post.Sender = sbx.mail // kept for the sandbox inbox, across restarts
	default:
		jobs.post.Sender = mail.NewLocal()
	}
	ful, err := newFulfilmentParts(ctx, conn, clk, cfg, log, q, catalogStore, shop, pay, jobs.post, authSvc)
	if err != nil {
		return err
	}
	jobs.fulfilment = ful.service
	pout, err := newPayoutParts(conn, clk, cfg, log, q, box, pay, vendorStore)
	if err != nil {
		return err
	}
	jobs.payouts, jobs.hooks = pout, hooks
	router := routes(routeDeps{
		fulfilment:      ful,
		payouts:         pout,
		db:              conn,
		metrics:         reg,
		metricsOwn:      cfg.MetricsAddr != "",
		guestCarts:      ratelimit.New(clk, cfg.GuestCarts),
		accountRequests: ratelimit.New(clk, cfg.AccountRequests),
		queue:           q,
		auth:            authSvc,
		vendors:         vendorStore,
		catalog:         catalogStore,
		shopify:         shop,
		pay:             pay,
		hooks:           hooks,
		proxies:         cfg.TrustedProxies,
		sandboxes:       sbx,
		readyChecks: []health.Check{
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
			shopifyVersionReady(shop.client, clk),
		},
	})
	handler := httpx.RequestContext(log)(metrics.Observe(httpx.Recover(router)))

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	// Metrics on a listener of their own (an address only the scraper
	// reaches), when configured; it stops with the main server.
	var metricsErr chan error
	mctx, stopMetrics := context.WithCancel(ctx)
	defer stopMetrics()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TROVE_METRICS_ADDR: %w", err)
		}
		log.Info("metrics server listening", "addr", mln.Addr().String())
		msrv := httpx.NewServer(httpx.RequestContext(log)(httpx.Recover(metricsRoutes(reg))), log)
		metricsErr = make(chan error, 1)
		go func() { metricsErr <- httpx.Serve(mctx, msrv, mln, cfg.ShutdownTimeout) }()
	}

	// Workers and the scheduler run beside the server and stop with it: they
	// stop taking jobs at once and get the same grace as in-flight requests.
	// With --sandbox, the stand-ins first send the webhooks they still owed
	// when the last run stopped, and the demo is connected to them where it
	// is not already (a sweep started before that would mark a store whose
	// grant the stand-in no longer knows broken).
	var workers sync.WaitGroup
	defer workers.Wait()
	workers.Go(func() {
		if sbx != nil {
			sbx.resumeDeliveries()
			sbx.connectDemo(ctx, log, cfg, shop, pout, vendorStore, authSvc)
		}
		var jobs sync.WaitGroup
		jobs.Go(func() { q.Run(ctx, cfg.ShutdownTimeout) })
		jobs.Go(func() { sched.Run(ctx, time.Second) })
		jobs.Wait()
	})
	log.Info("http server listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String(),
		"sandbox", opts.sandbox, "version", buildVersion())
	srv := httpx.NewServer(handler, log)
	err = httpx.Serve(ctx, srv, ln, cfg.ShutdownTimeout)
	if metricsErr != nil {
		stopMetrics() // the main server is done, for whatever reason
		err = errors.Join(err, <-metricsErr)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// newQueue builds the job queue with every handler of jobs.go and the
// scheduler of its recurring jobs.
// The handlers' other dependencies (auth, mail) are filled into the returned
// jobDeps by the caller before the queue runs.
func newQueue(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, metrics prometheus.Registerer) (*queue.Queue, *queue.Scheduler, *jobDeps, error) {
	jobReg := queue.NewRegistry()
	deps := &jobDeps{db: conn, clock: clk, retention: cfg.QueueRetention}
	registerJobs(jobReg, deps)
	var problems []string
	for name, n := range cfg.QueueWorkers {
		if err := jobReg.SetConcurrency(name, n); err != nil {
			problems = append(problems, fmt.Sprintf("TROVE_QUEUE_WORKERS: no handler named %q (handlers: %s)", name, strings.Join(jobReg.Handlers(), ", ")))
		}
	}
	if len(problems) > 0 {
		return nil, nil, nil, &ConfigError{Problems: problems}
	}
	var m *queue.Metrics
	if metrics != nil {
		m = queue.NewMetrics(metrics)
	}
	q, err := queue.New(conn, jobReg, clk, cfg.Queue, log, m)
	if err != nil {
		return nil, nil, nil, err
	}
	deps.queue = q
	sched, err := queue.NewScheduler(q, schedules(cfg)...)
	if err != nil {
		return nil, nil, nil, err
	}
	return q, sched, deps, nil
}
