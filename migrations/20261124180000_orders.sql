-- +goose Up
-- Checkout: stock reservations (owner: internal/catalog) and carts, orders, their
-- lines and vendor orders (owner: internal/orders).

-- variants.reserved: the units held by active reservations (checkouts awaiting
-- payment). Available stock is GREATEST(stock_on_hand - reserved, 0). Reserving is
-- one conditional UPDATE (... WHERE stock_on_hand - reserved >= ?), which is what
-- makes "200 checkouts, 10 units" reserve exactly 10. The Shopify sync writes
-- stock_on_hand only, never reserved; there is deliberately no
-- reserved <= stock_on_hand check, because a sync may lower the stock below what
-- is held.
ALTER TABLE variants
  ADD COLUMN reserved INT NOT NULL DEFAULT 0 AFTER stock_on_hand,
  ADD CONSTRAINT variants_reserved_nonnegative CHECK (reserved >= 0);

-- One row per (order, variant): a bundle and a single line sharing a variant are
-- summed into one row, and a retried reservation finds its row.
--   status: active (counted in variants.reserved until expires_at)
--           -> committed (paid: taken off stock_on_hand and reserved)
--           -> released (payment failed or canceled, or expired: back to available;
--              a late payment may make it active again, then committed)
-- Every transition is a guarded UPDATE; variants are adjusted only when it
-- affected the row, so a replay changes no count. No foreign key to orders: the
-- tables have different owners.
CREATE TABLE reservations (
  id           VARCHAR(32) NOT NULL,
  order_id     VARCHAR(32) NOT NULL,
  variant_id   VARCHAR(32) NOT NULL,
  vendor_id    VARCHAR(32) NOT NULL,
  quantity     INT         NOT NULL,
  status       VARCHAR(16) NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  committed_at DATETIME(6) NULL,
  released_at  DATETIME(6) NULL,
  created_at   DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY reservations_order_variant (order_id, variant_id),
  KEY reservations_expiry (status, expires_at),
  KEY reservations_variant (variant_id, status),
  CONSTRAINT reservations_variant_fk FOREIGN KEY (variant_id) REFERENCES variants (id),
  CONSTRAINT reservations_quantity_positive CHECK (quantity > 0),
  CONSTRAINT reservations_status_known CHECK (status IN ('active', 'committed', 'released'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Carts. A guest cart is found by the SHA-256 of its token (the token itself is
-- never stored); a signed-in buyer has at most one open cart (open_user_id).
-- Checkout moves a cart open -> checked_out with a guarded UPDATE, once.
-- recipient_json: the gift's recipient for the whole cart (name, address lines,
-- city, region, postal code, country, optional delivery date); may be partial
-- until checkout, which requires it complete.
CREATE TABLE carts (
  id             VARCHAR(32)   NOT NULL,
  token_hash     CHAR(64)      NULL,
  user_id        VARCHAR(32)   NULL,
  status         VARCHAR(16)   NOT NULL DEFAULT 'open',
  currency       CHAR(3)       NULL,
  email          VARCHAR(254)  NOT NULL DEFAULT '',
  gift_message   VARCHAR(1000) NOT NULL DEFAULT '',
  recipient_json LONGTEXT      NULL,
  checked_out_at DATETIME(6)   NULL,
  created_at     DATETIME(6)   NOT NULL,
  updated_at     DATETIME(6)   NOT NULL,
  open_user_id   VARCHAR(32) GENERATED ALWAYS AS (IF(status = 'open', user_id, NULL)) STORED,
  PRIMARY KEY (id),
  UNIQUE KEY carts_token (token_hash),
  UNIQUE KEY carts_open_user (open_user_id),
  KEY carts_user (user_id, status),
  CONSTRAINT carts_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT carts_status_known CHECK (status IN ('open', 'checked_out', 'abandoned')),
  CONSTRAINT carts_owner CHECK (token_hash IS NOT NULL OR user_id IS NOT NULL),
  CONSTRAINT carts_recipient_json CHECK (recipient_json IS NULL OR JSON_VALID(recipient_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A cart line: a variant or a bundle, with an optional recipient and gift message
-- of its own. recipient_key is '' when the cart's recipient and message apply,
-- else the SHA-256 of the line's own: a repeated "add" of the same item for the
-- same recipient merges into one line. seen_price_* is the unit price the buyer
-- saw when adding: prices are always recomputed from the catalog, and this only
-- says "price changed".
CREATE TABLE cart_lines (
  id                  VARCHAR(32)   NOT NULL,
  cart_id             VARCHAR(32)   NOT NULL,
  item_ref            VARCHAR(32)   NOT NULL,
  variant_id          VARCHAR(32)   NULL,
  bundle_id           VARCHAR(32)   NULL,
  quantity            INT           NOT NULL,
  recipient_key       CHAR(64)      NOT NULL DEFAULT '',
  recipient_json      LONGTEXT      NULL,
  gift_message        VARCHAR(1000) NOT NULL DEFAULT '',
  seen_price_amount   BIGINT        NOT NULL,
  seen_price_currency CHAR(3)       NOT NULL,
  created_at          DATETIME(6)   NOT NULL,
  updated_at          DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY cart_lines_item (cart_id, item_ref, recipient_key),
  CONSTRAINT cart_lines_cart_fk FOREIGN KEY (cart_id) REFERENCES carts (id) ON DELETE CASCADE,
  CONSTRAINT cart_lines_one_item CHECK ((variant_id IS NULL) <> (bundle_id IS NULL)),
  CONSTRAINT cart_lines_item_ref CHECK (item_ref = COALESCE(variant_id, bundle_id)),
  CONSTRAINT cart_lines_quantity_positive CHECK (quantity > 0),
  CONSTRAINT cart_lines_recipient_json CHECK (recipient_json IS NULL OR JSON_VALID(recipient_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Orders. (source_type, source_id) makes a second checkout of the same cart find
-- the same order (and a replayed invoice.paid create a subscription period's
-- order once). Status moves only forward, each move a guarded UPDATE:
--   pending_payment -> paid | payment_failed | canceled | expired
--   payment_failed  -> paid (a success after a failure wins) | canceled
--                      | pending_payment (the buyer checks out again: stock re-held)
--   expired         -> paid (a late payment; stock re-held, or the order flagged) | canceled
-- paid and canceled are final. flagged_at/flag_reason: an operator must look
-- (paid but stock gone, paid after cancel, amount mismatch); disputed_*: a charge
-- dispute. payment_intent_id: the Stripe PaymentIntent, stored after checkout
-- (the client secret is never stored).
CREATE TABLE orders (
  id                     VARCHAR(32)   NOT NULL,
  source_type            VARCHAR(16)   NOT NULL,
  source_id              VARCHAR(255)  NOT NULL,
  buyer_user_id          VARCHAR(32)   NULL,
  buyer_email            VARCHAR(254)  NOT NULL,
  status                 VARCHAR(16)   NOT NULL,
  currency               CHAR(3)       NOT NULL,
  subtotal_amount        BIGINT        NOT NULL,
  total_amount           BIGINT        NOT NULL,
  refunded_amount        BIGINT        NOT NULL DEFAULT 0,
  amount_received        BIGINT        NULL,
  gift_message           VARCHAR(1000) NOT NULL DEFAULT '',
  recipient_json         LONGTEXT      NULL,
  payment_intent_id      VARCHAR(255)  NULL,
  reservation_expires_at DATETIME(6)   NOT NULL,
  flagged_at             DATETIME(6)   NULL,
  flag_reason            VARCHAR(1000) NOT NULL DEFAULT '',
  disputed_at            DATETIME(6)   NULL,
  dispute_reason         VARCHAR(1000) NOT NULL DEFAULT '',
  placed_at              DATETIME(6)   NOT NULL,
  paid_at                DATETIME(6)   NULL,
  payment_failed_at      DATETIME(6)   NULL,
  canceled_at            DATETIME(6)   NULL,
  expired_at             DATETIME(6)   NULL,
  created_at             DATETIME(6)   NOT NULL,
  updated_at             DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY orders_source (source_type, source_id),
  UNIQUE KEY orders_payment_intent (payment_intent_id),
  KEY orders_buyer (buyer_user_id, placed_at),
  KEY orders_status (status, placed_at),
  CONSTRAINT orders_buyer_fk FOREIGN KEY (buyer_user_id) REFERENCES users (id),
  CONSTRAINT orders_source_known CHECK (source_type IN ('cart', 'stripe_invoice')),
  CONSTRAINT orders_status_known CHECK (status IN ('pending_payment', 'payment_failed', 'paid', 'canceled', 'expired')),
  CONSTRAINT orders_amounts CHECK (subtotal_amount >= 0 AND total_amount >= 0),
  CONSTRAINT orders_refund_range CHECK (refunded_amount >= 0 AND refunded_amount <= total_amount),
  CONSTRAINT orders_recipient_json CHECK (recipient_json IS NULL OR JSON_VALID(recipient_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One vendor's part of an order for one recipient (a Shopify order has one
-- shipping address). With one recipient for the whole cart recipient_key is '',
-- so the key is exactly (order_id, vendor_id). commission_bps is the vendor's
-- rate at checkout; vendor_slug and vendor_name are snapshots for the buyer's
-- order page.
--   status: pending (awaiting payment) -> accepted (order paid) -> packed -> shipped
--           -> delivered (#7); cancelled from pending, accepted or packed.
CREATE TABLE vendor_orders (
  id              VARCHAR(32)   NOT NULL,
  order_id        VARCHAR(32)   NOT NULL,
  vendor_id       VARCHAR(32)   NOT NULL,
  vendor_slug     VARCHAR(64)   NOT NULL,
  vendor_name     VARCHAR(200)  NOT NULL,
  recipient_key   CHAR(64)      NOT NULL DEFAULT '',
  recipient_json  LONGTEXT      NOT NULL,
  gift_message    VARCHAR(1000) NOT NULL DEFAULT '',
  delivery_date   DATE          NULL,
  currency        CHAR(3)       NOT NULL,
  subtotal_amount BIGINT        NOT NULL,
  commission_bps  INT           NOT NULL,
  refunded_amount BIGINT        NOT NULL DEFAULT 0,
  status          VARCHAR(16)   NOT NULL,
  accepted_at     DATETIME(6)   NULL,
  cancelled_at    DATETIME(6)   NULL,
  created_at      DATETIME(6)   NOT NULL,
  updated_at      DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY vendor_orders_split (order_id, vendor_id, recipient_key),
  KEY vendor_orders_vendor (vendor_id, status, created_at),
  CONSTRAINT vendor_orders_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT vendor_orders_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT vendor_orders_status_known CHECK (status IN ('pending', 'accepted', 'packed', 'shipped', 'delivered', 'cancelled')),
  CONSTRAINT vendor_orders_refund_range CHECK (refunded_amount >= 0 AND refunded_amount <= subtotal_amount),
  CONSTRAINT vendor_orders_recipient_json CHECK (JSON_VALID(recipient_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Order lines: snapshots at checkout. A bundle line becomes one line per part
-- (bundle_id set), the bundle's price split across its parts with money.Allocate,
-- weighted by part price x quantity; amount is the line's share, and the lines'
-- amounts sum to the order's subtotal to the cent.
CREATE TABLE order_lines (
  id                VARCHAR(32)   NOT NULL,
  order_id          VARCHAR(32)   NOT NULL,
  vendor_order_id   VARCHAR(32)   NOT NULL,
  vendor_id         VARCHAR(32)   NOT NULL,
  line_no           INT           NOT NULL,
  variant_id        VARCHAR(32)   NOT NULL,
  product_id        VARCHAR(32)   NOT NULL,
  bundle_id         VARCHAR(32)   NULL,
  sku               VARCHAR(128)  NOT NULL DEFAULT '',
  title             VARCHAR(255)  NOT NULL,
  variant_title     VARCHAR(255)  NOT NULL DEFAULT '',
  quantity          INT           NOT NULL,
  unit_price_amount BIGINT        NOT NULL,
  amount            BIGINT        NOT NULL,
  currency          CHAR(3)       NOT NULL,
  refunded_amount   BIGINT        NOT NULL DEFAULT 0,
  refunded_quantity INT           NOT NULL DEFAULT 0,
  created_at        DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY order_lines_no (order_id, line_no),
  KEY order_lines_vendor_order (vendor_order_id),
  KEY order_lines_vendor (vendor_id, created_at),
  CONSTRAINT order_lines_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT order_lines_vendor_order_fk FOREIGN KEY (vendor_order_id) REFERENCES vendor_orders (id),
  CONSTRAINT order_lines_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT order_lines_quantity_positive CHECK (quantity > 0),
  CONSTRAINT order_lines_amounts CHECK (unit_price_amount >= 0 AND amount >= 0),
  CONSTRAINT order_lines_refund_range CHECK (refunded_amount >= 0 AND refunded_amount <= amount
    AND refunded_quantity >= 0 AND refunded_quantity <= quantity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE order_lines;
DROP TABLE vendor_orders;
DROP TABLE orders;
DROP TABLE cart_lines;
DROP TABLE carts;
DROP TABLE reservations;
ALTER TABLE variants
  DROP CONSTRAINT variants_reserved_nonnegative,
  DROP COLUMN reserved;
