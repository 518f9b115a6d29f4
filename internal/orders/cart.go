package orders

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/db"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/id"
	"github.com/trove-platform/trove/internal/platform/money"
)

// Cart statuses.
const (
	CartOpen       = "open"
	CartCheckedOut = "checked_out"
	CartAbandoned  = "abandoned"
)

// Line kinds.
const (
	KindVariant = "variant"
	KindBundle  = "bundle"
)

// Problem codes, on a cart or one of its lines. Every code but price_changed
// stops checkout.
const (
	ProblemNotAvailable        = "not_available"      // unlisted, hidden, deleted, or a bundle archived or with such a part
	ProblemOutOfStock          = "out_of_stock"       // none left
	ProblemInsufficientStock   = "insufficient_stock" // fewer left than the cart wants
	ProblemCurrencyMismatch    = "currency_mismatch"  // now priced in another currency than the cart
	ProblemPriceChanged        = "price_changed"      // the price is not the one seen when the line was added
	ProblemEmpty               = "empty"
	ProblemEmailRequired       = "email_required"
	ProblemRecipientIncomplete = "recipient_incomplete"
	ProblemDeliveryDatePast    = "delivery_date_past"
	// ProblemTotalTooLarge: the cart's total (or a line's) is more than one
	// payment can be (money.MaxAmount). Adding and raising quantities past it
	// is refused; a price rise can still bring a cart there.
	ProblemTotalTooLarge = "total_too_large"
)

// Problem is one thing that is wrong with a cart or a line, in words a buyer
// can act on.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (p Problem) blocking() bool { return p.Code != ProblemPriceChanged }

// CartView is a cart as its buyer sees it, priced now from the catalog.
type CartView struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	Currency    *string    `json:"currency"` // null while empty
	Email       string     `json:"email"`    // a guest's email, for the receipt
	GiftMessage string     `json:"gift_message"`
	Recipient   *Recipient `json:"recipient"`
	Lines       []LineView `json:"lines"`
	ItemCount   int        `json:"item_count"`
	// Subtotal sums the lines that can be bought; null when there are none.
	Subtotal         *money.Money `json:"subtotal"`
	Problems         []Problem    `json:"problems"`
	ReadyForCheckout bool         `json:"ready_for_checkout"`
	OrderID          *string      `json:"order_id"` // once checked out
	CreatedAt        time.Time    `json:"created_at"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

// LineView is one line of a cart, priced now.
type LineView struct {
	ID           string               `json:"id"`
	Kind         string               `json:"kind"`
	VariantID    *string              `json:"variant_id"`
	BundleID     *string              `json:"bundle_id"`
	ProductID    *string              `json:"product_id"`
	Title        string               `json:"title"`
	VariantTitle string               `json:"variant_title"`
	ImageURL     string               `json:"image_url"`
	Vendor       *catalog.StoreVendor `json:"vendor"` // variant lines
	Parts        []PartView           `json:"parts"`  // bundle lines: the visible parts
	Quantity     int                  `json:"quantity"`
	// UnitPrice and LineTotal are the catalog's now; null when not for sale.
	UnitPrice      *money.Money `json:"unit_price"`
	LineTotal      *money.Money `json:"line_total"`
	PriceWhenAdded money.Money  `json:"price_when_added"`
	// Available is how many of this line could be bought now (0 when not for sale).
	Available   int        `json:"available"`
	GiftMessage string     `json:"gift_message"` // "": the cart's applies
	Recipient   *Recipient `json:"recipient"`    // null: the cart's applies
	Problems    []Problem  `json:"problems"`
}

// PartView is one visible part of a bundle line: Quantity per bundle.
type PartView struct {
	VariantID    string              `json:"variant_id"`
	ProductID    string              `json:"product_id"`
	Title        string              `json:"title"`
	VariantTitle string              `json:"variant_title"`
	Vendor       catalog.StoreVendor `json:"vendor"`
	Quantity     int                 `json:"quantity"`
}

type cartRow struct {
	ID            string     `db:"id"`
	TokenHash     *string    `db:"token_hash"`
	UserID        *string    `db:"user_id"`
	Status        string     `db:"status"`
	Currency      *string    `db:"currency"`
	Email         string     `db:"email"`
	GiftMessage   string     `db:"gift_message"`
	RecipientJSON *string    `db:"recipient_json"`
	CheckedOutAt  *time.Time `db:"checked_out_at"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
}

const cartColumns = `c.id, c.token_hash, c.user_id, c.status, c.currency, c.email, c.gift_message, c.recipient_json,
	c.checked_out_at, c.created_at, c.updated_at`

