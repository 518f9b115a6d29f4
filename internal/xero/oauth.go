package xero

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token is what the token endpoint hands out. Access tokens live 30 minutes;
// the refresh token rotates on every use, so store the new pair atomically
// after every ExchangeCode and Refresh.
//
// String, GoString and LogValue never print the tokens.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time // from Config.Clock at the time of the answer
}

func (t Token) String() string {
	return fmt.Sprintf("xero.Token{AccessToken:%s RefreshToken:%s ExpiresAt:%s}",
		redact(t.AccessToken), redact(t.RefreshToken), t.ExpiresAt.Format(time.RFC3339))
}

func (t Token) GoString() string { return t.String() }

// LogValue keeps tokens out of slog output.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_token", redact(t.AccessToken)),
		slog.String("refresh_token", redact(t.RefreshToken)),
		slog.Time("expires_at", t.ExpiresAt),
	)
}

func redact(s string) string {
	if s == "" {
		return "<none>"
	}
	return "<redacted>"
}

// Tenant is an organisation connected to the app.
type Tenant struct {
	ID           string // the tenantId: what every accounting call sends as xero-tenant-id
	Name         string
	Type         string // ORGANISATION, PRACTICE, …
	ConnectionID string // the connection's own id (DELETE /connections/{id} disconnects)
}

// AuthorizeURL is where to send the browser to connect an organisation.
// state must be a fresh, unguessable nonce checked on the callback.
func (c *Client) AuthorizeURL(state, redirectURI string) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("client_id", c.cfg.ClientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("scope", strings.Join(c.cfg.Scopes, " "))
	q.Set("state", state)
	return c.loginBase + "/identity/connect/authorize?" + q.Encode()
}

// ExchangeCode trades the callback's authorization code for the first token pair.
func (c *Client) ExchangeCode(ctx context.Context, code, redirectURI string) (Token, error) {
	if code == "" {
		return Token{}, &Error{kind: ErrInvalidGrant, Op: "exchange code", Message: "empty authorization code"}
	}
	return c.token(ctx, "exchange code", url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {redirectURI},
	})
}

// Refresh trades a refresh token for a new pair. The old refresh token is
// spent (Xero allows a short grace period, but do not count on it): store the
// new pair before using it. A refused refresh token gives an error wrapping
// ErrInvalidGrant; the organisation must then be connected again.
//
// Refresh is explicit on purpose: nothing in this package refreshes behind
// the caller's back, because the caller must persist every rotated token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, &Error{kind: ErrInvalidGrant, Op: "refresh token", Message: "empty refresh token"}
	}
	return c.token(ctx, "refresh token", url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	})
}

// token posts a grant to the token endpoint, authenticating the app with
// HTTP Basic (what Xero asks for; the same encoding as oauth2's
// AuthStyleInHeader: id and secret form-escaped, RFC 6749 §2.3.1).
func (c *Client) token(ctx context.Context, op string, form url.Values) (Token, error) {
	endpoint := c.identityBase + "/connect/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("xero: %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Token{}, ctx.Err()
		}
		return Token{}, &Error{kind: ErrUnavailable, Op: op, cause: scrubURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, cause: err}
	}
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &oe)
		e := &Error{Op: op, Status: resp.StatusCode, Type: oe.Error, Message: oe.Description}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			e.kind, e.RetryAfter = ErrRateLimited, retryAfter(resp.Header)
		case resp.StatusCode >= 500:
			e.kind = ErrUnavailable
		case oe.Error == "invalid_client" || oe.Error == "unauthorized_client":
			e.kind = ErrInvalidClient
		default:
			e.kind = ErrInvalidGrant
		}
		c.log.WarnContext(ctx, "xero token endpoint refused", "op", op, "status", resp.StatusCode, "error", oe.Error)
		return Token{}, e
	}
	var tr struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		TokenType    string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Message: "unreadable token response", cause: err}
	}
	if tr.AccessToken == "" {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Message: "token response has no access_token"}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Message: "unexpected token_type " + tr.TokenType}
	}
	expiresIn := time.Duration(tr.ExpiresIn) * time.Second
	if tr.ExpiresIn <= 0 {
		expiresIn = 30 * time.Minute // Xero's documented lifetime
	}
	return Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ExpiresAt: c.clock.Now().Add(expiresIn)}, nil
}

// Connections lists the organisations the access token may reach.
func (c *Client) Connections(ctx context.Context, accessToken string) ([]Tenant, error) {
	const op = "list connections"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.apiBase+"/connections", nil)
	if err != nil {
		return nil, fmt.Errorf("xero: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{kind: ErrUnavailable, Op: op, cause: scrubURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, cause: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, responseError(op, resp, body)
	}
	var conns []struct {
		ID         string `json:"id"`
		TenantID   string `json:"tenantId"`
		TenantType string `json:"tenantType"`
		TenantName string `json:"tenantName"`
	}
	if err := json.Unmarshal(body, &conns); err != nil {
		return nil, &Error{kind: ErrUnavailable, Op: op, Status: resp.StatusCode, Message: "unreadable connections", cause: err}
	}
	out := make([]Tenant, 0, len(conns))
	for _, cn := range conns {
		out = append(out, Tenant{ID: cn.TenantID, Name: cn.TenantName, Type: cn.TenantType, ConnectionID: cn.ID})
	}
	return out, nil
}
