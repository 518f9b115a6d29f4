package xero_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	sbxero "github.com/trove-platform/trove/internal/sandbox/xero"
)

// xeroEnv is a sandbox Xero on a test server, with one tenant connected.
type xeroEnv struct {
	x       *sbxero.Xero
	srv     *httptest.Server
	clk     *clock.Fake
	tenant  string
	access  string
	refresh string
}

func newXeroEnv(t *testing.T, limits sbxero.Limits) *xeroEnv {
	t.Helper()
	clk := clock.NewFake(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC))
	x := sbxero.New(sbxero.Config{ClientID: "cid", ClientSecret: "csecret", Clock: clk, Limits: limits})
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	e := &xeroEnv{x: x, srv: srv, clk: clk, tenant: x.AddTenant("Trove Ltd")}
	code := e.authorize(t, "https://app.example/oauth/xero/callback")
	tok := e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://app.example/oauth/xero/callback"}}, 200)
	e.access, e.refresh = tok["access_token"].(string), tok["refresh_token"].(string)
	return e
}

// grantedScopes are what Trove asks for: the granular scopes.
const grantedScopes = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read"

func (e *xeroEnv) authorize(t *testing.T, redirect string) string {
	t.Helper()
	return e.authorizeScopes(t, redirect, grantedScopes)
}

func (e *xeroEnv) authorizeScopes(t *testing.T, redirect, scope string) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {redirect},
		"scope": {scope}, "state": {"st-1"}}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(e.srv.URL + "/identity/connect/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 302 {
		t.Fatalf("authorize: %d", res.StatusCode)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if got := loc.Query().Get("state"); got != "st-1" {
		t.Fatalf("state %q", got)
	}
	return loc.Query().Get("code")
}

func (e *xeroEnv) tokenCall(t *testing.T, form url.Values, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("cid", "csecret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != want {
		t.Fatalf("token: %d %v, want %d", res.StatusCode, out, want)
	}
	return out
}

type xeroResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (e *xeroEnv) call(t *testing.T, method, path string, body any, hdr ...string) xeroResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			b = []byte(s)
		}
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/api.xro/2.0"+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.access)
	req.Header.Set("Xero-Tenant-Id", e.tenant)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := xeroResp{status: res.StatusCode, header: res.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

func (r xeroResp) first(key string) map[string]any {
	list, _ := r.body[key].([]any)
	if len(list) == 0 {
		return nil
	}
	return list[0].(map[string]any)
}

func xeroBill(contact map[string]any, status, due string) map[string]any {
	inv := map[string]any{"Type": "ACCPAY", "Date": "2025-03-10", "Reference": "payout po_1",
		"LineAmountTypes": "NoTax", "Status": status, "LineItems": []any{
			map[string]any{"Description": "Vendor order VO-1", "Quantity": 2, "UnitAmount": 10.125, "AccountCode": "300", "TaxType": "NONE"},
			map[string]any{"Description": "Vendor order VO-2", "Quantity": 1, "UnitAmount": 5.5, "AccountCode": "300"},
		}}
	if contact != nil {
		inv["Contact"] = contact
	}
	if due != "" {
		inv["DueDate"] = due
	}
	return map[string]any{"Invoices": []any{inv}}
}

func TestXeroOAuthAndConnections(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	req, _ := http.NewRequest("GET", e.srv.URL+"/connections", nil)
	req.Header.Set("Authorization", "Bearer "+e.access)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var conns []map[string]any
	json.NewDecoder(res.Body).Decode(&conns)
	res.Body.Close()
	if len(conns) != 1 || conns[0]["tenantId"] != e.tenant || conns[0]["tenantType"] != "ORGANISATION" || conns[0]["tenantName"] != "Trove Ltd" {
		t.Fatalf("connections: %v", conns)
	}

	t.Run("code is single use and bound to redirect_uri", func(t *testing.T) {
		code := e.authorize(t, "https://app.example/cb")
		e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/other"}}, 400)
		code = e.authorize(t, "https://app.example/cb")
		e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, 200)
		e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, 400)
	})

	t.Run("refresh rotates; the old token works only in its 30 minute grace", func(t *testing.T) {
		old := e.refresh
		r1 := e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}}, 200)
		if r1["refresh_token"] == old || r1["token_type"] != "Bearer" || r1["expires_in"].(float64) != 1800 {
			t.Fatalf("refresh answer %v", r1)
		}
		e.clk.Advance(10 * time.Minute)
		e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}}, 200) // lost response: retry works
		e.clk.Advance(21 * time.Minute)
		out := e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old}}, 400)
		if out["error"] != "invalid_grant" {
			t.Fatalf("got %v", out)
		}
		e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, 400)
		r2 := e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1["refresh_token"].(string)}}, 200)
		e.access = r2["access_token"].(string)
		if got := e.x.Stats(e.tenant).Refreshes; got != 3 {
			t.Fatalf("refreshes %d", got)
		}
		if r := e.call(t, "GET", "/Accounts", nil); r.status != 200 || len(r.body["Accounts"].([]any)) != 6 {
			t.Fatalf("accounts: %d %s", r.status, r.raw)
		}
	})

	t.Run("bad authorize requests get Xero's error page", func(t *testing.T) {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, tc := range []struct{ query, want string }{
			{"response_type=token&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.invoices&state=s",
				"unsupported_response_type"},
			{"response_type=code&client_id=x&redirect_uri=https://a.b/c&scope=offline_access+accounting.invoices&state=s",
				"unauthorized_client"},
			{"response_type=code&client_id=cid&redirect_uri=/relative&scope=offline_access+accounting.invoices&state=s",
				"unauthorized_client : Invalid redirect_uri"},
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.invoices",
				"invalid_request"},
			// Apps created on or after 2 March 2026 are refused the broad scopes.
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.transactions+accounting.contacts&state=s",
				"invalid_scope : accounting.transactions is not available"},
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.transactions.read&state=s",
				"invalid_scope : accounting.transactions.read is not available"},
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.reports.read&state=s",
				"invalid_scope : accounting.reports.read is not available"},
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&scope=offline_access+accounting.invoice&state=s",
				"invalid_scope : unknown scope accounting.invoice"},
			{"response_type=code&client_id=cid&redirect_uri=https://a.b/c&state=s", "invalid_scope"},
		} {
			res, err := noFollow.Get(e.srv.URL + "/identity/connect/authorize?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 500 || res.Header.Get("Location") != "" || !strings.Contains(string(body), "Error: "+tc.want) {
				t.Errorf("%s: %d %q, want Xero's error page with %q", tc.query, res.StatusCode, body, tc.want)
			}
		}
	})

	t.Run("no offline_access, no refresh token", func(t *testing.T) {
		code := e.authorizeScopes(t, "https://app.example/cb", "accounting.invoices")
		tok := e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, 200)
		if tok["access_token"] == nil || tok["refresh_token"] != nil || tok["scope"] != "accounting.invoices" {
			t.Fatalf("token answer %v", tok)
		}
	})
}

