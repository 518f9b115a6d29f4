package catalog_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/catalog"
	"github.com/trove-platform/trove/internal/platform/audit"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/money"
)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func TestApplyProduct(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")

	t.Run("a new product is stored unlisted, with its variants and price range", func(t *testing.T) {
		p := sp("1", "Mug", at(1), sv("11", 1500, 3), sv("12", 1800, 0))
		p.Tags = []string{" mugs ", "kitchen & home", "mugs", ""}
		if !f.apply(ven, p) {
			t.Fatal("a new product should report a change")
		}
		v, err := f.store.Product(f.ctx, ven, f.productID(ven, "1"))
		if err != nil {
			t.Fatal(err)
		}
		if v.Listed || v.HiddenByOperator || v.Status != "active" || v.Title != "Mug" || len(v.Variants) != 2 {
			t.Fatalf("got %+v", v)
		}
		if strings.Join(v.ShopifyTags, "|") != "mugs|kitchen & home" || len(v.GiftTags) != 0 {
			t.Fatalf("tags %q, gift tags %q", v.ShopifyTags, v.GiftTags)
		}
		if v.PriceMin == nil || v.PriceMin.Amount != 1500 || v.PriceMax.Amount != 1800 || v.PriceMax.Currency != "USD" {
			t.Fatalf("price range %v-%v", v.PriceMin, v.PriceMax)
		}
		if v.SyncedAt == nil || !v.ShopifyUpdatedAt.Equal(at(1)) || v.Visible || v.NotVisibleBecause[0] != catalog.ReasonNotListed {
			t.Fatalf("sync status %+v", v)
		}
	})
	id := f.productID(ven, "1")

	t.Run("the same event again changes nothing", func(t *testing.T) {
		before := f.col(id, "updated_at")
		f.clk.Advance(time.Minute)
		if f.apply(ven, sp("1", "Mug", at(1), sv("11", 1500, 3), sv("12", 1800, 0))) {
			t.Fatal("a replay reported a change")
		}
		if f.col(id, "updated_at") != before {
			t.Fatal("a replay moved updated_at")
		}
	})

	t.Run("an older read is ignored whole", func(t *testing.T) {
		if f.apply(ven, sp("1", "Old mug", at(0), sv("11", 900, 50))) {
			t.Fatal("an older read reported a change")
		}
		v, _ := f.store.Product(f.ctx, ven, id)
		if v.Title != "Mug" || v.Variants[0].Price.Amount != 1500 || v.Variants[0].StockOnHand != 3 || v.Variants[1].DeletedAt != nil {
			t.Fatalf("an older read changed the product: %+v", v)
		}
	})

	t.Run("curation and the operator's flag survive a newer read", func(t *testing.T) {
		f.curate(ven, id, catalog.Curation{Listed: ptr(true), Category: ptr("kitchen"), GiftTags: &[]string{"Thank You"}, GiftReady: ptr(true)})
		if _, err := f.store.SetHidden(f.ctx, id, true, audit.Entry{ActorType: audit.ActorUser, ActorID: "usr_op"}); err != nil {
			t.Fatal(err)
		}
		p := sp("1", "Mug", at(2), sv("11", 1500, 3), sv("12", 1800, 0))
		p.Tags = []string{"mugs"}
		if !f.apply(ven, p) {
			t.Fatal("changed tags should report a change")
		}
		v, _ := f.store.Product(f.ctx, ven, id)
		if !v.Listed || v.Category != "kitchen" || strings.Join(v.GiftTags, ",") != "thank you" || !v.GiftReady || !v.HiddenByOperator {
			t.Fatalf("the sync overwrote curation: %+v", v)
		}
		if strings.Join(v.ShopifyTags, ",") != "mugs" {
			t.Fatalf("shopify tags %q", v.ShopifyTags)
		}
	})

	t.Run("a newer read updates in place and deletes the variants it lacks", func(t *testing.T) {
		if !f.apply(ven, sp("1", "Big mug", at(3), sv("11", 2500, 3), sv("13", 900, 7))) {
			t.Fatal("want a change")
		}
		v, _ := f.store.Product(f.ctx, ven, id)
		if v.Title != "Big mug" || len(v.Variants) != 3 {
			t.Fatalf("got %+v", v)
		}
		live := map[string]catalog.VariantView{}
		for _, x := range v.Variants {
			if x.DeletedAt == nil {
				live[x.SKU] = x
			} else if x.SKU != "SKU-12" || !x.DeletedAt.Equal(at(3)) {
				t.Fatalf("unexpected deleted variant %+v", x)
			}
		}
		if len(live) != 2 || live["SKU-11"].Price.Amount != 2500 || live["SKU-13"].StockOnHand != 7 {
			t.Fatalf("live variants %+v", live)
		}
		if v.PriceMin.Amount != 900 || v.PriceMax.Amount != 2500 {
			t.Fatalf("the price range should span live variants only: %v-%v", v.PriceMin, v.PriceMax)
		}
		if n, _ := f.store.CountByVendor(f.ctx, ven); n != 1 {
			t.Fatalf("%d products", n)
		}
	})

	t.Run("a variant that comes back is live again", func(t *testing.T) {
		f.apply(ven, sp("1", "Big mug", at(4), sv("11", 2500, 3), sv("12", 1800, 1), sv("13", 900, 7)))
		v, _ := f.store.Product(f.ctx, ven, id)
		for _, x := range v.Variants {
			if x.DeletedAt != nil {
				t.Fatalf("%s still deleted", x.SKU)
			}
		}
	})

	t.Run("two different reads with the same time end the same in either order", func(t *testing.T) {
		a := sp("2", "Left", at(5), sv("21", 100, 1))
		b := sp("2", "Right", at(5), sv("21", 200, 1))
		other := f.vendor("other", "active", "connected")
		f.apply(ven, a)
		f.apply(ven, b)
		f.apply(other, b)
		f.apply(other, a)
		if x, y := f.col(f.productID(ven, "2"), "title"), f.col(f.productID(other, "2"), "title"); x != y {
			t.Fatalf("order decided the result: %q vs %q", x, y)
		}
	})

	t.Run("invalid reads are refused whole, every problem named", func(t *testing.T) {
		bad := catalog.SyncedProduct{ShopifyProductID: "gid://shopify/Product/3", Status: "ACTIVE",
			Variants: []catalog.SyncedVariant{{ShopifyVariantID: "", Price: usd(-1)}, {ShopifyVariantID: "x", Price: money.Money{Amount: 5, Currency: "EUR"}}}}
		_, err := f.store.ApplyProduct(f.ctx, ven, bad)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid || len(fe.Fields) != 5 {
			t.Fatalf("got %v", err)
		}
		var n int
		f.db.Get(&n, `SELECT COUNT(*) FROM products WHERE shopify_product_id = 'gid://shopify/Product/3'`)
		if n != 0 {
			t.Fatal("a refused read wrote a row")
		}
	})

	t.Run("an unknown vendor is not found", func(t *testing.T) {
		_, err := f.store.ApplyProduct(f.ctx, "ven_nope", sp("4", "X", at(1), sv("41", 1, 1)))
		if !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("text too long for its column is clipped, negative stock is 0", func(t *testing.T) {
		p := sp("5", strings.Repeat("é", 300), at(1), sv("51", 100, -4))
		p.Description = strings.Repeat("ü", 40000) // 80,000 bytes
		f.apply(ven, p)
		v, _ := f.store.Product(f.ctx, ven, f.productID(ven, "5"))
		if len([]rune(v.Title)) != 255 || len(v.Description) > 65535 || v.Variants[0].StockOnHand != 0 {
			t.Fatalf("title %d runes, description %d bytes, stock %d", len([]rune(v.Title)), len(v.Description), v.Variants[0].StockOnHand)
		}
	})
}

func TestApplyDeletion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")

	t.Run("a deletion after the last read deletes the product and its variants", func(t *testing.T) {
		f.apply(ven, sp("1", "Mug", at(1), sv("11", 100, 1)))
		id := f.productID(ven, "1")
		f.curate(ven, id, catalog.Curation{Listed: ptr(true)})
		changed, err := f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/1", at(2))
		if err != nil || !changed {
			t.Fatalf("got %v, %v", changed, err)
		}
		v, _ := f.store.Product(f.ctx, ven, id)
		if v.Status != "deleted" || v.DeletedAt == nil || v.Variants[0].DeletedAt == nil || v.PriceMin != nil || !v.Listed {
			t.Fatalf("got %+v", v)
		}
		if changed, _ := f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/1", at(2)); changed {
			t.Fatal("a replayed deletion reported a change")
		}
		ids, _ := f.store.SyncedIDs(f.ctx, ven)
		if _, ok := ids["gid://shopify/Product/1"]; ok {
			t.Fatal("a deleted product is in SyncedIDs")
		}
	})
	t.Run("a late read older than the deletion does not bring it back", func(t *testing.T) {
		if f.apply(ven, sp("1", "Mug again", at(1).Add(30*time.Second), sv("11", 100, 1))) {
			t.Fatal("a late read reported a change")
		}
		if f.col(f.productID(ven, "1"), "status") != "deleted" {
			t.Fatal("resurrected")
		}
	})
	t.Run("a read with the deletion's time loses to it, whatever its content", func(t *testing.T) {
		for i := range 8 {
			f.apply(ven, sp("1", fmt.Sprint("Mug ", i), at(2), sv("11", 100, 1)))
			if f.col(f.productID(ven, "1"), "status") != "deleted" {
				t.Fatal("the read won the tie")
			}
		}
	})
	t.Run("a deletion older than the read applied is ignored", func(t *testing.T) {
		f.apply(ven, sp("2", "Pen", at(5), sv("21", 100, 1)))
		changed, err := f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/2", at(4))
		if err != nil || changed || f.col(f.productID(ven, "2"), "status") != "active" {
			t.Fatalf("got %v %v %s", changed, err, f.col(f.productID(ven, "2"), "status"))
		}
	})
	t.Run("a deletion before the product ever arrived leaves a tombstone the create cannot pass", func(t *testing.T) {
		changed, err := f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/3", at(9))
		if err != nil || changed {
			t.Fatalf("got %v %v", changed, err)
		}
		f.apply(ven, sp("3", "Ghost", at(8), sv("31", 100, 1)))
		id := f.productID(ven, "3")
		if f.col(id, "status") != "deleted" || f.col(id, "synced_at") != "NULL" {
			t.Fatal("the late create went through")
		}
		if _, err := f.store.Product(f.ctx, ven, id); !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("a tombstone is shown to the vendor: %v", err)
		}
		page, _ := f.store.Products(f.ctx, catalog.ProductFilter{VendorID: ven})
		for _, p := range page.Products {
			if p.ID == id {
				t.Fatal("a tombstone is listed")
			}
		}
	})
	t.Run("a newer read (Shopify still has it) revives a deleted product, curation kept", func(t *testing.T) {
		f.apply(ven, sp("1", "Mug", at(10), sv("11", 100, 1)))
		v, _ := f.store.Product(f.ctx, ven, f.productID(ven, "1"))
		if v.Status != "active" || v.DeletedAt != nil || v.Variants[0].DeletedAt != nil || !v.Listed {
			t.Fatalf("got %+v", v)
		}
	})
}

