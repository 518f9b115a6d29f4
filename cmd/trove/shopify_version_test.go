package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/shopify"
)

func TestCheckShopifyVersion(t *testing.T) {
	today := time.Date(2026, time.December, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		version string
		refused bool
		warned  bool
	}{
		{"2026-10", false, false},
		{"2026-07", false, false},
		{"2026-01", false, true}, // 26 days left
		{"2027-01", false, true}, // release candidate
		{"2025-10", true, false}, // retired: Shopify would answer with 2026-01
		{"2027-04", true, false}, // no such version yet
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			var logs bytes.Buffer
			err := checkShopifyVersion(tc.version, today, slog.New(slog.NewJSONHandler(&logs, nil)))
			var ce *ConfigError
			if refused := errors.As(err, &ce); refused != tc.refused {
				t.Fatalf("refused = %v (%v), want %v", refused, err, tc.refused)
			}
			if tc.refused && (!strings.Contains(err.Error(), "TROVE_SHOPIFY_API_VERSION") || !strings.Contains(err.Error(), "2026-10")) {
				t.Errorf("the refusal must name the setting and the version to use: %v", err)
			}
			if warned := strings.Contains(logs.String(), "TROVE_SHOPIFY_API_VERSION needs moving"); warned != tc.warned {
				t.Errorf("warned = %v, want %v: %s", warned, tc.warned, logs.String())
			}
		})
	}
}

func TestShopifyVersionReadiness(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, time.December, 6, 12, 0, 0, 0, time.UTC))
	client := func(version string) *shopify.Client {
		c, err := shopify.New(shopify.Config{APIKey: "k", APISecrets: []string{"s"}, APIVersion: version, Clock: clk,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := shopifyVersionReady(client("2026-10"), clk).Run(context.Background()); err != nil {
		t.Errorf("2026-10 in December 2026: %v", err)
	}
	err := shopifyVersionReady(client("2026-01"), clk).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2027-01-01") || !strings.Contains(err.Error(), "move TROVE_SHOPIFY_API_VERSION to 2026-10") {
		t.Errorf("2026-01 in December 2026: %v", err)
	}
	// Still running a month later, past its end: a warning, never a 503.
	clk.Advance(31 * 24 * time.Hour)
	if err := shopifyVersionReady(client("2026-01"), clk).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "left Shopify's support") {
		t.Errorf("2026-01 in January 2027: %v", err)
	}
}

// What serve does with the version on the day the tests run: the oldest
// supported version starts, with a warning in /readyz once within 90 days
// of its end; the one before it is retired and refused at start.
func TestServeChecksShopifyVersion(t *testing.T) {
	t.Parallel()
	now := time.Now()
	oldest := shopify.OldestSupportedVersion(now)
	v, _ := time.Parse("2006-01", oldest)
	retired := v.AddDate(0, -3, 0).Format("2006-01")

	env := baseEnv(dbtest.NewDSN(t))
	env["TROVE_SHOPIFY_API_VERSION"] = retired
	err := run(context.Background(), []string{"serve"}, envFrom(env), io.Discard, io.Discard)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), retired) {
		t.Fatalf("serve with %s: %v, want a config error naming it", retired, err)
	}

	env["TROVE_SHOPIFY_API_VERSION"] = oldest
	s := startServer(t, env)
	res, body := get(t, s.url+"/readyz")
	var ready struct {
		Status   string   `json:"status"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(body, &ready); err != nil || res.StatusCode != 200 || ready.Status != "ready" {
		t.Fatalf("readyz: %d %s", res.StatusCode, body)
	}
	if soon := shopify.SupportOf(oldest, now).EndingSoon(); soon != (len(ready.Warnings) == 1) ||
		soon && !strings.HasPrefix(ready.Warnings[0], "shopify_api_version: ") {
		t.Errorf("%s ending soon = %v, warnings %q", oldest, soon, ready.Warnings)
	}
}
