package catalog_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/vendors"
	"github.com/trove-platform/trove/internal/vendors/vendorstest"
)

// world is a catalog with visible products of two vendors and, beside them,
// products that must never show: every one of those has "Secret" in its
// title, costs 1500 like some visible ones, and sits in kitchen, in stock.
type world struct {
	*fixture
	api       *testAPI
	acme      string            // active vendor, store connected
	bolt      string            // active vendor, store connected
	visible   map[string]string // title -> product id
	invisible map[string]string // why -> product id
	variant   map[string]string // product title -> its first variant's id
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := newFixture(t)
	w := &world{fixture: f, visible: map[string]string{}, invisible: map[string]string{}, variant: map[string]string{}}
	w.api = newTestAPI(t, f.store, nil)
	w.acme = f.vendor("acme", "active", "connected")
	w.bolt = f.vendor("bolt", "active", "connected")
	n := 0
	add := func(ven, title, category string, tags, giftTags []string, desc string, variants ...catalog.SyncedVariant) string {
		n++
		key := strconv.Itoa(n)
		for i := range variants {
			variants[i] = sv(fmt.Sprintf("%s-%d", key, i), variants[i].Price.Amount, variants[i].Available)
		}
		p := sp(key, title, at(n), variants...)
		p.Tags = tags
		if desc != "" {
			p.Description = desc
		}
		id := f.listed(ven, p, category, giftTags...)
		w.variant[title] = f.variantID(ven, key+"-0")
		// Some products share a creation time, so "newest" has ties.
		if n%3 != 0 {
			f.clk.Advance(time.Second)
		}
		return id
	}
	v := func(cents int64, stock int) catalog.SyncedVariant {
		return catalog.SyncedVariant{Price: usd(cents), Available: stock}
	}
	for _, p := range []struct {
		ven, title, category string
		tags, gift           []string
		desc                 string
		vs                   []catalog.SyncedVariant
	}{
		{w.acme, "Cedar Candle", "home", []string{"candles"}, []string{"for her"}, "Hand-poured soy, 60-hour burn.", []catalog.SyncedVariant{v(2800, 5), v(4400, 0)}},
		{w.acme, "Sea Salt Tin Trio", "home", nil, nil, "Three travel tins.", []catalog.SyncedVariant{v(3600, 0)}},
		{w.acme, "Pour-Over Gift Set", "kitchen", nil, []string{"coffee lover"}, "Ceramic dripper for the office.", []catalog.SyncedVariant{v(6500, 2)}},
		{w.acme, "mug", "kitchen", nil, nil, "", []catalog.SyncedVariant{v(1500, 10)}},
		{w.bolt, "Single-Origin Sampler", "food", []string{"coffee", "beans"}, nil, "Four bags from four farms.", []catalog.SyncedVariant{v(3900, 80)}},
		{w.bolt, "Letterpress Cards", "stationery", nil, nil, "Box of 12, XL envelopes.", []catalog.SyncedVariant{v(2400, 7)}},
		{w.bolt, "Linen Notebook", "stationery", nil, nil, "A5, dot grid.", []catalog.SyncedVariant{v(3200, 0), v(3200, 45)}},
		{w.bolt, "Mug", "kitchen", nil, nil, "", []catalog.SyncedVariant{v(1500, 1)}},
		{w.bolt, "Café Crème Tin", "food", nil, nil, "", []catalog.SyncedVariant{v(1500, 3)}},
	} {
		w.visible[p.title] = add(p.ven, p.title, p.category, p.tags, p.gift, p.desc, p.vs...)
	}
	// Fillers, for paging: repeated prices and titles.
	for i := range 14 {
		ven := []string{w.acme, w.bolt}[i%2]
		title := fmt.Sprintf("Filler %02d", i%5)
		w.visible[fmt.Sprintf("%s #%d", title, i)] = add(ven, title, "office", nil, nil, "", v(int64(1000+100*(i%4)), i%2))
	}

	secret := func(ven, why string) string {
		id := add(ven, "Secret "+why, "kitchen", []string{"secret"}, []string{"secret"}, "", v(1500, 9))
		w.invisible[why] = id
		return id
	}
	secret(w.acme, "unlisted")
	f.curate(w.acme, w.invisible["unlisted"], catalog.Curation{Listed: ptr(false)})
	secret(w.acme, "hidden")
	if _, err := f.store.SetHidden(f.ctx, w.invisible["hidden"], true, audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"}); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"draft", "archived"} {
		secret(w.acme, status)
		p := sp(strconv.Itoa(n), "Secret "+status, at(100), sv(strconv.Itoa(n)+"-0", 1500, 9))
		p.Status = status
		f.apply(w.acme, p)
	}
	secret(w.acme, "deleted")
	if _, err := f.store.ApplyDeletion(f.ctx, w.acme, "gid://shopify/Product/"+strconv.Itoa(n), at(100)); err != nil {
		t.Fatal(err)
	}
	secret(w.acme, "no live variants")
	f.apply(w.acme, sp(strconv.Itoa(n), "Secret no live variants", at(100)))
	for _, v := range []struct{ slug, status, conn string }{
		{"suspended", "suspended", "connected"}, {"pending", "pending", "connected"}, {"broken", "active", "broken"},
		{"uninstalled", "active", "uninstalled"}, {"never-connected", "active", ""},
	} {
		secret(f.vendor(v.slug, v.status, v.conn), "vendor "+v.slug)
	}
	return w
}

