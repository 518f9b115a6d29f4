package orders

// The order's state table and rules as pure table tests: no database. What
// Update does with them (the SQL, the catalog, the jobs) is held by
// state_test.go against a real database.

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

var statuses = []string{StatusPendingPayment, StatusPaymentFailed, StatusPaid, StatusCanceled, StatusExpired}

// TestTransitions: the moves the state table allows are exactly those of the
// state comment in state.go; paid and canceled are final.
func TestTransitions(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{
		StatusPendingPayment: {StatusPaid, StatusPaymentFailed, StatusCanceled, StatusExpired},
		StatusPaymentFailed:  {StatusPaid, StatusCanceled, StatusExpired, StatusPendingPayment},
		StatusExpired:        {StatusPaid, StatusCanceled},
		StatusPaid:           nil,
		StatusCanceled:       nil,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			if got, want := CanMove(from, to), slices.Contains(allowed[from], to); got != want {
				t.Errorf("%s -> %s: CanMove %v, want %v", from, to, got, want)
			}
		}
	}
	for m := range transitions {
		if !slices.Contains(statuses, m.from) || !slices.Contains(statuses, m.to) {
			t.Errorf("the table names an unknown status: %v", m)
		}
	}
}

var (
	t1      = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	t2      = t1.Add(time.Minute)
	total   = money.Money{Amount: 4500, Currency: "USD"}
	gone    = errors.New("Mug: 1 left, 3 wanted")
	pending = Order{ID: "ord_1", Status: StatusPendingPayment, PaymentIntentID: "pi_1", Total: total, ReservedUntil: t1.Add(15 * time.Minute)}
)

// in is the order in another status, as the events before would have left it.
func in(status string, edits ...func(*Order)) Order {
	o := pending.clone()
	o.Status = status
	switch status {
	case StatusPaid:
		o.AmountReceived, o.PaidAt = &total, &t1
	case StatusPaymentFailed:
		o.PaymentFailedAt = &t1
	case StatusCanceled:
		o.CanceledAt = &t1
	case StatusExpired:
		o.ExpiredAt = &t1
	}
	for _, e := range edits {
		e(&o)
	}
	return o
}

func noIntent(o *Order) { o.PaymentIntentID = "" }

