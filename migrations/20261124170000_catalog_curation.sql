-- +goose Up
-- Catalog curation, Shopify sync guards, storefront search, bundles. Owner: internal/catalog.
--
-- products:
--   status              Shopify's status (active | draft | archived), or deleted once
--                       Shopify removed the product (rows are never deleted: order
--                       lines keep pointing at them; deleted_at says when).
--   tags                Shopify's tags, a JSON array, written by the sync only.
--   gift_tags           the vendor's gifting tags, a JSON array, never touched by the sync.
--   gift_ready          the vendor's "ready to give" flag (curation, like listed and category).
--   shopify_updated_at  Shopify time of the newest event applied (updatedAt of a
--                       product read, or the time of a deletion): an older event never
--                       overwrites newer data.
--   content_hash        SHA-256 of the synced content (stock excluded): a replay of the
--                       same content is a no-op, and two different reads with the same
--                       Shopify time resolve the same way whatever their order.
--   synced_at           when Trove last applied Shopify data; NULL for a tombstone (a
--                       deletion that arrived before the product ever did).
--   price_min/max_*     the price range of the live variants, kept by the same
--                       transaction that writes the variants (storefront sort and cards).
-- Search: FULLTEXT over title, description and both tag lists, queried with
-- MATCH ... AGAINST (... IN BOOLEAN MODE) on MySQL 8 and MariaDB 10.11 alike.
ALTER TABLE products
  ADD COLUMN status             VARCHAR(16) NOT NULL DEFAULT 'active' AFTER image_url,
  ADD COLUMN tags               LONGTEXT    NOT NULL DEFAULT ('[]') AFTER status,
  ADD COLUMN gift_tags          LONGTEXT    NOT NULL DEFAULT ('[]') AFTER category,
  ADD COLUMN gift_ready         BOOLEAN     NOT NULL DEFAULT FALSE AFTER gift_tags,
  ADD COLUMN price_min_amount   BIGINT      NULL AFTER hidden_by_operator,
  ADD COLUMN price_max_amount   BIGINT      NULL AFTER price_min_amount,
  ADD COLUMN price_currency     CHAR(3)     NULL AFTER price_max_amount,
  ADD COLUMN shopify_updated_at DATETIME(6) NULL AFTER price_currency,
  ADD COLUMN content_hash       CHAR(64)    NOT NULL DEFAULT '' AFTER shopify_updated_at,
  ADD COLUMN synced_at          DATETIME(6) NULL AFTER content_hash,
  ADD COLUMN deleted_at         DATETIME(6) NULL AFTER synced_at,
  ADD KEY products_newest (created_at, id),
  ADD KEY products_price (price_min_amount, id),
  ADD KEY products_title (title, id),
  ADD KEY products_category (category),
  ADD CONSTRAINT products_status_known CHECK (status IN ('active', 'draft', 'archived', 'deleted')),
  ADD CONSTRAINT products_tags_json CHECK (JSON_VALID(tags)),
  ADD CONSTRAINT products_gift_tags_json CHECK (JSON_VALID(gift_tags)),
  ADD CONSTRAINT products_deleted_status CHECK ((status = 'deleted') = (deleted_at IS NOT NULL));

-- InnoDB builds a FULLTEXT index in a statement of its own.
ALTER TABLE products ADD FULLTEXT KEY products_search (title, description, tags, gift_tags);

-- variants:
--   shopify_inventory_item_id  maps an inventory_levels/update to exactly one variant.
--   stock_updated_at           Shopify time of the newest stock figure applied (an
--                              inventory event, or the product read that carried it).
--   deleted_at                 gone from Shopify (absent from the product, or the
--                              product deleted); the row stays for order lines.
ALTER TABLE variants
  ADD COLUMN shopify_inventory_item_id VARCHAR(64) NULL AFTER shopify_variant_id,
  ADD COLUMN stock_updated_at          DATETIME(6) NULL AFTER stock_on_hand,
  ADD COLUMN deleted_at                DATETIME(6) NULL AFTER stock_updated_at,
  ADD UNIQUE KEY variants_vendor_inventory_item (vendor_id, shopify_inventory_item_id);

-- Curated bundles: a named set of variants across vendors with one price. Curated
-- by operators, so no vendor_id. Available only while every part is visible on the
-- storefront and in stock in the bundle's quantity (computed when read).
CREATE TABLE bundles (
  id             VARCHAR(32)   NOT NULL,
  slug           VARCHAR(64)   NOT NULL,
  name           VARCHAR(200)  NOT NULL,
  description    TEXT          NOT NULL,
  image_url      VARCHAR(1024) NOT NULL DEFAULT '',
  price_amount   BIGINT        NOT NULL,
  price_currency CHAR(3)       NOT NULL,
  status         VARCHAR(16)   NOT NULL DEFAULT 'active',
  created_by     VARCHAR(32)   NOT NULL DEFAULT '',
  created_at     DATETIME(6)   NOT NULL,
  updated_at     DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY bundles_slug (slug),
  KEY bundles_status_name (status, name),
  CONSTRAINT bundles_price_positive CHECK (price_amount > 0),
  CONSTRAINT bundles_status_known CHECK (status IN ('active', 'archived'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A variant appears once per bundle; saving a bundle's items replaces them in one
-- transaction. vendor_id lets a vendor find the bundles that hold its goods.
CREATE TABLE bundle_items (
  bundle_id  VARCHAR(32) NOT NULL,
  variant_id VARCHAR(32) NOT NULL,
  vendor_id  VARCHAR(32) NOT NULL,
  quantity   INT         NOT NULL,
  position   INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (bundle_id, variant_id),
  KEY bundle_items_variant (variant_id),
  KEY bundle_items_vendor (vendor_id),
  CONSTRAINT bundle_items_bundle_fk FOREIGN KEY (bundle_id) REFERENCES bundles (id) ON DELETE CASCADE,
  CONSTRAINT bundle_items_variant_fk FOREIGN KEY (variant_id) REFERENCES variants (id),
  CONSTRAINT bundle_items_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT bundle_items_quantity_positive CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE bundle_items;
DROP TABLE bundles;
ALTER TABLE variants
  DROP KEY variants_vendor_inventory_item,
  DROP COLUMN deleted_at,
  DROP COLUMN stock_updated_at,
  DROP COLUMN shopify_inventory_item_id;
ALTER TABLE products DROP KEY products_search;
ALTER TABLE products
  DROP CONSTRAINT products_deleted_status,
  DROP CONSTRAINT products_gift_tags_json,
  DROP CONSTRAINT products_tags_json,
  DROP CONSTRAINT products_status_known,
  DROP KEY products_category,
  DROP KEY products_title,
  DROP KEY products_price,
  DROP KEY products_newest,
  DROP COLUMN deleted_at,
  DROP COLUMN synced_at,
  DROP COLUMN content_hash,
  DROP COLUMN shopify_updated_at,
  DROP COLUMN price_currency,
  DROP COLUMN price_max_amount,
  DROP COLUMN price_min_amount,
  DROP COLUMN gift_ready,
  DROP COLUMN gift_tags,
  DROP COLUMN tags,
  DROP COLUMN status;
