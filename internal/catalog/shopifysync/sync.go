// Package shopifysync keeps each vendor's catalog in step with its Shopify
// store: the first import after install, a follow-up for every webhook (which
// re-reads the object from Shopify rather than trusting a possibly stale
// payload), and a periodic reconciliation sweep that repairs drift from missed
// webhooks. It writes the catalog only through the catalog's sync API.
package shopifysync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

// ImportJob imports a vendor's whole catalog (first import, or a re-sync the
// vendor asked for).
type ImportJob struct {
	VendorID string `json:"vendor_id"`
}

// Kind names the job.
func (ImportJob) Kind() string { return "shopify.import" }

// SweepJob starts a reconciliation of every connected store.
type SweepJob struct{}

// Kind names the job.
func (SweepJob) Kind() string { return "shopify.sweep" }

// ReconcileJob reconciles one vendor's catalog with its store.
type ReconcileJob struct {
	VendorID string `json:"vendor_id"`
	Sweep    string `json:"sweep"` // the sweep it belongs to
}

// Kind names the job.
func (ReconcileJob) Kind() string { return "shopify.reconcile" }

// Syncer runs the sync jobs.
type Syncer struct {
	db      *sqlx.DB
	clock   clock.Clock
	catalog *catalog.Store
	conns   *vendors.Connections
	shopify *shopify.Client
	hooks   *webhooks.Store
	queue   *queue.Queue
}

// Deps are the Syncer's collaborators.
type Deps struct {
	DB          *sqlx.DB
	Clock       clock.Clock
	Catalog     *catalog.Store
	Connections *vendors.Connections
	Shopify     *shopify.Client
	Webhooks    *webhooks.Store
	Queue       *queue.Queue
}

// New returns a Syncer.
func New(d Deps) *Syncer {
	return &Syncer{db: d.DB, clock: d.Clock, catalog: d.Catalog, conns: d.Connections, shopify: d.Shopify, hooks: d.Webhooks, queue: d.Queue}
}

// withToken calls fn with a live token (see vendors.Connections.WithToken).
func (s *Syncer) withToken(ctx context.Context, vendorID string, fn func(shop, token string) error) error {
	return notConnected(s.conns.WithToken(ctx, vendorID, fn))
}

// notConnected makes "the store is not connected" permanent: retrying cannot
// help until the vendor reconnects (which imports everything anew).
func notConnected(err error) error {
	if errors.Is(err, vendors.ErrNotConnected) {
		return queue.Permanent(err)
	}
	return err
}

// synced turns a product read from Shopify into the catalog's terms. Its
// version is when the read started (or Shopify's updatedAt, if later): a read
// shows the product as it is at least as of then, and Shopify's updatedAt has
// whole seconds only, so two edits within a second would otherwise tie.
//
// A variant whose price Trove cannot take (see shopify.Variant.PriceErr: a
// price beyond money.MaxAmount, say) is left out, with a warning in the log:
// left out, the catalog marks it deleted, so it is never sold, at that price
// or at the one it had before; the rest of the product syncs as usual.
func synced(ctx context.Context, vendorID string, p shopify.Product, readAt time.Time) catalog.SyncedProduct {
	version := p.UpdatedAt
	if readAt.After(version) {
		version = readAt
	}
	out := catalog.SyncedProduct{ShopifyProductID: p.ID, Title: p.Title, Description: p.Description, ImageURL: p.ImageURL,
		Status: strings.ToLower(p.Status), Tags: p.Tags, UpdatedAt: version}
	for _, v := range p.Variants {
		if v.PriceErr != nil {
			httpx.Logger(ctx).Warn("shopify variant refused: its price cannot be sold", "vendor_id", vendorID,
				"shopify_product_id", p.ID, "shopify_variant_id", v.ID, "sku", v.SKU, "err", v.PriceErr.Error())
			continue
		}
		out.Variants = append(out.Variants, catalog.SyncedVariant{ShopifyVariantID: v.ID, ShopifyInventoryItemID: v.InventoryItemID,
			SKU: v.SKU, Title: v.Title, Price: v.Price, Available: v.Available})
	}
	return out
}

