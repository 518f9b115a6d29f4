package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// Account is a vendor's Stripe Connect account as Trove last saw it.
type Account struct {
	VendorID         string    `json:"vendor_id" db:"vendor_id"`
	StripeAccountID  string    `json:"stripe_account_id" db:"stripe_account_id"`
	DetailsSubmitted bool      `json:"details_submitted" db:"details_submitted"`
	PayoutsEnabled   bool      `json:"payouts_enabled" db:"payouts_enabled"`
	TransfersActive  bool      `json:"transfers_active" db:"transfers_active"`
	UpdatedAt        time.Time `json:"updated_at" db:"updated_at"`
}

func (s *Service) account(ctx context.Context, vendorID string) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `SELECT vendor_id, stripe_account_id, details_submitted, payouts_enabled, transfers_active, updated_at
		FROM payout_accounts WHERE vendor_id = ?`, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fault.NotFound("vendor %s has no payout account", vendorID)
	}
	return a, err
}

// AccountStatus is what the vendor sees of its payout account.
type AccountStatus struct {
	Account *Account `json:"account"` // nil before onboarding starts
	Ready   bool     `json:"ready"`   // payouts can be made
}

// AccountStatus answers the vendor's payout account, re-read from Stripe
// when it is not ready yet (the vendor may be back from onboarding before
// Stripe's account.updated arrives).
func (s *Service) AccountStatus(ctx context.Context, vendorID string) (AccountStatus, error) {
	a, err := s.account(ctx, vendorID)
	if fault.Is(err, fault.KindNotFound) {
		return AccountStatus{}, nil
	}
	if err != nil {
		return AccountStatus{}, err
	}
	if !a.PayoutsEnabled || !a.TransfersActive {
		sa, err := s.stripe.GetAccount(ctx, a.StripeAccountID)
		if err != nil {
			return AccountStatus{}, fault.Wrap(fault.KindUnavailable, err, "Stripe could not be reached: try again")
		}
		if err := s.saveAccount(ctx, sa); err != nil {
			return AccountStatus{}, err
		}
		if a, err = s.account(ctx, vendorID); err != nil {
			return AccountStatus{}, err
		}
	}
	return AccountStatus{Account: &a, Ready: a.PayoutsEnabled && a.TransfersActive}, nil
}

// Onboard returns a Stripe onboarding link for the vendor, making its Express
// account first if it has none (the vendor id is the idempotency key, so
// double clicks make one account).
func (s *Service) Onboard(ctx context.Context, vendorID, email string) (string, time.Time, error) {
	a, err := s.account(ctx, vendorID)
	if fault.Is(err, fault.KindNotFound) {
		sa, err := s.stripe.CreateExpressAccount(ctx, email, s.cfg.ConnectCountry, map[string]string{"vendor_id": vendorID}, "account:"+vendorID)
		if err != nil {
			return "", time.Time{}, fault.Wrap(fault.KindUnavailable, err, "Stripe could not make the payout account: try again")
		}
		now := s.clock.Now()
		if _, err := s.db.ExecContext(ctx, `INSERT INTO payout_accounts (vendor_id, stripe_account_id, details_submitted, payouts_enabled,
			transfers_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE vendor_id = vendor_id`,
			vendorID, sa.ID, sa.DetailsSubmitted, sa.PayoutsEnabled, sa.TransfersActive, now, now); err != nil {
			return "", time.Time{}, fmt.Errorf("payouts: save account: %w", err)
		}
		if a, err = s.account(ctx, vendorID); err != nil {
			return "", time.Time{}, err
		}
	} else if err != nil {
		return "", time.Time{}, err
	}
	base := strings.TrimSuffix(s.cfg.PublicURL, "/") + "/vendor/finance"
	url, exp, err := s.stripe.AccountLink(ctx, a.StripeAccountID, base+"?stripe=refresh", base+"?stripe=return")
	if err != nil {
		return "", time.Time{}, fault.Wrap(fault.KindUnavailable, err, "Stripe could not make the onboarding link: try again")
	}
	return url, exp, nil
}

// saveAccount records what Stripe says of an account Trove knows.
func (s *Service) saveAccount(ctx context.Context, a stripe.Account) error {
	_, err := s.db.ExecContext(ctx, `UPDATE payout_accounts SET details_submitted = ?, payouts_enabled = ?, transfers_active = ?,
		updated_at = ? WHERE stripe_account_id = ?`, a.DetailsSubmitted, a.PayoutsEnabled, a.TransfersActive, s.clock.Now(), a.ID)
	return err
}

// FollowAccount follows account.updated: the account is re-read from Stripe
// (events come late and out of order) and its state recorded.
func (s *Service) FollowAccount(ctx context.Context, ev stripe.Event) error {
	snapshot, err := ev.AccountObject()
	if err != nil {
		return queue.Permanent(fmt.Errorf("payouts: %w", err))
	}
	if snapshot.ID == "" {
		return queue.Permanent(fmt.Errorf("payouts: stripe %s: an account event without an account id", ev.ID))
	}
	a, err := s.stripe.GetAccount(ctx, snapshot.ID)
	if err != nil {
		return err
	}
	return s.saveAccount(ctx, a)
}
