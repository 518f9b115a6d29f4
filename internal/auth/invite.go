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

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/secrets"
)

// Lifetimes of the tokens mailed to people.
const (
	InviteTTL = 7 * 24 * time.Hour
	ResetTTL  = time.Hour
)

// Invite is a pending invitation to join a vendor's team.
type Invite struct {
	ID        string    `db:"id" json:"id"`
	VendorID  string    `db:"vendor_id" json:"-"`
	Email     string    `db:"email" json:"email"`
	Role      Role      `db:"role" json:"role"`
	InvitedBy string    `db:"invited_by" json:"invited_by"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	ExpiresAt time.Time `db:"expires_at" json:"expires_at"`
}

// EmailJob asks for one of auth's emails to be sent. The token it carries is
// sealed: job payloads sit in the database, and a readable token there would
// be a way into someone's account.
type EmailJob struct {
	Template    string `json:"template"` // "invite" or "password_reset"
	To          string `json:"to"`
	RefID       string `json:"ref_id"` // the invite or reset id, which the seal is bound to
	SealedToken string `json:"sealed_token"`
	VendorName  string `json:"vendor_name,omitempty"`
}

// Kind names the job.
func (EmailJob) Kind() string { return "auth.email" }

func tokenAD(refID string) []byte { return secrets.AD(refID, "auth", "emailed_token") }

func (s *Service) enqueueEmail(ctx context.Context, tx *sqlx.Tx, j EmailJob, token string) error {
	sealed, err := s.box.Seal([]byte(token), tokenAD(j.RefID))
	if err != nil {
		return err
	}
	j.SealedToken = sealed
	_, err = s.queue.Enqueue(ctx, tx, j)
	return err
}

// Invite creates an invitation for email to join vendorID with role, and mails
// it. by is the inviting user (an owner of the vendor, or an operator).
func (s *Service) Invite(ctx context.Context, vendorID, email string, role Role, by *Principal) (Invite, error) {
	email = strings.TrimSpace(email)
	var f fault.Fields
	checkEmail(&f, "email", email)
	f.Check(role == RoleVendorOwner || role == RoleVendorStaff, "role", "must be vendor_owner or vendor_staff")
	if err := f.Err(); err != nil {
		return Invite{}, err
	}
	now := s.clock.Now()
	inv := Invite{ID: id.New("inv"), VendorID: vendorID, Email: email, Role: role, InvitedBy: by.UserID, CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	token, hash := newOpaqueToken()
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var vendor struct {
			Name   string `db:"name"`
			Status string `db:"status"`
		}
		if err := tx.GetContext(ctx, &vendor, `SELECT name, status FROM vendors WHERE id = ?`, vendorID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fault.NotFound("vendor %s not found", vendorID)
			}
			return err
		}
		var taken int
		if err := tx.GetContext(ctx, &taken, `SELECT COUNT(*) FROM users WHERE email_lower = ?`, strings.ToLower(email)); err != nil {
			return err
		}
		if taken > 0 {
			return fault.Conflict("%s already has a Trove account", email)
		}
		const q = `INSERT INTO invites (id, vendor_id, email, email_lower, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		if _, err := tx.ExecContext(ctx, q, inv.ID, vendorID, email, strings.ToLower(email), role, hash, by.UserID, now, inv.ExpiresAt); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: by.UserID, VendorID: vendorID,
			Action: "user.invited", ObjectType: "invite", ObjectID: inv.ID, After: map[string]any{"email": email, "role": role}}); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, EmailJob{Template: "invite", To: email, RefID: inv.ID, VendorName: vendor.Name}, token)
	})
	return inv, err
}

var errInviteGone = fault.Invalid("this invitation is invalid, already used or expired: ask for a new one")

