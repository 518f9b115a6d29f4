package xero

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/money"
)

// formatAmount writes minor units of currency as the decimal number Xero
// reads, exactly: 1999 USD -> 19.99, 5 -> 0.05, -5 -> -0.05, 1200 JPY -> 1200,
// 1234 KWD -> 1.234. No float is involved.
func formatAmount(minor int64, currency string) json.Number {
	exp := money.Exponent(currency)
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign = "-"
		u = uint64(-minor) // two's complement: right for MinInt64 too
	}
	s := strconv.FormatUint(u, 10)
	if exp == 0 {
		return json.Number(sign + s)
	}
	for len(s) <= exp {
		s = "0" + s
	}
	return json.Number(sign + s[:len(s)-exp] + "." + s[len(s)-exp:])
}

// parseAmount reads a decimal number from Xero ("19.99", "19.9", "20",
// "1.999E1", "-0.05") as minor units of currency, exactly. A number with
// more precision than the currency's minor unit (19.995 USD) is an error,
// not a rounding: an amount Trove cannot represent must not be booked as
// another one. "" reads as 0.
func parseAmount(s string, currency string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	orig := s
	bad := func(why string) (int64, error) {
		return 0, fmt.Errorf("xero: amount %q: %s", orig, why)
	}
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	e10 := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 40 || e < -40 {
			return bad("bad exponent")
		}
		e10, s = e, s[:i]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" || (hasDot && frac == "" && intPart == "") {
		return bad("not a number")
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return bad("not a decimal number")
		}
	}
	// value = digits * 10^(e10 - len(frac)); we want value * 10^exp.
	digits := strings.TrimLeft(intPart+frac, "0")
	shift := e10 - len(frac) + money.Exponent(currency)
	if shift < 0 {
		cut := -shift
		if cut >= len(digits) {
			if strings.Trim(digits, "0") != "" {
				return bad(fmt.Sprintf("more precise than %s's minor unit", currencyName(currency)))
			}
			digits = ""
		} else {
			if strings.Trim(digits[len(digits)-cut:], "0") != "" {
				return bad(fmt.Sprintf("more precise than %s's minor unit", currencyName(currency)))
			}
			digits = digits[:len(digits)-cut]
		}
	} else if digits != "" {
		digits += strings.Repeat("0", shift)
	}
	if digits == "" {
		return 0, nil
	}
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || (!neg && u > math.MaxInt64) || (neg && u > 1<<63) {
		return bad("out of range")
	}
	if neg {
		return -int64(u), nil // u == 1<<63 wraps to MinInt64, as wanted
	}
	return int64(u), nil
}

func currencyName(c string) string {
	if c == "" {
		return "the currency"
	}
	return c
}

// formatQuantity writes a quantity as the shortest decimal that reads back as
// the same float64 (3 -> 3, 0.1 -> 0.1), never an exponent form.
func formatQuantity(q float64) json.Number {
	return json.Number(strconv.FormatFloat(q, 'f', -1, 64))
}

const dateLayout = "2006-01-02"

// formatDate writes t's calendar date (in t's own location) as Xero wants it.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// parseDate reads the date forms Xero answers with:
//
//	/Date(1573755038314+0000)/   milliseconds since the epoch, UTC (the offset is informational)
//	/Date(1573755038314)/
//	2019-11-14T00:00:00          (the *String fields; no zone: read as UTC)
//	2019-11-14T00:00:00.123Z, 2019-11-14T10:00:00+13:00, 2019-11-14
//
// "" reads as the zero time. Results are in UTC.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		body, ok := strings.CutSuffix(rest, ")/")
		if !ok {
			return time.Time{}, fmt.Errorf("xero: date %q: bad /Date()/ form", s)
		}
		// Milliseconds, then an optional +hhmm or -hhmm offset (a leading
		// minus is the sign of the milliseconds).
		ms := body
		if i := strings.LastIndexAny(body, "+-"); i > 0 {
			ms = body[:i]
		}
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("xero: date %q: bad milliseconds", s)
		}
		return time.UnixMilli(n).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", dateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("xero: date %q: not a date Xero sends", s)
}
