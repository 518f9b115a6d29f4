package vendors

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/platform/secrets"
	"github.com/trove-platform/trove/internal/shopify"
)

// Connection statuses.
const (
	ConnConnected   = "connected"
	ConnBroken      = "broken"
	ConnUninstalled = "uninstalled"
)

// Connection is a vendor's link to its Shopify store, as vendors and
// operators see it (tokens never leave this file).
type Connection struct {
	VendorID        string     `db:"vendor_id" json:"vendor_id"`
	ShopDomain      string     `db:"shop_domain" json:"shop_domain"`
	Status          string     `db:"status" json:"status"`
	ShopName        string     `db:"shop_name" json:"shop_name"`
	Currency        string     `db:"currency" json:"currency"`
	Scopes          string     `db:"scopes" json:"scopes"`
	AccessExpiresAt *time.Time `db:"access_expires_at" json:"-"`
	LastSyncAt      *time.Time `db:"last_sync_at" json:"last_sync_at"`
	LastError       *string    `db:"last_error" json:"last_error"`
	ConnectedAt     time.Time  `db:"connected_at" json:"connected_at"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`
}

const connColumns = `vendor_id, shop_domain, status, shop_name, currency, scopes, access_expires_at, last_sync_at, last_error, connected_at, updated_at`

// ShopifyConnected is emitted when a vendor connects (or reconnects) its store:
// the catalog imports it.
type ShopifyConnected struct {
	VendorID string `json:"vendor_id"`
	Shop     string `json:"shop"`
}

// Kind names the event.
func (ShopifyConnected) Kind() string { return "shopify.connected" }

// ShopifyAPI is what Connections asks Shopify (the adapter): a new token
// pair for a refresh token, and the shop, the cheapest call there is, which
// says whether an access token still works.
type ShopifyAPI interface {
	Refresh(ctx context.Context, shop, refreshToken string) (shopify.Token, error)
	Shop(ctx context.Context, shop, accessToken string) (shopify.ShopInfo, error)
}

// Connections stores Shopify connections and hands out live access tokens.
type Connections struct {
	db    *sqlx.DB
	clock clock.Clock
	box   *secrets.Box
	api   ShopifyAPI
	queue *queue.Queue
	log   *slog.Logger
	// flight joins the callers of one process that need the same refresh, so
	// only one of them waits on the database lock: waiters holding pooled
	// connections would otherwise starve the one doing the refresh.
	flight singleflight.Group
}

// ConnectionsDeps are the collaborators of Connections.
type ConnectionsDeps struct {
	DB      *sqlx.DB
	Clock   clock.Clock
	Box     *secrets.Box // seals the tokens at rest
	Shopify ShopifyAPI
	Queue   *queue.Queue
	Log     *slog.Logger
}

// NewConnections returns the connection store.
func NewConnections(d ConnectionsDeps) *Connections {
	return &Connections{db: d.DB, clock: d.Clock, box: d.Box, api: d.Shopify, queue: d.Queue, log: d.Log}
}

func tokenAD(vendorID, field string) []byte { return secrets.AD(vendorID, "shopify", field) }

