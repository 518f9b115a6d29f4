package stripe

import (
	"testing"

	stripego "github.com/stripe/stripe-go/v76"

	"github.com/trove-platform/trove/internal/platform/money"
)

func TestStripeAmounts(t *testing.T) {
	tests := []struct {
		in       money.Money
		amount   int64
		currency string
	}{
		{money.Money{Amount: 4250, Currency: "USD"}, 4250, "usd"},
		{money.Money{Amount: 1200, Currency: "JPY"}, 1200, "jpy"},
		{money.Money{Amount: 5, Currency: "ISK"}, 500, "isk"}, // zero-decimal, sent with two decimals
		{money.Money{Amount: 1000, Currency: "UGX"}, 100000, "ugx"},
		{money.Money{Amount: 12340, Currency: "KWD"}, 12340, "kwd"},
	}
	for _, tc := range tests {
		a, c, err := toStripeAmount(tc.in)
		if err != nil || a != tc.amount || c != tc.currency {
			t.Errorf("toStripeAmount(%s) = %d %s %v, want %d %s", tc.in, a, c, err, tc.amount, tc.currency)
		}
		if back, err := fromStripeAmount(a, stripego.Currency(c)); err != nil || back != tc.in {
			t.Errorf("fromStripeAmount(%d, %s) = %s, %v, want %s", a, c, back, err, tc.in)
		}
	}
	if _, _, err := toStripeAmount(money.Money{Amount: 1, Currency: "usd"}); err == nil {
		t.Error("lower-case currency accepted")
	}
}
