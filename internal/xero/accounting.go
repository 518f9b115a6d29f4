package xero

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Contact is a Xero contact (for Trove, a vendor).
type Contact struct {
	ID            string // ContactID
	Name          string // unique within the organisation (Xero refuses a duplicate)
	ContactNumber string // Trove's own key for the vendor; FindContact looks it up
	Email         string
}

// LineItem is one line of a bill or credit note. Amounts are minor units of
// the document's currency.
type LineItem struct {
	Description string
	Quantity    float64 // 0 is sent as 1
	UnitAmount  int64
	AccountCode string // e.g. "300" direct costs
	TaxType     string // e.g. "NONE", "INPUT"; "": the account's default
	// LineAmount, when non-zero, is sent for Xero to check against
	// Quantity × UnitAmount; on reading it is what Xero computed.
	LineAmount int64
	TaxAmount  int64 // read only
}

// Invoice is a Xero invoice; for Trove, an ACCPAY bill for one payout.
type Invoice struct {
	ID        string // InvoiceID
	Number    string // InvoiceNumber (for a bill, the supplier's number)
	Type      string // "ACCPAY" (a bill); "" is sent as ACCPAY
	Status    string // DRAFT, SUBMITTED, AUTHORISED (needs DueDate), PAID, VOIDED, DELETED
	Reference string // Trove's payout reference; FindInvoiceByReference looks it up
	ContactID string
	Date      time.Time // calendar dates: sent as YYYY-MM-DD in the time's own location
	DueDate   time.Time
	Currency  string // ISO 4217; "": the organisation's base currency (amounts then read as 2 dp)
	// LineAmountTypes: "Exclusive", "Inclusive" or "NoTax"; "": Xero's default (Exclusive).
	LineAmountTypes string
	Lines           []LineItem

	// Read only, in minor units.
	SubTotal, TotalTax, Total             int64
	AmountDue, AmountPaid, AmountCredited int64
}

// Payment pays an invoice (or refunds a credit note) from a bank account.
type Payment struct {
	ID           string // PaymentID
	InvoiceID    string // one of InvoiceID and CreditNoteID
	CreditNoteID string
	AccountCode  string // the bank account paid from, e.g. "090"
	Reference    string
	Date         time.Time
	Amount       int64  // minor units of Currency
	Currency     string // the invoice's currency; "": looked up from the invoice (one more call)
	Status       string // read only: AUTHORISED, DELETED
}

// CreditNote is a Xero credit note; for Trove, an ACCPAYCREDIT for a refund
// after payout.
type CreditNote struct {
	ID              string // CreditNoteID
	Number          string // CreditNoteNumber
	Type            string // "ACCPAYCREDIT"; "" is sent as ACCPAYCREDIT
	Status          string // DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED
	Reference       string
	ContactID       string
	Date            time.Time
	Currency        string
	LineAmountTypes string
	Lines           []LineItem

	// Read only, in minor units.
	SubTotal, TotalTax, Total, RemainingCredit int64
}

// ---- wire shapes (never leave the package) ----

type wireContact struct {
	ContactID        string                `json:"ContactID,omitempty"`
	Name             string                `json:"Name,omitempty"`
	ContactNumber    string                `json:"ContactNumber,omitempty"`
	EmailAddress     string                `json:"EmailAddress,omitempty"`
	ValidationErrors []wireValidationError `json:"ValidationErrors,omitempty"`
}

type wireRef struct {
	InvoiceID    string `json:"InvoiceID,omitempty"`
	CreditNoteID string `json:"CreditNoteID,omitempty"`
	CurrencyCode string `json:"CurrencyCode,omitempty"`
}

type wireAccount struct {
	AccountID string `json:"AccountID,omitempty"`
	Code      string `json:"Code,omitempty"`
}

