package stripe

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// stripeRoute is what one endpoint accepts.
type stripeRoute struct {
	params      []string // parameter patterns: "amount", "metadata[*]", "items[#][price]" (# an index, * any key)
	publishable bool     // a publishable key with the intent's client_secret may call it (Stripe.js)
}

type stripeReq struct {
	r           *http.Request
	form        url.Values
	publishable bool
}

// stripeError is an error answer, shaped as Stripe's {"error": {…}}.
type stripeError struct {
	status                                         int
	typ, code, message, param, declineCode, charge string
	intent                                         *stripeIntent // rendered as error.payment_intent
	noSave                                         bool          // refused before it ran: not kept against an idempotency key
}

func (e *stripeError) Error() string {
	return fmt.Sprintf("sandbox stripe: %d %s %s: %s", e.status, e.typ, e.code, e.message)
}

type stripeIdem struct {
	Fingerprint, RequestID string
	Status                 int
	Body                   json.RawMessage
	At                     time.Time
}

// stripeIdemTTL is how long Stripe keeps an idempotency key.
const stripeIdemTTL = 24 * time.Hour

func stripeInvalid(param, format string, args ...any) *stripeError {
	return &stripeError{status: 400, typ: "invalid_request_error", param: param, message: fmt.Sprintf(format, args...), noSave: true}
}

func stripeMissing(resource, id, param string) *stripeError {
	return &stripeError{status: 404, typ: "invalid_request_error", code: "resource_missing", param: param,
		message: fmt.Sprintf("No such %s: '%s'", resource, id), noSave: true}
}

func (s *Stripe) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, fn func(*stripeReq) (any, *stripeError), rt stripeRoute) {
		mux.Handle(pattern, s.api(fn, rt))
	}
	meta := "metadata[*]"
	route("POST /v1/payment_intents", s.createIntent, stripeRoute{params: []string{"amount", "currency", "transfer_group", meta,
		"customer", "automatic_payment_methods[enabled]", "automatic_payment_methods[allow_redirects]", "description",
		"receipt_email", "payment_method", "payment_method_types[#]", "confirm", "return_url", "statement_descriptor",
		"statement_descriptor_suffix", "setup_future_usage", "capture_method"}})
	route("GET /v1/payment_intents/{id}", s.getIntent, stripeRoute{params: []string{"client_secret"}, publishable: true})
	route("POST /v1/payment_intents/{id}/confirm", s.confirmIntent, stripeRoute{params: []string{"client_secret", "payment_method",
		"payment_method_data[type]", "payment_method_data[card][*]", "payment_method_data[billing_details][*]",
		"payment_method_data[billing_details][address][*]", "return_url", "receipt_email", "use_stripe_sdk", "mandate_data[*]"},
		publishable: true})
	route("POST /v1/payment_intents/{id}/cancel", s.cancelIntent, stripeRoute{params: []string{"cancellation_reason"}})
	route("POST /v1/refunds", s.createRefund, stripeRoute{params: []string{"payment_intent", "charge", "amount", meta, "reason",
		"instructions_email"}})
	route("POST /v1/customers", s.createCustomer, stripeRoute{params: []string{"email", "name", "description", "phone", meta}})
	route("POST /v1/prices", s.createPrice, stripeRoute{params: []string{"currency", "unit_amount", "product", "product_data[name]",
		"product_data[metadata][*]", "product_data[statement_descriptor]", "recurring[interval]", "recurring[interval_count]",
		"recurring[usage_type]", meta, "nickname", "lookup_key", "tax_behavior"}})
	route("POST /v1/subscriptions", s.createSub, stripeRoute{params: []string{"customer", "items[#][price]", "items[#][quantity]",
		"items[#][metadata][*]", meta, "payment_behavior", "default_payment_method", "collection_method", "description",
		"payment_settings[save_default_payment_method]", "off_session"}})
	route("DELETE /v1/subscriptions/{id}", s.cancelSub, stripeRoute{params: []string{"invoice_now", "prorate",
		"cancellation_details[comment]", "cancellation_details[feedback]"}})
	for _, r := range []struct{ path, prefix, name string }{
		{"/v1/subscriptions/{id}", "sub", "subscription"},
		{"/v1/charges/{id}", "ch", "charge"},
		{"/v1/refunds/{id}", "re", "refund"},
		{"/v1/customers/{id}", "cus", "customer"},
		{"/v1/prices/{id}", "price", "price"},
		{"/v1/products/{id}", "prod", "product"},
		{"/v1/invoices/{id}", "in", "invoice"},
		{"/v1/disputes/{id}", "dp", "dispute"},
	} {
		route("GET "+r.path, s.retrieve(r.prefix, r.name), stripeRoute{})
	}
	route("GET /v1/events/{id}", s.getEvent, stripeRoute{})
	route("POST /v1/disputes/{id}/close", s.acceptDispute, stripeRoute{})
	s.connectRoutes(mux, route)
	s.endpointRoutes(route)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions { // CORS preflight from a browser card form
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Stripe-Version")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		stripeWrite(w, http.StatusNotFound, s.errorBody(stripeInvalid("",
			"Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
			r.Method, r.URL.Path), false))
	})
	return mux
}

