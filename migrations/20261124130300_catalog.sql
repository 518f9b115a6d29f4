-- +goose Up
-- Products and their variants as synced from each vendor's Shopify store.
-- Owner: internal/catalog. The Shopify ids are unique per vendor so a replayed
-- sync updates rather than duplicates.
CREATE TABLE products (
  id                 VARCHAR(32)   NOT NULL,
  vendor_id          VARCHAR(32)   NOT NULL,
  shopify_product_id VARCHAR(64)   NOT NULL,
  title              VARCHAR(255)  NOT NULL,
  description        TEXT          NOT NULL,
  image_url          VARCHAR(1024) NOT NULL DEFAULT '',
  category           VARCHAR(64)   NOT NULL DEFAULT '',
  listed             BOOLEAN       NOT NULL DEFAULT FALSE,
  hidden_by_operator BOOLEAN       NOT NULL DEFAULT FALSE,
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY products_vendor_shopify (vendor_id, shopify_product_id),
  CONSTRAINT products_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE variants (
  id                 VARCHAR(32)  NOT NULL,
  product_id         VARCHAR(32)  NOT NULL,
  vendor_id          VARCHAR(32)  NOT NULL,
  shopify_variant_id VARCHAR(64)  NOT NULL,
  sku                VARCHAR(128) NOT NULL DEFAULT '',
  title              VARCHAR(255) NOT NULL,
  price_amount       BIGINT       NOT NULL,
  price_currency     CHAR(3)      NOT NULL,
  stock_on_hand      INT          NOT NULL DEFAULT 0,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY variants_vendor_shopify (vendor_id, shopify_variant_id),
  KEY variants_product (product_id),
  CONSTRAINT variants_product_fk FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE,
  CONSTRAINT variants_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT variants_price_nonnegative CHECK (price_amount >= 0),
  CONSTRAINT variants_stock_nonnegative CHECK (stock_on_hand >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE variants;
DROP TABLE products;
