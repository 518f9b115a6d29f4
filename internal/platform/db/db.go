// Package db opens the MySQL/MariaDB pool, runs transactions and migrations.
package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Options tune the connection pool.
type Options struct {
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// ConnectTimeout bounds how long Open keeps retrying while the server comes up.
	ConnectTimeout time.Duration
}

// sqlMode is set on every connection so MySQL 8 and MariaDB 10.11 reject the
// same bad writes instead of silently truncating or zero-filling them.
const sqlMode = "'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY'"

// Config parses a go-sql-driver DSN and fixes what the code relies on: times
// parsed as time.Time in UTC, the session time zone UTC, strict SQL mode.
func Config(dsn string) (*mysql.Config, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c.ParseTime = true
	c.Loc = time.UTC
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["time_zone"] = "'+00:00'"
	c.Params["sql_mode"] = sqlMode
	if c.Collation == "" || c.Collation == "utf8mb4_general_ci" {
		c.Collation = "utf8mb4_unicode_ci" // exists on MySQL 8 and MariaDB alike
	}
	return c, nil
}

// Open connects to dsn, retrying until the server answers or ConnectTimeout
// passes, so that a process started together with its database waits for it.
func Open(ctx context.Context, dsn string, o Options, log *slog.Logger) (*sqlx.DB, error) {
	cfg, err := Config(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: bad DSN: %w", err)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	sdb := sql.OpenDB(connector)
	if o.MaxOpenConns > 0 {
		sdb.SetMaxOpenConns(o.MaxOpenConns)
	}
	if o.MaxIdleConns > 0 {
		sdb.SetMaxIdleConns(o.MaxIdleConns)
	}
	if o.ConnMaxLifetime > 0 {
		sdb.SetConnMaxLifetime(o.ConnMaxLifetime)
	}
	timeout := o.ConnectTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	wait := 100 * time.Millisecond
	for {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = sdb.PingContext(pctx)
		cancel()
		if err == nil {
			return sqlx.NewDb(sdb, "mysql"), nil
		}
		// A server that answers with an error (bad password, unknown database) will
		// not change its mind by waiting: only network errors are retried.
		var serverErr *mysql.MySQLError
		if errors.As(err, &serverErr) || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			sdb.Close()
			return nil, fmt.Errorf("db: cannot reach %s within %s: %w", cfg.Addr, timeout, err)
		}
		if log != nil {
			log.Warn("database not reachable yet, retrying", "addr", cfg.Addr, "err", err.Error(), "retry_in", wait.String())
		}
		select {
		case <-ctx.Done():
			sdb.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// InTx runs fn in a transaction: committed if fn returns nil, rolled back if it
// returns an error or panics (the panic then goes on).
func InTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	return InTxOpts(ctx, db, nil, fn)
}

// InTxOpts is InTx with transaction options, such as READ COMMITTED for a
// locking read that must not take gap locks.
func InTxOpts(ctx context.Context, db *sqlx.DB, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("db: rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// IsRetryable reports whether err is a deadlock (1213) or a lock wait timeout
// (1205): the transaction was rolled back and may simply be run again.
func IsRetryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// RetryDeadlocks runs fn, and again (up to 10 times in all, with a short
// growing pause) while it fails with a deadlock or lock wait timeout. fn must
// be safe to repeat: a whole transaction, or a single guarded statement.
func RetryDeadlocks(ctx context.Context, fn func() error) error {
	for try := 1; ; try++ {
		err := fn()
		if !IsRetryable(err) || try == 10 || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(try) * 10 * time.Millisecond):
		}
	}
}

// ReadCommitted is the isolation for short locking transactions that must not
// take gap locks (queue claims): with it, a locking read locks only the rows
// it returns.
var ReadCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// IsDuplicate reports whether err is MySQL's duplicate-key error (1062), the
// signal that an idempotent insert found its row already there.
func IsDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

// ErrLockTimeout is returned by NamedLock when another session held the lock
// for the whole wait.
var ErrLockTimeout = errors.New("db: timed out waiting for a named lock")

// NamedLock takes the MySQL named lock name (GET_LOCK), waiting up to wait,
// and returns its release. It serialises work across every process that
// shares the database, outside any transaction (such as a provider call that
// must not run twice at once). The lock lives on a connection of its own,
// held until release. Names longer than MySQL's 64 characters are hashed.
func NamedLock(ctx context.Context, db *sqlx.DB, name string, wait time.Duration) (func(), error) {
	if len(name) > 64 {
		sum := sha256.Sum256([]byte(name))
		name = name[:31] + "." + hex.EncodeToString(sum[:16])
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, ?)`, name, int(wait.Seconds())).Scan(&got); err != nil || got.Int64 != 1 {
		conn.Close()
		if err == nil {
			err = fmt.Errorf("%w %s", ErrLockTimeout, name)
		}
		return nil, err
	}
	return func() {
		conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(?)`, name)
		conn.Close()
	}, nil
}

// EncodeCursor makes an opaque keyset-paging cursor from the last row of a
// page: its sort time and id (pages ordered by time, then id).
func EncodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

// DecodeCursor reads a cursor EncodeCursor made; anything else is an error.
func DecodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", errors.New("db: not a cursor")
	}
	at, id, ok := strings.Cut(string(b), "|")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", errors.New("db: not a cursor")
	}
	return t, id, nil
}