// TestRules: each rule against each state it may meet, and what the state
// table then does with the change.
func TestRules(t *testing.T) {
	t.Parallel()
	usd := func(c int64) money.Money { return money.Money{Amount: c, Currency: "USD"} }
	cases := []struct {
		name    string
		order   Order
		rule    func(*Order) (bool, error)
		changed bool
		status  string
		err     error      // wanted (errors.Is); nil for none
		kind    fault.Kind // or the kind wanted
		flag    string     // words the flag says; "" for no flag
		effects []effect
	}{
		{name: "pay: awaiting payment, the total", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, nil, t2) },
			changed: true, status: StatusPaid, effects: []effect{sellGoods, acceptVendorOrders, emitPaid}},
		{name: "pay: the event's payment is taken when none is stored", order: in(StatusPendingPayment, noIntent),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_9", total, nil, t2) },
			changed: true, status: StatusPaid, effects: []effect{sellGoods, acceptVendorOrders, emitPaid}},
		{name: "pay: paid already", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.Pay("pi_1", total, nil, t2) },
			status: StatusPaid},
		{name: "pay: another payment is flagged and refused", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.Pay("pi_2", total, nil, t2) },
			status: StatusPaid, err: ErrWrongPayment, flag: "check for a double charge"},
		{name: "pay: no payment named", order: in(StatusPendingPayment),
			rule:   func(o *Order) (bool, error) { return o.Pay("", total, nil, t2) },
			status: StatusPendingPayment, kind: fault.KindInvalid},
		{name: "pay: another amount is flagged, not paid", order: in(StatusPendingPayment),
			rule:   func(o *Order) (bool, error) { return o.Pay("pi_1", usd(4400), nil, t2) },
			status: StatusPendingPayment, err: ErrAmountMismatch, flag: "received USD 44.00"},
		{name: "pay: after a failure, the goods still there", order: in(StatusPaymentFailed),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, nil, t2) },
			changed: true, status: StatusPaid, effects: []effect{sellGoods, acceptVendorOrders, emitPaid}},
		{name: "pay: after a failure, the goods gone: canceled and refunded", order: in(StatusPaymentFailed),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, gone, t2) },
			changed: true, status: StatusCanceled, flag: "the stock is gone",
			effects: []effect{releaseGoods, cancelVendorOrders, emitLatePayment}},
		{name: "pay: after expiry, the goods gone: canceled and refunded", order: in(StatusExpired),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, gone, t2) },
			changed: true, status: StatusCanceled, flag: "hold was given back (expired)",
			effects: []effect{releaseGoods, cancelVendorOrders, emitLatePayment}},
		{name: "pay: still held, so nothing is gone", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, gone, t2) },
			changed: true, status: StatusPaid, effects: []effect{sellGoods, acceptVendorOrders, emitPaid}},
		{name: "pay: canceled: the money goes back", order: in(StatusCanceled),
			rule:    func(o *Order) (bool, error) { return o.Pay("pi_1", total, nil, t2) },
			changed: true, status: StatusCanceled, flag: "after the order was canceled",
			effects: []effect{releaseGoods, cancelVendorOrders, emitLatePayment}},
		{name: "pay: canceled with its late payment recorded: a replay", order: in(StatusCanceled, func(o *Order) { o.AmountReceived = &total }),
			rule:   func(o *Order) (bool, error) { return o.Pay("pi_1", total, nil, t2) },
			status: StatusCanceled},
		{name: "fail: awaiting payment", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.Fail("pi_1", t2) },
			changed: true, status: StatusPaymentFailed, effects: []effect{releaseGoods}},
		{name: "fail: after the success", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.Fail("pi_1", t2) },
			status: StatusPaid},
		{name: "fail: failed already", order: in(StatusPaymentFailed),
			rule:   func(o *Order) (bool, error) { return o.Fail("pi_1", t2) },
			status: StatusPaymentFailed},
		{name: "fail: another payment", order: in(StatusPendingPayment),
			rule:   func(o *Order) (bool, error) { return o.Fail("pi_2", t2) },
			status: StatusPendingPayment, err: ErrWrongPayment},
		{name: "cancel: awaiting payment", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.Cancel("pi_1", t2) },
			changed: true, status: StatusCanceled, effects: []effect{releaseGoods, cancelVendorOrders}},
		{name: "cancel: expired", order: in(StatusExpired),
			rule:    func(o *Order) (bool, error) { return o.Cancel("pi_1", t2) },
			changed: true, status: StatusCanceled, effects: []effect{releaseGoods, cancelVendorOrders}},
		{name: "cancel: paid", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.Cancel("pi_1", t2) },
			status: StatusPaid},
		{name: "expire: awaiting payment", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.Expire("pi_1", t2) },
			changed: true, status: StatusExpired, effects: []effect{releaseGoods}},
		{name: "expire: failed", order: in(StatusPaymentFailed),
			rule:    func(o *Order) (bool, error) { return o.Expire("pi_1", t2) },
			changed: true, status: StatusExpired, effects: []effect{releaseGoods}},
		{name: "expire: no payment ever started", order: in(StatusPendingPayment, noIntent),
			rule:    func(o *Order) (bool, error) { return o.Expire("", t2) },
			changed: true, status: StatusExpired, effects: []effect{releaseGoods}},
		{name: "expire: a payment started meanwhile", order: in(StatusPendingPayment),
			rule:   func(o *Order) (bool, error) { return o.Expire("", t2) },
			status: StatusPendingPayment},
		{name: "expire: paid", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.Expire("pi_1", t2) },
			status: StatusPaid},
		{name: "hold longer: awaiting payment", order: in(StatusPendingPayment),
			rule:    func(o *Order) (bool, error) { return o.HoldUntil(t2.Add(time.Hour), nil, t2) },
			changed: true, status: StatusPendingPayment, effects: []effect{holdGoods}},
		{name: "hold longer: failed, the goods there: held again", order: in(StatusPaymentFailed),
			rule:    func(o *Order) (bool, error) { return o.HoldUntil(t2.Add(time.Hour), nil, t2) },
			changed: true, status: StatusPendingPayment, effects: []effect{holdGoods}},
		{name: "hold longer: failed, the goods gone: looked at again later", order: in(StatusPaymentFailed),
			rule:    func(o *Order) (bool, error) { return o.HoldUntil(t2.Add(time.Hour), gone, t2) },
			changed: true, status: StatusPaymentFailed},
		{name: "hold longer: paid", order: in(StatusPaid),
			rule:   func(o *Order) (bool, error) { return o.HoldUntil(t2.Add(time.Hour), nil, t2) },
			status: StatusPaid},
		{name: "dispute", order: in(StatusPaid),
			rule:    func(o *Order) (bool, error) { return o.Dispute("fraudulent", t2), nil },
			changed: true, status: StatusPaid},
		{name: "dispute again", order: in(StatusPaid, func(o *Order) { o.DisputedAt, o.DisputeReason = &t1, "fraudulent" }),
			rule:   func(o *Order) (bool, error) { return o.Dispute("fraudulent", t2), nil },
			status: StatusPaid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			before := c.order.clone()
			after := c.order.clone()
			changed, err := c.rule(&after)
			switch {
			case c.err != nil:
				if !errors.Is(err, c.err) || !fault.Is(err, fault.KindConflict) {
					t.Fatalf("got %v, want %v (conflict)", err, c.err)
				}
			case c.kind != "":
				if !fault.Is(err, c.kind) {
					t.Fatalf("got %v, want kind %s", err, c.kind)
				}
				return // refused outright: nothing is saved
			case err != nil:
				t.Fatal(err)
			}
			if changed != c.changed || after.Status != c.status {
				t.Fatalf("changed %v, status %s; want %v, %s", changed, after.Status, c.changed, c.status)
			}
			if (c.flag == "") != (after.FlagReason == "") || !strings.Contains(after.FlagReason, c.flag) {
				t.Fatalf("flag %q, want one saying %q", after.FlagReason, c.flag)
			}
			if c.flag != "" && (after.FlaggedAt == nil || !after.FlaggedAt.Equal(t2)) {
				t.Fatalf("flagged at %v", after.FlaggedAt)
			}
			if !changed && c.flag == "" && !equal(before, after) {
				t.Fatalf("no change reported, but the order changed: %+v", after)
			}
			fx, err := effectsOf(before, after)
			if err != nil {
				t.Fatalf("the rule made a change the table refuses: %v", err)
			}
			if !slices.Equal(fx, c.effects) {
				t.Fatalf("effects %v, want %v", fx, c.effects)
			}
			if c.status == StatusPaid && changed && (after.AmountReceived == nil || *after.AmountReceived != total || after.PaidAt == nil) {
				t.Fatalf("paid without its amount or time: %+v", after)
			}
			if slices.Contains(c.effects, emitLatePayment) && (after.AmountReceived == nil || after.PaymentIntentID == "") {
				t.Fatalf("a late payment without its amount or payment: %+v", after)
			}
		})
	}
}

