// Package invoicing books every payout in the platform's Xero organisation:
// the vendor's contact, an ACCPAY bill with a line per vendor order and a
// commission line, and the payment that makes it PAID; a credit note (and its
// refund payment) for every transfer reversal; and a reconciliation of each
// payout across the ledger, Stripe and Xero.
package invoicing

import (
	"crypto/rand"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/singleflight"

	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/xero"
)

var randRead = rand.Read

// Config is the bookkeeping's settings.
type Config struct {
	PublicURL         string // where operators reach Trove: the OAuth callback is under it
	PayoutAccount     string // expense/direct-cost account of the bills' order lines ("300")
	CommissionAccount string // revenue account of the commission line ("260")
	BankAccount       string // bank or clearing account the payments are made from ("090")
	TaxType           string // tax type of every line ("NONE")
}

// Service books payouts in Xero. Safe for concurrent use.
type Service struct {
	db      *sqlx.DB
	clock   clock.Clock
	queue   *queue.Queue
	box     *secrets.Box
	xero    *xero.Client
	stripe  *stripe.Client
	payouts *payouts.Service
	vendors *vendors.Store
	cfg     Config
	log     *slog.Logger
	flight  singleflight.Group
}

// Deps are the Service's collaborators.
type Deps struct {
	DB      *sqlx.DB
	Clock   clock.Clock
	Queue   *queue.Queue
	Box     *secrets.Box
	Xero    *xero.Client
	Stripe  *stripe.Client
	Payouts *payouts.Service
	Vendors *vendors.Store
	Log     *slog.Logger
}

// New returns a Service.
func New(d Deps, cfg Config) *Service {
	if cfg.PayoutAccount == "" {
		cfg.PayoutAccount = "300"
	}
	if cfg.CommissionAccount == "" {
		cfg.CommissionAccount = "260"
	}
	if cfg.BankAccount == "" {
		cfg.BankAccount = "090"
	}
	if cfg.TaxType == "" {
		cfg.TaxType = "NONE"
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d.DB, clock: d.Clock, queue: d.Queue, box: d.Box, xero: d.Xero, stripe: d.Stripe, payouts: d.Payouts,
		vendors: d.Vendors, cfg: cfg, log: log}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
