-- +goose Up
-- Sign-in sessions. A session is one sign-in (one device); its refresh tokens
-- rotate on every use. Presenting a refresh token that was already used
-- revokes the whole session: someone has a copy. Owner: internal/auth.
CREATE TABLE sessions (
  id            VARCHAR(32)  NOT NULL,
  user_id       VARCHAR(32)  NOT NULL,
  created_at    DATETIME(6)  NOT NULL,
  last_used_at  DATETIME(6)  NOT NULL,
  expires_at    DATETIME(6)  NOT NULL,
  revoked_at    DATETIME(6)  NULL,
  revoke_reason VARCHAR(64)  NOT NULL DEFAULT '',
  user_agent    VARCHAR(255) NOT NULL DEFAULT '',
  ip            VARCHAR(64)  NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  KEY sessions_user (user_id, revoked_at),
  CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Refresh tokens, stored as SHA-256 hashes only. status: active (the one
-- current token of its session), used (rotated away), revoked.
CREATE TABLE refresh_tokens (
  token_hash  CHAR(64)    NOT NULL,
  session_id  VARCHAR(32) NOT NULL,
  status      VARCHAR(16) NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  used_at     DATETIME(6) NULL,
  PRIMARY KEY (token_hash),
  KEY refresh_tokens_session (session_id, status),
  CONSTRAINT refresh_tokens_session_fk FOREIGN KEY (session_id) REFERENCES sessions (id),
  CONSTRAINT refresh_tokens_status_known CHECK (status IN ('active', 'used', 'revoked'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use, expiring tokens mailed to people: vendor invites and password
-- resets. Only the SHA-256 of the token is kept. Owner: internal/auth.
CREATE TABLE invites (
  id          VARCHAR(32)  NOT NULL,
  vendor_id   VARCHAR(32)  NOT NULL,
  email       VARCHAR(254) NOT NULL,
  email_lower VARCHAR(254) NOT NULL,
  role        VARCHAR(32)  NOT NULL,
  token_hash  CHAR(64)     NOT NULL,
  invited_by  VARCHAR(32)  NOT NULL,
  created_at  DATETIME(6)  NOT NULL,
  expires_at  DATETIME(6)  NOT NULL,
  accepted_at DATETIME(6)  NULL,
  revoked_at  DATETIME(6)  NULL,
  PRIMARY KEY (id),
  UNIQUE KEY invites_token (token_hash),
  KEY invites_vendor (vendor_id, accepted_at, revoked_at),
  CONSTRAINT invites_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id),
  CONSTRAINT invites_role_known CHECK (role IN ('vendor_owner', 'vendor_staff'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE password_resets (
  id         VARCHAR(32) NOT NULL,
  user_id    VARCHAR(32) NOT NULL,
  token_hash CHAR(64)    NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  used_at    DATETIME(6) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY password_resets_token (token_hash),
  KEY password_resets_user (user_id),
  CONSTRAINT password_resets_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Failed sign-in counters per account and per client address, for rate
-- limiting and lockout. throttle_key is "account:<email>" or "ip:<address>".
CREATE TABLE login_throttles (
  throttle_key VARCHAR(300) NOT NULL,
  failures     INT          NOT NULL,
  window_start DATETIME(6)  NOT NULL,
  locked_until DATETIME(6)  NULL,
  PRIMARY KEY (throttle_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE login_throttles;
DROP TABLE password_resets;
DROP TABLE invites;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
