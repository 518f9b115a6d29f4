// Package audit records who did what to which object and when, in the same
// transaction as the change itself, so the log can never disagree with the data.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Actor types.
const (
	ActorUser     = "user"
	ActorSystem   = "system"
	ActorProvider = "provider"
)

// Entry is one audited action. Before and After are marshalled to JSON; leave
// them nil where there is nothing to show.
type Entry struct {
	At         time.Time
	ActorType  string
	ActorID    string
	VendorID   string // the vendor whose data this touches, if any
	Action     string // "vendor.commission_changed", "job.discarded", ...
	ObjectType string
	ObjectID   string
	Before     any
	After      any
	Reason     string
	RequestID  string
}

// Record appends e to the audit log within tx.
func Record(ctx context.Context, tx *sqlx.Tx, e Entry) error {
	if e.At.IsZero() || e.ActorType == "" || e.Action == "" || e.ObjectType == "" || e.ObjectID == "" {
		return fmt.Errorf("audit: entry needs time, actor type, action and object: %+v", e)
	}
	before, err := jsonOrNil(e.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(e.After)
	if err != nil {
		return err
	}
	var vendor *string
	if e.VendorID != "" {
		vendor = &e.VendorID
	}
	const q = `INSERT INTO audit_log
		(occurred_at, actor_type, actor_id, vendor_id, action, object_type, object_id, before_json, after_json, reason, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = tx.ExecContext(ctx, q, e.At.UTC(), e.ActorType, e.ActorID, vendor, e.Action, e.ObjectType, e.ObjectID,
		before, after, e.Reason, e.RequestID)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

func jsonOrNil(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	s := string(b)
	return &s, nil
}
