package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	goshopify "github.com/bold-commerce/go-shopify/v4"
)

// Callback timestamps older than this, or further ahead than callbackSkew, are
// refused: a callback URL is good for one prompt redirect, not for replay.
const (
	callbackMaxAge = time.Hour
	callbackSkew   = 5 * time.Minute
)

// AuthorizeURL returns where to send the vendor's browser to approve the app:
// https://{shop}/admin/oauth/authorize?client_id=…&redirect_uri=…&scope=…&state=…
// It asks for an offline token (no grant_options[]=per-user). With
// Config.Endpoint set, the URL is {Endpoint}/admin/oauth/authorize?…&shop={shop}.
func (c *Client) AuthorizeURL(shop, state, redirectURI string) (string, error) {
	if !ValidShop(shop) {
		return "", fmt.Errorf("shopify: %q is not a myshopify.com shop domain", shop)
	}
	if state == "" {
		return "", fmt.Errorf("shopify: authorize URL needs a state nonce")
	}
	if u, err := url.Parse(redirectURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("shopify: redirect URI %q is not an absolute http(s) URL", redirectURI)
	}
	app := goshopify.App{ApiKey: c.cfg.APIKey, RedirectUrl: redirectURI, Scope: strings.Join(c.cfg.Scopes, ",")}
	raw, err := app.AuthorizeUrl(shop, state)
	if err != nil {
		return "", fmt.Errorf("shopify: authorize URL: %w", err)
	}
	if c.endpoint == nil {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("shopify: authorize URL: %w", err)
	}
	q := u.Query()
	q.Set("shop", shop)
	u.Scheme, u.Host = c.endpoint.Scheme, c.endpoint.Host
	u.Path = c.endpoint.Path + u.Path
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// VerifyCallback checks the query of an OAuth callback (or of any request
// Shopify signs the same way): the hex `hmac` over the other parameters,
// sorted, matches one of the API secrets (compared in constant time); `shop`
// is a myshopify.com hostname; `timestamp` is neither older than an hour nor
// in the future beyond a few minutes of clock skew; a `code` is present.
// The `state` nonce is the caller's to check against the user's session.
func (c *Client) VerifyCallback(q url.Values) error {
	mac := q.Get("hmac")
	if mac == "" {
		return fmt.Errorf("%w: no hmac", ErrInvalidCallback)
	}
	signed := &url.URL{RawQuery: q.Encode()}
	ok := false
	for _, app := range c.apps {
		// go-shopify drops hmac and signature, sorts the rest as k=v&k=v
		// (unescaped) and compares the hex HMAC-SHA256 in constant time.
		if good, err := app.VerifyAuthorizationURL(signed); err == nil && good {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%w: hmac does not match", ErrInvalidCallback)
	}
	if shop := q.Get("shop"); !ValidShop(shop) {
		return fmt.Errorf("%w: shop %q is not a myshopify.com domain", ErrInvalidCallback, shop)
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not a number", ErrInvalidCallback, q.Get("timestamp"))
	}
	now := c.clock.Now()
	at := time.Unix(ts, 0)
	if now.Sub(at) > callbackMaxAge {
		return fmt.Errorf("%w: timestamp is older than %s", ErrInvalidCallback, callbackMaxAge)
	}
	if at.Sub(now) > callbackSkew {
		return fmt.Errorf("%w: timestamp is in the future", ErrInvalidCallback)
	}
	if q.Get("code") == "" {
		return fmt.Errorf("%w: no code", ErrInvalidCallback)
	}
	return nil
}

// VerifyWebhook reports whether hmacBase64 (the X-Shopify-Hmac-Sha256 header)
// is the base64 HMAC-SHA256 of the raw body under any of the API secrets.
func (c *Client) VerifyWebhook(body []byte, hmacBase64 string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(hmacBase64))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	ok := false
	for _, s := range c.cfg.APISecrets {
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		if hmac.Equal(got, m.Sum(nil)) {
			ok = true
		}
	}
	return ok
}

// Token is a shop's offline access token and the refresh token that renews it.
// A zero ExpiresAt means the access token does not expire (a legacy
// non-expiring token); a zero RefreshExpiresAt means Shopify did not say.
type Token struct {
	AccessToken      string
	RefreshToken     string
	Scope            string
	ExpiresAt        time.Time
	RefreshExpiresAt time.Time
}

// String keeps tokens out of logs and error messages.
func (t Token) String() string {
	return fmt.Sprintf("shopify.Token{scope=%q expires=%s refresh_expires=%s}", t.Scope, t.ExpiresAt.Format(time.RFC3339), t.RefreshExpiresAt.Format(time.RFC3339))
}

// GoString keeps tokens out of %#v too.
func (t Token) GoString() string { return t.String() }

// ExchangeCode trades an OAuth callback's code for an expiring offline token
// (expiring=1): a 60-minute access token and a refresh token.
func (c *Client) ExchangeCode(ctx context.Context, shop, code string) (Token, error) {
	if code == "" {
		return Token{}, fmt.Errorf("%w: empty authorization code", ErrInvalidGrant)
	}
	return c.tokenRequest(ctx, shop, url.Values{
		"client_id":     {c.cfg.APIKey},
		"client_secret": {c.cfg.APISecrets[0]},
		"code":          {code},
		"expiring":      {"1"},
	}, "")
}

// Refresh trades a refresh token for a new pair. Refresh tokens rotate: save
// the returned pair (both tokens) atomically, and use the new refresh token
// next time.
func (c *Client) Refresh(ctx context.Context, shop, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, fmt.Errorf("%w: empty refresh token", ErrInvalidGrant)
	}
	return c.tokenRequest(ctx, shop, url.Values{
		"client_id":     {c.cfg.APIKey},
		"client_secret": {c.cfg.APISecrets[0]},
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}, refreshToken)
}

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken           string `json:"access_token"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// tokenError is the token endpoint's OAuth-style error body.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Errors      any    `json:"errors"`
}

func (c *Client) tokenRequest(ctx context.Context, shop string, form url.Values, oldRefresh string) (Token, error) {
	if !ValidShop(shop) {
		return Token{}, fmt.Errorf("shopify: %q is not a myshopify.com shop domain", shop)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+shop+"/admin/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("shopify: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sent := c.clock.Now()
	res, err := c.hc.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("shopify: token request to %s: %w", shop, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return Token{}, fmt.Errorf("shopify: token response from %s: %w", shop, err)
	}
	if res.StatusCode != http.StatusOK {
		var te tokenError
		_ = json.Unmarshal(body, &te)
		detail := te.Error
		if te.Description != "" {
			detail += ": " + te.Description
		}
		if detail == "" && te.Errors != nil {
			detail = fmt.Sprint(te.Errors)
		}
		if detail == "" {
			detail = http.StatusText(res.StatusCode)
		}
		if res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != http.StatusTooManyRequests {
			return Token{}, fmt.Errorf("%w by %s (HTTP %d): %s", ErrInvalidGrant, shop, res.StatusCode, detail)
		}
		return Token{}, fmt.Errorf("shopify: token endpoint of %s answered HTTP %d: %s", shop, res.StatusCode, detail)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "" && mt != "application/json" {
		return Token{}, fmt.Errorf("shopify: token endpoint of %s answered %s, not JSON", shop, mt)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return Token{}, fmt.Errorf("shopify: token response from %s: %w", shop, err)
	}
	if tr.AccessToken == "" {
		return Token{}, fmt.Errorf("shopify: token response from %s has no access_token", shop)
	}
	t := Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope}
	if tr.ExpiresIn > 0 {
		t.ExpiresAt = sent.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	if tr.RefreshTokenExpiresIn > 0 {
		t.RefreshExpiresAt = sent.Add(time.Duration(tr.RefreshTokenExpiresIn) * time.Second)
	}
	if t.RefreshToken == "" && oldRefresh != "" {
		// Not rotated (Shopify always rotates today): the old one stays good.
		t.RefreshToken = oldRefresh
	}
	return t, nil
}
