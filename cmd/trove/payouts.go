package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/xero"
)

// payoutParts is the money-out side of the platform: the ledger and payouts
// (Stripe Connect), and their bookkeeping in Xero.
type payoutParts struct {
	payouts   *payouts.Service
	invoicing *invoicing.Service
	xero      *xero.Client
	sandbox   *sbxero.Xero // the local stand-in, with --sandbox
}

func newPayoutParts(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue, box *secrets.Box,
	pay *paymentParts, vs *vendors.Store, withSandbox bool) (*payoutParts, error) {
	ps, err := payouts.New(conn, clk, q, pay.orders, vs, pay.stripe, payouts.Config{Schedule: cfg.Payouts.Schedule, Hold: cfg.Payouts.Hold,
		PublicURL: cfg.PublicURL.String(), ConnectCountry: cfg.Payouts.ConnectCountry}, log)
	if err != nil {
		return nil, err
	}
	xc, err := xero.New(xero.Config{ClientID: cfg.Xero.ClientID, ClientSecret: cfg.Xero.ClientSecret, APIBase: cfg.Xero.APIBase,
		IdentityBase: cfg.Xero.IdentityBase, LoginBase: cfg.Xero.LoginBase, HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Clock: clk, Log: log})
	if err != nil {
		return nil, err
	}
	p := &payoutParts{payouts: ps, xero: xc}
	p.invoicing = invoicing.New(invoicing.Deps{DB: conn, Clock: clk, Queue: q, Box: box, Xero: xc, Stripe: pay.stripe, Payouts: ps,
		Vendors: vs, Log: log}, invoicing.Config{PublicURL: cfg.PublicURL.String(), PayoutAccount: cfg.Xero.PayoutAccount,
		CommissionAccount: cfg.Xero.CommissionAccount, BankAccount: cfg.Xero.BankAccount, TaxType: cfg.Xero.TaxType})
	if withSandbox {
		p.sandbox = sbxero.New(sbxero.Config{ClientID: cfg.Xero.ClientID, ClientSecret: cfg.Xero.ClientSecret, Clock: clk, Log: log})
		p.sandbox.AddTenant("Trove Demo Ltd")
	}
	return p, nil
}

// refundForLedger reads a refund the ledger must post, in payouts' terms.
func refundForLedger(ctx context.Context, rs *payments.Refunds, refundID string) (payouts.Refund, error) {
	ref, err := rs.Refund(ctx, refundID)
	if err != nil {
		return payouts.Refund{}, err
	}
	out := payouts.Refund{ID: ref.ID, OrderID: ref.OrderID}
	for _, a := range ref.Allocation {
		out.Shares = append(out.Shares, payouts.RefundShare{VendorOrderID: a.VendorOrderID, Amount: a.Amount})
	}
	return out, nil
}

// connectDemoXero connects, in --sandbox, the platform's Xero to the sandbox
// organisation as the seeded operator would: the consent (which the stand-in
// approves at once) and the callback. Like the demo stores, it runs at every
// start: the sandbox is new each time.
func connectDemoXero(ctx context.Context, p *payoutParts, users *auth.Service, adminEmail string) error {
	admins, err := users.ListUsers(ctx, string(auth.RolePlatformAdmin), "")
	if err != nil {
		return err
	}
	var adminID string
	for _, a := range admins {
		if a.Email == adminEmail || adminID == "" {
			adminID = a.ID
		}
	}
	if adminID == "" {
		return nil // not seeded
	}
	authorize, err := p.invoicing.StartConnect(ctx, adminID)
	if err != nil {
		return err
	}
	noRedirect := noRedirectClient()
	res, err := noRedirect.Get(authorize)
	if err != nil {
		return err
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return fault.Unavailable("the sandbox Xero did not approve the consent (%d)", res.StatusCode)
	}
	_, err = p.invoicing.FinishConnect(ctx, adminID, loc.Query().Get("state"), loc.Query().Get("code"))
	return err
}

// onboardDemoVendors completes, in --sandbox, the demo vendors' Stripe
// Connect onboarding as each owner would (the stand-in's onboarding page
// completes at once), so demo payouts can be made. Only on the first start:
// the sandbox Stripe keeps its accounts in memory, so after a restart the
// stored accounts are unknown to it and demo transfers fail (their payouts
// are marked failed and the entries wait; docs/payouts.md).
func onboardDemoVendors(ctx context.Context, p *payoutParts, vs *vendors.Store) error {
	noRedirect := noRedirectClient()
	for _, d := range demoData {
		v, err := vs.BySlug(ctx, d.vendor.Slug)
		if fault.Is(err, fault.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if st, err := p.payouts.AccountStatus(ctx, v.ID); err != nil || st.Account != nil {
			continue // onboarded before (or Stripe unreachable): leave it
		}
		link, _, err := p.payouts.Onboard(ctx, v.ID, v.ContactEmail)
		if err != nil {
			return err
		}
		res, err := noRedirect.Get(link)
		if err != nil {
			return err
		}
		res.Body.Close()
	}
	return nil
}
