// Package orderstest places and pays orders for other packages' tests,
// through orders.Store's own methods (a guest cart checked out, then
// MarkPaid), with a stand-in for the payment provider.
package orderstest

import (
	"context"
	"testing"

	"github.com/trove-platform/trove/internal/orders"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Payments stands in for the payment provider (orders.PaymentProvider): the
// payment of order ord_x is pi_ord_x, open until canceled. Tests that need a
// payment's whole life use the sandbox Stripe instead (internal/payments).
type Payments struct{}

// StartPayment answers pi_<order id>.
func (Payments) StartPayment(_ context.Context, orderID string, _ money.Money, _ string) (string, string, error) {
	return "pi_" + orderID, "pi_" + orderID + "_secret", nil
}

// ClientSecret answers the payment's made-up secret.
func (Payments) ClientSecret(_ context.Context, intentID string) (string, error) {
	return intentID + "_secret", nil
}

// Payment answers the payment as open.
func (Payments) Payment(_ context.Context, intentID string) (orders.PaymentState, error) {
	return orders.PaymentState{IntentID: intentID, Status: orders.PaymentOpen}, nil
}

// CancelPayment answers the payment as canceled.
func (Payments) CancelPayment(_ context.Context, intentID, _ string) (orders.PaymentState, error) {
	return orders.PaymentState{IntentID: intentID, Status: orders.PaymentCanceled}, nil
}

// Recipient is someone to send a gift to.
func Recipient(name string) orders.Recipient {
	return orders.Recipient{Name: name, AddressLines: []string{"1 Main St"}, City: "Springfield", PostalCode: "62701", Country: "US"}
}

// Cart is what a guest puts in a cart: lines, for one recipient.
type Cart struct {
	Email       string // default buyer@example.com
	GiftMessage string
	Recipient   orders.Recipient // default Recipient("Robin Recipient")
	Lines       []orders.LineInput
}

// Line is q of a variant.
func Line(variantID string, q int) orders.LineInput {
	return orders.LineInput{VariantID: variantID, Quantity: q}
}

// Placed checks the cart out as a guest and returns the order, awaiting
// payment (with Payments as the provider, its payment is pi_<order id>).
func Placed(t testing.TB, store *orders.Store, c Cart) orders.Order {
	t.Helper()
	ctx := context.Background()
	view, token, _, err := store.CreateCart(ctx, orders.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	caller := orders.Caller{CartToken: token}
	for _, l := range c.Lines {
		if _, err := store.AddLine(ctx, caller, view.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	if c.Email == "" {
		c.Email = "buyer@example.com"
	}
	if c.Recipient.Name == "" {
		c.Recipient = Recipient("Robin Recipient")
	}
	if _, err := store.UpdateCart(ctx, caller, view.ID, orders.CartPatch{Email: &c.Email, GiftMessage: &c.GiftMessage,
		Recipient: orders.Optional[orders.Recipient]{Set: true, Value: &c.Recipient}}); err != nil {
		t.Fatal(err)
	}
	res, _, err := store.Checkout(ctx, caller, view.ID, orders.CheckoutInput{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := store.OrderByID(ctx, res.Order.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Paid places the order and pays it in full (MarkPaid), and returns it paid.
func Paid(t testing.TB, store *orders.Store, c Cart) orders.Order {
	t.Helper()
	o := Placed(t, store, c)
	ctx := context.Background()
	if _, err := store.MarkPaid(ctx, o.ID, o.PaymentIntentID, o.Total); err != nil {
		t.Fatal(err)
	}
	o, err := store.OrderByID(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
