-- +goose Up
-- Vendors: the independent shops that sell through Trove. Owner: internal/vendors.
CREATE TABLE vendors (
  id             VARCHAR(32)  NOT NULL,
  slug           VARCHAR(64)  NOT NULL,
  name           VARCHAR(200) NOT NULL,
  contact_email  VARCHAR(254) NOT NULL,
  commission_bps INT          NOT NULL DEFAULT 1500,
  status         VARCHAR(16)  NOT NULL DEFAULT 'pending',
  currency       CHAR(3)      NOT NULL DEFAULT 'USD',
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY vendors_slug (slug),
  CONSTRAINT vendors_commission_range CHECK (commission_bps BETWEEN 0 AND 10000),
  CONSTRAINT vendors_status_known CHECK (status IN ('pending', 'active', 'suspended'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Users: operators, vendor members and buyers. Owner: internal/auth.
-- email_lower makes emails unique case-insensitively, whatever the collation.
CREATE TABLE users (
  id            VARCHAR(32)  NOT NULL,
  email         VARCHAR(254) NOT NULL,
  email_lower   VARCHAR(254) NOT NULL,
  name          VARCHAR(200) NOT NULL DEFAULT '',
  password_hash VARCHAR(255) NULL,
  role          VARCHAR(32)  NOT NULL,
  vendor_id     VARCHAR(32)  NULL,
  disabled_at   DATETIME(6)  NULL,
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY users_email_lower (email_lower),
  KEY users_vendor (vendor_id),
  CONSTRAINT users_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT users_role_known CHECK (role IN ('platform_admin', 'vendor_owner', 'vendor_staff', 'buyer')),
  -- vendor roles belong to a vendor; other roles to none
  CONSTRAINT users_role_vendor CHECK ((role IN ('vendor_owner', 'vendor_staff')) = (vendor_id IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE users;
DROP TABLE vendors;
