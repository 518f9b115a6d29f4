package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
)

// SessionTTL is how long a sign-in lasts without signing in again.
const SessionTTL = 30 * 24 * time.Hour

// Tokens are what a sign-in or a refresh hands to the client.
type Tokens struct {
	AccessToken     string
	AccessExpiresAt time.Time
	RefreshToken    string
	SessionID       string
	CSRFToken       string
}

// errBadCredentials is the one answer to every failed sign-in, whatever failed.
var errBadCredentials = fault.Unauthorized("the email or password is wrong")

// errSessionGone is the answer to a refresh that cannot go on.
var errSessionGone = fault.Unauthorized("your session has ended: sign in again")

// Client describes where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

// Login checks an email and password and opens a session. Unknown emails,
// wrong passwords and disabled users get the same error after the same work.
//
// Each attempt is counted against the account and the client address before
// the password is checked, and refused without checking once either is over
// its limit (see throttle.reserve): however many arrive at once, no more than
// the limit are evaluated, and a right password sent after them is refused
// like the rest until the lock ends. Unknown accounts are counted alike, so
// the answers tell nothing about which accounts exist.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (Tokens, User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var f fault.Fields
	f.Check(email != "", "email", "is required")
	f.Check(utf8.RuneCountInString(email) <= maxEmailLen, "email", "must be at most %d characters", maxEmailLen)
	f.Check(password != "", "password", "is required")
	f.Check(len(password) <= maxPasswordBytes, "password", "must be at most %d bytes", maxPasswordBytes)
	if err := f.Err(); err != nil {
		return Tokens{}, User{}, err
	}
	keys := s.throttle.keysFor(email, c.IP)
	res, err := s.throttle.reserve(ctx, keys)
	if err != nil {
		return Tokens{}, User{}, err
	}
	evaluated := false
	defer func() {
		if !evaluated {
			// The password was not checked (no hashing slot, the client
			// left, the database failed): the attempt must not count.
			if err := s.throttle.release(context.WithoutCancel(ctx), res); err != nil {
				s.log.Error("auth: releasing a sign-in attempt", "err", err)
			}
		}
	}()
	u, err := s.users.ByEmail(ctx, email)
	// An unknown email is checked against a hash of nothing in particular, so
	// it costs the same time as a wrong password.
	hash := s.dummyHash
	if err == nil && u.PasswordHash != nil {
		hash = *u.PasswordHash
	} else if err != nil && !fault.Is(err, fault.KindNotFound) {
		return Tokens{}, User{}, err
	}
	ok, err := s.hasher.Check(ctx, hash, password)
	if err != nil {
		return Tokens{}, User{}, err
	}
	evaluated = true
	if !ok || u.ID == "" || u.PasswordHash == nil || u.DisabledAt != nil {
		return Tokens{}, User{}, errBadCredentials // counted already, by reserve
	}
	if err := s.throttle.clear(ctx, keys[0].key); err != nil {
		return Tokens{}, User{}, err
	}
	t, err := s.openSession(ctx, u.ID, c)
	return t, u, err
}

