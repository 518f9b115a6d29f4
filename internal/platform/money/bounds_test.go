package money

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// edgy draws int64s with most of the weight near the ends of the range and
// near ±MaxAmount, where overflow and bound mistakes live.
func edgy() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64(),
		rapid.Int64Range(math.MaxInt64-1<<20, math.MaxInt64),
		rapid.Int64Range(math.MinInt64, math.MinInt64+1<<20),
		rapid.Int64Range(MaxAmount-1000, MaxAmount+1000),
		rapid.Int64Range(-MaxAmount-1000, -MaxAmount+1000),
		rapid.Int64Range(-1000, 1000),
		rapid.Int64Range(math.MaxInt64/2-1000, math.MaxInt64/2+1000),
		rapid.SampledFrom([]int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, MaxAmount, -MaxAmount}),
	)
}

var minInt, maxInt = big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)

func fits(b *big.Int) bool { return b.Cmp(minInt) >= 0 && b.Cmp(maxInt) <= 0 }

// exact checks a checked operation's answer against arbitrary precision: the
// true value when it fits an int64, else ErrOverflow; never a wrapped number.
func exact(t *rapid.T, what string, got int64, err error, want *big.Int) {
	if fits(want) {
		if err != nil || got != want.Int64() {
			t.Fatalf("%s = %d, %v; want %s", what, got, err, want)
		}
		return
	}
	if !errors.Is(err, ErrOverflow) {
		t.Fatalf("%s = %d, %v; want ErrOverflow (the true value %s does not fit)", what, got, err, want)
	}
}

func TestCheckedArithmeticNeverWraps(t *testing.T) {
	t.Run("Add", rapid.MakeCheck(func(t *rapid.T) {
		a, b := edgy().Draw(t, "a"), edgy().Draw(t, "b")
		got, err := Add(a, b)
		exact(t, "Add", got, err, new(big.Int).Add(big.NewInt(a), big.NewInt(b)))
	}))
	t.Run("Sub", rapid.MakeCheck(func(t *rapid.T) {
		a, b := edgy().Draw(t, "a"), edgy().Draw(t, "b")
		got, err := Sub(a, b)
		exact(t, "Sub", got, err, new(big.Int).Sub(big.NewInt(a), big.NewInt(b)))
	}))
	t.Run("Mul", rapid.MakeCheck(func(t *rapid.T) {
		a := edgy().Draw(t, "a")
		q := rapid.OneOf(edgy(), rapid.Int64Range(-2000, 2000)).Draw(t, "q")
		got, err := Mul(a, q)
		exact(t, "Mul", got, err, new(big.Int).Mul(big.NewInt(a), big.NewInt(q)))
	}))
	t.Run("Sum and Tally refuse any partial sum that overflows", rapid.MakeCheck(func(t *rapid.T) {
		xs := rapid.SliceOfN(edgy(), 0, 20).Draw(t, "xs")
		want, overflowed := new(big.Int), false
		for _, x := range xs {
			want.Add(want, big.NewInt(x))
			overflowed = overflowed || !fits(want)
		}
		got, err := Sum(xs...)
		if overflowed {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("Sum(%v) = %d, %v; want ErrOverflow", xs, got, err)
			}
			return
		}
		exact(t, "Sum", got, err, want)
	}))
	t.Run("MulDivRound", rapid.MakeCheck(func(t *rapid.T) {
		a := edgy().Draw(t, "a")
		num := rapid.OneOf(rapid.Int64Range(0, 10_000), rapid.Int64Range(0, math.MaxInt64)).Draw(t, "num")
		den := rapid.OneOf(rapid.Int64Range(1, 10_000), rapid.Int64Range(1, math.MaxInt64)).Draw(t, "den")
		got, err := MulDivRound(a, num, den)
		// Round half away from zero: sign(a) × floor((|a|×num + den/2) / den).
		p := new(big.Int).Mul(new(big.Int).Abs(big.NewInt(a)), big.NewInt(num))
		p.Add(p, big.NewInt(den/2))
		p.Quo(p, big.NewInt(den))
		if a < 0 {
			p.Neg(p)
		}
		exact(t, "MulDivRound", got, err, p)
	}))
}

