package stripe

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Connect in the Stripe stand-in: Express accounts onboarded through
// account links (a page of the stand-in itself stands for Stripe's hosted
// onboarding), transfers from the platform's balance to those accounts
// ("separate charges and transfers"), and transfer reversals.
//
// The platform's available balance per currency is what Stripe would hold
// with every charge available at once: succeeded charges minus refunds,
// minus transfers, plus reversals, minus what disputes withdrew (and did
// not give back); fees are not counted.

// stripeLinkTTL is how long an account link can be visited (Stripe: 5 minutes).
const stripeLinkTTL = 5 * time.Minute

type stripeConnect struct {
	Accounts  map[string]*stripeAccount
	Transfers map[string]*stripeTransfer
	Links     map[string]*stripeLink // by the token in the onboarding URL
	Seq       int                    // creation order of transfers, for lists
}

func newStripeConnect() stripeConnect {
	return stripeConnect{Accounts: map[string]*stripeAccount{}, Transfers: map[string]*stripeTransfer{},
		Links: map[string]*stripeLink{}}
}

type stripeAccount struct {
	ID, Email, Country, Currency, BusinessType, Agreement string
	DetailsSubmitted, ChargesEnabled, PayoutsEnabled      bool
	Transfers, CardPayments                               string // capability status; "" when not requested
	Metadata                                              map[string]string
	Created                                               time.Time
}

type stripeLink struct {
	Token, Account, RefreshURL, ReturnURL string
	Expires                               time.Time
	Used                                  bool
}

type stripeTransfer struct {
	ID, Currency, Destination, TransferGroup, SourceTx, Description, BalanceTx, DestPayment string
	Amount, AmountReversed                                                                  int64
	Metadata                                                                                map[string]string
	Reversals                                                                               []*stripeReversal
	Created                                                                                 time.Time
	Seq                                                                                     int
}

type stripeReversal struct {
	ID, Transfer, Currency, BalanceTx, DestRefund string
	Amount                                        int64
	Metadata                                      map[string]string
	Created                                       time.Time
}

// Account is a connected account as the stand-in holds it.
type Account struct {
	ID, Email, Country, DefaultCurrency string
	DetailsSubmitted                    bool
	ChargesEnabled                      bool
	PayoutsEnabled                      bool
	// Transfers and CardPayments are the capabilities' statuses: "active",
	// "inactive", or "" when not requested.
	Transfers, CardPayments string
	Metadata                map[string]string
	Created                 time.Time
}

// Transfer is a transfer to a connected account, with its reversals.
type Transfer struct {
	ID, Currency, Destination, TransferGroup, SourceTransaction, Description string
	Amount, AmountReversed                                                   int64 // in Stripe's minor units
	Reversed                                                                 bool
	Metadata                                                                 map[string]string
	Reversals                                                                []Reversal
	Created                                                                  time.Time
}

// Reversal is a (partial) reversal of a transfer.
type Reversal struct {
	ID       string
	Amount   int64
	Metadata map[string]string
	Created  time.Time
}

