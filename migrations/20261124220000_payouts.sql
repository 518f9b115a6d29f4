-- +goose Up
-- Payouts (owner: internal/payouts): the vendors' ledger, their Stripe Connect
-- accounts, payout cycles, payouts and transfer reversals.

-- A vendor's Stripe Connect Express account and what Stripe last said of it
-- (account.updated, or a read when the vendor comes back from onboarding).
CREATE TABLE payout_accounts (
  vendor_id          VARCHAR(32)  NOT NULL,
  stripe_account_id  VARCHAR(255) NOT NULL,
  details_submitted  BOOLEAN      NOT NULL DEFAULT FALSE,
  payouts_enabled    BOOLEAN      NOT NULL DEFAULT FALSE,
  transfers_active   BOOLEAN      NOT NULL DEFAULT FALSE,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  PRIMARY KEY (vendor_id),
  UNIQUE KEY payout_accounts_stripe (stripe_account_id),
  CONSTRAINT payout_accounts_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The ledger: append-only, one row per money movement owed to (+) or by (-) a
-- vendor, in minor units. source_key names the event that caused it, unique,
-- so a replayed event never posts twice:
--   sale:<vor>                 + the vendor order's subtotal (vendor price)
--   commission:<vor>           - the platform's commission on it
--   refund:<rfd>:<vor>         - the vendor's part of a refund
--   refund_commission:<rfd>:<vor> + the commission given back with it
--   adjustment:<id>            +/- an operator's adjustment (reason, audited)
-- Rows are never updated or deleted; a vendor's balance is their sum, what is
-- not paid out yet is the sum of the rows in no payout (payout_items).
CREATE TABLE ledger_entries (
  id              VARCHAR(32)   NOT NULL,
  vendor_id       VARCHAR(32)   NOT NULL,
  kind            VARCHAR(24)   NOT NULL,
  currency        CHAR(3)       NOT NULL,
  amount          BIGINT        NOT NULL,
  source_key      VARCHAR(191)  NOT NULL,
  order_id        VARCHAR(32)   NULL,
  vendor_order_id VARCHAR(32)   NULL,
  refund_id       VARCHAR(32)   NULL,
  memo            VARCHAR(1000) NOT NULL DEFAULT '',
  created_by      VARCHAR(64)   NOT NULL,
  created_at      DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ledger_entries_source (source_key),
  KEY ledger_entries_vendor (vendor_id, created_at),
  KEY ledger_entries_vendor_order (vendor_order_id),
  CONSTRAINT ledger_entries_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT ledger_entries_kind_known CHECK (kind IN ('sale', 'commission', 'refund', 'refund_commission', 'adjustment'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A run of the payout schedule (or an operator's "run now"). A scheduled run
-- is unique by its occurrence, so every process's scheduler makes it once.
CREATE TABLE payout_cycles (
  id             VARCHAR(32)  NOT NULL,
  trigger_kind   VARCHAR(16)  NOT NULL,
  occurrence     VARCHAR(64)  NULL,
  cutoff         DATETIME(6)  NOT NULL,
  started_by     VARCHAR(64)  NOT NULL,
  started_at     DATETIME(6)  NOT NULL,
  finished_at    DATETIME(6)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payout_cycles_occurrence (occurrence),
  KEY payout_cycles_started (started_at),
  CONSTRAINT payout_cycles_trigger_known CHECK (trigger_kind IN ('schedule', 'manual'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One payout: one vendor, one currency, one cycle.
--   status: pending (the transfer job runs) -> transferred | failed
-- reversed_amount: what transfer reversals took back since (refunds after
-- payout). xero_bill_*: what invoicing booked, for the vendor's view.
CREATE TABLE payouts (
  id                 VARCHAR(32)   NOT NULL,
  cycle_id           VARCHAR(32)   NOT NULL,
  vendor_id          VARCHAR(32)   NOT NULL,
  currency           CHAR(3)       NOT NULL,
  amount             BIGINT        NOT NULL,
  reversed_amount    BIGINT        NOT NULL DEFAULT 0,
  status             VARCHAR(16)   NOT NULL,
  stripe_account_id  VARCHAR(255)  NOT NULL,
  transfer_group     VARCHAR(255)  NOT NULL,
  source_transaction VARCHAR(255)  NULL,
  stripe_transfer_id VARCHAR(255)  NULL,
  failure_reason     VARCHAR(1000) NOT NULL DEFAULT '',
  transferred_at     DATETIME(6)   NULL,
  xero_bill_number   VARCHAR(64)   NOT NULL DEFAULT '',
  xero_bill_status   VARCHAR(32)   NOT NULL DEFAULT '',
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payouts_transfer (stripe_transfer_id),
  UNIQUE KEY payouts_cycle_vendor (cycle_id, vendor_id, currency),
  KEY payouts_vendor (vendor_id, created_at),
  CONSTRAINT payouts_cycle_fk FOREIGN KEY (cycle_id) REFERENCES payout_cycles (id),
  CONSTRAINT payouts_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT payouts_amount_positive CHECK (amount > 0),
  CONSTRAINT payouts_reversed_range CHECK (reversed_amount >= 0 AND reversed_amount <= amount),
  CONSTRAINT payouts_status_known CHECK (status IN ('pending', 'transferred', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Which payout settled which ledger entry: an entry is in at most one payout
-- (the primary key), which is what makes two cycles running at once, or one
-- cycle run twice, pay nothing twice. reversal_id: the entry (a refund after
-- payout) was settled by that transfer reversal of the payout.
CREATE TABLE payout_items (
  entry_id    VARCHAR(32) NOT NULL,
  payout_id   VARCHAR(32) NOT NULL,
  reversal_id VARCHAR(32) NULL,
  created_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (entry_id),
  KEY payout_items_payout (payout_id),
  CONSTRAINT payout_items_entry_fk FOREIGN KEY (entry_id) REFERENCES ledger_entries (id),
  CONSTRAINT payout_items_payout_fk FOREIGN KEY (payout_id) REFERENCES payouts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Vendors a cycle left out, and why (payouts not enabled, balance not
-- positive): their entries stay open for the next cycle.
CREATE TABLE payout_skips (
  cycle_id  VARCHAR(32)  NOT NULL,
  vendor_id VARCHAR(32)  NOT NULL,
  currency  CHAR(3)      NOT NULL,
  balance   BIGINT       NOT NULL,
  reason    VARCHAR(500) NOT NULL,
  PRIMARY KEY (cycle_id, vendor_id, currency),
  CONSTRAINT payout_skips_cycle_fk FOREIGN KEY (cycle_id) REFERENCES payout_cycles (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A refund after payout takes the vendor's part back from the payout's
-- transfer. One per (refund, vendor order).
--   status: pending -> reversed | failed (the debit then waits for the next cycle)
CREATE TABLE payout_reversals (
  id                 VARCHAR(32)   NOT NULL,
  payout_id          VARCHAR(32)   NOT NULL,
  refund_id          VARCHAR(32)   NOT NULL,
  vendor_order_id    VARCHAR(32)   NOT NULL,
  amount             BIGINT        NOT NULL,
  status             VARCHAR(16)   NOT NULL,
  stripe_reversal_id VARCHAR(255)  NULL,
  failure_reason     VARCHAR(1000) NOT NULL DEFAULT '',
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY payout_reversals_source (refund_id, vendor_order_id),
  UNIQUE KEY payout_reversals_stripe (stripe_reversal_id),
  KEY payout_reversals_payout (payout_id),
  CONSTRAINT payout_reversals_payout_fk FOREIGN KEY (payout_id) REFERENCES payouts (id),
  CONSTRAINT payout_reversals_amount_positive CHECK (amount > 0),
  CONSTRAINT payout_reversals_status_known CHECK (status IN ('pending', 'reversed', 'failed'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE payout_reversals;
DROP TABLE payout_skips;
DROP TABLE payout_items;
DROP TABLE payouts;
DROP TABLE payout_cycles;
DROP TABLE ledger_entries;
DROP TABLE payout_accounts;
