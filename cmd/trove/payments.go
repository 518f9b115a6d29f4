package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/webhooks"
)

// paymentParts is checkout's side of the platform: orders and Stripe.
type paymentParts struct {
	stripe   *stripe.Client
	orders   *orders.Store
	payments *payments.Service
	refunds  *payments.Refunds
	subs     *subscriptions.Service
	verifier *payments.Verifier
}

func newPaymentParts(conn *sqlx.DB, clk clock.Clock, cfg Config, log *slog.Logger, q *queue.Queue, cat *catalog.Store, hooks *webhooks.Store) (*paymentParts, error) {
	sc, err := stripe.New(stripe.Config{SecretKey: cfg.Stripe.SecretKey, APIBase: cfg.Stripe.APIBase,
		WebhookSecrets: cfg.Stripe.WebhookSecrets, HTTPClient: &http.Client{Timeout: 30 * time.Second}, Clock: clk})
	if err != nil {
		return nil, err
	}
	p := &paymentParts{stripe: sc, verifier: payments.NewVerifier(sc)}
	p.orders = orders.NewStore(conn, clk, q, cat, payments.NewProvider(sc), orders.Config{ReservationTTL: cfg.ReservationTTL})
	p.refunds = payments.NewRefunds(conn, clk, sc, p.orders, q, payments.DefaultVendorRefundWindow)
	p.subs = subscriptions.New(subscriptions.Deps{DB: conn, Clock: clk, Stripe: sc, Orders: p.orders, Catalog: cat, Refunds: p.refunds,
		Webhooks: hooks})
	p.payments = payments.New(conn, clk, sc, p.orders, hooks, q)
	return p, nil
}