func (s *Service) openSession(ctx context.Context, userID string, c Client) (Tokens, error) {
	now := s.clock.Now()
	sessionID := id.New("ses")
	refresh, refreshHash := newOpaqueToken()
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		const qs = `INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?)`
		if _, err := tx.ExecContext(ctx, qs, sessionID, userID, now, now, now.Add(SessionTTL), truncateTo(c.UserAgent, 255), truncateTo(c.IP, 64)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, status, created_at) VALUES (?, ?, 'active', ?)`,
			refreshHash, sessionID, now)
		return err
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("auth: open session: %w", err)
	}
	return s.tokens(userID, sessionID, refresh, now)
}

func (s *Service) tokens(userID, sessionID, refresh string, now time.Time) (Tokens, error) {
	access, exp, err := s.signer.Issue(userID, sessionID, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, AccessExpiresAt: exp, RefreshToken: refresh, SessionID: sessionID, CSRFToken: s.csrfToken(sessionID)}, nil
}

// Refresh trades a refresh token for a new access token and a new refresh
// token; the old one is spent. A spent or revoked token presented again means
// a copy exists: the whole session is revoked.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	return s.refresh(ctx, refreshToken, nil)
}

// RefreshCookie is Refresh for a browser, whose refresh token came in a
// cookie: csrf must be the session's CSRF token, or the refresh is refused
// (403) and nothing changes, not even a reused token's revocation.
func (s *Service) RefreshCookie(ctx context.Context, refreshToken, csrf string) (Tokens, error) {
	if csrf == "" {
		return Tokens{}, errCSRF
	}
	return s.refresh(ctx, refreshToken, &csrf)
}

func (s *Service) refresh(ctx context.Context, refreshToken string, csrf *string) (Tokens, error) {
	if refreshToken == "" {
		return Tokens{}, errSessionGone
	}
	now := s.clock.Now()
	next, nextHash := newOpaqueToken()
	var userID, sessionID string
	var reused bool
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			Status    string       `db:"status"`
			SessionID string       `db:"session_id"`
			UserID    string       `db:"user_id"`
			Revoked   sql.NullTime `db:"revoked_at"`
			Expires   time.Time    `db:"expires_at"`
			Disabled  sql.NullTime `db:"disabled_at"`
		}
		const q = `SELECT rt.status, rt.session_id, s.user_id, s.revoked_at, s.expires_at, u.disabled_at
			FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id
			WHERE rt.token_hash = ? FOR UPDATE`
		err := tx.GetContext(ctx, &cur, q, hashToken(refreshToken))
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionGone
		}
		if err != nil {
			return err
		}
		if csrf != nil && !s.csrfOK(cur.SessionID, *csrf) {
			return errCSRF
		}
		if cur.Status != "active" {
			// Reuse: revoke the session, and commit that, then refuse.
			reused = true
			return revokeSessions(ctx, tx, now, "refresh token reused", `id = ?`, cur.SessionID)
		}
		if cur.Revoked.Valid || !cur.Expires.After(now) || cur.Disabled.Valid {
			return errSessionGone
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET status = 'used', used_at = ? WHERE token_hash = ?`, now, hashToken(refreshToken)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, status, created_at) VALUES (?, ?, 'active', ?)`,
			nextHash, cur.SessionID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET last_used_at = ? WHERE id = ?`, now, cur.SessionID); err != nil {
			return err
		}
		userID, sessionID = cur.UserID, cur.SessionID
		return nil
	})
	if err != nil {
		return Tokens{}, err
	}
	if reused {
		s.log.Warn("a spent refresh token was presented again: session revoked", "session_id", sessionID)
		return Tokens{}, errSessionGone
	}
	return s.tokens(userID, sessionID, next, now)
}

// revokeSessions ends the sessions matching where (with args) and every
// refresh token of theirs.
func revokeSessions(ctx context.Context, tx *sqlx.Tx, now time.Time, reason, where string, args ...any) error {
	q := `UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE revoked_at IS NULL AND ` + where
	if _, err := tx.ExecContext(ctx, q, append([]any{now, reason}, args...)...); err != nil {
		return err
	}
	q = `UPDATE refresh_tokens SET status = 'revoked' WHERE status = 'active' AND session_id IN
		(SELECT id FROM sessions WHERE ` + where + `)`
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return revokeSessions(ctx, tx, s.clock.Now(), "logout", `id = ?`, sessionID)
	})
}

// LogoutEverywhere ends every session of the user.
func (s *Service) LogoutEverywhere(ctx context.Context, userID string) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return revokeSessions(ctx, tx, s.clock.Now(), "logout everywhere", `user_id = ?`, userID)
	})
}

// principal loads who holds a live session, or an error when the session is
// revoked or expired or the user disabled. It runs on every authenticated
// request, so ending a session takes effect at once, not when the access token
// expires. (It reads the vendor's status: a read of another domain's table,
// kept here so a suspended vendor's users are read-only everywhere.)
func (s *Service) principal(ctx context.Context, userID, sessionID string) (*Principal, error) {
	var row struct {
		UserID       string         `db:"user_id"`
		Email        string         `db:"email"`
		Role         Role           `db:"role"`
		VendorID     sql.NullString `db:"vendor_id"`
		VendorStatus sql.NullString `db:"vendor_status"`
	}
	const q = `SELECT u.id user_id, u.email, u.role, u.vendor_id, v.status vendor_status
		FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN vendors v ON v.id = u.vendor_id
		WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.disabled_at IS NULL`
	if err := s.db.GetContext(ctx, &row, q, sessionID, userID, s.clock.Now()); err != nil {
		return nil, err
	}
	return &Principal{UserID: row.UserID, SessionID: sessionID, Email: row.Email, Role: row.Role,
		VendorID: row.VendorID.String, VendorSuspended: row.VendorStatus.String == "suspended"}, nil
}

func truncateTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