// Accounts returns the connected accounts, oldest first.
func (s *Stripe) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, 0, len(s.Connect.Accounts))
	for _, a := range s.Connect.Accounts {
		out = append(out, Account{ID: a.ID, Email: a.Email, Country: a.Country, DefaultCurrency: a.Currency,
			DetailsSubmitted: a.DetailsSubmitted, ChargesEnabled: a.ChargesEnabled, PayoutsEnabled: a.PayoutsEnabled,
			Transfers: a.Transfers, CardPayments: a.CardPayments, Metadata: stripeCopy(a.Metadata), Created: a.Created})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

// Transfers returns every transfer, oldest first, with its reversals.
func (s *Stripe) Transfers() []Transfer {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.transferList()
	out := make([]Transfer, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		st := Transfer{ID: t.ID, Currency: t.Currency, Destination: t.Destination, TransferGroup: t.TransferGroup,
			SourceTransaction: t.SourceTx, Description: t.Description, Amount: t.Amount, AmountReversed: t.AmountReversed,
			Reversed: t.AmountReversed == t.Amount, Metadata: stripeCopy(t.Metadata), Created: t.Created}
		for _, r := range t.Reversals {
			st.Reversals = append(st.Reversals, Reversal{ID: r.ID, Amount: r.Amount, Metadata: stripeCopy(r.Metadata), Created: r.Created})
		}
		out = append(out, st)
	}
	return out
}

// Balance returns the platform's available balance in currency (any case),
// in minor units: succeeded charges - refunds - transfers + reversals -
// disputed amounts withdrawn.
func (s *Stripe) Balance(currency string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.available(strings.ToLower(currency))
}

// CompleteOnboarding does what the account's onboarding page does when
// visited: details submitted, capabilities active, charges and payouts
// enabled; account.updated is sent. It panics for an unknown account.
func (s *Stripe) CompleteOnboarding(accountID string) {
	s.mu.Lock()
	a := s.mustAccount(accountID)
	s.cause = stripeCause{}
	s.onboard(a)
	s.save()
	s.mu.Unlock()
	s.flush()
}

// DisablePayouts makes the account's payouts_enabled false (as when Stripe
// needs more information from the account holder) and sends account.updated.
// Transfers to it still succeed, as with Stripe: the funds wait in its
// balance. It panics for an unknown account.
func (s *Stripe) DisablePayouts(accountID string) {
	s.mu.Lock()
	a := s.mustAccount(accountID)
	s.cause = stripeCause{}
	if a.PayoutsEnabled {
		a.PayoutsEnabled = false
		s.emitFor(a.ID, "account.updated", s.renderAccount(a), map[string]any{"payouts_enabled": true})
		s.save()
	}
	s.mu.Unlock()
	s.flush()
}

func (s *Stripe) mustAccount(id string) *stripeAccount {
	a, ok := s.Connect.Accounts[id]
	if !ok {
		s.mu.Unlock()
		panic(fmt.Sprintf("sandbox stripe: no account %q", id))
	}
	return a
}

// The operations below hold s.mu.

// onboard completes the account's onboarding and sends account.updated.
func (s *Stripe) onboard(a *stripeAccount) {
	prev := map[string]any{}
	if !a.DetailsSubmitted {
		prev["details_submitted"] = false
	}
	if !a.PayoutsEnabled {
		prev["payouts_enabled"] = false
	}
	caps := map[string]any{}
	if a.Transfers != "" && a.Transfers != "active" {
		caps["transfers"] = a.Transfers
		a.Transfers = "active"
	}
	if a.CardPayments != "" && a.CardPayments != "active" {
		caps["card_payments"] = a.CardPayments
		a.CardPayments = "active"
	}
	if len(caps) > 0 {
		prev["capabilities"] = caps
	}
	charges := a.CardPayments == "active"
	if charges != a.ChargesEnabled {
		prev["charges_enabled"] = a.ChargesEnabled
	}
	a.DetailsSubmitted, a.PayoutsEnabled, a.ChargesEnabled = true, true, charges
	if len(prev) > 0 {
		// A connected account's event: to the Connect endpoint, with
		// "account" set, as Stripe sends it.
		s.emitFor(a.ID, "account.updated", s.renderAccount(a), prev)
	}
}

func (s *Stripe) available(currency string) int64 {
	var sum int64
	for _, ch := range s.Charges {
		if ch.Status == "succeeded" && ch.Currency == currency {
			sum += ch.Amount
		}
	}
	for _, r := range s.Refunds {
		if r.Status == "succeeded" && r.Currency == currency {
			sum -= r.Amount
		}
	}
	for _, t := range s.Connect.Transfers {
		if t.Currency == currency {
			sum -= t.Amount - t.AmountReversed
		}
	}
	for _, d := range s.Disputes {
		if d.Withdrawn && d.Currency == currency {
			sum -= d.Amount
		}
	}
	return sum
}

// transferred is what has gone out of the charge in transfers, net of reversals.
func (s *Stripe) transferred(chargeID string) int64 {
	var sum int64
	for _, t := range s.Connect.Transfers {
		if t.SourceTx == chargeID {
			sum += t.Amount - t.AmountReversed
		}
	}
	return sum
}

// transferList is every transfer, newest first, as Stripe lists them.
func (s *Stripe) transferList() []*stripeTransfer {
	out := make([]*stripeTransfer, 0, len(s.Connect.Transfers))
	for _, t := range s.Connect.Transfers {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

func (s *Stripe) lookupConnect(id string) (map[string]any, bool) {
	switch p, _, _ := strings.Cut(id, "_"); p {
	case "acct":
		if a, ok := s.Connect.Accounts[id]; ok {
			return s.renderAccount(a), true
		}
	case "tr":
		if t, ok := s.Connect.Transfers[id]; ok {
			return s.renderTransfer(t), true
		}
	case "trr":
		for _, t := range s.Connect.Transfers {
			for _, r := range t.Reversals {
				if r.ID == id {
					return s.renderReversal(r), true
				}
			}
		}
	}
	return nil, false
}

// stripeCountryCurrency is the default currency of an account in country.
func stripeCountryCurrency(country string) string {
	switch country {
	case "US":
		return "usd"
	case "GB":
		return "gbp"
	case "CA":
		return "cad"
	case "AU":
		return "aud"
	case "NZ":
		return "nzd"
	case "CH", "LI":
		return "chf"
	case "SE":
		return "sek"
	case "NO":
		return "nok"
	case "DK":
		return "dkk"
	case "PL":
		return "pln"
	case "JP":
		return "jpy"
	case "SG":
		return "sgd"
	case "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK":
		return "eur"
	}
	return ""
}

// Routes.

func (s *Stripe) connectRoutes(mux *http.ServeMux, route func(string, func(*stripeReq) (any, *stripeError), stripeRoute)) {
	meta := "metadata[*]"
	route("POST /v1/accounts", s.createAccount, stripeRoute{params: []string{"type", "email", "country", "business_type",
		"default_currency", "capabilities[*][requested]", meta, "business_profile[*]", "tos_acceptance[service_agreement]",
		"controller[*][*]", "settings[payouts][schedule][*]"}})
	route("GET /v1/accounts/{id}", s.retrieve("acct", "account"), stripeRoute{})
	route("POST /v1/account_links", s.createAccountLink, stripeRoute{params: []string{"account", "refresh_url", "return_url",
		"type", "collect", "collection_options[fields]", "collection_options[future_requirements]"}})
	route("POST /v1/transfers", s.createTransfer, stripeRoute{params: []string{"amount", "currency", "destination",
		"transfer_group", "source_transaction", "source_type", "description", meta}})
	route("GET /v1/transfers", s.listTransfers, stripeRoute{params: []string{"transfer_group", "destination", "limit",
		"starting_after", "ending_before", "created", "created[*]"}})
	route("GET /v1/transfers/{id}", s.retrieve("tr", "transfer"), stripeRoute{})
	route("POST /v1/transfers/{id}", s.updateTransfer, stripeRoute{params: []string{"description", meta}})
	route("POST /v1/transfers/{id}/reversals", s.createReversal, stripeRoute{params: []string{"amount", "description",
		meta, "refund_application_fee"}})
	route("GET /v1/transfers/{id}/reversals", s.listReversals, stripeRoute{params: []string{"limit", "starting_after", "ending_before"}})
	mux.HandleFunc("GET /connect/onboard/{token}", s.onboardPage)
}

func stripeMissingParam(name string) *stripeError {
	e := stripeInvalid(name, "Missing required param: %s.", name)
	e.code = "parameter_missing"
	return e
}

func (s *Stripe) createAccount(q *stripeReq) (any, *stripeError) {
	typ := q.form.Get("type")
	switch typ {
	case "":
		return nil, stripeMissingParam("type")
	case "express":
	case "standard", "custom":
		return nil, stripeInvalid("type", "The sandbox makes Express accounts only (type=express), not %s.", typ)
	default:
		return nil, stripeInvalid("type", "Invalid type: must be one of custom, express, or standard")
	}
	country := strings.ToUpper(q.form.Get("country"))
	if country == "" {
		country = "US" // Stripe: the platform's country
	}
	cur := stripeCountryCurrency(country)
	if cur == "" {
		return nil, stripeInvalid("country", "Country '%s' is unknown or not supported by the sandbox. Try US, GB or an EU country.", country)
	}
	if dc := strings.ToLower(q.form.Get("default_currency")); dc != "" {
		cur = dc
	}
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
	requested := map[string]bool{}
	for k := range q.form {
		segs := stripeSegments(k)
		if segs[0] != "capabilities" {
			continue
		}
		v, e := q.bool(k)
		if e != nil {
			return nil, e
		}
		if v {
			requested[segs[1]] = true
		}
	}
	for c := range requested {
		if c != "transfers" && c != "card_payments" {
			return nil, stripeInvalid("capabilities", "The sandbox supports the transfers and card_payments capabilities only, not %s.", c)
		}
	}
	agreement := q.form.Get("tos_acceptance[service_agreement]")
	switch {
	case !requested["transfers"] && !requested["card_payments"]:
		return nil, stripeInvalid("capabilities", "You must request at least one capability for Express accounts: pass capabilities[transfers][requested]=true.")
	case requested["card_payments"] && !requested["transfers"]:
		return nil, stripeInvalid("capabilities", "In order to request the card_payments capability, you must also request the transfers capability.")
	case requested["card_payments"] && agreement == "recipient":
		return nil, stripeInvalid("capabilities", "Accounts under the recipient service agreement cannot request the card_payments capability.")
	case !requested["card_payments"] && country != "US" && agreement != "recipient":
		return nil, stripeInvalid("capabilities", "Accounts in %s under the full service agreement must request the card_payments capability along with transfers (or use tos_acceptance[service_agreement]=recipient).", country)
	}
	a := &stripeAccount{ID: stripeID("acct")[:21], Email: email, Country: country, Currency: cur, Metadata: md,
		BusinessType: q.form.Get("business_type"), Agreement: agreement, Created: s.clock.Now()}
	if requested["transfers"] {
		a.Transfers = "inactive"
	}
	if requested["card_payments"] {
		a.CardPayments = "inactive"
	}
	s.Connect.Accounts[a.ID] = a
	return s.renderAccount(a), nil
}

func (s *Stripe) createAccountLink(q *stripeReq) (any, *stripeError) {
	id := q.form.Get("account")
	if id == "" {
		return nil, stripeMissingParam("account")
	}
	a, ok := s.Connect.Accounts[id]
	if !ok {
		e := stripeMissing("account", id, "account")
		e.status = 400
		return nil, e
	}
	switch typ := q.form.Get("type"); typ {
	case "":
		return nil, stripeMissingParam("type")
	case "account_onboarding":
	case "account_update":
		return nil, stripeInvalid("type", "The sandbox makes account_onboarding links only.")
	default:
		return nil, stripeInvalid("type", "Invalid type: must be one of account_onboarding or account_update")
	}
	var urls [2]string
	for i, name := range []string{"refresh_url", "return_url"} {
		v := q.form.Get(name)
		if v == "" {
			return nil, stripeMissingParam(name)
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, stripeInvalid(name, "Not a valid URL")
		}
		urls[i] = v
	}
	now := s.clock.Now()
	l := &stripeLink{Token: stripeRandom(32), Account: a.ID, RefreshURL: urls[0], ReturnURL: urls[1], Expires: now.Add(stripeLinkTTL)}
	s.Connect.Links[l.Token] = l
	return map[string]any{"object": "account_link", "created": now.Unix(), "expires_at": l.Expires.Unix(),
		"url": stripeBaseURL(q.r) + "/connect/onboard/" + l.Token}, nil
}

// stripeBaseURL is where the stand-in is reachable, as the caller reached it
// (with the prefix it is mounted under, if any).
func stripeBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && strings.HasSuffix(u.Path, r.URL.Path) {
		prefix = strings.TrimSuffix(u.Path, r.URL.Path)
	}
	return scheme + "://" + host + prefix
}

// onboardPage stands for Stripe's hosted onboarding: visiting a fresh link
// completes the account's onboarding and redirects to its return_url; an
// expired or used link redirects to its refresh_url, as Stripe does.
func (s *Stripe) onboardPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	l, ok := s.Connect.Links[r.PathValue("token")]
	if !ok {
		s.mu.Unlock()
		http.Error(w, "This onboarding link is not known to the Stripe sandbox.", http.StatusNotFound)
		return
	}
	if l.Used || !s.clock.Now().Before(l.Expires) {
		s.mu.Unlock()
		http.Redirect(w, r, l.RefreshURL, http.StatusFound)
		return
	}
	l.Used = true
	s.cause = stripeCause{}
	s.onboard(s.Connect.Accounts[l.Account])
	s.save()
	s.mu.Unlock()
	s.flush()
	http.Redirect(w, r, l.ReturnURL, http.StatusFound)
}

func (s *Stripe) createTransfer(q *stripeReq) (any, *stripeError) {
	amount, _, e := q.int("amount", true)
	if e != nil {
		return nil, e
	}
	if amount <= 0 {
		return nil, stripeInvalid("amount", "Invalid positive integer")
	}
	cur, e := q.currency("currency")
	if e != nil {
		return nil, e
	}
	dest := q.form.Get("destination")
	if dest == "" {
		return nil, stripeMissingParam("destination")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	a, ok := s.Connect.Accounts[dest]
	if !ok {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "resource_missing", param: "destination",
			message: fmt.Sprintf("No such destination: '%s'", dest), noSave: true}
	}
	if a.Transfers != "active" {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "insufficient_capabilities_for_transfer",
			param: "destination", message: "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments"}
	}
	if cur != a.Currency {
		return nil, stripeInvalid("currency", "The sandbox transfers only in the destination account's default currency: %s is in %s, not %s.", a.ID, a.Currency, cur)
	}
	src := q.form.Get("source_transaction")
	if src != "" {
		ch, ok := s.Charges[src]
		if !ok {
			return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "resource_missing", param: "source_transaction",
				message: fmt.Sprintf("No such charge: '%s'", src), noSave: true}
		}
		if ch.Status != "succeeded" {
			return nil, stripeInvalid("source_transaction", "The source_transaction %s has not succeeded (its status is %s); only a succeeded charge can fund a transfer.", src, ch.Status)
		}
		if ch.Currency != cur {
			return nil, stripeInvalid("currency", "The currency of source_transaction's balance transaction (%s) must be the same as the transfer currency (%s).", ch.Currency, cur)
		}
		if left := ch.Amount - ch.AmountRefunded - s.transferred(ch.ID); amount > left {
			return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "balance_insufficient", param: "amount",
				message: fmt.Sprintf("Insufficient funds in source_transaction %s: the transfer amount (%s) is more than what is left of the charge after refunds and earlier transfers (%s).",
					src, stripeFormatAmount(amount, cur), stripeFormatAmount(left, cur))}
		}
	} else if avail := s.available(cur); amount > avail {
		return nil, &stripeError{status: 400, typ: "invalid_request_error", code: "balance_insufficient",
			message: "You have insufficient funds in your Stripe account. One likely reason you have insufficient funds is that your funds are automatically being paid out; try enabling manual payouts by going to https://dashboard.stripe.com/account/payouts."}
	}
	s.Connect.Seq++
	t := &stripeTransfer{ID: stripeID("tr"), Currency: cur, Destination: a.ID, TransferGroup: q.form.Get("transfer_group"),
		SourceTx: src, Description: q.form.Get("description"), BalanceTx: stripeID("txn"), DestPayment: stripeID("py"),
		Amount: amount, Metadata: md, Created: s.clock.Now(), Seq: s.Connect.Seq}
	s.Connect.Transfers[t.ID] = t
	s.emit("transfer.created", s.renderTransfer(t), nil)
	return s.renderTransfer(t), nil
}

