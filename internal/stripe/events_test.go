package stripe_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trove-platform/trove/internal/stripe"
)

func event(id, typ, object string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","api_version":"2023-10-16","created":1700000000,"livemode":false,"account":"acct_9",`+
		`"type":%q,"data":{"object":%s}}`, id, typ, object)
}

// TestDecodeEvent: an event is read once into Trove's types: its envelope,
// its family, and its object as the type its kind names; the accessors hand
// that object out and refuse to read it as another kind.
func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		typ, object string
		family      string
		check       func(t *testing.T, ev stripe.Event)
	}{
		{"payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":4250,"amount_received":4250,"currency":"usd",
			"status":"succeeded","latest_charge":"ch_1","metadata":{"order_id":"ord_1"}}`, stripe.FamilyPaymentIntent,
			func(t *testing.T, ev stripe.Event) {
				pi, err := ev.PaymentIntent()
				if err != nil || pi.ID != "pi_1" || pi.AmountReceived != usd(4250) || pi.LatestChargeID != "ch_1" || pi.Metadata["order_id"] != "ord_1" {
					t.Fatalf("intent %+v %v", pi, err)
				}
			}},
		{"charge.refunded", `{"id":"ch_1","object":"charge","amount":5000,"amount_refunded":1500,"currency":"usd","payment_intent":"pi_1",
			"refunds":{"object":"list","data":[{"id":"re_1","object":"refund","amount":1500,"currency":"usd","status":"succeeded",
			"payment_intent":"pi_1","metadata":{"refund_id":"rfd_1"}}]}}`, stripe.FamilyRefund,
			func(t *testing.T, ev stripe.Event) {
				ch, err := ev.Charge()
				if err != nil || ch.PaymentIntentID != "pi_1" || ch.AmountRefunded != usd(1500) || len(ch.Refunds) != 1 ||
					ch.Refunds[0].ID != "re_1" || ch.Refunds[0].Metadata["refund_id"] != "rfd_1" || ch.Refunds[0].Amount != usd(1500) {
					t.Fatalf("charge %+v %v", ch, err)
				}
			}},
		{"charge.refunded", `{"id":"ch_2","object":"charge","amount":5000,"amount_refunded":5000,"currency":"usd","payment_intent":"pi_2"}`,
			stripe.FamilyRefund, func(t *testing.T, ev stripe.Event) {
				ch, err := ev.Charge()
				if err != nil || ch.Refunds != nil || ch.AmountRefunded != usd(5000) {
					t.Fatalf("charge without listed refunds %+v %v", ch, err)
				}
			}},
		{"refund.updated", `{"id":"re_2","object":"refund","amount":700,"currency":"usd","status":"failed","payment_intent":"pi_1"}`,
			stripe.FamilyRefund, func(t *testing.T, ev stripe.Event) {
				rf, err := ev.Refund()
				if err != nil || rf.ID != "re_2" || rf.Status != "failed" || rf.PaymentIntentID != "pi_1" {
					t.Fatalf("refund %+v %v", rf, err)
				}
			}},
		{"charge.refund.updated", `{"id":"re_3","object":"refund","amount":700,"currency":"usd","status":"succeeded"}`,
			stripe.FamilyRefund, func(t *testing.T, ev stripe.Event) {
				if rf, err := ev.Refund(); err != nil || rf.ID != "re_3" {
					t.Fatalf("refund %+v %v", rf, err)
				}
			}},
		{"refund.failed", `{"id":"re_4","object":"refund","amount":700,"currency":"usd","status":"failed"}`, stripe.FamilyRefund, nil},
		{"charge.dispute.created", `{"id":"dp_1","object":"dispute","amount":5000,"currency":"usd","charge":"ch_1","payment_intent":"pi_1",
			"reason":"fraudulent","status":"needs_response"}`, stripe.FamilyDispute,
			func(t *testing.T, ev stripe.Event) {
				d, err := ev.Dispute()
				if err != nil || d.PaymentIntentID != "pi_1" || d.ChargeID != "ch_1" || d.Reason != "fraudulent" {
					t.Fatalf("dispute %+v %v", d, err)
				}
			}},
		{"invoice.paid", `{"id":"in_1","object":"invoice","amount_due":3000,"amount_paid":3000,"currency":"usd","status":"paid",
			"billing_reason":"subscription_cycle","subscription":"sub_1","subscription_details":{"metadata":{"trove_subscription_id":"sub_t"}},
			"lines":{"object":"list","data":[{"id":"il_1","object":"line_item","period":{"start":1700000000,"end":1702592000}}]}}`,
			stripe.FamilyBilling, func(t *testing.T, ev stripe.Event) {
				in, err := ev.Invoice()
				if err != nil || in.SubscriptionID != "sub_1" || in.SubscriptionMetadata["trove_subscription_id"] != "sub_t" ||
					in.BillingReason != stripe.BillingReasonSubscriptionCycle || in.PeriodEnd.Unix() != 1702592000 {
					t.Fatalf("invoice %+v %v", in, err)
				}
			}},
		{"invoice.payment_failed", `{"id":"in_2","object":"invoice","amount_due":3000,"currency":"usd","status":"open"}`, stripe.FamilyBilling, nil},
		{"customer.subscription.updated", `{"id":"sub_1","object":"subscription","status":"past_due","metadata":{"trove_subscription_id":"sub_t"}}`,
			stripe.FamilyBilling, func(t *testing.T, ev stripe.Event) {
				s, err := ev.Subscription()
				if err != nil || s.ID != "sub_1" || s.Status != "past_due" || s.Metadata["trove_subscription_id"] != "sub_t" {
					t.Fatalf("subscription %+v %v", s, err)
				}
			}},
		{"customer.subscription.deleted", `{"id":"sub_1","object":"subscription","status":"canceled"}`, stripe.FamilyBilling, nil},
		{"account.updated", `{"id":"acct_1","object":"account","details_submitted":true,"payouts_enabled":true,
			"capabilities":{"transfers":"active"}}`, stripe.FamilyAccount,
			func(t *testing.T, ev stripe.Event) {
				a, err := ev.AccountObject()
				if err != nil || a.ID != "acct_1" || !a.TransfersActive || !a.DetailsSubmitted {
					t.Fatalf("account %+v %v", a, err)
				}
			}},
		{"transfer.created", `{"id":"tr_1","object":"transfer","amount":900,"currency":"usd","destination":"acct_1"}`, "",
			func(t *testing.T, ev stripe.Event) {
				if tr, err := ev.Transfer(); err != nil || tr.Destination != "acct_1" || tr.Amount != usd(900) {
					t.Fatalf("transfer %+v %v", tr, err)
				}
			}},
		{"transfer.reversed", `{"id":"tr_2","object":"transfer","amount":900,"amount_reversed":300,"currency":"usd","destination":"acct_1",
			"reversals":{"object":"list","data":[{"id":"trr_1","object":"transfer_reversal","amount":300,"currency":"usd","transfer":"tr_2",
			"metadata":{"reversal_id":"prv_1"}}],"has_more":false}}`, stripe.FamilyTransfer,
			func(t *testing.T, ev stripe.Event) {
				tr, err := ev.Transfer()
				if err != nil || tr.AmountReversed != 300 || len(tr.Reversals) != 1 || tr.Reversals[0].ID != "trr_1" ||
					tr.Reversals[0].TransferID != "tr_2" || tr.Reversals[0].Metadata["reversal_id"] != "prv_1" || tr.Reversals[0].Amount != usd(300) {
					t.Fatalf("transfer %+v %v", tr, err)
				}
			}},
		{"charge.dispute.funds_withdrawn", `{"id":"dp_2","object":"dispute","amount":5000,"currency":"usd","charge":"ch_1","status":"needs_response"}`,
			stripe.FamilyDispute, nil},
		{"charge.dispute.funds_reinstated", `{"id":"dp_2","object":"dispute","amount":5000,"currency":"usd","charge":"ch_1","status":"won"}`,
			stripe.FamilyDispute, nil},
		{"charge.dispute.updated", `{"id":"dp_2","object":"dispute","amount":5000,"currency":"usd","charge":"ch_1","status":"under_review"}`,
			stripe.FamilyDispute, nil},
		{"charge.dispute.closed", `{"id":"dp_2","object":"dispute","amount":5000,"currency":"usd","charge":"ch_1","status":"lost"}`,
			stripe.FamilyDispute, func(t *testing.T, ev stripe.Event) {
				if d, err := ev.Dispute(); err != nil || d.Status != stripe.DisputeLost || d.Amount != usd(5000) {
					t.Fatalf("dispute %+v %v", d, err)
				}
			}},
		{"charge.succeeded", `{"id":"ch_3","object":"charge","amount":900,"currency":"usd"}`, "", nil},
		{"customer.created", `{"id":"cus_1","object":"customer"}`, "", nil},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s %d", tc.typ, i), func(t *testing.T) {
			ev, err := stripe.DecodeEvent(event("evt_1", tc.typ, tc.object))
			if err != nil {
				t.Fatal(err)
			}
			kind := tc.object[strings.Index(tc.object, `"object":"`)+10:]
			kind = kind[:strings.Index(kind, `"`)]
			if ev.ID != "evt_1" || ev.Type != tc.typ || ev.APIVersion != stripe.APIVersion || ev.Account != "acct_9" ||
				ev.Created.Unix() != 1700000000 || ev.ObjectType != kind || ev.Family() != tc.family || stripe.Family(tc.typ) != tc.family {
				t.Fatalf("event %+v (family %q), want object %s, family %q", ev, ev.Family(), kind, tc.family)
			}
			if tc.check != nil {
				tc.check(t, ev)
			}
			// Read as another kind: refused, naming what it is.
			if kind != "invoice" {
				if _, err := ev.Invoice(); err == nil || !strings.Contains(err.Error(), `about a "`+kind+`"`) {
					t.Fatalf("read as an invoice: %v", err)
				}
			} else if _, err := ev.PaymentIntent(); err == nil {
				t.Fatal("an invoice read as a payment intent")
			}
		})
	}
	if fams := stripe.Families(); len(fams) != 6 {
		t.Fatalf("families %v", fams)
	}
	// The endpoints subscribe to what the families follow, and to nothing
	// they do not.
	for _, typ := range append(stripe.PlatformEvents(), stripe.ConnectEvents()...) {
		if stripe.Family(typ) == "" {
			t.Errorf("the endpoints subscribe to %s, which no family follows", typ)
		}
	}
}

