package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/xero"
)

// payoutParts is the money-out side of the platform: the ledger and payouts
// (Stripe Connect), and their bookkeeping in Xero.
type payoutParts struct {
	payouts   *payouts.Service
	invoicing *invoicing.Service
	xero      *xero.Client
}

func newPayoutParts(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue, box *secrets.Box,
	pay *paymentParts, vs *vendors.Store) (*payoutParts, error) {
	ps, err := payouts.New(conn, clk, q, pay.orders, vs, pay.stripe, payouts.Config{Schedule: cfg.Payouts.Schedule, Hold: cfg.Payouts.Hold,
		PublicURL: cfg.PublicURL.String(), ConnectCountry: cfg.Payouts.ConnectCountry}, log)
	if err != nil {
		return nil, err
	}
	xc, err := xero.New(xero.Config{ClientID: cfg.Xero.ClientID, ClientSecret: cfg.Xero.ClientSecret, APIBase: cfg.Xero.APIBase,
		IdentityBase: cfg.Xero.IdentityBase, LoginBase: cfg.Xero.LoginBase, HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Scopes: cfg.Xero.Scopes, DB: conn, Clock: clk, Log: log}) // DB: every process shares each tenant's call budget
	if err != nil {
		return nil, err
	}
	p := &payoutParts{payouts: ps, xero: xc}
	p.invoicing = invoicing.New(invoicing.Deps{DB: conn, Clock: clk, Queue: q, Box: box, Xero: xc, Stripe: pay.stripe, Payouts: ps,
		Vendors: vs, Log: log}, invoicing.Config{PublicURL: cfg.PublicURL.String(), PayoutAccount: cfg.Xero.PayoutAccount,
		CommissionAccount: cfg.Xero.CommissionAccount, BankAccount: cfg.Xero.BankAccount, TaxType: cfg.Xero.TaxType})
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
