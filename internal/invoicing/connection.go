package invoicing

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/xero"
)

// ErrNotConnected: the platform has no working Xero connection. Jobs that need
// one fail (and end as dead jobs an operator retries after reconnecting).
var ErrNotConnected = errors.New("invoicing: Xero is not connected")

// refreshMargin: an access token this close to expiry is refreshed first.
const refreshMargin = 2 * time.Minute

// Connection is the platform's Xero connection as operators see it (no
// tokens).
type Connection struct {
	Status      string       `json:"status"` // connected, choose_tenant, broken; "none" before any
	TenantID    string       `json:"tenant_id"`
	TenantName  string       `json:"tenant_name"`
	Tenants     []TenantInfo `json:"tenants"`
	LastError   string       `json:"last_error"`
	ConnectedAt *time.Time   `json:"connected_at"`
	RefreshedAt *time.Time   `json:"refreshed_at"`
}

// TenantInfo is an organisation the consent granted.
type TenantInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type connRow struct {
	TenantID     *string    `db:"tenant_id"`
	TenantName   string     `db:"tenant_name"`
	TenantsJSON  string     `db:"tenants_json"`
	AccessToken  string     `db:"access_token"`
	RefreshToken string     `db:"refresh_token"`
	ExpiresAt    time.Time  `db:"access_expires_at"`
	Status       string     `db:"status"`
	LastError    string     `db:"last_error"`
	ConnectedAt  time.Time  `db:"connected_at"`
	RefreshedAt  *time.Time `db:"refreshed_at"`
}

const connColumns = `tenant_id, tenant_name, tenants_json, access_token, refresh_token, access_expires_at, status, last_error,
	connected_at, refreshed_at`

func tokenAD(field string) []byte { return secrets.AD("platform", "xero", field) }