func TestMoneyMethodsAreChecked(t *testing.T) {
	usd := func(a int64) Money { return Money{Amount: a, Currency: "USD"} }
	if _, err := usd(math.MaxInt64).Add(usd(1)); !errors.Is(err, ErrOverflow) {
		t.Errorf("Add: %v", err)
	}
	if _, err := usd(math.MinInt64).Sub(usd(1)); !errors.Is(err, ErrOverflow) {
		t.Errorf("Sub: %v", err)
	}
	if _, err := usd(1).Sub(Money{Amount: 1, Currency: "EUR"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sub across currencies: %v", err)
	}
	if _, err := usd(1 << 31).Mul(1 << 32); !errors.Is(err, ErrOverflow) {
		t.Errorf("Mul: %v", err)
	}
	if got, err := usd(1999).Mul(3); err != nil || got != usd(5997) {
		t.Errorf("Mul: %v, %v", got, err)
	}
	if _, err := MulDivRound(1, -1, 10); err == nil {
		t.Error("a negative numerator must be refused")
	}
	if _, err := MulDivRound(1, 1, 0); err == nil {
		t.Error("a zero denominator must be refused")
	}
	var tl Tally
	tl.Add(math.MaxInt64)
	tl.Add(1)
	tl.Add(-10) // too late: the tally stays overflowed
	if _, err := tl.Total(); !errors.Is(err, ErrOverflow) {
		t.Errorf("Tally: %v", err)
	}
}

// TestAllocateNearTheLimits: whatever the amount and weights (any int64
// amount, weights whose sum fits), the parts sum back to the amount exactly,
// each is within one minor unit of its exact share, and none has the wrong
// sign.
func TestAllocateNearTheLimits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := edgy().Draw(t, "amount")
		weight := rapid.OneOf(rapid.Int64Range(0, 10), rapid.Int64Range(0, math.MaxInt64),
			rapid.Int64Range(math.MaxInt64/4, math.MaxInt64/2), rapid.Int64Range(0, MaxAmount))
		weights := rapid.SliceOfN(weight, 1, 8).Draw(t, "weights")
		wsum := new(big.Int)
		for _, w := range weights {
			wsum.Add(wsum, big.NewInt(w))
		}
		parts, err := Allocate(amount, weights)
		if wsum.Sign() == 0 || !fits(wsum) {
			if err == nil {
				t.Fatalf("Allocate(%d, %v) = %v; want an error (weights sum to %s)", amount, weights, parts, wsum)
			}
			return
		}
		if err != nil {
			t.Fatalf("Allocate(%d, %v): %v", amount, weights, err)
		}
		total := new(big.Int)
		for i, p := range parts {
			total.Add(total, big.NewInt(p))
			if (amount >= 0 && p < 0) || (amount < 0 && p > 0) {
				t.Fatalf("part %d = %d has the wrong sign for %d", i, p, amount)
			}
			// |p - amount×w/wsum| < 1, in exact rationals.
			share := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(amount), big.NewInt(weights[i])), wsum)
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(p), share)
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d is a minor unit or more from its share %s", i, p, share.FloatString(3))
			}
		}
		if total.Cmp(big.NewInt(amount)) != 0 {
			t.Fatalf("Allocate(%d, %v) = %v sums to %s", amount, weights, parts, total)
		}
	})
}

func TestIncoming(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		want     error // nil: accepted
	}{
		{0, "USD", nil},
		{MaxAmount, "USD", nil},
		{-MaxAmount, "USD", nil},
		{MaxAmount + 1, "USD", ErrOutOfRange},
		{-MaxAmount - 1, "USD", ErrOutOfRange},
		{1 << 31, "USD", ErrOutOfRange},
		{math.MaxInt64, "USD", ErrOutOfRange},
		{math.MinInt64, "USD", ErrOutOfRange},
		{1, "usd", errors.New("currency")},
	} {
		m, err := Incoming(tc.amount, tc.currency)
		switch {
		case tc.want == nil && (err != nil || m != (Money{tc.amount, tc.currency})):
			t.Errorf("Incoming(%d, %s) = %v, %v", tc.amount, tc.currency, m, err)
		case tc.want == ErrOutOfRange && !errors.Is(err, ErrOutOfRange):
			t.Errorf("Incoming(%d, %s): %v, want ErrOutOfRange", tc.amount, tc.currency, err)
		case tc.want != nil && err == nil:
			t.Errorf("Incoming(%d, %s) must be refused", tc.amount, tc.currency)
		}
	}
}

