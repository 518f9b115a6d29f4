package payments

// Refund allocation: how a refund is split to the cent across an order's
// vendor orders and lines. Pure functions of what the refund asks and the
// order's refund position (orders.RefundPosition): no database, no clock, no
// context, so the rules are read and tested here (refunds_plan_test.go) apart
// from the SQL that reads the position under the order's locks and writes the
// result (refunds.go).
//
//   - the whole order: every line's amount and units left;
//   - lines: per line, the value of the units asked (unitsValue), capped by
//     what is left on the line;
//   - an amount: split over the vendor orders weighted by what is left on
//     each, then within a vendor order over its lines weighted the same way.
//
// Every split sums to its total to the cent (money.Allocate), and nothing is
// planned past what is left, per line, vendor order and order.

import (
	"fmt"
	"strings"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// refundAsk is what a refund asks for, as the allocation reads it.
type refundAsk struct {
	kind          string       // KindOrder, KindLines or KindAmount
	amount        *money.Money // KindAmount: how much
	lines         []LineRefund // KindLines: units of which lines
	vendorOrderID string       // a vendor's refund: only lines of this vendor order
}

// ask is the request in the allocation's words.
func (q request) ask() refundAsk {
	return refundAsk{kind: q.kind(), amount: q.amount, lines: q.lines, vendorOrderID: q.vendorOrderID}
}

// share is a refund's planned share of one line.
type share struct {
	line     orders.RefundLine
	amount   int64
	quantity int
}

// plan works out the refund's shares of the order's lines, and its total,
// from the order's position: every field problem (400) at once, then
// anything asking more than is left (409).
func plan(a refundAsk, pos orders.RefundPosition) ([]share, int64, error) {
	cur := pos.Currency
	switch a.kind {
	case KindLines:
		return planLines(a, pos)
	case KindAmount:
		if a.amount == nil {
			return nil, 0, fault.Invalid("a refund of an amount needs the amount")
		}
		if a.amount.Currency != cur {
			var f fault.Fields
			f.Add("amount.currency", "must be the order's currency, %s", cur)
			return nil, 0, f.Err()
		}
		return planAmount(a.amount.Amount, pos)
	}
	// The whole order: everything left, every unit left.
	var shares []share
	var sum money.Tally
	for _, l := range pos.Lines {
		left, units := l.Left()
		if left > 0 || units > 0 {
			shares = append(shares, share{line: l, amount: left, quantity: units})
			sum.Add(left)
		}
	}
	total, err := sum.Total()
	if err != nil {
		return nil, 0, fmt.Errorf("payments: order %s: its lines do not add up: %w", pos.OrderID, err)
	}
	if total <= 0 {
		return nil, 0, fault.Conflict("order %s is refunded in full already (%s of %s)", pos.OrderID,
			money.Money{Amount: pos.Refunded, Currency: cur}, money.Money{Amount: pos.Total, Currency: cur})
	}
	if total > pos.Left() {
		return nil, 0, fault.Conflict("the lines of order %s hold %s, but only %s is left to refund on it", pos.OrderID,
			money.Money{Amount: total, Currency: cur}, money.Money{Amount: pos.Left(), Currency: cur})
	}
	return shares, total, nil
}

func planLines(a refundAsk, pos orders.RefundPosition) ([]share, int64, error) {
	cur := pos.Currency
	var f fault.Fields
	var over []string
	var shares []share
	var sum money.Tally
	for i, lr := range a.lines {
		l, ok := pos.Line(lr.LineID)
		if !ok || (a.vendorOrderID != "" && l.VendorOrderID != a.vendorOrderID) {
			scope := "order " + pos.OrderID
			if a.vendorOrderID != "" {
				scope = "vendor order " + a.vendorOrderID
			}
			f.Add(fmt.Sprintf("lines[%d].line_id", i), "%s is not a line of %s", lr.LineID, scope)
			continue
		}
		leftAmount, leftUnits := l.Left()
		if lr.Quantity > leftUnits {
			over = append(over, fmt.Sprintf("line %s (%s): %d of %d units are left to refund, %d asked", l.ID, l.Title, leftUnits, l.Quantity, lr.Quantity))
			continue
		}
		value, err := unitsValue(l, l.RefundedQuantity, l.RefundedQuantity+lr.Quantity)
		if err != nil {
			return nil, 0, err
		}
		a := min(value, leftAmount)
		shares = append(shares, share{line: l, amount: a, quantity: lr.Quantity})
		sum.Add(a)
	}
	if err := f.Err(); err != nil {
		return nil, 0, err
	}
	total, err := sum.Total()
	if err != nil {
		return nil, 0, fmt.Errorf("payments: order %s: the lines asked do not add up: %w", pos.OrderID, err)
	}
	if len(over) > 0 {
		return nil, 0, fault.Conflict("more than was paid: %s", strings.Join(over, "; "))
	}
	if total <= 0 {
		return nil, 0, fault.Conflict("nothing is left to refund on these lines: they are refunded in full already")
	}
	if total > pos.Left() {
		return nil, 0, fault.Conflict("%s asked, but only %s is left to refund on order %s", money.Money{Amount: total, Currency: cur},
			money.Money{Amount: pos.Left(), Currency: cur}, pos.OrderID)
	}
	return shares, total, nil
}

// unitsValue is what units from+1..to of a line are worth: cum(to) - cum(from),
// where cum(n) is the line's amount x n / quantity, rounded half up (split
// with money.Allocate), so the values of all the units sum to the line's
// amount exactly.
func unitsValue(l orders.RefundLine, from, to int) (int64, error) {
	cum := func(n int) (int64, error) {
		if n <= 0 {
			return 0, nil
		}
		if n >= l.Quantity {
			return l.Amount, nil
		}
		parts, err := money.Allocate(l.Amount, []int64{int64(n), int64(l.Quantity - n)})
		if err != nil {
			return 0, err
		}
		return parts[0], nil
	}
	a, err := cum(from)
	if err != nil {
		return 0, err
	}
	b, err := cum(to)
	return b - a, err
}

// planAmount spreads amount over the vendor orders, weighted by what is left
// on each, and within each vendor order over its lines, weighted by what is
// left on each.
func planAmount(amount int64, pos orders.RefundPosition) ([]share, int64, error) {
	cur := pos.Currency
	weights := make([]int64, len(pos.VendorOrders))
	var sum money.Tally
	for i, vo := range pos.VendorOrders {
		weights[i] = max(vo.Left(), 0)
		sum.Add(weights[i])
	}
	left, err := sum.Total()
	if err != nil {
		return nil, 0, fmt.Errorf("payments: order %s: its vendor orders do not add up: %w", pos.OrderID, err)
	}
	left = min(left, pos.Left())
	if amount > left {
		return nil, 0, fault.Conflict("%s asked, but only %s is left to refund on order %s (%s of %s refunded)",
			money.Money{Amount: amount, Currency: cur}, money.Money{Amount: left, Currency: cur}, pos.OrderID,
			money.Money{Amount: pos.Refunded, Currency: cur}, money.Money{Amount: pos.Total, Currency: cur})
	}
	perVO, err := money.Allocate(amount, weights)
	if err != nil {
		return nil, 0, err
	}
	var shares []share
	for i, vo := range pos.VendorOrders {
		if perVO[i] == 0 {
			continue
		}
		var lines []orders.RefundLine
		var lw []int64
		for _, l := range pos.Lines {
			if l.VendorOrderID == vo.ID {
				a, _ := l.Left()
				lines = append(lines, l)
				lw = append(lw, max(a, 0))
			}
		}
		perLine, err := money.Allocate(perVO[i], lw)
		if err != nil {
			return nil, 0, fmt.Errorf("payments: vendor order %s: its lines do not add up to it: %w", vo.ID, err)
		}
		for j, l := range lines {
			if perLine[j] > 0 {
				shares = append(shares, share{line: l, amount: perLine[j]})
			}
		}
	}
	return shares, amount, nil
}

func orderShares(shares []share) []orders.RefundShare {
	out := make([]orders.RefundShare, 0, len(shares))
	for _, s := range shares {
		out = append(out, orders.RefundShare{LineID: s.line.ID, Amount: s.amount, Quantity: s.quantity})
	}
	return out
}

// allocationOf groups line shares by vendor order, in the order they come.
func allocationOf(shares []share, currency string) []VendorAllocation {
	out := []VendorAllocation{}
	at := map[string]int{}
	for _, s := range shares {
		i, ok := at[s.line.VendorOrderID]
		if !ok {
			i = len(out)
			at[s.line.VendorOrderID] = i
			out = append(out, VendorAllocation{VendorOrderID: s.line.VendorOrderID, VendorID: s.line.VendorID,
				Amount: money.Money{Currency: currency}, Lines: []LineAllocation{}})
		}
		out[i].Amount.Amount += s.amount // shares sum to the refund's total, itself a checked sum: no overflow
		out[i].Lines = append(out[i].Lines, LineAllocation{LineID: s.line.ID, Amount: money.Money{Amount: s.amount, Currency: currency},
			Quantity: s.quantity})
	}
	return out
}
