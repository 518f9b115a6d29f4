package main

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/subscriptions"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

// jobDeps is what the job handlers need. queue is set once the Queue exists:
// the Queue needs the registry first.
type jobDeps struct {
	db         *sqlx.DB
	clock      clock.Clock
	queue      *queue.Queue
	retention  time.Duration
	auth       *auth.Service
	post       mail.Postman
	fulfilment *fulfilment.Service
	payouts    *payoutParts
	hooks      *webhooks.Store
	shopify    *shopifyParts
	payments   *paymentParts
}

// registerJobs is THE table of job kind -> handler(s). One kind may fan out to
// several handlers: each gets its own row and is retried on its own. Handler
// names are stable identifiers (they are stored in the jobs table and named in
// TROVE_QUEUE_WORKERS): never rename one that may have pending jobs.
func registerJobs(reg *queue.Registry, d *jobDeps) {
	// jobs.prune -> delete finished jobs past the retention period.
	queue.Handle(reg, "jobs.prune", func(ctx context.Context, m queue.Meta, _ queue.PruneJob) error {
		n, err := d.queue.Prune(ctx, d.clock.Now().Add(-d.retention))
		if n > 0 {
			httpx.Logger(ctx).Info("pruned finished jobs", "count", n)
		}
		return err
	}, queue.Concurrency(1))

	// auth.email -> invitations and password resets.
	queue.Handle(reg, "auth.email", func(ctx context.Context, m queue.Meta, j auth.EmailJob) error {
		return auth.EmailHandler(d.auth, d.post)(ctx, m, j)
	}, queue.Timeout(45*time.Second))

	// shopify.connected -> register our webhooks; import the catalog.
	queue.Handle(reg, "shopify.connected.subscribe", func(ctx context.Context, m queue.Meta, e vendors.ShopifyConnected) error {
		return d.shopify.installer.SubscribeWebhooks(ctx, m, e)
	})
	queue.Handle(reg, "shopify.connected.import", func(ctx context.Context, m queue.Meta, e vendors.ShopifyConnected) error {
		return d.shopify.syncer.OnConnected(ctx, m, e)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))
	// vendors.prune_oauth_states -> forget expired "Connect Shopify" attempts.
	queue.Handle(reg, "vendors.prune_oauth_states", func(ctx context.Context, m queue.Meta, _ vendors.PruneStatesJob) error {
		_, err := d.shopify.conns.PruneStates(ctx, d.clock.Now().Add(-24*time.Hour))
		return err
	}, queue.Concurrency(1))
	// shopify.webhook -> follow up one verified delivery (re-reading from
	// Shopify): orders and fulfillments move vendor orders, the rest is the
	// catalog's.
	queue.Handle(reg, "shopify.webhook", func(ctx context.Context, m queue.Meta, e webhooks.ShopifyEvent) error {
		if fulfilment.HandlesTopic(e.Topic) {
			return d.fulfilment.OnShopifyWebhook(ctx, m, e)
		}
		return d.shopify.syncer.OnWebhook(ctx, m, e)
	}, queue.Concurrency(8))
	// shopify.import -> a vendor's full re-sync.
	queue.Handle(reg, "shopify.import", func(ctx context.Context, m queue.Meta, j shopifysync.ImportJob) error {
		return d.shopify.syncer.Import(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))
	// shopify.sweep -> a reconciliation per connected store.
	queue.Handle(reg, "shopify.sweep", func(ctx context.Context, m queue.Meta, j shopifysync.SweepJob) error {
		return d.shopify.syncer.OnSweep(ctx, m, j)
	}, queue.Concurrency(1))
	queue.Handle(reg, "shopify.reconcile", func(ctx context.Context, m queue.Meta, j shopifysync.ReconcileJob) error {
		return d.shopify.syncer.Reconcile(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))

	// stripe.webhook -> follow up one verified Stripe event (re-reading the
	// object): Connect accounts are the payouts', invoices and subscriptions
	// the plans', the rest the payments'.
	queue.Handle(reg, "stripe.webhook", func(ctx context.Context, m queue.Meta, e webhooks.StripeEvent) error {
		switch {
		case payouts.HandlesEvent(e.Type):
			return d.payouts.payouts.OnStripeEvent(ctx, d.hooks, e)
		case subscriptions.HandlesEvent(e.Type):
			return d.payments.subs.OnStripeEvent(ctx, m, e)
		}
		return d.payments.payments.OnEvent(ctx, m, e)
	}, queue.Concurrency(8))
	// payments.create_refund -> make the Stripe refund of one recorded refund.
	queue.Handle(reg, "payments.create_refund", func(ctx context.Context, m queue.Meta, j payments.CreateRefund) error {
		return d.payments.refunds.OnCreateRefund(ctx, m, j)
	}, queue.Timeout(45*time.Second))
	// orders.late_payment -> money arrived for an order that will not ship:
	// its refund in full is written (and made by payments.create_refund).
	queue.Handle(reg, "orders.late_payment.refund", func(ctx context.Context, m queue.Meta, j orders.LatePayment) error {
		return d.payments.refunds.OnLatePayment(ctx, m, j)
	})
	// payments.sweep_pending -> re-read the payments of checkouts awaiting
	// payment for minutes: a lost webhook is found without Stripe's retries.
	queue.Handle(reg, "payments.sweep_pending", func(ctx context.Context, m queue.Meta, j payments.SweepPending) error {
		return d.payments.payments.SweepPending(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(5*time.Minute))
	// payments.refund_succeeded -> the vendors' ledgers are debited (and a
	// payout already made is reversed).
	queue.Handle(reg, "payments.refund_succeeded.ledger", func(ctx context.Context, m queue.Meta, j payments.RefundSucceededJob) error {
		r, err := refundForLedger(ctx, d.payments.refunds, j.RefundID)
		if err != nil {
			return err
		}
		return d.payouts.payouts.PostRefund(ctx, r)
	})
	// payments.refund_succeeded -> the buyer hears the money is on its way back.
	queue.Handle(reg, "payments.refund_succeeded.mail", func(ctx context.Context, m queue.Meta, j payments.RefundSucceededJob) error {
		return payments.RefundMailHandler(d.payments.refunds, d.post)(ctx, m, j)
	}, queue.Timeout(45*time.Second))
	// orders.paid -> the buyer's receipt; the vendors' sales and commission
	// in the ledger; fulfilment starts (a hand-off and a vendor mail per
	// vendor order).
	queue.Handle(reg, "orders.paid.receipt", func(ctx context.Context, m queue.Meta, p orders.Paid) error {
		return orders.ReceiptHandler(d.payments.orders, d.post)(ctx, m, p)
	}, queue.Timeout(45*time.Second))
	queue.Handle(reg, "orders.paid.ledger", func(ctx context.Context, m queue.Meta, p orders.Paid) error {
		return d.payouts.payouts.PostSale(ctx, p.OrderID)
	})
	queue.Handle(reg, "orders.paid.fulfilment", func(ctx context.Context, m queue.Meta, p orders.Paid) error {
		return d.fulfilment.OnPaid(ctx, m, p)
	})
	// fulfilment.handoff -> the vendor order becomes an order in the vendor's
	// Shopify store (found by reference first: never two).
	queue.Handle(reg, "fulfilment.handoff", func(ctx context.Context, m queue.Meta, j fulfilment.HandOff) error {
		return d.fulfilment.OnHandOff(ctx, m, j)
	}, queue.Timeout(2*time.Minute), queue.Concurrency(4))
	// fulfilment.vendor_mail -> the vendor's team hears of the new order.
	queue.Handle(reg, "fulfilment.vendor_mail", func(ctx context.Context, m queue.Meta, j fulfilment.VendorMail) error {
		return d.fulfilment.OnVendorMail(ctx, m, j)
	}, queue.Timeout(time.Minute))
	// orders.fulfilment_changed -> the packing manifest is rendered again.
	queue.Handle(reg, "orders.fulfilment_changed.manifest", func(ctx context.Context, m queue.Meta, j orders.FulfilmentChanged) error {
		return d.fulfilment.OnChanged(ctx, m, j)
	}, queue.Timeout(time.Minute))
	// orders.shipped -> the buyer hears it is on its way.
	queue.Handle(reg, "orders.shipped.mail", func(ctx context.Context, m queue.Meta, j orders.Shipped) error {
		return d.fulfilment.OnShipped(ctx, m, j)
	}, queue.Timeout(45*time.Second))
	// Retention: processed webhook deliveries and abandoned guest carts.
	queue.Handle(reg, "webhooks.prune", func(ctx context.Context, m queue.Meta, _ webhooks.PruneJob) error {
		n, err := d.hooks.Prune(ctx, d.clock.Now().Add(-webhooks.Retention))
		if n > 0 {
			httpx.Logger(ctx).Info("pruned processed webhook deliveries", "count", n)
		}
		return err
	}, queue.Concurrency(1))
	queue.Handle(reg, "orders.prune_carts", func(ctx context.Context, m queue.Meta, _ orders.PruneCarts) error {
		n, err := d.payments.orders.PruneCarts(ctx, d.clock.Now().Add(-orders.CartRetention))
		if n > 0 {
			httpx.Logger(ctx).Info("pruned abandoned guest carts", "count", n)
		}
		return err
	}, queue.Concurrency(1))
	// orders.release_expired -> settle checkouts whose hold ran out: each
	// payment re-read (and canceled at Stripe) before the stock goes back.
	queue.Handle(reg, "orders.release_expired", func(ctx context.Context, m queue.Meta, j orders.ReleaseExpired) error {
		return d.payments.orders.ReleaseExpired(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(5*time.Minute))

	// Payouts: a cycle (scheduled, or an operator's "run now"), a transfer
	// per payout, a reversal per refund after payout.
	queue.Handle(reg, "payouts.run_cycle", func(ctx context.Context, m queue.Meta, j payouts.RunCycleJob) error {
		return d.payouts.payouts.OnRunCycle(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(10*time.Minute))
	queue.Handle(reg, "payouts.transfer", func(ctx context.Context, m queue.Meta, j payouts.TransferJob) error {
		return d.payouts.payouts.OnTransfer(ctx, m, j)
	}, queue.Timeout(time.Minute))
	queue.Handle(reg, "payouts.reverse", func(ctx context.Context, m queue.Meta, j payouts.ReverseJob) error {
		return d.payouts.payouts.OnReverse(ctx, m, j)
	}, queue.Timeout(time.Minute))
	// Bookkeeping in Xero: contact -> bill -> payment per payout; a credit
	// note per reversal; reconciliation after each and on a schedule.
	queue.Handle(reg, "payouts.transferred.xero", func(ctx context.Context, m queue.Meta, j payouts.Transferred) error {
		return d.payouts.invoicing.OnTransferred(ctx, m, j)
	})
	queue.Handle(reg, "payouts.reversed.xero", func(ctx context.Context, m queue.Meta, j payouts.Reversed) error {
		return d.payouts.invoicing.OnReversed(ctx, m, j)
	})
	queue.Handle(reg, "invoicing.contact", func(ctx context.Context, m queue.Meta, j invoicing.ContactJob) error {
		return d.payouts.invoicing.OnContact(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.bill", func(ctx context.Context, m queue.Meta, j invoicing.BillJob) error {
		return d.payouts.invoicing.OnBill(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.payment", func(ctx context.Context, m queue.Meta, j invoicing.PaymentJob) error {
		return d.payouts.invoicing.OnPayment(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.credit_note", func(ctx context.Context, m queue.Meta, j invoicing.CreditNoteJob) error {
		return d.payouts.invoicing.OnCreditNote(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.reconcile", func(ctx context.Context, m queue.Meta, j invoicing.ReconcileJob) error {
		return d.payouts.invoicing.OnReconcile(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))

	registerCrashTestJobs(reg, d.db)
}

// schedules lists the recurring jobs. Every trove process runs the scheduler;
// each occurrence is enqueued once.
func schedules(cfg Config) []queue.Schedule {
	return []queue.Schedule{
		{Name: "payouts.run_cycle", Spec: cfg.Payouts.Schedule, Job: func(at time.Time) queue.Job {
			return payouts.RunCycleJob{Occurrence: at.UTC().Format(time.RFC3339)}
		}},
		// Re-check what is not reconciled yet against Stripe and Xero.
		{Name: "invoicing.reconcile", Spec: "41 * * * *", Job: func(time.Time) queue.Job { return invoicing.ReconcileJob{} }},
		{Name: "jobs.prune", Spec: "@hourly", Job: func(time.Time) queue.Job { return queue.PruneJob{} }},
		// Webhooks get lost (Shopify gives up after 8 tries in 4 hours): an
		// hourly sweep finds and repairs what they missed.
		{Name: "shopify.sweep", Spec: "17 * * * *", Job: func(time.Time) queue.Job { return shopifysync.SweepJob{} }},
		{Name: "orders.release_expired", Spec: "@every 1m", Job: func(time.Time) queue.Job { return orders.ReleaseExpired{} }},
		// Stripe's webhooks get lost too (an outage longer than its retries):
		// re-read what has waited for its payment for minutes.
		{Name: "payments.sweep_pending", Spec: "@every 1m", Job: func(time.Time) queue.Job { return payments.SweepPending{} }},
		{Name: "vendors.prune_oauth_states", Spec: "@daily", Job: func(time.Time) queue.Job { return vendors.PruneStatesJob{} }},
		{Name: "webhooks.prune", Spec: "23 3 * * *", Job: func(time.Time) queue.Job { return webhooks.PruneJob{} }},
		{Name: "orders.prune_carts", Spec: "37 3 * * *", Job: func(time.Time) queue.Job { return orders.PruneCarts{} }},
	}
}
