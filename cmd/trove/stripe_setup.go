package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/stripe"
)

// stripeCommand runs `trove stripe <subcommand>`.
func stripeCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "setup-webhooks" {
		return usageError("stripe takes one subcommand: setup-webhooks")
	}
	cfg, err := loadConfig(getenv, configNeeds{})
	if err != nil {
		return err
	}
	if cfg.Stripe.SecretKey == "" {
		return &ConfigError{Problems: []string{"TROVE_STRIPE_SECRET_KEY: is required (sk_…): the account whose webhook endpoints are set up"}}
	}
	if stripe.Livemode(cfg.Stripe.SecretKey) && cfg.PublicURL.Scheme != "https" {
		return &ConfigError{Problems: []string{fmt.Sprintf("TROVE_PUBLIC_URL: is %s, but Stripe sends live-mode events only to https URLs", cfg.PublicURL)}}
	}
	client, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, APIBase: cfg.Stripe.APIBase,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		return err
	}
	return setupWebhooks(ctx, client, cfg.PublicURL.String(), stdout)
}

// wantedEndpoint is one of the two webhook endpoints Trove needs.
type wantedEndpoint struct {
	role      string // metadata trove_endpoint: platform, connect
	name      string // for people
	url       string
	connect   bool
	events    []string
	secretVar string // where its signing secret goes
}

// setupWebhooks makes the account's webhook endpoints what Trove needs, and
// says what it did: the platform's (<public URL>/webhooks/stripe) and the
// Connect endpoint (<public URL>/webhooks/stripe/connect, connect=true), each
// at API version 2023-10-16 (stripe.APIVersion) and subscribed to exactly the
// events Trove follows (stripe.PlatformEvents, stripe.ConnectEvents).
//
// An endpoint at the URL and the pinned version is kept (preferring one this
// command made, by its metadata) and brought up to date if its events, its
// status or its metadata differ; its secret stays (Stripe shows a secret at
// creation only). Without one, an endpoint is created and its secret printed.
// An endpoint's version cannot be changed, so one at the URL at another
// version (the account's default, typically) is left behind: it is disabled,
// since every event it renders is refused by Trove, and Stripe would
// disable it after three days of failures anyway. Run again, it changes
// nothing: every write is skipped when the endpoint is as wanted.
func setupWebhooks(ctx context.Context, client *stripe.Client, publicURL string, out io.Writer) error {
	base := strings.TrimSuffix(publicURL, "/")
	wanted := []wantedEndpoint{
		{role: "platform", name: "platform endpoint", url: base + "/webhooks/stripe", events: stripe.PlatformEvents(),
			secretVar: "TROVE_STRIPE_WEBHOOK_SECRET"},
		{role: "connect", name: "Connect endpoint", url: base + "/webhooks/stripe/connect", connect: true, events: stripe.ConnectEvents(),
			secretVar: "TROVE_STRIPE_CONNECT_WEBHOOK_SECRET"},
	}
	mode := "test"
	if client.Livemode() {
		mode = "live"
	}
	fmt.Fprintf(out, "Stripe webhook endpoints (%s mode), at API version %s:\n", mode, stripe.APIVersion)
	existing, err := client.ListWebhookEndpoints(ctx)
	if err != nil {
		return fmt.Errorf("stripe setup-webhooks: list the endpoints: %w", err)
	}
	var secrets []string
	for _, w := range wanted {
		secret, err := setupEndpoint(ctx, client, w, existing, out)
		if err != nil {
			return fmt.Errorf("stripe setup-webhooks: %s: %w", w.name, err)
		}
		if secret != "" {
			secrets = append(secrets, w.secretVar+"="+secret)
		}
	}
	if len(secrets) > 0 {
		fmt.Fprintf(out, "\nSet (a secret Stripe shows once; keep it out of logs and version control):\n")
		for _, s := range secrets {
			fmt.Fprintf(out, "  %s\n", s)
		}
		fmt.Fprintf(out, "Stripe signs with the new endpoint's secret from now on: where an old secret is set, set new,old until the\n"+
			"old endpoint's last retries are over (three days), then the new one alone.\n")
	}
	return nil
}

