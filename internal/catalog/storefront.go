package catalog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

// visibleSQL is THE storefront rule, over products p, vendors ven and a LEFT
// JOIN of shopify_connections sc: listed by the vendor, not hidden by an
// operator, active in Shopify and not deleted, with at least one live variant
// (so a price), of an active vendor whose store is connected. Everything the
// public sees goes through it: lists, detail, bundles.
const visibleSQL = `(p.listed AND NOT p.hidden_by_operator AND p.status = 'active' AND p.deleted_at IS NULL
	AND p.price_min_amount IS NOT NULL AND ven.status = 'active' AND sc.status <=> 'connected')`

const storeFrom = ` FROM products p
	JOIN vendors ven ON ven.id = p.vendor_id
	LEFT JOIN shopify_connections sc ON sc.vendor_id = p.vendor_id`

// Storefront sorts.
const (
	SortNewest    = "newest"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortTitle     = "title"
)

// Storefront page sizes.
const (
	DefaultStoreLimit = 24
	MaxStoreLimit     = 100
)

// StoreQuery is a storefront product search.
type StoreQuery struct {
	Category string // one of Categories
	Vendor   string // vendor slug
	Currency string // only products priced in it
	// MinPrice and MaxPrice (minor units, inclusive) match products with a live
	// variant priced within them; with InStock, a variant that is also in stock.
	MinPrice *int64
	MaxPrice *int64
	InStock  bool
	Q        string // words, each matched against title, description and tags
	Sort     string // newest (default), price_asc, price_desc, title
	Cursor   string // next_cursor of the previous page, same sort
	Limit    int    // 1-100; 0 means 24
}

// StoreVendor is the vendor of a storefront product.
type StoreVendor struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// StoreProduct is a product as buyers see it.
type StoreProduct struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	ImageURL    string         `json:"image_url"`
	Category    string         `json:"category"`
	Tags        []string       `json:"tags"` // the vendor's gifting tags
	GiftReady   bool           `json:"gift_ready"`
	Vendor      StoreVendor    `json:"vendor"`
	PriceMin    money.Money    `json:"price_min"`
	PriceMax    money.Money    `json:"price_max"`
	InStock     bool           `json:"in_stock"`
	Variants    []StoreVariant `json:"variants,omitempty"` // detail only
}

// StoreVariant is a live variant as buyers see it.
type StoreVariant struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	SKU       string      `json:"sku"`
	Price     money.Money `json:"price"`
	Available int         `json:"available"`
}

// StorePage is one page of storefront products.
type StorePage struct {
	Products   []StoreProduct `json:"products"`
	NextCursor string         `json:"next_cursor"` // "" on the last page
}

type storeRow struct {
	ID            string    `db:"id"`
	Title         string    `db:"title"`
	Description   string    `db:"description"`
	ImageURL      string    `db:"image_url"`
	Category      string    `db:"category"`
	GiftTags      string    `db:"gift_tags"`
	GiftReady     bool      `db:"gift_ready"`
	PriceMin      int64     `db:"price_min_amount"`
	PriceMax      int64     `db:"price_max_amount"`
	PriceCurrency string    `db:"price_currency"`
	CreatedAt     time.Time `db:"created_at"`
	VendorSlug    string    `db:"vendor_slug"`
	VendorName    string    `db:"vendor_name"`
	InStock       bool      `db:"in_stock"`
}

const storeColumns = `p.id, p.title, p.description, p.image_url, p.category, p.gift_tags, p.gift_ready,
	p.price_min_amount, p.price_max_amount, p.price_currency, p.created_at, ven.slug AS vendor_slug, ven.name AS vendor_name,
	EXISTS (SELECT 1 FROM variants iv WHERE iv.product_id = p.id AND iv.deleted_at IS NULL AND iv.stock_on_hand - iv.reserved > 0) AS in_stock`

func (r storeRow) product() StoreProduct {
	return StoreProduct{
		ID: r.ID, Title: r.Title, Description: r.Description, ImageURL: r.ImageURL, Category: r.Category,
		Tags: unmarshalTags(r.GiftTags), GiftReady: r.GiftReady, Vendor: StoreVendor{Slug: r.VendorSlug, Name: r.VendorName},
		PriceMin: money.Money{Amount: r.PriceMin, Currency: r.PriceCurrency},
		PriceMax: money.Money{Amount: r.PriceMax, Currency: r.PriceCurrency}, InStock: r.InStock,
	}
}

// sortSpec is how one storefront sort orders and resumes: ORDER BY, and the
// keyset condition "after the cursor's (key, id)".
type sortSpec struct {
	orderBy string
	after   string // placeholders: key, key, id
	key     func(storeRow) string
	parse   func(string) (any, error)
}