func TestApplyStock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")
	f.apply(ven, sp("1", "Mug", at(1), sv("11", 100, 10)))
	item := "gid://shopify/InventoryItem/11"
	stock := func() int {
		var n int
		f.db.Get(&n, `SELECT stock_on_hand FROM variants WHERE shopify_inventory_item_id = ?`, item)
		return n
	}
	tests := []struct {
		name      string
		available int
		at        time.Time
		want      int
		changed   bool
	}{
		{"newer figure applies", 7, at(3), 7, true},
		{"older figure is ignored", 9, at(2), 7, false},
		{"same figure again is no change", 7, at(3), 7, false},
		{"same time, larger figure loses", 8, at(3), 7, false},
		{"same time, smaller figure wins", 6, at(3), 6, true},
		{"negative is 0", -2, at(4), 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changed, err := f.store.ApplyStock(f.ctx, ven, item, tc.available, tc.at)
			if err != nil || changed != tc.changed || stock() != tc.want {
				t.Fatalf("got changed=%v err=%v stock=%d; want changed=%v stock=%d", changed, err, stock(), tc.changed, tc.want)
			}
		})
	}
	t.Run("a product read older than the stock figure keeps the figure", func(t *testing.T) {
		f.apply(ven, sp("1", "Mug", at(2), sv("11", 100, 50)))
		if stock() != 0 {
			t.Fatalf("stock %d", stock())
		}
	})
	t.Run("a product read newer than the stock figure brings its own", func(t *testing.T) {
		f.apply(ven, sp("1", "Mug", at(5), sv("11", 100, 12)))
		if stock() != 12 {
			t.Fatalf("stock %d", stock())
		}
	})
	t.Run("an unknown inventory item says so", func(t *testing.T) {
		_, err := f.store.ApplyStock(f.ctx, ven, "gid://shopify/InventoryItem/404", 1, at(6))
		if !errors.Is(err, catalog.ErrUnknownInventoryItem) || !fault.Is(err, fault.KindNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("another vendor's item is unknown", func(t *testing.T) {
		other := f.vendor("other", "active", "connected")
		if _, err := f.store.ApplyStock(f.ctx, other, item, 99, at(7)); !errors.Is(err, catalog.ErrUnknownInventoryItem) {
			t.Fatalf("got %v", err)
		}
		if stock() != 12 {
			t.Fatal("another vendor changed the stock")
		}
	})
}

func TestSyncedIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ven := f.vendor("acme", "active", "connected")
	other := f.vendor("other", "active", "connected")
	f.apply(ven, sp("1", "A", at(1), sv("11", 1, 1)))
	f.apply(ven, sp("2", "B", at(2), sv("21", 1, 1)))
	f.apply(other, sp("3", "C", at(3), sv("31", 1, 1)))
	f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/2", at(4))
	f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/9", at(4)) // tombstone
	ids, err := f.store.SyncedIDs(f.ctx, ven)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || !ids["gid://shopify/Product/1"].Equal(at(1)) {
		t.Fatalf("got %v", ids)
	}
}

// event is one delivery to the sync API.
type event struct {
	name string
	run  func(f *fixture, vendorID string) error
}

func productEvent(p catalog.SyncedProduct) event {
	return event{fmt.Sprintf("product %s@%s", p.Title, p.UpdatedAt.Format("04")), func(f *fixture, ven string) error {
		_, err := f.store.ApplyProduct(f.ctx, ven, p)
		return err
	}}
}

func deletionEvent(key string, t time.Time) event {
	return event{"delete@" + t.Format("04"), func(f *fixture, ven string) error {
		_, err := f.store.ApplyDeletion(f.ctx, ven, "gid://shopify/Product/"+key, t)
		return err
	}}
}

func stockEvent(key string, n int, t time.Time) event {
	return event{fmt.Sprintf("stock %s=%d@%s", key, n, t.Format("04")), func(f *fixture, ven string) error {
		_, err := f.store.ApplyStock(f.ctx, ven, "gid://shopify/InventoryItem/"+key, n, t)
		return err
	}}
}

// snapshot is everything the sync decides about a product, in words, without
// Trove's own ids (so two vendors' copies compare). Of a deleted product only
// the deletion counts: whether Trove saw its content before the deletion
// depends on the order, and nothing shows it.
func (f *fixture) snapshot(vendorID, key string) string {
	f.t.Helper()
	var p []string
	err := f.db.Select(&p, `SELECT IF(status = 'deleted',
		CONCAT_WS('|', status, CAST(deleted_at AS CHAR), CAST(shopify_updated_at AS CHAR), COALESCE(price_min_amount, '-'), listed),
		CONCAT_WS('|', title, description, image_url, status, tags, COALESCE(CAST(shopify_updated_at AS CHAR), '-'),
		COALESCE(CAST(deleted_at AS CHAR), '-'), COALESCE(price_min_amount, '-'), COALESCE(price_max_amount, '-'), COALESCE(price_currency, '-'), listed))
		FROM products WHERE vendor_id = ? AND shopify_product_id = ?`, vendorID, "gid://shopify/Product/"+key)
	if err != nil || len(p) != 1 {
		f.t.Fatalf("snapshot: %v %v", p, err)
	}
	var vs []string
	err = f.db.Select(&vs, `SELECT CONCAT_WS('|', v.shopify_variant_id, v.shopify_inventory_item_id, v.sku, v.title, v.price_amount, v.price_currency,
		v.stock_on_hand, CAST(v.stock_updated_at AS CHAR))
		FROM variants v JOIN products p ON p.id = v.product_id
		WHERE p.vendor_id = ? AND p.shopify_product_id = ? AND v.deleted_at IS NULL ORDER BY v.shopify_variant_id`, vendorID, "gid://shopify/Product/"+key)
	if err != nil {
		f.t.Fatal(err)
	}
	return p[0] + "\n" + strings.Join(vs, "\n")
}

// TestShuffledConcurrentDeliveryConverges delivers every event of a product's
// history 5 times, shuffled, from 8 goroutines at once, and checks the result
// equals applying the history once in order. An inventory event for a variant
// not created yet is retried, as the job queue would.
func TestShuffledConcurrentDeliveryConverges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ref := f.vendor("reference", "active", "connected")
	race := f.vendor("race", "active", "connected")

	scenarios := map[string]func(k string) []event{
		"updates and stock": func(k string) []event {
			p1 := sp(k, "Mug v1", at(1), sv(k+"a", 1000, 5), sv(k+"b", 1200, 3))
			p2 := sp(k, "Mug v2", at(2), sv(k+"a", 1100, 4), sv(k+"c", 1500, 8))
			p3 := sp(k, "Mug v3", at(4), sv(k+"a", 1100, 2), sv(k+"c", 1400, 8))
			p3.Tags = []string{"new", "tags"}
			return []event{productEvent(p1), productEvent(p2), productEvent(p3),
				stockEvent(k+"a", 6, at(3)), stockEvent(k+"a", 1, at(5)), stockEvent(k+"c", 5, at(4)), stockEvent(k+"c", 9, at(4))}
		},
		"deletion and a late read": func(k string) []event {
			p1 := sp(k, "Pen v1", at(1), sv(k+"a", 300, 5))
			p2 := sp(k, "Pen v2", at(2), sv(k+"a", 350, 5), sv(k+"b", 400, 1))
			late := sp(k, "Pen late", at(3), sv(k+"a", 999, 9))
			return []event{productEvent(p1), productEvent(p2), deletionEvent(k, at(3)), productEvent(late), stockEvent(k+"a", 2, at(2))}
		},
	}
	want := map[string]string{
		"updates and stock": "Mug v3|About Mug v3|https://cdn.example/%[1]s.jpg|active|[\"new\",\"tags\"]|2026-11-01 09:04:00.000000|-|1100|1400|USD|0\n" +
			"gid://shopify/ProductVariant/%[1]sa|gid://shopify/InventoryItem/%[1]sa|SKU-%[1]sa|Variant %[1]sa|1100|USD|1|2026-11-01 09:05:00.000000\n" +
			"gid://shopify/ProductVariant/%[1]sc|gid://shopify/InventoryItem/%[1]sc|SKU-%[1]sc|Variant %[1]sc|1400|USD|5|2026-11-01 09:04:00.000000",
		"deletion and a late read": "", // deleted: checked against the reference only
	}
	for name, events := range scenarios {
		for round := range 3 {
			key := fmt.Sprintf("%s-%d", strings.Fields(name)[0], round)
			t.Run(fmt.Sprintf("%s round %d", name, round), func(t *testing.T) {
				evs := events(key)
				for _, e := range evs { // the reference: each event once, in the listed order
					if err := e.run(f, ref); err != nil && !errors.Is(err, catalog.ErrUnknownInventoryItem) {
						t.Fatalf("%s: %v", e.name, err)
					}
				}
				var deliveries []event
				for _, e := range evs {
					for range 5 {
						deliveries = append(deliveries, e)
					}
				}
				rand.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
				queue := make(chan event, len(deliveries)*40)
				for _, e := range deliveries {
					queue <- e
				}
				var pending sync.WaitGroup
				pending.Add(len(deliveries))
				errs := make(chan error, len(deliveries))
				var workers sync.WaitGroup
				for range 8 {
					workers.Go(func() {
						retries := map[string]int{}
						for e := range queue {
							err := e.run(f, race)
							if errors.Is(err, catalog.ErrUnknownInventoryItem) && retries[e.name] < 30 {
								retries[e.name]++
								time.Sleep(time.Millisecond)
								queue <- e // retried later, like a job
								continue
							}
							if err != nil && !errors.Is(err, catalog.ErrUnknownInventoryItem) {
								errs <- fmt.Errorf("%s: %w", e.name, err)
							}
							pending.Done()
						}
					})
				}
				pending.Wait()
				close(queue)
				workers.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				got, reference := f.snapshot(race, key), f.snapshot(ref, key)
				if got != reference {
					t.Fatalf("shuffled delivery:\n%s\nin-order delivery:\n%s", got, reference)
				}
				if w := want[name]; w != "" && got != fmt.Sprintf(w, key) {
					t.Fatalf("got\n%s\nwant\n%s", got, fmt.Sprintf(w, key))
				}
				if name == "deletion and a late read" && !strings.HasPrefix(got, "deleted|2026-11-01 09:03:00.000000|") {
					t.Fatalf("the deletion was lost:\n%s", got)
				}
			})
		}
	}
}
