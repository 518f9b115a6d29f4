package payments

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/platform/httpx"
	"github.com/trove-platform/trove/internal/platform/money"
)

// TestRefundAmountBound: a refund's amount is an amount entering Trove: past
// money.MaxAmount it is a 400 on amount.amount (not a 409 about what is left
// on the order, which would read as "try a smaller one"), and nothing is
// written.
func TestRefundAmountBound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 0)
	mug := h.product(h.acme, "mug", 1500, 10)
	o := h.paidOrder(item{mug, 2})
	for _, amount := range []int64{math.MaxInt64, money.MaxAmount + 1, 1 << 31} {
		b := h.want(400, "ops", "POST", refundPath(o.ID), map[string]any{"amount": usd(amount), "reason": "typo"}, nil)
		var p httpx.Problem
		json.Unmarshal(b, &p)
		if len(p.Errors) != 1 || p.Errors[0].Field != "amount.amount" || !strings.Contains(p.Errors[0].Message, "999999.99") {
			t.Fatalf("%d: %s", amount, b)
		}
	}
	if n := h.count(`SELECT COUNT(*) FROM refunds`); n != 0 {
		t.Fatalf("%d refunds written", n)
	}
}
