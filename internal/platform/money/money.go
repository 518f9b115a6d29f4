// Package money keeps amounts as integer minor units with an ISO 4217 currency,
// and splits them without losing or inventing a cent.
package money

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// Money is an amount in minor units (cents for USD) of one currency.
type Money struct {
	Amount   int64  `json:"amount" db:"amount"`
	Currency string `json:"currency" db:"currency"`
}

// New returns amount minor units of currency, or an error if the currency code is
// not three upper-case letters.
func New(amount int64, currency string) (Money, error) {
	if !ValidCurrency(currency) {
		return Money{}, fmt.Errorf("money: currency %q is not an ISO 4217 code (three upper-case letters)", currency)
	}
	return Money{Amount: amount, Currency: currency}, nil
}

// ValidCurrency reports whether c has the form of an ISO 4217 code.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// exponents lists the currencies whose minor unit is not 1/100 of the major unit.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Exponent returns how many decimal digits the currency's minor unit has.
func Exponent(currency string) int {
	if e, ok := exponents[currency]; ok {
		return e
	}
	return 2
}

// Add returns m+o; currencies must match and the sum must not overflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("money: cannot add %s to %s", o.Currency, m.Currency)
	}
	r := m.Amount + o.Amount // wraps on overflow, caught below
	if (m.Amount >= 0) == (o.Amount >= 0) && (r >= 0) != (m.Amount >= 0) {
		return Money{}, errors.New("money: sum overflows")
	}
	return Money{Amount: r, Currency: m.Currency}, nil
}

// String formats m as "USD 12.34" (or "JPY 1200", "USD -0.05").
func (m Money) String() string { return m.Currency + " " + m.Decimal() }

// Decimal formats the amount alone as a plain decimal number in the
// currency's units: "12.34", "1200", "-0.05". Exact: no floating point.
func (m Money) Decimal() string {
	exp := Exponent(m.Currency)
	a := m.Amount
	sign := ""
	u := uint64(a)
	if a < 0 {
		sign = "-"
		u = uint64(-a) // two's complement: correct for MinInt64 too
	}
	s := strconv.FormatUint(u, 10)
	if exp == 0 {
		return sign + s
	}
	for len(s) <= exp {
		s = "0" + s
	}
	return sign + s[:len(s)-exp] + "." + s[len(s)-exp:]
}

// Allocate splits amount into len(weights) parts proportional to weights, such
// that the parts sum to amount exactly. Each part gets the floor of its exact
// share; the cents left over go one each to the parts with the largest
// remainders, ties to the earlier part, so the result is deterministic.
// A negative amount (a refund, a debit) is split as its absolute value, negated.
// Weights must be non-negative with a positive sum.
func Allocate(amount int64, weights []int64) ([]int64, error) {
	if len(weights) == 0 {
		return nil, errors.New("money: allocate needs at least one weight")
	}
	var sum uint64
	for i, w := range weights {
		if w < 0 {
			return nil, fmt.Errorf("money: weight %d is negative (%d)", i, w)
		}
		var c uint64
		sum, c = bits.Add64(sum, uint64(w), 0)
		if c != 0 || sum > 1<<63-1 {
			return nil, errors.New("money: weights overflow")
		}
	}
	if sum == 0 {
		return nil, errors.New("money: weights sum to zero")
	}
	neg := amount < 0
	abs := uint64(amount)
	if neg {
		abs = uint64(-amount) // wraps correctly for MinInt64
	}

	parts := make([]uint64, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for i, w := range weights {
		// abs*w fits in 128 bits, and hi < sum because w <= sum, so Div64 cannot panic.
		hi, lo := bits.Mul64(abs, uint64(w))
		q, r := bits.Div64(hi, lo, sum)
		parts[i], rems[i] = q, r
		given += q
	}
	left := abs - given // fewer than len(weights) cents
	for left > 0 {
		best := -1
		for i := range parts {
			if weights[i] == 0 || rems[i] == 0 {
				continue
			}
			if best < 0 || rems[i] > rems[best] {
				best = i
			}
		}
		parts[best]++
		rems[best] = 0
		left--
	}

	out := make([]int64, len(parts))
	for i, p := range parts {
		if neg {
			out[i] = -int64(p)
		} else {
			out[i] = int64(p)
		}
	}
	return out, nil
}
