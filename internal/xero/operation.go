package xero

import (
	"net/http"
	"regexp"
	"strings"
)

// xeroGUID is the id Xero puts in its paths (InvoiceID, ContactID…).
var xeroGUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Operation names a call to Xero for metrics: the method and the path from
// the API's own root (/api.xro/2.0/…, /connections, /connect/token) with ids
// replaced by {id}, e.g. "PUT /api.xro/2.0/Invoices" or
// "GET /api.xro/2.0/Invoices/{id}". A stand-in's base path is left out.
func Operation(r *http.Request) string {
	path := r.URL.Path
	for _, root := range []string{accountingPath, "/connections", "/connect/"} {
		if i := strings.Index(path, root); i >= 0 {
			path = path[i:]
			break
		}
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if xeroGUID.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}
