package subscriptions_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/subscriptions"
)

// TestSubscriptionPriceBounds: each period of a plan is one Stripe charge, so
// bundle price x recipients must be at most money.MaxAmount. A bundle priced
// at 2^31 (stored before prices were bounded) once made plans booking
// millions a period; now such a plan is refused with the field named, and
// nothing is written here or in Stripe.
func TestSubscriptionPriceBounds(t *testing.T) {
	f := newSubFixture(t)
	setPrice := func(amount int64) {
		f.exec(`UPDATE bundles SET price_amount = ? WHERE id = ?`, amount, f.bundle)
	}
	tests := []struct {
		name       string
		price      int64
		recipients []string
		field      string // "" when the plan is made
	}{
		{"a bundle at 2^31", 1 << 31, []string{"Ann"}, "bundle_id"},
		{"a bundle at the largest int64", math.MaxInt64, []string{"Ann"}, "bundle_id"},
		{"a bundle past the bound by one", money.MaxAmount + 1, []string{"Ann"}, "bundle_id"},
		{"two recipients at the bound", money.MaxAmount, []string{"Ann", "Ben"}, "recipients"},
		{"fifty recipients at 2^31 / 50", (1 << 31) / 50, recipients50(), "recipients"},
		{"one recipient at the bound", money.MaxAmount, []string{"Ann"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setPrice(tc.price)
			before := f.count(`SELECT COUNT(*) FROM subscriptions`)
			f.sb.WaitDeliveries()
			events := len(f.sb.Deliveries())
			res, err := f.subs.Subscribe(f.ctx, f.corp, subscriptions.SubscribeInput{BundleID: f.bundle, Interval: "monthly",
				Recipients: recipients(tc.recipients...)})
			if tc.field == "" {
				if err != nil || res.Subscription.Amount != usd(tc.price) {
					t.Fatalf("%+v %v", res, err)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != tc.field ||
				!strings.Contains(fe.Fields[0].Message, "999999.99") && tc.field == "recipients" {
				t.Fatalf("got %+v, %v; want 400 on %s", res, err, tc.field)
			}
			// The row comes before any Stripe call: none written, none made.
			f.sb.WaitDeliveries()
			if n := f.count(`SELECT COUNT(*) FROM subscriptions`); n != before || len(f.sb.Deliveries()) != events {
				t.Fatalf("a refused plan wrote %d rows and made %d Stripe events", n-before, len(f.sb.Deliveries())-events)
			}
		})
	}
}

func recipients50() []string {
	out := make([]string, 50)
	for i := range out {
		out[i] = "Recipient " + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	return out
}