func (s *Service) readConn(ctx context.Context) (connRow, bool, error) {
	var r connRow
	err := s.db.GetContext(ctx, &r, `SELECT `+connColumns+` FROM xero_connection WHERE id = 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}

// Connection answers the platform's Xero connection.
func (s *Service) Connection(ctx context.Context) (Connection, error) {
	r, ok, err := s.readConn(ctx)
	if err != nil || !ok {
		return Connection{Status: "none", Tenants: []TenantInfo{}}, err
	}
	c := Connection{Status: r.Status, TenantName: r.TenantName, LastError: r.LastError, ConnectedAt: &r.ConnectedAt,
		RefreshedAt: r.RefreshedAt, Tenants: []TenantInfo{}}
	if r.TenantID != nil {
		c.TenantID = *r.TenantID
	}
	_ = json.Unmarshal([]byte(r.TenantsJSON), &c.Tenants)
	return c, nil
}

// state is what the OAuth state parameter carries, sealed: who started the
// connection and until when the callback is accepted. Sealing (AES-GCM) makes
// it unforgeable and binds it to that operator without a table of states.
type state struct {
	UserID  string    `json:"u"`
	Expires time.Time `json:"e"`
	Nonce   string    `json:"n"`
}

// StartConnect returns the Xero consent URL for an operator.
func (s *Service) StartConnect(ctx context.Context, userID string) (string, error) {
	nonce := make([]byte, 16)
	if _, err := randRead(nonce); err != nil {
		return "", err
	}
	b, _ := json.Marshal(state{UserID: userID, Expires: s.clock.Now().Add(15 * time.Minute), Nonce: base64.RawURLEncoding.EncodeToString(nonce)})
	sealed, err := s.box.Seal(b, tokenAD("oauth_state"))
	if err != nil {
		return "", err
	}
	return s.xero.AuthorizeURL(sealed, s.redirectURI()), nil
}

func (s *Service) redirectURI() string {
	return strings.TrimSuffix(s.cfg.PublicURL, "/") + "/oauth/xero/callback"
}

// FinishConnect completes the consent: the state must be this operator's and
// fresh; the code is exchanged, the granted organisations listed, and the
// connection saved. With one organisation it is chosen; with several the
// operator chooses (ChooseTenant).
func (s *Service) FinishConnect(ctx context.Context, userID, sealedState, code string) (Connection, error) {
	raw, err := s.box.Open(sealedState, tokenAD("oauth_state"))
	var st state
	if err != nil || json.Unmarshal(raw, &st) != nil {
		return Connection{}, fault.Invalid("the Xero connection request is not valid: start again")
	}
	if st.UserID != userID || s.clock.Now().After(st.Expires) {
		return Connection{}, fault.Invalid("the Xero connection request expired or is another operator's: start again")
	}
	if code == "" {
		return Connection{}, fault.Invalid("Xero did not grant access (no code): start again")
	}
	tok, err := s.xero.ExchangeCode(ctx, code, s.redirectURI())
	if err != nil {
		return Connection{}, fault.Wrap(fault.KindUnavailable, err, "Xero refused the connection: %v", err)
	}
	tenants, err := s.xero.Connections(ctx, tok.AccessToken)
	if err != nil {
		return Connection{}, fault.Wrap(fault.KindUnavailable, err, "Xero's organisations could not be read: %v", err)
	}
	var infos []TenantInfo
	for _, t := range tenants {
		if t.Type == "" || t.Type == "ORGANISATION" {
			infos = append(infos, TenantInfo{ID: t.ID, Name: t.Name})
		}
	}
	if len(infos) == 0 {
		return Connection{}, fault.Invalid("the consent granted no Xero organisation: choose one on Xero's page")
	}
	tj, _ := json.Marshal(infos)
	access, err := s.box.Seal([]byte(tok.AccessToken), tokenAD("access_token"))
	if err != nil {
		return Connection{}, err
	}
	refresh, err := s.box.Seal([]byte(tok.RefreshToken), tokenAD("refresh_token"))
	if err != nil {
		return Connection{}, err
	}
	var tenantID any
	tenantName, status := "", "choose_tenant"
	if len(infos) == 1 {
		tenantID, tenantName, status = infos[0].ID, infos[0].Name, "connected"
	}
	now := s.clock.Now()
	err = db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO xero_connection (id, tenant_id, tenant_name, tenants_json, access_token, refresh_token,
			access_expires_at, status, last_error, connected_by, connected_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
			ON DUPLICATE KEY UPDATE tenant_id = VALUES(tenant_id), tenant_name = VALUES(tenant_name), tenants_json = VALUES(tenants_json),
			access_token = VALUES(access_token), refresh_token = VALUES(refresh_token), access_expires_at = VALUES(access_expires_at),
			status = VALUES(status), last_error = '', connected_by = VALUES(connected_by), connected_at = VALUES(connected_at),
			updated_at = VALUES(updated_at)`, tenantID, tenantName, string(tj), access, refresh, tok.ExpiresAt, status, userID, now, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: userID, Action: "xero.connected",
			ObjectType: "xero_connection", ObjectID: "1", After: map[string]any{"status": status, "tenants": infos}})
	})
	if err != nil {
		return Connection{}, err
	}
	return s.Connection(ctx)
}

