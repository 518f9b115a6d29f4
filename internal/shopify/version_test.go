package shopify_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbshopify "github.com/trove-platform/trove/internal/sandbox/shopify"
	"github.com/trove-platform/trove/internal/shopify"
)

func TestSupportOf(t *testing.T) {
	day := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	today := day(2026, time.December, 6, 12)
	tests := []struct {
		version string
		now     time.Time
		status  shopify.VersionStatus
		until   time.Time
		soon    bool
	}{
		{"2026-10", today, shopify.VersionSupported, day(2027, time.October, 1, 17), false},
		{"2026-07", today, shopify.VersionSupported, day(2027, time.July, 1, 17), false},
		{"2026-04", today, shopify.VersionSupported, day(2027, time.April, 1, 17), false}, // 116 days left
		{"2026-01", today, shopify.VersionSupported, day(2027, time.January, 1, 17), true},
		{"2025-10", today, shopify.VersionRetired, day(2026, time.October, 1, 17), false},
		{"2019-04", today, shopify.VersionRetired, day(2020, time.April, 1, 17), false},
		{"2027-01", today, shopify.VersionReleaseCandidate, day(2028, time.January, 1, 17), false},
		{"2027-04", today, shopify.VersionUnknown, time.Time{}, false}, // not even a release candidate yet
		{"2026-11", today, shopify.VersionUnknown, time.Time{}, false},
		{"2019-01", today, shopify.VersionUnknown, time.Time{}, false}, // before versioning began
		{"26-10", today, shopify.VersionUnknown, time.Time{}, false},
		{"", today, shopify.VersionUnknown, time.Time{}, false},
		{"unstable", today, shopify.VersionUnstable, time.Time{}, false},
		// The edges: released at 17:00 UTC on the quarter's first day, retired 12 months later.
		{"2026-10", day(2026, time.October, 1, 16), shopify.VersionReleaseCandidate, day(2027, time.October, 1, 17), false},
		{"2026-10", day(2026, time.October, 1, 17), shopify.VersionSupported, day(2027, time.October, 1, 17), false},
		{"2025-10", day(2026, time.October, 1, 16), shopify.VersionSupported, day(2026, time.October, 1, 17), true},
		{"2025-10", day(2026, time.October, 1, 17), shopify.VersionRetired, day(2026, time.October, 1, 17), false},
		{"2026-10", day(2027, time.July, 3, 17), shopify.VersionSupported, day(2027, time.October, 1, 17), true}, // 90 days left
		{"2026-10", day(2027, time.July, 3, 16), shopify.VersionSupported, day(2027, time.October, 1, 17), false},
	}
	for _, tc := range tests {
		t.Run(tc.version+" on "+tc.now.Format(time.RFC3339), func(t *testing.T) {
			s := shopify.SupportOf(tc.version, tc.now)
			if s.Status != tc.status || !s.SupportedUntil.Equal(tc.until) || s.EndingSoon() != tc.soon {
				t.Fatalf("got %s until %s (ending soon %v), want %s until %s (%v)", s.Status, s.SupportedUntil, s.EndingSoon(),
					tc.status, tc.until, tc.soon)
			}
			if s.Status == shopify.VersionSupported && s.Left != tc.until.Sub(tc.now) {
				t.Errorf("left %s, want %s", s.Left, tc.until.Sub(tc.now))
			}
			if s.String() == "" || !strings.Contains(s.String(), tc.version) && tc.status != shopify.VersionUnstable {
				t.Errorf("String() = %q", s.String())
			}
		})
	}

	for _, tc := range []struct {
		now            time.Time
		latest, oldest string
	}{
		{today, "2026-10", "2026-01"},
		{day(2026, time.October, 1, 16), "2026-07", "2025-10"},
		{day(2026, time.October, 1, 17), "2026-10", "2026-01"},
		{day(2027, time.March, 31, 23), "2027-01", "2026-04"},
	} {
		if got := shopify.LatestStableVersion(tc.now); got != tc.latest {
			t.Errorf("latest stable on %s = %s, want %s", tc.now, got, tc.latest)
		}
		if got := shopify.OldestSupportedVersion(tc.now); got != tc.oldest {
			t.Errorf("oldest supported on %s = %s, want %s", tc.now, got, tc.oldest)
		}
		// The oldest supported version has at most a quarter left.
		if s := shopify.SupportOf(shopify.OldestSupportedVersion(tc.now), tc.now); s.Status != shopify.VersionSupported || s.Left > 92*24*time.Hour {
			t.Errorf("the oldest supported version on %s: %s", tc.now, s)
		}
	}
}

