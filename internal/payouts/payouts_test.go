package payouts_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/payouts"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/db/dbtest"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
	"github.com/trove-platform/trove/internal/vendors"
)

func TestCommission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		amount int64
		bps    int
		want   int64
	}{
		{5000, 1500, 750},
		{333, 1500, 50}, // 49.95 rounds half up
		{330, 1500, 50}, // 49.5 rounds up
		{329, 1500, 49}, // 49.35
		{1, 1500, 0},
		{0, 1500, 0},
		{-100, 1500, 0},
		{999_999_99, 1234, 12_340_000}, // 12_339_999.88 (large amounts stay exact)
		{100, 0, 0},
		// Near the int64 limit the product amount x bps does not fit in 64
		// bits; the commission still comes out exact instead of wrapping.
		{math.MaxInt64, 10000, math.MaxInt64},
		{math.MaxInt64, 1500, 1383505805528216371}, // 1383505805528216371.05
		{math.MaxInt64 / 1500, 1500, 922337203685478},
		{1 << 62, 5000, 1 << 61},
	}
	com := func(amount int64, bps int) int64 {
		t.Helper()
		c, err := payouts.Commission(amount, bps)
		if err != nil {
			t.Fatalf("Commission(%d, %d): %v", amount, bps, err)
		}
		return c
	}
	for _, tc := range tests {
		if got := com(tc.amount, tc.bps); got != tc.want {
			t.Errorf("Commission(%d, %d) = %d, want %d", tc.amount, tc.bps, got, tc.want)
		}
	}
	if _, err := payouts.Commission(math.MaxInt64, 10001); !errors.Is(err, money.ErrOverflow) {
		t.Errorf("a rate above 100%% of the largest amount: %v, want money.ErrOverflow", err)
	}
	// Given back in pieces, as PostRefund does (the difference over the
	// refunded total), a full refund returns the sale's commission exactly.
	for _, pieces := range [][]int64{{333, 333, 334}, {1, 1, 998}, {500, 500}, {999, 1}} {
		var refunded, back int64
		for _, p := range pieces {
			back += com(refunded+p, 1500) - com(refunded, 1500)
			refunded += p
		}
		if back != com(1000, 1500) {
			t.Errorf("pieces %v gave back %d, want %d", pieces, back, com(1000, 1500))
		}
	}
}

// TestCyclesAtOnce: four cycles started at the same moment pay each vendor's
// entries once between them; a fifth finds nothing left.
func TestCyclesAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := dbtest.New(t)
	clk := clock.System{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := queue.NewRegistry()
	queue.Handle(reg, "test.transfer", func(context.Context, queue.Meta, payouts.TransferJob) error { return nil })
	queue.Handle(reg, "test.paid", func(context.Context, queue.Meta, orders.Paid) error { return nil })
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
	var vendorIDs []string
	for _, slug := range []string{"acme", "bolt", "coil"} {
		v, _, err := vs.Ensure(ctx, vendors.Vendor{Slug: slug, Name: slug, ContactEmail: slug + "@example.com", CommissionBPS: 1000, Status: vendors.StatusActive})
		if err != nil {
			t.Fatal(err)
		}
		vendorIDs = append(vendorIDs, v.ID)
		// Two adjustments each (entries with no vendor order are due at once).
		for i, amount := range []int64{1000, 250} {
			if _, _, err := s.Adjust(ctx, v.ID, payouts.Adjustment{Amount: money.Money{Amount: amount, Currency: "USD"}, Reason: "bonus",
				IdempotencyKey: slug + string(rune('a'+i))}, audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_ops"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// acme and bolt can be paid; coil has no account.
	for _, id := range vendorIDs[:2] {
		if _, err := conn.Exec(`INSERT INTO payout_accounts (vendor_id, stripe_account_id, details_submitted, payouts_enabled, transfers_active,
			created_at, updated_at) VALUES (?, ?, TRUE, TRUE, TRUE, NOW(6), NOW(6))`, id, "acct_"+id); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Millisecond)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := s.RunCycle(ctx, "manual", "", "test"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ps, err := s.Payouts(ctx, payouts.PayoutFilter{})
	if err != nil || len(ps) != 2 {
		t.Fatalf("%d payouts, %v", len(ps), err)
	}
	for _, p := range ps {
		if p.Amount.Amount != 1250 || p.Status != payouts.StatusPending {
			t.Fatalf("payout %+v", p)
		}
		if total, _ := s.ItemsTotal(ctx, p.ID); total != 1250 {
			t.Fatalf("payout %s settles %d", p.ID, total)
		}
	}
	var transfers int
	conn.Get(&transfers, `SELECT COUNT(*) FROM jobs WHERE kind = 'payouts.transfer'`)
	if transfers != 2 {
		t.Fatalf("%d transfer jobs", transfers)
	}
	c, err := s.RunCycle(ctx, "manual", "", "test")
	if err != nil || c.Payouts != 0 || len(c.SkippedList) != 1 || c.SkippedList[0].VendorID != vendorIDs[2] || c.SkippedList[0].Balance.Amount != 1250 {
		t.Fatalf("the fifth cycle: %+v, %v", c, err)
	}
	// A scheduled occurrence runs once.
	first, err := s.RunCycle(ctx, "schedule", "2026-11-23T06:00:00Z", "schedule")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.RunCycle(ctx, "schedule", "2026-11-23T06:00:00Z", "schedule")
	if err != nil || again.ID != first.ID {
		t.Fatalf("the occurrence ran twice: %s, %s, %v", first.ID, again.ID, err)
	}
}
