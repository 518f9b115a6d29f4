-- +goose Up
-- Who did what to which object, and when. Append-only. Owner: internal/platform/audit.
CREATE TABLE audit_log (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  occurred_at DATETIME(6)     NOT NULL,
  actor_type  VARCHAR(16)     NOT NULL,
  actor_id    VARCHAR(64)     NOT NULL DEFAULT '',
  vendor_id   VARCHAR(32)     NULL,
  action      VARCHAR(64)     NOT NULL,
  object_type VARCHAR(32)     NOT NULL,
  object_id   VARCHAR(64)     NOT NULL,
  before_json LONGTEXT        NULL,
  after_json  LONGTEXT        NULL,
  reason      VARCHAR(1000)   NOT NULL DEFAULT '',
  request_id  VARCHAR(64)     NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY audit_log_object (object_type, object_id, occurred_at),
  KEY audit_log_actor (actor_id, occurred_at),
  KEY audit_log_vendor (vendor_id, occurred_at),
  KEY audit_log_time (occurred_at),
  CONSTRAINT audit_log_actor_type CHECK (actor_type IN ('user', 'system', 'provider')),
  CONSTRAINT audit_log_before_json CHECK (before_json IS NULL OR JSON_VALID(before_json)),
  CONSTRAINT audit_log_after_json CHECK (after_json IS NULL OR JSON_VALID(after_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_log;