// api wraps an endpoint: form parsing, authentication, parameter checks,
// idempotency, expand, and delivery of the events it made.
func (s *Stripe) api(fn func(*stripeReq) (any, *stripeError), rt stripeRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := "req_" + stripeRandom(14)
		h := w.Header()
		h.Set("Request-Id", reqID)
		h.Set("Stripe-Version", stripeAPIVersion)
		h.Set("Access-Control-Allow-Origin", "*")
		fail := func(e *stripeError) { stripeWrite(w, e.status, s.errorBody(e, false)) }

		form, err := stripeReadForm(r)
		if err != nil {
			fail(stripeInvalid("", "Invalid request body: %v", err))
			return
		}
		key := stripeAPIKey(r, form)
		form.Del("key")
		publishable := false
		switch {
		case key == "":
			fail(&stripeError{status: 401, typ: "invalid_request_error", message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."})
			return
		case subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.SecretKey)) == 1:
		case subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.PublishableKey)) == 1:
			if !rt.publishable {
				fail(&stripeError{status: 401, typ: "invalid_request_error", message: "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."})
				return
			}
			publishable = true
		default:
			fail(&stripeError{status: 401, typ: "invalid_request_error", message: "Invalid API Key provided: " + stripeRedact(key)})
			return
		}
		allowed := append([]string{"expand[#]"}, rt.params...)
		if !publishable {
			allowed = stripeWithout(allowed, "client_secret")
		}
		if e := stripeCheckParams(form, allowed); e != nil {
			fail(e)
			return
		}
		expand := stripeExpandPaths(form)

		idemKey := ""
		if r.Method == http.MethodPost {
			idemKey = strings.TrimSpace(r.Header.Get("Idempotency-Key"))
			if len(idemKey) > 255 {
				fail(stripeInvalid("", "Idempotency-Key must be at most 255 characters long."))
				return
			}
		}
		slot := key + "\x00" + idemKey
		fingerprint := r.Method + " " + r.URL.Path + "?" + form.Encode()

		s.mu.Lock()
		now := s.clock.Now()
		if idemKey != "" {
			if prior, ok := s.Idem[slot]; ok && now.Sub(prior.At) < stripeIdemTTL {
				s.mu.Unlock()
				if prior.Fingerprint != fingerprint {
					fail(&stripeError{status: 400, typ: "idempotency_error", message: fmt.Sprintf(
						"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", idemKey)})
					return
				}
				h.Set("Idempotent-Replayed", "true")
				h.Set("Original-Request", prior.RequestID)
				stripeWrite(w, prior.Status, prior.Body)
				return
			}
		}
		s.cause = stripeCause{requestID: reqID, idemKey: idemKey}
		v, serr := fn(&stripeReq{r: r, form: form, publishable: publishable})
		var status int
		var body []byte
		if serr == nil && len(expand) > 0 {
			if obj, ok := v.(map[string]any); ok {
				serr = s.expand(obj, expand)
			}
		}
		if serr != nil {
			status, body = serr.status, s.errorBody(serr, publishable)
		} else {
			if obj, ok := v.(map[string]any); ok && publishable {
				v = stripePublicIntent(obj)
			}
			status = http.StatusOK
			if body, err = json.Marshal(v); err != nil {
				panic(fmt.Sprintf("sandbox stripe: %s: %v", r.URL.Path, err))
			}
		}
		if idemKey != "" && (serr == nil || !serr.noSave) {
			s.Idem[slot] = &stripeIdem{Fingerprint: fingerprint, RequestID: reqID, Status: status, Body: body, At: now}
		}
		s.cause = stripeCause{}
		if r.Method != http.MethodGet {
			s.save()
		}
		s.mu.Unlock()
		s.flush()
		s.log.Debug("sandbox stripe: request", "method", r.Method, "path", r.URL.Path, "status", status, "request_id", reqID)
		stripeWrite(w, status, body)
	})
}

