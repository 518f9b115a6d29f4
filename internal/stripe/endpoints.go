package stripe

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	stripego "github.com/stripe/stripe-go/v76"
)

// Webhook endpoints: where Stripe sends events, each with its own signing
// secret. The platform's endpoint (connect=false) gets the platform
// account's own events; a Connect endpoint (connect=true) gets the events
// of every connected account, with "account" set. An endpoint renders its
// events at the API version it was created with (or the account's default
// when it was created without one), and that version cannot be changed
// afterwards: moving an endpoint to another version means a new endpoint,
// with a new secret. The secret is in the answer to the creation only.

// WebhookEndpoint is a webhook endpoint as Stripe holds it.
type WebhookEndpoint struct {
	ID  string // we_…
	URL string
	// APIVersion is the version events are rendered at for this endpoint;
	// "" when it was created without one (the account's default version).
	APIVersion    string
	Status        string   // enabled, disabled
	EnabledEvents []string // ["*"]: every event
	Description   string
	Metadata      map[string]string
	Livemode      bool
	// Secret signs the endpoint's deliveries (whsec_…). Stripe answers it
	// on creation only: "" otherwise.
	Secret string
}

// Enabled says whether Stripe sends events to the endpoint.
func (w WebhookEndpoint) Enabled() bool { return w.Status == "enabled" }

// WebhookEndpointInput is what CreateWebhookEndpoint sends. The endpoint
// is always created at APIVersion (2023-10-16), the version this adapter
// reads.
type WebhookEndpointInput struct {
	URL           string // absolute https URL (http is for test mode and stand-ins)
	Connect       bool   // true: the events of connected accounts
	EnabledEvents []string
	Description   string
	Metadata      map[string]string
}

// WebhookEndpointUpdate is what UpdateWebhookEndpoint changes: a nil or
// empty field is left as it is.
type WebhookEndpointUpdate struct {
	EnabledEvents []string
	Disabled      *bool
	Description   *string
	Metadata      map[string]string
}

// ListWebhookEndpoints returns every webhook endpoint of the account (of
// the key's mode), reading every page.
func (c *Client) ListWebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	const op = "list webhook endpoints"
	p := &stripego.WebhookEndpointListParams{}
	p.Limit = stripego.Int64(100)
	p.Context = ctx
	it := c.api.WebhookEndpoints.List(p)
	var out []WebhookEndpoint
	for it.Next() {
		out = append(out, webhookEndpointFrom(it.WebhookEndpoint()))
	}
	if err := it.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// CreateWebhookEndpoint creates an endpoint at APIVersion and returns it
// with its signing secret (the only time Stripe shows it).
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in WebhookEndpointInput, idempotencyKey string) (WebhookEndpoint, error) {
	const op = "create webhook endpoint"
	if err := needKey(op, idempotencyKey); err != nil {
		return WebhookEndpoint{}, err
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return WebhookEndpoint{}, fmt.Errorf("stripe: %s: URL %q is not an absolute http(s) URL", op, in.URL)
	}
	if len(in.EnabledEvents) == 0 {
		return WebhookEndpoint{}, fmt.Errorf("stripe: %s: at least one event type is required", op)
	}
	p := &stripego.WebhookEndpointParams{
		URL:           stripego.String(in.URL),
		APIVersion:    stripego.String(APIVersion),
		EnabledEvents: stripego.StringSlice(in.EnabledEvents),
	}
	if in.Connect {
		p.Connect = stripego.Bool(true)
	}
	if in.Description != "" {
		p.Description = stripego.String(in.Description)
	}
	if len(in.Metadata) > 0 {
		p.Metadata = copyMetadata(in.Metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	w, err := c.api.WebhookEndpoints.New(p)
	if err != nil {
		return WebhookEndpoint{}, wrap(op, err)
	}
	return webhookEndpointFrom(w), nil
}

// UpdateWebhookEndpoint changes an endpoint's events, description,
// metadata or whether it is disabled. Its API version and whether it is a
// Connect endpoint cannot change; neither does its secret.
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, id string, in WebhookEndpointUpdate, idempotencyKey string) (WebhookEndpoint, error) {
	const op = "update webhook endpoint"
	if err := needKey(op, idempotencyKey); err != nil {
		return WebhookEndpoint{}, err
	}
	if id == "" {
		return WebhookEndpoint{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.WebhookEndpointParams{}
	if len(in.EnabledEvents) > 0 {
		p.EnabledEvents = stripego.StringSlice(in.EnabledEvents)
	}
	if in.Disabled != nil {
		p.Disabled = stripego.Bool(*in.Disabled)
	}
	if in.Description != nil {
		p.Description = stripego.String(*in.Description)
	}
	if len(in.Metadata) > 0 {
		p.Metadata = copyMetadata(in.Metadata)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	w, err := c.api.WebhookEndpoints.Update(id, p)
	if err != nil {
		return WebhookEndpoint{}, wrap(op, err)
	}
	return webhookEndpointFrom(w), nil
}

func webhookEndpointFrom(w *stripego.WebhookEndpoint) WebhookEndpoint {
	return WebhookEndpoint{ID: w.ID, URL: w.URL, APIVersion: w.APIVersion, Status: w.Status,
		EnabledEvents: append([]string(nil), w.EnabledEvents...), Description: w.Description,
		Metadata: copyMetadata(w.Metadata), Livemode: w.Livemode, Secret: strings.TrimSpace(w.Secret)}
}
