-- +goose Up
-- Every verified webhook delivery, kept raw. UNIQUE (provider, event_id) is what
-- makes a redelivery a no-op. Owner: internal/webhooks.
CREATE TABLE webhook_events (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  provider     VARCHAR(16)     NOT NULL,
  event_id     VARCHAR(255)    NOT NULL,
  topic        VARCHAR(128)    NOT NULL,
  account      VARCHAR(255)    NOT NULL DEFAULT '',
  payload      MEDIUMBLOB      NOT NULL,
  triggered_at DATETIME(6)     NULL,
  received_at  DATETIME(6)     NOT NULL,
  processed_at DATETIME(6)     NULL,
  attempts     INT             NOT NULL DEFAULT 0,
  last_error   TEXT            NULL,
  PRIMARY KEY (id),
  UNIQUE KEY webhook_events_provider_event (provider, event_id),
  KEY webhook_events_unprocessed (provider, processed_at, received_at),
  CONSTRAINT webhook_events_provider_known CHECK (provider IN ('stripe', 'shopify', 'xero'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE webhook_events;
