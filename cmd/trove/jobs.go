package main

import (
	"context"
	"time"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog/shopifysync"
	"github.com/trove-platform/trove/internal/fulfilment"
	"github.com/trove-platform/trove/internal/invoicing"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

// registerJobs is THE table of job kind -> handler(s). One kind may fan out to
// several handlers: each gets its own row and is retried on its own. Handler
// names are stable identifiers (they are stored in the jobs table and named in
// TROVE_QUEUE_WORKERS): never rename one that may have pending jobs.
func registerJobs(reg *queue.Registry, d *deps) {
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
		return d.shopifyInstaller.SubscribeWebhooks(ctx, m, e)
	})
	queue.Handle(reg, "shopify.connected.import", func(ctx context.Context, m queue.Meta, e vendors.ShopifyConnected) error {
		return d.catalogSync.OnConnected(ctx, m, e)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))
	// vendors.prune_oauth_states -> forget expired "Connect Shopify" attempts.
	queue.Handle(reg, "vendors.prune_oauth_states", func(ctx context.Context, m queue.Meta, _ vendors.PruneStatesJob) error {
		_, err := d.shopifyConns.PruneStates(ctx, d.clock.Now().Add(-24*time.Hour))
		return err
	}, queue.Concurrency(1))
	// shopify.webhook -> follow up one verified delivery (re-reading from
	// Shopify): orders and fulfillments move vendor orders, the rest is the
	// catalog's.
	queue.Handle(reg, "shopify.webhook", func(ctx context.Context, m queue.Meta, e webhooks.ShopifyEvent) error {
		if fulfilment.HandlesTopic(e.Topic) {
			return d.fulfilment.OnShopifyWebhook(ctx, m, e)
		}
		return d.catalogSync.OnWebhook(ctx, m, e)
	}, queue.Concurrency(8))
	// shopify.import -> a vendor's full re-sync.
	queue.Handle(reg, "shopify.import", func(ctx context.Context, m queue.Meta, j shopifysync.ImportJob) error {
		return d.catalogSync.Import(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))
	// shopify.sweep -> a reconciliation per connected store.
	queue.Handle(reg, "shopify.sweep", func(ctx context.Context, m queue.Meta, j shopifysync.SweepJob) error {
		return d.catalogSync.OnSweep(ctx, m, j)
	}, queue.Concurrency(1))
	queue.Handle(reg, "shopify.reconcile", func(ctx context.Context, m queue.Meta, j shopifysync.ReconcileJob) error {
		return d.catalogSync.Reconcile(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))

	// Stripe events, one kind per family (stripe.Family): ingress
	// (webhooks.HandleStripe) records each verified event and enqueues its
	// family's job; FollowStripe decodes the recorded event once and records
	// the outcome; stripeFollowers says who follows each family.
	follow := stripeFollowers(d)
	queue.Handle(reg, "stripe.payment_intent", func(ctx context.Context, m queue.Meta, j webhooks.StripePaymentIntentEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyPaymentIntent])
	}, queue.Concurrency(8))
	queue.Handle(reg, "stripe.refund", func(ctx context.Context, m queue.Meta, j webhooks.StripeRefundEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyRefund])
	}, queue.Concurrency(4))
	queue.Handle(reg, "stripe.dispute", func(ctx context.Context, m queue.Meta, j webhooks.StripeDisputeEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyDispute])
	}, queue.Concurrency(2))
	queue.Handle(reg, "stripe.billing", func(ctx context.Context, m queue.Meta, j webhooks.StripeBillingEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyBilling])
	}, queue.Concurrency(4))
	queue.Handle(reg, "stripe.account", func(ctx context.Context, m queue.Meta, j webhooks.StripeAccountEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyAccount])
	}, queue.Concurrency(2))
	queue.Handle(reg, "stripe.transfer", func(ctx context.Context, m queue.Meta, j webhooks.StripeTransferEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, follow[stripe.FamilyTransfer])
	}, queue.Concurrency(2))
	// stripe.webhook: the one kind every Stripe event had before the kinds
	// per family. Jobs of it may still be pending in a live database after an
	// upgrade: each goes to its family's follower. Remove this handler (and
	// webhooks.StripeEvent) in the release after, once no database has a
	// pending one: SELECT COUNT(*) FROM jobs WHERE kind = 'stripe.webhook'
	// AND status NOT IN ('done', 'discarded') answers 0 (dead ones: retry or
	// discard them first).
	queue.Handle(reg, "stripe.webhook", func(ctx context.Context, m queue.Meta, j webhooks.StripeEvent) error {
		return d.hooks.FollowStripe(ctx, j.WebhookID, func(ctx context.Context, ev stripe.Event) error {
			if f := follow[ev.Family()]; f != nil {
				return f(ctx, ev)
			}
			return nil // recorded; nothing follows it
		})
	}, queue.Concurrency(2))
	// payments.create_refund -> make the Stripe refund of one recorded refund.
	queue.Handle(reg, "payments.create_refund", func(ctx context.Context, m queue.Meta, j payments.CreateRefund) error {
		return d.refunds.OnCreateRefund(ctx, m, j)
	}, queue.Timeout(45*time.Second))
	// orders.late_payment -> money arrived for an order that will not ship:
	// its refund in full is written (and made by payments.create_refund).
	queue.Handle(reg, "orders.late_payment.refund", func(ctx context.Context, m queue.Meta, j orders.LatePayment) error {
		return d.refunds.OnLatePayment(ctx, m, j)
	})
	// payments.sweep_pending -> re-read the payments of checkouts awaiting
	// payment for minutes: a lost webhook is found without Stripe's retries.
	queue.Handle(reg, "payments.sweep_pending", func(ctx context.Context, m queue.Meta, j payments.SweepPending) error {
		return d.payments.SweepPending(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(5*time.Minute))
	// payments.refund_succeeded -> the vendors' ledgers are debited (and a
	// payout already made is reversed).
	queue.Handle(reg, "payments.refund_succeeded.ledger", func(ctx context.Context, m queue.Meta, j payments.RefundSucceededJob) error {
		r, err := refundForLedger(ctx, d.refunds, j.RefundID)
		if err != nil {
			return err
		}
		return d.payouts.PostRefund(ctx, r)
	})
	// payments.dispute_lost -> the vendors' ledgers are debited like a
	// refund (and a payout already made is reversed).
	queue.Handle(reg, "payments.dispute_lost.ledger", func(ctx context.Context, m queue.Meta, j payments.DisputeLostJob) error {
		dp, err := disputeForLedger(ctx, d.disputes, j.DisputeID)
		if err != nil {
			return queue.PermanentIfNotFound(err)
		}
		return d.payouts.PostDispute(ctx, dp)
	})
	// payments.refund_succeeded -> the buyer hears the money is on its way back.
	queue.Handle(reg, "payments.refund_succeeded.mail", func(ctx context.Context, m queue.Meta, j payments.RefundSucceededJob) error {
		return payments.RefundMailHandler(d.refunds, d.post)(ctx, m, j)
	}, queue.Timeout(45*time.Second))
	// orders.paid -> the buyer's receipt; the vendors' sales and commission
	// in the ledger; fulfilment starts (a hand-off and a vendor mail per
	// vendor order).
	queue.Handle(reg, "orders.paid.receipt", func(ctx context.Context, m queue.Meta, p orders.Paid) error {
		return orders.ReceiptHandler(d.orders, d.post)(ctx, m, p)
	}, queue.Timeout(45*time.Second))
	queue.Handle(reg, "orders.paid.ledger", func(ctx context.Context, m queue.Meta, p orders.Paid) error {
		return d.payouts.PostSale(ctx, p.OrderID)
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
		n, err := d.orders.PruneCarts(ctx, d.clock.Now().Add(-orders.CartRetention))
		if n > 0 {
			httpx.Logger(ctx).Info("pruned abandoned guest carts", "count", n)
		}
		return err
	}, queue.Concurrency(1))
	// orders.release_expired -> settle checkouts whose hold ran out: each
	// payment re-read (and canceled at Stripe) before the stock goes back.
	queue.Handle(reg, "orders.release_expired", func(ctx context.Context, m queue.Meta, j orders.ReleaseExpired) error {
		return d.orders.ReleaseExpired(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(5*time.Minute))

	// Payouts: a cycle (scheduled, or an operator's "run now"), a transfer
	// per payout, a reversal per refund after payout.
	queue.Handle(reg, "payouts.run_cycle", func(ctx context.Context, m queue.Meta, j payouts.RunCycleJob) error {
		return d.payouts.OnRunCycle(ctx, m, j)
	}, queue.Concurrency(1), queue.Timeout(10*time.Minute))
	queue.Handle(reg, "payouts.transfer", func(ctx context.Context, m queue.Meta, j payouts.TransferJob) error {
		return d.payouts.OnTransfer(ctx, m, j)
	}, queue.Timeout(time.Minute))
	queue.Handle(reg, "payouts.reverse", func(ctx context.Context, m queue.Meta, j payouts.ReverseJob) error {
		return d.payouts.OnReverse(ctx, m, j)
	}, queue.Timeout(time.Minute))
	// Bookkeeping in Xero: contact -> bill -> payment per payout; a credit
	// note per reversal; reconciliation after each and on a schedule.
	queue.Handle(reg, "payouts.transferred.xero", func(ctx context.Context, m queue.Meta, j payouts.Transferred) error {
		return d.invoicing.OnTransferred(ctx, m, j)
	})
	queue.Handle(reg, "payouts.reversed.xero", func(ctx context.Context, m queue.Meta, j payouts.Reversed) error {
		return d.invoicing.OnReversed(ctx, m, j)
	})
	queue.Handle(reg, "invoicing.contact", func(ctx context.Context, m queue.Meta, j invoicing.ContactJob) error {
		return d.invoicing.OnContact(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.bill", func(ctx context.Context, m queue.Meta, j invoicing.BillJob) error {
		return d.invoicing.OnBill(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.payment", func(ctx context.Context, m queue.Meta, j invoicing.PaymentJob) error {
		return d.invoicing.OnPayment(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.credit_note", func(ctx context.Context, m queue.Meta, j invoicing.CreditNoteJob) error {
		return d.invoicing.OnCreditNote(ctx, m, j)
	}, queue.Timeout(2*time.Minute))
	queue.Handle(reg, "invoicing.reconcile", func(ctx context.Context, m queue.Meta, j invoicing.ReconcileJob) error {
		return d.invoicing.OnReconcile(ctx, m, j)
	}, queue.Timeout(10*time.Minute), queue.Concurrency(2))

	registerCrashTestJobs(reg, d.db)
}

// stripeFollowers is the table of Stripe event family -> its follow-up,
// given the event decoded once. Where the order of events matters, the
// follower re-reads the object from Stripe.
func stripeFollowers(d *deps) map[string]func(context.Context, stripe.Event) error {
	return map[string]func(context.Context, stripe.Event) error{
		// payment_intent.* -> the order follows its payment as Stripe has it
		// now: orders.MarkPaid, MarkPaymentFailed, MarkCanceled or MarkExpired.
		stripe.FamilyPaymentIntent: func(ctx context.Context, ev stripe.Event) error {
			pi, err := ev.PaymentIntent()
			if err != nil {
				return queue.Permanent(err)
			}
			return d.payments.FollowIntent(ctx, pi.ID)
		},
		// refunds made in Trove settle; those made in Stripe are recorded.
		stripe.FamilyRefund: d.refunds.FollowEvent,
		// a dispute flags the order for operators; a lost one is debited to
		// the order's vendors.
		stripe.FamilyDispute: d.disputes.FollowEvent,
		// a paid invoice makes its period's order; a plan's status follows Stripe.
		stripe.FamilyBilling: d.subscriptions.FollowEvent,
		// a vendor's Connect account, re-read.
		stripe.FamilyAccount: d.payouts.FollowAccount,
		// a payout's transfer reversed: Trove's confirmed, others booked.
		stripe.FamilyTransfer: d.payouts.FollowTransfer,
	}
}

// disputeForLedger reads a lost dispute the ledger must post, in payouts' terms.
func disputeForLedger(ctx context.Context, ds *payments.Disputes, disputeID string) (payouts.Dispute, error) {
	dp, err := ds.Dispute(ctx, disputeID)
	if err != nil {
		return payouts.Dispute{}, err
	}
	out := payouts.Dispute{ID: dp.ID, OrderID: dp.OrderID}
	for _, a := range dp.Allocation {
		out.Shares = append(out.Shares, payouts.RefundShare{VendorOrderID: a.VendorOrderID, Amount: a.Amount})
	}
	return out, nil
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
