package shopify

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAPIVersion is the Admin API version Trove is written against and
// pins unless configured otherwise: the stable version of the day it was last
// moved. Shopify supports a version for 12 months from its release, so it
// must move at least once a year (TestDefaultAPIVersionIsSupported fails 90
// days before its end, and `trove serve` warns then and refuses it after).
const DefaultAPIVersion = "2026-10"

// SupportWarning is how long before the end of a version's support Trove
// starts warning (start-up log, /readyz details).
const SupportWarning = 90 * 24 * time.Hour

// VersionStatus is where an Admin API version stands on a given day.
type VersionStatus string

// Version statuses.
const (
	// VersionSupported: released and within its 12 months of support.
	VersionSupported VersionStatus = "supported"
	// VersionReleaseCandidate: the next quarter's version, callable before its
	// release but not stable: Shopify may still change it.
	VersionReleaseCandidate VersionStatus = "release candidate"
	// VersionUnstable: "unstable", Shopify's moving development version.
	VersionUnstable VersionStatus = "unstable"
	// VersionRetired: its support has ended. Shopify does not refuse it: it
	// answers such requests with the oldest version it still supports, which
	// the code was not written for.
	VersionRetired VersionStatus = "retired"
	// VersionUnknown: not a version Shopify has released or will release next
	// (malformed, not a quarter's first month, before 2019-04, or further
	// ahead than the release candidate).
	VersionUnknown VersionStatus = "unknown"
)

// VersionSupport is an Admin API version's place in Shopify's support
// window on a given day.
type VersionSupport struct {
	Version string
	Status  VersionStatus
	// Released is when the version became (or becomes) stable: 17:00 UTC on
	// the first day of its month. SupportedUntil is 12 months later. Both are
	// zero for unstable and unknown versions.
	Released       time.Time
	SupportedUntil time.Time
	// Left is how long its support lasts from the day asked about (zero
	// unless Status is VersionSupported).
	Left time.Duration
}

// EndingSoon reports whether a supported version is within SupportWarning of
// its end of support.
func (s VersionSupport) EndingSoon() bool {
	return s.Status == VersionSupported && s.Left <= SupportWarning
}

// Usable reports whether requests pinned to the version are answered with
// that version: it is supported, or the release candidate or unstable
// (which are for trying out, not for production).
func (s VersionSupport) Usable() bool {
	return s.Status == VersionSupported || s.Status == VersionReleaseCandidate || s.Status == VersionUnstable
}

// String says it in words, for logs and /readyz.
func (s VersionSupport) String() string {
	switch s.Status {
	case VersionSupported:
		return fmt.Sprintf("Shopify Admin API version %s is supported until %s (%d days left)",
			s.Version, s.SupportedUntil.Format("2006-01-02"), int(s.Left.Hours()/24))
	case VersionReleaseCandidate:
		return fmt.Sprintf("Shopify Admin API version %s is a release candidate (stable from %s): it may still change",
			s.Version, s.Released.Format("2006-01-02"))
	case VersionUnstable:
		return "Shopify Admin API version unstable changes without notice"
	case VersionRetired:
		return fmt.Sprintf("Shopify Admin API version %s left Shopify's support on %s: Shopify answers it with the oldest version it supports",
			s.Version, s.SupportedUntil.Format("2006-01-02"))
	}
	return fmt.Sprintf("%q is not a Shopify Admin API version (YYYY-01, -04, -07 or -10, released or the next release candidate)", s.Version)
}

var quarterlyVersion = regexp.MustCompile(`^([0-9]{4})-(01|04|07|10)$`)

// firstVersion is the first versioned Admin API (April 2019).
var firstVersion = time.Date(2019, time.April, 1, 17, 0, 0, 0, time.UTC)

// SupportOf says where version stands at now. It is a pure function of its
// arguments: Shopify releases a version every quarter, at 17:00 UTC on the
// first day of January, April, July and October, and supports each for 12
// months; the next quarter's version is callable before as a release
// candidate.
func SupportOf(version string, now time.Time) VersionSupport {
	out := VersionSupport{Version: version, Status: VersionUnknown}
	if version == "unstable" {
		out.Status = VersionUnstable
		return out
	}
	m := quarterlyVersion.FindStringSubmatch(version)
	if m == nil {
		return out
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	released := time.Date(year, time.Month(month), 1, 17, 0, 0, 0, time.UTC)
	if released.Before(firstVersion) {
		return out
	}
	now = now.UTC()
	until := released.AddDate(1, 0, 0)
	switch {
	case !now.Before(until):
		out.Status = VersionRetired
	case !now.Before(released):
		out.Status, out.Left = VersionSupported, until.Sub(now)
	case !now.Before(released.AddDate(0, -3, 0)):
		out.Status = VersionReleaseCandidate
	default:
		return out // further ahead than the release candidate
	}
	out.Released, out.SupportedUntil = released, until
	return out
}

// LatestStableVersion is the newest released version at now.
func LatestStableVersion(now time.Time) string {
	now = now.UTC()
	q := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 17, 0, 0, 0, time.UTC)
	if now.Before(q) { // the quarter's first day, before 17:00 UTC
		q = q.AddDate(0, -3, 0)
	}
	return q.Format("2006-01")
}

// OldestSupportedVersion is the oldest version Shopify still supports at
// now: the one it answers requests to retired versions with.
func OldestSupportedVersion(now time.Time) string {
	latest, _ := time.Parse("2006-01", LatestStableVersion(now))
	return latest.AddDate(0, -9, 0).Format("2006-01")
}

// versionWatch notes the version Shopify says served each Admin API request
// (X-Shopify-API-Version). When it is not the one requested, the pinned
// version has been retired and Shopify fell forward to another: the answers
// may not be what the code expects. It is reported once per served version
// through report, and kept for ServedVersion.
type versionWatch struct {
	base   http.RoundTripper
	report func(requested, served string)

	mu       sync.Mutex
	mismatch map[string]bool // served versions already reported
	last     string          // the last served version that differed; "" when none
}

func (v *versionWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	base := v.base
	if base == nil {
		base = http.DefaultTransport
	}
	res, err := base.RoundTrip(r)
	if err != nil {
		return res, err
	}
	requested, ok := requestedVersion(r.URL.Path)
	served := res.Header.Get("X-Shopify-API-Version")
	if !ok || served == "" || served == requested {
		return res, nil
	}
	v.mu.Lock()
	first := !v.mismatch[served]
	if v.mismatch == nil {
		v.mismatch = map[string]bool{}
	}
	v.mismatch[served], v.last = true, served
	v.mu.Unlock()
	if first && v.report != nil {
		v.report(requested, served)
	}
	return res, nil
}

// requestedVersion reads the version out of an Admin API path
// (/admin/api/{version}/...).
func requestedVersion(path string) (string, bool) {
	i := strings.Index(path, "/admin/api/")
	if i < 0 {
		return "", false
	}
	rest := path[i+len("/admin/api/"):]
	version, _, ok := strings.Cut(rest, "/")
	return version, ok && version != ""
}

// ServedVersion is the version Shopify last said it served instead of the
// pinned one, or "" while every answer was of the pinned version.
func (c *Client) ServedVersion() string {
	c.watch.mu.Lock()
	defer c.watch.mu.Unlock()
	return c.watch.last
}

// APIVersion is the pinned Admin API version.
func (c *Client) APIVersion() string { return c.cfg.APIVersion }
