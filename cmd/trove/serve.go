package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/migrations"
)

const readyTimeout = 2 * time.Second

type serveOptions struct {
	sandbox bool
}

func serve(ctx context.Context, cfg Config, opts serveOptions, stdout io.Writer) error {
	log := newLogger(stdout, cfg.LogLevel)
	if cfg.SecretKeyInSandbox {
		key, err := sandboxSecretKey(cfg.SandboxDir)
		if err != nil {
			return err
		}
		cfg.SecretKey = key
	}

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

	if opts.sandbox {
		if err := seedEmpty(ctx, cfg, conn, log); err != nil {
			return err
		}
	}

	d, err := build(ctx, cfg, log, conn, migrator, opts.sandbox)
	if err != nil {
		return err
	}
	if d.sandboxes != nil {
		// Stopping: end the stand-ins' webhook retries at once, so that
		// deliveries cut short stay pending in their state for the next start.
		defer d.sandboxes.close()
		defer context.AfterFunc(ctx, d.sandboxes.close)()
	}
	metrics := httpx.NewMetrics(d.metrics)
	router := routes(d)
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
		msrv := httpx.NewServer(httpx.RequestContext(log)(httpx.Recover(metricsRoutes(d.metrics))), log)
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
		if d.sandboxes != nil {
			d.sandboxes.resumeDeliveries()
			d.sandboxes.connectDemo(ctx, log, cfg, d)
		}
		var jobs sync.WaitGroup
		jobs.Go(func() { d.queue.Run(ctx, cfg.ShutdownTimeout) })
		jobs.Go(func() { d.scheduler.Run(ctx, time.Second) })
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
