package fulfilment

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// The handlers serve vendor users and operators alike (the path parameter is
// {vendorOrderID}): an operator's principal has no vendor, so a vendor user
// sees only the session's vendor's orders (another vendor's answers 404), an
// operator any vendor's.

// vendorOf is the vendor a request is scoped to: "" for an operator.
func vendorOf(r *http.Request) string {
	p := auth.MustPrincipal(r.Context())
	if p.Role == auth.RolePlatformAdmin {
		return ""
	}
	return p.VendorID
}

func (s *Service) requested(r *http.Request) (VendorOrder, error) {
	return s.VendorOrder(r.Context(), vendorOf(r), chi.URLParam(r, "vendorOrderID"))
}

// HandleVendorOrders lists the vendor's paid orders, newest first. Query:
// status (comma-separated), from and to (YYYY-MM-DD, accepted on or after
// from and before to), q (id or recipient name), cursor, limit.
func HandleVendorOrders(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var fe fault.Fields
		f := orders.VendorOrderFilter{Search: q.Get("q"), Cursor: q.Get("cursor")}
		if st := q.Get("status"); st != "" {
			f.Statuses = strings.Split(st, ",")
		}
		for _, b := range []struct {
			name string
			into *time.Time
		}{{"from", &f.From}, {"to", &f.To}} {
			if v := q.Get(b.name); v != "" {
				t, err := time.Parse(time.DateOnly, v)
				fe.Check(err == nil, b.name, "must be a date such as 2026-11-24")
				*b.into = t
			}
		}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			fe.Check(err == nil, "limit", "must be a number")
			f.Limit = n
		}
		if err := fe.Err(); err != nil {
			httpx.Error(w, r, err)
			return
		}
		page, err := s.VendorOrders(r.Context(), auth.MustPrincipal(r.Context()).VendorID, f)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, page)
	})
}

// HandleVendorOrder answers one vendor order.
func HandleVendorOrder(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := s.requested(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, f)
	})
}

// HandleUpdate moves a vendor order (status, tracking): 200 with the vendor
// order as it now is; 409 for a move the path does not allow.
func HandleUpdate(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Whose order it is comes first: another vendor's answers 404
		// whatever the body says.
		cur, err := s.requested(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		var u StatusUpdate
		if err := httpx.Decode(w, r, &u); err != nil {
			httpx.Error(w, r, err)
			return
		}
		p := auth.MustPrincipal(r.Context())
		f, _, err := s.Move(r.Context(), vendorOf(r), cur.ID, u,
			orders.Actor{Type: audit.ActorUser, ID: p.UserID, RequestID: httpx.RequestID(r.Context())})
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, f)
	})
}

// HandleManifest answers a short-lived link to the vendor order's packing
// manifest (rendered first if it is missing or stale).
func HandleManifest(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		link, err := s.ManifestLink(r.Context(), vendorOf(r), chi.URLParam(r, "vendorOrderID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, link)
	})
}

// HandleBatch renders the day's open orders' manifests as one PDF and
// answers a short-lived link to it, with how many orders it holds. Body:
// {"date": "YYYY-MM-DD"} (UTC; default today).
func HandleBatch(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Date string `json:"date"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		day := s.clock.Now().UTC()
		if in.Date != "" {
			d, err := time.Parse(time.DateOnly, in.Date)
			if err != nil {
				httpx.Error(w, r, fault.Invalid("date must be a date such as 2026-11-24"))
				return
			}
			day = d
		}
		link, n, err := s.BatchLink(r.Context(), auth.MustPrincipal(r.Context()).VendorID, day)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]any{"url": link.URL, "expires_at": link.ExpiresAt, "orders": n,
			"date": day.Format(time.DateOnly)})
	})
}
