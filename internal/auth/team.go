package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
)

// Member is a user of a vendor's team, as the team sees it.
type Member struct {
	ID         string     `db:"id" json:"id"`
	Email      string     `db:"email" json:"email"`
	Name       string     `db:"name" json:"name"`
	Role       Role       `db:"role" json:"role"`
	DisabledAt *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
}

// Team lists a vendor's members and pending invites.
func (s *Service) Team(ctx context.Context, vendorID string) ([]Member, []Invite, error) {
	members := []Member{}
	if err := s.db.SelectContext(ctx, &members, `SELECT id, email, name, role, disabled_at, created_at FROM users
		WHERE vendor_id = ? ORDER BY created_at`, vendorID); err != nil {
		return nil, nil, err
	}
	invites := []Invite{}
	if err := s.db.SelectContext(ctx, &invites, `SELECT id, vendor_id, email, role, invited_by, created_at, expires_at FROM invites
		WHERE vendor_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at`,
		vendorID, s.clock.Now()); err != nil {
		return nil, nil, err
	}
	return members, invites, nil
}

// lockMember loads a member of vendorID for update. Another vendor's user
// answers not found: the vendor id comes from the caller's session.
func lockMember(ctx context.Context, tx *sqlx.Tx, vendorID, userID string) (Member, error) {
	var m Member
	err := tx.GetContext(ctx, &m, `SELECT id, email, name, role, disabled_at, created_at FROM users
		WHERE id = ? AND vendor_id = ? FOR UPDATE`, userID, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fault.NotFound("no member %s in your team", userID)
	}
	return m, err
}

// onMember runs fn in a transaction with a member of the caller's vendor
// locked, and the number of the vendor's active owners, counted under lock so
// that two concurrent demotions cannot both pass the last-owner check.
func (s *Service) onMember(ctx context.Context, by *Principal, userID string, fn func(tx *sqlx.Tx, m Member, owners int) error) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM users WHERE vendor_id = ? AND role = 'vendor_owner'
			AND disabled_at IS NULL FOR UPDATE`, by.VendorID); err != nil {
			return err
		}
		m, err := lockMember(ctx, tx, by.VendorID, userID)
		if err != nil {
			return err
		}
		return fn(tx, m, len(ids))
	})
}

// SetMemberRole changes a member's role within the owner's vendor. The last
// active owner cannot be demoted: a vendor always has someone in charge.
func (s *Service) SetMemberRole(ctx context.Context, by *Principal, userID string, role Role) error {
	if role != RoleVendorOwner && role != RoleVendorStaff {
		return fault.Invalid("role must be vendor_owner or vendor_staff")
	}
	return s.onMember(ctx, by, userID, func(tx *sqlx.Tx, m Member, owners int) error {
		if m.Role == role {
			return nil
		}
		if m.Role == RoleVendorOwner && m.DisabledAt == nil && owners <= 1 {
			return fault.Conflict("%s is the last owner: make someone else an owner first", m.Email)
		}
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, now, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: by.UserID, VendorID: by.VendorID,
			Action: "user.role_changed", ObjectType: "user", ObjectID: userID,
			Before: map[string]Role{"role": m.Role}, After: map[string]Role{"role": role}})
	})
}

// RemoveMember takes a member off the owner's team: the account is disabled
// (kept for the audit trail) and every session of it ends at once.
func (s *Service) RemoveMember(ctx context.Context, by *Principal, userID string) error {
	return s.onMember(ctx, by, userID, func(tx *sqlx.Tx, m Member, owners int) error {
		if m.DisabledAt != nil {
			return nil
		}
		if m.Role == RoleVendorOwner && owners <= 1 {
			return fault.Conflict("%s is the last owner and cannot be removed", m.Email)
		}
		return s.disable(ctx, tx, by, m.ID, by.VendorID, "user.removed")
	})
}

func (s *Service) disable(ctx context.Context, tx *sqlx.Tx, by *Principal, userID, vendorID, action string) error {
	now := s.clock.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?`, now, now, userID); err != nil {
		return err
	}
	if err := revokeSessions(ctx, tx, now, "user disabled", `user_id = ?`, userID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: by.UserID, VendorID: vendorID,
		Action: action, ObjectType: "user", ObjectID: userID, Before: map[string]bool{"disabled": false}, After: map[string]bool{"disabled": true}})
}

// RevokeInvite withdraws a pending invite of the owner's vendor.
func (s *Service) RevokeInvite(ctx context.Context, by *Principal, inviteID string) error {
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.clock.Now()
		res, err := tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ? AND vendor_id = ?
			AND accepted_at IS NULL AND revoked_at IS NULL`, now, inviteID, by.VendorID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.NotFound("no pending invite %s in your team", inviteID)
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: by.UserID, VendorID: by.VendorID,
			Action: "invite.revoked", ObjectType: "invite", ObjectID: inviteID})
	})
}

// SetDisabled disables or re-enables any account (operators only). Disabling
// ends every session of it at once.
func (s *Service) SetDisabled(ctx context.Context, by *Principal, userID string, disabled bool) error {
	if userID == by.UserID {
		return fault.Conflict("you cannot disable or enable your own account")
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			Disabled *time.Time `db:"disabled_at"`
			VendorID *string    `db:"vendor_id"`
		}
		err := tx.GetContext(ctx, &cur, `SELECT disabled_at, vendor_id FROM users WHERE id = ? FOR UPDATE`, userID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("no user %s", userID)
		}
		if err != nil {
			return err
		}
		vendorID := ""
		if cur.VendorID != nil {
			vendorID = *cur.VendorID
		}
		if (cur.Disabled != nil) == disabled {
			return nil
		}
		if disabled {
			return s.disable(ctx, tx, by, userID, vendorID, "user.disabled")
		}
		now := s.clock.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE id = ?`, now, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: by.UserID, VendorID: vendorID,
			Action: "user.enabled", ObjectType: "user", ObjectID: userID, Before: map[string]bool{"disabled": true}, After: map[string]bool{"disabled": false}})
	})
}

// ListUsers lists accounts for operators, optionally by role or vendor.
func (s *Service) ListUsers(ctx context.Context, role, vendorID string) ([]User, error) {
	q := `SELECT ` + userColumns + ` FROM users WHERE 1 = 1`
	var args []any
	if role != "" {
		q += ` AND role = ?`
		args = append(args, role)
	}
	if vendorID != "" {
		q += ` AND vendor_id = ?`
		args = append(args, vendorID)
	}
	q += ` ORDER BY created_at LIMIT 500`
	users := []User{}
	err := s.db.SelectContext(ctx, &users, q, args...)
	return users, err
}