func (w *world) list(query string) catalog.StorePage {
	w.t.Helper()
	var page catalog.StorePage
	w.api.want(200, "", "GET", "/api/v1/store/products?"+query, nil, &page)
	return page
}

// all walks every page of a query, checking that no product comes twice.
func (w *world) all(query string, limit int) []catalog.StoreProduct {
	w.t.Helper()
	var out []catalog.StoreProduct
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			w.t.Fatal("no end to the pages")
		}
		q := query + "&limit=" + strconv.Itoa(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		page := w.list(q)
		if len(page.Products) > limit || (page.NextCursor != "" && len(page.Products) != limit) {
			w.t.Fatalf("page of %d with limit %d, next %q", len(page.Products), limit, page.NextCursor)
		}
		for _, p := range page.Products {
			if seen[p.ID] {
				w.t.Fatalf("%s: %s (%s) came twice", query, p.ID, p.Title)
			}
			seen[p.ID] = true
			out = append(out, p)
		}
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func titles(ps []catalog.StoreProduct) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Title
	}
	slices.Sort(out)
	return out
}

func (w *world) assertNoSecrets(query string, ps []catalog.StoreProduct) {
	w.t.Helper()
	for _, p := range ps {
		if strings.Contains(p.Title, "Secret") {
			w.t.Fatalf("%s shows %q", query, p.Title)
		}
	}
}

