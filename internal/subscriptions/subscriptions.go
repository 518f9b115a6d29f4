// Package subscriptions runs corporate gifting plans: a buyer's recurring
// bundle (monthly or quarterly) for a recipient list, billed by a Stripe
// subscription. Table: subscriptions.
//
// Subscribing writes our row first (sub_…, incomplete), then, outside any
// transaction, makes (or reuses) the buyer's Stripe customer, a price of
// bundle price x recipients every interval, and the Stripe subscription with
// metadata trove_subscription_id, each with an idempotency key from our ids.
// Each paid invoice (billing reason subscription_create or
// subscription_cycle) becomes that period's order through
// orders.Store.CreatePaidOrder (one per invoice: source
// stripe_invoice/<invoice id>); the lines short of stock are refunded in the
// same transaction (payments.Refunds.RefundShortLines). The subscription's
// status is re-read from Stripe whenever an event may change it (events come
// late, twice and out of order); canceled is final (events.go).
package subscriptions

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payments"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/stripe"
)

// Plan statuses (subscriptions.status).
const (
	StatusIncomplete = "incomplete" // the first invoice is not paid yet
	StatusActive     = "active"
	StatusPastDue    = "past_due" // a renewal failed; Stripe retries it
	StatusCanceled   = "canceled" // final
)

// MaxRecipients is how many recipients one plan may have.
const MaxRecipients = orders.MaxRecipients

// Plan intervals, as the API names them.
const (
	IntervalMonthly   = "monthly"
	IntervalQuarterly = "quarterly"
)

// MetadataSubscriptionID is the Stripe subscription metadata key holding our
// plan's id; invoices carry it in subscription_details.metadata.
const MetadataSubscriptionID = "trove_subscription_id"

// Service runs corporate gifting plans. Safe for concurrent use.
type Service struct {
	db      *sqlx.DB
	clock   clock.Clock
	stripe  *stripe.Client
	orders  *orders.Store
	catalog *catalog.Store
	refunds *payments.Refunds // of the lines a renewal could not send
}

// Deps are the Service's collaborators.
type Deps struct {
	DB      *sqlx.DB
	Clock   clock.Clock
	Stripe  *stripe.Client
	Orders  *orders.Store
	Catalog *catalog.Store
	// Refunds gives back what a period's order cannot send for want of
	// stock.
	Refunds *payments.Refunds
}

// New returns a Service.
func New(d Deps) *Service {
	return &Service{db: d.DB, clock: d.Clock, stripe: d.Stripe, orders: d.Orders, catalog: d.Catalog, refunds: d.Refunds}
}

// Subscriber is the signed-in buyer who owns plans.
type Subscriber struct {
	UserID string
	Email  string
}

// SubscribeInput is the body of POST /api/v1/store/subscriptions.
type SubscribeInput struct {
	BundleID    string             `json:"bundle_id"`
	Interval    string             `json:"interval"` // monthly | quarterly
	Recipients  []orders.Recipient `json:"recipients"`
	GiftMessage string             `json:"gift_message"`
}

// Subscription is a plan as its buyer sees it.
type Subscription struct {
	ID          string             `json:"id"`
	BundleID    string             `json:"bundle_id"`
	Interval    string             `json:"interval"`
	Recipients  []orders.Recipient `json:"recipients"`
	GiftMessage string             `json:"gift_message"`
	// UnitPrice is the bundle's price per recipient when subscribed; Amount
	// is what each period costs (UnitPrice x recipients).
	UnitPrice        money.Money `json:"unit_price"`
	Amount           money.Money `json:"amount"`
	Status           string      `json:"status"`
	CurrentPeriodEnd *time.Time  `json:"current_period_end"`
	CanceledAt       *time.Time  `json:"canceled_at"`
	CreatedAt        time.Time   `json:"created_at"`
}

// Payment is what the buyer's browser needs to pay a first invoice that
// could not be charged at once (confirmed like a checkout).
type Payment struct {
	ClientSecret string `json:"client_secret"`
}

// SubscribeResult is the answer to a subscribe.
type SubscribeResult struct {
	Subscription Subscription `json:"subscription"`
	// Payment is null unless the first invoice awaits the buyer's payment.
	Payment *Payment `json:"payment"`
}

