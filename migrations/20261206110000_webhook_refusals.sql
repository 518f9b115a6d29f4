-- +goose Up
-- A delivery that is signed but refused at the door (a Shopify body naming
-- another shop than its header, a stale or missing X-Shopify-Triggered-At) is
-- recorded with why, so an operator can see it, and no job runs for it.
-- Refusals have a key of their own: a forged copy refused under an event id
-- must not make the genuine delivery of that id look like a duplicate, nor
-- the reverse. Owner: internal/webhooks.
ALTER TABLE webhook_events
  ADD COLUMN refusal VARCHAR(1000) NULL AFTER last_error,
  ADD COLUMN refused TINYINT(1) GENERATED ALWAYS AS (refusal IS NOT NULL) STORED AFTER refusal,
  DROP INDEX webhook_events_provider_event,
  ADD UNIQUE KEY webhook_events_provider_event (provider, event_id, refused);

-- +goose Down
DELETE FROM webhook_events WHERE refusal IS NOT NULL;
ALTER TABLE webhook_events
  DROP INDEX webhook_events_provider_event,
  ADD UNIQUE KEY webhook_events_provider_event (provider, event_id),
  DROP COLUMN refused,
  DROP COLUMN refusal;