func stripeWrite(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	_, _ = w.Write([]byte("\n"))
}

func (s *Stripe) errorBody(e *stripeError, publishable bool) []byte {
	m := map[string]any{"type": e.typ, "message": e.message}
	if e.code != "" {
		m["code"] = e.code
		m["doc_url"] = "https://stripe.com/docs/error-codes/" + strings.ReplaceAll(e.code, "_", "-")
	}
	if e.param != "" {
		m["param"] = e.param
	}
	if e.declineCode != "" {
		m["decline_code"] = e.declineCode
	}
	if e.charge != "" {
		m["charge"] = e.charge
	}
	if e.intent != nil {
		pi := s.renderIntent(e.intent)
		if publishable {
			pi = stripePublicIntent(pi)
		}
		m["payment_intent"] = pi
	}
	b, err := json.Marshal(map[string]any{"error": m})
	if err != nil {
		panic(err)
	}
	return b
}

// stripePublicIntent keeps the fields of a payment intent that Stripe shows
// to a publishable key.
func stripePublicIntent(obj map[string]any) map[string]any {
	if obj["object"] != "payment_intent" {
		return obj
	}
	out := map[string]any{}
	for _, k := range []string{"id", "object", "amount", "automatic_payment_methods", "canceled_at", "cancellation_reason",
		"capture_method", "client_secret", "confirmation_method", "created", "currency", "description",
		"last_payment_error", "livemode", "next_action", "payment_method", "payment_method_types", "processing",
		"receipt_email", "setup_future_usage", "shipping", "status"} {
		out[k] = obj[k]
	}
	return out
}

// stripeReadForm reads the form-encoded body (for any method: DELETE carries
// its parameters there too) and the query string.
func stripeReadForm(r *http.Request) (url.Values, error) {
	form := r.URL.Query()
	if r.Body == nil || r.Method == http.MethodGet {
		return form, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return form, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
			return nil, fmt.Errorf("Content-Type must be application/x-www-form-urlencoded, not %s", mt)
		}
	}
	body, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	for k, vs := range body {
		form[k] = append(form[k], vs...)
	}
	return form, nil
}

// stripeAPIKey finds the key: Bearer or Basic auth, or a `key` parameter
// (as Stripe.js sends its publishable key).
func stripeAPIKey(r *http.Request, form url.Values) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if k, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
		if u, _, ok := r.BasicAuth(); ok {
			return u
		}
	}
	return form.Get("key")
}

func stripeRedact(key string) string {
	if len(key) <= 12 {
		return strings.Repeat("*", len(key))
	}
	return key[:8] + strings.Repeat("*", len(key)-12) + key[len(key)-4:]
}