// TestXeroScopesPerCall: each call needs its granular scope (a GET also
// takes the scope's .read variant); without it Xero answers 401 with
// WWW-Authenticate insufficient_scope and does nothing.
func TestXeroScopesPerCall(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	code := e.authorizeScopes(t, "https://app.example/cb", "offline_access accounting.contacts accounting.invoices.read")
	tok := e.tokenCall(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, 200)
	e.access = tok["access_token"].(string)
	contact := map[string]any{"Contacts": []any{map[string]any{"Name": "Acme Ceramics"}}}
	payment := map[string]any{"Payments": []any{map[string]any{"Invoice": map[string]any{"InvoiceID": "7d0c5f43-3d2b-4b8e-9a51-0d7f3c1e2a99"},
		"Account": map[string]any{"Code": "090"}, "Date": "2025-03-10", "Amount": 1}}}
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"PUT", "/Contacts", contact, 200},
		{"GET", "/Contacts", nil, 200},
		{"GET", "/Invoices", nil, 200}, // accounting.invoices.read
		{"PUT", "/Invoices", xeroBill(map[string]any{"Name": "Acme Ceramics"}, "DRAFT", ""), 401}, // a write needs accounting.invoices
		{"GET", "/CreditNotes", nil, 200},
		{"PUT", "/CreditNotes", map[string]any{"CreditNotes": []any{}}, 401},
		{"PUT", "/Payments", payment, 401}, // accounting.payments
		{"GET", "/Payments", nil, 401},
		{"GET", "/Accounts", nil, 401}, // accounting.settings(.read)
		{"GET", "/Organisation", nil, 401},
	} {
		r := e.call(t, tc.method, tc.path, tc.body)
		if r.status != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, r.status, r.raw, tc.want)
			continue
		}
		if tc.want == 401 && (r.header.Get("WWW-Authenticate") != `Bearer error="insufficient_scope"` || r.body["Detail"] != "AuthorizationUnsuccessful") {
			t.Errorf("%s %s: refused with %v %s, want Xero's insufficient_scope answer", tc.method, tc.path, r.header, r.raw)
		}
	}
	if n := len(e.x.Invoices(e.tenant)); n != 0 {
		t.Fatalf("a refused call stored %d invoices", n)
	}
}