type subscriptionRow struct {
	ID                   string     `db:"id"`
	BuyerUserID          string     `db:"buyer_user_id"`
	BuyerEmail           string     `db:"buyer_email"`
	BundleID             string     `db:"bundle_id"`
	IntervalMonths       int        `db:"interval_months"`
	RecipientsJSON       string     `db:"recipients_json"`
	RecipientCount       int        `db:"recipient_count"`
	GiftMessage          string     `db:"gift_message"`
	UnitPriceAmount      int64      `db:"unit_price_amount"`
	Currency             string     `db:"currency"`
	Status               string     `db:"status"`
	StripeCustomerID     *string    `db:"stripe_customer_id"`
	StripePriceID        *string    `db:"stripe_price_id"`
	StripeSubscriptionID *string    `db:"stripe_subscription_id"`
	CurrentPeriodEnd     *time.Time `db:"current_period_end"`
	PastDueAt            *time.Time `db:"past_due_at"`
	CanceledAt           *time.Time `db:"canceled_at"`
	CreatedAt            time.Time  `db:"created_at"`
	UpdatedAt            time.Time  `db:"updated_at"`
}

const subscriptionColumns = `id, buyer_user_id, buyer_email, bundle_id, interval_months, recipients_json, recipient_count,
	gift_message, unit_price_amount, currency, status, stripe_customer_id, stripe_price_id, stripe_subscription_id,
	current_period_end, past_due_at, canceled_at, created_at, updated_at`

func (r subscriptionRow) unitPrice() money.Money {
	return money.Money{Amount: r.UnitPriceAmount, Currency: r.Currency}
}

func (r subscriptionRow) recipients() ([]orders.Recipient, error) {
	var rs []orders.Recipient
	if err := json.Unmarshal([]byte(r.RecipientsJSON), &rs); err != nil {
		return nil, fmt.Errorf("subscriptions: subscription %s: recipients: %w", r.ID, err)
	}
	return rs, nil
}

// amount is what each period costs: the unit price x recipients, checked.
func (r subscriptionRow) amount() (money.Money, error) {
	a, err := r.unitPrice().Mul(int64(r.RecipientCount))
	if err != nil {
		return money.Money{}, fmt.Errorf("subscriptions: subscription %s: %w", r.ID, err)
	}
	return a, nil
}

func (r subscriptionRow) view() (Subscription, error) {
	rs, err := r.recipients()
	if err != nil {
		return Subscription{}, err
	}
	amount, err := r.amount()
	if err != nil {
		return Subscription{}, err
	}
	interval := IntervalMonthly
	if r.IntervalMonths == 3 {
		interval = IntervalQuarterly
	}
	return Subscription{ID: r.ID, BundleID: r.BundleID, Interval: interval, Recipients: rs, GiftMessage: r.GiftMessage,
		UnitPrice: r.unitPrice(), Amount: amount,
		Status: r.Status, CurrentPeriodEnd: r.CurrentPeriodEnd, CanceledAt: r.CanceledAt, CreatedAt: r.CreatedAt}, nil
}

// Idempotency keys of the Stripe writes, derived from our ids. They keep the
// payments. prefix they had when plans lived in internal/payments: a retry
// must send the key its first attempt sent.
func customerKey(userID string) string          { return "payments.customer:" + userID }
func priceKey(subscriptionID string) string     { return "payments.subscription.price:" + subscriptionID }
func subscribeKey(subscriptionID string) string { return "payments.subscription:" + subscriptionID }

