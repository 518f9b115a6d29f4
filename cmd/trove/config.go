package main

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/trove-platform/trove/internal/auth"

	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/ratelimit"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/xero"
)

// Config is every setting of the trove binary. It is read from TROVE_*
// environment variables once, here, and passed down; nothing else reads the
// environment.
type Config struct {
	DatabaseURL       string
	DBMaxOpenConns    int
	DBMaxIdleConns    int
	DBConnMaxLifetime time.Duration
	DBConnectTimeout  time.Duration
	AutoMigrate       bool

	HTTPAddr        string
	MetricsAddr     string // "": /metrics on HTTPAddr; else on this listener only
	PublicURL       *url.URL
	ShutdownTimeout time.Duration
	LogLevel        slog.Level

	SecretKey          []byte
	SecretKeyInSandbox bool // no TROVE_SECRET_KEY with --sandbox: serve keeps one in SandboxDir
	PreviousSecretKeys [][]byte

	SeedAdminEmail    string
	SeedAdminPassword string

	Queue          queue.Config
	QueueWorkers   map[string]int
	QueueRetention time.Duration
	TrustedProxies auth.Proxies

	Shopify        ShopifyConfig
	Stripe         StripeConfig
	ReservationTTL time.Duration
	GuestCarts     ratelimit.Limit // new guest carts per client address
	// Sign-ups, password-reset requests and confirmations, invitation
	// acceptances per client address (sign-in has its own throttle).
	AccountRequests ratelimit.Limit

	MailDriver string // "local" or "smtp"
	MailFrom   string
	SMTP       mail.SMTPConfig

	Xero    XeroConfig
	Payouts PayoutConfig

	BlobDriver string // "local" or "s3"
	BlobDir    string // the local driver's folder
	S3         blob.S3Config

	// SandboxDir is where `serve --sandbox` keeps the stand-ins' state (and
	// the local mailbox) across restarts.
	SandboxDir string
}

// ShopifyConfig is the Shopify app's settings.
type ShopifyConfig struct {
	APIKey     string
	APISecrets []string // the first signs; all verify (rotation)
	APIVersion string
	Scopes     []string
	Endpoint   string // a stand-in's base URL; "" is Shopify itself
}

// XeroConfig is the platform's Xero app and bookkeeping settings.
type XeroConfig struct {
	ClientID, ClientSecret           string
	Scopes                           []string // asked for at the consent
	APIBase, IdentityBase, LoginBase string   // "" is Xero itself
	PayoutAccount, CommissionAccount string
	BankAccount, TaxType             string
}

// PayoutConfig is when and how vendors are paid.
type PayoutConfig struct {
	Schedule       string        // cron (UTC)
	Hold           time.Duration // after shipping, before a cycle pays
	ConnectCountry string        // the vendors' Stripe Express accounts
}

// StripeConfig is the Stripe account's settings.
type StripeConfig struct {
	SecretKey      string
	PublishableKey string   // for the storefront's card form
	WebhookSecrets []string // the platform endpoint's; every one verifies (rotation)
	// ConnectWebhookSecrets are the Connect endpoint's (connected accounts'
	// events, /webhooks/stripe/connect); every one verifies.
	ConnectWebhookSecrets []string
	APIBase               string // a stand-in's base URL; "" is Stripe itself
}

// configNeeds says which settings a subcommand cannot do without.
type configNeeds struct {
	database bool
	secret   bool
	// sandbox: provider settings left unset take the local stand-ins' values;
	// without it they are required.
	sandbox   bool
	providers bool
}

// Values the sandbox providers use when the variables are unset.
const (
	sandboxShopifyKey    = "sandbox-shopify-key"
	sandboxShopifySecret = "sandbox-shopify-secret"
	sandboxStripeSecret  = "sk_test_sandbox"
	sandboxStripePublic  = "pk_test_sandbox"
	sandboxStripeWebhook = "whsec_sandbox"
	sandboxStripeConnect = "whsec_sandbox_connect"
	sandboxXeroClientID  = "sandbox-client-id"
	sandboxXeroSecret    = "sandbox-client-secret"
)

