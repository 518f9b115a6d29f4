package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/trove-platform/trove/api/apitest"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// asHeader names the test principal a request acts as; the real
// Authenticate middleware is tested in internal/auth and cmd/trove.
const asHeader = "X-Test-As"

// testAPI serves the catalog's handlers as cmd/trove/routes.go mounts them,
// with a principal chosen per request, and holds every answer to the contract.
type testAPI struct {
	t          *testing.T
	handler    http.Handler
	principals map[string]*auth.Principal
	resyncs    []string
	resyncErr  error
	mu         sync.Mutex
}

func newTestAPI(t *testing.T, s *catalog.Store, principals map[string]*auth.Principal) *testAPI {
	t.Helper()
	a := &testAPI{t: t, principals: principals}
	resync := func(ctx context.Context, vendorID string) error {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.resyncErr != nil {
			return a.resyncErr
		}
		a.resyncs = append(a.resyncs, vendorID)
		return nil
	}
	r := chi.NewRouter()
	r.Use(httpx.RequestContext(slog.New(slog.NewTextHandler(io.Discard, nil))))
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := principals[r.Header.Get(asHeader)]; p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	})
	r.NotFound(httpx.NotFound().ServeHTTP)
	// Public.
	r.Route("/api/v1/store", func(r chi.Router) {
		r.Method(http.MethodGet, "/categories", catalog.HandleCategories())
		r.Method(http.MethodGet, "/products", catalog.HandleStoreProducts(s))
		r.Method(http.MethodGet, "/products/{productID}", catalog.HandleStoreProduct(s))
		r.Method(http.MethodGet, "/bundles", catalog.HandleStoreBundles(s))
		r.Method(http.MethodGet, "/bundles/{bundleID}", catalog.HandleStoreBundle(s))
	})
	// Vendor users: owners and staff alike.
	r.Route("/api/v1/vendor/catalog", func(r chi.Router) {
		r.Use(auth.RequireRole(auth.RoleVendorOwner, auth.RoleVendorStaff))
		r.Method(http.MethodGet, "/products", catalog.HandleVendorProducts(s))
		r.Method(http.MethodGet, "/products/{productID}", catalog.HandleVendorProduct(s))
		r.Method(http.MethodPatch, "/products/{productID}", catalog.HandleCurate(s))
		r.Method(http.MethodPost, "/resync", catalog.HandleResync(resync))
	})
	// Operators.
	r.Route("/api/v1/admin/catalog", func(r chi.Router) {
		r.Use(auth.RequireRole(auth.RolePlatformAdmin))
		r.Method(http.MethodGet, "/products", catalog.HandleAdminProducts(s))
		r.Method(http.MethodGet, "/products/{productID}", catalog.HandleAdminProduct(s))
		r.Method(http.MethodPost, "/products/{productID}/hide", catalog.HandleSetHidden(s, true))
		r.Method(http.MethodPost, "/products/{productID}/unhide", catalog.HandleSetHidden(s, false))
		r.Method(http.MethodGet, "/bundles", catalog.HandleAdminBundles(s))
		r.Method(http.MethodPost, "/bundles", catalog.HandleCreateBundle(s))
		r.Method(http.MethodGet, "/bundles/{bundleID}", catalog.HandleAdminBundle(s))
		r.Method(http.MethodPatch, "/bundles/{bundleID}", catalog.HandleUpdateBundle(s))
	})
	a.handler = r
	return a
}

// do sends a request as the named principal ("" for nobody) and returns the
// status and body, after checking the answer against api/openapi.yaml.
func (a *testAPI) do(as, method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	var raw []byte
	if body != nil {
		if s, ok := body.(string); ok {
			raw = []byte(s)
		} else {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				a.t.Fatal(err)
			}
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if as != "" {
		req.Header.Set(asHeader, as)
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)

	apitest.Check(a.t, method, path, raw, res, out)
	return res.StatusCode, out
}

// want sends a request, fails unless it answers status, and decodes the body
// into out (when not nil).
func (a *testAPI) want(status int, as, method, path string, body any, out any) []byte {
	a.t.Helper()
	got, b := a.do(as, method, path, body)
	if got != status {
		a.t.Fatalf("%s %s as %q: %d, want %d: %s", method, path, as, got, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return b
}

// problemFields returns the field names of a problem+json body's errors.
func problemFields(t *testing.T, body []byte) []string {
	t.Helper()
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func joined(s []string) string { return strings.Join(s, ",") }
