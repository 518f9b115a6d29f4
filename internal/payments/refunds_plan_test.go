package payments

// The refund allocation rules as pure table tests: no database, no Stripe.
// The order's position is built by hand; each case says what the refund asks
// and what each line gets (or the error: its kind, and the field or words).

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// position is an order of USD 100.00 from two vendors: vendor A's vendor
// order vo_a holds a line of three candles (60.00) and a card (10.00);
// vendor B's vo_b three mugs (30.00). Each edit applies a refund already made.
func position(edits ...func(*orders.RefundPosition)) orders.RefundPosition {
	p := orders.RefundPosition{OrderID: "ord_1", Status: orders.StatusPaid, Currency: "USD", PaymentIntentID: "pi_1", Total: 10000,
		VendorOrders: []orders.RefundVendorOrder{
			{ID: "vo_a", VendorID: "ven_a", Status: "accepted", Subtotal: 7000},
			{ID: "vo_b", VendorID: "ven_b", Status: "accepted", Subtotal: 3000},
		},
		Lines: []orders.RefundLine{
			{ID: "candle", LineNo: 1, VendorOrderID: "vo_a", VendorID: "ven_a", Title: "Candle", Quantity: 3, Amount: 6000},
			{ID: "card", LineNo: 2, VendorOrderID: "vo_a", VendorID: "ven_a", Title: "Card", Quantity: 1, Amount: 1000},
			{ID: "mug", LineNo: 3, VendorOrderID: "vo_b", VendorID: "ven_b", Title: "Mug", Quantity: 3, Amount: 3000},
		}}
	for _, e := range edits {
		e(&p)
	}
	return p
}

// refunded records a refund already made of a line: amount and units, on the
// line, its vendor order and the order.
func refunded(lineID string, amount int64, units int) func(*orders.RefundPosition) {
	return func(p *orders.RefundPosition) {
		for i, l := range p.Lines {
			if l.ID != lineID {
				continue
			}
			p.Lines[i].RefundedAmount += amount
			p.Lines[i].RefundedQuantity += units
			for j := range p.VendorOrders {
				if p.VendorOrders[j].ID == l.VendorOrderID {
					p.VendorOrders[j].Refunded += amount
				}
			}
			p.Refunded += amount
		}
	}
}

// got is a line's share: amount and units.
type got struct {
	amount int64
	units  int
}

func sharesOf(shares []share) map[string]got {
	out := map[string]got{}
	for _, s := range shares {
		out[s.line.ID] = got{s.amount, s.quantity}
	}
	return out
}

func lines(lr ...LineRefund) refundAsk { return refundAsk{kind: KindLines, lines: lr} }