// Save stores a freshly installed connection and emits ShopifyConnected, in
// one transaction. A shop already connected to another vendor is a conflict.
func (c *Connections) Save(ctx context.Context, vendorID, shop string, t shopify.Token, info shopify.ShopInfo) error {
	access, err := c.box.Seal([]byte(t.AccessToken), tokenAD(vendorID, "access_token"))
	if err != nil {
		return err
	}
	refresh, err := c.box.Seal([]byte(t.RefreshToken), tokenAD(vendorID, "refresh_token"))
	if err != nil {
		return err
	}
	now := c.clock.Now()
	currency := info.Currency
	if currency == "" {
		currency = "USD"
	}
	return db.InTx(ctx, c.db, func(tx *sqlx.Tx) error {
		var owner string
		err := tx.GetContext(ctx, &owner, `SELECT vendor_id FROM shopify_connections WHERE shop_domain = ? FOR UPDATE`, shop)
		if err == nil && owner != vendorID {
			return fault.Conflict("the store %s is connected to another vendor", shop)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		const q = `INSERT INTO shopify_connections (vendor_id, shop_domain, status, access_token_sealed, access_expires_at,
				refresh_token_sealed, refresh_expires_at, scopes, shop_name, currency, connected_at, updated_at)
			VALUES (?, ?, 'connected', ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE shop_domain = VALUES(shop_domain), status = 'connected',
				access_token_sealed = VALUES(access_token_sealed), access_expires_at = VALUES(access_expires_at),
				refresh_token_sealed = VALUES(refresh_token_sealed), refresh_expires_at = VALUES(refresh_expires_at),
				scopes = VALUES(scopes), shop_name = VALUES(shop_name), currency = VALUES(currency),
				last_error = NULL, connected_at = VALUES(connected_at), updated_at = VALUES(updated_at)`
		if _, err := tx.ExecContext(ctx, q, vendorID, shop, access, nullTime(t.ExpiresAt), refresh, nullTime(t.RefreshExpiresAt),
			t.Scope, info.Name, currency, now, now); err != nil {
			return err
		}
		_, err = c.queue.Enqueue(ctx, tx, ShopifyConnected{VendorID: vendorID, Shop: shop})
		return err
	})
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Get returns the vendor's connection.
func (c *Connections) Get(ctx context.Context, vendorID string) (Connection, error) {
	var out Connection
	err := c.db.GetContext(ctx, &out, `SELECT `+connColumns+` FROM shopify_connections WHERE vendor_id = ?`, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fault.NotFound("no Shopify store is connected")
	}
	return out, err
}

// ByShop returns the connection of a shop domain.
func (c *Connections) ByShop(ctx context.Context, shop string) (Connection, error) {
	var out Connection
	err := c.db.GetContext(ctx, &out, `SELECT `+connColumns+` FROM shopify_connections WHERE shop_domain = ?`, shop)
	if errors.Is(err, sql.ErrNoRows) {
		return out, fault.NotFound("no vendor has the store %s", shop)
	}
	return out, err
}

// List returns every connection (operators), or only those with status.
func (c *Connections) List(ctx context.Context, status string) ([]Connection, error) {
	q := `SELECT ` + connColumns + ` FROM shopify_connections`
	var args []any
	if status != "" {
		q += ` WHERE status = ?`
		args = append(args, status)
	}
	out := []Connection{}
	err := c.db.SelectContext(ctx, &out, q+` ORDER BY shop_domain`, args...)
	return out, err
}

// refreshMargin: an access token this close to expiry is refreshed before use.
const refreshMargin = 5 * time.Minute

// ErrNotConnected means the vendor has no working connection to use.
var ErrNotConnected = errors.New("vendors: the Shopify store is not connected")

// AccessToken returns the shop and a live access token for the vendor,
// refreshing the pair first when it is about to expire (or when force is set,
// after Shopify refused the token). Refreshes are single-flight per shop across
// every process: a MySQL named lock is held around the refresh, on its own
// connection and outside any transaction, and whoever gets it second finds
// the pair already fresh. A refused refresh marks the connection broken; a
// refreshed pair that cannot be saved does not (see refreshLocked).
func (c *Connections) AccessToken(ctx context.Context, vendorID string, force bool) (string, string, error) {
	shop, token, fresh, err := c.current(ctx, vendorID, force)
	if err != nil || fresh {
		return shop, token, err
	}
	key := vendorID
	if force {
		key += ":force"
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		token, err := c.refreshLocked(context.WithoutCancel(ctx), vendorID, shop, force)
		return token, err
	})
	if err != nil {
		return "", "", err
	}
	return shop, v.(string), nil
}

// refreshLocked refreshes the pair under the cross-process lock of the shop.
func (c *Connections) refreshLocked(ctx context.Context, vendorID, shop string, force bool) (string, error) {
	unlock, err := c.lock(ctx, shop)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have refreshed while we waited for the lock.
	_, token, fresh, err := c.current(ctx, vendorID, false)
	if err != nil || (fresh && !force) {
		return token, err
	}
	var sealed string
	if err := c.db.GetContext(ctx, &sealed, `SELECT COALESCE(refresh_token_sealed, '') FROM shopify_connections WHERE vendor_id = ?`, vendorID); err != nil {
		return "", err
	}
	rt, err := c.box.Open(sealed, tokenAD(vendorID, "refresh_token"))
	if err != nil {
		return "", c.markBroken(ctx, vendorID, "the stored refresh token does not open: reconnect the store")
	}
	t, err := c.api.Refresh(ctx, shop, string(rt))
	if err != nil {
		if errors.Is(err, shopify.ErrInvalidGrant) || errors.Is(err, shopify.ErrUnauthorized) {
			// Shopify's refusal stays in the chain: ConfirmUninstalled reads
			// it as Shopify's word that the grant is gone.
			return "", errors.Join(c.markBroken(ctx, vendorID, "Shopify refused the refresh token: reconnect the store"), err)
		}
		return "", fmt.Errorf("vendors: refresh the Shopify token of %s: %w", shop, err)
	}
	if err := c.saveRefreshed(ctx, vendorID, t); err != nil {
		// Not broken: Shopify keeps the refresh token we hold valid until
		// the new one is used (since August 2026), and the new one was never
		// used. The next refresh sends the old one again and gets a pair
		// that replaces the one lost here.
		return "", fmt.Errorf("vendors: a refreshed Shopify token of %s could not be saved (the stored refresh token still works; the next use refreshes again): %w", shop, err)
	}
	return t.AccessToken, nil
}

// Saving a refreshed pair is tried this many times, waiting saveRetryWait,
// then twice that, between tries: enough to ride out a failover or a
// deadlock, short enough to hold the refresh lock only briefly.
const (
	saveAttempts  = 4
	saveRetryWait = 100 * time.Millisecond
)

// saveRefreshed stores a refreshed pair, trying again when the database
// fails. The pair exists only in memory until it is saved, so one failed
// statement must not lose it.
func (c *Connections) saveRefreshed(ctx context.Context, vendorID string, t shopify.Token) error {
	wait := saveRetryWait
	var err error
	for attempt := 1; ; attempt++ {
		if err = c.saveTokens(ctx, vendorID, t); err == nil {
			return nil
		}
		if attempt == saveAttempts {
			return err
		}
		if c.log != nil {
			c.log.Warn("saving a refreshed shopify token failed; trying again", "vendor_id", vendorID, "attempt", attempt, "err", err.Error())
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return errors.Join(err, ctx.Err())
		case <-timer.C:
		}
		wait *= 2
	}
}

// current reads the stored access token and whether it is fresh enough to use.
func (c *Connections) current(ctx context.Context, vendorID string, force bool) (shop, token string, fresh bool, err error) {
	var row struct {
		Shop    string     `db:"shop_domain"`
		Status  string     `db:"status"`
		Sealed  *string    `db:"access_token_sealed"`
		Expires *time.Time `db:"access_expires_at"`
	}
	err = c.db.GetContext(ctx, &row, `SELECT shop_domain, status, access_token_sealed, access_expires_at FROM shopify_connections WHERE vendor_id = ?`, vendorID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Status != ConnConnected || row.Sealed == nil)) {
		return "", "", false, ErrNotConnected
	}
	if err != nil {
		return "", "", false, err
	}
	plain, err := c.box.Open(*row.Sealed, tokenAD(vendorID, "access_token"))
	if err != nil {
		return row.Shop, "", false, nil // does not open: refresh
	}
	fresh = !force && (row.Expires == nil || row.Expires.After(c.clock.Now().Add(refreshMargin)))
	return row.Shop, string(plain), fresh, nil
}

