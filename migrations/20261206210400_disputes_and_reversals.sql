-- +goose Up
-- Lost disputes become the vendors' debits, and transfer reversals made
-- outside Trove are booked (docs/payouts.md, "Disputes" and "Reversals made
-- in Stripe").

-- A buyer's chargeback on an order's payment, as Stripe last said of it
-- (owner: internal/payments). One row per Stripe dispute (its dp_ id,
-- unique): the charge.dispute.* events re-read it and update this row.
--   status: Stripe's (warning_needs_response, needs_response, under_review,
--           won, lost, warning_closed, …)
--   funds_withdrawn: the disputed amount is out of the platform's balance
--           (funds_withdrawn, until funds_reinstated or won)
--   debited_amount, lost_at: set once, when it is lost: what the vendors'
--           ledgers bear (the disputed amount, at most what is left of the
--           order's payment after refunds), split in dispute_allocations;
--           the dispute's job (payments.dispute_lost) posts the debits.
-- No foreign key to orders: the tables have different owners.
CREATE TABLE disputes (
  id                VARCHAR(32)  NOT NULL,
  stripe_dispute_id VARCHAR(255) NOT NULL,
  order_id          VARCHAR(32)  NOT NULL,
  payment_intent_id VARCHAR(255) NOT NULL,
  charge_id         VARCHAR(255) NOT NULL DEFAULT '',
  currency          CHAR(3)      NOT NULL,
  amount            BIGINT       NOT NULL,
  reason            VARCHAR(64)  NOT NULL DEFAULT '',
  status            VARCHAR(32)  NOT NULL,
  funds_withdrawn   BOOLEAN      NOT NULL DEFAULT FALSE,
  debited_amount    BIGINT       NULL,
  lost_at           DATETIME(6)  NULL,
  closed_at         DATETIME(6)  NULL,
  created_at        DATETIME(6)  NOT NULL,
  updated_at        DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY disputes_stripe (stripe_dispute_id),
  KEY disputes_order (order_id),
  CONSTRAINT disputes_amount CHECK (amount >= 0 AND (debited_amount IS NULL OR (debited_amount >= 0 AND debited_amount <= amount)))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A lost dispute's share of one vendor order (owner: internal/payments),
-- split like a refund of its amount (weighted by what is left on each vendor
-- order, to the cent): the source, once each, of the vendor's ledger debit
-- and, after payout, a transfer reversal and a Xero credit note.
CREATE TABLE dispute_allocations (
  dispute_id      VARCHAR(32) NOT NULL,
  vendor_order_id VARCHAR(32) NOT NULL,
  vendor_id       VARCHAR(32) NOT NULL,
  position        INT         NOT NULL,
  currency        CHAR(3)     NOT NULL,
  amount          BIGINT      NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (dispute_id, vendor_order_id),
  KEY dispute_allocations_vendor_order (vendor_order_id),
  CONSTRAINT dispute_allocations_dispute_fk FOREIGN KEY (dispute_id) REFERENCES disputes (id),
  CONSTRAINT dispute_allocations_amount CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The ledger (owner: internal/payouts) takes two more causes:
--   dispute:<dsp>:<vor>             - the vendor's part of a lost dispute
--   dispute_commission:<dsp>:<vor>  + the commission given back with it
--   transfer_reversal:<trr>         - a reversal of a payout's transfer made
--                                     in Stripe, outside Trove (settled by
--                                     that payout)
ALTER TABLE ledger_entries
  ADD COLUMN dispute_id VARCHAR(32) NULL AFTER refund_id,
  DROP CONSTRAINT ledger_entries_kind_known,
  ADD CONSTRAINT ledger_entries_kind_known CHECK (kind IN ('sale', 'commission', 'refund', 'refund_commission', 'adjustment',
    'dispute', 'dispute_commission', 'transfer_reversal'));

-- A payout's transfer is reversed for a refund after payout (refund_id), a
-- lost dispute after payout (dispute_id), or by someone in Stripe's
-- dashboard (source stripe: neither, and no vendor order; it is recorded
-- reversed, from Stripe's transfer.reversed).
ALTER TABLE payout_reversals
  ADD COLUMN source VARCHAR(16) NOT NULL DEFAULT 'refund' AFTER payout_id,
  MODIFY refund_id VARCHAR(32) NULL,
  ADD COLUMN dispute_id VARCHAR(32) NULL AFTER refund_id,
  MODIFY vendor_order_id VARCHAR(32) NULL,
  ADD UNIQUE KEY payout_reversals_dispute (dispute_id, vendor_order_id),
  ADD CONSTRAINT payout_reversals_source_known CHECK (
    (source = 'refund' AND refund_id IS NOT NULL AND dispute_id IS NULL AND vendor_order_id IS NOT NULL) OR
    (source = 'dispute' AND dispute_id IS NOT NULL AND refund_id IS NULL AND vendor_order_id IS NOT NULL) OR
    (source = 'stripe' AND refund_id IS NULL AND dispute_id IS NULL AND stripe_reversal_id IS NOT NULL));

-- +goose Down
DELETE FROM payout_items WHERE reversal_id IN (SELECT id FROM payout_reversals WHERE source <> 'refund');
DELETE FROM payout_items WHERE entry_id IN (SELECT id FROM ledger_entries WHERE kind IN ('dispute', 'dispute_commission', 'transfer_reversal'));
DELETE FROM payout_reversals WHERE source <> 'refund';
ALTER TABLE payout_reversals
  DROP CONSTRAINT payout_reversals_source_known,
  DROP INDEX payout_reversals_dispute,
  DROP COLUMN dispute_id,
  MODIFY refund_id VARCHAR(32) NOT NULL,
  MODIFY vendor_order_id VARCHAR(32) NOT NULL,
  DROP COLUMN source;
DELETE FROM ledger_entries WHERE kind IN ('dispute', 'dispute_commission', 'transfer_reversal');
ALTER TABLE ledger_entries
  DROP CONSTRAINT ledger_entries_kind_known,
  ADD CONSTRAINT ledger_entries_kind_known CHECK (kind IN ('sale', 'commission', 'refund', 'refund_commission', 'adjustment')),
  DROP COLUMN dispute_id;
DROP TABLE dispute_allocations;
DROP TABLE disputes;
