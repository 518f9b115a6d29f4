package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

func TestRecord(t *testing.T) {
	t.Parallel()
	conn := dbtest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	entry := audit.Entry{
		At: at, ActorType: audit.ActorUser, ActorID: "usr_1", VendorID: "ven_1",
		Action: "vendor.commission_changed", ObjectType: "vendor", ObjectID: "ven_1",
		Before: map[string]int{"commission_bps": 1500}, After: map[string]int{"commission_bps": 1200},
		Reason: "renegotiated", RequestID: "req-12345678",
	}
	if err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error { return audit.Record(ctx, tx, entry) }); err != nil {
		t.Fatal(err)
	}
	var row struct {
		Action string    `db:"action"`
		Before string    `db:"before_json"`
		After  string    `db:"after_json"`
		At     time.Time `db:"occurred_at"`
		Vendor string    `db:"vendor_id"`
	}
	if err := conn.Get(&row, `SELECT action, before_json, after_json, occurred_at, vendor_id FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if row.Action != entry.Action || row.Before != `{"commission_bps":1500}` || row.After != `{"commission_bps":1200}` || !row.At.Equal(at) || row.Vendor != "ven_1" {
		t.Fatalf("stored %+v", row)
	}

	t.Run("rolled back with its transaction", func(t *testing.T) {
		_ = db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			e := entry
			e.Action = "payout.retried"
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
			return context.Canceled
		})
		var n int
		conn.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'payout.retried'`)
		if n != 0 {
			t.Fatal("an audit entry outlived its rolled-back change")
		}
	})
	t.Run("incomplete entries are refused", func(t *testing.T) {
		err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
			return audit.Record(ctx, tx, audit.Entry{At: at, ActorType: audit.ActorSystem, Action: "x"})
		})
		if err == nil {
			t.Fatal("want an error for an entry without an object")
		}
	})
}
