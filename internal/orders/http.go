package orders

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// CartTokenHeader carries a guest cart's token: given once, when the cart is
// created.
const CartTokenHeader = "X-Cart-Token"

// shopper lets guests through, and signed-in callers only as buyers: with a
// session, auth.RequireRole(buyer) applies (403 for other roles, and the CSRF
// check for cookie sessions, since these routes change state and are not
// behind RequireRole).
func shopper(h http.HandlerFunc) http.Handler {
	asBuyer := auth.RequireRole(auth.RoleBuyer)(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.PrincipalFrom(r.Context()) != nil {
			asBuyer.ServeHTTP(w, r)
			return
		}
		h(w, r)
	})
}

func callerOf(r *http.Request) Caller {
	c := Caller{CartToken: r.Header.Get(CartTokenHeader)}
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		c.UserID, c.Email = p.UserID, p.Email
	}
	return c
}

// HandleCreateCart makes a guest a cart (201, with cart_token, given only
// here) or answers a signed-in buyer's open cart (201 if made now, else 200).
func HandleCreateCart(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		cart, token, created, err := s.CreateCart(r.Context(), callerOf(r))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		body := map[string]any{"cart": cart}
		if token != "" {
			body["cart_token"] = token
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, status, body)
	})
}

// HandleGetCart answers the caller's cart, priced now.
func HandleGetCart(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		cart, err := s.Cart(r.Context(), callerOf(r), chi.URLParam(r, "cartID"))
		answer(w, r, cart, err)
	})
}

// HandleUpdateCart sets the cart's email, gift message and recipient.
func HandleUpdateCart(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		var p CartPatch
		if err := httpx.Decode(w, r, &p); err != nil {
			httpx.Error(w, r, err)
			return
		}
		cart, err := s.UpdateCart(r.Context(), callerOf(r), chi.URLParam(r, "cartID"), p)
		answer(w, r, cart, err)
	})
}

// HandleAddLine adds a variant or a bundle to the cart.
func HandleAddLine(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		var in LineInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		cart, err := s.AddLine(r.Context(), callerOf(r), chi.URLParam(r, "cartID"), in)
		answer(w, r, cart, err)
	})
}

// HandleUpdateLine changes a line's quantity, gift message or recipient.
func HandleUpdateLine(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		var p LinePatch
		if err := httpx.Decode(w, r, &p); err != nil {
			httpx.Error(w, r, err)
			return
		}
		cart, err := s.UpdateLine(r.Context(), callerOf(r), chi.URLParam(r, "cartID"), chi.URLParam(r, "lineID"), p)
		answer(w, r, cart, err)
	})
}

// HandleRemoveLine removes a line.
func HandleRemoveLine(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		cart, err := s.RemoveLine(r.Context(), callerOf(r), chi.URLParam(r, "cartID"), chi.URLParam(r, "lineID"))
		answer(w, r, cart, err)
	})
}

// HandleCheckout checks the cart out (201 with the new order and its payment;
// 200 with the same for a cart already checked out). The body is optional.
func HandleCheckout(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		var in CheckoutInput
		if _, err := httpx.DecodeOptional(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		res, created, err := s.Checkout(r.Context(), callerOf(r), chi.URLParam(r, "cartID"), in)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		w.Header().Set("Cache-Control", "no-store") // it carries the client secret
		httpx.JSON(w, status, res)
	})
}

// HandleGetOrder answers an order: a signed-in buyer's own, or the one a guest
// checked out from the cart whose token they send.
func HandleGetOrder(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.BuyerOrder(r.Context(), callerOf(r), chi.URLParam(r, "orderID"))
		answer(w, r, o, err)
	})
}

// HandleListOrders lists the signed-in buyer's orders, newest first
// (query: cursor, limit).
func HandleListOrders(s *Store) http.Handler {
	return shopper(func(w http.ResponseWriter, r *http.Request) {
		c := callerOf(r)
		limit := 0
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				httpx.Error(w, r, fault.Invalid("limit must be a positive whole number"))
				return
			}
			limit = n
		}
		page, err := s.BuyerOrders(r.Context(), c.UserID, r.URL.Query().Get("cursor"), limit)
		answer(w, r, page, err)
	})
}

func answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, v)
}