// cartAccess: the caller's own cart (signed in), or the guest cart whose token
// the caller holds. Arguments: userArg, tokenArg.
const cartAccess = `(c.user_id = ? OR c.token_hash = ?)`

type lineRow struct {
	ID            string    `db:"id"`
	CartID        string    `db:"cart_id"`
	ItemRef       string    `db:"item_ref"`
	VariantID     *string   `db:"variant_id"`
	BundleID      *string   `db:"bundle_id"`
	Quantity      int       `db:"quantity"`
	RecipientKey  string    `db:"recipient_key"`
	RecipientJSON *string   `db:"recipient_json"`
	GiftMessage   string    `db:"gift_message"`
	SeenAmount    int64     `db:"seen_price_amount"`
	SeenCurrency  string    `db:"seen_price_currency"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

const lineColumns = `id, cart_id, item_ref, variant_id, bundle_id, quantity, recipient_key, recipient_json, gift_message,
	seen_price_amount, seen_price_currency, created_at, updated_at`

func newCartToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CreateCart gives a guest a new cart and its token (returned only here: keep
// it, and send it as X-Cart-Token), or gives a signed-in buyer their open cart,
// made if they have none (created says which).
func (s *Store) CreateCart(ctx context.Context, c Caller) (view CartView, token string, created bool, err error) {
	now := s.clock.Now()
	cartID := id.New("crt")
	if c.UserID != "" {
		const q = `INSERT INTO carts (id, user_id, status, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)`
		_, err = s.db.ExecContext(ctx, q, cartID, c.UserID, now, now)
		switch {
		case err == nil:
			created = true
		case db.IsDuplicate(err): // one open cart per buyer: it exists
			if err = s.db.GetContext(ctx, &cartID, `SELECT id FROM carts WHERE open_user_id = ?`, c.UserID); err != nil {
				return CartView{}, "", false, fmt.Errorf("orders: find open cart: %w", err)
			}
		default:
			return CartView{}, "", false, fmt.Errorf("orders: create cart: %w", err)
		}
	} else {
		if token, err = newCartToken(); err != nil {
			return CartView{}, "", false, err
		}
		const q = `INSERT INTO carts (id, token_hash, status, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)`
		if _, err = s.db.ExecContext(ctx, q, cartID, hashToken(token), now, now); err != nil {
			return CartView{}, "", false, fmt.Errorf("orders: create cart: %w", err)
		}
		created = true
		c.CartToken = token
	}
	view, err = s.Cart(ctx, c, cartID)
	return view, token, created, err
}

// Cart returns the caller's cart, priced now.
func (s *Store) Cart(ctx context.Context, c Caller, cartID string) (CartView, error) {
	cart, err := s.readCart(ctx, s.db, c, cartID, false)
	if err != nil {
		return CartView{}, err
	}
	lines, err := readLines(ctx, s.db, cart.ID)
	if err != nil {
		return CartView{}, err
	}
	pc, err := s.price(ctx, s.db, c, cart, lines)
	if err != nil {
		return CartView{}, err
	}
	if cart.Status == CartCheckedOut {
		var orderID string
		err := s.db.GetContext(ctx, &orderID, `SELECT id FROM orders WHERE source_type = 'cart' AND source_id = ?`, cart.ID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return CartView{}, err
		}
		if orderID != "" {
			pc.view.OrderID = &orderID
		}
	}
	return pc.view, nil
}

// readCart reads the caller's cart (locked for the transaction when lock).
func (s *Store) readCart(ctx context.Context, q sqlx.QueryerContext, c Caller, cartID string, lock bool) (cartRow, error) {
	query := `SELECT ` + cartColumns + ` FROM carts c WHERE c.id = ? AND ` + cartAccess
	if lock {
		query += ` FOR UPDATE`
	}
	var cart cartRow
	err := sqlx.GetContext(ctx, q, &cart, query, cartID, userArg(c.UserID), tokenArg(c.CartToken))
	if errors.Is(err, sql.ErrNoRows) {
		return cartRow{}, fault.NotFound("cart %s not found", cartID)
	}
	if err != nil {
		return cartRow{}, fmt.Errorf("orders: read cart: %w", err)
	}
	return cart, nil
}

func readLines(ctx context.Context, q sqlx.QueryerContext, cartID string) ([]lineRow, error) {
	var lines []lineRow
	if err := sqlx.SelectContext(ctx, q, &lines, `SELECT `+lineColumns+` FROM cart_lines WHERE cart_id = ? ORDER BY created_at, id`, cartID); err != nil {
		return nil, fmt.Errorf("orders: read cart lines: %w", err)
	}
	return lines, nil
}

// editCart runs fn on the caller's open cart under its row lock, then answers
// the cart as it is now.
func (s *Store) editCart(ctx context.Context, c Caller, cartID string, fn func(tx *sqlx.Tx, cart cartRow, now time.Time) error) (CartView, error) {
	err := db.RetryDeadlocks(ctx, func() error {
		return db.InTxOpts(ctx, s.db, db.ReadCommitted, func(tx *sqlx.Tx) error {
			cart, err := s.readCart(ctx, tx, c, cartID, true)
			if err != nil {
				return err
			}
			if cart.Status != CartOpen {
				return fault.Conflict("cart %s is %s: it can no longer change", cartID, strings.ReplaceAll(cart.Status, "_", " "))
			}
			now := s.clock.Now()
			if err := fn(tx, cart, now); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE carts SET updated_at = ? WHERE id = ?`, now, cart.ID)
			return err
		})
	})
	if err != nil {
		return CartView{}, err
	}
	return s.Cart(ctx, c, cartID)
}

