package money

import (
	"math"
	"math/rand/v2"
	"testing"
	"testing/quick"
)

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		amount  int64
		weights []int64
		want    []int64
	}{
		{"even", 100, []int64{1, 1}, []int64{50, 50}},
		{"thirds give the spare cent to the first", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"largest remainder wins", 100, []int64{1, 2}, []int64{33, 67}},
		{"zero weight gets nothing", 101, []int64{0, 1, 1}, []int64{0, 51, 50}},
		{"negative amounts mirror positive ones", -100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{"zero amount", 0, []int64{3, 7}, []int64{0, 0}},
		{"one cent across many", 1, []int64{5, 5, 5, 5}, []int64{1, 0, 0, 0}},
		{"commission-like split", 12345, []int64{8500, 1500}, []int64{10493, 1852}},
		{"largest int64", math.MaxInt64, []int64{1, 1}, []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
		{"smallest int64", math.MinInt64, []int64{1}, []int64{math.MinInt64}},
		{"huge weights do not overflow", 1_000_000, []int64{math.MaxInt64 / 2, math.MaxInt64 / 2}, []int64{500_000, 500_000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Allocate(tc.amount, tc.weights)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestAllocateRejects(t *testing.T) {
	for name, weights := range map[string][]int64{
		"no weights":      nil,
		"negative weight": {1, -1},
		"zero sum":        {0, 0},
		"overflowing sum": {math.MaxInt64, 1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Allocate(100, weights); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

// TestAllocateProperties checks, over random inputs, that no cent is lost or
// invented, that every part is within one cent of its exact share, and that the
// result has the amount's sign.
func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prop := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, rng.Uint64()))
		n := 1 + r.IntN(12)
		weights := make([]int64, n)
		var wsum int64
		for i := range weights {
			switch r.IntN(4) {
			case 0:
				weights[i] = 0
			case 1:
				weights[i] = r.Int64N(1 << 40)
			default:
				weights[i] = r.Int64N(10_000)
			}
			wsum += weights[i]
		}
		if wsum == 0 {
			weights[0], wsum = 1, 1
		}
		amount := r.Int64N(1<<50) - 1<<49
		parts, err := Allocate(amount, weights)
		if err != nil {
			t.Logf("amount %d weights %v: %v", amount, weights, err)
			return false
		}
		var total int64
		for i, p := range parts {
			total += p
			if (amount >= 0 && p < 0) || (amount < 0 && p > 0) {
				t.Logf("part %d = %d has the wrong sign for %d", i, p, amount)
				return false
			}
			if weights[i] == 0 && p != 0 {
				t.Logf("zero weight %d got %d", i, p)
				return false
			}
			exact := float64(amount) * float64(weights[i]) / float64(wsum)
			if d := float64(p) - exact; d > 1.001 || d < -1.001 {
				t.Logf("part %d = %d is more than a cent from %f", i, p, exact)
				return false
			}
		}
		if total != amount {
			t.Logf("amount %d weights %v: parts %v sum to %d", amount, weights, parts, total)
			return false
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 20000}); err != nil {
		t.Fatal(err)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{1234, "USD"}, "USD 12.34"},
		{Money{5, "USD"}, "USD 0.05"},
		{Money{-5, "EUR"}, "EUR -0.05"},
		{Money{1200, "JPY"}, "JPY 1200"},
		{Money{1234, "KWD"}, "KWD 1.234"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%#v: got %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestAddAndNew(t *testing.T) {
	a, err := New(150, "USD")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := a.Add(Money{50, "USD"})
	if err != nil || sum != (Money{200, "USD"}) {
		t.Fatalf("got %v, %v", sum, err)
	}
	if _, err := a.Add(Money{1, "EUR"}); err == nil {
		t.Fatal("adding different currencies must fail")
	}
	if _, err := (Money{math.MaxInt64, "USD"}).Add(Money{1, "USD"}); err == nil {
		t.Fatal("overflow must fail")
	}
	for _, c := range []string{"usd", "US", "USDX", "U1D", ""} {
		if _, err := New(1, c); err == nil {
			t.Errorf("currency %q must be rejected", c)
		}
	}
}