// Subscribe starts a plan for the buyer: the input is checked (an active
// bundle with parts, 1–50 complete recipients, a gift message of at most 1,000
// characters), our row written (incomplete), then the Stripe customer (one per
// buyer, reused), price and subscription made. If Stripe cannot be reached,
// the error is kind unavailable and the plan stays incomplete with no Stripe
// subscription (the buyer may cancel it or subscribe again).
func (s *Service) Subscribe(ctx context.Context, who Subscriber, in SubscribeInput) (SubscribeResult, error) {
	if who.UserID == "" {
		return SubscribeResult{}, fault.Unauthorized("sign in as a buyer to subscribe")
	}
	var f fault.Fields
	months := 0
	switch in.Interval {
	case IntervalMonthly:
		months = 1
	case IntervalQuarterly:
		months = 3
	default:
		f.Add("interval", "must be monthly or quarterly")
	}
	in.BundleID = strings.TrimSpace(in.BundleID)
	f.Check(in.BundleID != "", "bundle_id", "is required")
	in.GiftMessage = strings.TrimSpace(in.GiftMessage)
	f.Check(utf8.RuneCountInString(in.GiftMessage) <= 1000, "gift_message", "must be at most 1000 characters")
	if err := f.Err(); err != nil {
		return SubscribeResult{}, err
	}
	recipients, err := orders.ValidateRecipients(in.Recipients, s.clock.Now())
	if err != nil {
		return SubscribeResult{}, err
	}
	bundles, err := s.catalog.PurchasableBundles(ctx, s.db, []string{in.BundleID})
	if err != nil {
		return SubscribeResult{}, err
	}
	b, ok := bundles[in.BundleID]
	if !ok || !b.Active || len(b.Parts) == 0 {
		return SubscribeResult{}, fault.Invalid("bundle %s is not for sale", in.BundleID)
	}
	// Each period is one Stripe charge: bundle price x recipients must be a
	// positive amount of at most money.MaxAmount (a plan at 2^31 a bundle
	// once booked millions a period).
	n := len(recipients)
	perPeriod, err := b.Price.Mul(int64(n))
	switch {
	case b.Price.Amount <= 0 || b.Price.Amount > money.MaxAmount:
		var f fault.Fields
		f.Add("bundle_id", "bundle %s cannot be subscribed to at its price (%s)", in.BundleID, b.Price)
		return SubscribeResult{}, f.Err()
	case err != nil || perPeriod.Amount > money.MaxAmount:
		cost := "more a period than one payment can be"
		if err == nil {
			cost = perPeriod.String() + " a period, more than one payment can be"
		}
		var f fault.Fields
		f.Add("recipients", "%d recipients at %s would cost %s (at most %s): choose fewer recipients",
			n, b.Price, cost, money.Money{Amount: money.MaxAmount, Currency: b.Price.Currency})
		return SubscribeResult{}, f.Err()
	}
	rj, err := json.Marshal(recipients)
	if err != nil {
		return SubscribeResult{}, err
	}

	now := s.clock.Now()
	row := subscriptionRow{ID: id.New("sbn"), BuyerUserID: who.UserID, BuyerEmail: who.Email, BundleID: b.ID,
		IntervalMonths: months, RecipientsJSON: string(rj), RecipientCount: n, GiftMessage: in.GiftMessage,
		UnitPriceAmount: b.Price.Amount, Currency: b.Price.Currency, Status: StatusIncomplete, CreatedAt: now, UpdatedAt: now}
	err = db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The buyer's Stripe customer, if an earlier plan made one.
		var cus sql.NullString
		if err := tx.GetContext(ctx, &cus, `SELECT MAX(stripe_customer_id) FROM subscriptions WHERE buyer_user_id = ?`, who.UserID); err != nil {
			return fmt.Errorf("subscriptions: buyer's customer: %w", err)
		}
		if cus.Valid {
			row.StripeCustomerID = &cus.String
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (id, buyer_user_id, buyer_email, bundle_id, interval_months,
			recipients_json, recipient_count, gift_message, unit_price_amount, currency, status, stripe_customer_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'incomplete', ?, ?, ?)`, row.ID, row.BuyerUserID, row.BuyerEmail, row.BundleID,
			row.IntervalMonths, row.RecipientsJSON, row.RecipientCount, row.GiftMessage, row.UnitPriceAmount, row.Currency,
			row.StripeCustomerID, now, now); err != nil {
			return fmt.Errorf("subscriptions: insert subscription: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: who.UserID, Action: "subscription.created",
			ObjectType: "subscription", ObjectID: row.ID, After: map[string]any{"bundle_id": row.BundleID, "interval_months": months, "recipients": n}})
	})
	if err != nil {
		return SubscribeResult{}, err
	}

	secret, err := s.startInStripe(ctx, &row, b.Name)
	if err != nil {
		httpx.Logger(ctx).Warn("subscription could not be started in Stripe", "subscription_id", row.ID, "err", err.Error())
		return SubscribeResult{}, fault.Wrap(fault.KindUnavailable, err, "subscription %s could not be started with the payment provider: try again", row.ID)
	}
	cur, err := s.get(ctx, s.db, row.ID)
	if err != nil {
		return SubscribeResult{}, err
	}
	view, err := cur.view()
	if err != nil {
		return SubscribeResult{}, err
	}
	res := SubscribeResult{Subscription: view}
	if secret != "" && cur.Status == StatusIncomplete {
		res.Payment = &Payment{ClientSecret: secret}
	}
	return res, nil
}

// startInStripe makes the customer (when the buyer has none), the price and
// the subscription, storing each id as it comes; it returns the first
// invoice's client secret when Stripe says the subscription awaits payment.
func (s *Service) startInStripe(ctx context.Context, row *subscriptionRow, bundleName string) (string, error) {
	if row.StripeCustomerID == nil {
		cus, err := s.stripe.CreateCustomer(ctx, row.BuyerEmail, "", customerKey(row.BuyerUserID))
		if err != nil {
			return "", err
		}
		row.StripeCustomerID = &cus
		if err := s.set(ctx, row.ID, `stripe_customer_id = ?`, cus); err != nil {
			return "", err
		}
	}
	total, err := row.amount()
	if err != nil {
		return "", err
	}
	if total.Amount <= 0 || total.Amount > money.MaxAmount {
		return "", fmt.Errorf("subscriptions: subscription %s would charge %s a period, beyond what one payment can be", row.ID, total)
	}
	name := fmt.Sprintf("Trove gifting plan: %s for %d recipient(s)", bundleName, row.RecipientCount)
	price, err := s.stripe.CreatePrice(ctx, name, total, row.IntervalMonths, priceKey(row.ID))
	if err != nil {
		return "", err
	}
	if err := s.set(ctx, row.ID, `stripe_price_id = ?`, price); err != nil {
		return "", err
	}
	sub, err := s.stripe.CreateSubscription(ctx, *row.StripeCustomerID, price, map[string]string{MetadataSubscriptionID: row.ID}, subscribeKey(row.ID))
	if err != nil {
		return "", err
	}
	// Its events may have been followed already: the status only moves from
	// incomplete here, and never back from canceled.
	now := s.clock.Now()
	if _, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET stripe_subscription_id = ?,
		status = IF(status = 'incomplete', ?, status), current_period_end = COALESCE(?, current_period_end), updated_at = ? WHERE id = ?`,
		sub.ID, ourStatus(sub.Status, StatusIncomplete), nullTime(sub.CurrentPeriodEnd), now, row.ID); err != nil {
		return "", fmt.Errorf("subscriptions: store subscription %s: %w", sub.ID, err)
	}
	if sub.Status == stripe.SubscriptionIncomplete {
		return sub.ClientSecret, nil
	}
	return "", nil
}

