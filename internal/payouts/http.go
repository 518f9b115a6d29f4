package payouts

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

func vendorID(r *http.Request) string { return auth.MustPrincipal(r.Context()).VendorID }

func answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.JSON(w, http.StatusOK, v)
}

// HandleBalance answers the vendor's balance per currency, with the next
// payout's date and estimate.
func HandleBalance(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.Balances(r.Context(), vendorID(r))
		answer(w, r, map[string]any{"balances": b}, err)
	})
}

// HandleEntries lists the vendor's ledger entries (kind, order_id, from, to,
// cursor, limit), as JSON or, with format=csv, as a CSV of every matching
// entry.
func HandleEntries(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var fe fault.Fields
		f := EntryFilter{Kind: q.Get("kind"), OrderID: q.Get("order_id"), Cursor: q.Get("cursor")}
		for name, into := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
			if v := q.Get(name); v != "" {
				t, err := time.Parse(time.DateOnly, v)
				fe.Check(err == nil, name, "must be a date such as 2026-11-24")
				*into = t
			}
		}
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			fe.Check(err == nil, "limit", "must be a number")
			f.Limit = n
		}
		format := q.Get("format")
		fe.Check(format == "" || format == "json" || format == "csv", "format", "must be json or csv")
		if err := fe.Err(); err != nil {
			httpx.Error(w, r, err)
			return
		}
		if format != "csv" {
			page, err := s.Entries(r.Context(), vendorID(r), f)
			answer(w, r, page, err)
			return
		}
		f.Limit = 500
		var all []Entry
		for {
			page, err := s.Entries(r.Context(), vendorID(r), f)
			if err != nil {
				httpx.Error(w, r, err)
				return
			}
			all = append(all, page.Items...)
			if page.Next == nil {
				break
			}
			f.Cursor = *page.Next
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="ledger.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		cw := csv.NewWriter(w)
		cw.Write([]string{"entry_id", "created_at", "kind", "currency", "amount", "order_id", "vendor_order_id", "refund_id", "dispute_id",
			"payout_id", "memo"})
		for _, e := range all {
			cw.Write([]string{e.ID, e.CreatedAt.UTC().Format(time.RFC3339), e.Kind, e.Amount.Currency, e.Amount.Decimal(),
				deref(e.OrderID), deref(e.VendorOrderID), deref(e.RefundID), deref(e.DisputeID), deref(e.PayoutID), csvSafe(e.Memo)})
		}
		cw.Flush()
	})
}

// csvSafe keeps a spreadsheet from reading a memo as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

// HandleOrderSummaries answers what each vendor order brought the vendor.
func HandleOrderSummaries(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.OrderSummaries(r.Context(), vendorID(r), 200)
		answer(w, r, map[string]any{"orders": rows}, err)
	})
}

// HandleVendorPayouts lists the vendor's payouts with their Xero bills.
func HandleVendorPayouts(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps, err := s.Payouts(r.Context(), PayoutFilter{VendorID: vendorID(r)})
		answer(w, r, map[string]any{"payouts": ps}, err)
	})
}

// HandleVendorPayout answers one of the vendor's payouts with its lines.
func HandleVendorPayout(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.VendorPayout(r.Context(), vendorID(r), chi.URLParam(r, "payoutID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		lines, err := s.PayoutLines(r.Context(), p.ID)
		answer(w, r, map[string]any{"payout": p, "lines": lines}, err)
	})
}

// HandleAccount answers the vendor's payout account.
func HandleAccount(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.AccountStatus(r.Context(), vendorID(r))
		answer(w, r, a, err)
	})
}

// HandleOnboard answers a Stripe onboarding link for the vendor.
func HandleOnboard(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := auth.MustPrincipal(r.Context())
		url, exp, err := s.Onboard(r.Context(), p.VendorID, p.Email)
		answer(w, r, map[string]any{"url": url, "expires_at": exp}, err)
	})
}

// HandleCycles lists the latest payout cycles.
func HandleCycles(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs, err := s.Cycles(r.Context(), 50)
		answer(w, r, map[string]any{"cycles": cs}, err)
	})
}

// HandleRunCycle runs a payout cycle now (an operator's "run now") and
// answers it: 201.
func HandleRunCycle(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.RunCycle(r.Context(), "manual", "", auth.MustPrincipal(r.Context()).UserID)
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		httpx.JSON(w, http.StatusCreated, c)
	})
}

// HandlePayouts lists payouts (vendor_id, cycle_id, status).
func HandlePayouts(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		f := PayoutFilter{VendorID: q.Get("vendor_id"), CycleID: q.Get("cycle_id"), Status: q.Get("status")}
		switch f.Status {
		case "", StatusPending, StatusTransferred, StatusFailed:
		default:
			httpx.Error(w, r, fault.Invalid("status must be pending, transferred or failed"))
			return
		}
		ps, err := s.Payouts(r.Context(), f)
		answer(w, r, map[string]any{"payouts": ps}, err)
	})
}

// HandlePayout answers one payout with its lines.
func HandlePayout(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.Payout(r.Context(), chi.URLParam(r, "payoutID"))
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		lines, err := s.PayoutLines(r.Context(), p.ID)
		answer(w, r, map[string]any{"payout": p, "lines": lines}, err)
	})
}

// HandleAdjust posts an operator's adjustment to a vendor's ledger: 201, or
// 200 for a repeated idempotency key.
func HandleAdjust(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a Adjustment
		if err := httpx.Decode(w, r, &a); err != nil {
			httpx.Error(w, r, err)
			return
		}
		p := auth.MustPrincipal(r.Context())
		e, created, err := s.Adjust(r.Context(), chi.URLParam(r, "vendorID"), a,
			audit.Entry{ActorType: audit.ActorUser, ActorID: p.UserID, RequestID: httpx.RequestID(r.Context())})
		if err != nil {
			httpx.Error(w, r, err)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		httpx.JSON(w, status, e)
	})
}
