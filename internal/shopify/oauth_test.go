package shopify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/shopify"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func newClient(t *testing.T, endpoint string, secrets ...string) (*shopify.Client, *clock.Fake) {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{"current-secret", "previous-secret"}
	}
	clk := clock.NewFake(t0)
	c, err := shopify.New(shopify.Config{
		APIKey: "app-key", APISecrets: secrets, APIVersion: shopify.DefaultAPIVersion,
		Scopes: []string{"read_products", "read_inventory"}, Endpoint: endpoint, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// sign returns q with the hmac Shopify would add under secret.
func sign(q url.Values, secret string) url.Values {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "hmac" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+q.Get(k))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join(parts, "&")))
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Set("hmac", hex.EncodeToString(m.Sum(nil)))
	return out
}

func callbackQuery(shop string, at time.Time) url.Values {
	return url.Values{
		"code":      {"0907a61c0c8d55e99db179b68161bc00"},
		"host":      {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw"},
		"shop":      {shop},
		"state":     {"nonce-123"},
		"timestamp": {strconv.FormatInt(at.Unix(), 10)},
	}
}

func TestValidShop(t *testing.T) {
	for shop, want := range map[string]bool{
		"northwind-candles.myshopify.com":      true,
		"A1.myshopify.com":                     true,
		"-bad.myshopify.com":                   false,
		"evil.com":                             false,
		"shop.myshopify.com.evil.com":          false,
		"shop.myshopify.com/admin":             false,
		"https://shop.myshopify.com":           false,
		"shop_name.myshopify.com":              false,
		"":                                     false,
		"shop.myshopify.com:443":               false,
		"northwind-candles.myshopify.com\n.io": false,
	} {
		if got := shopify.ValidShop(shop); got != want {
			t.Errorf("ValidShop(%q) = %v, want %v", shop, got, want)
		}
	}
}

func TestVerifyCallback(t *testing.T) {
	c, _ := newClient(t, "")
	good := callbackQuery("demo.myshopify.com", t0.Add(-time.Minute))
	tests := []struct {
		name string
		q    url.Values
		ok   bool
	}{
		{"signed with the current secret", sign(good, "current-secret"), true},
		{"signed with the previous secret (rotation)", sign(good, "previous-secret"), true},
		{"signed with another secret", sign(good, "someone-else"), false},
		{"no hmac", good, false},
		{"hmac not hex", func() url.Values { q := sign(good, "current-secret"); q.Set("hmac", "zz"); return q }(), false},
		{"tampered state", func() url.Values { q := sign(good, "current-secret"); q.Set("state", "other"); return q }(), false},
		{"tampered shop", func() url.Values { q := sign(good, "current-secret"); q.Set("shop", "other.myshopify.com"); return q }(), false},
		{"extra parameter", func() url.Values { q := sign(good, "current-secret"); q.Set("admin", "1"); return q }(), false},
		{"signed but not a myshopify host", sign(callbackQuery("evil.com", t0), "current-secret"), false},
		{"signed but a lookalike host", sign(callbackQuery("demo.myshopify.com.evil.com", t0), "current-secret"), false},
		{"stale timestamp", sign(callbackQuery("demo.myshopify.com", t0.Add(-61*time.Minute)), "current-secret"), false},
		{"timestamp just under an hour", sign(callbackQuery("demo.myshopify.com", t0.Add(-59*time.Minute)), "current-secret"), true},
		{"timestamp in the future", sign(callbackQuery("demo.myshopify.com", t0.Add(time.Hour)), "current-secret"), false},
		{"bad timestamp", func() url.Values {
			q := callbackQuery("demo.myshopify.com", t0)
			q.Set("timestamp", "yesterday")
			return sign(q, "current-secret")
		}(), false},
		{"no code", func() url.Values {
			q := callbackQuery("demo.myshopify.com", t0)
			q.Del("code")
			return sign(q, "current-secret")
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.VerifyCallback(tt.q)
			if tt.ok && err != nil {
				t.Fatalf("want ok, got %v", err)
			}
			if !tt.ok && !errors.Is(err, shopify.ErrInvalidCallback) {
				t.Fatalf("want ErrInvalidCallback, got %v", err)
			}
		})
	}
}

func TestVerifyWebhook(t *testing.T) {
	c, _ := newClient(t, "")
	body := []byte(`{"id":1001,"title":"Cedar & Smoke Candle"}`)
	mac := func(secret string, b []byte) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(b)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	tests := []struct {
		name string
		body []byte
		hmac string
		ok   bool
	}{
		{"current secret", body, mac("current-secret", body), true},
		{"previous secret during rotation", body, mac("previous-secret", body), true},
		{"other secret", body, mac("nope", body), false},
		{"tampered body", []byte(`{"id":1002,"title":"Cedar & Smoke Candle"}`), mac("current-secret", body), false},
		{"hex instead of base64", body, hex.EncodeToString([]byte("0123456789abcdef0123456789abcdef")), false},
		{"not base64", body, "%%%", false},
		{"empty", body, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.VerifyWebhook(tt.body, tt.hmac); got != tt.ok {
				t.Fatalf("VerifyWebhook = %v, want %v", got, tt.ok)
			}
		})
	}
}

