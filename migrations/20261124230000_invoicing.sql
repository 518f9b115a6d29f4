-- +goose Up
-- Invoicing (owner: internal/invoicing): the platform's Xero connection, the
-- vendors' Xero contacts, the bill, payment and credit notes of every payout,
-- and the reconciliation of each payout across the ledger, Stripe and Xero.

-- The platform's one Xero organisation (id is always 1). Tokens are sealed
-- (secrets.Box, AD xero|<field>); Xero rotates the refresh token at every use,
-- so the pair is saved in one UPDATE. tenants_json: the organisations the
-- last consent granted, for the operator to choose from.
--   status: connected | choose_tenant | broken (refresh refused: reconnect)
CREATE TABLE xero_connection (
  id                TINYINT       NOT NULL,
  tenant_id         VARCHAR(64)   NULL,
  tenant_name       VARCHAR(255)  NOT NULL DEFAULT '',
  tenants_json      LONGTEXT      NOT NULL,
  access_token      TEXT          NOT NULL,
  refresh_token     TEXT          NOT NULL,
  access_expires_at DATETIME(6)   NOT NULL,
  status            VARCHAR(16)   NOT NULL,
  last_error        VARCHAR(1000) NOT NULL DEFAULT '',
  connected_by      VARCHAR(32)   NOT NULL,
  connected_at      DATETIME(6)   NOT NULL,
  refreshed_at      DATETIME(6)   NULL,
  updated_at        DATETIME(6)   NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT xero_connection_single CHECK (id = 1),
  CONSTRAINT xero_connection_status_known CHECK (status IN ('connected', 'choose_tenant', 'broken')),
  CONSTRAINT xero_connection_tenants_json CHECK (JSON_VALID(tenants_json))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A vendor's contact in the platform's Xero organisation, found or made once
-- and then used by id (no search per bill).
CREATE TABLE xero_contacts (
  vendor_id  VARCHAR(32)  NOT NULL,
  tenant_id  VARCHAR(64)  NOT NULL,
  contact_id VARCHAR(64)  NOT NULL,
  name       VARCHAR(255) NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (vendor_id, tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A payout's bill (ACCPAY, AUTHORISED) and the payment that makes it PAID.
CREATE TABLE xero_bills (
  payout_id      VARCHAR(32)  NOT NULL,
  tenant_id      VARCHAR(64)  NOT NULL,
  contact_id     VARCHAR(64)  NOT NULL,
  invoice_id     VARCHAR(64)  NULL,
  invoice_number VARCHAR(64)  NOT NULL DEFAULT '',
  status         VARCHAR(32)  NOT NULL DEFAULT '',
  total          BIGINT       NOT NULL DEFAULT 0,
  payment_id     VARCHAR(64)  NULL,
  paid_amount    BIGINT       NOT NULL DEFAULT 0,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  PRIMARY KEY (payout_id),
  UNIQUE KEY xero_bills_invoice (invoice_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A transfer reversal's credit note (ACCPAYCREDIT) and the refund payment
-- that records the money coming back.
CREATE TABLE xero_credit_notes (
  reversal_id       VARCHAR(32)  NOT NULL,
  payout_id         VARCHAR(32)  NOT NULL,
  tenant_id         VARCHAR(64)  NOT NULL,
  credit_note_id    VARCHAR(64)  NULL,
  number            VARCHAR(64)  NOT NULL DEFAULT '',
  status            VARCHAR(32)  NOT NULL DEFAULT '',
  total             BIGINT       NOT NULL DEFAULT 0,
  refund_payment_id VARCHAR(64)  NULL,
  created_at        DATETIME(6)  NOT NULL,
  updated_at        DATETIME(6)  NOT NULL,
  PRIMARY KEY (reversal_id),
  UNIQUE KEY xero_credit_notes_xero (credit_note_id),
  KEY xero_credit_notes_payout (payout_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The last check of each payout: the five figures that must agree (NULL:
-- not known, the document is missing) and the verdict. Amounts are in the
-- payout's currency (payouts owns cycle, vendor and currency).
--   status: reconciled | mismatch | incomplete
CREATE TABLE reconciliations (
  payout_id      VARCHAR(32)   NOT NULL,
  ledger_total   BIGINT        NOT NULL,
  payout_net     BIGINT        NOT NULL,
  stripe_net     BIGINT        NULL,
  xero_bill_net  BIGINT        NULL,
  xero_paid_net  BIGINT        NULL,
  status         VARCHAR(16)   NOT NULL,
  problems       VARCHAR(2000) NOT NULL DEFAULT '',
  checked_at     DATETIME(6)   NOT NULL,
  PRIMARY KEY (payout_id),
  KEY reconciliations_status (status, checked_at),
  CONSTRAINT reconciliations_status_known CHECK (status IN ('reconciled', 'mismatch', 'incomplete'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE reconciliations;
DROP TABLE xero_credit_notes;
DROP TABLE xero_bills;
DROP TABLE xero_contacts;
DROP TABLE xero_connection;