func equal(a, b Order) bool {
	fx, err := effectsOf(a, b)
	return err == nil && len(fx) == 0 && a.Status == b.Status && a.FlagReason == b.FlagReason
}

// TestEffectsRefuse: changes no rule makes are refused by the table, whoever
// asks.
func TestEffectsRefuse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*Order)
		from Order
	}{
		{"paid back to awaiting payment", func(o *Order) { o.Status = StatusPendingPayment }, in(StatusPaid)},
		{"canceled to paid", func(o *Order) { o.Status = StatusPaid }, in(StatusCanceled)},
		{"expired back to awaiting payment", func(o *Order) { o.Status = StatusPendingPayment }, in(StatusExpired)},
		{"a payment received while awaiting payment", func(o *Order) { o.AmountReceived = &total }, in(StatusPendingPayment)},
		{"the amount received changed", func(o *Order) { v := money.Money{Amount: 1, Currency: "USD"}; o.AmountReceived = &v }, in(StatusPaid)},
		{"the payment changed", func(o *Order) { o.PaymentIntentID = "pi_2" }, in(StatusPendingPayment)},
		{"an unknown status", func(o *Order) { o.Status = "shipped" }, in(StatusPendingPayment)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			after := c.from.clone()
			c.edit(&after)
			if _, err := effectsOf(c.from, after); !errors.Is(err, ErrIllegalMove) {
				t.Fatalf("got %v, want ErrIllegalMove", err)
			}
		})
	}
}

// TestFlag: a flag keeps its first time, the same reason twice is no change,
// and a reason is cut to 1,000 characters.
func TestFlag(t *testing.T) {
	t.Parallel()
	o := in(StatusPaid)
	o.Flag("look", t1)
	o.Flag("look", t2)
	if o.FlagReason != "look" || !o.FlaggedAt.Equal(t1) {
		t.Fatalf("flag %q at %v", o.FlagReason, o.FlaggedAt)
	}
	o.Flag(strings.Repeat("é", 1200), t2)
	if n := len([]rune(o.FlagReason)); n != 1000 || !o.FlaggedAt.Equal(t1) {
		t.Fatalf("flag of %d characters at %v", n, o.FlaggedAt)
	}
}