// saveTokens replaces the token pair at once.
func (c *Connections) saveTokens(ctx context.Context, vendorID string, t shopify.Token) error {
	access, err := c.box.Seal([]byte(t.AccessToken), tokenAD(vendorID, "access_token"))
	if err != nil {
		return err
	}
	refresh, err := c.box.Seal([]byte(t.RefreshToken), tokenAD(vendorID, "refresh_token"))
	if err != nil {
		return err
	}
	_, err = c.db.ExecContext(ctx, `UPDATE shopify_connections SET access_token_sealed = ?, access_expires_at = ?,
		refresh_token_sealed = ?, refresh_expires_at = ?, updated_at = ? WHERE vendor_id = ?`,
		access, nullTime(t.ExpiresAt), refresh, nullTime(t.RefreshExpiresAt), c.clock.Now(), vendorID)
	return err
}

// lock takes the per-shop refresh lock (waiting up to 30 s) and returns its release.
func (c *Connections) lock(ctx context.Context, shop string) (func(), error) {
	unlock, err := db.NamedLock(ctx, c.db, "trove.shopify.refresh."+shop, 30*time.Second)
	if errors.Is(err, db.ErrLockTimeout) {
		err = fmt.Errorf("vendors: timed out waiting for the token refresh of %s", shop)
	}
	return unlock, err
}

