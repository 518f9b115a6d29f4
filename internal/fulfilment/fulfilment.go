// Package fulfilment is a vendor order's life after payment: the rules of how
// it moves (accepted, packed, shipped, delivered, cancelled) and its tracking,
// the hand-off to the vendor's Shopify store and the follow-up of Shopify's
// order and fulfillment webhooks, packing manifests (rendered as PDF, kept in
// the blob store behind short-lived links), the mail that goes with them, and
// the vendor and operator API. It owns one table, shopify_handoffs (each
// orderCreate sent, see OnHandOff); the vendor orders are written by
// internal/orders, with the order that makes them, and this package changes
// them through orders.Store.UpdateVendorOrder.
package fulfilment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/blob"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/mail"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/webhooks"
)

// Link lifetimes. A link from the API is used at once; the one in the
// vendor's new-order mail must survive until someone reads it, and points at
// a document with a recipient's address, so it is not kept longer.
const (
	DefaultLinkTTL = 15 * time.Minute
	MailLinkTTL    = 72 * time.Hour
)

// Config is what the Service needs besides its collaborators.
type Config struct {
	Platform  string        // the platform's name on manifests, "Trove"
	PublicURL string        // where users reach Trove, for links in mail
	LinkTTL   time.Duration // API download links; 0 = DefaultLinkTTL
	// HandOffSettle is how long after an orderCreate whose outcome is
	// unknown Shopify's order search must show the order if it was made;
	// 0 = DefaultHandOffSettle. See OnHandOff.
	HandOffSettle time.Duration
}

// Service runs fulfilment. Safe for concurrent use.
type Service struct {
	db      *sqlx.DB
	clock   clock.Clock
	queue   *queue.Queue
	orders  *orders.Store
	catalog *catalog.Store
	conns   *vendors.Connections
	shopify *shopify.Client
	hooks   *webhooks.Store
	blobs   blob.Store
	post    mail.Postman
	users   *auth.Service
	cfg     Config
	log     *slog.Logger
}

// Deps are the Service's collaborators.
type Deps struct {
	DB       *sqlx.DB
	Clock    clock.Clock
	Queue    *queue.Queue
	Orders   *orders.Store
	Catalog  *catalog.Store
	Conns    *vendors.Connections
	Shopify  *shopify.Client
	Webhooks *webhooks.Store
	Blobs    blob.Store
	Post     mail.Postman
	Users    *auth.Service
	Log      *slog.Logger
}

// New returns a Service.
func New(d Deps, cfg Config) *Service {
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = DefaultLinkTTL
	}
	if cfg.Platform == "" {
		cfg.Platform = "Trove"
	}
	if cfg.HandOffSettle <= 0 {
		cfg.HandOffSettle = DefaultHandOffSettle
	}
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d.DB, clock: d.Clock, queue: d.Queue, orders: d.Orders, catalog: d.Catalog, conns: d.Conns, shopify: d.Shopify,
		hooks: d.Webhooks, blobs: d.Blobs, post: d.Post, users: d.Users, cfg: cfg, log: log}
}

// HandOff hands one paid vendor order to its vendor's Shopify store.
// Enqueued once per vendor order (unique key fulfilment.handoff:<id>).
type HandOff struct {
	VendorOrderID string `json:"vendor_order_id"`
}

// Kind names the job.
func (HandOff) Kind() string { return "fulfilment.handoff" }

// VendorMail tells the vendor's team of a new paid vendor order, with a link
// to its packing manifest. Enqueued once per vendor order.
type VendorMail struct {
	VendorOrderID string `json:"vendor_order_id"`
}

// Kind names the job.
func (VendorMail) Kind() string { return "fulfilment.vendor_mail" }

// OnPaid is the orders.paid handler that starts fulfilment: one HandOff and
// one VendorMail per accepted vendor order, each a job of its own so one
// vendor's broken store never holds up another's.
func (s *Service) OnPaid(ctx context.Context, _ queue.Meta, p orders.Paid) error {
	o, err := s.orders.OrderByID(ctx, p.OrderID)
	if err != nil {
		return queue.PermanentIfNotFound(err)
	}
	return db.InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, vo := range o.VendorOrders {
			if vo.Status == orders.VendorOrderPending {
				continue
			}
			if _, err := s.queue.Enqueue(ctx, tx, HandOff{VendorOrderID: vo.ID}, queue.UniqueKey("fulfilment.handoff:"+vo.ID),
				queue.MaxAttempts(HandOffAttempts)); err != nil {
				return err
			}
			if _, err := s.queue.Enqueue(ctx, tx, VendorMail{VendorOrderID: vo.ID}, queue.UniqueKey("fulfilment.vendor_mail:"+vo.ID)); err != nil {
				return err
			}
		}
		return nil
	})
}

// newShopifyOrder is the vendor order in Shopify's terms: the lines still to
// send (what was refunded before the hand-off is left out), the recipient's
// address, the gift message as the order's note.
func (s *Service) newShopifyOrder(ctx context.Context, f orders.VendorOrder) (shopify.NewOrder, error) {
	ids := make([]string, 0, len(f.Lines))
	for _, l := range f.Lines {
		ids = append(ids, l.VariantID)
	}
	gids, err := s.catalog.ShopifyVariantIDs(ctx, ids)
	if err != nil {
		return shopify.NewOrder{}, err
	}
	in := shopify.NewOrder{Reference: f.ID, Note: f.GiftMessage, Currency: f.Subtotal.Currency,
		ShippingAddress: shippingAddress(f.Recipient)}
	for _, l := range f.Lines {
		q := l.Quantity - l.RefundedQuantity
		if q <= 0 {
			continue
		}
		gid, ok := gids[l.VariantID]
		if !ok {
			return shopify.NewOrder{}, queue.Permanent(fmt.Errorf("fulfilment: variant %s (%s) of vendor order %s is no longer in the catalog",
				l.VariantID, l.SKU, f.ID))
		}
		in.Lines = append(in.Lines, shopify.OrderLine{VariantID: gid, Quantity: q})
	}
	if len(in.Lines) == 0 {
		return shopify.NewOrder{}, queue.Permanent(fmt.Errorf("fulfilment: vendor order %s has nothing left to send", f.ID))
	}
	return in, nil
}

// shippingAddress splits the recipient's name at its last space: Shopify
// wants first and last names, and a gift recipient's name is one field.
func shippingAddress(r orders.Recipient) shopify.OrderAddress {
	a := shopify.OrderAddress{LastName: r.Name, City: r.City, ProvinceCode: r.Region, Zip: r.PostalCode, CountryCode: r.Country}
	for i := len(r.Name) - 1; i > 0; i-- {
		if r.Name[i] == ' ' {
			a.FirstName, a.LastName = r.Name[:i], r.Name[i+1:]
			break
		}
	}
	if len(r.AddressLines) > 0 {
		a.Address1 = r.AddressLines[0]
	}
	if len(r.AddressLines) > 1 {
		a.Address2 = r.AddressLines[1]
	}
	return a
}
