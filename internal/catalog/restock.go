package catalog

// Restocking: units of a sale that come back (a refund with restock) are put
// back on the shelf, and taken off again if that refund fails. The caller
// (internal/orders, for a refund) passes its transaction, so the stock moves
// if and only if the refund is written.

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// RestockTx puts units back into stock, within tx: each variant's
// stock_on_hand grows by its quantity (quantities of one variant summed,
// variants updated in id order, the lock order of ReserveTx). A deleted
// variant is left alone: there is nothing to sell it as. stock_updated_at
// moves to now (if later), so a Shopify stock figure taken before the
// restock cannot undo it (as for CommitTx).
func (s *Store) RestockTx(ctx context.Context, tx *sqlx.Tx, items []ReserveItem) error {
	merged, err := mergeItems(items)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for _, it := range merged {
		if _, err := tx.ExecContext(ctx, `UPDATE variants SET stock_on_hand = stock_on_hand + ?,
			stock_updated_at = IF(stock_updated_at IS NULL OR stock_updated_at < ?, ?, stock_updated_at)
			WHERE id = ? AND deleted_at IS NULL`, it.Quantity, now, now, it.VariantID); err != nil {
			return fmt.Errorf("catalog: restock %s: %w", it.VariantID, err)
		}
	}
	return nil
}

// UnstockTx undoes a RestockTx of the same items, within tx: each variant's
// stock_on_hand shrinks by its quantity, never below 0 (units sold since are
// gone either way).
func (s *Store) UnstockTx(ctx context.Context, tx *sqlx.Tx, items []ReserveItem) error {
	merged, err := mergeItems(items)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for _, it := range merged {
		if _, err := tx.ExecContext(ctx, `UPDATE variants SET stock_on_hand = GREATEST(stock_on_hand - ?, 0),
			stock_updated_at = IF(stock_updated_at IS NULL OR stock_updated_at < ?, ?, stock_updated_at)
			WHERE id = ? AND deleted_at IS NULL`, it.Quantity, now, now, it.VariantID); err != nil {
			return fmt.Errorf("catalog: unstock %s: %w", it.VariantID, err)
		}
	}
	return nil
}
