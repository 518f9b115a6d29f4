package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/health"
	"github.com/trove-platform/trove/internal/shopify"
)

// checkShopifyVersion is the start-up check of TROVE_SHOPIFY_API_VERSION
// against Shopify's support window on the day: a retired version (Shopify
// would silently answer with another) or one Shopify does not have stops
// the start; one within shopify.SupportWarning of its end, a release
// candidate or unstable starts with a warning in the log.
func checkShopifyVersion(version string, now time.Time, log *slog.Logger) error {
	s := shopify.SupportOf(version, now)
	if !s.Usable() {
		return &ConfigError{Problems: []string{fmt.Sprintf("TROVE_SHOPIFY_API_VERSION: %s; the current stable version is %s",
			s, shopify.LatestStableVersion(now))}}
	}
	if s.EndingSoon() || s.Status != shopify.VersionSupported {
		log.Warn("TROVE_SHOPIFY_API_VERSION needs moving: "+s.String(), "version", version,
			"latest_stable", shopify.LatestStableVersion(now))
	}
	return nil
}

// shopifyVersionReady is the /readyz check of the pinned version: ready
// always (the version was supported at start, and taking every copy out of
// the load balancer helps no one), with a warning from 90 days before its
// end of support, after it, for a release candidate or unstable, and when
// Shopify answered with another version than the pinned one.
func shopifyVersionReady(c *shopify.Client, clk clock.Clock) health.Check {
	return health.Check{Name: "shopify_api_version", Run: func(context.Context) error {
		now := clk.Now()
		s := shopify.SupportOf(c.APIVersion(), now)
		var warnings []string
		if s.EndingSoon() || s.Status != shopify.VersionSupported {
			warnings = append(warnings, s.String()+"; move TROVE_SHOPIFY_API_VERSION to "+shopify.LatestStableVersion(now))
		}
		if served := c.ServedVersion(); served != "" {
			warnings = append(warnings, fmt.Sprintf("Shopify answered requests pinned to %s with %s", c.APIVersion(), served))
		}
		if len(warnings) > 0 {
			return health.Warning("%s", strings.Join(warnings, "; "))
		}
		return nil
	}}
}
