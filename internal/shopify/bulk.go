package shopify

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// A whole catalog is read with a bulk operation: Shopify runs the query in
// the background and hands back a JSONL file. Paging products(first: 50)
// instead asks about 800 points a page of the shop's bucket (2,000, refilled
// at 100 a second), which the hourly sweep would spend while hand-offs need
// it; a bulk operation costs 10 points to start and 1 per status poll,
// whatever the catalog's size. Single reads (webhook follow-ups) still use
// the paged queries: they are small.

// ErrBulkFailed: Shopify ran the bulk operation and it did not complete
// (FAILED, CANCELED or EXPIRED). A later try may succeed.
var ErrBulkFailed = errors.New("shopify: bulk operation did not complete")

// The bulk query: every product in every status with every variant. Bulk
// queries take connections as edges { node }, without first: or after:;
// the output is flat (groupObjects defaults to false from 2026-01): one line
// per product, one per variant with __parentId naming its product, in no
// promised order.
const bulkProductsQuery = `{
  products {
    edges {
      node {
        id
        title
        description
        status
        tags
        updatedAt
        featuredMedia { preview { image { url } } }
        variants {
          edges {
            node {
              id
              sku
              title
              price
              inventoryQuantity
              inventoryItem { id }
            }
          }
        }
      }
    }
  }
}`

var (
	opBulkRun = operation{"TroveBulkRun", `mutation TroveBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`}
	opBulkOperation = operation{"TroveBulkOperation", `query TroveBulkOperation($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount url }
}`}
)

type gqlBulkOperation struct {
	ID          string  `json:"id"`
	Status      string  `json:"status"`
	ErrorCode   *string `json:"errorCode"`
	ObjectCount string  `json:"objectCount"` // UnsignedInt64, a string on the wire
	URL         *string `json:"url"`
}

// Bulk polling: the first look at once (a small store is done by then), then
// waits doubling from bulkPollFirst up to bulkPollMax. The caller's context
// bounds the whole (the sync jobs allow ten minutes).
const (
	bulkPollFirst = 100 * time.Millisecond
	bulkPollMax   = 5 * time.Second
	// maxBulkLine bounds one JSONL line: a product line carries the
	// description (up to 64 KB in the catalog) and little else.
	maxBulkLine = 4 << 20
)

