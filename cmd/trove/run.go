package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError is a mistake in the command line; main exits 2 for it.
type usageError string

func (e usageError) Error() string { return string(e) }

const usage = `usage: trove <command> [flags]

commands:
  serve [--sandbox]            run the HTTP server and workers (the default)
  migrate up|down|status       apply, roll back one, or list migrations
  migrate create NAME [--dir migrations]
                               write a new empty SQL migration
  config check [--sandbox]     say whether serve (with these flags) accepts the settings, without starting it
  queue setup                  create the SQS queue and its dead-letter queue, or update them (TROVE_QUEUE=sqs)
  stripe setup-webhooks        make or update the Stripe webhook endpoints (platform and Connect) at API version
                               2023-10-16 and print the signing secrets to set
  seed                         load demo data (idempotent)
  version                      print the version

Settings come from TROVE_* environment variables: see deploy/env.example.`

// run is the whole program: main only calls it, and tests call it too, with
// their own arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		opts, err := serveArgs("serve", args, stderr)
		if err != nil {
			return err
		}
		cfg, err := loadConfig(getenv, serveNeeds(opts))
		if err != nil {
			return err
		}
		return serve(ctx, cfg, opts, stdout)
	case "config":
		return configCommand(args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "seed":
		if len(args) > 0 {
			return usageError("seed takes no arguments")
		}
		cfg, err := loadConfig(getenv, configNeeds{database: true})
		if err != nil {
			return err
		}
		return seed(ctx, cfg, stdout)
	case "queue":
		if len(args) != 1 || args[0] != "setup" {
			return usageError("queue takes one subcommand: setup")
		}
		cfg, err := loadConfig(getenv, configNeeds{database: true})
		if err != nil {
			return err
		}
		return queueSetup(ctx, cfg, stdout, stderr)
	case "stripe":
		return stripeCommand(ctx, args, getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "trove", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		return usageError(fmt.Sprintf("unknown command %q\n%s", cmd, usage))
	}
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func openDB(ctx context.Context, cfg Config, log *slog.Logger) (*sqlx.DB, error) {
	return db.Open(ctx, cfg.DatabaseURL, cfg.DBOptions(), log)
}

// queueSetup creates the SQS queues with their redrive policy.
func queueSetup(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	if cfg.Queue.Driver != queue.DriverSQS {
		return usageError("queue setup is for the sqs driver: set TROVE_QUEUE=sqs")
	}
	log := newLogger(stderr, cfg.LogLevel)
	conn, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Setup reads the handlers' names and timeouts only: they never run here,
	// so the table is registered over an empty platform.
	reg := queue.NewRegistry()
	registerJobs(reg, &deps{})
	if err := setWorkers(reg, cfg); err != nil {
		return err
	}
	q, err := newQueue(conn, reg, clock.System{}, cfg, log, nil)
	if err != nil {
		return err
	}
	if err := q.Setup(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sqs queues %s and %s are ready\n", cfg.Queue.SQS.QueueName, cfg.Queue.SQS.DLQName)
	return nil
}
