// Package money keeps amounts as integer minor units with an ISO 4217 currency,
// splits them without losing or inventing a cent, and bounds them.
//
// # The one bound
//
// Every single figure that enters Trove — a price (a Shopify variant's, a
// bundle's), a charge (an order's total, a plan's amount per period), a
// refund, an operator's ledger adjustment, an amount Stripe reports — is at
// most MaxAmount minor units in size: 99,999,999, which is Stripe's own
// ceiling for one charge (eight digits: 999,999.99 USD). Incoming,
// CheckIncoming and ParseDecimal hold amounts to it; callers add their own
// sign rule (a price is not negative, a refund is positive).
//
// Sums of many figures (a vendor's balance, a payout, a bill, a report) may be
// larger than MaxAmount, up to what an int64 holds. They are computed with the
// checked helpers of this package (Add, Sub, Mul, Sum, Tally, MulDivRound and
// the Money methods), which answer ErrOverflow instead of wrapping around.
// Domain code does not add or multiply amounts with the bare operators: a
// wrapped sum turns a huge balance into a huge debt without a sound.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// MaxAmount is the largest size, in minor units, of one amount that enters
// Trove (see the package comment): Stripe's ceiling for one charge. (ISK and
// UGX, which Stripe takes with two extra zero decimals, reach Stripe's ceiling
// a hundred times sooner: Stripe itself refuses those charges.)
const MaxAmount int64 = 99_999_999

var (
	// ErrOverflow: a sum, difference or product does not fit in an int64.
	ErrOverflow = errors.New("money: the result is too large to hold")
	// ErrOutOfRange: an incoming amount is beyond ±MaxAmount.
	ErrOutOfRange = fmt.Errorf("money: the amount is beyond %d minor units, the most one amount may be", MaxAmount)
	// ErrCurrencyMismatch: two amounts of different currencies were combined.
	ErrCurrencyMismatch = errors.New("money: the currencies differ")
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
		return Money{}, fmt.Errorf("%w: cannot add %s to %s", ErrCurrencyMismatch, o.Currency, m.Currency)
	}
	r, err := Add(m.Amount, o.Amount)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: r, Currency: m.Currency}, nil
}

// Sub returns m-o; currencies must match and the difference must not overflow.
func (m Money) Sub(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("%w: cannot take %s from %s", ErrCurrencyMismatch, o.Currency, m.Currency)
	}
	r, err := Sub(m.Amount, o.Amount)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: r, Currency: m.Currency}, nil
}

// Mul returns m times q (a quantity), refusing an overflow.
func (m Money) Mul(q int64) (Money, error) {
	r, err := Mul(m.Amount, q)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: r, Currency: m.Currency}, nil
}

// Add returns a+b in minor units, or ErrOverflow.
func Add(a, b int64) (int64, error) {
	if (b > 0 && a > math.MaxInt64-b) || (b < 0 && a < math.MinInt64-b) {
		return 0, ErrOverflow
	}
	return a + b, nil
}

// Sub returns a-b in minor units, or ErrOverflow.
func Sub(a, b int64) (int64, error) {
	if (b < 0 && a > math.MaxInt64+b) || (b > 0 && a < math.MinInt64+b) {
		return 0, ErrOverflow
	}
	return a - b, nil
}

// Mul returns a×q (an amount times a quantity, or two factors of any sign),
// or ErrOverflow.
func Mul(a, q int64) (int64, error) {
	if a == 0 || q == 0 {
		return 0, nil
	}
	hi, lo := bits.Mul64(magnitude(a), magnitude(q))
	if hi != 0 {
		return 0, ErrOverflow
	}
	if (a < 0) != (q < 0) {
		if lo > 1<<63 {
			return 0, ErrOverflow
		}
		return -int64(lo), nil // lo == 1<<63 gives MinInt64, as wanted
	}
	if lo > math.MaxInt64 {
		return 0, ErrOverflow
	}
	return int64(lo), nil
}

// Sum adds amounts, or answers ErrOverflow as soon as a partial sum leaves the
// int64 range (even if later terms would bring it back): it never wraps.
func Sum(amounts ...int64) (int64, error) {
	var t Tally
	for _, a := range amounts {
		t.Add(a)
	}
	return t.Total()
}

// Tally sums amounts one at a time and keeps the first overflow, so a loop
// adds without checking at every step and checks once at the end. The zero
// Tally is an empty sum.
type Tally struct {
	sum int64
	err error
}

// Add adds a to the tally (nothing, once it has overflowed).
func (t *Tally) Add(a int64) {
	if t.err == nil {
		t.sum, t.err = Add(t.sum, a)
	}
}

// Total is the sum so far, or ErrOverflow if any step overflowed.
func (t *Tally) Total() (int64, error) {
	if t.err != nil {
		return 0, t.err
	}
	return t.sum, nil
}

