package shopify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trove-platform/trove/internal/platform/money"
)

// ShopInfo is what Trove keeps about a connected shop.
type ShopInfo struct {
	Name     string
	Currency string // ISO 4217, the shop's currency: every price is in it
}

// Product is a Shopify product in Trove's words.
type Product struct {
	ID          string // GID: gid://shopify/Product/N
	Title       string
	Description string // plain text, HTML removed
	Status      string // "ACTIVE" | "DRAFT" | "ARCHIVED"
	ImageURL    string // the featured image, "" if none
	Tags        []string
	UpdatedAt   time.Time
	Variants    []Variant
}

// Variant is one purchasable option of a Product.
type Variant struct {
	ID              string // GID: gid://shopify/ProductVariant/N
	SKU             string
	Title           string
	InventoryItemID string      // GID: gid://shopify/InventoryItem/N
	Price           money.Money // minor units, in the shop's currency
	Available       int         // sellable quantity, summed over the shop's locations
	// PriceErr is set, and Price zero, when Shopify's price is not one Trove
	// can sell: not a plain non-negative decimal, finer than the currency's
	// minor unit, or beyond money.MaxAmount (wrapping money.ErrOutOfRange).
	// Such a variant must not be sold; the rest of the product still reads.
	PriceErr error
}

// Page sizes of single product reads (webhook follow-ups; whole catalogs
// are read with a bulk operation, see bulk.go). A query's requested cost is
// 2 + first × (cost of a node) per connection and one point per object;
// Shopify refuses a single query above 1,000 points. A product with five
// variants asks for 1 (shop) + 1 product + 3 image objects + 2 + 5 × 2 = 17
// points; a product with more variants gets the rest by follow-up queries of
// 100 (1 + 2 + 100 × 2 = 203 points).
const (
	variantsPerProduct      = 5
	variantsPerFollowUpPage = 100
)

const productFields = `
fragment TroveProductFields on Product {
  id
  title
  description
  status
  tags
  updatedAt
  featuredMedia { preview { image { url } } }
  variants(first: $variantsFirst) {
    pageInfo { hasNextPage endCursor }
    nodes { ...TroveVariantFields }
  }
}
fragment TroveVariantFields on ProductVariant {
  id
  sku
  title
  price
  inventoryQuantity
  inventoryItem { id }
}`

var (
	opShop = operation{"TroveShop", `query TroveShop {
  shop { name currencyCode myshopifyDomain }
}`}
	opProduct = operation{"TroveProduct", `query TroveProduct($id: ID!, $variantsFirst: Int!) {
  shop { currencyCode }
  product(id: $id) { ...TroveProductFields }
}` + productFields}
	opProductVariants = operation{"TroveProductVariants", `query TroveProductVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) {
    variants(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...TroveVariantFields }
    }
  }
}
fragment TroveVariantFields on ProductVariant {
  id
  sku
  title
  price
  inventoryQuantity
  inventoryItem { id }
}`}
	opInventoryItemProduct = operation{"TroveInventoryItemProduct", `query TroveInventoryItemProduct($id: ID!) {
  inventoryItem(id: $id) {
    id
    variant { id product { id } }
  }
}`}
)

// Wire shapes of the GraphQL answers.
type (
	gqlPageInfo struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	}
	gqlVariant struct {
		ID                string `json:"id"`
		SKU               string `json:"sku"`
		Title             string `json:"title"`
		Price             string `json:"price"`
		InventoryQuantity *int   `json:"inventoryQuantity"`
		InventoryItem     *struct {
			ID string `json:"id"`
		} `json:"inventoryItem"`
	}
	gqlVariants struct {
		PageInfo gqlPageInfo  `json:"pageInfo"`
		Nodes    []gqlVariant `json:"nodes"`
	}
	gqlProduct struct {
		ID            string   `json:"id"`
		Title         string   `json:"title"`
		Description   string   `json:"description"`
		Status        string   `json:"status"`
		Tags          []string `json:"tags"`
		UpdatedAt     string   `json:"updatedAt"`
		FeaturedMedia *struct {
			Preview *struct {
				Image *struct {
					URL string `json:"url"`
				} `json:"image"`
			} `json:"preview"`
		} `json:"featuredMedia"`
		Variants gqlVariants `json:"variants"`
	}
	gqlShopCurrency struct {
		CurrencyCode string `json:"currencyCode"`
	}
)

// Shop reads the shop's name and currency.
func (c *Client) Shop(ctx context.Context, shop, accessToken string) (ShopInfo, error) {
	var data struct {
		Shop struct {
			Name         string `json:"name"`
			CurrencyCode string `json:"currencyCode"`
		} `json:"shop"`
	}
	if err := c.graphql(ctx, shop, accessToken, opShop, nil, &data); err != nil {
		return ShopInfo{}, err
	}
	if !money.ValidCurrency(data.Shop.CurrencyCode) {
		return ShopInfo{}, fmt.Errorf("shopify: %s has currency %q, not an ISO 4217 code", shop, data.Shop.CurrencyCode)
	}
	return ShopInfo{Name: data.Shop.Name, Currency: data.Shop.CurrencyCode}, nil
}

