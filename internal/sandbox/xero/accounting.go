package xero

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ---- request shapes (what Trove and Xero's SDKs send) ----

type xeroInContact struct {
	ContactID, ContactNumber, Name, EmailAddress string
	IsSupplier, IsCustomer                       *bool
}

type xeroInLine struct {
	Description                      string
	Quantity, UnitAmount, LineAmount *float64
	AccountCode, TaxType, ItemCode   string
}

type xeroInDoc struct { // an invoice or a credit note
	InvoiceID, CreditNoteID, Type, Status, InvoiceNumber, CreditNoteNumber string
	Reference, LineAmountTypes, CurrencyCode, Date, DueDate                string
	Contact                                                                *xeroInContact
	LineItems                                                              []xeroInLine
}

type xeroInRef struct{ InvoiceID, InvoiceNumber, CreditNoteID, CreditNoteNumber, AccountID, Code string }

type xeroInPayment struct {
	Invoice, CreditNote, Account *xeroInRef
	Date, Reference              string
	Amount                       *float64
}

type xeroInAllocation struct {
	Invoice *xeroInRef
	Amount  *float64
	Date    string
}

// xeroItems reads a body that is either {"<key>": [ … ]} or one object.
func xeroItems[T any](body []byte, key string) ([]T, *xeroErr) {
	var wrap map[string]json.RawMessage
	if err := json.Unmarshal(body, &wrap); err != nil {
		return nil, xeroInvalid("The request body is not a JSON object: " + err.Error())
	}
	raw := []json.RawMessage{body}
	for k, v := range wrap {
		if strings.EqualFold(k, key) {
			raw = nil
			if err := json.Unmarshal(v, &raw); err != nil {
				return nil, xeroInvalid(key + " must be an array")
			}
		}
	}
	out := make([]T, 0, len(raw))
	for _, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, xeroInvalid("Invalid " + key + " element: " + err.Error())
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, xeroInvalid("No " + key + " were supplied")
	}
	return out, nil
}

// ---- GET filters: where, IDs, page ----

type xeroCond struct {
	field, value string
	neq          bool
}

// xeroWhere parses the subset of Xero's where syntax Trove uses: terms
// Field=="text", Field==Guid("…"), Field==true|false|number, joined by
// AND or &&, with == or !=. Field names are case-insensitive.
func xeroWhere(s string) ([]xeroCond, error) {
	var out []xeroCond
	s = strings.TrimSpace(s)
	for s != "" {
		i := strings.Index(s, "==")
		j := strings.Index(s, "!=")
		op, neq := i, false
		if op < 0 || (j >= 0 && j < op) {
			op, neq = j, true
		}
		if op < 0 {
			return nil, fmt.Errorf("no == or != in %q", s)
		}
		c := xeroCond{field: strings.ToLower(strings.TrimSpace(s[:op])), neq: neq}
		rest := strings.TrimSpace(s[op+2:])
		switch {
		case strings.HasPrefix(rest, `"`):
			k := 1
			var b strings.Builder
			for ; k < len(rest) && rest[k] != '"'; k++ {
				if rest[k] == '\\' && k+1 < len(rest) {
					k++
				}
				b.WriteByte(rest[k])
			}
			if k >= len(rest) {
				return nil, fmt.Errorf("unterminated string in %q", s)
			}
			c.value, rest = b.String(), rest[k+1:]
		case strings.HasPrefix(strings.ToLower(rest), `guid("`):
			end := strings.Index(rest, `")`)
			if end < 0 {
				return nil, fmt.Errorf("bad Guid in %q", s)
			}
			c.value, rest = strings.ToLower(rest[6:end]), rest[end+2:]
		default:
			end := strings.IndexAny(rest, " &")
			if end < 0 {
				end = len(rest)
			}
			c.value, rest = strings.ToLower(rest[:end]), rest[end:]
		}
		if c.field == "" {
			return nil, fmt.Errorf("no field before the operator in %q", s)
		}
		out = append(out, c)
		rest = strings.TrimSpace(rest)
		switch {
		case rest == "":
		case strings.HasPrefix(rest, "&&"):
			rest = rest[2:]
		case len(rest) > 4 && strings.EqualFold(rest[:4], "AND "):
			rest = rest[4:]
		default:
			return nil, fmt.Errorf("only AND or && may join terms, at %q", rest)
		}
		s = strings.TrimSpace(rest)
	}
	return out, nil
}

// xeroFilter applies where, IDs (idKey), other comma lists and page to rows.
func xeroFilter[T any](q *xeroReq, rows []T, fields func(T) map[string]string, lists map[string]string, wrapKey string) (map[string]any, *xeroErr) {
	qs := q.r.URL.Query()
	conds, err := xeroWhere(qs.Get("where"))
	if err != nil {
		return nil, &xeroErr{status: 400, body: map[string]any{"ErrorNumber": 16, "Type": "QueryParseException",
			"Message": "The where clause could not be parsed: " + err.Error()}}
	}
	var out []any
	var kept []T
rows:
	for _, r := range rows {
		f := fields(r)
		lower := map[string]string{}
		for k, v := range f {
			lower[strings.ToLower(k)] = v
		}
		for _, c := range conds {
			v, ok := lower[c.field]
			if !ok {
				return nil, &xeroErr{status: 400, body: map[string]any{"ErrorNumber": 16, "Type": "QueryParseException",
					"Message": fmt.Sprintf("No property or field '%s' exists in type (sandbox supports: %s)", c.field, strings.Join(sortStrings(xeroKeys(f)), ", "))}}
			}
			eq := v == c.value || strings.EqualFold(v, c.value) && (xeroIsLowerKind(c.field))
			if eq == c.neq {
				continue rows
			}
		}
		for param, field := range lists {
			if want := qs.Get(param); want != "" {
				hit := false
				for _, w := range strings.Split(want, ",") {
					if strings.EqualFold(strings.Trim(strings.TrimSpace(w), `"`), f[field]) {
						hit = true
					}
				}
				if !hit {
					continue rows
				}
			}
		}
		kept = append(kept, r)
	}
	res := map[string]any{}
	if p := qs.Get("page"); p != "" {
		page, _ := strconv.Atoi(p)
		size := 100
		if s, err := strconv.Atoi(qs.Get("pageSize")); err == nil && s > 0 && s <= 1000 {
			size = s
		}
		page = max(page, 1)
		total := len(kept)
		lo, hi := min((page-1)*size, total), min(page*size, total)
		kept = kept[lo:hi]
		res["pagination"] = map[string]any{"page": page, "pageSize": size, "pageCount": (total + size - 1) / size, "itemCount": total}
	}
	for _, r := range kept {
		out = append(out, r)
	}
	res[wrapKey] = out
	return res, nil
}

