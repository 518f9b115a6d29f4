package xero

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenSource gives the accounting calls an access token for a tenant. It is
// implemented by the caller, which stores sealed tokens and refreshes them
// (through Client.Refresh) single-flight across processes.
type TokenSource interface {
	// AccessToken returns a live access token for the tenant; force asks for a
	// refreshed one (the previous was refused with 401).
	AccessToken(ctx context.Context, tenantID string, force bool) (string, error)
}

// TenantClient calls the Accounting API for one tenant. Cheap to make; all
// TenantClients of one Client share that tenant's limiter. Safe for
// concurrent use.
type TenantClient struct {
	c        *Client
	tenantID string
	ts       TokenSource
}

// Tenant returns the accounting client for tenantID, getting its access
// tokens from ts.
func (c *Client) Tenant(tenantID string, ts TokenSource) *TenantClient {
	return &TenantClient{c: c, tenantID: tenantID, ts: ts}
}

// TenantID is the tenant this client calls.
func (t *TenantClient) TenantID() string { return t.tenantID }

const accountingPath = "/api.xro/2.0"

// call is one accounting request, before the retries.
type call struct {
	op      string
	method  string
	path    string // under /api.xro/2.0, e.g. "/Invoices"
	query   url.Values
	idemKey string // required for PUT and POST
	in      any    // JSON body, or nil
}

// do sends the call through the budget, handling 429 (wait Retry-After and
// retry, bounded), 401 (one forced token, unless the token lacks a scope),
// 5xx and network errors (one quick retry), and decodes a 2xx answer into out.
func (t *TenantClient) do(ctx context.Context, cl call, out any) error {
	if t.tenantID == "" {
		return &Error{kind: ErrValidation, Op: cl.op, Message: "no tenant id"}
	}
	if t.ts == nil {
		return &Error{kind: ErrUnauthorized, Op: cl.op, Message: "no token source"}
	}
	write := cl.method == http.MethodPut || cl.method == http.MethodPost
	if write && strings.TrimSpace(cl.idemKey) == "" {
		return &Error{kind: ErrValidation, Op: cl.op, Message: "an idempotency key is required"}
	}
	if len(cl.idemKey) > 128 {
		return &Error{kind: ErrValidation, Op: cl.op, Message: "the idempotency key is longer than Xero's 128 characters"}
	}
	var body []byte
	if cl.in != nil {
		var err error
		if body, err = json.Marshal(cl.in); err != nil {
			return fmt.Errorf("xero: %s: encode request: %w", cl.op, err)
		}
	}
	u := t.c.apiBase + accountingPath + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	token, err := t.ts.AccessToken(ctx, t.tenantID, false)
	if err != nil {
		return fmt.Errorf("xero: %s: access token: %w", cl.op, err)
	}

	forced, quickRetried, rateLimited := false, false, 0
	for attempt := 1; ; attempt++ {
		release, err := t.c.budget.acquire(ctx, t.tenantID)
		if err != nil {
			var xe *Error
			if errors.As(err, &xe) {
				xe.Op = cl.op
			}
			return err
		}
		req, err := http.NewRequestWithContext(ctx, cl.method, u, bytes.NewReader(body))
		if err != nil {
			release()
			return fmt.Errorf("xero: %s: %w", cl.op, err)
		}
		if body == nil {
			req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("xero-tenant-id", t.tenantID)
		if cl.idemKey != "" {
			req.Header.Set("Idempotency-Key", cl.idemKey)
		}
		started := time.Now()
		resp, err := t.c.hc.Do(req)
		var respBody []byte
		if err == nil {
			respBody, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
			resp.Body.Close()
		}
		release()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			t.c.log.WarnContext(ctx, "xero call failed", "op", cl.op, "tenant", t.tenantID, "attempt", attempt, "err", scrubURLError(err))
			if !quickRetried {
				quickRetried = true
				if err := t.c.sleep(ctx, t.c.quickRetryWait); err != nil {
					return err
				}
				continue
			}
			return &Error{kind: ErrUnavailable, Op: cl.op, cause: scrubURLError(err)}
		}
		t.c.log.DebugContext(ctx, "xero call", "op", cl.op, "method", cl.method, "path", cl.path,
			"tenant", t.tenantID, "status", resp.StatusCode, "attempt", attempt, "took", time.Since(started))

		switch s := resp.StatusCode; {
		case s >= 200 && s < 300:
			if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				return &Error{kind: ErrUnavailable, Op: cl.op, Status: s, Message: "unreadable response", cause: err}
			}
			return nil

		case s == http.StatusUnauthorized && lacksScope(resp.Header, respBody):
			// A fresh token carries the same scopes: refreshing cannot help.
			e := responseError(cl.op, resp, respBody).(*Error)
			e.kind = ErrInsufficientScope
			e.Message = "Xero refused the call: the connection's consent did not grant " + cl.scope() +
				"; connect the organisation again to grant it"
			return e

		case s == http.StatusUnauthorized && !forced:
			forced = true
			t.c.log.InfoContext(ctx, "xero refused the access token; asking for a fresh one", "op", cl.op, "tenant", t.tenantID)
			if token, err = t.ts.AccessToken(ctx, t.tenantID, true); err != nil {
				return fmt.Errorf("xero: %s: refreshed access token: %w", cl.op, err)
			}
			continue

		case s == http.StatusTooManyRequests:
			wait := retryAfter(resp.Header)
			problem := resp.Header.Get("X-Rate-Limit-Problem")
			if isDailyProblem(problem) {
				return &Error{kind: ErrDailyLimit, Op: cl.op, Status: s, Message: "Xero says the tenant's daily limit is spent", RetryAfter: wait}
			}
			rateLimited++
			if rateLimited >= t.c.maxRateAttempts {
				return &Error{kind: ErrRateLimited, Op: cl.op, Status: s, Type: problem,
					Message: fmt.Sprintf("still throttled after %d attempts", rateLimited), RetryAfter: wait}
			}
			if wait <= 0 {
				wait = time.Second
			}
			wait = min(wait, t.c.maxRetryWait)
			t.c.log.InfoContext(ctx, "xero rate limited; waiting", "op", cl.op, "tenant", t.tenantID, "problem", problem, "wait", wait)
			if err := t.c.sleep(ctx, wait); err != nil {
				return err
			}
			continue

		case s >= 500 && !quickRetried:
			quickRetried = true
			t.c.log.WarnContext(ctx, "xero server error; retrying once", "op", cl.op, "tenant", t.tenantID, "status", s)
			if err := t.c.sleep(ctx, t.c.quickRetryWait); err != nil {
				return err
			}
			continue
		}
		return responseError(cl.op, resp, respBody)
	}
}