// markBroken records that the connection cannot be used until the vendor
// reconnects, and returns ErrNotConnected with the reason.
func (c *Connections) markBroken(ctx context.Context, vendorID, reason string) error {
	_, err := c.db.ExecContext(ctx, `UPDATE shopify_connections SET status = 'broken', last_error = ?, updated_at = ?
		WHERE vendor_id = ? AND status = 'connected'`, reason, c.clock.Now(), vendorID)
	if c.log != nil {
		c.log.Warn("shopify connection broken", "vendor_id", vendorID, "reason", reason)
	}
	return errors.Join(fmt.Errorf("%w: %s", ErrNotConnected, reason), err)
}

// UninstallCheck is what ConfirmUninstalled found and did.
type UninstallCheck struct {
	Known     bool   // the shop is connected (or was) to a vendor
	Confirmed bool   // Shopify refuses our grant: the app is no longer installed
	Erased    bool   // this call erased the tokens and marked the store uninstalled
	Reason    string // what Shopify said, in words for the audit log
}

// ConfirmUninstalled acts on a claim that the shop removed the app
// (app/uninstalled, shop/redact). The claim comes in a webhook whose shop
// header is not signed, and even a genuine one may come late, after the
// vendor connected the store again; so Shopify is asked first, with the
// stored grant: a token that still works means the app is still installed,
// and nothing is done. An access token refused may only have expired, so
// the pair is refreshed: Shopify refuses the refresh token of an app that
// was removed, and that refusal (or a fresh token refused too) confirms it.
// A broken connection (its refresh was refused before) is confirmed by
// Shopify refusing its stored access token. Once confirmed, the tokens are
// erased and the store marked uninstalled (its products leave the
// storefront, which shows only connected stores), unless it was connected
// again meanwhile. A network error or a 5xx confirms nothing: it is
// returned, for the job to retry.
func (c *Connections) ConfirmUninstalled(ctx context.Context, shop string) (UninstallCheck, error) {
	conn, err := c.ByShop(ctx, shop)
	if fault.Is(err, fault.KindNotFound) {
		return UninstallCheck{Reason: "the store is not connected to any vendor"}, nil
	}
	if err != nil {
		return UninstallCheck{}, err
	}
	out := UninstallCheck{Known: true}
	if conn.Status == ConnUninstalled {
		out.Reason = "the store was marked uninstalled before: no token is held"
		return out, nil
	}
	out.Confirmed, out.Reason, err = c.grantRevoked(ctx, conn)
	if err != nil || !out.Confirmed {
		return out, err
	}
	// Only the grant that was asked about is erased: a reconnect meanwhile
	// (a new connected_at) brought a new one.
	res, err := c.db.ExecContext(ctx, `UPDATE shopify_connections SET status = 'uninstalled', access_token_sealed = NULL,
		refresh_token_sealed = NULL, access_expires_at = NULL, refresh_expires_at = NULL, updated_at = ?
		WHERE vendor_id = ? AND connected_at = ? AND status <> 'uninstalled'`, c.clock.Now(), conn.VendorID, conn.ConnectedAt)
	if err != nil {
		return out, err
	}
	n, _ := res.RowsAffected()
	out.Erased = n > 0
	if !out.Erased {
		out.Reason += "; the store was connected again (or marked uninstalled) meanwhile, so nothing was erased"
	}
	return out, nil
}