func TestCheckIncoming(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      Money
		least  int64
		fields []string // the fields named, in order
		words  string   // part of the first message
	}{
		{"a positive price", Money{1999, "USD"}, 1, nil, ""},
		{"the bound itself", Money{MaxAmount, "USD"}, 1, nil, ""},
		{"one past the bound", Money{MaxAmount + 1, "USD"}, 1, []string{"price.amount"}, "0.01 to 999999.99 USD"},
		{"2^31", Money{1 << 31, "USD"}, 1, []string{"price.amount"}, "from 1 to 99999999 minor units"},
		{"the largest int64, signed", Money{math.MaxInt64, "USD"}, -MaxAmount, []string{"price.amount"}, "-999999.99 to 999999.99"},
		{"the smallest int64, signed", Money{math.MinInt64, "JPY"}, -MaxAmount, []string{"price.amount"}, "-99999999 to 99999999 JPY"},
		{"zero where positive", Money{0, "USD"}, 1, []string{"price.amount"}, "from 1"},
		{"zero where free is fine", Money{0, "USD"}, 0, nil, ""},
		{"a bad currency and amount", Money{-5, "usd"}, 1, []string{"price.amount", "price.currency"}, "minor units"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fault.Fields
			ok := CheckIncoming(&f, "price", tc.m, tc.least)
			err := f.Err()
			if ok != (err == nil) {
				t.Fatalf("ok = %v but error %v", ok, err)
			}
			var fe *fault.Error
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid || len(fe.Fields) != len(tc.fields) {
				t.Fatalf("got %v, want fields %v", err, tc.fields)
			}
			for i, want := range tc.fields {
				if fe.Fields[i].Field != want {
					t.Errorf("field %d = %s, want %s", i, fe.Fields[i].Field, want)
				}
			}
			if !strings.Contains(fe.Fields[0].Message, tc.words) {
				t.Errorf("message %q does not say %q", fe.Fields[0].Message, tc.words)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		err          error // nil: accepted; ErrOutOfRange; or any other error
	}{
		{"12.50", "USD", 1250, nil},
		{"12.5", "USD", 1250, nil},
		{" 3.10 ", "USD", 310, nil},
		{"-0.05", "USD", -5, nil},
		{"12.500", "USD", 1250, nil},
		{"1200", "JPY", 1200, nil},
		{"1.234", "KWD", 1234, nil},
		{"999999.99", "USD", MaxAmount, nil},
		{"-999999.99", "USD", -MaxAmount, nil},
		{"000000000000000000000999999.99", "USD", MaxAmount, nil},
		{"1000000.00", "USD", 0, ErrOutOfRange},
		{"21474836.48", "USD", 0, ErrOutOfRange},
		{"92233720368547758.07", "USD", 0, ErrOutOfRange},
		{"92233720368547758.08", "USD", 0, ErrOutOfRange},
		{"99999999999999999999999999999", "USD", 0, ErrOutOfRange},
		{"100000000", "JPY", 0, ErrOutOfRange},
		{"12.505", "USD", 0, errors.New("")},
		{"1200.5", "JPY", 0, errors.New("")},
		{"+1.00", "USD", 0, errors.New("")},
		{"--1", "USD", 0, errors.New("")},
		{"", "USD", 0, errors.New("")},
		{"-", "USD", 0, errors.New("")},
		{"1e3", "USD", 0, errors.New("")},
		{"12.", "USD", 0, errors.New("")},
		{".5", "USD", 0, errors.New("")},
		{"1,000.00", "USD", 0, errors.New("")},
		{"1.00", "usd", 0, errors.New("")},
	} {
		t.Run(tc.in+" "+tc.currency, func(t *testing.T) {
			got, err := ParseDecimal(tc.in, tc.currency)
			switch {
			case tc.err == nil:
				if err != nil || got != (Money{tc.want, tc.currency}) {
					t.Fatalf("got %v, %v; want %d", got, err, tc.want)
				}
			case tc.err == ErrOutOfRange:
				if !errors.Is(err, ErrOutOfRange) {
					t.Fatalf("got %v, %v; want ErrOutOfRange", got, err)
				}
			default:
				if err == nil || errors.Is(err, ErrOutOfRange) {
					t.Fatalf("got %v, %v; want a syntax error", got, err)
				}
			}
		})
	}
}

// TestParseDecimalRoundTrip: every amount within the bound reads back from
// its own decimal form; every amount beyond it is refused, never wrapped.
func TestParseDecimalRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := edgy().Draw(t, "amount")
		c := rapid.SampledFrom([]string{"USD", "JPY", "KWD", "EUR"}).Draw(t, "currency")
		m := Money{Amount: a, Currency: c}
		got, err := ParseDecimal(m.Decimal(), c)
		if InRange(a) {
			if err != nil || got != m {
				t.Fatalf("ParseDecimal(%q) = %v, %v; want %v", m.Decimal(), got, err, m)
			}
			return
		}
		if !errors.Is(err, ErrOutOfRange) {
			t.Fatalf("ParseDecimal(%q) = %v, %v; want ErrOutOfRange", m.Decimal(), got, err)
		}
	})
}