// TestDecodeEventRefuses: a body that is not an event is an error; an event
// whose object does not read as its kind decodes (ingress records it), and
// its accessor answers why.
func TestDecodeEventRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":        `not json`,
		"not an event":    `{"id":"pi_1","object":"payment_intent"}`,
		"no evt_ id":      `{"id":"x_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}`,
		"no data.object":  `{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{}}`,
		"no data at all":  `{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`,
		"null the object": `{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			if ev, err := stripe.DecodeEvent([]byte(body)); err == nil {
				t.Fatalf("decoded %+v", ev)
			}
		})
	}
	t.Run("an object that does not read", func(t *testing.T) {
		ev, err := stripe.DecodeEvent(event("evt_2", "payment_intent.succeeded", `{"id":"pi_1","object":"payment_intent","amount":"lots"}`))
		if err != nil || ev.Family() != stripe.FamilyPaymentIntent {
			t.Fatalf("%+v %v", ev, err)
		}
		if _, err := ev.PaymentIntent(); err == nil || !strings.Contains(err.Error(), "evt_2") {
			t.Fatalf("the accessor answered %v", err)
		}
	})
	t.Run("an amount Trove cannot hold", func(t *testing.T) {
		ev, err := stripe.DecodeEvent(event("evt_3", "refund.created", `{"id":"re_1","object":"refund","amount":-100,"currency":"usd"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ev.Refund(); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Fatalf("a negative refund read: %v", err)
		}
	})
}
