package stripe

import (
	"net/http"
	"regexp"
	"strings"
)

// stripeID is an object id in a path: a lower-case prefix, an underscore and
// the rest (pi_…, ch_…, acct_…, whsec_ never appears in a path).
var stripeID = regexp.MustCompile(`^[a-z]+_[A-Za-z0-9_]+$`)

// Operation names a call to Stripe for metrics: the method and the path
// under /v1 with every object id replaced by {id}, e.g.
// "POST /v1/payment_intents/{id}/confirm". Whatever comes before /v1 (a
// stand-in's base path) is left out.
func Operation(r *http.Request) string {
	path := r.URL.Path
	if i := strings.Index(path, "/v1/"); i >= 0 {
		path = path[i:]
	}
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if stripeID.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}