// ChooseTenant picks which granted organisation Trove books into.
func (s *Service) ChooseTenant(ctx context.Context, userID, tenantID string) (Connection, error) {
	c, err := s.Connection(ctx)
	if err != nil {
		return Connection{}, err
	}
	if c.Status == "none" {
		return Connection{}, fault.Conflict("Xero is not connected: connect it first")
	}
	var name string
	for _, t := range c.Tenants {
		if t.ID == tenantID {
			name = t.Name
		}
	}
	if name == "" {
		return Connection{}, fault.Invalid("tenant_id is not an organisation the connection granted")
	}
	now := s.clock.Now()
	err = db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE xero_connection SET tenant_id = ?, tenant_name = ?,
			status = IF(status = 'broken', 'broken', 'connected'), updated_at = ? WHERE id = 1`, tenantID, name, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorUser, ActorID: userID, Action: "xero.tenant_chosen",
			ObjectType: "xero_connection", ObjectID: "1", Before: map[string]string{"tenant_id": c.TenantID},
			After: map[string]string{"tenant_id": tenantID, "tenant_name": name}})
	})
	if err != nil {
		return Connection{}, err
	}
	return s.Connection(ctx)
}

// tenant returns the chosen organisation's client.
func (s *Service) tenant(ctx context.Context) (*xero.TenantClient, error) {
	r, ok, err := s.readConn(ctx)
	if err != nil {
		return nil, err
	}
	if !ok || r.Status != "connected" || r.TenantID == nil {
		return nil, ErrNotConnected
	}
	return s.xero.Tenant(*r.TenantID, s), nil
}

// AccessToken implements xero.TokenSource: a live access token, refreshed
// when it is about to expire (or force: Xero refused it). One refresh at a
// time for the whole platform: in this process callers share one flight, and
// across processes a MySQL named lock serialises them; each re-reads the row
// under the lock, so a token another process just refreshed is used, not
// refreshed again. Xero rotates the refresh token at every use, so the new
// pair is saved in one UPDATE before anyone uses it. A refused refresh marks
// the connection broken for operators to reconnect.
func (s *Service) AccessToken(ctx context.Context, tenantID string, force bool) (string, error) {
	r, ok, err := s.readConn(ctx)
	if err != nil {
		return "", err
	}
	if !ok || r.Status == "broken" {
		return "", ErrNotConnected
	}
	if !force && s.clock.Now().Add(refreshMargin).Before(r.ExpiresAt) {
		return s.open(r.AccessToken, "access_token")
	}
	seen := r.AccessToken
	v, err, _ := s.flight.Do("refresh", func() (any, error) {
		unlock, err := db.NamedLock(context.WithoutCancel(ctx), s.db, "trove.xero.refresh", 30*time.Second)
		if err != nil {
			return "", err
		}
		defer unlock()
		r, ok, err := s.readConn(ctx)
		if err != nil {
			return "", err
		}
		if !ok || r.Status == "broken" {
			return "", ErrNotConnected
		}
		// Refreshed by someone else since we looked: use theirs.
		if r.AccessToken != seen && s.clock.Now().Add(refreshMargin).Before(r.ExpiresAt) {
			return s.open(r.AccessToken, "access_token")
		}
		if !force && s.clock.Now().Add(refreshMargin).Before(r.ExpiresAt) {
			return s.open(r.AccessToken, "access_token")
		}
		rt, err := s.open(r.RefreshToken, "refresh_token")
		if err != nil {
			return "", err
		}
		tok, err := s.xero.Refresh(ctx, rt)
		if errors.Is(err, xero.ErrInvalidGrant) || errors.Is(err, xero.ErrInvalidClient) {
			s.markBroken(ctx, "Xero refused the refresh token: reconnect Xero ("+err.Error()+")")
			return "", fmt.Errorf("%w: %v", ErrNotConnected, err)
		}
		if err != nil {
			return "", err
		}
		access, err := s.box.Seal([]byte(tok.AccessToken), tokenAD("access_token"))
		if err != nil {
			return "", err
		}
		refresh, err := s.box.Seal([]byte(tok.RefreshToken), tokenAD("refresh_token"))
		if err != nil {
			return "", err
		}
		now := s.clock.Now()
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE xero_connection SET access_token = ?, refresh_token = ?,
			access_expires_at = ?, refreshed_at = ?, updated_at = ? WHERE id = 1`, access, refresh, tok.ExpiresAt, now, now); err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (s *Service) open(sealed, field string) (string, error) {
	b, err := s.box.Open(sealed, tokenAD(field))
	if err != nil {
		return "", fmt.Errorf("invoicing: open Xero %s: %w", field, err)
	}
	return string(b), nil
}

func (s *Service) markBroken(ctx context.Context, reason string) {
	now := s.clock.Now()
	_ = db.InTx(context.WithoutCancel(ctx), s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE xero_connection SET status = 'broken', last_error = ?, updated_at = ? WHERE id = 1 AND status <> 'broken'`,
			truncate(reason, 1000), now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		s.log.ErrorContext(ctx, "invoicing: the Xero connection is broken; an operator must reconnect", "reason", reason)
		return audit.Record(ctx, tx, audit.Entry{At: now, ActorType: audit.ActorSystem, ActorID: "invoicing", Action: "xero.broken",
			ObjectType: "xero_connection", ObjectID: "1", Reason: truncate(reason, 1000)})
	})
}

// ConnectionCollector reports the platform's Xero connection by status at
// each scrape (trove_xero_connection{status} = 1; nothing at all while Xero
// was never connected): broken means no bill is booked until an operator
// reconnects.
func ConnectionCollector(conn *sqlx.DB) prometheus.Collector {
	return db.CountCollector(conn, "trove_xero_connection", "The platform's Xero connection: 1 for its status (connected, choose_tenant, broken).",
		"status", `SELECT status AS label, COUNT(*) AS n FROM xero_connection GROUP BY status`)
}
