package audit

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Stored is one audit entry as operators read it.
type Stored struct {
	ID         int64     `db:"id" json:"id"`
	At         time.Time `db:"occurred_at" json:"at"`
	ActorType  string    `db:"actor_type" json:"actor_type"`
	ActorID    string    `db:"actor_id" json:"actor_id"`
	VendorID   *string   `db:"vendor_id" json:"vendor_id"`
	Action     string    `db:"action" json:"action"`
	ObjectType string    `db:"object_type" json:"object_type"`
	ObjectID   string    `db:"object_id" json:"object_id"`
	Before     *RawJSON  `db:"before_json" json:"before"`
	After      *RawJSON  `db:"after_json" json:"after"`
	Reason     string    `db:"reason" json:"reason"`
	RequestID  string    `db:"request_id" json:"request_id"`
}

// RawJSON is stored JSON passed through as it is.
type RawJSON string

// MarshalJSON emits the stored JSON unchanged.
func (r RawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// Filter narrows a query; zero fields do not filter.
type Filter struct {
	ActorID, VendorID, Action, ObjectType, ObjectID string
	Since, Until                                    time.Time
	Before                                          int64 // cursor: entries with a smaller id
	Limit                                           int
}

// Query returns entries matching f, newest first.
func Query(ctx context.Context, db *sqlx.DB, f Filter) ([]Stored, error) {
	q := `SELECT id, occurred_at, actor_type, actor_id, vendor_id, action, object_type, object_id,
		before_json, after_json, reason, request_id FROM audit_log WHERE 1 = 1`
	var args []any
	for _, c := range []struct {
		col, val string
	}{{"actor_id", f.ActorID}, {"vendor_id", f.VendorID}, {"action", f.Action}, {"object_type", f.ObjectType}, {"object_id", f.ObjectID}} {
		if c.val != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.val)
		}
	}
	if !f.Since.IsZero() {
		q += ` AND occurred_at >= ?`
		args = append(args, f.Since)
	}
	if !f.Until.IsZero() {
		q += ` AND occurred_at < ?`
		args = append(args, f.Until)
	}
	if f.Before > 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	out := []Stored{}
	err := db.SelectContext(ctx, &out, q, args...)
	return out, err
}

// HandleQuery serves the audit log to operators:
// ?actor_id=&vendor_id=&action=&object_type=&object_id=&since=&until=&before=&limit=
func HandleQuery(db *sqlx.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := Filter{ActorID: q.Get("actor_id"), VendorID: q.Get("vendor_id"), Action: q.Get("action"),
			ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id")}
		var fields fault.Fields
		parseTime := func(name string, dst *time.Time) {
			if v := q.Get(name); v != "" {
				t, err := time.Parse(time.RFC3339, v)
				fields.Check(err == nil, name, "must be an RFC 3339 time such as 2026-11-24T00:00:00Z")
				*dst = t
			}
		}
		parseTime("since", &f.Since)
		parseTime("until", &f.Until)
		if v := q.Get("before"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			fields.Check(err == nil && n > 0, "before", "must be an entry id")
			f.Before = n
		}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			fields.Check(err == nil && n >= 1 && n <= 500, "limit", "must be from 1 to 500")
			f.Limit = n
		}
		if err := fields.Err(); err != nil {
			httpx.Error(w, r, err)
			return
		}
		entries, err := Query(r.Context(), db, f)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"entries": entries})
	})
}