func TestXeroBillPaidInFull(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	r := e.call(t, "PUT", "/Contacts", map[string]any{"Contacts": []any{map[string]any{"Name": "Acme Ceramics", "ContactNumber": "V-1"}}})
	if r.status != 200 || r.body["Status"] != "OK" {
		t.Fatalf("contact: %d %s", r.status, r.raw)
	}
	cid := r.first("Contacts")["ContactID"].(string)
	if r := e.call(t, "PUT", "/Contacts", map[string]any{"Name": "acme ceramics"}); r.status != 400 || r.body["Type"] != "ValidationException" {
		t.Fatalf("duplicate name: %d %s", r.status, r.raw)
	}
	r = e.call(t, "GET", "/Contacts?where="+url.QueryEscape(`ContactNumber=="V-1"`), nil)
	if r.status != 200 || len(r.body["Contacts"].([]any)) != 1 {
		t.Fatalf("contact by number: %d %s", r.status, r.raw)
	}

	r = e.call(t, "PUT", "/Invoices", xeroBill(map[string]any{"ContactID": cid}, "DRAFT", ""))
	if r.status != 200 {
		t.Fatalf("bill: %d %s", r.status, r.raw)
	}
	bill := r.first("Invoices")
	id := bill["InvoiceID"].(string)
	if bill["Total"] != 25.75 || bill["AmountDue"] != 25.75 || bill["Status"] != "DRAFT" || bill["DateString"] != "2025-03-10T00:00:00" ||
		!strings.HasPrefix(bill["Date"].(string), "/Date(1741564800000+0000)/") {
		t.Fatalf("bill: %s", r.raw)
	}
	if r := e.call(t, "POST", "/Invoices/"+id, map[string]any{"Invoices": []any{map[string]any{"Status": "AUTHORISED"}}}); r.status != 400 {
		t.Fatalf("authorised without due date: %d %s", r.status, r.raw)
	}
	r = e.call(t, "POST", "/Invoices/"+id, map[string]any{"Invoices": []any{map[string]any{"Status": "AUTHORISED", "DueDate": "2025-03-24"}}})
	if r.status != 200 || r.first("Invoices")["Status"] != "AUTHORISED" {
		t.Fatalf("authorise: %d %s", r.status, r.raw)
	}
	r = e.call(t, "GET", "/Invoices?where="+url.QueryEscape(`Type=="ACCPAY" AND Reference=="payout po_1"`), nil)
	if r.status != 200 || len(r.body["Invoices"].([]any)) != 1 {
		t.Fatalf("by reference: %d %s", r.status, r.raw)
	}

	pay := func(amount float64, code string) xeroResp {
		return e.call(t, "PUT", "/Payments", map[string]any{"Payments": []any{map[string]any{
			"Invoice": map[string]any{"InvoiceID": id}, "Account": map[string]any{"Code": code}, "Date": "2025-03-11", "Amount": amount, "Reference": "tr_1"}}})
	}
	for name, r := range map[string]xeroResp{"too much": pay(30, "090"), "not a bank account": pay(10, "300"), "unknown account": pay(10, "999")} {
		if r.status != 400 || r.body["Type"] != "ValidationException" {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := pay(25.75, "091"); r.status != 200 || r.first("Payments")["PaymentType"] != "ACCPAYPAYMENT" {
		t.Fatalf("pay: %d %s", r.status, r.raw)
	}
	r = e.call(t, "GET", "/Invoices/"+id, nil)
	got := r.first("Invoices")
	if got["Status"] != "PAID" || got["AmountDue"] != 0.0 || got["AmountPaid"] != 25.75 || got["FullyPaidOnDate"] == nil {
		t.Fatalf("after payment: %s", r.raw)
	}
	inv := e.x.Invoices(e.tenant)
	if len(inv) != 1 || inv[0].Status != "PAID" || inv[0].LineItems[0].LineAmount != 20.25 || len(e.x.Payments(e.tenant)) != 1 {
		t.Fatalf("stored: %+v", inv)
	}
	if r := pay(1, "090"); r.status != 400 {
		t.Fatalf("paying a PAID bill: %d", r.status)
	}
}

func TestXeroCreditNoteAllocation(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	r := e.call(t, "PUT", "/Invoices", xeroBill(map[string]any{"Name": "New Vendor"}, "AUTHORISED", "2025-03-24"))
	if r.status != 200 {
		t.Fatalf("bill: %d %s", r.status, r.raw)
	}
	bill := r.first("Invoices")
	cid := bill["Contact"].(map[string]any)["ContactID"].(string)
	r = e.call(t, "PUT", "/CreditNotes", map[string]any{"CreditNotes": []any{map[string]any{"Type": "ACCPAYCREDIT",
		"Contact": map[string]any{"ContactID": cid}, "Status": "AUTHORISED", "LineAmountTypes": "NoTax", "Reference": "refund r_1",
		"LineItems": []any{map[string]any{"Description": "Refund VO-1", "Quantity": 1, "UnitAmount": 5.75, "AccountCode": "300"}}}}})
	if r.status != 200 || r.first("CreditNotes")["RemainingCredit"] != 5.75 {
		t.Fatalf("credit note: %d %s", r.status, r.raw)
	}
	cnID := r.first("CreditNotes")["CreditNoteID"].(string)
	r = e.call(t, "PUT", "/CreditNotes/"+cnID+"/Allocations", map[string]any{"Allocations": []any{map[string]any{
		"Invoice": map[string]any{"InvoiceID": bill["InvoiceID"]}, "Amount": 5.75, "Date": "2025-03-12"}}})
	if r.status != 200 {
		t.Fatalf("allocate: %d %s", r.status, r.raw)
	}
	inv := e.x.Invoices(e.tenant)[0]
	cn := e.x.CreditNotes(e.tenant)[0]
	if inv.AmountDue != 20 || inv.AmountCredited != 5.75 || cn.Status != "PAID" || cn.RemainingCredit != 0 {
		t.Fatalf("after allocation: %+v %+v", inv, cn)
	}
}

func TestXeroInvalidBodies(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	for _, tc := range []struct {
		name   string
		body   any
		bySpec bool
	}{
		{"missing contact", xeroBill(nil, "DRAFT", ""), false},
		{"unknown contact id", xeroBill(map[string]any{"ContactID": "2f6b1a52-2b1a-4a8e-9e0e-6d1f7c0f0a11"}, "DRAFT", ""), false},
		{"authorised without due date", xeroBill(map[string]any{"Name": "V"}, "AUTHORISED", ""), false},
		{"unknown account", `{"Invoices":[{"Type":"ACCPAY","Contact":{"Name":"V"},"LineItems":[{"Description":"x","Quantity":1,"UnitAmount":1,"AccountCode":"999"}]}]}`, false},
		{"unknown tax type", `{"Invoices":[{"Type":"ACCPAY","Contact":{"Name":"V"},"LineItems":[{"Description":"x","Quantity":1,"UnitAmount":1,"TaxType":"VAT99"}]}]}`, false},
		{"missing description", `{"Invoices":[{"Type":"ACCPAY","Contact":{"Name":"V"},"LineItems":[{"Quantity":1,"UnitAmount":1}]}]}`, false},
		{"wrong type for a field", `{"Invoices":[{"Type":"ACCPAY","Contact":{"Name":"V"},"LineItems":[{"Description":"x","Quantity":"two","UnitAmount":1}]}]}`, true},
		{"unknown enum", `{"Invoices":[{"Type":"BILL","Contact":{"Name":"V"},"LineItems":[{"Description":"x","Quantity":1,"UnitAmount":1}]}]}`, true},
		{"not json", `{"Invoices":[`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.x.Stats(e.tenant).Rejected
			r := e.call(t, "PUT", "/Invoices", tc.body)
			if r.status != 400 || r.body["Type"] != "ValidationException" {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			els, _ := r.body["Elements"].([]any)
			if len(els) == 0 || els[0].(map[string]any)["ValidationErrors"] == nil {
				t.Fatalf("no ValidationErrors: %s", r.raw)
			}
			if got := e.x.Stats(e.tenant).Rejected - before; (got == 1) != tc.bySpec {
				t.Fatalf("rejected by spec: %d, want %v (%s)", got, tc.bySpec, r.raw)
			}
		})
	}
	if n := len(e.x.Invoices(e.tenant)) + len(e.x.Contacts(e.tenant)); n != 0 {
		t.Fatalf("stored %d objects", n)
	}
	if r := e.call(t, "GET", "/Invoices?page=abc", nil); r.status != 400 {
		t.Fatalf("bad page: %d", r.status)
	}
}

func TestXeroIdempotencyReplay(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	body := xeroBill(map[string]any{"Name": "Acme"}, "AUTHORISED", "2025-03-20")
	a := e.call(t, "PUT", "/Invoices", body, "Idempotency-Key", "job-1")
	b := e.call(t, "PUT", "/Invoices", body, "Idempotency-Key", "job-1")
	if a.status != 200 || b.status != 200 || !bytes.Equal(a.raw, b.raw) {
		t.Fatalf("replay differs: %d %d", a.status, b.status)
	}
	if n := len(e.x.Invoices(e.tenant)); n != 1 {
		t.Fatalf("%d invoices", n)
	}
	if n := len(e.x.Contacts(e.tenant)); n != 1 {
		t.Fatalf("%d contacts", n)
	}
	e.clk.Advance(25 * time.Hour) // keys live 24 hours
	tok := e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.refresh}}, 200)
	e.access = tok["access_token"].(string)
	if r := e.call(t, "PUT", "/Invoices", body, "Idempotency-Key", "job-1"); r.status != 200 || len(e.x.Invoices(e.tenant)) != 2 {
		t.Fatalf("after expiry: %d, %d invoices", r.status, len(e.x.Invoices(e.tenant)))
	}
	reqs := e.x.Requests()
	if last := reqs[len(reqs)-1]; last.IdempotencyKey != "job-1" || last.TenantID != e.tenant || last.Status != 200 {
		t.Fatalf("request log: %+v", last)
	}
}