// ids, guids, booleans and enums compare case-insensitively; text exactly.
func xeroIsLowerKind(field string) bool {
	return strings.HasSuffix(field, "id") || strings.HasPrefix(field, "is") || field == "type" || field == "status" ||
		field == "contactstatus" || field == "paymenttype" || field == "class"
}

func xeroKeys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}

// ---- Organisation, Accounts, TaxRates ----

func (x *Xero) getOrganisation(q *xeroReq) (any, *xeroErr) {
	return map[string]any{"Organisations": []any{map[string]any{
		"OrganisationID": q.t.ID, "Name": q.t.Name, "LegalName": q.t.Name, "BaseCurrency": "NZD", "CountryCode": "NZ",
		"OrganisationType": "COMPANY", "OrganisationStatus": "ACTIVE", "IsDemoCompany": false, "Version": "NZ",
		"CreatedDateUTC": xeroMSDate(q.t.Created, false), "Timezone": "NEWZEALANDSTANDARDTIME",
	}}}, nil
}

func (x *Xero) getAccounts(q *xeroReq) (any, *xeroErr) {
	rows := q.t.Accounts
	if id := q.params["AccountID"]; id != "" {
		rows = nil
		for _, a := range q.t.Accounts {
			if strings.EqualFold(a.ID, id) {
				rows = append(rows, a)
			}
		}
		if rows == nil {
			return nil, xeroNotFound()
		}
	}
	res, xerr := xeroFilter(q, rows, func(a *xeroAccount) map[string]string {
		return map[string]string{"Code": a.Code, "Name": a.Name, "Type": a.Typ, "Class": a.Class, "Status": "ACTIVE",
			"AccountID": strings.ToLower(a.ID), "TaxType": a.TaxType, "EnablePaymentsToAccount": strconv.FormatBool(a.EnablePayments)}
	}, nil, "Accounts")
	if xerr != nil {
		return nil, xerr
	}
	var out []any
	for _, r := range res["Accounts"].([]any) {
		a := r.(*xeroAccount)
		m := map[string]any{"AccountID": a.ID, "Code": a.Code, "Name": a.Name, "Type": a.Typ, "Class": a.Class,
			"Status": "ACTIVE", "TaxType": a.TaxType, "EnablePaymentsToAccount": a.EnablePayments,
			"ShowInExpenseClaims": false, "HasAttachments": false, "AddToWatchlist": false,
			"UpdatedDateUTC": xeroMSDate(q.t.Created, true)}
		if a.Typ == "BANK" {
			m["BankAccountType"] = "BANK"
			m["CurrencyCode"] = "NZD"
			m["BankAccountNumber"] = "0102030405060" + a.Code[2:]
		}
		out = append(out, m)
	}
	res["Accounts"] = xeroNonNil(out)
	return res, nil
}

func (x *Xero) getTaxRates(q *xeroReq) (any, *xeroErr) {
	var out []any
	for _, t := range xeroTaxRates {
		out = append(out, map[string]any{"Name": t.name, "TaxType": t.typ, "Status": "ACTIVE", "ReportTaxType": "INPUT",
			"CanApplyToAssets": true, "CanApplyToEquity": true, "CanApplyToExpenses": true, "CanApplyToLiabilities": true,
			"CanApplyToRevenue": t.rate == 0, "DisplayTaxRate": t.rate, "EffectiveRate": t.rate,
			"TaxComponents": []any{map[string]any{"Name": t.name, "Rate": t.rate, "IsCompound": false, "IsNonRecoverable": false}}})
	}
	return map[string]any{"TaxRates": out}, nil
}

func (t *xeroTenant) account(code, id string) *xeroAccount {
	for _, a := range t.Accounts {
		if (code != "" && strings.EqualFold(a.Code, code)) || (id != "" && strings.EqualFold(a.ID, id)) {
			return a
		}
	}
	return nil
}

// ---- Contacts ----

func (t *xeroTenant) contact(id string) *Contact {
	for _, c := range t.Contacts {
		if strings.EqualFold(c.ContactID, id) {
			return c
		}
	}
	return nil
}

func (t *xeroTenant) contactBy(pred func(*Contact) bool) *Contact {
	for _, c := range t.Contacts {
		if pred(c) {
			return c
		}
	}
	return nil
}

func (x *Xero) getContacts(q *xeroReq) (any, *xeroErr) {
	rows := q.t.Contacts
	if id := q.params["ContactID"]; id != "" {
		c := q.t.contact(id)
		if c == nil {
			return nil, xeroNotFound()
		}
		rows = []*Contact{c}
	}
	if term := strings.ToLower(q.r.URL.Query().Get("searchTerm")); term != "" {
		var kept []*Contact
		for _, c := range rows {
			if strings.Contains(strings.ToLower(c.Name+" "+c.ContactNumber+" "+c.EmailAddress), term) {
				kept = append(kept, c)
			}
		}
		rows = kept
	}
	res, xerr := xeroFilter(q, rows, func(c *Contact) map[string]string {
		return map[string]string{"ContactID": strings.ToLower(c.ContactID), "ContactNumber": c.ContactNumber, "Name": c.Name,
			"EmailAddress": c.EmailAddress, "ContactStatus": c.Status, "IsSupplier": strconv.FormatBool(c.IsSupplier),
			"IsCustomer": strconv.FormatBool(c.IsCustomer)}
	}, map[string]string{"IDs": "ContactID"}, "Contacts")
	if xerr != nil {
		return nil, xerr
	}
	var out []any
	for _, r := range res["Contacts"].([]any) {
		out = append(out, xeroContactJSON(r.(*Contact)))
	}
	res["Contacts"] = xeroNonNil(out)
	return res, nil
}

func xeroContactJSON(c *Contact) map[string]any {
	m := map[string]any{"ContactID": c.ContactID, "ContactStatus": c.Status, "Name": c.Name,
		"IsSupplier": c.IsSupplier, "IsCustomer": c.IsCustomer, "UpdatedDateUTC": xeroMSDate(c.Updated, true),
		"Addresses": []any{}, "Phones": []any{}, "ContactGroups": []any{}, "ContactPersons": []any{},
		"HasAttachments": false, "HasValidationErrors": false}
	if c.ContactNumber != "" {
		m["ContactNumber"] = c.ContactNumber
	}
	if c.EmailAddress != "" {
		m["EmailAddress"] = c.EmailAddress
	}
	return m
}