func stripeWithout(list []string, drop string) []string {
	out := list[:0:0]
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// stripeSegments splits "items[0][price]" into items, 0, price.
func stripeSegments(key string) []string {
	root, rest, _ := strings.Cut(key, "[")
	segs := []string{root}
	for rest != "" {
		seg, after, ok := strings.Cut(rest, "]")
		if !ok {
			return append(segs, rest)
		}
		segs = append(segs, seg)
		rest = strings.TrimPrefix(after, "[")
	}
	return segs
}

func stripeMatches(pattern, key []string) bool {
	if len(pattern) != len(key) {
		return false
	}
	for i, p := range pattern {
		switch p {
		case "#":
			if _, err := strconv.Atoi(key[i]); key[i] != "" && err != nil {
				return false
			}
		case "*":
			if key[i] == "" {
				return false
			}
		default:
			if p != key[i] {
				return false
			}
		}
	}
	return true
}

// stripeCheckParams refuses a parameter the endpoint does not take, as Stripe does.
func stripeCheckParams(form url.Values, allowed []string) *stripeError {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		segs := stripeSegments(k)
		ok := k == "expand"
		for _, a := range allowed {
			if ok = ok || stripeMatches(stripeSegments(a), segs); ok {
				break
			}
		}
		if !ok {
			e := stripeInvalid(k, "Received unknown parameter: %s", k)
			e.code = "parameter_unknown"
			return e
		}
	}
	return nil
}

func stripeExpandPaths(form url.Values) []string {
	var out []string
	for k, vs := range form {
		if k == "expand" || strings.HasPrefix(k, "expand[") {
			out = append(out, vs...)
		}
	}
	sort.Strings(out)
	return out
}

// expand replaces ids in obj with the objects they name, along each dotted
// path ("latest_invoice.payment_intent"). Callers hold s.mu.
func (s *Stripe) expand(obj map[string]any, paths []string) *stripeError {
	for _, path := range paths {
		cur := obj
		for _, field := range strings.Split(path, ".") {
			v, ok := cur[field]
			if !ok {
				return stripeInvalid("expand", "This property cannot be expanded (%s).", path)
			}
			switch x := v.(type) {
			case nil:
				cur = nil
			case string:
				o, found := s.lookup(x)
				if !found {
					return stripeInvalid("expand", "This property cannot be expanded (%s).", path)
				}
				cur[field] = o
				cur = o
			case map[string]any:
				cur = x
			default:
				return stripeInvalid("expand", "This property cannot be expanded (%s).", path)
			}
			if cur == nil {
				break
			}
		}
	}
	return nil
}

// Parameter readers.

// amountUpTo reads an optional "amount" of at most left (all of it when
// absent), as refunds and transfer reversals take it; tooLarge words the
// refusal of more.
func (q *stripeReq) amountUpTo(left int64, tooLarge func(amount int64) string) (int64, *stripeError) {
	amount, given, e := q.int("amount", false)
	switch {
	case e != nil:
		return 0, e
	case !given:
		return left, nil
	case amount <= 0:
		return 0, stripeInvalid("amount", "Invalid positive integer")
	case amount > left:
		return 0, &stripeError{status: 400, typ: "invalid_request_error", code: "amount_too_large", param: "amount", message: tooLarge(amount)}
	}
	return amount, nil
}

func (q *stripeReq) int(name string, required bool) (int64, bool, *stripeError) {
	v := q.form.Get(name)
	if v == "" {
		if required {
			e := stripeInvalid(name, "Missing required param: %s.", name)
			e.code = "parameter_missing"
			return 0, false, e
		}
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e := stripeInvalid(name, "Invalid integer: %s", v)
		e.code = "parameter_invalid_integer"
		return 0, false, e
	}
	return n, true, nil
}

func (q *stripeReq) bool(name string) (bool, *stripeError) {
	switch v := q.form.Get(name); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, stripeInvalid(name, "Invalid boolean: %s", v)
	}
}

func (q *stripeReq) currency(name string) (string, *stripeError) {
	v := strings.ToLower(q.form.Get(name))
	if v == "" {
		e := stripeInvalid(name, "Missing required param: %s.", name)
		e.code = "parameter_missing"
		return "", e
	}
	if len(v) != 3 || strings.Trim(v, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", stripeInvalid(name, "Invalid currency: %s. Stripe currently supports these currencies: usd, eur, gbp, …", v)
	}
	return v, nil
}