// Product reads one product by its GID (or numeric id, as webhook payloads
// carry it). found is false when the shop has no such product (deleted).
func (c *Client) Product(ctx context.Context, shop, accessToken, productID string) (p Product, found bool, err error) {
	id, err := gid("Product", productID)
	if err != nil {
		return Product{}, false, err
	}
	var data struct {
		Shop    gqlShopCurrency `json:"shop"`
		Product *gqlProduct     `json:"product"`
	}
	if err := c.graphql(ctx, shop, accessToken, opProduct, map[string]any{"id": id, "variantsFirst": variantsPerProduct}, &data); err != nil {
		return Product{}, false, err
	}
	if data.Product == nil {
		return Product{}, false, nil
	}
	p, err = c.product(ctx, shop, accessToken, data.Shop.CurrencyCode, *data.Product)
	if err != nil {
		return Product{}, false, err
	}
	return p, true, nil
}

// ProductIDForInventoryItem finds the product (GID) whose variant holds the
// inventory item (GID or numeric id, as inventory_levels/update carries it).
// found is false when the item or its product no longer exists.
func (c *Client) ProductIDForInventoryItem(ctx context.Context, shop, accessToken, inventoryItemID string) (productID string, found bool, err error) {
	id, err := gid("InventoryItem", inventoryItemID)
	if err != nil {
		return "", false, err
	}
	var data struct {
		InventoryItem *struct {
			Variant *struct {
				Product *struct {
					ID string `json:"id"`
				} `json:"product"`
			} `json:"variant"`
		} `json:"inventoryItem"`
	}
	if err := c.graphql(ctx, shop, accessToken, opInventoryItemProduct, map[string]any{"id": id}, &data); err != nil {
		return "", false, err
	}
	if data.InventoryItem == nil || data.InventoryItem.Variant == nil || data.InventoryItem.Variant.Product == nil {
		return "", false, nil
	}
	return data.InventoryItem.Variant.Product.ID, true, nil
}

// convertProduct converts a wire product, without its variants.
func convertProduct(n gqlProduct) (Product, error) {
	p := Product{ID: n.ID, Title: n.Title, Description: n.Description, Status: n.Status, Tags: n.Tags}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if n.UpdatedAt != "" {
		t, err := time.Parse(time.RFC3339, n.UpdatedAt)
		if err != nil {
			return Product{}, fmt.Errorf("shopify: product %s updatedAt %q: %w", n.ID, n.UpdatedAt, err)
		}
		p.UpdatedAt = t.UTC()
	}
	if m := n.FeaturedMedia; m != nil && m.Preview != nil && m.Preview.Image != nil {
		p.ImageURL = m.Preview.Image.URL
	}
	return p, nil
}

// product converts a wire product, fetching the variants beyond the first
// page when there are more.
func (c *Client) product(ctx context.Context, shop, accessToken, currency string, n gqlProduct) (Product, error) {
	if !money.ValidCurrency(currency) {
		return Product{}, fmt.Errorf("shopify: %s has currency %q, not an ISO 4217 code", shop, currency)
	}
	p, err := convertProduct(n)
	if err != nil {
		return Product{}, err
	}
	variants := n.Variants
	for {
		for _, v := range variants.Nodes {
			p.Variants = append(p.Variants, convertVariant(v, currency))
		}
		if !variants.PageInfo.HasNextPage {
			break
		}
		if variants.PageInfo.EndCursor == "" {
			return Product{}, fmt.Errorf("shopify: variants of %s say there are more but give no cursor", n.ID)
		}
		var data struct {
			Product *struct {
				Variants gqlVariants `json:"variants"`
			} `json:"product"`
		}
		vars := map[string]any{"id": n.ID, "first": variantsPerFollowUpPage, "after": variants.PageInfo.EndCursor}
		if err := c.graphql(ctx, shop, accessToken, opProductVariants, vars, &data); err != nil {
			return Product{}, err
		}
		if data.Product == nil {
			return Product{}, fmt.Errorf("shopify: product %s vanished while reading its variants", n.ID)
		}
		variants = data.Product.Variants
	}
	return p, nil
}

// convertVariant converts a wire variant. A price Trove cannot take is not
// an error of the whole read (one variant's price must not stop a store's
// sync): the variant comes back with PriceErr set, for the caller to refuse.
func convertVariant(v gqlVariant, currency string) Variant {
	out := Variant{ID: v.ID, SKU: v.SKU, Title: v.Title}
	if price, err := ParsePrice(v.Price, currency); err != nil {
		out.PriceErr = fmt.Errorf("variant %s: %w", v.ID, err)
	} else {
		out.Price = price
	}
	if v.InventoryItem != nil {
		out.InventoryItemID = v.InventoryItem.ID
	}
	if v.InventoryQuantity != nil {
		out.Available = *v.InventoryQuantity
	}
	return out
}

// gid returns id as a GID of kind: a GID of that kind is kept, a bare number
// (as in REST-shaped webhook payloads) is wrapped.
func gid(kind, id string) (string, error) {
	prefix := "gid://shopify/" + kind + "/"
	if strings.HasPrefix(id, prefix) && len(id) > len(prefix) {
		return id, nil
	}
	if n, err := strconv.ParseUint(id, 10, 64); err == nil && n > 0 {
		return prefix + id, nil
	}
	return "", fmt.Errorf("shopify: %q is not a %s id", id, kind)
}

// ProductGID returns the GID of the product with the numeric id that REST-shaped
// webhook payloads carry.
func ProductGID(id int64) string { return "gid://shopify/Product/" + strconv.FormatInt(id, 10) }

// InventoryItemGID returns the GID of the inventory item with the numeric id
// that inventory_levels/update payloads carry.
func InventoryItemGID(id int64) string {
	return "gid://shopify/InventoryItem/" + strconv.FormatInt(id, 10)
}