func TestStorefrontNeverShowsInvisibleProducts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if len(w.invisible) != 11 {
		t.Fatalf("%d invisible products", len(w.invisible))
	}
	queries := []string{"", "q=secret", "category=kitchen", "min_price=1500&max_price=1500", "in_stock=true", "q=secret&in_stock=true",
		"sort=price_asc", "sort=price_desc", "sort=title", "vendor=suspended", "vendor=broken", "vendor=uninstalled", "vendor=pending",
		"vendor=never-connected", "vendor=acme&category=kitchen", "currency=USD"}
	for _, q := range queries {
		t.Run("list "+q, func(t *testing.T) {
			ps := w.all(q, 7)
			w.assertNoSecrets(q, ps)
			if strings.Contains(q, "secret") || strings.HasPrefix(q, "vendor=") && !strings.Contains(q, "acme") {
				if len(ps) != 0 {
					t.Fatalf("%s: %v", q, titles(ps))
				}
			}
		})
	}
	for why, id := range w.invisible {
		t.Run("detail "+why, func(t *testing.T) {
			w.api.want(404, "", "GET", "/api/v1/store/products/"+id, nil, nil)
		})
	}
	t.Run("visible products are all there", func(t *testing.T) {
		if ps := w.all("", 100); len(ps) != len(w.visible) {
			t.Fatalf("%d products, want %d: %v", len(ps), len(w.visible), titles(ps))
		}
	})
	t.Run("a product leaves the moment its vendor, store or vendor's choice says so", func(t *testing.T) {
		id := w.visible["Single-Origin Sampler"]
		shown := func() bool {
			code, _ := w.api.do("", "GET", "/api/v1/store/products/"+id, nil)
			return code == 200
		}
		if !shown() {
			t.Fatal("not shown to begin with")
		}
		for _, c := range []struct {
			name    string
			off, on func()
		}{
			{"the vendor suspended", func() { vendorstest.SetStatus(t, w.db, w.clk, w.bolt, vendors.StatusSuspended) },
				func() { vendorstest.SetStatus(t, w.db, w.clk, w.bolt, vendors.StatusActive) }},
			{"the store's connection broken", func() { vendorstest.SetConnection(t, w.db, w.clk, w.bolt, "broken") },
				func() { vendorstest.SetConnection(t, w.db, w.clk, w.bolt, "connected") }},
			{"the app uninstalled", func() { vendorstest.SetConnection(t, w.db, w.clk, w.bolt, "uninstalled") },
				func() { vendorstest.SetConnection(t, w.db, w.clk, w.bolt, "connected") }},
		} {
			c.off()
			if shown() || slices.Contains(titles(w.all("", 100)), "Single-Origin Sampler") {
				t.Fatalf("still shown after %s", c.name)
			}
			c.on()
			if !shown() {
				t.Fatalf("not back after %s", c.name)
			}
		}
		w.curate(w.bolt, id, catalog.Curation{Listed: ptr(false)})
		if shown() {
			t.Fatal("shown unlisted")
		}
		w.curate(w.bolt, id, catalog.Curation{Listed: ptr(true)})
	})
}

