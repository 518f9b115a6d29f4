// Package shopify is Trove's adapter for a vendor's Shopify store: OAuth install
// with expiring offline tokens, HMAC checks for callbacks and webhooks, and the
// GraphQL Admin API reads that catalog sync needs.
//
// It speaks in Trove's words: callers see Token, Product, Variant and ShopInfo,
// never a go-shopify type. go-shopify (v4) is used for what it does well: the
// HTTP client that knows the Admin API paths and headers, and the OAuth HMAC
// helpers. The token exchange and refresh are done here with net/http, because
// go-shopify's GetAccessToken returns only the access token and knows nothing of
// expiring offline tokens and their rotating refresh tokens.
//
// Config.Endpoint points every request, for every shop, at a stand-in (the
// sandbox): requests keep the shop's domain in the Host header, so one stand-in
// serves many shops.
package shopify

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"

	"github.com/trove-platform/trove/internal/platform/clock"
)

// Errors a caller can act on. Each is wrapped with detail; test with errors.Is.
var (
	// ErrUnauthorized: Shopify refused the access token (HTTP 401): it expired or
	// was revoked. Refresh it, or mark the connection broken.
	ErrUnauthorized = errors.New("shopify: access token refused")
	// ErrInvalidGrant: the token endpoint refused the authorization code or the
	// refresh token (HTTP 4xx, such as invalid_grant). Retrying will not help:
	// the vendor must connect the store again.
	ErrInvalidGrant = errors.New("shopify: grant refused")
	// ErrInvalidCallback: an OAuth callback failed a check (hmac, shop, timestamp).
	ErrInvalidCallback = errors.New("shopify: invalid oauth callback")
	// ErrThrottled: GraphQL calls were still throttled after the bounded retries.
	ErrThrottled = errors.New("shopify: throttled")
)

// Config is what the adapter needs; see cmd/trove/config.go for where it comes from.
type Config struct {
	APIKey     string
	APISecrets []string // [0] is current; every one verifies HMACs (secret rotation)
	APIVersion string   // pinned Admin API version, e.g. DefaultAPIVersion
	Scopes     []string // e.g. read_products, read_inventory, write_orders
	// Endpoint, when set, sends every request for any shop to this base URL
	// (the sandbox), with the shop domain kept in the Host header and in a
	// `shop` query parameter on the authorize URL. Empty: https://{shop}.
	Endpoint   string
	HTTPClient *http.Client
	Clock      clock.Clock
	// Log gets the warning when Shopify answers with another API version
	// than the pinned one. Nil: slog.Default().
	Log *slog.Logger
}

// Client talks to any number of shops with one app's credentials. Safe for
// concurrent use.
type Client struct {
	cfg      Config
	endpoint *url.URL
	hc       *http.Client
	clock    clock.Clock
	apps     []goshopify.App // one per secret, for go-shopify's HMAC helpers
	watch    *versionWatch

	// Throttle handling: how many GraphQL attempts in all, and the longest
	// single wait. Tests may lower them.
	maxAttempts int
	maxWait     time.Duration
}

var (
	shopPattern    = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`)
	versionPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`)
)

// ValidShop reports whether shop is a bare myshopify.com hostname, the only
// form Trove accepts from a browser or a callback.
func ValidShop(shop string) bool { return shopPattern.MatchString(shop) }

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	var problems []string
	if cfg.APIKey == "" {
		problems = append(problems, "APIKey is required")
	}
	if len(cfg.APISecrets) == 0 {
		problems = append(problems, "at least one API secret is required")
	}
	for i, s := range cfg.APISecrets {
		if s == "" {
			problems = append(problems, fmt.Sprintf("API secret %d is empty", i))
		}
	}
	if !versionPattern.MatchString(cfg.APIVersion) && cfg.APIVersion != "unstable" {
		problems = append(problems, fmt.Sprintf("APIVersion %q is not of the form YYYY-MM", cfg.APIVersion))
	}
	var endpoint *url.URL
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Sprintf("Endpoint %q is not an http(s) URL", cfg.Endpoint))
		} else {
			u.Path = strings.TrimSuffix(u.Path, "/")
			u.RawPath, u.RawQuery, u.Fragment = "", "", ""
			endpoint = u
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("shopify: config: %s", strings.Join(problems, "; "))
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient // the caller's client is left as it is
		hc = &copied
	}
	if endpoint != nil {
		hc.Transport = &endpointTransport{base: hc.Transport, target: endpoint}
	}
	watch := &versionWatch{base: hc.Transport, report: func(requested, served string) {
		log.Warn("shopify answered with another Admin API version than the pinned one: the pinned version is no longer supported; move TROVE_SHOPIFY_API_VERSION",
			"requested", requested, "served", served)
	}}
	hc.Transport = watch
	c := &Client{cfg: cfg, endpoint: endpoint, hc: hc, clock: cfg.Clock, watch: watch, maxAttempts: 5, maxWait: 30 * time.Second}
	for _, s := range cfg.APISecrets {
		c.apps = append(c.apps, goshopify.App{ApiKey: cfg.APIKey, ApiSecret: s})
	}
	return c, nil
}

// endpointTransport sends a request meant for https://{shop}/path to
// {target}/path, keeping the shop in the Host header.
type endpointTransport struct {
	base   http.RoundTripper
	target *url.URL
}

func (t *endpointTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.Host = r.URL.Host
	out.URL.Scheme = t.target.Scheme
	out.URL.Host = t.target.Host
	out.URL.Path = t.target.Path + r.URL.Path
	out.URL.RawPath = ""
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}
