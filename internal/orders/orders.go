// Package orders owns carts, checkout, orders and vendor orders. Tables:
// carts, cart_lines, orders, order_lines, vendor_orders.
//
// Carts are priced from the catalog whenever they are read; checkout turns
// one into an order awaiting payment in one transaction, and starts the
// payment outside it. An order's status moves by the state table in state.go,
// behind Store.Update; vendor orders' life after payment is decided by
// internal/fulfilment and saved here (UpdateVendorOrder). Refunds belong to
// internal/payments and move the counters kept here (refunds.go).
//
// Stock belongs to the catalog: checkout holds it with catalog.ReserveTx in its
// own transaction, and payment outcomes commit or release it the same way.
package orders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
	"github.com/trove-platform/trove/internal/platform/queue"
)

// DefaultReservationTTL is how long checkout holds stock for a payment when
// Config.ReservationTTL is 0.
const DefaultReservationTTL = 15 * time.Minute

// Config tunes the store.
type Config struct {
	// ReservationTTL is how long checkout holds the goods while the buyer pays
	// (TROVE_RESERVATION_TTL). After it, the scheduled release gives them back
	// and the order expires.
	ReservationTTL time.Duration
}

// PaymentProvider is the seam to the payment provider (Stripe, in
// internal/payments). No method is ever called inside a transaction.
type PaymentProvider interface {
	// StartPayment creates the payment for an order (a PaymentIntent for
	// amount, transfer_group = orderID, the order id in its metadata) and
	// returns its id and client secret. It is called again with the same
	// idempotencyKey when an earlier call failed or its answer was lost, and
	// must then return the same payment.
	StartPayment(ctx context.Context, orderID string, amount money.Money, idempotencyKey string) (intentID, clientSecret string, err error)
	// ClientSecret returns the client secret of a payment StartPayment made
	// (re-read from the provider: Trove never stores it), for a buyer who
	// checks out the same cart again.
	ClientSecret(ctx context.Context, intentID string) (string, error)
	// Payment re-reads a payment StartPayment made, as the provider holds it
	// now: what the release job asks before it gives a hold back.
	Payment(ctx context.Context, intentID string) (PaymentState, error)
	// CancelPayment cancels a payment that has not succeeded, so that it can
	// never take money, and answers its state after: PaymentCanceled, or,
	// when the provider refuses because the payment succeeded or is
	// processing meanwhile, that state (re-read). The same idempotencyKey is
	// sent on every attempt for one order. An error means the provider could
	// not be asked or answered: nothing is known, try again later.
	CancelPayment(ctx context.Context, intentID, idempotencyKey string) (PaymentState, error)
}

// Payment statuses, in the words the release job needs (PaymentState.Status).
const (
	PaymentOpen       = "open"       // awaiting the buyer: no money yet, none on its way
	PaymentProcessing = "processing" // money on its way (or authorised): keep the goods held
	PaymentSucceeded  = "succeeded"  // the money arrived
	PaymentCanceled   = "canceled"   // it can never take money
)

// PaymentState is a payment as the provider holds it now.
type PaymentState struct {
	IntentID       string
	Status         string      // one of the Payment… statuses
	AmountReceived money.Money // when succeeded
}

// Store reads and writes carts and orders.
type Store struct {
	db       *sqlx.DB
	clock    clock.Clock
	queue    *queue.Queue
	catalog  *catalog.Store
	payments PaymentProvider
	ttl      time.Duration
}

// Deps are the Store's collaborators.
type Deps struct {
	DB    *sqlx.DB
	Clock clock.Clock
	// Queue must have a handler for every job this package emits (events.go).
	Queue    *queue.Queue
	Catalog  *catalog.Store
	Payments PaymentProvider
}

// NewStore returns a Store.
func NewStore(d Deps, cfg Config) *Store {
	ttl := cfg.ReservationTTL
	if ttl <= 0 {
		ttl = DefaultReservationTTL
	}
	return &Store{db: d.DB, clock: d.Clock, queue: d.Queue, catalog: d.Catalog, payments: d.Payments, ttl: ttl}
}

// Caller is who acts on a cart or an order: a signed-in buyer, the holder of a
// guest cart's token, or a buyer who also holds a guest cart's token (a cart
// filled before signing in). A cart or order the caller may not use answers
// not found, exactly as one that does not exist.
type Caller struct {
	UserID    string // a signed-in buyer; "" for a guest
	Email     string // the signed-in buyer's email
	CartToken string // the X-Cart-Token header, if any
}

// Limits.
const (
	maxLines       = 100
	maxQuantity    = 1000
	maxGiftMessage = 1000 // characters
	maxName        = 200
	maxAddressLine = 200
	maxCity        = 100
	maxRegion      = 100
	maxPostalCode  = 20
	maxEmail       = 254
)

// Recipient is who receives a gift, and where. It may be saved incomplete;
// checkout needs name, the first address line, city, postal code and country.
type Recipient struct {
	Name         string   `json:"name"`
	AddressLines []string `json:"address_lines"`
	City         string   `json:"city"`
	Region       string   `json:"region"`
	PostalCode   string   `json:"postal_code"`
	Country      string   `json:"country"`                 // ISO 3166-1 alpha-2, such as US
	DeliveryDate string   `json:"delivery_date,omitempty"` // YYYY-MM-DD, optional
}