// saveContacts is PUT (create only) or POST (create, or update by ContactID).
func (x *Xero) saveContacts(upsert bool) func(*xeroReq) (any, *xeroErr) {
	return func(q *xeroReq) (any, *xeroErr) {
		in, xerr := xeroItems[xeroInContact](q.body, "Contacts")
		if xerr != nil {
			return nil, xerr
		}
		if id := q.params["ContactID"]; id != "" {
			for i := range in {
				in[i].ContactID = id
			}
		}
		// Check every contact first: all are saved or none.
		var elements []map[string]any
		failed := false
		names := map[string]bool{}
		for _, c := range in {
			var errs []string
			var existing *Contact
			if c.ContactID != "" {
				existing = q.t.contact(c.ContactID)
				if existing == nil || !upsert {
					errs = append(errs, "The contact with ContactID "+c.ContactID+" could not be found")
				}
			}
			name := strings.TrimSpace(c.Name)
			if existing == nil && name == "" {
				errs = append(errs, "The contact name must be specified.")
			}
			if name != "" {
				key := strings.ToLower(name)
				dup := q.t.contactBy(func(o *Contact) bool { return strings.EqualFold(o.Name, name) && o != existing })
				if dup != nil || names[key] {
					errs = append(errs, fmt.Sprintf("The contact name %s is already assigned to another contact. The contact name must be unique across all active contacts.", name))
				}
				names[key] = true
			}
			if len(c.Name) > 255 {
				errs = append(errs, "The contact name must be 255 characters or fewer.")
			}
			el := map[string]any{"Name": c.Name, "ContactNumber": c.ContactNumber, "EmailAddress": c.EmailAddress}
			if len(errs) > 0 {
				failed = true
				el["ValidationErrors"] = xeroMsgs(errs)
				el["HasValidationErrors"] = true
			}
			elements = append(elements, el)
		}
		if failed {
			return nil, &xeroErr{status: 400, body: xeroValidation(elements)}
		}
		var out []any
		for _, c := range in {
			var ct *Contact
			if c.ContactID != "" {
				ct = q.t.contact(c.ContactID)
			} else {
				ct = &Contact{ContactID: xeroUUID(), Status: "ACTIVE"}
				q.t.Contacts = append(q.t.Contacts, ct)
			}
			if n := strings.TrimSpace(c.Name); n != "" {
				ct.Name = n
			}
			if c.ContactNumber != "" {
				ct.ContactNumber = c.ContactNumber
			}
			if c.EmailAddress != "" {
				ct.EmailAddress = c.EmailAddress
			}
			if c.IsSupplier != nil {
				ct.IsSupplier = *c.IsSupplier
			}
			if c.IsCustomer != nil {
				ct.IsCustomer = *c.IsCustomer
			}
			ct.Updated = q.now
			out = append(out, xeroContactJSON(ct))
		}
		return map[string]any{"Contacts": out}, nil
	}
}

func xeroMsgs(msgs []string) []map[string]any {
	var out []map[string]any
	for _, m := range msgs {
		out = append(out, map[string]any{"Message": m})
	}
	return out
}

func xeroNonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// ---- invoices and credit notes: shared lines and totals ----

type xeroDocCalc struct {
	lines                     []LineItem
	lat                       string
	subTotal, totalTax, total float64
}

// xeroLines checks and prices the lines (Xero's rules: a description on
// each line, an account code of the chart, a known tax type; LineAmount =
// Quantity × UnitAmount to the cent; tax by LineAmountTypes).
func (t *xeroTenant) xeroLines(in []xeroInLine, lat string, errs *[]string) xeroDocCalc {
	if lat == "" {
		lat = "Exclusive"
	}
	c := xeroDocCalc{lat: lat}
	switch lat {
	case "Exclusive", "Inclusive", "NoTax":
	default:
		*errs = append(*errs, "LineAmountTypes must be Exclusive, Inclusive or NoTax")
	}
	for n, l := range in {
		li := LineItem{LineItemID: xeroUUID(), Description: l.Description, AccountCode: l.AccountCode, TaxType: l.TaxType}
		if strings.TrimSpace(l.Description) == "" {
			*errs = append(*errs, fmt.Sprintf("Description is required for line item %d.", n+1))
		}
		if l.AccountCode != "" {
			a := t.account(l.AccountCode, "")
			if a == nil {
				*errs = append(*errs, fmt.Sprintf("Account code '%s' is not a valid code for this document.", l.AccountCode))
			} else if li.TaxType == "" {
				li.TaxType = a.TaxType
			}
		}
		if li.TaxType == "" || lat == "NoTax" {
			if li.TaxType == "" {
				li.TaxType = "NONE"
			}
		}
		rate, ok := xeroTaxRateOf(li.TaxType)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("The TaxType code '%s' does not exist or cannot be used for this type of transaction.", li.TaxType))
		}
		li.Quantity = 1
		if l.Quantity != nil {
			li.Quantity = *l.Quantity
		}
		switch {
		case l.UnitAmount != nil:
			li.UnitAmount = *l.UnitAmount
		case l.LineAmount != nil && li.Quantity != 0:
			li.UnitAmount = *l.LineAmount / li.Quantity
		}
		li.LineAmount = xeroRound2(li.Quantity * li.UnitAmount)
		if l.UnitAmount == nil && l.LineAmount != nil {
			li.LineAmount = xeroRound2(*l.LineAmount)
		}
		r := rate.rate / 100
		switch lat {
		case "Exclusive":
			li.TaxAmount = xeroRound2(li.LineAmount * r)
			c.subTotal += li.LineAmount
			c.totalTax += li.TaxAmount
		case "Inclusive":
			li.TaxAmount = xeroRound2(li.LineAmount * r / (1 + r))
			c.subTotal += li.LineAmount - li.TaxAmount
			c.totalTax += li.TaxAmount
		default:
			li.TaxAmount = 0
			c.subTotal += li.LineAmount
		}
		c.lines = append(c.lines, li)
	}
	c.subTotal, c.totalTax = xeroRound2(c.subTotal), xeroRound2(c.totalTax)
	c.total = xeroRound2(c.subTotal + c.totalTax)
	return c
}

// resolveContact finds the document's contact: by ContactID (must exist),
// by ContactNumber, or by Name (an unknown name makes a new contact, as
// Xero does). create is set when one would be made.
func (t *xeroTenant) resolveContact(c *xeroInContact, errs *[]string) (ct *Contact, create string) {
	switch {
	case c == nil:
		*errs = append(*errs, "A Contact must be specified for this type of transaction")
	case c.ContactID != "":
		if ct = t.contact(c.ContactID); ct == nil {
			*errs = append(*errs, "The contact with ContactID "+c.ContactID+" could not be found")
		}
	case c.ContactNumber != "":
		ct = t.contactBy(func(o *Contact) bool { return o.ContactNumber == c.ContactNumber })
		if ct == nil && strings.TrimSpace(c.Name) == "" {
			*errs = append(*errs, "The contact with ContactNumber "+c.ContactNumber+" could not be found")
		}
	}
	if ct == nil && c != nil && c.ContactID == "" {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			if c.ContactNumber == "" {
				*errs = append(*errs, "A Contact must be specified for this type of transaction")
			}
			return nil, ""
		}
		if ct = t.contactBy(func(o *Contact) bool { return strings.EqualFold(o.Name, name) }); ct == nil {
			return nil, name
		}
	}
	return ct, ""
}

