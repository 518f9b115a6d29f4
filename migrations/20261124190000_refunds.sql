-- +goose Up
-- Refunds (owner: internal/payments): money given back on a paid order, each
-- one Stripe refund, split to the cent across the order's vendor orders and
-- their lines (refund_allocations). The order's counters (orders.refunded_amount,
-- vendor_orders.refunded_amount, order_lines.refunded_amount/refunded_quantity)
-- are moved by internal/orders in the same transaction that writes the refund,
-- so they always equal the sum of the refunds that hold money:
--   status: pending (written; the payments.create_refund job has not had
--           Stripe's answer, or Stripe says pending) -> requires_action
--           -> succeeded ; any of these -> failed | canceled (final: the
--           counters are given back, and a restock undone, in the transaction
--           that moves the status)
-- source: operator (platform_admin), vendor (a vendor user, on one vendor
-- order), stripe (made outside Trove, in Stripe's dashboard: recorded from its
-- event so the books match Stripe).
-- kind: order (all that is left), lines (line ids and quantities), amount.
-- idempotency_key (unique): "api:<user id>:<the client's key>" (body field
-- idempotency_key or the Idempotency-Key header), so a double-submitted refund
-- refunds once; without a key, "auto:<rfd id>", and a repeat is found by
-- request_hash (the same person, the same request, within minutes); for a
-- refund made outside Trove, "stripe:<re_ id>", so its event replayed records
-- it once. request_hash: SHA-256 of the request (order included), so a key
-- reused for another request is refused.
-- initiated_by_type: user (initiated_by = the user id; initiated_by_vendor_id
-- for a vendor user) or stripe (initiated_by = 'stripe').
-- No foreign key to orders: the tables have different owners.
CREATE TABLE refunds (
  id                     VARCHAR(32)   NOT NULL,
  order_id               VARCHAR(32)   NOT NULL,
  vendor_order_id        VARCHAR(32)   NULL,
  source                 VARCHAR(16)   NOT NULL,
  kind                   VARCHAR(16)   NOT NULL,
  status                 VARCHAR(16)   NOT NULL,
  currency               CHAR(3)       NOT NULL,
  amount                 BIGINT        NOT NULL,
  restock                BOOLEAN       NOT NULL DEFAULT FALSE,
  reason                 VARCHAR(1000) NOT NULL,
  idempotency_key        VARCHAR(255)  NOT NULL,
  request_hash           CHAR(64)      NOT NULL,
  payment_intent_id      VARCHAR(255)  NOT NULL,
  stripe_refund_id       VARCHAR(255)  NULL,
  failure_code           VARCHAR(64)   NOT NULL DEFAULT '',
  failure_reason         VARCHAR(1000) NOT NULL DEFAULT '',
  initiated_by_type      VARCHAR(16)   NOT NULL,
  initiated_by           VARCHAR(64)   NOT NULL,
  initiated_by_vendor_id VARCHAR(32)   NULL,
  request_id             VARCHAR(64)   NOT NULL DEFAULT '',
  created_at             DATETIME(6)   NOT NULL,
  updated_at             DATETIME(6)   NOT NULL,
  submitted_at           DATETIME(6)   NULL,
  succeeded_at           DATETIME(6)   NULL,
  failed_at              DATETIME(6)   NULL,
  PRIMARY KEY (id),
  UNIQUE KEY refunds_idempotency (idempotency_key),
  UNIQUE KEY refunds_stripe (stripe_refund_id),
  KEY refunds_order (order_id, created_at),
  KEY refunds_repeat (order_id, request_hash, created_at),
  KEY refunds_intent (payment_intent_id, status),
  CONSTRAINT refunds_amount_positive CHECK (amount > 0),
  CONSTRAINT refunds_status_known CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')),
  CONSTRAINT refunds_source_known CHECK (source IN ('operator', 'vendor', 'stripe')),
  CONSTRAINT refunds_kind_known CHECK (kind IN ('order', 'lines', 'amount')),
  CONSTRAINT refunds_initiated_by_type CHECK (initiated_by_type IN ('user', 'stripe'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A refund's share of one vendor order (one row per refund and vendor order):
-- the source, once each, of the vendor's ledger debit, a transfer reversal and
-- a Xero credit note. A refund's rows sum to its amount to the cent.
-- lines_json: [{order_line_id, variant_id, amount, quantity, restock}], the
-- share of each line (quantity: units refunded, 0 for a refund of an amount),
-- summing to amount. position: the allocations' order within the refund (by
-- their first line's number).
CREATE TABLE refund_allocations (
  id              VARCHAR(32) NOT NULL,
  refund_id       VARCHAR(32) NOT NULL,
  vendor_order_id VARCHAR(32) NOT NULL,
  vendor_id       VARCHAR(32) NOT NULL,
  position        INT         NOT NULL,
  currency        CHAR(3)     NOT NULL,
  amount          BIGINT      NOT NULL,
  lines_json      LONGTEXT    NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY refund_allocations_split (refund_id, vendor_order_id),
  KEY refund_allocations_vendor (vendor_id, created_at),
  KEY refund_allocations_vendor_order (vendor_order_id),
  CONSTRAINT refund_allocations_refund_fk FOREIGN KEY (refund_id) REFERENCES refunds (id) ON DELETE CASCADE,
  CONSTRAINT refund_allocations_amount CHECK (amount >= 0),
  CONSTRAINT refund_allocations_lines_json CHECK (JSON_VALID(lines_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE refund_allocations;
DROP TABLE refunds;