// AcceptInvite turns an invite token into an account on the invite's vendor.
// The token works once, until it expires or is revoked.
func (s *Service) AcceptInvite(ctx context.Context, token, name, password string) (User, error) {
	var f fault.Fields
	checkName(&f, "name", strings.TrimSpace(name))
	checkNewPassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return User{}, err
	}
	// A token that cannot work is refused before the (costly) hash; the
	// transaction below checks it again under lock.
	var live int
	if err := s.db.GetContext(ctx, &live, `SELECT COUNT(*) FROM invites WHERE token_hash = ?
		AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, hashToken(token), s.clock.Now()); err != nil {
		return User{}, err
	}
	if live == 0 {
		return User{}, errInviteGone
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		row := struct {
			Invite
			Accepted *time.Time `db:"accepted_at"`
			Revoked  *time.Time `db:"revoked_at"`
		}{}
		err := tx.GetContext(ctx, &row, `SELECT id, vendor_id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at
			FROM invites WHERE token_hash = ? FOR UPDATE`, hashToken(token))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Accepted != nil || row.Revoked != nil || !row.ExpiresAt.After(s.clock.Now()))) {
			return errInviteGone
		}
		if err != nil {
			return err
		}
		inv := row.Invite
		now := s.clock.Now()
		u = User{ID: id.New("usr"), Email: inv.Email, Name: strings.TrimSpace(name), PasswordHash: &hash, Role: inv.Role,
			VendorID: &inv.VendorID, CreatedAt: now, UpdatedAt: now}
		const q = `INSERT INTO users (id, email, email_lower, name, password_hash, role, vendor_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		if _, err := tx.ExecContext(ctx, q, u.ID, u.Email, strings.ToLower(u.Email), u.Name, hash, u.Role, inv.VendorID, now, now); err != nil {
			if db.IsDuplicate(err) {
				return fault.Conflict("%s already has a Trove account", u.Email)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invites SET accepted_at = ? WHERE id = ?`, now, inv.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: u.ID, VendorID: inv.VendorID,
			Action: "user.joined", ObjectType: "user", ObjectID: u.ID, After: map[string]any{"role": u.Role, "invite": inv.ID}})
	})
	return u, err
}

// RequestPasswordReset mails a reset link when email belongs to an active
// account. It answers the same whether or not it does.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	var f fault.Fields
	checkEmail(&f, "email", strings.TrimSpace(email))
	if err := f.Err(); err != nil {
		return err
	}
	u, err := s.users.ByEmail(ctx, email)
	if fault.Is(err, fault.KindNotFound) || (err == nil && u.DisabledAt != nil) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	resetID := id.New("rst")
	token, hash := newOpaqueToken()
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			resetID, u.ID, hash, now, now.Add(ResetTTL)); err != nil {
			return err
		}
		return s.enqueueEmail(ctx, tx, EmailJob{Template: "password_reset", To: u.Email, RefID: resetID}, token)
	})
}

var errResetGone = fault.Invalid("this reset link is invalid, already used or expired: ask for a new one")

// ResetPassword sets a new password with a reset token (once, before it
// expires) and ends every session of the account.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	var f fault.Fields
	checkNewPassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return err
	}
	// A token that cannot work is refused before the (costly) hash; the
	// transaction below checks it again under lock.
	var live int
	if err := s.db.GetContext(ctx, &live, `SELECT COUNT(*) FROM password_resets WHERE token_hash = ?
		AND used_at IS NULL AND expires_at > ?`, hashToken(token), s.clock.Now()); err != nil {
		return err
	}
	if live == 0 {
		return errResetGone
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var r struct {
			ID      string     `db:"id"`
			UserID  string     `db:"user_id"`
			Expires time.Time  `db:"expires_at"`
			Used    *time.Time `db:"used_at"`
		}
		err := tx.GetContext(ctx, &r, `SELECT id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = ? FOR UPDATE`, hashToken(token))
		now := s.clock.Now()
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (r.Used != nil || !r.Expires.After(now))) {
			return errResetGone
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE id = ?`, now, r.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, now, r.UserID); err != nil {
			return err
		}
		if err := revokeSessions(ctx, tx, now, "password reset", `user_id = ?`, r.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: r.UserID,
			Action: "user.password_reset", ObjectType: "user", ObjectID: r.UserID})
	})
}

// EmailLink returns the link an emailed token opens, for the email templates.
func (s *Service) EmailLink(template, token string) (string, error) {
	switch template {
	case "invite":
		return s.publicURL.String() + "/vendor/accept-invite?token=" + token, nil
	case "password_reset":
		return s.publicURL.String() + "/reset-password?token=" + token, nil
	}
	return "", fmt.Errorf("auth: unknown email template %q", template)
}

// OpenEmailToken unseals the token of an EmailJob.
func (s *Service) OpenEmailToken(j EmailJob) (string, error) {
	b, err := s.box.Open(j.SealedToken, tokenAD(j.RefID))
	return string(b), err
}

// Lengths of what people type, held to the columns that keep them
// (users.email VARCHAR(254), users.name VARCHAR(200)), so that too long an
// input is a 400 that names the field, checked before anything is written,
// and never a database error. 254 is also the longest address SMTP carries.
const (
	maxEmailLen = 254
	maxNameLen  = 200
)

// checkEmail records what is wrong with an email address given as field.
func checkEmail(f *fault.Fields, field, e string) {
	if n := utf8.RuneCountInString(e); n > maxEmailLen {
		f.Add(field, "must be at most %d characters (this one has %d)", maxEmailLen, n)
		return
	}
	at := strings.LastIndex(e, "@")
	f.Check(at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n<>"), field, "must be an email address")
}

// checkName records what is wrong with a person's name given as field.
func checkName(f *fault.Fields, field, name string) {
	f.Check(utf8.RuneCountInString(name) <= maxNameLen, field, "must be at most %d characters", maxNameLen)
}
