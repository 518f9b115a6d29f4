// Package dbtest gives each test a database of its own, freshly migrated, and
// drops it when the test ends, so tests can run in parallel without seeing each
// other's rows.
//
// The server comes from TROVE_TEST_DATABASE_URL (a go-sql-driver DSN with a user
// that may create databases, no database name needed). `make test` starts a
// throwaway MariaDB for the run and sets it; to run `go test` by hand, start one
// with `make test-db` and export the line it prints.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/migrations"
)

// EnvVar names the variable that points the tests at a database server.
const EnvVar = "TROVE_TEST_DATABASE_URL"

func serverDSN(t testing.TB) *mysql.Config {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, or start a test database with `make test-db` and export the line it prints", EnvVar)
	}
	cfg, err := db.Config(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	cfg.DBName = ""
	return cfg
}

// NewEmptyDSN creates an empty database for the test and returns its DSN; the
// database is dropped when the test ends.
func NewEmptyDSN(t testing.TB) string {
	t.Helper()
	cfg := serverDSN(t)
	admin, err := db.Open(context.Background(), cfg.FormatDSN(), db.Options{MaxOpenConns: 2, ConnectTimeout: 10 * time.Second}, nil)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "trove_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// NewDSN creates a database for the test, migrates it to the latest version and
// returns its DSN.
func NewDSN(t testing.TB) string {
	t.Helper()
	dsn := NewEmptyDSN(t)
	conn := open(t, dsn)
	defer conn.Close()
	m, err := db.NewMigrator(conn.DB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return dsn
}

// New returns a pool on a freshly migrated database of the test's own.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	conn := open(t, NewDSN(t))
	t.Cleanup(func() { conn.Close() })
	return conn
}

func open(t testing.TB, dsn string) *sqlx.DB {
	t.Helper()
	conn, err := db.Open(context.Background(), dsn, db.Options{MaxOpenConns: 10, ConnectTimeout: 10 * time.Second}, nil)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return conn
}
