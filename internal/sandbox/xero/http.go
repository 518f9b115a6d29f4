package xero

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/trove-platform/trove/internal/sandbox/xero/xerospec"
)

const xeroAPI = xerospec.BasePath // "/api.xro/2.0"

// xeroReq is one admitted accounting call.
type xeroReq struct {
	r      *http.Request
	t      *xeroTenant
	body   []byte
	now    time.Time
	idem   string
	params map[string]string // path parameters
}

// xeroErr is an error answer from an endpoint.
type xeroErr struct {
	status int
	body   any
}

func (x *Xero) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /identity/connect/authorize", x.authorize)
	mux.HandleFunc("POST /connect/token", x.token)
	mux.HandleFunc("GET /connections", x.connections)
	// Each endpoint names the granular scope it needs (Xero's scopes since
	// March 2026: developer.xero.com/documentation/guides/oauth2/scopes): a
	// GET is also allowed by the scope's ".read" variant.
	route := func(pattern, scope string, fn func(*xeroReq) (any, *xeroErr)) {
		mux.Handle(pattern, x.api(scope, fn))
	}
	const (
		settings = "accounting.settings"
		contacts = "accounting.contacts"
		invoices = "accounting.invoices" // invoices, credit notes and their allocations
		payments = "accounting.payments"
	)
	route("GET "+xeroAPI+"/Organisation", settings, x.getOrganisation)
	route("GET "+xeroAPI+"/Accounts", settings, x.getAccounts)
	route("GET "+xeroAPI+"/Accounts/{AccountID}", settings, x.getAccounts)
	route("GET "+xeroAPI+"/TaxRates", settings, x.getTaxRates)
	route("GET "+xeroAPI+"/Contacts", contacts, x.getContacts)
	route("GET "+xeroAPI+"/Contacts/{ContactID}", contacts, x.getContacts)
	route("PUT "+xeroAPI+"/Contacts", contacts, x.saveContacts(false))
	route("POST "+xeroAPI+"/Contacts", contacts, x.saveContacts(true))
	route("POST "+xeroAPI+"/Contacts/{ContactID}", contacts, x.saveContacts(true))
	route("GET "+xeroAPI+"/Invoices", invoices, x.getInvoices)
	route("GET "+xeroAPI+"/Invoices/{InvoiceID}", invoices, x.getInvoices)
	route("PUT "+xeroAPI+"/Invoices", invoices, x.saveInvoices(false))
	route("POST "+xeroAPI+"/Invoices", invoices, x.saveInvoices(true))
	route("POST "+xeroAPI+"/Invoices/{InvoiceID}", invoices, x.saveInvoices(true))
	route("GET "+xeroAPI+"/Payments", payments, x.getPayments)
	route("GET "+xeroAPI+"/Payments/{PaymentID}", payments, x.getPayments)
	route("PUT "+xeroAPI+"/Payments", payments, x.createPayments)
	route("GET "+xeroAPI+"/CreditNotes", invoices, x.getCreditNotes)
	route("GET "+xeroAPI+"/CreditNotes/{CreditNoteID}", invoices, x.getCreditNotes)
	route("PUT "+xeroAPI+"/CreditNotes", invoices, x.saveCreditNotes(false))
	route("POST "+xeroAPI+"/CreditNotes", invoices, x.saveCreditNotes(true))
	route("POST "+xeroAPI+"/CreditNotes/{CreditNoteID}", invoices, x.saveCreditNotes(true))
	route("PUT "+xeroAPI+"/CreditNotes/{CreditNoteID}/Allocations", invoices, x.allocateCreditNote)
	route(xeroAPI+"/", "", func(q *xeroReq) (any, *xeroErr) { return nil, xeroNotFound() })
	return mux
}

// ---- identity: login.xero.com and identity.xero.com ----

