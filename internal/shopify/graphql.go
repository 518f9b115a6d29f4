package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// operation is one named GraphQL document. The name goes out both in the
// document and as operationName, so Shopify and the sandbox can tell
// operations apart without parsing the query.
type operation struct {
	name  string
	query string
}

// gqlRequest is the body of POST /admin/api/{version}/graphql.json.
//
// go-shopify's GraphQL.Query sends only query and variables, and on THROTTLED
// it sleeps without honouring the context; so requests go through the same
// go-shopify client's Post (which adds the versioned path, the
// X-Shopify-Access-Token header and HTTP error mapping) with this body.
type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables,omitempty"`
}

type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions *struct {
		Cost *gqlCost `json:"cost"`
	} `json:"extensions"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions *struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// gqlCost is Shopify's report of a query's cost and the shop's bucket.
type gqlCost struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// graphql runs op for shop and decodes its data into out. On THROTTLED (or
// HTTP 429) it waits until the bucket holds the query's cost and tries again,
// up to c.maxAttempts attempts in all; the wait honours ctx.
func (c *Client) graphql(ctx context.Context, shop, accessToken string, op operation, vars map[string]any, out any) error {
	if !ValidShop(shop) {
		return fmt.Errorf("shopify: %q is not a myshopify.com shop domain", shop)
	}
	if accessToken == "" {
		return fmt.Errorf("%w: no access token for %s", ErrUnauthorized, shop)
	}
	gc, err := goshopify.NewClient(goshopify.App{ApiKey: c.cfg.APIKey}, shop, accessToken,
		goshopify.WithVersion(c.cfg.APIVersion), goshopify.WithHTTPClient(c.hc))
	if err != nil {
		return fmt.Errorf("shopify: client for %s: %v", shop, err)
	}
	body := gqlRequest{Query: op.query, OperationName: op.name, Variables: vars}
	for attempt := 1; ; attempt++ {
		var res gqlResponse
		err := gc.Post(ctx, "graphql.json", body, &res)
		var wait time.Duration
		switch {
		case err != nil:
			var limited goshopify.RateLimitError
			var resErr goshopify.ResponseError
			var decErr goshopify.ResponseDecodingError
			switch {
			case errors.As(err, &limited):
				wait = max(time.Duration(limited.RetryAfter)*time.Second, time.Second)
			case errors.As(err, &resErr) && resErr.Status == 401:
				return fmt.Errorf("%w: %s on %s: %s", ErrUnauthorized, op.name, shop, resErr.Error())
			case errors.As(err, &resErr):
				return fmt.Errorf("shopify: %s on %s: HTTP %d: %s", op.name, shop, resErr.Status, resErr.Error())
			case errors.As(err, &decErr):
				if decErr.Status == 401 {
					return fmt.Errorf("%w: %s on %s", ErrUnauthorized, op.name, shop)
				}
				return fmt.Errorf("shopify: %s on %s: HTTP %d: undecodable answer: %s", op.name, shop, decErr.Status, decErr.Message)
			default:
				return fmt.Errorf("shopify: %s on %s: %w", op.name, shop, err)
			}
		case throttled(res.Errors):
			wait = throttleWait(res)
		case len(res.Errors) > 0:
			msgs := make([]string, 0, len(res.Errors))
			for _, e := range res.Errors {
				m := e.Message
				if e.Extensions != nil && e.Extensions.Code != "" {
					m += " (" + e.Extensions.Code + ")"
				}
				msgs = append(msgs, m)
			}
			return fmt.Errorf("shopify: %s on %s: %s", op.name, shop, strings.Join(msgs, "; "))
		default:
			if out == nil {
				return nil
			}
			if len(res.Data) == 0 || string(res.Data) == "null" {
				return fmt.Errorf("shopify: %s on %s: answer has no data", op.name, shop)
			}
			if err := json.Unmarshal(res.Data, out); err != nil {
				return fmt.Errorf("shopify: %s on %s: decoding data: %w", op.name, shop, err)
			}
			return nil
		}
		if attempt >= c.maxAttempts {
			return fmt.Errorf("%w: %s on %s after %d attempts", ErrThrottled, op.name, shop, attempt)
		}
		t := time.NewTimer(min(wait, c.maxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("shopify: %s on %s: waiting out throttling: %w", op.name, shop, ctx.Err())
		case <-t.C:
		}
	}
}

func throttled(errs []gqlError) bool {
	for _, e := range errs {
		if e.Extensions != nil && e.Extensions.Code == "THROTTLED" {
			return true
		}
	}
	return false
}

// throttleWait is how long the bucket needs to refill to the requested cost
// at its restore rate, plus a little; a second when the answer does not say.
func throttleWait(res gqlResponse) time.Duration {
	if res.Extensions == nil || res.Extensions.Cost == nil {
		return time.Second
	}
	cost := res.Extensions.Cost
	need := cost.RequestedQueryCost - cost.ThrottleStatus.CurrentlyAvailable
	rate := cost.ThrottleStatus.RestoreRate
	if need <= 0 || rate <= 0 || math.IsNaN(need) || math.IsInf(need, 0) {
		return time.Second
	}
	return time.Duration(need/rate*float64(time.Second)) + 50*time.Millisecond
}