// The default must be a stable version with more than 90 days of support
// left: this test fails when it is time to move it (and `trove serve`
// warns from the same day).
func TestDefaultAPIVersionIsSupported(t *testing.T) {
	s := shopify.SupportOf(shopify.DefaultAPIVersion, time.Now())
	if s.Status != shopify.VersionSupported || s.EndingSoon() {
		t.Fatalf("shopify.DefaultAPIVersion: %s; move it to %s (and run the tests against it)", s, shopify.LatestStableVersion(time.Now()))
	}
}

// The stand-in refuses a retired version, so a pinned version that ran out
// fails tests; told to answer as Shopify does (falling forward to the
// oldest supported version), the adapter notices the other version in
// X-Shopify-API-Version and says so once.
func TestRetiredVersion(t *testing.T) {
	now := time.Date(2026, time.December, 6, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	for _, fallForward := range []bool{false, true} {
		sb := sbshopify.New(sbshopify.Config{APIKey: "sandbox-key", APISecret: "sandbox-secret", Clock: clk, FallForward: fallForward})
		sb.SeedDemo()
		srv := httptest.NewServer(sb.Handler())
		defer srv.Close()
		var logs bytes.Buffer
		client := func(version string) *shopify.Client {
			c, err := shopify.New(shopify.Config{APIKey: "sandbox-key", APISecrets: []string{"sandbox-secret"}, APIVersion: version,
				Scopes: []string{"read_products"}, Endpoint: srv.URL, Clock: clk, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		tok := installShop(t, client(shopify.DefaultAPIVersion), orderShop)

		current := client("2026-10")
		if _, err := current.Shop(context.Background(), orderShop, tok); err != nil || current.ServedVersion() != "" {
			t.Fatalf("a supported version: %v, served %q", err, current.ServedVersion())
		}
		retired := client("2025-10")
		_, err := retired.Shop(context.Background(), orderShop, tok)
		if !fallForward {
			if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no longer supported") {
				t.Errorf("a retired version: want the stand-in's 404, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("falling forward: %v", err)
		}
		if _, err := retired.Shop(context.Background(), orderShop, tok); err != nil {
			t.Fatal(err)
		}
		if retired.ServedVersion() != "2026-01" {
			t.Errorf("served version = %q, want the oldest supported, 2026-01", retired.ServedVersion())
		}
		if n := strings.Count(logs.String(), "another Admin API version"); n != 1 || !strings.Contains(logs.String(), `"served":"2026-01"`) {
			t.Errorf("want one warning naming the served version, got %d in %s", n, logs.String())
		}
	}
	for _, unknown := range []string{"2027-04", "2026-02"} {
		sb := sbshopify.New(sbshopify.Config{APIKey: "k", APISecret: "s", Clock: clk, FallForward: true})
		sb.AddShop(orderShop, "Northwind", "USD")
		srv := httptest.NewServer(sb.Handler())
		defer srv.Close()
		res, err := http.Post(srv.URL+"/admin/api/"+unknown+"/graphql.json?shop="+orderShop, "application/json", strings.NewReader(`{"query":"{ shop { name } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("version %s: %d, want 404", unknown, res.StatusCode)
		}
	}
}
