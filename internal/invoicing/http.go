package invoicing

import (
	"encoding/csv"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// HandleConnection answers the platform's Xero connection.
func HandleConnection(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Connection(r.Context())
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, c)
	})
}

// HandleConnect answers the Xero consent URL to send the operator's browser to.
func HandleConnect(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.StartConnect(r.Context(), auth.MustPrincipal(r.Context()).UserID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.JSON(w, http.StatusOK, map[string]string{"authorize_url": u})
	})
}

// HandleChooseTenant picks the organisation Trove books into: {"tenant_id"}.
func HandleChooseTenant(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			TenantID string `json:"tenant_id"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		c, err := s.ChooseTenant(r.Context(), auth.MustPrincipal(r.Context()).UserID, in.TenantID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, c)
	})
}

// HandleCallback is where Xero sends the operator back: the connection is
// saved and the browser goes on to the operators' Xero page.
func HandleCallback(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if e := q.Get("error"); e != "" {
			httpx.Error(w, r, fault.Invalid("Xero did not grant access: %s", e))
			return
		}
		if _, err := s.FinishConnect(r.Context(), auth.MustPrincipal(r.Context()).UserID, q.Get("state"), q.Get("code")); err != nil {
			httpx.Error(w, r, err)
			return
		}
		http.Redirect(w, r, "/vendor/?xero=connected", http.StatusSeeOther)
	})
}

// HandleReport answers the reconciliation report (of one cycle with
// cycle_id), as JSON or, with format=csv, as CSV.
func HandleReport(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		format := q.Get("format")
		if format != "" && format != "json" && format != "csv" {
			httpx.Error(w, r, fault.Invalid("format must be json or csv"))
			return
		}
		rep, err := s.Report(r.Context(), q.Get("cycle_id"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if format != "csv" {
			httpx.JSON(w, http.StatusOK, rep)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="reconciliation.csv"`)
		cw := csv.NewWriter(w)
		cw.Write([]string{"payout_id", "cycle_id", "vendor_id", "currency", "ledger_total", "payout_net", "stripe_net", "xero_bill_net",
			"xero_paid_net", "status", "stripe_transfer_id", "xero_bill_number", "problems", "checked_at"})
		for _, row := range rep.Rows {
			fig := func(v *int64) string {
				if v == nil {
					return ""
				}
				return money.Money{Amount: *v, Currency: row.Currency}.Decimal()
			}
			checked := ""
			if !row.CheckedAt.IsZero() {
				checked = row.CheckedAt.UTC().Format("2006-01-02T15:04:05Z")
			}
			transfer := ""
			if row.Transfer != nil {
				transfer = *row.Transfer
			}
			cw.Write([]string{row.PayoutID, row.CycleID, row.VendorID, row.Currency, fig(&row.Ledger), fig(&row.Payout), fig(row.Stripe),
				fig(row.XeroBill), fig(row.XeroPaid), row.Status, transfer, row.Bill, row.Problems, checked})
		}
		cw.Flush()
	})
}

// HandleCheck re-checks payouts now: one ({"payout_id"}) or every one not
// reconciled yet ({}), and answers how many were checked.
func HandleCheck(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			PayoutID string `json:"payout_id"`
		}
		if err := httpx.Decode(w, r, &in); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if in.PayoutID != "" {
			rec, err := s.Reconcile(r.Context(), in.PayoutID)
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			httpx.JSON(w, http.StatusOK, map[string]any{"checked": 1, "reconciliations": []Reconciliation{rec}})
			return
		}
		if err := s.OnReconcile(r.Context(), queue.Meta{}, ReconcileJob{}); err != nil {
			httpx.Error(w, r, err)
			return
		}
		rep, err := s.Report(r.Context(), "")
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]any{"checked": rep.Payouts, "report": rep})
	})
}

// HandleRetry starts again what a payout still lacks (see Service.Retry):
// 202 with what was started.
func HandleRetry(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started, err := s.Retry(r.Context(), chi.URLParam(r, "payoutID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusAccepted, map[string]string{"payout_id": chi.URLParam(r, "payoutID"), "started": started})
	})
}