func (t *xeroTenant) newContact(name string, now time.Time) *Contact {
	ct := &Contact{ContactID: xeroUUID(), Name: name, Status: "ACTIVE", Updated: now}
	t.Contacts = append(t.Contacts, ct)
	return ct
}

// ---- Invoices ----

func (t *xeroTenant) invoice(idOrNumber string) *Invoice {
	for _, in := range t.Invoices {
		if strings.EqualFold(in.InvoiceID, idOrNumber) || (in.InvoiceNumber != "" && in.InvoiceNumber == idOrNumber) {
			return in
		}
	}
	return nil
}

func (x *Xero) getInvoices(q *xeroReq) (any, *xeroErr) {
	rows := q.t.Invoices
	if id := q.params["InvoiceID"]; id != "" {
		in := q.t.invoice(id)
		if in == nil {
			return nil, xeroNotFound()
		}
		rows = []*Invoice{in}
	}
	res, xerr := xeroFilter(q, rows, func(in *Invoice) map[string]string {
		c := q.t.contact(in.ContactID)
		return map[string]string{"InvoiceID": strings.ToLower(in.InvoiceID), "InvoiceNumber": in.InvoiceNumber, "Type": in.Type,
			"Status": in.Status, "Reference": in.Reference, "Contact.ContactID": strings.ToLower(in.ContactID),
			"Contact.Name": c.Name, "Contact.ContactNumber": c.ContactNumber, "CurrencyCode": in.CurrencyCode}
	}, map[string]string{"IDs": "InvoiceID", "InvoiceNumbers": "InvoiceNumber", "ContactIDs": "Contact.ContactID", "Statuses": "Status"}, "Invoices")
	if xerr != nil {
		return nil, xerr
	}
	var out []any
	for _, r := range res["Invoices"].([]any) {
		out = append(out, x.invoiceJSON(q.t, r.(*Invoice)))
	}
	res["Invoices"] = xeroNonNil(out)
	return res, nil
}

func xeroDates(m map[string]any, key string, t time.Time) {
	if t.IsZero() {
		return
	}
	m[key] = xeroMSDate(t, true)
	m[key+"String"] = t.Format("2006-01-02T15:04:05")
}

func xeroLinesJSON(lines []LineItem) []any {
	out := []any{}
	for _, l := range lines {
		m := map[string]any{"LineItemID": l.LineItemID, "Description": l.Description, "Quantity": l.Quantity,
			"UnitAmount": l.UnitAmount, "TaxType": l.TaxType, "TaxAmount": l.TaxAmount, "LineAmount": l.LineAmount,
			"Tracking": []any{}}
		if l.AccountCode != "" {
			m["AccountCode"] = l.AccountCode
		}
		out = append(out, m)
	}
	return out
}

func xeroContactRef(c *Contact) map[string]any {
	m := map[string]any{"ContactID": c.ContactID, "Name": c.Name, "ContactStatus": c.Status,
		"Addresses": []any{}, "Phones": []any{}, "ContactGroups": []any{}, "HasValidationErrors": false}
	if c.ContactNumber != "" {
		m["ContactNumber"] = c.ContactNumber
	}
	return m
}

func (x *Xero) invoiceJSON(t *xeroTenant, in *Invoice) map[string]any {
	m := map[string]any{"Type": in.Type, "InvoiceID": in.InvoiceID, "InvoiceNumber": in.InvoiceNumber,
		"Reference": in.Reference, "Status": in.Status, "LineAmountTypes": in.LineAmountTypes,
		"Contact": xeroContactRef(t.contact(in.ContactID)), "LineItems": xeroLinesJSON(in.LineItems),
		"SubTotal": in.SubTotal, "TotalTax": in.TotalTax, "Total": in.Total, "AmountDue": in.AmountDue,
		"AmountPaid": in.AmountPaid, "AmountCredited": in.AmountCredited, "CurrencyCode": in.CurrencyCode,
		"CurrencyRate": 1.0, "IsDiscounted": false, "HasAttachments": false, "HasErrors": false, "SentToContact": false,
		"UpdatedDateUTC": xeroMSDate(in.Updated, true), "Prepayments": []any{}, "Overpayments": []any{}}
	xeroDates(m, "Date", in.Date)
	xeroDates(m, "DueDate", in.DueDate)
	if !in.FullyPaidOnDate.IsZero() {
		m["FullyPaidOnDate"] = xeroMSDate(in.FullyPaidOnDate, true)
	}
	pays := []any{}
	for _, id := range in.PaymentIDs {
		for _, p := range t.Payments {
			if p.PaymentID == id {
				pays = append(pays, map[string]any{"PaymentID": p.PaymentID, "Date": xeroMSDate(p.Date, true),
					"Amount": p.Amount, "Reference": p.Reference, "CurrencyRate": 1.0, "HasAccount": false, "HasValidationErrors": false})
			}
		}
	}
	m["Payments"] = pays
	credits := []any{}
	for _, a := range in.Allocations {
		for _, cn := range t.Credits {
			if cn.CreditNoteID == a.CreditNoteID {
				credits = append(credits, map[string]any{"CreditNoteID": cn.CreditNoteID, "CreditNoteNumber": cn.CreditNoteNumber,
					"AppliedAmount": a.Amount, "Total": cn.Total, "DateString": a.Date.Format("2006-01-02T15:04:05"),
					"Date": xeroMSDate(a.Date, true), "HasErrors": false})
			}
		}
	}
	m["CreditNotes"] = credits
	return m
}

