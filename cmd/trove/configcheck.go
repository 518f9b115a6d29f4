package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// serveArgs reads serve's command line. `config check` reads the same one,
// so that what it accepts is what serve would.
func serveArgs(name string, args []string, stderr io.Writer) (serveOptions, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	sandbox := fs.Bool("sandbox", false, "mount the local stand-ins for Stripe, Shopify and Xero")
	if err := fs.Parse(args); err != nil {
		return serveOptions{}, usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return serveOptions{}, usageError(name + " takes no arguments: " + strings.Join(fs.Args(), " "))
	}
	return serveOptions{sandbox: *sandbox}, nil
}

// serveNeeds is what serve cannot start without.
func serveNeeds(opts serveOptions) configNeeds {
	return configNeeds{database: true, secret: true, providers: true, sandbox: opts.sandbox}
}

// configCommand is `trove config check [serve's flags]`: it reads the
// environment as `trove serve` with those flags would, and says whether serve
// would accept it, without reaching the database or any provider. A refusal
// is the same *ConfigError, every problem listed, exit code 2. Run before
// serve (docker-compose.yml does, as a one-shot service), a configuration
// mistake stops the deployment once, with its reasons, instead of a server
// that exits and is restarted over and over.
func configCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "check" {
		return usageError("config takes one subcommand: check [--sandbox] (the flags serve is given)")
	}
	opts, err := serveArgs("config check", args[1:], stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(getenv, serveNeeds(opts))
	if err != nil {
		return err
	}
	describeConfig(stdout, cfg, opts)
	return nil
}

// describeConfig says what serve would talk to. It names hosts, modes and
// folders, never a secret: it goes to deployment logs.
func describeConfig(w io.Writer, cfg Config, opts serveOptions) {
	cmd := "trove serve"
	if opts.sandbox {
		cmd += " --sandbox"
	}
	fmt.Fprintf(w, "configuration ok for `%s`\n", cmd)
	line := func(what, format string, args ...any) {
		fmt.Fprintf(w, "  %-10s %s\n", what, fmt.Sprintf(format, args...))
	}
	line("listen", "%s; public URL %s", cfg.HTTPAddr, cfg.PublicURL)
	if opts.sandbox {
		line("providers", "sandbox: local stand-ins for Stripe, Shopify and Xero at %s/sandbox/, state in %s", cfg.PublicURL, cfg.SandboxDir)
	} else {
		mode := "unrecognised"
		switch {
		case strings.Contains(cfg.Stripe.SecretKey, "_live_"):
			mode = "live"
		case strings.Contains(cfg.Stripe.SecretKey, "_test_"):
			mode = "test"
		}
		line("providers", "real: Stripe (%s mode key), Shopify Admin API %s, Xero", mode, cfg.Shopify.APIVersion)
	}
	if cfg.SecretKeyInSandbox {
		line("secret key", "none set: made once and kept in %s (sandbox only)", filepath.Join(cfg.SandboxDir, sandboxKeyFile))
	}
	line("queue", "%s", cfg.Queue.Driver)
	if cfg.MailDriver == "smtp" {
		line("mail", "smtp via %s:%d (tls %s)", cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS)
	} else {
		line("mail", "kept locally, not sent")
	}
	if cfg.BlobDriver == "s3" {
		line("documents", "s3 bucket %s", cfg.S3.Bucket)
	} else {
		line("documents", "folder %s", cfg.BlobDir)
	}
}
