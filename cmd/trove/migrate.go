package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/migrations"
)

var migrationNameRE = regexp.MustCompile(`^[a-z0-9_]{1,80}$`)

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("migrate needs a subcommand: up, down, status or create NAME")
	}
	sub, args := args[0], args[1:]
	if sub == "create" {
		fs := flag.NewFlagSet("migrate create", flag.ContinueOnError)
		fs.SetOutput(stderr)
		dir := fs.String("dir", "migrations", "folder of the migration files")
		// Accept the name before or after the flags.
		var name string
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			name, args = args[0], args[1:]
		}
		if err := fs.Parse(args); err != nil {
			return usageError(err.Error())
		}
		if name == "" && fs.NArg() == 1 {
			name = fs.Arg(0)
		}
		if !migrationNameRE.MatchString(name) {
			return usageError("migrate create needs a NAME of lower-case letters, digits and underscores")
		}
		return createMigration(*dir, name, time.Now().UTC(), stdout)
	}
	if sub != "up" && sub != "down" && sub != "status" {
		return usageError(fmt.Sprintf("unknown migrate subcommand %q: want up, down, status or create NAME", sub))
	}
	if len(args) > 0 {
		return usageError("migrate " + sub + " takes no arguments")
	}

	cfg, err := loadConfig(getenv, configNeeds{database: true})
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	conn, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := db.NewMigrator(conn.DB, migrations.FS)
	if err != nil {
		return err
	}
	switch sub {
	case "up":
		applied, err := m.Up(ctx)
		for _, v := range applied {
			fmt.Fprintf(stdout, "applied %d\n", v)
		}
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(stdout, "no pending migrations")
		}
		return nil
	case "down":
		v, err := m.Down(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back %d\n", v)
		return nil
	default: // "status"
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(stdout, "%-8s %s\n", state, s.Name)
		}
		return nil
	}
}

// createMigration writes an empty goose SQL migration named after the current
// UTC time, so migrations written on different branches do not collide.
func createMigration(dir, name string, now time.Time, stdout io.Writer) error {
	path := filepath.Join(dir, now.Format("20060102150405")+"_"+name+".sql")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.WriteString(f, "-- +goose Up\n\n-- +goose Down\n"); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "created", path)
	return f.Close()
}