// authorize is login.xero.com's consent. A bad request gets Xero's error
// page, not a redirect: "Sorry, something went wrong … Error code: 500 …
// Error: <code> : <description>" (developer.xero.com/documentation/oauth2/
// troubleshooting: a wrong redirect_uri, client_id or scope shows the 500
// error screen).
func (x *Xero) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Sorry, something went wrong\nGo back and try again.\nError code: 500\nError: %s\n", msg)
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("response_type") != "code":
		bad("unsupported_response_type : response_type must be code")
		return
	case q.Get("client_id") != x.cfg.ClientID:
		bad("unauthorized_client : Unknown client or client not enabled")
		return
	case err != nil || !redirect.IsAbs() || redirect.Host == "" || redirect.Fragment != "":
		bad("unauthorized_client : Invalid redirect_uri")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		bad("invalid_scope : scope is required")
		return
	}
	for _, s := range scopes {
		if msg := xeroScopeRefused(s); msg != "" {
			bad("invalid_scope : " + msg)
			return
		}
	}
	if q.Get("state") == "" {
		bad("invalid_request : state is required")
		return
	}
	code := xeroToken(24)
	x.mu.Lock()
	x.Codes[code] = &xeroCode{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), Scope: strings.Join(scopes, " "),
		Tenants: x.tenantIDs(), Expires: x.clock.Now().Add(xeroCodeTTL)}
	x.save()
	x.mu.Unlock()
	back := *redirect
	v := back.Query()
	v.Set("code", code)
	v.Set("scope", strings.Join(scopes, " "))
	v.Set("state", q.Get("state"))
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (x *Xero) token(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code string) {
		xeroWriteJSON(w, status, map[string]string{"error": code})
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(400, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(x.cfg.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(x.cfg.ClientSecret)) != 1 {
		oauthErr(400, "invalid_client")
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.clock.Now()
	var g *xeroGrant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		c := x.Codes[r.PostForm.Get("code")]
		if c == nil || c.Used || !now.Before(c.Expires) || c.ClientID != id || c.RedirectURI != r.PostForm.Get("redirect_uri") {
			oauthErr(400, "invalid_grant")
			return
		}
		c.Used = true
		g = &xeroGrant{ID: xeroUUID(), AuthEventID: xeroUUID(), Scope: c.Scope, Tenants: c.Tenants, Created: now}
		x.Grants[g.ID] = g
	case "refresh_token":
		rt := x.Refresh[r.PostForm.Get("refresh_token")]
		if rt == nil || !now.Before(rt.Issued.Add(xeroRefreshTTL)) || (!rt.UsedAt.IsZero() && !now.Before(rt.UsedAt.Add(xeroRefreshGrace))) {
			oauthErr(400, "invalid_grant")
			return
		}
		if rt.UsedAt.IsZero() {
			rt.UsedAt = now
		}
		g = x.Grants[rt.Grant]
		for _, tid := range g.Tenants {
			if t := x.Tenants[tid]; t != nil {
				t.Stats.Refreshes++
			}
		}
	default:
		oauthErr(400, "unsupported_grant_type")
		return
	}
	access := xeroToken(32)
	x.Access[access] = &xeroAccess{Grant: g.ID, Expires: now.Add(x.cfg.AccessTokenTTL)}
	answer := map[string]any{
		"access_token": access, "expires_in": int(x.cfg.AccessTokenTTL / time.Second), "token_type": "Bearer", "scope": g.Scope,
	}
	// Only a consent to offline_access gets a refresh token.
	if xeroContains(strings.Fields(g.Scope), "offline_access") {
		refresh := xeroToken(32)
		x.Refresh[refresh] = &xeroRefresh{Grant: g.ID, Issued: now}
		answer["refresh_token"] = refresh
	}
	x.save()
	w.Header().Set("Cache-Control", "no-store")
	xeroWriteJSON(w, 200, answer)
}

// bearer resolves the request's access token to its grant. msg is Xero's
// Detail for a 401.
func (x *Xero) bearer(r *http.Request, now time.Time) (g *xeroGrant, msg string) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return nil, "AuthenticationUnsuccessful"
	}
	a := x.Access[strings.TrimSpace(tok)]
	if a == nil {
		return nil, "AuthenticationUnsuccessful"
	}
	if !now.Before(a.Expires) {
		return nil, "TokenExpired: token expired at " + a.Expires.Format("01/02/2006 15:04:05")
	}
	return x.Grants[a.Grant], ""
}

func (x *Xero) connections(w http.ResponseWriter, r *http.Request) {
	x.mu.Lock()
	defer x.mu.Unlock()
	g, msg := x.bearer(r, x.clock.Now())
	if g == nil {
		xeroUnauthorized(w, msg)
		return
	}
	out := []map[string]any{}
	for _, tid := range g.Tenants {
		t := x.Tenants[tid]
		out = append(out, map[string]any{
			"id": xeroConnID(g.ID, tid), "authEventId": g.AuthEventID, "tenantId": t.ID, "tenantType": "ORGANISATION",
			"tenantName": t.Name, "createdDateUtc": g.Created.Format("2006-01-02T15:04:05.0000000"),
			"updatedDateUtc": g.Created.Format("2006-01-02T15:04:05.0000000"),
		})
	}
	xeroWriteJSON(w, 200, out)
}

