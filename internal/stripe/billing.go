package stripe

import (
	"context"
	"errors"
	"fmt"
	"time"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/trove-platform/trove/internal/platform/money"
)

// CreateCustomer creates a Stripe customer (a corporate buyer) and returns its id (cus_…).
func (c *Client) CreateCustomer(ctx context.Context, email, name, idempotencyKey string) (string, error) {
	const op = "create customer"
	if err := needKey(op, idempotencyKey); err != nil {
		return "", err
	}
	p := &stripego.CustomerParams{}
	if email != "" {
		p.Email = stripego.String(email)
	}
	if name != "" {
		p.Name = stripego.String(name)
	}
	withContext(ctx, &p.Params, idempotencyKey)
	cu, err := c.api.Customers.New(p)
	if err != nil {
		return "", wrap(op, err)
	}
	return cu.ID, nil
}

// CreatePrice creates a recurring price of amount every intervalMonths (1:
// monthly, 3: quarterly), with its product made inline from productName, and
// returns the price's id (price_…).
func (c *Client) CreatePrice(ctx context.Context, productName string, amount money.Money, intervalMonths int, idempotencyKey string) (string, error) {
	const op = "create price"
	if err := needKey(op, idempotencyKey); err != nil {
		return "", err
	}
	if productName == "" {
		return "", fmt.Errorf("stripe: %s: a product name is required", op)
	}
	if intervalMonths != 1 && intervalMonths != 3 {
		return "", fmt.Errorf("stripe: %s: interval must be 1 or 3 months, got %d", op, intervalMonths)
	}
	if err := chargeable(op, amount); err != nil {
		return "", err
	}
	a, cur, err := toStripeAmount(amount)
	if err != nil {
		return "", err
	}
	p := &stripego.PriceParams{
		Currency:    stripego.String(cur),
		UnitAmount:  stripego.Int64(a),
		ProductData: &stripego.PriceProductDataParams{Name: stripego.String(productName)},
		Recurring: &stripego.PriceRecurringParams{
			Interval:      stripego.String(string(stripego.PriceRecurringIntervalMonth)),
			IntervalCount: stripego.Int64(int64(intervalMonths)),
		},
	}
	withContext(ctx, &p.Params, idempotencyKey)
	pr, err := c.api.Prices.New(p)
	if err != nil {
		return "", wrap(op, err)
	}
	return pr.ID, nil
}

// Subscription statuses, as Stripe names them.
const (
	SubscriptionIncomplete        = "incomplete"
	SubscriptionIncompleteExpired = "incomplete_expired"
	SubscriptionTrialing          = "trialing"
	SubscriptionActive            = "active"
	SubscriptionPastDue           = "past_due"
	SubscriptionCanceled          = "canceled"
	SubscriptionUnpaid            = "unpaid"
	SubscriptionPaused            = "paused"
)

// Subscription is a customer's recurring payment for one price.
type Subscription struct {
	ID              string
	Status          string // one of the Subscription… constants
	CustomerID      string
	PriceID         string // of the first item
	LatestInvoiceID string
	// ClientSecret is the client secret of the latest invoice's payment
	// intent, when CreateSubscription or GetSubscription saw it: a
	// subscription that comes back incomplete (no usable payment method) is
	// paid by confirming that intent in the buyer's browser.
	ClientSecret       string
	Metadata           map[string]string
	CurrentPeriodStart time.Time
	CurrentPeriodEnd   time.Time
	CanceledAt         time.Time // zero unless canceled
}

// CreateSubscription subscribes the customer to the price. Stripe bills the
// first period at once: its invoice.paid event (billing_reason
// subscription_create) is the signal to make the first period's order. With
// Stripe's default payment behaviour, a customer who cannot pay yet gets an
// incomplete subscription whose ClientSecret the buyer confirms.
func (c *Client) CreateSubscription(ctx context.Context, customerID, priceID string, metadata map[string]string, idempotencyKey string) (Subscription, error) {
	const op = "create subscription"
	if err := needKey(op, idempotencyKey); err != nil {
		return Subscription{}, err
	}
	if customerID == "" || priceID == "" {
		return Subscription{}, fmt.Errorf("stripe: %s: customer and price are required", op)
	}
	p := &stripego.SubscriptionParams{
		Customer: stripego.String(customerID),
		Items:    []*stripego.SubscriptionItemsParams{{Price: stripego.String(priceID)}},
	}
	if len(metadata) > 0 {
		p.Metadata = copyMetadata(metadata)
	}
	p.AddExpand("latest_invoice.payment_intent")
	withContext(ctx, &p.Params, idempotencyKey)
	s, err := c.api.Subscriptions.New(p)
	if err != nil {
		return Subscription{}, wrap(op, err)
	}
	return subscriptionFrom(s), nil
}

// GetSubscription reads a subscription as Stripe holds it now.
func (c *Client) GetSubscription(ctx context.Context, id string) (Subscription, error) {
	const op = "get subscription"
	if id == "" {
		return Subscription{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.SubscriptionParams{}
	p.AddExpand("latest_invoice.payment_intent")
	withContext(ctx, &p.Params, "")
	s, err := c.api.Subscriptions.Get(id, p)
	if err != nil {
		return Subscription{}, wrap(op, err)
	}
	return subscriptionFrom(s), nil
}

// CancelSubscription cancels a subscription now (no proration, no final
// invoice); Stripe then sends customer.subscription.deleted. It is a DELETE,
// idempotent by definition, so it takes no idempotency key; cancelling a
// subscription that is already canceled returns it as it is.
func (c *Client) CancelSubscription(ctx context.Context, id string) (Subscription, error) {
	const op = "cancel subscription"
	if id == "" {
		return Subscription{}, fmt.Errorf("stripe: %s: id is required", op)
	}
	p := &stripego.SubscriptionCancelParams{}
	withContext(ctx, &p.Params, "")
	s, err := c.api.Subscriptions.Cancel(id, p)
	if err == nil {
		return subscriptionFrom(s), nil
	}
	werr := wrap(op, err)
	// A repeated cancel (a retried job) may be refused because the
	// subscription is no longer active: that is success for us.
	var e *Error
	if errors.As(werr, &e) && e.Status == 400 {
		if cur, gerr := c.GetSubscription(ctx, id); gerr == nil && cur.Status == SubscriptionCanceled {
			return cur, nil
		}
	}
	return Subscription{}, werr
}

func subscriptionFrom(s *stripego.Subscription) Subscription {
	out := Subscription{ID: s.ID, Status: string(s.Status), Metadata: copyMetadata(s.Metadata)}
	if s.Customer != nil {
		out.CustomerID = s.Customer.ID
	}
	if s.Items != nil && len(s.Items.Data) > 0 && s.Items.Data[0].Price != nil {
		out.PriceID = s.Items.Data[0].Price.ID
	}
	if inv := s.LatestInvoice; inv != nil {
		out.LatestInvoiceID = inv.ID
		if inv.PaymentIntent != nil {
			out.ClientSecret = inv.PaymentIntent.ClientSecret
		}
	}
	out.CurrentPeriodStart = unixTime(s.CurrentPeriodStart)
	out.CurrentPeriodEnd = unixTime(s.CurrentPeriodEnd)
	out.CanceledAt = unixTime(s.CanceledAt)
	return out
}

func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
