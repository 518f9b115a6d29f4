-- +goose Up
-- Xero's per-tenant call budget, shared by every Trove process (issue 13).
-- Owner: internal/xero (the adapter; see its budget.go).
--
-- Xero limits each tenant to 5 calls in flight, 60 in a rolling minute and
-- 5,000 in a rolling day. Each process used to count only its own calls, so N
-- processes could start 60×N a minute and leave the rest to 429s. Now a call
-- locks its tenant's row in xero_call_budgets, counts the tenant's rows in
-- xero_calls (the last minute, the last day, those in flight), and starts
-- only if all three are under the limits, inserting its own row.

-- One row per tenant: the lock that makes one process at a time decide.
CREATE TABLE xero_call_budgets (
  tenant_id VARCHAR(64) NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per call started (retries are calls), kept a little over a day.
-- lease_until: the call is in flight until then (NULL once it has ended); a
-- process that dies mid-call frees its slot when the lease runs out.
CREATE TABLE xero_calls (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  tenant_id   VARCHAR(64)     NOT NULL,
  started_at  DATETIME(6)     NOT NULL,
  lease_until DATETIME(6)     NULL,
  PRIMARY KEY (id),
  KEY xero_calls_tenant_started (tenant_id, started_at, lease_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE xero_calls;
DROP TABLE xero_call_budgets;