func amount(cents int64, currency string) refundAsk {
	return refundAsk{kind: KindAmount, amount: &money.Money{Amount: cents, Currency: currency}}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		ask   refundAsk
		pos   orders.RefundPosition
		want  map[string]got // line -> share; nil when an error is wanted
		total int64
		// The error wanted: its kind, and a field it names (invalid) or
		// words it says (conflict).
		kind fault.Kind
		says string
	}{
		{name: "the whole order: every line, every unit", ask: refundAsk{kind: KindOrder}, pos: position(),
			want: map[string]got{"candle": {6000, 3}, "card": {1000, 1}, "mug": {3000, 3}}, total: 10000},
		{name: "the whole order after a refund of a candle: what is left", ask: refundAsk{kind: KindOrder},
			pos:  position(refunded("candle", 2000, 1)),
			want: map[string]got{"candle": {4000, 2}, "card": {1000, 1}, "mug": {3000, 3}}, total: 8000},
		{name: "the whole order, refunded in full already", ask: refundAsk{kind: KindOrder},
			pos:  position(refunded("candle", 6000, 3), refunded("card", 1000, 1), refundedAll("mug")),
			kind: fault.KindConflict, says: "refunded in full already"},
		{name: "the whole order when the order has less left than its lines hold",
			ask: refundAsk{kind: KindOrder}, pos: position(func(p *orders.RefundPosition) { p.Refunded = 9500 }),
			kind: fault.KindConflict, says: "only USD 5.00 is left"},
		{name: "lines: a unit of each of two vendors' lines", ask: lines(LineRefund{"candle", 1}, LineRefund{"mug", 2}), pos: position(),
			want: map[string]got{"candle": {2000, 1}, "mug": {2000, 2}}, total: 4000},
		{name: "lines: units of an uneven line are worth its amount together", ask: lines(LineRefund{"odd", 1}), pos: position(oddLine),
			want: map[string]got{"odd": {333, 1}}, total: 333},
		{name: "lines: the last units of an uneven line take the rounding", ask: lines(LineRefund{"odd", 2}),
			pos:  position(oddLine, refunded("odd", 333, 1)),
			want: map[string]got{"odd": {667, 2}}, total: 667},
		{name: "lines: capped by what an amount refund left on the line", ask: lines(LineRefund{"candle", 2}),
			pos:  position(refunded("candle", 5000, 1)),
			want: map[string]got{"candle": {1000, 2}}, total: 1000},
		{name: "lines: a line not of the order", ask: lines(LineRefund{"nope", 1}), pos: position(),
			kind: fault.KindInvalid, says: "lines[0].line_id"},
		{name: "lines: a vendor names another vendor's line", ask: refundAsk{kind: KindLines, vendorOrderID: "vo_b",
			lines: []LineRefund{{"mug", 1}, {"candle", 1}}}, pos: position(),
			kind: fault.KindInvalid, says: "lines[1].line_id"},
		{name: "lines: a vendor's own line", ask: refundAsk{kind: KindLines, vendorOrderID: "vo_b", lines: []LineRefund{{"mug", 3}}},
			pos: position(), want: map[string]got{"mug": {3000, 3}}, total: 3000},
		{name: "lines: more units than are left", ask: lines(LineRefund{"candle", 3}), pos: position(refunded("candle", 2000, 1)),
			kind: fault.KindConflict, says: "2 of 3 units are left to refund, 3 asked"},
		{name: "lines: units left, but no money", ask: lines(LineRefund{"card", 1}), pos: position(refunded("card", 1000, 0)),
			kind: fault.KindConflict, says: "nothing is left to refund on these lines"},
		{name: "an amount: across vendor orders and lines by what is left", ask: amount(1000, "USD"), pos: position(),
			want: map[string]got{"candle": {600, 0}, "card": {100, 0}, "mug": {300, 0}}, total: 1000},
		{name: "an amount: a vendor order refunded in full takes none", ask: amount(1000, "USD"),
			pos:  position(refundedAll("mug")),
			want: map[string]got{"candle": {857, 0}, "card": {143, 0}}, total: 1000},
		{name: "an amount: one cent goes to the largest share", ask: amount(1, "USD"), pos: position(),
			want: map[string]got{"candle": {1, 0}}, total: 1},
		{name: "an amount: all that is left", ask: amount(7000, "USD"), pos: position(refunded("candle", 3000, 0)),
			want: map[string]got{"candle": {3000, 0}, "card": {1000, 0}, "mug": {3000, 0}}, total: 7000},
		{name: "an amount: more than is left", ask: amount(7001, "USD"), pos: position(refunded("candle", 3000, 0)),
			kind: fault.KindConflict, says: "only USD 70.00 is left"},
		{name: "an amount: in another currency", ask: amount(100, "EUR"), pos: position(),
			kind: fault.KindInvalid, says: "amount.currency"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			before := fmt.Sprint(c.pos)
			shares, total, err := plan(c.ask, c.pos)
			if fmt.Sprint(c.pos) != before {
				t.Fatal("plan changed the position it was given")
			}
			if c.want == nil {
				if !fault.Is(err, c.kind) || !says(err, c.says) {
					t.Fatalf("got %v (kind %q), want kind %q saying %q", err, fault.KindOf(err), c.kind, c.says)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := sharesOf(shares); !maps.Equal(g, c.want) || total != c.total {
				t.Fatalf("shares %v total %d, want %v total %d", g, total, c.want, c.total)
			}
			// Every plan sums to its total, and no line gets more than is left.
			var sum int64
			for _, s := range shares {
				sum += s.amount
				left, units := s.line.Left()
				if s.amount > left || s.quantity > units || s.amount < 0 {
					t.Fatalf("line %s: %d and %d units planned, %d and %d left", s.line.ID, s.amount, s.quantity, left, units)
				}
			}
			if sum != total {
				t.Fatalf("shares sum to %d, total %d", sum, total)
			}
		})
	}
}

