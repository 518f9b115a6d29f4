package fulfilment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
)

// The hand-off's bounds.
const (
	// DefaultHandOffSettle: an orderCreate may make the order until the
	// client gives up on it (30 s) and Shopify's order search shows a new
	// order seconds later; two minutes covers both with room to spare. A
	// create whose outcome is unknown is not sent again before then.
	DefaultHandOffSettle = 2 * time.Minute
	// HandOffAttempts is how many runs a hand-off job gets: the queue's
	// backoff (1 s, doubling) waits out the settle time within the first
	// eight or so, which leaves as many for Shopify being down.
	HandOffAttempts = 16
)

// ErrHandOffSettling is returned (wrapped) by OnHandOff while an earlier
// orderCreate may have made the order but Shopify's search cannot show it
// yet: the job is retried later, when it can.
var ErrHandOffSettling = errors.New("fulfilment: an earlier orderCreate may have made the order; waiting for Shopify's search to show it")

// OnHandOff creates the vendor order's order in the vendor's Shopify store,
// once. Shopify's orderCreate takes no idempotency key, and the order search
// that finds an order by the trove-ref: tag it carries lags creates by
// seconds, while the job's first retry comes after about one. So, under a
// named lock per vendor order (two runs never look and create at once):
//
//   - each orderCreate is written down (shopify_handoffs.sent_at, committed)
//     before it is sent, and the order Shopify made is written down as soon
//     as the answer arrives, before the vendor order records it;
//   - a run that finds the order's id written down records it;
//   - a run that finds a create whose outcome is unknown (a timeout, a 5xx)
//     searches by the tag; not found, it creates again only once the search
//     must show the order if that create made it (sent_at + HandOffSettle),
//     and until then fails with ErrHandOffSettling, for the queue to retry;
//   - an answer that proves no order was made (shopify.NothingDone) clears
//     sent_at: the next run creates at once.
func (s *Service) OnHandOff(ctx context.Context, _ queue.Meta, j HandOff) error {
	f, err := s.orders.VendorOrderByID(ctx, j.VendorOrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	if done, err := handOffDone(f); done || err != nil {
		return err
	}
	in, err := s.newShopifyOrder(ctx, f)
	if err != nil {
		return err
	}
	unlock, err := db.NamedLock(ctx, s.db, "trove:handoff:"+f.ID, 30*time.Second)
	if err != nil {
		return err
	}
	defer unlock()
	// A run that held the lock before this one may have recorded the order.
	if f, err = s.orders.VendorOrderByID(ctx, f.ID); err != nil {
		return err
	}
	if done, err := handOffDone(f); done || err != nil {
		return err
	}
	var ref orders.ShopifyOrderRef
	err = s.conns.WithToken(ctx, f.VendorID, func(shop, token string) (err error) {
		ref, err = s.findOrCreate(ctx, shop, token, in)
		return err
	})
	if errors.Is(err, shopify.ErrOrderRejected) {
		return queue.Permanent(err)
	}
	if err != nil {
		return err
	}
	return s.recordHandOff(ctx, f.ID, ref)
}

// handOffDone says whether a vendor order needs no hand-off: recorded
// already, or cancelled. One not paid is an error that retrying cannot fix.
func handOffDone(f orders.VendorOrder) (bool, error) {
	switch {
	case f.Shopify != nil:
		return true, nil
	case f.Status == orders.VendorOrderPending:
		return true, queue.Permanent(fmt.Errorf("fulfilment: vendor order %s is not paid", f.ID))
	case f.Status == orders.VendorOrderCancelled:
		return true, nil // nothing to fulfil
	}
	return false, nil
}

// findOrCreate is the hand-off's find-or-create, run with the shop's token
// under the vendor order's lock (see OnHandOff).
func (s *Service) findOrCreate(ctx context.Context, shop, token string, in shopify.NewOrder) (orders.ShopifyOrderRef, error) {
	h, err := s.handOffRecord(ctx, in.Reference)
	if err != nil {
		return orders.ShopifyOrderRef{}, err
	}
	if h.OrderID != nil {
		return orders.ShopifyOrderRef{ID: *h.OrderID, Name: h.OrderName}, nil
	}
	if h.SentAt != nil {
		found, ok, err := s.shopify.FindOrderByReference(ctx, shop, token, in.Reference)
		if err != nil {
			return orders.ShopifyOrderRef{}, err
		}
		if ok {
			return s.createdOrder(ctx, in.Reference, found)
		}
		if ready := h.SentAt.Add(s.cfg.HandOffSettle); s.clock.Now().Before(ready) {
			return orders.ShopifyOrderRef{}, fmt.Errorf("%w (vendor order %s: orderCreate sent %s, outcome unknown; not sent again before %s)",
				ErrHandOffSettling, in.Reference, h.SentAt.Format(time.RFC3339), ready.Format(time.RFC3339))
		}
		// Long enough: that create made no order.
	}
	if err := s.markSent(ctx, in.Reference); err != nil {
		return orders.ShopifyOrderRef{}, err
	}
	created, err := s.shopify.CreateOrder(ctx, shop, token, in)
	if err != nil {
		if shopify.NothingDone(err) {
			err = errors.Join(err, s.clearSent(context.WithoutCancel(ctx), in.Reference))
		}
		return orders.ShopifyOrderRef{}, err
	}
	return s.createdOrder(context.WithoutCancel(ctx), in.Reference, created)
}

// handOff is a vendor order's row of shopify_handoffs.
type handOff struct {
	Attempts  int        `db:"attempts"`
	SentAt    *time.Time `db:"sent_at"`
	OrderID   *string    `db:"shopify_order_id"`
	OrderName string     `db:"shopify_order_name"`
}

func (s *Service) handOffRecord(ctx context.Context, vendorOrderID string) (handOff, error) {
	var h handOff
	const q = `SELECT attempts, sent_at, shopify_order_id, shopify_order_name FROM shopify_handoffs WHERE vendor_order_id = ?`
	err := s.db.GetContext(ctx, &h, q, vendorOrderID)
	if errors.Is(err, sql.ErrNoRows) {
		return handOff{}, nil
	}
	if err != nil {
		return handOff{}, fmt.Errorf("fulfilment: read the hand-off of %s: %w", vendorOrderID, err)
	}
	return h, nil
}

// markSent writes down, before it is sent, that an orderCreate is about to
// go out for the vendor order.
func (s *Service) markSent(ctx context.Context, vendorOrderID string) error {
	now := s.clock.Now()
	const q = `INSERT INTO shopify_handoffs (vendor_order_id, attempts, sent_at, created_at, updated_at) VALUES (?, 1, ?, ?, ?)
		ON DUPLICATE KEY UPDATE attempts = attempts + 1, sent_at = VALUES(sent_at), updated_at = VALUES(updated_at)`
	if _, err := s.db.ExecContext(ctx, q, vendorOrderID, now, now, now); err != nil {
		return fmt.Errorf("fulfilment: write down the hand-off of %s: %w", vendorOrderID, err)
	}
	return nil
}

// clearSent forgets a create that Shopify's answer proves made nothing.
func (s *Service) clearSent(ctx context.Context, vendorOrderID string) error {
	const q = `UPDATE shopify_handoffs SET sent_at = NULL, updated_at = ? WHERE vendor_order_id = ? AND shopify_order_id IS NULL`
	if _, err := s.db.ExecContext(ctx, q, s.clock.Now(), vendorOrderID); err != nil {
		return fmt.Errorf("fulfilment: clear the hand-off of %s: %w", vendorOrderID, err)
	}
	return nil
}

// createdOrder writes down the order Shopify made (or the search found) for
// the vendor order, the moment it is known: if recording it on the vendor
// order fails, the next run finds it here rather than in the lagging search.
func (s *Service) createdOrder(ctx context.Context, vendorOrderID string, o shopify.Order) (orders.ShopifyOrderRef, error) {
	now := s.clock.Now()
	const q = `INSERT INTO shopify_handoffs (vendor_order_id, shopify_order_id, shopify_order_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE shopify_order_id = VALUES(shopify_order_id), shopify_order_name = VALUES(shopify_order_name),
			updated_at = VALUES(updated_at)`
	if _, err := s.db.ExecContext(ctx, q, vendorOrderID, o.ID, o.Name, now, now); err != nil {
		return orders.ShopifyOrderRef{}, fmt.Errorf("fulfilment: write down Shopify order %s of %s: %w", o.ID, vendorOrderID, err)
	}
	return orders.ShopifyOrderRef{ID: o.ID, Name: o.Name}, nil
}