// metadata reads prefix[key]=value pairs within Stripe's limits.
func (q *stripeReq) metadata(prefix string) (map[string]string, *stripeError) {
	out := map[string]string{}
	for k, vs := range q.form {
		segs := stripeSegments(k)
		want := stripeSegments(prefix)
		if len(segs) != len(want)+1 || !stripeMatches(want, segs[:len(want)]) {
			continue
		}
		mk, mv := segs[len(segs)-1], vs[len(vs)-1]
		switch {
		case len(mk) > 40:
			return nil, stripeInvalid(k, "Metadata keys can have up to 40 characters; %q has %d.", mk, len(mk))
		case len(mv) > 500:
			return nil, stripeInvalid(k, "Metadata values can have up to 500 characters; the value of %q has %d.", mk, len(mv))
		case mv == "":
			continue
		}
		out[mk] = mv
	}
	if len(out) > 50 {
		return nil, stripeInvalid(prefix, "Metadata can have up to 50 keys; %d were given.", len(out))
	}
	return out, nil
}

func (q *stripeReq) id() string { return q.r.PathValue("id") }

// Endpoints. They run holding s.mu.

func (s *Stripe) createIntent(q *stripeReq) (any, *stripeError) {
	amount, _, e := q.int("amount", true)
	if e != nil {
		return nil, e
	}
	cur, e := q.currency("currency")
	if e != nil {
		return nil, e
	}
	switch {
	case amount < 50:
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "amount_too_small", param: "amount", noSave: true,
			message: fmt.Sprintf("Amount must be at least %s", stripeFormatAmount(50, cur))}
	case amount > 99999999:
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "amount_too_large", param: "amount", noSave: true,
			message: fmt.Sprintf("Amount must be no more than %s", stripeFormatAmount(99999999, cur))}
	}
	customer := q.form.Get("customer")
	if customer != "" && s.Customers[customer] == nil {
		return nil, stripeMissing("customer", customer, "customer")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	automatic, e := q.bool("automatic_payment_methods[enabled]")
	if e != nil {
		return nil, e
	}
	confirm, e := q.bool("confirm")
	if e != nil {
		return nil, e
	}
	var card stripeCard
	if confirm {
		if card, e = q.card(); e != nil {
			return nil, e
		}
	}
	pi := s.newIntent(amount, cur, customer, md)
	pi.TransferGroup, pi.Description, pi.Automatic = q.form.Get("transfer_group"), q.form.Get("description"), automatic
	s.emit("payment_intent.created", s.renderIntent(pi), nil)
	if confirm {
		if e := s.confirm(pi, card); e != nil {
			return nil, e
		}
	}
	return s.renderIntent(pi), nil
}

// intentFor finds the path's intent; a publishable key must bring its client secret.
func (s *Stripe) intentFor(q *stripeReq) (*stripeIntent, *stripeError) {
	pi, ok := s.Intents[q.id()]
	if !ok {
		return nil, stripeMissing("payment_intent", q.id(), "intent")
	}
	if q.publishable {
		cs := q.form.Get("client_secret")
		if cs == "" {
			e := stripeInvalid("client_secret", "Missing required param: client_secret.")
			e.code = "parameter_missing"
			return nil, e
		}
		if subtle.ConstantTimeCompare([]byte(cs), []byte(pi.ClientSecret)) != 1 {
			return nil, stripeInvalid("client_secret", "The client_secret provided does not match the client_secret associated with the PaymentIntent.")
		}
	}
	return pi, nil
}

func (s *Stripe) getIntent(q *stripeReq) (any, *stripeError) {
	pi, e := s.intentFor(q)
	if e != nil {
		return nil, e
	}
	return s.renderIntent(pi), nil
}

// card reads the payment method to charge: a test payment method id
// (payment_method=pm_card_visa) or a test card number
// (payment_method_data[card][number]=4242424242424242).
func (q *stripeReq) card() (stripeCard, *stripeError) {
	pm := q.form.Get("payment_method")
	if pm == "" {
		if n := strings.ReplaceAll(q.form.Get("payment_method_data[card][number]"), " ", ""); n != "" {
			var ok bool
			if pm, ok = stripeCardNumbers[n]; !ok {
				return stripeCard{}, &stripeError{status: 402, typ: "card_error", code: "incorrect_number", param: "number",
					message: "Your card number is incorrect.", noSave: true}
			}
		}
	}
	if pm == "" {
		e := stripeInvalid("payment_method", "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm this PaymentIntent, specify a payment method with the payment_method parameter (e.g. pm_card_visa).")
		e.code = "parameter_missing"
		return stripeCard{}, e
	}
	card, ok := stripeCards[pm]
	if !ok {
		return stripeCard{}, stripeMissing("PaymentMethod", pm, "payment_method")
	}
	return card, nil
}

