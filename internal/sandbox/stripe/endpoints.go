package stripe

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"time"
)

// Webhook endpoints made through the API (/v1/webhook_endpoints), as
// Stripe keeps them: a URL, the events it is subscribed to, whether it is a
// Connect endpoint (connected accounts' events) or the platform's, and the
// API version its events are rendered at, fixed at creation (an endpoint
// made without one renders at the account's default version). Its secret
// is answered at creation only. Enabled endpoints receive events, signed
// with their own secret, besides the endpoints of Config.

// stripeMaxEndpoints is how many endpoints Stripe lets an account have
// (per mode).
const stripeMaxEndpoints = 16

type stripeEndpoint struct {
	ID, URL, APIVersion, Description, Secret, Status string
	Connect                                          bool
	Events                                           []string
	Metadata                                         map[string]string
	Created                                          time.Time
	Seq                                              int
}

func (ep *stripeEndpoint) subscribed(typ string) bool {
	return slices.Contains(ep.Events, "*") || slices.Contains(ep.Events, typ)
}

// WebhookEndpoint is an endpoint made through the API, as the stand-in
// holds it (its secret included, for tests to sign with).
type WebhookEndpoint struct {
	ID, URL, APIVersion, Status, Secret string
	Connect                             bool
	EnabledEvents                       []string
	Metadata                            map[string]string
}

// WebhookEndpoints returns the endpoints made through the API, oldest first.
func (s *Stripe) WebhookEndpoints() []WebhookEndpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.endpointList()
	out := make([]WebhookEndpoint, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		ep := list[i]
		out = append(out, WebhookEndpoint{ID: ep.ID, URL: ep.URL, APIVersion: ep.APIVersion, Status: ep.Status, Secret: ep.Secret,
			Connect: ep.Connect, EnabledEvents: slices.Clone(ep.Events), Metadata: stripeCopy(ep.Metadata)})
	}
	return out
}