// grantRevoked asks Shopify whether the connection's grant still works. An
// error is one that says nothing either way (network, 5xx): retry later.
func (c *Connections) grantRevoked(ctx context.Context, conn Connection) (bool, string, error) {
	probe := func(shop, token string) error {
		_, err := c.api.Shop(ctx, shop, token)
		return err
	}
	if conn.Status == ConnBroken {
		shop, token, ok, err := c.storedAccess(ctx, conn.VendorID)
		switch {
		case err != nil:
			return false, "", err
		case !ok:
			return false, "the connection is broken and holds no token to ask Shopify with: nothing done", nil
		}
		switch err := probe(shop, token); {
		case err == nil:
			return false, "Shopify accepts the stored access token: the app is still installed", nil
		case errors.Is(err, shopify.ErrUnauthorized):
			return true, "Shopify refuses the stored access token of a connection whose refresh it refused before", nil
		default:
			return false, "", err
		}
	}
	shop, token, err := c.AccessToken(ctx, conn.VendorID, false)
	if err == nil {
		err = probe(shop, token)
		if err == nil {
			return false, "Shopify accepts our access token: the app is still installed", nil
		}
		if !errors.Is(err, shopify.ErrUnauthorized) {
			return false, "", err
		}
		// Refused; perhaps only expired. A refresh tells.
		if shop, token, err = c.AccessToken(ctx, conn.VendorID, true); err == nil {
			switch err := probe(shop, token); {
			case err == nil:
				return false, "Shopify accepts a refreshed access token: the app is still installed", nil
			case errors.Is(err, shopify.ErrUnauthorized):
				return true, "Shopify refuses even a freshly refreshed access token", nil
			default:
				return false, "", err
			}
		}
	}
	switch {
	case errors.Is(err, shopify.ErrInvalidGrant) || errors.Is(err, shopify.ErrUnauthorized):
		return true, "Shopify refuses our refresh token", nil
	case errors.Is(err, ErrNotConnected):
		// Not Shopify's word: the connection changed under us, or a token
		// does not open. Nothing to confirm with.
		return false, "Shopify could not be asked: " + err.Error(), nil
	default:
		return false, "", err
	}
}

