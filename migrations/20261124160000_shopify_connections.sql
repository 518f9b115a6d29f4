-- +goose Up
-- A vendor's connection to its Shopify store. Owner: internal/vendors.
-- Tokens are sealed with the platform key (AAD = vendor|shopify|field). Shopify's
-- offline tokens expire (60 min) with a rotating refresh token: the pair is
-- replaced together, one refresh at a time per shop (a MySQL named lock held
-- outside any transaction, see internal/vendors/shopify.go).
--   status: connected | broken (refresh failed: the vendor must reconnect) | uninstalled
CREATE TABLE shopify_connections (
  vendor_id           VARCHAR(32)   NOT NULL,
  shop_domain         VARCHAR(255)  NOT NULL,
  status              VARCHAR(16)   NOT NULL,
  access_token_sealed VARCHAR(1024) NULL,
  access_expires_at   DATETIME(6)   NULL,
  refresh_token_sealed VARCHAR(1024) NULL,
  refresh_expires_at  DATETIME(6)   NULL,
  scopes              VARCHAR(1024) NOT NULL DEFAULT '',
  shop_name           VARCHAR(255)  NOT NULL DEFAULT '',
  currency            CHAR(3)       NOT NULL DEFAULT 'USD',
  last_sync_at        DATETIME(6)   NULL,
  last_error          TEXT          NULL,
  connected_at        DATETIME(6)   NOT NULL,
  updated_at          DATETIME(6)   NOT NULL,
  PRIMARY KEY (vendor_id),
  UNIQUE KEY shopify_connections_shop (shop_domain),
  CONSTRAINT shopify_connections_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT shopify_connections_status_known CHECK (status IN ('connected', 'broken', 'uninstalled'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- OAuth state nonces: one per "Connect Shopify" click, bound to the user who
-- clicked and the shop, single use, short-lived. Owner: internal/vendors.
CREATE TABLE oauth_states (
  state_hash  CHAR(64)     NOT NULL,
  provider    VARCHAR(16)  NOT NULL,
  user_id     VARCHAR(32)  NOT NULL,
  vendor_id   VARCHAR(32)  NULL,
  shop_domain VARCHAR(255) NOT NULL DEFAULT '',
  created_at  DATETIME(6)  NOT NULL,
  expires_at  DATETIME(6)  NOT NULL,
  used_at     DATETIME(6)  NULL,
  PRIMARY KEY (state_hash),
  KEY oauth_states_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE oauth_states;
DROP TABLE shopify_connections;
