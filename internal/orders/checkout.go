package orders

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
)

// CheckoutInput is the body of a checkout. Both fields are optional.
type CheckoutInput struct {
	// ExpectedTotal is the total the buyer was shown: when given and the
	// catalog's prices now make another, checkout stops with a conflict.
	ExpectedTotal *money.Money `json:"expected_total"`
}

// Payment is what the buyer's browser needs to pay: Stripe's PaymentIntent id
// and client secret (for Stripe.js). The secret is never stored by Trove.
type Payment struct {
	IntentID     string `json:"payment_intent_id"`
	ClientSecret string `json:"client_secret"`
}

// CheckoutResult is the answer to a checkout.
type CheckoutResult struct {
	Order BuyerOrder `json:"order"`
	// Payment is null unless the order is awaiting payment.
	Payment *Payment `json:"payment"`
}

// PaymentKey is the idempotency key StartPayment gets for an order: the same
// for every attempt, so a retried checkout finds the same payment.
func PaymentKey(orderID string) string { return "orders.payment:" + orderID }

// Checkout turns the caller's cart into an order awaiting payment and starts
// the payment. In one transaction, under the cart's row lock: every line is
// priced from the catalog and must be for sale and in stock, the recipient
// and (for guests) the email complete; the stock is held until now + the
// reservation TTL (bundles expanded into their parts, and a variant wanted by
// several lines held once for the sum); the order, its lines and one vendor
// order per vendor (and recipient) are written; the cart is checked out. Then,
// outside the transaction, the payment is started.
//
// Checking out the same cart again (a double click, a retry after an error)
// answers the same order and payment: created reports whether this call made
// the order. If the payment could not be started, the order stays awaiting
// payment with its stock held, the error says so, and checking out again
// retries it with the same idempotency key. A cart whose payment failed is
// held again (if the stock is still there) for another try; an expired order is
// answered as it is, without a payment.
func (s *Store) Checkout(ctx context.Context, c Caller, cartID string, in CheckoutInput) (CheckoutResult, bool, error) {
	if in.ExpectedTotal != nil {
		var f fault.Fields
		if !money.CheckIncoming(&f, "expected_total", *in.ExpectedTotal, 0) {
			return CheckoutResult{}, false, f.Err()
		}
	}
	var orderID string
	var created bool
	err := db.RetryDeadlocks(ctx, func() error {
		orderID, created = "", false
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			cart, err := s.readCart(ctx, tx, c, cartID, true)
			if err != nil {
				return err
			}
			switch cart.Status {
			case CartCheckedOut:
				orderID, err = s.checkoutAgain(ctx, tx, cart.ID)
				return err
			case CartOpen:
			default:
				return fault.Conflict("cart %s was abandoned: start a new one", cartID)
			}
			lines, err := readLines(ctx, tx, cart.ID)
			if err != nil {
				return err
			}
			pc, err := s.price(ctx, tx, c, cart, lines)
			if err != nil {
				return err
			}
			if err := pc.checkoutError(); err != nil {
				return err
			}
			now := s.clock.Now()
			o, err := buildOrder(c, pc, now, now.Add(s.ttl))
			if err != nil {
				return err
			}
			if in.ExpectedTotal != nil && *in.ExpectedTotal != o.total() {
				return fault.Conflict("the total is now %s, not %s: prices changed, review the cart", o.total(), *in.ExpectedTotal)
			}
			if err := o.write(ctx, tx); err != nil {
				if db.IsDuplicate(err) {
					return fault.Conflict("cart %s is being checked out by another request: try again", cart.ID)
				}
				return err
			}
			// Last, so the hot variant rows stay locked for as short a time as can be.
			if err := s.catalog.ReserveTx(ctx, tx, o.id, o.reserveItems(), o.expiresAt); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE carts SET status = 'checked_out', checked_out_at = ?, updated_at = ? WHERE id = ? AND status = 'open'`,
				now, now, cart.ID)
			if err != nil {
				return fmt.Errorf("orders: check out cart: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("orders: cart %s changed under its lock", cart.ID)
			}
			orderID, created = o.id, true
			return nil
		})
	})
	if err != nil {
		return CheckoutResult{}, false, err
	}
	pay, payErr := s.ensurePayment(ctx, orderID)
	if payErr != nil {
		return CheckoutResult{}, created, payErr
	}
	order, err := s.buyerOrder(ctx, orderID)
	if err != nil {
		return CheckoutResult{}, created, err
	}
	return CheckoutResult{Order: order, Payment: pay}, created, nil
}

// checkoutAgain finds the order of a checked-out cart. An order whose payment
// failed holds its stock again for a new attempt (pending_payment once more,
// Order.HoldUntil); if the stock is gone, that is a conflict naming the item.
func (s *Store) checkoutAgain(ctx context.Context, tx *sqlx.Tx, cartID string) (string, error) {
	var orderID string
	err := tx.GetContext(ctx, &orderID, `SELECT id FROM orders WHERE source_type = 'cart' AND source_id = ?`, cartID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("orders: cart %s is checked out but has no order", cartID)
	}
	if err != nil {
		return "", err
	}
	return orderID, s.update(ctx, tx, orderID, func(o *Order) error {
		if o.Status != StatusPaymentFailed {
			return nil
		}
		now := s.clock.Now()
		_, err := o.HoldUntil(now.Add(s.ttl), nil, now)
		return err
	})
}

// orderItems is what an order holds or sold, per variant.
func orderItems(ctx context.Context, q sqlx.QueryerContext, orderID string) ([]catalog.ReserveItem, error) {
	var items []struct {
		VariantID string `db:"variant_id"`
		Quantity  int    `db:"quantity"`
	}
	if err := sqlx.SelectContext(ctx, q, &items, `SELECT variant_id, SUM(quantity) AS quantity FROM order_lines
		WHERE order_id = ? GROUP BY variant_id ORDER BY variant_id`, orderID); err != nil {
		return nil, fmt.Errorf("orders: order items: %w", err)
	}
	out := make([]catalog.ReserveItem, len(items))
	for i, it := range items {
		out[i] = catalog.ReserveItem{VariantID: it.VariantID, Quantity: it.Quantity}
	}
	return out, nil
}

// ensurePayment makes sure an order awaiting payment has one, and answers what
// the browser needs to pay; nil for an order in any other state. One request at
// a time per order (a MySQL named lock, held outside any transaction while the
// provider is called), so a double click starts one payment: the second
// request waits, then finds the first one's payment.
func (s *Store) ensurePayment(ctx context.Context, orderID string) (*Payment, error) {
	// Everything runs on the one connection that holds the lock, so a burst of
	// checkouts cannot starve the pool while each holds a lock.
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	name := "trove.orders.payment." + orderID // named locks are at most 64 characters
	var got sql.NullInt64
	if err := conn.QueryRowxContext(ctx, `SELECT GET_LOCK(?, 20)`, name).Scan(&got); err != nil {
		return nil, fmt.Errorf("orders: payment lock: %w", err)
	}
	if got.Int64 != 1 {
		return nil, fault.Unavailable("the payment of order %s is being set up by another request: try again in a moment", orderID)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(?)`, name)

	var o orderRow
	if err := conn.GetContext(ctx, &o, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ?`, orderID); err != nil {
		return nil, fmt.Errorf("orders: read order: %w", err)
	}
	if o.Status != StatusPendingPayment {
		return nil, nil
	}
	if o.PaymentIntentID != nil {
		secret, err := s.payments.ClientSecret(ctx, *o.PaymentIntentID)
		if err != nil {
			return nil, fault.Wrap(fault.KindUnavailable, err, "the payment of order %s could not be read: try again", orderID)
		}
		return &Payment{IntentID: *o.PaymentIntentID, ClientSecret: secret}, nil
	}
	intentID, secret, err := s.payments.StartPayment(ctx, o.ID, money.Money{Amount: o.TotalAmount, Currency: o.Currency}, PaymentKey(o.ID))
	if err != nil {
		// Unavailable is not logged by httpx.Error; operators need the cause.
		httpx.Logger(ctx).Warn("payment could not be started", "order_id", o.ID, "err", err.Error())
		return nil, fault.Wrap(fault.KindUnavailable, err, "order %s is placed and its items are held until %s, but the payment could not be started: check out again to retry",
			o.ID, o.ReservationExpiresAt.Format(time.RFC3339))
	}
	res, err := conn.ExecContext(ctx, `UPDATE orders SET payment_intent_id = ?, updated_at = ? WHERE id = ? AND payment_intent_id IS NULL`,
		intentID, s.clock.Now(), o.ID)
	if err != nil {
		return nil, fmt.Errorf("orders: store payment %s of %s: %w", intentID, o.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// A payment event stored it first (MarkPaid and friends record the
		// intent of an order that has none): answer the stored one.
		var stored string
		if err := conn.GetContext(ctx, &stored, `SELECT payment_intent_id FROM orders WHERE id = ?`, o.ID); err != nil {
			return nil, err
		}
		if stored != intentID {
			if secret, err = s.payments.ClientSecret(ctx, stored); err != nil {
				return nil, fault.Wrap(fault.KindUnavailable, err, "the payment of order %s could not be read: try again", orderID)
			}
		}
		intentID = stored
	}
	return &Payment{IntentID: intentID, ClientSecret: secret}, nil
}
