package shopify

// The demo shops match cmd/trove/seed.go's demoData: same shops, product and
// variant GIDs, SKUs, prices and stock, so a seeded database and the sandbox
// agree. A variant's inventory item has the variant's number
// (gid://shopify/InventoryItem/100101 for gid://shopify/ProductVariant/100101).
var shopifyDemoShops = []struct {
	domain, name string
	products     []Product
}{
	{"northwind-candles.myshopify.com", "Northwind Candles", []Product{
		{ID: "gid://shopify/Product/1001", Title: "Cedar & Smoke Candle", Description: "Hand-poured soy candle, 60-hour burn.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/100101", SKU: "NWC-CEDAR-8", Title: "8 oz", Price: "28.00", Available: 40},
			{ID: "gid://shopify/ProductVariant/100102", SKU: "NWC-CEDAR-16", Title: "16 oz", Price: "44.00", Available: 25},
		}},
		{ID: "gid://shopify/Product/1002", Title: "Sea Salt Tin Trio", Description: "Three travel tins for the desk.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/100201", SKU: "NWC-TRIO", Title: "Default", Price: "36.00", Available: 60},
		}},
	}},
	{"copper-kettle-coffee.myshopify.com", "Copper Kettle Coffee", []Product{
		{ID: "gid://shopify/Product/2001", Title: "Single-Origin Sampler", Description: "Four 100 g bags from four farms.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/200101", SKU: "CKC-SAMPLER-WB", Title: "Whole bean", Price: "39.00", Available: 80},
			{ID: "gid://shopify/ProductVariant/200102", SKU: "CKC-SAMPLER-GR", Title: "Ground", Price: "39.00", Available: 35},
		}},
		{ID: "gid://shopify/Product/2002", Title: "Pour-Over Gift Set", Description: "Ceramic dripper, filters and a bag of house blend.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/200201", SKU: "CKC-POUR-SET", Title: "Default", Price: "65.00", Available: 20},
		}},
	}},
	{"fern-and-finch.myshopify.com", "Fern & Finch Stationery", []Product{
		{ID: "gid://shopify/Product/3001", Title: "Letterpress Thank-You Cards", Description: "Box of 12 with envelopes.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/300101", SKU: "FF-THANKS-12", Title: "Box of 12", Price: "24.00", Available: 120},
		}},
		{ID: "gid://shopify/Product/3002", Title: "Linen Desk Notebook", Description: "A5, dot grid, lay-flat binding.", Variants: []Variant{
			{ID: "gid://shopify/ProductVariant/300201", SKU: "FF-NOTE-SAGE", Title: "Sage", Price: "32.00", Available: 45},
			{ID: "gid://shopify/ProductVariant/300202", SKU: "FF-NOTE-INK", Title: "Ink", Price: "32.00", Available: 0},
		}},
	}},
}

// DemoShops lists the demo shops' domains.
func DemoShops() []string {
	out := make([]string, 0, len(shopifyDemoShops))
	for _, d := range shopifyDemoShops {
		out = append(out, d.domain)
	}
	return out
}

// SeedDemo adds the demo shops (USD) and their products, without webhooks.
// Running it again puts the demo data back as it was.
func (s *Shopify) SeedDemo() {
	for _, d := range shopifyDemoShops {
		s.AddShop(d.domain, d.name, "USD")
		for _, p := range d.products {
			p.Status = "ACTIVE"
			p.Variants = append([]Variant(nil), p.Variants...)
			for i := range p.Variants {
				p.Variants[i].InventoryItemID = "gid://shopify/InventoryItem/" + p.Variants[i].ID[len("gid://shopify/ProductVariant/"):]
			}
			s.UpsertProductQuietly(d.domain, p)
		}
	}
}