// normalize trims every field, drops empty address lines and upper-cases the
// country.
func (r Recipient) normalize() Recipient {
	out := Recipient{Name: strings.TrimSpace(r.Name), City: strings.TrimSpace(r.City), Region: strings.TrimSpace(r.Region),
		PostalCode: strings.TrimSpace(r.PostalCode), Country: strings.ToUpper(strings.TrimSpace(r.Country)),
		DeliveryDate: strings.TrimSpace(r.DeliveryDate), AddressLines: []string{}}
	for _, l := range r.AddressLines {
		if l = strings.TrimSpace(l); l != "" {
			out.AddressLines = append(out.AddressLines, l)
		}
	}
	return out
}

// validate records what is malformed (not what is missing) under prefix.
func (r Recipient) validate(f *fault.Fields, prefix string, today time.Time) {
	f.Check(utf8.RuneCountInString(r.Name) <= maxName, prefix+".name", "must be at most %d characters", maxName)
	f.Check(len(r.AddressLines) <= 2, prefix+".address_lines", "at most 2 lines")
	for i, l := range r.AddressLines {
		f.Check(utf8.RuneCountInString(l) <= maxAddressLine, fmt.Sprintf("%s.address_lines[%d]", prefix, i), "must be at most %d characters", maxAddressLine)
	}
	f.Check(utf8.RuneCountInString(r.City) <= maxCity, prefix+".city", "must be at most %d characters", maxCity)
	f.Check(utf8.RuneCountInString(r.Region) <= maxRegion, prefix+".region", "must be at most %d characters", maxRegion)
	f.Check(utf8.RuneCountInString(r.PostalCode) <= maxPostalCode, prefix+".postal_code", "must be at most %d characters", maxPostalCode)
	f.Check(r.Country == "" || validCountry(r.Country), prefix+".country", "must be a two-letter ISO 3166-1 code such as US")
	if r.DeliveryDate != "" {
		d, err := time.Parse(time.DateOnly, r.DeliveryDate)
		switch {
		case err != nil:
			f.Add(prefix+".delivery_date", "must be a date as YYYY-MM-DD")
		case d.Before(today):
			f.Add(prefix+".delivery_date", "must not be in the past")
		case d.After(today.AddDate(1, 0, 0)):
			f.Add(prefix+".delivery_date", "must be within a year")
		}
	}
}

// missing lists the fields checkout needs that r lacks.
func (r Recipient) missing() []string {
	var out []string
	if r.Name == "" {
		out = append(out, "name")
	}
	if len(r.AddressLines) == 0 {
		out = append(out, "address_lines")
	}
	if r.City == "" {
		out = append(out, "city")
	}
	if r.PostalCode == "" {
		out = append(out, "postal_code")
	}
	if r.Country == "" {
		out = append(out, "country")
	}
	return out
}

func validCountry(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}

// recipientJSON is what is stored for r (NULL for none).
func recipientJSON(r *Recipient) (*string, error) {
	if r == nil {
		return nil, nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

func parseRecipient(s *string) *Recipient {
	if s == nil {
		return nil
	}
	var r Recipient
	if err := json.Unmarshal([]byte(*s), &r); err != nil {
		return nil
	}
	if r.AddressLines == nil {
		r.AddressLines = []string{}
	}
	return &r
}

// giftKey identifies a gift (recipient and message) among a cart's lines and
// an order's vendor orders: SHA-256 of both, in hex.
func giftKey(r *Recipient, message string) string {
	b, _ := json.Marshal(struct {
		R *Recipient `json:"r"`
		M string     `json:"m"`
	}{r, message})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sameRecipient(a, b *Recipient) bool {
	if a == nil || b == nil {
		return a == b
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func validEmail(s string) bool {
	if s == "" || len(s) > maxEmail || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

func checkMessage(f *fault.Fields, field, msg string) {
	f.Check(utf8.RuneCountInString(msg) <= maxGiftMessage, field, "must be at most %d characters", maxGiftMessage)
}

// hashToken is what is stored for a cart token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenArg is the value compared with carts.token_hash: NULL (matching
// nothing) when the caller sent no token.
func tokenArg(token string) any {
	if token == "" {
		return nil
	}
	return hashToken(token)
}

// userArg is the value compared with a user id column: NULL when signed out.
func userArg(userID string) any {
	if userID == "" {
		return nil
	}
	return userID
}

// mul multiplies a price by a quantity with money's checked arithmetic; an
// overflow (possible only with prices stored before they were bounded) is
// the buyer's to fix by lowering the quantity: invalid, never a wrap.
func mul(amount int64, q int) (int64, error) {
	r, err := money.Mul(amount, int64(q))
	if err != nil {
		return 0, fault.Wrap(fault.KindInvalid, err, "the amount is too large")
	}
	return r, nil
}

// tooLarge is the message for a total past what one payment can be.
func tooLarge(what string, total *money.Money, currency string) string {
	most := money.Money{Amount: money.MaxAmount, Currency: currency}
	if total == nil {
		return fmt.Sprintf("%s is more than one payment can be (at most %s)", what, most)
	}
	return fmt.Sprintf("%s would be %s, more than one payment can be (at most %s)", what, *total, most)
}

// today is the calendar day (UTC) of t.
func today(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