// xeroConnID is a stable connection id for a grant and tenant.
func xeroConnID(grant, tenant string) string {
	return grant[:24] + tenant[24:]
}

func xeroUnauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	xeroWriteJSON(w, 401, map[string]any{"Type": nil, "Title": "Unauthorized", "Status": 401, "Detail": detail,
		"Instance": xeroUUID(), "Extensions": map[string]any{}})
}

// ---- the accounting API: api.xero.com/api.xro/2.0 ----

// api wraps an accounting endpoint: token, the token's scopes against the
// endpoint's scope, tenant, outage, rate limits, spec validation,
// idempotency, then the endpoint under the lock.
func (x *Xero) api(scope string, fn func(*xeroReq) (any, *xeroErr)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &xeroRecorder{ResponseWriter: w}
		tenantID := r.Header.Get("Xero-Tenant-Id")
		idem := ""
		if r.Method == http.MethodPut || r.Method == http.MethodPost {
			idem = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		}
		defer func() {
			x.mu.Lock()
			x.RequestLog = append(x.RequestLog, Request{Method: r.Method, Path: r.URL.Path, TenantID: tenantID,
				IdempotencyKey: idem, Status: rec.status, At: x.clock.Now()})
			x.save()
			x.mu.Unlock()
			x.log.Debug("sandbox xero", "method", r.Method, "path", r.URL.Path, "tenant", tenantID, "status", rec.status)
		}()

		x.mu.Lock()
		now := x.clock.Now()
		g, msg := x.bearer(r, now)
		if g == nil {
			x.mu.Unlock()
			xeroUnauthorized(rec, msg)
			return
		}
		if scope != "" && !xeroScopeAllows(g.Scope, scope, r.Method) {
			x.mu.Unlock()
			// What Xero answers a token whose consent lacks the scope.
			rec.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
			xeroWriteJSON(rec, 401, map[string]any{"Type": nil, "Title": "Unauthorized", "Status": 401,
				"Detail": "AuthorizationUnsuccessful", "Instance": xeroUUID(), "Extensions": map[string]any{}})
			return
		}
		t := x.Tenants[tenantID]
		if t == nil || !xeroContains(g.Tenants, tenantID) {
			x.mu.Unlock()
			xeroWriteJSON(rec, 403, map[string]any{"Type": nil, "Title": "Forbidden", "Status": 403,
				"Detail": "AuthenticationUnsuccessful", "Instance": xeroUUID(), "Extensions": map[string]any{}})
			return
		}
		t.Stats.Requests++
		if t.failN > 0 {
			t.failN--
			code := t.failCode
			x.mu.Unlock()
			xeroWriteJSON(rec, code, map[string]any{"Title": http.StatusText(code), "Status": code,
				"Detail": "The service is temporarily unavailable (sandbox outage)"})
			return
		}
		if problem, wait := x.admit(t, now); problem != "" {
			t.Stats.Throttled++
			x.rateHeaders(rec, t, now)
			x.mu.Unlock()
			// Xero's Retry-After is whole seconds, rounded up so that a
			// client waiting it is admitted.
			secs := max(1, int(math.Ceil(wait.Seconds())))
			rec.Header().Set("Retry-After", strconv.Itoa(secs))
			rec.Header().Set("X-Rate-Limit-Problem", problem)
			xeroWriteJSON(rec, 429, map[string]any{"Title": "Too Many Requests", "Status": 429,
				"Detail": "Rate limit exceeded: " + problem})
			return
		}
		x.rateHeaders(rec, t, now)
		hold := x.hold
		x.mu.Unlock()
		// The call is in flight until its answer leaves: it stops counting
		// before the answer is written (end, under x.mu), so a client that
		// has its answer and starts the next call finds the slot free, as at
		// Xero.
		ended := false
		end := func() {
			if !ended {
				ended = true
				t.inFlight--
			}
		}
		endLocked := func() { x.mu.Lock(); end(); x.mu.Unlock() }
		defer endLocked()
		if hold != nil {
			<-hold
		}

		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			endLocked()
			xeroWriteJSON(rec, 400, xeroValidation(nil, "The request body could not be read"))
			return
		}
		if len(idem) > 128 {
			endLocked()
			x.reject(rec, t, "Idempotency-Key must be at most 128 characters")
			return
		}
		params, verr := xeroValidateSpec(r, body)
		if verr != "" {
			endLocked()
			x.reject(rec, t, verr)
			return
		}

		x.mu.Lock()
		defer x.mu.Unlock()
		defer end() // before the deferred unlock: runs under x.mu
		now = x.clock.Now()
		slot := idem
		if idem != "" {
			if prior, ok := t.Idem[slot]; ok && now.Sub(prior.At) < xeroIdemTTL {
				end()
				rec.Header().Set("Content-Type", "application/json; charset=utf-8")
				rec.WriteHeader(prior.Status)
				rec.Write(prior.Body)
				return
			}
		}
		res, xerr := fn(&xeroReq{r: r, t: t, body: body, now: now, idem: idem, params: params})
		status, out := 200, res
		if xerr != nil {
			status, out = xerr.status, xerr.body
		} else if m, ok := res.(map[string]any); ok {
			out = xeroEnvelope(now, m)
		}
		b, _ := json.Marshal(out)
		if idem != "" {
			t.Idem[slot] = &xeroIdem{Status: status, Body: b, At: now}
		}
		if r.Method != http.MethodGet {
			x.save() // before the answer: what it says has been kept
		}
		end()
		rec.Header().Set("Content-Type", "application/json; charset=utf-8")
		rec.WriteHeader(status)
		rec.Write(b)
	})
}