func sortSpecs(name string) (sortSpec, bool) {
	parseInt := func(s string) (any, error) { return strconv.ParseInt(s, 10, 64) }
	switch name {
	case SortNewest:
		return sortSpec{`p.created_at DESC, p.id DESC`, `(p.created_at < ? OR (p.created_at = ? AND p.id < ?))`,
			func(r storeRow) string { return r.CreatedAt.UTC().Format(time.RFC3339Nano) },
			func(s string) (any, error) { return time.Parse(time.RFC3339Nano, s) }}, true
	case SortPriceAsc:
		return sortSpec{`p.price_min_amount ASC, p.id ASC`, `(p.price_min_amount > ? OR (p.price_min_amount = ? AND p.id > ?))`,
			func(r storeRow) string { return strconv.FormatInt(r.PriceMin, 10) }, parseInt}, true
	case SortPriceDesc:
		return sortSpec{`p.price_min_amount DESC, p.id DESC`, `(p.price_min_amount < ? OR (p.price_min_amount = ? AND p.id < ?))`,
			func(r storeRow) string { return strconv.FormatInt(r.PriceMin, 10) }, parseInt}, true
	case SortTitle:
		// Compared in the column's collation, as ORDER BY sorts: ties in it
		// ("Mug", "mug") fall to the id.
		return sortSpec{`p.title ASC, p.id ASC`, `(p.title > ? OR (p.title = ? AND p.id > ?))`,
			func(r storeRow) string { return r.Title }, func(s string) (any, error) { return s, nil }}, true
	}
	return sortSpec{}, false
}

// StoreProducts lists visible products: filtered, searched, sorted, a page at
// a time.
func (s *Store) StoreProducts(ctx context.Context, sq StoreQuery) (StorePage, error) {
	var fe fault.Fields
	if sq.Sort == "" {
		sq.Sort = SortNewest
	}
	if sq.Limit == 0 {
		sq.Limit = DefaultStoreLimit
	}
	spec, ok := sortSpecs(sq.Sort)
	fe.Check(ok, "sort", "must be newest, price_asc, price_desc or title")
	fe.Check(sq.Limit >= 1 && sq.Limit <= MaxStoreLimit, "limit", "must be from 1 to %d", MaxStoreLimit)
	fe.Check(sq.Category == "" || ValidCategory(sq.Category), "category", "is not a category (GET /api/v1/store/categories lists them)")
	fe.Check(sq.Currency == "" || money.ValidCurrency(sq.Currency), "currency", "must be an ISO 4217 code such as USD")
	fe.Check(sq.MinPrice == nil || *sq.MinPrice >= 0, "min_price", "must not be negative")
	fe.Check(sq.MaxPrice == nil || *sq.MaxPrice >= 0, "max_price", "must not be negative")
	fe.Check(sq.MinPrice == nil || sq.MaxPrice == nil || *sq.MinPrice <= *sq.MaxPrice, "max_price", "must not be below min_price")
	fe.Check(utf8.RuneCountInString(sq.Q) <= 200, "q", "must be at most 200 characters")
	var afterKey any
	var afterID string
	if sq.Cursor != "" && ok {
		c, err := decodeCursor(sq.Cursor, sq.Sort)
		if err == nil {
			afterKey, err = spec.parse(c.Key)
		}
		if err != nil {
			fe.Add("cursor", "%s", err.Error())
		}
		afterID = c.ID
	}
	if err := fe.Err(); err != nil {
		return StorePage{}, err
	}

	q := `SELECT ` + storeColumns + storeFrom + ` WHERE ` + visibleSQL
	var args []any
	if sq.Category != "" {
		q += ` AND p.category = ?`
		args = append(args, sq.Category)
	}
	if sq.Vendor != "" {
		q += ` AND ven.slug = ?`
		args = append(args, sq.Vendor)
	}
	if sq.Currency != "" {
		q += ` AND p.price_currency = ?`
		args = append(args, sq.Currency)
	}
	if sq.MinPrice != nil || sq.MaxPrice != nil || sq.InStock {
		// One live variant must meet every variant-level filter.
		q += ` AND EXISTS (SELECT 1 FROM variants fv WHERE fv.product_id = p.id AND fv.deleted_at IS NULL`
		if sq.MinPrice != nil {
			q += ` AND fv.price_amount >= ?`
			args = append(args, *sq.MinPrice)
		}
		if sq.MaxPrice != nil {
			q += ` AND fv.price_amount <= ?`
			args = append(args, *sq.MaxPrice)
		}
		if sq.InStock {
			q += ` AND fv.stock_on_hand - fv.reserved > 0`
		}
		q += `)`
	}
	if sq.Q != "" {
		fullText, likes := searchTerms(sq.Q)
		if fullText != "" {
			q += ` AND MATCH (p.title, p.description, p.tags, p.gift_tags) AGAINST (? IN BOOLEAN MODE)`
			args = append(args, fullText)
		}
		for _, t := range likes {
			pat := "%" + escapeLike(t) + "%"
			q += ` AND (p.title LIKE ? OR p.description LIKE ? OR p.tags LIKE ? OR p.gift_tags LIKE ?)`
			args = append(args, pat, pat, pat, pat)
		}
	}
	if afterID != "" {
		q += ` AND ` + spec.after
		args = append(args, afterKey, afterKey, afterID)
	}
	q += ` ORDER BY ` + spec.orderBy + ` LIMIT ?`
	args = append(args, sq.Limit+1)

	var rows []storeRow
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return StorePage{}, fmt.Errorf("catalog: storefront list: %w", err)
	}
	page := StorePage{Products: make([]StoreProduct, 0, len(rows))}
	if len(rows) > sq.Limit {
		rows = rows[:sq.Limit]
		last := rows[len(rows)-1]
		page.NextCursor = encodeCursor(cursor{Sort: sq.Sort, Key: spec.key(last), ID: last.ID})
	}
	for _, r := range rows {
		page.Products = append(page.Products, r.product())
	}
	return page, nil
}