// oddLine adds vendor B a line of 3 units for USD 10.00: a unit is 3.33 or 3.34.
func oddLine(p *orders.RefundPosition) {
	p.Lines = append(p.Lines, orders.RefundLine{ID: "odd", LineNo: 4, VendorOrderID: "vo_b", VendorID: "ven_b", Title: "Odd", Quantity: 3, Amount: 1000})
	p.VendorOrders[1].Subtotal += 1000
	p.Total += 1000
}

// refundedAll records the whole of a line refunded.
func refundedAll(lineID string) func(*orders.RefundPosition) {
	return func(p *orders.RefundPosition) {
		for _, l := range p.Lines {
			if l.ID == lineID {
				refunded(lineID, l.Amount, l.Quantity)(p)
			}
		}
	}
}

// says reports whether err names field (among its fields) or has the words
// in its message.
func says(err error, words string) bool {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		return false
	}
	for _, f := range fe.Fields {
		if f.Field == words {
			return true
		}
	}
	return strings.Contains(fe.Message, words)
}

// TestUnitsValue: the units of a line, refunded one at a time or in any
// runs, are worth exactly the line's amount together, each within a cent of
// the others.
func TestUnitsValue(t *testing.T) {
	t.Parallel()
	for _, amount := range []int64{0, 1, 999, 1000, 1001, 2500, 99_999_999} {
		for q := 1; q <= 7; q++ {
			t.Run(fmt.Sprintf("%d for %d", amount, q), func(t *testing.T) {
				t.Parallel()
				l := orders.RefundLine{ID: "l", Quantity: q, Amount: amount}
				var sum int64
				var values []int64
				for n := 0; n < q; n++ {
					v, err := unitsValue(l, n, n+1)
					if err != nil {
						t.Fatal(err)
					}
					sum += v
					values = append(values, v)
				}
				if sum != amount {
					t.Fatalf("units worth %v, sum %d, want %d", values, sum, amount)
				}
				if slices.Max(values)-slices.Min(values) > 1 {
					t.Fatalf("units worth %v: more than a cent apart", values)
				}
				// Any run is the sum of its units.
				for from := 0; from <= q; from++ {
					for to := from; to <= q; to++ {
						v, err := unitsValue(l, from, to)
						if err != nil {
							t.Fatal(err)
						}
						var want int64
						for _, u := range values[from:to] {
							want += u
						}
						if v != want {
							t.Fatalf("units %d..%d worth %d, the units say %d", from+1, to, v, want)
						}
					}
				}
			})
		}
	}
}

// TestAllocationOf: line shares group into one allocation per vendor order,
// in the order they come, each summing its lines.
func TestAllocationOf(t *testing.T) {
	t.Parallel()
	p := position()
	shares, total, err := plan(amount(1000, "USD"), p)
	if err != nil {
		t.Fatal(err)
	}
	alloc := allocationOf(shares, "USD")
	if len(alloc) != 2 || alloc[0].VendorOrderID != "vo_a" || alloc[0].VendorID != "ven_a" || alloc[1].VendorOrderID != "vo_b" {
		t.Fatalf("allocation %+v", alloc)
	}
	var sum int64
	for _, a := range alloc {
		var lineSum int64
		for _, l := range a.Lines {
			lineSum += l.Amount.Amount
		}
		if lineSum != a.Amount.Amount || a.Amount.Currency != "USD" {
			t.Fatalf("vendor order %s: lines sum to %d, allocation %s", a.VendorOrderID, lineSum, a.Amount)
		}
		sum += a.Amount.Amount
	}
	if sum != total || alloc[0].Amount.Amount != 700 || alloc[1].Amount.Amount != 300 {
		t.Fatalf("allocation %+v, total %d", alloc, total)
	}
	if got := orderShares(shares); len(got) != 3 || got[0] != (orders.RefundShare{LineID: "candle", Amount: 600}) {
		t.Fatalf("order shares %+v", got)
	}
}
