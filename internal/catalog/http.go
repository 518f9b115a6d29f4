package catalog

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// Curation is day-to-day merchandising: vendor owners and staff alike may
// curate; hiding a product and bundles are operators'.

func actor(r *http.Request) audit.Entry {
	p := auth.MustPrincipal(r.Context())
	return audit.Entry{ActorType: audit.ActorUser, ActorID: p.UserID, RequestID: httpx.RequestID(r.Context())}
}

// vendorOf is the caller's vendor: always the session's, never the request's.
func vendorOf(r *http.Request) (string, error) {
	p := auth.MustPrincipal(r.Context())
	if !p.IsVendor() || p.VendorID == "" {
		return "", fault.Forbidden("only vendor users have a vendor catalog")
	}
	return p.VendorID, nil
}

// queryParams reads typed query parameters, collecting every bad one.
type queryParams struct {
	v url.Values
	f fault.Fields
}

func (q *queryParams) int64p(name string) *int64 {
	s := q.v.Get(name)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		q.f.Add(name, "must be a whole number")
		return nil
	}
	return &n
}

func (q *queryParams) int(name string) int {
	s := q.v.Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n == 0 {
		q.f.Add(name, "must be a positive whole number")
		return -1
	}
	return n
}

func (q *queryParams) boolp(name string) *bool {
	switch q.v.Get(name) {
	case "":
		return nil
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	q.f.Add(name, "must be true or false")
	return nil
}

// ParseStoreQuery reads a storefront search from the URL query: category,
// vendor, currency, min_price, max_price, in_stock, q, sort, cursor, limit.
func ParseStoreQuery(v url.Values) (StoreQuery, error) {
	q := queryParams{v: v}
	sq := StoreQuery{Category: v.Get("category"), Vendor: v.Get("vendor"), Currency: v.Get("currency"), Q: v.Get("q"),
		Sort: v.Get("sort"), Cursor: v.Get("cursor"), MinPrice: q.int64p("min_price"), MaxPrice: q.int64p("max_price"),
		Limit: q.int("limit")}
	if b := q.boolp("in_stock"); b != nil {
		sq.InStock = *b
	}
	return sq, q.f.Err()
}

// HandleCategories lists the gift categories (public).
func HandleCategories() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]any{"categories": Categories()})
	})
}

// HandleStoreProducts lists storefront products (public): filters, search,
// sort and cursor pagination from the query string.
func HandleStoreProducts(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sq, err := ParseStoreQuery(r.URL.Query())
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		page, err := s.StoreProducts(r.Context(), sq)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, page)
	})
}

// HandleStoreProduct shows one visible product with its variants (public);
// any other product answers 404.
func HandleStoreProduct(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.StoreProduct(r.Context(), chi.URLParam(r, "productID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, p)
	})
}

// HandleStoreBundles lists the active bundles with their availability (public).
func HandleStoreBundles(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.StoreBundles(r.Context())
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"bundles": list})
	})
}

// HandleStoreBundle shows one active bundle by id or slug (public).
func HandleStoreBundle(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.StoreBundle(r.Context(), chi.URLParam(r, "bundleID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, b)
	})
}

func productFilter(v url.Values) (ProductFilter, error) {
	q := queryParams{v: v}
	f := ProductFilter{Status: v.Get("status"), Q: v.Get("q"), Cursor: v.Get("cursor"),
		Listed: q.boolp("listed"), Hidden: q.boolp("hidden"), Limit: q.int("limit")}
	return f, q.f.Err()
}

// HandleVendorProducts lists every synced product of the caller's vendor,
// newest first, with sync status, curation, visibility and variants.
// Query: status, listed, hidden, q, cursor, limit.
func HandleVendorProducts(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vendorID, err := vendorOf(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		f, err := productFilter(r.URL.Query())
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		f.VendorID = vendorID
		page, err := s.Products(r.Context(), f)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, page)
	})
}

// HandleVendorProduct shows one of the caller's vendor's products; another
// vendor's answers 404.
func HandleVendorProduct(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vendorID, err := vendorOf(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		p, err := s.Product(r.Context(), vendorID, chi.URLParam(r, "productID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, p)
	})
}

// HandleCurate lets vendor users (owners and staff) list or unlist one of their
// products and set its gifting details: PATCH {"listed", "category",
// "gift_tags", "gift_ready"}, each optional. Any other field is refused whole.
func HandleCurate(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vendorID, err := vendorOf(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		var c Curation
		if err := httpx.Decode(w, r, &c); err != nil {
			httpx.Error(w, r, err)
			return
		}
		p, err := s.Curate(r.Context(), vendorID, chi.URLParam(r, "productID"), c, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, p)
	})
}

// HandleResync asks for a fresh sync of the caller's vendor's catalog from
// Shopify: resync enqueues it (the vendor id is the session's). 202.
func HandleResync(resync func(ctx context.Context, vendorID string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vendorID, err := vendorOf(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := resync(r.Context(), vendorID); err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
	})
}

// HandleAdminProducts lists any vendor's synced products for operators.
// Query: vendor_id, status, listed, hidden, q, cursor, limit.
func HandleAdminProducts(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := productFilter(r.URL.Query())
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		f.VendorID = r.URL.Query().Get("vendor_id")
		page, err := s.Products(r.Context(), f)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, page)
	})
}

// HandleAdminProduct shows any synced product to operators.
func HandleAdminProduct(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Product(r.Context(), "", chi.URLParam(r, "productID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, p)
	})
}

// HandleSetHidden hides (hidden=true) or shows again any product, for
// operators: POST with an optional {"reason"}; audited.
func HandleSetHidden(s *Store, hidden bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason string `json:"reason"`
		}
		if _, err := httpx.DecodeOptional(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		by := actor(r)
		by.Reason = in.Reason
		p, err := s.SetHidden(r.Context(), chi.URLParam(r, "productID"), hidden, by)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, p)
	})
}

// HandleAdminBundles lists bundles for operators: ?status=active|archived.
func HandleAdminBundles(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.Bundles(r.Context(), r.URL.Query().Get("status"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"bundles": list})
	})
}

// HandleCreateBundle adds a bundle: POST {"slug", "name", "description",
// "image_url", "price": {"amount", "currency"}, "items": [{"variant_id",
// "quantity"}]}.
func HandleCreateBundle(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in BundleInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		b, err := s.CreateBundle(r.Context(), in, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, b)
	})
}

// HandleAdminBundle shows one bundle to operators, every part included.
func HandleAdminBundle(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.Bundle(r.Context(), chi.URLParam(r, "bundleID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, b)
	})
}

// HandleUpdateBundle changes a bundle: PATCH with any of the create fields and
// "status" ("archived" archives it); items, when sent, replace the parts.
func HandleUpdateBundle(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p BundlePatch
		if err := httpx.Decode(w, r, &p); err != nil {
			httpx.Error(w, r, err)
			return
		}
		b, err := s.UpdateBundle(r.Context(), chi.URLParam(r, "bundleID"), p, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, b)
	})
}