// isDailyProblem reports whether X-Rate-Limit-Problem names the daily limit
// (Xero's SDKs surface it as the limit type; both spellings are accepted).
func isDailyProblem(p string) bool {
	p = strings.ToLower(strings.TrimSpace(p))
	return p == "day" || p == "daily"
}

// lacksScope reports whether a 401 says the token lacks the call's scope
// rather than being bad or expired: Xero names it in WWW-Authenticate
// (Bearer error="insufficient_scope") and answers Detail
// "AuthorizationUnsuccessful" (an unknown or expired token is
// "AuthenticationUnsuccessful" or "TokenExpired: …").
func lacksScope(h http.Header, body []byte) bool {
	for _, v := range h.Values("WWW-Authenticate") {
		if strings.Contains(v, "insufficient_scope") {
			return true
		}
	}
	var b struct{ Detail string }
	return json.Unmarshal(body, &b) == nil && b.Detail == "AuthorizationUnsuccessful"
}

// scope names the scope the call needs, for the operator's message.
func (cl call) scope() string {
	p := strings.TrimPrefix(cl.path, "/")
	p, _, _ = strings.Cut(p, "/")
	s := map[string]string{"Contacts": scopeContacts, "Invoices": scopeInvoices, "CreditNotes": scopeInvoices,
		"Payments": scopePayments}[p]
	if s == "" {
		return "the scope this call needs"
	}
	if cl.method == http.MethodGet {
		return s + " (or " + s + ".read)"
	}
	return s
}

// retryAfter reads how long Xero asks us to wait: Retry-After, in whole
// seconds (or an HTTP date). 0 when it does not say. Nothing else is read:
// Xero sends no finer header, and the adapter speaks only Xero's.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := time.Until(at); d > 0 {
			return d
		}
	}
	return 0
}

// responseError turns a non-2xx answer into an *Error, with Xero's own
// words: the exception Type and Message, and every ValidationErrors message.
func responseError(op string, resp *http.Response, body []byte) error {
	s := resp.StatusCode
	e := &Error{Op: op, Status: s}
	switch {
	case s == http.StatusBadRequest:
		e.kind = ErrValidation
	case s == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case s == http.StatusForbidden:
		e.kind = ErrForbidden
	case s == http.StatusNotFound:
		e.kind = ErrNotFound
	case s == http.StatusTooManyRequests:
		e.kind, e.RetryAfter = ErrRateLimited, retryAfter(resp.Header)
	case s >= 500:
		e.kind = ErrUnavailable
	default:
		e.kind = ErrValidation
	}
	var xe struct {
		Type     string `json:"Type"`
		Message  string `json:"Message"`
		Title    string `json:"Title"`
		Detail   string `json:"Detail"`
		Elements []struct {
			ValidationErrors []wireValidationError `json:"ValidationErrors"`
		} `json:"Elements"`
		ValidationErrors []wireValidationError `json:"ValidationErrors"`
	}
	if json.Unmarshal(body, &xe) == nil {
		e.Type = xe.Type
		e.Message = xe.Message
		if e.Message == "" {
			e.Message = strings.TrimSpace(strings.TrimSpace(xe.Title + " " + xe.Detail))
		}
		seen := map[string]bool{}
		add := func(ves []wireValidationError) {
			for _, v := range ves {
				if v.Message != "" && !seen[v.Message] {
					seen[v.Message] = true
					e.Validation = append(e.Validation, v.Message)
				}
			}
		}
		add(xe.ValidationErrors)
		for _, el := range xe.Elements {
			add(el.ValidationErrors)
		}
	} else if text := strings.TrimSpace(string(body)); text != "" && s != http.StatusUnauthorized {
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		e.Message = text
	}
	return e
}

type wireValidationError struct {
	Message string `json:"Message"`
}

// scrubURLError drops the request URL from a transport error: it is long and
// says nothing the Op does not (tokens are never in URLs, but keep it so).
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