func TestAuthorizeURL(t *testing.T) {
	t.Run("Shopify itself", func(t *testing.T) {
		c, _ := newClient(t, "")
		raw, err := c.AuthorizeURL("demo.myshopify.com", "nonce", "https://trove.example/oauth/shopify/callback")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(raw)
		q := u.Query()
		if u.Scheme != "https" || u.Host != "demo.myshopify.com" || u.Path != "/admin/oauth/authorize" {
			t.Errorf("url = %s", raw)
		}
		if q.Get("client_id") != "app-key" || q.Get("scope") != "read_products,read_inventory" || q.Get("state") != "nonce" ||
			q.Get("redirect_uri") != "https://trove.example/oauth/shopify/callback" || q.Has("grant_options[]") || q.Has("shop") {
			t.Errorf("query = %v", q)
		}
	})
	t.Run("sandbox endpoint", func(t *testing.T) {
		c, _ := newClient(t, "http://localhost:8080/sandbox/shopify/")
		raw, err := c.AuthorizeURL("demo.myshopify.com", "nonce", "http://localhost:8080/oauth/shopify/callback")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(raw)
		if u.Scheme != "http" || u.Host != "localhost:8080" || u.Path != "/sandbox/shopify/admin/oauth/authorize" || u.Query().Get("shop") != "demo.myshopify.com" {
			t.Errorf("url = %s", raw)
		}
	})
	t.Run("refuses", func(t *testing.T) {
		c, _ := newClient(t, "")
		for _, tc := range [][3]string{
			{"evil.com", "nonce", "https://trove.example/cb"},
			{"demo.myshopify.com", "", "https://trove.example/cb"},
			{"demo.myshopify.com", "nonce", "/relative"},
		} {
			if _, err := c.AuthorizeURL(tc[0], tc[1], tc[2]); err == nil {
				t.Errorf("AuthorizeURL%v: want an error", tc)
			}
		}
	})
}

func TestTokenRequests(t *testing.T) {
	var got []url.Values
	var hosts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/admin/oauth/access_token" {
			http.NotFound(w, r)
			return
		}
		_ = r.ParseForm()
		got = append(got, r.PostForm)
		hosts = append(hosts, r.Host)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch {
		case r.PostForm.Get("code") == "used", r.PostForm.Get("refresh_token") == "shprt_old":
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "no"})
		case r.PostForm.Get("code") == "boom":
			w.WriteHeader(http.StatusBadGateway)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "shpat_new", "expires_in": 3600,
				"refresh_token": "shprt_new", "refresh_token_expires_in": 7776000, "scope": "read_products,read_inventory"})
		}
	}))
	defer srv.Close()
	c, _ := newClient(t, srv.URL)
	ctx := context.Background()

	tok, err := c.ExchangeCode(ctx, "demo.myshopify.com", "the-code")
	if err != nil {
		t.Fatal(err)
	}
	want := shopify.Token{AccessToken: "shpat_new", RefreshToken: "shprt_new", Scope: "read_products,read_inventory",
		ExpiresAt: t0.Add(time.Hour), RefreshExpiresAt: t0.Add(90 * 24 * time.Hour)}
	if tok != want {
		t.Errorf("token = %+v, want %+v", tok, want)
	}
	f := got[0]
	if f.Get("client_id") != "app-key" || f.Get("client_secret") != "current-secret" || f.Get("code") != "the-code" || f.Get("expiring") != "1" || f.Has("grant_type") {
		t.Errorf("code exchange form = %v", f)
	}
	if hosts[0] != "demo.myshopify.com" {
		t.Errorf("Host = %q, want the shop", hosts[0])
	}
	if strings.Contains(tok.String(), "shpat_") || strings.Contains(tok.String(), "shprt_") {
		t.Errorf("Token.String leaks a token: %s", tok)
	}

	if _, err := c.Refresh(ctx, "demo.myshopify.com", "shprt_current"); err != nil {
		t.Fatal(err)
	}
	f = got[1]
	if f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != "shprt_current" || f.Get("client_secret") != "current-secret" {
		t.Errorf("refresh form = %v", f)
	}

	if _, err := c.Refresh(ctx, "demo.myshopify.com", "shprt_old"); !errors.Is(err, shopify.ErrInvalidGrant) {
		t.Errorf("refused refresh: want ErrInvalidGrant, got %v", err)
	}
	if _, err := c.ExchangeCode(ctx, "demo.myshopify.com", "used"); !errors.Is(err, shopify.ErrInvalidGrant) {
		t.Errorf("refused code: want ErrInvalidGrant, got %v", err)
	}
	if _, err := c.ExchangeCode(ctx, "demo.myshopify.com", "boom"); err == nil || errors.Is(err, shopify.ErrInvalidGrant) {
		t.Errorf("502: want a transient error, got %v", err)
	}
	if _, err := c.ExchangeCode(ctx, "evil.com", "x"); err == nil {
		t.Error("token request to a non-Shopify host: want an error")
	}
}

// TestVerifyCallbackPublishedVector checks against the example query and
// secret ("hush") of Shopify's OAuth documentation, as reproduced by several
// client libraries: an hmac computed independently of this package.
func TestVerifyCallbackPublishedVector(t *testing.T) {
	clk := clock.NewFake(time.Unix(1337178173, 0).Add(10 * time.Second))
	c, err := shopify.New(shopify.Config{APIKey: "k", APISecrets: []string{"rotated-in", "hush"}, APIVersion: shopify.DefaultAPIVersion, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery("code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173")
	if err := c.VerifyCallback(q); err != nil {
		t.Fatal(err)
	}
	q.Set("state", "0.6784241404160824")
	if err := c.VerifyCallback(q); !errors.Is(err, shopify.ErrInvalidCallback) {
		t.Fatalf("tampered: want ErrInvalidCallback, got %v", err)
	}
}
