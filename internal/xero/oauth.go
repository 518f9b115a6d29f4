package xero

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
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

// oauth is the app's OAuth2 configuration for one redirect URI. Xero
// authenticates the app with HTTP Basic at the token endpoint.
func (c *Client) oauth(redirectURI string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: redirectURI, Scopes: c.cfg.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: c.loginBase + "/identity/connect/authorize", TokenURL: c.identityBase + "/connect/token",
			AuthStyle: oauth2.AuthStyleInHeader}}
}

// AuthorizeURL is where to send the browser to connect an organisation.
// state must be a fresh, unguessable nonce checked on the callback.
func (c *Client) AuthorizeURL(state, redirectURI string) string {
	return c.oauth(redirectURI).AuthCodeURL(state)
}

// ExchangeCode trades the callback's authorization code for the first token pair.
func (c *Client) ExchangeCode(ctx context.Context, code, redirectURI string) (Token, error) {
	if code == "" {
		return Token{}, &Error{kind: ErrInvalidGrant, Op: "exchange code", Message: "empty authorization code"}
	}
	tok, err := c.oauth(redirectURI).Exchange(c.oauthContext(ctx), code)
	return c.token(ctx, "exchange code", tok, err)
}

// Refresh trades a refresh token for a new pair. The old refresh token is
// spent (Xero allows a short grace period, but do not count on it): store the
// new pair before using it. A refused refresh token gives an error wrapping
// ErrInvalidGrant; the organisation must then be connected again.
//
// Refresh is explicit on purpose: nothing in this package refreshes behind
// the caller's back, because the caller must persist every rotated token.
// (oauth2's TokenSource is used for the one refresh asked for, with a token
// that is expired by construction, and then dropped.)
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, &Error{kind: ErrInvalidGrant, Op: "refresh token", Message: "empty refresh token"}
	}
	old := &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}
	tok, err := c.oauth("").TokenSource(c.oauthContext(ctx), old).Token()
	return c.token(ctx, "refresh token", tok, err)
}

// oauthContext makes oauth2 use the adapter's HTTP client.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.hc)
}

// token turns the token endpoint's answer into a Token or an error the
// caller can act on. The expiry is re-based on the injected clock: oauth2
// stamps it with the wall clock.
func (c *Client) token(ctx context.Context, op string, tok *oauth2.Token, err error) (Token, error) {
	if err != nil {
		if ctx.Err() != nil {
			return Token{}, ctx.Err()
		}
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.Response == nil {
			return Token{}, &Error{kind: ErrUnavailable, Op: op, cause: scrubURLError(err)}
		}
		status := re.Response.StatusCode
		e := &Error{Op: op, Status: status, Type: re.ErrorCode, Message: re.ErrorDescription}
		switch {
		case status == http.StatusTooManyRequests:
			e.kind, e.RetryAfter = ErrRateLimited, retryAfter(re.Response.Header)
		case status >= 500:
			e.kind = ErrUnavailable
		case re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client":
			e.kind = ErrInvalidClient
		default:
			e.kind = ErrInvalidGrant
		}
		c.log.WarnContext(ctx, "xero token endpoint refused", "op", op, "status", status, "error", re.ErrorCode)
		return Token{}, e
	}
	if tok.AccessToken == "" {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Message: "token response has no access_token"}
	}
	if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "Bearer") {
		return Token{}, &Error{kind: ErrUnavailable, Op: op, Message: "unexpected token_type " + tok.TokenType}
	}
	expiresIn := 30 * time.Minute // Xero's documented lifetime, when the answer has none
	switch {
	case tok.ExpiresIn > 0:
		expiresIn = time.Duration(tok.ExpiresIn) * time.Second
	case !tok.Expiry.IsZero():
		expiresIn = time.Until(tok.Expiry).Round(time.Second)
	}
	return Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, ExpiresAt: c.clock.Now().Add(expiresIn)}, nil
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