func (s *Stripe) updateTransfer(q *stripeReq) (any, *stripeError) {
	t, ok := s.Connect.Transfers[q.id()]
	if !ok {
		return nil, stripeMissing("transfer", q.id(), "id")
	}
	prev := map[string]any{}
	if q.form.Has("description") {
		if d := q.form.Get("description"); d != t.Description {
			prev["description"] = stripeNullable(t.Description)
			t.Description = d
		}
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	if len(md) > 0 {
		prev["metadata"] = stripeCopy(t.Metadata)
		for k, v := range md {
			t.Metadata[k] = v
		}
	}
	if len(prev) > 0 {
		s.emit("transfer.updated", s.renderTransfer(t), prev)
	}
	return s.renderTransfer(t), nil
}

func (s *Stripe) createReversal(q *stripeReq) (any, *stripeError) {
	t, ok := s.Connect.Transfers[q.id()]
	if !ok {
		return nil, stripeMissing("transfer", q.id(), "id")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	left := t.Amount - t.AmountReversed
	if left == 0 {
		return nil, stripeInvalid("", "Transfer %s has already been fully reversed.", t.ID)
	}
	amount, e := q.amountUpTo(left, func(amount int64) string {
		return fmt.Sprintf("Reversal amount (%s) is greater than the amount of transfer %s not yet reversed (%s).",
			stripeFormatAmount(amount, t.Currency), t.ID, stripeFormatAmount(left, t.Currency))
	})
	if e != nil {
		return nil, e
	}
	r := &stripeReversal{ID: stripeID("trr"), Transfer: t.ID, Currency: t.Currency, BalanceTx: stripeID("txn"),
		DestRefund: stripeID("pyr"), Amount: amount, Metadata: md, Created: s.clock.Now()}
	prev := map[string]any{"amount_reversed": t.AmountReversed, "reversals": s.renderReversals(t)}
	t.Reversals = append(t.Reversals, r)
	t.AmountReversed += amount
	if t.AmountReversed == t.Amount {
		prev["reversed"] = false
	}
	// 2023-10-16 sends transfer.reversed for every reversal, partial ones too;
	// transfer.updated is for description and metadata changes.
	s.emit("transfer.reversed", s.renderTransfer(t), prev)
	return s.renderReversal(r), nil
}

// listReversals lists a transfer's reversals, newest first.
func (s *Stripe) listReversals(q *stripeReq) (any, *stripeError) {
	t, ok := s.Connect.Transfers[q.id()]
	if !ok {
		return nil, stripeMissing("transfer", q.id(), "id")
	}
	limit, given, e := q.int("limit", false)
	if e != nil {
		return nil, e
	}
	if !given {
		limit = 10
	}
	if limit < 1 || limit > 100 {
		return nil, stripeInvalid("limit", "Invalid integer: %d; limit must be between 1 and 100.", limit)
	}
	all := s.renderReversals(t)["data"].([]any)
	if after := q.form.Get("starting_after"); after != "" {
		at := -1
		for i, r := range all {
			if r.(map[string]any)["id"] == after {
				at = i
			}
		}
		if at < 0 {
			return nil, stripeMissing("transfer_reversal", after, "starting_after")
		}
		all = all[at+1:]
	}
	more := len(all) > int(limit)
	if more {
		all = all[:limit]
	}
	return map[string]any{"object": "list", "data": all, "has_more": more, "url": "/v1/transfers/" + t.ID + "/reversals"}, nil
}

func (s *Stripe) listTransfers(q *stripeReq) (any, *stripeError) {
	limit, given, e := q.int("limit", false)
	if e != nil {
		return nil, e
	}
	if !given {
		limit = 10
	}
	if limit < 1 || limit > 100 {
		return nil, stripeInvalid("limit", "Invalid integer: %d; limit must be between 1 and 100.", limit)
	}
	group, dest := q.form.Get("transfer_group"), q.form.Get("destination")
	var match []*stripeTransfer
	for _, t := range s.transferList() {
		if (group == "" || t.TransferGroup == group) && (dest == "" || t.Destination == dest) {
			match = append(match, t)
		}
	}
	after, before := q.form.Get("starting_after"), q.form.Get("ending_before")
	if after != "" && before != "" {
		return nil, stripeInvalid("ending_before", "You may only specify one of these parameters: starting_after, ending_before.")
	}
	cursor := after + before
	if cursor != "" {
		at := -1
		for i, t := range match {
			if t.ID == cursor {
				at = i
			}
		}
		if at < 0 {
			param := "starting_after"
			if before != "" {
				param = "ending_before"
			}
			return nil, stripeMissing("transfer", cursor, param)
		}
		if after != "" {
			match = match[at+1:]
		} else {
			match = match[:at]
			if len(match) > int(limit) {
				match = match[len(match)-int(limit):]
			}
		}
	}
	more := len(match) > int(limit)
	if more {
		match = match[:limit]
	}
	data := make([]any, 0, len(match))
	for _, t := range match {
		data = append(data, s.renderTransfer(t))
	}
	return map[string]any{"object": "list", "data": data, "has_more": more, "url": "/v1/transfers"}, nil
}

// Rendering, at 2023-10-16.

func (s *Stripe) renderAccount(a *stripeAccount) map[string]any {
	caps := map[string]any{}
	if a.Transfers != "" {
		caps["transfers"] = a.Transfers
	}
	if a.CardPayments != "" {
		caps["card_payments"] = a.CardPayments
	}
	due := []string{}
	var disabled any
	if !a.DetailsSubmitted {
		due = []string{"business_profile.url", "business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"}
		disabled = "requirements.past_due"
	} else if !a.PayoutsEnabled {
		due = []string{"individual.verification.document"}
		disabled = "requirements.past_due"
	}
	reqs := map[string]any{"alternatives": []any{}, "current_deadline": nil, "currently_due": due, "disabled_reason": disabled,
		"errors": []any{}, "eventually_due": due, "past_due": due, "pending_verification": []string{}}
	future := map[string]any{"alternatives": []any{}, "current_deadline": nil, "currently_due": []string{}, "disabled_reason": nil,
		"errors": []any{}, "eventually_due": []string{}, "past_due": []string{}, "pending_verification": []string{}}
	var tosDate any
	if a.DetailsSubmitted {
		tosDate = a.Created.Unix()
	}
	extData := []any{}
	if a.DetailsSubmitted {
		extData = append(extData, map[string]any{"id": "ba_" + strings.TrimPrefix(a.ID, "acct_"), "object": "bank_account",
			"account": a.ID, "bank_name": "STRIPE TEST BANK", "country": a.Country, "currency": a.Currency,
			"default_for_currency": true, "last4": "6789", "status": "new", "metadata": map[string]string{}})
	}
	return map[string]any{
		"id": a.ID, "object": "account",
		"business_profile": map[string]any{"mcc": nil, "name": nil, "product_description": nil, "support_address": nil,
			"support_email": nil, "support_phone": nil, "support_url": nil, "url": nil},
		"business_type": stripeNullable(a.BusinessType), "capabilities": caps, "charges_enabled": a.ChargesEnabled,
		"controller": map[string]any{"is_controller": true, "type": "application"},
		"country":    a.Country, "created": a.Created.Unix(), "default_currency": a.Currency,
		"details_submitted": a.DetailsSubmitted, "email": stripeNullable(a.Email),
		"external_accounts": map[string]any{"object": "list", "data": extData, "has_more": false, "total_count": len(extData),
			"url": "/v1/accounts/" + a.ID + "/external_accounts"},
		"future_requirements": future, "metadata": stripeCopy(a.Metadata), "payouts_enabled": a.PayoutsEnabled,
		"requirements": reqs,
		"settings": map[string]any{"payouts": map[string]any{"debit_negative_balances": true,
			"schedule": map[string]any{"delay_days": 2, "interval": "daily"}, "statement_descriptor": nil}},
		"tos_acceptance": map[string]any{"date": tosDate}, "type": "express",
	}
}

func (s *Stripe) renderReversals(t *stripeTransfer) map[string]any {
	data := make([]any, 0, len(t.Reversals))
	for i := len(t.Reversals) - 1; i >= 0; i-- {
		data = append(data, s.renderReversal(t.Reversals[i]))
	}
	return map[string]any{"object": "list", "data": data, "has_more": false, "total_count": len(data),
		"url": "/v1/transfers/" + t.ID + "/reversals"}
}

func (s *Stripe) renderTransfer(t *stripeTransfer) map[string]any {
	return map[string]any{
		"id": t.ID, "object": "transfer", "amount": t.Amount, "amount_reversed": t.AmountReversed,
		"balance_transaction": t.BalanceTx, "created": t.Created.Unix(), "currency": t.Currency,
		"description": stripeNullable(t.Description), "destination": t.Destination, "destination_payment": t.DestPayment,
		"livemode": false, "metadata": stripeCopy(t.Metadata), "reversals": s.renderReversals(t),
		"reversed": t.AmountReversed == t.Amount, "source_transaction": stripeNullable(t.SourceTx), "source_type": "card",
		"transfer_group": stripeNullable(t.TransferGroup),
	}
}

func (s *Stripe) renderReversal(r *stripeReversal) map[string]any {
	return map[string]any{
		"id": r.ID, "object": "transfer_reversal", "amount": r.Amount, "balance_transaction": r.BalanceTx,
		"created": r.Created.Unix(), "currency": r.Currency, "destination_payment_refund": r.DestRefund,
		"metadata": stripeCopy(r.Metadata), "source_refund": nil, "transfer": r.Transfer,
	}
}