// ConfigError lists every problem found in the environment at once.
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string {
	return "configuration is not valid:\n  - " + strings.Join(e.Problems, "\n  - ") +
		"\nSee deploy/env.example for every variable and what it expects."
}

// env reads variables and collects problems, so that one run reports them all.
// It also remembers every name it was asked for, which lets a test hold
// deploy/env.example to the variables the code really reads.
type env struct {
	getenv   func(string) string
	problems []string
	read     []string
}

func (e *env) get(name string) string {
	e.read = append(e.read, name)
	return strings.TrimSpace(e.getenv(name))
}

func (e *env) problem(name, format string, args ...any) {
	e.problems = append(e.problems, name+": "+fmt.Sprintf(format, args...))
}

func (e *env) str(name, def string) string {
	if v := e.get(name); v != "" {
		return v
	}
	return def
}

func (e *env) integer(name string, def, lo, hi int) int {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.problem(name, "want a whole number from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

func (e *env) duration(name string, def time.Duration) time.Duration {
	v := e.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.problem(name, "want a positive duration such as 30s or 5m, got %q", v)
		return def
	}
	return d
}

// listenAddr reads a host:port to listen on; "" stays "" when def is "".
func (e *env) listenAddr(name, def string) string {
	v := e.str(name, def)
	if v == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(v); err != nil {
		e.problem(name, "want host:port such as 127.0.0.1:8080 or :8080, got %q", v)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		e.problem(name, "port must be a number from 0 to 65535, got %q", port)
	}
	return v
}

// list reads comma-separated values (secrets during a rotation: new,old),
// dropping empty ones.
func (e *env) list(name string) []string {
	var out []string
	for _, part := range strings.Split(e.get(name), ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (e *env) boolean(name string, def bool) bool {
	v := e.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.problem(name, "want 1/0 or true/false, got %q", v)
		return def
	}
	return b
}

// key decodes a base64 32-byte key. Its value is never echoed: it is a secret.
func (e *env) key(name, value string) []byte {
	k, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		e.problem(name, "is not valid base64 (generate one with: head -c 32 /dev/urandom | base64)")
		return nil
	}
	if len(k) != secrets.KeySize {
		e.problem(name, "must decode to %d bytes, it decodes to %d", secrets.KeySize, len(k))
		return nil
	}
	return k
}

// loadConfig reads and checks every setting. All problems come back together in
// a *ConfigError.
func loadConfig(getenv func(string) string, needs configNeeds) (Config, error) {
	c, e := parseConfig(getenv, needs)
	if len(e.problems) > 0 {
		return Config{}, &ConfigError{Problems: e.problems}
	}
	return c, nil
}

func parseConfig(getenv func(string) string, needs configNeeds) (Config, *env) {
	e := &env{getenv: getenv}
	var c Config

	c.DatabaseURL = e.get("TROVE_DATABASE_URL")
	switch {
	case c.DatabaseURL == "" && needs.database:
		e.problem("TROVE_DATABASE_URL", "is required: a MySQL DSN such as user:pass@tcp(127.0.0.1:3306)/trove")
	case c.DatabaseURL != "":
		if _, err := db.Config(c.DatabaseURL); err != nil {
			// The DSN may hold a password: say what is wrong, not what it is.
			e.problem("TROVE_DATABASE_URL", "is not a valid go-sql-driver DSN (user:pass@tcp(host:port)/dbname)")
		}
	}
	c.DBMaxOpenConns = e.integer("TROVE_DB_MAX_OPEN_CONNS", 25, 1, 1000)
	c.DBMaxIdleConns = e.integer("TROVE_DB_MAX_IDLE_CONNS", 10, 0, 1000)
	if c.DBMaxIdleConns > c.DBMaxOpenConns {
		e.problem("TROVE_DB_MAX_IDLE_CONNS", "must not exceed TROVE_DB_MAX_OPEN_CONNS (%d)", c.DBMaxOpenConns)
	}
	c.DBConnMaxLifetime = e.duration("TROVE_DB_CONN_MAX_LIFETIME", 5*time.Minute)
	c.DBConnectTimeout = e.duration("TROVE_DB_CONNECT_TIMEOUT", 30*time.Second)
	c.AutoMigrate = e.boolean("TROVE_AUTO_MIGRATE", false)

	c.HTTPAddr = e.listenAddr("TROVE_HTTP_ADDR", "127.0.0.1:8080")
	c.MetricsAddr = e.listenAddr("TROVE_METRICS_ADDR", "")
	if c.MetricsAddr != "" && c.MetricsAddr == c.HTTPAddr && !strings.HasSuffix(c.HTTPAddr, ":0") {
		e.problem("TROVE_METRICS_ADDR", "must differ from TROVE_HTTP_ADDR (%s): metrics get a listener of their own", c.HTTPAddr)
	}

	pub := e.str("TROVE_PUBLIC_URL", "http://localhost:8080")
	if u, err := url.Parse(pub); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		e.problem("TROVE_PUBLIC_URL", "want the absolute http(s) URL users reach Trove at, with no path, such as https://trove.example.com; got %q", pub)
	} else {
		u.Path = ""
		c.PublicURL = u
	}

	c.ShutdownTimeout = e.duration("TROVE_SHUTDOWN_TIMEOUT", 20*time.Second)

	switch lvl := strings.ToLower(e.str("TROVE_LOG_LEVEL", "info")); lvl {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		e.problem("TROVE_LOG_LEVEL", "want one of debug, info, warn, error; got %q", lvl)
	}

	if v := e.get("TROVE_SECRET_KEY"); v != "" {
		c.SecretKey = e.key("TROVE_SECRET_KEY", v)
	} else if needs.secret && !needs.sandbox {
		e.problem("TROVE_SECRET_KEY", "is required: base64 of 32 random bytes (generate one with: head -c 32 /dev/urandom | base64)")
	}
	if v := e.get("TROVE_SECRET_KEYS_PREVIOUS"); v != "" {
		for i, part := range strings.Split(v, ",") {
			if k := e.key(fmt.Sprintf("TROVE_SECRET_KEYS_PREVIOUS (item %d)", i+1), strings.TrimSpace(part)); k != nil {
				c.PreviousSecretKeys = append(c.PreviousSecretKeys, k)
			}
		}
	}

	c.Queue.Driver = e.str("TROVE_QUEUE", queue.DriverMySQL)
	if c.Queue.Driver != queue.DriverMySQL && c.Queue.Driver != queue.DriverSQS {
		e.problem("TROVE_QUEUE", "want mysql or sqs, got %q", c.Queue.Driver)
	}
	c.Queue.PollInterval = e.duration("TROVE_QUEUE_POLL_INTERVAL", time.Second)
	c.Queue.LeaseMargin = e.duration("TROVE_QUEUE_LEASE_MARGIN", 30*time.Second)
	c.QueueWorkers = map[string]int{}
	if v := e.get("TROVE_QUEUE_WORKERS"); v != "" {
		for _, part := range strings.Split(v, ",") {
			name, n, ok := strings.Cut(strings.TrimSpace(part), "=")
			count, err := strconv.Atoi(n)
			if !ok || name == "" || err != nil || count < 1 || count > 256 {
				e.problem("TROVE_QUEUE_WORKERS", "want handler=count pairs such as email.send=8,payouts.transfer=2 (count 1-256), got %q", part)
				continue
			}
			c.QueueWorkers[name] = count
		}
	}
	c.QueueRetention = e.duration("TROVE_QUEUE_RETENTION", 30*24*time.Hour)
	c.Queue.SQS.Endpoint = e.get("TROVE_SQS_ENDPOINT")
	if c.Queue.SQS.Endpoint != "" {
		if u, err := url.Parse(c.Queue.SQS.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.problem("TROVE_SQS_ENDPOINT", "want an http(s) URL such as http://127.0.0.1:4100, got %q", c.Queue.SQS.Endpoint)
		}
	}
	c.Queue.SQS.Region = e.str("TROVE_SQS_REGION", "us-east-1")
	c.Queue.SQS.QueueName = e.str("TROVE_SQS_QUEUE", "trove-jobs")
	c.Queue.SQS.DLQName = e.str("TROVE_SQS_DLQ", c.Queue.SQS.QueueName+"-dlq")
	c.Queue.SQS.MaxReceiveCount = e.integer("TROVE_SQS_MAX_RECEIVE_COUNT", 25, 2, 1000)
	// Shorter than the 15-minute delays the consumers use, a message merely
	// waiting would be taken for lost and its job sent twice.
	if c.Queue.SQS.ResendAfter = e.duration("TROVE_SQS_RESEND_AFTER", 30*time.Minute); c.Queue.SQS.ResendAfter < 20*time.Minute {
		e.problem("TROVE_SQS_RESEND_AFTER", "want at least 20m (longer than SQS's 15-minute message delays), got %s", c.Queue.SQS.ResendAfter)
	}
	if v := e.get("TROVE_TRUSTED_PROXIES"); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			prefix, err := netip.ParsePrefix(part)
			if err != nil {
				addr, aerr := netip.ParseAddr(part)
				if aerr != nil {
					e.problem("TROVE_TRUSTED_PROXIES", "want IP addresses or CIDR prefixes such as 10.0.0.0/8, got %q", part)
					continue
				}
				prefix = netip.PrefixFrom(addr, addr.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, prefix)
		}
	}

	c.Shopify.APIKey = e.get("TROVE_SHOPIFY_API_KEY")
	if v := e.get("TROVE_SHOPIFY_API_SECRET"); v != "" {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				c.Shopify.APISecrets = append(c.Shopify.APISecrets, part)
			}
		}
	}
	// Whether the version is still supported depends on the day: serve
	// checks that at start (shopifyVersionCheck).
	c.Shopify.APIVersion = e.str("TROVE_SHOPIFY_API_VERSION", shopify.DefaultAPIVersion)
	if !regexp.MustCompile(`^20[0-9]{2}-(01|04|07|10)$`).MatchString(c.Shopify.APIVersion) {
		e.problem("TROVE_SHOPIFY_API_VERSION", "want a Shopify API version such as %s, got %q", shopify.DefaultAPIVersion, c.Shopify.APIVersion)
	}
	c.Shopify.Scopes = strings.Split(e.str("TROVE_SHOPIFY_SCOPES", "read_products,read_inventory,write_orders,read_orders,write_fulfillments"), ",")
	c.Shopify.Endpoint = e.get("TROVE_SHOPIFY_ENDPOINT")
	if c.Shopify.Endpoint != "" {
		if u, err := url.Parse(c.Shopify.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.problem("TROVE_SHOPIFY_ENDPOINT", "want an http(s) URL, got %q", c.Shopify.Endpoint)
		}
	}
	if needs.sandbox {
		if c.Shopify.APIKey == "" {
			c.Shopify.APIKey = sandboxShopifyKey
		}
		if len(c.Shopify.APISecrets) == 0 {
			c.Shopify.APISecrets = []string{sandboxShopifySecret}
		}
		if c.Shopify.Endpoint == "" && c.PublicURL != nil {
			c.Shopify.Endpoint = c.PublicURL.String() + "/sandbox/shopify"
		}
	} else if needs.providers {
		if c.Shopify.APIKey == "" {
			e.problem("TROVE_SHOPIFY_API_KEY", "is required (the Shopify app's client id), or run with --sandbox")
		}
		if len(c.Shopify.APISecrets) == 0 {
			e.problem("TROVE_SHOPIFY_API_SECRET", "is required (the Shopify app's client secret; a second, comma-separated, during rotation), or run with --sandbox")
		}
	}

	c.Stripe.SecretKey = e.get("TROVE_STRIPE_SECRET_KEY")
	if c.Stripe.SecretKey != "" && !strings.HasPrefix(c.Stripe.SecretKey, "sk_") && !strings.HasPrefix(c.Stripe.SecretKey, "rk_") {
		e.problem("TROVE_STRIPE_SECRET_KEY", "want a Stripe secret or restricted key (sk_… or rk_…)")
	}
	c.Stripe.PublishableKey = e.get("TROVE_STRIPE_PUBLISHABLE_KEY")
	c.Stripe.WebhookSecrets = e.list("TROVE_STRIPE_WEBHOOK_SECRET")
	c.Stripe.ConnectWebhookSecrets = e.list("TROVE_STRIPE_CONNECT_WEBHOOK_SECRET")
	c.Stripe.APIBase = e.get("TROVE_STRIPE_API_BASE")
	if c.Stripe.APIBase != "" {
		if u, err := url.Parse(c.Stripe.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.problem("TROVE_STRIPE_API_BASE", "want an http(s) URL, got %q", c.Stripe.APIBase)
		}
	}
	if needs.sandbox {
		if c.Stripe.SecretKey == "" {
			c.Stripe.SecretKey = sandboxStripeSecret
		}
		if c.Stripe.PublishableKey == "" {
			c.Stripe.PublishableKey = sandboxStripePublic
		}
		if len(c.Stripe.WebhookSecrets) == 0 {
			c.Stripe.WebhookSecrets = []string{sandboxStripeWebhook}
		}
		if len(c.Stripe.ConnectWebhookSecrets) == 0 {
			c.Stripe.ConnectWebhookSecrets = []string{sandboxStripeConnect}
		}
		if c.Stripe.APIBase == "" && c.PublicURL != nil {
			c.Stripe.APIBase = c.PublicURL.String() + "/sandbox/stripe"
		}
	} else if needs.providers {
		if c.Stripe.SecretKey == "" {
			e.problem("TROVE_STRIPE_SECRET_KEY", "is required (sk_…), or run with --sandbox")
		}
		if c.Stripe.PublishableKey == "" {
			e.problem("TROVE_STRIPE_PUBLISHABLE_KEY", "is required (pk_…, for the storefront's card form), or run with --sandbox")
		}
		if len(c.Stripe.WebhookSecrets) == 0 {
			e.problem("TROVE_STRIPE_WEBHOOK_SECRET", "is required (whsec_…; new,old during rotation): the platform endpoint's signing secret, which trove stripe setup-webhooks prints; or run with --sandbox")
		}
		if len(c.Stripe.ConnectWebhookSecrets) == 0 {
			e.problem("TROVE_STRIPE_CONNECT_WEBHOOK_SECRET", "is required (whsec_…; new,old during rotation): the Connect endpoint's signing secret, which trove stripe setup-webhooks prints (vendors' account.updated arrives there); or run with --sandbox")
		}
	}
	c.ReservationTTL = e.duration("TROVE_RESERVATION_TTL", 15*time.Minute)
	// A shopper makes one cart; an office behind one address makes a few
	// hundred at most at once. A script making thousands gets 429s.
	c.GuestCarts = ratelimit.Limit{
		PerMinute: float64(e.integer("TROVE_GUEST_CARTS_PER_MINUTE", 120, 1, 1_000_000)),
		Burst:     e.integer("TROVE_GUEST_CARTS_BURST", 300, 1, 1_000_000),
	}
	// Each of these hashes a password or sends a mail: a script must not
	// make accounts or mail people by the thousand.
	c.AccountRequests = ratelimit.Limit{
		PerMinute: float64(e.integer("TROVE_ACCOUNT_REQUESTS_PER_MINUTE", 10, 1, 1_000_000)),
		Burst:     e.integer("TROVE_ACCOUNT_REQUESTS_BURST", 30, 1, 1_000_000),
	}

	c.Xero = XeroConfig{
		ClientID: e.get("TROVE_XERO_CLIENT_ID"), ClientSecret: e.get("TROVE_XERO_CLIENT_SECRET"),
		APIBase: e.get("TROVE_XERO_API_BASE"), IdentityBase: e.get("TROVE_XERO_IDENTITY_BASE"), LoginBase: e.get("TROVE_XERO_LOGIN_BASE"),
		PayoutAccount: e.str("TROVE_XERO_PAYOUT_ACCOUNT", "300"), CommissionAccount: e.str("TROVE_XERO_COMMISSION_ACCOUNT", "260"),
		BankAccount: e.str("TROVE_XERO_BANK_ACCOUNT", "090"), TaxType: e.str("TROVE_XERO_TAX_TYPE", "NONE"),
		Scopes: strings.Fields(e.str("TROVE_XERO_SCOPES", strings.Join(xero.DefaultScopes, " "))),
	}
	// Xero's consent refuses what the app may not ask for; better to say so
	// at start than when an operator connects, or when a payout's bill fails.
	if err := xero.CheckScopes(c.Xero.Scopes); err != nil {
		e.problem("TROVE_XERO_SCOPES", "want space-separated Xero scopes covering Trove's calls (default %q): %v",
			strings.Join(xero.DefaultScopes, " "), err)
	}
	for name, v := range map[string]string{"TROVE_XERO_API_BASE": c.Xero.APIBase, "TROVE_XERO_IDENTITY_BASE": c.Xero.IdentityBase,
		"TROVE_XERO_LOGIN_BASE": c.Xero.LoginBase} {
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			e.problem(name, "want an http(s) URL, got %q", v)
		}
	}
	if needs.sandbox {
		if c.Xero.ClientID == "" {
			c.Xero.ClientID = sandboxXeroClientID
		}
		if c.Xero.ClientSecret == "" {
			c.Xero.ClientSecret = sandboxXeroSecret
		}
		if c.PublicURL != nil {
			base := c.PublicURL.String() + "/sandbox/xero"
			for _, f := range []*string{&c.Xero.APIBase, &c.Xero.IdentityBase, &c.Xero.LoginBase} {
				if *f == "" {
					*f = base
				}
			}
		}
	} else if needs.providers {
		if c.Xero.ClientID == "" {
			e.problem("TROVE_XERO_CLIENT_ID", "is required (the Xero app's client id), or run with --sandbox")
		}
		if c.Xero.ClientSecret == "" {
			e.problem("TROVE_XERO_CLIENT_SECRET", "is required (the Xero app's client secret), or run with --sandbox")
		}
	}
	c.Payouts.Schedule = e.str("TROVE_PAYOUT_SCHEDULE", "0 6 * * 1")
	if _, err := cron.ParseStandard(c.Payouts.Schedule); err != nil {
		e.problem("TROVE_PAYOUT_SCHEDULE", "want a cron schedule in UTC such as \"0 6 * * 1\" (Mondays 06:00), got %q: %v", c.Payouts.Schedule, err)
	}
	c.Payouts.Hold = e.duration("TROVE_PAYOUT_HOLD", 7*24*time.Hour)
	c.Payouts.ConnectCountry = strings.ToUpper(e.str("TROVE_STRIPE_CONNECT_COUNTRY", "US"))
	if !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(c.Payouts.ConnectCountry) {
		e.problem("TROVE_STRIPE_CONNECT_COUNTRY", "want a two-letter country code such as US, got %q", c.Payouts.ConnectCountry)
	}

	c.MailDriver = e.str("TROVE_MAIL_DRIVER", "local")
	c.MailFrom = e.str("TROVE_MAIL_FROM", "Trove <no-reply@trove.local>")
	if _, err := netmail.ParseAddress(c.MailFrom); err != nil {
		e.problem("TROVE_MAIL_FROM", "want an address such as \"Trove <no-reply@example.com>\", got %q", c.MailFrom)
	}
	c.SMTP = mail.SMTPConfig{
		Host:     e.get("TROVE_SMTP_HOST"),
		Port:     e.integer("TROVE_SMTP_PORT", 587, 1, 65535),
		Username: e.get("TROVE_SMTP_USERNAME"),
		Password: e.get("TROVE_SMTP_PASSWORD"),
		TLS:      mail.TLSMode(e.str("TROVE_SMTP_TLS", string(mail.TLSStartTLS))),
	}
	switch c.MailDriver {
	case "local":
	case "smtp":
		if _, err := mail.NewSMTP(c.SMTP); err != nil {
			// The error names hosts and modes, never the password.
			e.problem("TROVE_SMTP_*", "%v", err)
		}
	default:
		e.problem("TROVE_MAIL_DRIVER", "want local or smtp, got %q", c.MailDriver)
	}

	c.SandboxDir = e.str("TROVE_SANDBOX_DIR", ".data/sandbox")
	// With the sandbox and no key set, serve makes one and keeps it with the
	// stand-ins' state (sandboxSecretKey), so the demo starts with nothing
	// to set. Real providers always need TROVE_SECRET_KEY.
	c.SecretKeyInSandbox = c.SecretKey == nil && needs.secret && needs.sandbox

	c.BlobDriver = e.str("TROVE_BLOB_DRIVER", "local")
	c.BlobDir = e.str("TROVE_BLOB_DIR", ".data/blobs")
	c.S3 = blob.S3Config{
		Bucket:    e.get("TROVE_S3_BUCKET"),
		Prefix:    e.get("TROVE_S3_PREFIX"),
		Region:    e.get("TROVE_S3_REGION"),
		Endpoint:  e.get("TROVE_S3_ENDPOINT"),
		PathStyle: e.boolean("TROVE_S3_PATH_STYLE", false),
	}
	switch c.BlobDriver {
	case "local":
	case "s3":
		if c.S3.Bucket == "" {
			e.problem("TROVE_S3_BUCKET", "is required with TROVE_BLOB_DRIVER=s3")
		}
		if u, err := url.Parse(c.S3.Endpoint); c.S3.Endpoint != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			e.problem("TROVE_S3_ENDPOINT", "want the http(s) URL of an S3-compatible store, got %q", c.S3.Endpoint)
		}
	default:
		e.problem("TROVE_BLOB_DRIVER", "want local or s3, got %q", c.BlobDriver)
	}

	c.SeedAdminEmail = e.str("TROVE_SEED_ADMIN_EMAIL", "admin@trove.local")
	if !strings.Contains(c.SeedAdminEmail, "@") {
		e.problem("TROVE_SEED_ADMIN_EMAIL", "want an email address, got %q", c.SeedAdminEmail)
	}
	c.SeedAdminPassword = e.get("TROVE_SEED_ADMIN_PASSWORD")
	if c.SeedAdminPassword != "" && len(c.SeedAdminPassword) < 12 {
		e.problem("TROVE_SEED_ADMIN_PASSWORD", "must be at least 12 characters")
	}
	return c, e
}

// Secrets returns the box that seals tokens at rest with the configured keys.
func (c Config) Secrets() (*secrets.Box, error) {
	return secrets.New(c.SecretKey, c.PreviousSecretKeys...)
}

// DBOptions returns the pool settings.
func (c Config) DBOptions() db.Options {
	return db.Options{
		MaxOpenConns:    c.DBMaxOpenConns,
		MaxIdleConns:    c.DBMaxIdleConns,
		ConnMaxLifetime: c.DBConnMaxLifetime,
		ConnectTimeout:  c.DBConnectTimeout,
	}
}