// OnConnected imports a store that was just connected.
func (s *Syncer) OnConnected(ctx context.Context, m queue.Meta, e vendors.ShopifyConnected) error {
	return s.Import(ctx, m, ImportJob{VendorID: e.VendorID})
}

// Import reads every product of the store and applies it.
func (s *Syncer) Import(ctx context.Context, _ queue.Meta, j ImportJob) error {
	_, _, err := s.readAll(ctx, j.VendorID)
	return err
}

// readAll applies every product of the store and returns how many changed
// and the ids Shopify has. The store is read with one bulk operation, not
// paged: paging a catalog hourly would spend the shop's cost bucket (shared
// by every call Trove makes to the store, hand-offs included) at about 800
// points a page; a bulk operation costs a few points whatever the size.
func (s *Syncer) readAll(ctx context.Context, vendorID string) (int, map[string]bool, error) {
	// Products are listed in every status (drafts and archived too), so an id
	// missing from the listing is really gone from the store. The bulk
	// operation reads the store after it starts: each product is at least as
	// new as readAt.
	readAt := s.clock.Now()
	var all []shopify.Product
	err := s.withToken(ctx, vendorID, func(shop, token string) (err error) {
		all, err = s.shopify.AllProducts(ctx, shop, token)
		return err
	})
	if err != nil {
		s.conns.RecordSync(ctx, vendorID, err)
		return 0, nil, err
	}
	seen := map[string]bool{}
	changed := 0
	for _, p := range all {
		seen[p.ID] = true
		ok, err := s.catalog.ApplyProduct(ctx, vendorID, synced(ctx, vendorID, p, readAt))
		if err != nil {
			return changed, nil, err
		}
		if ok {
			changed++
		}
	}
	return changed, seen, s.conns.RecordSync(ctx, vendorID, nil)
}