func TestXeroConcurrentLimit(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	release := e.x.Hold()
	defer release()
	results := make(chan xeroResp, 6)
	for range 6 {
		go func() { results <- e.call(t, "GET", "/Accounts", nil) }()
	}
	first := <-results // the five admitted wait for release: the first answer is the sixth's 429
	if first.status != 429 || first.header.Get("X-Rate-Limit-Problem") != "concurrent" || first.header.Get("Retry-After") == "" {
		t.Fatalf("first answer: %d %v", first.status, first.header)
	}
	release()
	for range 5 {
		if r := <-results; r.status != 200 {
			t.Fatalf("admitted call: %d", r.status)
		}
	}
	st := e.x.Stats(e.tenant)
	if st.PeakConcurrent != 5 || st.Throttled != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestXeroMinuteLimit(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{PerMinute: 3, Minute: time.Second})
	for i := range 3 {
		r := e.call(t, "GET", "/Accounts", nil)
		if r.status != 200 || r.header.Get("X-MinLimit-Remaining") != string(rune('2'-i)) {
			t.Fatalf("call %d: %d remaining %q", i, r.status, r.header.Get("X-MinLimit-Remaining"))
		}
		e.clk.Advance(100 * time.Millisecond)
	}
	r := e.call(t, "GET", "/Accounts", nil)
	// Xero's headers only: Retry-After in whole seconds (0.7 s rounds up).
	if r.status != 429 || r.header.Get("X-Rate-Limit-Problem") != "minute" || r.header.Get("Retry-After") != "1" {
		t.Fatalf("over the limit: %d %v", r.status, r.header)
	}
	for name := range r.header {
		if strings.HasPrefix(strings.ToLower(name), "x-trove") {
			t.Errorf("the stand-in sends %s, which Xero does not", name)
		}
	}
	e.clk.Advance(700 * time.Millisecond)
	if r := e.call(t, "GET", "/Accounts", nil); r.status != 200 {
		t.Fatalf("after the window: %d", r.status)
	}
	if st := e.x.Stats(e.tenant); st.MaxInWindow != 3 || st.Throttled != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestXeroDayLimit(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{PerDay: 2})
	e.call(t, "GET", "/Accounts", nil)
	e.call(t, "GET", "/Accounts", nil)
	e.clk.Advance(2 * time.Minute)
	if r := e.call(t, "GET", "/Accounts", nil); r.status != 429 || r.header.Get("X-Rate-Limit-Problem") != "daily" {
		t.Fatalf("%d %v", r.status, r.header)
	}
}

