// Package vendors owns vendor accounts: who they are, their status and
// commission. Table: vendors.
package vendors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Status is where a vendor is in its life with the platform.
type Status string

const (
	StatusPending   Status = "pending"
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
)

// Vendor is one independent shop selling through Trove.
type Vendor struct {
	ID            string    `db:"id" json:"id"`
	Slug          string    `db:"slug" json:"slug"`
	Name          string    `db:"name" json:"name"`
	ContactEmail  string    `db:"contact_email" json:"contact_email"`
	CommissionBPS int       `db:"commission_bps" json:"commission_bps"`
	Status        Status    `db:"status" json:"status"`
	Currency      string    `db:"currency" json:"currency"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Validate checks v's fields and reports every problem at once.
func (v *Vendor) Validate() error {
	var f fault.Fields
	f.Check(slugRE.MatchString(v.Slug), "slug", "must be 2-63 lower-case letters, digits or dashes")
	f.Check(strings.TrimSpace(v.Name) != "" && len(v.Name) <= 200, "name", "is required (at most 200 characters)")
	f.Check(strings.Contains(v.ContactEmail, "@") && len(v.ContactEmail) <= 254, "contact_email", "must be an email address")
	f.Check(v.CommissionBPS >= 0 && v.CommissionBPS <= 10000, "commission_bps", "must be from 0 to 10000 basis points")
	f.Check(v.Status == StatusPending || v.Status == StatusActive || v.Status == StatusSuspended, "status", "must be pending, active or suspended")
	f.Check(money.ValidCurrency(v.Currency), "currency", "must be an ISO 4217 code such as USD")
	return f.Err()
}

// Store reads and writes vendors.
type Store struct {
	db    *sqlx.DB
	clock clock.Clock
}

// NewStore returns a Store on db.
func NewStore(d Deps) *Store { return &Store{db: d.DB, clock: d.Clock} }

// Deps are the Store's collaborators.
type Deps struct {
	DB    *sqlx.DB
	Clock clock.Clock
}

const vendorColumns = `id, slug, name, contact_email, commission_bps, status, currency, created_at, updated_at`

// Get returns the vendor with id.
func (s *Store) Get(ctx context.Context, vendorID string) (Vendor, error) {
	var v Vendor
	err := s.db.GetContext(ctx, &v, `SELECT `+vendorColumns+` FROM vendors WHERE id = ?`, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fault.NotFound("vendor %s not found", vendorID)
	}
	return v, err
}

// BySlug returns the vendor with slug.
func (s *Store) BySlug(ctx context.Context, slug string) (Vendor, error) {
	var v Vendor
	err := s.db.GetContext(ctx, &v, `SELECT `+vendorColumns+` FROM vendors WHERE slug = ?`, slug)
	if errors.Is(err, sql.ErrNoRows) {
		return v, fault.NotFound("vendor %s not found", slug)
	}
	return v, err
}

// Ensure creates v unless a vendor with its slug exists, and returns the stored
// vendor either way: the slug is the natural key that makes seeding idempotent.
func (s *Store) Ensure(ctx context.Context, v Vendor) (Vendor, bool, error) {
	if v.Status == "" {
		v.Status = StatusPending
	}
	if v.Currency == "" {
		v.Currency = "USD"
	}
	if err := v.Validate(); err != nil {
		return Vendor{}, false, err
	}
	var out Vendor
	var created bool
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &out, `SELECT `+vendorColumns+` FROM vendors WHERE slug = ? FOR UPDATE`, v.Slug)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := s.clock.Now()
		v.ID, v.CreatedAt, v.UpdatedAt = id.New("ven"), now, now
		const q = `INSERT INTO vendors (` + vendorColumns + `)
			VALUES (:id, :slug, :name, :contact_email, :commission_bps, :status, :currency, :created_at, :updated_at)`
		if _, err := tx.NamedExecContext(ctx, q, v); err != nil {
			return fmt.Errorf("vendors: insert: %w", err)
		}
		out, created = v, true
		return nil
	})
	return out, created, err
}

// List returns vendors for operators, optionally of one status.
func (s *Store) List(ctx context.Context, status string) ([]Vendor, error) {
	q := `SELECT ` + vendorColumns + ` FROM vendors`
	var args []any
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY name LIMIT 1000`
	out := []Vendor{}
	err := s.db.SelectContext(ctx, &out, q, args...)
	return out, err
}