func (s *Service) set(ctx context.Context, subID, assignment string, v any) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET `+assignment+`, updated_at = ? WHERE id = ?`, v, s.clock.Now(), subID); err != nil {
		return fmt.Errorf("subscriptions: update subscription %s: %w", subID, err)
	}
	return nil
}

// ourStatus maps a Stripe subscription status to ours; unknown ones keep cur.
func ourStatus(stripeStatus, cur string) string {
	switch stripeStatus {
	case stripe.SubscriptionIncomplete:
		return StatusIncomplete
	case stripe.SubscriptionActive, stripe.SubscriptionTrialing:
		return StatusActive
	case stripe.SubscriptionPastDue, stripe.SubscriptionUnpaid:
		return StatusPastDue
	case stripe.SubscriptionCanceled, stripe.SubscriptionIncompleteExpired:
		return StatusCanceled
	}
	return cur
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Service) get(ctx context.Context, q sqlx.QueryerContext, subID string) (subscriptionRow, error) {
	var r subscriptionRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = ?`, subID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fault.NotFound("subscription %s not found", subID)
	}
	return r, err
}

// Subscriptions lists the buyer's own plans, newest first.
func (s *Service) Subscriptions(ctx context.Context, userID string) ([]Subscription, error) {
	var rows []subscriptionRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE buyer_user_id = ?
		ORDER BY created_at DESC, id DESC`, userID); err != nil {
		return nil, fmt.Errorf("subscriptions: list subscriptions: %w", err)
	}
	out := make([]Subscription, 0, len(rows))
	for _, r := range rows {
		v, err := r.view()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Cancel cancels the buyer's own plan (another buyer's answers not found):
// the Stripe subscription is canceled now, then ours. Canceling a canceled
// plan answers it as it is; the webhook arriving first changes nothing.
func (s *Service) Cancel(ctx context.Context, userID, subID string) (Subscription, error) {
	row, err := s.get(ctx, s.db, subID)
	if err != nil || row.BuyerUserID != userID {
		if err == nil || fault.Is(err, fault.KindNotFound) {
			return Subscription{}, fault.NotFound("subscription %s not found", subID)
		}
		return Subscription{}, err
	}
	if row.Status != StatusCanceled && row.StripeSubscriptionID != nil {
		if _, err := s.stripe.CancelSubscription(ctx, *row.StripeSubscriptionID); err != nil {
			return Subscription{}, fault.Wrap(fault.KindUnavailable, err, "subscription %s could not be canceled with the payment provider: try again", subID)
		}
	}
	if err := s.markCanceled(ctx, subID, audit.ActorUser, userID); err != nil {
		return Subscription{}, err
	}
	row, err = s.get(ctx, s.db, subID)
	if err != nil {
		return Subscription{}, err
	}
	return row.view()
}

func (s *Service) markCanceled(ctx context.Context, subID, actorType, actorID string) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.clock.Now()
		res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET status = 'canceled', canceled_at = ?, updated_at = ?
			WHERE id = ? AND status <> 'canceled'`, now, now, subID)
		if err != nil {
			return fmt.Errorf("subscriptions: cancel subscription %s: %w", subID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: actorType, ActorID: actorID, Action: "subscription.canceled",
			ObjectType: "subscription", ObjectID: subID})
	})
}

