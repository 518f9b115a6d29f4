package subscriptions

import (
	"context"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// FollowEvent follows one Stripe event about plans (the billing family):
// invoice.paid (billing reason subscription_create or subscription_cycle)
// makes that period's order, once per invoice; invoice.payment_failed,
// customer.subscription.updated and customer.subscription.deleted set the
// plan's status to what Stripe says now (re-read: the event's snapshot may be
// stale), canceled being final. Other types, and events about subscriptions
// that are not Trove plans, change nothing. Errors that retrying cannot fix
// are queue.Permanent.
func (s *Service) FollowEvent(ctx context.Context, ev stripe.Event) error {
	switch ev.Type {
	case stripe.EventInvoicePaid, stripe.EventInvoicePaymentFailed:
		inv, err := ev.Invoice()
		if err != nil {
			return queue.Permanent(err)
		}
		if inv.SubscriptionID == "" {
			return nil
		}
		row, ok, err := s.find(ctx, inv.SubscriptionMetadata[MetadataSubscriptionID], inv.SubscriptionID)
		if err != nil || !ok {
			return err
		}
		if ev.Type == stripe.EventInvoicePaid {
			if err := s.invoicePaid(ctx, row, inv); err != nil {
				return err
			}
		}
		return s.sync(ctx, row.ID, inv.SubscriptionID)
	case stripe.EventSubscriptionUpdated, stripe.EventSubscriptionDeleted:
		sub, err := ev.Subscription()
		if err != nil {
			return queue.Permanent(err)
		}
		row, ok, err := s.find(ctx, sub.Metadata[MetadataSubscriptionID], sub.ID)
		if err != nil || !ok {
			return err
		}
		if ev.Type == stripe.EventSubscriptionDeleted {
			// Deleted is final in Stripe too: no need to re-read.
			if err := s.storeStripeID(ctx, row.ID, sub.ID); err != nil {
				return err
			}
			return s.markCanceled(ctx, row.ID, audit.ActorProvider, "stripe")
		}
		return s.sync(ctx, row.ID, sub.ID)
	}
	return nil
}
