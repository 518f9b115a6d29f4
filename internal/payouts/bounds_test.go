package payouts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/auth"
	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/vendors"
)

// ledgerWorld is a payouts service over a fresh database with one vendor
// that has a Stripe account ready for payouts.
type ledgerWorld struct {
	conn     *sqlx.DB
	s        *payouts.Service
	vendorID string
}

func newLedgerWorld(t *testing.T) *ledgerWorld {
	t.Helper()
	ctx := context.Background()
	conn := dbtest.New(t)
	clk := clock.System{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := queue.NewRegistry()
	queue.Handle(reg, "test.transfer", func(context.Context, queue.Meta, payouts.TransferJob) error { return nil })
	q, err := queue.New(conn, reg, clk, queue.Config{}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := vendors.NewStore(vendors.Deps{DB: conn, Clock: clk})
	os := orders.NewStore(orders.Deps{DB: conn, Clock: clk, Queue: q, Catalog: catalog.NewStore(catalog.Deps{DB: conn, Clock: clk})}, orders.Config{})
	s, err := payouts.New(payouts.Deps{DB: conn, Clock: clk, Queue: q, Orders: os, Vendors: vs, Log: log}, payouts.Config{Hold: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := vs.Ensure(ctx, vendors.Vendor{Slug: "acme", Name: "Acme", ContactEmail: "acme@example.com", CommissionBPS: 1000, Status: vendors.StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO payout_accounts (vendor_id, stripe_account_id, details_submitted, payouts_enabled, transfers_active,
		created_at, updated_at) VALUES (?, 'acct_acme', TRUE, TRUE, TRUE, NOW(6), NOW(6))`, v.ID); err != nil {
		t.Fatal(err)
	}
	return &ledgerWorld{conn: conn, s: s, vendorID: v.ID}
}

// adjust posts an adjustment through the operator's HTTP handler.
func (w *ledgerWorld) adjust(t *testing.T, body string) (int, httpx.Problem) {
	t.Helper()
	r := chi.NewRouter()
	r.Use(httpx.RequestContext(slog.New(slog.NewTextHandler(io.Discard, nil))))
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
			p := &auth.Principal{UserID: "usr_ops", Role: auth.RolePlatformAdmin}
			next.ServeHTTP(rw, req.WithContext(auth.WithPrincipal(req.Context(), p)))
		})
	})
	r.Method(http.MethodPost, "/api/v1/admin/vendors/{vendorID}/ledger/adjustments", payouts.HandleAdjust(w.s))
	req := httptest.NewRequest("POST", "/api/v1/admin/vendors/"+w.vendorID+"/ledger/adjustments", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var p httpx.Problem
	json.Unmarshal(rec.Body.Bytes(), &p)
	return rec.Code, p
}

func (w *ledgerWorld) state(t *testing.T) string {
	t.Helper()
	bs, err := w.s.Balances(context.Background(), w.vendorID)
	if err != nil {
		t.Fatal(err)
	}
	var entries, audits int
	w.conn.Get(&entries, `SELECT COUNT(*) FROM ledger_entries`)
	w.conn.Get(&audits, `SELECT COUNT(*) FROM audit_log`)
	return fmt.Sprintf("balances %+v, %d entries, %d audit rows", bs, entries, audits)
}

// TestAdjustmentBounds: an operator's adjustment is one amount entering the
// ledger, held to ±money.MaxAmount. The largest int64 once went through, and
// the vendor's balance wrapped to a huge debt; now it is a 400 that names the
// field, and the balance, the ledger and the audit log stay as they were.
func TestAdjustmentBounds(t *testing.T) {
	t.Parallel()
	w := newLedgerWorld(t)
	if code, p := w.adjust(t, `{"amount":{"amount":1000,"currency":"USD"},"reason":"opening credit"}`); code != 201 {
		t.Fatalf("a sound adjustment: %d %+v", code, p)
	}
	before := w.state(t)
	for _, amount := range []string{"9223372036854775807", "-9223372036854775808", "100000000", "-100000000", "2147483648"} {
		t.Run(amount, func(t *testing.T) {
			code, p := w.adjust(t, `{"amount":{"amount":`+amount+`,"currency":"USD"},"reason":"typo","idempotency_key":"k`+amount+`"}`)
			if code != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "amount.amount" || !strings.Contains(p.Errors[0].Message, "999999.99") {
				t.Fatalf("%d %+v", code, p)
			}
			if after := w.state(t); after != before {
				t.Fatalf("a refused adjustment changed the ledger:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Run("the bound itself, both ways", func(t *testing.T) {
		for i, amount := range []int64{money.MaxAmount, -money.MaxAmount} {
			if code, p := w.adjust(t, fmt.Sprintf(`{"amount":{"amount":%d,"currency":"USD"},"reason":"large","idempotency_key":"max%d"}`, amount, i)); code != 201 {
				t.Fatalf("%d: %d %+v", amount, code, p)
			}
		}
		bs, err := w.s.Balances(context.Background(), w.vendorID)
		if err != nil || len(bs) != 1 || bs[0].Open.Amount != 1000 {
			t.Fatalf("%+v %v", bs, err)
		}
	})
}

// TestCycleRefusesAWrappingSum: entries written before amounts were bounded
// can hold any int64. A cycle must not pay (or skip as "not positive") the
// wrapped sum of them: it skips the vendor with a reason an operator can act
// on, and the balance answers an error rather than a wrapped figure.
func TestCycleRefusesAWrappingSum(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newLedgerWorld(t)
	if _, _, err := w.s.Adjust(ctx, w.vendorID, payouts.Adjustment{Amount: money.Money{Amount: 5000, Currency: "USD"}, Reason: "sales"},
		audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_ops"}); err != nil {
		t.Fatal(err)
	}
	// A legacy row, written past the checks.
	if _, err := w.conn.Exec(`INSERT INTO ledger_entries (id, vendor_id, kind, currency, amount, source_key, memo, created_by, created_at)
		VALUES ('led_legacy', ?, 'adjustment', 'USD', ?, 'adjustment:legacy', 'typo', 'usr_ops', NOW(6))`, w.vendorID, int64(math.MaxInt64)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	c, err := w.s.RunCycle(ctx, "manual", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	if c.Payouts != 0 || len(c.SkippedList) != 1 || !strings.Contains(c.SkippedList[0].Reason, "correct the ledger") {
		t.Fatalf("the cycle: %+v", c)
	}
	var payoutRows int
	w.conn.Get(&payoutRows, `SELECT COUNT(*) FROM payouts`)
	if payoutRows != 0 {
		t.Fatalf("%d payouts of a wrapped sum", payoutRows)
	}
	if bs, err := w.s.Balances(ctx, w.vendorID); err == nil {
		t.Fatalf("the balance of a ledger past int64 answered %+v", bs)
	}
}
