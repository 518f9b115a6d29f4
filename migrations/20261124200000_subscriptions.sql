-- +goose Up
-- Corporate gifting plans (owner: internal/payments): a buyer's recurring
-- bundle for a list of recipients, billed by a Stripe subscription. Each paid
-- invoice becomes that period's order (orders.source_type = 'stripe_invoice',
-- source_id = the invoice id), made by internal/orders.
--   status: incomplete (first invoice not paid yet) -> active -> past_due
--           (a renewal failed) -> active (paid again) ; any -> canceled (final)
-- unit_price_*: the bundle's price when subscribed, per recipient; the Stripe
-- price is unit x recipient_count every interval_months.
-- stripe_customer_id, stripe_price_id, stripe_subscription_id: set as each is
-- made; creating again (a retry) reuses them, each made with an idempotency key
-- derived from the row id.
CREATE TABLE subscriptions (
  id                     VARCHAR(32)   NOT NULL,
  buyer_user_id          VARCHAR(32)   NOT NULL,
  buyer_email            VARCHAR(254)  NOT NULL,
  bundle_id              VARCHAR(32)   NOT NULL,
  interval_months        INT           NOT NULL,
  recipients_json        LONGTEXT      NOT NULL,
  recipient_count        INT           NOT NULL,
  gift_message           VARCHAR(1000) NOT NULL DEFAULT '',
  unit_price_amount      BIGINT        NOT NULL,
  currency               CHAR(3)       NOT NULL,
  status                 VARCHAR(16)   NOT NULL DEFAULT 'incomplete',
  stripe_customer_id     VARCHAR(255)  NULL,
  stripe_price_id        VARCHAR(255)  NULL,
  stripe_subscription_id VARCHAR(255)  NULL,
  current_period_end     DATETIME(6)   NULL,
  past_due_at            DATETIME(6)   NULL,
  canceled_at            DATETIME(6)   NULL,
  created_at             DATETIME(6)   NOT NULL,
  updated_at             DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY subscriptions_stripe (stripe_subscription_id),
  KEY subscriptions_buyer (buyer_user_id, created_at),
  CONSTRAINT subscriptions_buyer_fk FOREIGN KEY (buyer_user_id) REFERENCES users (id),
  CONSTRAINT subscriptions_bundle_fk FOREIGN KEY (bundle_id) REFERENCES bundles (id),
  CONSTRAINT subscriptions_interval CHECK (interval_months IN (1, 3)),
  CONSTRAINT subscriptions_recipients CHECK (recipient_count BETWEEN 1 AND 50 AND JSON_VALID(recipients_json)),
  CONSTRAINT subscriptions_price CHECK (unit_price_amount > 0),
  CONSTRAINT subscriptions_status_known CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE subscriptions;
