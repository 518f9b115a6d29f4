package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Migrator applies the embedded goose migrations.
type Migrator struct {
	db *sql.DB
	p  *goose.Provider
}

// NewMigrator returns a Migrator for the migrations in fsys.
func NewMigrator(db *sql.DB, fsys fs.FS) (*Migrator, error) {
	p, err := goose.NewProvider(goose.DialectMySQL, db, fsys)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return &Migrator{db: db, p: p}, nil
}

// lockName is the MySQL named lock that keeps two processes (say, two replicas
// started with TROVE_AUTO_MIGRATE=1) from migrating at once.
const lockName = "trove.migrate"

// locked runs fn while holding the migration lock on a connection of its own.
func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", lockName).Scan(&got); err != nil {
		return fmt.Errorf("db: migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("db: another process holds the migration lock %q", lockName)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", lockName)
	return fn()
}

// Up applies every pending migration and returns the versions applied.
func (m *Migrator) Up(ctx context.Context) ([]int64, error) {
	var applied []int64
	err := m.locked(ctx, func() error {
		res, err := m.p.Up(ctx)
		for _, r := range res {
			applied = append(applied, r.Source.Version)
		}
		return err
	})
	return applied, err
}

// Down rolls back the latest migration; it returns 0 when nothing was applied.
func (m *Migrator) Down(ctx context.Context) (int64, error) {
	var v int64
	err := m.locked(ctx, func() error {
		r, err := m.p.Down(ctx)
		if r != nil && r.Source != nil {
			v = r.Source.Version
		}
		return err
	})
	return v, err
}

// DownTo rolls back every migration newer than version (0: all of them).
func (m *Migrator) DownTo(ctx context.Context, version int64) error {
	return m.locked(ctx, func() error {
		_, err := m.p.DownTo(ctx, version)
		return err
	})
}

// MigrationState is one migration and whether it is applied.
type MigrationState struct {
	Version int64
	Name    string
	Applied bool
}

// Status lists every known migration, oldest first.
func (m *Migrator) Status(ctx context.Context) ([]MigrationState, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Pending returns how many migrations are not applied yet.
func (m *Migrator) Pending(ctx context.Context) (int, error) {
	st, err := m.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if !s.Applied {
			n++
		}
	}
	return n, nil
}