type wireLineItem struct {
	LineItemID  string      `json:"LineItemID,omitempty"`
	Description string      `json:"Description,omitempty"`
	Quantity    json.Number `json:"Quantity,omitempty"`
	UnitAmount  json.Number `json:"UnitAmount,omitempty"`
	AccountCode string      `json:"AccountCode,omitempty"`
	TaxType     string      `json:"TaxType,omitempty"`
	TaxAmount   json.Number `json:"TaxAmount,omitempty"`
	LineAmount  json.Number `json:"LineAmount,omitempty"`
}

type wireInvoice struct {
	Type             string                `json:"Type,omitempty"`
	InvoiceID        string                `json:"InvoiceID,omitempty"`
	InvoiceNumber    string                `json:"InvoiceNumber,omitempty"`
	Reference        string                `json:"Reference,omitempty"`
	Status           string                `json:"Status,omitempty"`
	Contact          *wireContact          `json:"Contact,omitempty"`
	Date             string                `json:"Date,omitempty"`
	DueDate          string                `json:"DueDate,omitempty"`
	CurrencyCode     string                `json:"CurrencyCode,omitempty"`
	LineAmountTypes  string                `json:"LineAmountTypes,omitempty"`
	LineItems        []wireLineItem        `json:"LineItems,omitempty"`
	SubTotal         json.Number           `json:"SubTotal,omitempty"`
	TotalTax         json.Number           `json:"TotalTax,omitempty"`
	Total            json.Number           `json:"Total,omitempty"`
	AmountDue        json.Number           `json:"AmountDue,omitempty"`
	AmountPaid       json.Number           `json:"AmountPaid,omitempty"`
	AmountCredited   json.Number           `json:"AmountCredited,omitempty"`
	ValidationErrors []wireValidationError `json:"ValidationErrors,omitempty"`
}

type wireCreditNote struct {
	Type             string                `json:"Type,omitempty"`
	CreditNoteID     string                `json:"CreditNoteID,omitempty"`
	CreditNoteNumber string                `json:"CreditNoteNumber,omitempty"`
	Reference        string                `json:"Reference,omitempty"`
	Status           string                `json:"Status,omitempty"`
	Contact          *wireContact          `json:"Contact,omitempty"`
	Date             string                `json:"Date,omitempty"`
	CurrencyCode     string                `json:"CurrencyCode,omitempty"`
	LineAmountTypes  string                `json:"LineAmountTypes,omitempty"`
	LineItems        []wireLineItem        `json:"LineItems,omitempty"`
	SubTotal         json.Number           `json:"SubTotal,omitempty"`
	TotalTax         json.Number           `json:"TotalTax,omitempty"`
	Total            json.Number           `json:"Total,omitempty"`
	RemainingCredit  json.Number           `json:"RemainingCredit,omitempty"`
	ValidationErrors []wireValidationError `json:"ValidationErrors,omitempty"`
}

type wirePayment struct {
	PaymentID        string                `json:"PaymentID,omitempty"`
	Invoice          *wireRef              `json:"Invoice,omitempty"`
	CreditNote       *wireRef              `json:"CreditNote,omitempty"`
	Account          *wireAccount          `json:"Account,omitempty"`
	Date             string                `json:"Date,omitempty"`
	Amount           json.Number           `json:"Amount,omitempty"`
	Reference        string                `json:"Reference,omitempty"`
	Status           string                `json:"Status,omitempty"`
	ValidationErrors []wireValidationError `json:"ValidationErrors,omitempty"`
}

type wireAllocation struct {
	Invoice          wireRef               `json:"Invoice"`
	Amount           json.Number           `json:"Amount"`
	Date             string                `json:"Date"`
	ValidationErrors []wireValidationError `json:"ValidationErrors,omitempty"`
}

// element is a wire document that Xero may mark with validation errors.
type element interface{ validation() []wireValidationError }

func (w wireContact) validation() []wireValidationError    { return w.ValidationErrors }
func (w wireInvoice) validation() []wireValidationError    { return w.ValidationErrors }
func (w wireCreditNote) validation() []wireValidationError { return w.ValidationErrors }
func (w wirePayment) validation() []wireValidationError    { return w.ValidationErrors }