func (s *Stripe) confirmIntent(q *stripeReq) (any, *stripeError) {
	pi, e := s.intentFor(q)
	if e != nil {
		return nil, e
	}
	card, e := q.card()
	if e != nil {
		return nil, e
	}
	if e := s.confirm(pi, card); e != nil {
		return nil, e
	}
	return s.renderIntent(pi), nil
}

func (s *Stripe) cancelIntent(q *stripeReq) (any, *stripeError) {
	pi, ok := s.Intents[q.id()]
	if !ok {
		return nil, stripeMissing("payment_intent", q.id(), "intent")
	}
	reason := q.form.Get("cancellation_reason")
	switch reason {
	case "", "duplicate", "fraudulent", "requested_by_customer", "abandoned":
	default:
		return nil, stripeInvalid("cancellation_reason", "Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer or abandoned")
	}
	if pi.Invoice != "" {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "payment_intent_unexpected_state", intent: pi,
			message: "You cannot cancel this PaymentIntent because it was created by an invoice."}
	}
	switch pi.Status {
	case "requires_payment_method", "requires_confirmation", "requires_action", "processing", "requires_capture":
	default:
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "payment_intent_unexpected_state", intent: pi,
			message: fmt.Sprintf("You cannot cancel this PaymentIntent because it has a status of %s. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.", pi.Status)}
	}
	pi.Status, pi.CanceledAt, pi.CancellationReason = "canceled", s.clock.Now(), reason
	s.emit("payment_intent.canceled", s.renderIntent(pi), nil)
	return s.renderIntent(pi), nil
}

func (s *Stripe) createRefund(q *stripeReq) (any, *stripeError) {
	var ch *stripeCharge
	switch piID, chID := q.form.Get("payment_intent"), q.form.Get("charge"); {
	case piID == "" && chID == "":
		return nil, stripeInvalid("", "One of the following params should be provided for this request: payment_intent or charge.")
	case piID != "" && chID != "":
		return nil, stripeInvalid("charge", "You can only specify one of these parameters: payment_intent, charge.")
	case piID != "":
		pi, ok := s.Intents[piID]
		if !ok {
			return nil, stripeMissing("payment_intent", piID, "payment_intent")
		}
		if pi.Status != "succeeded" {
			return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "payment_intent_unexpected_state", param: "payment_intent",
				message: fmt.Sprintf("This PaymentIntent (%s) does not have a successful charge to refund.", piID), noSave: true}
		}
		ch = s.Charges[pi.LatestCharge]
	default:
		var ok bool
		if ch, ok = s.Charges[chID]; !ok {
			return nil, stripeMissing("charge", chID, "charge")
		}
		if ch.Status != "succeeded" {
			return nil, stripeInvalid("charge", "Charge %s has not succeeded and cannot be refunded.", chID)
		}
	}
	reason := q.form.Get("reason")
	switch reason {
	case "", "duplicate", "fraudulent", "requested_by_customer":
	default:
		return nil, stripeInvalid("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	if ch.Disputed {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "charge_disputed",
			message: fmt.Sprintf("Charge %s has been charged back; cannot issue a refund.", ch.ID)}
	}
	left := ch.Amount - ch.AmountRefunded
	if left == 0 {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "charge_already_refunded",
			message: fmt.Sprintf("Charge %s has already been refunded.", ch.ID)}
	}
	amount, e := q.amountUpTo(left, func(amount int64) string {
		return fmt.Sprintf("Refund amount (%s) is greater than unrefunded amount on charge (%s)",
			stripeFormatAmount(amount, ch.Currency), stripeFormatAmount(left, ch.Currency))
	})
	if e != nil {
		return nil, e
	}
	r := &stripeRefund{ID: stripeID("re"), Charge: ch.ID, Intent: ch.Intent, Currency: ch.Currency, Status: "succeeded",
		Reason: reason, Amount: amount, Metadata: md, BalanceTx: stripeID("txn"), Created: s.clock.Now()}
	s.Refunds[r.ID] = r
	prev := map[string]any{"amount_refunded": ch.AmountRefunded, "refunded": ch.Refunded}
	ch.AmountRefunded += amount
	ch.Refunded = ch.AmountRefunded == ch.Amount
	s.emit("charge.refunded", s.renderCharge(ch), prev)
	s.emit("refund.created", s.renderRefund(r), nil)
	return s.renderRefund(r), nil
}