// AllProducts reads every product of the shop (every status) with all its
// variants, with one bulk operation. The caller's context bounds the wait
// for Shopify to finish it.
func (c *Client) AllProducts(ctx context.Context, shop, accessToken string) ([]Product, error) {
	info, err := c.Shop(ctx, shop, accessToken) // prices are in the shop's currency
	if err != nil {
		return nil, err
	}
	var run struct {
		Run *struct {
			Op         *gqlBulkOperation `json:"bulkOperation"`
			UserErrors []struct {
				Field   []string `json:"field"`
				Message string   `json:"message"`
				Code    *string  `json:"code"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	if err := c.graphql(ctx, shop, accessToken, opBulkRun, map[string]any{"query": bulkProductsQuery}, &run); err != nil {
		return nil, err
	}
	switch {
	case run.Run == nil:
		return nil, fmt.Errorf("shopify: bulk products of %s: empty answer", shop)
	case len(run.Run.UserErrors) > 0:
		msgs := make([]string, 0, len(run.Run.UserErrors))
		for _, e := range run.Run.UserErrors {
			m := e.Message
			if e.Code != nil && *e.Code != "" {
				m += " (" + *e.Code + ")"
			}
			msgs = append(msgs, m)
		}
		return nil, fmt.Errorf("shopify: bulk products of %s refused: %s", shop, strings.Join(msgs, "; "))
	case run.Run.Op == nil || run.Run.Op.ID == "":
		return nil, fmt.Errorf("shopify: bulk products of %s: no operation and no userErrors", shop)
	}
	op, err := c.waitBulk(ctx, shop, accessToken, run.Run.Op.ID)
	if err != nil {
		return nil, err
	}
	if op.URL == nil || *op.URL == "" {
		if op.ObjectCount != "0" && op.ObjectCount != "" {
			return nil, fmt.Errorf("shopify: bulk products of %s: %s objects but no file", shop, op.ObjectCount)
		}
		return []Product{}, nil // an empty store: Shopify gives no file
	}
	return c.readBulkProducts(ctx, shop, *op.URL, info.Currency)
}

// waitBulk polls the operation until it is done.
func (c *Client) waitBulk(ctx context.Context, shop, accessToken, id string) (gqlBulkOperation, error) {
	wait := time.Duration(0)
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return gqlBulkOperation{}, fmt.Errorf("shopify: waiting for bulk operation %s on %s: %w", id, shop, ctx.Err())
			case <-t.C:
			}
		}
		wait = min(max(2*wait, bulkPollFirst), bulkPollMax)
		var data struct {
			Op *gqlBulkOperation `json:"bulkOperation"`
		}
		if err := c.graphql(ctx, shop, accessToken, opBulkOperation, map[string]any{"id": id}, &data); err != nil {
			return gqlBulkOperation{}, err
		}
		if data.Op == nil {
			return gqlBulkOperation{}, fmt.Errorf("shopify: bulk operation %s on %s: not found", id, shop)
		}
		switch data.Op.Status {
		case "COMPLETED":
			return *data.Op, nil
		case "CREATED", "RUNNING":
		default: // FAILED, CANCELING, CANCELED, EXPIRED
			code := ""
			if data.Op.ErrorCode != nil {
				code = " (" + *data.Op.ErrorCode + ")"
			}
			return gqlBulkOperation{}, fmt.Errorf("%w: %s on %s is %s%s", ErrBulkFailed, id, shop, data.Op.Status, code)
		}
	}
}

// readBulkProducts downloads and parses the JSONL file of the bulk
// products query. The file's URL is signed: no access token goes with it.
func (c *Client) readBulkProducts(ctx context.Context, shop, fileURL, currency string) ([]Product, error) {
	u, err := url.Parse(fileURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("shopify: bulk products of %s: file URL %.200q is not an https URL", shop, fileURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	// The download may take longer than one API call: the context bounds it.
	hc := *c.hc
	hc.Timeout = 0
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("shopify: downloading bulk products of %s: %w", shop, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return nil, fmt.Errorf("shopify: downloading bulk products of %s: HTTP %d: %s", shop, res.StatusCode, b)
	}
	return parseBulkProducts(res.Body, currency)
}

// parseBulkProducts reads the bulk products JSONL: product lines and variant
// lines (with __parentId), in any order.
func parseBulkProducts(r io.Reader, currency string) ([]Product, error) {
	var (
		order    []string
		products = map[string]*Product{}
		variants = map[string][]Variant{}
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxBulkLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var head struct {
			ID     string `json:"id"`
			Parent string `json:"__parentId"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			return nil, fmt.Errorf("shopify: bulk file line %d: %w", n, err)
		}
		switch {
		case strings.HasPrefix(head.ID, "gid://shopify/ProductVariant/") && head.Parent != "":
			var v gqlVariant
			if err := json.Unmarshal(line, &v); err != nil {
				return nil, fmt.Errorf("shopify: bulk file line %d: %w", n, err)
			}
			variants[head.Parent] = append(variants[head.Parent], convertVariant(v, currency))
		case strings.HasPrefix(head.ID, "gid://shopify/Product/") && head.Parent == "":
			var gp gqlProduct
			if err := json.Unmarshal(line, &gp); err != nil {
				return nil, fmt.Errorf("shopify: bulk file line %d: %w", n, err)
			}
			if _, dup := products[gp.ID]; dup {
				return nil, fmt.Errorf("shopify: bulk file line %d: product %s twice", n, gp.ID)
			}
			p, err := convertProduct(gp)
			if err != nil {
				return nil, fmt.Errorf("shopify: bulk file line %d: %w", n, err)
			}
			products[gp.ID] = &p
			order = append(order, gp.ID)
		default:
			return nil, fmt.Errorf("shopify: bulk file line %d: %.100q is neither a product nor a variant of one", n, head.ID)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("shopify: reading the bulk file: %w", err)
	}
	for parent := range variants {
		if _, ok := products[parent]; !ok {
			return nil, fmt.Errorf("shopify: bulk file has variants of %s but not the product", parent)
		}
	}
	out := make([]Product, 0, len(order))
	for _, id := range order {
		p := products[id]
		p.Variants = variants[id]
		out = append(out, *p)
	}
	return out, nil
}