// StoreProduct returns a visible product with its live variants; any other
// product is not found.
func (s *Store) StoreProduct(ctx context.Context, productID string) (StoreProduct, error) {
	var row storeRow
	err := s.db.GetContext(ctx, &row, `SELECT `+storeColumns+storeFrom+` WHERE p.id = ? AND `+visibleSQL, productID)
	if errors.Is(err, sql.ErrNoRows) {
		return StoreProduct{}, fault.NotFound("product %s not found", productID)
	}
	if err != nil {
		return StoreProduct{}, fmt.Errorf("catalog: storefront product: %w", err)
	}
	out := row.product()
	var vs []variantRow
	// Buyers see what is free to sell: stock held by unpaid checkouts is not.
	storeColumns := strings.Replace(variantColumns, "v.stock_on_hand", "GREATEST(v.stock_on_hand - v.reserved, 0) AS stock_on_hand", 1)
	if err := s.db.SelectContext(ctx, &vs, `SELECT `+storeColumns+` FROM variants v
		WHERE v.product_id = ? AND v.deleted_at IS NULL ORDER BY v.created_at, v.id`, productID); err != nil {
		return StoreProduct{}, fmt.Errorf("catalog: storefront variants: %w", err)
	}
	out.Variants = make([]StoreVariant, len(vs))
	for i, v := range vs {
		out.Variants[i] = StoreVariant{ID: v.ID, Title: v.Title, SKU: v.SKU,
			Price: money.Money{Amount: v.PriceAmount, Currency: v.PriceCurrency}, Available: v.StockOnHand}
	}
	return out, nil
}

// cursor is what an opaque page cursor holds: the sort it belongs to, the
// last row's sort key and id.
type cursor struct {
	Sort string `json:"s"`
	Key  string `json:"k,omitempty"`
	ID   string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sort string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return cursor{}, errors.New("is not a cursor from this API")
	}
	if c.Sort != sort {
		return cursor{}, fmt.Errorf("belongs to sort %q, not %q: start again without a cursor", c.Sort, sort)
	}
	return c, nil
}

// InnoDB's FULLTEXT index (MySQL 8 and MariaDB alike) skips words shorter than
// innodb_ft_min_token_size (3) or longer than innodb_ft_max_token_size (84),
// and these default stopwords; a required term it skipped would match
// nothing, so such terms are matched with LIKE instead.
const (
	ftMinToken = 3
	ftMaxToken = 84
	maxTerms   = 8
)

func ftStopword(w string) bool {
	switch w {
	case "a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how", "i", "in", "is", "it",
		"la", "of", "on", "or", "that", "the", "this", "to", "und", "was", "what", "when", "where", "who", "will", "with", "www":
		return true
	}
	return false
}

// searchTerms turns what a buyer typed into a FULLTEXT boolean query (every
// word required, as a word prefix: "cand" finds "candle") and the words
// FULLTEXT cannot see, each to be found as a substring. Operators and
// punctuation are never passed through: a word is letters, digits and _.
func searchTerms(q string) (string, []string) {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
	var ft, likes []string
	seen := map[string]bool{}
	for _, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		if len(seen) > maxTerms {
			break
		}
		if n := utf8.RuneCountInString(w); n < ftMinToken || n > ftMaxToken || ftStopword(w) {
			likes = append(likes, w)
			continue
		}
		ft = append(ft, "+"+w+"*")
	}
	return strings.Join(ft, " "), likes
}
