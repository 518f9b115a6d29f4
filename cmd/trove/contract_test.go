package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

func TestResponsesMatchTheContract(t *testing.T) {
	t.Parallel()
	s := startServer(t, baseEnv(dbtest.NewDSN(t)))
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		t.Run(path, func(t *testing.T) {
			res, body := get(t, s.url+path)
			apitest.Check(t, "GET", path, nil, res, body)
		})
	}
}

// Every API route the server registers must be described in the contract, so
// the contract cannot fall behind the code.
func TestEveryAPIRouteIsInTheContract(t *testing.T) {
	doc := apitest.Doc(t)
	r := routes(&deps{metrics: prometheus.NewRegistry(), files: http.NotFoundHandler()})
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasSuffix(route, "/*") || strings.HasPrefix(route, "/vendor") {
			return nil // catch-alls: web apps and problem+json 404s
		}
		item := doc.Paths.Find(route)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s is served but not described in api/openapi.yaml", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAdminJobsAPI(t *testing.T) {
	t.Parallel()
	dsn := dbtest.NewDSN(t)
	p := seedPeople(t, dsn)
	s := startServer(t, baseEnv(dsn))
	admin, owner := signIn(t, s, p.admin.Email), signIn(t, s, p.ownerA.Email)
	check := func(t *testing.T, bearer, method, path, body string, wantStatus int) {
		t.Helper()
		res, b := call(t, s, bearer, method, path, body)
		if res.StatusCode != wantStatus {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, wantStatus, b)
		}
		apitest.Check(t, method, path, []byte(body), res, b)
	}

	t.Run("signed out and non-operators are refused", func(t *testing.T) {
		check(t, "", "GET", "/api/v1/admin/jobs/dead", "", 401)
		check(t, owner, "GET", "/api/v1/admin/jobs/dead", "", 403)
		check(t, owner, "POST", "/api/v1/admin/jobs/retry", `{"kind":"jobs.prune"}`, 403)
	})
	t.Run("operators", func(t *testing.T) {
		check(t, admin, "GET", "/api/v1/admin/jobs/dead", "", 200)
		check(t, admin, "GET", "/api/v1/admin/jobs/dead?limit=500", "", 400)
		check(t, admin, "POST", "/api/v1/admin/jobs/retry", `{"kind":"jobs.prune"}`, 200)
		check(t, admin, "POST", "/api/v1/admin/jobs/job_nope/retry", "", 404)
		check(t, admin, "POST", "/api/v1/admin/jobs/job_nope/discard", `{"reason":"gone"}`, 404)
		check(t, admin, "POST", "/api/v1/admin/jobs/dlq/redrive", "", 400)
	})
}