// Optional is a JSON field that may be absent (Set false), null (Value nil)
// or a value.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON decodes a value strictly (unknown fields refused) or null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(bytes.TrimSpace(b)) == "null" {
		o.Value = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v T
	if err := dec.Decode(&v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// CartPatch changes a cart's gift details; absent fields stay as they are. A
// null recipient removes it.
type CartPatch struct {
	Email       *string             `json:"email"`
	GiftMessage *string             `json:"gift_message"`
	Recipient   Optional[Recipient] `json:"recipient"`
}

// UpdateCart applies p to the caller's open cart.
func (s *Store) UpdateCart(ctx context.Context, c Caller, cartID string, p CartPatch) (CartView, error) {
	var f fault.Fields
	var email, message *string
	if p.Email != nil {
		e := strings.TrimSpace(*p.Email)
		f.Check(e == "" || validEmail(e), "email", "must be an email address")
		email = &e
	}
	if p.GiftMessage != nil {
		m := strings.TrimSpace(*p.GiftMessage)
		checkMessage(&f, "gift_message", m)
		message = &m
	}
	var recipient *Recipient
	if p.Recipient.Value != nil {
		r := p.Recipient.Value.normalize()
		r.validate(&f, "recipient", today(s.clock.Now()))
		recipient = &r
	}
	if err := f.Err(); err != nil {
		return CartView{}, err
	}
	return s.editCart(ctx, c, cartID, func(tx *sqlx.Tx, cart cartRow, now time.Time) error {
		if email != nil {
			cart.Email = *email
		}
		if message != nil {
			cart.GiftMessage = *message
		}
		if p.Recipient.Set {
			rj, err := recipientJSON(recipient)
			if err != nil {
				return err
			}
			cart.RecipientJSON = rj
		}
		_, err := tx.ExecContext(ctx, `UPDATE carts SET email = ?, gift_message = ?, recipient_json = ? WHERE id = ?`,
			cart.Email, cart.GiftMessage, cart.RecipientJSON, cart.ID)
		return err
	})
}

// LineInput adds an item to a cart: a variant or a bundle (exactly one), a
// quantity, and optionally a recipient and gift message of the line's own.
type LineInput struct {
	VariantID   string     `json:"variant_id"`
	BundleID    string     `json:"bundle_id"`
	Quantity    int        `json:"quantity"`
	GiftMessage string     `json:"gift_message"`
	Recipient   *Recipient `json:"recipient"`
}

// lineGift checks and normalises a line's own recipient and message, and
// returns its recipient key ("" when the cart's apply).
func (s *Store) lineGift(f *fault.Fields, r *Recipient, message string) (*Recipient, string, string) {
	message = strings.TrimSpace(message)
	checkMessage(f, "gift_message", message)
	if r != nil {
		n := r.normalize()
		n.validate(f, "recipient", today(s.clock.Now()))
		r = &n
	}
	if r == nil && message == "" {
		return nil, message, ""
	}
	return r, message, giftKey(r, message)
}

// item is what a line names, as the catalog has it now.
type item struct {
	price money.Money
	needs []catalog.ReserveItem // units of each variant per one of the item
	avail map[string]int
	title map[string]string
}

// saleable looks up a variant or bundle a buyer may add now: visible (every
// part, for a bundle) and, for a bundle, active. Anything else is not found,
// exactly as an id that does not exist.
func (s *Store) saleable(ctx context.Context, tx *sqlx.Tx, variantID, bundleID string) (item, error) {
	it := item{avail: map[string]int{}, title: map[string]string{}}
	ids := []string{variantID}
	if bundleID != "" {
		bs, err := s.catalog.PurchasableBundles(ctx, tx, []string{bundleID})
		if err != nil {
			return it, err
		}
		b, ok := bs[bundleID]
		if !ok || !b.Active || len(b.Parts) == 0 {
			return it, fault.NotFound("bundle %s is not for sale", bundleID)
		}
		it.price = b.Price
		ids = ids[:0]
		for _, p := range b.Parts {
			ids = append(ids, p.VariantID)
			it.needs = append(it.needs, catalog.ReserveItem{VariantID: p.VariantID, Quantity: p.Quantity})
		}
	}
	ps, err := s.catalog.Purchasables(ctx, tx, ids)
	if err != nil {
		return it, err
	}
	for _, vid := range ids {
		p, ok := ps[vid]
		if !ok || !p.Visible {
			if bundleID != "" {
				return it, fault.NotFound("bundle %s is not for sale", bundleID)
			}
			return it, fault.NotFound("variant %s is not for sale", variantID)
		}
		it.avail[vid], it.title[vid] = p.Available, displayTitle(p.Title, p.VariantTitle)
	}
	if bundleID == "" {
		p := ps[variantID]
		it.price = p.Price
		it.needs = []catalog.ReserveItem{{VariantID: variantID, Quantity: 1}}
	}
	return it, nil
}

// checkStock refuses q of it when the catalog has fewer free now than the
// cart would want, counting what the cart's other lines want of the same
// variants.
func (it item) checkStock(q int, others map[string]int) error {
	for _, n := range it.needs {
		have, want := it.avail[n.VariantID], n.Quantity*q+others[n.VariantID]
		if want <= have {
			continue
		}
		if have < n.Quantity {
			return fault.Conflict("%s is out of stock", it.title[n.VariantID])
		}
		return fault.Conflict("%s: only %d left, %d wanted", it.title[n.VariantID], have, want)
	}
	return nil
}

// otherDemand is what the cart's lines other than lineID want of each
// variant, bundles expanded.
func (s *Store) otherDemand(ctx context.Context, tx *sqlx.Tx, cartID, lineID string) (map[string]int, error) {
	lines, err := readLines(ctx, tx, cartID)
	if err != nil {
		return nil, err
	}
	var bundleIDs []string
	for _, l := range lines {
		if l.BundleID != nil && l.ID != lineID {
			bundleIDs = append(bundleIDs, *l.BundleID)
		}
	}
	bundles, err := s.catalog.PurchasableBundles(ctx, tx, bundleIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, l := range lines {
		switch {
		case l.ID == lineID:
		case l.VariantID != nil:
			out[*l.VariantID] += l.Quantity
		default:
			for _, p := range bundles[*l.BundleID].Parts {
				out[p.VariantID] += p.Quantity * l.Quantity
			}
		}
	}
	return out, nil
}

func displayTitle(product, variant string) string {
	if variant == "" || variant == "Default Title" {
		return product
	}
	return product + " (" + variant + ")"
}

// AddLine adds an item to the caller's open cart. The same item for the same
// recipient and message adds to its line. The item must be for sale and in
// stock for the line's whole quantity; the cart keeps one currency.
func (s *Store) AddLine(ctx context.Context, c Caller, cartID string, in LineInput) (CartView, error) {
	var f fault.Fields
	in.VariantID, in.BundleID = strings.TrimSpace(in.VariantID), strings.TrimSpace(in.BundleID)
	f.Check((in.VariantID == "") != (in.BundleID == ""), "variant_id", "give a variant_id or a bundle_id, not both")
	f.Check(in.Quantity >= 1 && in.Quantity <= maxQuantity, "quantity", "must be from 1 to %d", maxQuantity)
	recipient, message, key := s.lineGift(&f, in.Recipient, in.GiftMessage)
	if err := f.Err(); err != nil {
		return CartView{}, err
	}
	ref := in.VariantID + in.BundleID
	return s.editCart(ctx, c, cartID, func(tx *sqlx.Tx, cart cartRow, now time.Time) error {
		it, err := s.saleable(ctx, tx, in.VariantID, in.BundleID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM cart_lines WHERE cart_id = ?`, cart.ID); err != nil {
			return err
		}
		if n > 0 && cart.Currency != nil && *cart.Currency != it.price.Currency {
			return fault.Conflict("this item is priced in %s and the cart in %s: one payment has one currency", it.price.Currency, *cart.Currency)
		}
		var cur lineRow
		err = tx.GetContext(ctx, &cur, `SELECT `+lineColumns+` FROM cart_lines WHERE cart_id = ? AND item_ref = ? AND recipient_key = ?`,
			cart.ID, ref, key)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		q := in.Quantity + cur.Quantity
		if q > maxQuantity {
			return fault.Invalid("a line holds at most %d; this one would hold %d", maxQuantity, q)
		}
		others, err := s.otherDemand(ctx, tx, cart.ID, cur.ID)
		if err != nil {
			return err
		}
		if err := it.checkStock(q, others); err != nil {
			return err
		}
		if found {
			// The buyer sees today's price when adding more: it becomes the seen one.
			if _, err := tx.ExecContext(ctx, `UPDATE cart_lines SET quantity = ?, seen_price_amount = ?, seen_price_currency = ?,
				updated_at = ? WHERE id = ?`, q, it.price.Amount, it.price.Currency, now, cur.ID); err != nil {
				return fmt.Errorf("orders: update line: %w", err)
			}
		} else {
			if n >= maxLines {
				return fault.Conflict("a cart holds at most %d lines", maxLines)
			}
			rj, err := recipientJSON(recipient)
			if err != nil {
				return err
			}
			const qi = `INSERT INTO cart_lines (id, cart_id, item_ref, variant_id, bundle_id, quantity, recipient_key, recipient_json,
				gift_message, seen_price_amount, seen_price_currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
			if _, err := tx.ExecContext(ctx, qi, id.New("cln"), cart.ID, ref, nullString(in.VariantID), nullString(in.BundleID), q, key, rj,
				message, it.price.Amount, it.price.Currency, now, now); err != nil {
				return fmt.Errorf("orders: insert line: %w", err)
			}
		}
		if _, err = tx.ExecContext(ctx, `UPDATE carts SET currency = ? WHERE id = ?`, it.price.Currency, cart.ID); err != nil {
			return err
		}
		return s.checkTotal(ctx, tx, c, cart.ID, "quantity")
	})
}

// checkTotal refuses (invalid, naming field) a change that leaves the cart's
// total, or one line's, past what one payment can be (money.MaxAmount). It
// runs in the edit's transaction after the write, pricing the cart as it now
// is, so a refusal rolls the change back; the buyer hears it here rather than
// from Stripe at checkout.
func (s *Store) checkTotal(ctx context.Context, tx *sqlx.Tx, c Caller, cartID, field string) error {
	cart, err := s.readCart(ctx, tx, c, cartID, false)
	if err != nil {
		return err
	}
	lines, err := readLines(ctx, tx, cartID)
	if err != nil {
		return err
	}
	pc, err := s.price(ctx, tx, c, cart, lines)
	if err != nil {
		return err
	}
	problems := pc.view.Problems
	for _, l := range pc.view.Lines {
		problems = append(problems, l.Problems...)
	}
	for _, p := range problems {
		if p.Code == ProblemTotalTooLarge {
			var f fault.Fields
			f.Add(field, "%s", p.Message)
			return f.Err()
		}
	}
	return nil
}

// LinePatch changes a line; absent fields stay as they are. An empty gift
// message or a null recipient makes the cart's apply to the line.
type LinePatch struct {
	Quantity    *int                `json:"quantity"`
	GiftMessage *string             `json:"gift_message"`
	Recipient   Optional[Recipient] `json:"recipient"`
}

// UpdateLine applies p to a line of the caller's open cart. A larger quantity
// must be in stock. The line's price as seen becomes today's: the buyer acted
// on a cart showing it.
func (s *Store) UpdateLine(ctx context.Context, c Caller, cartID, lineID string, p LinePatch) (CartView, error) {
	var f fault.Fields
	if p.Quantity != nil {
		f.Check(*p.Quantity >= 1 && *p.Quantity <= maxQuantity, "quantity", "must be from 1 to %d (remove the line to drop it)", maxQuantity)
	}
	if p.GiftMessage != nil {
		checkMessage(&f, "gift_message", strings.TrimSpace(*p.GiftMessage))
	}
	if p.Recipient.Value != nil {
		r := p.Recipient.Value.normalize()
		r.validate(&f, "recipient", today(s.clock.Now()))
	}
	if err := f.Err(); err != nil {
		return CartView{}, err
	}
	return s.editCart(ctx, c, cartID, func(tx *sqlx.Tx, cart cartRow, now time.Time) error {
		var cur lineRow
		err := tx.GetContext(ctx, &cur, `SELECT `+lineColumns+` FROM cart_lines WHERE id = ? AND cart_id = ?`, lineID, cart.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.NotFound("line %s not found in cart %s", lineID, cartID)
		}
		if err != nil {
			return err
		}
		recipient, message := parseRecipient(cur.RecipientJSON), cur.GiftMessage
		if p.Recipient.Set {
			recipient = p.Recipient.Value
		}
		if p.GiftMessage != nil {
			message = *p.GiftMessage
		}
		var ff fault.Fields
		recipient, message, key := s.lineGift(&ff, recipient, message)
		q := cur.Quantity
		if p.Quantity != nil {
			q = *p.Quantity
		}
		variantID, bundleID := deref(cur.VariantID), deref(cur.BundleID)
		price := money.Money{Amount: cur.SeenAmount, Currency: cur.SeenCurrency}
		if it, err := s.saleable(ctx, tx, variantID, bundleID); err == nil {
			if q > cur.Quantity {
				others, err := s.otherDemand(ctx, tx, cart.ID, cur.ID)
				if err != nil {
					return err
				}
				if err := it.checkStock(q, others); err != nil {
					return err
				}
			}
			price = it.price
		} else if !fault.Is(err, fault.KindNotFound) {
			return err
		} else if q > cur.Quantity {
			return fault.Conflict("this item is no longer for sale: you can only lower its quantity or remove it")
		}
		rj, err := recipientJSON(recipient)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE cart_lines SET quantity = ?, recipient_key = ?, recipient_json = ?, gift_message = ?,
			seen_price_amount = ?, seen_price_currency = ?, updated_at = ? WHERE id = ?`,
			q, key, rj, message, price.Amount, price.Currency, now, cur.ID)
		if db.IsDuplicate(err) {
			return fault.Conflict("another line already holds this item for this recipient and message: change that line's quantity")
		}
		if err != nil || q <= cur.Quantity {
			return err // a lower quantity is always allowed: it is how a buyer fixes a cart that is too large
		}
		return s.checkTotal(ctx, tx, c, cart.ID, "quantity")
	})
}

// RemoveLine deletes a line of the caller's open cart.
func (s *Store) RemoveLine(ctx context.Context, c Caller, cartID, lineID string) (CartView, error) {
	return s.editCart(ctx, c, cartID, func(tx *sqlx.Tx, cart cartRow, now time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM cart_lines WHERE id = ? AND cart_id = ?`, lineID, cart.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.NotFound("line %s not found in cart %s", lineID, cartID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE carts SET currency = NULL WHERE id = ? AND NOT EXISTS (SELECT 1 FROM cart_lines WHERE cart_id = ?)`,
			cart.ID, cart.ID)
		return err
	})
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pricedLine is a cart line with what the catalog says of it now.
type pricedLine struct {
	row     lineRow
	view    LineView
	variant catalog.Purchasable   // variant lines
	parts   []catalog.Purchasable // bundle lines, in the bundle's order
	perOne  []catalog.BundlePart  // bundle lines: units of each part per bundle
	// recipient and message are the line's own (nil / "" when the cart's apply).
	recipient *Recipient
	message   string
}

// pricedCart is a cart priced now.
type pricedCart struct {
	cart      cartRow
	recipient *Recipient
	view      CartView
	lines     []pricedLine
}

// price prices the cart's lines from the catalog now, read through q, and finds
// every problem that would stop checkout.
func (s *Store) price(ctx context.Context, q sqlx.QueryerContext, c Caller, cart cartRow, lines []lineRow) (*pricedCart, error) {
	pc := &pricedCart{cart: cart, recipient: parseRecipient(cart.RecipientJSON)}
	pc.view = CartView{ID: cart.ID, Status: cart.Status, Currency: cart.Currency, Email: cart.Email, GiftMessage: cart.GiftMessage,
		Recipient: pc.recipient, Lines: []LineView{}, Problems: []Problem{}, CreatedAt: cart.CreatedAt, UpdatedAt: cart.UpdatedAt}

	var variantIDs, bundleIDs []string
	for _, l := range lines {
		if l.VariantID != nil {
			variantIDs = append(variantIDs, *l.VariantID)
		} else {
			bundleIDs = append(bundleIDs, *l.BundleID)
		}
	}
	bundles, err := s.catalog.PurchasableBundles(ctx, q, bundleIDs)
	if err != nil {
		return nil, err
	}
	for _, b := range bundles {
		for _, p := range b.Parts {
			variantIDs = append(variantIDs, p.VariantID)
		}
	}
	vs, err := s.catalog.Purchasables(ctx, q, variantIDs)
	if err != nil {
		return nil, err
	}
	// What the whole cart wants of each variant: a bundle part and a single
	// line of the same variant draw on the same stock.
	demand := map[string]int{}
	for _, l := range lines {
		if l.VariantID != nil {
			demand[*l.VariantID] += l.Quantity
		} else if b, ok := bundles[*l.BundleID]; ok {
			for _, p := range b.Parts {
				demand[p.VariantID] += p.Quantity * l.Quantity
			}
		}
	}
	currency := deref(cart.Currency)
	var subtotal *money.Money
	var sum money.Tally
	usesCartGift := false
	for _, l := range lines {
		pl := s.priceLine(l, vs, bundles, demand, currency)
		pc.view.ItemCount += l.Quantity
		if pl.recipient == nil {
			usesCartGift = true
		} else {
			for _, m := range pl.recipient.missing() {
				pl.view.Problems = append(pl.view.Problems, Problem{Code: ProblemRecipientIncomplete, Field: "recipient." + m,
					Message: fmt.Sprintf("the recipient's %s is required", strings.ReplaceAll(m, "_", " "))})
			}
			pl.view.Problems = append(pl.view.Problems, s.deliveryProblems(pl.recipient)...)
		}
		if pl.view.LineTotal != nil {
			if subtotal == nil {
				subtotal = &money.Money{Currency: pl.view.LineTotal.Currency}
			}
			sum.Add(pl.view.LineTotal.Amount) // line totals are all in the cart's currency
		}
		pc.lines = append(pc.lines, pl)
		pc.view.Lines = append(pc.view.Lines, pl.view)
	}
	if subtotal != nil {
		// Past money.MaxAmount the cart cannot be one payment: a problem
		// that stops checkout (and a subtotal of null when it does not even
		// fit an int64), never a wrapped figure.
		total, err := sum.Total()
		switch {
		case err != nil:
			pc.view.Problems = append(pc.view.Problems, Problem{Code: ProblemTotalTooLarge, Field: "lines",
				Message: tooLarge("the cart's total", nil, subtotal.Currency) + ": lower a quantity or remove a line"})
			subtotal = nil
		case total > money.MaxAmount:
			subtotal.Amount = total
			pc.view.Problems = append(pc.view.Problems, Problem{Code: ProblemTotalTooLarge, Field: "lines",
				Message: tooLarge("the cart's total", subtotal, subtotal.Currency) + ": lower a quantity or remove a line"})
		default:
			subtotal.Amount = total
		}
	}
	pc.view.Subtotal = subtotal

	// The cart's own problems.
	p := &pc.view.Problems
	if len(lines) == 0 {
		*p = append(*p, Problem{Code: ProblemEmpty, Message: "the cart is empty"})
	}
	if c.UserID == "" && cart.Email == "" {
		*p = append(*p, Problem{Code: ProblemEmailRequired, Field: "email", Message: "give an email address for the receipt and order updates"})
	}
	if usesCartGift {
		if pc.recipient == nil {
			*p = append(*p, Problem{Code: ProblemRecipientIncomplete, Field: "recipient",
				Message: "say who receives the gift: a recipient for the cart, or one on each line"})
		} else {
			for _, m := range pc.recipient.missing() {
				*p = append(*p, Problem{Code: ProblemRecipientIncomplete, Field: "recipient." + m,
					Message: fmt.Sprintf("the recipient's %s is required", strings.ReplaceAll(m, "_", " "))})
			}
			*p = append(*p, s.deliveryProblems(pc.recipient)...)
		}
	}
	pc.view.ReadyForCheckout = cart.Status == CartOpen && !pc.blocked()
	if cart.Status != CartOpen {
		// Closed: nothing to fix (and its own hold would read as a shortage).
		pc.view.Problems = []Problem{}
		for i := range pc.view.Lines {
			pc.view.Lines[i].Problems = []Problem{}
		}
	}
	return pc, nil
}

func (s *Store) deliveryProblems(r *Recipient) []Problem {
	if r.DeliveryDate == "" {
		return nil
	}
	d, err := time.Parse(time.DateOnly, r.DeliveryDate)
	if err == nil && !d.Before(today(s.clock.Now())) {
		return nil
	}
	return []Problem{{Code: ProblemDeliveryDatePast, Field: "recipient.delivery_date", Message: "the delivery date has passed: choose another"}}
}

// priceLine prices one line against the catalog now.
func (s *Store) priceLine(l lineRow, vs map[string]catalog.Purchasable, bundles map[string]catalog.PurchasableBundle,
	demand map[string]int, currency string) pricedLine {
	seen := money.Money{Amount: l.SeenAmount, Currency: l.SeenCurrency}
	pl := pricedLine{row: l, recipient: parseRecipient(l.RecipientJSON), message: l.GiftMessage}
	v := LineView{ID: l.ID, Quantity: l.Quantity, VariantID: l.VariantID, BundleID: l.BundleID, Parts: []PartView{},
		PriceWhenAdded: seen, GiftMessage: l.GiftMessage, Recipient: pl.recipient, Problems: []Problem{}}
	notForSale := func(msg string) {
		v.Problems = append(v.Problems, Problem{Code: ProblemNotAvailable, Message: msg})
	}
	var price *money.Money
	stock := func(p catalog.Purchasable, perOne int) {
		name := displayTitle(p.Title, p.VariantTitle)
		switch {
		case p.Available < perOne:
			v.Problems = append(v.Problems, Problem{Code: ProblemOutOfStock, Message: name + " is out of stock"})
		case demand[p.VariantID] > p.Available:
			msg := fmt.Sprintf("only %d of %s left", p.Available, name)
			if perOne*l.Quantity <= p.Available {
				msg += ", fewer than the lines of your cart that use it want together"
			}
			v.Problems = append(v.Problems, Problem{Code: ProblemInsufficientStock, Message: msg})
		}
	}
	if l.VariantID != nil {
		v.Kind = KindVariant
		p, ok := vs[*l.VariantID]
		if ok {
			pl.variant = p
			v.ProductID, v.Title, v.VariantTitle, v.ImageURL = &p.ProductID, p.Title, p.VariantTitle, p.ImageURL
			vendor := p.Vendor
			v.Vendor = &vendor
		}
		switch {
		case !ok || !p.Visible:
			notForSale("this item is no longer for sale")
		default:
			price = &p.Price
			v.Available = p.Available
			stock(p, 1)
		}
	} else {
		v.Kind = KindBundle
		b, ok := bundles[*l.BundleID]
		if ok {
			v.Title, v.ImageURL = b.Name, b.ImageURL
		}
		sellable := ok && b.Active && len(b.Parts) > 0
		if sellable {
			v.Available = maxQuantity
			for _, part := range b.Parts {
				p, found := vs[part.VariantID]
				if !found || !p.Visible {
					sellable = false
					continue
				}
				pl.parts = append(pl.parts, p)
				pl.perOne = append(pl.perOne, part)
				v.Parts = append(v.Parts, PartView{VariantID: p.VariantID, ProductID: p.ProductID, Title: p.Title,
					VariantTitle: p.VariantTitle, Vendor: p.Vendor, Quantity: part.Quantity})
				v.Available = min(v.Available, p.Available/part.Quantity)
			}
		}
		if !sellable {
			v.Available = 0
			notForSale("this bundle is no longer for sale")
		} else {
			price = &b.Price
			for i, p := range pl.parts {
				stock(p, pl.perOne[i].Quantity)
			}
		}
	}
	if price != nil {
		if currency != "" && price.Currency != currency {
			v.Problems = append(v.Problems, Problem{Code: ProblemCurrencyMismatch,
				Message: fmt.Sprintf("now priced in %s, and the cart is in %s: remove it", price.Currency, currency)})
		} else if total, err := mul(price.Amount, l.Quantity); err == nil {
			unit := *price
			v.UnitPrice, v.LineTotal = &unit, &money.Money{Amount: total, Currency: price.Currency}
		} else {
			v.Problems = append(v.Problems, Problem{Code: ProblemTotalTooLarge, Field: "quantity",
				Message: tooLarge("this line's total", nil, price.Currency) + ": lower the quantity"})
		}
		if *price != seen {
			v.Problems = append(v.Problems, Problem{Code: ProblemPriceChanged,
				Message: fmt.Sprintf("the price changed from %s to %s since you added it", seen, *price)})
		}
	}
	pl.view = v
	return pl
}

// blocked reports whether anything stops checkout.
func (pc *pricedCart) blocked() bool {
	for _, p := range pc.view.Problems {
		if p.blocking() {
			return true
		}
	}
	for _, l := range pc.view.Lines {
		for _, p := range l.Problems {
			if p.blocking() {
				return true
			}
		}
	}
	return false
}

// checkoutError is the error that stops checkout, or nil: a conflict (409)
// when items are not for sale, out of stock or in another currency, else
// invalid (400) with a field per missing detail.
func (pc *pricedCart) checkoutError() error {
	var goods []string
	var f fault.Fields
	for _, p := range pc.view.Problems {
		switch {
		case p.Code == ProblemEmpty:
			return fault.Conflict("the cart is empty")
		case p.blocking():
			f.Add(p.Field, "%s", p.Message)
		}
	}
	for i, l := range pc.view.Lines {
		for _, p := range l.Problems {
			switch p.Code {
			case ProblemPriceChanged:
			case ProblemOutOfStock, ProblemInsufficientStock: // the message names the item
				goods = append(goods, p.Message)
			case ProblemNotAvailable, ProblemCurrencyMismatch:
				name := l.Title
				if l.VariantTitle != "" && l.VariantTitle != "Default Title" {
					name += " (" + l.VariantTitle + ")"
				}
				goods = append(goods, name+": "+p.Message)
			default:
				f.Add(fmt.Sprintf("lines[%d].%s", i, p.Field), "%s", p.Message)
			}
		}
	}
	if len(goods) > 0 {
		return fault.Conflict("some items cannot be bought now: %s", strings.Join(goods, "; "))
	}
	return f.Err()
}
