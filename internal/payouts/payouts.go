// Package payouts pays vendors for what they sold: an append-only ledger per
// vendor (sales, commission, refunds, operators' adjustments), payout cycles
// that pay each vendor's settled entries with one Stripe Connect transfer, and
// transfer reversals when a refund comes after the money went out. Xero
// bookkeeping of each payout is internal/invoicing's, told by jobs.
package payouts

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/robfig/cron/v3"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/vendors"
)

// Defaults of the payout schedule.
const (
	DefaultSchedule = "0 6 * * 1" // Mondays 06:00 UTC
	DefaultHold     = 7 * 24 * time.Hour
)

// Config is what the Service needs besides its collaborators.
type Config struct {
	// Schedule is the cron spec (UTC) of the payout cycles, for the vendors'
	// "next payout" estimate (cmd/trove schedules the cycle job with it).
	Schedule string
	// Hold is how long after a vendor order shipped its money waits before a
	// cycle pays it (returns and disputes come first).
	Hold time.Duration
	// PublicURL is where users reach Trove: the Connect onboarding returns there.
	PublicURL string
	// ConnectCountry is the country of the vendors' Express accounts.
	ConnectCountry string
}

// Service keeps the ledger and runs payouts. Safe for concurrent use.
type Service struct {
	db       *sqlx.DB
	clock    clock.Clock
	queue    *queue.Queue
	orders   *orders.Store
	vendors  *vendors.Store
	stripe   *stripe.Client
	cfg      Config
	schedule cron.Schedule
	log      *slog.Logger
}

// Deps are the Service's collaborators.
type Deps struct {
	DB      *sqlx.DB
	Clock   clock.Clock
	Queue   *queue.Queue
	Orders  *orders.Store
	Vendors *vendors.Store
	Stripe  *stripe.Client
	Log     *slog.Logger // nil: slog.Default()
}

// New returns a Service; an invalid schedule is an error.
func New(d Deps, cfg Config) (*Service, error) {
	if cfg.Schedule == "" {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Hold < 0 {
		return nil, errors.New("payouts: the hold must not be negative")
	}
	if cfg.ConnectCountry == "" {
		cfg.ConnectCountry = "US"
	}
	sched, err := cron.ParseStandard(cfg.Schedule)
	if err != nil {
		return nil, fmt.Errorf("payouts: schedule %q: %w", cfg.Schedule, err)
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d.DB, clock: d.Clock, queue: d.Queue, orders: d.Orders, vendors: d.Vendors, stripe: d.Stripe, cfg: cfg,
		schedule: sched, log: log}, nil
}

// Commission is the platform's commission on amount (minor units) at bps
// basis points, rounded half up to the minor unit. The commission given back
// with refunds is the difference of this function over the amount refunded
// so far, so that a vendor order refunded in full gives back exactly its
// commission, however many refunds it took. The product is taken in 128 bits
// (money.MulDivRound): it cannot wrap, and a rate above 100% (which vendors
// refuses) could only fail with money.ErrOverflow.
func Commission(amount int64, bps int) (int64, error) {
	if amount <= 0 || bps <= 0 {
		return 0, nil
	}
	return money.MulDivRound(amount, int64(bps), 10000)
}

// NextPayout is when the schedule runs next after now.
func (s *Service) NextPayout(now time.Time) time.Time { return s.schedule.Next(now.UTC()) }
