-- +goose Up
-- Fulfilment (owner: internal/orders): each paid vendor order is handed to the
-- vendor's Shopify store, moves accepted -> packed -> shipped -> delivered (or
-- cancelled) from Shopify's webhooks or the vendor's own updates, and has a
-- packing manifest PDF in the blob store.
--
-- shopify_order_id: the Shopify order's GID once the hand-off found or made it;
-- unique per vendor, so two vendor orders can never claim one Shopify order.
-- manifest_version counts changes that alter the manifest (bumped in the
-- transaction of the change); manifest_rendered_version is the version the
-- stored PDF shows (0: none yet; its blob key is made from vendor, vendor
-- order and version). A download renders afresh when they differ.
ALTER TABLE vendor_orders
  ADD COLUMN shopify_order_id          VARCHAR(64)   NULL AFTER status,
  ADD COLUMN shopify_order_name        VARCHAR(64)   NOT NULL DEFAULT '' AFTER shopify_order_id,
  ADD COLUMN handed_off_at             DATETIME(6)   NULL AFTER shopify_order_name,
  ADD COLUMN packed_at                 DATETIME(6)   NULL AFTER accepted_at,
  ADD COLUMN shipped_at                DATETIME(6)   NULL AFTER packed_at,
  ADD COLUMN delivered_at              DATETIME(6)   NULL AFTER shipped_at,
  ADD COLUMN carrier                   VARCHAR(100)  NOT NULL DEFAULT '' AFTER delivered_at,
  ADD COLUMN tracking_number           VARCHAR(100)  NOT NULL DEFAULT '' AFTER carrier,
  ADD COLUMN tracking_url              VARCHAR(1000) NOT NULL DEFAULT '' AFTER tracking_number,
  ADD COLUMN manifest_version          INT           NOT NULL DEFAULT 1 AFTER tracking_url,
  ADD COLUMN manifest_rendered_version INT           NOT NULL DEFAULT 0 AFTER manifest_version,
  ADD UNIQUE KEY vendor_orders_shopify (vendor_id, shopify_order_id),
  ADD KEY vendor_orders_vendor_accepted (vendor_id, accepted_at);

-- The buyer's view of delivery, derived from the order's vendor orders in the
-- transaction of every vendor order move: unfulfilled (none shipped yet),
-- partially_shipped, shipped (all shipped or delivered), delivered (all
-- delivered), cancelled (all cancelled). Cancelled vendor orders are left out
-- when others remain.
ALTER TABLE orders
  ADD COLUMN fulfilment_status VARCHAR(20) NOT NULL DEFAULT 'unfulfilled' AFTER status,
  ADD CONSTRAINT orders_fulfilment_known CHECK (fulfilment_status IN
    ('unfulfilled', 'partially_shipped', 'shipped', 'delivered', 'cancelled'));

-- +goose Down
ALTER TABLE orders
  DROP CONSTRAINT orders_fulfilment_known,
  DROP COLUMN fulfilment_status;
ALTER TABLE vendor_orders
  DROP KEY vendor_orders_vendor_accepted,
  DROP KEY vendor_orders_shopify,
  DROP COLUMN manifest_rendered_version,
  DROP COLUMN manifest_version,
  DROP COLUMN tracking_url,
  DROP COLUMN tracking_number,
  DROP COLUMN carrier,
  DROP COLUMN delivered_at,
  DROP COLUMN shipped_at,
  DROP COLUMN packed_at,
  DROP COLUMN handed_off_at,
  DROP COLUMN shopify_order_name,
  DROP COLUMN shopify_order_id;
