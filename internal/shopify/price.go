package shopify

import (
	"fmt"
	"strings"

	"github.com/trove-platform/trove/internal/platform/money"
)

// ParsePrice converts a decimal amount as Shopify writes it ("12.50", "1200",
// "3.5") to integer minor units of currency, exactly: no floats. Digits beyond
// the currency's exponent must be zeros ("12.500" is 1250 cents; "12.505" is an
// error, not a rounding). Negative amounts are refused, and so is a price
// beyond money.MaxAmount (the error wraps money.ErrOutOfRange): Trove could
// not charge it, and must not store or sum it.
func ParsePrice(s, currency string) (money.Money, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return money.Money{}, fmt.Errorf("shopify: price %q is not a non-negative decimal", s)
	}
	m, err := money.ParseDecimal(s, currency)
	if err != nil {
		return money.Money{}, fmt.Errorf("shopify: price: %w", err)
	}
	return m, nil
}