// putOne PUTs one document in Xero's envelope ({"<key>": [doc]}) to
// /<key> and returns the one Xero answered, refusing an answer with another
// count or with validation errors on the element.
func putOne[W element](ctx context.Context, t *TenantClient, op, key, idempotencyKey string, doc W) (W, error) {
	var zero W
	var out map[string]json.RawMessage
	if err := t.do(ctx, call{op: op, method: http.MethodPut, path: "/" + key, idemKey: idempotencyKey,
		in: map[string][]W{key: {doc}}}, &out); err != nil {
		return zero, err
	}
	var docs []W
	if err := json.Unmarshal(out[key], &docs); err != nil || len(docs) != 1 {
		return zero, decodeError(op, fmt.Errorf("%d %s in the answer, want 1 (%v)", len(docs), key, err))
	}
	if err := elementError(op, docs[0].validation()); err != nil {
		return zero, err
	}
	return docs[0], nil
}

// getOne reads the document /<key>/<id>; found is false when Xero has none.
func getOne[W element](ctx context.Context, t *TenantClient, op, key, id string) (W, bool, error) {
	var zero W
	if id == "" {
		return zero, false, &Error{kind: ErrValidation, Op: op, Message: "empty id"}
	}
	var out map[string]json.RawMessage
	err := t.do(ctx, call{op: op, method: http.MethodGet, path: "/" + key + "/" + url.PathEscape(id)}, &out)
	if errors.Is(err, ErrNotFound) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	var docs []W
	if err := json.Unmarshal(out[key], &docs); err != nil {
		return zero, false, decodeError(op, err)
	}
	if len(docs) == 0 {
		return zero, false, nil
	}
	return docs[0], true, nil
}

// elementError reports validation errors Xero put on a returned element
// (with summarizeErrors=false Xero answers 200 and marks each element).
func elementError(op string, ves []wireValidationError) error {
	if len(ves) == 0 {
		return nil
	}
	e := &Error{kind: ErrValidation, Op: op, Status: http.StatusOK, Type: "ValidationException"}
	for _, v := range ves {
		if v.Message != "" {
			e.Validation = append(e.Validation, v.Message)
		}
	}
	return e
}

// whereEquals builds a Xero where clause Field=="value", escaping the value
// as a C# string literal.
func whereEquals(field, value string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return field + `=="` + r.Replace(value) + `"`
}

func decodeError(op string, err error) error {
	return &Error{kind: ErrUnavailable, Op: op, Message: "unreadable response", cause: err}
}

// ---- contacts ----

// FindContact looks a contact up by its ContactNumber.
func (t *TenantClient) FindContact(ctx context.Context, contactNumber string) (Contact, bool, error) {
	const op = "find contact"
	if contactNumber == "" {
		return Contact{}, false, &Error{kind: ErrValidation, Op: op, Message: "empty contact number"}
	}
	var out struct{ Contacts []wireContact }
	err := t.do(ctx, call{op: op, method: http.MethodGet, path: "/Contacts",
		query: url.Values{"where": {whereEquals("ContactNumber", contactNumber)}}}, &out)
	if err != nil {
		return Contact{}, false, err
	}
	for _, c := range out.Contacts {
		if c.ContactNumber == contactNumber {
			return contactFromWire(c), true, nil
		}
	}
	return Contact{}, false, nil
}

// CreateContact creates a contact.
func (t *TenantClient) CreateContact(ctx context.Context, c Contact, idempotencyKey string) (Contact, error) {
	const op = "create contact"
	if c.Name == "" {
		return Contact{}, &Error{kind: ErrValidation, Op: op, Message: "a contact needs a Name"}
	}
	got, err := putOne(ctx, t, op, "Contacts", idempotencyKey, wireContact{Name: c.Name, ContactNumber: c.ContactNumber, EmailAddress: c.Email})
	if err != nil {
		return Contact{}, err
	}
	return contactFromWire(got), nil
}

func contactFromWire(w wireContact) Contact {
	return Contact{ID: w.ContactID, Name: w.Name, ContactNumber: w.ContactNumber, Email: w.EmailAddress}
}