// OnSweep enqueues a reconciliation per connected store, each retried on its own.
func (s *Syncer) OnSweep(ctx context.Context, m queue.Meta, _ SweepJob) error {
	conns, err := s.conns.List(ctx, vendors.ConnConnected)
	if err != nil {
		return err
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, c := range conns {
			if _, err := s.queue.Enqueue(ctx, tx, ReconcileJob{VendorID: c.VendorID, Sweep: m.ID},
				queue.UniqueKey("reconcile:"+m.ID+":"+c.VendorID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reconcile finds and repairs drift: products changed or deleted in Shopify
// without a webhook reaching us. It reports what it changed in the log.
func (s *Syncer) Reconcile(ctx context.Context, _ queue.Meta, j ReconcileJob) error {
	// Deletions are stamped with the time the listing started: a product
	// created while we listed is newer than that, and the catalog keeps it.
	started := s.clock.Now()
	changed, seen, err := s.readAll(ctx, j.VendorID)
	if err != nil {
		return err
	}
	ours, err := s.catalog.SyncedIDs(ctx, j.VendorID)
	if err != nil {
		return err
	}
	deleted := 0
	for id := range ours {
		if seen[id] {
			continue
		}
		ok, err := s.catalog.ApplyDeletion(ctx, j.VendorID, id, started)
		if err != nil {
			return err
		}
		if ok {
			deleted++
		}
	}
	if changed+deleted > 0 {
		httpx.Logger(ctx).Info("shopify reconciliation repaired drift", "vendor_id", j.VendorID, "updated", changed, "deleted", deleted)
	}
	return nil
}

// payload is the part of Shopify's webhook bodies the follow-ups need.
type payload struct {
	ID              json.Number `json:"id"`
	GraphQLID       string      `json:"admin_graphql_api_id"`
	InventoryItemID json.Number `json:"inventory_item_id"`
}

// OnWebhook processes one recorded Shopify delivery.
func (s *Syncer) OnWebhook(ctx context.Context, _ queue.Meta, e webhooks.ShopifyEvent) error {
	return s.hooks.Follow(ctx, e.WebhookID, func(ev webhooks.Event) error { return s.process(ctx, ev) })
}

// process follows up a delivery. Ingress checked that the signed body names
// the same shop as the header where the topic's body carries one
// (app/uninstalled, compliance topics) and that the delivery is recent; for
// the other topics the shop header is still only a claim. So nothing here
// acts on the payload's word: catalog topics re-read the object from that
// shop with its own token (an object of another shop is simply not found
// there), and app/uninstalled and shop/redact erase nothing until Shopify
// confirms the app is gone (vendors.ConfirmUninstalled). Versions are the
// times our reads started, never the unsigned X-Shopify-Triggered-At.
func (s *Syncer) process(ctx context.Context, ev webhooks.Event) error {
	var p payload
	dec := json.NewDecoder(strings.NewReader(string(ev.Payload)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return queue.Permanent(fmt.Errorf("shopify %s payload: %w", ev.Topic, err))
	}
	switch ev.Topic {
	case "customers/redact", "shop/redact": // customers/data_request is fulfilment's (orders hold the data)
		return s.compliance(ctx, ev)
	case "app/uninstalled":
		return s.uninstalled(ctx, ev)
	}
	conn, err := s.conns.ByShop(ctx, ev.Account)
	if fault.Is(err, fault.KindNotFound) {
		return nil // not (or no longer) one of our stores: nothing to follow up
	}
	if err != nil {
		return err
	}
	vendorID := conn.VendorID
	switch ev.Topic {
	case "products/create", "products/update", "products/delete":
		id := p.GraphQLID
		if id == "" {
			if p.ID == "" {
				return queue.Permanent(fmt.Errorf("shopify %s payload names no product", ev.Topic))
			}
			id = "gid://shopify/Product/" + p.ID.String()
		}
		// A deletion too is only what the shop shows now: a product the
		// shop still has is applied, not deleted.
		return s.followProduct(ctx, vendorID, id)
	case "inventory_levels/update":
		if p.InventoryItemID == "" {
			return queue.Permanent(fmt.Errorf("shopify %s payload names no inventory item", ev.Topic))
		}
		item := "gid://shopify/InventoryItem/" + p.InventoryItemID.String()
		var productID string
		var found bool
		err := s.withToken(ctx, vendorID, func(shop, token string) (err error) {
			productID, found, err = s.shopify.ProductIDForInventoryItem(ctx, shop, token, item)
			return err
		})
		if err != nil || !found {
			return err
		}
		// Stock is summed over the store's locations, so re-read it rather
		// than trust the one location in the payload.
		prod, readAt, ok, err := s.readProduct(ctx, vendorID, productID)
		if err != nil || !ok {
			return err
		}
		for _, v := range prod.Variants {
			if v.InventoryItemID == item {
				_, err := s.catalog.ApplyStock(ctx, vendorID, item, v.Available, readAt)
				if fault.Is(err, fault.KindNotFound) {
					// A variant we have not seen yet: apply the whole product.
					_, err = s.catalog.ApplyProduct(ctx, vendorID, synced(ctx, vendorID, prod, readAt))
				}
				return err
			}
		}
		return nil
	default:
		return nil // a topic we did not subscribe to: recorded, nothing to do
	}
}

// readProduct re-reads a product and says when the read started.
func (s *Syncer) readProduct(ctx context.Context, vendorID, productID string) (shopify.Product, time.Time, bool, error) {
	var prod shopify.Product
	var found bool
	readAt := s.clock.Now()
	err := s.withToken(ctx, vendorID, func(shop, token string) (err error) {
		prod, found, err = s.shopify.Product(ctx, shop, token, productID)
		return err
	})
	return prod, readAt, found, err
}

// followProduct re-reads a product from Shopify and applies what it is now;
// a product the shop does not have (any more) is deleted as of the read
// (unless newer data says otherwise). Shopify's product ids are unique across
// shops, so a product of another shop named in a replayed body is not found
// here and touches nothing of this vendor's.
func (s *Syncer) followProduct(ctx context.Context, vendorID, productID string) error {
	prod, readAt, found, err := s.readProduct(ctx, vendorID, productID)
	if err != nil {
		return err
	}
	if !found {
		_, err := s.catalog.ApplyDeletion(ctx, vendorID, productID, readAt)
		return err
	}
	_, err = s.catalog.ApplyProduct(ctx, vendorID, synced(ctx, vendorID, prod, readAt))
	return err
}

// uninstalled follows app/uninstalled: the store's tokens are erased and it
// leaves the storefront once Shopify confirms the app is no longer installed
// (a token that still works says it is: a forged or late claim, and nothing
// is done). Either way the outcome goes to the audit log.
func (s *Syncer) uninstalled(ctx context.Context, ev webhooks.Event) error {
	check, err := s.conns.ConfirmUninstalled(ctx, ev.Account)
	if err != nil {
		return err // Shopify could not be asked: retry, never act
	}
	if check.Known && !check.Confirmed {
		httpx.Logger(ctx).Warn("shopify app/uninstalled not confirmed by Shopify: nothing done",
			"shop", ev.Account, "event_id", ev.EventID, "reason", check.Reason)
	}
	return s.audit(ctx, ev, map[string]any{"shop": ev.Account, "event_id": ev.EventID,
		"uninstall_confirmed": check.Confirmed, "tokens_erased": check.Erased, "reason": check.Reason})
}

// compliance follows customers/redact and shop/redact. A shop redaction
// erases what Trove holds about the store (its tokens), once Shopify
// confirms the app is no longer installed there. A customer redaction
// erases nothing: what Trove holds of a store's customers is in its own
// orders (recipient names and addresses its buyers gave it), which back
// payouts, invoices and refunds, and a store's request does not remove
// Trove's records (docs/shopify.md). Each is recorded in the audit log.
func (s *Syncer) compliance(ctx context.Context, ev webhooks.Event) error {
	outcome := map[string]any{"shop": ev.Account, "event_id": ev.EventID}
	switch ev.Topic {
	case "shop/redact":
		check, err := s.conns.ConfirmUninstalled(ctx, ev.Account)
		if err != nil {
			return err
		}
		outcome["uninstall_confirmed"], outcome["tokens_erased"], outcome["reason"] = check.Confirmed, check.Erased, check.Reason
	case "customers/redact":
		outcome["erased"] = false
		outcome["reason"] = "Trove's orders are its own records of its buyers' purchases (kept for payouts, invoices and refunds); a store's redaction does not remove them"
	}
	return s.audit(ctx, ev, outcome)
}

// audit records a store-level webhook's outcome, under the store's vendor.
func (s *Syncer) audit(ctx context.Context, ev webhooks.Event, outcome map[string]any) error {
	vendorID := ""
	if c, err := s.conns.ByShop(ctx, ev.Account); err == nil {
		vendorID = c.VendorID
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{At: s.clock.Now(), ActorType: audit.ActorProvider, ActorID: "shopify",
			VendorID: vendorID, Action: "shopify." + strings.ReplaceAll(ev.Topic, "/", "."), ObjectType: "webhook_event",
			ObjectID: strconv.FormatInt(ev.ID, 10), After: outcome})
	})
}

// Resync enqueues a reconciliation of a vendor's catalog with its store (the
// vendor's "re-sync" button): everything is re-read, and what Shopify no
// longer has is removed.
func (s *Syncer) Resync(ctx context.Context, vendorID string) error {
	if _, err := s.conns.Get(ctx, vendorID); err != nil {
		return err
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := s.queue.Enqueue(ctx, tx, ReconcileJob{VendorID: vendorID, Sweep: "manual"})
		return err
	})
}
