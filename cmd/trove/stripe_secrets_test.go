package main

import (
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// TestStripeWebhookPayloadsKeepNoSecrets: the sandbox Stripe's events carry
// the PaymentIntent as Stripe sends it, client_secret included; what
// webhook_events keeps of them (for 30 days) holds no secret, and the
// payment still goes through.
func TestStripeWebhookPayloadsKeepNoSecrets(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	p.connectStores(t, p.vendorA.ID)
	variantID := p.listVariant(t, p.vendorA.ID, "11", "Candle", 2500, 10)
	s, sb, sbURL := stripeWorld(t, dsn)

	g, orderID, intentID, secret := checkoutGuest(t, s, item{variantID, 1})
	confirm(t, sbURL, intentID, secret, "pm_card_visa")
	waitUntil(t, "the order paid", func() bool { return g.orderStatus(orderID) == "paid" })
	sb.WaitDeliveries()

	sent := 0
	for _, d := range sb.Deliveries() {
		if strings.Contains(string(d.Payload), secret) {
			sent++
		}
	}
	if sent == 0 {
		t.Fatal("no event the sandbox sent carries the client secret: the test proves nothing")
	}
	var payloads []string
	if err := p.db.Select(&payloads, `SELECT payload FROM webhook_events WHERE provider = 'stripe'`); err != nil || len(payloads) == 0 {
		t.Fatalf("%d stored events (%v)", len(payloads), err)
	}
	naming := 0
	for _, pl := range payloads {
		if strings.Contains(pl, "client_secret") || strings.Contains(pl, "_secret_") || strings.Contains(pl, secret) {
			t.Fatalf("a stored Stripe event keeps a secret: %.400s", pl)
		}
		if strings.Contains(pl, `"id":"`+intentID+`"`) {
			naming++
		}
	}
	if naming == 0 {
		t.Fatal("no stored event names the payment intent any more")
	}
}