func TestXeroAuthAndOutage(t *testing.T) {
	e := newXeroEnv(t, sbxero.Limits{})
	t.Run("wrong tenant", func(t *testing.T) {
		other := e.x.AddTenant("Not connected") // added after consent: not in the grant
		if r := e.call(t, "GET", "/Accounts", nil, "Xero-Tenant-Id", other); r.status != 403 {
			t.Fatalf("%d", r.status)
		}
		if r := e.call(t, "GET", "/Accounts", nil, "Xero-Tenant-Id", "7d0c5f43-3d2b-4b8e-9a51-0d7f3c1e2a99"); r.status != 403 {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("outage", func(t *testing.T) {
		e.x.FailNext(e.tenant, 503, 2)
		for range 2 {
			if r := e.call(t, "PUT", "/Contacts", map[string]any{"Name": "During outage"}); r.status != 503 {
				t.Fatalf("%d", r.status)
			}
		}
		if r := e.call(t, "GET", "/Accounts", nil); r.status != 200 {
			t.Fatalf("after outage: %d", r.status)
		}
		if len(e.x.Contacts(e.tenant)) != 0 {
			t.Fatal("outage stored a contact")
		}
	})
	t.Run("expired token", func(t *testing.T) {
		e.x.ExpireAccessTokens()
		r := e.call(t, "GET", "/Accounts", nil)
		if r.status != 401 || !strings.HasPrefix(r.body["Detail"].(string), "TokenExpired") {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if r := e.call(t, "GET", "/Accounts", nil, "Authorization", "Bearer junk"); r.status != 401 {
			t.Fatalf("junk token: %d", r.status)
		}
		tok := e.tokenCall(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {e.refresh}}, 200)
		e.access = tok["access_token"].(string)
		if r := e.call(t, "GET", "/Accounts", nil); r.status != 200 {
			t.Fatalf("after refresh: %d", r.status)
		}
	})
	t.Run("concurrent calls from many goroutines keep counts", func(t *testing.T) {
		var wg sync.WaitGroup
		before := e.x.Stats(e.tenant).Requests
		for range 4 {
			wg.Add(1)
			go func() { defer wg.Done(); e.call(t, "GET", "/TaxRates", nil) }()
		}
		wg.Wait()
		if got := e.x.Stats(e.tenant).Requests - before; got != 4 {
			t.Fatalf("requests %d", got)
		}
	})
}