// setupEndpoint brings one wanted endpoint about and answers the new
// signing secret, if it made one.
func setupEndpoint(ctx context.Context, client *stripe.Client, w wantedEndpoint, existing []stripe.WebhookEndpoint, out io.Writer) (string, error) {
	var keep *stripe.WebhookEndpoint
	var others []stripe.WebhookEndpoint
	for _, ep := range existing {
		if strings.TrimSuffix(ep.URL, "/") != w.url {
			continue
		}
		switch {
		case ep.APIVersion != stripe.APIVersion:
			others = append(others, ep)
		case keep == nil:
			keep = &ep
		case ep.Metadata["trove_endpoint"] == w.role && keep.Metadata["trove_endpoint"] != w.role:
			others = append(others, *keep)
			keep = &ep
		default:
			others = append(others, ep)
		}
	}
	secret := ""
	wantedMeta := map[string]string{"trove_endpoint": w.role}
	if keep == nil {
		ep, err := client.CreateWebhookEndpoint(ctx, stripe.WebhookEndpointInput{URL: w.url, Connect: w.connect, EnabledEvents: w.events,
			Description: "Trove: " + w.name, Metadata: wantedMeta}, writeKey("create", w.role, w.url, w.connect, w.events))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(out, "  %s %s: created %s, %s.\n", w.name, w.url, ep.ID, eventWords(w.events))
		secret = ep.Secret
		if secret == "" {
			fmt.Fprintf(out, "    Stripe's answer held no signing secret: roll it in the Dashboard (Developers, Webhooks, %s,\n"+
				"    Roll secret) and set it in %s.\n", ep.ID, w.secretVar)
		}
	} else {
		var upd stripe.WebhookEndpointUpdate
		var changes []string
		if !sameEvents(keep.EnabledEvents, w.events) {
			upd.EnabledEvents = w.events
			changes = append(changes, "events "+strings.Join(keep.EnabledEvents, ",")+" -> "+eventWords(w.events))
		}
		if !keep.Enabled() {
			off := false
			upd.Disabled = &off
			changes = append(changes, "enabled again")
		}
		if keep.Metadata["trove_endpoint"] != w.role {
			upd.Metadata = wantedMeta
			changes = append(changes, "marked as Trove's")
		}
		if len(changes) == 0 {
			fmt.Fprintf(out, "  %s %s: %s is up to date (%s).\n", w.name, w.url, keep.ID, eventWords(w.events))
		} else {
			if _, err := client.UpdateWebhookEndpoint(ctx, keep.ID, upd, writeKey("update", keep.ID, keep.Status,
				strings.Join(keep.EnabledEvents, ","), keep.Metadata["trove_endpoint"], w.events)); err != nil {
				return "", err
			}
			fmt.Fprintf(out, "  %s %s: updated %s (%s).\n", w.name, w.url, keep.ID, strings.Join(changes, "; "))
		}
		if keep.Metadata["trove_endpoint"] != w.role && w.connect {
			fmt.Fprintf(out, "    %s was not made by this command: make sure it is a Connect endpoint (\"Events on Connected accounts\" in the\n"+
				"    Dashboard); if not, delete it and run this again.\n", keep.ID)
		}
		fmt.Fprintf(out, "    Its signing secret is the one set in %s (Stripe shows it at creation only). To change it: Dashboard,\n"+
			"    Developers, Webhooks, the endpoint, Roll secret; set new,old until the old one expires.\n", w.secretVar)
	}
	for _, o := range others {
		version := o.APIVersion
		if version == "" {
			version = "the account's default"
		}
		switch {
		case o.APIVersion != stripe.APIVersion && o.Enabled():
			off := true
			if _, err := client.UpdateWebhookEndpoint(ctx, o.ID, stripe.WebhookEndpointUpdate{Disabled: &off},
				writeKey("disable", o.ID, o.APIVersion)); err != nil {
				return "", err
			}
			fmt.Fprintf(out, "    Disabled %s at the same URL: its API version (%s) cannot be changed, and Trove refuses its events.\n"+
				"    Delete it in the Dashboard once the secret above is in place.\n", o.ID, version)
		case o.APIVersion != stripe.APIVersion:
			fmt.Fprintf(out, "    %s at the same URL renders API version %s and is disabled: delete it in the Dashboard.\n", o.ID, version)
		default:
			fmt.Fprintf(out, "    %s is a second endpoint at the same URL and version: every event arrives twice (Trove keeps one);\n"+
				"    delete one of them in the Dashboard.\n", o.ID)
		}
	}
	return secret, nil
}

func sameEvents(have, want []string) bool {
	a, b := slices.Clone(have), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func eventWords(events []string) string {
	if len(events) == 1 {
		return events[0]
	}
	return fmt.Sprintf("%d event types", len(events))
}

// writeKey is the idempotency key of one of the command's writes, made of
// what the write is and what it changes: a retry of the same write (an
// answer lost) is the same request to Stripe, and a write after the
// endpoint changed is a new one.
func writeKey(what string, parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return "trove-setup-webhooks:" + what + ":" + hex.EncodeToString(h.Sum(nil))[:32]
}
