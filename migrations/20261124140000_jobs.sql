-- +goose Up
-- The job queue and outbox. One row per (job, handler): an event kind with
-- several handlers fans out to several rows, each retried on its own.
-- Owner: internal/platform/queue.
--   pending  committed, waiting for the SQS relay (sqs driver only)
--   ready    claimable by a MySQL worker at run_at (mysql driver) / sent to SQS (sqs driver)
--   running  an attempt is under way; lease_until says when it is presumed dead
--   done     completed; never run again, whatever is redelivered
--   dead     gave up (max attempts or a permanent error); an operator retries or discards it
--   discarded an operator gave up on a dead job, with a reason (also in audit_log)
CREATE TABLE jobs (
  id           VARCHAR(32)   NOT NULL,
  kind         VARCHAR(100)  NOT NULL,
  handler      VARCHAR(100)  NOT NULL,
  payload      LONGTEXT      NOT NULL,
  status       VARCHAR(16)   NOT NULL,
  attempts     INT           NOT NULL DEFAULT 0,
  max_attempts INT           NOT NULL,
  run_at       DATETIME(6)   NOT NULL,
  lease_owner  VARCHAR(64)   NULL,
  lease_until  DATETIME(6)   NULL,
  unique_key   VARCHAR(255)  NULL,
  last_error   TEXT          NULL,
  enqueued_at  DATETIME(6)   NOT NULL,
  started_at   DATETIME(6)   NULL,
  finished_at  DATETIME(6)   NULL,
  updated_at   DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  -- A second enqueue with the same key (for the same handler) is a no-op.
  UNIQUE KEY jobs_handler_unique (handler, unique_key),
  KEY jobs_claim (status, handler, run_at),
  KEY jobs_lease (status, lease_until),
  KEY jobs_kind_status (kind, status),
  CONSTRAINT jobs_status_known CHECK (status IN ('pending', 'ready', 'running', 'done', 'dead', 'discarded')),
  CONSTRAINT jobs_payload_json CHECK (JSON_VALID(payload))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE jobs;
