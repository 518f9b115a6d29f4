// Package auth owns users, their passwords and sessions, and the middleware that
// decides who may do what. Table: users.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
)

// Role is what a user is to the platform.
type Role string

const (
	RolePlatformAdmin Role = "platform_admin"
	RoleVendorOwner   Role = "vendor_owner"
	RoleVendorStaff   Role = "vendor_staff"
	RoleBuyer         Role = "buyer"
)

// User is an account. PasswordHash never leaves this package in a response.
type User struct {
	ID           string     `db:"id" json:"id"`
	Email        string     `db:"email" json:"email"`
	Name         string     `db:"name" json:"name"`
	PasswordHash *string    `db:"password_hash" json:"-"`
	Role         Role       `db:"role" json:"role"`
	VendorID     *string    `db:"vendor_id" json:"vendor_id,omitempty"`
	DisabledAt   *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
}

// Users reads and writes user accounts.
type Users struct {
	db     *sqlx.DB
	clock  clock.Clock
	hasher *Hasher
}

// NewUsers returns a Users store on db, for tools that make accounts outside
// a server (seeding). It has a Hasher of its own; a server uses the store of
// its Service (Service.Users), which shares the Service's one Hasher.
func NewUsers(d UsersDeps) *Users {
	return &Users{db: d.DB, clock: d.Clock, hasher: NewHasher(0, 0)}
}

// UsersDeps are the collaborators of a Users store.
type UsersDeps struct {
	DB    *sqlx.DB
	Clock clock.Clock
}

const userColumns = `id, email, name, password_hash, role, vendor_id, disabled_at, created_at, updated_at`

// ByEmail returns the user with email, compared case-insensitively.
func (u *Users) ByEmail(ctx context.Context, email string) (User, error) {
	var out User
	err := u.db.GetContext(ctx, &out, `SELECT `+userColumns+` FROM users WHERE email_lower = ?`, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return out, fault.NotFound("no user with that email")
	}
	return out, err
}

// ByID returns the user with id.
func (u *Users) ByID(ctx context.Context, userID string) (User, error) {
	var out User
	err := u.db.GetContext(ctx, &out, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fault.NotFound("no user %s", userID)
	}
	return out, err
}

// Create makes a new account; an email already taken is a conflict.
func (u *Users) Create(ctx context.Context, n NewUser) (User, error) {
	out, created, err := u.Ensure(ctx, n)
	if err == nil && !created {
		return User{}, fault.Conflict("an account with that email already exists: sign in or reset the password")
	}
	return out, err
}

// NewUser describes an account to create.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Role     Role
	VendorID string
}

// Ensure creates the user unless one with the same email exists; it returns the
// stored user and whether it was created. An existing user is left as it is
// (its password is not reset), which makes seeding idempotent.
func (u *Users) Ensure(ctx context.Context, n NewUser) (User, bool, error) {
	var f fault.Fields
	email := strings.TrimSpace(n.Email)
	checkEmail(&f, "email", email)
	checkName(&f, "name", n.Name)
	checkNewPassword(&f, "password", n.Password)
	vendorRole := n.Role == RoleVendorOwner || n.Role == RoleVendorStaff
	f.Check(n.Role == RolePlatformAdmin || vendorRole || n.Role == RoleBuyer, "role", "is not a known role")
	f.Check(vendorRole == (n.VendorID != ""), "vendor_id", "is required for vendor roles and only for them")
	if err := f.Err(); err != nil {
		return User{}, false, err
	}
	hash, err := u.hasher.Hash(ctx, n.Password)
	if err != nil {
		return User{}, false, err
	}
	var out User
	var created bool
	err = db.InTx(ctx, u.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+userColumns+` FROM users WHERE email_lower = ? FOR UPDATE`, strings.ToLower(email))
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := u.clock.Now()
		out = User{ID: id.New("usr"), Email: email, Name: n.Name, PasswordHash: &hash, Role: n.Role, CreatedAt: now, UpdatedAt: now}
		if n.VendorID != "" {
			out.VendorID = &n.VendorID
		}
		const q = `INSERT INTO users (id, email, email_lower, name, password_hash, role, vendor_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		if _, err := tx.ExecContext(ctx, q, out.ID, out.Email, strings.ToLower(email), out.Name, hash, out.Role, out.VendorID, now, now); err != nil {
			return fmt.Errorf("auth: insert user: %w", err)
		}
		created = true
		return nil
	})
	return out, created, err
}