// find is our plan for a Stripe subscription: by the id in its metadata, else
// by the stored Stripe id. ok is false for a subscription that is not ours.
func (s *Service) find(ctx context.Context, ourID, stripeID string) (subscriptionRow, bool, error) {
	var row subscriptionRow
	var err error
	if ourID != "" {
		row, err = s.get(ctx, s.db, ourID)
	} else {
		err = s.db.GetContext(ctx, &row, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE stripe_subscription_id = ?`, stripeID)
		if errors.Is(err, sql.ErrNoRows) {
			err = fault.NotFound("no plan for %s", stripeID)
		}
	}
	if fault.Is(err, fault.KindNotFound) {
		httpx.Logger(ctx).Info("stripe subscription event for no Trove plan", "stripe_subscription_id", stripeID, "trove_subscription_id", ourID)
		return row, false, nil
	}
	if err != nil {
		return row, false, err
	}
	if row.StripeSubscriptionID != nil && *row.StripeSubscriptionID != stripeID {
		return row, false, queue.Permanent(fault.Conflict("plan %s is Stripe subscription %s, not %s", row.ID, *row.StripeSubscriptionID, stripeID))
	}
	return row, true, nil
}

func (s *Service) storeStripeID(ctx context.Context, subID, stripeID string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET stripe_subscription_id = ?, updated_at = ?
		WHERE id = ? AND stripe_subscription_id IS NULL`, stripeID, s.clock.Now(), subID)
	return err
}

// invoicePaid makes the period's order (once per invoice): what is in stock
// ships, and the lines that are short are refunded in the same transaction.
func (s *Service) invoicePaid(ctx context.Context, row subscriptionRow, inv stripe.Invoice) error {
	if inv.BillingReason != stripe.BillingReasonSubscriptionCreate && inv.BillingReason != stripe.BillingReasonSubscriptionCycle {
		return nil
	}
	rs, err := row.recipients()
	if err != nil {
		return queue.Permanent(err)
	}
	o, created, err := s.orders.CreatePaidOrder(ctx, orders.PaidOrderInput{InvoiceID: inv.ID,
		PaymentIntentID: inv.PaymentIntentID, Reference: "subscription " + row.ID, BuyerUserID: row.BuyerUserID, BuyerEmail: row.BuyerEmail,
		BundleID: row.BundleID, UnitPrice: row.unitPrice(), Recipients: rs, GiftMessage: row.GiftMessage, AmountPaid: inv.AmountPaid},
		s.refunds.RefundShortLines())
	if fault.Is(err, fault.KindConflict) || fault.Is(err, fault.KindInvalid) {
		return queue.Permanent(err)
	}
	if err != nil {
		return err
	}
	if created {
		httpx.Logger(ctx).Info("subscription period ordered", "subscription_id", row.ID, "invoice_id", inv.ID, "order_id", o.ID)
	}
	return nil
}

// sync sets the plan's status (and period end) to the Stripe subscription's
// now; canceled is final, and past_due_at records when it fell behind.
func (s *Service) sync(ctx context.Context, subID, stripeID string) error {
	sub, err := s.stripe.GetSubscription(ctx, stripeID)
	if err != nil {
		return err
	}
	if err := s.storeStripeID(ctx, subID, stripeID); err != nil {
		return err
	}
	status := ourStatus(sub.Status, "")
	if status == StatusCanceled {
		return s.markCanceled(ctx, subID, audit.ActorProvider, "stripe")
	}
	now := s.clock.Now()
	if status == "" {
		_, err = s.db.ExecContext(ctx, `UPDATE subscriptions SET current_period_end = COALESCE(?, current_period_end), updated_at = ?
			WHERE id = ? AND status <> 'canceled'`, nullTime(sub.CurrentPeriodEnd), now, subID)
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE subscriptions SET status = ?,
		past_due_at = IF(? = 'past_due', COALESCE(past_due_at, ?), NULL),
		current_period_end = COALESCE(?, current_period_end), updated_at = ?
		WHERE id = ? AND status <> 'canceled'`, status, status, now, nullTime(sub.CurrentPeriodEnd), now, subID)
	if err != nil {
		return fmt.Errorf("subscriptions: sync subscription %s: %w", subID, err)
	}
	return nil
}
