package shopify

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Operation names a call to Shopify for metrics: a GraphQL call by its
// operation name (every query Trove sends is named: "TroveOrderCreate"), the
// OAuth token exchange as "oauth token", anything else as its method and the
// path under /admin with the version left out.
func Operation(r *http.Request) string {
	path := r.URL.Path
	switch {
	case strings.HasSuffix(path, "/graphql.json"):
		if name := gqlOperationName(r); name != "" {
			return "graphql " + name
		}
		return "graphql"
	case strings.HasSuffix(path, "/admin/oauth/access_token"):
		return "oauth token"
	}
	if i := strings.Index(path, "/admin/"); i >= 0 {
		path = path[i:]
	}
	if rest, ok := strings.CutPrefix(path, "/admin/api/"); ok {
		if _, after, ok := strings.Cut(rest, "/"); ok {
			path = "/admin/api/{version}/" + after
		}
	}
	return r.Method + " " + path
}

// gqlOperationName reads operationName from a copy of the request's body
// (GetBody: the request itself is not consumed), or "".
func gqlOperationName(r *http.Request) string {
	if r.GetBody == nil {
		return ""
	}
	body, err := r.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var req struct {
		OperationName string `json:"operationName"`
	}
	if json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&req) != nil || len(req.OperationName) > 100 {
		return ""
	}
	return req.OperationName
}