// ---- line items ----

func linesToWire(op string, lines []LineItem, currency string) ([]wireLineItem, error) {
	out := make([]wireLineItem, 0, len(lines))
	for i, l := range lines {
		if l.Quantity < 0 {
			return nil, &Error{kind: ErrValidation, Op: op, Message: fmt.Sprintf("line %d: negative quantity", i+1)}
		}
		q := l.Quantity
		if q == 0 {
			q = 1
		}
		w := wireLineItem{
			Description: l.Description,
			Quantity:    formatQuantity(q),
			UnitAmount:  formatAmount(l.UnitAmount, currency),
			AccountCode: l.AccountCode,
			TaxType:     l.TaxType,
		}
		if l.LineAmount != 0 {
			w.LineAmount = formatAmount(l.LineAmount, currency)
		}
		out = append(out, w)
	}
	return out, nil
}

func linesFromWire(ws []wireLineItem, currency string) ([]LineItem, error) {
	out := make([]LineItem, 0, len(ws))
	for i, w := range ws {
		l := LineItem{Description: w.Description, AccountCode: w.AccountCode, TaxType: w.TaxType}
		var err error
		if w.Quantity != "" {
			if l.Quantity, err = w.Quantity.Float64(); err != nil {
				return nil, fmt.Errorf("line %d: quantity: %w", i+1, err)
			}
		}
		if l.UnitAmount, err = parseAmount(string(w.UnitAmount), currency); err != nil {
			return nil, fmt.Errorf("line %d: unit amount: %w", i+1, err)
		}
		if l.LineAmount, err = parseAmount(string(w.LineAmount), currency); err != nil {
			return nil, fmt.Errorf("line %d: line amount: %w", i+1, err)
		}
		if l.TaxAmount, err = parseAmount(string(w.TaxAmount), currency); err != nil {
			return nil, fmt.Errorf("line %d: tax amount: %w", i+1, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// amt names one amount to parse into dst.
type amt struct {
	name string
	n    json.Number
	dst  *int64
}

// amounts parses each amount exactly into its target.
func amounts(currency string, as ...amt) error {
	for _, a := range as {
		v, err := parseAmount(string(a.n), currency)
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		*a.dst = v
	}
	return nil
}

// ---- invoices ----

// CreateInvoice creates an invoice (a bill: Type ACCPAY). An AUTHORISED bill
// needs a DueDate.
func (t *TenantClient) CreateInvoice(ctx context.Context, inv Invoice, idempotencyKey string) (Invoice, error) {
	const op = "create invoice"
	if inv.Type == "" {
		inv.Type = "ACCPAY"
	}
	var problems []string
	if inv.ContactID == "" {
		problems = append(problems, "ContactID is required")
	}
	if len(inv.Lines) == 0 {
		problems = append(problems, "at least one line is required")
	}
	if inv.Status == "AUTHORISED" && inv.DueDate.IsZero() {
		problems = append(problems, "an AUTHORISED invoice needs a DueDate")
	}
	if len(problems) > 0 {
		return Invoice{}, &Error{kind: ErrValidation, Op: op, Validation: problems}
	}
	lines, err := linesToWire(op, inv.Lines, inv.Currency)
	if err != nil {
		return Invoice{}, err
	}
	w := wireInvoice{
		Type:            inv.Type,
		InvoiceNumber:   inv.Number,
		Reference:       inv.Reference,
		Status:          inv.Status,
		Contact:         &wireContact{ContactID: inv.ContactID},
		Date:            formatDate(inv.Date),
		DueDate:         formatDate(inv.DueDate),
		CurrencyCode:    inv.Currency,
		LineAmountTypes: inv.LineAmountTypes,
		LineItems:       lines,
	}
	put, err := putOne(ctx, t, op, "Invoices", idempotencyKey, w)
	if err != nil {
		return Invoice{}, err
	}
	got, err := invoiceFromWire(put, inv.Currency)
	if err != nil {
		return Invoice{}, decodeError(op, err)
	}
	return got, nil
}

// Invoice reads one invoice; found is false when Xero has no such invoice.
func (t *TenantClient) Invoice(ctx context.Context, id string) (Invoice, bool, error) {
	const op = "get invoice"
	w, found, err := getOne[wireInvoice](ctx, t, op, "Invoices", id)
	if err != nil || !found {
		return Invoice{}, found, err
	}
	got, err := invoiceFromWire(w, "")
	if err != nil {
		return Invoice{}, false, decodeError(op, err)
	}
	return got, true, nil
}

// FindInvoiceByReference looks up the ACCPAY bill with this Reference. If
// several match, a live one (not VOIDED or DELETED) wins.
func (t *TenantClient) FindInvoiceByReference(ctx context.Context, reference string) (Invoice, bool, error) {
	const op = "find invoice"
	if reference == "" {
		return Invoice{}, false, &Error{kind: ErrValidation, Op: op, Message: "empty reference"}
	}
	var out struct{ Invoices []wireInvoice }
	err := t.do(ctx, call{op: op, method: http.MethodGet, path: "/Invoices",
		query: url.Values{"where": {whereEquals("Reference", reference) + ` AND Type=="ACCPAY"`}}}, &out)
	if err != nil {
		return Invoice{}, false, err
	}
	var pick *wireInvoice
	for i := range out.Invoices {
		w := &out.Invoices[i]
		if w.Reference != reference || (w.Type != "" && w.Type != "ACCPAY") {
			continue
		}
		if pick == nil || (isDead(pick.Status) && !isDead(w.Status)) {
			pick = w
		}
	}
	if pick == nil {
		return Invoice{}, false, nil
	}
	got, err := invoiceFromWire(*pick, "")
	if err != nil {
		return Invoice{}, false, decodeError(op, err)
	}
	return got, true, nil
}

func isDead(status string) bool { return status == "VOIDED" || status == "DELETED" }

func invoiceFromWire(w wireInvoice, fallbackCurrency string) (Invoice, error) {
	cur := w.CurrencyCode
	if cur == "" {
		cur = fallbackCurrency
	}
	inv := Invoice{
		ID: w.InvoiceID, Number: w.InvoiceNumber, Type: w.Type, Status: w.Status,
		Reference: w.Reference, Currency: cur, LineAmountTypes: w.LineAmountTypes,
	}
	if w.Contact != nil {
		inv.ContactID = w.Contact.ContactID
	}
	var err error
	if inv.Date, err = parseDate(w.Date); err != nil {
		return Invoice{}, err
	}
	if inv.DueDate, err = parseDate(w.DueDate); err != nil {
		return Invoice{}, err
	}
	if inv.Lines, err = linesFromWire(w.LineItems, cur); err != nil {
		return Invoice{}, err
	}
	if err := amounts(cur,
		amt{"SubTotal", w.SubTotal, &inv.SubTotal},
		amt{"TotalTax", w.TotalTax, &inv.TotalTax},
		amt{"Total", w.Total, &inv.Total},
		amt{"AmountDue", w.AmountDue, &inv.AmountDue},
		amt{"AmountPaid", w.AmountPaid, &inv.AmountPaid},
		amt{"AmountCredited", w.AmountCredited, &inv.AmountCredited},
	); err != nil {
		return Invoice{}, err
	}
	return inv, nil
}

// ---- payments ----

// CreatePayment records a payment of an invoice (or a refund of a credit
// note) from the bank account AccountCode. When p.Currency is empty, the
// invoice is read first to learn its currency (one more call); set it to
// save that call.
func (t *TenantClient) CreatePayment(ctx context.Context, p Payment, idempotencyKey string) (Payment, error) {
	const op = "create payment"
	var problems []string
	if (p.InvoiceID == "") == (p.CreditNoteID == "") {
		problems = append(problems, "exactly one of InvoiceID and CreditNoteID is required")
	}
	if p.AccountCode == "" {
		problems = append(problems, "AccountCode is required")
	}
	if p.Amount <= 0 {
		problems = append(problems, "Amount must be positive")
	}
	if p.Date.IsZero() {
		problems = append(problems, "Date is required")
	}
	if len(problems) > 0 {
		return Payment{}, &Error{kind: ErrValidation, Op: op, Validation: problems}
	}
	if strings.TrimSpace(idempotencyKey) == "" {
		return Payment{}, &Error{kind: ErrValidation, Op: op, Message: "an idempotency key is required"}
	}
	if p.Currency == "" {
		var err error
		if p.InvoiceID != "" {
			inv, found, ierr := t.Invoice(ctx, p.InvoiceID)
			if ierr == nil && !found {
				ierr = &Error{kind: ErrNotFound, Op: op, Message: "no invoice " + p.InvoiceID}
			}
			p.Currency, err = inv.Currency, ierr
		} else {
			cn, found, cerr := t.CreditNote(ctx, p.CreditNoteID)
			if cerr == nil && !found {
				cerr = &Error{kind: ErrNotFound, Op: op, Message: "no credit note " + p.CreditNoteID}
			}
			p.Currency, err = cn.Currency, cerr
		}
		if err != nil {
			return Payment{}, err
		}
	}
	w := wirePayment{
		Account:   &wireAccount{Code: p.AccountCode},
		Date:      formatDate(p.Date),
		Amount:    formatAmount(p.Amount, p.Currency),
		Reference: p.Reference,
	}
	if p.InvoiceID != "" {
		w.Invoice = &wireRef{InvoiceID: p.InvoiceID}
	} else {
		w.CreditNote = &wireRef{CreditNoteID: p.CreditNoteID}
	}
	put, err := putOne(ctx, t, op, "Payments", idempotencyKey, w)
	if err != nil {
		return Payment{}, err
	}
	got, err := paymentFromWire(put, p.Currency)
	if err != nil {
		return Payment{}, decodeError(op, err)
	}
	return got, nil
}

func paymentFromWire(w wirePayment, currency string) (Payment, error) {
	p := Payment{ID: w.PaymentID, Reference: w.Reference, Status: w.Status, Currency: currency}
	if w.Invoice != nil {
		p.InvoiceID = w.Invoice.InvoiceID
		if w.Invoice.CurrencyCode != "" {
			p.Currency = w.Invoice.CurrencyCode
		}
	}
	if w.CreditNote != nil {
		p.CreditNoteID = w.CreditNote.CreditNoteID
		if w.CreditNote.CurrencyCode != "" {
			p.Currency = w.CreditNote.CurrencyCode
		}
	}
	if w.Account != nil {
		p.AccountCode = w.Account.Code
	}
	var err error
	if p.Date, err = parseDate(w.Date); err != nil {
		return Payment{}, err
	}
	if p.Amount, err = parseAmount(string(w.Amount), p.Currency); err != nil {
		return Payment{}, err
	}
	return p, nil
}

// ---- credit notes ----

// CreateCreditNote creates a credit note (Type ACCPAYCREDIT for a bill).
func (t *TenantClient) CreateCreditNote(ctx context.Context, cn CreditNote, idempotencyKey string) (CreditNote, error) {
	const op = "create credit note"
	if cn.Type == "" {
		cn.Type = "ACCPAYCREDIT"
	}
	var problems []string
	if cn.ContactID == "" {
		problems = append(problems, "ContactID is required")
	}
	if len(cn.Lines) == 0 {
		problems = append(problems, "at least one line is required")
	}
	if len(problems) > 0 {
		return CreditNote{}, &Error{kind: ErrValidation, Op: op, Validation: problems}
	}
	lines, err := linesToWire(op, cn.Lines, cn.Currency)
	if err != nil {
		return CreditNote{}, err
	}
	w := wireCreditNote{
		Type:             cn.Type,
		CreditNoteNumber: cn.Number,
		Reference:        cn.Reference,
		Status:           cn.Status,
		Contact:          &wireContact{ContactID: cn.ContactID},
		Date:             formatDate(cn.Date),
		CurrencyCode:     cn.Currency,
		LineAmountTypes:  cn.LineAmountTypes,
		LineItems:        lines,
	}
	put, err := putOne(ctx, t, op, "CreditNotes", idempotencyKey, w)
	if err != nil {
		return CreditNote{}, err
	}
	got, err := creditNoteFromWire(put, cn.Currency)
	if err != nil {
		return CreditNote{}, decodeError(op, err)
	}
	return got, nil
}

// CreditNote reads one credit note; found is false when Xero has no such one.
func (t *TenantClient) CreditNote(ctx context.Context, id string) (CreditNote, bool, error) {
	const op = "get credit note"
	w, found, err := getOne[wireCreditNote](ctx, t, op, "CreditNotes", id)
	if err != nil || !found {
		return CreditNote{}, found, err
	}
	got, err := creditNoteFromWire(w, "")
	if err != nil {
		return CreditNote{}, false, decodeError(op, err)
	}
	return got, true, nil
}

// AllocateCreditNote applies amount (minor units of the credit note's
// currency) of an AUTHORISED credit note to an invoice of the same contact.
// The credit note is read first, for its currency.
func (t *TenantClient) AllocateCreditNote(ctx context.Context, creditNoteID, invoiceID string, amount int64, date time.Time, idempotencyKey string) error {
	const op = "allocate credit note"
	var problems []string
	if creditNoteID == "" || invoiceID == "" {
		problems = append(problems, "creditNoteID and invoiceID are required")
	}
	if amount <= 0 {
		problems = append(problems, "amount must be positive")
	}
	if date.IsZero() {
		problems = append(problems, "date is required")
	}
	if strings.TrimSpace(idempotencyKey) == "" {
		problems = append(problems, "an idempotency key is required")
	}
	if len(problems) > 0 {
		return &Error{kind: ErrValidation, Op: op, Validation: problems}
	}
	cn, found, err := t.CreditNote(ctx, creditNoteID)
	if err != nil {
		return err
	}
	if !found {
		return &Error{kind: ErrNotFound, Op: op, Message: "no credit note " + creditNoteID}
	}
	w := wireAllocation{Invoice: wireRef{InvoiceID: invoiceID}, Amount: formatAmount(amount, cn.Currency), Date: formatDate(date)}
	var out struct{ Allocations []wireAllocation }
	if err := t.do(ctx, call{op: op, method: http.MethodPut, path: "/CreditNotes/" + url.PathEscape(creditNoteID) + "/Allocations",
		idemKey: idempotencyKey, in: struct{ Allocations []wireAllocation }{[]wireAllocation{w}}}, &out); err != nil {
		return err
	}
	for _, a := range out.Allocations {
		if err := elementError(op, a.ValidationErrors); err != nil {
			return err
		}
	}
	return nil
}

func creditNoteFromWire(w wireCreditNote, fallbackCurrency string) (CreditNote, error) {
	cur := w.CurrencyCode
	if cur == "" {
		cur = fallbackCurrency
	}
	cn := CreditNote{
		ID: w.CreditNoteID, Number: w.CreditNoteNumber, Type: w.Type, Status: w.Status,
		Reference: w.Reference, Currency: cur, LineAmountTypes: w.LineAmountTypes,
	}
	if w.Contact != nil {
		cn.ContactID = w.Contact.ContactID
	}
	var err error
	if cn.Date, err = parseDate(w.Date); err != nil {
		return CreditNote{}, err
	}
	if cn.Lines, err = linesFromWire(w.LineItems, cur); err != nil {
		return CreditNote{}, err
	}
	if err := amounts(cur,
		amt{"SubTotal", w.SubTotal, &cn.SubTotal},
		amt{"TotalTax", w.TotalTax, &cn.TotalTax},
		amt{"Total", w.Total, &cn.Total},
		amt{"RemainingCredit", w.RemainingCredit, &cn.RemainingCredit},
	); err != nil {
		return CreditNote{}, err
	}
	return cn, nil
}