func (x *Xero) reject(w http.ResponseWriter, t *xeroTenant, msg string) {
	x.mu.Lock()
	t.Stats.Rejected++
	x.mu.Unlock()
	xeroWriteJSON(w, 400, xeroValidation(nil, msg))
}

// admit applies the tenant's limits at now; it answers the limit hit
// ("concurrent", "minute", "daily") and how long until a call would be
// admitted, or "" and counts the call in.
func (x *Xero) admit(t *xeroTenant, now time.Time) (string, time.Duration) {
	t.MinuteLog = xeroTrim(t.MinuteLog, now.Add(-x.limits.Minute))
	t.DayLog = xeroTrim(t.DayLog, now.Add(-24*time.Hour))
	x.AppLog = xeroTrim(x.AppLog, now.Add(-time.Minute))
	switch {
	case t.inFlight >= x.limits.Concurrent:
		return "concurrent", 100 * time.Millisecond // no precise wait: one in flight must finish
	case len(t.DayLog) >= x.limits.PerDay:
		return "daily", t.DayLog[len(t.DayLog)-x.limits.PerDay].Add(24 * time.Hour).Sub(now)
	case len(t.MinuteLog) >= x.limits.PerMinute:
		return "minute", t.MinuteLog[len(t.MinuteLog)-x.limits.PerMinute].Add(x.limits.Minute).Sub(now)
	}
	t.inFlight++
	t.MinuteLog = append(t.MinuteLog, now)
	t.DayLog = append(t.DayLog, now)
	x.AppLog = append(x.AppLog, now)
	t.Stats.PeakConcurrent = max(t.Stats.PeakConcurrent, t.inFlight)
	t.Stats.MaxInWindow = max(t.Stats.MaxInWindow, len(t.MinuteLog))
	return "", 0
}

// xeroTrim drops the times at or before cutoff (log is in order).
func xeroTrim(log []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(log) && !log[i].After(cutoff) {
		i++
	}
	if i == 0 {
		return log
	}
	return append(log[:0], log[i:]...)
}

func (x *Xero) rateHeaders(w http.ResponseWriter, t *xeroTenant, now time.Time) {
	h := w.Header()
	h.Set("X-MinLimit-Remaining", strconv.Itoa(max(0, x.limits.PerMinute-len(t.MinuteLog))))
	h.Set("X-DayLimit-Remaining", strconv.Itoa(max(0, x.limits.PerDay-len(t.DayLog))))
	h.Set("X-AppMinLimit-Remaining", strconv.Itoa(max(0, xeroAppPerMinute-len(x.AppLog))))
}

