-- +goose Up
-- Payments that arrive after their order's hold ran out (issue 11, section 4).
--
-- orders: the release job now looks for checkouts whose hold ran out
-- (pending_payment or payment_failed, reservation_expires_at passed) and
-- re-reads each one's PaymentIntent before expiring it; this index is that
-- look. The moves of orders.status gain:
--   payment_failed -> expired  (the hold ran out; the intent was canceled first)
--   payment_failed | expired | canceled -> canceled with amount_received set
--                  (money arrived for an order that will not ship: its stock
--                  is gone, or it was canceled; refunded in full, flagged)
-- An order that is canceled with amount_received set has a refund of source
-- 'system' (idempotency key "late-refund:<order id>").
CREATE INDEX orders_hold_expiry ON orders (status, reservation_expires_at);

-- refunds: Trove itself refunds money it must not keep (source 'system',
-- initiated_by_type 'system', initiated_by 'payments'): the whole payment of
-- an order that will not ship (kind order, no allocation: no vendor sold
-- anything), and the lines of a subscription renewal whose stock was short
-- (kind lines, allocated as any refund of lines; idempotency key
-- "renewal-short:<order id>").
ALTER TABLE refunds
  DROP CONSTRAINT refunds_source_known,
  DROP CONSTRAINT refunds_initiated_by_type;
ALTER TABLE refunds
  ADD CONSTRAINT refunds_source_known CHECK (source IN ('operator', 'vendor', 'stripe', 'system')),
  ADD CONSTRAINT refunds_initiated_by_type CHECK (initiated_by_type IN ('user', 'stripe', 'system'));

-- +goose Down
ALTER TABLE refunds
  DROP CONSTRAINT refunds_source_known,
  DROP CONSTRAINT refunds_initiated_by_type;
ALTER TABLE refunds
  ADD CONSTRAINT refunds_source_known CHECK (source IN ('operator', 'vendor', 'stripe')),
  ADD CONSTRAINT refunds_initiated_by_type CHECK (initiated_by_type IN ('user', 'stripe'));
DROP INDEX orders_hold_expiry ON orders;