func TestStorefrontFiltersAndSearch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		query string
		want  []string // titles; nil: check count only
		count int
	}{
		{"category=home", []string{"Cedar Candle", "Sea Salt Tin Trio"}, 0},
		{"category=kitchen", []string{"Mug", "Pour-Over Gift Set", "mug"}, 0},
		{"vendor=bolt&category=kitchen", []string{"Mug"}, 0},
		{"vendor=nobody", []string{}, 0},
		{"min_price=3000&max_price=4000", []string{"Linen Notebook", "Sea Salt Tin Trio", "Single-Origin Sampler"}, 0},
		// The candle has a variant at 4400 (out of stock) and one at 2800 (in stock).
		{"min_price=4000&max_price=5000", []string{"Cedar Candle"}, 0},
		{"min_price=4000&max_price=5000&in_stock=true", []string{}, 0},
		{"min_price=1400&max_price=1500&in_stock=true", []string{"Café Crème Tin", "Mug", "mug"}, 0},
		{"in_stock=true&category=stationery", []string{"Letterpress Cards", "Linen Notebook"}, 0},
		{"in_stock=true&category=home", []string{"Cedar Candle"}, 0},
		{"currency=EUR", []string{}, 0},
		{"in_stock=false", nil, 23},
		// Search: word prefixes, over title, description and both tag lists,
		// case and accent insensitive; every word must match.
		{"q=candle", []string{"Cedar Candle"}, 0},
		{"q=cand", []string{"Cedar Candle"}, 0},
		{"q=CANDLES", []string{"Cedar Candle"}, 0},
		{"q=coffee", []string{"Pour-Over Gift Set", "Single-Origin Sampler"}, 0},
		{"q=coffee+beans", []string{"Single-Origin Sampler"}, 0},
		{"q=cafe", []string{"Café Crème Tin"}, 0},
		{"q=tin", []string{"Café Crème Tin", "Sea Salt Tin Trio"}, 0},
		{"q=dripper+office", []string{"Pour-Over Gift Set"}, 0},
		{"q=pour-over", []string{"Pour-Over Gift Set"}, 0},
		// Words FULLTEXT skips (too short, stopwords) still have to match.
		{"q=XL", []string{"Letterpress Cards"}, 0},
		{"q=for+her", []string{"Cedar Candle"}, 0},
		{"q=the", []string{"Pour-Over Gift Set"}, 0}, // "for the office"
		{"q=60", []string{"Cedar Candle"}, 0},
		{"q=mug+for", []string{}, 0},
		// Boolean-mode operators and LIKE wildcards are plain text.
		{"q=" + url.QueryEscape(`+candle -cedar "soy`), []string{"Cedar Candle"}, 0},
		{"q=" + url.QueryEscape(`%`), nil, 23},
		{"q=" + url.QueryEscape(`100%`), []string{}, 0},
		{"q=candle&category=kitchen", []string{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			ps := w.all(tc.query, 5)
			w.assertNoSecrets(tc.query, ps)
			if tc.want == nil {
				if len(ps) != tc.count {
					t.Fatalf("%d products, want %d", len(ps), tc.count)
				}
				return
			}
			if got := titles(ps); joined(got) != joined(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("a product shows its price range and live variants", func(t *testing.T) {
		var p catalog.StoreProduct
		w.api.want(200, "", "GET", "/api/v1/store/products/"+w.visible["Cedar Candle"], nil, &p)
		if p.PriceMin != usd(2800) || p.PriceMax != usd(4400) || !p.InStock || len(p.Variants) != 2 || p.Variants[0].Available != 5 ||
			p.Vendor.Slug != "acme" || p.Category != "home" || joined(p.Tags) != "for her" {
			t.Fatalf("got %+v", p)
		}
	})
	t.Run("bad parameters are refused, each named", func(t *testing.T) {
		for q, field := range map[string]string{
			"category=toys": "category", "sort=cheapest": "sort", "limit=0": "limit", "limit=101": "limit", "limit=ten": "limit",
			"min_price=-1": "min_price", "min_price=5&max_price=4": "max_price", "max_price=1.5": "max_price", "in_stock=yes": "in_stock",
			"currency=usd": "currency", "cursor=garbage": "cursor", "q=" + strings.Repeat("a", 201): "q",
		} {
			code, body := w.api.do("", "GET", "/api/v1/store/products?"+q, nil)
			if fields := problemFields(t, body); code != 400 || joined(fields) != field {
				t.Errorf("%s: %d %v, want 400 naming %s", q, code, fields, field)
			}
		}
		page := w.list("sort=price_asc&limit=2")
		code, body := w.api.do("", "GET", "/api/v1/store/products?sort=title&cursor="+page.NextCursor, nil)
		if code != 400 || !strings.Contains(string(body), "sort") {
			t.Fatalf("a cursor of another sort: %d %s", code, body)
		}
	})
	t.Run("categories", func(t *testing.T) {
		var out struct{ Categories []catalog.Category }
		w.api.want(200, "", "GET", "/api/v1/store/categories", nil, &out)
		if len(out.Categories) != len(catalog.Categories()) || !catalog.ValidCategory(out.Categories[0].Slug) {
			t.Fatalf("got %v", out)
		}
	})
}

// TestStorefrontSortAndPaging walks every sort a page at a time, with ties in
// every sort key, and checks the pages join into the one-page answer: no
// product twice, none missing, in order.
func TestStorefrontSortAndPaging(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var created map[string]time.Time
	rows := []struct {
		ID        string    `db:"id"`
		CreatedAt time.Time `db:"created_at"`
	}{}
	if err := w.db.Select(&rows, `SELECT id, created_at FROM products`); err != nil {
		t.Fatal(err)
	}
	created = map[string]time.Time{}
	for _, r := range rows {
		created[r.ID] = r.CreatedAt
	}
	fold := strings.NewReplacer("é", "e", "è", "e")
	inOrder := map[string]func(a, b catalog.StoreProduct) bool{ // a may come before b
		"newest":     func(a, b catalog.StoreProduct) bool { return !created[a.ID].Before(created[b.ID]) },
		"price_asc":  func(a, b catalog.StoreProduct) bool { return a.PriceMin.Amount <= b.PriceMin.Amount },
		"price_desc": func(a, b catalog.StoreProduct) bool { return a.PriceMin.Amount >= b.PriceMin.Amount },
		"title": func(a, b catalog.StoreProduct) bool {
			return fold.Replace(strings.ToLower(a.Title)) <= fold.Replace(strings.ToLower(b.Title))
		},
	}
	for _, sort := range []string{"", "newest", "price_asc", "price_desc", "title"} {
		for _, filter := range []string{"", "&in_stock=true", "&q=filler", "&category=office&min_price=1100"} {
			for _, limit := range []int{1, 4, 7} {
				query := "sort=" + sort + filter
				t.Run(fmt.Sprintf("%s by %d", query, limit), func(t *testing.T) {
					whole := w.list(query + "&limit=100")
					if whole.NextCursor != "" || len(whole.Products) == 0 {
						t.Fatalf("one page: %d products, next %q", len(whole.Products), whole.NextCursor)
					}
					paged := w.all(query, limit)
					if len(paged) != len(whole.Products) {
						t.Fatalf("%d products in pages, %d in one", len(paged), len(whole.Products))
					}
					key := sort
					if key == "" {
						key = "newest"
					}
					for i := range paged {
						if paged[i].ID != whole.Products[i].ID {
							t.Fatalf("position %d: %s in pages, %s in one", i, paged[i].Title, whole.Products[i].Title)
						}
						if i > 0 && !inOrder[key](paged[i-1], paged[i]) {
							t.Fatalf("%q before %q", paged[i-1].Title, paged[i].Title)
						}
					}
				})
			}
		}
	}
	t.Run("ties exist in every key", func(t *testing.T) {
		ps := w.all("sort=title", 100)
		dupTitle, dupPrice, dupTime := false, false, false
		for i := 1; i < len(ps); i++ {
			dupTitle = dupTitle || strings.EqualFold(ps[i].Title, ps[i-1].Title)
		}
		prices, times := map[int64]int{}, map[time.Time]int{}
		for _, p := range ps {
			prices[p.PriceMin.Amount]++
			times[created[p.ID]]++
		}
		for _, n := range prices {
			dupPrice = dupPrice || n > 1
		}
		for _, n := range times {
			dupTime = dupTime || n > 1
		}
		if !dupTitle || !dupPrice || !dupTime {
			t.Fatalf("title ties %v, price ties %v, time ties %v", dupTitle, dupPrice, dupTime)
		}
	})
}

func TestStorefrontBundles(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ops := audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"}
	bundle := func(slug string, items ...catalog.BundleItemInput) string {
		b, err := w.store.CreateBundle(w.ctx, catalog.BundleInput{Slug: slug, Name: "Bundle " + slug, Price: usd(9900), Items: items}, ops)
		if err != nil {
			t.Fatalf("bundle %s: %v", slug, err)
		}
		return b.ID
	}
	item := func(title string, qty int) catalog.BundleItemInput {
		return catalog.BundleItemInput{VariantID: w.variant[title], Quantity: qty}
	}
	// Cedar Candle's first variant has 5 in stock.
	ok := bundle("all-good", item("Cedar Candle", 2), item("Single-Origin Sampler", 1))
	short := bundle("short", item("Cedar Candle", 6))
	hidden := bundle("with-hidden", item("Single-Origin Sampler", 1), catalog.BundleItemInput{VariantID: w.variant["Secret hidden"], Quantity: 1})
	var secretBundles []string
	for why := range w.invisible {
		if why == "no live variants" || why == "deleted" {
			continue // not live: a bundle cannot hold them (see the admin tests)
		}
		secretBundles = append(secretBundles, bundle("secret-"+strings.ReplaceAll(why, " ", "-"),
			item("Single-Origin Sampler", 1), catalog.BundleItemInput{VariantID: w.variant["Secret "+why], Quantity: 1}))
	}
	archived := bundle("archived", item("Mug", 1))
	if _, err := w.store.UpdateBundle(w.ctx, archived, catalog.BundlePatch{Status: ptr("archived")}, ops); err != nil {
		t.Fatal(err)
	}
	get := func(ref string) catalog.StoreBundle {
		var b catalog.StoreBundle
		w.api.want(200, "", "GET", "/api/v1/store/bundles/"+ref, nil, &b)
		return b
	}

	t.Run("available while every part is visible and in stock", func(t *testing.T) {
		b := get(ok)
		if !b.Available || len(b.Items) != 2 || b.Price != usd(9900) || b.Items[0].Quantity != 2 || b.Items[0].Vendor.Slug != "acme" {
			t.Fatalf("got %+v", b)
		}
		if get("all-good").ID != ok {
			t.Fatal("by slug")
		}
	})
	t.Run("unavailable when a part lacks the quantity", func(t *testing.T) {
		if b := get(short); b.Available || len(b.Items) != 1 || b.Items[0].InStock {
			t.Fatalf("got %+v", b)
		}
	})
	t.Run("stock moves availability", func(t *testing.T) {
		if _, err := w.store.ApplyStock(w.ctx, w.acme, "gid://shopify/InventoryItem/1-0", 1, at(200)); err != nil {
			t.Fatal(err)
		}
		if get(ok).Available {
			t.Fatal("available with 1 candle for 2")
		}
		if _, err := w.store.ApplyStock(w.ctx, w.acme, "gid://shopify/InventoryItem/1-0", 6, at(201)); err != nil {
			t.Fatal(err)
		}
		if !get(ok).Available || !get(short).Available {
			t.Fatal("not available with 6 candles")
		}
	})
	t.Run("a part that is not visible makes it unavailable and is not shown", func(t *testing.T) {
		for _, id := range append([]string{hidden}, secretBundles...) {
			code, body := w.api.do("", "GET", "/api/v1/store/bundles/"+id, nil)
			b := get(id)
			if code != 200 || b.Available || len(b.Items) != 1 || strings.Contains(string(body), "Secret") {
				t.Fatalf("%s: %s", id, body)
			}
		}
		var list struct{ Bundles []catalog.StoreBundle }
		body := w.api.want(200, "", "GET", "/api/v1/store/bundles", nil, &list)
		if strings.Contains(string(body), "Secret") {
			t.Fatalf("the list shows a hidden part: %s", body)
		}
		if len(list.Bundles) != 3+len(secretBundles) {
			t.Fatalf("%d bundles", len(list.Bundles))
		}
	})
	t.Run("when the part is shown again, so is the bundle", func(t *testing.T) {
		if _, err := w.store.SetHidden(w.ctx, w.invisible["hidden"], false, ops); err != nil {
			t.Fatal(err)
		}
		if b := get(hidden); !b.Available || len(b.Items) != 2 {
			t.Fatalf("got %+v", b)
		}
	})
	t.Run("an archived bundle is gone", func(t *testing.T) {
		w.api.want(404, "", "GET", "/api/v1/store/bundles/"+archived, nil, nil)
		w.api.want(404, "", "GET", "/api/v1/store/bundles/archived", nil, nil)
		w.api.want(404, "", "GET", "/api/v1/store/bundles/bdl_nope", nil, nil)
	})
}
