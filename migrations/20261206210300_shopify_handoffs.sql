-- +goose Up
-- Shopify hand-off attempts (owner: internal/fulfilment; issue 13).
--
-- orderCreate takes no idempotency key, and the order search that finds an
-- order by its trove-ref: tag lags creates by seconds, while a failed job is
-- retried after about one. So the hand-off writes down each orderCreate
-- before it sends it (sent_at, committed first) and the order Shopify made
-- as soon as the answer arrives (shopify_order_id, shopify_order_name),
-- before the vendor order records it. A later run that finds an id uses it;
-- one that finds a create whose outcome is unknown (sent_at set, no id)
-- searches, and does not create again until the search must show the
-- order if the first create made it (sent_at + the hand-off's settle time).
-- sent_at is cleared when Shopify's answer proves no order was made.
CREATE TABLE shopify_handoffs (
  vendor_order_id    VARCHAR(32) NOT NULL,
  attempts           INT         NOT NULL DEFAULT 0,
  sent_at            DATETIME(6) NULL,
  shopify_order_id   VARCHAR(64) NULL,
  shopify_order_name VARCHAR(64) NOT NULL DEFAULT '',
  created_at         DATETIME(6) NOT NULL,
  updated_at         DATETIME(6) NOT NULL,
  PRIMARY KEY (vendor_order_id),
  CONSTRAINT shopify_handoffs_vendor_order_fk FOREIGN KEY (vendor_order_id) REFERENCES vendor_orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE shopify_handoffs;