var xeroInvoiceTransitions = map[string][]string{ // status -> the statuses it may move to
	"DRAFT":      {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
	"SUBMITTED":  {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
	"AUTHORISED": {"AUTHORISED", "VOIDED"},
}

// saveInvoices is PUT (create) or POST (create, or update by InvoiceID).
func (x *Xero) saveInvoices(upsert bool) func(*xeroReq) (any, *xeroErr) {
	return func(q *xeroReq) (any, *xeroErr) {
		in, xerr := xeroItems[xeroInDoc](q.body, "Invoices")
		if xerr != nil {
			return nil, xerr
		}
		if id := q.params["InvoiceID"]; id != "" {
			for i := range in {
				in[i].InvoiceID = id
			}
		}
		type plan struct {
			doc        xeroInDoc
			existing   *Invoice
			contact    *Contact
			newContact string
			calc       *xeroDocCalc
			date, due  time.Time
		}
		var plans []plan
		var elements []map[string]any
		failed := false
		for _, d := range in {
			var errs []string
			p := plan{doc: d}
			if d.InvoiceID != "" {
				p.existing = q.t.invoice(d.InvoiceID)
				if p.existing == nil || !upsert {
					errs = append(errs, "Invoice not found: "+d.InvoiceID)
				}
			}
			x.checkDoc(q, &errs, d, p.existing == nil, docOld(p.existing), "ACCPAY", "ACCREC", &p.contact, &p.newContact, &p.calc, &p.date, &p.due)
			el := map[string]any{"Type": d.Type, "Reference": d.Reference, "Status": d.Status, "InvoiceNumber": d.InvoiceNumber}
			if len(errs) > 0 {
				failed = true
				el["ValidationErrors"] = xeroMsgs(errs)
				el["HasErrors"] = true
			}
			elements = append(elements, el)
			plans = append(plans, p)
		}
		if failed {
			return nil, &xeroErr{status: 400, body: xeroValidation(elements)}
		}
		var out []any
		for _, p := range plans {
			d := p.doc
			inv := p.existing
			if inv == nil {
				inv = &Invoice{InvoiceID: xeroUUID(), Type: d.Type, Status: "DRAFT", CurrencyCode: "NZD"}
				if d.CurrencyCode != "" {
					inv.CurrencyCode = d.CurrencyCode
				}
				if d.InvoiceNumber == "" && d.Type == "ACCREC" {
					q.t.InvSeq++
					inv.InvoiceNumber = fmt.Sprintf("INV-%04d", q.t.InvSeq)
				}
				q.t.Invoices = append(q.t.Invoices, inv)
			}
			if p.newContact != "" {
				p.contact = q.t.newContact(p.newContact, q.now)
			}
			if p.contact != nil {
				inv.ContactID = p.contact.ContactID
				if inv.Type == "ACCPAY" {
					p.contact.IsSupplier = true
				} else {
					p.contact.IsCustomer = true
				}
			}
			if d.InvoiceNumber != "" {
				inv.InvoiceNumber = d.InvoiceNumber
			}
			if d.Reference != "" || p.existing == nil {
				inv.Reference = d.Reference
			}
			if d.Status != "" {
				inv.Status = d.Status
			}
			inv.Date, inv.DueDate = p.date, p.due
			if p.calc != nil {
				inv.LineItems, inv.LineAmountTypes = p.calc.lines, p.calc.lat
				inv.SubTotal, inv.TotalTax, inv.Total = p.calc.subTotal, p.calc.totalTax, p.calc.total
			}
			inv.AmountDue = xeroRound2(inv.Total - inv.AmountPaid - inv.AmountCredited)
			if inv.Status == "VOIDED" || inv.Status == "DELETED" {
				inv.AmountDue = 0
			}
			inv.Updated = q.now
			out = append(out, x.invoiceJSON(q.t, inv))
		}
		return map[string]any{"Invoices": out}, nil
	}
}

// docOld is what checkDoc needs of a stored document.
type xeroDocOld struct {
	typ, status, lat string
	date, due        time.Time
	paid             bool
	hasLines         bool
	contactID        string
}

func docOld(in *Invoice) *xeroDocOld {
	if in == nil {
		return nil
	}
	return &xeroDocOld{typ: in.Type, status: in.Status, lat: in.LineAmountTypes, date: in.Date, due: in.DueDate,
		paid: in.AmountPaid > 0 || in.AmountCredited > 0, hasLines: len(in.LineItems) > 0, contactID: in.ContactID}
}

func creditOld(cn *CreditNote) *xeroDocOld {
	if cn == nil {
		return nil
	}
	return &xeroDocOld{typ: cn.Type, status: cn.Status, lat: cn.LineAmountTypes, date: cn.Date, due: cn.DueDate,
		paid: cn.AppliedAmount > 0, hasLines: len(cn.LineItems) > 0, contactID: cn.ContactID}
}

// checkDoc applies the rules shared by invoices and credit notes.
func (x *Xero) checkDoc(q *xeroReq, errs *[]string, d xeroInDoc, isNew bool, old *xeroDocOld, payType, recType string,
	contact **Contact, newContact *string, calc **xeroDocCalc, date, due *time.Time) {
	typ := d.Type
	if old != nil {
		if typ != "" && typ != old.typ {
			*errs = append(*errs, "The Type of a document cannot be changed")
		}
		typ = old.typ
	}
	if isNew && typ != payType && typ != recType {
		*errs = append(*errs, fmt.Sprintf("Type must be %s or %s", payType, recType))
	}
	status := d.Status
	if isNew {
		if status == "" {
			status = "DRAFT"
		}
		if status != "DRAFT" && status != "SUBMITTED" && status != "AUTHORISED" {
			*errs = append(*errs, "A new document can only be DRAFT, SUBMITTED or AUTHORISED, not "+status)
		}
	} else if old != nil {
		if status == "" {
			status = old.status
		}
		if !xeroContains(xeroInvoiceTransitions[old.status], status) {
			*errs = append(*errs, fmt.Sprintf("This document cannot be edited as it is %s (to %s)", old.status, status))
		}
		if status == "VOIDED" && old.paid {
			*errs = append(*errs, "A document with payments or allocations cannot be voided")
		}
		if old.status == "AUTHORISED" && len(d.LineItems) > 0 && old.paid {
			*errs = append(*errs, "Line items of a document with payments or allocations cannot be changed")
		}
	}
	if isNew || d.Contact != nil {
		*contact, *newContact = q.t.resolveContact(d.Contact, errs)
	}
	*date, *due = xeroDay(q.now), time.Time{}
	if old != nil {
		*date, *due = old.date, old.due
	}
	if d.Date != "" {
		t, ok := xeroParseDate(d.Date)
		if !ok {
			*errs = append(*errs, "Date is not a valid date: "+d.Date)
		}
		*date = xeroDay(t)
	}
	if d.DueDate != "" {
		t, ok := xeroParseDate(d.DueDate)
		if !ok {
			*errs = append(*errs, "DueDate is not a valid date: "+d.DueDate)
		}
		*due = xeroDay(t)
	}
	if status == "AUTHORISED" && due.IsZero() && payType == "ACCPAY" {
		*errs = append(*errs, "Due Date is required.")
	}
	if isNew || len(d.LineItems) > 0 || d.LineAmountTypes != "" {
		lat := d.LineAmountTypes
		if lat == "" && old != nil {
			lat = old.lat
		}
		c := q.t.xeroLines(d.LineItems, lat, errs)
		if old != nil && len(d.LineItems) == 0 {
			c = xeroDocCalc{} // only LineAmountTypes changed: keep the stored lines
			*calc = nil
		} else {
			*calc = &c
		}
	}
	if (status == "AUTHORISED" || status == "SUBMITTED") && ((*calc != nil && len((*calc).lines) == 0) || (*calc == nil && old != nil && !old.hasLines)) {
		*errs = append(*errs, "A document must have at least one line item to be "+status)
	}
}

// ---- Payments ----

func (x *Xero) getPayments(q *xeroReq) (any, *xeroErr) {
	rows := q.t.Payments
	if id := q.params["PaymentID"]; id != "" {
		rows = nil
		for _, p := range q.t.Payments {
			if strings.EqualFold(p.PaymentID, id) {
				rows = append(rows, p)
			}
		}
		if rows == nil {
			return nil, xeroNotFound()
		}
	}
	res, xerr := xeroFilter(q, rows, func(p *Payment) map[string]string {
		return map[string]string{"PaymentID": strings.ToLower(p.PaymentID), "Status": p.Status, "PaymentType": p.PaymentType,
			"Reference": p.Reference, "Invoice.InvoiceID": strings.ToLower(p.InvoiceID), "CreditNote.CreditNoteID": strings.ToLower(p.CreditNoteID),
			"Account.Code": p.AccountCode}
	}, nil, "Payments")
	if xerr != nil {
		return nil, xerr
	}
	var out []any
	for _, r := range res["Payments"].([]any) {
		out = append(out, x.paymentJSON(q.t, r.(*Payment)))
	}
	res["Payments"] = xeroNonNil(out)
	return res, nil
}

func (x *Xero) paymentJSON(t *xeroTenant, p *Payment) map[string]any {
	m := map[string]any{"PaymentID": p.PaymentID, "Date": xeroMSDate(p.Date, true), "Amount": p.Amount, "BankAmount": p.Amount,
		"Reference": p.Reference, "CurrencyRate": 1.0, "PaymentType": p.PaymentType, "Status": p.Status, "IsReconciled": false,
		"HasAccount": true, "HasValidationErrors": false, "UpdatedDateUTC": xeroMSDate(p.Updated, true),
		"Account": map[string]any{"AccountID": p.AccountID, "Code": p.AccountCode}}
	if p.InvoiceID != "" {
		if in := t.invoice(p.InvoiceID); in != nil {
			m["Invoice"] = map[string]any{"InvoiceID": in.InvoiceID, "InvoiceNumber": in.InvoiceNumber, "Type": in.Type,
				"Contact": xeroContactRef(t.contact(in.ContactID)), "IsDiscounted": false, "HasErrors": false,
				"LineItems": []any{}, "Payments": []any{}, "CreditNotes": []any{}, "Prepayments": []any{}, "Overpayments": []any{}}
		}
	}
	if p.CreditNoteID != "" {
		if cn := t.credit(p.CreditNoteID); cn != nil {
			m["CreditNote"] = map[string]any{"CreditNoteID": cn.CreditNoteID, "CreditNoteNumber": cn.CreditNoteNumber,
				"Type": cn.Type, "Contact": xeroContactRef(t.contact(cn.ContactID)), "LineItems": []any{}}
		}
	}
	return m
}

func (x *Xero) createPayments(q *xeroReq) (any, *xeroErr) {
	in, xerr := xeroItems[xeroInPayment](q.body, "Payments")
	if xerr != nil {
		return nil, xerr
	}
	type plan struct {
		inv    *Invoice
		cn     *CreditNote
		acct   *xeroAccount
		amount float64
		date   time.Time
		ref    string
	}
	var plans []plan
	var elements []map[string]any
	failed := false
	due := map[any]float64{} // what is left to pay on each document, across this batch
	for _, p := range in {
		var errs []string
		pl := plan{date: xeroDay(q.now), ref: p.Reference}
		var outstanding float64
		var key any
		switch {
		case p.Invoice != nil && (p.Invoice.InvoiceID != "" || p.Invoice.InvoiceNumber != ""):
			id := p.Invoice.InvoiceID
			if id == "" {
				id = p.Invoice.InvoiceNumber
			}
			if pl.inv = q.t.invoice(id); pl.inv == nil {
				errs = append(errs, "Invoice could not be found")
			} else if pl.inv.Status != "AUTHORISED" {
				errs = append(errs, "Payment cannot be created: the invoice is "+pl.inv.Status+"; it must be AUTHORISED")
			} else {
				key, outstanding = pl.inv, pl.inv.AmountDue
			}
		case p.CreditNote != nil && (p.CreditNote.CreditNoteID != "" || p.CreditNote.CreditNoteNumber != ""):
			id := p.CreditNote.CreditNoteID
			if id == "" {
				id = p.CreditNote.CreditNoteNumber
			}
			if pl.cn = q.t.credit(id); pl.cn == nil {
				errs = append(errs, "Credit note could not be found")
			} else if pl.cn.Status != "AUTHORISED" {
				errs = append(errs, "Payment cannot be created: the credit note is "+pl.cn.Status+"; it must be AUTHORISED")
			} else {
				key, outstanding = pl.cn, pl.cn.RemainingCredit
			}
		default:
			errs = append(errs, "You must specify an Invoice or a CreditNote for the payment")
		}
		if key != nil {
			if v, ok := due[key]; ok {
				outstanding = v
			}
		}
		if p.Account == nil || (p.Account.Code == "" && p.Account.AccountID == "") {
			errs = append(errs, "You must specify an Account (Code or AccountID) for the payment")
		} else if pl.acct = q.t.account(p.Account.Code, p.Account.AccountID); pl.acct == nil {
			errs = append(errs, "Account could not be found")
		} else if pl.acct.Typ != "BANK" && !pl.acct.EnablePayments {
			errs = append(errs, "Account type is invalid for making a payment to/from")
		}
		if p.Amount == nil || xeroRound2(*p.Amount) <= 0 {
			errs = append(errs, "Payment amount must be greater than zero")
		} else {
			pl.amount = xeroRound2(*p.Amount)
			if key != nil && pl.amount > outstanding+0.000001 {
				errs = append(errs, fmt.Sprintf("Payment amount %.2f exceeds the amount outstanding %.2f", pl.amount, outstanding))
			}
			if key != nil {
				due[key] = xeroRound2(outstanding - pl.amount)
			}
		}
		if p.Date != "" {
			d, ok := xeroParseDate(p.Date)
			if !ok {
				errs = append(errs, "Date is not a valid date: "+p.Date)
			}
			pl.date = xeroDay(d)
		}
		el := map[string]any{"Reference": p.Reference}
		if p.Amount != nil {
			el["Amount"] = *p.Amount
		}
		if len(errs) > 0 {
			failed = true
			el["ValidationErrors"] = xeroMsgs(errs)
			el["HasValidationErrors"] = true
		}
		elements = append(elements, el)
		plans = append(plans, pl)
	}
	if failed {
		return nil, &xeroErr{status: 400, body: xeroValidation(elements)}
	}
	var out []any
	for _, pl := range plans {
		pay := &Payment{PaymentID: xeroUUID(), AccountID: pl.acct.ID, AccountCode: pl.acct.Code, Status: "AUTHORISED",
			Reference: pl.ref, Amount: pl.amount, Date: pl.date, Updated: q.now}
		if pl.inv != nil {
			pay.InvoiceID = pl.inv.InvoiceID
			pay.PaymentType = map[string]string{"ACCPAY": "ACCPAYPAYMENT", "ACCREC": "ACCRECPAYMENT"}[pl.inv.Type]
			pl.inv.PaymentIDs = append(pl.inv.PaymentIDs, pay.PaymentID)
			pl.inv.AmountPaid = xeroRound2(pl.inv.AmountPaid + pl.amount)
			pl.inv.AmountDue = xeroRound2(pl.inv.AmountDue - pl.amount)
			if pl.inv.AmountDue <= 0 {
				pl.inv.AmountDue, pl.inv.Status, pl.inv.FullyPaidOnDate = 0, "PAID", pl.date
			}
			pl.inv.Updated = q.now
		} else {
			pay.CreditNoteID = pl.cn.CreditNoteID
			pay.PaymentType = map[string]string{"ACCPAYCREDIT": "APCREDITPAYMENT", "ACCRECCREDIT": "ARCREDITPAYMENT"}[pl.cn.Type]
			pl.cn.PaymentIDs = append(pl.cn.PaymentIDs, pay.PaymentID)
			pl.cn.RemainingCredit = xeroRound2(pl.cn.RemainingCredit - pl.amount)
			if pl.cn.RemainingCredit <= 0 {
				pl.cn.RemainingCredit, pl.cn.Status, pl.cn.FullyPaidOnDate = 0, "PAID", pl.date
			}
			pl.cn.Updated = q.now
		}
		q.t.Payments = append(q.t.Payments, pay)
		out = append(out, x.paymentJSON(q.t, pay))
	}
	return map[string]any{"Payments": out}, nil
}

// ---- Credit notes ----

func (t *xeroTenant) credit(idOrNumber string) *CreditNote {
	for _, cn := range t.Credits {
		if strings.EqualFold(cn.CreditNoteID, idOrNumber) || (cn.CreditNoteNumber != "" && cn.CreditNoteNumber == idOrNumber) {
			return cn
		}
	}
	return nil
}

func (x *Xero) getCreditNotes(q *xeroReq) (any, *xeroErr) {
	rows := q.t.Credits
	if id := q.params["CreditNoteID"]; id != "" {
		cn := q.t.credit(id)
		if cn == nil {
			return nil, xeroNotFound()
		}
		rows = []*CreditNote{cn}
	}
	res, xerr := xeroFilter(q, rows, func(cn *CreditNote) map[string]string {
		return map[string]string{"CreditNoteID": strings.ToLower(cn.CreditNoteID), "CreditNoteNumber": cn.CreditNoteNumber,
			"Type": cn.Type, "Status": cn.Status, "Reference": cn.Reference, "Contact.ContactID": strings.ToLower(cn.ContactID)}
	}, nil, "CreditNotes")
	if xerr != nil {
		return nil, xerr
	}
	var out []any
	for _, r := range res["CreditNotes"].([]any) {
		out = append(out, x.creditJSON(q.t, r.(*CreditNote)))
	}
	res["CreditNotes"] = xeroNonNil(out)
	return res, nil
}

func (x *Xero) creditJSON(t *xeroTenant, cn *CreditNote) map[string]any {
	m := map[string]any{"Type": cn.Type, "CreditNoteID": cn.CreditNoteID, "CreditNoteNumber": cn.CreditNoteNumber,
		"Reference": cn.Reference, "Status": cn.Status, "LineAmountTypes": cn.LineAmountTypes,
		"Contact": xeroContactRef(t.contact(cn.ContactID)), "LineItems": xeroLinesJSON(cn.LineItems),
		"SubTotal": cn.SubTotal, "TotalTax": cn.TotalTax, "Total": cn.Total, "RemainingCredit": cn.RemainingCredit,
		"AppliedAmount": cn.AppliedAmount, "CurrencyCode": cn.CurrencyCode, "CurrencyRate": 1.0, "HasAttachments": false,
		"HasErrors": false, "SentToContact": false, "UpdatedDateUTC": xeroMSDate(cn.Updated, true), "Payments": []any{}}
	xeroDates(m, "Date", cn.Date)
	xeroDates(m, "DueDate", cn.DueDate)
	if !cn.FullyPaidOnDate.IsZero() {
		m["FullyPaidOnDate"] = xeroMSDate(cn.FullyPaidOnDate, true)
	}
	allocs := []any{}
	for _, a := range cn.Allocations {
		el := map[string]any{"AllocationID": a.AllocationID, "Amount": a.Amount, "Date": xeroMSDate(a.Date, true), "IsDeleted": false}
		if in := t.invoice(a.InvoiceID); in != nil {
			el["Invoice"] = map[string]any{"InvoiceID": in.InvoiceID, "InvoiceNumber": in.InvoiceNumber, "Type": in.Type,
				"LineItems": []any{}, "Payments": []any{}, "CreditNotes": []any{}, "Prepayments": []any{}, "Overpayments": []any{}}
		}
		allocs = append(allocs, el)
	}
	m["Allocations"] = allocs
	return m
}

func (x *Xero) saveCreditNotes(upsert bool) func(*xeroReq) (any, *xeroErr) {
	return func(q *xeroReq) (any, *xeroErr) {
		in, xerr := xeroItems[xeroInDoc](q.body, "CreditNotes")
		if xerr != nil {
			return nil, xerr
		}
		if id := q.params["CreditNoteID"]; id != "" {
			for i := range in {
				in[i].CreditNoteID = id
			}
		}
		type plan struct {
			doc        xeroInDoc
			existing   *CreditNote
			contact    *Contact
			newContact string
			calc       *xeroDocCalc
			date, due  time.Time
		}
		var plans []plan
		var elements []map[string]any
		failed := false
		for _, d := range in {
			var errs []string
			p := plan{doc: d}
			if d.CreditNoteID != "" {
				p.existing = q.t.credit(d.CreditNoteID)
				if p.existing == nil || !upsert {
					errs = append(errs, "Credit note not found: "+d.CreditNoteID)
				}
			}
			x.checkDoc(q, &errs, d, p.existing == nil, creditOld(p.existing), "ACCPAYCREDIT", "ACCRECCREDIT",
				&p.contact, &p.newContact, &p.calc, &p.date, &p.due)
			el := map[string]any{"Type": d.Type, "Reference": d.Reference, "Status": d.Status}
			if len(errs) > 0 {
				failed = true
				el["ValidationErrors"] = xeroMsgs(errs)
				el["HasErrors"] = true
			}
			elements = append(elements, el)
			plans = append(plans, p)
		}
		if failed {
			return nil, &xeroErr{status: 400, body: xeroValidation(elements)}
		}
		var out []any
		for _, p := range plans {
			d := p.doc
			cn := p.existing
			if cn == nil {
				cn = &CreditNote{CreditNoteID: xeroUUID(), Type: d.Type, Status: "DRAFT", CurrencyCode: "NZD"}
				if d.CurrencyCode != "" {
					cn.CurrencyCode = d.CurrencyCode
				}
				if d.CreditNoteNumber == "" && d.Type == "ACCRECCREDIT" {
					q.t.CnSeq++
					cn.CreditNoteNumber = fmt.Sprintf("CN-%04d", q.t.CnSeq)
				}
				q.t.Credits = append(q.t.Credits, cn)
			}
			if p.newContact != "" {
				p.contact = q.t.newContact(p.newContact, q.now)
			}
			if p.contact != nil {
				cn.ContactID = p.contact.ContactID
			}
			if d.CreditNoteNumber != "" {
				cn.CreditNoteNumber = d.CreditNoteNumber
			}
			if d.Reference != "" || p.existing == nil {
				cn.Reference = d.Reference
			}
			if d.Status != "" {
				cn.Status = d.Status
			}
			cn.Date, cn.DueDate = p.date, p.due
			if p.calc != nil {
				cn.LineItems, cn.LineAmountTypes = p.calc.lines, p.calc.lat
				cn.SubTotal, cn.TotalTax, cn.Total = p.calc.subTotal, p.calc.totalTax, p.calc.total
			}
			cn.RemainingCredit = 0
			if cn.Status == "AUTHORISED" {
				paid := 0.0
				for _, pid := range cn.PaymentIDs {
					for _, pay := range q.t.Payments {
						if pay.PaymentID == pid {
							paid += pay.Amount
						}
					}
				}
				cn.RemainingCredit = xeroRound2(cn.Total - cn.AppliedAmount - paid)
			}
			cn.Updated = q.now
			out = append(out, x.creditJSON(q.t, cn))
		}
		return map[string]any{"CreditNotes": out}, nil
	}
}

// allocateCreditNote sets part of an AUTHORISED credit note against an
// AUTHORISED invoice of the same contact and side (ACCPAYCREDIT against
// ACCPAY, ACCRECCREDIT against ACCREC).
func (x *Xero) allocateCreditNote(q *xeroReq) (any, *xeroErr) {
	cn := q.t.credit(q.params["CreditNoteID"])
	if cn == nil {
		return nil, xeroNotFound()
	}
	in, xerr := xeroItems[xeroInAllocation](q.body, "Allocations")
	if xerr != nil {
		return nil, xerr
	}
	type plan struct {
		inv    *Invoice
		amount float64
		date   time.Time
	}
	var plans []plan
	var elements []map[string]any
	failed := false
	remaining := cn.RemainingCredit
	due := map[*Invoice]float64{}
	for _, a := range in {
		var errs []string
		pl := plan{date: xeroDay(q.now)}
		if cn.Status != "AUTHORISED" {
			errs = append(errs, "Only an AUTHORISED credit note can be allocated; this one is "+cn.Status)
		}
		if a.Invoice == nil || (a.Invoice.InvoiceID == "" && a.Invoice.InvoiceNumber == "") {
			errs = append(errs, "You must specify an Invoice for the allocation")
		} else {
			id := a.Invoice.InvoiceID
			if id == "" {
				id = a.Invoice.InvoiceNumber
			}
			pl.inv = q.t.invoice(id)
			switch {
			case pl.inv == nil:
				errs = append(errs, "Invoice could not be found")
			case pl.inv.Status != "AUTHORISED":
				errs = append(errs, "The invoice is "+pl.inv.Status+"; only an AUTHORISED invoice can take an allocation")
			case (cn.Type == "ACCPAYCREDIT") != (pl.inv.Type == "ACCPAY"):
				errs = append(errs, "A "+cn.Type+" credit note cannot be allocated to an "+pl.inv.Type+" invoice")
			case pl.inv.ContactID != cn.ContactID:
				errs = append(errs, "The credit note and the invoice must be for the same contact")
			}
		}
		if a.Amount == nil || xeroRound2(*a.Amount) <= 0 {
			errs = append(errs, "Allocation amount must be greater than zero")
		} else {
			pl.amount = xeroRound2(*a.Amount)
			if pl.amount > remaining+0.000001 {
				errs = append(errs, fmt.Sprintf("Allocation amount %.2f exceeds the remaining credit %.2f", pl.amount, remaining))
			}
			remaining = xeroRound2(remaining - pl.amount)
			if pl.inv != nil {
				d, ok := due[pl.inv]
				if !ok {
					d = pl.inv.AmountDue
				}
				if pl.amount > d+0.000001 {
					errs = append(errs, fmt.Sprintf("Allocation amount %.2f exceeds the amount due %.2f on the invoice", pl.amount, d))
				}
				due[pl.inv] = xeroRound2(d - pl.amount)
			}
		}
		if a.Date != "" {
			d, ok := xeroParseDate(a.Date)
			if !ok {
				errs = append(errs, "Date is not a valid date: "+a.Date)
			}
			pl.date = xeroDay(d)
		}
		el := map[string]any{}
		if a.Amount != nil {
			el["Amount"] = *a.Amount
		}
		if len(errs) > 0 {
			failed = true
			el["ValidationErrors"] = xeroMsgs(errs)
		}
		elements = append(elements, el)
		plans = append(plans, pl)
	}
	if failed {
		return nil, &xeroErr{status: 400, body: xeroValidation(elements)}
	}
	var out []any
	for _, pl := range plans {
		al := Allocation{AllocationID: xeroUUID(), CreditNoteID: cn.CreditNoteID, InvoiceID: pl.inv.InvoiceID, Amount: pl.amount, Date: pl.date}
		cn.Allocations = append(cn.Allocations, al)
		cn.AppliedAmount = xeroRound2(cn.AppliedAmount + pl.amount)
		cn.RemainingCredit = xeroRound2(cn.RemainingCredit - pl.amount)
		if cn.RemainingCredit <= 0 {
			cn.RemainingCredit, cn.Status, cn.FullyPaidOnDate = 0, "PAID", pl.date
		}
		cn.Updated = q.now
		inv := pl.inv
		inv.Allocations = append(inv.Allocations, al)
		inv.AmountCredited = xeroRound2(inv.AmountCredited + pl.amount)
		inv.AmountDue = xeroRound2(inv.AmountDue - pl.amount)
		if inv.AmountDue <= 0 {
			inv.AmountDue, inv.Status, inv.FullyPaidOnDate = 0, "PAID", pl.date
		}
		inv.Updated = q.now
		out = append(out, map[string]any{"AllocationID": al.AllocationID, "Amount": al.Amount, "Date": xeroMSDate(al.Date, true),
			"IsDeleted": false, "Invoice": map[string]any{"InvoiceID": inv.InvoiceID, "InvoiceNumber": inv.InvoiceNumber,
				"LineItems": []any{}, "Payments": []any{}, "CreditNotes": []any{}, "Prepayments": []any{}, "Overpayments": []any{}},
			"CreditNote": map[string]any{"CreditNoteID": cn.CreditNoteID, "CreditNoteNumber": cn.CreditNoteNumber, "LineItems": []any{}}})
	}
	return map[string]any{"Allocations": out}, nil
}
