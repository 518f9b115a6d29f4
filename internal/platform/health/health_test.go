package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/health"
)

func TestReady(t *testing.T) {
	ok := health.Check{Name: "database", Run: func(context.Context) error { return nil }}
	down := health.Check{Name: "migrations", Run: func(context.Context) error { return errors.New("2 pending") }}
	soon := health.Check{Name: "shopify_api_version", Run: func(context.Context) error {
		return health.Warning("2026-01 is supported until 2027-01-01 (26 days left)")
	}}
	tests := []struct {
		name     string
		checks   []health.Check
		status   int
		contains []string
		warnings []string
	}{
		{"all pass", []health.Check{ok}, 200, []string{`"status":"ready"`}, nil},
		{"a warning stays ready and says so", []health.Check{ok, soon}, 200, []string{`"status":"ready"`},
			[]string{"shopify_api_version: 2026-01 is supported until 2027-01-01 (26 days left)"}},
		{"a failure is 503 naming it", []health.Check{ok, soon, down}, 503, []string{"migrations: 2 pending"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			health.Ready(time.Second, tc.checks...).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			body := rec.Body.String()
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, body)
			}
			for _, want := range tc.contains {
				if !strings.Contains(body, want) {
					t.Errorf("%s does not say %q", body, want)
				}
			}
			if tc.status != 200 {
				return
			}
			var got struct {
				Warnings []string `json:"warnings"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || !slices.Equal(got.Warnings, tc.warnings) {
				t.Errorf("warnings %q (%v), want %q", got.Warnings, err, tc.warnings)
			}
			if tc.warnings == nil && strings.Contains(body, "warnings") {
				t.Errorf("no warnings, yet the answer has the field: %s", body)
			}
		})
	}
}
