package subscriptions

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
	"github.com/trove-platform/trove/internal/webhooks"
)

// HandlesEvent reports whether a Stripe event type is about plans: invoices
// and subscriptions. cmd/trove/jobs.go hands those to OnStripeEvent.
func HandlesEvent(topic string) bool {
	switch topic {
	case stripe.EventInvoicePaid, stripe.EventInvoicePaymentFailed, stripe.EventSubscriptionUpdated, stripe.EventSubscriptionDeleted:
		return true
	}
	return false
}

// OnStripeEvent follows one recorded Stripe event about plans (FollowEvent),
// and records it followed.
func (s *Service) OnStripeEvent(ctx context.Context, _ queue.Meta, e webhooks.StripeEvent) error {
	return s.hooks.Follow(ctx, e.WebhookID, func(ev webhooks.Event) error { return s.FollowEvent(ctx, ev) })
}

// FollowEvent follows one recorded Stripe event about plans: invoice.paid
// (billing reason subscription_create or subscription_cycle) makes that
// period's order, once per invoice; invoice.payment_failed,
// customer.subscription.updated and customer.subscription.deleted set the
// plan's status to what Stripe says now (re-read: the event's snapshot may be
// stale), canceled being final. Other topics, and events about subscriptions
// that are not Trove plans, change nothing. Errors that retrying cannot fix
// are queue.Permanent.
func (s *Service) FollowEvent(ctx context.Context, ev webhooks.Event) error {
	var env struct {
		Data struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Payload, &env); err != nil || len(env.Data.Object) == 0 {
		return queue.Permanent(fmt.Errorf("stripe %s: unreadable event", ev.EventID))
	}
	sev := stripe.Event{ID: ev.EventID, Type: ev.Topic, Object: env.Data.Object}
	switch ev.Topic {
	case stripe.EventInvoicePaid, stripe.EventInvoicePaymentFailed:
		inv, err := sev.Invoice()
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
		if ev.Topic == stripe.EventInvoicePaid {
			if err := s.invoicePaid(ctx, row, inv); err != nil {
				return err
			}
		}
		return s.sync(ctx, row.ID, inv.SubscriptionID)
	case stripe.EventSubscriptionUpdated, stripe.EventSubscriptionDeleted:
		sub, err := sev.Subscription()
		if err != nil {
			return queue.Permanent(err)
		}
		row, ok, err := s.find(ctx, sub.Metadata[MetadataSubscriptionID], sub.ID)
		if err != nil || !ok {
			return err
		}
		if ev.Topic == stripe.EventSubscriptionDeleted {
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
