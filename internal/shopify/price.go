package shopify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trove-platform/trove/internal/platform/money"
)

// ParsePrice converts a decimal amount as Shopify writes it ("12.50", "1200",
// "3.5") to integer minor units of currency, exactly: no floats. Digits beyond
// the currency's exponent must be zeros ("12.500" is 1250 cents; "12.505" is an
// error, not a rounding). Negative amounts are refused.
func ParsePrice(s, currency string) (money.Money, error) {
	if !money.ValidCurrency(currency) {
		return money.Money{}, fmt.Errorf("shopify: price currency %q is not an ISO 4217 code", currency)
	}
	exp := money.Exponent(currency)
	whole, frac, dot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || !allDigits(whole) || (dot && (frac == "" || !allDigits(frac))) {
		return money.Money{}, fmt.Errorf("shopify: price %q is not a non-negative decimal", s)
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return money.Money{}, fmt.Errorf("shopify: price %q has more decimals than %s allows (%d)", s, currency, exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return money.Money{Amount: 0, Currency: currency}, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return money.Money{}, fmt.Errorf("shopify: price %q is too large", s)
	}
	return money.Money{Amount: n, Currency: currency}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
