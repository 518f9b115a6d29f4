package apitest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The contract is OpenAPI 3.1: kin-openapi then validates with JSON Schema
// 2020-12 (type arrays with "null" instead of 3.0's nullable).
func TestContractIsOpenAPI31(t *testing.T) {
	doc := Doc(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("api/openapi.yaml is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
}

// recorder stands in for the test Check reports to, to see whether it
// reported a breach.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}

// Check must still refuse answers that break the contract once it is 3.1, in
// each form the nullable fields now take: a type array ([string, "null"],
// [object, "null"]) and anyOf a $ref or null. A checker that let everything
// through would make every contract test pass for nothing.
func TestCheckCatchesBreaches(t *testing.T) {
	const ts = `"2026-12-06T10:00:00Z"`
	cart := func(fields map[string]string) string {
		f := map[string]string{
			"id": `"cart_1"`, "status": `"open"`, "currency": `null`, "email": `""`, "gift_message": `""`,
			"recipient": `null`, "lines": `[]`, "item_count": `0`, "subtotal": `null`, "problems": `[]`,
			"ready_for_checkout": `false`, "order_id": `null`, "created_at": ts, "updated_at": ts,
		}
		for k, v := range fields {
			f[k] = v
		}
		var parts []string
		for k, v := range f {
			if v != "" { // "" leaves the field out
				parts = append(parts, fmt.Sprintf("%q:%s", k, v))
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	account := `{"vendor_id":"ven_1","stripe_account_id":"acct_1","details_submitted":true,"payouts_enabled":true,"transfers_active":true,"updated_at":` + ts + `}`
	audit := func(before, after string) string {
		return `{"entries":[{"id":1,"at":` + ts + `,"actor_type":"user","actor_id":"usr_1","vendor_id":null,"action":"vendor.updated",` +
			`"object_type":"vendor","object_id":"ven_1","before":` + before + `,"after":` + after + `,"reason":"","request_id":"req_1"}]}`
	}
	const cartPath, accountPath, auditPath = "/api/v1/store/carts/cart_1", "/api/v1/vendor/finance/account", "/api/v1/admin/audit"

	for _, tc := range []struct {
		name       string
		path, body string
		status     int
		breach     bool
	}{
		{"cart: null where a type array allows it", cartPath, cart(nil), 200, false},
		{"cart: a value of the array's other type", cartPath, cart(map[string]string{"currency": `"USD"`, "order_id": `"ord_1"`}), 200, false},
		{"cart: a value of neither type", cartPath, cart(map[string]string{"currency": `5`}), 200, true},
		{"cart: anyOf a $ref, its schema", cartPath, cart(map[string]string{"subtotal": `{"amount":2800,"currency":"USD"}`}), 200, false},
		{"cart: anyOf a $ref, a value breaking its schema", cartPath, cart(map[string]string{"subtotal": `{"amount":"lots","currency":"USD"}`}), 200, true},
		{"cart: anyOf a $ref, a field its schema forbids", cartPath, cart(map[string]string{"subtotal": `{"amount":1,"currency":"USD","tax":0}`}), 200, true},
		{"cart: anyOf a $ref, a bare string", cartPath, cart(map[string]string{"subtotal": `"28.00"`}), 200, true},
		{"cart: a required field left out", cartPath, cart(map[string]string{"order_id": ""}), 200, true},
		{"cart: a field the contract does not have", cartPath, cart(map[string]string{"secret": `"x"`}), 200, true},
		{"cart: a value outside the enum", cartPath, cart(map[string]string{"status": `"lost"`}), 200, true},
		{"cart: a string breaking its pattern, under anyOf", cartPath, cart(map[string]string{"subtotal": `{"amount":1,"currency":"usd"}`}), 200, true},
		{"cart: a date-time that is not one", cartPath, cart(map[string]string{"created_at": `"yesterday"`}), 200, true},
		{"account: null object", accountPath, `{"ready":false,"account":null}`, 200, false},
		{"account: the object", accountPath, `{"ready":true,"account":` + account + `}`, 200, false},
		{"account: an object missing its required fields", accountPath, `{"ready":true,"account":{"vendor_id":"ven_1"}}`, 200, true},
		{"account: a string where [object, null] is wanted", accountPath, `{"ready":true,"account":"acct_1"}`, 200, true},
		{"account: a status the contract does not list", accountPath, `{"ready":false,"account":null}`, 418, true},
		// Any JSON value, null included (an action with no object before it).
		{"audit: null before, an object after", auditPath, audit(`null`, `{"name":"x"}`), 200, false},
		{"audit: a string before, null after", auditPath, audit(`"x"`, `null`), 200, false},
		{"audit: a number and an array", auditPath, audit(`1`, `[1,"a",null]`), 200, false},
		{"audit: before left out", auditPath, strings.Replace(audit(`null`, `null`), `"before":null,`, "", 1), 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &http.Response{StatusCode: tc.status, Header: http.Header{"Content-Type": {"application/json"}}}
			rec := &recorder{TB: t}
			Check(rec, "GET", tc.path, nil, res, []byte(tc.body))
			if got := len(rec.errors) > 0; got != tc.breach {
				t.Errorf("breach reported: %v, want %v; body %s; reports: %v", got, tc.breach, tc.body, rec.errors)
			}
		})
	}
}