// Create adds a vendor (pending until an operator approves it).
func (s *Store) Create(ctx context.Context, v Vendor, by audit.Entry) (Vendor, error) {
	v.Status = StatusPending
	if v.Currency == "" {
		v.Currency = "USD"
	}
	if err := v.Validate(); err != nil {
		return Vendor{}, err
	}
	now := s.clock.Now()
	v.ID, v.CreatedAt, v.UpdatedAt = id.New("ven"), now, now
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		const q = `INSERT INTO vendors (` + vendorColumns + `)
			VALUES (:id, :slug, :name, :contact_email, :commission_bps, :status, :currency, :created_at, :updated_at)`
		if _, err := tx.NamedExecContext(ctx, q, v); err != nil {
			if db.IsDuplicate(err) {
				return fault.Conflict("a vendor with slug %q exists", v.Slug)
			}
			return err
		}
		by.At, by.VendorID, by.Action, by.ObjectType, by.ObjectID, by.After = now, v.ID, "vendor.created", "vendor", v.ID, v
		return audit.Record(ctx, tx, by)
	})
	return v, err
}

// Patch is a partial update; nil fields stay as they are.
type Patch struct {
	Name          *string `json:"name"`
	ContactEmail  *string `json:"contact_email"`
	CommissionBPS *int    `json:"commission_bps"`
	Status        *Status `json:"status"`
}

// Update applies p to the vendor under a row lock and audits the change with
// its before and after.
func (s *Store) Update(ctx context.Context, vendorID string, p Patch, by audit.Entry) (Vendor, error) {
	var out Vendor
	err := db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur Vendor
		err := tx.GetContext(ctx, &cur, `SELECT `+vendorColumns+` FROM vendors WHERE id = ? FOR UPDATE`, vendorID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("vendor %s not found", vendorID)
		}
		if err != nil {
			return err
		}
		next := cur
		if p.Name != nil {
			next.Name = *p.Name
		}
		if p.ContactEmail != nil {
			next.ContactEmail = *p.ContactEmail
		}
		if p.CommissionBPS != nil {
			next.CommissionBPS = *p.CommissionBPS
		}
		if p.Status != nil {
			next.Status = *p.Status
		}
		if err := next.Validate(); err != nil {
			return err
		}
		if next == cur {
			out = cur
			return nil
		}
		next.UpdatedAt = s.clock.Now()
		const q = `UPDATE vendors SET name = :name, contact_email = :contact_email, commission_bps = :commission_bps,
			status = :status, updated_at = :updated_at WHERE id = :id`
		if _, err := tx.NamedExecContext(ctx, q, next); err != nil {
			return err
		}
		by.At, by.VendorID, by.Action, by.ObjectType, by.ObjectID = next.UpdatedAt, vendorID, "vendor.updated", "vendor", vendorID
		by.Before, by.After = changed(cur, next)
		out = next
		return audit.Record(ctx, tx, by)
	})
	return out, err
}

// changed returns the fields that differ, before and after.
func changed(a, b Vendor) (map[string]any, map[string]any) {
	before, after := map[string]any{}, map[string]any{}
	add := func(name string, x, y any) {
		if x != y {
			before[name], after[name] = x, y
		}
	}
	add("name", a.Name, b.Name)
	add("contact_email", a.ContactEmail, b.ContactEmail)
	add("commission_bps", a.CommissionBPS, b.CommissionBPS)
	add("status", a.Status, b.Status)
	return before, after
}
