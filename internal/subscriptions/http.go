package subscriptions

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// subscriber is the signed-in buyer of a request (routes are behind
// RequireRole(auth.RoleBuyer)).
func subscriber(r *http.Request) (Subscriber, error) {
	p := auth.PrincipalFrom(r.Context())
	if p == nil {
		return Subscriber{}, fault.Unauthorized("sign in as a buyer")
	}
	return Subscriber{UserID: p.UserID, Email: p.Email}, nil
}

// HandleSubscribe answers 201 with the plan and, when the first invoice
// awaits payment, the client secret to confirm it with.
func HandleSubscribe(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := subscriber(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		var in SubscribeInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		res, err := s.Subscribe(r.Context(), who, in)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusCreated, res)
	})
}

// HandleListSubscriptions answers the buyer's own plans.
func HandleListSubscriptions(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := subscriber(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		subs, err := s.Subscriptions(r.Context(), who.UserID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
	})
}

// HandleCancelSubscription cancels the buyer's own plan ({subscriptionID});
// another buyer's answers 404.
func HandleCancelSubscription(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := subscriber(r)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		sub, err := s.Cancel(r.Context(), who.UserID, chi.URLParam(r, "subscriptionID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]any{"subscription": sub})
	})
}