// xeroValidateSpec holds the request against Xero's OpenAPI description.
// It answers the path parameters, or a message saying what is wrong.
func xeroValidateSpec(r *http.Request, body []byte) (map[string]string, string) {
	_, router, err := xerospec.Accounting()
	if err != nil {
		return nil, "sandbox: the vendored spec does not load: " + err.Error()
	}
	vr := r.Clone(r.Context())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.ContentLength = int64(len(body))
	route, params, err := router.FindRoute(vr)
	if err != nil {
		if errors.Is(err, routers.ErrMethodNotAllowed) || errors.Is(err, routers.ErrPathNotFound) {
			return nil, "" // not in the spec: the mux answers 404
		}
		return nil, err.Error()
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			ExcludeReadOnlyValidations: true, MultiError: true, SkipSettingDefaults: true}}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return nil, xeroSpecMessage(err)
	}
	return params, ""
}

// xeroSpecMessage turns kin-openapi's error into short readable lines.
func xeroSpecMessage(err error) string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var parts []string
		for _, e := range me {
			parts = append(parts, xeroSpecMessage(e))
		}
		return strings.Join(parts, "; ")
	}
	var re *openapi3filter.RequestError
	var se *openapi3.SchemaError
	where := ""
	if errors.As(err, &re) {
		if re.Parameter != nil {
			where = re.Parameter.In + " parameter " + re.Parameter.Name
		} else if re.RequestBody != nil {
			where = "request body"
		}
	}
	if errors.As(err, &se) {
		ptr := "/" + strings.Join(se.JSONPointer(), "/")
		return strings.TrimSpace(fmt.Sprintf("%s %s: %s", where, ptr, se.Reason))
	}
	if re != nil {
		msg := re.Reason
		if re.Err != nil {
			if msg != "" {
				msg += ": "
			}
			msg += re.Err.Error()
		}
		return strings.TrimSpace(where + ": " + msg)
	}
	return err.Error()
}

// ---- answers ----

func xeroEnvelope(now time.Time, m map[string]any) map[string]any {
	m["Id"] = xeroUUID()
	m["Status"] = "OK"
	m["ProviderName"] = "Trove sandbox"
	m["DateTimeUTC"] = xeroMSDate(now, false)
	return m
}

// xeroValidation is Xero's ValidationException body; elements are the
// posted objects, each with its ValidationErrors.
func xeroValidation(elements []map[string]any, msgs ...string) map[string]any {
	if elements == nil {
		var ve []map[string]any
		for _, m := range msgs {
			ve = append(ve, map[string]any{"Message": m})
		}
		elements = []map[string]any{{"ValidationErrors": ve}}
	}
	return map[string]any{"ErrorNumber": 10, "Type": "ValidationException",
		"Message": "A validation exception occurred", "Elements": elements}
}

func xeroInvalid(msgs ...string) *xeroErr {
	return &xeroErr{status: 400, body: xeroValidation(nil, msgs...)}
}

func xeroNotFound() *xeroErr {
	return &xeroErr{status: 404, body: map[string]any{"Title": "Not Found", "Status": 404,
		"Detail": "The resource you're looking for cannot be found"}}
}

func xeroWriteJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

type xeroRecorder struct {
	http.ResponseWriter
	status int
}

func (r *xeroRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *xeroRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.ResponseWriter.Write(b)
}

// xeroMSDate renders t as Xero's JSON date: /Date(ms+0000)/ (or /Date(ms)/).
func xeroMSDate(t time.Time, offset bool) string {
	if offset {
		return fmt.Sprintf("/Date(%d+0000)/", t.UnixMilli())
	}
	return fmt.Sprintf("/Date(%d)/", t.UnixMilli())
}

// xeroParseDate reads a date as Xero accepts it: 2006-01-02,
// 2006-01-02T15:04:05 (optionally with zone), or /Date(ms±zzzz)/.
func xeroParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "/Date("); ok {
		rest = strings.TrimSuffix(rest, ")/")
		if i := strings.IndexAny(rest[min(1, len(rest)):], "+-"); i >= 0 {
			rest = rest[:i+1]
		}
		ms, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	for _, f := range []string{"2006-01-02", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func xeroDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// xeroRound2 rounds to cents, half away from zero, forgiving the float
// error of values such as 1.005.
func xeroRound2(v float64) float64 {
	c := v * 100
	c += math.Copysign(1e-7*math.Max(1, math.Abs(c)), c)
	return math.Round(c) / 100
}

func xeroContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