// storedAccess opens the stored access token whatever the connection's
// status; ok is false when there is none that opens.
func (c *Connections) storedAccess(ctx context.Context, vendorID string) (shop, token string, ok bool, err error) {
	var row struct {
		Shop   string  `db:"shop_domain"`
		Sealed *string `db:"access_token_sealed"`
	}
	err = c.db.GetContext(ctx, &row, `SELECT shop_domain, access_token_sealed FROM shopify_connections WHERE vendor_id = ?`, vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil || row.Sealed == nil {
		return "", "", false, err
	}
	plain, err := c.box.Open(*row.Sealed, tokenAD(vendorID, "access_token"))
	if err != nil {
		return row.Shop, "", false, nil
	}
	return row.Shop, string(plain), true, nil
}

// RecordSync notes a sync's end: its time, and its error or none.
func (c *Connections) RecordSync(ctx context.Context, vendorID string, syncErr error) error {
	var errText *string
	if syncErr != nil {
		s := syncErr.Error()
		errText = &s
	}
	now := c.clock.Now()
	_, err := c.db.ExecContext(ctx, `UPDATE shopify_connections SET last_sync_at = IF(? IS NULL, ?, last_sync_at),
		last_error = ?, updated_at = ? WHERE vendor_id = ?`, errText, now, errText, now, vendorID)
	return err
}

// stateTTL bounds how long a "Connect Shopify" click may take to come back.
const stateTTL = 15 * time.Minute

// StartConnect validates the shop and creates a single-use state nonce bound
// to the user who clicked, the vendor and the shop.
func (c *Connections) StartConnect(ctx context.Context, userID, vendorID, shop string) (string, error) {
	shop = strings.ToLower(strings.TrimSpace(shop))
	if !shopify.ValidShop(shop) {
		return "", fault.Invalid("shop must be your store's myshopify.com domain, such as acme.myshopify.com")
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	state := base64.RawURLEncoding.EncodeToString(b)
	now := c.clock.Now()
	_, err := c.db.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, provider, user_id, vendor_id, shop_domain, created_at, expires_at)
		VALUES (?, 'shopify', ?, ?, ?, ?, ?)`, hashState(state), userID, vendorID, shop, now, now.Add(stateTTL))
	return state, err
}

func hashState(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ConsumeState spends a state nonce: it must exist, be unused and unexpired,
// match the shop, and belong to userID (the user finishing the flow is the one
// who started it). It returns the vendor the connection is for.
func (c *Connections) ConsumeState(ctx context.Context, state, shop, userID string) (string, error) {
	var vendorID string
	err := db.InTx(ctx, c.db, func(tx *sqlx.Tx) error {
		var row struct {
			UserID   string     `db:"user_id"`
			VendorID *string    `db:"vendor_id"`
			Shop     string     `db:"shop_domain"`
			Expires  time.Time  `db:"expires_at"`
			Used     *time.Time `db:"used_at"`
		}
		err := tx.GetContext(ctx, &row, `SELECT user_id, vendor_id, shop_domain, expires_at, used_at FROM oauth_states
			WHERE state_hash = ? AND provider = 'shopify' FOR UPDATE`, hashState(state))
		now := c.clock.Now()
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Used != nil || !row.Expires.After(now) || row.VendorID == nil)) {
			return fault.Invalid("this Shopify connection attempt is unknown, used or expired: start again")
		}
		if err != nil {
			return err
		}
		if row.Shop != shop || row.UserID != userID {
			return fault.Forbidden("this Shopify connection attempt was started for another store or by another user")
		}
		vendorID = *row.VendorID
		_, err = tx.ExecContext(ctx, `UPDATE oauth_states SET used_at = ? WHERE state_hash = ?`, now, hashState(state))
		return err
	})
	return vendorID, err
}

// PruneStatesJob deletes expired OAuth state nonces (scheduled daily).
type PruneStatesJob struct{}

// Kind names the job.
func (PruneStatesJob) Kind() string { return "vendors.prune_oauth_states" }

// PruneStates deletes state nonces that expired before cutoff, used or not.
func (c *Connections) PruneStates(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := c.db.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// WithToken calls fn with the vendor's shop and a live access token, and once
// more with a refreshed token when Shopify refuses the first
// (shopify.ErrUnauthorized). A vendor with no working connection gets
// ErrNotConnected, wrapped.
func (c *Connections) WithToken(ctx context.Context, vendorID string, fn func(shop, token string) error) error {
	shop, token, err := c.AccessToken(ctx, vendorID, false)
	if err != nil {
		return err
	}
	err = fn(shop, token)
	if !errors.Is(err, shopify.ErrUnauthorized) {
		return err
	}
	if shop, token, err = c.AccessToken(ctx, vendorID, true); err != nil {
		return err
	}
	return fn(shop, token)
}

// ConnectionsCollector reports the Shopify connections by status at each
// scrape (trove_shopify_connections{status}): a broken store sells nothing
// and hands nothing off until its vendor reconnects it.
func ConnectionsCollector(conn *sqlx.DB) prometheus.Collector {
	return db.CountCollector(conn, "trove_shopify_connections", "Vendors' Shopify connections by status (connected, broken, uninstalled).",
		"status", `SELECT status AS label, COUNT(*) AS n FROM shopify_connections GROUP BY status`)
}