// endpointList is every endpoint made through the API, newest first, as
// Stripe lists them. Callers hold s.mu.
func (s *Stripe) endpointList() []*stripeEndpoint {
	out := make([]*stripeEndpoint, 0, len(s.Endpoints))
	for _, ep := range s.Endpoints {
		out = append(out, ep)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

func (s *Stripe) endpointRoutes(route func(string, func(*stripeReq) (any, *stripeError), stripeRoute)) {
	meta := "metadata[*]"
	route("POST /v1/webhook_endpoints", s.createEndpoint, stripeRoute{params: []string{"url", "enabled_events[#]", "api_version",
		"connect", "description", meta}})
	route("GET /v1/webhook_endpoints", s.listEndpoints, stripeRoute{params: []string{"limit", "starting_after", "ending_before"}})
	route("GET /v1/webhook_endpoints/{id}", s.getEndpoint, stripeRoute{})
	// api_version and connect are fixed at creation: Stripe refuses them
	// here as unknown parameters.
	route("POST /v1/webhook_endpoints/{id}", s.updateEndpoint, stripeRoute{params: []string{"url", "enabled_events[#]", "disabled",
		"description", meta}})
	route("DELETE /v1/webhook_endpoints/{id}", s.deleteEndpoint, stripeRoute{})
}

// stripeVersionShape is an API version as Stripe names them (2023-10-16,
// 2024-09-30.acacia).
var stripeVersionShape = regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9](\.[a-z]+)?$`)

// checkEndpointURL checks an endpoint's URL as Stripe does: absolute, and https
// in live mode.
func (s *Stripe) checkEndpointURL(q *stripeReq) (string, *stripeError) {
	raw := q.form.Get("url")
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", stripeInvalid("url", "Invalid URL: %s. URLs must be absolute and begin with http:// or https://.", raw)
	}
	if u.Scheme != "https" && s.livemode() {
		return "", stripeInvalid("url", "Invalid URL: %s. Webhook endpoints in live mode must use HTTPS.", raw)
	}
	return raw, nil
}

// enabledEvents reads enabled_events[#]: each a type Stripe sends at
// 2023-10-16, or "*".
func (q *stripeReq) enabledEvents() ([]string, *stripeError) {
	var keys []string
	for k := range q.form {
		if segs := stripeSegments(k); segs[0] == "enabled_events" {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return stripeIndex(keys[i]) < stripeIndex(keys[j]) })
	var out []string
	for i, k := range keys {
		v := q.form.Get(k)
		if v != "*" && !stripeKnownEvent(v) {
			return nil, stripeInvalid(fmt.Sprintf("enabled_events[%d]", i),
				"Invalid enabled_events[%d]: must be one of the event types Stripe sends (such as payment_intent.succeeded) or *; %q is not one.", i, v)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// stripeIndex is the index of "enabled_events[3]" (0 when it has none).
func stripeIndex(key string) int {
	segs := stripeSegments(key)
	n := 0
	if len(segs) > 1 {
		fmt.Sscan(segs[1], &n)
	}
	return n
}

func (s *Stripe) createEndpoint(q *stripeReq) (any, *stripeError) {
	if q.form.Get("url") == "" {
		return nil, stripeMissingParam("url")
	}
	u, e := s.checkEndpointURL(q)
	if e != nil {
		return nil, e
	}
	events, e := q.enabledEvents()
	if e != nil {
		return nil, e
	}
	if len(events) == 0 {
		return nil, stripeMissingParam("enabled_events")
	}
	version := q.form.Get("api_version")
	if version != "" && !stripeVersionShape.MatchString(version) {
		return nil, stripeInvalid("api_version", "Invalid api_version: %s is not a Stripe API version (such as %s).", version, stripeAPIVersion)
	}
	connect, e := q.bool("connect")
	if e != nil {
		return nil, e
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	if len(s.Endpoints) >= stripeMaxEndpoints {
		return nil, stripeInvalid("", "You have reached the maximum of %d webhook endpoints for this account (in this mode). Delete one before adding another.",
			stripeMaxEndpoints)
	}
	s.EndpointSeq++
	ep := &stripeEndpoint{ID: stripeID("we"), URL: u, APIVersion: version, Description: q.form.Get("description"),
		Secret: "whsec_" + stripeRandom(32), Status: "enabled", Connect: connect, Events: events, Metadata: md,
		Created: s.clock.Now(), Seq: s.EndpointSeq}
	s.Endpoints[ep.ID] = ep
	out := s.renderEndpoint(ep)
	out["secret"] = ep.Secret // on creation only
	return out, nil
}

func (s *Stripe) getEndpoint(q *stripeReq) (any, *stripeError) {
	ep, ok := s.Endpoints[q.id()]
	if !ok {
		return nil, stripeMissing("webhook endpoint", q.id(), "id")
	}
	return s.renderEndpoint(ep), nil
}

func (s *Stripe) updateEndpoint(q *stripeReq) (any, *stripeError) {
	ep, ok := s.Endpoints[q.id()]
	if !ok {
		return nil, stripeMissing("webhook endpoint", q.id(), "id")
	}
	if q.form.Has("url") {
		u, e := s.checkEndpointURL(q)
		if e != nil {
			return nil, e
		}
		ep.URL = u
	}
	events, e := q.enabledEvents()
	if e != nil {
		return nil, e
	}
	if len(events) > 0 {
		ep.Events = events
	}
	if q.form.Has("disabled") {
		off, e := q.bool("disabled")
		if e != nil {
			return nil, e
		}
		ep.Status = "enabled"
		if off {
			ep.Status = "disabled"
		}
	}
	if q.form.Has("description") {
		ep.Description = q.form.Get("description")
	}
	md, e := q.metadata("metadata")
	if e != nil {
		return nil, e
	}
	for k, v := range md {
		ep.Metadata[k] = v
	}
	return s.renderEndpoint(ep), nil
}

func (s *Stripe) deleteEndpoint(q *stripeReq) (any, *stripeError) {
	ep, ok := s.Endpoints[q.id()]
	if !ok {
		return nil, stripeMissing("webhook endpoint", q.id(), "id")
	}
	delete(s.Endpoints, ep.ID)
	return map[string]any{"id": ep.ID, "object": "webhook_endpoint", "deleted": true}, nil
}

func (s *Stripe) listEndpoints(q *stripeReq) (any, *stripeError) {
	limit, given, e := q.int("limit", false)
	if e != nil {
		return nil, e
	}
	if !given {
		limit = 10
	}
	if limit < 1 || limit > 100 {
		return nil, stripeInvalid("limit", "Invalid integer: %d; limit must be between 1 and 100.", limit)
	}
	list := s.endpointList()
	if after := q.form.Get("starting_after"); after != "" {
		at := slices.IndexFunc(list, func(ep *stripeEndpoint) bool { return ep.ID == after })
		if at < 0 {
			return nil, stripeMissing("webhook endpoint", after, "starting_after")
		}
		list = list[at+1:]
	}
	more := len(list) > int(limit)
	if more {
		list = list[:limit]
	}
	data := make([]any, 0, len(list))
	for _, ep := range list {
		data = append(data, s.renderEndpoint(ep))
	}
	return map[string]any{"object": "list", "data": data, "has_more": more, "url": "/v1/webhook_endpoints"}, nil
}

func (s *Stripe) renderEndpoint(ep *stripeEndpoint) map[string]any {
	return map[string]any{
		"id": ep.ID, "object": "webhook_endpoint", "api_version": stripeNullable(ep.APIVersion), "application": nil,
		"created": ep.Created.Unix(), "description": stripeNullable(ep.Description), "enabled_events": slices.Clone(ep.Events),
		"livemode": s.livemode(), "metadata": stripeCopy(ep.Metadata), "status": ep.Status, "url": ep.URL,
	}
}
