package orders

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// releaseBatch is how many orders one look at the expired holds returns.
const releaseBatch = 100

// ReleaseExpired is the handler of the ReleaseExpired job: every order holding
// stock past its hold gives it back, and an order still awaiting payment
// becomes expired. Each order is its own short transaction under the order's
// row lock, so a payment reported meanwhile either came first (the order is
// paid, its stock sold: nothing to release) or comes after (MarkPaid holds
// the stock again, or flags the order). Safe to run twice or in several
// processes at once.
func (s *Store) ReleaseExpired(ctx context.Context, m queue.Meta, _ ReleaseExpired) error {
	now := s.clock.Now()
	seen := map[string]bool{}
	released := 0
	defer func() {
		if released > 0 {
			httpx.Logger(ctx).Info("released the stock of expired checkouts", "orders", released)
		}
	}()
	for {
		ids, err := s.catalog.ExpiredReservations(ctx, now, releaseBatch)
		if err != nil {
			return err
		}
		fresh := 0
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id], fresh = true, fresh+1
			did, err := s.expire(ctx, id, now)
			if err != nil {
				return err
			}
			if did {
				released++
			}
		}
		if fresh == 0 || len(ids) < releaseBatch {
			return nil
		}
	}
}

// expire gives back the expired hold of one order and reports whether it did.
func (s *Store) expire(ctx context.Context, orderID string, now time.Time) (bool, error) {
	var did bool
	err := db.RetryDeadlocks(ctx, func() error {
		did = false
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			var o orderRow
			err := tx.GetContext(ctx, &o, `SELECT `+orderColumns+` FROM orders o WHERE o.id = ? FOR UPDATE`, orderID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				// A hold with no order cannot be made (they commit together);
				// give it back all the same.
			case err != nil:
				return err
			case o.Status == StatusPaid:
				// MarkPaid sells the hold in its own transaction; finish the job.
				n, err := s.catalog.CommitTx(ctx, tx, orderID)
				if n > 0 {
					httpx.Logger(ctx).Warn("a paid order still held stock: sold it now", "order_id", orderID)
				}
				return err
			case o.Status == StatusPendingPayment:
				if o.ReservationExpiresAt.After(now) {
					return nil // held again meanwhile
				}
				if _, err := tx.ExecContext(ctx, `UPDATE orders SET status = 'expired', expired_at = ?, updated_at = ?
					WHERE id = ? AND status = 'pending_payment'`, now, now, orderID); err != nil {
					return err
				}
			}
			n, err := s.catalog.ReleaseTx(ctx, tx, orderID)
			did = n > 0
			return err
		})
	})
	return did, err
}

// CartRetention is how long an untouched guest cart is kept: a guest who
// comes back within it finds the cart; after it, the cart and its lines go.
const CartRetention = 30 * 24 * time.Hour

// PruneCarts deletes open guest carts not changed since cutoff and never
// checked out (no order names them), and says how many. A signed-in buyer's
// cart is kept: it is theirs until they empty it.
func (s *Store) PruneCarts(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM carts WHERE status = 'open' AND user_id IS NULL AND updated_at < ?
			AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.source_type = 'cart' AND o.source_id = carts.id) LIMIT 1000`, cutoff)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
