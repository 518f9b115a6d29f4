package payments

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// The vendor of a vendor user's request is always the session's: another
// vendor's vendor order answers 404, as one that does not exist.

// actorOf is the signed-in user behind a request.
func actorOf(r *http.Request) Actor {
	p := auth.MustPrincipal(r.Context())
	return Actor{Type: audit.ActorUser, ID: p.UserID, VendorID: p.VendorID, RequestID: httpx.RequestID(r.Context())}
}

// HandleCreateOrderRefund refunds a paid order: 201 with the new refund and
// its allocation; 200 with the refund a repeated request made.
func HandleCreateOrderRefund(rs *Refunds) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in RefundInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := keyFromHeader(r, &in.IdempotencyKey); err != nil {
			httpx.Error(w, r, err)
			return
		}
		ref, created, err := rs.RefundOrder(r.Context(), actorOf(r), chi.URLParam(r, "orderID"), in)
		answerRefund(w, r, ref, created, err)
	})
}

// HandleOrderRefunds answers an order's refund position and refunds.
func HandleOrderRefunds(rs *Refunds) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := rs.OrderRefunds(r.Context(), chi.URLParam(r, "orderID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, v)
	})
}

// HandleCreateVendorRefund refunds lines of the caller's vendor order, within
// the vendor refund window: 201, or 200 for a repeat.
func HandleCreateVendorRefund(rs *Refunds) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := actorOf(r)
		// Whose vendor order it is comes first: another vendor's answers 404
		// whatever the body says.
		if _, err := rs.orders.VendorOrderOfVendor(r.Context(), by.VendorID, chi.URLParam(r, "vendorOrderID")); err != nil {
			httpx.Error(w, r, err)
			return
		}
		var in VendorRefundInput
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if err := keyFromHeader(r, &in.IdempotencyKey); err != nil {
			httpx.Error(w, r, err)
			return
		}
		ref, created, err := rs.RefundVendorOrder(r.Context(), by, chi.URLParam(r, "vendorOrderID"), in)
		answerRefund(w, r, ref, created, err)
	})
}

// HandleVendorOrderRefunds answers the caller's vendor order's refund
// position and the refunds touching it (each cut to this vendor order).
func HandleVendorOrderRefunds(rs *Refunds) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := actorOf(r)
		v, err := rs.VendorOrderRefunds(r.Context(), by.VendorID, chi.URLParam(r, "vendorOrderID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, v)
	})
}

// IdempotencyKeyHeader may carry a refund's idempotency key instead of the
// body's idempotency_key.
const IdempotencyKeyHeader = "Idempotency-Key"

// keyFromHeader takes the key from the Idempotency-Key header when the body
// has none; two different keys are refused.
func keyFromHeader(r *http.Request, key *string) error {
	h := strings.TrimSpace(r.Header.Get(IdempotencyKeyHeader))
	switch {
	case h == "":
	case *key == "":
		*key = h
	case strings.TrimSpace(*key) != h:
		var f fault.Fields
		f.Add("idempotency_key", "differs from the %s header: send one key", IdempotencyKeyHeader)
		return f.Err()
	}
	return nil
}

func answerRefund(w http.ResponseWriter, r *http.Request, ref Refund, created bool, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, status, ref)
}
