package xero

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1999, "USD", "19.99"},
		{5, "USD", "0.05"},
		{-5, "EUR", "-0.05"},
		{0, "USD", "0.00"},
		{30, "NZD", "0.30"}, // 0.1 + 0.2, exactly
		{100, "", "1.00"},   // no currency: two decimals
		{1200, "JPY", "1200"},
		{-1200, "JPY", "-1200"},
		{1234, "KWD", "1.234"},
		{math.MaxInt64, "USD", "92233720368547758.07"},
		{math.MinInt64, "USD", "-92233720368547758.08"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatAmount(tc.minor, tc.currency); string(got) != tc.want {
				t.Fatalf("formatAmount(%d, %s) = %s, want %s", tc.minor, tc.currency, got, tc.want)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in       string
		currency string
		want     int64
		wantErr  bool
	}{
		{"19.99", "USD", 1999, false},
		{"19.9", "USD", 1990, false},
		{"19", "USD", 1900, false},
		{"0.3", "USD", 30, false},
		{"0.30000000000000004", "USD", 0, true}, // what float 0.1+0.2 prints: refused, not rounded
		{"19.990000", "USD", 1999, false},
		{"-0.05", "USD", -5, false},
		{"+1.5", "USD", 150, false},
		{"1.999E1", "USD", 1999, false},
		{"1e2", "USD", 10000, false},
		{"0", "USD", 0, false},
		{"", "USD", 0, false},
		{"1200", "JPY", 1200, false},
		{"1200.0", "JPY", 1200, false},
		{"1200.5", "JPY", 0, true},
		{"1.234", "KWD", 1234, false},
		{"19.995", "USD", 0, true},
		{"92233720368547758.07", "USD", math.MaxInt64, false},
		{"-92233720368547758.08", "USD", math.MinInt64, false},
		{"92233720368547758.08", "USD", 0, true},
		{"1e40", "USD", 0, true},
		{"abc", "USD", 0, true},
		{"1.2.3", "USD", 0, true},
		{".", "USD", 0, true},
		{"NaN", "USD", 0, true},
	} {
		t.Run(tc.in+"_"+tc.currency, func(t *testing.T) {
			got, err := parseAmount(tc.in, tc.currency)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseAmount(%q) = %d, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseAmount(%q, %s) = %d, %v; want %d", tc.in, tc.currency, got, err, tc.want)
			}
		})
	}
}

func TestAmountRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, cur := range []string{"USD", "JPY", "KWD"} {
		for range 20000 {
			v := r.Int64() >> r.IntN(63)
			if r.IntN(2) == 0 {
				v = -v
			}
			got, err := parseAmount(string(formatAmount(v, cur)), cur)
			if err != nil || got != v {
				t.Fatalf("%s %d -> %s -> %d, %v", cur, v, formatAmount(v, cur), got, err)
			}
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"/Date(1573755038314+0000)/", time.UnixMilli(1573755038314).UTC(), false},
		{"/Date(1573755038314)/", time.UnixMilli(1573755038314).UTC(), false},
		{"/Date(1573755038314+1300)/", time.UnixMilli(1573755038314).UTC(), false},
		{"/Date(-86400000+0000)/", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{"2019-11-14T00:00:00", time.Date(2019, 11, 14, 0, 0, 0, 0, time.UTC), false},
		{"2019-11-14T10:11:12.5", time.Date(2019, 11, 14, 10, 11, 12, 5e8, time.UTC), false},
		{"2019-11-14T10:00:00Z", time.Date(2019, 11, 14, 10, 0, 0, 0, time.UTC), false},
		{"2019-11-14T10:00:00+13:00", time.Date(2019, 11, 13, 21, 0, 0, 0, time.UTC), false},
		{"2019-11-14", time.Date(2019, 11, 14, 0, 0, 0, 0, time.UTC), false},
		{"", time.Time{}, false},
		{"/Date(abc)/", time.Time{}, true},
		{"/Date(123", time.Time{}, true},
		{"14/11/2019", time.Time{}, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseDate(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseDate(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("parseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	nz := time.FixedZone("NZDT", 13*3600)
	if got := formatDate(time.Date(2026, 3, 1, 0, 30, 0, 0, nz)); got != "2026-03-01" {
		t.Fatalf("formatDate keeps the calendar date of the time's zone: got %s", got)
	}
}
