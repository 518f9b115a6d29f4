package fulfilment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/shopify"
	"github.com/trove-platform/trove/internal/webhooks"
)

// HandlesTopic reports whether a Shopify webhook topic is fulfilment's to
// follow up (the rest are the catalog sync's): the order topics, and
// customers/data_request, since what Trove holds about a store's customers
// is in the vendor orders it handed to the store (compliance.go).
func HandlesTopic(topic string) bool {
	switch topic {
	case shopify.TopicOrdersUpdated, shopify.TopicOrdersCancelled, shopify.TopicFulfillmentsCreate, shopify.TopicFulfillmentsUpdate,
		shopify.TopicCustomersDataRequest:
		return true
	}
	return false
}

// OnShopifyWebhook follows up one recorded order or fulfillment delivery.
// Deliveries come late, twice and out of order, so the payload only says
// which order to look at: the order is re-read from Shopify and the vendor
// order moved to what Shopify shows now. A move the vendor order has passed
// already (a late delivery, or the vendor was quicker in Trove) changes
// nothing. Orders that are not Trove's (the vendor's own shop sales) are
// ignored.
func (s *Service) OnShopifyWebhook(ctx context.Context, _ queue.Meta, e webhooks.ShopifyEvent) error {
	return s.hooks.Follow(ctx, e.WebhookID, func(ev webhooks.Event) error { return s.follow(ctx, ev) })
}

func (s *Service) follow(ctx context.Context, ev webhooks.Event) error {
	if ev.Topic == shopify.TopicCustomersDataRequest {
		return s.dataRequest(ctx, ev)
	}
	var p struct {
		ID      json.Number `json:"id"`
		OrderID json.Number `json:"order_id"`
	}
	dec := json.NewDecoder(strings.NewReader(string(ev.Payload)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return queue.Permanent(fmt.Errorf("shopify %s payload: %w", ev.Topic, err))
	}
	orderNum := p.ID
	if strings.HasPrefix(ev.Topic, "fulfillments/") {
		orderNum = p.OrderID
	}
	n, err := orderNum.Int64()
	if err != nil || n <= 0 {
		return queue.Permanent(fmt.Errorf("shopify %s payload has no order id", ev.Topic))
	}
	conn, err := s.conns.ByShop(ctx, ev.Account)
	if fault.Is(err, fault.KindNotFound) {
		return nil // not (or no longer) one of our stores
	}
	if err != nil {
		return err
	}
	f, err := s.orders.VendorOrderByShopifyOrder(ctx, conn.VendorID, shopify.OrderGID(n))
	if fault.Is(err, fault.KindNotFound) {
		return nil // not a Trove order
	}
	if err != nil {
		return err
	}
	var o shopify.Order
	var found bool
	err = s.conns.WithToken(ctx, f.VendorID, func(shop, token string) (err error) {
		o, found, err = s.shopify.Order(ctx, shop, token, shopify.OrderGID(n))
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return nil // deleted in Shopify: what Trove knows stands
	}
	u, ok := updateOf(o)
	if !ok {
		return nil
	}
	_, _, err = s.Move(ctx, "", f.ID, u, orders.Actor{Type: audit.ActorSystem, ID: "shopify"})
	if errors.Is(err, ErrIllegalTransition) {
		// Trove is ahead (delivered by the vendor's word, say) or Shopify
		// cancelled an order already shipped: keep what Trove has.
		s.log.InfoContext(ctx, "fulfilment: a Shopify update does not apply", "vendor_order_id", f.ID, "reason", err.Error())
		return nil
	}
	return err
}

// updateOf is the move a Shopify order shows: cancelled; delivered when a
// fulfillment was delivered; shipped when one succeeded; else none. The
// tracking is the latest successful fulfillment's.
func updateOf(o shopify.Order) (StatusUpdate, bool) {
	if o.CancelledAt != nil {
		return StatusUpdate{Status: orders.VendorOrderCancelled}, true
	}
	var latest *shopify.Fulfillment
	delivered := false
	for i := range o.Fulfillments {
		fl := &o.Fulfillments[i]
		if fl.Status != "SUCCESS" {
			continue
		}
		if fl.DisplayStatus == "DELIVERED" {
			delivered = true
		}
		if latest == nil || !fl.CreatedAt.Before(latest.CreatedAt) {
			latest = fl
		}
	}
	if latest == nil {
		return StatusUpdate{}, false
	}
	u := StatusUpdate{Status: orders.VendorOrderShipped,
		Tracking: orders.Tracking{Carrier: clip(latest.Carrier, 100), Number: clip(latest.TrackingNumber, 100)}}
	// What the vendor's store holds is not checked by Shopify the way Trove
	// checks its own input: keep only what Trove can show.
	if url := latest.TrackingURL; len(url) <= 1000 && (strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) {
		u.Tracking.URL = url
	}
	if delivered {
		u.Status = orders.VendorOrderDelivered
	}
	return u, true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