// MulDivRound returns a×num/den rounded to the nearest minor unit, halves
// away from zero (so 12345 at 1500/10000 is 1852), with the product held in
// 128 bits so that it cannot overflow; only a result beyond int64 is
// ErrOverflow. num must not be negative and den must be positive.
func MulDivRound(a, num, den int64) (int64, error) {
	if num < 0 || den <= 0 {
		return 0, fmt.Errorf("money: cannot take %d/%d of an amount", num, den)
	}
	hi, lo := bits.Mul64(magnitude(a), uint64(num))
	var c uint64
	lo, c = bits.Add64(lo, uint64(den/2), 0)
	hi += c // hi < 2^63 after a 64x63-bit product: no carry out
	if hi >= uint64(den) {
		return 0, ErrOverflow // the quotient needs more than 64 bits
	}
	q, _ := bits.Div64(hi, lo, uint64(den))
	if a < 0 {
		if q > 1<<63 {
			return 0, ErrOverflow
		}
		return -int64(q), nil
	}
	if q > math.MaxInt64 {
		return 0, ErrOverflow
	}
	return int64(q), nil
}

// magnitude is |a| as an unsigned number (right for MinInt64 too).
func magnitude(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // two's complement: -MinInt64 wraps to 1<<63, its true size
	}
	return uint64(a)
}

// InRange reports whether a is within ±MaxAmount: an amount that may enter.
func InRange(a int64) bool { return a >= -MaxAmount && a <= MaxAmount }

// Incoming returns amount minor units of currency as an amount entering
// Trove: the currency must be an ISO 4217 code and the amount within
// ±MaxAmount (ErrOutOfRange). The sign is the caller's rule.
func Incoming(amount int64, currency string) (Money, error) {
	m, err := New(amount, currency)
	if err != nil {
		return Money{}, err
	}
	if !InRange(amount) {
		return Money{}, fmt.Errorf("%w: %s", ErrOutOfRange, m)
	}
	return m, nil
}

// CheckIncoming records on f what is wrong with m as an amount entering
// Trove through the request field named field (a JSON object {amount,
// currency}): field+".currency" when it is not an ISO 4217 code, and
// field+".amount" when the amount is below least or above MaxAmount. least
// is the caller's sign rule: 1 for a positive amount, 0 for one that may be
// free, -MaxAmount for either sign. It reports whether m passed.
func CheckIncoming(f *fault.Fields, field string, m Money, least int64) bool {
	ok := true
	if !ValidCurrency(m.Currency) {
		f.Add(field+".currency", "must be an ISO 4217 code such as USD")
		ok = false
	}
	least = max(least, -MaxAmount)
	if m.Amount < least || m.Amount > MaxAmount {
		msg := fmt.Sprintf("must be from %d to %d minor units", least, MaxAmount)
		if ValidCurrency(m.Currency) {
			msg += fmt.Sprintf(" (%s to %s %s)", Money{Amount: least, Currency: m.Currency}.Decimal(),
				Money{Amount: MaxAmount, Currency: m.Currency}.Decimal(), m.Currency)
		}
		f.Add(field+".amount", "%s", msg)
		ok = false
	}
	return ok
}

// ParseDecimal reads a plain decimal number of currency's major units, as
// providers write prices ("12.50", "1200", "3.5", "-0.05"), as exact minor
// units: no float is involved. Digits beyond the currency's exponent must be
// zeros ("12.500" is 1250 cents; "12.505" is an error, not a rounding). The
// amount must be within ±MaxAmount (ErrOutOfRange): a figure past the bound
// is refused before it can be stored or summed.
func ParseDecimal(s, currency string) (Money, error) {
	if !ValidCurrency(currency) {
		return Money{}, fmt.Errorf("money: currency %q is not an ISO 4217 code", currency)
	}
	exp := Exponent(currency)
	num, neg := strings.TrimSpace(s), false
	if rest, ok := strings.CutPrefix(num, "-"); ok {
		num, neg = rest, true
	}
	whole, frac, dot := strings.Cut(num, ".")
	if whole == "" || !allDigits(whole) || (dot && (frac == "" || !allDigits(frac))) {
		return Money{}, fmt.Errorf("money: %q is not a decimal number", s)
	}
	if len(frac) > exp {
		if strings.Trim(frac[exp:], "0") != "" {
			return Money{}, fmt.Errorf("money: %q has more decimals than %s allows (%d)", s, currency, exp)
		}
		frac = frac[:exp]
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return Money{Amount: 0, Currency: currency}, nil
	}
	// Counting digits first keeps a long string from reaching ParseInt.
	if len(digits) > len(strconv.FormatInt(MaxAmount, 10)) {
		return Money{}, fmt.Errorf("%w: %q %s", ErrOutOfRange, s, currency)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return Money{}, fmt.Errorf("money: %q: %w", s, err)
	}
	if neg {
		n = -n
	}
	if !InRange(n) {
		return Money{}, fmt.Errorf("%w: %q %s", ErrOutOfRange, s, currency)
	}
	return Money{Amount: n, Currency: currency}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
