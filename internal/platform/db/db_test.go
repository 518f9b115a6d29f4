package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/migrations"
)

func tables(t *testing.T, conn *sqlx.DB) []string {
	t.Helper()
	var names []string
	if err := conn.Select(&names, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'goose_db_version' ORDER BY table_name"); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := dbtest.NewEmptyDSN(t)
	conn, err := db.Open(ctx, dsn, db.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	m, err := db.NewMigrator(conn.DB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}

	entries, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files int
	for _, e := range entries {
		if !e.IsDir() {
			files++
		}
	}
	if n, err := m.Pending(ctx); err != nil || n != files {
		t.Fatalf("fresh database: %d pending (%v), want %d", n, err, files)
	}

	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != files {
		t.Fatalf("applied %d migrations, want %d", len(applied), files)
	}
	want := tables(t, conn)
	for _, must := range []string{"audit_log", "users", "vendors", "webhook_events"} {
		if !contains(want, must) {
			t.Fatalf("table %s missing after up; have %v", must, want)
		}
	}
	if n, _ := m.Pending(ctx); n != 0 {
		t.Fatalf("%d pending after up", n)
	}

	if err := m.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to zero: %v", err)
	}
	if left := tables(t, conn); len(left) != 0 {
		t.Fatalf("tables left after down to zero: %v", left)
	}
	if n, _ := m.Pending(ctx); n != files {
		t.Fatalf("%d pending after down, want %d", n, files)
	}

	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if again := tables(t, conn); !equal(again, want) {
		t.Fatalf("tables after up again %v, want %v", again, want)
	}
	// A second Up with nothing pending is a no-op, not an error.
	if applied, err := m.Up(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second up: %v, %v", applied, err)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.New(t)
	insert := func(tx *sqlx.Tx, id string) error {
		_, err := tx.Exec(`INSERT INTO vendors (id, slug, name, contact_email, created_at, updated_at)
			VALUES (?, ?, 'V', 'v@example.com', ?, ?)`, id, id, time.Now().UTC(), time.Now().UTC())
		return err
	}
	count := func(id string) int {
		var n int
		if err := conn.Get(&n, "SELECT COUNT(*) FROM vendors WHERE id = ?", id); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("commits on nil", func(t *testing.T) {
		if err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error { return insert(tx, "ven_commit") }); err != nil {
			t.Fatal(err)
		}
		if count("ven_commit") != 1 {
			t.Fatal("row not committed")
		}
	})
	t.Run("rolls back on error", func(t *testing.T) {
		boom := errors.New("boom")
		err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			if err := insert(tx, "ven_err"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		if count("ven_err") != 0 {
			t.Fatal("row survived a rolled-back transaction")
		}
	})
	t.Run("rolls back on panic and re-panics", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic was swallowed")
				}
			}()
			_ = db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
				if err := insert(tx, "ven_panic"); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if count("ven_panic") != 0 {
			t.Fatal("row survived a panicking transaction")
		}
	})
	t.Run("duplicate key is recognised", func(t *testing.T) {
		err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error { return insert(tx, "ven_commit") })
		if !db.IsDuplicate(err) {
			t.Fatalf("got %v, want a duplicate-key error", err)
		}
	})
}

func TestSessionSettings(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	var tz, mode string
	if err := conn.QueryRow("SELECT @@session.time_zone, @@session.sql_mode").Scan(&tz, &mode); err != nil {
		t.Fatal(err)
	}
	if tz != "+00:00" {
		t.Errorf("time_zone = %q, want +00:00", tz)
	}
	if !contains(splitComma(mode), "STRICT_ALL_TABLES") {
		t.Errorf("sql_mode = %q, want strict", mode)
	}
	// A value too long for its column is an error, not a silent truncation.
	_, err := conn.Exec(`INSERT INTO vendors (id, slug, name, contact_email, created_at, updated_at)
		VALUES ('ven_long', 'x', 'V', 'v@example.com', NOW(6), NOW(6))`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`UPDATE vendors SET currency = 'TOOLONG' WHERE id = 'ven_long'`); err == nil {
		t.Error("strict mode must reject an over-long value")
	}
	// A DATETIME(6) round-trips in UTC with microseconds.
	at := time.Date(2026, 3, 29, 1, 30, 0, 123456000, time.UTC)
	if _, err := conn.Exec(`UPDATE vendors SET created_at = ? WHERE id = 'ven_long'`, at); err != nil {
		t.Fatal(err)
	}
	var got time.Time
	if err := conn.Get(&got, `SELECT created_at FROM vendors WHERE id = 'ven_long'`); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("got %v, want %v in UTC", got, at)
	}
}

func TestOpenGivesUpWhenServerIsAbsent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := db.Open(ctx, "root@tcp(127.0.0.1:1)/x", db.Options{ConnectTimeout: 500 * time.Millisecond}, nil)
	if err == nil {
		t.Fatal("want an error")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
