package vendors

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

func actor(r *http.Request) audit.Entry {
	p := auth.MustPrincipal(r.Context())
	return audit.Entry{ActorType: audit.ActorUser, ActorID: p.UserID, RequestID: httpx.RequestID(r.Context())}
}

// HandleList lists vendors for operators: ?status=….
func HandleList(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := s.List(r.Context(), r.URL.Query().Get("status"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"vendors": list})
	})
}

// HandleCreate adds a vendor: POST {"slug","name","contact_email","commission_bps","currency"}.
func HandleCreate(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Slug          string `json:"slug"`
			Name          string `json:"name"`
			ContactEmail  string `json:"contact_email"`
			CommissionBPS int    `json:"commission_bps"`
			Currency      string `json:"currency"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		v, err := s.Create(r.Context(), Vendor{Slug: in.Slug, Name: in.Name, ContactEmail: in.ContactEmail,
			CommissionBPS: in.CommissionBPS, Currency: in.Currency}, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, v)
	})
}

// HandleGet shows one vendor to operators.
func HandleGet(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.Get(r.Context(), chi.URLParam(r, "vendorID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, v)
	})
}

// HandleUpdate lets operators change any of name, contact email, commission
// and status (approve: "active"; suspend: "suspended").
func HandleUpdate(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p Patch
		if err := httpx.Decode(w, r, &p); err != nil {
			httpx.Error(w, r, err)
			return
		}
		v, err := s.Update(r.Context(), chi.URLParam(r, "vendorID"), p, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, v)
	})
}

// HandleOwnProfile shows a vendor user their vendor.
func HandleOwnProfile(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := s.Get(r.Context(), auth.MustPrincipal(r.Context()).VendorID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, v)
	})
}

// HandleUpdateOwnProfile lets a vendor owner change its name and contact
// email. Commission and status are the operators' to set: a request that
// names them is refused whole (unknown field), never half applied.
func HandleUpdateOwnProfile(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name         *string `json:"name"`
			ContactEmail *string `json:"contact_email"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		v, err := s.Update(r.Context(), auth.MustPrincipal(r.Context()).VendorID,
			Patch{Name: in.Name, ContactEmail: in.ContactEmail}, actor(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, v)
	})
}