func (s *Stripe) createCustomer(q *stripeReq) (any, *stripeError) {
	email := q.form.Get("email")
	if email != "" && (!strings.Contains(email, "@") || len(email) > 512) {
		e := stripeInvalid("email", "Invalid email address: %s", email)
		e.code = "email_invalid"
		return nil, e
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	c := &stripeCustomer{ID: stripeID("cus"), Email: email, Name: q.form.Get("name"), Description: q.form.Get("description"),
		Phone: q.form.Get("phone"), Metadata: md, InvoicePrefix: strings.ToUpper(stripeRandom(8)), Created: s.clock.Now()}
	s.Customers[c.ID] = c
	s.emit("customer.created", s.renderCustomer(c), nil)
	return s.renderCustomer(c), nil
}

func (s *Stripe) createPrice(q *stripeReq) (any, *stripeError) {
	cur, e := q.currency("currency")
	if e != nil {
		return nil, e
	}
	unit, _, e := q.int("unit_amount", true)
	if e != nil {
		return nil, e
	}
	if unit < 0 {
		return nil, stripeInvalid("unit_amount", "This value must be greater than or equal to 0.")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	product, name := q.form.Get("product"), q.form.Get("product_data[name]")
	switch {
	case product == "" && name == "":
		return nil, stripeInvalid("product", "You must specify either `product` or `product_data` when creating a price.")
	case product != "" && name != "":
		return nil, stripeInvalid("product_data", "You may only specify one of these parameters: product, product_data.")
	case product != "" && s.Products[product] == nil:
		return nil, stripeMissing("product", product, "product")
	}
	p := &stripePrice{ID: stripeID("price"), Product: product, Currency: cur, UnitAmount: unit, Metadata: md,
		Nickname: q.form.Get("nickname"), Created: s.clock.Now()}
	if iv := q.form.Get("recurring[interval]"); iv != "" {
		max := map[string]int64{"day": 365, "week": 52, "month": 12, "year": 1}
		if max[iv] == 0 {
			return nil, stripeInvalid("recurring[interval]", "Invalid recurring[interval]: must be one of day, month, week, or year")
		}
		n, given, e := q.int("recurring[interval_count]", false)
		if e != nil {
			return nil, e
		}
		if !given {
			n = 1
		}
		if n < 1 || n > max[iv] {
			return nil, stripeInvalid("recurring[interval_count]", "The maximum billing interval is one year (1 year, 12 months, 52 weeks or 365 days); interval_count must be between 1 and %d for %s.", max[iv], iv)
		}
		p.Interval, p.IntervalCount = iv, n
	}
	if name != "" {
		pmd, e := q.metadata("product_data[metadata]")
		if e != nil {
			return nil, e
		}
		prod := &stripeProduct{ID: stripeID("prod"), Name: name, Metadata: pmd, Created: p.Created}
		s.Products[prod.ID] = prod
		p.Product = prod.ID
		s.emit("product.created", s.renderProduct(prod), nil)
	}
	s.Prices[p.ID] = p
	s.emit("price.created", s.renderPrice(p), nil)
	return s.renderPrice(p), nil
}

func (s *Stripe) createSub(q *stripeReq) (any, *stripeError) {
	customer := q.form.Get("customer")
	if customer == "" {
		e := stripeInvalid("customer", "Missing required param: customer.")
		e.code = "parameter_missing"
		return nil, e
	}
	if s.Customers[customer] == nil {
		return nil, stripeMissing("customer", customer, "customer")
	}
	for k := range q.form {
		if segs := stripeSegments(k); segs[0] == "items" && segs[1] != "0" {
			return nil, stripeInvalid(k, "The sandbox supports one item per subscription (items[0]).")
		}
	}
	priceID := q.form.Get("items[0][price]")
	if priceID == "" {
		e := stripeInvalid("items", "Missing required param: items[0][price].")
		e.code = "parameter_missing"
		return nil, e
	}
	pr, ok := s.Prices[priceID]
	if !ok {
		return nil, stripeMissing("price", priceID, "items[0][price]")
	}
	if pr.IntervalCount == 0 {
		return nil, stripeInvalid("items[0][price]", "The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.")
	}
	qty, given, e := q.int("items[0][quantity]", false)
	if e != nil {
		return nil, e
	}
	if !given {
		qty = 1
	}
	if qty < 1 {
		return nil, stripeInvalid("items[0][quantity]", "Invalid positive integer")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	behavior := q.form.Get("payment_behavior")
	switch behavior {
	case "", "allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete":
	default:
		return nil, stripeInvalid("payment_behavior", "Invalid payment_behavior: must be one of allow_incomplete, default_incomplete, error_if_incomplete, or pending_if_incomplete")
	}
	now := s.clock.Now()
	sub := &stripeSub{ID: stripeID("sub"), Customer: customer, Price: pr.ID, ItemID: stripeID("si"), Status: "incomplete",
		Quantity: qty, Metadata: md, Created: now, Anchor: now}
	sub.PeriodStart, sub.PeriodEnd = s.period(sub)
	s.Subs[sub.ID] = sub
	// The sandbox's customers have a card on file that pays, unless the
	// caller asks for default_incomplete: then the buyer pays the first
	// invoice by confirming its payment intent.
	var card *stripeCard
	if behavior != "default_incomplete" {
		card = &stripeVisa
	}
	sub.busy = true
	s.bill(sub, "subscription_create", card)
	sub.busy = false
	s.emit("customer.subscription.created", s.renderSub(sub), nil)
	return s.renderSub(sub), nil
}

func (s *Stripe) cancelSub(q *stripeReq) (any, *stripeError) {
	sub, ok := s.Subs[q.id()]
	if !ok {
		return nil, stripeMissing("subscription", q.id(), "id")
	}
	if sub.Status == "canceled" {
		return nil, stripeInvalid("", "This subscription is already canceled: %s.", sub.ID)
	}
	sub.Status, sub.CanceledAt, sub.CancelReason = "canceled", s.clock.Now(), "cancellation_requested"
	s.emit("customer.subscription.deleted", s.renderSub(sub), nil)
	return s.renderSub(sub), nil
}

func (s *Stripe) retrieve(prefix, name string) func(*stripeReq) (any, *stripeError) {
	return func(q *stripeReq) (any, *stripeError) {
		id := q.id()
		if p, _, _ := strings.Cut(id, "_"); p == prefix {
			if obj, ok := s.lookup(id); ok {
				return obj, nil
			}
		}
		return nil, stripeMissing(name, id, "id")
	}
}

// acceptDispute is POST /v1/disputes/{id}/close: the platform accepts the
// dispute, which closes it lost (the funds stay withdrawn).
func (s *Stripe) acceptDispute(q *stripeReq) (any, *stripeError) {
	d, ok := s.Disputes[q.id()]
	if !ok {
		return nil, stripeMissing("dispute", q.id(), "dispute")
	}
	if stripeDisputeClosed(d.Status) {
		return nil, stripeInvalid("", "This dispute is already closed (%s).", d.Status)
	}
	s.closeDispute(d, false)
	return s.renderDispute(d), nil
}

func (s *Stripe) getEvent(q *stripeReq) (any, *stripeError) {
	ev, ok := s.Events[q.id()]
	if !ok {
		return nil, stripeMissing("event", q.id(), "id")
	}
	return json.RawMessage(ev.Body), nil
}
